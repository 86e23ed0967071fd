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
- Answers go first. A call of the outbox (``rate_limit_args=BACKGROUND``) waits behind
  every interactive answer waiting for the same token, the chat's or the overall one: an
  official who asks something gets the answer at the chat's next free second, not after
  the documents and notices queued for them. Within each kind, first come, first served.
- A 429 that gets through (another process on the same token, say) pauses every call for
  ``retry_after``; callers already waiting see the longer pause too. A 429 for a group is
  the group's own limit (20 a minute): it pauses that group only, so a busy group never
  holds up the officials' private chats. The call is sent again up to ``max_retries``
  times; the outbox's calls (``retries=0``) get the 429 back so the outbox keeps and
  retries its own row.
- Calls without a ``chat_id`` (answerCallbackQuery, getUpdates, getFile) are not limited.
- A call that may be dropped (``rate_limit_args=IF_FREE``: a group's "private only"
  answer) never waits for its chat: when the chat's token is not free now (someone queued
  for it, the bucket empty, a 429 pause), it is :class:`Withdrawn` unsent at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = [
    "BACKGROUND",
    "IF_FREE",
    "OUTBOX_ANSWER",
    "FloodLimiter",
    "FloodLimits",
    "Sending",
    "TokenBucket",
    "Withdrawn",
]

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


@dataclass(frozen=True)
class Sending:
    """How a call goes through the limiter (python-telegram-bot's ``rate_limit_args``)."""

    retries: int | None = None  # 429s the limiter retries itself; None: FloodLimits'
    background: bool = False  # waits behind interactive answers for the same token
    still_wanted: Callable[[], Awaitable[bool]] | None = None
    """Asked when the call's turn has come, just before it goes: False withdraws it
    (:class:`Withdrawn`). A reminder that waited for its chat's second may have been
    replaced by a later one meanwhile."""
    if_free: bool = False
    """Sent only if its chat's token is free now: else :class:`Withdrawn` at once, never
    waiting (an answer that is mere noise when the chat is busy)."""


class Withdrawn(Exception):
    """A call not sent: its ``still_wanted`` said no when its turn came, or (``if_free``)
    its chat's token was not free."""


BACKGROUND = Sending(retries=0, background=True)
"""The outbox's calls: behind the answers, and a 429 handed back to the outbox."""
OUTBOX_ANSWER = Sending(retries=0)
"""An outbox row that answers an official now (a task opened from /tugas): as an answer."""
IF_FREE = Sending(retries=0, if_free=True)
"""A group's "private only" answer: dropped, not queued, when the group's token is taken
(waiting would hold one of the update processor's places for seconds each)."""
_INTERACTIVE = Sending()

_ANSWER, _LATER = 0, 1  # priorities: lower goes first


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved; tokens may be owed (an album
    takes one per item). :class:`_Gate` decides who takes the next one."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float, n: float = 1.0) -> None:
        """Take ``n`` tokens once one is there: an album goes out whole and leaves the rest
        owed, which the next message repays by waiting."""
        self._refill(now)
        self.tokens -= n

    def idle(self, now: float) -> bool:
        """Full again: nothing is owed, so the bucket can be forgotten."""
        return self.tokens + (now - self.stamp) * self.rate >= self.burst


class _Waiter:
    __slots__ = ("order", "priority", "turn")

    def __init__(self, priority: int, order: int) -> None:
        self.priority, self.order = priority, order
        self.turn = asyncio.Event()  # set when it may have come to the head of the queue

    def __lt__(self, other: _Waiter) -> bool:
        return (self.priority, self.order) < (other.priority, other.order)


