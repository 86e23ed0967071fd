"""Operations: a backup taken while the bot runs and writes, a corrupt database refused at
start, a case exported with its files, and the bot token kept out of every log line and
error message whatever fails.

The ``sopbot`` command runs as a real process; Telegram is the emulator in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from reliability_helpers import load_case, load_events, log_problems, query, sqlite_file

from bot import texts as t
from bot.alerts import AlertThrottle
from bot.core.loader import load_definition
from bot.core.model import CaseStatus
from bot.demo import (
    ACTING,
    ADMIN_ID,
    FAST_SENDER,
    ROOT,
    TOKEN,
    Script,
    World,
    draft,
    has_button,
    play_sop,
)
from bot.filestore import MARKER
from bot.logsetup import setup_logging
from emulator import BotApiEmulator, EmuMessage
from storage import repo
from storage.db import Database, DatabaseError, Tx, check_sqlite
from storage.migrations import LATEST

SOP_PATH = ROOT / "sops" / "penyusunan-program-kerja.toml"
SECRET = TOKEN.partition(":")[2]


async def sopbot(
    *args: str, token: str | None = None, limit: float = 60, **variables: str
) -> tuple[int, str, str]:
    """Run ``sopbot`` as a process without blocking the emulator in this loop (``variables``:
    environment variables besides the token)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", *variables)}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    env.update(variables)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def write_config(path: Path, database: Path, files: Path, api: str | None = None) -> Path:
    lines = [
        f"sops = [{json.dumps(str(SOP_PATH))}]",
        "[storage]",
        f"database = {json.dumps(str(database))}",
        f"files_dir = {json.dumps(str(files))}",
    ]
    if api:
        lines += ["[bot]", f"api_base_url = {json.dumps(api)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def world_cli_config(world: World, tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "config.toml", sqlite_file(world), world.config.storage.files_dir
    )


# -- backup --------------------------------------------------------------------------------


