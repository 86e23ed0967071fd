"""``sopbot restore``: put a SQLite backup back in the database's place, keeping what it
replaces.

The steps the README used to give by hand, in the order that cannot damage anything:
the backup is checked first (its pages, its schema level) and copied beside the database
through SQLite's backup API, so a full disk or a bad backup changes nothing; then, under the
run lock (the bot must not be running), the database and its ``-wal`` and ``-shm`` move into
a ``before-restore-<time>`` folder next to it, and the copy takes the database's name. A
leftover write-ahead log never meets the restored file: SQLite would apply it and damage it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage import runlock
from storage.db import DatabaseError, check_sqlite, readonly_uri, sync_folder, write_copy

SIDECARS = ("-wal", "-shm")


class RestoreError(RuntimeError):
    """Nothing was restored (and nothing changed); the message says why."""


@dataclass(frozen=True)
class Restored:
    level: int
    """The backup's schema level (the bot migrates it at its next start)."""
    kept: Path | None
    """The folder that now holds the database the backup replaced (None: there was none)."""


def is_the_database(path: Path, database: Path) -> bool:
    """``path`` is the database file or one of its log files (by name, through a link,
    or another hard link to it): no backup may be written there or restored from it."""
    for own in (database, *(database.with_name(database.name + s) for s in SIDECARS)):
        if path.resolve() == own.resolve():
            return True
        try:
            if os.path.samefile(path, own):
                return True
        except OSError:  # one of them is not there
            pass
    return False


def restore_sqlite(backup: Path, database: Path, stamp: str) -> Restored:
    """Replace ``database`` with a copy of ``backup``; ``stamp`` names the folder the old
    database moves to (``before-restore-<stamp>``)."""
    if is_the_database(backup, database):
        raise RestoreError(f"{backup} is the database itself (storage.database)")
    if not backup.is_file():
        raise RestoreError(f"{backup}: no such file")
    try:
        level = check_sqlite(backup)
    except DatabaseError as exc:
        raise RestoreError(str(exc)) from None
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        lock = runlock.hold(database)
    except runlock.AlreadyRunning as exc:
        raise RestoreError(str(exc)) from None
    except OSError as exc:
        raise RestoreError(f"{runlock.lock_path(database)} cannot be made ({exc})") from None
    try:
        copy = database.with_name(database.name + ".restoring")
        try:
            _copy(backup, copy)
        except (OSError, sqlite3.Error) as exc:
            copy.unlink(missing_ok=True)
            raise RestoreError(
                f"{database.parent}: the copy could not be written ({exc})"
            ) from None
        kept = _move_aside(database, stamp)
        os.replace(copy, database)
        sync_folder(database.parent)
    finally:
        if lock is not None:
            os.close(lock)
    return Restored(level, kept)


def _copy(backup: Path, dest: Path) -> None:
    """A consistent copy (a log beside the backup, if any, is read as SQLite reads it),
    on the disk before it takes the database's name."""
    dest.unlink(missing_ok=True)
    source = sqlite3.connect(readonly_uri(backup), uri=True)
    try:
        write_copy(source, dest)
    finally:
        source.close()


def _move_aside(database: Path, stamp: str) -> Path | None:
    """The database and its log files into ``before-restore-<stamp>`` (a new folder)."""
    present = [
        p
        for p in (database, *(database.with_name(database.name + s) for s in SIDECARS))
        if p.exists()
    ]
    if not present:
        return None
    folder = database.with_name(f"before-restore-{stamp}")
    n = 1
    while folder.exists():
        n += 1
        folder = database.with_name(f"before-restore-{stamp}-{n}")
    folder.mkdir()
    for path in present:
        os.replace(path, folder / path.name)
    return folder
