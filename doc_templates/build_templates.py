"""Builds the .docx templates of the official papers (tata naskah dinas layout).

Run ``.venv/bin/python doc_templates/build_templates.py`` after changing this script; the
generated .docx files are committed beside it. An office may instead edit the .docx files
in a word processor: they are ordinary documents with docxtpl/Jinja placeholders
(``{{ case.title }}``, ``{%tr for f in files %}`` rows, ``{%p if ... %}`` paragraphs). The
placeholders each template may use are listed in ``README.md`` beside this file; every value
arrives as plain text, already escaped and formatted (dates in Indonesian).

Layout: A4 portrait, margins 2 cm top and bottom, 3 cm left, 2 cm right (16 cm of text),
Arial 12 pt single-spaced, language Indonesian, the kop (heading) of the bureau on the
first page of letters, tables with fixed column widths.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

OUT_DIR = Path(__file__).resolve().parent
_out_dir = [OUT_DIR]  # where save() writes; main(--out) changes it
FONT = "Arial"
MONO = "Courier New"
TEXT_WIDTH = 16.0  # cm: 21 cm A4 less 3 cm left and 2 cm right margin
SIGN_INDENT = 8.0  # cm: signature blocks start here
GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "D9D9D9"
DOTS = "." * 40
BUILT_AT = datetime(2026, 1, 1)  # fixed, so that rebuilding gives identical files

Container = Any  # a Document or a table cell: both have add_paragraph()


# --- low-level helpers ---------------------------------------------------------------


def new_document(title: str, subject: str) -> Any:
    """An empty A4 document with the house style; ``title`` may hold placeholders."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "id-ID")
    lang.set(qn("w:eastAsia"), "id-ID")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    for name in ("Header", "Footer"):
        doc.styles[name].font.name = FONT

    props = doc.core_properties
    props.title = title
    props.subject = subject
    props.author = "sopbot"
    props.language = "id-ID"
    props.keywords = "tata naskah dinas"
    # Core properties pass through Jinja too: no braces here except real placeholders.
    props.comments = "Templat naskah dinas sopbot (docxtpl)"
    props.last_modified_by = "sopbot"
    props.created = props.modified = BUILT_AT
    props.revision = 1
    return doc


def fmt_run(
    run: Any,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: float | None = None,
    font: str | None = None,
    color: RGBColor | None = None,
    caps: bool = False,
) -> Any:
    run.bold = bold or None
    run.italic = italic or None
    run.underline = underline or None
    if size is not None:
        run.font.size = Pt(size)
    if font is not None:
        run.font.name = font
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:cs"), font)
        fonts.set(qn("w:eastAsia"), font)
    if color is not None:
        run.font.color.rgb = color
    if caps:
        run.font.all_caps = True
    return run


def _fresh(cell: _Cell) -> bool:
    """A cell as python-docx made it: one empty paragraph without properties (every
    paragraph ``par`` writes has properties, so a written cell is never fresh)."""
    ps = cell.paragraphs
    return len(ps) == 1 and ps[0]._p.pPr is None and not ps[0].runs


def par(
    where: Container,
    text: str = "",
    *,
    align: str = "left",
    before: float = 0,
    after: float = 0,
    indent: float = 0,
    hanging: float = 0,
    first: float = 0,
    keep_next: bool = False,
    page_break: bool = False,
    tabs: Sequence[float] = (),
    **run_fmt: Any,
) -> Paragraph:
    """A paragraph in a document or cell (a fresh cell's empty paragraph is reused)."""
    fresh = isinstance(where, _Cell) and _fresh(where)
    p: Paragraph = where.paragraphs[0] if fresh else where.add_paragraph()
    pf = p.paragraph_format
    pf.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if indent or hanging:
        pf.left_indent = Cm(indent + hanging)
    if hanging:
        pf.first_line_indent = Cm(-hanging)
    elif first:
        pf.first_line_indent = Cm(first)
    if keep_next:
        pf.keep_with_next = True
    if page_break:
        pf.page_break_before = True
    for pos in tabs:
        pf.tab_stops.add_tab_stop(Cm(pos), WD_TAB_ALIGNMENT.LEFT)
    if text:
        fmt_run(p.add_run(text), **run_fmt)
    return p


def add(p: Paragraph, text: str, **run_fmt: Any) -> Paragraph:
    fmt_run(p.add_run(text), **run_fmt)
    return p


def border(p: Paragraph, side: str = "bottom", val: str = "single", size: int = 6) -> None:
    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        # pBdr must come before shd/tabs/spacing/ind/jc in CT_PPr order.
        anchor = None
        for tag in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"):
            anchor = ppr.find(qn(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addprevious(bdr)
        else:
            ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), val)
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), "1")
    el.set(qn("w:color"), "000000")
    bdr.append(el)


