"""The PostgreSQL engine: the same :class:`~storage.db.Database` on asyncpg.

Repository functions are synchronous over a :class:`~storage.db.Tx` and are shipped whole
to a database thread, as on SQLite. Here each such thread owns an asyncio event loop of
its own and one asyncpg connection made in that loop; a ``Tx`` call runs its query to
completion on that loop (``loop.run_until_complete``), on the thread that called it. So a
statement costs one round trip to the server and nothing on the bot's event loop, which
only awaits the function's result (one trip per command, as on SQLite).

Writes take turns: every write transaction first takes a transaction-level advisory lock
(``pg_advisory_xact_lock``), the counterpart of SQLite's ``BEGIN IMMEDIATE``. Repository
functions rely on writes not interleaving (the next case number, the next event of a log,
the outbox order), and this holds for every process that shares the database, also a
second bot process in the seconds before it notices that it is no longer the active one.
A write runs at READ COMMITTED whatever the database's default isolation, so that it
reads what the write it waited for committed.
Reads run in one ``REPEATABLE READ READ ONLY`` transaction: one snapshot, as on SQLite.

The SQL is the repository's own (``?`` placeholders); :func:`translate` numbers them
(``$1``, ``$2``…). Whatever else differs between the engines is an attribute of
:class:`PgTx` (``take_rows``) or the schema of :mod:`storage.pg_schema`.

Passwords never come from the URL in the config: asyncpg and libpq read ``PGPASSWORD`` or
``~/.pgpass`` (``PGPASSFILE``) themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import asyncpg

from storage.db import Database, DatabaseError, Row, Target, Tx, newer_schema
from storage.migrations import LATEST
from storage.pg_schema import BASE, BASE_LEVEL, STEPS, TABLES, VERSION_TABLE

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

READERS = 2
STATEMENT_CACHE = 1024
COMMAND_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0

# A client whose machine goes silent (its power or its network lost: nothing closes its
# connections) keeps its sessions on the server, and the advisory locks they hold, until
# TCP gives up on it: two hours and more by the kernel's defaults (the server's
# tcp_keepalives_idle 0 means the kernel's 7200 s). The active process's lock would keep
# the standby waiting all that time, and a write it had begun would keep the write lock.
# So every connection of the bot asks the server, for its own session (these settings are
# the user's to set; PostgreSQL 12 or later), to give a silent client up after
# DEAD_PEER_AFTER seconds: probes from 4 s of silence on, 3 of them 2 s apart, and no
# answer the server sent (nor a probe) left unacknowledged longer than DEAD_PEER_AFTER.
# They apply to TCP connections (a Unix socket's peer is the same machine).
DEAD_PEER_AFTER = 10  # seconds
_PROBES, _PROBE_EVERY = 3, 2
DEAD_PEER_SETTINGS = {
    "tcp_keepalives_idle": str(DEAD_PEER_AFTER - _PROBES * _PROBE_EVERY),  # seconds
    "tcp_keepalives_interval": str(_PROBE_EVERY),  # seconds
    "tcp_keepalives_count": str(_PROBES),
    "tcp_user_timeout": str(DEAD_PEER_AFTER * 1000),  # milliseconds
}

assert BASE_LEVEL + len(STEPS) == LATEST, "a SQLite migration has no PostgreSQL step"


def lock_key(name: str) -> int:
    """A 64-bit advisory lock key of a name (advisory locks are per database)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


WRITE_LOCK = lock_key("sopbot: one write at a time")
ACTIVE_LOCK = lock_key("sopbot: the active bot process")


def safe_url(url: str) -> str:
    """The URL without a password, for messages and logs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # no URL ("[::1" left open, a port beyond 65535): no login shown
        return re.sub(r"(?<=://)[^/@]*@", "", url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    user = f"{parts.username}@" if parts.username else ""
    return parts._replace(netloc=f"{user}{host}").geturl()


# -- the dialect -------------------------------------------------------------------------

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\?", re.DOTALL)


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """The repository's SQL for PostgreSQL: ``?`` placeholders become ``$1``, ``$2``…
    (never inside a string literal, a quoted name or a comment)."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() != "?":
            return match.group()
        count += 1
        return f"${count}"

    return _TOKENS.sub(number, sql)


