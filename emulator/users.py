"""The user side: play Telegram users (and groups) talking to the bot, in-process.

Messages are *live views*: an :class:`EmuMessage` always shows the current state of the
message (edits applied, ``deleted`` once the bot deleted it), which is what a user sees on
their phone. ``wait_message`` hands out every bot message at most once per user, so a test
can wait for "the next message matching X" without racing the bot; ``wait_album`` hands out a
whole album (the bot's sendMediaGroup) at once. ``user.deliveries`` records everything the bot
did in the user's private chat (new messages, edits, deletions), so a test can count messages
received (each album item is one) and edits seen.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import secrets
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from emulator.html_entities import entities_in
from emulator.images import image_info, photo_size
from emulator.state import (
    JSON,
    CallbackQueryRecord,
    ChatRecord,
    MessageRecord,
    StateEvent,
    UserRecord,
)

if TYPE_CHECKING:
    from emulator.server import BotApiEmulator

Button = tuple[str, str | None]  # (text, callback_data); callback_data None for other buttons
MessagePredicate = Callable[["EmuMessage"], bool]
AlbumPredicate = Callable[[list["EmuMessage"]], bool]
AlbumFile = Path | tuple[str, bytes]  # a path, or (file name, content)
DeliveryKind = Literal["message", "edit", "delete", "reaction"]


class EmuMessage:
    """A message as a user sees it now. ``text`` is the text, or the caption, or ""."""

    __slots__ = ("_emu", "record", "seen_version")

    def __init__(self, emu: BotApiEmulator, record: MessageRecord) -> None:
        self._emu = emu
        self.record = record
        self.seen_version = record.version  # the edit state this view was handed out at

    @property
    def message_id(self) -> int:
        return self.record.message_id

    @property
    def chat_id(self) -> int:
        return self.record.chat.id

    @property
    def topic(self) -> int | None:
        """The forum topic (message_thread_id) the message is in; None: General, or none."""
        return self.record.thread_id

    @property
    def from_bot(self) -> bool:
        return self.record.from_bot

    @property
    def sender_id(self) -> int:
        return self._emu.state.bot_id if self.record.sender is None else self.record.sender.id

    @property
    def text(self) -> str:
        return self.record.text if self.record.text is not None else (self.record.caption or "")

    @property
    def caption(self) -> str | None:
        return self.record.caption

    @property
    def entities(self) -> list[JSON]:
        record = self.record
        return list(record.entities if record.text is not None else record.caption_entities)

    @property
    def reply_markup(self) -> JSON | None:
        return self.record.reply_markup

    @property
    def buttons(self) -> list[list[Button]]:
        markup = self.record.reply_markup or {}
        return [
            [(b["text"], b.get("callback_data")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]

    @property
    def bot_reactions(self) -> list[str]:
        """The emoji the bot reacted with on this message (the user sees them under it)."""
        return [r.get("emoji", "") for r in self.record.bot_reactions]

    @property
    def document(self) -> JSON | None:
        return self.record.document

    @property
    def photo(self) -> JSON | None:
        """The largest PhotoSize of a photo message (``photo[-1]`` in the Bot API)."""
        sizes = self.record.photo
        return sizes[-1] if sizes else None

    @property
    def video(self) -> JSON | None:
        return self.record.video

    @property
    def audio(self) -> JSON | None:
        return self.record.audio

    @property
    def media_group_id(self) -> str | None:
        return self.record.media_group_id

    @property
    def protected(self) -> bool:
        """Sent with protect_content (the user can't forward or save it)."""
        return self.record.has_protected_content

    @property
    def silent(self) -> bool:
        """Sent with disable_notification (no sound on the user's phone)."""
        return self.record.silent

    @property
    def reply_to(self) -> EmuMessage | None:
        target = self.record.reply_to
        return EmuMessage(self._emu, target) if target is not None else None

    @property
    def date(self) -> int:
        return self.record.date

    @property
    def edit_date(self) -> int | None:
        return self.record.edit_date

    @property
    def edited(self) -> bool:
        return self.record.edit_date is not None

    @property
    def deleted(self) -> bool:
        return self.record.deleted

    @property
    def raw(self) -> JSON:
        """The Telegram-shaped Message dict, as the Bot API would return it now."""
        return self.record.to_api(self._emu.state.bot_user)

    def file_bytes(self) -> bytes:
        """The content of the message's document, photo (largest size), video or audio."""
        file_id = self.record.media_file_id
        if file_id is None:
            raise ValueError(f"message #{self.message_id} has no file")
        return self._emu.file_bytes(file_id)

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender_id}"
        return f"<EmuMessage #{self.message_id} chat={self.chat_id} {who}: {describe_message(self.record)}>"


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered with answerCallbackQuery."""

    text: str | None
    show_alert: bool


class PressResult:
    """Returned by ``press``: the callback query is already sent; await it for the answer.

    ``await result`` gives the :class:`CallbackAnswer` once the bot calls
    answerCallbackQuery, or raises ``TimeoutError`` after ``timeout`` seconds.
    """

    def __init__(self, emu: BotApiEmulator, query: CallbackQueryRecord, timeout: float) -> None:
        self._emu = emu
        self.query = query
        self.timeout = timeout

    @property
    def query_id(self) -> str:
        return self.query.id

    @property
    def data(self) -> str:
        return self.query.data

    @property
    def answered(self) -> bool:
        return self.query.answered

    @property
    def answer(self) -> CallbackAnswer | None:
        raw = self.query.answer
        return CallbackAnswer(raw["text"], raw["show_alert"]) if raw is not None else None

    async def wait(self, timeout: float | None = None) -> CallbackAnswer:  # noqa: ASYNC109
        future = self.query.future
        assert future is not None
        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                raw = await asyncio.shield(future)
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not answer callback query {self.query.id} (data "
                f"{self.query.data!r}) within {limit} s\n{self._emu.recent_failures()}"
            ) from None
        return CallbackAnswer(raw["text"], raw["show_alert"])

    def __await__(self) -> Generator[Any, None, CallbackAnswer]:
        return self.wait().__await__()


@dataclass(frozen=True)
class EmuEvent:
    """A user action or a bot output, for transcripts (``emu.on_event``)."""

    kind: str  # user_message, user_press, user_block, user_unblock,
    # bot_message, bot_edit, bot_delete, bot_answer, bot_reaction
    chat: ChatRecord | None
    message: EmuMessage | None  # a live view: it shows later edits too
    user: EmuUser | None
    data: JSON = field(default_factory=dict)
    snapshot: str = ""  # the message as it was when the event happened (text, file, buttons)

    def describe(self) -> str:
        """One transcript line, e.g. ``→ Kabag received: Setujui? [Setujui] [Kembalikan]``."""
        where = self.chat.display_name if self.chat is not None else "?"
        who = self.user.first_name if self.user is not None else where
        record = self.message.record if self.message is not None else None
        body = self.snapshot
        if self.kind == "bot_message":
            return f"→ {where} received: {body}"
        if self.kind == "bot_edit":
            return f"→ {where} saw #{record.message_id if record else '?'} edited: {body}"
        if self.kind == "bot_delete":
            return f"→ {where}: the bot deleted #{record.message_id if record else '?'}"
        if self.kind == "bot_reaction":
            emoji = " ".join(r.get("emoji", "?") for r in (record.bot_reactions if record else []))
            return f"→ {where}: the bot reacted {emoji or '(none)'} to #{record.message_id if record else '?'}"
        if self.kind == "bot_answer":
            text = self.data.get("text")
            alert = " (alert)" if self.data.get("show_alert") else ""
            return f"→ {who} got answer{alert}: {text}" if text else f"→ {who}: button answered"
        if self.kind == "user_message":
            place = "" if self.chat is None or self.chat.user is not None else f" in {where}"
            return f"{who}{place}: {body}"
        if self.kind == "user_edit":
            return f"{who} edited #{record.message_id if record else '?'}: {body}"
        if self.kind == "user_press":
            return f"{who} pressed {self.data.get('button') or repr(self.data.get('data'))}"
        if self.kind == "user_block":
            return f"{who} blocked the bot"
        if self.kind == "user_unblock":
            return f"{who} unblocked the bot"
        return f"{self.kind}: {body}"

    def __str__(self) -> str:
        return self.describe()


LIVE_INDEFINITELY = 0x7FFFFFFF
"""A live location's live_period when it runs until the user stops it."""


