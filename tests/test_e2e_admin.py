"""The administrator passes a role on (/alihkan): the tasks waiting for the role go with it.
Through the real bot and the Bot API emulator."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import timedelta
from functools import partial
from pathlib import Path

import docx
import pytest
from e2e_helpers import case_of
from telegram import BotCommandScopeChat

from bot import texts as t
from bot.core.model import Approve, CaseStatus, EventType
from bot.core.nip import bare_nip, is_nip
from bot.core.workflow import MAX_TEXT
from bot.demo import ACTING, ADMIN_ID, OFFICIALS, Script, World, draft, has_button, names_case
from bot.menus import ADMIN_COMMANDS, COMMANDS
from bot.services.cases import ProfileIncomplete
from emulator.faults import HangExecute
from emulator.users import EmuUser
from storage import repo
from storage.db import Tx

WAIT = 15.0
NEW_KABAG = ACTING.telegram_id  # Drs. Agus Salim, with no role of his own yet
KABAG = 1002  # Budi Santoso


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


async def test_the_kabag_role_passed_on_takes_its_waiting_task_to_the_new_kabag(
    world: World,
) -> None:
    """Kabag's step 2 waits when the administrator passes the Kabag role to Agus Salim:
    Budi's buttons go, Agus receives the Rencana Kerja and the task, both are told, and
    Agus approves."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang berpindah pemegang")
    task = await s.seen(
        "kabag",
        lambda m: f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts),
    )
    admin = world["admin"]
    admin.mark_seen()
    await admin.send(f"/alihkan kabag 1002 {NEW_KABAG}")
    answer = plain((await admin.wait_message(timeout=WAIT)).text)
    assert answer == (
        "Peran Kabag dialihkan dari Budi Santoso, S.E., M.Si. (ID 1002) kepada "
        f"{ACTING.name} (ID {NEW_KABAG}). Sebanyak 1 tugas yang sedang berjalan kini "
        "menjadi tugas yang bersangkutan; keduanya telah diberi tahu."
    )
    agus = world["plh"]
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts)
            for m in agus.bot_messages
        ),
        timeout=WAIT,
    )
    await world.emu.wait_until(lambda: not task.button_texts, timeout=WAIT)
    assert any(m.document for m in agus.bot_messages), "the documents come with the task"
    await world.drained()
    told_old = [
        m.text for m in world["kabag"].bot_messages if "dialihkan oleh administrator" in m.text
    ]
    told_new = [m.text for m in agus.bot_messages if "kini memegang peran Kabag" in m.text]
    # the name ends the sentence once ("M.Si.", not "M.Si.."); the count opens no sentence
    assert told_old == [
        "🔁 Peran Kabag Bapak/Ibu telah dialihkan oleh administrator kepada "
        f"{ACTING.name} Sebanyak 1 tugas yang sedang berjalan kini menjadi tugas yang "
        "bersangkutan; tombol pada pesan tugas sebelumnya tidak berlaku lagi."
    ]
    assert ACTING.name.endswith("M.Si.")
    assert told_new == [
        "🔁 Bapak/Ibu kini memegang peran Kabag, dialihkan dari Budi Santoso, S.E., M.Si. oleh "
        "administrator. Sebanyak 1 tugas yang sedang berjalan kini menjadi tugas Bapak/Ibu."
    ]
    await s.approve("plh", case)
    await world.drained()
    assert (await world.case_status(case)) is not None


async def test_reassigning_to_someone_who_never_opened_the_bot_says_so(world: World) -> None:
    """The administrator passes the Kabag role, with Budi's waiting task, to the new Kabag's
    Telegram ID before she has pressed Start: the bot cannot write to her yet. The answer
    names her ID once, says only Budi was told, and warns as /plh does; once she presses
    Start the task reaches her."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan untuk Kabag baru")
    await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    answer = await said(world, "admin", "/alihkan kabag 1002 7770001")
    assert answer == (
        "Peran Kabag dialihkan dari Budi Santoso, S.E., M.Si. (ID 1002) kepada ID 7770001. "
        "Sebanyak 1 tugas yang sedang berjalan kini menjadi tugas yang bersangkutan; "
        "Budi Santoso, S.E., M.Si. telah diberi tahu.\n" + t.NOT_STARTED_WARNING
    )
    # the task Telegram refused is reported by her ID, once
    alert = await world["admin"].wait_message(
        lambda m: "belum dapat disampaikan" in m.text, timeout=WAIT
    )
    assert f"Tugas Berkas #{case} belum dapat disampaikan kepada ID 7770001: " in alert.text
    wulan = world.emu.user(7770001, "Wulan")
    await wulan.send("/start")
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts)
            for m in wulan.bot_messages
        ),
        timeout=WAIT,
    )


async def test_an_official_whose_telegram_id_has_sixteen_digits_is_administered(
    world: World,
) -> None:
    """Telegram's user ids have up to 52 bits: newer accounts have sixteen digits. The
    administrator passes the Kabag role to Wulan, whose ID is the largest there is, asks her
    to correct her data, and revokes the role again: each command takes her ID."""
    wulan_id = 2**52 - 1  # 4503599627370495
    wulan = world.emu.user(wulan_id, "Wulan")
    await wulan.send("/start")
    await wulan.wait_message(timeout=WAIT)
    answer = await said(world, "admin", f"/alihkan kabag 1002 {wulan_id}")
    assert answer.startswith(
        f"Peran Kabag dialihkan dari Budi Santoso, S.E., M.Si. (ID 1002) kepada ID {wulan_id}."
    ), answer
    answer = await said(world, "admin", f"/ubah_data {wulan_id}")
    assert answer.startswith("Permintaan perbaikan data telah dikirim"), answer
    note = await wulan.wait_message(lambda m: "Administrator meminta" in m.text, timeout=WAIT)
    await wulan.press(note, t.BTN_FIX_PROFILE)
    # her data were never given: she is asked them as at her registration
    await wulan.wait_message(lambda m: "Mohon lengkapi data" in m.text, timeout=WAIT)
    answer = await said(world, "admin", f"/cabut {wulan_id} kabag")
    assert "telah dicabut" in answer and str(wulan_id) in answer, answer


async def test_reassigning_from_a_kabag_who_never_opened_the_bot_says_he_was_not_told(
    tmp_path: Path,
) -> None:
    """At a first deployment Budi, named Kabag in [[people]], has never pressed Start when
    the administrator passes the role to Agus: Telegram refuses to write to Budi. The answer
    says only Agus was told and asks that Budi press Start; when he does, the notice that
    the role left him reaches him."""
    async with World(tmp_path) as world:
        for key in ("admin", "plh"):  # Budi never opened the bot
            await world[key].send("/start")
            await world[key].wait_message(timeout=WAIT)
        answer = await said(world, "admin", f"/alihkan kabag {KABAG} {NEW_KABAG}")
        assert answer == (
            f"Peran Kabag dialihkan dari Budi Santoso, S.E., M.Si. (ID {KABAG}) kepada "
            f"{ACTING.name} (ID {NEW_KABAG}). Tidak ada tugas yang sedang menunggu pada peran "
            f"ini; {ACTING.name} telah diberi tahu.\n⚠️ Budi Santoso, S.E., M.Si. (ID {KABAG}) "
            "belum pernah membuka bot sehingga belum dapat diberi tahu: mohon minta yang "
            "bersangkutan menekan Start agar pesan dapat disampaikan."
        )
        budi = world["kabag"]
        await budi.send("/start")
        told = await budi.wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
        assert plain(told.text).startswith(
            f"🔁 Peran Kabag Bapak/Ibu telah dialihkan oleh administrator kepada {ACTING.name}"
        )


async def test_a_role_passed_by_mistake_to_one_who_never_opened_the_bot_and_back_is_not_told(
    tmp_path: Path,
) -> None:
    """The administrator passes Kabag from Budi to Agus, who has never pressed Start, sees
    his mistake and passes it back to Budi, who is told both times. When Agus presses Start
    at last, he reads that he holds no role, not that he holds Kabag and then that it
    went back: he never held it as far as he knew."""
    async with World(tmp_path) as world:
        for key, user in world.users.items():
            if key != "plh":  # Agus never opened the bot
                await user.send("/start")
                await user.wait_message(timeout=WAIT)
        budi = world["kabag"]
        await said(world, "admin", f"/alihkan kabag {KABAG} {NEW_KABAG}")
        await budi.wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
        await said(world, "admin", f"/alihkan kabag {NEW_KABAG} {KABAG}")
        await budi.wait_message(lambda m: "kini memegang peran" in m.text, timeout=WAIT)
        await world.drained()
        agus = world["plh"]
        answer = await said(world, "plh", "/start")
        assert "tidak memegang peran apa pun" in answer, answer
        await world.drained()
        told = [plain(m.text) for m in agus.bot_messages]
        assert len(told) == 1 and "Kabag" not in told[0], told


@pytest.mark.parametrize("telegram", ["fails the call", "answers late"])
async def test_a_task_on_its_way_to_the_old_kabag_keeps_no_buttons_once_the_role_has_moved(
    world: World, telegram: str
) -> None:
    """Budi's task message about a new proposal is on its way (Telegram holds the call 2 s,
    then fails it, so the outbox would send it again; or then delivers it) when the
    administrator passes the Kabag role to Agus: Budi is left with no buttons for it (the
    task is not sent again, or the late one loses its buttons); Agus has the task."""
    execute: HangExecute = "never" if telegram == "fails the call" else "after"
    world.emu.faults.hang(1, seconds=2.0, method="sendMessage", execute=execute, chat_id=1002)
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang berpindah sebelum tiba")
    kabag = world["kabag"]
    await world.emu.wait_until(lambda: any(m.document for m in kabag.bot_messages), timeout=WAIT)
    assert await said(world, "admin", f"/alihkan kabag 1002 {NEW_KABAG}") == (
        "Peran Kabag dialihkan dari Budi Santoso, S.E., M.Si. (ID 1002) kepada "
        f"{ACTING.name} (ID {NEW_KABAG}). Sebanyak 1 tugas yang sedang berjalan kini "
        "menjadi tugas yang bersangkutan; keduanya telah diberi tahu."
    )
    await s.seen(
        "plh", lambda m: f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts)
    )
    await world.emu.wait_until(
        lambda: any("dialihkan oleh administrator" in m.text for m in kabag.bot_messages),
        timeout=WAIT,
    )
    await asyncio.sleep(2.5)  # past the held call, and the retry a failed one would have had
    await world.drained()
    await world.emu.wait_until(
        lambda: not any(m.button_texts for m in kabag.bot_messages), timeout=WAIT
    )
    told = [m for m in kabag.bot_messages if "Mohon berkenan memeriksa" in m.text]
    assert len(told) == (0 if telegram == "fails the call" else 1)
    await s.approve("plh", case)


async def budi_asked_for_a_reason(world: World, title: str) -> tuple[int, EmuUser]:
    """A proposal at step 2: Budi (Kabag) has pressed Kembalikan and is asked for the
    reason. The case's number, and Budi."""
    s = Script(world, WAIT)
    case = await s.submit(title)
    kabag = world["kabag"]
    task = await s.seen(
        "kabag",
        lambda m: f"Berkas #{case}" in m.text and any("Kembalikan" in b for b in m.button_texts),
    )
    await kabag.press(task, next(b for b in task.button_texts if "Kembalikan" in b))
    await world.emu.wait_until(lambda: "ketik" in task.text.lower(), timeout=WAIT)
    return case, kabag


REASON = "TOR belum mencantumkan jadwal <kegiatan> & rincian anggaran."


def reason_not_used(case: int) -> str:
    return (
        "Mohon maaf, alasan pengembalian yang Bapak/Ibu ketik tidak kami gunakan karena "
        f"peran Kabag Bapak/Ibu telah dialihkan oleh administrator sehingga Berkas #{case} "
        "tidak lagi menjadi tugas Bapak/Ibu. Teks tersebut tidak tercatat pada berkas:\n"
        f"{REASON}"
    )


