"""The authorization gate: runs before every other handler.

It drops updates already applied (a redelivery after a crash), keeps the bot to private
chats, records that a person has talked to the bot (so it may message them), and refuses
people who are not registered — politely, revealing nothing about any case.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot import texts as t
from bot.app import services
from handlers.common import Context, reply
from storage import repo

GATE_GROUP = -1


async def gate(update: Update, context: Context) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        raise ApplicationHandlerStop
    svc = services(context)
    facts = await repo.gate_facts(
        svc.db.reader, update.update_id, user.id, svc.config.organisation.unit
    )
    if facts.seen:
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        await _refuse_group(update)
        raise ApplicationHandlerStop
    if not facts.started:
        async with svc.db.transaction() as conn:
            await repo.ensure_person(conn, user.id, svc.clock.now(), user.username)
            await repo.mark_started(conn, user.id)
    if facts.roles or svc.cases.is_admin(user.id):
        return
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/start "):
        return  # an invitation link: handled by the /start handler
    if update.callback_query is not None:
        await update.callback_query.answer(t.NOT_REGISTERED[:200], show_alert=True)
    else:
        await reply(update, t.NOT_REGISTERED)
    raise ApplicationHandlerStop


async def _refuse_group(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(t.PRIVATE_ONLY[:200], show_alert=True)
        return
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        await reply(update, t.PRIVATE_ONLY)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
