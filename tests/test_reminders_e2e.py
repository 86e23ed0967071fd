"""Reminders as the officials live them (issue 5): on the phone, through the real bot.

The bot is the real Application talking HTTP to the emulator (``World``); the officials are
emulator users; the only fake is the clock (``ManualClock``), moved forward only, starting
on a Monday at 09.00 WIB. The sweep is driven by ``await world.services.reminders.sweep()``
after each move of the clock (the JobQueue's own sweep reads the same clock; see
``test_reminders_sweep`` for why that cannot make a difference).

The configuration (``[reminders]``) used unless a test says otherwise, and what it means:

* the first reminder of a step falls due when its time norm (working minutes, from the SOP)
  is used up, and goes to the holder as a task: the step's view with its buttons;
* ``repeat_every_minutes = 240``: the next one 240 working minutes after the last one sent;
* ``escalate_after = 2``: reminder n is at level ``n // 2``: reminder 1 to the holder only;
  reminders 2 and 3 also to the holder's superior; 4 and 5 also to the superior's superior;
  ... along the SOP's hierarchy: kasubag -> kabag -> karo, tim -> kasubag,
  fungsional_umum -> kasubag;
* ``max_snooze_minutes``: the longest /tunda a holder gets (2880 by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from e2e_helpers import case_of
from host_clock import HostClock, RunningClock
from reliability_helpers import drained_as_time_passes, until_nothing_due

from bot import texts as t
from bot.clock import ManualClock
from bot.core.model import CompleteStep
from bot.demo import ACTING, ADMIN_ID, OFFICIALS, ROOT, Script, World, draft, has_button
from bot.export import export_case
from bot.papers.dates import DEFAULT_ZONE
from emulator import EmuMessage
from storage import repo
from storage.codec import parse_ts, ts
from storage.db import Tx

JAKARTA = ZoneInfo("Asia/Jakarta")
WAIT = 15.0
KEYS = [p.key for p in OFFICIALS] + ["admin"]
NAMES = {p.key: p.name for p in OFFICIALS}
ID = {p.key: p.telegram_id for p in OFFICIALS}
REMINDERS = {
    "repeat_every_minutes": 240,
    "escalate_after": 2,
    "max_snooze_minutes": 2880,
    "check_every_seconds": 3600,
}


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JAKARTA)


def office_time(moment: datetime) -> str:
    """A moment as the chat writes it: "7 Desember 2026 pukul 09.30 WIB"."""
    return DEFAULT_ZONE.tanggal_jam(moment)


@asynccontextmanager
async def world_at(
    tmp_path: Path, start: datetime, sops: list[Path] | None = None, **reminders: int
) -> AsyncIterator[tuple[World, ManualClock]]:
    """The bureau on the clock ``start``, running the shipped SOP (or ``sops``)."""
    assert start.weekday() == 0 and (start.hour, start.minute) == (9, 0), "a Monday 09.00"
    clock = ManualClock(start)
    # delivered outbox rows are kept 30 days (pruned also at a start): longer than any test
    storage = {"retention_days": 30}
    more: dict[str, Any] = {"sops": [str(p) for p in sops]} if sops else {}
    async with World(
        tmp_path, clock=clock, reminders={**REMINDERS, **reminders}, storage=storage, **more
    ) as world:
        await world.everyone_starts()
        yield world, clock


REMINDED = ("⏰ Pengingat", "📣 Eskalasi")


class Phones:
    """What each official has received since the last look (reminders and escalations)."""

    def __init__(self, world: World, keys: list[str] = KEYS) -> None:
        self.world, self.keys = world, keys
        self.seen = {key: self._ids(key) for key in keys}

    def _ids(self, key: str) -> set[int]:
        return {m.message_id for m in self.world[key].bot_messages}

    def news(self) -> dict[str, list[EmuMessage]]:
        """New reminder/escalation messages per official, since the last call."""
        fresh: dict[str, list[EmuMessage]] = {}
        for key in self.keys:
            new = [
                m
                for m in self.world[key].bot_messages
                if m.message_id not in self.seen[key] and m.text.startswith(REMINDED)
            ]
            self.seen[key] = self._ids(key)
            if new:
                fresh[key] = new
        return fresh

    def headlines(self) -> dict[str, list[str]]:
        """The news, each message by its headline ("⏰ Pengingat ke-2", "📣 Eskalasi — …")."""
        return {key: [headline(m) for m in news] for key, news in self.news().items()}


async def sweep_at(world: World, clock: ManualClock, moment: datetime) -> None:
    """Move the clock (forward only), sweep, and let the outbox deliver what it queued."""
    assert moment >= clock.now(), f"the clock only moves forward ({clock.now()} -> {moment})"
    clock.set(moment)
    await world.services.reminders.sweep()
    await world.drained(WAIT)


async def ask(world: World, who: str, command: str) -> str:
    """``who`` sends a command; the bot's answer (the next message after it that is not a
    reminder: the JobQueue's own sweep may deliver one at any time)."""
    user = world[who]
    user.mark_seen()
    await user.send(command)
    answer = await user.wait_message(lambda m: not m.text.startswith(REMINDED), timeout=WAIT)
    return answer.text


async def headlines_at(
    world: World, clock: ManualClock, phones: Phones, moment: datetime
) -> dict[str, list[str]]:
    """The sweep at ``moment``, then what it brought each official, by headline."""
    await sweep_at(world, clock, moment)
    return phones.headlines()


def first_line(m: EmuMessage) -> str:
    """What a phone's notification shows of a message."""
    return m.text.split("\n", 1)[0]


def headline(m: EmuMessage) -> str:
    """The first line's lead: "⏰ Pengingat ke-2" of "⏰ Pengingat ke-2 · Mohon diajukan ·
    Langkah 1 dari 12 · Berkas #1"."""
    return first_line(m).split(" · ", 1)[0]


async def proposal_ready(world: World, s: Script, title: str) -> int:
    """Kasubag starts a case and uploads both inputs: step 1 now shows 'Ajukan'."""
    case = await s.new_case(title, 2027)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep Rencana Kerja"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    return case


async def case_row(world: World, case_id: int) -> Any:
    row = await world.services.db.read(
        lambda tx: tx.one(
            "SELECT step, reminders_sent, last_reminded_at, snoozed_until, next_due_at "
            "FROM cases WHERE id = ?",
            (case_id,),
        )
    )
    assert row is not None
    return row


async def outbox_of(world: World, case_id: int, kind: str) -> list[tuple[int, dict[str, Any]]]:
    """(chat, params) of the case's outbox rows of ``kind``, in the order queued."""
    rows = await world.services.db.read(
        lambda tx: tx.all(
            "SELECT chat_id, params FROM outbox WHERE case_id = ? AND kind = ? ORDER BY id",
            (case_id, kind),
        )
    )
    return [(r[0], json.loads(r[1])) for r in rows]


# -- reminder, repeat, escalation, the button, the reset --------------------------------


async def test_a_stalled_step_reminds_with_its_buttons_repeats_escalates_and_resets_on_a_move(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan")
        phones = Phones(world)
        # step 1 (Kasubag, norm 4 working hours) entered Monday 09.00: nothing before 13.00
        await sweep_at(world, clock, wib(7, 6, 12, 59))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 6, 13))
        news = phones.news()
        assert set(news) == {"kasubag"} and len(news["kasubag"]) == 1
        first = news["kasubag"][0]
        # its first line says it is a reminder, what is asked, and where
        assert (
            first_line(first)
            == f"⏰ Pengingat ke-1 · Mohon diajukan · Langkah 1 dari 12 · Berkas #{case}"
        )
        assert "(norma 4 jam kerja, telah berjalan 4 jam kerja)" in first.text
        assert f"Berkas #{case} — Usulan yang tertahan" in first.text
        assert "Langkah 1 dari 12" in first.text
        assert any("Ajukan" in b for b in first.button_texts)  # the step's own buttons
        # it is a task row in the outbox, like the step's first message
        tasks = await outbox_of(world, case, "task")
        assert [chat for chat, p in tasks if p.get("reminder") == 1] == [ID["kasubag"]]

        # repeats every 240 working minutes: Tuesday 09.00 (3 h Monday + 1 h Tuesday) ...
        await sweep_at(world, clock, wib(7, 7, 8, 59))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 7, 9))
        news = phones.news()
        # ... and reminder 2 (= escalate_after) already tells Kabag, not yet Karo
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "kasubag": ["⏰ Pengingat ke-2"],
            "kabag": ["📣 Eskalasi — Berkas #" + f"{case}: Usulan yang tertahan"],
        }
        escalation = news["kabag"][0].text
        assert f"Pelaksana: {NAMES['kasubag']} (Kasubag)" in escalation
        assert "Pengingat ke-2 telah dikirim kepada pelaksana." in escalation
        assert not news["kabag"][0].button_texts  # told, not asked to act for the holder
        await sweep_at(world, clock, wib(7, 7, 13))
        news = phones.news()
        assert {k: len(v) for k, v in news.items()} == {"kasubag": 1, "kabag": 1}
        assert headline(news["kasubag"][0]) == "⏰ Pengingat ke-3"
        # reminder 4 goes up one more level: Karo too
        await sweep_at(world, clock, wib(7, 8, 8, 59))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 8, 9))
        news = phones.news()
        assert {k: len(v) for k, v in news.items()} == {"kasubag": 1, "kabag": 1, "karo": 1}
        assert "Pengingat ke-4 telah dikirim kepada pelaksana." in news["karo"][0].text
        assert news["karo"][0].text.endswith(
            "Mohon berkenan mengingatkan yang bersangkutan atau, bila berhalangan, meminta "
            "administrator menetapkan Plh."
        )
        fourth = news["kasubag"][0]
        assert headline(fourth) == "⏰ Pengingat ke-4"

        # the button on the reminder works: Kasubag submits from it
        await world["kasubag"].press(fourth, "📤 Ajukan", timeout=WAIT)
        await world["kabag"].wait_message(
            lambda m: f"Berkas #{case}" in m.text and "Setujui" in " ".join(m.button_texts),
            timeout=WAIT,
        )
        await world.drained(WAIT)
        row = await case_row(world, case)
        assert row["step"] == 2
        # the move resets the count; the next is due when step 2's norm (8 hours) is used up
        assert (row["reminders_sent"], row["last_reminded_at"]) == (0, None)
        assert parse_ts(row["next_due_at"]) == wib(7, 9, 9)
        # the older reminders lost their buttons with the move
        for m in world["kasubag"].bot_messages:
            if m.text.startswith("⏰ Pengingat") and f"Berkas #{case} " in m.text:
                assert not any("Ajukan" in b for b in m.button_texts), headline(m)
        phones.news()
        await sweep_at(world, clock, wib(7, 9, 8, 59))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 9, 9))
        news = phones.news()
        assert set(news) == {"kabag"} and len(news["kabag"]) == 1  # level 0 again: no Karo
        assert headline(news["kabag"][0]) == "⏰ Pengingat ke-1"
        assert {"✅ Setujui", "↩️ Kembalikan"} <= set(news["kabag"][0].button_texts)


async def test_kabags_stalled_review_keeps_one_copy_with_buttons_however_often_reminded(
    tmp_path: Path,
) -> None:
    """Kabag leaves the proposal three working days: every reminder brings the task down
    to the bottom of his chat, and the copy before it gives its Setujui/Kembalikan up and
    says the task was sent again below (keeping its own reminder line). He approves on the
    last one."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan di Kabag")
        await s.press("kasubag", "Ajukan", case)
        await s.seen("kabag", has_button("Setujui", case))
        await world.drained(WAIT)
        kabag = world["kabag"]
        for day in (7, 8, 9):
            for hour in (9, 13):
                await sweep_at(world, clock, wib(7, day, hour))

        def copies(with_button: bool) -> list[EmuMessage]:
            return [
                m
                for m in kabag.bot_messages
                if m.document is None
                and f"Berkas #{case}" in m.text
                and (t.BTN_APPROVE in m.button_texts) == with_button
            ]

        [live] = copies(True)
        assert headline(live).startswith("⏰ Pengingat ke-")
        earlier = copies(False)
        assert live.message_id > max(m.message_id for m in earlier)  # the newest
        assert len(earlier) >= 5  # the first task and the reminders before the last
        for m in earlier:
            assert m.text.endswith(
                "Tugas ini telah dikirim ulang di bawah; silakan gunakan pesan terbaru."
            )
            assert "Tekan" not in m.text
        assert [headline(m) for m in earlier[1:]] == [
            f"⏰ Pengingat ke-{n}" for n in range(1, len(earlier))
        ]
        assert (await kabag.press(live, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_DONE
        await s.seen("karo", has_button("Setujui", case))


async def test_a_task_says_by_when_in_working_hours_and_its_first_reminder_comes_then(
    tmp_path: Path,
) -> None:
    """The task names the moment its norm runs out on the office's calendar ("paling
    lambat"), the moment the holder is first reminded: 4 working hours from Monday 09.00
    is 13.00; 1 working day from Monday 14.30 is Tuesday 14.30."""
    async with world_at(tmp_path, wib(11, 2, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan dengan batas waktu")
        task = await s.seen("kasubag", has_button("Ajukan", case))
        assert (
            "Pelaksana: Kasubag · Norma waktu: 4 jam kerja (paling lambat Senin, "
            "2 November 2026 pukul 13.00 WIB)" in task.text
        )
        clock.set(wib(11, 2, 14, 30))
        await s.press("kasubag", "Ajukan", case)
        kabag = await s.seen("kabag", has_button("Setujui", case))
        assert (
            "Norma waktu: 1 hari kerja (paling lambat Selasa, 3 November 2026 pukul "
            "14.30 WIB)" in kabag.text
        )
        await world.drained()
        phones = Phones(world)
        await sweep_at(world, clock, wib(11, 3, 14, 29))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(11, 3, 14, 30))
        news = phones.news()
        assert [headline(m) for m in news["kabag"]] == ["⏰ Pengingat ke-1"]
        assert "(norma 1 hari kerja, telah berjalan 1 hari kerja)" in news["kabag"][0].text


async def test_an_escalation_still_on_its_way_when_the_step_moves_on_is_not_delivered(
    tmp_path: Path,
) -> None:
    """Reminder 2 of Kasubag's stalled step 1 is to tell Kabag, but Kabag's phone is out of
    reach (every message to his chat is lost on the way). Meanwhile Kasubag submits the
    proposal, and step 2 is Kabag's own. When his phone is back, Kabag gets his new task,
    not an escalation that asks him to chase a step that has just begun."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan")
        await sweep_at(world, clock, wib(7, 6, 13))  # reminder 1: Kasubag only
        world.emu.faults.drop(1000, method="sendMessage", chat_id=ID["kabag"])
        clock.set(wib(7, 7, 9))
        await world.services.reminders.sweep()
        notices = await outbox_of(world, case, "notice")
        assert [chat for chat, p in notices if p.get("t") == "escalation"] == [ID["kabag"]]

        await s.press("kasubag", "Ajukan", case)
        await world.emu.wait_until(
            lambda: any(c.method == "sendMessage" and c.fault for c in world.emu.calls),
            timeout=WAIT,
        )
        world.emu.faults.clear()

        def kabags_task() -> bool:
            return any(
                f"Berkas #{case}" in m.text and "Setujui" in " ".join(m.button_texts)
                for m in world["kabag"].bot_messages
            )

        # the bot's clock moves on, a minute at a time, past the retries' back-off (a call
        # still on its way when the phone came back is retried from the moment it failed)
        for minute in range(1, 11):
            clock.set(wib(7, 7, 9, minute))
            world.services.outbox.wake()
            with contextlib.suppress(TimeoutError):
                await world.emu.wait_until(kabags_task, timeout=1.0)
                break
        assert kabags_task()
        await world.drained(WAIT)
        assert (await case_row(world, case))["step"] == 2
        assert not [m.text for m in world["kabag"].bot_messages if m.text.startswith(REMINDED)]


