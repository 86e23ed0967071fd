"""The database: SQLite (one file, WAL, foreign keys on; the default) or PostgreSQL.

:class:`Database` is what the services see; :meth:`Database.open` picks the engine from
``storage.database``: a file path opens :class:`SqliteDatabase` (here), a
``postgresql://`` URL :class:`storage.postgres.PostgresDatabase`. Both migrate at open and
run the same repository functions (:mod:`storage.repo`) over the same :class:`Tx` methods.

Modelled on datasette's ``Database``: a whole *function* is shipped to a connection's own
thread and runs there synchronously, so a command that makes ten statements is one trip
from the event loop, not ten. ``write(fn)`` runs ``fn(tx)`` on the one writer thread inside
``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back if it raises); ``read(fn)`` runs it on a reader
thread inside one read transaction, so it sees one consistent snapshot and never waits
behind a writer (WAL).

aiosqlite has no public way to run a function on its thread, which is what one trip per
command needs; the standard library's ``sqlite3`` on threads of our own does it with the
same few lines datasette uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Concatenate, ParamSpec, Protocol, TypeVar

from storage.migrations import LATEST, MIGRATIONS

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

Target = Path | str
"""What ``storage.database`` names: a SQLite file, or a ``postgresql://`` URL (a str)."""

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(target: Target) -> bool:
    """A ``postgresql://`` URL (its scheme in any case, as URLs are read)."""
    return isinstance(target, str) and target.lower().startswith(POSTGRES_SCHEMES)


class Row(Protocol):
    """A result row of either engine (``sqlite3.Row``, ``asyncpg.Record``): by position or
    by column name."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


READERS = 2
STATEMENT_CACHE = 256


class DatabaseError(RuntimeError):
    """The database cannot be used (corrupt, closed, or newer than this program)."""


def is_database_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is the database failing (locked, full, unreachable, closed, corrupt):
    a :class:`DatabaseError` or an error of either engine's driver (``sqlite3``, asyncpg,
    told by its module so that SQLite deployments need not import asyncpg). Callers outside
    ``storage`` ask this and know no driver."""
    return isinstance(exc, (sqlite3.Error, DatabaseError)) or type(exc).__module__.startswith(
        "asyncpg"
    )


class Tx:
    """What repository functions see: a connection inside one transaction.

    Kept to a few methods that both engines offer (:mod:`storage.repo` is written against
    these, never against a driver). SQL is written once, in the dialect both engines run
    (``?`` placeholders; the PostgreSQL engine numbers them); what cannot be common is an
    attribute here, set per engine.
    """

    __slots__ = ()

    engine: ClassVar[str] = ""
    take_rows: ClassVar[str] = ""
    """Appended to a SELECT of rows this transaction takes to work on (the outbox): on
    PostgreSQL ``FOR UPDATE SKIP LOCKED``, so rows another process holds are passed over;
    SQLite has one writer at a time and needs nothing."""

    # ``Tx.value(tx, ...)`` (an unbound method handed to ``db.read``) works for a Tx of any
    # engine: each call here goes to the engine's own method, which every engine defines.
    _METHODS = ("one", "all", "each", "value", "run", "many")

    def __new__(cls, *args: Any) -> Tx:
        # ``Tx(conn)`` on a sqlite3 connection (a tool or test that opened a file itself)
        # is SQLite's
        return object.__new__(SqliteTx if cls is Tx else cls)

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        missing = [name for name in Tx._METHODS if getattr(cls, name) is getattr(Tx, name)]
        if missing:
            raise TypeError(f"{cls.__name__} must define {', '.join(missing)}")

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.one(sql, params)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.all(sql, params)

    def each(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows one by one, as the caller consumes them (a report over many rows
        keeps few in memory). Consume them inside the same function."""
        return self.each(sql, params)

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.value(sql, params)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        return self.run(sql, params)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.many(sql, rows)


class SqliteTx(Tx):
    __slots__ = ("conn",)

    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def each(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows one by one, as the caller consumes them (a report over many rows
        keeps one at a time in memory). Consume them inside the same function."""
        return iter(self.conn.execute(sql, params))

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        return self.conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)