def snapshot_problems(path: Path) -> list[str]:
    """Why a copy of the database is not a consistent state of it (empty if it is)."""
    conn = sqlite3.connect(path)
    try:
        problems = []
        check = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if check != ["ok"]:
            problems.append(f"integrity_check: {check}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != LATEST:
            problems.append(f"schema version {version}")
    finally:
        conn.close()
    definition = load_definition(SOP_PATH)
    for (case_id,) in query(path, "SELECT id FROM cases"):
        case = load_case(path, case_id)
        assert case is not None
        problems += [
            f"case {case_id}: {p}"
            for p in log_problems(definition, case, load_events(path, case_id))
        ]
    return problems


async def a_stranger_starts(emu: BotApiEmulator) -> EmuMessage:
    """Once the bot polls, someone it does not know presses Start; the bot's answer."""
    user = emu.user(4242, "Rina")
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
    await user.send("/start")
    return await user.wait_message(timeout=15)


async def test_backup_while_the_bot_runs_and_writes_is_consistent(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        config = world_cli_config(world, tmp_path)
        db = sqlite_file(world)
        playing = asyncio.create_task(play_sop(world))
        copies = []
        for n, entries in enumerate((2, 10, 18, 26)):  # taken as the log grows

            def grown(entries: int = entries) -> bool:
                return bool(query(db, "SELECT 1 FROM events WHERE seq >= ?", (entries,)))

            await world.emu.wait_until(grown, timeout=30)
            dest = tmp_path / "backups" / f"copy-{n}.sqlite3"
            code, out, err = await sopbot("backup", str(dest), "--config", str(config))
            assert code == 0, err
            assert "backup written" in out
            copies.append(dest)
        case_id = await playing
        await world.drained()

        live_events = load_events(db, case_id)
        taken = []
        for copy in copies:
            assert snapshot_problems(copy) == [], copy
            events = load_events(copy, case_id) if query(copy, "SELECT 1 FROM cases") else []
            assert events == live_events[: len(events)]  # a moment of the same history
            taken.append(len(events))
            opened = await Database.open(copy)  # and the bot could start from it
            await opened.close()
        assert any(0 < n < len(live_events) for n in taken), taken  # taken mid-way, writing
        print(f"\n[ops] 4 backups during play: {taken} of {len(live_events)} log entries")


# -- integrity check at start -------------------------------------------------------------


async def damaged_database(path: Path) -> None:
    """A real bot database with a damaged page (an index's b-tree), as a bad disk leaves it."""
    db = await Database.open(path)
    now = datetime.now(UTC)

    def fill(tx: Tx) -> None:
        for i in range(3000):
            text = f"pesan {i} " + "x" * 50
            repo.enqueue(tx, 1000 + i % 7, "notice", now, params={"t": "text", "text": text})

    await db.write(fill)
    await db.close()
    conn = sqlite3.connect(path)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'outbox_queue'"
    ).fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    damage(path, (root - 1) * page + page // 2, root * page - 8)


def damage(path: Path, start: int, end: int) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(start, end, 37):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


async def test_a_corrupt_database_is_refused_at_start_with_a_clear_message(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged" / "sopbot.sqlite3"
    garbage = tmp_path / "garbage" / "sopbot.sqlite3"
    await damaged_database(damaged)
    garbage.parent.mkdir()
    garbage.write_bytes(b"This is not a database, just a file that took its name.\n" * 200)

    for path, says in (
        (damaged, "integrity check failed"),
        (garbage, "not a usable SQLite database"),
    ):
        try:
            db = await Database.open(path)
        except DatabaseError as exc:
            assert str(path) in str(exc) and says in str(exc)
        else:
            await db.close()
            raise AssertionError(f"{path} was opened")

    async with BotApiEmulator(token=TOKEN) as emu:
        tried = 0
        for path, says in (
            (damaged, "integrity check failed"),
            (garbage, "not a usable SQLite database"),
        ):
            config = write_config(
                path.parent / "config.toml", path, path.parent / "files", emu.base_url
            )
            runs = {
                "run": await sopbot("run", "--config", str(config), token=TOKEN),
                "backup": await sopbot(
                    "backup", str(path.parent / "copy.sqlite3"), "--config", str(config)
                ),
                "export": await sopbot(
                    "export", "1", "--out", str(path.parent / "out"), "--config", str(config)
                ),
            }
            for command, (code, _, err) in runs.items():
                tried += 1
                assert code == 2, (command, err)
                assert err.startswith(f"error: {path}"), (command, err)
                assert says in err, (command, err)
                assert "Traceback" not in err, (command, err)
        assert not (damaged.parent / "copy.sqlite3").exists()
        assert not emu.calls_to("getUpdates"), "the bot never began to poll"
        print(f"\n[ops] corrupt databases refused: 2 kinds x 3 commands = {tried} runs, exit 2")


async def test_a_database_of_a_newer_release_is_refused_at_start_as_check_refuses_it(
    tmp_path: Path,
) -> None:
    """An office that went back to an older release without restoring its backup: the start
    said only "database schema version 13 is newer than this program (12)", while the check
    named the file and what to do. Both say the same now."""
    database = tmp_path / "data" / "sopbot.sqlite3"
    db = await Database.open(database)
    await db.close()
    with sqlite3.connect(database) as plain:
        plain.execute(f"PRAGMA user_version = {LATEST + 1}")
    said = (
        f"{database}: database schema version {LATEST + 1} is newer than this program "
        f"({LATEST}): it was written by a newer release of sopbot; run that release, or "
        "restore a backup taken before the upgrade"
    )
    async with BotApiEmulator(token=TOKEN) as emu:
        config = write_config(tmp_path / "config.toml", database, tmp_path / "files", emu.base_url)
        code, _, err = await sopbot("run", "--config", str(config), token=TOKEN)
        assert (code, err) == (2, f"error: {said}\n")
        code, _, err = await sopbot("check", "--config", str(config), token=TOKEN)
        assert code == 2 and f"error: storage.database: {said}\n" in err, err
        assert not emu.calls_to("getUpdates"), "the bot never began to poll"
    with sqlite3.connect(database) as plain:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1


def said_to_another_user(attempt: Callable[[], object]) -> str:
    """What ``attempt`` raises (its message), made by a user who is not root: this user, or,
    when the tests run as root (who writes any folder, so SQLite would never refuse), a
    child of this process that became user nobody."""
    if os.geteuid() != 0:
        try:
            attempt()
        except Exception as exc:
            return str(exc)
        return ""
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no user nobody to run as")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest
        said = b""
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            said = said_to_another_user(attempt).encode()
        except BaseException as exc:
            said = f"the child failed: {exc!r}".encode()
        finally:
            os.write(write, said)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        heard = answer.read().decode()
    os.waitpid(pid, 0)
    return heard


def test_a_database_whose_folder_this_user_cannot_write_is_not_called_damaged() -> None:
    """An operator ran `sopbot check` (or backup, export) as a user who may read the
    database but not write its folder, and read "not a usable SQLite database (attempt to
    write a readonly database)": it looked damaged. It says who cannot write where now."""
    # a folder user nobody can reach (pytest's tmp_path is its owner's alone)
    place = Path(tempfile.mkdtemp(prefix="sopbot-perm-"))
    folder = place / "data"
    database = folder / "sopbot.sqlite3"

    async def opened(open_database: Callable[[Path], Awaitable[Database]]) -> None:
        db = await open_database(database)
        await db.close()

    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    try:
        asyncio.run(opened(Database.open))  # the bot's user made it
        place.chmod(0o755)
        folder.chmod(0o555)  # readable, not writable
        for attempt in (
            lambda: check_sqlite(database),  # sopbot check
            lambda: asyncio.run(opened(Database.open_existing)),  # backup, export
        ):
            said = said_to_another_user(attempt)
            assert said.startswith(
                f"{database}: cannot be opened as user {user}: {folder} is not writable "
                "(SQLite's WAL needs its -shm file there)"
            ), said
    finally:
        folder.chmod(0o755)
        shutil.rmtree(place)


# -- export --------------------------------------------------------------------------------


class ShiftedClock:
    """The office's clock, which the test moves days ahead (time passing while the bot runs)."""

    def __init__(self, timezone: str = "Asia/Jakarta") -> None:
        self.zone = ZoneInfo(timezone)
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(self.zone) + self.offset


async def export(config: Path, case_id: int, out: Path) -> dict[str, Any]:
    code, stdout, err = await sopbot(
        "export", str(case_id), "--out", str(out), "--config", str(config)
    )
    assert code == 0, err
    assert f"case {case_id} exported" in stdout
    record: dict[str, Any] = json.loads(
        (out / f"berkas-{case_id}" / "record.json").read_text(encoding="utf-8")
    )
    return record


async def test_export_writes_the_record_and_every_file_also_after_the_outbox_is_pruned(
    tmp_path: Path,
) -> None:
    clock = ShiftedClock()
    async with World(tmp_path / "w", clock=clock) as world:
        await world.everyone_starts()
        case_id = await play_sop(world, with_returns=False)
        await world.drained()
        config = world_cli_config(world, tmp_path)
        db = sqlite_file(world)
        record = await export(config, case_id, tmp_path / "export")
        folder = tmp_path / "export" / f"berkas-{case_id}"
        case = load_case(db, case_id)
        assert case is not None and case.status is CaseStatus.ARCHIVED
        assert record["case"]["status"] == "archived"
        assert record["case"]["archive_reference"] == case.archive_reference
        events = load_events(db, case_id)
        assert [e["type"] for e in record["events"]] == [e.type.value for e in events]
        stored = await world.services.db.read(repo.files_of_case, case_id)
        assert [f["id"] for f in record["files"]] == [f.id for f in stored]
        kinds = {f["kind"] for f in record["files"]}
        assert kinds == {"upload", "paper"}
        names = [f["name"] for f in record["files"]]
        assert any(n.endswith(".zip") for n in names), names  # the archive bundle
        assert any(n.startswith("pemeriksaan-") for n in names), names  # kept, never sent
        for entry, row in zip(record["files"], stored, strict=True):
            assert entry["exported_as"], entry
            data = (folder / "files" / entry["exported_as"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] == row.sha256
            assert len(data) == entry["size"] == row.size
        # the uploads are the very bytes the officials sent
        sent = {
            hashlib.sha256(world.emu.file_bytes(m.document["file_id"])).hexdigest()
            for user in world.users.values()
            for m in user.messages
            if not m.from_bot and m.document
        }
        assert {f["sha256"] for f in record["files"] if f["kind"] == "upload"} <= sent

        # the retention passes: the delivered outbox rows of the case are pruned ...
        delivered = query(
            db, "SELECT COUNT(*) FROM outbox WHERE case_id = ? AND sent_at IS NOT NULL", (case_id,)
        )[0][0]
        assert delivered > 0
        clock.offset = world.config.storage.retention + timedelta(hours=1)
        removed, _ = await world.services.outbox.prune()
        assert removed >= delivered
        assert query(db, "SELECT COUNT(*) FROM outbox WHERE case_id = ?", (case_id,))[0][0] == 0
        # ... and the case exports the same: the event log and the files are the record
        again = await export(config, case_id, tmp_path / "export-after-prune")
        assert again == record
        folder_again = tmp_path / "export-after-prune" / f"berkas-{case_id}"
        for entry in record["files"]:
            name = entry["exported_as"]
            assert (folder_again / "files" / name).read_bytes() == (
                folder / "files" / name
            ).read_bytes()
        print(
            f"\n[ops] export: {len(record['events'])} events, {len(record['files'])} files "
            f"({sorted(kinds)}); the same after {removed} delivered outbox rows were pruned"
        )


async def test_export_names_every_person_and_who_held_each_role_when(tmp_path: Path) -> None:
    """Budi (Kabag) returns the proposal and later corrects his name; the administrator
    passes Kabag on to Agus Salim (/alihkan), who approves it. The export names every id it
    holds (name, NIP, position; Budi's profile before his correction, until when), and shows
    on what authority Agus approved as Kabag: Budi held the role until the /alihkan, Agus
    from then, both on the administrator's word."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.submit("Program Kerja 2027")
        await s.review_return("kabag", case_id, "TOR belum mencantumkan jadwal pelaksanaan.")
        await s.correct_profile(
            "kabag", "Ir. Budi Santoso, M.Si.", "197505102000031002", "Kepala Bagian"
        )
        await s.press("kasubag", "Ajukan", case_id)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/alihkan kabag 1002 {ACTING.telegram_id}")
        await admin.wait_message(lambda m: "dialihkan" in m.text)
        await s.approve("plh", case_id)
        await world.drained()
        config = world_cli_config(world, tmp_path)
        record = await export(config, case_id, tmp_path / "export")
    people = {p["person_id"]: p for p in record["people"]}
    named = {e["actor"] for e in record["events"]} | {f["uploaded_by"] for f in record["files"]}
    assert named - {0} <= set(people)  # 0: the papers the bot wrote
    budi_then = {
        "name": "Budi Santoso, S.E., M.Si.",
        "nip": "197505102000031002",
        "position": "Kepala Bagian Manajemen Kinerja",
        "changed_by": 1002,
    }
    assert people[1002]["name"] == "Ir. Budi Santoso, M.Si."
    [earlier] = people[1002]["earlier_profiles"]
    assert {k: v for k, v in earlier.items() if k != "valid_until"} == budi_then
    returned = next(e for e in record["events"] if e["type"] == "returned")
    assert earlier["valid_until"] > returned["at"]  # he returned it under his old name
    assert people[ACTING.telegram_id] | {"earlier_profiles": []} == {
        "person_id": ACTING.telegram_id,
        "name": ACTING.name,
        "nip": ACTING.nip,
        "position": ACTING.position,
        "username": people[ACTING.telegram_id]["username"],
        "earlier_profiles": [],
    }
    kabag = [a for a in record["role_assignments"] if a["role"] == "kabag"]
    assert [(a["person_id"], a["revoked_by"]) for a in kabag] == [
        (1002, ADMIN_ID),
        (ACTING.telegram_id, None),
    ]
    assert kabag[1]["granted_by"] == ADMIN_ID and kabag[1]["granted_at"] == kabag[0]["revoked_at"]
    approved = [e for e in record["events"] if e["actor"] == ACTING.telegram_id]
    assert approved and all(e["at"] >= kabag[1]["granted_at"] for e in approved)
    assert {a["role"] for a in record["role_assignments"]} >= {"kasubag", "kabag", "karo"}
    assert ADMIN_ID in people


async def test_export_names_each_file_it_could_not_copy_and_exits_non_zero(
    tmp_path: Path,
) -> None:
    """A file lost from the files folder (a clean-up, an older restore): the export copies
    the rest, says how many it copied, names the missing one on stderr and exits 1."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        case_id = await Script(world).submit("Program Kerja 2027")
        await world.drained()
        stored = await world.services.db.read(repo.files_of_case, case_id)
        assert len(stored) >= 2, stored
        lost, changed = stored[0], stored[1]
        (world.config.storage.files_dir / lost.path).unlink()
        (world.config.storage.files_dir / changed.path).write_bytes(b"another file")
        config = world_cli_config(world, tmp_path)
        out = tmp_path / "export"
        code, stdout, err = await sopbot(
            "export", str(case_id), "--out", str(out), "--config", str(config)
        )
    assert code == 1, (stdout, err)
    good = len(stored) - 2
    assert f"({good} of {len(stored)} files," in stdout, stdout
    assert f"not exported: file {lost.id} '{lost.name}'" in err, err
    assert lost.sha256 in err and "missing from the files folder" in err, err
    assert f"file {changed.id} '{changed.name}'" in err and "sha256 differs" in err, err
    assert "Traceback" not in err
    record = json.loads((out / f"berkas-{case_id}" / "record.json").read_text(encoding="utf-8"))
    exported = {f["id"]: f["exported_as"] for f in record["files"]}
    assert exported[lost.id] is None and exported[changed.id] is None
    copied = sorted(p.name for p in (out / f"berkas-{case_id}" / "files").iterdir())
    assert copied == sorted(n for n in exported.values() if n), copied
    print(f"\n[ops] export with a file lost and one changed: exit {code}; {err.strip()!r}")


async def test_export_with_the_files_share_not_mounted_says_so_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """The files share is not mounted (its mount point stays, empty): no file is lost, so
    the export does not list them all as "not exported" with "restore them": it writes
    nothing and says to mount the share (or to write the marker if the files are lost for
    good). Mounted again, the export is whole."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        case_id = await Script(world).submit("Program Kerja 2027")
        await world.drained()
        config = world_cli_config(world, tmp_path)
    files = world.config.storage.files_dir
    files.rename(files.with_name("files.share"))
    files.mkdir()  # the mount point
    out = tmp_path / "export"
    code, stdout, err = await sopbot(
        "export", str(case_id), "--out", str(out), "--config", str(config)
    )
    assert code == 2, (stdout, err)
    assert f"files folder {files.resolve()} is empty or absent" in err, err
    assert "is its share mounted? Mount it and export again" in err, err
    assert f"touch {files.resolve() / MARKER}" in err, err
    assert "restore them" not in err and "not exported:" not in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert not any(files.iterdir())

    files.rmdir()
    files.with_name("files.share").rename(files)  # mounted again
    code, stdout, err = await sopbot(
        "export", str(case_id), "--out", str(out), "--config", str(config)
    )
    assert code == 0, (stdout, err)
    print(f"\n[ops] export with the files share not mounted: {err.strip()!r}")


# -- the token ------------------------------------------------------------------------------


@contextlib.contextmanager
def production_logging(level: int = logging.DEBUG) -> Iterator[io.StringIO]:
    """The bot's own logging setup (``sopbot run``), written to a buffer; also the chatty
    libraries turned up to DEBUG, so that lines with Bot API URLs exist to be masked."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    chatty = ("httpx", "httpcore", "telegram", "tornado", "emulator", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in chatty}
    buffer = io.StringIO()
    setup_logging(TOKEN, level)
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, lvl in levels.items():
            logging.getLogger(name).setLevel(lvl)


def leaks(text: str) -> list[str]:
    return [line for line in text.splitlines() if SECRET in line or TOKEN in line]


async def test_the_token_is_in_no_log_line_or_error_message(tmp_path: Path) -> None:
    with production_logging() as logged:
        async with World(tmp_path / "w") as world:
            emu, faults = world.emu, world.emu.faults
            await world.everyone_starts()
            s = Script(world)
            case = await s.new_case("Uji kerahasiaan token", 2027)
            await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
            await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
            user = world["kasubag"]
            task = await s.seen("kasubag", has_button("Ajukan", case))  # both inputs in
            data = next(d for row in task.buttons for text, d in row if "Ajukan" in text)
            assert data is not None
            # an upload that cannot be downloaded (the HTTP layer sends getFile, a read, once
            # more when the connection dies unanswered, and the bot tries the download three
            # times: drop all six)
            faults.drop(6, method="getFile")
            user.mark_seen()
            await user.send_document(draft("TOR", 2), file_name="TOR.docx", caption=f"#{case}")
            await user.wait_message(lambda m: "tidak dapat diunduh" in m.text, timeout=10)
            # an exception in a handler: the disk refuses an upload (a file stands where the
            # case's folder should be)
            blocked = world.config.storage.files_dir / f"case-{case}"
            moved = blocked.with_name(f"{blocked.name}.aside")
            blocked.rename(moved)
            blocked.write_bytes(b"not a folder")
            await user.send_document(draft("TOR", 3), file_name="TOR.docx", caption=f"#{case}")
            await world["admin"].wait_message(lambda m: "Gangguan pada bot" in m.text, timeout=10)
            blocked.unlink()
            moved.rename(blocked)
            # the outbox meets every kind of failure
            faults.fail(2, status=500, method="sendMessage")
            faults.fail(1, status=429, retry_after=1, method="sendMessage")
            faults.hang(1, seconds=0.3, method="sendMessage", execute="after")
            faults.fail(1, status=502, method="sendMediaGroup", body="<html>502 Bad Gateway</html>")
            faults.drop(1, method="sendMediaGroup", execute=True)
            faults.fail(1, status=401, method="editMessageReplyMarkup")  # "Unauthorized"
            injected = len(faults.rules) + 8  # and the stale answer, 6 getFile, the outage
            await s.press("kasubag", "Ajukan", case)
            await world.drained(within=20)
            # a stale press whose answer Telegram refuses (logged, not an error)
            faults.fail(
                1,
                status=400,
                method="answerCallbackQuery",
                description="Bad Request: query is too old",
            )
            answers = len(emu.calls_to("answerCallbackQuery"))
            user.press_data(task, data)
            await emu.wait_until(
                lambda: len(emu.calls_to("answerCallbackQuery")) > answers, timeout=10
            )
            # and Telegram unreachable for a moment
            await emu.start_outage("refused", seconds=1.5)
            await emu.wait_until(lambda: emu.outage is None, timeout=10)
            await s.approve("kabag", case)
            await world.drained(within=20)
            assert faults.rules == []
            chats = "\n".join(m.text for u in world.users.values() for m in u.messages)
            rows = query(sqlite_file(world), "SELECT last_error FROM outbox")
            last_errors = "\n".join(r["last_error"] or "" for r in rows)
    text = logged.getvalue()
    lines = text.splitlines()
    assert len(lines) > 200 and "<token>" in text  # URLs were logged, masked
    assert "unhandled error while processing an update" in text and "Traceback" in text
    assert "Exception happened while polling for updates" in text  # the outage was met
    assert "InvalidToken" in last_errors  # the refused edit: settled as failed
    assert leaks(text) == []
    assert leaks(chats) == [] and leaks(last_errors) == []
    print(
        f"\n[ops] token: {len(lines)} log lines ({text.count('<token>')} masks), {injected} "
        "faults injected, a disk failure (an unhandled exception), an outage: the token in none"
    )


async def test_sopbot_run_never_prints_the_token(tmp_path: Path) -> None:
    """A wrong token, and Telegram unreachable: the errors name the problem, not the token."""
    async with BotApiEmulator(token="987654:SomeOtherBotsTokenXXXXXXXXXXXXXX") as emu:
        config = write_config(
            tmp_path / "config.toml", tmp_path / "db.sqlite3", tmp_path / "files", emu.base_url
        )
        code, out, err = await sopbot("run", "--config", str(config), token=TOKEN)
        assert code == 2, err
        # a wrong token, or a base URL that is no Bot API server: both are a 401/404
        assert (
            "error: Telegram rejected the bot token in $TELEGRAM_BOT_TOKEN, or "
            f"bot.api_base_url ({emu.base_url}) is not a Bot API server"
        ) in err.splitlines()
        assert "Traceback" not in err  # PTB's own line stays, without its two tracebacks
        assert leaks(out + err) == []
        assert "Unclosed client session" not in err  # the request layers were closed
        # an operator who turns the log up to see every call sees them, never the token
        code, out, err = await sopbot(
            "run", "--config", str(config), "--log-level", "debug", token=TOKEN
        )
        assert code == 2, err
        assert " DEBUG " in err and "getMe" in err, err
        assert leaks(out + err) == []
        port = emu.port
    config = write_config(
        tmp_path / "config.toml",
        tmp_path / "db.sqlite3",
        tmp_path / "files",
        f"http://127.0.0.1:{port}",
    )
    # it tries again (test_a_bot_started_while_telegram_is_unreachable_...), and a SIGTERM
    # meanwhile stops it cleanly
    proc = await start_bot(config)
    early: list[str] = []
    await asyncio.wait_for(unreachable_tries(proc, 2, early), 60)
    log = "".join(early) + await stop_bot(proc)
    assert "Telegram cannot be reached at start (attempt 2:" in log, log
    assert "SIGTERM received: stopping" in log and proc.returncode == 0, log
    assert "Traceback" not in log and "Unclosed client session" not in log, log
    assert leaks(log) == []
    print("\n[ops] sopbot run, wrong token: exit 2; Telegram unreachable: still trying")


async def test_a_token_revoked_while_the_bot_polls_stops_it_with_one_line_naming_the_variable(
    tmp_path: Path,
) -> None:
    """The operator takes a new token from @BotFather (/revoke) while the bot runs: the next
    poll is refused (401 Unauthorized). The bot does not sit there deaf until someone stops
    it: it says so, naming the variable, stops cleanly (the database closed) and exits 2,
    which systemd's RestartPreventExitStatus=2 does not restart."""
    async with BotApiEmulator(token=TOKEN) as emu:
        database = tmp_path / "db.sqlite3"
        config = write_config(tmp_path / "config.toml", database, tmp_path / "files", emu.base_url)
        proc = await start_bot(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
            emu.token = "123456789:ANewTokenFromBotFatherAfterRevoke0"  # the old one refused
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 45)
            stopped = proc.returncode is not None
        finally:
            log = await stop_bot(proc)
    assert stopped, f"the bot kept running deaf with a refused token:\n{log}"
    assert proc.returncode == 2, log
    assert (
        "error: Telegram rejected the bot token in $TELEGRAM_BOT_TOKEN, or bot.api_base_url "
        f"({emu.base_url}) is not a Bot API server"
    ) in log.splitlines(), log
    assert "Traceback" not in log and "Unclosed client session" not in log, log
    assert leaks(log) == []
    assert not database.with_name(database.name + "-wal").exists(), "the database not closed"


@pytest.mark.parametrize("event_loop", ["uvloop", "asyncio"])
async def test_sopbot_run_answers_on_either_event_loop_and_stops_on_sigterm(
    tmp_path: Path, event_loop: str
) -> None:
    """``bot.event_loop``: the bot runs on uvloop (the default) or asyncio's own loop, says
    which at start, answers (a stranger, politely), and stops cleanly on SIGTERM."""
    async with BotApiEmulator(token=TOKEN) as emu:
        config = write_config(
            tmp_path / "config.toml", tmp_path / "db.sqlite3", tmp_path / "files", emu.base_url
        )
        with config.open("a", encoding="utf-8") as handle:
            handle.write(f'event_loop = "{event_loop}"\n')
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            answer = await a_stranger_starts(emu)
        finally:
            proc.terminate()
            out, err = await asyncio.wait_for(proc.communicate(), 30)
    log = (out + err).decode()
    assert answer.text.startswith("Mohon maaf, Bapak/Ibu belum terdaftar"), answer.text
    assert proc.returncode == 0, log
    expected = {"uvloop": "uvloop.Loop", "asyncio": "asyncio.unix_events._UnixSelectorEventLoop"}
    assert f"running on the event loop {expected[event_loop]}" in log, log
    assert "Traceback" not in log, log


async def three_uploads_the_disk_refuses(world: World, title: str) -> None:
    """Everyone has started; Kasubag opens a case whose folder cannot be made (a file stands
    where it should be) and sends her TOR three times: each time she is told of the fault."""
    await world.everyone_starts()
    case = await Script(world).new_case(title, 2027)
    blocked = world.config.storage.files_dir / f"case-{case}"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_bytes(b"not a folder")
    world["admin"].mark_seen()
    kasubag = world["kasubag"]
    for n in range(1, 4):
        kasubag.mark_seen()
        await kasubag.send_document(draft("TOR", n), file_name="TOR.docx", caption=f"#{case}")
        await kasubag.wait_message(lambda m: m.text == t.ERROR_GENERIC, timeout=10)


async def test_a_fault_that_repeats_alerts_the_administrator_once(tmp_path: Path) -> None:
    """The disk refuses uploads (a file stands where the case's folder should be). Kasubag
    sends her file three times: each time she is told of the fault, and the administrator
    is told once, not once for every upload."""
    async with World(tmp_path / "w") as world:
        admin = world["admin"]
        await three_uploads_the_disk_refuses(world, "Uji gangguan berulang")
        await world.drained()
        alerts = [m.text for m in admin.bot_messages if "Gangguan pada bot" in m.text]
        assert alerts == ["⚠️ Gangguan pada bot: FileExistsError. Rincian ada di log."]


async def test_a_burst_of_faults_that_stops_is_told_in_full_when_its_window_ends(
    tmp_path: Path,
) -> None:
    """The disk refuses Kasubag's three uploads in a row, then nothing more goes wrong. The
    administrator is told at once of the first, and of the other two when the alert window
    ends: not only if the fault happens again later."""
    async with World(tmp_path / "w", sender={**FAST_SENDER, "alert_every": 3.0}) as world:
        admin = world["admin"]
        await three_uploads_the_disk_refuses(world, "Uji gangguan beruntun")

        def told() -> int:
            """Errors the administrator has heard of, counted from the alerts' texts."""
            alerts = [m.text for m in admin.bot_messages if "FileExistsError" in m.text]
            counts = [int(n) for a in alerts for n in re.findall(r"(\d+) kali", a)]
            return sum(1 for a in alerts if "kali" not in a) + sum(counts)

        await world.emu.wait_until(lambda: told() == 3, timeout=15)
        alerts = [m.text for m in admin.bot_messages if "Gangguan pada bot" in m.text]
        assert alerts[0] == "⚠️ Gangguan pada bot: FileExistsError. Rincian ada di log."
        assert "terjadi lagi" in alerts[-1] and "dalam 0 menit" not in alerts[-1], alerts


async def test_faults_held_back_when_the_bot_stops_are_told_after_it_starts_again(
    tmp_path: Path,
) -> None:
    """Three uploads fail in a row and the administrator restarts the bot before the alert
    window ends: the two held back are not lost with the stop, they are told at the start."""
    async with World(tmp_path / "w") as world:
        admin = world["admin"]
        await three_uploads_the_disk_refuses(world, "Uji gangguan lalu dimulai ulang")
        await world.stop_bot()
        await world.start_bot()
        await admin.wait_message(lambda m: "sebelum bot berhenti" in m.text, timeout=15)
        alerts = [m.text for m in admin.bot_messages if "FileExistsError" in m.text]
        assert alerts == [
            "⚠️ Gangguan pada bot: FileExistsError. Rincian ada di log.",
            "⚠️ Gangguan pada bot: FileExistsError terjadi lagi 2 kali sebelum bot berhenti. "
            "Rincian ada di log.",
        ]


def test_alerts_held_back_are_counted_in_the_next_alert_of_their_kind() -> None:
    now = [0.0]
    throttle = AlertThrottle(every=60.0, clock=lambda: now[0])
    assert throttle.take("Conflict") == 0
    assert throttle.take("Conflict") is None and throttle.take("Conflict") is None
    assert throttle.take("OSError") == 0  # another kind is told at once
    assert throttle.held("Conflict") == 2 and throttle.window_left("Conflict") == 60.0
    now[0] = 61.0
    assert throttle.take("Conflict") == 2
    assert throttle.take("Conflict") is None
    now[0] = 121.5  # the window ends with one held back: told then, and a new window opens
    assert throttle.window_left("Conflict") == 0.0
    assert throttle.flush("Conflict") == 1 and throttle.flush("Conflict") == 0
    assert throttle.take("Conflict") is None


WEBHOOK_SECRET = "rahasia_Webhook-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_config(tmp_path: Path, api: str, port: int) -> Path:
    config = write_config(
        tmp_path / "config.toml", tmp_path / "db.sqlite3", tmp_path / "files", api
    )
    with config.open("a", encoding="utf-8") as handle:
        handle.write(
            'mode = "webhook"\n[bot.webhook]\nlisten = "127.0.0.1"\n'
            f'port = {port}\nurl = "https://bot.kemnaker.example"\npath = "telegram"\n'
        )
    return config


def stranger_says(update_id: int, text: str) -> dict[str, Any]:
    person = {"id": 4242, "is_bot": False, "first_name": "Rina"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {**person, "type": "private"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_mode_needs_its_secret_and_refuses_updates_without_it(
    tmp_path: Path,
) -> None:
    """In webhook mode the bot will not start without the secret Telegram sends with every
    update (anyone who reaches the URL could act as any official). With it, setWebhook
    carries it, an update posted without it is refused, and Telegram's own is answered."""
    import httpx

    port = free_port()
    async with BotApiEmulator(token=TOKEN) as emu:
        config = webhook_config(tmp_path, emu.base_url, port)
        code, _, err = await sopbot(
            "run", "--config", str(config), token=TOKEN, SOPBOT_WEBHOOK_SECRET=""
        )
        assert code == 2 and "bot.webhook.secret_token_env" in err, err
        assert not emu.calls_to("setWebhook")
        code, _, err = await sopbot(
            "check", "--config", str(config), token=TOKEN, SOPBOT_WEBHOOK_SECRET=""
        )
        assert code == 2 and "SOPBOT_WEBHOOK_SECRET is not set" in err, err

        code, _, err = await sopbot(
            "check", "--config", str(config), token=TOKEN, SOPBOT_WEBHOOK_SECRET="ada spasi"
        )
        assert code == 2 and "A-Z, a-z, 0-9, _ and -" in err, err

        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "SOPBOT_WEBHOOK_SECRET": WEBHOOK_SECRET}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("setWebhook")), timeout=30)
            [hook] = emu.calls_to("setWebhook")
            assert hook.params["secret_token"] == WEBHOOK_SECRET
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as client:
                for _ in range(150):
                    with contextlib.suppress(httpx.TransportError):
                        forged = await client.post(url, json=stranger_says(1, "/start"))
                        break
                    await asyncio.sleep(0.1)
                wrong = await client.post(
                    url,
                    json=stranger_says(2, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": "tebakan"},
                )
                genuine = await client.post(
                    url,
                    json=stranger_says(3, "/start"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
            assert (forged.status_code, wrong.status_code, genuine.status_code) == (403, 403, 200)
            await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), timeout=15)
            await asyncio.sleep(0.5)  # a forged update, had it been taken, is answered by now
            [answer] = emu.calls_to("sendMessage")
            assert str(answer.params["text"]).startswith("Mohon maaf, Bapak/Ibu belum terdaftar")
        finally:
            proc.terminate()
            out, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
        assert WEBHOOK_SECRET not in (out + err_bytes).decode()


# -- one process per database ---------------------------------------------------------------


async def start_bot(config: Path) -> asyncio.subprocess.Process:
    """``sopbot run`` as a process of its own (stopped by the caller), its output piped."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def unreachable_tries(proc: asyncio.subprocess.Process, tries: int, log: list[str]) -> None:
    """Read the bot's log into ``log`` until it has said ``tries`` times that Telegram cannot
    be reached at start, or it ended: however long a busy machine takes to start it."""
    assert proc.stderr is not None
    while sum("Telegram cannot be reached at start" in line for line in log) < tries:
        line = await proc.stderr.readline()
        if not line:
            return  # it ended: the caller's assertions say how
        log.append(line.decode())


async def stop_bot(proc: asyncio.subprocess.Process, signum: int = signal.SIGTERM) -> str:
    """Send ``signum``; the process's output once it ended (killed after 30 s)."""
    if proc.returncode is None:
        proc.send_signal(signum)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
    return (out + err).decode()


async def test_a_second_sopbot_run_on_the_same_database_is_refused_naming_the_first(
    tmp_path: Path,
) -> None:
    """A forgotten tmux session, a second unit: the second ``sopbot run`` on one SQLite
    database exits at once (2), naming the database and the pid of the one that runs; the
    first keeps polling alone. Once it stopped, the lock file left behind blocks nothing."""
    async with BotApiEmulator(token=TOKEN) as emu:
        database = tmp_path / "db.sqlite3"
        config = write_config(tmp_path / "config.toml", database, tmp_path / "files", emu.base_url)
        first = await start_bot(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
            polls = len(emu.calls_to("getUpdates"))
            code, out, err = await sopbot("run", "--config", str(config), token=TOKEN, limit=30)
            assert code == 2, out + err
            assert f"another sopbot process (pid {first.pid}) is running on {database}" in err
            assert "Traceback" not in err and out == ""
            assert first.returncode is None
            await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) > polls, timeout=15)
        finally:
            log = await stop_bot(first)
        assert await first.wait() == 0, log  # stopped: its code, at once
        assert (tmp_path / "db.sqlite3.lock").exists()
        again = await start_bot(config)
        try:
            calls = len(emu.calls_to("getUpdates"))
            await emu.wait_until(lambda: len(emu.calls_to("getUpdates")) > calls, timeout=30)
        finally:
            log = await stop_bot(again)
        assert again.returncode == 0, log
    print(f"\n[ops] a second sopbot run: exit {code}: {err.strip()}")


# -- signals ----------------------------------------------------------------------------------


async def test_sighup_stops_the_bot_cleanly_and_says_so(tmp_path: Path) -> None:
    """The SSH session that ran ``bin/run`` closes (or an administrator expects a reload):
    SIGHUP stops the bot as SIGTERM does, with a line saying so, the database closed (its
    write-ahead log gone) and nothing left in the inbox."""
    async with BotApiEmulator(token=TOKEN) as emu:
        database = tmp_path / "db.sqlite3"
        config = write_config(tmp_path / "config.toml", database, tmp_path / "files", emu.base_url)
        proc = await start_bot(config)
        try:
            answer = await a_stranger_starts(emu)
        finally:
            log = await stop_bot(proc, signal.SIGHUP)
    assert answer.text.startswith("Mohon maaf, Bapak/Ibu belum terdaftar"), answer.text
    assert proc.returncode == 0, log
    assert "INFO sopbot: SIGHUP received: stopping" in log, log
    assert "Traceback" not in log, log
    assert not database.with_name(database.name + "-wal").exists()
    assert query(database, "SELECT COUNT(*) FROM inbox")[0][0] == 0


# -- start-up -------------------------------------------------------------------------------


async def test_a_bot_started_while_telegram_is_unreachable_keeps_trying_and_answers_once_it_is(
    tmp_path: Path,
) -> None:
    """A reboot before the network (or the proxy) is up: ``sopbot run`` does not exit; it
    logs one line per failed try, without a traceback or the token, backs off, and answers
    once Telegram is there."""
    port = free_port()
    database = tmp_path / "db.sqlite3"
    api = f"http://127.0.0.1:{port}"
    config = write_config(tmp_path / "config.toml", database, tmp_path / "files", api)
    proc = await start_bot(config)
    early: list[str] = []  # its log until it has tried three times (0, 1.5, 3.75 s: PTB's
    # back-off), however long a busy machine takes to start it
    try:
        await asyncio.wait_for(unreachable_tries(proc, 3, early), 60)
        assert proc.returncode is None, "the bot gave up"
        async with BotApiEmulator(token=TOKEN, port=port) as emu:
            answer = await a_stranger_starts(emu)
            log = "".join(early) + await stop_bot(proc)
    finally:
        if proc.returncode is None:
            await stop_bot(proc)
    assert answer.text.startswith("Mohon maaf, Bapak/Ibu belum terdaftar"), answer.text
    assert await proc.wait() == 0, log  # stopped: its code, at once
    tries = [line for line in log.splitlines() if "Telegram cannot be reached at start" in line]
    assert len(tries) >= 3, log
    assert all(line.endswith("trying again") and " WARNING sopbot: " in line for line in tries)
    assert re.search(r"Telegram reached after \d+ failed attempts", log), log
    assert "Traceback" not in log and "CRITICAL" not in log, log
    assert leaks(log) == []
    print(f"\n[ops] Telegram unreachable at start: {len(tries)} one-line tries, then answered")


# -- the first day ----------------------------------------------------------------------------

SECOND_ADMIN = 100000001  # in admins, and has not opened the bot yet


async def test_an_administrator_who_has_not_pressed_start_is_one_line_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """First day: a second administrator is in the config but has not opened the bot, so
    Telegram refuses his menu ("chat not found"). The start says so in one line naming him
    and Telegram's words, with no traceback; he gets his menu when he presses Start."""
    caplog.set_level(logging.INFO)
    async with World(tmp_path / "w", admins=[ADMIN_ID, SECOND_ADMIN]) as world:
        said = [r for r in caplog.records if f"not set for {SECOND_ADMIN}" in r.getMessage()]
        assert len(said) == 1, [r.getMessage() for r in caplog.records]
        assert said[0].exc_info is None and said[0].levelno == logging.INFO
        assert "chat not found" in said[0].getMessage().lower()
        newcomer = world.emu.user(SECOND_ADMIN, "Admin Kedua", username="admin2")
        await newcomer.send("/start")
        await newcomer.wait_message(timeout=15)
        assert "undang" in [c["command"] for c in world.emu.commands(f"chat:{SECOND_ADMIN}")]


async def test_a_second_instance_polling_with_the_token_is_one_warning_line(
    tmp_path: Path,
) -> None:
    """First day: the trial bot on a laptop still polls with the token (its own database,
    so no lock stops it), and each of its polls ends the bot's with a Conflict. The log says
    once, in one line, that another instance gets the updates, with no traceback; once the
    laptop stops, the bot answers again."""
    async with BotApiEmulator(token=TOKEN) as emu:
        config = write_config(
            tmp_path / "config.toml", tmp_path / "db.sqlite3", tmp_path / "files", emu.base_url
        )
        proc = await start_bot(config)
        try:
            await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), timeout=30)
            loop = asyncio.get_running_loop()
            until = loop.time() + 6  # the bot's tries after a Conflict: 1, 1.5, 2.25 s apart
            polls, laptop_polls = len(emu.calls_to("getUpdates")), 0
            async with httpx.AsyncClient() as laptop:
                while loop.time() < until:
                    await laptop.post(f"{emu.base_url}/bot{TOKEN}/getUpdates", json={})
                    laptop_polls += 1
                    await asyncio.sleep(0.3)
            # each of the bot's polls meanwhile was ended by the laptop's next one
            assert len(emu.calls_to("getUpdates")) - polls - laptop_polls >= 3
            answer = await a_stranger_starts(emu)
        finally:
            log = await stop_bot(proc)
    said = [
        line
        for line in log.splitlines()
        if "another instance uses this bot's token: stop it" in line
    ]
    assert len(said) == 1 and " WARNING " in said[0] and "Conflict" in said[0], log
    assert "Traceback" not in log and "while processing an update" not in log, log
    assert answer.text.startswith("Mohon maaf, Bapak/Ibu belum terdaftar"), answer.text


async def test_a_proxy_that_fails_some_polls_is_one_line_in_the_log(tmp_path: Path) -> None:
    """The office proxy answers three of the bot's polls with 502 Bad Gateway. PTB tries
    again by itself: the log says so in one line, not an error with a traceback each time,
    the administrator is not alerted of it, and the bot answers once the proxy is well."""
    async with BotApiEmulator(token=TOKEN) as emu:
        config = write_config(
            tmp_path / "config.toml", tmp_path / "db.sqlite3", tmp_path / "files", emu.base_url
        )
        config.write_text("admins = [4343]\n" + config.read_text(encoding="utf-8"))
        admin = emu.user(4343, "Admin")
        await admin.send("/start")  # the chat exists: an alert would reach it
        bad = emu.faults.fail(3, status=502, method="getUpdates")
        proc = await start_bot(config)
        try:
            await emu.wait_until(lambda: bad.remaining == 0, timeout=30)
            answer = await a_stranger_starts(emu)
        finally:
            log = await stop_bot(proc)
    said = [line for line in log.splitlines() if "getting updates failed" in line]
    assert len(said) == 1 and " WARNING " in said[0] and "Bad Gateway" in said[0], log
    assert "Traceback" not in log and " ERROR " not in log, log
    assert answer.text.startswith("Mohon maaf, Bapak/Ibu belum terdaftar"), answer.text
    assert not [m.text for m in admin.bot_messages if "Gangguan" in m.text]


# -- restore --------------------------------------------------------------------------------


def crashed_copy(database: Path, crash: Path) -> None:
    """``crash``: ``database`` as a crash (SIGKILL, a power cut) leaves it: a write-ahead
    log full of committed changes not yet copied into the file, written an hour ago."""
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        for i in range(50):
            conn.execute(
                "INSERT INTO processed_updates (update_id, at) VALUES (?, ?)",
                (900000 + i, "2026-01-05T01:00:00Z"),
            )
        crash.mkdir()
        for suffix in ("", "-wal", "-shm"):
            source = database.with_name(database.name + suffix)
            (crash / (database.name + suffix)).write_bytes(source.read_bytes())
    finally:
        conn.close()
    an_hour_ago = datetime.now().timestamp() - 3600
    for path in crash.iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))


