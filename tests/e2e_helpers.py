"""Reading a case back in the end-to-end tests (the real bot and the Bot API emulator)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from bot.core.model import Case
from bot.demo import World
from storage import repo

WAIT = 15.0


async def case_of(world: World, case_id: int) -> Case:
    case: Case | None = await world.services.db.read(repo.load_case, case_id)
    assert case is not None, f"case #{case_id} is not in the database"
    return case


async def until_case(world: World, case_id: int, check: Callable[[Case], bool]) -> None:
    """Wait (re-reading the database on every emulator change) until ``check`` holds."""
    last = None
    for _ in range(int(WAIT / 0.05)):
        last = await world.services.db.read(repo.load_case, case_id)
        if last is not None and check(last):
            return
        with contextlib.suppress(TimeoutError):
            await world.emu.wait_until(lambda: False, timeout=0.05)
    raise AssertionError(f"case #{case_id} never reached the expected state: {last}")
