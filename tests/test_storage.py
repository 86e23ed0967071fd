"""The SQLite store against real database files: opening and refusal, migrations (V2 → V3
included), the stored JSON formats, one trip per command (``db.write``/``db.read``), and
every query of :mod:`storage.repo`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, astuple, replace
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from core_helpers import (
    ADMIN,
    KABAG,
    KARO,
    KASUBAG,
    PEOPLE,
    T0,
    TIM_A,
    TIM_B,
    Run,
    run_to,
    sop,
    started,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import recall_hand_ins
from bot.core.definition import SopDefinition
from bot.core.model import (
    Approval,
    Attachment,
    Case,
    CaseStatus,
    CorrectArchiveReference,
    Event,
    EventType,
    Move,
)
from bot.core.workflow import decide, excluded_reviewers, replay
from bot.services.registry import SopRegistry
from storage import repo
from storage.codec import (
    CASE_FORMAT,
    EVENT_FORMAT,
    case_from_json,
    case_to_json,
    dumps,
    event_from_row,
    loads,
    ts,
)
from storage.db import (
    Database,
    DatabaseError,
    SqliteTx,
    Tx,
    inspect,
    migrate,
    schema_version,
)
from storage.migrations import LATEST

WIB = ZoneInfo("Asia/Jakarta")
UNIT = "biro-pmk"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "sopbot.sqlite3")
    try:
        yield database
    finally:
        await database.close()


# -- helpers ---------------------------------------------------------------------------


def fetch(tx: Tx, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in tx.all(sql, params)]


async def rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return await db.read(fetch, sql, params)


async def scalar(db: Database, sql: str, params: Sequence[Any] = ()) -> Any:
    return await db.read(Tx.value, sql, params)


def version_of(tx: Tx) -> int:
    assert isinstance(tx, SqliteTx)
    return schema_version(tx.conn)


def holder(case: Case) -> str:
    return sop().step(case.step).actor


def finished() -> Run:
    run = started()
    while run.current.is_open:
        run.forward(PEOPLE)
    return run


def renumbered(run: Run, case_id: int) -> tuple[Case, list[Event]]:
    return replace(run.current, id=case_id), [replace(e, case_id=case_id) for e in run.log]


def store(tx: Tx, case: Case, log: Sequence[Event]) -> None:
    repo.save_case(tx, case, holder(case), new=True)
    repo.append_events(tx, case.id, log)


async def store_run(db: Database, run: Run) -> None:
    await db.write(store, run.current, run.log)


def states_of(run: Run) -> list[Case]:
    """The case after each event of its log."""
    return [replay(sop(), run.log[: k + 1]) for k in range(len(run.log))]


# -- what the code before format 2 and schema version 3 wrote ----------------------------


@cache
def legacy_sop() -> SopDefinition:
    """The SOP as the code before revisions saw it: no revision recorded."""
    return replace(sop(), revision="")


def legacy_run_to(step_id: int) -> Run:
    run = started(legacy_sop())
    while run.step != step_id:
        run.forward(PEOPLE)
    return run


def format1_case_json(case: Case) -> str:
    """A case as case JSON format 1 had it (the old ``case_to_json``: ``dataclasses.asdict``
    shaped files, approvals and last move, and no revision)."""
    raw = asdict(case)
    del raw["revision"]
    for key in ("opened_at", "step_entered_at", "closed_at"):
        if raw[key] is not None:
            raw[key] = ts(raw[key])
    raw["status"] = case.status.value
    raw["produced"] = sorted(case.produced)
    raw["approvals"] = [{**a, "at": ts(a["at"])} for a in raw["approvals"]]
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def files_at_unknown_steps(case: Case) -> Case:
    """The case as a format before 5 keeps it: the step each file was attached at is not
    known (0) until the open cases are rebuilt from their events at start."""
    return replace(case, files=tuple(replace(a, step=0) for a in case.files))


def format2_case_json(case: Case) -> str:
    """A case as case JSON format 2 had it: who handed in the work under review not kept
    (only the last move, which a return or a withdrawal clears, told the proposer)."""
    raw = json.loads(case_to_json(case))
    del raw["handed_in"]
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def format1_event(event: Event, seq: int) -> dict[str, Any]:
    """An events row as the code before event format 2 wrote it: no ``format`` column, and
    a ``started`` event without the SOP revision."""
    data = dict(event.data)
    if event.type is EventType.STARTED:
        data.pop("revision", None)
    return {
        "case_id": event.case_id,
        "seq": seq,
        "type": event.type.value,
        "step": event.step,
        "to_step": event.to_step,
        "actor": event.actor,
        "role": event.role,
        "at": ts(event.at),
        "reason": event.reason,
        "note": event.note,
        "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    }


def insert_rows(tx: Tx, data: dict[str, list[dict[str, Any]]]) -> None:
    for table, items in data.items():
        for item in items:
            names = ", ".join(item)
            marks = ", ".join("?" * len(item))
            tx.run(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(item.values()))


def table_columns(tx: Tx) -> dict[str, dict[str, Any]]:
    """Every table's columns with their declared default (SQL text, or None)."""
    tables = tx.all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {t[0]: {r[1]: r[4] for r in tx.all(f"PRAGMA table_info({t[0]})")} for t in tables}


def old_database(path: Path, version: int, data: dict[str, list[dict[str, Any]]]) -> None:
    """A database file at schema ``version`` holding ``data``, as an older program left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=version) == version
        assert schema_version(conn) == version
        conn.execute("BEGIN")
        insert_rows(Tx(conn), data)
        conn.execute("COMMIT")
    finally:
        conn.close()


# -- opening ---------------------------------------------------------------------------


async def test_open_creates_the_file_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "sopbot.sqlite3"
    db = await Database.open(path)
    try:
        assert path.is_file() and db.is_open
        assert await db.write(Tx.value, "PRAGMA journal_mode") == "wal"
        assert await db.write(Tx.value, "PRAGMA foreign_keys") == 1
        assert await db.read(Tx.value, "PRAGMA foreign_keys") == 1
        assert await db.write(version_of) == LATEST
        assert await db.read(version_of) == LATEST
    finally:
        await db.close()
    # WAL is a property of the file: a plain connection sees it too
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert plain.execute("PRAGMA user_version").fetchone()[0] == LATEST


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.write(repo.append_events, 404, started().log)
    with pytest.raises(sqlite3.IntegrityError):
        await db.write(repo.record_task_message, 1, 2, 404, 1)
    assert await scalar(db, "SELECT COUNT(*) FROM events") == 0


async def test_the_reader_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.read(Tx.run, "INSERT INTO processed_updates (update_id, at) VALUES (1, 'x')")
    assert await scalar(db, "SELECT COUNT(*) FROM processed_updates") == 0


async def test_reopening_keeps_the_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    run = run_to(4)
    await store_run(db, run)
    await db.close()
    db = await Database.open(path)
    try:
        assert await db.read(repo.load_case, run.current.id) == run.current
        assert await db.read(version_of) == LATEST
    finally:
        await db.close()


# -- the copy before an upgrade -------------------------------------------------------------


def office_at_level(path: Path, level: int) -> Run:
    """The database an older release at schema ``level`` left: a case at step 9 and what
    else that release stored."""
    run = legacy_run_to(9)
    data: dict[str, list[dict[str, Any]]] = {}
    for v in range(1, level + 1):
        if v in ROWS_AT:
            data |= ROWS_AT[v](run)
    old_database(path, level, data)
    return run


def copies(folder: Path) -> list[str]:
    """The copies made before an upgrade, whole or not (``.partial``), and any log beside one."""
    return sorted(p.name for p in folder.iterdir() if ".before-upgrade" in p.name)


async def test_an_upgrade_keeps_a_copy_of_the_database_as_the_older_release_left_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The migration cannot be undone and the older release opens only its own level: the
    office that goes back to it needs the database as it was. The copy is made once."""
    caplog.set_level(logging.INFO, logger="storage.db")
    path = tmp_path / "sopbot.sqlite3"
    run = office_at_level(path, 9)
    db = await Database.open(path)
    await db.close()
    copy = tmp_path / "sopbot.sqlite3.level-9.before-upgrade"
    assert copies(tmp_path) == [copy.name]
    said = [r.getMessage() for r in caplog.records if "before the upgrade" in r.getMessage()]
    assert said == [
        f"database at schema level 9, migrated to {LATEST} now: the copy before the upgrade "
        f"is {copy}"
    ]
    old = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    try:
        assert old.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert old.execute("PRAGMA user_version").fetchone()[0] == 9
        assert old.execute("SELECT id FROM cases").fetchall() == [(run.current.id,)]
    finally:
        old.close()
    written = copy.stat().st_mtime_ns

    db = await Database.open(path)  # the second start: nothing to migrate, no copy
    await db.close()
    assert copies(tmp_path) == [copy.name] and copy.stat().st_mtime_ns == written


async def test_a_new_database_gets_no_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "sopbot.sqlite3")
    await db.close()
    db = await Database.open(tmp_path / "sopbot.sqlite3")
    await db.close()
    assert copies(tmp_path) == []


OPEN_WITH_A_FILE_SIZE_LIMIT = """
import asyncio, resource, signal, sys
from storage.db import Database, DatabaseError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
try:
    asyncio.run(Database.open(sys.argv[1]))
except DatabaseError as exc:
    print(exc)
    sys.exit(2)
"""


