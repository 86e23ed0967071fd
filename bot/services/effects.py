"""What a change causes: the outbox rows a transition queues, in its own transaction.

Rows are small: what to send, to whom, about which case and version, with a few
parameters. The text is rendered when the row is sent (:mod:`bot.messages`), so a row
costs tens of bytes and a message always shows the case as it is.

Kinds of row (``chat_id`` 0 marks a job, not a message):
- ``paper``   job: write paper ``kind`` for event ``seq`` and keep it with the case
- ``files``   documents a person needs: upload versions and papers (an album, before the
              task that uses them); a file the person already has is never sent again
- ``task``    the step's task for a holder: sent, or edited in place in their live task
              message; stale (skipped) once the case has moved past ``version``
- ``notice``  a short message from a template (``t``): upload acknowledgement, case closed,
              case withdrawn from the holder's step, escalation, ...
- ``prompt``  a dialogue's question with buttons ("dokumen apa?"); its buttons are removed
              whenever the dialogue ends
- ``strip``   remove the buttons of an earlier message
- ``text``    a message rendered before this format existed (rows of older databases)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import texts as t
from bot.core.definition import DocumentSource, SopDefinition, StepKind
from bot.core.model import Actor, Attachment, Case, Event, EventType
from bot.core.workflow import accepted_now, withdrawable_by
from bot.papers.registry import completion_papers, team_amendments
from bot.services import routing
from bot.services.reminders import DIGEST_ABOVE
from storage import repo
from storage.db import Tx

if TYPE_CHECKING:
    from bot.services.cases import Outcome

FORWARD = (EventType.COMPLETED, EventType.APPROVED, EventType.ARCHIVED)


def step_holders(tx: Tx, definition: SopDefinition, case: Case, at: datetime) -> list[int]:
    """Whose turn it is (acting officials in force, see :mod:`bot.services.routing`)."""
    return routing.step_holders(tx, definition, case, at)


def participants(tx: Tx, case: Case) -> list[int]:
    """Everyone who acted on the case (administrators excepted) and its team."""
    ids = [e.actor for e in repo.load_events(tx, case.id) if e.role != "admin"]
    return list(dict.fromkeys([*ids, *case.team]))


class _Rows:
    """The outbox rows one command causes, written together at its end, in order."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rows: list[tuple[Any, ...]] = []

    def add(
        self,
        chat_id: int,
        kind: str,
        *,
        case_id: int | None = None,
        version: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.rows.append(
            repo.outbox_row(
                chat_id, kind, self.now, case_id=case_id, version=version, params=params
            )
        )

    def job(self, case: Case, kind: str, seq: int) -> None:
        """Write paper ``kind`` for event ``seq``."""
        self.add(0, "paper", case_id=case.id, params={"paper": kind, "seq": seq})

    def strip(
        self, chat_id: int, message_id: int, case_id: int | None, text_html: str = ""
    ) -> None:
        """Remove a message's buttons; with ``text_html``, show that text instead of what
        the message says now (a question asked on a task message lapses)."""
        self.add(chat_id, "strip", case_id=case_id, params=_strip_params(message_id, text_html))


def tell_admins(
    tx: Tx, admins: Iterable[int], texts: Iterable[str], now: datetime, besides: int = 0
) -> None:
    """Plain notices to the administrators (a paper that cannot be written, a task nobody
    can see, errors held back at a stop); not to ``besides`` (the person it is about)."""
    for admin in admins:
        if admin != besides:
            for text in texts:
                repo.enqueue(tx, admin, "notice", now, params={"t": "text", "text": text})


def queue(
    tx: Tx,
    definition: SopDefinition,
    outcome: Outcome,
    pressed: Sequence[tuple[int, int]],
    now: datetime,
    into: int | None = None,
    admins: Sequence[int] = (),
    decided: Callable[[], str] | None = None,
    leftovers: repo.Leftovers | None = None,
) -> bool:
    """Every row the outcome of one command causes. ``into``: a message of the actor's chat
    that the new task replaces (the /baru question becomes the case's task). ``admins``
    are asked for a Plh when no holder may decide the step the case comes to, and told
    when the case moved to a step nobody holds (a vacant role, a team none of whose
    members holds its role now). ``decided``: the text the other holders' task messages
    show once the case moved (the decision, :func:`bot.views.decided_text`).
    ``leftovers``: what the case has that its move takes (read with it in this
    transaction; None: not known, looked for). Whether the case moved to a step nobody
    holds (the mover is told so)."""
    before, case = outcome.before, outcome.case
    out = _Rows(now)
    moved = before is None or before.version != case.version
    ended: list[repo.Dialogue] = []
    shown: set[int] = set()  # chats whose task message now shows the move
    if before is not None and moved:
        ended, shown = _retire(
            tx, before, pressed, out, decided, leftovers or repo.Leftovers(), now
        )
        if pressed and outcome.withdrawable:
            chat_id, message_id = pressed[0]
            repo.record_task_message(tx, chat_id, message_id, case.id, case.version)

    # Papers go where they are used: a step's papers to whoever holds the next step (the
    # Disposisi is the instruction to them), the last step's to its own holder (the
    # archivist files the Dokumentasi; a completed case's goes to whoever completed it). A Lembar Pemeriksaan is the reviewer's record: it
    # is written and kept with the case (and in the archive bundle), not sent.
    route = routing.route(tx, definition, case, now) if case.is_open and moved else None
    asked = _undecided_notice(route) if route is not None else None
    # moved to a step nobody holds: it would wait unseen until its reminders escalate
    unheld = (
        route is not None
        and asked is None
        and not route.people
        and any(event.is_move for event in outcome.events)
    )
    if unheld:
        asked = _unheld_notice(definition, case)
    if asked is not None:
        for admin in admins:
            out.add(admin, "notice", case_id=case.id, version=case.version, params=asked)
    papers_for: dict[int, list[tuple[int, str]]] = {}  # person -> (seq, paper) to receive
    for offset, event in enumerate(outcome.events):
        seq = outcome.first_seq + offset
        step = definition.step(event.step)
        if step.is_review and event.type in (EventType.APPROVED, EventType.RETURNED):
            out.job(case, "pemeriksaan", seq)
        if event.type in FORWARD and step.papers:
            recipients = route.people if route is not None else [event.actor]
            for kind in step.papers:
                out.job(case, kind, seq)
                for person in dict.fromkeys(recipients):
                    papers_for.setdefault(person, []).append((seq, kind))
        if event.type in FORWARD and event.to_step is None and step.finishes:
            # completed, not filed: the case's record (the Dokumentasi, in its bundle) to
            # whoever completed it, as the archivist gets an archived case's
            for kind in completion_papers():
                out.job(case, kind, seq)
                papers_for.setdefault(event.actor, []).append((seq, kind))
        if event.type is EventType.TEAM_CHANGED and step.kind is not StepKind.TEAM:
            # the team's decree, amended, to the team as it now is (back at the team step,
            # the team is formed anew and decreed then)
            for kind in team_amendments(definition):
                out.job(case, kind, seq)
                for person in case.team:
                    papers_for.setdefault(person, []).append((seq, kind))

        if event.type is EventType.ARCHIVE_CORRECTED:
            _archive_corrected(tx, definition, case, event, seq, out)

    last = outcome.events[-1]
    last_seq = outcome.first_seq + len(outcome.events) - 1
    tasks: list[int] = []
    why = ""
    if last.type is EventType.STARTED:
        tasks = [last.actor]
    elif last.is_move and route is not None:
        tasks = route.people
        why = route.why
        # told once a period: a case back at a strategic step (a return from it, a
        # withdrawal) is not news to the acting official told when it first came
        again = route.why == routing.DEFINITIVE_ONLY and _at_step_in_period(
            tx, case, route.appointment
        )
        informed = [] if again else route.informed
        for person in informed:
            out.add(
                person,
                "notice",
                case_id=case.id,
                version=case.version,
                params={"t": "passed_over", "why": route.why},
            )
        step = definition.step(case.step)
        if last.type in FORWARD and step.templates:
            for kind in step.templates:
                out.job(case, kind, last_seq)
                for person in tasks:
                    papers_for.setdefault(person, []).append((last_seq, kind))

    for person in dict.fromkeys([*papers_for, *tasks]):
        is_holder = person in tasks
        files = _task_files(definition, case) if is_holder else []
        papers = papers_for.get(person, [])
        if files or papers:
            params: dict[str, Any] = {}
            if files:
                params["files"] = files
            if papers:
                params["papers"] = papers
            out.add(
                person,
                "files",
                case_id=case.id,
                version=case.version if is_holder else None,
                params=params,
            )
        if is_holder:
            params = {"via": last_seq}
            if last.type is EventType.STARTED:
                params["intro"] = "created"
                if into is not None:
                    params["into"] = into
            elif last.type is EventType.WITHDRAWN:
                params["intro"] = "withdrawn"
            if why:
                params["why"] = why
            out.add(person, "task", case_id=case.id, version=case.version, params=params)

    if before is not None:
        # the text they were typing for it is answered with why it was not used
        why = _LAPSED_BY.get(last.type, "moved")
        for dialogue in ended:
            if dialogue.person_id != last.actor:
                lapse(tx, dialogue, now, why, before.step, actor=last.actor)
    if before is not None and last.type is not EventType.WITHDRAWN:
        # someone else decided while this person was typing for the step (a Plh writing a
        # return reason when the definitive Karo approves): told, not left with a question
        for person in dict.fromkeys(d.person_id for d in ended if d.person_id != last.actor):
            out.add(
                person,
                "notice",
                case_id=case.id,
                params={"t": "withdrawn", "seq": last_seq, "step": before.step},
            )
    if last.type is EventType.WITHDRAWN and before is not None:
        # whoever held the step the case left is told why its task went (a reviewer may
        # be typing a reason for it), unless their task message shows it now: a message
        # besides would only say it again
        for person in step_holders(tx, definition, before, now):
            if person != last.actor and person not in shown:
                out.add(
                    person,
                    "notice",
                    case_id=case.id,
                    params={"t": "withdrawn", "seq": last_seq, "step": before.step},
                )
    if not case.is_open and before is not None and moved:  # closed now (not corrected since)
        told = participants(tx, case)
        if last.type is EventType.CANCELLED:
            told += step_holders(tx, definition, before, now)
        for person in dict.fromkeys(p for p in told if p != last.actor):
            out.add(person, "notice", case_id=case.id, params={"t": "closed", "seq": last_seq})
    repo.enqueue_rows(tx, out.rows)
    return unheld


def _at_step_in_period(tx: Tx, case: Case, appointment: repo.Appointment | None) -> bool:
    """Whether the case was at its current step before, during the acting period: it left
    the step by an event there (a return, an approval taken back). At a strategic step the
    acting official was told then that it is not theirs (or in the appointment's notice)."""
    if appointment is None:
        return False
    return any(
        event.step == case.step and event.at >= appointment.starts_at
        for event in repo.load_events(tx, case.id)
    )


def _archive_corrected(
    tx: Tx, definition: SopDefinition, case: Case, event: Event, seq: int, out: _Rows
) -> None:
    """An archive number corrected: the step's papers (the Dokumentasi and the archive
    bundle) written again with it, as a new version, and sent, with a notice saying what
    changed and why, to the archivist who filed the case (its archived event names her:
    a case archived before case format 4 has no ``took``)."""
    step = definition.step(event.step)
    for kind in step.papers:
        out.job(case, kind, seq)
    archivist = repo.archivist_of(tx, case.id)
    if archivist is None:
        return
    text = t.ARCHIVE_CORRECTED_NOTICE.format(
        case=case.id,
        title=t.e(case.title),
        old=t.e(str(event.data["old"])),
        new=t.e(str(event.data["reference"])),
        reason=t.e(event.reason),
    )
    out.add(archivist, "notice", case_id=case.id, params={"t": "text", "text": text})
    if step.papers:
        papers = [(seq, kind) for kind in step.papers]
        out.add(archivist, "files", case_id=case.id, params={"papers": papers})


# More tasks than this changing hands at once to one official (a Plh period that ends with
# seventeen cases waiting, a role passed on with /alihkan or an invitation) are listed in
# one message instead of coming as a task message each: a burst of seventeen pings, the
# last some seventeen seconds after the first at Telegram's message a second in a chat.
# The list points to /tugas, which opens each task (with its documents). Up to this many
# still come one by one, as reminders do (the reminders' DIGEST_ABOVE: the threshold an
# official already knows from the reminder digests).
LISTED_ABOVE = DIGEST_ABOVE


def listed_tasks(
    moved: Iterable[tuple[Case, Iterable[int]]], told: Iterable[int]
) -> dict[int, list[list[int]]]:
    """Who among ``told`` (those a notice of the change goes to) receives more than
    :data:`LISTED_ABOVE` of the ``moved`` tasks (case, to whom), with those tasks as the
    notice's ``listed`` keeps them: [case, version], in case order. The notice is rendered
    by :meth:`bot.messages.Renderer.task_list`; no task message is queued for them."""
    readers = set(told)
    theirs: dict[int, list[list[int]]] = {}
    for case, people in moved:
        for person in people:
            if person in readers:
                theirs.setdefault(person, []).append([case.id, case.version])
    return {person: sorted(tasks) for person, tasks in theirs.items() if len(tasks) > LISTED_ABOVE}


def hand_task(
    tx: Tx,
    definition: SopDefinition,
    case: Case,
    person: int,
    now: datetime,
    params: dict[str, Any],
    listed: bool = False,
) -> None:
    """The task of the case's current step to someone who takes it over while it waits (an
    acting official coming in, a role passed on), with the documents it works on first, as
    a holder who received it with the move has them: the uploads, and the papers the move
    into the step brought (the Disposisi that instructs them, blank drafts). None they
    already have is sent. The step's reminders start afresh for them
    (:func:`repo.hand_over`): their first is a repeat interval from now, "Pengingat ke-1".
    ``listed``: the task is named in a notice listing many (:func:`listed_tasks`), opened
    from /tugas with its documents: nothing is queued for it now, but it is theirs all
    the same, and its reminders start afresh."""
    repo.hand_over(tx, case.id, now, person)
    if listed:
        return
    send_task_files(tx, definition, case, person, now)
    repo.enqueue(tx, person, "task", now, case_id=case.id, version=case.version, params=params)


def send_task_files(
    tx: Tx, definition: SopDefinition, case: Case, person: int, now: datetime
) -> int | None:
    """The documents the task of the case's current step works on, to someone who did not
    receive them with the move into it (:func:`hand_task`; a task listed in an acting
    official's notice, opened from /tugas): the uploads and the papers that move brought.
    The outbox row (None: the step works on none); a file they already have is not sent
    again."""
    params_files: dict[str, Any] = {}
    if files := _task_files(definition, case):
        params_files["files"] = files
    arrival = repo.last_arrival(tx, case.id)
    if arrival is not None and arrival[1].type in FORWARD:
        seq, event = arrival
        kinds = [*definition.step(event.step).papers, *definition.step(case.step).templates]
        if kinds:
            params_files["papers"] = [(seq, kind) for kind in kinds]
    if not params_files:
        return None
    return repo.enqueue(
        tx, person, "files", now, case_id=case.id, version=case.version, params=params_files
    )


def arrival(tx: Tx, case: Case) -> Event | None:
    """The latest move into a step among the case's events (what brought it where it is)."""
    found = repo.last_arrival(tx, case.id)
    return found[1] if found is not None else None


def accepts_now(tx: Tx, definition: SopDefinition, case: Case) -> tuple[str, ...]:
    """The documents the holder may send at the case's step now (``workflow.accepted_now``:
    the ones a review step corrects only once a return brought the case back to it)."""
    if not definition.step(case.step).corrects:
        return accepted_now(definition, case, None)  # its uploads: no event to read
    return accepted_now(definition, case, arrival(tx, case))


def step_uploads(definition: SopDefinition, case: Case) -> list[Attachment]:
    """The documents uploaded for the case's current step, each in its latest version."""
    wanted = {definition.canonical(d) for d in definition.step(case.step).uploads}
    return [a for a in case.latest_files() if a.doc in wanted]


def _task_files(definition: SopDefinition, case: Case) -> list[int]:
    """The uploaded documents (latest versions) the current step works on, but those its
    holders attached in it (the team's Bahan at step 6): what a colleague or a previous
    holder attached there is offered on the task (``UNHELD_UPLOADS``), as while the step
    ran, not sent unasked when the case comes back to it. A document an earlier step made,
    which this one takes and may replace (a paper to sign and send back), is sent."""
    step = definition.step(case.step)
    if not (step.kind in (StepKind.REVIEW, StepKind.ARCHIVE) or step.inputs):
        return []
    wanted = {definition.canonical(d) for d in step.inputs}
    wanted = {d for d in wanted if definition.document(d).source is not DocumentSource.GENERATED}
    own = {definition.canonical(d) for d in step.uploads}
    return [
        a.file_id
        for a in case.latest_files()
        if a.doc in wanted and not (a.step == case.step and a.doc in own)
    ]


def _retire(
    tx: Tx,
    before: Case,
    pressed: Sequence[tuple[int, int]],
    out: _Rows,
    decided: Callable[[], str] | None,
    leftovers: repo.Leftovers,
    now: datetime,
) -> tuple[list[repo.Dialogue], set[int]]:
    """The case moved on: buttons of its old step disappear from every chat that has them,
    and every dialogue about it ends (with its buttons). A live task message of another
    holder shows the decision instead of the task (``decided``: its text, made once when
    first needed), so it no longer asks for a press it cannot take; a question asked on a
    task message (a return reason being typed) goes from it too: it shows the decision as
    well (the task's text, when no decision is given), without buttons. The dialogues that ended, and the chats whose live task message
    shows the decision. ``leftovers``: which of those the case has (none: nothing to
    take)."""
    ended = repo.dialogues_of_case(tx, before.id) if leftovers.dialogues else []
    asked: dict[tuple[int, int], str] = {}
    for dialogue in ended:
        if dialogue.prompt is not None and dialogue.prompt not in pressed:
            out.strip(*dialogue.prompt, before.id)
        if (shown := dialogue.asked_on) is not None and shown[:2] not in pressed:
            asked[shown[:2]] = shown[2]
    live = repo.take_live_tasks(tx, before.id) if leftovers.live_tasks else set()
    with_buttons = (
        repo.take_task_messages(tx, before.id, before.version) if leftovers.task_messages else []
    )
    text = ""
    showing: set[int] = set()
    for chat_id, message_id in with_buttons:
        if (chat_id, message_id) in pressed or (chat_id, message_id) in asked:
            continue
        if decided is not None and (chat_id, message_id) in live:
            text = text or decided()
            params = decided_params(message_id, text, ())
            out.add(chat_id, "strip", case_id=before.id, params=params)
            showing.add(chat_id)
        else:  # a Tarik kembali, a copy the bot no longer keeps up to date
            out.strip(chat_id, message_id, before.id)
    for (chat_id, message_id), text_html in asked.items():
        if decided is not None and (chat_id, message_id) in live:
            # the case as it moved, not the task asking for buttons that are gone; the
            # person is told in a notice besides (they were typing for it)
            text = text_html = text or decided()
        out.strip(chat_id, message_id, before.id, text_html)
    on_their_way = repo.tasks_on_their_way(tx, before.id, before.version, now) if decided else []
    if decided is not None and on_their_way:
        # a task of the step being sent now makes a message this move cannot know of yet:
        # it shows the decision once it is there (bot.outbox.tasks.TaskRows.record)
        repo.note_decided_meanwhile(tx, on_their_way, text or decided())
    return ended, showing


def take_tasks_from(
    tx: Tx,
    person_id: int,
    cases: Iterable[tuple[Case, SopDefinition]],
    now: datetime,
    why: str,
    role: str,
) -> int:
    """Tasks of these cases are no longer the person's (their role passed on, revoked, an
    acting period over: ``why`` and the ``role``, kept for the text they may still type
    for a question that ends here): the buttons go from their chat, a task still queued for
    them is not sent (nor listed in a digest of reminders), and a question they were
    answering about one of them ends. A case whose step is still theirs another way (a
    team member who is also the Kasubag reviewing the drafts, an acting appointment that
    overlaps) is left as it is. How many were taken."""
    steps = {
        case.id: case.step
        for case, definition in cases
        if person_id not in routing.step_holders(tx, definition, case, now)
    }
    taken = set(steps)
    dialogue = repo.get_dialogue(tx, person_id)
    shown = None
    if dialogue is not None and dialogue.case_id in taken:
        shown = dialogue.asked_on
        end_dialogue(tx, person_id, now)
        lapse(tx, dialogue, now, why, steps[dialogue.case_id], role=role)
    for case_id in sorted(taken):
        repo.drop_queued_tasks(tx, person_id, case_id, now)
        for message_id in repo.take_task_messages_in_chat(tx, case_id, person_id):
            text = shown[2] if shown is not None and shown[:2] == (person_id, message_id) else ""
            strip(tx, person_id, message_id, now, case_id, text)
    if taken:
        repo.drop_queued_digests(tx, person_id, taken, now)
    return len(taken)


def take_withdrawals_from(
    tx: Tx, actor: Actor, sops_of: Callable[[Case], SopDefinition], now: datetime
) -> int:
    """The Tarik kembali buttons in the person's chat of moves made in a role they no longer
    hold (passed on, revoked, an acting period over) go: only a present holder of that role
    takes a move back. A case whose current step is theirs keeps its buttons. How many went."""
    person_id = actor.person_id
    taken = 0
    for case_id in repo.task_message_cases_in_chat(tx, person_id):
        case = repo.load_case(tx, case_id)
        move = case.last_move if case is not None and case.is_open else None
        if case is None or move is None or move.by != person_id or move.to_step != case.step:
            continue
        definition = sops_of(case)
        if withdrawable_by(definition, case, actor):
            continue
        if person_id in routing.step_holders(tx, definition, case, now):
            continue
        for message_id in repo.take_task_messages_in_chat(tx, case_id, person_id):
            strip(tx, person_id, message_id, now, case_id)
        taken += 1
    return taken


def _undecided_notice(route: routing.Route) -> dict[str, Any] | None:
    """The administrators' notice of a step no one may decide (four eyes, or a strategic
    step of a vacant role), which says what lets it go on; None for any other step."""
    if not route.undecided:
        return None
    asked: dict[str, Any] = {
        "t": "undecided",
        "people": route.undecided,
        "why": route.why or routing.FOUR_EYES,
    }
    if route.appointment is not None:
        asked["acting"] = route.appointment.person_id
    return asked


def _unheld_notice(definition: SopDefinition, case: Case) -> dict[str, Any]:
    """The administrators' notice of a case moved to a step nobody holds: a team step whose
    team has no member left who holds its role (``people``: the members, whose places
    /alihkan passes on), or a step of a role nobody holds (/undang)."""
    if definition.step(case.step).actor in definition.team_roles and case.team:
        return {"t": "unheld", "people": list(case.team)}
    return {"t": "unheld"}


def tell_if_undecided(
    tx: Tx,
    cases: Iterable[tuple[Case, SopDefinition]],
    now: datetime,
    admins: Sequence[int],
) -> int:
    """After holders changed (a role passed on, a Plh's period ended): the administrators
    hear of each case whose step no one may now decide; more than :data:`LISTED_ABOVE` in
    one notice listing them ("undecided_list": [case, version, why, acting, who may not
    decide], rendered when
    sent, leaving out a case someone may decide by then), not a notice each. How many
    there were."""
    undecided = []
    for case, definition in cases:
        asked = _undecided_notice(routing.route(tx, definition, case, now))
        if asked is not None:
            undecided.append((case, asked))
    if len(undecided) > LISTED_ABOVE:
        listed = sorted(
            [case.id, case.version, asked["why"], int(asked.get("acting", 0)), asked["people"]]
            for case, asked in undecided
        )
        people = sorted({int(p) for _, asked in undecided for p in asked["people"]})
        params = {"t": "undecided_list", "listed": listed, "people": people}
        for admin in admins:
            repo.enqueue(tx, admin, "notice", now, params=params)
        return len(undecided)
    for case, asked in undecided:
        for admin in admins:
            repo.enqueue(
                tx, admin, "notice", now, case_id=case.id, version=case.version, params=asked
            )
    return len(undecided)


def strip(
    tx: Tx,
    chat_id: int,
    message_id: int,
    now: datetime,
    case_id: int | None,
    text_html: str = "",
) -> None:
    """Remove a message's buttons (with ``text_html``: and show that text, see
    :meth:`_Rows.strip`)."""
    params = _strip_params(message_id, text_html)
    repo.enqueue(tx, chat_id, "strip", now, case_id=case_id, params=params)


# the dialogues of /baru: their question is a message of its own (data "msg"), no task
NEW_CASE_QUESTIONS = ("new_title", "new_year")


def decided_params(
    message_id: int, text_html: str, keyboard: Sequence[Sequence[tuple[str, str]]]
) -> dict[str, Any]:
    """A strip row that shows on a task message the decision taken on it (its HTML text,
    and its Tarik kembali while the next holder has not acted)."""
    params: dict[str, Any] = {"message_id": message_id, "decided_html": text_html}
    if keyboard:
        params["keyboard"] = [[list(button) for button in row] for row in keyboard]
    return params


def _strip_params(message_id: int, text_html: str) -> dict[str, Any]:
    params: dict[str, Any] = {"message_id": message_id}
    if text_html:
        params["text_html"] = text_html
    return params


TYPED_ANSWERS = ("return_reason", "note", "archive_reference", *NEW_CASE_QUESTIONS)
"""The dialogues whose answer is typed (a text may still come for one that ended)."""

_LAPSED_BY = {
    EventType.ARCHIVED: "archived",
    EventType.WITHDRAWN: "withdrawn",
    EventType.CANCELLED: "cancelled",
}


def lapse(
    tx: Tx,
    dialogue: repo.Dialogue,
    now: datetime,
    why: str,
    step: int | None,
    role: str | None = None,
    actor: int | None = None,
) -> None:
    """The person's question ended without their answer, by another's doing (``why``):
    kept, so that the text they type for it is answered with why it was not used."""
    if dialogue.kind in TYPED_ANSWERS:
        ended = repo.EndedDialogue(dialogue.kind, dialogue.case_id, step, why, now, role, actor)
        repo.note_ended_dialogue(tx, dialogue.person_id, ended)


def end_dialogue(
    tx: Tx, person_id: int, now: datetime, keep_prompt: Iterable[tuple[int, int]] = ()
) -> repo.Dialogue | None:
    """End the person's dialogue, however it ends; its buttons go with it."""
    dialogue = repo.clear_dialogue(tx, person_id)
    if dialogue is not None:
        _close(tx, dialogue, person_id, now, keep_prompt)
    return dialogue


def _close(
    tx: Tx,
    dialogue: repo.Dialogue,
    person_id: int,
    now: datetime,
    keep_prompt: Iterable[tuple[int, int]] = (),
) -> bool:
    """What an ended dialogue leaves behind goes: its question's buttons, and a team
    selection's ticks (a person has one dialogue at a time; after the team is formed the
    case has moved on, and that row is skipped as stale). Whether rows were queued."""
    queued = False
    keep = set(keep_prompt)
    if dialogue.prompt is not None and dialogue.prompt not in keep:
        strip(tx, *dialogue.prompt, now, dialogue.case_id)
        queued = True
    asked = dialogue.data.get("msg") if dialogue.kind in NEW_CASE_QUESTIONS else None
    if isinstance(asked, int) and (person_id, asked) not in keep:
        # a /baru left unanswered: its question says so rather than asking on for ever
        params = {"message_id": asked, "lapsed": "new_case"}
        repo.enqueue(tx, person_id, "strip", now, params=params)
        queued = True
    if dialogue.kind == "team" and dialogue.case_id is not None:
        queued = True
        repo.enqueue(
            tx,
            person_id,
            "task",
            now,
            case_id=dialogue.case_id,
            version=dialogue.version,
            params={"refresh": 1, "edit_only": 1},
        )
    return queued


def start_dialogue(
    tx: Tx,
    person_id: int,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    version: int | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Start a dialogue; one it replaces ends (with its buttons). A question it replaces
    that was asked on another task message leaves that message: the task shows there again,
    with its buttons. Whether rows were queued (the outbox is then woken)."""
    replaced = repo.set_dialogue(tx, person_id, kind, now, case_id, version, data)
    if replaced is None:
        return False
    asked = (data or {}).get("msg")  # the /baru question goes on (its title, then its year)
    queued = _close(tx, replaced, person_id, now, [(person_id, asked)] if asked else ())
    shown = replaced.asked_on
    here = (data or {}).get("chat_id"), (data or {}).get("message_id")
    if shown is not None and shown[:2] != here and replaced.case_id is not None:
        refresh = {"refresh": 1, "edit_only": 1}
        repo.enqueue(
            tx, person_id, "task", now,
            case_id=replaced.case_id, version=replaced.version, params=refresh,
        )  # fmt: skip
        queued = True
    return queued


def ask_which_document(tx: Tx, case: Case, person_id: int, file_id: int, now: datetime) -> int:
    """Ask which document an upload is; the question's row (an answer to the upload)."""
    start_dialogue(tx, person_id, "file", now, case.id, case.version, {"file_row": file_id})
    return repo.enqueue(
        tx,
        person_id,
        "prompt",
        now,
        case_id=case.id,
        version=case.version,
        params={"t": "which_doc", "file": file_id},
    )


def acknowledge_upload(
    tx: Tx,
    definition: SopDefinition,
    outcome: Outcome,
    person_id: int,
    file_id: int,
    doc: str,
    version: int,
    reply_to: int | None,
    now: datetime,
) -> tuple[int, ...]:
    """A reaction on the person's file confirms it (no message: their chat is their desk;
    a one-line answer where a reaction cannot be set); the live task messages of the step
    then show the new checklist. Returns the rows that answer the person: the reaction and
    their own task message's new checklist (both go at once, before what is queued for
    their chat: the next upload's reaction must not wait behind this checklist)."""
    case = outcome.case
    answers: list[int] = []
    if reply_to is not None:
        params: dict[str, Any] = {
            "t": "upload",
            "file": file_id,
            "doc": doc,
            "v": version,
            "reply_to": reply_to,
        }
        answers.append(repo.enqueue(tx, person_id, "react", now, case_id=case.id, params=params))
    for holder in dict.fromkeys([person_id, *step_holders(tx, definition, case, now)]):
        row = repo.enqueue(
            tx,
            holder,
            "task",
            now,
            case_id=case.id,
            version=case.version,
            params={"refresh": 1} if holder == person_id else {"refresh": 1, "edit_only": 1},
        )
        if holder == person_id:
            answers.append(row)
    return tuple(answers)
