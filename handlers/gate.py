"""The authorization gate: runs before every other handler.

It drops updates already applied (a redelivery after a crash: a question such an update
asked is asked again while it waits for its answer), keeps the bot to private
chats, records that a person has talked to the bot (so it may message them) or blocked it,
answers an edit of a message already sent (it is not new input: the original is what was
recorded; once a message, and only an edit of what the bot read of it, see
:mod:`bot.edits`), and refuses people who are not registered, politely, revealing nothing about
any case.

If the gate itself fails (its read meets a locked database, a PostgreSQL connection
lost), the update goes no further: no handler may run for a person the gate could not
tell, and the person is told, once, as for any error.
"""

from __future__ import annotations

import logging

from telegram import ReplyParameters, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot import telegram_calls as calls
from bot import texts as t
from bot.callbacks import Op, decode
from bot.context import SopApplication
from bot.ratelimit import IF_FREE, Withdrawn
from bot.services.queries import Pressed, Typed
from handlers.asked import ask_again
from handlers.common import GATE_FACTS, PRESSED, TYPED, Context, answer, reply, topic_of
from handlers.text import edit_answer, tell_lapsed, waiting_question

GATE_GROUP = -1

log = logging.getLogger(__name__)


async def gate(update: Update, context: Context) -> None:
    try:
        await _gate(update, context)
    except ApplicationHandlerStop:
        raise
    except Exception as error:
        # PTB would hand the error to the error handler and then run the next group (the
        # handlers) for an update no one authorized: a return applied while its official is
        # told to try again, a stranger's command answered. The error handler apologises,
        # logs and alerts as for any error; the update stops here.
        await context.application.process_error(update, error)
        raise ApplicationHandlerStop from error


async def _gate(update: Update, context: Context) -> None:
    GATE_FACTS.set(None)  # nothing read yet of this update's sender
    PRESSED.set(None)
    TYPED.set(None)
    user = update.effective_user
    chat = update.effective_chat
    if update.callback_query is not None and chat is None:
        # a button of a message sent in inline mode (inline_message_id, no message): this
        # bot sends none, so it is no button of ours; answered all the same, or the
        # person's button spins until Telegram gives up
        await answer(update, t.ANS_UNKNOWN_BUTTON)
        raise ApplicationHandlerStop
    if user is None or chat is None or user.is_bot:
        # a bot, or a message in a chat's name (GroupAnonymousBot: an anonymous group
        # administrator; Channel_Bot): nobody the bot serves. An anonymous administrator's
        # command to the bot is told where the bot serves (nothing read, nothing recorded)
        if _sent_as_the_group(update):
            await _refuse_group(update, context)
        raise ApplicationHandlerStop
    svc = context.services
    button = _case_button(update)
    pressed: Pressed | None = None
    typed: Typed | None = None
    if button is not None:  # a press on a case's button: what its handler reads, read in
        facts, pressed = await svc.queries.gate_and_pressed(update.update_id, user.id, *button)
    elif _typed_text(update):  # the same trip; so is typed text's pending dialogue
        facts, typed = await svc.queries.gate_and_dialogue(update.update_id, user.id)
    else:
        facts = await svc.queries.gate(update.update_id, user.id)
    if facts.seen:  # applied before a crash; the question it asked may not have gone out
        await ask_again(update, context)
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        await _refuse_group(update, context)
        raise ApplicationHandlerStop
    if facts.started and facts.username != user.username:
        # a changed (or dropped) username; one not started has it written as it starts
        await svc.people.set_username(user.id, user.username)
        pressed = typed = None  # others' updates ran meanwhile: the handler reads them now
    if (member := update.my_chat_member) is not None:
        # the person blocked the bot, or came back: nothing to answer (nor may it)
        if member.new_chat_member.status == ChatMemberStatus.BANNED:
            await svc.people.mark_blocked(user.id)
        elif not facts.started:
            await svc.people.mark_started(user.id, user.username)
        raise ApplicationHandlerStop
    message = update.message
    is_start = message is not None and (message.text or "").startswith("/start")
    if not facts.started and not is_start:
        await svc.people.mark_started(user.id, user.username)
        pressed = typed = None
    registered = bool(facts.roles) or svc.cases.is_admin(user.id)
    if message is not None:
        svc.edits.received(message, waiting_question(typed[0]) if typed is not None else None)
    if update.edited_message is not None:
        # a person's edit of what the bot read, once a message: not a live location's new
        # position, nor a change of a field the bot does not use (bot.edits)
        if (edit := svc.edits.to_answer(update.edited_message)) is not None:
            edited = ReplyParameters(
                update.edited_message.message_id, allow_sending_without_reply=True
            )
            if registered:
                text = await edit_answer(context, user.id, edit)
            else:
                text = await _refusal(context, user.id)
            await reply(update, text, reply_parameters=edited)
        raise ApplicationHandlerStop
    if update.message_reaction is not None and not registered:
        raise ApplicationHandlerStop  # a stranger's reaction asks nothing: not answered
    if registered or is_start:
        GATE_FACTS.set(facts)
        if button is not None and pressed is not None:
            PRESSED.set((button, pressed))
        if typed is not None:
            TYPED.set((update.update_id, typed))
        return  # /start (with or without an invitation) is handled by its own handler
    if update.callback_query is not None:
        await answer(update, await _refusal(context, user.id, html=False), alert=True)
    elif message is not None and message.text and not message.text.startswith("/"):
        # a reason typed after the role went (someone who held one): told what became of it
        held = await context.services.people.held_a_role(user.id)
        if not (held and await tell_lapsed(update, context, message.text)):
            await reply(update, t.no_access(user.id, held=held))
    else:
        await reply(update, await _refusal(context, user.id))
    raise ApplicationHandlerStop


