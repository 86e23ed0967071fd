"""/tunda (snooze a step's reminders) and /terlambat (overdue steps, for superiors and admins)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot import parsing
from bot import texts as t
from bot.context import SopApplication
from bot.views import role_name
from handlers.common import Context, reply, user_id

USAGE = (
    "Penggunaan: <code>/tunda &lt;nomor berkas&gt; &lt;durasi&gt;</code>, durasi dalam jam kerja "
    "(<code>2j</code>), menit (<code>30m</code>), atau hari kerja (<code>1h</code>)."
)


async def snooze(update: Update, context: Context) -> None:
    svc = context.services
    args = context.args or []
    case_id = parsing.case_number(args[0]) if args else None
    minutes = parsing.duration_minutes(" ".join(args[1:])) if len(args) >= 2 else None
    if case_id is None or minutes is None or minutes <= 0:
        await reply(update, USAGE)
        return
    result = await svc.reminders.snooze(user_id(update), case_id, minutes)
    if result.status == "not_found":
        await reply(update, t.CASE_NOT_FOUND.format(case=case_id))
        return
    if result.status == "closed":
        await reply(update, t.refusal("closed"))
        return
    if result.status != "ok" or result.until is None:
        await reply(
            update,
            f"Mohon maaf, pengingat Berkas #{case_id} hanya dapat ditunda oleh pelaksana "
            "langkah yang sedang berjalan.",
        )
        return
    note = (
        ""
        if result.granted == minutes
        else f" (dibatasi paling lama {t.minutes_text(result.granted)})"
    )
    await reply(
        update,
        f"Pengingat Berkas #{case_id} ditunda sampai {svc.zone.tanggal_jam(result.until)}{note}.",
    )


async def overdue(update: Update, context: Context) -> None:
    svc = context.services
    allowed, found, total = await svc.queries.overdue(user_id(update), svc.clock.now())
    admin = svc.cases.is_admin(user_id(update))
    if not allowed:
        await reply(update, t.OVERDUE_REFUSED)
        return
    # a step's number names it only within its SOP: with several SOPs, each line names it
    several = len([*svc.sops, *svc.sops.retired()]) > 1
    lines = []
    for item in found:
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
    scope = t.OVERDUE_SCOPE_ALL if admin else t.OVERDUE_SCOPE_OWN
    if not lines:
        await reply(update, t.OVERDUE_NONE.format(scope=scope))
        return
    await reply(update, overdue_text(lines, scope, total))


def overdue_text(
    lines: list[str], scope: str = t.OVERDUE_SCOPE_ALL, total: int | None = None
) -> str:
    """The listing of the steps furthest past their norm (``lines``, of ``total`` in all:
    as many as there are lines when not given), cut at whole lines; a cut says how many are
    left out. Its heading says whose steps it covers and in which order."""
    total = len(lines) if total is None else total
    text = t.OVERDUE_HEAD.format(scope=scope, order=t.OVERDUE_ORDER)
    for shown, line in enumerate(lines):
        if len(text) + len(line) + 60 > t.MAX_MESSAGE:
            return f"{text}\n{t.OVERDUE_MORE.format(count=total - shown)}"
        text += "\n" + line
    if total > len(lines):
        return f"{text}\n{t.OVERDUE_MORE.format(count=total - len(lines))}"
    return text


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("tunda", snooze))
    app.add_handler(CommandHandler("terlambat", overdue))
