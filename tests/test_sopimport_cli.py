"""``sopbot sop import`` end to end, as a real process: import, review, confirm, check.

A draft is shown with its guesses, refused by ``check`` and ``run`` naming each one, and
accepted once confirmed. Bad input exits non-zero with the expectation named and no file.
"""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest
from cli_helpers import ROOT, TOKEN, sopbot
from core_helpers import sop
from sopimport_forms import to_docx
from test_sopimport import (
    SOURCE,
    damaged,
    penerbitan_surat_tugas,
    source_text,
    surat_tugas,
)

import bot.sopimport
from bot.cli import main


def config_for(tmp_path: Path, definition: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"sops = [{json.dumps(str(definition))}]\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("draft") / "ppk.toml"
    result = sopbot("sop", "import", str(SOURCE), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "12 langkah" in result.stderr and "20 tebakan" in result.stderr
    return out


def test_sop_show_reads_the_draft_and_lists_its_guesses(draft: Path) -> None:
    result = sopbot("sop", "show", str(draft), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    shipped = {s.id: s for s in sop().steps}
    for step in data["steps"]:
        expected = shipped[step["id"]]
        assert step["actor"] == expected.actor
        assert (step["kind"] == "review") is expected.is_review
        assert step["on_approve"] == expected.on_approve
        assert step["on_return"] == expected.on_return
    paths = [g["path"] for g in data["unconfirmed_guesses"]]
    assert paths == [
        *(f"roles[{i}].superior" for i in range(5)),
        "documents.sk.name",
        *(
            path
            for i in range(12)
            for path in (
                *([f"steps[{i}].outputs"] if i in (1, 11) else []),  # outputs without a file
                f"steps[{i}].time_minutes",
            )
        ),
    ]
    text = sopbot("sop", "show", str(draft))
    assert text.returncode == 0
    assert "DRAF: 20 tebakan belum dikonfirmasi" in text.stdout
    assert "  steps[11].time_minutes: kolom Waktu hanya memuat satuan" in text.stdout


def test_check_and_run_refuse_the_draft_naming_each_guess(draft: Path, tmp_path: Path) -> None:
    config = config_for(tmp_path, draft)
    for command in ("check", "run"):
        result = sopbot(command, "--config", str(config), token=TOKEN)
        assert result.returncode == 2, result.stdout + result.stderr
        assert str(draft) in result.stderr
        assert "belum dikonfirmasi" in result.stderr
        assert "roles[2].superior: ditebak sebagai pimpinan tertinggi" in result.stderr
        assert result.stderr.count("; periksa") == 20
        assert "Traceback" not in result.stderr and TOKEN not in result.stderr


def test_once_every_guess_is_confirmed_check_accepts_it(draft: Path, tmp_path: Path) -> None:
    reviewed = tmp_path / "ppk.toml"
    text = draft.read_text(encoding="utf-8")
    half = text.replace("\nconfirmed = false", "\nconfirmed = true", 17)
    reviewed.write_text(half, encoding="utf-8")
    config = config_for(tmp_path, reviewed)
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 2
    assert result.stderr.count("; periksa") == 2  # the last step's two, still open
    assert "steps[11].time_minutes" in result.stderr and "steps[11].outputs" in result.stderr
    reviewed.write_text(text.replace("\nconfirmed = false", "\nconfirmed = true"), encoding="utf-8")
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "penyusunan-program-kerja" in result.stdout
    assert "reviews [2, 3, 7, 8, 9]" in result.stdout


def test_a_second_sop_of_the_bureau_runs_beside_the_shipped_one(tmp_path: Path) -> None:
    """The README's four steps for the bureau's second SOP (the portal's export of the Surat
    Tugas, whose columns are Kasubag TU and Kabag Umum): every guess confirmed and named in
    `sops` beside the shipped SOP, check accepts it. Its Kabag Umum is a role of its own, not
    the shipped SOP's Kabag (whose holder would get both SOPs' tasks)."""
    draft = tmp_path / "surat-tugas.toml"
    imported = sopbot(
        "sop", "import", str(SOURCE.parent / "surat-tugas-umum.txt"), "-o", str(draft)
    )
    assert imported.returncode == 0, imported.stderr
    text = draft.read_text(encoding="utf-8")
    draft.write_text(text.replace("\nconfirmed = false", "\nconfirmed = true"), encoding="utf-8")
    shown = json.loads(sopbot("sop", "show", str(draft), "--json").stdout)
    assert [r["id"] for r in shown["roles"]] == [
        "pegawai", "kasubag_tu", "kabag_umum", "pengelola_arsip",
    ]  # fmt: skip
    shipped = ROOT / "sops" / "penyusunan-program-kerja.toml"
    config = tmp_path / "config.toml"
    config.write_text(f"sops = [{json.dumps(str(shipped))}, {json.dumps(str(draft))}]\n")
    config.chmod(0o600)
    result = sopbot("check", "--config", str(config), token=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "role '" not in result.stderr  # no role the two files would share


def test_import_to_standard_output_and_from_a_docx(tmp_path: Path) -> None:
    result = sopbot("sop", "import", str(SOURCE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# DRAF definisi SOP")
    form = tmp_path / "surat-tugas.docx"
    form.write_bytes(to_docx(surat_tugas(), tmp_path))
    out = tmp_path / "st.toml"
    result = sopbot("sop", "import", str(form), "-o", str(out))
    assert result.returncode == 0, result.stderr
    shown = json.loads(sopbot("sop", "show", str(out), "--json").stdout)
    assert [s["actor"] for s in shown["steps"]][2] == "kabag_keuangan"
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # an ordinary file, not mkstemp's


def test_an_existing_output_is_kept_unless_forced(draft: Path, tmp_path: Path) -> None:
    out = tmp_path / "ada.toml"
    out.write_text("# hasil pemeriksaan\n", encoding="utf-8")
    result = sopbot("sop", "import", str(SOURCE), "-o", str(out))
    assert result.returncode == 2 and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "# hasil pemeriksaan\n"
    result = sopbot("sop", "import", str(SOURCE), "-o", str(out), "--force")
    assert result.returncode == 0
    assert out.read_text(encoding="utf-8") == draft.read_text(encoding="utf-8")


BAD_INPUTS = {
    "bukan-sop.txt": (b"Yth. Bapak/Ibu,\nDengan hormat, ...\n", "tabel kegiatan tidak ditemukan"),
    "urutan.txt": (
        source_text().replace("No.\tKegiatan\t", "Kegiatan\tNo.\t", 1).encode(),
        "tidak dalam urutan baku",
    ),
    "kosong.txt": (
        source_text()[: source_text().index("\n1\tmengajukan") + 1].encode(),
        "tabel kegiatan kosong",
    ),
    "latin1.txt": (source_text().replace("Biro", "Bir\xe9").encode("latin-1"), "bukan UTF-8"),
    "rusak.docx": (b"PK\x03\x04\x14\x00 terpotong", "rusak"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_with_the_expectation_and_writes_nothing(name: str, tmp_path: Path) -> None:
    data, expected = BAD_INPUTS[name]
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / "out" / "draf.toml"
    out.parent.mkdir()
    result = sopbot("sop", "import", str(source), "-o", str(out))
    assert result.returncode == 2
    assert expected in result.stderr and "diharapkan" in result.stderr
    assert str(source) in result.stderr
    assert "Traceback" not in result.stderr
    assert list(out.parent.iterdir()) == []  # no draft, no temporary file


def test_a_damaged_docx_is_one_indonesian_line_not_an_importer_bug(tmp_path: Path) -> None:
    """A word/document.xml whose deflate stream is broken was "kesalahan internal pengimpor
    (error: Error -3 while decompressing data ...)": the file's fault, told as the
    importer's, in zlib's English."""
    source = tmp_path / "Surat Tugas.docx"
    source.write_bytes(damaged(to_docx(surat_tugas(), tmp_path), "deflate"))
    result = sopbot("sop", "import", str(source), "-o", str(tmp_path / "st.toml"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "berkas .docx rusak" in result.stderr and "simpan ulang" in result.stderr
    assert "internal" not in result.stderr and "decompress" not in result.stderr
    assert not (tmp_path / "st.toml").exists()


def test_a_missing_file_is_named() -> None:
    result = sopbot("sop", "import", "tidak-ada.txt")
    assert result.returncode == 2
    assert "tidak-ada.txt" in result.stderr and "tidak dapat dibaca" in result.stderr


def test_a_file_that_cannot_be_read_or_written_is_said_in_indonesian(tmp_path: Path) -> None:
    """The system's reason was shown as it says it, in English: "tidak dapat dibaca: No such
    file or directory", "Is a directory"."""
    missing = sopbot("sop", "import", str(tmp_path / "tidak-ada.docx"))
    folder = sopbot("sop", "import", str(tmp_path))
    no_folder = sopbot("sop", "import", str(SOURCE), "-o", str(tmp_path / "baru" / "st.toml"))
    assert missing.stderr.endswith(
        "tidak dapat dibaca: berkas atau foldernya tidak ada; periksa nama dan letaknya\n"
    ), missing.stderr
    assert folder.stderr.endswith(
        "tidak dapat dibaca: itu folder, bukan berkas; sebutkan nama berkasnya\n"
    ), folder.stderr
    assert "tidak dapat ditulis: berkas atau foldernya tidak ada" in no_folder.stderr
    for result in (missing, folder, no_folder):
        assert result.returncode == 2
        assert not re.search(r"No such|directory|[Ee]rror\b(?!:)", result.stderr), result.stderr


def test_an_os_error_without_an_indonesian_text_is_named_by_its_errno(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(self: Path) -> bytes:
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(self))

    monkeypatch.setattr(Path, "read_bytes", failing)
    code = main(["sop", "import", str(SOURCE)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: {SOURCE}: tidak dapat dibaca: kesalahan sistem (EIO)\n"


def test_a_form_whose_outputs_extend_one_document_name_imports(tmp_path: Path) -> None:
    """ "Surat Tugas", then "Surat Tugas bernomor" and "Surat Tugas diterima": once a traceback
    and no draft."""
    form = tmp_path / "Surat Tugas.docx"
    form.write_bytes(to_docx(penerbitan_surat_tugas(), tmp_path))
    result = sopbot("sop", "import", str(form), "-o", str(tmp_path / "st.toml"))
    assert result.returncode == 0, result.stderr
    assert "8 langkah" in result.stderr and "Traceback" not in result.stderr


def test_an_importer_bug_is_one_line_naming_the_form_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(name: str, data: bytes) -> tuple[str, object]:
        raise RuntimeError("the importer wrote a definition that does not load:\nat line 116")

    monkeypatch.setattr(bot.sopimport, "draft_toml", broken)
    out = tmp_path / "st.toml"
    code = main(["sop", "import", str(SOURCE), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(SOURCE) in err and "laporkan" in err and "at line 116" in err
    assert not out.exists()
