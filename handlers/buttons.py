"""Inline buttons: approve / return, forward, hand in drafts, pick the team, archive, withdraw.

Every button carries the case version it was made for. A button of a step that has moved
on is answered "sudah diproses" and changes nothing; a button pressed by someone who does
not hold the step is refused. ``ACTIONS`` says which function serves which button.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import MaybeInaccessibleMessage, Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageReactionHandler

from bot import parsing
from bot import telegram_calls as calls
from bot import texts as t
from bot.callbacks import Callback, Op, decode
from bot.context import SopApplication
from bot.core.definition import StepKind
from bot.core.model import (
    Actor,
    Approve,
    ArchiveCase,
    Case,
    Command,
    CompleteStep,
    DomainError,
    FormTeam,
    FourEyes,
    ReturnForCorrection,
    RoleGone,
)
from bot.core.text import is_blank
from bot.core.workflow import excluded_reviewers
from bot.outbox import keyboard_markup
from bot.services.cases import AlreadyApplied, Outcome
from bot.views import moved_line, outcome_text
from handlers.asked import cancel_button, cancel_keyboard, profile_first, task_question
from handlers.cases import do_withdraw, my_tasks, show_task_page
from handlers.common import (
    PRESSED,
    TYPED,
    Context,
    answer,
    bot_of,
    edit_quietly,
    refusal_text,
    refuse,
    reply,
    restore_task,
    show_task_in,
    show_team_selection,
    shows_buttons,
    user_id,
)

log = logging.getLogger(__name__)

STEP_OPS = {
    StepKind.REVIEW: {Op.REVIEW, Op.ASSIGN_FILE},
    StepKind.ACTION: {Op.FORWARD, Op.ASSIGN_FILE},
    StepKind.UPLOAD: {Op.SUBMIT_DRAFTS, Op.ASSIGN_FILE},
    StepKind.TEAM: {Op.TEAM_TOGGLE, Op.TEAM_DONE, Op.TEAM_PAGE},
    StepKind.ARCHIVE: {Op.ARCHIVE},
}
"""The buttons each kind of step shows (ASSIGN_FILE only where the step takes files: its
uploads, or a review step's corrected documents)."""

ASSIGN_ARG = re.compile(r"(\d{1,3})(?:f(\d{1,12}))?", re.ASCII)  # document, file row
# (chat, message, HTML text) of the message a decision is taken on; its text is what a
# question asked on it gives back when the question lapses
Shown = tuple[int, int, str]


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    svc = context.services
    cb = decode(query.data)
    if cb is None:
        await answer(update, t.ANS_UNKNOWN_BUTTON)
        return
    if cb.op is Op.TASK_PAGE:
        if _inaccessible(query.message):
            # a /tugas list too old for Telegram to show it to the bot (InaccessibleMessage):
            # it can be neither checked nor edited, so the page comes as a new message
            await answer(update, t.ANS_LIST_OLD)
            await show_task_page(update, context, parsing.case_number(cb.arg or "0") or 0)
            return
        if not _is_task_list(query.message):
            await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)  # a forged page button
            return
        await answer(update)
        if _is_reminder_digest(query.message):
            # a reminder digest stays as it is: the list comes as a new message, as /tugas
            await my_tasks(update, context)
            return
        await show_task_page(update, context, parsing.case_number(cb.arg or "0") or 0)
        return
    if _of_other_cases(query.message, cb.case_id) and not _is_task_list(query.message):
        # forged: a client offers only the buttons a message shows, and this one shows none
        # of the case's; the message (another case's task) is not changed for this case (a
        # /tugas list, redrawn as its tasks move on, is judged as before)
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    if cb.op is Op.CANCEL_DIALOGUE:
        await cancel_dialogue(update, context, cb)
        return
    where = (query.message.chat.id, query.message.message_id) if query.message else None
    read = PRESSED.get()  # the gate's trip read it with the sender's facts
    if read is not None and read[0] == (cb.case_id, where):
        case, actor, carries = read[1]
    else:
        case, actor, carries = await svc.queries.pressed(cb.case_id, user_id(update), where)
    if case is None:
        await answer(update, t.ANS_UNKNOWN_BUTTON)
        return
    if not case.is_open or case.version != cb.version or case.step != cb.step:
        # a closed case says so (cancelled or archived), not "handled before"
        await answer(
            update, t.ANS_ALREADY_HANDLED if case.is_open else t.refusal("closed"), alert=True
        )
        if not (case.is_open and carries == case.version):
            # (a message that carries the case's current buttons by now, the decision's
            # Tarik kembali after a double tap, is left as it is)
            await _retire_stale(update, context, cb, case)
        return
    if cb.op is Op.WITHDRAW:
        await withdraw(update, context, case)
        return
    if not svc.queries.holds(case, actor):
        await answer(update, t.ANS_NOT_YOURS, alert=True)
        return
    definition = svc.sops.of(case)
    step = definition.step(case.step)
    if cb.op is Op.OPEN_TASK:
        await svc.cases.show_task(user_id(update), case.id, case.version)
        await answer(update, t.ANS_TASK_OPENED)
        return
    if cb.op is Op.SEND_UPLOADS and step.uploads:
        sent = await svc.cases.send_uploads(user_id(update), case.id, case.version)
        await answer(update, t.ANS_UPLOADS_SENT if sent else t.ANS_UPLOADS_HELD)
        return
    if cb.op not in STEP_OPS[step.kind] or (cb.op is Op.ASSIGN_FILE and not step.accepts):
        # a forged button: an operation this step does not have (no dialogue is opened)
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    action = ACTIONS.get((cb.op, cb.arg if cb.op in (Op.REVIEW, Op.FORWARD) else ""))
    if action is None:
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    if cb.op is Op.REVIEW and actor.person_id in excluded_reviewers(definition, case):
        # four eyes: refused before a return reason is asked for, not once it is typed
        refused = refusal_text(FourEyes(step=case.step), definition, html=False)
        await answer(update, refused, alert=True)
        return
    if await profile_first(update, context):
        return  # the papers print the name and NIP of who decides: they come first
    await action(update, context, cb, case, actor)


async def withdraw(update: Update, context: Context, case: Case) -> None:
    """Tarik kembali: the move goes back to its author, while they still hold the role they
    made it in; a button of a role since passed on (or of a Plh whose period ended) goes."""
    refused = await do_withdraw(update, context, case)
    if refused is None:
        await answer(update, t.ANS_WITHDRAWN)
        await _drop_buttons(_pressed(update))
    elif isinstance(refused, DomainError):
        await answer(
            update, refusal_text(refused, context.services.sops.of(case), html=False), alert=True
        )
        if isinstance(refused, RoleGone):
            await _drop_buttons(_pressed(update))
    else:  # e.g. the next holder acted first: "sudah diproses"
        await answer(update, refused, alert=True)


def _pressed(update: Update) -> Message | None:
    query = update.callback_query
    message = query.message if query is not None else None
    return message if isinstance(message, Message) else None


def _shown(message: Message | None) -> Shown | None:
    if message is None or not message.text:
        return None
    return message.chat.id, message.message_id, message.text_html


async def approve(update: Update, context: Context, cb: Callback, case: Case, actor: Actor) -> None:
    await run_command(update, context, case, Approve(case.version), _shown(_pressed(update)))


async def complete(
    update: Update, context: Context, cb: Callback, case: Case, actor: Actor
) -> None:
    await run_command(update, context, case, CompleteStep(case.version), _shown(_pressed(update)))


def asking(kind: str, toast: str) -> Callable[..., Awaitable[None]]:
    """A button that asks for text first (a reason, a note, an archive number): the question
    is a dialogue kept in the database, answered by the person's next message. It is asked
    on the task message itself, which keeps only a Batal button meanwhile. A crash before
    the question shows leaves the press to come again: it is then asked again, with an
    apology (:func:`handlers.asked.ask_again`)."""

    async def ask(update: Update, context: Context, cb: Callback, case: Case, actor: Actor) -> None:
        prompt = task_question(kind, context.services.sops.of(case).step(case.step))
        message = _pressed(update)
        shown = _shown(message)
        data: dict[str, Any] = {}
        if shown is not None:
            data = {"chat_id": shown[0], "message_id": shown[1], "text_html": shown[2]}
        started = await context.services.dialogues.begin(
            user_id(update), kind, case.id, case.version, data, update.update_id
        )
        if not started:
            await answer(update, t.ANS_ALREADY_HANDLED, alert=True)
            return
        await answer(update, toast)
        keyboard = cancel_button(case.id, case.step, case.version)
        if shown is None or not await edit_quietly(message, f"{shown[2]}\n\n{prompt}", keyboard):
            if await reply(update, prompt, reply_markup=keyboard) is None and update.effective_chat:
                # Telegram failed both: the outbox asks, retrying, or the next text typed
                # would be taken as the answer to a question never seen
                await context.services.outbox.send_later(
                    update.effective_chat.id,
                    prompt,
                    keyboard=cancel_keyboard(case.id, case.step, case.version),
                    case=(case.id, case.version),
                )
        elif message is not None:
            # the task's text is not what the outbox last showed here: its next edit of
            # this message (the question over) must not be skipped as unchanged
            context.services.outbox.edited_elsewhere(message.chat.id, message.message_id)

    return ask


