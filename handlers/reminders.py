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
        await reply(
            update, "Mohon maaf, daftar keterlambatan hanya untuk pimpinan dan administrator."
        )
        return
    lines = []
    for item in found:
        case, definition = item.case, item.definition
        step = definition.step(case.step)
        lines.append(
            f"#{case.id} · langkah {case.step} ({t.e(role_name(definition, step.actor))}) · "
            f"{t.minutes_text(item.spent)} dari norma {t.minutes_text(step.time_minutes)} "
            f"(terlambat {t.minutes_text(item.spent - step.time_minutes)}) · "
            f"{t.e(t.clip(case.title, 60))}"
            + (
                " · <i>menunggu pejabat definitif (Plh/Plt tidak berwenang)</i>"
                if item.waits_for_definitive
                else ""
            )
        )
    scope = OVERDUE_ALL if admin else OVERDUE_OWN
    if not lines:
        await reply(update, f"Tidak ada langkah yang melewati norma waktu ({scope}). Terima kasih.")
        return
    await reply(update, overdue_text(lines, scope, total))


OVERDUE_OWN = "langkah peran Bapak/Ibu dan bawahannya"
OVERDUE_ORDER = "yang paling jauh melewati normanya lebih dahulu"
OVERDUE_ALL = "semua langkah"


def overdue_text(lines: list[str], scope: str = OVERDUE_ALL, total: int | None = None) -> str:
    """The listing of the steps furthest past their norm (``lines``, of ``total`` in all:
    as many as there are lines when not given), cut at whole lines; a cut says how many are
    left out. Its heading says whose steps it covers and in which order."""
    total = len(lines) if total is None else total
    text = f"<b>Langkah yang melewati norma waktu</b>\n<i>{scope}; {OVERDUE_ORDER}</i>"
    for shown, line in enumerate(lines):
        if len(text) + len(line) + 60 > t.MAX_MESSAGE:
            return f"{text}\n… dan {total - shown} langkah lainnya."
        text += "\n" + line
    if total > len(lines):
        return f"{text}\n… dan {total - len(lines)} langkah lainnya."
    return text


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("tunda", snooze))
    app.add_handler(CommandHandler("terlambat", overdue))