def box_border(cell: _Cell) -> None:
    """Single black borders round one cell (of a borderless table)."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tcpr.append(borders)


def shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def table(where: Container, widths: Sequence[float], *, grid: bool = True) -> Table:
    """A table with fixed column widths (cm); grid: single black borders, else none."""
    t: Table = where.add_table(rows=0, cols=len(widths))
    if grid:
        t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False  # python-docx writes <w:tblLayout w:type="fixed"/>
    tblpr = t._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))  # add_table() always writes one
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(round(sum(widths) * 567)))
    for col, w in zip(t.columns, widths, strict=True):
        col.width = Cm(w)
    if not grid:
        # Layout tables: no cell padding on the left so text lines up with the margin.
        mar = OxmlElement("w:tblCellMar")
        for side, w in (("left", 0), ("right", 85)):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(w))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
        # Schema order: tblCellMar comes right before tblLook (Word rejects other orders).
        look = tblpr.find(qn("w:tblLook"))
        if look is not None:
            look.addprevious(mar)
        else:
            tblpr.append(mar)
    t._widths = list(widths)  # type: ignore[attr-defined]
    return t


def row(t: Table, *, header: bool = False, min_height: float = 0, no_split: bool = True) -> _Row:
    r: _Row = t.add_row()  # type: ignore[no-untyped-call]
    for cell, w in zip(r.cells, t._widths, strict=True):  # type: ignore[attr-defined]
        cell.width = Cm(w)
    trpr = r._tr.get_or_add_trPr()
    if no_split:
        trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))
    if min_height:
        r.height = Cm(min_height)
        r.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    return r


def header_row(t: Table, labels: Sequence[str], size: float = 11) -> _Row:
    r = row(t, header=True)
    for cell, label in zip(r.cells, labels, strict=True):
        shade(cell, HEADER_FILL)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        par(cell, label, align="center", bold=True, size=size)
    return r


def tag_row(t: Table, tag: str) -> None:
    """A row holding only a docxtpl row tag ({%tr ... %}); docxtpl removes the row."""
    r = row(t)
    par(r.cells[0], tag, size=8)


def loop(
    t: Table,
    head: str,
    cells: Sequence[Callable[[_Cell], None] | str],
    *,
    size: float = 11,
    min_height: float = 0,
    empty: str | None = None,
    empty_if: str | None = None,
) -> None:
    """``{%tr for ... %}`` rows: one row per item; optionally a merged row when none."""
    tag_row(t, "{%tr for " + head + " %}")
    r = row(t, min_height=min_height)
    for cell, spec in zip(r.cells, cells, strict=True):
        if isinstance(spec, str):
            par(cell, spec, size=size)
        else:
            spec(cell)
    tag_row(t, "{%tr endfor %}")
    if empty is not None and empty_if is not None:
        tag_row(t, "{%tr if " + empty_if + " %}")
        r = row(t)
        merged = r.cells[0].merge(r.cells[-1])
        par(merged, empty, align="center", italic=True, size=size)
        tag_row(t, "{%tr endif %}")


def cell_text(
    text: str, *, align: str = "left", size: float = 11, **fmt: Any
) -> Callable[[_Cell], None]:
    fmt.setdefault("before", 1)
    fmt.setdefault("after", 1)

    def write(cell: _Cell) -> None:
        par(cell, text, align=align, size=size, **fmt)

    return write


def field(p: Paragraph, instr: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) computed when the document is shown or printed."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.append(sz)
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    p._p.append(fld)


def footer(doc: Any, text: str) -> None:
    """Footer line: ``text`` and "Halaman X dari Y", small, with a thin rule above."""
    p = doc.sections[0].footer.paragraphs[0]
    p.style = doc.styles["Normal"]  # "Footer" brings center/right tabs of Letter size
    p.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    border(p, "top", "single", 4)
    add(p, text, size=8, color=GREY)
    add(p, "\tHalaman ", size=8, color=GREY)
    field(p, "PAGE", 8)
    add(p, " dari ", size=8, color=GREY)
    field(p, "NUMPAGES", 8)


def draft_header(doc: Any, text: str) -> None:
    p = doc.sections[0].header.paragraphs[0]
    p.style = doc.styles["Normal"]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    add(p, text, italic=True, size=9, color=GREY)


def kop(doc: Any) -> None:
    """Heading of the bureau (kop naskah dinas), closed by a thick-thin double rule."""
    par(doc, "{{ kop.ministry }}", align="center", bold=True, size=14)
    par(doc, "{{ kop.secretariat }}", align="center", bold=True, size=13)
    par(doc, "{{ kop.bureau }}", align="center", bold=True, size=13)
    p = par(doc, "{{ kop.address }}", align="center", size=10, after=12)
    border(p, "bottom", "thickThinSmallGap", 24)


def title(doc: Any, text: str, *subtitles: str, before: float = 6, after: float = 12) -> None:
    par(
        doc,
        text,
        align="center",
        bold=True,
        size=14,
        before=before,
        after=0 if subtitles else after,
        keep_next=True,
    )
    for i, sub in enumerate(subtitles):
        par(
            doc,
            sub,
            align="center",
            size=12,
            keep_next=True,
            after=after if i == len(subtitles) - 1 else 0,
        )


def section_heading(doc: Any, text: str, *, before: float = 12, page_break: bool = False) -> None:
    par(doc, text, bold=True, before=before, after=6, keep_next=True, page_break=page_break)


def fields_table(
    doc: Any, rows: Sequence[tuple[str, str]], *, label_width: float = 4.6, size: float = 12
) -> Table:
    """Label : value lines (borderless), values wrapping under themselves."""
    t = table(doc, [label_width, 0.5, TEXT_WIDTH - label_width - 0.5], grid=False)
    for label, value in rows:
        r = row(t)
        par(r.cells[0], label, size=size)
        par(r.cells[1], ":", size=size)
        par(r.cells[2], value, size=size)
    return t


def nip_line(
    where: Container, var: str, *, align: str = "left", indent: float = 0, size: float = 12
) -> None:
    """``NIP ...`` only when the official has one."""
    par(where, "{%p if " + var + ".nip %}", indent=indent)
    par(where, "NIP {{ " + var + ".nip }}", align=align, indent=indent, size=size)
    par(where, "{%p endif %}", indent=indent)


def signature(
    where: Container,
    var: str,
    *,
    place_line: str | None,
    role_lines: Sequence[str],
    indent: float = SIGN_INDENT,
    space: int = 4,
    before: float = 18,
    size: float = 12,
) -> None:
    """Signature block: place and date, title, room for the signature, name and NIP."""
    first = True
    if place_line is not None:
        par(where, place_line, indent=indent, before=before, keep_next=True, size=size)
        first = False
    for line in role_lines:
        par(where, line, indent=indent, keep_next=True, before=before if first else 0, size=size)
        first = False
    for _ in range(space):
        par(where, "", indent=indent, keep_next=True)
    par(
        where,
        "{{ " + var + ".name }}",
        indent=indent,
        bold=True,
        underline=True,
        keep_next=True,
        size=size,
    )
    nip_line(where, var, indent=indent, size=size)


def paraf_table(doc: Any) -> None:
    """Paraf of the reviewing officials on a draft (SOP steps 7 and 8)."""
    par(doc, "Paraf hierarki:", size=9, before=18, after=2, keep_next=True)
    t = table(doc, [0.9, 4.6, 4.0, 1.8], grid=True)
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    header_row(t, ["No.", "Jabatan", "Nama", "Paraf"], size=9)
    for no, var in (("1.", "kabag"), ("2.", "kasubag")):
        r = row(t, min_height=0.9)
        par(r.cells[0], no, align="center", size=9)
        par(r.cells[1], "{{ " + var + ".position }}", size=9)
        par(r.cells[2], "{{ " + var + ".name }}", size=9)


def placeholder(doc: Any, text: str, *, indent: float = 0.6) -> None:
    """Guidance for the drafting team, in grey italics between brackets."""
    par(doc, "[" + text + "]", align="justify", indent=indent, italic=True, color=GREY, after=6)


def page_break(doc: Any) -> None:
    """Start a new page (an empty paragraph that begins the page)."""
    p = par(doc, "", page_break=True)
    p.paragraph_format.line_spacing = Pt(1)


def save(doc: Any, name: str) -> Path:
    """Save with fixed zip timestamps, so that an unchanged template rebuilds identically."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=BUILT_AT.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(item.filename))
    path = _out_dir[0] / name
    path.write_bytes(out.getvalue())
    return path


