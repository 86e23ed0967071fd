"""A real PostgreSQL server for the tests, when there is one.

``bin/test`` (through ``bin/with-postgres``) starts a throw-away cluster on 127.0.0.1 and
names it in ``SOPBOT_TEST_PG`` (a superuser's URL; the password in ``PGPASSWORD``). Without
it every PostgreSQL test is skipped with the reason (``pytest -rs`` lists it), never
silently. Each test gets a database of its own, dropped afterwards.

Import the fixtures into a test module: ``from pg_helpers import pg_url, engine_target``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

SERVER = os.environ.get("SOPBOT_TEST_PG", "")
SKIP_REASON = "PostgreSQL: " + (
    os.environ.get("SOPBOT_TEST_PG_SKIP")
    or "SOPBOT_TEST_PG is not set (bin/test starts a throw-away server when PostgreSQL's "
    "initdb and pg_ctl are installed: Debian's postgresql package)"
)
needs_postgres = pytest.mark.skipif(not SERVER, reason=SKIP_REASON)
ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=needs_postgres),
]


def database_url(name: str) -> str:
    """The server's URL with another database name."""
    return urlsplit(SERVER)._replace(path=f"/{name}").geturl()


async def create_database() -> str:
    name = f"sopbot_t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def tables_in(url: str) -> list[str]:
    """The tables of the database at ``url`` (its current schema): none where the bot never ran."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    finally:
        await conn.close()
    return [row["tablename"] for row in rows]


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of a new, empty database on the test server (skipped without one)."""
    if not SERVER:
        pytest.skip(SKIP_REASON)
    name = await create_database()
    try:
        yield database_url(name)
    finally:
        await drop_database(name)


@pytest.fixture
def pg_url_sync() -> Iterator[str]:
    """:func:`pg_url` for synchronous tests (the CLI in a subprocess)."""
    if not SERVER:
        pytest.skip(SKIP_REASON)
    name = asyncio.run(create_database())
    try:
        yield database_url(name)
    finally:
        asyncio.run(drop_database(name))


@pytest.fixture(params=ENGINES)
async def engine_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new database on each engine: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "sopbot.sqlite3")
        return
    name = await create_database()
    try:
        yield database_url(name)
    finally:
        await drop_database(name)
