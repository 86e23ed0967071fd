"""Free text: the answer to whatever dialogue the person has pending (kept in the database)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot import texts as t
from bot.context import SopApplication
from handlers.buttons import answer_dialogue
from handlers.cases import new_case_step
from handlers.common import Context, reply, user_id
from handlers.people import profile_step


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    text = message.text or ""
    dialogue = await context.services.queries.dialogue(user_id(update))
    if dialogue is None:
        if not await tell_lapsed(update, context, text):
            await reply(update, t.UNKNOWN_INPUT)
        return
    if dialogue.kind.startswith("profile_"):
        await profile_step(update, context, dialogue.kind, text)
    elif dialogue.kind in ("new_title", "new_year"):
        await new_case_step(update, context, dialogue.kind, text, dialogue.data)
    elif dialogue.kind in ("return_reason", "note", "archive_reference"):
        await answer_dialogue(update, context, dialogue, text)
    elif dialogue.kind == "file":
        await reply(
            update,
            "Mohon pilih jenis dokumen dengan tombol pada pesan sebelumnya, atau ketik /batal.",
        )
    elif dialogue.kind == "team":
        await reply(
            update,
            "Mohon pilih anggota tim dengan tombol pada pesan sebelumnya, atau ketik /batal.",
        )
    else:
        await reply(update, t.UNKNOWN_INPUT)


async def tell_lapsed(update: Update, context: Context, text: str) -> bool:
    """Text with no question pending, typed for one that ended meanwhile without it (another
    holder decided the step, the role went, ...): told why it was not used, with the text
    quoted back so nothing typed is lost. False when no question ended so."""
    lapsed = await context.services.dialogues.lapsed(user_id(update))
    if lapsed is None:
        return False
    ended = lapsed.ended
    answer = t.lapsed_text(ended.kind, ended.why, ended.case_id, text, lapsed.actor, lapsed.role)
    await reply(update, answer)
    return True


async def on_unknown_command(update: Update, context: Context) -> None:
    await reply(update, "Perintah tidak dikenal. Ketik /bantuan untuk daftar perintah.")


async def on_other(update: Update, context: Context) -> None:
    if update.effective_message is not None:
        await reply(update, t.UNKNOWN_INPUT)


def register(app: SopApplication) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, on_other))
