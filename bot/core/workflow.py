"""The case state machine: ``decide`` (command → events) and ``apply`` (events → case).

Pure functions: no Telegram, database or clock. ``now`` comes in as an argument.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.definition import DocumentSource, SopDefinition, Step, StepKind
from bot.core.model import (
    Actor,
    Approval,
    Approve,
    ArchiveCase,
    ArchiveReferenceSame,
    AttachFile,
    Attachment,
    BadArchiveReference,
    CancelCase,
    Case,
    CaseClosed,
    CaseStatus,
    Command,
    CompleteStep,
    CorrectArchiveReference,
    DefinitiveOnly,
    DomainError,
    EarlierPart,
    Event,
    EventType,
    FormTeam,
    FourEyes,
    InvalidValue,
    MissingInputs,
    Move,
    NotAllowed,
    NotArchived,
    NothingToWithdraw,
    NotHolder,
    PassSteps,
    ReasonRequired,
    ReplaceTeamMember,
    ReturnForCorrection,
    RoleGone,
    StaleVersion,
    StartCase,
    TextTooLong,
    Withdraw,
    WrongStepKind,
)
from bot.core.text import is_blank, shows, without_controls

MAX_TEXT = 1000
"""Longest reason, note, title or archive reference kept (characters)."""

MIN_YEAR, MAX_YEAR = 2000, 2100


def decide(
    definition: SopDefinition,
    case: Case | None,
    command: Command,
    actor: Actor,
    now: datetime,
    arrival: Event | None = None,
) -> list[Event]:
    """The events a command causes, or a :class:`DomainError` saying why it is refused.
    ``arrival``: the latest move into a step among the case's events (what brought it
    where it is), read for a file: see :func:`accepted_now`."""
    if isinstance(command, StartCase):
        return _start(definition, case, command, actor, now)
    if case is None:
        raise InvalidValue("no such case")
    if isinstance(command, CorrectArchiveReference):  # the one change to a closed case
        return _correct_archive(case, command, actor, now)
    if not case.is_open:
        raise CaseClosed(status=case.status.value)
    if command.version != case.version:
        raise StaleVersion(current=case.version, given=command.version)
    step = definition.step(case.step)
    if isinstance(command, CancelCase):
        return _cancel(case, step, command, actor, now)
    if isinstance(command, ReplaceTeamMember):
        return _replace_member(case, step, command, actor, now)
    if isinstance(command, PassSteps):
        return _pass_steps(definition, case, step, command, actor, now)
    if isinstance(command, Withdraw):
        return _withdraw(definition, case, actor, now)
    role = holder_role(definition, case, actor)
    acting = actor.acting_as(role)
    if acting and step.definitive_only:
        raise DefinitiveOnly(role=role, kind=acting, step=step.id)
    set_aside: tuple[EarlierPart, ...] = ()
    if isinstance(command, Approve | ReturnForCorrection):
        _four_eyes(definition, case, step, actor)
        # where four eyes gave way to the one official who may decide, what they did earlier
        set_aside = four_eyes_set_aside(definition, case, actor.person_id)

    def event(kind: EventType, **fields: Any) -> Event:
        if acting:
            fields["data"] = {**fields.get("data", {}), "acting": acting}
        if set_aside and kind in (EventType.APPROVED, EventType.RETURNED):
            parts = [part.as_data() for part in set_aside]
            fields["data"] = {**fields.get("data", {}), "four_eyes": parts}
        return Event(kind, case.id, actor.person_id, role, now, case.step, **fields)

    match command:
        case AttachFile():
            accepted = accepted_now(definition, case, arrival)
            if command.doc not in {definition.canonical(d) for d in accepted}:
                raise NotAllowed("document not expected at this step", doc=command.doc)
            if command.doc not in {definition.canonical(d) for d in step.uploads}:
                # a review step's corrected document becomes what that level decides on:
                # sent by whom four eyes keeps from deciding it, as a decision is refused
                _four_eyes(definition, case, step, actor)
            version = 1 + max((a.version for a in case.files if a.doc == command.doc), default=0)
            data = {
                "doc": command.doc,
                "file_id": command.file_id,
                "version": version,
                "sha256": command.sha256,
                "name": command.name,
            }
            return [event(EventType.FILE_ATTACHED, data=data)]
        case CompleteStep():
            _require_kind(step, StepKind.ACTION, StepKind.UPLOAD)
            _require_inputs(definition, case, step)
            note = _text(command.note, required=False)
            return [event(EventType.COMPLETED, to_step=step.on_approve, note=note)]
        case Approve():
            _require_kind(step, StepKind.REVIEW)
            _require_inputs(definition, case, step)
            data = {"approval": step.approval.value} if step.approval else {}
            note = _text(command.note, required=False)
            return [event(EventType.APPROVED, to_step=step.on_approve, note=note, data=data)]
        case ReturnForCorrection():
            _require_kind(step, StepKind.REVIEW)
            reason = _text(command.reason, required=True)
            return [event(EventType.RETURNED, to_step=step.on_return, reason=reason)]
        case FormTeam():
            _require_kind(step, StepKind.TEAM)
            members = tuple(dict.fromkeys(command.members))
            if not members:
                raise InvalidValue("a team needs at least one member")
            _require_inputs(definition, case, step)
            note = _text(command.note, required=False)
            return [
                event(EventType.TEAM_FORMED, data={"members": list(members)}),
                event(EventType.COMPLETED, to_step=step.on_approve, note=note),
            ]
        case ArchiveCase():
            _require_kind(step, StepKind.ARCHIVE)
            _require_inputs(definition, case, step)
            reference = _archive_reference(command.reference)
            return [event(EventType.ARCHIVED, data={"reference": reference})]
    raise InvalidValue(f"unknown command {type(command).__name__}")


def returned_here(case: Case, arrival: Event | None) -> bool:
    """Whether a return brought the case to the step it is at: ``arrival``, the latest move
    into a step among its events, is a return to this one."""
    return (
        arrival is not None
        and arrival.type is EventType.RETURNED
        and arrival.to_step == case.step
        and arrival.case_id == case.id
    )


def accepted_now(definition: SopDefinition, case: Case, arrival: Event | None) -> tuple[str, ...]:
    """The documents the holder may send at the case's step now: its uploads and, once a
    return brought the case back to it (:func:`returned_here`), the ones it ``corrects``;
    on the first pass a reviewer decides on what was handed in, and returns it to be
    corrected ("jika tidak setuju dikembalikan ... untuk diperbaiki")."""
    step = definition.step(case.step)
    return step.accepts if returned_here(case, arrival) else step.uploads


def holder_role(definition: SopDefinition, case: Case, actor: Actor) -> str:
    """The role in which ``actor`` holds the case's current step, or :class:`NotHolder`."""
    step = definition.step(case.step)
    if step.actor not in actor.roles:
        raise NotHolder(role=step.actor)
    if not holds_role(definition, case, step.actor, actor):
        raise NotHolder(role=step.actor, team=True)
    return step.actor


