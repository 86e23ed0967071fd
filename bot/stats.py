"""Where cases have been, and how the SOP performs: figures from event logs, nothing else.

Pure functional core, like :mod:`bot.core.workflow`: no I/O, no clock reads (``now`` is a
parameter), no Telegram. The timeline of ``/status`` and the SOP evaluation report of
``/laporan`` (Permenaker No. 07 Tahun 2017 asks units to monitor and evaluate how their
SOP-AP are applied; the SOP's Mutu Baku gives each step its time norm) are both drawn from
what this module computes.

Visits
------
A *visit* is one stay of a case at one step: it begins with the event that brought the
case there (``started`` for the first step, then every move) and ends with the move that
took it away (``approved``, ``completed``, ``returned``, ``withdrawn``; ``archived`` and
``cancelled`` close the case, and so does the completion or approval of the last step of an
SOP that does not end in archiving, which leads nowhere: ``to_step`` None). Its duration is
*working* time (:class:`WorkCalendar`: office hours, weekends, public holidays and the
office's extra days off excluded), in whole minutes. The visit still running has no ``left``; its time runs to ``now``.

The *holder* of a visit is the person who took the case away from the step (who approved,
returned, forwarded, archived). A withdrawn visit and the running one have no holder in
the log (the step was taken back, or nobody has acted yet): ``holder`` is None and callers
name the role, or the people holding it now. A decision taken by an acting official
carries ``data["acting"]`` ("plh" or "plt") on its event; the visit keeps it, and
:func:`role_label` writes "Plh. Kabag".

Report figures
--------------
Over a period ``[start, end)`` (office time) a report counts the *executions* of each step
("pelaksanaan"): the visits that ended in the period by a move of their holder (approved,
completed, returned, archived: :data:`ACTED`). Per step: their number, the median and the
90th percentile of their working time against the step's norm, how many went over it, how
many were returned and the most frequent reasons. A visit that ended otherwise is no
execution, its holder never acted: taken back by its sender (/tarik) or cut short by a
cancellation, it is counted apart (``withdrawn``, ``cancelled``) and kept out of the
medians, percentiles, over-norm counts and return shares. The
median is the middle value (the mean of the two middle ones for an even count); the 90th
percentile is the nearest rank: the ``ceil(0.9 n)``-th smallest value. Case states are
counted as they stood at the end of the period (or now, if that is earlier); overdue cases
are those open *now* whose current step has run past its norm.

Speed
-----
A year of ten thousand cases is some 200,000 moves. :func:`report_from_log` takes them as
the database hands them over (plain rows, no Event objects), reads the office calendar's
working clock once per move through :class:`WorkingClock` (one calendar reading per hour
touched, exact), compares moments in UTC only, and keeps one case's stays at a time.
:func:`report` is the same computation over Event logs (tests, small callers).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import groupby
from operator import itemgetter
from typing import Any

from bot import texts as t
from bot.core.definition import SopDefinition
from bot.core.model import Event, EventType
from bot.worktime import WorkCalendar

__all__ = [
    "ACTED",
    "CaseHistory",
    "CaseState",
    "Exit",
    "LogRow",
    "Overdue",
    "Period",
    "Report",
    "StepFigures",
    "Visit",
    "WorkingClock",
    "median",
    "p90",
    "report",
    "report_from_log",
    "role_label",
    "short_reason",
    "visits",
]

TOP_REASONS = 3
REASON_CHARS = 80  # a reason is compared (and shown) by its first words, up to this long


class Exit(StrEnum):
    """How a visit ended."""

    APPROVED = "approved"  # a review step approved
    COMPLETED = "completed"  # an action, team or upload step done
    RETURNED = "returned"  # sent back for correction
    WITHDRAWN = "withdrawn"  # its sender took the case back before anyone acted
    ARCHIVED = "archived"  # the last step: the case is filed and closed
    CANCELLED = "cancelled"  # an administrator cancelled the case here
    OPEN = "open"  # still here


ACTED = frozenset({Exit.APPROVED, Exit.COMPLETED, Exit.RETURNED, Exit.ARCHIVED})
"""Exits by the holder's own move: the visits that count as executions of their step."""

