"""The Bot API calls the bot makes to show people something, keeping of Telegram's answer only
what the bot reads: the message's id, its chat, a document's file id.

python-telegram-bot's typed methods (``Bot.send_message``, ``Bot.edit_message_text`` …) turn
every answer into a :class:`telegram.Message`: its sender, its chat, every entity of its text,
every button. The bot reads none of that, and building it was 39 % of the CPU of an edit on
the working day of ``bench/bench_updates.py`` (py-spy with native frames). These functions make
the same calls through ``Bot.do_api_request``, PTB's public way to call an endpoint and keep
its raw answer: the same request path (the flood limiter, timeouts, uploads, PTB's errors).

What differs from the typed methods: ``do_api_request`` reads Telegram's refusal of the token
(401, 404) as an endpoint Telegram does not know, which these endpoints are not: it is raised
as PTB's typed methods raise it (``InvalidToken``), and the outbox keeps its rows while the
operator puts the token right. A text's parse mode, which they take from the
application's :class:`telegram.ext.Defaults`, is named in each call here (HTML, as everywhere
in the bot; an album's captions still get it from the defaults); and PTB warns that a typed
method exists for the endpoint, which is known here and silenced for this module's calls.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, InputMediaDocument, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import EndPointNotFound, InvalidToken
from telegram.ext import ExtBot
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning


def silence_typed_method_warning() -> None:
    """PTB's warning that a typed method exists, silenced for this module's calls alone (set
    when the module is imported)."""
    warnings.filterwarnings(
        "ignore", message="Please use 'Bot.", category=PTBUserWarning, module=__name__
    )


silence_typed_method_warning()

HTML = ParseMode.HTML.value
DEFAULT_TIMEOUT: Any = BaseRequest.DEFAULT_NONE  # the request layer's own timeout


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the bot sent, as far as the bot needs to know it."""

    chat_id: int
    message_id: int
    document_file_id: str | None = None


async def _call(bot: ExtBot[Any], endpoint: str, params: dict[str, Any], **options: Any) -> Any:
    try:
        return await bot.do_api_request(endpoint, params, **options)
    except EndPointNotFound as exc:
        if isinstance(exc.__cause__, InvalidToken):
            raise exc.__cause__ from None
        raise


def _sent(result: Any) -> Sent:
    document = result.get("document") or {}
    return Sent(int(result["chat"]["id"]), int(result["message_id"]), document.get("file_id"))


async def send_message(
    bot: ExtBot[Any],
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_parameters: ReplyParameters | None = None,
    message_thread_id: int | None = None,
    rate_limit_args: Any = None,
) -> Sent:
    """``message_thread_id``: in that forum topic (of a forum supergroup, or of a private
    chat of a bot with forum topic mode enabled); None: the chat itself (General)."""
    result = await _call(
        bot,
        "sendMessage",
        dict(
            chat_id=chat_id,
            text=text,
            parse_mode=HTML,
            reply_markup=reply_markup,
            reply_parameters=reply_parameters,
            message_thread_id=message_thread_id,
        ),
        rate_limit_args=rate_limit_args,
    )
    return _sent(result)


async def edit_message_text(
    bot: ExtBot[Any],
    chat_id: int,
    message_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    rate_limit_args: Any = None,
) -> None:
    """The message's text (and buttons: none when ``reply_markup`` is None) replaced."""
    await _call(
        bot,
        "editMessageText",
        dict(
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            parse_mode=HTML,
            reply_markup=reply_markup,
        ),
        rate_limit_args=rate_limit_args,
    )


async def edit_message_reply_markup(
    bot: ExtBot[Any],
    chat_id: int,
    message_id: int,
    reply_markup: InlineKeyboardMarkup | None = None,
    *,
    rate_limit_args: Any = None,
) -> None:
    """The message's buttons replaced (removed when ``reply_markup`` is None)."""
    await _call(
        bot,
        "editMessageReplyMarkup",
        dict(chat_id=chat_id, message_id=message_id, reply_markup=reply_markup),
        rate_limit_args=rate_limit_args,
    )


async def send_document(
    bot: ExtBot[Any],
    chat_id: int,
    document: str | InputFile,
    *,
    caption: str | None = None,
    message_thread_id: int | None = None,
    read_timeout: float | None = DEFAULT_TIMEOUT,
    rate_limit_args: Any = None,
) -> Sent:
    return await _send_file(
        bot,
        "sendDocument",
        chat_id,
        {"document": document, "message_thread_id": message_thread_id},
        caption,
        read_timeout,
        rate_limit_args,
    )


async def send_photo(
    bot: ExtBot[Any],
    chat_id: int,
    photo: str | InputFile,
    *,
    caption: str | None = None,
    message_thread_id: int | None = None,
    read_timeout: float | None = DEFAULT_TIMEOUT,
    rate_limit_args: Any = None,
) -> Sent:
    return await _send_file(
        bot,
        "sendPhoto",
        chat_id,
        {"photo": photo, "message_thread_id": message_thread_id},
        caption,
        read_timeout,
        rate_limit_args,
    )


async def _send_file(
    bot: ExtBot[Any],
    endpoint: str,
    chat_id: int,
    file: dict[str, str | InputFile | int | None],
    caption: str | None,
    read_timeout: float | None,
    rate_limit_args: Any,
) -> Sent:
    """A file (Telegram's id, or its bytes) with its caption, in HTML."""
    params = {
        "chat_id": chat_id,
        **file,
        "caption": caption,
        "parse_mode": HTML if caption else None,
    }
    result = await _call(
        bot, endpoint, params, rate_limit_args=rate_limit_args, read_timeout=read_timeout
    )
    return _sent(result)


async def send_media_group(
    bot: ExtBot[Any],
    chat_id: int,
    media: list[InputMediaDocument],
    *,
    read_timeout: float | None = DEFAULT_TIMEOUT,
    rate_limit_args: Any = None,
) -> list[Sent]:
    """An album (its captions in the parse mode of the application's defaults: HTML)."""
    result = await _call(
        bot,
        "sendMediaGroup",
        {"chat_id": chat_id, "media": media},
        rate_limit_args=rate_limit_args,
        read_timeout=read_timeout,
    )
    return [_sent(message) for message in result]
