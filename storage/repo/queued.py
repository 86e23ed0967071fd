"""Queued rows settled before they go, and rows refused waiting for their person: tasks
no longer the person's, reminders superseded or claimed, rows sent again at Start."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage.codec import dumps, loads, ts
from storage.db import Tx

# the start of the last_error of a row Telegram refused (403) while its person was held
# reachable, tried once more at once (refused_while_reachable); claim_reminder keeps it
AGAIN = "again at once after "


def refused_while_reachable(tx: Tx, item_id: int) -> bool:
    """Whether an outbox row Telegram just refused (403) goes to a person the bot holds
    reachable (started, not known to have blocked it) and was not already tried again for
    that (its ``last_error`` starts with :data:`AGAIN`, or is :data:`ON_ITS_WAY_AGAIN`: a
    reminder claimed for that second try)."""
    row = tx.one(
        "SELECT p.started_bot, o.last_error FROM outbox o "
        "JOIN people p ON p.telegram_id = o.chat_id WHERE o.id = ?",
        (item_id,),
    )
    if row is None or not row[0]:
        return False
    error = str(row[1] or "")
    return not (error.startswith(AGAIN) or error == ON_ITS_WAY_AGAIN)


# last_error of a row Telegram refused because the person cannot be written to yet: a 403
# (blocked, or "bot can't initiate conversation"), or a 400 "chat not found" (a person who
# never opened the chat with the bot, such as a Plh appointed before pressing Start)
REFUSED_UNREACHABLE = ("Forbidden:%", "BadRequest: Chat not found%")


def _queued_or_refused(columns: str, where: str) -> str:
    """``SELECT columns FROM outbox WHERE where`` of the rows still to go and of those
    Telegram refused as unreachable (:data:`REFUSED_UNREACHABLE`), which
    :func:`requeue_refused` would send again. Two parts, each read from its partial index
    (``outbox_queued_by_chat``, ``outbox_refused``, schema level 17): one condition with
    an OR of the two is read from neither, but by a scan of the whole table, delivered rows
    and all. Its parameters: those of ``where``, those of ``where`` again, then
    :data:`REFUSED_UNREACHABLE`."""
    return (
        f"SELECT {columns} FROM outbox WHERE {where} AND sent_at IS NULL AND failed_at IS NULL "
        f"UNION ALL SELECT {columns} FROM outbox WHERE {where} AND sent_at IS NULL "
        "AND failed_at IS NOT NULL AND (last_error LIKE ? OR last_error LIKE ?)"
    )


def tasks_refused_unreachable(tx: Tx, chat_id: int) -> bool:
    """Whether a task row to this chat waits, refused because the person cannot be written
    to (:data:`REFUSED_UNREACHABLE`), for them to start the bot."""
    row = tx.one(
        "SELECT 1 FROM outbox WHERE chat_id = ? AND kind = 'task' AND sent_at IS NULL "
        "AND failed_at IS NOT NULL AND (last_error LIKE ? OR last_error LIKE ?) LIMIT 1",
        (chat_id, *REFUSED_UNREACHABLE),
    )
    return row is not None


def requeue_refused(tx: Tx, chat_id: int, now: datetime) -> int:
    """The rows to a chat that Telegram refused as unreachable (the person had not started
    the bot, or had blocked it) are due again, in their order: tasks of versions the case has
    moved past are skipped when they are sent, a task row after another edits the same
    message, so the person gets what is theirs now, once. Notices tied to no case that no
    longer hold are settled instead (:func:`_settle_out_of_date`)."""
    _settle_out_of_date(tx, chat_id, now)
    return tx.run(
        "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?, attempts = 0, "
        "last_error = NULL WHERE chat_id = ? AND failed_at IS NOT NULL AND sent_at IS NULL "
        "AND (last_error LIKE ? OR last_error LIKE ?)",
        (ts(now), chat_id, *REFUSED_UNREACHABLE),
    )


# the notices of an acting appointment (Plh, Plt): its start, an extension, its end
ACTING_NOTICES = ("acting_start", "acting_extended", "acting_end")
# the last_error of an acting notice refused while its person could not be reached, whose
# appointment was over when they came back (_acting_over)
ACTING_OVER = "the appointment was over when its person came back"
# the notices of a role given (role_moved to the person; role_tasks: the tasks that came
# with it, listed) and of one taken (role_moved from the person; role_revoked)
ROLE_NOTICES = ("role_moved", "role_tasks", "role_revoked")
# the last_error of a role notice refused while its person could not be reached, which no
# longer described their roles when they came back (_roles_changed)
ROLES_CHANGED = "the person's roles had changed when they came back"


def _settle_out_of_date(tx: Tx, chat_id: int, now: datetime) -> None:
    """Of the notices Telegram refused to this chat as unreachable, those that no longer
    hold when the person comes back are settled unsent, as skipped rows are: of an acting
    appointment over by then (:func:`_acting_over`), of roles they no longer hold or hold
    again (:func:`_roles_changed`). No row ties them to a case, so the case's close never
    settles them (:func:`drop_queued_tasks`, ``prune``): a person who presses Start a month
    later would read that he is Plh until a day long past, then that it ended."""
    rows = tx.all(
        "SELECT id, params FROM outbox WHERE chat_id = ? AND kind = 'notice' "
        "AND sent_at IS NULL AND failed_at IS NOT NULL AND (last_error LIKE ? OR last_error LIKE ?) "
        "ORDER BY id",
        (chat_id, *REFUSED_UNREACHABLE),
    )
    notices = [(int(r[0]), loads(r[1])) for r in rows]
    for settled, why in (
        (_acting_over(tx, notices, now), ACTING_OVER),
        (_roles_changed(tx, chat_id, notices), ROLES_CHANGED),
    ):
        if settled:
            tx.run(
                "UPDATE outbox SET sent_at = ?, failed_at = NULL, last_error = ? "
                f"WHERE id IN ({','.join('?' * len(settled))})",
                (ts(now), why, *settled),
            )


def _acting_over(tx: Tx, notices: list[tuple[int, dict[str, Any]]], now: datetime) -> list[int]:
    """Of these notices (id, params) refused to one chat, those of an acting appointment
    over by ``now`` (ended by itself, with /akhiri_plh, or called off). Its end only if its
    start is among them: Kabag, who read the start before he blocked the bot, still learns
    that the period ended; to one who never read the start, it says nothing."""
    acting = [
        (item_id, str(p["t"]), int(p.get("appointment", 0)))
        for item_id, p in notices
        if p.get("t") in ACTING_NOTICES
    ]
    wanted = sorted({appointment for _, _, appointment in acting})
    if not wanted:
        return []
    over = {
        int(r[0])
        for r in tx.all(
            f"SELECT id FROM acting WHERE id IN ({','.join('?' * len(wanted))}) AND ends_at <= ?",
            (*wanted, ts(now)),
        )
    }
    unread = {appointment for _, kind, appointment in acting if kind == "acting_start"}
    return [
        item_id
        for item_id, kind, appointment in acting
        if appointment in over and (kind != "acting_end" or appointment in unread)
    ]


def _roles_changed(tx: Tx, chat_id: int, notices: list[tuple[int, dict[str, Any]]]) -> list[int]:
    """Of these notices (id, params, in their order) refused to one chat, those of a role
    that no longer describe the person's roles. A role he holds now: its last notice that
    it came to him, and its task lists (not that it was taken, nor an earlier "it came"
    of a role taken and given again). One he does not hold: that it was taken, unless a
    notice that it came to him comes before (a role held for an hour by mistake, of which
    he never read: not a word of it); a role named in the config, taken, he is told of."""
    roles = [
        (item_id, p, str(p["role"]))
        for item_id, p in notices
        if p.get("t") in ROLE_NOTICES and "role" in p
    ]
    if not roles:
        return []
    wanted = sorted({role for _, _, role in roles})
    held = {
        str(r[0])
        for r in tx.all(
            "SELECT role FROM role_assignments WHERE person_id = ? AND revoked_at IS NULL "
            f"AND role IN ({','.join('?' * len(wanted))})",
            (chat_id, *wanted),
        )
    }

    def came(p: dict[str, Any]) -> bool:
        return p["t"] == "role_moved" and int(p.get("to", 0)) == chat_id

    came_at = [(role, item_id) for item_id, p, role in roles if came(p)]
    first_came = dict(reversed(came_at))
    last_came = dict(came_at)
    settled = []
    for item_id, p, role in roles:
        if role in held:
            keep = p["t"] == "role_tasks" or last_came.get(role) == item_id
        else:
            taken = not came(p) and p["t"] != "role_tasks"
            keep = taken and first_came.get(role, item_id) >= item_id
        if not keep:
            settled.append(item_id)
    return settled


NOT_THE_HOLDER = "no longer the holder"  # the last_error of a row dropped by drop_queued_tasks


def leave_out_of_row(
    tx: Tx, item_id: int, case_ids: Collection[int], now: datetime, why: str
) -> None:
    """A queued notice about one of these cases, or a digest listing only them, is settled
    unsent (``last_error`` ``why``), as skipped rows are; a digest listing others besides
    leaves these out and is due again now, to go without them. (The row as it is now: a
    later reminder may have left cases out of it meanwhile, :func:`supersede_digests`.)"""
    row = tx.one("SELECT kind, params FROM outbox WHERE id = ? AND sent_at IS NULL", (item_id,))
    if row is None:
        return
    params = loads(row["params"])
    entries = params.get("cases", []) if row["kind"] == "digest" else []
    kept = [e for e in entries if int(e[0]) not in case_ids]
    _keep_listed(tx, item_id, params, kept, now, why, due_now=True)


def _keep_listed(
    tx: Tx,
    item_id: int,
    params: dict[str, Any],
    kept: list[Any],
    now: datetime,
    settled_as: str,
    due_now: bool = False,
) -> None:
    """An outbox row keeps only the ``kept`` cases of its list (``due_now``: and goes again
    now); one left with none is settled unsent (``last_error`` ``settled_as``)."""
    if not kept:
        tx.run(
            "UPDATE outbox SET sent_at = ?, failed_at = NULL, last_error = ? WHERE id = ?",
            (ts(now), settled_as, item_id),
        )
        return
    tx.run("UPDATE outbox SET params = ? WHERE id = ?", (dumps({**params, "cases": kept}), item_id))
    if due_now:
        tx.run("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (ts(now), item_id))


def drop_queued_tasks(tx: Tx, chat_id: int, case_id: int, now: datetime) -> int:
    """The case's task and documents still queued for this chat are not sent: the step is
    no longer this person's. Settled as skipped rows are (sent, without a message); so are
    rows Telegram refused as unreachable, which :func:`requeue_refused` would send again
    when the person presses Start."""
    # the rows still to go, then those refused: each condition reads its partial index
    # (one over both, sent_at IS NULL alone, is read by a scan of the whole table)
    return sum(
        tx.run(
            "UPDATE outbox SET sent_at = ?, failed_at = NULL, last_error = ? "
            "WHERE chat_id = ? AND case_id = ? AND kind IN ('task', 'files') "
            f"AND version IS NOT NULL AND sent_at IS NULL AND failed_at {failed}",
            (ts(now), NOT_THE_HOLDER, chat_id, case_id),
        )
        for failed in ("IS NULL", "IS NOT NULL")
    )


# the last_error of a row supersede_reminders settled
SUPERSEDED = "superseded by a later reminder"


def reminding(kind: str, params: dict[str, Any]) -> bool:
    """Whether an outbox row is a reminder (a task sent again with its reminder number), an
    escalation (a notice to a superior about a late step), or a digest of either."""
    if kind == "task":
        return "reminder" in params
    return kind == "digest" or (kind == "notice" and params.get("t") == "escalation")


def waits_for_office(kind: str, params: dict[str, Any]) -> bool:
    """Whether an outbox row goes in office time only: a reminder or escalation
    (:func:`reminding`), or the notice that a colleague's upload put a team member's next
    reminder off (a note about a reminder is no more urgent than the reminder itself)."""
    put_off = kind == "notice" and params.get("t") == "reminder_put_off"
    return put_off or reminding(kind, params)


def supersede_reminders(tx: Tx, chat_id: int, case_id: int, now: datetime) -> bool:
    """The case's reminders and escalations still queued for this chat are not sent: a later
    one about the case is queued in their place. While Telegram cannot be reached the sweep
    queues a reminder every interval; when it comes back the holder gets the latest one, each
    superior the latest escalation, not one for every interval it lasted. Settled as
    skipped rows are (sent, without a message).

    False when one of them is on its way at this moment (:func:`claim_reminder`): it is
    left to arrive, and no later one is to be queued beside it, or the chat would get both."""
    rows = tx.all(
        _queued_or_refused(
            "id, kind, params, last_error",
            "chat_id = ? AND case_id = ? AND kind IN ('task', 'notice')",
        ),
        (chat_id, case_id, chat_id, case_id, *REFUSED_UNREACHABLE),
    )
    rows = [r for r in rows if reminding(r[1], loads(r[2]))]
    if any(is_on_its_way(r[3]) for r in rows):
        return False
    if rows:
        # also those refused while the person could not be written to: requeue_refused
        # would send every one of them when they press Start
        tx.run(
            "UPDATE outbox SET sent_at = ?, failed_at = NULL, last_error = ? "
            f"WHERE id IN ({','.join('?' * len(rows))})",
            (ts(now), SUPERSEDED, *(r[0] for r in rows)),
        )
    return True


def supersede_digests(
    tx: Tx, chat_id: int, kind: str, case_ids: Collection[int], now: datetime
) -> set[int]:
    """A later reminder (``kind`` "reminder") or escalation ("escalation") about these
    cases is queued for this chat, alone or in a digest: the digests of that kind still
    queued for it leave these cases out (:func:`supersede_reminders` for digests), and one
    left with none is settled unsent. Returns the cases of a digest on its way at this
    moment (:func:`claim_reminder`): they arrive with it, and are not to be queued again."""
    return _leave_out_of_digests(tx, chat_id, kind, case_ids, now, SUPERSEDED)


def drop_queued_digests(tx: Tx, chat_id: int, case_ids: Collection[int], now: datetime) -> None:
    """The reminder digests still queued for this chat leave these cases out: their steps
    are no longer this person's (:func:`drop_queued_tasks` for digests); one left with none
    is settled unsent. One on its way at this moment cannot be stopped: once it lands, the
    outbox edits these cases out of it (``bot.outbox.chases.Chases.digest``)."""
    _leave_out_of_digests(tx, chat_id, "reminder", case_ids, now, NOT_THE_HOLDER)


def _leave_out_of_digests(
    tx: Tx, chat_id: int, kind: str, case_ids: Collection[int], now: datetime, settled_as: str
) -> set[int]:
    """The digests of ``kind`` still queued for this chat leave these cases out, one left
    with none settled unsent (``last_error`` ``settled_as``); returns the cases of a digest
    on its way at this moment, left as it is."""
    wanted = set(case_ids)
    on_its_way: set[int] = set()
    # also those refused while the person could not be written to (requeue_refused would
    # send them beside this one when they press Start)
    rows = tx.all(
        _queued_or_refused("id, params, last_error", "chat_id = ? AND kind = 'digest'"),
        (chat_id, chat_id, *REFUSED_UNREACHABLE),
    )
    for item_id, raw, error in rows:
        params = loads(raw)
        if params.get("t") != kind:
            continue
        entries = params.get("cases", [])
        if is_on_its_way(error):
            on_its_way |= {int(e[0]) for e in entries} & wanted
            continue
        kept = [e for e in entries if int(e[0]) not in wanted]
        if len(kept) != len(entries):
            _keep_listed(tx, item_id, params, kept, now, settled_as)
    return on_its_way


# the last_error of a reminder or escalation whose turn to go has come (claim_reminder);
# the second for one going again at once after a 403 (refused_while_reachable)
ON_ITS_WAY = "on its way"
ON_ITS_WAY_AGAIN = "on its way again"


def is_on_its_way(error: str | None) -> bool:
    """Whether a reminder's ``last_error`` is the mark of :func:`claim_reminder`."""
    return error in (ON_ITS_WAY, ON_ITS_WAY_AGAIN)


