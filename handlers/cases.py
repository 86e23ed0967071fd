"""Cases: /baru (start one), /tugas (my pending steps), /status, /tarik (withdraw), /batal."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts as t
from bot.app import services
from bot.core.model import Actor, Case, DomainError, Withdraw
from bot.core.workflow import holder_role
from bot.outbox import keyboard_markup
from bot.views import case_heading, history_lines, step_line
from handlers.common import Context, refusal_text, reply, user_id
from storage import repo

MAX_TASKS_LISTED = 10


async def send_task(update: Update, context: Context, case: Case, intro: str = "") -> None:
    """Show a case's current step to the user with its buttons (and remember the message)."""
    svc = services(context)
    definition = svc.sops[case.sop_code]
    selected: list[int] = []
    dialogue = await repo.get_dialogue(svc.db.reader, user_id(update))
    if dialogue and dialogue.kind == "team" and dialogue.case_id == case.id:
        selected = [int(m) for m in dialogue.data.get("members", [])]
    view = await svc.cases.task_view_for(svc.db.reader, definition, case, team_selected=selected)
    text = f"{intro}\n\n{view.text}" if intro else view.text
    message = await reply(update, text, reply_markup=keyboard_markup(view.keyboard))
    if message is not None and view.keyboard:
        async with svc.db.transaction() as conn:
            await repo.record_task_message(
                conn, message.chat.id, message.message_id, case.id, case.version
            )


async def new_case(update: Update, context: Context) -> None:
    svc = services(context)
    uid = user_id(update)
    definition = svc.sops.default
    first = definition.first_step
    roles = await repo.active_roles(svc.db.reader, uid, svc.config.organisation.unit)
    if first.actor not in roles:
        name = definition.role(first.actor).name
        await reply(update, f"Mohon maaf, pengajuan berkas baru dilakukan oleh {t.e(name)}.")
        return
    async with svc.db.transaction() as conn:
        await repo.set_dialogue(conn, uid, "new_title", svc.clock.now())
    await reply(update, t.ASK_TITLE)


async def new_case_step(
    update: Update, context: Context, kind: str, text: str, data: dict[str, object]
) -> None:
    """The answers of /baru: the title, then the fiscal year; then the case starts."""
    svc = services(context)
    uid, now = user_id(update), svc.clock.now()
    value = text.strip()
    next_year = now.year + 1
    if kind == "new_title":
        if not value:
            await reply(update, t.ASK_TITLE)
            return
        if len(value) > 300:
            await reply(update, t.refusal("too_long", limit=300))
            return
        async with svc.db.transaction() as conn:
            await repo.set_dialogue(conn, uid, "new_year", now, data={"title": value})
        await reply(update, t.ASK_YEAR.format(year=next_year))
        return
    if not (value.isdigit() and len(value) == 4 and 2000 <= int(value) <= 2100):
        await reply(update, t.BAD_YEAR.format(year=next_year))
        return
    try:
        outcome = await svc.cases.start_case(
            uid, str(data.get("title", "")), int(value), update_id=update.update_id
        )
    except DomainError as exc:
        await reply(update, refusal_text(exc))
        return
    async with svc.db.transaction() as conn:
        await repo.clear_dialogue(conn, uid)
    await send_task(update, context, outcome.case, intro=f"Berkas #{outcome.case.id} telah dibuat.")


async def my_tasks(update: Update, context: Context) -> None:
    svc = services(context)
    uid = user_id(update)
    unit = svc.config.organisation.unit
    roles = await repo.active_roles(svc.db.reader, uid, unit)
    cases = await repo.open_cases_for_roles(svc.db.reader, unit, roles, limit=200)
    actor = Actor(uid, roles, svc.cases.is_admin(uid))
    mine = []
    for case in cases:
        definition = svc.sops[case.sop_code]
        try:
            holder_role(definition, case, actor)
        except DomainError:
            continue
        mine.append(case)
    if not mine:
        await reply(update, "Tidak ada tugas yang menunggu tindakan Anda saat ini. Terima kasih.")
        return
    more = len(mine) - MAX_TASKS_LISTED
    await reply(update, f"Terdapat <b>{len(mine)}</b> tugas yang menunggu tindakan Anda.")
    for case in mine[:MAX_TASKS_LISTED]:
        await send_task(update, context, case)
    if more > 0:
        await reply(
            update, f"… dan {more} tugas lainnya. Gunakan /status &lt;nomor&gt; untuk melihatnya."
        )


