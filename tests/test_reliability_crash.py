"""Crash safety: the bot killed with SIGKILL at random points of the demo, updates that
Telegram delivers again after a stop, and a command cancelled while it runs.

The big test runs the bot as a separate process (``tests/crash_worker.py``) against the
emulator in this process, plays the officials of the demo scenario through the emulator's
user side, and kills the bot at random moments (seeded): after a random time, or the
moment the bot makes a chosen Bot API call (held by the emulator, taken into effect or
not), or while it is starting. The officials behave as people do: what they see decides
what they do (the case as the bot recorded it, the buttons in their chat, a task opened
from the /tugas list), and an action that brings no result is done again — the case
version in every button makes that safe.

In the end the log is the expected one, once each, and replays to the stored case; every
outbox row is settled and what it stands for is in its chat (a message, an album, buttons
removed, a reaction); and each official received, at least once, what the history says
they needed: every task they acted on, the documents it works on, the papers of the move
that brought it to them, the archive bundle (the archivist), the closing notice (everyone
else). Papers are written once each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

import pytest
from reliability_helpers import (
    delivery,
    emulator_chats,
    event_count,
    load_case,
    load_events,
    log_problems,
    outbox_rows,
    paper_problems,
    pending_rows,
    query,
    receipt_problems,
    sqlite_file,
    tasks_received,
)

from bot import texts as t
from bot.app import load_sops
from bot.callbacks import Op, decode
from bot.clock import SystemClock
from bot.core.model import Approve, CaseStatus, EventType
from bot.demo import (
    ADMIN_ID,
    OFFICIALS,
    RETURN_REASONS,
    TOKEN,
    Script,
    World,
    draft,
    has_button,
    world_config,
)
from emulator import BotApiEmulator, EmuEvent, EmuMessage, EmuUser
from emulator.faults import Fault, HangExecute
from storage import repo

WORKER = Path(__file__).with_name("crash_worker.py")
SEED = int(os.environ.get("SOPBOT_CRASH_SEED", "6"))
KILLS = 26  # kill points drawn over the scenario (restarts killed while starting come extra)
ACTIONS = 31  # what the officials do in the demo: each is a moment a kill may be drawn for
SCENARIO_DEADLINE = 150.0
RETRY_AFTER = 2.0  # an official who sees no result does it again after this long
CASE = 1

# What the log of the demo case must read in the end: (event type, step), once each.
EXPECTED_LOG = [
    ("started", 1), ("file_attached", 1), ("file_attached", 1), ("completed", 1),
    ("returned", 2), ("file_attached", 1), ("completed", 1), ("approved", 2),
    ("returned", 3), ("approved", 2), ("approved", 3), ("completed", 4),
    ("team_formed", 5), ("completed", 5),
    ("file_attached", 6), ("file_attached", 6), ("file_attached", 6), ("file_attached", 6),
    ("completed", 6), ("returned", 7), ("file_attached", 6), ("completed", 6),
    ("approved", 7), ("returned", 8), ("approved", 7), ("approved", 8), ("returned", 9),
    ("approved", 8), ("approved", 9), ("completed", 10), ("completed", 11), ("archived", 12),
]  # fmt: skip

# Calls the bot may be killed in the middle of (the emulator holds the call meanwhile).
KILL_CALLS = (
    "sendMessage",
    "sendDocument",
    "sendMediaGroup",
    "setMessageReaction",
    "answerCallbackQuery",
    "editMessageText",
    "editMessageReplyMarkup",
    "getFile",
    "getUpdates",
)


# -- the bot process -------------------------------------------------------------------------


class Bot(Protocol):
    """What the officials and the killer use of the bot: a ``BotProcess``, or the
    active/standby pair of the PostgreSQL failover test (``FailoverBots``)."""

    generation: int
    ready: asyncio.Event

    async def spawn(self) -> None: ...

    async def start(self) -> None: ...

    async def kill(self) -> None: ...


class BotProcess:
    def __init__(self, out: Path, base_url: str, log: IO[bytes]) -> None:
        self.out, self.base_url, self.log = out, base_url, log
        self.proc: asyncio.subprocess.Process | None = None
        self.generation = 0
        self.ready = asyncio.Event()
        self.closed = False
        self._watch: asyncio.Task[None] | None = None

    async def spawn(self) -> None:
        if self.closed:
            raise RuntimeError("the test is over: no more bot processes")
        self.generation += 1
        self.ready = asyncio.Event()
        self.log.write(f"--- bot process {self.generation} ---\n".encode())
        self.log.flush()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            str(self.out),
            self.base_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=self.log,
        )
        self._watch = asyncio.create_task(self._wait_ready(self.proc, self.ready))

    @staticmethod
    async def _wait_ready(proc: asyncio.subprocess.Process, ready: asyncio.Event) -> None:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if line.strip() == b"ready":
            ready.set()

    async def start(self) -> None:
        await self.spawn()
        await asyncio.wait_for(self.ready.wait(), 30)

    async def kill(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        if self._watch is not None:
            self._watch.cancel()
        self.proc = None

    async def close(self) -> None:
        self.closed = True
        await self.kill()


@dataclass
class KillPoint:
    mode: str  # "timer", "call", "startup"
    detail: str
    events: int  # entries in the case log when the bot died


# -- the officials -----------------------------------------------------------------------------


@dataclass
class Officials:
    """The people of the demo, acting on what they see until the log shows the result."""

    emu: BotApiEmulator
    users: dict[str, EmuUser]
    db: Path
    bot: Bot
    presses: int = 0
    sends: int = 0
    repeats: Counter[str] = field(default_factory=Counter)
    no_button_help: list[str] = field(default_factory=list)
    toggles: list[Any] = field(default_factory=list)
    opened: set[tuple[str, int, str]] = field(default_factory=set)  # /tugas entries pressed
    killer: Killer | None = None
    kill_plan: Counter[int] = field(default_factory=Counter)  # action number -> kills
    actions: int = 0
    changes: int = 0  # what the chats showed happen: bot outputs and people's actions

    def __post_init__(self) -> None:
        self.emu.on_event(self._saw)

    def _saw(self, event: EmuEvent) -> None:
        self.changes += 1

    def moment(self) -> tuple[int, int, bool]:
        """What an official can see change: the chats, and the bot coming back."""
        return self.changes, self.bot.generation, self.bot.ready.is_set()

    async def until(self, condition: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until ``condition()``, re-checked on every change in the emulator (and at
        least every 0.2 s, for what only the database shows); False after ``timeout``."""
        try:
            await self.emu.wait_until(condition, timeout=timeout)
        except TimeoutError:
            return False
        return True

    def count(self) -> int:
        return event_count(self.db, CASE) if self.case_exists() else 0

    def case_exists(self) -> bool:
        return bool(query(self.db, "SELECT 1 FROM cases WHERE id = ?", (CASE,)))

    def version(self) -> tuple[int, int]:
        case = load_case(self.db, CASE)
        assert case is not None
        return case.step, case.version

    def dialogue(self, who: str) -> tuple[str, dict[str, Any], int | None] | None:
        rows = query(self.db, "SELECT * FROM dialogues WHERE person_id = ?", (self.users[who].id,))
        if not rows:
            return None
        return rows[0]["kind"], json.loads(rows[0]["data"]), rows[0]["version"]

    def team(self) -> tuple[int, ...]:
        case = load_case(self.db, CASE)
        return case.team if case else ()

    def observe(self, who: str) -> tuple[int, Any]:
        return self.count(), self.dialogue(who)

    async def act(
        self, name: str, who: str, done: Callable[[], bool], attempt: Callable[[], Awaitable[bool]]
    ) -> None:
        """Try until ``done()``; after each try wait for its result, at most RETRY_AFTER;
        when nothing can be done yet, wait for something to change."""
        loop = asyncio.get_running_loop()
        self.actions += 1
        kills = None
        if self.killer is not None and self.kill_plan[self.actions]:
            planned = self.kill_plan[self.actions]
            kills = asyncio.create_task(self.killer.series(planned, f"{who}: {name}"))
        idle_since = loop.time()
        while not done():
            before = self.observe(who)
            if await attempt():
                idle_since = loop.time()

                def changed(b: tuple[int, Any] = before) -> bool:
                    return done() or self.observe(who) != b

                if not await self.until(changed, RETRY_AFTER):
                    self.repeats[name] += 1  # nothing came of it: do it again
            else:
                if loop.time() - idle_since > 4.0 and self.bot.ready.is_set():
                    await self.users[who].send("/tugas")  # "where is my task?"
                    self.no_button_help.append(f"{who}: {name} (log entry {self.count()})")
                    idle_since = loop.time()
                seen = self.moment()
                # a message, an edit or an answer may bring the button; a restart, the bot

                def moved(s: tuple[int, int, bool] = seen) -> bool:
                    return done() or self.moment() != s

                await self.until(moved, 1.0)
        if kills is not None:
            await kills

    def reached(self, target: int) -> Callable[[], bool]:
        return lambda: self.count() >= target

    # -- what a person does ------------------------------------------------------------------

    async def send(self, who: str, text: str) -> bool:
        await self.users[who].send(text)
        self.sends += 1
        return True

    async def press(self, who: str, op: Op, arg: str = "") -> bool:
        """Press the button of the case's current step, on the newest message showing it.
        Without one, open the task from the /tugas list if it shows it (once per list
        message); False then, as nothing is decided yet."""
        step, version = self.version()
        opener: tuple[EmuMessage, str] | None = None
        for message in reversed(self.users[who].bot_messages):
            for row in message.buttons:
                for _, data in row:
                    cb = decode(data)
                    if cb is None or cb.case_id != CASE or (cb.step, cb.version) != (step, version):
                        continue
                    if cb.op is op and cb.arg == arg:
                        result = self.users[who].press(message, callback_data=data, timeout=60)
                        if op is Op.TEAM_TOGGLE:
                            self.toggles.append((result, self.bot.generation))
                        self.presses += 1
                        return True
                    if cb.op is Op.OPEN_TASK and opener is None and data is not None:
                        opener = (message, data)
        if opener is not None and (who, opener[0].message_id, opener[1]) not in self.opened:
            self.opened.add((who, opener[0].message_id, opener[1]))
            self.users[who].press(opener[0], callback_data=opener[1], timeout=60)
            self.presses += 1
        return False

    async def new_case(self) -> None:
        async def attempt() -> bool:
            d = self.dialogue("kasubag")
            kind = d[0] if d else None
            if kind == "new_title":
                return await self.send("kasubag", "Penyusunan Program Kerja Biro TA 2027 (uji)")
            if kind == "new_year":
                return await self.send("kasubag", "2027")
            return await self.send("kasubag", "/baru")

        await self.act("new case", "kasubag", self.case_exists, attempt)

    async def upload(self, who: str, name: str, data: bytes, target: int) -> None:
        async def attempt() -> bool:
            await self.users[who].send_document(data, file_name=name, caption=f"#{CASE}")
            self.sends += 1
            return True

        await self.act(f"upload {name}", who, self.reached(target), attempt)

    async def button(self, who: str, op: Op, target: int, arg: str = "") -> None:
        await self.act(
            f"{op.name} {arg}", who, self.reached(target), lambda: self.press(who, op, arg)
        )

    async def with_text(
        self, who: str, op: Op, arg: str, kind: str, text: str, target: int
    ) -> None:
        """A button that asks for a text (return reason, note, archive reference)."""

        async def attempt() -> bool:
            d = self.dialogue(who)
            _, version = self.version()
            if d is not None and d[0] == kind and d[2] == version:
                return await self.send(who, text)
            return await self.press(who, op, arg)

        await self.act(f"{kind}", who, self.reached(target), attempt)

    async def form_team(self, members: tuple[int, ...], target: int) -> None:
        async def attempt() -> bool:
            d = self.dialogue("kasubag")
            chosen = set(d[1].get("members", [])) if d and d[0] == "team" else set()
            if any(not self._settled(t) for t in self.toggles):
                return False  # a toggle is still on its way: do not toggle it twice
            wrong = sorted(chosen ^ set(members))
            if not wrong:
                return await self.press("kasubag", Op.TEAM_DONE)
            return await self.press("kasubag", Op.TEAM_TOGGLE, str(wrong[0]))

        await self.act("team", "kasubag", self.reached(target), attempt)

    def _settled(self, toggle: tuple[Any, int]) -> bool:
        result, generation = toggle
        if result.answered:
            return True
        queued = any(
            u.get("callback_query", {}).get("id") == result.query_id for u in self.emu.state.updates
        )
        # fetched by a bot that died since: applied or lost, either way it is over
        return not queued and self.bot.generation > generation and self.bot.ready.is_set()


