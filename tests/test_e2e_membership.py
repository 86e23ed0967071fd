"""End to end: what a person does to their chat with the bot, outside the workflow.

They edit a message they already sent, block the bot and come back. Telegram tells the bot
about both (``edited_message``, ``my_chat_member``); the emulator sends what Telegram sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from e2e_helpers import case_of
from telegram import Chat, Message
from telegram.constants import ChatType
from test_e2e_flow import PAGE_PHOTO

from bot import texts as t
from bot.clock import ManualClock
from bot.core.model import EventType
from bot.demo import OFFICIALS, Script, World, draft, has_button, names_case
from bot.edits import EditsSeen
from bot.updates import ALLOWED_UPDATES
from emulator import EmuMessage, EmuUser
from storage import repo

WAIT = 15.0
REASON = "TOR belum mencantumkan jadwal pelaksanaan; mohon dilengkapi."


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def told_edit_not_processed(m: EmuMessage) -> bool:
    return plain(t.EDIT_NOT_PROCESSED) in m.text


async def started_bot(world: World, person: int) -> bool:
    value = await world.services.db.read(
        lambda tx: tx.value("SELECT started_bot FROM people WHERE telegram_id = ?", (person,))
    )
    return bool(value)


async def until(world: World, check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (reading again on every change in the emulator) until ``check`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("never happened")
        with contextlib.suppress(TimeoutError):
            await world.emu.wait_until(lambda: False, timeout=0.05)


async def count(world: World, sql: str, *params: object) -> int:
    return int(await world.services.db.read(lambda tx: tx.value(sql, params)))


async def test_the_bot_asks_telegram_for_edits_and_for_blocks(world: World) -> None:
    assert world.emu.state.allowed_updates == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
        "message_reaction",
    ]
    assert world.emu.state.allowed_updates == list(ALLOWED_UPDATES)


async def test_kabag_edits_his_return_reason_and_is_told_the_original_stands(
    world: World,
) -> None:
    s = Script(world)
    case_id = await s.submit("Usulan Program Kerja 2027")
    await s.review_return("kabag", case_id, REASON)
    kabag = world["kabag"]
    typed = next(m for m in kabag.messages if not m.from_bot and m.text == REASON)
    await world.drained()
    seen = kabag.received_count()

    await kabag.edit(typed, "Alasan yang lain sama sekali.")
    notice = await kabag.wait_message(told_edit_not_processed, timeout=WAIT)
    assert notice.reply_to is not None and notice.reply_to.message_id == typed.message_id

    await world.drained()
    events = await world.services.db.read(repo.load_events, case_id)
    returned = [e for e in events if e.type is EventType.RETURNED]
    assert [e.reason for e in returned] == [REASON]
    assert kabag.received_count() == seen + 1  # the notice, nothing else


async def test_an_edit_while_a_question_waits_does_not_answer_it(world: World) -> None:
    """Kasubag corrects the title he typed while the bot asks for the year: the correction
    is not taken as the year, and the case gets the title as first sent."""
    kasubag = world["kasubag"]
    await kasubag.send("/baru")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    title = await kasubag.send("Program Kerja Biro 2027")
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)

    await kasubag.edit(title, "2027")
    await kasubag.wait_message(told_edit_not_processed, timeout=WAIT)
    assert "tahun anggaran" in asked.text  # still asking
    assert await count(world, "SELECT COUNT(*) FROM cases") == 0

    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
    titles = await world.services.db.read(lambda tx: tx.all("SELECT title FROM cases"))
    assert [row[0] for row in titles] == ["Program Kerja Biro 2027"]


async def test_kasubag_who_corrects_a_refused_year_by_editing_is_asked_to_send_it_anew(
    world: World,
) -> None:
    """Asked for the year of a new case, Kasubag types "2O27" and is told it is no year; she
    edits her message to "2027". Nothing of the refused message was recorded, so she is not
    told that "the original stands": she is told her edit is not read and to send the year
    as a new message, the question still waiting; the year she then sends makes the case."""
    kasubag = world["kasubag"]
    await kasubag.send("/baru")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await kasubag.send("Program Kerja Biro 2027")
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
    kasubag.mark_seen()
    typo = await kasubag.send("2O27")
    await kasubag.wait_message(lambda m: "Tahun Anggaran" in m.text, timeout=WAIT)

    kasubag.mark_seen()
    await kasubag.edit(typo, "2027")
    told = await kasubag.wait_message(timeout=WAIT)
    assert told.text == plain(
        t.EDIT_OF_AN_ANSWER_NOT_TAKEN.format(
            ask="Silakan ketik tahun anggaran yang dimaksud.", cancel=t.FORWARDED_MAY_CANCEL
        )
    )
    assert told.reply_to is not None and told.reply_to.message_id == typo.message_id
    assert "tahun anggaran" in asked.text  # still asking
    assert await count(world, "SELECT COUNT(*) FROM cases") == 0

    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)


async def kabag_asked_for_a_reason(world: World) -> tuple[Script, int, EmuUser]:
    """A proposal submitted; Kabag pressed Kembalikan on it and is asked for the reason."""
    s = Script(world)
    case_id = await s.submit("Usulan Program Kerja 2027")
    await s.press("kabag", "Kembalikan", case_id)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text)
    kabag = world["kabag"]
    kabag.mark_seen()
    return s, case_id, kabag


async def test_kabag_who_shortens_a_refused_reason_by_editing_is_asked_to_send_it_anew(
    world: World,
) -> None:
    """Kabag's reason is refused as longer than 1000 characters; he shortens it by editing
    the message. He is told to send the reason as a new message (the case is still his to
    return), not that the over-long original stands."""
    s, case_id, kabag = await kabag_asked_for_a_reason(world)
    long_reason = await kabag.send("TOR belum lengkap. " * 60)
    await kabag.wait_message(lambda m: "terlalu panjang" in m.text, timeout=WAIT)

    kabag.mark_seen()
    await kabag.edit(long_reason, REASON)
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == plain(
        t.EDIT_OF_AN_ANSWER_NOT_TAKEN.format(ask=t.ANS_TYPE_REASON, cancel=t.FORWARDED_MAY_CANCEL)
    )
    assert (await case_of(world, case_id)).step == 2

    await kabag.send(REASON)
    await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text and REASON in m.text)


async def test_kabag_who_edits_a_refused_reason_after_cancelling_the_question_is_told_nothing_was_recorded(
    world: World,
) -> None:
    """Kabag's reason is refused as too long; he cancels the return (Batal) and then edits
    the refused message. No question waits any more, but nothing of that message was ever
    recorded: he is told so, not that "the original stands", and the case is not returned."""
    s, case_id, kabag = await kabag_asked_for_a_reason(world)
    long_reason = await kabag.send("TOR belum lengkap. " * 60)
    await kabag.wait_message(lambda m: "terlalu panjang" in m.text, timeout=WAIT)
    await kabag.send("/batal")
    await s.seen("kabag", lambda m: "dibatalkan" in m.text.lower())

    kabag.mark_seen()
    await kabag.edit(long_reason, REASON)
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == plain(t.EDIT_OF_A_TEXT_NOT_TAKEN)
    assert told.reply_to is not None and told.reply_to.message_id == long_reason.message_id
    assert (await case_of(world, case_id)).step == 2


async def test_kabag_who_edits_a_remark_sent_when_no_question_waited_is_told_nothing_was_recorded(
    world: World,
) -> None:
    """Kabag types a remark while no question waits for it and is told it was not
    recorded; he then edits it. Nothing of it was recorded, so he is not told that "the
    original stands": he is told his edit is not read and that nothing of his message was
    recorded, and no case is touched."""
    kabag = world["kabag"]
    kabag.mark_seen()
    remark = await kabag.send("TOR sudah saya periksa")
    await kabag.wait_message(lambda m: m.text == t.NO_QUESTION_WAITING, timeout=WAIT)

    kabag.mark_seen()
    await kabag.edit(remark, "TOR sudah saya periksa, silakan dilanjutkan")
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == plain(t.EDIT_OF_A_TEXT_NOT_TAKEN)
    assert told.reply_to is not None and told.reply_to.message_id == remark.message_id
    assert not told_edit_not_processed(told)
    assert await count(world, "SELECT COUNT(*) FROM events") == 0


async def test_an_edited_command_is_not_run_again(world: World) -> None:
    kabag = world["kabag"]
    first = kabag.received_count()
    command = await kabag.send("/saya")
    await world.emu.wait_until(lambda: kabag.received_count() > first, timeout=WAIT)
    await world.drained()
    seen = kabag.received_count()

    await kabag.edit(command, "/tugas")
    await kabag.wait_message(told_edit_not_processed, timeout=WAIT)
    await world.drained()
    assert kabag.received_count() == seen + 1


async def test_an_edited_caption_does_not_attach_the_file_again(world: World) -> None:
    s = Script(world)
    case_id = await s.new_case("Usulan Program Kerja 2027", 2027)
    sent = await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
    assert await count(world, "SELECT COUNT(*) FROM files") == 1

    await world["kasubag"].edit(sent, f"#{case_id + 1}")
    await world["kasubag"].wait_message(told_edit_not_processed, timeout=WAIT)
    await world.drained()
    assert await count(world, "SELECT COUNT(*) FROM files") == 1


async def test_kabag_who_edits_the_caption_of_a_photo_sent_for_a_reason_is_asked_to_type_it(
    world: World,
) -> None:
    """Asked for the reason of his return, Kabag sends a photo of the page with the reason
    as its caption and is told to type it; he then corrects the caption. Nothing of the
    photo was recorded, so he is not told that "the original stands": he is asked to type
    the reason as a new message, the question still waiting."""
    s, case_id, kabag = await kabag_asked_for_a_reason(world)
    photo = await kabag.send_photo(PAGE_PHOTO, caption="Tabel pada halaman 3 keliru")
    await kabag.wait_message(lambda m: "perlu diketik" in m.text, timeout=WAIT)

    kabag.mark_seen()
    await kabag.edit(photo, "Tabel pada halaman 3 dan 4 keliru")
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == plain(
        t.EDIT_OF_AN_ANSWER_NOT_TAKEN.format(ask=t.ANS_TYPE_REASON, cancel=t.FORWARDED_MAY_CANCEL)
    )
    assert told.reply_to is not None and told.reply_to.message_id == photo.message_id
    assert (await case_of(world, case_id)).step == 2

    await kabag.send(REASON)
    await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text and REASON in m.text)


async def test_kasubag_who_edits_the_caption_of_a_refused_file_is_asked_to_send_it_anew(
    world: World,
) -> None:
    """Kasubag's file is refused (a type the office does not accept); she then corrects
    its caption. The file was never recorded, so she is not told that "the original
    stands": she is told it was not received and to send the file anew; nothing is
    recorded by the edit."""
    s = Script(world)
    case_id = await s.new_case("Usulan Program Kerja 2027", 2027)
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    sent = await kasubag.send_document(b"MZ", file_name="TOR.exe", caption=f"#{case_id} TOR")
    await kasubag.wait_message(lambda m: "jenis file exe" in m.text, timeout=WAIT)

    kasubag.mark_seen()
    await kasubag.edit(sent, f"#{case_id} TOR final")
    told = await kasubag.wait_message(timeout=WAIT)
    assert told.text == plain(t.EDIT_OF_A_FILE_NOT_TAKEN)
    assert told.reply_to is not None and told.reply_to.message_id == sent.message_id
    await world.drained()
    assert await count(world, "SELECT COUNT(*) FROM files") == 0


async def test_a_stranger_who_edits_a_message_is_refused_as_before(world: World) -> None:
    """A stranger who edits a message is refused as for the message itself: once for all
    its edits, as an official is told once."""
    stranger = world.emu.user(5550001, "Orang Lain")
    refused = plain(t.no_access(5550001, held=False))
    hello = await stranger.send("halo")
    await stranger.wait_message(lambda m: refused in m.text, timeout=WAIT)
    await stranger.edit(hello, "halo lagi")
    await world.emu.wait_until(
        lambda: sum(refused in m.text for m in stranger.bot_messages) == 2, timeout=WAIT
    )
    await stranger.edit(hello, "halo lagi dan lagi")
    await answered_after_all(stranger, "/saya", lambda m: refused in m.text and not m.reply_to)
    to_edits = [m for m in stranger.bot_messages if m.reply_to and refused in m.text]
    assert [m.reply_to.message_id for m in to_edits if m.reply_to] == [hello.message_id]
    assert not any(told_edit_not_processed(m) for m in stranger.bot_messages)


def mine(m: EmuMessage) -> bool:
    return "Data Bapak/Ibu" in m.text  # /saya's answer


async def answered_after_all(
    user: EmuUser, command: str, answer: Callable[[EmuMessage], bool] = mine
) -> None:
    """Send ``command`` and wait for its ``answer``: one person's updates are handled in
    the order they came, so whatever the bot answered before it has been answered by then."""
    user.mark_seen()
    await user.send(command)
    await user.wait_message(answer, timeout=WAIT)


async def test_an_official_who_edits_a_message_again_and_again_is_told_once(
    world: World,
) -> None:
    """Kasubag corrects a message three times: the first edit is answered (nothing of it
    was recorded, no question waiting), the others are not: three notices would fill her
    chat and hold its one message a second."""
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    typed = await kasubag.send("Mohon arahan")
    await kasubag.wait_message(timeout=WAIT)
    for text in ("Mohon arahan Bapak", "Mohon arahan Bapak Kabag", "Mohon arahan Bapak Kabag."):
        await kasubag.edit(typed, text)
    await answered_after_all(kasubag, "/saya")
    notices = [m for m in kasubag.bot_messages if m.text == plain(t.EDIT_OF_A_TEXT_NOT_TAKEN)]
    assert len(notices) == 1
    assert notices[0].reply_to is not None and notices[0].reply_to.message_id == typed.message_id


async def test_a_live_location_shared_for_hours_brings_no_notice_of_edits(world: World) -> None:
    """Kabag shares his live location with the bot by mistake, on his way to the office:
    Telegram sends the bot an edit for every new position. He is told once that the bot
    takes no location (and what it takes), never that an edit is not processed."""
    kabag = world["kabag"]
    kabag.mark_seen()
    live = await kabag.send_location(-6.2, 106.8, live_period=8 * 3600)
    first = await kabag.wait_message(timeout=WAIT)
    assert first.text == plain(t.NOT_TAKEN.format(kind="lokasi"))
    for position in range(1, 21):
        await kabag.move_location(live, -6.2 + position / 1000, 106.8)
    await answered_after_all(kabag, "/saya")
    assert not any(told_edit_not_processed(m) for m in kabag.bot_messages)
    answers = [m for m in kabag.bot_messages if m.message_id > live.message_id]
    assert len(answers) == 2  # "no location taken", and /saya's


async def test_an_edit_that_changed_nothing_the_bot_read_brings_no_notice(world: World) -> None:
    """Telegram also sends an edit for "changes to message fields that are either
    unavailable or not actively used by your bot": Kabag's /tugas and Kasubag's file come
    back as they were, with an edit date. Neither is told anything; Kasubag's real edit of
    the file's caption afterwards is answered."""
    kabag = world["kabag"]
    kabag.mark_seen()
    command = await kabag.send("/tugas")
    await kabag.wait_message(timeout=WAIT)
    await kabag.touch(command)
    await kabag.touch(command)
    await answered_after_all(kabag, "/saya")
    assert not any(told_edit_not_processed(m) for m in kabag.bot_messages)

    s = Script(world)
    case_id = await s.new_case("Usulan Program Kerja 2027", 2027)
    kasubag = world["kasubag"]
    sent = await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
    await kasubag.touch(sent)
    await answered_after_all(kasubag, "/saya")
    assert not any(told_edit_not_processed(m) for m in kasubag.bot_messages)
    await kasubag.edit(sent, f"#{case_id} TOR revisi")
    notice = await kasubag.wait_message(told_edit_not_processed, timeout=WAIT)
    assert notice.reply_to is not None and notice.reply_to.message_id == sent.message_id