def _rowcount(status: str) -> int:
    """Rows a command changed, from its status (``UPDATE 3``, ``INSERT 0 1``); -1 for other
    statements, as ``sqlite3`` says."""
    words = status.split()
    if words and words[0] in ("INSERT", "UPDATE", "DELETE", "MERGE") and words[-1].isdigit():
        return int(words[-1])
    return -1


EACH_CHUNK = 2000  # rows a server-side cursor hands over at a time (Tx.each)


class PgTx(Tx):
    """A connection inside one transaction, driven synchronously from its own thread."""

    __slots__ = ("_conn", "_wait")

    engine = "postgresql"
    take_rows = " FOR UPDATE SKIP LOCKED"

    def __init__(self, conn: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._wait = loop.run_until_complete

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self._wait(self._conn.fetchrow(translate(sql), *params))
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows: list[Row] = self._wait(self._conn.fetch(translate(sql), *params))
        return rows

    def each(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        cursor = self._wait(self._conn.cursor(translate(sql), *params))
        while rows := self._wait(cursor.fetch(EACH_CHUNK)):
            yield from rows

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._wait(self._conn.fetchval(translate(sql), *params))

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        status: str = self._wait(self._conn.execute(translate(sql), *params))
        return _rowcount(status)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._wait(self._conn.executemany(translate(sql), list(rows)))


# -- connections -------------------------------------------------------------------------


async def connect(url: str, **settings: str) -> Any:
    """One asyncpg connection; the password, if any, from PGPASSWORD or ~/.pgpass."""
    try:
        return await asyncpg.connect(
            url,
            timeout=CONNECT_TIMEOUT,
            command_timeout=COMMAND_TIMEOUT,
            statement_cache_size=STATEMENT_CACHE,
            server_settings={"application_name": "sopbot", **DEAD_PEER_SETTINGS, **settings},
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise DatabaseError(f"{safe_url(url)}: cannot connect to PostgreSQL ({exc})") from exc


class _Worker:
    """One thread with an event loop and a connection of its own."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.conn: Any = None
        self.busy = 0

    def connection(self) -> tuple[Any, asyncio.AbstractEventLoop]:
        """The thread's connection, made again if the last one broke."""
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
        if self.conn is None or self.conn.is_closed():
            self.conn = None
            self.conn = self.loop.run_until_complete(connect(self.url))
        return self.conn, self.loop

    def run(self, fn: Callable[[Any, asyncio.AbstractEventLoop], T]) -> T:
        """``fn`` on the thread's connection; once more, on a new connection, when the
        server had closed the old one before ``fn``'s transaction began (nothing of it
        ran). An idle connection ended by the server (``idle_session_timeout``,
        ``pg_terminate_backend``, a pooler, a restart) looks open until it is used: this
        thread's loop runs only during a call, so the server's goodbye is read at BEGIN."""
        try:
            return fn(*self.connection())
        except NotBegun as gone:
            log.info("%s: connecting again", gone)
            self.conn = None
        try:
            return fn(*self.connection())
        except NotBegun as gone:
            raise gone.error from None

    async def call(self, fn: Callable[[Any, asyncio.AbstractEventLoop], T]) -> T:
        self.busy += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self.run, fn)
        finally:
            self.busy -= 1

    def _close(self) -> None:
        if self.loop is None:
            return
        try:
            if self.conn is not None and not self.conn.is_closed():
                self.loop.run_until_complete(self.conn.close(timeout=5))
        except Exception:
            self.conn.terminate()
        finally:
            self.conn = None
            self.loop.close()
            self.loop = None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.executor, self._close)
        finally:
            self.executor.shutdown(wait=False)


class NotBegun(DatabaseError):
    """A transaction did not begin: its connection was gone (nothing of it ran, so it may
    run on a new connection)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"the server had closed the database connection ({error})")
        self.error = error


def _begin(conn: Any, loop: asyncio.AbstractEventLoop, sql: str) -> None:
    """Begin a transaction; one that could not begin leaves no transaction behind on the
    connection, or no connection: a later call must not meet "current transaction is
    aborted"."""
    try:
        loop.run_until_complete(conn.execute(sql))
    except TimeoutError:
        # the write lock held elsewhere past the command timeout: asyncpg asks the server
        # to cancel, and whether that cancel has ended the transaction by the next call is
        # a race ("current transaction is aborted"); the connection is made again
        conn.terminate()
        raise
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        if conn.is_closed():
            raise NotBegun(exc) from exc
        _end_transaction(conn, loop)
        raise


def _end_transaction(conn: Any, loop: asyncio.AbstractEventLoop) -> None:
    if not conn.is_closed() and conn.is_in_transaction():
        try:
            loop.run_until_complete(conn.execute("ROLLBACK"))
        except Exception:
            conn.terminate()  # made again on the next call


# A write transaction: READ COMMITTED whatever the database's default isolation (a DBA may
# make REPEATABLE READ or SERIALIZABLE the default). Its snapshot must be taken after the
# write lock is granted, as SQLite's BEGIN IMMEDIATE reads after the last commit: under a
# stricter level the snapshot of the statement that waits for the lock is kept, and a
# write that waited would not see the one it waited for (the next case number taken
# twice, or a serialization failure).
BEGIN_WRITE = f"BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK})"


def _in_write(conn: Any, loop: asyncio.AbstractEventLoop, fn: Callable[[Tx], T]) -> T:
    # BEGIN and the lock in one round trip (the simple protocol takes both at once); only
    # a failure here may be tried again (NotBegun): once fn ran, never
    _begin(conn, loop, BEGIN_WRITE)
    try:
        result = fn(PgTx(conn, loop))
        loop.run_until_complete(conn.execute("COMMIT"))
    except BaseException:
        _end_transaction(conn, loop)
        raise
    return result


def _in_read(conn: Any, loop: asyncio.AbstractEventLoop, fn: Callable[[Tx], T]) -> T:
    _begin(conn, loop, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        return fn(PgTx(conn, loop))
    finally:
        _end_transaction(conn, loop)


# what a COPY of rows may raise for a value it cannot take: the server's refusal (NUL in
# text, a constraint), or asyncpg's before it sends the value (a text in a number column:
# its DataError is a ValueError)
_REFUSED_VALUE = (asyncpg.PostgresError, ValueError, TypeError, OverflowError)


class RowRefused(DatabaseError):
    """A COPY refused a row (``row``: the one found to fail on its own; None when none did
    and only the whole page failed)."""

    def __init__(self, row: Sequence[Any] | None, error: BaseException) -> None:
        super().__init__(" ".join(str(error).split()) or type(error).__name__)
        self.row = row
        self.error = error


class Loading:
    """The write transaction of :meth:`PostgresDatabase.loading`, held open on the writer's
    connection between calls. If that connection breaks, the server has rolled back
    everything: a call then fails and nothing is made again."""

    def __init__(self, worker: _Worker) -> None:
        self._worker = worker
        self._conn: Any = None

    def begin(self, conn: Any, loop: asyncio.AbstractEventLoop) -> None:
        _begin(conn, loop, BEGIN_WRITE)
        self._conn = conn

    async def _call(self, fn: Callable[[Any, asyncio.AbstractEventLoop], T]) -> T:
        worker = self._worker

        def step() -> T:
            conn, loop = worker.conn, worker.loop
            if conn is not self._conn or loop is None or conn.is_closed():
                raise DatabaseError("the connection to PostgreSQL broke during the copy")
            return fn(conn, loop)

        return await asyncio.get_running_loop().run_in_executor(worker.executor, step)

    async def run(self, fn: Callable[[Tx], T]) -> T:
        """``fn`` inside the transaction."""
        return await self._call(lambda conn, loop: fn(PgTx(conn, loop)))

    async def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append rows with COPY (binary). A page refused is copied again row by row to
        name the row refused (:class:`RowRefused`); the transaction goes on only to be
        rolled back."""

        def copy(conn: Any, loop: asyncio.AbstractEventLoop) -> None:
            def attempt(records: list[tuple[Any, ...]]) -> BaseException | None:
                loop.run_until_complete(conn.execute("SAVEPOINT page"))
                try:
                    loop.run_until_complete(
                        conn.copy_records_to_table(table, records=records, columns=list(columns))
                    )
                except _REFUSED_VALUE as exc:
                    loop.run_until_complete(conn.execute("ROLLBACK TO SAVEPOINT page"))
                    return exc
                loop.run_until_complete(conn.execute("RELEASE SAVEPOINT page"))
                return None

            records = [tuple(r) for r in rows]
            page_error = attempt(records)
            if page_error is None:
                return
            for record in records:
                if (error := attempt([record])) is not None:
                    raise RowRefused(record, error) from error
            raise RowRefused(None, page_error) from page_error

        await self._call(copy)

    async def end(self, how: str) -> None:
        """COMMIT or ROLLBACK; a connection broken meanwhile ends it too (rolled back)."""

        def end(conn: Any, loop: asyncio.AbstractEventLoop) -> None:
            try:
                loop.run_until_complete(conn.execute(how))
            except BaseException:
                conn.terminate()  # the server rolls back what it has; made again next time
                raise

        if how == "COMMIT":
            await self._call(end)
            return
        try:
            await self._call(end)
        except Exception as exc:  # the error that brought the rollback is the one to tell
            log.debug("rollback after a failed copy: %s", exc)


# -- the schema ----------------------------------------------------------------------------


def schema_level(tx: Tx) -> int:
    """How far the database is migrated; 0 before the first migration."""
    if tx.value(f"SELECT to_regclass('{VERSION_TABLE}') IS NOT NULL") is not True:
        return 0
    return int(tx.value(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}"))


def _has_foreign_tables(tx: Tx) -> list[str]:
    names = ",".join(f"'{t}'" for t in TABLES)
    rows = tx.all(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        f"AND table_name IN ({names}) ORDER BY table_name"
    )
    return [r[0] for r in rows]


def migrate(
    tx: Tx, target: int = LATEST, where: str = "database", *, existing: bool = False
) -> int:
    """Bring the schema to ``target`` (one transaction, the write lock held: two processes
    starting at once migrate once); ``where`` names the database in the error of one newer
    than this program. ``existing``: a database without the bot's tables is an error (a
    backup or an export reads one the bot has used), and nothing is made in it."""
    current = schema_level(tx)
    if current > LATEST:
        raise DatabaseError(newer_schema(where, current))
    if current == 0 and existing:
        raise DatabaseError(
            f"{where}: no database there (storage.database): it holds none of the bot's "
            "tables (the bot has not run on it)"
        )
    if current == 0:
        found = _has_foreign_tables(tx)
        if found:
            raise DatabaseError(
                f"the database has tables of sopbot ({', '.join(found)}) but no "
                f"{VERSION_TABLE}: not a database this program made"
            )
        tx.run(BASE)
        tx.run(f"CREATE TABLE {VERSION_TABLE} (version BIGINT NOT NULL)")
        tx.run(f"INSERT INTO {VERSION_TABLE} (version) VALUES ({BASE_LEVEL})")
        log.info("database created at schema version %d", BASE_LEVEL)
        current = BASE_LEVEL
    for level in range(current, target):
        tx.run(STEPS[level - BASE_LEVEL])
        tx.run(f"UPDATE {VERSION_TABLE} SET version = {level + 1}")
        log.info("database migrated to schema version %d", level + 1)
    return max(current, target)


def _check_encoding(tx: Tx, where: str) -> None:
    """A database in another encoding than UTF-8 refuses the texts SQLite keeps (an emoji
    in a title, a name in another script; SQL_ASCII compares them as bytes of no known
    encoding): the bot does not run on it."""
    encoding = str(tx.value("SHOW server_encoding"))
    if encoding.upper() != "UTF8":
        raise DatabaseError(
            f"{where}: the database's encoding is {encoding}, not UTF8: it cannot keep every "
            "text the officials type (an emoji, a name in another script); create the "
            "database with ENCODING 'UTF8'"
        )


# -- the database --------------------------------------------------------------------------


class PostgresDatabase(Database):
    engine = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._writer: _Worker | None = None
        self._readers: list[_Worker] = []
        self.server_version = ""

    @property
    def target(self) -> Target:
        return self.url

    @classmethod
    async def open(
        cls, target: Target, check_integrity: bool = True, *, existing: bool = False
    ) -> PostgresDatabase:
        """Connect and migrate. ``check_integrity`` is SQLite's page check: PostgreSQL
        checks its pages itself (checksums), so there is nothing to do for it here.
        ``existing``: a database without the bot's tables is refused, not made one."""
        db = cls(str(target))
        db._writer = _Worker(db.url, "sopbot-pg-writer")
        try:
            await db.read(_check_encoding, safe_url(db.url))
            await db.write(migrate, where=safe_url(db.url), existing=existing)
            db.server_version = await db.read(lambda tx: str(tx.value("SHOW server_version")))
            db._readers = [_Worker(db.url, f"sopbot-pg-reader{i}") for i in range(READERS)]
        except asyncpg.PostgresError as exc:
            await db.close()
            raise DatabaseError(f"{safe_url(db.url)}: {exc}") from exc
        except BaseException:
            await db.close()
            raise
        return db

    async def write(
        self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        writer = self._writer
        if writer is None:
            raise DatabaseError("database is closed")
        return await writer.call(
            lambda conn, loop: _in_write(conn, loop, lambda tx: fn(tx, *args, **kwargs))
        )

    async def read(
        self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._writer is None:
            raise DatabaseError("database is closed")
        # the writer reads while migrating at open, before the readers exist
        workers = self._readers or [self._writer]
        reader = min(workers, key=lambda w: w.busy)
        return await reader.call(
            lambda conn, loop: _in_read(conn, loop, lambda tx: fn(tx, *args, **kwargs))
        )

    @contextlib.asynccontextmanager
    async def loading(self) -> AsyncIterator[Loading]:
        """One write transaction over many calls, for ``sopbot migrate-db``: committed when
        the block ends, rolled back when it raises (every row copied, or none)."""
        writer = self._writer
        if writer is None:
            raise DatabaseError("database is closed")
        load = Loading(writer)
        await writer.call(load.begin)
        try:
            yield load
        except BaseException:
            await load.end("ROLLBACK")
            raise
        await load.end("COMMIT")

    async def backup(self, dest: Path) -> None:
        """``pg_dump --format=custom``: one consistent snapshot of the whole database
        (pg_dump reads in one repeatable-read transaction), restored with ``pg_restore``.
        The password comes from PGPASSWORD or ~/.pgpass, as for the bot."""
        if self._writer is None:
            raise DatabaseError("database is closed")
        await dump(self.url, dest)

    async def describe(self) -> str:
        return f"PostgreSQL {self.server_version}, {safe_url(self.url)}"


async def dump(url: str, dest: Path) -> None:
    """Write ``pg_dump -Fc`` of the database at ``url`` to ``dest`` (atomically)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise DatabaseError(
            "pg_dump not found: install PostgreSQL's client programs (Debian: postgresql-client)"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    proc = await asyncio.create_subprocess_exec(
        pg_dump,
        "--format=custom",
        "--no-password",
        f"--file={partial}",
        f"--dbname={url}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ},
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        message = err.decode(errors="replace").strip().replace(url, safe_url(url))
        raise DatabaseError(f"pg_dump failed: {message}")
    partial.replace(dest)


def inspect(url: str, fn: Callable[[Tx], T]) -> T | None:
    """Run ``fn`` in one read transaction of an existing database (``sopbot check``); None
    when it is not migrated to this program's level. Synchronous: its own event loop."""
    loop = asyncio.new_event_loop()
    try:
        conn = loop.run_until_complete(connect(url))
        try:
            if _in_read(conn, loop, schema_level) != LATEST:
                return None
            return _in_read(conn, loop, fn)
        except asyncpg.PostgresError as exc:
            raise DatabaseError(f"{safe_url(url)}: {exc}") from exc
        finally:
            loop.run_until_complete(conn.close())
    finally:
        loop.close()


def server_facts(url: str) -> tuple[str, int, bool]:
    """(server version, schema level, whether a bot process is active) for ``sopbot
    check``; it changes nothing."""

    def facts(tx: Tx) -> tuple[str, int, bool]:
        _check_encoding(tx, safe_url(url))  # what the start would refuse
        key = ACTIVE_LOCK & 0xFFFFFFFFFFFFFFFF  # pg_locks shows a bigint key as two oids
        active = tx.value(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = ? AND objid = ? AND objsubid = 1)",
            (key >> 32, key & 0xFFFFFFFF),
        )
        return str(tx.value("SHOW server_version")), schema_level(tx), bool(active)

    loop = asyncio.new_event_loop()
    try:
        conn = loop.run_until_complete(connect(url))
        try:
            return _in_read(conn, loop, facts)
        finally:
            loop.run_until_complete(conn.close())
    finally:
        loop.close()
