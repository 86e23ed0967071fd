"""The reminder sweep against office time, restarts and a burst (issue 5).

The bot is the real Application talking HTTP to the emulator (``World``); the only fake is
the clock (``ManualClock``), which the tests move forward only (the outbox schedules its
retries by it). Each test starts on a Monday at 09.00 WIB and drives the sweep itself with
``await world.services.reminders.sweep()`` after setting the clock.

What was reminded is read from the outbox (the *ledger*): a reminder is a ``task`` row with
params ``{"reminder": n}`` for each holder, an escalation a ``notice`` row
``{"t": "escalation", "n": n}`` for each superior told; the texts ("⏰ Pengingat ke-n",
"📣 Eskalasi") are rendered when sent, and checked on the officials' phones. Delivered rows
are pruned after ``storage.retention_days`` (also when the bot starts): the tests keep them
30 days, longer than any stop they simulate.

What the configuration used here means (``[reminders]``, the defaults, spelled out):

* a step's first reminder falls due when its time norm (working minutes) is used up;
* ``repeat_every_minutes = 240``: each further reminder 240 *working* minutes after the last
  one that was sent (not after the one that should have been sent: an outage never leads to
  a burst of catch-up reminders);
* ``escalate_after = 2``: reminder number n goes out at level ``n // escalate_after``, so
  reminder 1 goes to the holder only, reminders 2 and 3 to the holder and the holder's direct
  superior, reminders 4 and 5 also to the superior's superior, and so on up the SOP's role
  hierarchy (kasubag -> kabag -> karo; tim -> kasubag; fungsional_umum -> kasubag);
* ``check_every_seconds = 3600``: the JobQueue sweep still runs once a second after every
  start and then hourly; since every sweep reads the same (manual) clock and counts each
  reminder in the transaction that queues it, a sweep by the job is indistinguishable from
  one by the test, and every assertion is about what was queued and delivered, never about
  who swept.

Office time: Monday to Friday 08.00-16.00 Asia/Jakarta, Indonesian public holidays (the
``holidays`` package, "ID"), plus ``time.extra_days_off`` (cuti bersama) from the config.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import weakref
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.demo import OFFICIALS, World
from bot.services.queries import OVERDUE_PER_PAGE
from bot.services.reminders import DIGEST_ABOVE
from storage import repo
from storage.codec import parse_ts
from storage.db import Tx

JAKARTA = ZoneInfo("Asia/Jakarta")
WAIT = 15.0
ID = {p.key: p.telegram_id for p in OFFICIALS}
REMINDERS = {
    "repeat_every_minutes": 240,
    "escalate_after": 2,
    "max_snooze_minutes": 2880,
    "check_every_seconds": 3600,
}


def wib(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


@dataclass(frozen=True)
class Sent:
    """One reminder-caused outbox row: to whom, which reminder, holder's or escalation."""

    kind: str  # "reminder" (a task row with the step's buttons) or "escalation"
    who: str  # the official's key (kasubag, kabag, ...)
    number: int  # "Pengingat ke-<number>"


KEY_OF = {p.telegram_id: p.key for p in OFFICIALS}


def parse_sent(kind: str, chat_id: int, params: dict[str, Any]) -> Sent | None:
    """The reminder an outbox row stands for (None: a row of another kind)."""
    who = KEY_OF.get(chat_id, str(chat_id))
    if kind == "task" and "reminder" in params:
        return Sent("reminder", who, int(params["reminder"]))
    if kind == "notice" and params.get("t") == "escalation":
        return Sent("escalation", who, int(params["n"]))
    return None


def outbox_of_case(tx: Tx, case_id: int | None) -> list[Any]:
    """The case's outbox rows (every row when ``case_id`` is None), in the order queued."""
    return tx.all(
        "SELECT case_id, chat_id, kind, params, sent_at, failed_at, attempts FROM outbox "
        "WHERE ? IS NULL OR case_id = ? ORDER BY id",
        (case_id, case_id),
    )


