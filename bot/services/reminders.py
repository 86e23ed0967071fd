"""Reminders and escalation, derived from the database at every sweep.

Nothing lives in memory: each open case row carries ``next_due_at`` (indexed), the number
of reminders sent and when, and any snooze. A sweep reads the rows that are due, asks the
pure policy (:mod:`bot.reminder_policy`) what to do, and queues the messages in the same
transaction that counts them, so a restart after a stop of any length sends each due
reminder once, never twice and never not at all. A reminder or escalation still queued
when the next one to the same person about the same case is queued (Telegram could not be
reached meanwhile) is settled unsent: after an outage each official gets the latest one.
Each reminder and escalation queued, and each /tunda, is written to the case's chase log
(``chases``) in the same transaction: the outbox forgets its rows after the retention, the
chase log is kept as long as the case (``sopbot export`` lists it).

At a step held by a team (several members each hold it), a member's /tunda puts off his
own reminders only, as the chase log keeps it (:func:`storage.repo.snoozes_at_step`): the
sweep reminds the other members, and tells the superiors, on the step's schedule. When his
snooze ends he is sent the step's latest reminder, which he was spared (the case is looked
at again then: ``next_due_at``), and has the step's from its next one that comes a
repeat interval after it or later (:func:`_lately`). Only
when every member has put off his own does the step itself wait (``snoozed_until``),
until the first of them comes back, as one holder's /tunda puts off his step; so does
the one member left holding it (the others taken out of the team): his own becomes the
step's.

A person who would get more than :data:`DIGEST_ABOVE` reminders (or escalations) in one
page of a sweep gets one digest listing those cases instead (an outbox row of kind
"digest", rendered at send time): a Kasubag with sixty stalled proposals is not pinged
sixty times. Each case's reminder count and escalation level advance as they would without
it, and each case listed gets its own row in the chase log when the digest is delivered.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, SetBackWatch
from bot.config import Config
from bot.core.definition import SopDefinition
from bot.core.model import Case
from bot.reminder_policy import (
    HeldStep,
    ReminderSettings,
    as_of,
    clamp_snooze,
    decide_reminder,
    escalation_chain,
    holder_number,
    mark_sent,
    next_due_at,
)
from bot.services import routing
from bot.services.registry import SopRegistry
from bot.services.routing import step_holders
from bot.worktime import WorkCalendar
from storage import repo
from storage.codec import ts
from storage.db import Database, Tx

log = logging.getLogger(__name__)

SWEEP_LIMIT = 500
# More reminders than this for one person in one sweep (a page of it) come as one digest
# message listing the cases; so do more escalations than this for one superior.
DIGEST_ABOVE = 3


def _held(row: repo.ReminderRow, norm: int, snoozed_until: datetime | None = None) -> HeldStep:
    return HeldStep(
        step_entered_at=row.case.step_entered_at,
        norm_minutes=norm,
        reminders_sent=row.reminders_sent,
        last_reminded_at=row.last_reminded_at,
        snoozed_until=snoozed_until or row.snoozed_until,
        handed_over_at=row.handed_over_at,
        reminders_before_hand_over=row.reminders_before_hand_over,
    )


@dataclass(frozen=True)
class _Chase:
    """One reminder ("reminder") or escalation ("escalation") about a case, to one person."""

    person: int
    kind: str
    case_id: int
    version: int
    number: int  # the step's count: what sets the level, and what the chase log keeps
    role: str  # the role they are chased as: what the chase log keeps of it
    step: int
    # the number the step's holder reads ("Pengingat ke-n"), counted since the task last
    # passed to another official (:func:`bot.reminder_policy.holder_number`)
    shown: int
    # an escalation's: the team members who put off their own reminders (/tunda), so were
    # not sent this one, each with when he is reminded of it (:meth:`Reminders._back_at`)
    postponed: tuple[tuple[int, datetime], ...] = ()


@dataclass(frozen=True)
class Snooze:
    status: str  # "ok" | "not_found" | "closed" | "not_holder"
    until: datetime | None = None  # what was asked (bounded to the longest snooze)
    granted: int = 0
    # when the next reminder comes, when that is later than ``until`` (it was due later
    # already: an upload's put-off, a longer /tunda, the step's norm); None: at ``until``
    later: datetime | None = None
    # at a step held by a team: the reminders postponed are the sender's own (the other
    # members keep theirs), and ``due`` is his next one: when his snooze ends (``back``:
    # the step reminds before then), or the step's next one, which comes after it
    own: bool = False
    due: datetime | None = None
    back: bool = False
    # ... the end of his own snooze in force, when an earlier /tunda of his ends later
    # than ``until`` (it stands: a /tunda only postpones); None: ``until``
    kept: datetime | None = None


def _queue(tx: Tx, chases: list[_Chase], now: datetime, spaced: datetime | None = None) -> None:
    """The reminders and escalations of a page of a sweep (or escalations moved to a role's
    new holder, :func:`escalate_anew`), to each person one by one, or as one digest when
    they are more than :data:`DIGEST_ABOVE`. ``spaced``: a repeat interval after ``now``,
    before which no reminder of the step is to reach the same person again; each reminder
    carries it ("until") to the chase log, which keeps it when it is delivered
    (:func:`_lately`: the interval counts from now, however late Telegram delivers it)."""
    by_person: dict[tuple[int, str], list[_Chase]] = defaultdict(list)
    for chase in chases:
        by_person[(chase.person, chase.kind)].append(chase)
    for (person, kind), theirs in by_person.items():
        # a digest queued earlier and still waiting leaves these cases to this one
        on_its_way = repo.supersede_digests(tx, person, kind, [c.case_id for c in theirs], now)
        theirs = [c for c in theirs if c.case_id not in on_its_way]
        if len(theirs) > DIGEST_ABOVE:
            entries = [[c.case_id, c.version, c.number, c.role, c.step] for c in theirs]
            digest: dict[str, object] = {"t": kind, "cases": entries}
            if kind == "reminder" and spaced is not None:
                digest["until"] = ts(spaced)
            off = {str(c.case_id): _off(c) for c in theirs if c.postponed}
            if off:  # "off": of each case, as an escalation's own (below)
                digest["off"] = off
            repo.enqueue(tx, person, "digest", now, params=digest)
            continue
        for c in theirs:
            # "as" and "step": what the chase log keeps of it once it is delivered (the
            # outbox rows are pruned; one superseded or refused on its way told nobody)
            # "reminder": the number the holder reads; "n": the step's count
            params: dict[str, object] = (
                {"reminder": c.shown, "n": c.number, "as": c.role, "step": c.step}
                if kind == "reminder"
                else {
                    "t": "escalation",
                    "n": c.number,
                    "reminder": c.shown,
                    "as": c.role,
                    "step": c.step,
                }
            )
            if c.postponed:  # "off": who was not reminded, having put off their own
                params["off"] = _off(c)
            if kind == "reminder" and spaced is not None:
                params["until"] = ts(spaced)
            repo.enqueue(
                tx,
                person,
                "task" if kind == "reminder" else "notice",
                now,
                case_id=c.case_id,
                version=c.version,
                params=params,
            )


def _off(chase: _Chase) -> list[list[object]]:
    """An escalation's team members who were not sent its reminder, having put off their
    own (/tunda), as its outbox row keeps them: [person, when he is reminded of it]."""
    return [[person, ts(until)] for person, until in chase.postponed]


def _escalations(
    tx: Tx,
    definition: SopDefinition,
    case: Case,
    role: str,
    number: int,
    shown: int,
    told: set[int],
    now: datetime,
    postponed: tuple[tuple[int, datetime], ...] = (),
) -> list[_Chase]:
    """The case's escalation, with its reminder's ``number`` (the step's count; ``shown``:
    the number its holder read), to who answers for ``role`` now besides ``told``
    (:func:`routing.superiors`), each added to ``told``. One who has an earlier reminder
    or escalation about the case on its way at this moment keeps that one, and is not
    queued another beside it. ``postponed``: the team members not sent the reminder, having
    put off their own (/tunda), with when each is reminded of it: the escalation names them."""
    chases = []
    for superior in routing.superiors(tx, definition, case, role, told, now):
        told.add(superior)
        if not repo.supersede_reminders(tx, superior, case.id, now):
            continue
        chases.append(
            _Chase(
                superior,
                "escalation",
                case.id,
                case.version,
                number,
                role,
                case.step,
                shown,
                postponed,
            )
        )
    return chases


def put_off_after_upload(
    tx: Tx,
    calendar: WorkCalendar,
    settings: ReminderSettings,
    definition: SopDefinition,
    case: Case,
    at: datetime,
    uploader: int,
) -> None:
    """A holder of the case's step (``uploader``) attached a file to it at ``at`` (a
    draft, a corrected document): the step is being worked on, so its next reminder is
    not due before ``repeat_every_minutes`` after that, nor earlier than it was. Kept as a
    snooze (no reminder before then: a longer /tunda stands), not in the chase log: nobody
    asked. The team members whose own /tunda holds are told when it puts their next
    reminder later than their reply said (:func:`_tell_put_off`). ``case``: as the
    upload's transaction has it (saved, open)."""
    row = repo.reminder_state(tx, case)
    norm = definition.step(case.step).time_minutes
    until = calendar.add_working_minutes(at, settings.repeat_every_minutes)
    if row.snoozed_until is not None and row.snoozed_until >= until:
        return
    held = _held(row, norm, until)
    due = next_due_at(calendar, settings, held)
    repo.set_reminder_state(tx, case.id, next_due_at=due, snoozed_until=until)
    _tell_put_off(tx, calendar, settings, definition, row, _held(row, norm), held, at, uploader)


