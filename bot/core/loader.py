"""Load an SOP definition from TOML and refuse a bad one with errors that name the place.

Every problem is reported as ``<path>: <message>``, e.g. ``steps[3].on_return: step 9 does not
exist``; all problems found are reported together.

A draft written by ``sopbot sop import`` marks what the importer guessed: a role, document or
step may carry ``guesses`` (field name -> why it was guessed) and ``confirmed``. Until a
reviewer writes ``confirmed = true`` on it, each of its guesses is *unconfirmed*:
:func:`load_draft` still loads such a definition (for ``sopbot sop show``), while
:func:`load_definition`, which ``check`` and ``run`` use, refuses it and names every guess
(``steps[3].actor: ditebak dari kalimat langkah 3; periksa``).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core.definition import (
    BUDGET_YEAR,
    MAX_STEP_ID,
    ApprovalKind,
    Blank,
    Document,
    DocumentSource,
    Mandate,
    Role,
    SopDefinition,
    SopHeader,
    Step,
    StepKind,
)
from bot.core.text import has_control_characters, is_blank
from bot.core.textfile import (
    UnreadableText,
    closest,
    read_text_file,
    toml_problem,
    unknown_key,
)

# The longest time norm of a step, in working minutes: a year of office work (52 weeks of
# 5 days of 8 hours, the default working time). SOP norms are hours or days (the shipped
# SOP's longest is 10 days), so a longer one is a slip of the keyboard (9999999999999);
# the bound also keeps the deadline arithmetic (bot.worktime) in range. config.toml's
# sop_time_overrides and reminder intervals are bounded the same.
MAX_STEP_MINUTES = 52 * 5 * 8 * 60
# A team step's duties (``team_duties``), as the SK Tim lists them in Diktum KEDUA: a few
# one-line items the paper letters a., b., ... and punctuates itself.
MAX_TEAM_DUTIES = 12
MAX_DUTY_CHARS = 300
# What every task message shows of the SOP: its name and the step's title and activity, the
# roles and documents by name. A task is one Telegram message (4096 characters) that must
# still hold the case's title and what to press: the longest of the shipped SOP and the
# review's four are an activity of 163 characters, a title of 59 and a name of 60, and a
# form's longest document names about 95.
MAX_NAME_CHARS = 120  # roles[].name, documents.<id>.name, sop.year_label
MAX_TITLE_CHARS = 200  # sop.name, roles[].title, steps[].title
MAX_ACTIVITY_CHARS = 600  # steps[].activity
_DUTY_PUNCTUATED = re.compile(r"(?:[;,.:]|\bdan)$")
# matched whole (fullmatch: "$" would also match before a final line break, "kabag\n")
_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,23}")

_SOP_KEYS = {
    "code": True, "number": True, "name": True, "organisation": False, "approved_by": False,
    "approval_date": False, "revision_date": False, "legal_basis": False,
    "qualifications": False, "related_sops": False, "equipment": False, "warning": False,
    "record_keeping": False, "year_label": False,
}  # fmt: skip
_ROLE_KEYS = {"id": True, "name": True, "title": False, "superior": False, "shared": False}
_DOC_KEYS = {"name": True, "source": False, "same_as": False, "optional": False, "paper": False}
_STEP_KEYS = {
    "id": True, "actor": True, "kind": True, "title": True, "activity": False, "inputs": False,
    "uploads": False, "outputs": False, "time_minutes": True, "on_approve": False,
    "on_return": False, "approval": False, "related_sop": False, "papers": False,
    "templates": False, "mandate": False, "team_duties": False, "team": False,
    "corrects": False,
}  # fmt: skip
_BLANK_KEYS = {"title": True, "template": True}
# What a draft's reviewer sees and clears; allowed on roles, documents and steps.
_GUESS_KEYS = {"guesses": False, "confirmed": False}


@dataclass(frozen=True)
class Guess:
    """One unconfirmed guess of a draft: ``path`` is the field, e.g. ``steps[3].actor``."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}; periksa"


class DefinitionError(ValueError):
    """A definition was refused; ``problems`` lists every ``path: message`` found."""

    heading = "invalid SOP definition"

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {self.heading}:\n  " + "\n  ".join(problems))


class UnconfirmedGuesses(DefinitionError):
    """A draft whose guesses nobody has confirmed yet: it may be shown, never run."""

    heading = (
        "draf SOP masih memuat tebakan yang belum dikonfirmasi "
        "(periksa setiap butir, lalu tulis confirmed = true pada butir itu)"
    )

    def __init__(self, source: str, guesses: Iterable[Guess]) -> None:
        self.guesses = tuple(guesses)
        super().__init__(source, [str(g) for g in self.guesses])


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.guesses: list[Guess] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def load_definition(path: str | Path) -> SopDefinition:
    """A definition ready to run: refused if it is invalid or still has unconfirmed guesses."""
    definition, guesses = load_draft(path)
    if guesses:
        raise UnconfirmedGuesses(str(path), guesses)
    return definition


