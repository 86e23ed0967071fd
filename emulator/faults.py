"""Fault injection and Telegram-like flood limits, for reliability tests.

Faults are queued rules: "the next N calls (of method M) answer 500", "... hang for X
seconds", "... lose the connection". Flood limits are token buckets, off unless
``BotApiEmulator.rate_limits`` is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["status", "hang", "drop"]
HangExecute = Literal["before", "after", "never"]

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Fault:
    """One injected failure rule; ``remaining`` counts down on every matching call.

    kind "status": answer ``status`` (429 gets ``retry_after``) without executing the call;
    ``body``, if set, is sent verbatim instead of Telegram's JSON (e.g. an nginx HTML page).
    kind "hang": hold the request ``seconds``; ``execute`` says whether the call takes effect
    "before" the hang (the answer is lost or late: the classic duplicate-send case),
    "after" it (a slow server), or "never" (then 502 is answered if the client still waits).
    kind "drop": close the connection without an answer; the call takes effect first if
    ``execute == "before"``.
    """

    kind: FaultKind
    remaining: int = 1
    method: str | None = None  # lower-case Bot API method name; None matches every method
    status: int = 500
    description: str | None = None
    retry_after: int | None = None
    body: str | None = None
    seconds: float = 0.0
    execute: HangExecute = "never"
    chat_id: int | None = None  # only calls to this chat (None: any chat, or none)
    skip: int = 0  # matching calls let through (answered as usual) before the rule applies

    def matches(self, method: str, chat_id: str | None = None) -> bool:
        return (
            self.remaining > 0
            and (self.method is None or self.method == method.lower())
            and (self.chat_id is None or chat_id == str(self.chat_id))
        )

    def error_body(self) -> dict[str, object]:
        if self.status == 429:
            retry_after = self.retry_after if self.retry_after is not None else 1
            return {
                "ok": False,
                "error_code": 429,
                "description": self.description or f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            }
        body: dict[str, object] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description or _REASONS.get(self.status, "Error"),
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class FaultInjector:
    """Queue of :class:`Fault` rules; the first matching rule is used for a call."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def fail(
        self,
        times: int = 1,
        *,
        status: int = 500,
        method: str | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        body: str | None = None,
        chat_id: int | None = None,
        skip: int = 0,
    ) -> Fault:
        """The next ``times`` matching calls (to ``chat_id``, if given) answer ``status``
        (e.g. 500, 502, 429); with ``skip``, after that many matching calls went through
        (the third message of a series refused: ``skip=2``)."""
        return self._add(
            Fault(
                "status",
                times,
                _lower(method),
                status=status,
                description=description,
                retry_after=retry_after,
                body=body,
                chat_id=chat_id,
                skip=skip,
            )
        )

    def hang(
        self,
        times: int = 1,
        *,
        seconds: float,
        method: str | None = None,
        execute: HangExecute = "never",
        chat_id: int | None = None,
    ) -> Fault:
        """The next ``times`` matching calls (to ``chat_id``, if given) are held ``seconds``."""
        return self._add(
            Fault(
                "hang",
                times,
                _lower(method),
                seconds=seconds,
                execute=execute,
                chat_id=chat_id,
            )
        )

    def drop(
        self,
        times: int = 1,
        *,
        method: str | None = None,
        execute: bool = False,
        chat_id: int | None = None,
    ) -> Fault:
        """The next ``times`` matching calls (to ``chat_id``, if given) lose their connection
        without an answer."""
        return self._add(
            Fault(
                "drop",
                times,
                _lower(method),
                execute="before" if execute else "never",
                chat_id=chat_id,
            )
        )

    def clear(self) -> None:
        self.rules.clear()

    def take(self, method: str, chat_id: str | None = None) -> Fault | None:
        for rule in self.rules:
            if rule.matches(method, chat_id):
                if rule.skip > 0:  # let through: the rule waits for a later call
                    rule.skip -= 1
                    continue
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                return rule
        return None

    def _add(self, fault: Fault) -> Fault:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        self.rules.append(fault)
        return fault


def _lower(method: str | None) -> str | None:
    return method.lower() if method else None


@dataclass
class RateLimits:
    """Telegram's documented flood limits, as token buckets (rate per second, burst).

    About 30 messages per second overall, 1 per second per private chat, 20 per minute per
    group. A small burst is allowed, as in practice. Only sending methods count, and edits
    if ``count_edits``. Every message sent counts: an album of N items takes N tokens. A call
    is refused (429) only when a bucket has less than one token; an album then takes all its
    tokens, leaving the bucket in debt, so the next message waits until the debt is repaid.
    """

    global_rate: float = 30.0
    global_burst: float = 30.0
    chat_rate: float = 1.0
    chat_burst: float = 3.0
    group_rate: float = 20.0 / 60.0
    group_burst: float = 20.0
    count_edits: bool = False
    clock: Callable[[], float] = time.monotonic


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def refill(self, at: float) -> None:
        self.tokens = min(self.burst, self.tokens + (at - self.stamp) * self.rate)
        self.stamp = at

    def wait_for_token(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class RateLimiter:
    limits: RateLimits
    _global: _Bucket | None = None
    _chats: dict[int, _Bucket] = field(default_factory=dict)

    def wait(self, chat_id: int, is_group: bool) -> int:
        """0 if a message to ``chat_id`` may be sent now, else the seconds to wait."""
        buckets = self._buckets(chat_id, is_group)
        wait = max(bucket.wait_for_token() for bucket in buckets)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def take(self, chat_id: int, is_group: bool, count: int = 1) -> None:
        """Count ``count`` messages sent to ``chat_id`` (buckets may go into debt)."""
        for bucket in self._buckets(chat_id, is_group):
            bucket.tokens -= count

    def _buckets(self, chat_id: int, is_group: bool) -> tuple[_Bucket, _Bucket]:
        at = self.limits.clock()
        if self._global is None:
            self._global = _Bucket(
                self.limits.global_rate, self.limits.global_burst, self.limits.global_burst, at
            )
        chat = self._chats.get(chat_id)
        if chat is None:
            rate, burst = (
                (self.limits.group_rate, self.limits.group_burst)
                if is_group
                else (self.limits.chat_rate, self.limits.chat_burst)
            )
            chat = self._chats[chat_id] = _Bucket(rate, burst, burst, at)
        for bucket in (self._global, chat):
            bucket.refill(at)
        return self._global, chat
