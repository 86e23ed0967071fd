"""A role handed to another person while many of its tasks wait: one message listing them.

Budi, the Kabag, moves to another post while seventeen proposals wait for his review at
step 2. The administrator hands the Kabag role to Agus Salim (/alihkan), or invites the new
Kabag, whose link passes the role to her. A task message each (with its documents before
it) was fifty-odd messages at once, the last a minute after the first at Telegram's message
a second in a chat. The new holder now gets one message: the role is theirs, seventeen
tasks are, listed, and /tugas opens them; a task opened from there comes with its
documents, as it would have with its own message. Up to ``LISTED_ABOVE`` (3) tasks still
come one by one. The list is an outbox row (the cases' numbers, written with the
hand-over) rendered when sent, as at the start and end of an acting period
(tests/test_acting_many_tasks.py).

The bot is the real Application talking HTTP to the emulator (``World``), on a real SQLite
file (and PostgreSQL, through bin/with-postgres).
"""

from __future__ import annotations

from pathlib import Path

from pg_helpers import pg_url  # noqa: F401 (fixture)
from sop_world import sop_world
from test_acting import WAIT, appoint, task_of, to_step_3
from test_acting_many_tasks import assert_lists, last_id, listed_cases, new_messages
from test_e2e_admin import WULAN, invitation, registers
from test_e2e_cuti import CUTI, PEOPLE, a_verification_eko_holds, with_button

from bot import texts as t
from bot.demo import ACTING, Script, World
from bot.services.acting import LISTED_ABOVE
from emulator import EmuMessage
from storage import repo

AGUS = ACTING.telegram_id  # Drs. Agus Salim, with no role of his own yet


def kabag_task(world: World, who: str, case: int) -> list[EmuMessage]:
    """The person's task messages of the case at step 2 (Kabag's review), with buttons."""
    return [
        m
        for m in world[who].bot_messages
        if f"Berkas #{case}" in m.text and "Langkah 2 dari 12" in m.text and m.button_texts
    ]


async def waiting_for_kabag(world: World, s: Script, count: int) -> list[int]:
    """``count`` proposals submitted, each waiting at step 2 with its task in Budi's chat."""
    cases = [await s.submit(f"Usulan Program Kerja Satker {n:02d}") for n in range(count)]
    await world.emu.wait_until(
        lambda: all(kabag_task(world, "kabag", c) for c in cases), timeout=WAIT
    )
    await world.drained()
    return cases


async def opens_from_tugas(world: World, who: str, case: int, before: int) -> EmuMessage:
    """The person sends /tugas and opens the case's task from the list: its task message
    (after its documents, which the caller checks)."""
    user = world[who]
    user.mark_seen()
    await user.send("/tugas")
    listing = await user.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
    await user.press(listing, next(b for b in listing.button_texts if f"#{case} " in b))
    await world.emu.wait_until(lambda: bool(kabag_task(world, who, case)), timeout=WAIT)
    await world.drained()
    opened = kabag_task(world, who, case)[-1]
    received = [
        m.document["file_name"]
        for m in new_messages(world, who, before)
        if m.document and m.message_id < opened.message_id
    ]
    assert "Konsep Rencana Kerja.docx" in received and "TOR.docx" in received, received
    return opened


async def handed_over(world: World) -> list[int]:
    """The open cases whose tasks passed to another official while they waited: their
    reminders start afresh for the new holder ("Pengingat ke-1"), listed or not."""
    rows = await world.services.db.read(
        lambda tx: tx.all(
            "SELECT id FROM cases WHERE handed_over_at IS NOT NULL AND status = 'open' ORDER BY id"
        )
    )
    return [int(r[0]) for r in rows]


