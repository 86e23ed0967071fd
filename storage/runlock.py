"""One ``sopbot run`` per SQLite database: an exclusive lock on ``<database>.lock``.

Two processes on one database would both poll Telegram (each 409 Conflict in turn), both
send the outbox and both sweep reminders. The lock is ``flock`` on a file next to the
database, held as long as the process lives: the kernel releases it when the process
ends, however it ends, so a lock file left behind never blocks the next start. The file
holds the pid of the process that holds it, for the message to the second one.
PostgreSQL has its own (an advisory lock: the second process waits as the standby,
:mod:`storage.active`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import ModuleType

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, no lock
    fcntl = None


class AlreadyRunning(RuntimeError):
    """Another process holds the database's lock."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def hold(database: Path) -> int | None:
    """Take the lock for this process's lifetime (the open descriptor; never closed).
    AlreadyRunning names the database and, if it wrote it, the other process's pid;
    OSError when the lock file cannot be made."""
    if fcntl is None:  # pragma: no cover
        return None
    path = lock_path(database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = ""
        with contextlib.suppress(OSError, ValueError):
            holder = os.pread(fd, 32, 0).decode("ascii").strip()
        os.close(fd)
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise AlreadyRunning(
            f"another sopbot process{who} is running on {database} (it holds {path}); "
            "stop it first: two would both poll Telegram and send every message twice"
        ) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd
