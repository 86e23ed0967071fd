"""Albums: several files sent at once, whose caption (or reply) names the case on one file
only. The case it names holds for the album's other files; a file that came before the one
naming it waits, in the database, until it does, or is asked about after
:data:`ALBUM_WAIT` (a restart loses no waiting file: the questions are derived from rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock
from storage import repo
from storage.db import Database, Tx

ALBUM_WAIT = timedelta(seconds=3)  # the files of an album come together, within a second


class Albums:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def name(self, chat_id: int, album: str, case_id: int) -> list[repo.SentFile]:
        """A file of the album named ``case_id``; the files that waited for it."""
        return await self.db.write(repo.name_album, chat_id, album, case_id, self.clock.now())

    async def wait(self, item: repo.SentFile) -> int | None:
        """The case another file of the album named, or None: the file waits for one."""
        return await self.db.write(repo.wait_for_album, item, self.clock.now())

    async def give_up(self, chat_id: int, album: str) -> list[repo.SentFile]:
        """No file of the album named a case in time: the files that waited (to be asked)."""
        return await self.db.write(repo.take_album_files, chat_id, album)

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
