"""What a case looks like in a chat: task messages with their buttons, status, history.

Pure functions from a case (and the names of the people in it) to HTML text and
keyboards. A keyboard is rows of ``(label, callback_data)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot import texts as t
from bot.callbacks import Callback, Op
from bot.core.definition import (
    BUDGET_YEAR,
    ApprovalKind,
    RoleBook,
    SopDefinition,
    Step,
    StepKind,
)
from bot.core.loader import MAX_ACTIVITY_CHARS
from bot.core.model import Case, CaseStatus, EarlierPart, Event, EventType, NamesAt
from bot.core.workflow import missing_inputs
from bot.papers.dates import OfficeZone
from bot.papers.registry import PaperKind, paper_kinds, paper_title

Keyboard = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class View:
    text: str
    keyboard: Keyboard


def case_heading(definition: SopDefinition, case: Case, title: str | None = None) -> str:
    """The case's number, title (``title``: the title shortened to fit), year and SOP; the
    SOP's name is left out when the title already says each of its words (a case titled
    after its SOP, as most are)."""
    heading = (
        t.CASE_LINE.format(case=case.id, title=t.e(case.title if title is None else title))
        + f"\n{t.e(definition.header.year_label)} {case.fiscal_year}"
    )
    if not set(_words(definition.header.name)) <= set(_words(case.title)):
        heading += t.CASE_HEADING_SOP.format(sop=t.e(definition.header.name))
    return heading


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def year_short(definition: SopDefinition) -> str:
    """The year's label in a list line: "TA" for a budget year, else the label itself."""
    label = definition.header.year_label
    return t.YEAR_SHORT_BUDGET if label == BUDGET_YEAR else label


def step_line(definition: SopDefinition, step: Step) -> str:
    """ "Langkah 7 dari 12: <title>": the SOP's own number for the step, as every text names
    it (see :meth:`SopDefinition.step_label`)."""
    return f"{definition.step_label(step.id, of_total=True)}: <b>{t.e(step.title)}</b>"


def role_name(definition: RoleBook, role: str) -> str:
    if role == "admin":
        return t.ADMINISTRATOR
    return definition.role(role).name if definition.has_role(role) else role


def acting_role(definition: RoleBook, role: str, kind: str) -> str:
    """ "Plh. Karo": the role as an acting official holds it."""
    return f"{t.ACTING_TITLES.get(kind, kind)} {role_name(definition, role)}"


class Grounds(Protocol):
    """What an acting appointment, or an extension of it, was made on (storage.repo's
    ``Appointment`` and ``Extension``)."""

    @property
    def reason(self) -> str: ...
    @property
    def letter(self) -> str: ...
    @property
    def ends_at(self) -> datetime: ...


class Appointed(Grounds, Protocol):
    @property
    def extensions(self) -> Sequence[Grounds]: ...


def acting_grounds(appointment: Appointed, zone: OfficeZone) -> str:
    """An acting appointment's reason and letter, then each extension's, as /peran and
    /saya show them: " — cuti tahunan (ND.45/SJ/XII/2026); diperpanjang sampai 15
    Desember 2026 — perpanjangan cuti (ND.50/XII/2026)" ("" when nothing was recorded)."""
    text = _why(appointment)
    for extension in appointment.extensions:  # each with its own reason and letter
        text += t.ROLES_ACTING_EXTENDED.format(
            until=t.last_day(extension.ends_at, zone), reason=_why(extension)
        )
    return text


def _why(grounds: Grounds) -> str:
    if not (grounds.reason or grounds.letter):
        return ""
    shown = t.e(grounds.reason) if grounds.reason else "-"
    letter = t.ROLES_ACTING_LETTER.format(letter=t.e(grounds.letter)) if grounds.letter else ""
    return f" — {shown}{letter}"


def by_whom(definition: SopDefinition, event: Event, name: str) -> str:
    """ "Budi (Kabag)", or "Agus selaku Plh. Karo" for a decision taken by an acting official."""
    acting = str(event.data.get("acting", ""))
    if acting:
        return t.BY_ACTING.format(
            name=t.e(name), title=t.e(acting_role(definition, event.role, acting))
        )
    return f"{t.e(name)} ({t.e(role_name(definition, event.role))})"


def set_aside_parts(event: Event) -> tuple[EarlierPart, ...]:
    """What the official who decided ``event`` did earlier in the work, where four eyes gave
    way to him (:func:`bot.core.workflow.four_eyes_set_aside`); () for any other event."""
    return tuple(EarlierPart.of_data(d) for d in event.data.get("four_eyes", ()))


def set_aside_text(definition: RoleBook, parts: Sequence[EarlierPart]) -> str:
    """ "memaraf pada langkah 8 selaku Plh. Kabag": what an official did earlier that four
    eyes gave way to (plain text)."""
    said = []
    for part in parts:
        role = (
            acting_role(definition, part.role, part.acting)
            if part.acting
            else role_name(definition, part.role)
        )
        did = t.FOUR_EYES_DID.get(part.did, t.FOUR_EYES_DID["approved"])
        said.append(t.FOUR_EYES_DID_AT.format(did=did, step=part.step, role=role))
    return listing(said)