def sent_of(row: Any) -> Sent | None:
    return parse_sent(row["kind"], row["chat_id"], json.loads(row["params"]))


async def ledger(world: World, case_id: int) -> list[Sent]:
    """Every reminder and escalation queued for the case, in the order queued."""
    rows = await world.services.db.read(outbox_of_case, case_id)
    return [s for s in map(sent_of, rows) if s is not None]


def reminder(number: int, holder: str = "kasubag", *superiors: str) -> list[Sent]:
    return [Sent("reminder", holder, number)] + [
        Sent("escalation", who, number) for who in superiors
    ]


async def sweep_at(world: World, clock: ManualClock, moment: datetime) -> None:
    """Move the clock (forward only) to ``moment``, sweep, and let the outbox deliver."""
    assert moment >= clock.now(), f"the clock only moves forward ({clock.now()} -> {moment})"
    clock.set(moment)
    await world.services.reminders.sweep()
    await world.drained(WAIT)
    _note_arrivals(world)


async def open_case(world: World, title: str) -> int:
    """Kasubag starts a case (the service /baru ends in); it waits at step 1 (norm 240)."""
    outcome = await world.services.cases.start_case(ID["kasubag"], title, 2027)
    return int(outcome.case.id)


async def case_row(world: World, case_id: int) -> Any:
    row = await world.services.db.read(
        lambda tx: tx.one(
            "SELECT reminders_sent, last_reminded_at, snoozed_until, next_due_at FROM cases "
            "WHERE id = ?",
            (case_id,),
        )
    )
    assert row is not None
    return row


# what each reminder said when it arrived, by world, chat and message: a copy the next
# reminder supersedes loses its text ("dikirim ulang di bawah")
_ARRIVED: weakref.WeakKeyDictionary[World, dict[tuple[int, int], str]] = weakref.WeakKeyDictionary()


def _note_arrivals(world: World) -> dict[tuple[int, int], str]:
    arrived = _ARRIVED.setdefault(world, {})
    for user in world.users.values():
        for m in user.bot_messages:
            if m.text.startswith("⏰ Pengingat ke-"):
                arrived.setdefault((m.chat_id, m.message_id), m.text)
    return arrived


def delivered(world: World, who: str, case_id: int) -> list[str]:
    """The reminders the official got on the phone for this case, in order, as they
    arrived: each first line's lead ("⏰ Pengingat ke-2" of "⏰ Pengingat ke-2 · Mohon
    diajukan · Langkah 1 dari 12 · Berkas #3")."""
    arrived = _note_arrivals(world)
    chat = world[who].id
    return [
        text.split("\n", 1)[0].split(" · ", 1)[0]
        for (at, _), text in sorted(arrived.items())
        if at == chat and f"Berkas #{case_id} " in text
    ]


@asynccontextmanager
async def world_at(
    tmp_path: Path, start: datetime, *, time: dict[str, Any] | None = None
) -> AsyncIterator[tuple[World, ManualClock]]:
    assert start.weekday() == 0 and (start.hour, start.minute) == (9, 0), "a Monday 09.00"
    clock = ManualClock(start)
    async with World(
        tmp_path,
        clock=clock,
        reminders=REMINDERS,
        storage={"retention_days": 30},  # longer than any stop simulated here
        time=time or {},
    ) as world:
        await world.everyone_starts()
        yield world, clock


# -- office time -----------------------------------------------------------------------


