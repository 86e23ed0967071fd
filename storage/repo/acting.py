"""Acting officials (Plh, Plt): their appointments, their periods, and the moving of
their open tasks in and back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.codec import parse_ts, ts
from storage.db import Row, Tx


@dataclass(frozen=True)
class Extension:
    """An appointment extended (/plh or /plt again, as a letter "diperpanjang sampai dengan
    ..."): to when, why, on what letter, by whom and when (schema level 21)."""

    ends_at: datetime
    reason: str
    letter: str
    by: int | None
    at: datetime

    def stored(self) -> dict[str, object]:
        return {
            "ends_at": ts(self.ends_at),
            "reason": self.reason,
            "letter": self.letter,
            "by": self.by,
            "at": ts(self.at),
        }


def _extensions(text: str | None) -> tuple[Extension, ...]:
    return tuple(
        Extension(parse_ts(e["ends_at"]), e["reason"], e["letter"], e["by"], parse_ts(e["at"]))
        for e in json.loads(text or "[]")
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
    extensions: tuple[Extension, ...] = ()  # each /plh (or /plt) that extended it, in order

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
        _extensions(row["extensions"]),
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
    """A period's end moved (its ``until`` changed in the config: the sweep and its planned
    run read the end from here); ``again``: it was over, and comes into force once more
    (its tasks move to the acting official again)."""
    routed = ", routed_in = 0, routed_back = 0" if again else ""
    tx.run(
        f"UPDATE acting SET ends_at = ?, planned_end = ?{routed} WHERE id = ?",
        (ts(ends_at), ts(ends_at), appointment_id),
    )


def extend_acting(tx: Tx, appointment_id: int, extension: Extension) -> int:
    """/plh (or /plt) extended an appointment in force to ``extension.ends_at``: its end
    moves there, and the extension is kept with its reason and letter after the earlier
    ones. Its index among the appointment's extensions."""
    text = tx.value("SELECT extensions FROM acting WHERE id = ?", (appointment_id,))
    kept = json.loads(text or "[]")
    kept.append(extension.stored())
    tx.run(
        "UPDATE acting SET ends_at = ?, planned_end = ?, extensions = ? WHERE id = ?",
        (ts(extension.ends_at), ts(extension.ends_at), json.dumps(kept), appointment_id),
    )
    return len(kept) - 1


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
