"""Properties of the workflow core under random commands by random people.

Whatever anybody sends, in any order: only the holder moves a step, every move is one the
SOP allows, the version counts the moves, the log replays to the case, a refusal changes
nothing, and the holders doing the forward thing always finish the SOP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core_helpers import (
    ADMIN,
    KASUBAG,
    PEOPLE,
    TIM_A,
    TIM_B,
    TIM_C,
    Run,
    person,
    started,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.definition import SopDefinition, StepKind
from bot.core.loader import DefinitionError, parse_definition
from bot.core.model import (
    Actor,
    Approve,
    ArchiveCase,
    CancelCase,
    Case,
    CaseStatus,
    Command,
    CompleteStep,
    DomainError,
    Event,
    EventType,
    FormTeam,
    Move,
    ReturnForCorrection,
    Withdraw,
)
from bot.core.workflow import apply_all, replay

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

UPLOADABLE = ("konsep_rencana_kerja", "tor", "bahan", "draf_program_kerja", "draf_rkakl")
NOT_UPLOADABLE = ("disposisi", "rencana_kerja", "surat")
TIM_PEOPLE = (TIM_A.person_id, TIM_B.person_id, TIM_C.person_id)
HOLDER = None  # in an intent: "whoever holds the current step"


# -- the oracle ------------------------------------------------------------------------


@dataclass
class Withdrawable:
    """The model's own idea of what may be withdrawn: the last forward move, until another acts."""

    by: int
    from_step: int
    to_step: int


def holds(definition: SopDefinition, case: Case, actor: Actor) -> bool:
    step = definition.step(case.step)
    if step.actor not in actor.roles:
        return False
    shared = definition.role(step.actor).shared
    return not (shared and case.team and actor.person_id not in case.team)


def check_accepted(
    definition: SopDefinition,
    before: Case,
    after: Case,
    events: Sequence[Event],
    actor: Actor,
    withdrawable: Withdrawable | None,
) -> Withdrawable | None:
    """Check one accepted command against the SOP; return what may be withdrawn now."""
    step = definition.step(before.step)
    moves = [e for e in events if e.is_move]
    assert len(moves) <= 1
    assert after.version == before.version + len(moves)
    assert all(e.actor == actor.person_id and e.step == before.step for e in events)
    assert all(e.case_id == before.id for e in events)
    if any(e.type is EventType.WITHDRAWN for e in events):
        # a withdrawn approval no longer stands; nothing else changes
        withdrawn = before.approvals[len(after.approvals) :]
        assert after.approvals == before.approvals[: len(after.approvals)]
        assert all(a.by == actor.person_id for a in withdrawn) and len(withdrawn) <= 1
    elif not any(e.type is EventType.APPROVED for e in events):
        assert after.approvals == before.approvals
    for event in events:
        match event.type:
            case EventType.WITHDRAWN:
                assert withdrawable is not None
                assert withdrawable.by == actor.person_id
                assert (event.step, event.to_step) == (withdrawable.to_step, withdrawable.from_step)
                assert event.role == definition.step(withdrawable.from_step).actor
            case EventType.CANCELLED:
                assert actor.is_admin
                assert event.reason.strip()
            case _:
                # Everything else is done by the holder of the step, in the step's role.
                assert holds(definition, before, actor)
                assert event.role == step.actor
        match event.type:
            case EventType.COMPLETED:
                assert step.kind in (StepKind.ACTION, StepKind.UPLOAD, StepKind.TEAM)
                assert event.to_step == step.on_approve
            case EventType.APPROVED:
                assert step.kind is StepKind.REVIEW
                assert event.to_step == step.on_approve
                recorded = after.approvals[len(before.approvals) :]
                if step.approval is None:
                    assert not recorded
                else:
                    [approval] = recorded
                    assert (approval.step, approval.kind) == (step.id, step.approval.value)
                    assert (approval.by, approval.role) == (actor.person_id, step.actor)
            case EventType.RETURNED:
                assert step.kind is StepKind.REVIEW
                assert event.to_step == step.on_return
                assert event.reason and event.reason == event.reason.strip()
            case EventType.ARCHIVED:
                assert step.kind is StepKind.ARCHIVE
                assert step.on_approve is None
            case EventType.TEAM_FORMED:
                assert step.kind is StepKind.TEAM
                assert event.data["members"]
            case EventType.FILE_ATTACHED:
                accepted = {definition.canonical(d) for d in step.accepts}
                assert event.data["doc"] in accepted
    if moves:
        move = moves[0]
        if move.to_step is not None:
            assert after.step == move.to_step
        else:
            assert after.step == before.step and not after.is_open
        if move.type in (EventType.COMPLETED, EventType.APPROVED) and move.to_step is None:
            # the last step of an SOP that does not end in archiving: finished, nothing to
            # take back
            assert definition.step(before.step).finishes
            assert after.status is CaseStatus.COMPLETED and after.closed_at == move.at
        elif move.type in (EventType.COMPLETED, EventType.APPROVED):
            assert after.last_move == Move(actor.person_id, before.step, after.step, after.version)
            return Withdrawable(actor.person_id, before.step, after.step)
        assert after.last_move is None
        return None
    # Attaching a file: the submitter keeps the right to withdraw only while nobody else acts.
    if withdrawable is not None and withdrawable.by != actor.person_id:
        return None
    return withdrawable


