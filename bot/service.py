"""The service layer: runs one command as one transaction.

Load the case, ask the pure core to decide, append the events, save the new state and
queue every message the change causes in the outbox — all in one SQLite transaction, so
they commit together or not at all. Delivery happens later (:mod:`bot.outbox`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot import texts as t
from bot.clock import Clock
from bot.config import Config
from bot.core.definition import SopDefinition, StepKind
from bot.core.model import (
    Actor,
    Case,
    Command,
    DomainError,
    Event,
    EventType,
    InvalidValue,
    StartCase,
)
from bot.core.workflow import apply_all, decide
from bot.reminder_policy import HeldStep, ReminderSettings, next_due_at
from bot.views import View, case_heading, outcome_line, task_view
from bot.worktime import WorkCalendar
from storage import repo
from storage.codec import ts
from storage.db import Database


class SopRegistry:
    """The SOP definitions a deployment runs, by code."""

    def __init__(self, definitions: Iterable[SopDefinition]) -> None:
        self._by_code = {d.code: d for d in definitions}
        if not self._by_code:
            raise ValueError("no SOP definition")

    def __getitem__(self, code: str) -> SopDefinition:
        return self._by_code[code]

    def __iter__(self) -> Iterator[SopDefinition]:
        return iter(self._by_code.values())

    @property
    def default(self) -> SopDefinition:
        return next(iter(self._by_code.values()))

    def codes(self) -> list[str]:
        return list(self._by_code)


@dataclass(frozen=True)
class Outcome:
    before: Case | None
    case: Case
    events: list[Event]
    first_seq: int


Notify = Callable[[], None]


class AlreadyApplied(DomainError):
    """This Telegram update was applied before (redelivered after a crash)."""

    code = "stale"


class CaseService:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        config: Config,
        clock: Clock,
        calendar: WorkCalendar,
        wake_outbox: Notify = lambda: None,
    ) -> None:
        self.db = db
        self.sops = sops
        self.config = config
        self.clock = clock
        self.calendar = calendar
        self.wake_outbox = wake_outbox
        self.unit = config.organisation.unit
        self.reminders = ReminderSettings(
            repeat_every_minutes=config.reminders.repeat_every_minutes,
            escalate_after=config.reminders.escalate_after,
            max_snooze_minutes=config.reminders.max_snooze_minutes,
        )

    # -- actors --------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.config.admins

    async def actor(self, conn: aiosqlite.Connection, user_id: int, unit: str) -> Actor:
        roles = await repo.active_roles(conn, user_id, unit)
        return Actor(user_id, roles, self.is_admin(user_id))

    # -- commands ------------------------------------------------------------------------

    async def start_case(
        self,
        user_id: int,
        title: str,
        fiscal_year: int,
        sop_code: str | None = None,
        update_id: int | None = None,
    ) -> Outcome:
        definition = self.sops[sop_code] if sop_code else self.sops.default
        async with self.db.transaction() as conn:
            await self._claim(conn, update_id)
            case_id = await repo.next_case_id(conn)
            command = StartCase(case_id, definition.code, self.unit, title, fiscal_year)
            outcome = await self._run(conn, definition, None, command, user_id, ())
        self.wake_outbox()
        return outcome

    async def execute(
        self,
        case_id: int,
        command: Command,
        user_id: int,
        pressed: Sequence[tuple[int, int]] = (),
        update_id: int | None = None,
    ) -> Outcome:
        """Run a command; ``pressed`` names the messages the handler edits itself.

        ``update_id`` is claimed in the same transaction, so a Telegram update delivered
        again after a crash is not applied twice (:class:`AlreadyApplied`).
        """
        async with self.db.transaction() as conn:
            await self._claim(conn, update_id)
            case = await repo.load_case(conn, case_id)
            if case is None:
                raise InvalidValue("no such case", case=case_id)
            definition = self.sops[case.sop_code]
            outcome = await self._run(conn, definition, case, command, user_id, pressed)
        self.wake_outbox()
        return outcome

    async def _run(
        self,
        conn: aiosqlite.Connection,
        definition: SopDefinition,
        case: Case | None,
        command: Command,
        user_id: int,
        pressed: Sequence[tuple[int, int]],
    ) -> Outcome:
        now = self.clock.now()
        unit = case.unit if case else self.unit
        actor = await self.actor(conn, user_id, unit)
        events = decide(definition, case, command, actor, now)
        new = apply_all(definition, case, events)
        moved = case is None or new.version != case.version
        await repo.save_case(
            conn,
            new,
            definition.step(new.step).actor,
            new=case is None,
            reminders_from=self._first_reminder(definition, new) if moved else False,
        )
        first_seq = await repo.append_events(conn, new.id, events)
        for event in events:
            if event.type is EventType.FILE_ATTACHED:
                await repo.set_file_doc(conn, int(event.data["file_id"]), str(event.data["doc"]))
        outcome = Outcome(case, new, events, first_seq)
        if moved and case is not None:
            await self._retire_buttons(conn, definition, outcome, pressed)
        await self._queue_messages(conn, definition, outcome)
        return outcome

    async def _claim(self, conn: aiosqlite.Connection, update_id: int | None) -> None:
        if update_id is not None and not await repo.claim_update(conn, update_id, self.clock.now()):
            raise AlreadyApplied()

    # -- reminders -----------------------------------------------------------------------

    def _first_reminder(self, definition: SopDefinition, case: Case) -> str | None:
        """When the case's current step first falls due (its reminders start afresh)."""
        if not case.is_open:
            return None
        norm = definition.step(case.step).time_minutes
        held = HeldStep(case.step_entered_at, norm, 0, None, None)
        return ts(next_due_at(self.calendar, self.reminders, held))

    # -- messages ------------------------------------------------------------------------

    async def _retire_buttons(
        self,
        conn: aiosqlite.Connection,
        definition: SopDefinition,
        outcome: Outcome,
        pressed: Sequence[tuple[int, int]],
    ) -> None:
        """Buttons of the step that moved on, in every chat that has them, are removed."""
        assert outcome.before is not None
        stale = await repo.take_task_messages(conn, outcome.case.id, outcome.before.version)
        for chat_id, message_id in stale:
            if (chat_id, message_id) not in pressed:
                payload = {"message_id": message_id}
                await repo.enqueue(
                    conn, chat_id, "edit", payload, self.clock.now(), outcome.case.id
                )

    async def _queue_messages(
        self, conn: aiosqlite.Connection, definition: SopDefinition, outcome: Outcome
    ) -> None:
        case, now = outcome.case, self.clock.now()
        for offset, event in enumerate(outcome.events):
            seq = outcome.first_seq + offset
            step = definition.step(event.step)
            if step.is_review and event.type in (EventType.APPROVED, EventType.RETURNED):
                await self._queue_paper(conn, case, "pemeriksaan", seq, [event.actor], now)
            forward = (EventType.COMPLETED, EventType.APPROVED, EventType.ARCHIVED)
            if event.type in forward and step.papers:
                recipients = [event.actor]
                if case.is_open:
                    holders = await self.step_holders(conn, definition, case)
                    recipients += [p.telegram_id for p in holders]
                for paper in step.papers:
                    await self._queue_paper(conn, case, paper, seq, recipients, now)
        if not outcome.events[-1].is_move:
            return
        last = outcome.events[-1]
        if case.is_open:
            await self._queue_task(conn, definition, case, last, now)
        else:
            await self._queue_closing(conn, definition, case, last, now)

    async def _queue_paper(
        self,
        conn: aiosqlite.Connection,
        case: Case,
        paper: str,
        seq: int,
        recipients: Sequence[int],
        now: datetime,
    ) -> None:
        payload = {"paper": paper, "seq": seq, "recipients": list(dict.fromkeys(recipients))}
        await repo.enqueue(conn, 0, "paper", payload, now, case.id)

    async def _queue_task(
        self,
        conn: aiosqlite.Connection,
        definition: SopDefinition,
        case: Case,
        move: Event,
        now: datetime,
    ) -> None:
        step = definition.step(case.step)
        holders = await self.step_holders(conn, definition, case)
        returned = move if move.type is EventType.RETURNED else None
        forward = move.type in (EventType.COMPLETED, EventType.APPROVED)
        for person in holders:
            if forward:
                for template in step.templates:
                    payload = {"paper": template, "seq": 0, "recipients": [person.telegram_id]}
                    await repo.enqueue(conn, 0, "paper", payload, now, case.id)
            if step.kind in (StepKind.REVIEW, StepKind.ARCHIVE) or (
                step.kind is StepKind.ACTION and step.inputs
            ):
                for attachment in case.latest_files():
                    if attachment.doc in {definition.canonical(d) for d in step.inputs}:
                        await repo.enqueue(
                            conn,
                            person.telegram_id,
                            "document",
                            {
                                "file_id": attachment.file_id,
                                "caption": f"Berkas #{case.id} · {attachment.name} (versi {attachment.version})",
                            },
                            now,
                            case.id,
                        )
            view = await self.task_view_for(conn, definition, case, returned=returned)
            await repo.enqueue(
                conn,
                person.telegram_id,
                "task",
                {"text": view.text, "keyboard": view.keyboard, "version": case.version},
                now,
                case.id,
            )

    async def _queue_closing(
        self,
        conn: aiosqlite.Connection,
        definition: SopDefinition,
        case: Case,
        last: Event,
        now: datetime,
    ) -> None:
        names = await self._names(conn, [last.actor])
        line = outcome_line(definition, last, names.get(last.actor, str(last.actor)))
        if last.type is EventType.ARCHIVED:
            text = (
                f"{case_heading(definition, case)}\n\n🎉 <b>Berkas telah selesai dan diarsipkan.</b>\n"
                f"Nomor arsip: <code>{t.e(case.archive_reference or '')}</code>\n{line}\n\n"
                "Terima kasih atas kerja sama Bapak/Ibu."
            )
        else:
            text = f"{case_heading(definition, case)}\n\n✖️ <b>Berkas dibatalkan.</b>\n{line}"
        for person_id in await self.participants(conn, case):
            await repo.enqueue(conn, person_id, "message", {"text": t.fit(text)}, now, case.id)

    # -- lookups -------------------------------------------------------------------------

    async def step_holders(
        self, conn: aiosqlite.Connection, definition: SopDefinition, case: Case
    ) -> list[repo.Person]:
        """Whose turn it is: the role's holder, or the formed team for a shared role."""
        role = definition.step(case.step).actor
        holders = await repo.holders(conn, case.unit, role)
        if definition.role(role).shared and case.team:
            holders = [p for p in holders if p.telegram_id in case.team]
        return holders

    async def participants(self, conn: aiosqlite.Connection, case: Case) -> list[int]:
        events = await repo.load_events(conn, case.id)
        ids = [e.actor for e in events if e.role != "admin"] + list(case.team)
        return list(dict.fromkeys(ids))

    async def _names(self, conn: aiosqlite.Connection, ids: Iterable[int]) -> dict[int, str]:
        people = await repo.people_by_ids(conn, ids)
        return {pid: p.display for pid, p in people.items()}

    async def task_view_for(
        self,
        conn: aiosqlite.Connection,
        definition: SopDefinition,
        case: Case,
        *,
        returned: Event | None = None,
        team_selected: Sequence[int] = (),
    ) -> View:
        step = definition.step(case.step)
        candidates: list[tuple[int, str]] = []
        if step.kind is StepKind.TEAM:
            shared = [r.id for r in definition.roles if r.shared]
            for role in shared:
                candidates += [
                    (p.telegram_id, p.display) for p in await repo.holders(conn, case.unit, role)
                ]
        if returned is None:
            returned = await self.last_return_into(conn, case)
        ids = [returned.actor] if returned else []
        names = await self._names(conn, ids)
        return task_view(
            definition,
            case,
            names=names,
            team_candidates=candidates,
            team_selected=team_selected,
            returned=returned,
        )

    async def last_return_into(self, conn: aiosqlite.Connection, case: Case) -> Event | None:
        """The return that brought the case to its current step, if that is how it came."""
        events = await repo.load_events(conn, case.id)
        moves = [e for e in events if e.is_move]
        if moves and moves[-1].type is EventType.RETURNED and moves[-1].to_step == case.step:
            return moves[-1]
        return None


def names_of(people: Mapping[int, repo.Person]) -> dict[int, str]:
    return {pid: p.display for pid, p in people.items()}
