"""One active bot process per PostgreSQL database; the others wait as standbys.

The active process holds a session-level advisory lock (``pg_advisory_lock``) on a
connection of its own. A standby blocks on the same lock: the moment the active process
dies, its connections close, PostgreSQL releases the lock and the standby has it; it then
opens the database and starts polling (or its webhook). Only the active process runs the
application at all, so only it polls, sends the outbox and sweeps reminders.

If the lock's connection breaks, the lock is gone (another process may hold it by now):
the process must stop at once. :attr:`ActiveLock.lost` says so; the connection is pinged
every ``ping_every`` seconds, so a connection that hangs without closing is noticed too.

A machine that dies without closing its connections (power or network lost) leaves its
session on the server: the server gives it up after
:data:`~storage.postgres.DEAD_PEER_AFTER` seconds of silence (TCP keepalives and
``tcp_user_timeout``, set per session), and the standby has the lock then. The active
process, cut off, has noticed it already (``ping_every + ping_timeout``) and stopped.

A server that cannot be reached (down for maintenance, starting up) is tried again every
``retry_after`` seconds, and the log says so once, then once every ``say_every`` seconds
with a count, and once when it is reached again. A server that refuses the database, the
role or its password is no outage: that :class:`~storage.db.DatabaseError` ends the wait
(``sopbot run`` exits with status 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg

from storage.db import DatabaseError
from storage.postgres import (
    ACTIVE_LOCK,
    CONNECT_TIMEOUT,
    DEAD_PEER_AFTER,
    DEAD_PEER_SETTINGS,
    safe_url,
)

log = logging.getLogger(__name__)

WAIT_ROUND = "5s"  # a standby re-checks its connection this often while it waits
PING_EVERY = 1.0
PING_TIMEOUT = 3.0
# a process cut off from the server knows it within PING_EVERY + PING_TIMEOUT and stops;
# the server gives its lock to the standby only after DEAD_PEER_AFTER: never two at once
assert PING_EVERY + PING_TIMEOUT < DEAD_PEER_AFTER

# what a restart does not cure: no such database, no such role, a wrong password, a role
# that may not connect (InvalidPasswordError is an InvalidAuthorizationSpecificationError)
REFUSED = (
    asyncpg.InvalidCatalogNameError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InsufficientPrivilegeError,
)


class ActiveLock:
    def __init__(
        self,
        url: str,
        *,
        ping_every: float = PING_EVERY,
        ping_timeout: float = PING_TIMEOUT,
        retry_after: float = 2.0,
        say_every: float = 60.0,
    ) -> None:
        self.url = url
        self.ping_every, self.ping_timeout, self.retry_after = ping_every, ping_timeout, retry_after
        self.say_every = say_every
        self._failed = 0  # connection attempts failed in a row
        self._failed_since = 0.0  # when the first of them failed
        self._said_at = 0.0  # when the log last said so
        self.lost = asyncio.Event()
        self.held = False
        self.waited = 0.0  # seconds spent as a standby before becoming active
        self._conn: Any = None
        self._watch: asyncio.Task[None] | None = None
        self._callbacks: list[Callable[[], None]] = []

    async def acquire(self) -> None:
        """Become the active process: at once if none is, else wait (as a standby) until
        the active one is gone. Survives the database going away while it waits."""
        began = time.monotonic()
        said = False
        while True:
            conn = await self._connect()
            if conn is None:
                await asyncio.sleep(self.retry_after)
                continue
            try:
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", ACTIVE_LOCK):
                    break
                if not said:
                    log.warning("another bot process is active: waiting as standby")
                    said = True
                await conn.execute(f"SET lock_timeout = '{WAIT_ROUND}'")
                while True:
                    try:
                        await conn.execute("SELECT pg_advisory_lock($1)", ACTIVE_LOCK)
                        break
                    except asyncpg.LockNotAvailableError:
                        continue  # still there: the connection is alive, wait again
                await conn.execute("SET lock_timeout = 0")
                break
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("lost the database while waiting as standby (%s); again", exc)
                conn.terminate()
                await asyncio.sleep(self.retry_after)
        self._conn = conn
        self.held = True
        self.waited = time.monotonic() - began
        conn.add_termination_listener(lambda _conn: self._lose("its connection closed"))
        self._watch = asyncio.create_task(self._ping(), name="active-lock-ping")
        if said:
            log.warning("the active process is gone: this process is active now")
        else:
            log.info("this process is the active one")

    async def _connect(self) -> Any:
        """A connection; None when the server cannot be reached now (said in the log, not
        every time). DatabaseError when it refuses the database, the role or the password."""
        try:
            # no command timeout: waiting for the lock is this connection's whole job
            conn = await asyncpg.connect(
                self.url,
                timeout=CONNECT_TIMEOUT,
                # the server drops the session of a machine gone silent (its power or
                # network lost) within DEAD_PEER_AFTER s, and with it the lock
                server_settings={"application_name": "sopbot (active lock)", **DEAD_PEER_SETTINGS},
            )
        except REFUSED as exc:
            raise DatabaseError(f"storage.database: {safe_url(self.url)}: {exc}") from exc
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            self._unreachable(exc)
            return None
        if self._failed:
            log.warning(
                "%s reached again (%d attempts failed over %.0f s)",
                safe_url(self.url),
                self._failed,
                time.monotonic() - self._failed_since,
            )
            self._failed = 0
        return conn

    def _unreachable(self, exc: BaseException) -> None:
        """The first failure in the log, then one line every ``say_every`` seconds."""
        self._failed += 1
        now = time.monotonic()
        if self._failed == 1:
            self._failed_since = now
            log.warning(
                "cannot reach %s (%s): trying again every %g s",
                safe_url(self.url),
                exc,
                self.retry_after,
            )
        elif now - self._said_at >= self.say_every:
            log.warning(
                "still cannot reach %s (%s): %d attempts failed so far",
                safe_url(self.url),
                exc,
                self._failed,
            )
        else:
            return
        self._said_at = now

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once) when the lock is lost."""
        self._callbacks.append(callback)
        if self.lost.is_set():
            callback()

    def _lose(self, why: str) -> None:
        if self.lost.is_set() or not self.held:
            return
        self.held = False
        log.critical("no longer the active bot process (%s): stopping", why)
        self.lost.set()
        for callback in self._callbacks:
            try:
                callback()
            except Exception:
                log.exception("stopping after the active lock was lost failed")

    async def _ping(self) -> None:
        while self.held:
            await asyncio.sleep(self.ping_every)
            try:
                async with asyncio.timeout(self.ping_timeout):
                    await self._conn.fetchval("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._lose(f"the database did not answer: {exc!r}")
                self._conn.terminate()
                return

    async def release(self) -> None:
        """Give the role up (at a clean stop): a standby takes over at once."""
        self.held = False
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                async with asyncio.timeout(5):
                    await conn.close()
            except Exception:
                conn.terminate()
