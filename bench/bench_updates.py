"""A bureau's working day: per-update CPU of the bot against a stock echo bot, and hand-offs.

The driver process runs the Bot API emulator (127.0.0.1) and the officials; each bot runs
in a process of its own (``bench/sop_worker.py``: the application ``sopbot run`` builds,
production settings; ``bench/echo_bot.py``: stock python-telegram-bot, its default httpx
request), so its CPU time is its own (every thread, from ``/proc/<pid>/task/*/schedstat``).

**The day.** ``--cases`` cases (default 24) are in flight at once, at different steps.
Each official works through their own tasks, one action per ``--period`` seconds at most
(closed loop: the next action waits for the bot's answer to the previous one):

* Kasubag opens a case when one is archived (``/baru``, title, year), uploads the Konsep
  Rencana Kerja and the TOR (real small .docx files) and submits (step 1), forms the team
  (toggles two members, "Tetapkan tim"; step 5), reviews the drafts (step 7) and forwards
  the signed documents (step 11);
* Kabag and Karo review (steps 2, 3, 8, 9): they approve, or, on a first visit with
  probability ``--return-share``, press "Kembalikan" and type the reason (asked on the task
  message itself); Kabag also forwards (steps 4, 10); a forward carries a typed note 30 %
  of the time;
* the two members of each case's team upload the three drafts and the supporting material
  and hand them in (step 6); after a return, a corrected draft;
* Fungsional Umum archives (step 12): presses "Arsipkan" and types the archive number;
* an official holding tasks sends ``/tugas`` before every ``--tugas-every``-th task (one
  message with a button per task) and, half the time, opens the task from that list;
* an official with nothing to do asks ``/status`` of a case about every ``--status-every``
  seconds.

An official acts on a task only when its task message has reached their chat, and presses
the buttons that message shows. The shares of each kind of update are printed; decisions,
returns, uploads, the team and archiving must be at least 30 % of them.

**Alternating rounds.** Each round (``--seconds`` long; ``--rounds`` of each) first runs the
day on sopbot, recording what every official posted, then replays exactly that on the echo
bot: the same users, each posting the same sequence (texts with the same words, presses,
the same files), each at the moment it was posted on sopbot (so the echo bot's long polls
batch updates as sopbot's did, and both rounds last as long). The echo bot answers a text with sendMessage, a press
with answerCallbackQuery + editMessageText, a file with sendDocument.

**CPU.** A round's CPU is the bot process's CPU from the round's first update until its
outbox is drained and the emulator quiet. sopbot's is split in two: *papers* (the .docx
papers and the archive bundle, rendered in the background) and *interactive* (everything
else: handling the updates and sending what they cause, the outbox included). The paper
part is measured inside the worker (``sop_worker.py --paper-log``: the production
``Paperwork``, wrapped; ``time.thread_time()`` of its event-loop steps, of its read of the
case on a database thread, and of the rendering it hands to ``asyncio.to_thread``) and
subtracted; saving, recording and sending a finished paper stay interactive. The goal compares the interactive CPU per
update with the echo bot's (≤ 1.0×); papers have their own goal (each < 100 ms). The
``/status`` and ``/laporan`` charts are timed the same way and printed apart, but stay in
the interactive figure (a ``/status`` answers with its picture).

**Hand-offs.** For every move (a decision, a return, a submission, the team formed) the
time from the update's arrival at the bot (``getUpdates`` returned it) to the first message
the next holder receives about it: their album (or document) before the task, or the task.
sopbot runs with the production flood limiter (30 messages/s overall, 1/s per private chat)
and the production outbox, so this includes the waits Telegram's limits impose; the
messages queued ahead in that chat are counted, and hand-offs with none are printed apart.

**Departures from production.** The cases are put in flight at the start (``--setup-seconds``
of the same day, unpaced) by a bot process whose flood limits are raised; that process is
then stopped and the measured one started on the same database, with production settings.
The bot talks to the emulator over HTTP on 127.0.0.1 (no network latency, no TLS). The
officials act faster than people do (an action per ``--period`` s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from bureau import KINDS, WORK, Bureau, Wire, sent_document
from harness import (
    BotProcess,
    Player,
    Tap,
    is_edit_of,
    is_send_to,
    message_id_of,
    note,
    percentile,
    wait_polling,
)
from profile_summary import summarise

from bot.demo import TOKEN
from emulator import BotApiEmulator


@dataclass
class RoundResult:
    side: str
    updates: int
    wall: float
    cpu: float  # seconds, the whole bot process
    loop_cpu: float = 0.0  # seconds, of that: the main thread (the event loop)
    paper_cpu: float = 0.0  # seconds, of that: the papers (background)
    chart_cpu: float = 0.0  # seconds, of that: the /status charts (interactive)
    paper_read_cpu: float = 0.0  # seconds, of paper_cpu: the papers' reads of their case
    papers: list[tuple[str, float]] = field(default_factory=list)  # (kind, CPU seconds)
    charts: list[float] = field(default_factory=list)  # CPU seconds
    calls: int = 0  # Bot API calls but getUpdates
    requests: int = 0  # every Bot API call, getUpdates included
    latencies: list[float] = field(default_factory=list)
    handoffs: list[tuple[float, int]] = field(default_factory=list)  # (seconds, queued ahead)
    handoffs_missing: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    timeouts: int = 0
    driver_cpu: float = 0.0

    @property
    def interactive_ms(self) -> float:
        return 1000 * (self.cpu - self.paper_cpu) / self.updates

    @property
    def without_charts_ms(self) -> float:
        return 1000 * (self.cpu - self.paper_cpu - self.chart_cpu) / self.updates

    @property
    def total_ms(self) -> float:
        return 1000 * self.cpu / self.updates

    @property
    def interactive_per_request_ms(self) -> float:
        """Interactive CPU per Bot API request (getUpdates included): what a bot spends per
        thing it asks Telegram, whatever its features make it ask."""
        return 1000 * (self.cpu - self.paper_cpu) / self.requests


# -- the echo bot ----------------------------------------------------------------------------


class EchoSide:
    name = "echo"

    def __init__(self, emu: BotApiEmulator, tap: Tap, ids: list[int]) -> None:
        self.emu, self.tap = emu, tap
        self.players = {uid: Player(tap, emu.user(uid, f"Pegawai {uid}")) for uid in ids}
        self.last: dict[int, int] = {}  # user -> the echo bot's latest text message
        self.presses = 0

    async def start(self) -> None:
        for uid, player in self.players.items():
            call = await player.send("/start", is_send_to(uid), kind="setup")
            assert call is not None, "the echo bot did not answer"
            self.last[uid] = message_id_of(call)  # type: ignore[assignment]
            player.samples.clear()

    async def replay(self, script: dict[int, list[Wire]]) -> None:
        for player in self.players.values():
            player.samples.clear()
            player.timeouts = 0
            player.period = 0.0  # the recorded moments pace the replay
            player.next_post = 0.0
        started = time.monotonic()

        async def one(uid: int, wires: list[Wire]) -> None:
            player = self.players[uid]
            for kind, payload, at in wires:
                await asyncio.sleep(max(0.0, started + at - time.monotonic()))
                if kind == "text":
                    call = await player.send(payload, is_send_to(uid), kind="text")
                    if call is not None:
                        self.last[uid] = message_id_of(call)  # type: ignore[assignment]
                elif kind == "press":
                    self.presses += 1
                    mid = self.last[uid]
                    await player.press(mid, f"x:{self.presses}", is_edit_of(mid), kind="press")
                else:
                    name, data = payload
                    await player.upload(data, name, lambda _: sent_document(uid), kind="document")

        await asyncio.gather(*(one(uid, wires) for uid, wires in script.items()))

    async def settle(self) -> None:
        await self.tap.quiet(0.3, within=30)


# -- rounds -----------------------------------------------------------------------------------


class PaperLog:
    """The lines sop_worker.py appends for every paper: kind, case, CPU seconds, files."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def since_last(self) -> list[tuple[str, float, float]]:
        """(kind, CPU seconds, of which the read of the case on a database thread)."""
        with self.path.open() as handle:
            handle.seek(self.offset)
            text = handle.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete.encode())
        papers = []
        for line in complete.splitlines():
            kind, _, cpu, _, *reads = line.split()
            papers.append((kind, float(cpu), float(reads[0]) if reads else 0.0))
        return papers