def document_checklist(definition: SopDefinition, case: Case, doc_ids: Sequence[str]) -> str:
    lines = []
    for doc_id in dict.fromkeys(doc_ids):
        canonical = definition.canonical(doc_id)
        doc = definition.document(doc_id)
        attachment = case.latest(canonical)
        if attachment is not None:
            lines.append(
                t.CHECKLIST_ATTACHED.format(
                    doc=t.e(doc.name), name=t.e(attachment.name), version=attachment.version
                )
            )
        elif canonical in case.produced:
            lines.append(f"✅ {t.e(doc.name)}")
        else:
            optional = t.CHECKLIST_OPTIONAL if definition.document(canonical).optional else ""
            lines.append(f"⬜ {t.e(doc.name)}{optional}")
    return "\n".join(lines)


# Candidates on one page of the team step's buttons: a bureau may register a hundred
# drafters, and Telegram refuses a keyboard of more than 100 buttons ("reply markup is too
# long"): the Kasubag would never get the step.
TEAM_PAGE = 10


def task_headline(
    definition: SopDefinition,
    case: Case,
    step: Step,
    *,
    returned: bool,
    intro: str = "",
    reminder: int = 0,
) -> str:
    """The task's first line, all a phone's notification and chat list show of it: what is
    asked, at which step of which case ("📝 <b>Mohon diperiksa</b> · Langkah 8 dari 12 ·
    Berkas #1"); a reminder says so first."""
    where = t.TASK_WHERE.format(step=definition.step_label(step.id, of_total=True), case=case.id)
    if intro in t.TASK_INTROS and not reminder:
        return t.TASK_INTROS[intro].format(case=case.id, where=where)
    icon, asked = _asked(definition, case, step, returned)
    if reminder:
        return t.TASK_REMINDER_HEADLINE.format(n=reminder, asked=asked, where=where)
    return f"{icon} <b>{asked}</b> · {where}"


def _asked(definition: SopDefinition, case: Case, step: Step, returned: bool) -> tuple[str, str]:
    """What the step asks of its holder, in a few words, with the icon the bot gives it."""
    if returned:
        return "↩️", t.ASKED_RETURNED
    if step.kind is StepKind.REVIEW:
        return "📝", t.ASKED_REVIEW[step.approval.value if step.approval else ""]
    if step.kind is StepKind.TEAM:
        return "👥", t.ASKED_TEAM.format(team=t.e(team_name(definition, step.id)))
    if step.kind is StepKind.ARCHIVE:
        return "🗄", t.ASKED_ARCHIVE
    if step.uploads and missing_inputs(definition, case, step):
        return "📎", t.ASKED_DOCUMENTS
    if step.kind is StepKind.UPLOAD and step.finishes:  # nobody to hand the documents to
        return "✅", t.ASKED_FINISH
    if step.kind is StepKind.UPLOAD:
        return "📤", t.ASKED_HAND_IN
    if step.id == definition.first_step.id and goes_up(definition, step):
        return "📤", t.ASKED_SUBMIT
    return "➡️", t.ASKED_FORWARD


def button_words(label: str) -> str:
    """A button as a task names it: its words without the icon, in bold ("<b>Teruskan</b>"
    of "➡️ Teruskan")."""
    return f"<b>{t.e(label.split(' ', 1)[-1])}</b>"


def listing(items: Sequence[str]) -> str:
    """ "A", "A dan B", "A, B, dan C"."""
    if len(items) < 3:
        return t.AND.join(items)
    return t.LIST_LAST.format(items=", ".join(items[:-1]), last=items[-1])


def holder_of(definition: SopDefinition, step_id: int | None) -> str:
    """Who holds a step, by role ("Kabag"), HTML-escaped; "" for no step."""
    if step_id is None:
        return ""
    return t.e(role_name(definition, definition.step(step_id).actor))


def due_line(step: Step, zone: OfficeZone, due: datetime | None) -> str:
    """ "Norma waktu: 4 jam kerja (paling lambat Senin, 2 November 2026 pukul 12.15 WIB)"."""
    line = t.DUE_LINE.format(norm=t.minutes_text(step.time_minutes))
    if due is not None:
        line += t.DUE_BY.format(day=zone.hari_tanggal(due), time=zone.jam(due))
    return line