def _tell_put_off(
    tx: Tx,
    calendar: WorkCalendar,
    settings: ReminderSettings,
    definition: SopDefinition,
    row: repo.ReminderRow,
    before: HeldStep,
    after: HeldStep,
    at: datetime,
    uploader: int,
) -> None:
    """A colleague's upload at ``at`` put the step's reminders off (``before`` to
    ``after``): each other member of the team whose own /tunda still holds, and whose
    next reminder it moves later than his reply named (:func:`_own_next`), is told when
    it comes now. The upload rule stands (the step is being worked on: there is no
    reminder for him to be sent as his snooze ends), but a moment named to an official
    is not left to pass unsaid."""
    case = row.case
    asked = repo.snoozes_at_step(tx, case.id, case.step, case.step_entered_at)
    waiting = {person: until for person, until in asked.items() if until > at}
    waiting.pop(uploader, None)
    if not waiting:
        return
    holders = step_holders(tx, definition, case, at)
    if len(holders) < 2:
        return  # one holder's /tunda is the step's own: no reply named another moment
    furthest = calendar.add_working_minutes(at, settings.max_snooze_minutes)
    for person, until in waiting.items():
        if person not in holders:
            continue
        own = min(until, furthest)
        was, _ = _own_next(tx, calendar, settings, row, before, person, own)
        due, _ = _own_next(tx, calendar, settings, row, after, person, own)
        if due > was:
            params = {"t": "reminder_put_off", "people": [uploader], "step": case.step}
            repo.enqueue(
                tx,
                person,
                "notice",
                at,
                case_id=case.id,
                version=case.version,
                params={**params, "was": ts(was), "due": ts(due)},
            )