@dataclass
class Checked:
    """A run whose every command is checked against the oracle."""

    run: Run
    withdrawable: Withdrawable | None = None
    accepted: int = 0
    refused: int = 0

    def issue(self, actor: Actor, command: Command) -> bool:
        run = self.run
        before = run.current
        log_length = len(run.log)
        try:
            events = run.decide(actor, command)
        except DomainError:
            # A refusal changes nothing; a withdrawal is refused exactly when the model says so.
            assert run.case is before and run.case == before
            assert len(run.log) == log_length
            if isinstance(command, Withdraw) and before.is_open:
                assert not self.may_withdraw(actor, command)
            self.refused += 1
            return False
        if isinstance(command, Withdraw):
            assert self.may_withdraw(actor, command)
        after = apply_all(run.definition, before, events)
        self.withdrawable = check_accepted(
            run.definition, before, after, events, actor, self.withdrawable
        )
        run.case = after
        run.log.extend(events)
        assert replay(run.definition, run.log) == after
        self.accepted += 1
        return True

    def may_withdraw(self, actor: Actor, command: Withdraw) -> bool:
        w = self.withdrawable
        return (
            command.version == self.run.version
            and w is not None
            and w.by == actor.person_id
            and w.to_step == self.run.step
        )

    def finish(self, people: Sequence[Actor], team: Sequence[int], bound: int) -> int:
        """The holders do the forward thing until the archive; return how many commands."""
        run = self.run
        issued = 0
        while run.current.is_open:
            position = run.definition.position(run.step)
            actor = run.holder(people)
            for command in run.forward_commands(team):
                assert self.issue(actor, command), f"{command!r} refused at step {run.step}"
                issued += 1
                assert issued <= bound, "the forward run did not reach the archive"
            if run.current.is_open:
                assert run.definition.position(run.step) > position
        assert run.current.status is CaseStatus.ARCHIVED
        return issued


# -- random commands against the source SOP --------------------------------------------

INTENT_KINDS = (
    *["forward"] * 8,
    *["return"] * 3,
    *["withdraw"] * 2,
    "attach",
    "complete",
    "approve",
    "team",
    "archive",
    "cancel",
)
intents = st.tuples(
    st.sampled_from(INTENT_KINDS),
    st.sampled_from([*PEOPLE, *[HOLDER] * 2 * len(PEOPLE)]),
    st.integers(0, 9),  # 0: the command names the version before the current one
    st.integers(0, 99),  # picks a document, reason, team or person
)


