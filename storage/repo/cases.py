"""Cases and their event logs: the SOP revisions they run, the archive numbers they are
filed under, the listings of open and recent cases, and what a report reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.model import Case, Event, EventType
from bot.core.workflow import archive_number_key
from storage.codec import (
    CASE_FORMAT,
    case_from_json,
    case_to_json,
    event_from_row,
    event_row,
    parse_ts,
    ts,
)
from storage.db import Tx
from storage.repo.people import Person, person_from_row

# -- SOP revisions -----------------------------------------------------------------------


def save_revision(tx: Tx, revision: str, code: str, source: str, text: str, now: datetime) -> None:
    tx.run(
        "INSERT INTO sop_revisions (revision, code, source, text, first_seen_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (revision, code, source, text, ts(now)),
    )


def revision_texts(tx: Tx) -> list[tuple[str, str, str]]:
    """Every SOP revision ever run here: (revision, source, text), oldest first."""
    rows = tx.all("SELECT revision, source, text FROM sop_revisions ORDER BY first_seen_at")
    return [(r[0], r[1], r[2]) for r in rows]


def cases_without_revision(tx: Tx) -> list[Case]:
    rows = tx.all("SELECT state, format FROM cases WHERE sop_revision IS NULL ORDER BY id")
    return [case_from_json(r[0], r[1]) for r in rows]


def open_cases_by_revision(tx: Tx) -> list[tuple[str, str, int]]:
    """(sop code, revision, number of open cases) for every revision open cases run."""
    rows = tx.all(
        "SELECT sop_code, sop_revision, COUNT(*) FROM cases WHERE status = 'open' "
        "GROUP BY sop_code, sop_revision ORDER BY sop_code, sop_revision NULLS FIRST"
    )
    return [(r[0], r[1] or "", r[2]) for r in rows]


# -- cases and events --------------------------------------------------------------------


def next_case_id(tx: Tx) -> int:
    return int(tx.value("SELECT COALESCE(MAX(id), 0) + 1 FROM cases"))


def load_case(tx: Tx, case_id: int) -> Case | None:
    row = tx.one("SELECT state, format FROM cases WHERE id = ?", (case_id,))
    return case_from_json(row[0], row[1]) if row else None


def save_case(
    tx: Tx,
    case: Case,
    holder_role: str,
    new: bool,
    reminders_from: str | bool | None = False,
) -> None:
    """Insert or update a case's row. ``reminders_from`` (the step's first reminder time,
    or None for none) also starts its reminders afresh; False leaves them as they are."""
    values = (
        case.status.value,
        case.step,
        case.version,
        holder_role,
        ts(case.step_entered_at),
        ts(case.closed_at) if case.closed_at else None,
        case_to_json(case),
        CASE_FORMAT,
    )
    if new:
        tx.run(
            "INSERT INTO cases (status, step, version, holder_role, step_entered_at, closed_at, "
            "state, format, next_due_at, sop_code, unit, title, fiscal_year, opened_at, "
            "sop_revision, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *values,
                reminders_from or None,
                case.sop_code,
                case.unit,
                case.title,
                case.fiscal_year,
                ts(case.opened_at),
                case.revision or None,
                case.id,
            ),
        )
    elif reminders_from is False:
        tx.run(
            "UPDATE cases SET status = ?, step = ?, version = ?, holder_role = ?, "
            "step_entered_at = ?, closed_at = ?, state = ?, format = ? WHERE id = ?",
            (*values, case.id),
        )
    else:
        tx.run(
            "UPDATE cases SET status = ?, step = ?, version = ?, holder_role = ?, "
            "step_entered_at = ?, closed_at = ?, state = ?, format = ?, reminders_sent = 0, "
            "last_reminded_at = NULL, snoozed_until = NULL, handed_over_at = NULL, "
            "reminders_before_hand_over = 0, handed_over_to = NULL, next_due_at = ? "
            "WHERE id = ?",
            (*values, reminders_from, case.id),
        )


def open_cases_stored_before(tx: Tx, fmt: int) -> list[Case]:
    """Open cases whose stored JSON is of a format older than ``fmt``."""
    rows = tx.all(
        "SELECT state, format FROM cases WHERE status = 'open' AND format < ? ORDER BY id", (fmt,)
    )
    return [case_from_json(r[0], r[1]) for r in rows]


def rewrite_case(tx: Tx, case: Case) -> None:
    """Write a case's state again, in the current format (nothing else of its row changes)."""
    tx.run(
        "UPDATE cases SET state = ?, format = ? WHERE id = ?",
        (case_to_json(case), CASE_FORMAT, case.id),
    )


def set_case_revision(tx: Tx, case: Case) -> None:
    tx.run(
        "UPDATE cases SET sop_revision = ?, state = ?, format = ? WHERE id = ?",
        (case.revision, case_to_json(case), CASE_FORMAT, case.id),
    )


def append_events(tx: Tx, case_id: int, events: Sequence[Event]) -> int:
    """Append to the case's log; returns the sequence number of the first one (numbered
    in the statement that writes it: one statement for the usual one event)."""
    head, *rest = events
    _, _, *fields = event_row(head, 0)
    first = int(
        tx.value(
            "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, "
            "note, data, format) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events "
            "WHERE case_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            (case_id, case_id, *fields),
        )
    )
    if rest:
        tx.many(
            "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, "
            "note, data, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event_row(e, first + i) for i, e in enumerate(rest, start=1)],
        )
    _file_archive_numbers(tx, case_id, events)
    return first


ARCHIVED_AS = "SELECT case_id FROM archive_numbers WHERE number = ?"
"""The archive-number lookup: the number in its compared form (the table's key)."""


def case_archived_as(tx: Tx, reference: str) -> int | None:
    """The case filed under this archive number, if any, however it was written
    (:func:`bot.core.workflow.archive_number_key`)."""
    value = tx.value(ARCHIVED_AS, (archive_number_key(reference),))
    return None if value is None else int(value)


def _file_archive_numbers(tx: Tx, case_id: int, events: Sequence[Event]) -> None:
    """Keep ``archive_numbers`` with the log: a case archived is filed under its number
    (the first case filed under a number keeps it; the service refuses a second), and a
    corrected number replaces the one it corrects. The case's row keeps the number it
    stands under now (``cases.archive_number``), which finds another case filed under a
    number a correction frees by its index, without reading the event log."""
    for event in events:
        if event.type is EventType.ARCHIVE_CORRECTED:
            old = archive_number_key(str(event.data["old"]))
            freed = tx.value(
                "DELETE FROM archive_numbers WHERE number = ? AND case_id = ? RETURNING number",
                (old, case_id),
            )
            # filed under it still (two cases filed under one number before level 15,
            # written two ways): it stays taken, by the first of them
            holder = (
                tx.value(
                    "SELECT MIN(id) FROM cases WHERE archive_number = ? AND id <> ?",
                    (old, case_id),
                )
                if freed is not None
                else None
            )
            if holder is not None:
                tx.run(
                    "INSERT INTO archive_numbers (number, case_id) VALUES (?, ?)",
                    (old, int(holder)),
                )
        if event.type in (EventType.ARCHIVED, EventType.ARCHIVE_CORRECTED):
            number = archive_number_key(str(event.data["reference"]))
            tx.run(
                "INSERT INTO archive_numbers (number, case_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (number, case_id),
            )
            tx.run("UPDATE cases SET archive_number = ? WHERE id = ?", (number, case_id))


def shared_archive_numbers(tx: Tx) -> dict[str, list[int]]:
    """The archive numbers (compared form) more than one archived case is filed under,
    with those cases in order: filed before level 15 refused a second case (the same
    number written another way). An administrator corrects them with /ubah_arsip."""
    rows = tx.all(
        "SELECT archive_number, id FROM cases WHERE archive_number IN ("
        "SELECT archive_number FROM cases WHERE archive_number IS NOT NULL "
        "GROUP BY archive_number HAVING COUNT(*) > 1) ORDER BY archive_number, id"
    )
    cases: dict[str, list[int]] = {}
    for number, case_id in rows:
        cases.setdefault(str(number), []).append(int(case_id))
    return cases


def archivist_of(tx: Tx, case_id: int) -> int | None:
    """Who filed the case: the actor of its latest archived event (also of a case archived
    before case format 4, whose ``took`` is empty); None for a case not archived."""
    value = tx.value(
        "SELECT actor FROM events WHERE case_id = ? AND type = 'archived' "
        "ORDER BY seq DESC LIMIT 1",
        (case_id,),
    )
    return None if value is None else int(value)


