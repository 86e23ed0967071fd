"""The compiled (fast) paper render against docxtpl's: the same package, part for part.

``PaperRenderer.render`` fills templates compiled once; ``_render_with_docxtpl`` is the
reference it replaced (docxtpl and python-docx on the whole package). Every paper kind,
with the samples, with empty lists and with hostile values, must come out of both the
same: same zip members with the same bytes (core.xml up to its timestamps), and, read back
with python-docx, the same paragraphs, cells, runs, breaks, tabs, headers and footers.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import docxtpl
import pytest
from docx.document import Document as DocxDocument
from docx.opc.coreprops import CoreProperties
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError, UndefinedError
from lxml import etree

from bot.papers import render as R
from bot.papers import samples as S
from bot.papers.dates import WIB
from bot.papers.model import (
    ApprovalRecord,
    CaseInfo,
    CheckItem,
    Disposisi,
    Dokumentasi,
    DraftSkeleton,
    EventRecord,
    FileRecord,
    Letterhead,
    Official,
    Pemeriksaan,
    SkTim,
    StepTime,
    TeamMember,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")

# --- the papers ----------------------------------------------------------------------


def sample_contexts() -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (kind, context) of every sample paper bot.papers.samples offers."""
    sk = S.sample_skeleton()
    return {
        "disposisi": ("disposisi", R.disposisi_context(S.sample_disposisi())),
        "sk_tim": ("sk_tim", R.sk_tim_context(S.sample_sk_tim())),
        "pemeriksaan_returned": (
            "pemeriksaan",
            R.pemeriksaan_context(S.sample_pemeriksaan(returned=True)),
        ),
        "pemeriksaan_approved": (
            "pemeriksaan",
            R.pemeriksaan_context(S.sample_pemeriksaan(returned=False)),
        ),
        "program_kerja": ("program_kerja", R.skeleton_context(sk)),
        "rkakl": ("rkakl", R.skeleton_context(sk)),
        "penetapan_kinerja": ("penetapan_kinerja", R.skeleton_context(sk)),
        "dokumentasi": ("dokumentasi", R.dokumentasi_context(S.sample_dokumentasi())),
    }


def empty_contexts() -> dict[str, tuple[str, dict[str, Any]]]:
    """Every kind with empty values and lists: the "nothing recorded" rows and ifs."""
    head = Letterhead("", "", "", "", "")
    case = CaseInfo("", "", "", 0, "", "")
    o = Official("", "", "")
    when = datetime(2026, 1, 1)
    day = date(2026, 1, 1)
    skel = R.skeleton_context(DraftSkeleton(head, case, {}, day))
    return {
        "empty_disposisi": (
            "disposisi",
            R.disposisi_context(Disposisi(head, case, o, o, day, "", "", "", "")),
        ),
        "empty_sk_tim": (
            "sk_tim",
            R.sk_tim_context(SkTim(head, case, "", day, [], [], [], o, "")),
        ),
        "empty_pemeriksaan": (
            "pemeriksaan",
            R.pemeriksaan_context(Pemeriksaan(head, case, 0, "", o, "", when, "", "", [], [])),
        ),
        "empty_program_kerja": ("program_kerja", skel),
        "empty_rkakl": ("rkakl", skel),
        "empty_penetapan_kinerja": ("penetapan_kinerja", skel),
        "empty_dokumentasi": (
            "dokumentasi",
            R.dokumentasi_context(Dokumentasi(head, case, when, "", o, [], [], [], [])),
        ),
    }


# XML specials, Jinja and docxtpl syntax, docxtpl's own escapes, newline, tab, every kind of
# control character clean() drops, characters XML cannot hold, emoji (astral, with a
# modifier and a joiner), right-to-left text and a zero-width space.
NASTY = (
    "<b>&amp;&\"' </w:t></w:r></w:p> ]]> <![CDATA[x]]> {{ x }} {% if %} {%tr for y in z %}"
    " {# c #} {{r x }} {%p endif %} {_{ }_} {_% %_} \x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85"
    "\ud800\ufffe\uffff line\none\r\ntwo\rthree\ttab\t\ttabs 😀👍🏽👨‍👩‍👧 مرحبا \u200b end"
)
LONG = "Sangat panjang <&> sekali, " * 400  # ~10 kB in one cell


