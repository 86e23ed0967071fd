"""End to end on PostgreSQL: the real bot (emulated Telegram) with ``storage.database`` a
``postgresql://`` URL plays the demo's two cases to the archive, and a reminder sweep runs;
the same checks as on SQLite (the log replays to the stored case, every outbox row was
delivered). The server ending the bot's idle connections (a DBA's ``idle_session_timeout``
or ``pg_terminate_backend``) costs the officials nothing. Skipped, with the reason, without
a server (``SOPBOT_TEST_PG``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg
import pytest
from pg_helpers import pg_url  # noqa: F401 (fixture)
from reliability_helpers import log_problems

from bot import texts as t
from bot.core.model import CaseStatus
from bot.demo import Script, World, play_acting, play_sop
from storage import repo
from storage.postgres import PostgresDatabase


async def test_the_demo_cases_reach_the_archive_on_postgresql(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    async with World(tmp_path, storage={"database": pg_url}) as world:
        db = world.services.db
        assert isinstance(db, PostgresDatabase)
        await world.everyone_starts()
        case_id = await play_sop(world)
        acting_case = await play_acting(world)
        await world.drained()
        definition = world.services.sops.default
        for number in (case_id, acting_case):
            case = await db.read(repo.load_case, number)
            events = await db.read(repo.load_events, number)
            assert case is not None and case.status is CaseStatus.ARCHIVED
            assert log_problems(definition, case, events) == []
            papers = [f for f in await db.read(repo.files_of_case, number) if f.kind == "paper"]
            assert papers and all(world.services.files.resolve(f.path).is_file() for f in papers)
        counts = await db.read(repo.outbox_counts)
        assert counts["pending"] == 0 and counts["failed"] == 0 and counts["sent"] > 100
        # the messages the outbox recorded are in the chats
        sent = await db.read(
            lambda tx: tx.all(
                "SELECT chat_id, message_id FROM outbox WHERE message_id IS NOT NULL "
                "AND chat_id <> 0"
            )
        )
        chats = world.emu.state.chats
        missing = [(c, m) for c, m in sent if m not in chats[c].messages]
        assert missing == []
        # a reminder sweep over the (closed) cases changes nothing and fails nothing
        assert await world.services.reminders.sweep() == 0


async def test_kabag_returns_with_a_pasted_nul_in_his_reason_on_postgresql(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """PostgreSQL cannot store a NUL: a reason pasted with one (and a bell) is kept without
    them, as on SQLite, and Kasubag reads it."""
    async with World(tmp_path, storage={"database": pg_url}) as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.submit("Program Kerja dengan alasan aneh")
        await s.press("kabag", "Kembalikan", case_id)
        await s.answer_prompt("kabag", "Lengkapi\x00 TOR\x07 dan anggaran")
        await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text)
        await world.drained()
        events = await world.services.db.read(repo.load_events, case_id)
        assert events[-1].reason == "Lengkapi TOR dan anggaran"
        told = [m.text for m in world["kasubag"].bot_messages if f"Berkas #{case_id}" in m.text]
        assert any("Lengkapi TOR dan anggaran" in text for text in told), told


def apologies(world: World, who: str) -> list[str]:
    return [m.text for m in world[who].bot_messages if t.ERROR_GENERIC[:40] in m.text]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_dbas_idle_session_timeout_brings_kasubag_no_apologies(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The DBA reaps idle connections (``idle_session_timeout``, here 2 s). Kasubag asks for
    /tugas now and then, each time after a longer pause: each time he gets his task list,
    not the apology, and the administrator is not alerted."""
    conn = await asyncpg.connect(pg_url)
    try:
        name = pg_url.rsplit("/", 1)[1]
        await conn.execute(f"ALTER DATABASE \"{name}\" SET idle_session_timeout = '2s'")
    finally:
        await conn.close()
    async with World(tmp_path, storage={"database": pg_url}) as world:
        kasubag = world["kasubag"]
        await kasubag.send("/start")
        await kasubag.wait_message(timeout=15)
        for _ in range(2):
            await asyncio.sleep(3)  # the server ends the bot's idle connections
            kasubag.mark_seen()
            await kasubag.send("/tugas")
            await kasubag.wait_message(timeout=15)
        await world.drained()
        assert apologies(world, "kasubag") == []
        assert world["admin"].bot_messages == []
        assert errors_logged(caplog) == []


async def test_kabags_reason_typed_after_the_connections_were_cut_is_kept(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Kabag presses Kembalikan; while he types the reason the DBA ends the bot's database
    connections (pg_terminate_backend). His reason is applied, not lost with an apology."""
    async with World(tmp_path, storage={"database": pg_url}) as world:
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.submit("Program Kerja saat koneksi diputus")
        await s.press("kabag", "Kembalikan", case_id)
        await s.seen("kabag", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
        await world.drained()
        monitor = await asyncpg.connect(pg_url)
        try:
            cut = await monitor.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'sopbot' AND pid <> pg_backend_pid()"
            )
        finally:
            await monitor.close()
        assert len(cut) >= 2  # the writer's and the readers' that were used
        await asyncio.sleep(0.3)
        await world["kabag"].send("Lengkapi TOR dengan jadwal")
        await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text)
        await world.drained()
        events = await world.services.db.read(repo.load_events, case_id)
        assert (events[-1].type.value, events[-1].reason) == (
            "returned",
            "Lengkapi TOR dengan jadwal",
        )
        assert apologies(world, "kabag") == []
        assert errors_logged(caplog) == []  # no update lost its place, no sweep failed
