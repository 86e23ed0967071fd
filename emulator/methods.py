"""The Bot API methods the emulator implements, with Telegram's semantics and error texts.

Implemented: getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, close, logOut,
sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, deleteMessages,
answerCallbackQuery, sendDocument, getFile, setMyCommands, getMyCommands, deleteMyCommands,
sendChatAction, and (in ``emulator.media``) sendPhoto, sendMediaGroup, editMessageCaption,
editMessageMedia. Forum topics: ``message_thread_id`` of the send methods (a topic of a
forum supergroup, or of a private chat while ``BotApiEmulator.topics_in_private_chats``),
and a reply lands in the topic of the message it replies to.
Every other method of the spec answers 400 "Bad Request: method not supported by the
emulator" (after its parameters were validated), so a bot relying on one fails loudly.
"""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.errors import NOT_MODIFIED, ApiError, bad_request, forbidden
from emulator.html_entities import (
    Entity,
    HtmlParseError,
    finish_text,
    parse_html,
    sort_entities,
    utf16_len,
)
from emulator.media import CAPTION_LIMIT, MediaMethods
from emulator.spec import UploadedFile, load_spec
from emulator.state import (
    JSON,
    ChatRecord,
    EmuState,
    MessageRecord,
    StateEvent,
    WebhookConfig,
)

if TYPE_CHECKING:
    from emulator.server import BotApiEmulator

TEXT_LIMIT = 4096
CALLBACK_ANSWER_LIMIT = 200
MAX_BUTTONS = 100
DELETE_LIMIT = 100
DELETE_WITHIN = 48 * 3600
"""deleteMessage: "A message can only be deleted if it was sent less than 48 hours ago"."""

_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
# Parameters whose effect the emulator does not model; silently ignoring them could hide bugs.
_UNMODELLED = (
    "business_connection_id",
    "direct_messages_topic_id",
    "suggested_post_parameters",
    "message_effect_id",
    "inline_message_id",
)
# The methods whose message_thread_id is modelled (a topic of a forum supergroup, or of a
# private chat of a bot with forum topic mode enabled); any other refuses it.
_THREADED = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendmediagroup", "sendchataction"}
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
# matched whole (fullmatch: "$" would also match before a final line break, "tugas\n")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Described:
    """A result that Telegram sends with a ``description`` (setWebhook, deleteWebhook)."""

    result: Any
    description: str


@dataclass
class CallContext:
    """Per-request context; ``closed`` completes when the HTTP client goes away, ``files``
    holds every multipart part (for ``attach://<name>`` inside InputMedia)."""

    closed: asyncio.Future[None]
    files: dict[str, UploadedFile] = field(default_factory=dict)


Handler = Callable[[JSON, CallContext], Awaitable[Any]]


