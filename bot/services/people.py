"""People and roles: invitations, the profile dialogue, role administration.

Each method is one trip to the database (one transaction); handlers answer afterwards.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot import texts as t
from bot.clock import Clock
from bot.config import Config, PersonConfig
from bot.core.definition import SopDefinition
from bot.core.model import Case, PassSteps, ReplaceTeamMember
from bot.core.nip import bare_nip, is_nip
from bot.core.workflow import passable_steps, second_roles
from bot.services import acting, effects, routing
from bot.services.cases import CaseService, asked_by, claim
from bot.services.registry import SopRegistry
from storage import repo
from storage.db import Database, Tx

log = logging.getLogger(__name__)

INVITE_LIFETIME = timedelta(hours=72)


@dataclass(frozen=True)
class Profile:
    person: repo.Person
    roles: frozenset[str]
    is_admin: bool
    acting: tuple[repo.Appointment, ...] = ()  # appointments in force or to come

    @property
    def complete(self) -> bool:
        return self.person.complete


@dataclass(frozen=True)
class Revoked:
    name: str  # the person's, as shown
    tasks: int  # the role's tasks that waited (they lose their buttons in the person's chat)
    vacant: bool  # no one holds the role now: its tasks wait for the next holder
    waiting: int = 0  # the role's tasks nobody holds now (an acting official holds the rest)
    acting: repo.Appointment | None = None  # the acting official in force, if any
    # the cases waiting at a team step of the role whose team has no member left who holds
    # it: only /alihkan of the person's place in the team moves them on
    stranded: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reassigned:
    """/alihkan: ``ok``, ``already`` (the new person holds the role: the same person, or a
    second holder of a shared role) or ``not_holder`` (the old one does not hold it)."""

    status: str
    name: str  # the new holder's (for ``not_holder``: the old one's) name, as shown
    old_name: str = ""
    tasks: int = 0
    # the new holder's appointment to act in the role, ended: they hold it themselves now
    acting_ended: repo.Appointment | None = None
    started: bool = True  # the new holder has pressed Start (else the bot cannot write to them)
    # the old holder has pressed Start: else their notice waits until they do
    old_started: bool = True
    # the old one held the role: else (a revoked member's team places) they are not told
    old_held: bool = True
    # the new one held the (shared) role already: ``tasks`` counts only those new to them
    held_before: bool = False
    # the other roles the new holder holds in the same review chain (:meth:`second_roles`)
    second: tuple[dict[str, Any], ...] = ()


def _changes(before: repo.Person, after: repo.Person) -> str:
    """What a correction changed, a line a field: "Nama: Wulan Sarii → Wulan Sari" (HTML)."""
    lines = [
        t.FIX_CHANGE.format(label=label, old=t.e(old or "-"), new=t.e(new or "-"))
        for label, old, new in (
            (t.FIX_LABELS["name"], before.name, after.name),
            (t.FIX_LABELS["nip"], before.nip, after.nip),
            (t.FIX_LABELS["position"], before.position, after.position),
        )
        if old != new
    ]
    return "\n".join(lines) or t.FIX_UNCHANGED


def _started(tx: Tx, person_id: int) -> bool:
    """Whether the person has pressed Start: Telegram refuses the bot's messages to them
    until they do (the refused ones go again then: :func:`repo.requeue_refused`)."""
    person = repo.get_person(tx, person_id)
    return person is not None and person.started_bot


def name_of(tx: Tx, person_id: int) -> str:
    person = repo.get_person(tx, person_id)
    return person.display if person is not None else f"ID {person_id}"


@dataclass(frozen=True)
class StartResult:
    invited_role: str | None  # the role an invitation bound, if any
    invite_invalid: bool
    profile: Profile | None  # None: not registered
    asks_profile: bool
    held: bool = False  # not registered, but held a role here before
    # the invited single-holder role passed from these holders (names, as shown), with
    # this many of its waiting tasks
    passed_from: tuple[str, ...] = ()
    passed_tasks: int = 0
    # those of them who never pressed Start: their notice waits until they do
    passed_not_told: tuple[str, ...] = ()
    # more than LISTED_ABOVE tasks: listed in a notice of their own that follows the welcome
    passed_listed: bool = False
    # rows were queued for them (what was refused meanwhile, the tasks an invitation
    # passed): the caller wakes the outbox once its welcome is sent, which comes first
    queued: bool = False
    # the invitation's role, which the person holds already (its name): left unused
    invite_held: str = ""


@dataclass(frozen=True)
class Accepted:
    """An invitation used: the role's name, and whom it passed from with how many tasks
    (``not_told``: those of them who never pressed Start, so could not be told yet)."""

    role: str
    passed_from: tuple[str, ...] = ()
    tasks: int = 0
    not_told: tuple[str, ...] = ()
    listed: bool = False  # the tasks are listed in a notice that follows the welcome


def _latest(
    cases: list[tuple[Case, SopDefinition]],
) -> list[tuple[Case, SopDefinition]]:
    """Each case once, as it was last changed (a role change reads a case as the role's and
    changes it as a team's or a step taker's), in the order first met."""
    latest = {case.id: (case, definition) for case, definition in cases}
    return [latest[case_id] for case_id in dict.fromkeys(case.id for case, _ in cases)]


@dataclass(frozen=True)
class ProfileStep:
    """The answer to one profile question: the next question, a refusal, or done."""

    next_kind: str | None  # the question now asked, None when done
    refused: bool = False
    profile: Profile | None = None
    # a correction (/saya's button, /ubah_data): the next question's value as kept now;
    # at the end, ``corrected``
    current: str | None = None
    corrected: bool = False


@dataclass(frozen=True)
class _Corrected:
    """A correction written: the person before and after it, and who asked (to tell)."""

    before: repo.Person
    after: repo.Person
    admin: int | None


class PeopleService:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        config: Config,
        clock: Clock,
        wake_outbox: Callable[[], None] = lambda: None,
        cases: CaseService | None = None,
    ) -> None:
        self.db, self.sops, self.config, self.clock = db, sops, config, clock
        self.wake_outbox = wake_outbox
        self.cases = cases  # a team member's place passed on changes the cases' teams
        self.unit = config.organisation.unit
        self._menu_checked: set[int] = set()  # non-administrators whose menu was deleted

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.config.admins

    def profile(self, tx: Tx, user_id: int) -> Profile | None:
        person = repo.get_person(tx, user_id)
        if person is None:
            return None
        now = self.clock.now()
        acting = tuple(a for a in repo.appointments(tx, self.unit, user_id) if a.ends_at > now)
        roles = repo.active_roles(tx, user_id, self.unit)
        roles |= {a.role for a in acting if a.in_force(now)}
        return Profile(person, roles, self.is_admin(user_id), acting)

    async def get_profile(self, user_id: int) -> Profile | None:
        return await self.db.read(self.profile, user_id)

    async def mark_started(self, user_id: int, username: str | None) -> None:
        """The person wrote to the bot, or unblocked it: what Telegram refused to deliver
        to them meanwhile goes again (:func:`repo.mark_started`)."""
        if await self.db.write(repo.mark_started, user_id, self.clock.now(), username):
            self.wake_outbox()

    async def set_username(self, user_id: int, username: str | None) -> None:
        """The person changed (or dropped) their Telegram username."""
        await self.db.write(repo.set_username, user_id, username)

    async def mark_blocked(self, user_id: int) -> None:
        await self.db.write(repo.mark_blocked, user_id)

    async def mark_admin_menu(self, user_id: int, shown: bool) -> None:
        """The administrators' menu was set in the person's chat, or deleted from it."""
        await self.db.write(repo.mark_admin_menu, user_id, shown)

    def first_refusal(self, user_id: int) -> bool:
        """Whether this is the person's first administrator's command refused since the
        start: their chat's menu is deleted then, once (a release before the database
        kept whose chat has it left no record of it)."""
        if user_id in self._menu_checked:
            return False
        self._menu_checked.add(user_id)
        return True

    async def held_a_role(self, user_id: int) -> bool:
        """Whether someone who holds no role now held one here before (they are told they
        hold none now, not that they never registered)."""
        return await self.db.read(repo.held_a_role, user_id, self.unit, self.clock.now())

    async def former_admin_menus(self) -> list[int]:
        """The people whose chat still has the administrators' menu though the config no
        longer names them administrators (the menu stays until the bot deletes it)."""
        return [p for p in await self.db.read(repo.admin_menus) if not self.is_admin(p)]

    async def start(
        self, user_id: int, token: str, username: str | None, update_id: int | None = None
    ) -> StartResult:
        """/start, perhaps with an invitation token; asks for the profile when incomplete.
        A person who comes back (after blocking the bot) gets what was refused meanwhile."""

        def txn(tx: Tx) -> tuple[StartResult, int]:
            now = self.clock.now()
            claim(tx, update_id, now)
            requeued = repo.mark_started(tx, user_id, now, username)
            # an invitation to a role the person holds (the Kabag opens a link meant for his
            # successor) is left for whom it was meant: it would pass the role to him again
            held_role = self._invited_holder(tx, user_id, token, now) if token else ""
            accepted = (
                self._accept_invite(tx, user_id, token, now) if token and not held_role else None
            )
            role = accepted.role if accepted is not None else None
            invalid = bool(token) and role is None and not held_role
            profile = self.profile(tx, user_id)
            assert profile is not None
            if not profile.roles and not profile.is_admin:
                held = repo.held_a_role(tx, user_id, self.unit, now)
                return StartResult(role, invalid, None, False, held), requeued
            asks = not profile.complete
            if asks:
                effects.start_dialogue(tx, user_id, "profile_name", now, data=asked_by(update_id))
            result = StartResult(
                role,
                invalid,
                profile,
                asks,
                passed_from=accepted.passed_from if accepted else (),
                passed_tasks=accepted.tasks if accepted else 0,
                passed_not_told=accepted.not_told if accepted else (),
                passed_listed=accepted.listed if accepted else False,
                invite_held=held_role,
            )
            return result, requeued

        result, requeued = await self.db.write(txn)
        return replace(result, queued=bool(requeued or result.invited_role))

    def _invited_holder(self, tx: Tx, user_id: int, token: str, now: datetime) -> str:
        """The name of the role of an open invitation that the person holds already ("" when
        the invitation is not open, or its role is not theirs)."""
        invite = next((i for i in repo.open_invites(tx, self.unit, now) if i.token == token), None)
        if invite is None or invite.role not in repo.active_roles(tx, user_id, self.unit):
            return ""
        sops = self.sops
        return sops.role(invite.role).name if sops.has_role(invite.role) else invite.role

    def _accept_invite(self, tx: Tx, user_id: int, token: str, now: datetime) -> Accepted | None:
        """Bind the invited role; a single-holder role passes from its holder (history kept)
        with its waiting tasks, as with /alihkan: the old holder is told, and so is the
        administrator who made the invitation (who used it, and who lost the role); the
        newcomer's welcome says so too (:class:`Accepted`). More than LISTED_ABOVE tasks
        come as one notice listing them, after the welcome, not a task message each."""
        taken = repo.take_invite(tx, token, user_id, now)
        if taken is None:
            return None
        role, unit = taken
        definition = self.sops
        # and the team steps of the role waiting in the person's own teams: a member whose
        # role was revoked and is given back has the team's task again
        teams = [
            (case, sop)
            for case, sop in self._with_sops(self._teams_with(tx, role, user_id))
            if sop.step(case.step).actor == role
        ]
        cases = _latest([*self._with_sops(self._cases_of(tx, role)), *teams])
        held = self._held(tx, cases, user_id, now)
        passed_from = []
        if not self._shared(role):
            for holder in repo.holders(tx, unit, role):
                if holder.telegram_id != user_id:
                    repo.revoke_role(
                        tx, holder.telegram_id, role, unit, now, user_id, moved_to=user_id
                    )
                    passed_from.append(holder.telegram_id)
        repo.grant_role(tx, user_id, role, unit, now, None)
        # an acting official of the role who joins as its holder acts in it no more
        ended = acting.end_for_new_holder(tx, unit, role, user_id, now, None)
        moved = self._waiting_for(tx, cases, user_id, now)
        self._tell_invite_used(tx, token, role, user_id, passed_from, len(moved), now, ended)
        for old in passed_from:  # its waiting tasks go with the role, as with /alihkan
            effects.take_tasks_from(tx, old, cases, now, "role_moved", role)
            self._take_withdrawals(tx, old, now)
        # more than LISTED_ABOVE: one notice lists them, after the welcome (which is not an
        # outbox row: the list is a row of its own, written with the hand-over)
        listed = effects.listed_tasks([(case, [user_id]) for case, _ in moved], [user_id])
        if listed:
            told = {"t": "role_tasks", "role": role, "listed": listed[user_id]}
            repo.enqueue(tx, user_id, "notice", now, params=told)
        self._hand(tx, moved, user_id, now, held, listed=bool(listed))
        effects.tell_if_undecided(tx, cases, now, self.config.admins)
        name = definition.role(role).name if definition.has_role(role) else role
        not_told = tuple(name_of(tx, old) for old in passed_from if not _started(tx, old))
        return Accepted(
            name,
            tuple(name_of(tx, old) for old in passed_from),
            len(moved),
            not_told,
            bool(listed),
        )

    def _tell_invite_used(
        self,
        tx: Tx,
        token: str,
        role: str,
        new: int,
        passed_from: list[int],
        tasks: int,
        now: datetime,
        ended: repo.Appointment | None = None,
    ) -> None:
        """The holders the role passed from hear of it as from /alihkan (the tasks follow
        the notice); the administrator who made the invitation learns who used it (and of
        the appointment ``ended``: the newcomer acted in the role until now)."""
        for old in passed_from:
            told = {"t": "role_moved", "role": role, "from": old, "to": new, "tasks": tasks}
            repo.enqueue(tx, old, "notice", now, params={**told, "people": [old, new]})
        creator = repo.invite_creator(tx, token)
        admins = [creator] if creator in self.config.admins else list(self.config.admins)
        used = {
            "t": "invite_used",
            "role": role,
            "to": new,
            "from": passed_from,
            "tasks": tasks,
            "people": [new, *passed_from],
        }
        # Telegram refuses to write to one who never pressed Start: their notice waits
        not_told = [old for old in passed_from if not _started(tx, old)]
        if not_told:
            used["not_told"] = not_told
        if ended is not None:
            used["appointment"] = ended.id
        if second := self.second_roles(tx, new, role):
            used["second"] = second
        for admin in admins:
            if admin != new:
                repo.enqueue(tx, admin, "notice", now, params=used)

    async def profile_step(
        self, user_id: int, kind: str, value: str, update_id: int | None = None
    ) -> ProfileStep:
        """One answer of the profile dialogue (name → NIP → position)."""

        def txn(tx: Tx) -> tuple[ProfileStep, _Corrected | None]:
            now = self.clock.now()
            claim(tx, update_id, now)
            dialogue = repo.get_dialogue(tx, user_id)
            if dialogue is not None and dialogue.kind == kind and dialogue.data.get("fix"):
                return self._correction_step(tx, user_id, kind, value, dialogue, update_id, now)
            return first_profile(tx, now), None

        def first_profile(tx: Tx, now: datetime) -> ProfileStep:
            """The first profile: each answer is kept as it comes."""
            if kind == "profile_name":
                if not value or len(value) > 200 or "\n" in value:
                    return ProfileStep(kind, refused=True)
                repo.update_profile(tx, user_id, now=now, changed_by=user_id, name=value)
                effects.start_dialogue(tx, user_id, "profile_nip", now, data=asked_by(update_id))
                return ProfileStep("profile_nip")
            if kind == "profile_nip":
                nip = "" if value == "-" else bare_nip(value)
                if value != "-" and not is_nip(nip):
                    return ProfileStep(kind, refused=True)
                repo.update_profile(tx, user_id, now=now, changed_by=user_id, nip=nip)
                effects.start_dialogue(
                    tx, user_id, "profile_position", now, data=asked_by(update_id)
                )
                return ProfileStep("profile_position")
            if not value or len(value) > 200 or "\n" in value:
                return ProfileStep(kind, refused=True)
            repo.update_profile(tx, user_id, now=now, changed_by=user_id, position=value)
            effects.end_dialogue(tx, user_id, now)
            return ProfileStep(None, profile=self.profile(tx, user_id))

        step, corrected = await self.db.write(txn)
        if corrected is not None:
            self._log_correction(corrected)
            if corrected.admin is not None:
                self.wake_outbox()
        return step

    def _correction_step(
        self,
        tx: Tx,
        user_id: int,
        kind: str,
        value: str,
        dialogue: repo.Dialogue,
        update_id: int | None,
        now: datetime,
    ) -> tuple[ProfileStep, _Corrected | None]:
        """One answer of a correction: kept in the dialogue until the last, then the three
        are written at once (/batal before that leaves the data as it was). Papers already
        written keep the name they were written with; new ones read the new."""
        person = repo.get_person(tx, user_id)
        assert person is not None
        data = {k: v for k, v in dialogue.data.items() if k != "by"} | asked_by(update_id)
        if kind == "profile_name":
            if not value or len(value) > 200 or "\n" in value:
                return ProfileStep(kind, refused=True), None
            effects.start_dialogue(tx, user_id, "profile_nip", now, data=data | {"name": value})
            return ProfileStep("profile_nip", current=person.nip or "-"), None
        if kind == "profile_nip":
            nip = "" if value == "-" else bare_nip(value)
            if value != "-" and not is_nip(nip):
                return ProfileStep(kind, refused=True), None
            effects.start_dialogue(tx, user_id, "profile_position", now, data=data | {"nip": nip})
            return ProfileStep("profile_position", current=person.position or "-"), None
        if not value or len(value) > 200 or "\n" in value:
            return ProfileStep(kind, refused=True), None
        name, nip = str(data.get("name", person.name)), str(data.get("nip", person.nip))
        repo.update_profile(
            tx, user_id, now=now, changed_by=user_id, name=name, nip=nip, position=value
        )
        effects.end_dialogue(tx, user_id, now)
        after = repo.get_person(tx, user_id)
        assert after is not None
        admin = data.get("admin")
        asked = admin if isinstance(admin, int) and admin in self.config.admins else None
        if asked is not None and asked != user_id:
            text = t.FIX_DONE_ADMIN.format(
                who=t.NAMED.format(name=t.e(after.display), person=user_id),
                changes=_changes(person, after),
            )
            repo.enqueue(tx, asked, "notice", now, params={"t": "text", "text": text})
        else:
            asked = None
        step = ProfileStep(None, profile=self.profile(tx, user_id), corrected=True)
        return step, _Corrected(person, after, asked)

    @staticmethod
    def _log_correction(corrected: _Corrected) -> None:
        """One line: which fields changed, and the name's old and new spelling (a NIP or a
        position is not logged)."""
        before, after = corrected.before, corrected.after
        fields = [
            label
            for label, old, new in (
                ("name", before.name, after.name),
                ("NIP", before.nip, after.nip),
                ("position", before.position, after.position),
            )
            if old != new
        ]
        log.info(
            "person %d corrected their data (%s)%s",
            after.telegram_id,
            ", ".join(fields) or "nothing changed",
            f": name {before.name!r} → {after.name!r}" if before.name != after.name else "",
        )

    async def profile_first(self, user_id: int, update_id: int | None = None) -> str:
        """Before an act the case records under the person's name (a decision, a file, a
        new case: the papers print the signer's name, NIP and position): ``complete`` when
        the profile is. Else the act waits: ``pending`` when the profile question waits for
        its answer already; ``asked`` when it did not (another question took its place, or
        /batal ended it) and is asked again from the name. The act's update is claimed
        then: it was answered (the question it asked is asked again after a crash)."""
        profile = await self.get_profile(user_id)
        if profile is None or profile.complete:
            return "complete"

        def txn(tx: Tx) -> tuple[str, bool]:
            now = self.clock.now()
            claim(tx, update_id, now)
            profile = self.profile(tx, user_id)
            if profile is None or profile.complete:
                return "complete", False
            pending = repo.get_dialogue(tx, user_id)
            if (
                pending is not None
                and pending.kind.startswith("profile_")
                and not pending.data.get("fix")
            ):
                return "pending", False
            data = asked_by(update_id)
            return "asked", effects.start_dialogue(tx, user_id, "profile_name", now, data=data)

        state, queued = await self.db.write(txn)
        if queued:  # a question it replaced leaves its task message at once
            self.wake_outbox()
        return state

    async def start_correction(
        self, user_id: int, admin: int | None, update_id: int | None = None
    ) -> repo.Person | None:
        """/saya's "Perbaiki data" button (``admin``: the administrator whose /ubah_data
        sent it, told when it is done): the profile questions again, as a correction. The
        person as kept now; None for someone who holds no role here. A profile never
        completed is asked as at the start, each answer kept as it comes: a correction's
        /batal would leave it incomplete, its question gone (:meth:`profile_first`)."""

        def txn(tx: Tx) -> tuple[repo.Person | None, bool]:
            now = self.clock.now()
            claim(tx, update_id, now)
            profile = self.profile(tx, user_id)
            if profile is None or not (profile.roles or profile.is_admin):
                return None, False
            data: dict[str, object] = {"fix": 1, **asked_by(update_id)}
            if not profile.complete:
                data = asked_by(update_id)
            elif admin is not None:
                data["admin"] = admin
            queued = effects.start_dialogue(tx, user_id, "profile_name", now, data=data)
            return profile.person, queued

        person, queued = await self.db.write(txn)
        if queued:  # a question it replaced leaves its task message at once
            self.wake_outbox()
        return person

    async def ask_correction(
        self, admin_id: int, person_id: int, update_id: int | None = None
    ) -> Profile | None:
        """/ubah_data: the person is sent the "Perbaiki data" button with a note that the
        administrator asked (the person types their own data). Their profile; None for
        someone who holds no role here."""

        def txn(tx: Tx) -> Profile | None:
            now = self.clock.now()
            claim(tx, update_id, now)
            profile = self.profile(tx, person_id)
            if profile is None or not (profile.roles or profile.is_admin):
                return None
            told = {"t": "fix_profile", "admin": admin_id}
            repo.enqueue(tx, person_id, "notice", now, params=told)
            return profile

        profile = await self.db.write(txn)
        if profile is not None:
            self.wake_outbox()
        return profile

    # -- administration ------------------------------------------------------------------

    async def invite(self, admin_id: int, role: str, update_id: int | None = None) -> repo.Invite:
        """A one-time invitation to ``role`` (the token of its /start link)."""
        token = secrets.token_urlsafe(18)
        now = self.clock.now()
        expires = now + INVITE_LIFETIME

        def txn(tx: Tx) -> None:
            claim(tx, update_id, now)
            repo.create_invite(tx, token, role, self.unit, admin_id, now, expires)

        await self.db.write(txn)
        return repo.Invite(token, role, admin_id, now, expires)

    async def open_invites(self) -> list[repo.Invite]:
        """The invitations nobody has used yet that still hold (for /undangan)."""
        return await self.db.read(repo.open_invites, self.unit, self.clock.now())

    async def withdraw_invite(self, ref: str) -> repo.Invite | None:
        """End the open invitation a button names (its ``ref``); None when it was used,
        expired or withdrawn before."""

        def txn(tx: Tx) -> repo.Invite | None:
            now = self.clock.now()
            found = next((i for i in repo.open_invites(tx, self.unit, now) if i.ref == ref), None)
            if found is None or not repo.withdraw_invite(tx, found.token, now):
                return None
            return found

        return await self.db.write(txn)

    async def roles_overview(
        self,
    ) -> tuple[dict[str, list[repo.Person]], list[tuple[repo.RoleAssignment, int | None]]]:
        """Who holds each role now, and the assignments ended (for /peran), each with the
        person the role was passed on to (/alihkan), None for one revoked (/cabut)."""

        def txn(
            tx: Tx,
        ) -> tuple[dict[str, list[repo.Person]], list[tuple[repo.RoleAssignment, int | None]]]:
            holders = {r.id: repo.holders(tx, self.unit, r.id) for r in self.sops.roles}
            history = repo.role_history(tx, self.unit)
            moved = repo.moves(history)
            ended = [(a, moved.get(a.id)) for a in history if a.revoked_at]
            return holders, ended

        return await self.db.read(txn)

    async def revoke(
        self, admin_id: int, person_id: int, role: str, update_id: int | None = None
    ) -> Revoked | None:
        """Revoke a role (None if the person did not hold it). The tasks of the role that
        waited for them lose their buttons in their chat, a question they were answering
        about one ends, and they are told; the administrator learns whether the role is
        left without a holder (its tasks then wait for the next one invited), and which
        cases wait at a team step of a team left with no member who holds the role (the
        team is the case's own: only /alihkan of the person's place moves them on)."""

        def txn(tx: Tx) -> Revoked | None:
            now = self.clock.now()
            claim(tx, update_id, now)
            if not repo.revoke_role(tx, person_id, role, self.unit, now, admin_id):
                return None
            cases = self._with_sops(self._cases_of(tx, role))
            # steps of a shared role that were theirs become every other holder's; a case
            # waiting at one of them reaches the others now (at another step of the role,
            # open to every holder, they have its task already)
            claimed = self._steps_of(tx, role, person_id)
            waited = {
                c.id
                for c in claimed
                if c.step in passable_steps(self.sops.of(c), c, role, person_id)
            }
            released = self._with_sops(
                self._pass_steps(tx, admin_id, role, person_id, None, claimed)
            )
            at_role = [(c, d) for c, d in released if d.step(c.step).actor == role]
            # the team steps of the role waiting in the person's teams: no longer theirs
            teams = [
                (c, d)
                for c, d in self._with_sops(self._teams_with(tx, role, person_id))
                if d.step(c.step).actor == role
            ]
            cases = _latest([*cases, *at_role, *teams])
            taken = effects.take_tasks_from(tx, person_id, cases, now, "role_revoked", role)
            self._take_withdrawals(tx, person_id, now)
            told = {"t": "role_revoked", "role": role, "tasks": taken}
            repo.enqueue(tx, person_id, "notice", now, params=told)
            passed = [
                (case, definition, routing.step_holders(tx, definition, case, now))
                for case, definition in at_role
                if case.id in waited
            ]
            # more than LISTED_ABOVE to one holder: one notice lists them, opened from /tugas
            holders = {holder for _, _, people in passed for holder in people}
            listed = effects.listed_tasks([(c, people) for c, _, people in passed], holders)
            for holder, tasks in listed.items():
                told = {
                    "t": "role_tasks",
                    "role": role,
                    "from": person_id,
                    "people": [person_id],
                    "listed": tasks,
                }
                repo.enqueue(tx, holder, "notice", now, params=told)
            for case, definition, people in passed:
                for holder in people:
                    effects.hand_task(
                        tx, definition, case, holder, now, {"open": 1}, holder in listed
                    )
            vacant = not self._shared(role) and not repo.holders(tx, self.unit, role)
            # an acting official in force still holds the role's tasks (not a strategic step)
            waiting = sum(
                1
                for case, definition in cases
                if not routing.step_holders(tx, definition, case, now)
            )
            acting = None if self._shared(role) else repo.acting_for(tx, self.unit, role, now)
            stranded = tuple(
                case.id
                for case, definition in teams
                if not routing.step_holders(tx, definition, case, now)
            )
            return Revoked(name_of(tx, person_id), taken, vacant, waiting, acting, stranded)

        revoked = await self.db.write(txn)
        if revoked is not None:
            self.wake_outbox()
        return revoked

    def _take_withdrawals(self, tx: Tx, person_id: int, now: datetime) -> None:
        """The person's Tarik kembali buttons of moves made in a role they no longer hold."""
        actor = routing.actor(tx, person_id, self.unit, self.config, now)
        effects.take_withdrawals_from(tx, actor, self.sops.of, now)

    def second_roles(self, tx: Tx, person_id: int, role: str) -> list[dict[str, Any]]:
        """The other roles the person given ``role`` holds in the same review chain, with
        the steps where four eyes meets them (:func:`bot.core.workflow.second_roles`)."""
        held = repo.active_roles(tx, person_id, self.unit)
        return second_roles(self.sops, role, held)

    def _with_sops(self, cases: list[Case]) -> list[tuple[Case, SopDefinition]]:
        return [(case, self.sops.of(case)) for case in cases]

    def _shared(self, role: str) -> bool:
        return self.sops.has_role(role) and self.sops.role(role).shared

    def _cases_of(self, tx: Tx, role: str) -> list[Case]:
        """The open cases at a step of the role: of a role one person holds, and of a shared
        role no team step forms (a step no one has taken is every holder's: a new Pengelola
        gets the verification waiting for both). A team's role: none (the team is the
        case's own: its tasks never move with the role)."""
        if self._shared(role) and any(role in d.team_roles for d in self.sops):
            return []
        return repo.open_cases_for_roles(tx, self.unit, [role], limit=100_000)

    def _teams_with(self, tx: Tx, role: str, person_id: int) -> list[Case]:
        """The running cases whose team, made of holders of the shared ``role`` (their SOP
        has it), has this person."""
        if not self._shared(role):
            return []
        cases = repo.open_cases_with_member(tx, self.unit, person_id)
        return [case for case in cases if self.sops.of(case).has_role(role)]

    def _steps_of(self, tx: Tx, role: str, person_id: int) -> list[Case]:
        """The running cases with a step of the shared ``role`` (not a team's) that is this
        person's, as the one who acted at it last (:func:`passable_steps`)."""
        if not self._shared(role):
            return []
        return [
            case
            for case in repo.open_cases_in_unit(tx, self.unit)
            if passable_steps(self.sops.of(case), case, role, person_id)
        ]

    def _pass_steps(
        self, tx: Tx, admin_id: int, role: str, old: int, new: int | None, cases: list[Case]
    ) -> list[Case]:
        """A shared role taken from ``old`` (``new`` None) or passed on: the steps of it
        that were theirs in these cases (:meth:`_steps_of`) become every holder's, or the
        new holder's. The cases, as changed."""
        if self.cases is None:
            return []
        changed = []
        for case in cases:
            command = PassSteps(case.version, role, old, new)
            changed.append(self.cases.run_in(tx, case, command, admin_id).case)
        return changed

    def _pass_places(
        self, tx: Tx, admin_id: int, teams: list[Case], old: int, new: int
    ) -> list[Case]:
        """A shared role passed on: the new holder takes the old one's place in these teams
        (:meth:`_teams_with`). The cases, as changed."""
        if self.cases is None:
            return []
        changed = []
        for case in teams:
            command = ReplaceTeamMember(case.version, old, new)
            changed.append(self.cases.run_in(tx, case, command, admin_id).case)
        return changed

    @staticmethod
    def _waiting_for(
        tx: Tx, cases: list[tuple[Case, SopDefinition]], person_id: int, now: datetime
    ) -> list[tuple[Case, SopDefinition]]:
        """Those of the cases whose step is now this person's (to hand them the tasks)."""
        return [
            (case, definition)
            for case, definition in cases
            if person_id in routing.step_holders(tx, definition, case, now)
        ]

    def _held(
        self, tx: Tx, cases: list[tuple[Case, SopDefinition]], person_id: int, now: datetime
    ) -> set[int]:
        """Those of the role's cases whose step is the person's already (as its acting
        official), before they are given the role."""
        return {case.id for case, _ in self._waiting_for(tx, cases, person_id, now)}

    @staticmethod
    def _hand(
        tx: Tx,
        cases: list[tuple[Case, SopDefinition]],
        person_id: int,
        now: datetime,
        held: set[int] | frozenset[int],
        listed: bool = False,
    ) -> None:
        """Each task to the role's new holder, with its documents; one they ``held`` as the
        role's acting official is shown again in place, as theirs now (no second message).
        ``listed``: the others are listed in a notice instead (more than LISTED_ABOVE),
        each opened from /tugas with its documents (CaseService.show_task)."""
        for case, definition in cases:
            if case.id in held:
                repo.enqueue(tx, person_id, "task", now, case_id=case.id, version=case.version)
            else:
                effects.hand_task(tx, definition, case, person_id, now, {"open": 1}, listed)

    async def reassign(
        self, admin_id: int, role: str, old: int, new: int, update_id: int | None = None
    ) -> Reassigned:
        """Move a role from one person to another. The tasks of the role that wait go with
        it: the old holder's buttons are taken away, the new holder receives each task with
        its documents, and both are told. A shared role (the team) also passes the old
        member's place in every running case's team to the new one (an event of each case),
        with the team's task where the case waits for it."""

        def txn(tx: Tx) -> tuple[Reassigned, bool]:
            now = self.clock.now()
            claim(tx, update_id, now)
            holders = {p.telegram_id for p in repo.holders(tx, self.unit, role)}
            if old == new and old not in holders:  # one id typed twice: not the holder
                return Reassigned("not_holder", name_of(tx, old)), False
            # a team member may take over another's places (both held the team's role)
            if old == new or (new in holders and not self._shared(role)):
                return Reassigned("already", name_of(tx, new)), False
            # a member whose role was revoked (/cabut) may still have places in running
            # teams: passing them on is what is left to do
            teams = self._teams_with(tx, role, old)
            steps = self._steps_of(tx, role, old)
            if old not in holders and not teams and not steps:
                return Reassigned("not_holder", name_of(tx, old)), False
            role_cases = self._with_sops(self._cases_of(tx, role))
            held = self._held(tx, role_cases, new, now)
            # a holder of the shared role already (a member of the same team): the steps
            # that were theirs stay theirs, not new tasks, and the role is not new to them
            had_role = new in holders
            mine = (
                self._held(tx, self._with_sops([*teams, *steps]), new, now) if had_role else set()
            )
            repo.revoke_role(tx, old, role, self.unit, now, admin_id, moved_to=new)
            repo.ensure_person(tx, new, now)
            repo.grant_role(tx, new, role, self.unit, now, admin_id)
            # the acting official made the role's holder acts in it no more
            ended = acting.end_for_new_holder(tx, self.unit, role, new, now, admin_id)
            cases = _latest(
                [
                    *role_cases,
                    *self._with_sops(self._pass_places(tx, admin_id, teams, old, new)),
                    *self._with_sops(self._pass_steps(tx, admin_id, role, old, new, steps)),
                ]
            )
            moved = self._waiting_for(tx, cases, new, now)
            counted = [(case, [new]) for case, _ in moved if case.id not in mine]
            tasks = len(counted)
            # more than LISTED_ABOVE: listed in the new holder's notice, opened from /tugas
            listed = effects.listed_tasks(counted, [new]).get(new)
            told = {"t": "role_moved", "role": role, "from": old, "to": new, "tasks": tasks}
            if ended is not None:
                told["appointment"] = ended.id
            if had_role:
                told["held"] = 1
            # told first: the tasks follow the notice. A member revoked (/cabut) was told
            # her role went then; her places in the teams going now is not news to her
            old_held = old in holders
            for person in (old, new) if old_held else (new,):
                params = {**told, "people": [old, new]}
                if person == new and listed:
                    params["listed"] = listed
                repo.enqueue(tx, person, "notice", now, params=params)
            effects.take_tasks_from(tx, old, cases, now, "role_moved", role)
            self._take_withdrawals(tx, old, now)
            self._hand(tx, moved, new, now, held | mine, listed=bool(listed))
            effects.tell_if_undecided(tx, cases, now, self.config.admins)
            result = Reassigned(
                "ok",
                name_of(tx, new),
                name_of(tx, old),
                tasks,
                ended,
                _started(tx, new),
                _started(tx, old),
                old_held,
                had_role,
                tuple(self.second_roles(tx, new, role)),
            )
            return result, True

        result, queued = await self.db.write(txn)
        if queued:
            self.wake_outbox()
        return result

    async def bootstrap(self) -> None:
        """The config's ``[[people]]`` at every start: their profiles and their roles, as
        seeds. The database is the record: a profile is written only for someone it has
        none for yet (a correction made in Telegram stays); a role is granted only to
        someone who never held it in the unit (one /cabut, /alihkan or an invitation took
        from them stays taken), and a single-holder role only while nobody holds it; an
        entry the database has gone past is left, with a warning."""

        def txn(tx: Tx) -> None:
            now = self.clock.now()
            for admin in self.config.admins:
                repo.ensure_person(tx, admin, now)
            bare_stored_nips(tx)
            history = repo.role_history(tx, self.unit)
            for index, person in enumerate(self.config.people):
                repo.ensure_person(tx, person.telegram_id, now)
                seed = seed_profile(tx, person)
                if seed.grant:
                    repo.update_profile(
                        tx,
                        person.telegram_id,
                        now=now,
                        changed_by=None,
                        name=person.name or None,
                        nip=person.nip or None,
                        position=person.position or None,
                    )
                elif seed.difference:
                    log.warning("%s", profile_warning(index, person.telegram_id, seed.difference))
                for role in person.roles:
                    self._seed_role(tx, index, person.telegram_id, role, history, now)

        await self.db.write(txn)

    def _seed_role(
        self,
        tx: Tx,
        index: int,
        person_id: int,
        role: str,
        history: list[repo.RoleAssignment],
        now: datetime,
    ) -> None:
        """One ``[[people]]`` role: granted to its first holder, or left with a warning."""
        seed = seed_role(tx, self.unit, person_id, role, self._shared(role), history)
        if seed.grant:
            repo.grant_role(tx, person_id, role, self.unit, now, None)
        elif seed.difference:
            log.warning("%s", seed_warning(index, person_id, role, seed.difference))


