"""Outbox rows rendered at send time: from the small row to the text, buttons and files.

The outbox sender loads, in one read trip per delivery round, everything the due rows
need (:func:`load_inputs`), then renders each row with the pure functions below. A task
is rendered from the case as it is when it goes out, so it never shows a stale checklist.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import texts as t
from bot.callbacks import Callback, Op
from bot.config import DEFAULT_API_BASE_URL, max_upload_bytes
from bot.core.definition import SopDefinition
from bot.core.model import Case, Event, EventType
from bot.core.workflow import four_eyes_set_aside
from bot.papers.dates import OfficeZone
from bot.papers.registry import paper_kinds, paper_title
from bot.reminder_policy import first_due_at
from bot.services import routing
from bot.services.effects import step_uploads
from bot.services.registry import SopRegistry
from bot.services.routing import DEFINITIVE_ONLY, FOUR_EYES, step_holders
from bot.views import (
    Keyboard,
    acting_role,
    case_heading,
    outcome_line,
    role_name,
    second_roles_text,
    set_aside_text,
    step_line,
    task_view,
    team_name,
)
from bot.worktime import WorkCalendar
from storage import repo
from storage.codec import parse_ts
from storage.db import Tx

MAX_ALBUM = 10  # items of one sendMediaGroup


# the button of a message listing tasks (a reminder digest, many tasks handed over at once):
# /tugas's first page
TASK_LIST_BUTTON = [[(t.BTN_TASK_LIST, Callback(Op.TASK_PAGE, 0, 0, 0, "0").encode())]]


@dataclass
class Inputs:
    """What a round of due rows needs to be rendered, read in one trip."""

    cases: dict[int, Case] = field(default_factory=dict)
    events: dict[tuple[int, int], Event] = field(default_factory=dict)
    people: dict[int, repo.Person] = field(default_factory=dict)
    files: dict[int, repo.StoredFile] = field(default_factory=dict)
    papers: dict[tuple[int, int, str], list[repo.StoredFile]] = field(default_factory=dict)
    # the papers still to be written, as (case, event, paper)
    papers_pending: set[tuple[int, int, str]] = field(default_factory=set)
    # (case, seq) -> the event a paper was written for (its step names a Lembar Disposisi)
    paper_events: dict[tuple[int, int], Event] = field(default_factory=dict)
    delivered: dict[tuple[int, int], int] = field(default_factory=dict)  # (person, file) -> msg
    live: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    dialogues: dict[int, repo.Dialogue] = field(default_factory=dict)
    team_candidates: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    holders: dict[int, list[int]] = field(default_factory=dict)
    # case -> holder -> how many of the step's reminders had gone when they received its
    # task (0: theirs since the case entered the step): what each read of an escalation's
    # reminder, as the case stands when it is sent
    received: dict[int, dict[int, int]] = field(default_factory=dict)
    acting: dict[tuple[str, str], repo.Appointment | None] = field(default_factory=dict)
    appointments: dict[int, repo.Appointment] = field(default_factory=dict)

    def name(self, person_id: int) -> str:
        person = self.people.get(person_id)
        return person.display if person else t.UNNAMED.format(person=person_id)

    def unreachable(self, person_ids: Sequence[int]) -> list[int]:
        """Those the bot cannot write to: they blocked it or never pressed Start, so
        Telegram refused what was sent to them (true as the message is sent)."""
        return [p for p in person_ids if (person := self.people.get(p)) and not person.started_bot]


def load_inputs(
    tx: Tx,
    items: Sequence[repo.OutboxItem],
    sops: SopRegistry,
    now: datetime,
    max_upload: int = max_upload_bytes(DEFAULT_API_BASE_URL),
) -> Inputs:
    """What these rows need; ``max_upload``: the largest file the Bot API server takes
    (an archive bundle above it is left out, and its paper goes alone)."""
    inputs = Inputs()
    # a round's rows share much (a case's events, a chat's documents): each read is made
    # once per key in the round, not once per row that needs it (same snapshot, same answer)
    events: dict[tuple[int, int], Event | None] = {}

    def event_of(case_id: int, seq: int) -> Event | None:
        if (case_id, seq) not in events:
            events[(case_id, seq)] = repo.event_at(tx, case_id, seq)
        return events[(case_id, seq)]

    papers: dict[tuple[int, int, str], list[repo.StoredFile]] = {}
    pending: dict[int, set[tuple[int, str]]] = {}
    arrivals: dict[int, tuple[int, Event] | None] = {}
    asked: set[int] = set()  # the chats whose dialogue was read
    lives: set[tuple[int, int]] = set()  # the (chat, case) whose live task message was read
    case_ids = {i.case_id for i in items if i.case_id is not None and i.kind != "paper"}
    for item in items:
        if item.kind == "digest":  # the cases a reminder digest lists
            case_ids.update(int(entry[0]) for entry in item.params.get("cases", ()))
        if item.kind == "notice":  # the tasks an appointment's notice lists
            case_ids.update(int(entry[0]) for entry in item.params.get("listed", ()))
    for case_id in case_ids:
        case = repo.load_case(tx, case_id)
        if case is not None:
            inputs.cases[case_id] = case
    people: set[int] = set()
    file_ids: set[int] = set()
    # every version of the case's documents: an album tells of the one a file replaces
    # only to someone who got it
    versions: set[int] = set()
    for item in items:
        case = inputs.cases.get(item.case_id or 0)
        p = item.params
        people.add(item.chat_id)
        for key in ("via", "seq"):
            if key in p and case is not None:
                event = event_of(case.id, int(p[key]))
                if event is not None:
                    inputs.events[(case.id, int(p[key]))] = event
                    people.add(event.actor)
        if item.kind == "files" and case is not None:
            file_ids.update(int(f) for f in p.get("files", ()))
            versions.update(a.file_id for a in case.files)
            for seq, kind in p.get("papers", ()):
                if (case.id, int(seq), kind) not in papers:
                    papers[(case.id, int(seq), kind)] = repo.papers_for(
                        tx, case.id, int(seq), [f"paper:{kind}"]
                    )
                found = papers[(case.id, int(seq), kind)]
                # a bundle holds the paper and its files: it goes alone, if Telegram takes it
                bundles = [f for f in found if f.name.endswith(".zip")]
                fits = not p.get(repo.NO_BUNDLE) and all(f.size <= max_upload for f in bundles)
                if bundles and fits:
                    found = bundles
                else:
                    found = [f for f in found if not f.name.endswith(".zip")]
                inputs.papers[(case.id, int(seq), kind)] = found
                if (case.id, int(seq)) not in inputs.paper_events:
                    event = event_of(case.id, int(seq))
                    if event is not None:
                        inputs.paper_events[(case.id, int(seq))] = event
                file_ids.update(f.id for f in found)
            if case.id not in pending:
                pending[case.id] = repo.pending_papers(tx, case.id)
            inputs.papers_pending.update((case.id, seq, kind) for seq, kind in pending[case.id])
        if item.kind in ("notice", "prompt", "react") and "file" in p:
            file_ids.add(int(p["file"]))
        if "people" in p:  # a notice that names people
            people.update(int(x) for x in p["people"])
        for key in ("appointment", "next"):  # an acting period, and the one after it
            if key in p:
                found_appointment = repo.acting_for_id(tx, int(p[key]))
                if found_appointment is not None:
                    inputs.appointments[found_appointment.id] = found_appointment
                    people.add(found_appointment.person_id)
        if item.kind in ("task", "notice") and case is not None:
            step_role = sops.of(case).step(case.step).actor
            if (case.unit, step_role) not in inputs.acting:
                inputs.acting[(case.unit, step_role)] = routing.acting_in_force(
                    tx, case.unit, step_role, now
                )
        if item.kind == "notice" and p.get("t") == "passed_over" and case is not None:
            holders = step_holders(tx, sops.of(case), case, now)
            inputs.holders[case.id] = holders
            people.update(holders)
        if item.kind == "task" and case is not None:
            if "via" not in p:  # a refreshed or reopened task still shows how it came
                if case.id not in arrivals:
                    arrivals[case.id] = repo.last_arrival(tx, case.id)
                arrival = arrivals[case.id]
                if arrival is not None:
                    inputs.events[(case.id, arrival[0])] = arrival[1]
                    people.add(arrival[1].actor)
            if (item.chat_id, case.id) not in lives:
                lives.add((item.chat_id, case.id))
                live = repo.live_task(tx, item.chat_id, case.id)
                if live is not None:
                    inputs.live[(item.chat_id, case.id)] = live
            definition = sops.of(case)
            if case.id not in inputs.team_candidates and definition.step(case.step).kind == "team":
                team = definition.team_role(case.step)
                inputs.team_candidates[case.id] = [
                    (h.telegram_id, h.display)
                    for h in (repo.holders(tx, case.unit, team.id) if team else [])
                ]
            file_ids.update(a.file_id for a in case.latest_files())
        if item.kind in ("task", "prompt") and item.chat_id not in asked:
            asked.add(item.chat_id)
            dialogue = repo.get_dialogue(tx, item.chat_id)
            if dialogue is not None:
                inputs.dialogues[item.chat_id] = dialogue
        if item.kind == "notice" and p.get("t") == "escalation" and case is not None:
            holders = step_holders(tx, sops.of(case), case, now)
            inputs.holders[case.id] = holders
            people.update(holders)
            if case.is_open and case.id not in inputs.received:
                state = repo.reminder_state(tx, case)
                inputs.received[case.id] = {h: state.received(h) for h in holders}
        if item.kind == "notice" and "listed" in p:  # listed while the reader holds them
            for entry in p["listed"]:
                listed = inputs.cases.get(int(entry[0]))
                if listed is not None and listed.is_open and listed.id not in inputs.holders:
                    inputs.holders[listed.id] = step_holders(tx, sops.of(listed), listed, now)
        if item.kind == "digest" and p.get("t") == "escalation":
            for entry in p.get("cases", ()):
                listed = inputs.cases.get(int(entry[0]))
                if listed is not None and listed.is_open and listed.id not in inputs.holders:
                    holders = step_holders(tx, sops.of(listed), listed, now)
                    inputs.holders[listed.id] = holders
                    people.update(holders)
    inputs.people = repo.people_by_ids(tx, people)
    inputs.files = repo.files_by_ids(tx, file_ids)
    wanted = file_ids | versions
    for chat_id in dict.fromkeys(i.chat_id for i in items if i.kind in ("files", "task")):
        had = repo.delivered(tx, chat_id, wanted)
        for file_id, message_id in had.items():
            inputs.delivered[(chat_id, file_id)] = message_id
    return inputs


# -- rendering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    text: str
    keyboard: Keyboard = field(default_factory=list)
    reply_to: int | None = None


@dataclass(frozen=True)
class Album:
    """Documents for one person, in albums of at most ten; a caption on the last of each."""

    files: list[repo.StoredFile]
    captions: list[str]


class Renderer:
    def __init__(self, sops: SopRegistry, zone: OfficeZone, calendar: WorkCalendar) -> None:
        self.sops, self.zone, self.calendar = sops, zone, calendar

    def stale(self, item: repo.OutboxItem, inputs: Inputs) -> bool:
        """A row about a version the case has moved past (or a closed case) is not sent."""
        if item.version is None or item.case_id is None:
            return False
        case = inputs.cases.get(item.case_id)
        return case is None or not case.is_open or case.version != item.version

    # -- tasks ---------------------------------------------------------------------------

    def task(self, item: repo.OutboxItem, inputs: Inputs, now: datetime) -> Message:
        assert item.case_id is not None
        case = inputs.cases[item.case_id]
        definition = self.sops.of(case)
        p = item.params
        arrival = inputs.events.get((case.id, int(p["via"]))) if "via" in p else None
        if arrival is None:
            arrival = self._arrival(case, inputs)
        selected, page = repo.team_selection(inputs.dialogues.get(item.chat_id), case.id)
        names = {pid: inputs.name(pid) for pid in ([arrival.actor] if arrival else [])}
        reply_to, files_note = self._files_note(item.chat_id, definition, case, inputs)
        notes = self._acting_notes(item, case, definition, inputs)
        reminder = int(p.get("reminder", 0))
        if reminder:
            notes.insert(0, self.reminder_note(definition, case, now))
        view = task_view(
            definition,
            case,
            self.zone,
            names=names,
            arrival=arrival,
            team_candidates=inputs.team_candidates.get(case.id, []),
            team_selected=selected,
            team_page=page,
            intro=str(p.get("intro", "")),
            files_note=files_note,
            notes=notes,
            due=self.due(definition, case),
            reminder=reminder,
            unheld=self._unheld_uploads(item.chat_id, definition, case, inputs),
        )
        return Message(view.text, view.keyboard, reply_to)

    @staticmethod
    def _unheld_uploads(
        person: int, definition: SopDefinition, case: Case, inputs: Inputs
    ) -> list[str]:
        """The names of the step's uploaded documents (latest versions) this chat does not
        have: a colleague's drafts, which a holder asked to correct them needs."""
        return [
            inputs.files[a.file_id].name
            for a in step_uploads(definition, case)
            if (person, a.file_id) not in inputs.delivered and a.file_id in inputs.files
        ]

    def due(self, definition: SopDefinition, case: Case) -> datetime:
        """When the step's norm of working time runs out: the moment its first reminder
        counts from (:func:`bot.reminder_policy.first_due_at`, on the office's calendar)."""
        step = definition.step(case.step)
        return first_due_at(self.calendar, case.step_entered_at, step.time_minutes)

    def _acting_notes(
        self, item: repo.OutboxItem, case: Case, definition: SopDefinition, inputs: Inputs
    ) -> list[str]:
        """Why this holder has the task: as an acting official, or because one was passed
        over (a strategic step, or four eyes)."""
        step = definition.step(case.step)
        appointment = inputs.acting.get((case.unit, step.actor))
        why = item.params.get("why") or self.passed_over(definition, case, appointment)
        notes = []
        if appointment is not None and appointment.person_id == item.chat_id and not why:
            title = acting_role(definition, step.actor, appointment.kind)
            until = t.last_day(appointment.ends_at, self.zone)
            notes.append(t.TASK_AS_ACTING.format(title=t.e(title), until=until))
        if why == DEFINITIVE_ONLY:
            notes.append(t.WHY_DEFINITIVE_ONLY)
        elif why == FOUR_EYES:
            notes.append(t.WHY_FOUR_EYES)
        if parts := four_eyes_set_aside(definition, case, item.chat_id):
            # four eyes gave way: the one official who may decide the step does, and knows why
            did = t.e(set_aside_text(definition, parts))
            notes.append(t.WHY_FOUR_EYES_SET_ASIDE.format(did=did))
        if item.params.get("intro") == "acting_out":
            notes.append(t.ACTING_TASK_BACK)
        return notes

    @staticmethod
    def passed_over(
        definition: SopDefinition, case: Case, appointment: repo.Appointment | None
    ) -> str:
        """Why an acting official in force does not hold the case's step ("" if they do)."""
        return routing.passed_over(definition, case, appointment)

    def _arrival(self, case: Case, inputs: Inputs) -> Event | None:
        """The latest move of the case among the events read for this round."""
        moves = [(seq, e) for (cid, seq), e in inputs.events.items() if cid == case.id]
        moves = [(seq, e) for seq, e in moves if e.is_move]
        return max(moves, key=lambda move: move[0])[1] if moves else None

    def _files_note(
        self, person: int, definition: SopDefinition, case: Case, inputs: Inputs
    ) -> tuple[int | None, str]:
        """Where the step's documents are in this chat: sent just before, or earlier (the
        task then answers the message that has them). Not those the person attached: the
        bot sent them nothing (Kasubag's own Konsep and TOR at step 1)."""
        step = definition.step(case.step)
        wanted = {definition.canonical(d) for d in step.inputs}
        have = [a for a in case.latest_files() if a.doc in wanted and a.by != person]
        earlier = [
            inputs.delivered[(person, a.file_id)]
            for a in have
            if (person, a.file_id) in inputs.delivered
        ]
        if not have or not earlier:
            return None, ""
        if len(earlier) == len(have):
            # a task sent anew answers the message with them; one edited in place cannot
            # answer anything, so the note does not point at a reply
            return max(earlier), t.FILES_EARLIER_IN_CHAT
        return None, ""

    def reminder_note(self, definition: SopDefinition, case: Case, now: datetime) -> str:
        """How long the step has waited, under a reminder's first line (which names it)."""
        step = definition.step(case.step)
        spent = self.calendar.working_minutes_between(case.step_entered_at, now)
        return t.REMINDER_NOTE.format(
            since=self.zone.tanggal_jam(case.step_entered_at),
            norm=t.minutes_text(step.time_minutes),
            spent=t.minutes_text(spent),
        )

    # -- files ---------------------------------------------------------------------------

    def files_waiting(self, item: repo.OutboxItem, inputs: Inputs) -> bool:
        """A paper the row carries is still being written: the row (and its chat) waits.
        Only for its own: the archive bundle names a paper held past its wait
        (``papers.bundle_wait_minutes``: :attr:`bot.outbox.papers.PaperRows.bundle_wait`)
        as left out, and goes."""
        return any(
            (item.case_id, int(seq), str(kind)) in inputs.papers_pending
            for seq, kind in item.params.get("papers", ())
        )

    def album(
        self, item: repo.OutboxItem, inputs: Inputs, leave_out: Collection[int] = ()
    ) -> Album:
        """The row's documents the person does not have yet, without ``leave_out`` (files
        missing from the files folder)."""
        assert item.case_id is not None
        case = inputs.cases.get(item.case_id)
        p = item.params
        chosen: list[repo.StoredFile] = []
        for file_id in p.get("files", ()):
            stored = inputs.files.get(int(file_id))
            if stored is not None:
                chosen.append(stored)
        for seq, kind in p.get("papers", ()):
            chosen += inputs.papers.get((item.case_id, int(seq), kind), [])
        fresh = [
            f
            for f in dict.fromkeys(chosen)
            if (item.chat_id, f.id) not in inputs.delivered and f.id not in leave_out
        ]
        captions: list[str] = []
        if case is None or not fresh:
            return Album([], [])
        definition = self.sops.of(case)
        versions = {a.file_id: a for a in case.files}
        # a holder's files are the step's inputs, named as the step names them (the
        # archivist gets the signed "Program Kerja", not the "Draf Program Kerja")
        names = (
            definition.names_in(definition.step(case.step).inputs)
            if item.version is not None and item.version == case.version
            else {}
        )
        lines = []
        for stored in fresh:
            attachment = versions.get(stored.id)
            if attachment is None:
                label = self._paper_label(definition, stored, inputs)
                lines.append(t.ALBUM_PAPER.format(label=label, name=t.e(stored.name)))
                continue
            name = names.get(attachment.doc) or definition.document(attachment.doc).name
            # the latest earlier version this person got: none, for one who never saw one
            had = [
                a.version
                for a in case.files
                if a.doc == attachment.doc
                and a.version < attachment.version
                and (item.chat_id, a.file_id) in inputs.delivered
            ]
            replaces = t.FILE_REPLACES.format(version=max(had)) if had else ""
            lines.append(
                t.ALBUM_FILE.format(
                    doc=t.e(name),
                    name=t.e(stored.name),
                    version=attachment.version,
                    replaces=replaces,
                )
            )
        heading = t.CASE_LINE.format(case=case.id, title=t.e(t.clip_words(case.title, 80)))
        if p.get(repo.SUPPLEMENT):  # papers an archive bundle went without, written since
            heading += "\n" + t.PAPER_SUPPLEMENT.format(case=case.id)
        for start in range(0, len(fresh), MAX_ALBUM):
            chunk = lines[start : start + MAX_ALBUM]
            captions.append(t.fit(heading + "\n" + "\n".join(chunk), 1024))
        return Album(fresh, captions)

    @staticmethod
    def _paper_label(definition: SopDefinition, stored: repo.StoredFile, inputs: Inputs) -> str:
        """What a paper the bot wrote is, by its kind: "Lembar Disposisi (langkah 2)" (the
        step for a kind several steps write), "Draf SK Tim Penyusunan (perubahan)"; the
        archive bundle says what it holds."""
        if stored.name.endswith(".zip"):
            return t.ARCHIVE_BUNDLE_CAPTION
        kind = paper_kinds(definition).get(stored.doc.removeprefix("paper:"))
        if kind is None:
            return t.PAPER_LABEL_OTHER
        event = inputs.paper_events.get((stored.case_id, stored.source_seq or 0))
        label = paper_title(kind, team_name(definition, event.step if event else None))
        if event is not None and event.type is EventType.TEAM_CHANGED:
            label += t.PAPER_LABEL_CHANGED
        elif event is not None and sum(kind.name in s.papers for s in definition.steps) > 1:
            label += t.PAPER_LABEL_STEP.format(step=event.step)
        return t.e(label)

    # -- notices and prompts -------------------------------------------------------------

    def notice(self, item: repo.OutboxItem, inputs: Inputs, now: datetime) -> Message | None:
        p = item.params
        kind = p.get("t")
        case = inputs.cases.get(item.case_id or 0)
        if kind == "text":
            reply = p.get("reply_to")  # an answer about a message of theirs (an upload)
            keyboard = [
                [(str(label), str(data)) for label, data in row] for row in p.get("keyboard", [])
            ]
            return Message(str(p.get("text", "")), keyboard, reply_to=int(reply) if reply else None)
        if kind in ("acting_start", "acting_end"):
            return self._acting_notice(item, inputs, str(kind))
        if kind == "acting_extended":
            return self._acting_extended(item, inputs)
        if kind == "acting_left_waiting":
            return self._acting_left_waiting(item, inputs)
        if kind == "role_moved":
            return self._role_moved(item, inputs)
        if kind == "invite_used":
            return self._invite_used(item, inputs)
        if kind == "undecided_list":  # many cases no one may decide, to the administrators
            return self._undecided_list(item, inputs)
        if kind == "role_tasks":  # many tasks came with a role (an invitation), or from
            # a holder of a shared role whose role was revoked (/cabut)
            role = t.e(role_name(self.sops, str(p["role"])))
            if "from" in p:
                old = t.e(inputs.name(int(p["from"])))
                text = t.ROLE_TASKS_LISTED_REVOKED.format(role=role, old=old)
            else:
                text = t.ROLE_TASKS_LISTED.format(role=role)
            return self.task_list(item, inputs, text, t.ACTING_LIST_IN)
        if kind == "fix_profile":  # /ubah_data: the person corrects their own data
            button = Callback(Op.FIX_PROFILE, 0, 0, 0, str(int(p["admin"]))).encode()
            return Message(t.FIX_ASKED, [[(t.BTN_FIX_PROFILE, button)]])
        if kind == "role_revoked":
            text = t.ROLE_REVOKED.format(role=t.e(role_name(self.sops, str(p["role"]))))
            if int(p.get("tasks", 0)):
                text += " " + t.ROLE_REVOKED_TASKS.format(tasks=int(p["tasks"]))
            return Message(text)
        if case is None:
            return None
        definition = self.sops.of(case)
        if kind == "reminder_put_off":
            # a colleague's upload put off a team member's next reminder (as of its step)
            if not case.is_open or case.step != int(p["step"]):
                return None
            people = [int(x) for x in p.get("people", ())]
            return Message(
                t.REMINDER_PUT_OFF_BY_UPLOAD.format(
                    case=case.id,
                    name=t.e(inputs.name(people[0]) if people else "-"),
                    due=self.zone.tanggal_jam(parse_ts(str(p["due"]))),
                    was=self.zone.tanggal_jam(parse_ts(str(p["was"]))),
                )
            )
        if kind == "upload":
            stored = inputs.files.get(int(p["file"]))
            doc = (
                definition.document(str(p["doc"])).name
                if definition.has_document(str(p["doc"]))
                else str(p["doc"])
            )
            version = int(p["v"])
            replaces = t.FILE_REPLACES.format(version=version - 1) if version > 1 else ""
            text = t.FILE_ATTACHED.format(
                name=t.e(stored.name if stored else t.UNNAMED_FILE),
                doc=t.e(doc),
                version=version,
                replaces=replaces,
            )
            reply = p.get("reply_to")
            return Message(text, reply_to=int(reply) if reply else None)
        if kind == "withdrawn":
            event = inputs.events.get((case.id, int(p["seq"])))
            if event is None:
                return None
            line = outcome_line(definition, event, inputs.name(event.actor), self.zone)
            text = f"{case_heading(definition, case)}\n\n{line}\n" + t.WITHDRAWN_FROM_YOU.format(
                step=int(p["step"])
            )
            return Message(t.fit(text))
        if kind == "closed":
            event = inputs.events.get((case.id, int(p["seq"])))
            if event is None:
                return None
            line = outcome_line(definition, event, inputs.name(event.actor), self.zone)
            if event.type is EventType.ARCHIVED:
                text = t.CASE_ARCHIVED_NOTICE.format(
                    heading=case_heading(definition, case),
                    reference=t.e(case.archive_reference or ""),
                    line=line,
                )
            elif event.type is EventType.CANCELLED:
                text = t.CASE_CANCELLED_NOTICE.format(
                    heading=case_heading(definition, case), line=line
                )
            else:  # the last step of an SOP that does not end in archiving, done
                text = t.CASE_COMPLETED_NOTICE.format(
                    heading=case_heading(definition, case), line=line
                )
            return Message(t.fit(text))
        if kind == "passed_over":
            step = definition.step(case.step)
            holders = t.names([inputs.name(h) for h in inputs.holders.get(case.id, [])])
            why = t.WHY_DEFINITIVE_ONLY if p.get("why") == DEFINITIVE_ONLY else t.WHY_FOUR_EYES
            # no one holds it (no one may decide it): it waits for the administrators
            text = (t.PASSED_OVER if holders else t.PASSED_OVER_NOBODY).format(
                heading=case_heading(definition, case),
                step=step_line(definition, step),
                why=why,
                holders=t.e(holders),
            )
            return Message(t.fit(text))
        if kind == "undecided":
            step = definition.step(case.step)
            names = t.names([inputs.name(int(x)) for x in p.get("people", [])])
            if p.get("why") == DEFINITIVE_ONLY:
                template = t.WAITS_FOR_DEFINITIVE
            elif "acting" in p:
                template = t.NO_ONE_MAY_DECIDE_ACTING
            else:
                template = t.NO_ONE_MAY_DECIDE
            text = template.format(
                heading=case_heading(definition, case),
                step=step_line(definition, step),
                names=t.e(names),
                role=t.e(role_name(definition, step.actor)),
                role_id=t.e(step.actor),
            )
            return Message(t.fit(text))
        if kind == "unheld":  # moved to a step nobody holds
            step = definition.step(case.step)
            members = [int(x) for x in p.get("people", [])]
            template = t.UNHELD_TEAM if members else t.UNHELD_ROLE
            text = template.format(
                heading=case_heading(definition, case),
                step=step_line(definition, step),
                names=t.e(
                    t.names(
                        [
                            t.UNHELD_TEAM_MEMBER.format(name=inputs.name(x), person=x)
                            if x in inputs.people
                            else inputs.name(x)
                            for x in members
                        ],
                        sep="; ",
                    )
                ),
                old=members[0] if len(members) == 1 else t.UNHELD_TEAM_OLD,
                role=t.e(role_name(definition, step.actor)),
                role_id=t.e(step.actor),
            )
            return Message(t.fit(text))
        if kind == "escalation":
            step = definition.step(case.step)
            spent = self.calendar.working_minutes_between(case.step_entered_at, now)
            ids = inputs.holders.get(case.id, [])
            holders = t.names([inputs.name(h) for h in ids]) or "-"
            unreachable = inputs.unreachable(ids)  # got none of the reminders
            # the superior cannot act on the step: the notice says what they can do
            definitive = self.passed_over(
                definition, case, inputs.acting.get((case.unit, step.actor))
            )
            # a Plh stands in for one official, not for a team, nor at a definitive step
            plh = not (definitive or definition.role(step.actor).shared)
            # team members who put off their own reminders (/tunda) had none of it
            off = {int(x[0]): parse_ts(x[1]) for x in p.get("off", ()) if int(x[0]) in ids}
            if unreachable:
                reminded = t.ESCALATION_NOT_REACHED.format(
                    names=t.e(t.names([inputs.name(h) for h in unreachable]))
                )
                ask = t.ESCALATION_ASK_UNREACHED_PLH if plh else t.ESCALATION_ASK_UNREACHED
            else:
                sent_to = [h for h in ids if h not in off]
                received = inputs.received.get(case.id, {})
                if sent_to or not off:
                    reminded = self._reminded(p, sent_to, received, inputs)
                else:  # none of the team was sent it: the note below names each
                    reminded = t.ESCALATION_REMINDED_NONE.format(n=int(p.get("reminder", p["n"])))
                ask = t.ESCALATION_ASK_PLH if plh else t.ESCALATION_ASK
            if off:  # named whether or not the others could be reached
                each = "; ".join(
                    t.ESCALATION_POSTPONED_BY.format(
                        name=inputs.name(h), until=self.zone.tanggal_jam(until)
                    )
                    for h, until in off.items()
                )
                reminded += " " + t.ESCALATION_POSTPONED.format(each=t.e(each))
            text = t.ESCALATION.format(
                case=case.id,
                title=t.e(case.title),
                step=step_line(definition, step),
                holders=t.e(holders),
                role=t.e(role_name(definition, step.actor)),
                since=self.zone.tanggal_jam(case.step_entered_at),
                spent=t.minutes_text(spent),
                norm=t.minutes_text(step.time_minutes),
                reminded=reminded,
                ask=ask,
            )
            if definitive:
                text += t.ESCALATION_DEFINITIVE
            return Message(t.fit(text))
        return None

    @staticmethod
    def _reminded(
        p: dict[str, Any], holders: Sequence[int], received: dict[int, int], inputs: Inputs
    ) -> str:
        """What an escalation says of its reminder (the step's ``n``): the number each
        holder read of it, as they hold the step when it is sent, one number when they
        read the same (a team member who stays counts on, a newcomer from 1). One who
        received the task after that reminder (it passed on while the escalation waited)
        had none of it: the escalation says the former holder had it, not they."""
        queued = int(p.get("reminder", p["n"]))  # what the holder read, as it was queued
        numbers = {h: int(p["n"]) - received.get(h, 0) for h in holders}
        if numbers and all(n < 1 for n in numbers.values()):
            return t.ESCALATION_REMINDED_BEFORE.format(n=queued)
        if len(set(numbers.values())) <= 1:
            return t.ESCALATION_REMINDED.format(n=next(iter(numbers.values()), queued))
        each = "; ".join(
            t.ESCALATION_REMINDED_TO.format(n=n, name=inputs.name(h))
            if n >= 1
            else t.ESCALATION_NOT_YET_TO.format(name=inputs.name(h))
            for h, n in numbers.items()
        )
        return t.ESCALATION_REMINDED_EACH.format(each=t.e(each))

    # -- reminder digests ----------------------------------------------------------------

    @staticmethod
    def digest_entries(item: repo.OutboxItem, inputs: Inputs) -> list[list[Any]]:
        """The cases of a digest still at the step it was queued for (case, version,
        number, role, step): a case that has moved on since is left out, as a reminder
        about it alone would not be sent."""
        current = []
        for entry in item.params.get("cases", ()):
            case = inputs.cases.get(int(entry[0]))
            if case is not None and case.is_open and case.version == int(entry[1]):
                current.append(entry)
        return current

    def digest(
        self,
        item: repo.OutboxItem,
        entries: Sequence[list[Any]],
        inputs: Inputs,
        now: datetime,
        left_out: int = 0,
    ) -> Message:
        """One message for many reminders (or escalations) of a sweep: the cases, the most
        overdue first, cut at whole lines to fit one message ("… dan 5 lainnya").
        ``left_out``: the digest as edited once it landed, without that many cases that
        stopped being the person's while it was on its way (a note says so)."""
        escalation = item.params.get("t") == "escalation"
        sops = {self.sops.of(inputs.cases[int(entry[0])]).header.name for entry in entries}
        rows = []
        unreachable: dict[int, str] = {}  # holders Telegram refused the reminders of
        for entry in entries:
            case = inputs.cases[int(entry[0])]
            definition = self.sops.of(case)
            step = definition.step(case.step)
            late = self.calendar.working_minutes_between(self.due(definition, case), now)
            line = t.DIGEST_LINE.format(
                case=case.id,
                title=t.e(t.clip(case.title, 60)),
                # the SOP's name on each line when the cases are of several SOPs
                sop=t.e(t.clip(definition.header.name, 40)) + " · " if len(sops) > 1 else "",
                step=definition.step_label(step.id),
                step_title=t.e(t.clip(step.title, 60)),
                late=t.DIGEST_LATE.format(late=t.minutes_text(late))
                if late >= 1
                else t.DIGEST_DUE_NOW,
            )
            if escalation:
                ids = inputs.holders.get(case.id, [])
                names = ", ".join(inputs.name(h) for h in ids) or "-"
                for h in inputs.unreachable(ids):
                    unreachable[h] = inputs.name(h)
                holders = f"{names} ({role_name(definition, step.actor)})"
                line += t.DIGEST_HOLDERS.format(holders=t.e(t.clip(holders, 80)))
                line += self._postponed(
                    item.params.get("off", {}).get(str(case.id), ()), ids, inputs
                )
            rows.append((-late, case.id, line))
        rows.sort()
        head = (t.DIGEST_ESCALATION_HEAD if escalation else t.DIGEST_REMINDER_HEAD).format(
            count=len(rows)
        )
        if len(sops) == 1:
            head += "\n" + t.DIGEST_ONE_SOP.format(sop=t.e(next(iter(sops))))
        foot = t.DIGEST_ESCALATION_FOOT if escalation else t.DIGEST_REMINDER_FOOT
        if left_out:
            note = t.DIGEST_ESCALATION_LEFT_OUT if escalation else t.DIGEST_REMINDER_LEFT_OUT
            foot = note.format(count=left_out) + "\n" + foot
        if unreachable:
            names = t.e(t.clip(", ".join(unreachable.values()), 400))
            foot = t.DIGEST_ESCALATION_NOT_REACHED.format(names=names) + "\n" + foot
        text = self._fit_rows(head + "\n", [(None, line) for _, _, line in rows], foot)
        return Message(text) if escalation else Message(text, TASK_LIST_BUTTON)

    def _postponed(self, off: Sequence[Sequence[Any]], ids: Sequence[int], inputs: Inputs) -> str:
        """A digest line's note of the team members (of ``ids``, who hold the step) who were
        not sent the reminder it escalates, having put off their own (/tunda): ``off``, as
        the digest keeps them of the case (person, when he is reminded of it); "" when none."""
        each = [
            t.ESCALATION_POSTPONED_BY.format(
                name=inputs.name(int(x[0])), until=self.zone.tanggal_jam(parse_ts(x[1]))
            )
            for x in off
            if int(x[0]) in ids
        ]
        if not each:
            return ""
        return t.DIGEST_POSTPONED.format(each=t.e(t.names(each, room=240, sep="; ")))

    @staticmethod
    def digest_void(item: repo.OutboxItem, count: int) -> Message:
        """A digest as edited once it landed, when none of the ``count`` cases it listed is
        the person's any more (their role passed on while it was on its way): it says it
        no longer applies, without the cases or a button."""
        escalation = item.params.get("t") == "escalation"
        void = t.DIGEST_ESCALATION_VOID if escalation else t.DIGEST_REMINDER_VOID
        return Message(void.format(count=count))

    def _role_moved(self, item: repo.OutboxItem, inputs: Inputs) -> Message:
        """/alihkan: the role's old and new holder hear of it (the tasks follow, or, more
        than effects.LISTED_ABOVE, are listed in the new holder's notice)."""
        p = item.params
        role = t.e(role_name(self.sops, str(p["role"])))
        tasks = int(p.get("tasks", 0))
        if item.chat_id == int(p["to"]):
            held = t.ROLE_MOVED_IN_HELD if p.get("held") else t.ROLE_MOVED_IN
            text = held.format(role=role, old=t.e(inputs.name(int(p["from"]))))
            if tasks:
                text += " " + t.ROLE_MOVED_TASKS_IN.format(tasks=tasks)
            if ended := self._ended_for_holder(item, inputs, t.YOU):
                text += " " + ended
            if "listed" in p:  # many tasks: listed here, opened from /tugas
                return self.task_list(item, inputs, text, t.ACTING_LIST_IN) or Message(text)
        else:
            new = t.sentence(t.e(inputs.name(int(p["to"]))))
            text = t.ROLE_MOVED_OUT.format(role=role, new=new)
            if tasks:
                text += " " + t.ROLE_MOVED_TASKS_OUT.format(tasks=tasks)
        return Message(text)

    def _invite_used(self, item: repo.OutboxItem, inputs: Inputs) -> Message:
        """The administrator who made an invitation: who used it, whom the role left."""
        p = item.params

        def who(person: int) -> str:
            name = inputs.name(person)
            unnamed = t.UNNAMED.format(person=person)
            return name if name == unnamed else t.NAMED.format(name=name, person=person)

        role = role_name(self.sops, str(p["role"]))
        text = t.INVITE_USED.format(role=t.e(role), new=t.e(who(int(p["to"]))))
        old = [int(x) for x in p.get("from", [])]
        if old:
            names = ", ".join(who(x) for x in old)
            # those who never pressed Start could not be told: their notice waits
            not_told = [int(x) for x in p.get("not_told", [])]
            if not_told:
                text += " " + t.INVITE_USED_PASSED_NOT_TOLD.format(old=t.e(names))
                text += " " + t.NOT_STARTED_NOT_TOLD.format(
                    who=t.e(", ".join(who(x) for x in not_told))
                )
            else:
                text += " " + t.INVITE_USED_PASSED.format(old=t.e(names))
        if int(p.get("tasks", 0)):
            text += " " + t.INVITE_USED_TASKS.format(tasks=int(p["tasks"]))
        if ended := self._ended_for_holder(item, inputs, t.THE_PERSON_CONCERNED):
            text += " " + ended
        if warning := second_roles_text(
            t.e(who(int(p["to"]))),
            str(p["role"]),
            int(p["to"]),
            p.get("second", []),
            lambda role: t.e(role_name(self.sops, role)),
            len(list(self.sops)) > 1,
        ):
            text += "\n\n" + warning
        return Message(text)

    def _ended_for_holder(self, item: repo.OutboxItem, inputs: Inputs, whom: str) -> str:
        """The sentence that says the new holder's appointment to act in the role ended
        ("" when there was none)."""
        appointment = inputs.appointments.get(int(item.params.get("appointment", 0)))
        if appointment is None:
            return ""
        title = acting_role(self.sops, appointment.role, appointment.kind)
        return t.ACTING_ENDED_HOLDER.format(whom=whom, title=f"<b>{t.e(title)}</b>")

    def _acting_extended(self, item: repo.OutboxItem, inputs: Inputs) -> Message | None:
        """To the acting official: his appointment runs on to a later day (/plh again)."""
        appointment = inputs.appointments.get(int(item.params.get("appointment", 0)))
        if appointment is None:
            return None
        title = acting_role(self.sops, appointment.role, appointment.kind)
        until = t.last_day(appointment.planned_end, self.zone)
        text = t.ACTING_EXTENDED_YOU.format(title=t.e(title), until=until)
        index = item.params.get("extension")  # none in a notice written before level 21
        if isinstance(index, int) and 0 <= index < len(appointment.extensions):
            # this extension's own day, reason and letter (not a later one's)
            extension = appointment.extensions[index]
            text = t.ACTING_EXTENDED_YOU.format(
                title=t.e(title), until=t.last_day(extension.ends_at, self.zone)
            )
            if extension.reason:
                text += t.ACTING_EXTENDED_REASON.format(reason=t.sentence(t.e(extension.reason)))
            if extension.letter:
                text += t.ACTING_NOTICE_LETTER.format(letter=t.e(extension.letter))
        return Message(text)

    def _acting_notice(self, item: repo.OutboxItem, inputs: Inputs, kind: str) -> Message | None:
        appointment = inputs.appointments.get(int(item.params.get("appointment", 0)))
        if appointment is None:
            return None
        title = acting_role(self.sops, appointment.role, appointment.kind)
        role = t.e(role_name(self.sops, appointment.role))
        who = t.e(inputs.name(appointment.person_id))
        starting = kind == "acting_start"
        # the period the appointment was made for: a notice that goes out after an early
        # end (it waited its turn in the chat) still names it, not the moment it was ended
        # (its end has a notice of its own; one refused until a Start after the end does
        # not go: storage.repo.queued._acting_over)
        until = t.last_day(appointment.planned_end, self.zone)
        # the reason is the definitive official's (leave, travel): a sentence of its own, so
        # that it is not read as the acting official's
        reason = (
            t.ACTING_NOTICE_REASON.format(reason=t.sentence(t.e(appointment.reason)))
            if appointment.reason
            else ""
        )
        letter = (
            t.ACTING_NOTICE_LETTER.format(letter=t.e(appointment.letter))
            if appointment.letter
            else ""
        )
        count = int(item.params.get("tasks", 0))
        to_acting = item.chat_id == appointment.person_id
        # at the end: the next acting official, who takes the tasks over (a hand-over)
        after = inputs.appointments.get(int(item.params.get("next", 0)))
        onward, next_title, successor = 0, "", ""
        if not count:
            tasks = ""
        elif starting:
            whom = t.YOU if to_acting else t.THE_PERSON_CONCERNED
            tasks = t.ACTING_NOTICE_TASKS_IN.format(count=count, whom=whom)
        else:
            whom = t.THE_DEFINITIVE_OFFICIAL if to_acting else t.YOU
            tasks = t.ACTING_NOTICE_TASKS_BACK.format(count=count, whom=whom)
        if after is not None:
            onward = int(item.params.get("onward", 0))
            next_title = acting_role(self.sops, after.role, after.kind)
            successor = (
                t.YOU if item.chat_id == after.person_id else t.e(inputs.name(after.person_id))
            )
        if to_acting and starting:
            kept = dict(item.params.get("kept") or {})
            for key, template, other in (
                ("kept", t.ACTING_NOTICE_KEPT, bool(count)),
                # many steps no one may decide (else a notice each)
                ("nobody", t.ACTING_NOTICE_NOBODY, bool(count or kept)),
            ):
                for why, cases in dict(item.params.get(key) or {}).items():
                    tasks += template.format(
                        count=len(cases),
                        other=t.OTHER if other else "",
                        cases=t.case_numbers([int(c) for c in cases]),
                        why=t.ACTING_NOTICE_KEPT_WHY.get(
                            why, t.ACTING_NOTICE_KEPT_WHY["four_eyes"]
                        ),
                    )
        if to_acting and not starting:
            if after is not None and onward:
                tasks += t.ACTING_NOTICE_TASKS_ONWARD.format(
                    count=onward, whom=successor, title=t.e(next_title)
                )
            if waiting := int(item.params.get("waiting", 0)):
                tasks += t.ACTING_NOTICE_TASKS_WAITING.format(count=waiting, role=role)
        if starting and to_acting:
            text = t.ACTING_STARTS_YOU.format(
                title=t.e(title), until=until, reason=reason, tasks=tasks, letter=letter
            )
        elif starting:
            text = t.ACTING_STARTS.format(
                who=who,
                title=t.e(title),
                until=until,
                reason=reason,
                role=role,
                tasks=tasks,
                letter=letter,
            )
        elif to_acting:
            text = t.ACTING_ENDS_YOU.format(title=t.e(title), tasks=tasks)
        elif after is not None:
            # a hand-over: the tasks go on to the next acting official, not back to them
            text = t.ACTING_ENDS_HANDED_ON.format(
                who=who,
                title=t.e(title),
                role=role,
                successor=successor,
                next_title=t.e(next_title),
                until=t.last_day(after.ends_at, self.zone),
                tasks=tasks,
            )
        else:
            text = t.ACTING_ENDS.format(who=who, title=t.e(title), role=role, tasks=tasks)
        if "listed" in item.params:  # many tasks: listed here, opened from /tugas
            head = t.ACTING_LIST_IN if starting else t.ACTING_LIST_BACK
            return self.task_list(item, inputs, text, head) or Message(text)
        return Message(text)

    def task_list(
        self, item: repo.OutboxItem, inputs: Inputs, text: str, head: str
    ) -> Message | None:
        """A notice to whom many tasks came at once (an acting period's start or end, a role
        passed on by /alihkan or an invitation, a shared role's steps after /cabut:
        ``listed`` in its row, [case, version]):
        ``text``, then ``head`` and the tasks, a line each in case order, cut at whole lines
        to fit one message, and a button that opens /tugas, where each is opened with its
        documents. A task no longer theirs by now (decided, passed on while the notice
        waited) is left out, counted in a note; None when none is left."""

        def line(entry: list[Any], case: Case) -> str | None:
            if item.chat_id not in inputs.holders.get(case.id, ()):
                return None
            return self._list_line(case)

        rows, gone = self._listed_rows(item, inputs, line)
        if not rows:
            return None
        foot = t.TASK_LIST_FOOT
        if gone:
            foot = t.TASK_LIST_GONE.format(count=gone) + "\n" + foot
        fitted = self._fit_rows(text, [(head, row) for row in rows], foot)
        return Message(fitted, TASK_LIST_BUTTON)

    def _undecided_list(self, item: repo.OutboxItem, inputs: Inputs) -> Message | None:
        """The administrators: more than effects.LISTED_ABOVE cases whose step no one may
        decide since holders changed (a role passed on, an acting period over), one notice
        listing them, not a notice each: under what lets them go on (who may not decide
        them, and the command: a Plh/Plt, the end of one, the definitive official), a line
        each. A case someone may decide by now (a Plh appointed, the case cancelled) is
        left out, counted in a note; None when none is left."""
        whys: set[str] = set()
        asks_plh = False  # a group asks for a Plh/Plt: the command in full, once
        groups: dict[str, list[str]] = {}  # what lets them go on -> the cases' lines

        def line(entry: list[Any], case: Case) -> str | None:
            nonlocal asks_plh
            if inputs.holders.get(case.id):
                return None  # someone may decide it now
            definition = self.sops.of(case)
            role = definition.step(case.step).actor
            why, acting, people = str(entry[2]), int(entry[3]), entry[4]
            whys.add(why)
            if why == DEFINITIVE_ONLY:
                template = t.UNDECIDED_GROUP_DEFINITIVE
            elif acting:
                template = t.UNDECIDED_GROUP_ACTING
            else:
                template = t.UNDECIDED_GROUP
                asks_plh = True
            names = t.names([inputs.name(int(x)) for x in people])
            head = template.format(
                names=t.e(names), role=t.e(role_name(definition, role)), role_id=t.e(role)
            )
            shown = self._list_line(case)
            groups.setdefault(head, []).append(shown)
            return shown

        kept, gone = self._listed_rows(item, inputs, line)
        if not kept:
            return None
        foot = " ".join(
            [
                *([t.UNDECIDED_LIST_FOUR_EYES] if whys - {DEFINITIVE_ONLY} else []),
                *([t.UNDECIDED_LIST_DEFINITIVE] if DEFINITIVE_ONLY in whys else []),
                t.UNDECIDED_LIST_FOOT,
            ]
        )
        if asks_plh:
            foot += "\n" + t.UNDECIDED_LIST_PLH
        if gone:
            foot = t.UNDECIDED_LIST_GONE.format(count=gone) + "\n" + foot
        text = t.UNDECIDED_LIST.format(count=len(item.params["listed"]))
        rows = [(head, row) for head, lines in groups.items() for row in lines]
        return Message(self._fit_rows(text, rows, foot))

    @staticmethod
    def _listed_rows(
        item: repo.OutboxItem,
        inputs: Inputs,
        line: Callable[[list[Any], Case], str | None],
    ) -> tuple[list[str], int]:
        """The lines of a notice's ``listed`` cases ([case, version, ...], in case order)
        still as they were listed (open, at that version) and kept by ``line`` (None: left
        out), and how many were left out."""
        rows: list[str] = []
        gone = 0
        for entry in item.params["listed"]:
            case = inputs.cases.get(int(entry[0]))
            shown = None
            if case is not None and case.is_open and case.version == int(entry[1]):
                shown = line(entry, case)
            if shown is None:
                gone += 1
            else:
                rows.append(shown)
        return rows, gone

    def _list_line(self, case: Case) -> str:
        """A listed case: its number, title and step."""
        definition = self.sops.of(case)
        step = definition.step(case.step)
        return t.TASK_LIST_LINE.format(
            case=case.id,
            title=t.e(t.clip(case.title, 60)),
            step=definition.step_label(step.id),
            step_title=t.e(t.clip(step.title, 60)),
        )

    @staticmethod
    def _fit_rows(text: str, rows: Sequence[tuple[str | None, str]], foot: str) -> str:
        """``text`` and the rows, each (its head, said once before the first row under it,
        or None, and the row), cut at whole rows to fit one message with the line "… dan n
        lainnya" and the closing ``foot``."""
        last = None
        for shown, (head, line) in enumerate(rows):
            more = t.DIGEST_MORE.format(count=len(rows) - shown)
            add = (f"\n\n{head}" if head != last else "") + f"\n{line}"
            # room kept for the line "… dan n lainnya" and the closing sentence
            if len(text) + len(add) + len(more) + len(foot) + 4 > t.MAX_MESSAGE:
                text += f"\n{more}"
                break
            text += add
            last = head
        return t.fit(text + f"\n\n{foot}")

    def _acting_left_waiting(self, item: repo.OutboxItem, inputs: Inputs) -> Message | None:
        """The administrators: an acting period of a role with no definitive holder ended,
        and its tasks wait for no one."""
        appointment = inputs.appointments.get(int(item.params.get("appointment", 0)))
        if appointment is None:
            return None
        cases = [int(c) for c in item.params.get("cases", [])]
        text = t.ACTING_LEFT_WAITING.format(
            who=t.e(inputs.name(appointment.person_id)),
            title=t.e(acting_role(self.sops, appointment.role, appointment.kind)),
            role=t.e(role_name(self.sops, appointment.role)),
            role_id=t.e(appointment.role),
            tasks=len(cases),
            cases=t.case_numbers(cases),
        )
        return Message(text)

    def prompt(self, item: repo.OutboxItem, inputs: Inputs) -> Message | None:
        """A dialogue's question with buttons, while the dialogue still waits for it."""
        case = inputs.cases.get(item.case_id or 0)
        dialogue = inputs.dialogues.get(item.chat_id)
        if case is None or dialogue is None or dialogue.case_id != case.id:
            return None
        if item.params.get("t") == "which_doc" and dialogue.kind == "file":
            definition = self.sops.of(case)
            stored_id = int(item.params["file"])
            stored = inputs.files.get(stored_id)
            keyboard = [
                [
                    (
                        definition.document(d).name,
                        Callback(
                            Op.ASSIGN_FILE, case.id, case.step, case.version, f"{i}f{stored_id}"
                        ).encode(),
                    )
                ]
                for i, d in enumerate(definition.step(case.step).accepts)
            ]
            name = t.e(stored.name if stored else t.UNNAMED_FILE)
            return Message(t.ASK_WHICH_DOCUMENT.format(name=name, case=case.id), keyboard)
        return None


__all__ = ["Album", "Inputs", "Message", "Renderer", "load_inputs"]
