"""The one place the shell reads the time; the core only ever receives ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# how far back the host's clock must step before the outbox and the reminders notice it and
# bring forward what was scheduled while it ran ahead
CLOCK_SET_BACK = timedelta(seconds=5)


class SetBackWatch:
    """Notices the host's clock set back between two readings (a time server's correction
    after it ran ahead): what was scheduled meanwhile is that much too late."""

    def __init__(self) -> None:
        self.latest: datetime | None = None  # the latest reading (None: none yet)

    def set_back(self, now: datetime) -> bool:
        """Whether ``now`` is ``CLOCK_SET_BACK`` or more before the latest reading."""
        latest = self.latest
        back = latest is not None and now < latest - CLOCK_SET_BACK
        self.latest = now if back or latest is None else max(now, latest)
        return back


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, timezone: str = "Asia/Jakarta") -> None:
        self.tz = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(self.tz)


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now