async def play(o: Officials) -> None:
    """The demo (bot/demo.py ``play_sop``), one return at every review step."""
    docs = {name: draft(name) for name in ("Konsep Rencana Kerja", "TOR")}
    tor2 = draft("TOR", 2)
    drafts = {
        name: draft(name)
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx")
    }
    rkakl2 = draft("Draf RKAKL", 2)
    n = 1
    await o.new_case()
    n += 1
    await o.upload("kasubag", "Konsep Rencana Kerja.docx", docs["Konsep Rencana Kerja"], n)
    n += 1
    await o.upload("kasubag", "TOR.docx", docs["TOR"], n)
    n += 1
    await o.button("kasubag", Op.FORWARD, n)  # Ajukan
    n += 1
    await o.with_text("kabag", Op.REVIEW, "k", "return_reason", RETURN_REASONS[2], n)
    n += 1
    await o.upload("kasubag", "TOR.docx", tor2, n)
    n += 1
    await o.button("kasubag", Op.FORWARD, n)
    n += 1
    await o.button("kabag", Op.REVIEW, n, "a")
    n += 1
    await o.with_text("karo", Op.REVIEW, "k", "return_reason", RETURN_REASONS[3], n)
    n += 1
    await o.button("kabag", Op.REVIEW, n, "a")
    n += 1
    await o.button("karo", Op.REVIEW, n, "a")
    n += 1
    await o.button("kabag", Op.FORWARD, n)  # Teruskan
    n += 2
    await o.form_team((o.users["tim1"].id, o.users["tim2"].id), n)
    team = o.team()
    # if a crash changed the team, whoever is in it does the team's work
    first = "tim1" if o.users["tim1"].id in team else "tim2"
    second = "tim2" if o.users["tim2"].id in team else first
    for name, data in drafts.items():
        n += 1
        await o.upload(first, name, data, n)
    n += 1
    await o.upload(second, "Bahan pendukung.pdf", b"%PDF-1.4 bahan pendukung", n)
    n += 1
    await o.button(second, Op.SUBMIT_DRAFTS, n)
    n += 1
    await o.with_text("kasubag", Op.REVIEW, "k", "return_reason", RETURN_REASONS[7], n)
    n += 1
    await o.upload(first, "Draf RKAKL.docx", rkakl2, n)
    n += 1
    await o.button(first, Op.SUBMIT_DRAFTS, n)
    n += 1
    await o.button("kasubag", Op.REVIEW, n, "a")
    n += 1
    await o.with_text("kabag", Op.REVIEW, "k", "return_reason", RETURN_REASONS[8], n)
    n += 1
    await o.button("kasubag", Op.REVIEW, n, "a")
    n += 1
    await o.button("kabag", Op.REVIEW, n, "a")
    n += 1
    await o.with_text("karo", Op.REVIEW, "k", "return_reason", RETURN_REASONS[9], n)
    n += 1
    await o.button("kabag", Op.REVIEW, n, "a")
    n += 1
    await o.button("karo", Op.REVIEW, n, "a")  # signature
    n += 1
    await o.button("kabag", Op.FORWARD, n)
    n += 1
    note = "Mohon diarsipkan pada map Perencanaan TA 2027."
    await o.with_text("kasubag", Op.FORWARD, "n", "note", note, n)
    n += 1
    await o.with_text("fu", Op.ARCHIVE, "", "archive_reference", "ARS/PK/2027/001", n)
    assert n == len(EXPECTED_LOG)


