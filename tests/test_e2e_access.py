"""End to end: who may do what, and what the bot does with what it must refuse.

Wrong roles, stale and forged buttons, strangers, groups, hostile text, invitations and
uploads — each through the real bot and the emulator; after every refusal the database
is what it was.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from e2e_helpers import case_of, until_case

from bot import parsing
from bot import texts as t
from bot.callbacks import Callback, Op
from bot.clock import ManualClock
from bot.core.model import CaseStatus, EventType
from bot.demo import (
    ADMIN_ID,
    OFFICIALS,
    Script,
    World,
    draft,
    has_button,
    names_case,
    play_sop,
)
from bot.filestore import MARKER
from bot.menus import COMMANDS
from emulator import CallbackAnswer, EmuMessage, EmuUser, PressResult
from emulator.state import CallbackQueryRecord
from storage import repo

WAIT = 15.0
TASK_BUTTONS = ("Setujui", "Kembalikan", "Ajukan", "Teruskan", "Serahkan", "Tetapkan", "Arsipkan")


# -- helpers ---------------------------------------------------------------------------


async def count(world: World, sql: str, *params: Any) -> int:
    return int(await world.services.db.read(lambda tx: tx.value(sql, params)))


async def snapshot(world: World, case_id: int | None = None) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was (after the outbox is drained)."""
    await world.drained()
    state: tuple[Any, ...] = ()
    if case_id is not None:
        case = await case_of(world, case_id)
        events = await world.services.db.read(repo.load_events, case_id)
        state = (case.version, case.step, case.status, len(events), len(case.files))
    tables = ("dialogues", "files", "outbox", "events", "cases", "role_assignments")
    return state + tuple([await count(world, f"SELECT COUNT(*) FROM {name}") for name in tables])


async def submit_proposal(world: World, s: Script, title: str = "Usulan Program Kerja") -> int:
    case = await s.submit(title)
    await until_case(world, case, lambda c: c.step == 2)
    return case


def newest(user: EmuUser, predicate: Callable[[EmuMessage], bool]) -> EmuMessage:
    found = [m for m in user.bot_messages if predicate(m)]
    assert found, f"{user.first_name} has no such message"
    return found[-1]


def is_task(case_id: int, step: int) -> Callable[[EmuMessage], bool]:
    return lambda m: (
        f"Berkas #{case_id}" in m.text
        and f"Langkah {step} dari 12" in m.text
        and any(word in label for label in m.button_texts for word in (*TASK_BUTTONS, "⬜"))
    )


async def latest_task(world: World, user: EmuUser, case_id: int, step: int) -> EmuMessage:
    """The newest message showing ``user`` the buttons of the step (waiting for it)."""
    wanted = is_task(case_id, step)
    await world.emu.wait_until(lambda: any(wanted(m) for m in user.bot_messages), timeout=WAIT)
    return newest(user, wanted)


async def press_all(presses: list[tuple[EmuUser, EmuMessage, str]]) -> list[CallbackAnswer]:
    results = [user.press_data(message, data, timeout=WAIT) for user, message, data in presses]
    return [await result for result in results]


def send_photo(world: World, user: EmuUser) -> None:
    """A photo from the user (the emulator's user side sends only text and documents)."""
    state = world.emu.state
    record = state.add_message(user.private_chat, user.record)
    payload = record.to_api(state.bot_user)
    payload["photo"] = [
        {
            "file_id": "AgACAgUAAxkBAAIBfoto",
            "file_unique_id": "AQADfoto",
            "width": 1280,
            "height": 960,
            "file_size": 180_000,
        }
    ]
    state.push_update("message", payload)


