"""The store on PostgreSQL: the storage suite of ``test_storage.py`` again, on a real server
(every test there that works through a ``db`` fixture, but those about SQLite's own file,
pragmas and error classes), then what is PostgreSQL's own: the schema is SQLite's, both
engines report the same migration level, writes of two processes take turns, outbox rows
are leased, connections the server ended while idle are made again (a write that began is
never run twice), the active lock passes to a standby and waits out a server that is down
in a few log lines, and ``pg_dump`` backs the database up.

Skipped, with the reason, when no server is given (``SOPBOT_TEST_PG``; ``bin/test`` starts
one)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import socket
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
import test_storage
from core_helpers import T0, run_to
from pg_helpers import SKIP_REASON, engine_target, pg_url, tables_in  # noqa: F401 (fixtures)
from test_storage import Boom, holder, store, store_run

from storage import repo
from storage.active import ActiveLock
from storage.db import Database, DatabaseError, Row, SqliteDatabase, Tx, newer_schema
from storage.migrations import LATEST
from storage.pg_schema import TABLES
from storage.postgres import (
    PostgresDatabase,
    safe_url,
    schema_level,
    server_facts,
    translate,
)
from storage.transfer import table_digests

SQLITE_ONLY = {
    # SQLite's file, pragmas, error classes and online backup: their PostgreSQL
    # counterparts are below
    "test_foreign_keys_are_enforced",
    "test_the_reader_cannot_write",
    "test_every_table_has_representative_rows",
    "test_a_statement_that_fails_undoes_the_earlier_ones",
    "test_a_write_whose_commit_fails_is_undone_and_the_writer_goes_on",
    "test_the_event_log_is_append_only",
    "test_saving_a_new_case_twice_is_refused",
    "test_files_are_kept_and_found",
    "test_backup_of_an_idle_database_has_the_same_rows",
    "test_backup_while_writing_is_consistent",
    # SQLite's query plans (PostgreSQL plans by the statistics it keeps of its tables)
    "test_the_rows_still_to_go_are_found_without_reading_the_delivered_ones",
    "test_an_archive_number_is_looked_up_without_reading_the_event_log",
    "test_a_correction_finds_who_else_is_filed_under_its_number_without_the_event_log",
    "test_status_without_a_number_reads_the_newest_cases_not_the_whole_history",
    "test_a_report_for_a_short_period_does_not_read_every_case_ever_opened",
    "test_a_reminder_reads_the_rows_not_delivered_to_its_chat_not_the_delivered_ones",
    "test_a_move_finds_the_task_rows_being_sent_by_case_not_by_reading_every_row",
}

# every other test of the SQLite suite that works through ``db`` runs here on PostgreSQL
for _name, _test in list(vars(test_storage).items()):
    if (
        _name.startswith("test_")
        and callable(_test)
        and "db" in inspect.signature(_test).parameters
        and _name not in SQLITE_ONLY
    ):
        globals()[_name] = _test


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[Database]:  # noqa: F811
    database = await Database.open(pg_url)
    try:
        yield database
    finally:
        await database.close()


def test_the_sqlite_only_tests_still_exist() -> None:
    """A renamed SQLite test must not silently drop out of (or into) this suite."""
    assert set(vars(test_storage)) >= SQLITE_ONLY


async def test_an_archive_number_can_be_looked_up_by_the_archive_numbers_key(
    db: Database,
) -> None:
    """The archive-number lookup reads ``archive_numbers`` by its key: with sequential
    scans ruled out, PostgreSQL's plan reads that index. Which plan it picks by itself
    depends on the statistics of the table."""

    def plan(tx: Tx) -> str:
        tx.run("SET LOCAL enable_seqscan = off")
        rows = tx.all("EXPLAIN " + repo.ARCHIVED_AS, ("ARS/1",))
        return "\n".join(str(row[0]) for row in rows)

    shown = await db.write(plan)
    assert "archive_numbers_pkey" in shown, shown


async def test_the_upgrade_to_level_18_gives_each_archived_case_its_number(
    pg_url: str,  # noqa: F811
) -> None:
    """A database as level 17 left it gets each archived case's number as it stands, in
    its compared form (``test_storage``'s test of the same name, on PostgreSQL); a
    correction's lookup of another case filed under the number it frees reads the index
    (with sequential scans ruled out: PostgreSQL plans by its statistics)."""
    db = await Database.open(pg_url)
    try:
        await db.write(test_storage.archived_cases_filed_twice)
        undone = (
            test_storage.LEVEL_23_UNDONE
            + test_storage.LEVEL_22_UNDONE
            + test_storage.LEVEL_21_UNDONE
            + test_storage.LEVEL_20_UNDONE
            + test_storage.LEVEL_19_UNDONE
            + test_storage.LEVEL_18_UNDONE
            + "UPDATE sopbot_schema SET version = 17"
        )
        await db.write(Tx.run, undone)
        assert await db.read(schema_level) == 17
    finally:
        await db.close()

    def plan(tx: Tx) -> str:
        tx.run("SET LOCAL enable_seqscan = off")
        sql = "EXPLAIN SELECT MIN(id) FROM cases WHERE archive_number = ? AND id <> ?"
        return "\n".join(str(row[0]) for row in tx.all(sql, ("ARS/9", 1)))

    db = await Database.open(pg_url)
    try:
        assert await db.read(schema_level) == LATEST
        by_case = await test_storage.rows(db, "SELECT id, archive_number FROM cases ORDER BY id")
        assert dict(by_case) == test_storage.ARCHIVE_NUMBER_BY_CASE
        assert await db.read(repo.shared_archive_numbers) == {"ARS/PK/2027/007": [1, 2, 3]}
        shown = await db.write(plan)
        assert "cases_archive_number" in shown, shown
    finally:
        await db.close()


async def test_the_upgrade_to_level_20_keeps_a_hand_over_for_every_holder_of_the_step(
    pg_url: str,  # noqa: F811
) -> None:
    """``test_storage``'s test of the same name, on PostgreSQL."""
    db = await Database.open(pg_url)
    try:
        await db.write(test_storage.handed_over_at_level_19)
        await db.write(Tx.run, "UPDATE sopbot_schema SET version = 19")
    finally:
        await db.close()
    db = await Database.open(pg_url)
    try:
        assert await db.read(schema_level) == LATEST
        await db.read(test_storage.assert_hand_over_kept_for_every_holder)
    finally:
        await db.close()


class Noting(Tx):
    """Runs each statement on ``tx`` and notes it, with its parameters (``seen``)."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.seen: list[tuple[str, Sequence[Any]]] = []

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self.seen.append((sql, params))
        return self.tx.one(sql, params)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.seen.append((sql, params))
        return self.tx.all(sql, params)

    def each(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        self.seen.append((sql, params))
        return self.tx.each(sql, params)

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.seen.append((sql, params))
        return self.tx.value(sql, params)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.seen.append((sql, params))
        return self.tx.run(sql, params)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.seen.append((sql, ()))
        self.tx.many(sql, rows)


async def test_the_upgrade_to_level_17_indexes_the_rows_not_delivered_by_chat(
    pg_url: str,  # noqa: F811
) -> None:
    """A database as level 16 left it gets the indexes of the rows still to go and of
    those refused, by chat and case, and loses the paper jobs' index. A reminder's
    lookups of what its chat was not delivered read them: with sequential scans ruled
    out, PostgreSQL's plans name them (which plan it picks by itself depends on the
    statistics of the table)."""
    db = await Database.open(pg_url)
    try:
        await db.write(test_storage.chat_10_with_a_week_delivered)
        undone = (
            test_storage.LEVEL_23_UNDONE
            + test_storage.LEVEL_22_UNDONE
            + test_storage.LEVEL_21_UNDONE
            + test_storage.LEVEL_20_UNDONE
            + test_storage.LEVEL_19_UNDONE
            + test_storage.LEVEL_18_UNDONE
            + test_storage.LEVEL_17_UNDONE
            + "UPDATE sopbot_schema SET version = 16"
        )
        await db.write(Tx.run, undone)
        assert await db.read(schema_level) == 16
    finally:
        await db.close()

    def indexes(tx: Tx) -> set[str]:
        rows = tx.all(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'outbox'"
        )
        return {str(r[0]) for r in rows}

    def plans(tx: Tx) -> list[str]:
        tx.run("SET LOCAL enable_seqscan = off")
        noting = Noting(tx)
        test_storage.the_lookups_of_what_chat_10_was_not_delivered(noting)
        return [
            "\n".join(str(row[0]) for row in tx.all("EXPLAIN " + sql, params))
            for sql, params in noting.seen
            if "chat_id = ?" in sql
        ]

    db = await Database.open(pg_url)
    try:
        assert await db.read(schema_level) == LATEST
        assert {"outbox_queued_by_chat", "outbox_refused"} <= await db.read(indexes)
        assert "outbox_jobs" not in await db.read(indexes)
        shown = await db.write(plans)
    finally:
        await db.close()
    assert len(shown) == 8, shown  # pressing Start also reads its refused notices
    assert [p for p in shown if "Seq Scan" in p] == []
    for plan in shown:
        assert "outbox_queued_by_chat" in plan or "outbox_refused" in plan, plan
    used = {name for p in shown for name in re.findall(r"outbox_(?:queued_by_chat|refused)", p)}
    assert used == {"outbox_queued_by_chat", "outbox_refused"}, shown


# -- the dialect ---------------------------------------------------------------------------


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    sql = "SELECT '?', \"a?\", x FROM t -- why?\nWHERE a = ? AND b IN (?, ?) /* ? */"
    assert translate(sql) == (
        "SELECT '?', \"a?\", x FROM t -- why?\nWHERE a = $1 AND b IN ($2, $3) /* ? */"
    )
    assert translate("SELECT 'it''s ?' WHERE x = ?") == "SELECT 'it''s ?' WHERE x = $1"


# -- PostgreSQL's own ----------------------------------------------------------------------


async def test_opening_migrates_to_the_latest_level_once(pg_url: str) -> None:  # noqa: F811
    db = await Database.open(pg_url)
    assert isinstance(db, PostgresDatabase)
    assert await db.read(schema_level) == LATEST
    await db.write(repo.claim_update, 5, T0)
    await db.close()
    again = await Database.open(pg_url)
    try:
        assert await again.read(schema_level) == LATEST
        assert await again.read(repo.update_seen, 5)
        assert "PostgreSQL" in await again.describe()
    finally:
        await again.close()


async def test_two_processes_opening_at_once_migrate_once(pg_url: str) -> None:  # noqa: F811
    dbs = await asyncio.gather(*(Database.open(pg_url) for _ in range(3)))
    try:
        levels = await asyncio.gather(*(d.read(schema_level) for d in dbs))
        assert levels == [LATEST] * 3
        rows = await dbs[0].read(Tx.value, "SELECT COUNT(*) FROM sopbot_schema")
        assert rows == 1
    finally:
        for d in dbs:
            await d.close()


async def test_a_newer_database_is_refused(pg_url: str) -> None:  # noqa: F811
    db = await Database.open(pg_url)
    await db.write(Tx.run, "UPDATE sopbot_schema SET version = ?", (LATEST + 1,))
    await db.close()
    with pytest.raises(DatabaseError) as refused:
        await Database.open(pg_url)
    assert str(refused.value) == newer_schema(safe_url(pg_url), LATEST + 1)


async def test_a_database_with_foreign_tables_of_the_same_names_is_refused(
    pg_url: str,  # noqa: F811
) -> None:
    conn = await asyncpg.connect(pg_url)
    await conn.execute("CREATE TABLE cases (id integer)")
    await conn.close()
    with pytest.raises(DatabaseError, match="not a database this program made"):
        await Database.open(pg_url)


async def test_an_unreachable_server_is_a_database_error() -> None:
    with pytest.raises(DatabaseError, match="cannot connect") as caught:
        await Database.open("postgresql://nobody@127.0.0.1:9/none")
    assert "127.0.0.1:9" in str(caught.value)


def sqlite_schema(path: Path) -> dict[str, list[tuple[str, bool]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: [(r[1], bool(r[3]) or bool(r[5])) for r in conn.execute(f"PRAGMA table_info({t})")]
            for t in tables
        }
    finally:
        conn.close()


def sqlite_indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
    finally:
        conn.close()


def pg_schema(tx: Tx) -> dict[str, list[tuple[str, bool]]]:
    rows = tx.all(
        "SELECT table_name, column_name, is_nullable = 'NO' FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> 'sopbot_schema' "
        "ORDER BY table_name, ordinal_position"
    )
    schema: dict[str, list[tuple[str, bool]]] = {}
    for table, column, not_null in rows:
        schema.setdefault(table, []).append((column, bool(not_null)))
    return schema


async def test_the_schema_is_sqlites_table_by_table_column_by_column(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    lite = await Database.open(tmp_path / "s.sqlite3")
    await lite.close()
    db = await Database.open(pg_url)
    try:
        columns = await db.read(pg_schema)
        indexes = await db.read(
            lambda tx: {
                r[0]
                for r in tx.all(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'"
                )
            }
        )
    finally:
        await db.close()
    expected = sqlite_schema(tmp_path / "s.sqlite3")
    # SQLite's INTEGER PRIMARY KEY may hold NULL in principle; the key is NOT NULL in fact
    for table, cols in expected.items():
        assert [c for c, _ in columns[table]] == [c for c, _ in cols], table
    assert set(columns) == set(expected) == set(TABLES)
    assert indexes == sqlite_indexes(tmp_path / "s.sqlite3")


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await db.write(repo.record_task_message, 1, 2, 404, 1)


async def test_the_reader_cannot_write(db: Database) -> None:
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await db.read(Tx.run, "INSERT INTO processed_updates (update_id, at) VALUES (1, 'x')")
    assert await db.read(Tx.value, "SELECT COUNT(*) FROM processed_updates") == 0


async def test_a_statement_that_fails_undoes_the_earlier_ones(db: Database) -> None:
    run = run_to(2)

    def twice(tx: Tx) -> None:
        repo.claim_update(tx, 7, T0)
        store(tx, run.current, run.log)
        repo.save_case(tx, run.current, "kabag", new=True)

    with pytest.raises(asyncpg.UniqueViolationError):
        await db.write(twice)
    assert await db.read(repo.load_case, run.current.id) is None
    assert not await db.read(repo.update_seen, 7)
    assert await db.write(repo.claim_update, 7, T0)  # the writer goes on


async def test_the_event_log_is_append_only(db: Database) -> None:
    run = run_to(3)
    await store_run(db, run)
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await db.write(Tx.run, "UPDATE events SET reason = 'diubah' WHERE seq = 2")
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await db.write(Tx.run, "DELETE FROM events WHERE case_id = ?", (run.current.id,))
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await db.write(Tx.run, "DELETE FROM cases")
    assert await db.read(repo.load_events, run.current.id) == run.log


async def test_a_corrected_profile_keeps_the_one_it_replaced(db: Database) -> None:
    """The profile Budi had before correcting his name is kept, append-only."""
    t1 = T0 + timedelta(days=30)

    def work(tx: Tx) -> None:
        repo.ensure_person(tx, 1002, T0)
        repo.update_profile(tx, 1002, now=T0, changed_by=None, name="Budi", position="Kabag")
        repo.update_profile(tx, 1002, now=t1, changed_by=1002, name="Ir. Budi Santoso")

    await db.write(work)
    assert await db.read(repo.earlier_profiles, [1002]) == {
        1002: [repo.EarlierProfile(1002, "Budi", "", "Kabag", t1, 1002)]
    }
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await db.write(Tx.run, "UPDATE earlier_profiles SET name = 'Lain'")
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await db.write(Tx.run, "DELETE FROM earlier_profiles")


async def test_a_failed_write_does_not_poison_the_connection(db: Database) -> None:
    """On PostgreSQL an error aborts the transaction; the next write must start clean."""

    def bad(tx: Tx) -> None:
        repo.claim_update(tx, 1, T0)
        tx.run("SELECT * FROM no_such_table")

    for _ in range(3):
        with pytest.raises(asyncpg.UndefinedTableError):
            await db.write(bad)
    with pytest.raises(Boom):
        await db.read(lambda tx: (_ for _ in ()).throw(Boom()))
    assert await db.write(repo.claim_update, 1, T0)
    assert await db.read(repo.update_seen, 1)


async def cut_the_bots_connections(url: str) -> int:
    """What a DBA's ``pg_terminate_backend`` (or ``idle_session_timeout``, a pooler reaping
    idle connections) does to the bot: its database connections end, the bot unaware."""
    conn = await asyncpg.connect(url)
    try:
        cut = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'sopbot' AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return len(cut)


async def test_connections_the_server_ended_while_idle_are_made_again(
    pg_url: str,  # noqa: F811
) -> None:
    """The server ends the idle connections of the writer and both readers. The next reads
    and the next write had not begun: each runs on a new connection, none fails."""
    db = await Database.open(pg_url)
    try:
        for _ in range(4):  # every reader has its connection
            await asyncio.gather(*(db.read(Tx.value, "SELECT 1") for _ in range(4)))
        assert await cut_the_bots_connections(pg_url) == 3
        await asyncio.sleep(0.3)  # the goodbyes wait, unread, on the sockets
        assert [await db.read(Tx.value, "SELECT 1") for _ in range(2)] == [1, 1]
        assert await db.write(repo.claim_update, 1, T0)
        assert await db.read(repo.update_seen, 1)
    finally:
        await db.close()


async def test_a_write_cut_off_after_it_began_is_not_run_again(db: Database) -> None:
    """Once a write's transaction began, a broken connection fails it: it may have run on
    the server, so it is never run a second time (the update is claimed by no one; the
    next write, on a new connection, claims it)."""
    runs: list[int] = []

    def claim_then_cut(tx: Tx) -> None:
        runs.append(1)
        repo.claim_update(tx, 7, T0)
        tx.value("SELECT pg_terminate_backend(pg_backend_pid())")

    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):
        await db.write(claim_then_cut)
    assert runs == [1]
    assert not await db.read(repo.update_seen, 7)
    assert await db.write(repo.claim_update, 7, T0)


async def test_a_write_that_timed_out_waiting_for_its_turn_leaves_the_writer_usable(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process held the write lock past the command timeout (a long migration, a
    stuck process): that write fails, and the writer's connection, which had begun its
    transaction, is not left inside it (asyncpg's cancel ends it), or every later write
    would fail with "current transaction is aborted" until a restart."""
    import storage.postgres

    monkeypatch.setattr(storage.postgres, "COMMAND_TIMEOUT", 0.5)
    db = await Database.open(pg_url)
    other = await asyncpg.connect(pg_url)
    try:
        await other.execute("SELECT pg_advisory_lock($1)", storage.postgres.WRITE_LOCK)
        with pytest.raises(TimeoutError):
            await db.write(repo.claim_update, 8, T0)
        await other.execute("SELECT pg_advisory_unlock($1)", storage.postgres.WRITE_LOCK)
        assert await db.write(repo.claim_update, 8, T0)
        assert await db.read(repo.update_seen, 8)
    finally:
        await other.close()
        await db.close()


