"""A minimal stock python-telegram-bot echo bot: the baseline of bench/bench_updates.py.

Defaults throughout, nothing tuned (as PTB's own examples, with PTB's default request,
``HTTPXRequest``): a text is answered with sendMessage, a button press with
answerCallbackQuery + editMessageText, and a document is echoed back by its file id
(sendDocument): one Bot API call per message, two per press.

    python bench/echo_bot.py --base-url http://127.0.0.1:PORT --token 123:ABC
"""

from __future__ import annotations

import argparse
import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


async def echo_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    await update.message.reply_document(update.message.document.file_id)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(text=f"Selected option: {query.data}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    # as in PTB's examples: INFO, but not every request of httpx
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = (
        Application.builder()
        .token(args.token)
        .base_url(args.base_url + "/bot")
        .base_file_url(args.base_url + "/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(MessageHandler(filters.Document.ALL, echo_document))
    application.add_handler(CallbackQueryHandler(button))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
