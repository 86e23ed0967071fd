"""The outbox under faults of the bot's own environment: the database refuses writes (its
disk is full), the files folder cannot be written, a stored file is gone.

As in ``test_reliability_outbox.py``, the bot is the real Application talking HTTP to the
emulator (``World``) on a real SQLite file. The faults are made without privileges, so the
tests run anywhere: the database refuses writes through a trigger that fails every update
of the outbox (as a full disk fails them), the files folder is replaced by a plain file
(nothing can be written under it), a stored file is deleted. A files folder full,
read-only or not writable is made real where the process may (a small tmpfs mounted, as
root; chmod, or chattr +i as root), else its error is injected at the World's FileStore.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from reliability_helpers import connect, outbox_rows, sqlite_file

from bot import texts as t
from bot.demo import FAST_SENDER, TOKEN, Script, World, draft, has_button, play_sop
from bot.filestore import MARKER, FileStore, FolderFault, SavedFile, safe_name
from handlers.files import FOLDER_ALERTS
from storage import repo
from storage.db import Tx

DISK_FULL = "database or disk is full"


def as_read(text: str) -> str:
    """A message text as the official reads it (the bot sends HTML)."""
    return re.sub(r"<[^>]+>", "", text)


@contextlib.contextmanager
def outbox_writes_refused(db_path: Path) -> Iterator[None]:
    """Every update of an outbox row fails while this lasts, as on a full disk (a new row
    can still be queued: the fault meets the sender, not the command that queued it)."""
    conn = connect(db_path)
    try:
        conn.execute(
            "CREATE TRIGGER disk_full BEFORE UPDATE ON outbox "
            f"BEGIN SELECT RAISE(ABORT, '{DISK_FULL}'); END"
        )
        conn.commit()
        yield
    finally:
        conn.execute("DROP TRIGGER IF EXISTS disk_full")
        conn.commit()
        conn.close()


async def queue_notice(world: World, chat: int, text: str) -> int:
    svc = world.services

    def txn(tx: Tx) -> int:
        repo.enqueue(tx, chat, "notice", svc.clock.now(), params={"t": "text", "text": text})
        return int(tx.value("SELECT MAX(id) FROM outbox"))

    row_id: int = await svc.db.write(txn)
    svc.outbox.wake()
    return row_id


def outbox_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.outbox"]


async def test_the_outbox_waits_longer_and_longer_while_the_database_disk_is_full(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice for Kabag met a 502 and waits for its retry when the database's disk fills.
    The sender does not try again at once, round after round, logging a traceback each
    time: it waits 1 s, 2 s, ... (here at most 2 s), logs the first failure with its
    traceback and no more while it lasts, and says when it works again. The notice then
    goes, once; the administrators hear of the fault once, and once when it is over."""
    caplog.set_level(logging.INFO, logger="bot.outbox")
    sender = {**FAST_SENDER, "max_backoff": 2.0, "max_fault_backoff": 2.0}
    async with World(tmp_path / "w", sender=sender) as world:
        await world.everyone_starts()
        await world.drained()
        db, kabag = world.services.db, world["kabag"]
        world.emu.faults.fail(1, status=502, method="sendMessage")
        row_id = await queue_notice(world, kabag.id, "Pesan di tengah gangguan")
        await world.emu.wait_until(
            lambda: [r.attempts for r in outbox_rows(sqlite_file(world)) if r.id == row_id] == [1],
            timeout=10,
        )
        writes = 0
        real_write = db.write

        async def counted(fn: Any, *args: Any) -> Any:
            nonlocal writes
            writes += 1
            return await real_write(fn, *args)

        with outbox_writes_refused(sqlite_file(world)):  # before its retry, 1 s after the 502
            caplog.clear()
            monkeypatch.setattr(db, "write", counted)
            await asyncio.sleep(5)
            tries, records = writes, outbox_log(caplog)
        monkeypatch.setattr(db, "write", real_write)
        print(f"\n[disk full] {tries} writes in 5 s, {len(records)} log records")
        assert tries <= 8, "the sender does not back off: it tries again at once"
        tracebacks = [r for r in records if r.exc_info]
        assert len(tracebacks) == 1
        assert DISK_FULL in str(tracebacks[0].exc_info[1] if tracebacks[0].exc_info else "")
        assert len([r for r in records if r.levelno >= logging.ERROR]) == 1

        await world.drained(within=10)
        assert [m.text for m in kabag.bot_messages].count("Pesan di tengah gangguan") == 1
        assert any("work again" in r.getMessage() for r in outbox_log(caplog))
        assert not [r for r in outbox_rows(sqlite_file(world)) if r.failed]
        # told straight away (the outbox could not take the row), and when it is over
        admin = world["admin"]
        await admin.wait_message(lambda m: "teratasi" in m.text, timeout=10)
        told = [m.text for m in admin.bot_messages]
        assert sum("tertahan oleh gangguan" in m for m in told) == 1, told


@contextlib.contextmanager
def files_folder_broken(world: World) -> Iterator[None]:
    """The files folder cannot be written while this lasts: a plain file stands where it
    was (as a share that went away, or read-only: every write under it fails), and the
    folder comes back as it was."""
    folder = world.config.storage.files_dir
    away = folder.with_name(folder.name + ".away")
    folder.rename(away)
    folder.write_bytes(b"")
    try:
        yield
    finally:
        folder.unlink()
        away.rename(folder)


async def a_case_to_archive_with_its_share_gone(world: World) -> tuple[int, Path, Path]:
    """A case played up to Fungsional Umum's archiving; then the share of the files folder
    goes away, its mount point left empty. The case, the mount point and where the share's
    contents wait to be mounted again (renamed back)."""
    await world.everyone_starts()
    case_id = await play_sop(world, with_returns=False, archive=False)
    await world.drained()
    files = world.config.storage.files_dir
    share = files.with_name("files.share")
    files.rename(share)
    files.mkdir()
    return case_id, files, share


async def test_a_long_fault_the_administrators_are_told_of_is_shortened_as_plain_text(
    tmp_path: Path,
) -> None:
    """The bot's folders lie deep in the office's share, with long folder names: the fault
    that holds the archive bundle (the files folder not mounted, named by its path) is
    longer than the alert quotes. It is shortened with "…" inside its <code>; no markup of
    the bot's own shows in it as text."""
    deep = tmp_path.joinpath(*["Arsip Elektronik Biro Perencanaan & Manajemen Kinerja"] * 6)
    sender = {**FAST_SENDER, "max_backoff": 0.05, "max_fault_backoff": 0.05}
    async with World(deep / "w", sender=sender) as world:
        case_id, files, share = await a_case_to_archive_with_its_share_gone(world)
        s = Script(world)
        await s.press("fu", "Arsipkan", case_id)
        await s.answer_prompt("fu", "OT.04.00/123/2026", case_id)
        alert = await world["admin"].wait_message(
            lambda m: "tertahan oleh gangguan" in m.text, timeout=10
        )
        files.rmdir()
        share.rename(files)
        await world.drained(within=10)
    problem = alert.text.split("basis data):\n", 1)[1].split("\n", 1)[0]
    assert problem.startswith(("FilesNotInPlace: ", "FileNotFoundError: ")), problem
    assert problem.endswith("…"), problem
    assert "dipersingkat" not in alert.text and "<i>" not in alert.text


async def test_the_files_share_not_mounted_holds_the_archive_bundle_until_it_is_back(
    tmp_path: Path,
) -> None:
    """The share of the files folder is not mounted: its mount point stays, empty. Kasubag
    sends the Konsep of the next proposal: it is not saved into the mount point (the
    marker of the files folder is not there), and he is told, politely, that the storage
    cannot be reached for now and to send it again later. Dewi presses Arsipkan: the case is archived, but its bundle is not built without
    every final document "tidak ditemukan": it is held, the administrators are told, and
    once the share is back Dewi receives the bundle whole."""
    sender = {**FAST_SENDER, "max_backoff": 0.05, "max_fault_backoff": 0.05}
    async with World(tmp_path / "w", sender=sender) as world:
        case_id, files, share = await a_case_to_archive_with_its_share_gone(world)
        s = Script(world)
        other = await s.new_case("Usulan lain", 2028)
        await s.upload(
            "kasubag",
            other,
            "Konsep Rencana Kerja.docx",
            draft("Konsep lain"),
            expect="tidak dapat diakses",
        )
        assert not any(files.iterdir())
        fu, admin = world["fu"], world["admin"]
        await s.press("fu", "Arsipkan", case_id)
        await s.answer_prompt("fu", "OT.04.00/123/2026", case_id)
        await admin.wait_message(lambda m: "tertahan oleh gangguan" in m.text, timeout=10)
        assert not [m for m in fu.bot_messages if m.document and "arsip" in file_name(m)]
        assert not any(files.iterdir())

        files.rmdir()
        share.rename(files)  # mounted again
        bundle = await fu.wait_message(lambda m: file_name(m).endswith(".zip"), timeout=15)
        names = zipfile.ZipFile(io.BytesIO(bundle.file_bytes())).namelist()
        assert "tidak-disertakan.txt" not in names and "dokumen/Draf RKAKL.docx" in names
        await admin.wait_message(lambda m: "teratasi" in m.text, timeout=10)


async def a_case_with_its_tor(world: World) -> int:
    """Everyone has started the bot; Kasubag opened a case and sent its TOR (saved)."""
    await world.everyone_starts()
    s = Script(world)
    case_id = await s.new_case("Usulan Program Kerja 2027", 2027)
    await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
    await world.drained()
    return case_id


async def refused_twice(world: World, case_id: int, konsep: bytes, refused: str) -> None:
    """Kasubag sends the Konsep Rencana Kerja of the case twice; each time the bot answers
    the file with ``refused`` (a reply to it, no reaction taking it)."""
    kasubag = world["kasubag"]
    for _ in range(2):
        sent = await Script(world).upload(
            "kasubag", case_id, "Konsep Rencana Kerja.docx", konsep, expect="Mohon maaf"
        )
        answer = kasubag.bot_messages[-1]
        assert answer.text == refused
        assert answer.reply_to is not None and answer.reply_to.message_id == sent.message_id
        assert not sent.bot_reactions
    await world.drained()


async def test_an_upload_while_the_files_share_is_not_mounted_is_refused_and_saved_once_back(
    tmp_path: Path,
) -> None:
    """The share of the files folder goes away while the bot runs: its mount point stays,
    empty. Kasubag sends the Konsep Rencana Kerja of his case, then sends it again: each
    time he is told, quoting his file, that the storage cannot be reached for now, that the
    file was not saved and the case is unchanged, and to send it again later (not the bot's
    generic apology). The administrators are told once, not once per upload: which folder,
    and to mount the share. Nothing is written into the mount point, no file is recorded,
    the case is as it was. Once the share is mounted again, the same file is taken."""
    async with World(tmp_path / "w") as world:
        case_id = await a_case_with_its_tor(world)
        svc, db_file = world.services, sqlite_file(world)
        admin = world["admin"]
        case_before = await svc.db.read(repo.load_case, case_id)
        files_before = await svc.db.read(repo.files_of_case, case_id)
        events_before = connect(db_file).execute("SELECT COUNT(*) FROM events").fetchone()[0]
        told_before = len(admin.bot_messages)

        files = world.config.storage.files_dir
        share = files.with_name("files.share")
        files.rename(share)  # the share goes away; the mount point stays, empty
        files.mkdir()
        konsep = draft("Konsep Rencana Kerja 2027")
        refused = as_read(
            t.FILE_STORE_UNAVAILABLE.format(
                problem=t.FILE_STORE_PROBLEM["not_mounted"],
                name="Konsep Rencana Kerja.docx",
                case=case_id,
                told=t.FILE_STORE_UNAVAILABLE_TOLD,
            )
        )
        await refused_twice(world, case_id, konsep, refused)

        assert not any(files.iterdir())
        assert await svc.db.read(repo.load_case, case_id) == case_before
        assert await svc.db.read(repo.files_of_case, case_id) == files_before
        events = connect(db_file).execute("SELECT COUNT(*) FROM events").fetchone()[0]
        assert events == events_before
        root = svc.files.root
        notice = as_read(t.FILES_NOT_MOUNTED_ADMIN.format(folder=root, marker=root / MARKER))
        told = [m.text for m in admin.bot_messages[told_before:]]
        assert told == [notice], told
        assert "mount" in notice and f"touch {root / MARKER}" in notice

        files.rmdir()
        share.rename(files)  # mounted again
        await Script(world).upload("kasubag", case_id, "Konsep Rencana Kerja.docx", konsep)
        recorded = await svc.db.read(repo.files_of_case, case_id)
        assert [f.name for f in recorded] == [
            *(f.name for f in files_before),
            "Konsep Rencana Kerja.docx",
        ]
        case = await svc.db.read(repo.load_case, case_id)
        assert case is not None and case.latest("konsep_rencana_kerja") is not None
        await world.drained()
        assert [m.text for m in admin.bot_messages[told_before:]] == [notice]


def _ran(*command: str) -> bool:
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


@functools.cache
def can_mount() -> bool:
    """Whether the tests may mount a file system of their own (root with CAP_SYS_ADMIN, as
    in a privileged container): then a full disk and a read-only one are real."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    with tempfile.TemporaryDirectory() as probe:
        if not _ran("mount", "-t", "tmpfs", "-o", "size=64k", "sopbot-probe", probe):
            return False
        return _ran("umount", probe)


@contextlib.contextmanager
def on_a_small_disk(folder: Path) -> Iterator[None]:
    """The folder on a file system of its own of 1 MB (a tmpfs mounted on it), holding
    what it held; afterwards it is the folder it was, with what was written in it
    meanwhile."""
    aside = folder.parent.parent / f"{folder.name}.aside"  # out of the files folder
    folder.rename(aside)
    folder.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "sopbot-test", str(folder)],
        check=True,
    )
    try:
        for item in aside.iterdir():
            shutil.copy2(item, folder / item.name)
        yield
    finally:
        for item in folder.iterdir():
            if not (aside / item.name).exists():
                shutil.copy2(item, aside / item.name)
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()
        aside.rename(folder)


def filled(folder: Path) -> Path:
    """The file written into the folder until its disk is full."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(bytes(4096))
    return filler


