"""Acting officials through the real bot: Plh and Plt appointed, routed, recorded, ended.

Karo goes on leave; the administrator appoints a Plh Karo with /plh. While the period runs,
Karo's tasks go to the Plh, who decides as "Plh. Karo" and signs papers as such; Karo is told
and may still act. A strategic step (signing the RKAKL) still goes to Karo, and a Kabag who
is Plh Karo never decides step 3 of a proposal he approved at step 2 (four eyes). The period
ends by itself at midnight after its last day (office time), also while the bot is stopped.
"""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from e2e_helpers import case_of
from host_clock import RunningClock

from bot import texts as t
from bot.clock import ManualClock
from bot.core.model import Approve, FourEyes
from bot.core.nip import printed_nip
from bot.demo import ACTING, ADMIN_ID, OFFICIALS, Script, World, draft, play_acting
from bot.export import export_case
from emulator import EmuMessage
from handlers.admin import _split_period
from storage import repo
from storage.db import Tx

JAKARTA = ZoneInfo("Asia/Jakarta")
ID = {p.key: p.telegram_id for p in (*OFFICIALS, ACTING)}
PEOPLE = {p.key: p for p in (*OFFICIALS, ACTING)}
BLANK_DRAFTS = ("program-kerja", "rkakl", "penetapan-kinerja")
WAIT = 15.0


def wib(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


async def to_step_3(world: World, s: Script, title: str = "Usulan PK") -> int:
    case = await s.new_case(title, 2027)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await s.press("kasubag", "Ajukan", case)
    await s.approve("kabag", case)
    return case


async def plh_takes_a_waiting_step_3(world: World, s: Script, until: str = "31-12-2030") -> int:
    """Karo's step 3 waits (his task has arrived) when a Plh Karo is appointed (to
    ``until``), who then receives it."""
    case = await to_step_3(world, s)
    await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
    await appoint(world, f"/plh karo {ACTING.telegram_id} {until} cuti tahunan")
    await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
    return case


async def plh_typing_a_reason_at_step_3(world: World, s: Script) -> tuple[int, EmuMessage]:
    """A Plh Karo, appointed before the proposal reached step 3, pressed Kembalikan there
    and is asked for the reason: the case, and the message that asks."""
    await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
    case = await to_step_3(world, s)
    await s.press("plh", "Kembalikan", case)
    asked = await s.seen("plh", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
    return case, asked


def plt_karo_8_to_9_december(telegram_id: int, **extra: str) -> dict[str, object]:
    """A Plt Karo named in the config's [[acting]], for 8 and 9 December 2026."""
    return {
        "role": "karo",
        "telegram_id": telegram_id,
        "kind": "plt",
        "from": "2026-12-08",
        "until": "2026-12-09",
        "reason": "kekosongan jabatan",
        **extra,
    }


async def appoint(world: World, text: str) -> EmuMessage:
    admin = world["admin"]
    await admin.send(text)
    return await admin.wait_message(
        lambda m: "ditetapkan" in m.text or "Penggunaan" in m.text, timeout=WAIT
    )


def task_of(world: World, who: str, case: int, step: int) -> list[EmuMessage]:
    return [
        m
        for m in world[who].bot_messages
        if f"Berkas #{case}" in m.text and f"Langkah {step} dari 12" in m.text and m.button_texts
    ]


async def four_eyes_refuse_approval(world: World, case: int, who: str) -> None:
    """An approval sent straight to the service (past the buttons the bot did not show)
    is refused by the core: four eyes."""
    current = await case_of(world, case)
    assert current is not None
    with pytest.raises(FourEyes):
        await world.services.cases.execute(case, Approve(current.version), ID[who])


def paper_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "\n".join(parts)


async def test_a_plh_karo_decides_step_3_and_the_papers_say_plh_with_his_nip(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        confirm = await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        # the administrator reads the name, and no sentence opens with "0 tugas"
        assert confirm.text == (
            f"{ACTING.name} (ID {ACTING.telegram_id}) ditetapkan sebagai Plh. Karo sampai "
            "31 Desember 2030. Tidak ada tugas yang sedang berjalan untuk dialihkan. Pejabat "
            "definitif telah diberi tahu."
        )
        told = await world["karo"].wait_message(
            lambda m: "ditetapkan sebagai" in m.text, timeout=WAIT
        )
        assert "Drs. Agus Salim" in told.text and "tetap dapat" in told.text
        # the reason is the definitive Karo's, in a sentence of its own; no "0 tugas"
        assert "sampai 31 Desember 2030. Alasan penetapan: cuti tahunan." in told.text
        assert "Tugas-tugas Karo selama masa tersebut disampaikan kepada yang bersangkutan." in (
            told.text
        )
        assert "0 tugas" not in told.text and "kepadanya" not in told.text
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        assert "selaku Plh. Karo" in task_of(world, "plh", case, 3)[-1].text
        assert not task_of(world, "karo", case, 3), "Karo is on leave: the task goes to the Plh"
        await s.approve("plh", case)
        await world.drained()
        events = await world.services.db.read(repo.load_events, case)
        decided = next(e for e in events if e.step == 3 and e.type.value == "approved")
        assert (decided.actor, decided.role, decided.data["acting"]) == (
            ACTING.telegram_id,
            "karo",
            "plh",
        )
        files = await world.services.db.read(repo.files_of_case, case)
        disposisi = next(
            f for f in files if f.name.startswith("disposisi") and "langkah3" in f.name
        )
        text = paper_text(world.services.files.resolve(disposisi.path).read_bytes())
        assert "Plh. Kepala Biro Perencanaan dan Manajemen Kinerja" in text and ACTING.name in text
        pemeriksaan = next(
            f for f in files if f.name.startswith("pemeriksaan") and "langkah3" in f.name
        )
        text = paper_text(world.services.files.resolve(pemeriksaan.path).read_bytes())
        assert (
            "Plh. Kepala Biro Perencanaan dan Manajemen Kinerja" in text
            and printed_nip(ACTING.nip) in text
        )
        await world["kabag"].send(f"/status {case}")
        status = await world["kabag"].wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
        assert "selaku Plh. Karo" in status.text


async def test_four_eyes_a_kabag_who_is_plh_karo_does_not_decide_step_3(tmp_path: Path) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ID['kabag']} 31-12-2030 dinas luar Karo")
        case = await to_step_3(world, s)  # Kabag approved step 2
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        task = task_of(world, "karo", case, 3)[-1]
        assert t.WHY_FOUR_EYES.split(";")[0][2:] in task.text
        notice = await world["kabag"].wait_message(
            lambda m: f"Berkas #{case}" in m.text and "tidak perlu" in m.text, timeout=WAIT
        )
        assert "satu orang" in notice.text
        assert not task_of(world, "kabag", case, 3)
        # a command by the Kabag at step 3 all the same is refused by the core
        await four_eyes_refuse_approval(world, case, "kabag")
        await s.approve("karo", case)
        assert (await case_of(world, case)).step == 4


async def test_a_kabag_who_is_plh_karo_cannot_put_off_the_reminders_of_step_3_karo_decides(
    tmp_path: Path,
) -> None:
    """Budi, Plh Karo, approved step 2 as Kabag: step 3 goes to the definitive Karo (four
    eyes), and its reminders with it. Budi's /tunda is refused as anyone's who does not
    carry out the step; Hendra's is granted."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ID['kabag']} 31-12-2030 dinas luar Karo")
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        for who, answer in (
            ("kabag", f"Mohon maaf, pengingat Berkas #{case} hanya dapat ditunda oleh pelaksana"),
            ("karo", f"Pengingat Berkas #{case} ditunda sampai"),
        ):
            official = world[who]
            official.mark_seen()
            await official.send(f"/tunda {case} 3h")
            said = await official.wait_message(lambda m: "Berkas #" in m.text, timeout=WAIT)
            assert said.text.startswith(answer), who
        chases = await world.services.db.read(repo.chases_of_case, case)
        assert [(c.kind, c.person_id) for c in chases] == [("snooze", ID["karo"])]


async def test_a_plh_appointed_while_a_task_waits_receives_its_documents_then_the_task(
    tmp_path: Path,
) -> None:
    """Karo's step 3 already waits when the administrator appoints a Plh Karo: the Plh
    receives the Rencana Kerja the step reviews and the Lembar Disposisi of step 2, before
    the task, as Karo did."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await plh_takes_a_waiting_step_3(world, s)
        plh = world["plh"].bot_messages
        task_id = task_of(world, "plh", case, 3)[0].message_id
        received = [m.document["file_name"] for m in plh if m.document and m.message_id < task_id]
        karo = [m.document["file_name"] for m in world["karo"].bot_messages if m.document]
        assert "Konsep Rencana Kerja.docx" in received
        assert [n for n in received if n.startswith("disposisi")], "the Disposisi instructs him"
        assert set(karo) >= set(received)


async def test_a_plh_appointed_while_two_proposals_wait_reads_his_appointment_before_them(
    tmp_path: Path,
) -> None:
    """Two proposals wait at step 3 when the administrator appoints a Plh Karo. At a
    message a second in a chat, their documents and tasks take several seconds to arrive
    (a minute for twenty): the Plh first reads that he is Plh Karo and that two tasks are
    his, then receives them."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = [await to_step_3(world, s, f"Usulan {n}") for n in (1, 2)]
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 3) for c in cases), timeout=WAIT
        )
        plh = world["plh"]
        before = plh.received_count()
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        await world.emu.wait_until(
            lambda: all(task_of(world, "plh", c, 3) for c in cases), timeout=WAIT
        )
        await world.drained()
        received = [e.snapshot for e in plh.deliveries.entries if e.kind == "message"][before:]
        assert len(received) == 1 + 2 * 3, received  # the appointment; 2 documents, a task each
        assert received[0].startswith("👤 Bapak/Ibu ditetapkan sebagai Plh. Karo"), received[0]
        assert "Sebanyak 2 tugas" in received[0]


async def test_a_plh_typing_a_return_reason_is_told_when_the_definitive_karo_decides(
    tmp_path: Path,
) -> None:
    """The Plh Karo presses Kembalikan and is asked for the reason; meanwhile Karo, back in
    the office, approves. The Plh is told the step needs nothing more from him, and the
    reason he then sends is not taken as a decision."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case, _ = await plh_typing_a_reason_at_step_3(world, s)
        # Karo opens the task from /tugas and approves
        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/tugas")
        listing = await karo.wait_message(lambda m: f"#{case}" in m.text, timeout=WAIT)
        await karo.press(listing, next(b for b in listing.button_texts if f"#{case}" in b))
        await s.approve("karo", case)
        told = await world["plh"].wait_message(
            lambda m: f"Berkas #{case}" in m.text and "tidak perlu ditindaklanjuti" in m.text,
            timeout=WAIT,
        )
        assert "Langkah 3" in told.text or "langkah 3" in told.text
        await world["plh"].send("Mohon dilengkapi rinciannya.")
        await world.drained()
        stored = await case_of(world, case)
        assert stored.step == 4
        events = await world.services.db.read(repo.load_events, case)
        assert not [e for e in events if e.type.value == "returned"]


async def test_when_the_plh_ends_karo_has_one_task_message_with_buttons(tmp_path: Path) -> None:
    """Karo kept his task message while the Plh acted (he may still decide). When the
    appointment ends early, the task comes back to him as one message: the one he kept
    loses its buttons, and only one shows Setujui."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await plh_takes_a_waiting_step_3(world, s)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/akhiri_plh karo")
        ended = await admin.wait_message(timeout=WAIT)
        assert ended.text == (
            f"Penetapan {ACTING.name} (ID {ACTING.telegram_id}) sebagai Plh. Karo diakhiri; "
            "tugas yang sedang berjalan kembali kepada pejabat definitif."
        )
        await world.drained()
        await world.emu.wait_until(lambda: not task_of(world, "plh", case, 3), timeout=WAIT)
        assert len(task_of(world, "karo", case, 3)) == 1
        await s.approve("karo", case)
        assert (await case_of(world, case)).step == 4


async def test_a_proposal_that_reached_step_3_under_the_plh_comes_back_to_karo_with_its_documents(
    tmp_path: Path,
) -> None:
    """The Plh Karo is appointed before the proposal reaches step 3, so only the Plh
    receives the Rencana Kerja and the Lembar Disposisi. When the period ends, the task
    comes back to Karo with those documents before it, as any task he receives: he has
    to review them."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        await world.drained()
        karo = world["karo"]
        assert not [m for m in karo.bot_messages if m.document], "Karo had none meanwhile"
        await world["admin"].send("/akhiri_plh karo")
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        await world.drained()
        task_id = task_of(world, "karo", case, 3)[0].message_id
        received = [
            m.document["file_name"]
            for m in karo.bot_messages
            if m.document and m.message_id < task_id
        ]
        assert "Konsep Rencana Kerja.docx" in received
        assert [n for n in received if n.startswith("disposisi")], "the Disposisi instructs him"
        assert len(received) == len(set(received)), "each once"


async def test_a_plh_whose_period_ends_while_typing_a_reason_loses_the_question(
    tmp_path: Path,
) -> None:
    """The Plh Karo presses Kembalikan; the administrator ends the appointment before he
    sends the reason. The question ends with its buttons, he is told his period ended, and
    the reason he then sends returns nothing."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case, asked = await plh_typing_a_reason_at_step_3(world, s)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/akhiri_plh karo")
        await admin.wait_message(timeout=WAIT)
        await world.drained()
        await world.emu.wait_until(lambda: not asked.button_texts, timeout=WAIT)
        # the message shows the task again, with a line that the question no longer stands
        await world.emu.wait_until(lambda: t.QUESTION_LAPSED_TEXT in asked.text, timeout=WAIT)
        assert "silakan ketik" not in asked.text and f"Berkas #{case}" in asked.text
        assert await world.services.db.read(repo.get_dialogue, ACTING.telegram_id) is None
        await world["plh"].send("Mohon dilengkapi rinciannya.")
        await world.drained()
        assert (await case_of(world, case)).step == 3
        events = await world.services.db.read(repo.load_events, case)
        assert not [e for e in events if e.type.value == "returned"]


async def test_a_kasubag_who_is_plh_kabag_does_not_approve_her_own_proposal(
    tmp_path: Path,
) -> None:
    """The Kabag is away and the Kasubag is appointed Plh Kabag. She submits a proposal:
    step 2 reviews her own proposal, so it goes to the definitive Kabag, and she is told
    why she does not hold it."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh kabag {ID['kasubag']} 31-12-2030 dinas luar Kabag")
        case = await s.submit("Usulan yang diajukan Plh Kabag")
        await world.emu.wait_until(lambda: bool(task_of(world, "kabag", case, 2)), timeout=WAIT)
        notice = await world["kasubag"].wait_message(
            lambda m: f"Berkas #{case}" in m.text and "tidak perlu" in m.text, timeout=WAIT
        )
        assert "usulannya sendiri" in notice.text
        assert not task_of(world, "kasubag", case, 2)
        await s.approve("kabag", case)
        assert (await case_of(world, case)).step == 3


async def plh_kabag_proposal_returned_by_karo(world: World, s: Script) -> int:
    """The Kasubag, Plh Kabag, proposes; the definitive Kabag approves step 2; the Karo
    returns step 3 to step 2 "Mohon diselaraskan dengan Renstra."."""
    await world.everyone_starts()
    await appoint(world, f"/plh kabag {ID['kasubag']} 31-12-2030 dinas luar Kabag")
    case = await s.submit("Usulan yang diajukan Plh Kabag")
    await world.emu.wait_until(lambda: bool(task_of(world, "kabag", case, 2)), timeout=WAIT)
    await s.approve("kabag", case)
    await s.review_return("karo", case, "Mohon diselaraskan dengan Renstra.")
    return case


async def test_a_plh_kabag_proposal_the_karo_returns_goes_again_to_the_definitive_kabag(
    tmp_path: Path,
) -> None:
    """The Kasubag is Plh Kabag and proposes; the definitive Kabag approves step 2; the
    Karo returns step 3 to step 2. It is still her proposal: step 2 goes to the definitive
    Kabag again (with why the Plh does not hold it), she is told again, her Approve is
    refused, and the Kabag's approval takes it on to the Karo."""
    async with World(tmp_path) as world:
        s = Script(world)
        case = await plh_kabag_proposal_returned_by_karo(world, s)

        def told() -> list[EmuMessage]:
            return [
                m
                for m in world["kasubag"].bot_messages
                if f"Berkas #{case}" in m.text
                and "usulannya sendiri" in m.text
                and "tidak perlu" in m.text
            ]

        def returned_task() -> list[EmuMessage]:
            return [m for m in task_of(world, "kabag", case, 2) if "Renstra" in m.text]

        await world.emu.wait_until(lambda: bool(returned_task()), timeout=WAIT)
        await world.emu.wait_until(lambda: len(told()) == 2, timeout=WAIT)  # once each pass
        [task] = returned_task()
        assert t.WHY_FOUR_EYES.split(";")[0][2:] in task.text
        assert not task_of(world, "kasubag", case, 2)
        assert (await case_of(world, case)).step == 2
        await four_eyes_refuse_approval(world, case, "kasubag")
        await s.approve("kabag", case)
        assert (await case_of(world, case)).step == 3


async def test_a_plh_kabag_who_proposed_it_cannot_send_the_corrected_konsep_the_kabag_approves(
    tmp_path: Path,
) -> None:
    """The Kasubag is Plh Kabag and proposes; the Karo returns step 3 to the Kabag "untuk
    diperbaiki". The corrected Konsep the Kabag's level sends is what it then approves, so
    it is not hers to send either: her Rencana Kerja is refused (no step asks her for a
    document), the Kabag approves the Konsep as it was and the Karo reviews that one."""
    async with World(tmp_path) as world:
        s = Script(world)
        case = await plh_kabag_proposal_returned_by_karo(world, s)
        await s.seen("kabag", lambda m: "Perbaikan Konsep Rencana Kerja" in m.text)

        await s.upload(
            "kasubag", case, "Rencana Kerja.docx", draft("Rencana Kerja versi Plh", 2),
            expect="tidak ada langkah yang memerlukan unggahan dokumen",
        )  # fmt: skip
        await s.approve("kabag", case)
        await world.drained()
        current = await case_of(world, case)
        konsep = current.latest("konsep_rencana_kerja")
        assert current.step == 3
        assert konsep is not None and (konsep.version, konsep.by) == (1, ID["kasubag"])


async def test_the_demo_period_plh_told_at_step_9_and_the_definitive_karo_signs(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        case = await play_acting(world)
        await world.drained()
        current = await case_of(world, case)
        assert current.status.value == "archived"
        signature = next(a for a in current.approvals if a.kind == "signature")
        assert (signature.by, signature.acting) == (ID["karo"], "")
        told = [
            m
            for m in world["plh"].bot_messages
            if f"Berkas #{case}" in m.text and "pejabat definitif" in m.text
        ]
        assert told and not told[-1].button_texts
        # his task said why it came to him (his decided record says what he decided)
        shown = [
            str(call.params.get("text", ""))
            for call in world.emu.calls_to("sendMessage") + world.emu.calls_to("editMessageText")
            if call.ok and call.params.get("chat_id") == ID["karo"]
        ]
        assert any(f"Berkas #{case}" in t and "Langkah 9 dari 12" in t for t in shown)
        assert any("Langkah 9 dari 12" in t and "strategis" in t for t in shown)


async def papers_of(world: World, case: int, prefix: str) -> dict[str, bytes]:
    """The papers of the case whose file names start with ``prefix``, by name."""
    files = await world.services.db.read(repo.files_of_case, case)
    return {
        f.name: world.services.files.resolve(f.path).read_bytes()
        for f in files
        if f.kind == "paper" and f.name.startswith(prefix)
    }


async def blank_drafts(world: World, case: int) -> dict[str, str]:
    """The blank Program Kerja, RKAKL and Penetapan Kinerja the team received at step 6, by
    name: their text."""
    await world.emu.wait_until(
        lambda: any(
            f"Berkas #{case}" in m.text and "Langkah 6 dari 12" in m.text
            for m in world["tim1"].bot_messages
        ),
        timeout=WAIT,
    )
    await world.drained()
    drafts = {}
    for kind in BLANK_DRAFTS:
        for name, data in (await papers_of(world, case, f"{kind}-B{case}-kerangka")).items():
            drafts[name] = paper_text(data)
    assert len(drafts) == len(BLANK_DRAFTS), list(drafts)
    received = [m.document["file_name"] for m in world["tim1"].bot_messages if m.document]
    assert set(drafts) <= set(received), "the team works on these"
    return drafts


async def test_the_blank_drafts_handed_out_under_a_plh_karo_name_the_definitive_karo_who_signs(
    tmp_path: Path,
) -> None:
    """A Plh Karo is in force when the team receives its blank Program Kerja, RKAKL and
    Penetapan Kinerja (step 6). Karo signs them at step 9, which is definitive only: a Plh
    takes no strategic decision on budget allocation (UU 30/2014 Pasal 14 ayat (7)). The
    drafts are made out for the definitive Karo, who will sign them, not for the Plh."""
    karo = PEOPLE["karo"]
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        case = await to_step_3(world, s)
        await s.approve("plh", case)  # step 3 is not strategic: the Plh decides it
        await s.press("kabag", "Teruskan", case)
        await s.press("kasubag", "Ayu", case)
        await s.press("kasubag", "Tetapkan tim", case)
        for name, text in (await blank_drafts(world, case)).items():
            assert karo.name in text and printed_nip(karo.nip) in text, name
            assert ACTING.name not in text and printed_nip(ACTING.nip) not in text, name
            assert "Plh." not in text and "PLH." not in text.upper(), name


@pytest.mark.parametrize(
    ("plh_kabag", "initials"),
    [("plh", "plh"), ("kasubag", "kabag")],
    ids=["a-plh-kabag-initials-step-8", "a-kasubag-who-is-plh-kabag-initials-step-7-only"],
)
async def test_the_kabag_on_a_blank_draft_is_whoever_will_initial_it_at_step_8(
    tmp_path: Path, plh_kabag: str, initials: str
) -> None:
    """A Plh Kabag is in force when the team receives the blank drafts. Kabag initials them
    at step 8, which a Plh may decide: the draft's paraf table names the Plh Kabag, as
    "Plh. Kepala Bagian ...". A Kasubag who is Plh Kabag initials the drafts at step 7
    herself; four eyes gives step 8 to the definitive Kabag, whom the draft names then."""
    plh, kabag = PEOPLE[plh_kabag], PEOPLE[initials]
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await to_step_3(world, s)
        await s.approve("karo", case)
        await s.press("kabag", "Teruskan", case)
        await appoint(world, f"/plh kabag {plh.telegram_id} 31-12-2030 dinas luar Kabag")
        await s.press("kasubag", "Ayu", case)
        await s.press("kasubag", "Tetapkan tim", case)
        for name, text in (await blank_drafts(world, case)).items():
            assert kabag.name in text, name
            if initials == "plh":
                assert "Plh. Kepala Bagian Manajemen Kinerja" in text, name
                assert PEOPLE["kabag"].name not in text, name
            else:
                assert "Plh." not in text, name


def addressee(data: bytes) -> str:
    """The Lembar Disposisi's "Diteruskan kepada": the cell that opens with "Yth."."""
    document = Document(io.BytesIO(data))
    rows = [row for table in document.tables for row in table.rows]
    cells: list[str] = [cell.text for row in rows for cell in row.cells]
    return next(c for c in cells if c.startswith("Yth."))


@pytest.mark.parametrize(
    ("plh_karo", "gets_step_3"),
    [("plh", "plh"), ("kabag", "karo")],
    ids=["a-plh-karo-gets-step-3", "four-eyes-gives-step-3-to-the-definitive-karo"],
)
async def test_the_disposisi_of_step_2_is_addressed_to_whoever_gets_step_3(
    tmp_path: Path, plh_karo: str, gets_step_3: str
) -> None:
    """The Kabag's Lembar Disposisi of step 2 goes with step 3 to the Karo it instructs, and
    is addressed to him. A Plh Karo from another division gets step 3: "Yth. Plh. Kepala
    Biro ...". When the Kabag himself is Plh Karo, four eyes gives step 3 to the definitive
    Karo: the Disposisi is addressed to Karo, not to its own sender as Plh Karo."""
    to = PEOPLE[gets_step_3]
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ID[plh_karo]} 31-12-2030 dinas luar Karo")
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, gets_step_3, case, 3)), timeout=WAIT)
        await world.drained()
        ((name, data),) = (await papers_of(world, case, f"disposisi-B{case}-langkah2")).items()
        received = [m.document["file_name"] for m in world[gets_step_3].bot_messages if m.document]
        assert name in received
        yth = addressee(data)
        assert to.name in yth, yth
        assert PEOPLE["kabag"].name in paper_text(data)  # the sender, "Surat dari"
        if gets_step_3 == "plh":
            assert yth.startswith("Yth. Plh. Kepala Biro Perencanaan dan Manajemen Kinerja"), yth
        else:
            assert "Plh." not in yth and PEOPLE["kabag"].name not in yth, yth


