"""The real bot (``bot.app.build_application``) in a process of its own, for the benches.

    python bench/sop_worker.py --base-url http://127.0.0.1:PORT --out DIR [options]

It runs exactly what ``sopbot run`` runs (``app.run_polling()`` asking for the updates
``sopbot run`` asks for; it also calls ``post_init``), with the demo's token and officials
(``bot.demo.world_config``) and, optionally, extra members of the drafting team
(``--staff N``: ids 2001...). SIGTERM stops it cleanly. By default everything is
production's: the flood limiter at Telegram's limits (30 messages/s overall, 1/s per private
chat), the outbox's backoff, the reminder job every 60 s, the aiohttp request layer, docxtpl
papers. Options that depart from that
are named in the output of the bench that uses them:

* ``--flood-limits raised`` (or ``--no-rate-limiter``): the flood limiter's limits raised
  to 10⁶/s overall and per chat, through ``build_application``'s ``sender_options`` (the
  seam tests use), so it never waits; ``--sender fast``: the demo's FAST_SENDER (200/s overall, 100/s per chat,
  0.5 s maximum backoff); ``--per-second N``: the overall limit only;
* ``--clock-start ISO``: a clock that starts at that moment and runs in real time
  (reminders are judged against office hours);
* ``--http-client httpx``: PTB's HTTPXRequest instead of bot.aiohttp_request's AiohttpRequest;
* ``--event-loop asyncio``: asyncio's own event loop instead of uvloop (``bot.event_loop``);
* ``--pool N`` / ``--http2``: HTTPXRequest tuning through the ApplicationBuilder (implies httpx);
* ``--reminders-every S`` / ``--no-reminders``: the reminder job's interval;
* ``--paper-log FILE``: the papers are made by the production ``Paperwork``, wrapped so
  that the CPU they take is measured and appended to FILE (one line per paper, see
  :class:`PaperAccount`); so are the charts (the /status timeline, the /laporan chart:
  matplotlib, drawn in a worker thread), as lines of kind ``chart:<name>``; the rendering
  itself is unchanged;
* ``--database URL``: ``storage.database`` (a PostgreSQL URL) instead of the SQLite file;
* ``--no-same-cpu``: ``storage.same_cpu = false``, every thread left to the scheduler;
* ``--profile FILE``: cProfile the event loop thread (its CPU time), stats written at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import dataclasses
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram.ext import ApplicationBuilder  # noqa: E402

import bot.app  # noqa: E402
import bot.eventloop  # noqa: E402
import bot.updates  # noqa: E402
from bot.config import PersonConfig  # noqa: E402
from bot.context import SopApplication  # noqa: E402
from bot.demo import FAST_SENDER, TOKEN, world_config  # noqa: E402
from bot.logsetup import setup_logging  # noqa: E402
from bot.outbox import RenderedPaper, Unwritten  # noqa: E402
from bot.paperwork import Paperwork, renderer_for  # noqa: E402
from bot.services.reports import Charts  # noqa: E402
from storage.db import Database, Tx  # noqa: E402

STAFF_BASE = 2000
RAISED_LIMITS = {"per_second": 1e6, "per_chat_per_second": 1e6, "per_chat_burst": 1e6}
T = TypeVar("T")


def staff_person(i: int) -> PersonConfig:
    return PersonConfig(
        telegram_id=STAFF_BASE + i,
        name=f"Staf Perencanaan {i:03d}",
        nip=f"19900101201501{i:04d}",
        position="Analis Perencanaan",
        roles=("tim",),
    )


class RunningClock:
    """Starts at ``start`` and runs with real time (so outbox retries still fall due)."""

    def __init__(self, start: datetime) -> None:
        self.start, self.t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


# -- paper CPU accounting ------------------------------------------------------------------

_CURRENT: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "paper_bucket", default=None
)
"""While a paper is being made: the one-item list its CPU seconds are added to."""


class PaperAccount:
    """CPU seconds spent making papers, on every thread that made them (and drawing charts,
    see :meth:`charts`).

    A paper is made by ``Paperwork.make``: a read on a database thread, the case replayed
    and the paper's record built on the event loop, then the .docx rendered (and, for the
    Dokumentasi, the archive zipped) in ``asyncio.to_thread``. Two parts are measured with
    ``time.thread_time()`` (CPU of the calling thread only):

    * the event-loop steps of ``make`` (:class:`_Stepped` times each resumption of the
      coroutine, so other tasks that run between its awaits are not counted);
    * every function ``make`` hands to the default executor (:class:`AccountingExecutor`
      times the calls submitted while ``make`` runs: the context variable travels with
      ``asyncio.to_thread``'s call, and ``run_in_executor`` is called in the task's context).

    * the read of what the paper needs (``Paperwork._load``: the case, its log, its people
      and files), on a database reader thread (:class:`_AccountedReads`).

    Not counted as paper work (it stays in the interactive figure): the outbox saving the
    finished file and recording it, and sending it.
    """

    def __init__(self, log: Path) -> None:
        self.log = log
        self._lock = threading.Lock()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")

    def add(self, seconds: float, into: list[float], read: bool = False) -> None:
        """``into``: [all the paper's CPU, of that its database reads]."""
        with self._lock:
            into[0] += seconds
            if read:
                into[1] += seconds

    def record(self, kind: str, case_id: int, cpu: float, files: int, reads: float = 0.0) -> None:
        with self._lock, self.log.open("a") as handle:
            handle.write(f"{kind} {case_id} {cpu:.6f} {files} {reads:.6f}\n")

    def charts(self) -> Charts:
        """The production chart drawing, each call's CPU (its worker thread's) recorded."""

        def timed(kind: str, draw: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
            def run(data: Any) -> bytes:
                start = time.thread_time()
                try:
                    return draw(data)
                finally:
                    self.record(f"chart:{kind}", 0, time.thread_time() - start, 1)

            return run

        plain = Charts()
        return Charts(
            timeline=timed("timeline", plain.timeline), report=timed("report", plain.report)
        )


class AccountingExecutor(ThreadPoolExecutor):
    """The loop's default executor (same size as asyncio's own), timing paper calls."""

    def __init__(self, account: PaperAccount) -> None:
        super().__init__(thread_name_prefix="asyncio")
        self.account = account

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        bucket = _CURRENT.get()
        if bucket is None:
            return super().submit(fn, *args, **kwargs)
        account = self.account

        def timed() -> T:
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                account.add(time.thread_time() - start, bucket)

        return super().submit(timed)


class _Stepped:
    """Awaits a coroutine, adding the loop thread's CPU of each of its steps to a bucket."""

    def __init__(
        self, coro: Coroutine[Any, Any, T], account: PaperAccount, bucket: list[float]
    ) -> None:
        self.coro, self.account, self.bucket = coro, account, bucket

    def __await__(self) -> Generator[Any, Any, Any]:
        inner = self.coro.__await__()
        value: Any = None
        error: BaseException | None = None
        while True:
            start = time.thread_time()
            try:
                yielded = inner.throw(error) if error is not None else inner.send(value)
            except StopIteration as stop:
                self.account.add(time.thread_time() - start, self.bucket)
                return stop.value
            except BaseException:
                self.account.add(time.thread_time() - start, self.bucket)
                raise
            self.account.add(time.thread_time() - start, self.bucket)
            try:
                value, error = (yield yielded), None
            except BaseException as exc:  # passed on into the coroutine
                value, error = None, exc


class _AccountedReads:
    """The database as ``Paperwork`` sees it: each read it makes timed on the reader
    thread that runs it (``time.thread_time()`` there) and added to the paper's bucket.
    The bucket is taken when the read is asked for, in the paper's context."""

    def __init__(self, db: Database, account: PaperAccount) -> None:
        self.db, self.account = db, account

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        bucket = _CURRENT.get()
        if bucket is None:
            return await self.db.read(fn, *args, **kwargs)
        account = self.account

        def timed(tx: Tx, *a: Any, **kw: Any) -> T:
            start = time.thread_time()
            try:
                return fn(tx, *a, **kw)
            finally:
                account.add(time.thread_time() - start, bucket, read=True)

        return await self.db.read(timed, *args, **kwargs)


class AccountedPapers:
    """The production Paperwork, built on first use from the application's services,
    with the CPU of each paper measured (:class:`PaperAccount`)."""

    def __init__(self, account: PaperAccount) -> None:
        self.account = account
        self.app: SopApplication | None = None
        self._inner: Paperwork | None = None
        self._executor_set = False

    async def make(
        self, case_id: int, paper: str, seq: int, unwritten: Sequence[Unwritten] = ()
    ) -> list[RenderedPaper]:
        assert self.app is not None
        if not self._executor_set:
            asyncio.get_running_loop().set_default_executor(AccountingExecutor(self.account))
            self._executor_set = True
        if self._inner is None:
            svc = self.app.services
            reads = cast(Database, _AccountedReads(svc.db, self.account))
            self._inner = Paperwork(
                reads, svc.sops, svc.config, svc.calendar, renderer_for(svc.config)
            )
        bucket = [0.0, 0.0]
        token = _CURRENT.set(bucket)
        try:
            made = await _Stepped(
                self._inner.make(case_id, paper, seq, unwritten), self.account, bucket
            )
        finally:
            _CURRENT.reset(token)
        self.account.record(paper, case_id, bucket[0], len(made), bucket[1])
        return made  # type: ignore[no-any-return]


# -- main ----------------------------------------------------------------------------------


THREAD_LOG_EVERY = 5.0  # seconds; bench_updates.thread_cpu waits as long for a fresh copy


def log_thread_cpu(path: Path, every: float = THREAD_LOG_EVERY) -> None:
    """Every ``every`` seconds, rewrite ``path`` with each live thread's CPU seconds by
    name (threads of one name summed): where the process's CPU goes, thread by thread.
    Its own CPU is the bot process's too (about 0.6 ms a second when it wrote every
    second): it writes seldom, as the figures are read only before and after the rounds."""

    def run() -> None:
        while True:
            spent: dict[str, float] = {}
            for thread in threading.enumerate():
                if thread.ident is None:
                    continue
                try:
                    clock = time.pthread_getcpuclockid(thread.ident)
                    cpu = time.clock_gettime(clock)
                except (OSError, ValueError):
                    continue
                name = re.sub(r"_\d+$", "", thread.name)
                spent[name] = spent.get(name, 0.0) + cpu
            path.write_text(json.dumps(spent))
            time.sleep(every)

    threading.Thread(target=run, name="bench-thread-log", daemon=True).start()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--staff", type=int, default=0)
    p.add_argument("--sender", choices=("prod", "fast"), default="prod")
    p.add_argument("--flood-limits", choices=("production", "raised"), default="production")
    p.add_argument("--no-rate-limiter", action="store_true", help="--flood-limits raised")
    p.add_argument("--per-second", type=float, help="overall flood limit (production: 30)")
    p.add_argument("--clock-start")
    p.add_argument("--http-client", choices=("aiohttp", "httpx"), default="aiohttp")
    p.add_argument("--event-loop", choices=("uvloop", "asyncio"), default="uvloop")
    p.add_argument("--pool", type=int)
    p.add_argument("--http2", action="store_true")
    p.add_argument("--reminders-every", type=int, default=60)
    p.add_argument("--no-reminders", action="store_true")
    p.add_argument("--paper-log", type=Path)
    p.add_argument("--profile", type=Path)
    p.add_argument(
        "--thread-log",
        type=Path,
        help="CPU seconds of each thread, rewritten every THREAD_LOG_EVERY seconds",
    )
    p.add_argument("--database", metavar="URL", help="storage.database (PostgreSQL URL)")
    p.add_argument("--no-same-cpu", action="store_true", help="storage.same_cpu = false")
    args = p.parse_args()

    reminders: dict[str, Any] = {"check_every_seconds": args.reminders_every}
    if args.no_reminders:
        reminders["enabled"] = False
    storage: dict[str, Any] = {"database": args.database} if args.database else {}
    if args.no_same_cpu:
        storage["same_cpu"] = False
    config = world_config(args.out, args.base_url, reminders=reminders, storage=storage)
    extra = tuple(staff_person(i) for i in range(1, args.staff + 1))
    config = dataclasses.replace(config, people=config.people + extra)
    client = "httpx" if args.pool or args.http2 else args.http_client
    config = dataclasses.replace(
        config,
        bot=dataclasses.replace(config.bot, http_client=client, event_loop=args.event_loop),
    )

    if args.pool or args.http2:

        class Tuned(ApplicationBuilder[Any, Any, Any, Any, Any, Any]):
            def build(self) -> Any:
                if args.pool:
                    self.connection_pool_size(args.pool)
                if args.http2:
                    self.http_version("2")
                return super().build()

        # bot.app builds the application with the builder it imported: replace that one
        setattr(bot.app, "ApplicationBuilder", Tuned)  # noqa: B010

    clock = RunningClock(datetime.fromisoformat(args.clock_start)) if args.clock_start else None
    sender: dict[str, float] | None = dict(FAST_SENDER) if args.sender == "fast" else None
    if args.flood_limits == "raised" or args.no_rate_limiter:
        sender = {**(sender or {}), **RAISED_LIMITS}
    if args.per_second:
        sender = {**(sender or {}), "per_second": args.per_second}
    account = PaperAccount(args.paper_log) if args.paper_log else None
    papers = AccountedPapers(account) if account else None
    setup_logging(TOKEN)
    logging.getLogger("bench").info("sop worker starting (sender options %s)", sender)
    app = bot.app.build_application(
        config,
        TOKEN,
        clock=clock,
        papers=papers,
        sender_options=sender,
        charts=account.charts() if account else None,
    )
    if papers is not None:
        papers.app = app
    bot.eventloop.install(config.bot.event_loop)
    if args.thread_log:
        log_thread_cpu(args.thread_log)
    bot.app.freeze_startup_heap()  # as sopbot run does

    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)  # CPU, not wall: awaits cost nothing
        profiler.enable()
        try:
            app.run_polling(allowed_updates=bot.updates.ALLOWED_UPDATES)
        finally:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
    else:
        app.run_polling(allowed_updates=bot.updates.ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