@dataclass(frozen=True)
class Escalated:
    """An escalation a sweep queued, as its outbox row keeps it: the case at the version
    and step it was late at, the reminder's number, and the superior role it told; ``off``:
    the team members it named as not sent that reminder, having put off their own (/tunda),
    with when each is reminded of it (as his reply to /tunda said: when his snooze ends,
    or the office opens after it)."""

    case_id: int
    version: int
    number: int
    role: str
    step: int
    off: tuple[tuple[int, datetime], ...] = ()


def escalate_anew(
    tx: Tx, sops: SopRegistry, former: int, escalated: Sequence[Escalated], now: datetime
) -> list[tuple[int, int]]:
    """Escalations queued for ``former``, who no longer answers for the role they were
    sent to them as (the administrator passed it on while they waited for office hours or
    for Telegram), go to who answers for it now, picked as the sweep picks superiors
    (:func:`_escalations`) and queued as it queues them (:func:`_queue`: one by one, or a
    digest for more than :data:`DIGEST_ABOVE` to one person). The reminder's number stays:
    the sweep counted it, and the case's reminder count and level are not moved on again;
    the step's holders, and whoever the chase log shows was told of that reminder already,
    are not told again. A case that has moved on, or whose role nobody answers for now
    (vacant), is escalated to nobody; nor is one a later sweep reminded of since (it
    escalated to who answers for the role then: a role once escalated to stays in every
    later escalation of the step), nor one whose tasks passed to another official since
    (the reminder it tells of was not theirs: the next one, theirs, escalates). It names
    the team members who were not sent that reminder, having put off their own, as the
    sweep's escalation did (``off``): the new holder reads what the former would have.
    Returns the (case, person) pairs queued."""
    chases: list[_Chase] = []
    for e in escalated:
        row = repo.reminder_row(tx, e.case_id, e.version)
        if row is None or (row.case.step, row.reminders_sent) != (e.step, e.number):
            continue  # moved on, or a later reminder escalated to who answers for it now
        case = row.case
        definition = sops.of(case)
        holders = step_holders(tx, definition, case, now)
        # the number each holder read of that reminder (none: handed over since)
        shown = max(
            (e.number - row.received(h) for h in holders),
            default=e.number - row.reminders_before_hand_over,
        )
        if shown < 1:
            continue  # handed over since: its new holder has had no reminder yet
        if not definition.has_role(e.role):
            continue
        told = {former, *holders}
        told |= repo.told_of_reminder(tx, case.id, case.step, e.number, case.step_entered_at)
        chases += _escalations(tx, definition, case, e.role, e.number, shown, told, now, e.off)
    _queue(tx, chases, now)
    return [(c.case_id, c.person) for c in chases]


def _asked(tx: Tx, case: Case, holders: Sequence[int]) -> dict[int, datetime]:
    """The members of a team holding the case's step who put off their own reminders
    (/tunda) at it, each with when that ends (the latest he asked), ended or not. A step
    with one holder has none: his /tunda puts off the step's (``snoozed_until``)."""
    if len(holders) < 2:
        return {}
    asked = repo.snoozes_at_step(tx, case.id, case.step, case.step_entered_at)
    return {person: asked[person] for person in holders if person in asked}


def _postponed(asked: dict[int, datetime], now: datetime) -> dict[int, datetime]:
    """Of the members who put off their own reminders (:func:`_asked`), those whose snooze
    goes beyond ``now``: the step's reminder goes to the others."""
    return {person: until for person, until in asked.items() if until > now}


def _owed(tx: Tx, row: repo.ReminderRow, people: Sequence[int]) -> list[int]:
    """Of ``people``, members of a team holding the case's step, those who were not sent
    the step's latest reminder, having put off their own (/tunda): each is sent it as his
    snooze ends (:meth:`Reminders._back`). One who was not sent it because it came less
    than an interval after his own (:func:`_lately`) is not owed it."""
    number = row.reminders_sent
    case = row.case
    spared = [person for person in people if row.received(person) < number]
    if number < 1 or not spared:
        return []
    had = repo.had_reminder(tx, case.id, case.step, number, case.step_entered_at, spared)
    owed = [person for person in spared if person not in had]
    if owed and row.last_reminded_at is not None:
        lately = _lately(tx, row, owed, row.last_reminded_at)
        owed = [person for person in owed if person not in lately]
    return owed