async def test_a_period_from_the_config_routes_in_and_out_at_midnight_office_time(
    tmp_path: Path,
) -> None:
    clock = ManualClock(wib(2026, 12, 7, 9))  # a Monday
    acting = [plt_karo_8_to_9_december(ACTING.telegram_id, letter="KEP.7/SJ/XII/2026")]
    async with World(tmp_path, clock=clock, acting=acting) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        clock.set(wib(2026, 12, 7, 23, 59))
        await world.services.acting.route_due()
        await world.drained()
        assert not task_of(world, "plh", case, 3), "moved before the period began"
        clock.set(wib(2026, 12, 8, 0, 0))
        assert await world.services.acting.route_due() == 1
        await world.drained()
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        assert "Plt. Karo" in task_of(world, "plh", case, 3)[-1].text
        clock.set(wib(2026, 12, 9, 23, 59))
        assert await world.services.acting.route_due() == 0
        clock.set(wib(2026, 12, 10, 0, 0))  # midnight after the last day
        assert await world.services.acting.route_due() == 1
        await world.drained()
        plh_task = task_of(world, "plh", case, 3)
        assert not plh_task, "the Plt's buttons stay after the period"
        back = [m for m in world["karo"].bot_messages if t.ACTING_TASK_BACK[3:40] in m.text]
        assert back and back[-1].button_texts


async def test_a_period_ends_while_the_bot_is_stopped_and_tasks_move_back_at_start(
    tmp_path: Path,
) -> None:
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 07-12-2026 rapat di luar kota")
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        await world.stop_bot()
        clock.set(wib(2026, 12, 8, 8, 30))
        await world.start_bot()
        await world.drained()
        await world.emu.wait_until(
            lambda: any(t.ACTING_TASK_BACK[3:40] in m.text for m in world["karo"].bot_messages),
            timeout=WAIT,
        )
        assert not task_of(world, "plh", case, 3)
        await s.approve("karo", case)
        assert (await case_of(world, case)).step == 4


async def test_with_the_sweep_once_a_day_the_plh_period_ends_at_midnight_not_a_day_later(
    tmp_path: Path,
) -> None:
    """The sweep's interval is a day (``reminders.check_every_seconds = 86400``). A Plh Karo
    to Monday 6 July holds Karo's step 3; the bot is restarted a few seconds before midnight.
    At midnight the task comes back to Karo, not at the next sweep a day later."""
    clock = RunningClock(wib(2026, 7, 6, 9))  # Monday
    async with World(tmp_path, clock=clock, reminders={"check_every_seconds": 86400}) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await plh_takes_a_waiting_step_3(world, s, until="06-07-2026")
        await world.stop_bot()
        clock.set(wib(2026, 7, 6, 23, 59) + timedelta(seconds=56))
        await world.start_bot()
        karo = world["karo"]
        back = await karo.wait_message(lambda m: t.ACTING_TASK_BACK[3:40] in m.text, timeout=10)
        assert clock.now() >= wib(2026, 7, 7, 0, 0)
        assert back.button_texts and not task_of(world, "plh", case, 3)


async def test_a_plh_period_ended_on_a_clock_run_ahead_runs_again_and_ends_on_its_day(
    tmp_path: Path,
) -> None:
    """A Plh Karo to 8 December. On Monday a bad time server puts the host's clock two days
    ahead for a while: the sweep takes the period for ended and gives Karo his waiting task
    back. Set back to Monday 10.00, the period runs again: the sweep gives the task to the
    Plh once more, and a proposal that reaches step 3 goes to him. At the true end of the
    period, midnight after 8 December, both come back to Karo: the Plh keeps no buttons."""
    clock = ManualClock(wib(2026, 12, 7, 9))  # Monday
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        waiting = await plh_takes_a_waiting_step_3(world, s, until="08-12-2026")
        clock.set(wib(2026, 12, 9, 9))  # two days ahead
        assert await world.services.acting.route_due() == 1
        await world.drained()
        await world.emu.wait_until(lambda: not task_of(world, "plh", waiting, 3), timeout=WAIT)
        clock.set(wib(2026, 12, 7, 10))  # set back to the true time
        assert await world.services.acting.route_due() == 1  # the sweep
        await world.drained()
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", waiting, 3)), timeout=WAIT)
        reached = await to_step_3(world, s, "Usulan PK kedua")
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", reached, 3)), timeout=WAIT)
        clock.set(wib(2026, 12, 9, 0, 0))
        assert await world.services.acting.route_due() == 1
        await world.drained()
        await world.emu.wait_until(
            lambda: not task_of(world, "plh", waiting, 3) and not task_of(world, "plh", reached, 3),
            timeout=WAIT,
        )
        assert task_of(world, "karo", waiting, 3) and task_of(world, "karo", reached, 3)
        await s.approve("karo", reached)
        assert (await case_of(world, reached)).step == 4


async def test_a_plh_period_ended_on_a_clock_run_ahead_ends_on_its_day_without_a_sweep_between(
    tmp_path: Path,
) -> None:
    """As above, but no sweep runs between the set-back and the true end of the period (the
    sweep's interval is long): the proposal that reached step 3 meanwhile went to the Plh,
    and at the true end it comes back to Karo all the same."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 08-12-2026 cuti")
        clock.set(wib(2026, 12, 9, 9))
        assert await world.services.acting.route_due() == 1
        await world.drained()
        clock.set(wib(2026, 12, 7, 10))
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        clock.set(wib(2026, 12, 9, 0, 0))
        assert await world.services.acting.route_due() == 1
        await world.drained()
        await world.emu.wait_until(lambda: not task_of(world, "plh", case, 3), timeout=WAIT)
        assert task_of(world, "karo", case, 3)


async def test_a_plh_ended_or_given_on_a_clock_run_ahead_holds_as_given_after_it_is_set_back(
    tmp_path: Path,
) -> None:
    """While the host's clock runs two days ahead, the administrator ends the Plh Karo with
    /akhiri_plh and appoints Dewi Plh Kabag with /plh. Set back to the true time, the one
    given is in force from now, not from two days on (step 2 goes to Dewi), and the one
    ended stays ended (step 3 goes to Karo, not to the former Plh)."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2026 cuti tahunan")
        clock.set(wib(2026, 12, 9, 9))
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/akhiri_plh karo")
        await admin.wait_message(lambda m: "diakhiri" in m.text, timeout=WAIT)
        await appoint(world, f"/plh kabag {ID['fu']} 31-12-2026 dinas luar")
        await world.drained()
        clock.set(wib(2026, 12, 7, 10))
        await world.services.acting.route_due()  # the sweep
        await world.drained()
        case = await s.new_case("Usulan PK", 2027)
        await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
        await s.press("kasubag", "Ajukan", case)
        await world.emu.wait_until(lambda: bool(task_of(world, "fu", case, 2)), timeout=WAIT)
        await s.approve("fu", case)
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        assert not task_of(world, "plh", case, 3)


async def restart_with(world: World, acting: list[dict[str, object]]) -> None:
    """The administrator edits the config's [[acting]] and restarts the bot."""
    await world.stop_bot()
    world.config_sections["acting"] = acting
    world.config = world.reload_config()
    await world.start_bot()
    await world.drained()


async def karo_appointments(world: World) -> list[repo.Appointment]:
    unit = world.config.organisation.unit
    return [a for a in await world.services.db.read(repo.appointments, unit) if a.role == "karo"]


async def test_a_plh_named_in_the_config_without_a_first_day_is_recorded_once(
    tmp_path: Path,
) -> None:
    """The config names a Plh Karo until 11 December, without a first day: he acts from the
    office's day the bot first reads it (7 December in Jakarta, whatever the host's date),
    and a restart the next day records him no second time nor tells him twice."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    plh = {"role": "karo", "telegram_id": ACTING.telegram_id, "kind": "plh", "until": "2026-12-11"}
    async with World(tmp_path, clock=clock, acting=[plh]) as world:
        await world.everyone_starts()
        await world.drained()
        clock.set(wib(2026, 12, 8, 9))
        await restart_with(world, [plh])
        [appointment] = await karo_appointments(world)
        assert (appointment.starts_at, appointment.ends_at) == (
            wib(2026, 12, 7, 0),
            wib(2026, 12, 12, 0),
        )
        told = [m for m in world["plh"].bot_messages if "ditetapkan sebagai" in m.text]
        assert len(told) == 1, [m.text for m in told]


async def test_a_planned_plt_taken_out_of_the_config_never_comes_into_force(
    tmp_path: Path,
) -> None:
    """A Plt Karo for 8 and 9 December is in the config; on the 7th the appointment is
    called off, the entry taken out and the bot restarted: on the 8th Karo keeps his
    tasks, and the administrator may appoint a Plh for those days with /plh."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(
        tmp_path, clock=clock, acting=[plt_karo_8_to_9_december(ACTING.telegram_id)]
    ) as world:
        await world.everyone_starts()
        await restart_with(world, [])
        clock.set(wib(2026, 12, 8, 9))
        await world.services.acting.route_due()
        unit = world.config.organisation.unit
        assert await world.services.db.read(repo.acting_for, unit, "karo", clock.now()) is None
        assert not [m for m in world["plh"].bot_messages if "ditetapkan sebagai" in m.text]
        kabag = next(p for p in OFFICIALS if p.key == "kabag")
        answer = await appoint(world, f"/plh karo {kabag.telegram_id} 09-12-2026 rapat")
        assert "ditetapkan" in answer.text


async def test_a_plt_in_force_taken_out_of_the_config_ends_and_karo_has_his_task_back(
    tmp_path: Path,
) -> None:
    clock = ManualClock(wib(2026, 12, 8, 9))
    async with World(
        tmp_path, clock=clock, acting=[plt_karo_8_to_9_december(ACTING.telegram_id)]
    ) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        await restart_with(world, [])
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        assert not task_of(world, "plh", case, 3)
        [appointment] = await karo_appointments(world)
        assert appointment.ends_at == clock.now()
        await s.approve("karo", case)
        assert (await case_of(world, case)).step == 4


