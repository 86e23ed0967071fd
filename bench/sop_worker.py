"""The real bot (``bot.app.build_application``) in a process of its own, for the benches.

    python bench/sop_worker.py --base-url http://127.0.0.1:PORT --out DIR [options]

It runs exactly what ``sopbot run`` runs (``app.run_polling()`` with its defaults, which
also calls ``post_init``), with the demo's token and officials (``bot.demo.world_config``)
and, optionally, extra members of the drafting team (``--staff N``: ids 2001...). SIGTERM
stops it cleanly. Options that depart from production are named in the bench output:

* ``--sender fast``: the demo's FAST_SENDER outbox pacing (default: production pacing);
  ``--per-second N``: the outbox's overall pace only;
* ``--clock-start ISO``: a clock that starts at that moment and runs in real time
  (reminders are judged against office hours);
* ``--no-rate-limiter``: build without the rate limiter (bot.ratelimit: 30 messages/s overall);
* ``--http-client httpx``: PTB's HTTPXRequest instead of bot.aiohttp_request's AiohttpRequest;
* ``--pool N`` / ``--http2``: HTTPXRequest tuning through the ApplicationBuilder (implies httpx);
* ``--reminders-every S`` / ``--no-reminders``: the reminder job's interval;
* ``--profile FILE``: cProfile the event loop thread, stats written at exit.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.app  # noqa: E402
from bot.config import PersonConfig  # noqa: E402
from bot.demo import FAST_SENDER, TOKEN, world_config  # noqa: E402
from bot.logsetup import setup_logging  # noqa: E402

STAFF_BASE = 2000


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


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--staff", type=int, default=0)
    p.add_argument("--sender", choices=("prod", "fast"), default="prod")
    p.add_argument("--per-second", type=float, help="outbox pace overall (production: 25)")
    p.add_argument("--clock-start")
    p.add_argument("--no-rate-limiter", action="store_true")
    p.add_argument("--http-client", choices=("aiohttp", "httpx"), default="aiohttp")
    p.add_argument("--pool", type=int)
    p.add_argument("--http2", action="store_true")
    p.add_argument("--reminders-every", type=int, default=60)
    p.add_argument("--no-reminders", action="store_true")
    p.add_argument("--profile", type=Path)
    p.add_argument("--database", metavar="URL", help="storage.database (PostgreSQL URL)")
    p.add_argument(
        "--stale-check-via-writer",
        action="store_true",
        help="diagnostic: OutboxSender._is_stale reads the case through the writer",
    )
    args = p.parse_args()

    reminders: dict[str, Any] = {"check_every_seconds": args.reminders_every}
    if args.no_reminders:
        reminders["enabled"] = False
    storage = {"database": args.database} if args.database else {}
    config = world_config(args.out, args.base_url, reminders=reminders, storage=storage)
    extra = tuple(staff_person(i) for i in range(1, args.staff + 1))
    config = dataclasses.replace(config, people=config.people + extra)
    client = "httpx" if args.pool or args.http2 else args.http_client
    config = dataclasses.replace(config, bot=dataclasses.replace(config.bot, http_client=client))

    unlimited = {"per_second": 1e6, "per_chat_per_second": 1e6, "per_chat_burst": 1e6}
    if args.pool or args.http2:
        base = bot.app.ApplicationBuilder

        class Tuned(base):  # type: ignore[valid-type,misc]
            def build(self) -> Any:
                if args.pool:
                    self.connection_pool_size(args.pool)
                if args.http2:
                    self.http_version("2")
                return super().build()

        bot.app.ApplicationBuilder = Tuned  # type: ignore[misc]

    if args.stale_check_via_writer:
        from bot.outbox import OutboxSender
        from storage import repo

        async def is_stale(self: Any, item: Any) -> bool:
            if item.case_id is None:
                return False
            async with self.db.transaction() as conn:
                case = await repo.load_case(conn, item.case_id)
            return case is None or case.version != int(item.payload["version"]) or not case.is_open

        OutboxSender._is_stale = is_stale  # type: ignore[method-assign]

    clock = RunningClock(datetime.fromisoformat(args.clock_start)) if args.clock_start else None
    sender = FAST_SENDER if args.sender == "fast" else None
    if args.per_second:
        sender = {**(sender or {}), "per_second": args.per_second}
    if args.no_rate_limiter:  # the one flood limiter (bot.ratelimit) raised out of the way
        sender = {**(sender or {}), **unlimited}
    setup_logging(TOKEN)
    logging.getLogger("bench").info("sop worker pid starting")
    app = bot.app.build_application(config, TOKEN, clock=clock, sender_options=sender)

    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            app.run_polling()
        finally:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
    else:
        app.run_polling()
    return 0


if __name__ == "__main__":
    sys.exit(main())
