"""The Bot API emulator, exercised with a real python-telegram-bot Bot/Application over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import (
    Bot,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ZERO_DATE
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest
from updates_watch import UpdatesWatch

from emulator import BotApiEmulator, EmuEvent, HtmlParseError, RateLimits, parse_html
from emulator import server as server_module
from emulator.spec import SPEC_PATH, load_spec

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="sop_test_bot") as emulator:
        yield emulator


def make_bot(emu: BotApiEmulator, token: str = TOKEN, read_timeout: float = 5.0) -> Bot:
    return Bot(
        token,
        base_url=emu.base_url + "/bot",
        base_file_url=emu.base_url + "/file/bot",
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
    )


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emu) as b:
        yield b


@contextlib.asynccontextmanager
async def running_app(
    emu: BotApiEmulator, *handlers: Any
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(emu.base_url + "/bot")
        .base_file_url(emu.base_url + "/file/bot")
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=5))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def raw_call(
    emu: BotApiEmulator, method: str, token: str = TOKEN, **data: Any
) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.post(f"{emu.base_url}/bot{token}/{method}", data=data)


# -- basics -------------------------------------------------------------------------------
async def test_spec_is_bundled_with_its_licence() -> None:
    assert SPEC_PATH.is_file()
    assert (SPEC_PATH.parent / "LICENSE.PaulSonOfLars").is_file()
    spec = load_spec()
    assert spec.version.startswith("Bot API 10.0")
    assert spec.method("SENDMESSAGE") is not None


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "sop_test_bot"


async def test_send_and_receive(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice", username="alice")
    await alice.send("/start abc")
    updates = await bot.get_updates()
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert message.text == "/start abc"
    assert message.from_user.username == "alice"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    sent = await bot.send_message(1001, "Halo <b>Alice</b> &amp; tim", parse_mode="HTML")
    assert sent.text == "Halo Alice & tim"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 5, 5)]
    received = await alice.wait_message(timeout=1)
    assert received.text == "Halo Alice & tim"
    assert received.message_id == sent.message_id
    assert [m.text for m in alice.messages] == ["/start abc", "Halo Alice & tim"]
    # confirmed updates are dropped
    assert len(await bot.get_updates(offset=updates[0].update_id + 1)) == 0
    assert emu.pending_updates == []


async def test_a_live_location_and_an_untouched_message_come_as_edits(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """A live location reaches the bot as a message with its Location (live_period), then as
    one edited_message per new position, each with a new edit_date; an edit of a field the
    bot does not use brings the message as it was, with an edit_date. A plain location has
    no live_period and does not move; a location has no text to edit."""
    alice = emu.user(1001, "Alice")
    hello = await alice.send("halo")
    live = await alice.send_location(-6.2, 106.8, live_period=8 * 3600)
    for step in (1, 2):
        emu.advance_clock(60)
        await alice.move_location(live, -6.2 + step / 1000, 106.8)
    await alice.touch(hello)
    point = await alice.send_location(-6.1754, 106.8272)
    updates = await bot.get_updates()
    kinds = ["edit" if u.edited_message else "new" for u in updates]
    assert kinds == ["new", "new", "edit", "edit", "edit", "new"]
    shared = updates[1].message
    assert shared is not None and shared.location is not None
    assert shared.location.latitude == -6.2
    assert seconds(shared.location.live_period or 0) == 8 * 3600
    assert shared.edit_date is None
    moved = [u.edited_message for u in updates[2:4]]
    assert [m.location.latitude for m in moved if m and m.location] == [-6.199, -6.198]
    assert all(m and m.message_id == live.message_id and m.edit_date for m in moved)
    untouched = updates[4].edited_message
    assert untouched is not None and untouched.text == "halo" and untouched.edit_date
    last = updates[5].message
    assert last is not None and last.location is not None and last.location.live_period is None
    with pytest.raises(ValueError, match="only a live location moves"):
        await alice.move_location(point, 0, 0)
    with pytest.raises(ValueError, match="a location has no text"):
        await alice.edit(live, "di kantor")
    emu.advance_clock(8 * 3600)
    with pytest.raises(ValueError, match="the live location has ended"):
        await alice.move_location(live, 0, 0)


async def test_reply_to_and_reply_parameters(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    first = await alice.send("satu")
    sent = await bot.send_message(1001, "balasan", reply_to_message_id=first.message_id)
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "satu"
    await alice.send("dua", reply_to=await alice.wait_message())
    updates = await bot.get_updates()
    last = updates[-1].message
    assert last is not None and last.reply_to_message is not None
    assert last.reply_to_message.message_id == sent.message_id
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(1001, "x", reply_to_message_id=999)


async def test_long_polling_application_replies(emu: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"Kamu menulis: {update.message.text}")

    watch = UpdatesWatch(emu)
    async with running_app(emu, MessageHandler(filters.TEXT, echo)):
        alice = emu.user(1001, "Alice")
        await watch.long_poll_waiting()
        await alice.send("halo")
        reply = await alice.wait_message(lambda m: m.text.startswith("Kamu menulis"), timeout=3)
        assert reply.text == "Kamu menulis: halo"
    # the long poll was answered quickly, not after its 5 s timeout
    polls = [c for c in emu.calls_to("getUpdates") if c.ok and c.response["result"]]
    assert polls and polls[0].finished - polls[0].started < 2


async def test_callback_press_answer_and_edit(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Setujui", callback_data="ok:1"),
                    InlineKeyboardButton("Kembalikan", callback_data="back:1"),
                ]
            ]
        )
        await update.message.reply_text(
            "Dokumen <b>siap</b>", parse_mode="HTML", reply_markup=keyboard
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Disetujui ✓")
        await query.edit_message_text(f"Keputusan: {query.data}")

    events: list[EmuEvent] = []
    emu.on_event(events.append)
    async with running_app(emu, CommandHandler("start", start), CallbackQueryHandler(button)):
        kabag = emu.user(2002, "Kabag")
        await kabag.send("/start")
        msg = await kabag.wait_message(lambda m: "Setujui" in m.button_texts, timeout=3)
        assert msg.buttons == [[("Setujui", "ok:1"), ("Kembalikan", "back:1")]]
        answer = await kabag.press(msg, "Setujui")
        assert answer.text == "Disetujui ✓" and not answer.show_alert
        edited = await kabag.wait_edit(msg, timeout=3)
        assert edited.text == "Keputusan: ok:1"
        assert edited.buttons == []  # an edit without reply_markup removes the keyboard
        assert edited.edit_date is not None
        with pytest.raises(LookupError):
            kabag.press(edited, "Setujui")  # the button is gone
    lines = [event.describe() for event in events]
    assert "Kabag: /start" in lines
    assert "→ Kabag received: Dokumen siap [Setujui] [Kembalikan]" in lines
    assert "Kabag pressed Setujui" in lines
    assert "→ Kabag got answer: Disetujui ✓" in lines


async def test_callback_query_answered_once_and_must_exist(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    msg = await bot.send_message(
        1001,
        "pilih",
        reply_markup=InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a")),
    )
    pressed = alice.press(alice.last_bot_message or pytest.fail("no message"), "A")
    assert msg.message_id == pressed.query.message.message_id
    assert await bot.answer_callback_query(pressed.query_id, text="ok")
    assert (await pressed).text == "ok"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(pressed.query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")
    forged = alice.press_data(msg.message_id, "r:1:2:3:a")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None and query.data == "r:1:2:3:a" and query.id == forged.query_id
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(forged.query_id, text="x" * 201)


async def test_a_button_on_an_old_message_brings_an_inaccessible_message(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """CallbackQuery.message is a MaybeInaccessibleMessage: for a message older than
    ``inaccessible_after`` (48 hours) Telegram sends an InaccessibleMessage, only its chat,
    its id and date 0 (python-telegram-bot 22 reads it as a Message with is_accessible
    False)."""
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a"))
    sent = await bot.send_message(1001, "pilih", reply_markup=markup)
    shown = alice.last_bot_message or pytest.fail("no message")

    async def press() -> tuple[CallbackQuery, dict[str, Any]]:
        pressed = alice.press(shown, "A")
        update = (await bot.get_updates(offset=-1))[-1]
        assert update.callback_query is not None and update.callback_query.id == pressed.query_id
        answered = [c.response for c in emu.calls if c.method == "getUpdates" and c.ok]
        return update.callback_query, answered[-1]["result"][-1]["callback_query"]["message"]

    query, raw = await press()
    assert query.message is not None and query.message.is_accessible and raw["text"] == "pilih"
    # dates are whole seconds: a second may turn between the send and the press, so "just
    # under 48 hours" is a second under, and "past" two seconds past
    emu.advance_clock(48 * 3600 - 1)
    query, raw = await press()
    assert query.message is not None and query.message.is_accessible and raw["text"] == "pilih"
    emu.advance_clock(2)
    query, raw = await press()
    assert raw == {"chat": raw["chat"], "message_id": sent.message_id, "date": 0}
    assert raw["chat"]["id"] == 1001 and raw["chat"]["type"] == "private"
    assert query.message is not None and not query.message.is_accessible
    assert query.message.date == ZERO_DATE and query.message.message_id == sent.message_id
    assert query.data == "a"
    emu.inaccessible_after = None  # the emulator can keep every message accessible
    query, raw = await press()
    assert query.message is not None and query.message.is_accessible and raw["text"] == "pilih"


async def test_document_upload_and_download_roundtrip(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    content = b"PK\x03\x04 not really a docx" * 100
    sent = await bot.send_document(
        1001, content, filename="Lembar Disposisi.docx", caption="Draf 1"
    )
    assert sent.document is not None and sent.caption == "Draf 1"
    assert sent.document.file_name == "Lembar Disposisi.docx"
    assert sent.document.mime_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert sent.document.file_size == len(content)
    telegram_file = await bot.get_file(sent.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == content
    assert emu.file_bytes(sent.document.file_id) == content
    received = await alice.wait_message()
    assert received.document is not None and received.file_bytes() == content
    # resend by file_id, and the same bytes keep their file_unique_id
    again = await bot.send_document(1001, sent.document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == sent.document.file_unique_id
    # a user's upload can be fetched by the bot
    user_msg = await alice.send_document(b"user bytes", file_name="draf.pdf", caption="dari tim")
    updates = await bot.get_updates()
    document = updates[-1].message.document if updates[-1].message else None
    assert document is not None and document.file_name == "draf.pdf"
    assert document.mime_type == "application/pdf"
    user_file = await bot.get_file(document.file_id)
    assert bytes(await user_file.download_as_bytearray()) == b"user bytes"
    assert user_msg.caption == "dari tim"


async def test_file_limits(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    emu.max_download_size = 10
    sent = await bot.send_document(1001, b"x" * 11, filename="a.txt")
    assert sent.document is not None
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(sent.document.file_id)
    emu.max_upload_size = 5
    with pytest.raises(NetworkError, match="Request Entity Too Large"):
        await bot.send_document(1001, b"123456", filename="b.txt")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(1001, "no-such-file-id")


async def test_local_mode_has_no_download_limit_and_answers_a_path_on_its_disk(
    emu: BotApiEmulator, bot: Bot, tmp_path: Path
) -> None:
    """As telegram-bot-api run with --local: getFile saves the file in the server's working
    directory and answers its absolute path, whatever its size; no file is served by HTTP."""
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    emu.max_download_size = 10
    sent = await alice.send_document(b"x" * 11, file_name="a.txt")
    assert sent.document is not None
    emu.local_mode_dir = tmp_path
    got = await bot.get_file(str(sent.document["file_id"]))
    assert got.file_path is not None and got.file_path.startswith(str(tmp_path / TOKEN))
    assert bytes(await got.download_as_bytearray()) == b"x" * 11  # PTB reads it from disk
    relative = got.file_path.removeprefix(str(tmp_path / TOKEN) + "/")
    async with httpx.AsyncClient(trust_env=False) as client:
        served = await client.get(f"{emu.base_url}/file/bot{TOKEN}/{relative}")
    assert served.status_code == 404


# -- Telegram's errors --------------------------------------------------------------------
async def test_callback_data_limit(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, "Alice")
    await emu.user(1001).send("/start")
    ok = InlineKeyboardMarkup.from_button(InlineKeyboardButton("ok", callback_data="x" * 64))
    await bot.send_message(1001, "64 bytes", reply_markup=ok)
    too_long = InlineKeyboardMarkup.from_button(InlineKeyboardButton("no", callback_data="é" * 33))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(1001, "66 bytes", reply_markup=too_long)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            1001,
            "65 bytes",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("no", callback_data="x" * 65)
            ),
        )


async def test_inline_keyboard_shape(emu: BotApiEmulator) -> None:
    await emu.user(1001, "Alice").send("/start")
    plain_button = json.dumps({"inline_keyboard": [[{"text": "tanpa aksi"}]]})
    response = await raw_call(
        emu, "sendMessage", chat_id="1001", text="x", reply_markup=plain_button
    )
    assert response.status_code == 400
    assert "Text buttons are unallowed" in response.json()["description"]
    two_actions = json.dumps(
        {"inline_keyboard": [[{"text": "a", "callback_data": "a", "url": "https://x.org"}]]}
    )
    response = await raw_call(
        emu, "sendMessage", chat_id="1001", text="x", reply_markup=two_actions
    )
    assert response.status_code == 400 and "exactly one" in response.json()["description"]
    not_rows = json.dumps({"inline_keyboard": [{"text": "a", "callback_data": "a"}]})
    response = await raw_call(emu, "sendMessage", chat_id="1001", text="x", reply_markup=not_rows)
    assert response.status_code == 400


async def test_text_limits(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(1001, "Alice").send("/start")
    await bot.send_message(1001, "a" * 4096)
    await bot.send_message(1001, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # after parsing
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1001, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1001, "")
    with pytest.raises(BadRequest, match=r"(?i)message must be non-empty"):
        await bot.send_message(1001, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(1001, b"x", filename="x.txt", caption="c" * 1025)


async def test_malformed_html(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(1001, "Alice").send("/start")
    for bad in ("<b>tebal", "a < b", "<blink>x</blink>", "<b><i>x</b></i>", "Tom &copy; Jerry"):
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(1001, bad, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)not supported by the emulator"):
        await bot.send_message(1001, "*x*", parse_mode="MarkdownV2")


async def test_edit_errors(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a"))
    sent = await bot.send_message(1001, "teks", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("teks", 1001, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("teks", 1001, sent.message_id)  # drops the keyboard
    assert not isinstance(edited, bool) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(1001, sent.message_id)
    await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("baru", 1001, 999)
    user_message = alice.messages[0]
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("baru", 1001, user_message.message_id)
    assert await bot.delete_message(1001, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(1001, sent.message_id)
    assert all(m.message_id != sent.message_id for m in alice.messages)


async def test_a_message_older_than_48_hours_cannot_be_deleted(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """deleteMessage: "A message can only be deleted if it was sent less than 48 hours ago";
    deleteMessages skips such a message (as one it can't delete) and answers True."""
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    old = await bot.send_message(1001, "lama")
    emu.advance_clock(47 * 3600)
    fresh = await bot.send_message(1001, "baru")
    emu.advance_clock(3600)  # "lama" is 48 hours old now, "baru" one hour
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted for everyone"):
        await bot.delete_message(1001, old.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted for everyone"):
        await bot.delete_message(1001, alice.messages[0].message_id)  # her /start, as old
    assert await bot.delete_messages(1001, [old.message_id, fresh.message_id])
    kept = [m.message_id for m in alice.messages]
    assert old.message_id in kept and fresh.message_id not in kept


async def test_user_must_have_started(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation"):
        await bot.send_message(1001, "halo")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "halo")
    await alice.send("/start")
    await bot.send_message(1001, "halo")
    alice.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "halo lagi")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(1001, "typing")
    updates = await bot.get_updates()
    member_update = updates[-1].my_chat_member
    assert member_update is not None and member_update.new_chat_member.status == "kicked"
    alice.unblock()
    await bot.send_message(1001, "kembali")


async def test_group_privacy_mode(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(-100123, "Biro Perencanaan")
    alice = emu.user(1001, "Alice")
    await alice.send("obrolan biasa", chat=group)
    await alice.send("/tugas", chat=group)
    await alice.send("/tugas@other_bot", chat=group)
    await alice.send("/status@sop_test_bot", chat=group)
    updates = await bot.get_updates()
    texts = [u.message.text for u in updates if u.message]
    assert texts == ["/tugas", "/status@sop_test_bot"]
    assert updates[0].message is not None and updates[0].message.chat.type == "supergroup"
    sent = await bot.send_message(-100123, "Tugas kamu: 3")
    assert sent.chat.title == "Biro Perencanaan"
    assert [m.text for m in group.messages][-1] == "Tugas kamu: 3"
    # the group message does not start the private chat
    with pytest.raises(Forbidden):
        await bot.send_message(1001, "pribadi")


async def test_an_anonymous_administrator_writes_in_the_groups_name(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """A group administrator who remains anonymous writes on behalf of the group. Bot API
    10.0's Message: sender_chat is "the supergroup itself for messages sent by its anonymous
    administrators", from "a fake sender user" (GroupAnonymousBot), author_signature "the
    custom title of an anonymous group administrator". Privacy mode applies as to anyone
    (chatter unseen, a command seen); in a forum topic the message carries the topic, and
    the bot's reply to it shows in the group as a reply, in that topic."""
    group = emu.group(-100123, "Forum Biro", forum=True)
    topic = group.open_topic("Perencanaan")
    await group.send_anonymously("obrolan biasa")
    asked = await group.send_anonymously("/tugas", topic=topic, signature="Kepala Bagian Umum")
    (update,) = await bot.get_updates()
    message = update.message
    assert message is not None and message.text == "/tugas"
    assert message.sender_chat is not None and message.sender_chat.id == group.id
    assert message.sender_chat.type == "supergroup"
    sender = message.from_user
    assert sender is not None and (sender.id, sender.is_bot) == (1087968824, True)
    assert (sender.first_name, sender.username) == ("Group", "GroupAnonymousBot")
    assert message.author_signature == "Kepala Bagian Umum"
    assert message.message_thread_id == topic and message.is_topic_message
    assert not asked.from_bot and asked.sender_id == 1087968824
    sent = await bot.send_message(group.id, "balasan", reply_to_message_id=asked.message_id)
    assert sent.message_thread_id == topic
    assert sent.reply_to_message is not None and sent.reply_to_message.sender_chat is not None
    shown = group.messages[-1]
    assert shown.from_bot and shown.reply_to is not None and shown.reply_to.record is asked.record


async def test_commands(emu: BotApiEmulator, bot: Bot) -> None:
    assert await bot.set_my_commands([("tugas", "Daftar tugas"), ("status", "Status kasus")])
    assert [c.command for c in await bot.get_my_commands()] == ["tugas", "status"]
    assert emu.commands()[0] == {"command": "tugas", "description": "Daftar tugas"}
    with pytest.raises(BadRequest):
        await bot.set_my_commands([("Tugas!", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_a_command_or_webhook_secret_ending_in_a_line_break_is_refused(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """As Telegram refuses them (a command of a-z, 0-9 and _; a secret of A-Z, a-z, 0-9, _
    and -): the emulator took both, its patterns' "$" matching before the line break."""
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("tugas\n", "Daftar tugas")])
    emu.allow_insecure_webhook = True
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret_token\n")


async def test_the_menu_a_user_sees_follows_telegrams_order_of_scopes(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """Telegram shows the first scope with commands: in a private chat the chat's own, all
    private chats', the default; in a group the member's, the chat's, all groups', the
    default (the administrators' scopes only for its administrators); each first in the
    user's language."""
    alice, bob = emu.user(1001, "Alice"), emu.user(1002, "Bob")
    group = emu.group(-100123, "Biro Perencanaan")
    await alice.send("/start")
    await bob.send("/start")

    def menu(chat: int, user: int, language: str = "", admin: bool = False) -> list[str]:
        return [c["command"] for c in emu.menu(chat, user, language, administrator=admin)]

    await bot.set_my_commands([("bantuan", "Petunjuk")])
    assert menu(1001, 1001) == menu(group.id, 1001) == ["bantuan"]
    await bot.set_my_commands([("tugas", "Tugas")], scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands([("undang", "Undang")], scope=BotCommandScopeChat(1001))
    await bot.set_my_commands([("tugas", "Tugas"), ("cari", "Cari")], language_code="id")
    assert (menu(1001, 1001), menu(1002, 1002)) == (["undang"], ["tugas"])
    assert menu(group.id, 1001) == ["bantuan"] and menu(group.id, 1001, "id") == ["tugas", "cari"]
    await bot.set_my_commands([("laporan", "Lap")], scope=BotCommandScopeAllChatAdministrators())
    await bot.set_my_commands([("saya", "Saya")], scope=BotCommandScopeAllGroupChats())
    assert menu(group.id, 1001) == ["saya"] and menu(group.id, 1001, admin=True) == ["laporan"]
    await bot.set_my_commands([("status", "St")], scope=BotCommandScopeChat(group.id))
    await bot.set_my_commands([("peran", "P")], scope=BotCommandScopeChatMember(group.id, 1002))
    assert (menu(group.id, 1001, admin=True), menu(group.id, 1002)) == (["status"], ["peran"])
    # a chat's own list deleted, the next scope's shows again
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert menu(1001, 1001) == ["tugas"]


# -- protocol-level behaviour -------------------------------------------------------------
async def test_unknown_method_is_404(emu: BotApiEmulator, bot: Bot) -> None:
    response = await raw_call(emu, "sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises((EndPointNotFound, InvalidToken)):
        await bot.do_api_request("send_telepathy")
    # a method of the spec that is not emulated says so
    response = await raw_call(emu, "sendPoll", chat_id="1", question="q", options='[{"text":"a"}]')
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: method not supported by the emulator"


async def test_wrong_token_is_401(emu: BotApiEmulator) -> None:
    response = await raw_call(emu, "getMe", token="123456:WRONG")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        async with make_bot(emu, token="123456:WRONG"):
            pass


async def test_parameter_validation(emu: BotApiEmulator) -> None:
    await emu.user(1001, "Alice").send("/start")
    response = await raw_call(emu, "sendMessage", chat_id="1001", text="x", colour="red")
    assert response.json()["description"] == "Bad Request: unknown parameter colour"
    response = await raw_call(emu, "sendMessage", chat_id="1001")
    assert response.json()["description"] == "Bad Request: message text is empty"
    response = await raw_call(
        emu, "sendMessage", chat_id="1001", text="x", disable_notification="maybe"
    )
    assert response.status_code == 400 and "Boolean" in response.json()["description"]
    response = await raw_call(emu, "getUpdates", limit="ten")
    assert response.status_code == 400 and "Integer" in response.json()["description"]
    response = await raw_call(emu, "sendMessage", chat_id="1001", text="x", reply_markup="{oops")
    assert response.status_code == 400
    async with httpx.AsyncClient(trust_env=False) as client:  # JSON body and case-insensitive names
        response = await client.post(
            f"{emu.base_url}/bot{TOKEN}/SENDMESSAGE", json={"chat_id": 1001, "text": "json"}
        )
        assert response.json()["result"]["text"] == "json"
        response = await client.get(f"{emu.base_url}/bot{TOKEN}/getMe?")
        assert response.json()["ok"] is True
    logged = emu.calls_to("sendMessage")[-1]
    assert logged.params == {"chat_id": 1001, "text": "json"} and logged.status == 200


async def test_get_updates_semantics(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    watch = UpdatesWatch(emu)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == ()  # Integer seconds: the shortest long poll
    assert loop.time() - started >= 0.9
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await watch.long_poll_waiting()
    await alice.send("satu")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["satu"]
    await alice.send("dua")
    await alice.send("tiga")
    assert len(await bot.get_updates(limit=1)) == 1
    assert [u.message.text for u in await bot.get_updates(offset=-1) if u.message] == ["tiga"]
    assert len(emu.pending_updates) == 1
    # a second long poll ends the first with 409
    first = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 100, timeout=5))
    await watch.long_poll_waiting()
    second = await raw_call(emu, "getUpdates", timeout="0")  # PTB's pool has one connection
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert second.json()["ok"] is True
    await alice.send("filtered")
    await bot.get_updates(allowed_updates=["callback_query"], offset=-1)
    await alice.send("not delivered")
    assert all("not delivered" not in json.dumps(u) for u in emu.pending_updates)


async def test_webhook(emu: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    arrived = asyncio.Event()
    failures = {"left": 1}

    class Hook(tornado.web.RequestHandler):
        def post(self) -> None:
            if failures["left"]:
                failures["left"] -= 1
                self.set_status(500)
                return
            received.append(
                (
                    json.loads(self.request.body),
                    self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                )
            )
            arrived.set()

    (listening,) = tornado.netutil.bind_sockets(0, address="127.0.0.1")
    server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/hook", Hook)]))
    server.add_sockets([listening])
    port = listening.getsockname()[1]
    try:
        with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
            await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
        emu.allow_insecure_webhook = True
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret_token")
        with pytest.raises(Conflict):
            await bot.get_updates()
        await emu.user(1001, "Alice").send("via webhook")
        await asyncio.wait_for(arrived.wait(), 3)
        update, secret = received[0]
        assert update["message"]["text"] == "via webhook" and secret == "s3cret_token"
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        server.stop()


async def test_an_exception_that_escapes_a_handler_is_logged_without_the_token(
    emu: BotApiEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Tornado logs an exception that escapes a request handler with the request's repr,
    whose URI carries the bot token; the emulator's log names the request without it."""

    async def broken(self: Any, token: str, method: str) -> None:
        raise RuntimeError("an emulator bug")

    monkeypatch.setattr(server_module._BotApiHandler, "serve", broken)
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.post(f"{emu.base_url}/bot{TOKEN}/getMe")
    assert answer.status_code == 500
    (logged,) = [r for r in caplog.records if r.getMessage().startswith("Uncaught exception")]
    assert "POST /bot<token>/getMe" in logged.getMessage()
    assert TOKEN not in caplog.text


async def test_topics_of_a_private_chat_as_bot_api_10_describes_them(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """message_thread_id is "for forum supergroups and private chats of bots with forum
    topic mode enabled only": refused without the mode, or for a topic the chat lacks. With
    it, a user's message in a topic carries message_thread_id and is_topic_message, the bot
    may send there, a reply stays in its message's topic, and a message sent without either
    goes to General."""
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    assert not (await bot.get_me()).has_topics_enabled
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(1001, "x", message_thread_id=5)
    with pytest.raises(ValueError, match="topic mode"):
        alice.open_topic("Cuti")
    emu.topics_in_private_chats = True
    me = await bot.get_me()
    assert me.has_topics_enabled and me.allows_users_to_create_topics
    topic = alice.open_topic("Cuti")
    asked = await alice.send("/saya", topic=topic)
    (update,) = (await bot.get_updates())[-1:]
    assert update.message is not None and update.message.is_topic_message
    assert update.message.message_thread_id == topic
    there = await bot.send_message(1001, "di topik", message_thread_id=topic)
    assert there.is_topic_message and there.message_thread_id == topic
    replied = await bot.send_message(1001, "balasan", reply_to_message_id=asked.message_id)
    assert replied.message_thread_id == topic
    general = await bot.send_message(1001, "umum")
    assert general.message_thread_id is None and not general.is_topic_message
    assert [m.topic for m in alice.bot_messages[-3:]] == [topic, topic, None]
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(1001, "x", message_thread_id=topic + 100)


# -- reliability tooling ------------------------------------------------------------------
_RETRY_AFTER_WARNING = "ignore:.*retry_after.*:DeprecationWarning"


@pytest.mark.filterwarnings(_RETRY_AFTER_WARNING)
async def test_injected_429_raises_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(1001, "Alice").send("/start")
    emu.faults.fail(status=429, retry_after=7, method="sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "x")
    assert seconds(caught.value.retry_after) == 7
    assert emu.calls[-1].status == 429 and emu.calls[-1].fault == "status 429"
    await bot.send_message(1001, "now it works")


async def test_injected_server_errors_hangs_and_drops(emu: BotApiEmulator) -> None:
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    async with make_bot(emu, read_timeout=0.3) as bot:
        emu.faults.fail(2, status=500, method="sendMessage")
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await bot.send_message(1001, "x")
        emu.faults.fail(status=502, body="<html>502 Bad Gateway</html>")
        with pytest.raises(NetworkError):
            await bot.get_me()
        # the message is sent but the answer never arrives in time: a duplicate risk
        emu.faults.hang(seconds=2, method="sendMessage", execute="before")
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "dikirim tapi jawaban hilang")
        assert alice.last_bot_message is not None
        assert alice.last_bot_message.text == "dikirim tapi jawaban hilang"
        emu.faults.drop(method="sendMessage")
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "tidak pernah sampai")
        assert alice.last_bot_message.text == "dikirim tapi jawaban hilang"
        await bot.send_message(1001, "pulih")


async def test_outages(emu: BotApiEmulator, bot: Bot) -> None:
    port = emu.port
    await emu.start_outage("502")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    await emu.end_outage()
    assert (await bot.get_me()).username == "sop_test_bot"
    await emu.start_outage("refused")
    with pytest.raises(NetworkError):
        await bot.get_me()
    await emu.end_outage()
    assert emu.port == port
    assert (await bot.get_me()).username == "sop_test_bot"


async def test_polling_application_survives_refused_outage(emu: BotApiEmulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"ok {update.message.text}")

    async with running_app(emu, MessageHandler(filters.TEXT, echo)):
        alice = emu.user(1001, "Alice")
        await alice.send("sebelum")
        await alice.wait_message(lambda m: m.text == "ok sebelum", timeout=3)
        await emu.start_outage("refused", seconds=0.2)
        await alice.send("selama")  # queued while the bot cannot reach Telegram
        await emu.wait_until(lambda: emu.outage is None, timeout=3)
        # PTB waits 1 s after a network error before polling again
        await alice.wait_message(lambda m: m.text == "ok selama", timeout=4)


@pytest.mark.filterwarnings(_RETRY_AFTER_WARNING)
async def test_rate_limits(emu: BotApiEmulator, bot: Bot) -> None:
    clock = {"now": 0.0}
    emu.rate_limits = RateLimits(clock=lambda: clock["now"])
    await emu.user(1001, "Alice").send("/start")
    for _ in range(3):  # the burst
        await bot.send_message(1001, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "x")
    clock["now"] += 1.0
    await bot.send_message(1001, "x")
    emu.rate_limits = None
    for _ in range(5):
        await bot.send_message(1001, "x")


async def test_wait_message_timeout_explains(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    await alice.send("/start")
    await bot.send_message(1001, "Selamat datang")
    with pytest.raises(TimeoutError) as caught:
        await alice.wait_message(lambda m: "Setujui" in m.text, timeout=0.05)
    report = str(caught.value)
    assert "Selamat datang" in report and "/start" in report
    await raw_call(emu, "sendMessage", chat_id="1001", text="<b>", parse_mode="HTML")
    with pytest.raises(TimeoutError, match="can't parse entities"):
        await alice.wait_message(lambda m: "Setujui" in m.text, timeout=0.05)


async def test_control_api(emu: BotApiEmulator, bot: Bot) -> None:
    async with httpx.AsyncClient(base_url=emu.base_url + "/_emu", trust_env=False) as client:
        created = (await client.post("/users", json={"id": 3003, "first_name": "Karo"})).json()
        assert created["result"]["first_name"] == "Karo"
        sent = (await client.post("/send", json={"user_id": 3003, "text": "/start"})).json()
        assert sent["result"]["text"] == "/start"
        await bot.send_message(
            3003,
            "Halo Karo",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("OK", callback_data="ok")
            ),
        )
        listed = (await client.get("/messages", params={"chat_id": 3003})).json()["result"]
        assert [m["text"] for m in listed] == ["/start", "Halo Karo"]
        waited = (
            await client.post("/wait_message", json={"user_id": 3003, "contains": "Halo"})
        ).json()
        assert waited["result"]["message_id"] == listed[1]["message_id"]
        press = (
            await client.post(
                "/press",
                json={
                    "user_id": 3003,
                    "message_id": listed[1]["message_id"],
                    "button": "OK",
                    "wait": False,
                },
            )
        ).json()["result"]
        updates = await bot.get_updates()
        assert updates[-1].callback_query is not None
        assert updates[-1].callback_query.id == press["query_id"]
        missing = await client.post("/send", json={"user_id": 9, "text": "x"})
        assert missing.status_code == 404


# -- HTML parser units --------------------------------------------------------------------
def test_html_entities_and_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>tebal <i>miring</i></b> &lt;x&gt; &#65;&#x42;")
    assert text == "😀 tebal miring <x> AB"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 12},
        {"type": "italic", "offset": 9, "length": 6},
    ]


def test_html_links_code_blockquote() -> None:
    html = (
        '<a href="https://example.org">situs</a> <pre><code class="language-python">x=1</code></pre>'
        " <code>kode</code> <blockquote expandable>kutip</blockquote> <tg-spoiler>s</tg-spoiler>"
        ' <span class="tg-spoiler">t</span> <a href="tg://user?id=5">u</a>'
    )
    text, entities = parse_html(
        html, lookup_user=lambda uid: {"id": uid, "is_bot": False, "first_name": "U"}
    )
    assert text == "situs x=1 kode kutip s t u"
    kinds = [(e["type"], e.get("url") or e.get("language")) for e in entities]
    assert kinds == [
        ("text_link", "https://example.org/"),
        ("pre", "python"),
        ("code", None),
        ("expandable_blockquote", None),
        ("spoiler", None),
        ("spoiler", None),
        ("text_mention", None),
    ]


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é<b", "Unclosed start tag at byte offset 2"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
        ("Tom & Jerry", 'Unsupported HTML entity "&" at byte offset 4'),
    ],
)
def test_html_errors(html: str, message: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(html)
    assert str(caught.value).startswith(message)


def test_html_lenient_ampersand_like_telegram() -> None:
    assert parse_html("Tom & Jerry &copy;", strict_ampersand=False) == ("Tom & Jerry &copy;", [])
