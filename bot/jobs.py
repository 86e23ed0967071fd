"""The bot's JobQueue jobs (PTB's JobQueue on APScheduler 3), their waits counted on the
monotonic clock.

APScheduler keeps a job's next run as a moment of the wall clock and sleeps until it. When
the host's clock is set back (a time server's correction after it ran ahead), each job would
wait that much longer: the periodic sweep (acting appointments, reminders, escalations) and
the one-shot timers (an album's question, the note that a file replaced another, the summary
of held-back alerts) would stall for as long as the clock went back. So:

* each job gets a :class:`SteadyTrigger` (APScheduler's public extension point for when a job
  runs): it counts the wait on the monotonic clock, and whenever APScheduler asks for the next
  run it answers with APScheduler's own ``now`` plus what is left of the wait;
* :class:`JobWatch` looks every second for a job whose wait is over on the monotonic clock
  but which has not run (the wall clock went back under it) and re-arms it with
  ``Job.resume()`` (APScheduler's public API: the trigger is asked again, with the
  scheduler's ``now``), so it runs at once.

A job that comes late by APScheduler's wall clock (the host's clock stepped forward, a VM
resumed, the event loop held up by more than a second) still runs: APScheduler's default
``misfire_grace_time`` of one second would log it as "missed" and drop it (a one-shot job
removed for good: an album never asked about until a restart), so each job is added with
``misfire_grace_time=None`` (run however late) and ``coalesce=True`` (runs piled up while the
loop stalled are one run).

A one-shot job thus runs after its wait, and a repeating one within its interval, however the
wall clock moved. Nothing here reads the wall clock: the only ``now`` is the scheduler's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from apscheduler.triggers.base import BaseTrigger
from telegram.ext import CallbackContext, Job, JobQueue

log = logging.getLogger(__name__)

CCT = TypeVar("CCT", bound=CallbackContext[Any, Any, Any, Any])

# how long past its time (monotonic) a job that has not run is taken for stalled by the wall
# clock set back under it, and how often the watch looks
STALLED = 1.0
LOOK_EVERY = 1.0

# APScheduler's add_job arguments for every job: run however late, piled-up runs as one
LATE_RUNS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}


class SteadyTrigger(BaseTrigger):  # type: ignore[misc]
    """Runs ``delay`` seconds after it is made, then (with ``interval``) every ``interval``
    seconds, counted on the monotonic clock; runs missed meanwhile are not made up."""

    def __init__(self, delay: float, interval: float | None = None) -> None:
        self.interval = interval
        self.due = time.monotonic() + max(0.0, delay)  # the next run, on the monotonic clock
        self._ran: datetime | None = None  # the run last counted (APScheduler's moment)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:  # it has run
            if self.interval is None:
                return None
            # APScheduler asks twice about one run: it is counted once, however close to
            # its due moment the scheduler's wall clock let it go
            if previous_fire_time != self._ran:
                self._ran = previous_fire_time
                self.due += self.interval
                late = time.monotonic() - self.due
                if late > 0:  # the runs missed meanwhile are skipped
                    self.due += self.interval * math.ceil(late / self.interval)
        return now + timedelta(seconds=max(0.0, self.due - time.monotonic()))

    def stalled(self) -> bool:
        """Whether its run is more than :data:`STALLED` overdue on the monotonic clock."""
        return time.monotonic() - self.due > STALLED

    def __str__(self) -> str:
        every = f", then every {self.interval:g} s" if self.interval else ""
        return f"steady (in {self.due - time.monotonic():.1f} s{every})"


def run_once(
    jobs: JobQueue[CCT],
    callback: Callable[[CCT], Coroutine[Any, Any, object]],
    delay: float,
    data: object = None,
    name: str | None = None,
) -> Job[CCT]:
    """PTB's ``JobQueue.run_once(callback, delay, data, name)``, the wait of ``delay``
    seconds counted on the monotonic clock."""
    job_kwargs = {"trigger": SteadyTrigger(delay), **LATE_RUNS}
    return jobs.run_custom(callback, job_kwargs, data=data, name=name)


def run_repeating(
    jobs: JobQueue[CCT],
    callback: Callable[[CCT], Coroutine[Any, Any, object]],
    interval: float,
    first: float,
    name: str | None = None,
) -> Job[CCT]:
    """PTB's ``JobQueue.run_repeating(callback, interval, first, name=name)``, counted on
    the monotonic clock."""
    job_kwargs = {"trigger": SteadyTrigger(first, interval), **LATE_RUNS}
    return jobs.run_custom(callback, job_kwargs, name=name)


def rearm_stalled(jobs: JobQueue[Any]) -> int:
    """Re-arms the jobs the wall clock was set back under (they run at once); how many."""
    stalled = [
        job
        for job in jobs.jobs()
        if isinstance(job.job.trigger, SteadyTrigger) and job.job.trigger.stalled()
    ]
    for job in stalled:
        job.job.resume()
    if stalled:
        log.warning(
            "%d jobs are overdue on the monotonic clock (the host's clock set back?): they "
            "run now: %s",
            len(stalled),
            ", ".join(job.name or "?" for job in stalled),
        )
    return len(stalled)


class JobWatch:
    """Every :data:`LOOK_EVERY` seconds (monotonic), :func:`rearm_stalled`."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self, jobs: JobQueue[Any]) -> None:
        self._task = asyncio.create_task(self._loop(jobs), name="job-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self, jobs: JobQueue[Any]) -> None:
        while True:
            await asyncio.sleep(LOOK_EVERY)
            if not jobs.scheduler.running:
                continue
            try:
                rearm_stalled(jobs)
            except Exception:
                log.exception("re-arming the overdue jobs failed")
