"""Shared fixtures: ``world`` is the emulator + the real bot + the officials, all started."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo import World


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with World(tmp_path) as w:
        await w.everyone_starts()
        yield w
