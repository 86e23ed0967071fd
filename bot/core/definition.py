"""The SOP definition: roles, documents and steps as immutable data.

A definition is built by :mod:`bot.core.loader` from a TOML file and never changes while
the bot runs. Everything the workflow does is read from it; no step is special-cased in code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

# a step's number rides on every button of its task (callback data of 64 bytes at most)
MAX_STEP_ID = 9999


class StepKind(StrEnum):
    ACTION = "action"
    REVIEW = "review"
    TEAM = "team"
    UPLOAD = "upload"
    ARCHIVE = "archive"


class DocumentSource(StrEnum):
    UPLOAD = "upload"
    GENERATED = "generated"


class Mandate(StrEnum):
    """Who may decide a step. An acting official (Plh, Plt) acts by mandat and may not take
    decisions that are strategic and change legal status in organisation, staffing or budget
    allocation (UU No. 30 Tahun 2014 Pasal 14 ayat (7); SE BKN No. 1/SE/I/2021): such a step
    is ``definitive_only``."""

    ANY = "any"
    DEFINITIVE_ONLY = "definitive_only"


class ApprovalKind(StrEnum):
    PARAF = "paraf"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    title: str
    superior: str | None = None
    shared: bool = False


class RoleBook(Protocol):
    """Where role names are looked up: one SOP, or every SOP a deployment runs."""

    @property
    def roles(self) -> Sequence[Role]: ...

    def role(self, role_id: str) -> Role: ...

    def has_role(self, role_id: str) -> bool: ...


@dataclass(frozen=True)
class Document:
    id: str
    name: str
    source: DocumentSource | None = None
    same_as: str | None = None
    optional: bool = False
    paper: str | None = None


@dataclass(frozen=True)
class Blank:
    """A blank draft of the SOP's own (``[blanks.<id>]``): a paper the bot hands the holder
    of a step that names it in ``templates``, filled like the registered blank drafts
    (letterhead, case, who signs, the date). ``template`` is a .docx file name, looked up
    in the office's templates folder, then among the shipped templates."""

    id: str
    title: str  # what the paper is called: "Kerangka Konsep SPP-LS"
    template: str  # "konsep_spp.docx"


@dataclass(frozen=True)
class Step:
    id: int
    actor: str
    kind: StepKind
    title: str
    activity: str
    inputs: tuple[str, ...]
    uploads: tuple[str, ...]
    outputs: tuple[str, ...]
    time_minutes: int
    on_approve: int | None = None
    on_return: int | None = None
    approval: ApprovalKind | None = None
    related_sop: str | None = None
    papers: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    mandate: Mandate = Mandate.ANY
    # Team steps only: the duties of the team the step forms, as the SK Tim lists them
    # (Diktum KEDUA), one line each without closing punctuation. Empty: the paper derives
    # them from the steps the team acts in (bot.paperwork.derived_team_duties).
    team_duties: tuple[str, ...] = ()
    # Team steps only: the shared role whose holders the step picks the team among, the
    # role its members hold for the case (``team = "<role>"``; the SOP's only shared role
    # when the file does not say)
    team: str | None = None
    # Review steps only: documents under review that the holder may hand in corrected
    # himself, never required for an approval ("dikembalikan kepada Kabag MK untuk
    # diperbaiki": a return brings the case back to him to correct, not only to decide)
    corrects: tuple[str, ...] = ()

    @property
    def accepts(self) -> tuple[str, ...]:
        """The documents the holder may send at this step: its uploads, then the ones it
        corrects."""
        return tuple(dict.fromkeys((*self.uploads, *self.corrects)))

    @property
    def is_review(self) -> bool:
        return self.kind is StepKind.REVIEW

    @property
    def ends(self) -> bool:
        """Whether the step ends the SOP: an archive step, or the last step of an SOP that
        ends otherwise (no ``on_approve``), whose completion or approval finishes the case."""
        return self.on_approve is None

    @property
    def finishes(self) -> bool:
        """Whether completing or approving the step finishes the case without an archive
        number: a last step that is no archive step."""
        return self.on_approve is None and self.kind is not StepKind.ARCHIVE

    @property
    def definitive_only(self) -> bool:
        return self.mandate is Mandate.DEFINITIVE_ONLY


BUDGET_YEAR = "Tahun Anggaran"


@dataclass(frozen=True)
class SopHeader:
    code: str
    number: str
    name: str
    organisation: tuple[str, ...] = ()
    approved_by: str = ""
    approval_date: str = ""
    revision_date: str = ""
    legal_basis: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    related_sops: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    warning: str = ""
    record_keeping: str = ""
    # what the year every case names is called: a budget's by default, an SOP for incoming
    # letters may say "Tahun"
    year_label: str = BUDGET_YEAR