def command_for(checked: Checked, intent: tuple[str, Actor | None, int, int]) -> list[Command]:
    kind, _, stale_roll, pick = intent
    run = checked.run
    version = run.version - 1 if stale_roll == 0 else run.version
    reasons = ("Mohon diperbaiki", "", "   ", "x" * 1001, " ada catatan ")
    match kind:
        case "forward":
            return run.forward_commands([TIM_PEOPLE[pick % 3], TIM_PEOPLE[(pick // 3) % 3]])
        case "attach":
            docs = (*UPLOADABLE, *NOT_UPLOADABLE)
            return [run.attach_cmd(docs[pick % len(docs)], file_id=pick + 1000)]
        case "complete":
            return [CompleteStep(version, "catatan" if pick % 2 else "")]
        case "approve":
            return [Approve(version)]
        case "return":
            return [ReturnForCorrection(version, reasons[pick % len(reasons)])]
        case "team":
            members = tuple(m for i, m in enumerate(TIM_PEOPLE) if pick & (1 << i))
            return [FormTeam(version, members)]
        case "archive":
            return [ArchiveCase(version, "ARSIP/1" if pick % 4 else "")]
        case "withdraw":
            return [Withdraw(version)]
        case "cancel":
            return [CancelCase(version, reasons[pick % len(reasons)])]
    raise AssertionError(kind)


def who(checked: Checked, intent: tuple[str, Actor | None, int, int]) -> Actor:
    chosen = intent[1]
    if chosen is not None:
        return chosen
    case = checked.run.current
    if intent[0] == "withdraw" and case.last_move is not None:
        return next((p for p in PEOPLE if p.person_id == case.last_move.by), KASUBAG)
    if intent[0] == "cancel":
        return ADMIN if intent[3] % 10 == 0 else KASUBAG
    try:
        return checked.run.holder(PEOPLE)
    except AssertionError:
        return PEOPLE[intent[3] % len(PEOPLE)]


def random_walk(intents_drawn: Sequence[tuple[str, Actor | None, int, int]]) -> Checked:
    checked = Checked(started())
    for intent in intents_drawn:
        if not checked.run.current.is_open:
            # A closed case refuses everything and stays as it is.
            actor = who(checked, intent)
            for command in command_for(checked, intent):
                assert not checked.issue(actor, command)
            continue
        actor = who(checked, intent)
        for command in command_for(checked, intent):
            if not checked.issue(actor, command):
                break
    return checked


@PROPERTY
@given(st.lists(intents, min_size=5, max_size=80))
def test_random_commands_by_random_people_follow_the_sop(
    drawn: list[tuple[str, Actor | None, int, int]],
) -> None:
    checked = random_walk(drawn)
    case = checked.run.current
    assert case.version == 1 + sum(e.is_move for e in checked.run.log)
    # The log alone rebuilds the case, command for command.
    assert replay(checked.run.definition, checked.run.log) == case


@PROPERTY
@given(st.lists(intents, min_size=5, max_size=80))
def test_from_any_reachable_state_the_holders_finish_the_sop(
    drawn: list[tuple[str, Actor | None, int, int]],
) -> None:
    checked = random_walk(drawn)
    if not checked.run.current.is_open:
        return
    definition = checked.run.definition
    # At most: every remaining step, each with all its uploads plus the move itself.
    bound = sum(len(s.uploads) + 1 for s in definition.steps)
    team = checked.run.current.team or (TIM_A.person_id,)
    checked.finish(PEOPLE, team, bound)


@PROPERTY
@given(st.lists(st.booleans(), max_size=40), st.integers(0, 7))
def test_returns_in_any_number_never_keep_the_sop_from_ending(
    decisions: list[bool], team_bits: int
) -> None:
    """The reviewers return as the decisions say (True = return); the rest go forward."""
    run = started()
    checked = Checked(run)
    team = tuple(m for i, m in enumerate(TIM_PEOPLE) if team_bits & (1 << i)) or (TIM_C.person_id,)
    pending = iter(decisions)
    visits = 0
    while run.current.is_open:
        visits += 1
        assert visits <= 12 * (len(decisions) + 1)
        step = run.definition.step(run.step)
        if step.is_review and next(pending, False):
            assert checked.issue(run.holder(PEOPLE), ReturnForCorrection(run.version, "ulang"))
            continue
        actor = run.holder(PEOPLE)
        for command in run.forward_commands(team):
            assert checked.issue(actor, command)
    assert run.current.status is CaseStatus.ARCHIVED
    signatures = [a for a in run.current.approvals if a.kind == "signature"]
    assert signatures and signatures[-1].step == 9


# -- any SOP the loader accepts ----------------------------------------------------------

KINDS = ("action", "review", "upload", "team")
FIRST_KINDS = ("action", "upload", "team")  # a review needs an earlier step to return to


# -- four eyes with acting officials ----------------------------------------------------

# The Kasubag acting as Kabag or Karo, members of the team acting as Kasubag or Kabag: each
# the same person as the one they are, with one role more.
ACTING_PEOPLE = (
    *PEOPLE,
    Actor(KASUBAG.person_id, frozenset({"kasubag", "kabag"}), acting={"kabag": "plh"}),
    Actor(KASUBAG.person_id, frozenset({"kasubag", "karo"}), acting={"karo": "plt"}),
    Actor(TIM_A.person_id, frozenset({"tim", "kasubag"}), acting={"kasubag": "plh"}),
    Actor(TIM_B.person_id, frozenset({"tim", "kabag"}), acting={"kabag": "plh"}),
)
acting_intents = st.tuples(
    st.sampled_from(INTENT_KINDS),
    st.sampled_from([*ACTING_PEOPLE, *ACTING_PEOPLE[-4:] * 3, *[HOLDER] * len(PEOPLE)]),
    st.integers(0, 9),
    st.integers(0, 99),
)


def author_of(definition: SopDefinition, log: Sequence[Event], step_id: int) -> int | None:
    """Who last handed in what review ``step_id`` decides, read off the log: the latest
    move into its review chain from a step before it, held by another role."""
    chain = definition.review_chain(step_id)
    for event in reversed(log):
        handed_in = (
            event.type in (EventType.COMPLETED, EventType.APPROVED)
            and not definition.step(event.step).is_review
            and event.to_step in chain
        )
        if handed_in:
            return event.actor if event.role != definition.step(step_id).actor else None
    return None


@PROPERTY
@given(st.lists(acting_intents, min_size=5, max_size=80))
def test_nobody_decides_a_review_of_what_they_handed_in_whatever_came_back_since(
    intents_drawn: list[tuple[str, Actor | None, int, int]],
) -> None:
    """Returns, withdrawals and approvals at the level below in any order: a review step is
    never approved or returned by who handed its chain the work (the proposal, the drafts)."""
    walk = Checked(started())  # commands picked as above; the withdrawal oracle is not
    run = walk.run  # role-aware (Ayu withdraws an approval she gave as Plh Kabag)
    for intent in intents_drawn:
        if not run.current.is_open:
            break
        actor = who(walk, intent)
        for command in command_for(walk, intent):
            try:
                run.do(actor, command)
            except DomainError:
                break
    log, definition = run.log, run.definition
    assert replay(definition, log) == run.current
    for k, event in enumerate(log):
        if event.type in (EventType.APPROVED, EventType.RETURNED):
            assert event.actor != author_of(definition, log[:k], event.step), event


@st.composite
def linear_sops(
    draw: st.DrawFn, min_steps: int = 2, endings: Sequence[str] = ("archive",)
) -> dict[str, Any]:
    """A random valid SOP of the standard form: steps in a line, reviews returning earlier;
    the last step of one of the kinds ``endings`` (archiving, or finishing the case)."""
    n = draw(st.integers(min_steps, 9))
    ids = sorted(draw(st.sets(st.integers(1, 99), min_size=n, max_size=n)))
    role_count = draw(st.integers(1, 4))
    roles: list[dict[str, Any]] = [
        {"id": f"r{i}", "name": f"Role {i}", **({"superior": f"r{i - 1}"} if i else {})}
        for i in range(role_count)
    ]
    roles.append({"id": "tim", "name": "Tim", "superior": "r0", "shared": True})
    role_ids = [r["id"] for r in roles]
    documents: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    have: list[str] = []
    for i, step_id in enumerate(ids):
        last = i == n - 1
        kinds = KINDS if i else FIRST_KINDS
        kind = draw(st.sampled_from(endings)) if last else draw(st.sampled_from(kinds))
        step: dict[str, Any] = {
            "id": step_id,
            "actor": draw(st.sampled_from(role_ids)),
            "kind": kind,
            "title": f"Langkah {step_id}",
            "time_minutes": draw(st.integers(1, 4800)),
            "inputs": draw(st.lists(st.sampled_from(have), unique=True)) if have else [],
        }
        if not last:
            step["on_approve"] = ids[i + 1]
        if kind == "review":
            step["on_return"] = ids[draw(st.integers(0, i - 1))]
            if draw(st.booleans()):
                step["approval"] = draw(st.sampled_from(["paraf", "signature"]))
        if kind == "upload" or (kind == "action" and draw(st.booleans())):
            uploads = [f"u{step_id}_{k}" for k in range(draw(st.integers(1, 3)))]
            for k, doc in enumerate(uploads):
                documents[doc] = {"name": doc, "source": "upload", "optional": k == 2}
            step["uploads"] = uploads
            have += uploads
        if kind in ("team", "review") and draw(st.booleans()):
            paper = f"g{step_id}"
            documents[paper] = {"name": paper, "source": "generated", "paper": paper}
            documents[f"{paper}_final"] = {"name": f"{paper} final", "same_as": paper}
            step["outputs"] = [paper]
            have += [paper, f"{paper}_final"]
        steps.append(step)
    sop_header = {"code": "sop-acak", "number": "1", "name": "SOP acak"}
    return {"sop": sop_header, "roles": roles, "documents": documents, "steps": steps}


def people_for(definition: SopDefinition) -> tuple[list[Actor], tuple[int, ...]]:
    people = [person(100 + i, r.id) for i, r in enumerate(definition.roles)]
    team_ids = (200, 201)
    people += [person(pid, *(r.id for r in definition.roles if r.shared)) for pid in team_ids]
    return people, team_ids


def drive(
    definition: SopDefinition, decisions: Sequence[bool], *, allow_stuck: bool = False
) -> Checked | None:
    """Start a case and let its holders finish it, returning at reviews as decided."""
    people, team = people_for(definition)
    run = Run(definition)
    run.start(next(p for p in people if definition.first_step.actor in p.roles))
    checked = Checked(run)
    pending = iter(decisions)
    moves = 0
    bound = len(definition.steps) * (len(decisions) + 1)
    while run.current.is_open:
        moves += 1
        if moves > bound:
            assert allow_stuck, "the holders never reached the end"
            return None
        step = definition.step(run.step)
        actor = run.holder(people)
        if step.is_review and next(pending, False):
            assert checked.issue(actor, ReturnForCorrection(run.version, "perbaiki"))
            continue
        for command in run.forward_commands(team):
            assert checked.issue(actor, command), f"{command!r} refused at step {step.id}"
    last = definition.step(run.step)
    ended = CaseStatus.ARCHIVED if last.kind is StepKind.ARCHIVE else CaseStatus.COMPLETED
    assert last.ends and run.current.status is ended
    return checked


@PROPERTY
@given(linear_sops(), st.lists(st.booleans(), max_size=20))
def test_any_linear_sop_is_accepted_and_its_holders_reach_the_archive(
    raw: dict[str, Any], decisions: list[bool]
) -> None:
    definition = parse_definition(raw)
    assert [s.id for s in definition.steps] == [s["id"] for s in raw["steps"]]
    checked = drive(definition, decisions)
    assert checked is not None
    moves = [e for e in checked.run.log if e.is_move]
    forward = [e for e in moves if e.type is not EventType.RETURNED]
    assert moves[-1].type is EventType.ARCHIVED
    assert len(forward) >= len(definition.steps)


@PROPERTY
@given(
    linear_sops(endings=("action", "upload", "review")),
    st.lists(st.booleans(), max_size=20),
)
def test_any_linear_sop_ending_otherwise_than_in_archiving_is_finished_by_its_holders(
    raw: dict[str, Any], decisions: list[bool]
) -> None:
    """An SOP whose last step is an action, an upload or a review: the loader accepts it,
    and the completion or approval of that step finishes the case, unfiled."""
    definition = parse_definition(raw)
    assert definition.steps[-1].finishes
    checked = drive(definition, decisions)
    assert checked is not None
    case, moves = checked.run.current, [e for e in checked.run.log if e.is_move]
    assert (case.status, case.archive_reference, case.step) == (
        CaseStatus.COMPLETED,
        None,
        definition.steps[-1].id,
    )
    assert moves[-1].type in (EventType.COMPLETED, EventType.APPROVED)
    assert moves[-1].to_step is None
    assert replay(definition, checked.run.log) == case


@st.composite
def rewired_sops(draw: st.DrawFn) -> dict[str, Any]:
    """A linear SOP whose approval skips some steps that a later review returns to.

    Optionally the review then "approves" backwards while the last skipped step approves past
    it: every step stays reachable and has a path to the end, but not every way through holds
    the documents, or ends.
    """
    raw = draw(linear_sops(min_steps=4))
    steps = raw["steps"]
    ids = [s["id"] for s in steps]
    n = len(steps)
    i = draw(st.integers(0, n - 3))
    j = draw(st.integers(i + 2, n - 1))
    steps[i]["on_approve"] = ids[j]
    if j < n - 1:
        k = draw(st.integers(j, n - 2))
        steps[k].update(kind="review", on_return=ids[i + 1])
        if draw(st.booleans()):
            steps[k]["on_approve"] = ids[draw(st.integers(0, k - 1))]
            steps[j - 1]["on_approve"] = ids[k + 1]
    return raw


@PROPERTY
@given(rewired_sops(), st.lists(st.booleans(), max_size=20))
def test_an_sop_the_loader_accepts_never_strands_its_holders(
    raw: dict[str, Any], decisions: list[bool]
) -> None:
    try:
        definition = parse_definition(raw)
    except DefinitionError as error:
        assert error.problems
        return
    drive(definition, decisions)
