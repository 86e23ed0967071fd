"""Questions asked again: an update that asked one comes back after a crash.

A command that asks something (/baru, an answer of the profile, a button that asks for a
text: Kembalikan, Teruskan dengan catatan, Arsipkan) claims its update and starts its
dialogue in one transaction, then shows the question. A crash in between leaves the
dialogue waiting for an answer to a question the person never saw (and the next text they
type, whatever it says, would be taken as the answer); the update, put back by the inbox
(or delivered again by Telegram), is not applied twice, so it would say nothing. It asks
that question again instead, with an apology, while it is still the one waiting: a
button's question on the task message it was asked on, with its Batal button.

A helper module of the handlers that ask: it registers no handlers of its own."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import TelegramError

from bot import telegram_calls as calls
from bot import texts as t
from bot.callbacks import Callback, Op
from bot.core.definition import SopDefinition, Step
from bot.outbox import keyboard_markup
from bot.services.cases import AlreadyApplied
from bot.views import Keyboard
from handlers.common import GATE_FACTS, Context, answer, reply, show_team_selection, user_id
from storage.repo import Dialogue

log = logging.getLogger(__name__)

PROFILE_QUESTIONS = {
    "profile_name": t.ASK_NAME,
    "profile_nip": t.ASK_NIP,
    "profile_position": t.ASK_POSITION,
}

TASK_QUESTIONS = {
    "return_reason": t.ASK_RETURN_REASON,
    "note": t.ASK_NOTE,
    "archive_reference": t.ASK_ARCHIVE_REFERENCE,
}
"""The questions a task's button asks (Kembalikan, Teruskan dengan catatan, Arsipkan):
shown on the task message, which keeps only their Batal button meanwhile."""


def task_question(kind: str, step: Step) -> str:
    """The question a task's button asks at ``step``: a note typed on the last step of an
    SOP that does not end in archiving goes to everyone who took part, not to a next step's
    holder (Selesaikan dengan catatan)."""
    if kind == "note" and step.finishes:
        return t.ASK_FINISH_NOTE
    return TASK_QUESTIONS[kind]


def cancel_keyboard(case_id: int, step: int, version: int) -> Keyboard:
    """The Batal button of a question asked about the case at this step and version."""
    return [[(t.BTN_CANCEL, Callback(Op.CANCEL_DIALOGUE, case_id, step, version).encode())]]


def cancel_button(case_id: int, step: int, version: int) -> InlineKeyboardMarkup | None:
    return keyboard_markup(cancel_keyboard(case_id, step, version))


def title_question(context: Context, definition: SopDefinition) -> str:
    svc = context.services
    next_year = svc.zone.local(svc.clock.now()).year + 1
    example = t.TITLE_EXAMPLE.format(sop=definition.header.name, year=next_year)
    return t.ASK_TITLE.format(sop=t.e(definition.header.name), example=t.e(example))


def year_question(context: Context, definition: SopDefinition, title: str) -> str:
    svc = context.services
    label = definition.header.year_label
    next_year = svc.zone.local(svc.clock.now()).year + 1  # the office's year
    return t.ASK_YEAR_AFTER_TITLE.format(title=t.e(title), year=next_year, label=t.e(label.lower()))


def question_of(context: Context, dialogue: Dialogue) -> str | None:
    """The question a dialogue waits on, as first asked; None for one asked with buttons
    (a task's question is asked again on its task message: :func:`_ask_on_task_again`)."""
    if dialogue.kind in PROFILE_QUESTIONS:
        return PROFILE_QUESTIONS[dialogue.kind]
    sops = context.services.sops
    code = dialogue.data.get("sop")
    if isinstance(code, str) and code and code not in sops.codes():
        return None  # an SOP no longer run: the answer typed is told so (cases.sop_gone)
    definition = sops[code] if isinstance(code, str) and code else sops.default
    if dialogue.kind == "new_title":
        return title_question(context, definition)
    if dialogue.kind == "new_year":
        return year_question(context, definition, str(dialogue.data.get("title", "")))
    return None


async def ask_again(update: Update, context: Context) -> None:
    """``update`` was applied before (:class:`AlreadyApplied`): the question it asked is
    asked again if it still waits for its answer."""
    dialogue = await context.services.queries.dialogue(user_id(update))
    if dialogue is not None and dialogue.kind == "team":
        await _show_team_again(update, context, dialogue)
        return
    if dialogue is None or dialogue.data.get("by") != update.update_id:
        return
    if dialogue.kind in TASK_QUESTIONS:
        await _ask_on_task_again(update, context, dialogue)
        return
    question = question_of(context, dialogue)
    if question is not None:
        await reply(update, t.ASKED_AGAIN.format(question=question))


async def _show_team_again(update: Update, context: Context, dialogue: Dialogue) -> None:
    """A tick of the team's selection, pressed again: the crash may have come before the
    task message showed it. The message it was pressed on shows the selection as kept."""
    if update.callback_query is None or dialogue.case_id is None:
        return
    case = await context.services.queries.case(dialogue.case_id)
    if case is not None and case.is_open and case.version == dialogue.version:
        await answer(update)
        await show_team_selection(update, context, case)


async def _ask_on_task_again(update: Update, context: Context, dialogue: Dialogue) -> None:
    """A button's question, asked again where it was asked: on the task message (the
    task's text, then the apology and the question, with its Batal button), or, when that
    message cannot be edited, in a message of its own that replies to it. A question whose
    case has moved on since is not asked: the move ended it."""
    svc = context.services
    if dialogue.case_id is None:
        return
    case = await svc.queries.case(dialogue.case_id)
    if case is None or not case.is_open or case.version != dialogue.version:
        return
    step = svc.sops.of(case).step(case.step)
    question = t.ASKED_AGAIN.format(question=task_question(dialogue.kind, step))
    keyboard = cancel_button(case.id, case.step, case.version)
    reply_to: ReplyParameters | None = None
    if (shown := dialogue.asked_on) is not None:
        chat_id, message_id, text_html = shown
        # the outbox's next edit of this message (the question over) must not be skipped
        svc.outbox.edited_elsewhere(chat_id, message_id)
        try:
            text = t.fit(f"{text_html}\n\n{question}")
            await calls.edit_message_text(
                context.bot, chat_id, message_id, text, reply_markup=keyboard
            )
            return
        except TelegramError as exc:
            log.info("question not asked again on its task message: %s", exc)
        reply_to = ReplyParameters(message_id, allow_sending_without_reply=True)
    await reply(update, question, reply_markup=keyboard, reply_parameters=reply_to)


async def profile_first(update: Update, context: Context) -> bool:
    """Whether the person must complete their profile before the act this update asks for
    (a decision, a file, a new case): the case and its papers record them by name, NIP and
    position. They are told so (a button's press with an alert), and the profile's question
    follows: asked again from the name when it no longer waited (another question took its
    place, or /batal ended it). Nothing of the act is recorded: the task keeps its buttons,
    to be pressed again once the profile is complete."""
    facts = GATE_FACTS.get()
    if facts is not None and (facts.complete or not facts.known):
        return False  # the gate's read told it: no second trip to the database
    svc = context.services
    uid = user_id(update)
    try:
        state = await svc.people.profile_first(uid, update.update_id)
    except AlreadyApplied:
        return True  # answered before a crash (the gate asks again what it asked)
    if state == "complete":
        return False
    pressed = update.callback_query is not None
    if pressed:
        await answer(update, t.ANS_PROFILE_FIRST, alert=True)
    if state == "asked" or not pressed:
        dialogue = await svc.queries.dialogue(uid)
        kind = dialogue.kind if dialogue is not None else "profile_name"
        question = PROFILE_QUESTIONS.get(kind, t.ASK_NAME)
        await reply(update, t.PROFILE_FIRST.format(question=question))
    return True