def review_instruction(definition: SopDefinition, step: Step, returned: bool) -> str:
    """What Setujui and Kembalikan do at a review step: a paraf, a signature (as the SOP's
    ``approval`` says) or an approval, and where the case goes. A reviewer who got the case
    back is told they may approve it again (after sending the corrected documents, at a
    step that ``corrects`` them) or return it further down."""
    approve, give_back = button_words(t.BTN_APPROVE), button_words(t.BTN_RETURN)
    nxt, back = holder_of(definition, step.on_approve), holder_of(definition, step.on_return)
    onward = t.REVIEW_ONWARD.format(holder=nxt) if nxt else ""
    forward = t.REVIEW_FORWARD.format(holder=nxt) if nxt else ""
    if goes_on_itself(definition, step):  # not "kepada" the reviewer himself
        onward = t.REVIEW_ONWARD_SELF
        forward = t.REVIEW_FORWARD_SELF
    elif step.finishes:  # the approval ends the SOP
        onward = t.REVIEW_ONWARD_END
        forward = t.REVIEW_FORWARD_END
    if step.approval is ApprovalKind.PARAF:
        then = t.REVIEW_PARAF_THEN.format(onward=onward) if onward else ""
        meaning = t.REVIEW_PARAF.format(approve=approve, then=then)
    elif step.approval is ApprovalKind.SIGNATURE:
        signed = [t.e(definition.document(d).name) for d in dict.fromkeys(step.outputs)]
        then = t.REVIEW_SIGNATURE_THEN.format(onward=onward) if onward else ""
        meaning = t.REVIEW_SIGNATURE.format(
            approve=approve, docs=listing(signed) or t.REVIEW_SIGNED_DEFAULT, then=then
        )
    else:
        meaning = t.REVIEW_APPROVE.format(approve=approve, forward=forward)
    if returned:
        opening = t.REVIEW_ASK_AGAIN
        if step.corrects:
            # named as the step's list of documents above names them: step 2 corrects the
            # Rencana Kerja, which it lists as the Konsep Rencana Kerja (same_as)
            shown = definition.names_in(step.inputs)
            corrected = listing(
                [
                    t.e(shown.get(c, definition.document(c).name))
                    for c in dict.fromkeys(definition.canonical(d) for d in step.corrects)
                ]
            )
            opening += " " + t.RETURNED_CORRECTS.format(docs=corrected, approve=approve)
        refusing = t.REVIEW_RETURN_FURTHER.format(back=back, give_back=give_back) if back else ""
    else:
        opening = t.REVIEW_ASK
        refusing = (
            t.REVIEW_RETURN_TO.format(give_back=give_back, back=back)
            if back
            else t.REVIEW_RETURN.format(give_back=give_back)
        )
    return " ".join(part for part in (opening, meaning, refusing) if part)


def _uploads_named(definition: SopDefinition, step: Step) -> str:
    """The documents a step's holder attaches, listed as its checklist names them."""
    return listing([t.e(name) for name in definition.names_in(step.uploads).values()])


DRAFT_WORDS = frozenset({"draf", "draft", "konsep", "rancangan"})


def is_draft(definition: SopDefinition, doc_id: str) -> bool:
    """Whether a document is a draft: its name says so ("Draf RKAKL", "Konsep ...") or a
    later name stands for it once approved (``same_as``: the approved draft *is* the RKAKL)."""
    canonical = definition.canonical(doc_id)
    words = definition.document(canonical).name.casefold().split()
    return bool(words and words[0] in DRAFT_WORDS) or any(
        d.same_as == canonical for d in definition.documents
    )


def hands_in_drafts(definition: SopDefinition, step: Step) -> bool:
    """Whether an upload step hands in drafts (the shipped SOP's team: "Serahkan draf"), not
    documents of their own (a Pejabat Pengadaan's HPS, a PPK's signed SPK): every document
    it requires is a draft."""
    required = [
        d for d in step.uploads if not definition.document(definition.canonical(d)).optional
    ]
    return bool(required) and all(is_draft(definition, d) for d in required)


def own_uploads(definition: SopDefinition, step: Step) -> list[str]:
    """What a review or archive step's holder sends himself (`uploads` the step does not
    also work on as `inputs`: the PP-SPM's signed SPM-LS), which its task lists apart from
    the documents it examines; an action or upload step lists its uploads with its inputs."""
    if step.kind not in (StepKind.REVIEW, StepKind.ARCHIVE):
        return []
    examined = {definition.canonical(d) for d in step.inputs}
    return [d for d in dict.fromkeys(step.uploads) if definition.canonical(d) not in examined]


def goes_on_itself(definition: SopDefinition, step: Step) -> bool:
    """Whether the step leads to a step of its own role (the Bendahara who uploads the SP2D
    and then files it): the task and the outcome say "ke langkah berikutnya", not "kepada"
    the holder herself."""
    return step.on_approve is not None and definition.step(step.on_approve).actor == step.actor


def goes_up(definition: SopDefinition, step: Step) -> bool:
    """Whether the step hands the case to a superior of its holder (a Kasubag's proposal to
    the Kabag: "Ajukan"), not to the holder again or to a subordinate (a Karo's disposition
    of an incoming letter: "Teruskan")."""
    if step.on_approve is None:
        return False
    to = definition.step(step.on_approve).actor
    superiors = definition.superior_of()
    above, seen = superiors.get(step.actor), {step.actor}
    while above is not None and above not in seen:
        if above == to:
            return True
        seen.add(above)
        above = superiors.get(above)
    return False


def team_instruction(step: Step, team: str, kinds: Mapping[str, PaperKind[Any]]) -> str:
    """How the team is formed, and the place the order of picking gives in its decree: the
    first picked is its Ketua (and the second its Sekretaris, in a team of more than two).
    ``kinds``: the papers of the step's SOP (:func:`bot.papers.registry.paper_kinds`)."""
    text = t.TEAM_INSTRUCTION.format(team=t.e(team), button=button_words(t.BTN_TEAM_DONE))
    decrees = [
        paper_title(kinds[p], team)
        for p in step.papers
        if p in kinds and kinds[p].amended_on_team_change
    ]
    if decrees:
        text += t.TEAM_PLACES.format(decree=t.e(decrees[0]))
    return text


def team_roles(count: int) -> list[str]:
    """The place of each picked member in the team's decree, in the order picked (as
    :mod:`bot.paperwork` writes the SK Tim)."""
    return [
        t.TEAM_CHAIR if i == 0 else (t.TEAM_SECRETARY if i == 1 and count > 2 else t.TEAM_MEMBER)
        for i in range(count)
    ]


