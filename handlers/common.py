"""Small helpers shared by the handlers."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackContext

from bot import texts as t
from bot.core.model import Actor, DomainError

log = logging.getLogger(__name__)

Context = CallbackContext[Any, Any, Any, Any]


def user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat the update came from; never raises for Telegram refusals."""
    chat = update.effective_chat
    if chat is None:
        return None
    try:
        return await chat.send_message(t.fit(text), **kwargs)
    except TelegramError as exc:
        log.warning("reply to chat %s failed: %s", chat.id, exc)
        return None


def refusal_text(error: DomainError) -> str:
    params = dict(error.params)
    if "missing" in params:
        params["missing"] = ", ".join(str(m) for m in params["missing"])
    return t.refusal(error.code, **params)


async def edit_quietly(message: Message | Any, text: str) -> None:
    """Edit a message we sent, dropping its buttons; a message gone or unchanged is fine."""
    try:
        await message.edit_text(t.fit(text), reply_markup=None)
    except BadRequest as exc:
        log.info("edit skipped: %s", exc)
    except TelegramError as exc:
        log.warning("edit failed: %s", exc)


def missing_names(definition: Any, error: DomainError) -> DomainError:
    """Name missing documents as officials know them, not by id."""
    missing = error.params.get("missing")
    if missing:
        error.params["missing"] = [definition.document(d).name for d in missing]
    return error


def roles_text(definition: Any, actor: Actor) -> str:
    names = [definition.role(r).name for r in sorted(actor.roles) if definition.has_role(r)]
    return ", ".join(names) or "-"
