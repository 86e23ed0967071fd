"""Read the tables of a Word (.docx) SOP-AP form, with the symbols drawn in their cells.

The document is read straight from its Office Open XML parts (``zipfile`` and
``xml.etree``): python-docx's public API gives a table's text but not the drawings inside a
cell (a shape's geometry, a VML fallback), and the actor of a row is the cell that holds one.

Each table becomes a grid with one position per grid column: a cell merged across columns
(``gridSpan``) fills each of them with the same :class:`Cell` (same ``key``). A cell merged
down from the row above (``w:vMerge`` continued) is an empty cell that names the cell starting
the merge (``Cell.continues``); which columns share that content is the form's business.

Word's automatic numbering (the numbering button, or a style such as "List Number") puts no
text in a paragraph, only ``w:numPr``; the number shown is counted here as Word counts it: the
numbered paragraphs of each list (``numId``) in document order, from the start value of the
numbering part. A number built from several levels ("1.2") is not read (``list_unreadable``),
nor one whose numbering or styles part is too big or too damaged to be read
(``list_part_unread``: the form names the part when the No column needs it). A bulleted paragraph (numFmt "bullet")
shows no number and is given none (``list_bullet``).
"""

from __future__ import annotations

import io
import logging
import lzma
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from typing import Final, Literal

from bot.sopimport import texts as t
from bot.sopimport.limits import (
    MAX_COLUMNS,
    MAX_DOCUMENT_BYTES,
    MAX_PART_BYTES,
    MAX_PARTS,
    MAX_RELS_BYTES,
    MAX_ROWS,
    MAX_TABLES,
)
from bot.sopimport.model import (
    Cell,
    FormTable,
    ImportFailure,
    PartDamaged,
    PartTooBig,
    Symbol,
    SymbolShape,
    shown_text,
)

_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wpg": "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
}
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

log = logging.getLogger(__name__)

# What reading a damaged part raises: zipfile's own errors, a CRC that does not match
# (BadZipFile), a compressed stream that is not one (zlib.error, lzma.LZMAError, OSError for
# bzip2, EOFError cut short), a compression method or encryption zipfile does not read
# (NotImplementedError, RuntimeError), XML that is not well-formed (ET.ParseError) and an
# XML declaration naming an encoding Python does not know (LookupError).
_DAMAGED = (
    zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError, NotImplementedError,
    RuntimeError, ET.ParseError, ValueError, LookupError,
)  # fmt: skip


class DoctypeRefused(ValueError):
    """An XML part declares a DOCTYPE: Word never writes one (Office Open XML forbids it),
    and its entities may expand a few KB into gigabytes (a "billion laughs")."""


class _NoDoctype(ET.TreeBuilder):
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise DoctypeRefused(name)