def readonly_uri(path: Path) -> str:
    """The URI SQLite opens ``path`` read-only by: percent-encoded, so a ``#``, ``?`` or
    ``%41`` in a folder's name ("Biro #1") names that file, not another."""
    return f"{path.resolve().as_uri()}?mode=ro"


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(
            readonly_uri(path),
            uri=True,
            isolation_level=None,
            check_same_thread=True,
            cached_statements=STATEMENT_CACHE,
        )
    else:
        conn = sqlite3.connect(path, isolation_level=None, cached_statements=STATEMENT_CACHE)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def _not_usable(path: Path, exc: sqlite3.DatabaseError) -> str:
    """Why SQLite refused ``path``. Refused for want of write access to its folder (SQLite
    makes the log files there, also for reading) says so, not "not a usable database",
    which an operator reads as damage."""
    folder = path.absolute().parent
    refused = exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
    if refused and not os.access(folder, os.W_OK | os.X_OK):
        try:
            user = pwd.getpwuid(os.geteuid()).pw_name
        except KeyError:
            user = str(os.geteuid())
        return (
            f"{path}: cannot be opened as user {user}: {folder} is not writable "
            "(SQLite's WAL needs its -shm file there); run as the bot's user, or let this "
            "user write the folder"
        )
    return f"{path}: not a usable SQLite database ({exc})"