@dataclass(frozen=True)
class Seed:
    """What the start does with one ``[[people]]`` role (or profile): grant it (write it),
    leave it (held already; the same), or leave it because the database has gone past the
    config (``difference``)."""

    grant: bool
    difference: str = ""  # what the database has instead of what the config names


def seed_profile(tx: Tx, person: PersonConfig) -> Seed:
    """A config profile (name, NIP, position) is written only where the database has none
    for the person yet (no name): once it has, the database is the record, corrected in
    Telegram ("Perbaiki data" in /saya, or an administrator's /ubah_data)."""
    known = repo.get_person(tx, person.telegram_id)
    if known is None or not known.name:
        return Seed(True)
    fields = (
        ("name", person.name, known.name),
        ("NIP", person.nip, bare_nip(known.nip)),  # the same NIP, whatever its spaces
        ("position", person.position, known.position),
    )
    differ = ", ".join(
        f"{label} {kept!r} (the config: {named!r})"
        for label, named, kept in fields
        if named and named != kept
    )
    return Seed(False, differ)


def bare_stored_nips(tx: Tx) -> None:
    """A NIP kept with spaces (earlier versions kept the config's as written there,
    "19800101 200501 1 001", and a typed one bare) is rewritten bare: the same NIP, so no
    earlier profile is kept, nobody is told, and a correction that types it again changes
    nothing."""
    for person_id, nip in repo.spaced_nips(tx):
        if is_nip(bare := bare_nip(nip)):
            repo.rewrite_nip(tx, person_id, bare)


