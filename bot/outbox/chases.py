"""Reminders and escalations on their way: the chases of the officials a case waits for.

They go in office time only: one that comes due outside it (an outage that ended at night)
waits for the office to open, holding up none of its chat's other rows. Each is claimed when
its turn comes (a later one may have taken its place), goes to whoever answers for the role
now when its addressee no longer does, and is kept in the case's chase log once it reached
the official (:func:`log_chase`). A digest is many of them to one person, as one message.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from bot import texts as t
from bot.messages import Inputs, Message, Renderer
from bot.outbox.courier import Courier
from bot.services import effects, reminders, routing
from bot.services.registry import SopRegistry
from storage import repo
from storage.codec import parse_ts
from storage.db import Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split


class Chases:
    def __init__(self, courier: Courier, renderer: Renderer, sops: SopRegistry) -> None:
        self.courier, self.renderer, self.sops = courier, renderer, sops

    async def office_closed(self, item: repo.OutboxItem) -> bool:
        """A reminder or escalation is sent in office time only (the office's calendar, as
        the sweep that queued it): one that comes due outside it (Telegram answered again
        at night) is put off to the next working moment, and the chat's other rows go on.
        So is the notice that a colleague's upload put a reminder off, which an upload at
        night queues (:func:`repo.waits_for_office`). Other rows go at any hour; for them
        this reads no clock and no database."""
        if not repo.waits_for_office(item.kind, item.params):
            return False
        calendar = self.renderer.calendar
        now = self.courier.clock.now()
        if calendar.is_working_time(now):
            return False
        until = calendar.next_working_moment(now)
        log.info(
            "outbox item %d (%s) comes due outside office time: put off to %s",
            item.id,
            item.kind,
            until.isoformat(),
        )
        await self.courier.db.write(repo.defer_to_office, item.id, until)
        return True

    def claim(self, tx: Tx, item: repo.OutboxItem) -> bool:
        """A reminder or escalation whose turn has come is claimed (:func:`repo.claim_reminder`),
        unless it is about a case that is no longer its addressee's (:meth:`not_theirs`):
        the administrator passed the role on, or revoked it, while it waited (Telegram could
        not be reached, or a role change came between the digest's rendering and its turn).
        The case's title and holders' names are not theirs to read any more: it is left out
        (a digest goes again without it), settled as "no longer the holder". An escalation
        goes instead to whoever answers for the role now, queued at once as the sweep would
        have queued it (:func:`reminders.escalate_anew`; none when the role is vacant); a
        reminder's new holder has the task itself. A row that does not say the role (an
        older database) goes as it is.

        First, in this same transaction, right before it goes: a case it is about that is
        no longer at the version it was queued for is left out (a notice or a reminder
        settled unsent, "the case moved on"; a digest goes again without it). The
        outbox's round read the cases before the row waited for its chat's turn (a second
        a message, a slow Telegram, a 429): a holder who decided meanwhile is not sent a
        reminder, with its buttons, about a step they have just decided."""
        now = self.courier.clock.now()
        moved_on = repo.moved_on(tx, _versions(item))
        if moved_on:
            repo.leave_out_of_row(tx, item.id, moved_on, now, repo.MOVED_ON)
            log.info(
                "outbox item %d: cases that moved on before its turn came are left out: %s",
                item.id,
                ", ".join(str(case) for case in sorted(moved_on)),
            )
            return False
        listed = _listed(item)
        if listed:
            gone = self.not_theirs(tx, item, listed, now)
            if gone:
                repo.leave_out_of_row(tx, item.id, gone, now, repo.NOT_THE_HOLDER)
                moved = reminders.escalate_anew(
                    tx, self.sops, item.chat_id, _escalated(item, gone), now
                )
                if moved:
                    log.info(
                        "outbox item %d: escalations no longer the addressee's go to who "
                        "answers for the role now: %s",
                        item.id,
                        ", ".join(f"case {case} to {person}" for case, person in moved),
                    )
                return False
        return repo.claim_reminder(tx, item.id)

    def not_theirs(
        self,
        tx: Tx,
        item: repo.OutboxItem,
        listed: Sequence[tuple[int, Any, Any]],
        now: datetime,
    ) -> set[int]:
        """The cases of a reminder digest or an escalation (``listed``: case, role, step)
        that are no longer its addressee's, as the case and the roles stand now: an
        escalation's role they no longer answer for, held or acting in it
        (:func:`routing.answers_for`, as the sweep picks superiors); a reminder's step they
        no longer hold while the case waits at it (a case that has moved on is the
        renderer's to leave out, :meth:`Renderer.digest_entries`)."""
        escalation = item.params.get("t") == "escalation"
        gone = set()
        for case_id, role, step in listed:
            case = repo.load_case(tx, case_id)
            if case is None or not case.is_open or not isinstance(role, str):
                continue
            definition = self.sops.of(case)
            if escalation:
                if not routing.answers_for(tx, definition, case, role, item.chat_id, now):
                    gone.add(case.id)
            elif case.step == step and item.chat_id not in routing.step_holders(
                tx, definition, case, now
            ):
                gone.add(case.id)
        return gone

    def escalation_void(
        self, tx: Tx, item: repo.OutboxItem, message_id: int, now: datetime
    ) -> bool:
        """A single escalation that landed about a case no longer its addressee's
        (:meth:`not_theirs`): the superior role passed on (or was revoked, or an acting
        period ended) while it was on its way, in Telegram's hands, as a digest's may
        (:meth:`digest`). It is not logged as a chase of theirs; the message is
        edited to say that it no longer applies (:data:`texts.ESCALATION_VOID`), and the
        escalation goes at once to whoever answers for the role now
        (:func:`reminders.escalate_anew`). False: any other notice, or an escalation
        still theirs."""
        if item.params.get("t") != "escalation":
            return False
        gone = self.not_theirs(tx, item, _listed(item), now)
        if not gone:
            return False
        self._retract(tx, item, message_id, Message(t.ESCALATION_VOID), gone, now)
        return True

    def _retract(
        self,
        tx: Tx,
        item: repo.OutboxItem,
        message_id: int,
        shown: Message,
        gone: set[int],
        now: datetime,
    ) -> None:
        """A reminder or escalation row landed with cases no longer its addressee's
        (``gone``): its message is edited to ``shown``, and the escalations of those cases go
        at once to whoever answers for their roles now (:func:`reminders.escalate_anew`)."""
        params = effects.decided_params(message_id, shown.text, shown.keyboard)
        repo.enqueue(tx, item.chat_id, "strip", now, params=params)
        moved = reminders.escalate_anew(tx, self.sops, item.chat_id, _escalated(item, gone), now)
        log.info(
            "outbox item %d: %d cases no longer the addressee's once it landed: edited out%s",
            item.id,
            len(gone),
            f", escalated to who answers for the role now ({len(moved)})" if moved else "",
        )

    async def digest(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """Many reminders (or escalations) of one sweep to one person, as one message; each
        case it lists gets its row in the chase log, as its own reminder would.

        A role that passed on (or was revoked, or an acting period that ended) while the
        digest was on its way (claimed, in Telegram's hands) cannot stop it landing: what it
        lists that is no longer the person's is then edited out of it (the whole digest
        said to no longer apply when nothing is left), and is not logged as a chase of
        theirs. The new holder of a reminder's step has the task itself; the escalations go
        at once to whoever answers for the role now (:func:`reminders.escalate_anew`)."""
        courier = self.courier
        entries = self.renderer.digest_entries(item, inputs)
        if not entries:  # every case listed has moved on meanwhile
            await courier.skip(item)
            return
        if await self.office_closed(item):
            return
        message = self.renderer.digest(item, entries, inputs, courier.clock.now())
        sent = await courier.send(item.chat_id, message.text, message.keyboard, None)
        kind = "escalation" if item.params.get("t") == "escalation" else "reminder"
        until = _spaced(item) if kind == "reminder" else None

        def record(tx: Tx) -> bool:
            now = courier.clock.now()
            repo.mark_sent(tx, item.id, now, sent.message_id)
            listed = [(int(e[0]), e[3], e[4]) for e in entries]
            gone = self.not_theirs(tx, item, listed, now)
            kept = [e for e in entries if int(e[0]) not in gone]
            for case_id, _, number, role, step in kept:
                chase = repo.Chase(
                    kind, int(step), now, item.chat_id, str(role), int(number), until
                )
                repo.log_chases(tx, int(case_id), [chase])
            if not gone:
                return False
            shown = (
                self.renderer.digest(item, kept, inputs, now, left_out=len(gone))
                if kept
                else self.renderer.digest_void(item, len(gone))
            )
            self._retract(tx, item, sent.message_id, shown, gone, now)
            return True

        if await courier.db.write(record):
            courier.wake()


def _listed(item: repo.OutboxItem) -> list[tuple[int, Any, Any]]:
    """The cases a digest or an escalation is about, each with the role and step its
    addressee was chased for (an escalation's role: the superior's); none for a single
    reminder (:func:`repo.drop_queued_tasks` settles those when the step stops being the
    holder's)."""
    p = item.params
    if item.kind == "digest":
        return [(int(e[0]), e[3], e[4]) for e in p.get("cases", [])]
    if p.get("t") == "escalation" and item.case_id is not None:
        return [(item.case_id, p.get("as"), p.get("step"))]
    return []


def _versions(item: repo.OutboxItem) -> list[tuple[int, int]]:
    """The (case, version) pairs a reminder, an escalation or a digest of them was queued
    for (none for a row that names no version)."""
    if item.kind == "digest":
        return [(int(e[0]), int(e[1])) for e in item.params.get("cases", [])]
    if item.case_id is not None and item.version is not None:
        return [(item.case_id, item.version)]
    return []


def _escalated(item: repo.OutboxItem, cases: Collection[int]) -> list[reminders.Escalated]:
    """The escalations of an outbox row (a notice, or a digest of them) about these cases,
    as the sweep queued them; none when the row is not an escalation."""
    p = item.params
    if p.get("t") != "escalation":
        return []
    # the team members it names as not sent the reminder (/tunda): of each case, a digest
    off: dict[int, Any]
    if item.kind == "digest":
        entries = [e for e in p.get("cases", []) if int(e[0]) in cases]
        off = {int(case_id): members for case_id, members in p.get("off", {}).items()}
    elif item.case_id is not None and item.case_id in cases and item.version is not None:
        entries = [[item.case_id, item.version, p.get("n"), p.get("as"), p.get("step")]]
        off = {item.case_id: p.get("off", [])}
    else:
        entries, off = [], {}
    return [
        reminders.Escalated(
            int(case_id),
            int(version),
            int(number),
            role,
            int(step),
            tuple((int(x[0]), parse_ts(x[1])) for x in off.get(int(case_id), ())),
        )
        for case_id, version, number, role, step in entries
        if isinstance(role, str) and number is not None and step is not None
    ]


def log_chase(tx: Tx, item: repo.OutboxItem, now: datetime) -> None:
    """A reminder or an escalation delivered: kept in the case's chase log, which outlives
    the outbox's retention. Written when it reached the official, not when queued: one
    superseded by a later reminder, refused (the bot blocked) or left stale (the case
    moved) told nobody; nor is an escalation that landed after the role it was sent as
    passed on logged (:meth:`Chases.escalation_void`). The number kept is the step's count
    of reminders ("n"), which sets the escalation level; a holder who received the task from
    another official read their own, from 1 ("reminder"). A reminder's ``until`` is the one
    the sweep gave it, a repeat interval after it queued it (:func:`_spaced`)."""
    p = item.params
    if item.case_id is None or "as" not in p:
        return  # not a chase (or queued by a release that kept no log)
    until = None
    if item.kind == "task" and p.get("reminder"):
        kind, number, until = "reminder", int(p.get("n", p["reminder"])), _spaced(item)
    elif item.kind == "notice" and p.get("t") == "escalation":
        kind, number = "escalation", int(p["n"])
    else:
        return
    chase = repo.Chase(kind, int(p["step"]), now, item.chat_id, str(p["as"]), number, until)
    repo.log_chases(tx, item.case_id, [chase])


def _spaced(item: repo.OutboxItem) -> datetime | None:
    """Until when a reminder (or a digest of them) keeps its addressee from the step's next
    one, as the sweep that queued it said ("until": a repeat interval after it queued it,
    not after it is delivered); None: a row queued by a release that did not say."""
    until = item.params.get("until")
    return parse_ts(until) if isinstance(until, str) else None