async def test_admin_hands_kabags_role_to_agus_while_17_proposals_wait_and_he_gets_one_list(
    tmp_path: Path,
) -> None:
    """Seventeen proposals wait at Budi's step 2 when the administrator hands the Kabag
    role to Agus with /alihkan. Agus receives one message, no task message nor document
    besides it: he holds the Kabag role now, the seventeen tasks are his, listed, and
    /tugas opens them (its button too). Budi's seventeen task messages lose their buttons.
    Agus opens one from /tugas: its Konsep Rencana Kerja and TOR come, then the task, and
    he approves it: the proposal goes on to Karo's step 3."""
    async with World(tmp_path) as world:
        assert LISTED_ABOVE == 3
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = await waiting_for_kabag(world, s, 17)
        agus_before = last_id(world, "plh")

        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/alihkan kabag 1002 {AGUS}")
        answer = await admin.wait_message(timeout=WAIT)
        assert "Sebanyak 17 tugas yang sedang berjalan kini menjadi tugas" in answer.text
        await world.emu.wait_until(
            lambda: not any(kabag_task(world, "kabag", c) for c in cases), timeout=WAIT
        )
        await world.drained()

        got = new_messages(world, "plh", agus_before)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]  # not 1 + 17 x 3
        notice = got[0]
        assert notice.text.startswith("🔁 Bapak/Ibu kini memegang peran Kabag, dialihkan dari")
        assert "Sebanyak 17 tugas yang sedang berjalan kini menjadi tugas Bapak/Ibu." in (
            notice.text
        )
        assert_lists(notice, t.ACTING_LIST_IN, cases, step=2)
        # the outbox row keeps the cases' numbers, written with the hand-over
        rows = await world.services.db.read(
            lambda tx: tx.all(
                "SELECT params FROM outbox WHERE chat_id = ? AND kind = 'notice'", (AGUS,)
            )
        )
        assert any('"listed"' in str(r[0]) for r in rows)
        assert await handed_over(world) == cases

        await opens_from_tugas(world, "plh", cases[0], agus_before)
        await s.approve("plh", cases[0])
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 3


async def test_three_waiting_tasks_still_come_to_the_new_kabag_one_by_one(
    tmp_path: Path,
) -> None:
    """Up to LISTED_ABOVE tasks come as before: the notice (without a list), then each
    task's documents and the task itself."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = await waiting_for_kabag(world, s, LISTED_ABOVE)
        agus_before = last_id(world, "plh")
        await world["admin"].send(f"/alihkan kabag 1002 {AGUS}")
        await world.emu.wait_until(
            lambda: all(kabag_task(world, "plh", c) for c in cases), timeout=WAIT
        )
        await world.drained()
        got = new_messages(world, "plh", agus_before)
        assert got[0].text.startswith("🔁 Bapak/Ibu kini memegang peran Kabag")
        assert "Sebanyak 3 tugas" in got[0].text and not listed_cases(got[0])
        assert not got[0].button_texts
        assert len(got) == 1 + 3 * 3, [m.text.split("\n")[0] for m in got]


async def test_on_postgresql_the_new_kabag_gets_one_message_listing_four_tasks(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """The same on PostgreSQL: four proposals wait at step 2 when the administrator hands
    the Kabag role to Agus; he gets one message listing them, and opens one from /tugas."""
    async with World(tmp_path, storage={"database": pg_url}) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = await waiting_for_kabag(world, s, LISTED_ABOVE + 1)
        agus_before = last_id(world, "plh")
        await world["admin"].send(f"/alihkan kabag 1002 {AGUS}")
        await world.emu.wait_until(
            lambda: bool(new_messages(world, "plh", agus_before)), timeout=WAIT
        )
        await world.drained()
        got = new_messages(world, "plh", agus_before)
        assert len(got) == 1 and listed_cases(got[0]) == cases, [m.text for m in got]
        await opens_from_tugas(world, "plh", cases[-1], agus_before)


async def test_wulan_joins_as_kabag_by_invitation_while_17_proposals_wait_and_gets_one_list(
    tmp_path: Path,
) -> None:
    """The administrator invites the new Kabag while seventeen proposals wait at Budi's
    step 2. Wulan opens the link: her welcome (sent at once, asking her data) says the
    Kabag role passed to her from Budi with seventeen tasks, listed in the next message;
    that one message follows, listing the seventeen with /tugas and its button, and no task
    message nor document besides it. Budi's buttons go. Once she has given her data, she
    opens one from /tugas: its Konsep Rencana Kerja and TOR come, then the task, and she
    approves it."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = await waiting_for_kabag(world, s, 17)
        token = await invitation(world, "kabag")

        wulan = world.users["wulan"] = world.emu.user(2001, "Wulan")
        await wulan.send(f"/start {token}")
        await wulan.wait_message(lambda m: "terdaftar sebagai" in m.text, timeout=WAIT)
        await world.emu.wait_until(lambda: len(wulan.bot_messages) >= 2, timeout=WAIT)
        await world.emu.wait_until(
            lambda: not any(kabag_task(world, "kabag", c) for c in cases), timeout=WAIT
        )
        await world.drained()

        got = list(wulan.bot_messages)
        assert len(got) == 2, [m.text.split("\n")[0] for m in got]  # not 1 + 17 x 3
        welcome, notice = got
        assert welcome.text.startswith("Selamat datang. Bapak/Ibu terdaftar sebagai Kabag.")
        assert "Sebanyak 17 tugas yang sedang berjalan kini menjadi tugas Bapak/Ibu." in (
            welcome.text
        )
        assert t.ROLE_TASKS_LIST_FOLLOWS in welcome.text and "nama" in welcome.text
        assert notice.text.startswith("📋 Tugas-tugas peran Kabag yang sedang berjalan")
        assert t.ACTING_LIST_IN in notice.text and "(/tugas)" in notice.text
        assert listed_cases(notice) == cases and len(notice.text) <= t.MAX_MESSAGE
        assert notice.button_texts == [t.BTN_TASK_LIST]
        rows = await world.services.db.read(
            lambda tx: tx.all(
                "SELECT params FROM outbox WHERE chat_id = ? AND kind = 'notice'", (2001,)
            )
        )
        assert any('"listed"' in str(r[0]) for r in rows)  # a row of its own
        assert await handed_over(world) == cases

        await registers(world, wulan, WULAN)
        await opens_from_tugas(world, "wulan", cases[0], 0)
        await s.approve("wulan", cases[0])
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 3