class _Job:
    """One function for a connection's thread, and where its result goes."""

    __slots__ = ("fn", "future", "loop")

    def __init__(
        self,
        fn: Callable[[sqlite3.Connection], Any],
        future: asyncio.Future[Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.fn, self.future, self.loop = fn, future, loop


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class _Worker:
    """One thread with one connection of its own (sqlite3 connections stay on their thread).

    A queue and ``call_soon_threadsafe`` hand the functions over: half the latency of
    ``run_in_executor``'s concurrent.futures machinery, which a trip pays on every command.
    A function whose caller was cancelled before the thread took it is not run; one the
    thread has started runs to its end (a write commits whole or not at all)."""

    def __init__(self, path: Path, readonly: bool, name: str) -> None:
        self.path, self.readonly = path, readonly
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.conn: sqlite3.Connection | None = None
        self.busy = 0
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.thread.start()

    def connection(self) -> sqlite3.Connection:
        if self.conn is None:
            self.conn = _connect(self.path, self.readonly)
        return self.conn

    def _serve(self) -> None:
        while (job := self.jobs.get()) is not None:
            # its caller gave up before the thread took it (a read of the future's state:
            # no callback on every call to learn it)
            if job.future.cancelled():
                continue
            result, error = None, None
            try:
                result = job.fn(self.connection())
            except BaseException as exc:
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                job.loop.call_soon_threadsafe(_settle, job.future, result, error)
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(fn, future, loop)
        self.busy += 1
        self.jobs.put(job)
        try:
            return await future
        finally:
            self.busy -= 1

    async def close(self) -> None:
        self.jobs.put(None)
        await asyncio.to_thread(self.thread.join)


def _in_write(conn: sqlite3.Connection, fn: Callable[[Tx], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(SqliteTx(conn))
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (a deferred constraint, I/O) leaves the transaction open, and an
        # error may have ended it already: roll back only what is still open, so the writer
        # is never left inside a transaction that every later write would trip over.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _in_read(conn: sqlite3.Connection, fn: Callable[[Tx], T]) -> T:
    conn.execute("BEGIN")
    try:
        return fn(SqliteTx(conn))
    finally:
        conn.execute("COMMIT")


class _Connection(Protocol):
    """A thread with its connection (each engine has its own)."""

    async def close(self) -> None: ...


class Database:
    """What the services see: run a function of a :class:`Tx` in one transaction.

    ``write(fn)`` runs ``fn(tx)`` in a write transaction, writes taking turns (one at a
    time, like SQLite's single writer: repository functions rely on it);
    ``read(fn)`` runs it in one read transaction that sees one snapshot.
    """

    engine: ClassVar[str] = ""
    # each engine's connections: one writer thread and reader threads
    _writer: _Connection | None
    _readers: Sequence[_Connection]

    @classmethod
    async def open(cls, target: Target, check_integrity: bool = True) -> Database:
        """Open (and migrate) the database ``storage.database`` names: a SQLite file, or
        PostgreSQL for a ``postgresql://`` URL."""
        return await open_database(target, check_integrity)

    @classmethod
    async def open_existing(cls, target: Target) -> Database:
        """As :meth:`open`, but a database the bot never used is an error, not a new empty
        one (what an export or a backup reads must exist): a SQLite file that is not there,
        or a PostgreSQL database without the bot's tables (which are not made in it)."""
        if is_postgres(target):
            from storage.postgres import PostgresDatabase

            return await PostgresDatabase.open(str(target), existing=True)
        if not await asyncio.to_thread(Path(target).is_file):
            raise DatabaseError(f"{target}: no database there (storage.database)")
        return await open_database(target)

    @property
    def target(self) -> Target:
        raise NotImplementedError

    @property
    def is_open(self) -> bool:
        return self._writer is not None

    async def close(self) -> None:
        """Close every connection; closing twice is fine."""
        workers = [w for w in (*self._readers, self._writer) if w is not None]
        self._readers, self._writer = [], None
        for worker in workers:
            await worker.close()

    async def write(
        self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        raise NotImplementedError

    async def read(
        self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        raise NotImplementedError

    async def backup(self, dest: Path) -> None:
        """A consistent copy while the bot runs."""
        raise NotImplementedError

    async def describe(self) -> str:
        """The engine and its version, for ``sopbot check`` and logs."""
        raise NotImplementedError

    def thread_ids(self) -> list[int]:
        """The native ids of the threads that run this engine's connections in this process
        (SQLite's; none for PostgreSQL, whose work is the server's): what
        :func:`bot.placement.keep_together` pins beside the event loop."""
        return []


async def open_database(target: Target, check_integrity: bool = True) -> Database:
    """The engine ``target`` names: a ``postgresql://`` URL, else a SQLite file path."""
    if is_postgres(target):
        from storage.postgres import PostgresDatabase

        return await PostgresDatabase.open(str(target), check_integrity)
    return await SqliteDatabase.open(Path(target), check_integrity)


class SqliteDatabase(Database):
    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: _Worker | None = None
        self._readers: list[_Worker] = []

    @property
    def target(self) -> Target:
        return self.path

    @classmethod
    async def open(cls, target: Target, check_integrity: bool = True) -> SqliteDatabase:
        path = Path(target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"{path}: its folder cannot be made ({exc.strerror})") from exc
        if problem := await asyncio.to_thread(stale_log, path):
            raise DatabaseError(problem)
        db = cls(path)
        db._writer = _Worker(path, readonly=False, name="sopbot-db-writer")
        try:
            await db._writer.call(lambda conn: _prepare(conn, path, check_integrity))
            db._readers = [
                _Worker(path, readonly=True, name=f"sopbot-db-reader{i}") for i in range(READERS)
            ]
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise DatabaseError(_not_usable(path, exc)) from exc
        except BaseException:
            await db.close()
            raise
        return db

    async def write(
        self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(tx, *args)`` as one write transaction on the writer thread: one trip."""
        writer = self._writer
        if writer is None:
            raise DatabaseError("database is closed")
        return await writer.call(lambda conn: _in_write(conn, lambda tx: fn(tx, *args, **kwargs)))

    async def read(
        self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(tx, *args)`` on a reader thread in one read transaction: one trip."""
        if not self._readers:
            raise DatabaseError("database is closed")
        reader = min(self._readers, key=lambda w: w.busy)
        return await reader.call(lambda conn: _in_read(conn, lambda tx: fn(tx, *args, **kwargs)))

    async def backup(self, dest: Path) -> None:
        """A consistent copy while the bot runs (SQLite's online backup API)."""
        dest.parent.mkdir(parents=True, exist_ok=True)

        def copy(conn: sqlite3.Connection) -> None:
            target = sqlite3.connect(dest)
            try:
                conn.backup(target)
            finally:
                target.close()

        writer = self._writer
        if writer is None:
            raise DatabaseError("database is closed")
        await writer.call(copy)

    async def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}, {self.path}"

    def thread_ids(self) -> list[int]:
        return [
            w.thread.native_id
            for w in (self._writer, *self._readers)
            if w is not None and w.thread.native_id is not None
        ]


STALE_LOG_SECONDS = 10
"""A write-ahead log last written this long before its database file does not belong to
it: the file was replaced (a restored backup) after a crash left the log."""


def stale_log(path: Path) -> str | None:
    """Why the write-ahead log next to ``path`` looks left over from the file it replaced,
    or None. SQLite would apply such a log to the restored file at the first open (and
    write it in when that connection closes), damaging it: checked before any open.

    The bot writes its database file only when it copies the log into it (a checkpoint,
    right after a commit), so a log that holds changes is never much older than the file,
    unless the file was put there since (``cp backup.sqlite3 sopbot.sqlite3``)."""
    wal = path.with_name(f"{path.name}-wal")
    try:
        log_stat, file_stat = wal.stat(), path.stat()
    except OSError:
        return None
    if log_stat.st_size <= 32 or file_stat.st_mtime <= log_stat.st_mtime + STALE_LOG_SECONDS:
        return None  # empty (a header at most), or written with the file
    shm = path.with_name(f"{path.name}-shm")
    when = datetime.fromtimestamp(log_stat.st_mtime).isoformat(sep=" ", timespec="seconds")
    then = datetime.fromtimestamp(file_stat.st_mtime).isoformat(sep=" ", timespec="seconds")
    return (
        f"{path}: its write-ahead log {wal} ({log_stat.st_size} bytes, last written {when}) "
        f"is older than the database file (written {then}), so it belongs to the file this "
        "one replaced: SQLite would apply it to this file and damage it; nothing was opened. "
        f"If you restored {path.name} from a backup: move {wal.name} and {shm.name} out of "
        f"the folder and start again. If you did not replace the file, the log holds its "
        f"last changes: keep it and mark it as current with: touch {wal}"
    )


def _prepare(conn: sqlite3.Connection, path: Path, check_integrity: bool) -> None:
    if check_integrity:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            raise DatabaseError(f"{path}: integrity check failed: {'; '.join(rows[:5])}")
    level = schema_version(conn)
    if 1 <= level < LATEST:
        _copy_before_upgrade(conn, path, level)
    migrate(conn, where=str(path))


def _copy_before_upgrade(conn: sqlite3.Connection, path: Path, level: int) -> None:
    """A copy of the database as the older release left it (SQLite's backup API), written
    to disk before the first migration step: the migration cannot be undone, and the older
    release opens only its own level. A copy already there of the same level is replaced
    (the database was restored from it, or went on at that level since). A copy that cannot
    be written stops the start with the database unchanged."""
    copy = path.with_name(f"{path.name}.level-{level}.before-upgrade")
    partial = copy.with_name(f"{copy.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        # one file, without a log beside it, also once opened read-only
        write_copy(conn, partial, single_file=True)
        os.replace(partial, copy)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise DatabaseError(
            f"{path}: before its upgrade from schema level {level} to {LATEST}, its copy "
            f"{copy} could not be written ({exc}); the database is unchanged (not "
            "migrated): make room for the copy, about the size of the database, and start "
            "again"
        ) from exc
    sync_folder(copy.parent)  # the copy's name reaches the disk before migrating
    log.info(
        "database at schema level %d, migrated to %d now: the copy before the upgrade is %s",
        level,
        LATEST,
        copy,
    )


def write_copy(source: sqlite3.Connection, dest: Path, *, single_file: bool = False) -> None:
    """A consistent copy of ``source`` through SQLite's backup API, on the disk (fsync)
    when this returns; ``single_file``: in rollback-journal mode, so no log ever sits
    beside it."""
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        if single_file:
            target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    with open(dest, "rb+") as written:
        os.fsync(written.fileno())


def sync_folder(folder: Path) -> None:
    """Renames in ``folder`` reach the disk (a power cut right after must not undo them)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def newer_schema(where: str, level: int) -> str:
    """What the start and ``sopbot check`` say of a database at schema ``level`` above this
    program's (``where``: its file, or its URL without the password)."""
    return (
        f"{where}: database schema version {level} is newer than this program ({LATEST}): "
        "it was written by a newer release of sopbot; run that release, or restore a "
        "backup taken before the upgrade"
    )


def migrate(conn: sqlite3.Connection, target: int = LATEST, where: str = "database") -> int:
    """Bring the schema to ``target``, one numbered migration per transaction (``where``
    names the database in the error of one newer than this program)."""
    current = schema_version(conn)
    if current > LATEST:
        raise DatabaseError(newer_schema(where, current))
    for version in range(current, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        log.info("database migrated to schema version %d", version + 1)
    return target


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers contain ';' inside BEGIN..END)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


FULL_CHECK_BYTES = 256 * 1024 * 1024
"""Up to this size ``sopbot check`` runs SQLite's ``integrity_check`` (what the start runs);
a larger file gets the faster ``quick_check`` (no index-against-table comparison)."""


def check_sqlite(path: Path) -> int:
    """``sopbot check`` of a SQLite file that exists, without changing it (read-only): its
    pages checked and its schema level (DatabaseError naming the file when it is not
    usable, or newer than this program)."""
    if problem := stale_log(path):
        raise DatabaseError(problem)
    try:
        conn = _connect(path, readonly=True)
        try:
            check = "integrity_check" if path.stat().st_size <= FULL_CHECK_BYTES else "quick_check"
            rows = [str(r[0]) for r in conn.execute(f"PRAGMA {check}").fetchall()]
            level = schema_version(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(_not_usable(path, exc)) from exc
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot be read ({exc.strerror})") from exc
    if rows != ["ok"]:
        raise DatabaseError(f"{path}: {check.replace('_', ' ')} failed: {'; '.join(rows[:5])}")
    if level > LATEST:
        raise DatabaseError(newer_schema(str(path), level))
    return level


def inspect(target: Target, fn: Callable[[Tx], T]) -> T | None:
    """Run ``fn`` on a read-only connection to an existing database, for reports that must
    not change it (``sopbot check``). None when the file is missing or not yet migrated."""
    if is_postgres(target):
        from storage.postgres import inspect as inspect_postgres

        return inspect_postgres(str(target), fn)
    path = Path(target)
    if not path.is_file():
        return None
    conn = _connect(path, readonly=True)
    try:
        if schema_version(conn) != LATEST:
            return None
        return _in_read(conn, fn)
    finally:
        conn.close()
