"""The crash test on PostgreSQL, with a standby: SIGKILL of the active bot process at random
points of the demo while a second process waits on the active lock; the standby takes over.

The scenario, the officials (who act on what they see and do again what brought no
result) and the killer are the SQLite crash test's (``test_reliability_crash.py``); here
the bot is two processes (``tests/pg_failover_worker.py``) sharing a PostgreSQL database:
one active (it holds the advisory lock and polls), one standby (blocked on the lock). A
kill hands the work to the standby, and a new standby is started behind it. What must
hold at the end: the case's log is exactly the demo's (0 lost, 0 duplicated
transitions) and replays to the stored case, every outbox row was delivered (at least
once: its message is in its chat), and the bot token is in no log. The hand-off times
(kill to the standby polling) are printed; ``bench/bench_failover.py`` measures them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import asyncpg
import test_reliability_crash as crash
from pg_helpers import pg_url  # noqa: F401 (fixture)
from reliability_helpers import log_problems

from bot.app import load_sops
from bot.core.model import Case, CaseStatus
from bot.demo import ADMIN_ID, OFFICIALS, TOKEN, world_config
from emulator import BotApiEmulator
from storage.codec import case_from_json, event_from_row
from storage.postgres import translate

WORKER = Path(__file__).with_name("pg_failover_worker.py")
SEED = int(os.environ.get("SOPBOT_CRASH_SEED", "6"))
KILLS = 12
DEADLINE = 300.0

T = TypeVar("T")


class SyncPg:
    """A connection the officials can ask synchronously (their checks are plain
    functions): it lives on a thread of its own with its own event loop."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.conn = self.call(asyncpg.connect(url))

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return self.call(self.conn.fetch(translate(sql), *params))

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.call(self.conn.fetchval(translate(sql), *params))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.conn.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Worker:
    proc: asyncio.subprocess.Process
    started: float
    state: str = "starting"  # starting, standby, active, ready
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class FailoverBots:
    """The bot as an active/standby pair; the interface of the crash test's ``BotProcess``:
    ``kill()`` kills the active process (the standby takes over), ``spawn()`` adds a
    process, ``start()`` returns once a process polls and another one waits behind it."""

    def __init__(self, out: Path, url: str, base_url: str, log: IO[bytes]) -> None:
        self.out, self.url, self.base_url, self.log = out, url, base_url, log
        self.workers: list[Worker] = []
        self.generation = 0  # hand-overs so far (a new active process each time)
        self.ready = asyncio.Event()
        self.proc: Any = None
        self.closed = False
        self.handoffs: list[float] = []  # kill of a polling active -> the standby polling
        self.spawned = 0
        self._killed_at: float | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def spawn(self) -> None:
        if self.closed:
            raise RuntimeError("the test is over: no more bot processes")
        self.spawned += 1
        self.log.write(f"--- bot process {self.spawned} ---\n".encode())
        self.log.flush()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), str(self.out), self.url, self.base_url,
            stdout=asyncio.subprocess.PIPE, stderr=self.log,
        )  # fmt: skip
        worker = Worker(proc, time.monotonic())
        self.workers.append(worker)
        self._tasks.append(asyncio.create_task(self._follow(worker)))

    async def _follow(self, worker: Worker) -> None:
        assert worker.proc.stdout is not None
        while line := await worker.proc.stdout.readline():
            worker.state = line.decode().strip()
            if worker.state == "ready":
                self.generation += 1
                self.proc = worker.proc
                if self._killed_at is not None and worker.started < self._killed_at:
                    self.handoffs.append(time.monotonic() - self._killed_at)
                self._killed_at = None
                self.ready.set()
            worker.changed.set()
            worker.changed = asyncio.Event()

    def alive(self) -> list[Worker]:
        return [w for w in self.workers if w.proc.returncode is None]

    def active(self) -> Worker | None:
        """The process holding the lock (or about to), else the oldest one starting."""
        alive = self.alive()
        for w in alive:
            if w.state in ("active", "ready"):
                return w
        return alive[0] if alive else None

    async def kill(self) -> None:
        victim = self.active()
        if victim is None:
            return
        was_ready = victim.state == "ready"
        with contextlib.suppress(ProcessLookupError):
            victim.proc.send_signal(signal.SIGKILL)
        await victim.proc.wait()
        self.ready.clear()
        self._killed_at = time.monotonic() if was_ready else None
        if self.proc is victim.proc:
            self.proc = None

    async def start(self) -> None:
        """A process polls and a standby waits behind it."""
        if not self.alive():
            await self.spawn()
        await asyncio.wait_for(self.ready.wait(), 60)
        if len(self.alive()) < 2:
            await self.spawn()
        standby = self.alive()[-1]
        while standby.state not in ("standby", "active", "ready"):
            await asyncio.wait_for(standby.changed.wait(), 60)

    async def close(self) -> None:
        self.closed = True
        for w in self.workers:
            if w.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.send_signal(signal.SIGKILL)
                await w.proc.wait()
        for task in self._tasks:
            task.cancel()