def load_draft(path: str | Path) -> tuple[SopDefinition, tuple[Guess, ...]]:
    """A valid definition and its unconfirmed guesses (none for a reviewed definition)."""
    path = Path(path)
    try:
        text = read_text_file(path)
    except OSError as exc:
        raise DefinitionError(str(path), [f"cannot read file: {exc.strerror}"]) from exc
    except UnreadableText as exc:
        raise DefinitionError(str(path), [str(exc)]) from exc
    return draft_from_text(text, source=str(path))


def draft_from_text(
    text: str, source: str = "<definition>"
) -> tuple[SopDefinition, tuple[Guess, ...]]:
    """A definition from its TOML text, carrying the text and its revision (a hash of it:
    a case keeps the revision it started with, whatever the file says later), and the
    guesses a draft still has."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(source, [f"not valid TOML: {toml_problem(exc, text)}"]) from exc
    definition, guesses = parse_draft(raw, source=source)
    return replace(definition, revision=revision_of(text), source_text=text), guesses


def definition_from_text(text: str, source: str = "<definition>") -> SopDefinition:
    """A definition ready to run from its TOML text (refused with unconfirmed guesses)."""
    definition, guesses = draft_from_text(text, source)
    if guesses:
        raise UnconfirmedGuesses(source, guesses)
    return definition


def revision_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_definition(raw: Mapping[str, Any], source: str = "<definition>") -> SopDefinition:
    definition, guesses = parse_draft(raw, source)
    if guesses:
        raise UnconfirmedGuesses(source, guesses)
    return definition


def parse_draft(
    raw: Mapping[str, Any], source: str = "<definition>"
) -> tuple[SopDefinition, tuple[Guess, ...]]:
    p = _Problems()
    definition = _parse(p, raw, despite_problems=False)
    if p.items:
        raise DefinitionError(source, p.items)
    assert definition is not None
    return definition, tuple(p.guesses)


def stored_definition(text: str, source: str) -> tuple[SopDefinition, tuple[str, ...]]:
    """A revision the database keeps (:mod:`bot.services.registry`): what cases started
    with and ran on, as the release of the day accepted it. Today's rules may be stricter
    (an activity of 828 characters, from before the bound of 600): what they find in it is
    returned, not refused, and the definition is made as the text says, for its cases run
    on with it. Refused only when no definition can be made of the text at all (not TOML,
    without ``[sop]`` or steps)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(source, [f"not valid TOML: {toml_problem(exc, text)}"]) from exc
    p = _Problems()
    definition = _parse(p, raw, despite_problems=True)
    if definition is None:
        raise DefinitionError(source, p.items)
    found = (*p.items, *map(str, p.guesses))
    return replace(definition, revision=revision_of(text), source_text=text), found


def _parse(p: _Problems, raw: Mapping[str, Any], *, despite_problems: bool) -> SopDefinition | None:
    """The definition ``raw`` describes, its problems added to ``p``; None when it has
    none to describe (no ``[sop]`` table or no steps). The cross-checks (roles, documents,
    the way through the steps, team steps) run once the fields are read without a problem,
    or, ``despite_problems``, whatever the fields had (a stored revision:
    :func:`stored_definition`)."""
    _check_keys(
        p, "", raw, {"sop": True, "roles": True, "documents": True, "steps": True, "blanks": False}
    )
    header = _parse_header(p, raw.get("sop"))
    roles = _parse_roles(p, raw.get("roles"))
    documents = _parse_documents(p, raw.get("documents"))
    steps = _parse_steps(p, raw.get("steps"))
    blanks = _parse_blanks(p, raw.get("blanks"))
    if not p.items or despite_problems:
        _check_roles(p, roles)
        _check_documents(p, documents)
        _check_steps(p, steps, _role_names(roles), {d.id: d for d in documents})
        steps = _check_team_steps(p, steps, roles)
    if header is None or not steps:
        return None
    return SopDefinition(header, tuple(roles), tuple(documents), tuple(steps), tuple(blanks))


# -- field readers -----------------------------------------------------------------------


def _check_keys(
    p: _Problems, path: str, table: Mapping[str, Any], keys: Mapping[str, bool]
) -> None:
    prefix = f"{path}." if path else ""
    for key in table:
        if key not in keys:
            p.add(f"{prefix}{key}", unknown_key(key, keys))
    for key, required in keys.items():
        if required and key not in table:
            p.add(f"{prefix}{key}", "missing required field")