# --- 1. Lembar Disposisi -------------------------------------------------------------


def build_disposisi() -> Path:
    doc = new_document("Lembar Disposisi {{ case.case_no }}", "Lembar Disposisi")
    kop(doc)
    title(doc, "LEMBAR DISPOSISI", before=0)

    half = TEXT_WIDTH / 2
    t = table(doc, [half, half])
    tabs = (2.7,)

    def labelled(cell: _Cell, label: str, value: str, *, bold_value: bool = False) -> None:
        p = par(cell, "", hanging=3.0, tabs=tabs, before=3, after=3, size=11)
        add(p, label, size=11)
        add(p, "\t: ", size=11)
        add(p, value, size=11, bold=bold_value)

    r = row(t)
    labelled(r.cells[0], "Surat dari", "{{ sender.position }}")
    par(r.cells[0], "{{ sender.name }}", indent=3.0, size=11, after=3)
    labelled(r.cells[1], "No. Agenda", "{{ agenda_no }}")
    r = row(t)
    labelled(r.cells[0], "Nomor Berkas", "{{ case.case_no }}")
    labelled(r.cells[1], "Tanggal", "{{ date }}")
    r = row(t)
    cell = r.cells[0].merge(r.cells[1])
    labelled(cell, "Perihal", "{{ case.title }}", bold_value=True)
    r = row(t)
    cell = r.cells[0].merge(r.cells[1])
    labelled(cell, "Dasar", "SOP {{ case.sop_name }} Nomor {{ case.sop_number }}")
    labelled(cell, "Unit Kerja", "{{ case.unit }}, Tahun Anggaran {{ case.fiscal_year }}")

    r = row(t)
    for c in r.cells:
        shade(c, HEADER_FILL)
    par(r.cells[0], "Diteruskan kepada:", align="center", bold=True, size=11, before=2, after=2)
    par(
        r.cells[1],
        "Isi Disposisi / Instruksi:",
        align="center",
        bold=True,
        size=11,
        before=2,
        after=2,
    )
    r = row(t, min_height=5.5)
    par(r.cells[0], "Yth. {{ recipient.position }}", size=11, before=4)
    par(r.cells[0], "{{ recipient.name }}", size=11, bold=True, before=2)
    par(r.cells[1], "{{ instruction }}", size=11, before=4, align="left")

    r = row(t, min_height=3.5)
    cell = r.cells[0].merge(r.cells[1])
    par(cell, "Catatan:", bold=True, size=11, before=4)
    par(cell, "{{ notes }}", size=11, before=2)

    r = row(t, min_height=2.6)
    par(r.cells[0], "Tanggal disposisi:", bold=True, size=11, before=4)
    par(r.cells[0], "{{ date_long }}", size=11, before=2)
    par(r.cells[1], "Paraf:", bold=True, size=11, before=4)
    par(r.cells[1], "{{ paraf }}", size=14, bold=True, before=2, align="center")
    par(r.cells[1], "{{ sender.name }}", size=9, align="center", before=2)

    par(
        doc,
        "Lembar disposisi ini dibuat dari berkas {{ case.case_no }} dalam sistem "
        "SOP {{ case.sop_name }}.",
        size=8,
        italic=True,
        color=GREY,
        before=6,
    )
    return save(doc, "disposisi.docx")


