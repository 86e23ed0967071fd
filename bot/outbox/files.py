"""A files row: the documents a person needs, as one album (or one document), never one they
have; each part recorded as it goes, and a file gone from the files folder left out and said
so. A row whose papers are still being written waits (:class:`Wait`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from telegram import InputFile, InputMediaDocument

from bot import telegram_calls as calls
from bot import texts as t
from bot.filestore import FileStore
from bot.messages import Album, Inputs, Renderer
from bot.outbox.courier import Courier, sending
from bot.outbox.faults import Admins
from bot.telegram_calls import Sent
from storage import repo
from storage.db import Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split

UPLOAD_READ_TIMEOUT = 60.0  # Telegram answers a large upload only once it has the file


Part = list[tuple[repo.StoredFile, Sent]]  # the documents of one part of an album, as sent


class Wait(Exception):
    """The row cannot go yet (a paper it carries is still being written); not a failure.
    ``until``: when to look again (None: after a moment)."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__()
        self.until = until


def with_bundle(item: repo.OutboxItem, inputs: Inputs) -> bool:
    """Whether a files row sends an archive bundle (a .zip of a paper and its files)."""
    if item.kind != "files" or item.params.get(repo.NO_BUNDLE):
        return False
    return any(
        stored.name.endswith(".zip")
        for seq, kind in item.params.get("papers", ())
        for stored in inputs.papers.get((item.case_id or 0, int(seq), str(kind)), ())
    )


def older_document(item: repo.OutboxItem) -> repo.OutboxItem:
    """A document row (of an older database) as the files row it stands for."""
    return repo.OutboxItem(
        item.id,
        item.chat_id,
        "files",
        item.case_id,
        None,
        {"files": [item.params["file_id"]]},
        item.attempts,
    )


class FileRows:
    def __init__(
        self, courier: Courier, renderer: Renderer, files: FileStore, admins: Admins
    ) -> None:
        self.courier, self.renderer, self.files, self.admins = courier, renderer, files, admins
        self._missing_told: set[int] = set()  # files missing from the folder, told

    async def deliver(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """Documents a person needs, as one album (or one document), never one they have."""
        if self.renderer.stale(item, inputs):
            await self.courier.skip(item)
            return
        if self.renderer.files_waiting(item, inputs):
            raise Wait()
        album = self.renderer.album(item, inputs)
        if not album.files:
            await self.courier.skip(item)
            return
        try:
            last, tail = await self._send_files(item.chat_id, album, inputs)
        except FileNotFoundError:
            missing = await self._missing(album.files)
            if not missing:
                raise  # the files folder itself is gone: held until it is back
            last, tail = await self._without_missing(item, inputs, missing)
        # the last part recorded with the row settled, in one transaction: a crash before
        # it sends that part again (at least once), as one before its record always did
        await self.courier.db.write(
            _record_files_sent, item.id, item.chat_id, tail, self.courier.clock.now(), last
        )

    async def _send_files(
        self, chat_id: int, album: Album, inputs: Inputs
    ) -> tuple[int | None, Part]:
        """The album sent; its last message, and its last part, which is not recorded yet
        (the caller records it as it settles the row)."""
        last: int | None = None
        tail: Part = []
        parts = len(album.captions)
        index = 0
        async for sent in self._send_album(chat_id, album):
            for stored, message in sent:
                inputs.delivered[(chat_id, stored.id)] = message.message_id
                last = message.message_id
            index += 1
            if index < parts:
                # each part but the last is recorded as it goes: a retry after a later part
                # failed sends only what is still missing
                await self.courier.db.write(_record_files, chat_id, sent)
            else:
                tail = sent
        return last, tail

    async def _missing(self, files: Sequence[repo.StoredFile]) -> list[repo.StoredFile]:
        """The files the album reads from the files folder that are not there; none when the
        folder itself is missing or empty (a share not mounted: not a file lost)."""

        def look() -> list[repo.StoredFile]:
            if not self.files.in_place():
                return []
            return [
                f
                for f in files
                if not f.telegram_file_id and not self.files.resolve(f.path).is_file()
            ]

        return await asyncio.to_thread(look)

    async def _without_missing(
        self, item: repo.OutboxItem, inputs: Inputs, missing: list[repo.StoredFile]
    ) -> tuple[int | None, Part]:
        """A file of the album is gone from the files folder (a clean-up, a restore older
        than the database): the person gets the documents that are there, and is told in
        their caption (or a message of its own) which one cannot come; the administrators
        are told once per file, and the log has a warning for it, no traceback."""
        told = [f for f in missing if f.id not in self._missing_told]
        self._missing_told.update(f.id for f in told)
        for stored in told:
            log.warning(
                "file %d %r of case %s is missing from the files folder (%s): the documents "
                "to chat %d go without it",
                stored.id,
                stored.name,
                item.case_id,
                stored.path,
                item.chat_id,
            )
        if told and self.admins.ids:
            person = inputs.name(item.chat_id)
            await self.admins.tell(
                "\n".join(
                    t.FILE_MISSING_ADMIN.format(
                        name=t.e(f.name),
                        case=item.case_id,
                        path=t.e(f.path),
                        person=t.e(person),
                    )
                    for f in told
                )
            )
        note = "\n".join(t.FILE_MISSING.format(name=t.e(f.name)) for f in missing)
        album = self.renderer.album(item, inputs, {f.id for f in missing})
        last: int | None = None
        tail: Part = []
        if album.files:
            captions = [*album.captions[:-1], t.fit(f"{album.captions[-1]}\n\n{note}", 1024)]
            last, tail = await self._send_files(item.chat_id, Album(album.files, captions), inputs)
        else:
            case = inputs.cases.get(item.case_id or 0)
            heading = (
                t.CASE_LINE.format(case=case.id, title=t.e(t.clip_words(case.title, 80))) + "\n"
                if case
                else ""
            )
            sent = await self.courier.send(item.chat_id, t.fit(heading + note), None, None)
            last = sent.message_id
        return last, tail

    async def _document(self, stored: repo.StoredFile, attach: bool = False) -> str | InputFile:
        """The file by Telegram's id when it has one, else its bytes (``attach``: as an
        ``attach://`` part of an album)."""
        if stored.telegram_file_id:
            return stored.telegram_file_id
        data = await self.files.read(stored.path)
        return InputFile(data, filename=stored.name, attach=attach)

    async def _send_album(self, chat_id: int, album: Album) -> AsyncIterator[Part]:
        """The album in Telegram's parts of at most ten documents, each part as it is sent.
        (An upload is answered only once Telegram has the file: a longer read timeout.)"""
        bot = self.courier.bot
        for index, caption in enumerate(album.captions):
            chunk = album.files[index * 10 : index * 10 + 10]
            if len(chunk) == 1:
                message = await calls.send_document(
                    bot,
                    chat_id,
                    await self._document(chunk[0]),
                    caption=caption,
                    read_timeout=UPLOAD_READ_TIMEOUT,
                    rate_limit_args=sending(),
                )
                yield [(chunk[0], message)]
                continue
            media = [
                InputMediaDocument(
                    await self._document(stored, attach=True),
                    caption=caption if i == len(chunk) - 1 else None,
                    filename=None if stored.telegram_file_id else stored.name,
                )
                for i, stored in enumerate(chunk)
            ]
            messages = await calls.send_media_group(
                bot,
                chat_id,
                media,
                read_timeout=UPLOAD_READ_TIMEOUT,
                rate_limit_args=sending(),
            )
            yield list(zip(chunk, messages, strict=False))


def _record_files_sent(
    tx: Tx, item_id: int, chat_id: int, sent: Part, now: datetime, last: int | None
) -> None:
    _record_files(tx, chat_id, sent)
    repo.mark_sent(tx, item_id, now, last)


def _record_files(tx: Tx, chat_id: int, sent: Part) -> None:
    for stored, message in sent:
        repo.record_delivery(tx, chat_id, stored.id, message.message_id)
        if message.document_file_id is not None and not stored.telegram_file_id:
            repo.set_file_telegram_id(tx, stored.id, message.document_file_id)
