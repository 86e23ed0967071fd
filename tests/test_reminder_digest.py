"""Many stalled steps at once: one digest per official and sweep, not a message per case.

A Kasubag holding sixty stalled proposals used to get sixty "⏰ Pengingat ke-1" task
messages in one sweep (a minute of pings at Telegram's one message a second), sixty more
at the next, and Kabag sixty "📣 Eskalasi" notices. Now whoever would get more than
``DIGEST_ABOVE`` (3) reminders, or escalations, in one sweep gets one message listing the
cases, the most overdue first. Each case's reminder count and escalation level move on as
before, and each case listed gets its own row in the chase log when the digest arrives.

The bot is the real Application talking HTTP to the emulator (``World``), the clock a
``ManualClock``; the set-up (Monday 09.00 WIB, step 1 of 240 working minutes, a reminder
every 240 working minutes, escalation from reminder 2) is test_reminders_sweep's.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_reminders_e2e import ask, with_the_team
from test_reminders_sweep import ID, WAIT, open_case, sweep_at, wib, world_at

from bot import texts as t
from bot.callbacks import Op, decode
from bot.clock import ManualClock
from bot.demo import ACTING, ADMIN_ID, OFFICIALS, World
from bot.papers.dates import DEFAULT_ZONE
from bot.services.reminders import DIGEST_ABOVE
from emulator import EmuMessage
from storage import repo
from storage.codec import parse_ts, ts
from storage.db import Tx


def news(world: World, who: str, seen: set[int]) -> list[EmuMessage]:
    """The official's messages from the bot not in ``seen`` (which they are added to)."""
    fresh = [m for m in world[who].bot_messages if m.message_id not in seen]
    seen.update(m.message_id for m in fresh)
    return fresh


async def chases(world: World) -> list[Any]:
    rows: list[Any] = await world.services.db.read(
        lambda tx: tx.all("SELECT case_id, kind, number, person_id, role FROM chases ORDER BY id")
    )
    return rows


async def counters(world: World) -> set[int]:
    rows = await world.services.db.read(
        lambda tx: tx.all("SELECT reminders_sent FROM cases WHERE status = 'open'")
    )
    return {r[0] for r in rows}


async def test_kasubag_with_60_stalled_proposals_gets_one_reminder_listing_them(
    tmp_path: Path,
) -> None:
    """Kasubag starts sixty proposals on Monday morning, a minute apart, and leaves them at
    step 1. At 15.00 their norms have run out: she gets one reminder listing them, the
    longest overdue first, cut to one message; its button opens her task list. On Tuesday
    at 11.00 (reminder 2, which tells Kabag too) she gets one more, and Kabag one
    escalation listing the sixty steps and who holds them."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases = []
        for n in range(60):
            cases.append(await open_case(world, f"Usulan Program Kerja Satker {n:02d}"))
            clock.set(clock.now() + timedelta(minutes=1))
        await world.drained(WAIT)
        seen_k: set[int] = {m.message_id for m in world["kasubag"].bot_messages}
        seen_b: set[int] = {m.message_id for m in world["kabag"].bot_messages}

        await sweep_at(world, clock, wib(2026, 7, 6, 15))
        got = news(world, "kasubag", seen_k)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]  # not sixty
        digest = got[0]
        assert digest.text.startswith("⏰ Pengingat: 60 tugas Bapak/Ibu telah melewati norma")
        assert "yang paling lama terlambat lebih dahulu" in digest.text
        assert len(digest.text) <= t.MAX_MESSAGE
        listed = [int(n) for n in _numbers(digest.text)]
        assert listed == cases[: len(listed)]  # the first started is the longest overdue
        assert f"… dan {60 - len(listed)} lainnya." in digest.text
        assert "Langkah 1: " in digest.text and "terlambat 2 jam kerja" in digest.text
        assert digest.reply_markup is not None
        buttons = [b for row in digest.reply_markup["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons] == [t.BTN_TASK_LIST]
        pressed = decode(buttons[0]["callback_data"])
        assert pressed is not None and pressed.op is Op.TASK_PAGE  # /tugas's own button
        assert news(world, "kabag", seen_b) == []  # reminder 1 goes to the holder only
        assert await counters(world) == {1}
        logged = await chases(world)
        assert Counter(r[0] for r in logged) == Counter(cases)
        assert {tuple(r[1:]) for r in logged} == {("reminder", 1, ID["kasubag"], "kasubag")}
        # and, as a reminder of its own would, until when the step's next one does not
        # come: a repeat interval after the sweep, the moment reminder 2 falls due
        spaced = await world.services.db.read(
            lambda tx: tx.all("SELECT DISTINCT until FROM chases")
        )
        assert [r[0] for r in spaced] == [ts(wib(2026, 7, 7, 11))]

        # the button: her task list, as a new message; the reminder stays as it was
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await kasubag.press(digest, t.BTN_TASK_LIST, timeout=WAIT)
        listing = await kasubag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert listing.message_id != digest.message_id and "60 tugas" in listing.text
        assert digest.text.startswith("⏰ Pengingat: 60 tugas")
        seen_k.add(listing.message_id)

        await sweep_at(world, clock, wib(2026, 7, 7, 11))
        got = news(world, "kasubag", seen_k)
        assert [m.text.split("\n")[0] for m in got] == [
            "⏰ Pengingat: 60 tugas Bapak/Ibu telah melewati norma waktu"
        ]
        told = news(world, "kabag", seen_b)
        assert len(told) == 1, [m.text.split("\n")[0] for m in told]
        escalation = told[0].text
        assert escalation.startswith("📣 Eskalasi: 60 langkah telah melewati norma waktu")
        assert len(escalation) <= t.MAX_MESSAGE and "… dan " in escalation
        assert "pelaksana: Dra. Siti Rahmawati, M.M. (Kasubag)" in escalation
        assert [int(n) for n in _numbers(escalation)][:3] == cases[:3]
        assert await counters(world) == {2}
        logged = (await chases(world))[60:]
        assert Counter((r[0], r[1]) for r in logged) == Counter(
            [(c, "reminder") for c in cases] + [(c, "escalation") for c in cases]
        )
        assert {tuple(r[1:]) for r in logged} == {
            ("reminder", 2, ID["kasubag"], "kasubag"),
            ("escalation", 2, ID["kabag"], "kabag"),
        }
        # the outbox keeps the cases' numbers, not the texts
        rows = await world.services.db.read(
            lambda tx: tx.all("SELECT params FROM outbox WHERE kind = 'digest'")
        )
        assert len(rows) == 3 and all(len(r[0]) < 2000 for r in rows)


async def test_three_stalled_steps_still_come_one_by_one_four_as_one_digest(
    tmp_path: Path,
) -> None:
    """Up to DIGEST_ABOVE reminders in a sweep each come as the task itself (the one the
    demo shows); one more and they come as one digest."""
    assert DIGEST_ABOVE == 3
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        first = [await open_case(world, f"Usulan pagi {n}") for n in range(3)]
        clock.set(wib(2026, 7, 6, 10))
        later = [await open_case(world, f"Usulan siang {n}") for n in range(4)]
        await world.drained(WAIT)
        seen: set[int] = {m.message_id for m in world["kasubag"].bot_messages}

        await sweep_at(world, clock, wib(2026, 7, 6, 13))  # the first three are due
        heads = [m.text.split("\n")[0] for m in news(world, "kasubag", seen)]
        assert len(heads) == 3 and all(h.startswith("⏰ Pengingat ke-1") for h in heads)
        for case in first:
            assert sum(f"Berkas #{case}" in h for h in heads) == 1

        await sweep_at(world, clock, wib(2026, 7, 6, 14))  # the four after them
        got = news(world, "kasubag", seen)
        assert [m.text.split("\n")[0] for m in got] == [
            "⏰ Pengingat: 4 tugas Bapak/Ibu telah melewati norma waktu"
        ]
        assert [int(n) for n in _numbers(got[0].text)] == later
        assert await counters(world) == {1}
        assert Counter(r[0] for r in await chases(world)) == Counter(first + later)


async def test_a_digest_sent_as_the_norms_run_out_does_not_say_terlambat_0_menit(
    tmp_path: Path,
) -> None:
    """Kasubag starts four proposals at 09.00; their norms run out at 13.00, when the sweep
    reminds her. Each line of her digest says the norm's limit is reached, not that the
    step is "terlambat 0 menit"."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases = [await open_case(world, f"Usulan Satker {n}") for n in range(4)]
        await world.drained(WAIT)
        seen: set[int] = {m.message_id for m in world["kasubag"].bot_messages}
        await sweep_at(world, clock, wib(2026, 7, 6, 13))
        got = news(world, "kasubag", seen)
        assert len(got) == 1 and got[0].text.startswith("⏰ Pengingat: 4 tugas"), got
        text = got[0].text
        assert sorted(int(n) for n in _numbers(text)) == cases
        assert "terlambat 0 menit" not in text, text
        assert text.count("· batas norma waktu tercapai") == 4, text