async def test_a_team_step_reminds_both_members_and_escalates_from_kasubag_upwards(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan untuk tim")
        await s.press("kasubag", "Ajukan", case)
        await s.to_the_drafts(case)
        await world["tim1"].wait_message(lambda m: "Langkah 6 dari 12" in m.text, timeout=WAIT)
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
            await s.upload("tim1", case, name, draft(name))  # now 'Serahkan draf' is offered
        await world.drained(WAIT)
        assert (await case_row(world, case))["step"] == 6
        phones = Phones(world)
        # drafting: 4800 working minutes (ten working days) from Monday 6 July 09.00
        await sweep_at(world, clock, wib(7, 20, 8, 59))
        assert phones.news() == {}
        expected = {
            wib(7, 20, 9): ["tim1", "tim2"],  # 1: both members hold the step
            wib(7, 20, 13): ["tim1", "tim2", "kasubag"],  # 2: tim -> kasubag
            wib(7, 21, 9): ["tim1", "tim2", "kasubag"],  # 3
            wib(7, 21, 13): ["tim1", "tim2", "kasubag", "kabag"],  # 4: kasubag -> kabag
            wib(7, 22, 9): ["tim1", "tim2", "kasubag", "kabag"],  # 5
            wib(7, 22, 13): ["tim1", "tim2", "kasubag", "kabag", "karo"],  # 6: -> karo
        }
        for number, (moment, who) in enumerate(expected.items(), start=1):
            await sweep_at(world, clock, moment)
            news = phones.news()
            assert {k: len(v) for k, v in news.items()} == dict.fromkeys(who, 1), number
            for member in ("tim1", "tim2"):
                assert headline(news[member][0]) == f"⏰ Pengingat ke-{number}"
                assert any("Serahkan draf" in b for b in news[member][0].button_texts)
            for superior in who[2:]:
                assert (
                    f"Pengingat ke-{number} telah dikirim kepada pelaksana."
                    in news[superior][0].text
                )
                assert "(Tim Penyusunan)" in news[superior][0].text
                # what the superior can do: remind the team (a Plh does not stand in for one)
                assert news[superior][0].text.endswith(
                    "Mohon berkenan mengingatkan yang bersangkutan."
                )


async def with_the_team(world: World, title: str) -> int:
    """Kasubag's proposal goes up, is approved, and the Tim Penyusunan (Ayu and Rudi) holds
    step 6, the drafts; every message of it delivered. The case's number."""
    s = Script(world, WAIT)
    case = await proposal_ready(world, s, title)
    await s.press("kasubag", "Ajukan", case)
    await s.to_the_drafts(case)
    await s.seen("tim1", lambda m: f"Berkas #{case}" in m.text and "Langkah 6 dari" in m.text)
    await world.drained(WAIT)
    return case


async def test_a_team_member_who_stays_counts_on_when_a_colleagues_place_passes_to_a_newcomer(
    tmp_path: Path,
) -> None:
    """The team's step 6 is late: Ayu and Rudi read Pengingat ke-1, ke-2 and ke-3 (Monday
    20 July 09.00 and 13.00, Tuesday 09.00). At 10.00 Rudi's place in the team passes to Pak
    Agus (/alihkan tim). At 14.00 Pak Agus reads his own Pengingat ke-1, and Ayu, who has
    held the step all along, reads ke-4, not ke-1 again. Kasubag and Kabag are told each
    member's number."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await with_the_team(world, "Usulan dengan tim yang berganti")
        phones = Phones(world, [*KEYS, "plh"])
        for moment in (wib(7, 20, 9), wib(7, 20, 13), wib(7, 21, 9)):
            await sweep_at(world, clock, moment)
        news = phones.news()
        for member in ("tim1", "tim2"):
            assert [headline(m) for m in news[member]] == [
                "⏰ Pengingat ke-1",
                "⏰ Pengingat ke-2",
                "⏰ Pengingat ke-3",
            ]

        clock.set(wib(7, 21, 10))
        said = await ask(world, "admin", f"/alihkan tim {ID['tim2']} {ACTING.telegram_id}")
        assert said.startswith("Peran Tim Penyusunan dialihkan"), said
        await world.drained(WAIT)
        await s.seen("plh", lambda m: f"Berkas #{case}" in m.text and "Langkah 6 dari" in m.text)
        phones.news()
        await sweep_at(world, clock, wib(7, 21, 14))
        news = phones.news()
        escalated = [f"📣 Eskalasi — Berkas #{case}: Usulan dengan tim yang berganti"]
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "tim1": ["⏰ Pengingat ke-4"],
            "plh": ["⏰ Pengingat ke-1"],
            "kasubag": escalated,
            "kabag": escalated,  # ke-4 of the step: tim -> kasubag -> kabag
        }
        each = (
            f"Pengingat telah dikirim kepada para pelaksana: {NAMES['tim1']} (ke-4); "
            f"{ACTING.name} (ke-1)."
        )
        for superior in ("kasubag", "kabag"):
            assert each in news[superior][0].text, news[superior][0].text
        # the chase log keeps the step's count for both
        chases = await world.services.db.read(repo.chases_of_case, case)
        assert {(c.person_id, c.number) for c in chases if c.at == wib(7, 21, 14)} >= {
            (ID["tim1"], 4),
            (ACTING.telegram_id, 4),
        }


# -- /tunda ---------------------------------------------------------------------------


async def test_tunda_is_for_the_holder_only_bounded_and_the_reminder_comes_after_it(
    tmp_path: Path,
) -> None:
    # a 60-minute repeat and at most 3 hours of snooze, so that the bound shows
    async with world_at(
        tmp_path, wib(7, 6, 9), repeat_every_minutes=60, max_snooze_minutes=180
    ) as (world, clock):
        s = Script(world, WAIT)
        case = await s.new_case("Usulan yang ditunda", 2027)  # due 13.00
        phones = Phones(world)
        clock.set(wib(7, 6, 10))
        for who in ("kabag", "karo", "admin", "tim1"):  # not the holder of step 1
            refusal = await ask(world, who, f"/tunda {case} 2j")
            assert "hanya dapat ditunda oleh pelaksana langkah" in refusal, who
        for wrong in (f"/tunda {case}", f"/tunda {case} sebentar", f"/tunda {case} ²j", "/tunda"):
            assert "Penggunaan" in await ask(world, "kasubag", wrong), wrong
        assert await ask(world, "kasubag", "/tunda 999 2j") == "Berkas #999 tidak ditemukan."
        assert (await case_row(world, case))["snoozed_until"] is None

        clock.set(wib(7, 6, 12))
        answer = await ask(world, "kasubag", f"/tunda #{case} 2j")
        assert answer == f"Pengingat Berkas #{case} ditunda sampai {office_time(wib(7, 6, 14))}."
        row = await case_row(world, case)
        assert parse_ts(row["snoozed_until"]) == parse_ts(row["next_due_at"]) == wib(7, 6, 14)
        for quiet in (wib(7, 6, 13), wib(7, 6, 13, 59)):  # the norm is used up, but snoozed
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        await sweep_at(world, clock, wib(7, 6, 14))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "kasubag": ["⏰ Pengingat ke-1"]
        }

        # a full working day asked, 3 hours granted: 14.30 + 90 min today + 90 min tomorrow
        clock.set(wib(7, 6, 14, 30))
        answer = await ask(world, "kasubag", f"/tunda {case} 1h")
        assert f"ditunda sampai {office_time(wib(7, 7, 9, 30))}" in answer
        assert "(dibatasi paling lama 3 jam kerja)" in answer
        for quiet in (wib(7, 6, 15, 30), wib(7, 7, 9, 29)):  # the 60-minute repeat waits too
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        await sweep_at(world, clock, wib(7, 7, 9, 30))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "kasubag": ["⏰ Pengingat ke-2"],
            "kabag": [f"📣 Eskalasi — Berkas #{case}: Usulan yang ditunda"],
        }
        # after the snooze, the repeat interval applies again
        await sweep_at(world, clock, wib(7, 7, 10, 30))
        assert [headline(m) for m in phones.news()["kasubag"]] == ["⏰ Pengingat ke-3"]


async def test_kasubag_asking_tunda_of_a_cancelled_proposal_is_told_which_is_closed(
    tmp_path: Path,
) -> None:
    """The administrator cancels Kasubag's proposal (submitted twice); Kasubag, not yet
    aware, asks /tunda of it: the answer names the proposal and says it has no reminder
    left to put off."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, _):
        s = Script(world, WAIT)
        case = await s.new_case("Usulan yang dibatalkan", 2027)
        await ask(world, "admin", f"/batalkan {case} diajukan ganda")
        await world.drained(WAIT)  # Kasubag has been told of the cancellation
        answer = await ask(world, "kasubag", f"/tunda {case} 2j")
        assert answer == f"Berkas #{case} sudah ditutup; tidak ada pengingat yang perlu ditunda."


async def test_a_tunda_after_an_upload_never_brings_the_reminder_earlier_and_says_when_it_comes(
    tmp_path: Path,
) -> None:
    """Kasubag's step 1 (norm 4 working hours from Monday 09.00) would be reminded at
    13.00. At 12.00 she attaches a corrected TOR: the next reminder is put off to 240
    working minutes after it, Tuesday 08.00. At 12.30 she asks /tunda for an hour: that
    would be 13.30, earlier than the reminder already was, so it stays on Tuesday 08.00,
    and the reply says so. A /tunda only postpones."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang sedang diperbaiki")
        await world.drained(WAIT)
        phones = Phones(world)
        clock.set(wib(7, 6, 12))
        await s.upload("kasubag", case, "TOR.docx", draft("TOR yang diperbaiki"))
        await world.drained(WAIT)

        clock.set(wib(7, 6, 12, 30))
        answer = await ask(world, "kasubag", f"/tunda {case} 1j")
        assert answer == (
            f"Pengingat Berkas #{case} telah dijadwalkan pada {office_time(wib(7, 7, 8))}, lebih "
            f"lambat daripada batas penundaan yang diminta ({office_time(wib(7, 6, 13, 30))}); "
            "pengingat berikutnya tetap dikirim pada waktu tersebut."
        )
        for quiet in (wib(7, 6, 13, 30), wib(7, 6, 15, 59)):
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        await sweep_at(world, clock, wib(7, 7, 8))
        assert [headline(m) for m in phones.news()["kasubag"]] == ["⏰ Pengingat ke-1"]
        # the chase log keeps what she asked
        chases = await world.services.db.read(repo.chases_of_case, case)
        assert [(c.person_id, c.until) for c in chases if c.kind == "snooze"] == [
            (ID["kasubag"], wib(7, 6, 13, 30))
        ]


async def test_rudi_postpones_his_own_reminders_and_ayu_is_still_reminded_on_schedule(
    tmp_path: Path,
) -> None:
    """The Tim Penyusunan's step 6 is late: Ayu and Rudi read Pengingat ke-1 on Monday 20
    July at 09.00. At 10.00 Rudi postpones his reminders for a working day (/tunda 1h):
    his own, until Tuesday 10.00; the reply says so, that he is reminded again when it
    ends, and that his colleagues' reminders do not change. Ayu is still reminded on the
    step's schedule (ke-2 at 13.00, ke-3 on Tuesday at 09.00), and Kasubag is told as the
    step's lateness says; Rudi is not. When his snooze is over, at 10.00, he reads the
    step's latest reminder (ke-3), and no one else hears anything. The step's next one
    (Tuesday 13.00, ke-4), three working hours after his ke-3, reaches Ayu only: no one
    is reminded twice within the repeat interval; ke-5 (Wednesday 09.00) reaches both."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda seorang anggota tim")
        phones = Phones(world)
        assert await headlines_at(world, clock, phones, wib(7, 20, 9)) == {
            "tim1": ["⏰ Pengingat ke-1"],
            "tim2": ["⏰ Pengingat ke-1"],
        }

        clock.set(wib(7, 20, 10))
        answer = await ask(world, "tim2", f"/tunda {case} 1h")
        assert answer == (
            f"Pengingat Berkas #{case} untuk Bapak/Ibu ditunda sampai "
            f"{office_time(wib(7, 21, 10))}; pengingat berikutnya dikirim kepada Bapak/Ibu "
            f"pada {office_time(wib(7, 21, 10))}, saat penundaan tersebut berakhir. Pengingat "
            "bagi anggota tim lainnya tidak berubah."
        )
        escalated = [f"📣 Eskalasi — Berkas #{case}: Usulan yang ditunda seorang anggota tim"]
        for number, moment in ((2, wib(7, 20, 13)), (3, wib(7, 21, 9))):
            assert await headlines_at(world, clock, phones, moment) == {
                "tim1": [f"⏰ Pengingat ke-{number}"],
                "kasubag": escalated,
            }, moment
        await sweep_at(world, clock, wib(7, 21, 9, 59))
        assert phones.news() == {}
        assert await headlines_at(world, clock, phones, wib(7, 21, 10)) == {
            "tim2": ["⏰ Pengingat ke-3"]
        }
        await sweep_at(world, clock, wib(7, 21, 12, 59))
        assert phones.news() == {}

        assert await headlines_at(world, clock, phones, wib(7, 21, 13)) == {
            "tim1": ["⏰ Pengingat ke-4"],
            "kasubag": escalated,
            "kabag": escalated,
        }
        assert await headlines_at(world, clock, phones, wib(7, 22, 9)) == {
            "tim1": ["⏰ Pengingat ke-5"],
            "tim2": ["⏰ Pengingat ke-5"],
            "kasubag": escalated,
            "kabag": escalated,
        }
        chases = await world.services.db.read(repo.chases_of_case, case)
        assert [(c.person_id, c.role, c.until) for c in chases if c.kind == "snooze"] == [
            (ID["tim2"], "tim", wib(7, 21, 10))
        ]


