"""The event loop the bot runs on (``bot.event_loop``): uvloop by default, asyncio's own on
request or where uvloop does not exist (Windows).

uvloop is libuv under asyncio's public interface; python-telegram-bot, aiohttp (also the
webhook server) and asyncpg run on it unchanged. It makes what the bot does most cheaper:
waking up for a socket or for a database thread's answer (a round trip to a worker thread
takes 49 µs instead of 63, see ``bench/README.md``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

KINDS = ("uvloop", "asyncio")

T = TypeVar("T")


def loop_factory(kind: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """What makes a new loop of ``kind`` ("uvloop" falls back to asyncio's where uvloop is
    not installed, and says so in the log)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event loop {kind!r}: one of {', '.join(KINDS)}")
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("uvloop is not installed on this platform: asyncio's own event loop")
        else:
            factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
            return factory
    return asyncio.new_event_loop


def install(kind: str) -> asyncio.AbstractEventLoop:
    """Make a new loop of ``kind`` the current one, for python-telegram-bot's
    ``run_polling`` / :func:`bot.webhook.run_webhook`, which run on the current loop (and
    close it). The application logs the loop it runs on once it has started."""
    loop = loop_factory(kind)()
    asyncio.set_event_loop(loop)
    return loop


def run(main: Coroutine[Any, Any, T], kind: str) -> T:
    """``asyncio.run`` on a loop of ``kind``."""
    with asyncio.Runner(loop_factory=loop_factory(kind)) as runner:
        return runner.run(main)
