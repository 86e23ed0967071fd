"""The SQLite store against a real database file: schema, migrations, refusal, and every query."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import pytest
from core_helpers import PEOPLE, T0, Run, run_to, sop, started

from bot.core.model import Case, CaseStatus, Event
from bot.core.workflow import replay
from storage import repo
from storage.codec import case_to_json, event_row, ts
from storage.db import Database, DatabaseError, migrate, schema_version
from storage.migrations import LATEST

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "sopbot.sqlite3")
    try:
        yield database
    finally:
        await database.close()


async def scalar(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    assert row is not None
    return row[0]


async def rows(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[tuple]:
    async with conn.execute(sql, params) as cur:
        return [tuple(r) for r in await cur.fetchall()]


def holder(case: Case) -> str:
    return sop().step(case.step).actor


def finished() -> Run:
    run = started()
    while run.current.is_open:
        run.forward(PEOPLE)
    return run


async def store_run(db: Database, run: Run) -> None:
    async with db.transaction() as conn:
        await repo.save_case(conn, run.current, holder(run.current), new=True)
        await repo.append_events(conn, run.current.id, run.log)


# -- opening ---------------------------------------------------------------------------


async def test_open_creates_the_file_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "sopbot.sqlite3"
    db = await Database.open(path)
    try:
        assert path.is_file()
        assert await scalar(db.writer, "PRAGMA journal_mode") == "wal"
        assert await scalar(db.writer, "PRAGMA foreign_keys") == 1
        assert await scalar(db.reader, "PRAGMA foreign_keys") == 1
        assert await schema_version(db.writer) == LATEST
        assert await scalar(db.reader, "PRAGMA user_version") == LATEST
    finally:
        await db.close()
    # WAL is a property of the file: a plain connection sees it too
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert plain.execute("PRAGMA user_version").fetchone()[0] == LATEST


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await repo.append_events(conn, 404, started().log)
    assert await scalar(db.reader, "SELECT COUNT(*) FROM events") == 0


async def test_the_reader_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError):
        await db.reader.execute("INSERT INTO processed_updates (update_id, at) VALUES (1, 'x')")


async def test_reopening_keeps_the_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    run = run_to(4)
    await store_run(db, run)
    await db.close()
    db = await Database.open(path)
    try:
        assert await repo.load_case(db.reader, run.current.id) == run.current
        assert await schema_version(db.writer) == LATEST
    finally:
        await db.close()


async def test_closed_database_refuses_use(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    await db.close()
    with pytest.raises(DatabaseError):
        _ = db.writer
    with pytest.raises(DatabaseError):
        _ = db.reader


# -- migrations ------------------------------------------------------------------------


async def table_columns(conn: aiosqlite.Connection) -> dict[str, dict[str, Any]]:
    """Every table's columns with their declared default (SQL text, or None)."""
    tables = await rows(
        conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    result: dict[str, dict[str, Any]] = {}
    for (table,) in tables:
        info = await rows(conn, f"PRAGMA table_info({table})")
        result[table] = {r[1]: r[4] for r in info}
    return result


def v1_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    """Representative rows of every table of schema version 1, built from a real case."""
    case, now = run.current, ts(T0)
    event_columns = ("case_id", "seq", "type", "step", "to_step", "actor", "role", "at")
    event_columns += ("reason", "note", "data")
    return {
        "people": [
            {"telegram_id": 1, "name": "Budi", "nip": "198001012005011001", "created_at": now},
            {"telegram_id": 2, "username": "siti", "started_bot": 1, "created_at": now},
        ],
        "role_assignments": [
            {"person_id": 1, "role": "kasubag", "unit": "biro-pmk", "granted_at": now},
            {
                "person_id": 2,
                "role": "kabag",
                "unit": "biro-pmk",
                "granted_at": now,
                "revoked_at": now,
                "revoked_by": 1,
            },
        ],
        "invites": [
            {
                "token": "abc",
                "role": "tim",
                "unit": "biro-pmk",
                "created_by": 1,
                "created_at": now,
                "expires_at": ts(T0 + timedelta(days=2)),
            }
        ],
        "cases": [
            {
                "id": case.id,
                "sop_code": case.sop_code,
                "unit": case.unit,
                "title": case.title,
                "fiscal_year": case.fiscal_year,
                "status": case.status.value,
                "step": case.step,
                "version": case.version,
                "holder_role": holder(case),
                "opened_at": ts(case.opened_at),
                "step_entered_at": ts(case.step_entered_at),
                "state": case_to_json(case),
            }
        ],
        "events": [
            dict(zip(event_columns, event_row(e, seq), strict=True))
            for seq, e in enumerate(run.log, start=1)
        ],
        "files": [
            {
                "case_id": case.id,
                "doc": "tor",
                "kind": "upload",
                "name": "tor.pdf",
                "size": 3,
                "sha256": "0" * 64,
                "path": "case-1/tor.pdf",
                "uploaded_by": 1,
                "uploaded_at": now,
            }
        ],
        "outbox": [
            {
                "chat_id": 1,
                "kind": "message",
                "payload": '{"text":"halo"}',
                "case_id": case.id,
                "created_at": now,
                "next_attempt_at": now,
            }
        ],
        "task_messages": [{"chat_id": 1, "message_id": 10, "case_id": case.id, "version": 3}],
        "dialogues": [{"person_id": 1, "kind": "reason", "case_id": case.id, "created_at": now}],
        "processed_updates": [{"update_id": 77, "at": now}],
    }


ROWS_AT: dict[int, Callable[[Run], dict[str, list[dict[str, Any]]]]] = {1: v1_rows}
"""Rows to insert into a database at schema version ``v``: those of every version up to v."""


async def test_every_table_has_representative_rows(tmp_path: Path) -> None:
    """A migration that adds a table must add its rows to ROWS_AT, or its upgrade goes untested."""
    assert set(ROWS_AT) <= set(range(1, LATEST + 1))
    covered: set[str] = set()
    for make in ROWS_AT.values():
        covered |= set(make(run_to(1)))
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        assert set(await table_columns(db.reader)) == covered
    finally:
        await db.close()


async def insert_rows(conn: aiosqlite.Connection, data: dict[str, list[dict[str, Any]]]) -> None:
    for table, items in data.items():
        for item in items:
            names = ", ".join(item)
            marks = ", ".join("?" * len(item))
            await conn.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(item.values())
            )


@pytest.mark.parametrize("version", range(LATEST))
async def test_upgrade_from_every_earlier_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.sqlite3"
    run = run_to(9)  # files, a team, approvals (paraf), a last move
    data: dict[str, list[dict[str, Any]]] = {}
    for v in range(1, version + 1):
        if v in ROWS_AT:
            data |= ROWS_AT[v](run)
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        assert await migrate(conn, target=version) == version
        assert await schema_version(conn) == version
        old_columns = await table_columns(conn)
        assert set(data) <= set(old_columns)
        await insert_rows(conn, data)
    finally:
        await conn.close()

    db = await Database.open(path)
    try:
        assert await schema_version(db.writer) == LATEST
        new_columns = await table_columns(db.reader)
        assert set(old_columns) <= set(new_columns)
        for table, items in data.items():
            old = list(old_columns[table])
            added = [c for c in new_columns[table] if c not in old_columns[table]]
            stored = await rows(db.reader, f"SELECT {', '.join(old)} FROM {table} ORDER BY rowid")
            # the old columns hold what was written (columns left out, their defaults)
            assert len(stored) == len(items), table
            for got, item in zip(stored, items, strict=True):
                for column, value in zip(old, got, strict=True):
                    if column in item:
                        assert value == item[column], (table, column)
                    elif (default_sql := old_columns[table][column]) is not None:
                        assert value == await scalar(db.reader, f"SELECT {default_sql}")
            # the new columns hold their declared default (or NULL)
            for column in added:
                default_sql = new_columns[table][column]
                default = await scalar(db.reader, f"SELECT {default_sql}") if default_sql else None
                values = await rows(db.reader, f"SELECT {column} FROM {table}")
                assert values == [(default,)] * len(items), (table, column)
        if data:
            # the case and its log read back through the current code
            assert await repo.load_case(db.reader, run.current.id) == run.current
            events = await repo.load_events(db.reader, run.current.id)
            assert events == run.log
            assert replay(sop(), events) == run.current
            assert await repo.take_invite(db.writer, "abc", 3, T0) == ("tim", "biro-pmk")
            assert [
                p.telegram_id for p in await repo.holders(db.reader, "biro-pmk", "kasubag")
            ] == [1]
        if version < 2 <= LATEST and data:
            case_row = await rows(
                db.reader,
                "SELECT reminders_sent, last_reminded_at, snoozed_until, next_due_at FROM cases",
            )
            assert case_row == [(0, None, None, None)]
        # the upgraded database takes new writes
        async with db.transaction() as conn:
            assert await repo.claim_update(conn, 12345, T0)
    finally:
        await db.close()