async def test_a_plt_whose_until_moves_in_the_config_acts_until_the_new_day(
    tmp_path: Path,
) -> None:
    """The Plt Karo's letter is extended to 14 December; the config says so and the bot is
    restarted: the appointment runs to the 14th (it would have ended on the 9th)."""
    clock = ManualClock(wib(2026, 12, 8, 9))
    async with World(
        tmp_path, clock=clock, acting=[plt_karo_8_to_9_december(ACTING.telegram_id)]
    ) as world:
        await world.everyone_starts()
        longer = {**plt_karo_8_to_9_december(ACTING.telegram_id), "until": "2026-12-14"}
        await restart_with(world, [longer])
        [appointment] = await karo_appointments(world)
        assert appointment.ends_at == appointment.planned_end == wib(2026, 12, 15, 0)
        unit = world.config.organisation.unit
        in_force = await world.services.db.read(
            repo.acting_for, unit, "karo", wib(2026, 12, 14, 12)
        )
        assert in_force is not None and in_force.person_id == ACTING.telegram_id


async def in_force(world: World, at: datetime) -> repo.Appointment | None:
    unit = world.config.organisation.unit
    found: repo.Appointment | None = await world.services.db.read(repo.acting_for, unit, "karo", at)
    return found


async def test_a_plt_whose_first_day_moves_in_the_config_acts_from_the_new_day(
    tmp_path: Path,
) -> None:
    """The Plt's letter now says from the 9th: he acts on the 9th (the appointment from
    the 8th is called off first, so the new one does not meet it)."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    entry = plt_karo_8_to_9_december(ACTING.telegram_id)
    async with World(tmp_path, clock=clock, acting=[entry]) as world:
        await world.everyone_starts()
        await restart_with(world, [{**entry, "from": "2026-12-09"}])
        assert await in_force(world, wib(2026, 12, 8, 12)) is None
        acting = await in_force(world, wib(2026, 12, 9, 12))
        assert acting is not None and acting.person_id == ACTING.telegram_id


async def test_a_plt_taken_out_and_put_back_before_his_first_day_takes_the_tasks_then(
    tmp_path: Path,
) -> None:
    clock = ManualClock(wib(2026, 12, 7, 9))
    entry = plt_karo_8_to_9_december(ACTING.telegram_id)
    async with World(tmp_path, clock=clock, acting=[entry]) as world:
        await world.everyone_starts()
        s = Script(world)
        await restart_with(world, [])
        await restart_with(world, [entry])
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        clock.set(wib(2026, 12, 8, 9))
        assert await world.services.acting.route_due() == 1  # the tasks move to him
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        await world.drained()
        assert [m for m in world["plh"].bot_messages if "ditetapkan sebagai" in m.text]


async def test_one_plt_extended_over_the_days_of_another_taken_out(tmp_path: Path) -> None:
    """Agus is Plt Karo on the 8th and 9th, Budi Plh on the 10th and 11th; the config now
    extends Agus to the 11th and drops Budi: Agus acts on the 10th."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    kabag = next(p for p in OFFICIALS if p.key == "kabag")
    agus = plt_karo_8_to_9_december(ACTING.telegram_id)
    budi = {**agus, "telegram_id": kabag.telegram_id, "kind": "plh", "from": "2026-12-10"}
    budi["until"] = "2026-12-11"
    async with World(tmp_path, clock=clock, acting=[agus, budi]) as world:
        await world.everyone_starts()
        await restart_with(world, [{**agus, "until": "2026-12-11"}])
        acting = await in_force(world, wib(2026, 12, 10, 12))
        assert acting is not None and acting.person_id == ACTING.telegram_id


async def test_a_plt_without_a_first_day_leaves_a_later_period_of_his_alone(
    tmp_path: Path,
) -> None:
    """Agus is Plt Karo from the 21st; the config adds, first, Agus until the 11th without
    a first day: he acts now, and still from the 21st."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    later = {**plt_karo_8_to_9_december(ACTING.telegram_id), "from": "2026-12-21"}
    later["until"] = "2026-12-23"
    now = {"role": "karo", "telegram_id": ACTING.telegram_id, "kind": "plt", "until": "2026-12-11"}
    async with World(tmp_path, clock=clock, acting=[later]) as world:
        await world.everyone_starts()
        await restart_with(world, [now, later])
        clock.set(wib(2026, 12, 8, 9))
        await restart_with(world, [now, later])
        assert await in_force(world, clock.now()) is not None
        assert await in_force(world, wib(2026, 12, 22, 12)) is not None
        assert len(await karo_appointments(world)) == 2


async def test_a_config_plt_that_meets_a_plh_given_with_plh_is_not_recorded(tmp_path: Path) -> None:
    """The administrator appointed a Plh Karo with /plh until 8 December; then a Plt Karo
    for the 8th and 9th is put in the config: one acting official at a time, so the Plt is
    not recorded (the log says why), and the Plh goes on."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        kabag = next(p for p in OFFICIALS if p.key == "kabag")
        await appoint(world, f"/plh karo {kabag.telegram_id} 08-12-2026 rapat")
        await restart_with(world, [plt_karo_8_to_9_december(ACTING.telegram_id)])
        assert [a.person_id for a in await karo_appointments(world)] == [kabag.telegram_id]


async def test_budi_as_kabag_and_kasubag_proposes_and_step_2_waits_for_a_plh_kabag(
    tmp_path: Path,
) -> None:
    """Budi holds Kabag and Kasubag. He proposes as Kasubag: no one may review his own
    proposal at step 2 (four eyes), so the task goes to no one (not to Karo, who may not
    decide a Kabag's step either) and the administrator is asked for a Plh Kabag. Budi's
    Kembalikan is refused at once, not after he has typed a reason. The Plh Kabag the
    administrator appoints receives the task and approves it. (Siti is not Kasubag here:
    it is a single-holder role, and the config seeds one holder.)"""
    roles = {"kabag": ["kabag", "kasubag"], "kasubag": []}
    people = [p.entry(roles.get(p.key, list(p.roles))) for p in (*OFFICIALS, ACTING)]
    async with World(tmp_path, people=people) as world:
        await world.everyone_starts()
        s = Script(world)
        budi = world["kabag"]
        case = (await world.services.cases.start_case(budi.id, "Usulan Budi", 2027)).case.id
        await s.upload("kabag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        await s.upload("kabag", case, "TOR.docx", draft("TOR"))
        await s.press("kabag", "Ajukan", case)
        asked = await s.seen("admin", lambda m: "Tidak ada pejabat yang dapat memutus" in m.text)
        assert f"Berkas #{case}" in asked.text and "Langkah 2 dari 12" in asked.text
        assert "Budi Santoso" in asked.text and "/plh kabag" in asked.text
        await world.drained()
        assert not task_of(world, "karo", case, 2) and not task_of(world, "kabag", case, 2)

        budi.mark_seen()
        await budi.send("/tugas")
        listing = await budi.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert "Bapak/Ibu tidak dapat memutuskan langkah ini" in listing.text  # says why it waits
        await budi.press(listing, listing.button_texts[0], timeout=WAIT)
        opened = await budi.wait_message(
            lambda m: "Kembalikan" in " ".join(m.button_texts), timeout=WAIT
        )
        budi.mark_seen()
        answer = await budi.press(opened, "↩️ Kembalikan", timeout=WAIT)
        assert answer.show_alert and "memeriksa usulannya sendiri" in (answer.text or "")
        # whole: not cut at answerCallbackQuery's 200 characters ("dua tingkat pe")
        assert answer.text == t.refusal("four_eyes")
        assert not [m for m in budi.bot_messages if "silakan ketik" in m.text]

        await appoint(world, f"/plh kabag {ACTING.telegram_id} 31-12-2030 penugasan")
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 2)), timeout=WAIT)
        await s.approve("plh", case)
        assert (await case_of(world, case)).step == 3


@pytest.mark.parametrize(
    ("first", "kind", "why"),
    [
        ("/cabut 1001 kasubag", "plt", "kekosongan jabatan"),  # Siti has left: a vacancy
        ("", "plh", "cuti tahunan"),  # Siti is on leave
    ],
)
async def test_the_plh_or_plt_kasubag_opens_a_case_recorded_as_acting(
    tmp_path: Path, first: str, kind: str, why: str
) -> None:
    """Agus acts as Kasubag (a Plt for the vacant post, a Plh while Siti is on leave): he
    opens the proposals, with /baru, as Kasubag would; the case records him as acting, and
    its first step is his."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        if first:
            await world["admin"].send(first)
            await world["admin"].wait_message(timeout=WAIT)
        await appoint(world, f"/{kind} kasubag {ACTING.telegram_id} 31-12-2030 {why}")
        agus = world["plh"]
        agus.mark_seen()
        await agus.send("/baru")
        asked = await agus.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
        await agus.send("Usulan Program Kerja 2027")
        await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
        await agus.send("2027")
        await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
        case = int(asked.text.split("Berkas #", 1)[1].split()[0])
        [started] = await world.services.db.read(repo.load_events, case)
        assert (started.actor, started.data.get("acting")) == (ACTING.telegram_id, kind)
        await Script(world).upload("plh", case, "TOR.docx", draft("TOR"))


async def test_a_kasubag_who_is_plt_of_a_vacant_kabag_proposes_and_the_admin_is_told(
    tmp_path: Path,
) -> None:
    """No one holds Kabag; Siti (Kasubag) is Plt Kabag. She proposes: step 2 may be
    decided by no one (four eyes), and the administrator is told to end her appointment
    first, as /plh would answer that Kabag has one."""
    people = [p.entry() for p in (*OFFICIALS, ACTING) if p.key != "kabag"]
    async with World(tmp_path, people=people) as world:
        await world.everyone_starts()
        s = Script(world)
        siti = next(p for p in OFFICIALS if p.key == "kasubag")
        await appoint(world, f"/plt kabag {siti.telegram_id} 31-12-2030 kekosongan jabatan")
        case = await s.submit("Usulan Plt Kabag")
        told = await s.seen("admin", lambda m: "Tidak ada pejabat yang dapat memutus" in m.text)
        assert f"Berkas #{case}" in told.text and "/akhiri_plh kabag" in told.text
        await world.drained()
        assert not task_of(world, "kasubag", case, 2) and not task_of(world, "karo", case, 2)


async def test_a_plh_for_a_vacant_role_does_not_claim_the_definitive_official_was_told(
    tmp_path: Path,
) -> None:
    """Budi (Kabag) has moved to another bureau (/cabut); the administrator appoints Agus
    Plh Kabag. There is no definitive Kabag to tell: the answer says so and how to invite
    one, not "Pejabat definitif telah diberi tahu". With Karo in office it says he was told."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        admin = world["admin"]
        await admin.send(f"/cabut {ID['kabag']} kabag")
        await admin.wait_message(lambda m: "telah dicabut" in m.text, timeout=WAIT)
        answer = await appoint(world, f"/plh kabag {ACTING.telegram_id} 31-12-2030 kekosongan")
        assert "ditetapkan sebagai Plh. Kabag" in answer.text
        assert "Pejabat definitif telah diberi tahu" not in answer.text
        assert "Peran Kabag tidak memiliki pejabat definitif" in answer.text
        assert "/undang kabag" in answer.text
        await admin.send("/akhiri_plh kabag")
        await admin.wait_message(lambda m: "diakhiri" in m.text, timeout=WAIT)
        answer = await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti")
        assert "Pejabat definitif telah diberi tahu" in answer.text


async def test_a_plh_for_a_karo_who_never_opened_the_bot_does_not_claim_he_was_told(
    tmp_path: Path,
) -> None:
    """The first week of the bot: Karo has not pressed Start yet when the administrator
    appoints a Plh Karo. Telegram refuses to write to him, so the answer says he could not
    be told yet and asks that he press Start; when he does, the notice reaches him."""
    async with World(tmp_path) as world:
        for key, user in world.users.items():
            if key != "karo":
                await user.send("/start")
                await user.wait_message(timeout=WAIT)
        answer = await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti")
        assert "ditetapkan sebagai Plh. Karo" in answer.text
        assert "telah diberi tahu" not in answer.text
        assert f"(ID {ID['karo']}) belum pernah membuka bot" in answer.text
        karo = world["karo"]
        await karo.send("/start")
        await karo.wait_message(lambda m: "Plh" in m.text and "Karo" in m.text, timeout=WAIT)