# --- 2. Draft SK Tim Penyusunan ------------------------------------------------------

SK_SUBJECT = (
    "PEMBENTUKAN TIM PENYUSUNAN PROGRAM KERJA, RKAKL, DAN PENETAPAN KINERJA BIRO "
    "TAHUN ANGGARAN {{ case.fiscal_year }}"
)


def build_sk_tim() -> Path:
    doc = new_document("SK Tim Penyusunan {{ case.case_no }}", "Draf SK Tim Penyusunan")
    draft_header(doc, "DRAF · Berkas {{ case.case_no }}")
    kop(doc)
    for text in (
        "KEPUTUSAN KEPALA {{ kop.bureau }}",
        "NOMOR {{ decree_number }}",
        "",
        "TENTANG",
        "",
        SK_SUBJECT,
        "",
        "KEPALA {{ kop.bureau }},",
    ):
        par(doc, text, align="center", bold=True, keep_next=True)
    par(doc, "")

    t = table(doc, [3.0, 0.5, 0.8, TEXT_WIDTH - 4.3], grid=False)
    for var, label in (("m", "Menimbang"), ("g", "Mengingat")):
        loop(
            t,
            f"{var} in {'menimbang' if var == 'm' else 'mengingat'}",
            [
                cell_text("{% if loop.first %}" + label + "{% endif %}", size=12),
                cell_text("{% if loop.first %}:{% endif %}", size=12),
                cell_text("{{ " + var + ".mark }}", size=12),
                cell_text("{{ " + var + ".text }}", align="justify", size=12, after=6),
            ],
        )
        if var == "m":
            row(t, min_height=0.3)

    par(doc, "MEMUTUSKAN:", align="center", bold=True, before=12, after=12, keep_next=True)

    t = table(doc, [3.0, 0.5, TEXT_WIDTH - 3.5], grid=False)
    diktum = [
        (
            "Menetapkan",
            [
                "KEPUTUSAN KEPALA {{ kop.bureau }} TENTANG " + SK_SUBJECT + ".",
            ],
        ),
        (
            "KESATU",
            [
                "Membentuk Tim Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro "
                "Tahun Anggaran {{ case.fiscal_year }}, yang selanjutnya disebut Tim, dengan "
                "susunan keanggotaan sebagaimana tercantum dalam Lampiran yang merupakan bagian "
                "tidak terpisahkan dari Keputusan ini.",
            ],
        ),
        (
            "KEDUA",
            [
                "Tim sebagaimana dimaksud dalam Diktum KESATU mempunyai tugas:",
                "a.\tmengumpulkan bahan penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja "
                "Biro;",
                "b.\tmenyusun draf Program Kerja, RKAKL, dan Penetapan Kinerja Biro dan "
                "menyerahkannya kepada Kepala Sub Bagian;",
                "c.\tmemperbaiki draf sesuai hasil pemeriksaan Kepala Sub Bagian, Kepala Bagian "
                "Manajemen Kinerja, dan Kepala Biro; dan",
                "d.\tmelaporkan pelaksanaan tugas kepada Kepala Biro melalui Kepala Bagian "
                "Manajemen Kinerja.",
            ],
        ),
        ("KETIGA", ["Keputusan ini mulai berlaku pada tanggal ditetapkan."]),
    ]
    for label, texts in diktum:
        r = row(t)
        par(r.cells[0], label)
        par(r.cells[1], ":")
        for i, text in enumerate(texts):
            if i == 0:
                par(r.cells[2], text, align="justify", after=8 if len(texts) == 1 else 3)
            else:
                par(
                    r.cells[2],
                    text,
                    align="justify",
                    hanging=0.7,
                    tabs=(0.7,),
                    after=8 if i == len(texts) - 1 else 0,
                )
        if label == "KEDUA":
            # A long diktum may run over a page break.
            trpr = r._tr.get_or_add_trPr()
            trpr.remove(trpr.find(qn("w:cantSplit")))

    signature(
        doc,
        "signer",
        place_line=None,
        role_lines=[
            "Ditetapkan di {{ city }}",
            "pada tanggal {{ date }}",
            "{{ signer.title }},",
        ],
        before=12,
    )

    # Lampiran: the team.
    page_break(doc)
    lamp = table(doc, [2.4, 0.4, 5.2], grid=False)
    lamp.alignment = WD_TABLE_ALIGNMENT.RIGHT
    r = row(lamp)
    par(r.cells[0], "LAMPIRAN", size=10)
    r.cells[1].merge(r.cells[2])
    par(r.cells[1], "", size=10)
    r = row(lamp)
    cell = r.cells[0].merge(r.cells[2])
    par(cell, "KEPUTUSAN KEPALA {{ kop.bureau }}", size=10)
    for label, value in (
        ("NOMOR", "{{ decree_number }}"),
        ("TANGGAL", "{{ date }}"),
        ("TENTANG", SK_SUBJECT),
    ):
        r = row(lamp)
        par(r.cells[0], label, size=10)
        par(r.cells[1], ":", size=10)
        par(r.cells[2], value, size=10)

    par(doc, "SUSUNAN KEANGGOTAAN", align="center", bold=True, before=18, keep_next=True)
    par(
        doc,
        "TIM PENYUSUNAN PROGRAM KERJA, RKAKL,",
        align="center",
        bold=True,
        keep_next=True,
    )
    par(
        doc,
        "DAN PENETAPAN KINERJA BIRO TAHUN ANGGARAN {{ case.fiscal_year }}",
        align="center",
        bold=True,
        after=12,
        keep_next=True,
    )
    t = table(doc, [1.0, 4.5, 4.1, 3.6, 2.8])
    header_row(t, ["No.", "Nama", "NIP", "Jabatan", "Kedudukan dalam Tim"], size=10)
    loop(
        t,
        "a in members",
        [
            cell_text("{{ a.no }}", align="center", size=10),
            cell_text("{{ a.name }}", size=10),
            cell_text("{{ a.nip }}", size=10),
            cell_text("{{ a.position }}", size=10),
            cell_text("{{ a.position_in_team }}", size=10),
        ],
        size=10,
        empty="Belum ada anggota tim.",
        empty_if="not members",
    )
    signature(doc, "signer", place_line=None, role_lines=["{{ signer.title }},"])
    return save(doc, "sk_tim.docx")


