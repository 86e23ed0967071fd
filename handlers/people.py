"""People: /start (with an invitation token), the profile dialogue, /saya and /bantuan."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts as t
from bot.app import services
from handlers.common import Context, reply, user_id
from storage import repo

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
NIP = re.compile(r"^\d{18}$")


async def start(update: Update, context: Context) -> None:
    svc = services(context)
    uid = user_id(update)
    token = context.args[0] if context.args else ""
    if token:
        role = await _accept_invite(update, context, token)
        if role is None:
            await reply(update, t.INVITE_INVALID)
            return
        await reply(update, f"Selamat datang. Anda terdaftar sebagai <b>{t.e(role)}</b>.")
    person = await repo.get_person(svc.db.reader, uid)
    roles = await repo.active_roles(svc.db.reader, uid, svc.config.organisation.unit)
    if not roles and not svc.cases.is_admin(uid):
        await reply(update, t.NOT_REGISTERED)
        return
    if person is None or not person.name or not person.position:
        async with svc.db.transaction() as conn:
            await repo.set_dialogue(conn, uid, "profile_name", svc.clock.now())
        await reply(update, "Sebelum memulai, mohon lengkapi data Anda.\n" + t.ASK_NAME)
        return
    await reply(update, f"Selamat datang, {t.e(person.display)}.\n\n" + help_text(context))


async def _accept_invite(update: Update, context: Context, token: str) -> str | None:
    """Bind the invited role; a single-holder role passes from its holder (history kept)."""
    if not TOKEN.match(token):
        return None
    svc = services(context)
    uid, now = user_id(update), svc.clock.now()
    async with svc.db.transaction() as conn:
        taken = await repo.take_invite(conn, token, uid, now)
        if taken is None:
            return None
        role, unit = taken
        definition = svc.sops.default
        shared = definition.has_role(role) and definition.role(role).shared
        if not shared:
            for holder in await repo.holders(conn, unit, role):
                if holder.telegram_id != uid:
                    await repo.revoke_role(conn, holder.telegram_id, role, unit, now, uid)
        await repo.grant_role(conn, uid, role, unit, now, None)
    return definition.role(role).name if definition.has_role(role) else role


async def profile_step(update: Update, context: Context, kind: str, text: str) -> None:
    """One answer of the profile dialogue (name → NIP → position)."""
    svc = services(context)
    uid, now = user_id(update), svc.clock.now()
    value = text.strip()
    async with svc.db.transaction() as conn:
        if kind == "profile_name":
            if not value or len(value) > 200:
                await reply(update, t.ASK_NAME)
                return
            await repo.update_profile(conn, uid, name=value)
            await repo.set_dialogue(conn, uid, "profile_nip", now)
            answer = t.ASK_NIP
        elif kind == "profile_nip":
            nip = "" if value == "-" else value.replace(" ", "")
            if nip and not NIP.match(nip):
                await reply(update, t.BAD_NIP)
                return
            await repo.update_profile(conn, uid, nip=nip)
            await repo.set_dialogue(conn, uid, "profile_position", now)
            answer = t.ASK_POSITION
        else:
            if not value or len(value) > 200:
                await reply(update, t.ASK_POSITION)
                return
            await repo.update_profile(conn, uid, position=value)
            await repo.clear_dialogue(conn, uid)
            answer = ""
    if not answer:
        answer = t.PROFILE_DONE.format(summary=await _summary(context, uid))
    await reply(update, answer)


async def _summary(context: Context, uid: int) -> str:
    svc = services(context)
    person = await repo.get_person(svc.db.reader, uid)
    roles = await repo.active_roles(svc.db.reader, uid, svc.config.organisation.unit)
    definition = svc.sops.default
    role_names = ", ".join(definition.role(r).name for r in sorted(roles) if definition.has_role(r))
    if svc.cases.is_admin(uid):
        role_names = ", ".join(filter(None, [role_names, "Administrator"]))
    assert person is not None
    return (
        f"Nama: <b>{t.e(person.name or '-')}</b>\nNIP: {t.e(person.nip or '-')}\n"
        f"Jabatan: {t.e(person.position or '-')}\nPeran: {t.e(role_names or '-')}"
    )


async def me(update: Update, context: Context) -> None:
    uid = user_id(update)
    summary = await _summary(context, uid)
    await reply(update, f"<b>Data Anda</b>\n{summary}\n\nID Telegram: <code>{uid}</code>")


def help_text(context: Context) -> str:
    svc = services(context)
    definition = svc.sops.default
    roles = "\n".join(f"• <b>{t.e(r.name)}</b> — {t.e(r.title)}" for r in definition.roles)
    return (
        "<b>Petunjuk Penggunaan</b>\n"
        f"Layanan ini menjalankan SOP <i>{t.e(definition.header.name)}</i> secara elektronik: "
        "setiap langkah disampaikan kepada pejabat yang berwenang, dicatat, dan diarsipkan.\n\n"
        "<b>Perintah</b>\n"
        "/tugas — tugas yang menunggu tindakan Anda\n"
        "/baru — mengajukan berkas baru (Kasubag)\n"
        "/status [nomor] — posisi, waktu, dan riwayat berkas\n"
        "/tarik &lt;nomor&gt; — menarik kembali berkas yang baru Anda teruskan\n"
        "/tunda &lt;nomor&gt; &lt;durasi&gt; — menunda pengingat, misalnya <code>/tunda 12 2j</code>\n"
        "/terlambat — langkah yang melewati norma waktu (pimpinan dan administrator)\n"
        "/saya — data dan peran Anda\n"
        "/batal — membatalkan isian yang sedang berjalan\n"
        "/bantuan — petunjuk ini\n\n"
        "<b>Cara kerja</b>\n"
        "• Pada langkah pemeriksaan tersedia tombol <b>Setujui</b> dan <b>Kembalikan</b>; "
        "pengembalian wajib disertai alasan.\n"
        "• Berkas (Konsep Rencana Kerja, TOR, draf) dikirim sebagai <b>dokumen</b> di obrolan ini.\n"
        "• Pengingat dikirim pada jam kerja bila suatu langkah melewati norma waktunya.\n\n"
        f"<b>Peran</b>\n{roles}\n\n"
        "<b>Administrator</b>\n"
        "/undang &lt;peran&gt; · /peran · /cabut &lt;id&gt; &lt;peran&gt; · "
        "/alihkan &lt;peran&gt; &lt;id lama&gt; &lt;id baru&gt; · /batalkan &lt;nomor&gt; &lt;alasan&gt;"
    )


async def help_command(update: Update, context: Context) -> None:
    await reply(update, help_text(context))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("saya", me))
    app.add_handler(CommandHandler(["bantuan", "help"], help_command))
