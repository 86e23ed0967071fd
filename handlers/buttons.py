"""Inline buttons: approve / return, forward, hand in drafts, pick the team, archive, withdraw.

Every button carries the case version it was made for. A button of a step that has moved
on is answered "sudah diproses" and changes nothing; a button pressed by someone who does
not hold the step is refused.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import texts as t
from bot.app import services
from bot.callbacks import Callback, Op, decode
from bot.core.definition import StepKind
from bot.core.model import (
    Approve,
    Case,
    Command,
    CompleteStep,
    DomainError,
    Event,
    EventType,
    FormTeam,
    NotHolder,
)
from bot.core.workflow import holder_role
from bot.outbox import keyboard_markup
from bot.service import Outcome
from bot.views import decided_text, outcome_line
from handlers.cases import do_withdraw
from handlers.common import Context, missing_names, refusal_text, reply, user_id
from storage import repo

log = logging.getLogger(__name__)

STEP_OPS = {
    StepKind.REVIEW: {Op.REVIEW},
    StepKind.ACTION: {Op.FORWARD, Op.ASSIGN_FILE},
    StepKind.UPLOAD: {Op.SUBMIT_DRAFTS, Op.ASSIGN_FILE},
    StepKind.TEAM: {Op.TEAM_TOGGLE, Op.TEAM_DONE},
    StepKind.ARCHIVE: {Op.ARCHIVE},
}
"""The buttons each kind of step shows (ASSIGN_FILE only where the step takes uploads)."""


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    cb = decode(query.data)
    case = await repo.load_case(svc.db.reader, cb.case_id) if cb else None
    if cb is None or case is None:
        await query.answer(t.ANS_UNKNOWN_BUTTON)
        return
    if cb.op is Op.CANCEL_DIALOGUE:
        async with svc.db.transaction() as conn:
            await repo.clear_dialogue(conn, user_id(update))
        await query.answer(t.DIALOGUE_CANCELLED)
        return
    if not case.is_open or case.version != cb.version or case.step != cb.step:
        await query.answer(t.ANS_ALREADY_HANDLED, show_alert=True)
        if not _shows_current_buttons(query.message, case):
            await _drop_buttons(query.message)
        return
    if cb.op is Op.WITHDRAW:
        await query.answer()
        if await do_withdraw(update, context, case.id, case.version):
            await _drop_buttons(query.message)
        return
    definition = svc.sops[case.sop_code]
    actor = await svc.cases.actor(svc.db.reader, user_id(update), case.unit)
    try:
        holder_role(definition, case, actor)
    except NotHolder:
        await query.answer(t.ANS_NOT_YOURS, show_alert=True)
        return
    step = definition.step(case.step)
    if cb.op not in STEP_OPS[step.kind] or (cb.op is Op.ASSIGN_FILE and not step.uploads):
        # a forged button: an operation this step does not have (no dialogue is opened)
        await query.answer(t.ANS_UNKNOWN_BUTTON, show_alert=True)
        return
    await _dispatch(update, context, cb, case)


async def _dispatch(update: Update, context: Context, cb: Callback, case: Case) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    uid = user_id(update)
    message = query.message if isinstance(query.message, Message) else None
    if cb.op is Op.REVIEW and cb.arg == "a":
        await run_command(update, context, case, Approve(case.version), message)
    elif cb.op is Op.REVIEW and cb.arg == "k":
        await _ask(update, context, case, "return_reason", t.ASK_RETURN_REASON, message)
    elif cb.op is Op.FORWARD and cb.arg == "n":
        await _ask(update, context, case, "note", t.ASK_NOTE, message)
    elif cb.op in (Op.FORWARD, Op.SUBMIT_DRAFTS):
        await run_command(update, context, case, CompleteStep(case.version), message)
    elif cb.op is Op.ARCHIVE:
        await _ask(update, context, case, "archive_reference", t.ASK_ARCHIVE_REFERENCE, message)
    elif cb.op is Op.TEAM_TOGGLE:
        await _toggle_member(update, context, case, cb.arg, message)
    elif cb.op is Op.TEAM_DONE:
        dialogue = await repo.get_dialogue(svc.db.reader, uid)
        members: list[int] = []
        if dialogue and dialogue.kind == "team" and dialogue.case_id == case.id:
            members = [int(m) for m in dialogue.data.get("members", [])]
        candidates = await _team_candidates(context, case)
        members = [m for m in members if m in candidates]
        if not members:
            await query.answer(t.ANS_NO_MEMBERS, show_alert=True)
            return
        await run_command(update, context, case, FormTeam(case.version, tuple(members)), message)
    elif cb.op is Op.ASSIGN_FILE:
        await _assign_file(update, context, case, cb.arg, message)
    else:
        await query.answer(t.ANS_UNKNOWN_BUTTON)


async def run_command(
    update: Update,
    context: Context,
    case: Case,
    command: Command,
    message: Message | None,
    *,
    clear_dialogue: bool = False,
    pressed_earlier: tuple[int, int] | None = None,
) -> Outcome | None:
    """Execute a command for the pressing user and show the outcome on the pressed message.

    ``pressed_earlier`` is the message whose button opened the dialogue this command ends:
    it is edited here to show the decision, so the outbox leaves it alone.
    """
    svc = services(context)
    uid = user_id(update)
    pressed = [(message.chat.id, message.message_id)] if message is not None else []
    if pressed_earlier is not None:
        pressed.append(pressed_earlier)
    definition = svc.sops[case.sop_code]
    try:
        outcome = await svc.cases.execute(
            case.id, command, uid, pressed=pressed, update_id=update.update_id
        )
    except DomainError as exc:
        text = refusal_text(missing_names(definition, exc))
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        else:
            await reply(update, text)
        return None
    if clear_dialogue:
        async with svc.db.transaction() as conn:
            await repo.clear_dialogue(conn, uid)
    if update.callback_query is not None:
        await update.callback_query.answer(t.ANS_DONE)
    await show_outcome(update, context, outcome, message)
    return outcome


async def show_outcome(
    update: Update, context: Context, outcome: Outcome, message: Message | None
) -> None:
    svc = services(context)
    definition = svc.sops[outcome.case.sop_code]
    move = _move_of(outcome)
    line = await _decision_line(context, outcome)
    case = outcome.case
    keyboard: list[list[tuple[str, str]]] = []
    if case.is_open and move.type in (EventType.COMPLETED, EventType.APPROVED):
        nxt = definition.role(definition.step(case.step).actor).name
        line += f"\nBerkas diteruskan kepada {t.e(nxt)}."
        keyboard = [
            [(t.BTN_WITHDRAW, Callback(Op.WITHDRAW, case.id, case.step, case.version).encode())]
        ]
    elif case.is_open and move.type is EventType.RETURNED:
        line += f"\nBerkas dikembalikan kepada {t.e(definition.role(definition.step(case.step).actor).name)}."
    if (
        message is not None
        and message.from_user is not None
        and message.from_user.id == context.bot.id
    ):
        try:
            await message.edit_text(
                decided_text(message.text_html, line), reply_markup=keyboard_markup(keyboard)
            )
            edited: Message | None = message
        except TelegramError as exc:
            log.info("could not edit the pressed message: %s", exc)
            edited = await reply(update, line, reply_markup=keyboard_markup(keyboard))
    else:
        edited = await reply(update, line, reply_markup=keyboard_markup(keyboard))
    if edited is not None and keyboard:
        async with svc.db.transaction() as conn:
            await repo.record_task_message(
                conn, edited.chat.id, edited.message_id, case.id, case.version
            )


async def _ask(
    update: Update, context: Context, case: Case, kind: str, prompt: str, message: Message | None
) -> None:
    """Start a dialogue kept in the database: the next text answers it, even after a restart."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    data: dict[str, Any] = {}
    if message is not None:
        data = {
            "chat_id": message.chat.id,
            "message_id": message.message_id,
            "text_html": message.text_html if message.text else "",
        }
    async with svc.db.transaction() as conn:
        await repo.set_dialogue(
            conn, user_id(update), kind, svc.clock.now(), case.id, case.version, data
        )
    await query.answer()
    await reply(
        update,
        prompt.format(case=case.id, step=case.step),
        reply_markup=ForceReply(selective=True, input_field_placeholder="Ketik di sini"),
    )


