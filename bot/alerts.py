"""How often the administrators hear of one kind of error.

Each kind is told once in a window (``ALERT_EVERY``): a fault that repeats (a second bot
polling with the same token: a Conflict on every poll) would otherwise fill their chat. The
errors held back in a window are told when it ends, counted, so a burst that stops is still
told in full.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

ALERT_EVERY = 1800.0  # seconds between two alerts of the same kind of error


class AlertThrottle:
    """Whether an alert of a kind of error goes out now, and how many of it were held back."""

    def __init__(
        self, every: float = ALERT_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every, self.clock = every, clock
        self._last: dict[str, float] = {}
        self._held: Counter[str] = Counter()

    def take(self, kind: str) -> int | None:
        """None: held back; else the alert goes, and this many were held back before it."""
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.every:
            self._held[kind] += 1
            return None
        self._last[kind] = now
        return self._held.pop(kind, 0)

    def held(self, kind: str) -> int:
        """How many of this kind were held back since its last alert."""
        return self._held[kind]

    def window_left(self, kind: str) -> float:
        """Seconds until an alert of this kind may go again."""
        last = self._last.get(kind)
        return 0.0 if last is None else max(0.0, last + self.every - self.clock())

    def drain(self) -> dict[str, int]:
        """At a stop: every kind with errors held back, and how many (the window-end jobs
        that would have told them do not outlive the application)."""
        held = {kind: count for kind, count in self._held.items() if count}
        self._held.clear()
        return held

    def flush(self, kind: str) -> int:
        """At the end of a window: how many were held back (0: none). Telling them counts
        as an alert, so a fault that goes on is told once a window."""
        held = self._held.pop(kind, 0)
        if held:
            self._last[kind] = self.clock()
        return held


class Outage:
    """A fault that lasts until something shows it is over (the files folder full, or a
    share not mounted, until a file is saved in it again): told as it begins, once, however
    many times it is met meanwhile. A fault of another kind meanwhile (the share mounted
    again, but full) begins anew."""

    def __init__(self) -> None:
        self._on: str | None = None

    def begins(self, kind: str = "") -> bool:
        """Whether the fault begins now (it was not on before, or it was of another kind):
        from now on it is on, of this kind."""
        began, self._on = self._on != kind, kind
        return began

    def ends(self) -> None:
        """The fault is over: the next time it is met, it begins again."""
        self._on = None
