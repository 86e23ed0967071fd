"""The one error handler: log the traceback, apologise to the user, alert the admins briefly.

The administrators hear of each kind of error once in a window (:mod:`bot.alerts`); the
errors of that kind held back meanwhile are told, counted, when the window ends.

An error in getting the updates (long polling: no update, no job, no task) is no bug of
the bot and PTB tries again by itself: the log has one line for it, no traceback, once a
minute at most for each kind, and the administrators are not alerted (a proxy's passing
502 is no news; an outage they could not be told of anyway). A ``Conflict`` there means
another instance takes this token's updates (an old trial bot still polling, or a webhook
set for the token): that they are told.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Conflict, TelegramError

from bot import jobs
from bot import texts as t
from bot.context import SopApplication
from handlers.common import Context, reply

log = logging.getLogger("sopbot.errors")


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if (
        update is None
        and context.job is None
        and context.coroutine is None
        and isinstance(error, TelegramError)
    ):
        _getting_updates_failed(context, error)
        if not isinstance(error, Conflict):
            return  # a poll that failed on the way: PTB polls again; no one to tell
    else:
        log.error("unhandled error while processing an update", exc_info=error)
    # the apology: a pressed button's alert, else (or when it cannot be shown) a message
    if isinstance(update, Update) and (update.callback_query is None or not await _alert(update)):
        await reply(update, t.ERROR_GENERIC)
    try:
        alerts = context.services.alerts
    except Exception:  # before the services exist: the log has it
        return
    kind = type(error).__name__
    held = alerts.take(kind)
    if held is not None:
        text = t.ALERT.format(kind=t.e(kind))
        if held:
            text += " " + t.ALERT_HELD_BEFORE.format(count=held)
        await _alert_admins(context, text)
    elif alerts.held(kind) == 1 and context.jobs is not None:
        # the first held back in this window: they are told when it ends
        jobs.run_once(context.jobs, _held_back, alerts.window_left(kind), kind, f"alerts:{kind}")


async def _alert(update: Update) -> bool:
    """The apology as the pressed button's alert; False when Telegram refuses it: the press
    was handled after Telegram's time for an answer ("query is too old": after a restart,
    or a slow database), or it was answered before the error. The apology then goes to the
    chat, so that the person knows the press may not have counted."""
    query = update.callback_query
    assert query is not None
    try:
        await query.answer(t.ERROR_GENERIC[:200], show_alert=True)
    except TelegramError as exc:
        log.info("the apology could not be shown as an alert (%s): sent to the chat", exc)
        return False
    return True


def _getting_updates_failed(context: Context, error: TelegramError) -> None:
    """One line, no traceback, for a failed getUpdates (PTB tries again by itself)."""
    kind = type(error).__name__
    try:
        held = context.services.polling_faults.take(kind)
    except Exception:  # before the services exist: every one is told
        held = 0
    if held is None:
        return
    again = f" ({held} more since the last line)" if held else ""
    if isinstance(error, Conflict):
        log.warning(
            "another instance uses this bot's token: stop it, Telegram gives the updates to one "
            "only (Telegram: %s)%s",
            error.message,
            again,
        )
    else:
        log.warning("getting updates failed (%s: %s): trying again%s", kind, error.message, again)


async def _held_back(context: Context) -> None:
    """The end of a window: the administrators hear how many errors of a kind it held.
    (A JobQueue callback: PTB hands it the application's context type, SopContext.)"""
    assert context.job is not None
    kind = str(context.job.data)
    alerts = context.services.alerts
    held = alerts.flush(kind)
    if held:
        minutes = max(1, round(alerts.every / 60))
        await _alert_admins(
            context, t.ALERT_HELD.format(kind=t.e(kind), count=held, minutes=minutes)
        )


async def _alert_admins(context: Context, text: str) -> None:
    for admin in context.services.config.admins:
        try:
            await context.bot.send_message(admin, text)
        except TelegramError:
            log.info("admin %s could not be alerted", admin)


def register(app: SopApplication) -> None:
    app.add_error_handler(on_error)
