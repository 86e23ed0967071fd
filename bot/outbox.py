"""Delivery of the outbox: every message the workflow must send, sent at least once.

Rows are written in the same transaction as the change that causes them; this sender
delivers them afterwards, in order per chat, within Telegram's limits (about 30 messages/s
per bot, 1/s per chat), retrying network errors, 5xx and 429 (honouring ``retry_after``)
with backoff. A row is marked sent only after Telegram accepted it, so a crash in between
sends it again (at least once) and never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.filestore import FileStore
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

# The flood limiter passes a 429 straight back for the outbox's calls: the outbox keeps the
# row, waits retry_after and sends it again itself (interactive replies are retried inside
# the limiter instead).
NO_LIMITER_RETRY = 0


def keyboard_markup(rows: Sequence[Sequence[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


@dataclass(frozen=True)
class RenderedPaper:
    doc: str
    file_name: str
    data: bytes


class PaperMaker(Protocol):
    async def make(self, case_id: int, paper: str, seq: int) -> list[RenderedPaper]: ...


class _Bucket:
    """Token bucket: ``rate`` per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def delay(self) -> float:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        wait = (1 - self.tokens) / self.rate
        self.tokens -= 1
        return wait


class OutboxSender:
    def __init__(
        self,
        db: Database,
        bot: ExtBot[Any],
        clock: Clock,
        files: FileStore,
        papers: PaperMaker | None = None,
        *,
        per_second: float = 28.0,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
        max_backoff: float = 60.0,
    ) -> None:
        self.db, self.bot, self.clock, self.files, self.papers = db, bot, clock, files, papers
        self._global = _Bucket(per_second, per_second)
        self._chats: dict[int, _Bucket] = defaultdict(
            lambda: _Bucket(per_chat_per_second, per_chat_burst)
        )
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        self.on_sent: Callable[[int, str, Message | None], Awaitable[None]] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                sent = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery round failed")
                sent = 0
            if sent:
                continue
            timeout = await self._idle_seconds()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _idle_seconds(self) -> float:
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            return pause
        nxt = await repo.next_outbox_time(self.db.reader)
        if nxt is None:
            return 5.0
        return max(0.05, min(5.0, (nxt - self.clock.now()).total_seconds()))

    async def drain_once(self, limit: int = 200) -> int:
        """Deliver what is due now; returns how many rows were settled."""
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        # Every read on the reader completes inside one statement (repo._all), so it sees
        # each row this sender marked sent before it asked again.
        items = await repo.due_outbox(self.db.reader, self.clock.now(), limit)
        if not items:
            return 0
        by_chat: dict[int, list[repo.OutboxItem]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)
        results = await asyncio.gather(
            *(self._deliver_chat(chat_items) for chat_items in by_chat.values())
        )
        return sum(results)

    async def _deliver_chat(self, items: list[repo.OutboxItem]) -> int:
        settled = 0
        for item in items:
            ok = await self._deliver(item)
            if not ok:
                break  # keep this chat's order: the rest waits for the retry
            settled += 1
        return settled

    async def _throttle(self, chat_id: int) -> None:
        # a 429 met by another chat's delivery in this round pauses this chat too
        pause = self._paused_until - time.monotonic()
        wait = max(self._chats[chat_id].delay(), self._global.delay(), pause)
        if wait > 0:
            await asyncio.sleep(wait)

    async def _deliver(self, item: repo.OutboxItem) -> bool:
        try:
            if item.kind == "paper":
                await self._make_paper(item)
                return True
            if item.kind == "task" and await self._is_stale(item):
                async with self.db.single_statement() as conn:
                    await repo.mark_sent(conn, item.id, self.clock.now(), None)
                return True
            await self._throttle(item.chat_id)
            message = await self._send(item)
        except RetryAfter as exc:
            seconds = (
                exc.retry_after.total_seconds()
                if isinstance(exc.retry_after, timedelta)
                else float(exc.retry_after)
            )
            self._paused_until = time.monotonic() + seconds
            await self._retry(item, seconds, f"429 retry after {seconds}s")
            return False
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest | Forbidden | InvalidToken):
                return await self._settle_error(item, exc)
            await self._retry(
                item, min(self._max_backoff, 2.0 ** min(item.attempts, 10)), repr(exc)
            )
            return False
        except (BadRequest, Forbidden, InvalidToken) as exc:
            return await self._settle_error(item, exc)
        except Exception as exc:
            log.exception("outbox item %d (%s) failed", item.id, item.kind)
            if item.attempts >= 20:
                async with self.db.transaction() as conn:
                    await repo.mark_failed(conn, item.id, self.clock.now(), repr(exc))
                return True
            await self._retry(
                item, min(self._max_backoff, 2.0 ** min(item.attempts, 10)), repr(exc)
            )
            return False
        message_id = message.message_id if message else None
        if item.kind not in ("task", "document") or message is None:
            async with self.db.single_statement() as conn:
                await repo.mark_sent(conn, item.id, self.clock.now(), message_id)
            return True
        async with self.db.transaction() as conn:
            await repo.mark_sent(conn, item.id, self.clock.now(), message_id)
            if item.kind == "task" and item.case_id is not None:
                version = int(item.payload["version"])
                await repo.record_task_message(
                    conn, item.chat_id, message.message_id, item.case_id, version
                )
            if item.kind == "document" and message.document is not None:
                await repo.set_file_telegram_id(
                    conn, int(item.payload["file_id"]), message.document.file_id
                )
        return True

    async def _settle_error(self, item: repo.OutboxItem, exc: Exception) -> bool:
        text = str(exc)
        if item.kind == "edit" and ("not modified" in text or "not found" in text):
            async with self.db.transaction() as conn:
                await repo.mark_sent(conn, item.id, self.clock.now(), None)
            return True
        log.warning(
            "outbox item %d (%s) to chat %d refused: %s", item.id, item.kind, item.chat_id, text
        )
        async with self.db.transaction() as conn:
            await repo.mark_failed(conn, item.id, self.clock.now(), f"{type(exc).__name__}: {text}")
        return True

    async def _retry(self, item: repo.OutboxItem, seconds: float, error: str) -> None:
        log.info("outbox item %d retry in %.1fs: %s", item.id, seconds, error)
        when = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.single_statement() as conn:
            await repo.mark_retry(conn, item.id, when, error)

    async def _is_stale(self, item: repo.OutboxItem) -> bool:
        if item.case_id is None:
            return False
        case = await repo.load_case(self.db.reader, item.case_id)
        # Only a case that has moved past the task's version makes it stale; a read that
        # somehow lags behind must never drop a task that is still due.
        return case is None or not case.is_open or case.version > int(item.payload["version"])

    async def _send(self, item: repo.OutboxItem) -> Message | None:
        p: dict[str, Any] = item.payload
        if item.kind in ("message", "task"):
            return await self.bot.send_message(
                item.chat_id,
                p["text"],
                reply_markup=keyboard_markup(p.get("keyboard", [])),
                rate_limit_args=NO_LIMITER_RETRY,
            )
        if item.kind == "edit":
            result = await self.bot.edit_message_reply_markup(
                chat_id=item.chat_id,
                message_id=int(p["message_id"]),
                reply_markup=None,
                rate_limit_args=NO_LIMITER_RETRY,
            )
            return result if isinstance(result, Message) else None
        if item.kind == "document":
            stored = await repo.get_file(self.db.reader, int(p["file_id"]))
            if stored is None:
                raise BadRequest("file row vanished")
            document: str | InputFile
            if stored.telegram_file_id:
                document = stored.telegram_file_id
            else:
                document = InputFile(await self.files.read(stored.path), filename=stored.name)
            return await self.bot.send_document(
                item.chat_id,
                document,
                caption=p.get("caption") or None,
                rate_limit_args=NO_LIMITER_RETRY,
            )
        raise BadRequest(f"unknown outbox kind {item.kind}")

    async def _make_paper(self, item: repo.OutboxItem) -> None:
        """Render a paper, keep it with the case, and queue it to its recipients."""
        p = item.payload
        assert item.case_id is not None
        made: list[RenderedPaper] = []
        if self.papers is not None:
            made = await self.papers.make(item.case_id, str(p["paper"]), int(p["seq"]))
        saved = [
            (paper, await self.files.save(item.case_id, paper.file_name, paper.data))
            for paper in made
        ]
        now = self.clock.now()
        async with self.db.transaction() as conn:
            for paper, stored in saved:
                file_id = await repo.add_file(
                    conn,
                    case_id=item.case_id,
                    doc=paper.doc,
                    kind="paper",
                    name=paper.file_name,
                    size=stored.size,
                    sha256=stored.sha256,
                    path=stored.relative,
                    uploaded_by=0,
                    now=now,
                    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
                for recipient in p.get("recipients", []):
                    payload = {
                        "file_id": file_id,
                        "caption": f"Berkas #{item.case_id} · {paper.file_name}",
                    }
                    await repo.enqueue(conn, int(recipient), "document", payload, now, item.case_id)
            await repo.mark_sent(conn, item.id, now, None)
        self.wake()