@dataclass
class PgOfficials(crash.Officials):
    """The crash test's officials, who look at the case in PostgreSQL."""

    pg: SyncPg | None = None

    def _pg(self) -> SyncPg:
        assert self.pg is not None
        return self.pg

    def _case(self) -> Case | None:
        rows = self._pg().query("SELECT state, format FROM cases WHERE id = ?", (crash.CASE,))
        return case_from_json(rows[0][0], rows[0][1]) if rows else None

    def count(self) -> int:
        sql = "SELECT COUNT(*) FROM events WHERE case_id = ?"
        return int(self._pg().value(sql, (crash.CASE,)))

    def case_exists(self) -> bool:
        return self._case() is not None

    def version(self) -> tuple[int, int]:
        case = self._case()
        assert case is not None
        return case.step, case.version

    def dialogue(self, who: str) -> tuple[str, dict[str, Any], int | None] | None:
        sql = "SELECT kind, data, version FROM dialogues WHERE person_id = ?"
        rows = self._pg().query(sql, (self.users[who].id,))
        return (rows[0][0], json.loads(rows[0][1]), rows[0][2]) if rows else None

    def team(self) -> tuple[int, ...]:
        case = self._case()
        return case.team if case else ()


class PgKiller(crash.Killer):
    pg: SyncPg

    def events(self) -> int:
        try:
            sql = "SELECT COUNT(*) FROM events WHERE case_id = ?"
            return int(self.pg.value(sql, (crash.CASE,)))
        except Exception:
            return -1


async def test_sigkill_of_the_active_process_hands_over_to_the_standby(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    out = tmp_path / "bot"
    out.mkdir()
    rng = random.Random(SEED)
    pg = SyncPg(pg_url)
    try:
        async with BotApiEmulator(token=TOKEN, bot_username="sopbot_demo_bot") as emu:
            users = {
                p.key: emu.user(p.telegram_id, p.name.split(",")[0], username=p.key)
                for p in OFFICIALS
            }
            users["admin"] = emu.user(ADMIN_ID, "Admin", username="admin")
            with (out / "bot.log").open("ab") as log:
                bots = FailoverBots(out, pg_url, emu.base_url, log)
                try:
                    await bots.start()
                    for user in users.values():
                        await user.send("/start")
                        await user.wait_message(timeout=30)
                    killer = PgKiller(bots, emu, rng, out / "unused")
                    killer.pg = pg
                    plan = Counter(rng.choices(range(1, crash.ACTIONS + 1), k=KILLS))
                    officials = PgOfficials(
                        emu,
                        users,
                        out / "unused",
                        bots,
                        killer=killer,
                        kill_plan=plan,
                        pg=pg,
                    )
                    began = time.monotonic()
                    await asyncio.wait_for(crash.play(officials), DEADLINE)
                    played = time.monotonic() - began
                    assert officials.actions == crash.ACTIONS
                    await bots.start()

                    def pending() -> int:
                        return int(
                            pg.value(
                                "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL "
                                "AND failed_at IS NULL"
                            )
                        )

                    # the outbox drains (rows a killed process had taken wait out their lease)
                    await emu.wait_until(lambda: not pending(), timeout=60)
                    await crash.everyone_answered(users)
                    await emu.wait_until(lambda: not pending(), timeout=60)
                finally:
                    await bots.close()
            kills = killer.kills
            print(f"\n[failover] seed {SEED}: {len(kills)} kills in {played:.1f} s of play")
            for i, k in enumerate(kills, 1):
                print(f"[failover]  {i:2}. {k.mode:7} at log entry {k.events:2}: {k.detail}")
            hand = bots.handoffs
            print(
                f"[failover] hand-overs to a waiting standby: {len(hand)}, seconds from the "
                f"kill to the standby polling: max {max(hand):.2f}, median "
                f"{statistics.median(hand):.2f} ({', '.join(f'{h:.2f}' for h in hand)}); "
                f"{bots.spawned} processes in all"
            )
            definition = load_sops(world_config(out, emu.base_url)).default
            case = officials._case()
            rows = pg.query("SELECT * FROM events WHERE case_id = ? ORDER BY seq", (crash.CASE,))
            events = [event_from_row(r) for r in rows]
            assert case is not None and case.status is CaseStatus.ARCHIVED
            log_entries = [(e.type.value, e.step) for e in events]
            assert log_entries == crash.EXPECTED_LOG  # no transition lost, none twice
            assert log_problems(definition, case, events) == []
            uploads = pg.query(
                "SELECT sha256 FROM files WHERE case_id = ? AND kind = 'upload'", (crash.CASE,)
            )
            assert len(uploads) == len({r[0] for r in uploads}), "one row per content"
            assert len(case.files) == 8
            outbox = pg.query(
                "SELECT id, chat_id, kind, sent_at, failed_at, message_id FROM outbox"
            )
            assert [r["id"] for r in outbox if r["sent_at"] is None] == []  # none pending/failed
            chats = emu.state.chats
            missing = [
                (r["id"], r["kind"], r["chat_id"])
                for r in outbox
                if r["chat_id"] != 0
                and r["message_id"] is not None
                and r["message_id"] not in chats[r["chat_id"]].messages
            ]
            assert missing == []  # every notification is in its chat (at least once)
            sends = Counter(
                (c.method, c.params.get("chat_id"), c.params.get("text"))
                for c in emu.calls
                if c.ok and c.method == "sendMessage"
            )
            again = sum(n - 1 for n in sends.values() if n > 1)
            print(
                f"[failover] outbox: {len(outbox)} rows, all sent; messages Telegram took twice "
                f"(an answer lost to a kill, or sent again after the lease): {again}; updates "
                f"delivered again: {crash.updates_delivered_more_than_once(emu)}"
            )
            assert len(kills) >= KILLS
            assert hand, "no kill hit a polling process with a standby behind it"
            logged = (out / "bot.log").read_text(encoding="utf-8", errors="replace")
            assert TOKEN.partition(":")[2] not in logged
            assert "waiting as standby" in logged and "active now" in logged
    finally:
        pg.close()