class BotMethods:
    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self._poll_terminator: asyncio.Future[None] | None = None
        self._reaction_emoji: frozenset[str] | None = None
        self.media = MediaMethods(self)
        self.handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "close": self.close,
            "logout": self.close,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "answercallbackquery": self.answer_callback_query,
            "senddocument": self.send_document,
            "sendphoto": self.media.send_photo,
            "sendmediagroup": self.media.send_media_group,
            "editmessagecaption": self.media.edit_message_caption,
            "editmessagemedia": self.media.edit_message_media,
            "getfile": self.get_file,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "sendchataction": self.send_chat_action,
            "setmessagereaction": self.set_message_reaction,
        }

    @property
    def state(self) -> EmuState:
        return self.emu.state

    async def dispatch(self, method: str, params: JSON, ctx: CallContext) -> Any:
        handler = self.handlers.get(method.lower())
        if handler is None:
            raise bad_request("method not supported by the emulator")
        for name in _UNMODELLED:
            if name in params:
                raise bad_request(f"parameter {name} is not supported by the emulator")
        if "message_thread_id" in params and method.lower() not in _THREADED:
            raise bad_request(
                f"parameter message_thread_id of {method} is not supported by the emulator"
            )
        return await handler(params, ctx)

    def stop_polling(self) -> None:
        if self._poll_terminator is not None and not self._poll_terminator.done():
            self._poll_terminator.set_result(None)

    # -- identity and lifecycle -----------------------------------------------------------
    async def get_me(self, params: JSON, ctx: CallContext) -> JSON:
        user = self.state.bot_user
        user.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.emu.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        if self.emu.topics_in_private_chats:  # "Returned only in getMe"
            user.update(has_topics_enabled=True, allows_users_to_create_topics=True)
        return user

    async def close(self, params: JSON, ctx: CallContext) -> bool:
        return True

    # -- updates --------------------------------------------------------------------------
    async def get_updates(self, params: JSON, ctx: CallContext) -> list[JSON]:
        state = self.state
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # Telegram ends a still-waiting earlier getUpdates with 409 when a new one arrives.
        self.stop_polling()
        terminator: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poll_terminator = terminator
        try:
            if "allowed_updates" in params:
                state.allowed_updates = list(params["allowed_updates"])
            state.confirm_updates(int(params.get("offset", 0)))
            limit = int(params.get("limit", 100))
            if not 1 <= limit <= 100:
                limit = 100
            timeout = max(0.0, float(params.get("timeout", 0)))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                if state.updates or state.closing:
                    return list(state.updates)[:limit]
                remaining = deadline - loop.time()
                if remaining <= 0 or ctx.closed.done():
                    return []
                changed = state.change_future()
                await asyncio.wait(
                    {changed, terminator, ctx.closed},
                    timeout=remaining,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if terminator.done() and not state.closing:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
        finally:
            if self._poll_terminator is terminator:
                self._poll_terminator = None

    async def set_webhook(self, params: JSON, ctx: CallContext) -> Described:
        url = str(params.get("url", ""))
        if not url:
            return await self.delete_webhook(params, ctx)
        self._check_webhook_url(url)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections", 40))
        if not 1 <= max_connections <= 100:
            raise bad_request("max_connections must be between 1 and 100")
        if "certificate" in params:
            raise bad_request("parameter certificate is not supported by the emulator")
        allowed = params.get("allowed_updates")
        if allowed is None and self.state.webhook is not None:
            allowed = self.state.webhook.allowed_updates
        elif allowed is None:
            allowed = self.state.allowed_updates
        self.stop_polling()
        self.state.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            allowed_updates=list(allowed) if allowed is not None else None,
            ip_address=params.get("ip_address"),
        )
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        self.emu.webhook.kick()
        return Described(True, "Webhook was set")

    def _check_webhook_url(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if self.emu.allow_insecure_webhook:
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise bad_request("bad webhook: invalid webhook URL specified")
            return
        if parts.scheme != "https" or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in (80, 88, 443, 8443):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )

    async def delete_webhook(self, params: JSON, ctx: CallContext) -> Described:
        had = self.state.webhook is not None
        self.state.webhook = None
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        self.state.notify()
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def get_webhook_info(self, params: JSON, ctx: CallContext) -> JSON:
        hook = self.state.webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if hook is not None:
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message or ""
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
        return info

    # -- chats ----------------------------------------------------------------------------
    def writable_chat(self, chat_id: int | str) -> ChatRecord:
        """The target chat, if the bot may write there (Telegram's 400/403 rules)."""
        chat = self.state.resolve_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.user is not None:
            if chat.user.deactivated:
                raise forbidden("user is deactivated")
            if chat.user.blocked:
                raise forbidden("bot was blocked by the user")
            if not chat.user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif not chat.bot_is_member:
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        return chat

    def message_in(self, params: JSON, *, missing: str) -> tuple[ChatRecord, MessageRecord]:
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self.writable_chat(params["chat_id"])
        message = self.state.live_message(chat, int(params["message_id"]))
        if message is None:
            raise bad_request(missing)
        return chat, message

    # -- formatting -----------------------------------------------------------------------
    def formatted(
        self,
        text: str,
        parse_mode: str | None,
        entities: list[JSON] | None,
        *,
        limit: int,
        caption: bool,
    ) -> tuple[str, list[Entity]]:
        """Text and entities as Telegram stores them, with its length and emptiness rules."""
        if entities is not None:
            plain, found = text, self._given_entities(text, entities)
        elif parse_mode:
            mode = parse_mode.lower()
            if mode == "html":
                try:
                    plain, found = parse_html(
                        text,
                        strict_ampersand=self.emu.strict_html_ampersand,
                        lookup_user=self._mentionable_user,
                    )
                except HtmlParseError as exc:
                    raise bad_request(f"can't parse entities: {exc}") from None
            elif mode in ("markdown", "markdownv2"):
                raise bad_request(f"parse_mode {parse_mode} is not supported by the emulator")
            else:
                raise bad_request(f"unsupported parse_mode {parse_mode}")
        else:
            plain, found = text, []
        plain, found = finish_text(plain, found)
        if not plain and not caption:
            raise bad_request("message must be non-empty")
        if len(plain) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return plain, found

    def _given_entities(self, text: str, entities: list[JSON]) -> list[Entity]:
        total = utf16_len(text)
        result: list[Entity] = []
        for entity in entities:
            offset, length = int(entity["offset"]), int(entity["length"])
            if offset < 0 or length < 0:
                raise bad_request(f"can't parse entities: entity with offset {offset} is invalid")
            if length == 0 or offset >= total:
                continue
            result.append({**entity, "length": min(length, total - offset)})
        return sort_entities(result)

    def _mentionable_user(self, user_id: int) -> JSON | None:
        user = self.state.users.get(user_id)
        return user.to_api() if user is not None else None

    # -- keyboards ------------------------------------------------------------------------
    def inline_keyboard(self, markup: Any) -> JSON | None:
        """Validate an InlineKeyboardMarkup; None when it has no buttons (no keyboard)."""
        if markup is None:
            return None
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        count = 0
        clean_rows: list[list[JSON]] = []
        for row in rows:
            clean: list[JSON] = []
            for button in row:
                clean.append(self._inline_button(button))
                count += 1
            if clean:
                clean_rows.append(clean)
        if count > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        return {"inline_keyboard": clean_rows} if clean_rows else None

    @staticmethod
    def _inline_button(button: Any) -> JSON:
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise bad_request(prefix + "InlineKeyboardButton must be an Object")
        text = button.get("text")
        if not isinstance(text, str):
            raise bad_request(prefix + 'Field "text" must be of type String')
        if not text.strip():
            raise bad_request("BUTTON_TEXT_INVALID")
        actions = [name for name in _BUTTON_ACTIONS if name in button]
        if not actions:
            raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad_request(
                prefix + f"exactly one of the action fields must be used, got {', '.join(actions)} "
                "(the emulator is stricter than Telegram here)"
            )
        action = actions[0]
        if action == "callback_data":
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        if action == "url":
            url = button["url"]
            if not isinstance(url, str) or not (
                url.lower().startswith("tg://") or _valid_http_url(url)
            ):
                raise bad_request("BUTTON_URL_INVALID")
        keep = ("text", "icon_custom_emoji_id", "style", action)
        return {name: button[name] for name in keep if name in button}

    def apply_markup(self, chat: ChatRecord, markup: Any) -> JSON | None:
        """Any reply_markup of a send method: the inline keyboard to store, or None."""
        if markup is None:
            return None
        if "inline_keyboard" in markup:
            return self.inline_keyboard(markup)
        if "keyboard" in markup:
            for row in markup["keyboard"]:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text", "")
                    if not str(text).strip():
                        raise bad_request("BUTTON_TEXT_INVALID")
            chat.reply_keyboard = markup
        elif "remove_keyboard" in markup:
            chat.reply_keyboard = None
        return None

    def reply_target(self, chat: ChatRecord, params: JSON) -> MessageRecord | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        if "chat_id" in reply and self.state.resolve_chat(reply["chat_id"]) is not chat:
            raise bad_request("replies to other chats are not supported by the emulator")
        if "quote" in reply:
            raise bad_request("reply quotes are not supported by the emulator")
        target = self.state.live_message(chat, int(reply["message_id"]))
        if target is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return target

    def topic(self, chat: ChatRecord, params: JSON, reply_to: MessageRecord | None) -> int | None:
        """The forum topic a sent message lands in. message_thread_id: "for forum
        supergroups and private chats of bots with forum topic mode enabled only", an
        existing topic of the chat; without it, a reply stays in the topic of the message it
        replies to, and any other message goes to the General topic (no thread)."""
        thread = params.get("message_thread_id")
        if thread is None:
            return reply_to.thread_id if reply_to is not None else None
        has_topics = chat.is_forum or (chat.user is not None and self.emu.topics_in_private_chats)
        if not has_topics or int(thread) not in chat.topics:
            raise bad_request("message thread not found")
        return int(thread)

    @staticmethod
    def delivery_flags(params: JSON) -> JSON:
        """MessageRecord fields for protect_content and disable_notification."""
        return {
            "has_protected_content": bool(params.get("protect_content")),
            "silent": bool(params.get("disable_notification")),
        }

    # -- sending --------------------------------------------------------------------------
    async def send_message(self, params: JSON, ctx: CallContext) -> JSON:
        chat = self.writable_chat(params["chat_id"])
        text, entities = self.formatted(
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            limit=TEXT_LIMIT,
            caption=False,
        )
        markup = self.apply_markup(chat, params.get("reply_markup"))
        reply_to = self.reply_target(chat, params)
        thread = self.topic(chat, params, reply_to)
        message = self.state.add_message(
            chat,
            None,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
            thread_id=thread,
            **self.delivery_flags(params),
        )
        self.state.emit(StateEvent("bot_message", chat, message))
        return message.to_api(self.state.bot_user)

    async def send_document(self, params: JSON, ctx: CallContext) -> JSON:
        chat = self.writable_chat(params["chat_id"])
        media = self.media.resolve_file(params["document"], "document", params, ctx)
        caption, caption_entities = self.formatted(
            params.get("caption", ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            caption=True,
        )
        markup = self.apply_markup(chat, params.get("reply_markup"))
        reply_to = self.reply_target(chat, params)
        thread = self.topic(chat, params, reply_to)
        message = self.state.add_message(
            chat,
            None,
            thread_id=thread,
            document=media.store(self).to_document(),
            caption=caption or None,
            caption_entities=caption_entities,
            reply_markup=markup,
            reply_to=reply_to,
            **self.delivery_flags(params),
        )
        self.state.emit(StateEvent("bot_message", chat, message))
        return message.to_api(self.state.bot_user)

    # -- editing --------------------------------------------------------------------------
    async def edit_message_text(self, params: JSON, ctx: CallContext) -> JSON:
        chat, message = self.message_in(params, missing="message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self.formatted(
            params["text"],
            params.get("parse_mode"),
            params.get("entities"),
            limit=TEXT_LIMIT,
            caption=False,
        )
        # Without reply_markup an edit removes the inline keyboard, as on Telegram.
        markup = self.inline_keyboard(params.get("reply_markup"))
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        return self.edited(chat, message)

    async def edit_message_reply_markup(self, params: JSON, ctx: CallContext) -> JSON:
        chat, message = self.message_in(params, missing="message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        markup = self.inline_keyboard(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        return self.edited(chat, message)

    def edited(self, chat: ChatRecord, message: MessageRecord) -> JSON:
        message.edit_date = self.state.now()
        message.version += 1
        self.state.notify()
        self.state.emit(StateEvent("bot_edit", chat, message))
        return message.to_api(self.state.bot_user)

    async def delete_message(self, params: JSON, ctx: CallContext) -> bool:
        chat, message = self.message_in(params, missing="message to delete not found")
        if not self._deletable(chat, message):
            raise bad_request("message can't be deleted")
        if not self._recent(message):
            raise bad_request("message can't be deleted for everyone")
        self._delete(chat, message)
        return True

    async def delete_messages(self, params: JSON, ctx: CallContext) -> bool:
        """Telegram skips messages it can't find (or can't delete) and answers True."""
        ids = params["message_ids"]
        if not ids:
            raise bad_request("message identifiers are not specified")
        if len(ids) > DELETE_LIMIT:
            raise bad_request("too many message identifiers specified")
        if any(message_id <= 0 for message_id in ids):
            raise bad_request("invalid message identifier specified")
        chat = self.writable_chat(params["chat_id"])
        for message_id in dict.fromkeys(ids):
            message = self.state.live_message(chat, message_id)
            if message is not None and self._deletable(chat, message) and self._recent(message):
                self._delete(chat, message)
        return True

    @staticmethod
    def _deletable(chat: ChatRecord, message: MessageRecord) -> bool:
        """The spec's rights: the bot's own messages, anything in a private chat, anything
        in a group it administers. (Its other limits concern messages the emulator does
        not make: service messages of a chat's creation, dice, channels.)"""
        return message.from_bot or chat.user is not None or chat.bot_is_admin

    def _recent(self, message: MessageRecord) -> bool:
        """Sent less than 48 hours ago on the emulated clock (``advance_clock``)."""
        return self.state.now() - message.date < DELETE_WITHIN

    def _delete(self, chat: ChatRecord, message: MessageRecord) -> None:
        message.deleted = True
        self.state.notify()
        self.state.emit(StateEvent("bot_delete", chat, message))

    # -- reactions ------------------------------------------------------------------------

    async def set_message_reaction(self, params: JSON, ctx: CallContext) -> bool:
        """The bot's reaction on a message (at most one for a bot; an empty list clears it).
        Only the emoji of ReactionTypeEmoji's documented list are accepted. On a message of a
        media group the reaction is set to the group's first message not deleted, as the spec
        says."""
        chat, message = self.message_in(params, missing="message to react not found")
        if message.media_group_id is not None:
            message = min(
                (
                    m
                    for m in chat.messages.values()
                    if m.media_group_id == message.media_group_id and not m.deleted
                ),
                key=lambda m: m.message_id,
            )
        reactions = params.get("reaction") or []
        if len(reactions) > 1:
            raise bad_request("REACTIONS_TOO_MANY")
        chosen: list[JSON] = []
        for reaction in reactions:
            kind = reaction.get("type")
            if kind == "emoji":
                if reaction.get("emoji") not in self.reaction_emoji():
                    raise bad_request("REACTION_INVALID")
            elif kind != "custom_emoji":
                raise bad_request("REACTION_INVALID")
            chosen.append(dict(reaction))
        message.bot_reactions = chosen
        message.version += 1
        self.state.notify()
        self.state.emit(StateEvent("bot_reaction", chat, message))
        return True

    def reaction_emoji(self) -> frozenset[str]:
        """The emoji ReactionTypeEmoji documents, read from the spec once."""
        if self._reaction_emoji is None:
            field = next(
                f for f in load_spec().types["ReactionTypeEmoji"]["fields"] if f["name"] == "emoji"
            )
            self._reaction_emoji = frozenset(re.findall(r'"([^"]+)"', field["description"]))
        return self._reaction_emoji

    # -- callback queries -----------------------------------------------------------------
    async def answer_callback_query(self, params: JSON, ctx: CallContext) -> bool:
        query = self.state.callback_queries.get(params["callback_query_id"])
        if query is None or query.answered:
            raise bad_request(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        if "url" in params:
            raise bad_request("answerCallbackQuery url is not supported by the emulator")
        answer: JSON = {"text": text, "show_alert": bool(params.get("show_alert", False))}
        query.answered = True
        query.answer = answer
        if query.future is not None and not query.future.done():
            query.future.set_result(answer)
        self.state.notify()
        self.state.emit(
            StateEvent("bot_answer", query.message.chat, query.message, query.user, answer)
        )
        return True

    # -- files ----------------------------------------------------------------------------
    async def get_file(self, params: JSON, ctx: CallContext) -> JSON:
        record = self.state.files.get(params["file_id"])
        if record is None:
            raise bad_request("invalid file_id")
        file_path = self.state.file_path_for(record)
        local = self.emu.local_mode_dir
        if local is not None:
            # a server run with --local: no size limit; the file is saved in its working
            # directory and file_path is the absolute path there (nothing to download)
            target = (local / self.emu.token / file_path).resolve()
            if not target.is_file():
                await asyncio.to_thread(_save, target, record.data)
            file_path = str(target)
        elif len(record.data) > self.emu.max_download_size:
            raise bad_request("file is too big")
        found: JSON = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
        }
        if self.emu.give_file_paths:
            found["file_path"] = file_path
        return found

    # -- commands -------------------------------------------------------------------------
    def _scope_key(self, params: JSON) -> tuple[str, str]:
        language = params.get("language_code", "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in _SCOPES:
            raise bad_request("unsupported bot command scope type")
        key = kind
        if kind.startswith("chat"):
            if "chat_id" not in scope:
                raise bad_request("chat_id is empty")
            chat = self.state.resolve_chat(scope["chat_id"])
            if chat is None:
                raise bad_request("chat not found")
            key = f"{kind}:{chat.id}"
            if kind == "chat_member":
                if "user_id" not in scope or scope["user_id"] not in self.state.users:
                    raise bad_request("user not found")
                key += f":{scope['user_id']}"
        return key, language

    async def set_my_commands(self, params: JSON, ctx: CallContext) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        clean: list[JSON] = []
        for command in commands:
            name, description = command["command"], command["description"]
            if not _COMMAND_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise bad_request("command description must be 1-256 characters")
            clean.append({"command": name, "description": description})
        key = self._scope_key(params)
        if clean:
            self.state.commands[key] = clean
        else:
            self.state.commands.pop(key, None)
        return True

    async def get_my_commands(self, params: JSON, ctx: CallContext) -> list[JSON]:
        return [dict(c) for c in self.state.commands.get(self._scope_key(params), [])]

    async def delete_my_commands(self, params: JSON, ctx: CallContext) -> bool:
        self.state.commands.pop(self._scope_key(params), None)
        return True

    async def send_chat_action(self, params: JSON, ctx: CallContext) -> bool:
        chat = self.writable_chat(params["chat_id"])
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.topic(chat, params, None)
        chat.last_action = params["action"]
        return True


def _valid_http_url(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and " " not in url


def _save(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
