"""When to remind whom about a stalled step: a pure policy over one persisted row.

Pure functional core: no clock reads ("now" is always a parameter), no I/O.

Restart safety
--------------
The policy looks only at the persisted row (:class:`HeldStep`). When a reminder is due the
caller queues the message *and* persists ``reminders_sent + 1``, ``last_reminded_at = now`` and
the new ``next_due_at`` (= ``decision.next_check_at``, see :func:`mark_sent`) in the same DB
transaction. A restart therefore neither loses nor repeats a reminder, and after a stop of any
length the next check finds exactly one reminder due (the next one counts its repeat interval
from that reminder, not from the missed slots), so an outage never produces a burst.

Escalation levels
-----------------
Reminders are numbered 1, 2, 3, ... per held step. Reminder number ``n`` goes out at level
``n // escalate_after``: with ``escalate_after = 2`` reminder 1 -> level 0 (holder only),
reminders 2-3 -> level 1 (holder + direct superior), reminders 4-5 -> level 2 (also the
superior's superior), and so on. :func:`escalation_chain` turns a level into the roles to tell.

Hand-overs
----------
When the step's tasks pass to another official while the case waits there (an acting period
begins or ends, the role passes on, a member's place in a team), the new holder starts
afresh: their first reminder falls due a repeat interval after they received the task
(never before the step's norm is used up), and they read their own numbers, from 1
(:func:`holder_number`); a holder who stays (the rest of a team) counts on. The step's count
goes on: ``n`` above is every holder's reminders at the step, so the escalation level never
falls back with a hand-over, and a step passed from hand to hand reaches the superiors as
its lateness says.

A hand-over never puts the step's next reminder more than one repeat interval after the
reminder it would have had, had its task stayed where it was (its norm, its last reminder,
a snooze). Each hand-over counts from itself, so without that bound a task passed on more
often than once an interval (a Plh period begins, ends, another begins) would never be
reminded however late the step. With it, a late step is never left more than two intervals
without a reminder (one when it keeps its holder; a snooze aside); whoever holds the task when it comes
reads it as their own ke-1, even if they received it only a moment before: the step has
waited that long, and the one who passed it on was given the interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.worktime import WorkCalendar

__all__ = [
    "HeldStep",
    "ReminderDecision",
    "ReminderSettings",
    "clamp_snooze",
    "decide_reminder",
    "escalation_chain",
    "first_due_at",
    "holder_number",
    "level_for_reminder",
    "mark_sent",
    "next_due_at",
]


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


@dataclass(frozen=True)
class ReminderSettings:
    repeat_every_minutes: int = 240  # working minutes between reminders
    # Reminder number n goes out at level n // escalate_after (see the module docstring).
    escalate_after: int = 2
    max_snooze_minutes: int = 2880

    def __post_init__(self) -> None:
        # A zero repeat interval would make every check due: a reminder storm.
        if self.repeat_every_minutes <= 0:
            raise ValueError(f"repeat_every_minutes must be > 0, got {self.repeat_every_minutes}")
        if self.escalate_after <= 0:
            raise ValueError(f"escalate_after must be > 0, got {self.escalate_after}")
        if self.max_snooze_minutes <= 0:
            raise ValueError(f"max_snooze_minutes must be > 0, got {self.max_snooze_minutes}")


@dataclass(frozen=True)
class HeldStep:
    """The persisted reminder state of one held step of an open case.

    All datetimes must be timezone-aware. ``reminders_sent`` counts reminders already sent for
    this step (to every holder it had); ``last_reminded_at`` is when the latest of them was
    sent (None before the first). ``snoozed_until``: no reminder before this moment (None:
    not snoozed). ``handed_over_at``: when the step's tasks last passed to another official
    (None: held since the step was entered), ``reminders_before_hand_over`` of the step's
    reminders having gone by then.
    """

    step_entered_at: datetime
    norm_minutes: int  # working minutes the holder has before the first reminder
    reminders_sent: int
    last_reminded_at: datetime | None
    snoozed_until: datetime | None
    handed_over_at: datetime | None = None
    reminders_before_hand_over: int = 0

    def __post_init__(self) -> None:
        if self.norm_minutes < 0:
            raise ValueError(f"norm_minutes must be >= 0, got {self.norm_minutes}")
        if self.reminders_sent < 0:
            raise ValueError(f"reminders_sent must be >= 0, got {self.reminders_sent}")
        if not 0 <= self.reminders_before_hand_over <= self.reminders_sent:
            raise ValueError(
                "reminders_before_hand_over must be within 0..reminders_sent, got "
                f"{self.reminders_before_hand_over} of {self.reminders_sent}"
            )
        _require_aware(self.step_entered_at, "step_entered_at")
        if self.last_reminded_at is not None:
            _require_aware(self.last_reminded_at, "last_reminded_at")
        if self.snoozed_until is not None:
            _require_aware(self.snoozed_until, "snoozed_until")
        if self.handed_over_at is not None:
            _require_aware(self.handed_over_at, "handed_over_at")


@dataclass(frozen=True)
class ReminderDecision:
    due: bool
    # Level of the reminder sent now (due) or of the next one (not due): 0 = holder only,
    # 1 = holder + direct superior, 2 = also the superior's superior, ...
    level: int
    # The next moment (working time, schedule's zone) at which this step could become due.
    # When due, it is the due time of the *following* reminder, assuming this one is sent at
    # `now` — store it as the row's `next_due_at` so due rows are found through an index.
    next_check_at: datetime


def level_for_reminder(settings: ReminderSettings, reminder_number: int) -> int:
    """Escalation level of reminder number ``reminder_number`` (1-based)."""
    if reminder_number < 1:
        raise ValueError(f"reminder_number must be >= 1, got {reminder_number}")
    return reminder_number // settings.escalate_after


def holder_number(held: HeldStep, received: int | None = None) -> int:
    """The number the step's next reminder has for a holder ("Pengingat ke-n"): counted
    from the reminders of the step that went since they received its task from another
    official, so whoever received it reads their own first reminder as ke-1.
    ``received``: how many of the step's reminders had gone when this holder received
    it (0: held since the step was entered; None: the step's last hand-over's count, the
    one who received the task last). A team member whose colleague's place passed on has
    their own count: they count on, only the newcomer starts at 1."""
    before = held.reminders_before_hand_over if received is None else received
    return held.reminders_sent - before + 1


def first_due_at(calendar: WorkCalendar, step_entered_at: datetime, norm_minutes: int) -> datetime:
    """The step's deadline: the moment its norm of working minutes is used up.

    This is the earliest such moment, so it can be a day's closing time (not working time
    itself); :func:`next_due_at` moves it to the next working moment.
    """
    return calendar.add_working_minutes(step_entered_at, norm_minutes)


def next_due_at(calendar: WorkCalendar, settings: ReminderSettings, held: HeldStep) -> datetime:
    """When the next reminder falls due; always a working moment, in the schedule's zone.

    The first reminder falls due when the norm is used up (``first_due_at``); each further one
    ``repeat_every_minutes`` working minutes after the last reminder, and never before the
    step's own schedule: reminder ``n + 1`` not before the norm and ``n`` repeat intervals
    are used up. So a reminder sent early (while the host's clock ran ahead, or under a norm
    the config has since lengthened) brings the next one, an escalation perhaps, no nearer:
    no superior is told of a step that is not late. (A reminder sent on time or late, as
    always without those, is at or past its place in that schedule: the floor changes
    nothing then.) Never before ``snoozed_until``. A row with no ``last_reminded_at`` is
    treated as not yet reminded.

    A holder who received the task from another official (``handed_over_at``) and has had
    no reminder of it since gets their first one ``repeat_every_minutes`` working minutes
    after they received it, or when the step's norm is used up, whichever is later: the
    task they received says by when, and a late step is not theirs to be chased about at
    once, nor at the former holder's rhythm. But never later than ``repeat_every_minutes``
    after the reminder the step would have had without the hand-over: hand-overs closer
    together than that (only the last is kept) do not put a late step's reminder off for
    ever (see the module docstring).
    """
    due = first_due_at(calendar, held.step_entered_at, held.norm_minutes)
    repeat = settings.repeat_every_minutes
    if held.last_reminded_at is not None:
        own = calendar.add_working_minutes(due, held.reminders_sent * repeat)
        due = max(own, calendar.add_working_minutes(held.last_reminded_at, repeat))
    if held.snoozed_until is not None and held.snoozed_until > due:
        due = held.snoozed_until
    if held.handed_over_at is not None and held.reminders_sent == held.reminders_before_hand_over:
        # ``due`` is the reminder the step would have had, had its task stayed where it was:
        # the hand-over puts it off to an interval after it, never further
        received = calendar.add_working_minutes(held.handed_over_at, repeat)
        due = max(due, min(received, calendar.add_working_minutes(due, repeat)))
    return calendar.next_working_moment(due)


def as_of(
    calendar: WorkCalendar, settings: ReminderSettings, held: HeldStep, now: datetime
) -> HeldStep:
    """The row as it stands at ``now``, for a row written while the host's clock ran ahead
    (it has since been set back): a reminder stamped later than ``now`` was sent now, a
    task handed over later than ``now`` was handed over now, and a snooze ends at most the
    longest snooze from now. Without this the step waited the whole time the clock had run
    ahead before it was reminded again. (The moment a step was entered is the case's own
    record, and stays: a step entered while the clock ran ahead is first reminded that much
    late. The count of reminders stays too: the holder had them; :func:`next_due_at` keeps
    the next one to the step's own schedule.)"""
    last = None if held.last_reminded_at is None else min(held.last_reminded_at, now)
    handed = None if held.handed_over_at is None else min(held.handed_over_at, now)
    snoozed = held.snoozed_until
    if snoozed is not None and snoozed > now:
        snoozed = min(snoozed, calendar.add_working_minutes(now, settings.max_snooze_minutes))
    if (last, snoozed, handed) == (held.last_reminded_at, held.snoozed_until, held.handed_over_at):
        return held
    return replace(held, last_reminded_at=last, snoozed_until=snoozed, handed_over_at=handed)


def mark_sent(held: HeldStep, now: datetime) -> HeldStep:
    """The row as the caller persists it after sending the reminder that was due at ``now``."""
    _require_aware(now, "now")
    return replace(held, reminders_sent=held.reminders_sent + 1, last_reminded_at=now)


def decide_reminder(
    calendar: WorkCalendar, settings: ReminderSettings, held: HeldStep, now: datetime
) -> ReminderDecision:
    """Is a reminder due at ``now``, at which level, and when to look at this step again.

    Nothing is due outside working time. Otherwise a reminder is due when ``now`` has reached
    :func:`next_due_at`. However long ago that was (an outage), at most one reminder is due
    per check: the decision only depends on the persisted row and ``now``.
    """
    _require_aware(now, "now")
    due_at = next_due_at(calendar, settings, held)
    level = level_for_reminder(settings, held.reminders_sent + 1)
    if now < due_at:
        return ReminderDecision(due=False, level=level, next_check_at=due_at)
    if not calendar.is_working_time(now):
        # Overdue, but nobody is at work: check again when the office opens.
        return ReminderDecision(
            due=False, level=level, next_check_at=calendar.next_working_moment(now)
        )
    following = next_due_at(calendar, settings, mark_sent(held, now))
    return ReminderDecision(due=True, level=level, next_check_at=following)


def escalation_chain(role: str, superior_of: Mapping[str, str | None], level: int) -> list[str]:
    """Roles to tell: ``[role, superior, superior's superior, ...]``, ``level`` superiors at most.

    Stops early at the top of the hierarchy (a role with no or an unknown superior). A cycle in
    ``superior_of`` (which the SOP loader should refuse) stops the chain instead of looping.
    """
    if level < 0:
        raise ValueError(f"level must be >= 0, got {level}")
    chain = [role]
    current = role
    for _ in range(level):
        superior = superior_of.get(current)
        if superior is None or superior in chain:
            break
        chain.append(superior)
        current = superior
    return chain


def clamp_snooze(settings: ReminderSettings, requested_minutes: int) -> int:
    """A requested snooze bounded to ``1..max_snooze_minutes``; ValueError if not positive."""
    if requested_minutes <= 0:
        raise ValueError(f"snooze must be at least 1 minute, got {requested_minutes}")
    return min(requested_minutes, settings.max_snooze_minutes)
