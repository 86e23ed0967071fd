"""The archive bundle holds every paper of its case, or says which it goes without.

The bundle (``arsip-dokumentasi-BN.zip``) is itself a paper job of the outbox, queued after
the case's other papers; each paper job is tried on its own, and one that meets a fault
waits for its retry. The bundle does not overtake a paper of its case still being written:
it waits for it. Through the real bot, the Bot API emulator and a real SQLite file, on an
SOP whose last step is the Kabag's signature (``tests/fixtures/sops/surat-jawaban.toml``
cut after step 3): her approval writes the Lembar Pemeriksaan of that signature and, in the
same moment, the case's record and its bundle, which she receives; and on the demo's SOP,
whose Fungsional Umum archives the case. A paper the bundle went without reaches whoever
received the bundle once it is written, as a supplement to the archive. On SQLite, and on
PostgreSQL where a test server is given (``bin/with-postgres``)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import logging
import os
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from pg_helpers import engine_target  # noqa: F401 (fixture)
from sop_world import WAIT, pdf, sop_world
from sop_world import open_case as open_in

from bot.demo import FAST_SENDER, Script, World, play_sop
from bot.filestore import SavedFile
from bot.outbox import papers
from emulator import EmuMessage, EmuUser
from storage import repo

JAWABAN = Path(__file__).parent / "fixtures" / "sops" / "surat-jawaban.toml"
PEOPLE = {
    "pelaksana": (4001, "Rina Marlina, S.Sos.", "Pengelola Pengaduan", ["pelaksana_tl"]),
    "kasubag": (4002, "Hendra Wijaya, S.H.", "Kepala Subbagian Tindak Lanjut", ["kasubag_tl"]),
    "kabag": (4003, "Dra. Sri Lestari, M.Si.", "Kepala Bagian Pengaduan", ["kabag_pm"]),
}


# the outbox's options of a world whose archive bundle waits only half a second for a paper
# still being written: ``papers.bundle_wait_minutes`` counts whole minutes
BUNDLE_WAITS_HALF_A_SECOND = {**FAST_SENDER, "bundle_wait_seconds": 0.5}


@contextlib.asynccontextmanager
async def signature_world(
    tmp_path: Path,
    database: str,
    bundle_wait_minutes: int | None = None,
    sender: dict[str, float] | None = None,
) -> AsyncIterator[World]:
    """The SOP ends with the Kabag's signature (step 3): her approval completes the case.
    The office keeps its templates in ``kantor/`` (none yet: the shipped ones fill);
    ``sender``: the outbox's options (:data:`BUNDLE_WAITS_HALF_A_SECOND`)."""
    text = JAWABAN.read_text(encoding="utf-8")
    text = text[: text.index("[[steps]]\nid = 4")].replace("on_approve = 4\n", "")
    sop = tmp_path / "surat-jawaban-ttd.toml"
    sop.write_text(text, encoding="utf-8")
    office = tmp_path / "kantor"
    office.mkdir()
    async with sop_world(
        tmp_path,
        sop,
        PEOPLE,
        office,
        database=database,
        bundle_wait_minutes=bundle_wait_minutes,
        sender=sender,
    ) as w:
        yield w


@pytest.fixture
async def world(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
) -> AsyncIterator[World]:
    """The SOP ends with the Kabag's signature; on SQLite, and on PostgreSQL where a test
    server is given."""
    async with signature_world(tmp_path, engine_target) as w:
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