def nasty(tag: str) -> str:
    return f"{tag}:{NASTY}"


def hostile_official(tag: str) -> Official:
    return Official(nasty(f"{tag}-name") + LONG, nasty(f"{tag}-nip"), nasty(f"{tag}-pos"))


def hostile_contexts() -> dict[str, tuple[str, dict[str, Any]]]:
    """Every kind with hostile values in every field (case_no short: see the test of the
    255-character limit of the title property below)."""
    head = Letterhead(*(nasty(t) for t in ("min", "sec", "bur", "addr", "city")))
    case = CaseInfo(
        "K<&>\"'{{ x }}\t\n😀", nasty("title") + LONG, nasty("unit"), 2027, nasty("sopno"),
        nasty("sop"),
    )  # fmt: skip
    when = datetime(2026, 11, 28, 14, 5, tzinfo=WIB)
    day = date(2026, 11, 28)

    def file(i: int) -> FileRecord:
        return FileRecord(
            nasty(f"doc{i}"), f"../../{nasty('fn')}.docx", i, nasty("sha"), nasty("up"), when
        )

    disp = Disposisi(
        head, case, hostile_official("from"), hostile_official("to"), day,
        nasty("instr") + LONG, nasty("notes"), nasty("paraf"), nasty("agenda"),
    )  # fmt: skip
    sk = SkTim(
        head, case, nasty("decree"), day, [nasty("menimbang"), LONG], [nasty("mengingat")] * 3,
        [TeamMember(nasty("mem"), nasty("nip"), nasty("pos"), nasty("team"))] * 4,
        hostile_official("signer"), nasty("city2"),
    )  # fmt: skip
    rev = Pemeriksaan(
        head, case, 7, nasty("step"), hostile_official("rev"), nasty("role"), when,
        nasty("decision"), nasty("reason") + LONG,
        [CheckItem(nasty("item"), True, nasty("note")), CheckItem(nasty("item2"), False, "")],
        [file(1), file(2)],
    )  # fmt: skip
    skel = DraftSkeleton(
        head, case, {k: hostile_official(k) for k in ("karo", "kabag", "kasubag", "atasan")},
        day,
    )  # fmt: skip
    event = EventRecord(
        when, nasty("actor"), nasty("evrole"), 3, nasty("evstep"), nasty("action"), nasty("why")
    )
    approval = ApprovalRecord(nasty("kind"), hostile_official("appr"), nasty("aprole"), when, 8)
    dok = Dokumentasi(
        head, case, when, nasty("ref"), hostile_official("arch"), [file(3)], [event] * 5,
        [approval] * 2, [StepTime(1, nasty("steptime"), 30, 45), StepTime(2, LONG, 0, 5)],
    )  # fmt: skip
    return {
        "hostile_disposisi": ("disposisi", R.disposisi_context(disp)),
        "hostile_sk_tim": ("sk_tim", R.sk_tim_context(sk)),
        "hostile_pemeriksaan": ("pemeriksaan", R.pemeriksaan_context(rev)),
        "hostile_program_kerja": ("program_kerja", R.skeleton_context(skel)),
        "hostile_rkakl": ("rkakl", R.skeleton_context(skel)),
        "hostile_penetapan_kinerja": ("penetapan_kinerja", R.skeleton_context(skel)),
        "hostile_dokumentasi": ("dokumentasi", R.dokumentasi_context(dok)),
    }


PAPERS = {**sample_contexts(), **empty_contexts(), **hostile_contexts()}

