"""SOP-AP forms for the importer's tests, written in both forms from one description.

``to_text`` writes the portal's text/HTML export (HTML fragments in the header cells, a
tab-separated activity table, no symbols). ``to_docx`` writes a Word document with python-docx:
a header table, a block table (Dasar Hukum ...) and the activity table, with the flowchart
symbol of each row in its actor's Pelaksana cell: a picture (PNG made here), a DrawingML shape
(a diamond for a decision), a VML shape or a text mark. Shapes are put in by rewriting
word/document.xml after python-docx saved it (python-docx has no API for shapes).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.shared import Cm

# symbol kinds a row may carry in its actor cell
PICTURE = "picture"  # a PNG of a rectangle, named image.png (shape cannot be told)
DIAMOND_PICTURE = "diamond-picture"  # a PNG of a diamond named belah-ketupat.png
DIAMOND = "diamond"  # DrawingML flowChartDecision (with a VML fallback, as Word writes it)
PROCESS = "process"  # DrawingML flowChartProcess
VML_DIAMOND = "vml-diamond"  # only the legacy VML shape
CONNECTOR = "connector"  # a DrawingML straight connector: not a symbol


@dataclass
class Row:
    activity: str
    actors: tuple[str, ...] = ()  # Pelaksana headings whose cell holds the symbol (docx)
    symbol: str = PICTURE  # or "mark:<text>"
    requirements: str = ""
    time: str = ""
    output: str = ""
    remark: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # (heading, symbol) drawn besides the actor's


@dataclass
class Form:
    name: str
    roles: tuple[str, ...]
    rows: list[Row]
    number: str = "1/.../KP.01/2025"
    organisation: tuple[str, ...] = (
        "KEMENTERIAN KETENAGAKERJAAN REPUBLIK INDONESIA",
        "SEKRETARIAT JENDERAL",
        "BIRO UMUM",
    )
    approved_by: str = "Kepala Biro Umum"
    legal_basis: tuple[str, ...] = ("UU No. 5 Tahun 2014 tentang Aparatur Sipil Negara",)
    qualifications: tuple[str, ...] = ("Memahami tata naskah dinas",)
    related: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ("Komputer", "Printer")
    warning: str = "Periksa kelengkapan berkas"
    record_keeping: str = "Disimpan sebagai data elektronik"
    extra_columns_order: tuple[str, ...] = field(default=())  # to break the column order
    # .docx only: how the No column is numbered: typed ("") or by Word's automatic numbering,
    # "button" (w:numPr on the paragraph, as the numbering button writes it), "style" (the
    # "List Number" paragraph style) or "outline" (a second level shown "1.1", "1.2", ...);
    # bulleted instead: "bullet" (the bullets button) or "bullet-style" ("List Bullet")
    auto_numbered: str = ""
    typed_list_numbers: bool = False  # .docx: header lists typed "1. ...", "2. ..." in Word


def to_text(form: Form) -> str:
    org = " ".join(f'<p style="text-align: center;">{line}</p>' for line in form.organisation)

    def ol(items: tuple[str, ...]) -> str:
        numbered = " ".join(f"{i}. {item}" for i, item in enumerate(items, 1))
        return f'<ol style="list-style-type: none"> {numbered} </ol>'

    related = " ".join(f"<p>{r}</p>" for r in form.related)
    lines = [
        f"{org}\tNO SOP\t{form.number}",
        "\tTANGGAL PENGESAHAN\t",
        "\tTANGGAL REVISI\t-",
        f"\tDISAHKAN OLEH\t{form.approved_by}",
        f"\tNAMA SOP\t{form.name}",
        "",
        "DASAR HUKUM\tKUALIFIKASI PELAKSANA",
        f"{ol(form.legal_basis)}\t{ol(form.qualifications)}",
        "KETERKAITAN\tPERALATAN/PERLENGKAPAN",
        f"{related}\t{ol(form.equipment)}",
        "PERINGATAN\tPENCATATAN DAN PENDATAAN",
        f"{form.warning}\t{form.record_keeping}",
        "",
    ]
    n = len(form.roles)
    top = ["No.", "Kegiatan", "Pelaksana", *[""] * (n - 1), "Mutu Baku", "", "", "Ket"]
    sub = ["", "", *form.roles, "Persyaratan/ Kelengkapan", "Waktu", "Output", ""]
    if form.extra_columns_order:
        top = list(form.extra_columns_order)
    lines += ["\t".join(top), "\t".join(sub), "\t".join(str(i) for i in range(1, n + 7))]
    for i, row in enumerate(form.rows, 1):
        cells = [str(i), row.activity, *[""] * n, row.requirements, row.time, row.output]
        lines.append("\t".join([*cells, row.remark]))
    lines.append("Norma Waktu:\t" + "\t" * (n + 4) + "----")
    return "\n".join(lines) + "\n"


# -- .docx -----------------------------------------------------------------------------


def png(size: int = 16, diamond: bool = False) -> bytes:
    """A black rectangle or diamond on white, as a plain RGB PNG."""
    half = size // 2
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = abs(x - half) + abs(y - half) < half if diamond else 2 <= x < size - 2
            row += b"\x00\x00\x00" if inside else b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WPS_URI = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


def _shape_run(geometry: str, n: int, connector: bool = False) -> str:
    nv = "<wps:cNvCnPr/>" if connector else "<wps:cNvSpPr/>"
    fallback = (
        '<w:pict><v:shape type="#_x0000_t110" style="width:28pt;height:28pt"/></w:pict>'
        if geometry == "flowChartDecision"
        else '<w:pict><v:rect style="width:28pt;height:20pt"/></w:pict>'
    )
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="360000" cy="360000"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapNone/><wp:docPr id="{1000 + n}" name="Shape {n}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{_WPS_URI}"><wps:wsp>{nv}<wps:spPr>'
        '<a:xfrm><a:off x="0" y="0"/><a:ext cx="360000" cy="360000"/></a:xfrm>'
        f'<a:prstGeom prst="{geometry}"><a:avLst/></a:prstGeom></wps:spPr><wps:bodyPr/>'
        "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback>{fallback}</mc:Fallback></mc:AlternateContent></w:r>"
    )


_SHAPES: dict[str, Callable[[int], str]] = {
    DIAMOND: lambda n: _shape_run("flowChartDecision", n),
    PROCESS: lambda n: _shape_run("flowChartProcess", n),
    CONNECTOR: lambda n: _shape_run("straightConnector1", n, connector=True),
    VML_DIAMOND: lambda n: (
        '<w:r><w:pict><v:shape type="#_x0000_t4" style="width:28pt;height:28pt"/></w:pict></w:r>'
    ),
}


def _paragraphs(cell: object, lines: tuple[str, ...] | list[str]) -> None:
    lines = list(lines) or [""]
    cell.paragraphs[0].text = lines[0]  # type: ignore[attr-defined]
    for line in lines[1:]:
        cell.add_paragraph(line)  # type: ignore[attr-defined]


def _symbol(cell: object, symbol: str, folder: Path) -> None:
    run = cell.paragraphs[0].add_run()  # type: ignore[attr-defined]
    if symbol == PICTURE:
        path = folder / "image.png"
        path.write_bytes(png())
        run.add_picture(str(path), width=Cm(0.5))
    elif symbol == DIAMOND_PICTURE:
        path = folder / "belah-ketupat.png"
        path.write_bytes(png(diamond=True))
        run.add_picture(str(path), width=Cm(0.5))
    elif symbol.startswith("mark:"):
        run.text = symbol[len("mark:") :]
    else:
        run.text = f"[[SHAPE:{symbol}]]"


def to_docx(form: Form, folder: Path) -> bytes:
    doc = Document()
    doc.add_paragraph("STANDAR OPERASIONAL PROSEDUR")
    head = doc.add_table(rows=6, cols=3)
    _paragraphs(head.cell(0, 0).merge(head.cell(5, 0)), form.organisation)
    fields = [
        ("NO SOP", [form.number]),
        ("TANGGAL PEMBUATAN", ["2 Januari 2025"]),
        ("TANGGAL REVISI", ["-"]),
        ("TANGGAL EFEKTIF", ["6 Januari 2025"]),
        (
            "DISAHKAN OLEH",
            [form.approved_by, "", "Dr. Contoh Pejabat", "NIP 19700101 199503 1 001"],
        ),
        ("NAMA SOP", [form.name]),
    ]
    for r, (label, value) in enumerate(fields):
        head.cell(r, 1).text = label
        _paragraphs(head.cell(r, 2), value)
    blocks = doc.add_table(rows=6, cols=2)
    pairs = [
        ("DASAR HUKUM", form.legal_basis, "KUALIFIKASI PELAKSANA", form.qualifications),
        ("KETERKAITAN", form.related, "PERALATAN/PERLENGKAPAN", form.equipment),
        ("PERINGATAN", (form.warning,), "PENCATATAN DAN PENDATAAN", (form.record_keeping,)),
    ]
    for r, (left, left_items, right, right_items) in enumerate(pairs):
        blocks.cell(2 * r, 0).text = left
        blocks.cell(2 * r, 1).text = right
        for c, items in ((0, left_items), (1, right_items)):
            if form.typed_list_numbers and r < 2:
                items = tuple(f"{i}. {item}" for i, item in enumerate(items, 1))
            _paragraphs(blocks.cell(2 * r + 1, c), items)

    n = len(form.roles)
    table = doc.add_table(rows=3 + len(form.rows), cols=n + 6)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "No."
    table.cell(0, 1).merge(table.cell(1, 1)).text = "Kegiatan"
    table.cell(0, 2).merge(table.cell(0, 1 + n)).text = "Pelaksana"
    table.cell(0, 2 + n).merge(table.cell(0, 4 + n)).text = "Mutu Baku"
    table.cell(0, 5 + n).merge(table.cell(1, 5 + n)).text = "Ket"
    for c, heading in enumerate(form.roles):
        table.cell(1, 2 + c).text = heading
    for c, heading in enumerate(("Persyaratan/ Kelengkapan", "Waktu", "Output")):
        table.cell(1, 2 + n + c).text = heading
    for c in range(n + 6):
        table.cell(2, c).text = str(c + 1)
    for i, row in enumerate(form.rows):
        r = 3 + i
        if form.auto_numbered in ("style", "bullet-style"):
            style = "List Number" if form.auto_numbered == "style" else "List Bullet"
            table.cell(r, 0).paragraphs[0].style = doc.styles[style]
        elif form.auto_numbered:
            table.cell(r, 0).paragraphs[0].text = f"[[NUMBER:{form.auto_numbered}]]"
        else:
            table.cell(r, 0).text = str(i + 1)
        table.cell(r, 1).text = row.activity
        for heading in row.actors:
            _symbol(table.cell(r, 2 + form.roles.index(heading)), row.symbol, folder)
        for heading, symbol in row.extra:
            _symbol(table.cell(r, 2 + form.roles.index(heading)), symbol, folder)
        _paragraphs(table.cell(r, 2 + n), [row.requirements])
        table.cell(r, 3 + n).text = row.time
        table.cell(r, 4 + n).text = row.output
        table.cell(r, 5 + n).text = row.remark
    buffer = io.BytesIO()
    doc.save(buffer)
    return _with_shapes(buffer.getvalue())


# Word's automatic numbering, as w:numPr on the No cell's paragraph (no text): numId 5 is the
# template's decimal "%1." list, numId 1 its bullet list (numFmt "bullet", the Symbol font's
# dot); numId 10, added below, numbers its second level "%1.%2."
_NUMBERS = {
    "button": '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="5"/></w:numPr></w:pPr>',
    "bullet": '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>',
    "outline": '<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="10"/></w:numPr></w:pPr>',
}
_OUTLINE_LIST = (
    '<w:abstractNum w:abstractNumId="10"><w:multiLevelType w:val="multilevel"/>'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
    '</w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1.%2."/></w:lvl></w:abstractNum>'
)


def _with_shapes(data: bytes) -> bytes:
    """Replace each placeholder run ``[[SHAPE:kind]]`` by the shape's markup, and each
    paragraph ``[[NUMBER:kind]]`` by an empty automatically numbered one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    xml = source.read("word/document.xml").decode("utf-8")
    counter = iter(range(1, 10_000))
    xml = re.sub(
        r"<w:r>(?:(?!<w:r>).)*?<w:t>\[\[SHAPE:([\w-]+)\]\]</w:t></w:r>",
        lambda m: _SHAPES[m.group(1)](next(counter)),
        xml,
    )
    xml = re.sub(
        r"<w:p>(?:(?!<w:p>).)*?<w:t>\[\[NUMBER:(\w+)\]\]</w:t></w:r></w:p>",
        lambda m: f"<w:p>{_NUMBERS[m.group(1)]}</w:p>",
        xml,
    )
    numbering = source.read("word/numbering.xml").decode("utf-8")
    numbering = numbering.replace("<w:num ", _OUTLINE_LIST + "<w:num ", 1).replace(
        "</w:numbering>",
        '<w:num w:numId="10"><w:abstractNumId w:val="10"/></w:num></w:numbering>',
    )
    changed = {"word/document.xml": xml, "word/numbering.xml": numbering}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = changed[item.filename].encode("utf-8") if item.filename in changed else None
            target.writestr(item, body if body is not None else source.read(item))
    return out.getvalue()