async def _team_candidates(context: Context, case: Case) -> set[int]:
    svc = services(context)
    definition = svc.sops[case.sop_code]
    ids: set[int] = set()
    for role in definition.roles:
        if role.shared:
            ids |= {p.telegram_id for p in await repo.holders(svc.db.reader, case.unit, role.id)}
    return ids


async def _toggle_member(
    update: Update, context: Context, case: Case, arg: str, message: Message | None
) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    uid = user_id(update)
    person = int(arg) if arg.isdigit() else -1
    if person not in await _team_candidates(context, case):
        await query.answer(t.ANS_UNKNOWN_BUTTON, show_alert=True)
        return
    dialogue = await repo.get_dialogue(svc.db.reader, uid)
    members: list[int] = []
    if dialogue and dialogue.kind == "team" and dialogue.case_id == case.id:
        members = [int(m) for m in dialogue.data.get("members", [])]
    members = [m for m in members if m != person] if person in members else [*members, person]
    async with svc.db.transaction() as conn:
        if not await repo.claim_update(conn, update.update_id, svc.clock.now()):
            return  # delivered again after a crash: the toggle was applied already
        await repo.set_dialogue(
            conn, uid, "team", svc.clock.now(), case.id, case.version, {"members": members}
        )
    with contextlib.suppress(TelegramError):
        await query.answer()
    definition = svc.sops[case.sop_code]
    view = await svc.cases.task_view_for(svc.db.reader, definition, case, team_selected=members)
    if message is not None:
        try:
            await message.edit_text(view.text, reply_markup=keyboard_markup(view.keyboard))
        except TelegramError as exc:
            log.info("team keyboard not updated: %s", exc)