async def measure(
    side: Any, bot: BotProcess, play: Any, papers: PaperLog | None
) -> tuple[RoundResult, Any]:
    tap: Tap = side.tap
    await side.settle()
    if papers is not None:
        papers.since_last()
    me = psutil.Process()
    driver0 = sum(me.cpu_times()[:2])
    n0 = len(tap.emu.calls)
    cpu0, loop0 = bot.cpu(), bot.loop_cpu()
    t0 = time.monotonic()
    script = await play()
    await side.settle()
    cpu1, loop1 = bot.cpu(), bot.loop_cpu()
    t1 = time.monotonic()
    players = list(side.players.values()) if isinstance(side.players, dict) else side.players
    samples = [s for p in players for s in p.samples]
    timeouts = sum(p.timeouts for p in players)
    for s in samples:
        s.arrival = tap.arrival.get(s.key)
    last = max((s.end for s in samples if s.end is not None), default=t1)
    window = list(tap.emu.calls)[n0:]
    logged = papers.since_last() if papers is not None else []
    made = [(kind, cpu) for kind, cpu, _ in logged if not kind.startswith("chart:")]
    paper_reads = sum(read for kind, _, read in logged if not kind.startswith("chart:"))
    drawn = [cpu for kind, cpu, _ in logged if kind.startswith("chart:")]
    result = RoundResult(
        side=side.name,
        updates=len(samples) + timeouts,
        wall=last - t0,
        cpu=cpu1 - cpu0,
        loop_cpu=loop1 - loop0,
        paper_cpu=sum(cpu for _, cpu in made),
        paper_read_cpu=paper_reads,
        chart_cpu=sum(drawn),
        papers=made,
        charts=drawn,
        calls=sum(1 for c in window if c.method != "getUpdates"),
        requests=len(window),
        latencies=[s.latency for s in samples if s.latency is not None],
        kinds=Counter(s.kind for s in samples),
        timeouts=timeouts,
        driver_cpu=(sum(me.cpu_times()[:2]) - driver0) / max(1e-9, t1 - t0),
    )
    if isinstance(side, Bureau):
        timed = [(s.latency, s.kind, p.user.id) for p in players for s in p.samples if s.latency]
        for latency, kind, uid in sorted(timed, reverse=True)[:3]:
            note(f"slow answer: {kind} by {uid}: {latency * 1000:.0f} ms")
        result.handoffs, result.handoffs_missing = side.handoffs(window)
        result.lost = await side.lost_tasks()
    note(f"{side.name} calls: {dict(Counter(c.method for c in window))}")
    return result, script