async def test_rudi_is_reminded_when_his_snooze_ends_at_the_next_opening_when_it_ends_at_closing(
    tmp_path: Path,
) -> None:
    """Ayu and Rudi read Pengingat ke-1 of the team's late step on Monday 20 July at
    09.00. At 12.00 Rudi postpones his own reminders for two working hours (/tunda 2j),
    until 14.00: at 13.00 the step's ke-2 reaches Ayu (Kasubag is told), and at 14.00,
    not on Tuesday at 09.00 with the step's next, Rudi reads it; the step's ke-3 then, three
    working hours after his ke-2, reaches Ayu only (no one is reminded twice within the
    repeat interval). On Tuesday at 10.00 he
    asks six working hours, which end as the office closes at 16.00: the reply says he is
    reminded when the office opens on Wednesday, 08.00, and so he is. The step's ke-5 at
    09.00, an hour later, reaches Ayu only; its ke-6 at 13.00 reaches them both."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        title = "Usulan yang ditunda dua jam"
        case = await with_the_team(world, title)
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        assert set(phones.news()) == {"tim1", "tim2"}

        clock.set(wib(7, 20, 12))
        answer = await ask(world, "tim2", f"/tunda {case} 2j")
        assert answer == (
            f"Pengingat Berkas #{case} untuk Bapak/Ibu ditunda sampai "
            f"{office_time(wib(7, 20, 14))}; pengingat berikutnya dikirim kepada Bapak/Ibu "
            f"pada {office_time(wib(7, 20, 14))}, saat penundaan tersebut berakhir. Pengingat "
            "bagi anggota tim lainnya tidak berubah."
        )
        escalated = [f"📣 Eskalasi — Berkas #{case}: {title}"]
        assert await headlines_at(world, clock, phones, wib(7, 20, 13)) == {
            "tim1": ["⏰ Pengingat ke-2"],
            "kasubag": escalated,
        }
        assert await headlines_at(world, clock, phones, wib(7, 20, 14)) == {
            "tim2": ["⏰ Pengingat ke-2"]
        }
        # three working hours after his ke-2: the step's ke-3 is not his
        assert await headlines_at(world, clock, phones, wib(7, 21, 9)) == {
            "tim1": ["⏰ Pengingat ke-3"],
            "kasubag": escalated,
        }

        clock.set(wib(7, 21, 10))
        answer = await ask(world, "tim2", f"/tunda {case} 6j")
        assert f"ditunda sampai {office_time(wib(7, 21, 16))}" in answer, answer
        assert f"Bapak/Ibu pada {office_time(wib(7, 22, 8))}, saat penundaan" in answer, answer
        await sweep_at(world, clock, wib(7, 21, 13))
        assert set(phones.news()) == {"tim1", "kasubag", "kabag"}
        for quiet in (wib(7, 21, 16), wib(7, 21, 20)):
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        assert await headlines_at(world, clock, phones, wib(7, 22, 8)) == {
            "tim2": ["⏰ Pengingat ke-4"]
        }
        # not again an hour later: the step's ke-5 reaches Ayu only
        assert await headlines_at(world, clock, phones, wib(7, 22, 9)) == {
            "tim1": ["⏰ Pengingat ke-5"],
            "kasubag": escalated,
            "kabag": escalated,
        }
        assert await headlines_at(world, clock, phones, wib(7, 22, 13)) == {
            "tim1": ["⏰ Pengingat ke-6"],
            "tim2": ["⏰ Pengingat ke-6"],
            "kasubag": escalated,
            "kabag": escalated,
            "karo": escalated,
        }


async def test_rudi_reminded_as_his_tunda_ends_is_not_reminded_again_within_the_interval(
    tmp_path: Path,
) -> None:
    """On Monday at 12.00 Rudi postpones his own reminders for a working day; the step's
    ke-2 (13.00) and ke-3 (Tuesday 09.00) reach Ayu only. On Tuesday at 12.00, his snooze
    over, Rudi reads ke-3. At 12.10 he asks ten minutes more: the reply says his next
    reminder is the step's on Wednesday at 09.00, not its ke-4 at 13.00, an hour after
    his ke-3: no one is reminded of a case twice within the step's repeat interval (four
    working hours). At 12.30 Ayu postpones hers until 14.30. At 13.00 the superiors are
    told that ke-4 fell due, Kasubag reading that neither member was sent it, having
    postponed their reminders: Ayu until 14.30, Rudi until Wednesday 09.00. At 14.30 Ayu reads it,
    Rudi does not. On Wednesday at 09.00 the step's ke-5 reaches Rudi, not Ayu, who read
    ke-4 two and a half working hours before; the step's ke-6 at 13.00 reaches both."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        title = "Usulan yang diingatkan sehabis penundaan"
        case = await with_the_team(world, title)
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 12))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        escalated = [f"📣 Eskalasi — Berkas #{case}: {title}"]
        for number, moment in ((2, wib(7, 20, 13)), (3, wib(7, 21, 9))):
            assert await headlines_at(world, clock, phones, moment) == {
                "tim1": [f"⏰ Pengingat ke-{number}"],
                "kasubag": escalated,
            }, moment
        assert await headlines_at(world, clock, phones, wib(7, 21, 12)) == {
            "tim2": ["⏰ Pengingat ke-3"]
        }

        clock.set(wib(7, 21, 12, 10))
        answer = await ask(world, "tim2", f"/tunda {case} 10m")
        assert answer == (
            f"Pengingat Berkas #{case} untuk Bapak/Ibu ditunda sampai "
            f"{office_time(wib(7, 21, 12, 20))}; pengingat berikutnya bagi Bapak/Ibu mengikuti "
            f"jadwal langkah ini, yaitu pada {office_time(wib(7, 22, 9))}. Pengingat bagi "
            "anggota tim lainnya tidak berubah."
        ), answer
        clock.set(wib(7, 21, 12, 30))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim1", f"/tunda {case} 2j")
        await sweep_at(world, clock, wib(7, 21, 13))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "kasubag": escalated,
            "kabag": escalated,
        }
        assert (
            "Pengingat ke-4 telah jatuh tempo. "
            f"Pengingat tersebut tidak dikirim kepada {NAMES['tim1']} (hingga "
            f"{office_time(wib(7, 21, 14, 30))}); {NAMES['tim2']} (hingga "
            f"{office_time(wib(7, 22, 9))}) karena yang bersangkutan telah menunda"
        ) in news["kasubag"][0].text, news["kasubag"][0].text

        assert await headlines_at(world, clock, phones, wib(7, 21, 14, 30)) == {
            "tim1": ["⏰ Pengingat ke-4"]
        }
        for quiet in (wib(7, 21, 16), wib(7, 22, 8, 59)):
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        assert await headlines_at(world, clock, phones, wib(7, 22, 9)) == {
            "tim2": ["⏰ Pengingat ke-5"],
            "kasubag": escalated,
            "kabag": escalated,
        }
        assert await headlines_at(world, clock, phones, wib(7, 22, 13)) == {
            "tim1": ["⏰ Pengingat ke-6"],
            "tim2": ["⏰ Pengingat ke-6"],
            "kasubag": escalated,
            "kabag": escalated,
            "karo": escalated,
        }


async def test_rudi_who_reads_the_steps_reminder_late_in_an_outage_is_still_sent_its_next(
    tmp_path: Path,
) -> None:
    """Rudi postponed his own reminders on Monday 20 July until Tuesday 10.00, read the
    step's ke-3 then, and has its schedule again (ke-4 at 13.00, three working hours later,
    went to Ayu only). On Wednesday at 09.00 Telegram is down: the step's ke-5, queued
    then, reaches Ayu and Rudi twenty minutes later. The step's ke-6 at 13.00 reaches them
    both: the repeat interval is counted from when the sweep sent ke-5 on its way, not from
    when Telegram delivered it, and the superiors read no one named as having postponed."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        title = "Usulan yang pengingatnya terlambat sampai"
        case = await with_the_team(world, title)
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        for moment in (wib(7, 20, 13), wib(7, 21, 9), wib(7, 21, 10), wib(7, 21, 13)):
            await sweep_at(world, clock, moment)
        phones.news()

        clock.set(wib(7, 22, 9))
        await world.emu.start_outage("502")
        await world.services.reminders.sweep()
        await until_nothing_due(world)  # tried, and failed: each waits its backoff
        assert phones.news() == {}
        clock.set(wib(7, 22, 9, 20))
        await world.emu.end_outage()
        await drained_as_time_passes(world, clock)
        escalated = [f"📣 Eskalasi — Berkas #{case}: {title}"]
        assert phones.headlines() == {
            "tim1": ["⏰ Pengingat ke-5"],
            "tim2": ["⏰ Pengingat ke-5"],
            "kasubag": escalated,
            "kabag": escalated,
        }

        await sweep_at(world, clock, wib(7, 22, 13))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "tim1": ["⏰ Pengingat ke-6"],
            "tim2": ["⏰ Pengingat ke-6"],
            "kasubag": escalated,
            "kabag": escalated,
            "karo": escalated,
        }
        assert "Pengingat ke-6 telah dikirim kepada pelaksana." in news["kasubag"][0].text
        assert "menunda" not in news["kasubag"][0].text


async def test_rudi_spared_a_reminder_who_extends_his_tunda_is_told_it_comes_when_that_ends(
    tmp_path: Path,
) -> None:
    """At 12.00 Rudi postpones his own reminders until 14.00; at 13.00 the step's Pengingat
    ke-2 reaches Ayu, not him. At 13.30 he asks one more working hour (/tunda 1j), until
    14.30: the reply says he is reminded then, as his snooze ends, not with the step's next
    reminder on Tuesday at 09.00; and at 14.30 he reads Pengingat ke-2."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang penundaannya diperpanjang")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 12))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 2j")
        await sweep_at(world, clock, wib(7, 20, 13))
        assert set(phones.news()) == {"tim1", "kasubag"}

        clock.set(wib(7, 20, 13, 30))
        answer = await ask(world, "tim2", f"/tunda {case} 1j")
        assert answer == (
            f"Pengingat Berkas #{case} untuk Bapak/Ibu ditunda sampai "
            f"{office_time(wib(7, 20, 14, 30))}; pengingat berikutnya dikirim kepada Bapak/Ibu "
            f"pada {office_time(wib(7, 20, 14, 30))}, saat penundaan tersebut berakhir. "
            "Pengingat bagi anggota tim lainnya tidak berubah."
        )
        assert await headlines_at(world, clock, phones, wib(7, 20, 14, 30)) == {
            "tim2": ["⏰ Pengingat ke-2"]
        }


async def test_ayus_tunda_does_not_keep_rudi_from_the_reminder_he_was_told_comes_as_his_ends(
    tmp_path: Path,
) -> None:
    """At 12.00 Rudi postpones his own reminders until 14.00 (the reply says he is reminded
    then); at 13.00 the step's Pengingat ke-2 reaches Ayu, not him. At 13.30 Ayu postpones
    hers for a working day: now both have, so the step waits for the first to come back.
    At 14.00 Rudi, back, still reads Pengingat ke-2, as his reply said."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda bergantian")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 12))
        answer = await ask(world, "tim2", f"/tunda {case} 2j")
        assert f"Bapak/Ibu pada {office_time(wib(7, 20, 14))}, saat penundaan" in answer
        await sweep_at(world, clock, wib(7, 20, 13))
        assert set(phones.news()) == {"tim1", "kasubag"}
        clock.set(wib(7, 20, 13, 30))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim1", f"/tunda {case} 1h")

        assert await headlines_at(world, clock, phones, wib(7, 20, 14)) == {
            "tim2": ["⏰ Pengingat ke-2"]
        }


async def test_rudi_asking_a_shorter_tunda_is_told_his_longer_one_stands_and_when_he_is_reminded(
    tmp_path: Path,
) -> None:
    """At 10.00 Rudi postpones his own reminders for a working day, until Tuesday 10.00. A
    few minutes later he asks two working hours (/tunda 2j): a /tunda only postpones, so
    the reply says his reminders stay postponed until Tuesday 10.00, later than the 12.05
    he asked, and that he is reminded then; not that they are postponed until 12.05. So
    it goes: nothing at 12.05, the step's ke-2 at 13.00 reaches Ayu, and Rudi reads ke-3
    on Tuesday at 10.00."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda dua kali")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        clock.set(wib(7, 20, 10, 5))
        answer = await ask(world, "tim2", f"/tunda {case} 2j")
        assert answer == (
            f"Pengingat Berkas #{case} untuk Bapak/Ibu telah ditunda sampai "
            f"{office_time(wib(7, 21, 10))} atas permintaan Bapak/Ibu sebelumnya, lebih "
            "lambat daripada batas penundaan yang diminta "
            f"({office_time(wib(7, 20, 12, 5))}); pengingat berikutnya dikirim kepada "
            f"Bapak/Ibu pada {office_time(wib(7, 21, 10))}. Pengingat bagi anggota tim "
            "lainnya tidak berubah."
        ), answer
        await sweep_at(world, clock, wib(7, 20, 12, 5))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 20, 13))
        assert set(phones.news()) == {"tim1", "kasubag"}
        await sweep_at(world, clock, wib(7, 21, 9))
        assert set(phones.news()) == {"tim1", "kasubag"}
        assert await headlines_at(world, clock, phones, wib(7, 21, 10)) == {
            "tim2": ["⏰ Pengingat ke-3"]
        }


