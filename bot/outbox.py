"""Delivery of the outbox: every message the workflow must send, sent at least once.

Rows are written in the same transaction as the change that causes them; this sender
delivers them afterwards, in order per chat, retrying network errors, 5xx and 429 (after
``retry_after``) with backoff. Pacing is the one flood limiter's
(:class:`bot.ratelimit.FloodLimiter`, installed in the application): every call the bot
makes passes it, the outbox's behind the interactive answers (``BACKGROUND``). A row is
marked sent only after Telegram accepted it, so a crash in between sends it again (at
least once) and never loses it.

Rows are small and rendered here, when they go out (:mod:`bot.messages`); delivered rows
are pruned after ``storage.retention_days`` (the event log stays the record). Reminders and
escalations go in office time only: one that comes due outside it (an outage that ended at
night) waits for the office to open, holding up none of its chat's other rows.

A fault of the bot's own environment (:func:`local_fault`: a file that cannot be written or
read, a database error) is not the row's: the row does not count it as an attempt and is
never given up for it, but tried again with back-off (1 s, doubling up to
``max_fault_backoff``) until it goes. A round that fails as a whole (the database's disk
full, the database unreachable) waits the same way, not at once: the first failure is
logged with its traceback, then a line a minute while it lasts, and one when rounds work
again. The administrators are told once when rows are held by such a fault, and once more
when they go again (through the outbox, or straight to them while the database is what
fails). What it costs is on the failure path only.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaDocument,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot import telegram_calls as calls
from bot import texts as t
from bot.alerts import AlertThrottle
from bot.clock import Clock, SetBackWatch
from bot.config import DEFAULT_API_BASE_URL, max_upload_bytes
from bot.core.model import EventType
from bot.filestore import FileStore
from bot.messages import Album, Inputs, Message, Renderer, load_inputs
from bot.papers.render import TemplateFailed
from bot.ratelimit import BACKGROUND, OUTBOX_ANSWER, Sending, Withdrawn
from bot.services import effects, reminders, routing
from bot.services.registry import SopRegistry
from bot.telegram_calls import Sent
from bot.views import Keyboard
from storage import repo
from storage.db import Database, Tx, is_database_fault

log = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAPER_WAIT = timedelta(milliseconds=200)
PRUNE_EVERY = 3600.0  # seconds between prunes of delivered rows
FAULT_BACKOFF_FIRST = 1.0  # seconds before the first retry of a round that failed
FAULT_BACKOFF_MAX = 120.0  # at most this long between the retries of a fault of the bot's own
FAULT_LOG_EVERY = 60.0  # seconds between the log lines of a fault that goes on
FAULT_ALERT = "outbox: pengiriman tertahan"  # the kind of alert (bot.alerts) of a held outbox
SHOWN_KEPT = 10_000  # at most this many task messages remembered (a bound; see _saw)
CHATS_IN_FLIGHT = 16  # chats delivered at once: the outbox queues few messages in the limiter
ACK_REACTION = "👌"  # on an upload the bot took (one of Telegram's reaction emoji)
UPLOAD_READ_TIMEOUT = 60.0  # Telegram answers a large upload only once it has the file
# Telegram's descriptions (PTB capitalizes them: compared in lower case)
NOT_MODIFIED = ("message is not modified",)  # an edit that changes nothing
GONE = ("message to edit not found", "message can't be edited")  # deleted by its reader
TOO_LARGE = ("request entity too large",)  # a 413: its description, and PTB's phrase for it
# a person the bot cannot write to yet: never opened the chat (a Plh appointed before pressing
# Start: 400 "chat not found"), or blocked the bot (403); their rows go when they start
UNREACHABLE = ("chat not found", "forbidden", "bot was blocked", "can't initiate conversation")
DELETED = ("user is deactivated",)  # a 403 for an account its owner deleted: it never comes back
# How this task's calls go through the flood limiter: behind interactive answers, except
# while it delivers a row that is itself an answer (OutboxSender.answer).
_SENDING: contextvars.ContextVar[Sending] = contextvars.ContextVar("outbox_sending")


def _sending() -> Sending:
    return _SENDING.get(BACKGROUND)


def keyboard_markup(rows: Sequence[Sequence[Sequence[str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def local_fault(exc: BaseException) -> bool:
    """A fault of the bot's own environment, not of the message: a file that cannot be
    written or read (disk full, a read-only or missing share), a database error (disk full,
    locked, unreachable). Telegram's errors are not among them (PTB raises its own)."""
    return isinstance(exc, OSError) or is_database_fault(exc)


def _says(exc: Exception, phrases: tuple[str, ...]) -> bool:
    """Whether Telegram's description of an error is one of ``phrases`` (lower case)."""
    text = str(exc).lower()
    return any(phrase in text for phrase in phrases)


@dataclass(frozen=True)
class LeftOut:
    """A stored file a paper was to hold and does not (a final document the archive bundle
    goes without): ``why`` is a key of :data:`bot.texts.LEFT_OUT_WHY`."""

    name: str
    path: str
    why: str


@dataclass(frozen=True)
class RenderedPaper:
    doc: str
    file_name: str
    data: bytes
    left_out: tuple[LeftOut, ...] = ()  # the person it records and the admins are told


class PaperMaker(Protocol):
    async def make(self, case_id: int, paper: str, seq: int) -> list[RenderedPaper]: ...


class _Wait(Exception):
    """The row cannot go yet (a paper it carries is still being written); not a failure."""


def _with_bundle(item: repo.OutboxItem, inputs: Inputs) -> bool:
    """Whether a files row sends an archive bundle (a .zip of a paper and its files)."""
    if item.kind != "files" or item.params.get(repo.NO_BUNDLE):
        return False
    return any(
        stored.name.endswith(".zip")
        for seq, kind in item.params.get("papers", ())
        for stored in inputs.papers.get((item.case_id or 0, int(seq), str(kind)), ())
    )


def _reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


