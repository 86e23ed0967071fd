"""Faults of the bot's own, and the administrators told of them.

A fault of the bot's own environment (:func:`local_fault`: a file that cannot be written or
read, a database error) is not the row's: the row does not count it as an attempt and is
never given up for it, but tried again with back-off (1 s, doubling up to
``max_fault_backoff``) until it goes. A round that fails as a whole (the database's disk
full, the database unreachable) waits the same way, not at once: the first failure is
logged with its traceback, then a line a minute while it lasts, and one when rounds work
again. The administrators are told once when rows are held by such a fault, and once more
when they go again (through the outbox, or straight to them while the database is what
fails). What it costs is on the failure path only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from bot import telegram_calls as calls
from bot import texts as t
from bot.alerts import AlertThrottle
from bot.outbox.courier import Courier, sending
from bot.services import effects
from storage import repo
from storage.db import is_database_fault

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split

FAULT_BACKOFF_FIRST = 1.0  # seconds before the first retry of a round that failed
FAULT_BACKOFF_MAX = 120.0  # at most this long between the retries of a fault of the bot's own
FAULT_LOG_EVERY = 60.0  # seconds between the log lines of a fault that goes on
FAULT_ALERT = "outbox: pengiriman tertahan"  # the kind of alert (bot.alerts) of a held outbox


def local_fault(exc: BaseException) -> bool:
    """A fault of the bot's own environment, not of the message: a file that cannot be
    written or read (disk full, a read-only or missing share), a database error (disk full,
    locked, unreachable). Telegram's errors are not among them (PTB raises its own)."""
    return isinstance(exc, OSError) or is_database_fault(exc)


class Admins:
    """The administrators (``ids``), told what the outbox cannot settle by itself."""

    def __init__(self, courier: Courier, ids: Sequence[int]) -> None:
        self.courier = courier
        self.ids = tuple(ids)

    async def tell(self, text: str) -> None:
        """Through the outbox; straight to them when the database cannot take the row (it is
        the fault), as the error handler does, once."""
        courier = self.courier
        try:
            await courier.db.write(effects.tell_admins, self.ids, [text], courier.clock.now())
        except Exception as exc:
            log.info("the administrators are told directly (%r)", exc)
            for admin in self.ids:
                try:
                    await calls.send_message(courier.bot, admin, text, rate_limit_args=sending())
                except Exception as error:
                    log.info("administrator %s could not be told: %r", admin, error)
        else:
            courier.wake()


class FaultHold:
    """Rows held by a fault of the bot's own, and delivery rounds that failed as a whole:
    when each goes again, what the log says of them, and the administrators told once that
    rows are held (and once that they go again)."""

    def __init__(
        self, courier: Courier, admins: Admins, alerts: AlertThrottle, max_backoff: float
    ) -> None:
        self.courier, self.admins, self.alerts = courier, admins, alerts
        self._max_backoff = max_backoff
        # rounds failed in a row (0: the last one worked), since when, and when last logged
        self._round_failures = 0
        self._failing_since = self._fault_logged = 0.0
        self._held: dict[int, int] = {}  # rows held by a local fault -> its tries in a row
        self._fault_told = False  # the administrators heard that rows are held

    async def round_failed(self, exc: Exception) -> float:
        """A round failed: how long to wait before the next one (doubling, capped; a wake
        comes sooner: it follows a write that worked). Logged with its traceback the first
        time, then in a line a minute."""
        self._round_failures += 1
        now = time.monotonic()
        if self._round_failures == 1:
            self._failing_since = self._fault_logged = now
            log.error("outbox delivery round failed: tried again with back-off", exc_info=exc)
            if not self._held:
                await self._fault_began(exc)
        elif now - self._fault_logged >= FAULT_LOG_EVERY:
            self._fault_logged = now
            log.error(
                "outbox delivery rounds still failing: %d failed in %.0f s, the last with %r",
                self._round_failures,
                now - self._failing_since,
                exc,
            )
        return self._fault_backoff(self._round_failures)

    async def round_worked(self) -> None:
        """A round worked: the rounds that failed before it are over."""
        if not self._round_failures:
            return
        log.warning(
            "outbox delivery rounds work again, after %d failed in %.0f s",
            self._round_failures,
            time.monotonic() - self._failing_since,
        )
        self._round_failures = 0
        if not self._held:
            await self._fault_ended()

    async def hold(self, item: repo.OutboxItem, exc: Exception) -> None:
        """A row met a fault of the bot's own: tried again with back-off, not counted as an
        attempt (it is never given up for it)."""
        began = not self._held and not self._round_failures
        tries = self._held[item.id] = self._held.get(item.id, 0) + 1
        seconds = self._fault_backoff(tries)
        if began:
            log.error(
                "outbox item %d (%s) held by a fault of the bot's own, tried again until it clears",
                item.id,
                item.kind,
                exc_info=exc,
            )
        else:
            log.info(
                "outbox item %d held, try %d, again in %.1fs: %r", item.id, tries, seconds, exc
            )
        when = self.courier.clock.now() + timedelta(seconds=seconds)
        await self.courier.db.write(repo.mark_retry, item.id, when, f"held: {exc!r}", False)
        if began:
            await self._fault_began(exc)

    async def settled(self, item: repo.OutboxItem) -> None:
        """A row is settled (sent, skipped or given up): if it was held by a fault, the last
        one held ends the fault."""
        if not self._held:
            return
        if self._held.pop(item.id, None) is not None and not self._held:
            log.warning("outbox rows held by a fault of the bot's own go again")
            if not self._round_failures:
                await self._fault_ended()

    async def _fault_began(self, exc: Exception) -> None:
        """Rows are held by a fault of the bot's own: the administrators hear of it once (a
        fault that comes and goes once in a window of :class:`AlertThrottle`)."""
        if not self.admins.ids or self._fault_told or self.alerts.take(FAULT_ALERT) is None:
            return
        self._fault_told = True
        await self.admins.tell(
            t.OUTBOX_HELD.format(problem=t.e(t.clip(f"{type(exc).__name__}: {exc}", 300)))
        )

    async def _fault_ended(self) -> None:
        if self._fault_told:
            self._fault_told = False
            await self.admins.tell(t.OUTBOX_RESUMED)

    def _fault_backoff(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th fault in a row of the bot's own."""
        return min(self._max_backoff, FAULT_BACKOFF_FIRST * 2.0 ** min(failures - 1, 16))