async def _assign_file(
    update: Update, context: Context, case: Case, arg: str, message: Message | None
) -> None:
    """The user said which document a pending upload is."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    dialogue = await repo.get_dialogue(svc.db.reader, user_id(update))
    definition = svc.sops[case.sop_code]
    uploads = definition.step(case.step).uploads
    if dialogue is None or dialogue.kind != "file" or not arg.isdigit() or int(arg) >= len(uploads):
        await query.answer(t.ANS_ALREADY_HANDLED, show_alert=True)
        await _drop_buttons(message)
        return
    from handlers.files import attach_stored

    doc = definition.canonical(uploads[int(arg)])
    await query.answer()
    await _drop_buttons(message)
    await attach_stored(update, context, case, doc, int(dialogue.data["file_row"]))


def _shows_current_buttons(message: Any, case: Case) -> bool:
    """Whether a message carries a button still valid for the case (e.g. a fresh withdraw)."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            cb = decode(getattr(button, "callback_data", None))
            if cb and cb.case_id == case.id and cb.version == case.version and cb.step == case.step:
                return case.is_open
    return False


async def _drop_buttons(message: Any) -> None:
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("buttons not removed: %s", exc)


async def answer_dialogue(update: Update, context: Context, kind: str, text: str) -> None:
    """Text that answers a pending button dialogue (return reason, note, archive reference)."""
    from bot.core.model import ArchiveCase, ReturnForCorrection

    svc = services(context)
    uid = user_id(update)
    dialogue = await repo.get_dialogue(svc.db.reader, uid)
    assert dialogue is not None and dialogue.case_id is not None
    case = await repo.load_case(svc.db.reader, dialogue.case_id)
    if case is None or not case.is_open or case.version != dialogue.version:
        async with svc.db.transaction() as conn:
            await repo.clear_dialogue(conn, uid)
        await reply(update, t.refusal("stale"))
        return
    command: Command
    if kind == "return_reason":
        if not text.strip():
            await reply(update, t.refusal("reason_required"))
            return
        command = ReturnForCorrection(case.version, text)
    elif kind == "note":
        command = CompleteStep(case.version, text)
    else:
        command = ArchiveCase(case.version, text)
    # The message whose button opened the dialogue shows the decision and loses its
    # buttons; without its text (an older dialogue) the outbox retires its buttons.
    original = str(dialogue.data.get("text_html") or "")
    chat_id, message_id = dialogue.data.get("chat_id"), dialogue.data.get("message_id")
    earlier = (int(chat_id), int(message_id)) if original and chat_id and message_id else None
    outcome = await run_command(
        update, context, case, command, None, clear_dialogue=True, pressed_earlier=earlier
    )
    if outcome is not None and earlier is not None:
        text = decided_text(original, await _decision_line(context, outcome))
        try:
            await context.bot.edit_message_text(
                text, chat_id=earlier[0], message_id=earlier[1], reply_markup=None
            )
        except TelegramError as exc:
            log.info("could not edit the message that opened the dialogue: %s", exc)
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_reply_markup(
                    chat_id=earlier[0], message_id=earlier[1], reply_markup=None
                )


def _move_of(outcome: Outcome) -> Event:
    return next((e for e in reversed(outcome.events) if e.is_move), outcome.events[-1])


async def _decision_line(context: Context, outcome: Outcome) -> str:
    """Who decided what, when (and why): the line a decided message ends with."""
    svc = services(context)
    move = _move_of(outcome)
    person = await repo.get_person(svc.db.reader, move.actor)
    definition = svc.sops[outcome.case.sop_code]
    return outcome_line(definition, move, person.display if person else str(move.actor))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_button))
