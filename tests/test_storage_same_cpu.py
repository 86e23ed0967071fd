"""SQLite's threads run on the CPU the event loop runs on, and follow it when it moves
(``storage.same_cpu``, :mod:`storage.cpu`); with the key off they are the scheduler's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import cpu
from storage.db import SqliteDatabase, Tx

pytestmark = pytest.mark.skipif(
    not cpu.can_pin(), reason="needs Linux and more than one CPU to pin threads to"
)


@pytest.fixture
def loop_thread_cpus() -> Iterator[set[int]]:
    """The CPUs this thread (the event loop's) may use, as they are again afterwards."""
    allowed = os.sched_getaffinity(0)
    yield allowed
    os.sched_setaffinity(0, allowed)


def database_threads(db: SqliteDatabase) -> dict[str, set[int]]:
    """Each database thread's CPUs, by thread name."""
    names = {w.thread.native_id: w.thread.name for w in (db._writer, *db._readers) if w}
    return {names[t]: os.sched_getaffinity(t) for t in names if t is not None}


def nothing(tx: Tx) -> int:
    return int(tx.value("SELECT 1"))


async def test_the_database_threads_run_where_the_event_loop_runs(
    tmp_path: Path, loop_thread_cpus: set[int]
) -> None:
    db = await SqliteDatabase.open(tmp_path / "sopbot.sqlite3")
    try:
        await db.write(nothing)
        threads = database_threads(db)
        assert set(threads) == {"sopbot-db-writer", "sopbot-db-reader0", "sopbot-db-reader1"}
        (together,) = {frozenset(cpus) for cpus in threads.values()}
        assert len(together) == 1 and together <= loop_thread_cpus
        assert os.sched_getaffinity(0) == loop_thread_cpus  # the event loop stays free
    finally:
        await db.close()


async def test_the_database_threads_follow_the_event_loop_to_another_cpu(
    tmp_path: Path, loop_thread_cpus: set[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cpu, "FOLLOW_EVERY", 0.0)  # look at every trip
    db = await SqliteDatabase.open(tmp_path / "sopbot.sqlite3")
    try:
        for here in sorted(loop_thread_cpus):
            os.sched_setaffinity(0, {here})  # the scheduler moves the event loop
            assert await db.read(nothing) == 1
            assert all(cpus == {here} for cpus in database_threads(db).values())
    finally:
        await db.close()


async def test_with_same_cpu_off_the_scheduler_places_the_threads(
    tmp_path: Path, loop_thread_cpus: set[int]
) -> None:
    db = await SqliteDatabase.open(tmp_path / "sopbot.sqlite3", same_cpu=False)
    try:
        await db.write(nothing)
        assert all(cpus == loop_thread_cpus for cpus in database_threads(db).values())
    finally:
        await db.close()


def test_the_cpu_is_read_past_a_thread_name_with_spaces_and_parentheses() -> None:
    with open("/proc/thread-self/stat", "rb") as stat:
        line = stat.read()
    pid, rest = line.split(b" ", 1)
    odd = pid + b" (a) b (c)" + rest[rest.rindex(b")") + 1 :]
    assert cpu.processor(odd) == cpu.processor(line)
    assert cpu.processor(line) in os.sched_getaffinity(0)
