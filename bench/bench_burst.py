"""A burst of reminders under Telegram's flood limits, with people using the bot meanwhile.

``--count`` open cases (default 5,000) are written into the database, each in a unit of
its own whose Kasubag holds it at step 1 (``--per-person`` cases per Kasubag, default 2, so
2,500 distinct recipients); every recipient has started the bot. Their steps fell due the
previous working day. The bot (``bench/sop_worker.py``: production settings; its one flood
limiter, bot.ratelimit, at 30 messages/s overall and 1/s per private chat) runs in its own
process with a clock that starts on a Tuesday 09.00 WIB and runs in real time; its reminder
job sweeps once, a second after start, as in production. The emulator enforces Telegram's
limits (``RateLimits()``: 30/s overall, 1/s per chat with a burst of 3; 429 with
retry_after beyond).

Meanwhile Karo and Kasubag of the bureau ask ``/status`` and Kabag presses a button
(*Kembalikan* on a case waiting for him: answered at once, then the question on the pressed
message) and cancels with ``/batal``, each every ``--probe-every`` seconds.

Figures: the delivered rate of the reminders, (n - 1) / (last - first delivery), as a
fraction of Telegram's 30/s; messages lost (outbox rows not sent, recipients without their
reminder); p50/p99 from a person's action (posted) to the bot's answer (the first message
of the reply: for ``/status`` the timeline picture, whose text follows a second later at
Telegram's one message a second in a private chat; answerCallbackQuery for the button);
429s met; the bot's CPU time over the burst.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import insert_cases
from harness import (
    BotProcess,
    Player,
    Tap,
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

from bot.app import load_sops
from bot.core.model import Actor, AttachFile, CompleteStep, StartCase
from bot.core.workflow import apply_all, decide
from bot.demo import OFFICIALS, TOKEN, world_config
from emulator import ApiCall, BotApiEmulator, RateLimits
from storage.codec import CASE_FORMAT, case_to_json, event_row, ts
from storage.db import Database, Tx

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 7, 7, 9, 0, tzinfo=JAKARTA)  # a Tuesday, office hours
ENTERED = datetime(2026, 7, 6, 8, 0, tzinfo=JAKARTA)  # the 240-minute norm ran out at 12.00
PERSON_BASE = 100_000
ID = {p.key: p.telegram_id for p in OFFICIALS}
REMINDER = re.compile(r"⏰ <b>Pengingat ke-\d+</b>")
CASE_RE = re.compile(r"Berkas #(\d+)")


async def populate(db_path: Path, count: int, per_person: int) -> tuple[dict[int, int], int, str]:
    """The burst's cases (case id -> recipient) and a case of the bureau at Kabag's review."""
    config = world_config(db_path.parent, "http://127.0.0.1:9")
    sop = load_sops(config).default
    unit = config.organisation.unit
    kasubag = Actor(ID["kasubag"], frozenset({"kasubag"}))
    start = decide(sop, None, StartCase(1, sop.code, "u", "Usulan", 2027), kasubag, ENTERED)
    template = apply_all(sop, None, start)
    holder_of: dict[int, int] = {}
    people: list[tuple[object, ...]] = []
    roles: list[tuple[object, ...]] = []
    cases: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    created = ts(ENTERED - timedelta(days=30))
    due = ts(ENTERED.replace(hour=12))
    for i in range(1, count + 1):
        person = PERSON_BASE + (i - 1) // per_person
        if (i - 1) % per_person == 0:
            people.append((person, f"Kasubag Unit {person - PERSON_BASE:05d}", created))
        unit_i = f"unit-{i:05d}"
        roles.append((person, "kasubag", unit_i, created))
        case = replace(template, id=i, unit=unit_i, title=f"Program Kerja {unit_i}")
        cases.append(
            (
                i,
                case.sop_code,
                case.unit,
                case.title,
                case.fiscal_year,
                "open",
                case.step,
                case.version,
                "kasubag",
                ts(case.opened_at),
                ts(case.step_entered_at),
                None,
                case_to_json(case),
                due,
                CASE_FORMAT,
                case.revision,
            )
        )
        events += [event_row(replace(e, case_id=i), seq) for seq, e in enumerate(start, 1)]
        holder_of[i] = person
    # a case of the bureau waiting for Kabag at step 2 (the button Kabag presses)
    c0 = count + 1
    ev = decide(
        sop, None, StartCase(c0, sop.code, unit, "Program Kerja Biro 2027", 2027), kasubag, ENTERED
    )
    case = apply_all(sop, None, ev)
    log = list(ev)
    for doc in ("konsep_rencana_kerja", "tor"):
        step_ev = decide(
            sop, case, AttachFile(case.version, doc, 1, "ab" * 32, f"{doc}.docx"), kasubag, ENTERED
        )
        log += step_ev
        case = apply_all(sop, case, step_ev)
    step_ev = decide(sop, case, CompleteStep(case.version), kasubag, ENTERED)
    log += step_ev
    case = apply_all(sop, case, step_ev)
    cases.append(
        (
            c0,
            case.sop_code,
            case.unit,
            case.title,
            case.fiscal_year,
            "open",
            case.step,
            case.version,
            "kabag",
            ts(case.opened_at),
            ts(case.step_entered_at),
            None,
            case_to_json(case),
            None,
            CASE_FORMAT,
            case.revision,
        )
    )
    events += [event_row(replace(e, case_id=c0), seq) for seq, e in enumerate(log, 1)]
    button = f"r:{c0}:{case.step}:{case.version}:k"

    def write(tx: Tx) -> None:
        tx.many(
            "INSERT INTO people (telegram_id, name, started_bot, created_at) VALUES (?, ?, 1, ?)",
            people,
        )
        tx.many(
            "INSERT INTO role_assignments (person_id, role, unit, granted_at) VALUES (?, ?, ?, ?)",
            roles,
        )
        insert_cases(tx, cases, events)

    db = await Database.open(db_path)
    try:
        await db.write(write)
    finally:
        await db.close()
    return holder_of, c0, button


def is_photo_to(chat_id: int) -> Any:
    return lambda call: call.method == "sendPhoto" and call.params.get("chat_id") == chat_id


def outbox_state(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT SUM(sent_at IS NULL AND failed_at IS NULL), SUM(failed_at IS NOT NULL), "
            "COUNT(*) FROM outbox"
        ).fetchone()
        return {"pending": int(row[0] or 0), "failed": int(row[1] or 0), "rows": int(row[2])}
    finally:
        conn.close()


class Probes:
    """Officials of the bureau using the bot during the burst."""

    def __init__(self, tap: Tap, emu: BotApiEmulator, c0: int, button: str, every: float) -> None:
        self.tap, self.c0, self.button, self.every = tap, c0, button, every
        self.karo = Player(tap, emu.user(ID["karo"], "Hendra", username="karo"))
        self.kasubag = Player(tap, emu.user(ID["kasubag"], "Siti", username="kasubag"))
        self.kabag = Player(tap, emu.user(ID["kabag"], "Budi", username="kabag"))
        self.players = [self.karo, self.kasubag, self.kabag]
        self.stop = asyncio.Event()
        self.unanswered = 0

    async def _pace(self, since: float) -> None:
        wait = self.every - (time.monotonic() - since)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), wait)

    async def _status(self, player: Player, case: int) -> None:
        while not self.stop.is_set():
            t = time.monotonic()
            uid = player.user.id
            first = either(is_send_to(uid), is_photo_to(uid))  # the timeline, then the text
            if await player.send(f"/status {case}", first, within=10) is None:
                self.unanswered += 1
            await self._pace(t)

    async def _kabag(self) -> None:
        p = self.kabag
        uid = p.user.id
        welcome = await p.send("/bantuan", is_send_to(uid), kind="setup", within=30)
        assert welcome is not None, "Kabag got no answer to /bantuan"
        target = message_id_of(welcome)
        assert target is not None, "the answer to /bantuan has no message_id"
        p.samples.clear()
        while not self.stop.is_set():
            t = time.monotonic()
            answer = await p.press(
                target, self.button, lambda c: c.method == "answerCallbackQuery", within=10
            )
            if answer is None:
                self.unanswered += 1
            else:
                # the question follows, on the pressed message; then Kabag changes his mind
                await self._next(p, either(is_edit_of(target), is_alert()))
            await self._pace(t)
            if self.stop.is_set():
                break
            t = time.monotonic()
            if await p.send("/batal", is_send_to(uid), within=10) is None:
                self.unanswered += 1
            await self._pace(t)

    async def _next(self, p: Player, done: object) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                call = await p.next_call(deadline - time.monotonic())
            except TimeoutError:
                return
            if done(call):  # type: ignore[operator]
                return

    async def run(self, some_case: int) -> None:
        await asyncio.gather(
            self._status(self.karo, self.c0), self._status(self.kasubag, some_case), self._kabag()
        )

    def by_kind(self) -> dict[str, str]:
        kinds: dict[str, list[float]] = {}
        for p in self.players:
            for s in p.samples:
                if s.end is not None:
                    kinds.setdefault(s.kind, []).append((s.end - s.posted) * 1000)
        return {
            k: f"p50 {percentile(v, 50):.0f} ms, p99 {percentile(v, 99):.0f} ms ({len(v)})"
            for k, v in kinds.items()
        }

    def latencies(self) -> list[float]:
        return [s.end - s.posted for p in self.players for s in p.samples if s.end is not None]


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    db_path = work / "sopbot.sqlite3"
    holder_of, c0, button = await populate(db_path, args.count, args.per_person)
    note(
        f"{args.count} due cases for {len(set(holder_of.values()))} people written in "
        f"{time.monotonic() - started:.1f} s ({work})"
    )

    emu = BotApiEmulator(token=TOKEN, bot_username="sopbot_bench_bot")
    limits = RateLimits()
    emu.rate_limits = limits
    await emu.start()
    tap = Tap(emu)
    for person in sorted(set(holder_of.values())):
        emu.user(person, f"Kasubag {person - PERSON_BASE}").record.started = True
    reminders: list[ApiCall] = []
    floods: list[ApiCall] = []

    def watch(call: ApiCall) -> None:
        if call.status == 429:
            floods.append(call)
        elif (
            call.method == "sendMessage"
            and call.status == 200
            and REMINDER.match(str(call.params.get("text", "")))
        ):
            reminders.append(call)

    tap.listeners.append(watch)
    probes = Probes(tap, emu, c0, button, args.probe_every)
    bot = BotProcess(
        [
            "bench/sop_worker.py",
            "--base-url",
            emu.base_url,
            "--out",
            str(work),
            "--sender",
            "prod",
            "--clock-start",
            NOW.isoformat(),
            "--reminders-every",
            "3600",
            *args.worker_args,
        ],
        work / "bot.log",
    )
    bot.start()
    try:
        await wait_polling(tap, bot, 0)
        ready = time.monotonic()
        cpu0 = bot.cpu()
        probing = asyncio.create_task(probes.run(some_case=1))
        expected = len(holder_of)
        deadline = ready + args.count / 20 + 120
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            if len(reminders) >= expected and outbox_state(db_path)["pending"] == 0:
                break
            if not bot.alive():
                raise RuntimeError(f"the bot ended:\n{bot.tail()}")
        done = time.monotonic()
        probes.stop.set()
        await probing
        cpu = bot.cpu() - cpu0
        rss = bot.rss_mb()
    finally:
        await bot.stop()
        await emu.stop()

    delivered = Counter(
        (int(c.params["chat_id"]), int(CASE_RE.search(str(c.params["text"]))[1]))  # type: ignore[index]
        for c in reminders
    )
    wanted = {(holder, case) for case, holder in holder_of.items()}
    missing = wanted - set(delivered)
    twice = sum(n - 1 for n in delivered.values() if n > 1)
    state = outbox_state(db_path)
    times = sorted(c.finished for c in reminders)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    lat = [x * 1000 for x in probes.latencies()]
    note(
        f"{len(reminders)} reminders delivered ({len(delivered)} distinct) in "
        f"{times[-1] - times[0] if times else 0:.1f} s; first {times[0] - ready if times else 0:.1f} s "
        f"after start; outbox {state}; {len(floods)} x 429 "
        f"({Counter(c.method for c in floods)}; to probes: {sum(c.params.get('chat_id') in ID.values() for c in floods)}; {[c.response.get('description') for c in floods[:3]] if floods else ''}); probes: {len(lat)} answered, "
        f"{probes.unanswered} unanswered, max {max(lat, default=0):.0f} ms; bot CPU {cpu:.1f} s, "
        f"RSS {rss:.0f} MB; all done {done - ready:.1f} s after start; answers by kind "
        f"{probes.by_kind()}"
    )
    lost = len(missing) + state["pending"] + state["failed"]
    emit(
        "burst_reminders",
        len(wanted),
        "msgs",
        None,
        "higher",
        recipients=len(set(holder_of.values())),
    )
    emit(
        "burst_rate_fraction_of_limit",
        rate / limits.global_rate,
        "x",
        0.9,
        "higher",
        delivered_per_s=round(rate, 2),
        limit_per_s=limits.global_rate,
    )
    emit("burst_delivered_per_s", rate, "/s", None, "higher")
    emit(
        "burst_lost",
        lost,
        "msgs",
        0,
        missing_recipients=len(missing),
        outbox_pending=state["pending"],
        outbox_failed=state["failed"],
        duplicates=twice,
    )
    emit("burst_interactive_p50", percentile(lat, 50), "ms", None)
    emit(
        "burst_interactive_p99",
        percentile(lat, 99),
        "ms",
        1000,
        answered=len(lat),
        unanswered=probes.unanswered,
    )
    emit("burst_429s", len(floods), "calls", None)
    emit("burst_bot_cpu", cpu, "s", None)
    note(f"bench_burst took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--count", type=int, default=5000)
    p.add_argument("--per-person", type=int, default=2)
    p.add_argument(
        "--probe-every",
        type=float,
        default=2.5,
        help="seconds between one person's actions (/status is two messages: at least 2)",
    )
    p.add_argument("--worker-arg", dest="worker_args", action="append", default=[])
    asyncio.run(main(p.parse_args()))