def send_sticker(world: World, user: EmuUser) -> None:
    """A sticker from the user (the emulator's user side sends no stickers)."""
    state = world.emu.state
    record = state.add_message(user.private_chat, user.record)
    payload = record.to_api(state.bot_user)
    payload["sticker"] = {
        "file_id": "CAACAgUAAxkBAAIBstiker",
        "file_unique_id": "AgADstiker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    state.push_update("message", payload)


def png(width: int = 2, height: int = 2) -> bytes:
    """A PNG header the emulator reads the size from (it does not decode images)."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + width.to_bytes(4, "big")
        + height.to_bytes(4, "big")
        + b"\x08\x02\x00\x00\x00"
        + b"\x00" * 16
    )


def send_empty_document(world: World, user: EmuUser, name: str, caption: str) -> None:
    """A 0-byte document from the user (the emulator's user side refuses to send one)."""
    state = world.emu.state
    stored = state.store_file(b"", name, "application/octet-stream")
    record = state.add_message(
        user.private_chat, user.record, document=stored.to_document(), caption=caption
    )
    state.push_update("message", record.to_api(state.bot_user))


def strip_html(text: str) -> str:
    """A message text as the user reads it (the bot sends HTML)."""
    return re.sub(r"<[^>]+>", "", text)


# -- roles and buttons -----------------------------------------------------------------


REGISTERED = {p.key for p in OFFICIALS} | {"admin"}  # the Plh of the demo has no role here


async def test_every_step_refuses_its_buttons_to_every_other_official(world: World) -> None:
    s = Script(world, WAIT)
    case = await s.new_case("Program Kerja Biro TA 2027", 2027)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    holders = {1: "kasubag", 2: "kabag", 3: "karo", 4: "kabag", 5: "kasubag", 6: "tim1"}
    holders |= {7: "kasubag", 8: "kabag", 9: "karo", 10: "kabag", 11: "kasubag", 12: "fu"}
    refused = 0
    for step in range(1, 13):
        holder = world[holders[step]]
        if step == 6:
            for name in ("Draf Program Kerja", "Draf RKAKL", "Draf Penetapan Kinerja"):
                await s.upload("tim1", case, f"{name}.docx", draft(name))
        task = await latest_task(world, holder, case, step)
        data = [d for _, d in (b for row in task.buttons for b in row) if d and d[0] != "w"]
        current = await case_of(world, case)
        if step == 5:
            data.append(Callback(Op.TEAM_DONE, case, 5, current.version).encode())
        assert data, f"no buttons at step {step}"
        before = await snapshot(world, case)
        owners = {"tim1", "tim2"} if step == 6 else {holders[step]}
        others = [u for key, u in world.users.items() if key not in owners and key in REGISTERED]
        seen = {u.id: len(u.bot_messages) for u in others}
        answers = await press_all([(u, u.bot_messages[0], d) for u in others for d in data])
        for answer in answers:
            assert answer == CallbackAnswer(t.ANS_NOT_YOURS, True), f"step {step}: {answer}"
        refused += len(answers)
        assert await snapshot(world, case) == before
        assert {u.id: len(u.bot_messages) for u in others} == seen
        assert task.buttons  # the holder's buttons are untouched
        # ... and the holder acts
        if step in (2, 3, 7, 8, 9):
            await s.approve(holders[step], case)
        elif step == 5:
            for name in ("Ayu", "Rudi", "Tetapkan tim"):
                await s.press("kasubag", name, case)
        elif step == 6:
            await s.press("tim1", "Serahkan draf", case)
        elif step == 12:
            await s.press("fu", "Arsipkan", case)
            await s.answer_prompt("fu", "x")  # not an archive number: asked again
            await world["fu"].wait_message(
                lambda m: "Nomor arsip belum sesuai" in m.text, timeout=WAIT
            )
            assert (await case_of(world, case)).is_open
            await world["fu"].send("ARS/PK/2027/009")
        else:
            await s.press(holders[step], "Ajukan" if step == 1 else "➡️ Teruskan", case)
        if step < 12:
            await until_case(world, case, lambda c: c.step == step + 1)  # noqa: B023
    await until_case(world, case, lambda c: c.status is CaseStatus.ARCHIVED)
    assert refused == 131  # 6 others (5 at the team step) x every button of each step


async def test_a_button_of_a_cancelled_case_says_the_case_is_closed(world: World) -> None:
    """The administrator cancels a proposal while Kabag's review task waits; a press on the
    task he kept is told the case is closed (not that the step was handled before)."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag = world["kabag"]
    task = await latest_task(world, kabag, case, 2)
    data = [d for _, d in (b for row in task.buttons for b in row) if d]
    await world["admin"].send(f"/batalkan {case} diajukan ganda")
    await until_case(world, case, lambda c: c.status is CaseStatus.CANCELLED)
    before = await snapshot(world, case)
    [answer] = await press_all([(kabag, task, data[0])])
    assert answer == CallbackAnswer(t.refusal("closed"), True)
    assert await snapshot(world, case) == before


async def test_a_stale_button_answers_sudah_diproses_and_changes_nothing(world: World) -> None:
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag = world["kabag"]
    task = await latest_task(world, kabag, case, 2)
    kabag.mark_seen()
    await kabag.send("/tugas")  # a second copy of the task, opened from the list
    listing = await kabag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
    assert (await kabag.press(listing, listing.button_texts[0], timeout=WAIT)).text == (
        t.ANS_TASK_OPENED
    )
    copy = await kabag.wait_message(is_task(case, 2), timeout=WAIT)
    assert copy.message_id != task.message_id
    old = [d for _, d in (b for row in copy.buttons for b in row) if d]
    # the first copy gives its buttons up to the one opened, and says where that one is
    await world.emu.wait_until(lambda: task.buttons == [], timeout=WAIT)
    assert "dikirim ulang di bawah" in task.text
    assert (await kabag.press(copy, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_DONE
    await until_case(world, case, lambda c: c.step == 3)
    await world.emu.wait_until(lambda: copy.button_texts == [t.BTN_WITHDRAW], timeout=WAIT)
    before = await snapshot(world, case)
    answers = await press_all(
        [(kabag, task, d) for d in old] + [(world["karo"], world["karo"].bot_messages[0], old[0])]
    )
    assert len(answers) == 3
    assert all(a == CallbackAnswer(t.ANS_ALREADY_HANDLED, True) for a in answers)
    assert await snapshot(world, case) == before
    # the step's own holder pressing an older version of this step changes nothing either
    version = (await case_of(world, case)).version
    stale = Callback(Op.REVIEW, case, 3, version - 1, "a").encode()
    answer = await world["karo"].press_data(world["karo"].bot_messages[0], stale, timeout=WAIT)
    assert answer.text == t.ANS_ALREADY_HANDLED
    assert await snapshot(world, case) == before


async def test_forged_buttons_are_answered_politely_and_change_nothing(world: World) -> None:
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag = world["kabag"]
    task = await kabag.wait_message(is_task(case, 2), timeout=WAIT)
    v = (await case_of(world, case)).version
    unknown = [
        "garbage",
        "🙂",
        "r",
        f"r:{case}",
        f"r:{case}:2",
        ":::",
        f"r:{case}:2:{v}:a:extra",
        f"R:{case}:2:{v}:a",
        f"r:{case}:2:{v}:A",
        f"r:{case}:2:{v}:a\n",
        f"r:١:2:{v}:a",
        "x" * 64,
        "r:" + "9" * 13 + f":2:{v}:a",
        f"r:{case}:2:{v}:" + "a" * 21,
        f"zz:{case}:2:{v}:a",
        f"q:{case}:2:{v}",
        f"r:-{case}:2:{v}:a",
        f"r:{case}:-2:{v}:a",
        f"r:{case}:2:{v}:z",
        "r:999:2:1:a",
        "r:0:1:1:a",
    ]
    wrong_kind = [  # real operations, but not of a review step
        f"f:{case}:2:{v}",
        f"f:{case}:2:{v}:n",
        f"s:{case}:2:{v}",
        f"t:{case}:2:{v}:1004",
        f"td:{case}:2:{v}",
        f"ar:{case}:2:{v}",
        f"af:{case}:2:{v}:0",
    ]
    stale = [f"r:{case}:1:{v}:a", f"r:{case}:2:{v + 1}:a", f"r:{case}:2:{v - 1}:k"]
    before = await snapshot(world, case)
    welcome = kabag.bot_messages[0]
    answers = await press_all([(kabag, welcome, d) for d in unknown + wrong_kind + stale])
    for data, answer in zip(unknown + wrong_kind + stale, answers, strict=True):
        assert answer.text is not None and answer.text.startswith(("Mohon maaf", "Sudah")), data
        assert "gangguan" not in answer.text
        if data in unknown:
            assert answer.text == t.ANS_UNKNOWN_BUTTON, data
        if data in stale:
            assert answer.text == t.ANS_ALREADY_HANDLED, data
    assert await snapshot(world, case) == before
    assert await world.services.db.read(repo.get_dialogue, kabag.id) is None
    assert task.buttons and "Setujui" in str(task.buttons)
    assert welcome.text.startswith("Selamat datang")
    # the real button still works afterwards
    assert (await kabag.press(task, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_DONE
    await until_case(world, case, lambda c: c.step == 3)


async def test_a_button_forged_with_another_cases_data_leaves_the_task_it_was_pressed_on(
    world: World,
) -> None:
    """Two proposals wait for Kabag. On the task of the first he presses buttons forged
    with the second case's data (no client shows them there): its Batal, a stale Setujui,
    its current Setujui and Kembalikan, its "open the task". Each is answered that the
    button is not recognised; the first task keeps its text and buttons (it used to become
    the second case's task, or lose its buttons), the second case is neither approved nor
    asked a reason for, and both tasks' own buttons still work."""
    s = Script(world, WAIT)
    first = await submit_proposal(world, s, "Usulan pertama")
    second = await submit_proposal(world, s, "Usulan kedua")
    kabag = world["kabag"]
    task = await latest_task(world, kabag, first, 2)
    await latest_task(world, kabag, second, 2)
    shown, buttons = task.text, task.buttons
    v = (await case_of(world, second)).version
    before = await snapshot(world, second)
    forged = [
        f"x:{second}:2:{v}",
        f"r:{second}:2:{v - 1}:a",
        f"r:{second}:2:{v}:a",
        f"r:{second}:2:{v}:k",
        f"o:{second}:2:{v}:0",
    ]
    for data in forged:
        answer = await kabag.press_data(task, data, timeout=WAIT)
        assert answer == CallbackAnswer(t.ANS_UNKNOWN_BUTTON, True), data
        with pytest.raises(TimeoutError):  # an edit follows the answer, if any comes
            await kabag.wait_edit(task, timeout=1.5)
        assert (task.text, task.buttons) == (shown, buttons), data
    assert await snapshot(world, second) == before
    assert await world.services.db.read(repo.get_dialogue, kabag.id) is None
    await s.approve("kabag", first)
    await until_case(world, first, lambda c: c.step == 3)
    await s.approve("kabag", second)
    await until_case(world, second, lambda c: c.step == 3)


def press_inline(world: World, user: EmuUser, data: str) -> PressResult:
    """A press on a button of an inline-mode message: Telegram sends its inline_message_id
    and no ``message`` (and so no chat). This bot sends no such message, so such a press is
    forged, or comes from a client that mixed bots up. (The emulator ties every query to a
    message for its own records: the person's first message from the bot stands in.)"""
    state = world.emu.state
    query_id = str(secrets.randbits(62))
    future = asyncio.get_running_loop().create_future()
    anchor = user.bot_messages[0].record
    query = CallbackQueryRecord(query_id, user.record, anchor, data, future=future)
    state.callback_queries[query_id] = query
    payload = {
        "id": query_id,
        "from": user.record.to_api(),
        "inline_message_id": "BAAAAJYpAAAE5wAAAAAAAI4Ba9w",
        "chat_instance": "-7146207154785736452",
        "data": data,
    }
    state.push_update("callback_query", payload)
    return PressResult(world.emu, query, WAIT)


async def test_a_press_on_an_inline_message_is_answered_and_changes_nothing(
    world: World,
) -> None:
    """Kabag's client sends a press of a message sent in inline mode (inline_message_id, no
    message): the bot has no such message, but the press is answered all the same (else
    his button spins until Telegram gives up) and nothing changes; so for a stranger."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    v = (await case_of(world, case)).version
    before = await snapshot(world, case)
    for data in (Callback(Op.REVIEW, case, 2, v, "a").encode(), "garbage"):
        answer = await press_inline(world, world["kabag"], data)
        assert answer.text == t.ANS_UNKNOWN_BUTTON, data
    stranger = world.emu.user(4242, "Orang Lain")
    await stranger.send("/start")
    await stranger.wait_message(timeout=WAIT)
    answer = await press_inline(world, stranger, "garbage")
    assert answer.text == t.ANS_UNKNOWN_BUTTON
    assert await snapshot(world, case) == before
    assert [c for c in world.emu.calls if not c.ok] == []


async def test_a_forged_batal_shows_the_archivist_no_task_of_the_kabag(world: World) -> None:
    """Dewi, the archivist, presses a forged Batal of Kabag's step 2 on her welcome message:
    she ends no question of hers and the step is not hers, so her message stays as it was
    (no task of the case, no Setujui); Kabag's own task is untouched."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    task = await world["kabag"].wait_message(is_task(case, 2), timeout=WAIT)
    v = (await case_of(world, case)).version
    dewi = world["fu"]
    welcome = dewi.bot_messages[0]
    shown = welcome.text
    before = await snapshot(world, case)
    forged = Callback(Op.CANCEL_DIALOGUE, case, 2, v).encode()
    answer = await dewi.press_data(welcome, forged, timeout=WAIT)
    assert answer.text == t.ANS_ALREADY_HANDLED
    assert await snapshot(world, case) == before
    assert welcome.text == shown and f"Berkas #{case}" not in welcome.text
    assert not welcome.button_texts
    assert "Setujui" in str(task.buttons)


async def test_a_button_of_a_case_that_does_not_exist_is_not_recognised(world: World) -> None:
    karo = world["karo"]
    before = await snapshot(world)
    for data in ("r:7:2:1:a", "ar:424242:12:30", "w:31337:2:2"):
        answer = await karo.press_data(karo.bot_messages[0], data, timeout=WAIT)
        assert answer == CallbackAnswer(t.ANS_UNKNOWN_BUTTON, False)
    assert await snapshot(world) == before
    assert await count(world, "SELECT COUNT(*) FROM cases") == 0


# -- people who are not officials, and places that are not private chats ---------------


async def test_an_unregistered_person_is_refused_without_learning_about_any_case(
    world: World,
) -> None:
    s = Script(world, WAIT)
    title = "Rahasia Program Kerja Biro TA 2027"
    case = await submit_proposal(world, s, title)
    v = (await case_of(world, case)).version
    stranger = world.emu.user(5555, "Orang", username="orang_asing")
    before = await snapshot(world, case)
    # each answer gives him his Telegram ID, for the administrator's /peran, /alihkan, /plh
    refused = t.no_access(5555, held=False, html=False)
    assert "ID Telegram Bapak/Ibu: 5555" in refused
    for text in ("/start", "/tugas", f"/status {case}", "/status", "/baru", "Halo, ada berkas?"):
        await stranger.send(text)
        got = await stranger.wait_message(timeout=WAIT)
        assert got.text == refused, text
        assert [en["type"] for en in got.entities] == ["code"], text  # tap to copy
    await stranger.send_document(draft("TOR palsu"), file_name="TOR.docx", caption=f"#{case}")
    assert (await stranger.wait_message(timeout=WAIT)).text == refused
    await stranger.send("/start bukan-token-yang-sah")
    assert (await stranger.wait_message(timeout=WAIT)).text == t.INVITE_INVALID
    answer = await stranger.press_data(stranger.bot_messages[0], f"r:{case}:2:{v}:a", timeout=WAIT)
    assert answer == CallbackAnswer(refused, True)
    assert await snapshot(world, case) == before
    for m in stranger.bot_messages:
        assert title not in m.text and "Berkas #" not in m.text and "Langkah" not in m.text
        assert m.buttons == [] and m.document is None


async def test_a_stranger_with_a_mangled_invitation_link_is_answered_once(world: World) -> None:
    """A newcomer opens an invitation link that the chat app mangled on the way (a payload
    Telegram would never make a token of). He is told once that the link is not valid and to
    ask for a new one, as for an expired link, not then besides that he is not registered."""
    stranger = world.emu.user(5556, "Tamu", username="tamu_baru")
    for payload in ("<b>undangan", "undangan%20biro"):
        stranger.mark_seen()
        await stranger.send(f"/start {payload}")
        assert (await stranger.wait_message(timeout=WAIT)).text == t.INVITE_INVALID
        stranger.mark_seen()
        with pytest.raises(TimeoutError):  # nothing more: not "belum terdaftar" besides
            await stranger.wait_message(timeout=1.5)
        assert sum(m.text == t.NOT_REGISTERED for m in stranger.bot_messages) == 0, payload


async def test_no_command_menu_shows_in_a_group(world: World) -> None:
    """Every command answers "private only" in a group, so Telegram's command menu offers
    none there, not even the one an earlier release set for every chat (the default scope,
    shown in groups too): the start deletes it. The officials' own chats keep theirs."""
    group = world.emu.group(-1001234567890, "Biro Perencanaan")
    kasubag = world["kasubag"]
    assert world.app is not None
    await world.app.bot.set_my_commands(COMMANDS)  # an earlier release's menu
    await world.stop_bot()
    await world.start_bot()
    assert world.emu.menu(group.id, kasubag.id) == []
    assert world.emu.menu(group.id, ADMIN_ID, administrator=True) == []
    menu = [c["command"] for c in world.emu.menu(kasubag.id, kasubag.id)]
    assert menu == [c.command for c in COMMANDS]


async def test_a_group_chat_is_refused_with_the_private_only_text(world: World) -> None:
    group = world.emu.group(-1001234567890, "Biro Perencanaan")
    kasubag = world["kasubag"]
    before = await snapshot(world)
    for command in ("/tugas", "/baru@sopbot_demo_bot", "/start", "/status 1"):
        await kasubag.send(command, chat=group)
        got = await kasubag.wait_message(timeout=WAIT, chat=group)
        assert got.text == t.PRIVATE_ONLY, command
    refusal = group.messages[-1]
    answer = await kasubag.press_data(refusal, "r:1:2:1:a", chat=group, timeout=WAIT)
    assert answer == CallbackAnswer(t.PRIVATE_ONLY, True)
    # with every message visible, chatter and files are ignored, not answered
    group.set_bot_admin()
    await kasubag.send("Selamat pagi, Bapak/Ibu.", chat=group)
    await kasubag.send_document(draft("TOR"), file_name="TOR.docx", chat=group)
    # another bot's commands are its business, not this bot's (her private /saya is
    # answered after them: one person's updates are handled in turn)
    await kasubag.send("/poll@AnotherBot Rapat hari Senin?", chat=group)
    await kasubag.send("/start@some_other_bot", chat=group)
    kasubag.mark_seen()
    await kasubag.send("/saya")
    await kasubag.wait_message(timeout=WAIT)
    assert [m.text for m in group.messages if m.from_bot] == [t.PRIVATE_ONLY] * 4
    await kasubag.send("/saya@SOPBOT_DEMO_BOT", chat=group)
    assert (await kasubag.wait_message(timeout=WAIT, chat=group)).text == t.PRIVATE_ONLY
    await kasubag.send("/saya", chat=group)
    assert (await kasubag.wait_message(timeout=WAIT, chat=group)).text == t.PRIVATE_ONLY
    assert [m.text for m in group.messages if m.from_bot] == [t.PRIVATE_ONLY] * 6
    assert await snapshot(world) == before
    assert await world.services.db.read(repo.get_dialogue, kasubag.id) is None


# -- when the gate itself fails ----------------------------------------------------------


def the_gates_read_fails_once(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Exception]:
    """The gate's read of who a person is fails once, as a read fails when the SQLite file
    stays locked past the busy timeout (another process holding it) or PostgreSQL's
    connection is lost: the fault is in the database every read goes through, and meets
    the gate's read only. What was raised is in the list returned."""
    db = world.services.db
    real_read = db.read
    raised: list[Exception] = []

    def gates(fn: Any) -> bool:  # the gate's facts alone, or with what a handler reads
        return fn is repo.gate_facts or fn.__qualname__.startswith("Queries.gate_and_")

    async def read(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if gates(fn) and not raised:
            raised.append(sqlite3.OperationalError("database is locked"))
            raise raised[0]
        return await real_read(fn, *args, **kwargs)

    monkeypatch.setattr(db, "read", read)
    return raised


async def test_kabag_told_of_a_fault_in_the_gate_finds_his_return_not_made_and_types_it_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kabag presses Kembalikan and types his reason just as the gate cannot read who he
    is. He is told once, politely, that something went wrong and to try again; nothing was
    applied, and the question still waits for his reason. He types it again: the proposal
    goes back to Kasubag with it, once. The administrator is told of the fault."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s, "Program Kerja saat basis data terkunci")
    kabag, kasubag, admin = world["kabag"], world["kasubag"], world["admin"]
    await s.press("kabag", "Kembalikan", case)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
    before = await snapshot(world, case)
    kabag.mark_seen()
    earlier = len(kabag.bot_messages)
    failed = the_gates_read_fails_once(world, monkeypatch)
    await kabag.send("Lengkapi jadwal pada TOR")
    await kabag.wait_message(lambda m: m.text == t.ERROR_GENERIC, timeout=WAIT)
    assert failed

    await kabag.send("Lengkapi jadwal pada TOR")  # handled after the first (one person's turn)
    await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text)
    await world.drained()
    answers = [m.text for m in kabag.bot_messages[earlier:]]
    assert answers == [t.ERROR_GENERIC], answers  # the task message was edited, no new one
    events = await world.services.db.read(repo.load_events, case)
    returns = [e for e in events if e.type is EventType.RETURNED]
    assert [e.reason for e in returns] == ["Lengkapi jadwal pada TOR"]
    assert len(events) == before[3] + 1
    told = [m.text for m in kasubag.bot_messages if "Lengkapi jadwal pada TOR" in m.text]
    assert len(told) == 1, told
    await admin.wait_message(lambda m: "OperationalError" in m.text, timeout=WAIT)


async def test_kabag_whose_press_fails_too_late_for_an_alert_is_told_in_the_chat(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kabag presses Setujui as the bot comes back from a restart: his press is handled
    after Telegram's time for an answer ("query is too old"), and the gate cannot read who
    he is. The alert that says so cannot be shown any more: he is told in the chat instead,
    so he knows his press did not count. He presses again, and it counts."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s, "Program Kerja setelah bot dijalankan ulang")
    kabag = world["kabag"]
    task = await s.seen("kabag", has_button(t.BTN_APPROVE, case))
    before = await snapshot(world, case)
    kabag.mark_seen()
    world.emu.faults.fail(
        1,
        status=400,
        method="answerCallbackQuery",
        description="Bad Request: query is too old and response timeout expired or query ID "
        "is invalid",
    )
    failed = the_gates_read_fails_once(world, monkeypatch)
    kabag.press(task, t.BTN_APPROVE)  # its answer never comes: Telegram refused it
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == t.ERROR_GENERIC
    assert failed
    assert await snapshot(world, case) == before
    assert (await kabag.press(task, t.BTN_APPROVE, timeout=WAIT)).text == t.ANS_DONE
    await until_case(world, case, lambda c: c.step == 3)


async def test_a_stranger_is_not_let_through_when_the_gate_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person who is not registered sends /tugas just as the gate cannot read who he is:
    he is told of the fault, and nothing else answers him; sent again, /tugas is refused
    as before."""
    stranger = world.emu.user(5556, "Orang", username="orang_lain")
    refused = t.no_access(5556, held=False, html=False)
    await stranger.send("/start")
    assert (await stranger.wait_message(timeout=WAIT)).text == refused
    earlier = len(stranger.bot_messages)
    failed = the_gates_read_fails_once(world, monkeypatch)
    await stranger.send("/tugas")
    assert (await stranger.wait_message(timeout=WAIT)).text == t.ERROR_GENERIC
    assert failed
    await stranger.send("/tugas")  # handled after the first (one person's turn)
    await stranger.wait_message(lambda m: m.text == refused, timeout=WAIT)
    answers = [m.text for m in stranger.bot_messages[earlier:]]
    assert answers == [t.ERROR_GENERIC, refused], answers


# -- hostile text, and the limits of Telegram over a whole run ---------------------------

HOSTILE_TITLE = (
    '<b>x</b><script>alert("x")</script> &amp; &lt;i&gt; *_[tebal]_* `kode` '
    "\u200b\u200c\u200d\u2060 \u200fRTL 🎉👩🏽‍💼 Program Kerja TA 2027"
)
# A title is one plain line: a bidirectional override (which could make a title read
# differently from what it holds) is refused, not stored.
OVERRIDDEN_TITLE = "Program Kerja \u202eRTL\u202c TA 2027"
HOSTILE_REASON = (
    "Perbaiki <i>tabel</i> & </blockquote><b>sisipan</b> &amp;amp; *_[link](http://x.y)_* "
    "\u200b\u200f\u202e 🙏🏽 selesai"
)
HOSTILE_NOTE = "Catatan <code>&nbsp;</code> & <a href='x'>tautan</a> *_[ \u2066\u2069 📎"
LONGEST = "Ж" * 4096  # Telegram takes no longer message from a user


async def test_a_baru_left_for_another_closes_its_question_and_the_second_makes_the_case(
    world: World,
) -> None:
    """Kasubag starts /baru and gives a title, then starts /baru again before giving the
    year: the first question no longer asks for a year (it says no case was made), and the
    second one makes the case."""
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/baru")
    first = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await kasubag.send("Judul pertama")
    await world.emu.wait_until(lambda: "tahun anggaran" in first.text, timeout=WAIT)
    await kasubag.send("/baru")
    second = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await world.emu.wait_until(lambda: first.text == t.NEW_CASE_CANCELLED, timeout=WAIT)
    await kasubag.send("Judul kedua")
    await world.emu.wait_until(lambda: "tahun anggaran" in second.text, timeout=WAIT)
    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in second.text, timeout=WAIT)
    await world.drained()
    assert first.text == t.NEW_CASE_CANCELLED
    titles = await world.services.db.read(lambda tx: tx.all("SELECT title FROM cases"))
    assert [row[0] for row in titles] == ["Judul kedua"]


@dataclass
class Hostile:
    world: World
    archived: int
    returned: int


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hostile(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Hostile]:
    async with World(tmp_path_factory.mktemp("hostile")) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        kasubag, kabag = world["kasubag"], world["kabag"]
        # a title of 4096 characters is refused clearly; the dialogue is then cancelled
        await kasubag.send("/baru")
        question = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
        too_long = f"paling banyak {parsing.MAX_TITLE} karakter"
        for refused in (LONGEST, OVERRIDDEN_TITLE):
            await kasubag.send(refused)
            answer = await kasubag.wait_message(lambda m: too_long in m.text, timeout=WAIT)
        assert "tanpa karakter kendali (misalnya penanda arah teks)" in answer.text  # why
        await kasubag.send("/batal")
        await kasubag.wait_message(lambda m: m.text == t.DIALOGUE_CANCELLED, timeout=WAIT)
        # the question no longer asks for a title
        await world.emu.wait_until(lambda: question.text == t.NEW_CASE_CANCELLED, timeout=WAIT)
        archived = await play_sop(world, title=HOSTILE_TITLE)
        # a second case: a hostile return reason and a hostile note
        returned = await submit_proposal(world, s, "Usulan kedua")
        await s.press("kabag", "Kembalikan", returned)
        await s.answer_prompt("kabag", LONGEST)
        await kabag.wait_message(lambda m: "paling banyak 1000 karakter" in m.text, timeout=WAIT)
        await s.answer_prompt("kabag", HOSTILE_REASON)  # the question is still on the task
        await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text)
        await until_case(world, returned, lambda c: c.step == 1)
        await s.press("kasubag", "Ajukan", returned)
        await s.approve("kabag", returned)
        await s.approve("karo", returned)
        await s.press("kabag", "dengan catatan", returned)
        await s.answer_prompt("kabag", LONGEST)
        await kabag.wait_message(lambda m: "paling banyak 1000 karakter" in m.text, timeout=WAIT)
        await s.answer_prompt("kabag", HOSTILE_NOTE)
        await until_case(world, returned, lambda c: c.step == 5)
        await kasubag.send(f"/status {returned}")
        await kasubag.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
        await world.drained()
        yield Hostile(world, archived, returned)


module_loop = pytest.mark.asyncio(loop_scope="module")


@module_loop
async def test_hostile_text_is_shown_literally_or_refused_clearly(hostile: Hostile) -> None:
    world = hostile.world
    case = await case_of(world, hostile.archived)
    assert case.title == HOSTILE_TITLE and case.status is CaseStatus.ARCHIVED
    assert await count(world, "SELECT COUNT(*) FROM cases") == 2  # the refused titles: none
    for key in ("kasubag", "kabag", "karo", "tim1", "tim2", "fu"):
        shown = [m for m in world[key].bot_messages if HOSTILE_TITLE in m.text]
        assert shown, f"{key} never saw the title as typed"
    kasubag, kabag = world["kasubag"], world["kabag"]
    assert any(
        HOSTILE_REASON in m.text and "Langkah 1 dari 12" in m.text for m in kasubag.bot_messages
    )
    assert any(f"Alasan: {HOSTILE_REASON}" in m.text for m in kabag.bot_messages)
    assert any(f"Catatan: {HOSTILE_NOTE}" in m.text for m in kabag.bot_messages)
    assert any("Riwayat" in m.text and HOSTILE_REASON in m.text for m in kasubag.bot_messages)
    events = await world.services.db.read(repo.load_events, hostile.returned)
    assert [e.reason for e in events if e.type is EventType.RETURNED] == [HOSTILE_REASON]
    assert [e.note for e in events if e.note] == [HOSTILE_NOTE]
    assert not any(LONGEST[:1000] in m.text for m in kabag.bot_messages)


@module_loop
async def test_the_bot_never_fails_and_no_bot_api_call_is_refused(hostile: Hostile) -> None:
    world = hostile.world
    for user in world.users.values():
        for m in user.bot_messages:
            assert "gangguan" not in m.text.lower(), f"{user.first_name}: {m.text[:200]}"
    for call in world.emu.calls_to("answerCallbackQuery"):
        assert "gangguan" not in str(call.params.get("text", "")).lower()
    failed = [c for c in world.emu.calls if not c.ok]
    unexpected = [
        (c.method, c.description)
        for c in failed
        if not (
            c.method in ("editMessageReplyMarkup", "editMessageText")
            and "not modified" in (c.description or "")
        )
    ]
    assert unexpected == []
    # The only refusals: an edit that changed nothing. An upload refreshes the live task of
    # each holder of the step; when the task went out after the upload (it is rendered when
    # sent) it shows the file already, and the refresh finds nothing to change.
    uploads = [
        m for user in world.users.values() for m in user.messages if m.document and not m.from_bot
    ]
    holders = 2  # at most: the team step
    assert len(failed) <= len(uploads) * holders, [(c.method, c.description) for c in failed]


def _keyboards(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@module_loop
async def test_no_message_exceeds_4096_characters_and_no_callback_data_64_bytes(
    hostile: Hostile,
) -> None:
    world = hostile.world
    sends = world.emu.calls_to("sendMessage") + world.emu.calls_to("editMessageText")
    assert len(sends) > 80  # enough to check (about 100; a few fewer when edits coincide)
    datas = []
    for call in sends + world.emu.calls_to("editMessageReplyMarkup"):
        assert len(str(call.params.get("text", ""))) <= t.MAX_MESSAGE, call.method
        datas += _keyboards(call.params)
    captions = 0
    for call in world.emu.calls_to("sendDocument"):
        assert len(str(call.params.get("caption", ""))) <= 1024
        captions += 1
    for call in world.emu.calls_to("sendMediaGroup"):
        media = call.params.get("media")
        items = json.loads(media) if isinstance(media, str) else media or []
        for item in items:
            assert len(str(item.get("caption") or "")) <= 1024
            captions += bool(item.get("caption"))
    assert captions >= 10
    assert len(datas) > 50
    assert all(1 <= len(d.encode()) <= 64 for d in datas), max(datas, key=len)
    for user in world.users.values():
        for m in user.messages:
            assert len(m.text) <= t.MAX_MESSAGE


# -- invitations -----------------------------------------------------------------------


async def test_an_invitation_binds_once_asks_the_profile_and_expires(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 7, 6, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        admin = world["admin"]

        async def invite(role: str) -> str:
            await admin.send(f"/undang {role}")
            got = await admin.wait_message(lambda m: "t.me/" in m.text, timeout=WAIT)
            link = re.search(r"https://t\.me/sopbot_demo_bot\?start=([A-Za-z0-9_-]+)", got.text)
            assert link is not None, got.text
            assert "sekali pakai" in got.text
            return link[1]

        token = await invite("kabag")
        newcomer = world.emu.user(2001, "Wulan", username="wulan")
        await newcomer.send(f"/start {token}")
        welcome = await newcomer.wait_message(timeout=WAIT)  # one message: welcome and question
        assert "terdaftar sebagai Kabag" in welcome.text and "nama lengkap" in welcome.text
        # the administrator learns who used the link, and that Budi no longer is Kabag
        used = await admin.wait_message(lambda m: "Undangan peran" in m.text, timeout=WAIT)
        assert "@wulan (ID 2001)" in used.text and "Budi Santoso" in used.text
        for answer, expected in (
            ("Wulan Sari, S.E., M.M.", "NIP"),
            ("12345", "18 digit"),
            ("1985 0101 2010 01 2001", "jabatan"),
            ("Kepala Bagian Manajemen Kinerja", "data Bapak/Ibu telah tersimpan"),
        ):
            await newcomer.send(answer)
            got = await newcomer.wait_message(timeout=WAIT)
            assert expected in got.text, (answer, got.text)
        assert "Peran: Kabag" in got.text and "198501012010012001" in got.text
        await newcomer.send("/saya")
        mine = await newcomer.wait_message(timeout=WAIT)
        assert "Nama: Wulan Sari, S.E., M.M." in mine.text and "Peran: Kabag" in mine.text
        person = await world.services.db.read(repo.get_person, 2001)
        assert person is not None and person.nip == "198501012010012001"
        roles = await world.services.db.read(
            repo.active_roles, 2001, world.config.organisation.unit
        )
        assert roles == frozenset({"kabag"})
        # the same link a second time binds nobody
        other = world.emu.user(2002, "Tono")
        await other.send(f"/start {token}")
        assert (await other.wait_message(timeout=WAIT)).text == t.INVITE_INVALID
        await other.send("/tugas")
        assert (await other.wait_message(timeout=WAIT)).text == t.no_access(
            2002, held=False, html=False
        )
        # a link not used within 72 hours expires
        late = await invite("tim")
        clock.advance(hours=72, minutes=1)
        latecomer = world.emu.user(2003, "Rina")
        await latecomer.send(f"/start {late}")
        assert (await latecomer.wait_message(timeout=WAIT)).text == t.INVITE_INVALID
        unit = world.config.organisation.unit
        for pid in (2002, 2003):
            assert await world.services.db.read(repo.active_roles, pid, unit) == frozenset()
        # only an administrator invites, and only to a role the SOP has
        await world["kasubag"].send("/undang kabag")
        assert (await world["kasubag"].wait_message(timeout=WAIT)).text == t.ADMIN_ONLY
        await admin.send("/undang raja")
        assert "Penggunaan" in (await admin.wait_message(timeout=WAIT)).text
        assert await count(world, "SELECT COUNT(*) FROM invites") == 2


# -- uploads ---------------------------------------------------------------------------


async def test_uploads_of_a_refused_type_a_photo_or_without_an_upload_step_are_refused(
    world: World,
) -> None:
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan lampiran", 2027)
    kasubag = world["kasubag"]
    before = await snapshot(world, case)
    await kasubag.send_document(b"MZ\x90\x00 program", file_name="pemasang.exe", caption=f"#{case}")
    refused = await kasubag.wait_message(timeout=WAIT)
    assert "exe" in refused.text and "tidak dapat diterima" in refused.text
    for ext in world.config.storage.allowed_extensions:
        assert ext in refused.text
    send_photo(world, kasubag)
    assert (await kasubag.wait_message(timeout=WAIT)).text == strip_html(t.FILE_SEND_AS_DOCUMENT)
    # the content must be what the name says: a text file named .docx, an empty file
    await kasubag.send_document(b"bukan dokumen Word", file_name="TOR.docx", caption=f"#{case}")
    refused = await kasubag.wait_message(timeout=WAIT)
    assert refused.text.startswith("Mohon maaf, isi dokumen TOR.docx tidak sesuai"), refused.text
    send_empty_document(world, kasubag, "Konsep Rencana Kerja.docx", f"#{case}")
    refused = await kasubag.wait_message(timeout=WAIT)
    assert "kosong (0 bita)" in refused.text, refused.text
    karo = world["karo"]
    await karo.send_document(draft("TOR"), file_name="TOR.docx", caption=f"#{case}")
    assert (await karo.wait_message(timeout=WAIT)).text == t.NO_UPLOAD_EXPECTED
    assert await snapshot(world, case) == before
    assert not list(world.services.files.root.rglob("*.exe"))
    assert not [p for p in world.services.files.root.rglob("*") if p.is_file() and p.name != MARKER]


async def test_the_same_file_uploaded_twice_is_one_version(world: World) -> None:
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan TOR ganda", 2027)
    tor = draft("TOR")
    await s.upload("kasubag", case, "TOR.docx", tor)
    before = await snapshot(world, case)
    await s.upload("kasubag", case, "TOR.docx", tor, expect="tidak dicatat ulang")
    await s.upload("kasubag", case, "TOR salinan.docx", tor, expect="tidak dicatat ulang")
    assert await snapshot(world, case) == before
    tor_files = [a for a in (await case_of(world, case)).files if a.doc == "tor"]
    assert [a.version for a in tor_files] == [1]
    await s.upload("kasubag", case, "TOR.docx", draft("TOR", 2))
    tor_files = [a for a in (await case_of(world, case)).files if a.doc == "tor"]
    assert [a.version for a in tor_files] == [1, 2]


async def test_the_tor_sent_again_under_a_name_of_no_document_is_told_it_is_recorded(
    world: World,
) -> None:
    """Kasubag's TOR is recorded; she sends the same file again as "lampiran final.docx",
    a name that names no document. She is told at once, naming the file she sent, that it
    is the TOR's latest version and is not recorded again; before, she was asked which
    document "TOR.docx" (not the name she sent) was, and either answer was "Sudah
    diproses"."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan TOR terkirim ulang", 2027)
    tor = draft("TOR")
    await s.upload("kasubag", case, "TOR.docx", tor)
    before = await snapshot(world, case)
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send_document(tor, file_name="lampiran final.docx", caption=f"#{case}")
    told = await kasubag.wait_message(timeout=WAIT)
    assert told.text == strip_html(
        t.FILE_DUPLICATE.format(name="lampiran final.docx", doc="TOR (Kerangka Acuan Kerja)")
    )
    assert told.button_texts == []
    assert await snapshot(world, case) == before
    assert await world.services.db.read(repo.get_dialogue, kasubag.id) is None


async def test_an_earlier_tor_sent_again_under_another_name_is_asked_about_and_recorded(
    world: World,
) -> None:
    """Kasubag records the TOR twice, then sends the first version again as "lampiran.docx",
    a name that names no document. She is asked which document "lampiran.docx" is, and
    her answer records it as the TOR's third version, as the name "TOR.docx" would have;
    before, she was asked about "TOR.docx" (the first upload's name) and her answer said
    "Sudah diproses", recording nothing. A file she then sends twice, under two names, is
    asked about by each name (the second question used to name the first file)."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan TOR lama", 2027)
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR", 2))
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send_document(draft("TOR"), file_name="lampiran.docx", caption=f"#{case}")
    question = await kasubag.wait_message(
        lambda m: "Mohon pilih jenis dokumen ini" in m.text, timeout=WAIT
    )
    assert "Dokumen lampiran.docx diterima" in question.text
    answer = await kasubag.press(question, "TOR (Kerangka Acuan Kerja)", timeout=WAIT)
    assert answer.text == t.ANS_DONE
    tor = [(a.version, a.name) for a in (await case_of(world, case)).files if a.doc == "tor"]
    assert tor == [(1, "TOR.docx"), (2, "TOR.docx"), (3, "lampiran.docx")]
    # one file sent twice under two names: each question names the file it asks about
    for name in ("catatan A.docx", "catatan B.docx"):
        await kasubag.send_document(draft("Catatan"), file_name=name, caption=f"#{case}")
        question = await kasubag.wait_message(
            lambda m: "Mohon pilih jenis dokumen ini" in m.text, timeout=WAIT
        )
        assert f"Dokumen {name} diterima" in question.text


async def test_an_album_of_photos_is_asked_for_as_files_once_and_a_sticker_is_not(
    world: World,
) -> None:
    """Kasubag, whose new case waits for its Konsep and TOR, photographs three pages and
    sends them as one album: she is asked once to send the documents as files, not once per
    photo. Karo sends a 👍 sticker: he is not asked for files (he uploads none), only told
    politely it cannot be processed."""
    await Script(world, WAIT).new_case("Usulan dengan foto", 2027)
    kasubag, karo = world["kasubag"], world["karo"]
    kasubag.mark_seen()
    await kasubag.send_album([png(), png(3, 3), png(4, 4)], as_photos=True)
    await kasubag.wait_message(timeout=WAIT)
    await kasubag.send("/saya")  # answered after the album: its answers have all come
    await kasubag.wait_message(lambda m: "Peran" in m.text, timeout=WAIT)
    asked = [m for m in kasubag.bot_messages if m.text == strip_html(t.FILE_SEND_AS_DOCUMENT)]
    assert len(asked) == 1
    karo.mark_seen()
    send_sticker(world, karo)
    answer = await karo.wait_message(timeout=WAIT)
    assert answer.text == strip_html(t.UNKNOWN_INPUT)


async def test_a_voice_note_a_location_or_a_poll_is_told_what_the_bot_takes(
    world: World,
) -> None:
    """Kabag, with no question pending, sends a voice note, a video note, a contact, his
    location, a poll, a 🎲 and a venue. Each is named back to him, politely, with what the
    bot does take (typed commands, the buttons of a task, documents sent as files when a
    step asks for them) and where to look (/tugas, /bantuan): not the bare "tidak dapat
    kami proses". Nothing is recorded."""
    kabag, state = world["kabag"], world.emu.state
    location = {"latitude": -6.1754, "longitude": 106.8272}
    sent = (  # (the emulator's people send none of these: as Telegram sends them)
        ("pesan suara", {"voice": {"file_id": "AwACvoice", "file_unique_id": "Av", "duration": 7}}),
        (
            "pesan video bulat",
            {
                "video_note": {
                    "file_id": "DQACnote",
                    "file_unique_id": "Dn",
                    "length": 240,
                    "duration": 5,
                }
            },
        ),
        ("kontak", {"contact": {"phone_number": "+628123456789", "first_name": "Dian"}}),
        ("lokasi", {"location": location}),
        (
            "jajak pendapat",
            {
                "poll": {
                    "id": "5000",
                    "question": "Rapat hari apa?",
                    "options": [
                        {"persistent_id": "1", "text": "Senin", "voter_count": 0},
                        {"persistent_id": "2", "text": "Selasa", "voter_count": 0},
                    ],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                    "allows_revoting": True,
                    "members_only": False,
                }
            },
        ),
        ("emoji animasi", {"dice": {"emoji": "🎲", "value": 4}}),
        (
            "lokasi tempat",
            {
                "location": location,
                "venue": {"location": location, "title": "Monas", "address": "Gambir, Jakarta"},
            },
        ),
    )
    before = await snapshot(world)
    for kind, content in sent:
        kabag.mark_seen()
        record = state.add_message(kabag.private_chat, kabag.record)
        state.push_update("message", {**record.to_api(state.bot_user), **content})
        answer = await kabag.wait_message(timeout=WAIT)
        assert answer.text == strip_html(t.NOT_TAKEN.format(kind=kind)), kind
        assert "/tugas" in answer.text and "/bantuan" in answer.text
    assert await snapshot(world) == before


async def test_a_reviewer_sending_a_photo_is_not_told_to_resend_it_as_a_file(
    world: World,
) -> None:
    """Kabag, whose steps take no uploads, sends a photo of a disposition: "send it as a
    file" would only lead to "no step needs a document from you", so he is told that at
    once, and once for an album of photos."""
    await Script(world, WAIT).new_case("Usulan yang menunggu Kasubag", 2027)
    kabag = world["kabag"]
    kabag.mark_seen()
    send_photo(world, kabag)
    assert (await kabag.wait_message(timeout=WAIT)).text == t.NO_UPLOAD_EXPECTED
    await kabag.send_album([png(), png(3, 3)], as_photos=True)
    await kabag.send("/saya")  # answered after the album: its answers have all come
    await kabag.wait_message(lambda m: "Peran" in m.text, timeout=WAIT)
    told = [m for m in kabag.bot_messages if m.text == t.NO_UPLOAD_EXPECTED]
    assert len(told) == 2
    assert not [m for m in kabag.bot_messages if m.text == strip_html(t.FILE_SEND_AS_DOCUMENT)]


async def test_a_file_is_shown_by_the_name_kasubag_gave_it_and_stored_by_a_safe_one(
    world: World,
) -> None:
    """Kasubag uploads "TOR – Kerangka Acuan (revisi) & lampiran.docx". Her checklist and
    Kabag's task show that name, as she gave it (the HTML escaped); the copy on disk has a
    name safe on any disk."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan nama berkas panjang", 2027)
    name = "TOR – Kerangka Acuan (revisi) & lampiran.docx"
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    await s.upload("kasubag", case, name, draft("TOR"))
    await s.seen("kasubag", lambda m: f"): {name} (versi 1)" in m.text)
    await s.press("kasubag", "Ajukan", case)
    await s.seen("kabag", lambda m: f"): {name} (versi 1)" in m.text and bool(m.button_texts))
    [stored] = [f for f in await world.services.db.read(repo.files_of_case, case) if f.name == name]
    assert re.fullmatch(r"case-\d+/[0-9a-f]{16}-TOR [A-Za-z0-9._ -]+\.docx", stored.path)


async def test_a_file_replying_to_a_case_that_has_moved_on_is_not_put_into_another_case(
    world: World,
) -> None:
    """Kasubag's first proposal has gone on to Karo. She opens a second case, then sends a
    revised TOR as a reply to the first case's old task message: she is told that case is
    not waiting for her documents. The file does not go, unasked, into the second case, the
    only one that takes a file from her."""
    s = Script(world, WAIT)
    kasubag = world["kasubag"]
    first = await s.submit("Usulan pertama")
    await s.approve("kabag", first)
    second = await s.new_case("Usulan kedua", 2027)
    await world.drained()
    old_task = newest(kasubag, lambda m: f"Berkas #{first}" in m.text and "Langkah 1" in m.text)
    before = await snapshot(world)

    kasubag.mark_seen()
    await kasubag.send_document(draft("TOR revisi"), file_name="TOR.docx", reply_to=old_task)
    answer = await kasubag.wait_message(timeout=WAIT)
    assert strip_html(answer.text) == strip_html(
        t.CASE_TAKES_NO_UPLOAD.format(case=first, numbers=f"Berkas #{second}")
    )
    await world.drained()
    assert await snapshot(world) == before
    assert not (await case_of(world, second)).files
    # she answers the refusal with the file: it names her other case only further on, so
    # the file goes to the one case that waits for it (not refused again and again)
    sent = await kasubag.send_document(draft("TOR revisi"), file_name="TOR.docx", reply_to=answer)
    await world.emu.wait_until(lambda: bool(sent.bot_reactions), timeout=WAIT)
    assert [a.doc for a in (await case_of(world, second)).files] == ["tor"]


async def test_the_tor_sent_again_as_the_konsep_is_refused_and_named(world: World) -> None:
    """Kasubag sends the TOR's file again, named as the Konsep: the Konsep would be the TOR
    (Kabag would receive one file for two documents). She is told which document it is."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan TOR", 2027)
    tor = draft("TOR")
    await s.upload("kasubag", case, "TOR.docx", tor)
    before = await snapshot(world, case)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", tor, expect="sama persis dengan")
    assert await snapshot(world, case) == before
    assert [a.doc for a in (await case_of(world, case)).latest_files()] == ["tor"]
    refusal = newest(world["kasubag"], lambda m: "sama persis dengan" in m.text)
    assert "TOR" in strip_html(refusal.text) and "Konsep Rencana Kerja.docx" in refusal.text


async def test_with_two_cases_open_an_upload_finds_its_case_by_reply_or_caption(
    world: World,
) -> None:
    """Kasubag has two new cases. A file sent as a reply to a case's task message goes to
    that case; a caption in full-width digits is read; two numbers, or none, are asked
    about; a number that takes no upload from her is named."""
    s = Script(world, WAIT)
    kasubag = world["kasubag"]
    first = await s.new_case("Usulan pertama", 2027)
    second = await s.new_case("Usulan kedua", 2027)
    task = newest(kasubag, lambda m: f"Berkas #{first}" in m.text and "Langkah 1" in m.text)

    sent = await kasubag.send_document(draft("TOR"), file_name="TOR.docx", reply_to=task)
    await world.emu.wait_until(lambda: bool(sent.bot_reactions), timeout=WAIT)
    assert [a.doc for a in (await case_of(world, first)).files] == ["tor"]

    wide = "#" + str(second).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    sent = await kasubag.send_document(draft("TOR 2"), file_name="TOR.docx", caption=wide)
    await world.emu.wait_until(lambda: bool(sent.bot_reactions), timeout=WAIT)
    assert [a.doc for a in (await case_of(world, second)).files] == ["tor"]

    before = await snapshot(world)
    for caption, expected in (
        (f"#{first} #{second}", "beberapa berkas"),
        ("", "beberapa berkas"),
        ("#99", "Berkas #99 tidak sedang menunggu dokumen dari Bapak/Ibu"),
    ):
        kasubag.mark_seen()
        await kasubag.send_document(draft("Konsep"), file_name="Konsep.docx", caption=caption)
        answer = await kasubag.wait_message(timeout=WAIT)
        assert expected in strip_html(answer.text), answer.text
    assert await snapshot(world) == before


async def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    async with World(tmp_path, storage={"max_file_mb": 1}) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan dengan berkas besar", 2027)
        before = await snapshot(world, case)
        big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)
        await s.upload("kasubag", case, "TOR.pdf", big, expect="melebihi batas 1 MB")
        assert await snapshot(world, case) == before
        await s.upload("kasubag", case, "TOR.pdf", big[: 1024 * 1024])  # exactly 1 MB is fine
        assert [a.doc for a in (await case_of(world, case)).files] == ["tor"]


async def test_a_file_telegram_gives_no_path_for_is_asked_again(world: World) -> None:
    """``File.file_path`` is optional in the Bot API: without it there is nothing to
    download, and Kasubag is asked to send the file again (no error, nothing recorded)."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan Program Kerja", 2027)
    before = await snapshot(world, case)
    world.emu.give_file_paths = False
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"), expect="tidak dapat diunduh")
    assert await snapshot(world, case) == before
    world.emu.give_file_paths = True
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    assert [a.doc for a in (await case_of(world, case)).files] == ["tor"]


def reads_from_now_on(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The functions the bot reads the database with from now on, in order (one a trip)."""
    reads: list[Any] = []
    db = world.services.db
    real_read = db.read

    async def read(fn: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(fn)
        return await real_read(fn, *args, **kwargs)

    monkeypatch.setattr(db, "read", read)
    return reads


async def test_a_press_is_read_with_the_gates_facts_in_one_trip_unless_the_gate_waited(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate reads who pressed, and the case, the actor and what the pressed message
    carries, in one trip: Kabag's approval is not read again by the button's handler. When
    the gate writes first (his changed username), others' updates may run meanwhile: the
    handler reads the case again, as it is by then. Both approvals are applied once."""
    s = Script(world, WAIT)
    svc = world.services
    reads = reads_from_now_on(world, monkeypatch)
    first = await submit_proposal(world, s, "Usulan pertama")
    second = await submit_proposal(world, s, "Usulan kedua")
    reads.clear()
    await s.approve("kabag", first)
    await until_case(world, first, lambda c: c.step == 3)
    assert svc.queries._pressed not in reads and repo.gate_facts not in reads
    world["kabag"].record.username = "budi_mk"
    reads.clear()
    await s.approve("kabag", second)
    await until_case(world, second, lambda c: c.step == 3)
    assert reads.count(svc.queries._pressed) == 1
    person = await svc.db.read(repo.get_person, world["kabag"].id)
    assert person is not None and person.username == "budi_mk"


async def test_a_typed_reason_is_read_with_the_gates_facts_in_one_trip(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kabag presses Kembalikan and types his reason: the gate reads who he is, his pending
    question and the case it is about in one trip; neither is read again to apply it."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s, "Usulan yang dikembalikan")
    await s.press("kabag", "Kembalikan", case)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text and bool(m.button_texts))
    reads = reads_from_now_on(world, monkeypatch)
    await world["kabag"].send("Lengkapi jadwal pada TOR")
    await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text and names_case(m.text, case))
    assert repo.get_dialogue not in reads and repo.load_case not in reads
    assert repo.gate_facts not in reads
    assert (await case_of(world, case)).step == 1
