"""The authorization gate: runs before every other handler.

It drops updates already applied (a redelivery after a crash), keeps the bot to private
chats, records that a person has talked to the bot (so it may message them), and refuses
people who are not registered, politely, revealing nothing about any case.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot import texts as t
from handlers.common import Context, answer, reply

GATE_GROUP = -1


async def gate(update: Update, context: Context) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        raise ApplicationHandlerStop
    svc = context.services
    facts = await svc.queries.gate(update.update_id, user.id)
    if facts.seen:
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        await _refuse_group(update)
        raise ApplicationHandlerStop
    message = update.effective_message
    is_start = message is not None and (message.text or "").startswith("/start")
    if not facts.started and not is_start:
        await svc.people.mark_started(user.id, user.username)
    if facts.roles or svc.cases.is_admin(user.id) or is_start:
        return  # /start (with or without an invitation) is handled by its own handler
    if update.callback_query is not None:
        await answer(update, t.NOT_REGISTERED, alert=True)
    else:
        await reply(update, t.NOT_REGISTERED)
    raise ApplicationHandlerStop


async def _refuse_group(update: Update) -> None:
    if update.callback_query is not None:
        await answer(update, t.PRIVATE_ONLY, alert=True)
        return
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        await reply(update, t.PRIVATE_ONLY)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
