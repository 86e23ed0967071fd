"""A full reminder sweep (``Reminders.sweep`` of bot/services/reminders.py) over 100,000 cases, 10 % of them open.

The database is bench_scale's (``bench_scale.populate``: 100,000 cases, every tenth open at
Kabag's review, with their event logs); then ``--due`` of the open cases (default 500) are
made due and the rest are not. ``sweep`` runs with the real CaseService and calendar on a
working-day morning: it reads the due rows (500 a page), asks the policy and queues each
reminder in the outbox as a small ``task`` row (rendered when it is sent), one write
transaction per page; a person due more than three reminders at once (here Kabag, who holds
every open case) gets one ``digest`` row listing them instead, and the check counts its
cases. Also timed: a sweep with nothing due.

Run: .venv/bin/python bench/bench_sweep.py [--cases N] [--due N]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import copy_if_kept, populate
from harness import ROOT, emit, note

from bot.app import load_sops, reminder_settings, work_calendar
from bot.clock import ManualClock
from bot.config import parse_config
from bot.services.reminders import Reminders
from storage.codec import ts
from storage.db import Database, Tx

NOW = datetime(2026, 6, 3, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Wednesday morning


def make_due(tx: Tx, due: int) -> None:
    """``due`` open cases fell due yesterday; no other open case is due; the outbox is empty."""
    tx.run(
        "UPDATE cases SET next_due_at = ?, reminders_sent = 0, last_reminded_at = NULL "
        "WHERE status = 'open'",
        ("2099-01-01T00:00:00+00:00",),
    )
    tx.run(
        "UPDATE cases SET next_due_at = ? WHERE id IN "
        "(SELECT id FROM cases WHERE status = 'open' ORDER BY id LIMIT ?)",
        ("2026-01-06T01:00:00+00:00", due),
    )
    tx.run("DELETE FROM outbox")


async def main(n: int, dues: list[int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.sqlite3"
        start = time.perf_counter()
        if copy_if_kept(keep, path):
            note(f"database copied from {keep}")
        else:
            db = await Database.open(path)
            await populate(db, n)
            await db.close()
            note(f"populated {n} cases in {time.perf_counter() - start:.1f} s")
            if keep is not None:
                shutil.copyfile(path, keep)

        config = parse_config(
            {
                "sops": [str(ROOT / "sops/penyusunan-program-kerja.toml")],
                "storage": {"database": str(path)},
            }
        )
        sops = load_sops(config)
        calendar = work_calendar(config)
        assert calendar.is_working_day(NOW.date()), NOW
        clock = ManualClock(NOW)
        db = await Database.open(path, check_integrity=False)
        # as bot/app.py builds it (the outbox's wake is not needed: nothing sends here)
        reminders = Reminders(db, sops, clock, calendar, reminder_settings(config), config)
        results: list[tuple[int, float]] = []
        for due in dues:
            await db.write(make_due, due)
            start = time.perf_counter()
            sent = await reminders.sweep()
            results.append((due, (time.perf_counter() - start) * 1000))
            queued = await db.read(
                lambda tx: tx.value(
                    "SELECT (SELECT COUNT(*) FROM outbox WHERE kind = 'task' "
                    "AND sent_at IS NULL AND json_extract(params, '$.reminder') IS NOT NULL) "
                    "+ (SELECT COALESCE(SUM(json_array_length(params, '$.cases')), 0) "
                    "FROM outbox WHERE kind = 'digest' AND sent_at IS NULL)"
                )
            )
            assert sent == due and queued == due, (sent, queued, due)
        samples = []
        for _ in range(10):
            start = time.perf_counter()
            assert await reminders.sweep() == 0
            samples.append((time.perf_counter() - start) * 1000)
        idle = sorted(samples)[len(samples) // 2]
        left = await db.read(
            lambda tx: tx.value(
                "SELECT COUNT(*) FROM cases WHERE status = 'open' AND next_due_at <= ?", (ts(NOW),)
            )
        )
        assert left == 0, left
        await db.close()
    emit("reminder_sweep_nothing_due", idle, "ms", 100, cases=n, open=n // 10)
    for due, ms in results:
        # a minute's sweep in office hours meets a few dozen due steps; the first sweep of
        # the morning meets every step that fell due overnight (no goal: it is paced work)
        goal = 100 if due <= 50 else None
        emit(
            f"reminder_sweep_{due}_due", ms, "ms", goal, cases=n, per_reminder_ms=round(ms / due, 2)
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due", default="25,500", help="comma-separated due counts")
    parser.add_argument("--db", type=Path, help="keep the populated database here and reuse it")
    args = parser.parse_args()
    dues = [int(x) for x in args.due.split(",")]
    if max(dues) > args.cases // 10:  # every tenth case is open (bench_scale.populate)
        parser.error(f"--due {max(dues)}: --cases {args.cases} has {args.cases // 10} open cases")
    asyncio.run(main(args.cases, dues, args.db))