async def status(update: Update, context: Context) -> None:
    svc = services(context)
    args = context.args or []
    if not args:
        await _status_list(update, context)
        return
    raw = args[0].lstrip("#")
    case = (
        await repo.load_case(svc.db.reader, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    )
    if case is None:
        await reply(update, f"Berkas {t.e(args[0][:20])} tidak ditemukan.")
        return
    await reply(update, await status_text(context, case))


async def status_text(context: Context, case: Case) -> str:
    svc = services(context)
    definition = svc.sops[case.sop_code]
    step = definition.step(case.step)
    events = await repo.load_events(svc.db.reader, case.id)
    names = {
        p.telegram_id: p.display
        for p in (await repo.people_by_ids(svc.db.reader, [e.actor for e in events])).values()
    }
    now = svc.clock.now()
    lines = [case_heading(definition, case), ""]
    if case.is_open:
        holders = await svc.cases.step_holders(svc.db.reader, definition, case)
        spent = svc.calendar.working_minutes_between(case.step_entered_at, now)
        late = " ⚠️ <b>melewati norma</b>" if spent > step.time_minutes else ""
        lines += [
            step_line(definition, step),
            f"Pemegang: {t.e(', '.join(p.display for p in holders) or '-')} ({t.e(definition.role(step.actor).name)})",
            f"Sejak: {t.when(case.step_entered_at)}",
            f"Waktu berjalan: {t.minutes_text(spent)} dari norma {t.minutes_text(step.time_minutes)}{late}",
        ]
    else:
        state = "diarsipkan" if case.archive_reference else "dibatalkan"
        lines.append(f"Status: <b>{state}</b> pada {t.when(case.closed_at or now)}")
        if case.archive_reference:
            lines.append(f"Nomor arsip: <code>{t.e(case.archive_reference)}</code>")
    lines += ["", "<b>Riwayat</b>", *history_lines(definition, events, names)]
    return t.fit("\n".join(lines))


async def _status_list(update: Update, context: Context) -> None:
    svc = services(context)
    cases = await repo.recent_cases(svc.db.reader, svc.config.organisation.unit)
    if not cases:
        await reply(update, "Belum ada berkas. Kasubag dapat mengajukan berkas baru dengan /baru.")
        return
    lines = ["<b>Berkas terbaru</b>"]
    for case in cases:
        definition = svc.sops[case.sop_code]
        where = (
            f"langkah {case.step} ({t.e(definition.role(definition.step(case.step).actor).name)})"
            if case.is_open
            else case.status.value
        )
        lines.append(f"#{case.id} · {t.e(case.title[:80])} · TA {case.fiscal_year} · {where}")
    lines.append("\nRincian: /status &lt;nomor&gt;")
    await reply(update, "\n".join(lines))


async def withdraw(update: Update, context: Context) -> None:
    svc = services(context)
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    case = (
        await repo.load_case(svc.db.reader, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    )
    if case is None:
        await reply(update, "Penggunaan: <code>/tarik &lt;nomor berkas&gt;</code>.")
        return
    await do_withdraw(update, context, case.id, case.version)


async def do_withdraw(update: Update, context: Context, case_id: int, version: int) -> bool:
    svc = services(context)
    try:
        outcome = await svc.cases.execute(
            case_id, Withdraw(version), user_id(update), update_id=update.update_id
        )
    except DomainError as exc:
        await reply(update, refusal_text(exc))
        return False
    await send_task(
        update, context, outcome.case, intro=f"Berkas #{case_id} telah ditarik kembali."
    )
    return True


async def cancel_dialogue(update: Update, context: Context) -> None:
    svc = services(context)
    uid = user_id(update)
    dialogue = await repo.get_dialogue(svc.db.reader, uid)
    if dialogue is None:
        await reply(update, t.NOTHING_TO_CANCEL)
        return
    async with svc.db.transaction() as conn:
        await repo.clear_dialogue(conn, uid)
    await reply(update, t.DIALOGUE_CANCELLED)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("baru", new_case))
    app.add_handler(CommandHandler("tugas", my_tasks))
    app.add_handler(CommandHandler("status", status))
    app.add_handler(CommandHandler("tarik", withdraw))
    app.add_handler(CommandHandler("batal", cancel_dialogue))
