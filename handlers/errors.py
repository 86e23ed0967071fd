"""The one error handler: log the traceback, apologise to the user, alert the admins briefly."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import texts as t
from handlers.common import Context, reply

log = logging.getLogger("sopbot.errors")


async def on_error(update: object, context: Context) -> None:
    error = context.error
    log.error("unhandled error while processing an update", exc_info=error)
    if isinstance(update, Update):
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(t.ERROR_GENERIC[:200], show_alert=True)
        else:
            await reply(update, t.ERROR_GENERIC)
    await _alert_admins(context, error)


async def _alert_admins(context: Context, error: Any) -> None:
    try:
        admins = context.services.config.admins
    except Exception:
        return
    text = f"⚠️ Gangguan pada bot: <code>{t.e(type(error).__name__)}</code>. Rincian ada di log."
    for admin in admins:
        try:
            await context.bot.send_message(admin, text)
        except TelegramError:
            log.info("admin %s could not be alerted", admin)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_error_handler(on_error)