@dataclass
class FaultMade:
    how: str
    code: int  # the errno the save meets
    clear: Callable[[], object]  # the fault is mended


def injected(files: FileStore, code: int, monkeypatch: pytest.MonkeyPatch) -> FaultMade:
    """The OSError ``code`` raised by the World's FileStore's save, as the system raises it
    writing the copy into the case's folder (when nothing real makes it here)."""
    real = files.save

    async def failing(case_id: int, name: str, data: bytes) -> SavedFile:
        part = files.root / f"case-{case_id}" / f"{safe_name(name)}.0123456789abcdef.part"
        raise OSError(code, os.strerror(code), str(part))

    monkeypatch.setattr(files, "save", failing)
    return FaultMade(
        f"injected at FileStore.save: {errno.errorcode[code]}",
        code,
        lambda: monkeypatch.setattr(files, "save", real),
    )


@contextlib.contextmanager
def files_folder_cannot_take(
    files: FileStore, folder: Path, fault: FolderFault, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultMade]:
    """The case's ``folder`` in the files folder cannot take a file, for ``fault``: made
    real where this process can (a 1 MB file system filled up; one remounted read-only;
    the folder not writable for a user other than root, or made immutable for root, whom
    permissions do not stop), else the error injected at the FileStore's boundary (an I/O
    error always: nothing real makes one without a faulty device)."""
    if fault in (FolderFault.FULL, FolderFault.READ_ONLY) and can_mount():
        with on_a_small_disk(folder):
            if fault is FolderFault.FULL:
                filler = filled(folder)
                yield FaultMade("a 1 MB tmpfs filled up", errno.ENOSPC, filler.unlink)
            else:
                subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
                yield FaultMade(
                    "a tmpfs remounted read-only",
                    errno.EROFS,
                    lambda: subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True),
                )
    elif fault is FolderFault.NOT_WRITABLE and os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield FaultMade("chmod 555", errno.EACCES, lambda: folder.chmod(0o755))
        finally:
            folder.chmod(0o755)
    elif fault is FolderFault.NOT_WRITABLE and _ran("chattr", "+i", str(folder)):
        try:
            yield FaultMade(
                "chattr +i (root)", errno.EPERM, lambda: _ran("chattr", "-i", str(folder))
            )
        finally:
            _ran("chattr", "-i", str(folder))
    else:
        code = {
            FolderFault.FULL: errno.ENOSPC,
            FolderFault.NOT_WRITABLE: errno.EACCES,
            FolderFault.READ_ONLY: errno.EROFS,
            FolderFault.IO_ERROR: errno.EIO,
        }[fault]
        yield injected(files, code, monkeypatch)


def stored(root: Path) -> set[Path]:
    """The files in the files folder (a test's filler not counted)."""
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.name != "filler"}