# --- comparing two packages ----------------------------------------------------------


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def runs(paragraph: Any) -> list[tuple[str, bool | None, bool | None]]:
    """Text (w:br read as a newline, w:tab as a tab), bold and italic of each run."""
    return [(r.text, r.bold, r.italic) for r in paragraph.runs]


def blocks(container: Any) -> list[Any]:
    """Paragraphs (text and runs) and tables (rows of cells, each read the same way)."""
    out: list[Any] = [("p", p.text, runs(p)) for p in container.paragraphs]
    for table in container.tables:
        out.append(("table", [[blocks(cell) for cell in row.cells] for row in table.rows]))
    return out


def summary(data: bytes) -> dict[str, Any]:
    """What a reader of the paper sees, as python-docx reads it back."""
    d: DocxDocument = docx.Document(io.BytesIO(data))
    body = d.element.body
    props = d.core_properties
    return {
        "body": blocks(d),
        "tables": [[[c.text for c in r.cells] for r in t.rows] for t in d.tables],
        "sections": [
            (blocks(s.header), blocks(s.footer), s.page_width, s.page_height) for s in d.sections
        ],
        "breaks": len(body.findall(f".//{W}br")),
        "tabs": len(body.findall(f".//{W}r/{W}tab")),
        "bold": len(body.findall(f".//{W}b")),
        "italic": len(body.findall(f".//{W}i")),
        "props": (props.title, props.subject, props.author, props.comments, props.language),
    }


def assert_well_formed(data: bytes) -> None:
    """Every XML member parses with a strict parser (no recovering)."""
    for name, content in members(data).items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(content, etree.XMLParser(recover=False, huge_tree=True))


def assert_same_paper(fast: bytes, slow: bytes) -> None:
    a, b = members(fast), members(slow)
    assert next(iter(a)) == "[Content_Types].xml"
    assert sorted(a) == sorted(b)
    for name in a:
        x, y = a[name], b[name]
        if name == "docProps/core.xml":  # created/modified: the second each was made
            x, y = CORE_TIMES.sub(rb"\1T\2", x), CORE_TIMES.sub(rb"\1T\2", y)
        assert x == y, name
    assert summary(fast) == summary(slow)
    assert_well_formed(fast)


def both(renderer: R.PaperRenderer, kind: str, context: dict[str, Any]) -> tuple[bytes, bytes]:
    return renderer.render(kind, context), renderer._render_with_docxtpl(kind, context)


# --- the tests -----------------------------------------------------------------------


def test_every_bundled_template_is_compiled() -> None:
    renderer = R.PaperRenderer()
    for kind in R.TEMPLATES:
        compiled = renderer._compiled_template(kind)
        assert compiled.fast is not None, (kind, compiled.reason)
    assert docxtpl.__version__ == R._DOCXTPL_VERIFIED


def test_the_rendered_properties_are_docxtpls() -> None:
    # DocxTemplate.render_properties keeps its list in a local: its names are constants.
    consts: set[str] = set()
    for c in docxtpl.DocxTemplate.render_properties.__code__.co_consts:
        consts.update(c if isinstance(c, tuple) else [c] if isinstance(c, str) else [])
    properties = {name for name in dir(CoreProperties) if not name.startswith("_")}
    assert consts & properties == set(R._DOCXTPL_PROPERTIES)


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_fast_render_is_docxtpls(name: str) -> None:
    kind, context = PAPERS[name]
    fast, slow = both(R.PaperRenderer(), kind, context)
    assert_same_paper(fast, slow)


def test_hostile_values_are_literal_text() -> None:
    kind, context = PAPERS["hostile_disposisi"]
    d = docx.Document(io.BytesIO(R.PaperRenderer().render(kind, context)))
    text = "\n".join(p.text for p in d.paragraphs) + "\n".join(
        c.text for t in d.tables for r in t.rows for c in r.cells
    )
    assert R.clean(nasty("instr")) in text
    assert "😀👍🏽👨‍👩‍👧" in text and "{{ x }}" in text and "<b>&amp;&\"'" in text
    assert "line\none\ntwo\nthree\ttab\t\ttabs" in text