def claim_reminder(tx: Tx, item_id: int) -> bool:
    """A reminder or escalation whose turn to go has come is marked on its way, unless a
    later one settled it while it waited (False: it is not sent). The mark and
    :func:`supersede_reminders` take turns on the writer, so one of the two wins: the chat
    gets the one on its way or the later one, never both. A send that fails writes its
    error over the mark (:func:`mark_retry`). A row going again after a 403 keeps that in
    its mark (:data:`ON_ITS_WAY_AGAIN`): a second 403 settles it, never a loop."""
    return (
        tx.run(
            "UPDATE outbox SET last_error = CASE WHEN last_error LIKE ? OR last_error = ? "
            "THEN ? ELSE ? END WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
            (f"{AGAIN}%", ON_ITS_WAY_AGAIN, ON_ITS_WAY_AGAIN, ON_ITS_WAY, item_id),
        )
        == 1
    )


# the last_error of a reminder or escalation whose case moved on before its turn came
MOVED_ON = "the case moved on"


def moved_on(tx: Tx, versions: Collection[tuple[int, int]]) -> set[int]:
    """Of these (case, version) pairs, the cases no longer open at that version: decided,
    withdrawn, cancelled since. Read in the transaction that claims a reminder, right
    before it goes (``bot.outbox.chases.Chases.claim``): the outbox's round read the cases
    before the row waited for its chat's turn, and a decision may have committed since."""
    wanted = dict(versions)
    if not wanted:
        return set()
    rows = tx.all(
        f"SELECT id, version, status FROM cases WHERE id IN ({','.join('?' * len(wanted))})",
        tuple(wanted),
    )
    current = {int(r[0]): (int(r[1]), r[2]) for r in rows}
    return {case for case, version in wanted.items() if current.get(case) != (version, "open")}


