"""Moving a bureau's database from SQLite to PostgreSQL, and proving the copy whole.

:func:`copy_database` copies every table in the order of its foreign keys, in pages read
by primary key (a 100,000-case database never sits in memory at once) and written with
PostgreSQL's COPY; then the ids PostgreSQL assigns next continue after the copied ones.
:func:`table_digests` reads a table in the same order on either engine and hashes every
value of every row (the same rows give the same digest on both), so ``sopbot migrate-db``
compares the source and the copy table by table: rows and digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.db import Database, Tx
from storage.pg_schema import IDENTITY_TABLES, TABLES

PAGE = 5000

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "people": ("telegram_id",),
    "role_assignments": ("id",),
    "invites": ("token",),
    "sop_revisions": ("revision",),
    "cases": ("id",),
    "events": ("id",),
    "files": ("id",),
    "outbox": ("id",),
    "task_messages": ("chat_id", "message_id"),
    "dialogues": ("person_id",),
    "processed_updates": ("update_id",),
    "deliveries": ("person_id", "file_id"),
    "live_tasks": ("chat_id", "case_id"),
    "acting": ("id",),
    "albums": ("chat_id", "media_group_id"),
    "album_files": ("chat_id", "message_id"),
    "inbox": ("update_id",),
    "ended_dialogues": ("person_id",),
    "chases": ("id",),
    "earlier_profiles": ("id",),
    "archive_numbers": ("number",),
}
assert set(PRIMARY_KEYS) == set(TABLES)

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class Digest:
    rows: int
    sha256: str


def table_columns(tx: Tx, table: str) -> list[str]:
    """The table's columns in their order (the one engine-specific question here)."""
    if tx.engine == "postgresql":
        rows = tx.all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
    else:
        rows = tx.all(f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
    return [r[0] for r in rows]


def _page(
    tx: Tx, table: str, columns: Sequence[str], after: tuple[Any, ...] | None, size: int
) -> list[tuple[Any, ...]]:
    key = PRIMARY_KEYS[table]
    order = ", ".join(key)
    where = ""
    params: tuple[Any, ...] = ()
    if after is not None:
        marks = ", ".join("?" * len(key))
        where = f"WHERE ({order}) > ({marks}) " if len(key) > 1 else f"WHERE {key[0]} > ? "
        params = after
    rows = tx.all(
        f"SELECT {', '.join(columns)} FROM {table} {where}ORDER BY {order} LIMIT ?",
        (*params, size),
    )
    return [tuple(r) for r in rows]


def _key_of(table: str, columns: Sequence[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(row[columns.index(c)] for c in PRIMARY_KEYS[table])


async def _pages(db: Database, table: str, columns: Sequence[str], size: int = PAGE) -> Any:
    after: tuple[Any, ...] | None = None
    while True:
        rows = await db.read(_page, table, columns, after, size)
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        after = _key_of(table, columns, rows[-1])


async def table_digests(db: Database) -> dict[str, Digest]:
    """Rows and a SHA-256 over every value of every row, per table, in key order."""
    digests = {}
    for table in TABLES:
        columns = await db.read(table_columns, table)
        h = hashlib.sha256(_encode(columns).encode())
        count = 0
        async for rows in _pages(db, table, columns):
            for row in rows:
                h.update(b"\n" + _encode(list(row)).encode())
            count += len(rows)
        digests[table] = Digest(count, h.hexdigest())
    return digests


def row_counts(tx: Tx) -> dict[str, int]:
    return {t: int(tx.value(f"SELECT COUNT(*) FROM {t}")) for t in TABLES}


def empty_tables(tx: Tx) -> None:
    """Empty every table (``migrate-db --force``); ids start again at 1."""
    tx.run(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def continue_ids(tx: Tx) -> None:
    """PostgreSQL's identities go on after the ids copied in (SQLite's row ids did)."""
    for table in IDENTITY_TABLES:
        tx.value(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
        )


async def copy_database(
    source: Database,
    target: Any,  # PostgresDatabase (its COPY)
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target``; rows copied per table."""
    copied: dict[str, int] = {}
    for table in TABLES:
        columns = await source.read(table_columns, table)
        wanted = await target.read(table_columns, table)
        if columns != wanted:
            raise ValueError(f"{table}: columns differ: {columns} != {wanted}")
        count = 0
        async for rows in _pages(source, table, columns):
            await target.copy_rows(table, columns, rows)
            count += len(rows)
        copied[table] = count
        if progress is not None:
            progress(table, count)
    await target.write(continue_ids)
    return copied