def test_the_edits_remembered_are_bounded_and_a_forgotten_message_is_answered_once() -> None:
    """The bot remembers the last messages only (in memory): an edit of one it forgot is
    answered (once), as after a restart; one it remembers unchanged is not."""
    chat = Chat(1001, ChatType.PRIVATE)

    def message(message_id: int, text: str) -> Message:
        return Message(message_id, datetime(2026, 12, 4, tzinfo=UTC), chat, text=text)

    edits = EditsSeen(most=2)
    for message_id in (1, 2, 3):
        edits.received(message(message_id, f"pesan {message_id}"))
    assert not edits.to_answer(message(3, "pesan 3"))  # remembered, unchanged
    assert edits.to_answer(message(1, "pesan 1"))  # forgotten: answered...
    assert not edits.to_answer(message(1, "pesan 1 diubah"))  # ... once
    assert edits.to_answer(message(3, "pesan 3 diubah"))
    assert not edits.to_answer(Message(4, datetime(2026, 12, 4, tzinfo=UTC), chat))  # no text


def react(world: World, user: EmuUser, message: EmuMessage, emoji: str | None) -> None:
    """``user`` puts a reaction on a message of their chat with the bot (None: takes it
    back): the message_reaction update as Telegram sends it (the emulator's people do not
    react; Telegram sends it only to a bot that asked for it)."""
    state = world.emu.state
    new = [] if emoji is None else [{"type": "emoji", "emoji": emoji}]
    reaction = {
        "chat": user.private_chat.to_api(),
        "message_id": message.message_id,
        "user": user.record.to_api(),
        "date": state.now(),
        "old_reaction": [],
        "new_reaction": new,
    }
    state.push_update("message_reaction", reaction)


