"""Updates kept from the moment they arrive until they are handled.

python-telegram-bot tells Telegram that it has taken updates (the next ``getUpdates``'
offset; the webhook's ``200``) as soon as they are in its update queue, before they are
handled. A crash in between lost them for good: a file being downloaded, a press or a
return reason being applied. This update queue writes each update to the database first
(its ``put`` returns only once the update is stored, and PTB confirms nothing before it
returns), forgets the updates that were handled (in batches, a second later), and at the
next start puts back those a stop left. That is at least once: a command claims its update
in its own transaction, so one applied before the crash is not applied again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import orjson
from telegram import Bot, Update

from bot.clock import Clock
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

FORGET_AFTER = 1.0  # seconds: handled updates are deleted in one statement at most this often
MOST_REPLAYS = 3  # starts that may take up an update a stop left, before it is dropped
STORE_RETRY_FIRST = 0.5  # seconds before writing an update is tried again, doubling ...
STORE_RETRY_MOST = 30.0  # ... up to this
STORE_RETRY_LOG_EVERY = 60.0  # seconds between the error lines while it keeps failing
AS_SENT_MOST = 1000  # updates kept as Telegram sent them until stored (a getUpdates takes 100)
UNREADABLE_AFTER = 3  # the same getUpdates answer this often: one of its updates is unreadable


def log_unreadable(update_id: int, error: Exception, sent: dict[str, Any]) -> None:
    """An update Telegram sent that python-telegram-bot cannot read, skipped: its id, the
    error and the names of its fields (not their values: an official's words)."""
    log.error(
        "update %d cannot be read by python-telegram-bot (%s: %s; its fields: %s): skipped, "
        "so that the updates after it are handled",
        update_id, type(error).__name__, error, ", ".join(sorted(sent)),
    )  # fmt: skip


class UpdateInbox(asyncio.Queue[object]):
    """PTB's update queue (``ApplicationBuilder.update_queue``), kept in the database."""

    def __init__(self) -> None:
        super().__init__()
        self._db: Database | None = None
        self._clock: Clock | None = None
        self._handled: list[int] = []
        self._forgetting: asyncio.Task[None] | None = None
        self._writing: asyncio.Future[None] | None = None
        self._as_sent: dict[int, dict[str, Any]] = {}
        self._first_seen: tuple[int, int] = (-1, 0)  # first update id of the last answers, times

    def attach(self, db: Database, clock: Clock) -> None:
        """From now on each update is stored before it is queued (set in ``post_init``,
        before the first update is fetched)."""
        self._db, self._clock = db, clock

    def received(self, answer: object) -> None:
        """Updates as Telegram sent them: a ``getUpdates`` result (the get-updates request's
        ``on_answer``) or a webhook's update in a list. Each is stored as it came when PTB
        queues its object, instead of the object written back to JSON (``Update.to_json``
        took 120 to 280 µs an update; this about 1 µs). An update not seen here (none kept,
        or more than :data:`AS_SENT_MOST` waiting) is stored from its object, as before."""
        if not isinstance(answer, list):
            return
        self._unless_stuck(answer)
        if len(self._as_sent) > AS_SENT_MOST:
            self._as_sent.clear()
        for item in answer:
            if isinstance(item, dict) and type(update_id := item.get("update_id")) is int:
                self._as_sent[update_id] = item

    def _unless_stuck(self, answer: list[Any]) -> None:
        """python-telegram-bot reads a ``getUpdates`` answer whole: one update it cannot read
        (a field a newer Bot API dropped or made optional, which this release still needs)
        fails the whole answer, and PTB asks for the same updates again, for ever: the bot
        hears nobody. The same answer :data:`UNREADABLE_AFTER` times in a row: each update
        of it PTB cannot read is put in as its ``update_id`` alone (an update of nothing,
        which no handler takes), so the offset passes it and every other update is handled.
        Reading them one by one costs only then."""
        first = answer[0].get("update_id") if answer and isinstance(answer[0], dict) else None
        if type(first) is not int:
            return
        seen, times = self._first_seen
        times = times + 1 if first == seen else 1
        self._first_seen = (first, times)
        if times < UNREADABLE_AFTER:
            return
        for i, item in enumerate(answer):
            if not isinstance(item, dict) or type(update_id := item.get("update_id")) is not int:
                continue
            try:
                Update.de_json(item, None)
            except Exception as exc:
                log_unreadable(update_id, exc, item)
                answer[i] = {"update_id": update_id}

    def _as_sent_json(self, update: Update) -> str:
        """The update as Telegram sent it, as JSON; from its object when it was not kept, or
        when orjson refuses what Python's JSON took (a lone surrogate escape, "\\ud83d")."""
        sent = self._as_sent.pop(update.update_id, None)
        if sent is not None:
            try:
                return orjson.dumps(sent).decode()
            except (TypeError, ValueError):
                pass
        return update.to_json()

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await self._store(item):
            return  # delivered again while the first copy is queued or being handled
        await super().put(item)

    async def _store(self, update: Update) -> bool:
        """Write the update before it is queued; while the database refuses (locked by
        another process, its disk full), wait and try again. Until then nothing is
        confirmed to Telegram, which keeps the update; an error raised here instead would
        end python-telegram-bot's polling for good, and the bot would hear nobody. False for
        an update stored already."""
        db, clock = self._db, self._clock
        if db is None or clock is None:
            return True  # not attached yet: queued as PTB queues it
        body = self._as_sent_json(update)
        pause, told_at = STORE_RETRY_FIRST, 0.0
        failing_since: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                stored: bool = await db.write(
                    repo.receive_update, update.update_id, body, clock.now()
                )
            except Exception:
                now = loop.time()
                if failing_since is None:
                    failing_since = told_at = now
                    log.exception("update %d cannot be kept; trying again", update.update_id)
                elif now - told_at >= STORE_RETRY_LOG_EVERY:
                    told_at = now
                    log.error(
                        "updates still cannot be kept after %.0f s; nothing is taken from "
                        "Telegram meanwhile", now - failing_since,
                    )  # fmt: skip
                await asyncio.sleep(pause)
                pause = min(pause * 2, STORE_RETRY_MOST)
                continue
            if failing_since is not None:
                log.warning("updates are kept again after %.0f s", loop.time() - failing_since)
            return stored

    def handled(self, update: object) -> None:
        """An update was handled (whatever came of it): it is forgotten shortly."""
        if self._db is None or not isinstance(update, Update):
            return
        self._handled.append(update.update_id)
        if self._forgetting is None:
            self._forgetting = asyncio.create_task(self._forget_soon(), name="inbox-forget")

    async def _forget_soon(self) -> None:
        try:
            while self._handled:
                await asyncio.sleep(FORGET_AFTER)
                # a stop that comes meanwhile waits for this write (close)
                self._writing = asyncio.ensure_future(self.forget())
                await asyncio.shield(self._writing)
        finally:
            self._forgetting = None

    async def forget(self) -> None:
        """Delete the updates handled so far (also at a stop)."""
        done, self._handled = self._handled, []
        if done and self._db is not None:
            try:
                await self._db.write(repo.forget_updates, done)
            except Exception:  # they are put back at the next start: handled again, at most
                log.exception("could not forget %d handled updates", len(done))

    async def replay(self, bot: Bot) -> int:
        """At start: queue again the updates a stop left unhandled, oldest first."""
        assert self._db is not None
        waiting, dropped = await self._db.write(repo.updates_to_replay, MOST_REPLAYS)
        if dropped:
            log.error("dropped updates %s: put back %d times, never handled", dropped, MOST_REPLAYS)
        for update_id, body in waiting:
            try:
                update = Update.de_json(json.loads(body), bot)
            except Exception:  # not one python-telegram-bot reads (any more): dropped
                log.exception("update %d kept in the inbox cannot be read: dropped", update_id)
                await self._db.write(repo.forget_updates, [update_id])
                continue
            if update is not None:
                await super().put(update)
        if waiting:
            log.info("put back %d updates a stop left unhandled", len(waiting))
        return len(waiting)

    async def close(self) -> None:
        """At a stop: forget what was handled; what is still queued waits for the next start."""
        task = self._forgetting
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)
        await self.forget()
