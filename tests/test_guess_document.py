"""Which document an upload is, read from its file name or caption (the bot asks when it
cannot tell)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from core_helpers import started

from bot.core.loader import load_definition
from handlers.common import CASE_SHOWN
from handlers.files import guess_document, which_case

ROOT = Path(__file__).resolve().parents[1]
BUREAU = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
SURAT_TUGAS = load_definition(Path(__file__).parent / "fixtures" / "sops" / "surat-tugas.toml")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Konsep Rencana Kerja.docx", "konsep_rencana_kerja"),
        ("TOR final.docx", "tor"),
        ("lampiran.docx", None),
    ],
)
def test_kasubag_s_files_at_step_1(name: str, expected: str | None) -> None:
    uploads = BUREAU.step(1).uploads
    assert guess_document(BUREAU, uploads, name) == expected


@pytest.mark.parametrize(
    ("name", "step", "expected"),
    [
        ("Konsep Surat Tugas.docx", 3, "konsep_st"),  # by its name: its id is konsep_st
        ("konsep_st revisi.docx", 3, "konsep_st"),
        ("Nota Dinas Permohonan.pdf", 1, "nota_dinas"),
        ("Surat.docx", 3, None),
    ],
)
def test_a_second_sops_files_are_known_by_their_names_too(
    name: str, step: int, expected: str | None
) -> None:
    uploads = SURAT_TUGAS.step(step).uploads
    assert guess_document(SURAT_TUGAS, uploads, name) == expected


@pytest.mark.parametrize(
    ("text", "case"),
    [
        ("Berkas #12 — Usulan\nTahun Anggaran 2027", 12),
        ("🆕 Berkas #12 telah dibuat. Silakan melengkapi dokumennya.", 12),
        # a task's first line, and a reminder's, end with the case they are about
        ("📝 Mohon diperiksa · Langkah 2 dari 12 · Berkas #12\n\nBerkas #12 — Usulan", 12),
        ("⏰ Pengingat ke-2 · Mohon diajukan · Langkah 1 dari 12 · Berkas #7\n\n...", 7),
        # an answer that names a case further on is not about it
        ("Mohon maaf, Berkas #12 tidak sedang menunggu dokumen dari Bapak/Ibu.", None),
    ],
)
def test_a_reply_to_a_bot_message_is_about_the_case_its_first_line_names(
    text: str, case: int | None
) -> None:
    found = CASE_SHOWN.match(text)
    assert (int(found[1] or found[2]) if found else None) == case


def test_the_question_which_case_names_ten_and_counts_the_others() -> None:
    """A member of the team with fourteen cases waiting for his drafts sends a file without
    saying which: the question names the first ten and counts the four others, rather than
    reading as if ten were all."""
    case = started().current
    cases = [dataclasses.replace(case, id=n) for n in range(1, 15)]
    numbers = ", ".join(f"#{n}" for n in range(1, 11))
    assert f"dari Bapak/Ibu (Berkas {numbers}, dan 4 lainnya). Mohon kirim" in which_case(cases)
