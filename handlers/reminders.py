"""/tunda (snooze a step's reminders) and /terlambat (overdue steps, for superiors and admins)."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts as t
from bot.app import services
from bot.core.model import DomainError
from bot.core.workflow import holder_role
from bot.reminder_policy import HeldStep, clamp_snooze, next_due_at
from handlers.common import Context, reply, user_id
from storage import repo
from storage.codec import parse_ts, ts

DURATION = re.compile(r"^(\d{1,4})\s*(m|menit|j|jam|h|hari)?$")
UNIT_MINUTES = {"m": 1, "menit": 1, "j": 60, "jam": 60, "h": 480, "hari": 480}
USAGE = (
    "Penggunaan: <code>/tunda &lt;nomor berkas&gt; &lt;durasi&gt;</code>, durasi dalam jam kerja "
    "(<code>2j</code>), menit (<code>30m</code>), atau hari kerja (<code>1h</code>)."
)


def parse_duration(text: str) -> int | None:
    match = DURATION.match(text.strip().lower())
    if not match:
        return None
    return int(match[1]) * UNIT_MINUTES[match[2] or "j"]


async def snooze(update: Update, context: Context) -> None:
    svc = services(context)
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    minutes = parse_duration(" ".join(args[1:])) if len(args) >= 2 else None
    case = (
        await repo.load_case(svc.db.reader, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    )
    if case is None or minutes is None or minutes <= 0:
        await reply(update, USAGE)
        return
    definition = svc.sops[case.sop_code]
    try:
        if not case.is_open:
            raise DomainError()
        holder_role(
            definition, case, await svc.cases.actor(svc.db.reader, user_id(update), case.unit)
        )
    except DomainError:
        await reply(
            update,
            "Mohon maaf, pengingat hanya dapat ditunda oleh pemegang langkah yang sedang berjalan.",
        )
        return
    granted = clamp_snooze(svc.cases.reminders, minutes)
    now = svc.clock.now()
    until = svc.calendar.add_working_minutes(now, granted)
    async with svc.db.transaction() as conn:
        rows = await conn.execute_fetchall(
            "SELECT reminders_sent, last_reminded_at FROM cases WHERE id = ? AND version = ?",
            (case.id, case.version),
        )
        row = next(iter(rows), None)
        if row is None:
            await reply(update, t.refusal("stale"))
            return
        held = HeldStep(
            case.step_entered_at,
            definition.step(case.step).time_minutes,
            row["reminders_sent"],
            parse_ts(row["last_reminded_at"]) if row["last_reminded_at"] else None,
            until,
        )
        due = next_due_at(svc.calendar, svc.cases.reminders, held)
        await conn.execute(
            "UPDATE cases SET snoozed_until = ?, next_due_at = ? WHERE id = ?",
            (ts(until), ts(due), case.id),
        )
    note = "" if granted == minutes else f" (dibatasi paling lama {t.minutes_text(granted)})"
    await reply(update, f"Pengingat Berkas #{case.id} ditunda sampai {t.when(until)}{note}.")


async def overdue(update: Update, context: Context) -> None:
    svc = services(context)
    uid = user_id(update)
    unit = svc.config.organisation.unit
    definition = svc.sops.default
    roles = await repo.active_roles(svc.db.reader, uid, unit)
    superiors = definition.superior_of()
    below: set[str] = set()
    for role in superiors:
        current = superiors.get(role)
        while current is not None:
            if current in roles:
                below.add(role)
                break
            current = superiors.get(current)
    if not svc.cases.is_admin(uid) and not below:
        await reply(
            update, "Mohon maaf, daftar keterlambatan hanya untuk pimpinan dan administrator."
        )
        return
    visible = {r.id for r in definition.roles} if svc.cases.is_admin(uid) else below
    now = svc.clock.now()
    lines = []
    for case in await repo.open_cases_for_roles(svc.db.reader, unit, visible, limit=500):
        step = svc.sops[case.sop_code].step(case.step)
        spent = svc.calendar.working_minutes_between(case.step_entered_at, now)
        if spent > step.time_minutes:
            role = svc.sops[case.sop_code].role(step.actor).name
            lines.append(
                f"#{case.id} · langkah {case.step} ({t.e(role)}) · {t.minutes_text(spent)} "
                f"dari norma {t.minutes_text(step.time_minutes)} · {t.e(case.title[:60])}"
            )
    if not lines:
        await reply(update, "Tidak ada langkah yang melewati norma waktu. Terima kasih.")
        return
    await reply(update, overdue_text(lines))


def overdue_text(lines: list[str], most: int = 60) -> str:
    """The listing, oldest first, cut at whole lines; a cut says how many are left out."""
    text = "<b>Langkah yang melewati norma waktu</b>"
    for shown, line in enumerate(lines):
        if shown == most or len(text) + len(line) + 60 > t.MAX_MESSAGE:
            return f"{text}\n… dan {len(lines) - shown} langkah lainnya."
        text += "\n" + line
    return text


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("tunda", snooze))
    app.add_handler(CommandHandler("terlambat", overdue))
