"""Find the SOP-AP form in the tables read from a file: its header and its activity table.

The standard form (Permenaker No. 07 Tahun 2017) has labelled header cells (NO SOP, NAMA SOP,
... with the value to the right; DASAR HUKUM, KETERKAITAN, ... with the value below) and an
activity table whose heading is two rows:

    No | Kegiatan | Pelaksana ........................ | Mutu Baku ........................ | Ket
       |          | <role> | <role> | ... | <role>     | Persyaratan/Kelengkapan | Waktu | Output |

optionally followed by a row numbering the columns (1, 2, 3, ...), then one row per step.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.sopimport import texts as t
from bot.sopimport.limits import MAX_PART_BYTES
from bot.sopimport.model import (
    Cell,
    FormHeader,
    FormRow,
    FormTable,
    ImportFailure,
    PartDamaged,
    PartTooBig,
    SopForm,
    Symbol,
    SymbolShape,
)

_DECISION_MARKS = set("◆◇♦⬥⬦⟡")

# label (normalised) -> header field; "right": value in the next cell, "below": in the next row
_VALUE_RIGHT = {
    "no sop": "number",
    "nomor sop": "number",
    "nama sop": "name",
    "disahkan oleh": "approved_by",
    "tanggal pengesahan": "approval_date",
    "tgl pengesahan": "approval_date",
    "tanggal revisi": "revision_date",
    "tgl revisi": "revision_date",
    "tanggal pembuatan": "",
    "tgl pembuatan": "",
    "tanggal efektif": "",
    "tgl efektif": "",
}
_VALUE_BELOW = {
    "dasar hukum": "legal_basis",
    "kualifikasi pelaksana": "qualifications",
    "keterkaitan": "related_sops",
    "peralatan perlengkapan": "equipment",
    "peralatan dan perlengkapan": "equipment",
    "peralatan": "equipment",
    "peringatan": "warning",
    "pencatatan dan pendataan": "record_keeping",
    "pencatatan pendataan": "record_keeping",
    "pencatatan": "record_keeping",
}


def norm(text: str) -> str:
    """Lower case, punctuation to spaces, spaces collapsed: how headings and labels compare."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def read_form(tables: Sequence[FormTable], source: str, symbols_possible: bool) -> SopForm:
    activity = _find_activity_table(tables)
    if activity is None:
        raise ImportFailure(t.NO_ACTIVITY_TABLE.format(expected=t.EXPECTED_COLUMNS))
    header = _read_header(tables)
    if not header.name:
        raise ImportFailure(t.NO_SOP_NAME)
    return SopForm(
        source=source,
        header=header,
        role_headings=activity.roles,
        rows=activity.rows,
        symbols_possible=symbols_possible,
    )


# -- header ------------------------------------------------------------------------------


def _distinct(row: Sequence[Cell]) -> list[tuple[int, Cell]]:
    """(first grid column, cell) for each distinct cell of a row (merged cells once)."""
    seen: set[object] = set()
    out = []
    for c, cell in enumerate(row):
        if cell.key in seen:
            continue
        seen.add(cell.key)
        out.append((c, cell))
    return out


def _read_header(tables: Sequence[FormTable]) -> FormHeader:
    values: dict[str, object] = {}
    extra: list[tuple[str, str]] = []
    for table in tables:
        for r, row in enumerate(table):
            cells = _distinct(row)
            for i, (c, cell) in enumerate(cells):
                label = norm(cell.text)
                if label in _VALUE_RIGHT:
                    value = _right_value(cells[i + 1 :])
                    name = _VALUE_RIGHT[label]
                    if not name:
                        extra.append((cell.text, value.text))
                    elif name not in values:
                        values[name] = value.items
                        if name == "number" and "organisation" not in values:
                            values["organisation"] = _organisation(cells[:i])
                elif label in _VALUE_BELOW and r + 1 < len(table):
                    name = _VALUE_BELOW[label]
                    below = table[r + 1]
                    if name not in values and c < len(below):
                        values[name] = below[c].items

    def items(name: str) -> tuple[str, ...]:
        found = values.get(name, ())
        assert isinstance(found, tuple)
        return found

    def text(name: str, sep: str = " ") -> str:
        return sep.join(items(name))

    approved = items("approved_by")
    extra += [(t.HEADER_APPROVED_BY_MORE, line) for line in approved[1:]]
    return FormHeader(
        organisation=items("organisation"),
        number=text("number"),
        name=text("name"),
        approved_by=approved[0] if approved else "",
        approval_date=text("approval_date"),
        revision_date=text("revision_date"),
        legal_basis=_unnumbered(items("legal_basis")),
        qualifications=_unnumbered(items("qualifications")),
        related_sops=_unnumbered(items("related_sops")),
        equipment=_unnumbered(items("equipment")),
        warning=text("warning"),
        record_keeping=text("record_keeping"),
        extra=tuple(extra),
    )