# --- 3. Lembar Pemeriksaan -----------------------------------------------------------


def files_table(doc: Any, var: str, size: float = 10) -> None:
    t = table(doc, [1.0, 4.0, 1.4, 3.7, 5.9])
    header_row(t, ["No.", "Dokumen / Nama Berkas", "Versi", "Diunggah", "SHA-256"], size=size)

    def doc_cell(cell: _Cell) -> None:
        par(cell, "{{ f.document }}", bold=True, size=size)
        par(cell, "{{ f.file_name }}", size=size)

    def up_cell(cell: _Cell) -> None:
        par(cell, "{{ f.uploaded_by }}", size=size - 1)
        par(cell, "{{ f.uploaded_at }}", size=8, color=GREY)

    loop(
        t,
        "f in " + var,
        [
            cell_text("{{ f.no }}", align="center", size=size),
            doc_cell,
            cell_text("{{ f.version }}", align="center", size=size),
            up_cell,
            cell_text("{{ f.sha256 }}", size=8, font=MONO),
        ],
        size=size,
        empty="Tidak ada berkas.",
        empty_if="not " + var,
    )


def build_pemeriksaan() -> Path:
    doc = new_document(
        "Lembar Pemeriksaan {{ case.case_no }} Langkah {{ step_no }}", "Lembar Pemeriksaan"
    )
    footer(doc, "Lembar Pemeriksaan · Berkas {{ case.case_no }} · Langkah {{ step_no }}")
    kop(doc)
    title(doc, "LEMBAR PEMERIKSAAN BERKAS", "Langkah {{ step_no }}: {{ step_title }}", before=0)
    fields_table(
        doc,
        [
            ("Nomor Berkas", "{{ case.case_no }}"),
            ("Perihal", "{{ case.title }}"),
            ("Unit Kerja", "{{ case.unit }}, TA {{ case.fiscal_year }}"),
            ("SOP", "{{ case.sop_name }} (Nomor {{ case.sop_number }})"),
            ("Pemeriksa", "{{ reviewer.name }}"),
            ("Jabatan (peran)", "{{ reviewer.position }} ({{ reviewer_role }})"),
            ("Waktu Pemeriksaan", "{{ decided_day }} pukul {{ decided_time }}"),
        ],
        size=11,
        label_width=4.0,
    )

    section_heading(doc, "A.  Kelengkapan yang Diperiksa", before=8)
    t = table(doc, [1.0, 6.3, 1.4, 1.7, 5.6])
    header_row(t, ["No.", "Persyaratan / Kelengkapan", "Ada", "Tidak Ada", "Keterangan"], size=10)
    loop(
        t,
        "c in items",
        [
            cell_text("{{ c.no }}", align="center", size=10),
            cell_text("{{ c.name }}", size=10),
            cell_text("{{ c.ada }}", align="center", size=10, bold=True),
            cell_text("{{ c.tidak_ada }}", align="center", size=10, bold=True),
            cell_text("{{ c.note }}", size=10),
        ],
        size=10,
        empty="Tidak ada kelengkapan yang dipersyaratkan.",
        empty_if="not items",
    )

    section_heading(doc, "B.  Berkas yang Diperiksa", before=8)
    files_table(doc, "files")

    section_heading(doc, "C.  Hasil Pemeriksaan", before=8)
    t = fields_table(
        doc,
        [
            ("Keputusan", "{{ decision }}"),
            ("{{ reason_label }}", "{{ reason }}"),
        ],
        size=11,
        label_width=4.0,
    )
    t.rows[0].cells[2].paragraphs[0].runs[0].bold = True

    # The SOP's warning (Peringatan) beside the reviewer's signature. (A paragraph
    # between two tables keeps word processors from joining them.)
    spacer = par(doc, "", keep_next=True, size=6)
    spacer.paragraph_format.line_spacing = Pt(8)
    t = table(doc, [6.6, 1.9, TEXT_WIDTH - 8.5], grid=False)
    r = row(t)
    box = r.cells[0]
    box_border(box)
    shade(box, "F2F2F2")
    par(box, "PERINGATAN", bold=True, size=10, before=4, after=2, indent=0.15)
    par(
        box,
        "Teliti kesesuaian setelah menuangkan dalam lembar pemeriksaan berkas.",
        italic=True,
        size=10,
        after=4,
        indent=0.15,
    )
    signature(
        r.cells[2],
        "reviewer",
        place_line="{{ kop.city }}, {{ decided_date }}",
        role_lines=["Pemeriksa,", "{{ reviewer.position }},"],
        indent=0,
        before=0,
        space=3,
        size=11,
    )
    return save(doc, "pemeriksaan.docx")