def test_raw_context_with_listing_characters() -> None:
    # Not reachable through clean() (it drops \a and \f), but render() is docxtpl's
    # there too: \a a new paragraph, \f a page break, \t a tab, \n a line break.
    kind, context = PAPERS["disposisi"]
    raw = dict(context, instruction="a\ab\fc\td\ne {_{ x }_} {_% y %_}", notes="\n\t\a\f")
    fast, slow = both(R.PaperRenderer(), kind, raw)
    assert_same_paper(fast, slow)
    assert b'w:type="page"' in members(fast)["word/document.xml"]


def test_a_title_over_255_characters_fails_as_with_docxtpl() -> None:
    # python-docx refuses a core property over 255 characters; the title holds case_no.
    kind, context = PAPERS["disposisi"]
    long = dict(context, case=dict(context["case"], case_no="K" * 300))
    renderer = R.PaperRenderer()
    with pytest.raises(ValueError, match="255"):
        renderer._render_with_docxtpl(kind, long)
    with pytest.raises(ValueError, match="255"):
        renderer.render(kind, long)


def test_errors_are_docxtpls() -> None:
    renderer = R.PaperRenderer()
    kind, context = PAPERS["sk_tim"]
    missing = {k: v for k, v in context.items() if k != "signer"}
    with pytest.raises(UndefinedError) as slow:
        renderer._render_with_docxtpl(kind, missing)
    with pytest.raises(UndefinedError) as fast:
        renderer.render(kind, missing)
    assert str(fast.value) == str(slow.value)
    assert hasattr(fast.value, "docx_context") == hasattr(slow.value, "docx_context")


def copy_templates(to: Path) -> None:
    for name in R.TEMPLATES.values():
        shutil.copy(R.DEFAULT_TEMPLATE_DIR / name, to / name)


def test_a_foreign_template_is_compiled_too(tmp_path: Path) -> None:
    # python-docx's default template (Word-made parts, other styles, no header).
    copy_templates(tmp_path)
    d = docx.Document()
    d.add_paragraph("DISPOSISI KANTOR {{ case.case_no }}\t{{ instruction }}")
    d.add_paragraph("{%p if notes %}")
    d.add_paragraph("Catatan: {{ notes }}").runs[0].bold = True
    d.add_paragraph("{%p endif %}")
    table = d.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for m in [sender, recipient] %}"
    table.cell(1, 0).text = "{{ m.name }}"
    table.cell(1, 1).text = "{{ m.position }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    d.sections[0].header.paragraphs[0].text = "Berkas {{ case.case_no }}"
    d.save(str(tmp_path / "disposisi.docx"))
    renderer = R.PaperRenderer(tmp_path)
    assert renderer._compiled_template("disposisi").fast is not None
    for name in ("disposisi", "hostile_disposisi", "empty_disposisi"):
        _, context = PAPERS[name]
        assert_same_paper(*both(renderer, "disposisi", context))


def test_a_template_without_core_properties_renders_with_docxtpl(tmp_path: Path) -> None:
    # python-docx adds a core.xml (and its content type) to such a package: not
    # reproduced, so docxtpl renders it.
    copy_templates(tmp_path)
    source = R.DEFAULT_TEMPLATE_DIR / "rkakl.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(tmp_path / "rkakl.docx", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                continue
            if info.filename == "_rels/.rels":
                data = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", data)
            if info.filename == "[Content_Types].xml":
                data = re.sub(rb'<Override PartName="/docProps/core.xml"[^>]*/>', b"", data)
            zout.writestr(info, data)
    renderer = R.PaperRenderer(tmp_path)
    compiled = renderer._compiled_template("rkakl")
    assert compiled.fast is None and "python-docx adds" in compiled.reason
    _, context = PAPERS["rkakl"]
    data = renderer.render("rkakl", context)
    assert "docProps/core.xml" in members(data)
    assert summary(data)["body"] == summary(renderer._render_with_docxtpl("rkakl", context))["body"]


