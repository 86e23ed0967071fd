"""What handlers read to answer a user: each answer is one read trip (one snapshot)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.clock import Clock
from bot.config import Config
from bot.core.definition import SopDefinition
from bot.core.model import Actor, Case, DomainError, EarlierPart, Event, NamesAt
from bot.core.workflow import accepted_now, four_eyes_set_aside, holder_role
from bot.messages import Message, Renderer, load_inputs
from bot.reminder_policy import first_due_at
from bot.services import routing
from bot.services.effects import accepts_now
from bot.services.registry import SopRegistry
from bot.services.routing import step_holders
from bot.worktime import WorkCalendar
from storage import repo
from storage.db import Database, Tx

TASKS_PER_PAGE = 8


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items take (one when there are none)."""
    return max(1, -(-total // per_page))


def page_start(total: int, page: int, per_page: int) -> tuple[int, int]:
    """The page asked for, kept within the pages there are (the last when past it), and
    the index of its first item."""
    number = min(max(page, 0), page_count(total, per_page) - 1)
    return number, number * per_page


@dataclass(frozen=True)
class TaskPage:
    total: int
    page: int
    cases: list[Case]

    @property
    def pages(self) -> int:
        return page_count(self.total, TASKS_PER_PAGE)


@dataclass(frozen=True)
class CaseStatus:
    case: Case
    definition: SopDefinition
    events: list[Event]
    names: NamesAt  # the people its events name, as they were named then
    holders: list[str]
    # the holders the bot cannot write to (blocked it, or never pressed Start): their task
    # and reminders are refused
    unreachable: list[str] = field(default_factory=list)
    # the holders who decide the step though they took part earlier (four eyes gave way to
    # the one official who may: bot.core.workflow.four_eyes_set_aside), with what they did
    set_aside: list[tuple[str, tuple[EarlierPart, ...]]] = field(default_factory=list)


@dataclass(frozen=True)
class Overdue:
    case: Case
    definition: SopDefinition
    spent: int
    waits_for_definitive: bool = False  # an acting official in force may not decide it


OVERDUE_PER_PAGE = 10  # /terlambat shows this many steps a page


@dataclass(frozen=True)
class OverduePage:
    """One page of /terlambat: the steps on it, of ``total`` in all (as :class:`TaskPage`);
    ``allowed`` False: the asker heads no role and is no administrator (nothing read)."""

    allowed: bool
    total: int
    page: int
    items: list[Overdue]

    @property
    def pages(self) -> int:
        return page_count(self.total, OVERDUE_PER_PAGE)


RECENT_CASES = 20  # /status without a number lists this many
OWN_CASES_SCANNED = 200  # latest cases searched for one's own where one sees only those


def may_see(
    actor: Actor, definition: SopDefinition, events: Sequence[Event], case: Case | None = None
) -> bool:
    """Need to know: a case's status is for its SOP's officials (a role in it, held or
    acted in), for whoever took part in the case (acted on it, its team, or holds its
    step now), and for administrators; an official of another SOP learns nothing of it.
    A shared role no team step forms (the Pegawai who applies for leave) makes no one an
    official of the SOP: its holders see the cases they take part in, not their
    colleagues'."""
    if actor.is_admin or any(
        definition.has_role(r) and not _private(definition, r) for r in actor.roles
    ):
        return True
    if any(actor.person_id in e.people for e in events):
        return True
    if case is None:
        return False
    return actor.person_id in case.team or (case.is_open and holds(definition, case, actor))


def _takes_part(actor: Actor, definition: SopDefinition, case: Case) -> bool:
    """Whether the person took a step of the case, is in its team, or holds its step now
    (what :func:`may_see` asks of a case without reading its events)."""
    return actor.person_id in {person for _, person in case.took} or may_see(
        actor, definition, [], case
    )


def _private(definition: SopDefinition, role: str) -> bool:
    """A shared role whose holders each hold only their own cases' steps (not a team)."""
    return definition.role(role).shared and role not in definition.team_roles


def holds(definition: SopDefinition, case: Case, actor: Actor) -> bool:
    """Whether ``actor`` holds the case's current step (:func:`holder_role`)."""
    try:
        holder_role(definition, case, actor)
    except DomainError:
        return False
    return True


Pressed = tuple[Case | None, Actor, int | None]
"""What a press on a case's button reads (:meth:`Queries.pressed`): the case, the actor, and
the version of the case whose buttons the pressed message carries (None: not recorded)."""

Typed = tuple[repo.Dialogue | None, Case | None]
"""What typed text reads (:meth:`Queries.gate_and_dialogue`): the person's pending dialogue,
and the case it is about (None: none, or no case)."""


class Queries:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        config: Config,
        calendar: WorkCalendar,
        renderer: Renderer,
        clock: Clock,
    ) -> None:
        self.db, self.sops, self.config, self.calendar = db, sops, config, calendar
        self.renderer, self.clock = renderer, clock
        self.unit = config.organisation.unit

    async def task_message(self, user_id: int, case: Case) -> Message:
        """The task of ``case`` as the user sees it now (e.g. after a team toggle)."""
        item = repo.OutboxItem(0, user_id, "task", case.id, case.version, {}, 0)
        inputs = await self.db.read(load_inputs, [item], self.sops, self.clock.now())
        return self.renderer.task(item, inputs, self.clock.now())

    async def team_candidates(self, case: Case) -> set[int]:
        """Everyone who may be picked for the team: the holders of the role the team step
        forms (:meth:`SopDefinition.team_role`)."""
        team = self.sops.of(case).team_role(case.step)
        roles = [team.id] if team is not None else []

        def txn(tx: Tx) -> set[int]:
            return {p.telegram_id for role in roles for p in repo.holders(tx, case.unit, role)}

        return await self.db.read(txn)

    def actor(self, tx: Tx, user_id: int) -> Actor:
        return routing.actor(tx, user_id, self.unit, self.config, self.clock.now())

    def holds(self, case: Case, actor: Actor) -> bool:
        return holds(self.sops.of(case), case, actor)

    def may_decide(self, case: Case, actor: Actor) -> bool:
        """Holds the step and may decide it (:func:`routing.may_decide`)."""
        return routing.may_decide(self.sops.of(case), case, actor)

    async def case_and_actor(self, case_id: int, user_id: int) -> tuple[Case | None, Actor]:
        def txn(tx: Tx) -> tuple[Case | None, Actor]:
            return repo.load_case(tx, case_id), self.actor(tx, user_id)

        return await self.db.read(txn)

    async def pressed(self, case_id: int, user_id: int, message: tuple[int, int] | None) -> Pressed:
        """For a button pressed on ``message`` (chat, id): the case, the actor, and the
        version of the case whose buttons that message is recorded to carry now (a press
        carries the message as it was when pressed, which may be older), in one trip."""
        return await self.db.read(self._pressed, case_id, user_id, message)

    def _pressed(
        self, tx: Tx, case_id: int, user_id: int, message: tuple[int, int] | None
    ) -> Pressed:
        carries = None if message is None else repo.task_message_version(tx, *message, case_id)
        return repo.load_case(tx, case_id), self.actor(tx, user_id), carries

    async def awaits_decision(self, user_id: int, chat_id: int, message_id: int) -> bool:
        """Whether a message is a task of the person's that waits for their decision: it
        carries the buttons of its case as the case is now, and they hold its step."""

        def txn(tx: Tx) -> bool:
            case_id = repo.case_of_message(tx, chat_id, message_id)
            case = None if case_id is None else repo.load_case(tx, case_id)
            if case is None or not case.is_open:
                return False
            if repo.task_message_version(tx, chat_id, message_id, case.id) != case.version:
                return False
            return self.holds(case, self.actor(tx, user_id))

        return await self.db.read(txn)

    async def names(self, ids: Iterable[int]) -> dict[int, str]:
        """The names people are shown by (``Person.display``), for the ids known."""
        found = await self.db.read(repo.people_by_ids, list(ids))
        return {pid: person.display for pid, person in found.items()}

    async def case(self, case_id: int) -> Case | None:
        return await self.db.read(repo.load_case, case_id)

    async def case_and_upload_times(
        self, case_id: int, doc: str
    ) -> tuple[Case | None, dict[int, datetime]]:
        """The case, and when each version of its document ``doc`` was uploaded (by file
        id): which versions one person sent together (:func:`handlers.files.sent_together`)."""

        def txn(tx: Tx) -> tuple[Case | None, dict[int, datetime]]:
            case = repo.load_case(tx, case_id)
            versions = [a.file_id for a in case.files if a.doc == doc] if case else []
            files = repo.files_by_ids(tx, versions)
            return case, {f.id: f.uploaded_at for f in files.values()}

        return await self.db.read(txn)

    async def dialogue(self, user_id: int) -> repo.Dialogue | None:
        return await self.db.read(repo.get_dialogue, user_id)

    async def team_picked(self, user_id: int, case_id: int) -> list[int]:
        """The members the user has picked so far for the case's team."""
        dialogue = await self.db.read(repo.get_dialogue, user_id)
        return repo.team_selection(dialogue, case_id)[0]

    async def gate(self, update_id: int, user_id: int) -> repo.GateFacts:
        return await self.db.read(repo.gate_facts, update_id, user_id, self.unit, self.clock.now())

    async def gate_and_dialogue(self, update_id: int, user_id: int) -> tuple[repo.GateFacts, Typed]:
        """:meth:`gate` and, for typed text, the person's pending dialogue and the case it
        is about (what the text handler reads), in one trip."""
        now = self.clock.now()

        def txn(tx: Tx) -> tuple[repo.GateFacts, Typed]:
            facts = repo.gate_facts(tx, update_id, user_id, self.unit, now)
            dialogue = repo.get_dialogue(tx, user_id)
            about = dialogue.case_id if dialogue is not None else None
            return facts, (dialogue, None if about is None else repo.load_case(tx, about))

        return await self.db.read(txn)

    async def gate_and_pressed(
        self, update_id: int, user_id: int, case_id: int, message: tuple[int, int] | None
    ) -> tuple[repo.GateFacts, Pressed]:
        """:meth:`gate` and :meth:`pressed` for a button of a case, in one trip (one read
        transaction: what the gate lets through is what the handler is told)."""
        now = self.clock.now()

        def txn(tx: Tx) -> tuple[repo.GateFacts, Pressed]:
            facts = repo.gate_facts(tx, update_id, user_id, self.unit, now)
            return facts, self._pressed(tx, case_id, user_id, message)

        return await self.db.read(txn)

    def _shared_roles(self) -> set[str]:
        return {r.id for d in self.sops for r in d.roles if r.shared}

    async def tasks(self, user_id: int, page: int = 0) -> TaskPage:
        """The steps waiting for the user, one page of them and their count, in the order
        their norms run out: the longest overdue first, then the one due soonest (two SOPs'
        norms differ: an older step is not always the more urgent one).

        Steps of single-holder roles are ordered from a few columns of their rows, and only
        the page's cases are read whole; steps of a shared role (the team) are few and are
        filtered by team membership here."""

        def txn(tx: Tx) -> TaskPage:
            actor = self.actor(tx, user_id)
            # a team's steps (held by its members only) and an acting official's (not the
            # strategic ones) are few: picked here; single-holder roles are read in SQL
            shared = (self._shared_roles() | set(actor.acting)) & actor.roles
            single = actor.roles - shared
            mine_shared = {
                c.id: c
                for c in repo.open_cases_for_roles(tx, self.unit, shared, limit=10_000)
                if self.may_decide(c, actor)
            }
            waiting = [
                (self._deadline(w.sop_code, w.revision, w.step, w.entered_at), w.case_id)
                for w in repo.open_steps_for_roles(tx, self.unit, single)
            ] + [
                (self._deadline(c.sop_code, c.revision, c.step, c.step_entered_at), c.id)
                for c in mine_shared.values()
            ]
            waiting.sort()
            total = len(waiting)
            current, start = page_start(total, page, TASKS_PER_PAGE)
            cases = []
            for _, case_id in waiting[start : start + TASKS_PER_PAGE]:
                case = mine_shared.get(case_id) or repo.load_case(tx, case_id)
                if case is not None:
                    cases.append(case)
            return TaskPage(total, current, cases)

        return await self.db.read(txn)

    def _deadline(
        self, sop_code: str, revision: str | None, step: int, entered: datetime
    ) -> datetime:
        """When a step's norm of working time runs out (the moment its first reminder
        counts from); a step of an SOP taken out of the config: when it began."""
        try:
            norm = self.sops.of_code(sop_code, revision).step(step).time_minutes
        except KeyError:
            return entered
        return first_due_at(self.calendar, entered, norm)

    async def status(self, case_id: int, user_id: int) -> CaseStatus | None:
        """A case's status for /status; None when there is no such case or it is not this
        person's to see (both read the same: a case of another SOP is not revealed)."""

        def txn(tx: Tx) -> CaseStatus | None:
            case = repo.load_case(tx, case_id)
            if case is None:
                return None
            definition = self.sops.of(case)
            events = repo.load_events(tx, case_id)
            if not may_see(self.actor(tx, user_id), definition, events, case):
                return None
            holders = step_holders(tx, definition, case, self.clock.now()) if case.is_open else []
            named = [p for e in events for p in e.people]
            people = repo.people_by_ids(tx, [*named, *holders])
            current = {pid: p.display for pid, p in people.items()}
            earlier = {
                pid: [(e.valid_until, replace(people[pid], name=e.name).display) for e in rows]
                for pid, rows in repo.earlier_profiles(tx, named).items()
                if pid in people
            }
            return CaseStatus(
                case,
                definition,
                events,
                NamesAt(current, earlier),
                [current.get(h, f"ID {h}") for h in holders],
                [p.display for h in holders if (p := people.get(h)) and not p.started_bot],
                [
                    (current.get(h, f"ID {h}"), parts)
                    for h in holders
                    if (parts := four_eyes_set_aside(definition, case, h))
                ],
            )

        return await self.db.read(txn)

    async def recent(self, user_id: int) -> list[Case]:
        """The latest cases this person may see (:func:`may_see`): every case of the SOPs
        they are an official of (all, for an admin), and their own of the SOPs where they
        hold only a role of their own cases (the Pegawai's leave applications); SOPs no
        file defines any more count while their open cases run (:meth:`SopRegistry.retired`)."""

        def txn(tx: Tx) -> list[Case]:
            actor = self.actor(tx, user_id)
            # and the SOPs no file defines any more whose open cases still run
            sops = [*self.sops, *self.sops.retired()]
            whole = [d.code for d in sops if may_see(actor, d, [])]
            cases = repo.recent_cases(tx, self.unit, whole)
            own = [
                d.code
                for d in sops
                if d.code not in whole and any(d.has_role(r) for r in actor.roles)
            ]
            if own:
                taken = repo.recent_cases(tx, self.unit, own, limit=OWN_CASES_SCANNED)
                cases += [c for c in taken if _takes_part(actor, self.sops.of(c), c)]
                cases.sort(key=lambda c: (not c.is_open, -c.id))
            return cases[:RECENT_CASES]

        return await self.db.read(txn)

    async def accepts_now(self, case: Case) -> tuple[str, ...]:
        """The documents the case's holder may send at its step now (a review step takes
        the ones it corrects only once a return brought the case back to it). A step that
        corrects nothing takes its uploads, which the case alone tells: no trip to the
        database (most uploads)."""
        definition = self.sops.of(case)
        if not definition.step(case.step).corrects:
            return accepted_now(definition, case, None)
        return await self.db.read(lambda tx: accepts_now(tx, definition, case))

    async def case_of_message(self, chat_id: int, message_id: int) -> int | None:
        """The case a task message of this chat is about (None: no task message the
        database links to a case)."""
        return await self.db.read(repo.case_of_message, chat_id, message_id)

    async def upload_cases(
        self, user_id: int, replied_to: int | None = None
    ) -> tuple[list[Case], int | None]:
        """Open cases whose current step takes files from this user (its uploads, or the
        corrected documents a review step takes, those only from someone four eyes lets
        decide it), and the case of the task message the upload replies to (``replied_to``:
        its id in the user's chat)."""

        def takes(tx: Tx, case: Case, actor: Actor) -> bool:
            if not accepts_now(tx, self.sops.of(case), case):
                return False
            if self.sops.of(case).step(case.step).uploads:
                return self.holds(case, actor)
            return self.may_decide(case, actor)

        def txn(tx: Tx) -> tuple[list[Case], int | None]:
            actor = self.actor(tx, user_id)
            cases = [
                case
                for case in repo.open_cases_for_roles(tx, self.unit, actor.roles, limit=500)
                if takes(tx, case, actor)
            ]
            replied = None if replied_to is None else repo.case_of_message(tx, user_id, replied_to)
            return cases, replied

        return await self.db.read(txn)

    async def overdue(self, user_id: int, now: datetime, page: int = 0) -> OverduePage:
        """Steps past their norm that the user may see, one page of them (the last one when
        ``page`` is past it) and their count, by working time beyond the norm, the longest
        first (on a tie, the one that entered its step first, then the lower case number:
        the same order page after page). A step of a 4-hour norm held for a day comes
        before one of a 5-day norm held for 6: what a superior chases first is how late a
        step is, not how long it has taken.

        A head (a role that is some role's superior) sees the steps of the head roles they
        hold and of every role below them: a Karo all of the SOP's steps, as the overdue
        list of the Karo's /laporan; an administrator every role's. Every open case of
        those roles is counted from its step's clock alone; only the page's cases are
        read, and the acting official of each role once."""

        def txn(tx: Tx) -> OverduePage:
            actor = self.actor(tx, user_id)
            definition = self.sops
            superiors = definition.superior_of()
            below: set[str] = set()
            for role in superiors:
                current = superiors.get(role)
                while current is not None:
                    if current in actor.roles:
                        below.add(role)
                        break
                    current = superiors.get(current)
            if not actor.is_admin and not below:
                return OverduePage(False, 0, 0, [])
            heads = {s for s in superiors.values() if s is not None}
            own = set(actor.roles) & heads  # a head's own steps, as the report counts them
            visible = {r.id for r in definition.roles} if actor.is_admin else below | own
            late: list[tuple[int, int, int]] = []  # (case, minutes in its step, beyond norm)
            for step in repo.open_steps_for_roles(tx, self.unit, visible):
                norm = self.sops.of_code(step.sop_code, step.revision).step(step.step)
                spent = self.calendar.working_minutes_between(step.entered_at, now)
                if spent > norm.time_minutes:
                    late.append((step.case_id, spent, spent - norm.time_minutes))
            late.sort(key=lambda item: -item[2])  # stable: the earlier entered first on a tie
            number, start = page_start(len(late), page, OVERDUE_PER_PAGE)
            acting: dict[str, repo.Appointment | None] = {}
            found = []
            for case_id, spent, _ in late[start : start + OVERDUE_PER_PAGE]:
                case = repo.load_case(tx, case_id)
                if case is None:
                    continue
                case_definition = self.sops.of(case)
                role = case_definition.step(case.step).actor
                if role not in acting:
                    acting[role] = routing.acting_in_force(tx, self.unit, role, now)
                why = Renderer.passed_over(case_definition, case, acting[role])
                found.append(Overdue(case, case_definition, spent, bool(why)))
            return OverduePage(True, len(late), number, found)

        return await self.db.read(txn)