# --- 4. Draft skeletons (step 6) -----------------------------------------------------


def empty_rows(
    t: Table, count: int, *, numbered: bool = True, size: float = 10, height: float = 0.8
) -> None:
    for i in range(count):
        r = row(t, min_height=height)
        if numbered:
            r.cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            par(r.cells[0], f"{i + 1}.", align="center", size=size)


def skeleton_head(doc: Any, *lines: str) -> None:
    draft_header(doc, "DRAF untuk diperiksa · Berkas {{ case.case_no }} · {{ date }}")
    for i, line in enumerate(lines):
        par(
            doc,
            line,
            align="center",
            bold=True,
            size=14 if i == 0 else 12,
            after=18 if i == len(lines) - 1 else 0,
            keep_next=True,
        )


def karo_signature(doc: Any) -> None:
    signature(
        doc,
        "karo",
        place_line="{{ kop.city }}, {{ date }}",
        role_lines=["{{ karo.title }},"],
    )


def build_program_kerja() -> Path:
    doc = new_document("Program Kerja {{ case.case_no }}", "Draf Program Kerja")
    skeleton_head(
        doc,
        "PROGRAM KERJA",
        "{{ kop.bureau }}",
        "{{ kop.secretariat }}",
        "{{ kop.ministry }}",
        "TAHUN ANGGARAN {{ case.fiscal_year }}",
    )
    section_heading(doc, "BAB I  PENDAHULUAN", before=0)
    par(doc, "A.  Latar Belakang", bold=True, indent=0.6, after=3, keep_next=True)
    placeholder(
        doc,
        "Uraikan latar belakang penyusunan Program Kerja {{ case.unit }} Tahun "
        "Anggaran {{ case.fiscal_year }}: tugas dan fungsi Biro, capaian tahun "
        "sebelumnya, serta permasalahan yang dihadapi.",
    )
    par(doc, "B.  Dasar Hukum", bold=True, indent=0.6, after=3, keep_next=True)
    placeholder(
        doc,
        "Sebutkan peraturan perundang-undangan yang menjadi dasar, antara lain "
        "peraturan tentang organisasi dan tata kerja Kementerian serta Rencana "
        "Strategis.",
    )
    par(doc, "C.  Maksud", bold=True, indent=0.6, after=3, keep_next=True)
    placeholder(doc, "Jelaskan maksud disusunnya Program Kerja ini.")

    section_heading(doc, "BAB II  TUJUAN DAN SASARAN")
    par(doc, "A.  Tujuan", bold=True, indent=0.6, after=3, keep_next=True)
    placeholder(
        doc, "Rumuskan tujuan yang hendak dicapai Biro pada Tahun Anggaran {{ case.fiscal_year }}."
    )
    par(doc, "B.  Sasaran", bold=True, indent=0.6, after=3, keep_next=True)
    placeholder(doc, "Rumuskan sasaran yang terukur, selaras dengan Penetapan Kinerja.")

    section_heading(doc, "BAB III  PROGRAM DAN KEGIATAN")
    t = table(doc, [1.0, 3.0, 3.4, 3.0, 2.1, 3.5])
    header_row(t, ["No.", "Program", "Kegiatan", "Output", "Target", "Penanggung Jawab"], size=10)
    empty_rows(t, 5)

    section_heading(doc, "BAB IV  JADWAL PELAKSANAAN")
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sep", "Okt", "Nov", "Des"]
    t = table(doc, [1.0, 3.8] + [0.935] * 12)
    r = row(t, header=True)
    for c in r.cells:
        shade(c, HEADER_FILL)
    par(r.cells[0], "No.", align="center", bold=True, size=9)
    par(r.cells[1], "Kegiatan", align="center", bold=True, size=9)
    for c, m in zip(r.cells[2:], months, strict=True):
        par(c, m, align="center", bold=True, size=8)
    empty_rows(t, 5, size=9, height=0.7)

    section_heading(doc, "BAB V  PENUTUP")
    placeholder(doc, "Kesimpulan dan harapan atas pelaksanaan Program Kerja ini.")

    karo_signature(doc)
    paraf_table(doc)
    return save(doc, "program_kerja.docx")


def build_rkakl() -> Path:
    doc = new_document("RKAKL {{ case.case_no }}", "Draf RKAKL")
    skeleton_head(
        doc,
        "RENCANA KERJA DAN ANGGARAN KEMENTERIAN/LEMBAGA",
        "(RKAKL)",
        "TAHUN ANGGARAN {{ case.fiscal_year }}",
    )
    fields_table(
        doc,
        [
            ("Kementerian/Lembaga", "{{ kop.ministry }}"),
            ("Unit Eselon I", "{{ kop.secretariat }}"),
            ("Unit Kerja", "{{ kop.bureau }}"),
            ("Tahun Anggaran", "{{ case.fiscal_year }}"),
        ],
        size=11,
    )
    par(doc, "")
    t = table(doc, [1.0, 2.9, 3.2, 2.9, 1.7, 1.6, 2.7])
    header_row(
        t, ["No.", "Program", "Kegiatan", "Output", "Volume", "Satuan", "Biaya (Rp)"], size=10
    )
    r = row(t, header=True)
    for i, c in enumerate(r.cells):
        shade(c, "F2F2F2")
        par(c, f"({i + 1})", align="center", size=8)
    empty_rows(t, 10)
    r = row(t, min_height=0.8)
    cell = r.cells[0].merge(r.cells[5])
    par(cell, "JUMLAH", align="center", bold=True, size=10)
    par(
        doc,
        "Keterangan: biaya dalam rupiah; rincian per akun dituangkan dalam Kertas Kerja RKAKL.",
        size=9,
        italic=True,
        color=GREY,
        before=4,
    )
    karo_signature(doc)
    paraf_table(doc)
    return save(doc, "rkakl.docx")