def describe(r: RoundResult) -> str:
    lat = [x * 1000 for x in r.latencies]
    text = (
        f"{r.side:>6}: {r.updates} updates in {r.wall:.1f} s; CPU {r.cpu * 1000:.0f} ms "
        f"= {r.total_ms:.2f} ms/update, event loop {1000 * r.loop_cpu / r.updates:.2f}"
    )
    if r.papers or r.charts:
        text += (
            f" (papers {r.paper_cpu * 1000:.0f} ms for {len(r.papers)}, interactive "
            f"{r.interactive_ms:.2f} ms/update, of which charts {r.chart_cpu * 1000:.0f} ms "
            f"for {len(r.charts)})"
        )
    text += (
        f"; {r.calls / r.updates:.2f} calls/update; latency p50 {percentile(lat, 50):.0f} ms "
        f"p99 {percentile(lat, 99):.0f} ms; driver CPU {100 * r.driver_cpu:.0f} %"
    )
    if r.handoffs:
        hand = [x * 1000 for x, _ in r.handoffs]
        text += (
            f"; {len(hand)} hand-offs p50 {percentile(hand, 50):.0f} ms p99 "
            f"{percentile(hand, 99):.0f} ms"
        )
    if r.timeouts:
        text += f"; {r.timeouts} unanswered"
    return text + f"\n        mix: {dict(r.kinds)}"


