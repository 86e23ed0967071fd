"""Free text: the answer to whatever dialogue the person has pending (kept in the database)."""

from __future__ import annotations

from collections.abc import Hashable

from telegram import Message, MessageOriginUser, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot import parsing
from bot import texts as t
from bot.context import SopApplication
from bot.edits import Edit
from handlers.buttons import answer_dialogue
from handlers.cases import cancel_dialogue, new_case_step, year_label
from handlers.common import TYPED, Context, case_shown_in, reply, user_id
from handlers.people import profile_step
from storage.repo import Dialogue


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    text = message.text or ""
    read = TYPED.get()  # the gate's trip read it with the sender's facts
    if read is not None and read[0] == update.update_id:
        dialogue = read[1][0]
    else:
        dialogue = await context.services.queries.dialogue(user_id(update))
    if dialogue is None or dialogue.kind not in _TYPE_IT:
        # no question waits for typed text: nothing of it is taken, and an edit of it is
        # told so, not that it stands
        context.services.edits.not_taken(message.chat_id, message.message_id)
    if dialogue is None:
        if await tell_lapsed(update, context, text):
            return
        forwarded = case_shown_in(message) if _forwarded_from(message, context.bot.id) else None
        replied = await _replied_case(context, message)
        if forwarded is not None:  # a task of the bot's own, passed back to it
            await reply(update, t.FORWARDED_CASE_NOT_RECORDED.format(case=forwarded))
        elif replied is not None:  # a remark on a task ("TOR belum lengkap"): no decision
            await reply(update, t.REPLY_TO_CASE_NOT_RECORDED.format(case=replied))
        else:
            await reply(update, t.NO_QUESTION_WAITING)
        return
    if dialogue.kind in _TYPE_IT and _forwarded_from(message, context.bot.id):
        # a message of the bot's own forwarded back (a task of another case, by mistake) is
        # not what the person wrote: they are asked to type it, and the question stays
        await reply(update, t.FORWARDED_FROM_BOT.format(**_type_it(context, dialogue)))
        return
    if (
        parsing.is_cancel_word(text)  # "Batal" typed rather than pressed: as /batal
        and dialogue.kind in _TYPE_IT
        and _type_it(context, dialogue)["cancel"]
    ):
        await cancel_dialogue(update, context)
        return
    if dialogue.kind in _TYPE_IT:
        await _answer(update, context, dialogue, text)
    elif dialogue.kind == "file":
        await reply(update, t.PRESS_FILE_TYPE)
    elif dialogue.kind == "team":
        await reply(update, t.PRESS_TEAM_MEMBERS)
    else:
        await reply(update, t.UNKNOWN_INPUT)


async def _answer(update: Update, context: Context, dialogue: Dialogue, text: str) -> None:
    """Text typed for the question that waits. One its handler refused (a year it could not
    read, a reason too long) leaves the question waiting: the message is marked as not
    taken, so that an edit of it, also once the question is cancelled, is told that nothing
    of it was recorded, not that the original stands."""
    message = update.effective_message
    assert message is not None
    if dialogue.kind.startswith("profile_"):
        await profile_step(update, context, dialogue.kind, text)
    elif dialogue.kind in ("new_title", "new_year"):
        await new_case_step(update, context, dialogue.kind, text, dialogue.data)
    else:
        replied = await _replied_case(context, message)
        if replied is not None and dialogue.case_id is not None and replied != dialogue.case_id:
            # a reply to another case's message is about that case, not an answer here
            answer = t.answer_for_another_case(dialogue.kind, dialogue.case_id, replied, text)
            await reply(update, answer)
        else:
            await answer_dialogue(update, context, dialogue, text)
    asked = waiting_question(dialogue)
    if waiting_question(await context.services.queries.dialogue(user_id(update))) == asked:
        context.services.edits.not_taken(message.chat_id, message.message_id, asked)


_TYPE_IT = {
    "return_reason": t.ANS_TYPE_REASON,
    "note": t.ANS_TYPE_NOTE,
    "archive_reference": t.ANS_TYPE_ARCHIVE,
    "new_title": t.ANS_TYPE_TITLE,
    "new_year": t.ANS_TYPE_YEAR,
    "profile_name": t.ANS_TYPE_NAME,
    "profile_nip": t.ANS_TYPE_NIP,
    "profile_position": t.ANS_TYPE_POSITION,
}
"""The questions typed text answers, and how each is asked again."""


def _type_it(context: Context, dialogue: Dialogue) -> dict[str, str]:
    """How a question waiting for typed text is asked again (``ask``), and whether it may
    be cancelled (``cancel``): the first registration may not, it would leave the newcomer
    unnamed."""
    ask = _TYPE_IT[dialogue.kind]
    if dialogue.kind == "new_year":
        ask = ask.format(label=t.e(year_label(context, dialogue.data).lower()))
    registering = dialogue.kind.startswith("profile_") and not dialogue.data.get("fix")
    return {"ask": ask, "cancel": "" if registering else t.FORWARDED_MAY_CANCEL}