def build_penetapan_kinerja() -> Path:
    doc = new_document("Penetapan Kinerja {{ case.case_no }}", "Draf Penetapan Kinerja")
    skeleton_head(
        doc,
        "PENETAPAN KINERJA TAHUN {{ case.fiscal_year }}",
        "{{ kop.bureau }}",
        "{{ kop.secretariat }}",
        "{{ kop.ministry }}",
    )
    par(
        doc,
        "Dalam rangka mewujudkan manajemen pemerintahan yang efektif, transparan, dan "
        "akuntabel serta berorientasi pada hasil, kami yang bertanda tangan di bawah ini:",
        align="justify",
        after=8,
    )
    for var in ("karo", "atasan"):
        t = table(doc, [0.6, 2.4, 0.5, TEXT_WIDTH - 3.5], grid=False)
        for label, value in (
            ("Nama", "{{ " + var + ".name }}"),
            ("Jabatan", "{{ " + var + ".position }}"),
        ):
            r = row(t)
            par(r.cells[1], label)
            par(r.cells[2], ":")
            par(r.cells[3], value)
        p = par(doc, "", indent=0.6, before=4, after=10)
        if var == "karo":
            add(p, "selanjutnya disebut ")
            add(p, "PIHAK PERTAMA", bold=True)
            add(p, ".")
        else:
            add(p, "selaku atasan langsung PIHAK PERTAMA, selanjutnya disebut ")
            add(p, "PIHAK KEDUA", bold=True)
            add(p, ".")
    par(
        doc,
        "PIHAK PERTAMA berjanji akan mewujudkan target kinerja yang seharusnya sesuai "
        "lampiran perjanjian ini, dalam rangka mencapai target kinerja jangka menengah seperti "
        "yang telah ditetapkan dalam dokumen perencanaan. Keberhasilan dan kegagalan "
        "pencapaian target kinerja tersebut menjadi tanggung jawab kami.",
        align="justify",
        after=8,
    )
    par(
        doc,
        "PIHAK KEDUA akan melakukan supervisi yang diperlukan serta akan melakukan "
        "evaluasi terhadap capaian kinerja dari perjanjian ini dan mengambil tindakan yang "
        "diperlukan dalam rangka pemberian penghargaan dan sanksi.",
        align="justify",
        after=8,
    )

    def two_signatures() -> None:
        par(doc, "{{ kop.city }}, {{ date }}", indent=SIGN_INDENT, before=12, keep_next=True)
        t = table(doc, [SIGN_INDENT, TEXT_WIDTH - SIGN_INDENT], grid=False)
        r = row(t)
        for cell, var, label in (
            (r.cells[0], "atasan", "PIHAK KEDUA,"),
            (r.cells[1], "karo", "PIHAK PERTAMA,"),
        ):
            par(cell, label, bold=True)
            par(cell, "{{ " + var + ".title }},")
            for _ in range(4):
                par(cell, "")
            par(cell, "{{ " + var + ".name }}", bold=True, underline=True)
            nip_line(cell, var)

    two_signatures()
    paraf_table(doc)

    page_break(doc)
    for i, line in enumerate(
        (
            "PENETAPAN KINERJA TAHUN {{ case.fiscal_year }}",
            "{{ kop.bureau }}",
        )
    ):
        par(doc, line, align="center", bold=True, after=12 if i == 1 else 0, keep_next=True)
    t = table(doc, [1.0, 5.6, 6.2, 3.2])
    header_row(t, ["No.", "Sasaran Strategis", "Indikator Kinerja", "Target"], size=10)
    r = row(t, header=True)
    for i, c in enumerate(r.cells):
        shade(c, "F2F2F2")
        par(c, f"({i + 1})", align="center", size=8)
    empty_rows(t, 6)

    par(doc, "", after=6)
    t = table(doc, [1.0, 10.0, 5.0])
    header_row(t, ["No.", "Kegiatan", "Anggaran (Rp)"], size=10)
    empty_rows(t, 3)
    r = row(t, min_height=0.8)
    cell = r.cells[0].merge(r.cells[1])
    par(cell, "JUMLAH", align="center", bold=True, size=10)
    two_signatures()
    return save(doc, "penetapan_kinerja.docx")


# --- 5. Dokumentasi ------------------------------------------------------------------


