"""/tunda (snooze a step's reminders) and /terlambat (overdue steps, for superiors and admins)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import parsing
from bot import texts as t
from bot.callbacks import Op, decode
from bot.context import SopApplication
from bot.outbox import keyboard_markup
from bot.services.queries import OverduePage
from bot.views import Keyboard, role_name
from handlers.common import (
    Context,
    answer,
    edit_quietly,
    page_buttons,
    reply,
    shows_buttons,
    user_id,
)


async def snooze(update: Update, context: Context) -> None:
    svc = context.services
    args = context.args or []
    case_id = parsing.case_number(args[0]) if args else None
    minutes = parsing.duration_minutes(" ".join(args[1:])) if len(args) >= 2 else None
    if case_id is None or minutes is None or minutes <= 0:
        await reply(update, t.USAGE_SNOOZE)
        return
    result = await svc.reminders.snooze(user_id(update), case_id, minutes)
    if result.status == "not_found":
        await reply(update, t.CASE_NOT_FOUND.format(case=case_id))
        return
    if result.status == "closed":
        await reply(update, t.SNOOZE_CLOSED.format(case=case_id))
        return
    if result.status != "ok" or result.until is None:
        await reply(update, t.SNOOZE_NOT_HOLDER.format(case=case_id))
        return
    until = svc.zone.tanggal_jam(result.until)
    note = (
        ""
        if result.granted == minutes
        else t.SNOOZE_CAPPED.format(most=t.minutes_text(result.granted))
    )
    if result.own and result.due is not None:
        # a member of a team: his own reminders; the others' go on as the step's schedule
        due = svc.zone.tanggal_jam(result.due)
        if result.kept is not None:  # a longer /tunda of his stands: a /tunda only postpones
            kept = svc.zone.tanggal_jam(result.kept)
            await reply(
                update,
                t.SNOOZED_OWN_ALREADY_LATER.format(case=case_id, kept=kept, until=until, due=due),
            )
            return
        own = t.SNOOZED_OWN_BACK if result.back else t.SNOOZED_OWN
        await reply(update, own.format(case=case_id, until=until, note=note, due=due))
        return
    if result.later is not None:
        # due later already (an upload, a longer /tunda, the norm): a /tunda only postpones
        due = svc.zone.tanggal_jam(result.later)
        await reply(update, t.SNOOZE_ALREADY_LATER.format(case=case_id, due=due, until=until))
        return
    await reply(update, t.SNOOZED.format(case=case_id, until=until, note=note))


def overdue_view(context: Context, page: OverduePage, admin: bool) -> tuple[str, Keyboard]:
    """A page of /terlambat as one message: the count and the page in its heading, whose
    steps it covers and in which order, a line per step, and the page buttons of /tugas.
    Each line names its SOP where the deployment runs several (a step's number means
    another step in another SOP), as a reminder digest of several SOPs does."""
    svc = context.services
    scope = t.OVERDUE_SCOPE_ALL if admin else t.OVERDUE_SCOPE_OWN
    if page.total == 0:
        return t.OVERDUE_NONE.format(scope=scope), []
    several = len([*svc.sops, *svc.sops.retired()]) > 1
    of = t.LIST_PAGE.format(page=page.page + 1, pages=page.pages) if page.pages > 1 else ""
    lines = [t.OVERDUE_HEAD.format(count=page.total, page=of, scope=scope, order=t.OVERDUE_ORDER)]
    for item in page.items:
        case, definition = item.case, item.definition
        step = definition.step(case.step)
        lines.append(
            t.OVERDUE_LINE.format(
                case=case.id,
                sop=t.e(t.clip(definition.header.name, 40)) + " · " if several else "",
                step=case.step,
                role=t.e(role_name(definition, step.actor)),
                spent=t.minutes_text(item.spent),
                norm=t.minutes_text(step.time_minutes),
                late=t.minutes_text(item.spent - step.time_minutes),
                title=t.e(t.clip(case.title, 60)),
            )
            + (t.OVERDUE_WAITS_DEFINITIVE if item.waits_for_definitive else "")
        )
    nav = page_buttons(Op.OVERDUE_PAGE, page.page, page.pages)
    return t.fit("\n".join(lines)), [nav] if nav else []


async def overdue(update: Update, context: Context) -> None:
    svc = context.services
    page = await svc.queries.overdue(user_id(update), svc.clock.now())
    if not page.allowed:
        await reply(update, t.OVERDUE_REFUSED)
        return
    text, keyboard = overdue_view(context, page, svc.cases.is_admin(user_id(update)))
    await reply(update, text, reply_markup=keyboard_markup(keyboard))


async def show_overdue_page(update: Update, context: Context) -> None:
    """A page button of /terlambat, as one of /tugas: the same message shows the other page
    as it is now (the last one when the list has shrunk past it). A list too old for the bot
    to see it (an InaccessibleMessage) stays as it is, and the page comes as a new message;
    one who no longer heads a role is refused, and the list stays as it is."""
    query = update.callback_query
    assert query is not None
    svc = context.services
    cb = decode(query.data)
    message = query.message
    old = message is not None and not message.is_accessible
    if (
        cb is None
        or cb.op is not Op.OVERDUE_PAGE
        or not (old or shows_buttons(message, (Op.OVERDUE_PAGE,)))
    ):
        await answer(update, t.ANS_UNKNOWN_BUTTON, alert=True)  # a forged page button
        return
    number = parsing.case_number(cb.arg or "0") or 0
    page = await svc.queries.overdue(user_id(update), svc.clock.now(), number)
    if not page.allowed:
        await answer(update, t.OVERDUE_REFUSED, alert=True)
        return
    text, keyboard = overdue_view(context, page, svc.cases.is_admin(user_id(update)))
    if old or message is None:
        await answer(update, t.ANS_LIST_OLD)
        await reply(update, text, reply_markup=keyboard_markup(keyboard))
        return
    await answer(update)
    await edit_quietly(message, text, keyboard_markup(keyboard))


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("tunda", snooze))
    app.add_handler(CommandHandler("terlambat", overdue))
    app.add_handler(CallbackQueryHandler(show_overdue_page, pattern=r"^tl:"))
