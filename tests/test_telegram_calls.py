"""The bot's calls that keep only a message's id (``bot.telegram_calls``): what reaches the chat
is what PTB's typed methods send, HTML and buttons included, through a real ``ExtBot`` over
HTTP to the Bot API emulator."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMediaDocument
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken
from telegram.ext import Defaults, ExtBot
from telegram.warnings import PTBUserWarning

from bot import telegram_calls as calls
from emulator import BotApiEmulator

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="sop_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[ExtBot[Any]]:
    async with ExtBot(
        TOKEN,
        base_url=emu.base_url + "/bot",
        base_file_url=emu.base_url + "/file/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML),
    ) as b:
        yield b


def buttons(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=x)] for x in labels])


async def test_a_task_sent_and_edited_reaches_the_chat_in_html_with_its_buttons(
    emu: BotApiEmulator, bot: ExtBot[Any]
) -> None:
    kasubag = emu.user(1001, "Kasubag")
    await kasubag.send("/start")
    sent = await calls.send_message(
        bot, 1001, "Berkas <b>#7</b>: mohon diperiksa", reply_markup=buttons("Setujui")
    )
    shown = emu.message(1001, sent.message_id)
    assert sent.chat_id == 1001 and shown.from_bot
    assert shown.text == "Berkas #7: mohon diperiksa"
    assert [(e["type"], e["offset"], e["length"]) for e in shown.entities] == [("bold", 7, 2)]
    assert shown.button_texts == ["Setujui"]

    await calls.edit_message_text(bot, 1001, sent.message_id, "Berkas <i>#7</i>: disetujui")
    edited = emu.message(1001, sent.message_id)
    assert edited.text == "Berkas #7: disetujui"
    assert [e["type"] for e in edited.entities] == ["italic"]
    assert edited.button_texts == []  # an edit without buttons takes them away, as PTB's does


async def test_buttons_removed_and_a_refused_edit_raises_ptbs_error(
    emu: BotApiEmulator, bot: ExtBot[Any]
) -> None:
    await emu.user(1002, "Kabag").send("/start")
    sent = await calls.send_message(bot, 1002, "Tugas", reply_markup=buttons("A", "B"))
    await calls.edit_message_reply_markup(bot, 1002, sent.message_id)
    assert emu.message(1002, sent.message_id).button_texts == []
    with pytest.raises(BadRequest, match="not found"):
        await calls.edit_message_text(bot, 1002, sent.message_id + 50, "Tugas")


async def test_an_album_keeps_each_documents_file_id_and_its_html_caption(
    emu: BotApiEmulator, bot: ExtBot[Any]
) -> None:
    await emu.user(1003, "Karo").send("/start")
    media = [
        InputMediaDocument(InputFile(b"draf satu", filename="draf-1.docx", attach=True)),
        InputMediaDocument(
            InputFile(b"draf dua", filename="draf-2.docx", attach=True),
            caption="Draf <b>RKAKL</b>",
        ),
    ]
    album = await calls.send_media_group(bot, 1003, media)
    assert [emu.message(1003, s.message_id).document["file_name"] for s in album] == [  # type: ignore[index]
        "draf-1.docx",
        "draf-2.docx",
    ]
    assert [emu.file_bytes(s.document_file_id or "") for s in album] == [b"draf satu", b"draf dua"]
    last = emu.message(1003, album[-1].message_id)
    assert last.caption == "Draf RKAKL" and [e["type"] for e in last.entities] == ["bold"]

    again = await calls.send_document(
        bot, 1003, album[0].document_file_id or "", caption="<b>Salinan</b>"
    )
    assert again.document_file_id == album[0].document_file_id
    assert emu.message(1003, again.message_id).caption == "Salinan"


async def test_the_calls_raise_no_warning_of_ptb_about_its_typed_methods(
    emu: BotApiEmulator, bot: ExtBot[Any]
) -> None:
    await emu.user(1004, "Fungsional Umum").send("/start")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calls.silence_typed_method_warning()  # as the module's import did, before the test
        await calls.send_message(bot, 1004, "Arsip")
        await bot.do_api_request("sendMessage", {"chat_id": 1004, "text": "elsewhere"})
    ptb = [str(w.message) for w in caught if issubclass(w.category, PTBUserWarning)]
    # the filter is the module's own: the same call made elsewhere is still warned about
    assert ptb == [
        "Please use 'Bot.sendMessage' instead of 'Bot.do_api_request(\"sendMessage\", ...)'"
    ]


async def test_a_refused_token_is_raised_as_ptbs_typed_methods_raise_it(
    emu: BotApiEmulator, bot: ExtBot[Any]
) -> None:
    """The outbox keeps its rows while the token is refused (a revoked token): it must see
    PTB's InvalidToken, not the unknown endpoint ``do_api_request`` reads a 401 as."""
    await emu.user(1005, "Kasubag").send("/start")
    sent = await calls.send_message(bot, 1005, "Tugas", reply_markup=buttons("A"))
    emu.faults.fail(1, status=401, method="editMessageReplyMarkup")
    with pytest.raises(InvalidToken):
        await calls.edit_message_reply_markup(bot, 1005, sent.message_id)
    emu.faults.fail(1, status=404, method="sendMessage", description="Not Found")
    with pytest.raises(InvalidToken):
        await calls.send_message(bot, 1005, "Tugas")
