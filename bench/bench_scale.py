"""Scale: the real bot over a database of 100,000 cases (10 % open).

The cases are written straight into SQLite (each with its event log) in the demo's bureau:
every tenth is open at Kabag's review (step 2), the rest archived. Then the bot
(``bench/sop_worker.py``, the application ``sopbot run`` builds) starts in a process of its
own against the Bot API emulator, and the officials use it:

* start-up: from spawning the process (imports, database open with its integrity check
  and migrations, SOP load, ``setMyCommands``) until it polls for updates (goal < 2 s);
* ``/tugas`` by Kabag, who holds all 10,000 open cases: from the update's arrival to the
  answer, one message (the count, the first page of eight tasks, a button each, and page
  buttons) (goal < 50 ms), and the bot's CPU time per ``/tugas``;
* ``/status <case>`` by Kasubag for cases spread over the whole id range (goal < 50 ms);
* the bot process's peak RSS (``VmHWM``) after all of it (goal < 200 MB);
* the sweep's query over the indexed ``next_due_at`` (the full sweep is bench_sweep's).

The bot's flood limits are raised here (``sop_worker.py --flood-limits raised``, through
``sender_options``): each official asks 20 or 40 times in a row, and Telegram's one
message a second per chat would otherwise make every answer wait for the previous one's
second and hide our own time. ``/status`` answers with its text at once and sends the
case's timeline picture after it, from a task of its own: the figure runs until the text;
the 40 pictures are drawn one after another in the bot's drawing thread meanwhile (and
count in the peak RSS).

Run: .venv/bin/python bench/bench_scale.py [--cases N] [--db PATH (kept, reused)]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import BotProcess, Player, Tap, emit, note, percentile, wait_polling

from bot.app import load_sops
from bot.core.model import (
    Actor,
    Approve,
    AttachFile,
    CaseStatus,
    CompleteStep,
    EventType,
    StartCase,
)
from bot.core.workflow import apply_all, archive_number_key, decide
from bot.demo import OFFICIALS, TOKEN, world_config
from emulator import ApiCall, BotApiEmulator
from storage import repo
from storage.codec import CASE_FORMAT, case_to_json, event_row, ts
from storage.db import Database, Tx, is_postgres

ID = {p.key: p.telegram_id for p in OFFICIALS}
FAR = "2099-01-01T00:00:00+00:00"  # no reminder falls due during the bench


async def populate(db: Database, n: int, unit: str | None = None) -> None:
    """``n`` cases of ``unit`` (the demo's bureau by default): every tenth open at step 2
    (Kabag's review), the others archived; each with the events that led there."""
    config = world_config(Path(tempfile.gettempdir()), "http://127.0.0.1:9")
    sop = load_sops(config).default
    unit = unit or config.organisation.unit
    t0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    kasubag = Actor(ID["kasubag"], frozenset({"kasubag"}))
    kabag = Actor(ID["kabag"], frozenset({"kabag"}))
    events = decide(sop, None, StartCase(1, sop.code, unit, "Penyusunan PK", 2027), kasubag, t0)
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
    closed_events = events + ev
    closed = replace(apply_all(sop, open_case, ev), status=CaseStatus.ARCHIVED)
    batch_cases: list[tuple[object, ...]] = []
    batch_events: list[tuple[object, ...]] = []

    def people(tx: Tx) -> None:
        for person in OFFICIALS:  # as the bot's start binds them from the config
            repo.ensure_person(tx, person.telegram_id, t0)
            for role in person.roles:
                repo.grant_role(tx, person.telegram_id, role, unit, t0, None)

    await db.write(people)
    if True:
        for i in range(1, n + 1):
            is_open = i % 10 == 0
            template = open_case if is_open else closed
            entered = t0 + timedelta(minutes=i)
            c = replace(
                template,
                revision=sop.revision,
                id=i,
                title=f"Program Kerja dan RKAKL {2000 + i % 30} ({i})",
                step_entered_at=entered,
                opened_at=entered,
            )
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
                    "kabag" if is_open else "karo",
                    ts(entered),
                    ts(entered),
                    None if is_open else ts(entered + timedelta(days=20)),
                    case_to_json(c),
                    FAR if is_open else None,
                    CASE_FORMAT,
                    sop.revision,  # as the bot records it (else its start adopts them all)
                )
            )
            for seq, e in enumerate(events if is_open else closed_events, start=1):
                batch_events.append(event_row(replace(e, case_id=i), seq))
            if not is_open:  # filed under a number of its own
                filed = replace(
                    closed_events[-1],
                    case_id=i,
                    type=EventType.ARCHIVED,
                    data={"reference": archive_number(i)},
                )
                batch_events.append(event_row(filed, len(closed_events) + 1))
            if len(batch_cases) >= 5000:
                await db.write(insert_cases, batch_cases, batch_events)
                batch_cases, batch_events = [], []
        await db.write(insert_cases, batch_cases, batch_events)


