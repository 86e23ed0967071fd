"""An SOP of the standard form that does not end in archiving: the Biro Humas's
"Penyampaian Surat Jawaban atas Pengaduan Masyarakat" (``tests/fixtures/sops/
surat-jawaban.toml``). The Pelaksana drafts the reply, the Kasubag initials it, the Kabag
signs it, and the Pelaksana sends it to the person who wrote in: step 4, "Menyampaikan
surat jawaban kepada pemohon", is the last, and completing it finishes the case. Nobody
files anything, so nobody is asked for an archive number. Through the real bot, the Bot
API emulator and a real SQLite file."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from docx import Document
from pg_helpers import pg_url  # noqa: F401 (fixture)
from reliability_helpers import log_problems
from sop_world import WAIT, pdf, plain, sop_world
from sop_world import open_case as open_in

from bot.core.model import CaseStatus
from bot.demo import Script, World
from emulator import EmuMessage, EmuUser
from storage import repo
from storage.postgres import PostgresDatabase

JAWABAN = Path(__file__).parent / "fixtures" / "sops" / "surat-jawaban.toml"
PEOPLE = {
    "pelaksana": (4001, "Rina Marlina, S.Sos.", "Pengelola Pengaduan", ["pelaksana_tl"]),
    "kasubag": (4002, "Hendra Wijaya, S.H.", "Kepala Subbagian Tindak Lanjut", ["kasubag_tl"]),
    "kabag": (4003, "Dra. Sri Lestari, M.Si.", "Kepala Bagian Pengaduan", ["kabag_pm"]),
}


def about(user: EmuUser, case: int) -> list[EmuMessage]:
    return [m for m in user.bot_messages if f"Berkas #{case}" in m.text]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with sop_world(tmp_path, JAWABAN, PEOPLE) as w:
        yield w


async def status(user: EmuUser, case: int) -> str:
    user.mark_seen()
    await user.send(f"/status {case}")
    return plain((await user.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)).text)


async def signed_by_the_kabag(world: World, s: Script, title: str) -> int:
    """Rina opens a case and hands in her draft reply; the Kasubag initials it and the
    Kabag signs it. The case's number."""
    case = await open_in(world, "pelaksana", title)
    await s.upload("pelaksana", case, "Konsep Surat Jawaban.pdf", pdf("konsep"))
    await s.press("pelaksana", "Ajukan", case)
    await s.approve("kasubag", case)
    await s.approve("kabag", case)
    return case


async def finished_by_rina(world: World) -> int:
    """Rina drafts the reply, the Kasubag initials it, the Kabag signs it; Rina's last task
    asks her to send it and finish the case (Selesaikan), not to file it. Once she has, the
    case is finished ("selesai"), the Kasubag and the Kabag are told so, and no one was
    ever asked for an archive number; /status says so in Indonesian. The case's number."""
    s = Script(world, timeout=WAIT)
    case = await signed_by_the_kabag(world, s, "Jawaban pengaduan Bapak Darmawan")

    # the last step's task: Rina sends the signed reply and finishes the case
    task = await s.seen(
        "pelaksana",
        lambda m: "Langkah 4" in m.text and any("Selesaikan" in b for b in m.button_texts),
    )
    text = plain(task.text)
    assert "Menyampaikan surat jawaban kepada pemohon." in text
    assert "langkah terakhir SOP" in text
    assert "dinyatakan selesai dan Dokumentasinya dikirimkan kepada Bapak/Ibu" in text
    assert not any("Arsipkan" in b or "Teruskan" in b for b in task.button_texts)
    await s.press("pelaksana", "Selesaikan", case)

    await s.seen("pelaksana", lambda m: "✔️ Diselesaikan oleh" in m.text and f"#{case}" in m.text)
    for who in ("kasubag", "kabag"):
        told = await world[who].wait_message(
            lambda m: "Berkas telah selesai" in m.text and f"Berkas #{case}" in m.text,
            timeout=WAIT,
        )
        assert "Diselesaikan oleh Rina Marlina" in plain(told.text)
    await world.drained()
    assert await world.case_status(case) is CaseStatus.COMPLETED

    # nobody was asked for an archive number, at any step
    for who in PEOPLE:
        for m in world[who].bot_messages:
            assert "nomor arsip" not in m.text.lower(), (who, m.text)
            assert not any("Arsipkan" in b for b in m.button_texts), (who, m.text)

    shown = await status(world["kabag"], case)
    assert "Status: selesai pada " in shown
    assert "diarsipkan" not in shown and "Nomor arsip" not in shown
    assert "menyelesaikan" in shown  # Rina's completion in the history
    listed = await status_list(world["pelaksana"])
    assert f"#{case} · Jawaban pengaduan Bapak Darmawan · " in listed
    assert listed.split(f"#{case} · ", 1)[1].splitlines()[0].endswith("· selesai")
    return case


