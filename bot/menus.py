"""The command menus Telegram shows: the officials' in every private chat, the
administrators' (after the officials') in each administrator's own chat.

Set at the start (:mod:`bot.app`) and when an administrator presses Start or stops being
one (:mod:`handlers.people`, :mod:`handlers.admin`): a module of its own, so that the
handlers need not import the application that imports them.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import texts as t

log = logging.getLogger(__name__)

# the menus' descriptions: bot.texts.COMMAND_MENU, bot.texts.ADMIN_COMMAND_MENU
COMMANDS = [BotCommand(command, about) for command, about in t.COMMAND_MENU.items()]
# shown, after COMMANDS, only in the administrators' own chats (BotCommandScopeChat)
ADMIN_COMMANDS = [BotCommand(command, about) for command, about in t.ADMIN_COMMAND_MENU.items()]


async def set_admin_commands(bot: Bot, admin: int) -> bool:
    """The administrators' menu in an administrator's chat; False when Telegram refused it
    (an administrator who has not opened the bot yet: their /start sets it then)."""
    try:
        await bot.set_my_commands(COMMANDS + ADMIN_COMMANDS, scope=BotCommandScopeChat(admin))
    except (BadRequest, Forbidden) as exc:  # "Chat not found": expected on the first day
        log.info(
            "the administrators' commands are not set for %s yet (Telegram: %s): "
            "they are set when this administrator presses Start",
            admin,
            exc.message,
        )
        return False
    except Exception:
        log.warning("the administrators' commands are not set for %s", admin, exc_info=True)
        return False
    return True


async def drop_admin_commands(bot: Bot, person: int) -> bool:
    """Delete the administrators' menu from the chat of someone who is no longer one (Telegram
    keeps a chat's menu until it is deleted); False when Telegram could not be reached, to
    try again. A refusal (a chat that is gone) is not tried again."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(person))
    except (BadRequest, Forbidden) as exc:
        log.warning("the administrators' commands of %s are not deleted: %s", person, exc)
    except TelegramError as exc:
        log.warning("the administrators' commands of %s are not deleted yet: %s", person, exc)
        return False
    return True