async def test_budis_return_reason_after_the_role_moved_is_answered_with_what_became_of_it(
    world: World,
) -> None:
    """Budi has pressed Kembalikan and is typing the reason when the administrator passes
    the Kabag role to Agus. The reason he sends is answered that it was not used because
    his role was passed on, and quoted back to him (nothing he typed is lost): not that
    the bot cannot process it, nor that he never registered. Nothing is returned. Told
    once: what he sends next, and /start, hear that he holds no role now."""
    case, kabag = await budi_asked_for_a_reason(world, "Usulan yang dialihkan saat alasan diketik")
    await said(world, "admin", f"/alihkan kabag 1002 {NEW_KABAG}")
    await world.drained()
    kabag.mark_seen()
    await kabag.send(REASON)
    answer = await kabag.wait_message(timeout=WAIT)
    assert answer.text == reason_not_used(case)
    assert any("dialihkan oleh administrator" in m.text for m in kabag.bot_messages)
    await world.drained()
    stored = await case_of(world, case)
    assert stored is not None and stored.step == 2
    kabag.mark_seen()
    await kabag.send(REASON)
    assert (await kabag.wait_message(timeout=WAIT)).text == plain(t.no_access(KABAG, held=True))
    # /start says the same, not "belum terdaftar"
    kabag.mark_seen()
    await kabag.send("/start")
    assert (await kabag.wait_message(timeout=WAIT)).text == plain(t.no_access(KABAG, held=True))


async def invitation(world: World, role: str) -> str:
    """The one-time token of an invitation to ``role``, as the administrator receives it."""
    invite = await said(world, "admin", f"/undang {role}")
    return invite.rsplit("start=", 1)[1].split()[0]


async def test_the_kabag_role_passed_by_invitation_takes_budis_waiting_task_along(
    world: World,
) -> None:
    """The administrator invites a new Kabag while step 2 waits for Budi: when Wulan joins,
    the role passes to her (one Kabag at a time) and so does the task; Budi's buttons go."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan untuk Kabag yang baru")
    kabag = world["kabag"]
    await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    token = await invitation(world, "kabag")
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(lambda m: "terdaftar sebagai Kabag" in m.text, timeout=WAIT)
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts)
            for m in wulan.bot_messages
        ),
        timeout=WAIT,
    )
    await world.drained()
    await world.emu.wait_until(
        lambda: not any(m.button_texts for m in kabag.bot_messages), timeout=WAIT
    )


WULAN = ("Wulan Sari, S.E.", "199203152018012001", "Kepala Bagian Manajemen Kinerja")


async def paper_of(world: World, case: int, prefix: str) -> str:
    """All the text of the case's paper whose file name begins with ``prefix``."""
    files = await world.services.db.read(repo.files_of_case, case)
    paper = next(f for f in files if f.kind == "paper" and f.name.startswith(prefix))
    document = docx.Document(io.BytesIO(await world.services.files.read(paper.path)))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "\n".join(parts)


async def registers(world: World, who: EmuUser, answers: tuple[str, str, str]) -> None:
    """The newcomer types her name, NIP and position, each when asked."""
    for answer in answers:
        who.mark_seen()
        await who.send(answer)
        await who.wait_message(timeout=WAIT)