def dropped_meanwhile(tx: Tx, item_id: int) -> bool:
    """Whether :func:`drop_queued_tasks` settled this row while it was on its way."""
    return (
        tx.value(
            "SELECT 1 FROM outbox WHERE id = ? AND sent_at IS NOT NULL AND last_error = ?",
            (item_id, NOT_THE_HOLDER),
        )
        is not None
    )


# in a task row's params: the decision its task message shows instead of the task, the
# case having moved on by another's hand while the row was on its way
# (:func:`note_decided_meanwhile`)
DECIDED_MEANWHILE = "decided_html"


def tasks_on_their_way(tx: Tx, case_id: int, version: int, now: datetime) -> list[int]:
    """The case's task rows of ``version`` that may be being sent at ``now``: not due now,
    as a row a sender took is not while it is leased (so is one waiting to be tried again,
    which is skipped as stale when it comes due, and whose mark is then unused). One still
    queued is skipped as stale when its turn comes: no mark is needed."""
    rows = tx.all(
        "SELECT id FROM outbox WHERE case_id = ? AND version = ? AND kind = 'task' "
        "AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at > ?",
        (case_id, version, ts(now)),
    )
    return [int(r[0]) for r in rows]


def note_decided_meanwhile(tx: Tx, item_ids: Collection[int], text_html: str) -> None:
    """The case of these task rows (:func:`tasks_on_their_way`) moved on by another's hand
    (``text_html``: the decision, as the step's live task messages now show it): kept in
    their params. A row still queued is skipped as stale; one being sent makes a message
    the move could not know of (not yet recorded), which then shows the decision
    (:func:`decided_meanwhile`)."""
    for item_id in item_ids:
        row = tx.one("SELECT params FROM outbox WHERE id = ?", (item_id,))
        params = {**(loads(row[0]) if row else {}), DECIDED_MEANWHILE: text_html}
        tx.run("UPDATE outbox SET params = ? WHERE id = ?", (dumps(params), item_id))


def decided_meanwhile(tx: Tx, item_id: int) -> str | None:
    """The decision a task row's message shows, if its case moved on while the row was on
    its way (:func:`note_decided_meanwhile`)."""
    row = tx.one("SELECT params FROM outbox WHERE id = ?", (item_id,))
    text = loads(row[0]).get(DECIDED_MEANWHILE) if row is not None else None
    return text if isinstance(text, str) and text else None
