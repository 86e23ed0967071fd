"""Small helpers shared by the handlers: a helper module, it registers no handlers."""

from __future__ import annotations

import contextvars
import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    ReplyParameters,
    TelegramObject,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from bot import telegram_calls as calls
from bot import texts as t
from bot.callbacks import Callback, Op, decode
from bot.context import SopContext
from bot.core.definition import SopDefinition
from bot.core.model import Case, DomainError
from bot.outbox import keyboard_markup
from bot.services.queries import Pressed, Typed
from bot.telegram_calls import Sent
from storage.repo import GateFacts

log = logging.getLogger(__name__)

# What the gate read of the update's sender, for the handlers of the same update (PTB runs
# the gate and them in one task, each update in its own): a handler asks the database only
# what the gate's one read did not tell. None outside an update the gate let through.
GATE_FACTS: contextvars.ContextVar[GateFacts | None] = contextvars.ContextVar(
    "gate_facts", default=None
)

# What the gate read, in its one trip, of a press on a case's button (the case, the actor, the
# version the pressed message carries), for the button's handler: ((case id, (chat, message)
# pressed), what was read). None when the gate read no such thing, or waited on something
# else after its read (the handler then reads it itself, as it is by then).
PRESSED: contextvars.ContextVar[tuple[tuple[int, tuple[int, int] | None], Pressed] | None] = (
    contextvars.ContextVar("pressed", default=None)
)

# What the gate read, in its one trip, for typed text (not a command): the person's pending
# dialogue and the case it is about, for the text handler ((update id, what was read)); None
# as PRESSED is None.
TYPED: contextvars.ContextVar[tuple[int, Typed] | None] = contextvars.ContextVar(
    "typed", default=None
)

Context = SopContext


def user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def bot_of(received: TelegramObject) -> ExtBot[Any]:
    """The application's bot, from something of an update it received (a message, a chat)."""
    bot = received.get_bot()
    assert isinstance(bot, ExtBot)
    return bot


def topic_of(update: Update) -> int | None:
    """The forum topic the update's message is in (``message_thread_id`` of a message with
    ``is_topic_message``: in a forum supergroup, or in a private chat whose user has topics
    with a bot in forum topic mode), for the answer to land there: a message sent without
    it goes to the General topic, where nobody asked. None outside a topic (and for the
    thread of replies of a plain group, which is not a topic)."""
    message = update.effective_message
    if not isinstance(message, Message) or not message.is_topic_message:
        return None
    return message.message_thread_id


async def reply(
    update: Update,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_parameters: ReplyParameters | None = None,
) -> Sent | None:
    """Answer in the chat the update came from, in its topic if it came from one (see
    :func:`topic_of`); never raises for Telegram refusals."""
    chat = update.effective_chat
    if chat is None:
        return None
    try:
        return await calls.send_message(
            bot_of(chat),
            chat.id,
            t.fit(text),
            reply_markup=reply_markup,
            reply_parameters=reply_parameters,
            message_thread_id=topic_of(update),
        )
    except TelegramError as exc:
        log.warning("reply to chat %s failed: %s", chat.id, exc)
        return None


