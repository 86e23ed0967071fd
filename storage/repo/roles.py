"""Roles and who holds them: the gate's and a command's facts about a person, role
assignments and their history, and the invitations that grant a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import parse_ts, ts
from storage.db import Tx
from storage.repo.people import Person, person_from_row


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
    moved_to: int | None = None  # /alihkan passed it to this person (schema level 22)


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
    """Who a person is for a command, read in one query: name, own roles, acting roles,
    and whether their profile is given (:attr:`Person.complete`: an act needs it)."""

    display: str
    roles: frozenset[str]
    acting: dict[str, str]  # role -> "plh" | "plt", for roles held as an acting official
    complete: bool = False


def actor_facts(tx: Tx, person_id: int, unit: str, at: datetime) -> ActorFacts:
    now = ts(at)
    rows = tx.all(
        "SELECT 'role', role, '', '' FROM role_assignments WHERE person_id = ? AND unit = ? "
        "AND revoked_at IS NULL "
        "UNION ALL SELECT 'acting', role, kind, '' FROM acting WHERE person_id = ? "
        "AND unit = ? AND starts_at <= ? AND ends_at > ? "
        "UNION ALL SELECT 'person', name, COALESCE(username, ''), position FROM people "
        "WHERE telegram_id = ?",
        (person_id, unit, person_id, unit, now, now, person_id),
    )
    roles, acting, display, complete = set(), {}, f"ID {person_id}", False
    for kind, value, extra, position in rows:
        if kind == "role":
            roles.add(value)
        elif kind == "acting":
            acting[value] = extra
        else:
            display = value or (f"@{extra}" if extra else display)
            complete = bool(value and position)
    return ActorFacts(display, frozenset(roles), acting, complete)


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
    return [person_from_row(r) for r in rows]


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
    tx: Tx,
    person_id: int,
    role: str,
    unit: str,
    now: datetime,
    by: int | None,
    moved_to: int | None = None,
) -> bool:
    """End a role's assignment: revoked, or ``moved_to`` another person (/alihkan)."""
    return (
        tx.run(
            "UPDATE role_assignments SET revoked_at = ?, revoked_by = ?, moved_to = ? "
            "WHERE person_id = ? AND role = ? AND unit = ? AND revoked_at IS NULL",
            (ts(now), by, moved_to, person_id, role, unit),
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
            r["moved_to"],
        )
        for r in rows
    ]


def moves(history: list[RoleAssignment]) -> dict[int, int]:
    """The assignments of ``history`` that /alihkan ended, each (by id) with the person the
    role passed to: kept on the assignment since schema level 22 (``moved_to``). One ended
    before is read from the grant: a move revokes the old holder's assignment and grants
    the new one's in one transaction, at the same moment and by the same administrator; a
    revocation (/cabut) grants nothing with it. A move made before level 22 to someone who
    held the (shared) role already granted nothing either, and reads as a revocation."""
    granted = {
        (a.role, a.unit, a.granted_at, a.granted_by): a.person_id
        for a in history
        if a.granted_by is not None
    }
    moved: dict[int, int] = {}
    for a in history:
        if a.moved_to is not None:
            moved[a.id] = a.moved_to
            continue
        if a.revoked_at is None or a.revoked_by is None:
            continue
        to = granted.get((a.role, a.unit, a.revoked_at, a.revoked_by))
        if to is not None and to != a.person_id:
            moved[a.id] = to
    return moved


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
