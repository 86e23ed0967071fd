"""Races on one case: two people acting at the same moment, one person pressing twice, an
upload racing a decision, the same file sent twice. Exactly one action wins; whoever lost
is told why; the log stays a valid history.

"At the same moment" means both updates are in the same ``getUpdates`` answer: the presses
or messages are made in one go, before the bot fetches; the bot then handles different
people's updates concurrently (one person's in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import sqlite3
from pathlib import Path
from typing import Literal

import pytest
from reliability_helpers import load_case, load_events, log_problems, query, sqlite_file
from updates_watch import UpdatesWatch

from bot import texts as t
from bot.core.model import EventType
from bot.demo import Script, World, draft
from bot.outbox import ACK_REACTION as ACK
from emulator import EmuMessage, EmuUser
from storage import repo

TIMEOUT = 15.0
# no upload expected; stale; the step moved on while the file came
REFUSED = ("Mohon maaf, saat ini tidak ada", "Sudah diproses", "Mohon maaf, dokumen")


def newest_with(user: EmuUser, label: str, case: int) -> EmuMessage:
    return next(
        m
        for m in reversed(user.bot_messages)
        if f"Berkas #{case}" in m.text and any(label in b for b in m.button_texts)
    )


def button(message: EmuMessage, label: str) -> str:
    return next(b for b in message.button_texts if label in b)


async def wait_button(world: World, who: str, label: str, case: int) -> EmuMessage:
    user = world[who]

    def shown() -> bool:
        try:
            newest_with(user, label, case)
        except StopIteration:
            return False
        return True

    await world.emu.wait_until(shown, timeout=TIMEOUT)
    return newest_with(user, label, case)


def moves(world: World, case: int) -> list[tuple[EventType, int, int | None]]:
    events = load_events(sqlite_file(world), case)
    return [(e.type, e.step, e.to_step) for e in events if e.is_move]


def log_is_valid(world: World, case: int) -> None:
    db = sqlite_file(world)
    stored = load_case(db, case)
    assert stored is not None
    assert log_problems(world.services.sops.default, stored, load_events(db, case)) == []


def told_already_handled(answer_text: str | None, user: EmuUser, since: int) -> bool:
    """The loser learns the step had moved on: in the button's answer, or in a message."""
    if answer_text and answer_text.startswith("Sudah diproses"):
        return True
    return any(
        m.message_id > since and m.text.startswith("Sudah diproses") for m in user.bot_messages
    )


def last_id(user: EmuUser) -> int:
    return max((m.message_id for m in user.messages), default=0)