def test_a_template_syntax_error_is_left_to_docxtpl(tmp_path: Path) -> None:
    copy_templates(tmp_path)
    d = docx.Document()
    d.add_paragraph("{{ case.case_no }")
    d.save(str(tmp_path / "rkakl.docx"))
    renderer = R.PaperRenderer(tmp_path)
    _, context = PAPERS["rkakl"]
    with pytest.raises(TemplateSyntaxError):
        renderer.render("rkakl", context)
    assert renderer._compiled_template("rkakl").fast is None
    assert S.check_templates(tmp_path)[0].startswith("rkakl: TemplateSyntaxError")


def test_a_changed_template_is_compiled_again(tmp_path: Path) -> None:
    copy_templates(tmp_path)
    renderer = R.PaperRenderer(tmp_path)
    kind, context = PAPERS["rkakl"]
    first = renderer._compiled_template(kind)
    assert renderer._compiled_template(kind) is first  # kept
    d = docx.Document()
    d.add_paragraph("RKAKL VERSI BARU {{ case.case_no }}")
    d.save(str(tmp_path / "rkakl.docx"))
    assert "RKAKL VERSI BARU K7" in summary(renderer.render(kind, context))["body"][0][1]
    assert renderer._compiled_template(kind) is not first


def test_concurrent_first_renders_are_all_right() -> None:
    renderer = R.PaperRenderer()  # nothing compiled yet: the threads race to compile
    names = sorted(PAPERS) * 2
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: renderer.render(*PAPERS[n]), names))
    reference = R.PaperRenderer()
    for name, data in zip(names, results, strict=True):
        assert_same_paper(data, reference._render_with_docxtpl(*PAPERS[name]))


# --- the pieces, against docxtpl's own, on arbitrary input ---------------------------

_DOCXTPL = docxtpl.DocxTemplate(io.BytesIO())

TEXT = st.lists(st.sampled_from(["x", " ", "\n", "\t", "\a", "\f", "&amp;"]), max_size=6).map(
    "".join
)


@st.composite
def paragraphs(draw: Callable[..., Any]) -> str:
    """A paragraph as docxtpl renders them: properties, runs of text."""
    runs = []
    for _ in range(draw(st.integers(0, 3))):
        props = draw(st.sampled_from(["", "<w:rPr><w:b/></w:rPr>", "<w:rPr/>"]))
        t = draw(st.sampled_from(["<w:t>", '<w:t xml:space="preserve">']))
        runs.append(f"<w:r>{props}{t}{draw(TEXT)}</w:t></w:r>")
    start = draw(st.sampled_from(["<w:p>", '<w:p w:rsidR="1">']))
    props = draw(st.sampled_from(["", "<w:pPr><w:jc/></w:pPr>"]))
    return f"{start}{props}{''.join(runs)}</w:p>"


# Paragraphs, and what might throw the matching off: empty and self-closing paragraphs,
# a "</w:p>" in a start tag, nested paragraphs, stray closes, text outside paragraphs.
NOISE = st.sampled_from(
    ["<w:p/>", '<w:p w:x="1"/>', "<w:p </w:p>", "<w:p ", "</w:p>", "<w:pPr>", ">", "<w:p>",
     "<w:tbl><w:tr><w:tc>", "</w:tc></w:tr></w:tbl>", "\n", "\t", "x", "<w:t>a\nb</w:t>"]
)  # fmt: skip


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(paragraphs(), paragraphs(), NOISE), max_size=12).map("".join))
# A "</w:p>" inside a start tag, where docxtpl's match runs on to the next one.
@example("<w:p </w:p><w:pPr><w:jc/></w:pPr><w:p><w:r><w:t>a\ab</w:t></w:r></w:p>")
@example("<w:p><w:p><w:r><w:t>a\nb</w:t></w:r></w:p><w:r><w:t>\t</w:t></w:r></w:p>")
def test_resolve_listing_is_docxtpls(xml: str) -> None:
    assert R._resolve_listing(xml) == _DOCXTPL.resolve_listing(xml)


