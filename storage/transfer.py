"""Moving a bureau's database from SQLite to PostgreSQL, and proving the copy whole.

:func:`copy_database` copies every table in the order of its foreign keys, in pages read
by primary key (a 100,000-case database never sits in memory at once) and written with
PostgreSQL's COPY; then the ids PostgreSQL assigns next continue after the copied ones.
It is one transaction on PostgreSQL: every row is copied, or none (the target stays as
it was, also one that ``--force`` was to empty).
:func:`table_digests` reads a table in the same order on either engine and hashes every
value of every row (the same rows give the same digest on both), so ``sopbot migrate-db``
compares the source and the copy table by table: rows and digest.

A NUL character is the one text SQLite keeps and PostgreSQL cannot store at all. Releases
before the bot dropped control characters from what officials type kept one in a return
reason now and then, and events are never changed afterwards. The copy carries each such
text with U+FFFD (the replacement character, "�") in the NUL's place: the record keeps a
visible mark where a character was that could not be kept, every other character stays,
and the copy names each value so carried (table, row key, column) in its output;
:func:`nul_counts` counts them beforehand (``sopbot check``). The source's digests are
taken of the rows as carried, so the comparison still proves every other byte the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.db import Database, DatabaseError, Tx
from storage.pg_schema import IDENTITY_TABLES, TABLES
from storage.postgres import RowRefused

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


NUL = "\x00"
IN_ITS_PLACE = "\ufffd"  # what a NUL becomes in the copy


@dataclass(frozen=True)
class Digest:
    rows: int
    sha256: str


@dataclass(frozen=True)
class Carried:
    """A row whose text held a NUL: its key and the columns that held one."""

    key: tuple[Any, ...]
    columns: tuple[str, ...]


@dataclass
class Copied:
    """What :func:`copy_database` copied: rows per table, and per table the rows whose
    NUL became U+FFFD."""

    rows: dict[str, int] = field(default_factory=dict)
    carried: dict[str, list[Carried]] = field(default_factory=dict)


class CopyError(DatabaseError):
    """The copy stopped (its message names the table and the row); nothing was copied."""


def carry(value: Any) -> Any:
    """A value as PostgreSQL can hold it: a text's NUL becomes U+FFFD."""
    if isinstance(value, str) and NUL in value:
        return value.replace(NUL, IN_ITS_PLACE)
    return value


def _carry_row(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[int]]:
    """The row carried, and which of its values changed."""
    changed = [i for i, value in enumerate(row) if isinstance(value, str) and NUL in value]
    if not changed:
        return row, changed
    return tuple(carry(value) for value in row), changed


def row_name(table: str, columns: Sequence[str], row: Sequence[Any]) -> str:
    """``id=57``: a row by its primary key, for messages."""
    return ", ".join(f"{c}={row[columns.index(c)]!r}" for c in PRIMARY_KEYS[table])


def nul_counts(tx: Tx) -> dict[str, int]:
    """Text values holding a NUL, per table that has any (a SQLite database: PostgreSQL
    holds none). The bytes are searched, as SQLite's text functions stop at a NUL."""
    found = {}
    for table in TABLES:
        columns = table_columns(tx, table)
        if not columns:
            continue  # (an older schema without the table)
        held = " + ".join(
            f"(typeof({c}) = 'text' AND instr(CAST({c} AS BLOB), X'00') > 0)" for c in columns
        )
        count = int(tx.value(f"SELECT COALESCE(SUM({held}), 0) FROM {table}"))
        if count:
            found[table] = count
    return found


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


async def table_digests(db: Database, carried: bool = False) -> dict[str, Digest]:
    """Rows and a SHA-256 over every value of every row, per table, in key order;
    ``carried``: of the rows as :func:`copy_database` writes them (a NUL as U+FFFD)."""
    digests = {}
    for table in TABLES:
        columns = await db.read(table_columns, table)
        h = hashlib.sha256(_encode(columns).encode())
        count = 0
        async for rows in _pages(db, table, columns):
            for row in rows:
                values = [carry(v) for v in row] if carried else list(row)
                h.update(b"\n" + _encode(values).encode())
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
    target: Any,  # PostgresDatabase (its loading())
    progress: Callable[[str, int, list[Carried]], None] | None = None,
    *,
    empty_first: bool = False,
) -> Copied:
    """Copy every row of ``source`` into ``target`` (emptied first with ``empty_first``),
    in one transaction: :class:`CopyError`, naming the table and the row, when anything
    fails, and then nothing is copied and ``target`` is as it was."""
    copied = Copied()
    async with target.loading() as load:
        if empty_first:
            await load.run(empty_tables)
        for table in TABLES:
            columns = await source.read(table_columns, table)
            wanted = await load.run(lambda tx, table=table: table_columns(tx, table))
            if columns != wanted:
                raise CopyError(f"{table}: columns differ: {columns} != {wanted}")
            count, carried = await _copy_table(source, load, table, columns)
            copied.rows[table] = count
            if carried:
                copied.carried[table] = carried
            if progress is not None:
                progress(table, count, carried)
        try:
            await load.run(continue_ids)
        except Exception as exc:
            raise CopyError(f"the ids to come could not be set: {_said(exc)}") from exc
    return copied


async def _copy_table(
    source: Database, load: Any, table: str, columns: list[str]
) -> tuple[int, list[Carried]]:
    count, last, carried = 0, "", []
    try:
        async for rows in _pages(source, table, columns):
            page = []
            for row in rows:
                kept, changed = _carry_row(row)
                if changed:
                    key = _key_of(table, columns, row)
                    carried.append(Carried(key, tuple(columns[i] for i in changed)))
                page.append(kept)
            await load.copy(table, columns, page)
            count += len(rows)
            last = row_name(table, columns, rows[-1])
    except RowRefused as exc:
        if exc.row is not None:
            where = f"row {row_name(table, columns, exc.row)}"
        else:  # (each row alone was taken, the page not)
            where = f"the rows after row {last}" if last else "the first rows"
        raise CopyError(f"{table}: {where} cannot be copied: {exc}") from exc
    except Exception as exc:
        after = f" (after row {last})" if last else ""
        raise CopyError(
            f"{table}: the copy stopped at row {count + 1}{after}: {_said(exc)}"
        ) from exc
    return count, carried


def _said(exc: BaseException) -> str:
    """An exception in one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
