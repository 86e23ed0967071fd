"""The archive bundle holds every paper of its case, or says which it goes without.

The bundle (``arsip-dokumentasi-BN.zip``) is itself a paper job of the outbox, queued after
the case's other papers; each paper job is tried on its own, and one that meets a fault
waits for its retry. The bundle does not overtake a paper of its case still being written:
it waits for it. Through the real bot, the Bot API emulator and a real SQLite file, on an
SOP whose last step is the Kabag's signature (``tests/fixtures/sops/surat-jawaban.toml``
cut after step 3): her approval writes the Lembar Pemeriksaan of that signature and, in the
same moment, the case's record and its bundle, which she receives. On SQLite, and on
PostgreSQL where a test server is given (``bin/with-postgres``)."""

from __future__ import annotations

import errno
import io
import os
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pg_helpers import engine_target  # noqa: F401 (fixture)
from sop_world import WAIT, pdf, sop_world
from sop_world import open_case as open_in

from bot.demo import Script, World
from bot.filestore import SavedFile
from emulator import EmuMessage

JAWABAN = Path(__file__).parent / "fixtures" / "sops" / "surat-jawaban.toml"
PEOPLE = {
    "pelaksana": (4001, "Rina Marlina, S.Sos.", "Pengelola Pengaduan", ["pelaksana_tl"]),
    "kasubag": (4002, "Hendra Wijaya, S.H.", "Kepala Subbagian Tindak Lanjut", ["kasubag_tl"]),
    "kabag": (4003, "Dra. Sri Lestari, M.Si.", "Kepala Bagian Pengaduan", ["kabag_pm"]),
}


@pytest.fixture
async def world(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
) -> AsyncIterator[World]:
    """The SOP ends with the Kabag's signature (step 3): her approval completes the case.
    On SQLite, and on PostgreSQL where a test server is given."""
    text = JAWABAN.read_text(encoding="utf-8")
    text = text[: text.index("[[steps]]\nid = 4")].replace("on_approve = 4\n", "")
    sop = tmp_path / "surat-jawaban-ttd.toml"
    sop.write_text(text, encoding="utf-8")
    async with sop_world(tmp_path, sop, PEOPLE, database=engine_target) as w:
        yield w


async def up_to_the_signature(world: World) -> int:
    """Rina drafts the reply, the Kasubag initials it: it waits for the Kabag's signature."""
    s = Script(world, timeout=WAIT)
    case = await open_in(world, "pelaksana", "Jawaban pengaduan Bapak Darmawan")
    await s.upload("pelaksana", case, "Konsep Surat Jawaban.pdf", pdf("konsep"))
    await s.press("pelaksana", "Ajukan", case)
    await s.approve("kasubag", case)
    await world.drained()
    return case


async def bundle_received(world: World, case: int) -> EmuMessage:
    name = f"arsip-dokumentasi-B{case}.zip"
    return await world["kabag"].wait_message(
        lambda m: (m.document or {}).get("file_name") == name, timeout=WAIT
    )


async def test_the_bundle_waits_for_the_lembar_pemeriksaan_the_disk_failed_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Kabag signs, and the case is completed. The share of the files folder fails once
    (an I/O error) as the Lembar Pemeriksaan of her signature is saved: that paper is tried
    again a moment later. The case's record is not made without it meanwhile: the bundle
    she receives holds the Lembar Pemeriksaan of both reviews, and no note of a document
    left out."""
    case = await up_to_the_signature(world)
    files = world.services.files
    real = files.save
    failed: list[str] = []

    async def once_failing(case_id: int, name: str, data: bytes) -> SavedFile:
        if name.startswith("pemeriksaan-") and not failed:
            failed.append(name)
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(files.root / name))
        return await real(case_id, name, data)

    monkeypatch.setattr(files, "save", once_failing)
    await Script(world, timeout=WAIT).approve("kabag", case)

    sent = await bundle_received(world, case)
    assert failed == [f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx"]
    with zipfile.ZipFile(io.BytesIO(sent.file_bytes())) as archive:
        names = set(archive.namelist())
    assert f"dokumen/pemeriksaan-B{case}-langkah2-ke1-setuju.docx" in names
    assert f"dokumen/pemeriksaan-B{case}-langkah3-ke1-setuju.docx" in names
    assert "tidak-disertakan.txt" not in names
    await world.drained()