async def test_a_new_kabag_who_decides_before_giving_her_name_is_asked_for_it_first(
    world: World,
) -> None:
    """Wulan joins as Kabag while step 2 waits and presses Kembalikan, then Setujui, before
    typing her name: the Lembar Pemeriksaan and the Disposisi print the name and NIP of who
    decides, so neither press is taken, and the name question stays asked. Once she has
    answered it, the same Setujui on the same task approves, signed with her name and NIP."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan untuk Kabag yang baru")
    token = await invitation(world, "kabag")
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(lambda m: "mohon lengkapi data" in m.text, timeout=WAIT)
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and t.BTN_APPROVE in m.button_texts
            for m in wulan.bot_messages
        ),
        timeout=WAIT,
    )
    task = next(m for m in wulan.bot_messages if t.BTN_APPROVE in m.button_texts)
    for button in (t.BTN_RETURN, t.BTN_APPROVE):
        assert (await wulan.press(task, button, timeout=WAIT)).text == t.ANS_PROFILE_FIRST
    await world.drained()
    stored = await case_of(world, case)
    assert stored is not None and stored.step == 2
    asked = await world.services.queries.dialogue(2001)
    assert asked is not None and asked.kind == "profile_name"
    with pytest.raises(ProfileIncomplete):  # nor past the buttons, straight to the service
        await world.services.cases.execute(case, Approve(stored.version), 2001)
    assert t.BTN_APPROVE in task.button_texts  # the task waits, its buttons as they were

    await registers(world, wulan, WULAN)
    assert (await wulan.press(task, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_DONE
    await world.drained()
    assert "Wulan Sari, S.E. (Kabag) menyetujui" in await said(world, "kasubag", f"/status {case}")
    sheet = await paper_of(world, case, f"pemeriksaan-B{case}-langkah2")
    assert "Wulan Sari, S.E.\nNIP 19920315 201801 2 001" in sheet and "ID 2001" not in sheet
    assert "ID 2001" not in await paper_of(world, case, f"disposisi-B{case}-langkah2")


async def test_a_newcomer_whose_name_question_ended_is_asked_it_again_when_she_decides(
    world: World,
) -> None:
    """Wulan, the new Kabag, ends the name question with /batal before answering it: her
    Setujui is not taken, and the question is asked again, to be answered before she
    decides."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan untuk Kabag yang baru")
    token = await invitation(world, "kabag")
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(lambda m: "mohon lengkapi data" in m.text, timeout=WAIT)
    await wulan.send("/batal")
    await wulan.wait_message(lambda m: m.text == t.DIALOGUE_CANCELLED, timeout=WAIT)
    await world.emu.wait_until(
        lambda: any(t.BTN_APPROVE in m.button_texts for m in wulan.bot_messages), timeout=WAIT
    )
    task = next(m for m in wulan.bot_messages if t.BTN_APPROVE in m.button_texts)
    wulan.mark_seen()
    assert (await wulan.press(task, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_PROFILE_FIRST
    asked = await wulan.wait_message(timeout=WAIT)
    assert asked.text.startswith("Mohon maaf, data Bapak/Ibu belum lengkap.")
    assert asked.text.endswith(plain(t.ASK_NAME))
    await registers(world, wulan, WULAN)
    assert (await wulan.press(task, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_DONE
    await world.drained()
    assert "Wulan Sari, S.E. (Kabag) menyetujui" in await said(world, "kasubag", f"/status {case}")


async def test_a_kasubag_in_the_team_keeps_her_review_when_her_team_place_passes_on(
    world: World,
) -> None:
    """Siti is the Kasubag and, invited to the team role, a member of the team that drafts.
    The drafts reach her review (step 7) and her team place then passes to Agus: the review
    is still hers as Kasubag, so her task keeps its buttons and she approves."""
    token = await invitation(world, "tim")
    siti = world["kasubag"]
    siti.mark_seen()
    await siti.send(f"/start {token}")
    await siti.wait_message(timeout=WAIT)
    s = Script(world, WAIT)
    case = await s.submit("Usulan dengan Kasubag di dalam tim")
    await s.to_the_drafts(case, team=("Siti", "Rudi"))
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim2", case, name, draft(name))
    await s.press("tim2", "Serahkan draf", case)
    review = await s.seen(
        "kasubag",
        lambda m: f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts),
    )
    answer = await said(world, "admin", f"/alihkan tim 1001 {NEW_KABAG}")
    assert answer.startswith("Peran Tim Penyusunan dialihkan dari Dra. Siti")
    assert (await case_of(world, case)).team == (NEW_KABAG, 1005)
    await world.drained()
    assert any("Setujui" in b for b in review.button_texts)
    await s.approve("kasubag", case)
    assert (await case_of(world, case)).step == 8


async def test_a_role_passed_to_whoever_holds_it_already_is_refused(world: World) -> None:
    admin = world["admin"]
    for command, expected in (
        (
            "/alihkan kabag 1002 1002",
            "Budi Santoso, S.E., M.Si. (ID 1002) telah memegang peran Kabag.",
        ),
        (
            f"/alihkan kabag {NEW_KABAG} 1003",
            f"{ACTING.name} (ID {NEW_KABAG}) tidak memegang peran Kabag.",
        ),
    ):
        admin.mark_seen()
        await admin.send(command)
        assert plain((await admin.wait_message(timeout=WAIT)).text) == expected


async def test_a_role_passed_from_and_to_someone_who_does_not_hold_it_says_so(
    world: World,
) -> None:
    """A hurried administrator types the Karo's id twice in /alihkan kabag (and then an id
    nobody holds): Hendra is not Kabag, and the answer says so instead of that he holds it;
    Budi stays Kabag."""
    for command, expected in (
        (
            "/alihkan kabag 1003 1003",
            "Dr. Ir. Hendra Wijaya, M.P.A. (ID 1003) tidak memegang peran Kabag.",
        ),
        ("/alihkan kabag 9999 9999", "ID 9999 tidak memegang peran Kabag."),
    ):
        assert await said(world, "admin", command) == expected
    assert await holder_ids(world, "kabag") == [1002]


async def test_a_role_revoked_from_someone_who_does_not_hold_it_names_both(
    world: World,
) -> None:
    """The administrator revokes the team role from Budi, who is Kabag, and from ID 1, whom
    the bot does not know: each answer names the person and the role, as the other answers
    do, so he sees which id he mistyped; nothing is revoked."""
    for command, expected in (
        (
            "/cabut 1002 tim",
            "Budi Santoso, S.E., M.Si. (ID 1002) tidak memegang peran Tim Penyusunan; "
            "tidak ada peran yang dicabut.",
        ),
        ("/cabut 1 tim", "ID 1 tidak memegang peran Tim Penyusunan; tidak ada peran yang dicabut."),
    ):
        assert await said(world, "admin", command) == expected
    assert await holder_ids(world, "tim") == [1004, 1005]
    assert await holder_ids(world, "kabag") == [1002]


async def test_revoking_a_kabag_known_only_by_his_id_names_the_id_once(world: World) -> None:
    """The Kabag role went to ID 7770001, who never opened the bot and so gave no name;
    the administrator revokes it again: the answer names "ID 7770001", not the id twice."""
    await said(world, "admin", "/alihkan kabag 1002 7770001")
    assert await said(world, "admin", "/cabut 7770001 kabag") == (
        "Peran Kabag milik ID 7770001 telah dicabut.\n"
        "Peran Kabag kini tidak dipegang siapa pun. Undang pejabat baru dengan /undang kabag."
    )


async def test_a_role_passed_or_given_to_the_bots_own_id_is_refused(world: World) -> None:
    """The administrator copies the bot's own id by mistake: /alihkan and /plh are refused
    politely, and Hendra stays Karo with no acting official."""
    assert world.app is not None
    bot = world.app.bot.id
    for command, what in (
        (f"/alihkan karo 1003 {bot}", "Peran hanya dapat dialihkan"),
        (f"/plh karo {bot} 31-12-2030 cuti", "Penetapan Plh hanya dapat diberikan"),
    ):
        assert await said(world, "admin", command) == (
            f"Mohon maaf, ID {bot} adalah akun bot layanan ini sendiri, bukan akun pegawai. "
            f"{what} kepada pegawai; mohon periksa kembali ID Telegram yang dimaksud."
        )
    assert await holder_ids(world, "karo") == [1003]
    assert await world.services.acting.listing() == []


async def said(world: World, who: str, text: str) -> str:
    user = world[who]
    user.mark_seen()
    await user.send(text)
    return plain((await user.wait_message(timeout=WAIT)).text)


async def test_odd_numbers_and_periods_are_answered_plainly(world: World) -> None:
    """/tarik of a case that does not exist says so; a report of a year still to come is
    refused (it counted today's open cases for 2100)."""
    assert await said(world, "kasubag", "/tarik 99") == "Berkas #99 tidak ditemukan."
    answer = await said(world, "karo", "/laporan 2100")
    assert answer.startswith("Mohon maaf, periode Tahun 2100 belum dimulai.")


async def test_a_command_that_takes_a_telegram_id_says_where_to_find_it(world: World) -> None:
    """The administrator types /cabut, /alihkan, /plh, /plt or /ubah_data without its
    words: the usage says where a person's Telegram ID is shown (/peran lists every
    holder's; a holder reads their own in /saya), and /peran does show it."""
    where = (
        "ID Telegram setiap pemegang peran tercantum pada /peran; pemegang peran dapat pula "
        "melihat ID-nya sendiri dengan /saya."
    )
    for command in ("/cabut", "/alihkan", "/plh", "/plt", "/ubah_data"):
        answer = await said(world, "admin", command)
        assert answer.startswith(f"Penggunaan: {command}") and where in answer, answer
    assert "Budi Santoso, S.E., M.Si. (1002)" in await said(world, "admin", "/peran")
    assert "ID Telegram: 1002" in await said(world, "kabag", "/saya")


async def test_a_plh_karo_in_office_may_ask_for_the_report(world: World) -> None:
    await said(world, "admin", f"/plh karo {NEW_KABAG} 31-12-2030 cuti tahunan")
    agus = world["plh"]
    agus.mark_seen()
    await agus.send("/laporan")
    answer = await agus.wait_message(timeout=WAIT)
    assert "hanya dapat diminta" not in answer.text
    assert answer.photo or answer.document, answer.text


async def newcomer_asked_his_name(world: World, first_name: str) -> EmuUser:
    """A new team member (3001) who followed the administrator's invitation and is asked his
    full name."""
    invite = await said(world, "admin", "/undang tim")
    token = invite.rsplit("start=", 1)[1].split()[0]
    newcomer = world.emu.user(3001, first_name)
    await newcomer.send(f"/start {token}")
    await newcomer.wait_message(lambda m: "nama lengkap" in m.text, timeout=WAIT)
    return newcomer


async def answered(person: EmuUser, text: str) -> str:
    """What the bot answers ``person``'s ``text``, as plain text."""
    person.mark_seen()
    await person.send(text)
    return plain((await person.wait_message(timeout=WAIT)).text)


async def test_a_name_of_invisible_characters_is_asked_again(world: World) -> None:
    """A new team member joins by invitation and answers the name with a zero-width space
    (it showed as a blank team button and a blank entry in /peran): asked again."""
    newcomer = await newcomer_asked_his_name(world, "Baru")
    for invisible in ("\u200b", "\u202e\u200b", "—"):
        newcomer.mark_seen()
        await newcomer.send(invisible)
        asked = await newcomer.wait_message(timeout=WAIT)
        assert "nama lengkap" in asked.text
    newcomer.mark_seen()
    await newcomer.send("Rina Marlina, A.Md.")
    assert "NIP" in (await newcomer.wait_message(timeout=WAIT)).text


async def test_a_new_member_types_his_nip_as_printed_on_his_sk(world: World) -> None:
    """A new team member joins by invitation and types his NIP as his SK prints it, after
    two slips of a digit and one stray letter: each refusal says what was wrong (how many
    digits it found); "NIP. 19800101.200501.1.001" is taken, kept as its 18 digits."""
    newcomer = await newcomer_asked_his_name(world, "Sukarno")

    assert "NIP" in await answered(newcomer, "Sukarno, S.H.")
    assert await answered(newcomer, "NIP 19800101 200501 1 00") == plain(
        t.BAD_NIP_DIGITS.format(digits=17)
    )
    assert await answered(newcomer, "1980010120050110011") == plain(
        t.BAD_NIP_DIGITS.format(digits=19)
    )
    assert await answered(newcomer, "19800101 200501 1 001 (lama)") == plain(t.BAD_NIP_CHARACTERS)
    assert await answered(newcomer, "NIP saya") == plain(t.BAD_NIP)
    assert "jabatan" in await answered(newcomer, "NIP. 19800101.200501.1.001")
    person = await world.services.db.read(repo.get_person, 3001)
    assert person is not None and person.nip == "198001012005011001"


async def test_a_name_or_position_refused_is_told_why(world: World) -> None:
    """A new team member types his name with the gelar wrapped to a second line, then one
    longer than a paper's line can hold, and his position on two lines: each time he is told
    why before the question comes again (he was only asked again, and could not see what
    was wrong). A name on two lines is not joined: the second line may be another answer."""
    newcomer = await newcomer_asked_his_name(world, "Ridwan")

    two_lines = await answered(newcomer, "Dr. H. Muhammad Ridwan Kamil,\nS.E., M.Si., M.M.")
    assert two_lines == (
        "Mohon maaf, nama Bapak/Ibu perlu dituliskan dalam satu baris, tanpa pindah baris.\n"
        + plain(t.ASK_NAME)
    )
    too_long = await answered(
        newcomer, "Prof. Dr. Ir. " + "Raden Mas Haji Abdurrahman " * 8 + ", S.H."
    )
    assert too_long.startswith(
        "Mohon maaf, nama Bapak/Ibu paling banyak 200 karakter, sedangkan yang Bapak/Ibu "
        "tuliskan 236 karakter."
    ), too_long
    assert too_long.endswith(plain(t.ASK_NAME))
    assert "NIP" in await answered(newcomer, "Dr. H. Muhammad Ridwan Kamil, S.E., M.Si., M.M.")
    assert "jabatan" in await answered(newcomer, "-")
    position = await answered(newcomer, "Kepala Bagian Program dan Anggaran\nBiro Perencanaan")
    assert position == (
        "Mohon maaf, jabatan Bapak/Ibu perlu dituliskan dalam satu baris, tanpa pindah baris.\n"
        + plain(t.ASK_POSITION)
    )
    assert "telah tersimpan" in await answered(newcomer, "Kepala Bagian Program dan Anggaran")


async def test_a_name_or_position_of_only_digits_is_refused_and_asked_again(world: World) -> None:
    """A new team member types his NIP where his name is asked, and later a number where
    his position is asked: neither is recorded as his name or position (it showed on
    papers and in /peran as "19800101 200501 1 001"); he is told why, the question still
    waiting, and what he then types is kept."""
    newcomer = await newcomer_asked_his_name(world, "Sukarno")

    name_refused = await answered(newcomer, "19800101 200501 1 001")
    assert name_refused == plain(
        t.PROFILE_IS_A_NUMBER.format(
            typed="19800101 200501 1 001", what=t.PROFILE_WHAT_NAME, after=t.PROFILE_NIP_AFTER_NAME
        )
        + "\n"
        + t.ASK_NAME
    )
    assert "NIP" in await answered(newcomer, "Sukarno, S.H.")
    assert "jabatan" in await answered(newcomer, "19800101 200501 1 001")
    position_refused = await answered(newcomer, "12345")
    assert position_refused == plain(
        t.PROFILE_IS_A_NUMBER.format(typed="12345", what=t.PROFILE_WHAT_POSITION, after="")
        + "\n"
        + t.ASK_POSITION
    )
    assert "telah tersimpan" in await answered(newcomer, "Pranata Komputer Ahli Pertama")
    person = await world.services.db.read(repo.get_person, 3001)
    assert person is not None
    assert (person.name, person.position) == ("Sukarno, S.H.", "Pranata Komputer Ahli Pertama")


async def test_a_name_and_position_typed_with_double_spaces_are_kept_with_single_ones(
    world: World,
) -> None:
    """A new team member's phone puts two spaces in his name and his position: they are
    kept with one (papers and buttons showed "Ma'ruf  Amin")."""
    newcomer = await newcomer_asked_his_name(world, "Ma'ruf")
    for answer in ("Ma'ruf  Amin,  S.H.", "-", "Analis  Kebijakan \t Ahli Muda"):
        newcomer.mark_seen()
        await newcomer.send(answer)
        await newcomer.wait_message(timeout=WAIT)
    person = await world.services.db.read(repo.get_person, 3001)
    assert person is not None
    assert (person.name, person.position) == ("Ma'ruf Amin, S.H.", "Analis Kebijakan Ahli Muda")


def test_the_forms_an_sk_prints_a_nip_in_are_one_nip() -> None:
    for typed in (
        "19800101 200501 1 001",
        "NIP 19800101 200501 1 001",
        "NIP. 198001012005011001",
        "nip: 19800101-200501-1-001",
        "19800101.200501.1.001",
        "NIP.19800101 200501 1 001",
    ):
        assert bare_nip(typed) == "198001012005011001", typed
    assert not is_nip(bare_nip("198001012005011001\n"))  # a line break is no separator
    assert not is_nip(bare_nip("١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١"))  # Arabic-Indic digits


async def test_a_kabag_whose_role_is_revoked_mid_reason_is_told_and_the_next_kabag_gets_the_task(
    world: World,
) -> None:
    """Kabag presses Kembalikan and is asked for the reason; the administrator revokes his
    role meanwhile. His question ends and he is told; the administrator learns the role has
    no holder and a task waits. A new Kabag joins by invitation and receives the task, with
    its documents, and approves."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan saat peran dicabut")
    await s.press("kabag", "Kembalikan", case)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
    answer = await said(world, "admin", "/cabut 1002 kabag")
    assert answer == (
        "Peran Kabag milik Budi Santoso, S.E., M.Si. (ID 1002) telah dicabut.\n"
        "Peran Kabag kini tidak dipegang siapa pun; sebanyak 1 tugas menunggu pelaksana. "
        "Undang pejabat baru dengan /undang kabag."
    )
    budi = world["kabag"]
    told = await budi.wait_message(
        lambda m: "telah dicabut oleh administrator" in m.text, timeout=WAIT
    )
    assert "1 tugas" in told.text
    await world.drained()
    assert not [m for m in budi.bot_messages if m.button_texts and f"Berkas #{case}" in m.text]
    invite = await said(world, "admin", "/undang kabag")
    token = invite.rsplit("start=", 1)[1].split()[0]
    newcomer = world.emu.user(3002, "Kabag Baru")
    await newcomer.send(f"/start {token}")
    await world.emu.wait_until(
        lambda: any(f"Berkas #{case}" in m.text and m.button_texts for m in newcomer.bot_messages),
        timeout=WAIT,
    )
    assert any(m.document for m in newcomer.bot_messages)


async def test_a_cancel_reason_with_a_direction_override_is_refused_and_the_case_stays_open(
    world: World,
) -> None:
    """The administrator cancels a case with a reason carrying U+202E (every party would be
    told it reversed), then one with a bell character: refused, saying why; the case stays
    open. The reason typed plainly cancels it."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang dibatalkan")
    for reason in ("Kegiatan \u202editunda pimpinan", "Kegiatan ditunda\x07 pimpinan"):
        answer = await said(world, "admin", f"/batalkan {case} {reason}")
        assert answer.startswith(
            "Mohon maaf, alasan pembatalan tidak dapat diterima karena memuat karakter kendali "
            "atau penanda arah teks"
        ), answer
        assert "Penggunaan: /batalkan" in answer
        assert (await world.case_status(case)) is CaseStatus.OPEN
    answer = await said(world, "admin", f"/batalkan {case} Kegiatan ditunda pimpinan")
    assert answer == f"Berkas #{case} telah dibatalkan. Para pihak telah diberi tahu."
    assert (await world.case_status(case)) is CaseStatus.CANCELLED
    # /status without a number names the state in Indonesian, not "cancelled"
    await world["admin"].send("/status")
    listing = plain(
        (await world["admin"].wait_message(lambda m: "Berkas terbaru" in m.text, timeout=WAIT)).text
    )
    assert f"#{case} · Usulan yang dibatalkan · TA 2027 · dibatalkan" in listing
    assert "cancelled" not in listing


async def test_a_cancel_reason_too_long_is_refused_naming_the_reason_and_its_limit(
    world: World,
) -> None:
    """The administrator cancels a case with a reason of 1,001 characters: the refusal says
    it is the reason of the cancellation that is too long, how long it is and the limit
    (not a bare "Teks terlalu panjang"); the case stays open."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan dengan alasan pembatalan panjang")
    reason = "Kegiatan ditunda pimpinan " + "x" * (MAX_TEXT + 1 - len("Kegiatan ditunda pimpinan "))
    answer = await said(world, "admin", f"/batalkan {case} {reason}")
    assert answer.startswith(
        f"Mohon maaf, alasan pembatalan terlalu panjang ({MAX_TEXT + 1} karakter); paling "
        f"banyak {MAX_TEXT} karakter. Silakan mempersingkatnya."
    ), answer
    assert "Penggunaan: /batalkan" in answer
    assert (await world.case_status(case)) is CaseStatus.OPEN


async def test_a_case_cancelled_twice_is_named_in_the_second_refusal(world: World) -> None:
    """The administrator cancels a case, then, unsure it went through, types /batalkan for
    it again. He is told that Berkas #n is closed already, not that "this case" is, naming
    none (he may have typed several numbers that morning)."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang dibatalkan")
    answer = await said(world, "admin", f"/batalkan {case} Kegiatan ditunda pimpinan")
    assert answer == f"Berkas #{case} telah dibatalkan. Para pihak telah diberi tahu."
    again = await said(world, "admin", f"/batalkan {case} Kegiatan ditunda pimpinan")
    assert again == t.CASE_CLOSED_NAMED.format(case=case)
    assert f"Berkas #{case} " in again


async def at_the_drafts(world: World, s: Script, title: str) -> int:
    """A case whose team (Ayu and Rudi) is drafting at step 6."""
    case = await s.submit(title)
    await s.to_the_drafts(case)
    await world.drained()
    assert (await case_of(world, case)).step == 6
    return case


async def test_a_team_member_passed_on_takes_her_place_in_the_running_team(world: World) -> None:
    """Ayu leaves the drafting team while a case waits for its drafts: the administrator
    passes her team role to Agus. Agus takes Ayu's place in that case's team (recorded in
    its history), receives the drafting task with its papers and hands the drafts in."""
    s = Script(world, WAIT)
    case = await at_the_drafts(world, s, "Usulan dengan tim yang berganti")
    answer = await said(world, "admin", f"/alihkan tim 1004 {NEW_KABAG}")
    assert answer.startswith("Peran Tim Penyusunan dialihkan dari Ayu Lestari")
    assert "Sebanyak 1 tugas yang sedang berjalan kini menjadi tugas yang bersangkutan" in answer
    stored = await case_of(world, case)
    assert stored.team == (NEW_KABAG, 1005)
    agus = world["plh"]
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and "Langkah 6" in m.text for m in agus.bot_messages
        ),
        timeout=WAIT,
    )
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("plh", case, name, draft(name))
    await s.press("plh", "Serahkan draf", case)
    assert (await case_of(world, case)).step == 7
    events = await world.services.db.read(repo.load_events, case)
    changed = [e for e in events if e.type is EventType.TEAM_CHANGED]
    assert [(e.data["left"], e.data["joined"]) for e in changed] == [(1004, NEW_KABAG)]
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send(f"/status {case}")
    history = plain((await kasubag.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)).text)
    assert (
        f"mengalihkan keanggotaan Tim Penyusunan dari Ayu Lestari, S.Kom. kepada {ACTING.name}"
        in history
    )


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_a_place_passed_on_amends_the_sk_tim_for_the_team_as_it_now_is(
    world: World,
) -> None:
    """Ayu's place in a drafting team passes to Agus: the team (Agus and Rudi) receives an
    SK that amends the team's members (Perubahan Susunan Keanggotaan), listing Agus and not
    Ayu; the SK that formed the team stays as it was, and both are kept with the case."""
    s = Script(world, WAIT)
    case = await at_the_drafts(world, s, "Usulan dengan SK yang diubah")
    await said(world, "admin", f"/alihkan tim 1004 {NEW_KABAG}")
    name = f"sk-tim-B{case}-perubahan-1.docx"

    def has_it(user: EmuUser) -> bool:
        return any(m.document and m.document.get("file_name") == name for m in user.bot_messages)

    for who in ("plh", "tim2"):
        await world.emu.wait_until(partial(has_it, world[who]), timeout=WAIT)
    [sent] = [
        m for m in world["plh"].bot_messages if m.document and m.document["file_name"] == name
    ]
    amended = docx_text(sent.file_bytes())
    assert "TENTANG PERUBAHAN SUSUNAN KEANGGOTAAN TIM" in amended
    assert "PEMBENTUKAN" not in amended  # the title, Menetapkan and the Lampiran alike
    assert "Mengubah susunan keanggotaan Tim" in amended
    assert "bahwa untuk kelancaran pelaksanaan tugas, susunan keanggotaan" in amended
    assert ACTING.name in amended and "Rudi" in amended and "Ayu" not in amended
    # it cites the decree it amends, numbered by hand as its own number is: the last
    # Mengingat, and Diktum KESATU
    formed_by = (
        f"Keputusan Kepala Biro Perencanaan dan Manajemen Kinerja Nomor {'.' * 40} tentang "
        "Pembentukan Tim Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro Tahun "
        "Anggaran 2027"
    )
    document = docx.Document(io.BytesIO(sent.file_bytes()))
    considered, decided = document.tables[0], document.tables[1]
    assert considered.rows[-1].cells[3].text == formed_by + "."
    kesatu = decided.rows[1].cells[2].text
    assert f"yang selanjutnya disebut Tim, sebagaimana ditetapkan dalam {formed_by}, " in kesatu
    files = await world.services.db.read(repo.files_of_case, case)
    decrees = sorted(f.name for f in files if f.name.startswith("sk-tim"))
    assert decrees == [f"sk-tim-B{case}-langkah5-ke1.docx", name]
    [formed] = [f for f in files if f.name == decrees[0]]
    first = docx_text(await world.services.files.read(formed.path))
    assert "TENTANG PEMBENTUKAN TIM" in first and "Ayu" in first
    assert "PERUBAHAN" not in first