async def cancel_dialogue(update: Update, context: Context, cb: Callback) -> None:
    """The Batal button of a question: the dialogue ends, the task shows its buttons again.
    The Batal of a question already over (another question took its place) ends nothing:
    its message shows the task again, or loses the button if the case has moved on."""
    try:
        ended = await context.services.dialogues.cancel(
            user_id(update), cb.case_id, update.update_id
        )
    except AlreadyApplied:
        await answer(update, t.ANS_ALREADY_HANDLED)
        return
    if ended is not None:
        await answer(update, t.DIALOGUE_CANCELLED)
        await restore_task(update, context, ended)
        return
    await answer(update, t.ANS_ALREADY_HANDLED)
    message = _pressed(update)
    if message is not None and not await show_task_in(
        update, context, cb.case_id, cb.version, message.chat.id, message.message_id
    ):
        await _drop_buttons(message)


async def toggle_member(
    update: Update, context: Context, cb: Callback, case: Case, actor: Actor
) -> None:
    svc = context.services
    person = parsing.telegram_id(cb.arg)
    if person is None or person not in await svc.queries.team_candidates(case):
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    # delivered again after a crash (None: applied already), it is not applied twice, but
    # the message is drawn again: the crash may have come before it showed the tick
    await svc.dialogues.toggle_member(
        user_id(update), case.id, case.version, person, update.update_id
    )
    await answer(update)
    await show_team_selection(update, context, case)


async def turn_team_page(
    update: Update, context: Context, cb: Callback, case: Case, actor: Actor
) -> None:
    svc = context.services
    page = int(cb.arg) if cb.arg.isascii() and cb.arg.isdigit() and len(cb.arg) < 6 else -1
    if page < 0:
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    try:
        await svc.dialogues.turn_team_page(
            user_id(update), case.id, case.version, page, update.update_id
        )
    except AlreadyApplied:
        await answer(update)
        return
    await answer(update)
    await show_team_selection(update, context, case)


async def form_team(
    update: Update, context: Context, cb: Callback, case: Case, actor: Actor
) -> None:
    svc = context.services
    members = await svc.queries.team_picked(user_id(update), case.id)
    candidates = await svc.queries.team_candidates(case)
    members = [m for m in members if m in candidates]
    if not members:
        await answer(update, t.ANS_NO_MEMBERS, alert=True)
        return
    await run_command(
        update,
        context,
        case,
        FormTeam(case.version, tuple(members)),
        _shown(_pressed(update)),
        end_dialogue=True,
    )


async def assign_file(
    update: Update, context: Context, cb: Callback, case: Case, actor: Actor
) -> None:
    """The user said which document a pending upload is."""
    svc = context.services
    arg = ASSIGN_ARG.fullmatch(cb.arg)
    if arg is None:
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)
        return
    message = _pressed(update)
    try:
        result = await svc.cases.assign_pending_file(
            user_id(update),
            case.id,
            case.version,
            int(arg[1]),
            update.update_id,
            file_row=int(arg[2]) if arg[2] else None,
            pressed=(message.chat.id, message.message_id) if message is not None else None,
        )
    except AlreadyApplied:
        await answer(update, t.ANS_ALREADY_HANDLED, alert=True)
        await _drop_buttons(_pressed(update))
        return
    except DomainError as exc:
        await answer(update, refusal_text(exc, svc.sops.of(case), html=False), alert=True)
        return
    if result.status == "same_as":
        doc = svc.sops.of(case).document(result.doc).name
        await answer(update, t.ANS_SAME_AS_OTHER.format(doc=doc), alert=True)
        return
    await answer(update, t.ANS_DONE if result.status == "attached" else t.ANS_DUPLICATE)


