"""Photos, albums and media edits in the Bot API emulator, through a real PTB ``Bot`` over HTTP."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReplyParameters,
)
from telegram.error import BadRequest, RetryAfter
from telegram.request import HTTPXRequest

from emulator import BotApiEmulator, RateLimits
from emulator.images import image_info

TOKEN = "123456:TEST-TOKEN"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_RETRY_AFTER_WARNING = "ignore:.*retry_after.*:DeprecationWarning"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="sop_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=5.0, connect_timeout=2.0)
    async with Bot(
        TOKEN,
        base_url=emu.base_url + "/bot",
        base_file_url=emu.base_url + "/file/bot",
        request=request,
    ) as b:
        yield b


async def started_user(emu: BotApiEmulator, user_id: int = 1001) -> Any:
    user = emu.user(user_id, f"User {user_id}")
    await user.send("/start")
    return user


def png(width: int, height: int) -> bytes:
    """A real (decodable) RGB PNG of the given size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80\x20\x10" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """A JPEG's markers up to its frame header (enough for the size, as a header reader sees)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00" * 3
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def documents(count: int) -> list[InputMediaDocument]:
    return [
        InputMediaDocument(f"isi draf {i}".encode(), filename=f"draf-{i}.pdf")
        for i in range(1, count + 1)
    ]


async def refused(emu: BotApiEmulator, call: Awaitable[Any]) -> str:
    """Telegram's exact error text for a call PTB raises BadRequest for (PTB rewords it)."""
    with pytest.raises(BadRequest):
        await call
    return str(emu.calls[-1].description)


async def multipart(
    emu: BotApiEmulator, method: str, data: dict[str, str], files: dict[str, tuple[str, bytes]]
) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.post(f"{emu.base_url}/bot{TOKEN}/{method}", data=data, files=files)