async def test_a_savepoint_undoes_part_of_a_write(db: Database) -> None:
    """The reminder sweep's pattern: one broken item rolled back, the others kept."""

    def sweep(tx: Tx) -> None:
        for update_id in (1, 2, 3):
            try:
                with repo.savepoint(tx, "item"):
                    repo.claim_update(tx, update_id, T0)
                    if update_id == 2:
                        tx.run("SELECT * FROM no_such_table")
            except asyncpg.UndefinedTableError:
                pass

    await db.write(sweep)
    seen = [await db.read(repo.update_seen, i) for i in (1, 2, 3)]
    assert seen == [True, False, True]


async def first_write_then_the_waiting_second(
    url: str, second: Callable[[Tx], int]
) -> tuple[int, int]:
    """Two processes' writes at once: the first takes the next case number and holds its
    transaction until the second is seen waiting for the write lock (PostgreSQL shows it as
    not granted); then it saves its case. What each write returned."""
    one, two = await Database.open(url), await Database.open(url)
    inside, release = threading.Event(), threading.Event()
    run = run_to(2)

    def slow(tx: Tx) -> int:
        number = repo.next_case_id(tx)
        inside.set()
        assert release.wait(20)
        repo.save_case(tx, run.current, holder(run.current), new=True)
        return number

    try:
        holding = asyncio.create_task(one.write(slow))
        assert await asyncio.to_thread(inside.wait, 20)
        waiting = asyncio.create_task(two.write(second))
        for _ in range(200):
            blocked = await one.read(
                Tx.value,
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            )
            if blocked:
                break
            await asyncio.sleep(0.05)
        assert blocked == 1
        assert not waiting.done()
        release.set()
        return await holding, await waiting
    finally:
        release.set()
        await one.close()
        await two.close()