async def all_handled(world: World) -> None:
    """Until Telegram has nothing left for the bot and the bot has handled it all."""

    async def handled() -> bool:
        left = await count(world, "SELECT COUNT(*) FROM inbox")
        return not world.emu.state.updates and left == 0

    await until(world, handled)
    await world.drained()


async def test_karo_who_likes_his_task_is_told_a_reaction_decides_nothing(world: World) -> None:
    """Karo puts a 👍 on his step-3 task, meaning to approve it. A reaction decides nothing:
    he is told so in reply to the task (once, however often he changes it), and the case
    waits for his button. Kabag's 👍 on the decision he took, a reaction taken back, and a
    stranger's 👍 on the bot's refusal are left unanswered."""
    s = Script(world)
    case_id = await s.submit("Usulan Program Kerja 2027")
    await s.approve("kabag", case_id)
    karo, kabag = world["karo"], world["kabag"]
    task = await s.seen("karo", has_button(t.BTN_APPROVE, case_id))
    await world.drained()
    karo.mark_seen()
    react(world, karo, task, "👍")
    told = await karo.wait_message(timeout=WAIT)
    assert told.text == t.REACTION_NOT_A_DECISION
    assert told.reply_to is not None and told.reply_to.message_id == task.message_id
    seen = karo.received_count()
    react(world, karo, task, "🙏")
    react(world, karo, task, None)
    decided = next(m for m in kabag.bot_messages if names_case(m.text, case_id))
    kabag_seen = kabag.received_count()
    react(world, kabag, decided, "👍")
    stranger = world.emu.user(4242, "Orang Lain")
    await stranger.send("/start")
    refused = await stranger.wait_message(timeout=WAIT)  # not registered
    react(world, stranger, refused, "👍")
    await all_handled(world)
    assert karo.received_count() == seen and kabag.received_count() == kabag_seen
    assert stranger.received_count() == 1
    case = await world.services.db.read(repo.load_case, case_id)
    assert case is not None and case.step == 3
    await s.approve("karo", case_id)  # the button still decides


