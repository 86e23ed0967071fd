"""``sopbot`` with PostgreSQL, as a real process: ``check`` reports the server and the
schema level, a password in the config is refused, ``backup`` writes a pg_dump,
``migrate-db`` moves a bureau's SQLite database (the demo's two cases) with every table
compared, refuses a target that holds data, and the bot then goes on on PostgreSQL; a NUL
an older release kept is copied as U+FFFD and named, and a copy that fails copies nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from core_helpers import T0
from pg_helpers import pg_url, pg_url_sync, tables_in  # noqa: F401 (fixtures)

from bot.core.model import CaseStatus
from bot.demo import World, play_acting, play_sop
from emulator import BotApiEmulator
from storage import repo, runlock, transfer
from storage.db import Database, Tx, newer_schema
from storage.migrations import LATEST
from storage.postgres import safe_url

ROOT = Path(__file__).resolve().parents[1]
SOP_PATH = ROOT / "sops" / "penyusunan-program-kerja.toml"
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ng"


def sopbot(*args: str, limit: float = 120, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, **variables}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=limit,
    )


def config_for(tmp_path: Path, database: str, api: str | None = None) -> Path:
    path = tmp_path / "config.toml"
    text = (
        f"sops = [{json.dumps(str(SOP_PATH))}]\n[storage]\ndatabase = {json.dumps(database)}\n"
        f"files_dir = {json.dumps(str(tmp_path / 'files'))}\n"
    )
    if api is not None:
        text += f"[bot]\napi_base_url = {json.dumps(api)}\n"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_check_reports_the_server_and_the_schema_level(
    tmp_path: Path,
    pg_url_sync: str,  # noqa: F811
) -> None:
    config = config_for(tmp_path, pg_url_sync)
    result = sopbot("check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "(PostgreSQL 1" in result.stdout
    assert f"database schema: level 0 of {LATEST} (migrated at the next start)" in result.stdout
    assert "active bot process: none running" in result.stdout

    async def start() -> None:  # the bot's first start migrates
        db = await Database.open(pg_url_sync)
        await db.close()

    asyncio.run(start())
    backup = tmp_path / "backups" / "sopbot.dump"
    result = sopbot("backup", str(backup), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "pg_dump custom format" in result.stdout and "pg_restore" in result.stdout
    assert backup.read_bytes()[:5] == b"PGDMP"
    result = sopbot("check", "--config", str(config))
    assert f"database schema: level {LATEST} of {LATEST} (migrated)" in result.stdout


async def test_a_database_of_a_newer_release_is_refused_by_check_and_start_alike(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """The check said "level 15 of 14 (migrated at the next start)"; the start refused it
    without naming the database or what to do."""
    db = await Database.open(pg_url)
    await db.write(Tx.run, "UPDATE sopbot_schema SET version = ?", (LATEST + 1,))
    await db.close()
    config = config_for(tmp_path, pg_url)
    said = newer_schema(safe_url(pg_url), LATEST + 1)
    check = await _sopbot_async("check", "--config", str(config))
    assert check.returncode == 2
    assert f"error: storage.database: {said}\n" in check.stderr, check.stderr
    async with BotApiEmulator(token=TOKEN) as emu:
        with config.open("a", encoding="utf-8") as f:
            f.write(f"[bot]\napi_base_url = {json.dumps(emu.base_url)}\n")
        start = await _sopbot_async("run", "--config", str(config))
    assert start.returncode == 2
    assert f"error: {said}\n" in start.stderr, start.stderr


@pytest.mark.parametrize("command", [["backup", "sopbot.dump"], ["export", "1"]])
async def test_a_backup_or_export_of_a_postgresql_database_the_bot_never_used_makes_none(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    command: list[str],
) -> None:
    """storage.database names a PostgreSQL database that holds nothing of the bot's (a
    misspelt name that exists, the server's own database, a new machine): the backup and
    the export say so, as they do of a SQLite file that is not there. The backup did not
    write an empty dump called a backup, nor did either leave the bot's tables behind."""
    config = config_for(tmp_path, pg_url)
    where = ["--out", str(tmp_path / "ekspor")] if command[0] == "export" else []
    if command[0] == "backup":
        command = ["backup", str(tmp_path / "sopbot.dump")]
    result = await _sopbot_async(*command, "--config", str(config), *where)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{safe_url(pg_url)}: no database there (storage.database): " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sopbot.dump").exists()
    assert await tables_in(pg_url) == []