async def test_writes_of_two_processes_take_turns(pg_url: str) -> None:  # noqa: F811
    """A second process's write waits until the first one's transaction ends, as SQLite's
    BEGIN IMMEDIATE makes it: the next case number and the outbox order rely on it."""
    assert await first_write_then_the_waiting_second(pg_url, repo.next_case_id) == (1, 2)


@pytest.mark.parametrize("isolation", ["repeatable read", "serializable"])
async def test_writes_of_two_processes_take_turns_whatever_isolation_the_dba_set(
    pg_url: str,  # noqa: F811
    isolation: str,
) -> None:
    """The DBA made a stricter isolation level the database's default (an office policy).
    A second process's write that waited for the first one's still sees what it wrote:
    the next case number follows the first one's case, as on SQLite, and the case is not
    refused as a number taken twice."""
    conn = await asyncpg.connect(pg_url)
    try:
        name = pg_url.rsplit("/", 1)[1]
        await conn.execute(
            f"ALTER DATABASE \"{name}\" SET default_transaction_isolation = '{isolation}'"
        )
    finally:
        await conn.close()
    run = run_to(2)

    def next_case(tx: Tx) -> int:
        number = repo.next_case_id(tx)
        case = replace(run.current, id=number)
        repo.save_case(tx, case, holder(case), new=True)
        return number

    assert await first_write_then_the_waiting_second(pg_url, next_case) == (1, 2)


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
async def test_a_database_not_in_utf8_is_refused_before_an_official_meets_it(
    encoding: str,
) -> None:
    """The DBA created the bot's database in another encoding than UTF-8. Kasubag's title
    "Program Kerja 2027 🚀" would be refused there (SQLite keeps it) with an apology: the
    bot does not start on it, naming the encoding and how to make the database, and makes
    nothing in it."""
    from pg_helpers import SERVER, database_url, drop_database

    name = f"sopbot_t_{encoding.lower()}_{threading.get_ident() % 100000}"
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(
            f"CREATE DATABASE \"{name}\" ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C' "
            "TEMPLATE template0"
        )
    finally:
        await conn.close()
    url = database_url(name)
    try:
        with pytest.raises(DatabaseError) as refused:
            await Database.open(url)
        assert str(refused.value) == (
            f"{safe_url(url)}: the database's encoding is {encoding}, not UTF8: it cannot "
            "keep every text the officials type (an emoji, a name in another script); "
            "create the database with ENCODING 'UTF8'"
        )
        assert await tables_in(url) == []
        # sopbot check says so too (it reads the same facts)
        with pytest.raises(DatabaseError) as checked:
            await asyncio.to_thread(server_facts, url)
        assert str(checked.value) == str(refused.value)
    finally:
        await drop_database(name)