def fail_the_first_lembar_save(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The share fails once (an I/O error) as the first Lembar Pemeriksaan is saved, and
    works again for its retry; the names it refused, filled in as it happens."""
    files = world.services.files
    real = files.save
    failed: list[str] = []

    async def once_failing(case_id: int, name: str, data: bytes) -> SavedFile:
        if name.startswith("pemeriksaan-") and not failed:
            failed.append(name)
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(files.root / name))
        return await real(case_id, name, data)

    monkeypatch.setattr(files, "save", once_failing)
    return failed


async def test_the_bundle_waits_for_the_lembar_pemeriksaan_the_disk_failed_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Kabag signs, and the case is completed. The share of the files folder fails once
    (an I/O error) as the Lembar Pemeriksaan of her signature is saved: that paper is tried
    again a moment later. The case's record is not made without it meanwhile: the bundle
    she receives holds the Lembar Pemeriksaan of both reviews, and no note of a document
    left out."""
    case = await up_to_the_signature(world)
    failed = fail_the_first_lembar_save(world, monkeypatch)
    await Script(world, timeout=WAIT).approve("kabag", case)

    sent = await bundle_received(world, case)
    assert failed == [f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx"]
    with zipfile.ZipFile(io.BytesIO(sent.file_bytes())) as archive:
        names = set(archive.namelist())
    assert f"dokumen/pemeriksaan-B{case}-langkah2-ke1-setuju.docx" in names
    assert f"dokumen/pemeriksaan-B{case}-langkah3-ke1-setuju.docx" in names
    assert "tidak-disertakan.txt" not in names
    await world.drained()


def opened(bundle: EmuMessage) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle.file_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def vouched_for(contents: dict[str, bytes]) -> bool:
    """SHA256SUMS names every other entry of the bundle, with its digest."""
    lines = contents["SHA256SUMS"].decode().splitlines()
    sums = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    return set(sums) == set(contents) - {"SHA256SUMS"} and all(
        hashlib.sha256(contents[name]).hexdigest() == digest for name, digest in sums.items()
    )


async def test_a_lembar_pemeriksaan_its_template_failed_is_named_in_the_bundle_and_told(
    world: World, tmp_path: Path
) -> None:
    """The office saves a PDF over its Lembar Pemeriksaan template before the Kabag signs:
    the Lembar Pemeriksaan of her signature cannot be written, and is given up (the
    administrators are told why). The case's record does not go without it silently: the
    note of the bundle she receives names it as not made by the system, she is told that
    her archive goes without it, and the administrators are told whose archive it is."""
    case = await up_to_the_signature(world)
    (tmp_path / "kantor" / "pemeriksaan.docx").write_bytes(b"%PDF-1.4\n% bukan Word\n")
    await Script(world, timeout=WAIT).approve("kabag", case)

    contents = opened(await bundle_received(world, case))
    assert f"dokumen/pemeriksaan-B{case}-langkah2-ke1-setuju.docx" in contents
    assert f"dokumen/pemeriksaan-B{case}-langkah3-ke1-setuju.docx" not in contents
    note = contents["tidak-disertakan.txt"].decode()
    assert f"Berkas #{case}" in note
    assert "1. Lembar Pemeriksaan langkah 3 (ke-1): gagal dibuat oleh sistem" in note
    assert "SHA-256" not in note  # no file was ever recorded for it
    assert vouched_for(contents)

    kabag, admin = world["kabag"], world["admin"]
    told = await kabag.wait_message(lambda m: "tidak disertakan" in m.text, timeout=WAIT)
    assert "Lembar Pemeriksaan langkah 3 (ke-1)" in told.text
    assert "gagal dibuat oleh sistem" in told.text and f"Berkas #{case}" in told.text
    assert "susulan" not in told.text  # given up: nothing will follow by itself
    await admin.wait_message(lambda m: "tidak dapat dibuat dari templatnya" in m.text, timeout=WAIT)
    alert = await admin.wait_message(lambda m: "tidak disertakan" in m.text, timeout=WAIT)
    assert "Lembar Pemeriksaan langkah 3 (ke-1)" in alert.text
    assert "Sri Lestari" in alert.text and f"Berkas #{case}" in alert.text
    await world.drained()


def refuse_the_lembar(
    world: World, monkeypatch: pytest.MonkeyPatch, step: int
) -> Callable[[], None]:
    """The share refuses the Lembar Pemeriksaan of the review at ``step`` until its fault
    is mended (an I/O error each time: the paper is held, never given up); what mends it."""
    files = world.services.files
    real = files.save

    async def refusing(case_id: int, name: str, data: bytes) -> SavedFile:
        if name.startswith(f"pemeriksaan-B{case_id}-langkah{step}-"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(files.root / name))
        return await real(case_id, name, data)

    monkeypatch.setattr(files, "save", refusing)
    return lambda: monkeypatch.setattr(files, "save", real)


async def test_a_lembar_pemeriksaan_held_longer_than_the_bundle_waits_is_named_and_kept_later(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The share refuses the Lembar Pemeriksaan of the Kabag's signature until its fault is
    mended (an I/O error each time: the paper is held, never given up). The bundle waits
    for it as long as it may (here shortened) and then goes: the Kabag receives it, its
    note names the Lembar Pemeriksaan as not yet made because of a fault, she is told, and
    she and the administrators are told that it will be kept with the case and sent to her
    once the fault is over. Mended, the Lembar Pemeriksaan is written and kept with the case."""
    async with signature_world(tmp_path, engine_target, sender=BUNDLE_WAITS_HALF_A_SECOND) as world:
        case = await up_to_the_signature(world)
        mend = refuse_the_lembar(world, monkeypatch, 3)
        await Script(world, timeout=WAIT).approve("kabag", case)

        contents = opened(await bundle_received(world, case))
        assert f"dokumen/pemeriksaan-B{case}-langkah3-ke1-setuju.docx" not in contents
        note = contents["tidak-disertakan.txt"].decode()
        assert (
            "1. Lembar Pemeriksaan langkah 3 (ke-1): belum selesai dibuat oleh sistem akibat gangguan"
        ) in note
        assert vouched_for(contents)
        told = await world["kabag"].wait_message(
            lambda m: "tidak disertakan" in m.text, timeout=WAIT
        )
        assert "Lembar Pemeriksaan langkah 3 (ke-1)" in told.text
        assert "akan disampaikan kepada Anda sebagai susulan arsip" in told.text
        alert = await world["admin"].wait_message(
            lambda m: "tidak disertakan" in m.text and "Lembar Pemeriksaan" in m.text, timeout=WAIT
        )
        assert "setelah gangguan teratasi" in alert.text
        assert "susulan" in alert.text

        mend()
        await world.drained(within=WAIT)
        kept = [f.name for f in await world.services.db.read(repo.files_of_case, case)]
        assert f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx" in kept


def documents_named(user: EmuUser, name: str) -> list[EmuMessage]:
    return [m for m in user.bot_messages if (m.document or {}).get("file_name") == name]


async def test_the_lembar_the_bundle_went_without_reaches_the_kabag_once_written(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bundle the Kabag receives goes without the Lembar Pemeriksaan of her signature,
    which the share refuses, and she is told so. The share mended, the Lembar Pemeriksaan
    is written, and she receives it as a supplement to the archive of the case: the
    document, its caption saying that it was not in the electronic archive and is sent to
    be added to it. The administrators are told briefly that she has it. She receives it
    once, and the administrators do not receive the document."""
    async with signature_world(tmp_path, engine_target, sender=BUNDLE_WAITS_HALF_A_SECOND) as world:
        case = await up_to_the_signature(world)
        mend = refuse_the_lembar(world, monkeypatch, 3)
        await Script(world, timeout=WAIT).approve("kabag", case)
        await bundle_received(world, case)
        kabag, admin = world["kabag"], world["admin"]
        await kabag.wait_message(lambda m: "tidak disertakan" in m.text, timeout=WAIT)

        mend()
        lembar = f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx"
        sent = await kabag.wait_message(
            lambda m: (m.document or {}).get("file_name") == lembar, timeout=WAIT
        )
        assert f"Berkas #{case}" in sent.text
        assert (
            "Susulan arsip" in sent.text and "tidak disertakan dalam arsip elektronik" in sent.text
        )
        assert "Lembar Pemeriksaan" in sent.text
        told = await admin.wait_message(
            lambda m: "kini telah selesai dibuat" in m.text, timeout=WAIT
        )
        assert "Lembar Pemeriksaan langkah 3 (ke-1)" in told.text
        assert lembar not in told.text and f"Berkas #{case}" in told.text
        assert "Sri Lestari" in told.text
        await world.drained(within=WAIT)
        assert len(documents_named(kabag, lembar)) == 1
        assert documents_named(admin, lembar) == []
        supplements = [m for m in admin.bot_messages if "kini telah selesai dibuat" in m.text]
        assert [m.message_id for m in supplements] == [told.message_id]


async def test_a_lembar_written_before_the_bundle_sends_nothing_more(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The share fails once as the Lembar Pemeriksaan of the Kabag's signature is saved; the
    bundle waits for it and holds it. Nothing is sent as a supplement: the Kabag receives
    the Lembar Pemeriksaan only in her bundle, and nobody is told of a supplement."""
    case = await up_to_the_signature(world)
    failed = fail_the_first_lembar_save(world, monkeypatch)
    await Script(world, timeout=WAIT).approve("kabag", case)
    assert "tidak-disertakan.txt" not in opened(await bundle_received(world, case))
    await world.drained(within=WAIT)
    assert failed
    kabag, admin = world["kabag"], world["admin"]
    lembar = f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx"
    assert documents_named(kabag, lembar) == []
    told = [*kabag.bot_messages, *admin.bot_messages]
    assert not [m for m in told if "susulan" in m.text.lower()]


async def test_the_archivist_receives_the_lembar_her_archive_went_without_once_written(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Penyusunan Program Kerja: the share refuses the Lembar Pemeriksaan of the Karo's
    signature (step 9) while the case goes on to Dewi (Fungsional Umum). She archives it:
    the bundle she receives goes without that Lembar Pemeriksaan, and she is told. The share
    mended, the Lembar Pemeriksaan is written, and Dewi, who filed the case, receives it as
    a supplement to its archive, once; the administrators are told that she has it."""
    sender = {**BUNDLE_WAITS_HALF_A_SECOND, "max_fault_backoff": 1.0}
    async with World(tmp_path / "pk", sender=sender, storage={"database": engine_target}) as w:
        await w.everyone_starts()
        mend = refuse_the_lembar(w, monkeypatch, 9)
        case = await play_sop(w, with_returns=False, archive=False)
        s = Script(w, timeout=WAIT)
        await s.press("fu", "Arsipkan", case)
        await s.answer_prompt("fu", f"ARS/PK/2027/{case:03d}")
        fu, admin = w["fu"], w["admin"]
        bundle = f"arsip-dokumentasi-B{case}.zip"
        got = await fu.wait_message(
            lambda m: (m.document or {}).get("file_name") == bundle, timeout=WAIT
        )
        lembar = f"pemeriksaan-B{case}-langkah9-ke1-setuju.docx"
        assert f"dokumen/{lembar}" not in opened(got)
        told = await fu.wait_message(lambda m: "tidak disertakan" in m.text, timeout=WAIT)
        assert "Lembar Pemeriksaan langkah 9 (ke-1)" in told.text

        mend()
        sent = await fu.wait_message(
            lambda m: (m.document or {}).get("file_name") == lembar, timeout=WAIT
        )
        assert "Susulan arsip" in sent.text and f"Berkas #{case}" in sent.text
        alert = await admin.wait_message(
            lambda m: "kini telah selesai dibuat" in m.text, timeout=WAIT
        )
        assert "Lembar Pemeriksaan langkah 9 (ke-1)" in alert.text and lembar not in alert.text
        assert "Dewi Anggraini" in alert.text
        await w.drained(within=WAIT)
        assert len(documents_named(fu, lembar)) == 1
        for key in ("kasubag", "kabag", "karo", "admin"):
            assert documents_named(w[key], lembar) == []


async def test_an_office_whose_bundle_never_waits_gets_the_late_lembar_as_a_supplement(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The office has set its archive bundle not to wait for papers still being written
    (``papers.bundle_wait_minutes = 0``). The share refuses the Lembar Pemeriksaan of the
    Kabag's signature: the bundle she receives goes at once without it, its note naming it
    as not yet made because of a fault, and she is told it will follow. The share mended,
    she receives the Lembar Pemeriksaan as a supplement to the archive, once."""
    async with signature_world(tmp_path, engine_target, bundle_wait_minutes=0) as world:
        case = await up_to_the_signature(world)
        mend = refuse_the_lembar(world, monkeypatch, 3)
        await Script(world, timeout=WAIT).approve("kabag", case)

        contents = opened(await bundle_received(world, case))
        lembar = f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx"
        assert f"dokumen/{lembar}" not in contents
        assert (
            "1. Lembar Pemeriksaan langkah 3 (ke-1): belum selesai dibuat oleh sistem akibat "
            "gangguan"
        ) in contents["tidak-disertakan.txt"].decode()
        kabag = world["kabag"]
        told = await kabag.wait_message(lambda m: "tidak disertakan" in m.text, timeout=WAIT)
        assert "akan disampaikan kepada Anda sebagai susulan arsip" in told.text

        mend()
        sent = await kabag.wait_message(
            lambda m: (m.document or {}).get("file_name") == lembar, timeout=WAIT
        )
        assert "Susulan arsip" in sent.text and f"Berkas #{case}" in sent.text
        await world.drained(within=WAIT)
        assert len(documents_named(kabag, lembar)) == 1


class WrittenAsTheBundleGoes:
    """The paper maker of the bot, but the Lembar Pemeriksaan the archive bundle is going
    without is written by another sender (a second bot process in the seconds before it
    learns it is not the active one) at the very moment the bundle is put together: just
    before (``before``) or just after the bundle reads the case's papers. The share that
    held it is mended first."""

    def __init__(self, world: World, mend: Callable[[], None], before: bool) -> None:
        self.rows = world.services.outbox.paper_rows
        self.real = self.rows.maker
        assert self.real is not None
        self.world, self.mend, self.before = world, mend, before
        self.raced: list[int] = []  # the jobs written as the bundle went without them

    async def make(
        self, case_id: int, paper: str, seq: int, unwritten: Sequence[papers.Unwritten] = ()
    ) -> list[papers.RenderedPaper]:
        assert self.real is not None
        if not unwritten or self.raced:
            return await self.real.make(case_id, paper, seq, unwritten)
        if self.before:
            await self.write_meanwhile(unwritten)
        made = await self.real.make(case_id, paper, seq, unwritten)
        if not self.before:
            await self.write_meanwhile(unwritten)
        return made

    async def write_meanwhile(self, unwritten: Sequence[papers.Unwritten]) -> None:
        self.mend()
        other = papers.PaperRows(self.rows.courier, self.rows.files, self.real, self.rows.admins)
        later = self.rows.courier.clock.now() + timedelta(days=1)
        jobs = {u.job for u in unwritten}
        for job in await self.world.services.db.read(repo.due_outbox, later, 1000):
            if job.id in jobs:
                await other.make(job)
                self.raced.append(job.id)


@pytest.mark.parametrize("before", [True, False], ids=["just-before", "just-after"])
async def test_a_lembar_written_as_the_bundle_goes_without_it_reaches_the_kabag_once(
    tmp_path: Path,
    engine_target: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    before: bool,
) -> None:
    """The bundle does not wait (``papers.bundle_wait_minutes = 0``) and the share refuses
    the Lembar Pemeriksaan of the Kabag's signature: the bundle is going without it. At
    that very moment the share is mended and the Lembar Pemeriksaan is written, just before
    or just after the bundle takes the case's papers. The Kabag receives it exactly once:
    in her bundle (whose note then does not name it, nobody is told it is left out or
    will follow, and the log does not say the bundle went without it), or as a supplement
    to it; never both, never neither."""
    caplog.set_level(logging.WARNING, logger="bot.outbox")
    async with signature_world(tmp_path, engine_target, bundle_wait_minutes=0) as world:
        case = await up_to_the_signature(world)
        mend = refuse_the_lembar(world, monkeypatch, 3)
        racing = WrittenAsTheBundleGoes(world, mend, before)
        monkeypatch.setattr(world.services.outbox.paper_rows, "maker", racing)
        await Script(world, timeout=WAIT).approve("kabag", case)

        contents = opened(await bundle_received(world, case))
        await world.drained(within=WAIT)
        assert racing.raced
        kabag, admin = world["kabag"], world["admin"]
        lembar = f"pemeriksaan-B{case}-langkah3-ke1-setuju.docx"
        in_bundle = f"dokumen/{lembar}" in contents
        supplements = documents_named(kabag, lembar)
        assert int(in_bundle) + len(supplements) == 1
        assert vouched_for(contents)
        told = [*kabag.bot_messages, *admin.bot_messages]
        logged = [r.getMessage() for r in caplog.records if "goes without papers" in r.getMessage()]
        assert len(logged) == (0 if in_bundle else 1), logged
        if in_bundle:
            assert "tidak-disertakan.txt" not in contents
            assert not [m for m in told if "tidak disertakan" in m.text]
        else:
            assert f"archive bundle of case {case} goes without papers" in logged[0]
            assert logged[0].endswith(": pemeriksaan (event 5)"), logged
            note = contents["tidak-disertakan.txt"].decode()
            assert "Lembar Pemeriksaan langkah 3 (ke-1)" in note
            (sent,) = supplements
            assert "Susulan arsip" in sent.text and f"Berkas #{case}" in sent.text
            alerts = [m for m in admin.bot_messages if "kini telah selesai dibuat" in m.text]
            assert len(alerts) == 1
            assert "Lembar Pemeriksaan langkah 3 (ke-1)" in alerts[0].text