async def test_migrating_step_by_step_equals_migrating_at_once(tmp_path: Path) -> None:
    def schema(path: Path) -> list[tuple]:
        with sqlite3.connect(path) as c:
            return c.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()

    stepwise = tmp_path / "stepwise.sqlite3"
    conn = await aiosqlite.connect(stepwise, isolation_level=None)
    for v in range(LATEST + 1):
        await migrate(conn, target=v)
    await conn.close()
    db = await Database.open(tmp_path / "direct.sqlite3")
    await db.close()
    assert schema(stepwise) == schema(tmp_path / "direct.sqlite3")


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    db = await Database.open(path)
    await db.close()
    with sqlite3.connect(path) as plain:
        plain.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(DatabaseError, match="newer"):
        await Database.open(path)
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1


async def test_a_file_of_random_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.sqlite3"
    path.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(DatabaseError):
        await Database.open(path)


async def test_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.sqlite3"
    path.write_text("[bot]\ntoken_env = 'X'\n" * 200)
    with pytest.raises(DatabaseError):
        await Database.open(path)


async def filled_database(path: Path) -> None:
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            for i in range(1, 301):
                run = started()
                case = Case(**{**run.current.__dict__, "id": i})
                events = [Event(**{**e.__dict__, "case_id": i}) for e in run.log]
                await repo.save_case(conn, case, "kasubag", new=True)
                await repo.append_events(conn, i, events)
                await repo.enqueue(conn, i, "message", {"text": "x" * 500}, T0, i)
    finally:
        await db.close()
    assert wal_is_empty(path)  # everything is in the main file, which the tests then damage


def wal_is_empty(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    return not wal.exists() or wal.stat().st_size == 0


async def test_a_truncated_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "truncated.sqlite3"
    await filled_database(path)
    data = path.read_bytes()
    assert len(data) > 100_000
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatabaseError):
        await Database.open(path)


