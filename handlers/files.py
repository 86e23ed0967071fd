"""Uploads: files sent in the chat become versioned documents of the case's current step.

Checks come before anything touches the disk: the user must hold a step that expects
uploads, the type must be on the allowlist, the size within the limit, and the content
what the name claims (an empty file or a text file named .docx is refused politely). The
document a file satisfies is read from its name or caption; when that is unclear the bot
asks. Recording the file, attaching it and queueing the acknowledgement is one transaction.
"""

from __future__ import annotations

import re
import unicodedata

from telegram import Document, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, MessageHandler, filters

from bot import texts as t
from bot.config import CLOUD_MAX_FILE_MB
from bot.core.definition import SopDefinition
from bot.core.model import Case, DomainError
from bot.filecheck import check_file
from bot.filecheck import refusal_text as file_refusal
from bot.filestore import extension, safe_name
from bot.services.cases import AlreadyApplied, Upload
from handlers.common import Context, log, refusal_text, reply, user_id

CASE_TAG = re.compile(r"#([0-9]{1,9})\b", re.ASCII)
_STOP = {"draf", "dan", "biro", "the"}
_TOO_BIG = "file is too big"  # getFile's refusal of a file above the server's limit


def guess_document(definition: SopDefinition, upload_ids: tuple[str, ...], text: str) -> str | None:
    """The one upload whose id words all appear in the file name or caption, if exactly one."""
    words = set(re.split(r"[^a-z0-9]+", text.lower()))
    matches = []
    for doc_id in upload_ids:
        keys = {w for w in doc_id.split("_") if w not in _STOP}
        if keys and keys <= words:
            matches.append(definition.canonical(doc_id))
    return matches[0] if len(set(matches)) == 1 else None


async def on_document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    svc = context.services
    document: Document = message.document
    name = safe_name(document.file_name or "dokumen")

    async def answer_file(text: str) -> None:
        """An answer about this file, quoting it: of several files sent at once (an album),
        the official sees which one it concerns."""
        quoted = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        await reply(update, text, reply_parameters=quoted)

    caption = message.caption or ""
    replied = message.reply_to_message
    from_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    cases, replied_case = await svc.queries.upload_cases(
        user_id(update), replied.message_id if replied is not None and from_bot else None
    )
    if not cases:
        await answer_file(t.NO_UPLOAD_EXPECTED)
        return
    allowed = svc.config.storage.allowed_extensions
    if extension(name) not in allowed:
        ext = extension(name) or "(tanpa ekstensi)"
        await answer_file(t.FILE_TYPE_REFUSED.format(ext=t.e(ext), allowed=", ".join(allowed)))
        return
    limit = svc.config.storage.max_file_mb * 1024 * 1024
    if document.file_size is not None and document.file_size > limit:
        await answer_file(t.FILE_TOO_BIG.format(limit=svc.config.storage.max_file_mb))
        return
    case = _pick_case(cases, caption, replied_case)
    if not isinstance(case, Case):
        numbers = ", ".join(f"#{c.id}" for c in cases[:10])
        if case is None:
            await answer_file(t.WHICH_CASE.format(numbers=numbers, example=cases[0].id))
        else:
            await answer_file(t.CASE_TAKES_NO_UPLOAD.format(case=case, numbers=numbers))
        return
    try:
        telegram_file = await document.get_file()
        if not telegram_file.file_path:  # optional in the Bot API: then nothing to download
            log.warning("getFile gave no file_path for an upload")
            await answer_file(t.FILE_DOWNLOAD_FAILED)
            return
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as exc:
        log.warning("download of an upload failed: %s", exc)
        if _TOO_BIG in exc.message.lower():
            # The server will never hand this file over: sending it again would not help.
            # Its limit is 20 MB (the cloud, or a self-hosted server without --local).
            shown = min(svc.config.storage.max_file_mb, CLOUD_MAX_FILE_MB)
            await answer_file(t.FILE_TOO_BIG.format(limit=shown))
        else:
            await answer_file(t.FILE_DOWNLOAD_FAILED)
        return
    except TelegramError as exc:
        log.warning("download of an upload failed: %s", exc)
        await answer_file(t.FILE_DOWNLOAD_FAILED)
        return
    if len(data) > limit:
        await answer_file(t.FILE_TOO_BIG.format(limit=svc.config.storage.max_file_mb))
        return
    refused = file_refusal(check_file(name, data), t.e(name))
    if refused is not None:
        await answer_file(refused)
        return
    saved = await svc.files.save(case.id, name, data)
    definition = svc.sops.of(case)
    upload = Upload(
        case_id=case.id,
        version=case.version,
        doc=guess_document(definition, definition.step(case.step).uploads, f"{name} {caption}"),
        name=name,
        size=saved.size,
        sha256=saved.sha256,
        path=saved.relative,
        mime=document.mime_type or "",
        telegram_file_id=document.file_id,
        telegram_unique_id=document.file_unique_id,
        chat_id=message.chat.id,
        message_id=message.message_id,
    )
    try:
        result = await svc.cases.attach_upload(user_id(update), upload, update.update_id)
    except AlreadyApplied:
        return
    except DomainError as exc:
        await answer_file(refusal_text(exc, definition))
        return
    if result.status in ("duplicate", "same_as"):
        doc_name = definition.document(result.doc).name
        text = t.FILE_DUPLICATE if result.status == "duplicate" else t.FILE_SAME_AS_OTHER
        await answer_file(text.format(name=t.e(name), doc=t.e(doc_name)))


def _pick_case(cases: list[Case], caption: str, replied_case: int | None) -> Case | int | None:
    """The case an upload is for: the number in its caption ("#12", in any digits), else
    the case of the task message it replies to, else the only one. An int: the case named
    takes no upload from this person; None: it is not clear which."""
    tags = {int(tag) for tag in CASE_TAG.findall(unicodedata.normalize("NFKC", caption))}
    if len(tags) > 1:
        return None
    wanted = tags.pop() if tags else replied_case
    if wanted is not None:
        return next((c for c in cases if c.id == wanted), wanted)
    return cases[0] if len(cases) == 1 else None


async def on_media(update: Update, context: Context) -> None:
    await reply(update, t.FILE_SEND_AS_DOCUMENT)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    media = (
        filters.PHOTO
        | filters.VIDEO
        | filters.AUDIO
        | filters.VOICE
        | filters.Sticker.ALL
        | filters.ANIMATION
        | filters.VIDEO_NOTE
    )
    app.add_handler(MessageHandler(media, on_media))
