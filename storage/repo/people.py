"""People: their profiles (and the earlier ones a correction replaced), whether the bot
may write to them, and the administrators' command menu in their chat."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from storage.codec import parse_ts, ts
from storage.db import Row, Tx
from storage.repo.queued import requeue_refused


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


def person_from_row(row: Row) -> Person:
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
    return person_from_row(row) if row else None


def people_by_ids(tx: Tx, ids: Iterable[int]) -> dict[int, Person]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = tx.all(f"SELECT * FROM people WHERE telegram_id IN ({marks})", wanted)
    return {r["telegram_id"]: person_from_row(r) for r in rows}


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


def mark_admin_menu(tx: Tx, telegram_id: int, shown: bool) -> None:
    """The administrators' command menu was set in the person's chat (``shown``), or
    deleted from it: Telegram keeps a chat's menu until the bot deletes it."""
    tx.run("UPDATE people SET admin_menu = ? WHERE telegram_id = ?", (int(shown), telegram_id))


def admin_menus(tx: Tx) -> list[int]:
    """The people whose chat has the administrators' command menu."""
    rows = tx.all("SELECT telegram_id FROM people WHERE admin_menu = 1 ORDER BY telegram_id")
    return [int(r[0]) for r in rows]