@dataclass(frozen=True)
class SopDefinition:
    header: SopHeader
    roles: tuple[Role, ...]
    documents: tuple[Document, ...]
    steps: tuple[Step, ...]
    blanks: tuple[Blank, ...] = ()
    revision: str = field(default="", compare=False)
    source_text: str = field(default="", compare=False, repr=False)
    _roles: Mapping[str, Role] = field(init=False, repr=False, compare=False)
    _documents: Mapping[str, Document] = field(init=False, repr=False, compare=False)
    _steps: Mapping[int, Step] = field(init=False, repr=False, compare=False)
    _blanks: Mapping[str, Blank] = field(init=False, repr=False, compare=False)
    _chains: Mapping[int, frozenset[int]] = field(init=False, repr=False, compare=False)
    _team_roles: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_roles", {r.id: r for r in self.roles})
        object.__setattr__(self, "_documents", {d.id: d for d in self.documents})
        object.__setattr__(self, "_steps", {s.id: s for s in self.steps})
        object.__setattr__(self, "_blanks", {b.id: b for b in self.blanks})
        chains = {s.id: self._review_chain(s.id) for s in self.steps if s.is_review}
        object.__setattr__(self, "_chains", chains)
        teams = frozenset(s.team for s in self.steps if s.kind is StepKind.TEAM and s.team)
        object.__setattr__(self, "_team_roles", teams)  # asked on every routing of a step

    @property
    def code(self) -> str:
        return self.header.code

    @property
    def first_step(self) -> Step:
        return self.steps[0]

    def step(self, step_id: int) -> Step:
        return self._steps[step_id]

    def has_step(self, step_id: int) -> bool:
        return step_id in self._steps

    def role(self, role_id: str) -> Role:
        return self._roles[role_id]

    def has_role(self, role_id: str) -> bool:
        return role_id in self._roles

    def document(self, doc_id: str) -> Document:
        return self._documents[doc_id]

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self._documents

    def blank(self, blank_id: str) -> Blank:
        return self._blanks[blank_id]

    def has_blank(self, blank_id: str) -> bool:
        return blank_id in self._blanks

    def canonical(self, doc_id: str) -> str:
        """The document a name stands for: `rencana_kerja` is the approved `konsep_rencana_kerja`."""
        seen: set[str] = set()
        while (same := self._documents[doc_id].same_as) is not None and doc_id not in seen:
            seen.add(doc_id)
            doc_id = same
        return doc_id

    def names_in(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """The name each document goes by where ``doc_ids`` (a step's inputs) list it, by
        the document it stands for: at step 12 the signed `draf_program_kerja` is
        "Program Kerja", its input's name, not the draft it was uploaded as."""
        names: dict[str, str] = {}
        for doc_id in doc_ids:
            names.setdefault(self.canonical(doc_id), self._documents[doc_id].name)
        return names

    def superior_of(self) -> dict[str, str | None]:
        return {r.id: r.superior for r in self.roles}

    def position(self, step_id: int) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    @property
    def numbered_in_order(self) -> bool:
        """Whether the steps' ids are 1..N in file order: then "Langkah 2 dari 6" says
        where a step stands; otherwise a step is named by its id alone (the SOP's own
        number, as every text names it)."""
        return all(s.id == i for i, s in enumerate(self.steps, start=1))

    def step_label(self, step_id: int, *, of_total: bool = False) -> str:
        """ "Langkah 7" (the SOP's own number for the step, as the ids say), with "dari 12"
        when ``of_total`` and the numbers count the steps in order."""
        total = f" dari {len(self.steps)}" if of_total and self.numbered_in_order else ""
        return f"Langkah {step_id}{total}"

    def team_step(self, step_id: int | None = None) -> Step | None:
        """The team step meant: step ``step_id`` if it is one, else the SOP's first team step
        (None: the SOP forms no team)."""
        if step_id is not None and step_id in self._steps:
            step = self._steps[step_id]
            if step.kind is StepKind.TEAM:
                return step
        return next((s for s in self.steps if s.kind is StepKind.TEAM), None)

    def team_role(self, step_id: int | None = None) -> Role | None:
        """The role a team step forms (its ``team``): its members are picked among the
        role's holders and hold the role's steps for the case, they alone. ``step_id``: a
        team step, else the SOP's first team step is meant (None: no team step)."""
        step = self.team_step(step_id)
        if step is None or step.team is None or step.team not in self._roles:
            return None
        return self._roles[step.team]

    @property
    def team_roles(self) -> frozenset[str]:
        """The roles the SOP's team steps form: a case's team narrows these, no other."""
        return self._team_roles

    @property
    def norm_minutes(self) -> int:
        """Norma Waktu: the sum of the steps' time norms (one pass, returns excluded)."""
        return sum(s.time_minutes for s in self.steps)

    def with_step_times(self, minutes_by_step: Mapping[int, int]) -> SopDefinition:
        """A copy with some steps' time norms replaced (a deployment's config overrides)."""
        steps = tuple(
            replace(s, time_minutes=minutes_by_step.get(s.id, s.time_minutes)) for s in self.steps
        )
        return replace(self, steps=steps)

    def review_chain(self, step_id: int) -> frozenset[int]:
        """The review steps that review the same thing one level after another (steps 2-3
        review the proposal, 7-8-9 the drafts): review steps joined by approvals."""
        return self._chains.get(step_id, frozenset())

    def _review_chain(self, step_id: int) -> frozenset[int]:
        chain = {step_id}
        grew = True
        while grew:
            grew = False
            for s in self.steps:
                if not s.is_review or s.on_approve is None:
                    continue
                nxt = self._steps.get(s.on_approve)
                if nxt is None or not nxt.is_review:
                    continue
                if (s.id in chain) != (nxt.id in chain):
                    chain |= {s.id, nxt.id}
                    grew = True
        return frozenset(chain) if self._steps[step_id].is_review else frozenset()