async def test_nothing_at_night_at_the_weekend_or_on_independence_day_then_exactly_one(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(2026, 8, 10, 9)) as (world, clock):
        clock.set(wib(2026, 8, 14, 12))  # Friday 12.00: the 4-hour norm ends at closing time
        case = await open_case(world, "Usulan Jumat siang")
        # Monday 17 August is Hari Kemerdekaan: the reminder is due Tuesday 08.00, and the
        # index column says so (the sweep reads only rows whose next_due_at has come)
        assert date(2026, 8, 17) in world.services.calendar.holidays_in(2026)
        row = await case_row(world, case)
        assert parse_ts(row["next_due_at"]) == wib(2026, 8, 18, 8)
        for quiet in (
            wib(2026, 8, 14, 15, 59),  # norm not used up yet
            wib(2026, 8, 14, 16),  # used up at closing time: nobody is at work
            wib(2026, 8, 14, 21),  # Friday night
            wib(2026, 8, 15, 10),  # Saturday
            wib(2026, 8, 16, 10),  # Sunday
            wib(2026, 8, 17, 8),  # the holiday, office hours
            wib(2026, 8, 17, 13),
            wib(2026, 8, 18, 7, 59),  # Tuesday, a minute before the office opens
        ):
            await sweep_at(world, clock, quiet)
            assert await ledger(world, case) == [], quiet
        await sweep_at(world, clock, wib(2026, 8, 18, 8))
        assert await ledger(world, case) == reminder(1)
        for again in (wib(2026, 8, 18, 8, 1), wib(2026, 8, 18, 11, 59)):
            await sweep_at(world, clock, again)
        assert await ledger(world, case) == reminder(1)  # exactly one
        await sweep_at(world, clock, wib(2026, 8, 18, 12))  # 240 working minutes later
        assert await ledger(world, case) == reminder(1) + reminder(2, "kasubag", "kabag")
        assert delivered(world, "kasubag", case) == ["⏰ Pengingat ke-1", "⏰ Pengingat ke-2"]


async def test_christmas_and_an_extra_day_off_from_the_config_are_skipped(
    tmp_path: Path,
) -> None:
    # an office that lists its joint leave days itself (time.joint_leave = false)
    days_off = {"joint_leave": False, "extra_days_off": ["2026-12-24"]}
    async with world_at(tmp_path, wib(2026, 12, 21, 9), time=days_off) as (world, clock):
        calendar = world.services.calendar
        # 24 December 2026 (a Thursday) is no public holiday: only the config makes it a day off
        assert date(2026, 12, 24) not in calendar.holidays_in(2026)
        assert not calendar.is_working_day(date(2026, 12, 24))
        assert date(2026, 12, 25) in calendar.holidays_in(2026)
        clock.set(wib(2026, 12, 23, 9))  # Wednesday
        early = await open_case(world, "Usulan Rabu pagi")  # due Wednesday 13.00
        clock.set(wib(2026, 12, 23, 12))
        late = await open_case(world, "Usulan Rabu siang")  # due at closing time
        await sweep_at(world, clock, wib(2026, 12, 23, 13))
        assert await ledger(world, early) == reminder(1)
        assert await ledger(world, late) == []
        for quiet in (
            wib(2026, 12, 23, 16),
            wib(2026, 12, 24, 9),  # cuti bersama (time.extra_days_off)
            wib(2026, 12, 24, 14),
            wib(2026, 12, 25, 9),  # Christmas
            wib(2026, 12, 26, 9),  # Saturday
            wib(2026, 12, 28, 7, 59),
        ):
            await sweep_at(world, clock, quiet)
            assert await ledger(world, early) == reminder(1), quiet
            assert await ledger(world, late) == [], quiet
        await sweep_at(world, clock, wib(2026, 12, 28, 8))
        assert await ledger(world, late) == reminder(1)
        # the early case's repeat counts working minutes only: 180 on Wednesday, 60 on Monday
        assert await ledger(world, early) == reminder(1)
        await sweep_at(world, clock, wib(2026, 12, 28, 8, 59))
        assert await ledger(world, early) == reminder(1)
        await sweep_at(world, clock, wib(2026, 12, 28, 9))
        assert await ledger(world, early) == reminder(1) + reminder(2, "kasubag", "kabag")
        assert await ledger(world, late) == reminder(1)


# -- restarts --------------------------------------------------------------------------


