"""Data access: small synchronous functions over a :class:`~storage.db.Tx`.

They run on a database thread, inside the transaction of the function shipped there with
``Database.write`` or ``Database.read`` (one trip per command, however many statements).
No SQL lives outside ``storage/``.

The SQL runs on both engines (SQLite and PostgreSQL): upserts name their conflict target
and qualify the existing row's columns with the table's name, a parameter that may be
NULL is never compared with ``IS ?`` (the query is written for the case at hand), and
nothing engine-specific appears here; what must differ is an attribute of the
:class:`~storage.db.Tx` (``tx.take_rows``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.model import Case, Event, EventType
from bot.core.workflow import archive_number_key
from storage.codec import (
    CASE_FORMAT,
    case_from_json,
    case_to_json,
    dumps,
    event_from_row,
    event_row,
    loads,
    parse_ts,
    ts,
)
from storage.db import Row, Tx


@dataclass(frozen=True)
class Person:
    telegram_id: int
    name: str
    nip: str
    position: str
    username: str | None
    started_bot: bool

    @property
    def display(self) -> str:
        return self.name or (f"@{self.username}" if self.username else f"ID {self.telegram_id}")

    @property
    def complete(self) -> bool:
        """Whether the profile the papers print is given: the name, the NIP (or "-" for none:
        it is asked before the position) and the position."""
        return bool(self.name and self.position)


@dataclass(frozen=True)
class EarlierProfile:
    """A profile a person had before a correction, and until when it was in force."""

    person_id: int
    name: str
    nip: str
    position: str
    valid_until: datetime  # when it was replaced
    changed_by: int | None  # who typed the new one (None: the config's seed)


def profile_at(person: Person, earlier: Sequence[EarlierProfile], at: datetime) -> Person:
    """``person`` as their profile stood at ``at``: the first of their earlier profiles (oldest
    first) still in force then; a field that was blank then reads as it does now (a blank
    filled in keeps no earlier profile)."""
    for old in earlier:
        if old.valid_until > at:
            return replace(
                person,
                name=old.name or person.name,
                nip=old.nip or person.nip,
                position=old.position or person.position,
            )
    return person


@dataclass(frozen=True)
class RoleAssignment:
    id: int
    person_id: int
    role: str
    unit: str
    granted_at: datetime
    granted_by: int | None
    revoked_at: datetime | None
    revoked_by: int | None = None


@dataclass(frozen=True)
class StoredFile:
    id: int
    case_id: int
    doc: str
    kind: str  # "upload" | "paper"
    telegram_file_id: str | None
    telegram_unique_id: str | None
    name: str
    mime: str
    size: int
    sha256: str
    path: str
    uploaded_by: int
    uploaded_at: datetime
    source_seq: int | None = None  # papers: the event they were written for


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    kind: str
    case_id: int | None
    version: int | None
    params: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Dialogue:
    person_id: int
    kind: str
    case_id: int | None
    version: int | None
    data: dict[str, Any]
    created_at: datetime
    prompt: tuple[int, int] | None = None  # (chat, message) of the message with its buttons

    @property
    def asked_on(self) -> tuple[int, int, str] | None:
        """The task message a question was asked on, and the task's text before it: (chat,
        message, text), or None for a question of its own message."""
        data = self.data
        chat_id, message_id, text = (
            data.get("chat_id"),
            data.get("message_id"),
            data.get("text_html"),
        )
        if (
            isinstance(chat_id, int)
            and isinstance(message_id, int)
            and isinstance(text, str)
            and text
        ):
            return chat_id, message_id, text
        return None


@dataclass(frozen=True)
class EndedDialogue:
    """A person's question that ended without their answer, and why (the text they type
    for it afterwards is told so)."""

    kind: str
    case_id: int | None
    step: int | None
    why: str  # moved, archived, withdrawn, cancelled, role_moved, role_revoked, acting_ended
    at: datetime
    role: str | None = None  # the role that went from them
    actor: int | None = None  # who moved the case


def team_selection(dialogue: Dialogue | None, case_id: int) -> tuple[list[int], int]:
    """The members picked so far for a case's team (a "team" dialogue), and the page of
    candidates shown; nothing picked when the person's dialogue is about something else."""
    if dialogue is None or dialogue.kind != "team" or dialogue.case_id != case_id:
        return [], 0
    return [int(m) for m in dialogue.data.get("members", [])], int(dialogue.data.get("page", 0))


@contextmanager
def savepoint(tx: Tx, name: str) -> Iterator[None]:
    """Part of a write that may fail alone: an exception rolls back what the block wrote
    (and goes on to the caller), and the transaction keeps the rest (the reminder sweep:
    one broken case does not undo the reminders of the others)."""
    tx.run(f"SAVEPOINT {name}")
    try:
        yield
    except Exception:
        tx.run(f"ROLLBACK TO {name}")
        tx.run(f"RELEASE {name}")
        raise
    tx.run(f"RELEASE {name}")


# -- people and roles --------------------------------------------------------------------


def _person(row: Row) -> Person:
    return Person(
        row["telegram_id"],
        row["name"],
        row["nip"],
        row["position"],
        row["username"],
        bool(row["started_bot"]),
    )


def get_person(tx: Tx, telegram_id: int) -> Person | None:
    row = tx.one("SELECT * FROM people WHERE telegram_id = ?", (telegram_id,))
    return _person(row) if row else None


def people_by_ids(tx: Tx, ids: Iterable[int]) -> dict[int, Person]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = tx.all(f"SELECT * FROM people WHERE telegram_id IN ({marks})", wanted)
    return {r["telegram_id"]: _person(r) for r in rows}