def test_a_password_in_the_config_or_on_the_command_line_is_refused(tmp_path: Path) -> None:
    config = config_for(tmp_path, "postgresql://sopbot:rahasia123@127.0.0.1:5/sopbot")
    result = sopbot("check", "--config", str(config))
    assert result.returncode == 2
    assert "storage.database: the password must not be in the file" in result.stderr
    assert "rahasia123" not in result.stdout + result.stderr
    source = tmp_path / "x.sqlite3"
    source.write_bytes(b"")
    result = sopbot(
        "migrate-db", "--from", str(source), "--to", "postgresql://a:rahasia123@127.0.0.1/x"
    )
    assert result.returncode == 2 and "no password in the URL" in result.stderr
    assert "rahasia123" not in result.stdout + result.stderr


def test_a_database_a_running_bot_holds_is_not_migrated(tmp_path: Path) -> None:
    """The bot would go on writing to the file after the copy, and those writes would be
    lost: migrate-db takes the same lock as `sopbot run` and refuses while it is held."""
    source = tmp_path / "sopbot.sqlite3"
    source.write_bytes(b"")
    held = runlock.hold(source)  # as `sopbot run` holds it
    assert held is not None
    try:
        result = sopbot("migrate-db", "--from", str(source), "--to", "postgresql://a@127.0.0.1:9/x")
    finally:
        os.close(held)
    assert result.returncode == 2
    assert f"error: --from: another sopbot process (pid {os.getpid()}) is running on" in (
        result.stderr
    )


def test_an_unreachable_server_fails_the_check(tmp_path: Path) -> None:
    config = config_for(tmp_path, "postgresql://sopbot@127.0.0.1:9/sopbot")
    result = sopbot("check", "--config", str(config))
    assert result.returncode == 2
    assert "storage.database: postgresql://sopbot@127.0.0.1:9/sopbot: cannot connect" in (
        result.stdout + result.stderr
    )


@pytest.mark.parametrize("mistake", ["a misspelt database name", "a wrong password"])
async def test_sopbot_run_stops_at_a_database_the_server_refuses(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    mistake: str,
) -> None:
    """The operator misspells the database in storage.database, or PGPASSWORD is wrong:
    `sopbot run` stops with the server's answer and exit status 2 (a restart does not cure
    it), it does not wait for ever as if the server were down."""
    database, password = pg_url, os.environ.get("PGPASSWORD", "")
    if mistake == "a misspelt database name":
        database = pg_url + "_typo"
    else:
        password = "salah-ketik-123"
    async with BotApiEmulator(token=TOKEN) as emu:
        config = config_for(tmp_path, database, api=emu.base_url)
        result = await asyncio.to_thread(
            sopbot, "run", "--config", str(config), limit=30, PGPASSWORD=password
        )
    assert result.returncode == 2, result.stderr
    assert f"error: storage.database: {database}: " in result.stderr
    assert (
        f'database "{database.rsplit("/", 1)[1]}" does not exist'
        if mistake == "a misspelt database name"
        else 'password authentication failed for user "'
    ) in result.stderr
    assert "salah-ketik-123" not in result.stdout + result.stderr


async def bureau_on_sqlite(out: Path) -> tuple[int, int]:
    """The demo's two cases on SQLite, plus an invite, an open dialogue, an ended one, an
    album and a reminder and a /tunda."""
    async with World(out) as world:
        await world.everyone_starts()
        first = await play_sop(world)
        second = await play_acting(world)
        await world.drained()
        db = world.services.db
        await db.write(repo.create_invite, "undangan", "tim", "u", 1000, T0, T0 + timedelta(1))
        await db.write(repo.set_dialogue, 1007, "new_title", T0)  # Plh: not in play_sop
        # rows that closed cases no longer keep (buttons, live task messages)
        await db.write(repo.record_task_message, 1001, 9001, first, 3)
        await db.write(repo.set_live_task, 1001, first, 3, 9001)
        # an album's file still waiting for the file that names its case
        waiting = repo.SentFile(1005, 77, "9000001", 1005, None, "F", "U", "d.docx", 9, "", "")
        await db.write(repo.wait_for_album, waiting, T0)
        # an update received and not yet handled when the bot stopped (nothing in it to do)
        await db.write(repo.receive_update, 990001, '{"update_id":990001}', T0)
        # a return reason of the Kabag's that another holder's decision ended
        ended = repo.EndedDialogue("return_reason", second, 2, "moved", T0, actor=1007)
        await db.write(repo.note_ended_dialogue, 1002, ended)
        # the Kabag was reminded of the second case, and postponed the reminders
        reminded = repo.Chase("reminder", 2, T0, 1002, "kabag", 1)
        snoozed = repo.Chase("snooze", 2, T0, 1002, "kabag", until=T0 + timedelta(hours=2))
        await db.write(repo.log_chases, second, [reminded, snoozed])
        # the Kabag's profile before he corrected his name
        await db.write(
            repo.update_profile, 1002, now=T0, changed_by=1002, name="Ir. Budi Santoso, M.Si."
        )
    return first, second