_EXITS: dict[str, Exit] = {  # by event type (a StrEnum: its values are the keys too)
    EventType.APPROVED: Exit.APPROVED,
    EventType.COMPLETED: Exit.COMPLETED,
    EventType.RETURNED: Exit.RETURNED,
    EventType.WITHDRAWN: Exit.WITHDRAWN,
    EventType.ARCHIVED: Exit.ARCHIVED,
    EventType.CANCELLED: Exit.CANCELLED,
}


@dataclass(frozen=True)
class Visit:
    case_id: int
    step: int
    role: str  # the step's actor role (the SOP's, whoever acted)
    entered: datetime
    left: datetime | None  # None: the case is still here
    minutes: int  # working minutes from entered to left (or to ``now``)
    norm: int  # the step's time norm in working minutes (of the case's SOP revision)
    exit: Exit
    holder: int | None = None  # who took the case away; None for withdrawn and running
    acting: str = ""  # "plh" / "plt" when an acting official decided
    reason: str = ""  # of a return (or a cancellation)
    to_step: int | None = None  # where the case went

    @property
    def is_open(self) -> bool:
        return self.left is None

    @property
    def acted(self) -> bool:
        """Ended by its holder's move: an execution of the step (not taken back, not
        cancelled, not still running)."""
        return self.exit in ACTED

    @property
    def over_norm(self) -> bool:
        return self.norm > 0 and self.minutes > self.norm


# -- walking a log ---------------------------------------------------------------------

_MINUTE_US = 60_000_000
_HOUR_US = 3_600_000_000
_ONE_US = timedelta(microseconds=1)
_HOUR = timedelta(hours=1)
_PARTLY = -1  # an hour with a window edge inside: read the calendar for every moment in it


class WorkingClock:
    """``calendar.working_clock`` in whole microseconds, for many moments.

    The working clock only moves in working time, at the speed of the wall clock: over an
    hour in which it advances by nothing, it stands still; over an hour in which it advances
    by the whole hour, it runs all the time. Both are checked once per hour (two readings
    of the calendar, the hour's start and end), and any moment in such an hour is then one
    addition away; an hour with the start or the end of a working window inside it (07.30,
    a zone half an hour off UTC) is read from the calendar moment by moment. The result is
    exactly the calendar's, faster: the log of a year holds some 200,000 moves but only
    a few thousand distinct hours."""

    __slots__ = ("_calendar", "_hours")

    def __init__(self, calendar: WorkCalendar) -> None:
        self._calendar = calendar
        # UTC hour (day ordinal, hour) -> (clock at the hour's start, 1 running / 0 still),
        # or (0, _PARTLY)
        self._hours: dict[tuple[int, int], tuple[int, int]] = {}

    def exact(self, moment: datetime) -> int:
        return self._calendar.working_clock(moment) // _ONE_US

    def __call__(self, moment: datetime) -> int:
        utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
        key = (utc.toordinal(), utc.hour)
        known = self._hours.get(key)
        if known is None:
            start = utc.replace(minute=0, second=0, microsecond=0)
            begin, end = self.exact(start), self.exact(start + _HOUR)
            if end == begin:
                known = (begin, 0)
            elif end - begin == _HOUR_US:
                known = (begin, 1)
            else:
                known = (0, _PARTLY)
            self._hours[key] = known
        begin, running = known
        if running == 1:
            return begin + utc.minute * 60_000_000 + utc.second * 1_000_000 + utc.microsecond
        if running == 0:
            return begin
        return self.exact(utc)


# A move as the walk reads it: (event type, step, to_step, when, what it carries along: the
# Event for visits(), the reason for the report). Other event types (files, team) are passed
# over. One stay at a step, as the walk finds it: (step, entered, left or None, working
# minutes, exit, what the move that ended it carried, or None while open).
_Move = tuple[str, int, int | None, datetime, Any]
_Stay = tuple[int, datetime, datetime | None, int, Exit, Any]


