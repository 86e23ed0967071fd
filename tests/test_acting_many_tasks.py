"""Many tasks change hands at once: one message listing them, not a message each.

Karo is on leave for three weeks; his Plh receives the proposals that reach step 3 meanwhile,
seventeen by the time Karo returns. When the period ends, the seventeen tasks come back to
Karo. A task message each (with its documents before it) was seventeen pings at once, the
last some seventeen seconds after the first at Telegram's message a second in a chat. Karo
now gets one message: the period is over, seventeen tasks are his again, which they are,
and that /tugas opens them; a task opened from there comes with its documents, as it would
have with its own message. Up to ``LISTED_ABOVE`` (3) tasks still come one by one.

The bot is the real Application talking HTTP to the emulator (``World``), on a real SQLite
file; the appointments are made with /plh and /akhiri_plh, or in the config's [[acting]].
"""

from __future__ import annotations

import re
from pathlib import Path

from pg_helpers import pg_url  # noqa: F401 (fixture)
from test_acting import WAIT, appoint, task_of, to_step_3, wib

from bot import texts as t
from bot.callbacks import Op, decode
from bot.clock import ManualClock
from bot.demo import ACTING, Script, World
from bot.services.acting import LISTED_ABOVE
from emulator import EmuMessage
from storage import repo


def listed_cases(message: EmuMessage) -> list[int]:
    """The case numbers a notice lists, one a line ("• #12 ...")."""
    return [int(n) for n in re.findall(r"^• #(\d+) ", message.text, re.M)]


def assert_lists(notice: EmuMessage, head: str, cases: list[int], step: int) -> None:
    """The notice lists these tasks at this step: under ``head``, a line a case, within one
    message, saying that /tugas opens them, with the task list's own button."""
    assert head in notice.text and "(/tugas)" in notice.text
    assert listed_cases(notice) == cases
    assert f"Langkah {step}: " in notice.text and len(notice.text) <= t.MAX_MESSAGE
    assert notice.button_texts == [t.BTN_TASK_LIST]
    assert notice.reply_markup is not None
    pressed = decode(notice.reply_markup["inline_keyboard"][0][0]["callback_data"])
    assert pressed is not None and pressed.op is Op.TASK_PAGE  # /tugas's own button


def new_messages(world: World, who: str, before: int) -> list[EmuMessage]:
    return [m for m in world[who].bot_messages if m.message_id > before]


def last_id(world: World, who: str) -> int:
    return max((m.message_id for m in world[who].bot_messages), default=0)


