"""Cases, commands, events and domain errors: the vocabulary of the workflow core.

A *case* is one run of an SOP. Commands ask for a change; :func:`bot.core.workflow.decide`
turns a command into events (or raises a :class:`DomainError`); :func:`bot.core.workflow.apply`
folds events into the case. The event log is the truth: replaying it rebuilds the case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CaseStatus(StrEnum):
    """Where a case stands. A case ends in one of three ways: ``archived`` at an archive
    step, filed under an archive number; ``completed`` at the last step of an SOP that ends
    otherwise ("Menyampaikan surat jawaban kepada pemohon", "Menandatangani laporan"), its
    holder's completion or approval finishing it, with no number; ``cancelled`` by an
    administrator."""

    OPEN = "open"
    ARCHIVED = "archived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Actor:
    """Who issues a command: a person and the roles they hold in the case's unit.

    ``acting`` names the roles (among ``roles``) held only as an acting official, by
    mandat, with the kind of appointment: ``{"karo": "plh"}``."""

    person_id: int
    roles: frozenset[str]
    is_admin: bool = False
    acting: Mapping[str, str] = field(default_factory=dict)

    def acting_as(self, role: str) -> str | None:
        """ "plh" or "plt" when the person holds ``role`` only as an acting official."""
        return self.acting.get(role)


@dataclass(frozen=True)
class Attachment:
    doc: str  # canonical document id
    file_id: int  # storage id of the file row
    version: int
    sha256: str
    name: str
    by: int
    step: int = 0  # the step it was attached at (0: unknown, a case stored before)


@dataclass(frozen=True)
class Approval:
    step: int
    kind: str  # "paraf" | "signature"
    by: int
    role: str
    at: datetime
    acting: str = ""  # "plh" | "plt" when given by an acting official


@dataclass(frozen=True)
class EarlierPart:
    """What a person did earlier in the work a review step reviews, which four eyes would
    keep them from deciding it for (``bot.core.workflow.four_eyes_set_aside``)."""

    step: int
    # "paraf" | "signature" | "approved" (a review level) | "handed_in" | "uploaded"
    did: str
    role: str  # the role of that step
    acting: str = ""  # "plh" | "plt" when done as an acting official (as the case knows it)

    def as_data(self) -> dict[str, Any]:
        """As an event's data keeps it."""
        data: dict[str, Any] = {"step": self.step, "did": self.did, "role": self.role}
        if self.acting:
            data["acting"] = self.acting
        return data

    @classmethod
    def of_data(cls, data: Mapping[str, Any]) -> EarlierPart:
        return cls(
            int(data["step"]), str(data["did"]), str(data["role"]), str(data.get("acting", ""))
        )


@dataclass(frozen=True)
class Move:
    """The last forward move, kept so its author can withdraw it before anyone acts."""

    by: int
    from_step: int
    to_step: int
    version: int


@dataclass(frozen=True)
class Case:
    id: int
    sop_code: str
    unit: str
    title: str
    fiscal_year: int
    status: CaseStatus
    step: int
    version: int
    started_by: int
    opened_at: datetime
    step_entered_at: datetime
    files: tuple[Attachment, ...] = ()
    produced: frozenset[str] = frozenset()
    team: tuple[int, ...] = ()
    approvals: tuple[Approval, ...] = ()
    last_move: Move | None = None
    archive_reference: str | None = None
    closed_at: datetime | None = None
    revision: str = ""  # of the SOP definition the case started with (and keeps)
    reviewers: tuple[tuple[int, int], ...] = ()  # (review step, person) of standing approvals
    # (step, person): who handed the work a review chain reviews in, from the step before
    # the chain (the proposal at step 1, the drafts at step 6); one per chain, the latest.
    # Returns, withdrawals and approvals inside the chain keep it (four eyes).
    handed_in: tuple[tuple[int, int], ...] = ()
    # (step, person): who last acted at each step, in the step's role (made a move from it:
    # completed, approved, returned, archived). A step of a shared role that is not the
    # case's team is theirs when the case comes back to it (workflow.step_owner).
    took: tuple[tuple[int, int], ...] = ()

    def latest(self, doc: str) -> Attachment | None:
        found = None
        for attachment in self.files:
            if attachment.doc == doc and (found is None or attachment.version > found.version):
                found = attachment
        return found

    def latest_files(self) -> tuple[Attachment, ...]:
        docs = dict.fromkeys(a.doc for a in self.files)
        return tuple(a for d in docs if (a := self.latest(d)) is not None)

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN


