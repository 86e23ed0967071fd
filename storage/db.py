"""The SQLite database: one file, WAL, foreign keys on, migrated at open.

All writes go through one connection, one transaction at a time (``transaction()``);
reads that need no transaction use a second, read-only connection so they never see a
half-written transaction and never wait behind one.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.migrations import LATEST, MIGRATIONS

log = logging.getLogger(__name__)


class DatabaseError(RuntimeError):
    """The database cannot be used (corrupt, or newer than this program)."""


async def _connect(path: Path, readonly: bool = False) -> aiosqlite.Connection:
    if readonly:
        conn = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True)
    else:
        conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        if not readonly:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()  # an unclosed connection's thread keeps the process alive
        raise
    return conn


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, check_integrity: bool = True) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = cls(path)
        try:
            db._writer = await _connect(path)
            if check_integrity:
                await db._check_integrity()
            await migrate(db._writer)
            db._reader = await _connect(path, readonly=True)
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise DatabaseError(f"{path}: not a usable SQLite database ({exc})") from exc
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise DatabaseError("database is closed")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise DatabaseError("database is closed")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything in it commits together or not at all."""
        async with self._lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer for exactly one statement, which commits by itself (autocommit): one
        trip to the database thread instead of three for BEGIN, the statement and COMMIT."""
        async with self._lock:
            yield self.writer

    async def _check_integrity(self) -> None:
        try:
            async with self.writer.execute("PRAGMA integrity_check") as cur:
                rows = [r[0] for r in await cur.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{self.path}: not a usable SQLite database ({exc})") from exc
        if rows != ["ok"]:
            raise DatabaseError(f"{self.path}: integrity check failed: {'; '.join(rows[:5])}")

    async def backup(self, dest: Path) -> None:
        """A consistent copy while the bot runs (SQLite's online backup API)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(dest)
        try:
            async with self._lock:
                await self.writer.backup(target)
        finally:
            await target.close()


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, target: int = LATEST) -> int:
    """Bring the schema to ``target``, one numbered migration per transaction."""
    current = await schema_version(conn)
    if current > LATEST:
        raise DatabaseError(
            f"database schema version {current} is newer than this program ({LATEST})"
        )
    for version in range(current, target):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
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