def holds_role(
    definition: SopDefinition, case: Case, role: str, actor: Actor, step_id: int | None = None
) -> bool:
    """Whether ``actor`` holds ``role`` for the case now (definitive, or acting in force) at
    step ``step_id`` (the current one by default); a shared role only as
    :func:`narrow_holders` narrows it."""
    if role not in actor.roles:
        return False
    return bool(narrow_holders(definition, case, role, [actor.person_id], step_id))


def narrow_holders(
    definition: SopDefinition,
    case: Case,
    role: str,
    holders: Iterable[int],
    step_id: int | None = None,
) -> list[int]:
    """Which of a role's ``holders`` hold its step ``step_id`` (the current one by default)
    for the case. A role one person holds: its holder. A shared role:

    * the role a team step forms (``Step.team``), once the case's team is formed: its
      members only;
    * any other shared role (the Pegawai who applies, the Pengelola who verifies): the
      person who last acted at the step for this case (:func:`step_owner`, the one who
      started the case for the first step), so a case that comes back to the step is
      theirs; a step no one has acted at yet is every holder's (the first to act takes it).
    """
    people = list(holders)
    if not definition.has_role(role) or not definition.role(role).shared:
        return people
    if role in definition.team_roles:
        return [p for p in people if p in case.team] if case.team else people
    owner = step_owner(definition, case, case.step if step_id is None else step_id)
    return people if owner is None else [p for p in people if p == owner]