async def test_no_amending_sk_while_the_team_is_to_be_formed_again(world: World) -> None:
    """Siti takes the team's forming back (step 5 again) before the team starts; Ayu's place
    then passes to Agus. The team will be decreed when Siti forms it anew: no amending SK."""
    s = Script(world, WAIT)
    case = await at_the_drafts(world, s, "Usulan yang timnya dibentuk ulang")
    await s.press("kasubag", "Tarik kembali", case)
    await world.drained()
    assert (await case_of(world, case)).step == 5
    await said(world, "admin", f"/alihkan tim 1004 {NEW_KABAG}")
    await world.drained()
    files = await world.services.db.read(repo.files_of_case, case)
    assert [f.name for f in files if f.name.startswith("sk-tim")] == [
        f"sk-tim-B{case}-langkah5-ke1.docx"
    ]
    events = await world.services.db.read(repo.load_events, case)
    assert [e.type for e in events][-1] is EventType.TEAM_CHANGED


async def test_a_team_role_passed_to_another_member_leaves_the_team_to_her(world: World) -> None:
    """Ayu's team role passed to Rudi, who is in the team already: the case's team is Rudi
    alone, and the drafting task stays his. He is not told he now holds the role, nor that
    the task he had is a new one; nor is the administrator."""
    s = Script(world, WAIT)
    case = await at_the_drafts(world, s, "Usulan yang tinggal satu penyusun")
    rudi = world["tim2"]
    rudi.mark_seen()
    answer = await said(world, "admin", "/alihkan tim 1004 1005")
    assert answer == (
        "Peran Tim Penyusunan dialihkan dari Ayu Lestari, S.Kom. (ID 1004) kepada Rudi "
        "Hartono, S.E. (ID 1005), yang telah memegang peran ini. Tidak ada tugas yang baru "
        "menjadi tugas yang bersangkutan; keduanya telah diberi tahu."
    )
    assert (await case_of(world, case)).team == (1005,)
    told = await rudi.wait_message(lambda m: "🔁" in m.text, timeout=WAIT)
    assert plain(told.text) == (
        "🔁 Peran Tim Penyusunan Ayu Lestari, S.Kom. dialihkan oleh administrator kepada "
        "Bapak/Ibu, yang telah memegang peran tersebut; tempatnya pada berkas yang sedang "
        "berjalan kini menjadi tempat Bapak/Ibu."
    )
    await world.drained()
    tasks = [m for m in rudi.bot_messages if f"Langkah 6 dari 12 · Berkas #{case}" in m.text]
    assert len(tasks) == 1  # his one task message, not a second copy
    await s.upload("tim2", case, "Draf Program Kerja.docx", draft("Draf Program Kerja"))


async def test_places_of_a_member_whose_role_was_revoked_can_still_be_passed_on(
    world: World,
) -> None:
    """Ayu's team role is revoked first (/cabut): she stays in the running team, whose
    drafts then wait for Rudi alone. /alihkan still passes her place on, to Agus."""
    s = Script(world, WAIT)
    case = await at_the_drafts(world, s, "Usulan yang anggotanya dicabut")
    assert "dicabut" in await said(world, "admin", "/cabut 1004 tim")
    assert (await case_of(world, case)).team == (1004, 1005)
    answer = await said(world, "admin", f"/alihkan tim 1004 {NEW_KABAG}")
    assert answer.startswith("Peran Tim Penyusunan dialihkan dari Ayu Lestari")
    assert (await case_of(world, case)).team == (NEW_KABAG, 1005)


async def test_a_team_member_whose_role_is_revoked_loses_the_buttons_of_the_drafting_task(
    world: World,
) -> None:
    """Ayu and Rudi draft at step 6; the drafts are in and Rudi's task offers "Serahkan
    draf". The administrator revokes Rudi's team role: he is told, and his task message
    loses its buttons, as a revoked Kabag's does; the drafts wait for Ayu, who hands them in."""
    s = Script(world, WAIT)
    case = await at_the_drafts(world, s, "Usulan yang anggota timnya dicabut")
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    task = await s.seen("tim2", has_button("Serahkan", case))
    answer = await said(world, "admin", "/cabut 1005 tim")
    assert answer == "Peran Tim Penyusunan milik Rudi Hartono, S.E. (ID 1005) telah dicabut."
    told = await s.seen("tim2", lambda m: "telah dicabut oleh administrator" in m.text)
    assert "Sebanyak 1 tugas" in told.text
    await world.emu.wait_until(lambda: not task.button_texts, timeout=WAIT)
    await world.drained()
    assert not [m for m in world["tim2"].bot_messages if has_button("Serahkan", case)(m)]
    await s.press("tim1", "Serahkan draf", case)
    await s.seen("kasubag", has_button("Setujui", case))


async def test_revoking_the_last_member_of_a_waiting_team_tells_the_administrator_what_to_do(
    world: World,
) -> None:
    """Ayu alone drafts case #N at step 6; she leaves the unit and the administrator revokes
    her team role. No member of the case's team holds the role now, and Rudi, who still
    does, is not in that team: the answer names the case and says to pass Ayu's place on
    with /alihkan, which then gives Rudi the drafting task."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan dengan tim satu orang")
    await s.to_the_drafts(case, team=("Ayu",))
    await s.seen("tim1", lambda m: "Langkah 6 dari 12" in m.text and names_case(m.text, case))
    admin = world["admin"]
    admin.mark_seen()
    await admin.send("/cabut 1004 tim")
    answer = (await admin.wait_message(timeout=WAIT)).text  # as shown: "<id ...>" is no tag
    assert answer == (
        "Peran Tim Penyusunan milik Ayu Lestari, S.Kom. (ID 1004) telah dicabut.\n"
        f"Berkas #{case} menunggu pada langkah tim, sedangkan tidak ada lagi anggota timnya "
        "yang memegang peran Tim Penyusunan; pemegang peran lainnya tidak menerima tugas "
        "tersebut karena tim ditetapkan untuk masing-masing berkas. Alihkan tempat yang "
        "bersangkutan dalam tim kepada pegawai lain (peran Tim Penyusunan ikut dialihkan "
        "kepadanya) dengan /alihkan tim 1004 <id Telegram baru>."
    )
    await world.drained()
    ayu = world["tim1"]
    ayu.mark_seen()
    passed = await said(world, "admin", "/alihkan tim 1004 1005")
    assert passed.startswith("Peran Tim Penyusunan dialihkan dari Ayu Lestari")
    assert passed.endswith("; Rudi Hartono, S.E. telah diberi tahu."), passed
    await s.seen("tim2", lambda m: "Langkah 6 dari 12" in m.text and names_case(m.text, case))
    # Ayu was told her role was revoked: she is not told now that a role she no longer
    # holds was passed on, nor that buttons she no longer has stop working
    await world.drained()
    assert not [m.text for m in ayu.bot_messages if "dialihkan" in m.text]


async def test_revoking_the_last_holder_of_a_team_role_advises_passing_her_place_to_anyone(
    world: World,
) -> None:
    """Ayu alone drafts case #N; Rudi's team role was revoked before, so when Ayu's is too
    nobody holds it. The answer does not send the administrator to another holder there is
    none of: /alihkan passes her place to any official, and the role with it."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan dengan tim satu orang")
    await s.to_the_drafts(case, team=("Ayu",))
    await s.seen("tim1", lambda m: "Langkah 6 dari 12" in m.text and names_case(m.text, case))
    assert "dicabut" in await said(world, "admin", "/cabut 1005 tim")
    answer = await said(world, "admin", "/cabut 1004 tim")
    assert "pemegang peran yang lain" not in answer
    assert "kepada pegawai lain (peran Tim Penyusunan ikut dialihkan kepadanya)" in answer
    passed = await said(world, "admin", "/alihkan tim 1004 1002")  # Budi, no team role
    assert passed.startswith("Peran Tim Penyusunan dialihkan dari Ayu Lestari")
    await s.seen("kabag", lambda m: "Langkah 6 dari 12" in m.text and names_case(m.text, case))