async def test_a_database_with_a_damaged_page_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    await filled_database(path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = bytes(range(256)) * (page // 256)  # page type 0: invalid
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError):
        await Database.open(path)


# -- the event log and transactions ----------------------------------------------------


async def test_the_event_log_is_append_only(db: Database) -> None:
    run = run_to(3)
    await store_run(db, run)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction() as conn:
            await conn.execute("UPDATE events SET reason = 'diubah' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM events WHERE case_id = ?", (run.current.id,))
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM cases")  # the log still points at it
    assert await repo.load_events(db.reader, run.current.id) == run.log
    assert await repo.load_case(db.reader, run.current.id) == run.current


async def test_a_transaction_that_raises_leaves_nothing(db: Database) -> None:
    run = run_to(2)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as conn:
            await repo.ensure_person(conn, 1, T0)
            await repo.save_case(conn, run.current, holder(run.current), new=True)
            await repo.append_events(conn, run.current.id, run.log)
            await repo.enqueue(conn, 1, "message", {"text": "halo"}, T0, run.current.id)
            await repo.record_task_message(conn, 1, 5, run.current.id, run.current.version)
            assert await repo.load_case(conn, run.current.id) == run.current  # visible inside
            raise Boom
    for table in ("people", "cases", "events", "outbox", "task_messages"):
        assert await scalar(db.reader, f"SELECT COUNT(*) FROM {table}") == 0, table
        assert await scalar(db.writer, f"SELECT COUNT(*) FROM {table}") == 0, table
    # the lock was released and the connection is out of the transaction
    async with db.transaction() as conn:
        assert await repo.claim_update(conn, 1, T0)
    assert await repo.update_seen(db.reader, 1)


async def test_a_cancelled_transaction_rolls_back(db: Database) -> None:
    run = run_to(2)
    inside = asyncio.Event()
    never = asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as conn:
            await repo.save_case(conn, run.current, holder(run.current), new=True)
            inside.set()
            await never.wait()  # mid-transaction until cancelled
            await repo.append_events(conn, run.current.id, run.log)

    task = asyncio.create_task(slow_writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await repo.load_case(db.reader, run.current.id) is None
    async with db.transaction() as conn:
        await repo.save_case(conn, run.current, holder(run.current), new=True)
    assert await repo.load_case(db.reader, run.current.id) == run.current


async def test_readers_do_not_see_an_unfinished_transaction(db: Database) -> None:
    run = run_to(2)
    async with db.transaction() as conn:
        await repo.save_case(conn, run.current, holder(run.current), new=True)
        assert await repo.load_case(db.reader, run.current.id) is None
    assert await repo.load_case(db.reader, run.current.id) == run.current


# -- cases and events ------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: run_to(1), lambda: run_to(9), finished])
async def test_case_save_load_roundtrip(db: Database, make: Callable[[], Run]) -> None:
    run = make()
    case = run.current
    await store_run(db, run)
    loaded = await repo.load_case(db.reader, case.id)
    assert loaded == case
    assert loaded is not None
    assert loaded.files == case.files and loaded.approvals == case.approvals
    assert [a.at.utcoffset() for a in loaded.approvals] == [
        a.at.utcoffset() for a in case.approvals
    ]
    row = await rows(
        db.reader,
        "SELECT sop_code, unit, title, fiscal_year, status, step, version, holder_role, closed_at "
        "FROM cases WHERE id = ?",
        (case.id,),
    )
    closed = ts(case.closed_at) if case.closed_at else None
    assert row == [
        (
            case.sop_code,
            case.unit,
            case.title,
            case.fiscal_year,
            case.status.value,
            case.step,
            case.version,
            holder(case),
            closed,
        )
    ]
    assert replay(sop(), await repo.load_events(db.reader, case.id)) == case


async def test_a_rich_case_roundtrips(db: Database) -> None:
    run = run_to(9)
    case = run.current
    assert case.files and case.approvals and case.team and case.produced and case.last_move
    await store_run(db, run)
    assert await repo.load_case(db.reader, case.id) == case


async def test_a_finished_case_roundtrips_with_its_closing(db: Database) -> None:
    run = finished()
    assert run.current.status is CaseStatus.ARCHIVED
    assert run.current.archive_reference and run.current.closed_at
    await store_run(db, run)
    assert await repo.load_case(db.reader, run.current.id) == run.current


async def test_saving_an_existing_case_updates_it(db: Database) -> None:
    run = run_to(2)
    before_log = len(run.log)
    await store_run(db, run)
    run.forward(PEOPLE)  # Kabag approves step 2
    async with db.transaction() as conn:
        await repo.save_case(conn, run.current, holder(run.current), new=False)
        first = await repo.append_events(conn, run.current.id, run.log[before_log:])
    assert first == before_log + 1
    assert await repo.load_case(db.reader, run.current.id) == run.current
    assert await scalar(db.reader, "SELECT COUNT(*) FROM cases") == 1
    assert await scalar(db.reader, "SELECT step FROM cases") == run.current.step == 3
    assert await repo.load_events(db.reader, run.current.id) == run.log


async def test_saving_a_new_case_twice_is_refused(db: Database) -> None:
    run = run_to(1)
    await store_run(db, run)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await repo.save_case(conn, run.current, holder(run.current), new=True)


async def test_wib_times_are_stored_as_utc_and_keep_their_instant(db: Database) -> None:
    run = Run(sop(), clock=T0.astimezone(WIB))
    run.start()
    await store_run(db, run)
    loaded = await repo.load_case(db.reader, run.current.id)
    assert loaded == run.current
    assert loaded is not None and loaded.opened_at.utcoffset() == timedelta(0)
    [event] = await repo.load_events(db.reader, run.current.id)
    assert event.at == run.log[0].at and event.at.utcoffset() == timedelta(0)


async def test_append_events_assigns_consecutive_seq(db: Database) -> None:
    run = run_to(4)
    other = run_to(2)
    other_case = Case(**{**other.current.__dict__, "id": 2})
    other_log = [Event(**{**e.__dict__, "case_id": 2}) for e in other.log]
    async with db.transaction() as conn:
        await repo.save_case(conn, run.current, holder(run.current), new=True)
        await repo.save_case(conn, other_case, holder(other_case), new=True)
        assert await repo.append_events(conn, 1, run.log[:1]) == 1
        assert await repo.append_events(conn, 2, other_log[:2]) == 1
        assert await repo.append_events(conn, 1, run.log[1:4]) == 2
        assert await repo.append_events(conn, 1, run.log[4:]) == 5
        assert await repo.append_events(conn, 2, other_log[2:]) == 3
    seqs = await rows(db.reader, "SELECT seq FROM events WHERE case_id = 1 ORDER BY id")
    assert [s for (s,) in seqs] == list(range(1, len(run.log) + 1))
    seqs = await rows(db.reader, "SELECT seq FROM events WHERE case_id = 2 ORDER BY id")
    assert [s for (s,) in seqs] == list(range(1, len(other_log) + 1))
    assert await repo.load_events(db.reader, 1) == run.log
    assert await repo.load_events(db.reader, 2) == other_log
    for seq, event in enumerate(run.log, start=1):
        assert await repo.event_at(db.reader, 1, seq) == event
    assert await repo.event_at(db.reader, 1, len(run.log) + 1) is None


async def test_next_case_id_counts_up(db: Database) -> None:
    assert await repo.next_case_id(db.reader) == 1
    await store_run(db, run_to(1))
    assert await repo.next_case_id(db.reader) == 2


async def test_open_cases_for_roles_and_recent_cases(db: Database) -> None:
    at2, at3 = run_to(2), run_to(3)
    case3 = Case(**{**at3.current.__dict__, "id": 2})
    done = finished()
    closed = Case(**{**done.current.__dict__, "id": 3})
    async with db.transaction() as conn:
        await repo.save_case(conn, at2.current, "kabag", new=True)
        await repo.save_case(conn, case3, "karo", new=True)
        await repo.save_case(conn, closed, "fungsional_umum", new=True)
    assert [c.id for c in await repo.open_cases_for_roles(db.reader, "biro-pmk", ["kabag"])] == [1]
    both = await repo.open_cases_for_roles(db.reader, "biro-pmk", ["kabag", "karo"])
    assert sorted(c.id for c in both) == [1, 2]
    assert await repo.open_cases_for_roles(db.reader, "biro-pmk", ["fungsional_umum"]) == []
    assert await repo.open_cases_for_roles(db.reader, "biro-pmk", []) == []
    assert await repo.open_cases_for_roles(db.reader, "unit-lain", ["kabag"]) == []
    assert [c.id for c in await repo.recent_cases(db.reader, "biro-pmk")] == [2, 1, 3]


# -- outbox ----------------------------------------------------------------------------


async def test_outbox_lifecycle(db: Database) -> None:
    later = T0 + timedelta(minutes=30)
    async with db.transaction() as conn:
        a = await repo.enqueue(conn, 10, "message", {"text": "Mohon persetujuan ✓"}, T0, 1)
        b = await repo.enqueue(conn, 11, "task", {"keyboard": [[1]]}, T0)
        c = await repo.enqueue(conn, 12, "message", {"text": "nanti"}, T0, not_before=later)
    assert a < b < c
    due = await repo.due_outbox(db.reader, T0)
    assert [i.id for i in due] == [a, b]
    assert due[0] == repo.OutboxItem(a, 10, "message", {"text": "Mohon persetujuan ✓"}, 1, 0)
    assert due[1].case_id is None and due[1].payload == {"keyboard": [[1]]}
    assert [i.id for i in await repo.due_outbox(db.reader, T0, limit=1)] == [a]
    assert await repo.next_outbox_time(db.reader) == T0
    assert await repo.outbox_counts(db.reader) == {"sent": 0, "failed": 0, "pending": 3}

    async with db.transaction() as conn:
        await repo.mark_sent(conn, a, T0, message_id=555)
        await repo.mark_retry(conn, b, T0 + timedelta(minutes=5), "429 " + "x" * 1000)
    assert await scalar(db.reader, "SELECT message_id FROM outbox WHERE id = ?", (a,)) == 555
    assert await repo.due_outbox(db.reader, T0) == []
    assert await repo.next_outbox_time(db.reader) == T0 + timedelta(minutes=5)
    retried = await repo.due_outbox(db.reader, T0 + timedelta(minutes=5))
    assert [(i.id, i.attempts) for i in retried] == [(b, 1)]
    error = await scalar(db.reader, "SELECT last_error FROM outbox WHERE id = ?", (b,))
    assert error.startswith("429 ") and len(error) == 500
    assert await repo.outbox_counts(db.reader) == {"sent": 1, "failed": 0, "pending": 2}

    async with db.transaction() as conn:
        await repo.mark_failed(conn, b, T0 + timedelta(minutes=6), "Forbidden: bot was blocked")
    assert [i.id for i in await repo.due_outbox(db.reader, later)] == [c]
    assert await repo.outbox_counts(db.reader) == {"sent": 1, "failed": 1, "pending": 1}
    assert await scalar(db.reader, "SELECT attempts FROM outbox WHERE id = ?", (b,)) == 2

    async with db.transaction() as conn:
        await repo.mark_sent(conn, c, later, None)
    assert await repo.due_outbox(db.reader, later + timedelta(days=1)) == []
    assert await repo.next_outbox_time(db.reader) is None
    assert await repo.outbox_counts(db.reader) == {"sent": 2, "failed": 1, "pending": 0}


async def test_outbox_counts_of_an_empty_outbox(db: Database) -> None:
    assert await repo.outbox_counts(db.reader) == {"sent": 0, "failed": 0, "pending": 0}


async def test_outbox_due_times_compare_as_instants_across_offsets(db: Database) -> None:
    """A retry time written in WIB is due by the instant, whatever offset ``now`` carries."""
    due_at = datetime(2025, 1, 6, 15, 0, tzinfo=WIB)  # 08:00 UTC
    async with db.transaction() as conn:
        item = await repo.enqueue(conn, 1, "message", {}, due_at - timedelta(hours=1), None, due_at)
        other = await repo.enqueue(conn, 2, "message", {}, T0)
        await repo.mark_retry(conn, other, datetime(2025, 1, 6, 9, 30, tzinfo=UTC), "timeout")
    # 09:00 UTC is 16:00 WIB: the first is due; the retry (09:30 UTC = 16:30 WIB) is not
    now_utc = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    assert [i.id for i in await repo.due_outbox(db.reader, now_utc)] == [item]
    assert [i.id for i in await repo.due_outbox(db.reader, now_utc.astimezone(WIB))] == [item]
    # 07:30 UTC is 14:30 WIB: nothing is due yet
    early = datetime(2025, 1, 6, 7, 30, tzinfo=UTC)
    assert await repo.due_outbox(db.reader, early) == []
    assert await repo.due_outbox(db.reader, early.astimezone(WIB)) == []
    assert await repo.next_outbox_time(db.reader) == due_at


async def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(ValueError):
        async with db.transaction() as conn:
            await repo.enqueue(conn, 1, "message", {}, datetime(2025, 1, 6, 8, 0))
    assert await repo.outbox_counts(db.reader) == {"sent": 0, "failed": 0, "pending": 0}


# -- task messages, invites, roles, updates, dialogues ---------------------------------


async def test_take_task_messages_returns_and_forgets(db: Database) -> None:
    await store_run(db, run_to(3))
    async with db.transaction() as conn:
        await repo.record_task_message(conn, 10, 100, 1, 1)
        await repo.record_task_message(conn, 11, 101, 1, 2)
        await repo.record_task_message(conn, 12, 102, 1, 3)
        taken = await repo.take_task_messages(conn, 1, 2)
        assert sorted(taken) == [(10, 100), (11, 101)]
        assert await repo.take_task_messages(conn, 1, 2) == []
        assert await repo.take_task_messages(conn, 1, 3) == [(12, 102)]
        assert await repo.take_task_messages(conn, 1, 99) == []
        await repo.record_task_message(conn, 13, 103, 1, 4)
        await repo.forget_task_message(conn, 13, 103)
        assert await repo.take_task_messages(conn, 1, 4) == []
    assert await scalar(db.reader, "SELECT COUNT(*) FROM task_messages") == 0


async def test_invites_are_single_use_and_expire(db: Database) -> None:
    expires = T0 + timedelta(days=1)
    async with db.transaction() as conn:
        await repo.create_invite(conn, "tok-a", "kabag", "biro-pmk", 1, T0, expires)
        await repo.create_invite(conn, "tok-b", "tim", "biro-pmk", 1, T0, expires)
        await repo.create_invite(conn, "tok-c", "karo", "biro-pmk", 1, T0, expires)
    async with db.transaction() as conn:
        assert await repo.take_invite(conn, "tok-a", 2, T0 + timedelta(hours=1)) == (
            "kabag",
            "biro-pmk",
        )
        assert await repo.take_invite(conn, "tok-a", 3, T0 + timedelta(hours=2)) is None
        assert await repo.take_invite(conn, "tok-a", 2, T0 + timedelta(hours=2)) is None
        assert await repo.take_invite(conn, "tok-b", 3, expires) is None  # expiry is exclusive
        assert await repo.take_invite(conn, "tok-b", 3, expires + timedelta(seconds=1)) is None
        assert await repo.take_invite(conn, "nope", 3, T0) is None
        # the same instant written in WIB is still before the expiry
        assert await repo.take_invite(
            conn, "tok-c", 4, (expires - timedelta(minutes=1)).astimezone(WIB)
        ) == (
            "karo",
            "biro-pmk",
        )
    used = await rows(db.reader, "SELECT token, used_by FROM invites ORDER BY token")
    assert used == [("tok-a", 2), ("tok-b", None), ("tok-c", 4)]


async def test_roles_are_granted_once_and_revoking_keeps_history(db: Database) -> None:
    t1, t2, t3 = T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    async with db.transaction() as conn:
        await repo.ensure_person(conn, 5, t1, "budi")
        assert await repo.grant_role(conn, 5, "kabag", "biro-pmk", t1, by=1)
        assert not await repo.grant_role(conn, 5, "kabag", "biro-pmk", t2, by=1)
        assert await repo.grant_role(conn, 5, "kasubag", "biro-pmk", t1, by=None)
        assert await repo.grant_role(conn, 5, "kabag", "unit-lain", t1, by=1)
    assert await repo.active_roles(db.reader, 5, "biro-pmk") == {"kabag", "kasubag"}
    assert [p.telegram_id for p in await repo.holders(db.reader, "biro-pmk", "kabag")] == [5]
    async with db.transaction() as conn:
        assert await repo.revoke_role(conn, 5, "kabag", "biro-pmk", t2, by=1)
        assert not await repo.revoke_role(conn, 5, "kabag", "biro-pmk", t2, by=1)
    assert await repo.active_roles(db.reader, 5, "biro-pmk") == {"kasubag"}
    assert await repo.active_roles(db.reader, 5, "unit-lain") == {"kabag"}
    assert await repo.holders(db.reader, "biro-pmk", "kabag") == []
    async with db.transaction() as conn:
        assert await repo.grant_role(conn, 5, "kabag", "biro-pmk", t3, by=1)
    history = await repo.role_history(db.reader, "biro-pmk")
    kabag = [(h.granted_at, h.revoked_at, h.granted_by) for h in history if h.role == "kabag"]
    assert kabag == [(t1, t2, 1), (t3, None, 1)]
    assert {h.role for h in history} == {"kabag", "kasubag"}
    assert all(h.unit == "biro-pmk" and h.person_id == 5 for h in history)


async def test_people_are_created_once_and_profiles_update(db: Database) -> None:
    async with db.transaction() as conn:
        first = await repo.ensure_person(conn, 7, T0, "siti")
        again = await repo.ensure_person(conn, 7, T0 + timedelta(days=1), None)
        await repo.update_profile(conn, 7, name="Siti Aminah", nip="198001012005012002")
        await repo.mark_started(conn, 7)
    assert first == again == repo.Person(7, "", "", "", "siti", False)
    person = await repo.get_person(db.reader, 7)
    assert person == repo.Person(7, "Siti Aminah", "198001012005012002", "", "siti", True)
    assert person.display == "Siti Aminah"
    assert await repo.get_person(db.reader, 8) is None
    assert await repo.people_by_ids(db.reader, [7, 8, 7]) == {7: person}
    assert await repo.people_by_ids(db.reader, []) == {}


async def test_claim_update_is_true_once(db: Database) -> None:
    async with db.transaction() as conn:
        assert await repo.claim_update(conn, 9001, T0)
        assert not await repo.claim_update(conn, 9001, T0 + timedelta(seconds=1))
        assert await repo.claim_update(conn, 9002, T0)
    async with db.transaction() as conn:
        assert not await repo.claim_update(conn, 9001, T0 + timedelta(days=1))
    assert await repo.update_seen(db.reader, 9001)
    assert not await repo.update_seen(db.reader, 9003)


async def test_dialogues_and_files(db: Database) -> None:
    await store_run(db, run_to(1))
    async with db.transaction() as conn:
        await repo.set_dialogue(conn, 1, "reason", T0, 1, 3, {"op": "k", "teks": "ñ"})
        await repo.set_dialogue(conn, 1, "note", T0, 1, 4)
        file_id = await repo.add_file(
            conn,
            case_id=1,
            doc="tor",
            kind="upload",
            name="TOR 2026.pdf",
            size=12,
            sha256="ab" * 32,
            path="case-1/abab-TOR_2026.pdf",
            uploaded_by=1,
            now=T0,
            telegram_file_id="AgAD",
            mime="application/pdf",
        )
        await repo.set_file_telegram_id(conn, file_id, "BQAD")
    dialogue = await repo.get_dialogue(db.reader, 1)
    assert dialogue == repo.Dialogue(1, "note", 1, 4, {}, T0)
    stored = await repo.get_file(db.reader, file_id)
    assert stored is not None
    assert (stored.name, stored.telegram_file_id, stored.uploaded_at) == (
        "TOR 2026.pdf",
        "BQAD",
        T0,
    )
    assert await repo.files_of_case(db.reader, 1) == [stored]
    assert await repo.find_file(db.reader, 1, "ab" * 32) == stored
    assert await repo.find_file(db.reader, 1, "ab" * 32, kind="paper") is None
    async with db.transaction() as conn:
        await repo.clear_dialogue(conn, 1)
    assert await repo.get_dialogue(db.reader, 1) is None


# -- backup ----------------------------------------------------------------------------


async def test_backup_of_an_idle_database_has_the_same_rows(db: Database, tmp_path: Path) -> None:
    run = finished()
    await store_run(db, run)
    async with db.transaction() as conn:
        await repo.enqueue(conn, 1, "message", {"text": "halo"}, T0, 1)
        await repo.claim_update(conn, 1, T0)
    dest = tmp_path / "backups" / "copy.sqlite3"
    await db.backup(dest)
    copy = await Database.open(dest)
    try:
        for table in ("cases", "events", "outbox", "processed_updates"):
            assert await rows(copy.reader, f"SELECT * FROM {table} ORDER BY rowid") == await rows(
                db.reader, f"SELECT * FROM {table} ORDER BY rowid"
            ), table
        assert await repo.load_case(copy.reader, 1) == run.current
        assert await schema_version(copy.reader) == LATEST
    finally:
        await copy.close()


async def test_backup_while_writers_are_mid_transaction_is_consistent(
    db: Database, tmp_path: Path
) -> None:
    base = run_to(2)
    events_per_case = len(base.log)
    cases = 40
    # the backups are asked for once this many cases are written, while writing goes on
    marks = [1 + cases * i // 6 for i in range(6)]
    reached = [asyncio.Event() for _ in marks]
    written = 0

    async def writer(first: int, count: int) -> None:
        nonlocal written
        for case_id in range(first, first + count):
            async with db.transaction() as conn:
                case = Case(**{**base.current.__dict__, "id": case_id})
                await repo.save_case(conn, case, "kabag", new=True)
                for event in base.log:
                    await asyncio.sleep(0)  # let the backup (and the other writer) try to run
                    await repo.append_events(
                        conn, case_id, [Event(**{**event.__dict__, "case_id": case_id})]
                    )
                await repo.enqueue(conn, case_id, "task", {"v": case.version}, T0, case_id)
            written += 1
            for mark, event in zip(marks, reached, strict=True):
                if written >= mark:
                    event.set()

    backups: list[Path] = []

    async def backer() -> None:
        for i, event in enumerate(reached):
            await event.wait()
            dest = tmp_path / f"backup-{i}.sqlite3"
            await db.backup(dest)
            backups.append(dest)

    await asyncio.gather(writer(1, cases // 2), writer(1000, cases // 2), backer())
    counts = set()
    for dest in backups:
        with sqlite3.connect(dest) as plain:
            assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            n_cases = plain.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
            per_case = plain.execute(
                "SELECT c.id, COUNT(e.id), (SELECT COUNT(*) FROM outbox o WHERE o.case_id = c.id) "
                "FROM cases c LEFT JOIN events e ON e.case_id = c.id GROUP BY c.id"
            ).fetchall()
            # every case in the copy is whole: all its events and its outbox row, nothing half done
            assert all(n == events_per_case and o == 1 for _, n, o in per_case), per_case
            assert plain.execute("SELECT COUNT(*) FROM events").fetchone()[0] == (
                n_cases * events_per_case
            )
            counts.add(n_cases)
        copy = await Database.open(dest)
        await copy.close()
    assert len(backups) == 6
    assert any(0 < n < cases for n in counts), counts  # some copies were taken mid-way
    # a copy taken after the writers finished has every row
    final = tmp_path / "final.sqlite3"
    await db.backup(final)
    copy = await Database.open(final)
    try:
        for table in ("cases", "events", "outbox"):
            assert await rows(copy.reader, f"SELECT * FROM {table} ORDER BY rowid") == await rows(
                db.reader, f"SELECT * FROM {table} ORDER BY rowid"
            )
        assert await scalar(copy.reader, "SELECT COUNT(*) FROM cases") == cases
    finally:
        await copy.close()