# -- commands ----------------------------------------------------------------------------
# Every command but StartCase names the case version it was issued against; a command
# against an older version is refused (the step has moved on since).


@dataclass(frozen=True)
class StartCase:
    case_id: int
    sop_code: str
    unit: str
    title: str
    fiscal_year: int


@dataclass(frozen=True)
class AttachFile:
    version: int
    doc: str
    file_id: int
    sha256: str
    name: str


@dataclass(frozen=True)
class CompleteStep:
    """Submit (step 1), forward (action steps) or hand in the drafts (upload steps); at the
    last step of an SOP that does not end in archiving, finish the case."""

    version: int
    note: str = ""


@dataclass(frozen=True)
class Approve:
    version: int
    note: str = ""


@dataclass(frozen=True)
class ReturnForCorrection:
    version: int
    reason: str


@dataclass(frozen=True)
class FormTeam:
    version: int
    members: tuple[int, ...]
    note: str = ""


@dataclass(frozen=True)
class ArchiveCase:
    version: int
    reference: str


@dataclass(frozen=True)
class Withdraw:
    version: int


@dataclass(frozen=True)
class CancelCase:
    version: int
    reason: str


@dataclass(frozen=True)
class ReplaceTeamMember:
    """An administrator passed a team member's role on (``/alihkan tim``): the new holder
    takes the old one's place in the case's team (or the place goes, when the new holder
    is a member already)."""

    version: int
    old: int
    new: int


@dataclass(frozen=True)
class PassSteps:
    """An administrator took a shared role from ``old`` (``/cabut``: ``new`` is None) or
    passed it on to ``new`` (``/alihkan``): the steps of the role that were ``old``'s for
    the case (they acted at them last) become every holder's again, or ``new``'s. The
    first step stays with whoever started the case (their own application)."""

    version: int
    role: str
    old: int
    new: int | None


@dataclass(frozen=True)
class CorrectArchiveReference:
    """An administrator corrects the number an archived case was filed under (``/ubah_arsip``:
    a number mistyped at step 12), with the reason; the record keeps both numbers."""

    version: int
    reference: str
    reason: str


Command = (
    StartCase
    | AttachFile
    | CompleteStep
    | Approve
    | ReturnForCorrection
    | FormTeam
    | ArchiveCase
    | Withdraw
    | CancelCase
    | ReplaceTeamMember
    | PassSteps
    | CorrectArchiveReference
)


# -- events ------------------------------------------------------------------------------


class EventType(StrEnum):
    STARTED = "started"
    FILE_ATTACHED = "file_attached"
    COMPLETED = "completed"
    APPROVED = "approved"
    RETURNED = "returned"
    TEAM_FORMED = "team_formed"
    TEAM_CHANGED = "team_changed"  # a member's place passed on; not a move
    STEPS_PASSED = "steps_passed"  # a shared role's steps a person had, released; not a move
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    # an archived case's number corrected by an administrator (old, new, reason); not a move
    ARCHIVE_CORRECTED = "archive_corrected"


MOVES = frozenset(
    {
        EventType.COMPLETED,
        EventType.APPROVED,
        EventType.RETURNED,
        EventType.ARCHIVED,
        EventType.WITHDRAWN,
        EventType.CANCELLED,
    }
)
"""Events that move the case to another step (or close it): each bumps the version."""