def _walk(moves: Iterable[_Move], clock: WorkingClock, now: datetime) -> list[_Stay]:
    """The stays of one case in order; each move's working clock is read once."""
    found: list[_Stay] = []
    step: int | None = None
    entered = now
    entered_clock = 0
    exits = _EXITS
    for kind, at_step, to_step, at, carried in moves:
        if kind == "started":
            step, entered = at_step, at
            entered_clock = clock(at)
            continue
        exit_ = exits.get(kind)
        if exit_ is None or step is None:
            continue  # files and team selections do not move the case
        at_clock = clock(at)
        minutes = (at_clock - entered_clock) // _MINUTE_US
        found.append((step, entered, at, minutes if minutes > 0 else 0, exit_, carried))
        if exit_ is Exit.ARCHIVED or exit_ is Exit.CANCELLED or to_step is None:
            step = None
        else:
            step, entered, entered_clock = to_step, at, at_clock
    if step is not None:
        minutes = (clock(max(now, entered)) - entered_clock) // _MINUTE_US
        found.append((step, entered, None, max(0, minutes), Exit.OPEN, None))
    return found


def visits(
    events: Iterable[Event], definition: SopDefinition, calendar: WorkCalendar, now: datetime
) -> list[Visit]:
    """The visits of one case, in order, from its event log (oldest first)."""
    events = list(events)
    case_id = events[0].case_id if events else 0
    moves = ((e.type, e.step, e.to_step, e.at, e) for e in events)
    found = []
    for step, entered, left, minutes, exit_, event in _walk(moves, WorkingClock(calendar), now):
        known = definition.has_step(step)
        holder = None if event is None or exit_ is Exit.WITHDRAWN else event.actor
        acting = str(event.data.get("acting") or "").lower() if event and holder else ""
        reason = event.reason if event and exit_ in (Exit.RETURNED, Exit.CANCELLED) else ""
        found.append(
            Visit(
                case_id=case_id,
                step=step,
                role=definition.step(step).actor if known else "",
                entered=entered,
                left=left,
                minutes=minutes,
                norm=definition.step(step).time_minutes if known else 0,
                exit=exit_,
                holder=holder,
                acting=acting,
                reason=reason,
                to_step=event.to_step if event is not None else None,
            )
        )
    return found


def role_label(visit: Visit, role_name: str) -> str:
    """The role as the holder acted in it: "Plh. Kabag" for an acting official's decision."""
    if visit.acting in t.ACTING_TITLES:
        return f"{t.ACTING_TITLES[visit.acting]} {role_name}"
    return role_name