async def until(check: Any) -> None:
    """Wait (polling the database) until ``await check()`` is true."""
    for _ in range(int(WAIT / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


async def test_a_restart_between_reminders_neither_repeats_nor_loses_one(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        first = await open_case(world, "Berkas pertama")  # due 13.00
        clock.set(wib(2026, 7, 6, 10))
        second = await open_case(world, "Berkas kedua")  # due 14.00
        clock.set(wib(2026, 7, 6, 11))
        third = await open_case(world, "Berkas ketiga")  # due 15.00
        await sweep_at(world, clock, wib(2026, 7, 6, 13))
        assert [await ledger(world, c) for c in (first, second, third)] == [reminder(1), [], []]

        await world.stop_bot()
        clock.set(wib(2026, 7, 6, 15, 30))  # while the bot is down, the other two fall due
        await world.start_bot()

        async def both_queued() -> bool:
            return all([await ledger(world, c) for c in (second, third)])

        # nobody calls sweep: the JobQueue's first run after the start finds them
        await until(both_queued)
        await world.drained(WAIT)
        await sweep_at(world, clock, wib(2026, 7, 6, 15, 31))
        expected = [reminder(1), reminder(1), reminder(1)]
        assert [await ledger(world, c) for c in (first, second, third)] == expected
        # a second restart at the same moment changes nothing
        await world.stop_bot()
        await world.start_bot()
        await sweep_at(world, clock, wib(2026, 7, 6, 15, 32))
        assert [await ledger(world, c) for c in (first, second, third)] == expected
        for case in (first, second, third):
            assert delivered(world, "kasubag", case) == ["⏰ Pengingat ke-1"]
        # and the next ones come 240 working minutes after each reminder actually sent:
        # Tuesday 09.00 for the first, 11.30 for the two sent at 15.30 after the restart
        await sweep_at(world, clock, wib(2026, 7, 7, 9))
        assert await ledger(world, first) == reminder(1) + reminder(2, "kasubag", "kabag")
        await sweep_at(world, clock, wib(2026, 7, 7, 11, 29))
        assert [await ledger(world, c) for c in (second, third)] == [reminder(1), reminder(1)]
        await sweep_at(world, clock, wib(2026, 7, 7, 11, 30))
        again = reminder(1) + reminder(2, "kasubag", "kabag")
        assert [await ledger(world, c) for c in (second, third)] == [again, again]


async def test_a_reminder_queued_but_undelivered_at_a_stop_is_delivered_once_after(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        case = await open_case(world, "Berkas saat gangguan")
        await world.drained(WAIT)  # the case's own task is delivered
        world.emu.faults.fail(1000, status=502, method="sendMessage")  # Telegram is down
        clock.set(wib(2026, 7, 6, 13))
        await world.services.reminders.sweep()
        svc = world.services

        async def tried() -> bool:
            rows = await svc.db.read(outbox_of_case, case)
            return any(sent_of(r) is not None and r["attempts"] >= 1 for r in rows)

        await until(tried)  # the sender tried, failed, and scheduled a retry
        await world.stop_bot()
        assert delivered(world, "kasubag", case) == []  # queued, not delivered
        world.emu.faults.clear()
        clock.set(wib(2026, 7, 6, 13, 5))  # past the retry time; the norm still used up
        await world.start_bot()
        await world.services.reminders.sweep()
        await world.drained(WAIT)
        assert await ledger(world, case) == reminder(1)
        assert delivered(world, "kasubag", case) == ["⏰ Pengingat ke-1"]
        counts = await world.services.db.read(repo.outbox_counts)
        assert counts["failed"] == 0 and counts["pending"] == 0


async def test_open_cases_of_an_older_database_get_their_due_time_at_start_and_are_reminded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The migration that added ``next_due_at`` left it empty on the cases already open; the
    sweep reads only rows whose due time has come, so such a case would never be reminded.
    ``Reminders.reschedule()``, run at every start, gives each its due time."""
    caplog.set_level(logging.INFO, logger="bot.services.reminders")
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        kept = await open_case(world, "Berkas dengan jadwal")  # due 13.00
        old = await open_case(world, "Berkas dari basis data lama")  # due 13.00 too ...
        # ... but its row is as the migration left it: no due time
        await world.services.db.write(
            lambda tx: tx.run("UPDATE cases SET next_due_at = NULL WHERE id = ?", (old,))
        )
        assert (await case_row(world, old))["next_due_at"] is None
        ever = await world.services.db.read(repo.due_case_ids, wib(2027, 1, 1, 9), 100)
        assert kept in ever and old not in ever  # invisible to every sweep, however late

        clock.set(wib(2026, 7, 6, 12))
        await world.stop_bot()
        await world.start_bot()
        assert "reminders scheduled for 1 open cases that had none" in caplog.text
        assert parse_ts((await case_row(world, old))["next_due_at"]) == wib(2026, 7, 6, 13)
        assert parse_ts((await case_row(world, kept))["next_due_at"]) == wib(2026, 7, 6, 13)

        await sweep_at(world, clock, wib(2026, 7, 6, 12, 59))
        assert [await ledger(world, c) for c in (kept, old)] == [[], []]
        await sweep_at(world, clock, wib(2026, 7, 6, 13))
        assert [await ledger(world, c) for c in (kept, old)] == [reminder(1), reminder(1)]
        # once: a further start finds nothing to fill, and nothing more is due
        await world.stop_bot()
        await world.start_bot()
        await sweep_at(world, clock, wib(2026, 7, 6, 13, 1))
        assert caplog.text.count("reminders scheduled for") == 1
        assert [await ledger(world, c) for c in (kept, old)] == [reminder(1), reminder(1)]
        for case in (kept, old):
            assert delivered(world, "kasubag", case) == ["⏰ Pengingat ke-1"]


async def test_a_norm_shortened_in_the_config_reminds_an_open_case_by_the_new_norm(
    tmp_path: Path,
) -> None:
    """Step 1's norm is 4 working hours. The administrator cuts it to 1 hour in the config
    (``sop_time_overrides``) and restarts the bot at 10.30: the case opened at 09.00 is due
    from 10.00 and reminded at once, not at 13.00 as first planned."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        case = await open_case(world, "Berkas yang normanya dipersingkat")
        assert parse_ts((await case_row(world, case))["next_due_at"]) == wib(2026, 7, 6, 13)
        await world.stop_bot()
        world.config_sections["sop_time_overrides"] = {"ppk-rkakl-pk": {"1": 60}}
        world.config = world.reload_config()
        clock.set(wib(2026, 7, 6, 10, 30))
        await world.start_bot()
        assert parse_ts((await case_row(world, case))["next_due_at"]) == wib(2026, 7, 6, 10)
        await sweep_at(world, clock, wib(2026, 7, 6, 10, 30))
        assert await ledger(world, case) == reminder(1)


async def test_a_norm_lengthened_after_the_first_reminder_holds_the_escalation_to_the_new_norm(
    tmp_path: Path,
) -> None:
    """Step 1's norm is 4 working hours: Kasubag is reminded Monday 13.00. The administrator
    lengthens it to 2 working days (``sop_time_overrides``) and restarts the bot: the step is
    within its norm again, so Kabag is not escalated to on Tuesday 09.00 (240 working
    minutes after that reminder) but when the new norm and a repeat interval are used up,
    Wednesday 13.00, with Kasubag's second reminder."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        case = await open_case(world, "Berkas yang normanya diperpanjang")
        await sweep_at(world, clock, wib(2026, 7, 6, 13))
        assert await ledger(world, case) == reminder(1)
        await world.stop_bot()
        world.config_sections["sop_time_overrides"] = {"ppk-rkakl-pk": {"1": 960}}
        world.config = world.reload_config()
        clock.set(wib(2026, 7, 6, 15))
        await world.start_bot()
        await sweep_at(world, clock, wib(2026, 7, 7, 9))
        await sweep_at(world, clock, wib(2026, 7, 8, 12, 59))
        assert await ledger(world, case) == reminder(1)
        await sweep_at(world, clock, wib(2026, 7, 8, 13))
        assert await ledger(world, case) == reminder(1) + reminder(2, "kasubag", "kabag")


async def test_a_week_long_stop_sends_one_reminder_not_one_per_missed_interval(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        case = await open_case(world, "Berkas sebelum libur panjang")
        await sweep_at(world, clock, wib(2026, 7, 6, 13))
        assert await ledger(world, case) == reminder(1)
        await world.stop_bot()
        # a week (five working days: ten repeat intervals) without the bot
        clock.set(wib(2026, 7, 13, 10))
        await world.start_bot()
        await sweep_at(world, clock, wib(2026, 7, 13, 10))
        await sweep_at(world, clock, wib(2026, 7, 13, 10, 1))
        assert await ledger(world, case) == reminder(1) + reminder(2, "kasubag", "kabag")
        row = await case_row(world, case)
        assert row["reminders_sent"] == 2
        assert parse_ts(row["last_reminded_at"]) == wib(2026, 7, 13, 10)
        # the next one counts from the reminder sent after the restart
        assert parse_ts(row["next_due_at"]) == wib(2026, 7, 13, 14)
        await sweep_at(world, clock, wib(2026, 7, 13, 13, 59))
        assert len(await ledger(world, case)) == 3
        await sweep_at(world, clock, wib(2026, 7, 13, 14))
        assert (await ledger(world, case))[3:] == reminder(3, "kasubag", "kabag")
        assert delivered(world, "kasubag", case) == [
            "⏰ Pengingat ke-1",
            "⏰ Pengingat ke-2",
            "⏰ Pengingat ke-3",
        ]


async def test_every_due_row_is_reached_past_a_page_and_past_a_broken_case(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        svc = world.services
        cases = [await open_case(world, f"Usulan {n}") for n in range(12)]
        # the first case's SOP is taken out of the config while the case is open: it cannot
        # be reminded, and being the first due it must not hold back the eleven after it
        # (nor is its revision known: a revision is looked up before the code)
        broken = cases[0]
        await svc.db.write(
            lambda tx: tx.run(
                "UPDATE cases SET sop_code = 'sop-lama', sop_revision = 'lama', "
                "state = json_set(state, '$.sop_code', 'sop-lama', '$.revision', 'lama') "
                "WHERE id = ?",
                (broken,),
            )
        )
        clock.set(wib(2026, 7, 6, 13))
        # four pages' worth, read three at a time: no more than a digest takes (each of
        # them goes alone, as the ledger reads them)
        assert DIGEST_ABOVE == 3
        await svc.reminders.sweep(limit=3)
        await world.drained(WAIT)
        for case in cases[1:]:
            assert await ledger(world, case) == reminder(1), case
            assert delivered(world, "kasubag", case) == ["⏰ Pengingat ke-1"]
        assert await ledger(world, broken) == []
        assert f"reminder of case {broken} failed" in caplog.text  # named in the log
        await sweep_at(world, clock, wib(2026, 7, 6, 13, 1))
        assert [len(await ledger(world, c)) for c in cases] == [0] + [1] * 11


# -- a deleted account -----------------------------------------------------------------


def sends_to(world: World, who: str, since: int) -> int:
    """How many messages the bot sent the official since the emulator's call ``since``."""
    return sum(
        1
        for c in world.emu.calls[since:]
        if c.method == "sendMessage" and int(c.params.get("chat_id", 0)) == ID[who]
    )


async def sweep_refused(world: World, clock: ManualClock, moment: datetime) -> None:
    """:func:`sweep_at` where a row may go on being refused: the sends are counted after a
    few seconds whether or not the outbox settles."""
    clock.set(moment)
    await world.services.reminders.sweep()
    with contextlib.suppress(TimeoutError):
        await world.drained(3)
    _note_arrivals(world)


async def reachable(world: World, who: str) -> bool:
    value = await world.services.db.read(
        lambda tx: tx.value("SELECT started_bot FROM people WHERE telegram_id = ?", (ID[who],))
    )
    return bool(value)


@pytest.mark.parametrize("cases", [1, DIGEST_ABOVE + 1], ids=["reminder", "digest"])
async def test_a_reminder_to_kasubags_deleted_account_is_tried_once_more_then_left(
    tmp_path: Path, cases: int
) -> None:
    """Kasubag's Telegram account is deleted and the bot never heard of it. His reminder
    (or his digest of reminders) is refused (403): it is tried once more (a 403 may cross
    an unblock), the second 403 settles it and marks him unreachable, and the
    administrator hears once that his task cannot reach him: not sent again and again."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        for n in range(cases):
            await open_case(world, f"Usulan {n}")
        await world.drained(WAIT)
        world["kasubag"].deactivate()
        before = len(world.emu.calls)
        await sweep_refused(world, clock, wib(2026, 7, 6, 13, 30))
        assert sends_to(world, "kasubag", before) == 2
        assert not await reachable(world, "kasubag")
        await asyncio.sleep(0.5)  # nothing more goes
        assert sends_to(world, "kasubag", before) == 2
        if cases == 1:  # a digest is no task: the task it names already reached him
            told = [m.text for m in world["admin"].bot_messages if "telah dihapus" in m.text]
            assert len(told) == 1, told


async def test_an_escalation_to_kabags_deleted_account_is_tried_once_more_then_left(
    tmp_path: Path,
) -> None:
    """Kabag's account is deleted; Kasubag's step is late enough for the second reminder,
    which escalates to Kabag. The escalation is refused (403), tried once more, then
    settled: Kasubag's reminder goes as usual."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        case_id = await open_case(world, "Usulan A")
        await world.drained(WAIT)
        await sweep_at(world, clock, wib(2026, 7, 6, 13, 30))
        world["kabag"].deactivate()
        before = len(world.emu.calls)
        await sweep_refused(world, clock, wib(2026, 7, 7, 10))
        assert await ledger(world, case_id) == reminder(1) + reminder(2, "kasubag", "kabag")
        assert sends_to(world, "kabag", before) == 2
        assert not await reachable(world, "kabag")
        assert delivered(world, "kasubag", case_id) == ["⏰ Pengingat ke-1", "⏰ Pengingat ke-2"]


# -- a burst ---------------------------------------------------------------------------

BURST = 300


async def test_a_burst_of_300_due_steps_is_queued_once_delivered_and_status_stays_prompt(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        svc = world.services
        clock.set(wib(2026, 7, 6, 12))  # the 4-hour norms end at closing time ...
        cases = [await open_case(world, f"Usulan unit {n:03d}") for n in range(BURST)]
        await world.drained(WAIT)
        # ... so every one of them falls due when the office opens on Tuesday
        due_tuesday = await svc.db.read(
            lambda tx: tx.value(
                "SELECT COUNT(*) FROM cases WHERE status = 'open' AND next_due_at = ?",
                ("2026-07-07T01:00:00+00:00",),
            )
        )
        assert due_tuesday == BURST
        clock.set(wib(2026, 7, 7, 8))
        karo = world["karo"]
        karo.mark_seen()
        loop = asyncio.get_running_loop()
        started = loop.time()
        sweeping = asyncio.create_task(svc.reminders.sweep())
        asked: list[tuple[str, float, int]] = []  # (phase, latency in s, outbox pending)

        async def status() -> None:
            """Karo asks for a case's status, as anyone may at any time."""
            phase = "delivery" if sweeping.done() else "sweep"
            pending = (await svc.db.read(repo.outbox_counts))["pending"]
            at = loop.time()
            await karo.send(f"/status {cases[0]}")
            answer = await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
            asked.append((phase, loop.time() - at, pending))
            assert f"Berkas #{cases[0]}" in answer.text

        kasubag = world["kasubag"]

        def delivered() -> int:
            return sum(1 for m in kasubag.bot_messages if m.text.startswith("⏰ Pengingat"))

        while not sweeping.done():  # while the sweep queues the reminders, again and again ...
            await status()
        await sweeping
        swept = loop.time() - started
        await status()  # ... and while the outbox delivers them
        await world.emu.wait_until(lambda: delivered() >= 1, timeout=WAIT)
        await world.drained(60)
        drained = loop.time() - started

        def answered(during: str) -> str:
            seen = [(s, n) for phase, s, n in asked if phase == during]
            return (
                f"{len(seen)} times during the {during} in {min(s for s, _ in seen) * 1000:.0f}"
                f"..{max(s for s, _ in seen) * 1000:.0f} ms ({min(n for _, n in seen)}.."
                f"{max(n for _, n in seen)} pending)"
            )

        print(
            f"\nburst of {BURST}: sweep queued them in {swept:.2f} s, all delivered after "
            f"{drained:.2f} s; /status answered {answered('sweep')}, {answered('delivery')}"
        )
        assert {phase for phase, _, _ in asked} == {"sweep", "delivery"}
        # (each /status was answered within WAIT; the figures are printed above, not judged)
        # every reminder queued exactly once: as one digest, for they are more than a few ...
        rows = await svc.db.read(outbox_of_case, None)
        assert [r for r in rows if sent_of(r) is not None] == []
        digests = [r for r in rows if r["kind"] == "digest"]
        assert [(r["chat_id"], json.loads(r["params"])["t"]) for r in digests] == [
            (ID["kasubag"], "reminder")
        ]
        listed = [entry[0] for entry in json.loads(digests[0]["params"])["cases"]]
        assert Counter(listed) == Counter(cases)
        assert digests[0]["sent_at"] is not None and digests[0]["failed_at"] is None
        next_at_noon = await svc.db.read(
            lambda tx: tx.value(
                "SELECT COUNT(*) FROM cases WHERE reminders_sent = 1 AND next_due_at = ?",
                ("2026-07-07T05:00:00+00:00",),  # 12.00 WIB: the next one, 240 minutes on
            )
        )
        assert next_at_noon == BURST
        # ... and delivered: the outbox is drained with no failed row, one message on
        # Kasubag's phone, and each case's reminder 1 in its chase log
        counts = await svc.db.read(repo.outbox_counts)
        assert (counts["pending"], counts["failed"]) == (0, 0)
        got = [m for m in kasubag.bot_messages if m.text.startswith("⏰ Pengingat")]
        assert len(got) == 1 and got[0].text.startswith(f"⏰ Pengingat: {BURST} tugas")
        chased = await svc.db.read(
            lambda tx: tx.all("SELECT case_id, kind, number, person_id FROM chases")
        )
        assert Counter(r[0] for r in chased) == Counter(cases)
        assert {(r[1], r[2], r[3]) for r in chased} == {("reminder", 1, ID["kasubag"])}
        await sweep_at(world, clock, wib(2026, 7, 7, 8, 1))  # nothing more is due
        assert await svc.db.read(repo.outbox_counts) == counts
        # the administrator's /terlambat counts them all and shows the oldest on its first page
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/terlambat")
        listing = (await admin.wait_message(timeout=WAIT)).text
        shown = re.findall(r"^#(\d+) · langkah 1 \(Kasubag\)", listing, re.MULTILINE)
        assert f"waktu: {BURST} langkah (halaman 1 dari " in listing, listing[:200]
        assert len(listing) <= 4096 and [int(n) for n in shown] == cases[: len(shown)]
        assert len(shown) == OVERDUE_PER_PAGE
