"""Shared fixtures: ``world`` is the emulator + the real bot + the officials, all started.

Async tests run on the event loop production runs on (``bot.event_loop``'s default:
uvloop); ``test_operations.py`` also runs ``sopbot run`` on asyncio's own loop.

A test (with its fixtures) that runs longer than ``STUCK_AFTER`` seconds is reported as it
stands: the stack of every task of its event loop goes to stderr, so a test that waits for
something that never comes shows what it waits for (faulthandler shows only the threads).
Then its tasks are cancelled: the test fails instead of holding up the suite.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import pytest
from host_clock import HostClock, stepped

from bot import eventloop
from bot.config import BotConfig
from bot.demo import World

STUCK_AFTER = 180.0  # the slowest test takes about 40 s

_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    kind = BotConfig().event_loop
    make = eventloop.loop_factory(kind)

    def new_loop() -> asyncio.AbstractEventLoop:
        loop = make()
        _loops.add(loop)
        return loop

    return {kind: new_loop}


def _stuck(name: str, seconds: float) -> None:
    """(On the timer's thread.) Show what the test's tasks wait for, then cancel them."""
    print(f"\n--- {name} still runs after {seconds:.0f} s; its tasks:", file=sys.stderr)
    for loop in list(_loops):
        if loop.is_closed():
            continue
        tasks = list(asyncio.all_tasks(loop))
        for task in tasks:
            task.print_stack(file=sys.stderr)
        for task in tasks:
            loop.call_soon_threadsafe(task.cancel, f"stuck for {seconds:.0f} s")
    sys.stderr.flush()


@pytest.fixture(autouse=True)
def report_if_stuck(request: pytest.FixtureRequest) -> Iterator[None]:
    timer = threading.Timer(STUCK_AFTER, _stuck, (request.node.nodeid, STUCK_AFTER))
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with World(tmp_path) as w:
        await w.everyone_starts()
        yield w


@pytest.fixture
def host_clock(monkeypatch: pytest.MonkeyPatch) -> HostClock:
    """The host's wall clock as PTB's JobQueue reads it, for a test to step (``host_clock``)."""
    return stepped(monkeypatch)