_ITEM_NUMBER = re.compile(r"^(\d{1,3})[.)]\s+")


def _unnumbered(items: tuple[str, ...]) -> tuple[str, ...]:
    """A list typed with its numbers ("1. UU ...", "2. PP ...", one paragraph each in Word)
    without them, as the text export's lists are read: only when they run 1, 2, 3, ..."""
    found = [_ITEM_NUMBER.match(item) for item in items]
    numbers = [int(m.group(1)) if m else None for m in found]
    if not items or numbers != list(range(1, len(items) + 1)):
        return items
    return tuple(item[m.end() :].strip() for item, m in zip(items, found, strict=True) if m)


def _right_value(cells: Sequence[tuple[int, Cell]]) -> Cell:
    """The value right of a label; a lone ':' cell between them is skipped, a leading ':' cut."""
    for _, cell in cells:
        if cell.text.strip() == ":":
            continue
        items = list(cell.items)
        if items and items[0].startswith(":"):
            items[0] = items[0][1:].strip()
        return Cell(items=tuple(i for i in items if i), key=cell.key)
    return Cell()


def _organisation(cells: Sequence[tuple[int, Cell]]) -> tuple[str, ...]:
    """The unit's names in the cell left of NO SOP, in title case if written in capitals."""
    for _, cell in reversed(cells):
        if cell.items:
            return tuple(_title(line) for line in cell.items)
    return ()


_SMALL_WORDS = {"dan", "di", "ke", "dari", "untuk", "yang", "atau", "pada", "serta", "dengan"}


def _title(line: str) -> str:
    if line != line.upper():
        return line
    words = line.split()
    return " ".join(
        w.lower() if i and w.lower() in _SMALL_WORDS else w.capitalize()
        for i, w in enumerate(words)
    )


# -- activity table ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Activity:
    roles: tuple[str, ...]
    rows: tuple[FormRow, ...]


@dataclass(frozen=True)
class _Columns:
    number: int
    activity: int
    roles: tuple[tuple[int, int], ...]  # (grid column, role index)
    requirements: int
    time: int
    output: int
    remark: int | None


def _is_heading(row: Sequence[Cell]) -> bool:
    labels = [norm(c.text) for c in row]
    return "kegiatan" in labels and ("no" in labels or "nomor" in labels)


def _width(table: FormTable) -> int:
    return max((len(row) for row in table), default=0)


def _find_activity_table(tables: Sequence[FormTable]) -> _Activity | None:
    for i, table in enumerate(tables):
        for r, row in enumerate(table):
            if _is_heading(row):
                columns, roles = _columns(row, table[r + 1] if r + 1 < len(table) else ())
                rows: list[FormRow] = []
                _step_rows(table[r + 2 :], columns, roles, rows)
                for n, following in enumerate(tables[i + 1 :], i + 2):  # continued on the next page
                    _continuation(following, n, columns, roles, _width(table), rows)
                return _Activity(roles, _checked(rows))
    return None


