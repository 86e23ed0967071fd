"""The importer's two models: the form as read, and the draft definition inferred from it.

Reading (``text_form``, ``docx_form``) turns a file into :class:`FormTable` grids; ``form``
finds the SOP-AP header and activity table in them (:class:`SopForm`); ``inference`` turns
that into a :class:`Draft`, which ``toml_writer`` writes. Every stage is a pure function.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.text import BIDI_CONTROLS


class ImportFailure(ValueError):
    """The file is not an SOP-AP form the importer can read; the message says what was expected.

    Messages are Bahasa Indonesia, from :mod:`bot.sopimport.texts`: the person importing is
    the bureau's official.
    """


class SymbolShape(StrEnum):
    DECISION = "decision"  # a diamond: the step is a decision (review)
    ACTIVITY = "activity"  # a shape that is known not to be a diamond (rectangle, oval, ...)
    UNKNOWN = "unknown"  # a picture or mark whose shape cannot be told


@dataclass(frozen=True)
class Symbol:
    """A flowchart symbol found in a Pelaksana cell: a drawing, a shape, a picture or a mark."""

    what: str  # e.g. "gambar", "bentuk proses", "tanda '√'" (said in the draft's comments)
    shape: SymbolShape = SymbolShape.UNKNOWN


def shown_text(text: str) -> str:
    """A form's text as the importer reads it: without control characters (an escape, a
    bell, a C1 control) and bidirectional embeddings, overrides and isolates. They show
    nothing in the form; kept, a name holding one is refused by the loader (a draft that
    does not load), and a refusal quoting one prints it on the operator's terminal.
    Whitespace stays, for the reader to split at."""
    if text.isprintable():
        return text
    return "".join(
        ch
        for ch in text
        if ch not in BIDI_CONTROLS and (ch.isspace() or unicodedata.category(ch) != "Cc")
    )


@dataclass(frozen=True)
class PartTooBig:
    """A .docx part left unread for its size: the numbering or styles part, larger than
    :data:`~bot.sopimport.limits.MAX_PART_BYTES` (``size``: as unpacked)."""

    part: str  # its name in the ZIP: word/numbering.xml
    size: int


@dataclass(frozen=True)
class PartDamaged:
    """A .docx part that cannot be read: the numbering or styles part (or the main part's
    relationships, which name them) not well-formed XML, cut short, or named but missing."""

    part: str  # its name in the ZIP: word/numbering.xml


@dataclass(frozen=True)
class Cell:
    """One grid cell. ``key`` is shared by the grid positions of one merged cell."""

    items: tuple[str, ...] = ()  # paragraphs / list items, each stripped and non-empty
    symbols: tuple[Symbol, ...] = ()
    key: object = None
    # Word's automatic numbering of the cell's first numbered paragraph (the number is not
    # text in the cell); None with ``list_unreadable`` when the numbering could not be read
    list_number: int | None = None
    list_unreadable: bool = False
    # ... because the numbering or styles part it depends on was too big or too damaged to
    # read
    list_part_unread: PartTooBig | PartDamaged | None = None
    # Word's list puts a bullet (numFmt "bullet") before the cell's first paragraph, no number
    list_bullet: bool = False
    # a .docx cell merged down from the row above (``w:vMerge`` continued): the cell that
    # starts the merge, whose content Word shows across every row it spans. This cell's own
    # items and symbols stay empty: each column decides whether the rows below share it
    # (form.py: the Mutu Baku and Ket columns do; No, Kegiatan and Pelaksana do not)
    continues: Cell | None = None

    @property
    def text(self) -> str:
        return " ".join(self.items)


FormTable = tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class FormHeader:
    organisation: tuple[str, ...] = ()
    number: str = ""
    name: str = ""
    approved_by: str = ""
    approval_date: str = ""
    revision_date: str = ""
    legal_basis: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    related_sops: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    warning: str = ""
    record_keeping: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # labelled fields the definition has no key for


@dataclass(frozen=True)
class FormRow:
    """One numbered row of the activity table."""

    number: int
    activity: str
    marks: tuple[tuple[tuple[int, ...], Symbol], ...]  # (role columns the cell covers, symbol)
    requirements: str
    time: str
    output: str
    remark: str
    notes: tuple[str, ...] = ()  # how the row was read, said above its step in the draft
    # the Mutu Baku/Ket fields ("requirements", "time", "output", "remark") whose text is a
    # cell merged down from a row above (Word's vertical merge), and the key of the Waktu
    # cell: steps with the same key share one merged Waktu cell
    merged: tuple[str, ...] = ()
    time_cell: object = None


@dataclass(frozen=True)
class SopForm:
    source: str  # how the form was read, said in the draft: "teks/HTML" or ".docx"
    header: FormHeader
    role_headings: tuple[str, ...]
    rows: tuple[FormRow, ...]
    symbols_possible: bool  # False for the text export: the flowchart was lost


# -- the draft -------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftGuess:
    """A field the importer was not sure of: blocking until a reviewer confirms it.

    ``reason`` goes into the ``guesses`` table the loader reads (short); ``detail`` into the
    ``# PERIKSA:`` comment above the field (what was guessed and why).
    """

    field: str
    reason: str
    detail: str


def by_field(guesses: Sequence[DraftGuess]) -> list[DraftGuess]:
    """One guess per field, in the order the fields were first guessed: the ``guesses`` table
    has one key per field, so two guesses on one field (a document two later names extend)
    are one, their reasons joined."""
    fields: dict[str, list[DraftGuess]] = {}
    for guess in guesses:
        fields.setdefault(guess.field, []).append(guess)
    return [
        DraftGuess(
            name,
            "; ".join(dict.fromkeys(g.reason for g in same)),
            " ".join(dict.fromkeys(g.detail for g in same)),
        )
        for name, same in fields.items()
    ]


@dataclass
class DraftRole:
    id: str
    name: str
    title: str
    rank: int | None
    superior: str | None = None
    shared: bool = False
    guesses: list[DraftGuess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftDocument:
    id: str
    name: str
    same_as: str | None = None
    # "upload": a file somebody attaches; "generated": recorded as present once the step
    # that first lists it as an Output completes, without a file (a decision's Disposisi)
    source: str = "upload"
    guesses: list[DraftGuess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftStep:
    id: int
    actor: str
    kind: str
    title: str
    activity: str
    inputs: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    time_minutes: int = 1
    on_approve: int | None = None
    on_return: int | None = None
    approval: str | None = None
    related_sop: str | None = None
    team: str | None = None  # a team step: the shared role whose holders it picks among
    guesses: list[DraftGuess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # non-blocking remarks, one comment line each


@dataclass
class Draft:
    source_name: str
    form: str
    code: str
    header: FormHeader
    roles: list[DraftRole]
    documents: list[DraftDocument]
    steps: list[DraftStep]
    notes: list[str] = field(default_factory=list)

    def guesses(self) -> list[tuple[str, DraftGuess]]:
        """Every guessed field with its loader path (``steps[3].actor``), in file order."""
        found: list[tuple[str, DraftGuess]] = []
        for i, role in enumerate(self.roles):
            found += [(f"roles[{i}].{g.field}", g) for g in by_field(role.guesses)]
        for doc in self.documents:
            found += [(f"documents.{doc.id}.{g.field}", g) for g in by_field(doc.guesses)]
        for i, step in enumerate(self.steps):
            found += [(f"steps[{i}].{g.field}", g) for g in by_field(step.guesses)]
        return found