def _location(latitude: float, longitude: float) -> JSON:
    """A Location object (latitude -90 to 90, longitude -180 to 180)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("latitude -90..90, longitude -180..180")
    return {"latitude": float(latitude), "longitude": float(longitude)}


def describe_message(record: MessageRecord) -> str:
    parts: list[str] = []
    if record.document is not None:
        parts.append(f"[file {record.document.get('file_name', '?')}]")
    if record.photo:
        parts.append(f"[photo {record.photo[-1]['width']}x{record.photo[-1]['height']}]")
    if record.video is not None:
        parts.append(f"[video {record.video.get('file_name', '?')}]")
    if record.audio is not None:
        parts.append(f"[audio {record.audio.get('file_name', '?')}]")
    if record.location is not None:
        live = " live" if "live_period" in record.location else ""
        where = f"{record.location['latitude']},{record.location['longitude']}"
        parts.append(f"[location{live} {where}]")
    text = record.text if record.text is not None else record.caption
    if text:
        parts.append(text)
    markup = record.reply_markup or {}
    buttons = " ".join(f"[{b['text']}]" for row in markup.get("inline_keyboard", []) for b in row)
    if buttons:
        parts.append(buttons)
    if record.deleted:
        parts.append("(deleted)")
    return " ".join(parts)


@dataclass(frozen=True)
class Delivery:
    """One thing the bot did in a chat: a new message, an edit, or a deletion."""

    kind: DeliveryKind
    chat_id: int
    message_id: int
    media_group_id: str | None
    snapshot: str  # the message as it was then (text, file, buttons)


_DELIVERY_KINDS: dict[str, DeliveryKind] = {
    "bot_message": "message",
    "bot_edit": "edit",
    "bot_delete": "delete",
    "bot_reaction": "reaction",
}


class DeliveryLog:
    """What a chat received from the bot, in order. Deleted messages stay counted."""

    def __init__(self) -> None:
        self.entries: list[Delivery] = []

    def record(self, event_kind: str, message: MessageRecord) -> None:
        kind = _DELIVERY_KINDS[event_kind]
        self.entries.append(
            Delivery(
                kind,
                message.chat.id,
                message.message_id,
                message.media_group_id,
                describe_message(message),
            )
        )

    def count(self, kind: DeliveryKind = "message") -> int:
        return sum(1 for entry in self.entries if entry.kind == kind)

    @property
    def messages(self) -> int:
        """New messages received; each album item counts as one."""
        return self.count("message")

    @property
    def edits(self) -> int:
        return self.count("edit")

    @property
    def deletions(self) -> int:
        return self.count("delete")

    @property
    def albums(self) -> int:
        return len({e.media_group_id for e in self.entries if e.kind == "message"} - {None})

    def __len__(self) -> int:
        return len(self.entries)


class EmuChat:
    """A group or supergroup the bot is a member of."""

    def __init__(self, emu: BotApiEmulator, record: ChatRecord) -> None:
        self._emu = emu
        self.record = record
        self.deliveries = DeliveryLog()

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def title(self) -> str:
        return self.record.title or ""

    @property
    def messages(self) -> list[EmuMessage]:
        return _views(self._emu, self.record)

    def open_topic(self, name: str) -> int:
        """A topic created in this forum supergroup: its message_thread_id."""
        if not self.record.is_forum:
            raise ValueError(f"{self.title} is not a forum")
        return self.record.open_topic(name)

    async def send_anonymously(
        self, text: str, *, topic: int | None = None, signature: str | None = None
    ) -> EmuMessage:
        """An administrator who remains anonymous sends a text on behalf of the group: as
        Bot API 10.0 describes it, ``sender_chat`` is the group itself, ``from`` the fake
        sender GroupAnonymousBot (1087968824, a bot) and ``author_signature`` the
        administrator's custom title (``signature``), if any. The bot sees it as any group
        message (privacy mode); ``topic``: in that forum topic."""
        text = _user_text(text)
        sender = EmuUser(self._emu, self._emu.state.group_anonymous_bot)
        return await sender._post(
            self.record,
            None,
            text=text,
            entities=entities_in(text),
            thread_id=topic,
            sender_chat=self.record,
            author_signature=signature,
        )

    def set_bot_admin(self, admin: bool = True) -> None:
        """Admins see every group message, also with privacy mode on."""
        self.record.bot_is_admin = admin

    def __repr__(self) -> str:
        return f"<EmuChat {self.record.id} {self.title!r}>"


def _views(emu: BotApiEmulator, chat: ChatRecord) -> list[EmuMessage]:
    return [
        EmuMessage(emu, record) for _, record in sorted(chat.messages.items()) if not record.deleted
    ]


ChatRef = EmuChat | ChatRecord | int | None


def _user_text(text: str) -> str:
    """A text a user sends, as Telegram takes it: stripped, 1-4096 characters."""
    text = text.strip()
    if not text or len(text) > 4096:
        raise ValueError("a user message must have 1-4096 characters")
    return text


class EmuUser:
    """A Telegram user. Create with ``emu.user(...)``."""

    def __init__(self, emu: BotApiEmulator, record: UserRecord) -> None:
        self._emu = emu
        self.record = record
        self._handed_out: set[tuple[int, int]] = set()
        self.deliveries = DeliveryLog()  # the bot's messages, edits, deletions in private

    # -- identity -------------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.record.id

    @property
    def first_name(self) -> str:
        return self.record.first_name

    @property
    def username(self) -> str | None:
        return self.record.username

    def to_dict(self) -> JSON:
        """The Telegram User object of this user."""
        return self.record.to_api()

    @property
    def private_chat(self) -> ChatRecord:
        return self._emu.state.private_chat(self.record)

    # -- reading --------------------------------------------------------------------------
    @property
    def messages(self) -> list[EmuMessage]:
        """All (not deleted) messages of the private chat with the bot, oldest first."""
        return _views(self._emu, self.private_chat)

    @property
    def bot_messages(self) -> list[EmuMessage]:
        return [m for m in self.messages if m.from_bot]

    @property
    def last_bot_message(self) -> EmuMessage | None:
        found = self.bot_messages
        return found[-1] if found else None

    def received_count(self) -> int:
        """Bot messages this user received in private so far (an album of N counts N)."""
        return self.deliveries.messages

    def edits_seen(self) -> int:
        """Edits of bot messages this user saw in private so far."""
        return self.deliveries.edits

    @property
    def reply_keyboard(self) -> JSON | None:
        """The custom reply keyboard the bot shows in the private chat, if any."""
        return self.private_chat.reply_keyboard

    def mark_seen(self, chat: ChatRef = None) -> None:
        """Make ``wait_message`` ignore every bot message that exists now."""
        record = self._chat(chat)
        for message in record.messages.values():
            self._handed_out.add((record.id, message.message_id))

    async def wait_message(
        self,
        predicate: MessagePredicate | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        chat: ChatRef = None,
    ) -> EmuMessage:
        """The oldest bot message in the chat not handed out before that matches; waits.

        Raises ``TimeoutError`` with a dump of the chat and of failed Bot API calls.
        """
        record = self._chat(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for _, message in sorted(record.messages.items()):
                key = (record.id, message.message_id)
                if not message.from_bot or message.deleted or key in self._handed_out:
                    continue
                view = EmuMessage(self._emu, message)
                if predicate is None or predicate(view):
                    self._handed_out.add(key)
                    return view
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_report(record, "a new bot message", timeout))
            await self._emu.state.wait_changed(remaining)

    async def wait_album(
        self,
        predicate: AlbumPredicate | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        chat: ChatRef = None,
    ) -> list[EmuMessage]:
        """The oldest album (messages sharing a media_group_id) the bot sent in the chat, none
        of whose items was handed out before, that matches; all its items in order. Waits.

        The emulator adds all messages of a sendMediaGroup at once, so an album is whole.
        """
        record = self._chat(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            albums: dict[str, list[MessageRecord]] = {}
            for _, message in sorted(record.messages.items()):
                if message.from_bot and not message.deleted and message.media_group_id:
                    albums.setdefault(message.media_group_id, []).append(message)
            for items in albums.values():
                keys = [(record.id, m.message_id) for m in items]
                if any(key in self._handed_out for key in keys):
                    continue
                views = [EmuMessage(self._emu, m) for m in items]
                if predicate is None or predicate(views):
                    self._handed_out.update(keys)
                    return views
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_report(record, "new album", timeout))
            await self._emu.state.wait_changed(remaining)

    async def wait_edit(
        self,
        message: EmuMessage,
        predicate: MessagePredicate | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> EmuMessage:
        """Wait until ``message`` is edited after this view was taken (and matches)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            record = message.record
            if record.version > message.seen_version:
                view = EmuMessage(self._emu, record)
                if predicate is None or predicate(view):
                    return view
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    self._timeout_report(record.chat, f"an edit of #{record.message_id}", timeout)
                )
            await self._emu.state.wait_changed(remaining)

    # -- acting ---------------------------------------------------------------------------
    async def send(
        self,
        text: str,
        *,
        chat: ChatRef = None,
        reply_to: EmuMessage | int | None = None,
        topic: int | None = None,
    ) -> EmuMessage:
        """Send a text message (to the bot in private, or to ``chat``). Commands get their
        bot_command entity, as Telegram adds it. ``topic``: in that forum topic (of the
        private chat: see :meth:`open_topic`; of a forum: :meth:`EmuChat.open_topic`); a
        reply is in the topic of the message it replies to."""
        text = _user_text(text)
        record = self._chat(chat)
        return await self._post(
            record, reply_to, text=text, entities=entities_in(text), thread_id=topic
        )

    def open_topic(self, name: str) -> int:
        """A topic the user creates in the private chat with the bot (the bot has forum
        topic mode enabled, and allows users to create topics): its message_thread_id."""
        if not self._emu.topics_in_private_chats:
            raise ValueError("the bot has no forum topic mode: topics_in_private_chats is off")
        return self.private_chat.open_topic(name)

    async def send_document(
        self,
        data: bytes | Path,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: ChatRef = None,
        reply_to: EmuMessage | int | None = None,
        unnamed: bool = False,
        topic: int | None = None,
    ) -> EmuMessage:
        """Send a file as a document (bytes or a path; the name defaults to the path's).
        ``unnamed``: without a file_name (optional in the Bot API's Document: a file some
        apps or a forward bring without one), its ``mime_type`` as given."""
        if isinstance(data, Path):
            file_name = file_name or data.name
            data = await asyncio.to_thread(data.read_bytes)
        if unnamed:
            document = self._emu.state.store_file(data, None, mime_type).to_document()
        else:
            document = self._stored_document(data, file_name or "document", mime_type)
        caption = (caption or "").strip() or None
        record = self._chat(chat)
        return await self._post(
            record,
            reply_to,
            document=document,
            caption=caption,
            caption_entities=entities_in(caption) if caption else [],
            thread_id=topic,
        )

    async def send_photo(
        self,
        data: bytes | Path,
        *,
        caption: str | None = None,
        chat: ChatRef = None,
        reply_to: EmuMessage | int | None = None,
    ) -> EmuMessage:
        """Send an image (PNG, JPEG, GIF, WebP, BMP) as a photo."""
        if isinstance(data, Path):
            data = await asyncio.to_thread(data.read_bytes)
        content = self._photo_content(data)
        caption = (caption or "").strip() or None
        return await self._post(
            self._chat(chat),
            reply_to,
            caption=caption,
            caption_entities=entities_in(caption) if caption else [],
            **content,
        )

    async def send_album(
        self,
        files: Sequence[AlbumFile] | Sequence[bytes],
        *,
        as_photos: bool = False,
        caption: str | None = None,
        caption_on: int | None = None,
        chat: ChatRef = None,
    ) -> list[EmuMessage]:
        """Send 2-10 documents (paths or ``(name, bytes)``) or photos (bytes or paths) as one
        album, as a user does by picking several files: the bot gets one update per item,
        all with the same media_group_id. Telegram's apps put the caption on the first photo
        of a photo album and under the last file of a document album (``caption_on``: the
        index of another item, as a user who captions each item can)."""
        if not 2 <= len(files) <= 10:
            raise ValueError("an album has 2-10 items")
        contents: list[JSON] = []
        for item in files:
            if as_photos:
                data = item if isinstance(item, bytes) else (await self._read(item))[1]
                contents.append(self._photo_content(data))
            elif isinstance(item, bytes):
                raise TypeError("documents are given as a path or (file name, bytes)")
            else:
                name, data = await self._read(item)
                contents.append({"document": self._stored_document(data, name, None)})
        caption = (caption or "").strip() or None
        captioned = 0 if as_photos else len(contents) - 1
        if caption_on is not None:
            captioned = range(len(contents))[caption_on]
        record = self._chat(chat)
        group_id = self._emu.state.new_media_group_id()
        sent: list[EmuMessage] = []
        for index, content in enumerate(contents):
            text = caption if index == captioned else None
            sent.append(
                await self._post(
                    record,
                    None,
                    caption=text,
                    caption_entities=entities_in(text) if text else [],
                    media_group_id=group_id,
                    **content,
                )
            )
        return sent

    def press(
        self,
        message: EmuMessage,
        button: str | None = None,
        *,
        callback_data: str | None = None,
        timeout: float = 5.0,
    ) -> PressResult:
        """Press the inline button with this text (or this callback_data) on ``message``.

        The callback query is sent at once; ``await`` the result for the bot's answer.
        Only buttons the message currently shows can be pressed (use ``press_data`` to forge).
        """
        record = message.record
        if record.deleted:
            raise LookupError(f"message #{record.message_id} was deleted")
        markup = record.reply_markup or {}
        for row in markup.get("inline_keyboard", []):
            for candidate in row:
                hit = (button is not None and candidate["text"] == button) or (
                    callback_data is not None and candidate.get("callback_data") == callback_data
                )
                if not hit:
                    continue
                if "callback_data" not in candidate:
                    raise ValueError(f"button {candidate['text']!r} is not a callback button")
                return self._callback(
                    record, candidate["callback_data"], candidate["text"], timeout
                )
        wanted = button if button is not None else f"callback_data={callback_data!r}"
        raise LookupError(
            f"no button {wanted!r} on message #{record.message_id}; it shows "
            f"{describe_message(record)!r}"
        )

    def press_data(
        self,
        message: EmuMessage | int,
        data: str,
        *,
        chat: ChatRef = None,
        timeout: float = 5.0,
    ) -> PressResult:
        """Send a callback query with any data for a message (stale or forged buttons)."""
        if isinstance(message, EmuMessage):
            record: MessageRecord | None = message.record
        else:
            record = self._emu.state.live_message(self._chat(chat), message)
        if record is None or record.deleted:
            raise LookupError(f"message {message!r} does not exist (or was deleted)")
        if not 1 <= len(data.encode("utf-8")) <= 64:
            raise ValueError("callback data must be 1-64 bytes")
        return self._callback(record, data, None, timeout)

    async def edit(self, message: EmuMessage, text: str) -> EmuMessage:
        """Edit my own message (its text, or a file's caption), as a user may: the bot gets
        an ``edited_message`` update with the new content and ``edit_date``."""
        record = self._own(message)
        if record.location is not None:
            raise ValueError("a location has no text: a live one moves (move_location)")
        text = text.strip()
        if not text or len(text) > (1024 if record.has_media else 4096):
            raise ValueError("an edited message must have text (at most 4096 characters)")
        if record.has_media:
            record.caption, record.caption_entities = text, entities_in(text)
        else:
            record.text, record.entities = text, entities_in(text)
        await self._edited(record)
        return message

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        chat: ChatRef = None,
    ) -> EmuMessage:
        """Share a point on the map, or a live location with ``live_period`` (the seconds it
        is updated for: 60-86400, or 0x7FFFFFFF for as long as the user lets it run), which
        then moves with :meth:`move_location`."""
        location = _location(latitude, longitude)
        if live_period is not None:
            if not (60 <= live_period <= 86400 or live_period == LIVE_INDEFINITELY):
                raise ValueError("live_period must be 60-86400 seconds, or 0x7FFFFFFF")
            location["live_period"] = live_period
        return await self._post(self._chat(chat), None, location=location)

    async def move_location(
        self, message: EmuMessage, latitude: float, longitude: float
    ) -> EmuMessage:
        """A live location's new position: Telegram sends the bot an ``edited_message``
        with the Location moved and a new ``edit_date``, one per position for as long as it
        lives (hours, on a phone that shares it on the way)."""
        record = self._own(message)
        live = record.location or {}
        if "live_period" not in live:
            raise ValueError("only a live location moves")
        period = int(live["live_period"])
        if period != LIVE_INDEFINITELY and self._emu.state.now() - record.date >= period:
            raise ValueError("the live location has ended")
        record.location = {**_location(latitude, longitude), "live_period": period}
        await self._edited(record)
        return message

    async def touch(self, message: EmuMessage) -> EmuMessage:
        """An ``edited_message`` of the message as it is, with a new ``edit_date``: what the
        spec warns of, an edit "triggered by changes to message fields that are either
        unavailable or not actively used by your bot"."""
        await self._edited(self._own(message))
        return message

    def block(self) -> None:
        """Block the bot: it gets my_chat_member (kicked) and 403 on sending."""
        self._set_blocked(True)

    def unblock(self) -> None:
        self._set_blocked(False)

    def deactivate(self) -> None:
        """Delete the account: the bot gets 403 "user is deactivated"."""
        self.record.deactivated = True

    def delete(self, message: EmuMessage | int) -> None:
        """Delete a message of my private chat with the bot for both sides, as a user may
        (the bot is not told; editing it then fails with "message to edit not found")."""
        message_id = message.message_id if isinstance(message, EmuMessage) else message
        record = self._emu.state.live_message(self.private_chat, message_id)
        if record is None:
            raise LookupError(f"message {message_id} does not exist (or was deleted)")
        record.deleted = True
        self._emu.state.notify()

    # -- internals ------------------------------------------------------------------------
    def _own(self, message: EmuMessage) -> MessageRecord:
        record = message.record
        if record.sender is not self.record or record.deleted:
            raise ValueError("users can only edit their own messages")
        return record

    async def _edited(self, record: MessageRecord) -> None:
        """The bot hears of an edit of ``record`` (changed already) as Telegram tells it."""
        state = self._emu.state
        record.edit_date = state.now()
        record.version += 1
        if self._bot_sees(record.chat, record):
            state.push_update("edited_message", record.to_api(state.bot_user))
        state.emit(StateEvent("user_edit", record.chat, record, self.record))
        await asyncio.sleep(0)

    def _stored_document(self, data: bytes, file_name: str, mime_type: str | None) -> JSON:
        # an empty file can arrive (other clients, forwards): the bot must refuse it itself
        if mime_type is None:
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        return self._emu.state.store_file(data, file_name, mime_type).to_document()

    def _photo_content(self, data: bytes) -> JSON:
        info = image_info(data)
        if info is None:
            raise ValueError("a photo must be a PNG, JPEG, GIF, WebP or BMP image")
        width, height = photo_size(info)
        stored = self._emu.state.store_file(
            data, None, f"image/{info.format}", kind="photo", width=width, height=height
        )
        return {"photo": stored.to_photo()}

    @staticmethod
    async def _read(item: AlbumFile) -> tuple[str, bytes]:
        if isinstance(item, Path):
            return item.name, await asyncio.to_thread(item.read_bytes)
        return item

    def _chat(self, chat: ChatRef) -> ChatRecord:
        if chat is None:
            return self.private_chat
        if isinstance(chat, EmuChat):
            return chat.record
        if isinstance(chat, ChatRecord):
            return chat
        found = self._emu.state.resolve_chat(chat)
        if found is None:
            raise LookupError(f"unknown chat {chat}")
        return found

    async def _post(
        self, chat: ChatRecord, reply_to: EmuMessage | int | None, **content: Any
    ) -> EmuMessage:
        state = self._emu.state
        if chat.user is not None:
            if chat.user is not self.record:
                raise ValueError("users can only write to their own private chat with the bot")
            if self.record.blocked:
                raise RuntimeError(f"{self.first_name} blocked the bot; call unblock() first")
            self.record.started = True
        target: MessageRecord | None = None
        if reply_to is not None:
            message_id = reply_to.message_id if isinstance(reply_to, EmuMessage) else reply_to
            target = state.live_message(chat, message_id)
            if target is None:
                raise LookupError(f"no message #{message_id} to reply to in chat {chat.id}")
        thread = content.pop("thread_id", None)
        if thread is None and target is not None:
            thread = target.thread_id
        if thread is not None and thread not in chat.topics:
            raise LookupError(f"no topic {thread} in chat {chat.id}")
        message = state.add_message(chat, self.record, reply_to=target, thread_id=thread, **content)
        if self._bot_sees(chat, message):
            state.push_update("message", message.to_api(state.bot_user))
        view = EmuMessage(self._emu, message)
        state.emit(StateEvent("user_message", chat, message, self.record))
        await asyncio.sleep(0)
        return view

    def _bot_sees(self, chat: ChatRecord, message: MessageRecord) -> bool:
        """Private chats always; groups per privacy mode (commands, replies to the bot)."""
        if chat.user is not None:
            return True
        if not chat.bot_is_member:
            return False
        if not self._emu.privacy_mode or chat.bot_is_admin:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        text = message.text or message.caption or ""
        for entity in message.entities or message.caption_entities:
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = text[: entity["length"]]
                if "@" not in command:
                    return True
                return command.split("@", 1)[1].lower() == self._emu.state.bot_username.lower()
        return False

    def _callback(
        self, record: MessageRecord, data: str, button: str | None, timeout: float
    ) -> PressResult:
        state = self._emu.state
        query_id = str(secrets.randbits(62))
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        query = CallbackQueryRecord(query_id, self.record, record, data, future=future)
        state.callback_queries[query_id] = query
        instance = hashlib.sha256(f"{state.bot_id}:{record.chat.id}".encode()).hexdigest()
        message = record.to_api(state.bot_user)
        too_old = self._emu.inaccessible_after
        if too_old is not None and state.now() - record.date > too_old:
            # MaybeInaccessibleMessage: an old message reaches the bot as InaccessibleMessage
            message = {"chat": record.chat.to_api(), "message_id": record.message_id, "date": 0}
        payload: JSON = {
            "id": query_id,
            "from": self.record.to_api(),
            "message": message,
            "chat_instance": str(int(instance[:15], 16)),
            "data": data,
        }
        state.push_update("callback_query", payload)
        state.emit(
            StateEvent(
                "user_press", record.chat, record, self.record, {"data": data, "button": button}
            )
        )
        return PressResult(self._emu, query, timeout)

    def _set_blocked(self, blocked: bool) -> None:
        if self.record.blocked == blocked:
            return
        self.record.blocked = blocked
        state = self._emu.state
        chat = self.private_chat
        bot = state.bot_user
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        member: JSON = {"user": bot, "status": old}
        if old == "kicked":
            member["until_date"] = 0
        new_member: JSON = {"user": bot, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        state.push_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": self.record.to_api(),
                "date": state.now(),
                "old_chat_member": member,
                "new_chat_member": new_member,
            },
        )
        state.emit(StateEvent("user_block" if blocked else "user_unblock", chat, None, self.record))

    def _timeout_report(self, chat: ChatRecord, what: str, timeout: float) -> str:
        lines = [
            f"{self.first_name} (id {self.id}): no {what} within {timeout} s in chat "
            f"{chat.display_name} ({chat.id}). Recent messages, oldest first:"
        ]
        for _, message in sorted(chat.messages.items())[-12:]:
            sender = (
                "bot"
                if message.from_bot
                else (message.sender.first_name if message.sender else "?")
            )
            seen = " [handed out]" if (chat.id, message.message_id) in self._handed_out else ""
            lines.append(f"  #{message.message_id} {sender}{seen}: {describe_message(message)}")
        if len(lines) == 1:
            lines.append("  (none)")
        lines.append(self._emu.recent_failures())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<EmuUser {self.id} {self.first_name!r}>"