def step_owner(definition: SopDefinition, case: Case, step_id: int) -> int | None:
    """Who has the case's step ``step_id`` for themselves: whoever last acted at it in its
    role, else for the first step the one who started the case; None when no one did."""
    owner = next((person for step, person in reversed(case.took) if step == step_id), None)
    if owner is None and step_id == definition.first_step.id:
        return case.started_by
    return owner


def withdrawable_by(definition: SopDefinition, case: Case, actor: Actor) -> bool:
    """Whether the case's last move is ``actor``'s to take back: theirs, nobody has acted
    since, and they still hold the role they made it in."""
    try:
        _withdrawn_role(definition, case, actor)
    except DomainError:
        return False
    return True


def recorded_outputs(definition: SopDefinition, step: Step) -> set[str]:
    """The documents a step's completion records as present without a file: its outputs
    that are not uploaded (a Disposisi, an SPM-LS the bot notes as issued). An uploaded
    document is present only by its file: an optional one the holder did not send (an SSP
    among the step's outputs) stays missing in every later checklist and paper."""
    canonical = (definition.canonical(d) for d in step.outputs)
    return {d for d in canonical if definition.document(d).source is not DocumentSource.UPLOAD}


def missing_inputs(definition: SopDefinition, case: Case, step: Step) -> list[str]:
    """Required documents (inputs and uploads) of ``step`` that the case does not have yet."""
    have = {a.doc for a in case.files} | case.produced
    missing = []
    for doc_id in dict.fromkeys((*step.inputs, *step.uploads)):
        canonical = definition.canonical(doc_id)
        if not definition.document(canonical).optional and canonical not in have:
            missing.append(doc_id)
    return missing


def _start(
    definition: SopDefinition, case: Case | None, command: StartCase, actor: Actor, now: datetime
) -> list[Event]:
    if case is not None:
        raise InvalidValue("case exists already")
    first = definition.first_step
    if first.actor not in actor.roles:
        raise NotHolder(role=first.actor)
    if command.sop_code != definition.code:
        raise InvalidValue("SOP code does not match the definition")
    if not MIN_YEAR <= command.fiscal_year <= MAX_YEAR:
        raise InvalidValue("fiscal year out of range", field="fiscal_year")
    title = _text(command.title, required=True)
    data: dict[str, Any] = {
        "sop_code": command.sop_code,
        "unit": command.unit,
        "title": title,
        "fiscal_year": command.fiscal_year,
        "revision": definition.revision,
    }
    if acting := actor.acting_as(first.actor):
        data["acting"] = acting  # opened by a Plh/Plt, recorded as such like every decision
    return [
        Event(
            EventType.STARTED,
            command.case_id,
            actor.person_id,
            first.actor,
            now,
            first.id,
            data=data,
        )
    ]


def _cancel(
    case: Case, step: Step, command: CancelCase, actor: Actor, now: datetime
) -> list[Event]:
    if not actor.is_admin:
        raise NotAllowed("only an administrator can cancel a case")
    reason = _text(command.reason, required=True)
    return [
        Event(EventType.CANCELLED, case.id, actor.person_id, "admin", now, step.id, reason=reason)
    ]


def _correct_archive(
    case: Case, command: CorrectArchiveReference, actor: Actor, now: datetime
) -> list[Event]:
    """An administrator's correction of an archived case's number: the old and the new
    number and the reason are recorded; the case stays archived."""
    if not actor.is_admin:
        raise NotAllowed("only an administrator corrects an archive number")
    if case.status is not CaseStatus.ARCHIVED:
        raise NotArchived(status=case.status.value)
    if command.version != case.version:
        raise StaleVersion(current=case.version, given=command.version)
    reason = _text(command.reason, required=True)
    reference = _archive_reference(command.reference)
    old = case.archive_reference or ""
    if reference == old:
        raise ArchiveReferenceSame(reference=reference)
    data = {"reference": reference, "old": old}
    return [
        Event(
            EventType.ARCHIVE_CORRECTED,
            case.id,
            actor.person_id,
            "admin",
            now,
            case.step,
            reason=reason,
            data=data,
        )
    ]