async def test_a_digest_held_up_by_an_outage_waits_for_the_office_to_open(
    tmp_path: Path,
) -> None:
    """Four reminders fall due at 13.00 while Telegram cannot be reached; it answers again at
    21.30, when the office is closed. Kasubag's digest is not sent at night: it arrives when
    the office opens on Tuesday, once, and only then is each case's reminder logged."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases = [await open_case(world, f"Usulan {n}") for n in range(4)]
        await world.drained(WAIT)
        seen: set[int] = {m.message_id for m in world["kasubag"].bot_messages}
        world.emu.faults.fail(100_000, status=502, method="sendMessage")  # Telegram is down
        clock.set(wib(2026, 7, 6, 13))
        await world.services.reminders.sweep()

        def digest_rows(tx: Tx) -> list[Any]:
            return tx.all(
                "SELECT attempts, last_error, next_attempt_at, sent_at FROM outbox "
                "WHERE kind = 'digest'"
            )

        rows = await _until(world, digest_rows, lambda rows: bool(rows) and rows[0][0] >= 1)
        clock.set(wib(2026, 7, 6, 21, 30))  # Telegram answers again; the office is closed
        world.emu.faults.clear()
        world.services.outbox.wake()
        rows = await _until(world, digest_rows, lambda rows: rows[0][1] == repo.OFFICE_CLOSED)
        assert len(rows) == 1 and rows[0][1] == repo.OFFICE_CLOSED, rows
        assert parse_ts(rows[0][2]) == wib(2026, 7, 7, 8)  # Tuesday, the office opens
        assert news(world, "kasubag", seen) == []
        assert await chases(world) == []

        clock.set(wib(2026, 7, 7, 8))
        world.services.outbox.wake()
        await world.drained(WAIT)
        got = news(world, "kasubag", seen)
        assert [m.text.split("\n")[0] for m in got] == [
            "⏰ Pengingat: 4 tugas Bapak/Ibu telah melewati norma waktu"
        ]
        assert Counter(r[0] for r in await chases(world)) == Counter(cases)


async def test_kabags_escalation_digest_does_not_say_kasubag_who_blocked_the_bot_was_reminded(
    tmp_path: Path,
) -> None:
    """Kasubag leaves five proposals at step 1 and blocks the bot: every reminder digest to
    her is refused. Kabag's escalation digest does not say their holder was reminded: it
    says the reminders could not reach her and asks him to contact her directly."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        for n in range(5):
            await open_case(world, f"Usulan Satker {n}")
        await world.drained(WAIT)
        world["kasubag"].block()
        seen: set[int] = {m.message_id for m in world["kabag"].bot_messages}
        moment, got = wib(2026, 7, 6, 9), []
        while moment < wib(2026, 7, 7, 12):
            moment += timedelta(hours=1)
            await sweep_at(world, clock, moment)
            got += news(world, "kabag", seen)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]
        text = got[0].text
        assert text.split("\n")[0] == "📣 Eskalasi: 5 langkah telah melewati norma waktu"
        assert "telah diingatkan" not in text, text
        assert (
            "⚠️ Pengingat tidak dapat disampaikan kepada Dra. Siti Rahmawati, M.M. karena yang "
            "bersangkutan belum membuka bot atau telah memblokirnya; mohon berkenan "
            "menghubunginya secara langsung." in text
        ), text


