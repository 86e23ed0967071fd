"""Update processing: concurrent across people, in order for each person.

PTB's default concurrent processor would run two updates of the same person at once (a
double tap, two quick uploads) and race on their pending dialogue. This one keeps one
person's updates in arrival order while different people are served in parallel.

An update waiting for the same person's earlier one holds no place among those in flight.
PTB's ``process_update`` (final) takes a place of its semaphore before it calls
``do_process_update``: with 16 places, one person who sent 16 messages at once (an album of
ten files and a few presses, or someone flooding the bot) held every place while their
updates queued behind each other, each answered at Telegram's pace of one message a second
for a chat, and everybody else waited. So PTB's limit here only bounds the updates queued
(``QUEUED``), and the limit on updates running is this processor's, taken once the
person's turn has come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

QUEUED = 100_000  # PTB's semaphore: updates received and not yet handled, waiting included

# The updates the bot asks Telegram for (getUpdates and setWebhook). Telegram's default
# adds channel posts, inline queries, polls and more, which a private-chat bot ignores; an
# edited message comes so that it can be answered (it is never taken as new input),
# my_chat_member tells when a person blocks the bot or comes back, and a reaction on a task
# (a 👍 meant as approval) is answered that it decides nothing (Telegram sends none by
# default).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.MESSAGE_REACTION,
]


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self, max_concurrent_updates: int = 16, on_handled: Callable[[object], None] | None = None
    ) -> None:
        super().__init__(QUEUED)
        self.on_handled = on_handled  # told of every update once it was handled
        self.running_limit = max_concurrent_updates
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_turn(update, coroutine)
        finally:
            if self.on_handled is not None:
                self.on_handled(update)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            async with self._running:
                await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._users[user.id] = self._users.get(user.id, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._users[user.id] -= 1
            if not self._users[user.id]:
                del self._users[user.id]
                del self._locks[user.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
