"""Reminders: an open case's reminder state and due time, and its chase log (reminders,
escalations and snoozes)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.model import Case
from storage.codec import case_from_json, loads, parse_ts, ts
from storage.db import Row, Tx
from storage.repo.queued import REFUSED_UNREACHABLE, _queued_or_refused


@dataclass(frozen=True)
class ReminderRow:
    case: Case
    reminders_sent: int  # the step's: every holder's since the case entered it
    last_reminded_at: datetime | None
    snoozed_until: datetime | None
    # when the step's tasks last passed to another official (None: held since the case
    # entered it), and how many of the step's reminders had gone by then
    handed_over_at: datetime | None = None
    reminders_before_hand_over: int = 0
    # who received the step's tasks from another official while it waited there, each
    # with how many of the step's reminders had gone by then ("*": every holder not named,
    # a hand-over recorded before schema level 20): ``handed_over_to`` of the cases row
    handed_over_to: Mapping[str, int] = field(default_factory=dict)

    def received(self, person: int) -> int:
        """How many of the step's reminders had gone when ``person`` received its task
        from another official (0: theirs since the case entered the step)."""
        counts = self.handed_over_to
        return counts.get(str(person), counts.get("*", 0))


_STATE_COLUMNS = (
    "reminders_sent, last_reminded_at, snoozed_until, handed_over_at, "
    "reminders_before_hand_over, handed_over_to"
)
_REMINDER_COLUMNS = f"state, format, {_STATE_COLUMNS}"


def _counts(value: str | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in json.loads(value).items()} if value else {}


def _reminder_row(r: Row) -> ReminderRow:
    return _with_state(case_from_json(r[0], r[1]), r, 2)


def _with_state(case: Case, r: Row, first: int = 0) -> ReminderRow:
    """``case`` with its reminder columns (:data:`_STATE_COLUMNS`, in that order, from
    column ``first`` of ``r``)."""
    sent, last, snoozed, handed, before, to = (r[first + i] for i in range(6))
    return ReminderRow(
        case,
        sent,
        parse_ts(last) if last else None,
        parse_ts(snoozed) if snoozed else None,
        parse_ts(handed) if handed else None,
        before,
        _counts(to),
    )


def reminder_row(tx: Tx, case_id: int, version: int | None = None) -> ReminderRow | None:
    """An open case with its reminder state (at ``version``, when given)."""
    sql = f"SELECT {_REMINDER_COLUMNS} FROM cases WHERE id = ? AND status = 'open'"
    if version is None:
        row = tx.one(sql, (case_id,))
    else:
        row = tx.one(f"{sql} AND version = ?", (case_id, version))
    return None if row is None else _reminder_row(row)


def reminder_state(tx: Tx, case: Case) -> ReminderRow:
    """The reminder state of a case the caller holds already (read in its transaction):
    the row's reminder columns only, the case's state not decoded again."""
    r = tx.one(f"SELECT {_STATE_COLUMNS} FROM cases WHERE id = ?", (case.id,))
    return ReminderRow(case, 0, None, None) if r is None else _with_state(case, r)


def hand_over(tx: Tx, case_id: int, at: datetime, person: int) -> None:
    """The task of the case's step passes to ``person`` at ``at`` while it waits there
    (``bot.services.effects.hand_task``): their reminders start afresh from then, numbered
    from 1 for them alone (a team member who stays counts on: :meth:`ReminderRow.received`),
    the step's count of reminders going on (:class:`ReminderRow`), but no later than one
    interval after the step's own next reminder (:func:`bot.reminder_policy.next_due_at`:
    only the last hand-over's moment is kept, so those closer together than an interval
    put a late step's reminder off no further). The stored due time is left: the new one
    is never earlier, and the sweep moves it on when it comes."""
    row = tx.one(
        "SELECT reminders_sent, handed_over_to FROM cases WHERE id = ? AND status = 'open'",
        (case_id,),
    )
    if row is None:
        return
    counts = _counts(row[1])
    counts[str(person)] = int(row[0])
    tx.run(
        "UPDATE cases SET handed_over_at = ?, reminders_before_hand_over = reminders_sent, "
        "handed_over_to = ? WHERE id = ?",
        (ts(at), json.dumps(counts, separators=(",", ":")), case_id),
    )


def set_reminder_state(
    tx: Tx,
    case_id: int,
    *,
    next_due_at: datetime | None,
    reminders_sent: int | None = None,
    last_reminded_at: datetime | None = None,
    snoozed_until: datetime | None = None,
    handed_over_at: datetime | None = None,
) -> None:
    """Set the next due time; the other fields only where given."""
    tx.run(
        "UPDATE cases SET next_due_at = ?, reminders_sent = COALESCE(?, reminders_sent), "
        "last_reminded_at = COALESCE(?, last_reminded_at), "
        "snoozed_until = COALESCE(?, snoozed_until), "
        "handed_over_at = COALESCE(?, handed_over_at) WHERE id = ?",
        (
            ts(next_due_at) if next_due_at else None,
            reminders_sent,
            ts(last_reminded_at) if last_reminded_at else None,
            ts(snoozed_until) if snoozed_until else None,
            ts(handed_over_at) if handed_over_at else None,
            case_id,
        ),
    )


def due_case_ids(tx: Tx, now: datetime, limit: int) -> list[int]:
    rows = tx.all(
        "SELECT id FROM cases WHERE status = 'open' AND next_due_at <= ? "
        "ORDER BY next_due_at LIMIT ?",
        (ts(now), limit),
    )
    return [r[0] for r in rows]


def next_due_after(tx: Tx, at: datetime) -> datetime | None:
    """The earliest stored due time of an open case's reminder later than ``at`` (None:
    none)."""
    value = tx.value(
        "SELECT MIN(next_due_at) FROM cases WHERE status = 'open' AND next_due_at > ?",
        (ts(at),),
    )
    return parse_ts(value) if value else None


def open_reminder_rows(tx: Tx) -> list[tuple[ReminderRow, datetime | None]]:
    """Every open case with its reminder state and its stored due time (None: none)."""
    rows = tx.all(
        f"SELECT {_REMINDER_COLUMNS}, next_due_at FROM cases WHERE status = 'open' ORDER BY id"
    )
    return [(_reminder_row(r), parse_ts(r[8]) if r[8] else None) for r in rows]


# -- the chase log: reminders, escalations and snoozes, kept as long as the case ---------


@dataclass(frozen=True)
class Chase:
    """One reminder or escalation delivered, or one /tunda applied, at a case's step."""

    kind: str  # "reminder" | "escalation" | "snooze"
    step: int
    at: datetime
    person_id: int  # who was reminded or told (escalation); who postponed (snooze)
    role: str  # the role they were chased as; the role they held the step in (snooze)
    number: int | None = None  # the reminder's number at the step (reminder, escalation)
    # no reminder before this: to who postponed (snooze); to who was reminded, of the step
    # again (reminder: a repeat interval after the sweep queued it; None before it was kept)
    until: datetime | None = None