def _xml(data: bytes) -> ET.Element:
    """A part parsed, refusing a DOCTYPE before any entity it declares is expanded."""
    parser = ET.XMLParser(target=_NoDoctype())
    parser.feed(data)
    return parser.close()


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A relationships part's bytes; KeyError when it is missing or declares more than
    :data:`~bot.sopimport.limits.MAX_RELS_BYTES` (a zip bomb would unpack to GBs; zipfile reads no further than
    the size declared)."""
    info = archive.getinfo(name)
    if info.file_size > MAX_RELS_BYTES:
        raise KeyError(f"{name}: {info.file_size} bytes")
    return archive.read(info)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


W_TBL, W_TR, W_TC, W_P, W_SDT = (_q(n) for n in ("w:tbl", "w:tr", "w:tc", "w:p", "w:sdt"))
W_R = _q("w:r")
# Subtrees that are not the cell's own content: a nested table (read as a table of its own),
# the fallback copy of a drawing, a text box's text, deleted text and field codes.
_SKIP = {
    _q("w:tbl"), _q("mc:Fallback"), _q("w:txbxContent"), _q("w:del"), _q("w:delText"),
    _q("w:instrText"), _q("v:textbox"),
}  # fmt: skip

_DECISION_GEOMETRY = {"diamond", "flowChartDecision"}
# Lines, arrows and flowchart connectors join the symbols; they are not a step's symbol.
_NOT_A_SYMBOL = {"line", "lineInv", "flowChartConnector", "flowChartOffpageConnector"}
_VML_DECISION = {"#_x0000_t4", "#_x0000_t110"}
_VML_CONNECTORS = {"#_x0000_t32", "#_x0000_t33", "#_x0000_t34", "#_x0000_t38", "#_x0000_t120"}
_DECISION_WORDS = ("diamond", "ketupat", "keputusan", "decision", "rhombus", "wajik")
_ACTIVITY_WORDS = ("persegi", "rectangle", "kotak", "kegiatan", "process", "proses", "oval")


def read_docx_form(data: bytes) -> list[FormTable]:
    """Every table of the document (nested ones too), in document order."""
    body, numbering, styles = _document_body(data)
    tables = sum(1 for _ in body.iter(W_TBL))
    if tables > MAX_TABLES:
        raise ImportFailure(t.TOO_MANY_TABLES.format(count=tables, limit=MAX_TABLES))
    rows = sum(1 for _ in body.iter(W_TR))
    if rows > MAX_ROWS:
        raise ImportFailure(t.TOO_MANY_ROWS.format(count=rows, limit=MAX_ROWS))
    numbers = _list_numbers(body, numbering, styles)
    return [_read_table(tbl, n, numbers) for n, tbl in enumerate(body.iter(W_TBL))]


_Part = ET.Element | PartTooBig | PartDamaged | None


def _document_body(data: bytes) -> tuple[ET.Element, _Part, _Part]:
    """The document's body, and its numbering and styles parts when it has readable ones
    (:class:`PartTooBig` for one too big to be read, :class:`PartDamaged` for a damaged
    one)."""
    expected = t.DOCX_EXPECTED
    parts = _declared_entries(data)
    if parts is not None and parts > MAX_PARTS:
        count = str(parts) if parts < 0xFFFF else t.PARTS_ZIP64
        raise ImportFailure(
            t.DOCX_TOO_MANY_PARTS.format(count=count, limit=MAX_PARTS, expected=expected)
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED as exc:  # no ZIP, or a directory zipfile cannot read ("version 14.0")
        log.info("the .docx is no ZIP archive zipfile reads: %s: %s", type(exc).__name__, exc)
        raise ImportFailure(t.DOCX_NOT_ZIP.format(expected=expected)) from exc
    with archive:
        part = _main_part(archive)
        numbering = _related_part(archive, part, "/numbering")
        styles = _related_part(archive, part, "/styles")
        try:
            info = archive.getinfo(part)
        except KeyError as exc:
            raise ImportFailure(t.DOCX_NO_PART.format(part=part, expected=expected)) from exc
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise ImportFailure(
                t.DOCX_PART_TOO_BIG.format(
                    part=part,
                    size=t.megabytes(info.file_size),
                    limit=t.megabytes(MAX_DOCUMENT_BYTES),
                )
            )
        try:
            root = _xml(archive.read(info))
        except DoctypeRefused as exc:
            raise ImportFailure(t.DOCX_DOCTYPE.format(part=part, expected=expected)) from exc
        except _DAMAGED as exc:
            # the reader's own words are English and name bytes and columns: for the log,
            # never for the official (who is told the file is damaged and what to do)
            # (cut: an encoding's name, say, is the file's own text, of any length)
            error = " ".join(str(exc).split())[:200]
            log.info("the .docx part %s cannot be read: %s: %s", part, type(exc).__name__, error)
            raise ImportFailure(t.DOCX_BROKEN.format(part=part, expected=expected)) from exc
    body = root.find("w:body", _NS)
    if body is None:
        raise ImportFailure(t.DOCX_NO_BODY.format(expected=expected))
    return body, numbering, styles


_END_OF_DIRECTORY = b"PK\x05\x06"


def _declared_entries(data: bytes) -> int | None:
    """How many entries the ZIP's end of central directory declares, read before ``zipfile``
    reads every one of them (200,000 took 3.5 s); None when there is no such record (then
    ``zipfile`` refuses the file). A ZIP64 count is 0xFFFF here: 65,535 or more."""
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


def _related_part(archive: zipfile.ZipFile, main: str, kind: str) -> _Part:
    """The part of type ``kind`` ("/numbering") the main part's relationships name, parsed;
    None when there is none (the document is read without it). One that is not read is
    named, so that a step number that needs it is refused saying so: larger than
    :data:`~bot.sopimport.limits.MAX_PART_BYTES` (:class:`PartTooBig`), or damaged, named
    but missing, or named in relationships that are damaged (:class:`PartDamaged`)."""
    folder, name = posixpath.split(main)
    at = posixpath.join(folder, "_rels", f"{name}.rels")
    try:
        rels = _xml(_small_part(archive, at))
    except KeyError:  # none, or over its limit: read as none
        return None
    except _DAMAGED as exc:
        return _damaged(at, exc)
    for rel in rels.iter(f"{{{_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
            at = posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
            try:
                info = archive.getinfo(at)
                if info.file_size > MAX_PART_BYTES:
                    return PartTooBig(info.filename, info.file_size)
                return _xml(archive.read(info))
            except (KeyError, *_DAMAGED) as exc:
                return _damaged(at, exc)
    return None


def _damaged(part: str, exc: Exception) -> PartDamaged:
    """``part`` as damaged, the reader's error logged (English, naming bytes and columns:
    never shown to the official; cut, as it may quote the file's own text)."""
    error = " ".join(str(exc).split())[:200]
    log.info("the .docx part %s cannot be read: %s: %s", part, type(exc).__name__, error)
    return PartDamaged(part)