def task_view(
    definition: SopDefinition,
    case: Case,
    zone: OfficeZone,
    *,
    names: Mapping[int, str],
    arrival: Event | None = None,
    team_candidates: Sequence[tuple[int, str]] = (),
    team_selected: Sequence[int] = (),
    team_page: int = 0,
    intro: str = "",
    files_note: str = "",
    notes: Sequence[str] = (),
    due: datetime | None = None,
    reminder: int = 0,
    unheld: Sequence[str] = (),
    limit: int = t.MAX_MESSAGE,
) -> View:
    """The message that asks the holder of the current step to act, with its buttons.

    ``arrival`` is the event that brought the case to this step: a return shows its reason,
    a forward move its note (the next holder reads what the sender wrote). ``due``: when
    the step's norm of working time runs out. ``unheld``: the names of the step's uploaded
    documents the holder does not have in this chat (a colleague's drafts), offered by a
    button rather than sent unasked. The message takes at most ``limit``
    characters: the title and the reason or note are shortened to what is left, never what
    the task asks."""
    keyboard: Keyboard = []
    asking = Asking(
        intro, notes, files_note, team_candidates, team_selected, team_page, due, reminder, unheld
    )

    def build(quoted: Sequence[str], shown: int) -> str:
        keyboard.clear()
        return _task_text(
            definition, case, zone, names=names, arrival=arrival, title=quoted[0],
            said=quoted[1], keyboard=keyboard, asking=asking, picked_shown=shown,
        )  # fmt: skip

    known = {person for person, _ in team_candidates}
    picked = sum(person in known for person in team_selected)
    text = _fit_listed(build, [case.title, _said(case, arrival)], picked, limit)
    return View(text, keyboard)


def _fit_listed(
    build: Callable[[Sequence[str], int], str], quoted: Sequence[str], count: int, limit: int
) -> str:
    """:func:`bot.texts.fit_listed`, with the text built once when it fits whole (nearly
    always): ``fit_listed`` builds it once to measure it and again to return it, and a task's
    text takes about 50 µs to build. ``build`` is pure, but for the keyboard it fills, which
    its last call leaves as the text returned needs."""
    text = build(quoted, count)
    if len(text) <= limit:
        return text
    return t.fit_listed(build, quoted, count, limit)


@dataclass(frozen=True)
class Asking:
    """What only a task still waiting for its holder shows (a decided one shows none)."""

    intro: str = ""
    notes: Sequence[str] = ()
    files_note: str = ""
    team_candidates: Sequence[tuple[int, str]] = ()
    team_selected: Sequence[int] = ()
    team_page: int = 0
    due: datetime | None = None  # when the step's norm runs out
    reminder: int = 0  # the number of the reminder this copy is (0: none)
    unheld: Sequence[str] = ()  # the step's uploaded documents this chat does not have


def _said(case: Case, arrival: Event | None) -> str:
    """What the person who brought the case here wrote: a return's reason, a note."""
    if arrival is None or arrival.to_step != case.step:
        return ""
    return arrival.reason if arrival.type is EventType.RETURNED else arrival.note


def activity_shown(step: Step) -> str:
    """The step's activity as a task shows it: a revision stored before activities were
    bounded (today's SOP files hold at most MAX_ACTIVITY_CHARS) is shortened to that, after
    a whole word, so that the task still says what it asks within one message."""
    if len(step.activity) <= MAX_ACTIVITY_CHARS:
        return step.activity
    return t.clip_words(step.activity, MAX_ACTIVITY_CHARS)


