"""Telegram's flood limits for the Bot API calls the bot makes, as token buckets.

Telegram allows a bot about 30 messages per second overall and 20 per minute in a group;
beyond that it answers 429 with ``retry_after``. PTB's ``AIORateLimiter`` enforces these
with ``aiolimiter`` acquisitions (and their futures) on every call; this limiter does the
same arithmetic with a token bucket and sleeps only when a bucket is empty, so a call
within the limits costs a few dictionary operations.

As with ``AIORateLimiter``, private chats have no bucket here: the outbox paces its own
messages to each chat (about one per second, short bursts), and an interactive answer
follows the person's own action. Calls without a ``chat_id`` (``answerCallbackQuery``,
``getUpdates``, ``getFile``) are not limited. A 429 that gets through anyway (a person's
chat past Telegram's one message per second, another process using the same token) pauses
every limited call for ``retry_after``; the call is then sent again, up to ``max_retries``
times, so an interactive answer is late rather than lost. ``rate_limit_args`` of a call
overrides ``max_retries``: the outbox passes 0 and retries by itself, keeping its row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["TelegramRateLimiter", "TokenBucket"]

log = logging.getLogger(__name__)


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved. :meth:`reserve` takes a token
    now and says how long to wait before using it (tokens may be owed: callers queue up)."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, now

    def reserve(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        """Full again: nothing is owed, so the bucket can be forgotten."""
        return self.tokens + (now - self.stamp) * self.rate >= self.burst


class TelegramRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        overall_per_second: float = 30.0,
        overall_burst: float = 30.0,
        group_per_minute: float = 20.0,
        group_burst: float = 20.0,
        max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._overall = TokenBucket(overall_per_second, overall_burst, clock())
        self._group_rate, self._group_burst = group_per_minute / 60.0, group_burst
        self._chats: dict[int | str, TokenBucket] = {}
        self._paused_until = 0.0
        self._max_retries = max_retries
        self._last_cleanup = clock()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        self._chats.clear()

    def delay_for(self, chat_id: int | str) -> float:
        """Reserve a message to ``chat_id``; seconds to wait before sending it."""
        now = self._clock()
        wait = self._overall.reserve(now)
        if isinstance(chat_id, str) or chat_id < 0:  # a group, or a channel by @name
            if now - self._last_cleanup > 60.0:
                self._forget_idle_chats(now)
            bucket = self._chats.get(chat_id)
            if bucket is None:
                bucket = self._chats[chat_id] = TokenBucket(
                    self._group_rate, self._group_burst, now
                )
            wait = max(wait, bucket.reserve(now))
        return max(wait, self._paused_until - now)

    def _forget_idle_chats(self, now: float) -> None:
        self._last_cleanup = now
        for chat_id in [c for c, b in self._chats.items() if b.idle(now)]:
            del self._chats[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if chat_id is not None and not isinstance(chat_id, str):
            try:
                chat_id = int(chat_id)
            except (TypeError, ValueError):
                chat_id = str(chat_id)
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if chat_id is not None:
                wait = self.delay_for(chat_id)
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                after = exc.retry_after
                seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
                self._paused_until = max(self._paused_until, self._clock() + seconds)
                if attempt == retries:
                    raise
                log.info("429 from Telegram (%s): sending again after %.1f s", endpoint, seconds)
                if chat_id is None:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover
