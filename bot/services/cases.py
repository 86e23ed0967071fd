"""The service layer for cases: one command = one transaction = one trip to the writer.

A command's whole unit of work (claim the Telegram update, load the case, ask the pure core
to decide, save the state, append the events, queue what the change causes in the outbox)
runs as one synchronous function on the database's writer thread; the handler awaits it
once and answers the user only after the commit. Delivery happens later
(:mod:`bot.outbox`), from small outbox rows rendered at send time (:mod:`bot.messages`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot import texts as t
from bot.callbacks import Callback, Op
from bot.clock import Clock
from bot.config import Config
from bot.core.definition import SopDefinition
from bot.core.model import (
    Actor,
    Approve,
    ArchiveCase,
    ArchiveReferenceUsed,
    AttachFile,
    Case,
    CaseClosed,
    Command,
    CompleteStep,
    DomainError,
    Event,
    EventType,
    FormTeam,
    InvalidValue,
    ReturnForCorrection,
    StaleVersion,
    StartCase,
)
from bot.core.workflow import apply_all, decide
from bot.papers.dates import OfficeZone
from bot.reminder_policy import HeldStep, ReminderSettings, next_due_at
from bot.services import effects, routing
from bot.services.registry import SopRegistry
from bot.services.reminders import put_off_after_upload
from bot.views import Keyboard, decided_text, moved_line, role_name
from bot.worktime import WorkCalendar
from storage import repo
from storage.codec import ts
from storage.db import Database, Tx

Notify = Callable[[], None]


class AlreadyApplied(DomainError):
    """This Telegram update was applied before (redelivered after a crash)."""

    code = "stale"


class ProfileIncomplete(DomainError):
    """The person has not given the name, NIP and position the case's history and papers
    record them under (a newcomer who acts before answering the profile questions)."""

    code = "profile_incomplete"


SIGNED = (StartCase, AttachFile, CompleteStep, Approve, ReturnForCorrection, FormTeam, ArchiveCase)
"""The commands the case records as the person's own act, under their name, and that the
papers print it on (a decision, a file, a new case): not an administrator's changes, nor a
move taken back."""


def claim(tx: Tx, update_id: int | None, now: datetime) -> None:
    """The update is applied in this transaction, once: an update delivered again (by
    Telegram, or put back by the inbox after a crash) raises :class:`AlreadyApplied`, so
    it cannot undo what later updates did (a /batal ending the question a Kembalikan
    press asked after it)."""
    if update_id is not None and not repo.claim_update(tx, update_id, now):
        raise AlreadyApplied()


def asked_by(update_id: int | None) -> dict[str, object]:
    """A question's data names the update that asked it: when that update comes again
    after a crash, the question may never have reached the person, and is asked again."""
    return {} if update_id is None else {"by": update_id}


@dataclass(frozen=True)
class Decided:
    """What the message a decision was taken on shows (the task as the case stood, with the
    decision and where the case went; Tarik kembali while the move can be taken back), and
    the outbox row that shows it there should the handler not (:meth:`CaseService.execute`)."""

    row: int
    text: str
    keyboard: Keyboard


@dataclass(frozen=True)
class Outcome:
    before: Case | None
    case: Case
    events: list[Event]
    first_seq: int
    actor_name: str = ""
    # for the messages a decision shows on (a command with ``pressed`` messages, a move:
    # the other holders' task messages): the move that brought ``before`` to its step, and
    # the names those messages show (who made that move, the members of a team formed)
    arrival: Event | None = None
    names: dict[int, str] = field(default_factory=dict)
    unheld: bool = False  # moved to a step nobody holds now (the administrators were told)
    decision: Decided | None = None  # a command with a ``pressed`` message: what it shows

    @property
    def move(self) -> Event:
        """The event that moved the case (or the last one, for a change in place)."""
        return next((e for e in reversed(self.events) if e.is_move), self.events[-1])

    @property
    def withdrawable(self) -> bool:
        """Its author may still take the move back (the decided message offers it)."""
        return self.case.is_open and self.move.type in (EventType.COMPLETED, EventType.APPROVED)

    @property
    def withdraw_keyboard(self) -> Keyboard:
        """Tarik kembali, while the move may still be taken back; else no button."""
        if not self.withdrawable:
            return []
        data = Callback(Op.WITHDRAW, self.case.id, self.case.step, self.case.version)
        return [[(t.BTN_WITHDRAW, data.encode())]]

    def decided_text(self, definition: SopDefinition, zone: OfficeZone, moved: str) -> str:
        """The task as the case stood when it was decided, with the decision
        (:func:`bot.views.decided_text`): on the message pressed and on the other holders'."""
        assert self.before is not None
        return decided_text(
            definition,
            self.before,
            zone,
            decision=self.move,
            actor_name=self.actor_name,
            names=self.names,
            arrival=self.arrival,
            moved=moved,
            events=self.events,
        )