async def test_a_backup_restored_over_a_crashed_database_is_refused_before_its_old_log_spoils_it(
    tmp_path: Path,
) -> None:
    """After a crash, the administrator copies yesterday's backup over the database; the
    crash's write-ahead log is still beside it. The bot (and ``check``) refuse to open the
    file, naming the log and what to do, and leave the restored file as it was; once the
    log is moved away, the restored database is the backup's."""
    database = tmp_path / "live" / "sopbot.sqlite3"
    db = await Database.open(database)
    await db.write(repo.enqueue, 1001, "notice", datetime.now(UTC), params={"t": "text"})
    await db.close()
    backup = tmp_path / "backup.sqlite3"
    code, out, err = await sopbot("backup", str(backup), "--config", str(
        write_config(tmp_path / "live.toml", database, tmp_path / "files")
    ))  # fmt: skip
    assert code == 0, err
    crash = tmp_path / "crash"
    crashed_copy(database, crash)
    restored = crash / database.name
    config = write_config(tmp_path / "config.toml", restored, tmp_path / "files")
    code, out, err = await sopbot("check", "--config", str(config), token=TOKEN)
    assert code == 0, err  # a crash's log, newer than its file: it belongs (it is replayed)

    restored.write_bytes(backup.read_bytes())  # cp backup.sqlite3 sopbot.sqlite3
    wal = crash / f"{database.name}-wal"
    async with BotApiEmulator(token=TOKEN) as emu:
        config = write_config(tmp_path / "config.toml", restored, tmp_path / "files", emu.base_url)
        for command in ("run", "check"):
            code, out, err = await sopbot(command, "--config", str(config), token=TOKEN)
            assert code == 2, (command, out, err)
            assert f"{restored}: its write-ahead log {wal} (" in err, err
            assert "belongs to the file this one replaced" in err, err
            assert f"move {wal.name} and {database.name}-shm out of the folder" in err, err
            assert "Traceback" not in err, err
            assert restored.read_bytes() == backup.read_bytes()  # nothing was opened
    for suffix in ("-wal", "-shm"):
        (crash / (database.name + suffix)).rename(tmp_path / (database.name + suffix))
    code, out, err = await sopbot("check", "--config", str(config), token=TOKEN)
    assert code == 0, err
    assert (
        query(restored, "SELECT COUNT(*) FROM processed_updates")[0][0]
        == query(backup, "SELECT COUNT(*) FROM processed_updates")[0][0]
    )
    print("\n[ops] a backup restored over a crash's log: refused, opened once the log moved")