async def test_the_reply_sent_to_the_complainant_finishes_the_case(
    world: World, tmp_path: Path
) -> None:
    case = await finished_by_rina(world)
    # the SQLite file keeps the case finished, closed, at its last step, with no number
    with sqlite3.connect(tmp_path / "sopbot.sqlite3") as db:
        row = db.execute(
            "SELECT status, step, closed_at IS NOT NULL FROM cases WHERE id = ?", (case,)
        ).fetchone()
        filed = db.execute(
            "SELECT COUNT(*) FROM archive_numbers WHERE case_id = ?", (case,)
        ).fetchone()
        kinds = [
            k
            for (k,) in db.execute(
                "SELECT type FROM events WHERE case_id = ? ORDER BY seq", (case,)
            )
        ]
    assert row == ("completed", 4, 1)
    assert filed == (0,)
    assert kinds[-1] == "completed" and "archived" not in kinds


def docx_text(data: bytes) -> str:
    """The text of a .docx as a clerk reads it: paragraphs, table cells, footers."""
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in document.sections for p in section.footer.paragraphs]
    return "\n".join(parts)


async def rina_gets_the_record(world: World, case: int) -> None:
    """Rina, who completed the case, receives its record: the bundle of the Dokumentasi,
    the signed reply and the two Lembar Pemeriksaan, as an archivist receives an archived
    case's; the Kasubag and the Kabag receive none. The Dokumentasi reads as a case
    completed, not filed: when and by whom it was completed, no archive number, no
    Penyimpanan. The bundle and the Dokumentasi are kept with the case (the export's)."""
    bundle_name = f"arsip-dokumentasi-B{case}.zip"
    await world.drained()
    (sent,) = about_files(world["pelaksana"], bundle_name)
    for who in ("kasubag", "kabag"):
        assert not about_files(world[who], bundle_name), who
    kept = {
        f.name: f
        for f in await world.services.db.read(repo.files_of_case, case)
        if f.kind == "paper"
    }
    assert {f"dokumentasi-B{case}.docx", bundle_name} <= set(kept)
    bundle = sent.file_bytes()
    assert hashlib.sha256(bundle).hexdigest() == kept[bundle_name].sha256
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert set(contents) == {
        "dokumentasi.docx",
        "dokumen/Konsep Surat Jawaban.pdf",
        f"dokumen/pemeriksaan-B{case}-langkah2-ke1-setuju.docx",
        f"dokumen/pemeriksaan-B{case}-langkah3-ke1-setuju.docx",
        "SHA256SUMS",
    }
    assert contents["dokumen/Konsep Surat Jawaban.pdf"] == pdf("konsep")
    record = contents["dokumentasi.docx"]
    assert hashlib.sha256(record).hexdigest() == kept[f"dokumentasi-B{case}.docx"].sha256

    text = docx_text(record)
    assert "DOKUMENTASI" in text and "Jawaban pengaduan Bapak Darmawan" in text
    assert "Waktu Penyelesaian" in text and "Diselesaikan oleh" in text
    assert "Rina Marlina, S.Sos. (Pengelola Pengaduan)" in text
    assert "Yang menyelesaikan," in text
    assert "dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya." in text
    for filed in ("Nomor Arsip", "Pengarsipan", "Diarsipkan", "Penyimpanan", "mendokumentasikan"):
        assert filed not in text, filed
    assert f"Dokumentasi · Berkas {case}" in text
    # the final document by the name the last step gives it, with its hash
    assert "Surat Jawaban" in text and "Konsep Surat Jawaban.pdf" in text
    assert hashlib.sha256(pdf("konsep")).hexdigest() in text
    # who decided what: the Kasubag's paraf, the Kabag's signature, Rina's completion
    document = Document(io.BytesIO(record))
    approvals = next(t for t in document.tables if t.rows[0].cells[1].text == "Jenis")
    assert [(r.cells[1].text, r.cells[4].text) for r in approvals.rows[1:]] == [
        ("Paraf", "2"),
        ("Tanda tangan", "3"),
    ]
    assert "Hendra Wijaya, S.H." in text and "Dra. Sri Lestari, M.Si." in text
    history = next(t for t in document.tables if t.rows[0].cells[-1].text == "Alasan")
    assert history.rows[-1].cells[4].text == "menyelesaikan"
    assert history.rows[-1].cells[3].text.startswith("4.")


def about_files(user: EmuUser, name: str) -> list[EmuMessage]:
    return [m for m in user.bot_messages if m.document and m.document.get("file_name") == name]


async def test_the_official_who_completed_the_case_receives_its_record(world: World) -> None:
    case = await finished_by_rina(world)
    await rina_gets_the_record(world, case)


