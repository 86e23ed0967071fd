"""Which document an upload is, read from its file name or caption (the bot asks when it
cannot tell)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.loader import load_definition
from handlers.files import guess_document

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
