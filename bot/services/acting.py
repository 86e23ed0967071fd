"""Acting officials: Plh (Pelaksana Harian) and Plt (Pelaksana Tugas), date-bounded.

An administrator appoints someone to act in a role for a period (``/plh``, ``/plt``); while
it is in force the role's tasks go to them (:mod:`bot.services.routing`), their decisions
are recorded as acting ("selaku Plh. Karo") and their papers are signed "Plh. ...". When it
begins, the role's open tasks move to them; when it ends (by itself, or ``/akhiri_plh``)
they move back to the definitive holder, or straight on to the next acting official when
another period begins as this one ends; a role with no definitive holder leaves them with
no one, and the administrators are told how many wait. Either way the tasks come as a task
message each, or, more than :data:`LISTED_ABOVE` to one official, listed in the notice of
the start or end (opened from /tugas). Both moves are made once, by
whoever sees the moment first: the appointment's transaction, or the periodic sweep (also
right after a restart). An acting official who becomes the role's definitive holder
(``/alihkan``, an invitation) acts no more: their appointment ends then
(:func:`end_for_new_holder`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import CLOCK_SET_BACK, Clock
from bot.config import ActingConfig, Config
from bot.core.definition import SopDefinition
from bot.core.model import Case
from bot.core.workflow import second_roles
from bot.services import effects, routing
from bot.services.cases import claim
from bot.services.effects import LISTED_ABOVE as LISTED_ABOVE
from bot.services.effects import listed_tasks
from bot.services.registry import SopRegistry
from storage import repo
from storage.db import Database, Tx

log = logging.getLogger(__name__)

KINDS = ("plh", "plt")
# LISTED_ABOVE (from effects): more tasks than this to one official at the start or end of
# a period are listed in its notice (effects.listed_tasks), not sent one by one


@dataclass(frozen=True)
class Appointed:
    # "ok" | "no_role" | "shared" | "holder" | "busy" | "past" | "planned"; for the acting
    # official in force given again (same role, same kind): "extended" (its end moved),
    # "shorter" (refused: /akhiri_plh ends it early), "same" (no change), "config" (named
    # in the config's [[acting]], which the bot follows at each start: extended there)
    status: str
    appointment: repo.Appointment | None = None
    tasks: int = 0
    started: bool = True  # the appointee has pressed Start (else the bot cannot write to them)
    # the one in force ("busy"; as it was before "extended" and the like) or planned
    current: repo.Appointment | None = None
    vacant: bool = False  # the role has no definitive holder (none is told of the appointment)
    # definitive holders who never pressed Start: Telegram refuses to tell them (yet)
    not_told: tuple[repo.Person, ...] = ()
    # the appointee's own roles of the role's review chain ("ok"), with what four eyes does
    # then (bot.core.workflow.second_roles): the administrator is warned
    second: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Handed:
    """Where the open tasks of an ended period went."""

    returned: int = 0  # back to the definitive holder
    onward: int = 0  # to the next acting official, whose period begins as this one ends
    waiting: tuple[int, ...] = ()  # the cases left to no one: the role has no holder
    next: repo.Appointment | None = None  # that next acting official's appointment


@dataclass(frozen=True)
class Ended:
    """/akhiri_plh: the appointment ended, where its tasks went, and whether the role has a
    definitive holder to return to."""

    appointment: repo.Appointment
    handed: Handed
    vacant: bool


def end_for_new_holder(
    tx: Tx, unit: str, role: str, person_id: int, now: datetime, by: int | None
) -> repo.Appointment | None:
    """The person now holds ``role`` (given by /alihkan or an invitation): an appointment of
    theirs to act in it ends now (the one ended, if it was in force), and one still to come
    is called off. Their tasks of the role stay theirs, as its definitive holder's."""
    ended = None
    for appointment in repo.appointments(tx, unit, person_id):
        if appointment.role != role or appointment.ends_at <= now:
            continue
        if appointment.starts_at <= now:
            ended = repo.end_acting(tx, unit, role, now, by)
        else:
            repo.call_off_acting(tx, appointment.id, appointment.starts_at, now)
        repo.mark_routed(tx, appointment.id, now, back=True)
    return ended


