"""The papers keep together what belongs together at extreme values: a label with what it
labels, a signature with the text it signs. The templates say so the way Word does (a
paragraph that keeps with the next and its lines together, a row that cannot break across
pages, a header row repeated on every page), so a paper opened in Word or LibreOffice
breaks its pages in the right places; what the layout holds is checked in the .docx the
renderer writes and, when LibreOffice is installed, on the pages of its PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from dataclasses import replace
from typing import Any

import pytest
from lxml import etree

from bot.papers import samples as S
from bot.papers.model import Disposisi, DraftSkeleton, SkTim, TeamMember
from bot.papers.registry import (
    DISPOSISI,
    DOKUMENTASI,
    PAPERS,
    PENETAPAN_KINERJA,
    PROGRAM_KERJA,
    RKAKL,
    SK_TIM,
    PaperKind,
)
from bot.papers.render import PaperRenderer

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RENDERER = PaperRenderer()

# --- reading the layout of a paper -------------------------------------------------


def body(data: bytes) -> Any:
    """The body of a rendered paper's document.xml."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml")).find(W + "body")


def xml_text(element: Any) -> str:
    return "".join(t.text or "" for t in element.iter(W + "t"))


def row_with(table: Any, needle: str) -> Any:
    for tr in table.iter(W + "tr"):
        if needle in xml_text(tr):
            return tr
    raise AssertionError(f"no row with {needle!r}")


def keeps_with_next(element: Any) -> bool:
    """Every paragraph of a paragraph or row keeps with the next and its lines together."""
    paragraphs = [element] if element.tag == W + "p" else list(element.iter(W + "p"))
    return bool(paragraphs) and all(
        p.find(f"{W}pPr/{W}keepNext") is not None and p.find(f"{W}pPr/{W}keepLines") is not None
        for p in paragraphs
    )


def cannot_split(row: Any) -> bool:
    return row.find(f"{W}trPr/{W}cantSplit") is not None


def render(kind: PaperKind[Any], record: Any) -> bytes:
    return RENDERER.render(kind, record)


# --- LibreOffice: the pages of the PDF ----------------------------------------------