@pytest.mark.parametrize(
    "fault",
    [FolderFault.FULL, FolderFault.NOT_WRITABLE, FolderFault.READ_ONLY, FolderFault.IO_ERROR],
    ids=str,
)
async def test_an_upload_the_files_folder_cannot_take_is_refused_and_saved_once_it_can(
    tmp_path: Path,
    fault: FolderFault,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The files folder cannot take a file while the bot runs: its disk is full, it is not
    writable for the bot's user, its file system is read-only, or the disk fails (an I/O
    error). Made real where this process can: a 1 MB tmpfs mounted on the case's folder,
    filled up or remounted read-only (as root with CAP_SYS_ADMIN); the folder chmod 555
    (not root) or chattr +i (root, whom permissions do not stop). Else, and for the I/O
    error always, the OSError is injected at the World's FileStore (its save patched): see
    :func:`files_folder_cannot_take`.

    Kasubag sends the Konsep Rencana Kerja of his case, then sends it again: each time he
    is told, quoting his file, that the storage is full or has a fault, that the file was
    not saved and the case is unchanged, that the administrators were told, and to send
    it again later (not the bot's generic apology). The administrators are told once, not
    once per upload and without a traceback: which folder, what is wrong (the system's
    error, where), what to do. Nothing half-written is left in the folder, no file is
    recorded, no event, the case is as it was. Once the fault is mended, the same file is
    taken."""
    async with World(tmp_path / "w") as world:
        case_id = await a_case_with_its_tor(world)
        svc, db_file = world.services, sqlite_file(world)
        admin = world["admin"]
        root = svc.files.root
        folder = root / f"case-{case_id}"
        case_before = await svc.db.read(repo.load_case, case_id)
        files_before = await svc.db.read(repo.files_of_case, case_id)
        events_before = connect(db_file).execute("SELECT COUNT(*) FROM events").fetchone()[0]
        on_disk = stored(root)
        told_before = len(admin.bot_messages)
        konsep = draft("Konsep Rencana Kerja 2027")
        refused = as_read(
            t.FILE_STORE_UNAVAILABLE.format(
                problem=t.FILE_STORE_PROBLEM[fault],
                name="Konsep Rencana Kerja.docx",
                case=case_id,
                told=t.FILE_STORE_UNAVAILABLE_TOLD,
            )
        )
        caplog.clear()
        with files_folder_cannot_take(svc.files, folder, fault, monkeypatch) as made:
            print(f"\n[{fault}] {made.how}")
            await refused_twice(world, case_id, konsep, refused)

            assert stored(root) == on_disk  # no copy, not even half of one (*.part)
            assert await svc.db.read(repo.load_case, case_id) == case_before
            assert await svc.db.read(repo.files_of_case, case_id) == files_before
            events = connect(db_file).execute("SELECT COUNT(*) FROM events").fetchone()[0]
            assert events == events_before
            problem, todo = t.FILES_FOLDER_FAULTS[fault]
            notice = as_read(
                t.FILES_FOLDER_FAULT_ADMIN.format(
                    folder=root,
                    problem=problem,
                    error=f"{errno.errorcode[made.code]}: {os.strerror(made.code)}",
                    where=folder,
                    todo=todo.format(folder=root),
                )
            )
            told = [m.text for m in admin.bot_messages[told_before:]]
            assert told == [notice], told
            assert "Traceback" not in notice and TOKEN not in notice
            assert not [r for r in caplog.records if r.name == "sopbot.errors"]

            made.clear()
            await Script(world).upload("kasubag", case_id, "Konsep Rencana Kerja.docx", konsep)
        recorded = await svc.db.read(repo.files_of_case, case_id)
        assert [f.name for f in recorded] == [
            *(f.name for f in files_before),
            "Konsep Rencana Kerja.docx",
        ]
        assert (root / recorded[-1].path).read_bytes() == konsep
        case = await svc.db.read(repo.load_case, case_id)
        assert case is not None and case.latest("konsep_rencana_kerja") is not None
        await world.drained()
        assert [m.text for m in admin.bot_messages[told_before:]] == [notice]


async def test_a_file_stored_before_taken_again_on_a_full_disk_does_not_end_the_outage(
    tmp_path: Path,
) -> None:
    """The disk of the case's folder is full (a real 1 MB tmpfs, filled: this test needs
    root with CAP_SYS_ADMIN). Kasubag's Konsep is refused and the administrators told. She
    then sends the TOR she sent before: its bytes are stored already, nothing is written,
    and that proves nothing about the disk. So when her Konsep is refused again, after the
    alert window (2 s here), the administrators are not told a second time: it is the same
    outage, and it lasts until a file is written."""
    if not can_mount():
        pytest.skip("a full disk is made with a tmpfs: needs root with CAP_SYS_ADMIN")
    async with World(tmp_path / "w", sender={**FAST_SENDER, "alert_every": 2.0}) as world:
        case_id = await a_case_with_its_tor(world)
        svc, admin, kasubag = world.services, world["admin"], world["kasubag"]
        told_before = len(admin.bot_messages)
        s = Script(world)

        async def konsep_refused() -> None:
            name = "Konsep Rencana Kerja.docx"
            await s.upload("kasubag", case_id, name, draft("Konsep"), expect="Mohon maaf")
            assert "sedang penuh" in kasubag.bot_messages[-1].text
            await world.drained()

        with on_a_small_disk(svc.files.root / f"case-{case_id}"):
            filled(svc.files.root / f"case-{case_id}")
            await konsep_refused()
            await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"), expect="TOR")
            window = FOLDER_ALERTS[FolderFault.FULL]
            await world.emu.wait_until(lambda: svc.alerts.window_left(window) == 0, timeout=10)
            await konsep_refused()
        told = [m.text for m in admin.bot_messages[told_before:]]
        assert len(told) == 1 and "penuh" in told[0], told


async def test_a_disk_full_again_within_the_alert_window_is_told_once_the_window_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files folder's disk fills up (the administrators are told), is freed (Kasubag's
    TOR is saved), and fills up again within the alert window (4 s here, 30 minutes in an
    office): Kasubag's upload is refused, the administrators not told twice within the
    window, and told at the first refusal after it, not never (the disk may stay full for
    days). The error is injected at the World's FileStore (see :func:`injected`)."""
    async with World(tmp_path / "w", sender={**FAST_SENDER, "alert_every": 4.0}) as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.new_case("Usulan Program Kerja 2027", 2027)
        await world.drained()
        svc, admin, kasubag = world.services, world["admin"], world["kasubag"]
        told_before = len(admin.bot_messages)
        window = FOLDER_ALERTS[FolderFault.FULL]

        async def refused(version: int) -> None:
            name = "Konsep Rencana Kerja.docx"
            await s.upload("kasubag", case_id, name, draft(f"Konsep {version}"), expect="Mohon")
            assert "sedang penuh" in kasubag.bot_messages[-1].text
            await world.drained()

        def told() -> list[str]:
            return [m.text for m in admin.bot_messages[told_before:]]

        full = injected(svc.files, errno.ENOSPC, monkeypatch)
        await refused(1)
        assert len(told()) == 1 and "penuh" in told()[0], told()
        full.clear()
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))  # saved: over
        injected(svc.files, errno.ENOSPC, monkeypatch)
        if svc.alerts.window_left(window) > 0.5:  # full again, within the window
            await refused(2)
            assert len(told()) == 1, told()
        await world.emu.wait_until(lambda: svc.alerts.window_left(window) == 0, timeout=10)
        await refused(3)
        assert len(told()) == 2 and "penuh" in told()[1], told()