def _task_text(
    definition: SopDefinition,
    case: Case,
    zone: OfficeZone,
    *,
    names: Mapping[int, str],
    arrival: Event | None,
    title: str,
    said: str,
    keyboard: Keyboard | None,
    asking: Asking | None = None,
    picked_shown: int | None = None,
) -> str:
    """The task's text (``keyboard`` None: as it stood when decided, with neither what it
    asked nor buttons); its buttons are put in ``keyboard``. ``picked_shown``: how many of
    the team's members picked so far it names (the others counted; None: all)."""
    asks = keyboard is not None
    a = asking or Asking()
    intro, notes, files_note, due = a.intro, a.notes, a.files_note, a.due
    team_candidates, team_selected, team_page = a.team_candidates, a.team_selected, a.team_page
    step = definition.step(case.step)
    role = definition.role(step.actor)
    arrived = arrival is not None and arrival.to_step == case.step
    returned = arrived and arrival is not None and arrival.type is EventType.RETURNED
    lines = []
    if asks:
        headline = task_headline(
            definition, case, step, returned=returned, intro=intro, reminder=a.reminder
        )
        lines += [headline, ""]
    for note in notes if asks else ():
        lines += [note, ""]
    lines += [case_heading(definition, case, title), "", step_line(definition, step)]
    lines.append(t.TASK_HOLDER.format(role=t.e(role.name), due=due_line(step, zone, due)))
    lines.append(f"<i>{t.e(activity_shown(step))}</i>")
    if step.related_sop:
        lines.append(t.RELATED_SOP.format(sop=t.e(step.related_sop)))
    if arrived and arrival is not None:
        by = by_whom(
            definition, arrival, names.get(arrival.actor, t.UNNAMED.format(person=arrival.actor))
        )
        if returned:
            lines += [
                "",
                t.TASK_RETURNED_BY.format(by=by, when=zone.tanggal_jam(arrival.at)),
                t.TASK_RETURN_REASON.format(reason=t.e(said)),
            ]
        elif arrival.note:
            lines += ["", t.TASK_NOTE_FROM.format(by=by), f"<blockquote>{t.e(said)}</blockquote>"]
    buttons: Keyboard = keyboard if keyboard is not None else []

    def button(label: str, op: Op, arg: str = "") -> tuple[str, str]:
        return label, Callback(op, case.id, case.step, case.version, arg).encode()

    def ask(*sentences: str) -> None:
        if asks:
            lines.extend(["", " ".join(sentences)])

    missing = missing_inputs(definition, case, step)
    nxt = holder_of(definition, step.on_approve)
    own = own_uploads(definition, step)
    if step.kind is StepKind.REVIEW:
        lines += ["", t.TASK_DOCS_REVIEWED, document_checklist(definition, case, step.inputs)]
        if own:
            lines += ["", t.OWN_UPLOADS, document_checklist(definition, case, own)]
        ask(review_instruction(definition, step, returned))
        if own and missing:
            ask(t.OWN_UPLOADS_MISSING.format(button=button_words(t.BTN_APPROVE)))
        buttons.append(
            [
                *([] if missing else [button(t.BTN_APPROVE, Op.REVIEW, "a")]),
                button(t.BTN_RETURN, Op.REVIEW, "k"),
            ]
        )
    elif step.kind in (StepKind.ACTION, StepKind.UPLOAD):
        docs = (*step.inputs, *step.uploads)
        if docs:
            lines += ["", t.TASK_DOCS_NEEDED, document_checklist(definition, case, docs)]
        if step.finishes:
            label = t.BTN_FINISH  # the last step: nobody to hand the case to
        elif step.kind is StepKind.UPLOAD and goes_on_itself(definition, step):
            label = t.BTN_SUBMIT_ONWARD  # not "kepada" its own holder
        elif step.kind is StepKind.UPLOAD:
            label = (
                t.BTN_SUBMIT_DRAFTS if hands_in_drafts(definition, step) else t.BTN_SUBMIT_DOCUMENTS
            ).format(role=role_name(definition, definition.step(step.on_approve or step.id).actor))
        elif step.id == definition.first_step.id and goes_up(definition, step):
            label = t.BTN_SUBMIT
        else:
            label = t.BTN_FORWARD
        to = t.TASK_TO.format(holder=nxt) if nxt else ""
        if goes_on_itself(definition, step):
            to = t.TASK_TO_NEXT_STEP  # the holder goes on herself (not "kepada" herself)
        # back for correction at a step whose holder attaches its documents: how the
        # corrected files go in (an upload step's own sentence says it every time)
        resend = (
            [
                t.RETURNED_RESEND.format(
                    docs=_uploads_named(definition, step), button=button_words(label)
                )
            ]
            if returned and step.kind is StepKind.ACTION and step.uploads
            else []
        )
        if step.uploads and missing:
            ask(t.OWN_UPLOADS_MISSING.format(button=button_words(label)))
        elif not missing and step.finishes and step.kind is StepKind.UPLOAD:
            ask(t.FINISH_UPLOADS_ASK.format(button=button_words(label)))
        elif not missing and step.finishes:
            note_button = button_words(t.BTN_FINISH_NOTE)
            ask(t.FINISH_ASK.format(button=button_words(label), note_button=note_button))
        elif not missing and step.kind is StepKind.UPLOAD:
            ask(t.UPLOADS_DONE_ASK.format(button=button_words(label)))
        elif not missing and label == t.BTN_SUBMIT:
            ask(*resend, t.SUBMIT_ASK.format(button=button_words(label), to=to))
        elif not missing:
            ask(
                *resend,
                t.FORWARD_ASK.format(
                    button=button_words(label), to=to, note_button=button_words(t.BTN_FORWARD_NOTE)
                ),
            )
        if not missing:
            buttons.append(
                [button(label, Op.SUBMIT_DRAFTS if step.kind is StepKind.UPLOAD else Op.FORWARD)]
            )
            if label == t.BTN_FORWARD:
                buttons.append([button(t.BTN_FORWARD_NOTE, Op.FORWARD, "n")])
            elif label == t.BTN_FINISH and step.kind is StepKind.ACTION:
                buttons.append([button(t.BTN_FINISH_NOTE, Op.FORWARD, "n")])
        if asks and a.unheld and step.uploads:
            lacking = t.e(t.names(a.unheld))  # as many as fit its room, the others counted
            ask(t.UNHELD_UPLOADS.format(names=lacking, button=button_words(t.BTN_SEND_UPLOADS)))
            buttons.append([button(t.BTN_SEND_UPLOADS, Op.SEND_UPLOADS)])
    elif step.kind is StepKind.TEAM:
        team = team_name(definition, step.id)
        ask(team_instruction(step, team, paper_kinds(definition)))
        if asks and not team_candidates:
            lines.append(t.NO_TEAM_CANDIDATES.format(team=t.e(team)))
        pages = -(-len(team_candidates) // TEAM_PAGE) or 1
        page = min(max(team_page, 0), pages - 1)
        for person_id, name in team_candidates[page * TEAM_PAGE : (page + 1) * TEAM_PAGE]:
            mark = "☑️" if person_id in team_selected else "⬜"
            label = t.clip_words(f"{mark} {name}", 60)  # a whole word before "…"
            buttons.append([button(label, Op.TEAM_TOGGLE, str(person_id))])
        known = dict(team_candidates)
        chosen = [known[p] for p in team_selected if p in known]
        if asks and chosen:
            picked = [
                t.e(name) if place == t.TEAM_MEMBER else f"{t.e(name)} ({place})"
                for name, place in zip(chosen, team_roles(len(chosen)), strict=True)
            ]
            shown = len(picked) if picked_shown is None else picked_shown
            named = ", ".join(picked[:shown])
            if named and shown < len(picked):
                before = "," if shown > 1 else ""  # EYD: "A, B, dan 20 lainnya"
                named += before + t.MORE_NAMES.format(count=len(picked) - shown)
            lines.append(
                t.TEAM_PICKED.format(count=len(chosen), names=named)
                if named
                else t.TEAM_PICKED_COUNT.format(count=len(chosen))
            )
        elif asks and pages > 1:
            lines.append(t.TEAM_PICKED_NONE)
        if pages > 1:
            buttons.append(
                [
                    button("‹", Op.TEAM_PAGE, str((page - 1) % pages)),
                    button(f"{page + 1}/{pages}", Op.TEAM_PAGE, str(page)),
                    button("›", Op.TEAM_PAGE, str((page + 1) % pages)),
                ]
            )
        if team_selected:
            buttons.append([button(t.BTN_TEAM_DONE, Op.TEAM_DONE)])
    elif step.kind is StepKind.ARCHIVE:
        lines += [
            "",
            t.TASK_DOCS_FINAL,
            document_checklist(definition, case, step.inputs),
        ]
        if own:
            lines += ["", t.OWN_UPLOADS, document_checklist(definition, case, own)]
        if missing:
            ask(t.OWN_UPLOADS_MISSING.format(button=button_words(t.BTN_ARCHIVE)))
        else:
            ask(t.ARCHIVE_ASK.format(button=button_words(t.BTN_ARCHIVE)))
            buttons.append([button(t.BTN_ARCHIVE, Op.ARCHIVE)])
    if asks and files_note:
        lines += ["", files_note]
    return "\n".join(lines)


def decided_text(
    definition: SopDefinition,
    case: Case,
    zone: OfficeZone,
    *,
    decision: Event,
    actor_name: str,
    names: Mapping[int, str],
    arrival: Event | None = None,
    moved: str = "",
    events: Sequence[Event] = (),
    limit: int = t.MAX_MESSAGE,
) -> str:
    """The task message once its holder decided, as the official's record of it: the task
    as the case stood when it was decided (``case``: the case before the decision, with the
    versions of the documents that went forward; ``arrival``: the move that brought it to
    the step), without what it asked, then who decided what, when, and where the case went
    (``moved``); the team a team step formed (among ``events``), each member with their
    place. Quoted texts are shortened to fit, then the team's list (its last members
    counted, not named), never the outcome."""
    formed = next((e for e in events if e.type is EventType.TEAM_FORMED), None)
    members = [int(m) for m in formed.data.get("members", [])] if formed is not None else []

    def build(quoted: Sequence[str], shown: int) -> str:
        title, said, reason, note = quoted
        task = _task_text(
            definition, case, zone, names=names, arrival=arrival, title=title, said=said,
            keyboard=None,
        )  # fmt: skip
        line = outcome_line(definition, decision, actor_name, zone, reason=reason, note=note)
        team = _team_formed(definition, formed, members, names, shown) if formed else ""
        return "\n\n".join(
            part for part in (task, team, line + (f"\n{moved}" if moved else "")) if part
        )

    quoted = [case.title, _said(case, arrival), decision.reason, decision.note]
    return _fit_listed(build, quoted, len(members), limit)


def _team_formed(
    definition: SopDefinition,
    formed: Event,
    members: Sequence[int],
    names: Mapping[int, str],
    shown: int,
) -> str:
    """The team a team step formed, each member with their place in its decree: the first
    ``shown`` of them, the others counted."""
    team = team_name(definition, formed.step)
    places = team_roles(len(members))
    listed = [
        f"{i}. {t.e(names.get(m, t.UNNAMED.format(person=m)))}"
        + (f" ({place})" if place != t.TEAM_MEMBER else "")
        for i, (m, place) in enumerate(zip(members[:shown], places, strict=False), 1)
    ]
    if shown < len(members):
        listed.append(t.TEAM_MORE.format(count=len(members) - shown))
    return t.TEAM_FORMED_HEAD.format(team=t.e(team)) + "\n" + "\n".join(listed)


def outcome_text(
    definition: SopDefinition,
    event: Event,
    actor_name: str,
    zone: OfficeZone,
    moved: str = "",
    limit: int = t.MAX_MESSAGE,
) -> str:
    """The outcome line and where the case went, alone (for a reply), fitted to ``limit``
    by shortening the reason or note."""

    def build(quoted: Sequence[str]) -> str:
        line = outcome_line(definition, event, actor_name, zone, reason=quoted[0], note=quoted[1])
        return line + (f"\n{moved}" if moved else "")

    return t.fit_quoted(build, [event.reason, event.note], limit)


def completed_words(definition: SopDefinition, step_id: int) -> tuple[str, str, str]:
    """How a completion of ``step_id`` is said: (outcome, action, where it went)."""
    if not definition.has_step(step_id):
        return t.FORWARDED
    step = definition.step(step_id)
    if step.finishes:
        return t.FINISHED
    if step.kind is StepKind.UPLOAD:
        return t.HANDED_IN
    if step.id == definition.first_step.id and goes_up(definition, step):
        return t.SUBMITTED
    return t.FORWARDED


def team_name(definition: SopDefinition, step_id: int | None = None) -> str:
    """The team as the SOP names the role its team step forms ("Tim Penyusunan",
    :meth:`SopDefinition.team_role`; the SK Tim names the same); ``step_id``: a team step,
    else the SOP's first is meant."""
    role = definition.team_role(step_id)
    return role.name if role is not None else t.TEAM_DEFAULT_NAME


def action_text(
    definition: SopDefinition,
    event: Event,
    name_of: Callable[[int], str],
    escape: Callable[[str], str] = lambda text: text,
) -> str:
    """What the event's actor did, as the history and the Dokumentasi say it ("menetapkan
    Tim Penyusunan"); a member's place passed on names both. ``escape``: for HTML."""
    text = t.ACTION_WORDS[event.type].format(team=escape(team_name(definition, event.step)))
    if event.type is EventType.COMPLETED:
        text = completed_words(definition, event.step)[1]
    if event.type is EventType.TEAM_CHANGED:
        left, joined = int(event.data["left"]), int(event.data["joined"])
        text += t.ACTION_TEAM_CHANGED.format(
            left=escape(name_of(left)), joined=escape(name_of(joined))
        )
    if event.type is EventType.STEPS_PASSED:
        role = escape(role_name(definition, str(event.data["role"])))
        steps = ", ".join(str(s) for s in event.data["steps"])
        gone, successor = int(event.data["left"]), event.data.get("joined")
        to = (
            t.ACTION_PASSED_TO.format(who=escape(name_of(int(successor))))
            if successor is not None
            else t.ACTION_PASSED_TO_ALL.format(role=role)
        )
        text += t.ACTION_STEPS_PASSED.format(
            role=role, steps=steps, gone=escape(name_of(gone)), to=to
        )
    if event.type is EventType.ARCHIVE_CORRECTED:
        old, new = escape(str(event.data["old"])), escape(str(event.data["reference"]))
        text += t.ACTION_ARCHIVE_CORRECTED.format(old=old, new=new)
    if parts := set_aside_parts(event):
        did = escape(set_aside_text(definition, parts))
        text += f" {t.FOUR_EYES_SET_ASIDE_ACTION.format(did=did)}"
    return text


def outcome_line(
    definition: SopDefinition,
    event: Event,
    actor_name: str,
    zone: OfficeZone,
    *,
    reason: str | None = None,
    note: str | None = None,
) -> str:
    """ "✔️ Diteruskan oleh ... pada ...", with the reason or note (``reason``, ``note``:
    those texts shortened to fit)."""
    icon = t.OUTCOME_WORDS[event.type].format(team=t.e(team_name(definition, event.step)))
    if event.type is EventType.COMPLETED:
        icon = completed_words(definition, event.step)[0]
    line = t.OUTCOME_LINE.format(
        icon=icon, by=by_whom(definition, event, actor_name), when=zone.tanggal_jam(event.at)
    )
    if event.reason:
        line += t.OUTCOME_REASON.format(reason=t.e(event.reason if reason is None else reason))
    if event.note:
        line += t.OUTCOME_NOTE.format(note=t.e(event.note if note is None else note))
    if parts := set_aside_parts(event):
        did = t.e(set_aside_text(definition, parts))
        line += f"\nℹ️ {t.FOUR_EYES_SET_ASIDE.format(did=did)}"
    return line


def moved_line(definition: SopDefinition, case: Case, move: Event, unheld: bool = False) -> str:
    """Where the case went, for the person who moved it (``unheld``: nobody holds that step
    now; the administrators were told)."""
    if case.status is CaseStatus.COMPLETED and move.type in (
        EventType.COMPLETED,
        EventType.APPROVED,
    ):
        return t.MOVED_FINISHED.format(step=definition.step_label(move.step))
    if not case.is_open:
        return ""
    holder = t.e(definition.role(definition.step(case.step).actor).name)
    step = definition.step_label(case.step)
    no_one = f" {t.MOVED_TO_NO_ONE.format(step=step)}" if unheld else ""
    own_next = definition.step(move.step).actor == definition.step(case.step).actor
    if own_next and move.type in (EventType.COMPLETED, EventType.APPROVED):
        return t.MOVED_NEXT_STEP.format(step=step, no_one=no_one)
    if move.type is EventType.COMPLETED:
        went = completed_words(definition, move.step)[2]
        return t.MOVED_COMPLETED.format(went=went, holder=holder, no_one=no_one)
    if move.type is EventType.APPROVED:
        return t.MOVED_APPROVED.format(holder=holder, no_one=no_one)
    if move.type is EventType.RETURNED:
        return t.MOVED_RETURNED.format(holder=holder, no_one=no_one)
    return ""


HISTORY_TEXT = 200
"""The room (HTML-escaped characters) of a reason or note in a history line of /status."""


def history_lines(
    definition: SopDefinition,
    events: Sequence[Event],
    names: NamesAt,
    zone: OfficeZone,
) -> list[str]:
    """The case's history, a line an event; each person named as they were at the time.
    The documents one person uploaded at one step in one sitting (on one office day, with
    nothing else recorded between them) share a line, each file named with its version,
    "pukul 09.05–09.40 WIB" when they span minutes: a long case's uploads take a line a
    sitting, not a line a file, so less of its history gives way to Telegram's limit. The
    time of each file stays in the Dokumentasi and in the case's export."""
    lines = []
    for run in _sittings(events, names, zone):
        ev, last = run[0], run[-1]

        def name_of(person: int, at: datetime = ev.at) -> str:
            return names.at(person, at) or t.UNNAMED.format(person=person)

        who = by_whom(definition, ev, name_of(ev.actor))
        if len(run) > 1:
            action = t.ACTION_FILES_ATTACHED.format(count=len(run))
            detail = " " + ", ".join(_file_shown(e) for e in run)
        else:
            action = action_text(definition, ev, name_of, t.e)
            detail = f" {_file_shown(ev)}" if ev.type is EventType.FILE_ATTACHED else ""
        when = zone.tanggal_jam(ev.at)
        first, end = zone.local(ev.at), zone.local(last.at)
        if (first.hour, first.minute) != (end.hour, end.minute):
            when = f"{zone.tanggal(ev.at)} pukul {first:%H.%M}–{zone.jam(last.at)}"
        line = f"{when} · L{ev.step} · {who} {action}{detail}"
        if ev.reason:  # a long one shortened after a whole word, marked "…"
            line += f" — {t.e(t.clip_words(ev.reason, HISTORY_TEXT))}"
        if ev.note:
            line += t.HISTORY_LINE_NOTE.format(note=t.e(t.clip_words(ev.note, HISTORY_TEXT)))
        lines.append(line)
    return lines


def _file_shown(event: Event) -> str:
    """An uploaded file as a history line names it: "TOR.docx (versi 2)"."""
    name, version = t.e(event.data.get("name", "")), event.data.get("version")
    return t.FILE_VERSIONED.format(name=name, version=version)


def _sittings(events: Sequence[Event], names: NamesAt, zone: OfficeZone) -> list[list[Event]]:
    """The events in order, each alone but the uploads of one sitting, together: one
    person's, at one step, as one role (and acting as they were), on one office day, with
    no other event between and no reason or note on any."""

    def key(event: Event) -> tuple[object, ...] | None:
        if event.type is not EventType.FILE_ATTACHED or event.reason or event.note:
            return None
        acting = event.data.get("acting")
        person = names.at(event.actor, event.at)
        return event.step, event.actor, event.role, acting, person, zone.day(event.at)

    runs: list[list[Event]] = []
    previous: tuple[object, ...] | None = None
    for event in events:
        current = key(event)
        if current is not None and current == previous:
            runs[-1].append(event)
        else:
            runs.append([event])
        previous = current
    return runs


def _series(items: Sequence[str]) -> str:
    """Items as a sentence lists them: "3", "3 dan 9", "2, 3, dan 8" (EYD)."""
    if len(items) < 3:
        return " dan ".join(items)
    return ", ".join(items[:-1]) + ", dan " + items[-1]


def second_roles_text(
    who: str,
    role: str,
    person: int,
    second: Sequence[Mapping[str, Any]],
    name: Callable[[str], str],
    several: bool,
    title: str = "",
) -> str:
    """The administrator's warning that the person given ``role`` holds another role of the
    same review chain (``second``: as :func:`bot.core.workflow.second_roles` finds them),
    and what four eyes does then; "" when they hold none. ``who``: the person (HTML);
    ``name``: a role's name (HTML); ``several``: the unit runs more than one SOP (steps name
    theirs); ``title``: for a Plh or Plt appointed to ``role``, as whom he acts (HTML,
    "Plh. Karo")."""
    paragraphs = []
    for conflict in second:
        other = name(str(conflict["other"]))
        text = (
            t.SECOND_ROLE_ACTING.format(who=who, title=title, other=other)
            if title
            else t.SECOND_ROLE.format(who=who, role=name(role), other=other)
        )
        groups: dict[tuple[str, str, str], dict[str, list[str]]] = {}
        for code, step, later, earlier, how in conflict["steps"]:
            groups.setdefault((str(how), str(later), str(earlier)), {}).setdefault(
                str(code), []
            ).append(str(step))
        for (how, later, earlier), by_sop in groups.items():
            steps = _series(
                [
                    t.SECOND_ROLE_STEP_OF.format(steps=_series(numbers), code=t.e(code))
                    if several
                    else t.SECOND_ROLE_STEP.format(steps=_series(numbers))
                    for code, numbers in by_sop.items()
                ]
            )
            if how == "definitive":
                text += t.SECOND_ROLE_DEFINITIVE.format(
                    steps=steps, later=name(later), earlier=name(earlier), title=title
                )
            elif how == "signs":
                text += t.SECOND_ROLE_SIGNS.format(
                    steps=steps[:1].upper() + steps[1:], later=name(later), earlier=name(earlier)
                )
            else:
                pattern = t.SECOND_ROLE_OTHERS if how == "holders" else t.SECOND_ROLE_WAITS
                text += pattern.format(
                    steps=steps, later=name(later), earlier=name(earlier), later_id=t.e(later)
                )
        paragraphs.append(text)
    if not paragraphs:
        return ""
    foot = t.SECOND_ROLE_ACTING_FOOT if title else t.SECOND_ROLE_FOOT
    return "\n\n".join(paragraphs) + foot.format(person=person, role_id=t.e(role))
