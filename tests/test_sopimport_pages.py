"""A form printed or saved over two pages: the activity table split by a page break.

In Word the table goes on in a second table, with or without its heading repeated; in the
portal's text export the heading comes again, a page line ("Halaman 1 dari 2") sits between
the rows and a long Kegiatan wraps onto a line without a number. The administrator gets every
step, as on paper, or a refusal saying what does not fit: never a draft with steps missing.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_BREAK
from sopimport_forms import DIAMOND, PROCESS, Form, Row, to_docx, to_text
from test_sopimport import flow, imported

from bot.sopimport import ImportFailure, draft_toml

ROLES = (
    "Pengadministrasi Umum",
    "Kepala Sub Bagian Tata Usaha",
    "Kabag Umum",
    "Karo Umum",
    "Arsiparis",
)
P, K, B, R, A = ROLES


def surat_masuk() -> Form:
    """Nine steps: long enough that a printed table runs onto a second page after step 5."""
    rows = [
        Row("menerima surat masuk, mencatat dalam buku agenda dan memindai surat, menyampaikan "
            "kepada Kepala Sub Bagian Tata Usaha.", (P,), PROCESS, "Surat Masuk", "30 menit",
            "Agenda Surat, Pindaian Surat"),
        Row("memeriksa surat dan agenda. Jika setuju menyampaikan kepada Kabag Umum, jika tidak "
            "setuju dikembalikan kepada Pengadministrasi Umum untuk diperbaiki.", (K,), DIAMOND,
            "Agenda Surat, Pindaian Surat", "1 jam", "Agenda Surat, Pindaian Surat"),
        Row("memeriksa surat. Jika setuju menyampaikan kepada Karo Umum, jika tidak setuju "
            "dikembalikan kepada Kepala Sub Bagian Tata Usaha untuk diperbaiki.", (B,), DIAMOND,
            "Agenda Surat, Pindaian Surat", "2 jam", "Agenda Surat, Pindaian Surat"),
        Row("memberikan disposisi dan memerintahkan Kabag Umum untuk menindaklanjuti surat.",
            (R,), PROCESS, "Agenda Surat, Pindaian Surat", "1 hari", "Disposisi"),
        Row("memerintahkan Kepala Sub Bagian Tata Usaha untuk menyiapkan konsep surat balasan.",
            (B,), PROCESS, "Disposisi", "30 menit", "Disposisi"),
        Row("menyusun konsep surat balasan dan menyampaikan kepada Kabag Umum.", (K,), PROCESS,
            "Disposisi, Pindaian Surat", "1 minggu", "Konsep Surat Balasan",
            "SOP Tata Naskah Dinas"),
        Row("memeriksa konsep surat balasan. Jika setuju memberi paraf dan menyampaikan kepada "
            "Karo Umum, jika tidak setuju dikembalikan kepada Kepala Sub Bagian Tata Usaha untuk "
            "diperbaiki.", (B,), DIAMOND, "Konsep Surat Balasan", "2 jam", "Konsep Surat Balasan"),
        Row("memeriksa konsep surat balasan. Jika setuju menandatangani dan menyerahkan kepada "
            "Arsiparis, jika tidak setuju dikembalikan kepada Kabag Umum untuk diperbaiki.", (R,),
            DIAMOND, "Konsep Surat Balasan", "1 hari", "Surat Balasan"),
        Row("mengarsipkan surat masuk dan surat balasan.", (A,), PROCESS,
            "Surat Balasan, Pindaian Surat", "30 menit", "Arsip Surat", "SOP Pengarsipan"),
    ]  # fmt: skip
    return Form(
        name="Pengelolaan Surat Masuk",
        roles=ROLES,
        rows=rows,
        related=("SOP Tata Naskah Dinas", "SOP Pengarsipan"),
    )


HEADING_ROWS = 3  # the two heading rows and the row numbering the columns


def split_in_word(
    folder: Path,
    *,
    repeat_heading: bool = False,
    other_role: str = "",
    drop_first_rows: int = 0,
    drop_last_column: bool = False,
    after: int = 5,
) -> bytes:
    """The Surat Masuk form whose activity table goes on, after a page break, in a second
    Word table holding the steps after ``after``: with the heading repeated or not, and spoilt
    as asked (a role heading renamed, rows lost at the top, the Ket column left out)."""
    doc = Document(io.BytesIO(to_docx(surat_masuk(), folder)))
    first = doc.tables[-1]._tbl
    second = copy.deepcopy(first)
    kept = HEADING_ROWS + after
    for tr in second.tr_lst[HEADING_ROWS if repeat_heading else 0 : kept + drop_first_rows]:
        second.remove(tr)
    for tr in first.tr_lst[kept:]:
        first.remove(tr)
    if drop_last_column:
        for tr in second.tr_lst:
            tr.remove(tr.tc_lst[-1])
    page_break = doc.add_paragraph("")
    page_break.add_run().add_break(WD_BREAK.PAGE)
    page_break._p.addnext(second)
    if other_role:
        doc.tables[-1].cell(1, 2).text = other_role
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def whole_in_word(folder: Path) -> bytes:
    return to_docx(surat_masuk(), folder)


# -- Word --------------------------------------------------------------------------------


def test_a_word_table_going_on_after_a_page_break_without_its_heading_keeps_every_step(
    tmp_path: Path,
) -> None:
    split = imported("surat-masuk.docx", split_in_word(tmp_path))
    whole = imported("surat-masuk.docx", whole_in_word(tmp_path))
    assert len(split[0].steps) == 9
    assert flow(split[0]) == flow(whole[0])
    assert split[2] == whole[2]  # the same draft, word for word


def test_a_word_table_going_on_with_its_heading_repeated_keeps_every_step(
    tmp_path: Path,
) -> None:
    split = imported("surat-masuk.docx", split_in_word(tmp_path, repeat_heading=True))
    assert split[2] == imported("surat-masuk.docx", whole_in_word(tmp_path))[2]


def test_a_second_table_whose_heading_names_other_roles_is_refused_not_dropped(
    tmp_path: Path,
) -> None:
    data = split_in_word(tmp_path, repeat_heading=True, other_role="Staf Tata Usaha")
    with pytest.raises(ImportFailure) as refused:
        draft_toml("surat-masuk.docx", data)
    message = str(refused.value)
    assert "tabel ke-4" in message and "kolom Pelaksana lain" in message
    assert "Staf Tata Usaha" in message and "Pengadministrasi Umum" in message


def test_a_second_table_naming_the_same_roles_in_capitals_is_the_rest_of_the_table(
    tmp_path: Path,
) -> None:
    data = split_in_word(tmp_path, repeat_heading=True, other_role="PENGADMINISTRASI UMUM")
    assert len(imported("surat-masuk.docx", data)[0].steps) == 9


def test_a_second_table_that_starts_after_missing_steps_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFailure) as refused:
        draft_toml("surat-masuk.docx", split_in_word(tmp_path, drop_first_rows=1))
    message = str(refused.value)
    assert "tabel ke-4" in message and "langkah 7, bukan langkah 6" in message


def test_a_second_table_with_other_columns_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFailure) as refused:
        draft_toml("surat-masuk.docx", split_in_word(tmp_path, drop_last_column=True))
    message = str(refused.value)
    assert "tabel ke-4" in message and "jumlah kolomnya 10, bukan 11" in message


def test_a_table_after_the_steps_that_is_no_continuation_is_left_alone(tmp_path: Path) -> None:
    doc = Document(io.BytesIO(whole_in_word(tmp_path)))
    signatures = doc.add_table(rows=2, cols=2)
    signatures.cell(0, 0).text = "Mengetahui"
    signatures.cell(1, 1).text = "Kepala Biro Umum"
    out = io.BytesIO()
    doc.save(out)
    assert (
        imported("surat-masuk.docx", out.getvalue())[2]
        == imported("surat-masuk.docx", whole_in_word(tmp_path))[2]
    )


# -- the text export ---------------------------------------------------------------------


def text_lines() -> list[str]:
    return to_text(surat_masuk()).splitlines()


def at_step(lines: list[str], number: int) -> int:
    return next(n for n, line in enumerate(lines) if line.startswith(f"{number}\t"))


def test_a_text_export_over_two_pages_reads_as_one_table() -> None:
    lines = text_lines()
    heading = next(n for n, line in enumerate(lines) if line.startswith("No.\t"))
    six = at_step(lines, 6)
    paged = [
        *lines[:six],
        "Halaman 1 dari 2",
        *lines[heading : heading + HEADING_ROWS],  # the heading printed again on page 2
        *lines[six:],
        "Halaman 2 dari 2",
    ]
    split = imported("surat-masuk.txt", "\n".join(paged).encode())
    assert split[2] == imported("surat-masuk.txt", "\n".join(lines).encode())[2]


def test_a_kegiatan_wrapped_onto_a_line_without_a_number_joins_its_step() -> None:
    lines = text_lines()
    five = at_step(lines, 5)
    cells = lines[five].split("\t")
    cells[1] = "memerintahkan Kepala Sub Bagian Tata Usaha untuk menyiapkan"
    wrapped = ["", "konsep surat balasan.", *[""] * (len(cells) - 2)]
    lines[five : five + 1] = ["\t".join(cells), "\t".join(wrapped)]
    definition, _, text = imported("surat-masuk.txt", "\n".join(lines).encode())
    assert len(definition.steps) == 9
    assert definition.step(5).activity == (
        "Memerintahkan Kepala Sub Bagian Tata Usaha untuk menyiapkan konsep surat balasan."
    )
    whole = imported("surat-masuk.txt", "\n".join(text_lines()).encode())[0]
    assert flow(definition) == flow(whole)
    assert "# baris tanpa nomor sesudah langkah 5 ('konsep surat balasan.')" in text


def test_a_heading_repeated_with_other_roles_in_a_text_export_is_refused() -> None:
    lines = text_lines()
    heading = next(n for n, line in enumerate(lines) if line.startswith("No.\t"))
    again = lines[heading : heading + HEADING_ROWS]
    again[1] = again[1].replace("Arsiparis", "Pranata Kearsipan")
    six = at_step(lines, 6)
    with pytest.raises(ImportFailure) as refused:
        draft_toml("surat-masuk.txt", "\n".join([*lines[:six], *again, *lines[six:]]).encode())
    assert "kolom Pelaksana lain (" in str(refused.value)
    assert "Pranata Kearsipan" in str(refused.value)


def test_a_line_with_text_in_a_pelaksana_column_and_no_number_is_still_refused() -> None:
    lines = text_lines()
    six = at_step(lines, 6)
    stray = "\t".join(["", "", "Kabag Umum", *[""] * 8])
    with pytest.raises(ImportFailure, match="baris tanpa nomor langkah"):
        draft_toml("x.txt", "\n".join([*lines[:six], stray, *lines[six:]]).encode())


def test_step_numbers_that_skip_are_refused_naming_the_gap() -> None:
    lines = text_lines()
    four = at_step(lines, 4)
    del lines[four]
    with pytest.raises(ImportFailure) as refused:
        draft_toml("x.txt", "\n".join(lines).encode())
    assert "sesudah langkah 3 ditemukan langkah 5" in str(refused.value)