async def not_typed(update: Update, context: Context) -> bool:
    """A message that is no text (a voice note, a sticker, a photo, a location) while a
    question waits for typed text: the person is told to type the answer, and the question
    stays. False when no such question waits (the message is then answered as any other)."""
    dialogue = await context.services.queries.dialogue(user_id(update))
    if dialogue is None or dialogue.kind not in _TYPE_IT:
        return False
    await reply(update, t.NOT_TYPED.format(**_type_it(context, dialogue)))
    if (message := update.effective_message) is not None:
        context.services.edits.not_taken(
            message.chat_id, message.message_id, waiting_question(dialogue)
        )
    return True


def waiting_question(dialogue: Dialogue | None) -> Hashable | None:
    """The question waiting for typed text, as :mod:`bot.edits` remembers it with a text
    that came while it waited (None: no such question)."""
    if dialogue is None or dialogue.kind not in _TYPE_IT:
        return None
    return dialogue.kind, dialogue.case_id, dialogue.created_at


async def edit_answer(context: Context, person_id: int, edit: Edit) -> str:
    """The answer to an official's edit of a message: the original stands; but a text
    typed (or a photo sent) for a question that waits still was not taken as its answer,
    so nothing of it stands, and the answer is asked for in a new message; nor does a
    file or photo the bot took nothing of, which is to be sent again if still needed, nor
    a text it took nothing of (no question waited for it)."""
    if edit.asked is not None:
        dialogue = await context.services.queries.dialogue(person_id)
        if dialogue is not None and waiting_question(dialogue) == edit.asked:
            return t.EDIT_OF_AN_ANSWER_NOT_TAKEN.format(**_type_it(context, dialogue))
    if edit.taken:
        return t.EDIT_NOT_PROCESSED
    return t.EDIT_OF_A_TEXT_NOT_TAKEN if edit.typed else t.EDIT_OF_A_FILE_NOT_TAKEN


async def _replied_case(context: Context, message: Message) -> int | None:
    """The case of the bot's message a text replies to (its task message, by the database;
    another, by the case its text names), or None: no reply to the bot, or to a message of
    no case."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    linked = await context.services.queries.case_of_message(message.chat_id, replied.message_id)
    return linked if linked is not None else case_shown_in(replied)


def _forwarded_from(message: Message | None, bot_id: int) -> bool:
    """Whether a message is a forwarded copy of one this bot sent. (Only a user's origin can
    be the bot: a chat's origin is a group or channel that posted anonymously.)"""
    origin = message.forward_origin if message is not None else None
    return isinstance(origin, MessageOriginUser) and origin.sender_user.id == bot_id


async def tell_lapsed(update: Update, context: Context, text: str) -> bool:
    """Text with no question pending, typed for one that ended meanwhile without it (another
    holder decided the step, the role went, ...): told why it was not used, with the text
    quoted back so nothing typed is lost. False when no question ended so."""
    lapsed = await context.services.dialogues.lapsed(user_id(update))
    if lapsed is None:
        return False
    ended = lapsed.ended
    answer = t.lapsed_text(ended.kind, ended.why, ended.case_id, text, lapsed.actor, lapsed.role)
    await reply(update, answer)
    return True


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command no handler took: unknown, or addressed to another bot by its name
    ("/tugas@otherbot": the gate keeps the bot to private chats, where a bot's name after
    a command, meant for groups, can only be a slip, say a command copied from another
    bot's guide). The latter is told so, with the command to type here."""
    message = update.effective_message
    typed = (message.text or "").split(maxsplit=1)[0] if message is not None else ""
    command, at, addressee = typed.removeprefix("/").partition("@")
    if at and addressee and addressee.casefold() != context.bot.username.casefold():
        hint = (
            t.COMMAND_OF_OURS.format(command=command)
            if command.casefold() in _our_commands(context)
            else t.COMMAND_NOT_OURS
        )
        text = t.COMMAND_FOR_ANOTHER_BOT.format(
            typed=t.e(t.clip(typed, 100)),
            other=t.e(t.clip(addressee, 40)),
            bot=t.e(context.bot.username),
            hint=hint,
        )
        await reply(update, text)
        return
    await reply(update, t.UNKNOWN_COMMAND)


def _our_commands(context: Context) -> set[str]:
    """The commands this bot's handlers take (lower case, as PTB compares them)."""
    return {
        name
        for group in context.application.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }


def not_taken(message: Message) -> str:
    """The answer to a message of a kind the bot takes nothing from (a voice note, a
    contact, a location, a poll...) with no question pending: it is named, with what the bot
    does take and where to look."""
    kind = next(
        (name for field, name in t.NOT_TAKEN_KINDS.items() if getattr(message, field, None)),
        t.NOT_TAKEN_OTHER,
    )
    return t.NOT_TAKEN.format(kind=kind)


async def on_other(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    context.services.edits.not_taken(message.chat_id, message.message_id)  # a voice's caption
    if not await not_typed(update, context):
        await reply(update, not_taken(message))


def register(app: SopApplication) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, on_other))