def _lately(tx: Tx, row: repo.ReminderRow, people: Sequence[int], at: datetime) -> set[int]:
    """Of ``people``, members of a team holding the case's step who put off their own
    reminders at it (only they leave its rhythm: each is reminded as his snooze ends),
    those a reminder at ``at`` would reach less than the step's repeat interval after the
    last one they were sent of it: they are not sent the step's reminder then (nor owed
    it), but have its next one. No one is reminded of a case twice within the interval
    (the one as his snooze ended at 13.00, the step's at 13.30). The interval counts from
    when the sweep queued his last one, as a single holder's counts from the sweep's
    ``last_reminded_at`` (:func:`bot.reminder_policy.next_due_at`): one Telegram delivered
    late (an outage, a 429 backlog) costs him none of the step's next reminders."""
    if not people:
        return set()
    case = row.case
    spaced = repo.reminded_until(tx, case.id, case.step, case.step_entered_at, people)
    return {person for person, until in spaced.items() if until > at}


def _own_next(
    tx: Tx,
    calendar: WorkCalendar,
    settings: ReminderSettings,
    row: repo.ReminderRow,
    held: HeldStep,
    person: int,
    own: datetime,
) -> tuple[datetime, bool]:
    """When a member of a team holding the case's step, whose own /tunda ends at
    ``own``, is next reminded, the step's reminders as ``held`` has them; and whether
    that is as his snooze ends (the step reminds before then, or reminded while it held:
    he is sent its latest then, in office hours) rather than at the step's next reminder
    that comes after it (not one less than an interval after his own last)."""
    due = next_due_at(calendar, settings, held)
    owed = bool(_owed(tx, row, [person]))
    if not owed and _lately(tx, row, [person], due):
        # the step's next comes too soon after his own last: his is the one after it
        due = next_due_at(calendar, settings, mark_sent(held, due))
    if due >= own and not owed:
        return due, False
    return calendar.next_working_moment(own), True