async def test_karos_plh_period_ends_and_karo_gets_one_message_listing_the_17_tasks_back(
    tmp_path: Path,
) -> None:
    """The Plh Karo, appointed before they came, holds seventeen proposals at step 3 when
    the administrator ends the period with /akhiri_plh. Karo receives one message, no task
    message nor document besides it: the period is over, the seventeen tasks are listed,
    /tugas opens them. The Plh's seventeen task messages lose their buttons, and a button
    of one pressed all the same is refused. Karo opens one from /tugas: its documents
    (which only the Plh had) come, then the task, and he approves it."""
    async with World(tmp_path) as world:
        assert LISTED_ABOVE == 3
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        cases = [
            await to_step_3(world, s, f"Usulan Program Kerja Satker {n:02d}") for n in range(17)
        ]
        await world.emu.wait_until(
            lambda: all(task_of(world, "plh", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        plh_task = task_of(world, "plh", cases[0], 3)[-1]
        approve = next(
            b["callback_data"]
            for row in (plh_task.reply_markup or {})["inline_keyboard"]
            for b in row
            if "Setujui" in b["text"]
        )
        karo_before = last_id(world, "karo")

        await world["admin"].send("/akhiri_plh karo")
        await world.emu.wait_until(
            lambda: not any(task_of(world, "plh", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()

        got = new_messages(world, "karo", karo_before)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]  # not seventeen
        notice = got[0]
        assert notice.text.startswith(f"Masa tugas {ACTING.name} sebagai Plh. Karo telah berakhir")
        assert "Sebanyak 17 tugas yang sedang berjalan dikembalikan kepada Bapak/Ibu." in (
            notice.text
        )
        assert_lists(notice, t.ACTING_LIST_BACK, cases, step=3)
        # the outbox row keeps the cases' numbers, not the text
        rows = await world.services.db.read(
            lambda tx: tx.all(
                "SELECT params FROM outbox WHERE chat_id = ? AND kind = 'notice'",
                (world["karo"].id,),
            )
        )
        assert any('"listed"' in str(r[0]) for r in rows)
        # listed, not handed one by one: each task's reminders still start afresh for Karo
        handed = await world.services.db.read(
            lambda tx: tx.all(
                "SELECT id FROM cases WHERE handed_over_at IS NOT NULL AND status = 'open'"
            )
        )
        assert sorted(r[0] for r in handed) == cases

        # the Plh's buttons are gone; one pressed all the same decides nothing
        assert not any(task_of(world, "plh", c, 3) for c in cases)
        refused = await world["plh"].press_data(plh_task, approve, timeout=WAIT)
        assert (refused.text or "").startswith("Mohon maaf"), refused.text  # he holds no role now
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 3

        # Karo's list button gives /tugas; a task opened there comes with its documents
        karo = world["karo"]
        karo.mark_seen()
        await karo.press(notice, t.BTN_TASK_LIST, timeout=WAIT)
        listing = await karo.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert "17 tugas" in listing.text
        await karo.press(
            listing, next(b for b in listing.button_texts if f"#{cases[0]} " in b), timeout=WAIT
        )
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", cases[0], 3)), timeout=WAIT)
        await world.drained()
        opened = task_of(world, "karo", cases[0], 3)[-1]
        received = [
            m.document["file_name"]
            for m in new_messages(world, "karo", karo_before)
            if m.document and m.message_id < opened.message_id
        ]
        assert "Konsep Rencana Kerja.docx" in received
        assert [n for n in received if n.startswith("disposisi")], "the Disposisi instructs him"
        await s.approve("karo", cases[0])
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 4


async def test_a_plh_period_that_ends_while_the_bot_is_stopped_lists_its_four_tasks_at_start(
    tmp_path: Path,
) -> None:
    """A Plh Karo for Monday 7 December holds four proposals at step 3; the bot is stopped
    that evening and started on Tuesday morning. The period ended meanwhile: at the start,
    Karo gets the one message listing the four tasks (an outbox row as any other, written
    with the move), and no task message each; the Plh's buttons go."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 07-12-2026 rapat di luar kota")
        cases = [await to_step_3(world, s, f"Usulan {n}") for n in range(LISTED_ABOVE + 1)]
        await world.emu.wait_until(
            lambda: all(task_of(world, "plh", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        await world.stop_bot()
        karo_before = last_id(world, "karo")
        clock.set(wib(2026, 12, 8, 8, 30))
        await world.start_bot()
        await world.emu.wait_until(
            lambda: bool(new_messages(world, "karo", karo_before)), timeout=WAIT
        )
        await world.drained()
        got = new_messages(world, "karo", karo_before)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]
        assert "telah berakhir" in got[0].text and listed_cases(got[0]) == cases
        assert "Sebanyak 4 tugas" in got[0].text
        assert not any(task_of(world, "plh", c, 3) for c in cases)
        assert not any(task_of(world, "karo", c, 3) for c in cases)


async def test_a_plh_karo_appointed_while_17_proposals_wait_gets_one_message_listing_them(
    tmp_path: Path,
) -> None:
    """Seventeen proposals wait at Karo's step 3 when the administrator appoints a Plh Karo.
    The Plh receives one message, as the definitive Karo does at the end of a period: he is
    Plh Karo, the seventeen tasks are his, listed, and /tugas opens them; no task message
    nor document besides it. Karo keeps his task messages, with their buttons (he may still
    act). The Plh opens one from /tugas: its documents come, then the task, and he approves
    it as Plh Karo."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = [
            await to_step_3(world, s, f"Usulan Program Kerja Satker {n:02d}") for n in range(17)
        ]
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        plh_before = last_id(world, "plh")

        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        await world.drained()

        got = new_messages(world, "plh", plh_before)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]  # not 17 tasks and albums
        notice = got[0]
        assert notice.text.startswith("👤 Bapak/Ibu ditetapkan sebagai Plh. Karo")
        assert "Sebanyak 17 tugas yang sedang berjalan dialihkan kepada Bapak/Ibu." in notice.text
        assert t.ACTING_LIST_IN in notice.text and "(/tugas)" in notice.text
        assert listed_cases(notice) == cases and len(notice.text) <= t.MAX_MESSAGE
        assert notice.button_texts == [t.BTN_TASK_LIST]
        assert all(task_of(world, "karo", c, 3) for c in cases), "Karo may still act"
        # listed, not handed one by one: each task's reminders start afresh for the Plh
        handed = await world.services.db.read(
            lambda tx: tx.all("SELECT id FROM cases WHERE handed_over_at IS NOT NULL")
        )
        assert sorted(r[0] for r in handed) == cases

        plh = world["plh"]
        plh.mark_seen()
        await plh.send("/tugas")
        listing = await plh.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert "17 tugas" in listing.text
        await plh.press(
            listing, next(b for b in listing.button_texts if f"#{cases[0]} " in b), timeout=WAIT
        )
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", cases[0], 3)), timeout=WAIT)
        await world.drained()
        opened = task_of(world, "plh", cases[0], 3)[-1]
        assert "selaku Plh. Karo" in opened.text
        received = [
            m.document["file_name"]
            for m in new_messages(world, "plh", plh_before)
            if m.document and m.message_id < opened.message_id
        ]
        assert "Konsep Rencana Kerja.docx" in received
        assert [n for n in received if n.startswith("disposisi")], "the Disposisi instructs him"
        await s.approve("plh", cases[0])
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 4
        events = await world.services.db.read(repo.load_events, cases[0])
        assert events[-1].data.get("acting") == "plh"


async def test_three_waiting_tasks_still_come_to_the_plh_one_by_one(tmp_path: Path) -> None:
    """Up to LISTED_ABOVE tasks come as before: the appointment (without a list), then
    each task's documents and the task itself."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = [await to_step_3(world, s, f"Usulan {n}") for n in range(LISTED_ABOVE)]
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        plh_before = last_id(world, "plh")
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        await world.emu.wait_until(
            lambda: all(task_of(world, "plh", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        got = new_messages(world, "plh", plh_before)
        assert got[0].text.startswith("👤 Bapak/Ibu ditetapkan sebagai Plh. Karo")
        assert "Sebanyak 3 tugas" in got[0].text and not listed_cases(got[0])
        assert not got[0].button_texts
        assert len(got) == 1 + 3 * 3, [m.text.split("\n")[0] for m in got]


async def test_on_postgresql_the_plh_and_then_karo_each_get_one_message_listing_four_tasks(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """The same on PostgreSQL: four proposals wait at step 3; the Plh Karo appointed then
    gets one message listing them, and so does Karo when /akhiri_plh ends the period."""
    async with World(tmp_path, storage={"database": pg_url}) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = [await to_step_3(world, s, f"Usulan {n}") for n in range(LISTED_ABOVE + 1)]
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        plh_before, karo_before = last_id(world, "plh"), last_id(world, "karo")
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        await world.drained()
        got = new_messages(world, "plh", plh_before)
        assert len(got) == 1 and listed_cases(got[0]) == cases, [m.text for m in got]
        await world["admin"].send("/akhiri_plh karo")
        await world.emu.wait_until(
            lambda: bool(new_messages(world, "karo", karo_before)[1:]), timeout=WAIT
        )
        await world.drained()
        got = new_messages(world, "karo", karo_before)[1:]  # (the first: the appointment)
        assert len(got) == 1 and listed_cases(got[0]) == cases, [m.text for m in got]
        assert "telah berakhir" in got[0].text


async def karo_to_budi_then_siti_plh_karo(world: World, cases: list[int]) -> int:
    """These proposals wait at Karo's step 3 (Siti submitted them, Budi approved them at
    step 2); the Karo role is handed to Budi, then Siti is appointed Plh Karo: neither may
    decide them (four eyes). Siti's last message before the appointment."""
    await world.emu.wait_until(
        lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
    )
    await world["admin"].send("/alihkan karo 1003 1002")
    await world.emu.wait_until(
        lambda: not any(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
    )
    await world.drained()
    siti_before = last_id(world, "kasubag")
    await appoint(world, "/plh karo 1001 31-12-2030 dinas luar")
    return siti_before


async def test_a_plh_karo_appointed_for_17_steps_no_one_may_decide_is_told_in_one_message(
    tmp_path: Path,
) -> None:
    """Seventeen proposals Siti submitted and Budi approved at step 2 wait at step 3 when
    the Karo role is handed to Budi: he may not review them again (four eyes). The
    administrator then appoints Siti Plh Karo; she may not review her own proposals
    either, so the seventeen steps stay with no one. Siti receives one message, the notice
    of her appointment, which names the seventeen and why she need not act on them, not
    the notice and a notice each."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = [
            await to_step_3(world, s, f"Usulan Program Kerja Satker {n:02d}") for n in range(17)
        ]
        siti_before = await karo_to_budi_then_siti_plh_karo(world, cases)
        await world.drained()

        got = new_messages(world, "kasubag", siti_before)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]  # not 1 + 17
        notice = got[0].text
        assert notice.startswith("👤 Bapak/Ibu ditetapkan sebagai Plh. Karo")
        assert "Sebanyak 17 tugas (Berkas #1, #2," in notice and "dan 7 lainnya" in notice
        assert "tidak ada pejabat lain yang dapat memutuskannya" in notice
        assert "telah menyusun, mengajukan" in notice  # why: her own proposals
        assert not any(task_of(world, "kasubag", c, 3) for c in cases)
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 3


async def test_a_plh_karo_appointed_for_three_steps_no_one_may_decide_gets_a_notice_each(
    tmp_path: Path,
) -> None:
    """Up to LISTED_ABOVE such steps: a notice each after the appointment, as before. Each
    says why Siti may not decide it (her own proposal) and, as no one else may either (Budi
    approved it at step 2), that it waits for the administrator: not that it "disampaikan
    kepada -", a dash where the official it went to would be named."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = [await to_step_3(world, s, f"Usulan {n}") for n in range(LISTED_ABOVE)]
        siti_before = await karo_to_budi_then_siti_plh_karo(world, cases)
        await world.emu.wait_until(
            lambda: len(new_messages(world, "kasubag", siti_before)) >= 1 + LISTED_ABOVE,
            timeout=WAIT,
        )
        await world.drained()
        got = new_messages(world, "kasubag", siti_before)
        assert len(got) == 1 + LISTED_ABOVE, [m.text.split("\n")[0] for m in got]
        assert "tidak ada pejabat lain" not in got[0].text
        told = [int(n) for m in got[1:] for n in re.findall(r"Berkas #(\d+)", m.text)[:1]]
        assert sorted(told) == sorted(cases)
        for notice in got[1:]:
            assert "telah menyusun atau mengajukan dokumen yang diperiksa" in notice.text
            assert "disampaikan kepada" not in notice.text, notice.text
            assert notice.text.endswith(
                "Saat ini tidak ada pejabat lain yang dapat memutuskan langkah ini; berkas "
                "menunggu tindak lanjut administrator, dan Bapak/Ibu tidak perlu "
                "menindaklanjutinya."
            ), notice.text
            assert not notice.button_texts