async def test_on_postgresql_an_invitation_that_passes_four_tasks_lists_them_after_the_welcome(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """The same on PostgreSQL: four proposals wait at step 2 when Wulan joins as Kabag by
    invitation; her welcome is followed by one message listing them."""
    async with World(tmp_path, storage={"database": pg_url}) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = await waiting_for_kabag(world, s, LISTED_ABOVE + 1)
        token = await invitation(world, "kabag")
        wulan = world.emu.user(2001, "Wulan")
        await wulan.send(f"/start {token}")
        await world.emu.wait_until(lambda: len(wulan.bot_messages) >= 2, timeout=WAIT)
        await world.drained()
        got = list(wulan.bot_messages)
        assert len(got) == 2 and listed_cases(got[1]) == cases, [m.text for m in got]
        assert "Sebanyak 4 tugas" in got[0].text


async def test_karos_role_handed_to_budi_who_approved_17_proposals_tells_the_admin_once(
    tmp_path: Path,
) -> None:
    """Seventeen proposals Budi approved as Kabag wait at Karo's step 3 when the
    administrator hands the Karo role to Budi. He may not review them a second time (four
    eyes), so no one may decide them: the administrator is told so in one message listing
    the seventeen, with what lets them go on (a Plh Karo, /plh karo), not in seventeen
    notices. He appoints Agus Plh Karo, who gets the seventeen in one message and approves
    one."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = [
            await to_step_3(world, s, f"Usulan Program Kerja Satker {n:02d}") for n in range(17)
        ]
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        admin_before = last_id(world, "admin")

        await world["admin"].send("/alihkan karo 1003 1002")
        await world.emu.wait_until(
            lambda: not any(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()

        got = new_messages(world, "admin", admin_before)
        assert len(got) == 2, [m.text.split("\n")[0] for m in got]  # not 1 + 17
        answer, notice = got
        assert answer.text.startswith("Peran Karo dialihkan dari")
        assert notice.text.startswith("⚠️ Sebanyak 17 berkas menunggu")
        assert listed_cases(notice) == cases and len(notice.text) <= t.MAX_MESSAGE
        assert "Langkah 3: " in notice.text and "/plh karo" in notice.text
        assert "Tidak dapat diputuskan oleh Budi Santoso, S.E., M.Si.;" in notice.text
        assert notice.text.count("Tidak dapat diputuskan oleh") == 1  # said once for all
        assert not notice.button_texts  # the tasks are no one's: nothing to open
        assert not any(task_of(world, "kabag", c, 3) for c in cases)

        agus_before = last_id(world, "plh")
        await appoint(world, f"/plh karo {AGUS} 31-12-2030 cuti tahunan")
        await world.drained()
        got = new_messages(world, "plh", agus_before)
        assert len(got) == 1 and listed_cases(got[0]) == cases, [m.text for m in got]
        plh = world["plh"]
        plh.mark_seen()
        await plh.send("/tugas")
        listing = await plh.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        await plh.press(listing, next(b for b in listing.button_texts if f"#{cases[0]} " in b))
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", cases[0], 3)), timeout=WAIT)
        await s.approve("plh", cases[0])
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 4


async def test_on_postgresql_four_cases_no_one_may_decide_come_to_the_admin_as_one_list(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    """The same on PostgreSQL: four proposals Budi approved wait at step 3 when the Karo
    role is handed to him; the administrator reads one message listing the four."""
    async with World(tmp_path, storage={"database": pg_url}) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        cases = [await to_step_3(world, s, f"Usulan {n}") for n in range(LISTED_ABOVE + 1)]
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        admin_before = last_id(world, "admin")
        await world["admin"].send("/alihkan karo 1003 1002")
        await world.emu.wait_until(
            lambda: len(new_messages(world, "admin", admin_before)) >= 2, timeout=WAIT
        )
        await world.drained()
        got = new_messages(world, "admin", admin_before)
        assert len(got) == 2 and listed_cases(got[1]) == cases, [m.text for m in got]


async def test_ekos_role_revoked_while_four_verifications_are_his_gives_dian_one_list(
    tmp_path: Path,
) -> None:
    """The Biro Umum's leave SOP: four leave applications wait at step 3 for Eko's
    verification (his since he returned each). The administrator revokes Eko's Pengelola
    role (/cabut): the four verifications become Dian's, the other Pengelola. She receives
    one message, not a task message each: Eko's role was revoked, the four tasks are hers,
    listed, and /tugas opens them. She opens one and approves it."""
    async with sop_world(tmp_path, CUTI, PEOPLE) as world:
        s = Script(world, timeout=WAIT)
        cases = [
            await a_verification_eko_holds(world, s, f"Cuti tahunan Ani ke-{n}")
            for n in range(LISTED_ABOVE + 1)
        ]
        dian = world["dian"]
        dian_before = last_id(world, "dian")
        await world["admin"].send("/cabut 3005 pengelola_kepeg")
        await world["admin"].wait_message(lambda m: "telah dicabut" in m.text, timeout=WAIT)
        await world.emu.wait_until(
            lambda: bool(new_messages(world, "dian", dian_before)), timeout=WAIT
        )
        await world.drained()

        got = new_messages(world, "dian", dian_before)
        assert len(got) == 1, [m.text.split("\n")[0] for m in got]  # not four tasks
        notice = got[0]
        assert notice.text.startswith("📋 Peran Pengelola Kepegawaian Eko Prasetyo telah dicabut")
        assert t.ACTING_LIST_IN in notice.text and "(/tugas)" in notice.text
        assert listed_cases(notice) == cases
        assert notice.button_texts == [t.BTN_TASK_LIST]
        assert not any(with_button(world["eko"], c, "Setujui") for c in cases)
        assert await handed_over(world) == cases

        dian.mark_seen()
        await dian.press(notice, t.BTN_TASK_LIST, timeout=WAIT)
        listing = await dian.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        await dian.press(listing, next(b for b in listing.button_texts if f"#{cases[0]} " in b))
        await world.emu.wait_until(
            lambda: bool(with_button(dian, cases[0], "Setujui")), timeout=WAIT
        )
        await s.approve("dian", cases[0])
        stored = await world.services.db.read(repo.load_case, cases[0])
        assert stored is not None and stored.step == 4
