"""The drafting team shares its drafts: a member asked to correct drafts a colleague
uploaded can have them from the task, without the bot sending every file to every member
unasked (issue 14 keeps an official's chat short)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import texts as t
from bot.demo import RETURN_REASONS, Script, World, draft
from emulator.users import EmuMessage
from storage import repo

pytestmark = pytest.mark.asyncio

DRAFTS = ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx")


def documents(messages: list[EmuMessage]) -> list[str]:
    return [str(m.document.get("file_name")) for m in messages if m.document]


def returned_task(case: int) -> object:
    def check(m: EmuMessage) -> bool:
        return (
            "Dikembalikan untuk diperbaiki" in m.text
            and f"#{case}" in m.text
            and bool(m.button_texts)
        )

    return check


async def drafts_of_rudi_returned(world: World) -> tuple[Script, int]:
    """Rudi (a member of the team) writes all three drafts and hands them in; Kasubag
    returns them (the RKAKL lacks detail). The script and the case."""
    await world.everyone_starts()
    s = Script(world)
    case = await s.submit("Usulan")
    await s.to_the_drafts(case)
    for name in DRAFTS:
        await s.upload("tim2", case, name, draft(name))
    await s.press("tim2", "Serahkan draf", case)
    await s.review_return("kasubag", case, RETURN_REASONS[7])
    return s, case


async def test_a_member_takes_the_drafts_a_colleague_uploaded_from_the_returned_task(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        s, case = await drafts_of_rudi_returned(world)
        ayu, rudi = world["tim1"], world["tim2"]
        task = await s.seen("tim1", returned_task(case))  # type: ignore[arg-type]
        await world.drained()
        assert not set(DRAFTS) & set(documents(ayu.bot_messages)), "sent unasked"
        # Ayu's task names the drafts she does not have and offers them
        assert "diunggah oleh pegawai lain" in task.text
        for name in DRAFTS:
            assert name in task.text, task.text
        assert t.BTN_SEND_UPLOADS in task.button_texts
        # she receives them ("mengirim dokumen" is what an official does on an upload step)
        assert "📥 Terima dokumen" in task.button_texts and "menerimanya" in task.text
        # Rudi has them all (he uploaded them): no such offer on his task
        his = await s.seen("tim2", returned_task(case))  # type: ignore[arg-type]
        assert t.BTN_SEND_UPLOADS not in his.button_texts
        assert "diunggah oleh pegawai lain" not in his.text

        pressed = ayu.press(task, t.BTN_SEND_UPLOADS, timeout=10)
        assert (await pressed.wait()).text == t.ANS_UPLOADS_SENT
        await world.emu.wait_until(lambda: set(DRAFTS) <= set(documents(ayu.bot_messages)))
        assert sorted(documents(ayu.bot_messages)).count("Draf RKAKL.docx") == 1
        # the offer stays true once they are here: it does not call them missing
        await world.drained()
        assert "belum ada" not in task.text and "diunggah oleh pegawai lain" in task.text

        # a second press sends nothing again
        again = ayu.press(task, t.BTN_SEND_UPLOADS, timeout=10)
        assert (await again.wait()).text == t.ANS_UPLOADS_HELD
        await world.drained()
        assert documents(ayu.bot_messages).count("Draf RKAKL.docx") == 1
        assert not set(DRAFTS) & set(documents(rudi.bot_messages)), "his own drafts came back"


async def test_a_stale_send_button_changes_nothing(tmp_path: Path) -> None:
    """Once the corrected drafts are handed in, the offer on the old task is answered
    "sudah diproses" and sends nothing."""
    async with World(tmp_path) as world:
        s, case = await drafts_of_rudi_returned(world)
        task = await s.seen("tim1", returned_task(case))  # type: ignore[arg-type]
        offer = next(
            b["callback_data"]
            for row in (task.record.reply_markup or {})["inline_keyboard"]
            for b in row
            if b["text"] == t.BTN_SEND_UPLOADS
        )
        await s.upload("tim2", case, "Draf RKAKL.docx", draft("Draf RKAKL", 2))
        await s.press("tim2", "Serahkan draf", case)
        await world.drained()
        ayu = world["tim1"]
        pressed = ayu.press_data(task, offer, timeout=10)
        assert (await pressed.wait()).text == t.ANS_ALREADY_HANDLED
        await world.drained()
        assert not set(DRAFTS) & set(documents(ayu.bot_messages))


async def test_a_member_who_sends_the_file_a_colleague_sent_is_asked_about_his_own_and_recorded(
    tmp_path: Path,
) -> None:
    """Ayu sends the RKAKL draft as "final.docx", a name that names no draft, and has not
    yet said which draft it is; Rudi, working from the same copy, sends it too. Rudi is
    asked about his file, and his answer records it as the Draf RKAKL; before, his question
    was about Ayu's file, and his answer was refused."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan")
        await s.to_the_drafts(case)
        rkakl = draft("Draf RKAKL")
        questions = []
        for key in ("tim1", "tim2"):
            member = world[key]
            await member.send_document(rkakl, file_name="final.docx", caption=f"#{case}")
            questions.append(
                await member.wait_message(
                    lambda m: "Mohon pilih jenis dokumen ini" in m.text, timeout=15
                )
            )
        answer = await world["tim2"].press(questions[1], "Draf RKAKL", timeout=15)
        assert answer.text == t.ANS_DONE
        await world.drained()
        current = await world.services.db.read(repo.load_case, case)
        assert current is not None
        drafts = [(a.doc, a.name) for a in current.latest_files() if a.doc.startswith("draf")]
        assert drafts == [("draf_rkakl", "final.docx")]
        recorded = await world.services.db.read(repo.files_of_case, case)
        assert [f.uploaded_by for f in recorded if f.doc == "draf_rkakl"] == [world["tim2"].id]
