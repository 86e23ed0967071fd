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
from bot.papers.model import Disposisi
from bot.papers.registry import DISPOSISI, PaperKind
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
