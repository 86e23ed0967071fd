"""What the emulated Telegram knows: users, chats, messages, files, the update queue.

Everything here is plain in-memory data owned by one :class:`EmuState` and used from a
single asyncio loop. The dicts produced by ``to_api`` are shaped exactly like the Bot API's
objects (User, Chat, Message, Document, Update).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

JSON = dict[str, Any]
# the fake sender user of a message an anonymous group administrator sends on behalf of the
# group (Message.from "for backward compatibility"; sender_chat is the group itself)
GROUP_ANONYMOUS_BOT_ID = 1087968824
FileKind = Literal["document", "photo", "video", "audio"]

# file_id prefixes as Telegram's look for each kind (they are opaque to bots anyway).
_FILE_ID_PREFIXES: dict[str, str] = {
    "document": "BQACAgUAAxkBAAI",
    "photo": "AgACAgUAAxkBAAI",
    "video": "BAACAgUAAxkBAAI",
    "audio": "CQACAgUAAxkBAAI",
}
# Folders of file_path, as getFile gives them on Telegram.
_FILE_FOLDERS: dict[str, str] = {
    "document": "documents",
    "photo": "photos",
    "video": "videos",
    "audio": "music",
}

# Update types delivered when allowed_updates was never set or set to [] (Telegram's default).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def now() -> int:
    """Unix time now on the real clock (the emulated Telegram's is :meth:`EmuState.now`)."""
    return int(time.time())


@dataclass(eq=False)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False  # has sent anything to the bot in private: the bot may write
    blocked: bool = False
    deactivated: bool = False
    is_bot: bool = False  # only Telegram's fake senders (GroupAnonymousBot)

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def display_name(self) -> str:
        return self.first_name


@dataclass(eq=False)
class ChatRecord:
    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    username: str | None = None
    user: UserRecord | None = None  # the other side of a private chat
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_message_id: int = 1
    bot_is_member: bool = True
    bot_is_admin: bool = False
    reply_keyboard: JSON | None = None  # the custom keyboard the bot last showed here
    last_action: str | None = None
    is_forum: bool = False  # a supergroup with topics
    # the chat's forum topics by message_thread_id: a forum supergroup's, or a private chat's
    # when the bot has forum topic mode enabled (BotApiEmulator.topics_in_private_chats)
    topics: dict[int, str] = field(default_factory=dict)

    def to_api(self) -> JSON:
        if self.user is not None:
            data = self.user.to_api()
            data.pop("is_bot", None)
            data.pop("language_code", None)
            data["type"] = "private"
            return data
        data = {"id": self.id, "title": self.title or "", "type": self.type}
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data

    def open_topic(self, name: str) -> int:
        """A new forum topic: its message_thread_id, the id of the message that created it
        (the forum_topic_created service message itself is not modelled: nothing is
        stored under that id and no update tells the bot)."""
        thread = self.next_message_id
        self.next_message_id += 1
        self.topics[thread] = name
        return thread

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.title or str(self.id)


@dataclass(eq=False)
class MessageRecord:
    chat: ChatRecord
    message_id: int
    sender: UserRecord | None  # None: sent by the bot
    date: int
    # sent on behalf of a chat: a group's own, by an anonymous administrator (sender is then
    # GroupAnonymousBot), signed with the administrator's custom title if any
    sender_chat: ChatRecord | None = None
    author_signature: str | None = None
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    document: JSON | None = None
    photo: list[JSON] | None = None  # PhotoSize objects, smallest first
    video: JSON | None = None
    audio: JSON | None = None
    location: JSON | None = None  # a Location; a live one has live_period
    media_group_id: str | None = None
    show_caption_above_media: bool = False
    has_media_spoiler: bool = False
    has_protected_content: bool = False
    silent: bool = False  # sent with disable_notification (not part of the Message object)
    reply_markup: JSON | None = None  # only inline keyboards are part of a Message
    reply_to: MessageRecord | None = None
    thread_id: int | None = None  # the forum topic it is in (None: General, or no topics)
    edit_date: int | None = None
    deleted: bool = False
    version: int = 0  # +1 on every edit, so waiters can tell an edit happened
    bot_reactions: list[JSON] = field(default_factory=list)  # the bot's reaction, if any

    @property
    def from_bot(self) -> bool:
        return self.sender is None

    @property
    def has_media(self) -> bool:
        return any(m is not None for m in (self.document, self.photo, self.video, self.audio))

    @property
    def media_kind(self) -> FileKind | None:
        if self.photo is not None:
            return "photo"
        if self.video is not None:
            return "video"
        if self.audio is not None:
            return "audio"
        if self.document is not None:
            return "document"
        return None

    @property
    def media_file_id(self) -> str | None:
        """The file_id of the media (the largest size of a photo), if any."""
        if self.photo:
            return str(self.photo[-1]["file_id"])
        for media in (self.video, self.audio, self.document):
            if media is not None:
                return str(media["file_id"])
        return None

    def set_media(self, kind: FileKind, media: JSON | list[JSON]) -> None:
        """Replace whatever media the message has (editMessageMedia)."""
        self.document = self.photo = self.video = self.audio = None
        if kind == "photo":
            assert isinstance(media, list)
            self.photo = media
        else:
            assert isinstance(media, dict)
            setattr(self, kind, media)

    def to_api(self, bot_user: JSON, *, nested: bool = False) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "from": bot_user if self.sender is None else self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_api()
        if self.author_signature:
            data["author_signature"] = self.author_signature
        if self.thread_id is not None:  # Message: "for supergroups and private chats only"
            data["message_thread_id"] = self.thread_id
            data["is_topic_message"] = True
        if self.reply_to is not None and not nested and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(bot_user, nested=True)
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.has_protected_content:
            data["has_protected_content"] = True
        if self.media_group_id is not None:
            data["media_group_id"] = self.media_group_id
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = [dict(e) for e in self.entities]
        if self.audio is not None:
            data["audio"] = dict(self.audio)
        if self.document is not None:
            data["document"] = dict(self.document)
        if self.photo is not None:
            data["photo"] = [dict(size) for size in self.photo]
        if self.video is not None:
            data["video"] = dict(self.video)
        if self.location is not None:
            data["location"] = dict(self.location)
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = [dict(e) for e in self.caption_entities]
            if self.show_caption_above_media:
                data["show_caption_above_media"] = True
        if self.has_media_spoiler:
            data["has_media_spoiler"] = True
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass(eq=False)
class FileRecord:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str | None = None
    kind: FileKind = "document"
    width: int = 0  # photos: the size Telegram gives the photo (at most 2560 a side)
    height: int = 0

    def to_document(self) -> JSON:
        doc: JSON = {}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        doc.update(
            file_id=self.file_id,
            file_unique_id=self.file_unique_id,
            file_size=len(self.data),
        )
        return doc

    def to_photo(self) -> list[JSON]:
        """The PhotoSize array of a photo: one size, the original bytes at the photo's size.

        Telegram also adds smaller thumbnails (90, 320, 800, 1280 px boxes); the emulator does
        not resize images, so it gives only the largest size (``photo[-1]`` as on Telegram).
        """
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.data),
                "width": self.width,
                "height": self.height,
            }
        ]

    def to_video(self, width: int, height: int, duration: int) -> JSON:
        video: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        video.update(width=width, height=height, duration=duration)
        return {**video, **self._named(), "file_size": len(self.data)}

    def to_audio(self, duration: int, performer: str | None, title: str | None) -> JSON:
        audio: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        audio["duration"] = duration
        if performer:
            audio["performer"] = performer
        if title:
            audio["title"] = title
        return {**audio, **self._named(), "file_size": len(self.data)}

    def _named(self) -> JSON:
        named: JSON = {}
        if self.file_name:
            named["file_name"] = self.file_name
        if self.mime_type:
            named["mime_type"] = self.mime_type
        return named