def file_name(message: Any) -> str:
    return str((message.document or {}).get("file_name", ""))


def papers_on_record(world: World, case_id: int) -> list[str]:
    rows = connect(sqlite_file(world)).execute(
        "SELECT doc FROM files WHERE case_id = ? AND kind = 'paper'", (case_id,)
    )
    return [str(r["doc"]) for r in rows]


async def test_the_papers_of_a_decision_taken_while_the_files_folder_fails_go_once_it_is_back(
    tmp_path: Path,
) -> None:
    """Kabag approves step 2 while the files folder cannot be written: the Lembar
    Disposisi cannot be saved. The bot keeps trying, longer than the 20 attempts after
    which a message Telegram keeps refusing is given up, and tells the administrators once
    that deliveries are held. When the folder is back, the papers are written, Karo gets
    them with his task, and the administrators hear that the deliveries go again."""
    sender = {**FAST_SENDER, "max_backoff": 0.05, "max_fault_backoff": 0.05}
    async with World(tmp_path / "w", sender=sender) as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.submit("Program Kerja 2027")
        await world.drained()
        admin, karo = world["admin"], world["karo"]
        with files_folder_broken(world):
            await s.approve("kabag", case_id)
            await asyncio.sleep(3)  # 60 tries at 0.05 s
            jobs = [r for r in outbox_rows(sqlite_file(world)) if r.kind == "paper"]
            assert jobs and not [r for r in jobs if r.failed or r.sent], jobs
            assert [r.attempts for r in jobs] == [0] * len(jobs)  # the fault is not theirs
            assert papers_on_record(world, case_id) == []
            assert not [m for m in karo.bot_messages if m.document]
            await admin.wait_message(lambda m: "tertahan" in m.text, timeout=10)
        await world.drained(within=20)
        assert "paper:disposisi" in papers_on_record(world, case_id)
        names = [str(m.document["file_name"]) for m in karo.bot_messages if m.document]
        assert any(n.startswith("disposisi-") for n in names), names
        assert any(has_button("Setujui", case_id)(m) for m in karo.bot_messages)
        await admin.wait_message(lambda m: "teratasi" in m.text, timeout=10)
        told = [m.text for m in admin.bot_messages]
        assert sum("tertahan oleh gangguan" in m for m in told) == 1, told
        assert sum("telah teratasi" in m for m in told) == 1, told
        assert not [r for r in outbox_rows(sqlite_file(world)) if r.failed]