def load_events(tx: Tx, case_id: int) -> list[Event]:
    rows = tx.all("SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
    return [event_from_row(r) for r in rows]


def event_at(tx: Tx, case_id: int, seq: int) -> Event | None:
    row = tx.one("SELECT * FROM events WHERE case_id = ? AND seq = ?", (case_id, seq))
    return event_from_row(row) if row else None


@dataclass(frozen=True)
class Arrival:
    """The latest move into a step (what brought a case where it is): its seq, the event,
    and who made it (None: they have no row)."""

    seq: int
    event: Event
    by: Person | None


@dataclass(frozen=True)
class Leftovers:
    """Whether a case has rows a move takes from its step (``bot.services.effects``):
    dialogues about it, live task messages, messages with its buttons (of its version or
    earlier). True: there may be some (the move looks)."""

    dialogues: bool = True
    live_tasks: bool = True
    task_messages: bool = True


@dataclass(frozen=True)
class CaseToDecide:
    """A case as a command on it reads it, in one statement: the case, the move that
    brought it to its step (a file's command asks how it came there; a decision shows it)
    and what a move would take from its step (none there: nothing to delete)."""

    case: Case
    arrival: Arrival | None
    leftovers: Leftovers = Leftovers()


# the latest move into a step of case ``c``, and its author's row (events ``e``, people ``p``)
_ARRIVAL_JOIN = (
    "LEFT JOIN events e ON e.case_id = c.id AND e.seq = (SELECT seq FROM events "
    "WHERE case_id = c.id AND to_step IS NOT NULL ORDER BY seq DESC LIMIT 1) "
    "LEFT JOIN people p ON p.telegram_id = e.actor"
)
_ARRIVAL_COLUMNS = "e.*, p.telegram_id, p.name, p.nip, p.position, p.username, p.started_bot"


def _arrival(row: Any) -> Arrival | None:
    """The arrival of a row of :data:`_ARRIVAL_JOIN` (None: the case has not moved yet)."""
    if row["seq"] is None:
        return None
    by = person_from_row(row) if row["telegram_id"] is not None else None
    return Arrival(int(row["seq"]), event_from_row(row), by)


def load_case_to_decide(tx: Tx, case_id: int) -> CaseToDecide | None:
    """The case with the move that brought it to its step (:func:`last_arrival`, with its
    author's row) and its :class:`Leftovers`, in one statement."""
    row = tx.one(
        "SELECT c.state, c.format AS case_format, "
        "EXISTS (SELECT 1 FROM dialogues WHERE case_id = c.id) AS left_dialogues, "
        "EXISTS (SELECT 1 FROM live_tasks WHERE case_id = c.id) AS left_live_tasks, "
        "EXISTS (SELECT 1 FROM task_messages WHERE case_id = c.id AND version <= c.version) "
        f"AS left_task_messages, {_ARRIVAL_COLUMNS} FROM cases c {_ARRIVAL_JOIN} "
        "WHERE c.id = ?",
        (case_id,),
    )
    if row is None:
        return None
    leftovers = Leftovers(
        bool(row["left_dialogues"]), bool(row["left_live_tasks"]), bool(row["left_task_messages"])
    )
    case = case_from_json(row["state"], row["case_format"])
    return CaseToDecide(case, _arrival(row), leftovers)


def arrival(tx: Tx, case_id: int) -> Arrival | None:
    """The move that brought the case to its step, with its author's row (a case held
    already: :func:`load_case_to_decide` reads both at once)."""
    row = tx.one(
        f"SELECT {_ARRIVAL_COLUMNS} FROM cases c {_ARRIVAL_JOIN} WHERE c.id = ?", (case_id,)
    )
    return _arrival(row) if row is not None else None


def last_arrival(tx: Tx, case_id: int) -> tuple[int, Event] | None:
    """The latest move into a step (what brought the case where it is), with its seq."""
    row = tx.one(
        "SELECT * FROM events WHERE case_id = ? AND to_step IS NOT NULL ORDER BY seq DESC LIMIT 1",
        (case_id,),
    )
    return (int(row["seq"]), event_from_row(row)) if row else None


def _roles_filter(roles: Sequence[str]) -> str:
    return ",".join("?" * len(roles))


@dataclass(frozen=True)
class OpenStep:
    """Where an open case stands, without its document: enough to tell whether its step
    has passed its norm (the definition from ``sop_code`` and ``revision``)."""

    case_id: int
    sop_code: str
    revision: str | None
    step: int
    entered_at: datetime


def open_steps_for_roles(tx: Tx, unit: str, roles: Iterable[str]) -> list[OpenStep]:
    """Every open case whose step one of ``roles`` holds, oldest step first, as
    :class:`OpenStep` (the index's columns and a few more: no case document is read)."""
    wanted = list(roles)
    if not wanted:
        return []
    rows = tx.all(
        "SELECT id, sop_code, sop_revision, step, step_entered_at FROM cases "
        f"WHERE status = 'open' AND unit = ? AND holder_role IN ({_roles_filter(wanted)}) "
        "ORDER BY step_entered_at, id",
        (unit, *wanted),
    )
    return [OpenStep(int(r[0]), r[1], r[2], int(r[3]), parse_ts(r[4])) for r in rows]


def open_cases_for_roles(
    tx: Tx, unit: str, roles: Iterable[str], limit: int = 50, offset: int = 0
) -> list[Case]:
    wanted = list(roles)
    if not wanted:
        return []
    rows = tx.all(
        f"SELECT state, format FROM cases WHERE status = 'open' AND unit = ? "
        f"AND holder_role IN ({_roles_filter(wanted)}) ORDER BY step_entered_at, id "
        "LIMIT ? OFFSET ?",
        (unit, *wanted, limit, offset),
    )
    return [case_from_json(r[0], r[1]) for r in rows]


def open_cases_in_unit(tx: Tx, unit: str) -> list[Case]:
    """Every open case of the unit (what a role change asks of each lives in the case
    document: its team, who took its steps)."""
    rows = tx.all(
        "SELECT state, format FROM cases WHERE status = 'open' AND unit = ? ORDER BY id", (unit,)
    )
    return [case_from_json(r[0], r[1]) for r in rows]


def open_cases_with_member(tx: Tx, unit: str, person_id: int) -> list[Case]:
    """The open cases whose team has this person (the team lives in the case document)."""
    return [case for case in open_cases_in_unit(tx, unit) if person_id in case.team]


def recent_cases(tx: Tx, unit: str, sop_codes: Sequence[str], limit: int = 20) -> list[Case]:
    """The latest cases of these SOPs, open ones first.

    Two reads that stop early, not a sort of the unit's whole history: the open cases
    through their partial index, then the newest cases by id (the newest ``limit`` hold
    every closed case the listing can still take)."""
    if not sop_codes:
        return []
    marks = ", ".join("?" for _ in sop_codes)
    open_rows = tx.all(
        "SELECT state, format FROM cases WHERE id IN (SELECT id FROM cases "
        f"WHERE status = 'open' AND unit = ? AND sop_code IN ({marks}) "
        "ORDER BY id DESC LIMIT ?) ORDER BY id DESC",
        (unit, *sop_codes, limit),
    )
    rows = [(r[0], r[1]) for r in open_rows]
    if len(rows) < limit:
        newest = tx.all(
            f"SELECT status, state, format FROM cases WHERE unit = ? AND sop_code IN ({marks}) "
            "ORDER BY id DESC LIMIT ?",
            (unit, *sop_codes, limit),
        )
        rows += [(r[1], r[2]) for r in newest if r[0] != "open"][: limit - len(rows)]
    return [case_from_json(state, fmt) for state, fmt in rows]


# -- reports -----------------------------------------------------------------------------


# The events that place a case at a step or move it: all the figures of bot.stats need.
_TIMELINE_TYPES = ("started", "completed", "approved", "returned", "withdrawn", "archived",
                   "cancelled")  # fmt: skip


# The cases a report over [start, end) reads: open now, or alive at some time in it (opened
# before its end, closed at or after its start). Two index reads, not a scan of every case
# ever opened: the open ones (cases_open_by_role), then the closed ones by closing time
# (cases_closed). Parameters: unit, SOP, unit, SOP, start, end.
_REPORT_CASE_IDS = (
    "SELECT id FROM cases WHERE status = 'open' AND unit = ? AND sop_code = ? "
    "UNION ALL SELECT id FROM cases WHERE status <> 'open' AND unit = ? AND sop_code = ? "
    "AND closed_at >= ? AND opened_at < ?"
)


def _report_args(unit: str, sop_code: str, start: datetime, end: datetime) -> tuple[str, ...]:
    return (unit, sop_code, unit, sop_code, ts(start), ts(end))


def report_cases(
    tx: Tx, unit: str, sop_code: str, start: datetime, end: datetime
) -> list[tuple[int, str, str]]:
    """(id, SOP revision or "", title) of every case of ``unit`` running ``sop_code`` that
    is open now or whose life overlaps ``[start, end)`` (opened before ``end``, not closed
    before ``start``), by id."""
    rows = tx.all(
        f"SELECT id, sop_revision, title FROM cases WHERE id IN ({_REPORT_CASE_IDS}) ORDER BY id",
        _report_args(unit, sop_code, start, end),
    )
    return [(r[0], r[1] or "", r[2]) for r in rows]


def report_moves(
    tx: Tx, unit: str, sop_code: str, start: datetime, end: datetime
) -> Iterator[tuple[int, str, int, int | None, str, str | None]]:
    """The moves of the cases of :func:`report_cases`, in one query, as the rows come
    (consume them inside the same read): (case id, event type, step, to_step, when as
    stored (ISO 8601 text, UTC), the reason of a return or None), by case, each case's in
    the order of its log. Plain columns only (no JSON, no people): a year of cases is
    some 200,000 of these rows (:func:`bot.stats.report_from_log`)."""
    rows: Iterator[Any] = tx.each(
        "SELECT case_id, type, step, to_step, at, CASE WHEN type = 'returned' THEN reason END "
        f"FROM events WHERE case_id IN ({_REPORT_CASE_IDS}) "
        f"AND type IN ({_roles_filter(_TIMELINE_TYPES)}) ORDER BY case_id, seq",
        (*_report_args(unit, sop_code, start, end), *_TIMELINE_TYPES),
    )
    return rows
