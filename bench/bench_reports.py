#!/usr/bin/env python3
"""Pictures: the timeline of /status and /laporan over 10,000 archived cases.

* ``timeline_render``: drawing one case's timeline (24 step visits, four returns) to PNG
  (Pillow, :mod:`bot.charts`), in this process, after one warm-up render (median of N; min,
  p90 and max give the spread); ``timeline_first_render`` is the first one, the fonts'
  loading included (the bot pays it once per process, at start-up);
* the real bot (``bench/sop_worker.py``, what ``sopbot run`` runs) in a process of its own
  against the Bot API emulator, over a database of 10,000 archived cases of 2026 (each with
  its whole log: 12 steps, 4 returns, uploads) written straight into SQLite:
  ``laporan_10k``: Karo's ``/laporan`` from sending it to receiving the paper (the chart
  comes first), i.e. the read of every case's log, the figures, the chart and the .docx;
  ``status_timeline``: ``/status <case>`` until both the picture and the text arrived;
* ``bot_rss_*``: the bot process's resident memory before any picture, after the first
  ``/status`` (``bot_rss_with_pictures``) and its peak (``VmHWM``) after ``/laporan``, whose
  chart loads matplotlib (goal < 200 MB).

Run: .venv/bin/python bench/bench_reports.py [--cases N] [--renders N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BotProcess, Tap, emit, note, percentile, wait_polling

from bot import charts, stats
from bot.app import load_sops, work_calendar
from bot.core.definition import SopDefinition
from bot.core.model import Event, EventType, NamesAt
from bot.core.workflow import replay
from bot.demo import OFFICIALS, TOKEN, world_config
from bot.papers.dates import OfficeZone
from emulator import BotApiEmulator
from storage import repo
from storage.codec import CASE_FORMAT, case_to_json, event_row, ts
from storage.db import Database, Tx

ID = {p.key: p.telegram_id for p in OFFICIALS}
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 14, 10, 0, tzinfo=WIB)  # the bot's clock: a Monday morning
RETURNS = {2: 1, 3: 2, 7: 6, 9: 8}  # review steps returned once each, and where to


def case_log(sop: SopDefinition, case_id: int, start: datetime, rng: random.Random) -> list[Event]:
    """One case's whole log: twelve steps, a return at 2, 3, 7 and 9, two uploads at step 1
    and three at step 6, each visit lasting a random share of its norm (at 20 minutes'
    resolution, wall-clock: the office calendar decides what of it is working time)."""
    unit = "biro-perencanaan"
    who = {"kasubag": ID["kasubag"], "kabag": ID["kabag"], "karo": ID["karo"]}
    who |= {"tim": ID["tim1"], "fungsional_umum": ID["fu"]}
    at = start
    data: dict[str, Any] = {
        "sop_code": sop.code,
        "unit": unit,
        "title": f"Program Kerja TA 2027 ({case_id})",
    }
    data |= {"fiscal_year": 2027, "revision": sop.revision}
    events = [Event(EventType.STARTED, case_id, ID["kasubag"], "kasubag", at, 1, data=data)]

    def attach(step: int, doc: str, name: str) -> None:
        role = sop.step(step).actor
        file = {"doc": doc, "file_id": case_id, "version": 1, "sha256": "ab" * 32, "name": name}
        events.append(Event(EventType.FILE_ATTACHED, case_id, who[role], role, at, step, data=file))

    def leave(step: int, kind: EventType, to: int | None, reason: str = "") -> None:
        nonlocal at
        share = rng.uniform(0.2, 1.6)
        at += timedelta(minutes=20 * max(1, round(sop.step(step).time_minutes * share * 2.5 / 20)))
        role = sop.step(step).actor
        extra = {"reference": f"ARS/{case_id}"} if kind is EventType.ARCHIVED else {}
        events.append(Event(kind, case_id, who[role], role, at, step, to, reason, data=extra))

    attach(1, "konsep_rencana_kerja", "Konsep.docx")
    attach(1, "tor", "TOR.docx")
    returned: set[int] = set()
    step = 1
    while True:
        s = sop.step(step)
        if step == 6:
            for doc in ("draf_program_kerja", "draf_rkakl", "draf_penetapan_kinerja"):
                attach(6, doc, f"{doc}.docx")
        if step in RETURNS and step not in returned:
            returned.add(step)
            leave(step, EventType.RETURNED, RETURNS[step], "Mohon diperbaiki sesuai catatan.")
            step = RETURNS[step]
            continue
        if s.on_approve is None:
            leave(step, EventType.ARCHIVED, None)
            return events
        kind = EventType.APPROVED if s.is_review else EventType.COMPLETED
        if step == 5:
            events.append(
                Event(EventType.TEAM_FORMED, case_id, who["kasubag"], "kasubag", at, 5,
                      data={"members": [ID["tim1"], ID["tim2"]]})
            )  # fmt: skip
        leave(step, kind, s.on_approve)
        step = s.on_approve


async def seed(path: Path, n: int) -> None:
    """``n`` archived cases spread over 2026 (one every ~45 minutes from 2 January)."""
    config = world_config(path.parent, "http://127.0.0.1:9")
    sop = load_sops(config).default
    rng = random.Random(2026)
    template = replay(sop, case_log(sop, 1, datetime(2026, 1, 2, 8, tzinfo=WIB), rng))
    db = await Database.open(path)
    try:
        t0 = datetime(2026, 1, 2, 8, 0, tzinfo=WIB)

        def people(tx: Tx) -> None:
            for person in OFFICIALS:
                repo.ensure_person(tx, person.telegram_id, t0)
                for role in person.roles:
                    repo.grant_role(
                        tx, person.telegram_id, role, config.organisation.unit, t0, None
                    )

        await db.write(people)
        for first in range(1, n + 1, 2000):
            cases, rows = [], []
            for i in range(first, min(n, first + 1999) + 1):
                start = t0 + timedelta(minutes=45 * i)
                events = case_log(sop, i, start, rng)
                closed = events[-1].at
                c = replace(template, id=i, title=events[0].data["title"], opened_at=start,
                            step_entered_at=closed, closed_at=closed)  # fmt: skip
                cases.append(
                    (i, c.sop_code, c.unit, c.title, c.fiscal_year, "archived", c.step, c.version,
                     "fungsional_umum", ts(start), ts(closed), ts(closed), case_to_json(c),
                     CASE_FORMAT, sop.revision)
                )  # fmt: skip
                rows += [event_row(e, seq) for seq, e in enumerate(events, 1)]

            def write(
                tx: Tx, cases: Sequence[tuple[object, ...]], rows: Sequence[tuple[object, ...]]
            ) -> None:
                tx.many(
                    "INSERT INTO cases (id, sop_code, unit, title, fiscal_year, status, step, "
                    "version, holder_role, opened_at, step_entered_at, closed_at, state, format, "
                    "sop_revision) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    cases,
                )
                tx.many(
                    "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, "
                    "reason, note, data, format) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )

            await db.write(write, cases, rows)
    finally:
        await db.close()


def timeline_renders(n: int) -> None:
    config = world_config(Path(tempfile.gettempdir()), "http://127.0.0.1:9")
    sop = load_sops(config).default
    calendar = work_calendar(config)
    events = case_log(sop, 7, datetime(2026, 11, 2, 8, tzinfo=WIB), random.Random(7))
    events = events[:-1]  # still open at its last step
    now = events[-1].at + timedelta(hours=3)
    visits = stats.visits(events, sop, calendar, now)
    names = NamesAt({p.telegram_id: p.name for p in OFFICIALS})
    data = charts.timeline(
        case_id=7, title=str(events[0].data["title"]), visits=visits, definition=sop,
        calendar=calendar, zone=OfficeZone.named("Asia/Jakarta"), names=names, now=now,
    )  # fmt: skip
    t0 = time.perf_counter()
    charts.render_timeline(data)
    emit("timeline_first_render", (time.perf_counter() - t0) * 1000, "ms", None)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        png = charts.render_timeline(data)
        times.append((time.perf_counter() - t0) * 1000)
    emit(
        "timeline_render", statistics.median(times), "ms", 200,
        min=round(min(times), 1), p90=round(percentile(times, 90), 1),
        max=round(max(times), 1), n=n, visits=len(visits), png_bytes=len(png),
    )  # fmt: skip


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def through_the_bot(out: Path, n_cases: int) -> None:
    db_path = out / "sopbot.sqlite3"
    t0 = time.perf_counter()
    await seed(db_path, n_cases)
    note(f"seeded {n_cases} archived cases in {time.perf_counter() - t0:.1f} s")
    emu = BotApiEmulator(token=TOKEN, bot_username="sopbot_bench_bot")
    await emu.start()
    tap = Tap(emu)
    karo = emu.user(ID["karo"], "Karo", username="karo")
    bot = BotProcess(
        [str(Path(__file__).parent / "sop_worker.py"), "--base-url",
         emu.base_url, "--out", str(out), "--sender", "fast", "--no-reminders",
         "--clock-start", NOW.isoformat()],
        out / "bot.log",
    )  # fmt: skip
    bot.start()
    try:
        await wait_polling(tap, bot, 0)
        await asyncio.sleep(1.0)  # let start-up settle before reading memory
        emit("bot_rss_before_pictures", bot.rss_mb(), "MB", None)
        karo.mark_seen()
        t0 = time.perf_counter()
        await karo.send(f"/status {n_cases // 2}")
        await karo.wait_message(lambda m: m.photo is not None, timeout=60)
        await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=60)
        emit("status_timeline", (time.perf_counter() - t0) * 1000, "ms", None,
             note="first /status after start-up")  # fmt: skip
        samples = []
        for case in (1, n_cases // 3, n_cases):
            t0 = time.perf_counter()
            await karo.send(f"/status {case}")
            await karo.wait_message(lambda m: m.photo is not None, timeout=60)
            await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=60)
            samples.append((time.perf_counter() - t0) * 1000)
        emit("status_timeline_warm", statistics.median(samples), "ms", None, n=len(samples))
        emit("bot_rss_with_pictures", bot.rss_mb(), "MB", 200)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            await karo.send("/laporan 2026")
            chart = await karo.wait_message(lambda m: m.photo is not None, timeout=120)
            paper = await karo.wait_message(lambda m: m.document is not None, timeout=120)
            times.append(time.perf_counter() - t0)
        assert chart.caption and f"Berkas: {n_cases}" in chart.caption, chart.caption
        emit("laporan_10k", statistics.median(times), "s", 2, min=round(min(times), 2),
             max=round(max(times), 2), n=len(times), cases=n_cases,
             paper_bytes=len(paper.file_bytes()))  # fmt: skip
        assert bot.proc is not None
        emit("bot_rss_peak", vm_hwm_mb(bot.proc.pid), "MB", 200)
    finally:
        await bot.stop()
        await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()
    timeline_renders(args.renders)
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(through_the_bot(Path(scratch), args.cases))


if __name__ == "__main__":
    main()