def spy(py_spy: str, bot: BotProcess, out: Path) -> subprocess.Popen[bytes]:
    """Sample a bot with py-spy (raw collapsed stacks, native frames: uvloop's waits are
    told from its work) until SIGINT. Native sampling stops the process for each sample:
    the round's CPU figures of a profiled run are not comparable with others."""
    assert bot.proc is not None
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(bot.proc.pid),
            "--format",
            "raw",
            "-o",
            str(out),
            "--rate",
            "250",
            "--native",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def sop_worker(emu: BotApiEmulator, out: Path, staff: int, *extra: str) -> list[str]:
    return [
        "bench/sop_worker.py",
        "--base-url",
        emu.base_url,
        "--out",
        str(out),
        "--staff",
        str(staff),
        *extra,
    ]


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-updates-"))
    out = work / "sopbot"
    emu = BotApiEmulator(token=TOKEN, bot_username="sopbot_bench_bot")
    echo_emu = BotApiEmulator(token=TOKEN, bot_username="echo_bench_bot")
    await emu.start()
    await echo_emu.start()
    tap, echo_tap = Tap(emu), Tap(echo_emu)
    bureau = Bureau(emu, tap, out / "sopbot.sqlite3", args)
    echo = EchoSide(echo_emu, echo_tap, [o.uid for o in bureau.officials])
    paper_log = PaperLog(work / "papers.log")
    engine = ["--database", args.database] if args.database else []
    # 1. the cases put in flight, by a bot whose flood limits are raised
    setup_bot = BotProcess(
        sop_worker(emu, out, args.staff, *engine, "--flood-limits", "raised"), work / "setup.log"
    )
    setup_bot.start()
    bots = [setup_bot]
    try:
        await wait_polling(tap, setup_bot, 0)
        await bureau.start()
        await bureau.run(args.setup_seconds, 0.0, statuses=False)
        await bureau.settle()
        await setup_bot.stop()
        in_flight = await bureau.open_cases()
        steps = Counter(c.step for c in in_flight.values())
        note(
            f"set up in {time.monotonic() - started:.0f} s: {len(in_flight)} cases open "
            f"by step {dict(sorted(steps.items()))}, {bureau.opened} opened"
        )
        # 2. the measured bots: sopbot with production settings, and the echo bot
        since = len(emu.calls)
        threads = work / "threads.json"
        sop_bot = BotProcess(
            sop_worker(
                emu,
                out,
                args.staff,
                *engine,
                "--paper-log",
                str(paper_log.path),
                "--thread-log",
                str(threads),
                *args.worker_args,
            ),
            work / "sopbot.log",
        )
        sop_bot.start()
        echo_bot = BotProcess(
            ["bench/echo_bot.py", "--base-url", echo_emu.base_url, "--token", TOKEN],
            work / "echo.log",
        )
        echo_bot.start()
        bots += [sop_bot, echo_bot]
        await wait_polling(tap, sop_bot, since)
        await wait_polling(echo_tap, echo_bot, 0)
        await echo.start()
        # the first seconds after start hold start-up work done in the background (the
        # drawing thread's fonts, the first sweep): measured apart from the steady idle
        start_tail = await idle_cpu(sop_bot)
        await asyncio.sleep(IDLE_SETTLE)
        idle = {
            "sopbot": await idle_cpu(sop_bot, 5.0),
            "echo": await idle_cpu(echo_bot, 5.0),
            "start": start_tail,
        }

        async def round_pair(seconds: float) -> tuple[RoundResult, RoundResult]:
            ours, script = await measure(
                bureau, sop_bot, lambda: bureau.run(seconds, args.period, statuses=True), paper_log
            )
            theirs, _ = await measure(echo, echo_bot, lambda: echo.replay(script), None)
            return ours, theirs

        warm = await round_pair(args.warmup_seconds)
        note(f"warm-up {describe(warm[0])}\nwarm-up {describe(warm[1])}")
        threads_before = await thread_cpu(threads)
        spies = []
        if args.py_spy:
            spies = [
                (spy(args.py_spy, b, work / f"pyspy-{n}.txt"), work / f"pyspy-{n}.txt")
                for n, b in (("sopbot", sop_bot), ("echo", echo_bot))
            ]
        pairs = []
        for n in range(args.rounds):
            pair = await round_pair(args.seconds)
            pairs.append(pair)
            note(f"round {n + 1} {describe(pair[0])}\nround {n + 1} {describe(pair[1])}")
        threads_after = await thread_cpu(threads)
        for proc, path in spies:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
            note(f"py-spy, {path}:\n{summarise(str(path), 12)}")
    finally:
        for b in bots:
            await b.stop()
        await emu.stop()
        await echo_emu.stop()
    await bureau.close()
    report(pairs, bureau, args, idle)
    updates = sum(ours.updates for ours, _ in pairs)
    report_threads(threads_before, threads_after, updates, "pg_" if args.database else "")
    note(f"bench_updates took {time.monotonic() - started:.0f} s ({work})")


