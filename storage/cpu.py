"""The database's threads on the CPU the event loop runs on (Linux; elsewhere nothing).

Every command is a trip from the event loop to the database's writer thread and back
(:mod:`storage.db`): two hand-overs, each waking a thread that sleeps. When the two threads
sleep on different CPUs, each hand-over wakes an idle CPU, which on a virtual machine costs
tens of microseconds; on the same CPU it is a switch between two threads (figures in
``bench/README.md``). So the database's threads are pinned to the CPU the event loop ran
on last, and follow it when it moves: :meth:`SameCpu.follow`, called at a trip, looks at
most once every :data:`FOLLOW_EVERY` seconds.

The event loop itself is never pinned: the scheduler moves it away from a busy CPU, and the
threads that draw papers and pictures (which it starts) stay free to use every CPU.
``storage.same_cpu = false`` leaves every thread to the scheduler.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence

log = logging.getLogger(__name__)

FOLLOW_EVERY = 1.0
"""Seconds between two looks at the event loop's CPU."""


def current_cpu() -> int | None:
    """The CPU the calling thread runs on: the ``processor`` field of its
    ``/proc/thread-self/stat`` (None where there is no such file)."""
    try:
        with open("/proc/thread-self/stat", "rb") as stat:
            return processor(stat.read())
    except OSError:
        return None


def processor(stat: bytes) -> int:
    """The ``processor`` field (39) of a ``/proc/<pid>/task/<tid>/stat`` line. The second
    field, the thread's name in parentheses, may hold spaces and parentheses: the fields
    are counted from its last ``)``."""
    fields = stat[stat.rindex(b")") + 2 :].split()
    return int(fields[39 - 3])


def can_pin() -> bool:
    """Whether threads can be pinned here, and whether it matters (more than one CPU)."""
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1


class SameCpu:
    """Pins ``threads`` (native ids) to the CPU of whoever calls :meth:`follow`."""

    def __init__(self, threads: Sequence[int], enabled: bool = True) -> None:
        self.threads = list(threads)
        self.enabled = enabled and can_pin()
        self.cpu: int | None = None
        self._next_look = 0.0

    def follow(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self._next_look:
            return
        self._next_look = now + FOLLOW_EVERY
        cpu = current_cpu()
        if cpu is None or cpu == self.cpu:
            return
        try:
            for thread in self.threads:
                os.sched_setaffinity(thread, {cpu})
        except OSError as exc:  # a CPU taken away (cgroups), a thread gone: left as it is
            log.info("the database threads stay where they are: %s", exc)
            self.enabled = False
            return
        self.cpu = cpu