def profile_warning(index: int, person_id: int, difference: str) -> str:
    """The line that says how the database's profile differs from the config's, and what
    to do."""
    return (
        f"people[{index}] gives ID {person_id} a profile that differs from the database's: "
        f"the database has {difference}; not written at start: the database is the record "
        "of a person's profile once it has one: the person corrects it with 'Perbaiki data' "
        "in /saya (an administrator asks them with /ubah_data in Telegram), and this entry "
        "is brought in line or its name, nip and position taken out"
    )


def seed_role(
    tx: Tx,
    unit: str,
    person_id: int,
    role: str,
    shared: bool,
    history: list[repo.RoleAssignment],
) -> Seed:
    """A config role is granted only to someone who never held it in the unit (one /cabut,
    /alihkan or an invitation took stays taken), and a single-holder role only while nobody
    holds it: the database is the record of who holds a role."""
    mine = [a for a in history if a.person_id == person_id and a.role == role]
    if any(a.revoked_at is None for a in mine):
        return Seed(False)  # held already
    if mine:
        revoked = max(a.revoked_at for a in mine if a.revoked_at is not None)
        return Seed(
            False,
            f"the database has it taken from them on {revoked.isoformat(timespec='minutes')} "
            "(/cabut, /alihkan or an invitation)",
        )
    holders = [] if shared else repo.holders(tx, unit, role)
    if holders:
        named = ", ".join(
            f"ID {p.telegram_id}" + (f" ({p.name})" if p.name else "") for p in holders
        )
        return Seed(False, f"the database has it held by {named} (a single-holder role)")
    return Seed(True)


def seed_warning(index: int, person_id: int, role: str, difference: str) -> str:
    """The line that says what the config names, what the database has, and what to do."""
    return (
        f"people[{index}] names ID {person_id} as holder of the role {role!r}, but "
        f"{difference}; not granted at start: the database is the record of who holds a "
        "role: pass it on with /alihkan, take it with /cabut or invite with /undang in "
        "Telegram, and take the role out of this entry"
    )