def _columns(first: Sequence[Cell], second: Sequence[Cell]) -> tuple[_Columns, tuple[str, ...]]:
    def find(labels: list[str], *names: str, start: int = 0) -> int | None:
        for c in range(start, len(labels)):
            if labels[c] in names or any(labels[c].startswith(n + " ") for n in names):
                return c
        return None

    top = [norm(c.text) for c in first]
    sub = [norm(c.text) for c in second]
    found = {
        "No": find(top, "no", "nomor"),
        "Kegiatan": find(top, "kegiatan"),
        "Pelaksana": find(top, "pelaksana"),
        "Mutu Baku": find(top, "mutu baku"),
        "Ket": find(top, "ket", "keterangan"),
        "Persyaratan/Kelengkapan": find(
            sub, "persyaratan", "kelengkapan", "persyaratan kelengkapan"
        ),
        "Waktu": find(sub, "waktu"),
        "Output": find(sub, "output", "keluaran"),
    }
    missing = [name for name, c in found.items() if c is None and name != "Ket"]
    if missing:
        below = any(m in missing for m in ("Persyaratan/Kelengkapan", "Waktu", "Output"))
        raise ImportFailure(
            t.COLUMNS_MISSING.format(
                missing=", ".join(missing),
                expected=t.EXPECTED_COLUMNS,
                below=t.COLUMNS_BELOW_MUTU_BAKU if below else "",
            )
        )
    at = {name: c for name, c in found.items() if c is not None}
    order = ["No", "Kegiatan", "Pelaksana", "Persyaratan/Kelengkapan", "Waktu", "Output"]
    if "Ket" in at:
        order.append("Ket")
    positions = [at[name] for name in order]
    mutu_ok = at["Mutu Baku"] <= at["Persyaratan/Kelengkapan"] and at["Pelaksana"] < at["Mutu Baku"]
    if positions != sorted(positions) or len(set(positions)) != len(positions) or not mutu_ok:
        seen = sorted(at.items(), key=lambda kv: (kv[1], kv[0] != "Mutu Baku"))
        found_order = ", ".join(name for name, _ in seen)
        raise ImportFailure(t.COLUMNS_ORDER.format(expected=t.EXPECTED_COLUMNS, found=found_order))
    roles: list[str] = []
    role_columns: list[tuple[int, int]] = []
    keys: dict[object, int] = {}
    for c in range(at["Pelaksana"], at["Persyaratan/Kelengkapan"]):
        cell = second[c] if c < len(second) else Cell()
        if not cell.text:
            continue
        if cell.key not in keys:
            keys[cell.key] = len(roles)
            roles.append(cell.text)
        role_columns.append((c, keys[cell.key]))
    if not roles:
        raise ImportFailure(t.NO_ROLES)
    columns = _Columns(
        number=at["No"],
        activity=at["Kegiatan"],
        roles=tuple(role_columns),
        requirements=at["Persyaratan/Kelengkapan"],
        time=at["Waktu"],
        output=at["Output"],
        remark=at.get("Ket"),
    )
    return columns, tuple(roles)


def _is_column_numbering(row: Sequence[Cell]) -> bool:
    numbers = [cell.text for _, cell in _distinct(row) if cell.text]
    return len(numbers) >= 3 and numbers == [str(n) for n in range(1, len(numbers) + 1)]


_ROW_NUMBER = re.compile(r"^(\d{1,3})\s*[.)]?$")


# page furniture of a printed export: "Halaman 1 dari 2", "Hal. 2/3", "Page 1 of 2"
_PAGE_LINE = re.compile(r"^(?:halaman|hlm|hal|page) \d+(?: (?:dari|of))? ?(?:\d+)?$")


def _step_rows(
    rows: Sequence[Sequence[Cell]], columns: _Columns, roles: tuple[str, ...], found: list[FormRow]
) -> None:
    """Append the step rows among ``rows`` to ``found`` (the steps read so far).

    Read as a person reads a printed table: the heading repeated after a page break and a page
    line ("Halaman 1 dari 2") are skipped; a line with no number whose text is in the Kegiatan
    or Mutu Baku columns is the previous step's text wrapped onto the next line.
    """
    r = 0
    started: dict[object, int] = {}  # key of a cell read in a step row -> that step's number
    while r < len(rows):
        row = rows[r]
        r += 1
        at = functools.partial(_cell_at, row)
        texts = [cell.text for _, cell in _distinct(row)]
        if not any(texts) or _is_column_numbering(row):
            continue
        if norm(" ".join(texts)).startswith("norma waktu"):
            return
        if _is_heading(row):  # the heading repeated after a page break
            columns = _repeated_heading(row, rows[r] if r < len(rows) else (), roles)
            r += 1
            continue
        if _PAGE_LINE.match(norm(" ".join(texts))):
            continue
        first = _number_text(at(columns.number))
        number = _ROW_NUMBER.match(first)
        if number is None:
            shown = " | ".join(text for text in texts if text)[:80]
            # numbered by Word from a part not read (or perhaps, by its style): not a wrap
            unread = at(columns.number).list_part_unread
            if not first and isinstance(unread, PartTooBig):
                raise ImportFailure(
                    t.ROW_NUMBER_PART_TOO_BIG.format(
                        shown=shown,
                        part=unread.part,
                        size=t.megabytes(unread.size),
                        limit=t.megabytes(MAX_PART_BYTES),
                    )
                )
            if not first and isinstance(unread, PartDamaged):
                raise ImportFailure(t.ROW_NUMBER_PART_DAMAGED.format(shown=shown, part=unread.part))
            if not first and at(columns.number).list_bullet:  # a dot shown: not a wrap
                raise ImportFailure(t.ROW_NUMBER_BULLET.format(shown=shown))
            if not first and found and _wraps(row, columns):
                found[-1] = _joined(found[-1], row, columns)
                continue
            if not first and at(columns.number).continues is not None and found:
                raise ImportFailure(t.ROW_NUMBER_MERGED.format(shown=shown, step=found[-1].number))
            if not first and at(columns.number).list_unreadable:
                raise ImportFailure(t.ROW_NUMBER_UNREADABLE.format(shown=shown))
            raise ImportFailure(t.ROW_UNNUMBERED.format(shown=shown))
        found.append(_step_row(int(number.group(1)), row, columns, roles, started))