def log_chases(tx: Tx, case_id: int, chases: Sequence[Chase]) -> None:
    """Append to the case's chase log (append-only; the outbox's retention leaves it)."""
    rows = [
        (
            case_id,
            c.step,
            ts(c.at),
            c.kind,
            c.person_id,
            c.role,
            c.number,
            ts(c.until) if c.until else None,
        )
        for c in chases
    ]
    if rows:
        tx.many(
            "INSERT INTO chases (case_id, step, at, kind, person_id, role, number, until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def chases_of_case(tx: Tx, case_id: int) -> list[Chase]:
    """The case's chase log, in the order written."""
    rows = tx.all(
        "SELECT kind, step, at, person_id, role, number, until FROM chases WHERE case_id = ? "
        "ORDER BY id",
        (case_id,),
    )
    return [
        Chase(r[0], r[1], parse_ts(r[2]), r[3], r[4], r[5], parse_ts(r[6]) if r[6] else None)
        for r in rows
    ]


def told_of_reminder(tx: Tx, case_id: int, step: int, number: int, since: datetime) -> set[int]:
    """Who the case's chase log shows was reminded or told (escalation) of its reminder
    ``number`` at ``step`` since ``since`` (when the case entered the step: an earlier stay
    at the same step had reminders of its own numbers). Only their ids, read by the index
    of the case's rows; ``at`` is compared as the UTC text :func:`ts` stores."""
    rows = tx.all(
        "SELECT DISTINCT person_id FROM chases WHERE case_id = ? AND step = ? AND number = ? "
        "AND kind <> 'snooze' AND at >= ?",
        (case_id, step, number, ts(since)),
    )
    return {r[0] for r in rows}


def had_reminder(
    tx: Tx, case_id: int, step: int, number: int, since: datetime, people: Collection[int]
) -> set[int]:
    """Of ``people``, who had the case's reminder ``number`` at ``step`` since ``since``
    (when the case entered it): delivered (the chase log), or still on its way to them
    (an outbox row queued, or refused while they cannot be written to). A digest still on
    its way is not read: a reminder queued about the case in its place takes the case out
    of it (``supersede_digests``)."""
    wanted = set(people)
    if not wanted:
        return set()
    rows = tx.all(
        "SELECT DISTINCT person_id FROM chases WHERE case_id = ? AND step = ? AND number = ? "
        "AND kind = 'reminder' AND at >= ?",
        (case_id, step, number, ts(since)),
    )
    had = {r[0] for r in rows} & wanted
    for person in wanted - had:
        queued = tx.all(
            _queued_or_refused("params", "chat_id = ? AND case_id = ? AND kind = 'task'"),
            (person, case_id, person, case_id, *REFUSED_UNREACHABLE),
        )
        for (params,) in queued:
            p = loads(params)
            if "reminder" in p and (p.get("step"), p.get("n", p["reminder"])) == (step, number):
                had.add(person)
                break
    return had


def reminded_until(
    tx: Tx, case_id: int, step: int, since: datetime, people: Collection[int]
) -> dict[int, datetime]:
    """Of ``people``, until when each is not to be reminded of the case at ``step`` again,
    by the reminders of it he was sent since ``since`` (when the case entered it): the
    latest ``until`` of them the chase log keeps, a repeat interval after the sweep queued
    each (not after Telegram delivered it: a reminder that arrived late in an outage moves
    none later). One not sent any, or only reminders logged before the chase log kept
    it, is left out. Read by the index of the case's rows; the ``until``
    are compared as the UTC text :func:`ts` stores."""
    wanted = sorted(set(people))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = tx.all(
        "SELECT person_id, MAX(until) FROM chases WHERE case_id = ? AND step = ? "
        "AND kind = 'reminder' AND until IS NOT NULL AND at >= ? "
        f"AND person_id IN ({marks}) GROUP BY person_id",
        (case_id, step, ts(since), *wanted),
    )
    return {r[0]: parse_ts(r[1]) for r in rows}


def snoozes_at_step(tx: Tx, case_id: int, step: int, since: datetime) -> dict[int, datetime]:
    """Who postponed the reminders of the case's ``step`` (/tunda) since ``since`` (when
    the case entered it: an earlier stay at the same step had snoozes of its own), each
    with the latest end they asked: what a team member's /tunda keeps of his own reminders
    (``bot.services.reminders``), read from the chase log, no column of its own."""
    rows = tx.all(
        "SELECT person_id, until FROM chases WHERE case_id = ? AND step = ? "
        "AND kind = 'snooze' AND at >= ?",
        (case_id, step, ts(since)),
    )
    asked: dict[int, datetime] = {}
    for person, until in rows:
        if until:
            end = parse_ts(until)
            asked[person] = max(end, asked.get(person, end))
    return asked