async def test_when_the_whole_team_postpones_the_step_waits_for_the_first_to_come_back(
    tmp_path: Path,
) -> None:
    """Rudi postpones his reminders until Tuesday 10.00, Ayu hers until Tuesday 11.00:
    now the whole team has asked, so the step waits, and Kasubag is not told either, until
    the first of them comes back. On Tuesday at 10.00 Rudi reads Pengingat ke-2 (Ayu's
    snooze still holds) and Kasubag is told; at 11.00, her snooze over, Ayu reads it too.
    The next, four working hours after Rudi's, reaches him, not Ayu, who read hers three
    working hours before (no one is reminded twice within the repeat interval); the one
    after it, on Wednesday at 10.00, reaches them both."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda seluruh tim")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        assert set(phones.news()) == {"tim1", "tim2"}
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        clock.set(wib(7, 20, 11))
        answer = await ask(world, "tim1", f"/tunda {case} 1h")
        # her next reminder: when her snooze ends, an hour after Rudi's
        assert f"ditunda sampai {office_time(wib(7, 21, 11))}" in answer
        assert f"Bapak/Ibu pada {office_time(wib(7, 21, 11))}, saat penundaan" in answer
        for quiet in (wib(7, 20, 13), wib(7, 21, 9), wib(7, 21, 9, 59)):
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet

        escalated = [f"📣 Eskalasi — Berkas #{case}: Usulan yang ditunda seluruh tim"]
        assert await headlines_at(world, clock, phones, wib(7, 21, 10)) == {
            "tim2": ["⏰ Pengingat ke-2"],
            "kasubag": escalated,
        }
        assert await headlines_at(world, clock, phones, wib(7, 21, 11)) == {
            "tim1": ["⏰ Pengingat ke-2"]
        }
        assert await headlines_at(world, clock, phones, wib(7, 21, 14)) == {
            "tim2": ["⏰ Pengingat ke-3"],
            "kasubag": escalated,
        }
        assert await headlines_at(world, clock, phones, wib(7, 22, 10)) == {
            "tim1": ["⏰ Pengingat ke-4"],
            "tim2": ["⏰ Pengingat ke-4"],
            "kasubag": escalated,
            "kabag": escalated,
        }


async def test_ayu_left_alone_in_the_team_postpones_the_step_as_its_one_holder_would(
    tmp_path: Path,
) -> None:
    """The Tim Penyusunan's step 6 is late: Ayu and Rudi read Pengingat ke-1 on Monday 20
    July at 09.00. At 09.30 the administrator takes Rudi out of the team (/cabut): Ayu
    alone holds the step. At 10.00 she postpones its reminders for a working day (/tunda
    1h): as the step's one holder, until Tuesday 10.00, and the reply says so plainly.
    Neither she nor Kasubag hears of the step before then; at 10.00 she reads Pengingat
    ke-2 and Kasubag is told."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda anggota tim terakhir")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        assert set(phones.news()) == {"tim1", "tim2"}
        clock.set(wib(7, 20, 9, 30))
        assert "dicabut" in await ask(world, "admin", f"/cabut {ID['tim2']} tim")
        await world.drained(WAIT)

        clock.set(wib(7, 20, 10))
        answer = await ask(world, "tim1", f"/tunda {case} 1h")
        assert answer == f"Pengingat Berkas #{case} ditunda sampai {office_time(wib(7, 21, 10))}."
        for quiet in (wib(7, 20, 13), wib(7, 21, 9), wib(7, 21, 9, 59)):
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        assert await headlines_at(world, clock, phones, wib(7, 21, 10)) == {
            "tim1": ["⏰ Pengingat ke-2"],
            "kasubag": [f"📣 Eskalasi — Berkas #{case}: Usulan yang ditunda anggota tim terakhir"],
        }


async def test_rudi_who_postponed_his_own_reminders_is_spared_them_once_he_alone_holds_the_step(
    tmp_path: Path,
) -> None:
    """At 10.00 Rudi postpones his own reminders until Tuesday 10.00 (Ayu's go on). At
    10.30 the administrator takes Ayu out of the team (/cabut): Rudi alone holds the
    step, and what he asked still holds: no reminder at 13.00 nor on Tuesday at 09.00;
    on Tuesday at 10.00 he reads Pengingat ke-2."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda sebelum tim menyusut")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        assert set(phones.news()) == {"tim1", "tim2"}
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        clock.set(wib(7, 20, 10, 30))
        assert "dicabut" in await ask(world, "admin", f"/cabut {ID['tim1']} tim")
        await world.drained(WAIT)
        phones.news()
        for quiet in (wib(7, 20, 13), wib(7, 21, 9), wib(7, 21, 9, 59)):
            await sweep_at(world, clock, quiet)
            news = phones.news()
            assert "tim2" not in news, (quiet, news)
        await sweep_at(world, clock, wib(7, 21, 10))
        assert [headline(m) for m in phones.news()["tim2"]] == ["⏰ Pengingat ke-2"]


async def test_kasubag_told_of_the_late_team_step_reads_that_rudi_postponed_his_reminders(
    tmp_path: Path,
) -> None:
    """Rudi postponed his own reminders until Tuesday 10.00; at 13.00 the step's Pengingat
    ke-2 reaches Ayu only, and Kasubag, told of it, reads so: that it went to the team's
    executor, and not to Rudi, who postponed his reminders until Tuesday 10.00."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda seorang anggota tim")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        await sweep_at(world, clock, wib(7, 20, 13))
        news = phones.news()
        assert set(news) == {"tim1", "kasubag"}
        told = news["kasubag"][0].text
        assert (
            "Pengingat ke-2 telah dikirim kepada pelaksana. Pengingat tersebut tidak dikirim "
            f"kepada {NAMES['tim2']} (hingga {office_time(wib(7, 21, 10))}) karena yang "
            "bersangkutan telah menunda pengingatnya."
        ) in told, told
        # the team is still named as the step's executors
        assert f"Pelaksana: {NAMES['tim1']}, {NAMES['tim2']} (Tim Penyusunan)" in told, told


async def test_kasubag_told_that_ayu_cannot_be_reached_also_reads_that_rudi_postponed_his(
    tmp_path: Path,
) -> None:
    """Ayu has blocked the bot, so no reminder of the team's late step reaches her; Rudi
    postponed his own until Tuesday 10.00. At 13.00 Kasubag, told of Pengingat ke-2, reads
    that it could not reach Ayu, and that it was not sent to Rudi, who postponed his
    reminders until Tuesday 10.00, as the escalation names him when Ayu can be reached."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan saat Ayu memblokir")
        world["tim1"].block()
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        await sweep_at(world, clock, wib(7, 20, 13))
        news = phones.news()
        assert set(news) == {"kasubag"}, news
        told = news["kasubag"][0].text
        assert (
            f"Pengingat tidak dapat disampaikan kepada {NAMES['tim1']} karena yang "
            "bersangkutan belum membuka bot (menekan Start) atau telah memblokirnya. "
            f"Pengingat tersebut tidak dikirim kepada {NAMES['tim2']} (hingga "
            f"{office_time(wib(7, 21, 10))}) karena yang bersangkutan telah menunda "
            "pengingatnya."
        ) in told, told
        assert "menghubungi yang bersangkutan secara langsung" in told, told


async def test_kasubag_reads_that_rudi_whose_tunda_ends_at_closing_is_reminded_next_morning(
    tmp_path: Path,
) -> None:
    """On Monday at 10.00 Rudi postpones his own reminders for six working hours, which
    end as the office closes at 16.00: his reply says he is reminded when it opens on
    Tuesday at 08.00. At 13.00 Kasubag, told of the step's Pengingat ke-2, reads the
    same of him: that it was not sent to Rudi, who postponed his reminders until Tuesday
    08.00 (when he is reminded), not until Monday 16.00, when no one is reminded."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda hingga kantor tutup")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 10))
        answer = await ask(world, "tim2", f"/tunda {case} 6j")
        assert f"Bapak/Ibu pada {office_time(wib(7, 21, 8))}, saat penundaan" in answer, answer
        await sweep_at(world, clock, wib(7, 20, 13))
        told = phones.news()["kasubag"][0].text
        assert (
            f"Pengingat tersebut tidak dikirim kepada {NAMES['tim2']} (hingga "
            f"{office_time(wib(7, 21, 8))}) karena yang bersangkutan telah menunda "
            "pengingatnya."
        ) in told, told
        assert await headlines_at(world, clock, phones, wib(7, 21, 8)) == {
            "tim2": ["⏰ Pengingat ke-2"]
        }


def _written_when(chase: dict[str, Any]) -> tuple[str, str, int]:
    return chase["at"], chase["kind"], chase["person_id"]


async def test_who_was_reminded_told_and_who_postponed_outlives_the_retention_in_the_export(
    tmp_path: Path,
) -> None:
    """Kasubag sits on step 1 past its norm: she is reminded and Kabag is told (escalation
    at once: ``escalate_after = 1``); she postpones the reminders with /tunda (the next was
    due an hour later), and when the snooze is over she is reminded again and Kabag and Karo are told. Forty days later the
    delivered messages are pruned; the database and ``sopbot export`` still show who was
    chased, as what, when, and who postponed it until when; each reminder says until when
    no reminder of the step goes to the one reminded again (an interval after it was sent). The case's record is untouched:
    no event, no new version."""
    async with world_at(tmp_path, wib(7, 6, 9), escalate_after=1, repeat_every_minutes=60) as (
        world,
        clock,
    ):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang dikejar")
        version = (await case_of(world, case)).version
        events = len(await world.services.db.read(repo.load_events, case))
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 6, 13))
        assert set(phones.news()) == {"kasubag", "kabag"}
        clock.set(wib(7, 6, 13, 30))
        answer = await ask(world, "kasubag", f"/tunda {case} 2j")
        assert f"ditunda sampai {office_time(wib(7, 6, 15, 30))}" in answer
        await sweep_at(world, clock, wib(7, 6, 15, 30))
        assert set(phones.news()) == {"kasubag", "kabag", "karo"}
        assert (await case_of(world, case)).version == version
        assert len(await world.services.db.read(repo.load_events, case)) == events

        later = wib(8, 15, 9)  # forty days on: the bot prunes what the retention lets go
        await world.services.db.write(repo.prune, later, later)
        assert await outbox_of(world, case, "task") == await outbox_of(world, case, "notice")
        assert await outbox_of(world, case, "task") == []
        config = world.config

    assert await export_case(config, case, tmp_path / "ekspor") == 0
    record = json.loads((tmp_path / "ekspor" / f"berkas-{case}" / "record.json").read_text())
    at = ts(wib(7, 6, 13))
    again = ts(wib(7, 6, 15, 30))
    # in the order written, which for two chats told at the same minute is the order the
    # outbox's deliveries happened to finish: compared minute by minute, not row by row
    assert sorted(record["chases"], key=_written_when) == sorted([
        {"kind": "reminder", "step": 1, "at": at, "person_id": ID["kasubag"], "role": "kasubag",
         "number": 1, "until": ts(wib(7, 6, 14))},
        {"kind": "escalation", "step": 1, "at": at, "person_id": ID["kabag"], "role": "kabag",
         "number": 1},
        {"kind": "snooze", "step": 1, "at": ts(wib(7, 6, 13, 30)), "person_id": ID["kasubag"],
         "role": "kasubag", "until": again},
        {"kind": "reminder", "step": 1, "at": again, "person_id": ID["kasubag"],
         "role": "kasubag", "number": 2, "until": ts(wib(7, 7, 8, 30))},
        {"kind": "escalation", "step": 1, "at": again, "person_id": ID["kabag"], "role": "kabag",
         "number": 2},
        {"kind": "escalation", "step": 1, "at": again, "person_id": ID["karo"], "role": "karo",
         "number": 2},
    ], key=_written_when)  # fmt: skip
    assert [c["at"] for c in record["chases"]] == sorted(c["at"] for c in record["chases"])


# -- /terlambat -------------------------------------------------------------------------


def overdue_lines(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"^#(\d+) · langkah", text, re.MULTILINE)}


async def test_terlambat_shows_superiors_and_admins_the_overdue_steps_and_refuses_others(
    tmp_path: Path,
) -> None:
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        at_kasubag = await s.new_case("Usulan di Kasubag", 2027)  # step 1, norm 4 hours
        at_kabag = await proposal_ready(world, s, "Usulan di Kabag")
        await s.press("kasubag", "Ajukan", at_kabag)  # step 2, norm 8 hours
        await world["kabag"].wait_message(lambda m: "Setujui" in " ".join(m.button_texts))
        clock.set(wib(7, 7, 9, 30))
        fresh = await s.new_case("Usulan baru", 2027)  # not overdue
        clock.set(wib(7, 7, 10))  # 9 working hours after Monday 09.00
        expected = {
            "admin": {at_kasubag, at_kabag},
            "karo": {at_kasubag, at_kabag},
            # a head sees the steps of their own role too: Kabag's step 2 and, below
            # Kabag, Kasubag's step 1 (as the overdue list of Kabag's /laporan)
            "kabag": {at_kasubag, at_kabag},
        }
        for who, cases in expected.items():
            got = await ask(world, who, "/terlambat")
            assert got.startswith("Langkah yang melewati norma waktu"), who
            assert overdue_lines(got) == cases, (who, got)
            assert fresh not in overdue_lines(got)
        listing = await ask(world, "admin", "/terlambat")
        assert (
            f"#{at_kasubag} · langkah 1 (Kasubag) · 1 hari kerja 1 jam dari norma 4 jam kerja "
            "(terlambat 5 jam kerja) · Usulan di Kasubag"
        ) in listing
        assert (
            f"#{at_kabag} · langkah 2 (Kabag) · 1 hari kerja 1 jam dari norma 1 hari kerja "
            "(terlambat 1 jam kerja)"
        ) in listing
        assert listing.startswith(
            "Langkah yang melewati norma waktu: 2 langkah\n"
            "semua langkah; yang paling jauh melewati normanya"
        )
        # Kasubag is a superior (of Tim and Fungsional Umum): her own late step 1 is listed
        got = await ask(world, "kasubag", "/terlambat")
        assert overdue_lines(got) == {at_kasubag}, got
        assert "langkah peran Bapak/Ibu dan bawahannya; yang paling jauh melewati" in got
        for who in ("tim1", "fu"):  # superiors of nobody
            got = await ask(world, who, "/terlambat")
            assert "hanya untuk pimpinan dan administrator" in got, who
        stranger = world.emu.user(4242, "Orang Luar")
        await stranger.send("/terlambat")
        assert "Langkah yang melewati" not in (await stranger.wait_message(timeout=WAIT)).text
        await world.drained(WAIT)
        assert (await world.services.db.read(repo.outbox_counts))["failed"] == 0


async def test_terlambat_lists_the_step_furthest_past_its_norm_first(tmp_path: Path) -> None:
    """The Karo's /terlambat puts first the step furthest past its norm, not the one held
    longest: a proposal at Kabag's step (norm 1 working day) since Monday 09.00 is 1 hour
    late on Tuesday at 10.00, a new case at Kasubag's step (norm 4 hours) since Monday 11.00
    is 3 hours late: the new case comes first."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        at_kabag = await proposal_ready(world, s, "Usulan di Kabag")
        await s.press("kasubag", "Ajukan", at_kabag)
        await world["kabag"].wait_message(lambda m: "Setujui" in " ".join(m.button_texts))
        clock.set(wib(7, 6, 11))
        at_kasubag = await s.new_case("Usulan di Kasubag", 2027)
        clock.set(wib(7, 7, 10))
        listing = await ask(world, "karo", "/terlambat")
        order = [int(n) for n in re.findall(r"^#(\d+) · langkah", listing, re.MULTILINE)]
        assert order == [at_kasubag, at_kabag], listing
        assert "(terlambat 3 jam kerja) · Usulan di Kasubag" in listing
        assert "(terlambat 1 jam kerja) · Usulan di Kabag" in listing


async def test_terlambat_counts_every_late_step_of_a_bureau_with_600_open_cases(
    tmp_path: Path,
) -> None:
    """A bureau after years of use: 600 proposals wait at Kabag's step, all past its norm.
    The Karo's /terlambat counts all 600 (not only the first 500 open cases) and shows the
    ten furthest past their norm, on the first of 60 pages; » shows the last page."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        first = await proposal_ready(world, s, "Usulan di Kabag")
        await s.press("kasubag", "Ajukan", first)  # step 2, norm 1 working day
        await world.drained(WAIT)
        await late_copies(world, first, 2, "kabag", first + 1, 599)
        clock.set(wib(7, 8, 10))  # two working days later: every one of them is late
        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/terlambat")
        listing = await karo.wait_message(lambda m: "Langkah yang" in m.text, timeout=WAIT)
        assert listing.text.startswith(
            "Langkah yang melewati norma waktu: 600 langkah (halaman 1 dari 60)\n"
        ), listing.text
        assert overdue_lines(listing.text) == set(range(first, first + 10))
        assert listing.button_texts == ["›", "»"]
        await karo.press(listing, "»", timeout=WAIT)
        await world.emu.wait_until(lambda: "(halaman 60 dari 60)" in listing.text, timeout=WAIT)
        assert overdue_lines(listing.text) == set(range(first + 590, first + 600))
        assert listing.button_texts == ["«", "‹"]


