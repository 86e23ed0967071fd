"""The host's wall clock as PTB's JobQueue (APScheduler 3) reads it, stepped the way a time
server steps it (NTP); and the office's clock running as a host's runs.

The bot reads the time through ``bot.clock`` (``ManualClock`` in tests), but APScheduler
reads ``datetime.now`` itself: stepping the host's clock under it means offsetting that
reading in APScheduler's scheduler and executor. This is the outside world, not the bot.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, tzinfo
from typing import Self

import apscheduler.executors.base as executors
import apscheduler.schedulers.base as schedulers
import pytest


class HostClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def step(self, by: timedelta) -> None:
        """A time server steps the host's clock by ``by`` (back when negative)."""
        self.offset += by


def stepped(monkeypatch: pytest.MonkeyPatch) -> HostClock:
    host = HostClock()

    class SteppedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Self:
            return cls.fromtimestamp((datetime.now(tz) + host.offset).timestamp(), tz)

    for module in (schedulers, executors):
        monkeypatch.setattr(module, "datetime", SteppedDatetime)
    return host


class RunningClock:
    """The office's clock as a host's runs: set to a moment, it goes on from there in real
    time (the JobQueue's waits pass by it)."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, moment: datetime) -> None:
        self._base, self._at = moment, time.monotonic()

    def now(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._at)