@dataclass(eq=False)
class CallbackQueryRecord:
    id: str
    user: UserRecord
    message: MessageRecord
    data: str
    answered: bool = False
    answer: JSON | None = None
    future: asyncio.Future[JSON] | None = None


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class StateEvent:
    """Something happened that a transcript may show (see ``users.EmuEvent``)."""

    kind: str
    chat: ChatRecord | None = None
    message: MessageRecord | None = None
    user: UserRecord | None = None
    data: JSON = field(default_factory=dict)


class EmuState:
    """All data of one emulated bot and its world."""

    def __init__(self, bot_id: int, bot_first_name: str, bot_username: str) -> None:
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        # seconds the emulated Telegram's clock is ahead of the real one (advance_clock)
        self.clock_offset = 0
        self.users: dict[int, UserRecord] = {}
        # the sender of an anonymous group administrator's messages (EmuChat.send_anonymously):
        # no user the bot may write to, so not one of ``users``
        self.group_anonymous_bot = UserRecord(
            GROUP_ANONYMOUS_BOT_ID, "Group", username="GroupAnonymousBot", is_bot=True
        )
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self._unique_ids: dict[str, str] = {}  # sha256 -> file_unique_id
        self._file_paths: dict[str, FileRecord] = {}
        self._file_counter = itertools.count(1)
        self._media_group_counter = itertools.count(secrets.randbelow(10**17) + 10**17)
        self.updates: deque[JSON] = deque()
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.closing = False
        self.event_hooks: list[Callable[[StateEvent], None]] = []
        self._waiters: set[asyncio.Future[None]] = set()

    # -- identity -------------------------------------------------------------------------
    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # -- change notification --------------------------------------------------------------
    def notify(self) -> None:
        """Wake everybody waiting for a change (long polls, wait_message, webhook)."""
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    def change_future(self) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        return fut

    async def wait_changed(self, timeout: float) -> None:  # noqa: ASYNC109
        """Return after the next change, or after ``timeout`` seconds."""
        fut = self.change_future()
        try:
            async with asyncio.timeout(max(timeout, 0)):
                await fut
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(fut)

    def emit(self, event: StateEvent) -> None:
        for hook in list(self.event_hooks):
            hook(event)

    # -- users and chats ------------------------------------------------------------------
    def private_chat(self, user: UserRecord) -> ChatRecord:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = ChatRecord(id=user.id, type="private", user=user)
            self.chats[user.id] = chat
        return chat

    def resolve_chat(self, chat_id: int | str) -> ChatRecord | None:
        """The chat for a Bot API ``chat_id`` (an id, or ``@username`` of a public group)."""
        if isinstance(chat_id, str):
            if not chat_id.startswith("@"):
                return None
            name = chat_id[1:].lower()
            for chat in self.chats.values():
                if chat.user is None and chat.username and chat.username.lower() == name:
                    return chat
            return None
        found = self.chats.get(chat_id)
        if found is not None:
            return found
        user = self.users.get(chat_id)
        return self.private_chat(user) if user is not None else None

    def now(self) -> int:
        """Unix time on the emulated Telegram's clock: message dates, edit dates."""
        return now() + self.clock_offset

    # -- messages -------------------------------------------------------------------------
    def add_message(
        self, chat: ChatRecord, sender: UserRecord | None, **content: Any
    ) -> MessageRecord:
        message = MessageRecord(
            chat=chat,
            message_id=chat.next_message_id,
            sender=sender,
            date=self.now(),
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.notify()
        return message

    def live_message(self, chat: ChatRecord, message_id: int) -> MessageRecord | None:
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    def new_media_group_id(self) -> str:
        """A fresh media_group_id: the decimal text of a positive 64-bit number."""
        return str(next(self._media_group_counter))

    # -- files ----------------------------------------------------------------------------
    def store_file(
        self,
        data: bytes,
        file_name: str | None,
        mime_type: str | None,
        *,
        kind: FileKind = "document",
        width: int = 0,
        height: int = 0,
    ) -> FileRecord:
        """Keep an uploaded file. The same bytes of the same kind always get the same
        file_unique_id (a photo and a document of the same bytes are different files)."""
        digest = hashlib.sha256(data).digest()
        key = digest.hex() if kind == "document" else f"{kind}:{digest.hex()}"
        unique = self._unique_ids.get(key)
        if unique is None:
            seed = digest if kind == "document" else hashlib.sha256(key.encode()).digest()
            unique = "AgAD" + base64.urlsafe_b64encode(seed[:9]).decode().rstrip("=")
            self._unique_ids[key] = unique
        file_id = _FILE_ID_PREFIXES[kind] + secrets.token_urlsafe(33)
        record = FileRecord(
            file_id, unique, data, file_name, mime_type, kind=kind, width=width, height=height
        )
        self.files[file_id] = record
        return record

    def file_path_for(self, record: FileRecord) -> str:
        if record.file_path is None:
            suffix = PurePosixPath(record.file_name or "").suffix
            if record.kind == "photo":
                # Telegram recompresses photos to .jpg; the emulator keeps the original bytes.
                fmt = (record.mime_type or "image/jpeg").removeprefix("image/")
                suffix = ".jpg" if fmt == "jpeg" else f".{fmt}"
            if not suffix.replace(".", "").isalnum():
                suffix = ""
            folder = _FILE_FOLDERS[record.kind]
            record.file_path = f"{folder}/file_{next(self._file_counter)}{suffix.lower()}"
            self._file_paths[record.file_path] = record
        return record.file_path

    def file_by_path(self, path: str) -> FileRecord | None:
        return self._file_paths.get(path)

    # -- updates --------------------------------------------------------------------------
    def wants(self, update_type: str) -> bool:
        allowed = self.webhook.allowed_updates if self.webhook else self.allowed_updates
        if not allowed:
            return update_type not in _NOT_BY_DEFAULT
        return update_type in allowed

    def push_update(self, update_type: str, payload: JSON) -> JSON | None:
        """Queue an update for the bot, unless allowed_updates filters it out."""
        if not self.wants(update_type):
            return None
        update: JSON = {"update_id": self.next_update_id, update_type: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self.notify()
        return update

    def confirm_updates(self, offset: int) -> None:
        """getUpdates' offset semantics: drop what is confirmed (or all but the last -offset)."""
        if offset > 0:
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
        elif offset < 0:
            keep = list(self.updates)[offset:]
            self.updates = deque(keep)
