"""The active machine dies without a word, on PostgreSQL: power or network lost, so nothing
closes its connections. The standby takes over within seconds, not when TCP gives up on
the dead machine two hours later.

The active bot process runs in a network namespace joined to this machine by a veth pair
(a second machine as far as TCP can tell); pulling its link down is that machine gone
silent. The server is this test's own (it must listen on the veth's address too) and
keeps PostgreSQL's default keepalives (the kernel's two hours): what ends the dead
sessions is what the bot asks for each session (``storage.postgres.DEAD_PEER_SETTINGS``).
Needs root, iproute2 (``ip netns``), PostgreSQL's server programs and the ``postgres``
user to own the cluster (``bin/with-postgres`` makes it); skipped otherwise, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pg_helpers import pg_url  # noqa: F401 (fixture)

from storage.active import ActiveLock
from storage.postgres import DEAD_PEER_AFTER, DEAD_PEER_SETTINGS, PostgresDatabase

ROOT = Path(__file__).resolve().parents[1]
HOLDER = Path(__file__).with_name("pg_netloss_holder.py")
TAKEOVER = DEAD_PEER_AFTER + 5  # seconds: the server's bound, and a standby's few steps


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a network namespace and a veth pair)"
    if shutil.which("ip") is None:
        return "needs iproute2 (ip netns)"
    if _bindir() is None:
        return "needs PostgreSQL's server programs (initdb, pg_ctl)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "needs the postgres user to own the cluster (bin/with-postgres makes it)"
    return None


def _ip(*args: str, netns: str | None = None) -> None:
    command = ["ip", *args] if netns is None else ["ip", "netns", "exec", netns, "ip", *args]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=30)


@dataclass
class Machine:
    """A second machine: a network namespace behind a veth pair."""

    netns: str
    link: str  # its end of the pair
    address: str  # its address
    host: str  # this machine's address on the pair


@pytest.fixture
def machine() -> Iterator[Machine]:
    if why := _why_not():
        pytest.skip(f"the dead machine test {why}")
    tag = secrets.token_hex(3)
    net = f"198.18.{secrets.randbelow(256)}.{4 * secrets.randbelow(64)}"  # a /30 (RFC 2544)
    base = net.rsplit(".", 1)
    host, address = f"{base[0]}.{int(base[1]) + 1}", f"{base[0]}.{int(base[1]) + 2}"
    m = Machine(f"sopbot{tag}", f"sbn{tag}", address, host)
    try:
        _ip("netns", "add", m.netns)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"the dead machine test cannot make a network namespace: {exc.stderr}")
    try:
        _ip("link", "add", f"sbh{tag}", "type", "veth", "peer", "name", m.link)
        _ip("link", "set", m.link, "netns", m.netns)
        _ip("addr", "add", f"{host}/30", "dev", f"sbh{tag}")
        _ip("link", "set", f"sbh{tag}", "up")
        _ip("addr", "add", f"{address}/30", "dev", m.link, netns=m.netns)
        _ip("link", "set", m.link, "up", netns=m.netns)
        _ip("link", "set", "lo", "up", netns=m.netns)
        yield m
    finally:
        subprocess.run(["ip", "netns", "del", m.netns], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", f"sbh{tag}"], capture_output=True, timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(machine: Machine) -> Iterator[int]:
    """A throw-away PostgreSQL on 127.0.0.1 and on this machine's end of the pair (no
    password: trust, for this machine and the other one only); its port."""
    bindir = _bindir()
    assert bindir is not None
    owner = pwd.getpwnam("postgres")
    folder = Path(tempfile.mkdtemp(prefix="sopbot-pg-netloss."))
    folder.chmod(0o755)
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, port = folder / "data", _free_port()
    as_owner = ["runuser", "-u", "postgres", "--"]
    options = (
        f"-c listen_addresses=127.0.0.1,{machine.host} -p {port} -k {folder} "
        "-c fsync=off -c synchronous_commit=off"
    )
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "sopbot", "--auth=trust"]
        subprocess.run(
            [*as_owner, *initdb, "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {machine.address}/32 trust\n")
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
        subprocess.run(
            [*as_owner, *pg_ctl, "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield port
    finally:
        subprocess.run(
            [*as_owner, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.asynccontextmanager
async def active_process_on(machine: Machine, url: str) -> AsyncIterator[Any]:
    """``tests/pg_netloss_holder.py`` on the other machine; killed at the end."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = await asyncio.create_subprocess_exec(
        *["ip", "netns", "exec", machine.netns, sys.executable, str(HOLDER), url],
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def said(proc: Any, word: str, within: float) -> None:
    """Wait for ``word`` on a line of the process's output."""
    seen = []
    try:
        async with asyncio.timeout(within):
            while line := (await proc.stdout.readline()).decode():
                seen.append(line)
                if line.strip() == word:
                    return
    except TimeoutError:
        pass
    raise AssertionError(f"the active process did not say {word!r}: {''.join(seen)}")


