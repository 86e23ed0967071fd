"""What every part of the outbox's delivery shares: the database, the bot, the clock and the
delivery loop's wake (:class:`Courier`), the way its calls go through the flood limiter
(:func:`sending`), buttons and replies as Telegram takes them, and Telegram's descriptions
of what it refuses."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.ext import ExtBot

from bot import telegram_calls as calls
from bot.clock import Clock
from bot.ratelimit import BACKGROUND, Sending
from bot.telegram_calls import Sent
from storage import repo
from storage.db import Database

# Telegram's descriptions (PTB capitalizes them: compared in lower case)
NOT_MODIFIED = ("message is not modified",)  # an edit that changes nothing
GONE = ("message to edit not found", "message can't be edited")  # deleted by its reader
# a 413: Telegram's description; PTB's phrase for a body it cannot read (a proxy's), taken
# from Python's HTTP status table, which RFC 9110's name replaced in Python 3.13; a proxy's
TOO_LARGE = ("request entity too large", "content too large", "payload too large")
# a person the bot cannot write to yet: never opened the chat (a Plh appointed before pressing
# Start: 400 "chat not found"), or blocked the bot (403); their rows go when they start
UNREACHABLE = ("chat not found", "forbidden", "bot was blocked", "can't initiate conversation")
DELETED = ("user is deactivated",)  # a 403 for an account its owner deleted: it never comes back
# How this task's calls go through the flood limiter: behind interactive answers, except
# while it delivers a row that is itself an answer (OutboxSender.answer).
SENDING: contextvars.ContextVar[Sending] = contextvars.ContextVar("outbox_sending")


def sending() -> Sending:
    return SENDING.get(BACKGROUND)


def keyboard_markup(rows: Sequence[Sequence[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def says(exc: Exception, phrases: tuple[str, ...]) -> bool:
    """Whether Telegram's description of an error is one of ``phrases`` (lower case)."""
    text = str(exc).lower()
    return any(phrase in text for phrase in phrases)


def reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


@dataclass(frozen=True)
class Courier:
    """The database the rows live in, the bot that sends them, the clock that dates them,
    and ``wake``: the delivery loop's next round begins now (a row was queued)."""

    db: Database
    bot: ExtBot[Any]
    clock: Clock
    wake: Callable[[], None]

    async def send(self, chat_id: int, text: str, keyboard: Any, reply_to: int | None) -> Sent:
        return await calls.send_message(
            self.bot,
            chat_id,
            text,
            reply_markup=keyboard_markup(keyboard) if keyboard else None,
            reply_parameters=reply(reply_to),
            rate_limit_args=sending(),
        )

    async def skip(self, item: repo.OutboxItem) -> None:
        """The row is settled without a message (nothing left to send)."""
        await self.db.write(repo.mark_sent, item.id, self.clock.now(), None)