def short_reason(reason: str, limit: int = REASON_CHARS) -> str:
    """A reason on one line, cut at a word before ``limit`` characters ("…" when cut)."""
    text = " ".join(reason.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


# -- figures ---------------------------------------------------------------------------


def median(values: Sequence[int]) -> float:
    """The middle value; the mean of the two middle ones for an even count; 0 for none."""
    return float(statistics.median(values)) if values else 0.0


def p90(values: Sequence[int]) -> int:
    """Nearest-rank 90th percentile: the ``ceil(0.9 n)``-th smallest value; 0 for none."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]


@dataclass(frozen=True)
class Period:
    """``[start, end)``; ``label`` as the office writes it ("Tahun 2026", "Desember 2026")."""

    start: datetime
    end: datetime
    label: str

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class CaseHistory:
    """One case as the report sees it: its log and the SOP revision it runs."""

    case_id: int
    title: str
    definition: SopDefinition
    events: Sequence[Event]


@dataclass(frozen=True)
class StepFigures:
    step: int
    title: str
    role: str
    norm: int
    visits: int  # executions: visits that ended in the period by their holder's move
    median: float
    p90: int
    over_norm: int  # of those executions, how many took longer than the norm
    returns: int  # of those executions, how many ended with a return
    reasons: tuple[tuple[str, int], ...]  # the most frequent return reasons, with counts
    withdrawn: int = 0  # visits that ended in the period taken back by their sender (/tarik)
    cancelled: int = 0  # visits that ended in the period with the case's cancellation


class CaseState(StrEnum):
    ON_TIME = "on_time"  # open, current step within its norm
    LATE = "late"  # open, current step past its norm
    ARCHIVED = "archived"
    # closed by the completion or approval of a last step that is no archive step (an SOP
    # that ends otherwise: "Menyampaikan surat jawaban kepada pemohon")
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Overdue:
    case_id: int
    title: str
    step: int
    role: str
    minutes: int
    norm: int
    since: datetime


@dataclass(frozen=True)
class Report:
    period: Period
    now: datetime
    steps: tuple[StepFigures, ...]
    states: Mapping[CaseState, int]
    overdue: tuple[Overdue, ...]  # open now, past the norm, longest over first
    cases: int  # cases with anything in the period

    @property
    def visits(self) -> int:
        return sum(s.visits for s in self.steps)

    @property
    def returns(self) -> int:
        return sum(s.returns for s in self.steps)

    @property
    def withdrawn(self) -> int:
        return sum(s.withdrawn for s in self.steps)

    @property
    def cancelled(self) -> int:
        return sum(s.cancelled for s in self.steps)


class _Tally:
    """The figures of a report, added up case by case (one case's log in memory at a time)."""

    def __init__(
        self, definition: SopDefinition, calendar: WorkCalendar, period: Period, now: datetime
    ) -> None:
        self.definition, self.calendar, self.period, self.now = definition, calendar, period, now
        self.clock = WorkingClock(calendar)
        self.durations: dict[int, list[int]] = {s.id: [] for s in definition.steps}
        self.over: Counter[int] = Counter()
        self.returns: Counter[int] = Counter()
        self.withdrawn: Counter[int] = Counter()
        self.cancelled: Counter[int] = Counter()
        self.reasons: dict[int, Counter[str]] = {s.id: Counter() for s in definition.steps}
        self.states: Counter[CaseState] = Counter({state: 0 for state in _states(definition)})
        self.overdue: list[Overdue] = []
        self.cases = 0
        # All moments compared in UTC: datetimes of one tzinfo compare field by field,
        # twenty times faster than across zones (rows from the database are in UTC).
        self.start, self.end = period.start.astimezone(UTC), period.end.astimezone(UTC)
        self.moment = min(self.end, now.astimezone(UTC))  # when states are read
        self._short: dict[str, str] = {}  # reason -> short_reason(reason): reasons repeat
        self._norms: dict[int, dict[int, int]] = {}  # per definition (by id): step -> norm

    def norms(self, definition: SopDefinition) -> dict[int, int]:
        norms = self._norms.get(id(definition))
        if norms is None:
            norms = {s.id: s.time_minutes for s in definition.steps}
            self._norms[id(definition)] = norms
        return norms

    def add(
        self, case_id: int, title: str, definition: SopDefinition, moves: Iterable[_Move]
    ) -> None:
        """One case: its moves (the walk's), the SOP revision it runs."""
        stays = _walk(moves, self.clock, self.now)
        if not stays:
            return
        norms = self.norms(definition)
        start, end, short = self.start, self.end, self._short
        durations, over, returns, reasons = self.durations, self.over, self.returns, self.reasons
        in_period = False
        for step, _entered, left, minutes, exit_, reason in stays:
            if left is None or not start <= left < end:
                continue
            in_period = True
            found = durations.get(step)
            if found is None:
                continue  # a step the current definition no longer has
            if exit_ not in ACTED:  # taken back or cancelled: its holder never acted
                (self.withdrawn if exit_ is Exit.WITHDRAWN else self.cancelled)[step] += 1
                continue
            found.append(minutes)
            norm = norms.get(step, 0)
            if norm > 0 and minutes > norm:
                over[step] += 1
            if exit_ is Exit.RETURNED:
                returns[step] += 1
                text = short.get(reason or "")
                if text is None:
                    text = short[reason or ""] = short_reason(reason or "")
                if text:
                    reasons[step][text] += 1
        state = _state_at(stays, norms, start, end, self.moment, self.calendar)
        if state is not None:
            self.states[state] += 1
            in_period = True
        step, entered, left, minutes, _exit, _reason = stays[-1]
        norm = norms.get(step, 0)
        if left is None and norm > 0 and minutes > norm:
            role = definition.step(step).actor if step in norms else ""
            self.overdue.append(Overdue(case_id, title, step, role, minutes, norm, entered))
        self.cases += in_period

    def report(self, top_reasons: int) -> Report:
        figures = tuple(
            StepFigures(
                step=s.id,
                title=s.title,
                role=s.actor,
                norm=s.time_minutes,
                visits=len(self.durations[s.id]),
                median=median(self.durations[s.id]),
                p90=p90(self.durations[s.id]),
                over_norm=self.over[s.id],
                returns=self.returns[s.id],
                reasons=tuple(_top(self.reasons[s.id], top_reasons)),
                withdrawn=self.withdrawn[s.id],
                cancelled=self.cancelled[s.id],
            )
            for s in self.definition.steps
        )
        overdue = sorted(self.overdue, key=lambda o: (-(o.minutes - o.norm), o.case_id))
        return Report(self.period, self.now, figures, dict(self.states), tuple(overdue), self.cases)


def report(
    histories: Iterable[CaseHistory],
    definition: SopDefinition,
    calendar: WorkCalendar,
    period: Period,
    now: datetime,
    top_reasons: int = TOP_REASONS,
) -> Report:
    """The SOP evaluation figures of ``definition``'s steps over ``period``.

    Cases of another SOP code are left out. Step titles and norms are the current
    definition's; each visit is judged against the norm of the revision its case runs."""
    tally = _Tally(definition, calendar, period, now)
    for history in histories:
        if history.definition.code != definition.code:
            continue
        moves = (
            (e.type, e.step, e.to_step, e.at.astimezone(UTC), e.reason) for e in history.events
        )
        tally.add(history.case_id, history.title, history.definition, moves)
    return tally.report(top_reasons)


LogRow = tuple[int, str, int, int | None, str, str | None]
"""A move as the database keeps it: (case id, event type, step, to_step, when as ISO 8601
text with its UTC offset, the reason when it is a return, else None or "")."""


def report_from_log(
    rows: Iterable[LogRow],
    cases: Mapping[int, tuple[str, SopDefinition]],
    definition: SopDefinition,
    calendar: WorkCalendar,
    period: Period,
    now: datetime,
    top_reasons: int = TOP_REASONS,
) -> Report:
    """:func:`report`, exactly, over the moves of many cases as the database gives them:
    ``rows`` grouped by case, each case's in the order of its log; ``cases`` gives each
    case's title and the SOP revision it runs (a case missing there is left out, as are
    cases of another SOP code). No Event objects are made: a year of ten thousand cases
    is some 200,000 rows, each one tuple and one parsed time here."""
    tally = _Tally(definition, calendar, period, now)
    parse = datetime.fromisoformat
    code = definition.code
    for case_id, group in groupby(rows, key=itemgetter(0)):
        known = cases.get(case_id)
        if known is None or known[1].code != code:
            continue  # (groupby passes over the rest of the group)
        moves = [(kind, step, to, parse(at), reason) for _, kind, step, to, at, reason in group]
        tally.add(case_id, known[0], known[1], moves)
    return tally.report(top_reasons)


def _states(definition: SopDefinition) -> list[CaseState]:
    """The states a report counts for the SOP, each even at none: a case ends archived at
    an archive step, completed at a last step of another kind (a case that ended the other
    way under an earlier revision of the SOP is counted too, as it comes)."""
    ends = [s for s in definition.steps if s.ends]
    closed = [
        *([CaseState.ARCHIVED] if any(not s.finishes for s in ends) else []),
        *([CaseState.COMPLETED] if any(s.finishes for s in ends) else []),
    ]
    return [CaseState.ON_TIME, CaseState.LATE, *closed, CaseState.CANCELLED]


def _top(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    """The ``n`` most frequent, ties in alphabetical order (stable across runs)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _state_at(
    stays: Sequence[_Stay],
    norms: Mapping[int, int],
    start: datetime,
    end: datetime,
    moment: datetime,
    calendar: WorkCalendar,
) -> CaseState | None:
    """The state a case is counted in: archived, completed (its last step, no archive step,
    done) or cancelled when it closed in the period;
    else, when it was open at ``moment`` (the period's end, or now), on time or late by its
    step then. None when it had not started by ``moment`` or closed outside the period."""
    first, last = stays[0], stays[-1]
    if first[1] >= moment:
        return None
    last_left = last[2]
    if last_left is not None and last_left <= moment:
        if not start <= last_left < end:
            return None
        if last[4] is Exit.CANCELLED:
            return CaseState.CANCELLED
        return CaseState.ARCHIVED if last[4] is Exit.ARCHIVED else CaseState.COMPLETED
    for step, entered, left, _minutes, _exit, _event in stays:
        if entered <= moment and (left is None or left > moment):
            spent = calendar.working_minutes_between(entered, moment)
            norm = norms.get(step, 0)
            return CaseState.LATE if norm > 0 and spent > norm else CaseState.ON_TIME
    return None