def _replace_member(
    case: Case, step: Step, command: ReplaceTeamMember, actor: Actor, now: datetime
) -> list[Event]:
    if not actor.is_admin:
        raise NotAllowed("only an administrator passes a team member's place on")
    if command.old not in case.team:
        raise InvalidValue("not a member of the case's team", person=command.old)
    if command.new in case.team:
        members = [m for m in case.team if m != command.old]
    else:
        members = [command.new if m == command.old else m for m in case.team]
    data = {"members": members, "left": command.old, "joined": command.new}
    return [
        Event(EventType.TEAM_CHANGED, case.id, actor.person_id, "admin", now, step.id, data=data)
    ]


def passable_steps(definition: SopDefinition, case: Case, role: str, person: int) -> list[int]:
    """The steps of the shared ``role`` (not a team's) that are ``person``'s for the case
    because they acted at them last (:func:`step_owner`), the first step excepted."""
    if not definition.has_role(role) or not definition.role(role).shared:
        return []
    if role in definition.team_roles:
        return []
    first = definition.first_step.id
    return sorted(
        {
            step_id
            for step_id, who in case.took
            if who == person
            and step_id != first
            and definition.has_step(step_id)
            and definition.step(step_id).actor == role
            and step_owner(definition, case, step_id) == person
        }
    )


def _pass_steps(
    definition: SopDefinition,
    case: Case,
    step: Step,
    command: PassSteps,
    actor: Actor,
    now: datetime,
) -> list[Event]:
    if not actor.is_admin:
        raise NotAllowed("only an administrator passes a role's steps on")
    steps = passable_steps(definition, case, command.role, command.old)
    if not steps:
        raise InvalidValue("no step of the role is theirs", person=command.old)
    data = {"role": command.role, "left": command.old, "joined": command.new, "steps": steps}
    return [
        Event(EventType.STEPS_PASSED, case.id, actor.person_id, "admin", now, step.id, data=data)
    ]


def _withdraw(definition: SopDefinition, case: Case, actor: Actor, now: datetime) -> list[Event]:
    role, from_step = _withdrawn_role(definition, case, actor)
    acting = actor.acting_as(role)
    data = {"acting": acting} if acting else {}
    return [
        Event(
            EventType.WITHDRAWN,
            case.id,
            actor.person_id,
            role,
            now,
            case.step,
            to_step=from_step,
            data=data,
        )
    ]


def _withdrawn_role(definition: SopDefinition, case: Case, actor: Actor) -> tuple[str, int]:
    """The role the last move was made in and the step it came from, when ``actor`` may
    take it back; only a present holder of that role may (not a Plh whose period ended,
    nor one whose role passed on or was revoked)."""
    move = case.last_move
    if move is None or move.by != actor.person_id or move.to_step != case.step:
        raise NothingToWithdraw("nothing of yours to withdraw: the next holder has acted already")
    role = definition.step(move.from_step).actor
    if not holds_role(definition, case, role, actor, move.from_step):
        raise RoleGone(role=role)
    return role, move.from_step


def _four_eyes(definition: SopDefinition, case: Case, step: Step, actor: Actor) -> None:
    """Refuse a decision by someone who approved another level of the same review chain."""
    if actor.person_id in excluded_reviewers(definition, case):
        raise FourEyes(step=step.id)


def four_eyes_gives_way(definition: SopDefinition, step: Step) -> bool:
    """Whether four eyes gives way at ``step``: a strategic step (``definitive_only``) of a
    role one official holds. No one but that official may decide it (a Plh or Plt may not,
    UU No. 30 Tahun 2014 Pasal 14 ayat (7)), so four eyes cannot hand it to anyone else:
    the Karo who initialled step 8 as Plh Kabag still signs step 9, and the decision
    records it (:func:`four_eyes_set_aside`). A shared role has no acting officials: there
    the rule holds among its holders."""
    return step.definitive_only and not definition.role(step.actor).shared


