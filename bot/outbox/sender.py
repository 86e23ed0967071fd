"""The sender: rounds that take the rows due and deliver each chat's in order, answers sent
out of their chat's turn, and the pruning of what was delivered.

Delivered rows are pruned after ``storage.retention_days`` (the event log stays the record).
The parts a row goes through are the sender's collaborators, built here: what it remembers
of task messages (:class:`~bot.outbox.memory.TaskMemory`), the rows by kind
(:class:`~bot.outbox.rows.Rows`), what a failure means (:class:`~bot.outbox.settle.Settler`)
and the faults of the bot's own (:class:`~bot.outbox.faults.FaultHold`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import ExtBot

from bot.alerts import AlertThrottle
from bot.clock import Clock, SetBackWatch
from bot.config import DEFAULT_API_BASE_URL, max_upload_bytes
from bot.filestore import FileStore
from bot.messages import Inputs, Renderer, load_inputs
from bot.outbox.chases import Chases
from bot.outbox.courier import SENDING, Courier
from bot.outbox.faults import FAULT_BACKOFF_MAX, Admins, FaultHold
from bot.outbox.files import FileRows
from bot.outbox.memory import TaskMemory
from bot.outbox.papers import BUNDLE_WAIT, PaperMaker, PaperRows
from bot.outbox.rows import Rows
from bot.outbox.settle import Settler
from bot.outbox.tasks import TaskRows
from bot.ratelimit import OUTBOX_ANSWER
from bot.services.registry import SopRegistry
from bot.views import Keyboard
from storage import repo
from storage.db import Database, Tx

log = logging.getLogger("bot.outbox")  # the package's one logger, as before it was split

PRUNE_EVERY = 3600.0  # seconds between prunes of delivered rows
# the kinds whose row is skipped as soon as its case has moved past the row's version
# (:meth:`bot.messages.Renderer.stale`), before anything else is looked at
STALE_SKIPPED = frozenset({"task", "files", "notice", "text"})
CHATS_IN_FLIGHT = 16  # chats delivered at once: the outbox queues few messages in the limiter


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
        bundle_wait: timedelta = BUNDLE_WAIT,
    ) -> None:
        self.db, self.bot, self.clock, self.files = db, bot, clock, files
        self.admins = tuple(admins)  # told when a paper cannot be written
        self.alerts = alerts or AlertThrottle()
        self._max_upload = max_upload
        self.renderer, self.sops, self.papers = renderer, sops, papers
        self._max_backoff = max_backoff
        self._retention = retention
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._chats: dict[int, asyncio.Task[None]] = {}  # chat -> its delivery under way
        self._last_prune = 0.0
        self._next_due: datetime | None = None  # of the rows not due at the last round
        self._took_all = True  # the last round took every row due (not its limit)
        self._clock_watch = SetBackWatch()
        self._answers: set[asyncio.Task[None]] = set()
        courier = Courier(db, bot, clock, self.wake)
        self._admins = Admins(courier, self.admins)
        self._faults = FaultHold(courier, self._admins, self.alerts, max_fault_backoff)
        self.memory = TaskMemory()  # what the task messages show, the decisions shown on them
        chases = Chases(courier, renderer, sops)
        rows = Rows(
            courier,
            renderer,
            chases,
            TaskRows(courier, renderer, self.memory, chases),
            FileRows(courier, renderer, files, self._admins),
        )
        # the paper jobs; an archive bundle waits ``bundle_wait`` for its case's papers
        self.paper_rows = PaperRows(courier, files, papers, self.admins, bundle_wait)
        self._settler = Settler(
            courier, sops, self.admins, rows, self.paper_rows, self._faults, max_backoff
        )

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
            self.memory.saw_cases(inputs)
            SENDING.set(OUTBOX_ANSWER)
            for item in items:
                await self._settler.settle(item, inputs)
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
                timeout = await self._faults.round_failed(exc)
            else:
                await self._faults.round_worked()
                if sent and not self._took_all:  # more rows are due than a round takes
                    continue
                timeout = self._idle_seconds()
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
            # cancellation that stop() sends when it meets the timeout (gh-86296), and the
            # loop then waits for ever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def tell_admins(self, text: str) -> None:
        """Through the outbox; straight to them when the database cannot take the row (it is
        the fault), as the error handler does, once."""
        await self._admins.tell(text)

    async def send_later(
        self,
        chat_id: int,
        text: str,
        reply_to: int | None = None,
        keyboard: Keyboard | None = None,
        case: tuple[int, int] | None = None,
    ) -> None:
        """A text (HTML) an answer could not bring (Telegram failed it for now: a 5xx, a
        timeout, a 429 that lasted): the outbox sends it, retrying as it retries any row,
        as a reply to ``reply_to`` when that message is still there, with ``keyboard``.
        ``case`` (id, version): the text is about the case as it stands, and is not sent
        once the case has moved on."""
        params: dict[str, Any] = {"t": "text", "text": text}
        if reply_to is not None:
            params["reply_to"] = reply_to
        if keyboard:
            params["keyboard"] = keyboard
        case_id, version = case if case is not None else (None, None)
        await self.db.write(
            repo.enqueue,
            chat_id,
            "notice",
            self.clock.now(),
            case_id=case_id,
            version=version,
            params=params,
        )
        self.wake()

    def edited_elsewhere(self, chat_id: int, message_id: int) -> None:
        """A handler changed a task message itself (:meth:`TaskMemory.edited_elsewhere`)."""
        self.memory.edited_elsewhere(chat_id, message_id)

    def decided_on(
        self,
        chat_id: int,
        message_id: int,
        case_id: int,
        version: int,
        text_html: str,
        keyboard: Keyboard,
    ) -> None:
        """A handler is about to show a decision on a task message
        (:meth:`TaskMemory.decided_on`)."""
        self.memory.decided_on(chat_id, message_id, case_id, version, text_html, keyboard)

    def _idle_seconds(self) -> float:
        # never longer than OUTBOX_IDLE_MAX: a command that queues a row due later than
        # that from now may leave the loop asleep (repo.outbox_due_besides)
        longest = repo.OUTBOX_IDLE_MAX.total_seconds()
        if len(self._chats) >= CHATS_IN_FLIGHT:
            return longest  # a delivery that ends wakes the loop
        nxt = self._next_due
        if nxt is None:
            return longest
        return max(0.02, min(longest, (nxt - self.clock.now()).total_seconds()))

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
        if self.memory.closed_seen and not self._chats and not self._answers:
            self.memory.forget_closed()
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
                settled += await self._settler.settle(job, None)
            messages = [item for chat_items in by_chat.values() for item in chat_items]
            if messages:
                inputs = await self.db.read(
                    load_inputs, messages, self.sops, self.clock.now(), self._max_upload
                )
                self.memory.saw_cases(inputs)
                await self._settle_stale(by_chat, inputs)
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

    async def _settle_stale(
        self, by_chat: dict[int, list[repo.OutboxItem]], inputs: Inputs
    ) -> None:
        """The rows their case has moved past are settled unsent, all of the round's in one
        trip, before any chat's delivery begins (as each would be when its turn came: a row
        of these kinds that is stale is skipped first thing, and stale it stays, since a
        case's version only grows). Their chats' other rows go on in order."""
        stale = [
            item
            for chat_items in by_chat.values()
            for item in chat_items
            if item.kind in STALE_SKIPPED and self.renderer.stale(item, inputs)
        ]
        if not stale:
            return
        await self.db.write(repo.mark_skipped, [item.id for item in stale], self.clock.now())
        gone = {item.id for item in stale}
        emptied = False
        for chat_id in list(by_chat):
            by_chat[chat_id] = [item for item in by_chat[chat_id] if item.id not in gone]
            if not by_chat[chat_id]:
                del by_chat[chat_id]
                emptied = True
        for item in stale:
            await self._faults.settled(item)
        if emptied:
            # as a chat's delivery wakes the loop when it ends: the round's trip left this
            # chat's later rows out of when the next row falls due
            self.wake()

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
            done = await self._settler.settle(item, inputs)
            if not done:
                break  # keep this chat's order: the rest waits for the retry
            settled += 1
        return settled
