"""Scale: 100,000 cases (10 % open) in SQLite; reminder sweep, /status, /tugas, RSS, start-up.

Prints one JSON line per figure: {"name", "value", "unit", "goal", "better"}.
Run: .venv/bin/python bench/bench_scale.py [--cases N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import load_sops, work_calendar  # noqa: E402
from bot.config import parse_config  # noqa: E402
from bot.core.model import Actor, Approve, AttachFile, CaseStatus, CompleteStep, StartCase  # noqa: E402
from bot.core.workflow import apply_all, decide  # noqa: E402
from storage import repo  # noqa: E402
from storage.codec import case_to_json, event_row, ts  # noqa: E402
from storage.db import Database  # noqa: E402


def emit(name: str, value: float, unit: str, goal: float, better: str = "lower") -> None:
    print(
        json.dumps(
            {"name": name, "value": round(value, 3), "unit": unit, "goal": goal, "better": better}
        ),
        flush=True,
    )


async def populate(db: Database, n: int) -> None:
    config = parse_config({"sops": [str(ROOT / "sops/penyusunan-program-kerja.toml")]})
    sop = load_sops(config).default
    t0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    kasubag = Actor(1, frozenset({"kasubag"}))
    kabag = Actor(2, frozenset({"kabag"}))
    # one template case at step 2 and one archived-shaped case; rows vary in id and times
    events = decide(
        sop, None, StartCase(1, sop.code, "biro-perencanaan", "Penyusunan PK", 2027), kasubag, t0
    )
    case = apply_all(sop, None, events)
    for doc in ("konsep_rencana_kerja", "tor"):
        ev = decide(
            sop, case, AttachFile(case.version, doc, 1, "ab" * 32, f"{doc}.docx"), kasubag, t0
        )
        events += ev
        case = apply_all(sop, case, ev)
    ev = decide(sop, case, CompleteStep(case.version), kasubag, t0)
    events += ev
    open_case = apply_all(sop, case, ev)
    ev = decide(sop, open_case, Approve(open_case.version), kabag, t0)
    closed = replace(apply_all(sop, open_case, ev), status=CaseStatus.ARCHIVED)
    roles = ["kabag", "karo", "kasubag", "tim", "fungsional_umum"]
    batch_cases, batch_events = [], []
    async with db.transaction() as conn:
        for person in range(1, 6):
            await repo.ensure_person(conn, person, t0)
            await repo.grant_role(conn, person, roles[person - 1], "biro-perencanaan", t0, None)
        for i in range(1, n + 1):
            is_open = i % 10 == 0
            template = open_case if is_open else closed
            entered = t0 + timedelta(minutes=i)
            c = replace(template, id=i, step_entered_at=entered, opened_at=entered)
            due = ts(entered + timedelta(days=2)) if is_open else None
            batch_cases.append(
                (
                    c.id,
                    c.sop_code,
                    c.unit,
                    c.title,
                    c.fiscal_year,
                    "open" if is_open else "archived",
                    c.step,
                    c.version,
                    roles[i % 5],
                    ts(entered),
                    ts(entered),
                    None,
                    case_to_json(c),
                    due,
                )
            )
            for seq, e in enumerate(events, start=1):
                batch_events.append(event_row(replace(e, case_id=i), seq))
            if len(batch_cases) >= 5000:
                await _flush(conn, batch_cases, batch_events)
                batch_cases, batch_events = [], []
        await _flush(conn, batch_cases, batch_events)


async def _flush(
    conn: object, cases: list[tuple[object, ...]], events: list[tuple[object, ...]]
) -> None:
    await conn.executemany(  # type: ignore[attr-defined]
        "INSERT INTO cases (id, sop_code, unit, title, fiscal_year, status, step, version, holder_role, "
        "opened_at, step_entered_at, closed_at, state, next_due_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        cases,
    )
    await conn.executemany(  # type: ignore[attr-defined]
        "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, note, data) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        events,
    )


async def timed(fn: object, repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scale.sqlite3"
        db = await Database.open(path)
        start = time.perf_counter()
        await populate(db, n)
        print(f"# populated {n} cases in {time.perf_counter() - start:.1f}s", file=sys.stderr)
        await db.close()

        start = time.perf_counter()
        config = parse_config(
            {
                "sops": [str(ROOT / "sops/penyusunan-program-kerja.toml")],
                "storage": {"database": str(path)},
            }
        )
        load_sops(config)
        calendar = work_calendar(config)
        calendar.working_minutes_between(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
        )
        db = await Database.open(path)
        emit("startup_open_db_and_sops", (time.perf_counter() - start) * 1000, "ms", 2000)

        now = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)

        async def sweep_query() -> None:
            async with db.reader.execute(
                "SELECT id FROM cases WHERE status = 'open' AND next_due_at <= ? ORDER BY next_due_at LIMIT 500",
                (ts(now),),
            ) as cur:
                await cur.fetchall()

        emit("reminder_sweep_query_500_due", await timed(sweep_query), "ms", 100)

        async def tugas() -> None:
            await repo.open_cases_for_roles(db.reader, "biro-perencanaan", ["kabag"], limit=50)

        emit("tugas_query", await timed(tugas), "ms", 50)

        async def status() -> None:
            await repo.load_case(db.reader, n // 2)
            await repo.load_events(db.reader, n // 2)

        emit("status_query", await timed(status), "ms", 50)
        async with db.reader.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE status = 'open' AND next_due_at <= ? ORDER BY next_due_at LIMIT 500",
            (ts(now),),
        ) as cur:
            plan = " | ".join(str(r[3]) for r in await cur.fetchall())
        print(f"# sweep plan: {plan}", file=sys.stderr)
        await db.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("peak_rss", rss_mb, "MB", 200)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().cases))