def excluded_reviewers(definition: SopDefinition, case: Case) -> frozenset[int]:
    """Who may not decide the case's current step (four eyes): one person never decides two
    review levels of a case, nor reviews what they themselves proposed. A level is a review
    step of the same chain held by another role (an SOP that gives two levels to one role
    says so itself); the proposer is whoever handed the work in to this chain from a step
    that is not one (``Case.handed_in``), held by another role, and whoever attached a
    current version of a document it reviews there (a member of the team who wrote a draft
    another member handed in): a Kasubag acting as Plh Kabag does not approve her own
    proposal, neither on its first pass nor after the Karo returned it or the Kabag took his
    approval back. None at a step where four eyes gives way (:func:`four_eyes_gives_way`)."""
    if four_eyes_gives_way(definition, definition.step(case.step)):
        return frozenset()
    return frozenset(person for person, _ in _earlier_parts(definition, case))


def four_eyes_set_aside(
    definition: SopDefinition, case: Case, person: int
) -> tuple[EarlierPart, ...]:
    """What ``person`` did earlier in the work the case's current step reviews that would
    keep them from deciding it, where four eyes gives way to the one official who may
    (:func:`four_eyes_gives_way`): the record their decision carries. () elsewhere, and
    for anyone four eyes would not keep out."""
    if not four_eyes_gives_way(definition, definition.step(case.step)):
        return ()
    return tuple(part for who, part in _earlier_parts(definition, case) if who == person)


def two_levels(definition: SopDefinition, role: str, other: str) -> list[tuple[int, str]]:
    """What four eyes does to one person who holds both ``role`` and ``other``: the review
    steps of either where the other role takes part earlier in the work the step reviews (a
    lower level of its chain, or the hand-in to it), each with the role that does. A case
    they took part in there is not theirs to decide (:func:`excluded_reviewers`), except
    where four eyes gives way (:func:`four_eyes_gives_way`): there they decide it, recorded."""
    if role == other:
        return []
    found = []
    for step in definition.steps:
        if not step.is_review or step.actor not in (role, other):
            continue
        earlier = other if step.actor == role else role
        if earlier in _roles_before(definition, step.id):
            found.append((step.id, earlier))
    return found


def second_roles(
    definitions: Iterable[SopDefinition], role: str, held: Iterable[str], *, acting: bool = False
) -> list[dict[str, Any]]:
    """The roles of ``held`` (another than ``role``) that review or hand in the work of the
    same review chain as ``role``, each with the steps where four eyes meets the person who
    holds both (:func:`two_levels`): ``{"other": role, "steps": [[sop code, step, its
    role, the role that took part earlier, how]]}``, in the SOPs' order of roles. ``how``:
    ``signs`` (a strategic step: he decides it, recorded), ``holders`` (a shared role's
    other holders decide it), ``acting`` (the case waits for a Plh or Plt, the
    administrators told) or, when he acts in ``role`` (``acting``: a Plh or Plt of it) at
    a step of ``role``, ``definitive`` (its definitive holder decides it; none: it waits).
    An acting official's strategic steps are none of four eyes' business: he decides none
    (:func:`bot.services.routing.route`)."""
    definitions = list(definitions)
    held = set(held) - {role}
    order = dict.fromkeys(r.id for d in definitions for r in d.roles)
    found = []
    for other in [r for r in order if r in held]:
        steps: list[list[str | int]] = []
        for definition in definitions:
            if not (definition.has_role(role) and definition.has_role(other)):
                continue
            for step_id, earlier in two_levels(definition, role, other):
                step = definition.step(step_id)
                if acting and step.actor == role:
                    if step.definitive_only:
                        continue
                    how = "definitive"
                elif four_eyes_gives_way(definition, step):
                    how = "signs"
                elif definition.role(step.actor).shared:
                    how = "holders"
                else:
                    how = "acting"
                steps.append([definition.code, step_id, step.actor, earlier, how])
        if steps:
            found.append({"other": other, "steps": steps})
    return found