def earlier_profiles(tx: Tx, ids: Iterable[int]) -> dict[int, list[EarlierProfile]]:
    """The profiles each person had before their present one, oldest first (only the
    people who had one)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = tx.all(
        f"SELECT * FROM earlier_profiles WHERE person_id IN ({marks}) "
        "ORDER BY person_id, valid_until, id",
        wanted,
    )
    found: dict[int, list[EarlierProfile]] = {}
    for r in rows:
        found.setdefault(r["person_id"], []).append(
            EarlierProfile(
                r["person_id"],
                r["name"],
                r["nip"],
                r["position"],
                parse_ts(r["valid_until"]),
                r["changed_by"],
            )
        )
    return found


def ensure_person(tx: Tx, telegram_id: int, now: datetime, username: str | None = None) -> None:
    tx.run(
        "INSERT INTO people (telegram_id, username, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (telegram_id) DO UPDATE SET "
        "username = COALESCE(excluded.username, people.username)",
        (telegram_id, username, ts(now)),
    )


def update_profile(
    tx: Tx,
    telegram_id: int,
    *,
    now: datetime,
    changed_by: int | None,
    name: str | None = None,
    nip: str | None = None,
    position: str | None = None,
) -> None:
    """Set the fields given (None leaves a field as it is). A profile one of whose values
    is replaced (not a blank filled in) is kept first in ``earlier_profiles``, in force
    until ``now`` (``changed_by``: who typed the new one; None: the config's seed)."""
    before = get_person(tx, telegram_id)
    if before is not None:
        old = (before.name, before.nip, before.position)
        new = tuple(o if v is None else v for o, v in zip(old, (name, nip, position), strict=True))
        if any(o and o != n for o, n in zip(old, new, strict=True)):
            tx.run(
                "INSERT INTO earlier_profiles (person_id, name, nip, position, valid_until, "
                "changed_by) VALUES (?, ?, ?, ?, ?, ?)",
                (telegram_id, *old, ts(now), changed_by),
            )
    tx.run(
        "UPDATE people SET name = COALESCE(?, name), nip = COALESCE(?, nip), "
        "position = COALESCE(?, position) WHERE telegram_id = ?",
        (name, nip, position, telegram_id),
    )


def spaced_nips(tx: Tx) -> list[tuple[int, str]]:
    """The people whose NIP is kept with spaces in it (an earlier version kept the config's
    NIP as written there, "19800101 200501 1 001")."""
    rows = tx.all("SELECT telegram_id, nip FROM people WHERE nip LIKE '% %' ORDER BY telegram_id")
    return [(int(r["telegram_id"]), str(r["nip"])) for r in rows]


def rewrite_nip(tx: Tx, telegram_id: int, nip: str) -> None:
    """The same NIP written in another form: no earlier profile is kept (nothing changed)."""
    tx.run("UPDATE people SET nip = ? WHERE telegram_id = ?", (nip, telegram_id))


def mark_started(tx: Tx, telegram_id: int, now: datetime, username: str | None) -> int:
    """The person pressed Start (or wrote to the bot, or unblocked it): from now on the bot
    may write to them. What Telegram refused to deliver while it could not (403: not started
    yet, blocked) goes again; returns how many rows that is. ``username``: the one Telegram
    sent with the update (None: the person has none now)."""
    could = tx.value("SELECT started_bot FROM people WHERE telegram_id = ?", (telegram_id,))
    tx.run(
        "INSERT INTO people (telegram_id, username, created_at, started_bot) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (telegram_id) DO UPDATE SET started_bot = 1, username = excluded.username",
        (telegram_id, username, ts(now)),
    )
    return 0 if could else requeue_refused(tx, telegram_id, now)


def set_username(tx: Tx, telegram_id: int, username: str | None) -> None:
    """The person's Telegram username as their latest update gave it (None: they have none
    now, not "unknown")."""
    tx.run("UPDATE people SET username = ? WHERE telegram_id = ?", (username, telegram_id))


def mark_blocked(tx: Tx, telegram_id: int) -> None:
    """The person blocked the bot (Telegram's ``my_chat_member``: kicked), or Telegram
    refused a message to them (403: blocked, the account deleted): it may not write to them
    until they come back."""
    tx.run("UPDATE people SET started_bot = 0 WHERE telegram_id = ?", (telegram_id,))


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


def mark_admin_menu(tx: Tx, telegram_id: int, shown: bool) -> None:
    """The administrators' command menu was set in the person's chat (``shown``), or
    deleted from it: Telegram keeps a chat's menu until the bot deletes it."""
    tx.run("UPDATE people SET admin_menu = ? WHERE telegram_id = ?", (int(shown), telegram_id))


def admin_menus(tx: Tx) -> list[int]:
    """The people whose chat has the administrators' command menu."""
    rows = tx.all("SELECT telegram_id FROM people WHERE admin_menu = 1 ORDER BY telegram_id")
    return [int(r[0]) for r in rows]


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
    message, so the person gets what is theirs now, once."""
    return tx.run(
        "UPDATE outbox SET failed_at = NULL, next_attempt_at = ?, attempts = 0, "
        "last_error = NULL WHERE chat_id = ? AND failed_at IS NOT NULL AND sent_at IS NULL "
        "AND (last_error LIKE ? OR last_error LIKE ?)",
        (ts(now), chat_id, *REFUSED_UNREACHABLE),
    )


@dataclass(frozen=True)
class Appointment:
    """An acting official (Plh or Plt) for a role over a period; ``ends_at`` is when it ends
    in fact (an early end moves it before ``planned_end``)."""

    id: int
    role: str
    unit: str
    person_id: int
    kind: str  # "plh" | "plt"
    starts_at: datetime
    ends_at: datetime
    planned_end: datetime
    reason: str
    letter: str
    created_by: int | None
    created_at: datetime
    ended_by: int | None
    routed_in: bool
    routed_back: bool
    ended_at: datetime | None = None  # ended early: by an administrator, or called off

    def in_force(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    @property
    def called_off(self) -> bool:
        """Its entry was taken out of the config (no administrator ended it)."""
        return self.ended_at is not None and self.ended_by is None


def _appointment(row: Row) -> Appointment:
    return Appointment(
        row["id"],
        row["role"],
        row["unit"],
        row["person_id"],
        row["kind"],
        parse_ts(row["starts_at"]),
        parse_ts(row["ends_at"]),
        parse_ts(row["planned_end"]),
        row["reason"],
        row["letter"],
        row["created_by"],
        parse_ts(row["created_at"]),
        row["ended_by"],
        bool(row["routed_in"]),
        bool(row["routed_back"]),
        parse_ts(row["ended_at"]) if row["ended_at"] else None,
    )


def appoint(
    tx: Tx,
    *,
    role: str,
    unit: str,
    person_id: int,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    letter: str,
    by: int | None,
    now: datetime,
) -> int:
    return int(
        tx.value(
            "INSERT INTO acting (role, unit, person_id, kind, starts_at, ends_at, planned_end, "
            "reason, letter, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                role,
                unit,
                person_id,
                kind,
                ts(starts_at),
                ts(ends_at),
                ts(ends_at),
                reason,
                letter,
                by,
                ts(now),
            ),
        )
    )


def acting_for(tx: Tx, unit: str, role: str, at: datetime) -> Appointment | None:
    """The appointment in force for a role at ``at`` (the latest, should two overlap)."""
    row = tx.one(
        "SELECT * FROM acting WHERE unit = ? AND role = ? AND starts_at <= ? AND ends_at > ? "
        "ORDER BY id DESC LIMIT 1",
        (unit, role, ts(at), ts(at)),
    )
    return _appointment(row) if row else None


def acting_overlapping(
    tx: Tx, unit: str, role: str, start: datetime, end: datetime
) -> Appointment | None:
    """The first appointment for a role whose period meets ``[start, end)``."""
    row = tx.one(
        "SELECT * FROM acting WHERE unit = ? AND role = ? AND starts_at < ? AND ends_at > ? "
        "AND ends_at > starts_at ORDER BY starts_at LIMIT 1",
        (unit, role, ts(end), ts(start)),
    )
    return _appointment(row) if row else None


def appointments(tx: Tx, unit: str, person_id: int | None = None) -> list[Appointment]:
    if person_id is None:
        rows = tx.all("SELECT * FROM acting WHERE unit = ? ORDER BY id", (unit,))
    else:
        rows = tx.all(
            "SELECT * FROM acting WHERE unit = ? AND person_id = ? ORDER BY id",
            (unit, person_id),
        )
    return [_appointment(r) for r in rows]


def end_acting(tx: Tx, unit: str, role: str, at: datetime, by: int | None) -> Appointment | None:
    """End the appointment in force for the role now; the one ended, if any."""
    current = acting_for(tx, unit, role, at)
    if current is None:
        return None
    tx.run(
        "UPDATE acting SET ends_at = ?, ended_at = ?, ended_by = ? WHERE id = ?",
        (ts(at), ts(at), by, current.id),
    )
    return acting_for_id(tx, current.id)


def move_acting_end(tx: Tx, appointment_id: int, ends_at: datetime, *, again: bool) -> None:
    """A period's end moved (its ``until`` changed in the config); ``again``: it was over,
    and comes into force once more (its tasks move to the acting official again)."""
    routed = ", routed_in = 0, routed_back = 0" if again else ""
    tx.run(
        f"UPDATE acting SET ends_at = ?, planned_end = ?{routed} WHERE id = ?",
        (ts(ends_at), ts(ends_at), appointment_id),
    )


def call_off_acting(tx: Tx, appointment_id: int, ends_at: datetime, at: datetime) -> None:
    """An appointment called off (its entry left the config): it ends at ``ends_at``, as
    planned (an entry put back is recorded anew, not taken for one ended by hand)."""
    tx.run(
        "UPDATE acting SET ends_at = ?, planned_end = ?, ended_at = ? WHERE id = ?",
        (ts(ends_at), ts(ends_at), ts(at), appointment_id),
    )


def acting_for_id(tx: Tx, appointment_id: int) -> Appointment | None:
    row = tx.one("SELECT * FROM acting WHERE id = ?", (appointment_id,))
    return _appointment(row) if row else None


def appointments_to_route(tx: Tx, at: datetime) -> list[Appointment]:
    """Appointments whose start or end has come and whose open tasks have not moved yet."""
    rows = tx.all(
        "SELECT * FROM acting WHERE routed_back = 0 AND "
        "(routed_in = 0 AND starts_at <= ? OR ends_at <= ?) ORDER BY starts_at, id",
        (ts(at), ts(at)),
    )
    return [_appointment(r) for r in rows]


def next_acting_move(tx: Tx, at: datetime) -> datetime | None:
    """The earliest start or end later than ``at`` of an appointment whose tasks have not
    moved for it yet (None: none)."""
    value = tx.value(
        "SELECT MIN(moment) FROM ("
        "SELECT starts_at AS moment FROM acting WHERE routed_in = 0 AND starts_at > ? "
        "UNION ALL SELECT ends_at FROM acting WHERE routed_back = 0 AND ends_at > ?"
        ") AS moves",
        (ts(at), ts(at)),
    )
    return parse_ts(value) if value else None


def mark_routed(tx: Tx, appointment_id: int, at: datetime, *, back: bool) -> None:
    """The appointment's open tasks moved in (``back``: moved back, or nothing is left to
    move) at ``at``. ``routed_back`` keeps when (Unix seconds; 1 in rows of releases before
    this one, and 0 until then): a move stamped later than the present was made while the
    host's clock ran ahead (:func:`acting_as_of`)."""
    if back:
        tx.run(
            "UPDATE acting SET routed_back = ?, routed_in = 1 WHERE id = ?",
            (max(1, int(at.timestamp())), appointment_id),
        )
    else:
        tx.run("UPDATE acting SET routed_in = 1 WHERE id = ?", (appointment_id,))


def acting_as_of(tx: Tx, now: datetime, ahead: datetime) -> int:
    """The appointments as they stand at ``now``, for rows written while the host's clock ran
    ahead (it has since been set back): stamped later than ``ahead`` (``now`` and the step
    the outbox and the reminders take for a clock set back, :data:`bot.clock.CLOCK_SET_BACK`);
    how many were changed. A period is what its days say, and whether its tasks have moved is
    derived from it and the present:

    * a ``/plh`` given then began when it was given: now;
    * one ended by hand (``/akhiri_plh``) or called off then ended now (else it would be in
      force again until the moment the clock showed);
    * one whose tasks went back then (its end reached on the clock ahead) has them moved
      again: to the acting official now, if its period runs again; back to the definitive
      holder at once, if its end has come meanwhile (tasks given to the acting official since
      the set-back go back too; without this the sweep took the period for done, and he kept
      them)."""
    at, later = ts(now), ts(ahead)
    changed = tx.run(
        "UPDATE acting SET starts_at = ? "
        "WHERE created_by IS NOT NULL AND starts_at = created_at AND starts_at > ?",
        (at, later),
    )
    changed += tx.run(
        "UPDATE acting SET ended_at = ?, "
        "ends_at = CASE WHEN ends_at <= ? THEN ends_at WHEN starts_at > ? THEN starts_at "
        "ELSE ? END WHERE ended_at > ?",
        (at, at, at, at, later),
    )
    changed += tx.run(
        "UPDATE acting SET routed_back = 0, "
        "routed_in = CASE WHEN ends_at > ? THEN 0 ELSE routed_in END WHERE routed_back > ?",
        (at, int(ahead.timestamp())),
    )
    return changed


def held_a_role(tx: Tx, person_id: int, unit: str, now: datetime) -> bool:
    """Whether the person held a role in the unit before (revoked, moved away, an acting
    period that began), as the gate's ``held``."""
    at = ts(now)
    row = tx.one(
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM role_assignments WHERE person_id = ? AND unit = ?) "
        "OR EXISTS (SELECT 1 FROM acting WHERE person_id = ? AND unit = ? AND starts_at <= ?)",
        (person_id, unit, person_id, unit, at),
    )
    return row is not None


@dataclass(frozen=True)
class GateFacts:
    """What the authorization gate needs to know about an update, read in one query."""

    seen: bool  # the update was applied already (a redelivery)
    known: bool  # the person has a row
    started: bool  # and has pressed Start
    roles: frozenset[str]
    username: str | None = None  # as the person's row has it
    # the profile the papers print is given (Person.complete): an act needs it first
    complete: bool = False