async def test_decisions_on_one_step_two_people_or_one_person_twice(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        watch = UpdatesWatch(world.emu)
        await world.everyone_starts()
        s = Script(world)
        kasubag, kabag, karo = world["kasubag"], world["kabag"], world["karo"]
        outcomes: list[str] = []
        # Kasubag withdraws what Kabag approves: at the same moment (in both orders of
        # arrival), and with Kabag's press a moment earlier: handed to the bot before
        # Kasubag presses
        for kasubag_first, earlier in ((True, False), (False, False), (False, True)):
            case = await s.submit(f"Uji tarik vs setujui {len(outcomes)}")
            withdraw = await wait_button(world, "kasubag", "Tarik kembali", case)
            approve = await wait_button(world, "kabag", "Setujui", case)
            marks = last_id(kasubag), last_id(kabag)
            pairs = [
                (kasubag, withdraw, button(withdraw, "Tarik kembali")),
                (kabag, approve, button(approve, "Setujui")),
            ]
            if not kasubag_first:
                pairs.reverse()
            results = []
            for user, m, label in pairs:
                results.append(user.press(m, label, timeout=TIMEOUT))
                if earlier and len(results) == 1:
                    await watch.handed_out_callback(results[0].query_id, TIMEOUT)
            answers = {r.query.user.id: (await r).text for r in results}
            await world.drained()
            after = moves(world, case)[1:]  # after the submission
            assert len(after) == 1, after  # exactly one of the two happened
            kind = after[0][0]
            assert kind in (EventType.WITHDRAWN, EventType.APPROVED)
            if kind is EventType.WITHDRAWN:
                assert told_already_handled(answers[kabag.id], kabag, marks[1])

                def withdrawn(m: EmuMessage, c: int = case) -> bool:
                    return m.text.startswith("⏪ Ditarik kembali") and f"Berkas #{c}\n" in m.text

                await world["kasubag"].wait_message(withdrawn, timeout=TIMEOUT)
            else:
                assert told_already_handled(answers[kasubag.id], kasubag, marks[0])
            log_is_valid(world, case)
            outcomes.append(kind.value)
        print(f"\n[race] withdrawal vs approval (same moment x2, Kabag earlier): {outcomes}")

        # a double tap: Kabag presses "Setujui" twice in one go
        case = await s.submit("Uji ketuk ganda")
        message = await wait_button(world, "kabag", "Setujui", case)
        label = button(message, "Setujui")
        first, second = kabag.press(message, label), kabag.press(message, label)
        taps = [(await first).text, (await second).text]
        assert taps[0] == t.ANS_DONE
        assert taps[1] is not None and taps[1].startswith("Sudah diproses"), taps
        # and a slow double tap: Karo's phone still shows the button after the first press
        message = await wait_button(world, "karo", "Setujui", case)
        data = next(d for row in message.buttons for text, d in row if "Setujui" in text)
        assert data is not None
        assert (await karo.press(message, button(message, "Setujui"))).text == t.ANS_DONE
        late = await karo.press_data(message, data, timeout=TIMEOUT)
        assert late.text is not None and late.text.startswith("Sudah diproses")
        await world.drained()
        assert moves(world, case) == [
            (EventType.COMPLETED, 1, 2),
            (EventType.APPROVED, 2, 3),
            (EventType.APPROVED, 3, 4),
        ]
        log_is_valid(world, case)


async def upload_racing_hand_in(world: World, case: int, data: bytes, *, upload_ahead: bool) -> str:
    """Ayu sends a new version of a draft while Rudi hands the drafts in: at the same moment,
    or with the upload a step ahead (the bot is already downloading it). Either the upload
    is recorded before the hand-in and goes with it (the bot reacts to Ayu's file), or it
    is refused and Ayu is told why."""
    tim1, tim2 = world["tim1"], world["tim2"]
    db = sqlite_file(world)
    hand_in = await wait_button(world, "tim2", "Serahkan draf", case)
    await world.drained()
    mark, seen = last_id(tim1), len(load_events(db, case))
    downloads = len(world.emu.calls_to("getFile"))
    sent = await tim1.send_document(data, file_name="Draf RKAKL.docx", caption=f"#{case}")
    if upload_ahead:
        await world.emu.wait_until(
            lambda: len(world.emu.calls_to("getFile")) > downloads, timeout=TIMEOUT
        )
    pressed = tim2.press(hand_in, button(hand_in, "Serahkan draf"), timeout=TIMEOUT)
    assert (await pressed).text == t.ANS_DONE  # the hand-in never loses to an upload

    def refusal() -> EmuMessage | None:
        return next(
            (m for m in tim1.bot_messages if m.message_id > mark and m.text.startswith(REFUSED)),
            None,
        )

    await world.emu.wait_until(
        lambda: bool(sent.bot_reactions) or refusal() is not None, timeout=TIMEOUT
    )
    await world.drained()
    events = load_events(db, case)[seen:]
    kinds = [(e.type, e.step) for e in events]
    refused = refusal()
    if kinds == [(EventType.FILE_ATTACHED, 6), (EventType.COMPLETED, 6)]:
        assert sent.bot_reactions == [ACK] and refused is None  # and it went with the hand-in
        assert events[0].data["sha256"] == hashlib.sha256(data).hexdigest()
        return "the upload, then the hand-in"
    assert kinds == [(EventType.COMPLETED, 6)], kinds
    assert refused is not None and not sent.bot_reactions
    return f"the hand-in; the upload refused ({refused.text[:40]!r}...)"


async def test_a_draft_still_downloading_when_rudi_hands_in_is_refused_by_its_name(
    tmp_path: Path,
) -> None:
    """Ayu sends a new RKAKL draft; Telegram is slow to hand the file over, and meanwhile
    Rudi hands the drafts in. Ayu is told her file was not kept, by its name: not a bare
    "sudah diproses" that reads as if the file went with the drafts."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Uji unduhan lambat")
        await s.to_the_drafts(case)
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
            await s.upload("tim1", case, name, draft(name))
        tim1, tim2 = world["tim1"], world["tim2"]
        hand_in = await wait_button(world, "tim2", "Serahkan draf", case)
        await world.drained()
        held = world.emu.faults.hang(1, seconds=2.0, method="getFile", execute="after")
        tim1.mark_seen()
        sent = await tim1.send_document(
            draft("RKAKL", 2), file_name="Draf RKAKL revisi.docx", caption=f"#{case}"
        )
        # the bot's getFile has come and is held
        await world.emu.wait_until(lambda: held not in world.emu.faults.rules, timeout=TIMEOUT)
        assert (await tim2.press(hand_in, button(hand_in, "Serahkan draf"))).text == t.ANS_DONE
        told = await tim1.wait_message(lambda m: "tidak dicatat" in m.text, timeout=TIMEOUT)
        assert told.text == re.sub(
            r"<[^>]+>", "", t.FILE_STEP_MOVED_ON.format(name="Draf RKAKL revisi.docx")
        )
        assert not sent.bot_reactions


async def test_the_team_races_at_hand_in(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        tim1, tim2 = world["tim1"], world["tim2"]
        db = sqlite_file(world)
        case = await s.submit("Uji tim")
        await s.to_the_drafts(case)
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
            await s.upload("tim1", case, name, draft(name))
        await s.upload("tim2", case, "Bahan pendukung.pdf", b"%PDF-1.4 bahan")

        # an upload racing the hand-in, at the same moment
        races = [await upload_racing_hand_in(world, case, draft("RKAKL", 2), upload_ahead=False)]
        await s.review_return("kasubag", case, "Rincian belanja per output belum ada.")

        # the same file twice at once, then once more: one version
        before = len(load_events(db, case))
        rkakl3 = draft("Draf RKAKL", 3)
        mark = last_id(tim1)
        sent = await asyncio.gather(
            *(
                tim1.send_document(rkakl3, file_name="Draf RKAKL.docx", caption=f"#{case}")
                for _ in range(2)
            )
        )

        def not_again() -> list[EmuMessage]:
            return [
                m
                for m in tim1.bot_messages
                if m.message_id > mark and "tidak dicatat ulang" in m.text
            ]

        # one file is taken (the bot reacts to it), the other is answered "not again"
        await world.emu.wait_until(
            lambda: any(m.bot_reactions for m in sent) and bool(not_again()), timeout=TIMEOUT
        )
        # once more, later: answered "not again" too (a second such answer, not the first)
        await tim1.send_document(rkakl3, file_name="Draf RKAKL.docx", caption=f"#{case}")
        await world.emu.wait_until(lambda: len(not_again()) == 2, timeout=TIMEOUT)
        await world.drained()
        attached = load_events(db, case)[before:]
        assert [e.type for e in attached] == [EventType.FILE_ATTACHED]
        assert sorted(m.bot_reactions for m in sent) == [[], [ACK]]
        assert len(not_again()) == 2  # the second of the two, and the one sent later
        stored = load_case(db, case)
        assert stored is not None
        sha3 = hashlib.sha256(rkakl3).hexdigest()
        assert len([a for a in stored.files if a.sha256 == sha3]) == 1
        rows = query(db, "SELECT COUNT(*) FROM files WHERE sha256 = ?", (sha3,))
        assert rows[0][0] == 1

        # an upload racing the hand-in, the upload a step ahead
        races.append(await upload_racing_hand_in(world, case, draft("RKAKL", 4), upload_ahead=True))
        print(f"\n[race] upload vs hand-in (same moment, upload ahead): {races}")
        await s.review_return("kasubag", case, "Mohon diselaraskan dengan pagu indikatif.")

        # both members hand in at the same moment
        one = await wait_button(world, "tim1", "Serahkan draf", case)
        two = await wait_button(world, "tim2", "Serahkan draf", case)
        mark2 = last_id(tim1), last_id(tim2)
        results = [
            tim1.press(one, button(one, "Serahkan draf"), timeout=TIMEOUT),
            tim2.press(two, button(two, "Serahkan draf"), timeout=TIMEOUT),
        ]
        answers = [(await r).text for r in results]
        await world.drained()
        hand_ins = [m for m in moves(world, case) if m[0] is EventType.COMPLETED and m[1] == 6]
        assert len(hand_ins) == 3  # two hand-ins before, and exactly one of the two now
        assert sorted(a == t.ANS_DONE for a in answers) == [False, True], answers
        loser = 0 if answers[0] != t.ANS_DONE else 1
        assert told_already_handled(answers[loser], (tim1, tim2)[loser], mark2[loser])
        log_is_valid(world, case)
        print(f"[race] two members hand in at once: {answers}")


async def test_a_late_second_press_keeps_the_withdraw_button(tmp_path: Path) -> None:
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        kabag = world["kabag"]
        case = await s.submit("Uji tombol tarik")
        message = await wait_button(world, "kabag", "Setujui", case)
        data = next(d for row in message.buttons for text, d in row if "Setujui" in text)
        assert data is not None
        assert (await kabag.press(message, button(message, "Setujui"))).text == t.ANS_DONE
        await kabag.wait_edit(message, lambda m: "Tarik kembali" in " ".join(m.button_texts))
        await world.drained()
        edits = len(world.emu.calls_to("editMessageReplyMarkup"))
        late = await kabag.press_data(message, data, timeout=TIMEOUT)
        assert late.text is not None and late.text.startswith("Sudah diproses")
        with contextlib.suppress(TimeoutError):  # the stale press's clean-up, if any
            await world.emu.wait_until(
                lambda: len(world.emu.calls_to("editMessageReplyMarkup")) > edits, timeout=2
            )
        assert any("Tarik kembali" in b for b in message.button_texts)


async def test_a_double_tap_keeps_the_withdraw_button(tmp_path: Path) -> None:
    """Kabag taps Setujui twice (or Setujui, then Kembalikan) before his phone shows the
    outcome: both presses carry the task message as it was. The first approves and shows
    Tarik kembali; the second is answered "sudah diproses" and leaves that fresh button."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world)
        kabag = world["kabag"]
        for second in ("Setujui", "Kembalikan"):
            case = await s.submit(f"Uji ketuk ganda {second}")
            message = await wait_button(world, "kabag", "Setujui", case)
            first = kabag.press(message, button(message, "Setujui"), timeout=TIMEOUT)
            again = kabag.press(message, button(message, second), timeout=TIMEOUT)
            assert (await first).text == t.ANS_DONE
            late = (await again).text
            assert late is not None and late.startswith("Sudah diproses")
            await world.drained()
            assert moves(world, case)[-1] == (EventType.APPROVED, 2, 3)
            assert "Disetujui" in message.text
            assert message.button_texts == [t.BTN_WITHDRAW], (second, message.button_texts)


async def rudi_about_to_hand_in(world: World, title: str) -> tuple[int, EmuMessage]:
    """A case at step 6 with the three drafts in; Rudi's task message offers the hand-in."""
    s = Script(world)
    case = await s.submit(title)
    await s.to_the_drafts(case)
    for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
        await s.upload("tim1", case, name, draft(name))
    hand_in = await wait_button(world, "tim2", "Serahkan draf", case)
    await world.drained()
    return case, hand_in


SLOW_EDIT: dict[str, tuple[Literal["before", "after"], float]] = {
    # Telegram holds the outbox's edit 1.5 s, applying it at the end, or at once
    "applies the edit late": ("after", 1.5),
    "answers the edit late": ("before", 1.5),
    # ... or answers it while Rudi's press is still being answered (the bot has taken the
    # hand-in and is about to show it), and is slow to take the edits that follow
    "answers the edit while the press is answered": ("before", 0.6),
}


@pytest.mark.parametrize("telegram", sorted(SLOW_EDIT))
async def test_rudis_hand_in_stays_shown_over_a_checklist_edit_on_its_way(
    tmp_path: Path, telegram: str
) -> None:
    """Ayu uploads a new RKAKL, so the outbox edits Rudi's task message (its checklist);
    Telegram is slow with that edit, and meanwhile Rudi presses Serahkan draf on that very
    message. In the end the message shows the hand-in with its Tarik kembali: not the old
    task over it, nor the hand-in without its button."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        emu = world.emu
        case, hand_in = await rudi_about_to_hand_in(world, f"Uji suntingan tertahan {telegram}")
        tim2 = world["tim2"]
        execute, seconds = SLOW_EDIT[telegram]
        held = emu.faults.hang(
            1, seconds=seconds, method="editMessageText", execute=execute, chat_id=tim2.id
        )
        await Script(world).upload("tim1", case, "Draf RKAKL v2.docx", draft("RKAKL", 2))
        await emu.wait_until(lambda: held not in emu.faults.rules, timeout=TIMEOUT)
        if telegram == "answers the edit while the press is answered":
            emu.faults.hang(1, seconds=1.5, method="answerCallbackQuery", execute="before")
            emu.faults.hang(
                1, seconds=1.5, method="editMessageReplyMarkup", execute="after", chat_id=tim2.id
            )
        pressed = await tim2.press(hand_in, button(hand_in, "Serahkan draf"), timeout=TIMEOUT)
        assert pressed.text == t.ANS_DONE
        await emu.wait_until(lambda: "Diserahkan oleh" in hand_in.text, timeout=TIMEOUT)
        decided = hand_in.text
        await asyncio.sleep(2.0)  # past the held calls
        await world.drained()
        assert moves(world, case)[-1] == (EventType.COMPLETED, 6, 7)
        assert hand_in.text == decided
        assert hand_in.button_texts == [t.BTN_WITHDRAW]


@pytest.mark.parametrize("execute", ["after", "before"])
async def test_rudis_returned_task_on_its_way_when_ayu_hands_in_says_she_did(
    tmp_path: Path, execute: Literal["before", "after"]
) -> None:
    """Kasubag returns the drafts to the team; Telegram is slow with Rudi's returned task
    (showing it at once, or only when it answers), and meanwhile Ayu hands the drafts in
    again. Rudi's returned task then says Ayu handed them in: not the return asking him to
    press Serahkan draf, with no button left to press."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        emu, s = world.emu, Script(world)
        case, hand_in = await rudi_about_to_hand_in(world, f"Uji tugas kembali tertahan {execute}")
        tim2 = world["tim2"]
        await tim2.press(hand_in, button(hand_in, "Serahkan draf"), timeout=TIMEOUT)
        await world.drained()
        mark = last_id(tim2)
        held = emu.faults.hang(
            1, seconds=2.0, method="sendMessage", execute=execute, chat_id=tim2.id
        )
        await s.review_return("kasubag", case, "Draf RKAKL belum memuat rincian belanja.")
        await emu.wait_until(lambda: held not in emu.faults.rules, timeout=TIMEOUT)
        await s.press("tim1", "Serahkan draf", case)  # while Rudi's task is on its way
        await asyncio.sleep(2.0)  # past the held call
        await world.drained()
        assert moves(world, case)[-2:] == [(EventType.RETURNED, 7, 6), (EventType.COMPLETED, 6, 7)]
        returned = [
            m for m in tim2.bot_messages if m.message_id > mark and "Langkah 6 dari 12" in m.text
        ]
        assert len(returned) == 1, [m.text for m in returned]
        task = returned[0]
        assert "Dikembalikan untuk diperbaiki" in task.text
        assert "✔️ Diserahkan oleh Ayu" in task.text, task.text
        assert "silakan menekan" not in task.text and task.buttons == []


STALLED = {
    "admin": ("admin", "/cabut 1005 tim", "Tim Penyusunan milik Rudi Hartono"),  # admins' path
    # a holder snoozes (within the norm: the reply says the reminder comes later still)
    "reminders": ("kasubag", "/tunda {other} 2j", "Pengingat Berkas #"),
    "people": ("tim1", "/saya", "ID Telegram:"),  # anyone's own data
}


@pytest.mark.parametrize("path", sorted(STALLED))
async def test_a_reply_stalled_for_one_person_holds_up_no_one_else(
    tmp_path: Path, path: str
) -> None:
    """Issue 12.6: Telegram holds the bot's answer to one person for 5 s (it arrives in
    the end); meanwhile Kabag approves his task, and the case moves on and Karo receives
    the next task while that answer is still on its way."""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Uji balasan tertahan")
        other = await s.new_case("Berkas lain yang dipegang Kasubag", 2027)
        await wait_button(world, "kabag", "Setujui", case)
        await world.drained()  # nothing else is on its way to anyone
        who, command, answered = STALLED[path]
        user = world[who]
        mark, calls = last_id(user), len(emu.calls)
        stall = emu.faults.hang(
            1, seconds=5, method="sendMessage", execute="after", chat_id=user.id
        )
        await user.send(command.format(other=other))
        await emu.wait_until(lambda: stall not in emu.faults.rules, timeout=TIMEOUT)

        def reply_arrived() -> bool:
            """The stalled answer is in the person's chat, or Telegram has answered it."""
            finished = any(
                c.method == "sendMessage" and str(c.params.get("chat_id")) == str(user.id)
                for c in emu.calls[calls:]
            )
            return finished or any(m.message_id > mark for m in user.bot_messages)

        await s.approve("kabag", case)
        task = await wait_button(world, "karo", "Setujui", case)
        assert not reply_arrived(), "Karo's task waited for the stalled answer"
        stored = await world.services.db.read(repo.load_case, case)
        assert stored is not None and stored.step == 3
        assert "Langkah 3 dari 12" in task.text
        # and the held answer arrives in the end
        reply = await user.wait_message(
            lambda m: m.message_id > mark and answered in m.text, timeout=TIMEOUT
        )
        print(f"\n[stall] {path}: {command!r} answered after Karo's task: {reply.text[:50]!r}")


async def test_someone_flooding_the_bot_holds_up_no_official(tmp_path: Path) -> None:
    """A stranger sends the bot 28 messages at once, and Telegram takes 0.3 s for each
    answer to his chat. Meanwhile Kabag approves his task: Karo receives the next task
    while the stranger's answers are still on their way. (Updates waiting for the same
    person's earlier one held all 16 places for updates in flight: Kabag's press waited
    until 13 of the stranger's had been answered.)"""
    async with World(tmp_path / "w") as world:
        emu = world.emu
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Uji banjir pesan")
        await wait_button(world, "kabag", "Setujui", case)
        await world.drained()
        stranger = emu.user(424242, "Orang Asing")
        flood = 28
        emu.faults.hang(flood, seconds=0.3, method="sendMessage", execute="after", chat_id=424242)
        for n in range(flood):
            await stranger.send(f"halo {n}")
        await s.approve("kabag", case)
        task = await wait_button(world, "karo", "Setujui", case)
        answered = len(stranger.bot_messages)
        print(f"\n[flood] Karo's task came after {answered} answers to the stranger")
        assert answered < 6, f"Karo's task came after {answered} answers to the stranger"
        assert "Langkah 3 dari 12" in task.text
        # every message of the stranger is answered in the end, in order
        await emu.wait_until(lambda: len(stranger.bot_messages) == flood, timeout=TIMEOUT)
        first_words = t.NOT_REGISTERED.split("<")[0].split("{")[0]
        assert all(m.text.startswith(first_words) for m in stranger.bot_messages)


async def test_the_bot_hears_officials_again_after_an_administrator_held_the_database_locked(
    tmp_path: Path,
) -> None:
    """An administrator opens the bot's database in the sqlite3 shell and holds a write
    transaction longer than the bot waits for a lock (5 s) while Kasubag asks for her
    tasks. The update cannot be kept meanwhile; the bot waits and tries again instead of
    ending its polling (it would have heard nobody until a restart). Her question is
    answered once the lock is gone, and so is her next one."""
    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        kasubag = world["kasubag"]
        admin = sqlite3.connect(sqlite_file(world), isolation_level=None)
        try:
            admin.execute("BEGIN IMMEDIATE")
            kasubag.mark_seen()
            shown = len(kasubag.bot_messages)
            await kasubag.send("/tugas")
            await asyncio.sleep(6.5)  # past the bot's 5 s busy timeout
            assert len(kasubag.bot_messages) == shown
        finally:
            admin.execute("COMMIT")
            admin.close()
        held = await kasubag.wait_message(timeout=30)
        assert "tugas" in held.text.lower()
        await kasubag.send("/saya")
        profile = await kasubag.wait_message(timeout=10)
        assert "Nama:" in profile.text
