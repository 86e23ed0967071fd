"""Cases: /baru (start one), /tugas (my pending steps), /status, /tarik (withdraw), /batal."""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from bot import parsing
from bot import telegram_calls as calls
from bot import texts as t
from bot.callbacks import Callback, Op
from bot.context import SopApplication
from bot.core.definition import SopDefinition
from bot.core.model import Case, DomainError, Withdraw
from bot.core.model import CaseStatus as ModelStatus
from bot.core.workflow import excluded_reviewers, four_eyes_set_aside
from bot.outbox import keyboard_markup
from bot.services.cases import AlreadyApplied, NewCase
from bot.services.queries import CaseStatus, TaskPage
from bot.views import (
    Keyboard,
    case_heading,
    history_lines,
    role_name,
    set_aside_text,
    step_line,
    year_short,
)
from handlers import reports
from handlers.asked import profile_first, title_question, year_question
from handlers.common import (
    Context,
    edit_quietly,
    page_buttons,
    refusal_text,
    reply,
    reply_in_parts,
    restore_task,
    user_id,
)


async def new_case(update: Update, context: Context) -> None:
    """/baru [kode SOP]: one message asks the title, then the year, and then becomes the
    case's task. The SOP is the one whose first step the official holds, or the one named."""
    svc = context.services
    uid = user_id(update)
    code = " ".join(context.args or []).strip()
    if await profile_first(update, context):
        return  # the proposal is recorded under the proposer's name: the profile first
    try:
        found = await svc.dialogues.begin_new_case(uid, code, update.update_id)
    except AlreadyApplied:
        return  # delivered again after a crash (the gate asks again what it asked)
    if found.definition is None:
        # a deployment of many SOPs lists many: in several messages rather than cut
        await reply_in_parts(update, new_case_refusal(context, found, code))
        return
    definition = found.definition
    asked = await reply(update, title_question(context, definition))
    if asked is not None:
        data: dict[str, object] = {"msg": asked.message_id, "sop": definition.code}
        await svc.dialogues.begin(uid, "new_title", data=data)


def new_case_refusal(context: Context, found: NewCase, code: str) -> str:
    sops = context.services.sops
    listed = sop_choices(found.choices)
    if found.status == "choose":
        return t.NEW_CASE_WHICH_SOP.format(choices=listed)
    if found.status == "unknown":
        return t.NEW_CASE_UNKNOWN_SOP.format(code=t.e(code[:40]), choices=listed)
    starters = dict.fromkeys(sops.role(d.first_step.actor).name for d in found.choices)
    return t.NEW_CASE_STARTERS_ONLY.format(roles=t.e(t.OR_SEP.join(starters)))


def sop_choices(choices: list[SopDefinition]) -> str:
    """A line per SOP: the command that opens a case of it, and its name."""
    return "\n".join(
        t.NEW_CASE_CHOICE.format(code=t.e(d.code), name=t.e(d.header.name)) for d in choices
    )


def year_label(context: Context, data: dict[str, object]) -> str:
    """The year of a case /baru opens, as its SOP names it ("Tahun Anggaran", "Tahun
    Kegiatan"): the SOP named at /baru (``data["sop"]``), else the default one."""
    sops = context.services.sops
    code = data.get("sop")
    known = isinstance(code, str) and code in sops.codes()
    return (sops[str(code)] if known else sops.default).header.year_label