def _str(p: _Problems, path: str, value: Any, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        p.add(path, f"must be a string, got {type(value).__name__}")
        return default
    return value


def _name(
    p: _Problems, path: str, value: Any, default: str = "", limit: int = MAX_NAME_CHARS
) -> str:
    """A name or title the officials read in every message: it shows something, on one
    line, without control or direction characters (which could make it read as another),
    in at most ``limit`` characters."""
    text = _str(p, path, value, default)
    if isinstance(value, str):
        if is_blank(text):
            p.add(path, "must not be empty (officials read it in the messages)")
        elif has_control_characters(text):
            p.add(path, "must be one line without control or text-direction characters")
        else:
            _bounded(p, path, text, limit)
    return text


def _bounded(p: _Problems, path: str, text: str, limit: int) -> None:
    """A text every task message shows: a longer one would push what the task asks (the
    case's title, the instruction, the buttons' meaning) out of its 4096 characters."""
    if len(text) > limit:
        p.add(
            path,
            f"must be at most {limit} characters (every task message shows it), got {len(text)}",
        )


def _str_list(p: _Problems, path: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        p.add(path, "must be a list of strings")
        return ()
    return tuple(value)


def _int(p: _Problems, path: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(path, f"must be an integer, got {type(value).__name__}")
        return None
    return value


def _time_minutes(p: _Problems, path: str, value: Any) -> int | None:
    """A step's time norm: working minutes, from 1 to :data:`MAX_STEP_MINUTES`."""
    minutes = _int(p, path, value)
    if minutes is not None and minutes <= 0:
        p.add(path, f"must be a positive number of minutes, got {minutes}")
    elif minutes is not None and minutes > MAX_STEP_MINUTES:
        p.add(
            path,
            f"must be at most {MAX_STEP_MINUTES} working minutes (a year of office work), "
            f"got {minutes}",
        )
    return minutes


def _team_duties(p: _Problems, path: str, value: Any) -> tuple[str, ...]:
    """A team step's duties: 1 to :data:`MAX_TEAM_DUTIES` non-empty one-line strings of at
    most :data:`MAX_DUTY_CHARS` characters, without control characters or the closing
    punctuation the paper adds (";", "; dan", ".")."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        p.add(path, "must be a list of strings (the team's duties, one line each)")
        return ()
    if not 1 <= len(value) <= MAX_TEAM_DUTIES:
        p.add(path, f"must list 1 to {MAX_TEAM_DUTIES} duties, got {len(value)}")
        return ()
    duties = []
    for j, raw in enumerate(value):
        where = f"{path}[{j}]"
        text = raw.strip()
        if not text:
            p.add(where, "must not be empty")
        elif any(c in "\n\r" or unicodedata.category(c) in ("Zl", "Zp") for c in text):
            p.add(where, "must be one line")
        elif any(unicodedata.category(c) == "Cc" for c in text):
            p.add(where, "must not contain control characters")
        elif len(text) > MAX_DUTY_CHARS:
            p.add(where, f"must be at most {MAX_DUTY_CHARS} characters, got {len(text)}")
        elif _DUTY_PUNCTUATED.search(text):
            p.add(
                where,
                "must not end with punctuation or 'dan' (the SK Tim letters the duties and "
                "adds ';', '; dan' and '.' itself)",
            )
        else:
            duties.append(text)
    return tuple(duties)


def _bool(p: _Problems, path: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        p.add(path, "must be true or false")
        return False
    return value


def _table_list(p: _Problems, path: str, value: Any) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        p.add(path, f"must be an array of tables ([[{path}]])")
        return []
    if not value:
        p.add(path, "must not be empty")
    return value


def _read_guesses(
    p: _Problems, path: str, item: Mapping[str, Any], fields: Mapping[str, bool]
) -> None:
    """Record the item's guesses as unconfirmed unless it says ``confirmed = true``."""
    guesses = item.get("guesses", {})
    confirmed = item.get("confirmed")
    if confirmed is not None and not isinstance(confirmed, bool):
        p.add(f"{path}.confirmed", "must be true or false")
        return
    if not isinstance(guesses, dict):
        p.add(f"{path}.guesses", "must be a table of field = reason")
        return
    found = []
    for name, reason in guesses.items():
        if name not in fields:
            p.add(f"{path}.guesses.{name}", "not a field of this table")
        elif not isinstance(reason, str) or not reason.strip():
            p.add(f"{path}.guesses.{name}", "must be a non-empty string (why it was guessed)")
        else:
            found.append(Guess(f"{path}.{name}", reason.strip()))
    if confirmed is True:
        return
    if found:
        p.guesses.extend(found)
    elif confirmed is False:
        p.guesses.append(Guess(path, "belum dikonfirmasi"))


def _parse_header(p: _Problems, raw: Any) -> SopHeader | None:
    if not isinstance(raw, dict):
        if raw is not None:
            p.add("sop", "must be a table")
        return None
    _check_keys(p, "sop", raw, _SOP_KEYS)
    code = _str(p, "sop.code", raw.get("code"))
    if "code" in raw and not _CODE.fullmatch(code):
        p.add("sop.code", "must be 1-24 characters of a-z, 0-9 and '-'")
    return SopHeader(
        code=code,
        number=_str(p, "sop.number", raw.get("number")),
        name=_name(p, "sop.name", raw.get("name"), limit=MAX_TITLE_CHARS),
        organisation=_str_list(p, "sop.organisation", raw.get("organisation")),
        approved_by=_str(p, "sop.approved_by", raw.get("approved_by")),
        approval_date=_str(p, "sop.approval_date", raw.get("approval_date")),
        revision_date=_str(p, "sop.revision_date", raw.get("revision_date")),
        legal_basis=_str_list(p, "sop.legal_basis", raw.get("legal_basis")),
        qualifications=_str_list(p, "sop.qualifications", raw.get("qualifications")),
        related_sops=_str_list(p, "sop.related_sops", raw.get("related_sops")),
        equipment=_str_list(p, "sop.equipment", raw.get("equipment")),
        warning=_str(p, "sop.warning", raw.get("warning")),
        record_keeping=_str(p, "sop.record_keeping", raw.get("record_keeping")),
        year_label=_name(p, "sop.year_label", raw.get("year_label"), BUDGET_YEAR),
    )


def _parse_roles(p: _Problems, raw: Any) -> list[Role]:
    roles = []
    for i, item in enumerate(_table_list(p, "roles", raw)):
        path = f"roles[{i}]"
        _check_keys(p, path, item, _ROLE_KEYS | _GUESS_KEYS)
        _read_guesses(p, path, item, _ROLE_KEYS)
        role_id = _str(p, f"{path}.id", item.get("id"))
        if "id" in item and not _ID.fullmatch(role_id):
            p.add(
                f"{path}.id", "must be 1-32 characters of a-z, 0-9 and '_', starting with a letter"
            )
        name = _name(p, f"{path}.name", item.get("name"))
        roles.append(
            Role(
                id=role_id,
                name=name,
                title=_name(
                    p, f"{path}.title", item.get("title"), default=name, limit=MAX_TITLE_CHARS
                ),
                superior=_str(p, f"{path}.superior", item.get("superior")) or None,
                shared=_bool(p, f"{path}.shared", item.get("shared")),
            )
        )
    return roles


def _parse_documents(p: _Problems, raw: Any) -> list[Document]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        p.add("documents", "must be a table of documents ([documents.<id>])")
        return []
    documents = []
    for doc_id, item in raw.items():
        path = f"documents.{doc_id}"
        if not _ID.fullmatch(doc_id):
            p.add(path, "document id must be 1-32 characters of a-z, 0-9 and '_'")
        if not isinstance(item, dict):
            p.add(path, "must be a table")
            continue
        _check_keys(p, path, item, _DOC_KEYS | _GUESS_KEYS)
        _read_guesses(p, path, item, _DOC_KEYS)
        source_raw = _str(p, f"{path}.source", item.get("source"))
        source = None
        if source_raw:
            try:
                source = DocumentSource(source_raw)
            except ValueError:
                p.add(f"{path}.source", f"must be 'upload' or 'generated', got '{source_raw}'")
        documents.append(
            Document(
                id=doc_id,
                name=_name(p, f"{path}.name", item.get("name")),
                source=source,
                same_as=_str(p, f"{path}.same_as", item.get("same_as")) or None,
                optional=_bool(p, f"{path}.optional", item.get("optional")),
                paper=_str(p, f"{path}.paper", item.get("paper")) or None,
            )
        )
    return documents


def _parse_blanks(p: _Problems, raw: Any) -> list[Blank]:
    """The SOP's own blank drafts (``[blanks.<id>]``): what each is called and its template
    file. Whether a step names them, and where they fit, is :mod:`bot.papers.registry`'s
    to say (it knows the paper kinds the bot has)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        p.add("blanks", "must be a table of blank drafts ([blanks.<id>])")
        return []
    blanks = []
    for blank_id, item in raw.items():
        path = f"blanks.{blank_id}"
        if not _ID.fullmatch(blank_id):
            p.add(
                path, "blank id must be 1-32 characters of a-z, 0-9 and '_', starting with a letter"
            )
        if not isinstance(item, dict):
            p.add(path, "must be a table")
            continue
        _check_keys(p, path, item, _BLANK_KEYS)
        blanks.append(
            Blank(
                id=blank_id,
                title=_name(p, f"{path}.title", item.get("title")),
                template=_template_name(p, f"{path}.template", item.get("template")),
            )
        )
    return blanks


def _template_name(p: _Problems, path: str, value: Any) -> str:
    """A blank's template: a Word file's name alone ("konsep_spp.docx"). The bot looks for
    it in the office's templates folder, then among the shipped templates, and nowhere
    else: a folder in the name would reach outside them."""
    name = _str(p, path, value)
    if not isinstance(value, str):
        return name
    if not name.strip():
        p.add(path, "must not be empty (the name of the blank's .docx template)")
    elif "/" in name or "\\" in name:
        p.add(
            path,
            f"must be a file name without a folder, got {name!r} (the file is looked up in "
            "papers.templates_dir, then in doc_templates/)",
        )
    elif has_control_characters(name) or name != name.strip():
        p.add(
            path, f"must be a file name without control characters or spaces around, got {name!r}"
        )
    elif not name.endswith(".docx") or name == ".docx":
        p.add(
            path, f'must end in .docx, after a name (a Word document: "konsep.docx"), got {name!r}'
        )
    return name


def _parse_steps(p: _Problems, raw: Any) -> list[Step]:
    steps = []
    for i, item in enumerate(_table_list(p, "steps", raw)):
        path = f"steps[{i}]"
        _check_keys(p, path, item, _STEP_KEYS | _GUESS_KEYS)
        _read_guesses(p, path, item, _STEP_KEYS)
        kind_raw = _str(p, f"{path}.kind", item.get("kind"))
        kind = StepKind.ACTION
        if "kind" in item:
            try:
                kind = StepKind(kind_raw)
            except ValueError:
                allowed = ", ".join(k.value for k in StepKind)
                p.add(f"{path}.kind", f"unknown kind '{kind_raw}' (one of: {allowed})")
        approval_raw = _str(p, f"{path}.approval", item.get("approval"))
        approval = None
        if approval_raw:
            try:
                approval = ApprovalKind(approval_raw)
            except ValueError:
                p.add(f"{path}.approval", f"must be 'paraf' or 'signature', got '{approval_raw}'")
        mandate_raw = _str(p, f"{path}.mandate", item.get("mandate"), "any")
        mandate = Mandate.ANY
        try:
            mandate = Mandate(mandate_raw)
        except ValueError:
            allowed = ", ".join(m.value for m in Mandate)
            p.add(f"{path}.mandate", f"unknown mandate '{mandate_raw}' (one of: {allowed})")
        time_minutes = _time_minutes(p, f"{path}.time_minutes", item.get("time_minutes"))
        title = _name(p, f"{path}.title", item.get("title"), limit=MAX_TITLE_CHARS)
        activity = _str(p, f"{path}.activity", item.get("activity"))
        _bounded(p, f"{path}.activity", activity, MAX_ACTIVITY_CHARS)
        duties = _team_duties(p, f"{path}.team_duties", item.get("team_duties"))
        papers = _str_list(p, f"{path}.papers", item.get("papers"))
        for twice in sorted(map(str, _duplicates(papers))):
            p.add(f"{path}.papers", f"names '{twice}' twice (it would be sent twice)")
        if "team_duties" in item and kind_raw == kind.value and kind is not StepKind.TEAM:
            p.add(
                f"{path}.team_duties",
                'only a team step (kind = "team") lists the duties of the team it forms, '
                f"not a step of kind '{kind.value}'",
            )
        team = _str(p, f"{path}.team", item.get("team")) or None
        if "corrects" in item and kind_raw == kind.value and kind is not StepKind.REVIEW:
            p.add(
                f"{path}.corrects",
                'only a review step (kind = "review") takes corrected documents, not a step '
                f"of kind '{kind.value}': another step lists what it takes in uploads",
            )
        if "team" in item and kind_raw == kind.value and kind is not StepKind.TEAM:
            p.add(
                f"{path}.team",
                'only a team step (kind = "team") names the role of the team it forms, '
                f"not a step of kind '{kind.value}'",
            )
        steps.append(
            Step(
                id=_int(p, f"{path}.id", item.get("id")) or 0,
                actor=_str(p, f"{path}.actor", item.get("actor")),
                kind=kind,
                title=title,
                activity=activity,
                inputs=_str_list(p, f"{path}.inputs", item.get("inputs")),
                uploads=_str_list(p, f"{path}.uploads", item.get("uploads")),
                outputs=_str_list(p, f"{path}.outputs", item.get("outputs")),
                time_minutes=time_minutes or 1,
                on_approve=_int(p, f"{path}.on_approve", item.get("on_approve")),
                on_return=_int(p, f"{path}.on_return", item.get("on_return")),
                approval=approval,
                related_sop=_str(p, f"{path}.related_sop", item.get("related_sop")) or None,
                papers=papers,
                templates=_str_list(p, f"{path}.templates", item.get("templates")),
                mandate=mandate,
                team_duties=duties,
                team=team,
                corrects=_str_list(p, f"{path}.corrects", item.get("corrects")),
            )
        )
    return steps


# -- cross-checks ------------------------------------------------------------------------


def _duplicates(values: Iterable[object]) -> set[object]:
    seen: set[object] = set()
    dups: set[object] = set()
    for v in values:
        (dups if v in seen else seen).add(v)
    return dups


def _unknown(kind: str, value: str, names: Mapping[str, Iterable[str]]) -> str:
    """ "unknown role 'Kabag'", saying the id when the value is a name (or title) of one:
    an office writes a step's actor as the form's heading reads ("Kabag", not ``kabag``)."""
    folded = " ".join(value.split()).casefold()
    ids = [
        i for i, said in names.items() if folded in {" ".join(n.split()).casefold() for n in said}
    ]
    if len(ids) == 1:
        return (
            f"unknown {kind} '{value}' (the name of {kind} '{ids[0]}': a {kind} is named by its id)"
        )
    meant = closest(value, names)
    if meant is not None:
        return f"unknown {kind} '{value}' (did you mean '{meant}'?)"
    return f"unknown {kind} '{value}'"


def _role_names(roles: Iterable[Role]) -> dict[str, tuple[str, ...]]:
    return {r.id: (r.name, r.title) for r in roles}


def _check_roles(p: _Problems, roles: list[Role]) -> None:
    ids = {r.id for r in roles}
    dups = _duplicates(r.id for r in roles)
    reported: set[str] = set()
    for i, role in enumerate(roles):
        if role.id in dups and role.id in reported:
            p.add(f"roles[{i}].id", f"duplicate role id '{role.id}'")
        reported.add(role.id)
        if role.superior is not None and role.superior not in ids:
            p.add(f"roles[{i}].superior", _unknown("role", role.superior, _role_names(roles)))
    superior = {r.id: r.superior for r in roles}
    for i, role in enumerate(roles):
        seen = {role.id}
        current = role.superior
        while current is not None and current in superior:
            if current in seen:
                p.add(f"roles[{i}].superior", f"the hierarchy above '{role.id}' is a cycle")
                break
            seen.add(current)
            current = superior[current]


def _check_documents(p: _Problems, documents: list[Document]) -> None:
    by_id = {d.id: d for d in documents}
    for doc in documents:
        path = f"documents.{doc.id}"
        if doc.same_as is not None:
            if doc.same_as not in by_id:
                names = {d.id: (d.name,) for d in documents}
                p.add(f"{path}.same_as", _unknown("document", doc.same_as, names))
            elif by_id[doc.same_as].same_as is not None:
                p.add(f"{path}.same_as", "must name a document that is not itself an alias")
            if doc.source is not None:
                p.add(f"{path}.source", "an alias (same_as) takes its source from the document")
        elif doc.source is None:
            p.add(f"{path}.source", "missing required field (or give same_as)")
        if doc.paper is not None and doc.source is not DocumentSource.GENERATED:
            p.add(f"{path}.paper", "only a generated document has a paper")


def _check_steps(
    p: _Problems,
    steps: list[Step],
    role_names: Mapping[str, tuple[str, ...]],
    documents: Mapping[str, Document],
) -> None:
    if not steps:
        return
    dups = _duplicates(s.id for s in steps)
    seen_ids: set[int] = set()
    position: dict[int, int] = {}
    for i, step in enumerate(steps):
        if not 0 < step.id <= MAX_STEP_ID:
            p.add(f"steps[{i}].id", f"must be a whole number from 1 to {MAX_STEP_ID}")
        if step.id in dups and step.id in seen_ids:
            p.add(f"steps[{i}].id", f"duplicate step id {step.id}")
        seen_ids.add(step.id)
        position.setdefault(step.id, i)

    def canonical(doc_id: str) -> str:
        same = documents[doc_id].same_as
        return same if same is not None and same in documents else doc_id

    def docs(ids: Iterable[str]) -> set[str]:
        return {canonical(d) for d in ids if d in documents}

    def uploaded(doc_id: str) -> bool:
        return documents[canonical(doc_id)].source is DocumentSource.UPLOAD

    held = _held_on_entry(steps, position, docs)
    # what a case holds when an uploaded document counts only once a step uploads it, not
    # because a step lists it in outputs: an output ticks the document in every later
    # checklist and Lembar Pemeriksaan ("Ada") as if its file were there
    with_files = _held_on_entry(
        [replace(s, outputs=tuple(d for d in s.outputs if d in documents and not uploaded(d)))
         for s in steps],
        position,
        docs,
    )  # fmt: skip
    uploaded_by_some_step = docs(d for s in steps for d in s.uploads)
    doc_names = {d.id: (d.name,) for d in documents.values()}
    for i, step in enumerate(steps):
        path = f"steps[{i}]"
        if step.actor not in role_names:
            p.add(f"{path}.actor", _unknown("role", step.actor, role_names))
        for field_name in ("inputs", "uploads", "outputs", "corrects"):
            for j, doc_id in enumerate(getattr(step, field_name)):
                if doc_id not in documents:
                    p.add(f"{path}.{field_name}[{j}]", _unknown("document", doc_id, doc_names))
        for j, doc_id in enumerate(step.uploads):
            if (
                doc_id in documents
                and documents[canonical(doc_id)].source is DocumentSource.GENERATED
            ):
                p.add(f"{path}.uploads[{j}]", f"document '{doc_id}' is generated, not uploaded")
        uploads_here = docs(step.uploads)
        _check_corrects(p, path, step, steps, documents, canonical)
        if step.kind is StepKind.UPLOAD and not step.uploads:
            p.add(
                f"{path}.uploads",
                "an upload step must list the documents its holder uploads (it has nothing "
                "to ask for)",
            )
        for doc_id in dict.fromkeys(step.outputs):
            if doc_id not in documents or not uploaded(doc_id):
                continue
            if canonical(doc_id) not in uploaded_by_some_step:
                p.add(f"{path}.outputs", f"'{doc_id}' is an uploaded document no step uploads")
            elif canonical(doc_id) not in with_files[step.id] | uploads_here:
                p.add(
                    f"{path}.outputs",
                    f"'{doc_id}' is an uploaded document that neither this step nor every "
                    "earlier step on the way here uploads",
                )
        for j, doc_id in enumerate(step.inputs):
            if doc_id not in documents or documents[canonical(doc_id)].optional:
                continue
            if canonical(doc_id) not in held[step.id] | uploads_here:
                p.add(f"{path}.inputs[{j}]", f"document '{doc_id}' is produced by no earlier step")
        _check_targets(p, path, step, position, last=i == len(steps) - 1)
    _check_paths(p, steps, position)


def _check_corrects(
    p: _Problems,
    path: str,
    step: Step,
    steps: list[Step],
    documents: Mapping[str, Document],
    canonical: Callable[[str], str],
) -> None:
    """A review step's ``corrects``: uploaded documents the step reviews (its inputs), that
    its holder may hand in corrected once a return brought the case back to him; a step no
    return reaches has nothing handed back to correct."""
    reviewed = {canonical(d) for d in step.inputs if d in documents}
    for j, doc_id in enumerate(step.corrects):
        if doc_id not in documents:
            continue  # reported as unknown
        if documents[canonical(doc_id)].source is not DocumentSource.UPLOAD:
            p.add(f"{path}.corrects[{j}]", f"document '{doc_id}' is generated, not uploaded")
        elif canonical(doc_id) not in reviewed:
            p.add(
                f"{path}.corrects[{j}]",
                f"document '{doc_id}' is not one the step reviews (its inputs)",
            )
    if step.corrects and not any(s.on_return == step.id for s in steps):
        p.add(
            f"{path}.corrects",
            "no return comes back to this step (no step's on_return names it): there is "
            "nothing handed back for its holder to correct",
        )


def _check_team_steps(p: _Problems, steps: list[Step], roles: list[Role]) -> list[Step]:
    """A team step's holder picks the members among the holders of the shared role the step
    forms (``team``), who then hold that role's steps for the case, they alone. A step that
    does not name it forms the SOP's only shared role; with several, which one is the team
    must be said (the others' holders are not narrowed by it). An SOP with a team step and
    no shared role could never leave that step. Returns the steps, each team step with the
    role it forms."""
    shared = [r.id for r in roles if r.shared]
    by_id = {r.id: r for r in roles}
    checked = []
    for i, step in enumerate(steps):
        if step.kind is StepKind.TEAM:
            if step.team is not None:
                if step.team not in by_id:
                    p.add(f"steps[{i}].team", _unknown("role", step.team, _role_names(roles)))
                elif not by_id[step.team].shared:
                    p.add(
                        f"steps[{i}].team",
                        f"role '{step.team}' is not shared (shared = true): a team is "
                        "picked among the several holders of a shared role",
                    )
            elif not shared:
                p.add(
                    f"steps[{i}].kind",
                    "a team step picks its members among the holders of a shared role "
                    "(shared = true), and no role of this SOP is shared",
                )
            elif len(shared) > 1:
                p.add(
                    f"steps[{i}].team",
                    "this SOP has several shared roles ("
                    + ", ".join(f"'{r}'" for r in shared)
                    + "): name the one whose holders the team step picks the team among "
                    '(team = "<role>")',
                )
            else:
                step = replace(step, team=shared[0])
        checked.append(step)
    return checked


def _held_on_entry(
    steps: list[Step], position: Mapping[int, int], docs: Callable[[Iterable[str]], set[str]]
) -> dict[int, set[str]]:
    """The canonical documents a case surely holds on entering each step, whichever way it came.

    An approval carries what the step held plus its uploads and outputs; a return carries only
    what the step held. (Reading the steps in file order is not enough: an approval may skip
    the step that produces a later step's input.)
    """
    by_id = {s.id: s for s in reversed(steps)}  # the first of duplicate ids, like `position`
    everything = set().union(*(docs(s.uploads) | docs(s.outputs) for s in steps))
    held = {step_id: set(everything) for step_id in position}
    held[steps[0].id] = set()
    changed = True
    while changed:
        changed = False
        for step in by_id.values():
            approved = held[step.id] | docs(step.uploads) | docs(step.outputs)
            for target, brought in ((step.on_approve, approved), (step.on_return, held[step.id])):
                if target in held and not held[target] <= brought:
                    held[target] &= brought
                    changed = True
    return held


def _ends_sop(step: Step, *, last: bool) -> bool:
    """Whether a step without a next step (``on_approve``) rightly ends the SOP: an archive
    step, wherever it stands, or the last step of the file of another kind than a team step
    (its completion, or its approval, finishes the case: "Menyampaikan surat jawaban kepada
    pemohon", "Menandatangani laporan"). A step before the last one without a next step is
    a next step left out, as it always was; a team step would form a team that has nothing
    left to do."""
    return step.on_approve is None and (
        step.kind is StepKind.ARCHIVE or (last and step.kind is not StepKind.TEAM)
    )


def _check_targets(
    p: _Problems, path: str, step: Step, position: Mapping[int, int], *, last: bool
) -> None:
    here = position[step.id]
    if step.on_approve is None:
        if step.kind is StepKind.TEAM and last:
            p.add(
                f"{path}.on_approve",
                "missing (a team step cannot end the SOP: the team it forms would have no "
                "step left to act in)",
            )
        elif not _ends_sop(step, last=last):
            p.add(
                f"{path}.on_approve",
                "missing (only the last step, or an archive step, ends the SOP)",
            )
    elif step.on_approve not in position:
        p.add(f"{path}.on_approve", f"step {step.on_approve} does not exist")
    elif step.kind is StepKind.ARCHIVE:
        p.add(f"{path}.on_approve", "an archive step ends the SOP and has no next step")
    elif step.on_approve == step.id:
        p.add(f"{path}.on_approve", "a step cannot lead to itself")
    elif position[step.on_approve] < here:
        p.add(f"{path}.on_approve", f"step {step.on_approve} is not a later step")
    if step.is_review:
        if step.on_return is None:
            p.add(f"{path}.on_return", "missing required field for a review step")
        elif step.on_return not in position:
            p.add(f"{path}.on_return", f"step {step.on_return} does not exist")
        elif position[step.on_return] >= here:
            p.add(f"{path}.on_return", f"return target {step.on_return} is not an earlier step")
    else:
        if step.on_return is not None:
            p.add(f"{path}.on_return", "only a review step can return")
        if step.approval is not None:
            p.add(f"{path}.approval", "only a review step records an approval")


def _check_paths(p: _Problems, steps: list[Step], position: Mapping[int, int]) -> None:
    edges: dict[int, list[int]] = {s.id: [] for s in steps}
    for s in steps:
        for target in (s.on_approve, s.on_return):
            if target is not None and target in position:
                edges[s.id].append(target)
    reachable = _closure(steps[0].id, edges)
    reverse: dict[int, list[int]] = {s.id: [] for s in steps}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].append(source)
    ends = [s.id for i, s in enumerate(steps) if _ends_sop(s, last=i == len(steps) - 1)]
    dangling = any(
        (s.on_approve is None and s.id not in ends)
        or any(
            target is not None and target not in position for target in (s.on_approve, s.on_return)
        )
        for s in steps
    )
    if not ends and not dangling:
        p.add(
            "steps",
            "no step ends the SOP (an archive step, or a last step without on_approve)",
        )
    if dangling:
        # a step leading nowhere is named already (_check_targets): the steps it cuts off
        # would each read "unreachable" or "no path to the end", though they are right
        return
    finishing: set[int] = set()
    for end in ends:
        finishing |= _closure(end, reverse)
    for i, s in enumerate(steps):
        if s.id not in reachable:
            p.add(f"steps[{i}]", f"step {s.id} is unreachable from step {steps[0].id}")
        elif ends and s.id not in finishing:
            p.add(f"steps[{i}]", f"step {s.id} has no path to the end")


def _closure(start: int, edges: Mapping[int, list[int]]) -> set[int]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in edges.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