ACTIONS: dict[tuple[Op, str], Callable[..., Awaitable[None]]] = {
    (Op.REVIEW, "a"): approve,
    (Op.REVIEW, "k"): asking("return_reason", t.ANS_TYPE_REASON),
    (Op.FORWARD, ""): complete,
    (Op.FORWARD, "n"): asking("note", t.ANS_TYPE_NOTE),
    (Op.SUBMIT_DRAFTS, ""): complete,
    (Op.ARCHIVE, ""): asking("archive_reference", t.ANS_TYPE_ARCHIVE),
    (Op.TEAM_TOGGLE, ""): toggle_member,
    (Op.TEAM_DONE, ""): form_team,
    (Op.TEAM_PAGE, ""): turn_team_page,
    (Op.ASSIGN_FILE, ""): assign_file,
}
"""Which function serves which button (op, and the op's argument where it selects)."""


async def run_command(
    update: Update,
    context: Context,
    case: Case,
    command: Command,
    shown: Shown | None,
    *,
    end_dialogue: bool = False,
) -> Outcome | None:
    """Execute a command for the user and show the outcome on the message that asked for it
    (the pressed task, or the task whose button opened the dialogue this command ends)."""
    svc = context.services
    pressed = [(shown[0], shown[1])] if shown is not None else []
    try:
        outcome = await svc.cases.execute(
            case.id,
            command,
            user_id(update),
            pressed=pressed,
            update_id=update.update_id,
            end_dialogue=end_dialogue,
        )
    except AlreadyApplied:
        await answer(update)
        return None
    except DomainError as exc:
        await refuse(update, exc, svc.sops.of(case))
        return None
    await answer(update, t.ANS_DONE)
    definition = svc.sops.of(outcome.case)
    moved = moved_line(definition, outcome.case, outcome.move, outcome.unheld)
    line = outcome_text(definition, outcome.move, outcome.actor_name, svc.zone, moved)
    decided = outcome.decision
    if shown is None or decided is None:
        await reply(update, line, reply_markup=keyboard_markup(outcome.withdraw_keyboard))
        return outcome
    # the task as the case stood when it was decided (the documents at the versions that
    # went forward), not the text the pressed message happened to show: an edit with a
    # newer version may not have reached it yet. An edit of the task the outbox has on its
    # way to this message may land after this one: the outbox then shows the decision again
    keyboard = keyboard_markup(decided.keyboard)
    svc.outbox.decided_on(
        shown[0], shown[1], outcome.case.id, outcome.case.version, decided.text, decided.keyboard
    )
    try:
        await calls.edit_message_text(
            context.bot, shown[0], shown[1], decided.text, reply_markup=keyboard
        )
        landed = True
    except TelegramError as exc:
        log.info("could not edit the message that asked for the decision: %s", exc)
        landed = await reply(update, line, reply_markup=keyboard) is not None
    # its row was written with the decision: settled now, or sent by the outbox (which
    # retries) when neither the edit nor the reply went; a crash before this line leaves
    # it to show the decision after the restart
    await svc.cases.decision_shown(decided, landed)
    return outcome


async def answer_dialogue(update: Update, context: Context, dialogue: Any, text: str) -> None:
    """Text that answers a pending button dialogue (return reason, note, archive reference)."""
    svc = context.services
    read = TYPED.get()  # the gate's trip read the case with the dialogue
    if read is not None and read[0] == update.update_id and read[1][0] == dialogue:
        case = read[1][1]
    else:
        case = await svc.queries.case(dialogue.case_id)
    if case is None or not case.is_open or case.version != dialogue.version:
        await svc.dialogues.cancel(user_id(update))
        await reply(update, t.refusal("stale"))
        return
    command: Command
    if dialogue.kind == "return_reason":
        if is_blank(text):
            await reply(update, t.refusal("reason_required"))
            return
        command = ReturnForCorrection(case.version, text)
    elif dialogue.kind == "note":
        command = CompleteStep(case.version, text)
    else:
        command = ArchiveCase(case.version, text)
    await run_command(update, context, case, command, dialogue.asked_on, end_dialogue=True)


