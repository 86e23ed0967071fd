"""A full reminder sweep (``bot.reminders.sweep``) over 100,000 cases, 10 % of them open.

The database is bench_scale's (``bench_scale.populate``: 100,000 cases, every tenth open at
Kabag's review, with their event logs); then ``--due`` of the open cases (default 500) are
made due and the rest are not. ``sweep`` runs with the real CaseService and calendar on a
working-day morning: it reads the due rows, asks the policy, renders each reminder and
queues it in the outbox, one transaction per case. Also timed: a sweep with nothing due.

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
from types import SimpleNamespace
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import copy_if_kept, populate
from harness import ROOT, emit, note

from bot.app import load_sops, work_calendar
from bot.clock import ManualClock
from bot.config import parse_config
from bot.reminders import sweep
from bot.service import CaseService
from storage.codec import ts
from storage.db import Database

NOW = datetime(2026, 6, 3, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Wednesday morning


async def make_due(db: Database, due: int) -> None:
    """``due`` open cases fell due yesterday; no other open case is due."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE cases SET next_due_at = ?, reminders_sent = 0, last_reminded_at = NULL "
            "WHERE status = 'open'",
            ("2099-01-01T00:00:00+00:00",),
        )
        await conn.execute(
            "UPDATE cases SET next_due_at = ? WHERE id IN "
            "(SELECT id FROM cases WHERE status = 'open' ORDER BY id LIMIT ?)",
            ("2026-01-06T01:00:00+00:00", due),
        )


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
        svc = SimpleNamespace(
            config=config,
            db=db,
            sops=sops,
            clock=clock,
            calendar=calendar,
            cases=CaseService(db, sops, config, clock, calendar),
            outbox=SimpleNamespace(wake=lambda: None),
        )
        results: list[tuple[int, float]] = []
        for due in dues:
            await make_due(db, due)
            async with db.transaction() as conn:
                await conn.execute("DELETE FROM outbox")
            start = time.perf_counter()
            sent = await sweep(svc)  # type: ignore[arg-type]
            results.append((due, (time.perf_counter() - start) * 1000))
            queued = (
                await db.reader.execute_fetchall(
                    "SELECT COUNT(*) FROM outbox WHERE kind = 'task' AND sent_at IS NULL"
                )
            )[0][0]  # type: ignore[index]
            assert sent == due and queued == due, (sent, queued, due)
        samples = []
        for _ in range(10):
            start = time.perf_counter()
            assert await sweep(svc) == 0  # type: ignore[arg-type]
            samples.append((time.perf_counter() - start) * 1000)
        idle = sorted(samples)[len(samples) // 2]
        left = (
            await db.reader.execute_fetchall(
                "SELECT COUNT(*) FROM cases WHERE status = 'open' AND next_due_at <= ?", (ts(NOW),)
            )
        )[0][0]  # type: ignore[index]
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
    asyncio.run(main(args.cases, [int(x) for x in args.due.split(",")], args.db))