async def test_a_team_member_revoked_by_mistake_and_invited_again_gets_the_drafting_task_back(
    world: World,
) -> None:
    """Ayu alone drafts case #N; the administrator revokes her team role by mistake and
    invites her again. She holds the role again and is still the case's team: the drafting
    task comes back to her (it did not: only /tugas showed it)."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan dengan tim satu orang")
    await s.to_the_drafts(case, team=("Ayu",))
    await s.seen("tim1", lambda m: "Langkah 6 dari 12" in m.text and names_case(m.text, case))
    assert "dicabut" in await said(world, "admin", "/cabut 1004 tim")
    await world.drained()
    invite = await said(world, "admin", "/undang tim")
    token = invite.rsplit("start=", 1)[1].split()[0]
    ayu = world["tim1"]
    ayu.mark_seen()
    await ayu.send(f"/start {token}")
    task = await ayu.wait_message(
        lambda m: "Langkah 6 dari 12" in m.text and names_case(m.text, case), timeout=WAIT
    )
    assert any("Serahkan draf" in b or "Kirim" in b for b in task.button_texts) or (
        "Silakan mengirim dokumen" in task.text
    ), task.text
    stored = await case_of(world, case)
    assert stored is not None and stored.step == 6 and stored.team == (1004,)


async def test_a_case_forwarded_to_the_archivist_while_nobody_holds_the_role_is_reported(
    world: World,
) -> None:
    """Dewi (Fungsional Umum) has left and her role is revoked; no one has been invited yet.
    Kasubag forwards a signed case at step 11: her confirmation says the step has no one to
    carry it out yet, and the administrator is told the case waits at step 12 and to invite
    a Fungsional Umum. The one invited receives the archiving task."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan untuk arsiparis baru")
    await s.to_the_drafts(case, team=("Ayu",))
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    await s.press("tim1", "Serahkan draf", case)
    for who in ("kasubag", "kabag", "karo"):
        await s.approve(who, case)
    await s.press("kabag", "Teruskan", case)
    assert "dicabut" in await said(world, "admin", "/cabut 1006 fungsional_umum")
    admin = world["admin"]
    admin.mark_seen()
    decided = await s.press("kasubag", "Teruskan", case)
    await world.emu.wait_until(lambda: "belum memiliki pelaksana" in decided.text, timeout=WAIT)
    # headed "Langkah 11 dari 12", the step she decided: the line names the one with no one
    assert (
        "Berkas diteruskan kepada Fungsional Umum. Langkah 12 saat ini belum memiliki "
        "pelaksana; berkas menunggu pada langkah tersebut dan administrator telah diberi tahu."
    ) in decided.text
    told = await admin.wait_message(lambda m: "belum dipegang siapa pun" in m.text, timeout=WAIT)
    assert names_case(told.text, case) and "Langkah 12 dari 12" in told.text
    assert told.text.endswith(
        "Berkas ini menunggu pada langkah tersebut, sedangkan peran Fungsional Umum belum "
        "dipegang siapa pun sehingga tugasnya belum diterima oleh siapa pun. Berkas menunggu "
        "sampai Bapak/Ibu berkenan mengundang pemegang perannya: /undang fungsional_umum."
    )
    token = await invitation(world, "fungsional_umum")
    newcomer = world.emu.user(3006, "Arsiparis Baru")
    await newcomer.send(f"/start {token}")
    await world.emu.wait_until(
        lambda: any(has_button("Arsipkan", case)(m) for m in newcomer.bot_messages),
        timeout=WAIT,
    )


async def test_drafts_returned_to_a_team_whose_only_member_left_are_reported(
    world: World,
) -> None:
    """Ayu alone drafted and handed the drafts in; she then leaves, and the administrator
    revokes her team role while Kasubag reviews. Kasubag returns the drafts to the team:
    nobody in it holds the role now (Rudi, who does, is not in the team), so the
    administrator is told the case waits at step 6 and to pass Ayu's place on with
    /alihkan."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang timnya telah pergi")
    await s.to_the_drafts(case, team=("Ayu",))
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    await s.press("tim1", "Serahkan draf", case)
    await s.seen("kasubag", has_button("Kembalikan", case))
    answer = await said(world, "admin", "/cabut 1004 tim")
    assert answer == "Peran Tim Penyusunan milik Ayu Lestari, S.Kom. (ID 1004) telah dicabut."
    world["admin"].mark_seen()
    await s.review_return("kasubag", case, "Draf RKAKL belum memuat rincian belanja per output.")
    told = await world["admin"].wait_message(
        lambda m: "tidak ada lagi anggota timnya" in m.text, timeout=WAIT
    )
    assert names_case(told.text, case) and "Langkah 6 dari 12" in told.text
    # Kasubag's confirmation, headed with step 7, names the step left with no one
    returned = await s.seen("kasubag", lambda m: "↩️ Dikembalikan oleh" in m.text)
    assert (
        "Berkas dikembalikan kepada Tim Penyusunan. Langkah 6 saat ini belum memiliki pelaksana"
    ) in returned.text
    # her name plainly, and her ID in the command (the only member: none other to choose)
    assert (
        "memegang peran Tim Penyusunan (anggota tim: Ayu Lestari, S.Kom., ID 1004);"
    ) in told.text
    assert told.text.endswith(
        "kepada pegawai lain (peran Tim Penyusunan ikut dialihkan kepadanya) dengan "
        "/alihkan tim 1004 <id Telegram baru>."
    )


async def test_drafts_returned_to_a_team_both_of_whose_members_left_name_both(
    world: World,
) -> None:
    """Ayu and Rudi drafted together and both leave before Kasubag returns the drafts: the
    administrator is told both, by name and ID, and chooses whose place to pass on."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang seluruh timnya telah pergi")
    await s.to_the_drafts(case)
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    await s.press("tim1", "Serahkan draf", case)
    await s.seen("kasubag", has_button("Kembalikan", case))
    assert "dicabut" in await said(world, "admin", "/cabut 1004 tim")
    assert "dicabut" in await said(world, "admin", "/cabut 1005 tim")
    world["admin"].mark_seen()
    await s.review_return("kasubag", case, "Draf RKAKL belum memuat rincian belanja per output.")
    told = await world["admin"].wait_message(
        lambda m: "tidak ada lagi anggota timnya" in m.text, timeout=WAIT
    )
    assert (
        "(anggota tim: Ayu Lestari, S.Kom., ID 1004; Rudi Hartono, S.E., ID 1005);"
    ) in told.text
    assert told.text.endswith("/alihkan tim <id anggota lama> <id Telegram baru>.")


async def test_kabag_passed_to_the_kasubag_who_proposed_leaves_step_2_to_no_one_and_says_so(
    world: World,
) -> None:
    """Siti (Kasubag) proposed; the case waits at step 2 when the administrator passes the
    Kabag role from Budi to her. She may not review her own proposal (four eyes): the task
    goes to no one, and the administrator is told to appoint a Plh Kabag."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang diperiksa sendiri")
    await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    siti = world["kasubag"].id
    # the reply and the outbox's alert race to the administrator's chat: each by its text
    await world["admin"].send(f"/alihkan kabag 1002 {siti}")
    await s.seen("admin", lambda m: "dialihkan" in m.text)
    told = await s.seen("admin", lambda m: "Tidak ada pejabat yang dapat memutus" in m.text)
    assert f"Berkas #{case}" in told.text and "/plh kabag" in told.text
    await world.drained()
    assert not [
        m
        for m in world["kasubag"].bot_messages
        if f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts)
    ]


SECOND_ROLE_KARO_KABAG = (
    "⚠️ Perhatian: Dr. Ir. Hendra Wijaya, M.P.A. (ID 1003) kini memegang peran Kabag dan "
    "juga peran Karo, yang keduanya memeriksa atau memutuskan dalam rangkaian pemeriksaan "
    "yang sama; satu orang tidak memutuskan dua tingkat pemeriksaan pada berkas yang sama. "
    "Pada langkah 3 (Karo), berkas yang telah ditanganinya sebagai Kabag tidak diteruskan "
    "kepadanya: berkas itu menunggu sampai Bapak/Ibu menetapkan Plh/Plt Karo (/plh karo), "
    "dan Bapak/Ibu diberi tahu setiap berkas demikian. Langkah 9 (Karo) hanya dapat "
    "diputuskan oleh pejabat definitif: yang bersangkutan tetap memutuskannya, dan "
    "keputusannya mencatat bahwa ia telah menangani berkas itu sebagai Kabag. Peran tetap "
    "diberikan; bila tidak dikehendaki, cabut dengan /cabut 1003 kabag."
)


async def test_the_karo_made_kabag_too_is_warned_of_to_the_administrator(world: World) -> None:
    """The administrator passes the Kabag role to Hendra, who is Karo: he would review at
    step 3 what he approved at step 2. The role passes, and the answer warns of it, naming
    both roles and what four eyes does then."""
    answer = await said(world, "admin", "/alihkan kabag 1002 1003")
    assert answer.startswith("Peran Kabag dialihkan dari Budi Santoso"), answer
    assert answer.endswith("\n\n" + SECOND_ROLE_KARO_KABAG), answer
    assert await holder_ids(world, "kabag") == [1003]


async def test_the_karo_who_takes_an_invitation_to_kabag_is_warned_of_to_the_administrator(
    world: World,
) -> None:
    """Hendra (Karo) opens the /undang kabag link: he becomes Kabag too, and the
    administrator's notice that the invitation was used carries the same warning."""
    token = await invitation(world, "kabag")
    admin = world["admin"]
    admin.mark_seen()
    await world["karo"].send(f"/start {token}")
    used = await admin.wait_message(lambda m: "Undangan peran" in m.text, timeout=WAIT)
    assert plain(used.text).endswith("\n\n" + SECOND_ROLE_KARO_KABAG), used.text


async def test_the_kabag_made_plh_karo_is_warned_of_to_the_administrator(world: World) -> None:
    """The administrator appoints Budi, the Kabag, Plh Karo while the Karo is on leave: at
    step 3 he would decide what he approved at step 2. He is appointed, and the answer warns
    of it as /alihkan does: there the case goes to the definitive Karo (step 9, which no
    Plh signs, is not his either way)."""
    answer = await said(world, "admin", f"/plh karo {KABAG} 31-12-2030 cuti tahunan")
    assert "Budi Santoso, S.E., M.Si. (ID 1002) ditetapkan sebagai Plh. Karo" in answer, answer
    assert answer.endswith(
        "\n\n⚠️ Perhatian: Budi Santoso, S.E., M.Si. (ID 1002) kini menjadi Plh. Karo dan "
        "juga memegang peran Kabag, yang keduanya memeriksa atau memutuskan dalam rangkaian pemeriksaan "
        "yang sama; satu orang tidak memutuskan dua tingkat pemeriksaan pada berkas yang sama. "
        "Pada langkah 3 (Karo), berkas yang telah ditanganinya sebagai Kabag tidak diputuskan "
        "olehnya selaku Plh. Karo, melainkan disampaikan kepada pejabat definitif Karo; bila "
        "tidak ada, berkas itu menunggu dan Bapak/Ibu diberi tahu. Penetapan tetap berlaku; "
        "bila tidak dikehendaki, akhiri dengan /akhiri_plh karo."
    ), answer