async def thread_cpu(path: Path) -> dict[str, float]:
    """The measured bot's CPU seconds by thread, as its worker last wrote them (every
    five seconds, ``sop_worker.THREAD_LOG_EVERY``: this waits for a fresh copy)."""
    await asyncio.sleep(5.2)

    def read() -> dict[str, float]:
        return dict(json.loads(path.read_text())) if path.exists() else {}

    return await asyncio.to_thread(read)


def report_threads(
    before: dict[str, float], after: dict[str, float], updates: int, prefix: str
) -> None:
    """Where sopbot's CPU per update goes over the measured rounds, thread by thread: the
    event loop (MainThread), the database's writer and readers, the drawing thread of the
    /status pictures, and asyncio's pool (the papers, files, multipart bodies)."""
    if not after or not updates:
        return
    spent = {
        name: round(1000 * (cpu - before.get(name, 0.0)) / updates, 3)
        for name, cpu in sorted(after.items())
        if not name.startswith("bench-")
    }
    harness.emit(
        prefix + "updates_cpu_by_thread_sopbot",
        spent.get("MainThread", 0.0),
        "ms",
        None,
        threads=spent,
        note="ms per update by thread, papers included (asyncio pool)",
    )


IDLE_SETTLE = 10.0  # s after the bot's start before its idle CPU is read


async def idle_cpu(bot: BotProcess, seconds: float = 3.0) -> float:
    """The bot's CPU per second when nothing happens (polling, timers), in ms."""
    cpu0 = bot.cpu()
    await asyncio.sleep(seconds)
    return 1000 * (bot.cpu() - cpu0) / seconds


def spread(values: list[float]) -> dict[str, Any]:
    return {"min": round(min(values), 3), "max": round(max(values), 3)}