def gate_facts(tx: Tx, update_id: int, person_id: int, unit: str, at: datetime) -> GateFacts:
    """The gate's questions in one query; roles held as an acting official at ``at`` count."""
    now = ts(at)
    rows = tx.all(
        "SELECT 'seen', '', NULL, 0 FROM processed_updates WHERE update_id = ? "
        "UNION ALL SELECT 'person', CAST(started_bot AS TEXT), username, "
        "CASE WHEN name <> '' AND position <> '' THEN 1 ELSE 0 END FROM people "
        "WHERE telegram_id = ? "
        "UNION ALL SELECT 'role', role, NULL, 0 FROM role_assignments WHERE person_id = ? "
        "AND unit = ? AND revoked_at IS NULL "
        "UNION ALL SELECT 'role', role, NULL, 0 FROM acting WHERE person_id = ? AND unit = ? "
        "AND starts_at <= ? AND ends_at > ?",
        (update_id, person_id, person_id, unit, person_id, unit, now, now),
    )  # fmt: skip
    seen, started, username, complete, roles = False, None, None, False, set()
    for kind, value, name, given in rows:
        if kind == "seen":
            seen = True
        elif kind == "person":
            started, username, complete = value, name, bool(given)
        else:
            roles.add(value)
    return GateFacts(
        seen=seen,
        known=started is not None,
        started=started not in (None, "0"),
        roles=frozenset(roles),
        username=username,
        complete=complete,
    )


@dataclass(frozen=True)
class ActorFacts:
    """Who a person is for a command, read in one query: name, own roles, acting roles."""

    display: str
    roles: frozenset[str]
    acting: dict[str, str]  # role -> "plh" | "plt", for roles held as an acting official


def actor_facts(tx: Tx, person_id: int, unit: str, at: datetime) -> ActorFacts:
    now = ts(at)
    rows = tx.all(
        "SELECT 'role', role, '' FROM role_assignments WHERE person_id = ? AND unit = ? "
        "AND revoked_at IS NULL "
        "UNION ALL SELECT 'acting', role, kind FROM acting WHERE person_id = ? AND unit = ? "
        "AND starts_at <= ? AND ends_at > ? "
        "UNION ALL SELECT 'person', name, COALESCE(username, '') FROM people "
        "WHERE telegram_id = ?",
        (person_id, unit, person_id, unit, now, now, person_id),
    )
    roles, acting, display = set(), {}, f"ID {person_id}"
    for kind, value, extra in rows:
        if kind == "role":
            roles.add(value)
        elif kind == "acting":
            acting[value] = extra
        else:
            display = value or (f"@{extra}" if extra else display)
    return ActorFacts(display, frozenset(roles), acting)


def active_roles(tx: Tx, person_id: int, unit: str) -> frozenset[str]:
    rows = tx.all(
        "SELECT role FROM role_assignments WHERE person_id = ? AND unit = ? AND revoked_at IS NULL",
        (person_id, unit),
    )
    return frozenset(r[0] for r in rows)


def holders(tx: Tx, unit: str, role: str) -> list[Person]:
    rows = tx.all(
        "SELECT p.* FROM role_assignments a JOIN people p ON p.telegram_id = a.person_id "
        "WHERE a.unit = ? AND a.role = ? AND a.revoked_at IS NULL "
        "ORDER BY a.granted_at, p.telegram_id",
        (unit, role),
    )
    return [_person(r) for r in rows]


def holder_ids(tx: Tx, unit: str, role: str, at: datetime | None) -> tuple[list[int], int | None]:
    """Who holds a role (ids, in :func:`holders`' order) and, with ``at``, the id of the
    acting appointment in force then (:func:`acting_for`): routing's facts in one query."""
    if at is None:
        rows = tx.all(
            "SELECT 0, person_id FROM role_assignments WHERE unit = ? AND role = ? "
            "AND revoked_at IS NULL ORDER BY granted_at, person_id",
            (unit, role),
        )
    else:
        rows = tx.all(
            "SELECT 0 AS k, granted_at AS g, person_id FROM role_assignments "
            "WHERE unit = ? AND role = ? AND revoked_at IS NULL UNION ALL "
            "SELECT 1, '', id FROM (SELECT id FROM acting WHERE unit = ? AND role = ? "
            "AND starts_at <= ? AND ends_at > ? ORDER BY id DESC LIMIT 1) AS latest "
            "ORDER BY 1, 2, 3",
            (unit, role, unit, role, ts(at), ts(at)),
        )
    people = [int(r[-1]) for r in rows if r[0] == 0]
    appointment = next((int(r[-1]) for r in rows if r[0] == 1), None)
    return people, appointment


def grant_role(tx: Tx, person_id: int, role: str, unit: str, now: datetime, by: int | None) -> bool:
    """Bind a role; False if the person holds it already."""
    return (
        tx.run(
            "INSERT INTO role_assignments (person_id, role, unit, granted_at, granted_by) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (person_id, role, unit, ts(now), by),
        )
        > 0
    )


def revoke_role(
    tx: Tx, person_id: int, role: str, unit: str, now: datetime, by: int | None
) -> bool:
    return (
        tx.run(
            "UPDATE role_assignments SET revoked_at = ?, revoked_by = ? "
            "WHERE person_id = ? AND role = ? AND unit = ? AND revoked_at IS NULL",
            (ts(now), by, person_id, role, unit),
        )
        > 0
    )


def role_history(tx: Tx, unit: str) -> list[RoleAssignment]:
    rows = tx.all("SELECT * FROM role_assignments WHERE unit = ? ORDER BY granted_at, id", (unit,))
    return [
        RoleAssignment(
            r["id"],
            r["person_id"],
            r["role"],
            r["unit"],
            parse_ts(r["granted_at"]),
            r["granted_by"],
            parse_ts(r["revoked_at"]) if r["revoked_at"] else None,
            r["revoked_by"],
        )
        for r in rows
    ]


# -- invites -----------------------------------------------------------------------------


def create_invite(
    tx: Tx, token: str, role: str, unit: str, by: int, now: datetime, expires: datetime
) -> None:
    tx.run(
        "INSERT INTO invites (token, role, unit, created_by, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (token, role, unit, by, ts(now), ts(expires)),
    )


def take_invite(tx: Tx, token: str, person_id: int, now: datetime) -> tuple[str, str] | None:
    """Use an invite once: (role, unit), or None if unknown, used or expired."""
    row = tx.one(
        "UPDATE invites SET used_by = ?, used_at = ? "
        "WHERE token = ? AND used_by IS NULL AND expires_at > ? RETURNING role, unit",
        (person_id, ts(now), token, ts(now)),
    )
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class Invite:
    """An invitation not used yet and not expired."""

    token: str
    role: str
    created_by: int
    created_at: datetime
    expires_at: datetime

    @property
    def ref(self) -> str:
        """How a button names it: the moment it was made, in microseconds (callback data
        holds no token: a token is the key to a role)."""
        return str(int(self.created_at.timestamp() * 1_000_000))


def open_invites(tx: Tx, unit: str, now: datetime) -> list[Invite]:
    rows = tx.all(
        "SELECT token, role, created_by, created_at, expires_at FROM invites "
        "WHERE unit = ? AND used_by IS NULL AND expires_at > ? ORDER BY created_at",
        (unit, ts(now)),
    )
    return [Invite(r[0], r[1], int(r[2]), parse_ts(r[3]), parse_ts(r[4])) for r in rows]


def withdraw_invite(tx: Tx, token: str, now: datetime) -> bool:
    """End an invitation now; False when it was used or had expired meanwhile."""
    row = tx.one(
        "UPDATE invites SET expires_at = ? WHERE token = ? AND used_by IS NULL "
        "AND expires_at > ? RETURNING token",
        (ts(now), token, ts(now)),
    )
    return row is not None


def invite_creator(tx: Tx, token: str) -> int | None:
    """The administrator who made an invitation."""
    value = tx.value("SELECT created_by FROM invites WHERE token = ?", (token,))
    return None if value is None else int(value)


# -- SOP revisions -----------------------------------------------------------------------


def save_revision(tx: Tx, revision: str, code: str, source: str, text: str, now: datetime) -> None:
    tx.run(
        "INSERT INTO sop_revisions (revision, code, source, text, first_seen_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (revision, code, source, text, ts(now)),
    )


def revision_texts(tx: Tx) -> list[tuple[str, str, str]]:
    """Every SOP revision ever run here: (revision, source, text), oldest first."""
    rows = tx.all("SELECT revision, source, text FROM sop_revisions ORDER BY first_seen_at")
    return [(r[0], r[1], r[2]) for r in rows]


def cases_without_revision(tx: Tx) -> list[Case]:
    rows = tx.all("SELECT state, format FROM cases WHERE sop_revision IS NULL ORDER BY id")
    return [case_from_json(r[0], r[1]) for r in rows]


def open_cases_by_revision(tx: Tx) -> list[tuple[str, str, int]]:
    """(sop code, revision, number of open cases) for every revision open cases run."""
    rows = tx.all(
        "SELECT sop_code, sop_revision, COUNT(*) FROM cases WHERE status = 'open' "
        "GROUP BY sop_code, sop_revision ORDER BY sop_code, sop_revision NULLS FIRST"
    )
    return [(r[0], r[1] or "", r[2]) for r in rows]


# -- cases and events --------------------------------------------------------------------


def next_case_id(tx: Tx) -> int:
    return int(tx.value("SELECT COALESCE(MAX(id), 0) + 1 FROM cases"))


def load_case(tx: Tx, case_id: int) -> Case | None:
    row = tx.one("SELECT state, format FROM cases WHERE id = ?", (case_id,))
    return case_from_json(row[0], row[1]) if row else None


def save_case(
    tx: Tx,
    case: Case,
    holder_role: str,
    new: bool,
    reminders_from: str | bool | None = False,
) -> None:
    """Insert or update a case's row. ``reminders_from`` (the step's first reminder time,
    or None for none) also starts its reminders afresh; False leaves them as they are."""
    values = (
        case.status.value,
        case.step,
        case.version,
        holder_role,
        ts(case.step_entered_at),
        ts(case.closed_at) if case.closed_at else None,
        case_to_json(case),
        CASE_FORMAT,
    )
    if new:
        tx.run(
            "INSERT INTO cases (status, step, version, holder_role, step_entered_at, closed_at, "
            "state, format, next_due_at, sop_code, unit, title, fiscal_year, opened_at, "
            "sop_revision, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *values,
                reminders_from or None,
                case.sop_code,
                case.unit,
                case.title,
                case.fiscal_year,
                ts(case.opened_at),
                case.revision or None,
                case.id,
            ),
        )
    elif reminders_from is False:
        tx.run(
            "UPDATE cases SET status = ?, step = ?, version = ?, holder_role = ?, "
            "step_entered_at = ?, closed_at = ?, state = ?, format = ? WHERE id = ?",
            (*values, case.id),
        )
    else:
        tx.run(
            "UPDATE cases SET status = ?, step = ?, version = ?, holder_role = ?, "
            "step_entered_at = ?, closed_at = ?, state = ?, format = ?, reminders_sent = 0, "
            "last_reminded_at = NULL, snoozed_until = NULL, next_due_at = ? WHERE id = ?",
            (*values, reminders_from, case.id),
        )


