"""Shared checks of the reliability tests: what the outbox delivered, and whether a case's
event log is whole.

Everything here reads the SQLite file with a plain ``sqlite3`` connection of its own (WAL
lets it read beside the bot's writer), so the same checks serve a bot running in the test's
event loop and a bot running in another process. What Telegram received is read from the
emulator's call log (``emu.calls``): a call that answered 200 took effect, also when the
answer was then lost (a dropped connection, or a hang the client gave up on).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.definition import SopDefinition
from bot.core.model import Case, Event, EventType
from bot.core.workflow import replay
from emulator.server import ApiCall
from storage.codec import case_from_json, event_from_row

PTB_READ_TIMEOUT = 5.0
"""python-telegram-bot's default read timeout: a hang this long loses the answer."""

SENDING = {"message": "sendMessage", "task": "sendMessage", "document": "sendDocument"}


def connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def query(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    conn = connect(db_path)
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


# -- the case and its log -----------------------------------------------------------------


def load_case(db_path: Path, case_id: int) -> Case | None:
    rows = query(db_path, "SELECT state FROM cases WHERE id = ?", (case_id,))
    return case_from_json(rows[0]["state"]) if rows else None


def load_events(db_path: Path, case_id: int) -> list[Event]:
    rows = query(db_path, "SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
    return [event_from_row(r) for r in rows]


def event_count(db_path: Path, case_id: int) -> int:
    return int(query(db_path, "SELECT COUNT(*) FROM events WHERE case_id = ?", (case_id,))[0][0])


def log_problems(definition: SopDefinition, case: Case, events: Sequence[Event]) -> list[str]:
    """Why the event log is not a whole, valid history of ``case`` (empty if it is)."""
    problems: list[str] = []
    if not events or events[0].type is not EventType.STARTED:
        return ["the log does not begin with 'started'"]
    try:
        replayed = replay(definition, events)
    except ValueError as exc:
        return [f"the log does not replay: {exc}"]
    if replayed != case:
        problems.append(f"replay differs from the stored case: {replayed} != {case}")
    step = definition.first_step.id
    from_steps: list[int] = []
    moves = 0
    for i, event in enumerate(events):
        if event.step != step:
            problems.append(
                f"event {i + 1} ({event.type.value}) at step {event.step}, case at {step}"
            )
        if not event.is_move:
            continue
        moves += 1
        current = definition.step(step)
        allowed: set[int | None] = set()
        if event.type in (EventType.COMPLETED, EventType.APPROVED):
            allowed = {current.on_approve}
        elif event.type is EventType.RETURNED:
            allowed = {current.on_return}
        elif event.type is EventType.WITHDRAWN:
            allowed = {from_steps[-1]} if from_steps else set()
        elif event.type in (EventType.ARCHIVED, EventType.CANCELLED):
            allowed = {None, step}
        if event.to_step not in allowed:
            problems.append(
                f"event {i + 1}: {event.type.value} from step {step} to {event.to_step} "
                f"is not a move of the SOP (allowed {sorted(map(str, allowed))})"
            )
        from_steps.append(step)
        if event.to_step is not None:
            step = event.to_step
    if case.version != 1 + moves:
        problems.append(f"version {case.version} but {moves} moves in the log")
    return problems


# -- the outbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    sent: bool
    failed: bool
    message_id: int | None
    last_error: str | None

    @property
    def key(self) -> tuple[str, int, str] | None:
        """What Telegram receives for this row: (method, chat, text or caption)."""
        method = SENDING.get(self.kind)
        if method is None:
            return None
        body = self.payload.get("text") if method == "sendMessage" else self.payload.get("caption")
        return method, self.chat_id, str(body or "")


def outbox_rows(db_path: Path) -> list[OutboxRow]:
    return [
        OutboxRow(
            r["id"],
            r["chat_id"],
            r["kind"],
            json.loads(r["payload"]),
            r["attempts"],
            r["sent_at"] is not None,
            r["failed_at"] is not None,
            r["message_id"],
            r["last_error"],
        )
        for r in query(db_path, "SELECT * FROM outbox ORDER BY id")
    ]


def call_key(call: ApiCall) -> tuple[str, int, str] | None:
    if call.method not in ("sendMessage", "sendDocument"):
        return None
    params = call.params
    try:
        chat = int(params.get("chat_id"))
    except (TypeError, ValueError):
        return None
    body = params.get("text") if call.method == "sendMessage" else params.get("caption")
    return call.method, chat, str(body or "")


def answer_lost(call: ApiCall, read_timeout: float = PTB_READ_TIMEOUT) -> bool:
    """The call took effect but its sender never got the answer (so it will send again)."""
    if not call.ok:
        return False
    if call.fault == "drop":
        return True
    return call.fault == "hang" and call.finished - call.started >= read_timeout - 0.3


@dataclass
class Delivery:
    """What happened to the outbox rows in Telegram (see :func:`delivery`)."""

    rows: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    pending: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped_stale: list[int] = field(default_factory=list)  # tasks of a step gone by, not sent
    missing: list[int] = field(default_factory=list)  # marked sent, but not in the chat
    duplicated: dict[tuple[str, int, str], int] = field(default_factory=dict)  # extra copies
    lost_answers: dict[tuple[str, int, str], int] = field(default_factory=dict)
    # copies beyond the lost answers the emulator saw as faults: in the crash test, answers
    # lost because the bot was killed while Telegram answered
    unexplained: dict[tuple[str, int, str], int] = field(default_factory=dict)
    out_of_order: list[str] = field(default_factory=list)

    @property
    def extra_copies(self) -> int:
        return sum(self.duplicated.values())

    def summary(self) -> str:
        return (
            f"{self.rows} rows {dict(self.by_kind)}; pending {len(self.pending)}, failed "
            f"{len(self.failed)}, stale tasks skipped {len(self.skipped_stale)}, missing "
            f"{len(self.missing)}, extra copies {self.extra_copies} (after a dropped or timed-out "
            f"answer {sum(self.lost_answers.values())}, otherwise {sum(self.unexplained.values())}), "
            f"order violations {len(self.out_of_order)}"
        )


def delivery(rows: Iterable[OutboxRow], calls: Iterable[ApiCall], chats: Any) -> Delivery:
    """Match outbox rows with the calls Telegram executed and the messages in the chats.

    ``chats`` maps a chat id to ``{message_id: record}`` (the emulator's chat messages).
    A row is delivered if the message it recorded is in its chat; it is duplicated if more
    calls with its text took effect than there are rows with that text; a duplicate is
    explained by a lost answer (the row was sent again because Telegram's answer never
    came). Per chat, rows must appear in the order they were written.
    """
    report = Delivery()
    rows = list(rows)
    wanted: Counter[tuple[str, int, str]] = Counter()
    by_key: dict[tuple[str, int, str], list[int]] = defaultdict(list)
    for row in rows:
        report.rows += 1
        report.by_kind[row.kind] += 1
        if not row.sent and not row.failed:
            report.pending.append(row.id)
        if row.failed:
            report.failed.append(row.id)
        if row.key is None or not row.sent:
            continue
        if row.message_id is None:
            if row.kind == "task":
                report.skipped_stale.append(row.id)
            else:
                report.missing.append(row.id)
            continue
        messages = chats.get(row.chat_id, {})
        if row.message_id not in messages:
            report.missing.append(row.id)
        wanted[row.key] += 1
        by_key[row.key].append(row.id)
    executed: Counter[tuple[str, int, str]] = Counter()
    lost: Counter[tuple[str, int, str]] = Counter()
    for call in calls:
        key = call_key(call)
        if key is None or key not in wanted or not call.ok:
            continue
        executed[key] += 1
        if answer_lost(call):
            lost[key] += 1
    for key, count in wanted.items():
        extra = executed[key] - count
        if extra > 0:
            report.duplicated[key] = extra
            if lost[key]:
                report.lost_answers[key] = lost[key]
            if extra > lost[key]:
                report.unexplained[key] = extra - lost[key]
        elif extra < 0:  # fewer calls took effect than rows say were sent
            report.missing += [i for i in by_key[key] if i not in report.missing]
    per_chat: dict[int, list[OutboxRow]] = defaultdict(list)
    for row in rows:
        if row.key is not None and row.message_id is not None:
            per_chat[row.chat_id].append(row)
    for chat, chat_rows in per_chat.items():
        for before, after in itertools.pairwise(chat_rows):
            assert before.message_id is not None and after.message_id is not None
            if after.message_id < before.message_id:
                report.out_of_order.append(
                    f"chat {chat}: row {after.id} shown as #{after.message_id}, before row "
                    f"{before.id} (#{before.message_id})"
                )
    return report


def emulator_chats(emu: Any) -> dict[int, dict[int, Any]]:
    return {chat_id: dict(chat.messages) for chat_id, chat in emu.state.chats.items()}


def fault_counts(calls: Iterable[ApiCall]) -> Counter[str]:
    """Injected faults Telegram answered with, by type ("status 500", "hang", "outage"...)."""
    counts: Counter[str] = Counter()
    for call in calls:
        if call.fault:
            counts[f"{call.fault} ({call.method})"] += 1
    return counts