@dataclass(frozen=True)
class Upload:
    """A file a holder sent, already saved on disk; what the transaction records."""

    case_id: int
    version: int
    doc: str | None  # None: the bot asks which document it is
    name: str
    size: int
    sha256: str
    path: str
    mime: str
    telegram_file_id: str | None
    telegram_unique_id: str | None
    chat_id: int
    message_id: int  # the user's message with the file (the acknowledgement replies to it)
    # a file of an album that waited for its case: its row of album_files goes with the
    # record (storage.repo.album_file_done)
    waited: bool = False


Answers = tuple[repo.OutboxItem, ...]
Answered = tuple[Answers, bool]  # the answers taken, and whether the outbox is to be woken
"""Outbox rows that answer an official, taken by the command that wrote them."""


@dataclass(frozen=True)
class UploadResult:
    status: str  # "attached" | "duplicate" | "same_as" (another document's file) | "ask"
    outcome: Outcome | None = None
    doc: str = ""
    version: int = 0
    choices: tuple[str, ...] = field(default=())
    answers: tuple[int, ...] = ()  # outbox rows that answer the upload (delivered at once)


class CaseService:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        config: Config,
        clock: Clock,
        calendar: WorkCalendar,
        wake_outbox: Notify = lambda: None,
        answer: Callable[[Sequence[repo.OutboxItem]], None] | None = None,
    ) -> None:
        self.db = db
        self.sops = sops
        self.config = config
        self.clock = clock
        self.calendar = calendar
        self.wake_outbox = wake_outbox
        # outbox rows that answer an official: taken in the command's own transaction and
        # delivered at once (the outbox's ``answer``); without an outbox to hand them to,
        # they are not taken and wait their turn
        self._answer = answer
        self.unit = config.organisation.unit
        self.zone = OfficeZone.named(config.time.timezone)
        self.reminders = ReminderSettings(
            repeat_every_minutes=config.reminders.repeat_every_minutes,
            escalate_after=config.reminders.escalate_after,
            max_snooze_minutes=config.reminders.max_snooze_minutes,
        )

    # -- actors --------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.config.admins

    def _utc_now(self) -> datetime:
        """The moment events carry: in UTC, as storage gives it back, so a case kept in
        memory after it was written is the case reading it again would give."""
        return self.clock.now().astimezone(UTC)

    def actor(self, tx: Tx, user_id: int, unit: str) -> Actor:
        return routing.actor(tx, user_id, unit, self.config, self.clock.now())

    # -- commands ------------------------------------------------------------------------

    async def start_case(
        self,
        user_id: int,
        title: str,
        fiscal_year: int,
        sop_code: str | None = None,
        update_id: int | None = None,
        into: int | None = None,
    ) -> Outcome:
        """Open a case (the starter holds its first step); ends the /baru dialogue. ``into``:
        the dialogue's message, which becomes the case's task message."""
        definition = self.sops[sop_code] if sop_code else self.sops.default

        def txn(tx: Tx) -> tuple[Outcome, Answered]:
            claim(tx, update_id, self.clock.now())
            case_id = repo.next_case_id(tx)
            command = StartCase(case_id, definition.code, self.unit, title, fiscal_year)
            outcome = self._run(tx, definition, None, command, user_id, (), into=into)
            repo.clear_dialogue(tx, user_id)
            # the dialogue's answer: its message becomes the case's task
            task = repo.pending_task_row(tx, user_id, case_id) if into is not None else None
            return outcome, self._take_answers(tx, () if task is None else (task,))

        outcome, answers = await self.db.write(txn)
        self._deliver(answers)
        return outcome

    async def execute(
        self,
        case_id: int,
        command: Command,
        user_id: int,
        pressed: Sequence[tuple[int, int]] = (),
        update_id: int | None = None,
        end_dialogue: bool = False,
    ) -> Outcome:
        """Run a command; ``pressed`` names the messages the handler edits itself (it shows
        the decision there, and a withdraw button while the move can be taken back): what
        it shows on the first (``Outcome.decision``) is also an outbox row of this transaction,
        due once the handler has had its time to show it (:data:`repo.OUTBOX_LEASE`), which
        the handler then settles (:meth:`decision_shown`). Killed in between, the bot shows
        it after the restart from that row: the decision taken on a task message cannot be
        lost with its edit, and an edit that did land is merely "not modified".

        ``update_id`` is claimed in the same transaction, so a Telegram update delivered
        again after a crash is not applied twice (:class:`AlreadyApplied`).
        ``end_dialogue``: the command answers the user's pending dialogue, which ends with it.
        """

        def txn(tx: Tx) -> Outcome:
            claim(tx, update_id, self.clock.now())
            outcome = self._execute(tx, case_id, command, user_id, pressed)
            if end_dialogue:
                effects.end_dialogue(tx, user_id, self.clock.now(), keep_prompt=pressed)
            if pressed:
                outcome = replace(outcome, decision=self._decided(tx, outcome, *pressed[0]))
            return outcome

        outcome = await self.db.write(txn)
        self.wake_outbox()
        return outcome

    async def attach_upload(
        self, user_id: int, upload: Upload, update_id: int | None = None
    ) -> UploadResult:
        """Record an uploaded file and, when it is known which document it is, attach it
        (the acknowledgement goes through the outbox, so a crash cannot lose it)."""

        def txn(tx: Tx) -> tuple[UploadResult, Answered]:
            claim(tx, update_id, self.clock.now())
            now = self._utc_now()
            case = repo.load_case(tx, upload.case_id)
            if case is None:
                raise InvalidValue("no such case", case=upload.case_id)
            if not case.is_open:
                raise CaseClosed(status=case.status.value)
            if case.version != upload.version:
                # the step moved on while the file was downloaded (a hand-in won the
                # race): refused, and the sender is told so
                raise StaleVersion(current=case.version, given=upload.version)
            definition = self.sops.of(case)
            doc = upload.doc
            if doc is None:
                # the latest version of a document sent again under a name that names none:
                # answered as that document's copy (asked about, the question would name
                # the file as first recorded, and either answer would find it recorded)
                doc = next((a.doc for a in case.latest_files() if a.sha256 == upload.sha256), None)
            existing = repo.find_file(tx, case.id, upload.sha256)
            if (
                existing is not None
                and doc is None
                and not self._asks_about(existing, upload, user_id)
            ):
                existing = None  # asked about as a file of its own, by the name it came with
            if existing is not None:
                file_id = existing.id
            else:
                file_id = repo.add_file(
                    tx,
                    case_id=case.id,
                    doc="",
                    kind="upload",
                    name=upload.name,
                    size=upload.size,
                    sha256=upload.sha256,
                    path=upload.path,
                    uploaded_by=user_id,
                    now=now,
                    telegram_file_id=upload.telegram_file_id,
                    telegram_unique_id=upload.telegram_unique_id,
                    mime=upload.mime,
                )
            # the sender has this file already: it is never sent back to them
            repo.record_delivery(tx, user_id, file_id, upload.message_id)
            if upload.waited:
                repo.album_file_done(tx, upload.chat_id, upload.message_id)
            if doc is None:
                asked = effects.ask_which_document(tx, case, user_id, file_id, now)
                uploads = effects.accepts_now(tx, definition, case)
                result = UploadResult("ask", choices=uploads, answers=(asked,))
            else:
                result = self._attach(tx, definition, case, user_id, file_id, doc, upload)
            return result, self._take_answers(tx, result.answers)

        result, answers = await self.db.write(txn)
        self._deliver(answers)
        return result

    async def assign_pending_file(
        self,
        user_id: int,
        case_id: int,
        version: int,
        choice: int,
        update_id: int | None,
        file_row: int | None = None,
        pressed: tuple[int, int] | None = None,
    ) -> UploadResult:
        """The holder said which document an upload is (a "dokumen apa?" button, which names
        its file: answering an older question attaches that question's file, not the last
        one sent). ``pressed``: the question's message, whose buttons go."""

        def txn(tx: Tx) -> tuple[UploadResult, Answered]:
            claim(tx, update_id, self.clock.now())
            now = self.clock.now()
            asked = repo.get_dialogue(tx, user_id)
            if asked is not None and (asked.kind, asked.case_id) != ("file", case_id):
                asked = None  # the person's dialogue is about something else
            row = file_row
            if row is None:  # a button from before the question named its file
                if asked is None:
                    raise AlreadyApplied()
                row = int(asked.data["file_row"])
            case = repo.load_case(tx, case_id)
            if case is None or not case.is_open or case.version != version:
                raise AlreadyApplied()
            stored = repo.get_file(tx, row)
            if stored is None or (stored.case_id, stored.uploaded_by) != (case_id, user_id):
                raise InvalidValue("not an upload of this person to this case", file=row)
            if stored.doc:
                raise AlreadyApplied()  # this question was answered before
            definition = self.sops.of(case)
            uploads = effects.accepts_now(tx, definition, case)
            if not 0 <= choice < len(uploads):
                raise InvalidValue("no such document", choice=choice)
            if asked is not None and int(asked.data["file_row"]) == row:
                effects.end_dialogue(tx, user_id, now)  # its question's buttons go with it
            elif pressed is not None:
                effects.strip(tx, *pressed, now, case_id)  # an older question's buttons
            doc = definition.canonical(uploads[choice])
            result = self._attach(tx, definition, case, user_id, stored.id, doc, None)
            return result, self._take_answers(tx, result.answers)  # the new checklist

        result, answers = await self.db.write(txn)
        self._deliver(answers)
        return result

    async def show_task(self, user_id: int, case_id: int, version: int) -> None:
        """Send the task of a case to its holder again (opened from the /tugas list): an
        answer, so it goes at once, before what is queued for that chat. The documents it
        works on that they do not have come first: a task listed in an acting official's
        notice (many changed hands at once) reaches them only this way."""

        def txn(tx: Tx) -> Answered:
            now = self.clock.now()
            case = repo.load_case(tx, case_id)
            rows: list[int] = []
            if case is not None and case.is_open and case.version == version:
                files = effects.send_task_files(tx, self.sops.of(case), case, user_id, now)
                rows += [] if files is None else [files]
            opened = {"open": 1}
            rows.append(
                repo.enqueue(
                    tx, user_id, "task", now, case_id=case_id, version=version, params=opened
                )
            )
            return self._take_answers(tx, rows)

        self._deliver(await self.db.write(txn))

    async def send_uploads(self, user_id: int, case_id: int, version: int) -> bool:
        """The documents uploaded for the case's current step (latest versions) that the
        person does not have yet, sent to them: a colleague's drafts, asked for from the
        task. An answer, so it goes at once. False: they have them all (or the case moved)."""

        def txn(tx: Tx) -> Answered | None:
            case = repo.load_case(tx, case_id)
            if case is None or case.version != version or not case.is_open:
                return None
            ids = [a.file_id for a in effects.step_uploads(self.sops.of(case), case)]
            held = repo.delivered(tx, user_id, ids)
            missing = [file_id for file_id in ids if file_id not in held]
            if not missing:
                return None
            row = repo.enqueue(
                tx, user_id, "files", self.clock.now(), case_id=case_id, version=version,
                params={"files": missing},
            )  # fmt: skip
            return self._take_answers(tx, (row,))

        answers = await self.db.write(txn)
        if answers is None:
            return False
        self._deliver(answers)
        return True

    def _decided(self, tx: Tx, outcome: Outcome, chat_id: int, message_id: int) -> Decided:
        """What the message the decision was taken on shows, and its outbox row: due when
        the handler should long have shown it itself (it settles the row then), sent by the
        outbox if the bot died first. The row names the case's version: a decision shown
        late, once the case has moved on, comes without its Tarik kembali."""
        definition = self.sops.of(outcome.case)
        moved = moved_line(definition, outcome.case, outcome.move, outcome.unheld)
        text = outcome.decided_text(definition, self.zone, moved)
        keyboard = outcome.withdraw_keyboard
        now = self.clock.now()
        row = repo.enqueue(
            tx, chat_id, "strip", now, case_id=outcome.case.id, version=outcome.case.version,
            params=effects.decided_params(message_id, text, keyboard),
            not_before=now + repo.OUTBOX_LEASE,
        )  # fmt: skip
        return Decided(row, text, keyboard)

    async def decision_shown(self, decided: Decided, shown: bool) -> None:
        """The handler showed the decision (``shown``: on the message it was taken on, or in
        a reply standing in for it): its row is settled, and the rows of the chat it held
        back go. Not shown (Telegram refused both), the row goes now, through the outbox,
        which retries: the message must not go on offering the buttons of a step that has
        moved on."""
        if await self.db.write(repo.settle_decided, decided.row, shown, self.clock.now()):
            self.wake_outbox()

    def _take_answers(self, tx: Tx, rows: Sequence[int]) -> Answered:
        """Rows that answer an official, taken (leased) in the command's own transaction:
        a delivery round cannot take them first and send them behind the chat's queue. Not
        taken when there is no outbox to hand them to (they wait their turn). With them,
        whether the delivery loop must be woken: a row besides them is due soon (the
        command's own, or one the loop has not seen yet). When they are all there is, the
        loop is woken once they have gone (:meth:`bot.outbox.OutboxSender.answer`), not
        now for a round that would find nothing to take."""
        if self._answer is None or not rows:
            return (), True
        now = self.clock.now()
        taken = tuple(repo.take_outbox_rows(tx, rows, now, now + repo.OUTBOX_LEASE))
        if not taken:
            return (), True
        others = repo.outbox_due_besides(
            tx, [item.id for item in taken], now + repo.OUTBOX_IDLE_MAX
        )
        return taken, others

    def _deliver(self, answered: Answered) -> None:
        answers, wake = answered
        if wake or not answers or self._answer is None:
            self.wake_outbox()
        if answers and self._answer is not None:
            self._answer(answers)

    @staticmethod
    def _asks_about(existing: repo.StoredFile, upload: Upload, user_id: int) -> bool:
        """Whether "which document is it?" may be asked about the case's earlier file of the
        same bytes: only one of the sender's own, recorded as no document yet, sent under
        the same name. An answer about a file recorded already (an earlier version) would
        find it answered, one about another's would be refused, and a question about
        another name would name a file the sender did not just send."""
        return not existing.doc and existing.uploaded_by == user_id and existing.name == upload.name

    def _attach(
        self,
        tx: Tx,
        definition: SopDefinition,
        case: Case,
        user_id: int,
        file_id: int,
        doc: str,
        upload: Upload | None,
    ) -> UploadResult:
        stored = repo.get_file(tx, file_id)
        assert stored is not None
        latest = case.latest(doc)
        if latest is not None and latest.sha256 == stored.sha256:
            return UploadResult("duplicate", doc=doc, version=latest.version)
        other = next(
            (a for a in case.latest_files() if a.sha256 == stored.sha256 and a.doc != doc), None
        )
        if other is not None:  # the same file as another document: a slip, not a draft
            return UploadResult("same_as", doc=other.doc, version=other.version)
        command = AttachFile(case.version, doc, stored.id, stored.sha256, stored.name)
        outcome = self._execute(tx, case.id, command, user_id, ())
        attached = outcome.case.latest(doc)
        version = attached.version if attached else 1
        reply_to = upload.message_id if upload is not None else None
        answers = effects.acknowledge_upload(
            tx, definition, outcome, user_id, stored.id, doc, version, reply_to, self.clock.now()
        )
        return UploadResult("attached", outcome, doc=doc, version=version, answers=answers)

    # -- the unit of work ----------------------------------------------------------------

    def run_in(self, tx: Tx, case: Case, command: Command, user_id: int) -> Outcome:
        """A command within another service's transaction (an administrator's role change
        that changes a case's team): the rules, events and rows of :meth:`execute`."""
        return self._run(tx, self.sops.of(case), case, command, user_id, ())

    def _execute(
        self,
        tx: Tx,
        case_id: int,
        command: Command,
        user_id: int,
        pressed: Sequence[tuple[int, int]],
    ) -> Outcome:
        found = repo.load_case_to_decide(tx, case_id)
        if found is None:
            raise InvalidValue("no such case", case=case_id)
        case = found.case
        return self._run(tx, self.sops.of(case), case, command, user_id, pressed, read=found)

    def _run(
        self,
        tx: Tx,
        definition: SopDefinition,
        case: Case | None,
        command: Command,
        user_id: int,
        pressed: Sequence[tuple[int, int]],
        into: int | None = None,
        read: repo.CaseToDecide | None = None,
    ) -> Outcome:
        """``read``: the case as read with the move that brought it to its step (one
        statement, :meth:`_execute`); without it, that move is read when needed."""

        def arrival() -> repo.Arrival | None:
            assert case is not None
            return read.arrival if read is not None else repo.arrival(tx, case.id)

        now = self._utc_now()
        unit = case.unit if case else self.unit
        facts = repo.actor_facts(tx, user_id, unit, now)
        if isinstance(command, SIGNED) and not facts.complete:
            raise ProfileIncomplete(person=user_id)
        actor, name = routing.actor_of(facts, user_id, self.config), facts.display
        # a file: what the step takes depends on how the case came to it (a return)
        came = arrival() if case and isinstance(command, AttachFile) else None
        events = decide(definition, case, command, actor, now, came.event if came else None)
        for event in events:
            if event.type in (EventType.ARCHIVED, EventType.ARCHIVE_CORRECTED):
                reference = str(event.data["reference"])
                other = repo.case_archived_as(tx, reference)
                if other is not None and other != event.case_id:
                    raise ArchiveReferenceUsed(reference=reference, case=other)
        # a move shows itself on the task messages of its step (views.decided_text)
        moving = any(event.is_move for event in events)
        shows = bool(pressed) or moving
        arrived = (came or arrival()) if case is not None and shows else None
        new = apply_all(definition, case, events)
        moved = case is None or new.version != case.version
        repo.save_case(
            tx,
            new,
            definition.step(new.step).actor,
            new=case is None,
            reminders_from=self._first_reminder(definition, new) if moved else False,
        )
        first_seq = repo.append_events(tx, new.id, events)
        for event in events:
            if event.type is EventType.FILE_ATTACHED:
                repo.set_file_doc(tx, int(event.data["file_id"]), str(event.data["doc"]))
        if not moved and any(
            e.type is EventType.FILE_ATTACHED and e.step == new.step for e in events
        ):
            # a file attached to the step by its holder: the work goes on, the reminder waits
            put_off_after_upload(tx, self.calendar, self.reminders, definition, new, now, user_id)
        names: dict[int, str] = {}
        if shows:  # what the decided message shows (views.decided_text)
            if arrived is not None and arrived.by is not None:
                names[arrived.event.actor] = arrived.by.display
            members = [
                int(m)
                for event in events
                if event.type is EventType.TEAM_FORMED
                for m in event.data.get("members", [])
            ]
            if members:
                people = repo.people_by_ids(tx, members)
                names |= {p: person.display for p, person in people.items()}
        outcome = Outcome(
            case, new, events, first_seq, name, arrived.event if arrived else None, names
        )
        decided: Callable[[], str] | None = None
        if case is not None and moving:

            def decided_elsewhere() -> str:
                """The decision, on the task messages of the other holders of the step."""
                moved = moved_line(definition, outcome.case, outcome.move)
                return outcome.decided_text(definition, self.zone, moved)

            decided = decided_elsewhere

        unheld = effects.queue(
            tx,
            definition,
            outcome,
            pressed,
            now,
            into=into,
            admins=self.config.admins,
            decided=decided,
            leftovers=read.leftovers if read is not None else None,
        )
        return replace(outcome, unheld=True) if unheld else outcome

    def _first_reminder(self, definition: SopDefinition, case: Case) -> str | None:
        """When the case's current step first falls due (its reminders start afresh)."""
        if not case.is_open:
            return None
        norm = definition.step(case.step).time_minutes
        held = HeldStep(case.step_entered_at, norm, 0, None, None)
        return ts(next_due_at(self.calendar, self.reminders, held))