def open_cases_stored_before(tx: Tx, fmt: int) -> list[Case]:
    """Open cases whose stored JSON is of a format older than ``fmt``."""
    rows = tx.all(
        "SELECT state, format FROM cases WHERE status = 'open' AND format < ? ORDER BY id", (fmt,)
    )
    return [case_from_json(r[0], r[1]) for r in rows]


def rewrite_case(tx: Tx, case: Case) -> None:
    """Write a case's state again, in the current format (nothing else of its row changes)."""
    tx.run(
        "UPDATE cases SET state = ?, format = ? WHERE id = ?",
        (case_to_json(case), CASE_FORMAT, case.id),
    )


def set_case_revision(tx: Tx, case: Case) -> None:
    tx.run(
        "UPDATE cases SET sop_revision = ?, state = ?, format = ? WHERE id = ?",
        (case.revision, case_to_json(case), CASE_FORMAT, case.id),
    )


def append_events(tx: Tx, case_id: int, events: Sequence[Event]) -> int:
    """Append to the case's log; returns the sequence number of the first one (numbered
    in the statement that writes it: one statement for the usual one event)."""
    head, *rest = events
    _, _, *fields = event_row(head, 0)
    first = int(
        tx.value(
            "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, "
            "note, data, format) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events "
            "WHERE case_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            (case_id, case_id, *fields),
        )
    )
    if rest:
        tx.many(
            "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, "
            "note, data, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event_row(e, first + i) for i, e in enumerate(rest, start=1)],
        )
    _file_archive_numbers(tx, case_id, events)
    return first


ARCHIVED_AS = "SELECT case_id FROM archive_numbers WHERE number = ?"
"""The archive-number lookup: the number in its compared form (the table's key)."""


def case_archived_as(tx: Tx, reference: str) -> int | None:
    """The case filed under this archive number, if any, however it was written
    (:func:`bot.core.workflow.archive_number_key`)."""
    value = tx.value(ARCHIVED_AS, (archive_number_key(reference),))
    return None if value is None else int(value)


def _file_archive_numbers(tx: Tx, case_id: int, events: Sequence[Event]) -> None:
    """Keep ``archive_numbers`` with the log: a case archived is filed under its number
    (the first case filed under a number keeps it; the service refuses a second), and a
    corrected number replaces the one it corrects."""
    for event in events:
        if event.type is EventType.ARCHIVE_CORRECTED:
            old = archive_number_key(str(event.data["old"]))
            freed = tx.value(
                "DELETE FROM archive_numbers WHERE number = ? AND case_id = ? RETURNING number",
                (old, case_id),
            )
            # filed under it still (two cases filed under one number before level 15,
            # written two ways): it stays taken, by the first of them
            others = archive_references(tx) if freed is not None else {}
            holder = next(
                (c for c, r in others.items() if c != case_id and archive_number_key(r) == old),
                None,
            )
            if holder is not None:
                tx.run(
                    "INSERT INTO archive_numbers (number, case_id) VALUES (?, ?)",
                    (old, holder),
                )
        if event.type in (EventType.ARCHIVED, EventType.ARCHIVE_CORRECTED):
            tx.run(
                "INSERT INTO archive_numbers (number, case_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (archive_number_key(str(event.data["reference"])), case_id),
            )


def archive_references(tx: Tx) -> dict[int, str]:
    """Every archived case's archive number as it stands (its latest archived or
    archive_corrected event), by case."""
    rows = tx.all(
        "SELECT * FROM events WHERE type IN ('archived', 'archive_corrected') ORDER BY case_id, seq"
    )
    events = (event_from_row(r) for r in rows)
    return {e.case_id: str(e.data["reference"]) for e in events}


def shared_archive_numbers(tx: Tx) -> dict[str, list[int]]:
    """The archive numbers (compared form) more than one archived case is filed under,
    with those cases in order: filed before level 15 refused a second case (the same
    number written another way). An administrator corrects them with /ubah_arsip."""
    cases: dict[str, list[int]] = {}
    for case_id, reference in archive_references(tx).items():
        cases.setdefault(archive_number_key(reference), []).append(case_id)
    return {number: ids for number, ids in cases.items() if len(ids) > 1}


def any_file_recorded(tx: Tx) -> bool:
    """Whether the database records any file (upload or paper) in the files folder."""
    return tx.value("SELECT 1 FROM files LIMIT 1") is not None


def archivist_of(tx: Tx, case_id: int) -> int | None:
    """Who filed the case: the actor of its latest archived event (also of a case archived
    before case format 4, whose ``took`` is empty); None for a case not archived."""
    value = tx.value(
        "SELECT actor FROM events WHERE case_id = ? AND type = 'archived' "
        "ORDER BY seq DESC LIMIT 1",
        (case_id,),
    )
    return None if value is None else int(value)