def _roles_before(definition: SopDefinition, step_id: int) -> set[str]:
    """The roles of the work a review step reviews before it: the lower levels of its chain
    (back along ``on_approve``) and the steps that hand the work in to the chain."""
    chain = definition.review_chain(step_id)
    roles = {
        s.actor
        for s in definition.steps
        if not s.is_review and _handed_into(definition, s.id) == chain
    }
    seen, current = {step_id}, step_id
    while (
        lower := next(
            (s for s in chain if s not in seen and definition.step(s).on_approve == current), None
        )
    ) is not None:
        roles.add(definition.step(lower).actor)
        seen.add(lower)
        current = lower
    return roles


def _earlier_parts(definition: SopDefinition, case: Case) -> list[tuple[int, EarlierPart]]:
    """Who took part earlier in the work the case's current step reviews, and how: a review
    level of its chain held by another role, the hand-in to the chain, or a current version
    of a document the step reviews attached at the hand-in or at a level of the chain, in
    another role (a team member who uploaded a draft a colleague handed in; a level's own
    corrections are its own). An attachment of a case stored before, whose step is not
    known (0), is not counted."""
    step = definition.step(case.step)
    chain = definition.review_chain(step.id)
    parts: list[tuple[int, EarlierPart]] = []
    for reviewed, person in case.reviewers:
        if reviewed == step.id or reviewed not in chain:
            continue
        role = definition.step(reviewed).actor
        if role == step.actor:
            continue
        approval = next(
            (a for a in reversed(case.approvals) if a.step == reviewed and a.by == person), None
        )
        if approval is None:
            parts.append((person, EarlierPart(reviewed, "approved", role)))
        else:
            parts.append((person, EarlierPart(reviewed, approval.kind, role, approval.acting)))
    if chain:
        for from_step, person in case.handed_in:
            role = definition.step(from_step).actor
            if _handed_into(definition, from_step) == chain and role != step.actor:
                parts.append((person, EarlierPart(from_step, "handed_in", role)))
        for doc in dict.fromkeys(definition.canonical(d) for d in step.inputs):
            attached = case.latest(doc)
            if attached is None or not definition.has_step(attached.step):
                continue
            role = definition.step(attached.step).actor
            within = attached.step in chain or _handed_into(definition, attached.step) == chain
            if within and role != step.actor:
                parts.append((attached.by, EarlierPart(attached.step, "uploaded", role)))
    return parts


def _handed_into(definition: SopDefinition, step_id: int) -> frozenset[int]:
    """The review chain completing ``step_id`` hands the work in to: the chain of its next
    step, when it is not a review step itself and the next one is (none otherwise)."""
    if not definition.has_step(step_id):
        return frozenset()
    step = definition.step(step_id)
    if step.is_review or step.on_approve is None or not definition.has_step(step.on_approve):
        return frozenset()
    return definition.review_chain(step.on_approve)


def _require_kind(step: Step, *kinds: StepKind) -> None:
    if step.kind not in kinds:
        raise WrongStepKind(kind=step.kind.value)


def _require_inputs(definition: SopDefinition, case: Case, step: Step) -> None:
    missing = missing_inputs(definition, case, step)
    if missing:
        raise MissingInputs(missing=missing)


ARCHIVE_NUMBER_END = ".,;:"
"""Punctuation a typed archive number may end with that is not part of it ("... 2026.")."""

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def archive_number_key(reference: str) -> str:
    """The form two archive numbers are compared in (one number per case): without spaces,
    its ASCII letters in upper case, without the punctuation a sentence ends with
    (:data:`ARCHIVE_NUMBER_END`). "ot.04.00 / 123 / 2026." and "OT.04.00/123/2026" are
    one number: written on a folder, no one tells them apart. The case keeps the number as
    typed, for display. The database computes the same form in SQL for the numbers filed
    before it existed (storage.migrations.V15_ARCHIVE_NUMBERS), hence ASCII letters only
    (SQLite's ``upper``)."""
    return reference.replace(" ", "").translate(_ASCII_UPPER).rstrip(ARCHIVE_NUMBER_END)