class OutboxSender:
    def __init__(
        self,
        db: Database,
        bot: ExtBot[Any],
        clock: Clock,
        files: FileStore,
        renderer: Renderer,
        sops: SopRegistry,
        papers: PaperMaker | None = None,
        *,
        max_backoff: float = 60.0,
        max_fault_backoff: float = FAULT_BACKOFF_MAX,
        retention: timedelta = timedelta(days=7),
        max_upload: int = max_upload_bytes(DEFAULT_API_BASE_URL),
        admins: Sequence[int] = (),
        alerts: AlertThrottle | None = None,
    ) -> None:
        self.db, self.bot, self.clock, self.files = db, bot, clock, files
        self.admins = tuple(admins)  # told when a paper cannot be written
        self.alerts = alerts or AlertThrottle()
        self._max_upload = max_upload
        self.renderer, self.sops, self.papers = renderer, sops, papers
        self._max_backoff = max_backoff
        self._max_fault_backoff = max_fault_backoff
        self._retention = retention
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._chats: dict[int, asyncio.Task[None]] = {}  # chat -> its delivery under way
        self._last_prune = 0.0
        self._next_due: datetime | None = None  # of the rows not due at the last round
        self._took_all = True  # the last round took every row due (not its limit)
        self._clock_watch = SetBackWatch()
        self._shown: dict[tuple[int, int], tuple[str, str]] = {}
        # task messages a decision was shown on: (chat, message) -> (case, the version the
        # decision brought the case to, its HTML text, its keyboard)
        self._decided: dict[tuple[int, int], tuple[int, int, str, Keyboard]] = {}
        # what the two hold, by case: (chat, message) -> the version of the case it was
        # remembered at; the latest version of the case seen; the cases seen closed. Both
        # are of use only while the case is at that version: forgotten once it moves past
        # it, or is closed (at the next quiet round, :meth:`_forget_closed`)
        self._remembered: dict[int, dict[tuple[int, int], int]] = {}
        self._versions: dict[int, int] = {}
        self._closed: set[int] = set()
        self._answers: set[asyncio.Task[None]] = set()
        # rounds failed in a row (0: the last one worked), since when, and when last logged
        self._round_failures = 0
        self._failing_since = self._fault_logged = 0.0
        self._held: dict[int, int] = {}  # rows held by a local fault -> its tries in a row
        self._fault_told = False  # the administrators heard that rows are held
        self._missing_told: set[int] = set()  # files missing from the folder, told

    def wake(self) -> None:
        self._wake.set()

    def answer(self, items: Sequence[repo.OutboxItem]) -> None:
        """Deliver these rows now, out of their chat's turn and as interactive answers: the
        official is waiting for them (a task opened from /tugas), not for what was queued
        for them before. The command that wrote them took them in its own transaction
        (:func:`repo.take_outbox_rows`: not when a row of the same case is queued before
        them), so no round can take them first and send them behind the chat's queue.
        Whatever this does not send, the regular rounds do when the lease ends; a stopped
        sender sends nothing."""
        if self._task is None or not items:
            return
        task = asyncio.create_task(self._answer(list(items)), name="outbox-answer")
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _answer(self, items: list[repo.OutboxItem]) -> None:
        try:
            inputs = await self.db.read(
                load_inputs, items, self.sops, self.clock.now(), self._max_upload
            )
            self._saw_cases(inputs)
            _SENDING.set(OUTBOX_ANSWER)
            for item in items:
                await self._guarded(item, inputs)
        except Exception:
            log.exception("answer rows %s: left to the regular rounds", [i.id for i in items])
        finally:
            self.wake()  # what sending them queued (the buttons of a task that moved on)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        chats = [*self._chats.values(), *self._answers]
        for task in chats:
            task.cancel()  # its rows are given back, or taken again when their lease ends
        await asyncio.gather(*chats, return_exceptions=True)
        self._chats.clear()

    async def _loop(self) -> None:
        while True:
            # cleared before the round looks: a row queued after that wakes the next one,
            # even when the round's trip has passed it by
            self._wake.clear()
            try:
                sent = await self.drain_once()
                if time.monotonic() - self._last_prune > PRUNE_EVERY:
                    await self.prune()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                timeout = await self._round_failed(exc)
            else:
                if self._round_failures:
                    await self._round_recovered()
                if sent and not self._took_all:  # more rows are due than a round takes
                    continue
                timeout = self._idle_seconds()
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
            # cancellation that stop() sends when it meets the timeout (gh-86296), and the
            # loop then waits for ever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def _round_failed(self, exc: Exception) -> float:
        """A round failed: how long to wait before the next one (doubling, capped; a wake
        comes sooner: it follows a write that worked). Logged with its traceback the first
        time, then in a line a minute."""
        self._round_failures += 1
        now = time.monotonic()
        if self._round_failures == 1:
            self._failing_since = self._fault_logged = now
            log.error("outbox delivery round failed: tried again with back-off", exc_info=exc)
            if not self._held:
                await self._fault_began(exc)
        elif now - self._fault_logged >= FAULT_LOG_EVERY:
            self._fault_logged = now
            log.error(
                "outbox delivery rounds still failing: %d failed in %.0f s, the last with %r",
                self._round_failures,
                now - self._failing_since,
                exc,
            )
        return self._fault_backoff(self._round_failures)

    async def _round_recovered(self) -> None:
        log.warning(
            "outbox delivery rounds work again, after %d failed in %.0f s",
            self._round_failures,
            time.monotonic() - self._failing_since,
        )
        self._round_failures = 0
        if not self._held:
            await self._fault_ended()

    async def _hold(self, item: repo.OutboxItem, exc: Exception) -> None:
        """A row met a fault of the bot's own: tried again with back-off, not counted as an
        attempt (it is never given up for it)."""
        began = not self._held and not self._round_failures
        tries = self._held[item.id] = self._held.get(item.id, 0) + 1
        seconds = self._fault_backoff(tries)
        if began:
            log.error(
                "outbox item %d (%s) held by a fault of the bot's own, tried again until it clears",
                item.id,
                item.kind,
                exc_info=exc,
            )
        else:
            log.info(
                "outbox item %d held, try %d, again in %.1fs: %r", item.id, tries, seconds, exc
            )
        when = self.clock.now() + timedelta(seconds=seconds)
        await self.db.write(repo.mark_retry, item.id, when, f"held: {exc!r}", False)
        if began:
            await self._fault_began(exc)

    async def _unhold(self, item: repo.OutboxItem) -> None:
        """A row held by a fault is settled: the last one ends the fault."""
        if self._held.pop(item.id, None) is not None and not self._held:
            log.warning("outbox rows held by a fault of the bot's own go again")
            if not self._round_failures:
                await self._fault_ended()

    async def _fault_began(self, exc: Exception) -> None:
        """Rows are held by a fault of the bot's own: the administrators hear of it once (a
        fault that comes and goes once in a window of :class:`AlertThrottle`)."""
        if not self.admins or self._fault_told or self.alerts.take(FAULT_ALERT) is None:
            return
        self._fault_told = True
        await self.tell_admins(
            t.OUTBOX_HELD.format(problem=t.e(t.fit(f"{type(exc).__name__}: {exc}", 300)))
        )

    async def _fault_ended(self) -> None:
        if self._fault_told:
            self._fault_told = False
            await self.tell_admins(t.OUTBOX_RESUMED)

    async def tell_admins(self, text: str) -> None:
        """Through the outbox; straight to them when the database cannot take the row (it is
        the fault), as the error handler does, once."""
        try:
            await self.db.write(effects.tell_admins, self.admins, [text], self.clock.now())
        except Exception as exc:
            log.info("the administrators are told directly (%r)", exc)
            for admin in self.admins:
                try:
                    await calls.send_message(self.bot, admin, text, rate_limit_args=_sending())
                except Exception as error:
                    log.info("administrator %s could not be told: %r", admin, error)
        else:
            self.wake()

    async def send_later(self, chat_id: int, text: str, reply_to: int | None = None) -> None:
        """A text (HTML) an answer could not bring (Telegram failed it for now: a 5xx, a
        timeout, a 429 that lasted): the outbox sends it, retrying as it retries any row,
        as a reply to ``reply_to`` when that message is still there."""
        params: dict[str, Any] = {"t": "text", "text": text}
        if reply_to is not None:
            params["reply_to"] = reply_to
        await self.db.write(repo.enqueue, chat_id, "notice", self.clock.now(), params=params)
        self.wake()

    def _fault_backoff(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th fault in a row of the bot's own."""
        return min(self._max_fault_backoff, FAULT_BACKOFF_FIRST * 2.0 ** min(failures - 1, 16))

    def _idle_seconds(self) -> float:
        if len(self._chats) >= CHATS_IN_FLIGHT:
            return 5.0  # a delivery that ends wakes the loop
        nxt = self._next_due
        if nxt is None:
            return 5.0
        return max(0.02, min(5.0, (nxt - self.clock.now()).total_seconds()))

    async def prune(self) -> tuple[int, int]:
        """Forget rows delivered longer ago than the retention, and old update ids."""
        self._last_prune = time.monotonic()
        now = self.clock.now()
        removed = await self.db.write(repo.prune, now - self._retention, now - timedelta(days=2))
        if any(removed):
            log.info("pruned %d delivered outbox rows and %d update ids", *removed)
        return removed

    async def drain_once(self, limit: int = 200) -> int:
        """Deliver what is due now; returns how many rows were settled or set going.

        Each chat's rows go out in order, in a task of their own: a chat waiting for its
        next second (Telegram's one message a second in a private chat) holds up no other
        chat, and its rows that fall due meanwhile wait until its delivery has ended. At most
        ``CHATS_IN_FLIGHT`` chats are delivered at once, so the outbox never queues more than
        a few messages in the flood limiter ahead of an interactive answer. Rows taken but
        not set going are given back at once."""
        if self._closed and not self._chats and not self._answers:
            self._forget_closed()
        now = self.clock.now()
        lease_until = now + repo.OUTBOX_LEASE
        busy = list(self._chats)
        # the first round, and any after the host's clock was set back: no row waits longer
        # than a lease or a back-off from now
        first = self._clock_watch.latest is None
        set_back = self._clock_watch.set_back(now) or first
        horizon = max(repo.OUTBOX_LEASE, timedelta(seconds=self._max_backoff))

        def take(tx: Tx) -> tuple[list[repo.OutboxItem], datetime | None]:
            if set_back and repo.pull_forward_outbox(tx, now, horizon, busy):
                log.warning(
                    "rows waiting more than %s are due now (a start, or the clock set back)",
                    horizon,
                )
            items = repo.take_due_outbox(tx, now, limit, lease_until, busy)
            # when the next row falls due, learnt in the same trip: the loop sleeps until
            # then, or until it is woken (each chat taken now wakes it when its delivery
            # ends: its later rows count from then)
            taken = {item.chat_id for item in items}
            return items, repo.next_outbox_time(tx, [*busy, *taken])

        items, self._next_due = await self.db.write(take)
        self._took_all = len(items) < limit
        if not items:
            return 0
        by_chat: dict[int, list[repo.OutboxItem]] = defaultdict(list)
        later: list[int] = []
        for item in items:
            if item.kind == "paper":
                continue
            if item.chat_id in by_chat or len(by_chat) + len(self._chats) < CHATS_IN_FLIGHT:
                by_chat[item.chat_id].append(item)
            else:
                later.append(item.id)
        settled = 0
        messages: list[repo.OutboxItem] = []
        try:
            for job in (i for i in items if i.kind == "paper"):
                settled += await self._guarded(job, None)
            messages = [item for chat_items in by_chat.values() for item in chat_items]
            if messages:
                inputs = await self.db.read(
                    load_inputs, messages, self.sops, self.clock.now(), self._max_upload
                )
                self._saw_cases(inputs)
                for chat_id, chat_items in by_chat.items():
                    self._chats[chat_id] = asyncio.create_task(
                        self._chat_delivery(chat_id, chat_items, inputs, lease_until)
                    )
                by_chat.clear()
        finally:
            later += [item.id for chat_items in by_chat.values() for item in chat_items]
            if later:
                await self.db.write(repo.release_outbox, later, lease_until, self.clock.now())
        return settled + len(messages)

    async def _chat_delivery(
        self, chat_id: int, items: list[repo.OutboxItem], inputs: Inputs, lease_until: datetime
    ) -> None:
        """One chat's rows, in order; the rows not tried are given back at the end."""
        settled = 0
        try:
            settled = await self._deliver_chat(items, inputs)
        except Exception:
            log.exception("outbox delivery to chat %d failed", chat_id)
        finally:
            try:
                if settled < len(items):
                    ids = [i.id for i in items]
                    await self.db.write(repo.release_outbox, ids, lease_until, self.clock.now())
            finally:
                if self._chats.get(chat_id) is asyncio.current_task():
                    del self._chats[chat_id]
                self.wake()  # its rows that fell due meanwhile can go now

    async def _deliver_chat(self, items: list[repo.OutboxItem], inputs: Inputs) -> int:
        settled = 0
        for item in items:
            done = await self._guarded(item, inputs)
            if not done:
                break  # keep this chat's order: the rest waits for the retry
            settled += 1
        return settled

    async def _guarded(self, item: repo.OutboxItem, inputs: Inputs | None) -> int:
        """Deliver one row; 1 when it is settled (sent, skipped or given up), else 0. A row
        settled while others were held by a local fault tells that the fault is over."""
        settled = await self._attempt(item, inputs)
        if settled and self._held:
            await self._unhold(item)
        return settled

    async def _attempt(self, item: repo.OutboxItem, inputs: Inputs | None) -> int:
        try:
            if inputs is None:
                await self._make_paper(item)
            else:
                await self._deliver(item, inputs)
            return 1
        except _Wait:
            await self._retry(item, PAPER_WAIT.total_seconds(), "waiting for papers", count=False)
        except TemplateFailed as exc:
            await self._paper_failed(item, exc)
            return 1
        except RetryAfter as exc:
            after = exc.retry_after
            seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
            await self._retry(item, seconds, f"429 retry after {seconds}s")
        except (BadRequest, Forbidden) as exc:
            return int(await self._settle_error(item, exc))
        except InvalidToken as exc:
            # the token was revoked, or the server URL is wrong: nothing is given up while
            # the operator puts it right
            log.error("outbox item %d: the Bot API refused the bot's token (%s)", item.id, exc)
            await self._retry(item, self._backoff(item), repr(exc))
        except NetworkError as exc:  # TimedOut included
            if _says(exc, TOO_LARGE) and inputs is not None and _with_bundle(item, inputs):
                # the archive bundle is above what this server takes (a self-hosted one
                # without --local keeps 50 MB): the row goes again with the papers alone
                await self.db.write(repo.mark_without_bundle, item.id, self.clock.now())
                return 0
            if _says(exc, TOO_LARGE):  # a 413: the same body would be refused again
                return int(await self._settle_error(item, exc))
            await self._retry(item, self._backoff(item), repr(exc))
        except Exception as exc:
            if local_fault(exc):
                await self._hold(item, exc)
                return 0
            log.exception("outbox item %d (%s) failed", item.id, item.kind)
            if item.attempts >= 20:
                await self.db.write(repo.mark_failed, item.id, self.clock.now(), repr(exc))
                return 1
            await self._retry(item, self._backoff(item), repr(exc))
        return 0

    async def _paper_failed(self, item: repo.OutboxItem, exc: TemplateFailed) -> None:
        """A template that does not fill fails the same way every time: the paper is given
        up at once (the rows waiting for it go without it), and the administrators are told
        which file and which placeholder, to mend it and check it with ``sopbot check``."""
        paper, case_id = str(item.params.get("paper", "")), item.case_id
        log.error("paper %s of case %s not written: %s", paper, case_id, exc)
        now = self.clock.now()
        text = t.PAPER_TEMPLATE_FAILED.format(
            paper=t.e(paper),
            case=case_id,
            problem=t.e(t.fit(str(exc), 600)),
            advice=t.TEMPLATE_ADVICE.get(exc.key, ""),
        )

        def record(tx: Tx) -> None:
            repo.mark_failed(tx, item.id, now, f"TemplateFailed: {exc}"[:500])
            effects.tell_admins(tx, self.admins, [text], now)

        await self.db.write(record)
        self.wake()

    def _backoff(self, item: repo.OutboxItem) -> float:
        return min(self._max_backoff, 2.0 ** min(item.attempts, 10))

    async def _settle_error(self, item: repo.OutboxItem, exc: Exception) -> bool:
        """Record a row Telegram refused; False when it goes again at once instead: a 403
        while the bot holds the person reachable may answer a send begun before they
        unblocked it (the my_chat_member handled while the answer came back), so the row
        is tried once more. A second 403 settles it (and marks the person unreachable):
        someone who really blocked the bot costs one more call, never a loop."""
        text = str(exc)
        # buttons of a message that is gone or already without them: nothing left to do
        if item.kind == "strip" and _says(exc, NOT_MODIFIED + GONE):
            await self.db.write(repo.mark_sent, item.id, self.clock.now(), None)
            return True
        log.warning(
            "outbox item %d (%s) to chat %d refused: %s", item.id, item.kind, item.chat_id, text
        )
        now = self.clock.now()
        unreachable = item.kind == "task" and (
            isinstance(exc, Forbidden) or _says(exc, UNREACHABLE)
        )

        error = f"{type(exc).__name__}: {text}"

        def record(tx: Tx) -> bool | None:
            if isinstance(exc, Forbidden) and repo.refused_while_reachable(tx, item.id):
                repo.mark_retry(tx, item.id, now, f"{repo.AGAIN}{error}")
                return None
            # told once until the person starts: their later tasks (reminders too) wait
            # with the first
            told = unreachable and repo.tasks_refused_unreachable(tx, item.chat_id)
            repo.mark_failed(tx, item.id, now, error)
            if isinstance(exc, Forbidden):
                # blocked, or the account deleted, without a my_chat_member the bot handled:
                # what is said of whether they were told is true from now on, and their
                # next word to the bot (or unblocking it) sends what waits
                repo.mark_blocked(tx, item.chat_id)
            if not unreachable or told or not self.admins or item.case_id is None:
                return False
            # a task nobody can see holds the case up: the administrators hear of it (the row
            # goes again once the person presses Start)
            person = repo.get_person(tx, item.chat_id)
            who = (
                t.NAMED.format(name=t.e(person.name), person=item.chat_id)
                if person is not None and person.name
                else t.UNNAMED.format(person=item.chat_id)  # not "ID 7 (ID 7)"
            )
            if _says(exc, DELETED):  # never presses Start: the role is to pass on
                notice = t.TASK_UNDELIVERABLE_DELETED.format(
                    case=item.case_id,
                    who=who,
                    role_id=t.e(self._role_of(tx, item.case_id)),
                    person=item.chat_id,
                )
            else:
                notice = t.TASK_UNDELIVERABLE.format(case=item.case_id, who=who)
            effects.tell_admins(tx, self.admins, [notice], now, besides=item.chat_id)
            return True

        outcome = await self.db.write(record)
        if outcome is not False:  # a notice to the administrators, or the row again
            self.wake()
        return outcome is not None

    def _role_of(self, tx: Tx, case_id: int) -> str:
        """The role whose step a case waits at (for an administrator's command), or a
        placeholder when the case is closed or its SOP no longer known."""
        case = repo.load_case(tx, case_id)
        if case is None or not case.is_open:
            return t.TASK_UNDELIVERABLE_ROLE
        try:
            return self.sops.of(case).step(case.step).actor
        except LookupError:
            return t.TASK_UNDELIVERABLE_ROLE

    async def _retry(
        self, item: repo.OutboxItem, seconds: float, error: str, count: bool = True
    ) -> None:
        if count:
            log.info("outbox item %d retry in %.1fs: %s", item.id, seconds, error)
        when = self.clock.now() + timedelta(seconds=seconds)
        await self.db.write(repo.mark_retry, item.id, when, error, count)

    async def _skip(self, item: repo.OutboxItem) -> None:
        await self.db.write(repo.mark_sent, item.id, self.clock.now(), None)

    async def _office_closed(self, item: repo.OutboxItem) -> bool:
        """A reminder or escalation is sent in office time only (the office's calendar, as
        the sweep that queued it): one that comes due outside it (Telegram answered again
        at night) is put off to the next working moment, and the chat's other rows go on.
        Other rows go at any hour; for them this reads no clock and no database."""
        if not repo.reminding(item.kind, item.params):
            return False
        calendar = self.renderer.calendar
        now = self.clock.now()
        if calendar.is_working_time(now):
            return False
        until = calendar.next_working_moment(now)
        log.info(
            "outbox item %d (%s) comes due outside office time: put off to %s",
            item.id,
            item.kind,
            until.isoformat(),
        )
        await self.db.write(repo.defer_to_office, item.id, until)
        return True

    # -- one row -------------------------------------------------------------------------

    async def _deliver(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        if not repo.reminding(item.kind, item.params):
            await self._deliver_row(item, inputs)
            return

        async def still_wanted() -> bool:
            return bool(await self.db.write(self._claim, item))

        # a later reminder may take its place while it waits for its chat's turn (the
        # sweep runs on while Telegram cannot be reached): claimed when the turn comes, so
        # the official gets one of them, the latest that was not already on its way
        token = _SENDING.set(replace(_sending(), still_wanted=still_wanted))
        try:
            await self._deliver_row(item, inputs)
        except Withdrawn:
            log.info("outbox item %d not sent: no longer wanted when its turn came", item.id)
            self.wake()  # a digest left with other cases goes again without the ones left out
        finally:
            _SENDING.reset(token)

    def _claim(self, tx: Tx, item: repo.OutboxItem) -> bool:
        """A reminder or escalation whose turn has come is claimed (:func:`repo.claim_reminder`),
        unless it is about a case that is no longer its addressee's (:meth:`_not_theirs`):
        the administrator passed the role on, or revoked it, while it waited (Telegram could
        not be reached, or a role change came between the digest's rendering and its turn).
        The case's title and holders' names are not theirs to read any more: it is left out
        (a digest goes again without it), settled as "no longer the holder". An escalation
        goes instead to whoever answers for the role now, queued at once as the sweep would
        have queued it (:func:`reminders.escalate_anew`; none when the role is vacant); a
        reminder's new holder has the task itself. A row that does not say the role (an
        older database) goes as it is."""
        listed = _listed(item)
        if listed:
            now = self.clock.now()
            gone = self._not_theirs(tx, item, listed, now)
            if gone:
                repo.leave_out_of_row(tx, item.id, gone, now, repo.NOT_THE_HOLDER)
                moved = reminders.escalate_anew(
                    tx, self.sops, item.chat_id, _escalated(item, gone), now
                )
                if moved:
                    log.info(
                        "outbox item %d: escalations no longer the addressee's go to who "
                        "answers for the role now: %s",
                        item.id,
                        ", ".join(f"case {case} to {person}" for case, person in moved),
                    )
                return False
        return repo.claim_reminder(tx, item.id)

    def _not_theirs(
        self,
        tx: Tx,
        item: repo.OutboxItem,
        listed: Sequence[tuple[int, Any, Any]],
        now: datetime,
    ) -> set[int]:
        """The cases of a reminder digest or an escalation (``listed``: case, role, step)
        that are no longer its addressee's, as the case and the roles stand now: an
        escalation's role they no longer answer for, held or acting in it
        (:func:`routing.answers_for`, as the sweep picks superiors); a reminder's step they
        no longer hold while the case waits at it (a case that has moved on is the
        renderer's to leave out, :meth:`Renderer.digest_entries`)."""
        escalation = item.params.get("t") == "escalation"
        gone = set()
        for case_id, role, step in listed:
            case = repo.load_case(tx, case_id)
            if case is None or not case.is_open or not isinstance(role, str):
                continue
            definition = self.sops.of(case)
            if escalation:
                if not routing.answers_for(tx, definition, case, role, item.chat_id, now):
                    gone.add(case.id)
            elif case.step == step and item.chat_id not in routing.step_holders(
                tx, definition, case, now
            ):
                gone.add(case.id)
        return gone

    async def _deliver_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        if item.kind == "task":
            await self._task_row(item, inputs)
        elif item.kind == "files":
            await self._files_row(item, inputs)
        elif item.kind == "notice":
            # a notice about a step (an escalation, "passed over") is about that step only
            message = None
            if not self.renderer.stale(item, inputs):
                if await self._office_closed(item):
                    return
                message = self.renderer.notice(item, inputs, self.clock.now())
            if message is None:
                await self._skip(item)
                return
            # a notice's button (/ubah_data's "Perbaiki data") asks nothing yet: no dialogue
            sent = await self._send(item.chat_id, message.text, message.keyboard, message.reply_to)

            def record(tx: Tx) -> bool:
                now = self.clock.now()
                repo.mark_sent(tx, item.id, now, sent.message_id)
                if self._escalation_void(tx, item, sent.message_id, now):
                    return True
                log_chase(tx, item, now)
                return False

            if await self.db.write(record):
                self.wake()
        elif item.kind == "digest":
            await self._digest_row(item, inputs)
        elif item.kind == "prompt":
            await self._prompt_row(item, inputs)
        elif item.kind == "react":
            await self._react_row(item, inputs)
        elif item.kind == "strip":
            text = item.params.get("text_html")
            if item.params.get("lapsed") == "new_case":
                # the question of a /baru that ended unanswered (/batal, another question)
                await calls.edit_message_text(
                    self.bot,
                    item.chat_id,
                    int(item.params["message_id"]),
                    t.NEW_CASE_CANCELLED,
                    rate_limit_args=_sending(),
                )
            elif isinstance(decided := item.params.get("decided_html"), str) and decided:
                # the decision taken on this task message, which its handler could not show
                # (Telegram refused, or the bot died first); its Tarik kembali only while
                # the case is still where the decision took it
                keyboard = item.params.get("keyboard") or []
                if self.renderer.stale(item, inputs):
                    keyboard = []
                await calls.edit_message_text(
                    self.bot,
                    item.chat_id,
                    int(item.params["message_id"]),
                    t.fit(decided),
                    reply_markup=keyboard_markup(keyboard),
                    rate_limit_args=_sending(),
                )
            elif isinstance(text, str) and text:
                # a question asked on this task message lapsed: the task's text comes back
                await calls.edit_message_text(
                    self.bot,
                    item.chat_id,
                    int(item.params["message_id"]),
                    t.fit(f"{text}\n\n{t.QUESTION_LAPSED}"),
                    rate_limit_args=_sending(),
                )
            else:
                await calls.edit_message_reply_markup(
                    self.bot,
                    item.chat_id,
                    int(item.params["message_id"]),
                    rate_limit_args=_sending(),
                )
            await self._skip(item)
        elif item.kind == "text":  # rendered before small rows existed
            if self.renderer.stale(item, inputs):
                await self._skip(item)
                return
            p = item.params
            markup = keyboard_markup(p.get("keyboard", []))
            sent = await calls.send_message(
                self.bot, item.chat_id, p["text"], reply_markup=markup, rate_limit_args=_sending()
            )
            await self.db.write(repo.mark_sent, item.id, self.clock.now(), sent.message_id)
        elif item.kind == "document":  # a row of an older database
            await self._files_row(
                repo.OutboxItem(
                    item.id,
                    item.chat_id,
                    "files",
                    item.case_id,
                    None,
                    {"files": [item.params["file_id"]]},
                    item.attempts,
                ),
                inputs,
            )
        else:
            raise BadRequest(f"unknown outbox kind {item.kind}")

    def _escalation_void(
        self, tx: Tx, item: repo.OutboxItem, message_id: int, now: datetime
    ) -> bool:
        """A single escalation that landed about a case no longer its addressee's
        (:meth:`_not_theirs`): the superior role passed on (or was revoked, or an acting
        period ended) while it was on its way, in Telegram's hands, as a digest's may
        (:meth:`_digest_row`). It is not logged as a chase of theirs; the message is
        edited to say that it no longer applies (:data:`texts.ESCALATION_VOID`), and the
        escalation goes at once to whoever answers for the role now
        (:func:`reminders.escalate_anew`). False: any other notice, or an escalation
        still theirs."""
        if item.params.get("t") != "escalation":
            return False
        gone = self._not_theirs(tx, item, _listed(item), now)
        if not gone:
            return False
        self._retract(tx, item, message_id, Message(t.ESCALATION_VOID), gone, now)
        return True

    def _retract(
        self,
        tx: Tx,
        item: repo.OutboxItem,
        message_id: int,
        shown: Message,
        gone: set[int],
        now: datetime,
    ) -> None:
        """A reminder or escalation row landed with cases no longer its addressee's
        (``gone``): its message is edited to ``shown``, and the escalations of those cases go
        at once to whoever answers for their roles now (:func:`reminders.escalate_anew`)."""
        params = effects.decided_params(message_id, shown.text, shown.keyboard)
        repo.enqueue(tx, item.chat_id, "strip", now, params=params)
        moved = reminders.escalate_anew(tx, self.sops, item.chat_id, _escalated(item, gone), now)
        log.info(
            "outbox item %d: %d cases no longer the addressee's once it landed: edited out%s",
            item.id,
            len(gone),
            f", escalated to who answers for the role now ({len(moved)})" if moved else "",
        )

    async def _digest_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """Many reminders (or escalations) of one sweep to one person, as one message; each
        case it lists gets its row in the chase log, as its own reminder would.

        A role that passed on (or was revoked, or an acting period that ended) while the
        digest was on its way (claimed, in Telegram's hands) cannot stop it landing: what it
        lists that is no longer the person's is then edited out of it (the whole digest
        said to no longer apply when nothing is left), and is not logged as a chase of
        theirs. The new holder of a reminder's step has the task itself; the escalations go
        at once to whoever answers for the role now (:func:`reminders.escalate_anew`)."""
        entries = self.renderer.digest_entries(item, inputs)
        if not entries:  # every case listed has moved on meanwhile
            await self._skip(item)
            return
        if await self._office_closed(item):
            return
        message = self.renderer.digest(item, entries, inputs, self.clock.now())
        sent = await self._send(item.chat_id, message.text, message.keyboard, None)
        kind = "escalation" if item.params.get("t") == "escalation" else "reminder"

        def record(tx: Tx) -> bool:
            now = self.clock.now()
            repo.mark_sent(tx, item.id, now, sent.message_id)
            listed = [(int(e[0]), e[3], e[4]) for e in entries]
            gone = self._not_theirs(tx, item, listed, now)
            kept = [e for e in entries if int(e[0]) not in gone]
            for case_id, _, number, role, step in kept:
                chase = repo.Chase(kind, int(step), now, item.chat_id, str(role), int(number))
                repo.log_chases(tx, int(case_id), [chase])
            if not gone:
                return False
            shown = (
                self.renderer.digest(item, kept, inputs, now, left_out=len(gone))
                if kept
                else self.renderer.digest_void(item, len(gone))
            )
            self._retract(tx, item, sent.message_id, shown, gone, now)
            return True

        if await self.db.write(record):
            self.wake()

    async def _send(self, chat_id: int, text: str, keyboard: Any, reply_to: int | None) -> Sent:
        return await calls.send_message(
            self.bot,
            chat_id,
            text,
            reply_markup=keyboard_markup(keyboard) if keyboard else None,
            reply_parameters=_reply(reply_to),
            rate_limit_args=_sending(),
        )

    async def _task_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """A task: edited in place in the holder's live task message, or sent anew."""
        if self.renderer.stale(item, inputs):
            await self._skip(item)
            return
        if await self._office_closed(item):
            return
        assert item.case_id is not None and item.version is not None
        message = self.renderer.task(item, inputs, self.clock.now())
        live = inputs.live.get((item.chat_id, item.case_id))
        fresh = any(key in item.params for key in ("reminder", "intro", "via", "open"))
        shown = (message.text, repr(message.keyboard))
        gone = False
        if live is not None and live[0] == item.version and not fresh:
            if await self._edit_live(item, live[1], message, shown):
                await self.db.write(self._record_task, item, live[1], bool(message.keyboard), False)
                return
            gone = True
        if item.params.get("edit_only"):
            await self._skip(item)
            return
        sent = await self._edited_into(item, message) or await self._send(
            item.chat_id, message.text, message.keyboard, message.reply_to
        )
        # the copy sent before (a reminder, a task opened from /tugas send the task again
        # where the holder reads): one copy of a task keeps its buttons, the newest
        earlier = None
        if live is not None and live[0] == item.version and live[1] != sent.message_id and not gone:
            # a reminder keeps its headline (what this sender showed there, if it knows)
            was = self._shown.pop((item.chat_id, live[1]), ("", ""))[0]  # no longer live
            earlier = (live[1], was.split("\n", 1)[0] + "\n" if was.startswith("⏰") else "")
        inputs.live[(item.chat_id, item.case_id)] = (item.version, sent.message_id)
        self._remember(item, sent.message_id, shown)
        await self.db.write(
            self._record_task, item, sent.message_id, bool(message.keyboard), True, earlier
        )

    async def _edit_live(
        self, item: repo.OutboxItem, message_id: int, message: Any, shown: tuple[str, str]
    ) -> bool:
        """The task shown in the holder's live task message; False when that message is
        gone (its reader deleted it: the task is then sent anew)."""
        chat_id = item.chat_id
        if self._shown.get((chat_id, message_id)) != shown:  # an unchanged edit is a 400
            try:
                await calls.edit_message_text(
                    self.bot,
                    chat_id,
                    message_id,
                    message.text,
                    reply_markup=keyboard_markup(message.keyboard),
                    rate_limit_args=_sending(),
                )
            except BadRequest as exc:
                if _says(exc, GONE):
                    log.info(
                        "live task message %d in chat %d is gone: sent anew", message_id, chat_id
                    )
                    self._shown.pop((chat_id, message_id), None)
                    return False
                if not _says(exc, NOT_MODIFIED):
                    raise
            self._remember(item, message_id, shown)
        return True

    def edited_elsewhere(self, chat_id: int, message_id: int) -> None:
        """A handler changed a task message itself (a team tick): what the sender last showed
        there is no longer what it shows, so its next edit is not skipped as unchanged."""
        self._shown.pop((chat_id, message_id), None)

    def decided_on(
        self,
        chat_id: int,
        message_id: int,
        case_id: int,
        version: int,
        text_html: str,
        keyboard: Keyboard,
    ) -> None:
        """A handler is about to show a decision on a task message (the case now at
        ``version``). An edit of the task this sender has on its way to that message may
        land after the decision's: when it comes back, the decision is shown again
        (:meth:`_record_task`), whichever of the two Telegram applied last."""
        self._shown.pop((chat_id, message_id), None)
        self._saw(case_id, version)
        if self._kept(case_id, version, (chat_id, message_id)):
            self._decided[(chat_id, message_id)] = (case_id, version, text_html, keyboard)
            if len(self._decided) > SHOWN_KEPT:
                self._decided.pop(next(iter(self._decided)))

    def _remember(self, item: repo.OutboxItem, message_id: int, shown: tuple[str, str]) -> None:
        """What a live task message shows now, so an edit that changes nothing is not sent
        (kept in memory: after a restart one such edit may go out and be refused, and is
        taken as sent)."""
        assert item.case_id is not None and item.version is not None
        if self._kept(item.case_id, item.version, (item.chat_id, message_id)):
            self._shown[(item.chat_id, message_id)] = shown
            if len(self._shown) > SHOWN_KEPT:
                self._shown.pop(next(iter(self._shown)))

    def _kept(self, case_id: int, version: int, key: tuple[int, int]) -> bool:
        """Whether what a task message of the case at ``version`` shows is worth keeping
        (not when the case was already seen past that version); kept, under its case."""
        if version < self._versions.get(case_id, version):
            return False
        self._remembered.setdefault(case_id, {})[key] = version
        return True

    def _saw_cases(self, inputs: Inputs) -> None:
        for case in inputs.cases.values():
            self._saw(case.id, case.version, case.is_open)

    def _saw(self, case_id: int, version: int, is_open: bool = True) -> None:
        """The case is at ``version`` now: what is remembered of its task messages at
        earlier versions can no longer be used (a task row of an older version is stale,
        not sent; a decision is shown again only while the case is at the version it brought
        it to), and is forgotten. A closed case's is forgotten at the next quiet round."""
        if not is_open:
            self._closed.add(case_id)
            return
        if version <= self._versions.get(case_id, 0):
            return
        self._versions[case_id] = version
        remembered = self._remembered.get(case_id, {})
        for key in [key for key, at in remembered.items() if at < version]:
            del remembered[key]
            self._shown.pop(key, None)
            self._decided.pop(key, None)

    def _forget_closed(self) -> None:
        """What is remembered of the task messages of the cases seen closed, forgotten when no
        delivery is on its way: none that began before the case closed can still come back
        with an edit over the decision shown there (:meth:`_record_task`)."""
        for case_id in self._closed:
            for key in self._remembered.pop(case_id, {}):
                self._shown.pop(key, None)
                self._decided.pop(key, None)
            self._versions.pop(case_id, None)
        self._closed.clear()

    def _record_task(
        self,
        tx: Tx,
        item: repo.OutboxItem,
        message_id: int,
        buttons: bool,
        new: bool,
        earlier: tuple[int, str] | None = None,
    ) -> None:
        """After a task went out: it is the holder's live task message, its buttons are known
        (so a move retires them). If the case moved while the message was on its way, or
        the step stopped being this person's (a role passed on), its buttons go at once:
        neither could know of them. Unless the move was decided on this very message: the
        decision is then shown there again (this edit may have landed over it), or, not
        shown yet, it comes after this edit with its own buttons (Tarik kembali).

        ``earlier``: the holder's live copy of the same task, before this one was sent anew
        (a reminder, /tugas), and its reminder line: its buttons go and it points to this
        one, unless a question is being answered on it (a return reason typed: the answer
        shows the decision there)."""
        assert item.case_id is not None and item.version is not None
        dropped = repo.dropped_meanwhile(tx, item.id)
        now = self.clock.now()
        repo.mark_sent(tx, item.id, now, message_id if new else None)
        log_chase(tx, item, now)
        current = repo.load_case(tx, item.case_id)
        if dropped or current is None or not current.is_open or current.version != item.version:
            decided = self._decided.get((item.chat_id, message_id))
            now_at = None if current is None else (current.id, current.version)
            params: dict[str, Any] | None = None
            if decided is not None and decided[:2] == now_at:
                params = effects.decided_params(message_id, decided[2], decided[3])
            elif buttons and (
                current is None
                or repo.task_message_version(tx, item.chat_id, message_id, current.id)
                != current.version
            ):
                params = {"message_id": message_id}
            if params is not None:
                repo.enqueue(
                    tx, item.chat_id, "strip", self.clock.now(), case_id=item.case_id, params=params
                )
            return
        if earlier is not None:
            earlier_id, head = earlier
            dialogue = repo.get_dialogue(tx, item.chat_id)
            asked = None if dialogue is None else dialogue.asked_on
            if asked is None or asked[1] != earlier_id:
                repo.forget_task_message(tx, item.chat_id, earlier_id)
                text = t.TASK_SENT_AGAIN.format(
                    head=head, case=current.id, title=t.e(current.title)
                )
                repo.enqueue(
                    tx,
                    item.chat_id,
                    "strip",
                    self.clock.now(),
                    case_id=item.case_id,
                    params=effects.decided_params(earlier_id, text, ()),
                )
        repo.set_live_task(tx, item.chat_id, item.case_id, item.version, message_id)
        if buttons:
            repo.record_task_message(tx, item.chat_id, message_id, item.case_id, item.version)

    async def _edited_into(self, item: repo.OutboxItem, message: Any) -> Sent | None:
        """The task shown in the message the row names (``into``) instead of a new one."""
        into = item.params.get("into")
        if into is None:
            return None
        try:
            await calls.edit_message_text(
                self.bot,
                item.chat_id,
                int(into),
                message.text,
                reply_markup=keyboard_markup(message.keyboard),
                rate_limit_args=_sending(),
            )
        except BadRequest as exc:
            log.info("task not shown in message %s: %s", into, exc)
            return None
        return Sent(item.chat_id, int(into))

    async def _files_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """Documents a person needs, as one album (or one document), never one they have."""
        if self.renderer.stale(item, inputs):
            await self._skip(item)
            return
        if self.renderer.files_waiting(item, inputs):
            raise _Wait()
        album = self.renderer.album(item, inputs)
        if not album.files:
            await self._skip(item)
            return
        try:
            last = await self._send_files(item.chat_id, album, inputs)
        except FileNotFoundError:
            missing = await self._missing(album.files)
            if not missing:
                raise  # the files folder itself is gone: held until it is back
            last = await self._without_missing(item, inputs, missing)
        await self.db.write(repo.mark_sent, item.id, self.clock.now(), last)

    async def _send_files(self, chat_id: int, album: Album, inputs: Inputs) -> int | None:
        last: int | None = None
        async for sent in self._send_album(chat_id, album):
            # each part is recorded as it goes: a retry after a later part failed sends
            # only what is still missing
            for stored, message in sent:
                inputs.delivered[(chat_id, stored.id)] = message.message_id
                last = message.message_id
            await self.db.write(self._record_files, chat_id, sent)
        return last

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
    ) -> int | None:
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
        if told and self.admins:
            person = inputs.name(item.chat_id)
            await self.tell_admins(
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
        if album.files:
            captions = [*album.captions[:-1], t.fit(f"{album.captions[-1]}\n\n{note}", 1024)]
            last = await self._send_files(item.chat_id, Album(album.files, captions), inputs)
        else:
            case = inputs.cases.get(item.case_id or 0)
            heading = (
                t.CASE_LINE.format(case=case.id, title=t.e(t.clip_words(case.title, 80))) + "\n"
                if case
                else ""
            )
            sent = await self._send(item.chat_id, t.fit(heading + note), None, None)
            last = sent.message_id
        return last

    @staticmethod
    def _record_files(tx: Tx, chat_id: int, sent: list[tuple[repo.StoredFile, Sent]]) -> None:
        for stored, message in sent:
            repo.record_delivery(tx, chat_id, stored.id, message.message_id)
            if message.document_file_id is not None and not stored.telegram_file_id:
                repo.set_file_telegram_id(tx, stored.id, message.document_file_id)

    async def _document(self, stored: repo.StoredFile, attach: bool = False) -> str | InputFile:
        """The file by Telegram's id when it has one, else its bytes (``attach``: as an
        ``attach://`` part of an album)."""
        if stored.telegram_file_id:
            return stored.telegram_file_id
        data = await self.files.read(stored.path)
        return InputFile(data, filename=stored.name, attach=attach)

    async def _send_album(
        self, chat_id: int, album: Album
    ) -> AsyncIterator[list[tuple[repo.StoredFile, Sent]]]:
        """The album in Telegram's parts of at most ten documents, each part as it is sent.
        (An upload is answered only once Telegram has the file: a longer read timeout.)"""
        for index, caption in enumerate(album.captions):
            chunk = album.files[index * 10 : index * 10 + 10]
            if len(chunk) == 1:
                message = await calls.send_document(
                    self.bot,
                    chat_id,
                    await self._document(chunk[0]),
                    caption=caption,
                    read_timeout=UPLOAD_READ_TIMEOUT,
                    rate_limit_args=_sending(),
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
                self.bot,
                chat_id,
                media,
                read_timeout=UPLOAD_READ_TIMEOUT,
                rate_limit_args=_sending(),
            )
            yield list(zip(chunk, messages, strict=False))

    async def _react_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        """A reaction on the person's own message (an upload taken); where Telegram refuses
        it, or the Bot API server does not know setMessageReaction (an older self-hosted
        one answers 404, which PTB raises as InvalidToken), the one-line answer it stands
        for. With a token that was revoked, the words fail too and the row waits."""
        try:
            await self.bot.set_message_reaction(
                item.chat_id,
                int(item.params["reply_to"]),
                ACK_REACTION,
                rate_limit_args=_sending(),
            )
        except (BadRequest, InvalidToken) as exc:
            log.info("reaction refused (%s): answering in words", exc)
            message = self.renderer.notice(item, inputs, self.clock.now())
            if message is not None:
                sent = await self._send(item.chat_id, message.text, None, message.reply_to)
                await self.db.write(repo.mark_sent, item.id, self.clock.now(), sent.message_id)
                return
        await self._skip(item)

    async def _prompt_row(self, item: repo.OutboxItem, inputs: Inputs) -> None:
        message = self.renderer.prompt(item, inputs)
        if message is None:
            await self._skip(item)
            return
        sent = await self._send(item.chat_id, message.text, message.keyboard, None)
        dialogue = inputs.dialogues.get(item.chat_id)
        assert dialogue is not None

        def record(tx: Tx) -> None:
            repo.mark_sent(tx, item.id, self.clock.now(), sent.message_id)
            if not repo.set_dialogue_prompt(
                tx, item.chat_id, dialogue.kind, dialogue.case_id, sent.chat_id, sent.message_id
            ):
                # the dialogue ended while its question was on the way: no buttons stay
                repo.enqueue(
                    tx,
                    sent.chat_id,
                    "strip",
                    self.clock.now(),
                    case_id=item.case_id,
                    params={"message_id": sent.message_id},
                )

        await self.db.write(record)
        self.wake()

    async def _make_paper(self, item: repo.OutboxItem) -> None:
        """Render a paper and keep it with the case (its recipients' rows wait for it). A
        row of a release before schema 3 names its recipients itself: each gets a files
        row for the paper, as one queued today would."""
        p = item.params
        assert item.case_id is not None
        kind, seq = str(p["paper"]), int(p["seq"])
        recipients = [int(person) for person in p.get("recipients", ())]
        made: list[RenderedPaper] = []
        if self.papers is not None:
            made = await self.papers.make(item.case_id, kind, seq)
        saved = [
            (paper, await self.files.save(item.case_id, paper.file_name, paper.data))
            for paper in made
        ]
        now = self.clock.now()
        case_id = item.case_id
        left_out = [gone for paper in made for gone in paper.left_out]
        for gone in left_out:
            log.warning(
                "paper %s of case %s goes without file %r (%s): %s",
                kind,
                case_id,
                gone.name,
                gone.path,
                gone.why,
            )

        def record(tx: Tx) -> None:
            if left_out:
                self._tell_left_out(tx, case_id, seq, left_out, now)
            for paper, stored in saved:
                repo.add_file(
                    tx,
                    case_id=case_id,
                    doc=f"paper:{kind}",
                    kind="paper",
                    name=paper.file_name,
                    size=stored.size,
                    sha256=stored.sha256,
                    path=stored.relative,
                    uploaded_by=0,
                    now=now,
                    mime=DOCX_MIME if paper.file_name.endswith(".docx") else "application/zip",
                    source_seq=seq,
                )
            for person in dict.fromkeys(recipients):
                repo.enqueue(
                    tx, person, "files", now, case_id=case_id, params={"papers": [(seq, kind)]}
                )
            repo.mark_sent(tx, item.id, now, None)

        await self.db.write(record)
        self.wake()

    def _tell_left_out(
        self, tx: Tx, case_id: int, seq: int, left_out: list[LeftOut], now: datetime
    ) -> None:
        """A paper went without files it was to hold (the archive bundle without a final
        document gone from the files folder): the person whose decision it records (the
        archivist) and the administrators are told which, and why. A corrected bundle
        records the administrator's correction: it goes to, and is told to, the archivist
        who filed the case."""
        event = repo.event_at(tx, case_id, seq)
        person = event.actor if event is not None else None
        if event is not None and event.type is EventType.ARCHIVE_CORRECTED:
            person = repo.archivist_of(tx, case_id)
        found = repo.people_by_ids(tx, [person]) if person is not None else {}
        name = found[person].display if person in found else t.UNNAMED.format(person=person)
        admin_text = "\n".join(
            t.FILE_LEFT_OUT_ADMIN.format(
                name=t.e(gone.name),
                case=case_id,
                why=t.LEFT_OUT_WHY[gone.why],
                path=t.e(gone.path),
                person=t.e(name),
            )
            for gone in left_out
        )
        effects.tell_admins(tx, self.admins, [t.fit(admin_text)], now, besides=person or 0)
        if person is not None:
            text = "\n".join(
                t.FILE_LEFT_OUT.format(
                    name=t.e(gone.name), case=case_id, why=t.LEFT_OUT_WHY[gone.why]
                )
                for gone in left_out
            )
            repo.enqueue(
                tx,
                person,
                "notice",
                now,
                case_id=case_id,
                params={"t": "text", "text": t.fit(text)},
            )


def _listed(item: repo.OutboxItem) -> list[tuple[int, Any, Any]]:
    """The cases a digest or an escalation is about, each with the role and step its
    addressee was chased for (an escalation's role: the superior's); none for a single
    reminder (:func:`repo.drop_queued_tasks` settles those when the step stops being the
    holder's)."""
    p = item.params
    if item.kind == "digest":
        return [(int(e[0]), e[3], e[4]) for e in p.get("cases", [])]
    if p.get("t") == "escalation" and item.case_id is not None:
        return [(item.case_id, p.get("as"), p.get("step"))]
    return []


def _escalated(item: repo.OutboxItem, cases: Collection[int]) -> list[reminders.Escalated]:
    """The escalations of an outbox row (a notice, or a digest of them) about these cases,
    as the sweep queued them; none when the row is not an escalation."""
    p = item.params
    if p.get("t") != "escalation":
        return []
    if item.kind == "digest":
        entries = [e for e in p.get("cases", []) if int(e[0]) in cases]
    elif item.case_id in cases and item.version is not None:
        entries = [[item.case_id, item.version, p.get("n"), p.get("as"), p.get("step")]]
    else:
        entries = []
    return [
        reminders.Escalated(int(case_id), int(version), int(number), role, int(step))
        for case_id, version, number, role, step in entries
        if isinstance(role, str) and number is not None and step is not None
    ]


def log_chase(tx: Tx, item: repo.OutboxItem, now: datetime) -> None:
    """A reminder or an escalation delivered: kept in the case's chase log, which outlives
    the outbox's retention. Written when it reached the official, not when queued: one
    superseded by a later reminder, refused (the bot blocked) or left stale (the case
    moved) told nobody; nor is an escalation that landed after the role it was sent as
    passed on logged (:meth:`OutboxSender._escalation_void`)."""
    p = item.params
    if item.case_id is None or "as" not in p:
        return  # not a chase (or queued by a release that kept no log)
    if item.kind == "task" and p.get("reminder"):
        kind, number = "reminder", int(p["reminder"])
    elif item.kind == "notice" and p.get("t") == "escalation":
        kind, number = "escalation", int(p["n"])
    else:
        return
    chase = repo.Chase(kind, int(p["step"]), now, item.chat_id, str(p["as"]), number)
    repo.log_chases(tx, item.case_id, [chase])
