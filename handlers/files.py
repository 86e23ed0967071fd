"""Uploads: files sent in the chat become versioned documents of the case's current step.

Checks come before anything touches the disk: the user must hold a step that expects
uploads (or takes a corrected version of what it reviews), the type must be on the allowlist
(its name's, or the MIME type's when the name says none), the size within the limit, and the content
what the name claims (an empty file or a text file named .docx is refused politely). The
document a file satisfies is read from its name or caption; when that is unclear the bot
asks. Recording the file, attaching it and queueing the acknowledgement is one transaction
(with, for a file of an album that waited for its case, the deletion of its row: see
:mod:`bot.services.albums`).
While the files folder cannot take a file (a share not mounted, the disk full, not
writable, read-only, an I/O error) an upload is refused before any of that: the sender is
asked to send it again later, the administrators are told once what to mend.
"""

from __future__ import annotations

import asyncio
import os
import re
import unicodedata
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Document, File, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import MessageHandler, filters

from bot import jobs
from bot import telegram_calls as calls
from bot import texts as t
from bot.config import CLOUD_MAX_FILE_MB, StorageConfig
from bot.context import SopApplication
from bot.core.definition import SopDefinition
from bot.core.model import Attachment, Case, DomainError, StaleVersion
from bot.filecheck import check_file
from bot.filecheck import refusal_text as file_refusal
from bot.filestore import (
    MARKER,
    FolderFault,
    display_name,
    extension,
    folder_fault,
    os_error,
    typed_name,
)
from bot.services.albums import ALBUM_WAIT
from bot.services.cases import AlreadyApplied, Upload
from handlers.asked import profile_first
from handlers.common import Context, case_shown_in, log, refusal_text, reply, user_id
from handlers.text import not_taken, not_typed
from storage import repo

CASE_TAG = re.compile(r"#([0-9]{1,9})\b", re.ASCII)
# how a bot message about a case begins: "Berkas #12 — ...", "🆕 Berkas #12 telah dibuat", or
# a task's first line, ending with it: "📝 Mohon diperiksa · Langkah 2 dari 12 · Berkas #12"
# (not an answer that names a case further on: "Mohon maaf, Berkas #12 tidak ...")
_STOP = {"draf", "dan", "biro", "the"}
_TOO_BIG = "file is too big"  # getFile's refusal of a file above the server's limit
# a download that meets a passing fault of Telegram's (a 5xx, a timeout, a lost connection)
# is tried again after these pauses (seconds) before the sender is asked to send it again
DOWNLOAD_RETRIES = (1.0, 3.0)
FOLDER_ALERTS = {fault: t.FOLDER_ALERT_KINDS[fault] for fault in FolderFault}
"""The kinds of alert (:mod:`bot.alerts`) of uploads refused for the files folder."""
SENT_TOGETHER = timedelta(minutes=1)
"""Files for one document sent within this time of each other's last were sent together
(an album, or pages sent one by one): the sender is told only the last is kept."""


def guess_document(definition: SopDefinition, upload_ids: tuple[str, ...], text: str) -> str | None:
    """The one upload whose id words, or else whose name's words, all appear in the file
    name or caption, if exactly one ("Konsep Surat Tugas.docx" is the document named so,
    whose id is ``konsep_st``)."""
    words = set(_words(text))

    def matching(keys_of: Callable[[str], set[str]]) -> set[str]:
        found = set()
        for doc_id in upload_ids:
            keys = keys_of(doc_id) - _STOP
            if keys and keys <= words:
                found.add(definition.canonical(doc_id))
        return found

    by_id = matching(lambda doc_id: set(doc_id.split("_")))
    if len(by_id) == 1:
        return by_id.pop()
    by_name = matching(lambda doc_id: set(_words(definition.document(doc_id).name)))
    return by_name.pop() if not by_id and len(by_name) == 1 else None


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w for w in re.split(r"[^a-z0-9]+", folded.lower()) if w]


def incoming_file(
    update: Update, message: Message, document: Document, allowed: Sequence[str]
) -> repo.SentFile:
    """The document as the bot takes it: named as sent, or by its MIME type when the name
    says no type the office accepts (:func:`bot.filestore.typed_name`)."""
    name = display_name(document.file_name or t.UNNAMED_FILE)
    typed = typed_name(name, document.mime_type, allowed)
    return repo.SentFile(
        chat_id=message.chat.id,
        message_id=message.message_id,
        media_group_id=message.media_group_id,
        person_id=user_id(update),
        update_id=update.update_id,
        file_id=document.file_id,
        unique_id=document.file_unique_id,
        name=typed,
        size=document.file_size,
        mime=document.mime_type or "",
        caption=message.caption or "",
        renamed=typed != name,
    )


async def answer_file(context: Context, item: repo.SentFile, text: str) -> None:
    """An answer about a file, quoting it: of several files sent at once (an album), the
    official sees which one it concerns. It is all the sender hears of a file not recorded
    (which case it is for, why it was refused): when Telegram fails it for now (a 5xx, a
    timeout, a 429 that lasted), the outbox sends it, retrying, rather than the file going
    unanswered. A refusal (blocked, a chat gone) is only logged. An edit of its caption is
    then answered that nothing of it was received (:mod:`bot.edits`)."""
    context.services.edits.not_taken(item.chat_id, item.message_id)
    text = t.fit(text)
    try:
        await calls.send_message(
            context.bot,
            item.chat_id,
            text,
            reply_parameters=ReplyParameters(item.message_id, allow_sending_without_reply=True),
        )
    except (BadRequest, Forbidden) as exc:
        log.warning("answer to an upload in chat %s refused: %s", item.chat_id, exc)
    except TelegramError as exc:
        log.warning(
            "answer to an upload in chat %s failed (%s): the outbox sends it", item.chat_id, exc
        )
        await context.services.outbox.send_later(item.chat_id, text, item.message_id)


async def on_document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    svc = context.services
    item = incoming_file(update, message, message.document, svc.config.storage.allowed_extensions)
    replied = message.reply_to_message
    from_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    cases, replied_case = await svc.queries.upload_cases(
        item.person_id, replied.message_id if replied is not None and from_bot else None
    )
    if not cases:
        await answer_file(context, item, t.NO_UPLOAD_EXPECTED)
        return
    if await profile_first(update, context):
        return  # a file is recorded under its sender's name: the profile first
    tags = case_tags(item.caption)
    if len(tags) == 1:
        named: int | None = next(iter(tags))
    elif tags:
        named = None  # asked below, once the file itself is found acceptable
    elif replied_case is not None:
        named = replied_case
    else:
        named = case_shown_in(replied) if from_bot else None
    unnamed = not display_name(message.document.file_name or "", default="")
    refused = _refused_as_sent(svc.config.storage, item, unnamed=unnamed)
    if refused is not None:
        await answer_file(context, item, refused)
        if item.media_group_id is not None and named is not None:
            # Telegram's apps put the caption under the album's last file: refused, it
            # still names the case for the files that came before it and those to come
            waited = await svc.albums.name(item.chat_id, item.media_group_id, named)
            for each in sorted(waited, key=_sent_order):
                await take_file(context, each, cases, named)
        return
    if len(tags) > 1:
        await answer_file(context, item, which_case(cases))
        return
    if item.media_group_id is None or (named is None and len(cases) == 1):
        await take_file(context, item, cases, named)
    elif named is not None:
        # this file names the album's case: the files of the album that came before it
        # waited for it, and those still to come will follow it
        waited = await svc.albums.name(item.chat_id, item.media_group_id, named)
        for each in sorted([item, *waited], key=_sent_order):
            await take_file(context, each, cases, named)
    elif context.jobs is None:  # nothing would ask about a file left waiting
        await take_file(context, item, cases, None)
    elif (known := await svc.albums.wait(item)) is not None:
        await take_file(context, item, cases, known)
    else:
        name = f"album:{item.chat_id}:{item.media_group_id}"
        if not context.jobs.get_jobs_by_name(name):
            delay = ALBUM_WAIT.total_seconds()
            data = (item.chat_id, item.media_group_id)
            jobs.run_once(context.jobs, ask_album, delay, data, name)


async def downloaded(telegram_file: File) -> bytes:
    """The file's content. A self-hosted Bot API server in --local mode answers getFile with
    the file's absolute path on this machine (up to 2000 MB); PTB reads such a file on the
    event loop, holding up every other chat meanwhile, so it is read in a worker thread here.
    Any other path is downloaded by PTB. Telegram's own servers answer a relative path
    ("documents/file_7.docx"), which is downloaded without a look at the disk first: PTB
    looks itself (a worker thread's look cost each upload some 60 µs of CPU)."""
    path = telegram_file.file_path
    if path is not None and os.path.isabs(path) and await asyncio.to_thread(_is_local_file, path):
        return await asyncio.to_thread(Path(path).read_bytes)
    return bytes(await telegram_file.download_as_bytearray())


def _is_local_file(path: str) -> bool:
    """Whether PTB would read ``path`` from the disk rather than download it (an existing
    file: ``File.download_as_bytearray``)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _refused_as_sent(
    storage: StorageConfig, item: repo.SentFile, *, unnamed: bool = False
) -> str | None:
    """The refusal of a file from its name and size alone (before it is downloaded);
    ``unnamed``: it came with no name (nothing readable in it), so none is quoted."""
    allowed = storage.allowed_extensions
    if extension(item.name) not in allowed:
        sent = extension(item.name)
        if not sent and unnamed:  # no name, and no MIME type of an accepted type either
            return t.FILE_TYPE_NO_NAME.format(
                allowed=", ".join(allowed),
                examples=t.OR_SEP.join(f"<b>.{ext}</b>" for ext in _examples(allowed)),
            )
        if not sent:  # neither the name nor the MIME type says what it is
            return t.FILE_TYPE_UNNAMED.format(
                name=t.e(item.name),
                examples=t.OR_SEP.join(
                    f"<b>{t.e(item.name)}.{ext}</b>" for ext in _examples(allowed)
                ),
                allowed=", ".join(allowed),
            )
        instead = t.SAVE_AS.get(sent, "")
        example = t.SAVE_AS_EXAMPLE.format(sent=sent, instead=instead) if instead in allowed else ""
        return t.FILE_TYPE_REFUSED.format(
            ext=t.e(sent or t.FILE_NO_EXTENSION), allowed=", ".join(allowed), example=example
        )
    if item.size is not None and item.size > storage.max_file_mb * 1024 * 1024:
        return t.FILE_TOO_BIG.format(limit=storage.max_file_mb)
    return None


def _examples(allowed: Sequence[str]) -> list[str]:
    """Two of the accepted types to name as examples, PDF and Word first."""
    usual = [ext for ext in ("pdf", "docx", "xlsx") if ext in allowed]
    return [*usual, *(ext for ext in allowed if ext not in usual)][:2]


def _sent_order(item: repo.SentFile) -> int:
    return item.message_id


async def ask_album(context: Context) -> None:
    """No file of an album named its case in time: each file that waited is asked about.
    (A JobQueue callback: PTB hands it the application's context type, SopContext.)"""
    assert context.job is not None
    data = context.job.data
    assert isinstance(data, tuple)
    chat_id: int
    album: str
    chat_id, album = data
    svc = context.services
    waited = await svc.albums.give_up(chat_id, album)
    if not waited:
        return
    cases, _ = await svc.queries.upload_cases(waited[0].person_id)
    for row in waited:
        await take_file(context, row, cases, None)


async def resume_albums(context: Context) -> None:
    """At start-up: the albums whose files still wait (the bot stopped meanwhile) are asked
    about when their time comes, as before; the files a stopped run had taken (its album
    named the case, or it was being asked about) and neither recorded nor answered are
    taken up: downloaded and recorded in the case their album named, or asked about again,
    with an apology."""
    if context.jobs is None:
        return
    svc = context.services
    for chat_id, album, seconds in await svc.albums.waiting():
        name = f"album:{chat_id}:{album}"
        jobs.run_once(context.jobs, ask_album, seconds, (chat_id, album), name)
    again, dropped = await svc.albums.resume()
    for each in dropped:
        log.error(
            "album file %r taken up at %d starts, never done: dropped", each.file.name, each.resumed
        )
        await answer_file(context, each.file, t.FILE_NOT_RECORDED.format(name=t.e(each.file.name)))
        await svc.albums.done(each.file)
    cases_of: dict[int, list[Case]] = {}
    for each in again:
        person = each.file.person_id
        if person not in cases_of:
            cases_of[person], _ = await svc.queries.upload_cases(person)
        await take_file(context, each.file, cases_of[person], each.case_id, resumed=True)
    if again:
        log.info("took up %d album files a stop left unrecorded", len(again))


async def take_file(
    context: Context,
    item: repo.SentFile,
    cases: list[Case],
    named: int | None,
    *,
    resumed: bool = False,
) -> None:
    """Download, check and attach a file to the case ``named`` (a caption's number, the
    task message it replies to, its album's case), or to the only case that takes it.
    A file that waited for its album (``item.waited``) is done with once it is recorded or
    its sender told why not: a stop before leaves it to the next start, which takes it up
    again (``resumed``: a question which case is then asked with an apology)."""
    await _take_file(context, item, cases, named, resumed)
    await context.services.albums.done(item)


async def _take_file(
    context: Context, item: repo.SentFile, cases: list[Case], named: int | None, resumed: bool
) -> None:
    svc = context.services
    if not cases:  # a file that waited for its album, meanwhile
        await answer_file(context, item, t.NO_UPLOAD_EXPECTED)
        return
    case = _pick_case(cases, named)
    if case is None:
        question = which_case(cases)
        await answer_file(
            context, item, t.ASKED_AGAIN.format(question=question) if resumed else question
        )
        return
    if not isinstance(case, Case):
        numbers = t.case_numbers([c.id for c in cases])  # the first ten, the others counted
        await answer_file(context, item, t.CASE_TAKES_NO_UPLOAD.format(case=case, numbers=numbers))
        return
    limit = svc.config.storage.max_file_mb * 1024 * 1024
    try:
        data = await _download(context, item)
        if data is None:  # file_path is optional in the Bot API: then nothing to download
            log.warning("getFile gave no file_path for an upload")
            await answer_file(context, item, t.FILE_DOWNLOAD_FAILED)
            return
    except BadRequest as exc:
        log.warning("download of an upload failed: %s", exc)
        if _TOO_BIG in exc.message.lower():
            # The server will never hand this file over: sending it again would not help.
            # Its limit is 20 MB (the cloud, or a self-hosted server without --local).
            shown = min(svc.config.storage.max_file_mb, CLOUD_MAX_FILE_MB)
            await answer_file(context, item, t.FILE_TOO_BIG.format(limit=shown))
        else:
            await answer_file(context, item, t.FILE_DOWNLOAD_FAILED)
        return
    except TelegramError as exc:
        log.warning("download of an upload failed: %s", exc)
        await answer_file(context, item, t.FILE_DOWNLOAD_FAILED)
        return
    if len(data) > limit:
        await answer_file(
            context, item, t.FILE_TOO_BIG.format(limit=svc.config.storage.max_file_mb)
        )
        return
    # a look inside the file (a zip's members, a PDF's encryption): off the event loop, so a
    # large or odd file holds up no one else's updates
    verdict = await asyncio.to_thread(check_file, item.name, data)
    refused = file_refusal(verdict, t.e(item.name))
    if refused is not None:
        await answer_file(context, item, refused)
        return
    try:
        saved = await svc.files.save(case.id, item.name, data)
    except OSError as exc:
        fault = folder_fault(exc)
        if fault is None:
            raise  # not the folder's: a bug, for the general error handler
        await refused_for_files_folder(context, item, case.id, exc, fault)
        return
    if saved.written:  # a copy stored before proves nothing: the disk may still be full
        svc.files_refused.ends()
    definition = svc.sops.of(case)
    uploads = await svc.queries.accepts_now(case)
    upload = Upload(
        case_id=case.id,
        version=case.version,
        doc=guess_document(definition, uploads, f"{item.name} {item.caption}"),
        name=item.name,
        size=saved.size,
        sha256=saved.sha256,
        path=saved.relative,
        mime=item.mime,
        # a file named by its type goes on under that name: as its bytes the first time
        telegram_file_id=None if item.renamed else item.file_id,
        telegram_unique_id=item.unique_id,
        chat_id=item.chat_id,
        message_id=item.message_id,
        waited=item.waited,
    )
    try:
        result = await svc.cases.attach_upload(item.person_id, upload, item.update_id)
    except AlreadyApplied:
        return
    except StaleVersion:
        # the step moved on while the file came (a member handed the drafts in): the file
        # is not kept, and the sender is told which, so it is not taken for reviewed
        await answer_file(context, item, t.FILE_STEP_MOVED_ON.format(name=t.e(item.name)))
        return
    except DomainError as exc:
        await answer_file(context, item, refusal_text(exc, definition))
        return
    if result.status == "attached" and result.version > 1:
        await note_replaced(context, item, case.id, result.doc)
    if result.status in ("duplicate", "same_as"):
        doc_name = definition.document(result.doc).name
        text = t.FILE_DUPLICATE if result.status == "duplicate" else t.FILE_SAME_AS_OTHER
        await answer_file(context, item, text.format(name=t.e(item.name), doc=t.e(doc_name)))


async def _download(context: Context, item: repo.SentFile) -> bytes | None:
    """The file's bytes from Telegram (getFile, then the download); None when getFile gives
    no path. A passing fault of Telegram's servers (a 5xx, a timeout, a lost connection) is
    tried again (:data:`DOWNLOAD_RETRIES`) before it is raised; a refusal (400) is not."""
    for pause in (*DOWNLOAD_RETRIES, None):
        try:
            telegram_file = await context.bot.get_file(item.file_id)
            if not telegram_file.file_path:
                return None
            return await downloaded(telegram_file)
        except BadRequest:  # (a NetworkError to PTB) Telegram's refusal: the same again
            raise
        except NetworkError as exc:
            if pause is None:
                raise
            log.info("download of an upload failed (%s): trying again in %.0f s", exc, pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


async def refused_for_files_folder(
    context: Context, item: repo.SentFile, case_id: int, exc: OSError, fault: FolderFault
) -> None:
    """The files folder cannot take the file (``fault``: a share not mounted, the disk
    full, ...): the upload is refused before anything of it is recorded, the case as it
    was (a copy half-written is removed by :meth:`FileStore.save`). The sender is told so,
    and to send it again later; the administrators are told which folder, what is wrong
    and what to do, once while it lasts (again only after a file was saved in it since, or
    for a fault of another kind, and not twice within an alert window of
    :mod:`bot.alerts` however the fault comes and goes). No traceback: the fault is the
    host's, not a bug."""
    svc = context.services
    log.warning("upload %r for case %s refused (%s): %s", item.name, case_id, fault, exc)
    admins = svc.config.admins
    if admins and svc.files_refused.begins(fault):
        if svc.alerts.take(FOLDER_ALERTS[fault]) is not None:
            await svc.outbox.tell_admins(folder_fault_text(svc.files.root, exc, fault))
        else:  # told of this kind of fault within the window: told at a refusal after it
            svc.files_refused.ends()
    told = t.FILE_STORE_UNAVAILABLE_TOLD if admins else ""
    problem = t.FILE_STORE_PROBLEM[fault]
    await answer_file(
        context,
        item,
        t.FILE_STORE_UNAVAILABLE.format(
            problem=problem, name=t.e(item.name), case=case_id, told=told
        ),
    )


def folder_fault_text(root: Path, exc: OSError, fault: FolderFault) -> str:
    """What the administrators are told of a files folder that cannot take a file: which
    folder, what is wrong (the system's error, and the folder it could not write in: the
    parent of the file or folder it was making) and what to do."""
    folder = t.e(str(root))
    if fault is FolderFault.NOT_MOUNTED:
        return t.FILES_NOT_MOUNTED_ADMIN.format(folder=folder, marker=t.e(str(root / MARKER)))
    problem, todo = t.FILES_FOLDER_FAULTS[fault]
    made = exc.filename
    where = str(Path(made).parent) if isinstance(made, str) and made else str(root)
    return t.FILES_FOLDER_FAULT_ADMIN.format(
        folder=folder,
        problem=problem,
        error=t.e(os_error(exc)),
        where=t.e(t.clip(where, 300)),
        todo=todo.format(folder=folder),
    )


@dataclass
class ReplacedNote:
    """The note :func:`note_replaced` has waiting (the job's data): to whom, about which
    document, in reply to the latest file of the lot (moved on as more of it come)."""

    chat_id: int
    person_id: int
    case_id: int
    doc: str
    reply_to: int


async def note_replaced(context: Context, item: repo.SentFile, case_id: int, doc: str) -> None:
    """A file became a newer version of a document: if the files before it were sent with
    it (an album, or within :data:`SENT_TOGETHER`), the sender is told, once for them all
    (:data:`ALBUM_WAIT` after the last), that the document keeps the last one only: several
    pages or materials go as one file. (A document holds one current file: see
    ``Case.latest``.)"""
    note = ReplacedNote(item.chat_id, item.person_id, case_id, doc, item.message_id)
    if context.jobs is None:
        await _tell_replaced(context, note)
        return
    name = f"replaced:{item.chat_id}:{case_id}:{doc}"
    waiting = context.jobs.get_jobs_by_name(name)
    if waiting:  # a file of the same lot: the answer waits for the last and quotes it
        found = waiting[0].data
        assert isinstance(found, ReplacedNote)
        found.reply_to = max(found.reply_to, item.message_id)
        return
    jobs.run_once(context.jobs, tell_replaced, ALBUM_WAIT.total_seconds(), note, name)


async def tell_replaced(context: Context) -> None:
    """(A JobQueue callback, see :func:`note_replaced`.)"""
    assert context.job is not None
    note = context.job.data
    assert isinstance(note, ReplacedNote)
    await _tell_replaced(context, note)


async def _tell_replaced(context: Context, note: ReplacedNote) -> None:
    svc = context.services
    case_id, doc, person = note.case_id, note.doc, note.person_id
    case, uploaded = await svc.queries.case_and_upload_times(case_id, doc)
    if case is None:
        return
    lot = sent_together(case, doc, person, uploaded)
    if len(lot) < 2:
        return
    *earlier, last = lot
    # a file sent again under its name is a corrected version, as the checklist says, not
    # a page of a lot: only files of other names are named as replaced
    earlier = [a for a in earlier if a.name.casefold() != last.name.casefold()]
    if not earlier:
        return
    text = replaced_text(case.id, svc.sops.of(case).document(doc).name, last, earlier)
    try:
        await calls.send_message(
            context.bot,
            note.chat_id,
            text,
            reply_parameters=ReplyParameters(note.reply_to, allow_sending_without_reply=True),
        )
    except TelegramError as exc:
        log.warning("the note on replaced files in chat %s failed: %s", note.chat_id, exc)


def replaced_text(case_id: int, doc: str, last: Attachment, earlier: Sequence[Attachment]) -> str:
    """The note that ``last`` replaced the ``earlier`` versions of a document that keeps one
    (``doc``: its name), sent together. An album after an album may name tens of files, with
    long names: as many of them as fit a message are named and the rest counted, so that what
    to do instead (one file for all the pages) is never cut."""

    olds = [t.clip(a.name, t.QUOTED_KEPT) for a in earlier]

    def build(quoted: Sequence[str], shown: int) -> str:
        shown = max(shown, 1)
        listed = ", ".join(f"<b>{t.e(old)}</b>" for old in olds[:shown])
        if shown < len(olds):
            before = "," if shown > 1 else ""  # EYD: "A, B, dan 20 lainnya"
            listed += before + t.MORE_NAMES.format(count=len(olds) - shown)
        return t.FILES_REPLACED_IN_ONE_DOCUMENT.format(
            case=case_id, doc=t.e(doc), name=t.e(quoted[0]), version=last.version, earlier=listed
        )

    return t.fit_listed(build, [last.name], len(olds))


def sent_together(
    case: Case, doc: str, person: int, uploaded: dict[int, datetime]
) -> list[Attachment]:
    """The versions of ``doc`` that ``person`` sent together, oldest first, ending with its
    latest: those uploaded in this visit of the step, within :data:`SENT_TOGETHER` of the
    latest and with no one else's version between (a correction after a return is a new
    visit: it is no lot with the version it corrects)."""
    versions = sorted((a for a in case.files if a.doc == doc), key=lambda a: a.version)
    if not versions or versions[-1].by != person or versions[-1].file_id not in uploaded:
        return []
    since = max(uploaded[versions[-1].file_id] - SENT_TOGETHER, case.step_entered_at)
    lot = [versions[-1]]
    for attachment in reversed(versions[:-1]):
        at = uploaded.get(attachment.file_id)
        if attachment.by != person or at is None or at < since:
            break
        lot.insert(0, attachment)
    return lot


def which_case(cases: list[Case]) -> str:
    """Which case a file is for, asked of one whom several wait for: the first ten named,
    the others counted ("Berkas #3, #5, dan 4 lainnya"), not left out unsaid."""
    return t.WHICH_CASE.format(numbers=t.case_numbers([c.id for c in cases]), example=cases[0].id)


def case_tags(caption: str) -> set[int]:
    """The case numbers a caption names ("#12", in any digits)."""
    return {int(tag) for tag in CASE_TAG.findall(unicodedata.normalize("NFKC", caption))}


def _pick_case(cases: list[Case], named: int | None) -> Case | int | None:
    """The case an upload is for: the one named, else the only one. An int: the case named
    takes no upload from this person; None: it is not clear which."""
    if named is not None:
        return next((c for c in cases if c.id == named), named)
    return cases[0] if len(cases) == 1 else None


def media_handler() -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """A photo, video or audio may be a document sent the wrong way: a person a step takes
    uploads from is asked to send it as a file (anyone else is told no step needs a document
    from them), once for an album of them. A sticker or a GIF is no document: it is not
    understood, politely; a voice note or a video note is told what the bot takes instead. While a question waits for typed text (a return
    reason, a title), any of them is told to type the answer instead."""
    answered: dict[str, None] = {}  # the albums asked about lately, oldest first

    async def on_media(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        context.services.edits.not_taken(message.chat_id, message.message_id)  # never taken
        album = message.media_group_id
        if album is not None:
            if album in answered:
                return
            answered[album] = None
            if len(answered) > 256:
                answered.pop(next(iter(answered)))
        if await not_typed(update, context):
            return  # a question waits for typed text (a reason): that comes first
        if message.sticker or message.animation:
            await reply(update, t.UNKNOWN_INPUT)
            return
        if not (message.photo or message.video or message.audio):
            await reply(update, not_taken(message))  # a voice note, a video note
            return
        cases, _ = await context.services.queries.upload_cases(user_id(update))
        await reply(update, t.FILE_SEND_AS_DOCUMENT if cases else t.NO_UPLOAD_EXPECTED)

    return on_media


def register(app: SopApplication) -> None:
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    if app.job_queue is not None:
        jobs.run_once(app.job_queue, resume_albums, 0, name="albums")
    media = (
        filters.PHOTO
        | filters.VIDEO
        | filters.AUDIO
        | filters.VOICE
        | filters.Sticker.ALL
        | filters.ANIMATION
        | filters.VIDEO_NOTE
    )
    app.add_handler(MessageHandler(media, media_handler()))
