"""Shared helpers for the workflow-core tests: the real SOP, its people and a case runner.

The runner keeps the case and its event log together, so every test can also check that the
log replays to the same case.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from bot.core.definition import SopDefinition, StepKind
from bot.core.loader import load_definition
from bot.core.model import (
    Actor,
    Approve,
    ArchiveCase,
    AttachFile,
    CancelCase,
    Case,
    Command,
    CompleteStep,
    DomainError,
    Event,
    FormTeam,
    NotHolder,
    ReturnForCorrection,
    StartCase,
    Withdraw,
)
from bot.core.workflow import apply_all, decide, holder_role, missing_inputs, replay

ROOT = Path(__file__).resolve().parents[1]
SOP_PATH = ROOT / "sops" / "penyusunan-program-kerja.toml"
SOP_CODE = "ppk-rkakl-pk"
T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


@cache
def _raw_sop() -> dict[str, Any]:
    with SOP_PATH.open("rb") as f:
        return tomllib.load(f)


def raw_sop() -> dict[str, Any]:
    """A fresh, freely breakable copy of the source SOP as parsed TOML."""
    return copy.deepcopy(_raw_sop())


@cache
def sop() -> SopDefinition:
    return load_definition(SOP_PATH)


def person(person_id: int, *roles: str, admin: bool = False) -> Actor:
    return Actor(person_id, frozenset(roles), is_admin=admin)


# The officials of one bureau. Tim A and Tim B are named in the SK; Tim C holds the Tim role
# but is left out of this case's team.
KASUBAG = person(1, "kasubag")
KABAG = person(2, "kabag")
KARO = person(3, "karo")
TIM_A = person(4, "tim")
TIM_B = person(5, "tim")
TIM_C = person(6, "tim")
FUNGSIONAL = person(7, "fungsional_umum")
PLT_KABAG = person(8, "kasubag", "kabag")  # Kasubag who is also acting (Plt) Kabag
ADMIN = person(90, admin=True)
OUTSIDER = person(99)

PEOPLE: tuple[Actor, ...] = (
    KASUBAG,
    KABAG,
    KARO,
    TIM_A,
    TIM_B,
    TIM_C,
    FUNGSIONAL,
    PLT_KABAG,
    ADMIN,
    OUTSIDER,
)
TEAM = (TIM_A.person_id, TIM_B.person_id)


@dataclass
class Run:
    """One case driven command by command, with its event log and a ticking clock."""

    definition: SopDefinition
    case: Case | None = None
    log: list[Event] = field(default_factory=list)
    clock: datetime = T0
    next_file_id: int = 1

    @property
    def current(self) -> Case:
        assert self.case is not None
        return self.case

    @property
    def step(self) -> int:
        return self.current.step

    @property
    def version(self) -> int:
        return self.current.version

    def decide(self, actor: Actor, command: Command) -> list[Event]:
        self.clock += timedelta(minutes=7)
        # the latest move into a step, as the shell reads it from the case's events
        arrival = next((e for e in reversed(self.log) if e.to_step is not None), None)
        return decide(self.definition, self.case, command, actor, self.clock, arrival)

    def do(self, actor: Actor, command: Command) -> list[Event]:
        events = self.decide(actor, command)
        self.case = apply_all(self.definition, self.case, events)
        self.log.extend(events)
        return events

    def refuse(self, actor: Actor, command: Command) -> DomainError:
        """Issue a command that must be refused; check it changed nothing."""
        before, log_length = self.case, len(self.log)
        try:
            self.decide(actor, command)
        except DomainError as error:
            assert self.case == before
            assert len(self.log) == log_length
            return error
        raise AssertionError(f"{command!r} by {actor!r} was accepted")

    # -- commands against the current version ------------------------------------------

    def start(self, actor: Actor = KASUBAG, *, year: int = 2026, title: str = "") -> list[Event]:
        return self.do(
            actor,
            StartCase(1, self.definition.code, "biro-pmk", title or f"PK Biro {year}", year),
        )

    def attach(self, actor: Actor, doc: str, name: str = "") -> list[Event]:
        file_id = self.next_file_id
        self.next_file_id += 1
        return self.do(actor, self.attach_cmd(doc, file_id=file_id, name=name))

    def attach_cmd(self, doc: str, *, file_id: int = 0, name: str = "") -> AttachFile:
        return AttachFile(self.version, doc, file_id, f"{file_id:064x}", name or f"{doc}.pdf")

    def complete(self, actor: Actor, note: str = "") -> list[Event]:
        return self.do(actor, CompleteStep(self.version, note))

    def approve_cmd(self, note: str = "") -> Approve:
        return Approve(self.version, note)

    def return_cmd(self, reason: str) -> ReturnForCorrection:
        return ReturnForCorrection(self.version, reason)

    def approve(self, actor: Actor, note: str = "") -> list[Event]:
        return self.do(actor, Approve(self.version, note))

    def send_back(self, actor: Actor, reason: str) -> list[Event]:
        return self.do(actor, ReturnForCorrection(self.version, reason))

    def form_team(self, actor: Actor, members: Sequence[int] = TEAM) -> list[Event]:
        return self.do(actor, FormTeam(self.version, tuple(members)))

    def archive(self, actor: Actor, reference: str = "ARS/2026/001") -> list[Event]:
        return self.do(actor, ArchiveCase(self.version, reference))

    def withdraw(self, actor: Actor) -> list[Event]:
        return self.do(actor, Withdraw(self.version))

    def cancel(self, actor: Actor, reason: str) -> list[Event]:
        return self.do(actor, CancelCase(self.version, reason))

    def replayed(self) -> Case:
        return replay(self.definition, self.log)

    # -- the holder doing the forward thing --------------------------------------------

    def holder(self, people: Iterable[Actor]) -> Actor:
        for actor in people:
            try:
                holder_role(self.definition, self.current, actor)
            except NotHolder:
                continue
            return actor
        raise AssertionError(f"nobody holds step {self.step}")

    def forward_commands(self, team: Sequence[int]) -> list[Command]:
        """What the holder issues to move the current step on: missing uploads, then the move."""
        case = self.current
        step = self.definition.step(case.step)
        uploads = {self.definition.canonical(d) for d in step.uploads}
        commands: list[Command] = []
        for doc in missing_inputs(self.definition, case, step):
            canonical = self.definition.canonical(doc)
            if canonical in uploads:
                file_id = self.next_file_id
                self.next_file_id += 1
                commands.append(self.attach_cmd(canonical, file_id=file_id))
        version = case.version
        match step.kind:
            case StepKind.ACTION | StepKind.UPLOAD:
                commands.append(CompleteStep(version))
            case StepKind.REVIEW:
                commands.append(Approve(version))
            case StepKind.TEAM:
                commands.append(FormTeam(version, tuple(team)))
            case StepKind.ARCHIVE:
                commands.append(ArchiveCase(version, "ARSIP/001"))
        return commands

    def forward(self, people: Iterable[Actor], team: Sequence[int] = TEAM) -> list[Event]:
        """The current holder moves the step on (attaching what the step still needs)."""
        actor = self.holder(people)
        events: list[Event] = []
        for command in self.forward_commands(team):
            events += self.do(actor, command)
        return events


def started(definition: SopDefinition | None = None) -> Run:
    run = Run(definition or sop())
    run.start()
    return run


def run_to(step_id: int, *, team: Sequence[int] = TEAM) -> Run:
    """A case of the source SOP moved forward by its holders until it stands at ``step_id``."""
    run = started()
    while run.step != step_id:
        run.forward(PEOPLE, team)
    return run
