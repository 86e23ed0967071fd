"""Files and media: sendPhoto, sendMediaGroup, editMessageCaption, editMessageMedia.

Files are resolved as the official Bot API server and TDLib do: an upload (a multipart part,
directly or named by ``attach://<part>``), a ``file_id`` of a file of a compatible type, or a
URL (refused: the emulator fetches nothing). Uploads are checked before anything is stored, so
a refused call (or album) sends and stores nothing. Error texts are Telegram's:

* ``file must be non-empty``; ``wrong file identifier/HTTP URL specified``;
  ``can't use file of type Photo as Document`` (a photo's file_id sent as a document);
* ``file of size N bytes is too big for a photo; the maximum size is 10485760 bytes``;
* ``IMAGE_PROCESS_FAILED`` (not an image), ``PHOTO_INVALID_DIMENSIONS`` (width + height over
  10000, or a side more than 20 times the other): Telegram's servers give these after the
  Bot API server accepted the request, so in an album they come as ``failed to send message
  #N with the error message "IMAGE_PROCESS_FAILED"``;
* albums: ``there are no messages to send``, ``too many messages to send as an album``,
  ``document can't be mixed with other media types`` (likewise ``audio``), ``parameter
  show_caption_above_media must be the same for all messages``, and for an item the Bot API
  server cannot read ``can't parse InputMedia: media not found`` / ``type "x" is unsupported``
  / ``type "animation" can't be used in sendMediaGroup``.

Where the emulator is stricter than Telegram the error says so: a one-item album (Telegram
sends it as a plain message; see ``BotApiEmulator.strict_albums``), animations and live photos
(not modelled), files by URL.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.errors import NOT_MODIFIED, ApiError, bad_request
from emulator.html_entities import Entity
from emulator.images import image_info, photo_size
from emulator.spec import UploadedFile
from emulator.state import JSON, FileKind, FileRecord, MessageRecord, StateEvent

if TYPE_CHECKING:
    from emulator.methods import BotMethods, CallContext
    from emulator.server import BotApiEmulator

CAPTION_LIMIT = 1024
ALBUM_LIMIT = 10
PHOTO_SUM_LIMIT = 10000
PHOTO_RATIO_LIMIT = 20

_INPUT_MEDIA_TYPES = frozenset({"animation", "audio", "document", "live_photo", "photo", "video"})
_MODELLED_KINDS: dict[str, FileKind] = {
    "photo": "photo",
    "document": "document",
    "video": "video",
    "audio": "audio",
}
# TDLib's names of file types in "can't use file of type X as Y".
_TDLIB_TYPE_NAMES: dict[str, str] = {
    "photo": "Photo",
    "document": "Document",
    "video": "Video",
    "audio": "Audio",
}
_DEFAULT_NAMES: dict[str, str] = {"document": "document", "video": "video.mp4", "audio": "audio"}


@dataclass
class MediaFile:
    """A file to send: checked, but not stored until the whole call is known to succeed."""

    kind: FileKind
    existing: FileRecord | None = None
    upload: UploadedFile | None = None
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    refusal: str | None = None  # what Telegram's servers answer when they process the upload

    def store(self, methods: BotMethods) -> FileRecord:
        if self.existing is not None:
            return self.existing
        assert self.upload is not None
        return methods.state.store_file(
            self.upload.body,
            self.file_name,
            self.mime_type,
            kind=self.kind,
            width=self.width,
            height=self.height,
        )


@dataclass
class MediaItem:
    """One InputMedia object, read as the Bot API server reads it (before the chat)."""

    kind: FileKind
    source: UploadedFile | str
    caption: str
    caption_entities: list[Entity]
    raw: JSON

    @property
    def caption_above(self) -> bool:
        return self.kind in ("photo", "video") and bool(self.raw.get("show_caption_above_media"))


class MediaMethods:
    """The media methods; registered in ``BotMethods.handlers``."""

    def __init__(self, methods: BotMethods) -> None:
        self.methods = methods

    @property
    def emu(self) -> BotApiEmulator:
        return self.methods.emu

    # -- files ----------------------------------------------------------------------------
    def resolve_file(
        self, source: UploadedFile | str, kind: FileKind, options: JSON, ctx: CallContext
    ) -> MediaFile:
        """The file a parameter (or an InputMedia's ``media``) names, checked for ``kind``."""
        if isinstance(source, str) and source.startswith("attach://"):
            part = ctx.files.get(source.removeprefix("attach://"))
            if part is None:
                raise bad_request("can't parse InputMedia: media not found")
            source = part
        if isinstance(source, UploadedFile):
            return self._uploaded(source, kind, options)
        if source.lower().startswith(("http://", "https://")):
            raise bad_request("sending files by URL is not supported by the emulator")
        record = self.methods.state.files.get(source)
        if record is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        # Photos are a file class of their own; documents, videos and audio share one.
        if (record.kind == "photo") != (kind == "photo"):
            raise bad_request(
                f"can't use file of type {_TDLIB_TYPE_NAMES[record.kind]} as "
                f"{_TDLIB_TYPE_NAMES[kind]}"
            )
        return MediaFile(kind, existing=record)

    def _uploaded(self, upload: UploadedFile, kind: FileKind, options: JSON) -> MediaFile:
        size = len(upload.body)
        if size > self.emu.max_upload_size:
            raise ApiError(413, "Request Entity Too Large")
        if not size:
            raise bad_request("file must be non-empty")
        if kind != "photo":
            name = upload.filename or _DEFAULT_NAMES[kind]
            mime = upload.content_type or "application/octet-stream"
            if not options.get("disable_content_type_detection"):
                mime = mimetypes.guess_type(name)[0] or mime
            return MediaFile(kind, upload=upload, file_name=name, mime_type=mime)
        limit = self.emu.max_photo_size
        if size > limit:
            raise bad_request(
                f"file of size {size} bytes is too big for a photo; "
                f"the maximum size is {limit} bytes"
            )
        info = image_info(upload.body)
        if info is None:
            return MediaFile(kind, upload=upload, refusal="IMAGE_PROCESS_FAILED")
        long_side, short_side = max(info.width, info.height), min(info.width, info.height)
        if long_side + short_side > PHOTO_SUM_LIMIT or long_side > PHOTO_RATIO_LIMIT * short_side:
            return MediaFile(kind, upload=upload, refusal="PHOTO_INVALID_DIMENSIONS")
        width, height = photo_size(info)
        return MediaFile(
            kind, upload=upload, mime_type=f"image/{info.format}", width=width, height=height
        )

    @staticmethod
    def media_content(kind: FileKind, record: FileRecord, options: JSON) -> JSON:
        """The Message fields for a file sent as ``kind`` (with InputMedia's extras)."""
        if kind == "photo":
            return {"photo": record.to_photo()}
        if kind == "video":
            video = record.to_video(
                max(0, int(options.get("width", 0))),
                max(0, int(options.get("height", 0))),
                max(0, int(options.get("duration", 0))),
            )
            return {"video": video}
        if kind == "audio":
            audio = record.to_audio(
                max(0, int(options.get("duration", 0))),
                options.get("performer"),
                options.get("title"),
            )
            return {"audio": audio}
        return {"document": record.to_document()}

    def read_input_media(self, raw: JSON, ctx: CallContext, *, album: bool) -> MediaItem:
        kind = raw["type"]
        if album and kind == "animation":
            raise bad_request(
                "can't parse InputMedia: type \"animation\" can't be used in sendMediaGroup"
            )
        if kind not in _INPUT_MEDIA_TYPES:
            raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
        if kind not in _MODELLED_KINDS:
            raise bad_request(f"InputMedia of type {kind} is not supported by the emulator")
        caption, entities = self.methods.formatted(
            raw.get("caption", ""),
            raw.get("parse_mode"),
            raw.get("caption_entities"),
            limit=CAPTION_LIMIT,
            caption=True,
        )
        source = raw["media"]
        if source.startswith("attach://") and source.removeprefix("attach://") not in ctx.files:
            raise bad_request("can't parse InputMedia: media not found")
        return MediaItem(_MODELLED_KINDS[kind], source, caption, entities, raw)

    # -- sending --------------------------------------------------------------------------
    async def send_photo(self, params: JSON, ctx: CallContext) -> JSON:
        methods = self.methods
        chat = methods.writable_chat(params["chat_id"])
        media = self.resolve_file(params["photo"], "photo", params, ctx)
        caption, caption_entities = methods.formatted(
            params.get("caption", ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            caption=True,
        )
        markup = methods.apply_markup(chat, params.get("reply_markup"))
        reply_to = methods.reply_target(chat, params)
        thread = methods.topic(chat, params, reply_to)
        if media.refusal is not None:
            raise bad_request(media.refusal)
        record = media.store(methods)
        message = methods.state.add_message(
            chat,
            None,
            thread_id=thread,
            photo=record.to_photo(),
            caption=caption or None,
            caption_entities=caption_entities,
            show_caption_above_media=bool(caption and params.get("show_caption_above_media")),
            has_media_spoiler=bool(params.get("has_spoiler")),
            reply_markup=markup,
            reply_to=reply_to,
            **methods.delivery_flags(params),
        )
        methods.state.emit(StateEvent("bot_message", chat, message))
        return message.to_api(methods.state.bot_user)

    async def send_media_group(self, params: JSON, ctx: CallContext) -> list[JSON]:
        methods = self.methods
        items = [self.read_input_media(raw, ctx, album=True) for raw in params["media"]]
        chat = methods.writable_chat(params["chat_id"])
        reply_to = methods.reply_target(chat, params)
        thread = methods.topic(chat, params, reply_to)
        if not items:
            raise bad_request("there are no messages to send")
        if len(items) > ALBUM_LIMIT:
            raise bad_request("too many messages to send as an album")
        if len(items) == 1 and self.emu.strict_albums:
            raise bad_request(
                "an album must have 2-10 items (Telegram sends a single item as a plain "
                "message; the emulator is stricter here, see BotApiEmulator.strict_albums)"
            )
        files = [self.resolve_file(item.source, item.kind, item.raw, ctx) for item in items]
        self._check_album(items)
        for position, media in enumerate(files, start=1):
            if media.refusal is not None:
                raise bad_request(
                    f'failed to send message #{position} with the error message "{media.refusal}"'
                )
        group_id = methods.state.new_media_group_id() if len(items) > 1 else None
        flags = methods.delivery_flags(params)
        messages: list[MessageRecord] = []
        for item, media in zip(items, files, strict=True):
            record = media.store(methods)
            messages.append(
                methods.state.add_message(
                    chat,
                    None,
                    caption=item.caption or None,
                    caption_entities=item.caption_entities,
                    show_caption_above_media=bool(item.caption and item.caption_above),
                    has_media_spoiler=bool(item.raw.get("has_spoiler")),
                    media_group_id=group_id,
                    reply_to=reply_to,
                    thread_id=thread,
                    **self.media_content(item.kind, record, item.raw),
                    **flags,
                )
            )
        for message in messages:
            methods.state.emit(
                StateEvent("bot_message", chat, message, data={"media_group_id": group_id})
            )
        return [message.to_api(methods.state.bot_user) for message in messages]

    @staticmethod
    def _check_album(items: list[MediaItem]) -> None:
        """Telegram's album rules: documents and audio only with their own kind."""
        kinds = {item.kind for item in items}
        for item in items:
            if item.kind in ("document", "audio") and len(kinds) > 1:
                raise bad_request(f"{item.kind} can't be mixed with other media types")
        if len({item.caption_above for item in items if item.kind in ("photo", "video")}) > 1:
            raise bad_request(
                "parameter show_caption_above_media must be the same for all messages"
            )

    # -- editing --------------------------------------------------------------------------
    async def edit_message_caption(self, params: JSON, ctx: CallContext) -> JSON:
        methods = self.methods
        chat, message = methods.message_in(params, missing="message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        if not message.has_media:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = methods.formatted(
            params.get("caption", ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            caption=True,
        )
        # Without reply_markup an edit removes the inline keyboard, as on Telegram.
        markup = methods.inline_keyboard(params.get("reply_markup"))
        above = (
            bool(caption)
            and message.media_kind in ("photo", "video")
            and bool(params.get("show_caption_above_media"))
        )
        new = (caption or None, entities if caption else [], markup, above)
        old = (
            message.caption or None,
            message.caption_entities if message.caption else [],
            message.reply_markup,
            message.show_caption_above_media,
        )
        if new == old:
            raise bad_request(NOT_MODIFIED)
        message.caption, message.caption_entities = new[0], new[1]
        message.reply_markup, message.show_caption_above_media = markup, above
        return methods.edited(chat, message)

    async def edit_message_media(self, params: JSON, ctx: CallContext) -> JSON:
        methods = self.methods
        markup = methods.inline_keyboard(params.get("reply_markup"))
        item = self.read_input_media(params["media"], ctx, album=False)
        chat, message = methods.message_in(params, missing="message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        if message.media_group_id is not None:
            current = message.media_kind
            allowed = {"document"} if current == "document" else {"audio"}
            if current not in ("document", "audio"):
                allowed = {"photo", "video"}
            if item.kind not in allowed:
                raise bad_request("MEDIA_GROUPED_INVALID")
        media = self.resolve_file(item.source, item.kind, item.raw, ctx)
        if media.refusal is not None:
            raise bad_request(media.refusal)
        if (
            media.existing is not None
            and message.media_kind == item.kind
            and message.media_file_id is not None
            and self._same_file(message.media_file_id, media.existing)
            and (item.caption or None, item.caption_entities, markup)
            == (message.caption or None, message.caption_entities, message.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED)
        record = media.store(methods)
        content = self.media_content(item.kind, record, item.raw)
        message.set_media(item.kind, content[item.kind])
        message.text, message.entities = None, []
        message.caption, message.caption_entities = item.caption or None, item.caption_entities
        message.show_caption_above_media = bool(item.caption and item.caption_above)
        message.has_media_spoiler = bool(item.raw.get("has_spoiler"))
        message.reply_markup = markup
        return methods.edited(chat, message)

    def _same_file(self, file_id: str, record: FileRecord) -> bool:
        current = self.methods.state.files.get(file_id)
        return current is not None and current.file_unique_id == record.file_unique_id