async def late_copies(
    world: World, seed: int, step: int, role: str, first_id: int, n: int, apart: int = 0
) -> list[int]:
    """``n`` copies of case ``seed`` waiting at ``step`` (held by ``role``), numbered from
    ``first_id`` and written in one transaction: many open cases without a message each.
    The k-th copy entered its step ``k * apart`` minutes after the seed entered its own."""
    ids = list(range(first_id, first_id + n))

    def write(tx: Tx) -> None:
        case = repo.load_case(tx, seed)
        assert case is not None
        for k, number in enumerate(ids, 1):
            entered = case.step_entered_at + timedelta(minutes=k * apart)
            copy = replace(
                case, id=number, step=step, title=f"{case.title} {number}", step_entered_at=entered
            )
            repo.save_case(tx, copy, role, new=True)

    await world.services.db.write(write)
    return ids


async def test_karo_with_60_late_steps_pages_through_all_of_them_and_sees_each_once(
    tmp_path: Path,
) -> None:
    """60 proposals wait at Kabag's step past its norm, each having entered it a minute
    after the one before. Karo's /terlambat shows ten a page, with the page buttons of
    /tugas: › goes through the six pages in the one message (edited: nothing new arrives),
    every step once, the one furthest past its norm first; « goes back to the first page."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        first = await proposal_ready(world, s, "Usulan di Kabag")
        await s.press("kasubag", "Ajukan", first)  # step 2, norm 1 working day
        await world.drained(WAIT)
        later = await late_copies(world, first, 2, "kabag", first + 1, 59, apart=1)
        clock.set(wib(7, 8, 10))
        karo = world["karo"]
        karo.mark_seen()
        received = karo.received_count()
        await karo.send("/terlambat")
        listing = await karo.wait_message(lambda m: "Langkah yang" in m.text, timeout=WAIT)
        assert listing.text.startswith(
            "Langkah yang melewati norma waktu: 60 langkah (halaman 1 dari 6)\n"
        ), listing.text
        assert listing.button_texts == ["›", "»"]
        seen = listed(listing.text)
        assert len(seen) == 10
        for page in range(2, 7):
            version = listing.record.version
            await karo.press(listing, "›", timeout=WAIT)
            await world.emu.wait_until(lambda: listing.record.version > version, timeout=WAIT)  # noqa: B023
            assert f"60 langkah (halaman {page} dari 6)" in listing.text
            assert listing.button_texts == (["«", "‹", "›", "»"] if page < 6 else ["«", "‹"])
            seen += listed(listing.text)
        assert seen == [first, *later]  # each once, in order
        await karo.press(listing, "«", timeout=WAIT)
        await world.emu.wait_until(lambda: "(halaman 1 dari 6)" in listing.text, timeout=WAIT)
        assert listed(listing.text) == seen[:10]
        await world.drained(WAIT)
        assert karo.received_count() == received + 1  # one message, edited page by page


async def test_a_stale_terlambat_page_button_is_answered_politely_and_changes_nothing(
    tmp_path: Path,
) -> None:
    """Karo's /terlambat of 25 late steps shows page 1 of 3. Two days later he presses ›
    on it: Telegram no longer lets the bot see the list, so he is told it is too old and
    gets page 2 as a new message; the old list stays as it was. A page button forged on
    another message is not recognised. Once the administrator has revoked his role, a
    press on the list is refused politely (he holds no role now), and the list stays as it
    was."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        first = await proposal_ready(world, s, "Usulan di Kabag")
        await s.press("kasubag", "Ajukan", first)  # step 2, norm 1 working day
        await world.drained(WAIT)
        await late_copies(world, first, 2, "kabag", first + 1, 24, apart=1)
        clock.set(wib(7, 8, 10))
        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/terlambat")
        listing = await karo.wait_message(lambda m: "Langkah yang" in m.text, timeout=WAIT)
        assert "25 langkah (halaman 1 dari 3)" in listing.text
        world.emu.advance_clock(49 * 3600)
        old = listing.text
        karo.mark_seen()
        answer = await karo.press(listing, "›", timeout=WAIT)
        assert (answer.text, answer.show_alert) == (t.ANS_LIST_OLD, False)
        page = await karo.wait_message(lambda m: "Langkah yang" in m.text, timeout=WAIT)
        assert "25 langkah (halaman 2 dari 3)" in page.text
        assert page.record.message_id != listing.record.message_id and listing.text == old
        assert listed(page.text) == list(range(first + 10, first + 20))
        # a page button forged on a message that is no /terlambat list
        karo.mark_seen()
        await karo.send("/saya")
        profile = await karo.wait_message(timeout=WAIT)
        answer = await karo.press_data(profile, "tl:0:0:0:1", timeout=WAIT)
        assert (answer.text, answer.show_alert) == (t.ANS_UNKNOWN_BUTTON, True)
        # no longer Karo: the list is not his to page through
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/cabut {ID['karo']} karo")
        assert "dicabut" in (await admin.wait_message(timeout=WAIT)).text
        shown, version = page.text, page.record.version
        answer = await karo.press(page, "›", timeout=WAIT)
        assert answer.show_alert and (answer.text or "").startswith("Mohon maaf"), answer
        await world.drained(WAIT)
        assert page.text == shown and page.record.version == version


def listed(text: str) -> list[int]:
    """The case numbers of a /terlambat page, in its order."""
    return [int(n) for n in re.findall(r"^#(\d+) · langkah", text, re.MULTILINE)]


SHIPPED_SOP = ROOT / "sops" / "penyusunan-program-kerja.toml"
SURAT_MASUK = Path(__file__).parent / "fixtures" / "sops" / "surat-masuk.toml"


async def test_karo_of_a_bureau_running_two_sops_reads_which_sop_each_late_step_is_of(
    tmp_path: Path,
) -> None:
    """The bureau runs its planning SOP and "Penanganan Surat Masuk", where step 3 is
    Kasubag's (the planning SOP's step 3 is Karo's). Karo asks /terlambat: every line names
    its SOP, as a reminder digest of two SOPs does, so "langkah 3" cannot be misread."""
    async with world_at(tmp_path, wib(7, 6, 9), sops=[SHIPPED_SOP, SURAT_MASUK]) as (
        world,
        clock,
    ):
        cases = world.services.cases
        plan = (await cases.start_case(ID["kasubag"], "Program Kerja", 2027)).case.id
        letter = (
            await cases.start_case(ID["karo"], "Surat Masuk", 2027, sop_code="surat-masuk")
        ).case.id
        await world.drained(WAIT)
        at_karo = await late_copies(world, plan, 3, "karo", letter + 1, 2)
        at_kasubag = await late_copies(world, letter, 3, "kasubag", letter + 3, 2)
        clock.set(wib(7, 9, 10))  # three working days on: every one of them is late
        listing = await ask(world, "karo", "/terlambat")
        lines = [line for line in listing.splitlines() if line.startswith("#")]
        assert len(lines) == 6, listing
        named = {
            int(m[1]): m[2]
            for line in lines
            if (m := re.match(r"#(\d+) · (.+?) · langkah \d+ \(", line)) is not None
        }
        planning = "Penyusunan Program Kerja, RKAKL, dan Pe…"  # the SOP's name, clipped
        assert named == {
            **dict.fromkeys([plan], planning),
            **dict.fromkeys(at_karo, planning),
            letter: "Penanganan Surat Masuk dan Surat Balasan",
            **dict.fromkeys(at_kasubag, "Penanganan Surat Masuk dan Surat Balasan"),
        }, listing
        assert (
            f"#{at_kasubag[0]} · Penanganan Surat Masuk dan Surat Balasan · langkah 3 (Kasubag) · "
        ) in listing
        assert f"#{at_karo[0]} · {planning} · langkah 3 (Karo) · " in listing


async def test_a_kabag_who_is_plh_karo_is_not_escalated_to_about_his_own_late_step(
    tmp_path: Path,
) -> None:
    """Kabag acts as Plh Karo, and his own step 2 is late. The escalation to the Karo level
    goes to the definitive Karo: the late holder is not told about himself."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/plh karo {ID['kabag']} 31-12-2030 dinas luar")
        await admin.wait_message(lambda m: "ditetapkan" in m.text, timeout=WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan di Kabag")
        await s.press("kasubag", "Ajukan", case)
        await world.drained(WAIT)
        phones = Phones(world)
        # step 2 (Kabag, norm 1 working day) entered Monday 09.00: reminder 1 on Tuesday
        # 09.00, reminder 2 (escalate_after) four working hours later
        await sweep_at(world, clock, wib(7, 7, 9))
        await sweep_at(world, clock, wib(7, 7, 13))
        news = phones.news()
        assert [headline(m) for m in news["kabag"]] == ["⏰ Pengingat ke-1", "⏰ Pengingat ke-2"]
        assert [headline(m).split(" —")[0] for m in news["karo"]] == ["📣 Eskalasi"]


# -- a task that passes to another official ------------------------------------------------


async def appoint_plh(world: World, role: str, clock: ManualClock, at: datetime) -> None:
    """At ``at`` the administrator appoints Pak Agus Plh of ``role``; his tasks arrive."""
    clock.set(at)
    said = await ask(world, "admin", f"/plh {role} {ACTING.telegram_id} 31-12-2030 cuti tahunan")
    assert "ditetapkan" in said, said
    await world.drained(WAIT)


async def reminded_at(
    world: World,
    clock: ManualClock,
    phones: Phones,
    at: datetime,
    who: str,
    n: int,
    alone: bool = True,
) -> EmuMessage:
    """Nothing comes at the minute before ``at``; at ``at``, ``who`` gets "Pengingat ke-n"
    (``alone``: and no one else gets anything). That reminder."""
    await sweep_at(world, clock, at - timedelta(minutes=1))
    assert phones.news() == {}
    await sweep_at(world, clock, at)
    news = phones.news()
    if alone:
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            who: [f"⏰ Pengingat ke-{n}"]
        }
    else:
        assert [headline(m) for m in news.get(who, [])] == [f"⏰ Pengingat ke-{n}"]
    return news[who][0]


async def karo_reminded_twice_then_a_plh(
    world: World, clock: ManualClock, s: Script, title: str
) -> tuple[int, Phones]:
    """A proposal waits at Karo's step 3 from Monday 6 July: Karo is reminded ke-1 at 09.00
    and ke-2 at 13.00 on Tuesday, and at 14.00 Pak Agus is appointed Plh Karo and receives
    the task. The case, and the phones (their news read up to then)."""
    case = await proposal_ready(world, s, title)
    await s.press("kasubag", "Ajukan", case)
    await s.approve("kabag", case)
    await s.seen("karo", has_button("Setujui", case))
    await world.drained(WAIT)
    phones = Phones(world, [*KEYS, "plh"])
    await sweep_at(world, clock, wib(7, 7, 9))
    await sweep_at(world, clock, wib(7, 7, 13))
    news = phones.news()
    assert [headline(m) for m in news["karo"]] == ["⏰ Pengingat ke-1", "⏰ Pengingat ke-2"]
    await appoint_plh(world, "karo", clock, wib(7, 7, 14))
    await s.seen("plh", has_button("Setujui", case))
    return case, phones


async def test_karos_task_back_from_the_plh_starts_afresh_at_pengingat_ke_1(
    tmp_path: Path,
) -> None:
    """Karo leaves step 3 (norm 1 working day) from Monday 09.00: Pengingat ke-1 on Tuesday
    09.00, ke-2 at 13.00. At 14.00 Pak Agus is appointed Plh Karo and receives the task. His
    first reminder is his own Pengingat ke-1, 240 working minutes after he received the
    task (Wednesday 10.00), not Karo's ke-3 at Karo's rhythm (Wednesday 09.00). At 11.00
    the period is ended: Karo's task returns from the Plh, and his first reminder is
    Pengingat ke-1 again, at 15.00, not an hour after he got it back."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        _, phones = await karo_reminded_twice_then_a_plh(
            world, clock, s, "Usulan yang tertahan di Karo"
        )
        phones.news()
        await sweep_at(world, clock, wib(7, 8, 9))
        assert phones.news() == {}, "Karo's rhythm is not the Plh's"
        first = await reminded_at(world, clock, phones, wib(7, 8, 10), "plh", 1)
        assert {"✅ Setujui", "↩️ Kembalikan"} <= set(first.button_texts)

        clock.set(wib(7, 8, 11))
        said = await ask(world, "admin", "/akhiri_plh karo")
        assert "diakhiri" in said, said
        await world.drained(WAIT)
        await s.seen("karo", lambda m: t.ACTING_TASK_BACK[3:40] in m.text and bool(m.button_texts))
        phones.news()
        await sweep_at(world, clock, wib(7, 8, 14))
        assert phones.news() == {}, "the Plh's rhythm is not Karo's"
        first = await reminded_at(world, clock, phones, wib(7, 8, 15), "karo", 1)
        # the step's own wait is still what it is: since Monday 09.00
        assert "Langkah ini menunggu tindakan sejak 6 Juli 2026 pukul 09.00 WIB" in first.text
        # and the next one comes at his rhythm, Thursday 11.00
        await reminded_at(world, clock, phones, wib(7, 9, 11), "karo", 2, alone=False)