async def test_bad_appointments_get_the_usage_or_a_clear_reason(tmp_path: Path) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        admin = world["admin"]
        for text, expected in (
            ("/plh", "Penggunaan"),
            ("/plh karo ² 31-12-2030 cuti", "Penggunaan"),
            # an impossible date is named as such, not answered with the usage
            ("/plh karo 1007 31-02-2030 cuti", "Tanggal 31-02-2030 tidak valid"),
            ("/plh karo 1007 31 Februari 2030 cuti", "Tanggal 31 Februari 2030 tidak valid"),
            ("/plh karo 1007 kemarin cuti", "Tanggal kemarin tidak valid"),
            ("/plh tim 1007 31-12-2030 cuti", "Penggunaan"),
            (f"/plh karo {ID['karo']} 31-12-2030 cuti", "pejabat definitif"),
            ("/plh karo 1007 01-01-2020 cuti", "sudah lewat"),
            ("/akhiri_plh karo", "Tidak ada Plh"),
        ):
            await admin.send(text)
            answer = await admin.wait_message(timeout=WAIT)
            assert expected in answer.text, (text, answer.text)
        await world["kasubag"].send("/plh karo 1007 31-12-2030 cuti")
        refused = await world["kasubag"].wait_message(timeout=WAIT)
        assert "administrator" in refused.text
        await appoint(world, "/plh karo 1007 31-12-2030 cuti")
        await admin.send("/plt karo 1006 31-12-2030 cuti")
        busy = await admin.wait_message(timeout=WAIT)
        assert "sudah memiliki" in busy.text
        await admin.send("/peran")
        roles = await admin.wait_message(lambda m: "Pemegang peran" in m.text, timeout=WAIT)
        assert "Plh. Karo" in roles.text and "berlaku" in roles.text
        assert f"{ACTING.name} (ID 1007)" in roles.text  # a name, not only an id
        await world["plh"].send("/saya")
        me = await world["plh"].wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
        assert "Selaku Plh. Karo" in me.text


async def test_a_plh_reads_in_saya_why_and_on_what_letter_he_acts_as_peran_shows_it(
    tmp_path: Path,
) -> None:
    """Agus is appointed Plh Karo for Karo's annual leave on a letter, and the appointment
    is extended on another: /saya shows him, beside the period, the reason and the letter
    of each, as /peran shows them to the administrator (before, only the period)."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        plh = ACTING.telegram_id
        await appoint(world, f"/plh karo {plh} 08-12-2026 cuti tahunan; ND.45/SJ/XII/2026")
        await extend(world, f"/plh karo {plh} 15-12-2026 perpanjangan cuti; ND.50/XII/2026")
        grounds = (
            " — cuti tahunan (ND.45/SJ/XII/2026); diperpanjang sampai 15 Desember 2026 — "
            "perpanjangan cuti (ND.50/XII/2026)"
        )
        listed = (await extend(world, "/peran")).text
        assert f"15 Desember 2026 (berlaku){grounds}" in listed, listed
        agus = world["plh"]
        agus.mark_seen()
        await agus.send("/saya")
        me = await agus.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
        assert (
            "Selaku Plh. Karo: 7 Desember 2026 pukul 09.00 WIB s.d. 15 Desember 2026" + grounds
        ) in me.text, me.text


async def test_an_appointment_without_its_reason_is_refused_and_nobody_acts(
    tmp_path: Path,
) -> None:
    """Each appointment is kept with who appointed whom and why: a /plh or /plt without
    its reason (nothing after the date, or only the letter number after ";") gets the
    usage, and no one acts in the role."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        admin = world["admin"]
        for text in (
            "/plh karo 1007 31-12-2030",
            "/plt karo 1007 31-12-2030 ; ND.1/2026",
            "/plh karo 1007 12 Desember 2030 s.d. 19 Desember 2030 \u200b",
        ):
            admin.mark_seen()
            await admin.send(text)
            answer = await admin.wait_message(timeout=WAIT)
            assert answer.text.startswith("Mohon maaf, alasan penetapan Pl"), text
            assert "Penggunaan: /pl" in answer.text and "&lt;alasan&gt;" not in answer.text
        assert await world.services.acting.listing() == []