def _cell(span: str | None, text: str = "x") -> str:
    props = "" if span is None else f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>'
    return f"<w:tc>{props}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


SPANS = st.sampled_from([None, None, None, "1", "2", "3", "0", "-1", "1.5", "x", "02", ""])


@st.composite
def bodies(draw: Callable[..., Any]) -> str:
    tables = []
    for _ in range(draw(st.integers(1, 2))):
        columns = draw(st.integers(0, 4))
        grid = "".join('<w:gridCol w:w="1000"/>' for _ in range(columns))
        rows = []
        for _ in range(draw(st.integers(0, 4))):
            if draw(st.integers(0, 2)) > 0:  # mostly a row as the grid says
                cells = [_cell(None) for _ in range(columns)]
            else:
                cells = [_cell(draw(SPANS)) for _ in range(draw(st.integers(0, 5)))]
            if cells and draw(st.integers(0, 19)) == 0:  # a table in a cell
                cells[0] = cells[0].replace(
                    "<w:p>", f"<w:tbl><w:tblGrid>{grid}</w:tblGrid><w:tr>{_cell(None)}</w:tr>"
                    "</w:tbl><w:p>", 1,
                )  # fmt: skip
            rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
        has_grid = draw(st.integers(0, 19)) > 0
        tables.append(
            "<w:tbl><w:tblPr/>"
            + (f"<w:tblGrid>{grid}</w:tblGrid>" if has_grid else "")
            + "".join(rows)
            + "</w:tbl><w:p/>"
        )
    return (
        '<w:body xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        + "".join(tables)
        + "</w:body>"
    )


def _outcome(job: Callable[[], Any]) -> Any:
    try:
        return etree.tostring(job())
    except Exception as exc:
        return type(exc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_fix_tables_is_docxtpls(xml: str) -> None:
    assert _outcome(lambda: R._fix_tables(xml)) == _outcome(lambda: _DOCXTPL.fix_tables(xml))


def test_fix_tables_check_passes_the_bundled_papers() -> None:
    # The shortcut is taken for every paper here (else docxtpl's fix_tables would run).
    renderer = R.PaperRenderer()
    for kind, context in PAPERS.values():
        fast = renderer._compiled_template(kind).fast
        assert fast is not None
        xml = R._render_part(fast.body, context)
        tree = etree.fromstring(xml, etree.XMLParser(recover=True))
        assert not R._tables_need_fix(tree), kind


def test_untouched_members_keep_their_compressed_bytes() -> None:
    # Members not rendered are the template's bytes, compressed bytes included.
    renderer = R.PaperRenderer()
    kind, context = PAPERS["dokumentasi"]
    data = renderer.render(kind, context)
    template = renderer.template_bytes(kind)
    with zipfile.ZipFile(io.BytesIO(data)) as out, zipfile.ZipFile(io.BytesIO(template)) as tpl:
        for info in out.infolist():
            if info.filename in ("word/document.xml", "word/footer1.xml", "docProps/core.xml"):
                assert info.compress_type == zipfile.ZIP_DEFLATED
                continue
            original = tpl.getinfo(info.filename)
            assert (info.CRC, info.compress_size, info.compress_type) == (
                original.CRC,
                original.compress_size,
                original.compress_type,
            )


def test_a_reason_with_line_break_and_tab() -> None:
    # The newline and tab paths of resolve_listing in a table cell.
    p = replace(S.sample_pemeriksaan(), reason="baris satu\nbaris dua\tkolom")
    fast, slow = both(R.PaperRenderer(), "pemeriksaan", R.pemeriksaan_context(p))
    assert_same_paper(fast, slow)
