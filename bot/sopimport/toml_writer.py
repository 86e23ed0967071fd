"""Write a :class:`Draft` as commented TOML the loader reads (tomllib reads, it cannot write).

Strings are TOML basic strings with every character TOML requires escaped; comments never
carry a control character. The caller loads the text back before keeping it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

from bot.sopimport import texts as t
from bot.sopimport.model import (
    Draft,
    DraftDocument,
    DraftGuess,
    DraftRole,
    DraftStep,
    by_field,
)

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_WIDTH = 96


def toml_string(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_list(values: Sequence[str], indent: str = "") -> str:
    one_line = "[" + ", ".join(toml_string(v) for v in values) + "]"
    if len(one_line) <= 80:
        return one_line
    inner = "".join(f"{indent}  {toml_string(v)},\n" for v in values)
    return f"[\n{inner}{indent}]"


def _clean(text: str) -> str:
    return " ".join("".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text).split())


def comment(text: str, first: str = "# ", rest: str = "# ") -> list[str]:
    lines = textwrap.wrap(_clean(text), width=_WIDTH - len(first)) or [""]
    return [(first if i == 0 else rest) + line for i, line in enumerate(lines)]


def _periksa(guess: DraftGuess) -> list[str]:
    return comment(guess.detail, first="# PERIKSA: ", rest="#   ")


class _Table:
    """Lines of one TOML table: each field preceded by the comments about it."""

    def __init__(self, header: str, notes: Iterable[str], guesses: Sequence[DraftGuess]) -> None:
        self.lines = [header]
        for note in notes:
            self.lines += comment(note)
        self.guesses = list(guesses)
        self._said: set[int] = set()  # guesses whose comment is written

    def field(self, key: str, value: str | None) -> None:
        for n, guess in enumerate(self.guesses):
            if guess.field == key:
                self.lines += _periksa(guess)
                self._said.add(n)
        if value is not None:
            self.lines.append(f"{key} = {value}")

    def close(self) -> list[str]:
        for n, guess in enumerate(self.guesses):
            if n not in self._said:
                self.lines += _periksa(guess)
        for guess in by_field(self.guesses):  # one key per field: TOML refuses a second
            self.lines.append(f"guesses.{guess.field} = {toml_string(guess.reason)}")
        if self.guesses:
            self.lines.append("confirmed = false")
        return [*self.lines, ""]


def write_draft(draft: Draft) -> str:
    lines = _preamble(draft)
    lines += _header(draft)
    lines += comment(t.DRAFT_ROLES)
    for role in draft.roles:
        lines += _role(role)
    lines += comment(t.DRAFT_DOCUMENTS)
    for doc in draft.documents:
        lines += _document(doc)
    lines += comment(t.DRAFT_STEPS)
    for step in draft.steps:
        lines += _step(step)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _preamble(draft: Draft) -> list[str]:
    count = len(draft.guesses())
    lines = comment(t.DRAFT_TITLE.format(source=draft.source_name, form=draft.form))
    lines.append("#")
    lines += comment(t.DRAFT_HOW_TO_CONFIRM.format(count=count))
    lines.append("#")
    lines += comment(t.DRAFT_NOT_IN_THE_FORM)
    for label, value in draft.header.extra:
        lines += comment(t.DRAFT_HEADER_EXTRA.format(label=label, value=value or t.HEADER_EMPTY))
    for note in draft.notes:
        lines += comment(note)
    return [*lines, ""]


def _header(draft: Draft) -> list[str]:
    h = draft.header
    lines = ["[sop]"]
    lines += comment(t.DRAFT_CODE)
    lines.append(f"code = {toml_string(draft.code)}")
    for key, text in (
        ("number", h.number),
        ("name", h.name),
    ):
        lines.append(f"{key} = {toml_string(text)}")
    lines.append(f"organisation = {toml_list(h.organisation)}")
    for key, text in (
        ("approved_by", h.approved_by),
        ("approval_date", h.approval_date),
        ("revision_date", h.revision_date),
    ):
        lines.append(f"{key} = {toml_string(text)}")
    for key, values in (
        ("legal_basis", h.legal_basis),
        ("qualifications", h.qualifications),
        ("related_sops", h.related_sops),
        ("equipment", h.equipment),
    ):
        lines.append(f"{key} = {toml_list(values)}")
    lines.append(f"warning = {toml_string(h.warning)}")
    lines.append(f"record_keeping = {toml_string(h.record_keeping)}")
    return [*lines, ""]


def _role(role: DraftRole) -> list[str]:
    table = _Table("[[roles]]", role.notes, role.guesses)
    table.field("id", toml_string(role.id))
    table.field("name", toml_string(role.name))
    table.field("title", toml_string(role.title))
    table.field("superior", toml_string(role.superior) if role.superior else None)
    table.field("shared", "true" if role.shared else None)
    return table.close()


def _document(doc: DraftDocument) -> list[str]:
    table = _Table(f"[documents.{doc.id}]", doc.notes, doc.guesses)
    table.field("name", toml_string(doc.name))
    if doc.same_as:
        table.field("same_as", toml_string(doc.same_as))
    else:
        table.field("source", toml_string(doc.source))
    return table.close()


def _step(step: DraftStep) -> list[str]:
    table = _Table("[[steps]]", step.notes, step.guesses)
    table.field("id", str(step.id))
    table.field("actor", toml_string(step.actor))
    table.field("kind", toml_string(step.kind))
    table.field("title", toml_string(step.title))
    table.field("activity", toml_string(step.activity))
    table.field("inputs", toml_list(step.inputs))
    table.field("uploads", toml_list(step.uploads) if step.uploads else None)
    table.field("outputs", toml_list(step.outputs))
    table.field("time_minutes", str(step.time_minutes))
    table.field("on_approve", str(step.on_approve) if step.on_approve is not None else None)
    table.field("on_return", str(step.on_return) if step.on_return is not None else None)
    table.field("approval", toml_string(step.approval) if step.approval else None)
    table.field("related_sop", toml_string(step.related_sop) if step.related_sop else None)
    table.field("team", toml_string(step.team) if step.team else None)
    return table.close()
