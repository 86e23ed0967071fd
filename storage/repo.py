"""Data access: small functions over an aiosqlite connection (a transaction or the reader)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.core.model import Case, Event
from storage.codec import case_from_json, case_to_json, event_from_row, event_row, parse_ts, ts

Conn = aiosqlite.Connection


@dataclass(frozen=True)
class Person:
    telegram_id: int
    name: str
    nip: str
    position: str
    username: str | None
    started_bot: bool

    @property
    def display(self) -> str:
        return self.name or (f"@{self.username}" if self.username else f"ID {self.telegram_id}")


@dataclass(frozen=True)
class RoleAssignment:
    id: int
    person_id: int
    role: str
    unit: str
    granted_at: datetime
    granted_by: int | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class StoredFile:
    id: int
    case_id: int
    doc: str
    kind: str  # "upload" | "paper"
    telegram_file_id: str | None
    telegram_unique_id: str | None
    name: str
    mime: str
    size: int
    sha256: str
    path: str
    uploaded_by: int
    uploaded_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    case_id: int | None
    attempts: int


@dataclass(frozen=True)
class Dialogue:
    person_id: int
    kind: str
    case_id: int | None
    version: int | None
    data: dict[str, Any]
    created_at: datetime


# Each read runs to completion in one hop to aiosqlite's thread. A cursor left open across
# awaits would keep its read transaction (and so an old snapshot) alive for every other
# statement on the same connection; it also costs two more thread hops per query.


async def _one(conn: Conn, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
    """The first row of a query that yields at most a few rows (by key, or an aggregate)."""
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def _all(conn: Conn, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params))


# -- people and roles --------------------------------------------------------------------


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        row["telegram_id"],
        row["name"],
        row["nip"],
        row["position"],
        row["username"],
        bool(row["started_bot"]),
    )


async def get_person(conn: Conn, telegram_id: int) -> Person | None:
    row = await _one(conn, "SELECT * FROM people WHERE telegram_id = ?", (telegram_id,))
    return _person(row) if row else None


async def people_by_ids(conn: Conn, ids: Iterable[int]) -> dict[int, Person]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await _all(conn, f"SELECT * FROM people WHERE telegram_id IN ({marks})", ids)
    return {r["telegram_id"]: _person(r) for r in rows}


async def ensure_person(
    conn: Conn, telegram_id: int, now: datetime, username: str | None = None
) -> Person:
    await conn.execute(
        "INSERT INTO people (telegram_id, username, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (telegram_id) DO UPDATE SET username = COALESCE(excluded.username, username)",
        (telegram_id, username, ts(now)),
    )
    person = await get_person(conn, telegram_id)
    assert person is not None
    return person


async def update_profile(
    conn: Conn,
    telegram_id: int,
    *,
    name: str | None = None,
    nip: str | None = None,
    position: str | None = None,
) -> None:
    fields = {"name": name, "nip": nip, "position": position}
    for column, value in fields.items():
        if value is not None:
            await conn.execute(
                f"UPDATE people SET {column} = ? WHERE telegram_id = ?", (value, telegram_id)
            )


async def mark_started(conn: Conn, telegram_id: int) -> None:
    await conn.execute("UPDATE people SET started_bot = 1 WHERE telegram_id = ?", (telegram_id,))


@dataclass(frozen=True)
class GateFacts:
    """What the authorization gate needs to know about an update, read in one query."""

    seen: bool  # the update was applied already (a redelivery)
    known: bool  # the person has a row
    started: bool  # and has pressed Start
    roles: frozenset[str]


async def gate_facts(conn: Conn, update_id: int, person_id: int, unit: str) -> GateFacts:
    row = await _one(
        conn,
        "SELECT EXISTS(SELECT 1 FROM processed_updates WHERE update_id = ?), "
        "(SELECT started_bot FROM people WHERE telegram_id = ?), "
        "(SELECT group_concat(role, char(31)) FROM role_assignments "
        " WHERE person_id = ? AND unit = ? AND revoked_at IS NULL)",
        (update_id, person_id, person_id, unit),
    )
    assert row is not None
    return GateFacts(
        seen=bool(row[0]),
        known=row[1] is not None,
        started=bool(row[1]),
        roles=frozenset(row[2].split("\x1f")) if row[2] else frozenset(),
    )


async def active_roles(conn: Conn, person_id: int, unit: str) -> frozenset[str]:
    rows = await _all(
        conn,
        "SELECT role FROM role_assignments WHERE person_id = ? AND unit = ? AND revoked_at IS NULL",
        (person_id, unit),
    )
    return frozenset(r["role"] for r in rows)


async def holders(conn: Conn, unit: str, role: str) -> list[Person]:
    rows = await _all(
        conn,
        "SELECT p.* FROM role_assignments a JOIN people p ON p.telegram_id = a.person_id "
        "WHERE a.unit = ? AND a.role = ? AND a.revoked_at IS NULL ORDER BY a.granted_at, p.telegram_id",
        (unit, role),
    )
    return [_person(r) for r in rows]


async def grant_role(
    conn: Conn, person_id: int, role: str, unit: str, now: datetime, by: int | None
) -> bool:
    """Bind a role; False if the person holds it already."""
    cur = await conn.execute(
        "INSERT INTO role_assignments (person_id, role, unit, granted_at, granted_by) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (person_id, role, unit, ts(now), by),
    )
    return cur.rowcount > 0


async def revoke_role(
    conn: Conn, person_id: int, role: str, unit: str, now: datetime, by: int | None
) -> bool:
    cur = await conn.execute(
        "UPDATE role_assignments SET revoked_at = ?, revoked_by = ? "
        "WHERE person_id = ? AND role = ? AND unit = ? AND revoked_at IS NULL",
        (ts(now), by, person_id, role, unit),
    )
    return cur.rowcount > 0


async def role_history(conn: Conn, unit: str) -> list[RoleAssignment]:
    rows = await _all(
        conn, "SELECT * FROM role_assignments WHERE unit = ? ORDER BY granted_at, id", (unit,)
    )
    return [
        RoleAssignment(
            r["id"],
            r["person_id"],
            r["role"],
            r["unit"],
            parse_ts(r["granted_at"]),
            r["granted_by"],
            parse_ts(r["revoked_at"]) if r["revoked_at"] else None,
        )
        for r in rows
    ]


# -- invites -----------------------------------------------------------------------------


async def create_invite(
    conn: Conn, token: str, role: str, unit: str, by: int, now: datetime, expires: datetime
) -> None:
    await conn.execute(
        "INSERT INTO invites (token, role, unit, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (token, role, unit, by, ts(now), ts(expires)),
    )


async def take_invite(
    conn: Conn, token: str, person_id: int, now: datetime
) -> tuple[str, str] | None:
    """Use an invite once: (role, unit), or None if unknown, used or expired."""
    row = await _one(conn, "SELECT * FROM invites WHERE token = ?", (token,))
    if row is None or row["used_by"] is not None or parse_ts(row["expires_at"]) <= now:
        return None
    await conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ?", (person_id, ts(now), token)
    )
    return row["role"], row["unit"]


# -- cases and events --------------------------------------------------------------------


async def next_case_id(conn: Conn) -> int:
    row = await _one(conn, "SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
    assert row is not None
    return int(row[0])


async def load_case(conn: Conn, case_id: int) -> Case | None:
    row = await _one(conn, "SELECT state FROM cases WHERE id = ?", (case_id,))
    return case_from_json(row["state"]) if row else None


async def save_case(
    conn: Conn,
    case: Case,
    holder_role: str,
    new: bool,
    reminders_from: str | bool | None = False,
) -> None:
    """Insert or update a case's row. ``reminders_from`` (the step's first reminder time,
    or None for none) also starts its reminders afresh; False leaves them as they are."""
    values = (
        case.sop_code,
        case.unit,
        case.title,
        case.fiscal_year,
        case.status.value,
        case.step,
        case.version,
        holder_role,
        ts(case.opened_at),
        ts(case.step_entered_at),
        ts(case.closed_at) if case.closed_at else None,
        case_to_json(case),
    )
    if new:
        await conn.execute(
            "INSERT INTO cases (sop_code, unit, title, fiscal_year, status, step, version, "
            "holder_role, opened_at, step_entered_at, closed_at, state, next_due_at, id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, reminders_from or None, case.id),
        )
    elif reminders_from is False:
        await conn.execute(
            "UPDATE cases SET sop_code = ?, unit = ?, title = ?, fiscal_year = ?, status = ?, "
            "step = ?, version = ?, holder_role = ?, opened_at = ?, step_entered_at = ?, "
            "closed_at = ?, state = ? WHERE id = ?",
            (*values, case.id),
        )
    else:
        await conn.execute(
            "UPDATE cases SET sop_code = ?, unit = ?, title = ?, fiscal_year = ?, status = ?, "
            "step = ?, version = ?, holder_role = ?, opened_at = ?, step_entered_at = ?, "
            "closed_at = ?, state = ?, reminders_sent = 0, last_reminded_at = NULL, "
            "snoozed_until = NULL, next_due_at = ? WHERE id = ?",
            (*values, reminders_from, case.id),
        )


async def append_events(conn: Conn, case_id: int, events: Sequence[Event]) -> int:
    """Append to the case's log; returns the sequence number of the first one."""
    row = await _one(conn, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE case_id = ?", (case_id,))
    first = int(row[0]) + 1 if row else 1
    await conn.executemany(
        "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, note, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [event_row(e, first + i) for i, e in enumerate(events)],
    )
    return first


async def load_events(conn: Conn, case_id: int) -> list[Event]:
    rows = await _all(conn, "SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
    return [event_from_row(r) for r in rows]


async def event_at(conn: Conn, case_id: int, seq: int) -> Event | None:
    row = await _one(conn, "SELECT * FROM events WHERE case_id = ? AND seq = ?", (case_id, seq))
    return event_from_row(row) if row else None


async def open_cases_for_roles(
    conn: Conn, unit: str, roles: Iterable[str], limit: int = 50
) -> list[Case]:
    roles = list(roles)
    if not roles:
        return []
    marks = ",".join("?" * len(roles))
    rows = await _all(
        conn,
        f"SELECT state FROM cases WHERE status = 'open' AND unit = ? AND holder_role IN ({marks}) "
        "ORDER BY step_entered_at LIMIT ?",
        (unit, *roles, limit),
    )
    return [case_from_json(r["state"]) for r in rows]


async def recent_cases(conn: Conn, unit: str, limit: int = 20) -> list[Case]:
    rows = await _all(
        conn,
        "SELECT state FROM cases WHERE unit = ? ORDER BY status = 'open' DESC, id DESC LIMIT ?",
        (unit, limit),
    )
    return [case_from_json(r["state"]) for r in rows]


# -- files -------------------------------------------------------------------------------


def _file(row: aiosqlite.Row) -> StoredFile:
    return StoredFile(
        row["id"],
        row["case_id"],
        row["doc"],
        row["kind"],
        row["telegram_file_id"],
        row["telegram_unique_id"],
        row["name"],
        row["mime"],
        row["size"],
        row["sha256"],
        row["path"],
        row["uploaded_by"],
        parse_ts(row["uploaded_at"]),
    )


async def add_file(
    conn: Conn,
    *,
    case_id: int,
    doc: str,
    kind: str,
    name: str,
    size: int,
    sha256: str,
    path: str,
    uploaded_by: int,
    now: datetime,
    telegram_file_id: str | None = None,
    telegram_unique_id: str | None = None,
    mime: str = "",
) -> int:
    cur = await conn.execute(
        "INSERT INTO files (case_id, doc, kind, telegram_file_id, telegram_unique_id, name, mime, "
        "size, sha256, path, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            case_id,
            doc,
            kind,
            telegram_file_id,
            telegram_unique_id,
            name,
            mime,
            size,
            sha256,
            path,
            uploaded_by,
            ts(now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def get_file(conn: Conn, file_id: int) -> StoredFile | None:
    row = await _one(conn, "SELECT * FROM files WHERE id = ?", (file_id,))
    return _file(row) if row else None


async def files_of_case(conn: Conn, case_id: int) -> list[StoredFile]:
    rows = await _all(conn, "SELECT * FROM files WHERE case_id = ? ORDER BY id", (case_id,))
    return [_file(r) for r in rows]


async def set_file_telegram_id(conn: Conn, file_id: int, telegram_file_id: str) -> None:
    await conn.execute(
        "UPDATE files SET telegram_file_id = ? WHERE id = ?", (telegram_file_id, file_id)
    )


# -- outbox ------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    """A scheduling time, compared as text in SQL: one offset (UTC) keeps text order = time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat()


async def enqueue(
    conn: Conn,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: int | None = None,
    not_before: datetime | None = None,
) -> int:
    cur = await conn.execute(
        "INSERT INTO outbox (chat_id, kind, payload, case_id, created_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            chat_id,
            kind,
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            case_id,
            ts(now),
            _utc(not_before or now),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def due_outbox(conn: Conn, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Rows due now, oldest first; never a message behind an earlier one of its chat that is
    waiting for a retry (it would overtake it: per-chat order). Papers (chat 0) are
    rendering jobs, not messages: one waiting does not hold up the others."""
    rows = await _all(
        conn,
        "SELECT * FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
        "ORDER BY id LIMIT ?",
        (_utc(now), limit),
    )
    waiting = {
        r[0]: r[1]
        for r in await _all(
            conn,
            "SELECT chat_id, MIN(id) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
            "AND next_attempt_at > ? GROUP BY chat_id",
            (_utc(now),),
        )
    }
    return [
        OutboxItem(
            r["id"], r["chat_id"], r["kind"], json.loads(r["payload"]), r["case_id"], r["attempts"]
        )
        for r in rows
        if r["kind"] == "paper" or r["id"] < waiting.get(r["chat_id"], r["id"] + 1)
    ]


async def next_outbox_time(conn: Conn) -> datetime | None:
    row = await _one(
        conn,
        "SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    return parse_ts(row[0]) if row and row[0] else None


async def mark_sent(conn: Conn, item_id: int, now: datetime, message_id: int | None) -> None:
    await conn.execute(
        "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
        (ts(now), message_id, item_id),
    )


async def mark_retry(conn: Conn, item_id: int, when: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
        (_utc(when), error[:500], item_id),
    )


async def mark_failed(conn: Conn, item_id: int, now: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?",
        (ts(now), error[:500], item_id),
    )


async def outbox_counts(conn: Conn) -> dict[str, int]:
    row = await _one(
        conn,
        "SELECT SUM(sent_at IS NOT NULL), SUM(failed_at IS NOT NULL), "
        "SUM(sent_at IS NULL AND failed_at IS NULL) FROM outbox",
    )
    assert row is not None
    return {"sent": row[0] or 0, "failed": row[1] or 0, "pending": row[2] or 0}


# -- messages that carry a step's buttons ------------------------------------------------


async def record_task_message(
    conn: Conn, chat_id: int, message_id: int, case_id: int, version: int
) -> None:
    await conn.execute(
        "INSERT OR REPLACE INTO task_messages (chat_id, message_id, case_id, version) "
        "VALUES (?, ?, ?, ?)",
        (chat_id, message_id, case_id, version),
    )


async def take_task_messages(conn: Conn, case_id: int, version: int) -> list[tuple[int, int]]:
    """Messages whose buttons belong to ``version`` or earlier; forgotten once returned."""
    rows = await _all(
        conn,
        "DELETE FROM task_messages WHERE case_id = ? AND version <= ? "
        "RETURNING chat_id, message_id",
        (case_id, version),
    )
    return sorted((r["chat_id"], r["message_id"]) for r in rows)


async def forget_task_message(conn: Conn, chat_id: int, message_id: int) -> None:
    await conn.execute(
        "DELETE FROM task_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
    )


# -- pending dialogues -------------------------------------------------------------------


async def set_dialogue(
    conn: Conn,
    person_id: int,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    version: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT OR REPLACE INTO dialogues (person_id, kind, case_id, version, data, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (person_id, kind, case_id, version, json.dumps(data or {}, ensure_ascii=False), ts(now)),
    )


async def get_dialogue(conn: Conn, person_id: int) -> Dialogue | None:
    row = await _one(conn, "SELECT * FROM dialogues WHERE person_id = ?", (person_id,))
    if row is None:
        return None
    return Dialogue(
        row["person_id"],
        row["kind"],
        row["case_id"],
        row["version"],
        json.loads(row["data"]),
        parse_ts(row["created_at"]),
    )


async def clear_dialogue(conn: Conn, person_id: int) -> None:
    await conn.execute("DELETE FROM dialogues WHERE person_id = ?", (person_id,))


# -- updates already applied -------------------------------------------------------------


async def claim_update(conn: Conn, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen; False for a redelivery."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO processed_updates (update_id, at) VALUES (?, ?)",
        (update_id, ts(now)),
    )
    return cur.rowcount > 0


async def update_seen(conn: Conn, update_id: int) -> bool:
    row = await _one(conn, "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,))
    return row is not None


async def find_file(
    conn: Conn, case_id: int, sha256: str, kind: str = "upload"
) -> StoredFile | None:
    row = await _one(
        conn,
        "SELECT * FROM files WHERE case_id = ? AND sha256 = ? AND kind = ? ORDER BY id LIMIT 1",
        (case_id, sha256, kind),
    )
    return _file(row) if row else None


async def set_file_doc(conn: Conn, file_id: int, doc: str) -> None:
    await conn.execute("UPDATE files SET doc = ? WHERE id = ?", (doc, file_id))