def load_events(tx: Tx, case_id: int) -> list[Event]:
    rows = tx.all("SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))
    return [event_from_row(r) for r in rows]


def event_at(tx: Tx, case_id: int, seq: int) -> Event | None:
    row = tx.one("SELECT * FROM events WHERE case_id = ? AND seq = ?", (case_id, seq))
    return event_from_row(row) if row else None


def last_arrival(tx: Tx, case_id: int) -> tuple[int, Event] | None:
    """The latest move into a step (what brought the case where it is), with its seq."""
    row = tx.one(
        "SELECT * FROM events WHERE case_id = ? AND to_step IS NOT NULL ORDER BY seq DESC LIMIT 1",
        (case_id,),
    )
    return (int(row["seq"]), event_from_row(row)) if row else None


def _roles_filter(roles: Sequence[str]) -> str:
    return ",".join("?" * len(roles))


@dataclass(frozen=True)
class OpenStep:
    """Where an open case stands, without its document: enough to tell whether its step
    has passed its norm (the definition from ``sop_code`` and ``revision``)."""

    case_id: int
    sop_code: str
    revision: str | None
    step: int
    entered_at: datetime


def open_steps_for_roles(tx: Tx, unit: str, roles: Iterable[str]) -> list[OpenStep]:
    """Every open case whose step one of ``roles`` holds, oldest step first, as
    :class:`OpenStep` (the index's columns and a few more: no case document is read)."""
    wanted = list(roles)
    if not wanted:
        return []
    rows = tx.all(
        "SELECT id, sop_code, sop_revision, step, step_entered_at FROM cases "
        f"WHERE status = 'open' AND unit = ? AND holder_role IN ({_roles_filter(wanted)}) "
        "ORDER BY step_entered_at, id",
        (unit, *wanted),
    )
    return [OpenStep(int(r[0]), r[1], r[2], int(r[3]), parse_ts(r[4])) for r in rows]


def open_cases_for_roles(
    tx: Tx, unit: str, roles: Iterable[str], limit: int = 50, offset: int = 0
) -> list[Case]:
    wanted = list(roles)
    if not wanted:
        return []
    rows = tx.all(
        f"SELECT state, format FROM cases WHERE status = 'open' AND unit = ? "
        f"AND holder_role IN ({_roles_filter(wanted)}) ORDER BY step_entered_at, id "
        "LIMIT ? OFFSET ?",
        (unit, *wanted, limit, offset),
    )
    return [case_from_json(r[0], r[1]) for r in rows]


def open_cases_in_unit(tx: Tx, unit: str) -> list[Case]:
    """Every open case of the unit (what a role change asks of each lives in the case
    document: its team, who took its steps)."""
    rows = tx.all(
        "SELECT state, format FROM cases WHERE status = 'open' AND unit = ? ORDER BY id", (unit,)
    )
    return [case_from_json(r[0], r[1]) for r in rows]


def open_cases_with_member(tx: Tx, unit: str, person_id: int) -> list[Case]:
    """The open cases whose team has this person (the team lives in the case document)."""
    return [case for case in open_cases_in_unit(tx, unit) if person_id in case.team]


def recent_cases(tx: Tx, unit: str, sop_codes: Sequence[str], limit: int = 20) -> list[Case]:
    """The latest cases of these SOPs, open ones first.

    Two reads that stop early, not a sort of the unit's whole history: the open cases
    through their partial index, then the newest cases by id (the newest ``limit`` hold
    every closed case the listing can still take)."""
    if not sop_codes:
        return []
    marks = ", ".join("?" for _ in sop_codes)
    open_rows = tx.all(
        "SELECT state, format FROM cases WHERE id IN (SELECT id FROM cases "
        f"WHERE status = 'open' AND unit = ? AND sop_code IN ({marks}) "
        "ORDER BY id DESC LIMIT ?) ORDER BY id DESC",
        (unit, *sop_codes, limit),
    )
    rows = [(r[0], r[1]) for r in open_rows]
    if len(rows) < limit:
        newest = tx.all(
            f"SELECT status, state, format FROM cases WHERE unit = ? AND sop_code IN ({marks}) "
            "ORDER BY id DESC LIMIT ?",
            (unit, *sop_codes, limit),
        )
        rows += [(r[1], r[2]) for r in newest if r[0] != "open"][: limit - len(rows)]
    return [case_from_json(state, fmt) for state, fmt in rows]


# -- reports -----------------------------------------------------------------------------

# The events that place a case at a step or move it: all the figures of bot.stats need.
_TIMELINE_TYPES = ("started", "completed", "approved", "returned", "withdrawn", "archived",
                   "cancelled")  # fmt: skip


# The cases a report over [start, end) reads: open now, or alive at some time in it (opened
# before its end, closed at or after its start). Two index reads, not a scan of every case
# ever opened: the open ones (cases_open_by_role), then the closed ones by closing time
# (cases_closed). Parameters: unit, SOP, unit, SOP, start, end.
_REPORT_CASE_IDS = (
    "SELECT id FROM cases WHERE status = 'open' AND unit = ? AND sop_code = ? "
    "UNION ALL SELECT id FROM cases WHERE status <> 'open' AND unit = ? AND sop_code = ? "
    "AND closed_at >= ? AND opened_at < ?"
)


def _report_args(unit: str, sop_code: str, start: datetime, end: datetime) -> tuple[str, ...]:
    return (unit, sop_code, unit, sop_code, ts(start), ts(end))


def report_cases(
    tx: Tx, unit: str, sop_code: str, start: datetime, end: datetime
) -> list[tuple[int, str, str]]:
    """(id, SOP revision or "", title) of every case of ``unit`` running ``sop_code`` that
    is open now or whose life overlaps ``[start, end)`` (opened before ``end``, not closed
    before ``start``), by id."""
    rows = tx.all(
        f"SELECT id, sop_revision, title FROM cases WHERE id IN ({_REPORT_CASE_IDS}) ORDER BY id",
        _report_args(unit, sop_code, start, end),
    )
    return [(r[0], r[1] or "", r[2]) for r in rows]


def report_moves(
    tx: Tx, unit: str, sop_code: str, start: datetime, end: datetime
) -> Iterator[tuple[int, str, int, int | None, str, str | None]]:
    """The moves of the cases of :func:`report_cases`, in one query, as the rows come
    (consume them inside the same read): (case id, event type, step, to_step, when as
    stored (ISO 8601 text, UTC), the reason of a return or None), by case, each case's in
    the order of its log. Plain columns only (no JSON, no people): a year of cases is
    some 200,000 of these rows (:func:`bot.stats.report_from_log`)."""
    rows: Iterator[Any] = tx.each(
        "SELECT case_id, type, step, to_step, at, CASE WHEN type = 'returned' THEN reason END "
        f"FROM events WHERE case_id IN ({_REPORT_CASE_IDS}) "
        f"AND type IN ({_roles_filter(_TIMELINE_TYPES)}) ORDER BY case_id, seq",
        (*_report_args(unit, sop_code, start, end), *_TIMELINE_TYPES),
    )
    return rows


# -- reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRow:
    case: Case
    reminders_sent: int
    last_reminded_at: datetime | None
    snoozed_until: datetime | None


def reminder_row(tx: Tx, case_id: int, version: int | None = None) -> ReminderRow | None:
    """An open case with its reminder state (at ``version``, when given)."""
    sql = (
        "SELECT state, format, reminders_sent, last_reminded_at, snoozed_until FROM cases "
        "WHERE id = ? AND status = 'open'"
    )
    if version is None:
        row = tx.one(sql, (case_id,))
    else:
        row = tx.one(f"{sql} AND version = ?", (case_id, version))
    if row is None:
        return None
    return ReminderRow(
        case_from_json(row[0], row[1]),
        row[2],
        parse_ts(row[3]) if row[3] else None,
        parse_ts(row[4]) if row[4] else None,
    )


def set_reminder_state(
    tx: Tx,
    case_id: int,
    *,
    next_due_at: datetime | None,
    reminders_sent: int | None = None,
    last_reminded_at: datetime | None = None,
    snoozed_until: datetime | None = None,
) -> None:
    """Set the next due time; the other fields only where given."""
    tx.run(
        "UPDATE cases SET next_due_at = ?, reminders_sent = COALESCE(?, reminders_sent), "
        "last_reminded_at = COALESCE(?, last_reminded_at), "
        "snoozed_until = COALESCE(?, snoozed_until) WHERE id = ?",
        (
            ts(next_due_at) if next_due_at else None,
            reminders_sent,
            ts(last_reminded_at) if last_reminded_at else None,
            ts(snoozed_until) if snoozed_until else None,
            case_id,
        ),
    )


def due_case_ids(tx: Tx, now: datetime, limit: int) -> list[int]:
    rows = tx.all(
        "SELECT id FROM cases WHERE status = 'open' AND next_due_at <= ? "
        "ORDER BY next_due_at LIMIT ?",
        (ts(now), limit),
    )
    return [r[0] for r in rows]


def next_due_after(tx: Tx, at: datetime) -> datetime | None:
    """The earliest stored due time of an open case's reminder later than ``at`` (None:
    none)."""
    value = tx.value(
        "SELECT MIN(next_due_at) FROM cases WHERE status = 'open' AND next_due_at > ?",
        (ts(at),),
    )
    return parse_ts(value) if value else None


def open_reminder_rows(tx: Tx) -> list[tuple[ReminderRow, datetime | None]]:
    """Every open case with its reminder state and its stored due time (None: none)."""
    rows = tx.all(
        "SELECT state, format, reminders_sent, last_reminded_at, snoozed_until, next_due_at "
        "FROM cases WHERE status = 'open' ORDER BY id"
    )
    return [
        (
            ReminderRow(
                case_from_json(r[0], r[1]),
                r[2],
                parse_ts(r[3]) if r[3] else None,
                parse_ts(r[4]) if r[4] else None,
            ),
            parse_ts(r[5]) if r[5] else None,
        )
        for r in rows
    ]


# -- the chase log: reminders, escalations and snoozes, kept as long as the case ---------


@dataclass(frozen=True)
class Chase:
    """One reminder or escalation delivered, or one /tunda applied, at a case's step."""

    kind: str  # "reminder" | "escalation" | "snooze"
    step: int
    at: datetime
    person_id: int  # who was reminded or told (escalation); who postponed (snooze)
    role: str  # the role they were chased as; the role they held the step in (snooze)
    number: int | None = None  # the reminder's number at the step (reminder, escalation)
    until: datetime | None = None  # no reminder before this (snooze)


def log_chases(tx: Tx, case_id: int, chases: Sequence[Chase]) -> None:
    """Append to the case's chase log (append-only; the outbox's retention leaves it)."""
    rows = [
        (
            case_id,
            c.step,
            ts(c.at),
            c.kind,
            c.person_id,
            c.role,
            c.number,
            ts(c.until) if c.until else None,
        )
        for c in chases
    ]
    if rows:
        tx.many(
            "INSERT INTO chases (case_id, step, at, kind, person_id, role, number, until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def chases_of_case(tx: Tx, case_id: int) -> list[Chase]:
    """The case's chase log, in the order written."""
    rows = tx.all(
        "SELECT kind, step, at, person_id, role, number, until FROM chases WHERE case_id = ? "
        "ORDER BY id",
        (case_id,),
    )
    return [
        Chase(r[0], r[1], parse_ts(r[2]), r[3], r[4], r[5], parse_ts(r[6]) if r[6] else None)
        for r in rows
    ]


def told_of_reminder(tx: Tx, case_id: int, step: int, number: int, since: datetime) -> set[int]:
    """Who the case's chase log shows was reminded or told (escalation) of its reminder
    ``number`` at ``step`` since ``since`` (when the case entered the step: an earlier stay
    at the same step had reminders of its own numbers). Only their ids, read by the index
    of the case's rows; ``at`` is compared as the UTC text :func:`ts` stores."""
    rows = tx.all(
        "SELECT DISTINCT person_id FROM chases WHERE case_id = ? AND step = ? AND number = ? "
        "AND kind <> 'snooze' AND at >= ?",
        (case_id, step, number, ts(since)),
    )
    return {r[0] for r in rows}


# -- files -------------------------------------------------------------------------------


def _file(row: Row) -> StoredFile:
    return StoredFile(
        row["id"],
        row["case_id"],
        row["doc"],
        row["kind"],
        row["telegram_file_id"],
        row["telegram_unique_id"],
        row["name"],
        row["mime"],
        row["size"],
        row["sha256"],
        row["path"],
        row["uploaded_by"],
        parse_ts(row["uploaded_at"]),
        row["source_seq"],
    )


def add_file(
    tx: Tx,
    *,
    case_id: int,
    doc: str,
    kind: str,
    name: str,
    size: int,
    sha256: str,
    path: str,
    uploaded_by: int,
    now: datetime,
    telegram_file_id: str | None = None,
    telegram_unique_id: str | None = None,
    mime: str = "",
    source_seq: int | None = None,
) -> int:
    return int(
        tx.value(
            "INSERT INTO files (case_id, doc, kind, telegram_file_id, telegram_unique_id, name, "
            "mime, size, sha256, path, uploaded_by, uploaded_at, source_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                case_id,
                doc,
                kind,
                telegram_file_id,
                telegram_unique_id,
                name,
                mime,
                size,
                sha256,
                path,
                uploaded_by,
                ts(now),
                source_seq,
            ),
        )
    )


def get_file(tx: Tx, file_id: int) -> StoredFile | None:
    row = tx.one("SELECT * FROM files WHERE id = ?", (file_id,))
    return _file(row) if row else None


def files_by_ids(tx: Tx, ids: Iterable[int]) -> dict[int, StoredFile]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = tx.all(f"SELECT * FROM files WHERE id IN ({','.join('?' * len(wanted))})", wanted)
    return {r["id"]: _file(r) for r in rows}


def files_of_case(tx: Tx, case_id: int) -> list[StoredFile]:
    rows = tx.all("SELECT * FROM files WHERE case_id = ? ORDER BY id", (case_id,))
    return [_file(r) for r in rows]


def papers_for(tx: Tx, case_id: int, seq: int, docs: Sequence[str]) -> list[StoredFile]:
    """The papers written for event ``seq`` (of the given documents), in writing order."""
    if not docs:
        return []
    rows = tx.all(
        f"SELECT * FROM files WHERE case_id = ? AND source_seq = ? AND kind = 'paper' "
        f"AND doc IN ({','.join('?' * len(docs))}) ORDER BY id",
        (case_id, seq, *docs),
    )
    return [_file(r) for r in rows]


def set_file_telegram_id(tx: Tx, file_id: int, telegram_file_id: str) -> None:
    tx.run(
        "UPDATE files SET telegram_file_id = ? WHERE id = ? AND telegram_file_id IS NULL",
        (telegram_file_id, file_id),
    )


def find_file(tx: Tx, case_id: int, sha256: str, kind: str = "upload") -> StoredFile | None:
    row = tx.one(
        "SELECT * FROM files WHERE case_id = ? AND sha256 = ? AND kind = ? ORDER BY id LIMIT 1",
        (case_id, sha256, kind),
    )
    return _file(row) if row else None


def set_file_doc(tx: Tx, file_id: int, doc: str) -> None:
    tx.run("UPDATE files SET doc = ? WHERE id = ?", (doc, file_id))


# -- who has received which file --------------------------------------------------------


def delivered(tx: Tx, person_id: int, file_ids: Iterable[int]) -> dict[int, int]:
    """Of ``file_ids``, those the person already has: file id -> the message that has it."""
    wanted = list(dict.fromkeys(file_ids))
    if not wanted:
        return {}
    rows = tx.all(
        f"SELECT file_id, message_id FROM deliveries WHERE person_id = ? "
        f"AND file_id IN ({','.join('?' * len(wanted))})",
        (person_id, *wanted),
    )
    return {r[0]: r[1] for r in rows}


def record_delivery(tx: Tx, person_id: int, file_id: int, message_id: int) -> None:
    tx.run(
        "INSERT INTO deliveries (person_id, file_id, message_id) VALUES (?, ?, ?) "
        "ON CONFLICT (person_id, file_id) DO UPDATE SET message_id = excluded.message_id",
        (person_id, file_id, message_id),
    )


# -- outbox ------------------------------------------------------------------------------


_ENQUEUE = (
    "INSERT INTO outbox (chat_id, kind, case_id, version, params, created_at, next_attempt_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def outbox_row(
    chat_id: int,
    kind: str,
    now: datetime,
    *,
    case_id: int | None = None,
    version: int | None = None,
    params: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> tuple[Any, ...]:
    """An outbox row's values, for :func:`enqueue_rows`."""
    return (
        chat_id,
        kind,
        case_id,
        version,
        dumps(params) if params else "{}",
        ts(now),
        ts(not_before or now),
    )


def enqueue(
    tx: Tx,
    chat_id: int,
    kind: str,
    now: datetime,
    *,
    case_id: int | None = None,
    version: int | None = None,
    params: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue one row; its id."""
    row = outbox_row(
        chat_id,
        kind,
        now,
        case_id=case_id,
        version=version,
        params=params,
        not_before=not_before,
    )
    return int(tx.value(_ENQUEUE + " RETURNING id", row))


def enqueue_rows(tx: Tx, rows: Sequence[tuple[Any, ...]]) -> None:
    """Several rows of :func:`outbox_row` in one statement, in this order."""
    if len(rows) == 1:
        tx.run(_ENQUEUE, rows[0])
    elif rows:
        tx.many(_ENQUEUE, rows)


def due_outbox(tx: Tx, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Rows due now, oldest first; never a message behind an earlier one of its chat that is
    waiting for a retry (it would overtake it: per-chat order). Papers (chat 0) are
    rendering jobs, not messages: one waiting does not hold up the others, nor does a
    reminder or escalation waiting for the office to open (:func:`defer_to_office`)."""
    return _due_outbox(tx, now, limit, "")


def take_due_outbox(
    tx: Tx, now: datetime, limit: int, lease_until: datetime, busy: Collection[int] = ()
) -> list[OutboxItem]:
    """Take the rows due now (as :func:`due_outbox`) to send them: each is leased until
    ``lease_until`` (its next attempt moves there), so no other sender takes it meanwhile;
    sending settles it (sent, retry, failed) or :func:`release_outbox` gives it back. Rows
    another transaction holds are passed over (``tx.take_rows``), and so are the chats in
    ``busy`` (this sender is delivering to them). A sender that dies leaves its rows to be
    taken again when the lease ends: at least once, never lost."""
    items = _due_outbox(tx, now, limit, tx.take_rows, busy)
    if items:
        marks = ",".join("?" * len(items))
        tx.run(
            f"UPDATE outbox SET next_attempt_at = ? WHERE id IN ({marks})",
            (ts(lease_until), *(i.id for i in items)),
        )
    return items


def pending_task_row(tx: Tx, chat_id: int, case_id: int) -> int | None:
    """The latest task row of a case for a chat that is still to go, if any."""
    value = tx.value(
        "SELECT MAX(id) FROM outbox WHERE chat_id = ? AND case_id = ? AND kind = 'task' "
        "AND sent_at IS NULL AND failed_at IS NULL",
        (chat_id, case_id),
    )
    return None if value is None else int(value)


OUTBOX_LEASE = timedelta(seconds=10)
"""How long a taken row is leased (:func:`take_due_outbox`, :func:`take_outbox_rows`): no
other sender takes it meanwhile (a second bot process in the seconds before it learns it is
not the active one); the rows of a sender that died are taken again when their lease ends."""


def take_outbox_rows(
    tx: Tx, ids: Sequence[int], now: datetime, lease_until: datetime
) -> list[OutboxItem]:
    """Take rows that answer an official, out of their chat's turn, leased as
    :func:`take_due_outbox` leases. Only an answer that overtakes nothing of its own case
    is taken: when a row of the same chat and case is queued before it (the album a task
    stands on, an earlier task), it keeps its turn, so the chat's own order for that case,
    and what the sender knows the person already has, stay as the regular rounds keep
    them. The rows of the answer taken before a row (a reaction before the checklist it
    changes) do not hold it back: they go first, in the answer's order; nor does a reminder
    waiting for the office to open (:func:`defer_to_office`)."""
    taken: list[OutboxItem] = []
    at = ts(now)
    for answer_id in ids:
        ahead = [item.id for item in taken]
        row = tx.one(
            "SELECT id, chat_id, kind, case_id, version, params, attempts FROM outbox o "
            "WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? "
            "AND case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox e "
            "WHERE e.chat_id = o.chat_id AND e.case_id = o.case_id AND e.id < o.id "
            "AND e.sent_at IS NULL AND e.failed_at IS NULL "
            f"AND (e.last_error IS NULL OR e.last_error <> ?){_not_in('e.id', ahead)})"
            f"{tx.take_rows}",
            (answer_id, at, OFFICE_CLOSED, *ahead),
        )
        if row is None:
            continue
        tx.run("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (ts(lease_until), row[0]))
        taken.append(_outbox_item(row))
    return taken


def pull_forward_outbox(
    tx: Tx, now: datetime, horizon: timedelta, busy: Collection[int] = ()
) -> int:
    """Make due now the rows still to go that wait beyond ``now + horizon``: after the host's
    clock was set back, the retry times and leases written before are that much too late
    (a row would wait the hour the clock went back). A long 429 wait cut short meets
    another 429 and waits again. The chats in ``busy`` are left out (their rows are being
    sent)."""
    return tx.run(
        "UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL "
        f"AND next_attempt_at > ?{_not_in('chat_id', busy)}",
        (ts(now), ts(now + horizon), *busy),
    )


def release_outbox(tx: Tx, ids: Sequence[int], lease_until: datetime, now: datetime) -> int:
    """Give back rows taken but not tried (still leased until ``lease_until``): due now."""
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    return tx.run(
        f"UPDATE outbox SET next_attempt_at = ? WHERE id IN ({marks}) AND sent_at IS NULL "
        "AND failed_at IS NULL AND next_attempt_at = ?",
        (ts(now), *ids, ts(lease_until)),
    )


def _outbox_item(row: Row) -> OutboxItem:
    """A row of ``SELECT id, chat_id, kind, case_id, version, params, attempts``."""
    return OutboxItem(row[0], row[1], row[2], row[3], row[4], loads(row[5]), row[6])


def _not_in(column: str, ids: Collection[int]) -> str:
    """``AND column NOT IN (?, ...)`` for ``ids`` (their values follow); "" for none."""
    return f" AND {column} NOT IN ({','.join('?' * len(ids))})" if ids else ""


def _due_outbox(
    tx: Tx, now: datetime, limit: int, take: str, busy: Collection[int] = ()
) -> list[OutboxItem]:
    at = ts(now)
    rows = tx.all(
        "SELECT id, chat_id, kind, case_id, version, params, attempts FROM outbox "
        "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
        f"{_not_in('chat_id', busy)} ORDER BY id LIMIT ?{take}",
        (at, *busy, limit),
    )
    if not rows:
        return []
    waiting = {
        r[0]: r[1]
        for r in tx.all(
            "SELECT chat_id, MIN(id) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
            "AND next_attempt_at > ? AND (last_error IS NULL OR last_error <> ?) "
            "GROUP BY chat_id",
            (at, OFFICE_CLOSED),
        )
    }
    return [_outbox_item(r) for r in rows if r[1] == 0 or r[0] < waiting.get(r[1], r[0] + 1)]


def papers_pending(tx: Tx, case_id: int) -> bool:
    """A paper of the case is still to be written (its recipients' rows wait for it)."""
    return (
        tx.one(
            "SELECT 1 FROM outbox WHERE chat_id = 0 AND case_id = ? AND sent_at IS NULL "
            "AND failed_at IS NULL LIMIT 1",
            (case_id,),
        )
        is not None
    )


def next_outbox_time(tx: Tx, busy: Collection[int] = ()) -> datetime | None:
    """When the next row can go (rows of the chats in ``busy`` left out): a chat's rows go
    in order, so only its first row still to go counts (the rows behind one that waits, for
    its papers or a 429, wait with it); every paper job counts."""
    value = tx.value(
        "SELECT MIN(t) FROM (SELECT next_attempt_at AS t FROM outbox WHERE id IN "
        "(SELECT MIN(id) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
        f"AND chat_id <> 0{_not_in('chat_id', busy)} GROUP BY chat_id) "
        "UNION ALL SELECT MIN(next_attempt_at) FROM outbox WHERE chat_id = 0 "
        "AND sent_at IS NULL AND failed_at IS NULL) AS heads",
        tuple(busy),
    )
    return parse_ts(value) if value else None


def mark_sent(tx: Tx, item_id: int, now: datetime, message_id: int | None) -> None:
    tx.run(
        "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
        (ts(now), message_id, item_id),
    )


def settle_decided(tx: Tx, item_id: int, shown: bool, now: datetime) -> bool:
    """A decision's row, waiting while its handler shows the decision itself: settled as
    sent (``shown``), or due now, for the outbox to show it. One the outbox has taken
    meanwhile (the handler took longer than the wait) is left to it. Whether a row of its
    chat is now due that it held back (the chat's rows go in order)."""
    if shown:
        tx.run(
            "UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL",
            (ts(now), item_id),
        )
    else:
        tx.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL "
            "AND failed_at IS NULL AND next_attempt_at > ?",
            (ts(now), item_id, ts(now)),
        )
        return True
    behind = tx.one(
        "SELECT 1 FROM outbox o WHERE o.chat_id = (SELECT chat_id FROM outbox WHERE id = ?) "
        "AND o.id > ? AND o.sent_at IS NULL AND o.failed_at IS NULL LIMIT 1",
        (item_id, item_id),
    )
    return behind is not None


def mark_retry(tx: Tx, item_id: int, when: datetime, error: str, count: bool = True) -> None:
    """Try again at ``when``; ``count=False`` when the row only waits (it did not fail)."""
    tx.run(
        "UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? "
        "WHERE id = ?",
        (1 if count else 0, ts(when), error[:500], item_id),
    )


NO_BUNDLE = "no_bundle"  # in a files row's params: send the papers without the archive bundle


def mark_without_bundle(tx: Tx, item_id: int, now: datetime) -> None:
    """A files row whose archive bundle the Bot API server refused as too large (413): due
    again now, with the papers alone."""
    row = tx.one("SELECT params FROM outbox WHERE id = ?", (item_id,))
    params = {**(loads(row[0]) if row else {}), NO_BUNDLE: 1}
    tx.run(
        "UPDATE outbox SET params = ?, next_attempt_at = ?, attempts = attempts + 1, "
        "last_error = 'Request Entity Too Large: sent again without the archive bundle' "
        "WHERE id = ?",
        (dumps(params), ts(now), item_id),
    )


def mark_failed(tx: Tx, item_id: int, now: datetime, error: str) -> None:
    tx.run(
        "UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?",
        (ts(now), error[:500], item_id),
    )


def outbox_counts(tx: Tx) -> dict[str, int]:
    row = tx.one(
        "SELECT COUNT(*) FILTER (WHERE sent_at IS NOT NULL), "
        "COUNT(*) FILTER (WHERE failed_at IS NOT NULL), "
        "COUNT(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) FROM outbox"
    )
    assert row is not None
    return {"sent": row[0], "failed": row[1], "pending": row[2]}


def prune(tx: Tx, sent_before: datetime, updates_before: datetime) -> tuple[int, int]:
    """Forget delivered outbox rows and claimed update ids older than the retention, the
    albums seen before the update ids, and who received which file of cases closed before
    it (the event log stays the record). Rows that never went (Telegram refused them: the
    person had blocked the bot; or given up) about cases closed before the retention go
    too: they would otherwise stay for good, and a person who unblocks the bot a year
    later would be sent every one of them again (:func:`requeue_refused`), notices of
    cases long closed among them.
    Returns (outbox rows, update ids) removed."""
    rows = tx.run(
        "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", (ts(sent_before),)
    )
    rows += tx.run(
        "DELETE FROM outbox WHERE sent_at IS NULL AND failed_at IS NOT NULL AND failed_at < ? "
        "AND case_id IN (SELECT id FROM cases WHERE status <> 'open' AND closed_at < ?)",
        (ts(sent_before), ts(sent_before)),
    )
    updates = tx.run("DELETE FROM processed_updates WHERE at < ?", (ts(updates_before),))
    tx.run("DELETE FROM albums WHERE at < ?", (ts(updates_before),))
    tx.run(
        "DELETE FROM deliveries WHERE file_id IN (SELECT f.id FROM files f JOIN cases c "
        "ON c.id = f.case_id WHERE c.status <> 'open' AND c.closed_at < ?)",
        (ts(sent_before),),
    )
    return rows, updates


# -- messages that carry a step's buttons ------------------------------------------------


def record_task_message(tx: Tx, chat_id: int, message_id: int, case_id: int, version: int) -> None:
    tx.run(
        "INSERT INTO task_messages (chat_id, message_id, case_id, version) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, message_id) DO UPDATE SET case_id = excluded.case_id, "
        "version = excluded.version",
        (chat_id, message_id, case_id, version),
    )


def take_task_messages(tx: Tx, case_id: int, version: int) -> list[tuple[int, int]]:
    """Messages whose buttons belong to ``version`` or earlier; forgotten once returned."""
    rows = tx.all(
        "DELETE FROM task_messages WHERE case_id = ? AND version <= ? "
        "RETURNING chat_id, message_id",
        (case_id, version),
    )
    return sorted((r[0], r[1]) for r in rows)


def take_task_messages_in_chat(tx: Tx, case_id: int, chat_id: int) -> list[int]:
    """The case's messages with buttons in one chat; forgotten once returned."""
    rows = tx.all(
        "DELETE FROM task_messages WHERE case_id = ? AND chat_id = ? RETURNING message_id",
        (case_id, chat_id),
    )
    return sorted(r[0] for r in rows)


def task_message_version(tx: Tx, chat_id: int, message_id: int, case_id: int) -> int | None:
    """The version of the case whose buttons this message carries (a task, a Tarik
    kembali), as recorded; None when it is not recorded to carry any of the case."""
    value = tx.value(
        "SELECT version FROM task_messages WHERE chat_id = ? AND message_id = ? AND case_id = ?",
        (chat_id, message_id, case_id),
    )
    return None if value is None else int(value)


def task_message_cases_in_chat(tx: Tx, chat_id: int) -> list[int]:
    """The cases with a message with buttons in one chat (a task, a Tarik kembali)."""
    rows = tx.all("SELECT DISTINCT case_id FROM task_messages WHERE chat_id = ?", (chat_id,))
    return sorted(r[0] for r in rows)


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


# the last_error of a reminder or escalation put off until the office opens (defer_to_office)
OFFICE_CLOSED = "office closed: put off to the next working moment"


def defer_to_office(tx: Tx, item_id: int, until: datetime) -> None:
    """A reminder or escalation that came due outside office time waits until ``until``
    (the office's next working moment), not counted as an attempt. It holds up none of its
    chat's later rows (:func:`take_due_outbox`, :func:`take_outbox_rows`): what else the
    person gets meanwhile goes at once."""
    mark_retry(tx, item_id, until, OFFICE_CLOSED, count=False)


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
    outbox edits these cases out of it (``bot.outbox``, its ``_digest_row``)."""
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


def dropped_meanwhile(tx: Tx, item_id: int) -> bool:
    """Whether :func:`drop_queued_tasks` settled this row while it was on its way."""
    return (
        tx.value(
            "SELECT 1 FROM outbox WHERE id = ? AND sent_at IS NOT NULL AND last_error = ?",
            (item_id, NOT_THE_HOLDER),
        )
        is not None
    )


def case_of_message(tx: Tx, chat_id: int, message_id: int) -> int | None:
    """The case a task message of this chat is about (one with buttons, or the live one)."""
    value = tx.value(
        "SELECT case_id FROM task_messages WHERE chat_id = ? AND message_id = ? UNION ALL "
        "SELECT case_id FROM live_tasks WHERE chat_id = ? AND message_id = ? LIMIT 1",
        (chat_id, message_id, chat_id, message_id),
    )
    return None if value is None else int(value)


def forget_task_message(tx: Tx, chat_id: int, message_id: int) -> None:
    tx.run("DELETE FROM task_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))


# -- the one live task message per holder and case ---------------------------------------


def live_task(tx: Tx, chat_id: int, case_id: int) -> tuple[int, int] | None:
    """(version, message id) of the task message kept up to date in this chat."""
    row = tx.one(
        "SELECT version, message_id FROM live_tasks WHERE chat_id = ? AND case_id = ?",
        (chat_id, case_id),
    )
    return (row[0], row[1]) if row else None


def set_live_task(tx: Tx, chat_id: int, case_id: int, version: int, message_id: int) -> None:
    tx.run(
        "INSERT INTO live_tasks (chat_id, case_id, version, message_id) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, case_id) DO UPDATE SET version = excluded.version, "
        "message_id = excluded.message_id",
        (chat_id, case_id, version, message_id),
    )


def take_live_tasks(tx: Tx, case_id: int) -> set[tuple[int, int]]:
    """The case's live task messages (chat, message); forgotten once returned."""
    rows = tx.all(
        "DELETE FROM live_tasks WHERE case_id = ? RETURNING chat_id, message_id", (case_id,)
    )
    return {(r[0], r[1]) for r in rows}


# -- pending dialogues -------------------------------------------------------------------


_SAME_DIALOGUE = (
    "dialogues.kind = excluded.kind AND (dialogues.case_id = excluded.case_id "
    "OR dialogues.case_id IS NULL AND excluded.case_id IS NULL)"
)


def set_dialogue(
    tx: Tx,
    person_id: int,
    kind: str,
    now: datetime,
    case_id: int | None = None,
    version: int | None = None,
    data: dict[str, Any] | None = None,
) -> Dialogue | None:
    """Start (or continue) a dialogue; returns the one it replaced, if it was another."""
    before = get_dialogue(tx, person_id)
    tx.run("DELETE FROM ended_dialogues WHERE person_id = ?", (person_id,))
    tx.run(
        "INSERT INTO dialogues (person_id, kind, case_id, version, data, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET kind = excluded.kind, "
        "case_id = excluded.case_id, version = excluded.version, data = excluded.data, "
        "created_at = excluded.created_at, "
        f"prompt_chat = CASE WHEN {_SAME_DIALOGUE} THEN dialogues.prompt_chat END, "
        f"prompt_message = CASE WHEN {_SAME_DIALOGUE} THEN dialogues.prompt_message END",
        (person_id, kind, case_id, version, dumps(data) if data else "{}", ts(now)),
    )
    if before is not None and (before.kind, before.case_id) != (kind, case_id):
        return before
    return None


def _dialogue(row: Row) -> Dialogue:
    prompt = (
        (row["prompt_chat"], row["prompt_message"]) if row["prompt_message"] is not None else None
    )
    return Dialogue(
        row["person_id"],
        row["kind"],
        row["case_id"],
        row["version"],
        loads(row["data"]),
        parse_ts(row["created_at"]),
        prompt,
    )


def get_dialogue(tx: Tx, person_id: int) -> Dialogue | None:
    row = tx.one("SELECT * FROM dialogues WHERE person_id = ?", (person_id,))
    return _dialogue(row) if row else None


def clear_dialogue(tx: Tx, person_id: int) -> Dialogue | None:
    """End the person's dialogue; returns it (its prompt may still show buttons)."""
    row = tx.one("DELETE FROM dialogues WHERE person_id = ? RETURNING *", (person_id,))
    return _dialogue(row) if row else None


def dialogues_of_case(tx: Tx, case_id: int) -> list[Dialogue]:
    rows = tx.all("DELETE FROM dialogues WHERE case_id = ? RETURNING *", (case_id,))
    return [_dialogue(r) for r in rows]


def note_ended_dialogue(tx: Tx, person_id: int, ended: EndedDialogue) -> None:
    """Keep why the person's question ended without their answer (replacing the last)."""
    tx.run(
        "INSERT INTO ended_dialogues (person_id, kind, case_id, step, why, role, actor, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
        "kind = excluded.kind, case_id = excluded.case_id, step = excluded.step, "
        "why = excluded.why, role = excluded.role, actor = excluded.actor, at = excluded.at",
        (
            person_id,
            ended.kind,
            ended.case_id,
            ended.step,
            ended.why,
            ended.role,
            ended.actor,
            ts(ended.at),
        ),
    )


def take_ended_dialogue(tx: Tx, person_id: int) -> EndedDialogue | None:
    """The person's question that ended without their answer, if any; told once."""
    row = tx.one("DELETE FROM ended_dialogues WHERE person_id = ? RETURNING *", (person_id,))
    if row is None:
        return None
    return EndedDialogue(
        row["kind"],
        row["case_id"],
        row["step"],
        row["why"],
        parse_ts(row["at"]),
        row["role"],
        row["actor"],
    )


def set_dialogue_prompt(
    tx: Tx, person_id: int, kind: str, case_id: int | None, chat_id: int, message_id: int
) -> bool:
    """Remember the message that shows the dialogue's buttons; False if the dialogue ended
    (or changed) before the message went out."""
    sql = (
        "UPDATE dialogues SET prompt_chat = ?, prompt_message = ? "
        "WHERE person_id = ? AND kind = ? AND case_id "
    )
    if case_id is None:
        changed = tx.run(sql + "IS NULL", (chat_id, message_id, person_id, kind))
    else:
        changed = tx.run(sql + "= ?", (chat_id, message_id, person_id, kind, case_id))
    return changed > 0


# -- updates already applied -------------------------------------------------------------


def claim_update(tx: Tx, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen; False for a redelivery."""
    return (
        tx.run(
            "INSERT INTO processed_updates (update_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (update_id, ts(now)),
        )
        > 0
    )


# -- the inbox: updates received and not yet handled (bot/inbox.py) -----------------------


def receive_update(tx: Tx, update_id: int, body: str, now: datetime) -> bool:
    """Keep an update until it is handled; False when it is kept already (Telegram
    delivered it again while the first copy waits or is being handled)."""
    return (
        tx.run(
            "INSERT INTO inbox (update_id, body, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (update_id, body, ts(now)),
        )
        > 0
    )


def forget_updates(tx: Tx, update_ids: Sequence[int]) -> None:
    """The updates were handled."""
    if update_ids:
        marks = ",".join("?" * len(update_ids))
        tx.run(f"DELETE FROM inbox WHERE update_id IN ({marks})", tuple(update_ids))


def updates_to_replay(tx: Tx, most: int) -> tuple[list[tuple[int, str]], list[int]]:
    """At start: the updates a stop left unhandled, in order, each counted as put back once
    more; and those already put back ``most`` times (each start that took them up ended
    before they were handled), dropped now: an update that stops the bot must not stop it
    at every start."""
    rows = tx.all("SELECT update_id, body, replays FROM inbox ORDER BY update_id")
    dropped = [int(r[0]) for r in rows if r[2] >= most]
    forget_updates(tx, dropped)
    tx.run("UPDATE inbox SET replays = replays + 1")
    return [(int(r[0]), str(r[1])) for r in rows if r[2] < most], dropped


def update_seen(tx: Tx, update_id: int) -> bool:
    return tx.one("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None


# -- albums: the case one file's caption names, for the album's other files ---------------


@dataclass(frozen=True)
class SentFile:
    """A file an official sent, as an upload needs it. A file of an album that came before
    any file of it named the case is kept so (not yet downloaded, a row of ``album_files``)
    until one does, or until it is asked about, and then until it is recorded or its
    sender told why not (``waited``)."""

    chat_id: int
    message_id: int
    media_group_id: str | None
    person_id: int
    update_id: int | None
    file_id: str
    unique_id: str
    name: str
    size: int | None
    mime: str
    caption: str
    # named by its MIME type (the name said no type): Telegram knows it by another name, so
    # it is passed on as its bytes under this one, not by its file_id
    renamed: bool = False
    # a row of album_files: it goes in the transaction that records the file (or once the
    # sender is told why not), never before, so a crash meanwhile loses no file
    waited: bool = False


def _sent_file(row: Row) -> SentFile:
    file = loads(row["file"])
    return SentFile(
        chat_id=int(row["chat_id"]),
        message_id=int(row["message_id"]),
        media_group_id=str(row["media_group_id"]),
        person_id=int(row["person_id"]),
        update_id=None if row["update_id"] is None else int(row["update_id"]),
        file_id=file["id"],
        unique_id=file["unique_id"],
        name=file["name"],
        size=file["size"],
        mime=file["mime"],
        caption=file["caption"],
        renamed=bool(file.get("renamed", False)),
        waited=True,
    )


def album_case(tx: Tx, chat_id: int, media_group_id: str) -> int | None:
    value = tx.value(
        "SELECT case_id FROM albums WHERE chat_id = ? AND media_group_id = ?",
        (chat_id, media_group_id),
    )
    return None if value is None else int(value)


def name_album(
    tx: Tx, chat_id: int, media_group_id: str, case_id: int, now: datetime, run: str
) -> list[SentFile]:
    """A file of the album named its case: kept for the files still to come; returns the
    files that came before it and waited, taken by ``run`` (see :func:`take_album_files`)."""
    tx.run(
        "INSERT INTO albums (chat_id, media_group_id, case_id, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, media_group_id) DO UPDATE SET case_id = excluded.case_id",
        (chat_id, media_group_id, case_id, ts(now)),
    )
    return take_album_files(tx, chat_id, media_group_id, run)


def wait_for_album(tx: Tx, item: SentFile, now: datetime) -> int | None:
    """The album's case when a file of it has named one; else the file waits (None)."""
    assert item.media_group_id is not None, "a file of an album"
    known = album_case(tx, item.chat_id, item.media_group_id)
    if known is not None:
        return known
    tx.run(
        "INSERT INTO albums (chat_id, media_group_id, case_id, at) VALUES (?, ?, NULL, ?) "
        "ON CONFLICT (chat_id, media_group_id) DO NOTHING",
        (item.chat_id, item.media_group_id, ts(now)),
    )
    file = {
        "id": item.file_id,
        "unique_id": item.unique_id,
        "name": item.name,
        "size": item.size,
        "mime": item.mime,
        "caption": item.caption,
    }
    if item.renamed:
        file["renamed"] = True
    tx.run(
        "INSERT INTO album_files (chat_id, message_id, media_group_id, person_id, update_id, "
        "file, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING",
        (
            item.chat_id,
            item.message_id,
            item.media_group_id,
            item.person_id,
            item.update_id,
            dumps(file),
            ts(now),
        ),
    )
    return None


def take_album_files(tx: Tx, chat_id: int, media_group_id: str, run: str) -> list[SentFile]:
    """The files of an album still waiting, in the order they were sent, taken by the bot
    run ``run`` (no other taker gets them). Each row stays until :func:`album_file_done`:
    a run that stops before leaves it to the next start (:func:`resume_album_files`)."""
    rows = tx.all(
        "UPDATE album_files SET taken_by = ? WHERE chat_id = ? AND media_group_id = ? "
        "AND taken_by IS NULL RETURNING *",
        (run, chat_id, media_group_id),
    )
    return sorted(map(_sent_file, rows), key=lambda f: f.message_id)


def album_file_done(tx: Tx, chat_id: int, message_id: int) -> None:
    """A file that waited for its album is recorded, or its sender was told why not."""
    tx.run("DELETE FROM album_files WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))


@dataclass(frozen=True)
class ResumedFile:
    """A file of an album a stopped run had taken and not finished (:func:`resume_album_files`)."""

    file: SentFile
    case_id: int | None  # the case its album named; None: none did (it is asked about)
    resumed: int  # the starts that took it up, this one included


def resume_album_files(tx: Tx, run: str) -> list[ResumedFile]:
    """The files of albums that another run (one that stopped) had taken and neither
    recorded nor answered, in the order they were sent: taken by ``run`` now, the count of
    starts that took each up one higher."""
    rows = tx.all(
        "UPDATE album_files SET taken_by = ?, resumed = resumed + 1 "
        "WHERE taken_by IS NOT NULL AND taken_by <> ? RETURNING *",
        (run, run),
    )
    resumed = [
        ResumedFile(
            _sent_file(row),
            album_case(tx, int(row["chat_id"]), str(row["media_group_id"])),
            int(row["resumed"]),
        )
        for row in rows
    ]
    return sorted(resumed, key=lambda r: (r.file.chat_id, r.file.message_id))


def waiting_albums(tx: Tx) -> list[tuple[int, str, datetime]]:
    """Albums with files waiting for their case (none taken yet): (chat, album, when the
    first came)."""
    rows = tx.all(
        "SELECT chat_id, media_group_id, MIN(at) AS first FROM album_files "
        "WHERE taken_by IS NULL GROUP BY chat_id, media_group_id ORDER BY first"
    )
    return [(int(r[0]), str(r[1]), parse_ts(r[2])) for r in rows]