def build_dokumentasi() -> Path:
    doc = new_document(
        "Dokumentasi {{ case.case_no }}", "Dokumentasi Program Kerja, RKAKL, dan Penetapan Kinerja"
    )
    footer(doc, "Dokumentasi · Berkas {{ case.case_no }} · Nomor Arsip {{ archive_reference }}")
    kop(doc)
    title(
        doc,
        "DOKUMENTASI",
        "Program Kerja, RKAKL, dan Penetapan Kinerja Biro Tahun Anggaran {{ case.fiscal_year }}",
        before=0,
    )
    fields_table(
        doc,
        [
            ("Nomor Berkas", "{{ case.case_no }}"),
            ("Perihal", "{{ case.title }}"),
            ("Unit Kerja", "{{ case.unit }}"),
            ("SOP", "{{ case.sop_name }} (Nomor {{ case.sop_number }})"),
            ("Nomor Arsip", "{{ archive_reference }}"),
            ("Waktu Pengarsipan", "{{ archived_day }} pukul {{ archived_time }}"),
            ("Diarsipkan oleh", "{{ archivist.name }} ({{ archivist.position }})"),
            ("Penyimpanan", "Data elektronik dan manual"),
        ],
        size=11,
    )

    section_heading(doc, "A.  Berkas Final")
    files_table(doc, "final_files", size=9)

    section_heading(doc, "B.  Paraf dan Tanda Tangan")
    t = table(doc, [1.0, 2.0, 4.4, 3.6, 1.8, 3.2])
    header_row(t, ["No.", "Jenis", "Nama / NIP", "Jabatan / Peran", "Langkah", "Waktu"], size=9)

    def who(cell: _Cell) -> None:
        par(cell, "{{ a.name }}", size=9, bold=True)
        par(cell, "{{ a.nip_line }}", size=8)

    def role(cell: _Cell) -> None:
        par(cell, "{{ a.position }}", size=9)
        par(cell, "{{ a.role }}", size=8, italic=True)

    loop(
        t,
        "a in approvals",
        [
            cell_text("{{ a.no }}", align="center", size=9),
            cell_text("{{ a.kind }}", size=9),
            who,
            role,
            cell_text("{{ a.step_no }}", align="center", size=9),
            cell_text("{{ a.at }}", size=9),
        ],
        size=9,
        empty="Tidak ada catatan paraf atau tanda tangan.",
        empty_if="not approvals",
    )

    section_heading(doc, "C.  Riwayat Kegiatan")
    t = table(doc, [1.0, 3.0, 3.4, 3.2, 2.4, 3.0])
    header_row(t, ["No.", "Waktu", "Pelaku / Peran", "Langkah", "Tindakan", "Alasan"], size=9)

    def actor(cell: _Cell) -> None:
        par(cell, "{{ e.actor }}", size=9, bold=True)
        par(cell, "{{ e.role }}", size=8, italic=True)

    loop(
        t,
        "e in events",
        [
            cell_text("{{ e.no }}", align="center", size=9),
            cell_text("{{ e.at }}", size=9),
            actor,
            cell_text("{{ e.step }}", size=9),
            cell_text("{{ e.action }}", size=9),
            cell_text("{{ e.reason }}", size=9),
        ],
        size=9,
        empty="Tidak ada kegiatan tercatat.",
        empty_if="not events",
    )

    section_heading(doc, "D.  Waktu Penyelesaian per Langkah")
    t = table(doc, [1.7, 5.5, 2.0, 2.0, 2.0, 2.8])
    header_row(
        t,
        [
            "Langkah",
            "Kegiatan",
            "Norma (menit)",
            "Realisasi (menit)",
            "Selisih (menit)",
            "Keterangan",
        ],
        size=9,
    )
    loop(
        t,
        "s in step_times",
        [
            cell_text("{{ s.step_no }}", align="center", size=9),
            cell_text("{{ s.title }}", size=9),
            cell_text("{{ s.norm }}", align="right", size=9),
            cell_text("{{ s.actual }}", align="right", size=9),
            cell_text("{{ s.diff }}", align="right", size=9),
            cell_text("{{ s.note }}", size=9),
        ],
        size=9,
    )
    r = row(t)
    cell = r.cells[0].merge(r.cells[1])
    shade(cell, "F2F2F2")
    par(cell, "Jumlah (Norma Waktu)", bold=True, size=9, align="right")
    for c, var in zip(r.cells[2:], ("norm", "actual", "diff", "note"), strict=True):
        shade(c, "F2F2F2")
        par(
            c,
            "{{ total." + var + " }}",
            bold=True,
            size=9,
            align="left" if var == "note" else "right",
        )

    par(
        doc,
        "Demikian dokumentasi ini dibuat dengan sebenarnya untuk disimpan sebagai data "
        "elektronik dan manual.",
        align="justify",
        before=12,
    )
    signature(
        doc,
        "archivist",
        place_line="{{ kop.city }}, {{ archived_date }}",
        role_lines=["Yang mendokumentasikan,", "{{ archivist.position }},"],
    )
    return save(doc, "dokumentasi.docx")


BUILDERS: dict[str, Callable[[], Path]] = {
    "disposisi": build_disposisi,
    "sk_tim": build_sk_tim,
    "pemeriksaan": build_pemeriksaan,
    "program_kerja": build_program_kerja,
    "rkakl": build_rkakl,
    "penetapan_kinerja": build_penetapan_kinerja,
    "dokumentasi": build_dokumentasi,
}


def build(out_dir: Path = OUT_DIR, names: Sequence[str] = ()) -> list[Path]:
    """Write the templates (all, or those named) into ``out_dir``."""
    unknown = sorted(set(names) - set(BUILDERS))
    if unknown:
        raise ValueError(f"unknown template(s): {', '.join(unknown)}; known: {', '.join(BUILDERS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    _out_dir[0] = out_dir
    try:
        return [BUILDERS[name]() for name in (names or BUILDERS)]
    finally:
        _out_dir[0] = OUT_DIR


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description="Build the .docx templates of the papers.")
    parser.add_argument("names", nargs="*", help=f"templates to build: {', '.join(BUILDERS)}")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder (default: beside)")
    args = parser.parse_args(list(argv))
    try:
        paths = build(args.out, args.names)
    except ValueError as exc:
        parser.error(str(exc))
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