async def new_case_step(
    update: Update, context: Context, kind: str, text: str, data: dict[str, object]
) -> None:
    """The answers of /baru: the title, then the fiscal year; then the case starts."""
    svc = context.services
    uid, now = user_id(update), svc.clock.now()
    next_year = svc.zone.local(now).year + 1  # the office's year, whatever the clock's zone
    asked = data.get("msg")
    message_id = int(asked) if isinstance(asked, int) else None
    code = data.get("sop")
    sop_code = code if isinstance(code, str) and code else None
    if sop_code is not None and sop_code not in svc.sops.codes():
        # the SOP named at /baru is no longer run: not a case of another SOP instead
        typed = text if kind == "new_title" else str(data.get("title", ""))
        await sop_gone(update, context, sop_code, typed)
        return
    definition = svc.sops[sop_code] if sop_code else svc.sops.default
    label = year_label(context, data)
    names = {"Label": t.e(label), "label": t.e(label.lower())}
    if kind == "new_title":
        title = parsing.one_line_title(text)
        if title is None:
            await reply(update, t.BAD_TITLE.format(limit=parsing.MAX_TITLE))
            return
        if parsing.only_a_number(title):  # the year typed where the title is asked
            next_title = t.TITLE_EXAMPLE.format(sop=definition.header.name, year=next_year)
            refused = t.TITLE_IS_A_NUMBER.format(
                typed=t.e(title), example=t.e(next_title), Label=names["Label"]
            )
            await reply(update, refused)
            return
        fields = {"title": title, "msg": message_id, "sop": data.get("sop")}
        if not await svc.dialogues.begin(uid, "new_year", data=fields, update_id=update.update_id):
            return  # delivered again after a crash (the gate asks again what it asked)
        question = year_question(context, definition, title)
        if message_id is None or not await _edit(context, uid, message_id, question):
            await reply(update, question)
        return
    # a bureau plans the coming years and corrects the last one: 2100 is a slip of the keys
    earliest, latest = next_year - 2, next_year + 4
    year = parsing.fiscal_year(text)
    if year is None:
        bad = t.BAD_YEAR.format(year=next_year, first=earliest, last=latest, **names)
        await reply(update, bad)
        return
    if not earliest <= year <= latest:
        await reply(
            update,
            t.YEAR_OUT_OF_RANGE.format(
                year=year, first=earliest, last=latest, example=next_year, **names
            ),
        )
        return
    try:
        await svc.cases.start_case(
            uid,
            str(data.get("title", "")),
            year,
            sop_code=sop_code,
            update_id=update.update_id,
            into=message_id,
        )
    except AlreadyApplied:
        return
    except DomainError as exc:
        await reply(update, refusal_text(exc))


async def sop_gone(update: Update, context: Context, code: str, title: str) -> None:
    """A /baru dialogue for an SOP the office no longer runs: it ends, and the official is
    told so, with the title they typed and the SOPs they may open instead."""
    try:
        choices = await context.services.dialogues.end_new_case(user_id(update), update.update_id)
    except AlreadyApplied:
        return  # delivered again after a crash: answered already
    again = (
        t.NEW_CASE_AGAIN.format(choices=sop_choices(choices)) if choices else t.NEW_CASE_NONE_OPEN
    )
    text = t.NEW_CASE_SOP_GONE.format(code=t.e(code[:40]), title=t.e(title), again=again)
    await reply_in_parts(update, text)


async def _edit(context: Context, chat_id: int, message_id: int, text: str) -> bool:
    try:
        await calls.edit_message_text(context.bot, chat_id, message_id, text)
    except TelegramError:
        return False
    return True


# -- /tugas ------------------------------------------------------------------------------


def tasks_view(context: Context, page: TaskPage, user: int) -> tuple[str, Keyboard]:
    """The user's waiting steps as one message, in the order their norms run out: a line
    and a button per task, and pages. A step of their role that four eyes keep from them says so (it waits for a Plh)."""
    svc = context.services
    now = svc.clock.now()
    if page.total == 0:
        return t.NO_TASKS, []
    lines = [
        t.TASKS_HEAD.format(count=page.total)
        + (t.LIST_PAGE.format(page=page.page + 1, pages=page.pages) if page.pages > 1 else "")
    ]
    if page.total > 1:
        lines.append(t.TASKS_ORDER)
    keyboard: Keyboard = []
    first = page.page * 8
    for number, case in enumerate(page.cases, first + 1):
        definition = svc.sops.of(case)
        step = definition.step(case.step)
        spent = svc.calendar.working_minutes_between(case.step_entered_at, now)
        late = t.TASK_LATE if spent > step.time_minutes else ""
        lines.append(
            t.TASK_LINE.format(
                n=number,
                case=case.id,
                title=t.e(t.clip(case.title, 60)),
                step=case.step,
                step_title=t.e(step.title),
                since=svc.zone.tanggal(case.step_entered_at),
                late=late,
            )
        )
        if step.is_review and user in excluded_reviewers(definition, case):
            lines.append(f"    {t.TASK_FOUR_EYES}")
        elif parts := four_eyes_set_aside(definition, case, user):
            did = t.e(set_aside_text(definition, parts))
            lines.append(f"    {t.TASK_FOUR_EYES_SET_ASIDE.format(did=did)}")
        label = t.clip(t.BTN_TASK.format(case=case.id, step=case.step, title=case.title), 60)
        keyboard.append(
            # the list's page rides along: a press on a task that has moved on shows the
            # page again as it is now
            [
                (
                    label,
                    Callback(
                        Op.OPEN_TASK, case.id, case.step, case.version, str(page.page)
                    ).encode(),
                )
            ]
        )
    if nav := page_buttons(Op.TASK_PAGE, page.page, page.pages):
        keyboard.append(nav)
    lines.append(t.TASKS_FOOT)
    return t.fit("\n".join(lines)), keyboard


