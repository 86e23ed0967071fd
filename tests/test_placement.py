"""``storage.same_cpu``: while the bot runs, its event loop and SQLite's threads share one
CPU, and the threads that render papers and draw pictures keep every CPU
(:mod:`bot.placement`)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from bot import placement
from bot.demo import World

pytestmark = pytest.mark.skipif(
    not placement.can_pin(), reason="needs Linux and more than one CPU to pin threads to"
)


def cpus_of(thread: threading.Thread) -> set[int]:
    assert thread.native_id is not None
    return os.sched_getaffinity(thread.native_id)


def threads_named(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


async def test_while_the_bot_runs_its_loop_and_database_share_one_cpu(tmp_path: Path) -> None:
    every_cpu = os.sched_getaffinity(0)
    async with World(tmp_path) as world:
        await world.everyone_starts()  # the officials' /start: trips to the database
        (loop_cpu,) = os.sched_getaffinity(0)
        database = world.services.db.thread_ids()
        assert len(database) == 3  # the writer and two readers
        assert all(os.sched_getaffinity(thread) == {loop_cpu} for thread in database)
        # papers and files go through asyncio.to_thread; pictures through their own thread
        assert await asyncio.to_thread(os.sched_getaffinity, 0) == every_cpu
        assert world.services.reports.ready is not None
        await asyncio.wrap_future(world.services.reports.ready)
        (drawer,) = threads_named("sopbot-drawing")
        assert cpus_of(drawer) == every_cpu
    assert os.sched_getaffinity(0) == every_cpu  # given back at shutdown


async def test_with_same_cpu_off_every_thread_is_left_to_the_scheduler(tmp_path: Path) -> None:
    every_cpu = os.sched_getaffinity(0)
    async with World(tmp_path, storage={"same_cpu": False}) as world:
        await world.everyone_starts()
        assert os.sched_getaffinity(0) == every_cpu
        database = world.services.db.thread_ids()
        assert database and all(os.sched_getaffinity(t) == every_cpu for t in database)


async def test_a_database_without_threads_of_its_own_pins_nothing() -> None:
    every_cpu = os.sched_getaffinity(0)
    assert placement.keep_together([]) is None  # PostgreSQL: the server does the work
    assert os.sched_getaffinity(0) == every_cpu


def test_the_cpu_is_read_past_a_thread_name_with_spaces_and_parentheses() -> None:
    with open("/proc/thread-self/stat", "rb") as stat:
        line = stat.read()
    pid, rest = line.split(b" ", 1)
    odd = pid + b" (a) b (c)" + rest[rest.rindex(b")") + 1 :]
    assert placement.processor(odd) == placement.processor(line)
    assert placement.processor(line) in os.sched_getaffinity(0)