# The Mutu Baku and Ket columns: a cell merged down over several rows (Word's vertical merge,
# as offices write a text repeated in the rows below) holds the value of every row it spans.
_SHARED = (
    ("requirements", "Persyaratan/Kelengkapan"), ("time", "Waktu"), ("output", "Output"),
    ("remark", "Ket"),
)  # fmt: skip


def _step_row(
    step: int,
    row: Sequence[Cell],
    columns: _Columns,
    roles: tuple[str, ...],
    started: dict[object, int],
) -> FormRow:
    """A numbered row as a step. Its Mutu Baku and Ket cells merged down from a row above
    take that cell's text, said in a note (a merged Waktu is a guess: see inference); a
    merged Kegiatan is refused, and a merged Pelaksana cell's symbol stays the step above's
    (a flowchart symbol is one step's), said in a note."""

    def where(cell: Cell) -> str:
        n = started.get(cell.key)
        return t.MERGED_FROM_STEP.format(step=n) if n is not None else t.MERGED_FROM_ABOVE

    activity = _cell_at(row, columns.activity)
    if not activity.text and activity.continues is not None and activity.continues.text:
        raise ImportFailure(
            t.ACTIVITY_MERGED.format(
                step=step, where=where(activity.continues), text=activity.continues.text[:60]
            )
        )
    own = {name: _cell_at(row, getattr(columns, name)) for name, _ in _SHARED}
    cells = {name: cell.continues or cell for name, cell in own.items()}
    merged = tuple(n for n, _ in _SHARED if own[n].continues is not None and cells[n].text)
    notes = [
        t.CELL_MERGED.format(label=label, text=cells[n].text[:60], where=where(cells[n]))
        for n, label in _SHARED
        if n in merged and n != "time"  # the Waktu: a guess on each step (inference)
    ]
    seen: set[object] = set()
    for c, role in columns.roles:
        start = _cell_at(row, c).continues
        if start is None or start.key in seen or not (start.symbols or start.text):
            continue
        seen.add(start.key)
        notes.append(t.PELAKSANA_MERGED.format(role=roles[role], where=where(start)))
    for cell in (*row, *cells.values()):
        started.setdefault(cell.key, step)
    return FormRow(
        number=step,
        activity=activity.text,
        marks=_marks(row, columns),
        requirements=", ".join(cells["requirements"].items),
        time=cells["time"].text,
        output=", ".join(cells["output"].items),
        remark=", ".join(cells["remark"].items),
        notes=tuple(notes),
        merged=merged,
        time_cell=cells["time"].key,
    )


def _repeated_heading(
    row: Sequence[Cell], below: Sequence[Cell], roles: tuple[str, ...]
) -> _Columns:
    """The columns of a heading repeated inside the table; it must name the same roles."""
    columns, its_roles = _columns(row, below)
    if [norm(r) for r in its_roles] != [norm(r) for r in roles]:
        raise ImportFailure(
            t.HEADING_REPEATED_OTHER_ROLES.format(
                roles=", ".join(its_roles), first=", ".join(roles)
            )
        )
    return columns


def _wraps(row: Sequence[Cell], columns: _Columns) -> bool:
    """A row with text only in the Kegiatan and Mutu Baku/Ket columns, and no symbol."""
    allowed = {
        columns.activity, columns.requirements, columns.time, columns.output, columns.remark
    }  # fmt: skip
    return all(c in allowed or (not cell.text and not cell.symbols) for c, cell in enumerate(row))


def _joined(step: FormRow, row: Sequence[Cell], columns: _Columns) -> FormRow:
    """``step`` with the wrapped line's text added to its cells, and a note saying so."""

    def more(before: str, c: int | None) -> str:
        added = _cell_at(row, c).text
        return f"{before} {added}".strip() if added else before

    shown = " | ".join(cell.text for _, cell in _distinct(row) if cell.text)[:80]
    note = t.ROW_WRAPPED.format(step=step.number, shown=shown)
    return dataclasses.replace(
        step,
        activity=more(step.activity, columns.activity),
        requirements=more(step.requirements, columns.requirements),
        time=more(step.time, columns.time),
        output=more(step.output, columns.output),
        remark=more(step.remark, columns.remark),
        notes=(*step.notes, note),
    )