async def my_tasks(update: Update, context: Context) -> None:
    page = await context.services.queries.tasks(user_id(update))
    text, keyboard = tasks_view(context, page, user_id(update))
    await reply(update, text, reply_markup=keyboard_markup(keyboard))


async def show_task_page(update: Update, context: Context, page_number: int) -> None:
    """A page button of /tugas: the same message shows the other page (a list too old for
    the bot to see it, an InaccessibleMessage: a new message shows the page)."""
    query = update.callback_query
    assert query is not None
    page = await context.services.queries.tasks(user_id(update), page_number)
    text, keyboard = tasks_view(context, page, user_id(update))
    if query.message is None or not query.message.is_accessible:
        await reply(update, text, reply_markup=keyboard_markup(keyboard))
        return
    await edit_quietly(query.message, text, keyboard_markup(keyboard))


# -- /status -----------------------------------------------------------------------------


async def status(update: Update, context: Context) -> None:
    args = context.args or []
    if not args:
        await _status_list(update, context)
        return
    case_id = parsing.case_number(args[0])
    if case_id is None:
        await reply(update, t.USAGE_STATUS)
        return
    found = await context.services.queries.status(case_id, user_id(update))
    if found is None:
        await reply(update, t.CASE_NOT_FOUND.format(case=case_id))
        return
    await reports.send_status(update, context, found, status_text(context, found))


def status_text(context: Context, found: CaseStatus) -> str:
    """The status of a case as /status read it (one read serves the text and the picture)."""
    svc = context.services
    case, definition = found.case, found.definition
    now = svc.clock.now()
    lines = [case_heading(definition, case), ""]
    if case.is_open:
        step = definition.step(case.step)
        spent = svc.calendar.working_minutes_between(case.step_entered_at, now)
        late = t.STATUS_LATE if spent > step.time_minutes else ""
        lines += [
            step_line(definition, step),
            t.STATUS_HOLDER.format(
                holders=t.e(t.names(found.holders) or "-"),
                role=t.e(role_name(definition, step.actor)),
            ),
            *(
                [t.STATUS_UNREACHABLE.format(names=t.e(t.names(found.unreachable)))]
                if found.unreachable
                else []
            ),
            *(
                t.STATUS_FOUR_EYES_SET_ASIDE.format(
                    name=t.e(name), did=t.e(set_aside_text(definition, parts))
                )
                for name, parts in found.set_aside
            ),
            t.STATUS_SINCE.format(since=svc.zone.tanggal_jam(case.step_entered_at)),
            t.STATUS_SPENT.format(
                spent=t.minutes_text(spent), norm=t.minutes_text(step.time_minutes), late=late
            ),
        ]
    else:
        state = {
            ModelStatus.ARCHIVED: t.STATUS_ARCHIVED,
            ModelStatus.COMPLETED: t.STATUS_COMPLETED,
        }.get(case.status, t.STATUS_CANCELLED)
        when = svc.zone.tanggal_jam(case.closed_at or now)
        lines.append(t.STATUS_CLOSED.format(state=state, when=when))
        if case.archive_reference:
            reference = t.e(case.archive_reference)
            lines.append(t.STATUS_ARCHIVE_REFERENCE.format(reference=reference))
    lines += ["", t.STATUS_HISTORY]
    return t.fit(
        _with_history(lines, history_lines(definition, found.events, found.names, svc.zone))
    )