@dataclass(frozen=True)
class NewCase:
    """/baru: ``ok`` (the SOP the case runs), ``refused`` (the person holds the first step of
    none of ``choices``), ``choose`` (they may open cases of several: a code is needed) or
    ``unknown`` (no SOP has the code given; ``choices``: every SOP)."""

    status: str
    definition: SopDefinition | None = None
    choices: list[SopDefinition] = field(default_factory=list)


LAPSED_TOLD_WITHIN = timedelta(hours=24)
"""How long a question that ended without its answer is still named to the text typed for it."""


@dataclass(frozen=True)
class Lapsed:
    """A question of the person's that ended without their answer, with the names its
    answer shows (who moved the case, the role that went; "" when none)."""

    ended: repo.EndedDialogue
    actor: str
    role: str


class Dialogues:
    """The pending questions of a person (a return reason, a new case's title, ...), kept in
    the database so a restart loses none; each step is one trip."""

    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        clock: Clock,
        unit: str,
        wake_outbox: Notify = lambda: None,
    ) -> None:
        self.db, self.sops, self.clock, self.unit = db, sops, clock, unit
        self.wake_outbox = wake_outbox  # a dialogue that ends takes its buttons away

    def _woken(self, queued: bool) -> None:
        """The outbox goes at once when a step queued rows (an ended dialogue's buttons);
        a wake for nothing would cost a delivery round."""
        if queued:
            self.wake_outbox()

    async def begin(
        self,
        user_id: int,
        kind: str,
        case_id: int | None = None,
        version: int | None = None,
        data: dict[str, object] | None = None,
        update_id: int | None = None,
    ) -> bool:
        """Start a dialogue (a case's one only while the case is still at ``version``)."""

        def txn(tx: Tx) -> tuple[bool, bool]:
            now = self.clock.now()
            if update_id is not None and not repo.claim_update(tx, update_id, now):
                return False, False
            if case_id is not None:
                case = repo.load_case(tx, case_id)
                if case is None or not case.is_open or case.version != version:
                    return False, False
            fields = dict(data or {}) | asked_by(update_id)
            return True, effects.start_dialogue(tx, user_id, kind, now, case_id, version, fields)

        started, queued = await self.db.write(txn)
        self._woken(queued)
        return started

    def _roles(self, tx: Tx, user_id: int) -> frozenset[str]:
        """The roles the person holds now: their own, and those they act in as a Plh or Plt
        in force (who opens cases for an absent Kasubag, or a vacant one's: the core takes
        the first step from them as from the role's holder)."""
        facts = repo.actor_facts(tx, user_id, self.unit, self.clock.now())
        return facts.roles | frozenset(facts.acting)

    async def begin_new_case(
        self, user_id: int, code: str = "", update_id: int | None = None
    ) -> NewCase:
        """/baru [kode]: which SOP the new case runs (the title is asked next), or why not.
        Without a code: the one SOP whose first step this person holds. Raises
        :class:`AlreadyApplied` for an update delivered again."""
        sops = self.sops

        def txn(tx: Tx) -> tuple[NewCase, bool]:
            claim(tx, update_id, self.clock.now())
            startable = sops.startable_by(self._roles(tx, user_id))
            if code:
                chosen = [d for d in sops if d.code.lower() == code.lower()]
                if not chosen:
                    return NewCase("unknown", choices=list(sops)), False
                startable = [d for d in startable if d.code == chosen[0].code] or []
                if not startable:
                    return NewCase("refused", choices=chosen), False
            if not startable:
                return NewCase("refused", choices=list(sops)), False
            if len(startable) > 1:
                return NewCase("choose", choices=startable), False
            data = {"sop": startable[0].code} | asked_by(update_id)
            now = self.clock.now()
            return NewCase("ok", startable[0]), effects.start_dialogue(
                tx, user_id, "new_title", now, data=data
            )

        result, queued = await self.db.write(txn)
        self._woken(queued)
        return result

    async def end_new_case(self, user_id: int, update_id: int | None = None) -> list[SopDefinition]:
        """A /baru whose SOP is no longer run (its code changed, its file left the config):
        its dialogue ends; the SOPs this person may open instead. Raises
        :class:`AlreadyApplied` for an update delivered again."""
        sops = self.sops

        def txn(tx: Tx) -> tuple[list[SopDefinition], bool]:
            claim(tx, update_id, self.clock.now())
            ended = effects.end_dialogue(tx, user_id, self.clock.now())
            return sops.startable_by(self._roles(tx, user_id)), ended is not None

        startable, queued = await self.db.write(txn)
        self._woken(queued)
        return startable

    async def lapsed(self, user_id: int) -> Lapsed | None:
        """Free text with no dialogue pending: the question it was likely typed for, if one
        ended in the last day by another's doing (told once), else None."""

        def txn(tx: Tx) -> Lapsed | None:
            ended = repo.take_ended_dialogue(tx, user_id)
            if ended is None or ended.at < self.clock.now() - LAPSED_TOLD_WITHIN:
                return None
            actor = repo.get_person(tx, ended.actor) if ended.actor is not None else None
            role = role_name(self.sops, ended.role) if ended.role else ""
            return Lapsed(ended, actor.display if actor is not None else "", role)

        return await self.db.write(txn)

    async def cancel(
        self, user_id: int, case_id: int | None = None, update_id: int | None = None
    ) -> repo.Dialogue | None:
        """/batal: end the pending dialogue (with its buttons); the one that ended, if any.
        With ``case_id`` (a question's Batal button), only a dialogue about that case.
        Raises :class:`AlreadyApplied` for an update delivered again."""

        def txn(tx: Tx) -> repo.Dialogue | None:
            claim(tx, update_id, self.clock.now())
            if case_id is not None:
                pending = repo.get_dialogue(tx, user_id)
                if pending is None or pending.case_id != case_id:
                    return None
            return effects.end_dialogue(tx, user_id, self.clock.now())

        ended = await self.db.write(txn)
        self._woken(ended is not None)
        return ended

    async def toggle_member(
        self, user_id: int, case_id: int, version: int, person: int, update_id: int
    ) -> list[int] | None:
        """Add or remove a team member in the Kasubag's selection; None if already applied."""

        def txn(tx: Tx) -> tuple[list[int] | None, bool]:
            now = self.clock.now()
            if not repo.claim_update(tx, update_id, now):
                return None, False  # delivered again after a crash: applied already
            members, page = repo.team_selection(repo.get_dialogue(tx, user_id), case_id)
            members = (
                [m for m in members if m != person] if person in members else [*members, person]
            )
            data = {"members": members, "page": page}
            return members, effects.start_dialogue(tx, user_id, "team", now, case_id, version, data)

        members, queued = await self.db.write(txn)
        self._woken(queued)
        return members

    async def turn_team_page(
        self, user_id: int, case_id: int, version: int, page: int, update_id: int | None = None
    ) -> None:
        """Show another page of the team's candidates; the selection stays. Raises
        :class:`AlreadyApplied` for an update delivered again (its ticks since then stay)."""

        def txn(tx: Tx) -> bool:
            claim(tx, update_id, self.clock.now())
            members, _ = repo.team_selection(repo.get_dialogue(tx, user_id), case_id)
            data = {"members": members, "page": page}
            now = self.clock.now()
            return effects.start_dialogue(tx, user_id, "team", now, case_id, version, data)

        self._woken(await self.db.write(txn))