async def test_a_plh_period_written_from_to_is_not_cut_to_its_first_day(tmp_path: Path) -> None:
    """The Nota Dinas says "12 Desember 2026 s.d. 19 Desember 2026"; the administrator
    copies it after /plh on 2 December. The Plh acts until the 19th with "cuti" as the
    reason (not until the 12th with "s.d. 19 Desember 2026 cuti"), and the answer says the
    appointment holds from today, not from the 12th. A period that cannot be read (no date
    after "s.d.", or one that ends before it begins) is refused with an example."""
    clock = ManualClock(wib(2026, 12, 2, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        admin = world["admin"]
        for text, typed in (
            ("/plh karo 1007 12 Desember 2026 s.d. cuti", "12 Desember 2026 s.d. cuti"),
            ("/plh karo 1007 19-12-2026 sampai 12-12-2026 cuti", "19-12-2026 sampai 12-12-2026"),
        ):
            admin.mark_seen()
            await admin.send(text)
            refused = await admin.wait_message(timeout=WAIT)
            assert f"Masa tugas {typed} tidak dapat dibaca" in refused.text, refused.text
            assert "12 Desember 2026 s.d. 19 Desember 2026 cuti" in refused.text
        assert await world.services.acting.listing() == []
        answer = await appoint(world, "/plh karo 1007 12 Desember 2026 s.d. 19 Desember 2026 cuti")
        assert "ditetapkan sebagai Plh. Karo sampai 19 Desember 2026" in answer.text
        assert "berlaku sejak hari ini, bukan sejak 12 Desember 2026" in answer.text
        [appointment] = await world.services.acting.listing()
        assert appointment.reason == "cuti"
        assert appointment.ends_at == wib(2026, 12, 20, 0)
        await admin.send("/akhiri_plh karo")
        await admin.wait_message(lambda m: "diakhiri" in m.text, timeout=WAIT)
        # a period that began already, "sampai dengan" written out: no word of today
        answer = await appoint(
            world, "/plt karo 1007 1 Desember 2026 sampai dengan 31 Desember 2026 kekosongan"
        )
        assert "ditetapkan sebagai Plt. Karo sampai 31 Desember 2026" in answer.text
        assert "sejak hari ini" not in answer.text
        assert (await world.services.acting.listing())[-1].reason == "kekosongan"


async def test_a_plh_period_over_new_year_copied_without_years_is_read_as_the_letter_means(
    tmp_path: Path,
) -> None:
    """Karo is on leave over the new year; the Nota Dinas says "28 Desember s.d. 8
    Januari". The administrator, back at work on 4 January 2027, copies it without the
    years: the period began last December and ends on 8 January 2027 (it is not refused
    as a period that ends before it begins, nor read as running from next December)."""
    clock = ManualClock(wib(2027, 1, 4, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        answer = await appoint(world, "/plh karo 1007 28 Desember s.d. 8 Januari cuti tahunan")
        assert "ditetapkan sebagai Plh. Karo sampai 8 Januari 2027" in answer.text, answer.text
        assert "sejak hari ini" not in answer.text  # it began before today
        [appointment] = await world.services.acting.listing()
        assert appointment.reason == "cuti tahunan"
        assert appointment.ends_at == wib(2027, 1, 9, 0)


async def test_a_period_typed_the_wrong_way_round_without_years_is_refused(
    tmp_path: Path,
) -> None:
    """On 8 December 2026 the administrator copies a Nota Dinas in a hurry and swaps its
    days: "19 Desember s.d. 12 Desember", then "5 April s.d. 28 Maret". Neither is read as
    a period of almost a year that began last December or April (a Plh or Plt is appointed
    for three months at most, six with its extension): both are refused as periods that
    cannot be read, and no Plh is appointed. Over the new year a period is still read."""
    clock = ManualClock(wib(2026, 12, 8, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        for period in ("19 Desember s.d. 12 Desember", "5 April s.d. 28 Maret"):
            admin = world["admin"]
            admin.mark_seen()
            await admin.send(f"/plh karo 1007 {period} cuti tahunan")
            refused = (await admin.wait_message(timeout=WAIT)).text
            assert refused.startswith(f"Masa tugas {period} tidak dapat dibaca."), refused
        assert await world.services.acting.listing() == []
    assert _split_period(["1", "Agustus", "s.d.", "31", "Januari", "cuti"], date(2027, 1, 4)) == (
        date(2026, 8, 1),
        date(2027, 1, 31),
        ["cuti"],
    )


def test_a_period_whose_first_day_is_typed_without_its_year_begins_before_its_end() -> None:
    """Read on 4 January 2027: "28 Des - 8 Jan" began on 28 December 2026; a first day
    typed with its year stays as typed (and a period that then ends before it begins is
    not read)."""
    today = date(2027, 1, 4)
    found = _split_period(["28", "Des", "-", "8", "Jan", "cuti"], today)
    assert found == (date(2026, 12, 28), date(2027, 1, 8), ["cuti"])
    found = _split_period(["28-12-2027", "-", "8", "Jan", "cuti"], today)
    assert found == "28-12-2027 - 8 Jan"


async def test_the_plh_examples_still_name_days_to_come_years_after_the_release(
    tmp_path: Path,
) -> None:
    """In March 2028 the administrator sends /plh without its words: the example in the
    usage names a day still to come (31-12-2028, not a day of 2026 that has long passed),
    so that the example typed as shown appoints the Plh instead of being refused as past.
    A period that cannot be read is answered with examples of this year too."""
    clock = ManualClock(wib(2028, 3, 6, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/plh")
        usage = (await admin.wait_message(timeout=WAIT)).text
        assert "2026" not in usage, usage
        example = re.search(r"Contoh: (/plh [^\n]*?) atau", usage)
        assert example is not None, usage
        assert "31-12-2028" in example[1]
        answer = await appoint(world, example[1].replace("1009", "1007"))
        assert "ditetapkan sebagai Plh. Karo sampai 31 Desember 2028" in answer.text, answer.text
        admin.mark_seen()
        await admin.send("/plh karo 1007 19-12-2028 sampai 12-12-2028 cuti")
        refused = (await admin.wait_message(timeout=WAIT)).text
        assert "tidak dapat dibaca" in refused and "2026" not in refused, refused
        assert "12 Desember 2028 s.d. 19 Desember 2028" in refused, refused


@pytest.mark.parametrize("word", ["s.d.", "sd.", "s/d.", "S/D", "sd", "hingga", "-"])
def test_every_spelling_of_s_d_in_a_plh_period_ends_it_on_its_later_day(word: str) -> None:
    """Letters write "s.d." many ways; each ends the period on the later day, with only the
    words after it as the reason."""
    found = _split_period(
        f"12 Desember 2026 {word} 19 Desember 2026 cuti".split(), date(2026, 12, 2)
    )
    assert isinstance(found, tuple)
    first, end, rest = found
    assert (first, end, rest) == (date(2026, 12, 12), date(2026, 12, 19), ["cuti"])


async def test_a_plh_overlapping_a_planned_plt_is_refused(tmp_path: Path) -> None:
    """The config plans a Plt Karo from 8 December; the administrator's /plh karo running
    to the end of the month would overlap it (two acting Karos, tasks with the wrong one):
    refused, naming the planned one. One that ends before it is accepted."""
    clock = ManualClock(wib(2026, 12, 2, 9))
    acting = [plt_karo_8_to_9_december(ID["kabag"])]
    async with World(tmp_path, clock=clock, acting=acting) as world:
        await world.everyone_starts()
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/plh karo {ACTING.telegram_id} 31-12-2026 cuti")
        refused = await admin.wait_message(timeout=WAIT)
        assert "tumpang tindih" in refused.text and f"ID {ID['kabag']}" in refused.text
        admin.mark_seen()
        await admin.send(f"/plh karo {ACTING.telegram_id} 07-12-2026 cuti")
        accepted = await admin.wait_message(timeout=WAIT)
        assert "ditetapkan sebagai Plh. Karo" in accepted.text


async def test_a_reason_or_letter_number_with_a_direction_override_is_refused_and_nobody_acts(
    tmp_path: Path,
) -> None:
    """The administrator's /plh reason carries U+202E (it would show reversed in every later
    message, /peran included); a /plt letter number carries one too, and a reason an escape
    character: each is refused saying why, with the usage, and nobody acts for Karo. The same
    appointment typed plainly is made."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        admin = world["admin"]
        plh = ACTING.telegram_id
        for text, field in (
            (f"/plh karo {plh} 31-12-2030 cuti \u202etahunan", "alasan"),
            (f"/plt karo {plh} 31-12-2030 cuti; ND.12/SJ/\u202eXII/2026", "nomor surat"),
            (f"/plh karo {plh} 31-12-2030 dinas\x1b luar", "alasan"),
            (f"/plh karo {plh} 31 Desember 2030 \u2066cuti\u2069", "alasan"),
        ):
            admin.mark_seen()
            await admin.send(text)
            answer = await admin.wait_message(timeout=WAIT)
            assert answer.text.startswith(f"Mohon maaf, {field} tidak dapat diterima"), answer.text
            assert "karakter kendali atau penanda arah teks" in answer.text
            assert "Penggunaan" in answer.text
        assert await world.services.acting.listing() == []
        confirm = await appoint(world, f"/plh karo {plh} 31-12-2030 cuti; ND.12/SJ/XII/2026")
        assert "ditetapkan sebagai Plh. Karo" in confirm.text


async def test_a_reason_or_letter_number_too_long_is_refused_naming_the_limit_not_cut(
    tmp_path: Path,
) -> None:
    """A /plh reason of 301 characters and a letter number of 101 were cut to 300 and 100
    without a word: refused, naming the limit and the length typed. At the limits themselves
    the appointment is made and keeps every character."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        admin = world["admin"]
        plh = ACTING.telegram_id
        reason = ("cuti tahunan " * 30)[:297] + "ABC"  # 300 characters, the end kept
        letter = "ND." + "1" * 96 + "Z"  # 100 characters
        for text, expected in (
            (
                f"/plh karo {plh} 31-12-2030 {reason}X",
                "Mohon maaf, alasan terlalu panjang (301 karakter); paling banyak 300 karakter.",
            ),
            (
                f"/plh karo {plh} 31-12-2030 cuti; {letter}9",
                "Mohon maaf, nomor surat terlalu panjang (101 karakter); paling banyak 100 "
                "karakter.",
            ),
        ):
            admin.mark_seen()
            await admin.send(text)
            answer = await admin.wait_message(timeout=WAIT)
            assert answer.text.startswith(expected), answer.text
            assert "Penggunaan" in answer.text
        assert await world.services.acting.listing() == []
        confirm = await appoint(world, f"/plh karo {plh} 31-12-2030 {reason}; {letter}")
        assert "ditetapkan sebagai Plh. Karo" in confirm.text
        (made,) = await world.services.acting.listing()
        assert (made.reason, made.letter) == (reason, letter)


async def test_a_task_for_a_plh_who_never_pressed_start_is_reported_to_the_administrator(
    tmp_path: Path,
) -> None:
    """The administrator appoints a Plh Karo who has never opened the bot (and is warned).
    Days later a proposal reaches step 3: Telegram refuses the Plh's task, and the
    administrator is told whose task and which case, so the case does not wait unseen; a
    second case for him is not reported again. When the Plh presses Start, both tasks reach
    him."""
    async with World(tmp_path) as world:
        for key, user in world.users.items():
            if key != "plh":
                await user.send("/start")
                await user.wait_message(timeout=WAIT)
        s = Script(world)
        answer = await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        assert "belum pernah membuka bot" in answer.text
        admin = world["admin"]
        admin.mark_seen()
        case = await to_step_3(world, s)
        told = await admin.wait_message(lambda m: f"Tugas Berkas #{case}" in m.text, timeout=WAIT)
        assert "belum dapat disampaikan" in told.text and str(ACTING.telegram_id) in told.text
        assert not task_of(world, "plh", case, 3)
        # a second case for him is not reported again: it waits with the first
        second = await to_step_3(world, s, "Usulan PK kedua")
        await world.drained()
        notices = [m for m in admin.bot_messages if "belum dapat disampaikan" in m.text]
        assert len(notices) == 1, [m.text for m in notices]
        await world["plh"].send("/start")
        await world.emu.wait_until(
            lambda: bool(task_of(world, "plh", case, 3) and task_of(world, "plh", second, 3)),
            timeout=WAIT,
        )
        await s.approve("plh", case)
        assert (await case_of(world, case)).step == 4


async def test_a_plh_who_never_pressed_start_is_not_told_of_his_week_a_month_after_it_ended(
    tmp_path: Path,
) -> None:
    """Rudi of the team, who never pressed Start, is made Plh Kabag for a week, Monday 7 to
    Friday 11 December 2026 (Telegram refuses to tell him), and the week ends. A month later
    he presses Start: he gets his welcome and /tugas, not that he is Plh Kabag until 11
    December, nor that it has ended. Kabag, who read both in their time, is not affected."""
    clock = ManualClock(wib(2026, 12, 7, 9))  # a Monday
    async with World(tmp_path, clock=clock) as world:
        for key, user in world.users.items():
            if key != "tim2":
                await user.send("/start")
                await user.wait_message(timeout=WAIT)
        answer = await appoint(world, f"/plh kabag {ID['tim2']} 11-12-2026 cuti tahunan")
        assert "belum pernah membuka bot" in answer.text
        kabag = world["kabag"]
        await kabag.wait_message(lambda m: "ditetapkan sebagai" in m.text, timeout=WAIT)
        clock.set(wib(2026, 12, 12, 0, 0))  # midnight after the last day
        assert await world.services.acting.route_due() == 1
        await kabag.wait_message(lambda m: "telah berakhir" in m.text, timeout=WAIT)
        await world.drained()

        clock.set(wib(2027, 1, 12, 9))
        rudi = world["tim2"]
        await rudi.send("/start")
        welcome = await rudi.wait_message(timeout=WAIT)
        assert welcome.text.startswith("Selamat datang"), welcome.text
        await rudi.send("/tugas")
        tasks = await rudi.wait_message(timeout=WAIT)
        await world.drained()
        told = [m.message_id for m in rudi.bot_messages]
        assert told == [welcome.message_id, tasks.message_id], [m.text for m in rudi.bot_messages]
        assert "Plh. Kabag" not in welcome.text + tasks.text


async def test_a_plh_who_opens_the_bot_after_his_period_was_ended_early_is_not_told_of_it(
    tmp_path: Path,
) -> None:
    """The administrator appoints Agus Plh Karo until 31 December 2030 while Agus has never
    opened the bot, and ends the appointment early with /akhiri_plh. When Agus presses
    Start, neither the appointment nor its end reaches him: it is over."""
    async with World(tmp_path) as world:
        for key, user in world.users.items():
            if key != "plh":
                await user.send("/start")
                await user.wait_message(timeout=WAIT)
        answer = await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        assert "sampai 31 Desember 2030" in answer.text
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/akhiri_plh karo")
        await admin.wait_message(lambda m: "diakhiri" in m.text, timeout=WAIT)
        await world.drained()
        agus = world["plh"]
        await agus.send("/start")
        await agus.wait_message(timeout=WAIT)
        await world.drained()
        told = [m.text for m in agus.bot_messages]
        assert len(told) == 1 and "Plh. Karo" not in told[0], told


async def test_an_official_whose_plh_ended_cannot_withdraw_the_step_he_approved(
    tmp_path: Path,
) -> None:
    """Ayu of the team is Plh Karo and approves step 3; the administrator ends her period.
    The Tarik kembali button of her decision goes, and /tarik afterwards is refused
    politely: she no longer holds the Karo role, so the case stays with the Kabag."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        ayu = ID["tim1"]
        await appoint(world, f"/plh karo {ayu} 31-12-2030 cuti tahunan")
        case = await to_step_3(world, s)
        decided = await s.press("tim1", "Setujui", case)
        await world.emu.wait_until(
            lambda: "Tarik kembali" in str(decided.button_texts), timeout=WAIT
        )
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/akhiri_plh karo")
        await admin.wait_message(timeout=WAIT)
        await world.drained()
        await world.emu.wait_until(lambda: not decided.button_texts, timeout=WAIT)
        before = await case_of(world, case)
        assert before.step == 4
        member = world["tim1"]
        member.mark_seen()
        await member.send(f"/tarik {case}")
        refused = await member.wait_message(timeout=WAIT)
        assert "tidak lagi memegang peran Karo" in refused.text and "Bapak/Ibu" in refused.text
        await world.drained()
        after = await case_of(world, case)
        assert (after.step, after.version) == (4, before.version)


def without_a_karo() -> list[dict[str, object]]:
    """The demo's people with Karo's post vacant (nobody holds the role)."""
    return [p.entry() for p in (*OFFICIALS, ACTING) if p.key != "karo"]


async def test_the_plt_of_a_vacant_karo_ended_leaves_step_3_to_no_one_and_the_admin_is_told(
    tmp_path: Path,
) -> None:
    """Karo's post is vacant and Agus is Plt Karo. A proposal waits at step 3 with him when
    the administrator ends his period: there is no definitive Karo to return it to, so the
    answer says the task waits for a new holder (and which), not that it went back; Agus
    is told it no longer waits for him, and nobody has its buttons."""
    async with World(tmp_path, people=without_a_karo()) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plt karo {ACTING.telegram_id} 31-12-2030 kekosongan jabatan")
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/akhiri_plh karo")
        ended = await admin.wait_message(timeout=WAIT)
        assert ended.text == (
            f"Penetapan {ACTING.name} (ID {ACTING.telegram_id}) sebagai Plt. Karo diakhiri. "
            f"Peran Karo tidak memiliki pejabat definitif; sebanyak 1 tugas menunggu pelaksana (Berkas "
            f"#{case}). Undang pejabat definitifnya dengan /undang karo atau tetapkan Plt "
            "dengan /plt karo."
        )
        told = await s.seen("plh", lambda m: "Masa tugas Bapak/Ibu" in m.text)
        assert told.text == (
            "Masa tugas Bapak/Ibu sebagai Plt. Karo telah berakhir. Sebanyak 1 tugas yang "
            "sedang berjalan tidak lagi menunggu tindakan Bapak/Ibu; peran Karo belum memiliki "
            "pejabat definitif, dan administrator telah diberi tahu."
        )
        await world.drained()
        await world.emu.wait_until(lambda: not task_of(world, "plh", case, 3), timeout=WAIT)
        # the administrator who ended it read the answer: no second notice of the same
        assert not [m for m in admin.bot_messages if "Masa tugas" in m.text]
        assert (await case_of(world, case)).step == 3


async def test_the_period_of_a_plt_of_a_vacant_karo_runs_out_and_the_admin_is_told_what_waits(
    tmp_path: Path,
) -> None:
    """The same Plt's period runs out at midnight, nobody ending it: the administrator is
    told the step waits for no one, with the case and what lets it go on, and the next Karo
    invited receives the task."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock, people=without_a_karo()) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plt karo {ACTING.telegram_id} 08-12-2026 kekosongan jabatan")
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        clock.set(wib(2026, 12, 9, 0, 0))
        assert await world.services.acting.route_due() == 1
        told = await s.seen("admin", lambda m: "Masa tugas" in m.text)
        assert told.text == (
            f"⚠️ Masa tugas {ACTING.name} sebagai Plt. Karo telah berakhir, sedangkan peran "
            f"Karo tidak memiliki pejabat definitif: sebanyak 1 tugas menunggu pelaksana "
            f"(Berkas #{case}). "
            "Mohon berkenan mengundang pejabat definitifnya dengan /undang karo atau "
            "menetapkan Plt dengan /plt karo."
        )
        await world.emu.wait_until(lambda: not task_of(world, "plh", case, 3), timeout=WAIT)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send("/undang karo")
        invite = await admin.wait_message(timeout=WAIT)
        token = invite.text.rsplit("start=", 1)[1].split()[0]
        newcomer = world.emu.user(3003, "Karo Baru")
        await newcomer.send(f"/start {token}")
        await world.emu.wait_until(
            lambda: any(
                f"Berkas #{case}" in m.text and m.button_texts for m in newcomer.bot_messages
            ),
            timeout=WAIT,
        )


async def test_at_the_hand_over_from_a_plt_to_the_next_plh_each_is_told_only_what_is_true(
    tmp_path: Path,
) -> None:
    """The config has Agus as Plt Karo on 8 and 9 December and Rudi as Plh Karo from the
    10th; Karo is away throughout. Step 3 waits with Agus at midnight: it passes straight to
    Rudi, who receives its documents, then one task as Plh Karo (nothing "returned" to him
    that he never held); Karo hears the task goes on to Rudi, not that it came back to
    him; Agus hears whom it went to. Rudi decides it."""
    clock = ManualClock(wib(2026, 12, 8, 9))
    rudi = next(p for p in OFFICIALS if p.key == "tim2")
    acting = [
        plt_karo_8_to_9_december(ACTING.telegram_id),
        {
            "role": "karo",
            "telegram_id": rudi.telegram_id,
            "kind": "plh",
            "from": "2026-12-10",
            "until": "2026-12-11",
            "reason": "cuti tahunan",
        },
    ]
    async with World(tmp_path, clock=clock, acting=acting) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 3)), timeout=WAIT)
        await world.drained()
        clock.set(wib(2026, 12, 10, 0, 0))
        await world.services.acting.route_due()
        await world.emu.wait_until(lambda: bool(task_of(world, "tim2", case, 3)), timeout=WAIT)
        await world.drained()
        assert not task_of(world, "plh", case, 3)
        karo = [m.text for m in world["karo"].bot_messages]
        assert not [x for x in karo if "kembali kepada Bapak/Ibu" in x], karo
        assert (
            f"Masa tugas {ACTING.name} sebagai Plt. Karo telah berakhir; tugas-tugas Karo "
            f"selanjutnya disampaikan kepada {rudi.name} selaku Plh. Karo sampai 11 Desember "
            "2026."
        ) in karo
        agus = [m.text for m in world["plh"].bot_messages]
        assert (
            "Masa tugas Bapak/Ibu sebagai Plt. Karo telah berakhir. Sebanyak 1 tugas yang "
            f"sedang berjalan dialihkan kepada {rudi.name} selaku Plh. Karo."
        ) in agus
        mine = world["tim2"].bot_messages
        assert not [m for m in mine if t.ACTING_TASK_BACK in m.text]
        tasks = [m for m in mine if f"Berkas #{case}" in m.text and "Langkah 3 dari 12" in m.text]
        assert len(tasks) == 1 and "selaku Plh. Karo" in tasks[0].text
        received = [m.document["file_name"] for m in mine if m.document]
        assert "Konsep Rencana Kerja.docx" in received
        assert all(m.message_id < tasks[0].message_id for m in mine if m.document)
        await s.approve("tim2", case)
        assert (await case_of(world, case)).step == 4


async def from_step_4_to_step_9(s: Script, case: int) -> None:
    """Kabag forwards, Kasubag forms the team (Ayu), Ayu hands in the drafts, Kasubag and
    Kabag approve them: the case comes to step 9 (signing)."""
    await s.press("kabag", "Teruskan", case)
    await s.press("kasubag", "Ayu", case)
    await s.press("kasubag", "Tetapkan tim", case)
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    await s.press("tim1", "Serahkan draf", case)
    await s.approve("kasubag", case)
    await s.approve("kabag", case)


async def test_a_plh_karo_appointed_while_two_cases_wait_for_signing_is_told_once_not_twice(
    tmp_path: Path,
) -> None:
    """Two cases wait for the Karo's signature (step 9, strategic) when a Plh Karo is
    appointed. Neither is his to decide: the notice of his appointment names both and
    says why, instead of a notice for each that he need not act on."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        cases = []
        for n in (1, 2):
            case = await to_step_3(world, s, f"Usulan {n}")
            await s.approve("karo", case)
            await from_step_4_to_step_9(s, case)
            cases.append(case)
        await world.emu.wait_until(
            lambda: all(task_of(world, "karo", c, 9) for c in cases), timeout=WAIT
        )
        plh = world["plh"]
        before = plh.received_count()
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        await world.drained()
        received = [e.snapshot for e in plh.deliveries.entries if e.kind == "message"][before:]
        assert len(received) == 1, received
        assert received[0].startswith("👤 Bapak/Ibu ditetapkan sebagai Plh. Karo"), received[0]
        assert (
            f"Sebanyak 2 tugas (Berkas #{cases[0]}, #{cases[1]}) tetap disampaikan kepada "
            "pejabat definitif karena langkahnya bersifat strategis"
        ) in received[0]
        assert "Bapak/Ibu tidak perlu menindaklanjutinya." in received[0]
        assert all(task_of(world, "karo", c, 9) for c in cases), "the Karo keeps both"


async def test_karo_returns_the_signing_under_a_plh_and_the_plh_is_told_once_not_twice(
    tmp_path: Path,
) -> None:
    """While a Plh Karo acts, the case comes to step 9, which the Karo must sign: the Plh
    is told he need not act on it. The Karo returns it to the Kabag, who approves it again.
    Back at step 9 it is the same news: the Plh is not told again."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti tahunan")
        case = await to_step_3(world, s)
        await s.approve("plh", case)
        await from_step_4_to_step_9(s, case)

        def told() -> list[EmuMessage]:
            return [
                m
                for m in world["plh"].bot_messages
                if f"Berkas #{case}" in m.text and "tidak perlu menindaklanjuti" in m.text
            ]

        await world.emu.wait_until(lambda: bool(told()), timeout=WAIT)
        await s.review_return("karo", case, "Target indikator kinerja agar dikoreksi.")
        await s.approve("kabag", case)
        await world.emu.wait_until(lambda: len(task_of(world, "karo", case, 9)) == 1, timeout=WAIT)
        await world.drained()
        assert (await case_of(world, case)).step == 9
        assert len(told()) == 1


async def test_a_plh_karo_made_the_definitive_karo_acts_and_signs_as_karo(tmp_path: Path) -> None:
    """Agus is Plh Karo and holds step 3 when the administrator makes him the definitive
    Karo (/alihkan). His appointment ends (the administrator and he are told); his task
    stays one message, now as Karo's; his decision is recorded as Karo's, and at step 9
    (signing: definitive only) the task is his, with no word that he may not decide it."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await plh_takes_a_waiting_step_3(world, s)
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/alihkan karo {ID['karo']} {ACTING.telegram_id}")
        answer = await admin.wait_message(timeout=WAIT)
        assert answer.text.endswith(
            "Penetapan yang bersangkutan sebagai Plh. Karo berakhir karena yang bersangkutan "
            "kini memegang peran tersebut sebagai pejabat definitif."
        )
        told = await s.seen("plh", lambda m: "kini memegang peran" in m.text)
        assert "Penetapan Bapak/Ibu sebagai Plh. Karo berakhir" in told.text
        await world.drained()
        await world.emu.wait_until(
            lambda: "selaku Plh." not in task_of(world, "plh", case, 3)[-1].text, timeout=WAIT
        )
        assert len(task_of(world, "plh", case, 3)) == 1
        unit = world.config.organisation.unit
        [appointment] = await world.services.db.read(repo.appointments, unit)
        assert appointment.ends_at <= world.services.clock.now()
        await s.approve("plh", case)
        events = await world.services.db.read(repo.load_events, case)
        decided = next(e for e in events if e.step == 3 and e.type.value == "approved")
        assert (decided.actor, decided.role, "acting" in decided.data) == (
            ACTING.telegram_id,
            "karo",
            False,
        )
        await from_step_4_to_step_9(s, case)
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 9)), timeout=WAIT)
        await world.drained()
        assert t.WHY_DEFINITIVE_ONLY not in task_of(world, "plh", case, 9)[-1].text
        assert not [m for m in world["plh"].bot_messages if "tidak perlu menindaklanjuti" in m.text]
        await s.approve("plh", case)
        signed = await case_of(world, case)
        signature = next(a for a in signed.approvals if a.kind == "signature")
        assert (signature.by, signature.acting) == (ACTING.telegram_id, "")


async def test_a_config_plh_naming_the_karo_himself_is_not_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An [[acting]] entry names the definitive Karo as Plh Karo: nobody acts for himself,
    as /plh answers, so nothing is recorded (the log names the entry), and a real Plh
    Karo may still be appointed for the period."""
    acting = [
        {
            "role": "karo",
            "telegram_id": ID["karo"],
            "kind": "plh",
            "until": "2030-12-31",
            "reason": "cuti tahunan",
        }
    ]
    with caplog.at_level(logging.ERROR, logger="bot.services.acting"):
        async with World(tmp_path, acting=acting) as world:
            await world.everyone_starts()
            assert not await karo_appointments(world)
            confirm = await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti")
            assert "ditetapkan sebagai Plh. Karo" in confirm.text
    assert any("acting[0].telegram_id" in r.getMessage() for r in caplog.records)


async def test_a_plh_karo_appointment_of_the_karo_himself_left_by_an_older_release_is_ignored(
    tmp_path: Path,
) -> None:
    """An older release recorded an [[acting]] entry naming the definitive Karo as Plh
    Karo. He is Karo all the same: his step 3 task does not say "selaku Plh. Karo", and at
    step 9 (definitive only) the task is his without a word that he may not decide it, nor
    a notice that he need not act."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        unit = world.config.organisation.unit
        now = world.services.clock.now()

        def recorded_before(tx: Tx) -> None:
            repo.appoint(
                tx,
                role="karo",
                unit=unit,
                person_id=ID["karo"],
                kind="plh",
                starts_at=now,
                ends_at=wib(2030, 12, 31, 0),
                reason="cuti tahunan",
                letter="",
                by=None,
                now=now,
            )

        await world.services.db.write(recorded_before)
        await world.services.acting.route_due()
        case = await to_step_3(world, s)
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 3)), timeout=WAIT)
        await world.drained()
        assert "selaku Plh." not in task_of(world, "karo", case, 3)[-1].text
        await s.approve("karo", case)
        await from_step_4_to_step_9(s, case)
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 9)), timeout=WAIT)
        await world.drained()
        assert t.WHY_DEFINITIVE_ONLY not in task_of(world, "karo", case, 9)[-1].text
        assert not [
            m for m in world["karo"].bot_messages if "tidak perlu menindaklanjuti" in m.text
        ]


async def test_karo_acting_as_plh_kabag_initials_step_8_and_still_signs_step_9(
    tmp_path: Path,
) -> None:
    """The Kabag is on leave and the administrator makes the Karo his Plh (an official one
    level higher). The Karo initials the drafts at step 8 as Plh Kabag. Step 9 (signing the
    RKAKL) may be decided by the definitive Karo alone, so four eyes gives way: the task
    comes to him with its buttons and says why, /tugas and /status say so, the
    administrators are not asked for a Plh Karo who could not sign anyway, and a Plh Karo
    appointed later is told truly that the task is the Karo's. His signature records that
    he initialled step 8 as Plh Kabag, in the history and on the Lembar Pemeriksaan."""
    did = "memaraf pada langkah 8 selaku Plh. Kabag"
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan")
        await s.to_the_drafts(case)
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
            await s.upload("tim2", case, name, draft(name))
        await s.press("tim2", "Serahkan draf", case)
        await appoint(world, f"/plh kabag {ID['karo']} 31-12-2030 cuti Kabag")
        await s.approve("kasubag", case)
        await s.approve("karo", case)  # step 8, initialled by the Karo selaku Plh. Kabag
        await world.emu.wait_until(lambda: bool(task_of(world, "karo", case, 9)), timeout=WAIT)
        await world.drained()
        assert f"Bapak/Ibu telah {did}" in task_of(world, "karo", case, 9)[-1].text
        assert not [
            m
            for m in world["admin"].bot_messages
            if "Tidak ada pejabat yang dapat memutus" in m.text
        ]

        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/tugas")
        listing = await karo.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert f"Bapak/Ibu telah {did}" in listing.text
        assert "menunggu Plh/Plt" not in listing.text
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await kasubag.send(f"/status {case}")
        status = await kasubag.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
        assert f"Pelaksana: {PEOPLE['karo'].name}" in status.text
        assert f"{PEOPLE['karo'].name} telah {did}" in status.text

        await appoint(world, f"/plh karo {ACTING.telegram_id} 31-12-2030 cuti Karo")
        told = await s.seen("plh", lambda m: "ditetapkan sebagai Plh. Karo" in m.text)
        assert (
            f"Sebanyak 1 tugas (Berkas #{case}) tetap disampaikan kepada pejabat definitif "
            "karena langkahnya bersifat strategis"
        ) in told.text
        await s.approve("karo", case)
        signed = await case_of(world, case)
        assert signed.step == 10
        signature = next(a for a in signed.approvals if a.kind == "signature")
        assert (signature.by, signature.acting) == (ID["karo"], "")

        kasubag.mark_seen()
        await kasubag.send(f"/status {case}")
        status = await kasubag.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
        assert f"menyetujui sebagai pejabat definitif walaupun telah {did}" in status.text
        await world.drained()
        files = await world.services.db.read(repo.files_of_case, case)
        paper = next(f for f in files if f.name.startswith("pemeriksaan") and "langkah9" in f.name)
        text = paper_text(world.services.files.resolve(paper.path).read_bytes())
        assert t.FOUR_EYES_SET_ASIDE.format(did=did) in text


DRAFTS = ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx")


async def test_a_member_who_wrote_the_drafts_another_handed_in_does_not_check_them_as_plh(
    tmp_path: Path,
) -> None:
    """Ayu writes all three drafts; Rudi only presses "Serahkan draf". Ayu is Plh Kasubag:
    the drafts are her work all the same, so step 7 goes to the definitive Kasubag, Ayu is
    told why, and an approval of hers is refused."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan")
        await s.to_the_drafts(case)
        for name in DRAFTS:
            await s.upload("tim1", case, name, draft(name))
        await appoint(world, f"/plh kasubag {ID['tim1']} 31-12-2030 cuti Kasubag")
        await s.press("tim2", "Serahkan draf", case)
        await world.emu.wait_until(lambda: bool(task_of(world, "kasubag", case, 7)), timeout=WAIT)
        told = await s.seen("tim1", lambda m: "Langkah 7" in m.text and "tidak perlu" in m.text)
        assert t.WHY_FOUR_EYES in told.text and PEOPLE["kasubag"].name in told.text
        await world.drained()
        assert not task_of(world, "tim1", case, 7)
        await four_eyes_refuse_approval(world, case, "tim1")
        await s.approve("kasubag", case)
        assert (await case_of(world, case)).step == 8


async def test_a_kasubag_in_the_team_who_wrote_a_draft_leaves_step_7_to_a_plh_kasubag(
    tmp_path: Path,
) -> None:
    """Siti, the Kasubag, is also a member of the team and writes the RKAKL; Rudi writes the
    rest and hands them in. Siti does not check her own draft and no one else holds her
    role: the administrator is asked for a Plh Kasubag, appoints Agus, and he checks them."""
    roles = {"kasubag": ["kasubag", "tim"]}
    people = [p.entry(roles.get(p.key, list(p.roles))) for p in (*OFFICIALS, ACTING)]
    async with World(tmp_path, people=people) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan")
        await s.to_the_drafts(case, team=("Siti", "Rudi"))
        await s.upload("kasubag", case, "Draf RKAKL.docx", draft("Draf RKAKL"))
        for name in ("Draf Program Kerja.docx", "Draf Penetapan Kinerja.docx"):
            await s.upload("tim2", case, name, draft(name))
        await s.press("tim2", "Serahkan draf", case)
        asked = await s.seen("admin", lambda m: "Tidak ada pejabat yang dapat memutus" in m.text)
        assert f"Berkas #{case}" in asked.text and "Langkah 7 dari 12" in asked.text
        assert PEOPLE["kasubag"].name in asked.text and "/plh kasubag" in asked.text
        await world.drained()
        assert not task_of(world, "kasubag", case, 7)
        await four_eyes_refuse_approval(world, case, "kasubag")
        await appoint(world, f"/plh kasubag {ACTING.telegram_id} 31-12-2030 penugasan")
        await world.emu.wait_until(lambda: bool(task_of(world, "plh", case, 7)), timeout=WAIT)
        await s.approve("plh", case)
        assert (await case_of(world, case)).step == 8


async def extend(world: World, text: str) -> EmuMessage:
    """The administrator gives /plh (or /plt) again for the acting official in force: the
    answer."""
    admin = world["admin"]
    admin.mark_seen()
    await admin.send(text)
    return await admin.wait_message(timeout=WAIT)


def told_of_the_end(world: World, who: str) -> list[str]:
    """What ``who`` was told of a period that ended, or of a task that came back."""
    return [
        m.text
        for m in world[who].bot_messages
        if "telah berakhir" in m.text or t.ACTING_TASK_BACK[3:40] in m.text
    ]


async def test_the_plh_karo_is_extended_and_keeps_step_3_until_the_new_last_day(
    tmp_path: Path,
) -> None:
    """Agus is Plh Karo until 8 December and holds Karo's step 3. On the 7th the letter is
    extended ("diperpanjang sampai dengan 15 Desember"): the administrator gives /plh again
    with the new day. The answer says it was extended; Agus is told once; nothing goes back
    to Karo on the 9th; at midnight after the 15th the task comes back to Karo."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await plh_takes_a_waiting_step_3(world, s, until="08-12-2026")
        await world.drained()
        plh_before = len(world["plh"].bot_messages)
        karo_before = len(world["karo"].bot_messages)
        answer = await extend(
            world, f"/plh karo {ACTING.telegram_id} 15-12-2026 perpanjangan cuti; ND.50/XII/2026"
        )
        assert answer.text == (
            f"Penetapan {ACTING.name} (ID {ACTING.telegram_id}) sebagai Plh. Karo diperpanjang "
            "sampai 15 Desember 2026. Tugas yang sedang berjalan tetap pada yang bersangkutan, "
            "dan yang bersangkutan telah diberi tahu."
        )
        await world.drained()
        # he reads why and on what letter, as he read the first appointment's
        news = [m.text for m in world["plh"].bot_messages[plh_before:]]
        assert news == [
            "👤 Masa tugas Bapak/Ibu sebagai Plh. Karo diperpanjang sampai dengan 15 Desember "
            "2026. Alasan perpanjangan: perpanjangan cuti.\nDasar: ND.50/XII/2026"
        ]
        assert len(world["karo"].bot_messages) == karo_before, "Karo hears of no end"
        [appointment] = await karo_appointments(world)
        assert (appointment.reason, appointment.letter) == ("cuti tahunan", "")  # kept
        [extension] = appointment.extensions
        assert (extension.reason, extension.letter) == ("perpanjangan cuti", "ND.50/XII/2026")
        assert extension.ends_at == wib(2026, 12, 16, 0) and extension.by == ADMIN_ID
        # /peran lists the appointment with its extension
        listed = (await extend(world, "/peran")).text
        assert (
            f"• Plh. Karo: {ACTING.name} (ID {ACTING.telegram_id}), 7 Desember 2026 pukul "
            "09.00 WIB s.d. 15 Desember 2026 (berlaku) — cuti tahunan; diperpanjang sampai 15 "
            "Desember 2026 — perpanjangan cuti (ND.50/XII/2026)"
        ) in listed, listed
        # and the case's export keeps it
        assert await export_case(world.config, case, tmp_path / "ekspor") == 0
        record = json.loads((tmp_path / "ekspor" / f"berkas-{case}" / "record.json").read_text())
        assert [a["extensions"] for a in record["acting"]] == [[extension.stored()]]
        assert extension.stored()["letter"] == "ND.50/XII/2026"
        clock.set(wib(2026, 12, 9, 0, 0))  # the old end
        assert await world.services.acting.route_due() == 0
        await world.drained()
        assert task_of(world, "plh", case, 3) and not told_of_the_end(world, "karo")
        clock.set(wib(2026, 12, 16, 0, 0))  # midnight after the new last day
        assert await world.services.acting.route_due() == 1
        await world.drained()
        await world.emu.wait_until(lambda: bool(told_of_the_end(world, "karo")), timeout=WAIT)
        assert not task_of(world, "plh", case, 3)
        await s.approve("karo", case)
        assert (await case_of(world, case)).step == 4


async def test_a_plh_is_not_shortened_by_plh_nor_changed_by_the_same_day(tmp_path: Path) -> None:
    """Agus is Plh Karo until 15 December. /plh for him to the 10th is refused, pointing to
    /akhiri_plh to end it early; to the 15th again is answered that nothing changes; another
    official for Karo over those days stays refused. The appointment still runs to the 15th."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        await appoint(world, f"/plh karo {ACTING.telegram_id} 15-12-2026 cuti tahunan")
        earlier = await extend(world, f"/plh karo {ACTING.telegram_id} 10-12-2026 cuti")
        assert "15 Desember 2026" in earlier.text and "lebih awal" in earlier.text
        assert "/akhiri_plh karo" in earlier.text and "diperpanjang" not in earlier.text
        same = await extend(world, f"/plh karo {ACTING.telegram_id} 15 Desember 2026 cuti")
        assert "tidak ada perubahan" in same.text.lower() and "15 Desember 2026" in same.text
        other = await extend(world, f"/plh karo {ID['kabag']} 20-12-2026 cuti")
        assert "sudah memiliki" in other.text
        [appointment] = await karo_appointments(world)
        assert appointment.ends_at == appointment.planned_end == wib(2026, 12, 16, 0)
        assert appointment.person_id == ACTING.telegram_id


async def test_a_plh_extended_keeps_his_new_last_day_after_a_restart(tmp_path: Path) -> None:
    """Agus, Plh Karo until 8 December, is extended to the 15th; the bot is stopped and
    started again on the 10th: Agus still holds step 3 and Karo hears of no end."""
    clock = ManualClock(wib(2026, 12, 7, 9))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await plh_takes_a_waiting_step_3(world, s, until="08-12-2026")
        answer = await extend(world, f"/plh karo {ACTING.telegram_id} 15-12-2026 perpanjangan")
        assert "diperpanjang" in answer.text
        await world.drained()
        await world.stop_bot()
        clock.set(wib(2026, 12, 10, 9))
        await world.start_bot()
        await world.drained()
        assert task_of(world, "plh", case, 3) and not told_of_the_end(world, "karo")
        [appointment] = await karo_appointments(world)
        assert appointment.in_force(clock.now())
        assert appointment.ends_at == wib(2026, 12, 16, 0)


async def test_a_plt_named_in_the_config_is_extended_in_the_config_not_with_plt(
    tmp_path: Path,
) -> None:
    """Agus is Plt Karo on 8 and 9 December by the config's [[acting]], which the bot follows
    at each start: /plt for him to the 14th is answered that his end is changed there (a
    /plt would be undone at the next start), and nothing changes."""
    clock = ManualClock(wib(2026, 12, 8, 9))
    acting = [plt_karo_8_to_9_december(ACTING.telegram_id)]
    async with World(tmp_path, clock=clock, acting=acting) as world:
        await world.everyone_starts()
        answer = await extend(world, f"/plt karo {ACTING.telegram_id} 14-12-2026 perpanjangan")
        assert "[[acting]]" in answer.text and "until" in answer.text
        [appointment] = await karo_appointments(world)
        assert appointment.ends_at == wib(2026, 12, 10, 0)