# -- the killer ------------------------------------------------------------------------------


class Killer:
    """Kills the bot at random moments: a random time after an official acts, or the moment
    the bot makes a randomly chosen Bot API call (held by the emulator, taken into effect or
    not), and sometimes again while the new process starts up."""

    def __init__(self, bot: Bot, emu: BotApiEmulator, rng: random.Random, db: Path):
        self.bot, self.emu, self.rng, self.db = bot, emu, rng, db
        self.kills: list[KillPoint] = []

    def events(self) -> int:
        try:
            return event_count(self.db, CASE)
        except Exception:
            return -1

    async def series(self, times: int, action: str) -> None:
        for _ in range(times):
            await self.kill_once(action)

    async def kill_once(self, action: str) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            mode, delay = "timer", rng.uniform(0.0, 0.6)
            await asyncio.sleep(delay)
            detail = f"{delay:.2f} s into {action}"
        else:
            mode, method = "call", rng.choice(KILL_CALLS)
            execute: HangExecute = rng.choice(("before", "never"))
            rule: Fault = self.emu.faults.hang(1, seconds=8.0, method=method, execute=execute)
            with contextlib.suppress(TimeoutError):  # the call is then held, 8 s at most
                await self.emu.wait_until(lambda: not rule.remaining, timeout=1.0)
            self.emu.faults.clear()
            if rule.remaining:
                mode, detail = "timer", f"1.00 s into {action} (no {method} came)"
            else:
                taken = "Telegram acted on it" if execute == "before" else "not acted on"
                detail = f"{action}: during {method} ({taken}, no answer yet)"
        at = self.events()
        await self.bot.kill()
        self.kills.append(KillPoint(mode, detail, at))
        if rng.random() < 0.15:  # and again while it starts up
            await self.bot.spawn()
            delay = rng.uniform(0.05, 0.9)
            await asyncio.sleep(delay)
            stage = "after it was ready" if self.bot.ready.is_set() else "before it was ready"
            at = self.events()
            await self.bot.kill()
            self.kills.append(KillPoint("startup", f"{delay:.2f} s into a restart, {stage}", at))
        await self.bot.start()


# -- the test ------------------------------------------------------------------------------------


async def everyone_answered(users: dict[str, EmuUser]) -> None:
    """Each person asks /saya and gets the answer: one person's updates are handled in
    order, so whatever they did before has been handled in full (answers, edits)."""
    for user in users.values():
        user.mark_seen()
        await user.send("/saya")
        await user.wait_message(lambda m: "ID Telegram:" in m.text, timeout=20)


def updates_delivered_more_than_once(emu: BotApiEmulator) -> int:
    seen: Counter[int] = Counter()
    for call in emu.calls_to("getUpdates"):
        if call.ok and isinstance(call.response, dict):
            for update in call.response.get("result", []):
                seen[update["update_id"]] += 1
    return sum(1 for n in seen.values() if n > 1)


async def test_sigkill_at_random_points_loses_and_repeats_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bot"
    out.mkdir()
    rng = random.Random(SEED)
    async with BotApiEmulator(token=TOKEN, bot_username="sopbot_demo_bot") as emu:
        users = {
            p.key: emu.user(p.telegram_id, p.name.split(",")[0], username=p.key) for p in OFFICIALS
        }
        users["admin"] = emu.user(ADMIN_ID, "Admin", username="admin")
        db = out / "sopbot.sqlite3"
        with (out / "bot.log").open("ab") as log:
            bot = BotProcess(out, emu.base_url, log)
            try:
                await bot.start()
                for user in users.values():
                    await user.send("/start")
                    await user.wait_message(timeout=20)
                killer = Killer(bot, emu, rng, db)
                plan = Counter(rng.choices(range(1, ACTIONS + 1), k=KILLS))
                officials = Officials(emu, users, db, bot, killer=killer, kill_plan=plan)
                began = time.monotonic()
                await asyncio.wait_for(play(officials), SCENARIO_DEADLINE)
                played = time.monotonic() - began
                kills = killer.kills
                assert officials.actions == ACTIONS
                if bot.proc is None or not bot.ready.is_set():
                    await bot.start()
                await emu.wait_until(lambda: not pending_rows(db), timeout=30)  # the outbox drains
                await everyone_answered(users)  # late answers and edits have been made
                await emu.wait_until(lambda: not pending_rows(db), timeout=30)
            finally:
                await bot.close()

        print(f"\n[crash] seed {SEED}: {len(kills)} kill points in {played:.1f} s of play")
        for i, k in enumerate(kills, 1):
            print(f"[crash]  {i:2}. {k.mode:7} at log entry {k.events:2}: {k.detail}")
        calls = Counter(
            k.detail.split("during ")[1].split(" ")[0] for k in kills if k.mode == "call"
        )
        modes = Counter(k.mode for k in kills)
        print(f"[crash] kill points by kind: {dict(modes)}; during calls: {dict(calls)}")
        definition = load_sops(world_config(out, emu.base_url)).default
        case = load_case(db, CASE)
        events = load_events(db, CASE)
        assert case is not None and case.status is CaseStatus.ARCHIVED
        assert [(e.type.value, e.step) for e in events] == EXPECTED_LOG
        assert log_problems(definition, case, events) == []
        uploads = query(
            db, "SELECT sha256 FROM files WHERE case_id = ? AND kind = 'upload'", (CASE,)
        )
        assert len(uploads) == len({r["sha256"] for r in uploads}), "one row per content"
        assert len(case.files) == 8  # Konsep, TOR v1+v2, three drafts, bahan, RKAKL v2
        if sorted(case.team) != [users["tim1"].id, users["tim2"].id]:
            print(f"[crash] the team became {case.team}: a toggle was applied twice")
        rows = outbox_rows(db)
        chats = emulator_chats(emu)
        report = delivery(rows, emu.calls, chats)
        print(f"[crash] outbox: {report.summary()}")
        assert not report.pending and not report.failed  # every row settled
        assert not report.missing, report.missing  # and what it stands for is in the chat
        assert not report.out_of_order, report.out_of_order
        # every official received what the case's history says, at least once
        assert receipt_problems(definition, CASE, events, emu.calls, chats, db) == []
        assert paper_problems(definition, CASE, events, db) == []  # papers written once
        redelivered = updates_delivered_more_than_once(emu)
        print(
            f"[crash] officials: {officials.presses} presses, {officials.sends} messages/files, "
            f"repeated for lack of a result: {dict(officials.repeats)}, /tugas asked "
            f"for {officials.no_button_help}; updates Telegram delivered again: {redelivered}; "
            f"messages sent twice because a crash lost Telegram's answer: {report.extra_copies}"
        )
        assert len(kills) >= KILLS
        logged = (out / "bot.log").read_text(encoding="utf-8", errors="replace")
        assert TOKEN.partition(":")[2] not in logged


@contextlib.asynccontextmanager
async def kasubag_and_a_bot_process(
    tmp_path: Path,
) -> AsyncIterator[tuple[BotApiEmulator, BotProcess, EmuUser]]:
    """A real bot process (which a test may kill and start again) against the emulator,
    and Kasubag, who has pressed Start."""
    async with BotApiEmulator(token=TOKEN, bot_username="sopbot_demo_bot") as emu:
        p = next(p for p in OFFICIALS if p.key == "kasubag")
        kasubag = emu.user(p.telegram_id, p.name.split(",")[0], username=p.key)
        with (tmp_path / "bot.log").open("ab") as log:
            bot = BotProcess(tmp_path, emu.base_url, log)
            try:
                await bot.start()
                await kasubag.send("/start")
                await kasubag.wait_message(timeout=20)
                yield emu, bot, kasubag
            finally:
                await bot.close()


async def test_a_file_being_downloaded_when_the_bot_is_killed_is_recorded_after_the_restart(
    tmp_path: Path,
) -> None:
    """Telegram is slow to hand over Kasubag's file (a large one takes seconds) and the bot
    is killed meanwhile. Telegram considers the update delivered (python-telegram-bot
    confirms an update once it is queued), so it never comes again; the bot kept it in its
    inbox and handles it after the restart: the file is recorded once and she is told."""
    async with kasubag_and_a_bot_process(tmp_path) as (emu, bot, kasubag):
        await kasubag.send("/baru")
        asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=20)
        await kasubag.send("Uji berkas saat bot mati")
        await emu.wait_until(lambda: "tahun anggaran" in asked.text.lower(), timeout=20)
        await kasubag.send("2027")
        await emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=20)
        case = int(asked.text.split("Berkas #", 1)[1].split()[0])
        emu.faults.hang(1, seconds=60, method="getFile", execute="never")
        sent = await kasubag.send_document(
            draft("Konsep"), file_name="Konsep Rencana Kerja.docx", caption=f"#{case}"
        )
        await emu.wait_until(lambda: bool(emu.calls_to("getFile")), timeout=20)
        await emu.wait_until(lambda: not emu.pending_updates, timeout=20)  # confirmed
        await bot.kill()
        emu.faults.clear()
        await bot.start()
        await emu.wait_until(lambda: bool(sent.bot_reactions), timeout=30)
        db = tmp_path / "sopbot.sqlite3"
        files = query(db, "SELECT COUNT(*) FROM files WHERE case_id = ?", (case,))
        assert files[0][0] == 1


async def open_case(emu: BotApiEmulator, kasubag: EmuUser, title: str) -> int:
    """Kasubag opens a case by /baru, its title and the year; its number."""
    return (await opened_by(emu, kasubag, title))[0]


async def opened_by(emu: BotApiEmulator, kasubag: EmuUser, title: str) -> tuple[int, EmuMessage]:
    """Kasubag opens a case by /baru, its title and the year: its number, and the message
    that asked for them (the case's task message now)."""
    await kasubag.send("/baru")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=20)
    await kasubag.send(title)
    await emu.wait_until(lambda: "tahun anggaran" in asked.text.lower(), timeout=20)
    await kasubag.send("2027")
    await emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=20)
    return int(asked.text.split("Berkas #", 1)[1].split()[0]), asked


def answers_quoting(kasubag: EmuUser, files: list[EmuMessage]) -> list[str]:
    """The bot's answers that quote each of ``files`` (one a file; "" for none)."""
    by_file = {m.reply_to.message_id: m.text for m in kasubag.bot_messages if m.reply_to}
    return [by_file.get(f.message_id, "") for f in files]


ALBUM = ("Konsep Rencana Kerja.docx", "TOR.docx")


async def test_an_album_whose_first_file_is_being_downloaded_when_the_bot_is_killed_is_recorded_whole(
    tmp_path: Path,
) -> None:
    """Kasubag holds two new cases and sends the Konsep and the TOR as one album; Telegram's
    app puts her caption "Draf #1" under the last file, the TOR, so the Konsep waits for
    it. Telegram is slow to hand over the Konsep and the bot is killed while it downloads
    it. After the restart both are in case 1 (the 👌 on the album's first file is true),
    nothing is left waiting, and no file is answered with a refusal."""
    async with kasubag_and_a_bot_process(tmp_path) as (emu, bot, kasubag):
        first = await open_case(emu, kasubag, "Usulan pertama")
        second = await open_case(emu, kasubag, "Usulan kedua")
        emu.faults.hang(1, seconds=60, method="getFile", execute="never")
        sent = await kasubag.send_album(
            [(name, draft(name)) for name in ALBUM], caption=f"Draf #{first}"
        )
        await emu.wait_until(lambda: not emu.faults.rules, timeout=20)  # the Konsep's, held
        await emu.wait_until(lambda: not emu.pending_updates, timeout=20)  # both confirmed
        db = tmp_path / "sopbot.sqlite3"
        # the download takes seconds: the inbox has forgotten the Konsep's own update (it was
        # handled when it began to wait) and keeps the TOR's, still being handled
        await emu.wait_until(lambda: len(query(db, "SELECT 1 FROM inbox")) == 1, timeout=20)
        await bot.kill()
        emu.faults.clear()
        await bot.start()

        def names(case: int) -> list[str]:
            sql = "SELECT name FROM files WHERE case_id = ? ORDER BY name"
            return [r[0] for r in query(db, sql, (case,))]

        await emu.wait_until(lambda: len(names(first)) == 2, timeout=30)
        assert names(first) == sorted(ALBUM)
        assert names(second) == []
        assert query(db, "SELECT * FROM album_files") == []
        # Telegram sets a reaction on any file of an album on its first one
        await emu.wait_until(lambda: bool(sent[0].bot_reactions), timeout=20)
        assert not any(answers_quoting(kasubag, sent))


async def test_an_album_being_asked_about_when_the_bot_is_killed_is_asked_about_after_the_restart(
    tmp_path: Path,
) -> None:
    """Kasubag holds two new cases and sends the Konsep and the TOR as one album, with no
    case number. After a few seconds the bot asks which case each is for, and is killed
    while Telegram holds the first question. After the restart each file is asked about,
    quoting it, with the apology for the stop; nothing is recorded, nothing left waiting."""
    async with kasubag_and_a_bot_process(tmp_path) as (emu, bot, kasubag):
        first = await open_case(emu, kasubag, "Usulan pertama")
        second = await open_case(emu, kasubag, "Usulan kedua")
        db = tmp_path / "sopbot.sqlite3"
        await emu.wait_until(lambda: pending_rows(db) == 0, timeout=20)  # her chat is quiet
        kasubag.mark_seen()
        emu.faults.hang(1, seconds=60, method="sendMessage", execute="never", chat_id=kasubag.id)
        sent = await kasubag.send_album([(name, draft(name)) for name in ALBUM])
        await emu.wait_until(lambda: not emu.faults.rules, timeout=20)  # the question, held
        await bot.kill()
        emu.faults.clear()
        assert not any(answers_quoting(kasubag, sent))  # never reached her
        await bot.start()
        await emu.wait_until(lambda: all(answers_quoting(kasubag, sent)), timeout=30)
        for text in answers_quoting(kasubag, sent):
            assert text.startswith("Mohon maaf, layanan sempat terhenti"), text
            assert "beberapa berkas" in text and f"#{first}" in text and f"#{second}" in text
        assert query(db, "SELECT * FROM files") == []
        await emu.wait_until(lambda: not query(db, "SELECT * FROM album_files"), timeout=10)


async def test_the_title_question_a_crash_kept_from_kasubag_is_asked_after_the_restart(
    tmp_path: Path,
) -> None:
    """Kasubag sends /baru; the bot starts her dialogue and is killed while Telegram holds
    back the question. Her /baru was applied, so after the restart it is not applied again;
    but the question she never saw is still the one waiting, so it is asked again, and her
    title is then taken as the answer to it."""
    async with kasubag_and_a_bot_process(tmp_path) as (emu, bot, kasubag):
        kasubag.mark_seen()
        shown = len(kasubag.bot_messages)
        emu.faults.hang(1, seconds=60, method="sendMessage", execute="never", chat_id=kasubag.id)
        await kasubag.send("/baru")
        await emu.wait_until(lambda: not emu.faults.rules, timeout=20)  # held
        await bot.kill()
        emu.faults.clear()
        assert len(kasubag.bot_messages) == shown  # the question never reached her
        await bot.start()
        asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=30)
        assert asked.text.startswith("Mohon maaf, layanan sempat terhenti"), asked.text
        await kasubag.send("Uji pertanyaan setelah bot mati")
        year = await kasubag.wait_message(lambda m: "tahun anggaran" in m.text, timeout=20)
        assert "Uji pertanyaan setelah bot mati" in year.text


@contextlib.asynccontextmanager
async def officials_and_a_bot_process(
    tmp_path: Path, *keys: str
) -> AsyncIterator[tuple[BotApiEmulator, BotProcess, dict[str, EmuUser]]]:
    """A real bot process (which a test may kill and start again) against the emulator,
    and these officials of the demo, who have pressed Start."""
    async with BotApiEmulator(token=TOKEN, bot_username="sopbot_demo_bot") as emu:
        users = {
            p.key: emu.user(p.telegram_id, p.name.split(",")[0], username=p.key)
            for p in OFFICIALS
            if p.key in keys
        }
        with (tmp_path / "bot.log").open("ab") as log:
            bot = BotProcess(tmp_path, emu.base_url, log)
            try:
                await bot.start()
                for user in users.values():
                    await user.send("/start")
                    await user.wait_message(timeout=20)
                yield emu, bot, users
            finally:
                await bot.close()


async def submitted_by(emu: BotApiEmulator, kasubag: EmuUser, title: str) -> int:
    """Step 1: Kasubag opens a case, sends its two documents and presses Ajukan."""
    case, asked = await opened_by(emu, kasubag, title)
    await taken(emu, kasubag, "Konsep Rencana Kerja.docx", case)
    await taken(emu, kasubag, "TOR.docx", case)
    await emu.wait_until(lambda: has_button("Ajukan", case)(asked), timeout=20)
    await _press(kasubag, asked, "Ajukan")
    await emu.wait_until(lambda: not has_button("Ajukan", case)(asked), timeout=20)
    return case


async def taken(emu: BotApiEmulator, user: EmuUser, name: str, case: int) -> None:
    """A document sent for the case, and taken (the bot's reaction on it)."""
    sent = await user.send_document(draft(name), file_name=name, caption=f"#{case}")
    await emu.wait_until(lambda: bool(sent.bot_reactions), timeout=20)


async def killed_while_asking(
    emu: BotApiEmulator, bot: BotProcess, db: Path, who: EmuUser, task: EmuMessage, label: str
) -> None:
    """The official presses ``label`` on the task; Telegram holds the edit that would show
    the question on it, and the bot is killed once the question is recorded. It starts
    again."""
    asked = "SELECT kind FROM dialogues WHERE person_id = ?"
    emu.faults.hang(1, seconds=60, method="editMessageText", execute="never", chat_id=who.id)
    await _press(who, task, label)
    await emu.wait_until(lambda: not emu.faults.rules, timeout=20)  # the edit is held
    await until_true(lambda: bool(query(db, asked, (who.id,))), within=20)
    await bot.kill()
    emu.faults.clear()
    await bot.start()


async def until_true(check: Callable[[], bool], within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise TimeoutError("not reached")
        await asyncio.sleep(0.05)


async def test_kabag_whose_return_reason_question_a_crash_kept_from_him_is_asked_again(
    tmp_path: Path,
) -> None:
    """Kabag presses Kembalikan; the bot records that it waits for his reason and dies
    before the question shows on his task message. After the restart he is asked again
    there, with an apology and its Batal button, not left with Setujui and Kembalikan
    while whatever he types next would be taken as the reason; the reason he then types
    returns the case."""
    async with officials_and_a_bot_process(tmp_path, "kasubag", "kabag") as (emu, bot, users):
        db = tmp_path / "sopbot.sqlite3"
        kasubag, kabag = users["kasubag"], users["kabag"]
        case = await submitted_by(emu, kasubag, "Uji alasan saat bot mati")
        task = await kabag.wait_message(has_button("Kembalikan", case), timeout=20)
        await killed_while_asking(emu, bot, db, kabag, task, t.BTN_RETURN)
        await emu.wait_until(lambda: "Mohon maaf, layanan sempat terhenti" in task.text, timeout=30)
        assert "Alasan pengembalian" in task.text
        assert task.button_texts == [t.BTN_CANCEL]
        await kabag.send(RETURN_REASONS[2])
        await emu.wait_until(lambda: "↩️ Dikembalikan oleh" in task.text, timeout=20)
        returned = [e for e in load_events(db, case) if e.type is EventType.RETURNED]
        assert [e.reason for e in returned] == [RETURN_REASONS[2]]


async def test_kabag_whose_forwarding_note_question_a_crash_kept_from_him_is_asked_again(
    tmp_path: Path,
) -> None:
    """The same for a note: Kabag presses Teruskan dengan catatan at step 4 and the bot
    dies before the question shows; after the restart it is asked again on his task, and
    his note goes with the case to Kasubag."""
    async with officials_and_a_bot_process(tmp_path, "kasubag", "kabag", "karo") as (
        emu,
        bot,
        users,
    ):
        db = tmp_path / "sopbot.sqlite3"
        kasubag, kabag, karo = users["kasubag"], users["kabag"], users["karo"]
        case = await submitted_by(emu, kasubag, "Uji catatan saat bot mati")
        for who in (kabag, karo):
            review = await who.wait_message(has_button("Setujui", case), timeout=20)
            await _press(who, review, t.BTN_APPROVE)
        task = await kabag.wait_message(has_button("dengan catatan", case), timeout=20)
        await killed_while_asking(emu, bot, db, kabag, task, t.BTN_FORWARD_NOTE)
        await emu.wait_until(lambda: "Mohon maaf, layanan sempat terhenti" in task.text, timeout=30)
        assert "Catatan" in task.text and task.button_texts == [t.BTN_CANCEL]
        note = "Mohon tim disusun dari Subbagian Program."
        await kabag.send(note)

        def forwarded() -> list[str]:
            return [e.note for e in load_events(db, case) if e.step == 4 and e.is_move]

        await until_true(lambda: bool(forwarded()), within=20)
        assert forwarded() == [note]
        # his task message shows the decision, with Tarik kembali
        await emu.wait_until(lambda: task.button_texts == [t.BTN_WITHDRAW], timeout=20)


@pytest.mark.parametrize("edit", ["never", "before"], ids=["edit_lost", "edit_landed"])
async def test_kabag_whose_return_the_crash_caught_on_its_way_to_his_task_sees_it_there(
    tmp_path: Path, edit: HangExecute
) -> None:
    """Kabag types his reason; the case is returned, and the bot dies while Telegram holds
    the edit that shows the return on his task message (``edit_lost``: never made;
    ``edit_landed``: made, its answer lost). After the restart the message shows the
    return, with his reason, not the question and its Batal button; and he is not sent it
    a second time."""
    async with officials_and_a_bot_process(tmp_path, "kasubag", "kabag") as (emu, bot, users):
        db = tmp_path / "sopbot.sqlite3"
        kasubag, kabag = users["kasubag"], users["kabag"]
        case = await submitted_by(emu, kasubag, "Uji pengembalian saat bot mati")
        task = await kabag.wait_message(has_button("Kembalikan", case), timeout=20)
        await _press(kabag, task, t.BTN_RETURN)
        await emu.wait_until(lambda: task.button_texts == [t.BTN_CANCEL], timeout=20)
        emu.faults.hang(1, seconds=60, method="editMessageText", execute=edit, chat_id=kabag.id)
        await kabag.send(RETURN_REASONS[2])
        await emu.wait_until(lambda: not emu.faults.rules, timeout=20)  # the edit is held

        def returned() -> bool:
            return any(e.type is EventType.RETURNED for e in load_events(db, case))

        await until_true(returned, within=20)
        messages = len(kabag.bot_messages)
        await bot.kill()
        emu.faults.clear()
        await bot.start()
        await emu.wait_until(lambda: "↩️ Dikembalikan oleh" in task.text, timeout=30)
        assert RETURN_REASONS[2] in task.text and task.button_texts == []

        def settled() -> bool:
            held = "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND sent_at IS NULL"
            return int(query(db, held, (kabag.id,))[0][0]) == 0

        await until_true(settled, within=30)
        assert len(kabag.bot_messages) == messages  # shown on his task, not sent anew


def delivered_update(emu: BotApiEmulator, text: str) -> dict[str, Any]:
    """The update Telegram handed the bot for a message with this text."""
    return next(
        u
        for call in emu.calls_to("getUpdates")
        if call.ok and isinstance(call.response, dict)
        for u in call.response.get("result", [])
        if u.get("message", {}).get("text") == text
    )


async def test_kasubags_update_waits_in_the_inbox_as_telegram_sent_it(tmp_path: Path) -> None:
    """Kasubag's /tugas is kept in the inbox, while it is handled, as it came in Telegram's
    getUpdates answer: a restart would put back Telegram's own update, not
    python-telegram-bot's object written out again (which adds fields Telegram never sent,
    such as ``"group_chat_created": false``)."""
    async with World(tmp_path / "w") as world:
        kasubag = world["kasubag"]
        await kasubag.send("/start")
        await kasubag.wait_message(timeout=10)
        held = world.emu.faults.hang(
            1, seconds=3.0, method="sendMessage", execute="after", chat_id=kasubag.id
        )
        await kasubag.send("/tugas")
        await world.emu.wait_until(lambda: held.remaining == 0, timeout=10)  # being handled
        sent = delivered_update(world.emu, "/tugas")
        kept = query(
            sqlite_file(world), "SELECT body FROM inbox WHERE update_id = ?", (sent["update_id"],)
        )
        assert [json.loads(body) for (body,) in kept] == [sent]
        await kasubag.wait_message(timeout=10)


async def test_a_profile_answer_put_back_after_a_crash_is_not_applied_again(
    tmp_path: Path,
) -> None:
    """A new official answers the NIP question and the bot stops before its inbox forgot
    the answer (a second after it was handled). At the next start the answer is put back;
    it was applied already, so it is not taken as the answer to the next question (her
    position) and her profile stays as she gave it. The question it asked is asked again,
    with an apology: the bot cannot know whether it went out before the stop."""
    async with World(tmp_path / "w") as world:
        admin = world["admin"]
        await admin.send("/start")
        await admin.wait_message(timeout=10)
        admin.mark_seen()
        await admin.send("/undang tim")
        invitation = await admin.wait_message(lambda m: "start=" in m.text, timeout=10)
        token = invitation.text.split("start=")[1].split()[0]
        newcomer = world.emu.user(777000111, "Wati", username="wati")
        await newcomer.send(f"/start {token}")
        await newcomer.wait_message(lambda m: "nama lengkap" in m.text, timeout=10)
        await newcomer.send("Wati Lestari, S.E.")
        await newcomer.wait_message(lambda m: "NIP" in m.text, timeout=10)
        nip = "198001012005011001"
        await newcomer.send(nip)
        await newcomer.wait_message(lambda m: "jabatan" in m.text, timeout=10)
        await world.stop_bot()
        # the crash came within the second: the answer is still in the inbox
        update = delivered_update(world.emu, nip)
        with sqlite3.connect(sqlite_file(world)) as kept:
            kept.execute(
                "INSERT INTO inbox (update_id, body, at) VALUES (?, ?, ?)",
                (update["update_id"], json.dumps(update), "2026-01-05T02:00:00+00:00"),
            )
        newcomer.mark_seen()
        await world.start_bot()
        await world.emu.wait_until(lambda: not query(sqlite_file(world), "SELECT 1 FROM inbox"))
        # the bot cannot know whether its question went out before the stop: it asks again
        again = await newcomer.wait_message(timeout=10)
        assert again.text.startswith("Mohon maaf, layanan sempat terhenti"), again.text
        assert "jabatan" in again.text
        await newcomer.send("Analis Perencanaan")
        done = await newcomer.wait_message(timeout=10)
        assert done.text.startswith("Terima kasih, data Bapak/Ibu telah tersimpan"), done.text
        person = await world.services.db.read(repo.get_person, newcomer.id)
        assert person is not None and (person.nip, person.position) == (nip, "Analis Perencanaan")


# -- updates delivered again, in process ---------------------------------------------------------


async def redeliver(world: World, act: Callable[[], Awaitable[Any]]) -> int:
    """Do ``act`` while the bot is stopped, let the bot apply it, then stop it as a crash
    would — before Telegram heard that the update was taken — and start it again: Telegram
    delivers the same update a second time. Returns the update's id."""
    emu = world.emu
    await world.stop_bot()
    await act()
    update_id: int = emu.pending_updates[-1]["update_id"]
    emu.faults.hang(1, seconds=0.01, method="getUpdates", execute="after")  # fetches it
    emu.faults.hang(1, seconds=20, method="getUpdates", execute="never")  # the confirmation
    emu.faults.hang(1, seconds=0.2, method="getUpdates", execute="never")  # PTB's at stop
    await world.start_bot()
    await emu.wait_until(lambda: len(emu.faults.rules) == 1, timeout=10)  # confirmation held
    return update_id


def times_delivered(emu: BotApiEmulator, update_id: int) -> int:
    return sum(
        1
        for call in emu.calls_to("getUpdates")
        if call.ok
        and isinstance(call.response, dict)
        and any(u["update_id"] == update_id for u in call.response.get("result", []))
    )


async def restart_and_settle(world: World, who: str) -> None:
    """The crash-like stop and a new start; then the same person's next message is answered,
    so the update delivered again has been handled (one person's updates go in order)."""
    await world.stop_bot()
    assert world.emu.faults.rules == []
    await world.start_bot()
    user = world[who]
    user.mark_seen()
    await user.send("/saya")
    await user.wait_message(timeout=10)


async def test_an_update_delivered_again_is_applied_once(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        emu = world.emu
        db = sqlite_file(world)
        await world.everyone_starts()
        s = Script(world)
        case = await s.new_case("Uji pengiriman ulang", 2027)
        await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        kasubag, kabag = world["kasubag"], world["kabag"]
        applied: dict[str, int] = {}

        # a document: the upload is recorded once, as one version
        tor = draft("TOR")
        before = event_count(db, case)
        uid = await redeliver(
            world, lambda: kasubag.send_document(tor, file_name="TOR.docx", caption=f"#{case}")
        )
        await emu.wait_until(lambda: event_count(db, case) == before + 1, timeout=10)
        await restart_and_settle(world, "kasubag")
        applied["document"] = times_delivered(emu, uid)
        assert event_count(db, case) == before + 1
        files = query(
            db, "SELECT COUNT(*) FROM files WHERE case_id = ? AND name = 'TOR.docx'", (case,)
        )
        assert files[0][0] == 1

        # a button: "Ajukan" moves the case once
        task = next(
            m for m in reversed(kasubag.bot_messages) if any("Ajukan" in b for b in m.button_texts)
        )
        before = event_count(db, case)
        uid = await redeliver(world, lambda: _press(kasubag, task, "Ajukan"))
        await emu.wait_until(lambda: event_count(db, case) == before + 1, timeout=10)
        await restart_and_settle(world, "kasubag")
        applied["button"] = times_delivered(emu, uid)
        assert event_count(db, case) == before + 1

        # a text that decides: the reason of a return, asked on Kabag's task message
        await s.press("kabag", "Kembalikan", case)
        await s.seen("kabag", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
        before = event_count(db, case)
        uid = await redeliver(world, lambda: kabag.send(RETURN_REASONS[2]))
        await emu.wait_until(lambda: event_count(db, case) == before + 1, timeout=10)
        await restart_and_settle(world, "kabag")
        applied["text"] = times_delivered(emu, uid)
        assert event_count(db, case) == before + 1

        assert applied == {"document": 2, "button": 2, "text": 2}, applied
        events = await world.services.db.read(repo.load_events, case)
        moves = [(e.type, e.step) for e in events if e.is_move]
        assert moves == [(EventType.COMPLETED, 1), (EventType.RETURNED, 2)]
        definition = world.services.sops.default
        stored = await world.services.db.read(repo.load_case, case)
        assert stored is not None and log_problems(definition, stored, events) == []
        print(f"\n[redelivery] delivered twice, applied once: {sorted(applied)}")


async def _press(user: EmuUser, message: Any, label: str) -> None:
    button = next(text for text in message.button_texts if label in text)
    user.press(message, button, timeout=30)


async def test_a_team_toggle_delivered_again_is_applied_once(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        db = sqlite_file(world)
        await world.everyone_starts()
        s = Script(world)
        case = await s.new_case("Uji pilihan tim", 2027)
        await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
        await s.press("kasubag", "Ajukan", case)
        await s.approve("kabag", case)
        await s.approve("karo", case)
        await s.press("kabag", "Teruskan", case)
        kasubag = world["kasubag"]
        await world.emu.wait_until(
            lambda: any(any("Ayu" in b for b in m.button_texts) for m in kasubag.bot_messages),
            timeout=10,
        )
        task = next(
            m for m in reversed(kasubag.bot_messages) if any("Ayu" in b for b in m.button_texts)
        )

        def members() -> list[int]:
            rows = query(db, "SELECT data FROM dialogues WHERE person_id = ?", (kasubag.id,))
            return list(json.loads(rows[0]["data"]).get("members", [])) if rows else []

        await redeliver(world, lambda: _press(kasubag, task, "Ayu"))
        await world.emu.wait_until(lambda: members() == [world["tim1"].id], timeout=10)
        await restart_and_settle(world, "kasubag")
        assert members() == [world["tim1"].id]


async def test_a_team_tick_whose_redraw_was_lost_is_drawn_when_the_press_comes_again(
    tmp_path: Path,
) -> None:
    """Kasubag ticks Ayu for the team; the tick is kept, but the bot goes down before the
    task message shows it (here: Telegram fails that edit), and the press is delivered
    again after the restart. It is not applied twice, and the message now shows Ayu
    ticked: what Kasubag sees is what will be decreed."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Uji centang tim")
        await s.approve("kabag", case)
        await s.approve("karo", case)
        await s.press("kabag", "Teruskan", case)
        kasubag = world["kasubag"]

        def ayu_button(message: Any) -> str:
            return next((b for b in message.button_texts if "Ayu" in b), "")

        await world.emu.wait_until(
            lambda: any(ayu_button(m) for m in kasubag.bot_messages), timeout=10
        )
        task = next(m for m in reversed(kasubag.bot_messages) if ayu_button(m))
        assert ayu_button(task).startswith("⬜")

        async def tick_and_lose_the_redraw() -> None:
            world.emu.faults.fail(1, status=500, method="editMessageText", chat_id=kasubag.id)
            await _press(kasubag, task, "Ayu")

        await redeliver(world, tick_and_lose_the_redraw)
        await restart_and_settle(world, "kasubag")
        await world.emu.wait_until(lambda: ayu_button(task).startswith("☑️"), timeout=10)
        rows = query(
            sqlite_file(world), "SELECT data FROM dialogues WHERE person_id = ?", (kasubag.id,)
        )
        assert json.loads(rows[0]["data"])["members"] == [world["tim1"].id]


async def test_a_batal_delivered_again_leaves_the_question_kabag_was_asked_after_it(
    tmp_path: Path,
) -> None:
    """Kabag sends /batal, then presses Kembalikan; the bot crashes before Telegram hears
    that both were taken, and delivers them again. The press is skipped as applied; the
    /batal must be too, or it would end the question the press asked (and Kabag's reason
    would then be refused)."""
    async with World(tmp_path / "w") as world:
        db = sqlite_file(world)
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Uji batal yang terkirim ulang")
        kabag = world["kabag"]
        task = await s.seen("kabag", has_button("Kembalikan", case))

        async def batal_then_kembalikan() -> None:
            await kabag.send("/batal")
            await _press(kabag, task, "Kembalikan")

        await redeliver(world, batal_then_kembalikan)
        asked = "SELECT kind FROM dialogues WHERE person_id = ?"
        await world.emu.wait_until(lambda: bool(query(db, asked, (kabag.id,))), timeout=10)
        await restart_and_settle(world, "kabag")
        assert [r["kind"] for r in query(db, asked, (kabag.id,))] == ["return_reason"]
        before = event_count(db, case)
        await kabag.send(RETURN_REASONS[2])
        await world.emu.wait_until(lambda: event_count(db, case) == before + 1, timeout=10)
        stored = await world.services.db.read(repo.load_case, case)
        assert stored is not None and stored.step == 1  # back with Kasubag


# -- a command cancelled in flight ----------------------------------------------------------


class HeldClock(SystemClock):
    """The system's time; once armed, the first reading made off the event loop's thread
    (the database writer running a transaction) waits there until released."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.inside = threading.Event()
        self.release = threading.Event()

    def hold_next(self) -> None:
        self.inside.clear()
        self.release.clear()
        self.armed = True

    def now(self) -> datetime:
        if self.armed and threading.current_thread() is not threading.main_thread():
            self.armed = False
            self.inside.set()
            self.release.wait(10)
        return super().now()


async def test_a_command_cancelled_in_flight_commits_whole_or_not_at_all(tmp_path: Path) -> None:
    """A command is one function on the writer thread. Cancelled while it waits for the
    writer, it is not made at all; cancelled while it runs there (the awaiting handler
    stopped, say), it is made whole: the move, the stored case and every message it
    causes, which the outbox then delivers although no handler heard of the change."""
    clock = HeldClock()
    async with World(tmp_path / "w", clock=clock, reminders={"enabled": False}) as world:
        db = sqlite_file(world)
        svc = world.services
        await world.everyone_starts()
        s = Script(world)
        case = await s.new_case("Uji perintah dibatalkan", 2027)
        await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
        await s.press("kasubag", "Ajukan", case)
        await world.drained()
        before = load_case(db, case)
        assert before is not None and before.step == 2
        events, rows = event_count(db, case), len(outbox_rows(db))
        approve = Approve(before.version)
        kabag, karo = world["kabag"].id, world["karo"].id

        # queued behind another write, and cancelled there: not made at all
        clock.hold_next()
        busy = asyncio.create_task(svc.db.write(lambda tx: clock.now()))
        await asyncio.to_thread(clock.inside.wait, 10)  # the writer is busy with it
        command = asyncio.create_task(svc.cases.execute(case, approve, kabag))
        await asyncio.sleep(0)  # one turn of the loop: the command is handed to the writer
        command.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await command
        clock.release.set()
        await busy
        await svc.db.write(lambda tx: None)  # the writer has passed where it was queued
        assert event_count(db, case) == events and len(outbox_rows(db)) == rows
        unchanged = load_case(db, case)
        assert unchanged is not None and unchanged.version == before.version

        # running on the writer, and cancelled there: made whole
        clock.hold_next()
        command = asyncio.create_task(svc.cases.execute(case, approve, kabag))
        await asyncio.to_thread(clock.inside.wait, 10)  # inside its transaction
        command.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await command
        clock.release.set()
        await svc.db.write(lambda tx: None)  # the writer is done with it
        after = load_case(db, case)
        assert after is not None and (after.step, after.version) == (3, before.version + 1)
        assert [e.type for e in load_events(db, case)[events:]] == [EventType.APPROVED]
        new_rows = outbox_rows(db)[rows:]
        assert [r.kind for r in new_rows if r.chat_id == karo] == ["files", "task"]
        await world.drained()
        assert (3, after.version) in tasks_received(world.emu.calls, case).get(karo, set())
        assert log_problems(svc.sops.default, after, load_events(db, case)) == []