def test_a_copy_that_cannot_be_written_stops_the_start_and_changes_nothing(
    tmp_path: Path,
) -> None:
    """The disk has no room for the copy: the start stops before the first migration step,
    saying so, and the database stays at its level, as the older release can open it."""
    path = tmp_path / "sopbot.sqlite3"
    office_at_level(path, 9)
    before = path.read_bytes()
    room = len(before) // 2  # the copy is as large as the database: half of it fits
    result = subprocess.run(
        [sys.executable, "-c", OPEN_WITH_A_FILE_SIZE_LIMIT, str(path), str(room)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    copy = tmp_path / "sopbot.sqlite3.level-9.before-upgrade"
    assert result.stdout.startswith(
        f"{path}: before its upgrade from schema level 9 to {LATEST}, its copy {copy} could "
        "not be written ("
    ), result.stdout
    assert "the database is unchanged (not migrated)" in result.stdout
    assert copies(tmp_path) == []  # no half copy left
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == 9
        assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        plain.close()


async def test_a_closed_database_says_so(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    await db.close()
    await db.close()  # closing twice is fine
    assert not db.is_open
    with pytest.raises(DatabaseError, match="closed"):
        await db.write(repo.claim_update, 1, T0)
    with pytest.raises(DatabaseError, match="closed"):
        await db.read(repo.update_seen, 1)
    with pytest.raises(DatabaseError, match="closed"):
        await db.backup(tmp_path / "copy.sqlite3")


# -- migrations ------------------------------------------------------------------------


def v1_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    """Representative rows of every table of schema version 1, from a real case, written the
    way the code of that time wrote them (case JSON and events in format 1)."""
    case, now = run.current, ts(T0)
    return {
        "people": [
            {"telegram_id": 1, "name": "Budi", "nip": "198001012005011001", "created_at": now},
            {"telegram_id": 2, "username": "siti", "started_bot": 1, "created_at": now},
        ],
        "role_assignments": [
            {"person_id": 1, "role": "kasubag", "unit": UNIT, "granted_at": now},
            {
                "person_id": 2,
                "role": "kabag",
                "unit": UNIT,
                "granted_at": now,
                "revoked_at": now,
                "revoked_by": 1,
            },
        ],
        "invites": [
            {
                "token": "abc",
                "role": "tim",
                "unit": UNIT,
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
                "state": format1_case_json(case),
            }
        ],
        "events": [format1_event(e, seq) for seq, e in enumerate(run.log, start=1)],
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


def v3_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    case = run.current
    return {
        "sop_revisions": [
            {
                "revision": "r1",
                "code": case.sop_code,
                "source": "sops/penyusunan-program-kerja.toml",
                "text": "[sop]\n",
                "first_seen_at": ts(T0),
            }
        ],
        "deliveries": [{"person_id": 2, "file_id": 1, "message_id": 50}],
        "live_tasks": [{"chat_id": 2, "case_id": case.id, "version": 3, "message_id": 51}],
        # the outbox as V3 rebuilt it: small rows (replacing the V1 rows in a V3 database)
        "outbox": [
            {
                "chat_id": 2,
                "kind": "task",
                "case_id": case.id,
                "version": 3,
                "params": '{"via":4}',
                "created_at": ts(T0),
                "next_attempt_at": ts(T0),
            }
        ],
    }


def v4_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    return {
        "acting": [
            {
                "role": "karo",
                "unit": run.current.unit,
                "person_id": 2,
                "kind": "plh",
                "starts_at": ts(T0),
                "ends_at": ts(T0 + timedelta(days=3)),
                "planned_end": ts(T0 + timedelta(days=3)),
                "reason": "cuti tahunan",
                "letter": "ND.12/2026",
                "created_by": 1,
                "created_at": ts(T0),
            }
        ],
    }


def v7_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    chat, album = run.current.started_by, "13960000000000001"
    file = '{"id":"F","unique_id":"U","name":"TOR.docx","size":9,"mime":"","caption":""}'
    return {
        "albums": [{"chat_id": chat, "media_group_id": album, "case_id": None, "at": ts(T0)}],
        "album_files": [
            {
                "chat_id": chat,
                "message_id": 40,
                "media_group_id": album,
                "person_id": chat,
                "update_id": 900,
                "file": file,
                "at": ts(T0),
            }
        ],
    }


def v9_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    body = '{"update_id":901,"message":{"message_id":41,"date":0,"text":"/tugas"}}'
    return {"inbox": [{"update_id": 901, "body": body, "at": ts(T0), "replays": 1}]}


def v12_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    ended = {"person_id": 2, "kind": "return_reason", "case_id": run.current.id, "step": 2}
    return {"ended_dialogues": [ended | {"why": "role_moved", "role": "kabag", "at": ts(T0)}]}


def v13_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    reminded = {"case_id": run.current.id, "step": 9, "at": ts(T0), "kind": "reminder"}
    snoozed = reminded | {"kind": "snooze", "until": ts(T0 + timedelta(hours=2))}
    return {
        "chases": [
            reminded | {"person_id": 1, "role": "kasubag", "number": 1},
            snoozed | {"person_id": 1, "role": "kasubag"},
        ]
    }


def v14_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    earlier = {"person_id": 1, "name": "Budi", "nip": "198001012005011001", "position": ""}
    return {"earlier_profiles": [earlier | {"valid_until": ts(T0), "changed_by": 1}]}


def v15_rows(run: Run) -> dict[str, list[dict[str, Any]]]:
    return {"archive_numbers": [{"number": "ARS/PK/2027/001", "case_id": run.current.id}]}


ROWS_AT: dict[int, Callable[[Run], dict[str, list[dict[str, Any]]]]] = {
    1: v1_rows,
    3: v3_rows,
    4: v4_rows,
    7: v7_rows,
    9: v9_rows,
    12: v12_rows,
    13: v13_rows,
    14: v14_rows,
    15: v15_rows,
}
"""Rows to insert into a database at schema version ``v``: those of every version up to v."""

WITHOUT_ROWID = frozenset({"deliveries", "live_tasks", "albums", "album_files", "archive_numbers"})

RESHAPED: dict[str, int] = {"outbox": 3}
"""Tables a migration rebuilt (columns replaced, rows converted), with the version that did:
an upgrade across it is checked by a test of its own, not column by column."""


async def test_every_table_has_representative_rows(db: Database) -> None:
    """A migration that adds a table must add its rows to ROWS_AT, or its upgrade goes untested."""
    assert set(ROWS_AT) <= set(range(1, LATEST + 1))
    covered: set[str] = set()
    for make in ROWS_AT.values():
        covered |= set(make(run_to(1)))
    assert set(await db.read(table_columns)) == covered


@pytest.mark.parametrize("version", range(LATEST))
async def test_upgrade_from_every_earlier_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.sqlite3"
    run = legacy_run_to(9)  # files, a team, approvals (paraf), a last move
    data: dict[str, list[dict[str, Any]]] = {}
    for v in range(1, version + 1):
        if v in ROWS_AT:
            data |= ROWS_AT[v](run)
    old_database(path, version, data)
    with sqlite3.connect(path) as plain:
        old_columns = table_columns(Tx(plain))
    assert set(data) <= set(old_columns)

    db = await Database.open(path)
    try:
        assert await db.read(version_of) == LATEST
        kept = [f"{path.name}.level-{version}.before-upgrade"] if version else []
        assert copies(tmp_path) == kept  # a file with no schema yet holds nothing to keep
        new_columns = await db.read(table_columns)
        assert set(old_columns) <= set(new_columns)
        for table, items in data.items():
            if RESHAPED.get(table, 0) > version:
                continue
            old = list(old_columns[table])
            added = [c for c in new_columns[table] if c not in old_columns[table]]
            order = "1, 2" if table in WITHOUT_ROWID else "rowid"  # their key: insert order
            stored = await rows(db, f"SELECT {', '.join(old)} FROM {table} ORDER BY {order}")
            # the old columns hold what was written (columns left out, their defaults)
            assert len(stored) == len(items), table
            for got, item in zip(stored, items, strict=True):
                for column, value in zip(old, got, strict=True):
                    if column in item:
                        assert value == item[column], (table, column)
                    elif (default_sql := old_columns[table][column]) is not None:
                        assert value == await scalar(db, f"SELECT {default_sql}")
            # the new columns hold their declared default (or NULL)
            for column in added:
                default_sql = new_columns[table][column]
                default = await scalar(db, f"SELECT {default_sql}") if default_sql else None
                values = await rows(db, f"SELECT {column} FROM {table}")
                assert values == [(default,)] * len(items), (table, column)
        if data:
            # the case and its log read back through the current code
            loaded = await db.read(repo.load_case, run.current.id)
            assert loaded == files_at_unknown_steps(run.current)
            events = await db.read(repo.load_events, run.current.id)
            assert events == run.log
            assert replay(sop(), events) == run.current
            assert await db.write(repo.take_invite, "abc", 3, T0) == ("tim", UNIT)
            kasubag = await db.read(repo.holders, UNIT, "kasubag")
            assert [p.telegram_id for p in kasubag] == [1]
            assert await db.read(repo.outbox_counts) == {"sent": 0, "failed": 0, "pending": 1}
        if version >= 7:
            # an album file left waiting still waits: asked about after the start, as before
            chat = run.current.started_by
            assert await db.read(repo.waiting_albums) == [(chat, "13960000000000001", T0)]
        if version < 2 and data:
            case_row = await rows(
                db, "SELECT reminders_sent, last_reminded_at, snoozed_until, next_due_at FROM cases"
            )
            assert case_row == [(0, None, None, None)]
        # the upgraded database takes new writes
        assert await db.write(repo.claim_update, 12345, T0)
    finally:
        await db.close()


V2_OUTBOX: list[dict[str, Any]] = [
    {"id": 1, "chat_id": 2, "kind": "message", "payload": {"text": "Berkas #1 disetujui ✓"}},
    {
        "id": 2,
        "chat_id": 3,
        "kind": "task",
        "payload": {"text": "Mohon diperiksa", "keyboard": [[["Setujui", "a:1:9"]]], "version": 9},
    },
    {"id": 3, "chat_id": 2, "kind": "edit", "payload": {"message_id": 41}},
    {"id": 4, "chat_id": 3, "kind": "document", "payload": {"file_id": 1, "caption": "TOR"}},
    {"id": 5, "chat_id": 0, "kind": "paper", "payload": {"paper": "pemeriksaan", "seq": 4}},
    # delivered and given up: not carried over
    {"id": 6, "chat_id": 2, "kind": "message", "payload": {"text": "lama"}, "sent": True},
    {"id": 7, "chat_id": 4, "kind": "task", "payload": {"text": "x", "version": 8}, "failed": True},
    # waiting for a retry: carried over with its attempts, time and error
    {"id": 8, "chat_id": 4, "kind": "message", "payload": {"text": "coba lagi"}, "retry": True},
]
RETRY_AT = T0 + timedelta(minutes=5)


def v2_outbox_row(item: dict[str, Any], case_id: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": item["id"],
        "chat_id": item["chat_id"],
        "kind": item["kind"],
        "payload": json.dumps(item["payload"], ensure_ascii=False, separators=(",", ":")),
        "case_id": case_id,
        "created_at": ts(T0),
        "next_attempt_at": ts(T0),
    }
    if item.get("sent"):
        row |= {"sent_at": ts(T0), "message_id": 900, "attempts": 1}
    if item.get("failed"):
        row |= {"failed_at": ts(T0), "last_error": "Forbidden", "attempts": 1}
    if item.get("retry"):
        row |= {"next_attempt_at": ts(RETRY_AT), "attempts": 2, "last_error": "429"}
    return row


async def test_a_version_2_database_is_upgraded_to_small_outbox_rows(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    run = legacy_run_to(9)
    case = run.current
    assert case.revision == "" and case.files and case.approvals and case.last_move
    data = v1_rows(run)
    data["outbox"] = [v2_outbox_row(item, case.id) for item in V2_OUTBOX]
    old_database(path, 2, data)

    db = await Database.open(path)
    try:
        assert await db.read(version_of) == LATEST
        # pending rows became small rows: kind mapped, params = the old payload, version
        # from the payload; delivered and failed rows are gone
        outbox = await rows(
            db,
            "SELECT id, chat_id, kind, case_id, version, params, created_at, next_attempt_at, "
            "attempts, sent_at, failed_at, last_error, message_id FROM outbox ORDER BY id",
        )
        expected_kinds = {1: "text", 2: "text", 3: "strip", 4: "document", 5: "paper", 8: "text"}
        assert [(r[0], r[2]) for r in outbox] == list(expected_kinds.items())
        old = {item["id"]: item for item in V2_OUTBOX}
        for r in outbox:
            item = old[r[0]]
            assert r[1] == item["chat_id"] and r[3] == case.id
            assert r[4] == item["payload"].get("version")
            assert json.loads(r[5]) == item["payload"]
            assert r[6] == ts(T0) and r[9] is None and r[10] is None and r[12] is None
        assert outbox[-1][7:] == (ts(RETRY_AT), 2, None, None, "429", None)
        assert await db.read(repo.outbox_counts) == {"sent": 0, "failed": 0, "pending": 6}
        due = await db.read(repo.due_outbox, T0)
        assert due[1] == repo.OutboxItem(2, 3, "text", case.id, 9, old[2]["payload"], 0)
        assert [i.id for i in due] == [1, 2, 3, 4, 5]
        assert [i.id for i in await db.read(repo.due_outbox, RETRY_AT)] == [1, 2, 3, 4, 5, 8]
        assert await db.read(repo.papers_pending, case.id)
        indexes = {r[0] for r in await rows(db, "SELECT name FROM sqlite_master")}
        assert {"outbox_queue", "outbox_settled", "outbox_queued_by_chat"} <= indexes
        assert "outbox_pending" not in indexes  # schema 6: outbox_queue serves its queries
        assert "outbox_jobs" not in indexes  # schema 17: outbox_queued_by_chat serves them

        # the format-1 case and events load as the case they were (revision "")
        assert await rows(db, "SELECT format, sop_revision FROM cases") == [(1, None)]
        assert {r[0] for r in await rows(db, "SELECT format FROM events")} == {1}
        assert await db.read(repo.load_case, case.id) == files_at_unknown_steps(case)
        events = await db.read(repo.load_events, case.id)
        assert events == run.log and events[0].data["revision"] == ""
        assert replay(sop(), events) == case
        assert await db.read(repo.cases_without_revision) == [files_at_unknown_steps(case)]
        assert await db.read(repo.open_cases_by_revision) == [(case.sop_code, "", 1)]

        # the case goes on: new rows are written in the current formats
        before = len(run.log)
        run.forward(PEOPLE)

        def go_on(tx: Tx) -> int:
            repo.save_case(tx, run.current, holder(run.current), new=False)
            return repo.append_events(tx, run.current.id, run.log[before:])

        assert await db.write(go_on) == before + 1
        assert await rows(db, "SELECT format FROM cases") == [(CASE_FORMAT,)]
        formats = await rows(db, "SELECT format FROM events ORDER BY seq")
        assert formats == [(1,)] * before + [(EVENT_FORMAT,)] * (len(run.log) - before)
        assert await db.read(repo.load_events, case.id) == run.log
        assert await db.read(repo.load_case, case.id) == run.current
        await db.write(repo.enqueue, 5, "notice", T0, case_id=case.id, version=run.version)
        assert (await rows(db, "SELECT id, kind FROM outbox ORDER BY id DESC LIMIT 1")) == [
            (9, "notice")
        ]
    finally:
        await db.close()


async def test_adopting_a_revision_rewrites_the_case_in_the_current_format(db: Database) -> None:
    legacy = legacy_run_to(3)
    await store_run(db, legacy)
    assert await db.read(repo.cases_without_revision) == [legacy.current]
    adopted = replace(legacy.current, revision="rev-1")
    await db.write(repo.set_case_revision, adopted)
    assert await db.read(repo.load_case, adopted.id) == adopted
    assert await rows(db, "SELECT sop_revision, format FROM cases") == [("rev-1", CASE_FORMAT)]
    assert await db.read(repo.cases_without_revision) == []


async def test_migrating_step_by_step_equals_migrating_at_once(tmp_path: Path) -> None:
    def schema(path: Path) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as c:
            return c.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()

    stepwise = tmp_path / "stepwise.sqlite3"
    conn = sqlite3.connect(stepwise, isolation_level=None)
    try:
        for v in range(LATEST + 1):
            assert migrate(conn, target=v) == v
            assert schema_version(conn) == v
    finally:
        conn.close()
    db = await Database.open(tmp_path / "direct.sqlite3")
    await db.close()
    assert schema(stepwise) == schema(tmp_path / "direct.sqlite3")


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    db = await Database.open(path)
    await db.close()
    with sqlite3.connect(path) as plain:
        plain.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(DatabaseError) as refused:
        await Database.open(path)
    assert str(refused.value) == (
        f"{path}: database schema version {LATEST + 1} is newer than this program ({LATEST}): "
        "it was written by a newer release of sopbot; run that release, or restore a "
        "backup taken before the upgrade"
    )
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


def fill(tx: Tx, count: int) -> None:
    base = started()
    for i in range(1, count + 1):
        case, log = renumbered(base, i)
        repo.save_case(tx, case, "kasubag", new=True)
        repo.append_events(tx, i, log)
        repo.enqueue(tx, i, "text", T0, case_id=i, params={"text": "x" * 500})


async def filled_database(path: Path) -> None:
    db = await Database.open(path)
    try:
        await db.write(fill, 300)
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


# -- inspect: read-only reports ------------------------------------------------------------


async def test_inspect_reads_without_changing_the_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    assert inspect(path, repo.open_cases_by_revision) is None  # no file
    assert not path.exists()

    old_database(path, 2, {})
    assert inspect(path, repo.open_cases_by_revision) is None  # not migrated yet
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == 2  # and left so

    db = await Database.open(path)
    run = run_to(3)
    await store_run(db, run)
    await db.close()
    expected = [(run.current.sop_code, sop().revision, 1)]
    assert inspect(path, repo.open_cases_by_revision) == expected
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        inspect(path, lambda tx: repo.claim_update(tx, 1, T0))
    with sqlite3.connect(path) as plain:
        assert plain.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0] == 0


# -- one trip: write and read ----------------------------------------------------------


class Boom(Exception):
    pass


async def test_a_write_that_raises_leaves_nothing(db: Database) -> None:
    run = run_to(2)
    case = run.current

    def doomed(tx: Tx) -> None:
        repo.ensure_person(tx, 1, T0)
        store(tx, case, run.log)
        repo.enqueue(tx, 1, "notice", T0, case_id=case.id, version=case.version)
        repo.record_task_message(tx, 1, 5, case.id, case.version)
        repo.record_delivery(tx, 1, 1, 5)
        repo.set_live_task(tx, 1, case.id, case.version, 5)
        repo.set_dialogue(tx, 1, "reason", T0, case.id, case.version)
        assert repo.load_case(tx, case.id) == case  # visible inside
        raise Boom

    with pytest.raises(Boom):
        await db.write(doomed)
    tables = ("people", "cases", "events", "outbox", "task_messages", "deliveries")
    for table in (*tables, "live_tasks", "dialogues"):
        assert await scalar(db, f"SELECT COUNT(*) FROM {table}") == 0, table
        assert await db.write(Tx.value, f"SELECT COUNT(*) FROM {table}") == 0, table
    # the writer is out of the transaction and takes the next write
    assert await db.write(repo.claim_update, 1, T0)
    assert await db.read(repo.update_seen, 1)


async def test_a_statement_that_fails_undoes_the_earlier_ones(db: Database) -> None:
    run = run_to(2)

    def twice(tx: Tx) -> None:
        repo.claim_update(tx, 7, T0)
        store(tx, run.current, run.log)
        repo.save_case(tx, run.current, "kabag", new=True)  # the same id again

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(twice)
    assert await db.read(repo.load_case, run.current.id) is None
    assert not await db.read(repo.update_seen, 7)


async def test_a_savepoint_undoes_its_own_part_of_a_write(db: Database) -> None:
    """The reminder sweep's pattern: one broken item rolled back, the others kept, and the
    transaction commits (repo.savepoint)."""

    def sweep(tx: Tx) -> list[int]:
        broken = []
        for update_id in (1, 2, 3):
            try:
                with repo.savepoint(tx, "item"):
                    repo.claim_update(tx, update_id, T0)
                    if update_id == 2:
                        raise LookupError("a broken item")
            except LookupError:
                broken.append(update_id)
        return broken

    assert await db.write(sweep) == [2]
    assert [await db.read(repo.update_seen, i) for i in (1, 2, 3)] == [True, False, True]


async def test_a_write_whose_commit_fails_is_undone_and_the_writer_goes_on(db: Database) -> None:
    """A deferred foreign key is checked at COMMIT: the failed COMMIT must not leave the
    writer inside the transaction (every later write would fail)."""

    def dangling(tx: Tx) -> None:
        tx.run("PRAGMA defer_foreign_keys = ON")
        repo.claim_update(tx, 1, T0)
        repo.record_task_message(tx, 10, 100, 404, 1)  # no case 404

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(dangling)
    assert not await db.read(repo.update_seen, 1)
    assert await db.write(repo.claim_update, 1, T0)
    assert await db.read(repo.update_seen, 1)


async def test_readers_do_not_see_an_unfinished_write(db: Database) -> None:
    run = run_to(2)
    inside, release = threading.Event(), threading.Event()

    def slow(tx: Tx) -> None:
        repo.save_case(tx, run.current, holder(run.current), new=True)
        inside.set()
        assert release.wait(10)
        repo.append_events(tx, run.current.id, run.log)

    task = asyncio.create_task(db.write(slow))
    try:
        assert await asyncio.to_thread(inside.wait, 10)
        # the writer thread is held mid-transaction; reads run on their own threads
        assert await db.read(repo.load_case, run.current.id) is None
        assert await db.read(repo.load_events, run.current.id) == []
    finally:
        release.set()
        await task
    assert await db.read(repo.load_case, run.current.id) == run.current
    assert await db.read(repo.load_events, run.current.id) == run.log


async def test_a_cancelled_write_is_applied_whole_or_not_at_all(db: Database) -> None:
    """A write already running on the writer thread cannot be interrupted: it commits whole.
    One still queued behind it is dropped. Neither leaves half a transaction."""
    first, second = run_to(2), renumbered(run_to(3), 2)
    inside, release = threading.Event(), threading.Event()

    def running(tx: Tx) -> None:
        repo.save_case(tx, first.current, holder(first.current), new=True)
        inside.set()
        assert release.wait(10)
        repo.append_events(tx, first.current.id, first.log)

    running_task = asyncio.create_task(db.write(running))
    assert await asyncio.to_thread(inside.wait, 10)
    queued_task = asyncio.create_task(db.write(store, *second))
    await asyncio.sleep(0)  # one turn: it submits its function to the writer's queue
    for task in (running_task, queued_task):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    release.set()
    await db.write(Tx.value, "SELECT 1")  # runs after whatever was ahead of it
    assert await db.read(repo.load_case, first.current.id) == first.current
    assert await db.read(repo.load_events, first.current.id) == first.log
    assert await db.read(repo.load_case, 2) is None
    assert await scalar(db, "SELECT COUNT(*) FROM events WHERE case_id = 2") == 0


def consistent_view(tx: Tx, case_id: int) -> int:
    """The case row and its log, read in one trip, must agree; how many events there are."""
    case = repo.load_case(tx, case_id)
    events = repo.load_events(tx, case_id)
    assert case is not None and replay(sop(), events) == case, (case, len(events))
    return len(events)


def advance(tx: Tx, event: Event, case: Case) -> None:
    """One command's write: the event first, then the case row it leads to."""
    repo.append_events(tx, case.id, [event])
    repo.save_case(tx, case, holder(case), new=False)


async def test_concurrent_reads_never_see_half_a_write(db: Database) -> None:
    run = finished()
    states = states_of(run)
    await db.write(store, states[0], run.log[:1])
    done = False
    read_finished = asyncio.Event()
    seen: list[int] = []

    async def reader() -> None:
        while not done:
            seen.append(await db.read(consistent_view, 1))
            read_finished.set()

    async def writer() -> None:
        nonlocal done
        try:
            for event, state in zip(run.log[1:], states[1:], strict=True):
                await db.write(advance, event, state)
                read_finished.clear()
                await read_finished.wait()  # reads keep overlapping the writes
        finally:
            done = True

    await asyncio.gather(writer(), *(reader() for _ in range(4)))
    assert len(seen) >= len(run.log) - 1
    assert set(seen) <= set(range(1, len(run.log) + 1))
    assert await db.read(consistent_view, 1) == len(run.log)
    assert await db.read(repo.load_case, 1) == run.current


async def test_one_read_sees_one_snapshot_while_a_write_commits(db: Database) -> None:
    """A read trip is one transaction: a write that commits between its statements is not
    half seen (WAL lets the write go ahead meanwhile)."""
    run = run_to(3)
    states = states_of(run)
    await db.write(store, states[-2], run.log[:-1])
    case_read, committed = threading.Event(), threading.Event()

    def read_twice(tx: Tx) -> tuple[Case | None, list[Event]]:
        case = repo.load_case(tx, 1)
        case_read.set()
        assert committed.wait(10)
        return case, repo.load_events(tx, 1)

    reading = asyncio.create_task(db.read(read_twice))
    try:
        assert await asyncio.to_thread(case_read.wait, 10)
        await db.write(advance, run.log[-1], states[-1])
    finally:
        committed.set()
    assert await reading == (states[-2], run.log[:-1])
    assert await db.read(consistent_view, 1) == len(run.log)


async def test_a_read_after_a_write_sees_it(db: Database) -> None:
    """No reader keeps an old snapshot: each read is its own transaction."""
    for update_id in range(1, 31):
        assert await db.write(repo.claim_update, update_id, T0)
        # several at once, so that every reader thread is used
        seen = await asyncio.gather(*(db.read(repo.update_seen, update_id) for _ in range(4)))
        assert seen == [True] * 4
        counts = await asyncio.gather(
            *(scalar(db, "SELECT COUNT(*) FROM processed_updates") for _ in range(4))
        )
        assert counts == [update_id] * 4

    def failing_read(tx: Tx) -> None:
        tx.value("SELECT COUNT(*) FROM processed_updates")
        raise Boom

    with pytest.raises(Boom):
        await asyncio.gather(*(db.read(failing_read) for _ in range(4)))
    await db.write(repo.claim_update, 99, T0)
    seen = await asyncio.gather(*(db.read(repo.update_seen, 99) for _ in range(4)))
    assert seen == [True] * 4


# -- the event log -----------------------------------------------------------------------


async def test_the_event_log_is_append_only(db: Database) -> None:
    run = run_to(3)
    await store_run(db, run)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(Tx.run, "UPDATE events SET reason = 'diubah' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(Tx.run, "DELETE FROM events WHERE case_id = ?", (run.current.id,))
    with pytest.raises(sqlite3.IntegrityError):
        await db.write(Tx.run, "DELETE FROM cases")  # the log still points at it
    assert await db.read(repo.load_events, run.current.id) == run.log
    assert await db.read(repo.load_case, run.current.id) == run.current


async def test_append_events_assigns_consecutive_seq(db: Database) -> None:
    run = run_to(4)
    other_case, other_log = renumbered(run_to(2), 2)

    def append(tx: Tx) -> list[int]:
        repo.save_case(tx, run.current, holder(run.current), new=True)
        repo.save_case(tx, other_case, holder(other_case), new=True)
        return [
            repo.append_events(tx, 1, run.log[:1]),
            repo.append_events(tx, 2, other_log[:2]),
            repo.append_events(tx, 1, run.log[1:4]),
            repo.append_events(tx, 1, run.log[4:]),
            repo.append_events(tx, 2, other_log[2:]),
        ]

    assert await db.write(append) == [1, 1, 2, 5, 3]
    seqs = await rows(db, "SELECT seq FROM events WHERE case_id = 1 ORDER BY id")
    assert [s for (s,) in seqs] == list(range(1, len(run.log) + 1))
    seqs = await rows(db, "SELECT seq FROM events WHERE case_id = 2 ORDER BY id")
    assert [s for (s,) in seqs] == list(range(1, len(other_log) + 1))
    assert await db.read(repo.load_events, 1) == run.log
    assert await db.read(repo.load_events, 2) == other_log
    for seq, event in enumerate(run.log, start=1):
        assert await db.read(repo.event_at, 1, seq) == event
    assert await db.read(repo.event_at, 1, len(run.log) + 1) is None


async def test_a_case_is_read_with_the_move_that_brought_it_to_its_step(db: Database) -> None:
    """What a command reads first, in one statement: the case, the latest move into a
    step (as last_arrival has it), the row of who made it, and whether the case has what
    a move takes from its step (dialogues, live task messages, buttons of its version)."""
    run = started()
    await store_run(db, run)
    found = await db.read(repo.load_case_to_decide, 1)
    nothing_left = repo.Leftovers(dialogues=False, live_tasks=False, task_messages=False)
    assert found == repo.CaseToDecide(run.current, None, nothing_left)  # not moved yet
    assert await db.read(repo.arrival, 1) is None
    assert await db.read(repo.load_case_to_decide, 2) is None

    run.forward(PEOPLE)  # the Kasubag submits to the Kabag (files attached first)
    run.send_back(KABAG, "Mohon dilengkapi.")  # the Kabag returns it
    run.attach(KASUBAG, "tor")  # not a move: the return stays the arrival

    def stored(tx: Tx) -> None:
        repo.save_case(tx, run.current, holder(run.current), new=False)
        repo.append_events(tx, 1, run.log[len(repo.load_events(tx, 1)) :])
        repo.ensure_person(tx, KABAG.person_id, T0, "kabag_biro")
        repo.update_profile(tx, KABAG.person_id, now=T0, changed_by=None, name="Budi")

    await db.write(stored)
    last = await db.read(repo.last_arrival, 1)
    assert last is not None
    seq, returned = last
    assert returned.type is EventType.RETURNED and returned.reason == "Mohon dilengkapi."
    found = await db.read(repo.load_case_to_decide, 1)
    assert found is not None and found.case == run.current and found.arrival is not None
    assert (found.arrival.seq, found.arrival.event) == (seq, returned)
    assert found.arrival.by is not None and found.arrival.by.display == "Budi"
    assert await db.read(repo.arrival, 1) == found.arrival

    assert found.leftovers == nothing_left

    run.forward(PEOPLE)  # the Kasubag submits again: who has no row is named by no one
    await db.write(stored)
    found = await db.read(repo.load_case_to_decide, 1)
    assert found is not None and found.arrival is not None
    assert found.arrival.event == run.log[-1] and found.arrival.by is None

    version = run.version
    kabag = KABAG.person_id
    leftovers: list[Callable[[Tx], object]] = [
        lambda tx: repo.set_dialogue(tx, kabag, "return_reason", T0, 1, version),
        lambda tx: repo.set_live_task(tx, kabag, 1, version, 500),
        lambda tx: repo.record_task_message(tx, kabag, 501, 1, version),
    ]
    for n, add in enumerate(leftovers, start=1):
        await db.write(add)
        found = await db.read(repo.load_case_to_decide, 1)
        assert found is not None
        assert astuple(found.leftovers) == (True,) * n + (False,) * (3 - n)
    # buttons of a later version than the case's (none is ever recorded) are not its step's
    await db.write(lambda tx: tx.run("UPDATE task_messages SET version = ?", (version + 1,)))
    found = await db.read(repo.load_case_to_decide, 1)
    assert found is not None and astuple(found.leftovers) == (True, True, False)


def event_dict_row(event: Event, data: dict[str, Any], fmt: int) -> dict[str, Any]:
    return {**format1_event(event, 1), "data": json.dumps(data), "format": fmt}


def test_events_of_format_1_are_lifted_to_format_2() -> None:
    run = run_to(2)
    start, later = run.log[0], run.log[1]
    assert start.type is EventType.STARTED and start.data["revision"] == sop().revision
    without = {k: v for k, v in start.data.items() if k != "revision"}
    assert event_from_row(event_dict_row(start, without, 1)) == replace(
        start, data={**without, "revision": ""}
    )
    # a format-1 row that somehow has the key keeps it; other events are as they were
    assert event_from_row(event_dict_row(start, start.data, 1)) == start
    assert event_from_row(event_dict_row(later, later.data, 1)) == later
    assert event_from_row(event_dict_row(start, start.data, EVENT_FORMAT)) == start


async def test_events_and_cases_are_written_in_the_current_format(db: Database) -> None:
    run = run_to(4)
    await store_run(db, run)
    assert await rows(db, "SELECT format, sop_revision FROM cases") == [
        (CASE_FORMAT, sop().revision)
    ]
    assert {r[0] for r in await rows(db, "SELECT format FROM events")} == {EVENT_FORMAT}
    first = await db.read(repo.event_at, run.current.id, 1)
    assert first is not None and first.data["revision"] == sop().revision


# -- case JSON -----------------------------------------------------------------------------


ZONES = st.sampled_from([UTC, WIB, ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")])
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
IDS = st.integers(min_value=0, max_value=2**53)
TEXTS = st.text(max_size=12)
ATTACHMENTS = st.builds(
    Attachment,
    TEXTS,
    IDS,
    st.integers(1, 50),
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    TEXTS,
    IDS,
    st.integers(0, 20),
)
APPROVALS = st.builds(
    Approval, st.integers(1, 20), st.sampled_from(["paraf", "signature"]), IDS, TEXTS, MOMENTS
)
MOVES = st.builds(Move, IDS, st.integers(1, 20), st.integers(1, 20), st.integers(1, 100))
CASES = st.builds(
    Case,
    id=IDS,
    sop_code=TEXTS,
    unit=TEXTS,
    title=st.text(max_size=80),
    fiscal_year=st.integers(2000, 2100),
    status=st.sampled_from(CaseStatus),
    step=st.integers(1, 20),
    version=st.integers(1, 100),
    started_by=IDS,
    opened_at=MOMENTS,
    step_entered_at=MOMENTS,
    files=st.lists(ATTACHMENTS, max_size=4).map(tuple),
    produced=st.frozensets(TEXTS, max_size=4),
    team=st.lists(IDS, max_size=4).map(tuple),
    approvals=st.lists(APPROVALS, max_size=4).map(tuple),
    last_move=st.none() | MOVES,
    archive_reference=st.none() | TEXTS,
    closed_at=st.none() | MOMENTS,
    revision=TEXTS,
    reviewers=st.lists(st.tuples(st.integers(1, 20), IDS), max_size=3).map(tuple),
    handed_in=st.lists(st.tuples(st.integers(1, 20), IDS), max_size=3).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(CASES)
def test_case_json_roundtrips_in_the_current_format(case: Case) -> None:
    text = case_to_json(case)
    assert case_from_json(text) == case
    assert case_from_json(text, CASE_FORMAT) == case


@settings(max_examples=300, deadline=None)
@given(CASES)
def test_case_json_format_1_is_lifted_to_format_2(case: Case) -> None:
    lifted = replace(files_at_unknown_steps(case), revision="")
    assert case_from_json(format1_case_json(case), 1) == lifted


ANY_TEXT = st.text(st.characters(blacklist_categories=()))  # lone surrogates included
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | INT64 | ANY_TEXT,
    lambda inner: st.lists(inner) | st.dictionaries(ANY_TEXT | INT64, inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_stored_json_is_the_text_the_standard_library_writes_and_reads(value: Any) -> None:
    """orjson writes it, or the standard library where orjson refuses (integer keys, lone
    surrogates); either way the text is the standard library's, and it reads back as the
    standard library reads it."""
    text = dumps(value)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert loads(text) == json.loads(text)


def test_an_integer_beyond_64_bits_is_refused_not_read_back_as_a_float() -> None:
    with pytest.raises(ValueError, match="64 bits"):
        dumps({"n": 2**70})


def test_real_cases_at_every_step_roundtrip_in_both_formats() -> None:
    for case in states_of(finished()):
        assert case_from_json(case_to_json(case)) == case
        lifted = replace(files_at_unknown_steps(case), revision="")
        assert case_from_json(format1_case_json(case), 1) == lifted


def test_case_json_is_compact() -> None:
    case = run_to(9).current
    attachment, approval, move = case.files[0], case.approvals[0], case.last_move
    assert move is not None
    raw = json.loads(case_to_json(case))
    assert raw["revision"] == sop().revision
    assert raw["files"][0] == [
        attachment.doc,
        attachment.file_id,
        attachment.version,
        attachment.sha256,
        attachment.name,
        attachment.by,
        attachment.step,
    ]
    assert raw["approvals"][0] == [
        approval.step,
        approval.kind,
        approval.by,
        approval.role,
        ts(approval.at),
    ]
    assert raw["last_move"] == [move.by, move.from_step, move.to_step, move.version]
    assert len(case_to_json(case)) < len(format1_case_json(case))


# -- cases -------------------------------------------------------------------------------


async def test_an_archive_number_is_found_whoever_filed_it(db: Database) -> None:
    """The case filed under a number is found, also when a Plh filed it (its event's data
    carries ``acting`` after the reference); a number that only begins the same way, or
    that has LIKE's wildcards in it, finds nothing."""
    run = finished()
    [archived] = [e for e in run.log if e.type is EventType.ARCHIVED]
    by_plh = replace(archived, data={"reference": "ARS/PK/2027/007", "acting": "plh"})
    log = [e if e is not archived else by_plh for e in run.log]
    await db.write(store, replace(run.current, archive_reference="ARS/PK/2027/007"), log)
    case_id = run.current.id
    assert await db.read(repo.case_archived_as, "ARS/PK/2027/007") == case_id
    for other in (
        "ARS/PK/2027/00",
        "ARS/PK/2027/0070",
        "ARS/PK/2027/00_",
        "ARS%",
        "ARS/PK/2027/007!",
        "ARS/PK/2027/007#",
    ):
        assert await db.read(repo.case_archived_as, other) is None, other


async def test_archive_numbers_with_quotes_backslashes_and_other_scripts_are_told_apart(
    db: Database,
) -> None:
    """Numbers an archivist may type: with a quote, a backslash, non-Latin letters. Each is
    found whole; one that only begins it, or goes on from it, is not."""
    run = finished()
    [archived] = [e for e in run.log if e.type is EventType.ARCHIVED]
    numbers = ['ARS/"PK"/7', "ARS\\PK\\7", "ARS/ПК/7", "ARS/PK/7"]
    for case_id, number in enumerate(numbers, start=1):
        filed = replace(archived, case_id=case_id, data={"reference": number})
        case, log = renumbered(run, case_id)
        log = [filed if e.type is EventType.ARCHIVED else e for e in log]
        await db.write(store, replace(case, archive_reference=number), log)
    for case_id, number in enumerate(numbers, start=1):
        assert await db.read(repo.case_archived_as, number) == case_id, number
        for other in (number[:-1], number + "0", number + '"', number + "\\"):
            assert await db.read(repo.case_archived_as, other) is None, other


async def test_an_archive_number_is_found_however_it_was_written(db: Database) -> None:
    """One number, typed in lower case, with spaces around its slashes or with a full stop
    at its end, is the number the case was filed under; a number one digit apart is not."""
    run = finished()
    [archived] = [e for e in run.log if e.type is EventType.ARCHIVED]
    filed = replace(archived, data={"reference": "OT.04.00/123/2026"})
    log = [filed if e is archived else e for e in run.log]
    await db.write(store, replace(run.current, archive_reference="OT.04.00/123/2026"), log)
    for typed in ("ot.04.00/123/2026", "OT.04.00 / 123 / 2026", "OT.04.00/123/2026."):
        assert await db.read(repo.case_archived_as, typed) == run.current.id, typed
    for other in ("OT.04.00/1223/2026", "OT.04.00/123/2027", "OT.04.00-123-2026"):
        assert await db.read(repo.case_archived_as, other) is None, other


async def test_the_upgrade_files_the_numbers_archived_before_in_their_compared_form(
    tmp_path: Path,
) -> None:
    """A bureau's cases archived before schema level 15 keep their numbers: the upgrade
    files each under its compared form, so a later case cannot take one written another
    way; of two cases filed under one number before, the first keeps it."""
    path = tmp_path / "sopbot.sqlite3"
    await level14_archived_as(path, ["ars/pk/2027/007 .", "ARS/PK/2027/007", "ARS/8"])
    db = await Database.open(path)
    try:
        assert await db.read(repo.case_archived_as, "ARS/PK/2027/007") == 1
        assert await db.read(repo.case_archived_as, "ars/8.") == 3
    finally:
        await db.close()


LEVEL_23_UNDONE = "DROP INDEX outbox_tasks_to_go; "
"""Level 23's change undone (storage.migrations.V23_TASKS_ON_THEIR_WAY), on either engine."""

LEVEL_22_UNDONE = "ALTER TABLE role_assignments DROP COLUMN moved_to; "
"""Level 22's change undone (storage.migrations.V22_ROLE_MOVED_TO), on either engine."""

LEVEL_21_UNDONE = "ALTER TABLE acting DROP COLUMN extensions; "
"""Level 21's change undone (storage.migrations.V21_ACTING_EXTENSIONS), on either engine."""

LEVEL_20_UNDONE = "ALTER TABLE cases DROP COLUMN handed_over_to; "
"""Level 20's change undone (storage.migrations.V20_HAND_OVERS_BY_HOLDER), on either engine."""

LEVEL_19_UNDONE = (
    "ALTER TABLE cases DROP COLUMN handed_over_at; "
    "ALTER TABLE cases DROP COLUMN reminders_before_hand_over; "
)
"""Level 19's change undone (storage.migrations.V19_HAND_OVERS), on either engine."""

LEVEL_18_UNDONE = "DROP INDEX cases_archive_number; ALTER TABLE cases DROP COLUMN archive_number; "
"""Level 18's change undone (storage.migrations.V18_ARCHIVE_NUMBER_BY_CASE), on either engine."""

LEVEL_17_UNDONE = (
    "DROP INDEX outbox_queued_by_chat; DROP INDEX outbox_refused; "
    "CREATE INDEX outbox_jobs ON outbox(case_id) "
    "WHERE chat_id = 0 AND sent_at IS NULL AND failed_at IS NULL; "
)
"""Level 17's change undone (storage.migrations.V17_UNDELIVERED_BY_CHAT), on either engine."""


async def level14_with_a_shared_number(
    path: Path,
) -> tuple[Run, dict[int, tuple[Case, list[Event]]]]:
    """A database as level 14 left it, with cases 1 and 2 both filed under
    ARS/PK/2027/007 (case 2 typed it in lower case; level 14 compared numbers as typed)."""
    return await level14_archived_as(path, ["ARS/PK/2027/007", "ars/pk/2027/007"])


async def level14_archived_as(
    path: Path, numbers: list[str]
) -> tuple[Run, dict[int, tuple[Case, list[Event]]]]:
    """A database as level 14 left it (no table of archive numbers), case N archived under
    the N-th of ``numbers`` as it was typed."""
    db = await Database.open(path)
    run = finished()
    [archived] = [e for e in run.log if e.type is EventType.ARCHIVED]
    cases = {}
    for case_id, number in enumerate(numbers, 1):
        filed = replace(archived, case_id=case_id, data={"reference": number})
        case, log = renumbered(run, case_id)
        log = [filed if e.type is EventType.ARCHIVED else e for e in log]
        case = replace(case, archive_reference=number)
        await db.write(store, case, log)
        cases[case_id] = (case, log)
    await db.close()
    plain = sqlite3.connect(path)
    try:
        plain.executescript(
            LEVEL_23_UNDONE  # then level 22's, 21's, 20's, 19's, 18's, 17's, 16's and 15's
            + LEVEL_22_UNDONE
            + LEVEL_21_UNDONE
            + LEVEL_20_UNDONE
            + LEVEL_19_UNDONE
            + LEVEL_18_UNDONE
            + LEVEL_17_UNDONE
            + "ALTER TABLE album_files DROP COLUMN taken_by; "
            "ALTER TABLE album_files DROP COLUMN resumed; "
            "DROP TABLE archive_numbers; "
            "CREATE INDEX events_archived ON events(data) WHERE type = 'archived'; "
            "PRAGMA user_version = 14;"
        )
    finally:
        plain.close()
    return run, cases


async def test_correcting_the_case_that_kept_a_shared_number_leaves_it_taken_by_the_other(
    tmp_path: Path,
) -> None:
    """Cases 1 and 2 were both filed under ARS/PK/2027/007 before level 15; the upgrade
    files the number under case 1. The administrator corrects case 1's number (it was case
    2's): case 2 is still filed under ARS/PK/2027/007 (its record and its Dokumentasi say
    so), so the number passes to case 2 and stays taken for a third case."""
    path = tmp_path / "sopbot.sqlite3"
    run, cases = await level14_with_a_shared_number(path)
    db = await Database.open(path)
    try:
        assert await db.read(repo.case_archived_as, "ARS/PK/2027/007") == 1
        assert await db.read(repo.shared_archive_numbers) == {"ARS/PK/2027/007": [1, 2]}
        case1, log1 = cases[1]
        command = CorrectArchiveReference(case1.version, "ARS/PK/2027/070", "salah ketik")
        [event] = decide(run.definition, case1, command, ADMIN, log1[-1].at + timedelta(days=1))
        await db.write(repo.append_events, 1, [event])
        assert await db.read(repo.case_archived_as, "ARS/PK/2027/070") == 1
        assert await db.read(repo.case_archived_as, "ARS/PK/2027/007") == 2
        assert await db.read(repo.shared_archive_numbers) == {}
    finally:
        await db.close()


async def test_an_archive_number_is_looked_up_without_reading_the_event_log(
    db: Database,
) -> None:
    """Archiving checks the number against every case filed before. A scan of the event
    log held the writer 11 ms at 100,000 cases (580,000 events; ``bench_scale.py``), and
    longer with every case; the lookup reads the archive numbers' table instead, by its
    key: one entry per archived case, the number in its compared form."""

    def plan(tx: Tx) -> list[str]:
        assert isinstance(tx, SqliteTx)
        statements: list[str] = []
        tx.conn.set_trace_callback(statements.append)
        try:
            repo.case_archived_as(tx, "ARS/PK/2027/007")
        finally:
            tx.conn.set_trace_callback(None)
        [sql] = statements
        return [row[-1] for row in tx.conn.execute("EXPLAIN QUERY PLAN " + sql)]

    steps = await db.write(plan)
    assert steps == ["SEARCH archive_numbers USING PRIMARY KEY (number=?)"], steps


def archived_cases_filed_twice(tx: Tx) -> Run:
    """Cases 1, 2 and 3 archived under one number written three ways, as level 14 let them
    be filed (archive_numbers keeps it for case 1), case 4 under a number of its own, case
    5 under one corrected since, case 6 still open: a bureau's database before a
    correction frees a number."""
    run = finished()
    [archived] = [e for e in run.log if e.type is EventType.ARCHIVED]
    numbers = {1: "ARS/PK/2027/007", 2: "ars/pk/2027/007", 3: "ARS/PK/2027/007.", 4: "ARS/9"}
    numbers[5] = "ARS/10"
    for case_id, number in numbers.items():
        filed = replace(archived, case_id=case_id, data={"reference": number})
        case, log = renumbered(run, case_id)
        log = [filed if e.type is EventType.ARCHIVED else e for e in log]
        store(tx, replace(case, archive_reference=number), log)
    case5 = replace(renumbered(run, 5)[0], archive_reference="ARS/10")
    command = CorrectArchiveReference(case5.version, "ars/11", "salah ketik")
    repo.append_events(
        tx, 5, decide(run.definition, case5, command, ADMIN, T0 + timedelta(days=40))
    )
    case6, log6 = renumbered(run_to(2), 6)
    store(tx, case6, log6)
    return run


ARCHIVE_NUMBER_BY_CASE = {
    1: "ARS/PK/2027/007",
    2: "ARS/PK/2027/007",
    3: "ARS/PK/2027/007",
    4: "ARS/9",
    5: "ARS/11",
    6: None,
}
"""The number each case of :func:`archived_cases_filed_twice` stands under, compared."""


async def test_a_number_a_correction_frees_passes_to_the_first_case_still_filed_under_it(
    db: Database,
) -> None:
    """Cases 1, 2 and 3 are filed under one number (written three ways before level 15),
    archive_numbers keeps it for case 1. Case 1's number is corrected: the number passes
    to case 2, the first still filed under it, and stays shared with case 3 (``sopbot
    check`` names them); corrected once more, case 2's passes to case 3, shared no more."""
    run = await db.write(archived_cases_filed_twice)
    by_case = await rows(db, "SELECT id, archive_number FROM cases ORDER BY id")
    assert dict(by_case) == ARCHIVE_NUMBER_BY_CASE
    assert await db.read(repo.shared_archive_numbers) == {"ARS/PK/2027/007": [1, 2, 3]}
    later = T0 + timedelta(days=50)
    for case_id, number in ((1, "ARS/PK/2027/070"), (2, "ARS/PK/2027/700")):
        case = replace(renumbered(run, case_id)[0], archive_reference="ARS/PK/2027/007")
        command = CorrectArchiveReference(case.version, number, "salah ketik")
        [event] = decide(run.definition, case, command, ADMIN, later)
        await db.write(repo.append_events, case_id, [event])
        assert await db.read(repo.case_archived_as, number) == case_id
    assert await db.read(repo.case_archived_as, "ARS/PK/2027/007") == 3
    assert await db.read(repo.shared_archive_numbers) == {}
    assert await db.read(repo.case_archived_as, "ARS/10") is None  # corrected away before


async def test_a_correction_finds_who_else_is_filed_under_its_number_without_the_event_log(
    db: Database,
) -> None:
    """/ubah_arsip frees the case's old number, and another case still filed under it
    (filed twice before level 15) takes it. Finding that case read every archived event of
    every case, inside the writer: 72 ms a correction at 4,500 archived cases, and longer
    with every case archived. It reads the cases' own index of their numbers instead: no
    statement of the correction scans a table."""
    run = await db.write(archived_cases_filed_twice)
    case = replace(renumbered(run, 1)[0], archive_reference="ARS/PK/2027/007")
    command = CorrectArchiveReference(case.version, "ARS/PK/2027/070", "salah ketik")
    [event] = decide(run.definition, case, command, ADMIN, T0 + timedelta(days=50))

    def plans(tx: Tx) -> list[str]:
        assert isinstance(tx, SqliteTx)
        statements: list[str] = []
        tx.conn.set_trace_callback(statements.append)
        try:
            repo.append_events(tx, 1, [event])
        finally:
            tx.conn.set_trace_callback(None)
        return [
            str(row[-1])
            for sql in statements
            if sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))
            for row in tx.conn.execute("EXPLAIN QUERY PLAN " + sql)
        ]

    steps = await db.write(plans)
    assert not [s for s in steps if s.startswith("SCAN")], steps
    assert any("cases_archive_number" in s for s in steps), steps
    assert await db.read(repo.case_archived_as, "ARS/PK/2027/007") == 2


async def test_the_upgrade_to_level_18_gives_each_archived_case_its_number(
    tmp_path: Path,
) -> None:
    """A database as level 17 left it (the cases' rows without their archive numbers)
    gets each archived case's number as it stands, in its compared form: the one its
    latest archived or archive_corrected event names; an open case none."""
    path = tmp_path / "sopbot.sqlite3"
    db = await Database.open(path)
    await db.write(archived_cases_filed_twice)
    await db.close()
    with sqlite3.connect(path) as plain:
        plain.executescript(
            LEVEL_23_UNDONE
            + LEVEL_22_UNDONE
            + LEVEL_21_UNDONE
            + LEVEL_20_UNDONE
            + LEVEL_19_UNDONE
            + LEVEL_18_UNDONE
            + "PRAGMA user_version = 17;"
        )
    plain.close()
    db = await Database.open(path)
    try:
        assert await db.read(version_of) == LATEST
        assert copies(tmp_path) == ["sopbot.sqlite3.level-17.before-upgrade"]
        by_case = await rows(db, "SELECT id, archive_number FROM cases ORDER BY id")
        assert dict(by_case) == ARCHIVE_NUMBER_BY_CASE
        assert await db.read(repo.shared_archive_numbers) == {"ARS/PK/2027/007": [1, 2, 3]}
    finally:
        await db.close()


def handed_over_at_level_19(tx: Tx) -> None:
    """Case 1 waits at a step passed to another official (person 7) after three of its
    reminders, case 2 at a step never passed on; then level 23's, 22's, 21's and 20's changes are
    undone, as level 19 left such a database (one count for the whole step)."""
    one = run_to(2).current
    for case in (one, replace(one, id=2)):
        repo.save_case(tx, case, "kabag", new=True, reminders_from=None)
    repo.set_reminder_state(tx, 1, next_due_at=None, reminders_sent=3)
    repo.hand_over(tx, 1, T0, 7)
    tx.run(LEVEL_23_UNDONE)
    tx.run(LEVEL_22_UNDONE)
    tx.run(LEVEL_21_UNDONE)
    tx.run(LEVEL_20_UNDONE)


def assert_hand_over_kept_for_every_holder(tx: Tx) -> None:
    """After the upgrade to level 20, level 19's hand-over holds for every holder of
    case 1's step (whoever received it, each reads from 1 after the step's third
    reminder); case 2's holders count from the step's first reminder."""
    handed, kept = repo.reminder_row(tx, 1), repo.reminder_row(tx, 2)
    assert handed is not None and kept is not None
    assert (handed.received(7), handed.received(8), kept.received(7)) == (3, 3, 0)


async def test_the_upgrade_to_level_20_keeps_a_hand_over_for_every_holder_of_the_step(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sopbot.sqlite3"
    db = await Database.open(path)
    await db.write(handed_over_at_level_19)
    await db.close()
    with sqlite3.connect(path) as plain:
        plain.executescript("PRAGMA user_version = 19;")
    plain.close()
    db = await Database.open(path)
    try:
        assert await db.read(version_of) == LATEST
        await db.read(assert_hand_over_kept_for_every_holder)
    finally:
        await db.close()


@pytest.mark.parametrize("make", [lambda: run_to(1), lambda: run_to(9), finished])
async def test_case_save_load_roundtrip(db: Database, make: Callable[[], Run]) -> None:
    run = make()
    case = run.current
    await store_run(db, run)
    loaded = await db.read(repo.load_case, case.id)
    assert loaded == case
    assert loaded is not None
    assert loaded.files == case.files and loaded.approvals == case.approvals
    assert [a.at.utcoffset() for a in loaded.approvals] == [
        a.at.utcoffset() for a in case.approvals
    ]
    row = await rows(
        db,
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
    assert replay(sop(), await db.read(repo.load_events, case.id)) == case


async def test_a_rich_case_roundtrips(db: Database) -> None:
    run = run_to(9)
    case = run.current
    assert case.files and case.approvals and case.team and case.produced and case.last_move
    await store_run(db, run)
    assert await db.read(repo.load_case, case.id) == case


async def test_a_finished_case_roundtrips_with_its_closing(db: Database) -> None:
    run = finished()
    assert run.current.status is CaseStatus.ARCHIVED
    assert run.current.archive_reference and run.current.closed_at
    await store_run(db, run)
    assert await db.read(repo.load_case, run.current.id) == run.current


async def test_saving_an_existing_case_updates_it(db: Database) -> None:
    run = run_to(2)
    before_log = len(run.log)
    await store_run(db, run)
    run.forward(PEOPLE)  # Kabag approves step 2

    def save(tx: Tx) -> int:
        repo.save_case(tx, run.current, holder(run.current), new=False)
        return repo.append_events(tx, run.current.id, run.log[before_log:])

    assert await db.write(save) == before_log + 1
    assert await db.read(repo.load_case, run.current.id) == run.current
    assert await scalar(db, "SELECT COUNT(*) FROM cases") == 1
    assert await scalar(db, "SELECT step FROM cases") == run.current.step == 3
    assert await db.read(repo.load_events, run.current.id) == run.log


async def test_saving_a_new_case_twice_is_refused(db: Database) -> None:
    run = run_to(1)
    await store_run(db, run)
    with pytest.raises(sqlite3.IntegrityError):
        await db.write(repo.save_case, run.current, holder(run.current), True)


async def test_wib_times_are_stored_as_utc_and_keep_their_instant(db: Database) -> None:
    run = Run(sop(), clock=T0.astimezone(WIB))
    run.start()
    await store_run(db, run)
    loaded = await db.read(repo.load_case, run.current.id)
    assert loaded == run.current
    assert loaded is not None and loaded.opened_at.utcoffset() == timedelta(0)
    [event] = await db.read(repo.load_events, run.current.id)
    assert event.at == run.log[0].at and event.at.utcoffset() == timedelta(0)


async def test_next_case_id_counts_up(db: Database) -> None:
    assert await db.read(repo.next_case_id) == 1
    await store_run(db, run_to(1))
    assert await db.read(repo.next_case_id) == 2


async def test_open_cases_for_roles_and_recent_cases(db: Database) -> None:
    at2 = run_to(2)
    case3 = replace(run_to(3).current, id=2)
    closed = replace(finished().current, id=3)

    def save(tx: Tx) -> None:
        repo.save_case(tx, at2.current, "kabag", new=True)
        repo.save_case(tx, case3, "karo", new=True)
        repo.save_case(tx, closed, "fungsional_umum", new=True)

    await db.write(save)

    async def open_ids(unit: str, roles: list[str]) -> list[int]:
        return [c.id for c in await db.read(repo.open_cases_for_roles, unit, roles)]

    assert await open_ids(UNIT, ["kabag"]) == [1]
    assert sorted(await open_ids(UNIT, ["kabag", "karo"])) == [1, 2]
    assert await open_ids(UNIT, ["fungsional_umum"]) == []
    assert await open_ids(UNIT, []) == []
    assert await open_ids("unit-lain", ["kabag"]) == []
    codes = [at2.current.sop_code]
    assert [c.id for c in await db.read(repo.recent_cases, UNIT, codes)] == [2, 1, 3]
    assert [c.id for c in await db.read(repo.recent_cases, UNIT, codes, 2)] == [2, 1]
    assert await db.read(repo.recent_cases, UNIT, ["sop-lain"]) == []


def newest_and_open(tx: Tx) -> list[str]:
    """Thirty cases of the SOP, 3, 17 and 25 open: the ids /status lists, in its order."""
    running, done = run_to(2).current, finished().current
    for case_id in range(1, 31):
        case = replace(running if case_id in (3, 17, 25) else done, id=case_id)
        repo.save_case(tx, case, holder(case), new=True)
    return [running.sop_code]


async def test_status_without_a_number_lists_the_open_cases_then_the_newest(
    db: Database,
) -> None:
    codes = await db.write(newest_and_open)
    newest_first = [25, 17, 3, *(i for i in range(30, 0, -1) if i not in (3, 17, 25))]
    for limit in (1, 3, 4, 20, 40):
        listed = await db.read(repo.recent_cases, UNIT, codes, limit)
        assert [c.id for c in listed] == newest_first[:limit], limit


async def test_status_without_a_number_reads_the_newest_cases_not_the_whole_history(
    db: Database,
) -> None:
    """/status with no number lists the unit's latest cases, open ones first. Sorting every
    case the unit ever had for it took 180 ms at 100,000 cases (51 of them open), longer
    with every year, on a reader thread; the open cases now come from their partial index
    and the others from the newest ids, the reading stopping at the limit."""
    codes = await db.write(newest_and_open)

    def plans(tx: Tx) -> list[list[str]]:
        assert isinstance(tx, SqliteTx)
        statements: list[str] = []
        tx.conn.set_trace_callback(statements.append)
        try:
            repo.recent_cases(tx, UNIT, codes)
        finally:
            tx.conn.set_trace_callback(None)
        return [[r[-1] for r in tx.conn.execute("EXPLAIN QUERY PLAN " + s)] for s in statements]

    # the open cases sorted by id (only they), then the table read from the newest id back
    assert await db.read(plans) == [
        [
            "SEARCH cases USING INTEGER PRIMARY KEY (rowid=?)",
            "LIST SUBQUERY 1",
            "SEARCH cases USING INDEX cases_open_by_role (unit=?)",
            "USE TEMP B-TREE FOR ORDER BY",
        ],
        ["SCAN cases"],
    ]


def lives(tx: Tx) -> tuple[str, datetime, datetime]:
    """Cases of the SOP around a report over [start, end): 1 open, 2 closed before the
    start, 3 closed in the period, 4 closed after it (opened in it), 5 opened and closed
    after it, 6 closed at the start exactly, 7 opened at the end exactly; the period."""
    running, done = run_to(2).current, finished().current
    start, end = T0 + timedelta(days=30), T0 + timedelta(days=60)
    day = timedelta(days=1)
    lives = {2: (T0, start - day), 3: (T0, start + day), 4: (start + day, end + day),
             5: (end + day, end + 2 * day), 6: (T0, start), 7: (end, end + day)}  # fmt: skip
    repo.save_case(tx, replace(running, id=1, opened_at=T0), holder(running), new=True)
    for case_id, (opened, closed) in lives.items():
        case = replace(done, id=case_id, opened_at=opened, closed_at=closed)
        repo.save_case(tx, case, holder(case), new=True)
    return running.sop_code, start, end


async def test_a_report_takes_the_open_cases_and_those_alive_in_its_period(
    db: Database,
) -> None:
    code, start, end = await db.write(lives)
    listed = await db.read(repo.report_cases, UNIT, code, start, end)
    assert [case_id for case_id, _, _ in listed] == [1, 3, 4, 6]
    assert await db.read(repo.report_cases, "unit-lain", code, start, end) == []


async def test_a_report_for_a_short_period_does_not_read_every_case_ever_opened(
    db: Database,
) -> None:
    """/laporan "30 hari" read every case the unit ever had (85 ms at 100,000 cases, 51 of
    them in the report, and more every year): it now reads the open cases from their
    index and the closed ones from the closing times since the period's start."""
    code, start, end = await db.write(lives)

    def plans(tx: Tx) -> list[list[str]]:
        assert isinstance(tx, SqliteTx)
        statements: list[str] = []
        tx.conn.set_trace_callback(statements.append)
        try:
            repo.report_cases(tx, UNIT, code, start, end)
            list(repo.report_moves(tx, UNIT, code, start, end))
        finally:
            tx.conn.set_trace_callback(None)
        return [[r[-1] for r in tx.conn.execute("EXPLAIN QUERY PLAN " + s)] for s in statements]

    case_ids = [
        "LIST SUBQUERY 2",
        "COMPOUND QUERY",
        "LEFT-MOST SUBQUERY",
        "SEARCH cases USING INDEX cases_open_by_role (unit=?)",
        "UNION ALL",
        "SEARCH cases USING INDEX cases_closed (unit=? AND sop_code=? AND closed_at>?)",
    ]
    # no sort either: the ids come in order, each case's events by seq
    assert await db.read(plans) == [
        ["SEARCH cases USING INTEGER PRIMARY KEY (rowid=?)", *case_ids],
        ["SEARCH events USING INDEX sqlite_autoindex_events_1 (case_id=?)", *case_ids],
    ]


def many_cases(tx: Tx, base: Case) -> list[tuple[datetime, int]]:
    """1,000 open cases (three in four with Kabag, the rest with Karo), step entry times
    out of id order; 20 closed ones and 10 of another unit. Returns (entered, id) of the
    Kabag ones."""
    kabag = []
    for i in range(1, 1001):
        entered = base.step_entered_at + timedelta(minutes=(i * 37) % 101)
        case = replace(base, id=i, step_entered_at=entered)
        role = "kabag" if i % 4 else "karo"
        repo.save_case(tx, case, role, new=True)
        if role == "kabag":
            kabag.append((entered, i))
    for i in range(1001, 1021):
        closed = replace(base, id=i, status=CaseStatus.CANCELLED, closed_at=T0)
        repo.save_case(tx, closed, "kabag", new=True)
    for i in range(1021, 1031):
        repo.save_case(tx, replace(base, id=i, unit="unit-lain"), "kabag", new=True)
    return sorted(kabag)


async def test_open_cases_are_paged(db: Database) -> None:
    kabag = await db.write(many_cases, run_to(2).current)
    assert len(kabag) == 750

    first = await db.read(repo.open_cases_for_roles, UNIT, ["kabag"])
    assert len(first) == 50  # the default page
    paged: list[Case] = []
    for offset in range(0, 800, 60):
        paged += await db.read(repo.open_cases_for_roles, UNIT, ["kabag"], 60, offset)
    assert [c.id for c in paged] == [i for _, i in kabag]  # oldest step entry first
    assert paged[:50] == first
    assert await db.read(repo.open_cases_for_roles, UNIT, ["kabag"], 10, 750) == []
    last = await db.read(repo.open_cases_for_roles, UNIT, ["kabag"], 10, 745)
    assert [c.id for c in last] == [i for _, i in kabag[745:]]


# -- SOP revisions -----------------------------------------------------------------------


async def test_revisions_are_kept_once_and_open_cases_counted_by_revision(db: Database) -> None:
    base = run_to(2).current
    code = base.sop_code

    def save(tx: Tx) -> None:
        repo.save_revision(tx, "r1", code, "sops/a.toml", "teks 1", T0)
        repo.save_revision(tx, "r2", code, "sops/a.toml", "teks 2", T0 + timedelta(hours=1))
        repo.save_revision(tx, "r1", code, "sops/b.toml", "lain", T0 + timedelta(hours=2))
        repo.save_revision(tx, "q1", "lain", "sops/c.toml", "teks 3", T0 + timedelta(hours=3))
        for case_id, revision in ((1, ""), (2, "r1"), (3, "r1"), (4, "r2")):
            repo.save_case(tx, replace(base, id=case_id, revision=revision), "kabag", new=True)
        closed = replace(base, id=5, revision="r1", status=CaseStatus.CANCELLED, closed_at=T0)
        repo.save_case(tx, closed, "kabag", new=True)
        repo.save_case(tx, replace(base, id=6, sop_code="zz", revision="q1"), "kabag", new=True)

    await db.write(save)
    assert await db.read(repo.revision_texts) == [
        ("r1", "sops/a.toml", "teks 1"),
        ("r2", "sops/a.toml", "teks 2"),
        ("q1", "sops/c.toml", "teks 3"),
    ]
    assert [c.id for c in await db.read(repo.cases_without_revision)] == [1]
    assert await db.read(repo.open_cases_by_revision) == [
        (code, "", 1),
        (code, "r1", 2),
        (code, "r2", 1),
        ("zz", "q1", 1),
    ]
    await db.write(repo.set_case_revision, replace(base, id=1, revision="r2"))
    assert await db.read(repo.cases_without_revision) == []
    assert await db.read(repo.open_cases_by_revision) == [
        (code, "r1", 2),
        (code, "r2", 2),
        ("zz", "q1", 1),
    ]
    loaded = await db.read(repo.load_case, 1)
    assert loaded is not None and loaded.revision == "r2"


# -- reminders ---------------------------------------------------------------------------


async def test_an_escalation_on_its_way_is_never_doubled_by_the_next_one(db: Database) -> None:
    """Karo's escalation 4 waits for his chat's turn while the sweep comes to escalation 5:
    whichever reaches the writer first wins. Claimed first, it goes and escalation 5 is not
    queued beside it; superseded first, it is not sent and escalation 5 goes alone."""
    case = run_to(2).current
    await db.write(repo.save_case, case, "kabag", True)

    def escalate(tx: Tx, n: int) -> int | None:
        if not repo.supersede_reminders(tx, KARO.person_id, case.id, T0):
            return None
        repo.enqueue(
            tx, KARO.person_id, "notice", T0, case_id=case.id, params={"t": "escalation", "n": n}
        )
        return int(tx.value("SELECT MAX(id) FROM outbox"))

    four = await db.write(escalate, 4)
    assert four is not None
    assert await db.write(repo.claim_reminder, four)  # its turn came first
    assert await db.write(escalate, 5) is None  # not queued beside the one on its way

    await db.write(repo.mark_retry, four, T0, "502 Bad Gateway")  # Telegram was still down
    six = await db.write(escalate, 6)  # the next sweep: 4 is settled, 6 goes in its place
    assert six is not None
    assert not await db.write(repo.claim_reminder, four)  # 4's turn comes too late

    def unsent(tx: Tx) -> list[int]:
        return [int(r[0]) for r in tx.all("SELECT id FROM outbox WHERE sent_at IS NULL")]

    assert await db.read(unsent) == [six]


async def test_reminder_state_and_due_cases(db: Database) -> None:
    base = run_to(2).current
    one, two, four = base, replace(base, id=2), replace(base, id=4)
    closed = replace(base, id=3, status=CaseStatus.CANCELLED, closed_at=T0)

    def save(tx: Tx) -> None:
        repo.save_case(tx, one, "kabag", new=True, reminders_from=ts(T0 + timedelta(hours=1)))
        repo.save_case(tx, two, "kabag", new=True, reminders_from=ts(T0 + timedelta(minutes=30)))
        repo.save_case(tx, closed, "kabag", new=True, reminders_from=None)
        repo.save_case(tx, four, "kabag", new=True, reminders_from=None)

    await db.write(save)
    later = T0 + timedelta(hours=2)
    assert await db.read(repo.due_case_ids, later, 10) == [2, 1]
    assert await db.read(repo.due_case_ids, later, 1) == [2]
    assert await db.read(repo.due_case_ids, T0, 10) == []
    assert [r.case for r, due in await db.read(repo.open_reminder_rows) if due is None] == [four]
    assert await db.read(repo.reminder_row, 1) == repo.ReminderRow(one, 0, None, None)
    assert await db.read(repo.reminder_row, 1, one.version) == repo.ReminderRow(one, 0, None, None)
    assert await db.read(repo.reminder_row, 1, one.version + 1) is None
    assert await db.read(repo.reminder_row, 3) is None  # closed

    reminded = T0 + timedelta(hours=1)
    await db.write(
        repo.set_reminder_state,
        1,
        next_due_at=T0 + timedelta(hours=5),
        reminders_sent=1,
        last_reminded_at=reminded,
    )
    assert await db.read(repo.reminder_row, 1) == repo.ReminderRow(one, 1, reminded, None)
    assert await db.read(repo.due_case_ids, later, 10) == [2]
    snooze = T0 + timedelta(days=1)
    await db.write(repo.set_reminder_state, 1, next_due_at=None, snoozed_until=snooze)
    assert await db.read(repo.reminder_row, 1) == repo.ReminderRow(one, 1, reminded, snooze)
    without = [r.case.id for r, due in await db.read(repo.open_reminder_rows) if due is None]
    assert without == [1, 4]

    # the step's tasks pass to another official (a Plh): when, after how many reminders;
    # the step's count and its due time stay (the sweep moves the due time on)
    handed = T0 + timedelta(hours=2)
    await db.write(repo.hand_over, 1, handed, 7)
    assert await db.read(repo.reminder_row, 1) == repo.ReminderRow(
        one, 1, reminded, snooze, handed, 1, {"7": 1}
    )
    await db.write(repo.set_reminder_state, 1, next_due_at=None, reminders_sent=2)
    # another member of a team receives it later: each keeps their own count
    await db.write(repo.hand_over, 1, handed, 8)
    assert await db.read(rows_of_case, 1) == [(ts(handed), 2)]
    held = await db.read(repo.reminder_row, 1)
    assert held is not None
    assert (held.received(7), held.received(8), held.received(9)) == (1, 2, 0)
    await db.write(repo.hand_over, 3, handed, 7)  # a closed case: nothing to hand over
    assert await db.read(rows_of_case, 3) == [(None, 0)]

    # saving without a reminder time keeps the reminder state; with one, starts it afresh
    await db.write(repo.save_case, one, "kabag", False)
    assert await db.read(repo.reminder_row, 1) == repo.ReminderRow(
        one, 2, reminded, snooze, handed, 2, {"7": 1, "8": 2}
    )
    await db.write(repo.save_case, one, "kabag", False, ts(T0 + timedelta(hours=9)))
    assert await db.read(repo.reminder_row, 1) == repo.ReminderRow(one, 0, None, None)
    assert await db.read(repo.due_case_ids, T0 + timedelta(hours=9), 10) == [2, 1]


async def test_the_cases_a_reminder_was_queued_for_that_moved_on_since_are_named(
    db: Database,
) -> None:
    """What a reminder's claim reads right before it goes (``repo.moved_on``): of the
    (case, version) pairs it was queued for, those no longer open at that version."""
    base = run_to(2).current
    moved = replace(base, id=2, version=base.version + 1)
    closed = replace(base, id=3, status=CaseStatus.CANCELLED, closed_at=T0)

    def save(tx: Tx) -> None:
        for case in (base, moved, closed):
            repo.save_case(tx, case, "kabag", new=True, reminders_from=None)

    await db.write(save)
    v = base.version
    asked = [(1, v), (2, v), (3, v), (4, v)]  # case 4: none such
    assert await db.read(repo.moved_on, asked) == {2, 3, 4}
    assert await db.read(repo.moved_on, [(1, v), (2, v + 1)]) == set()
    assert await db.read(repo.moved_on, []) == set()


def rows_of_case(tx: Tx, case_id: int) -> list[tuple[Any, ...]]:
    """A case's hand-over columns, as stored."""
    return [
        tuple(r)
        for r in tx.all(
            "SELECT handed_over_at, reminders_before_hand_over FROM cases WHERE id = ?",
            (case_id,),
        )
    ]


# -- outbox ------------------------------------------------------------------------------


async def test_an_escalation_left_out_of_its_row_settles_it_or_sends_the_rest_now(
    db: Database,
) -> None:
    """An escalation to someone who no longer answers for its role is left out of the row
    it waits in: a notice is settled unsent ("no longer the holder"); a digest listing
    other cases besides goes now without it, and one listing it alone is settled."""
    later = T0 + timedelta(minutes=30)
    entries = [[1, 2, 2, "kabag", 1], [2, 2, 2, "karo", 2]]

    def fill(tx: Tx) -> list[repo.OutboxItem]:
        escalation = {"t": "escalation", "n": 2, "as": "kabag", "step": 1}
        repo.enqueue(tx, 10, "notice", T0, case_id=1, version=2, params=escalation)
        repo.enqueue(tx, 10, "digest", T0, params={"t": "escalation", "cases": entries})
        repo.enqueue(tx, 11, "digest", T0, params={"t": "escalation", "cases": entries[:1]})
        return repo.due_outbox(tx, T0)

    notice, digest, alone = await db.write(fill)
    await db.write(repo.leave_out_of_row, notice.id, {1}, later, repo.NOT_THE_HOLDER)
    await db.write(repo.leave_out_of_row, digest.id, {1}, later, repo.NOT_THE_HOLDER)
    await db.write(repo.leave_out_of_row, alone.id, {1}, later, repo.NOT_THE_HOLDER)
    assert [(i.id, i.params["cases"]) for i in await db.read(repo.due_outbox, later)] == [
        (2, entries[1:])
    ]
    settled = "SELECT id FROM outbox WHERE sent_at IS NOT NULL AND last_error = ?"
    assert await db.read(fetch, settled, (repo.NOT_THE_HOLDER,)) == [(1,), (3,)]


async def test_outbox_lifecycle(db: Database) -> None:
    later = T0 + timedelta(minutes=30)

    def fill(tx: Tx) -> None:
        params = {"event": 4, "teks": "Mohon persetujuan ✓"}
        repo.enqueue(tx, 10, "notice", T0, case_id=1, version=3, params=params)
        repo.enqueue(tx, 11, "strip", T0, params={"message_id": 7})
        repo.enqueue(tx, 12, "notice", T0, params={"x": 1}, not_before=later)

    await db.write(fill)
    due = await db.read(repo.due_outbox, T0)
    assert due == [
        repo.OutboxItem(1, 10, "notice", 1, 3, {"event": 4, "teks": "Mohon persetujuan ✓"}, 0),
        repo.OutboxItem(2, 11, "strip", None, None, {"message_id": 7}, 0),
    ]
    assert [i.id for i in await db.read(repo.due_outbox, T0, 1)] == [1]
    assert await db.read(repo.next_outbox_time) == T0
    assert await db.read(repo.outbox_counts) == {"sent": 0, "failed": 0, "pending": 3}

    def first_round(tx: Tx) -> None:
        repo.mark_sent(tx, 1, T0, message_id=555)
        repo.mark_retry(tx, 2, T0 + timedelta(minutes=5), "429 " + "x" * 1000)

    await db.write(first_round)
    assert await scalar(db, "SELECT message_id FROM outbox WHERE id = 1") == 555
    assert await db.read(repo.due_outbox, T0) == []
    assert await db.read(repo.next_outbox_time) == T0 + timedelta(minutes=5)
    retried = await db.read(repo.due_outbox, T0 + timedelta(minutes=5))
    assert [(i.id, i.attempts) for i in retried] == [(2, 1)]
    error = await scalar(db, "SELECT last_error FROM outbox WHERE id = 2")
    assert error.startswith("429 ") and len(error) == 500
    assert await db.read(repo.outbox_counts) == {"sent": 1, "failed": 0, "pending": 2}

    # a row that only waits (for papers) is not counted as an attempt
    await db.write(repo.mark_retry, 2, T0 + timedelta(minutes=6), "waiting", False)
    assert await scalar(db, "SELECT attempts FROM outbox WHERE id = 2") == 1
    await db.write(repo.mark_failed, 2, T0 + timedelta(minutes=6), "Forbidden: bot was blocked")
    assert [i.id for i in await db.read(repo.due_outbox, later)] == [3]
    assert await db.read(repo.outbox_counts) == {"sent": 1, "failed": 1, "pending": 1}
    assert await scalar(db, "SELECT attempts FROM outbox WHERE id = 2") == 2

    await db.write(repo.mark_sent, 3, later, None)
    assert await db.read(repo.due_outbox, later + timedelta(days=1)) == []
    assert await db.read(repo.next_outbox_time) is None
    assert await db.read(repo.outbox_counts) == {"sent": 2, "failed": 1, "pending": 0}


async def test_outbox_keeps_each_chats_order_behind_a_waiting_row(db: Database) -> None:
    later = T0 + timedelta(minutes=10)
    plan = [(10, "notice"), (10, "task"), (11, "notice"), (0, "paper"), (10, "files")]
    plan += [(0, "paper"), (11, "notice")]

    def fill(tx: Tx) -> None:
        for chat, kind in plan:
            repo.enqueue(tx, chat, kind, T0, case_id=1)
        repo.mark_retry(tx, 2, later, "429")  # chat 10 waits from row 2 on
        repo.mark_retry(tx, 4, later, "waiting for papers", count=False)

    await db.write(fill)

    async def due_ids(now: datetime) -> list[int]:
        return [i.id for i in await db.read(repo.due_outbox, now)]

    # row 1 came before the waiting row; row 5 may not overtake it; paper jobs (chat 0)
    # are not messages: one waiting does not hold up the next
    assert await due_ids(T0) == [1, 3, 6, 7]
    assert await due_ids(later) == [1, 2, 3, 4, 5, 6, 7]

    def deliver(tx: Tx, ids: Sequence[int]) -> None:
        for item_id in ids:
            repo.mark_sent(tx, item_id, T0, None)

    await db.write(deliver, [1, 3, 6, 7])
    assert await due_ids(T0) == []
    await db.write(deliver, [2])
    assert await due_ids(T0) == [5]
    assert await db.read(repo.papers_pending, 1)  # row 4 still waits


async def test_the_next_round_is_due_when_the_row_a_chat_waits_for_is(db: Database) -> None:
    """Kabag's task waits behind the album that waits for its papers: the sender's next
    round falls due with the album, not now (it looked every 20 ms while the album waited);
    a paper job counts on its own, and a chat being delivered does not count."""
    album_at = T0 + timedelta(milliseconds=200)
    job_at = T0 + timedelta(seconds=1)

    def fill(tx: Tx) -> None:
        album = repo.enqueue(tx, 10, "files", T0, case_id=1)
        repo.enqueue(tx, 10, "task", T0, case_id=1, version=2)  # due, behind the album
        repo.mark_retry(tx, album, album_at, "waiting for papers", count=False)
        repo.enqueue(tx, 0, "paper", T0, case_id=1, not_before=job_at)

    await db.write(fill)
    assert await db.read(repo.due_outbox, T0) == []
    assert await db.read(repo.next_outbox_time) == album_at
    assert await db.read(repo.next_outbox_time, [10]) == job_at


async def test_an_answer_of_two_rows_goes_whole_but_never_before_its_case(db: Database) -> None:
    """Kasubag's upload is answered by a reaction and the task message's new checklist,
    both of case 1: taken together, out of the chat's turn (a notice queued before them
    waits). Case 2's checklist waits: a task of case 2 is queued before it; its reaction,
    on her own message, does not."""
    lease = T0 + timedelta(seconds=10)

    def fill(tx: Tx) -> list[int]:
        repo.enqueue(tx, 10, "notice", T0, params={"t": "text", "text": "antre"})
        repo.enqueue(tx, 10, "task", T0, case_id=2, version=3)
        return [
            repo.enqueue(tx, 10, "react", T0, case_id=1, params={"t": "upload"}),
            repo.enqueue(tx, 10, "task", T0, case_id=1, version=1, params={"refresh": 1}),
            repo.enqueue(tx, 10, "react", T0, case_id=2, params={"t": "upload"}),
            repo.enqueue(tx, 10, "task", T0, case_id=2, version=3, params={"refresh": 1}),
        ]

    react, checklist, react_2, checklist_2 = await db.write(fill)
    taken = await db.write(repo.take_outbox_rows, [react, checklist], T0, lease)
    assert [i.id for i in taken] == [react, checklist]
    taken = await db.write(repo.take_outbox_rows, [react_2, checklist_2], T0, lease)
    assert [i.id for i in taken] == [react_2]


async def test_what_telegram_refused_while_a_person_blocked_the_bot_goes_when_they_come_back(
    db: Database,
) -> None:
    """Kabag (10) blocks the bot: his task and a notice are refused (403), a file album
    "chat not found" (400, as for a chat never opened). A row refused for another reason
    stays given up, and so does another person's. When he comes back, his
    refused rows are due again, in their order; coming back twice requeues nothing more."""
    later = T0 + timedelta(minutes=5)

    def fill(tx: Tx) -> list[int]:
        repo.mark_started(tx, 10, T0, "kabag")
        repo.mark_started(tx, 11, T0, "karo")
        repo.mark_blocked(tx, 10)
        ids = [
            repo.enqueue(tx, 10, "task", T0, case_id=1, version=2),
            repo.enqueue(tx, 10, "notice", T0, case_id=1, params={"t": "text", "text": "x"}),
            repo.enqueue(tx, 10, "files", T0, case_id=1, params={"files": [1]}),
            repo.enqueue(tx, 10, "strip", T0, case_id=1, params={"message_id": 5}),
            repo.enqueue(tx, 11, "task", T0, case_id=1, version=2),
        ]
        blocked = "Forbidden: Forbidden: bot was blocked by the user"
        never_opened = "BadRequest: Chat not found"  # a 400 for a chat never started
        refusals = (blocked, blocked, never_opened, "BadRequest: message is too long", blocked)
        for row, error in zip(ids, refusals, strict=True):
            repo.mark_failed(tx, row, T0, error)
        return ids

    task, notice, files, too_long, other = await db.write(fill)
    started = "SELECT started_bot FROM people WHERE telegram_id = ?"
    assert await db.read(lambda tx: tx.value(started, (10,))) == 0
    assert await db.read(repo.due_outbox, later) == []

    assert await db.write(repo.mark_started, 10, later, "kabag") == 3
    due = await db.read(repo.due_outbox, later)
    assert [(i.id, i.attempts) for i in due] == [(task, 0), (notice, 0), (files, 0)]
    assert await db.read(lambda tx: tx.value(started, (10,))) == 1
    assert await db.write(repo.mark_started, 10, later, "kabag") == 0
    failed = await rows(db, "SELECT id FROM outbox WHERE failed_at IS NOT NULL ORDER BY id")
    assert failed == [(too_long,), (other,)]


async def test_an_acting_appointment_over_before_its_person_comes_back_is_not_told_then(
    db: Database,
) -> None:
    """Agus (1007) never pressed Start: the notices of his week as Plh Kabag (its start, its
    extension, its end) were refused. A month later he presses Start: the period is over,
    so none of them goes; the start of his Plh Karo period still in force does, and so does
    a notice of another kind. Kabag (10), who read the start of that week before he blocked
    the bot, still gets its end: that one he is waiting for."""
    week_ends = T0 + timedelta(days=7)
    month_later = T0 + timedelta(days=37)
    refused = "BadRequest: Chat not found"

    def fill(tx: Tx) -> dict[str, int]:
        repo.mark_started(tx, 10, T0, "kabag")
        repo.mark_blocked(tx, 10)
        repo.ensure_person(tx, 1007, T0)  # named by the administrator, never started
        appoint = partial(
            repo.appoint, tx, unit="biro", person_id=1007, kind="plh", reason="cuti", letter=""
        )
        week = appoint(role="kabag", starts_at=T0, ends_at=week_ends, by=1, now=T0)
        karo = appoint(
            role="karo",
            starts_at=T0 + timedelta(days=30),
            ends_at=T0 + timedelta(days=60),
            by=1,
            now=T0,
        )

        def notice(chat: int, kind: str, appointment: int) -> int:
            params = {"t": kind, "appointment": appointment, "tasks": 0}
            return repo.enqueue(tx, chat, "notice", T0, params=params)

        ids = {
            "start": notice(1007, "acting_start", week),
            "extended": notice(1007, "acting_extended", week),
            "end": notice(1007, "acting_end", week),
            "karo": notice(1007, "acting_start", karo),
            "text": repo.enqueue(tx, 1007, "notice", T0, params={"t": "text", "text": "x"}),
            "kabag_end": notice(10, "acting_end", week),
        }
        for row in ids.values():
            repo.mark_failed(tx, row, T0, refused)
        return ids

    ids = await db.write(fill)
    assert await db.write(repo.mark_started, 1007, month_later, "agus") == 2
    due = await db.read(repo.due_outbox, month_later)
    assert [i.id for i in due] == [ids["karo"], ids["text"]]
    assert await db.write(repo.mark_started, 10, month_later, "kabag") == 1
    due = await db.read(repo.due_outbox, month_later)
    assert [i.id for i in due] == [ids["karo"], ids["text"], ids["kabag_end"]]
    # the ones that no longer hold are settled, not left to be sent at the next Start
    unsent = await rows(db, "SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id")
    assert unsent == [(ids["karo"],), (ids["text"],), (ids["kabag_end"],)]


async def test_role_notices_that_no_longer_hold_when_their_person_comes_back_are_not_sent(
    db: Database,
) -> None:
    """Agus (1007) never pressed Start. The administrator passed Kabag to him and back again
    (a mistake), and Karo to him, took it and passed it to him again: when he presses Start
    he is told once that he holds Karo, with its task list; not that he held Kabag for an
    hour. Budi (10) read his roles before he blocked the bot: Tim was revoked and he is told
    so; Kasubag, revoked and given back, he holds as he knew."""

    def fill(tx: Tx) -> dict[str, int]:
        repo.mark_started(tx, 10, T0, "budi")
        repo.mark_blocked(tx, 10)
        repo.ensure_person(tx, 1007, T0)
        repo.grant_role(tx, 1007, "karo", "biro", T0, 1)
        repo.grant_role(tx, 10, "kasubag", "biro", T0, 1)

        def notice(chat: int, **params: object) -> int:
            return repo.enqueue(tx, chat, "notice", T0, params=params)

        ids = {
            "kabag_in": notice(1007, t="role_moved", role="kabag", **{"from": 10, "to": 1007}),
            "karo_in": notice(1007, t="role_moved", role="karo", **{"from": 11, "to": 1007}),
            "kabag_out": notice(1007, t="role_moved", role="kabag", **{"from": 1007, "to": 10}),
            "kabag_list": notice(1007, t="role_tasks", role="kabag", listed=[[1, 2]]),
            "karo_revoked": notice(1007, t="role_revoked", role="karo", tasks=0),
            "karo_again": notice(1007, t="role_moved", role="karo", **{"from": 11, "to": 1007}),
            "karo_list": notice(1007, t="role_tasks", role="karo", listed=[[3, 4]]),
            "tim_revoked": notice(10, t="role_revoked", role="tim", tasks=0),
            "kasubag_revoked": notice(10, t="role_revoked", role="kasubag", tasks=0),
        }
        for row in ids.values():
            repo.mark_failed(tx, row, T0, "Forbidden: bot was blocked by the user")
        return ids

    ids = await db.write(fill)
    later = T0 + timedelta(hours=2)
    assert await db.write(repo.mark_started, 1007, later, "agus") == 2
    assert await db.write(repo.mark_started, 10, later, "budi") == 1
    due = await db.read(repo.due_outbox, later)
    assert [i.id for i in due] == [ids["karo_again"], ids["karo_list"], ids["tim_revoked"]]
    unsent = await rows(db, "SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id")
    assert unsent == [(i.id,) for i in due]


def plans_of(tx: Tx, work: Callable[[Tx], object]) -> list[str]:
    """SQLite's plan of each statement ``work`` runs ("<plan step>: <statement>")."""
    assert isinstance(tx, SqliteTx)
    statements: list[str] = []
    tx.conn.set_trace_callback(statements.append)
    try:
        work(tx)
    finally:
        tx.conn.set_trace_callback(None)
    return [
        f"{row[-1]}: {sql}"
        for sql in statements
        if sql.startswith(("SELECT", "UPDATE", "DELETE"))
        for row in tx.conn.execute("EXPLAIN QUERY PLAN " + sql)
    ]


async def test_the_rows_still_to_go_are_found_without_reading_the_delivered_ones(
    db: Database,
) -> None:
    """The outbox keeps a week of delivered rows. A delivery round, an answer sent out of
    turn, a dialogue's task and a move read only what is still to go: with a full scan of
    the table, a round took 160 µs at 3,500 rows, and more with every message sent."""

    def fill(tx: Tx) -> None:
        week = [repo.outbox_row(10 + i % 7, "notice", T0, case_id=1 + i % 5) for i in range(2000)]
        repo.enqueue_rows(tx, week)
        tx.run("UPDATE outbox SET sent_at = ?", (ts(T0),))
        for version in (1, 2):
            repo.enqueue(tx, 10, "task", T0, case_id=2, version=version)
        repo.set_live_task(tx, 10, 2, 2, 99)

    await db.write(fill)

    def a_delivery_round(tx: Tx) -> None:
        due = repo.take_due_outbox(tx, T0, 200, T0 + timedelta(seconds=10), busy=[11])
        assert [i.version for i in due] == [1, 2]
        repo.take_outbox_rows(tx, [due[-1].id], T0, T0 + timedelta(seconds=10))
        assert repo.pending_task_row(tx, 10, 2) == due[-1].id
        assert repo.next_outbox_time(tx) is not None
        repo.take_live_tasks(tx, 2)

    steps = await db.write(plans_of, a_delivery_round)
    # "SCAN outbox:" reads the whole table, and so does a search of the row ids below one;
    # "SCAN outbox USING INDEX outbox_queue" reads the partial index: the rows still to go
    whole_table = re.compile(r"SCAN \w+:|SEARCH \w+ USING INTEGER PRIMARY KEY \(rowid<")
    reading_everything = [s for s in steps if whole_table.match(s)]
    assert reading_everything == []
    assert any(s.startswith("SCAN outbox USING INDEX outbox_queue") for s in steps)


async def test_a_step_passed_on_drops_its_queued_task_and_documents_even_those_refused(
    db: Database,
) -> None:
    """Kabag 10's role passes on while case 2's task and documents wait for him, one of them
    refused by Telegram (he had blocked the bot): all are settled unsent, and pressing Start
    again brings none of them back. What is not his task is left: a paper sent to him for
    his file (no version), another case's task, another person's task, a row sent before."""

    def fill(tx: Tx) -> dict[str, int]:
        rows = {
            "task": repo.enqueue(tx, 10, "task", T0, case_id=2, version=3),
            "files": repo.enqueue(tx, 10, "files", T0, case_id=2, version=3),
            "refused": repo.enqueue(tx, 10, "task", T0, case_id=2, version=2),
            "paper": repo.enqueue(tx, 10, "files", T0, case_id=2),
            "other case": repo.enqueue(tx, 10, "task", T0, case_id=4, version=1),
            "other person": repo.enqueue(tx, 11, "task", T0, case_id=2, version=3),
            "sent": repo.enqueue(tx, 10, "task", T0, case_id=2, version=1),
        }
        repo.mark_failed(tx, rows["refused"], T0, "Forbidden: bot was blocked by the user")
        repo.mark_sent(tx, rows["sent"], T0, 77)
        return rows

    rows = await db.write(fill)
    later = T0 + timedelta(minutes=5)
    assert await db.write(repo.drop_queued_tasks, 10, 2, later) == 3
    assert await db.write(repo.requeue_refused, 10, later) == 0
    for name in ("task", "files", "refused"):
        assert await db.read(repo.dropped_meanwhile, rows[name]), name
    due = {item.id for item in await db.read(repo.due_outbox, later)}
    assert due == {rows["paper"], rows["other case"], rows["other person"]}
    assert not await db.read(repo.dropped_meanwhile, rows["sent"])


UNREACHABLE = "Forbidden: bot was blocked by the user"


def chat_10_with_a_week_delivered(tx: Tx) -> dict[str, int]:
    """A week of delivered rows (2,000, to chats 10 to 16), and what chat 10 has not been
    delivered about case 2: reminders and escalations still to go, one refused while the
    person had blocked the bot, one refused for another reason, digests of both kinds."""
    week = [repo.outbox_row(10 + i % 7, "task", T0, case_id=1 + i % 5) for i in range(2000)]
    repo.enqueue_rows(tx, week)
    tx.run("UPDATE outbox SET sent_at = ?", (ts(T0),))
    reminder = {"reminder": 2}
    digest = {"t": "reminder", "cases": [[2, 1], [3, 1]]}
    ids = {
        "reminder": repo.enqueue(tx, 10, "task", T0, case_id=2, version=3, params=reminder),
        "escalation": repo.enqueue(
            tx, 10, "notice", T0, case_id=2, params={"t": "escalation", "n": 1}
        ),
        "task": repo.enqueue(tx, 10, "task", T0, case_id=2, version=3),
        "files": repo.enqueue(tx, 10, "files", T0, case_id=2, version=3),
        "refused reminder": repo.enqueue(tx, 10, "task", T0, case_id=2, version=2, params=reminder),
        "too long": repo.enqueue(tx, 10, "task", T0, case_id=2, version=2, params=reminder),
        "digest": repo.enqueue(tx, 10, "digest", T0, params=digest),
        "refused digest": repo.enqueue(
            tx, 10, "digest", T0, params={"t": "reminder", "cases": [[2, 1]]}
        ),
        "other chat": repo.enqueue(tx, 11, "task", T0, case_id=2, version=3, params=reminder),
    }
    repo.mark_failed(tx, ids["refused reminder"], T0, UNREACHABLE)
    repo.mark_failed(tx, ids["refused digest"], T0, UNREACHABLE)
    repo.mark_failed(tx, ids["too long"], T0, "BadRequest: message is too long")
    return ids


def case_1_tasks_queued_and_one_being_sent(tx: Tx) -> tuple[int, int]:
    """Case 1's version-3 tasks for two holders, one of them taken to be sent (leased), among
    300 other cases' rows still to go; (the queued row, the one being sent)."""
    for chat in range(100, 400):
        repo.enqueue(tx, chat, "task", T0, case_id=chat, version=1, params={})
    queued = repo.enqueue(tx, 10, "task", T0, case_id=1, version=3, params={})
    sending = repo.enqueue(tx, 11, "task", T0, case_id=1, version=3, params={})
    taken = repo.take_outbox_rows(tx, [sending], T0, T0 + timedelta(seconds=10))
    assert [i.id for i in taken] == [sending]
    return queued, sending


async def test_a_move_marks_only_the_task_rows_being_sent(db: Database) -> None:
    """Kabag decides case 1 while its version-3 tasks are queued for two holders and one of
    them is being sent: only the row being sent (taken, under its lease) makes a message
    that must show the decision; the queued one is skipped as stale when its turn comes."""
    queued, sending = await db.write(case_1_tasks_queued_and_one_being_sent)
    assert await db.read(repo.tasks_on_their_way, 1, 3, T0) == [sending]
    assert await db.read(repo.tasks_on_their_way, 1, 2, T0) == []
    assert queued not in await db.read(repo.tasks_on_their_way, 1, 3, T0)


async def test_a_move_finds_the_task_rows_being_sent_by_case_not_by_reading_every_row(
    db: Database,
) -> None:
    """The move finds its case's task rows by case and version (``outbox_tasks_to_go``), not
    by reading every row still to go: thousands while Telegram cannot be reached."""
    await db.write(case_1_tasks_queued_and_one_being_sent)
    steps = await db.read(plans_of, lambda tx: repo.tasks_on_their_way(tx, 1, 3, T0))
    assert steps and all("USING INDEX outbox_tasks_to_go" in step for step in steps), steps


def the_lookups_of_what_chat_10_was_not_delivered(tx: Tx) -> None:
    """A reminder about case 2 for chat 10 (its earlier ones and its digests superseded),
    case 2 passed on from him, pressing Start: each reads the rows not delivered to chat 10."""
    later = T0 + timedelta(hours=1)
    assert repo.supersede_reminders(tx, 10, 2, later)
    assert repo.supersede_digests(tx, 10, "reminder", [2], later) == set()
    repo.drop_queued_digests(tx, 10, [2], later)
    repo.drop_queued_tasks(tx, 10, 2, later)
    repo.tasks_refused_unreachable(tx, 10)
    repo.requeue_refused(tx, 10, later)


async def test_a_reminder_reads_the_rows_not_delivered_to_its_chat_not_the_delivered_ones(
    db: Database,
) -> None:
    """A reminder supersedes the earlier ones still queued for its chat and case, those
    refused while the person had blocked the bot among them; a step passed on drops its
    task; pressing Start sends the refused rows again. Each read the whole outbox, the
    retention's delivered rows and all (4 ms a call at 60,000 rows kept, holding the
    writer); each now reads the rows still to go (``outbox_queued_by_chat``) and the rows
    refused (``outbox_refused``), by chat and case."""
    await db.write(chat_10_with_a_week_delivered)

    steps = await db.write(plans_of, the_lookups_of_what_chat_10_was_not_delivered)
    whole_table = re.compile(r"SCAN outbox\b(?! USING INDEX outbox_(queued_by_chat|refused))")
    assert [s for s in steps if whole_table.match(s)] == []
    used = {m for s in steps for m in re.findall(r"USING INDEX (outbox_\w+)", s)}
    assert used == {"outbox_queued_by_chat", "outbox_refused"}, steps


async def test_a_reminder_settles_what_it_settled_before_its_rows_had_an_index(
    db: Database,
) -> None:
    """The lookups read the rows still to go and those refused in two parts: they settle,
    leave out and send again the rows their single condition did (written out here)."""
    ids = await db.write(chat_10_with_a_week_delivered)
    before = {
        # supersede_reminders: tasks and notices still to go or refused as unreachable
        "superseded": "chat_id = 10 AND case_id = 2 AND kind IN ('task', 'notice') "
        "AND sent_at IS NULL AND (failed_at IS NULL OR last_error LIKE 'Forbidden:%' "
        "OR last_error LIKE 'BadRequest: Chat not found%')",
        # _leave_out_of_digests
        "digests": "chat_id = 10 AND kind = 'digest' AND sent_at IS NULL AND (failed_at IS NULL "
        "OR last_error LIKE 'Forbidden:%' OR last_error LIKE 'BadRequest: Chat not found%')",
    }
    found = {
        name: {r[0] for r in await rows(db, f"SELECT id FROM outbox WHERE {where}")}
        for name, where in before.items()
    }
    assert found["superseded"] == {
        ids[n] for n in ("reminder", "escalation", "task", "refused reminder")
    }
    found["superseded"].remove(ids["task"])  # read, and left: not a reminder
    assert found["digests"] == {ids["digest"], ids["refused digest"]}
    # drop_queued_tasks: the case's tasks and files not delivered, whatever refused them
    dropped = {ids["task"], ids["files"], ids["too long"]}

    later = T0 + timedelta(hours=1)
    assert await db.write(repo.supersede_reminders, 10, 2, later)
    assert await db.write(repo.supersede_digests, 10, "reminder", [2], later) == set()
    assert await db.write(repo.drop_queued_tasks, 10, 2, later) == len(dropped)
    settled = await rows(
        db,
        "SELECT id, last_error FROM outbox WHERE sent_at = ? ORDER BY id",
        (ts(later),),
    )
    assert settled == sorted(
        [(i, repo.SUPERSEDED) for i in found["superseded"] | {ids["refused digest"]}]
        + [(i, repo.NOT_THE_HOLDER) for i in dropped]
    )
    # the digest still to go lists case 3 alone; the other chat's reminder is left
    [(params,)] = await rows(db, "SELECT params FROM outbox WHERE id = ?", (ids["digest"],))
    assert json.loads(params)["cases"] == [[3, 1]]
    assert await rows(db, "SELECT sent_at FROM outbox WHERE id = ?", (ids["other chat"],)) == [
        (None,)
    ]


async def test_an_upgrade_to_level_17_indexes_the_rows_not_delivered(tmp_path: Path) -> None:
    """A database as level 16 left it (no index of the rows not delivered by chat, one of
    the paper jobs still to go) gets the two indexes, each holding its rows, and loses the
    paper jobs' index; its copy before the upgrade is kept."""
    path = tmp_path / "sopbot.sqlite3"
    db = await Database.open(path)
    ids = await db.write(chat_10_with_a_week_delivered)
    await db.close()
    with sqlite3.connect(path) as plain:
        plain.executescript(
            LEVEL_23_UNDONE
            + LEVEL_22_UNDONE
            + LEVEL_21_UNDONE
            + LEVEL_20_UNDONE
            + LEVEL_19_UNDONE
            + LEVEL_18_UNDONE
            + LEVEL_17_UNDONE
            + "PRAGMA user_version = 16;"
        )
    plain.close()

    db = await Database.open(path)
    try:
        assert await db.read(version_of) == LATEST
        assert copies(tmp_path) == ["sopbot.sqlite3.level-16.before-upgrade"]
        names = {r[0] for r in await rows(db, "SELECT name FROM sqlite_master")}
        assert {"outbox_queued_by_chat", "outbox_refused"} <= names
        assert "outbox_jobs" not in names
        queued = await rows(
            db,
            "SELECT id FROM outbox INDEXED BY outbox_queued_by_chat WHERE chat_id = 10 "
            "AND sent_at IS NULL AND failed_at IS NULL ORDER BY id",
        )
        refused = await rows(
            db,
            "SELECT id FROM outbox INDEXED BY outbox_refused WHERE chat_id = 10 "
            "AND sent_at IS NULL AND failed_at IS NOT NULL ORDER BY id",
        )
        assert [r[0] for r in queued] == [
            ids[n] for n in ("reminder", "escalation", "task", "files", "digest")
        ]
        assert [r[0] for r in refused] == [
            ids[n] for n in ("refused reminder", "too long", "refused digest")
        ]
    finally:
        await db.close()


async def test_outbox_due_times_compare_as_instants_across_offsets(db: Database) -> None:
    """A retry time written in WIB is due by the instant, whatever offset ``now`` carries."""
    due_at = datetime(2025, 1, 6, 15, 0, tzinfo=WIB)  # 08:00 UTC

    def fill(tx: Tx) -> None:
        repo.enqueue(tx, 1, "notice", due_at - timedelta(hours=1), not_before=due_at)
        repo.enqueue(tx, 2, "notice", T0)
        repo.mark_retry(tx, 2, datetime(2025, 1, 6, 9, 30, tzinfo=UTC), "timeout")

    await db.write(fill)
    # 09:00 UTC is 16:00 WIB: the first is due; the retry (09:30 UTC = 16:30 WIB) is not
    now_utc = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    assert [i.id for i in await db.read(repo.due_outbox, now_utc)] == [1]
    assert [i.id for i in await db.read(repo.due_outbox, now_utc.astimezone(WIB))] == [1]
    # 07:30 UTC is 14:30 WIB: nothing is due yet
    early = datetime(2025, 1, 6, 7, 30, tzinfo=UTC)
    assert await db.read(repo.due_outbox, early) == []
    assert await db.read(repo.due_outbox, early.astimezone(WIB)) == []
    assert await db.read(repo.next_outbox_time) == due_at


async def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(ValueError):
        await db.write(repo.enqueue, 1, "notice", datetime(2025, 1, 6, 8, 0))
    assert await db.read(repo.outbox_counts) == {"sent": 0, "failed": 0, "pending": 0}


async def test_papers_pending_sees_only_unsettled_paper_jobs(db: Database) -> None:
    def fill(tx: Tx) -> None:
        repo.enqueue(tx, 0, "paper", T0, case_id=1, params={"paper": "nota", "seq": 3})
        repo.enqueue(tx, 5, "notice", T0, case_id=2)  # a message, not a paper job

    await db.write(fill)
    assert await db.read(repo.papers_pending, 1)
    assert not await db.read(repo.papers_pending, 2)
    await db.write(repo.mark_retry, 1, T0 + timedelta(minutes=1), "busy")
    assert await db.read(repo.papers_pending, 1)  # waiting for a retry is still pending
    await db.write(repo.mark_sent, 1, T0, None)
    assert not await db.read(repo.papers_pending, 1)
    await db.write(repo.enqueue, 0, "paper", T0, case_id=1)
    await db.write(repo.mark_failed, 3, T0, "render failed")
    assert not await db.read(repo.papers_pending, 1)


async def test_the_papers_a_bundle_waits_for_or_names_are_those_of_its_case_before_it(
    db: Database,
) -> None:
    """Of the paper jobs of case 1 queued before the bundle's (row 5): the one still to go
    (a retry due later), the one given up; not the one written, not another case's, not
    one queued after the bundle. What rows still wait for, by event and paper."""

    def fill(tx: Tx) -> None:
        for case_id, paper, seq in [
            (1, "pemeriksaan", 2),  # 1: written
            (1, "pemeriksaan", 3),  # 2: waits for its retry
            (1, "disposisi", 3),  # 3: given up
            (2, "pemeriksaan", 3),  # 4: another case's
            (1, "dokumentasi", 4),  # 5: the bundle
            (1, "pemeriksaan", 5),  # 6: after it
        ]:
            repo.enqueue(tx, 0, "paper", T0, case_id=case_id, params={"paper": paper, "seq": seq})

    await db.write(fill)
    await db.write(repo.mark_sent, 1, T0, None)
    await db.write(repo.mark_retry, 2, T0 + timedelta(minutes=2), "held", False)
    await db.write(repo.mark_failed, 3, T0, "TemplateFailed: ...")
    jobs = await db.read(repo.unwritten_papers, 1, 5)
    assert [(j.id, j.paper, j.seq, j.failed) for j in jobs] == [
        (2, "pemeriksaan", 3, False),
        (3, "disposisi", 3, True),
    ]
    assert jobs[0].due == T0 + timedelta(minutes=2)
    assert await db.read(repo.pending_papers, 1) == {
        (3, "pemeriksaan"),
        (4, "dokumentasi"),
        (5, "pemeriksaan"),
    }
    await db.write(repo.note_waiting, 5, "waiting_since", "2026-01-05T08:00:00+07:00")
    (bundle,) = [i for i in await db.read(repo.due_outbox, T0, 10) if i.id == 5]
    assert bundle.params == {
        "paper": "dokumentasi",
        "seq": 4,
        "waiting_since": "2026-01-05T08:00:00+07:00",
    }


async def test_a_paper_job_keeps_the_bundles_that_went_without_it_until_written(
    db: Database,
) -> None:
    """The bundles of events 6 and 9 went without the paper of job 1 (waiting for its
    retry): its row keeps both, once each; written, it is settled and names them. A bundle
    that would go without a paper already written notes nothing (it learns that it was
    written meanwhile); a paper no bundle went without names none."""

    def fill(tx: Tx) -> None:
        for seq in (3, 4):
            repo.enqueue(tx, 0, "paper", T0, case_id=1, params={"paper": "pemeriksaan", "seq": seq})

    await db.write(fill)
    assert await db.write(repo.note_left_out, 1, 6)
    assert await db.write(repo.note_left_out, 1, 9)
    assert await db.write(repo.note_left_out, 1, 6)
    assert await db.write(repo.settle_paper_job, 1, T0) == [6, 9]
    assert not await db.write(repo.note_left_out, 1, 12)
    assert await db.write(repo.settle_paper_job, 2, T0) == []
    assert await db.read(repo.outbox_counts) == {"sent": 2, "failed": 0, "pending": 0}


async def test_prune_forgets_old_delivered_rows_and_update_ids_only(db: Database) -> None:
    run = run_to(2)
    await store_run(db, run)
    cut, updates_cut = T0 + timedelta(days=7), T0 + timedelta(days=2)
    long_ago = T0 - timedelta(days=30)

    def fill(tx: Tx) -> None:
        for chat in range(1, 6):
            repo.enqueue(tx, chat, "notice", long_ago, case_id=1)
        repo.mark_sent(tx, 1, cut - timedelta(seconds=1), 11)  # delivered before the cut
        repo.mark_sent(tx, 2, cut, 12)  # at the cut: kept
        repo.mark_sent(tx, 3, cut + timedelta(hours=1), 13)
        repo.mark_failed(tx, 5, long_ago, "Forbidden")  # failed rows stay for the record
        # row 4 still pending, however old
        repo.claim_update(tx, 100, updates_cut - timedelta(seconds=1))
        repo.claim_update(tx, 101, updates_cut)
        repo.claim_update(tx, 102, updates_cut + timedelta(hours=1))

    await db.write(fill)
    assert await db.write(repo.prune, cut, updates_cut) == (1, 1)
    assert await rows(db, "SELECT id FROM outbox ORDER BY id") == [(2,), (3,), (4,), (5,)]
    assert await rows(db, "SELECT update_id FROM processed_updates ORDER BY 1") == [(101,), (102,)]
    assert await db.read(repo.load_events, 1) == run.log  # the record stays
    assert await db.read(repo.load_case, 1) == run.current
    assert await db.write(repo.prune, cut, updates_cut) == (0, 0)
    assert await db.read(repo.outbox_counts) == {"sent": 2, "failed": 1, "pending": 1}


async def test_the_chase_log_outlives_the_retention_and_is_append_only(db: Database) -> None:
    """Kasubag was reminded, Kabag told (escalation), Kasubag postponed the reminders: the
    outbox's retention forgets the messages, not the chase log; nobody can rewrite it."""
    run = run_to(2)
    await store_run(db, run)
    chased = [
        repo.Chase("reminder", 1, T0, KASUBAG.person_id, "kasubag", 2),
        repo.Chase("escalation", 1, T0, KABAG.person_id, "kabag", 2),
        repo.Chase(
            "snooze",
            1,
            T0 + timedelta(hours=1),
            KASUBAG.person_id,
            "kasubag",
            until=T0 + timedelta(days=1),
        ),
    ]

    def remind(tx: Tx) -> None:
        repo.log_chases(tx, 1, chased[:2])
        repo.enqueue(tx, KASUBAG.person_id, "task", T0, case_id=1, params={"reminder": 2})
        repo.mark_sent(tx, 1, T0, 11)
        repo.log_chases(tx, 1, chased[2:])
        repo.log_chases(tx, 1, [])  # nobody reached: nothing written

    await db.write(remind)
    later = T0 + timedelta(days=40)
    assert await db.write(repo.prune, later, later) == (1, 0)
    assert await db.read(repo.chases_of_case, 1) == chased
    assert await db.read(repo.chases_of_case, 2) == []
    assert await db.read(repo.load_case, 1) == run.current  # not an event: no new version
    for change in ("UPDATE chases SET person_id = 5", "DELETE FROM chases"):
        with pytest.raises(Exception, match="append-only"):  # either engine's error
            await db.write(Tx.run, change)
    assert await db.read(repo.chases_of_case, 1) == chased


async def test_who_was_told_of_a_reminder_since_the_step_began_is_read_from_the_chase_log(
    db: Database,
) -> None:
    """A case's reminder 2 at step 2 is escalated anew: the chase log names who was
    reminded or told of it since the case entered the step (its second stay there, entered
    half a second into a minute), not who postponed it, nor who was told of another
    reminder, of another step, of another case, or in the step's earlier stay (a moment
    before it was entered again, to the microsecond). The stored times compare as the
    moments do on either engine: with and without a fraction of a second."""
    entered = T0 + timedelta(days=3, microseconds=500_000)
    one = replace(run_to(2).current, step_entered_at=entered)
    two = replace(one, id=2)

    def fill(tx: Tx) -> None:
        repo.save_case(tx, one, "kabag", new=True)
        repo.save_case(tx, two, "kabag", new=True)

        def chase(kind: str, at: datetime, person: int, step: int = 2, number: int = 2) -> Any:
            return repo.Chase(kind, step, at, person, "kabag", number)

        repo.log_chases(
            tx,
            1,
            [
                chase("reminder", entered, 10),  # the moment it entered the step
                chase("escalation", entered + timedelta(microseconds=1), 11),
                chase("escalation", T0 + timedelta(days=4), 12),  # whole seconds
                chase("reminder", T0 + timedelta(days=5), 10),  # told twice: named once
                chase("reminder", entered - timedelta(microseconds=1), 20),  # earlier stay
                chase("escalation", T0 + timedelta(days=3), 21),  # earlier stay, whole second
                chase("escalation", T0 + timedelta(days=4), 22, number=1),
                chase("escalation", T0 + timedelta(days=4), 23, number=3),
                chase("escalation", T0 + timedelta(days=4), 24, step=1),
                repo.Chase("snooze", 2, T0 + timedelta(days=4), 25, "kabag", 2),
                repo.Chase("snooze", 2, T0 + timedelta(days=4), 26, "kabag", until=entered),
            ],
        )
        repo.log_chases(tx, 2, [chase("escalation", T0 + timedelta(days=4), 30)])

    await db.write(fill)
    assert await db.read(repo.told_of_reminder, 1, 2, 2, entered) == {10, 11, 12}
    assert await db.read(repo.told_of_reminder, 1, 2, 3, entered) == {23}
    assert await db.read(repo.told_of_reminder, 1, 2, 2, T0) == {10, 11, 12, 20, 21}
    later = T0 + timedelta(days=4)  # a moment of whole seconds, as ``ts`` writes it
    assert await db.read(repo.told_of_reminder, 1, 2, 2, later) == {10, 12}
    assert await db.read(repo.told_of_reminder, 2, 2, 2, entered) == {30}
    assert await db.read(repo.told_of_reminder, 3, 2, 2, entered) == set()


async def test_until_when_each_team_member_is_spared_the_steps_next_reminder_is_read_from_the_chase_log(
    db: Database,
) -> None:
    """Until when each of the members asked about is not to be reminded of the case at its
    step again, as the chase log keeps it of the reminders he was sent since it entered
    the step: the latest ``until`` of them (a fraction of a second after a whole one is
    the later; a reminder delivered late keeps the one the sweep gave it), not a /tunda's,
    nor an escalation's, a reminder's of another step, of the step's earlier stay, or of
    another case; one never reminded there, or only by a reminder logged before the log
    kept its ``until``, is left out."""
    entered = T0 + timedelta(days=3)
    one = replace(run_to(2).current, step_entered_at=entered)
    two = replace(one, id=2)
    latest = T0 + timedelta(days=4, microseconds=500_000)
    later = latest + timedelta(hours=4)

    def fill(tx: Tx) -> None:
        repo.save_case(tx, one, "tim", new=True)
        repo.save_case(tx, two, "tim", new=True)

        def reminder(at: datetime, person: int, until: datetime | None, step: int = 2) -> Any:
            return repo.Chase("reminder", step, at, person, "tim", 1, until)

        repo.log_chases(
            tx,
            1,
            [
                reminder(entered, 10, entered + timedelta(hours=4)),
                reminder(latest + timedelta(minutes=20), 10, later),  # delivered late
                # written after, earlier
                reminder(latest + timedelta(minutes=30), 10, later - timedelta(microseconds=1)),
                reminder(entered - timedelta(seconds=1), 11, later),  # earlier stay
                repo.Chase("escalation", 2, latest, 11, "kasubag", 1),
                reminder(latest, 11, later, step=3),
                repo.Chase("snooze", 2, latest, 11, "tim", until=later),
                reminder(entered + timedelta(hours=1), 12, entered + timedelta(hours=5)),
                reminder(latest, 13, None),  # logged before the until was kept
            ],
        )
        repo.log_chases(tx, 2, [reminder(latest, 11, later)])

    await db.write(fill)
    spared = await db.read(repo.reminded_until, 1, 2, entered, [10, 11, 12, 13])
    assert spared == {10: later, 12: entered + timedelta(hours=5)}
    assert await db.read(repo.reminded_until, 1, 2, entered, [12]) == {
        12: entered + timedelta(hours=5)
    }
    assert await db.read(repo.reminded_until, 1, 2, entered, []) == {}


# -- deliveries and live task messages ---------------------------------------------------


async def test_deliveries_remember_which_message_has_a_file(db: Database) -> None:
    assert await db.read(repo.delivered, 7, [1, 2]) == {}

    def fill(tx: Tx) -> None:
        repo.record_delivery(tx, 7, 1, 100)
        repo.record_delivery(tx, 7, 2, 101)
        repo.record_delivery(tx, 8, 1, 200)
        repo.record_delivery(tx, 7, 1, 150)  # sent again: the newer message has it

    await db.write(fill)
    assert await db.read(repo.delivered, 7, [1, 2, 3, 1]) == {1: 150, 2: 101}
    assert await db.read(repo.delivered, 8, [1, 2]) == {1: 200}
    assert await db.read(repo.delivered, 9, [1]) == {}
    assert await db.read(repo.delivered, 7, []) == {}


async def test_live_tasks_one_per_chat_and_case(db: Database) -> None:
    assert await db.read(repo.live_task, 10, 1) is None

    def fill(tx: Tx) -> None:
        repo.set_live_task(tx, 10, 1, 3, 500)
        repo.set_live_task(tx, 10, 2, 1, 501)
        repo.set_live_task(tx, 11, 1, 3, 502)
        repo.set_live_task(tx, 10, 1, 4, 503)  # the same chat and case: replaced

    await db.write(fill)
    assert await db.read(repo.live_task, 10, 1) == (4, 503)
    assert await db.read(repo.live_task, 10, 2) == (1, 501)
    assert await db.read(repo.live_task, 11, 1) == (3, 502)
    assert await db.write(repo.take_live_tasks, 1) == {(10, 503), (11, 502)}
    assert await db.read(repo.live_task, 10, 1) is None
    assert await db.read(repo.live_task, 11, 1) is None
    assert await db.read(repo.live_task, 10, 2) == (1, 501)


async def test_take_task_messages_returns_and_forgets(db: Database) -> None:
    await store_run(db, run_to(3))

    def work(tx: Tx) -> None:
        repo.record_task_message(tx, 10, 100, 1, 1)
        repo.record_task_message(tx, 11, 101, 1, 2)
        repo.record_task_message(tx, 12, 102, 1, 3)
        assert repo.take_task_messages(tx, 1, 2) == [(10, 100), (11, 101)]
        assert repo.take_task_messages(tx, 1, 2) == []
        assert repo.take_task_messages(tx, 1, 3) == [(12, 102)]
        assert repo.take_task_messages(tx, 1, 99) == []
        repo.record_task_message(tx, 13, 103, 1, 4)
        repo.forget_task_message(tx, 13, 103)
        assert repo.take_task_messages(tx, 1, 4) == []

    await db.write(work)
    assert await scalar(db, "SELECT COUNT(*) FROM task_messages") == 0


# -- invites, people, roles, updates -------------------------------------------------------


async def test_invites_are_single_use_and_expire(db: Database) -> None:
    expires = T0 + timedelta(days=1)

    def fill(tx: Tx) -> None:
        repo.create_invite(tx, "tok-a", "kabag", UNIT, 1, T0, expires)
        repo.create_invite(tx, "tok-b", "tim", UNIT, 1, T0, expires)
        repo.create_invite(tx, "tok-c", "karo", UNIT, 1, T0, expires)

    await db.write(fill)
    take = repo.take_invite
    assert await db.write(take, "tok-a", 2, T0 + timedelta(hours=1)) == ("kabag", UNIT)
    assert await db.write(take, "tok-a", 3, T0 + timedelta(hours=2)) is None
    assert await db.write(take, "tok-a", 2, T0 + timedelta(hours=2)) is None
    assert await db.write(take, "tok-b", 3, expires) is None  # expiry is exclusive
    assert await db.write(take, "tok-b", 3, expires + timedelta(seconds=1)) is None
    assert await db.write(take, "nope", 3, T0) is None
    # the same instant written in WIB is still before the expiry
    just_before = (expires - timedelta(minutes=1)).astimezone(WIB)
    assert await db.write(take, "tok-c", 4, just_before) == ("karo", UNIT)
    used = await rows(db, "SELECT token, used_by FROM invites ORDER BY token")
    assert used == [("tok-a", 2), ("tok-b", None), ("tok-c", 4)]


async def test_an_invite_taken_by_two_at_once_goes_to_one(db: Database) -> None:
    await db.write(repo.create_invite, "tok", "tim", UNIT, 1, T0, T0 + timedelta(days=1))
    results = await asyncio.gather(*(db.write(repo.take_invite, "tok", p, T0) for p in range(5)))
    assert sorted(results, key=lambda r: r is None) == [("tim", UNIT)] + [None] * 4


async def test_roles_are_granted_once_and_revoking_keeps_history(db: Database) -> None:
    t1, t2, t3 = T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)

    def grant(tx: Tx) -> None:
        repo.ensure_person(tx, 5, t1, "budi")
        assert repo.grant_role(tx, 5, "kabag", UNIT, t1, by=1)
        assert not repo.grant_role(tx, 5, "kabag", UNIT, t2, by=1)
        assert repo.grant_role(tx, 5, "kasubag", UNIT, t1, by=None)
        assert repo.grant_role(tx, 5, "kabag", "unit-lain", t1, by=1)

    await db.write(grant)
    assert await db.read(repo.active_roles, 5, UNIT) == {"kabag", "kasubag"}
    assert [p.telegram_id for p in await db.read(repo.holders, UNIT, "kabag")] == [5]
    assert await db.write(repo.revoke_role, 5, "kabag", UNIT, t2, by=1)
    assert not await db.write(repo.revoke_role, 5, "kabag", UNIT, t2, by=1)
    assert await db.read(repo.active_roles, 5, UNIT) == {"kasubag"}
    assert await db.read(repo.active_roles, 5, "unit-lain") == {"kabag"}
    assert await db.read(repo.holders, UNIT, "kabag") == []
    assert await db.write(repo.grant_role, 5, "kabag", UNIT, t3, by=1)
    history = await db.read(repo.role_history, UNIT)
    kabag = [(h.granted_at, h.revoked_at, h.granted_by) for h in history if h.role == "kabag"]
    assert kabag == [(t1, t2, 1), (t3, None, 1)]
    assert {h.role for h in history} == {"kabag", "kasubag"}
    assert all(h.unit == UNIT and h.person_id == 5 for h in history)


async def test_a_role_moved_is_told_from_a_role_revoked_also_when_moved_to_its_holder(
    db: Database,
) -> None:
    """Ayu's team place moves to Rudi, who is in the team already (nothing granted with
    it), and Dewi's team role is revoked: the history reads Ayu's as moved to Rudi, Dewi's
    as revoked. A move made before level 22 (no ``moved_to``) is still read from its
    grant: Budi's Kabag, granted to Agus at the moment it was revoked, by the same admin."""
    t1, t2 = T0, T0 + timedelta(hours=1)

    def history(tx: Tx) -> None:
        for person in (3, 4, 5, 6, 7):
            repo.ensure_person(tx, person, t1)
        for person in (4, 5, 6):
            repo.grant_role(tx, person, "tim", UNIT, t1, by=1)
        repo.grant_role(tx, 3, "kabag", UNIT, t1, by=1)
        repo.revoke_role(tx, 4, "tim", UNIT, t2, by=1, moved_to=5)
        repo.revoke_role(tx, 6, "tim", UNIT, t2, by=1)
        repo.revoke_role(tx, 3, "kabag", UNIT, t2, by=1)  # as before level 22
        repo.grant_role(tx, 7, "kabag", UNIT, t2, by=1)

    await db.write(history)
    roles = await db.read(repo.role_history, UNIT)
    moved = {
        (a.person_id, a.role): to for a in roles for i, to in repo.moves(roles).items() if i == a.id
    }
    assert moved == {(4, "tim"): 5, (3, "kabag"): 7}
    assert [a.moved_to for a in roles if a.person_id == 4] == [5]


async def test_a_corrected_profile_keeps_the_one_it_replaced(db: Database) -> None:
    """Budi corrects his name, later his position: each profile he had is kept, with when
    it was replaced and by whom, and cannot be changed afterwards."""
    t1, t2 = T0 + timedelta(days=30), T0 + timedelta(days=90)
    nip = "197505102000031002"

    def work(tx: Tx) -> None:
        repo.ensure_person(tx, 1002, T0)
        repo.update_profile(
            tx, 1002, now=T0, changed_by=None, name="Budi", nip=nip, position="Kabag"
        )
        repo.update_profile(tx, 1002, now=t1, changed_by=1002, name="Ir. Budi Santoso")
        repo.update_profile(tx, 1002, now=t1, changed_by=1002, name="Ir. Budi Santoso")
        repo.update_profile(tx, 1002, now=t2, changed_by=1002, position="Kepala Bagian")

    await db.write(work)
    assert await db.read(repo.earlier_profiles, [1002, 1003]) == {
        1002: [
            repo.EarlierProfile(1002, "Budi", nip, "Kabag", t1, 1002),
            repo.EarlierProfile(1002, "Ir. Budi Santoso", nip, "Kabag", t2, 1002),
        ]
    }
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(Tx.run, "UPDATE earlier_profiles SET name = 'Lain'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(Tx.run, "DELETE FROM earlier_profiles")


async def test_people_are_created_once_and_profiles_update(db: Database) -> None:
    def work(tx: Tx) -> None:
        repo.ensure_person(tx, 7, T0, "siti")
        first = repo.get_person(tx, 7)
        repo.ensure_person(tx, 7, T0 + timedelta(days=1), None)  # keeps the username
        assert repo.get_person(tx, 7) == first == repo.Person(7, "", "", "", "siti", False)
        nip = "198001012005012002"
        repo.update_profile(tx, 7, now=T0, changed_by=7, name="Siti Aminah", nip=nip)
        repo.update_profile(tx, 7, now=T0, changed_by=7, position="Kepala Bagian")  # others stay
        repo.mark_started(tx, 7, T0, None)  # Telegram sent none: she dropped it
        repo.mark_started(tx, 8, T0, "andi")  # unknown until now

    await db.write(work)
    person = await db.read(repo.get_person, 7)
    assert person == repo.Person(
        7, "Siti Aminah", "198001012005012002", "Kepala Bagian", None, True
    )
    assert person.display == "Siti Aminah"
    assert await db.read(repo.earlier_profiles, [7]) == {}  # blanks filled in: none replaced
    andi = await db.read(repo.get_person, 8)
    assert andi == repo.Person(8, "", "", "", "andi", True) and andi.display == "@andi"
    assert await db.read(repo.get_person, 9) is None
    assert await db.read(repo.people_by_ids, [7, 9, 7]) == {7: person}
    assert await db.read(repo.people_by_ids, []) == {}


async def test_gate_facts_in_one_query(db: Database) -> None:
    facts = repo.GateFacts
    assert await db.read(repo.gate_facts, 1, 5, UNIT, T0) == facts(False, False, False, frozenset())
    await db.write(repo.ensure_person, 5, T0, "budi")
    assert await db.read(repo.gate_facts, 1, 5, UNIT, T0) == facts(
        False, True, False, frozenset(), "budi"
    )

    def join(tx: Tx) -> None:
        repo.mark_started(tx, 5, T0, None)  # no username now: it is dropped
        repo.grant_role(tx, 5, "kabag", UNIT, T0, None)
        repo.grant_role(tx, 5, "kasubag", UNIT, T0, None)
        repo.grant_role(tx, 5, "tim", "unit-lain", T0, None)
        repo.claim_update(tx, 1, T0)

    await db.write(join)
    both = frozenset({"kabag", "kasubag"})
    assert await db.read(repo.gate_facts, 1, 5, UNIT, T0) == facts(True, True, True, both)
    assert await db.read(repo.gate_facts, 2, 5, UNIT, T0) == facts(False, True, True, both)
    await db.write(repo.revoke_role, 5, "kabag", UNIT, T0, None)
    assert (await db.read(repo.gate_facts, 2, 5, UNIT, T0)).roles == {"kasubag"}
    await db.write(repo.revoke_role, 5, "kasubag", UNIT, T0, None)
    assert await db.read(repo.gate_facts, 2, 5, UNIT, T0) == facts(False, True, True, frozenset())
    # the profile the papers print: the name and the position given (the NIP may be "-")
    profile = partial(repo.update_profile, telegram_id=5, now=T0, changed_by=5)
    await db.write(partial(profile, name="Budi Santoso", nip="-"))
    assert not (await db.read(repo.gate_facts, 2, 5, UNIT, T0)).complete
    await db.write(partial(profile, position="Kepala Bagian"))
    assert (await db.read(repo.gate_facts, 2, 5, UNIT, T0)).complete
    # with no role left here, the person is still one who held a role (not a stranger);
    # the gate asks only when it refuses
    assert await db.read(repo.held_a_role, 5, UNIT, T0)
    assert not await db.read(repo.held_a_role, 6, UNIT, T0)


async def test_claim_update_is_true_once(db: Database) -> None:
    def claims(tx: Tx) -> list[bool]:
        return [
            repo.claim_update(tx, 9001, T0),
            repo.claim_update(tx, 9001, T0 + timedelta(seconds=1)),
            repo.claim_update(tx, 9002, T0),
        ]

    assert await db.write(claims) == [True, False, True]
    assert not await db.write(repo.claim_update, 9001, T0 + timedelta(days=1))
    assert await db.read(repo.update_seen, 9001)
    assert not await db.read(repo.update_seen, 9003)
    # a redelivery racing the first delivery: exactly one claims it
    claimed = await asyncio.gather(*(db.write(repo.claim_update, 9004, T0) for _ in range(6)))
    assert sorted(claimed) == [False] * 5 + [True]


# -- dialogues ---------------------------------------------------------------------------


async def test_set_dialogue_returns_the_one_it_replaced(db: Database) -> None:
    first = await db.write(repo.set_dialogue, 1, "reason", T0, 1, 3, {"op": "k", "teks": "ñ"})
    assert first is None
    assert await db.write(repo.set_dialogue_prompt, 1, "reason", 1, 10, 500)
    # the same dialogue continued: nothing replaced, its prompt kept
    again = await db.write(repo.set_dialogue, 1, "reason", T0, 1, 4, {"teks": "lagi"})
    assert again is None
    assert await db.read(repo.get_dialogue, 1) == repo.Dialogue(
        1, "reason", 1, 4, {"teks": "lagi"}, T0, (10, 500)
    )
    # another dialogue: the old one comes back with its prompt (its buttons to take down)
    later = T0 + timedelta(minutes=1)
    replaced = await db.write(repo.set_dialogue, 1, "note", later, 1, 4)
    assert replaced == repo.Dialogue(1, "reason", 1, 4, {"teks": "lagi"}, T0, (10, 500))
    assert await db.read(repo.get_dialogue, 1) == repo.Dialogue(1, "note", 1, 4, {}, later)
    # the same kind for another case is another dialogue too
    other = await db.write(repo.set_dialogue, 1, "note", later, 2, 1)
    assert other == repo.Dialogue(1, "note", 1, 4, {}, later)
    # a dialogue without a case
    assert await db.write(repo.set_dialogue, 2, "title", T0) is None
    assert await db.write(repo.set_dialogue_prompt, 2, "title", None, 20, 600)
    assert (await db.read(repo.get_dialogue, 2)) == repo.Dialogue(
        2, "title", None, None, {}, T0, (20, 600)
    )


async def test_a_prompt_is_not_recorded_for_a_dialogue_that_ended(db: Database) -> None:
    assert not await db.write(repo.set_dialogue_prompt, 1, "reason", 1, 10, 500)  # none yet
    await db.write(repo.set_dialogue, 1, "reason", T0, 1, 3)
    assert not await db.write(repo.set_dialogue_prompt, 1, "note", 1, 10, 500)  # changed
    assert not await db.write(repo.set_dialogue_prompt, 1, "reason", 2, 10, 500)  # other case
    assert await db.read(repo.get_dialogue, 1) == repo.Dialogue(1, "reason", 1, 3, {}, T0)
    ended = await db.write(repo.clear_dialogue, 1)
    assert ended == repo.Dialogue(1, "reason", 1, 3, {}, T0)
    assert not await db.write(repo.set_dialogue_prompt, 1, "reason", 1, 10, 500)
    assert await db.read(repo.get_dialogue, 1) is None


async def test_ending_dialogues_returns_their_prompts(db: Database) -> None:
    def fill(tx: Tx) -> None:
        for person, case_id in ((1, 1), (2, 1), (3, 2), (4, None)):
            repo.set_dialogue(tx, person, "reason", T0, case_id, 3)
        assert repo.set_dialogue_prompt(tx, 1, "reason", 1, 10, 100)
        assert repo.set_dialogue_prompt(tx, 3, "reason", 2, 30, 300)

    await db.write(fill)
    ended = await db.write(repo.dialogues_of_case, 1)
    assert sorted((d.person_id, d.prompt) for d in ended) == [(1, (10, 100)), (2, None)]
    assert await db.read(repo.get_dialogue, 1) is None
    assert await db.read(repo.get_dialogue, 2) is None
    assert await db.write(repo.dialogues_of_case, 1) == []
    cleared = await db.write(repo.clear_dialogue, 3)
    assert cleared is not None and cleared.prompt == (30, 300)
    assert await db.write(repo.clear_dialogue, 3) is None
    assert await db.read(repo.get_dialogue, 4) is not None


async def test_a_question_ended_by_another_is_kept_until_told_or_another_begins(
    db: Database,
) -> None:
    """One per person: the next replaces it, the person's next dialogue clears it, and it
    is told once."""
    moved = repo.EndedDialogue("return_reason", 7, 2, "moved", T0, actor=1003)
    revoked = repo.EndedDialogue("note", 8, 4, "role_revoked", T0, role="kabag")
    await db.write(repo.note_ended_dialogue, 1, moved)
    await db.write(repo.note_ended_dialogue, 1, revoked)
    await db.write(repo.note_ended_dialogue, 2, moved)
    assert await db.write(repo.take_ended_dialogue, 1) == revoked
    assert await db.write(repo.take_ended_dialogue, 1) is None
    await db.write(repo.set_dialogue, 2, "reason", T0, 9, 1)
    assert await db.write(repo.take_ended_dialogue, 2) is None


# -- files -------------------------------------------------------------------------------


def upload(tx: Tx, /, case_id: int, sha: str, **extra: Any) -> int:
    values: dict[str, Any] = {
        "case_id": case_id,
        "doc": "tor",
        "kind": "upload",
        "name": "TOR 2026.pdf",
        "size": 12,
        "sha256": sha,
        "path": f"case-{case_id}/{sha[:4]}-TOR_2026.pdf",
        "uploaded_by": 1,
        "now": T0,
    }
    return repo.add_file(tx, **(values | extra))


async def test_files_are_kept_and_found(db: Database) -> None:
    await store_run(db, run_to(1))
    sha = "ab" * 32

    def add(tx: Tx) -> list[int]:
        first = upload(tx, 1, sha, telegram_file_id="AgAD", mime="application/pdf")
        second = upload(tx, 1, "cd" * 32)
        repo.set_file_telegram_id(tx, second, "BQAD")
        repo.set_file_telegram_id(tx, second, "CQAD")  # the first Telegram id stays
        repo.set_file_doc(tx, second, "rab")
        return [first, second]

    first, second = await db.write(add)
    stored = await db.read(repo.get_file, first)
    assert stored == repo.StoredFile(
        first,
        1,
        "tor",
        "upload",
        "AgAD",
        None,
        "TOR 2026.pdf",
        "application/pdf",
        12,
        sha,
        "case-1/abab-TOR_2026.pdf",
        1,
        T0,
        None,
    )
    other = await db.read(repo.get_file, second)
    assert other is not None and (other.telegram_file_id, other.doc) == ("BQAD", "rab")
    assert await db.read(repo.files_of_case, 1) == [stored, other]
    assert await db.read(repo.files_by_ids, [second, 99, first]) == {first: stored, second: other}
    assert await db.read(repo.files_by_ids, []) == {}
    assert await db.read(repo.find_file, 1, sha) == stored
    assert await db.read(repo.find_file, 1, sha, "paper") is None
    assert await db.read(repo.find_file, 1, "ef" * 32) is None
    assert await db.read(repo.get_file, 99) is None
    with pytest.raises(sqlite3.IntegrityError):
        await db.write(upload, 404, sha)  # no such case


async def test_papers_for_an_event(db: Database) -> None:
    await store_run(db, run_to(1))
    await db.write(store, *renumbered(run_to(1), 2))

    def paper(tx: Tx, case_id: int, doc: str, seq: int | None, kind: str = "paper") -> int:
        return upload(tx, case_id, f"{seq}{doc}".ljust(64, "0"), doc=doc, kind=kind, source_seq=seq)

    def fill(tx: Tx) -> dict[str, int]:
        return {
            "a": paper(tx, 1, "paper:pemeriksaan", 4),
            "nota": paper(tx, 1, "paper:nota", 4),
            "b": paper(tx, 1, "paper:pemeriksaan", 4),
            "later": paper(tx, 1, "paper:pemeriksaan", 5),
            "upload": paper(tx, 1, "paper:pemeriksaan", 4, kind="upload"),
            "other": paper(tx, 2, "paper:pemeriksaan", 4),
            "template": paper(tx, 1, "paper:pemeriksaan", None),
        }

    ids = await db.write(fill)

    async def found(case_id: int, seq: int, docs: list[str]) -> list[int]:
        papers = await db.read(repo.papers_for, case_id, seq, docs)
        assert all(p.kind == "paper" and p.source_seq == seq for p in papers)
        return [p.id for p in papers]

    assert await found(1, 4, ["paper:pemeriksaan"]) == [ids["a"], ids["b"]]
    assert await found(1, 4, ["paper:pemeriksaan", "paper:nota"]) == [
        ids["a"],
        ids["nota"],
        ids["b"],
    ]
    assert await found(1, 5, ["paper:pemeriksaan"]) == [ids["later"]]
    assert await found(2, 4, ["paper:pemeriksaan"]) == [ids["other"]]
    assert await found(1, 4, []) == []
    assert await found(1, 6, ["paper:pemeriksaan"]) == []


# -- backup ----------------------------------------------------------------------------


async def test_backup_of_an_idle_database_has_the_same_rows(db: Database, tmp_path: Path) -> None:
    run = finished()
    await store_run(db, run)

    def more(tx: Tx) -> None:
        repo.enqueue(tx, 1, "notice", T0, case_id=1, params={"teks": "halo"})
        repo.claim_update(tx, 1, T0)

    await db.write(more)
    dest = tmp_path / "backups" / "copy.sqlite3"
    await db.backup(dest)
    copy = await Database.open(dest)
    try:
        for table in ("cases", "events", "outbox", "processed_updates"):
            sql = f"SELECT * FROM {table} ORDER BY rowid"
            assert await rows(copy, sql) == await rows(db, sql), table
        assert await copy.read(repo.load_case, 1) == run.current
        assert await copy.read(version_of) == LATEST
    finally:
        await copy.close()


def store_with_task(tx: Tx, case: Case, log: Sequence[Event]) -> None:
    repo.save_case(tx, case, "kabag", new=True)
    for event in log:
        repo.append_events(tx, case.id, [event])
    repo.enqueue(tx, case.id, "task", T0, case_id=case.id, version=case.version)


async def test_backup_while_writing_is_consistent(db: Database, tmp_path: Path) -> None:
    base = run_to(2)
    events_per_case, cases = len(base.log), 40
    written = 0
    progress = asyncio.Condition()

    async def writer(first: int, count: int) -> None:
        nonlocal written
        for case_id in range(first, first + count):
            await db.write(store_with_task, *renumbered(base, case_id))
            async with progress:
                written += 1
                progress.notify_all()

    backups: list[Path] = []

    async def backer() -> None:
        for i, after in enumerate((1, 5, 12, 20, 28, 35)):
            async with progress:
                await progress.wait_for(lambda: written >= after)  # noqa: B023
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
    assert any(0 < n < cases for n in counts), counts  # copies were taken mid-way
    # a copy taken after the writers finished has every row
    final = tmp_path / "final.sqlite3"
    await db.backup(final)
    copy = await Database.open(final)
    try:
        for table in ("cases", "events", "outbox"):
            sql = f"SELECT * FROM {table} ORDER BY rowid"
            assert await rows(copy, sql) == await rows(db, sql)
        assert await scalar(copy, "SELECT COUNT(*) FROM cases") == cases
    finally:
        await copy.close()


def album_file(message_id: int, album: str = "g1", chat_id: int = 10) -> repo.SentFile:
    """A file of Kasubag's (chat 10) album, as the bot took it from her message."""
    return repo.SentFile(
        chat_id, message_id, album, chat_id, 500 + message_id, f"F{message_id}",
        f"U{message_id}", f"draf {message_id}.pdf", 1000, "application/pdf", "",
        renamed=message_id == 2,
    )  # fmt: skip


def waited(*files: repo.SentFile) -> list[repo.SentFile]:
    """The files as they come back from the album's rows."""
    return [replace(f, waited=True) for f in files]


async def album_rows(db: Database) -> list[tuple[Any, ...]]:
    return await rows(
        db, "SELECT chat_id, message_id, taken_by, resumed FROM album_files ORDER BY 1, 2"
    )


async def test_an_album_keeps_the_case_one_file_named_and_the_files_that_waited(
    db: Database,
) -> None:
    """Kasubag's album: the first two files name no case and wait; the third names case 7,
    which takes the two (in the order sent) and holds for a fourth. Another chat's album is
    its own. A waiting album is listed for the questions after a restart; pruning with the
    update ids forgets the album. The second file was named by its type (a PDF whose name
    said none): it waits so, to be passed on under that name."""
    file = album_file
    assert await db.write(repo.wait_for_album, file(2), T0) is None
    assert await db.write(repo.wait_for_album, file(1), T0 + timedelta(seconds=1)) is None
    assert await db.write(repo.wait_for_album, file(1, "g2", chat_id=11), T0) is None
    assert await db.read(repo.waiting_albums) == [(10, "g1", T0), (11, "g2", T0)]
    assert await db.write(repo.name_album, 10, "g1", 7, T0, "run-1") == waited(file(1), file(2))
    assert await db.write(repo.wait_for_album, file(4), T0) == 7
    assert await db.read(repo.album_case, 10, "g1") == 7
    assert await db.read(repo.waiting_albums) == [(11, "g2", T0)]
    g2 = waited(file(1, "g2", chat_id=11))
    assert await db.write(repo.take_album_files, 11, "g2", "run-1") == g2
    assert await db.write(repo.take_album_files, 11, "g2", "run-1") == []
    await db.write(repo.prune, T0, T0 + timedelta(days=3))
    assert await db.read(repo.album_case, 10, "g1") is None


async def test_files_of_an_album_stay_until_each_is_recorded_and_a_stop_leaves_them_to_the_next_start(
    db: Database,
) -> None:
    """Kasubag's Konsep and TOR wait; her caption on a third file names case 7, and the
    bot's run takes the two: they are no longer waiting (no question is due for them) but
    stay, taken, until each is recorded. The Konsep is recorded; the bot dies while it
    downloads the TOR. The next start takes the TOR up, for case 7. A file of another
    album, taken to be asked about (no case named), is taken up to be asked again. A run
    does not take up its own files, and each start that takes a file up counts."""
    konsep, tor, other = album_file(1), album_file(2), album_file(1, "g2", chat_id=11)
    for item in (konsep, tor, other):
        assert await db.write(repo.wait_for_album, item, T0) is None
    assert await db.write(repo.name_album, 10, "g1", 7, T0, "run-1") == waited(konsep, tor)
    assert await db.write(repo.name_album, 10, "g1", 7, T0, "run-1") == []  # taken once
    assert await db.write(repo.take_album_files, 11, "g2", "run-1") == waited(other)
    assert await db.read(repo.waiting_albums) == []
    await db.write(repo.album_file_done, 10, konsep.message_id)
    assert await album_rows(db) == [(10, 2, "run-1", 0), (11, 1, "run-1", 0)]

    assert await db.write(repo.resume_album_files, "run-1") == []  # its own: in hand
    resumed = await db.write(repo.resume_album_files, "run-2")
    assert resumed == [
        repo.ResumedFile(waited(tor)[0], 7, 1),
        repo.ResumedFile(waited(other)[0], None, 1),
    ]
    assert await db.write(repo.resume_album_files, "run-2") == []
    again = await db.write(repo.resume_album_files, "run-3")
    assert [(r.file.message_id, r.resumed) for r in again] == [(2, 2), (1, 2)]
    assert await db.read(repo.waiting_albums) == []  # never asked about as new
    await db.write(repo.album_file_done, 10, tor.message_id)
    await db.write(repo.album_file_done, 11, other.message_id)
    assert await album_rows(db) == []


async def test_an_update_a_stop_left_is_put_back_at_most_three_times(db: Database) -> None:
    """The inbox keeps an update until it is handled; each start puts back what a stop left,
    in order, and an update three starts could not get handled (one that stops the bot) is
    dropped at the fourth, so it cannot stop the bot at every start."""
    assert await db.write(repo.receive_update, 7, '{"update_id":7}', T0)
    assert await db.write(repo.receive_update, 5, '{"update_id":5}', T0)
    assert not await db.write(repo.receive_update, 7, '{"update_id":7}', T0)  # again: kept once
    for _ in range(3):
        waiting, dropped = await db.write(repo.updates_to_replay, 3)
        assert ([u for u, _ in waiting], dropped) == ([5, 7], [])
    await db.write(repo.forget_updates, [5])  # handled at the third start
    assert await db.write(repo.updates_to_replay, 3) == ([], [7])
    assert await db.write(repo.updates_to_replay, 3) == ([], [])


# -- case format 2: before who handed in the work under review was kept --------------------


def test_a_format_2_proposal_awaiting_step_2_loads_with_its_proposer_kept_out() -> None:
    """Format 2 knew the proposer from the last move: the case loads judged as it was."""
    case = run_to(2).current
    loaded = case_from_json(format2_case_json(case), 2)
    assert loaded == files_at_unknown_steps(case)
    assert loaded.handed_in == ((1, KASUBAG.person_id),)
    assert excluded_reviewers(sop(), loaded) == {KASUBAG.person_id}


def test_a_format_2_case_at_a_step_the_last_move_does_not_hand_in_loads_as_it_was() -> None:
    run = run_to(2)
    run.approve(KABAG)  # an approval: a move inside the chain, not a hand-in
    loaded = case_from_json(format2_case_json(run.current), 2)
    assert loaded.handed_in == ((2, KABAG.person_id),)
    assert excluded_reviewers(sop(), loaded) == excluded_reviewers(sop(), run.current) - {
        KASUBAG.person_id
    }


async def test_an_open_format_2_case_the_karo_returned_gets_its_proposer_back_from_its_events(
    db: Database,
) -> None:
    """Format 2 forgot the proposer once the Karo returned step 3 to step 2. At start the
    open cases stored so are rebuilt from their events: the Kasubag is kept out again, and
    the row is in the current format; a closed case is left as it is."""
    run = run_to(2)
    run.approve(KABAG)
    run.send_back(KARO, "Mohon diselaraskan dengan Renstra.")
    closed = started()
    closed.cancel(ADMIN, "Dibatalkan")
    closed_case, closed_log = renumbered(closed, 2)

    def old_rows(tx: Tx) -> None:
        store(tx, run.current, run.log)
        store(tx, closed_case, closed_log)
        tx.run(
            "UPDATE cases SET state = ?, format = 2 WHERE id = ?",
            (format2_case_json(run.current), 1),
        )
        state = format2_case_json(closed_case)
        tx.run("UPDATE cases SET state = ?, format = 2 WHERE id = 2", (state,))

    await db.write(old_rows)
    before = await db.read(repo.load_case, 1)
    assert before is not None and before.handed_in == ()
    assert excluded_reviewers(sop(), before) == frozenset()  # what format 2 could tell
    assert await recall_hand_ins(db, SopRegistry([sop()])) == 1
    after = await db.read(repo.load_case, 1)
    assert after == run.current
    assert excluded_reviewers(sop(), after) == {KASUBAG.person_id}
    assert await rows(db, "SELECT id, format FROM cases ORDER BY id") == [(1, CASE_FORMAT), (2, 2)]
    assert await recall_hand_ins(db, SopRegistry([sop()])) == 0


def format4_case_json(case: Case) -> str:
    """A case as case JSON format 4 had it: the step each file was attached at not kept."""
    raw = json.loads(case_to_json(case))
    raw["files"] = [a[:6] for a in raw["files"]]
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


async def test_an_open_format_4_case_learns_who_wrote_the_drafts_from_its_events(
    db: Database,
) -> None:
    """Ayu wrote the drafts Budi handed in. Format 4 did not keep where each file was
    attached, so it could not tell that they are hers (only that Budi handed them in). At
    start the open cases stored so are rebuilt from their events: Ayu is kept out of step 7
    too, and the row is in the current format."""
    run = run_to(6)
    for doc in ("draf_program_kerja", "draf_rkakl", "draf_penetapan_kinerja"):
        run.attach(TIM_A, doc)
    run.complete(TIM_B)

    def old_rows(tx: Tx) -> None:
        store(tx, run.current, run.log)
        state = format4_case_json(run.current)
        tx.run("UPDATE cases SET state = ?, format = 4 WHERE id = 1", (state,))

    await db.write(old_rows)
    before = await db.read(repo.load_case, 1)
    assert before == files_at_unknown_steps(run.current)
    assert excluded_reviewers(sop(), before) == {TIM_B.person_id}  # what format 4 could tell
    assert await recall_hand_ins(db, SopRegistry([sop()])) == 1
    after = await db.read(repo.load_case, 1)
    assert after == run.current
    assert excluded_reviewers(sop(), after) == {TIM_A.person_id, TIM_B.person_id}
    assert await rows(db, "SELECT id, format FROM cases ORDER BY id") == [(1, CASE_FORMAT)]