_LEVEL_REFERENCE = re.compile(r"%(\d)")

# a paragraph of a list whose level shows a bullet (numFmt "bullet"), no number
BULLET: Final = "bullet"
# what a list puts before a paragraph: a number, a bullet, a part too big or damaged to
# tell it, or None (a number not read)
_ListMark = int | Literal["bullet"] | PartTooBig | PartDamaged | None


def _list_numbers(
    body: ET.Element, numbering_part: _Part, styles_part: _Part
) -> dict[ET.Element, _ListMark]:
    """The number Word shows before each automatically numbered paragraph (None: not read;
    :data:`BULLET`: a bullet, no number; the part too big or damaged to be read: the list's
    numbering, or the paragraph's style, which may number it)."""
    numbering = numbering_part if isinstance(numbering_part, ET.Element) else None
    styles = styles_part if isinstance(styles_part, ET.Element) else None
    # abstractNumId -> ilvl -> (start, text, numFmt)
    starts: dict[str, dict[int, tuple[int, str, str]]] = {}
    lists: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, overrides)
    for abstract in numbering.iter(_q("w:abstractNum")) if numbering is not None else ():
        levels = starts.setdefault(abstract.get(_q("w:abstractNumId"), ""), {})
        for lvl in abstract.iter(_q("w:lvl")):
            label = lvl.find("w:lvlText", _NS)
            shown = lvl.find("w:numFmt", _NS)
            levels[_int_attr_of(lvl, "w:ilvl", 0)] = (
                _int_attr(lvl.find("w:start", _NS), 1),
                label.get(_q("w:val"), "") if label is not None else "",
                shown.get(_q("w:val"), "decimal") if shown is not None else "decimal",
            )
    for num in numbering.iter(_q("w:num")) if numbering is not None else ():
        reference = num.find("w:abstractNumId", _NS)
        overrides = {
            _int_attr_of(o, "w:ilvl", 0): _int_attr(o.find("w:startOverride", _NS), 1)
            for o in num.iter(_q("w:lvlOverride"))
            if o.find("w:startOverride", _NS) is not None
        }
        lists[num.get(_q("w:numId"), "")] = (
            reference.get(_q("w:val"), "") if reference is not None else "",
            overrides,
        )
    by_style = _style_numbering(styles)
    counters: dict[str, dict[int, int]] = {}
    found: dict[ET.Element, _ListMark] = {}
    for p in body.iter(W_P):
        style = p.find("w:pPr/w:pStyle", _NS)
        num_id, level = by_style.get(
            style.get(_q("w:val"), "") if style is not None else "", ("", 0)
        )
        direct = p.find("w:pPr/w:numPr", _NS)
        if direct is not None:
            given = direct.find("w:numId", _NS)
            num_id = given.get(_q("w:val"), "") if given is not None else num_id
            level = _int_attr(direct.find("w:ilvl", _NS), level)
        elif style is not None and isinstance(styles_part, PartTooBig | PartDamaged):
            found[p] = styles_part  # its style may number it ("List Number"): not known
            continue
        if not num_id or num_id == "0":  # numId 0: numbering switched off
            continue
        if isinstance(numbering_part, PartTooBig | PartDamaged):
            found[p] = numbering_part  # numbered, but how (start, "1.2") is not known
            continue
        abstract_id, overrides = lists.get(num_id, ("", {}))
        start, text, kind = starts.get(abstract_id, {}).get(level, (1, f"%{level + 1}.", "decimal"))
        start = overrides.get(level, start)
        count = counters.setdefault(num_id, {})
        count[level] = count.get(level, start - 1) + 1
        for deeper in [k for k in count if k > level]:
            del count[deeper]
        own = {int(n) for n in _LEVEL_REFERENCE.findall(text)} <= {level + 1}
        found[p] = BULLET if kind == "bullet" else count[level] if own else None
    return found


def _style_numbering(styles: ET.Element | None) -> dict[str, tuple[str, int]]:
    """styleId -> (numId, ilvl) for paragraph styles that number ("List Number"), basedOn
    followed: each style's chain is walked once, to the first style already resolved (a
    chain of thousands is linear work, not a walk to its root from every style). A cycle is
    cut where the walk meets a style again."""
    own: dict[str, tuple[str | None, int | None]] = {}
    based: dict[str, str] = {}
    for style in styles.iter(_q("w:style")) if styles is not None else ():
        style_id = style.get(_q("w:styleId"), "")
        parent = style.find("w:basedOn", _NS)
        if parent is not None:
            based[style_id] = parent.get(_q("w:val"), "")
        num_pr = style.find("w:pPr/w:numPr", _NS)
        if num_pr is not None:
            given = num_pr.find("w:numId", _NS)
            ilvl = num_pr.find("w:ilvl", _NS)
            own[style_id] = (
                given.get(_q("w:val"), "") if given is not None else None,
                _int_attr(ilvl, 0) if ilvl is not None else None,
            )
    resolved: dict[str, tuple[str | None, int | None]] = {}
    for style_id in {*own, *based}:
        path: list[str] = []
        on_path: set[str] = set()
        at: str | None = style_id
        while at is not None and at not in resolved and at not in on_path:
            path.append(at)
            on_path.add(at)
            at = based.get(at)
        num_id, level = resolved.get(at, (None, None)) if at is not None else (None, None)
        if at in on_path:  # a cycle: the chain ends before the style met again
            num_id, level = None, None
        for step in reversed(path):  # the nearest style's own value first
            mine = own.get(step, (None, None))
            num_id = mine[0] if mine[0] is not None else num_id
            level = mine[1] if mine[1] is not None else level
            resolved[step] = (num_id, level)
    return {
        style_id: (num_id, level or 0) for style_id, (num_id, level) in resolved.items() if num_id
    }