async def test_the_karo_receives_the_documents_that_exist_when_one_file_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Kabag approves step 2; the Lembar Disposisi is written, and is deleted from the
    files folder (a clean-up script, a restore older than the database) before Karo's
    documents go (Telegram refuses documents meanwhile). Karo gets the Konsep Rencana Kerja all the
    same, with a caption saying politely which document cannot come; the administrators
    are told once, with the case and the file; the log has one warning, no traceback."""
    caplog.set_level(logging.INFO, logger="bot.outbox")
    sender = {**FAST_SENDER, "max_backoff": 0.05}
    async with World(tmp_path / "w", sender=sender) as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.submit("Program Kerja 2027")
        await world.drained()
        admin, karo = world["admin"], world["karo"]
        for method in ("sendDocument", "sendMediaGroup"):
            world.emu.faults.fail(10_000, status=502, method=method)
        await s.approve("kabag", case_id)
        await world.emu.wait_until(lambda: papers_on_record(world, case_id) != [], timeout=10)
        [(name, path)] = connect(sqlite_file(world)).execute(
            "SELECT name, path FROM files WHERE case_id = ? AND doc = 'paper:disposisi'",
            (case_id,),
        )
        (world.config.storage.files_dir / path).unlink()
        await world.emu.wait_until(  # an attempt after it was gone (not one under way)
            lambda: any("missing from the files" in r.getMessage() for r in caplog.records),
            timeout=10,
        )
        world.emu.faults.rules.clear()
        await world.drained(within=20)

        documents = [m for m in karo.bot_messages if m.document]
        assert [str((m.document or {})["file_name"]) for m in documents] == [
            "Konsep Rencana Kerja.docx"
        ]
        assert f"Dokumen {name} tidak dapat dikirim" in documents[0].text
        assert "administrator telah diberi tahu" in documents[0].text
        assert any(has_button("Setujui", case_id)(m) for m in karo.bot_messages)
        told = await admin.wait_message(lambda m: "tidak ditemukan" in m.text, timeout=10)
        assert name in told.text and f"#{case_id}" in told.text
        assert sum("tidak ditemukan" in m.text for m in admin.bot_messages) == 1
        rows = [r for r in outbox_rows(sqlite_file(world)) if r.kind == "files"]
        assert rows and not [r for r in rows if r.failed]
        records = outbox_log(caplog)
        assert not [r for r in records if r.exc_info]
        assert len([r for r in records if "missing from the files folder" in r.getMessage()]) == 1


async def signed_rkakl(world: World, case_id: int) -> repo.StoredFile:
    """The RKAKL as Karo signed it at step 9: the latest upload of the draft."""
    files: list[repo.StoredFile] = await world.services.db.read(repo.files_of_case, case_id)
    return max((f for f in files if f.doc == "draf_rkakl"), key=lambda f: f.id)


async def dewi_archives(world: World, case_id: int) -> zipfile.ZipFile:
    """Dewi (Fungsional Umum) presses Arsipkan and types the archive number: the archive
    bundle she receives, opened."""
    fu, s = world["fu"], Script(world)
    await s.press("fu", "Arsipkan", case_id)
    await s.answer_prompt("fu", "OT.04.00/123/2026", case_id)
    bundle = await fu.wait_message(
        lambda m: str((m.document or {}).get("file_name", "")).endswith(".zip"), timeout=15
    )
    return zipfile.ZipFile(io.BytesIO(bundle.file_bytes()))


def final_documents_listed(dokumentasi: bytes) -> list[str]:
    """The "A. Dokumen Final" rows of the Dokumentasi: document and file name, as printed."""
    document = Document(io.BytesIO(dokumentasi))
    table = next(t for t in document.tables if "Nama File" in t.rows[0].cells[1].text)
    return [row.cells[1].text for row in table.rows[1:]]


async def test_the_signed_rkakl_gone_when_dewi_archives_she_gets_the_bundle_without_it(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The case waits at step 12 for Dewi; the signed RKAKL is gone from the files folder
    (a clean-up, a restore older than the database) when she presses Arsipkan. She gets the
    archive bundle all the same, without the RKAKL: its Dokumentasi lists it as not found
    on the server, a note in the bundle says which document is left out and its recorded
    SHA-256, and SHA256SUMS vouches for what the bundle holds. She is told, and so are the
    administrators (with the case and the path); the log has a warning, no traceback; and
    her chat goes on: the next case's step 12 reaches her."""
    caplog.set_level(logging.INFO, logger="bot.outbox")
    case_id = await play_sop(world, with_returns=False, archive=False)
    rkakl = await signed_rkakl(world, case_id)
    (world.config.storage.files_dir / rkakl.path).unlink()

    with await dewi_archives(world, case_id) as bundle:
        names = bundle.namelist()
        contents = {name: bundle.read(name) for name in names}
    assert "dokumen/Draf RKAKL.docx" not in names
    assert {"dokumen/Draf Program Kerja.docx", "dokumen/Draf Penetapan Kinerja.docx"} <= set(names)
    assert "dokumentasi.docx" in names and "SHA256SUMS" in names
    listed = final_documents_listed(contents["dokumentasi.docx"])
    assert listed == [
        "Program Kerja\nDraf Program Kerja.docx",
        "RKAKL\nDraf RKAKL.docx (tidak ditemukan di server; tidak disertakan dalam arsip "
        "elektronik)",
        "Penetapan Kinerja\nDraf Penetapan Kinerja.docx",
    ]
    note = contents["tidak-disertakan.txt"].decode()
    assert f"Berkas #{case_id}" in note
    assert f"Draf RKAKL.docx: tidak ditemukan di server (SHA-256 tercatat: {rkakl.sha256})" in note
    lines = contents["SHA256SUMS"].decode().splitlines()
    sums = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    assert set(sums) == set(names) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(contents[name]).hexdigest() == digest, name

    told = await world["fu"].wait_message(lambda m: "tidak disertakan" in m.text, timeout=10)
    assert "Draf RKAKL.docx" in told.text and f"Berkas #{case_id}" in told.text
    assert "tidak ditemukan di server" in told.text
    admin = await world["admin"].wait_message(lambda m: "tidak disertakan" in m.text, timeout=10)
    assert rkakl.path in admin.text and f"Berkas #{case_id}" in admin.text
    assert "Dewi" in admin.text
    await world.drained()
    records = outbox_log(caplog)
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records]
    assert any("Draf RKAKL.docx" in r.getMessage() for r in records if r.levelname == "WARNING")
    assert not [r for r in outbox_rows(sqlite_file(world)) if not r.sent and not r.failed]

    second = await play_sop(world, with_returns=False, year=2028, archive=False)
    assert second != case_id  # play_sop waited for Dewi's Arsipkan on it