async def test_kabag_blocks_the_bot_and_gets_his_task_when_he_comes_back(world: World) -> None:
    """While Kabag has blocked the bot, Telegram refuses the step-2 task (403). When he
    unblocks it, the refused rows go again: the task reaches him, and he decides."""
    kabag = world["kabag"]
    kabag.block()

    async def blocked() -> bool:
        return not await started_bot(world, kabag.id)

    await until(world, blocked)
    s = Script(world)
    case_id = await s.submit("Usulan Program Kerja 2027")
    await world.drained()
    refused = await world.services.db.read(
        lambda tx: tx.all(
            "SELECT kind, last_error FROM outbox WHERE chat_id = ? AND failed_at IS NOT NULL",
            (kabag.id,),
        )
    )
    assert "task" in {kind for kind, _ in refused}
    assert all("blocked by the user" in error for _, error in refused)
    assert not any(f"Berkas #{case_id}" in m.text for m in kabag.bot_messages)

    kabag.unblock()
    await s.approve("kabag", case_id)  # the task reached him, and its buttons work
    await s.seen("karo", lambda m: f"Berkas #{case_id}" in m.text and "Langkah 3" in m.text)
    assert await started_bot(world, kabag.id)
    await world.drained()
    failed = "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND failed_at IS NOT NULL"
    assert await count(world, failed, kabag.id) == 0
    tasks = [
        m for m in kabag.bot_messages if f"Berkas #{case_id}" in m.text and "Langkah 2" in m.text
    ]
    assert len(tasks) == 1  # sent once, then edited in place


async def test_kasubags_status_says_the_task_cannot_reach_karo_who_blocked_the_bot(
    world: World,
) -> None:
    """Karo blocks the bot and his step-3 task is refused. Kasubag asks /status: it names
    Karo as the holder and says the task has not reached him, not simply that time runs."""
    s = Script(world)
    karo, kasubag = world["karo"], world["kasubag"]
    case_id = await s.submit("Usulan Program Kerja 2027")
    karo.block()
    await s.approve("kabag", case_id)
    await world["admin"].wait_message(lambda m: "belum dapat disampaikan" in m.text, timeout=WAIT)
    kasubag.mark_seen()
    await kasubag.send(f"/status {case_id}")
    status = plain((await kasubag.wait_message(timeout=WAIT)).text)
    name = "Dr. Ir. Hendra Wijaya, M.P.A."
    assert f"Pelaksana: {name}" in status, status
    assert f"Tugas belum dapat disampaikan kepada {name}" in status, status

    karo.unblock()  # he comes back: the status no longer says so
    await karo.wait_message(lambda m: f"Berkas #{case_id}" in m.text, timeout=WAIT)
    kasubag.mark_seen()
    await kasubag.send(f"/status {case_id}")
    status = plain((await kasubag.wait_message(timeout=WAIT)).text)
    assert "belum dapat disampaikan" not in status, status