def _main_part(archive: zipfile.ZipFile) -> str:
    """The main document part named by the package relationships (usually word/document.xml)."""
    try:
        rels = _xml(_small_part(archive, "_rels/.rels"))
    except (KeyError, *_DAMAGED):
        return "word/document.xml"
    for rel in rels.iter(f"{{{_REL_NS}}}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "word/document.xml").lstrip("/")
    return "word/document.xml"


def _children(element: ET.Element, tag: str) -> Iterator[ET.Element]:
    """Direct children with ``tag``, also those wrapped in content controls (w:sdt), however
    deep (a loop, not recursion: content controls nested thousands deep are no
    RecursionError)."""
    pending = [iter(element)]
    while pending:
        for child in pending[-1]:
            if child.tag == tag:
                yield child
            elif child.tag == W_SDT:
                content = child.find("w:sdtContent", _NS)
                if content is not None:
                    pending.append(iter(content))
                    break
        else:
            pending.pop()


def _int_attr_of(element: ET.Element, name: str, default: int) -> int:
    try:
        return max(0, int(element.get(_q(name), default)))
    except ValueError:
        return default


def _int_attr(element: ET.Element | None, default: int) -> int:
    if element is None:
        return default
    try:
        return max(0, int(element.get(_q("w:val"), default)))
    except ValueError:
        return default


def _read_table(tbl: ET.Element, n: int, numbers: dict[ET.Element, _ListMark]) -> FormTable:
    rows = []
    above: tuple[Cell, ...] = ()  # the row above, a continued cell as the cell it continues
    for r, tr in enumerate(_children(tbl, W_TR)):
        row: list[Cell] = []
        before = _int_attr(tr.find("w:trPr/w:gridBefore", _NS), 0)
        _within_columns(before, n, r)
        row += [Cell(key=(n, r, "before", i)) for i in range(before)]
        for c, tc in enumerate(_children(tr, W_TC)):
            props = tc.find("w:tcPr", _NS)
            span = _int_attr(props.find("w:gridSpan", _NS) if props is not None else None, 1)
            _within_columns(len(row) + max(span, 1), n, r)
            merge = props.find("w:vMerge", _NS) if props is not None else None
            if merge is not None and merge.get(_q("w:val"), "continue") == "continue":
                # merged with the cell above at the same grid column: Word shows that cell's
                # content here (python-docx's row.cells gives that cell too); none above (a
                # malformed merge in the first row) leaves it empty
                start = above[len(row)] if len(row) < len(above) else None
                cell = Cell(key=(n, r, c), continues=start)
            else:
                numbered = [numbers[p] for p in _walk(tc) if p.tag == W_P and p in numbers]
                first = numbered[0] if numbered else None
                cell = Cell(
                    items=_cell_items(tc),
                    symbols=tuple(_symbols(tc)),
                    key=(n, r, c),
                    list_number=first if isinstance(first, int) else None,
                    list_unreadable=bool(numbered) and not isinstance(first, int | str),
                    list_part_unread=(
                        first if isinstance(first, PartTooBig | PartDamaged) else None
                    ),
                    list_bullet=first == BULLET,
                )
            row += [cell] * max(span, 1)
        rows.append(tuple(row))
        above = tuple(cell.continues or cell for cell in row)
    return tuple(rows)


def _within_columns(width: int, table: int, row: int) -> None:
    """Refuse a row wider than a table can be (a cell spanning a billion columns would
    make a billion grid positions)."""
    if width > MAX_COLUMNS:
        raise ImportFailure(
            t.ROW_TOO_WIDE.format(table=table + 1, row=row + 1, width=width, limit=MAX_COLUMNS)
        )


def _walk(element: ET.Element) -> Iterator[ET.Element]:
    """Descendants in document order, without the subtrees in ``_SKIP`` (a loop, not
    recursion: elements nested thousands deep are no RecursionError)."""
    pending = [iter(element)]
    while pending:
        for child in pending[-1]:
            if child.tag in _SKIP:
                continue
            yield child
            pending.append(iter(child))
            break
        else:
            pending.pop()


def _cell_items(tc: ET.Element) -> tuple[str, ...]:
    items: list[str] = []
    for p in (e for e in _walk(tc) if e.tag == W_P):
        items += [" ".join(line.split()) for line in shown_text(_paragraph_text(p)).split("\n")]
    return tuple(i for i in items if i)


def _paragraph_text(p: ET.Element) -> str:
    parts: list[str] = []
    fonts = ("", "")  # the fonts of the run being read (w:t is always inside its w:r)
    for e in _walk(p):
        if e.tag == W_R:
            fonts = _run_fonts(e)
        elif e.tag == _q("w:t"):
            parts.append(_in_symbol_font(e.text or "", fonts))
        elif e.tag in (_q("w:tab"), _q("w:noBreakHyphen")):
            parts.append(" " if e.tag == _q("w:tab") else "-")
        elif e.tag in (_q("w:br"), _q("w:cr")):
            parts.append("\n")
        elif e.tag == _q("w:sym"):
            parts.append(_sym_char(e))
    return "".join(parts)


# The check, cross, box and diamond marks of the symbol fonts Word offers (Insert > Symbol),
# by the font's code (w:sym's F0FC less F000, or the letter typed in the font), as the
# Unicode character of the mark Word shows (the fonts' glyph names, and the Adobe mapping of
# Symbol). Where Unicode 7 added a symbol font's own glyph (Wingdings FC U+2714 or
# Wingdings 2 50 U+1F5F8, Wingdings 2 4F U+1F5F4), the long-standing character of the same
# mark is used: ✓ ✗ ☑ ☒ ◆, which every terminal font has (Wingdings' four diamonds and
# lozenges, 73 to 77 but the ornament 76, are all a decision's ◆). A code whose tables
# disagree on the mark (Wingdings 2 53), and every other code, is read as before: the
# font's letter.
_SYMBOL_FONT_MARKS: dict[str, dict[int, str]] = {
    "wingdings": {
        0x6F: "\u25a1",  # □ white square (box3)
        0x73: "\u25c6",  # ◆ for ⬧ black medium lozenge: a decision's diamond, as below
        0x74: "\u25c6",  # ◆ for ⧫ black lozenge
        0x75: "\u25c6",  # ◆ black diamond
        0x77: "\u25c6",  # ◆ for ⬥ black medium diamond
        0x78: "\u2327",  # ⌧ X in a rectangle box (clear)
        0xA8: "\u25fb",  # ◻ white medium square (box2)
        0xFB: "\u2717",  # ✗ ballot X (xmarkbld)
        0xFC: "\u2713",  # ✓ check mark (checkbld)
        0xFD: "\u2612",  # ☒ ballot box with X (boxxmarkbld)
        0xFE: "\u2611",  # ☑ ballot box with check (boxcheckbld)
    },
    "wingdings 2": {
        0x4F: "\u2717",  # ✗ ballot script X (U+1F5F4)
        0x50: "\u2713",  # ✓ check mark (light check mark U+1F5F8)
        0x51: "\u2612",  # ☒ ballot box with script X (U+1F5F5)
        0x52: "\u2611",  # ☑ ballot box with check
        0x54: "\u2612",  # ☒ ballot box with X
    },
    "symbol": {
        0xB4: "\u00d7",  # × multiplication sign
        0xD6: "\u221a",  # √ square root, written as a check mark
    },
}


def _run_fonts(run: ET.Element) -> tuple[str, str]:
    """The fonts a run names for ASCII and for other characters (w:ascii, w:hAnsi),
    casefolded; "" where it names none (a style's font is not looked up)."""
    fonts = run.find("w:rPr/w:rFonts", _NS)
    if fonts is None:
        return "", ""
    return (
        fonts.get(_q("w:ascii"), "").strip().casefold(),
        fonts.get(_q("w:hAnsi"), "").strip().casefold(),
    )


def _symbol_font_mark(font: str, code: int) -> str | None:
    """The mark a symbol font shows for ``code`` (F0FC or FC), when it is a known one."""
    marks = _SYMBOL_FONT_MARKS.get(font.strip().casefold())
    if marks is None:
        return None
    return marks.get(code - 0xF000 if 0xF000 <= code <= 0xF0FF else code)


def _in_symbol_font(text: str, fonts: tuple[str, str]) -> str:
    """``text`` of a run in ``fonts``: in a symbol font, its known marks as their Unicode
    characters (Wingdings "ü" or U+F0FC is ✓), every other character as it is."""
    if not any(font in _SYMBOL_FONT_MARKS for font in fonts):
        return text
    shown = []
    for char in text:
        code = ord(char)
        low = (code - 0xF000 if 0xF000 <= code <= 0xF0FF else code) < 0x80
        font = (fonts[0] if low else fonts[1]) or fonts[0] or fonts[1]
        shown.append(_symbol_font_mark(font, code) or char)
    return "".join(shown)


def _sym_char(sym: ET.Element) -> str:
    """A symbol-font character (a Wingdings tick or diamond): a known check, cross or box
    mark as its Unicode character (:data:`_SYMBOL_FONT_MARKS`), any other kept as the font's
    letter; "?" for a code that is no character to show (a C1 control such as Wingdings
    0x9F, a direction control, a lone surrogate, which no UTF-8 file can hold)."""
    try:
        code = int(sym.get(_q("w:char"), "0"), 16)
    except ValueError:
        return "?"
    mark = _symbol_font_mark(sym.get(_q("w:font"), ""), code)
    if mark is not None:
        return mark
    if 0xF000 <= code <= 0xF0FF:  # symbol fonts map to the private use area
        code -= 0xF000
    if not 0x21 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "?"
    char = chr(code)
    return char if shown_text(char) == char else "?"


def _symbols(tc: ET.Element) -> Iterator[Symbol]:
    for e in _walk(tc):
        if e.tag == _q("w:drawing"):
            symbol = _drawing_symbol(e)
        elif e.tag == _q("w:pict"):
            symbol = _vml_symbol(e)
        elif e.tag == _q("w:object"):
            symbol = Symbol(t.SYMBOL_EMBEDDED)
        else:
            continue
        if symbol is not None:
            yield symbol


def _shape_from_words(*texts: str | None) -> SymbolShape:
    words = " ".join(text for text in texts if text).casefold()
    if any(w in words for w in _DECISION_WORDS):
        return SymbolShape.DECISION
    if any(w in words for w in _ACTIVITY_WORDS):
        return SymbolShape.ACTIVITY
    return SymbolShape.UNKNOWN


def _drawing_symbol(drawing: ET.Element) -> Symbol | None:
    doc_pr = next(drawing.iter(_q("wp:docPr")), None)
    names = (
        (doc_pr.get("name"), doc_pr.get("descr"), doc_pr.get("title")) if doc_pr is not None else ()
    )
    picture = next(drawing.iter(_q("pic:pic")), None)
    if picture is not None:
        c_nv_pr = next(picture.iter(_q("pic:cNvPr")), None)
        more = (c_nv_pr.get("name"), c_nv_pr.get("descr")) if c_nv_pr is not None else ()
        return Symbol(t.SYMBOL_PICTURE, _shape_from_words(*names, *more))
    shapes = list(drawing.iter(_q("wps:wsp")))
    if not shapes:
        return Symbol(t.SYMBOL_DRAWING, _shape_from_words(*names))
    geometries = []
    for shape in shapes:
        if shape.find("wps:cNvCnPr", _NS) is not None:
            continue  # a connector
        geometry = shape.find("wps:spPr/a:prstGeom", _NS)
        prst = geometry.get("prst", "") if geometry is not None else ""
        if prst in _NOT_A_SYMBOL or "Connector" in prst or prst.endswith("Arrow"):
            continue
        geometries.append(prst)
    if not geometries:
        return None
    if any(g in _DECISION_GEOMETRY for g in geometries):
        return Symbol(t.SYMBOL_DIAMOND, SymbolShape.DECISION)
    known = [g for g in geometries if g]
    if known:
        name = t.SHAPE_NAMES.get(known[0])
        what = t.SYMBOL_SHAPE_NAMED.format(name=name) if name else t.SYMBOL_SHAPE
        return Symbol(what, SymbolShape.ACTIVITY)
    return Symbol(t.SYMBOL_SHAPE, _shape_from_words(*names))


def _vml_symbol(pict: ET.Element) -> Symbol | None:
    found: list[Symbol] = []
    for e in pict.iter():
        if e.tag == _q("v:shape"):
            kind = e.get("type", "")
            if kind in _VML_CONNECTORS or e.get(_q("o:connectortype")):
                continue
            if kind in _VML_DECISION:
                found.append(Symbol(t.SYMBOL_DIAMOND_VML, SymbolShape.DECISION))
            elif e.find("v:imagedata", _NS) is not None:
                found.append(Symbol(t.SYMBOL_PICTURE_VML, _shape_from_words(e.get("alt"))))
            else:
                found.append(Symbol(t.SYMBOL_SHAPE_VML, _shape_from_words(e.get("alt"))))
        elif e.tag in (_q("v:rect"), _q("v:roundrect"), _q("v:oval")):
            found.append(Symbol(t.SYMBOL_SHAPE_VML, SymbolShape.ACTIVITY))
    if not found:
        return None
    decision = next((s for s in found if s.shape is SymbolShape.DECISION), None)
    return decision or found[0]
