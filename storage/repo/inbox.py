"""What comes in from Telegram and is not finished yet: update ids claimed, updates kept
until handled, and album files waiting for the case a caption names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.codec import dumps, loads, parse_ts, ts
from storage.db import Row, Tx

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