def _with_history(head: list[str], history: list[str]) -> str:
    """The status and as much of its history as Telegram's limit leaves room for: the
    oldest entries give way first, as the latest steps and how the case ended are what the
    reader asks about (a case returned many times has a long history)."""
    size = sum(len(line) + 1 for line in [*head, *history])
    if size <= t.MAX_MESSAGE:
        return "\n".join([*head, *history])
    dropped = 0
    while dropped < len(history) and size + len(t.STATUS_EARLIER) + 8 > t.MAX_MESSAGE:
        size -= len(history[dropped]) + 1
        dropped += 1
    if not dropped:
        return "\n".join([*head, *history])
    return "\n".join([*head, t.STATUS_EARLIER.format(n=dropped), *history[dropped:]])


async def _status_list(update: Update, context: Context) -> None:
    svc = context.services
    cases = await svc.queries.recent(user_id(update))
    if not cases:
        sops = svc.sops
        starters = dict.fromkeys(sops.role(d.first_step.actor).name for d in sops)
        await reply(update, t.NO_CASES_YET.format(roles=t.e(t.OR_SEP.join(starters))))
        return
    lines = [t.RECENT_CASES_HEAD]
    for case in cases:
        definition = svc.sops.of(case)
        where = (
            t.RECENT_CASE_AT.format(
                step=case.step, role=t.e(role_name(definition, definition.step(case.step).actor))
            )
            if case.is_open
            else t.RECENT_CASE_CLOSED[case.status]
        )
        year = f"{t.e(year_short(definition))} {case.fiscal_year}"
        lines.append(f"#{case.id} · {t.e(t.clip(case.title, 80))} · {year} · {where}")
    lines.append(t.RECENT_CASES_FOOT)
    await reply(update, "\n".join(lines))


# -- /tarik and /batal -------------------------------------------------------------------


async def withdraw(update: Update, context: Context) -> None:
    args = context.args or []
    case_id = parsing.case_number(args[0]) if len(args) == 1 else None
    if case_id is None:
        await reply(update, t.USAGE_WITHDRAW)
        return
    case = await context.services.queries.case(case_id)
    if case is None:
        await reply(update, t.CASE_NOT_FOUND.format(case=case_id))
        return
    await do_withdraw(update, context, case)


async def do_withdraw(update: Update, context: Context, case: Case) -> DomainError | str | None:
    """Take back the move the user just made; the task comes back to them (outbox).
    None when it was taken back, else why not (a /tarik command is answered here; a
    button's caller shows it as the press's answer)."""
    svc = context.services
    try:
        await svc.cases.execute(
            case.id, Withdraw(case.version), user_id(update), update_id=update.update_id
        )
    except AlreadyApplied:
        return t.ANS_ALREADY_HANDLED
    except DomainError as exc:
        if update.callback_query is None:
            named = _WITHDRAW_REFUSALS.get(exc.code)
            text = named.format(case=case.id) if named else refusal_text(exc, svc.sops.of(case))
            await reply(update, text)
        return exc
    return None


_WITHDRAW_REFUSALS = {"nothing_to_withdraw": t.WITHDRAW_NOTHING, "closed": t.WITHDRAW_CLOSED}
"""What a typed /tarik is told that names its case (a button's alert stands on the task
message, which names it)."""


async def cancel_dialogue(update: Update, context: Context) -> None:
    try:
        ended = await context.services.dialogues.cancel(user_id(update), None, update.update_id)
    except AlreadyApplied:
        return  # delivered again after a crash: answered already
    if ended is None:
        await reply(update, t.NOTHING_TO_CANCEL)
        return
    if ended.kind.startswith("profile_") and ended.data.get("fix"):
        await reply(update, t.FIX_CANCELLED)  # a correction: nothing was written
        return
    await reply(update, t.DIALOGUE_CANCELLED)
    await restore_task(update, context, ended)


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("baru", new_case))
    app.add_handler(CommandHandler("tugas", my_tasks))
    app.add_handler(CommandHandler("status", status))
    app.add_handler(CommandHandler("tarik", withdraw))
    app.add_handler(CommandHandler("batal", cancel_dialogue))