async def test_the_karo_made_plh_kabag_is_warned_of_to_the_administrator(world: World) -> None:
    """Hendra, the Karo, is appointed Plh Kabag: step 3 of what he approved at step 2 as Plh
    waits for a Plh Karo, and step 9, which only he may sign, is still his."""
    answer = await said(world, "admin", "/plh kabag 1003 31-12-2030 cuti tahunan")
    assert answer.endswith(
        "\n\n⚠️ Perhatian: Dr. Ir. Hendra Wijaya, M.P.A. (ID 1003) kini menjadi Plh. Kabag "
        "dan juga memegang peran Karo, yang keduanya memeriksa atau memutuskan dalam "
        "rangkaian pemeriksaan yang sama; satu orang tidak memutuskan dua tingkat pemeriksaan "
        "pada berkas yang sama. Pada langkah 3 (Karo), berkas yang telah ditanganinya sebagai "
        "Kabag tidak diteruskan kepadanya: berkas itu menunggu sampai Bapak/Ibu menetapkan "
        "Plh/Plt Karo (/plh karo), dan Bapak/Ibu diberi tahu setiap berkas demikian. Langkah "
        "9 (Karo) hanya dapat diputuskan oleh pejabat definitif: yang bersangkutan tetap "
        "memutuskannya, dan keputusannya mencatat bahwa ia telah menangani berkas itu sebagai "
        "Kabag. Penetapan tetap berlaku; bila tidak dikehendaki, akhiri dengan "
        "/akhiri_plh kabag."
    ), answer


async def test_a_plh_with_no_other_role_carries_no_warning(world: World) -> None:
    answer = await said(world, "admin", f"/plh karo {NEW_KABAG} 31-12-2030 cuti tahunan")
    assert "ditetapkan sebagai Plh. Karo" in answer and "Perhatian" not in answer, answer


async def test_a_kabag_passed_to_someone_with_no_other_role_carries_no_warning(
    world: World,
) -> None:
    answer = await said(world, "admin", f"/alihkan kabag 1002 {NEW_KABAG}")
    assert "Perhatian" not in answer


async def test_a_kabag_whose_role_passed_on_cannot_withdraw_the_step_he_approved(
    world: World,
) -> None:
    """Budi, Kabag and (by invitation) also of the team, approves step 2; the administrator
    then passes the Kabag role to Agus. The Tarik kembali button of Budi's decision goes; a
    press of it still in flight and /tarik are both refused politely, and the case stays
    with the Karo: step 2 is now Agus's, whom Budi cannot take it back from."""
    s = Script(world, WAIT)
    token = await invitation(world, "tim")
    budi = world["kabag"]
    await budi.send(f"/start {token}")
    await budi.wait_message(lambda m: "Tim" in m.text, timeout=WAIT)
    await world["admin"].wait_message(lambda m: "Undangan peran" in m.text, timeout=WAIT)
    case = await s.submit("Usulan yang berpindah pemegang")
    decided = await s.press("kabag", "Setujui", case)
    await world.emu.wait_until(lambda: "Tarik kembali" in str(decided.button_texts), timeout=WAIT)
    stored = await case_of(world, case)
    withdraw = f"w:{case}:{stored.step}:{stored.version}"
    assert "dialihkan" in await said(world, "admin", f"/alihkan kabag 1002 {NEW_KABAG}")
    await world.drained()
    await world.emu.wait_until(lambda: not decided.button_texts, timeout=WAIT)
    pressed = await budi.press_data(decided, withdraw, timeout=WAIT)
    assert pressed.text is not None and "tidak lagi memegang peran Kabag" in pressed.text
    refused = await said(world, "kabag", f"/tarik {case}")
    assert refused.startswith("Mohon maaf, Bapak/Ibu tidak lagi memegang peran Kabag")
    await world.drained()
    after = await case_of(world, case)
    assert (after.step, after.version) == (stored.step, stored.version)
    events = await world.services.db.read(repo.load_events, case)
    assert not [e for e in events if e.type is EventType.WITHDRAWN]


async def test_the_karo_whose_role_an_invitation_passed_on_is_told_and_so_is_the_administrator(
    world: World,
) -> None:
    """The administrator's /undang karo link is opened by someone else first (forwarded,
    or leaked): the role passes to him, with Karo's waiting task. Hendra is told, as by
    /alihkan, that his Karo role went to the newcomer and the task with it; the
    administrator learns who used the link, and that Hendra no longer holds the role."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan saat undangan Karo dipakai")
    await s.approve("kabag", case)
    karo = world["karo"]
    task = await s.seen("karo", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    token = await invitation(world, "karo")
    admin = world["admin"]
    admin.mark_seen()
    karo.mark_seen()
    stranger = world.emu.user(4242, "Orang", username="orang_lain")
    await stranger.send(f"/start {token}")
    await stranger.wait_message(lambda m: "terdaftar sebagai Karo" in m.text, timeout=WAIT)
    told = await karo.wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
    assert plain(told.text) == (
        "🔁 Peran Karo Bapak/Ibu telah dialihkan oleh administrator kepada @orang_lain. "
        "Sebanyak 1 tugas yang sedang berjalan kini menjadi tugas yang bersangkutan; tombol "
        "pada pesan tugas sebelumnya tidak berlaku lagi."
    )
    used = await admin.wait_message(lambda m: "Undangan peran" in m.text, timeout=WAIT)
    assert plain(used.text) == (
        "🔗 Undangan peran Karo telah digunakan oleh @orang_lain (ID 4242). Peran tersebut "
        "tidak lagi dipegang oleh Dr. Ir. Hendra Wijaya, M.P.A. (ID 1003); yang bersangkutan "
        "telah diberi tahu. Sebanyak 1 tugas yang sedang berjalan kini menjadi tugas pemegang "
        "peran yang baru."
    )
    await world.drained()
    await world.emu.wait_until(lambda: not task.button_texts, timeout=WAIT)
    unit = world.config.organisation.unit
    assert await world.services.db.read(repo.active_roles, 1003, unit) == frozenset()


async def test_an_invitation_to_the_team_tells_its_administrator_who_joined(world: World) -> None:
    """An invitation to the team's role (several hold it) takes it from no one: the
    administrator who made it learns who joined, and no member hears of it."""
    token = await invitation(world, "tim")
    admin = world["admin"]
    admin.mark_seen()
    ayu = world["tim1"]
    before = len(ayu.bot_messages)
    newcomer = world.emu.user(4343, "Rina")
    await newcomer.send(f"/start {token}")
    used = await admin.wait_message(lambda m: "Undangan peran" in m.text, timeout=WAIT)
    assert plain(used.text) == "🔗 Undangan peran Tim Penyusunan telah digunakan oleh ID 4343."
    await world.drained()
    assert len(ayu.bot_messages) == before


async def test_the_administrator_withdraws_an_invitation_sent_to_the_wrong_person(
    world: World,
) -> None:
    """The administrator sent a /undang karo link to the wrong chat. /undangan lists the
    invitations nobody has used, each with a button that ends it; once pressed, whoever
    opens the link is told it is not valid, and Karo keeps his role."""
    token = await invitation(world, "karo")
    admin = world["admin"]
    listed = await said(world, "admin", "/undangan")
    assert "Peran Karo" in listed and "belum digunakan" in listed
    message = admin.last_bot_message
    assert message is not None and len(message.button_texts) == 1
    admin.mark_seen()
    admin.press(message, message.button_texts[0], timeout=WAIT)
    done = await admin.wait_message(lambda m: "dibatalkan" in m.text, timeout=WAIT)
    assert "Undangan untuk peran Karo" in done.text and "tidak berlaku lagi" in done.text
    await world.emu.wait_until(lambda: not message.button_texts, timeout=WAIT)
    stranger = world.emu.user(4244, "Orang")
    await stranger.send(f"/start {token}")
    refused = await stranger.wait_message(timeout=WAIT)
    assert "tidak berlaku" in refused.text.lower() or "tidak valid" in refused.text.lower()
    unit = world.config.organisation.unit
    assert await world.services.db.read(repo.active_roles, 1003, unit) == frozenset({"karo"})
    assert "Tidak ada undangan" in await said(world, "admin", "/undangan")


async def test_undangan_shows_the_list_as_it_now_is_once_an_invitation_is_withdrawn(
    world: World,
) -> None:
    """Three invitations are open. The administrator withdraws the Kabag's from /undangan:
    the same message now lists the two left, numbered again, with their count; once the
    last is withdrawn it says there is none."""
    for role in ("karo", "kabag", "tim"):
        await invitation(world, role)
    admin = world["admin"]
    listed = await said(world, "admin", "/undangan")
    assert ": 3 undangan" in listed
    message = admin.last_bot_message
    assert message is not None
    kabag = next(label for label in message.button_texts if label.startswith("2."))
    admin.mark_seen()
    admin.press(message, kabag, timeout=WAIT)
    await admin.wait_message(lambda m: "dibatalkan" in m.text, timeout=WAIT)
    await world.emu.wait_until(lambda: ": 2 undangan" in message.text, timeout=WAIT)
    assert "Peran Kabag" not in message.text
    assert re.findall(r"^(\d+)\. Peran (\w+)", message.text, re.MULTILINE) == [
        ("1", "Karo"),
        ("2", "Tim"),
    ]
    assert [label.split(".")[0] for label in message.button_texts] == ["1", "2"]
    for _ in range(2):
        admin.press(message, message.button_texts[0], timeout=WAIT)
        await world.emu.wait_until(lambda: len(message.button_texts) < 2, timeout=WAIT)
    await world.emu.wait_until(lambda: plain(message.text) == t.NO_OPEN_INVITES, timeout=WAIT)
    assert message.button_texts == []


async def test_an_invitation_typed_with_a_persons_id_says_the_link_is_for_whoever_opens_it(
    world: World,
) -> None:
    """The administrator types /undang kabag 1007, meaning the link for Agus: an invitation
    names no one (whoever opens the link first takes the role), so none is made and the
    answer says so, with the usage; /undang kabag alone makes it."""
    answer = await said(world, "admin", f"/undang kabag {ACTING.telegram_id}")
    assert answer.startswith(
        "Undangan tidak ditujukan kepada ID tertentu: tautannya berlaku bagi siapa pun yang "
        "pertama membukanya. Buat undangan dengan /undang kabag, lalu kirimkan tautannya "
        "kepada pegawai yang dimaksud.\n\nPenggunaan: /undang"
    ), answer
    assert await world.services.people.open_invites() == []
    assert (await said(world, "admin", "/undang kabag")).startswith("Tautan undangan")


async def test_an_invitation_is_withdrawn_from_its_own_message_and_only_by_an_administrator(
    world: World,
) -> None:
    """The reply to /undang carries the button too; a Kabag who presses a forwarded copy's
    button is refused and the invitation still holds."""
    await invitation(world, "kabag")
    admin = world["admin"]
    message = admin.last_bot_message
    assert message is not None and message.button_texts == ["🚫 Batalkan undangan"]
    kabag = world["kabag"]
    data = str(message.buttons[0][0][1])
    pressed = await kabag.press_data(kabag.last_bot_message or 0, data, timeout=WAIT)
    assert pressed.text is not None and "administrator" in pressed.text
    assert "Peran Kabag" in await said(world, "admin", "/undangan")


async def test_a_plh_kabag_who_joins_as_kabag_by_invitation_acts_no_more_as_plh(
    world: World,
) -> None:
    """Agus is Plh Kabag and holds step 2 when he uses an invitation to the Kabag role: the
    role passes to him from Budi, his appointment ends and the administrator is told so;
    his task stays one message, now as Kabag's, and his decision is recorded as Kabag's."""
    s = Script(world, WAIT)
    agus = world["plh"]
    answer = await said(world, "admin", f"/plh kabag {ACTING.telegram_id} 31-12-2030 cuti")
    assert "ditetapkan sebagai Plh. Kabag" in answer
    case = await s.submit("Usulan saat Plh menjadi Kabag")
    await s.seen("plh", lambda m: f"Berkas #{case}" in m.text and "selaku Plh. Kabag" in m.text)
    token = await invitation(world, "kabag")
    world["admin"].mark_seen()
    await agus.send(f"/start {token}")
    used = await world["admin"].wait_message(lambda m: "telah digunakan" in m.text, timeout=WAIT)
    assert plain(used.text).endswith(
        "Penetapan yang bersangkutan sebagai Plh. Kabag berakhir karena yang bersangkutan "
        "kini memegang peran tersebut sebagai pejabat definitif."
    )
    await world.drained()

    def tasks() -> list[str]:
        return [
            m.text
            for m in agus.bot_messages
            if f"Berkas #{case}" in m.text and "Langkah 2 dari 12" in m.text and m.button_texts
        ]

    await world.emu.wait_until(lambda: "selaku Plh." not in tasks()[-1], timeout=WAIT)
    assert len(tasks()) == 1
    await s.approve("plh", case)
    events = await world.services.db.read(repo.load_events, case)
    decided = next(e for e in events if e.step == 2 and e.type is EventType.APPROVED)
    assert (decided.actor, decided.role, "acting" in decided.data) == (NEW_KABAG, "kabag", False)


async def test_cabut_of_the_karo_while_a_plh_acts_says_the_plh_holds_the_tasks(
    world: World,
) -> None:
    """Agus is Plh Karo and holds step 3 when the administrator revokes the definitive
    Karo: the task is the Plh's and goes on, so the answer says no task waits for a new
    holder and who holds them, until when."""
    s = Script(world, WAIT)
    await said(world, "admin", f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
    case = await s.submit("Usulan saat Karo dicabut")
    await s.approve("kabag", case)
    await s.seen("plh", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    answer = await said(world, "admin", "/cabut 1003 karo")
    assert answer == (
        "Peran Karo milik Dr. Ir. Hendra Wijaya, M.P.A. (ID 1003) telah dicabut.\n"
        "Peran Karo kini tidak dipegang siapa pun. Plh. Karo Drs. Agus Salim, M.Si. (ID 1007) "
        "tetap menerima tugas peran ini sampai 31 Desember 2030. Undang pejabat baru dengan "
        "/undang karo."
    )
    await s.approve("plh", case)
    assert (await case_of(world, case)).step == 4


async def test_cabut_or_alihkan_of_the_plh_karo_points_to_akhiri_plh(world: World) -> None:
    """Agus is Plh Karo; the administrator, to let him go, types /cabut and then /alihkan
    with his id as if he held the role: both answers say he is the Plh, not the Karo,
    until when, and that /akhiri_plh karo ends it. Nothing changes."""
    await said(world, "admin", f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
    plh = (
        f"{ACTING.name} (ID {ACTING.telegram_id}) tidak memegang peran Karo sebagai pejabat "
        "definitif; yang bersangkutan adalah Plh. Karo sampai 31 Desember 2030. Penetapan "
        "itu diakhiri dengan /akhiri_plh karo."
    )
    assert await said(world, "admin", f"/cabut {ACTING.telegram_id} karo") == plh
    assert await said(world, "admin", f"/alihkan karo {ACTING.telegram_id} 1002") == plh
    assert await holder_ids(world, "karo") == [1003]
    [appointment] = await world.services.acting.listing()
    assert appointment.person_id == ACTING.telegram_id
    assert appointment.in_force(world.services.clock.now())


def menu_of(world: World, person: str) -> list[str]:
    """The command menu Telegram shows the person in their chat with the bot."""
    uid = world[person].id
    return [c["command"] for c in world.emu.menu(uid, uid)]


OFFICIALS_MENU = [c.command for c in COMMANDS]
ADMINS_MENU = OFFICIALS_MENU + [c.command for c in ADMIN_COMMANDS]


async def test_an_administrator_taken_out_of_the_config_loses_the_administrators_menu(
    tmp_path: Path,
) -> None:
    """The operator takes the administrator out of config.toml (Budi, Kabag, stays one) and
    restarts the bot: Telegram keeps a chat's menu until the bot deletes it, so the start
    deletes the administrators' commands from the former administrator's menu, which shows
    the officials' commands again. A start that cannot reach Telegram for it still starts,
    and the next one deletes it."""
    async with World(tmp_path, admins=[ADMIN_ID, KABAG]) as world:
        await world.everyone_starts()
        assert menu_of(world, "admin") == menu_of(world, "kabag") == ADMINS_MENU
        await world.stop_bot()
        world.config_sections["admins"] = [KABAG]
        world.config = world.reload_config()
        world.emu.faults.fail(2, status=502, method="deleteMyCommands")
        await world.start_bot()
        await said(world, "admin", "/saya")  # the bot runs
        assert menu_of(world, "admin") == ADMINS_MENU  # not deleted yet
        await world.stop_bot()
        await world.start_bot()
        assert menu_of(world, "admin") == OFFICIALS_MENU
        assert menu_of(world, "kabag") == ADMINS_MENU
        # deleted once: the next start leaves the chat alone
        await world.stop_bot()
        deletes = len(world.emu.calls_to("deleteMyCommands"))
        await world.start_bot()
        assert len(world.emu.calls_to("deleteMyCommands")) == deletes + 1  # the default scope's
        assert menu_of(world, "admin") == OFFICIALS_MENU


async def test_a_former_administrator_who_taps_an_administrators_command_loses_the_menu(
    world: World,
) -> None:
    """An earlier release left the administrators' menu in Siti's chat (she was one then) and
    kept no record of it: she taps /undang in it, is told only an administrator may, and
    the administrators' commands leave her menu."""
    kasubag = world["kasubag"]
    await kasubag.send("/start")
    await kasubag.wait_message(timeout=WAIT)
    assert world.app is not None
    scope = BotCommandScopeChat(kasubag.id)
    await world.app.bot.set_my_commands(COMMANDS + ADMIN_COMMANDS, scope=scope)
    assert menu_of(world, "kasubag") == ADMINS_MENU
    assert await said(world, "kasubag", "/undang tim") == t.ADMIN_ONLY
    await world.emu.wait_until(lambda: menu_of(world, "kasubag") == OFFICIALS_MENU, timeout=WAIT)
    # tapped again, and again: the menu is not deleted a second time (one call a run)
    deletes = len(world.emu.calls_to("deleteMyCommands"))
    for _ in range(2):
        assert await said(world, "kasubag", "/peran") == t.ADMIN_ONLY
    await world.drained()
    assert len(world.emu.calls_to("deleteMyCommands")) == deletes