def _case_button(update: Update) -> tuple[int, tuple[int, int] | None] | None:
    """For a press on a button of a case (not a page of a list, not a question's Batal):
    the case and the (chat, message) pressed, as :func:`handlers.buttons.on_button` reads
    them; else None."""
    query = update.callback_query
    cb = decode(query.data) if query is not None else None
    if query is None or cb is None or cb.op in (Op.TASK_PAGE, Op.CANCEL_DIALOGUE):
        return None
    where = (query.message.chat.id, query.message.message_id) if query.message else None
    return cb.case_id, where


def _sent_as_the_group(update: Update) -> bool:
    """A new message an anonymous administrator of a group sent on behalf of the group
    (Telegram: ``sender_chat`` the group itself, ``from`` GroupAnonymousBot)."""
    message = update.message
    return (
        message is not None
        and message.chat.type != ChatType.PRIVATE
        and message.sender_chat is not None
        and message.sender_chat.id == message.chat_id
    )


def _typed_text(update: Update) -> bool:
    """A new text message that is not a command (the text handler's: it reads the pending
    dialogue)."""
    message = update.message
    return message is not None and bool(message.text) and not (message.text or "").startswith("/")


async def _refusal(context: Context, user_id: int, *, html: bool = True) -> str:
    """Someone who held a role and holds none now (revoked, or moved to another person a
    moment ago) is told so, not that they never registered (read only when refusing); either
    reads their Telegram ID, for the administrator. One answer an update, as before: a
    stranger who floods the bot gets no more messages than he sent, paced per chat."""
    held = await context.services.people.held_a_role(user_id)
    return t.no_access(user_id, held=held, html=html)


async def _refuse_group(update: Update, context: Context) -> None:
    """In a group, only what is addressed to this bot is answered: a button of its own, or a
    command without a bot's name or with its own (``/tugas@sopbot``); ``/poll@otherbot`` is
    another bot's business. The answer is a reply to the command: in a forum supergroup it
    lands in the command's topic. It never waits for the group's token (20 a minute):
    dozens of colleagues typing /tugas in a busy group would each hold a place of the update
    processor for seconds, and the officials' own chats with them; beyond the group's
    burst the answer is dropped (the first ones already say it). An edited command is not
    answered again: its first answer stands. Nor is anything sent on behalf of a channel (a
    linked channel's post that Telegram forwards into its discussion group, a member writing
    as a channel): nobody there asked the bot. An anonymous administrator's command, sent
    on behalf of the group itself, is answered as anyone's, saying too that such a message
    is no official's the bot can recognise and where to write to the bot."""
    if update.callback_query is not None:
        await answer(update, t.PRIVATE_ONLY, alert=True)
        return
    message = update.message  # an edited command was answered when it was sent
    if message is None or not message.text or not message.text.startswith("/"):
        return
    anonymous = _sent_as_the_group(update)
    if (message.sender_chat is not None and not anonymous) or message.is_automatic_forward:
        return  # a channel's post (a linked channel's auto-forward), or a member as a channel
    _, at, addressee = message.text.split(maxsplit=1)[0].partition("@")
    if at and addressee.casefold() != context.bot.username.casefold():
        return
    try:
        await calls.send_message(
            context.bot,
            message.chat_id,
            t.PRIVATE_ONLY_ANONYMOUS.format(bot=t.e(context.bot.username))
            if anonymous
            else t.PRIVATE_ONLY,
            # in a forum's topic, a reply stays in the topic (not in General); the topic named
            # too, for when the command is gone (deleted by the group's admins) before it
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
            message_thread_id=topic_of(update),
            rate_limit_args=IF_FREE,
        )
    except Withdrawn:
        log.info("'private only' not sent: chat %s is busy", message.chat_id)
    except TelegramError as exc:
        log.warning("'private only' to chat %s failed: %s", message.chat_id, exc)


def register(app: SopApplication) -> None:
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