async def reply_in_parts(
    update: Update, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Sent | None:
    """Answer with a text that may be longer than one message: in as many messages as it
    takes (:func:`bot.texts.split_message`: whole lines, each valid HTML), in order, the
    buttons (``reply_markup``) on the last. Nothing is cut. The flood limiter spaces them (one a
    second in a private chat). The last message; None when the text did not arrive whole.

    A part Telegram refuses ends the answer there: the parts after it are not sent (a text
    with a hole in it reads as whole and misleads). When parts arrived before it, a short
    notice follows them saying the answer broke off and to ask again; when the first part
    failed nothing arrived, as with :func:`reply`, and nothing more is tried."""
    pieces = t.split_message(text)
    sent: Sent | None = None
    for n, piece in enumerate(pieces, 1):
        sent = await reply(update, piece, reply_markup=reply_markup if n == len(pieces) else None)
        if sent is None:
            log.warning("answer broke off at part %d of %d: the rest not sent", n, len(pieces))
            if n > 1:
                await reply(update, t.ANSWER_BROKE_OFF.format(part=n, parts=len(pieces)))
            return None
    return sent


async def answer(update: Update, text: str = "", alert: bool = False) -> None:
    """Answer a button press; a late answer is not an error. Telegram shows at most 200
    characters: a longer text (a refusal naming long documents) ends after a whole word,
    in "…", never inside one."""
    query = update.callback_query
    if query is None:
        return
    if len(text) > t.MAX_CALLBACK_ANSWER:
        text = t.clip_words(text, t.MAX_CALLBACK_ANSWER)[: t.MAX_CALLBACK_ANSWER]
    try:
        await query.answer(text or None, show_alert=alert)
    except TelegramError as exc:
        log.info("callback answer failed: %s", exc)


async def refuse(
    update: Update, error: DomainError, definition: SopDefinition | None = None
) -> None:
    """A refusal: an alert (plain text) on a button press, a reply (HTML) to a message."""
    if update.callback_query is not None:
        await answer(update, refusal_text(error, definition, html=False), alert=True)
    else:
        await reply(update, refusal_text(error, definition))


def refusal_text(
    error: DomainError, definition: SopDefinition | None = None, *, html: bool = True
) -> str:
    """The text of a refusal. ``html``: for a message (sent in HTML parse mode), its values
    (document names from the SOP definition) escaped; else plain text, for a button's alert
    (answerCallbackQuery text is shown as it is)."""
    params = dict(error.params)
    missing = params.get("missing")
    if missing:
        if definition is not None:
            missing = [definition.document(d).name for d in missing]
        params["missing"] = ", ".join(str(m) for m in missing)
    role = params.get("role")
    if isinstance(role, str) and definition is not None and definition.has_role(role):
        params["role"] = definition.role(role).name
    if html:
        params = {key: t.e(value) for key, value in params.items()}
    return t.refusal(error.code, **params)


def page_buttons(op: Op, page: int, pages: int) -> list[tuple[str, str]]:
    """The row of page buttons of a paged list (/tugas, /undangan, /terlambat): « and ‹
    back to the first and the previous page, › and » on to the next and the last; none
    for a list of one page. Case, step and version are 0, the page is the argument."""
    nav = []
    if page > 0:
        nav.append(("«", Callback(op, 0, 0, 0, "0").encode()))
        nav.append(("‹", Callback(op, 0, 0, 0, str(page - 1)).encode()))
    if page < pages - 1:
        nav.append(("›", Callback(op, 0, 0, 0, str(page + 1)).encode()))
        nav.append(("»", Callback(op, 0, 0, 0, str(pages - 1)).encode()))
    return nav


def shows_buttons(message: Any, ops: tuple[Op, ...]) -> bool:
    """Whether a message carries a button of one of ``ops`` (a list's page buttons: what
    tells a list from another message a forged page button may be pressed on)."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            cb = decode(getattr(button, "callback_data", None))
            if cb is not None and cb.op in ops:
                return True
    return False


async def edit_quietly(
    message: MaybeInaccessibleMessage | None, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Edit a message we sent; a message gone or unchanged is fine. True when edited."""
    if message is None:
        return False
    try:
        await calls.edit_message_text(
            bot_of(message), message.chat.id, message.message_id, t.fit(text), reply_markup=markup
        )
        return True
    except BadRequest as exc:
        log.info("edit skipped: %s", exc)
    except TelegramError as exc:
        log.warning("edit failed: %s", exc)
    return False


async def show_team_selection(update: Update, context: Context, case: Case) -> None:
    """The pressed task message shows the team's selection as it is now."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        return
    svc = context.services
    view = await svc.queries.task_message(user_id(update), case)
    svc.outbox.edited_elsewhere(message.chat.id, message.message_id)
    await edit_quietly(message, view.text, keyboard_markup(view.keyboard))


async def edit_markup_quietly(message: Message, markup: InlineKeyboardMarkup | None) -> bool:
    """Change the buttons of a message we sent; a message gone or unchanged is fine."""
    try:
        await calls.edit_message_reply_markup(
            bot_of(message), message.chat.id, message.message_id, markup
        )
        return True
    except TelegramError as exc:
        log.info("buttons not changed: %s", exc)
    return False


async def restore_task(update: Update, context: Context, dialogue: Any) -> None:
    """A task message that showed a question goes back to the task with its buttons (the
    question of /baru is closed by the outbox, however the dialogue ended)."""
    data = dialogue.data
    if dialogue.case_id is None or not (data.get("chat_id") and data.get("message_id")):
        return
    await show_task_in(
        update,
        context,
        dialogue.case_id,
        dialogue.version,
        int(data["chat_id"]),
        int(data["message_id"]),
    )


async def show_task_in(
    update: Update,
    context: Context,
    case_id: int,
    version: int | None,
    chat_id: int,
    message_id: int,
) -> bool:
    """The case's task, with its buttons, in this message again, while the case is still at
    ``version`` and its step is the user's; False when it has moved on, or is not theirs (a
    forged Batal button): nothing is edited."""
    svc = context.services
    case, actor = await svc.queries.case_and_actor(case_id, user_id(update))
    if case is None or not case.is_open or case.version != version:
        return False
    if not svc.queries.holds(case, actor):
        return False
    view = await svc.queries.task_message(user_id(update), case)
    try:
        await calls.edit_message_text(
            context.bot, chat_id, message_id, view.text, reply_markup=keyboard_markup(view.keyboard)
        )
    except TelegramError as exc:
        log.info("task message not restored: %s", exc)
    return True


CASE_SHOWN = re.compile(r"[^\w#]{0,8}Berkas #([0-9]{1,9})\b|[^\n]* · Berkas #([0-9]{1,9})(?:\n|$)")


def case_shown_in(message: Message | None) -> int | None:
    """The case a bot message is about, read from its text: a reply to a message the
    database no longer links to its case (a task that has moved on, a notice) is about
    that case all the same (a file is never taken for the only other one waiting for one,
    a reason never for another case's question)."""
    text = (message.text or message.caption or "") if message is not None else ""
    found = CASE_SHOWN.match(text)
    return int(found[1] or found[2]) if found else None