async def test_migrate_db_moves_a_bureau_and_the_bot_goes_on(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    first, second = await bureau_on_sqlite(tmp_path / "bureau")
    source = tmp_path / "bureau" / "sopbot.sqlite3"
    result = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    lite = await Database.open(source)
    try:
        digests = await transfer.table_digests(lite)
    finally:
        await lite.close()
    assert [t for t, d in digests.items() if not d.rows] == []  # every table holds rows
    for table, digest in digests.items():
        assert lines[table].split()[1] == str(digest.rows)
        assert lines[table].endswith("ok"), lines[table]

    again = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url)
    assert again.returncode == 2 and "already holds data" in again.stderr
    forced = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr

    pg = await Database.open(pg_url)
    try:
        assert await transfer.table_digests(pg) == digests
        for number in (first, second):
            case = await pg.read(repo.load_case, number)
            assert case is not None and case.status is CaseStatus.ARCHIVED
    finally:
        await pg.close()

    # the bureau goes on on PostgreSQL: the bot answers from the copied record, and new
    # rows get ids after the copied ones (the identities continue)
    files = str(tmp_path / "bureau" / "files")
    async with World(tmp_path / "again", storage={"database": pg_url, "files_dir": files}) as world:
        # Telegram's update ids go on from the bot's last ones (a new emulator's restart at
        # 1, and the copied record holds ids it claimed: /baru's, for one)
        world.emu.state.next_update_id = 1_000_000
        await world.everyone_starts()
        db = world.services.db
        top = await db.read(lambda tx: tx.value("SELECT MAX(id) FROM outbox"))
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await kasubag.send(f"/status {first}")
        await kasubag.wait_message(lambda m: f"#{first}" in m.text, timeout=20)
        await world.drained()
        newest = await db.write(
            lambda tx: tx.value(
                "INSERT INTO outbox (chat_id, kind, created_at, next_attempt_at, sent_at) "
                "VALUES (1, 'text', ?, ?, ?) RETURNING id",
                ("2026-01-01T00:00:00+00:00",) * 3,
            )
        )
        assert newest > top
        assert await db.read(repo.next_case_id) == max(first, second) + 1
        counts = await db.read(repo.outbox_counts)
        assert counts["pending"] == 0 and counts["failed"] == 0


async def _sopbot_async(*args: str) -> subprocess.CompletedProcess[str]:
    import asyncio

    return await asyncio.to_thread(sopbot, *args)