async def test_a_plh_kabags_first_reminder_still_escalates_to_karo_about_the_stalled_step(
    tmp_path: Path,
) -> None:
    """Kabag leaves step 2 from Monday 09.00: Pengingat ke-1 on Tuesday 09.00, ke-2 at 13.00
    with an escalation to Karo. At 14.00 Pak Agus is appointed Plh Kabag. His own first
    reminder, Pengingat ke-1 on Wednesday 10.00, does not start the step's escalation
    over: the step has waited since Monday, and Karo is told again with it, reading that
    the Plh has just had his ke-1. A hand-over never hides a stalled step from the
    superior."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan di Kabag")
        await s.press("kasubag", "Ajukan", case)
        await s.seen("kabag", has_button("Setujui", case))
        await world.drained(WAIT)
        phones = Phones(world, [*KEYS, "plh"])
        await sweep_at(world, clock, wib(7, 7, 9))
        await sweep_at(world, clock, wib(7, 7, 13))
        news = phones.news()
        assert [headline(m) for m in news["kabag"]] == ["⏰ Pengingat ke-1", "⏰ Pengingat ke-2"]
        assert len(news["karo"]) == 1

        await appoint_plh(world, "kabag", clock, wib(7, 7, 14))
        await s.seen("plh", has_button("Setujui", case))
        phones.news()
        await sweep_at(world, clock, wib(7, 8, 9))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 8, 10))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "plh": ["⏰ Pengingat ke-1"],
            "karo": [f"📣 Eskalasi — Berkas #{case}: Usulan yang tertahan di Kabag"],
        }
        escalation = news["karo"][0].text
        assert f"Pelaksana: {ACTING.name}" in escalation
        assert "Menunggu sejak 6 Juli 2026 pukul 09.00 WIB" in escalation
        assert "Pengingat ke-1 telah dikirim kepada pelaksana." in escalation
        # the chase log keeps the step's count: the Plh's ke-1 is the step's third reminder
        chases = await world.services.db.read(repo.chases_of_case, case)
        assert sorted((c.kind, c.person_id, c.number) for c in chases if c.at == wib(7, 8, 10)) == [
            ("escalation", ID["karo"], 3),
            ("reminder", ACTING.telegram_id, 3),
        ]


async def test_a_step_passed_from_hand_to_hand_is_still_reminded_an_interval_after_it_was_due(
    tmp_path: Path,
) -> None:
    """Karo leaves step 3 from Monday 09.00: Pengingat ke-1 on Tuesday 09.00, ke-2 at 13.00;
    ke-3 would come on Wednesday 09.00. The task then changes hands more often than every
    240 working minutes: Pak Agus is appointed Plh Karo at 14.00 (his first reminder would
    be Wednesday 10.00), the period is ended on Wednesday at 09.30 (Karo's would be 13.30),
    and Pak Agus is appointed again at 12.30. A hand-over gives whoever receives the task up
    to one interval, never more than one interval past the reminder the step would have had
    without it: at 13.00 on Wednesday, two intervals after the step's last reminder, Pak
    Agus gets his own Pengingat ke-1, not nothing until Thursday 08.30 (and nothing ever,
    were the task passed on every three hours). His ke-2 comes at his rhythm."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case, phones = await karo_reminded_twice_then_a_plh(
            world, clock, s, "Usulan yang berpindah tangan"
        )
        await sweep_at(world, clock, wib(7, 8, 9))
        assert phones.news() == {}, "the Plh has his interval"

        clock.set(wib(7, 8, 9, 30))
        said = await ask(world, "admin", "/akhiri_plh karo")
        assert "diakhiri" in said, said
        await world.drained(WAIT)
        await s.seen("karo", lambda m: t.ACTING_TASK_BACK[3:40] in m.text and bool(m.button_texts))
        await sweep_at(world, clock, wib(7, 8, 10))
        assert phones.news() == {}, "Karo has his"

        await appoint_plh(world, "karo", clock, wib(7, 8, 12, 30))
        await world.emu.wait_until(
            lambda: sum(has_button("Setujui", case)(m) for m in world["plh"].bot_messages) == 1,
            timeout=WAIT,
        )
        first = await reminded_at(world, clock, phones, wib(7, 8, 13), "plh", 1)
        assert {"✅ Setujui", "↩️ Kembalikan"} <= set(first.button_texts)
        assert "Langkah ini menunggu tindakan sejak 6 Juli 2026 pukul 09.00 WIB" in first.text
        # the next one at his rhythm: 240 working minutes after his ke-1, Thursday 09.00
        await reminded_at(world, clock, phones, wib(7, 9, 9), "plh", 2, alone=False)


async def test_a_reminder_whose_turn_comes_after_the_holder_decided_is_not_sent(
    tmp_path: Path,
) -> None:
    """Two of Kasubag's proposals are late at 13.00: the sweep queues a reminder for each,
    and the outbox reads both cases for its round. The first reminder is slow to reach
    Telegram (a second and a half); meanwhile Kasubag submits the second proposal. When
    the second reminder's turn comes the case is at step 2: it is not sent, so Kasubag
    never reads "⏰ Pengingat ke-1" with an Ajukan button about a proposal she has just
    submitted, and the chase log has no reminder of it."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        cases = [await proposal_ready(world, s, f"Usulan {n}") for n in (1, 2)]
        await world.drained(WAIT)
        seen = {m.message_id for m in world["kasubag"].bot_messages}
        world.emu.faults.hang(
            seconds=1.5, method="sendMessage", execute="after", chat_id=ID["kasubag"]
        )
        clock.set(wib(7, 6, 13))
        await world.services.reminders.sweep()

        def on_its_way(tx: Tx) -> list[int]:
            rows = tx.all(
                "SELECT case_id, params FROM outbox WHERE kind = 'task' AND chat_id = ? "
                "AND last_error = ?",
                (ID["kasubag"], repo.ON_ITS_WAY),
            )
            return [int(r[0]) for r in rows if "reminder" in json.loads(r[1])]

        deadline = asyncio.get_running_loop().time() + WAIT
        while not (going := await world.services.db.read(on_its_way)):
            assert asyncio.get_running_loop().time() < deadline, "no reminder on its way"
            await asyncio.sleep(0.01)
        [first] = going
        [second] = [case for case in cases if case != first]
        submitted = await case_of(world, second)
        assert submitted is not None and submitted.step == 1
        await world.services.cases.execute(second, CompleteStep(submitted.version), ID["kasubag"])
        await world.drained(WAIT)

        reminders = [
            m
            for m in world["kasubag"].bot_messages
            if m.message_id not in seen and m.text.startswith("⏰ Pengingat")
        ]
        assert [(first_line(m).rsplit("#", 1)[1]) for m in reminders] == [str(first)]
        assert (await case_of(world, second)).step == 2
        rows = await world.services.db.read(
            lambda tx: tx.all(
                "SELECT sent_at, message_id FROM outbox WHERE kind = 'task' AND case_id = ? "
                "AND chat_id = ? AND params LIKE '%reminder%'",
                (second, ID["kasubag"]),
            )
        )
        assert [(r[0] is not None, r[1]) for r in rows] == [(True, None)]  # settled unsent
        chased = await world.services.db.read(repo.chases_of_case, second)
        assert [c for c in chased if c.kind == "reminder"] == []


# -- an upload is activity -------------------------------------------------------------------


async def test_the_team_that_just_sent_a_draft_is_not_told_an_hour_later_that_it_waits(
    tmp_path: Path,
) -> None:
    """The team's step 6 (norm 10 working days) entered Monday 6 July 09.00 is late: both
    members get Pengingat ke-1 on Monday 20 July 09.00. At 12.00 Ayu sends the Draf RKAKL.
    The next reminder, due at 13.00, is not sent an hour after the draft arrived: it comes
    one repeat interval (240 working minutes) after the upload, Tuesday 08.00, with its
    escalation to Kasubag. The same file sent again on Tuesday (already recorded: not a new
    version) is no activity: ke-3 comes at its time, 12.00."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan dengan draf tim")
        await s.press("kasubag", "Ajukan", case)
        await s.to_the_drafts(case)
        await s.seen("tim1", lambda m: f"Berkas #{case}" in m.text and "Langkah 6 dari" in m.text)
        await world.drained(WAIT)
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "tim1": ["⏰ Pengingat ke-1"],
            "tim2": ["⏰ Pengingat ke-1"],
        }

        clock.set(wib(7, 20, 12))
        rkakl = draft("Draf RKAKL")
        await s.upload("tim1", case, "Draf RKAKL.docx", rkakl)
        await world.drained(WAIT)
        phones.news()
        await sweep_at(world, clock, wib(7, 20, 13))
        assert phones.news() == {}, "an hour after the draft, the team is not chased"
        await sweep_at(world, clock, wib(7, 20, 15, 59))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 21, 8))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "tim1": ["⏰ Pengingat ke-2"],
            "tim2": ["⏰ Pengingat ke-2"],
            "kasubag": [f"📣 Eskalasi — Berkas #{case}: Usulan dengan draf tim"],
        }

        clock.set(wib(7, 21, 11))
        await s.upload("tim1", case, "Draf RKAKL.docx", rkakl, expect="tidak dicatat ulang")
        await world.drained(WAIT)
        phones.news()
        await sweep_at(world, clock, wib(7, 21, 12))
        news = phones.news()
        assert [headline(m) for m in news["tim1"]] == ["⏰ Pengingat ke-3"]


async def test_rudi_told_his_reminder_comes_at_14_is_told_when_ayus_draft_puts_it_off(
    tmp_path: Path,
) -> None:
    """The team's step is late: Ayu and Rudi read Pengingat ke-1 on Monday 20 July at
    09.00. At 12.00 Rudi postpones his own reminders until 14.00; the reply says he is
    reminded then, the step reminding the team at 13.00 meanwhile. At 12.30 Ayu sends the
    Draf RKAKL: the step is being worked on, so its next reminder waits until 240 working
    minutes after the draft, Tuesday 08.30, Rudi's with it (there is no 13.00 reminder he
    was spared). He is told so at once, with who sent what put it off, and that it is no
    longer at 14.00 as he was told; Ayu, who sent it, is not. No one hears anything on
    Monday; on Tuesday at 08.30 the step's ke-2 reaches them both."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await with_the_team(world, "Usulan yang drafnya dikirim rekan")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        phones.news()
        clock.set(wib(7, 20, 12))
        answer = await ask(world, "tim2", f"/tunda {case} 2j")
        assert f"Bapak/Ibu pada {office_time(wib(7, 20, 14))}, saat penundaan" in answer, answer

        clock.set(wib(7, 20, 12, 30))
        world["tim2"].mark_seen()
        ayu_had = len(world["tim1"].bot_messages)
        await s.upload("tim1", case, "Draf RKAKL.docx", draft("Draf RKAKL"))
        told = await world["tim2"].wait_message(lambda m: "diundur" in m.text, timeout=WAIT)
        assert told.text == (
            f"Berkas #{case}: {NAMES['tim1']} telah mengunggah dokumen pada langkah ini "
            "sehingga pengingat langkah ini diundur. Pengingat berikutnya bagi Bapak/Ibu "
            f"dikirim pada {office_time(wib(7, 21, 8, 30))}, bukan pada "
            f"{office_time(wib(7, 20, 14))} sebagaimana disampaikan sebelumnya."
        ), told.text
        await world.drained(WAIT)
        assert not [m for m in world["tim1"].bot_messages[ayu_had:] if "diundur" in m.text]

        for quiet in (wib(7, 20, 13), wib(7, 20, 14), wib(7, 21, 8, 29)):
            await sweep_at(world, clock, quiet)
            assert phones.news() == {}, quiet
        assert await headlines_at(world, clock, phones, wib(7, 21, 8, 30)) == {
            "tim1": ["⏰ Pengingat ke-2"],
            "tim2": ["⏰ Pengingat ke-2"],
            "kasubag": [f"📣 Eskalasi — Berkas #{case}: Usulan yang drafnya dikirim rekan"],
        }


async def put_off_notices_waiting(world: World, who: str) -> list[tuple[str | None, str]]:
    """(last error, next attempt) of the "your reminder is put off" notices still to go to
    ``who``, once there is one."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        rows = await world.services.db.read(
            lambda tx: tx.all(
                "SELECT params, last_error, next_attempt_at FROM outbox WHERE chat_id = ? "
                "AND kind = 'notice' AND sent_at IS NULL AND failed_at IS NULL ORDER BY id",
                (ID[who],),
            )
        )
        waiting = [(r[1], r[2]) for r in rows if json.loads(r[0])["t"] == "reminder_put_off"]
        if waiting and all(error is not None for error, _ in waiting):
            return waiting
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no put-off notice waits for {who}: {rows}")
        await asyncio.sleep(0.02)


async def test_rudi_is_told_of_his_reminder_put_off_by_ayus_draft_at_night_when_the_office_opens(
    tmp_path: Path,
) -> None:
    """The team's step is late: Ayu and Rudi read Pengingat ke-1 and ke-2 on Monday 20 July
    at 09.00 and 13.00. At 15.00 Rudi postpones his own reminders by three working hours,
    to Tuesday 10.00. Ayu works on at home and sends the Draf RKAKL at 21.00: the step's next
    reminder, Rudi's with it, now comes 240 working minutes after the office opens, Tuesday
    12.00. A notice about a reminder does not wake Rudi at 21.00 (the reminder itself waits
    for the office): he is told when the office opens, Tuesday 08.00, before the 10.00 he
    was told of."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await with_the_team(world, "Usulan yang drafnya dikirim malam")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 9))
        await sweep_at(world, clock, wib(7, 20, 13))
        reminded = [headline(m) for m in phones.news()["tim2"]]
        assert reminded == ["⏰ Pengingat ke-1", "⏰ Pengingat ke-2"]
        clock.set(wib(7, 20, 15))
        answer = await ask(world, "tim2", f"/tunda {case} 3j")
        assert f"Bapak/Ibu pada {office_time(wib(7, 21, 10))}, saat penundaan" in answer, answer

        clock.set(wib(7, 20, 21))
        world["tim2"].mark_seen()
        await s.upload("tim1", case, "Draf RKAKL.docx", draft("Draf RKAKL"))
        [(error, until)] = await put_off_notices_waiting(world, "tim2")
        assert (error, parse_ts(until)) == (repo.OFFICE_CLOSED, wib(7, 21, 8))
        assert not [m for m in world["tim2"].bot_messages if "diundur" in m.text]

        clock.set(wib(7, 21, 8))
        world.services.outbox.wake()
        told = await world["tim2"].wait_message(lambda m: "diundur" in m.text, timeout=WAIT)
        assert told.text == (
            f"Berkas #{case}: {NAMES['tim1']} telah mengunggah dokumen pada langkah ini "
            "sehingga pengingat langkah ini diundur. Pengingat berikutnya bagi Bapak/Ibu "
            f"dikirim pada {office_time(wib(7, 21, 12))}, bukan pada "
            f"{office_time(wib(7, 21, 10))} sebagaimana disampaikan sebelumnya."
        ), told.text
        await world.drained(WAIT)


async def test_reminders_go_on_after_the_host_clock_ran_two_weeks_ahead_and_was_set_back(
    tmp_path: Path,
) -> None:
    """A bad time server put the host's clock two weeks ahead for a moment; Kasubag's first
    reminder went out then, stamped with that date. Once the clock is set back, her next
    reminder still comes 240 working minutes after the real moment, not two weeks later."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan saat jam server salah")
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 13))  # two weeks ahead: reminder 1 goes
        assert [headline(m) for m in phones.news()["kasubag"]] == ["⏰ Pengingat ke-1"]
        clock.set(wib(7, 6, 13))  # set back to the real time
        await world.services.reminders.sweep()
        await world.drained(WAIT)
        assert phones.news() == {}  # reminder 1 was sent: nothing due yet
        row = await case_row(world, case)
        assert parse_ts(row["next_due_at"]) == wib(7, 7, 9)  # 240 working minutes on
        await sweep_at(world, clock, wib(7, 7, 9))
        assert [headline(m) for m in phones.news()["kasubag"]] == ["⏰ Pengingat ke-2"]