def as_of(tx: Tx, now: datetime) -> None:
    """The appointments as of ``now`` after the host's clock ran ahead and was set back
    (:func:`storage.repo.acting_as_of`): whether a period is in force, and whether its tasks
    have moved, follow from its days and the present, not from what was written on the clock
    ahead. Run by every transaction that reads the periods to act on them."""
    changed = repo.acting_as_of(tx, now, now + CLOCK_SET_BACK)
    if changed:
        log.warning(
            "the clock was set back: %d acting appointments written while it ran ahead are "
            "taken as of now (their tasks move as their periods now say)",
            changed,
        )


class Acting:
    def __init__(self, db: Database, sops: SopRegistry, config: Config, clock: Clock) -> None:
        self.db, self.sops, self.config, self.clock = db, sops, config, clock
        self.unit = config.organisation.unit

    def end_of_day(self, day: date) -> datetime:
        """The moment a period named by its last day ends: midnight after it, office time."""
        tz = ZoneInfo(self.config.time.timezone)
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)

    async def appoint(
        self,
        admin_id: int,
        role: str,
        person_id: int,
        kind: str,
        until: date,
        reason: str,
        letter: str,
        update_id: int | None = None,
    ) -> Appointed:
        definition = self.sops

        def txn(tx: Tx) -> Appointed:
            now = self.clock.now()
            claim(tx, update_id, now)
            as_of(tx, now)
            if not definition.has_role(role):
                return Appointed("no_role")
            if definition.role(role).shared:
                return Appointed("shared")
            if person_id in {p.telegram_id for p in repo.holders(tx, self.unit, role)}:
                return Appointed("holder")
            current = repo.acting_for(tx, self.unit, role, now)
            ends = self.end_of_day(until)
            if current is not None and (current.person_id, current.kind) == (person_id, kind):
                # "diperpanjang sampai ...", kept with its own reason and letter
                extension = repo.Extension(ends, reason, letter, admin_id, now)
                return self._extend(tx, current, extension, now)
            if current is not None:
                return Appointed("busy", current=current)
            if ends <= now:
                return Appointed("past")
            # one acting official at a time: a planned one (the config's [[acting]]) too
            planned = repo.acting_overlapping(tx, self.unit, role, now, ends)
            if planned is not None and (planned.person_id, planned.kind) == (person_id, kind):
                # his own period still to come: the config's, which says when it ends
                return Appointed(
                    "config" if planned.created_by is None else "planned", current=planned
                )
            if planned is not None:
                return Appointed("planned", current=planned)
            repo.ensure_person(tx, person_id, now)
            appointment_id = repo.appoint(
                tx,
                role=role,
                unit=self.unit,
                person_id=person_id,
                kind=kind,
                starts_at=now,
                ends_at=ends,
                reason=reason,
                letter=letter,
                by=admin_id,
                now=now,
            )
            appointment = repo.acting_for_id(tx, appointment_id)
            assert appointment is not None
            moved = self._route_in(tx, appointment, now)
            person = repo.get_person(tx, person_id)
            definitive = repo.holders(tx, self.unit, role)
            held = repo.active_roles(tx, person_id, self.unit)
            return Appointed(
                "ok",
                appointment,
                moved,
                started=person is not None and person.started_bot,
                vacant=not definitive,
                not_told=tuple(p for p in definitive if not p.started_bot),
                second=tuple(second_roles(definition, role, held, acting=True)),
            )

        return await self.db.write(txn)

    def _extend(
        self, tx: Tx, current: repo.Appointment, extension: repo.Extension, now: datetime
    ) -> Appointed:
        """The same person, role and kind appointed again, to a later end: the appointment
        runs on to it (as a letter "diperpanjang sampai dengan ..."), the extension kept
        with its own reason and letter (the first appointment's stay). Nothing is handed
        back or in: its tasks stay with the acting official, who alone is told, with the
        extension's reason and letter; the end is read from the row (the sweep, and the
        moment it is planned for), so the hand-back comes at the new end, after a restart
        too. An earlier end is refused (/akhiri_plh ends it early); the same end changes
        nothing. One the config's [[acting]] made is extended there: the bot follows its
        ``until`` at each start, and would undo it."""
        ends = extension.ends_at
        if ends < current.ends_at:
            return Appointed("shorter", current=current)
        if ends == current.ends_at:
            return Appointed("same", current=current)
        if current.created_by is None:
            return Appointed("config", current=current)
        # one acting official at a time: the days added may not meet a planned one
        later = repo.acting_overlapping(tx, self.unit, current.role, current.ends_at, ends)
        if later is not None:
            return Appointed("planned", current=later)
        index = repo.extend_acting(tx, current.id, extension)
        params = {"t": "acting_extended", "appointment": current.id, "extension": index}
        repo.enqueue(tx, current.person_id, "notice", now, params=params)
        extended = repo.acting_for_id(tx, current.id)
        person = repo.get_person(tx, current.person_id)
        return Appointed(
            "extended",
            extended,
            started=person is not None and person.started_bot,
            current=current,
        )

    async def end(self, admin_id: int, role: str, update_id: int | None = None) -> Ended | None:
        """/akhiri_plh: the appointment in force for the role ends now; tasks move back (the
        administrator who ended it is answered; the others hear of tasks left waiting)."""

        def txn(tx: Tx) -> Ended | None:
            now = self.clock.now()
            claim(tx, update_id, now)
            as_of(tx, now)
            ended = repo.end_acting(tx, self.unit, role, now, admin_id)
            if ended is None:
                return None
            handed = Handed()
            if not ended.routed_back:
                handed = self._route_back(tx, ended, now, answered=admin_id)
            vacant = not repo.holders(tx, self.unit, role)
            return Ended(ended, handed, vacant)

        return await self.db.write(txn)

    async def listing(self, person_id: int | None = None) -> list[repo.Appointment]:
        return await self.db.read(repo.appointments, self.unit, person_id)

    async def next_move(self, after: datetime) -> datetime | None:
        """The next start or end of a period after ``after`` whose tasks are still to move
        (None: none)."""
        return await self.db.read(repo.next_acting_move, after)

    async def route_due(self) -> int:
        """Move the tasks of appointments whose start or end has come (after a restart too,
        and again after the host's clock was set back: :func:`as_of`)."""

        def txn(tx: Tx) -> int:
            now = self.clock.now()
            as_of(tx, now)
            done = 0
            for listed in repo.appointments_to_route(tx, now):
                # one period's end may have routed in the next (a hand-over): read it again
                appointment = repo.acting_for_id(tx, listed.id)
                if appointment is None or appointment.routed_back:
                    continue
                if appointment.ends_at <= now:
                    if appointment.routed_in:
                        self._route_back(tx, appointment, now)
                    else:
                        repo.mark_routed(tx, appointment.id, now, back=True)  # came and went unseen
                elif not appointment.routed_in:
                    self._route_in(tx, appointment, now)
                else:
                    continue
                done += 1
            return done

        return await self.db.write(txn)

    async def bootstrap(self) -> None:
        """The config's ``[[acting]]`` as the appointments it made (those no /plh made).

        Each entry is recorded once; one without ``from`` starts on the office's day it is
        first recorded. An entry's changed ``until`` moves its end (a period already over
        is taken up again). An entry taken out of the config is called off: a planned one
        never comes into force, one in force ends now and its tasks go back. An entry that
        would meet another appointment of its role is not recorded (logged: a role has one
        acting official at a time). One ended early with /akhiri_plh stays ended."""

        def txn(tx: Tx) -> None:
            now = self.clock.now()
            as_of(tx, now)
            made = [
                a
                for a in repo.appointments(tx, self.unit)
                if a.created_by is None and not a.called_off
            ]
            # entries with a first day are matched first: one without takes no row of theirs
            order = sorted(enumerate(self.config.acting), key=lambda e: e[1].starts is None)
            matched: dict[int, repo.Appointment] = {}
            for index, entry in order:
                found = self._made_by(entry, [a for a in made if a not in matched.values()], now)
                if found is not None:
                    matched[index] = found
            # what left the config goes first, so that what came in its place meets no
            # appointment that is about to end
            for appointment in made:
                if appointment not in matched.values() and appointment.ends_at > now:
                    self._call_off(tx, appointment, now)
            for index, entry in enumerate(self.config.acting):
                if index in matched:
                    self._follow(tx, index, matched[index], entry, now)
                else:
                    self._record(tx, index, entry, now)

        await self.db.write(txn)

    def _starts(self, entry: ActingConfig, now: datetime) -> datetime:
        tz = ZoneInfo(self.config.time.timezone)
        first = entry.starts or now.astimezone(tz).date()
        return self.end_of_day(first - timedelta(days=1))

    def _made_by(
        self, entry: ActingConfig, made: list[repo.Appointment], now: datetime
    ) -> repo.Appointment | None:
        """The appointment an entry made, if any: with a ``from``, the one that starts on
        that day; without one, one that has begun and is still to run, or that was planned
        to end with it (called-off rows are none: an entry put back is recorded anew)."""
        ends, starts = self.end_of_day(entry.until), self._starts(entry, now)
        for appointment in made:
            if (appointment.role, appointment.person_id, appointment.kind) != (
                entry.role,
                entry.telegram_id,
                entry.kind,
            ):
                continue
            if entry.starts is not None:
                if appointment.starts_at == starts:
                    return appointment
            elif appointment.starts_at <= now and (
                appointment.ends_at > now or appointment.planned_end == ends
            ):
                return appointment
        return None

    def _record(self, tx: Tx, index: int, entry: ActingConfig, now: datetime) -> None:
        starts, ends = self._starts(entry, now), self.end_of_day(entry.until)
        if ends <= now:
            return  # a period over before it was ever recorded
        if self._holds_it(tx, index, entry):
            return
        if self._meets_another(tx, index, entry, starts, ends):
            return
        repo.ensure_person(tx, entry.telegram_id, now)
        repo.appoint(
            tx,
            role=entry.role,
            unit=self.unit,
            person_id=entry.telegram_id,
            kind=entry.kind,
            starts_at=starts,
            ends_at=ends,
            reason=entry.reason,
            letter=entry.letter,
            by=None,
            now=now,
        )

    def _follow(
        self, tx: Tx, index: int, appointment: repo.Appointment, entry: ActingConfig, now: datetime
    ) -> None:
        """An entry's ``until`` changed: its appointment ends then (now, if that is past)."""
        ends = self.end_of_day(entry.until)
        if appointment.planned_end == ends or appointment.ends_at < appointment.planned_end:
            return  # as recorded; or ended early by hand, which stands
        if ends > appointment.ends_at and self._meets_another(
            tx, index, entry, max(appointment.ends_at, now), ends
        ):
            return
        repo.move_acting_end(tx, appointment.id, max(ends, now), again=appointment.ends_at <= now)

    def _holds_it(self, tx: Tx, index: int, entry: ActingConfig) -> bool:
        """The entry names the role's own holder (given by an invitation or /alihkan; the
        config's [[people]] are refused before the start): nobody acts for himself, as
        /plh answers."""
        holders = {p.telegram_id for p in repo.holders(tx, self.unit, entry.role)}
        if entry.telegram_id not in holders:
            return False
        log.error(
            "acting[%d].telegram_id: ID %d holds the role %r himself (its definitive official); "
            "the %s is not recorded: a Plh/Plt acts for another holder",
            index,
            entry.telegram_id,
            entry.role,
            entry.kind,
        )
        return True

    def _meets_another(
        self,
        tx: Tx,
        index: int,
        entry: ActingConfig,
        starts: datetime,
        ends: datetime,
    ) -> bool:
        other = repo.acting_overlapping(tx, self.unit, entry.role, starts, ends)
        if other is None:
            return False
        log.error(
            "acting[%d] (%s for %r until %s) is not recorded: it meets the %s of ID %d for "
            "that role (%s to %s); a role has one acting official at a time",
            index,
            entry.kind,
            entry.role,
            entry.until,
            other.kind,
            other.person_id,
            other.starts_at.isoformat(),
            other.ends_at.isoformat(),
        )
        return True

    def _call_off(self, tx: Tx, appointment: repo.Appointment, now: datetime) -> None:
        """An appointment whose entry left the config: a planned one never comes into force;
        one in force ends now and its tasks go back (unless the same person acts on in
        the role by another entry: then nothing changes for anyone)."""
        repo.call_off_acting(tx, appointment.id, max(now, appointment.starts_at), now)
        if appointment.starts_at > now or not appointment.routed_in:
            repo.mark_routed(tx, appointment.id, now, back=True)
            return
        still = repo.acting_for(tx, self.unit, appointment.role, now)
        ended = repo.acting_for_id(tx, appointment.id)
        assert ended is not None
        if still is not None and still.person_id == appointment.person_id:
            repo.mark_routed(tx, appointment.id, now, back=True)
        else:
            self._route_back(tx, ended, now)

    # -- moving tasks --------------------------------------------------------------------

    def _open_cases(self, tx: Tx, role: str) -> list[tuple[Case, SopDefinition]]:
        cases = repo.open_cases_for_roles(tx, self.unit, [role], limit=100_000)
        return [(case, self.sops.of(case)) for case in cases]

    def _route_in(self, tx: Tx, appointment: repo.Appointment, now: datetime) -> int:
        """The period begins: the role's open tasks go to the acting official, each with its
        documents, after the notice of the appointment; more than :data:`LISTED_ABOVE`
        are listed in that notice instead (opened from /tugas, with their documents), as
        at the end of a period. The definitive holder keeps his task messages."""
        routed = [
            (case, definition, routing.route(tx, definition, case, now))
            for case, definition in self._open_cases(tx, appointment.role)
        ]
        moved = sum(appointment.person_id in route.people for _, _, route in routed)
        # the steps they may not decide (strategic, four eyes) stay with the definitive
        # holder: named in the appointment's notice, by reason, not in a notice each
        kept: dict[str, list[int]] = {}
        # and the steps no one may decide (the definitive holder may not either): a notice
        # each, or, more than LISTED_ABOVE, named in the appointment's notice too
        nobody: dict[str, list[int]] = {}
        for case, _, route in routed:
            if route.people and appointment.person_id not in route.people:
                kept.setdefault(route.why or routing.FOUR_EYES, []).append(case.id)
            elif not route.people:
                nobody.setdefault(route.why or routing.FOUR_EYES, []).append(case.id)
        if sum(len(cases) for cases in nobody.values()) <= LISTED_ABOVE:
            nobody = {}
        # the appointment is read first: it says why the documents and tasks that follow
        # (three messages a case, a second apart in a chat) come to the acting official;
        # more than LISTED_ABOVE are listed in it instead, opened from /tugas
        theirs = [(case, route.people) for case, _, route in routed if route.people]
        listed = listed_tasks(theirs, [appointment.person_id])
        self._tell(
            tx, appointment, "acting_start", moved, now, kept=kept, nobody=nobody, listed=listed
        )
        for case, definition, route in routed:
            if appointment.person_id in route.people:
                effects.hand_task(
                    tx, definition, case, appointment.person_id, now, {"open": 1}, bool(listed)
                )
            elif not route.people and not nobody:
                # a step no one may decide (the administrators are told)
                repo.enqueue(
                    tx,
                    appointment.person_id,
                    "notice",
                    now,
                    case_id=case.id,
                    version=case.version,
                    params={"t": "passed_over", "why": route.why},
                )
        repo.mark_routed(tx, appointment.id, now, back=False)
        return moved

    def _route_back(
        self, tx: Tx, appointment: repo.Appointment, now: datetime, answered: int = 0
    ) -> Handed:
        """The period is over: its open tasks go where routing now sends them. To the
        definitive holder, as one task message that says so (more than
        :data:`LISTED_ABOVE` of them: listed in the notice of the end, to be opened from
        /tugas); straight on to the acting
        official whose period begins now (a hand-over: they receive them as at the start
        of their period, never as "returned"); or, when the role has no definitive holder,
        to no one: the administrators are told how many wait (``answered``, the one who
        ended it with /akhiri_plh, reads it in the answer)."""
        cases = self._open_cases(tx, appointment.role)
        # their buttons and a reason they were typing go (the acting_end notice says why)
        effects.take_tasks_from(
            tx, appointment.person_id, cases, now, "acting_ended", appointment.role
        )
        acted = routing.actor(tx, appointment.person_id, appointment.unit, self.config, now)
        effects.take_withdrawals_from(tx, acted, self.sops.of, now)
        successor = repo.acting_for(tx, appointment.unit, appointment.role, now)
        if successor is not None and successor.id == appointment.id:
            successor = None
        returned: list[tuple[Case, list[int]]] = []
        onward, waiting = 0, []  # (waiting: case numbers)
        for case, definition in cases:
            if routing.passed_over(definition, case, appointment):
                continue  # the step never left its definitive holder (strategic, four eyes)
            route = routing.route(tx, definition, case, now)
            if successor is not None and route.appointment is not None and not route.why:
                onward += 1  # the next acting official's, handed over below
            elif route.people:
                returned.append((case, route.people))
            elif not route.undecided:  # (a step no one may decide is reported below)
                waiting.append(case.id)
        handed = Handed(len(returned), onward, tuple(waiting), successor)
        definitive = [p.telegram_id for p in repo.holders(tx, appointment.unit, appointment.role)]
        listed = listed_tasks(returned, definitive)
        self._tell(tx, appointment, "acting_end", len(returned), now, handed, listed=listed)
        if successor is not None and not successor.routed_in:
            self._route_in(tx, successor, now)  # their documents, then their tasks
        for case, people in returned:
            definition = self.sops.of(case)
            for person in people:
                # listed in their notice, opened from /tugas (with its documents): the
                # task message they kept from before the period keeps its buttons, which act
                # on the case as it is (any move since retired the older ones). Otherwise
                # the task comes back as one new message: the one they kept loses its
                # buttons (a reason they may be typing for it stays: the task is theirs).
                # The documents come first: a case that reached the step during the period
                # went to the acting official only, and its holder has none of them yet
                if person not in listed:
                    for message_id in repo.take_task_messages_in_chat(tx, case.id, person):
                        effects.strip(tx, person, message_id, now, case.id)
                effects.hand_task(
                    tx, definition, case, person, now, {"intro": "acting_out"}, person in listed
                )
        if waiting:
            told = {"t": "acting_left_waiting", "appointment": appointment.id, "cases": waiting}
            for admin in self.config.admins:
                if admin != answered:
                    repo.enqueue(tx, admin, "notice", now, params=told)
        # a step its definitive holder may not decide either (four eyes) goes to no one
        effects.tell_if_undecided(tx, cases, now, self.config.admins)
        repo.mark_routed(tx, appointment.id, now, back=True)
        return handed

    def _tell(
        self,
        tx: Tx,
        appointment: repo.Appointment,
        kind: str,
        tasks: int,
        now: datetime,
        handed: Handed | None = None,
        kept: dict[str, list[int]] | None = None,
        listed: dict[int, list[list[int]]] | None = None,
        nobody: dict[str, list[int]] | None = None,
    ) -> None:
        """The acting official and the role's definitive holders hear of the change; at
        the end, of the tasks ``handed`` on to the next acting official or left waiting;
        at the start, the acting official of the cases ``kept`` from them (why -> cases),
        and of those ``nobody`` may decide (why -> cases; more than :data:`LISTED_ABOVE`,
        else each has a notice of its own).
        ``listed``: the tasks (case, version) that come to a person in their notice, as a
        list, instead of a message each (more than :data:`LISTED_ABOVE`)."""
        definitive = [p.telegram_id for p in repo.holders(tx, appointment.unit, appointment.role)]
        params: dict[str, object] = {"t": kind, "appointment": appointment.id, "tasks": tasks}
        if kept:
            params["kept"] = kept
        if nobody:
            params["nobody"] = nobody
        if handed is not None:
            if handed.next is not None:
                params.update(next=handed.next.id, onward=handed.onward)
            if handed.waiting:
                params["waiting"] = len(handed.waiting)
        for person in dict.fromkeys([appointment.person_id, *definitive]):
            theirs = listed.get(person) if listed else None
            told = params if theirs is None else {**params, "listed": theirs}
            repo.enqueue(tx, person, "notice", now, params=told)