async def test_the_active_machine_loses_its_network_and_the_standby_takes_over_within_15_s(
    machine: Machine,
    server: int,
) -> None:
    there = f"postgresql://sopbot@{machine.host}:{server}/postgres"  # from the other machine
    here = f"postgresql://sopbot@127.0.0.1:{server}/postgres"
    async with active_process_on(machine, there) as active:
        # active, and in the middle of a write (it holds the write lock)
        await said(active, "holding", within=60)
        standby = ActiveLock(here)
        taking = asyncio.create_task(standby.acquire())
        await asyncio.sleep(1.0)
        assert not taking.done(), "the standby waits while the other machine is active"

        _ip("link", "set", machine.link, "down", netns=machine.netns)  # the machine is gone
        cut = time.monotonic()
        await said(active, "lost", within=TAKEOVER)
        noticed = time.monotonic() - cut
        try:
            await asyncio.wait_for(taking, TAKEOVER * 2)
        except TimeoutError:
            pytest.fail(
                f"the standby still waited {TAKEOVER * 2} s after the active machine went "
                "silent: the server kept its session and its lock"
            )
        took_over = time.monotonic() - cut
        try:
            # the write the dead machine had begun no longer holds the write lock
            db = await asyncio.wait_for(PostgresDatabase.open(here), TAKEOVER * 2)
            try:
                rows = await db.write(lambda tx: tx.value("SELECT COUNT(*) FROM processed_updates"))
            finally:
                await db.close()
        except TimeoutError:
            pytest.fail("the standby could not write: the dead machine's write held the lock")
        finally:
            await standby.release()
        writing = time.monotonic() - cut
    print(
        f"\nactive machine silent: it noticed after {noticed:.1f} s; the standby was active "
        f"after {took_over:.1f} s and wrote after {writing:.1f} s"
    )
    assert rows == 0  # the unfinished write never happened
    assert noticed < took_over, "the cut-off process stopped before the standby took over"
    assert writing < TAKEOVER


async def test_every_connection_asks_the_server_to_give_a_silent_client_up(
    pg_url: str,  # noqa: F811
) -> None:
    """The lock's session and the writer's and readers' ask the server to drop them after
    DEAD_PEER_AFTER seconds of a silent peer (what the test above relies on)."""
    sql = "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_%' ORDER BY name"
    wanted = dict(sorted(DEAD_PEER_SETTINGS.items()))
    assert wanted == {
        "tcp_keepalives_count": "3",
        "tcp_keepalives_idle": "4",
        "tcp_keepalives_interval": "2",
        "tcp_user_timeout": "10000",
    }
    lock = ActiveLock(pg_url)
    await lock.acquire()
    try:
        assert dict(await lock._conn.fetch(sql)) == wanted
        assert await lock._conn.fetchval("SHOW tcp_keepalives_idle") == "4"
        db = await PostgresDatabase.open(pg_url)
        try:
            assert dict(await db.write(lambda tx: [tuple(r) for r in tx.all(sql)])) == wanted
            assert dict(await db.read(lambda tx: [tuple(r) for r in tx.all(sql)])) == wanted
        finally:
            await db.close()
    finally:
        await lock.release()