def _number_text(cell: Cell) -> str:
    """The No cell's text, or the number Word's automatic numbering shows in it."""
    if not cell.text and cell.list_number is not None:
        return str(cell.list_number)
    return cell.text


def _cell_at(row: Sequence[Cell], c: int | None) -> Cell:
    return row[c] if c is not None and c < len(row) else Cell()


def _marks(row: Sequence[Cell], columns: _Columns) -> tuple[tuple[tuple[int, ...], Symbol], ...]:
    """The symbols in the row's Pelaksana cells, each with the role columns its cell covers."""
    covered: dict[object, list[int]] = {}
    cells: dict[object, Cell] = {}
    for c, role in columns.roles:
        if c < len(row):
            cell = row[c]
            cells[cell.key] = cell
            if role not in covered.setdefault(cell.key, []):
                covered[cell.key].append(role)
    marks: list[tuple[tuple[int, ...], Symbol]] = []
    for key, cell in cells.items():
        symbols = list(cell.symbols)
        if cell.text:
            shape = (
                SymbolShape.DECISION if set(cell.text) & _DECISION_MARKS else SymbolShape.UNKNOWN
            )
            symbols.append(Symbol(t.SYMBOL_MARK.format(text=cell.text[:12]), shape))
        marks += [(tuple(covered[key]), s) for s in symbols]
    return tuple(marks)


def _continuation(
    table: FormTable,
    n: int,
    columns: _Columns,
    roles: tuple[str, ...],
    width: int,
    found: list[FormRow],
) -> None:
    """The rows of a later table that continues the activity table after a page break.

    Word splits a long table into two when a page break or a paragraph falls inside it; the
    second part either repeats the heading (with the same roles) or starts straight with the
    next numbered row, in columns of the same shape. A table that looks like a continuation
    but cannot be read as one is refused, naming why: its steps must not be dropped silently.
    ``n`` is the table's place in the document (1 = the first table), said in the message.
    """
    for r, row in enumerate(table):
        if _is_heading(row):
            its_columns, its_roles = _columns(row, table[r + 1] if r + 1 < len(table) else ())
            if [norm(r) for r in its_roles] != [norm(r) for r in roles]:
                raise ImportFailure(
                    t.CONTINUATION_OTHER_ROLES.format(
                        n=n, roles=", ".join(its_roles), first=", ".join(roles)
                    )
                )
            _step_rows(table[r + 2 :], its_columns, roles, found)
            return
    start = _first_number(table, columns)
    if start is None:
        return  # not a table of steps (a signature block, a note, ...)
    expected = found[-1].number + 1 if found else 1
    if _width(table) != width:
        if start == expected:
            raise ImportFailure(
                t.CONTINUATION_OTHER_WIDTH.format(
                    n=n, start=start, width=_width(table), expected=width
                )
            )
        return
    if start != expected:
        raise ImportFailure(t.CONTINUATION_GAP.format(n=n, start=start, expected=expected))
    _step_rows(table, columns, roles, found)


def _first_number(table: FormTable, columns: _Columns) -> int | None:
    """The step number of the table's first numbered row in the No column, if it has one."""
    for row in table:
        if not any(cell.text for cell in row) or _is_column_numbering(row):
            continue
        first = _number_text(_cell_at(row, columns.number))
        number = _ROW_NUMBER.match(first)
        if number is not None:
            return int(number.group(1))
        if first:
            return None
    return None


def _checked(rows: list[FormRow]) -> tuple[FormRow, ...]:
    if not rows:
        raise ImportFailure(t.NO_STEPS)
    numbers = [row.number for row in rows]
    if numbers != list(range(1, len(rows) + 1)):
        after = [0, *numbers[:-1]]
        gap = next(
            (
                t.STEPS_GAP_AFTER.format(before=a, after=b)
                for a, b in zip(after, numbers, strict=True)
                if b != a + 1
            ),
            "",
        )
        shown = ", ".join(str(n) for n in numbers)
        raise ImportFailure(t.STEPS_OUT_OF_ORDER.format(numbers=shown, gap=gap))
    for row in rows:
        if not row.activity:
            raise ImportFailure(t.STEP_WITHOUT_ACTIVITY.format(step=row.number))
    return tuple(rows)