def _archive_reference(typed: str) -> str:
    """A typed archive number as the case keeps it, or :class:`BadArchiveReference`.
    Full-width digits and letters become ASCII: a number that looks like another is the
    same number (they are checked for use twice)."""
    reference = unicodedata.normalize("NFKC", _text(typed, required=True))
    if not _is_archive_reference(reference):
        raise BadArchiveReference()
    return reference


def _is_archive_reference(text: str) -> bool:
    """An archive number as offices write them ("PR.01.02/123/2027"): one line of 3 to 100
    characters with an ASCII digit, and nothing that shows no mark or turns text around
    (a zero-width space, a right-to-left override) between its spaces."""
    return (
        3 <= len(text) <= 100
        and any("0" <= ch <= "9" for ch in text)
        and all(ch == " " or shows(ch) for ch in text)
    )


def _text(value: str, *, required: bool) -> str:
    """A typed text, trimmed and without control characters; one that shows nothing is none."""
    text = without_controls(value).strip()
    if is_blank(text):
        text = ""
    if required and not text:
        raise ReasonRequired()
    if len(text) > MAX_TEXT:
        raise TextTooLong(limit=MAX_TEXT, length=len(text))
    return text


# -- apply -------------------------------------------------------------------------------


def apply(definition: SopDefinition, case: Case | None, event: Event) -> Case:
    """The case after ``event``. Raises ``ValueError`` on an event that cannot follow."""
    if event.type is EventType.STARTED:
        if case is not None:
            raise ValueError("case started twice")
        d = event.data
        return Case(
            id=event.case_id,
            sop_code=d["sop_code"],
            unit=d["unit"],
            title=d["title"],
            fiscal_year=int(d["fiscal_year"]),
            status=CaseStatus.OPEN,
            step=event.step,
            version=1,
            started_by=event.actor,
            opened_at=event.at,
            step_entered_at=event.at,
            revision=str(d.get("revision", "")),
        )
    if case is None:
        raise ValueError(f"{event.type} before the case started")
    match event.type:
        case EventType.FILE_ATTACHED:
            d = event.data
            attachment = _attachment(d, event.actor, event.step)
            return replace(case, files=(*case.files, attachment), last_move=_kept(case, event))
        case EventType.TEAM_FORMED | EventType.TEAM_CHANGED:
            return replace(case, team=tuple(int(m) for m in event.data["members"]))
        case EventType.STEPS_PASSED:
            return replace(case, took=_passed(case, event))
        case EventType.COMPLETED | EventType.APPROVED:
            step = definition.step(event.step)
            approvals = case.approvals
            acting = str(event.data.get("acting", ""))
            if kind := event.data.get("approval"):
                approval = Approval(step.id, kind, event.actor, event.role, event.at, acting)
                approvals = (*approvals, approval)
            reviewers = case.reviewers
            if event.type is EventType.APPROVED and step.is_review:
                reviewers = (*[r for r in reviewers if r[0] != step.id], (step.id, event.actor))
            handed_in = case.handed_in
            if chain := _handed_into(definition, step.id):
                handed_in = (
                    *[h for h in handed_in if _handed_into(definition, h[0]) != chain],
                    (step.id, event.actor),
                )
            produced = case.produced | recorded_outputs(definition, step)
            ends: dict[str, Any] = {}
            if event.to_step is None:  # the last step done: the case is finished, unfiled
                to_step, last_move = case.step, None
                ends = {"status": CaseStatus.COMPLETED, "closed_at": event.at}
            else:
                to_step = event.to_step
                last_move = Move(event.actor, event.step, event.to_step, case.version + 1)
            return _moved(
                case,
                event,
                to_step,
                approvals=approvals,
                produced=produced,
                last_move=last_move,
                reviewers=reviewers,
                handed_in=handed_in,
                took=_took(definition, case, event),
                **ends,
            )
        case EventType.RETURNED:
            assert event.to_step is not None
            took = _took(definition, case, event)
            return _moved(case, event, event.to_step, last_move=None, took=took)
        case EventType.WITHDRAWN:
            assert event.to_step is not None
            approvals = case.approvals
            if (
                approvals
                and approvals[-1].step == event.to_step
                and approvals[-1].by == event.actor
            ):
                approvals = approvals[:-1]  # a withdrawn approval no longer stands
            reviewers = tuple(r for r in case.reviewers if r != (event.to_step, event.actor))
            # a hand-in taken back no longer stands either (the work is its author's again)
            handed_in = tuple(h for h in case.handed_in if h != (event.to_step, event.actor))
            return _moved(
                case,
                event,
                event.to_step,
                last_move=None,
                approvals=approvals,
                reviewers=reviewers,
                handed_in=handed_in,
            )
        case EventType.ARCHIVED:
            step = definition.step(event.step)
            produced = case.produced | recorded_outputs(definition, step)
            return _moved(
                case,
                event,
                case.step,
                status=CaseStatus.ARCHIVED,
                produced=produced,
                took=_took(definition, case, event),
                archive_reference=event.data["reference"],
                closed_at=event.at,
                last_move=None,
            )
        case EventType.ARCHIVE_CORRECTED:
            return replace(case, archive_reference=str(event.data["reference"]))
        case EventType.CANCELLED:
            return _moved(
                case,
                event,
                case.step,
                status=CaseStatus.CANCELLED,
                closed_at=event.at,
                last_move=None,
            )
    raise ValueError(f"unknown event type {event.type}")