async def test_two_senders_never_take_the_same_outbox_row(pg_url: str) -> None:  # noqa: F811
    one, two = await Database.open(pg_url), await Database.open(pg_url)
    try:

        def fill(tx: Tx) -> None:
            for chat in range(1, 41):
                repo.enqueue(tx, chat, "notice", T0, params={"t": "upload"})

        await one.write(fill)
        lease = T0 + timedelta(seconds=10)
        taken = await asyncio.gather(
            *(db.write(repo.take_due_outbox, T0, 7, lease) for _ in range(4) for db in (one, two))
        )
        ids = [item.id for batch in taken for item in batch]
        assert len(ids) == len(set(ids)) == 40
    finally:
        await one.close()
        await two.close()


async def test_the_active_lock_passes_to_the_standby(pg_url: str) -> None:  # noqa: F811
    active, standby = ActiveLock(pg_url, ping_every=0.2), ActiveLock(pg_url, ping_every=0.2)
    await active.acquire()
    waiting = asyncio.create_task(standby.acquire())
    try:
        monitor = await asyncpg.connect(pg_url)
        try:
            for _ in range(200):  # the standby is blocked on the lock
                if await monitor.fetchval(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ):
                    break
                await asyncio.sleep(0.05)
            assert not waiting.done()
            await active.release()
            await asyncio.wait_for(waiting, 20)
            assert standby.held and not active.held
            # the active one's connection is cut: it knows it is no longer active
            lost: list[bool] = []
            standby.on_lost(lambda: lost.append(True))
            await monitor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'sopbot (active lock)'"
            )
            await asyncio.wait_for(standby.lost.wait(), 20)
            assert lost == [True]
        finally:
            await monitor.close()
    finally:
        waiting.cancel()
        await active.release()
        await standby.release()