async def three_hundred_in_the_team(world: World) -> None:
    """After years of use: 300 staff ("Pegawai Nomor 0" .. 299, ids 50,000 on) hold the
    team's role."""
    unit, now = world.config.organisation.unit, world.services.clock.now()

    def team(tx: Tx) -> None:
        for i in range(300):
            repo.ensure_person(tx, 50_000 + i, now)
            repo.update_profile(tx, 50_000 + i, now=now, changed_by=None, name=f"Pegawai Nomor {i}")
            repo.grant_role(tx, 50_000 + i, "tim", unit, now, ADMIN_ID)

    await world.services.db.write(team)


async def test_peran_of_a_bureau_with_300_team_members_lists_every_one_and_every_section(
    world: World,
) -> None:
    """After years of use 300 staff hold the team's role. The administrator's /peran comes
    in several messages, in order, each within Telegram's 4,096 characters: every member by
    name and id, the Fungsional Umum after them, and the Plh/Plt section at the end."""
    admin = world["admin"]
    await three_hundred_in_the_team(world)
    assert "ditetapkan" in await said(world, "admin", "/plh karo 1007 31-12-2030 cuti")
    admin.mark_seen()
    before = len(admin.bot_messages)
    await admin.send("/peran")
    await admin.wait_message(lambda m: "Pelaksana Harian" in m.text, timeout=WAIT)
    parts = [m.text for m in admin.bot_messages[before:]]
    assert len(parts) > 1 and all(len(part) <= t.MAX_MESSAGE for part in parts)
    assert parts[0].startswith("Pemegang peran")
    whole = "\n".join(parts)
    assert all(f"Pegawai Nomor {i} ({50_000 + i})" in whole for i in range(300))
    assert "Tim Penyusunan (302 orang):" in whole  # Ayu and Rudi of the demo, and the 300
    assert whole.index("Pegawai Nomor 299") < whole.index("Fungsional Umum:")
    assert "Plh. Karo" in parts[-1] and "dipersingkat" not in whole


async def test_peran_whose_second_message_telegram_refuses_stops_there_and_says_so(
    world: World,
) -> None:
    """The administrator's /peran of 300 team members takes several messages; Telegram
    refuses the second (a server error). The administrator does not get the later parts as
    if the list were whole with a hole in it: the answer stops after the first part, and a
    notice says it broke off at part 2 and to ask again. Asked again, it arrives whole."""
    admin = world["admin"]
    await three_hundred_in_the_team(world)
    await world.drained()
    admin.mark_seen()
    before = len(admin.bot_messages)
    world.emu.faults.fail(1, status=500, method="sendMessage", chat_id=admin.id, skip=1)
    await admin.send("/peran")
    notice = await admin.wait_message(lambda m: "tidak terkirim seluruhnya" in m.text, timeout=WAIT)
    await asyncio.sleep(1.5)  # time for a third part to come, if one were still sent
    texts = [m.text for m in admin.bot_messages[before:]]
    assert texts[0].startswith("Pemegang peran")
    assert len(texts) == 2 and texts[1] == notice.text, texts
    assert "bagian 2 dari" in notice.text and "Silakan mengulangi perintah" in notice.text
    assert "Pegawai Nomor 299" not in "\n".join(texts)  # no later part after the hole
    # asked again, with Telegram well: every part, in order, and no notice
    admin.mark_seen()
    before = len(admin.bot_messages)
    await admin.send("/peran")

    def whole() -> str:
        return "\n".join(m.text for m in admin.bot_messages[before:])

    await world.emu.wait_until(lambda: "Fungsional Umum:" in whole(), timeout=WAIT)
    assert len(admin.bot_messages[before:]) > 2 and "tidak terkirim seluruhnya" not in whole()
    assert all(f"Pegawai Nomor {i} ({50_000 + i})" in whole() for i in range(300))


async def test_undangan_of_25_open_invitations_goes_by_pages_and_the_last_can_be_withdrawn(
    world: World,
) -> None:
    """25 invitations to the team are still open. /undangan says how many, shows ten with a
    withdraw button each and page buttons; on the last page the 25th is withdrawn, and its
    link no longer admits anyone."""
    unit, now = world.config.organisation.unit, world.services.clock.now()

    def invitations(tx: Tx) -> None:
        for i in range(1, 26):
            made = now - timedelta(minutes=26 - i)
            repo.create_invite(tx, f"tok{i:02d}", "tim", unit, ADMIN_ID, made, now + timedelta(7))

    await world.services.db.write(invitations)
    admin = world["admin"]
    listed = await said(world, "admin", "/undangan")
    assert "25 undangan (halaman 1 dari 3)" in listed
    message = admin.last_bot_message
    assert message is not None
    assert [label.split(".")[0] for label in message.button_texts[:10]] == [
        str(n) for n in range(1, 11)
    ]
    assert message.button_texts[10:] == ["›", "»"]
    admin.press(message, "»", timeout=WAIT)
    await world.emu.wait_until(lambda: "halaman 3 dari 3" in message.text, timeout=WAIT)
    assert re.findall(r"^(\d+)\. Peran", message.text, re.MULTILINE) == [
        str(n) for n in range(21, 26)
    ]
    last = next(label for label in message.button_texts if label.startswith("25."))
    admin.mark_seen()
    admin.press(message, last, timeout=WAIT)
    await admin.wait_message(lambda m: "dibatalkan" in m.text, timeout=WAIT)
    assert [i.token for i in await world.services.people.open_invites()][-1] == "tok24"
    assert "24 undangan (halaman 1 dari 3)" in await said(world, "admin", "/undangan")


async def holder_ids(world: World, role: str) -> list[int]:
    unit = world.config.organisation.unit
    return [p.telegram_id for p in await world.services.db.read(repo.holders, unit, role)]


async def restart(world: World) -> None:
    """The bot restarted (an update, a reboot) with the same config."""
    await world.stop_bot()
    await world.start_bot()
    await world.drained()


def config_people(**roles: list[str]) -> list[dict[str, object]]:
    """The demo's [[people]], with some officials' roles changed (by their key)."""
    return [
        {"telegram_id": p.telegram_id, "name": p.name, "roles": roles.get(p.key, list(p.roles))}
        for p in (*OFFICIALS, ACTING)
    ]