def report(
    pairs: list[tuple[RoundResult, RoundResult]],
    bureau: Bureau,
    args: argparse.Namespace,
    idle: dict[str, float],
) -> None:
    engine = "pg_" if args.database else ""  # the figures on PostgreSQL: named apart

    def emit(name: str, *rest: Any, **extra: Any) -> None:
        harness.emit(engine + name, *rest, **extra)

    ours = [o for o, _ in pairs]
    theirs = [e for _, e in pairs]
    kinds: Counter[str] = Counter()
    for r in ours:
        kinds.update(r.kinds)
    updates = sum(kinds.values())
    shares = {k: round(kinds[k] / updates, 3) for k in KINDS}
    work_share = sum(kinds[k] for k in WORK) / updates
    load = {
        "officials": len(bureau.officials),
        "cases_in_flight": args.cases,
        "rounds": len(pairs),
        "round_s": args.seconds,
        "period_s": args.period,
        "updates_per_round": [r.updates for r in ours],
        "flood_limits": "production (30/s overall, 1/s per private chat)",
        "worker_args": args.worker_args,
    }
    emit("updates_work_share", work_share, "x", 0.30, "higher", mix=shares, **load)
    interactive = [r.interactive_ms for r in ours]
    echo = [r.total_ms for r in theirs]
    emit(
        "updates_cpu_interactive_sopbot",
        statistics.median(interactive),
        "ms",
        None,
        **spread(interactive),
    )
    emit("updates_cpu_echo", statistics.median(echo), "ms", None, **spread(echo))
    ratios = [o.interactive_ms / e.total_ms for o, e in pairs]
    emit(
        "updates_cpu_ratio_sopbot_to_echo",
        statistics.median(ratios),
        "x",
        1.0,
        rounds=[round(x, 2) for x in ratios],
        **spread(ratios),
        counts="interactive CPU (papers apart)",
    )
    per_request = [(o.interactive_per_request_ms, e.interactive_per_request_ms) for o, e in pairs]
    request_ratios = [o / e for o, e in per_request]
    emit(
        "updates_cpu_per_request_ratio",
        statistics.median(request_ratios),
        "x",
        None,
        rounds=[round(x, 2) for x in request_ratios],
        **spread(request_ratios),
        sopbot_ms=round(statistics.median(o for o, _ in per_request), 3),
        echo_ms=round(statistics.median(e for _, e in per_request), 3),
        counts="interactive CPU per Bot API request, getUpdates included",
    )
    bare = [r.without_charts_ms for r in ours]
    bare_ratios = [o.without_charts_ms / e.total_ms for o, e in pairs]
    emit(
        "updates_cpu_ratio_without_status_charts",
        statistics.median(bare_ratios),
        "x",
        None,
        sopbot_ms=round(statistics.median(bare), 3),
        **spread(bare_ratios),
    )
    emit(
        "updates_cpu_event_loop_sopbot",
        statistics.median(1000 * r.loop_cpu / r.updates for r in ours),
        "ms",
        None,
        echo=round(statistics.median(1000 * r.loop_cpu / r.updates for r in theirs), 3),
        other_threads="database, files, multipart bodies, charts, papers",
    )
    drawn = [ms * 1000 for r in ours for ms in r.charts]
    if drawn:
        emit(
            "updates_status_chart_cpu_p50",
            statistics.median(drawn),
            "ms",
            None,
            charts=len(drawn),
            max=round(max(drawn), 1),
            per_update_ms=round(statistics.median(1000 * r.chart_cpu / r.updates for r in ours), 3),
        )
    total = [r.total_ms for r in ours]
    emit("updates_cpu_with_papers_sopbot", statistics.median(total), "ms", None, **spread(total))
    total_ratios = [o.total_ms / e.total_ms for o, e in pairs]
    emit(
        "updates_cpu_ratio_with_papers",
        statistics.median(total_ratios),
        "x",
        None,
        **spread(total_ratios),
    )
    made = [(kind, cpu * 1000) for r in ours for kind, cpu in r.papers]
    docs = [ms for kind, ms in made if kind != "dokumentasi"]
    bundles = [ms for kind, ms in made if kind == "dokumentasi"]
    if docs:
        emit(
            "updates_paper_cpu_p50",
            statistics.median(docs),
            "ms",
            100,
            papers=len(docs),
            by_kind=dict(Counter(k for k, _ in made)),
        )
        emit("updates_paper_cpu_max", max(docs), "ms", 100)
    if bundles:
        emit("updates_dokumentasi_bundle_cpu_max", max(bundles), "ms", 1000, bundles=len(bundles))
    emit(
        "updates_paper_cpu_per_update",
        statistics.median(1000 * r.paper_cpu / r.updates for r in ours),
        "ms",
        None,
        of_which_reads=round(
            statistics.median(1000 * r.paper_read_cpu / r.updates for r in ours), 3
        ),
        reads="each paper's read of its case on a database thread (counted as paper CPU)",
    )
    hand = [(x * 1000, ahead) for r in ours for x, ahead in r.handoffs]
    missing = sum(r.handoffs_missing for r in ours)
    all_ms = [x for x, _ in hand]
    quiet = [x for x, ahead in hand if ahead == 0]
    emit("updates_handoff_p50", percentile(all_ms, 50), "ms", None, handoffs=len(hand))
    emit(
        "updates_handoff_p99",
        percentile(all_ms, 99),
        "ms",
        None,
        missing=missing,
        flood_limits="production",
        queued_ahead_p50=percentile([a for _, a in hand], 50),
        queued_ahead_max=max((a for _, a in hand), default=0),
    )
    emit(
        "updates_handoff_uncontended_p50",
        percentile(quiet, 50),
        "ms",
        None,
        handoffs=len(quiet),
        meaning="no other message to that chat from 3 s before the move until the hand-off",
    )
    emit("updates_handoff_uncontended_p99", percentile(quiet, 99), "ms", None)
    lat = [x * 1000 for r in ours for x in r.latencies]
    lat_echo = [x * 1000 for r in theirs for x in r.latencies]
    emit("updates_latency_p50_sopbot", percentile(lat, 50), "ms", None)
    emit("updates_latency_p99_sopbot", percentile(lat, 99), "ms", None)
    emit("updates_latency_p50_echo", percentile(lat_echo, 50), "ms", None)
    emit("updates_latency_p99_echo", percentile(lat_echo, 99), "ms", None)
    emit(
        "updates_calls_per_update_sopbot",
        statistics.median(r.calls / r.updates for r in ours),
        "calls",
        None,
    )
    emit(
        "updates_calls_per_update_echo",
        statistics.median(r.calls / r.updates for r in theirs),
        "calls",
        None,
    )
    emit(
        "updates_idle_cpu_sopbot",
        idle["sopbot"],
        "ms/s",
        None,
        echo=round(idle["echo"], 3),
        note=f"{IDLE_SETTLE:.0f} s after start; the 3 s right after it: {idle['start']:.1f} ms/s",
    )
    lost = sum(r.lost for r in ours) + missing
    emit(
        "updates_task_messages_lost",
        lost,
        "msgs",
        0,
        unanswered=sum(r.timeouts for r in (*ours, *theirs)),
        stuck=bureau.stuck,
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=5, help="measured rounds of each bot")
    p.add_argument("--seconds", type=float, default=20.0, help="length of a round of the day")
    p.add_argument("--warmup-seconds", type=float, default=8.0)
    p.add_argument("--setup-seconds", type=float, default=25.0)
    p.add_argument(
        "--period", type=float, default=0.5, help="seconds between one official's actions"
    )
    p.add_argument("--cases", type=int, default=24, help="cases in flight")
    p.add_argument(
        "--staff", type=int, default=4, help="drafting team members besides Ayu and Rudi"
    )
    p.add_argument(
        "--return-share", type=float, default=0.3, help="first visits of a review that return"
    )
    p.add_argument("--tugas-every", type=int, default=3, help="/tugas before every n-th task")
    p.add_argument("--status-every", type=float, default=12.0, help="seconds idle between /status")
    p.add_argument(
        "--database",
        metavar="URL",
        help="run the bot on this PostgreSQL database (an empty one) instead of a SQLite file",
    )
    p.add_argument("--py-spy", metavar="PATH", help="profile both bots in the measured rounds")
    p.add_argument(
        "--worker-arg",
        dest="worker_args",
        action="append",
        default=[],
        help="extra argument for the measured bench/sop_worker.py (repeatable; named in the output)",
    )
    asyncio.run(main(p.parse_args()))
