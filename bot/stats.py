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
``cancelled`` close the case). Its duration is *working* time (:class:`WorkCalendar`:
office hours, weekends, public holidays and the office's extra days off excluded), in
whole minutes. The visit still running has no ``left``; its time runs to ``now``.

The *holder* of a visit is the person who took the case away from the step (who approved,
returned, forwarded, archived). A withdrawn visit and the running one have no holder in
the log (the step was taken back, or nobody has acted yet): ``holder`` is None and callers
name the role, or the people holding it now. A decision taken by an acting official
carries ``data["acting"]`` ("plh" or "plt") on its event; the visit keeps it, and
:func:`holder_label` writes "Plh. Kabag".

Report figures
--------------
Over a period ``[start, end)`` (office time) a report counts the visits that *ended* in
the period: per step their number, the median and the 90th percentile of their working
time against the step's norm, how many were returned and the most frequent reasons. The
median is the middle value (the mean of the two middle ones for an even count); the 90th
percentile is the nearest rank: the ``ceil(0.9 n)``-th smallest value. Case states are
counted as they stood at the end of the period (or now, if that is earlier); overdue cases
are those open *now* whose current step has run past its norm.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.definition import SopDefinition
from bot.core.model import Event, EventType
from bot.worktime import WorkCalendar

__all__ = [
    "CaseHistory",
    "CaseState",
    "Exit",
    "Overdue",
    "Period",
    "Report",
    "StepFigures",
    "Visit",
    "holder_label",
    "median",
    "p90",
    "report",
    "role_label",
    "short_reason",
    "visits",
]

TOP_REASONS = 3
_ZERO = timedelta(0)
_MINUTE = timedelta(minutes=1)
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


_EXITS = {
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
    def over_norm(self) -> bool:
        return self.norm > 0 and self.minutes > self.norm


# One stay at a step, as the walk over a log finds it (the report's fast path):
# (step, entered, left or None, working minutes, exit, event that ended it or None)
_Stay = tuple[int, datetime, datetime | None, int, Exit, Event | None]


def _walk(events: Iterable[Event], calendar: WorkCalendar, now: datetime) -> list[_Stay]:
    """The stays of one case in order; each event's working clock is read once."""
    found: list[_Stay] = []
    step: int | None = None
    entered = now
    entered_clock = _ZERO
    clock_of = calendar.working_clock
    for event in events:
        kind = event.type
        if kind is EventType.STARTED:
            step, entered = event.step, event.at
            entered_clock = clock_of(entered)
            continue
        exit_ = _EXITS.get(kind)
        if exit_ is None or step is None:
            continue  # files and team selections do not move the case
        clock = clock_of(event.at)
        minutes = (clock - entered_clock) // _MINUTE
        found.append((step, entered, event.at, minutes if minutes > 0 else 0, exit_, event))
        if exit_ is Exit.ARCHIVED or exit_ is Exit.CANCELLED or event.to_step is None:
            step = None
        else:
            step, entered, entered_clock = event.to_step, event.at, clock
    if step is not None:
        minutes = (clock_of(max(now, entered)) - entered_clock) // _MINUTE
        found.append((step, entered, None, max(0, minutes), Exit.OPEN, None))
    return found


def visits(
    events: Iterable[Event], definition: SopDefinition, calendar: WorkCalendar, now: datetime
) -> list[Visit]:
    """The visits of one case, in order, from its event log (oldest first)."""
    events = list(events)
    case_id = events[0].case_id if events else 0
    found = []
    for step, entered, left, minutes, exit_, event in _walk(events, calendar, now):
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
    if visit.acting in ("plh", "plt"):
        return f"{visit.acting.capitalize()}. {role_name}"
    return role_name


def holder_label(visit: Visit, role_name: str, names: Mapping[int, str]) -> str:
    """Who held the step, in a few words: "Plh. Kabag Budi Santoso" for an acting
    official, the person's name, or the role when nobody is named in the log."""
    name = names.get(visit.holder, "") if visit.holder is not None else ""
    if visit.acting in ("plh", "plt"):
        return f"{role_label(visit, role_name)} {name}".strip()
    return name or role_name


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
    visits: int  # visits that ended in the period
    median: float
    p90: int
    over_norm: int  # of those visits, how many took longer than the norm
    returns: int  # of those visits, how many ended with a return
    reasons: tuple[tuple[str, int], ...]  # the most frequent return reasons, with counts


class CaseState(StrEnum):
    ON_TIME = "on_time"  # open, current step within its norm
    LATE = "late"  # open, current step past its norm
    ARCHIVED = "archived"
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
    durations: dict[int, list[int]] = {s.id: [] for s in definition.steps}
    over: Counter[int] = Counter()
    returns: Counter[int] = Counter()
    reasons: dict[int, Counter[str]] = {s.id: Counter() for s in definition.steps}
    states: Counter[CaseState] = Counter({state: 0 for state in CaseState})
    overdue: list[Overdue] = []
    cases = 0
    moment = min(period.end, now)  # when states are read: the period's end, or now
    start, end = period.start, period.end
    norms_of: dict[int, dict[int, int]] = {}  # per definition (by id): step -> norm
    for history in histories:
        if history.definition.code != definition.code:
            continue
        norms = norms_of.get(id(history.definition))
        if norms is None:
            norms = {s.id: s.time_minutes for s in history.definition.steps}
            norms_of[id(history.definition)] = norms
        stays = _walk(history.events, calendar, now)
        if not stays:
            continue
        in_period = False
        for step, _entered, left, minutes, exit_, event in stays:
            if left is None or not start <= left < end:
                continue
            in_period = True
            found = durations.get(step)
            if found is None:
                continue  # a step the current definition no longer has
            found.append(minutes)
            norm = norms.get(step, 0)
            if norm > 0 and minutes > norm:
                over[step] += 1
            if exit_ is Exit.RETURNED:
                returns[step] += 1
                if event is not None and (text := short_reason(event.reason)):
                    reasons[step][text] += 1
        state = _state_at(stays, norms, period, moment, calendar)
        if state is not None:
            states[state] += 1
            in_period = True
        step, entered, left, minutes, _exit, _event = stays[-1]
        norm = norms.get(step, 0)
        if left is None and norm > 0 and minutes > norm:
            role = history.definition.step(step).actor if step in norms else ""
            overdue.append(
                Overdue(history.case_id, history.title, step, role, minutes, norm, entered)
            )
        cases += in_period
    figures = tuple(
        StepFigures(
            step=s.id,
            title=s.title,
            role=s.actor,
            norm=s.time_minutes,
            visits=len(durations[s.id]),
            median=median(durations[s.id]),
            p90=p90(durations[s.id]),
            over_norm=over[s.id],
            returns=returns[s.id],
            reasons=tuple(_top(reasons[s.id], top_reasons)),
        )
        for s in definition.steps
    )
    overdue.sort(key=lambda o: (-(o.minutes - o.norm), o.case_id))
    return Report(period, now, figures, dict(states), tuple(overdue), cases)


def _top(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    """The ``n`` most frequent, ties in alphabetical order (stable across runs)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _state_at(
    stays: Sequence[_Stay],
    norms: Mapping[int, int],
    period: Period,
    moment: datetime,
    calendar: WorkCalendar,
) -> CaseState | None:
    """The state a case is counted in: archived or cancelled when it closed in the period;
    else, when it was open at ``moment`` (the period's end, or now), on time or late by its
    step then. None when it had not started by ``moment`` or closed outside the period."""
    first, last = stays[0], stays[-1]
    if first[1] >= moment:
        return None
    last_left = last[2]
    if last_left is not None and last_left <= moment:
        if not period.holds(last_left):
            return None
        return CaseState.CANCELLED if last[4] is Exit.CANCELLED else CaseState.ARCHIVED
    for step, entered, left, _minutes, _exit, _event in stays:
        if entered <= moment and (left is None or left > moment):
            spent = calendar.working_minutes_between(entered, moment)
            norm = norms.get(step, 0)
            return CaseState.LATE if norm > 0 and spent > norm else CaseState.ON_TIME
    return None
