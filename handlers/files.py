"""Uploads: documents sent in the chat become versioned files of the case's current step.

Checks come before anything touches the disk: the user must hold a step that expects
uploads, the type must be on the allowlist and the size within the limit. The document a
file satisfies is read from its name or caption; when that is unclear the bot asks.
"""

from __future__ import annotations

import re

from telegram import Document, Update
from telegram.error import TelegramError
from telegram.ext import Application, MessageHandler, filters

from bot import texts as t
from bot.app import services
from bot.callbacks import Callback, Op
from bot.core.definition import SopDefinition
from bot.core.model import AttachFile, Case, DomainError
from bot.core.workflow import holder_role
from bot.filestore import extension, safe_name
from bot.outbox import keyboard_markup
from handlers.cases import send_task
from handlers.common import Context, log, missing_names, refusal_text, reply, user_id
from storage import repo

CASE_TAG = re.compile(r"#(\d{1,9})\b")
_STOP = {"draf", "dan", "biro", "the"}


def guess_document(definition: SopDefinition, upload_ids: tuple[str, ...], text: str) -> str | None:
    """The one upload whose id words all appear in the file name or caption, if exactly one."""
    words = set(re.split(r"[^a-z0-9]+", text.lower()))
    matches = []
    for doc_id in upload_ids:
        keys = {w for w in doc_id.split("_") if w not in _STOP}
        if keys and keys <= words:
            matches.append(definition.canonical(doc_id))
    return matches[0] if len(set(matches)) == 1 else None


async def _upload_cases(update: Update, context: Context) -> list[Case]:
    svc = services(context)
    uid, unit = user_id(update), svc.config.organisation.unit
    actor = await svc.cases.actor(svc.db.reader, uid, unit)
    result = []
    for case in await repo.open_cases_for_roles(svc.db.reader, unit, actor.roles, limit=200):
        definition = svc.sops[case.sop_code]
        if not definition.step(case.step).uploads:
            continue
        try:
            holder_role(definition, case, actor)
        except DomainError:
            continue
        result.append(case)
    return result


async def on_document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    svc = services(context)
    document: Document = message.document
    name = safe_name(document.file_name or "berkas")
    caption = message.caption or ""
    cases = await _upload_cases(update, context)
    if not cases:
        await reply(update, t.NO_UPLOAD_EXPECTED)
        return
    allowed = svc.config.storage.allowed_extensions
    if extension(name) not in allowed:
        ext = extension(name) or "(tanpa ekstensi)"
        await reply(update, t.FILE_TYPE_REFUSED.format(ext=t.e(ext), allowed=", ".join(allowed)))
        return
    limit = svc.config.storage.max_file_mb * 1024 * 1024
    if document.file_size is not None and document.file_size > limit:
        await reply(update, t.FILE_TOO_BIG.format(limit=svc.config.storage.max_file_mb))
        return
    case = _pick_case(cases, caption)
    if case is None:
        numbers = ", ".join(f"#{c.id}" for c in cases[:10])
        await reply(
            update,
            f"Anda sedang memegang beberapa berkas yang memerlukan unggahan ({numbers}). "
            "Mohon kirim ulang dokumen dengan keterangan (caption) nomor berkas, misalnya "
            f"<code>#{cases[0].id}</code>.",
        )
        return
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("download of an upload failed: %s", exc)
        await reply(update, "Mohon maaf, berkas tidak dapat diunduh. Silakan mengirim ulang.")
        return
    if len(data) > limit:
        await reply(update, t.FILE_TOO_BIG.format(limit=svc.config.storage.max_file_mb))
        return
    file_row = await _store(update, context, case, name, data, document)
    definition = svc.sops[case.sop_code]
    step = definition.step(case.step)
    doc = guess_document(definition, step.uploads, f"{name} {caption}")
    if doc is not None:
        await attach_stored(update, context, case, doc, file_row)
        return
    async with svc.db.transaction() as conn:
        await repo.set_dialogue(
            conn,
            user_id(update),
            "file",
            svc.clock.now(),
            case.id,
            case.version,
            {"file_row": file_row},
        )
    keyboard = [
        [
            (
                definition.document(d).name,
                Callback(Op.ASSIGN_FILE, case.id, case.step, case.version, str(i)).encode(),
            )
        ]
        for i, d in enumerate(step.uploads)
    ]
    await reply(
        update, t.ASK_WHICH_DOCUMENT.format(name=t.e(name)), reply_markup=keyboard_markup(keyboard)
    )


def _pick_case(cases: list[Case], caption: str) -> Case | None:
    tag = CASE_TAG.search(caption)
    if tag:
        wanted = int(tag[1])
        return next((c for c in cases if c.id == wanted), None)
    return cases[0] if len(cases) == 1 else None


async def _store(
    update: Update, context: Context, case: Case, name: str, data: bytes, document: Document
) -> int:
    """Keep the bytes under the files directory and record them once per content."""
    svc = services(context)
    saved = await svc.files.save(case.id, name, data)
    async with svc.db.transaction() as conn:
        existing = await repo.find_file(conn, case.id, saved.sha256)
        if existing is not None:
            return existing.id
        return await repo.add_file(
            conn,
            case_id=case.id,
            doc="",
            kind="upload",
            name=name,
            size=saved.size,
            sha256=saved.sha256,
            path=saved.relative,
            uploaded_by=user_id(update),
            now=svc.clock.now(),
            telegram_file_id=document.file_id,
            telegram_unique_id=document.file_unique_id,
            mime=document.mime_type or "",
        )


async def attach_stored(
    update: Update, context: Context, case: Case, doc: str, file_row: int
) -> None:
    svc = services(context)
    definition = svc.sops[case.sop_code]
    # read through the writer: the shared reader may still be inside an older snapshot
    # (a statement of another update in progress) that predates the row just written
    async with svc.db.transaction() as conn:
        stored = await repo.get_file(conn, file_row)
    if stored is None:
        await reply(update, t.refusal("invalid"))
        return
    doc_name = definition.document(doc).name
    latest = case.latest(doc)
    if latest is not None and latest.sha256 == stored.sha256:
        await reply(update, t.FILE_DUPLICATE.format(name=t.e(stored.name), doc=t.e(doc_name)))
        return
    command = AttachFile(case.version, doc, stored.id, stored.sha256, stored.name)
    try:
        outcome = await svc.cases.execute(
            case.id, command, user_id(update), update_id=update.update_id
        )
    except DomainError as exc:
        await reply(update, refusal_text(missing_names(definition, exc)))
        return
    async with svc.db.transaction() as conn:
        dialogue = await repo.get_dialogue(conn, user_id(update))
        if dialogue is not None and dialogue.kind == "file":
            await repo.clear_dialogue(conn, user_id(update))
    attached = outcome.case.latest(doc)
    version = attached.version if attached else 1
    intro = t.FILE_ATTACHED.format(
        name=t.e(stored.name), doc=t.e(doc_name), version=version, case=case.id
    )
    await send_task(update, context, outcome.case, intro=intro)


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
