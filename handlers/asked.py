"""Questions asked again: an update that asked one comes back after a crash.

A command that asks something (/baru, an answer of the profile) claims its update and starts
its dialogue in one transaction, then sends the question. A crash in between leaves the
dialogue waiting for an answer to a question the person never saw; the update, put back by
the inbox (or delivered again by Telegram), is not applied twice, so it would say nothing.
It asks that question again instead, while it is still the one waiting.

A helper module of the handlers that ask: it registers no handlers of its own."""

from __future__ import annotations

from telegram import Update

from bot import texts as t
from bot.core.definition import SopDefinition
from bot.services.cases import AlreadyApplied
from handlers.common import Context, answer, reply, user_id
from storage.repo import Dialogue

PROFILE_QUESTIONS = {
    "profile_name": t.ASK_NAME,
    "profile_nip": t.ASK_NIP,
    "profile_position": t.ASK_POSITION,
}


def title_question(context: Context, definition: SopDefinition) -> str:
    svc = context.services
    next_year = svc.zone.local(svc.clock.now()).year + 1
    example = f"{definition.header.name} Tahun {next_year}"
    return t.ASK_TITLE.format(sop=t.e(definition.header.name), example=t.e(example))


def year_question(context: Context, definition: SopDefinition, title: str) -> str:
    svc = context.services
    label = definition.header.year_label
    next_year = svc.zone.local(svc.clock.now()).year + 1  # the office's year
    return t.ASK_YEAR_AFTER_TITLE.format(title=t.e(title), year=next_year, label=t.e(label.lower()))


def question_of(context: Context, dialogue: Dialogue) -> str | None:
    """The question a dialogue waits on, as first asked; None for one asked with buttons."""
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
    if dialogue is None or dialogue.data.get("by") != update.update_id:
        return
    question = question_of(context, dialogue)
    if question is not None:
        await reply(update, t.ASKED_AGAIN.format(question=question))


async def profile_first(update: Update, context: Context) -> bool:
    """Whether the person must complete their profile before the act this update asks for
    (a decision, a file, a new case): the case and its papers record them by name, NIP and
    position. They are told so (a button's press with an alert), and the profile's question
    follows: asked again from the name when it no longer waited (another question took its
    place, or /batal ended it). Nothing of the act is recorded: the task keeps its buttons,
    to be pressed again once the profile is complete."""
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