@pytest.mark.parametrize("table", ["cases", "events"])
async def test_a_changed_row_changes_the_digest(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    table: str,
) -> None:
    from core_helpers import run_to
    from test_storage import store_run

    db = await Database.open(pg_url)
    try:
        await store_run(db, run_to(3))
        before = await transfer.table_digests(db)
        # what a faulty copy might do: one value differs (the trigger is bypassed on purpose)
        await db.write(lambda tx: tx.run(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        await db.write(
            lambda tx: (
                tx.run(f"UPDATE {table} SET unit = unit || ' ' WHERE id = 1")
                if table == "cases"
                else tx.run("UPDATE events SET note = 'x' WHERE seq = 1")
            )
        )
        after = await transfer.table_digests(db)
    finally:
        await db.close()
    assert after[table].rows == before[table].rows
    assert after[table].sha256 != before[table].sha256
    assert {t: d for t, d in after.items() if t != table} == {
        t: d for t, d in before.items() if t != table
    }


async def bureau_with_a_return(folder: Path, reason: str) -> tuple[Path, int]:
    """A bureau's SQLite database in ``folder`` (one that exists) with a case returned for
    ``reason``, written as an older release wrote it; the event's id. Before the bot
    dropped control characters, a reason could hold a NUL pasted in."""
    from core_helpers import run_to
    from test_storage import store_run

    source = folder / "sopbot.sqlite3"
    db = await Database.open(source)
    try:
        await store_run(db, run_to(3))
        event = await db.write(
            lambda tx: tx.value(
                "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason) "
                "SELECT case_id, MAX(seq) + 1, 'returned', 3, 1, actor, role, at, ? "
                "FROM events GROUP BY case_id RETURNING id",
                (reason,),
            )
        )
    finally:
        await db.close()
    return source, int(event)


async def target_digests(url: str) -> dict[str, transfer.Digest]:
    db = await Database.open(url)
    try:
        return await transfer.table_digests(db)
    finally:
        await db.close()


async def test_a_nul_an_older_release_kept_is_copied_as_u_fffd_and_named(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """A return reason an older release kept with a NUL on SQLite: sopbot check counts it
    beforehand; migrate-db copies it with U+FFFD in the NUL's place and names the event,
    and every table compares equal to the source as carried."""
    source, event = await bureau_with_a_return(tmp_path, "Lengkapi\x00 TOR")
    check = await asyncio.to_thread(
        sopbot, "check", "--config", str(config_for(tmp_path, str(source)))
    )
    assert (
        "warning: storage.database: 1 text value with a NUL character (events 1), kept by "
        "an older release; PostgreSQL cannot store one: sopbot migrate-db copies each with "
        "U+FFFD in its place and names them"
    ) in check.stderr

    result = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"  events: {event} rows; 1 text value with a NUL, copied with U+FFFD in its place: "
        f"id={event} (reason)"  # (the event is the last of the log)
    ) in result.stdout.splitlines()
    assert "1 text value with a NUL, which PostgreSQL cannot store" in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    lite = await Database.open(source)
    try:
        carried = await transfer.table_digests(lite, carried=True)
    finally:
        await lite.close()
    assert all(lines[table].endswith("ok") for table in carried)
    pg = await Database.open(pg_url)
    try:
        assert await transfer.table_digests(pg) == carried
        reason = await pg.read(
            lambda tx: tx.value("SELECT reason FROM events WHERE id = ?", (event,))
        )
    finally:
        await pg.close()
    assert reason == "Lengkapi\ufffd TOR"


async def test_a_copy_that_fails_copies_nothing_and_names_the_row(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """A row PostgreSQL refuses (a word where a number belongs, in a table copied late):
    migrate-db exits 1 with one line naming the table and the row, and the target is as
    it was: with --force, still holding its earlier copy; empty, and so again on the next
    run (no --force asked for)."""
    source, _ = await bureau_with_a_return(tmp_path, "Lengkapi TOR")
    good = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url)
    assert good.returncode == 0, good.stdout + good.stderr
    earlier = await target_digests(pg_url)

    lite = await Database.open(source)
    try:
        broken = await lite.write(
            lambda tx: tx.value(
                "INSERT INTO outbox (chat_id, kind, created_at, next_attempt_at, message_id) "
                "VALUES (1, 'text', ?, ?, 'hilang') RETURNING id",
                ("2026-01-05T02:00:00+00:00",) * 2,
            )
        )
    finally:
        await lite.close()

    def one_line_naming_the_row(failed: subprocess.CompletedProcess[str]) -> None:
        assert failed.returncode == 1, failed.stdout + failed.stderr
        [line] = failed.stderr.strip().splitlines()  # no traceback
        assert line.startswith(f"error: outbox: row id={broken} cannot be copied: "), line
        assert line.endswith(f"; nothing was copied: {safe_url(pg_url)} is as it was"), line

    forced = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url, "--force")
    one_line_naming_the_row(forced)
    assert await target_digests(pg_url) == earlier

    pg = await Database.open(pg_url)
    try:
        await pg.write(transfer.empty_tables)
    finally:
        await pg.close()
    for _ in range(2):
        failed = await _sopbot_async("migrate-db", "--from", str(source), "--to", pg_url)
        one_line_naming_the_row(failed)
        assert {d.rows for d in (await target_digests(pg_url)).values()} == {0}
