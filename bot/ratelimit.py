"""Telegram's flood limits for every Bot API call the bot makes: the one flood limiter.

Telegram allows a bot about 30 messages per second overall, about one message per second
in a private chat and 20 per minute in a group; beyond that it answers 429 with
``retry_after``. Every call passes :meth:`FloodLimiter.process_request` (PTB's
``BaseRateLimiter`` hook): interactive answers and the outbox alike, so the limits hold
for the sum of both.

- A message takes its chat's token first and the overall token only when it is about to
  go: 40 messages queued to one group do not hold back private chats.
- A message to a private chat waits for that chat's one-per-second token (no bursts).
  Edits and other calls with a ``chat_id`` take only the overall token.
- A media group counts as one message per item.
- A 429 that gets through (another process on the same token, say) pauses every call for
  ``retry_after``; callers already waiting see the longer pause too. The call is sent again
  up to ``max_retries`` times; ``rate_limit_args=0`` (the outbox) passes the 429 back so
  the caller keeps and retries its own row.
- Calls without a ``chat_id`` (answerCallbackQuery, getUpdates, getFile) are not limited.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["FloodLimiter", "FloodLimits", "TokenBucket"]

log = logging.getLogger(__name__)

JSON = dict[str, Any]


@dataclass(frozen=True)
class FloodLimits:
    overall_per_second: float = 30.0
    overall_burst: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 1.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0
    max_retries: int = 2


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved. :meth:`reserve` takes tokens
    now and says how long to wait before using them (tokens may be owed: callers queue up
    behind each other)."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, now

    def reserve(self, now: float, n: float = 1.0) -> float:
        """Take ``n`` tokens; the wait is until the first of them is there (an album goes
        out whole and leaves the rest owed, which the next message repays by waiting)."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        self.tokens -= n
        return wait

    def idle(self, now: float) -> bool:
        """Full again: nothing is owed, so the bucket can be forgotten."""
        return self.tokens + (now - self.stamp) * self.rate >= self.burst


def _sends_message(endpoint: str) -> bool:
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and endpoint not in (
        "sendChatAction",
    )


class FloodLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or FloodLimits()
        self._clock, self._sleep = clock, sleep
        now = clock()
        self._overall = TokenBucket(self.limits.overall_per_second, self.limits.overall_burst, now)
        self._chats: dict[int | str, TokenBucket] = {}
        self._paused_until = 0.0
        self._last_cleanup = now

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        self._chats.clear()

    def _chat_bucket(self, chat_id: int | str, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if now - self._last_cleanup > 60.0:
                self._forget_idle_chats(now)
            limits = self.limits
            if isinstance(chat_id, str) or chat_id < 0:  # a group, or a channel by @name
                bucket = TokenBucket(limits.group_per_minute / 60.0, limits.group_burst, now)
            else:
                bucket = TokenBucket(limits.private_per_second, limits.private_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def _forget_idle_chats(self, now: float) -> None:
        self._last_cleanup = now
        for chat_id in [c for c, b in self._chats.items() if b.idle(now)]:
            del self._chats[chat_id]

    async def _until_not_paused(self) -> None:
        """Sleep while a 429 pause lasts; a pause lengthened meanwhile is seen too."""
        # a loop, not an Event: the pause is a deadline that a later 429 may move
        while (wait := self._paused_until - self._clock()) > 0:
            await self._sleep(wait)

    async def acquire(self, chat_id: int | str, endpoint: str, count: int = 1) -> None:
        """Wait for the chat's tokens (messages only), then for the overall ones."""
        await self._until_not_paused()
        if _sends_message(endpoint) or isinstance(chat_id, str) or chat_id < 0:
            wait = self._chat_bucket(chat_id, self._clock()).reserve(self._clock(), count)
            if wait > 0:
                await self._sleep(wait)
                await self._until_not_paused()
        wait = self._overall.reserve(self._clock(), count)
        if wait > 0:
            await self._sleep(wait)
            await self._until_not_paused()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSON | list[JSON]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSON | list[JSON]:
        chat_id = data.get("chat_id")
        if chat_id is not None and not isinstance(chat_id, str):
            try:
                chat_id = int(chat_id)
            except (TypeError, ValueError):
                chat_id = str(chat_id)
        media = data.get("media")
        count = len(media) if endpoint == "sendMediaGroup" and isinstance(media, list) else 1
        retries = self.limits.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if chat_id is not None:
                await self.acquire(chat_id, endpoint, count)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                after = exc.retry_after
                seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
                self.pause(seconds)
                if attempt == retries:
                    log.warning("429 from Telegram (%s): retry after %.1f s", endpoint, seconds)
                    raise
                log.warning("429 from Telegram (%s): sending again after %.1f s", endpoint, seconds)
                if chat_id is None:
                    await self._sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover
