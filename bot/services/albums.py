"""Albums: several files sent at once, whose caption (or reply) names the case on one file
only. The case it names holds for the album's other files; a file that came before the one
naming it waits, in the database, until it does, or is asked about after
:data:`ALBUM_WAIT` (a restart loses no waiting file: the questions are derived from rows).

A waiting file's row outlives its waiting: when a file names the album's case, or the
time to ask comes, the rows are taken by this run of the bot (:attr:`Albums.run`), not
deleted, and each goes only in the transaction that records its file, or once its sender
has been told why it is not recorded (a refusal, the question which case). A run that
stops meanwhile (a crash, a kill, a download that never ends) leaves them taken: the next
start takes them up (:meth:`Albums.resume`) and downloads and records them, or asks about
them again. One taken up at :data:`MOST_RESUMES` starts already is not tried again (a file
that stops the bot must not stop it at every start): its sender is told it was not
recorded.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from bot.clock import Clock
from storage import repo
from storage.db import Database, Tx

ALBUM_WAIT = timedelta(seconds=3)  # the files of an album come together, within a second
MOST_RESUMES = 3  # starts that may take up a file a stopped run had taken (as the inbox's)


class Albums:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        # this run of the bot: the files it takes are its own until each is done
        self.run = uuid.uuid4().hex

    async def name(self, chat_id: int, album: str, case_id: int) -> list[repo.SentFile]:
        """A file of the album named ``case_id``; the files that waited for it (taken)."""
        return await self.db.write(
            repo.name_album, chat_id, album, case_id, self.clock.now(), self.run
        )

    async def wait(self, item: repo.SentFile) -> int | None:
        """The case another file of the album named, or None: the file waits for one."""
        return await self.db.write(repo.wait_for_album, item, self.clock.now())

    async def give_up(self, chat_id: int, album: str) -> list[repo.SentFile]:
        """No file of the album named a case in time: the files that waited (to be asked
        about; taken)."""
        return await self.db.write(repo.take_album_files, chat_id, album, self.run)

    async def done(self, item: repo.SentFile) -> None:
        """A file taken is recorded, or its sender was told why not: its row goes."""
        if item.waited:
            await self.db.write(repo.album_file_done, item.chat_id, item.message_id)

    async def resume(self) -> tuple[list[repo.ResumedFile], list[repo.ResumedFile]]:
        """At start: the files a stopped run had taken and not finished, taken by this run:
        (those to handle again, those taken up too often already: their senders are told)."""
        taken = await self.db.write(repo.resume_album_files, self.run)
        again = [r for r in taken if r.resumed <= MOST_RESUMES]
        return again, [r for r in taken if r.resumed > MOST_RESUMES]

    async def waiting(self) -> list[tuple[int, str, float]]:
        """Albums with files waiting: (chat, album, seconds until they are asked about)."""
        now = self.clock.now()

        def txn(tx: Tx) -> list[tuple[int, str, float]]:
            return [
                (chat_id, album, _seconds_left(first, now))
                for chat_id, album, first in repo.waiting_albums(tx)
            ]

        return await self.db.read(txn)


def _seconds_left(first: datetime, now: datetime) -> float:
    return max(0.0, (first + ALBUM_WAIT - now).total_seconds())