# -- sendMediaGroup -----------------------------------------------------------------------
async def test_album_of_three_documents_arrives_in_order(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    question = await alice.send("kirim drafnya")
    items = documents(3)
    items[0] = InputMediaDocument(
        b"isi draf 1", filename="draf-1.pdf", caption="Draf <b>pertama</b>", parse_mode="HTML"
    )
    sent = await bot.send_media_group(
        1001,
        items,
        protect_content=True,
        disable_notification=True,
        reply_parameters=ReplyParameters(question.message_id),
    )
    assert len(sent) == 3
    group_ids = {m.media_group_id for m in sent}
    assert len(group_ids) == 1 and None not in group_ids
    ids = [m.message_id for m in sent]
    assert ids == sorted(ids) and ids[2] - ids[0] == 2
    assert [m.document.file_name for m in sent if m.document] == [
        "draf-1.pdf",
        "draf-2.pdf",
        "draf-3.pdf",
    ]
    assert sent[0].caption == "Draf pertama"
    assert [(e.type, e.offset, e.length) for e in sent[0].caption_entities] == [("bold", 5, 7)]
    assert sent[1].caption is None
    assert all(m.has_protected_content for m in sent)
    assert all(
        m.reply_to_message is not None and m.reply_to_message.message_id == question.message_id
        for m in sent
    )

    album = await alice.wait_album(timeout=2)
    assert [m.message_id for m in album] == ids
    assert {m.media_group_id for m in album} == group_ids
    assert [m.file_bytes() for m in album] == [b"isi draf 1", b"isi draf 2", b"isi draf 3"]
    assert all(m.protected and m.silent for m in album)
    assert alice.received_count() == 3 and alice.deliveries.albums == 1
    assert alice.edits_seen() == 0
    with pytest.raises(TimeoutError):  # the album was handed out whole
        await alice.wait_message(lambda m: m.document is not None, timeout=0.05)
    logged = emu.calls_to("sendMediaGroup")[-1]  # the attached parts are logged by name
    parts = [v for v in logged.params.values() if isinstance(v, dict) and "file_name" in v]
    assert logged.ok and sorted(p["file_name"] for p in parts) == [
        "draf-1.pdf",
        "draf-2.pdf",
        "draf-3.pdf",
    ]


async def test_album_resent_by_file_id_is_a_new_album(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    first = await bot.send_media_group(1001, documents(2))
    file_ids = [m.document.file_id for m in first if m.document]
    again = await bot.send_media_group(1001, [InputMediaDocument(f) for f in file_ids])
    assert again[0].media_group_id != first[0].media_group_id
    assert [m.document.file_unique_id for m in again if m.document] == [
        m.document.file_unique_id for m in first if m.document
    ]
    albums = [await alice.wait_album(timeout=1), await alice.wait_album(timeout=1)]
    assert [len(a) for a in albums] == [2, 2]
    assert alice.received_count() == 4 and alice.deliveries.albums == 2


async def test_album_sizes(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    with pytest.raises(BadRequest, match="2-10 items") as single:
        await bot.send_media_group(1001, documents(1))
    assert "stricter" in single.value.message
    assert (
        await refused(emu, bot.send_media_group(1001, documents(11)))
        == "Bad Request: too many messages to send as an album"
    )
    response = await multipart(emu, "sendMediaGroup", {"chat_id": "1001", "media": "[]"}, {})
    assert response.json()["description"] == "Bad Request: there are no messages to send"
    response = await multipart(emu, "sendMediaGroup", {"chat_id": "1001"}, {})
    assert response.json()["description"] == 'Bad Request: parameter "media" is required'
    assert alice.received_count() == 0  # a refused album sends nothing
    ten = await bot.send_media_group(1001, documents(10))
    assert len(ten) == 10 and alice.received_count() == 10
    # Telegram itself sends a one-item "album" as a plain message
    emu.strict_albums = False
    (single_message,) = await bot.send_media_group(1001, documents(1))
    assert single_message.media_group_id is None and single_message.document is not None


async def test_documents_and_audio_only_group_with_their_own_kind(
    emu: BotApiEmulator, bot: Bot
) -> None:
    alice = await started_user(emu)
    photo = InputMediaPhoto(png(4, 3), filename="a.png")
    assert (
        await refused(emu, bot.send_media_group(1001, [photo, *documents(1)]))
        == "Bad Request: document can't be mixed with other media types"
    )
    audio = InputMediaAudio(b"ID3 not really mp3", filename="lagu.mp3", title="Mars")
    assert (
        await refused(emu, bot.send_media_group(1001, [audio, InputMediaPhoto(png(4, 3))]))
        == "Bad Request: audio can't be mixed with other media types"
    )
    assert alice.received_count() == 0
    video = InputMediaVideo(b"\x00\x00\x00\x18ftypmp42", filename="v.mp4", width=640, height=360)
    mixed = await bot.send_media_group(1001, [InputMediaPhoto(png(4, 3)), video])
    assert mixed[0].photo and mixed[1].video is not None
    assert (mixed[1].video.width, mixed[1].video.height) == (640, 360)
    tracks = await bot.send_media_group(1001, [audio, audio])
    assert all(m.audio is not None and m.audio.title == "Mars" for m in tracks)
    assert alice.received_count() == 4


async def test_album_caption_limit_after_parsing(emu: BotApiEmulator, bot: Bot) -> None:
    await started_user(emu)
    items = documents(2)
    items[1] = InputMediaDocument(b"x", filename="x.txt", caption="c" * 1025)
    assert (
        await refused(emu, bot.send_media_group(1001, items))
        == "Bad Request: message caption is too long"
    )
    items[1] = InputMediaDocument(
        b"x", filename="x.txt", caption="<b>" + "c" * 1024 + "</b>", parse_mode="HTML"
    )
    sent = await bot.send_media_group(1001, items)
    assert sent[1].caption == "c" * 1024


async def test_album_items_the_server_cannot_read(emu: BotApiEmulator) -> None:
    await started_user(emu)

    async def album(*items: dict[str, str], **parts: bytes) -> str:
        files = {name: (f"{name}.pdf", body) for name, body in parts.items()}
        data = {"chat_id": "1001", "media": json.dumps(list(items))}
        description = (await multipart(emu, "sendMediaGroup", data, files)).json()["description"]
        return str(description)

    doc = {"type": "document", "media": "attach://one"}
    missing = {"type": "document", "media": "attach://two"}
    assert await album(doc, missing, one=b"1") == (
        "Bad Request: can't parse InputMedia: media not found"
    )
    sticker = {"type": "sticker", "media": "attach://one"}
    assert await album(doc, sticker, one=b"1") == (
        'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported'
    )
    animation = {"type": "animation", "media": "attach://one"}
    assert await album(doc, animation, one=b"1") == (
        "Bad Request: can't parse InputMedia: type \"animation\" can't be used in sendMediaGroup"
    )
    url = {"type": "document", "media": "https://example.org/a.pdf"}
    assert "not supported by the emulator" in await album(doc, url, one=b"1")
    unknown = {"type": "document", "media": "no-such-file-id"}
    assert await album(doc, unknown, one=b"1") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert await album(doc, doc, one=b"1", stray=b"2") == "Bad Request: unknown parameter stray"
    assert await album(doc, doc, one=b"") == "Bad Request: file must be non-empty"


# -- sendPhoto ----------------------------------------------------------------------------
async def test_send_photo_png_has_sizes_and_downloads(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    image = png(3, 2)
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Lihat", callback_data="v"))
    sent = await bot.send_photo(
        1001, image, caption="Pindaian <i>surat</i>", parse_mode="HTML", reply_markup=markup
    )
    assert sent.photo and (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    assert sent.photo[-1].file_size == len(image)
    assert sent.caption == "Pindaian surat" and sent.caption_entities[0].type == "italic"
    assert sent.reply_markup is not None
    telegram_file = await bot.get_file(sent.photo[-1].file_id)
    assert telegram_file.file_path is not None and "photos/" in telegram_file.file_path
    assert bytes(await telegram_file.download_as_bytearray()) == image
    received = await alice.wait_message(lambda m: m.photo is not None, timeout=1)
    assert received.photo is not None and received.photo["width"] == 3
    assert received.file_bytes() == image and received.button_texts == ["Lihat"]
    # a big JPEG gets Telegram's largest size, 2560 px on its long side
    big = await bot.send_photo(1001, jpeg_header(4000, 3000))
    assert (big.photo[-1].width, big.photo[-1].height) == (2560, 1920)
    # by file_id: the same photo; a photo is no document and vice versa
    again = await bot.send_photo(1001, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    assert (
        await refused(emu, bot.send_document(1001, sent.photo[-1].file_id))
        == "Bad Request: can't use file of type Photo as Document"
    )
    doc = await bot.send_document(1001, image, filename="scan.png")
    assert doc.document is not None
    assert doc.document.file_unique_id != sent.photo[-1].file_unique_id
    assert (
        await refused(emu, bot.send_photo(1001, doc.document.file_id))
        == "Bad Request: can't use file of type Document as Photo"
    )
    assert alice.received_count() == 4


async def test_non_image_refused_as_photo(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    assert (
        await refused(emu, bot.send_photo(1001, b"Ini bukan gambar, hanya teks.\n"))
        == "Bad Request: IMAGE_PROCESS_FAILED"
    )
    # a side more than 20 times the other
    assert (
        await refused(emu, bot.send_photo(1001, png(10, 300)))
        == "Bad Request: PHOTO_INVALID_DIMENSIONS"
    )
    assert (
        await refused(
            emu,
            bot.send_media_group(
                1001, [InputMediaPhoto(png(2, 2)), InputMediaPhoto(b"teks", filename="a.txt")]
            ),
        )
        == 'Bad Request: failed to send message #2 with the error message "IMAGE_PROCESS_FAILED"'
    )
    emu.max_photo_size = 100
    assert re.fullmatch(
        r"Bad Request: file of size \d+ bytes is too big for a photo; the maximum size is 100 bytes",
        await refused(emu, bot.send_photo(1001, png(40, 40) + b"\x00" * 100)),
    )
    response = await multipart(emu, "sendPhoto", {"chat_id": "1001"}, {})
    assert response.json()["description"] == "Bad Request: there is no photo in the request"
    assert alice.received_count() == 0
    assert not [f for f in emu.state.files.values() if f.kind == "photo"]  # nothing stored


# -- flood limits -------------------------------------------------------------------------
@pytest.mark.filterwarnings(_RETRY_AFTER_WARNING)
async def test_rate_limits_count_album_items(emu: BotApiEmulator, bot: Bot) -> None:
    clock = {"now": 0.0}
    emu.rate_limits = RateLimits(clock=lambda: clock["now"])  # 1/s per chat, burst 3
    alice = await started_user(emu)
    await bot.send_media_group(1001, documents(3))  # the whole burst
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "x")
    clock["now"] += 1.0
    await bot.send_message(1001, "x")
    clock["now"] += 5.0  # full again: an album of 5 leaves the chat 2 messages in debt
    await bot.send_media_group(1001, documents(5))
    clock["now"] += 2.0
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "x")
    clock["now"] += 1.0
    await bot.send_message(1001, "x")
    assert alice.received_count() == 3 + 1 + 5 + 1
    # refused calls count nothing
    clock["now"] += 10.0
    with pytest.raises(BadRequest):
        await bot.send_media_group(1001, documents(11))
    await bot.send_media_group(1001, documents(3))
    # the global bucket counts album items too
    emu.rate_limits = RateLimits(global_burst=4, chat_burst=10, clock=lambda: clock["now"])
    await started_user(emu, 1002)
    await started_user(emu, 1003)
    await bot.send_media_group(1001, documents(3))
    await bot.send_media_group(1002, documents(2))  # one token left: allowed, then in debt
    with pytest.raises(RetryAfter):
        await bot.send_message(1003, "x")


# -- editing and deleting -----------------------------------------------------------------
async def test_edit_caption(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("OK", callback_data="ok"))
    sent = await bot.send_document(
        1001, b"isi", filename="a.pdf", caption="lama", reply_markup=markup
    )
    view = await alice.wait_message(timeout=1)
    edited = await bot.edit_message_caption(
        1001, sent.message_id, caption="<b>baru</b>", parse_mode="HTML", reply_markup=markup
    )
    assert not isinstance(edited, bool) and edited.caption == "baru"
    assert edited.document is not None and edited.reply_markup is not None
    seen = await alice.wait_edit(view, timeout=1)
    assert seen.text == "baru" and seen.entities[0]["type"] == "bold"
    assert (
        await refused(
            emu,
            bot.edit_message_caption(
                1001, sent.message_id, caption="<b>baru</b>", parse_mode="HTML", reply_markup=markup
            ),
        )
        == NOT_MODIFIED
    )
    removed = await bot.edit_message_caption(1001, sent.message_id)  # no caption, no keyboard
    assert not isinstance(removed, bool) and removed.caption is None
    assert removed.reply_markup is None
    assert (
        await refused(emu, bot.edit_message_caption(1001, sent.message_id, caption="c" * 1025))
        == "Bad Request: message caption is too long"
    )
    text = await bot.send_message(1001, "teks")
    assert (
        await refused(emu, bot.edit_message_caption(1001, text.message_id, caption="x"))
        == "Bad Request: there is no caption in the message to edit"
    )
    assert alice.edits_seen() == 2 and alice.received_count() == 2


async def test_edit_message_text_keyboard_and_not_modified(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a"))
    other = InlineKeyboardMarkup.from_button(InlineKeyboardButton("B", callback_data="b"))
    sent = await bot.send_message(1001, "teks", reply_markup=markup)
    changed = await bot.edit_message_text("teks", 1001, sent.message_id, reply_markup=other)
    assert not isinstance(changed, bool) and changed.reply_markup == other
    with pytest.raises(BadRequest) as caught:
        await bot.edit_message_text("teks", 1001, sent.message_id, reply_markup=other)
    assert caught.value.message == (
        "Message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    photo = await bot.send_photo(1001, png(2, 2), caption="foto")
    assert (
        await refused(emu, bot.edit_message_text("x", 1001, photo.message_id))
        == "Bad Request: there is no text in the message to edit"
    )
    assert alice.edits_seen() == 1


async def test_edit_media(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    sent = await bot.send_document(1001, b"versi 1", filename="draf.pdf")
    view = await alice.wait_message(timeout=1)
    edited = await bot.edit_message_media(
        InputMediaDocument(b"versi 2", filename="draf-v2.pdf", caption="revisi"),
        1001,
        sent.message_id,
    )
    assert not isinstance(edited, bool) and edited.document is not None
    assert edited.document.file_name == "draf-v2.pdf" and edited.caption == "revisi"
    seen = await alice.wait_edit(view, timeout=1)
    assert seen.file_bytes() == b"versi 2"
    assert (
        await refused(
            emu,
            bot.edit_message_media(
                InputMediaDocument(edited.document.file_id, caption="revisi"), 1001, sent.message_id
            ),
        )
        == NOT_MODIFIED
    )
    as_photo = await bot.edit_message_media(InputMediaPhoto(png(5, 4)), 1001, sent.message_id)
    assert not isinstance(as_photo, bool) and as_photo.photo and as_photo.document is None
    album = await bot.send_media_group(1001, documents(2))
    assert (
        await refused(
            emu, bot.edit_message_media(InputMediaPhoto(png(2, 2)), 1001, album[0].message_id)
        )
        == "Bad Request: MEDIA_GROUPED_INVALID"
    )
    text = await bot.send_message(1001, "teks")  # Bot API 10.0 adds media to text messages
    with_media = await bot.edit_message_media(
        InputMediaDocument(b"lampiran", filename="l.pdf"), 1001, text.message_id
    )
    assert not isinstance(with_media, bool)
    assert with_media.text is None and with_media.document is not None
    assert alice.edits_seen() == 3


async def test_delete_messages(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    album = await bot.send_media_group(1001, documents(3))
    note = await bot.send_message(1001, "catatan")
    ids = [m.message_id for m in album]
    assert await bot.delete_messages(1001, [*ids, 9999])  # unknown ids are skipped
    assert [m.text for m in alice.bot_messages] == ["catatan"]
    assert alice.deliveries.deletions == 3 and alice.received_count() == 4
    assert await bot.delete_messages(1001, ids)  # already gone: skipped, still True
    assert (
        await refused(emu, bot.delete_messages(1001, list(range(1, 102))))
        == "Bad Request: too many message identifiers specified"
    )
    assert (
        await refused(emu, bot.delete_messages(1001, [note.message_id, 0]))
        == "Bad Request: invalid message identifier specified"
    )
    assert (
        await refused(emu, bot.delete_messages(1001, []))
        == "Bad Request: message identifiers are not specified"
    )
    assert alice.bot_messages[-1].message_id == note.message_id


# -- the user side ------------------------------------------------------------------------
async def test_user_sends_an_album_and_a_photo(emu: BotApiEmulator, bot: Bot) -> None:
    alice = await started_user(emu)
    await bot.get_updates()  # confirm /start below
    sent = await alice.send_album(
        [("draf-1.docx", b"satu"), ("draf-2.docx", b"dua"), ("draf-3.docx", b"tiga")],
        caption="Draf tim",
    )
    updates = await bot.get_updates(offset=-3)
    messages = [u.message for u in updates if u.message is not None]
    assert [m.document.file_name for m in messages if m.document] == [
        "draf-1.docx",
        "draf-2.docx",
        "draf-3.docx",
    ]
    assert len({m.media_group_id for m in messages}) == 1 and messages[0].media_group_id
    assert [m.caption for m in messages] == [None, None, "Draf tim"]  # under the last file
    assert [m.message_id for m in sent] == [m.message_id for m in messages]
    telegram_file = await bot.get_file(messages[1].document.file_id)  # type: ignore[union-attr]
    assert bytes(await telegram_file.download_as_bytearray()) == b"dua"
    await alice.send_photo(png(7, 5), caption="foto")
    (update,) = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert update.message is not None and update.message.photo
    assert (update.message.photo[-1].width, update.message.photo[-1].height) == (7, 5)
    with pytest.raises(ValueError):
        await alice.send_photo(b"bukan gambar")


async def test_a_reaction_on_an_album_item_goes_to_the_first_item(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """setMessageReaction on an album item: "the reaction is set to the first non-deleted
    message in the group instead" (the spec); a message alone keeps its own."""
    alice = await started_user(emu)
    first, second, third = await alice.send_album(
        [("draf-1.docx", b"satu"), ("draf-2.docx", b"dua"), ("draf-3.docx", b"tiga")]
    )
    single = await alice.send_document(b"empat", file_name="draf-4.docx")
    assert await bot.set_message_reaction(1001, third.message_id, "👌")
    assert (first.bot_reactions, second.bot_reactions, third.bot_reactions) == (["👌"], [], [])
    assert await bot.set_message_reaction(1001, single.message_id, "👍")
    assert single.bot_reactions == ["👍"] and first.bot_reactions == ["👌"]
    assert await bot.delete_message(1001, first.message_id)
    assert await bot.set_message_reaction(1001, third.message_id, "🔥")
    assert (second.bot_reactions, third.bot_reactions) == (["🔥"], [])
    with pytest.raises(BadRequest, match=r"(?i)message to react not found"):
        await bot.set_message_reaction(1001, first.message_id, "👌")


async def test_control_api_albums_photos_and_deliveries(emu: BotApiEmulator, bot: Bot) -> None:
    await started_user(emu)
    async with httpx.AsyncClient(base_url=emu.base_url + "/_emu", trust_env=False) as client:
        sent_album = await bot.send_media_group(1001, documents(2))
        await bot.edit_message_caption(1001, sent_album[1].message_id, caption="direvisi")
        album = (await client.post("/wait_album", json={"user_id": 1001})).json()["result"]
        assert [m["document"]["file_name"] for m in album] == ["draf-1.pdf", "draf-2.pdf"]
        counts = (await client.get("/deliveries", params={"user_id": 1001})).json()["result"]
        assert counts == {"messages": 2, "edits": 1, "deletions": 0, "albums": 1}
        photo = base64.b64encode(png(6, 4)).decode()
        sent = await client.post("/send_photo", json={"user_id": 1001, "content_base64": photo})
        assert sent.json()["result"]["photo"][-1]["width"] == 6
        none = await client.post("/wait_album", json={"user_id": 1001, "timeout": 0.05})
        assert none.status_code == 408


# -- image headers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(3, 2), ("png", 3, 2)),
        (jpeg_header(640, 480), ("jpeg", 640, 480)),
        (b"GIF89a" + struct.pack("<HH", 10, 20) + b"\x00" * 8, ("gif", 10, 20)),
        (b"BM" + b"\x00" * 16 + struct.pack("<ii", 7, -9) + b"\x00" * 8, ("bmp", 7, 9)),
        (
            b"RIFF\x00\x00\x00\x00WEBPVP8X"
            + b"\x00" * 8
            + (99).to_bytes(3, "little")
            + (49).to_bytes(3, "little"),
            ("webp", 100, 50),
        ),
        (
            b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f"
            + ((31) | (15 << 14)).to_bytes(4, "little"),
            ("webp", 32, 16),
        ),
    ],
)
def test_image_headers(data: bytes, expected: tuple[str, int, int]) -> None:
    info = image_info(data)
    assert info is not None and (info.format, info.width, info.height) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"\xff\xd8\xff\xd9",
        b"\x89PNG\r\n\x1a\n",
        png(3, 2)[:20],
        b"GIF89a\x00\x00\x05\x00",
    ],
)
def test_non_images(data: bytes) -> None:
    assert image_info(data) is None