@dataclass(frozen=True)
class Event:
    """One entry of the append-only case log.

    ``step`` is where the case was when it happened; ``to_step`` where it went (moves only;
    None for a move that closes the case: an archiving, a cancellation, or the completion
    or approval of a last step that is no archive step, which finishes it).
    ``data`` carries the type-specific rest (title, file, team, approval kind) as plain JSON.
    """

    type: EventType
    case_id: int
    actor: int
    role: str
    at: datetime
    step: int
    to_step: int | None = None
    reason: str = ""
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_move(self) -> bool:
        return self.type in MOVES

    @property
    def people(self) -> tuple[int, ...]:
        """Whom the event names: its actor, and the people a team change or a role passed
        on swapped."""
        if self.type is EventType.TEAM_CHANGED:
            return (self.actor, int(self.data["left"]), int(self.data["joined"]))
        if self.type is EventType.STEPS_PASSED:
            joined = self.data.get("joined")
            return (self.actor, int(self.data["left"]), *([int(joined)] if joined else []))
        return (self.actor,)


@dataclass(frozen=True)
class NamesAt:
    """The names a case's record shows people by, each as it stood at a moment: a person
    who corrected their profile since is named, for what they did before, by the profile in
    force then (the earliest earlier one replaced after that moment), else by today's."""

    current: Mapping[int, str]
    earlier: Mapping[int, Sequence[tuple[datetime, str]]] = field(default_factory=dict)
    """A person's earlier names, oldest first, each with when it was replaced."""

    def at(self, person: int, moment: datetime) -> str | None:
        for until, name in self.earlier.get(person, ()):
            if until > moment:
                return name
        return self.current.get(person)


# -- errors ------------------------------------------------------------------------------


class DomainError(Exception):
    """A command refused by the rules. ``code`` selects the user-facing text."""

    code = "refused"

    def __init__(self, detail: str = "", **params: Any) -> None:
        self.detail = detail
        self.params = params
        super().__init__(detail or self.code)


class StaleVersion(DomainError):
    code = "stale"


class NotHolder(DomainError):
    code = "not_holder"


class RoleGone(DomainError):
    """A move is taken back only in the role it was made in, by someone who holds it now."""

    code = "role_gone"


class WrongStepKind(DomainError):
    code = "wrong_kind"


class MissingInputs(DomainError):
    code = "missing_inputs"


class ReasonRequired(DomainError):
    code = "reason_required"


class BadArchiveReference(DomainError):
    """An archive number is one line of 3 to 100 characters with a digit in it ("x" was
    taken as one)."""

    code = "archive_reference"


class ArchiveReferenceUsed(DomainError):
    """Another case was filed under this archive number (``reference``, ``case``): two
    files under one number could not be told apart in the archive."""

    code = "archive_reference_used"


class NotArchived(DomainError):
    """Only an archived case's number can be corrected (an open case is archived at its
    step 12, a cancelled one has none)."""

    code = "not_archived"


class ArchiveReferenceSame(DomainError):
    """The corrected number is the number the case is filed under already."""

    code = "archive_reference_same"


class TextTooLong(DomainError):
    code = "too_long"


class CaseClosed(DomainError):
    code = "closed"


class NotAllowed(DomainError):
    code = "not_allowed"


class NothingToWithdraw(NotAllowed):
    """/tarik (or Tarik kembali) with no move of the person's own still waiting at the next
    step: they did not make the last move, or its next holder has acted on it already."""

    code = "nothing_to_withdraw"


class InvalidValue(DomainError):
    code = "invalid"


class DefinitiveOnly(DomainError):
    """An acting official (Plh/Plt) may not decide a strategic step (UU 30/2014 Pasal 14)."""

    code = "definitive_only"


class FourEyes(DomainError):
    """One person never decides two review levels of the same case."""

    code = "four_eyes"