def archive_number(case_id: int) -> str:
    return f"ARS/PK/{2000 + case_id % 30}/{case_id:06d}"


def insert_cases(
    tx: Tx, cases: Sequence[tuple[object, ...]], events: Sequence[tuple[object, ...]]
) -> None:
    """Case rows as ``(id, sop_code, unit, title, fiscal_year, status, step, version,
    holder_role, opened_at, step_entered_at, closed_at, state, next_due_at, format,
    sop_revision)`` and ``event_row``s, in bulk."""
    tx.many(
        "INSERT INTO cases (id, sop_code, unit, title, fiscal_year, status, step, version, "
        "holder_role, opened_at, step_entered_at, closed_at, state, next_due_at, format, "
        "sop_revision) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        cases,
    )
    tx.many(
        "INSERT INTO events (case_id, seq, type, step, to_step, actor, role, at, reason, note, "
        "data, format) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        events,
    )
    filed = [
        (archive_number_key(json.loads(str(e[10]))["reference"]), e[0])
        for e in events
        if e[2] == EventType.ARCHIVED.value
    ]
    # as storage.repo.append_events files them
    tx.many("INSERT INTO archive_numbers (number, case_id) VALUES (?, ?)", filed)
    tx.many("UPDATE cases SET archive_number = ? WHERE id = ?", filed)


async def build_database(path: Path | str, n: int) -> None:
    db = await Database.open(path)
    try:
        await populate(db, n)
    finally:
        await db.close()