async def test_karo_unblocks_while_telegram_refuses_his_task_and_still_gets_it(
    world: World,
) -> None:
    """Karo has blocked the bot when the step-3 task and its documents go; Telegram's 403
    takes a moment to come back (a slow line), and meanwhile Karo unblocks the bot: the
    bot hears of that before it hears the 403. The refused rows go again at once: Karo gets
    the documents and the task without having to write anything."""
    s = Script(world)
    karo = world["karo"]
    case_id = await s.submit("Usulan Program Kerja 2027")
    await world.drained()
    karo.block()

    async def blocked() -> bool:
        return not await started_bot(world, karo.id)

    await until(world, blocked)
    for method in ("sendmessage", "senddocument", "sendmediagroup"):
        world.emu.faults.hang(2, seconds=1.5, method=method, execute="before", chat_id=karo.id)
    karo.mark_seen()
    await s.approve("kabag", case_id)
    await asyncio.sleep(0.5)  # the first send is on its way, refused
    karo.unblock()
    await karo.wait_message(lambda m: f"Berkas #{case_id}" in m.text, timeout=WAIT)
    await world.drained()
    undelivered = "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND sent_at IS NULL"
    assert await count(world, undelivered, karo.id) == 0
    assert await started_bot(world, karo.id)
    await s.approve("karo", case_id)


async def test_a_deleted_account_is_tried_once_more_then_left(world: World) -> None:
    """Karo's account is deleted without the bot hearing of it: the first 403 is tried
    once more (it may have crossed an unblock), the second settles the row: no loop."""
    s = Script(world)
    karo = world["karo"]
    case_id = await s.submit("Usulan Program Kerja 2027")
    karo.deactivate()
    await s.approve("kabag", case_id)
    await world.drained()
    tried = await world.services.db.read(
        lambda tx: tx.all(
            "SELECT kind, attempts FROM outbox WHERE chat_id = ? AND failed_at IS NOT NULL",
            (karo.id,),
        )
    )
    assert "task" in {kind for kind, _ in tried}
    assert max(attempts for _, attempts in tried) == 2


async def test_karo_deletes_his_account_and_the_administrator_is_told_to_pass_the_role(
    world: World,
) -> None:
    """Karo's Telegram account is deleted. Telegram refuses the step-3 task (403 "user is
    deactivated"): the administrator is told the account is gone, not to wait for him to
    press Start, and given the command that passes the role, filled in."""
    s = Script(world)
    karo, admin = world["karo"], world["admin"]
    case_id = await s.submit("Usulan Program Kerja 2027")
    karo.deactivate()
    admin.mark_seen()
    await s.approve("kabag", case_id)
    notice = await admin.wait_message(lambda m: f"Tugas Berkas #{case_id}" in m.text, timeout=WAIT)
    text = notice.text
    assert "akun Telegram yang bersangkutan telah dihapus" in text, text
    assert f"/alihkan karo {karo.id} <id Telegram baru>" in text, text
    assert "menekan Start" not in text, text


async def test_kasubags_status_does_not_say_karo_whose_account_is_deleted_may_come_back(
    world: World,
) -> None:
    """Karo's account is deleted and his step-3 task refused; the administrator is told the
    account is gone for good. Kasubag's /status does not say the task waits until Karo
    opens the bot again: it says Telegram refuses messages to him, why that may be, and
    that a deleted account's role is passed on by the administrator."""
    s = Script(world)
    karo, admin = world["karo"], world["admin"]
    case_id = await s.submit("Usulan Program Kerja 2027")
    karo.deactivate()
    admin.mark_seen()
    await s.approve("kabag", case_id)
    await admin.wait_message(lambda m: "telah dihapus" in m.text, timeout=WAIT)
    status = await said(world, "kasubag", f"/status {case_id}")
    name = "Dr. Ir. Hendra Wijaya, M.P.A."
    assert (
        f"Tugas belum dapat disampaikan kepada {name}: Telegram menolak pesan kepadanya "
        "(belum menekan Start, memblokir bot, atau akunnya telah dihapus)." in status
    ), status
    assert "membuka bot kembali" not in status, status
    assert "administrator perlu mengalihkan perannya (/alihkan)" in status, status


async def test_karos_role_moves_from_his_deleted_account_and_he_is_not_said_to_be_told(
    world: World,
) -> None:
    """Karo's account is deleted and his task refused (403). The administrator passes the
    role to Pak Agus: the answer names Pak Agus as told, not "both": Karo's notice is
    refused too (the bot never had a my_chat_member from him; the 403 is what it knows)."""
    s = Script(world)
    karo, admin = world["karo"], world["admin"]
    case_id = await s.submit("Usulan Program Kerja 2027")
    karo.deactivate()
    admin.mark_seen()
    await s.approve("kabag", case_id)
    await admin.wait_message(lambda m: "telah dihapus" in m.text, timeout=WAIT)
    assert not await started_bot(world, karo.id)

    admin.mark_seen()
    await admin.send(f"/alihkan karo {karo.id} 1007")
    answer = plain((await admin.wait_message(lambda m: "dialihkan" in m.text, timeout=WAIT)).text)
    assert "keduanya telah diberi tahu" not in answer, answer
    assert "belum dapat diberi tahu" in answer, answer
    await s.approve("plh", case_id)  # the task went to the new holder, who decides
    await s.seen("kabag", lambda m: f"Berkas #{case_id}" in m.text and "Langkah 4" in m.text)