async def test_the_signed_rkakl_gone_before_the_archive_number_is_corrected_dewi_is_told(
    world: World,
) -> None:
    """Dewi archived the case with every file; the signed RKAKL is gone from the server
    when the administrator corrects its archive number. Dewi receives the corrected bundle
    without it and is told, as at the archiving; the administrators' notice names her as
    the one who received it, and the administrator is not given her text."""
    case_id = await play_sop(world, with_returns=False, archive=False)
    with await dewi_archives(world, case_id) as bundle:
        assert "dokumen/Draf RKAKL.docx" in bundle.namelist()
    await world.drained()
    rkakl = await signed_rkakl(world, case_id)
    (world.config.storage.files_dir / rkakl.path).unlink()
    fu, admin = world["fu"], world["admin"]
    admin.mark_seen()
    await admin.send(f"/ubah_arsip {case_id} OT.04.00/124/2026 salah ketik")
    await admin.wait_message(lambda m: "telah diubah" in m.text, timeout=10)

    told = await fu.wait_message(lambda m: "tidak disertakan" in m.text, timeout=10)
    assert "Draf RKAKL.docx" in told.text and f"Berkas #{case_id}" in told.text
    await world.drained()
    to_admin = [m.text for m in admin.bot_messages if "tidak disertakan" in m.text]
    assert [t for t in to_admin if rkakl.path in t and "Dewi" in t], to_admin
    assert not [t for t in to_admin if "administrator telah diberi tahu" in t], to_admin


async def test_the_signed_rkakl_changed_on_the_server_is_not_archived_as_the_signed_one(
    world: World,
) -> None:
    """The signed RKAKL's copy in the files folder no longer has the SHA-256 recorded when
    Karo signed it (a disk fault, an edit by hand) when Dewi presses Arsipkan. The bundle
    does not file those bytes as the signed RKAKL, and its SHA256SUMS vouches for none of
    them: the RKAKL is left out and said to be, as a missing one is, to her and to the
    administrators."""
    case_id = await play_sop(world, with_returns=False, archive=False)
    rkakl = await signed_rkakl(world, case_id)
    copy = world.config.storage.files_dir / rkakl.path
    changed = copy.read_bytes() + b"diubah"
    copy.write_bytes(changed)

    with await dewi_archives(world, case_id) as bundle:
        names = bundle.namelist()
        contents = {name: bundle.read(name) for name in names}
    assert "dokumen/Draf RKAKL.docx" not in names
    assert changed not in contents.values()
    assert hashlib.sha256(changed).hexdigest() not in contents["SHA256SUMS"].decode()
    why = "isinya di server tidak lagi sesuai dengan kode SHA-256 yang tercatat"
    listed = final_documents_listed(contents["dokumentasi.docx"])
    assert listed[1] == (f"RKAKL\nDraf RKAKL.docx ({why}; tidak disertakan dalam arsip elektronik)")
    note = contents["tidak-disertakan.txt"].decode()
    assert f"Draf RKAKL.docx: {why} (SHA-256 tercatat: {rkakl.sha256})" in note

    told = await world["fu"].wait_message(lambda m: "tidak disertakan" in m.text, timeout=10)
    assert "Draf RKAKL.docx" in told.text and why in told.text
    admin = await world["admin"].wait_message(lambda m: "tidak disertakan" in m.text, timeout=10)
    assert rkakl.path in admin.text and why in admin.text