async def test_the_kabag_whose_signature_finishes_the_case_receives_its_record(
    tmp_path: Path,
) -> None:
    """An SOP whose last step is the Kabag's signature: her approval finishes the case, and
    she receives its record. The bundle holds the Lembar Pemeriksaan of that very signature,
    and the Dokumentasi names the final document as the step's output, "Surat Jawaban"."""
    text = JAWABAN.read_text(encoding="utf-8")
    text = text[: text.index("[[steps]]\nid = 4")].replace("on_approve = 4\n", "")
    sop = tmp_path / "surat-jawaban-ttd.toml"
    sop.write_text(text, encoding="utf-8")
    async with sop_world(tmp_path, sop, PEOPLE) as world:
        s = Script(world, timeout=WAIT)
        case = await signed_by_the_kabag(world, s, "Jawaban pengaduan Bapak Darmawan")
        await world.drained()
        assert await world.case_status(case) is CaseStatus.COMPLETED
        bundle_name = f"arsip-dokumentasi-B{case}.zip"
        assert not about_files(world["pelaksana"], bundle_name)
        (sent,) = about_files(world["kabag"], bundle_name)
        with zipfile.ZipFile(io.BytesIO(sent.file_bytes())) as archive:
            names = set(archive.namelist())
            data = archive.read("dokumentasi.docx")
    record = docx_text(data)
    finals = next(
        t for t in Document(io.BytesIO(data)).tables if "Nama File" in t.rows[0].cells[1].text
    )
    assert f"dokumen/pemeriksaan-B{case}-langkah3-ke1-setuju.docx" in names
    assert "dokumen/Konsep Surat Jawaban.pdf" in names
    assert "Diselesaikan oleh" in record and "Yang menyelesaikan," in record
    assert "Dra. Sri Lestari, M.Si. (Kepala Bagian Pengaduan)" in record
    assert [[p.text for p in row.cells[1].paragraphs] for row in finals.rows[1:]] == [
        ["Surat Jawaban", "Konsep Surat Jawaban.pdf"]
    ]
    assert "Nomor Arsip" not in record


async def test_rina_finishes_the_case_with_a_note_everyone_who_took_part_reads(
    world: World,
) -> None:
    """Rina's last task offers "Selesaikan dengan catatan", as a forward offers "Teruskan
    dengan catatan". Pressed, it asks for the note on the task message, worded for a case
    that ends (to everyone who took part, not to a next step's holder); typed, it finishes
    the case, and the Kasubag and the Kabag read it under "Berkas telah selesai"."""
    s = Script(world, timeout=WAIT)
    case = await signed_by_the_kabag(world, s, "Jawaban pengaduan Ibu Suryani")

    task = await s.seen("pelaksana", lambda m: "Langkah 4" in m.text and bool(m.button_texts))
    assert task.button_texts[-1] == "📝 Selesaikan dengan catatan"
    assert "Selesaikan dengan catatan bila ada catatan yang perlu" in plain(task.text)
    await s.press("pelaksana", "Selesaikan dengan catatan", case)
    asked = await s.seen("pelaksana", lambda m: "Catatan penyelesaian" in m.text)
    assert "kepada seluruh pejabat yang terlibat" in plain(asked.text)
    assert "langkah berikutnya" not in plain(asked.text)
    note = "Surat jawaban dikirim lewat pos tercatat & surel <pemohon>."
    await s.answer_prompt("pelaksana", note, case)

    for who in ("kasubag", "kabag"):
        told = await world[who].wait_message(
            lambda m: "Berkas telah selesai" in m.text and f"Berkas #{case}" in m.text,
            timeout=WAIT,
        )
        assert f"Catatan: {note}" in told.text  # as Telegram shows it: <, > and & kept
    assert await world.case_status(case) is CaseStatus.COMPLETED


async def test_a_finished_case_takes_no_more_actions(world: World) -> None:
    """Rina cannot take her completion back with /tarik: the case is closed."""
    s = Script(world, timeout=WAIT)
    case = await signed_by_the_kabag(world, s, "Jawaban pengaduan Ibu Sulastri")
    await s.press("pelaksana", "Selesaikan", case)
    await s.seen("pelaksana", lambda m: "✔️ Diselesaikan oleh" in m.text)
    await world.drained()

    user = world["pelaksana"]
    user.mark_seen()
    await user.send(f"/tarik {case}")
    answer = await user.wait_message(timeout=WAIT)
    assert "ditutup" in answer.text or "tidak dapat ditarik" in answer.text
    assert await world.case_status(case) is CaseStatus.COMPLETED


async def status_list(user: EmuUser) -> str:
    user.mark_seen()
    await user.send("/status")
    return plain((await user.wait_message(lambda m: "Berkas terbaru" in m.text, timeout=WAIT)).text)


async def test_the_reply_finishes_the_case_on_postgresql(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """The same case with ``storage.database`` a ``postgresql://`` URL: the status is kept
    in the same text column, and the log replays to the stored case."""
    async with sop_world(tmp_path, JAWABAN, PEOPLE, database=pg_url) as world:
        db = world.services.db
        assert isinstance(db, PostgresDatabase)
        case = await finished_by_rina(world)
        stored = await db.read(repo.load_case, case)
        events = await db.read(repo.load_events, case)
        assert stored is not None and stored.status is CaseStatus.COMPLETED
        assert log_problems(world.services.sops.of(stored), stored, events) == []
        row = await db.read(
            lambda tx: tx.one(
                "SELECT status, step, closed_at IS NOT NULL FROM cases WHERE id = ?", (case,)
            )
        )
        assert row is not None and tuple(row) == ("completed", 4, True)
        await rina_gets_the_record(world, case)