async def test_kabag_changes_his_telegram_username_and_the_bot_records_it(world: World) -> None:
    """Kabag changes his Telegram username from @kabag to @budi_mk and goes on using the
    bot: the people table (what `sopbot export` lists) follows; when he drops it, it is
    empty, not his old one."""
    kabag = world["kabag"]

    async def username() -> str | None:
        person: repo.Person | None = await world.services.db.read(repo.get_person, kabag.id)
        assert person is not None
        return person.username

    async def says_saya() -> None:
        kabag.mark_seen()
        await kabag.send("/saya")
        await kabag.wait_message(timeout=WAIT)

    await says_saya()
    assert await username() == "kabag"
    kabag.record.username = "budi_mk"
    await says_saya()
    assert await username() == "budi_mk"
    kabag.record.username = None
    await says_saya()
    assert await username() is None


def forward_the_bots(world: World, user: EmuUser, text: str) -> None:
    """``user`` forwards a message of the bot's own into its chat (the emulator's people do
    not forward: the update as Telegram sends it)."""
    state = world.emu.state
    record = state.add_message(user.private_chat, user.record, text=text)
    payload = record.to_api(state.bot_user)
    payload["forward_origin"] = {"type": "user", "sender_user": state.bot_user, "date": state.now()}
    state.push_update("message", payload)


async def invitation(world: World, role: str) -> str:
    """The one-time token of an invitation to ``role``, as the administrator receives it."""
    admin = world["admin"]
    admin.mark_seen()
    await admin.send(f"/undang {role}")
    link = await admin.wait_message(lambda m: "t.me/" in m.text, timeout=WAIT)
    return link.text.rsplit("start=", 1)[1].split()[0]


async def test_a_newcomer_who_forwards_while_registering_is_not_offered_to_cancel(
    world: World,
) -> None:
    """A newcomer asked his full name forwards the bot's welcome by mistake: he is asked to
    type it and the question stays, without /batal (which would leave him registered with
    no name, NIP or position). Correcting his data later, /batal is offered: it keeps the
    data as it was."""
    token = await invitation(world, "fungsional_umum")
    newcomer = world.emu.user(3006, "Arsiparis Baru")
    await newcomer.send(f"/start {token}")
    await newcomer.wait_message(lambda m: "nama lengkap" in m.text, timeout=WAIT)
    newcomer.mark_seen()
    forward_the_bots(world, newcomer, "Selamat datang")
    told = await newcomer.wait_message(timeout=WAIT)
    assert told.text == t.FORWARDED_FROM_BOT.format(ask=t.ANS_TYPE_NAME, cancel="")
    assert "/batal" not in told.text
    for answer in ("Dedi Kurniawan, A.Md.", "-", "Arsiparis"):
        await newcomer.send(answer)
        got = await newcomer.wait_message(timeout=WAIT)
    assert "telah tersimpan" in got.text

    await newcomer.send("/saya")
    mine = await newcomer.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
    await newcomer.press(mine, t.BTN_FIX_PROFILE)
    await newcomer.wait_message(lambda m: "Perbaikan data" in m.text, timeout=WAIT)
    newcomer.mark_seen()
    forward_the_bots(world, newcomer, "Selamat datang")
    told = await newcomer.wait_message(timeout=WAIT)
    assert "ketik /batal untuk membatalkan" in told.text