async def test_karo_is_not_escalated_to_about_a_step_within_its_norm_after_the_clock_ran_ahead(
    tmp_path: Path,
) -> None:
    """Kabag's review (norm one working day) starts Monday 09.00. A bad time server puts the
    host's clock two weeks ahead for a moment: Kabag's first reminder goes then. Once the
    clock is set back (Monday 10.05), the step is within its norm: Karo is not escalated to
    on Monday afternoon, nor when the norm is used up on Tuesday 09.00, but as without the
    clock ahead, four working hours later, with Kabag's second reminder."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan saat jam server salah")
        await s.press("kasubag", "Ajukan", case)
        await world.drained(WAIT)
        phones = Phones(world)
        await sweep_at(world, clock, wib(7, 20, 10))  # two weeks ahead: reminder 1 goes
        assert [headline(m) for m in phones.news()["kabag"]] == ["⏰ Pengingat ke-1"]
        clock.set(wib(7, 6, 10, 5))  # set back to the real time
        await world.services.reminders.sweep()
        await world.drained(WAIT)
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 6, 14, 10))
        await sweep_at(world, clock, wib(7, 7, 9))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 7, 13))
        news = phones.news()
        assert [headline(m) for m in news["kabag"]] == ["⏰ Pengingat ke-2"]
        [escalation] = news["karo"]
        assert headline(escalation).split(" —")[0] == "📣 Eskalasi"
        assert "telah berjalan 1 hari kerja 4 jam (norma 1 hari kerja)" in escalation.text


async def test_the_sweep_goes_on_at_once_when_a_time_server_sets_the_host_clock_back(
    tmp_path: Path, host_clock: HostClock
) -> None:
    """The host's clock ran two hours ahead, and a time server sets it back while the bot
    runs, its sweep on PTB's JobQueue every second. Kasubag's proposal stalls past its norm:
    her reminder still comes within seconds, not two hours later (the JobQueue counts its
    waits on the monotonic clock; the bot's own clock reads the right time throughout)."""
    async with world_at(tmp_path, wib(7, 6, 9), check_every_seconds=1) as (world, clock):
        s = Script(world, WAIT)
        await proposal_ready(world, s, "Usulan saat jam server dimundurkan")
        await world.drained(WAIT)
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await asyncio.sleep(1.5)  # the sweep has run (nothing due) on the clock ahead
        host_clock.step(timedelta(hours=-2))
        clock.set(wib(7, 6, 13, 30))  # the norm (240 working minutes) is up
        reminder = await kasubag.wait_message(lambda m: m.text.startswith(REMINDED), timeout=8)
        assert headline(reminder) == "⏰ Pengingat ke-1"


@asynccontextmanager
async def checked_once_a_day(tmp_path: Path) -> AsyncIterator[tuple[World, RunningClock]]:
    """The office's clock running from Monday 09.00; the sweep's interval a day
    (``check_every_seconds = 86400``, the longest the config takes)."""
    clock = RunningClock(wib(7, 6, 9))
    reminders = {**REMINDERS, "check_every_seconds": 86400}
    async with World(tmp_path, clock=clock, reminders=reminders) as world:
        await world.everyone_starts()
        yield world, clock


async def test_checked_once_a_day_a_reminder_due_overnight_goes_when_the_office_opens(
    tmp_path: Path,
) -> None:
    """The sweep's interval is a day. Kasubag's proposal (norm 4 working hours) is ready on
    Monday 09.00; the bot is restarted before the office opens on Tuesday, and its first
    sweep finds the step late outside office hours: nothing goes then. Her reminder comes
    when the office opens at 08.00, not a day later at the next sweep (and never, were that
    sweep outside office hours again)."""
    async with checked_once_a_day(tmp_path) as (world, clock):
        reminder = await reminded_after_a_restart(
            world, clock, "Usulan yang tertahan semalam", wib(7, 7, 7, 59)
        )
        assert headline(reminder) == "⏰ Pengingat ke-1"
        assert clock.now() >= wib(7, 7, 8)


async def test_checked_once_a_day_a_reminder_due_in_office_hours_goes_when_it_falls_due(
    tmp_path: Path,
) -> None:
    """The sweep's interval is a day, and its run after a restart at 12.59 on Monday finds
    nothing due yet: Kasubag's reminder still comes at 13.00, when her norm is used up."""
    async with checked_once_a_day(tmp_path) as (world, clock):
        reminder = await reminded_after_a_restart(
            world, clock, "Usulan yang ditunggu siang ini", wib(7, 6, 12, 59)
        )
        assert headline(reminder) == "⏰ Pengingat ke-1"
        assert clock.now() >= wib(7, 6, 13)


async def reminded_after_a_restart(
    world: World, clock: RunningClock, title: str, minute: datetime
) -> EmuMessage:
    """Kasubag's proposal is ready at once (Monday 09.00); the bot is stopped and started
    again 4 s before the end of ``minute``: the first reminder she then receives."""
    s = Script(world, WAIT)
    await proposal_ready(world, s, title)
    await world.drained(WAIT)
    await world.stop_bot()
    clock.set(minute + timedelta(seconds=56))
    await world.start_bot()
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    return await kasubag.wait_message(lambda m: m.text.startswith(REMINDED), timeout=10)


# -- a Telegram outage ----------------------------------------------------------------


async def test_after_a_telegram_outage_of_two_days_each_official_gets_the_latest_reminder_once(
    tmp_path: Path,
) -> None:
    """Telegram cannot be reached from Monday 09.00 to Wednesday 15.30 while Kasubag's step 1
    stalls; the bot looks for due reminders every hour meanwhile (reminders 1 to 5 fall due,
    2 and 3 telling Kabag, 4 and 5 Kabag and Karo). When Telegram answers again, Kasubag gets
    reminder 5 alone, Kabag and Karo one escalation each: not a burst of every reminder queued
    while nothing could be delivered."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan saat gangguan")
        await world.drained(WAIT)
        phones = Phones(world)
        world.emu.faults.fail(100_000, status=502, method="sendMessage")  # Telegram is down
        moment = wib(7, 6, 9)
        while moment < wib(7, 8, 15):
            moment += timedelta(hours=1)
            clock.set(moment)
            await world.services.reminders.sweep()
        assert (await case_row(world, case))["reminders_sent"] == 5
        assert phones.news() == {}
        # every call tried during the outage has met it (none is on its way, each waits its
        # back-off of a minute at most): Telegram comes back after that, not mid-call
        horizon = clock.now() + timedelta(seconds=61)
        await until_rows(
            world, case, lambda rows: all(datetime.fromisoformat(r[3]) <= horizon for r in rows)
        )
        world.emu.faults.clear()  # Telegram answers again at 15.30
        clock.set(wib(7, 8, 15, 30))
        world.services.outbox.wake()
        await world.drained(WAIT)
        news = phones.news()
        # the latest, 5; or 4 where its turn to go came just before the sweep of 13.00
        # queued 5 (then 5 is not queued beside it): one each, never both
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "kasubag": [headline(news["kasubag"][0])],
            "kabag": [f"📣 Eskalasi — Berkas #{case}: Usulan saat gangguan"],
            "karo": [f"📣 Eskalasi — Berkas #{case}: Usulan saat gangguan"],
        }
        assert headline(news["kasubag"][0]) in ("⏰ Pengingat ke-5", "⏰ Pengingat ke-4")
        for superior in ("kabag", "karo"):
            assert re.search(
                r"Pengingat ke-[45] telah dikirim kepada pelaksana\.", news[superior][0].text
            )
        assert any("Ajukan" in b for b in news["kasubag"][0].button_texts)
        # the ones left out are settled in the outbox, not failed and not waiting
        counts = await world.services.db.read(repo.outbox_counts)
        assert counts["failed"] == 0 and counts["pending"] == 0


async def reminding_rows(world: World, case_id: int) -> list[tuple[int, int, str | None, str]]:
    """(chat, attempts, last error, next attempt) of the case's reminders and escalations
    still to go."""
    rows = await world.services.db.read(
        lambda tx: tx.all(
            "SELECT chat_id, kind, params, attempts, last_error, next_attempt_at FROM outbox "
            "WHERE case_id = ? AND sent_at IS NULL AND failed_at IS NULL ORDER BY id",
            (case_id,),
        )
    )
    return [(r[0], r[3], r[4], r[5]) for r in rows if repo.reminding(r[1], json.loads(r[2]))]


async def until_rows(world: World, case_id: int, check: Any) -> list[Any]:
    """The case's reminders and escalations still to go, once ``check`` holds for them."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        rows = await reminding_rows(world, case_id)
        if rows and check(rows):
            return rows
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the case's reminders and escalations still to go: {rows}")
        await asyncio.sleep(0.02)


async def held_until_the_office_opens(
    world: World, clock: ManualClock, case: int, queued_at: datetime, answers_at: datetime
) -> tuple[list[Any], list[Any]]:
    """The case's due reminders and escalations are queued at ``queued_at`` while Telegram
    cannot be reached, and tried; it answers again at ``answers_at``, when the office is
    closed: they wait for it to open. Their rows as queued, and as waiting."""
    world.emu.faults.fail(100_000, status=502, method="sendMessage")  # Telegram is down
    clock.set(queued_at)
    await world.services.reminders.sweep()
    queued = await until_rows(world, case, lambda rows: all(r[1] >= 1 for r in rows))
    clock.set(answers_at)  # Telegram answers again; the office is closed
    world.emu.faults.clear()
    world.services.outbox.wake()
    waiting = await until_rows(
        world, case, lambda rows: all(r[2] == repo.OFFICE_CLOSED for r in rows)
    )
    return queued, waiting


async def reminder_2_waits_for_the_office(
    world: World, clock: ManualClock, case: int, phones: Phones
) -> None:
    """Kasubag's step 1 of ``case`` stalls: reminder 1 reaches her on Monday at 13.00.
    Reminder 2 and Kabag's escalation are queued on Tuesday at 15.50 while Telegram cannot
    be reached, and tried; it answers again at 21.30, when the office is closed: both wait
    for Wednesday 08.00."""
    await sweep_at(world, clock, wib(7, 6, 13))
    assert [headline(m) for m in phones.news()["kasubag"]] == ["⏰ Pengingat ke-1"]
    queued, waiting = await held_until_the_office_opens(
        world, clock, case, wib(7, 7, 15, 50), wib(7, 7, 21, 30)
    )
    assert sorted(r[0] for r in queued) == sorted([ID["kasubag"], ID["kabag"]])
    assert {parse_ts(r[3]) for r in waiting} == {wib(7, 8, 8)}  # Wednesday, office opens


async def test_a_reminder_held_up_by_an_outage_waits_for_the_office_to_open_not_for_the_night(
    tmp_path: Path,
) -> None:
    """Kasubag's step 1 stalls: reminder 1 reached her on Monday at 13.00. Reminder 2, which
    tells Kabag too, is queued on Tuesday at 15.50, but Telegram cannot be reached then; it
    answers again at 21.30, when the office is closed. Neither Kasubag nor Kabag is woken by a
    reminder at night: they arrive when the office opens, Wednesday 08.00. What Kasubag
    and Kabag do that night about another case (she submits it, he returns it to her) reaches
    them at once all the same, though the reminder and the escalation wait in their chats."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan")
        phones = Phones(world)
        await reminder_2_waits_for_the_office(world, clock, case, phones)
        assert phones.news() == {}

        # both work late on another case: what it sends them goes at once
        clock.set(wib(7, 7, 21, 40))
        second = await s.submit("Usulan susulan")
        await s.review_return("kabag", second, "Mohon TOR dilengkapi rincian anggaran.")
        await s.seen("kasubag", has_button("Ajukan", second))
        assert len(await reminding_rows(world, case)) == 2
        assert phones.news() == {}

        clock.set(wib(7, 8, 8))
        world.services.outbox.wake()
        await world.drained(WAIT)
        assert phones.headlines() == {
            "kasubag": ["⏰ Pengingat ke-2"],
            "kabag": [f"📣 Eskalasi — Berkas #{case}: Usulan yang tertahan"],
        }


async def test_kabags_role_passes_while_an_escalation_about_a_late_step_waits_for_office_hours(
    tmp_path: Path,
) -> None:
    """Kabag's role passes while an escalation about a late step waits for office hours; the
    new Kabag gets it when it goes. Kasubag's step 1 stalls: reminder 1 reached her on
    Monday at 13.00. Reminder 2, which tells Kabag too, is queued on Tuesday at 15.50 while
    Telegram cannot be reached; it answers again at 21.30, when the office is closed, so
    both wait for Wednesday 08.00. That night the administrator passes the Kabag role to
    Pak Agus (/alihkan). At 08.00 Kasubag gets her reminder, the former Kabag no escalation
    about a step he no longer oversees, and Pak Agus, the Kabag now, the escalation of
    reminder 2 in his place. The reminder count is not moved on again: the next reminder
    (Wednesday 11.50, 240 working minutes after reminder 2) is reminder 3, at the same
    level, and escalates to Pak Agus once more, about reminder 3; no reminder is escalated
    twice. The chase log names him, not the former Kabag."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang tertahan")
        phones = Phones(world)
        agus = {m.message_id for m in world["plh"].bot_messages}
        await reminder_2_waits_for_the_office(world, clock, case, phones)

        clock.set(wib(7, 7, 21, 45))
        moved = await world.services.people.reassign(
            ADMIN_ID, "kabag", ID["kabag"], ACTING.telegram_id
        )
        assert moved.status == "ok", moved
        # the two are told at once (the reminder and the escalation wait in their chats)
        await world["kabag"].wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
        await world["plh"].wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)

        def escalations_to_agus() -> list[EmuMessage]:
            nonlocal agus
            told = [m for m in world["plh"].bot_messages if m.message_id not in agus]
            agus |= {m.message_id for m in told}
            return [m for m in told if m.text.startswith(REMINDED[1])]

        escalations_to_agus()  # what he was told of the role passing to him
        clock.set(wib(7, 8, 8))
        world.services.outbox.wake()
        await world.drained(WAIT)
        assert phones.headlines() == {
            "kasubag": ["⏰ Pengingat ke-2"],
        }
        told = escalations_to_agus()
        assert [headline(m) for m in told] == [
            f"📣 Eskalasi — Berkas #{case}: Usulan yang tertahan"
        ], [first_line(m) for m in told]
        assert "Pengingat ke-2 telah dikirim kepada pelaksana." in told[0].text
        assert await reminding_rows(world, case) == []  # nothing left waiting

        await sweep_at(world, clock, wib(7, 8, 11, 49))
        assert phones.news() == {} and escalations_to_agus() == []
        assert await headlines_at(world, clock, phones, wib(7, 8, 11, 50)) == {
            "kasubag": ["⏰ Pengingat ke-3"],
        }
        told = escalations_to_agus()
        assert [headline(m) for m in told] == [
            f"📣 Eskalasi — Berkas #{case}: Usulan yang tertahan"
        ], [first_line(m) for m in told]
        assert "Pengingat ke-3 telah dikirim kepada pelaksana." in told[0].text
        chases = await world.services.db.read(repo.chases_of_case, case)
        assert sorted((c.number, c.kind, c.person_id, c.role, c.at) for c in chases) == [
            (1, "reminder", ID["kasubag"], "kasubag", wib(7, 6, 13)),
            (2, "escalation", ACTING.telegram_id, "kabag", wib(7, 8, 8)),
            (2, "reminder", ID["kasubag"], "kasubag", wib(7, 8, 8)),
            (3, "escalation", ACTING.telegram_id, "kabag", wib(7, 8, 11, 50)),
            (3, "reminder", ID["kasubag"], "kasubag", wib(7, 8, 11, 50)),
        ]


async def passed_to_agus_overnight(
    world: World, clock: ManualClock, official: str, night: datetime, morning: datetime
) -> None:
    """At ``night`` an administrator passes the ``official``'s place (their role: "tim2"
    is Rudi's place in the Tim Penyusunan) to Pak Agus (/alihkan), who is told; at
    ``morning`` the office opens and what waited for it goes out."""
    role = "tim" if official.startswith("tim") else official
    clock.set(night)
    moved = await world.services.people.reassign(ADMIN_ID, role, ID[official], ACTING.telegram_id)
    assert moved.status == "ok", moved
    await world["plh"].wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
    clock.set(morning)
    world.services.outbox.wake()
    await world.drained(WAIT)


async def test_an_escalation_waiting_when_the_task_passes_on_does_not_credit_the_newcomer(
    tmp_path: Path,
) -> None:
    """Kasubag's step 1 stalls: reminder 2, and Kabag's escalation of it, wait for the office
    to open on Wednesday 08.00. That night the Kasubag role passes to Pak Agus (/alihkan),
    who receives the task and has had no reminder of it. At 08.00 Kabag's escalation names
    Pak Agus as the holder: it does not say he was sent Pengingat ke-2, but that his
    predecessor was, before the task passed to him."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan yang berpindah pelaksana")
        phones = Phones(world, [*KEYS, "plh"])
        await reminder_2_waits_for_the_office(world, clock, case, phones)

        await passed_to_agus_overnight(world, clock, "kasubag", wib(7, 7, 21, 45), wib(7, 8, 8))
        news = phones.news()
        assert [headline(m) for m in news["kabag"]] == [
            f"📣 Eskalasi — Berkas #{case}: Usulan yang berpindah pelaksana"
        ]
        escalation = news["kabag"][0].text
        assert f"Pelaksana: {ACTING.name}" in escalation
        assert "Pengingat ke-2 telah dikirim kepada pelaksana." not in escalation
        assert (
            "Pengingat ke-2 telah dikirim kepada pelaksana sebelumnya; tugas ini kemudian "
            "beralih kepada pelaksana saat ini, yang belum menerima pengingat." in escalation
        )
        # his own first reminder comes 240 working minutes after he received the task
        await sweep_at(world, clock, wib(7, 8, 11, 59))
        assert phones.news() == {}
        await sweep_at(world, clock, wib(7, 8, 12))
        news = phones.news()
        assert [headline(m) for m in news["plh"]] == ["⏰ Pengingat ke-1"]
        assert "Pengingat ke-1 telah dikirim kepada pelaksana." in news["kabag"][0].text


async def test_a_team_escalation_waiting_when_a_members_place_passes_names_who_had_the_reminder(
    tmp_path: Path,
) -> None:
    """The team's step 6 is late: Ayu and Rudi had Pengingat ke-1 on Monday 20 July 09.00.
    Ke-2, and Kasubag's escalation of it, are queued at 15.50 while Telegram cannot be
    reached, and wait for the office to open on Tuesday 08.00. That night Rudi's place in
    the team passes to Pak Agus. At 08.00 Kasubag reads that Ayu had ke-2 and that Pak
    Agus, who received the task after it, had none."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan dengan tim yang berganti")
        phones = Phones(world, [*KEYS, "plh"])
        await sweep_at(world, clock, wib(7, 20, 9))
        assert set(phones.news()) == {"tim1", "tim2"}
        await held_until_the_office_opens(
            world, clock, case, wib(7, 20, 15, 50), wib(7, 20, 21, 30)
        )

        await passed_to_agus_overnight(world, clock, "tim2", wib(7, 20, 21, 45), wib(7, 21, 8))
        [escalation] = phones.news()["kasubag"]
        assert (
            f"Pengingat telah dikirim kepada para pelaksana: {NAMES['tim1']} (ke-2); "
            f"{ACTING.name} (belum menerima pengingat karena tugas ini diterimanya kemudian)."
            in escalation.text
        ), escalation.text


async def test_the_new_kasubag_escalated_to_in_her_place_reads_that_rudi_postponed_his_reminders(
    tmp_path: Path,
) -> None:
    """The team's step 6 is late: Ayu and Rudi had Pengingat ke-1 on Monday 20 July 09.00;
    at 10.00 Rudi postponed his own reminders until Tuesday 10.00. Ke-2, to Ayu alone, and
    Kasubag's escalation of it, are queued at 15.50 while Telegram cannot be reached, and
    wait for the office to open on Tuesday 08.00. That night the Kasubag role passes to Pak
    Agus, who is escalated to in her place when the office opens: he reads what she would
    have read, that the reminder went to the team's executor and not to Rudi, who postponed
    his reminders until Tuesday 10.00; not that the whole team was reminded."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        case = await with_the_team(world, "Usulan yang ditunda seorang anggota tim")
        phones = Phones(world, [*KEYS, "plh"])
        await sweep_at(world, clock, wib(7, 20, 9))
        assert set(phones.news()) == {"tim1", "tim2"}
        clock.set(wib(7, 20, 10))
        assert "untuk Bapak/Ibu ditunda sampai" in await ask(world, "tim2", f"/tunda {case} 1h")
        await held_until_the_office_opens(
            world, clock, case, wib(7, 20, 15, 50), wib(7, 20, 21, 30)
        )

        await passed_to_agus_overnight(world, clock, "kasubag", wib(7, 20, 21, 45), wib(7, 21, 8))
        news = phones.news()
        assert {k: [headline(m) for m in v] for k, v in news.items()} == {
            "tim1": ["⏰ Pengingat ke-2"],
            "plh": [f"📣 Eskalasi — Berkas #{case}: Usulan yang ditunda seorang anggota tim"],
        }
        told = news["plh"][0].text
        assert (
            "Pengingat ke-2 telah dikirim kepada pelaksana. Pengingat tersebut tidak dikirim "
            f"kepada {NAMES['tim2']} (hingga {office_time(wib(7, 21, 10))}) karena yang "
            "bersangkutan telah menunda pengingatnya."
        ) in told, told


async def test_kabag_who_blocked_the_bot_gets_the_latest_escalation_once_when_he_returns(
    tmp_path: Path,
) -> None:
    """Kabag has blocked the bot while Kasubag's step 1 stalls: the escalations of reminders
    2 to 5 are each refused (403). When he unblocks it, what was refused meanwhile goes
    again: the latest escalation, once, not all four."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan saat Kabag memblokir")
        await world.drained(WAIT)
        world["kabag"].block()
        moment = wib(7, 6, 9)
        while moment < wib(7, 8, 15):
            moment += timedelta(hours=1)
            clock.set(moment)
            await world.services.reminders.sweep()
            await world.drained(WAIT)
        assert (await case_row(world, case))["reminders_sent"] == 5
        phones = Phones(world)
        world["kabag"].unblock()
        await world["kabag"].send("/start")
        await world["kabag"].wait_message(timeout=WAIT)
        await world.drained(WAIT)
        escalations = [m for m in phones.news().get("kabag", []) if "Eskalasi" in m.text]
        assert [headline(m) for m in escalations] == [
            f"📣 Eskalasi — Berkas #{case}: Usulan saat Kabag memblokir"
        ]
        assert "Pengingat ke-5 telah dikirim kepada pelaksana." in escalations[0].text


async def test_kabag_is_told_the_reminders_never_reached_kasubag_who_blocked_the_bot(
    tmp_path: Path,
) -> None:
    """Kasubag blocks the bot with step 1 stalled: every reminder to her is refused (403).
    The escalation Kabag gets does not say a reminder was sent to her: it says none could
    reach her, and asks him to contact her directly (or have a Plh appointed). Nor does it
    say she does not know of the task: she opened the case herself before blocking."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan saat Kasubag memblokir")
        await world.drained(WAIT)
        world["kasubag"].block()
        phones = Phones(world)
        moment = wib(7, 6, 9)
        while moment < wib(7, 7, 10):
            moment += timedelta(hours=1)
            clock.set(moment)
            await world.services.reminders.sweep()
            await world.drained(WAIT)
        assert (await case_row(world, case))["reminders_sent"] == 2
        escalations = [m for m in phones.news().get("kabag", []) if "Eskalasi" in m.text]
        assert len(escalations) == 1
        text = escalations[0].text
        assert "telah dikirim kepada pelaksana" not in text, text
        assert (
            f"Pengingat tidak dapat disampaikan kepada {NAMES['kasubag']} karena yang "
            "bersangkutan belum membuka bot (menekan Start) atau telah memblokirnya." in text
        ), text
        assert "belum mengetahui tugas ini" not in text, text
        assert "menghubungi yang bersangkutan secara langsung" in text, text
        assert "(menekan Start, atau membuka blokirnya)" in text, text
        assert "meminta administrator menetapkan Plh" in text, text


async def test_the_chase_log_keeps_the_reminders_that_reached_the_officials_not_those_queued(
    tmp_path: Path,
) -> None:
    """Telegram cannot be reached from Monday 09.00 to Wednesday 15.30: reminder after
    reminder falls due for Kasubag, each taking the place of the one before while none can
    go. When Telegram is back, each official gets one. The case's chase log, what an
    evaluation reads once the outbox is pruned, says what reached each of them: as many
    rows as messages (it listed every reminder queued, four to Kasubag where she got one)."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        case = await proposal_ready(world, s, "Usulan saat gangguan")
        await world.drained(WAIT)
        phones = Phones(world)
        world.emu.faults.fail(100_000, status=502, method="sendMessage")
        moment = wib(7, 6, 9)
        while moment < wib(7, 8, 15):
            moment += timedelta(hours=1)
            clock.set(moment)
            await world.services.reminders.sweep()
        horizon = clock.now() + timedelta(seconds=61)
        await until_rows(world, case, lambda rows: all(parse_ts(r[3]) <= horizon for r in rows))
        world.emu.faults.clear()
        clock.set(wib(7, 8, 15, 30))
        world.services.outbox.wake()
        await world.drained(WAIT)
        got = phones.news()
        assert len(got["kasubag"]) == 1, got
        later = wib(8, 15, 9)
        await world.services.db.write(repo.prune, later, later)
        chases = await world.services.db.read(repo.chases_of_case, case)
    logged: dict[str, list[str]] = {}
    for chase in chases:
        key = next(k for k, v in ID.items() if v == chase.person_id)
        logged.setdefault(key, []).append(chase.kind)
    received = {
        key: ["reminder" if m.text.startswith(REMINDED[0]) else "escalation" for m in messages]
        for key, messages in got.items()
    }
    assert logged == received


async def test_a_page_button_of_a_list_whose_late_steps_are_all_gone_is_answered_politely(
    tmp_path: Path,
) -> None:
    """Karo asks /terlambat twice: 11 late proposals at Kabag's step, page 1 of 2. The
    administrator then cancels all 11 (submitted twice): Karo still heads the roles, but no
    step of theirs is late now. A page button forged on the first list (a page that never
    was) and the stale › of the second are each answered without an alert: the list says
    that no step is late now and loses its page buttons, in the same message. Nothing else
    changes: no case, no message to anyone, not even a new one to Karo; a press on a list
    after that is not taken for a page button."""
    async with world_at(tmp_path, wib(7, 6, 9)) as (world, clock):
        s = Script(world, WAIT)
        first = await proposal_ready(world, s, "Usulan di Kabag")
        await s.press("kasubag", "Ajukan", first)  # step 2, norm 1 working day
        await world.drained(WAIT)
        cases = [first, *await late_copies(world, first, 2, "kabag", first + 1, 10, apart=1)]
        clock.set(wib(7, 8, 10))
        karo = world["karo"]
        lists = []
        for _ in range(2):
            karo.mark_seen()
            await karo.send("/terlambat")
            listing = await karo.wait_message(lambda m: "Langkah yang" in m.text, timeout=WAIT)
            assert "11 langkah (halaman 1 dari 2)" in listing.text
            assert listing.button_texts == ["›", "»"]
            lists.append(listing)
        for case in cases:
            said = await ask(world, "admin", f"/batalkan {case} diajukan ganda")
            assert f"Berkas #{case} telah dibatalkan" in said, said
        await world.drained(WAIT)

        def state(tx: Tx) -> tuple[list[tuple[int, str, int]], dict[str, int]]:
            loaded = [repo.load_case(tx, case) for case in cases]
            rows = [(c.id, c.status.value, c.version) for c in loaded if c is not None]
            return rows, repo.outbox_counts(tx)

        before = await world.services.db.read(state)
        assert {status for _, status, _ in before[0]} == {"cancelled"}
        received = {who: world[who].received_count() for who in ("karo", "kabag", "admin")}
        none_late = t.OVERDUE_NONE.format(scope=t.OVERDUE_SCOPE_OWN)
        forged, stale = lists
        for listing, pressed in ((forged, "tl:0:0:0:7"), (stale, "›")):
            version = listing.record.version
            if pressed == "›":
                answer = await karo.press(listing, pressed, timeout=WAIT)
            else:
                answer = await karo.press_data(listing, pressed, timeout=WAIT)
            assert not answer.show_alert, (pressed, answer)
            await world.emu.wait_until(
                lambda: listing.record.version > version,  # noqa: B023
                timeout=WAIT,
            )
            assert listing.text == none_late, (pressed, listing.text)
            assert listing.button_texts == []
        # pressed again on a list that has no page buttons now: not a page button
        answer = await karo.press_data(stale, "tl:0:0:0:1", timeout=WAIT)
        assert (answer.text, answer.show_alert) == (t.ANS_UNKNOWN_BUTTON, True)
        await world.drained(WAIT)
        assert await world.services.db.read(state) == before
        assert {who: world[who].received_count() for who in received} == received
        assert forged.text == stale.text == none_late
