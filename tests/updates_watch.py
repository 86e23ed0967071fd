"""Watch the emulator's getUpdates from the Telegram side, so that a test can wait for
"the bot's long poll is waiting" or "the bot has been handed this update" instead of
sleeping and hoping.

The watch wraps the emulator's own getUpdates entry in its method table and changes
nothing about what the method does or answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from emulator import BotApiEmulator
from emulator.methods import CallContext

JSON = dict[str, Any]


class UpdatesWatch:
    def __init__(self, emu: BotApiEmulator) -> None:
        self.long_polls = 0  # getUpdates calls with a timeout, in progress
        self.handed_out: list[JSON] = []  # every update in a getUpdates answer, in order
        self._changed = asyncio.Condition()
        inner = emu.methods.handlers["getupdates"]

        async def observed(params: JSON, ctx: CallContext) -> Any:
            long_poll = float(params.get("timeout", 0) or 0) > 0
            if long_poll:
                self.long_polls += 1
            await self._notify()
            try:
                result = await inner(params, ctx)
            finally:
                if long_poll:
                    self.long_polls -= 1
            self.handed_out += result
            await self._notify()
            return result

        emu.methods.handlers["getupdates"] = observed

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(
        self,
        condition: Callable[[], bool],
        what: str,
        timeout: float = 5.0,  # noqa: ASYNC109 (a test's deadline, re-checked on each change)
    ) -> None:
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(condition)
        except TimeoutError:
            raise TimeoutError(f"not within {timeout} s: {what}") from None

    async def long_poll_waiting(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until a long poll has reached the emulator (it then waits for an update: the
        emulator's getUpdates does not yield before it does)."""
        await self.until(lambda: self.long_polls > 0, "a long poll waiting", timeout)

    async def handed_out_callback(self, query_id: str, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until the bot has been handed the callback query ``query_id``."""
        await self.until(
            lambda: any(u.get("callback_query", {}).get("id") == query_id for u in self.handed_out),
            f"callback query {query_id} handed to the bot",
            timeout,
        )
