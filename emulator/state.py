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
from typing import Any

JSON = dict[str, Any]

# Update types delivered when allowed_updates was never set or set to [] (Telegram's default).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def now() -> int:
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

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
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
        return data

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
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    document: JSON | None = None
    reply_markup: JSON | None = None  # only inline keyboards are part of a Message
    reply_to: MessageRecord | None = None
    edit_date: int | None = None
    deleted: bool = False
    version: int = 0  # +1 on every edit, so waiters can tell an edit happened

    @property
    def from_bot(self) -> bool:
        return self.sender is None

    def to_api(self, bot_user: JSON, *, nested: bool = False) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "from": bot_user if self.sender is None else self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None and not nested and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(bot_user, nested=True)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = [dict(e) for e in self.entities]
        if self.document is not None:
            data["document"] = dict(self.document)
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = [dict(e) for e in self.caption_entities]
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
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self._unique_ids: dict[str, str] = {}  # sha256 -> file_unique_id
        self._file_paths: dict[str, FileRecord] = {}
        self._file_counter = itertools.count(1)
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
            await asyncio.wait_for(fut, timeout=max(timeout, 0))
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

    # -- messages -------------------------------------------------------------------------
    def add_message(
        self, chat: ChatRecord, sender: UserRecord | None, **content: Any
    ) -> MessageRecord:
        message = MessageRecord(
            chat=chat,
            message_id=chat.next_message_id,
            sender=sender,
            date=now(),
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.notify()
        return message

    def live_message(self, chat: ChatRecord, message_id: int) -> MessageRecord | None:
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    # -- files ----------------------------------------------------------------------------
    def store_file(self, data: bytes, file_name: str | None, mime_type: str | None) -> FileRecord:
        """Keep an uploaded file. The same bytes always get the same file_unique_id."""
        digest = hashlib.sha256(data).digest()
        unique = self._unique_ids.get(digest.hex())
        if unique is None:
            unique = "AgAD" + base64.urlsafe_b64encode(digest[:9]).decode().rstrip("=")
            self._unique_ids[digest.hex()] = unique
        file_id = "BQACAgUAAxkBAAI" + secrets.token_urlsafe(33)
        record = FileRecord(file_id, unique, data, file_name, mime_type)
        self.files[file_id] = record
        return record

    def file_path_for(self, record: FileRecord) -> str:
        if record.file_path is None:
            suffix = PurePosixPath(record.file_name or "").suffix
            if not suffix.replace(".", "").isalnum():
                suffix = ""
            record.file_path = f"documents/file_{next(self._file_counter)}{suffix.lower()}"
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