def apply_all(definition: SopDefinition, case: Case | None, events: Iterable[Event]) -> Case:
    for event in events:
        case = apply(definition, case, event)
    if case is None:
        raise ValueError("no events")
    return case


def replay(definition: SopDefinition, events: Iterable[Event]) -> Case:
    """Rebuild a case from its complete event log."""
    return apply_all(definition, None, events)


def _moved(case: Case, event: Event, to_step: int, **changes: Any) -> Case:
    """The case moved to ``to_step`` (a new version, entered now), with ``changes``: one
    copy of the case per event."""
    return replace(
        case, step=to_step, version=case.version + 1, step_entered_at=event.at, **changes
    )


def _passed(case: Case, event: Event) -> tuple[tuple[int, int], ...]:
    """``case.took`` after a STEPS_PASSED: the steps it names go to who joined, or to
    nobody (every holder's again)."""
    steps = {int(s) for s in event.data["steps"]}
    left, joined = int(event.data["left"]), event.data.get("joined")
    took = []
    for step_id, person in case.took:
        if step_id in steps and person == left:
            if joined is not None:
                took.append((step_id, int(joined)))
        else:
            took.append((step_id, person))
    return tuple(took)


def _took(definition: SopDefinition, case: Case, event: Event) -> tuple[tuple[int, int], ...]:
    """``case.took`` after a move from ``event.step`` by its actor in the step's role (an
    administrator's does not count): the step is theirs now, one entry per step."""
    if not definition.has_step(event.step) or event.role != definition.step(event.step).actor:
        return case.took
    return (*[t for t in case.took if t[0] != event.step], (event.step, event.actor))


def _kept(case: Case, event: Event) -> Move | None:
    """A withdrawal stays possible only until somebody else acts on the case."""
    move = case.last_move
    return move if move is not None and move.by == event.actor else None


def _attachment(d: dict[str, Any], by: int, step: int) -> Attachment:
    return Attachment(
        doc=str(d["doc"]),
        file_id=int(d["file_id"]),
        version=int(d["version"]),
        sha256=str(d["sha256"]),
        name=str(d["name"]),
        by=by,
        step=step,
    )


__all__ = [
    "DomainError",
    "apply",
    "apply_all",
    "archive_number_key",
    "decide",
    "holder_role",
    "holds_role",
    "missing_inputs",
    "narrow_holders",
    "passable_steps",
    "replay",
    "step_owner",
    "withdrawable_by",
]
