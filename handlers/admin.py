"""Administration: invitation links, role listing, revoking and reassigning, cancelling."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import parsing
from bot import texts as t
from bot.core.model import CancelCase, DomainError
from bot.services.cases import AlreadyApplied
from handlers.common import Context, refusal_text, reply, user_id

USAGE_INVITE = "Penggunaan: <code>/undang &lt;peran&gt;</code>, peran salah satu dari: {roles}."
USAGE_REVOKE = "Penggunaan: <code>/cabut &lt;id Telegram&gt; &lt;peran&gt;</code>."
USAGE_REASSIGN = "Penggunaan: <code>/alihkan &lt;peran&gt; &lt;id lama&gt; &lt;id baru&gt;</code>."
USAGE_CANCEL = "Penggunaan: <code>/batalkan &lt;nomor berkas&gt; &lt;alasan&gt;</code>."


async def _require_admin(update: Update, context: Context) -> bool:
    if context.services.cases.is_admin(user_id(update)):
        return True
    await reply(update, t.ADMIN_ONLY)
    return False


def _role_ids(context: Context) -> list[str]:
    return [r.id for r in context.services.sops.default.roles]


async def invite(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    svc = context.services
    roles = _role_ids(context)
    role = (context.args or [""])[0].lower()
    if role not in roles:
        await reply(update, USAGE_INVITE.format(roles=", ".join(roles)))
        return
    token, expires = await svc.people.invite(user_id(update), role)
    link = f"https://t.me/{context.bot.username}?start={token}"
    name = svc.sops.default.role(role).name
    await reply(
        update,
        f"Tautan undangan untuk peran <b>{t.e(name)}</b> (sekali pakai, berlaku sampai "
        f"{svc.zone.tanggal_jam(expires)}):\n{t.e(link)}",
    )


async def list_roles(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    svc = context.services
    holders, history = await svc.people.roles_overview()
    lines = [f"<b>Pemegang peran</b> — {t.e(svc.config.organisation.unit_name)}"]
    for role in svc.sops.default.roles:
        names = ", ".join(
            f"{t.e(p.display)} (<code>{p.telegram_id}</code>)" for p in holders.get(role.id, [])
        )
        lines.append(f"• <b>{t.e(role.name)}</b>: {names or '<i>belum ada</i>'}")
    if history:
        lines.append("\n<b>Riwayat pencabutan</b>")
        for a in history[-10:]:
            assert a.revoked_at is not None
            lines.append(
                f"• {a.person_id} — {t.e(a.role)} dicabut {svc.zone.tanggal_jam(a.revoked_at)}"
            )
    await reply(update, "\n".join(lines))


async def revoke(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    person = parsing.telegram_id(args[0]) if len(args) == 2 else None
    role = args[1].lower() if len(args) == 2 else ""
    if person is None or role not in _role_ids(context):
        await reply(update, USAGE_REVOKE)
        return
    done = await context.services.people.revoke(user_id(update), person, role)
    await reply(
        update,
        f"Peran {t.e(role)} milik {person} telah dicabut."
        if done
        else "Orang tersebut tidak memegang peran itu.",
    )


async def reassign(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) != 3 or args[0].lower() not in _role_ids(context):
        await reply(update, USAGE_REASSIGN)
        return
    role, old, new = args[0].lower(), parsing.telegram_id(args[1]), parsing.telegram_id(args[2])
    if old is None or new is None:
        await reply(update, USAGE_REASSIGN)
        return
    if not await context.services.people.reassign(user_id(update), role, old, new):
        await reply(update, f"{old} tidak memegang peran {t.e(role)}.")
        return
    await reply(
        update,
        f"Peran {t.e(role)} dialihkan dari {old} kepada {new}. "
        "Tugas yang sedang berjalan kini menjadi tugas pemegang baru (lihat /tugas).",
    )


async def cancel_case(update: Update, context: Context) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    case_id = parsing.case_number(args[0]) if args else None
    reason = " ".join(args[1:])
    if case_id is None or not reason.strip():
        await reply(update, USAGE_CANCEL)
        return
    svc = context.services
    case = await svc.queries.case(case_id)
    if case is None:
        await reply(update, f"Berkas #{case_id} tidak ditemukan.")
        return
    try:
        await svc.cases.execute(
            case_id, CancelCase(case.version, reason), user_id(update), update_id=update.update_id
        )
    except AlreadyApplied:
        return
    except DomainError as exc:
        await reply(update, refusal_text(exc))
        return
    await reply(update, f"Berkas #{case_id} telah dibatalkan. Para pihak telah diberi tahu.")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("undang", invite))
    app.add_handler(CommandHandler("peran", list_roles))
    app.add_handler(CommandHandler("cabut", revoke))
    app.add_handler(CommandHandler("alihkan", reassign))
    app.add_handler(CommandHandler("batalkan", cancel_case))
