"""/sop: the procedure an official takes part in, as its form sets it out (bot.sop_view)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot import texts as t
from bot.context import SopApplication
from bot.sop_view import sop_choices, sop_text
from handlers.common import GATE_FACTS, Context, reply_in_parts


async def show_sop(update: Update, context: Context) -> None:
    sops = context.services.sops
    definitions = list(sops)
    code = " ".join(context.args or []).strip()
    if not code and len(definitions) > 1:
        await reply_in_parts(update, t.SOP_WHICH.format(choices=sop_choices(definitions)))
        return
    definition = (
        next((d for d in definitions if d.code.lower() == code.lower()), None)
        if code
        else sops.default
    )
    if definition is None:
        choices = sop_choices(definitions)
        await reply_in_parts(
            update, t.SOP_UNKNOWN.format(code=t.e(t.clip(code, 40)), choices=choices)
        )
        return
    facts = GATE_FACTS.get()  # the gate read the reader's roles: no second trip
    await reply_in_parts(update, sop_text(definition, facts.roles if facts else ()))


def register(app: SopApplication) -> None:
    app.add_handler(CommandHandler("sop", show_sop))