@pytest.fixture(scope="module")
def pdf_pages(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``pages(name, data)``: the text of each page of the paper's PDF, as LibreOffice lays
    it out (skipped when LibreOffice or pdftotext is not installed). Where a page breaks
    depends on the fonts installed: the tests check what stays together, not where."""
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the page layout is not checked")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the page layout is not checked")
    out = tmp_path_factory.mktemp("layout")
    profile = (out / "profile").as_uri()

    def pages(name: str, data: bytes) -> list[str]:
        (out / f"{name}.docx").write_bytes(data)
        subprocess.run(
            [
                soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                "--outdir", str(out), str(out / f"{name}.docx"),
            ],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        text = subprocess.run(
            [pdftotext, str(out / f"{name}.pdf"), "-"],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout  # fmt: skip
        return [" ".join(page.split()) for page in text.split("\f") if page.strip()]

    return pages


def page_with(pages: list[str], needle: str) -> str:
    (page,) = [p for p in pages if needle in p]
    return page


# --- Lembar Disposisi: a long instruction --------------------------------------------

_FILLER = (
    "Mohon segera ditindaklanjuti dengan memperhatikan ketentuan peraturan "
    "perundang-undangan yang berlaku serta koordinasi dengan unit terkait agar penyusunan "
    "dokumen perencanaan tepat waktu dan berkualitas sesuai arahan pimpinan."
)


def long_disposisi(words: int) -> Disposisi:
    """The sample with an instruction of ``words`` words, its first word "Pertama"."""
    filler = _FILLER.split()
    text = " ".join(["Pertama,", *(filler[i % len(filler)] for i in range(words - 1))])
    return replace(S.sample_disposisi(), instruction=text)


def test_a_long_instruction_starts_under_its_label_and_the_paraf_keeps_with_the_catatan() -> None:
    """The row "Diteruskan kepada / Isi Disposisi" keeps with the instruction below it, and
    the instruction may break across pages (a row that may not would leave the labels alone
    at the foot of page 1, the instruction on page 2); the Catatan, the paraf and the closing
    line keep together."""
    paper = long_disposisi(400)
    (table,) = body(render(DISPOSISI, paper)).findall(W + "tbl")
    label = row_with(table, "Diteruskan kepada")
    instruction = row_with(table, "Pertama,")
    assert keeps_with_next(label) and cannot_split(label)
    assert not cannot_split(instruction)
    assert xml_text(instruction).endswith(paper.instruction)
    for needle in ("Catatan", "Paraf"):
        row = row_with(table, needle)
        assert keeps_with_next(row) and cannot_split(row), needle
    # the rows above keep their own lines together, and only those rows keep with the next
    rows = list(table.iter(W + "tr"))
    assert [keeps_with_next(r) for r in rows] == [False] * 4 + [True, False, True, True]
    assert all(cannot_split(r) for r in rows if r is not instruction)


@pytest.mark.parametrize("words", [100, 180, 400])
def test_a_long_instruction_on_the_pages_of_the_pdf(pdf_pages: Any, words: int) -> None:
    """180 words left "Diteruskan kepada: / Isi Disposisi / Instruksi:" alone at the foot of
    page 1 and the instruction on page 2; 100 words the paraf alone on page 2."""
    pages = pdf_pages(f"disposisi_{words}", render(DISPOSISI, long_disposisi(words)))
    labelled = page_with(pages, "Diteruskan kepada:")
    assert "Pertama," in labelled and "Dr. Hendra Wijaya Kusuma, S.E., M.Si." in labelled
    signed = page_with(pages, "Paraf:")
    assert "Catatan:" in signed and "SRL" in signed and "Lembar disposisi ini dibuat" in signed
    assert pages.index(signed) == len(pages) - 1


# --- SK Tim: a large team ------------------------------------------------------------


def large_team(members: int, *, one_line: bool = False) -> SkTim:
    """The sample SK with a team of ``members``: the sample's five over and over, or one
    line each ("Pegawai 7", "Analis Perencanaan")."""
    sample = S.sample_sk_tim()
    if one_line:
        team = [
            TeamMember(f"Pegawai {i}", "199402142020121005", "Anggota", "Analis Perencanaan")
            for i in range(1, members + 1)
        ]
    else:
        team = [sample.members[i % len(sample.members)] for i in range(members)]
    return replace(sample, members=team)


def signature_row(table: Any) -> Any:
    """The last row of a table that holds the signature under it: one cell across the
    table, without borders, that cannot break across pages."""
    row = table.findall(W + "tr")[-1]
    (cell,) = row.findall(W + "tc")
    borders = cell.find(f"{W}tcPr/{W}tcBorders")
    assert cell.find(f"{W}tcPr/{W}gridSpan").get(W + "val") == str(
        len(table.findall(f"{W}tblGrid/{W}gridCol"))
    )
    assert [b.get(W + "val") for b in borders] == ["nil"] * 4
    assert cannot_split(row)
    return row


def test_the_last_member_keeps_with_the_signature_of_the_lampiran() -> None:
    """The row of the last member, and only that row, keeps with the signature, the table's
    last row (a team of a few pages still breaks between its rows; LibreOffice keeps a
    table with the paragraph after it only while the table has not run onto another page,
    and keeps a row with the next on any page); the header row is repeated on every page;
    the last Diktum keeps with the decree's signature, the last row of the Diktum's table."""
    paper = large_team(25)
    tables = body(render(SK_TIM, paper)).findall(W + "tbl")
    (team,) = [t for t in tables if "Kedudukan dalam Tim" in xml_text(t)]
    header, *rows, signature = team.findall(W + "tr")
    assert header.find(f"{W}trPr/{W}tblHeader") is not None and cannot_split(header)
    assert [xml_text(r.find(W + "tc")) for r in rows] == [f"{i}." for i in range(1, 26)]
    assert [keeps_with_next(r) for r in rows] == [False] * 24 + [True]
    assert all(cannot_split(r) for r in rows)
    assert xml_text(rows[-1]).startswith(f"25.{paper.members[-1].name}")
    assert signature is signature_row(team)
    assert [xml_text(p) for p in signature.iter(W + "p")] == [
        "KEPALA BIRO PERENCANAAN DAN MANAJEMEN KINERJA,", "", "", "", "",
        "Dr. Hendra Wijaya Kusuma, S.E., M.Si.", "NIP 19720412 199803 1 002",
    ]  # fmt: skip
    (diktum,) = [t for t in tables if "KETIGA" in xml_text(t)]
    assert keeps_with_next(row_with(diktum, "KETIGA"))
    assert not keeps_with_next(row_with(diktum, "KEDUA"))
    signed = signature_row(diktum)
    assert signed.getprevious() is row_with(diktum, "KETIGA")
    assert xml_text(signed).startswith("Ditetapkan di Jakartapada tanggal 5 November 2026")
    assert xml_text(signed).endswith("NIP 19720412 199803 1 002")


def test_a_team_without_members_keeps_its_line_with_the_signature() -> None:
    (team,) = [
        t
        for t in body(render(SK_TIM, large_team(0))).findall(W + "tbl")
        if "Kedudukan dalam Tim" in xml_text(t)
    ]
    empty = row_with(team, "Belum ada anggota tim.")
    assert keeps_with_next(empty) and empty.getnext() is signature_row(team)


@pytest.mark.parametrize(
    ("members", "one_line"), [(16, False), (30, True), (42, False), (46, False)]
)
def test_the_lampirans_signature_is_never_alone_on_its_page(
    pdf_pages: Any, members: int, one_line: bool
) -> None:
    """16 members of the sample (30 of one line each) filled the Lampiran's page, and its
    signature went alone to the next: the last member goes over with it. 42 to 46 members
    of the sample run the team onto a second page and fill it: LibreOffice (7.4) keeps the
    row of a table's second page with the paragraph after it no longer, and the signature
    went alone to a fifth page while it stood under the team; it is the team's last row."""
    paper = large_team(members, one_line=one_line)
    pages = pdf_pages(f"sk_tim_{members}", render(SK_TIM, paper))
    last = pages[-1]
    assert last.count("KEPALA BIRO PERENCANAAN DAN MANAJEMEN KINERJA,") == 1
    assert last.endswith(f"NIP 19720412 199803 1 002 Halaman {len(pages)} dari {len(pages)}")
    # the last member's row (its cells come out of the PDF one after another)
    assert f"{members}." in last and paper.members[-1].name in last


@pytest.mark.parametrize("duties", [13, 17])
def test_the_decrees_signature_is_never_alone_on_its_page(pdf_pages: Any, duties: int) -> None:
    """13 to 17 duties in Diktum KEDUA run the Diktum's table onto the decree's third page
    with KETIGA, and its signature went alone to a page of its own, KETIGA on the page
    before: "Ditetapkan di ..." and the signature are the table's last row."""
    sample = S.sample_sk_tim()
    paper = replace(sample, duties=[S.TEAM_DUTIES[i % len(S.TEAM_DUTIES)] for i in range(duties)])
    pages = pdf_pages(f"sk_tim_duties_{duties}", render(SK_TIM, paper))
    signed = page_with(pages, "Ditetapkan di Jakarta")
    assert "KETIGA : Keputusan ini mulai berlaku pada tanggal ditetapkan." in signed
    assert "Dr. Hendra Wijaya Kusuma, S.E., M.Si. NIP 19720412 199803 1 002" in signed


# --- Dokumentasi: a long history ------------------------------------------------------


def long_history(events: int) -> Any:
    """The sample Dokumentasi with a history of ``events`` (the sample's over and over)."""
    sample = S.sample_dokumentasi()
    return replace(sample, events=[sample.events[i % len(sample.events)] for i in range(events)])


def test_the_dokumentasis_signature_is_one_row_that_cannot_break() -> None:
    """The archivist's signature (place and date to NIP) is the one row of a table without
    borders that cannot break across pages, right after "Demikian ...", which keeps with it."""
    elements = list(body(render(DOKUMENTASI, long_history(24))))
    (closing,) = [el for el in elements if xml_text(el).startswith("Demikian dokumentasi")]
    assert closing.find(f"{W}pPr/{W}keepNext") is not None
    table = closing.getnext()
    assert table.tag == W + "tbl" and table.find(f"{W}tblPr/{W}tblStyle") is None
    (row,) = table.findall(W + "tr")
    assert row is signature_row(table)
    assert [xml_text(p) for p in row.iter(W + "p")] == [
        "Jakarta, 16 November 2026", "Yang mendokumentasikan,", "Arsiparis Pelaksana,",
        "", "", "", "", "Rina Marlina, A.Md.", "NIP 19910708 201902 2 003",
    ]  # fmt: skip


@pytest.mark.parametrize("events", [23, 24, 72])
def test_the_dokumentasis_signature_is_never_cut_in_two(pdf_pages: Any, events: int) -> None:
    """A history of 23, 24 or 72 events left the archivist's name and NIP alone on the last
    page, the place, date and position on the page before (LibreOffice broke the chain of
    paragraphs that keep with the next)."""
    pages = pdf_pages(f"dokumentasi_{events}", render(DOKUMENTASI, long_history(events)))
    signed = page_with(pages, "Yang mendokumentasikan,")
    assert pages.index(signed) == len(pages) - 1
    assert "Demikian dokumentasi ini dibuat dengan sebenarnya" in signed
    assert "Rina Marlina, A.Md. NIP 19910708 201902 2 003" in signed


def test_the_dokumentasis_time_basis_is_the_last_row_of_table_d() -> None:
    """The sentence that says table D counts working time ("1 hari = 8 jam kerja") is the
    table's last row, without borders, and the Jumlah row keeps with it."""
    tables = body(render(DOKUMENTASI, S.sample_dokumentasi())).findall(W + "tbl")
    (table_d,) = [t for t in tables if "Jumlah (Norma Waktu)" in xml_text(t)]
    *_, total, basis = table_d.findall(W + "tr")
    assert xml_text(total).startswith("Jumlah (Norma Waktu)") and keeps_with_next(total)
    assert basis is signature_row(table_d)
    assert xml_text(basis).startswith("Waktu dihitung dalam waktu kerja")


@pytest.mark.parametrize("events", [27, 60])
def test_the_time_basis_stays_under_table_d(pdf_pages: Any, events: int) -> None:
    """A history of 27 or 60 events ended table D at the foot of a page, and its time basis
    went over to the next with "Demikian ..." and the signature, away from the table."""
    pages = pdf_pages(f"dokumentasi_basis_{events}", render(DOKUMENTASI, long_history(events)))
    basis = page_with(pages, "1 hari = 8 jam kerja")
    assert "Jumlah (Norma Waktu)" in basis


# --- every paper: a table's header row -----------------------------------------------


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_a_header_row_keeps_with_the_row_below_it(name: str) -> None:
    """A header row repeated at the top of each page (Word's "Repeat as header row") keeps
    with the row below it and cannot break: the heading above a table keeps with the header
    row, so in Word a long list could leave the heading and the header row at the foot of a
    page and its first row on the next (LibreOffice never splits a table right under its
    repeated header rows; Word does unless the row keeps with the next)."""
    kind = PAPERS[name]
    headers = [
        tr
        for tr in body(render(kind, kind.sample())).iter(W + "tr")
        if tr.find(f"{W}trPr/{W}tblHeader") is not None
    ]
    assert headers or name == "disposisi"
    for tr in headers:
        assert keeps_with_next(tr) and cannot_split(tr), (name, xml_text(tr))


# --- the blank drafts: the closing text and the signature ----------------------------

DRAFTS = {"program_kerja": PROGRAM_KERJA, "rkakl": RKAKL, "penetapan_kinerja": PENETAPAN_KINERJA}
# what stands right above the place and date of each signature
CLOSING = {
    "program_kerja": ["[Kesimpulan dan harapan atas pelaksanaan Program Kerja ini.]"],
    "rkakl": ["Keterangan: biaya dalam rupiah;"],
    "penetapan_kinerja": ["PIHAK KEDUA akan melakukan supervisi", "JUMLAH"],
}


_NAMES = "Perencanaan Manajemen Kinerja Organisasi Tata Laksana Hubungan Masyarakat Kerja Sama"


def long_skeleton(words: int) -> DraftSkeleton:
    """The sample drafts of an office whose names run to ``words`` more words: the
    letterhead, the unit and the signers' positions (they are in the kop, the text and over
    the signatures)."""
    sample = S.sample_skeleton()
    names = _NAMES.split()
    more = " ".join(names[i % len(names)] for i in range(words))
    letterhead = replace(
        sample.letterhead,
        ministry=f"KEMENTERIAN {more.upper()}",
        secretariat=f"SEKRETARIAT {more.upper()}",
        bureau=f"BIRO {more.upper()}",
    )
    officials = dict(sample.officials)
    officials["karo"] = replace(officials["karo"], position=f"Kepala Biro {more}")
    officials["atasan"] = replace(officials["atasan"], position=f"Sekretaris {more}")
    case = replace(sample.case, unit=f"Biro {more}")
    return replace(sample, letterhead=letterhead, case=case, officials=officials)


@pytest.mark.parametrize("name", sorted(DRAFTS))
def test_the_drafts_closing_text_keeps_with_its_signature(name: str) -> None:
    """The paragraph or the table row right above "{{ kop.city }}, {{ date }}" keeps with
    it (which keeps with the signature), and the Paraf hierarki's rows stay together."""
    paper = body(render(DRAFTS[name], S.sample_skeleton()))
    elements = list(paper)
    places = [i for i, el in enumerate(elements) if xml_text(el).startswith("Jakarta, 6 November")]
    assert len(places) == len(CLOSING[name])
    for i, closing in zip(places, CLOSING[name], strict=True):
        above = elements[i - 1]
        if above.tag == W + "tbl":
            above = above.findall(W + "tr")[-1]
        assert xml_text(above).startswith(closing), xml_text(above)
        assert keeps_with_next(above)
        assert elements[i].find(f"{W}pPr/{W}keepNext") is not None  # as it did already
    (paraf,) = [el for el in elements if xml_text(el) == "Paraf hierarki:"]
    rows = paraf.getnext().findall(W + "tr")
    assert [keeps_with_next(r) for r in rows] == [True] * (len(rows) - 1) + [False]


@pytest.mark.parametrize(
    ("name", "words"), [("program_kerja", 48), ("rkakl", 24), ("penetapan_kinerja", 78)]
)
def test_no_signature_of_a_draft_begins_a_page(pdf_pages: Any, name: str, words: int) -> None:
    """Long names (the letterhead, the unit, the positions) pushed the place, date and
    signature of each draft over to a page of their own, the text they sign on the page
    before."""
    pages = pdf_pages(f"{name}_{words}", render(DRAFTS[name], long_skeleton(words)))
    header = "DRAF untuk diperiksa · Berkas K7 · 6 November 2026 "
    signed = [p.removeprefix(header) for p in pages if "Jakarta, 6 November 2026" in p]
    assert len(signed) == len(CLOSING[name])
    for page in signed:
        assert not page.startswith("Jakarta, 6 November 2026"), page[:200]
        assert "NIP 19720412 199803 1 002" in page