async def test_a_name_typed_with_a_typo_can_be_corrected(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Wulan joins the team by invitation and types her name with a typo ("Wulan Sarii")
    and an old NIP: both would go on the SK Tim and every paper she signs. /saya offers
    "Perbaiki data": she starts, thinks better of it and types /batal (nothing changes).
    The administrator then asks her with /ubah_data; she presses the button his note
    carries, types her name, NIP and position again, and he is told what changed. The log
    has one line naming the old and new name, not the NIP."""
    admin, unit = world["admin"], world.config.organisation.unit
    token = await invitation(world, "tim")
    wulan = world.emu.user(2002, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(timeout=WAIT)
    for answer in ("Wulan Sarii, S.E.", "199501012020122001", "Analis Anggaran"):
        await wulan.send(answer)
        got = await wulan.wait_message(timeout=WAIT)
    assert "telah tersimpan" in got.text

    async def person() -> repo.Person:
        found: repo.Person | None = await world.services.db.read(repo.get_person, 2002)
        assert found is not None
        return found

    async def answered(text: str) -> str:
        await wulan.send(text)
        return plain((await wulan.wait_message(timeout=WAIT)).text)

    # from /saya: the questions show what is kept now; /batal keeps it
    await wulan.send("/saya")
    mine = await wulan.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
    await wulan.press(mine, t.BTN_FIX_PROFILE)
    asked = await wulan.wait_message(lambda m: "Perbaikan data" in m.text, timeout=WAIT)
    assert "nama lengkap" in asked.text and "Saat ini: Wulan Sarii, S.E." in plain(asked.text)
    assert "NIP" in (nip_question := await answered("Wulan Sari, S.E."))
    assert "Saat ini: 199501012020122001" in nip_question
    assert await answered("/batal") == plain(t.FIX_CANCELLED)
    assert (await person()).name == "Wulan Sarii, S.E."

    # the administrator asks; she types her own data; he is told what changed
    assert "/ubah_data" in await said(world, "admin", "/bantuan")
    sent = await said(world, "admin", "/ubah_data 2002")
    assert sent.startswith(
        "Permintaan perbaikan data telah dikirim kepada Wulan Sarii, S.E. (ID 2002)."
    )
    note = await wulan.wait_message(lambda m: "Administrator meminta" in m.text, timeout=WAIT)
    admin.mark_seen()
    caplog.set_level(logging.INFO, logger="bot.services.people")
    await wulan.press(note, t.BTN_FIX_PROFILE)
    await wulan.wait_message(lambda m: "Perbaikan data" in m.text, timeout=WAIT)
    assert "NIP" in await answered("Wulan Sari, S.E.")
    position_question = await answered("199601012021122002")
    assert "jabatan" in position_question and "Saat ini: Analis Anggaran" in position_question
    done = await answered("Analis Anggaran Ahli Pertama")
    assert "data Bapak/Ibu telah diperbarui" in done and "Nama: Wulan Sari, S.E." in done
    told = plain((await admin.wait_message(lambda m: "memperbarui" in m.text, timeout=WAIT)).text)
    assert told == (
        "✏️ Wulan Sari, S.E. (ID 2002) telah memperbarui datanya.\n"
        "Nama: Wulan Sarii, S.E. → Wulan Sari, S.E.\n"
        "NIP: 199501012020122001 → 199601012021122002\n"
        "Jabatan: Analis Anggaran → Analis Anggaran Ahli Pertama"
    )
    now = await person()
    assert (now.name, now.nip, now.position) == (
        "Wulan Sari, S.E.",
        "199601012021122002",
        "Analis Anggaran Ahli Pertama",
    )
    lines = [r.getMessage() for r in caplog.records if "corrected their data" in r.getMessage()]
    assert lines == [
        "person 2002 corrected their data (name, NIP, position): "
        "name 'Wulan Sarii, S.E.' → 'Wulan Sari, S.E.'"
    ]
    assert await world.services.db.read(repo.active_roles, 2002, unit) == frozenset({"tim"})


async def test_a_name_of_emoji_or_with_a_direction_mark_is_refused_saying_why(
    world: World,
) -> None:
    """Wulan, joining the team by invitation, answers the question for her name with
    "🙂🙂", then with "..." and then with a name holding a right-to-left override. Each
    time she is told, politely, why it cannot be kept (a name needs letters; a direction
    mark would turn the name around on every list), then asked again; before, the bot
    only asked the question again, as if she had not answered. Her position is held to
    the same rule. Her name as she then types it is kept."""
    token = await invitation(world, "tim")
    wulan = world.emu.user(2003, "Wulan")
    await wulan.send(f"/start {token}")
    await wulan.wait_message(timeout=WAIT)

    async def answered(text: str) -> str:
        wulan.mark_seen()
        await wulan.send(text)
        return plain((await wulan.wait_message(timeout=WAIT)).text)

    asked_name = plain(t.ASK_NAME)
    no_letters = plain(t.PROFILE_NO_LETTERS.format(what=t.PROFILE_WHAT_NAME))
    for typed in ("🙂🙂", "..."):
        assert await answered(typed) == f"{no_letters}\n{asked_name}", typed
    turned = plain(t.PROFILE_CONTROL_CHARACTERS.format(what=t.PROFILE_WHAT_NAME))
    assert await answered("Wulan \u202eiraS") == f"{turned}\n{asked_name}"
    assert "Mohon maaf" in no_letters and "Mohon maaf" in turned
    assert "NIP" in await answered("Wulan Sari, S.E.")
    assert "jabatan" in await answered("-")
    no_letters = plain(t.PROFILE_NO_LETTERS.format(what=t.PROFILE_WHAT_POSITION))
    assert await answered("👩‍💼") == f"{no_letters}\n{plain(t.ASK_POSITION)}"
    assert "telah tersimpan" in await answered("Analis Anggaran")
    kept = await world.services.db.read(repo.get_person, 2003)
    assert kept is not None and (kept.name, kept.position) == (
        "Wulan Sari, S.E.",
        "Analis Anggaran",
    )


async def test_a_corrected_nip_of_an_official_named_in_the_config_survives_a_restart(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Budi, named in [[people]] with his old NIP, corrects it with "Perbaiki data" and is
    told it was saved. The bot is restarted with the same config: his NIP stays as he
    typed it (the config only seeds a profile the database has none of), and the log tells
    the operator the config differs and how corrections are made."""
    await corrects_his_profile(world, "Budi Santoso, S.E., M.Si.", "197505102000031009")
    with caplog.at_level(logging.WARNING, logger="bot.services.people"):
        await world.stop_bot()
        await world.start_bot()
    person = await world.services.db.read(repo.get_person, 1002)
    assert person is not None and person.nip == "197505102000031009"
    assert "197505102000031009" in await said(world, "kabag", "/saya")
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.services.people"]
    assert warned == [
        "people[1] gives ID 1002 a profile that differs from the database's: the database "
        "has NIP '197505102000031009' (the config: '197505102000031002'); not written at "
        "start: the database is the record of a person's profile once it has one: the "
        "person corrects it with 'Perbaiki data' in /saya (an administrator asks them with "
        "/ubah_data in Telegram), and this entry is brought in line or its name, nip and "
        "position taken out"
    ]


SITI_NIP_AS_ON_HER_SK = "19780315 200501 2 003"


async def test_siti_named_in_the_config_with_her_nip_as_on_her_sk_types_it_again_and_nothing_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The operator wrote Siti's NIP in [[people]] as her SK prints it, with spaces. The
    administrator asks her to check her data; she types her name, NIP (as on her SK) and
    position as they are. He is told nothing changed, no earlier profile is kept, and a
    restart warns of no difference: one NIP, one string."""
    people = [
        p.entry(nip=SITI_NIP_AS_ON_HER_SK if p.key == "kasubag" else p.nip) for p in OFFICIALS
    ]
    async with World(tmp_path, people=people) as world:
        await world.everyone_starts()
        admin, siti = world["admin"], world["kasubag"]
        await said(world, "admin", "/ubah_data 1001")
        note = await siti.wait_message(lambda m: "Administrator meminta" in m.text, timeout=WAIT)
        admin.mark_seen()
        await siti.press(note, t.BTN_FIX_PROFILE)
        await siti.wait_message(lambda m: "Perbaikan data" in m.text, timeout=WAIT)
        for answer in (
            "Dra. Siti Rahmawati, M.M.",
            SITI_NIP_AS_ON_HER_SK,
            "Kepala Subbagian Program dan Anggaran",
        ):
            await said(world, "kasubag", answer)
        told = plain(
            (await admin.wait_message(lambda m: "memperbarui" in m.text, timeout=WAIT)).text
        )
        assert told.endswith(t.FIX_UNCHANGED), told
        person = await world.services.db.read(repo.get_person, 1001)
        assert person is not None and person.nip == "197803152005012003"
        assert await world.services.db.read(repo.earlier_profiles, [1001]) == {}
        with caplog.at_level(logging.WARNING, logger="bot.services.people"):
            await world.stop_bot()
            await world.start_bot()
        assert [r.getMessage() for r in caplog.records if r.name == "bot.services.people"] == []


async def test_a_nip_an_earlier_version_kept_with_spaces_is_kept_bare_at_start_as_no_change(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """An earlier version kept Siti's NIP as the config wrote it, with spaces. The bot
    starts with the config that writes it so: her NIP is kept as its 18 digits, with no
    earlier profile and no warning (the same NIP); her /saya shows the digits."""
    await world.services.db.write(
        lambda tx: tx.run(
            "UPDATE people SET nip = ? WHERE telegram_id = 1001", (SITI_NIP_AS_ON_HER_SK,)
        )
    )
    with caplog.at_level(logging.WARNING, logger="bot.services.people"):
        await world.stop_bot()
        await world.start_bot()
    assert [r.getMessage() for r in caplog.records if r.name == "bot.services.people"] == []
    person = await world.services.db.read(repo.get_person, 1001)
    assert person is not None and person.nip == "197803152005012003"
    assert await world.services.db.read(repo.earlier_profiles, [1001]) == {}
    assert "NIP: 197803152005012003" in await said(world, "kasubag", "/saya")


async def corrects_his_profile(world: World, name: str, nip: str) -> None:
    """Budi (Kabag) corrects his name and NIP with "Perbaiki data" in /saya (his position
    as it was) and is told it was saved."""
    budi = world["kabag"]
    budi.mark_seen()
    await budi.send("/saya")
    mine = await budi.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
    await budi.press(mine, t.BTN_FIX_PROFILE)
    await budi.wait_message(lambda m: "Perbaikan data" in m.text, timeout=WAIT)
    for answer in (name, nip):
        budi.mark_seen()
        await budi.send(answer)
        await budi.wait_message(timeout=WAIT)
    done = await said(world, "kabag", "Kepala Bagian Manajemen Kinerja")
    assert "data Bapak/Ibu telah diperbarui" in done


async def test_a_case_history_names_an_official_as_he_was_when_he_decided(
    world: World,
) -> None:
    """Budi (Kabag) returns the proposal with a reason, then corrects his name with
    "Perbaiki data" and approves the resubmitted proposal. Karo's /status names the return
    by the name Budi had when he returned it, and the approval by his new one."""
    s = Script(world, timeout=WAIT)
    case = await s.submit("Program Kerja TA 2027")
    await s.review_return("kabag", case, REASON)
    await corrects_his_profile(world, "Ir. Budi Santoso, M.Si.", "197505102000031002")
    await s.press("kasubag", "Ajukan", case)
    await s.approve("kabag", case)
    await world.drained()
    history = await said(world, "karo", f"/status {case}")
    assert "Budi Santoso, S.E., M.Si. (Kabag) mengembalikan" in history
    assert "Ir. Budi Santoso, M.Si. (Kabag) menyetujui" in history


async def said(world: World, who: str, text: str) -> str:
    user = world[who]
    user.mark_seen()
    await user.send(text)
    return plain((await user.wait_message(timeout=WAIT)).text)


async def test_rudi_back_a_year_after_blocking_the_bot_is_not_told_of_cases_long_archived(
    tmp_path: Path,
) -> None:
    """Rudi (Tim) blocks the bot; the case whose team he is in is worked by Ayu and
    archived, and what the bot had for him (the SK Tim, his task, the notice that the case
    is archived) is refused. A year later, the delivered messages long forgotten, he comes
    back: he gets the welcome, not a year-old "Berkas telah selesai dan diarsipkan" for a
    case closed long ago; and the refused rows of that closed case are gone from the
    outbox (kept no longer than the delivered ones)."""
    clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        rudi = world["tim2"]
        rudi.block()

        async def blocked() -> bool:
            return not await started_bot(world, rudi.id)

        await until(world, blocked)
        s = Script(world)
        case_id = await s.submit("Usulan Program Kerja 2027")
        await s.to_the_drafts(case_id)  # the team: Ayu and Rudi
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
            await s.upload("tim1", case_id, name, draft(name))
        await s.press("tim1", "Serahkan draf", case_id)
        for who in ("kasubag", "kabag", "karo"):
            await s.approve(who, case_id)
        await s.press("kabag", "Teruskan", case_id)
        await s.press("kasubag", "Teruskan", case_id)
        await s.press("fu", "Arsipkan", case_id)
        await s.answer_prompt("fu", "ARS/PK/2027/001")
        await world["kasubag"].wait_message(lambda m: "diarsipkan" in m.text, timeout=WAIT)
        await world.drained()
        refused = "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND failed_at IS NOT NULL"
        assert await count(world, refused, rudi.id) >= 1

        clock.set(clock.now() + timedelta(days=365))
        await world.services.outbox.prune()
        assert await count(world, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", rudi.id) == 0

        before = len(rudi.bot_messages)
        rudi.unblock()
        await rudi.send("/start")
        await rudi.wait_message(lambda m: "Selamat datang" in m.text, timeout=WAIT)
        await world.drained()
        assert not [m for m in rudi.bot_messages[before:] if "selesai dan diarsipkan" in m.text]