async def forwarder(port: int, to: tuple[str, int]) -> asyncio.Server:
    """A server listening on ``port`` that passes every connection on to ``to``: the
    database server back from its maintenance, at the address the bot knows."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*to)
        await asyncio.gather(
            pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True
        )

    return await asyncio.start_server(connect, "127.0.0.1", port)


async def test_a_server_down_for_maintenance_is_a_few_log_lines(
    pg_url: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL is down for maintenance while a bot process waits to start. The log says
    so once, then once a minute with a count (here a second, with tries every 50 ms), not
    at every try; once when the server is back; and the process becomes the active one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there: the server is down
    server = urlsplit(pg_url)
    url = server._replace(netloc=f"{server.username}@127.0.0.1:{port}").geturl()
    lock = ActiveLock(url, retry_after=0.05, say_every=1.0)
    with caplog.at_level(logging.WARNING, logger="storage.active"):
        waiting = asyncio.create_task(lock.acquire())
        await asyncio.sleep(2.5)
        back = await forwarder(port, (server.hostname or "", server.port or 5432))
        try:
            await asyncio.wait_for(waiting, 20)
            assert lock.held
        finally:
            waiting.cancel()
            await lock.release()
            back.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "storage.active"]
    assert lines[0].startswith(f"cannot reach {url} (")
    assert 1 <= sum(line.startswith("still cannot reach") for line in lines[1:-1]) <= 3, lines
    assert len(lines) <= 5, lines
    failed = re.fullmatch(
        rf"{re.escape(url)} reached again \((\d+) attempts failed over \d+ s\)", lines[-1]
    )
    assert failed is not None and int(failed[1]) >= 20, lines  # tried all along


async def test_pg_dump_backup_restores_to_the_same_rows(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    import os
    import shutil

    from pg_helpers import create_database, database_url, drop_database

    if shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL: pg_restore not installed")
    db = await Database.open(pg_url)
    run = run_to(5)
    await store_run(db, run)
    await db.write(repo.enqueue, 7, "notice", T0, params={"t": "upload"})
    dest = tmp_path / "backups" / "sopbot.dump"
    try:
        await db.backup(dest)
        before = await table_digests(db)
    finally:
        await db.close()
    name = await create_database()
    try:
        proc = await asyncio.create_subprocess_exec(
            "pg_restore", "--no-password", f"--dbname={database_url(name)}", str(dest),
            env=dict(os.environ),
        )  # fmt: skip
        assert await proc.wait() == 0
        restored = await Database.open(database_url(name))
        try:
            assert await table_digests(restored) == before
            assert await restored.read(repo.load_case, run.current.id) == run.current
        finally:
            await restored.close()
    finally:
        await drop_database(name)


# -- both engines --------------------------------------------------------------------------


async def test_outbox_rows_are_leased_while_they_are_sent(engine_target: str) -> None:  # noqa: F811
    db = await Database.open(engine_target)
    try:
        for chat in (1, 1, 2):
            await db.write(repo.enqueue, chat, "notice", T0, params={"t": "upload"})
        lease = T0 + timedelta(seconds=10)
        taken = await db.write(repo.take_due_outbox, T0, 100, lease)
        assert [(i.id, i.chat_id) for i in taken] == [(1, 1), (2, 1), (3, 2)]
        assert await db.write(repo.take_due_outbox, T0, 100, lease) == []  # leased
        await db.write(repo.mark_sent, 1, T0, 11)
        await db.write(repo.mark_retry, 3, T0 + timedelta(seconds=2), "timeout")
        # row 2 was never tried: given back, due at once
        assert await db.write(repo.release_outbox, [1, 2, 3], lease, T0) == 1
        again = await db.write(repo.take_due_outbox, T0, 100, lease)
        assert [i.id for i in again] == [2]
        # a sender that died: its rows are taken again when the lease ends
        later = await db.write(repo.take_due_outbox, lease, 100, lease + timedelta(seconds=10))
        assert [i.id for i in later] == [2, 3]
    finally:
        await db.close()


async def test_both_engines_report_the_same_level(engine_target: str) -> None:  # noqa: F811
    from storage.db import inspect as inspect_db

    db = await Database.open(engine_target)
    try:
        level: Any = await db.read(
            schema_level if isinstance(db, PostgresDatabase) else sqlite_level
        )
    finally:
        await db.close()
    assert level == LATEST
    assert await asyncio.to_thread(inspect_db, engine_target, repo.open_cases_by_revision) == []
    assert isinstance(db, PostgresDatabase | SqliteDatabase)


def sqlite_level(tx: Tx) -> int:
    return int(tx.value("PRAGMA user_version"))


def test_skip_reason_is_visible() -> None:
    assert SKIP_REASON.startswith("PostgreSQL: ")