async def sweep_query_ms(path: Path | str) -> float:
    """Median time of the reminder sweep's query (indexed on next_due_at)."""
    db = await Database.open(path, check_integrity=False)
    now = ts(datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    samples = []
    try:
        for _ in range(30):
            start = time.perf_counter()
            await db.read(
                Tx.all,
                "SELECT id FROM cases WHERE status = 'open' AND next_due_at <= ? "
                "ORDER BY next_due_at LIMIT 500",
                (now,),
            )
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        await db.close()
    return statistics.median(samples)


async def archive_lookup_ms(path: Path | str) -> float:
    """Median time of the check archiving makes: is the number already some case's? Asked
    of a number in use and of a free one, alternately."""
    db = await Database.open(path, check_integrity=False)
    samples = []
    try:
        for k in range(30):
            used = archive_number(10 * k + 1) if k % 2 else "ARS/PK/2027/BARU"
            start = time.perf_counter()
            found = await db.read(repo.case_archived_as, used)
            samples.append((time.perf_counter() - start) * 1000)
            assert (found is not None) == bool(k % 2), (used, found)
    finally:
        await db.close()
    return statistics.median(samples)


async def outbox_round_ms(path: Path | str, delivered: int = 50_000) -> float:
    """Median time of a delivery round's query (the rows due now, oldest first) and of the
    next due time, over a week of ``delivered`` rows kept for the retention period and 20
    still to go."""
    db = await Database.open(path, check_integrity=False)
    now = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    a_week_ago = now - timedelta(days=7)
    week = [
        repo.outbox_row(
            1000 + i % 500, "notice", a_week_ago + timedelta(seconds=10 * i), case_id=i + 1
        )
        for i in range(delivered)
    ]
    pending = [repo.outbox_row(2000 + i, "task", now, case_id=10 * (i + 1)) for i in range(20)]

    def fill(tx: Tx) -> None:
        repo.enqueue_rows(tx, week)
        tx.run("UPDATE outbox SET sent_at = created_at WHERE sent_at IS NULL")
        repo.enqueue_rows(tx, pending)

    def round_query(tx: Tx) -> None:
        assert len(repo.due_outbox(tx, now)) == len(pending)
        assert repo.next_outbox_time(tx) is not None

    samples = []
    try:
        await db.write(fill)
        for _ in range(30):
            start = time.perf_counter()
            await db.read(round_query)
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        await db.close()
    return statistics.median(samples)


def copy_if_kept(keep: Path | None, dest: Path) -> bool:
    """Copy a database kept by an earlier bench (``--db``); False when there is none."""
    if keep is None or not keep.exists():
        return False
    shutil.copyfile(keep, dest)
    return True


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


async def main(n: int, keep: Path | None, url: str | None = None) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    db_path: Path | str = url or work / "sopbot.sqlite3"
    started = time.perf_counter()
    if isinstance(db_path, Path) and copy_if_kept(keep, db_path):
        note(f"database copied from {keep}")
    else:
        await build_database(db_path, n)
        note(f"populated {n} cases in {time.perf_counter() - started:.1f} s")
        if keep is not None and isinstance(db_path, Path):
            shutil.copyfile(db_path, keep)
    size_mb = 0.0
    if isinstance(db_path, Path):
        size_mb = (await asyncio.to_thread(db_path.stat)).st_size / 1024 / 1024
    engine = "pg_" if is_postgres(db_path) else ""

    emu = BotApiEmulator(token=TOKEN, bot_username="sopbot_bench_bot")
    await emu.start()
    tap = Tap(emu)
    players = {
        key: Player(tap, emu.user(pid, key.title(), username=key)) for key, pid in ID.items()
    }
    for player in players.values():
        player.user.record.started = True
    bot = BotProcess(
        [
            "bench/sop_worker.py",
            "--base-url",
            emu.base_url,
            "--out",
            str(work),
            "--flood-limits",
            "raised",
            "--no-reminders",
            *(["--database", str(db_path)] if url else []),
        ],
        work / "bot.log",
    )
    spawned = time.monotonic()
    bot.start()
    try:
        await wait_polling(tap, bot, 0)
        startup = time.monotonic() - spawned
        await asyncio.sleep(0.5)

        def last_of_tugas(call: ApiCall) -> bool:
            return call.method == "sendMessage" and "Tugas Bapak/Ibu" in str(call.params["text"])

        def status_reply(call: ApiCall) -> bool:
            return call.method == "sendMessage" and "Riwayat" in str(call.params["text"])

        kabag, kasubag = players["kabag"], players["kasubag"]
        kabag.period = kasubag.period = 0.05
        await kabag.send("/tugas", last_of_tugas, kind="tugas")  # warm-up
        kabag.samples.clear()
        cpu0 = bot.cpu()
        for _ in range(20):
            await kabag.send("/tugas", last_of_tugas, kind="tugas")
            await tap.quiet(0.05)
        tugas_cpu = (bot.cpu() - cpu0) / 20 * 1000
        for i in range(40):
            case_id = 10 * (1 + (i * 2473) % (n // 10))  # open cases across the range
            if i % 2:
                case_id -= 3  # and archived ones
            await kasubag.send(f"/status {case_id}", status_reply, kind="status")
        rss = peak_rss_mb(bot.proc.pid) if bot.proc else float("nan")
    finally:
        await bot.stop()
        await emu.stop()

    def ms(samples: list[float], q: float) -> float:
        return percentile(samples, q) * 1000

    for sample in (*kabag.samples, *kasubag.samples):
        sample.arrival = tap.arrival.get(sample.key)
    tugas = [s.latency for s in kabag.samples if s.latency is not None]
    status = [s.latency for s in kasubag.samples if s.latency is not None]
    if len(tugas) != 20 or len(status) != 40:
        raise RuntimeError(f"answers missing: /tugas {len(tugas)}/20, /status {len(status)}/40")
    emit(f"{engine}scale_startup", startup * 1000, "ms", 2000, cases=n, db_mb=round(size_mb))
    emit(
        f"{engine}scale_tugas_p50",
        ms(tugas, 50),
        "ms",
        50,
        open_cases_held=n // 10,
        messages=1,
        flood_limits="raised",
    )
    emit(f"{engine}scale_tugas_p99", ms(tugas, 99), "ms", None)
    emit(f"{engine}scale_tugas_cpu", tugas_cpu, "ms", None)
    emit(f"{engine}scale_status_p50", ms(status, 50), "ms", 50)
    emit(f"{engine}scale_status_p99", ms(status, 99), "ms", None)
    emit(f"{engine}scale_peak_rss", rss, "MB", 200)
    emit(f"{engine}scale_sweep_query", await sweep_query_ms(db_path), "ms", 100, cases=n)
    emit(
        f"{engine}scale_archive_number_check",
        await archive_lookup_ms(db_path),
        "ms",
        None,
        cases=n,
    )
    emit(
        f"{engine}scale_outbox_round",
        await outbox_round_ms(db_path),
        "ms",
        None,
        delivered_rows=50_000,
        pending_rows=20,
    )
    note(f"bench_scale took {time.perf_counter() - started:.1f} s ({work})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="keep the populated database here and reuse it")
    parser.add_argument(
        "--database", metavar="URL", help="PostgreSQL (an empty database) instead of SQLite"
    )
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.db, args.database))
