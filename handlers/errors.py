"""The one error handler: log the traceback, apologise to the user, alert the admins briefly.

The administrators hear of each kind of error once in ``ALERT_EVERY``: a fault that repeats
(a second bot polling with the same token: a Conflict on every poll) would otherwise fill
their chat. The next alert of that kind says how many were held back meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import texts as t
from handlers.common import Context, reply

log = logging.getLogger("sopbot.errors")

ALERT_EVERY = 1800.0  # seconds between two alerts of the same kind of error


class AlertThrottle:
    """Whether an alert of a kind of error goes out now, and how many of it were held back."""

    def __init__(
        self, every: float = ALERT_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every, self.clock = every, clock
        self._last: dict[str, float] = {}
        self._held: Counter[str] = Counter()

    def take(self, kind: str) -> int | None:
        """None: held back; else the alert goes, and this many were held back before it."""
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.every:
            self._held[kind] += 1
            return None
        self._last[kind] = now
        return self._held.pop(kind, 0)


def error_handler(throttle: AlertThrottle) -> Callable[[object, Context], Any]:
    async def on_error(update: object, context: Context) -> None:
        error = context.error
        log.error("unhandled error while processing an update", exc_info=error)
        if isinstance(update, Update):
            if update.callback_query is not None:
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer(t.ERROR_GENERIC[:200], show_alert=True)
            else:
                await reply(update, t.ERROR_GENERIC)
        held = throttle.take(type(error).__name__)
        if held is not None:
            await _alert_admins(context, error, held)

    return on_error


async def _alert_admins(context: Context, error: Any, held: int) -> None:
    try:
        admins = context.services.config.admins
    except Exception:
        return
    text = f"⚠️ Gangguan pada bot: <code>{t.e(type(error).__name__)}</code>. Rincian ada di log."
    if held:
        text += f" Gangguan yang sama terjadi {held} kali lagi sejak pemberitahuan sebelumnya."
    for admin in admins:
        try:
            await context.bot.send_message(admin, text)
        except TelegramError:
            log.info("admin %s could not be alerted", admin)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_error_handler(error_handler(AlertThrottle()))