async def test_a_kabag_named_in_the_config_stays_revoked_after_a_restart(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Budi (Kabag, named in [[people]]) moves to another bureau: /cabut 1002 kabag. The bot
    is restarted: Budi is not Kabag again (the config only seeds the first holders), and
    the log tells the operator what the config says, what the database says, and what to
    do."""
    answer = await said(world, "admin", "/cabut 1002 kabag")
    assert "telah dicabut" in answer
    with caplog.at_level(logging.WARNING, logger="bot.services.people"):
        await restart(world)
    assert await holder_ids(world, "kabag") == []
    assert "Kabag: belum ada" in await said(world, "admin", "/peran")
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.services.people"]
    assert len(warned) == 1
    assert "people[1] names ID 1002 as holder of the role 'kabag'" in warned[0]
    assert "taken from them" in warned[0] and "/alihkan" in warned[0]


async def test_a_kabag_role_passed_on_has_one_holder_after_a_restart(world: World) -> None:
    """/alihkan kabag 1002 1007, then a restart: Kabag (one holder at a time) is Agus's
    alone, and a new case's step 2 reaches Agus, not Budi."""
    assert "dialihkan" in await said(world, "admin", f"/alihkan kabag {KABAG} {NEW_KABAG}")
    await restart(world)
    assert await holder_ids(world, "kabag") == [NEW_KABAG]
    s = Script(world, WAIT)
    case = await s.submit("Usulan setelah bot dimulai ulang")
    await s.seen("plh", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    await world.drained()
    assert not [m for m in world["kabag"].bot_messages if f"Berkas #{case}" in m.text]


async def test_a_kabag_role_passed_on_by_invitation_stays_with_the_newcomer_after_a_restart(
    world: World,
) -> None:
    """Wulan joins with the /undang kabag link: the role passed from Budi stays hers
    after a restart."""
    token = await invitation(world, "kabag")
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(lambda m: "terdaftar sebagai Kabag" in m.text, timeout=WAIT)
    await restart(world)
    assert await holder_ids(world, "kabag") == [2001]


async def test_a_role_given_in_the_config_to_a_newcomer_is_seeded_where_it_is_vacant(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The Kabag role was revoked from Budi; the operator names Agus Kabag in [[people]]
    and restarts: a vacant role is seeded (Agus never held it). A config that names Agus
    Karo too, which Hendra holds, leaves Karo to Hendra, with a warning."""
    await said(world, "admin", f"/cabut {KABAG} kabag")
    await world.stop_bot()
    world.config_sections["people"] = config_people(plh=["kabag", "karo"])
    world.config = world.reload_config()
    with caplog.at_level(logging.WARNING, logger="bot.services.people"):
        await world.start_bot()
    assert await holder_ids(world, "kabag") == [NEW_KABAG]
    assert await holder_ids(world, "karo") == [1003]
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.services.people"]
    assert [w for w in warned if "'karo'" in w and "held by ID 1003" in w]
    assert not [w for w in warned if "'kabag'" in w and "ID 1007" in w]


async def test_the_administrator_who_opens_his_own_kabag_link_is_told_he_took_the_role(
    world: World,
) -> None:
    """The administrator tries the /undang kabag link he just made ("does it work?") while
    step 2 waits for Budi: he becomes Kabag and Budi's task comes to him. His welcome says
    so: the role passed from Budi, who was told, with the one waiting task."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan saat administrator mencoba tautan")
    await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    token = await invitation(world, "kabag")
    admin = world["admin"]
    admin.mark_seen()
    before = len(admin.bot_messages)
    await admin.send(f"/start {token}")
    welcome = plain(
        (await admin.wait_message(lambda m: "Selamat datang" in m.text, timeout=WAIT)).text
    )
    assert welcome.startswith(
        "Selamat datang. Bapak/Ibu terdaftar sebagai Kabag. Peran ini dialihkan kepada "
        "Bapak/Ibu dari Budi Santoso, S.E., M.Si.; yang bersangkutan tidak lagi memegang "
        "peran tersebut dan telah diberi tahu. Sebanyak 1 tugas yang sedang berjalan kini "
        "menjadi tugas Bapak/Ibu.\n\n"
    )
    await s.seen("admin", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    assert await holder_ids(world, "kabag") == [ADMIN_ID]
    # the welcome that explains the task comes before the task and its documents
    assert "Selamat datang" in admin.bot_messages[before].text


async def test_the_kabag_who_opens_a_kabag_invitation_leaves_it_for_his_successor(
    world: World,
) -> None:
    """The administrator sends the link for Budi's successor to Budi by mistake while step
    2 waits for him. Budi holds the role already: the invitation is not used (nothing
    passes, the administrator is told nothing), Budi's welcome says so, his task stays as
    it was, and Wulan joins with the same link."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan menjelang pergantian Kabag")
    task = await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and bool(m.button_texts))
    token = await invitation(world, "kabag")
    budi, admin = world["kabag"], world["admin"]
    budi.mark_seen()
    await world.drained()
    seen = admin.received_count(), budi.received_count()
    await budi.send(f"/start {token}")
    welcome = plain((await budi.wait_message(timeout=WAIT)).text)
    assert welcome.startswith(
        "Bapak/Ibu telah memegang peran Kabag sehingga tautan undangan ini tidak digunakan; "
        "tautan tersebut tetap berlaku bagi pegawai yang diundang.\n\nPetunjuk Penggunaan"
    )
    await world.drained()
    assert (admin.received_count(), budi.received_count()) == (seen[0], seen[1] + 1)
    assert t.BTN_APPROVE in task.button_texts
    assert len(await world.services.people.open_invites()) == 1
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(lambda m: "terdaftar sebagai Kabag" in m.text, timeout=WAIT)
    assert await holder_ids(world, "kabag") == [2001]


async def test_an_invitation_that_passes_the_role_from_a_kabag_who_never_opened_the_bot(
    tmp_path: Path,
) -> None:
    """At a first deployment Budi, named Kabag in [[people]], has never pressed Start when
    Wulan joins with the administrator's /undang kabag link: the role passes from Budi, but
    Telegram refuses to write to him. Neither Wulan's welcome nor the administrator's note
    says Budi was told; the note asks that he press Start, and when he does, the notice
    reaches him."""
    async with World(tmp_path) as world:
        await world["admin"].send("/start")  # Budi never opened the bot
        await world["admin"].wait_message(timeout=WAIT)
        token = await invitation(world, "kabag")
        admin = world["admin"]
        admin.mark_seen()
        wulan = world.emu.user(2002, "Wulan", username="wulan")
        await wulan.send(f"/start {token}")
        welcome = plain((await wulan.wait_message(timeout=WAIT)).text)
        assert welcome.startswith(
            "Selamat datang. Bapak/Ibu terdaftar sebagai Kabag. Peran ini dialihkan kepada "
            "Bapak/Ibu dari Budi Santoso, S.E., M.Si.; yang bersangkutan tidak lagi memegang "
            "peran tersebut. Budi Santoso, S.E., M.Si. belum pernah membuka bot sehingga belum "
            "dapat diberi tahu; pemberitahuannya akan disampaikan setelah yang bersangkutan "
            "menekan Start.\n\n"
        ), welcome
        used = await admin.wait_message(lambda m: "Undangan peran" in m.text, timeout=WAIT)
        assert plain(used.text) == (
            "🔗 Undangan peran Kabag telah digunakan oleh @wulan (ID 2002). Peran tersebut "
            f"tidak lagi dipegang oleh Budi Santoso, S.E., M.Si. (ID {KABAG}). ⚠️ Budi Santoso, "
            f"S.E., M.Si. (ID {KABAG}) belum pernah membuka bot sehingga belum dapat diberi "
            "tahu: mohon minta yang bersangkutan menekan Start agar pesan dapat disampaikan."
        )
        budi = world["kabag"]
        await budi.send("/start")
        told = await budi.wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)
        assert plain(told.text).startswith(
            "🔁 Peran Kabag Bapak/Ibu telah dialihkan oleh administrator kepada @wulan."
        )


async def test_a_newcomer_whose_invitation_passed_a_vacant_role_is_told_of_no_one(
    world: World,
) -> None:
    """The Kabag role was revoked; the next Kabag joins with the /undang kabag link: the
    welcome names no one the role passed from."""
    await said(world, "admin", f"/cabut {KABAG} kabag")
    token = await invitation(world, "kabag")
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    welcome = await wulan.wait_message(lambda m: "terdaftar sebagai" in m.text, timeout=WAIT)
    assert plain(welcome.text).startswith(
        "Selamat datang. Bapak/Ibu terdaftar sebagai Kabag.\n\nSebelum memulai"
    )


async def test_the_role_history_lists_a_role_passed_on_as_moved_not_as_revoked(
    world: World,
) -> None:
    """The administrator passes the Kabag role from Budi to Agus (/alihkan) and revokes
    Dewi's Fungsional Umum (/cabut): /peran's history says Budi's Kabag was passed on to
    Agus, and only Dewi's role revoked."""
    await said(world, "admin", f"/alihkan kabag {KABAG} {NEW_KABAG}")
    await said(world, "admin", "/cabut 1006 fungsional_umum")
    history = (await said(world, "admin", "/peran")).split("Riwayat pencabutan", 1)[1]
    assert (
        f"Budi Santoso, S.E., M.Si. (ID {KABAG}) — Kabag dialihkan kepada {ACTING.name} "
        f"(ID {NEW_KABAG}) pada "
    ) in history, history
    assert "Kabag dicabut" not in history
    assert "Dewi Anggraini (ID 1006) — Fungsional Umum dicabut pada " in history


async def test_the_role_history_lists_a_team_place_passed_to_a_member_as_moved(
    world: World,
) -> None:
    """The administrator passes Ayu's team role to Rudi, who is in the team already
    (/alihkan): /peran's history says Ayu's role was passed on to Rudi, not revoked (the
    move granted Rudi nothing new, and read as a /cabut)."""
    await said(world, "admin", "/alihkan tim 1004 1005")
    history = (await said(world, "admin", "/peran")).split("Riwayat pencabutan", 1)[1]
    assert (
        "Ayu Lestari, S.Kom. (ID 1004) — Tim Penyusunan dialihkan kepada Rudi Hartono, S.E. "
        "(ID 1005) pada "
    ) in history, history
    assert "dicabut" not in history


async def test_the_role_history_lists_a_role_passed_by_invitation_as_moved(
    world: World,
) -> None:
    """Wulan opens the /undang kabag link: the role passes to her from Budi, as her welcome
    says ("dialihkan kepada Bapak/Ibu dari Budi"). /peran's history says so too, not that
    Budi's Kabag was revoked."""
    token = await invitation(world, "kabag")
    wulan = world.emu.user(2001, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(lambda m: "dialihkan kepada Bapak/Ibu" in m.text, timeout=WAIT)
    await world.drained()
    history = (await said(world, "admin", "/peran")).split("Riwayat pencabutan", 1)[1]
    # named by her id: she has not typed her name yet
    moved = f"Budi Santoso, S.E., M.Si. (ID {KABAG}) — Kabag dialihkan kepada ID 2001 pada "
    assert moved in history, history
    assert "dicabut" not in history


async def test_the_revocation_history_names_the_role_as_officials_read_it(world: World) -> None:
    """/peran's "Riwayat pencabutan" names the role by its name (Fungsional Umum), as every
    other line of /peran does; a role an older SOP revision defined keeps its id."""
    unit = world.config.organisation.unit

    def held_in_an_older_revision(tx: Tx) -> None:
        now = world.services.clock.now()
        repo.grant_role(tx, 1004, "bendahara", unit, now, ADMIN_ID)
        repo.revoke_role(tx, 1004, "bendahara", unit, now, ADMIN_ID)

    await world.services.db.write(held_in_an_older_revision)
    await said(world, "admin", "/cabut 1006 fungsional_umum")
    history = (await said(world, "admin", "/peran")).split("Riwayat pencabutan", 1)[1]
    assert "Dewi Anggraini (ID 1006) — Fungsional Umum dicabut" in history
    assert "fungsional_umum" not in history
    assert "— bendahara dicabut" in history