class _Gate:
    """A token bucket whose waiting callers are served by priority, then in the order they
    came: the caller at the head of the queue sleeps until the next token and takes it;
    the others wait for their turn. An answer that comes while the outbox's message sleeps
    for the token takes its place at the head."""

    __slots__ = ("_order", "_queue", "bucket", "paused_until")

    def __init__(self, bucket: TokenBucket) -> None:
        self.bucket = bucket
        self._queue: list[_Waiter] = []
        self._order = itertools.count()
        self.paused_until = 0.0  # a 429 for this chat alone (a group's limit)

    def idle(self, now: float) -> bool:
        return not self._queue and self.bucket.idle(now) and self.paused_until <= now

    def try_take(self, count: float, now: float) -> bool:
        """Take the tokens if one is free now and nobody waits for it; never waits."""
        if self._queue or self.bucket.wait(now) > 0 or self.paused_until > now:
            return False
        self.bucket.take(now, count)
        return True

    async def take(
        self,
        count: float,
        priority: int,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        queue, bucket = self._queue, self.bucket
        if not queue and bucket.wait(clock()) == 0 and self.paused_until <= clock():
            bucket.take(clock(), count)
            return
        me = _Waiter(priority, next(self._order))
        heapq.heappush(queue, me)
        try:
            while True:
                if queue[0] is not me:
                    await me.turn.wait()
                    me.turn.clear()
                    continue
                wait = max(bucket.wait(clock()), self.paused_until - clock())
                if wait > 0:
                    await sleep(wait)
                    if queue[0] is not me:  # an answer came first meanwhile
                        continue
                    if self.paused_until > clock():  # a later 429 lengthened the pause
                        continue
                # (the token is due: checking the bucket again could find it a rounding
                # error short and sleep for nothing, over and over)
                break
            heapq.heappop(queue)
            bucket.take(clock(), count)
        except BaseException:
            queue.remove(me)
            heapq.heapify(queue)
            raise
        finally:
            if queue:
                queue[0].turn.set()


def _is_group(chat_id: int | str) -> bool:
    """A group or supergroup (a negative id), or a channel by its @name."""
    return isinstance(chat_id, str) or chat_id < 0


def _sends_message(endpoint: str) -> bool:
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and endpoint not in (
        "sendChatAction",
    )


class FloodLimiter(BaseRateLimiter[Sending]):
    def __init__(
        self,
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or FloodLimits()
        self._clock, self._sleep = clock, sleep
        now = clock()
        overall = TokenBucket(self.limits.overall_per_second, self.limits.overall_burst, now)
        self._overall = _Gate(overall)
        self._chats: dict[int | str, _Gate] = {}
        self._paused_until = 0.0
        self._last_cleanup = now

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        self._chats.clear()

    def _chat_gate(self, chat_id: int | str, now: float) -> _Gate:
        gate = self._chats.get(chat_id)
        if gate is None:
            if now - self._last_cleanup > 60.0:
                self._forget_idle_chats(now)
            limits = self.limits
            if _is_group(chat_id):
                bucket = TokenBucket(limits.group_per_minute / 60.0, limits.group_burst, now)
            else:
                bucket = TokenBucket(limits.private_per_second, limits.private_burst, now)
            gate = self._chats[chat_id] = _Gate(bucket)
        return gate

    def _forget_idle_chats(self, now: float) -> None:
        self._last_cleanup = now
        for chat_id in [c for c, g in self._chats.items() if g.idle(now)]:
            del self._chats[chat_id]

    async def _until_not_paused(self) -> None:
        """Sleep while a 429 pause lasts; a pause lengthened meanwhile is seen too."""
        # a loop, not an Event: the pause is a deadline that a later 429 may move
        while (wait := self._paused_until - self._clock()) > 0:
            await self._sleep(wait)

    async def acquire(
        self, chat_id: int | str, endpoint: str, count: int = 1, background: bool = False
    ) -> None:
        """Wait for the chat's tokens (messages only), then for the overall ones; a
        ``background`` call lets every answer waiting for the same token go first."""
        priority = _LATER if background else _ANSWER
        await self._until_not_paused()
        if _sends_message(endpoint) or _is_group(chat_id):
            gate = self._chat_gate(chat_id, self._clock())
            await gate.take(count, priority, self._clock, self._sleep)
            await self._until_not_paused()
        await self._overall.take(count, priority, self._clock, self._sleep)
        await self._until_not_paused()

    def try_acquire(self, chat_id: int | str, endpoint: str, count: int = 1) -> bool:
        """Take the chat's tokens (messages only) if they are free now, with no 429 pause:
        False (nothing taken) else. The overall token is then waited for as usual
        (:meth:`acquire`): it comes within a fraction of a second."""
        now = self._clock()
        if self._paused_until > now:
            return False
        if _sends_message(endpoint) or _is_group(chat_id):
            return self._chat_gate(chat_id, now).try_take(count, now)
        return True

    def pause(self, seconds: float, chat_id: int | str | None = None) -> None:
        """No call for ``seconds``; with a group's ``chat_id``, no call to that group."""
        until = self._clock() + seconds
        if chat_id is not None and _is_group(chat_id):
            gate = self._chat_gate(chat_id, self._clock())
            gate.paused_until = max(gate.paused_until, until)
            return
        self._paused_until = max(self._paused_until, until)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSON | list[JSON]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Sending | None,
    ) -> bool | JSON | list[JSON]:
        chat_id = data.get("chat_id")
        if chat_id is not None and not isinstance(chat_id, str):
            try:
                chat_id = int(chat_id)
            except (TypeError, ValueError):
                chat_id = str(chat_id)
        media = data.get("media")
        count = len(media) if endpoint == "sendMediaGroup" and isinstance(media, list) else 1
        sending = rate_limit_args or _INTERACTIVE
        retries = self.limits.max_retries if sending.retries is None else sending.retries
        for attempt in range(retries + 1):
            if chat_id is not None and sending.if_free:
                if not self.try_acquire(chat_id, endpoint, count):
                    raise Withdrawn(endpoint)
                await self._overall.take(count, _ANSWER, self._clock, self._sleep)
                if self._paused_until > self._clock():
                    raise Withdrawn(endpoint)  # a 429 pause began while it waited
            elif chat_id is not None:
                await self.acquire(chat_id, endpoint, count, sending.background)
            if sending.still_wanted is not None and not await sending.still_wanted():
                raise Withdrawn(endpoint)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                after = exc.retry_after
                seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
                self.pause(seconds, chat_id)
                if attempt == retries:
                    log.warning("429 from Telegram (%s): retry after %.1f s", endpoint, seconds)
                    raise
                log.warning("429 from Telegram (%s): sending again after %.1f s", endpoint, seconds)
                if chat_id is None:
                    await self._sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover
