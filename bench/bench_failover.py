"""Hand-off on PostgreSQL: how long from SIGKILL of the active bot process until the
standby (blocked on the active lock) polls Telegram in its place.

Two real bot processes (``tests/pg_failover_worker.py``: the application ``sopbot run``
builds, with the active lock) share a PostgreSQL database and the Bot API emulator; the
active one is killed ``--rounds`` times, each time with a standby waiting behind it (a new
standby is started after each hand-off). Figures: the hand-off's median, p99 and max
(goal: < 5 s).

Run: bin/with-postgres .venv/bin/python bench/bench_failover.py [--rounds N]
(``SOPBOT_TEST_PG`` names a server where the bench may create a database.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import emit, note, percentile

from bot.demo import TOKEN
from emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "pg_failover_worker.py"


async def spawn(out: Path, url: str, base_url: str, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as handle:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), str(out), url, base_url,
            stdout=asyncio.subprocess.PIPE, stderr=handle, cwd=ROOT,
        )  # fmt: skip


async def until_line(proc: asyncio.subprocess.Process, word: str) -> None:
    assert proc.stdout is not None
    while True:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"the bot process ended before '{word}'")
        if line.strip() == word.encode():
            return


async def standby_waits(url: str) -> None:
    """Until PostgreSQL shows a process blocked on the active lock."""
    conn = await asyncpg.connect(url)
    try:
        for _ in range(600):
            if await conn.fetchval(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the standby never waited on the lock")
    finally:
        await conn.close()


async def main(rounds: int) -> None:
    server = os.environ.get("SOPBOT_TEST_PG")
    if not server:
        note("bench_failover: no PostgreSQL (SOPBOT_TEST_PG): skipped")
        return
    name = f"sopbot_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(server)._replace(path=f"/{name}").geturl()
    out = Path(tempfile.mkdtemp(prefix="bench-failover-"))
    handoffs: list[float] = []
    procs: list[asyncio.subprocess.Process] = []
    try:
        async with BotApiEmulator(token=TOKEN, bot_username="sopbot_bench_bot") as emu:
            active = await spawn(out, url, emu.base_url, out / "bot.log")
            procs.append(active)
            await until_line(active, "ready")
            for _ in range(rounds):
                standby = await spawn(out, url, emu.base_url, out / "bot.log")
                procs.append(standby)
                await until_line(standby, "standby")
                await standby_waits(url)
                killed = time.monotonic()
                active.send_signal(signal.SIGKILL)
                await until_line(standby, "ready")
                handoffs.append(time.monotonic() - killed)
                await active.wait()
                active = standby
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    emit("pg_handoff_p50", percentile(handoffs, 50) * 1000, "ms", None, rounds=rounds)
    emit("pg_handoff_p99", percentile(handoffs, 99) * 1000, "ms", 5000)
    emit("pg_handoff_max", max(handoffs) * 1000, "ms", 5000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(parser.parse_args().rounds))