class Reminders:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        clock: Clock,
        calendar: WorkCalendar,
        settings: ReminderSettings,
        config: Config,
        wake_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.db, self.sops, self.clock, self.calendar = db, sops, clock, calendar
        self.settings, self.config = settings, config
        self.wake_outbox = wake_outbox
        self._clock_watch = SetBackWatch()

    async def sweep(self, limit: int = SWEEP_LIMIT) -> int:
        """Send every reminder due now; returns how many were sent.

        Due rows are read ``limit`` at a time until none is left: every row handled leaves
        the due set (its ``next_due_at`` moves past ``now``), so the pages always make
        progress. A case that cannot be handled (e.g. its SOP was taken out of the config)
        is logged and skipped, so it does not hold back every case due after it.
        """
        now = self.clock.now()
        if self._clock_watch.set_back(now):
            # the due times written while the clock ran ahead are that much too late (the
            # sweep looks only at rows due by now)
            log.warning("the clock was set back: every open case's reminder is set again")
            await self.reschedule()
        sent = 0
        broken: set[int] = set()
        while True:
            wanted = limit + len(broken)  # the broken ones are still due: read past them
            page = await self.db.read(repo.due_case_ids, now, wanted)
            fresh = [case_id for case_id in page if case_id not in broken]
            if fresh:
                page_sent, failed = await self.db.write(self._remind_page, fresh, now)
                broken |= failed
                if page_sent:
                    sent += page_sent
                    self.wake_outbox()  # deliver this page while the next one is read
            if not fresh or len(page) < wanted:
                return sent

    def _remind_page(self, tx: Tx, case_ids: list[int], now: datetime) -> tuple[int, set[int]]:
        sent, broken = 0, set()
        chases: list[_Chase] = []
        for case_id in case_ids:
            try:
                with repo.savepoint(tx, "reminder"):
                    found = self._remind(tx, case_id, now)
            except Exception:
                log.exception("reminder of case %d failed; the sweep goes on", case_id)
                broken.add(case_id)
                continue
            if found is not None:
                sent += 1
                chases += found
        spaced = self.calendar.add_working_minutes(now, self.settings.repeat_every_minutes)
        _queue(tx, chases, now, spaced)
        return sent, broken

    def _remind(self, tx: Tx, case_id: int, now: datetime) -> list[_Chase] | None:
        """The case's reminder and escalations due now, or, when none is, the reminders of
        team members back from their own /tunda (:meth:`_back`) (None: nothing is due
        yet); its reminder state is moved on, and what is queued for each person is left
        to :func:`_queue`."""
        row = repo.reminder_row(tx, case_id)
        if row is None:
            return None
        case = row.case
        definition = self.sops.of(case)
        step = definition.step(case.step)
        holders = step_holders(tx, definition, case, now)
        alone = self._left_alone(tx, row, holders, now)
        held = _held(row, step.time_minutes, alone)
        decision = decide_reminder(self.calendar, self.settings, held, now)
        asked = _asked(tx, case, holders)
        if not decision.due:
            back, waiting = self._back(tx, row, step.actor, held, asked, now)
            due = self._next_check(decision.next_check_at, asked, now, waiting)
            if alone is None:
                repo.set_reminder_state(tx, case_id, next_due_at=due)
            else:
                repo.set_reminder_state(tx, case_id, next_due_at=due, snoozed_until=alone)
            return back or None
        # the step's count sets the level (a hand-over does not start the escalation over);
        # each holder reads their own number, from 1 since the task passed to them (a team
        # member who stays counts on when a colleague's place passes to a newcomer)
        number = row.reminders_sent + 1
        numbers = {person: holder_number(held, row.received(person)) for person in holders}
        shown = max(numbers.values(), default=holder_number(held))
        postponed = _postponed(asked, now)
        # back from their own /tunda, reminded as it ended: not again within the interval
        lately = _lately(tx, row, list(asked), now)
        chases = []
        for person in holders:
            if person in postponed or person in lately:
                continue  # a team member who put off his own reminders (/tunda)
            if not repo.supersede_reminders(tx, person, case.id, now):
                continue  # the one before is on its way to them at this moment
            chases.append(
                _Chase(
                    person,
                    "reminder",
                    case.id,
                    case.version,
                    number,
                    step.actor,
                    case.step,
                    numbers[person],
                )
            )
        chain = escalation_chain(step.actor, definition.superior_of(), decision.level)
        told = set(holders)  # the late holder is never their own superior (a Kabag as Plh Karo)
        # each named with when he is next reminded, as his reply to /tunda said: of this
        # one as his snooze ends, or, reminded lately, the step's next one he is not spared
        following = decision.next_check_at
        off = tuple(
            (person, max(following, self._back_at(until, now)))
            if person in lately
            else (person, self._back_at(until, now))
            for person, until in postponed.items()
        ) + tuple((person, following) for person in lately if person not in postponed)
        for role in chain[1:]:
            chases += _escalations(tx, definition, case, role, number, shown, told, now, off)
        repo.set_reminder_state(
            tx,
            case_id,
            next_due_at=self._next_check(decision.next_check_at, asked, now),
            reminders_sent=number,
            last_reminded_at=now,
        )
        return chases

    def _back(
        self,
        tx: Tx,
        row: repo.ReminderRow,
        role: str,
        held: HeldStep,
        asked: dict[int, datetime],
        now: datetime,
    ) -> tuple[list[_Chase], bool]:
        """The team members back from their own /tunda who were not sent the step's
        latest reminder, having put off theirs: each is sent it now, when his snooze has
        ended (no escalation goes with it: the superiors were told of it on the step's
        schedule), and reads its number as he counts it; the others keep their rhythm,
        and he the step's from its next one. Outside office hours they wait (True: some
        do) for the office to open."""
        number = row.reminders_sent
        case = row.case
        spared = [person for person, until in asked.items() if until <= now]
        owed = _owed(tx, row, spared)
        if not owed or not self.calendar.is_working_time(now):
            return [], bool(owed)
        back = []
        for person in owed:
            if not repo.supersede_reminders(tx, person, case.id, now):
                continue  # the one before is on its way to them at this moment
            shown = holder_number(held, row.received(person)) - 1
            back.append(
                _Chase(person, "reminder", case.id, case.version, number, role, case.step, shown)
            )
        return back, False

    def _back_at(self, until: datetime, now: datetime) -> datetime:
        """When a team member whose own /tunda ends at ``until`` (beyond ``now``) is sent
        the step's reminder he was spared (:meth:`_back`): then, or when the office opens
        after it (a snooze that ends as it closes: the next morning); never beyond the
        longest snooze from ``now``."""
        furthest = self.calendar.add_working_minutes(now, self.settings.max_snooze_minutes)
        return self.calendar.next_working_moment(min(until, furthest))

    def _next_check(
        self, due: datetime, asked: dict[int, datetime], now: datetime, waiting: bool = False
    ) -> datetime:
        """When to look at the case again: when its step's next reminder is due (``due``),
        or when a team member's own /tunda ends before that (he is reminded then, when he
        was not sent the step's latest reminder), or when the office opens, for those back
        from it outside office hours (``waiting``)."""
        for until in asked.values():
            if until > now:
                due = min(due, self._back_at(until, now))
        if waiting:
            due = min(due, self.calendar.next_working_moment(now))
        return due

    def _left_alone(
        self, tx: Tx, row: repo.ReminderRow, holders: Sequence[int], now: datetime
    ) -> datetime | None:
        """When the one holder left of a team (the others taken out of it, or their places
        passed on) put off his own reminders while the team was more (/tunda, in the chase
        log) beyond the step's snooze: the end of his, which the step now keeps as its own
        (``snoozed_until``), as his /tunda would have put off the step had he held it
        alone. None: nothing to add."""
        if len(holders) != 1:
            return None
        case = row.case
        asked = repo.snoozes_at_step(tx, case.id, case.step, case.step_entered_at)
        if holders[0] not in asked:
            return None
        # no end further than the longest snooze (one stamped while the clock ran ahead)
        furthest = self.calendar.add_working_minutes(now, self.settings.max_snooze_minutes)
        end = min(asked[holders[0]], furthest)
        if end <= now or (row.snoozed_until is not None and row.snoozed_until >= end):
            return None
        return end

    async def next_due(self, after: datetime) -> datetime | None:
        """The next moment a reminder falls due after ``after``, as the open cases store it
        (``next_due_at``, always a working moment: for a step a sweep found overdue outside
        office hours, the office's opening). None: no open case."""
        return await self.db.read(repo.next_due_after, after)

    async def snooze(self, user_id: int, case_id: int, minutes: int) -> Snooze:
        """/tunda: no reminder for the step before ``minutes`` working minutes from now.
        It only postpones: a snooze in force that ends later (an upload's put-off, a
        longer /tunda) stands, and the next reminder never comes earlier than it was due;
        :attr:`Snooze.later` says when it comes, when not as asked."""

        def txn(tx: Tx) -> Snooze:
            row = repo.reminder_row(tx, case_id)
            if row is None:
                return Snooze("closed" if repo.load_case(tx, case_id) else "not_found")
            case = row.case
            definition = self.sops.of(case)
            now = self.clock.now()
            actor = routing.actor(tx, user_id, case.unit, self.config, now)
            # whom the step's reminders go to, or who may decide it all the same (the
            # definitive holder while a Plh acts); not whoever holds its role: a Kabag who
            # is Plh Karo does not decide step 3 of what he approved (four eyes), nor a Plh
            # a strategic step, so neither puts off the reminders of who does
            holders = step_holders(tx, definition, case, now)
            if user_id not in holders and not routing.may_decide(definition, case, actor):
                return Snooze("not_holder")
            step = definition.step(case.step)
            granted = clamp_snooze(self.settings, minutes)
            until = self.calendar.add_working_minutes(now, granted)
            snoozed = repo.Chase("snooze", case.step, now, user_id, step.actor, until=until)
            repo.log_chases(tx, case.id, [snoozed])
            if user_id in holders and len(holders) > 1:
                due, back, own = self._snooze_own(
                    tx, row, step.time_minutes, holders, user_id, now, until
                )
                kept_own = own if own > until else None
                return Snooze("ok", until, granted, own=True, due=due, back=back, kept=kept_own)
            # never earlier than the snooze in force (the row's, kept when it ends later)
            kept = max(until, row.snoozed_until or until)
            held = _held(row, step.time_minutes, kept)
            due = next_due_at(self.calendar, self.settings, held)
            repo.set_reminder_state(tx, case.id, next_due_at=due, snoozed_until=kept)
            later = due if due > self.calendar.next_working_moment(until) else None
            return Snooze("ok", until, granted, later)

        return await self.db.write(txn)

    def _snooze_own(
        self,
        tx: Tx,
        row: repo.ReminderRow,
        norm: int,
        holders: Sequence[int],
        user_id: int,
        now: datetime,
        until: datetime,
    ) -> tuple[datetime, bool, datetime]:
        """/tunda of a member of a team holding the step (logged already): his own
        reminders, none before ``until`` (nor before a longer /tunda of his); the other
        members are reminded, and the superiors told, on the step's schedule. When every
        member has put off his own, the step waits (``snoozed_until``) until the first of
        them comes back, as one holder's /tunda puts off his step. Returns when his next
        reminder is, and whether that is when his snooze ends (the step reminds before
        then, or reminded while an earlier /tunda of his held: he is reminded of its
        latest as his snooze ends, in office hours) rather than the step's next reminder,
        which comes after it; and when his own snooze ends (a longer /tunda of his
        before this one stands)."""
        calendar, settings = self.calendar, self.settings
        case = row.case
        asked = repo.snoozes_at_step(tx, case.id, case.step, case.step_entered_at)
        # no end further than the longest snooze (one stamped while the clock ran ahead)
        furthest = calendar.add_working_minutes(now, settings.max_snooze_minutes)
        ends = [min(asked.get(person, now), furthest) for person in holders]
        kept = row.snoozed_until
        if all(end > now for end in ends):
            first = min(ends)
            kept = max(first, kept or first)
        held = _held(row, norm, kept)
        due = next_due_at(calendar, settings, held)
        if kept != row.snoozed_until:
            # looked at again when the step waits no more, or before, when a member's own
            # snooze ends first (one spared the step's latest reminder is sent it then)
            theirs = {person: asked[person] for person in holders if person in asked}
            check = self._next_check(due, theirs, now)
            repo.set_reminder_state(tx, case.id, next_due_at=check, snoozed_until=kept)
        own = min(max(until, asked.get(user_id, until)), furthest)
        due, back = _own_next(tx, calendar, settings, row, held, user_id, own)
        return due, back, own

    async def reschedule(self) -> int:
        """At start, and after the host's clock was set back: each open case's next
        reminder as the SOP's norms, the reminder settings and the calendar put it now (a
        reminder or snooze stamped while the clock ran ahead is kept as of now). A case without a due time (a database from
        before reminders) gets one; one due earlier than stored (a norm shortened in the
        config, longer office hours) is moved up. One due later is left as it is: when the
        stored moment comes, the sweep finds it not yet due and moves it on. Returns how
        many were set."""

        now = self.clock.now()
        self._clock_watch.set_back(now)  # the latest reading: a set back is measured from it

        def txn(tx: Tx) -> tuple[int, int]:
            filled = moved = 0
            for row, stored in repo.open_reminder_rows(tx):
                try:
                    norm = self.sops.of(row.case).step(row.case.step).time_minutes
                except KeyError:  # its SOP left the config: the sweep logs it, and skips it
                    continue
                kept = _held(row, norm)
                held = as_of(self.calendar, self.settings, kept, now)
                due = next_due_at(self.calendar, self.settings, held)
                if stored is not None and due >= stored:
                    continue
                if held != kept:  # stamped while the clock ran ahead: kept as of now
                    repo.set_reminder_state(
                        tx,
                        row.case.id,
                        next_due_at=due,
                        last_reminded_at=held.last_reminded_at,
                        snoozed_until=held.snoozed_until,
                        handed_over_at=held.handed_over_at,
                    )
                else:
                    repo.set_reminder_state(tx, row.case.id, next_due_at=due)
                filled += stored is None
                moved += stored is not None
            return filled, moved

        filled, moved = await self.db.write(txn)
        if filled:
            log.info("reminders scheduled for %d open cases that had none", filled)
        if moved:
            log.info("reminders of %d open cases moved up to what the config now says", moved)
        return filled + moved