async def test_kabags_escalation_digest_names_no_one_unreached_when_the_reminders_arrived(
    tmp_path: Path,
) -> None:
    """The same five stalled proposals, Kasubag reading her reminders: Kabag's digest lists
    the steps and asks him to remind her, and says nothing of reminders not reaching her."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        for n in range(5):
            await open_case(world, f"Usulan Satker {n}")
        await world.drained(WAIT)
        seen: set[int] = {m.message_id for m in world["kabag"].bot_messages}
        moment, got = wib(2026, 7, 6, 9), []
        while moment < wib(2026, 7, 7, 12):
            moment += timedelta(hours=1)
            await sweep_at(world, clock, moment)
            got += news(world, "kabag", seen)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]
        text = got[0].text
        assert text.split("\n")[0] == "📣 Eskalasi: 5 langkah telah melewati norma waktu"
        assert "tidak dapat disampaikan" not in text, text
        assert "Mohon berkenan mengingatkan yang bersangkutan." in text, text


async def passes_to_agus_then_telegram_answers(
    world: World, clock: ManualClock, role: str, at: datetime
) -> None:
    """While the held rows wait, the administrator passes ``role`` to Pak Agus; Telegram
    answers again at ``at``, and everything queued goes."""
    moved = await world.services.people.reassign(ADMIN_ID, role, ID[role], ACTING.telegram_id)
    assert moved.status == "ok", moved
    world.emu.faults.clear()  # Telegram answers again
    clock.set(at)
    world.services.outbox.wake()
    await world.drained(WAIT)


async def rudi_postpones_one_of_four(
    world: World, clock: ManualClock, which: int
) -> tuple[list[int], int]:
    """Four proposals wait at the Tim Penyusunan's step 6 (Ayu and Rudi); its norm runs out
    on Monday 20 July at 09.00, when both members are reminded. At 10.00 Rudi postpones his
    own reminders of the ``which``-th until Tuesday 10.00 (/tunda 1h). The four, and it."""
    cases = [await with_the_team(world, f"Usulan Satker {n}") for n in range(4)]
    await sweep_at(world, clock, wib(2026, 7, 20, 9))
    clock.set(wib(2026, 7, 20, 10))
    postponed = cases[which]
    assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {postponed} 1h")
    return cases, postponed


async def test_kasubags_escalation_digest_says_rudi_who_postponed_his_reminders_was_not_sent_one(
    tmp_path: Path,
) -> None:
    """Four proposals wait at the Tim Penyusunan's step 6 (Ayu and Rudi); its norm runs out
    on Monday 20 July at 09.00, when both members are reminded. At 10.00 Rudi postpones his
    own reminders of one of them until Tuesday 10.00 (/tunda 1h). At 13.00 the second
    reminder of the four tells Kasubag, in one digest: the line of that proposal says the
    reminder was not sent to Rudi, who postponed his, and until when; the other lines say
    nothing of the kind (both members had theirs)."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases, postponed = await rudi_postpones_one_of_four(world, clock, 2)
        seen: set[int] = {m.message_id for m in world["kasubag"].bot_messages}

        await sweep_at(world, clock, wib(2026, 7, 20, 13))
        got = news(world, "kasubag", seen)
        assert [m.text.split("\n")[0] for m in got] == [
            "📣 Eskalasi: 4 langkah telah melewati norma waktu"
        ], [m.text.split("\n")[0] for m in got]
        text = got[0].text
        lines = _lines_of_cases(text)
        assert sorted(lines) == cases, text
        rudi = next(p.name for p in OFFICIALS if p.key == "tim2")
        until = DEFAULT_ZONE.tanggal_jam(wib(2026, 7, 21, 10))
        assert (
            f"pengingat tidak dikirim kepada {rudi} (hingga {until}), yang telah menunda "
            "pengingatnya" in lines[postponed]
        ), text
        for case in cases:
            assert "(Tim Penyusunan)" in lines[case], text
            if case != postponed:
                assert "tidak dikirim" not in lines[case], text


async def test_the_new_kasubag_escalated_to_in_her_place_reads_in_the_digest_who_postponed(
    tmp_path: Path,
) -> None:
    """The four proposals at the Tim Penyusunan's step 6, Rudi having postponed his own
    reminders of one of them until Tuesday 10.00: the second reminder's escalation digest
    to Kasubag is queued on Monday at 13.00 while Telegram cannot be reached, and meanwhile
    the Kasubag role passes to Pak Agus. When Telegram answers, Pak Agus gets the digest in
    her place, and its line of that proposal says, as hers would have, that the reminder
    was not sent to Rudi, who postponed his, and until when."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases, postponed = await rudi_postpones_one_of_four(world, clock, 1)
        agus: set[int] = {m.message_id for m in world["plh"].bot_messages}
        world.emu.faults.fail(100_000, status=502, method="sendMessage")  # Telegram is down
        clock.set(wib(2026, 7, 20, 13))
        await world.services.reminders.sweep()

        def digest_to_kasubag(tx: Tx) -> list[Any]:
            return tx.all(
                "SELECT attempts, last_error FROM outbox WHERE chat_id = ? AND kind = 'digest'",
                (ID["kasubag"],),
            )

        await _until(
            world,
            digest_to_kasubag,
            lambda rows: len(rows) == 1 and rows[0][0] >= 1 and not repo.is_on_its_way(rows[0][1]),
        )
        await passes_to_agus_then_telegram_answers(world, clock, "kasubag", wib(2026, 7, 20, 13, 5))

        told = [m.text for m in news(world, "plh", agus) if m.text.startswith("📣 Eskalasi")]
        assert [text.split("\n")[0] for text in told] == [
            "📣 Eskalasi: 4 langkah telah melewati norma waktu"
        ], told
        lines = _lines_of_cases(told[0])
        assert sorted(lines) == cases, told[0]
        rudi = next(p.name for p in OFFICIALS if p.key == "tim2")
        until = DEFAULT_ZONE.tanggal_jam(wib(2026, 7, 21, 10))
        assert (
            f"pengingat tidak dikirim kepada {rudi} (hingga {until}), yang telah menunda "
            "pengingatnya" in lines[postponed]
        ), told[0]
        assert sum("tidak dikirim" in line for line in lines.values()) == 1, told[0]


async def four_reminders_due_while_telegram_is_down(
    world: World, clock: ManualClock
) -> tuple[list[int], set[int]]:
    """Four proposals stall at Kasubag's step 1; their reminders fall due on Monday at 13.30
    while Telegram cannot be reached (it stays down): the cases, and the messages Kasubag had
    before."""
    cases = [await open_case(world, f"Usulan {n}") for n in range(4)]
    await world.drained(WAIT)
    seen = {m.message_id for m in world["kasubag"].bot_messages}
    world.emu.faults.fail(100_000, status=502, method="sendMessage")  # Telegram is down
    clock.set(wib(2026, 7, 6, 13, 30))
    await world.services.reminders.sweep()
    return cases, seen


async def no_digest_to_kasubag_once_telegram_answers(
    world: World, clock: ManualClock, moment: datetime, cases: list[int], seen: set[int]
) -> None:
    """Telegram answers again at ``moment``: Kasubag, whose role passed to Pak Agus, gets no
    reminder digest and the chase log names no reminder to her; Pak Agus has the cases."""
    world.emu.faults.clear()
    clock.set(moment)
    world.services.outbox.wake()
    await world.drained(WAIT)
    got = [m.text.split("\n")[0] for m in news(world, "kasubag", seen)]
    assert not any(line.startswith("⏰ Pengingat") for line in got), got
    assert [r for r in await chases(world) if r[3] == ID["kasubag"]] == []
    agus = "\n".join(m.text for m in world["plh"].bot_messages)
    # (four tasks: listed in the notice of the hand-over, "• #1 Usulan 0", not sent each)
    assert all(f"Berkas #{case}" in agus or f"• #{case} " in agus for case in cases), agus


async def test_a_digest_held_up_by_an_outage_is_not_sent_to_kasubag_once_her_role_passed(
    tmp_path: Path,
) -> None:
    """Four reminders fall due while Telegram cannot be reached: Kasubag's digest waits.
    Meanwhile the administrator passes the Kasubag role to Pak Agus (/alihkan). When
    Telegram answers again, Kasubag gets no digest of tasks that are no longer hers (as a
    reminder about one of them alone would not go), and the chase log names no reminder
    to her; Pak Agus has the four tasks."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases, seen = await four_reminders_due_while_telegram_is_down(world, clock)
        queued = await world.services.db.read(
            lambda tx: tx.value("SELECT COUNT(*) FROM outbox WHERE kind = 'digest'")
        )
        assert queued == 1
        moved = await world.services.people.reassign(
            ADMIN_ID, "kasubag", ID["kasubag"], ACTING.telegram_id
        )
        assert moved.status == "ok", moved
        await no_digest_to_kasubag_once_telegram_answers(
            world, clock, wib(2026, 7, 6, 13, 35), cases, seen
        )


@pytest.mark.parametrize("stalled", [4, 2], ids=["digest", "one_by_one"])
async def test_an_escalation_held_up_by_an_outage_goes_to_the_new_kabag_not_the_former(
    tmp_path: Path, stalled: int
) -> None:
    """Kasubag's proposals stall at step 1; at the second reminder the Kabag is escalated
    to, while Telegram cannot be reached: the escalation waits (as a digest of four, or one
    by one). Meanwhile the administrator passes the Kabag role to Pak Agus (/alihkan). When
    Telegram answers again, the former Kabag gets no escalation naming the cases and their
    holder (they are no longer his to oversee), and the chase log names none to him; Pak
    Agus, the Kabag now, gets it in his place at once, as the sweep would have sent it to
    him (a digest of the four, or the two one by one), about reminder 2. The next sweep
    escalates reminder 3 to him, not reminder 2 again."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases = [await open_case(world, f"Usulan {n}") for n in range(stalled)]
        await world.drained(WAIT)
        await sweep_at(world, clock, wib(2026, 7, 6, 13, 30))  # the first reminder, delivered
        seen: set[int] = {m.message_id for m in world["kabag"].bot_messages}
        agus: set[int] = {m.message_id for m in world["plh"].bot_messages}
        world.emu.faults.fail(100_000, status=502, method="sendMessage")  # Telegram is down
        clock.set(wib(2026, 7, 7, 11))
        await world.services.reminders.sweep()  # the second: the Kabag is escalated to

        def queued(tx: Tx) -> list[Any]:
            return tx.all(
                "SELECT attempts, last_error FROM outbox WHERE chat_id = ? AND sent_at IS NULL "
                "AND kind IN ('digest', 'notice')",
                (ID["kabag"],),
            )

        # the first has met the outage (the chat's others wait behind it) and none is on its
        # way: a call in Telegram's hands when the role passes lands, and is then edited to
        # say so (the test below)
        await _until(
            world,
            queued,
            lambda rows: (
                any(r[0] >= 1 for r in rows) and not any(repo.is_on_its_way(r[1]) for r in rows)
            ),
        )
        await passes_to_agus_then_telegram_answers(world, clock, "kabag", wib(2026, 7, 7, 11, 5))
        got = [m.text for m in news(world, "kabag", seen)]
        assert not any("Eskalasi" in text for text in got), got
        assert [r for r in await chases(world) if r[3] == ID["kabag"]] == []
        told = [m.text for m in news(world, "plh", agus) if "Eskalasi" in m.text]
        if stalled > DIGEST_ABOVE:
            assert [text.split("\n")[0] for text in told] == [
                f"📣 Eskalasi: {stalled} langkah telah melewati norma waktu"
            ], told
            assert sorted(int(n) for n in _numbers(told[0])) == cases, told
        else:
            assert sorted(text.split(":")[0] for text in told) == [
                f"📣 Eskalasi — Berkas #{case}" for case in cases
            ], told
            assert all("Pengingat ke-2 telah dikirim" in text for text in told), told
        escalated = [tuple(r) for r in await chases(world) if r[1] == "escalation"]
        assert sorted(escalated) == [
            (case, "escalation", 2, ACTING.telegram_id, "kabag") for case in cases
        ]

        await sweep_at(world, clock, wib(2026, 7, 8, 9))
        told = [m.text for m in news(world, "plh", agus) if "Eskalasi" in m.text]
        assert all(f"#{case}" in "\n".join(told) for case in cases), told
        assert not any("Eskalasi" in m.text for m in news(world, "kabag", seen))
        escalated = [tuple(r) for r in await chases(world) if r[1] == "escalation"]
        assert Counter((r[0], r[2]) for r in escalated) == Counter(
            [(case, 2) for case in cases] + [(case, 3) for case in cases]
        ), escalated
        assert {r[3] for r in escalated} == {ACTING.telegram_id}


@pytest.mark.parametrize("role", ["kasubag", "kabag"], ids=["reminders", "escalations"])
async def test_a_role_passes_while_its_digest_is_on_its_way_the_digest_keeps_nothing_not_theirs(
    tmp_path: Path, role: str
) -> None:
    """A role passes while a digest about it is on its way; what is no longer theirs does
    not stay in their chat. Four proposals stall at step 1. The digest of the sweep (to
    Kasubag, her four reminders on Monday at 13.30; to Kabag, his four escalations on
    Tuesday at 11.00) is on its way to the holder, Telegram slow to answer, when the
    administrator passes the role to Pak Agus (/alihkan). The digest lands, but it is
    then edited to say that it no longer applies, the cases and the button gone from it;
    the chase log names no reminder or escalation to the former holder. Pak Agus has the
    four tasks (Kasubag's role), or, for Kabag's, the four escalations at once (not only at
    the next sweep), under the second reminder's number."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases = [await open_case(world, f"Usulan {n}") for n in range(4)]
        await world.drained(WAIT)
        moment = wib(2026, 7, 6, 13, 30)
        if role == "kabag":  # the first reminder, delivered; the second tells Kabag
            await sweep_at(world, clock, moment)
            moment = wib(2026, 7, 7, 11)
        seen: set[int] = {m.message_id for m in world[role].bot_messages}
        # Telegram holds the digest a second and a half before it takes effect
        world.emu.faults.hang(seconds=1.5, method="sendMessage", execute="after", chat_id=ID[role])
        clock.set(moment)
        await world.services.reminders.sweep()

        def digest_to_them(tx: Tx) -> list[Any]:
            return tx.all(
                "SELECT last_error FROM outbox WHERE kind = 'digest' AND chat_id = ?", (ID[role],)
            )

        await _until(world, digest_to_them, lambda rows: [r[0] for r in rows] == [repo.ON_ITS_WAY])
        moved = await world.services.people.reassign(ADMIN_ID, role, ID[role], ACTING.telegram_id)
        assert moved.status == "ok", moved
        await world.drained(WAIT)

        got = news(world, role, seen)
        digests = [m for m in got if m.text.startswith(("⏰ Pengingat", "📣 Eskalasi"))]
        assert len(digests) == 1, [m.text.split("\n")[0] for m in got]
        text = digests[0].text
        assert "tidak berlaku lagi" in text, text
        assert _numbers(text) == [] and not any(f"Usulan {n}" in text for n in range(4)), text
        assert digests[0].button_texts == []
        assert [r for r in await chases(world) if r[3] == ID[role]] == []

        agus = "\n".join(m.text for m in world["plh"].bot_messages)
        if role == "kabag":  # escalated to him as the digest was edited, before any sweep
            agus = "\n".join(m.text for m in world["plh"].bot_messages if "Eskalasi" in m.text)
            told = [r for r in await chases(world) if r[3] == ACTING.telegram_id]
            assert sorted((r[0], r[1], r[2]) for r in told) == sorted(
                (case, "escalation", 2) for case in cases
            ), told
        assert all(f"#{case}" in agus for case in cases), agus


async def test_kabags_role_passes_while_a_single_escalation_is_on_its_way_it_goes_to_the_new_kabag(
    tmp_path: Path,
) -> None:
    """As a digest (above), so a single escalation: one proposal stalls at step 1, and the
    second reminder on Tuesday at 11.00 escalates it to Kabag alone ("📣 Eskalasi — Berkas
    #n"). It is on its way, Telegram slow to answer, when the administrator passes the
    Kabag role to Pak Agus (/alihkan). It lands in the former Kabag's chat, but it is then
    edited to say that it no longer applies, without the case's number or title; the chase
    log names no escalation to him. Pak Agus is escalated to at once (before any sweep),
    about the second reminder, and the chase log names him; the next sweep escalates the
    third reminder to him, not the second again."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        case = await open_case(world, "Usulan Program Kerja Satker 01")
        await world.drained(WAIT)
        await sweep_at(world, clock, wib(2026, 7, 6, 13, 30))  # the first reminder, delivered
        seen: set[int] = {m.message_id for m in world["kabag"].bot_messages}
        agus: set[int] = {m.message_id for m in world["plh"].bot_messages}
        # Telegram holds the escalation a second and a half before it takes effect
        world.emu.faults.hang(
            seconds=1.5, method="sendMessage", execute="after", chat_id=ID["kabag"]
        )
        clock.set(wib(2026, 7, 7, 11))
        await world.services.reminders.sweep()  # the second: the Kabag is escalated to

        def escalation_to_kabag(tx: Tx) -> list[Any]:
            return tx.all(
                "SELECT kind, last_error FROM outbox WHERE chat_id = ? "
                "AND kind IN ('notice', 'digest') AND params LIKE '%escalation%'",
                (ID["kabag"],),
            )

        await _until(
            world,
            escalation_to_kabag,
            lambda rows: [tuple(r) for r in rows] == [("notice", repo.ON_ITS_WAY)],
        )
        moved = await world.services.people.reassign(
            ADMIN_ID, "kabag", ID["kabag"], ACTING.telegram_id
        )
        assert moved.status == "ok", moved
        await world.drained(WAIT)

        got = news(world, "kabag", seen)
        landed = [m for m in got if m.text.startswith("📣 Eskalasi")]
        assert len(landed) == 1, [m.text.split("\n")[0] for m in got]
        text = landed[0].text
        assert text == (
            "📣 Eskalasi ini tidak berlaku lagi karena langkah tersebut tidak lagi berada di "
            "bawah pengawasan Bapak/Ibu. Mohon pesan ini diabaikan."
        ), text
        assert f"#{case}" not in text and "Usulan" not in text, text
        assert landed[0].button_texts == []
        assert [r for r in await chases(world) if r[3] == ID["kabag"]] == []

        told = [m.text for m in news(world, "plh", agus) if "Eskalasi" in m.text]
        assert [text.split(":")[0] for text in told] == [f"📣 Eskalasi — Berkas #{case}"], told
        assert "Pengingat ke-2 telah dikirim" in told[0], told
        escalated = [tuple(r) for r in await chases(world) if r[1] == "escalation"]
        assert escalated == [(case, "escalation", 2, ACTING.telegram_id, "kabag")]

        await sweep_at(world, clock, wib(2026, 7, 8, 9))
        told = [m.text for m in news(world, "plh", agus) if "Eskalasi" in m.text]
        assert len(told) == 1 and "Pengingat ke-3 telah dikirim" in told[0], told
        assert not any("Eskalasi" in m.text for m in news(world, "kabag", seen))
        escalated = [tuple(r) for r in await chases(world) if r[1] == "escalation"]
        assert [(r[0], r[2], r[3]) for r in escalated] == [
            (case, 2, ACTING.telegram_id),
            (case, 3, ACTING.telegram_id),
        ], escalated


async def test_kasubags_role_passes_while_a_stopped_sender_left_her_digest_on_its_way(
    tmp_path: Path,
) -> None:
    """Kasubag's role passes while a digest a stopped sender left on its way waits to go
    again; she gets none of it. Her four reminders fall due while Telegram cannot be
    reached, and the sender that took the digest to try again stops in the middle of
    sending it (its mark, "on its way", stays, and its lease runs). Meanwhile the
    administrator passes the Kasubag role to Pak Agus (/alihkan). When the lease is over
    and Telegram answers, the digest is not sent to her at all (not even to be edited
    afterwards), and the chase log names no reminder to her."""
    async with world_at(tmp_path, wib(2026, 7, 6, 9)) as (world, clock):
        cases, seen = await four_reminders_due_while_telegram_is_down(world, clock)

        def digest_rows(tx: Tx) -> list[Any]:
            return tx.all("SELECT attempts, last_error FROM outbox WHERE kind = 'digest'")

        await _until(world, digest_rows, lambda rows: bool(rows) and rows[0][0] >= 1)
        lease = clock.now() + repo.OUTBOX_LEASE
        await world.services.db.write(
            lambda tx: tx.run(
                "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE kind = 'digest'",
                (repo.ON_ITS_WAY, ts(lease)),
            )
        )  # what a sender that stopped while sending it leaves
        moved = await world.services.people.reassign(
            ADMIN_ID, "kasubag", ID["kasubag"], ACTING.telegram_id
        )
        assert moved.status == "ok", moved
        await no_digest_to_kasubag_once_telegram_answers(
            world, clock, lease + timedelta(seconds=1), cases, seen
        )


def _numbers(text: str) -> list[str]:
    """The case numbers a digest lists, in its order ("• #12 ...")."""
    return [line.split()[1].lstrip("#") for line in text.split("\n") if line.startswith("• #")]


def _lines_of_cases(text: str) -> dict[int, str]:
    """What a digest says of each case it lists: its lines, from "• #12" to the next."""
    lines: dict[int, str] = {}
    case = None
    for line in text.split("\n"):
        if line.startswith("• #"):
            case = int(line.split()[1].lstrip("#"))
            lines[case] = line
        elif case is not None and line.startswith("    "):
            lines[case] += "\n" + line
        else:
            case = None
    return lines


async def _until(world: World, read: Any, check: Any) -> list[Any]:
    """What ``read`` reads, once ``check`` holds of it (within WAIT)."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        rows: list[Any] = await world.services.db.read(read)
        if check(rows):
            return rows
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still: {[tuple(r) for r in rows]}")
        await asyncio.sleep(0.02)
