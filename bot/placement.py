"""The event loop's thread and SQLite's threads on one CPU (``storage.same_cpu``; Linux with
more than one CPU, elsewhere nothing is pinned).

Every command is one trip from the event loop to the database's writer thread and back
(:mod:`storage.db`): two hand-overs between threads that sleep. When the two threads run on
different CPUs, each hand-over wakes the other, idle CPU, which on a virtual machine costs
tens of microseconds; on one CPU it is a switch between two threads. ``bench/bench_spiff.py``
measures a persisted transition both ways (``--no-same-cpu``; figures in
``bench/README.md``). Pinning the database threads alone, to follow a free event loop,
saved nothing: the loop has to stay put too.

At start (``post_init``), :func:`keep_together` pins the calling thread (the event loop's)
and the database's threads to the CPU the loop runs on then; :meth:`Together.release` gives
the loop's thread its CPUs back at ``post_shutdown``. A thread the pinned loop starts would
inherit the pin (Linux threads do), so the pools that do the long work take every CPU back
as each of their threads starts (:func:`free_thread` as their initializer): the loop's
default executor (``asyncio.to_thread``: papers, files) and the thread that draws pictures.
That work then runs on the other CPU, beside the loop, not in its way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

_every_cpu: frozenset[int] | None = None
"""The CPUs the loop's thread had before it was pinned (None: nothing is pinned)."""


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


def free_thread() -> None:
    """A pool thread's initializer: the thread takes back the CPUs the loop's thread had
    before it was pinned (nothing to do when nothing is pinned)."""
    if _every_cpu is not None:
        os.sched_setaffinity(0, _every_cpu)


def free_pool(max_workers: int | None = None, name: str = "") -> ThreadPoolExecutor:
    """A thread pool whose threads run on every CPU, even when a pinned loop starts them."""
    return ThreadPoolExecutor(max_workers, thread_name_prefix=name, initializer=free_thread)


class Together:
    """The event loop's thread and the database's threads, pinned to :attr:`cpu`."""

    def __init__(self, cpu: int, every_cpu: frozenset[int]) -> None:
        self.cpu, self.every_cpu = cpu, every_cpu

    def release(self) -> None:
        """The calling thread (the loop's) gets every CPU back; the database's threads end
        with the database."""
        global _every_cpu
        _every_cpu = None
        os.sched_setaffinity(0, self.every_cpu)


def keep_together(database_threads: Sequence[int]) -> Together | None:
    """Pin the calling thread, which runs the event loop, and ``database_threads`` (native
    thread ids) to the CPU the loop runs on now. First the loop's default executor is
    replaced by a :func:`free_pool`, so that ``asyncio.to_thread`` never runs on the pinned
    CPU alone. None (nothing pinned) without database threads (PostgreSQL), where threads
    cannot be pinned, or when the operating system refuses."""
    global _every_cpu
    if not database_threads or not can_pin():
        return None
    every_cpu = frozenset(os.sched_getaffinity(0))
    cpu = current_cpu()
    if cpu is None or cpu not in every_cpu:
        return None
    asyncio.get_running_loop().set_default_executor(free_pool(name="sopbot-worker"))
    _every_cpu = every_cpu
    try:
        for thread in database_threads:
            os.sched_setaffinity(thread, {cpu})
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:  # a CPU taken away (cgroups), a thread gone: left to the scheduler
        log.info("the event loop and the database threads are left unpinned: %s", exc)
        for thread in database_threads:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(thread, every_cpu)
        _every_cpu = None
        return None
    log.info("the event loop and the database threads run on CPU %d", cpu)
    return Together(cpu, every_cpu)
