"""The papers say what the SOP they run says, not what the first SOP said.

The shipped templates were made for the bureau's SOP ("Penyusunan Program Kerja, RKAKL, dan
Penetapan Kinerja Biro"); another SOP of the same form runs on them by its definition file
alone. Its Lembar Pemeriksaan carries its own Peringatan (none, when it states none), its
Dokumentasi its own Pencatatan dan Pendataan, and no template has the first SOP's texts
typed into it. Every paper is reopened as a clerk would open it (python-docx).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.table import Table

from bot.core.definition import SopDefinition
from bot.core.loader import load_definition
from bot.papers import samples as S
from bot.papers.contexts import STORAGE_FALLBACK
from bot.papers.model import CaseInfo, Dokumentasi
from bot.papers.registry import DISPOSISI, DOKUMENTASI, PAPERS, PEMERIKSAAN, SK_TIM, PaperKind
from bot.papers.render import SHIPPED_TEMPLATES, PaperRenderer
from bot.paperwork import case_info, disposisi_instruction, lower_first

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
SURAT_TUGAS = load_definition(ROOT / "tests" / "fixtures" / "sops" / "surat-tugas.toml")
RENDERER = PaperRenderer()

# The first SOP's own texts, as its definition states them.
FIRST_WARNING = SHIPPED.header.warning  # "Teliti kesesuaian setelah menuangkan ..."
FIRST_KEEPING = "data elektronik dan manual"

# A second SOP: the shipped definition with another name, code, warning and record keeping
# (as the outside reviewer's "Pengelolaan Surat Masuk" states them).
SURAT_MASUK = replace(
    SHIPPED,
    header=replace(
        SHIPPED.header,
        code="pengelolaan-surat-masuk",
        number="3/.../KU.01.00/2025",
        name="Pengelolaan Surat Masuk",
        warning="Periksa kelengkapan berkas",
        record_keeping="Disimpan sebagai data elektronik",
    ),
)


def _case(definition: SopDefinition) -> CaseInfo:
    return case_info(definition, "B3", "Surat Undangan Rapat Koordinasi", "Biro Umum", 2027)


def _cells(table: Table) -> list[str]:
    out = []
    for row in table.rows:
        for cell in row.cells:
            out.append(cell.text)
            for inner in cell.tables:
                out += _cells(inner)
    return out


def text_of(data: bytes) -> str:
    """All the text of a .docx: body, tables (nested too), headers, footers, properties."""
    d: DocxDocument = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += _cells(table)
    for section in d.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
    props = d.core_properties
    parts += [props.title, props.subject, props.keywords, props.comments]
    return "\n".join(parts)


def pemeriksaan_of(definition: SopDefinition) -> str:
    paper = replace(S.sample_pemeriksaan(), case=_case(definition))
    return text_of(RENDERER.render(PEMERIKSAAN, paper))


def _dokumentasi(definition: SopDefinition) -> Dokumentasi:
    return replace(S.sample_dokumentasi(), case=_case(definition))


def dokumentasi_of(definition: SopDefinition) -> str:
    return text_of(RENDERER.render(DOKUMENTASI, _dokumentasi(definition)))


def test_the_case_of_a_paper_carries_its_sops_warning_and_record_keeping() -> None:
    info = _case(SURAT_MASUK)
    assert info.sop_name == "Pengelolaan Surat Masuk"
    assert info.warning == "Periksa kelengkapan berkas"
    assert info.record_keeping == "Disimpan sebagai data elektronik"


def test_the_lembar_pemeriksaan_shows_the_sops_own_warning() -> None:
    text = pemeriksaan_of(SURAT_MASUK)
    assert "PERINGATAN\nPeriksa kelengkapan berkas." in text
    assert FIRST_WARNING not in text
    assert "Teliti kesesuaian" not in text


def test_the_lembar_pemeriksaan_of_the_shipped_sop_keeps_its_warning() -> None:
    text = pemeriksaan_of(SHIPPED)
    assert f"PERINGATAN\n{FIRST_WARNING}." in text


def test_an_sop_without_a_warning_gets_no_peringatan_box() -> None:
    assert SURAT_TUGAS.header.warning == ""
    data = RENDERER.render(PEMERIKSAAN, replace(S.sample_pemeriksaan(), case=_case(SURAT_TUGAS)))
    text = text_of(data)
    assert "PERINGATAN" not in text and "Teliti kesesuaian" not in text
    # no empty bordered, shaded box is left where the warning was
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert 'w:fill="F2F2F2"' not in body.split("Hasil Pemeriksaan")[1]
    assert "Pemeriksa," in text  # the signature beside it stays


def test_the_dokumentasi_keeps_the_records_as_the_sop_says() -> None:
    d = docx.Document(io.BytesIO(RENDERER.render(DOKUMENTASI, _dokumentasi(SURAT_MASUK))))
    assert ["Penyimpanan", ":", "Data elektronik"] in [
        [c.text for c in r.cells] for r in d.tables[0].rows
    ]
    text = dokumentasi_of(SURAT_MASUK)
    assert "dibuat dengan sebenarnya untuk disimpan sebagai data elektronik." in text
    assert FIRST_KEEPING not in text.lower()
    assert d.core_properties.subject == "Dokumentasi Pengelolaan Surat Masuk"


def test_the_dokumentasi_of_the_shipped_sop_reads_as_before() -> None:
    text = dokumentasi_of(SHIPPED)
    assert "Penyimpanan\n:\nData elektronik dan manual" in text
    assert "untuk disimpan sebagai data elektronik dan manual." in text


def test_an_sop_without_record_keeping_gets_the_fallback() -> None:
    assert SURAT_TUGAS.header.record_keeping == ""
    text = dokumentasi_of(SURAT_TUGAS)
    assert f"Penyimpanan\n:\n{STORAGE_FALLBACK}" in text
    assert "untuk disimpan sesuai ketentuan kearsipan." in text
    assert FIRST_KEEPING not in text.lower()


@pytest.mark.parametrize(
    ("keeping", "row", "closing"),
    [
        (
            "Disimpan sebagai data elektronik.",
            "Data elektronik",
            "disimpan sebagai data elektronik",
        ),
        (
            "Disimpan di lemari arsip Bagian Umum",
            "Disimpan di lemari arsip Bagian Umum",
            "disimpan di lemari arsip Bagian Umum",
        ),
        (
            "Arsip elektronik (SIKD)",
            "Arsip elektronik (SIKD)",
            "disimpan sebagai arsip elektronik (SIKD)",
        ),
        (
            "SIKD dan arsip manual",
            "SIKD dan arsip manual",
            "disimpan sebagai SIKD dan arsip manual",
        ),
    ],
)
def test_record_keeping_worded_otherwise_reads_right(keeping: str, row: str, closing: str) -> None:
    definition = replace(SURAT_MASUK, header=replace(SURAT_MASUK.header, record_keeping=keeping))
    text = dokumentasi_of(definition)
    assert f"Penyimpanan\n:\n{row}\n" in text
    assert f"dibuat dengan sebenarnya untuk {closing}." in text


# The first SOP's own words: its name, its warning and record keeping, its roles' titles.
# The three draft skeletons (Program Kerja, RKAKL, Penetapan Kinerja) are papers *of* those
# documents and keep their names; nothing else may carry them.
FIRST_SOP_WORDS = [
    "Teliti kesesuaian",
    "elektronik dan manual",
    "Program Kerja",
    "RKAKL",
    "Penetapan Kinerja",
    "Tim Penyusunan",
    "Manajemen Kinerja",
    "Perencanaan",
    "Biro",
    *(role.title for role in SHIPPED.roles if role.title != "Fungsional Umum"),
]
SKELETONS = {"program_kerja", "rkakl", "penetapan_kinerja"}


def template_text(path: Path) -> str:
    """The text of a template: every XML part (body, headers, footers, properties)."""
    with zipfile.ZipFile(path) as z:
        parts = [n for n in z.namelist() if n.endswith(".xml") and not n.startswith("customXml")]
        xml = " ".join(z.read(n).decode("utf-8") for n in parts)
    return re.sub(r"<[^>]+>", "", xml)


@pytest.mark.parametrize("name", sorted(set(PAPERS) - SKELETONS))
def test_no_template_has_the_first_sops_texts_typed_into_it(name: str) -> None:
    text = template_text(SHIPPED_TEMPLATES / PAPERS[name].template)
    found = [word for word in FIRST_SOP_WORDS if word.lower() in text.lower()]
    assert found == []


@pytest.mark.parametrize("name", sorted(SKELETONS))
def test_the_skeletons_name_only_their_own_documents(name: str) -> None:
    text = template_text(SHIPPED_TEMPLATES / PAPERS[name].template)
    others = ["Teliti kesesuaian", "elektronik dan manual", "Tim Penyusunan", "Biro"]
    assert [word for word in others if word.lower() in text.lower()] == []


# A third SOP whose cases run in a year of activities, not a budget year (as the
# fixture "surat-tugas-tim" states it with `year_label`).
KEGIATAN = replace(SURAT_MASUK, header=replace(SURAT_MASUK.header, year_label="Tahun Kegiatan"))
YEAR_PAPERS: dict[str, tuple[PaperKind[Any], Callable[[], Any]]] = {
    "disposisi": (DISPOSISI, S.sample_disposisi),
    "sk_tim": (SK_TIM, S.sample_sk_tim),
    "pemeriksaan": (PEMERIKSAAN, S.sample_pemeriksaan),
    "dokumentasi": (DOKUMENTASI, S.sample_dokumentasi),
}


@pytest.mark.parametrize("name", sorted(YEAR_PAPERS))
def test_the_generic_papers_call_the_year_what_the_sop_calls_it(name: str) -> None:
    kind, sample = YEAR_PAPERS[name]
    text = text_of(RENDERER.render(kind, replace(sample(), case=_case(KEGIATAN))))
    assert re.search(r"(?i)tahun kegiatan 2027", text)
    typed = template_text(SHIPPED_TEMPLATES / kind.template)
    assert not re.search(r"(?i)tahun anggaran|\bTA\b", typed)


@pytest.mark.parametrize("name", sorted(YEAR_PAPERS))
def test_the_shipped_sops_papers_still_say_tahun_anggaran(name: str) -> None:
    kind, sample = YEAR_PAPERS[name]
    text = text_of(RENDERER.render(kind, replace(sample(), case=_case(SHIPPED))))
    assert re.search(r"(?i)tahun anggaran 2027", text)


def test_a_disposisi_up_to_karo_asks_for_direction_and_one_down_instructs() -> None:
    """Kabag passes the proposal up to Karo: the sheet asks for his direction and approval,
    as a paper to a superior does. Karo's to Kabag and Kabag's to Kasubag instruct, in
    lower case after the colon."""
    step = {s.id: s for s in SHIPPED.steps}
    up = disposisi_instruction(SHIPPED, "kabag", step[3])
    assert up.startswith("Dengan hormat disampaikan usulan") and "arahan dan persetujuan" in up
    assert "Mohon ditindaklanjuti" not in up
    down = disposisi_instruction(SHIPPED, "karo", step[4])
    assert down == "Mohon ditindaklanjuti: memerintahkan Kasubag untuk membentuk Tim Penyusunan."
    assert disposisi_instruction(SHIPPED, "kabag", step[5]).endswith(": membentuk Tim Penyusunan.")


def test_an_instruction_keeps_an_abbreviation_that_opens_it() -> None:
    assert lower_first("RKAKL disusun bersama") == "RKAKL disusun bersama"
    assert lower_first("Menyusun RKAKL") == "menyusun RKAKL"


def test_the_sk_tims_mengingat_writes_the_sops_regulations_in_full() -> None:
    """The SOP's Dasar Hukum abbreviates ("UU No. 39 Tahun 2008", "Permenaker No. 13 ...");
    a decree writes the kind of each regulation in full, ends each item with ";" and the
    last with "."."""
    paper = replace(S.sample_sk_tim(), mengingat=list(SHIPPED.header.legal_basis))
    text = text_of(RENDERER.render(SK_TIM, paper))
    assert "1.\nUndang-Undang Nomor 39 Tahun 2008 tentang Kementerian Negara;" in text
    assert "Peraturan Menteri Ketenagakerjaan Nomor 13 Tahun 2015 tentang Organisasi" in text
    assert "Tata Naskah Dinas di Kementerian Ketenagakerjaan.\n" in text
    assert not re.search(r"\b(UU|PP|Permenaker) No\b", text)
