"""Per-update cost of the bot against a stock echo bot, under the same users and load.

The driver process runs the Bot API emulator (127.0.0.1) and the scripted users; each bot
runs in a process of its own (``bench/sop_worker.py``: the real application as ``sopbot run``
builds it; ``bench/echo_bot.py``: stock python-telegram-bot), so its CPU time (user + sys,
all threads, psutil) is its own. Rounds alternate sopbot / echo (``--rounds`` each).

The load (identical in users, kinds and counts for both bots; closed loop, no think time:
each user posts its next action as soon as the bot's last direct answer to the previous one
has arrived):

* officials drive ``--cases`` cases at once, half of them round Kasubag -> Kabag -> back
  (Kasubag presses *Ajukan*; Kabag presses *Kembalikan* and types the reason), half round
  Kabag -> Karo -> back (Kabag presses *Setujui*; Karo returns with a reason): ``--cycles``
  of each per round; every transition writes events, renders a Lembar Pemeriksaan (.docx),
  and the outbox sends the next holder the task and its documents;
* ``--staff`` members of the drafting team (plus Tim 1, Tim 2, Fungsional Umum) ask
  ``/status <case>`` and ``/tugas``, ``--asks`` times each per round.

The echo bot gets the same users posting the same sequence of kinds (texts; presses of a
button on its last message).

Figures: bot CPU per update = CPU seconds of the bot process from the round's first post
until its outbox is drained and the emulator quiet, divided by the updates posted;
updates/s = updates / (last answer - first post); latency = from the update's arrival
(``getUpdates`` returned it) to the end of the bot's last direct Bot API call answering it
in that user's chat (the edit of a pressed task, the prompt, the reply). Deliveries the
outbox makes to *other* chats (the next official's task) are the hand-off, reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sqlite3
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
from harness import (
    BotProcess,
    Player,
    Tap,
    buttons_of,
    either,
    emit,
    is_alert,
    is_edit_of,
    is_send_to,
    message_id_of,
    note,
    percentile,
    wait_polling,
)
from profile_summary import summarise
from sop_worker import STAFF_BASE

from bot.demo import OFFICIALS, TOKEN, draft
from emulator import ApiCall, BotApiEmulator

ID = {p.key: p.telegram_id for p in OFFICIALS}
CASE_RE = re.compile(r"Berkas #(\d+)")
LOST_CHECK = 0.5  # waiting this long for a task: look whether the outbox dropped it


@dataclass
class RoundResult:
    side: str
    updates: int
    wall: float  # first post .. last answer
    cpu: float  # bot CPU seconds over the round and its settling
    calls: int  # Bot API calls other than getUpdates
    latencies: list[float]
    handoffs: list[float] = field(default_factory=list)
    driver_cpu: float = 0.0
    timeouts: int = 0
    polls: int = 0  # getUpdates calls that returned updates

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu / self.updates

    @property
    def rate(self) -> float:
        return self.updates / self.wall


# -- sopbot side ---------------------------------------------------------------------------


class Official(Player):
    """An official with the tasks (buttons) currently on the phone, by case."""

    def __init__(self, tap: Tap, user: Any, pattern: str) -> None:
        super().__init__(tap, user)
        self.pattern = re.compile(pattern)
        self.tasks: dict[int, tuple[int, str]] = {}  # case -> (message id, callback data base)
        self.task_seen_at: dict[int, float] = {}
        self.seen = self._see

    def _see(self, call: ApiCall) -> None:
        if call.status != 200 or call.method not in ("sendMessage", "editMessageText"):
            if call.method == "editMessageReplyMarkup" and call.status == 200:
                mid = call.params.get("message_id")
                for case, (m, _) in list(self.tasks.items()):
                    if m == mid:
                        del self.tasks[case]
            return
        mid = message_id_of(call)
        found = None
        for _, data in buttons_of(call):
            match = self.pattern.match(data or "")
            if match:
                found = (int(match["case"]), match["base"])
                break
        if found:
            case, base = found
            self.tasks.pop(case, None)
            assert mid is not None
            self.tasks[case] = (mid, base)
            self.task_seen_at[case] = call.finished
        elif mid is not None:
            for case, (m, _) in list(self.tasks.items()):
                if m == mid:
                    del self.tasks[case]

    async def next_task(self, wanted: set[int] | None = None, within: float = 60.0) -> int:
        """The oldest case with my buttons (among ``wanted``), waiting for one if needed."""
        deadline = time.monotonic() + within
        while True:
            self.absorb()
            for case in self.tasks:
                if wanted is None or case in wanted:
                    return case
            await self.next_call(max(0.001, deadline - time.monotonic()))

    def recover(self, db: Path, step: int, op: str, wanted: set[int]) -> int:
        """Cases at my step whose current task the outbox marked sent without sending it
        (``message_id`` NULL: judged stale): press their button on my latest text message,
        as I could after /tugas. Returns how many (each a lost task message)."""
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute(
                "SELECT c.id, c.version FROM cases c WHERE c.step = ? AND EXISTS (SELECT 1 "
                "FROM outbox o WHERE o.case_id = c.id AND o.chat_id = ? AND o.kind = 'task' "
                "AND o.sent_at IS NOT NULL AND o.message_id IS NULL "
                "AND json_extract(o.payload, '$.version') = c.version)",
                (step, self.user.id),
            ).fetchall()
        finally:
            conn.close()
        texts = [m for m in self.user.bot_messages if m.record.text is not None]
        lost = 0
        for case, version in rows:
            if case in wanted and case not in self.tasks and texts:
                self.tasks[case] = (texts[-1].message_id, f"{op}:{case}:{step}:{version}")
                lost += 1
        return lost


class SopSide:
    name = "sopbot"

    def __init__(self, emu: BotApiEmulator, tap: Tap, staff: int) -> None:
        self.emu, self.tap = emu, tap
        self.kasubag = Official(
            tap,
            emu.user(ID["kasubag"], "Siti", username="kasubag"),
            r"(?P<base>f:(?P<case>\d+):1:\d+)$",
        )
        self.kabag = Official(
            tap,
            emu.user(ID["kabag"], "Budi", username="kabag"),
            r"(?P<base>r:(?P<case>\d+):2:\d+):[ak]$",
        )
        self.karo = Official(
            tap,
            emu.user(ID["karo"], "Hendra", username="karo"),
            r"(?P<base>r:(?P<case>\d+):3:\d+):k$",
        )
        staff_ids = [ID["tim1"], ID["tim2"], ID["fu"]] + [
            STAFF_BASE + i for i in range(1, staff + 1)
        ]
        self.staff = [Player(tap, emu.user(uid, f"Staf {uid}")) for uid in staff_ids]
        self.players: list[Player] = [self.kasubag, self.kabag, self.karo, *self.staff]
        self.cases_a: list[int] = []  # Kasubag <-> Kabag
        self.cases_b: list[int] = []  # Kabag <-> Karo
        self.moves: list[tuple[int, int, Any]] = []  # (case, actor, sample) of each transition
        self.db: Path | None = None
        self.lost_tasks = 0
        self.round = 0

    async def setup(self, cases: int) -> None:
        for player in self.players:
            await player.send("/start", is_send_to(player.user.id), kind="setup")
        k = self.kasubag
        for n in range(cases):
            await k.send("/baru", is_send_to(k.user.id, "judul"), kind="setup")
            await k.send(
                f"Program Kerja Biro uji beban {n + 1}",
                is_send_to(k.user.id, "tahun anggaran"),
                kind="setup",
            )
            created = await k.send("2027", is_send_to(k.user.id, "telah dibuat"), kind="setup")
            assert created is not None, "the case was not created"
            case = int(CASE_RE.search(str(created.params["text"]))[1])  # type: ignore[index]
            for name in ("Konsep Rencana Kerja.docx", "TOR.docx"):
                k.absorb()
                await k.user.send_document(draft(name), file_name=name, caption=f"#{case}")
                while True:
                    call = await k.next_call(30)
                    if "dicatat sebagai" in str(call.params.get("text", "")):
                        break
            (self.cases_a if n % 2 == 0 else self.cases_b).append(case)
        for case in self.cases_b:  # to Kabag, who will approve them to Karo
            mid, data = k.tasks[case]
            await k.press(mid, data, either(is_edit_of(mid), is_alert()), kind="setup")
        for case in self.cases_b:
            await self.kabag.next_task({case})
        for player in self.players:
            player.samples.clear()

    def handoff_latencies(self, calls: list[ApiCall]) -> list[float]:
        """From each move's arrival to the next holder's task (a message with buttons)."""
        tasks = [
            c for c in calls if c.method == "sendMessage" and c.status == 200 and buttons_of(c)
        ]
        found = []
        for case, actor, sample in self.moves:
            arrival = self.tap.arrival.get(sample.key)
            if arrival is None:
                continue
            mark = re.compile(rf"Berkas #{case}\b")
            for c in tasks:
                if (
                    c.finished > arrival
                    and c.params.get("chat_id") != actor
                    and mark.search(str(c.params.get("text", "")))
                ):
                    found.append(c.finished - arrival)
                    break
        return found

    async def _return(self, who: Official, case: int, reason: str) -> None:
        mid, base = who.tasks.pop(case)
        prompt = await who.press(
            mid,
            f"{base}:k",
            either(is_send_to(who.user.id, "membalas pesan ini"), is_alert()),
            kind="press",
        )
        if prompt is None or prompt.method != "sendMessage":
            return
        done = await who.send(
            reason,
            either(is_edit_of(mid), is_send_to(who.user.id, "Mohon maaf")),
            reply_to=message_id_of(prompt),
            kind="reason",
        )
        if done is not None:
            self.moves.append((case, who.user.id, who.samples[-1]))

    async def _forward(self, who: Official, case: int, data: str) -> None:
        mid, _ = who.tasks.pop(case)
        done = await who.press(mid, data, either(is_edit_of(mid), is_alert()), kind="press")
        if done is not None and done.method == "editMessageText":
            self.moves.append((case, who.user.id, who.samples[-1]))

    async def _task(self, who: Official, wanted: set[int], step: int, op: str) -> int:
        """Next case for ``who``; a task message that never came is recovered and counted."""
        deadline = time.monotonic() + 60
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{who.user.id} got no task for {sorted(wanted)} in 60 s")
            try:
                return await who.next_task(wanted, within=LOST_CHECK)
            except TimeoutError:
                assert self.db is not None
                lost = who.recover(self.db, step, op, wanted)
                self.lost_tasks += lost
                if lost:
                    note(f"{who.user.id}: {lost} task message(s) never arrived (see the outbox)")

    async def run(self, cycles: int, asks: int) -> None:
        self.round += 1
        r = self.round
        a, b = set(self.cases_a), set(self.cases_b)

        async def kasubag() -> None:
            for _ in range(cycles):
                case = await self._task(self.kasubag, a, 1, "f")
                _, base = self.kasubag.tasks[case]
                await self._forward(self.kasubag, case, base)

        async def kabag() -> None:
            returned = approved = 0
            while returned < cycles or approved < cycles:
                wanted = (a if returned < cycles else set()) | (b if approved < cycles else set())
                case = await self._task(self.kabag, wanted, 2, "r")
                if case in a:
                    returned += 1
                    await self._return(self.kabag, case, f"Lengkapi TOR (putaran {r}, {returned}).")
                else:
                    approved += 1
                    _, base = self.kabag.tasks[case]
                    await self._forward(self.kabag, case, f"{base}:a")

        async def karo() -> None:
            for i in range(cycles):
                case = await self._task(self.karo, b, 3, "r")
                await self._return(self.karo, case, f"Selaraskan dengan Renstra ({r}, {i}).")

        all_cases = self.cases_a + self.cases_b

        async def staff(player: Player, offset: int) -> None:
            uid = player.user.id
            for i in range(asks):
                case = all_cases[(offset + i) % len(all_cases)]
                await player.send(f"/status {case}", is_send_to(uid), kind="text")
                await player.send("/tugas", is_send_to(uid), kind="text")

        await asyncio.gather(
            kasubag(), kabag(), karo(), *(staff(p, n) for n, p in enumerate(self.staff))
        )


# -- echo side -----------------------------------------------------------------------------


class EchoSide:
    name = "echo"

    def __init__(self, emu: BotApiEmulator, tap: Tap, staff: int) -> None:
        self.emu, self.tap = emu, tap
        ids = [ID["kasubag"], ID["kabag"], ID["karo"], ID["tim1"], ID["tim2"], ID["fu"]]
        ids += [STAFF_BASE + i for i in range(1, staff + 1)]
        self.players = [Player(tap, emu.user(uid, f"User {uid}")) for uid in ids]
        self.last: dict[int, int] = {}  # user -> the bot's latest message (what a press targets)
        self.moves: list[Any] = []
        self.presses = 0

    async def setup(self, cases: int) -> None:
        for player in self.players:
            call = await player.send("/start", is_send_to(player.user.id), kind="setup")
            assert call is not None
            self.last[player.user.id] = message_id_of(call)  # type: ignore[assignment]
            player.samples.clear()

    async def _press(self, player: Player) -> None:
        self.presses += 1
        mid = self.last[player.user.id]
        await player.press(mid, f"x:{self.presses}", is_edit_of(mid), kind="press")

    async def _text(self, player: Player, text: str) -> None:
        call = await player.send(text, is_send_to(player.user.id), kind="text")
        if call is not None:
            self.last[player.user.id] = message_id_of(call)  # type: ignore[assignment]

    async def run(self, cycles: int, asks: int) -> None:
        kasubag, kabag, karo, *staff = self.players

        async def p_kasubag() -> None:
            for _ in range(cycles):
                await self._press(kasubag)

        async def p_kabag() -> None:
            for i in range(cycles):
                await self._press(kabag)
                await self._text(kabag, f"Lengkapi TOR ({i}).")
                await self._press(kabag)

        async def p_karo() -> None:
            for i in range(cycles):
                await self._press(karo)
                await self._text(karo, f"Selaraskan dengan Renstra ({i}).")

        async def p_staff(player: Player, offset: int) -> None:
            for i in range(asks):
                await self._text(player, f"/status {1 + (offset + i) % 8}")
                await self._text(player, "/tugas")

        await asyncio.gather(
            p_kasubag(), p_kabag(), p_karo(), *(p_staff(p, n) for n, p in enumerate(staff))
        )


# -- rounds --------------------------------------------------------------------------------


def outbox_pending(db: Path | None) -> int:
    if db is None or not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


async def settle(tap: Tap, db: Path | None, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await tap.quiet(0.3, within=deadline - time.monotonic())
        if outbox_pending(db) == 0:
            await tap.quiet(0.3, within=5)
            return
        await asyncio.sleep(0.1)
    note("the outbox did not drain in time")


async def run_round(
    side: Any, bot: BotProcess, db: Path | None, cycles: int, asks: int, period: float = 0.0
) -> RoundResult:
    tap: Tap = side.tap
    await settle(tap, db)
    start = time.monotonic()
    for n, player in enumerate(side.players):  # paced users start spread over one period
        player.samples.clear()
        player.timeouts = 0
        player.period = period
        player.next_post = start + period * n / len(side.players) if period else 0.0
    side.moves.clear()
    me = psutil.Process()
    driver0 = sum(me.cpu_times()[:2])
    n0 = len(tap.emu.calls)
    cpu0 = bot.cpu()
    t0 = time.monotonic()
    await side.run(cycles, asks)
    t1 = time.monotonic()
    await settle(tap, db)
    cpu1 = bot.cpu()
    driver1 = sum(me.cpu_times()[:2])
    samples = [s for p in side.players for s in p.samples]
    timeouts = sum(p.timeouts for p in side.players)
    for s in samples:
        s.arrival = tap.arrival.get(s.key)
    last = max((s.end for s in samples if s.end is not None), default=t1)
    window = list(tap.emu.calls)[n0:]
    calls = sum(1 for c in window if c.method != "getUpdates")
    note(f"{side.name} calls: {dict(Counter(c.method for c in window))}")
    polls = sum(
        1
        for c in window
        if c.method == "getUpdates" and isinstance(c.response, dict) and c.response.get("result")
    )
    return RoundResult(
        side=side.name,
        updates=len(samples) + timeouts,
        wall=last - t0,
        cpu=cpu1 - cpu0,
        calls=calls,
        latencies=[s.latency for s in samples if s.latency is not None],
        handoffs=side.handoff_latencies(list(tap.emu.calls)[n0:]) if side.moves else [],
        driver_cpu=(driver1 - driver0) / max(1e-9, t1 - t0),
        timeouts=timeouts,
        polls=polls,
    )


def describe(r: RoundResult) -> str:
    lat = [x * 1000 for x in r.latencies]
    return (
        f"{r.side:>16}: {r.updates} updates in {r.wall:.2f} s = {r.rate:.0f}/s; bot CPU "
        f"{r.cpu:.2f} s = {r.cpu_ms_per_update:.2f} ms/update; {r.calls / r.updates:.2f} calls/update; "
        f"{r.updates / max(1, r.polls):.1f} updates/getUpdates; "
        f"latency p50 {percentile(lat, 50):.1f} ms p99 {percentile(lat, 99):.1f} ms; "
        f"driver CPU {100 * r.driver_cpu:.0f} %; timeouts {r.timeouts}"
    )


@dataclass
class Contender:
    label: str
    side: Any
    bot: BotProcess
    db: Path | None
    results: list[RoundResult] = field(default_factory=list)


async def start_contender(
    label: str, kind: str, work: Path, staff: int, cases: int, worker_args: list[str]
) -> Contender:
    emu = BotApiEmulator(token=TOKEN, bot_username="sopbot_bench_bot")
    await emu.start()
    tap = Tap(emu)
    out = work / label
    if kind == "sop":
        args = [
            "bench/sop_worker.py",
            "--base-url",
            emu.base_url,
            "--out",
            str(out),
            "--staff",
            str(staff),
            *worker_args,
        ]
        side: Any = SopSide(emu, tap, staff)
        db: Path | None = out / "sopbot.sqlite3"
    else:
        args = ["bench/echo_bot.py", "--base-url", emu.base_url, "--token", TOKEN]
        side = EchoSide(emu, tap, staff)
        db = None
    side.name = label
    if kind == "sop":
        side.db = db
    bot = BotProcess(args, work / f"{label}.log")
    bot.start()
    await wait_polling(tap, bot, 0)
    await side.setup(cases)
    await settle(tap, db)
    return Contender(label, side, bot, db)


def spy(py_spy: str, c: Contender, work: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """Sample a bot with py-spy (raw collapsed stacks) until SIGINT."""
    assert c.bot.proc is not None
    out = work / f"pyspy-{c.label}.txt"
    proc = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(c.bot.proc.pid),
            "--format",
            "raw",
            "-o",
            str(out),
            "--rate",
            "500",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, out


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-updates-"))
    started = time.monotonic()
    sop_args = ["--sender", "fast", *args.worker_args]
    contenders = [
        await start_contender("sopbot", "sop", work, args.staff, args.cases, sop_args),
        await start_contender("echo", "echo", work, args.staff, args.cases, []),
    ]
    if args.unthrottled:
        contenders.append(
            await start_contender(
                "sopbot_no_ratelimiter",
                "sop",
                work,
                args.staff,
                args.cases,
                [*sop_args, "--no-rate-limiter"],
            )
        )
    by = {c.label: c for c in contenders}
    ours, echo = by["sopbot"], by["echo"]
    note(f"bots started and set up in {time.monotonic() - started:.1f} s ({work})")
    paced: dict[str, list[RoundResult]] = {c.label: [] for c in contenders}
    saturated: dict[str, list[RoundResult]] = {c.label: [] for c in contenders}
    try:
        for c in contenders:  # warm-up: imports, templates, connections
            await run_round(c.side, c.bot, c.db, 1, 1)
        # the same load, paced: each user acts at most once per --period seconds
        spies = [spy(args.py_spy, c, work) for c in (ours, echo)] if args.py_spy else []
        for n in range(args.rounds):
            for c in (ours, echo):
                r = await run_round(c.side, c.bot, c.db, args.cycles, args.asks, args.period)
                paced[c.label].append(r)
                note(f"paced {n + 1} {describe(r)}")
        for proc, out in spies:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
            note(f"py-spy of the paced rounds, {out}:\n{summarise(str(out), 12)}")
        # capacity: every user acts as soon as answered (closed loop, no think time)
        for c in contenders:
            rounds = args.unthrottled if c.label == "sopbot_no_ratelimiter" else 1
            for _ in range(rounds):
                r = await run_round(c.side, c.bot, c.db, args.cycles, args.asks)
                saturated[c.label].append(r)
                note(f"saturated {describe(r)}")
    finally:
        for c in contenders:
            await c.bot.stop()
            await c.side.emu.stop()

    def med(rs: list[RoundResult], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in rs)

    def lat(rs: list[RoundResult], q: float) -> float:
        return 1000 * percentile([x for r in rs for x in r.latencies], q)

    po, pe = paced["sopbot"], paced["echo"]
    load = dict(
        users=len(ours.side.players),
        updates_per_round=po[0].updates,
        rounds=args.rounds,
        period_s=args.period,
    )
    emit("updates_cpu_per_update_sopbot", med(po, "cpu_ms_per_update"), "ms", None, **load)
    emit("updates_cpu_per_update_echo", med(pe, "cpu_ms_per_update"), "ms", None)
    ratios = [o.cpu_ms_per_update / e.cpu_ms_per_update for o, e in zip(po, pe, strict=True)]
    emit(
        "updates_cpu_ratio_sopbot_to_echo",
        statistics.median(ratios),
        "x",
        1.0,
        rounds=[round(x, 2) for x in ratios],
    )
    emit("updates_latency_p50_sopbot", lat(po, 50), "ms", None)
    emit("updates_latency_p99_sopbot", lat(po, 99), "ms", None)
    emit("updates_latency_p50_echo", lat(pe, 50), "ms", None)
    emit("updates_latency_p99_echo", lat(pe, 99), "ms", None)
    hand = [x * 1000 for r in po for x in r.handoffs]
    emit("updates_handoff_p50_sopbot", percentile(hand, 50), "ms", None)
    emit("updates_handoff_p99_sopbot", percentile(hand, 99), "ms", None)
    emit(
        "updates_calls_per_update_sopbot",
        statistics.median(r.calls / r.updates for r in po),
        "calls",
        None,
    )
    emit(
        "updates_calls_per_update_echo",
        statistics.median(r.calls / r.updates for r in pe),
        "calls",
        None,
    )
    so, se = saturated["sopbot"], saturated["echo"]
    su = saturated.get("sopbot_no_ratelimiter") or so
    # Capacity: the bot's own flood limiter off (the emulator does not limit either), so
    # the figure is what the bot itself can carry; with the limiter on, Telegram's 30
    # messages/s are the ceiling by design (the next figure).
    emit(
        "updates_per_s_sopbot",
        med(su, "rate"),
        "/s",
        200,
        "higher",
        flood_limiter="off" if su is not so else "on",
        cpu_ms_per_update=round(med(su, "cpu_ms_per_update"), 2),
        latency_p50_ms=round(lat(su, 50), 1),
        latency_p99_ms=round(lat(su, 99), 1),
    )
    emit(
        "updates_per_s_sopbot_flood_limited",
        med(so, "rate"),
        "/s",
        None,
        "higher",
        limit="30 messages/s",
        cpu_ms_per_update=round(med(so, "cpu_ms_per_update"), 2),
    )
    emit(
        "updates_per_s_echo",
        med(se, "rate"),
        "/s",
        None,
        "higher",
        cpu_ms_per_update=round(med(se, "cpu_ms_per_update"), 2),
    )
    lost = sum(getattr(c.side, "lost_tasks", 0) for c in contenders)
    emit(
        "updates_task_messages_lost_sopbot",
        lost,
        "msgs",
        0,
        by_variant={
            c.label: c.side.lost_tasks for c in contenders if hasattr(c.side, "lost_tasks")
        },
    )
    timeouts = sum(r.timeouts for rs in (*paced.values(), *saturated.values()) for r in rs)
    if timeouts:
        note(f"{timeouts} actions got no answer in time (counted as updates, not in latencies)")
    note(f"bench_updates took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=3, help="paced rounds of each bot")
    p.add_argument(
        "--period", type=float, default=1.0, help="paced: seconds between one user's actions"
    )
    p.add_argument("--cases", type=int, default=8, help="cases in flight (half A, half B)")
    p.add_argument("--cycles", type=int, default=3, help="returns per round of each kind")
    p.add_argument("--staff", type=int, default=9, help="extra team members asking")
    p.add_argument("--asks", type=int, default=4, help="/status + /tugas pairs per staff member")
    p.add_argument(
        "--unthrottled",
        type=int,
        default=3,
        help="saturated rounds of sopbot without its rate limiter (0: none)",
    )
    p.add_argument("--py-spy", metavar="PATH", help="profile both bots in the paced rounds")
    p.add_argument(
        "--worker-arg",
        dest="worker_args",
        action="append",
        default=[],
        help="extra argument for bench/sop_worker.py (repeatable)",
    )
    asyncio.run(main(p.parse_args()))