def _inaccessible(message: MaybeInaccessibleMessage | None) -> bool:
    """Whether a pressed message reached us as an InaccessibleMessage (date 0: Telegram
    sends only its chat and id, e.g. for a message older than about 48 hours)."""
    return message is not None and not message.is_accessible


def _of_other_cases(message: MaybeInaccessibleMessage | None, case_id: int) -> bool:
    """Whether a pressed message shows buttons, none of them of this case (a press of a
    message without buttons may have crossed the edit that took them: it is judged as
    before; an InaccessibleMessage shows nothing to judge by)."""
    markup = message.reply_markup if isinstance(message, Message) else None
    cases = [
        cb.case_id
        for row in (markup.inline_keyboard if markup is not None else ())
        for button in row
        if (cb := decode(button.callback_data if isinstance(button.callback_data, str) else None))
    ]
    return bool(cases) and case_id not in cases


def _is_task_list(message: Any) -> bool:
    """Whether a message is a /tugas listing (it carries page or task buttons)."""
    return shows_buttons(message, (Op.TASK_PAGE, Op.OPEN_TASK))


def _is_reminder_digest(message: Any) -> bool:
    """Whether a message is a reminder digest (its one button opens the /tugas list)."""
    markup = getattr(message, "reply_markup", None)
    buttons = [b for row in getattr(markup, "inline_keyboard", ()) or () for b in row]
    return len(buttons) == 1 and getattr(buttons[0], "text", None) == t.BTN_TASK_LIST


def _shows_current_buttons(message: Any, case: Case) -> bool:
    """Whether a message carries a button still valid for the case (e.g. a fresh withdraw)."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            cb = decode(getattr(button, "callback_data", None))
            if cb and cb.case_id == case.id and cb.version == case.version and cb.step == case.step:
                return case.is_open
    return False


async def _retire_stale(update: Update, context: Context, cb: Callback, case: Case) -> None:
    """The message of a button whose step has moved on. A /tugas list shows its page as it
    is now (its other tasks stay a press away). Another message loses its buttons: all of
    them were made for the step that has moved on. One Telegram no longer shows the bot (an
    InaccessibleMessage: older than about 48 hours) loses them by its chat and id, as a bot
    may edit its own messages at any age; say, a task message that reached its holder
    while the bot never heard back, so that a copy was sent."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is None:
        return
    if cb.op is Op.OPEN_TASK:
        if message.is_accessible and _is_task_list(message):
            await show_task_page(update, context, parsing.case_number(cb.arg or "0") or 0)
        return  # a list too old to be seen may still offer other tasks: left as it is
    if message.is_accessible:
        if not _shows_current_buttons(message, case):
            await _drop_buttons(message)
        return
    try:
        await calls.edit_message_reply_markup(context.bot, message.chat.id, message.message_id)
    except TelegramError as exc:
        log.info("buttons of an old message not removed: %s", exc)


async def _drop_buttons(message: Any) -> None:
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await calls.edit_message_reply_markup(
                bot_of(message), message.chat.id, message.message_id
            )
        except TelegramError as exc:
            log.info("buttons not removed: %s", exc)


def reaction_handler() -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """A reaction (a 👍) on a task that waits for the person's decision may be meant as
    one: they are told, in reply to the task, that it decides nothing and to press its
    button; once a message (a reaction changed again is not told again). A reaction on
    any other message (a decision, a notice, a file) is left unanswered."""
    told: dict[tuple[int, int], None] = {}  # the messages told about lately, oldest first

    async def on_reaction(update: Update, context: Context) -> None:
        reaction = update.message_reaction
        if reaction is None or not reaction.new_reaction:
            return  # a reaction taken back
        where = (reaction.chat.id, reaction.message_id)
        if where in told:
            return
        if not await context.services.queries.awaits_decision(user_id(update), *where):
            return
        told[where] = None
        if len(told) > 256:
            told.pop(next(iter(told)))
        task = ReplyParameters(reaction.message_id, allow_sending_without_reply=True)
        await reply(update, t.REACTION_NOT_A_DECISION, reply_parameters=task)

    return on_reaction


def register(app: SopApplication) -> None:
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(
        MessageReactionHandler(
            reaction_handler(),
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_UPDATED,
        )
    )
