"""End to end: the SOP as the officials live it, through the real bot and the emulator.

One case is played through all twelve steps with a return at every review step (the
``played`` fixture, shared by the tests that only look at its outcome, among them what each
official receives: how many messages, which files, in which order); the other tests each
play the part of the SOP they are about in a world of their own.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from e2e_helpers import case_of, until_case

from bot import texts as t
from bot.clock import ManualClock
from bot.core.model import (
    CaseStatus,
    CompleteStep,
    Event,
    EventType,
    ReturnForCorrection,
)
from bot.demo import ADMIN_ID, OFFICIALS, RETURN_REASONS, Script, World, draft, has_button, play_sop
from bot.export import export_case
from emulator import CallbackAnswer, EmuEvent, EmuMessage, EmuUser
from storage import repo
from storage.db import Tx

WAIT = 15.0
# a 1x1 PNG: a photo as Telegram's apps send one (compressed, not as a file)
PAGE_PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
NAMES = {p.key: p.name for p in OFFICIALS}
HOLDERS = {  # who holds each step (the Tim step is held by both members)
    1: {"kasubag"},
    2: {"kabag"},
    3: {"karo"},
    4: {"kabag"},
    5: {"kasubag"},
    6: {"tim1", "tim2"},
    7: {"kasubag"},
    8: {"kabag"},
    9: {"karo"},
    10: {"kabag"},
    11: {"kasubag"},
    12: {"fu"},
}
TASK_BUTTONS = ("Setujui", "Kembalikan", "Ajukan", "Teruskan", "Serahkan", "Tetapkan", "Arsipkan")
OFFICIAL_KEYS = ("kasubag", "kabag", "karo", "tim1", "tim2", "fu")
# What the bot before issue 14 sent the officials on the demo path (135 messages).
OLD_BOT_RECEIVED = {"kasubag": 37, "kabag": 42, "karo": 25, "tim1": 12, "tim2": 9, "fu": 10}


# -- helpers ---------------------------------------------------------------------------


async def events_of(world: World, case_id: int) -> list[Event]:
    events: list[Event] = await world.services.db.read(repo.load_events, case_id)
    return events


def key_of(user_id: int) -> str:
    return next((p.key for p in OFFICIALS if p.telegram_id == user_id), "admin")


def step_of(text: str) -> int | None:
    for n in range(12, 0, -1):
        if f"Langkah {n} dari 12" in text:
            return n
    return None


def documents(user: EmuUser) -> list[EmuMessage]:
    """The documents the bot sent the user, oldest first."""
    return [m for m in user.bot_messages if m.document is not None]


def file_name(m: EmuMessage) -> str:
    assert m.document is not None
    return str(m.document.get("file_name", ""))


def album_caption(user: EmuUser, m: EmuMessage) -> str:
    """The caption a document arrived under: its own, or its album's (on the last item)."""
    if m.text or m.media_group_id is None:
        return m.text
    return next(
        (o.text for o in user.bot_messages if o.media_group_id == m.media_group_id and o.text),
        "",
    )


async def submit_proposal(world: World, s: Script, title: str = "Usulan Program Kerja") -> int:
    """Step 1: Kasubag opens a case, attaches the Konsep and the TOR, and submits it."""
    case = await s.submit(title)
    await until_case(world, case, lambda c: c.step == 2)
    return case


# -- one case through all twelve steps, shared ----------------------------------------


@dataclass
class Played:
    world: World
    case_id: int
    transcript: list[EmuEvent] = field(default_factory=list)
    buttons: list[list[str]] = field(default_factory=list)  # what each event's message showed
    received_before: dict[str, int] = field(default_factory=dict)  # after everyone's /start
    edits_before: dict[str, int] = field(default_factory=dict)

    def record(self, event: EmuEvent) -> None:
        self.transcript.append(event)
        self.buttons.append(event.message.button_texts if event.message is not None else [])

    def received(self, key: str) -> int:
        """New messages the official received while the case was played (album of N: N)."""
        return self.world[key].received_count() - self.received_before[key]

    def edits(self, key: str) -> int:
        return self.world[key].edits_seen() - self.edits_before[key]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def played(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Played]:
    async with World(tmp_path_factory.mktemp("played")) as world:
        await world.everyone_starts()
        record = Played(world, 0)
        for key in OFFICIAL_KEYS:
            record.received_before[key] = world[key].received_count()
            record.edits_before[key] = world[key].edits_seen()
        world.emu.on_event(record.record)
        record.case_id = await play_sop(world)
        await world.drained()
        yield record


module_loop = pytest.mark.asyncio(loop_scope="module")


@module_loop
async def test_the_whole_sop_with_a_return_at_every_review_step_ends_archived(
    played: Played,
) -> None:
    case = await case_of(played.world, played.case_id)
    assert case.status is CaseStatus.ARCHIVED
    assert case.archive_reference == "ARS/PK/2027/001"
    assert case.step == 12 and case.closed_at is not None
    row = await played.world.services.db.read(
        lambda tx: tx.one("SELECT status, step FROM cases WHERE id = ?", (played.case_id,))
    )
    assert row is not None and (row["status"], row["step"]) == ("archived", 12)


@module_loop
async def test_the_event_log_holds_exactly_the_moves_of_the_sop_with_the_reasons(
    played: Played,
) -> None:
    events = await events_of(played.world, played.case_id)
    moves = [(e.type.value, e.step, e.to_step, e.reason) for e in events if e.is_move]
    c, a, r = "completed", "approved", "returned"
    assert moves == [
        (c, 1, 2, ""),
        (r, 2, 1, RETURN_REASONS[2]),
        (c, 1, 2, ""),
        (a, 2, 3, ""),
        (r, 3, 2, RETURN_REASONS[3]),
        (a, 2, 3, ""),
        (a, 3, 4, ""),
        (c, 4, 5, ""),
        (c, 5, 6, ""),
        (c, 6, 7, ""),
        (r, 7, 6, RETURN_REASONS[7]),
        (c, 6, 7, ""),
        (a, 7, 8, ""),
        (r, 8, 7, RETURN_REASONS[8]),
        (a, 7, 8, ""),
        (a, 8, 9, ""),
        (r, 9, 8, RETURN_REASONS[9]),
        (a, 8, 9, ""),
        (a, 9, 10, ""),
        (c, 10, 11, ""),
        (c, 11, 12, ""),
        ("archived", 12, None, ""),
    ]
    who = {e.step: key_of(e.actor) for e in events if e.type is EventType.RETURNED}
    assert who == {2: "kabag", 3: "karo", 7: "kasubag", 8: "kabag", 9: "karo"}
    assert events[0].type is EventType.STARTED
    assert [e.data["members"] for e in events if e.type is EventType.TEAM_FORMED] == [[1004, 1005]]
    note = next(e.note for e in events if e.step == 11 and e.is_move)
    assert note == "Mohon diarsipkan pada map Perencanaan TA 2027."


@module_loop
async def test_paraf_at_steps_7_and_8_and_the_signature_at_step_9_are_recorded(
    played: Played,
) -> None:
    case = await case_of(played.world, played.case_id)
    standing = {a.step: (a.kind, key_of(a.by), a.role) for a in case.approvals}
    assert standing == {
        7: ("paraf", "kasubag", "kasubag"),
        8: ("paraf", "kabag", "kabag"),
        9: ("signature", "karo", "karo"),
    }
    events = await events_of(played.world, played.case_id)
    kinds = {e.step: e.data.get("approval") for e in events if e.type is EventType.APPROVED}
    assert kinds == {2: None, 3: None, 7: "paraf", 8: "paraf", 9: "signature"}


@module_loop
async def test_each_returned_holder_receives_the_reason_in_telegram(played: Played) -> None:
    world = played.world
    returned_to = {2: ["kasubag"], 3: ["kabag"], 7: ["tim1", "tim2"], 8: ["kasubag"], 9: ["kabag"]}
    for step, keys in returned_to.items():
        reason = RETURN_REASONS[step]
        for key in keys:
            got = [
                m
                for m in world[key].bot_messages
                if reason in m.text and "Dikembalikan untuk diperbaiki" in m.text
            ]
            assert got, f"{key} never saw the reason of the return at step {step}"
            assert f"Langkah {step - 1} dari 12" in got[0].text
    # a reason reaches nobody it does not concern
    assert not [m for m in world["fu"].bot_messages if "Alasan" in m.text]


@module_loop
async def test_the_first_line_of_each_task_says_what_is_asked_at_which_step(
    played: Played,
) -> None:
    """A phone's notification and chat list show a message's first line: there Kabag tells
    a new review from a case returned to him, and step 2 from step 8 (not the case's title,
    the same on every task, which follows)."""
    case = played.case_id
    sent = [
        e.snapshot
        for e in played.world["kabag"].deliveries.entries
        if e.kind == "message" and "Pelaksana: Kabag · Norma waktu:" in e.snapshot
    ]
    where = " · Langkah {} dari 12 · Berkas #" + str(case)
    assert [text.split("\n", 1)[0] for text in sent] == [
        "📝 Mohon diperiksa" + where.format(2),  # Kasubag's proposal
        "📝 Mohon diperiksa" + where.format(2),  # again, as corrected
        "↩️ Dikembalikan untuk diperbaiki" + where.format(2),  # Karo returned it
        "➡️ Mohon ditindaklanjuti" + where.format(4),
        "📝 Mohon diperiksa dan diparaf" + where.format(8),
        "📝 Mohon diperiksa dan diparaf" + where.format(8),
        "↩️ Dikembalikan untuk diperbaiki" + where.format(8),
        "➡️ Mohon ditindaklanjuti" + where.format(10),
    ]
    # then the case's heading, whose year line does not repeat the SOP's name the title says
    heading = sent[0].split("\n")[2:4]
    assert heading == [
        f"Berkas #{case} — Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA 2027",
        "Tahun Anggaran 2027",
    ]


@module_loop
async def test_a_decided_message_says_who_decided_what_and_keeps_no_buttons(
    played: Played,
) -> None:
    presses = [
        e
        for e in played.transcript
        if e.kind == "user_press" and e.message is not None and e.user is not None
    ]
    assert len(presses) == 24  # 22 decisions and two team picks
    decisions = 0
    for press in presses:
        assert press.message is not None and press.user is not None
        message = played.world.emu.message(press.message.chat_id, press.message.message_id)
        label = str(press.data.get("button") or "")
        assert message.buttons == [], f"{label!r} on #{message.message_id} still has buttons"
        if not any(word in label for word in TASK_BUTTONS):
            continue  # picking team members
        decisions += 1
        name = NAMES[key_of(press.user.id)]
        assert f"oleh {name}" in message.text, f"{label!r}: who decided is not on the message"
        assert "silakan ketik" not in message.text, f"{label!r}: the question stayed"
        if "Setujui" in label:
            assert "✅ Disetujui oleh" in message.text
        if "Kembalikan" in label:
            assert "↩️ Dikembalikan oleh" in message.text
            step = step_of(message.text)
            assert step is not None and RETURN_REASONS[step] in message.text
    assert decisions == 22


@module_loop
async def test_a_task_decided_by_another_holder_says_so_and_asks_for_no_press(
    played: Played,
) -> None:
    """Ayu and Rudi both hold the drafting step; whoever hands the drafts in, the other's
    task message says it was handed in, by whom and when, and no longer tells them to press
    Serahkan draf: scrolling back, no message of the case asks for a press it cannot take."""
    world, case_id = played.world, played.case_id
    asking = re.compile(r"\bsilakan menekan\b|\btekan\b", re.IGNORECASE)
    for official in OFFICIALS:
        for m in world[official.key].bot_messages:
            if f"Berkas #{case_id}" in m.text and not m.buttons:
                assert not asking.search(m.text) or " oleh " in m.text, (official.key, m.text)
    for key in ("tim1", "tim2"):
        handed = [
            m
            for m in world[key].bot_messages
            if "Langkah 6 dari 12" in m.text and "✔️ Diserahkan oleh" in m.text
        ]
        assert len(handed) == 2, key  # the drafts, and the drafts again after the return
        assert all("silakan menekan" not in m.text for m in handed)


@module_loop
async def test_everyone_who_took_part_gets_the_completion_message(played: Played) -> None:
    world, case_id = played.world, played.case_id
    for key in ("kasubag", "kabag", "karo", "tim1", "tim2"):
        done = [
            m
            for m in world[key].bot_messages
            if "selesai dan diarsipkan" in m.text and "ARS/PK/2027/001" in m.text
        ]
        assert len(done) == 1, f"{key} got {len(done)} completion messages"
        assert f"Berkas #{case_id}" in done[0].text
    # the archivist closed it: no notice of their own act, but the decision on the task
    # message, and the archive bundle
    fu = world["fu"]
    assert not [m for m in fu.bot_messages if "selesai dan diarsipkan" in m.text]
    assert [m for m in fu.bot_messages if f"Diarsipkan oleh {NAMES['fu']}" in m.text]
    assert [file_name(m) for m in documents(fu)][-1] == f"arsip-dokumentasi-B{case_id}.zip"
    assert not [m for m in world["admin"].bot_messages if "diarsipkan" in m.text]


@module_loop
async def test_only_the_official_whose_turn_it_is_receives_the_task(played: Played) -> None:
    received = [e for e in played.transcript if e.kind == "bot_message" and e.chat is not None]
    task_messages: set[tuple[int, int]] = set()
    for event, buttons in zip(played.transcript, played.buttons, strict=True):
        if event.kind not in ("bot_message", "bot_edit") or event.chat is None:
            continue
        step = step_of(event.snapshot)
        if step is not None and any(w in b for b in buttons for w in TASK_BUTTONS):
            assert event.message is not None
            task_messages.add((event.chat.id, event.message.message_id))
            who = key_of(event.chat.id)
            assert who in HOLDERS[step], f"{who} got the task of step {step}: {event.snapshot}"
    assert len(task_messages) >= 22

    def first(pred: Callable[[EmuEvent], bool]) -> int:
        return next(i for i, e in enumerate(played.transcript) if pred(e))

    def pressed(who: str, label: str) -> Callable[[EmuEvent], bool]:
        return lambda e: (
            e.kind == "user_press"
            and e.user is not None
            and key_of(e.user.id) == who
            and label in str(e.data.get("button"))
        )

    def gets(who: str) -> Callable[[EmuEvent], bool]:
        return lambda e: e.kind == "bot_message" and e.chat is not None and key_of(e.chat.id) == who

    # Karo hears nothing until Kabag has approved (step 3); the team nothing before step 6;
    # Fungsional Umum nothing before Kasubag hands the documents over (step 12).
    assert first(gets("karo")) > first(pressed("kabag", "Setujui"))
    for member in ("tim1", "tim2"):
        assert first(gets(member)) > first(pressed("kasubag", "Tetapkan tim"))
    assert first(gets("fu")) > first(pressed("kasubag", "dengan catatan"))
    assert (
        step_of(next(e.snapshot for e in received if gets("karo")(e) and "Langkah" in e.snapshot))
        == 3
    )
    assert (
        step_of(next(e.snapshot for e in received if gets("tim1")(e) and "Langkah" in e.snapshot))
        == 6
    )


# -- what each official receives on the demo path (issue 14) ----------------------------


@module_loop
async def test_the_officials_receive_at_most_half_the_messages_of_the_old_bot(
    played: Played,
) -> None:
    received = {key: played.received(key) for key in OFFICIAL_KEYS}
    edits = {key: played.edits(key) for key in OFFICIAL_KEYS}
    figures = f"received {received} (total {sum(received.values())}), edits seen {edits}"
    print(figures)
    assert sum(received.values()) <= 67, figures
    for key, old in OLD_BOT_RECEIVED.items():
        assert received[key] < old, figures
    # the counts are real: each official did receive what the SOP gave them
    assert all(n > 0 for n in received.values()), figures
    assert all(n > 0 for n in edits.values()), figures


@module_loop
async def test_no_one_receives_the_same_version_of_a_file_twice(played: Played) -> None:
    checked = 0
    for key in OFFICIAL_KEYS:
        seen = Counter(
            (file_name(m), hashlib.sha256(m.file_bytes()).hexdigest())
            for m in documents(played.world[key])
        )
        twice = {name for (name, _), n in seen.items() if n > 1}
        assert twice == set(), f"{key} received {sorted(twice)} more than once"
        checked += sum(seen.values())
    assert checked >= 20


@module_loop
async def test_the_uploader_never_gets_their_own_file_back(played: Played) -> None:
    uploads = [
        e
        for e in played.transcript
        if e.kind == "user_message" and e.message is not None and e.message.document is not None
    ]
    assert len(uploads) == 8  # Konsep, TOR, TOR v2; the three drafts, RKAKL v2; the Bahan
    for event in uploads:
        assert event.user is not None and event.message is not None
        key = key_of(event.user.id)
        digest = hashlib.sha256(event.message.file_bytes()).hexdigest()
        back = [
            file_name(m)
            for m in documents(played.world[key])
            if hashlib.sha256(m.file_bytes()).hexdigest() == digest
        ]
        assert back == [], f"{key} got their own upload back: {back}"


@module_loop
async def test_every_upload_is_acknowledged_with_a_reaction_not_a_message(
    played: Played,
) -> None:
    uploads = [
        e.message
        for e in played.transcript
        if e.kind == "user_message" and e.message is not None and e.message.document is not None
    ]
    for message in uploads:
        assert message is not None
        assert message.bot_reactions == ["👌"], f"{message!r} has {message.bot_reactions}"
    for key in OFFICIAL_KEYS:
        assert not [m for m in played.world[key].bot_messages if "dicatat sebagai" in m.text]


@module_loop
async def test_the_team_gets_the_sk_and_the_skeletons_before_the_step_6_task(
    played: Played,
) -> None:
    case_id = played.case_id
    papers = {
        f"sk-tim-B{case_id}-langkah5-ke1.docx",
        *(
            f"{word}-B{case_id}-kerangka-langkah6-ke1.docx"
            for word in ("program-kerja", "rkakl", "penetapan-kinerja")
        ),
    }
    for key in ("tim1", "tim2"):
        user = played.world[key]
        task = next(m for m in user.bot_messages if "Langkah 6 dari 12" in m.text)
        got = [m for m in documents(user) if file_name(m) in papers]
        assert {file_name(m) for m in got} == papers, key
        assert all(m.message_id < task.message_id for m in got), f"{key}: papers after the task"
        # one album, its caption under the last paper, naming the case
        assert len({m.media_group_id for m in got}) == 1 and got[0].media_group_id is not None
        caption = album_caption(user, got[0])
        assert f"Berkas #{case_id}" in caption
        # each paper labelled by its kind, as an upload is by its document
        assert f"• Draf SK Tim Penyusunan: sk-tim-B{case_id}-langkah5-ke1.docx" in caption
        assert f"• Kerangka Draf RKAKL: rkakl-B{case_id}-kerangka-langkah6-ke1.docx" in caption
        # nothing but the album comes between it and the task
        between = [m for m in user.bot_messages if got[-1].message_id < m.message_id]
        assert between[0].message_id == task.message_id, key


@module_loop
async def test_kabag_on_the_return_loop_receives_only_the_new_tor_version(
    played: Played,
) -> None:
    kabag = played.world["kabag"]
    names = [file_name(m) for m in documents(kabag)]
    assert names.count("Konsep Rencana Kerja.docx") == 1
    tors = [m for m in documents(kabag) if file_name(m) == "TOR.docx"]
    assert len(tors) == 2
    assert tors[0].file_bytes() != tors[1].file_bytes()
    second = album_caption(kabag, tors[1])
    assert "versi 2, menggantikan versi 1" in second, second
    assert "Konsep" not in second
    # the new version comes before the task of Kabag's second visit of step 2, which has it
    tasks = [m for m in kabag.bot_messages if "Langkah 2 dari 12" in m.text and m.document is None]
    assert len(tasks) >= 2
    assert tors[1].message_id < tasks[1].message_id
    assert "TOR.docx (versi 2)" in tasks[1].text


@module_loop
async def test_only_who_had_the_first_draft_rkakl_is_told_the_second_replaces_it(
    played: Played,
) -> None:
    """Kasubag returns the drafts to the team at step 7: Draf RKAKL v1 never goes further.
    Kasubag, who checked it, is told v2 replaces it; Kabag (step 8), Karo (step 9) and the
    Fungsional Umum (step 12) get v2 as the only version they ever see."""
    for key in ("kasubag", "kabag", "karo", "fu"):
        user = played.world[key]
        rkakl = [m for m in documents(user) if file_name(m) == "Draf RKAKL.docx"]
        caption = album_caption(user, rkakl[-1])
        if key == "kasubag":
            assert len(rkakl) == 2, key
            assert "Draf RKAKL.docx (versi 2, menggantikan versi 1)" in caption, caption
        else:
            assert len(rkakl) == 1, key
            assert "Draf RKAKL.docx (versi 2)" in caption, caption
            assert "menggantikan" not in caption, f"{key}: {caption}"


@module_loop
async def test_ayu_is_offered_rudis_bahan_on_the_returned_task_not_sent_it_unasked(
    played: Played,
) -> None:
    """Rudi attached the Bahan at step 6, Ayu the drafts; Kasubag returns them. Ayu's
    returned task offers the Bahan with the drafts' other colleague uploads (Terima
    dokumen), as it was offered to her while the step ran: the return does not send it."""
    ayu = played.world["tim1"]
    assert "Bahan pendukung.pdf" not in [file_name(m) for m in documents(ayu)]
    returned = next(
        e.snapshot
        for e in ayu.deliveries.entries
        if e.kind == "message" and e.snapshot.startswith("↩️ Dikembalikan untuk diperbaiki")
    )
    offer = next(line for line in returned.split("\n") if "diunggah oleh pegawai lain" in line)
    assert "Bahan pendukung.pdf" in offer, returned
    assert t.BTN_SEND_UPLOADS in returned
    # Rudi, who attached it, is offered Ayu's drafts and not his own Bahan
    rudi = played.world["tim2"]
    his = next(
        e.snapshot
        for e in rudi.deliveries.entries
        if e.kind == "message" and e.snapshot.startswith("↩️ Dikembalikan untuk diperbaiki")
    )
    his_offer = next(line for line in his.split("\n") if "diunggah oleh pegawai lain" in line)
    assert "Draf RKAKL.docx" in his_offer and "Bahan" not in his_offer, his


@module_loop
async def test_a_task_says_its_documents_were_sent_earlier_only_of_what_the_bot_sent(
    played: Played,
) -> None:
    """Kabag's review task points at the files the bot sent him just before it. Kasubag's
    step-1 task, listing the Konsep and the TOR she attached herself, and Rudi's step-6
    task, with only his own Bahan in his chat beside the offer of Ayu's drafts, do not
    tell them that "the documents were sent earlier in this chat"."""

    def shown(key: str, step: int) -> list[str]:
        return [
            e.snapshot
            for e in played.world[key].deliveries.entries
            if e.kind in ("message", "edit") and f"Langkah {step} dari 12 · Berkas" in e.snapshot
        ]

    kabag = shown("kabag", 2)
    assert kabag and t.FILES_EARLIER_IN_CHAT in kabag[0], kabag[0]
    kasubag = shown("kasubag", 1)
    assert len(kasubag) >= 4  # attaching, ready, returned, returned with the new TOR
    assert [s for s in kasubag if t.FILES_EARLIER_IN_CHAT in s] == []
    rudi = shown("tim2", 6)
    assert any("Bahan pendukung.pdf (versi 1)" in s for s in rudi)
    assert any("diunggah oleh pegawai lain" in s for s in rudi)
    assert [s for s in rudi if t.FILES_EARLIER_IN_CHAT in s] == []


@module_loop
async def test_kasubag_whose_proposal_came_back_is_told_to_send_the_corrected_tor_first(
    played: Played,
) -> None:
    """Kabag returns the proposal (the TOR lacks its schedule). Kasubag's task says, before
    Ajukan, that the corrections go as files in the chat and that the latest version listed
    is what she submits, as a reviewer who got a case back is told; her first task, which
    asks for the documents, does not."""
    sent = [
        e.snapshot
        for e in played.world["kasubag"].deliveries.entries
        if e.kind in ("message", "edit") and "Langkah 1 dari 12 · Berkas" in e.snapshot
    ]
    returned = next(s for s in sent if s.startswith("↩️ Dikembalikan untuk diperbaiki"))
    assert (
        "Perbaikan Konsep Rencana Kerja dan TOR (Kerangka Acuan Kerja) dapat Bapak/Ibu "
        "kirimkan sebagai file di obrolan ini sebelum menekan Ajukan; yang disampaikan adalah "
        "versi terakhir yang tercantum di atas. Silakan menekan Ajukan untuk menyampaikan "
        "berkas kepada Kabag." in returned
    ), returned
    first = [s for s in sent if not s.startswith("↩️")]
    assert first and not [s for s in first if "Perbaikan" in s]


@module_loop
async def test_the_archivist_receives_the_signed_documents_under_their_final_names(
    played: Played,
) -> None:
    """Step 12 archives "Program Kerja, RKAKL, dan Penetapan Kinerja Biro", signed by Karo
    at step 9: the Fungsional Umum's album names them so, as the task and the Dokumentasi
    do, not as the drafts they were uploaded as (Karo, signing, had the drafts)."""
    fu, karo = played.world["fu"], played.world["karo"]
    rkakl = next(m for m in documents(fu) if file_name(m) == "Draf RKAKL.docx")
    caption = album_caption(fu, rkakl)
    for name in ("Program Kerja", "RKAKL", "Penetapan Kinerja"):
        assert f"\n• {name}: Draf {name}.docx (versi " in caption, caption
    signed = next(m for m in documents(karo) if file_name(m) == "Draf RKAKL.docx")
    assert "• Draf RKAKL: Draf RKAKL.docx (versi 2)" in album_caption(karo, signed)


@module_loop
async def test_a_lembar_disposisi_names_its_step_and_the_archive_bundle_what_it_holds(
    played: Played,
) -> None:
    karo, fu = played.world["karo"], played.world["fu"]
    sheet = next(m for m in documents(karo) if file_name(m).startswith("disposisi-"))
    caption = album_caption(karo, sheet)
    assert f"• Lembar Disposisi (langkah 2): {file_name(sheet)}" in caption
    bundle = next(m for m in documents(fu) if file_name(m).endswith(".zip"))
    assert album_caption(fu, bundle).endswith(
        "• Arsip elektronik berkas (Dokumentasi, dokumen final, dan seluruh lembar yang "
        f"dibuat sistem): {file_name(bundle)}"
    )


# -- the rest of the SOP's situations, each in a world of its own --------------------


async def test_an_upload_edits_the_live_task_and_gets_a_reaction(world: World) -> None:
    s = Script(world, WAIT)
    kasubag = world["kasubag"]
    case = await s.new_case("Usulan dengan unggahan", 2027)
    task = await s.seen("kasubag", lambda m: f"Berkas #{case} telah dibuat" in m.text)
    await world.drained()
    received, edits = kasubag.received_count(), kasubag.edits_seen()
    sent = await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    assert sent.bot_reactions == ["👌"]
    edited = await kasubag.wait_edit(
        task, lambda m: "Konsep Rencana Kerja.docx (versi 1)" in m.text, timeout=WAIT
    )
    assert edited.message_id == task.message_id
    assert "✅ Konsep Rencana Kerja" in edited.text and "⬜ TOR" in edited.text
    await world.drained()
    assert kasubag.received_count() == received  # no new message: an edit and a reaction
    assert kasubag.edits_seen() > edits
    # the second document completes the list: the same message now offers to submit
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await world.emu.wait_until(lambda: "Ajukan" in str(task.button_texts), timeout=WAIT)
    assert "TOR.docx (versi 1)" in task.text
    await world.drained()
    assert kasubag.received_count() == received
    # after a return, the new version edits the return's task, which keeps the reason
    await s.press("kasubag", "Ajukan", case)
    reason = "Jadwal pada TOR belum lengkap."
    await s.review_return("kabag", case, reason)
    returned = await kasubag.wait_message(
        lambda m: reason in m.text and "Langkah 1 dari 12" in m.text, timeout=WAIT
    )
    await world.drained()
    sent = await s.upload("kasubag", case, "TOR.docx", draft("TOR", 2))
    assert sent.bot_reactions == ["👌"]
    edited = await kasubag.wait_edit(
        returned, lambda m: "TOR.docx (versi 2)" in m.text, timeout=WAIT
    )
    assert "Dikembalikan untuk diperbaiki" in edited.text and reason in edited.text


async def test_kasubag_submits_before_the_tor_v2_checklist_arrives_and_her_record_says_versi_2(
    world: World,
) -> None:
    """Kasubag sends TOR version 2 and presses Ajukan before the edit that shows it reaches
    her task (here the outbox is held). Her decided message is built from the case as it
    went forward: version 2, which Kabag receives, not the version 1 still on her screen."""
    s = Script(world, WAIT)
    kasubag = world["kasubag"]
    case = await s.new_case("Usulan dengan TOR versi kedua", 2027)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    task = await s.seen("kasubag", has_button("Ajukan", case))
    await world.drained()
    assert "TOR.docx (versi 1)" in task.text
    await world.services.outbox.stop()  # the checklist edit of version 2 does not leave
    await kasubag.send_document(draft("TOR", 2), file_name="TOR.docx", caption=f"#{case}")
    await until_case(world, case, lambda c: getattr(c.latest("tor"), "version", 0) == 2)
    assert "TOR.docx (versi 1)" in task.text  # what her screen still shows
    await kasubag.press(task, t.BTN_SUBMIT, timeout=WAIT)
    # her record says what she pressed: she submitted (Ajukan) the proposal to her superior
    await world.emu.wait_until(lambda: "✔️ Diajukan oleh" in task.text, timeout=WAIT)
    assert "✅ TOR (Kerangka Acuan Kerja): TOR.docx (versi 2)" in task.text
    assert "versi 1)" not in task.text.replace("Konsep Rencana Kerja.docx (versi 1)", "")
    assert task.text.endswith("Berkas diajukan kepada Kabag.")
    assert "Silakan menekan" not in task.text  # a record: what it asked is gone
    assert task.button_texts == [t.BTN_WITHDRAW]


async def test_a_return_reason_of_a_thousand_ampersands_leaves_every_outcome_and_instruction(
    world: World,
) -> None:
    """A reason of 1000 "&" is 5000 characters of HTML. The messages quoting it shorten it
    to what is left, with "…": the decision, where the case went, the checklist and what to
    press are never cut (before, the end of each message was cut off)."""
    s = Script(world, WAIT)
    kasubag, kabag = world["kasubag"], world["kabag"]
    case = await submit_proposal(world, s)
    reason = "&" * 1000
    await s.press("kabag", "Kembalikan", case)
    await s.answer_prompt("kabag", reason)
    decided = await s.seen("kabag", lambda m: "↩️ Dikembalikan oleh" in m.text)
    assert decided.text.endswith("Berkas dikembalikan kepada Kasubag.")
    assert "&&&…" in decided.text and "dipersingkat" not in decided.text
    returned = await kasubag.wait_message(
        lambda m: "Dikembalikan untuk diperbaiki" in m.text and bool(m.buttons), timeout=WAIT
    )
    assert "&&&…" in returned.text and "dipersingkat" not in returned.text
    assert "✅ TOR (Kerangka Acuan Kerja): TOR.docx (versi 1)" in returned.text
    assert "Silakan menekan Ajukan untuk menyampaikan berkas kepada Kabag." in returned.text
    await s.press("kasubag", "Ajukan", case)
    await world.emu.wait_until(lambda: "Diajukan oleh" in returned.text, timeout=WAIT)
    assert returned.text.endswith("Berkas diajukan kepada Kabag.")
    again = await kabag.wait_message(has_button("Setujui", case), timeout=WAIT)
    assert "Mohon berkenan memeriksa" in again.text


async def test_the_files_kabag_receives_name_a_long_title_cut_after_a_whole_word(
    world: World,
) -> None:
    """Kasubag submits a proposal whose title is longer than the 80 characters the caption
    of its files gives it: Kabag reads it cut after a whole word, with "…", never in the
    middle of one ("... Biro Perencanaan d")."""
    s = Script(world, WAIT)
    title = (
        "Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro Perencanaan dan "
        "Manajemen Kinerja Tahun Anggaran 2027"
    )
    case = await s.submit(title)
    album = await world["kabag"].wait_message(
        lambda m: m.document is not None and f"Berkas #{case}" in (m.caption or ""),
        timeout=WAIT,
    )
    heading = (album.caption or "").split("\n")[0]
    assert heading == (
        f"Berkas #{case} — Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro "
        "Perencanaan dan…"
    )


async def test_kasubag_deleted_his_task_message_and_his_next_upload_brings_it_back(
    world: World,
) -> None:
    """A user may delete the bot's messages; the bot is not told, and an edit of a deleted
    message fails ("message to edit not found"). The task then comes as a new message."""
    s = Script(world, WAIT)
    kasubag = world["kasubag"]
    case = await s.new_case("Usulan yang tugasnya terhapus", 2027)
    task = await s.seen("kasubag", lambda m: f"Berkas #{case} telah dibuat" in m.text)
    await world.drained()
    kasubag.delete(task)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    again = await kasubag.wait_message(
        lambda m: f"Berkas #{case}" in m.text and "Konsep Rencana Kerja.docx (versi 1)" in m.text,
        timeout=WAIT,
    )
    assert again.message_id != task.message_id
    # it is the live task again: the second document completes it in place
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await world.emu.wait_until(lambda: "Ajukan" in str(again.button_texts), timeout=WAIT)
    await s.press("kasubag", "Ajukan", case)
    await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and "Langkah 2" in m.text)


async def test_kasubags_task_message_telegram_will_not_edit_comes_back_as_a_new_message(
    world: World,
) -> None:
    """Telegram refuses the edit of Kasubag's task message after her upload: 400 "Bad
    Request: message can't be edited" (its message is there, yet will not change). As for a
    deleted message, the task then comes as a new message, tried once, not again and again;
    her next upload completes the new message in place, and the case goes on."""
    s = Script(world, WAIT)
    kasubag = world["kasubag"]
    case = await s.new_case("Usulan yang tugasnya tidak dapat diubah", 2027)
    task = await s.seen("kasubag", lambda m: f"Berkas #{case} telah dibuat" in m.text)
    await world.drained()
    refusal = "Bad Request: message can't be edited"
    earlier = len(edit_calls(world, kasubag.id, task.message_id))  # /baru's question became it

    def edits() -> list[Any]:
        return edit_calls(world, kasubag.id, task.message_id)[earlier:]

    world.emu.faults.fail(
        1, status=400, method="editMessageText", description=refusal, chat_id=kasubag.id
    )
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
    again = await kasubag.wait_message(
        lambda m: f"Berkas #{case}" in m.text and "Konsep Rencana Kerja.docx (versi 1)" in m.text,
        timeout=WAIT,
    )
    assert again.message_id != task.message_id
    await world.drained()
    assert [c.status for c in edits()] == [400], "the refused edit was tried again"
    # it is the live task now: the second document completes it in place
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await world.emu.wait_until(lambda: "Ajukan" in str(again.button_texts), timeout=WAIT)
    await s.press("kasubag", "Ajukan", case)
    await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and "Langkah 2" in m.text)
    await world.drained()
    assert [c.status for c in edits()] == [400], "the refused message was edited again"
    counts = await world.services.db.read(repo.outbox_counts)
    assert counts["failed"] == 0 and counts["pending"] == 0


def edit_calls(world: World, chat_id: int, message_id: int) -> list[Any]:
    """The bot's edits of the text of one message (the emulator's record of each call)."""
    return [
        c
        for c in world.emu.calls
        if c.method == "editMessageText"
        and str(c.params.get("chat_id")) == str(chat_id)
        and str(c.params.get("message_id")) == str(message_id)
    ]


async def test_two_cases_in_parallel_both_archive_and_never_mix_files(world: World) -> None:
    s = Script(world, WAIT)
    uploaded: dict[int, set[str]] = {}

    async def upload(who: str, case: int, tag: str, name: str, version: int = 1) -> None:
        data = draft(f"{name} — berkas {tag}", version)
        uploaded.setdefault(case, set()).add(hashlib.sha256(data).hexdigest())
        await s.upload(who, case, name, data)

    async def moves(case: int, tag: str, return_at: int) -> AsyncIterator[None]:
        await upload("kasubag", case, tag, "Konsep Rencana Kerja.docx")
        yield
        await upload("kasubag", case, tag, "TOR.docx")
        yield
        await s.press("kasubag", "Ajukan", case)
        yield
        if return_at == 2:
            await s.review_return("kabag", case, f"Perbaiki TOR berkas {tag}.")
            yield
            await upload("kasubag", case, tag, "TOR.docx", 2)
            await s.press("kasubag", "Ajukan", case)
            yield
        await s.approve("kabag", case)
        yield
        await s.approve("karo", case)
        yield
        await s.press("kabag", "Teruskan", case)
        yield
        await s.press("kasubag", "Ayu", case)
        await s.press("kasubag", "Rudi", case)
        await s.press("kasubag", "Tetapkan tim", case)
        yield
        for name in ("Draf Program Kerja.docx", "Draf RKAKL.docx", "Draf Penetapan Kinerja.docx"):
            await upload("tim1", case, tag, name)
            yield
        if tag == "B":  # the other member hands in, from the task /tugas opens
            tim2 = world["tim2"]
            tim2.mark_seen()
            await tim2.send("/tugas")
            listing = await tim2.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
            label = next(b for b in listing.button_texts if b.startswith(f"#{case} "))
            answer = await tim2.press(listing, label, timeout=WAIT)
            assert answer.text == t.ANS_TASK_OPENED
            await tim2.wait_message(has_button("Serahkan", case), timeout=WAIT)
            await s.press("tim2", "Serahkan draf", case)
        else:
            await s.press("tim1", "Serahkan draf", case)
        yield
        if return_at == 7:
            await s.review_return("kasubag", case, f"Perbaiki RKAKL berkas {tag}.")
            yield
            await upload("tim2", case, tag, "Draf RKAKL.docx", 2)
            await s.press("tim2", "Serahkan draf", case)
            yield
        for who in ("kasubag", "kabag", "karo"):
            await s.approve(who, case)
            yield
        await s.press("kabag", "Teruskan", case)
        yield
        await s.press("kasubag", "Teruskan", case)
        yield
        await s.press("fu", "Arsipkan", case)
        await s.answer_prompt("fu", f"ARS/{tag}/2027")
        await until_case(world, case, lambda c: not c.is_open)

    a = await s.new_case("Program Kerja Biro A", 2027)
    b = await s.new_case("Program Kerja Biro B", 2028)
    runs = [moves(a, "A", return_at=2).__aiter__(), moves(b, "B", return_at=7).__aiter__()]
    while runs:  # one action of A, one of B, ...
        for run in list(runs):
            try:
                await run.__anext__()
            except StopAsyncIteration:
                runs.remove(run)
    await world.drained()

    db = world.services.db
    known: dict[int, set[str]] = {}
    for case_id, tag, other in ((a, "A", b), (b, "B", a)):
        case = await case_of(world, case_id)
        assert case.status is CaseStatus.ARCHIVED and case.archive_reference == f"ARS/{tag}/2027"
        assert {f.sha256 for f in case.latest_files()} <= uploaded[case_id]
        assert not {f.sha256 for f in case.files} & uploaded[other]
        rows = await db.read(repo.files_of_case, case_id)
        for attachment in case.files:
            row = await db.read(repo.get_file, attachment.file_id)
            assert row is not None and row.case_id == case_id
        assert {r.sha256 for r in rows if r.kind == "upload"} <= uploaded[case_id]
        known[case_id] = {r.sha256 for r in rows}
        # the archive bundle holds this case's final files and papers, nothing of the other
        bundle = next(r for r in rows if r.name.endswith(".zip"))
        data = await world.services.files.read(bundle.path)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            inside = {
                hashlib.sha256(z.read(n)).hexdigest()
                for n in z.namelist()
                if n.startswith("dokumen/")
            }
        finals = {f.sha256 for f in case.latest_files() if f.doc.startswith("draf_")}
        papers = {
            r.sha256
            for r in rows
            if r.kind == "paper" and r.name.endswith(".docx") and r.doc != "paper:dokumentasi"
        }
        assert inside == finals | papers
        assert not inside & uploaded[other]
    # every document anyone received under a case's number is one of that case's files
    checked = 0
    for user in world.users.values():
        for m in documents(user):
            caption = album_caption(user, m)
            cid = int(caption.split("Berkas #", 1)[1].split()[0])
            assert hashlib.sha256(m.file_bytes()).hexdigest() in known[cid], m
            checked += 1
    assert checked > 40


async def test_kasubag_withdraws_before_kabag_acts_and_kabag_loses_the_buttons(
    world: World,
) -> None:
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    task = await world["kabag"].wait_message(has_button("Setujui", case), timeout=WAIT)
    await s.press("kasubag", "Tarik kembali", case)
    await until_case(world, case, lambda c: c.step == 1)
    await world["kasubag"].wait_message(
        lambda m: (
            m.text.startswith(
                f"⏪ Ditarik kembali, menunggu tindakan Bapak/Ibu · Langkah 1 dari 12 · Berkas #{case}\n"
            )
            and "Ajukan" in str(m.buttons)
        ),
        timeout=WAIT,
    )
    await world.emu.wait_until(lambda: task.buttons == [], timeout=WAIT)
    # Kabag's task says what became of it, not what to press
    assert f"⏪ Ditarik kembali oleh {NAMES['kasubag']}" in task.text
    assert "Tekan" not in task.text
    events = await events_of(world, case)
    assert [e.type for e in events if e.is_move] == [EventType.COMPLETED, EventType.WITHDRAWN]
    # the proposal can be submitted again, and Kabag gets a fresh task
    await s.press("kasubag", "Ajukan", case)
    await world["kabag"].wait_message(has_button("Setujui", case), timeout=WAIT)


async def test_kasubag_takes_the_proposal_back_and_kabag_reads_it_on_his_task_not_twice(
    world: World,
) -> None:
    """Kabag has the proposal's task, untouched, when Kasubag takes it back. His task
    message now says it was taken back and by whom: a message besides would say it again
    (and ring his phone for something he need not do)."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag = world["kabag"]
    task = await kabag.wait_message(has_button("Setujui", case), timeout=WAIT)
    await world.drained()
    before = kabag.received_count()
    await s.press("kasubag", "Tarik kembali", case)
    await until_case(world, case, lambda c: c.step == 1)
    await world.emu.wait_until(lambda: task.buttons == [], timeout=WAIT)
    await world.drained()
    assert f"⏪ Ditarik kembali oleh {NAMES['kasubag']}" in task.text
    assert kabag.received_count() == before


async def test_withdrawal_after_kabag_has_acted_is_refused_politely(world: World) -> None:
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)

    def withdrawable() -> list[EmuMessage]:
        return [m for m in world["kasubag"].bot_messages if has_button("Tarik kembali", case)(m)]

    await world.emu.wait_until(lambda: bool(withdrawable()), timeout=WAIT)
    pressed = withdrawable()[-1]
    stale_data = next(d for _, d in pressed.buttons[0] if d)
    await s.approve("kabag", case)
    await until_case(world, case, lambda c: c.step == 3)
    version = (await case_of(world, case)).version
    # the withdraw button disappears; a press of it still in flight is answered, not applied
    await world.emu.wait_until(lambda: pressed.buttons == [], timeout=WAIT)
    answer = await world["kasubag"].press_data(pressed, stale_data, timeout=WAIT)
    assert answer.text is not None and "Sudah diproses" in answer.text
    world["kasubag"].mark_seen()
    await world["kasubag"].send(f"/tarik {case}")
    refusal = await world["kasubag"].wait_message(timeout=WAIT)
    assert refusal.text.startswith("Mohon maaf")
    # she is told which case and why, not only that it cannot be done: Kabag has acted on it
    assert refusal.text == t.WITHDRAW_NOTHING.format(case=case)
    assert "tidak dapat ditarik kembali" in refusal.text
    assert "belum menindaklanjutinya" in refusal.text
    assert refusal.buttons == []
    after = await case_of(world, case)
    assert (after.step, after.version) == (3, version)


async def test_karo_who_types_tarik_for_a_cancelled_case_is_told_which_case_is_closed(
    world: World,
) -> None:
    """Karo approved a proposal; the administrator cancels it; Karo, who has not read the
    notice yet, types /tarik with its number. He is told that Berkas #n is closed and there is
    nothing to take back, not that "this case" is closed, naming none."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    await s.approve("kabag", case)
    await s.approve("karo", case)
    await until_case(world, case, lambda c: c.step == 4)
    await world["admin"].send(f"/batalkan {case} Kegiatan ditunda oleh pimpinan")
    await until_case(world, case, lambda c: not c.is_open)
    karo = world["karo"]
    karo.mark_seen()
    await karo.send(f"/tarik {case}")
    refusal = await karo.wait_message(lambda m: "ditutup" in m.text, timeout=WAIT)
    assert refusal.text == t.WITHDRAW_CLOSED.format(case=case)
    assert f"Berkas #{case} " in refusal.text


async def test_kasubag_withdraws_while_kabag_types_his_reason_and_kabag_is_told(
    world: World,
) -> None:
    """Kabag presses Kembalikan and starts typing; Kasubag takes the proposal back. Kabag's
    task loses its buttons, and he is told why, so his reason does not vanish unexplained."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    task = await s.press("kabag", "Kembalikan", case)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text)
    await world["kasubag"].send(f"/tarik {case}")
    told = await world["kabag"].wait_message(
        lambda m: "tidak perlu ditindaklanjuti" in m.text, timeout=WAIT
    )
    assert f"Berkas #{case}" in told.text and "langkah 2" in told.text
    assert f"Ditarik kembali oleh {NAMES['kasubag']}" in told.text
    assert (await case_of(world, case)).step == 1
    assert not any(has_button("Setujui", case)(m) for m in world["kabag"].bot_messages)
    # the question asked on his task message goes with it: the task's text, no buttons
    await world.emu.wait_until(lambda: t.QUESTION_LAPSED_TEXT in task.text, timeout=WAIT)
    assert "silakan ketik" not in task.text and task.buttons == []
    assert f"#{case}" in task.text


async def test_kabag_still_gets_the_question_when_telegram_fails_both_the_edit_and_the_reply(
    world: World,
) -> None:
    """Kabag presses Kembalikan; Telegram fails the edit of his task message and then the
    reply that stands in for it. The question still reaches him, with its Batal button,
    through the outbox (which retries): he is never left with a question waiting that he
    cannot see. The reason he types returns the proposal."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag = world["kabag"]
    await s.seen("kabag", has_button("Kembalikan", case))
    world.emu.faults.fail(1, status=500, method="editMessageText", chat_id=kabag.id)
    world.emu.faults.fail(1, status=500, method="sendMessage", chat_id=kabag.id)
    await s.press("kabag", "Kembalikan", case)
    question = await kabag.wait_message(lambda m: "silakan ketik" in m.text, timeout=WAIT)
    assert "Alasan pengembalian" in question.text
    assert [label for row in question.buttons for label, _ in row] == [t.BTN_CANCEL]
    await kabag.send("TOR belum memuat jadwal.")
    await until_case(world, case, lambda c: c.step == 1)


async def test_a_second_question_gives_the_first_task_its_buttons_back(world: World) -> None:
    """Kabag presses Kembalikan on one proposal, then Kembalikan on another: the first
    proposal's task shows its buttons again (its question is over), and the reason he types
    returns the second. A Batal still showing on the first ends nothing."""
    s = Script(world, WAIT)
    first = await submit_proposal(world, s, "Usulan pertama")
    second = await submit_proposal(world, s, "Usulan kedua")
    task = await s.press("kabag", "Kembalikan", first)
    await world.emu.wait_until(lambda: "silakan ketik" in task.text, timeout=WAIT)
    [stale_batal] = [data for row in task.buttons for _, data in row if data]
    await s.press("kabag", "Kembalikan", second)
    await world.emu.wait_until(lambda: has_button("Setujui", first)(task), timeout=WAIT)
    assert "silakan ketik" not in task.text and f"Berkas #{first}" in task.text
    answer = await world["kabag"].press_data(task, stale_batal, timeout=WAIT)
    assert answer.text == t.ANS_ALREADY_HANDLED
    pending = await world.services.db.read(repo.get_dialogue, 1002)
    assert pending is not None and pending.case_id == second
    await world["kabag"].send("TOR belum memuat jadwal.")
    await until_case(world, second, lambda c: c.step == 1)
    assert (await case_of(world, first)).step == 2


async def test_a_forwarded_message_of_the_bot_is_not_taken_as_a_return_reason(
    world: World,
) -> None:
    """Kabag presses Kembalikan; asked for the reason, he forwards one of the bot's own
    messages into the chat by mistake. That is not a reason he wrote: he is asked to type
    it, and the question stays. A colleague's message he forwards is his answer."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    await s.press("kabag", "Kembalikan", case)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text)
    kabag, state = world["kabag"], world.emu.state

    def forward(text: str, origin: dict[str, Any]) -> None:
        # (the emulator's people do not forward: the update as Telegram sends it)
        record = state.add_message(kabag.private_chat, kabag.record, text=text)
        payload = record.to_api(state.bot_user)
        payload["forward_origin"] = {"type": "user", "sender_user": origin, "date": state.now()}
        state.push_update("message", payload)

    kabag.mark_seen()
    forward(f"Berkas #{case} — Usulan Program Kerja", state.bot_user)
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == t.FORWARDED_FROM_BOT.format(
        ask=t.ANS_TYPE_REASON, cancel=t.FORWARDED_MAY_CANCEL
    )
    assert (await case_of(world, case)).step == 2
    pending = await world.services.db.read(repo.get_dialogue, kabag.id)
    assert pending is not None and pending.kind == "return_reason"
    forward("Jadwal kegiatan pada TOR belum ada.", world["kasubag"].record.to_api())
    await until_case(world, case, lambda c: c.step == 1)
    returned = [e for e in await events_of(world, case) if e.type is EventType.RETURNED]
    assert [e.reason for e in returned] == ["Jadwal kegiatan pada TOR belum ada."]


async def test_kabag_asked_for_a_reason_who_sends_a_voice_note_or_a_photo_is_asked_to_type_it(
    world: World,
) -> None:
    """Kabag presses Kembalikan; asked for the reason, he records a voice note, then sends a
    sticker, his location and a photo of the page with a caption. None is a reason the bot
    can read: each time he is told to type it and that the question still waits (not that
    his message "cannot be processed", nor that no step needs a document from him); the
    reason he then types returns the case."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    await s.press("kabag", "Kembalikan", case)
    await s.seen("kabag", lambda m: "silakan ketik" in m.text)
    kabag, state = world["kabag"], world.emu.state
    sent = (  # (the emulator's people record no voice notes or stickers: as Telegram sends)
        {"voice": {"file_id": "AwACAgUAAxkBAAIB", "file_unique_id": "AgADvQ", "duration": 7}},
        {
            "sticker": {
                "file_id": "CAACAgIAAxkBAAIC",
                "file_unique_id": "AgADWQ",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"location": {"latitude": -6.1754, "longitude": 106.8272}},
    )
    asked = t.NOT_TYPED.format(ask=t.ANS_TYPE_REASON, cancel=t.FORWARDED_MAY_CANCEL)
    for content in sent:
        kabag.mark_seen()
        record = state.add_message(kabag.private_chat, kabag.record)
        state.push_update("message", {**record.to_api(state.bot_user), **content})
        assert (await kabag.wait_message(timeout=WAIT)).text == asked, content
    kabag.mark_seen()
    await kabag.send_photo(PAGE_PHOTO, caption="Tabel pada halaman 3 keliru")
    assert (await kabag.wait_message(timeout=WAIT)).text == asked
    assert (await case_of(world, case)).step == 2
    pending = await world.services.db.read(repo.get_dialogue, kabag.id)
    assert pending is not None and pending.kind == "return_reason"
    await kabag.send("Tabel pada halaman 3 keliru.")
    await until_case(world, case, lambda c: c.step == 1)
    returned = [e for e in await events_of(world, case) if e.type is EventType.RETURNED]
    assert [e.reason for e in returned] == ["Tabel pada halaman 3 keliru."]


async def test_kabag_who_types_the_team_with_no_question_waiting_is_told_where_to_look(
    world: World,
) -> None:
    """With no question waiting (the team is picked with the buttons of the task), Kabag
    types "Ayu dan Rudi". Nothing is recorded; he is told that no question waits for his
    answer, and where his tasks and the guide are (/tugas, /bantuan), not only that his
    message "cannot be processed"."""
    kabag = world["kabag"]
    kabag.mark_seen()
    await kabag.send("Ayu dan Rudi")
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == re.sub(r"<[^>]+>", "", t.NO_QUESTION_WAITING)
    assert "/tugas" in told.text and "/bantuan" in told.text
    assert await world.services.db.read(repo.get_dialogue, kabag.id) is None


async def test_kabag_who_forwards_his_task_to_the_bot_is_told_which_case_and_where_to_act(
    world: World,
) -> None:
    """With no question waiting, Kabag forwards his task message of a proposal back into the
    chat with the bot, as he would pass it to a colleague. Nothing is recorded; he is told
    that the forwarded message of Berkas #n is the bot's own and where to act on it, not
    only that his message "cannot be processed"."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag, state = world["kabag"], world.emu.state
    task = await s.seen("kabag", has_button("Kembalikan", case))
    kabag.mark_seen()
    record = state.add_message(kabag.private_chat, kabag.record, text=task.text)
    payload = record.to_api(state.bot_user)  # (the emulator's people do not forward)
    payload["forward_origin"] = {"type": "user", "sender_user": state.bot_user, "date": 0}
    state.push_update("message", payload)
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == re.sub(r"<[^>]+>", "", t.FORWARDED_CASE_NOT_RECORDED.format(case=case))
    assert f"Berkas #{case}" in told.text and "/tugas" in told.text
    assert (await case_of(world, case)).step == 2


async def test_kabag_who_types_batal_instead_of_pressing_it_returns_nothing(
    world: World,
) -> None:
    """Kabag presses Kembalikan by mistake; asked for the reason ("... atau tekan Batal"), he
    types "Batal" rather than pressing the button. The proposal is not returned with the
    reason "Batal": the question ends as /batal ends it, his task shows its buttons again.
    Kasubag, asked for a new case's title, types "batal" too: no case is made titled so."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    task = await s.press("kabag", "Kembalikan", case)
    await world.emu.wait_until(lambda: "silakan ketik" in task.text, timeout=WAIT)
    kabag = world["kabag"]
    kabag.mark_seen()
    await kabag.send("Batal")
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == t.DIALOGUE_CANCELLED
    await world.emu.wait_until(lambda: has_button("Kembalikan", case)(task), timeout=WAIT)
    assert await world.services.db.read(repo.get_dialogue, kabag.id) is None
    assert (await case_of(world, case)).step == 2
    assert not [e for e in await events_of(world, case) if e.type is EventType.RETURNED]

    kasubag = world["kasubag"]
    await kasubag.send("/baru")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    kasubag.mark_seen()
    await kasubag.send("batal.")
    assert (await kasubag.wait_message(timeout=WAIT)).text == t.DIALOGUE_CANCELLED
    await world.emu.wait_until(lambda: t.NEW_CASE_CANCELLED in asked.text, timeout=WAIT)
    assert await world.services.db.read(repo.get_dialogue, kasubag.id) is None
    cases = await world.services.db.read(lambda tx: tx.value("SELECT COUNT(*) FROM cases"))
    assert cases == 1


async def test_kasubag_whose_title_was_refused_and_who_types_the_year_is_asked_for_a_title(
    world: World,
) -> None:
    """Kasubag's first title for /baru is refused as too long; she then types the year, as
    if the bot had gone on to ask it. "2027" is no title: she is told a title names the
    activity, not only a number or a year, with an example, and the question stays; the
    title she then types makes the case, with the year asked after it."""
    svc = world.services
    kasubag = world["kasubag"]
    await kasubag.send("/baru")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    kasubag.mark_seen()
    await kasubag.send("Usulan " * 60)
    await kasubag.wait_message(lambda m: "paling banyak" in m.text, timeout=WAIT)

    kasubag.mark_seen()
    await kasubag.send("2027")
    told = await kasubag.wait_message(timeout=WAIT)
    definition = svc.sops.default
    example = t.TITLE_EXAMPLE.format(
        sop=definition.header.name, year=svc.zone.local(svc.clock.now()).year + 1
    )
    refused = t.TITLE_IS_A_NUMBER.format(
        typed="2027", example=example, Label=definition.header.year_label
    )
    assert told.text == re.sub(r"<[^>]+>", "", refused)
    pending = await svc.db.read(repo.get_dialogue, kasubag.id)
    assert pending is not None and pending.kind == "new_title"
    assert await svc.db.read(lambda tx: tx.value("SELECT COUNT(*) FROM cases")) == 0

    await kasubag.send("Program Kerja Biro 2027")
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
    await kasubag.send("2027")
    await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)
    titles = await svc.db.read(lambda tx: tx.all("SELECT title FROM cases"))
    assert [row[0] for row in titles] == ["Program Kerja Biro 2027"]


async def test_kabag_who_replies_to_another_proposals_task_with_a_reason_returns_neither(
    world: World,
) -> None:
    """Two proposals wait for Kabag. He presses Kembalikan on the first, then changes his
    mind and types the reason as a reply to the second one's task message. That reason is
    about the second proposal: the first is not returned with it, nor is the second. He is
    told which case the question waits for and which one he replied to, with his text
    quoted back; the question stays. His reason for the first, typed as a reply to the
    first one's task, then returns it."""
    s = Script(world, WAIT)
    first = await submit_proposal(world, s, "Usulan Program Kerja Bagian A")
    second = await submit_proposal(world, s, "Usulan Program Kerja Bagian B")
    kabag = world["kabag"]
    task_first = await s.press("kabag", "Kembalikan", first)
    await world.emu.wait_until(lambda: "silakan ketik" in task_first.text, timeout=WAIT)
    # the second proposal's task may still be on its way (his chat's messages go one a
    # second): he replies to it once it is there
    task_second = await s.seen("kabag", has_button("Kembalikan", second))
    kabag.mark_seen()
    reason_second = "Usulan B: jadwal kegiatan pada TOR belum ada."
    await kabag.send(reason_second, reply_to=task_second)
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == re.sub(
        r"<[^>]+>", "", t.answer_for_another_case("return_reason", first, second, reason_second)
    )
    assert f"Berkas #{first}" in told.text and f"Berkas #{second}" in told.text
    assert reason_second in told.text
    assert [(await case_of(world, c)).step for c in (first, second)] == [2, 2]
    pending = await world.services.db.read(repo.get_dialogue, kabag.id)
    assert pending is not None and (pending.kind, pending.case_id) == ("return_reason", first)

    reason_first = "Usulan A: Konsep Rencana Kerja belum selaras dengan Renstra."
    await kabag.send(reason_first, reply_to=task_first)
    await until_case(world, first, lambda c: c.step == 1)
    returned = [e for e in await events_of(world, first) if e.type is EventType.RETURNED]
    assert [e.reason for e in returned] == [reason_first]
    assert (await case_of(world, second)).step == 2


async def test_kabag_who_replies_to_his_task_with_a_remark_is_told_to_use_its_buttons(
    world: World,
) -> None:
    """Kabag replies to his task message "TOR belum lengkap, mohon diperbaiki", as he would
    answer a colleague, without pressing anything. Nothing is recorded; he is told that a
    reply to the message of Berkas #n is not recorded and that a decision is taken with the
    task's buttons (a reason typed after the button), not only that his message "cannot be
    processed"."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    kabag = world["kabag"]
    await s.seen("kabag", has_button("Kembalikan", case))
    task = next(m for m in reversed(kabag.bot_messages) if has_button("Kembalikan", case)(m))
    kabag.mark_seen()
    await kabag.send("TOR belum lengkap, mohon diperbaiki", reply_to=task)
    told = await kabag.wait_message(timeout=WAIT)
    assert told.text == re.sub(r"<[^>]+>", "", t.REPLY_TO_CASE_NOT_RECORDED.format(case=case))
    assert f"Berkas #{case}" in told.text and "tombol" in told.text
    assert (await case_of(world, case)).step == 2
    assert has_button("Kembalikan", case)(task)


async def test_a_forwarded_message_of_the_bot_is_not_taken_as_a_new_cases_title(
    world: World,
) -> None:
    """Kasubag types /baru; asked for the title, she forwards one of the bot's messages by
    mistake. No case is titled with the bot's welcome: she is asked to type the title, and
    the question stays."""
    kasubag, state = world["kasubag"], world.emu.state
    await kasubag.send("/baru")
    await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    kasubag.mark_seen()
    record = state.add_message(kasubag.private_chat, kasubag.record, text="Selamat datang")
    payload = record.to_api(state.bot_user)
    payload["forward_origin"] = {"type": "user", "sender_user": state.bot_user, "date": state.now()}
    state.push_update("message", payload)
    told = await kasubag.wait_message(timeout=WAIT)
    assert told.text == t.FORWARDED_FROM_BOT.format(
        ask=t.ANS_TYPE_TITLE, cancel=t.FORWARDED_MAY_CANCEL
    )
    pending = await world.services.db.read(repo.get_dialogue, kasubag.id)
    assert pending is not None and pending.kind == "new_title"


async def test_a_case_cancelled_while_kabag_types_his_reason_leaves_no_question_open(
    world: World,
) -> None:
    """Kabag presses Kembalikan and starts typing; the administrator cancels the case. The
    task message shows the case as it was cancelled, as any holder's does, without the
    question and its Batal button, not the task asking him to press Setujui or Kembalikan
    that are gone; and Kabag is told that the case was cancelled."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    task = await s.press("kabag", "Kembalikan", case)
    await world.emu.wait_until(lambda: "silakan ketik" in task.text, timeout=WAIT)
    await world["admin"].send(f"/batalkan {case} Kegiatan ditunda oleh pimpinan")
    told = await world["kabag"].wait_message(lambda m: "Berkas dibatalkan" in m.text, timeout=WAIT)
    assert "Kegiatan ditunda oleh pimpinan" in told.text
    await world.emu.wait_until(lambda: t.QUESTION_LAPSED_TEXT in task.text, timeout=WAIT)
    assert "silakan ketik" not in task.text and task.buttons == []
    assert f"#{case}" in task.text
    assert "✖️ Dibatalkan oleh" in task.text and "Kegiatan ditunda oleh pimpinan" in task.text
    assert t.REVIEW_ASK not in task.text and "menekan Setujui" not in task.text
    assert await world.services.db.read(repo.get_dialogue, 1002) is None
    # what he types now is not taken as a reason
    await world["kabag"].send("Mohon TOR dilengkapi")
    await world.drained()
    assert (await case_of(world, case)).status is CaseStatus.CANCELLED


async def test_an_archive_number_used_for_another_case_is_refused_naming_that_case(
    world: World,
) -> None:
    """Fungsional Umum files a second case under the first case's archive number: the
    number is refused with the case it belongs to, the question stays open, and the right
    number files it."""
    first = await play_sop(world, with_returns=False, year=2027)
    used = (await case_of(world, first)).archive_reference
    assert used == f"ARS/PK/2027/{first:03d}"
    second = await play_sop(world, with_returns=False, year=2028, archive=False)
    s = Script(world, WAIT)
    await s.press("fu", "Arsipkan", second)
    fu = world["fu"]
    fu.mark_seen()
    await fu.send(used)
    refused = await fu.wait_message(lambda m: "telah digunakan" in m.text, timeout=WAIT)
    assert f"Berkas #{first}" in refused.text and used in refused.text
    assert (await case_of(world, second)).step == 12
    await fu.send(f"ARS/PK/2028/{second:03d}")
    await until_case(world, second, lambda c: not c.is_open)
    assert (await case_of(world, second)).archive_reference == f"ARS/PK/2028/{second:03d}"


@pytest.mark.parametrize(
    "typed",
    ["ars/pk/2027/{n:03d}", "ARS / PK / 2027 / {n:03d}", "ARS/PK/2027/{n:03d}."],
    ids=["lower case", "spaces around the slashes", "a closing full stop"],
)
async def test_the_same_archive_number_written_another_way_is_refused_naming_that_case(
    world: World, typed: str
) -> None:
    """Dewi files a case under ARS/PK/2027/001; for the next case she types the same number
    in lower case, with spaces around the slashes, or with a full stop at its end, as a
    sentence ends: it is still the first case's number, and it is refused naming that case.
    The number she then types is kept as she typed it."""
    first = await play_sop(world, with_returns=False, year=2027)
    second = await play_sop(world, with_returns=False, year=2028, archive=False)
    s = Script(world, WAIT)
    await s.press("fu", "Arsipkan", second)
    fu = world["fu"]
    fu.mark_seen()
    await fu.send(typed.format(n=first))
    refused = await fu.wait_message(lambda m: "telah digunakan" in m.text, timeout=WAIT)
    assert f"Berkas #{first}" in refused.text
    assert (await case_of(world, second)).is_open
    await fu.send(f"ars/pk/2028/{second:03d}")
    await until_case(world, second, lambda c: not c.is_open)
    assert (await case_of(world, second)).archive_reference == f"ars/pk/2028/{second:03d}"


def docx_text(data: bytes) -> str:
    """The text of a .docx's body, its runs joined."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


async def archived_under_a_mistyped_number(world: World) -> int:
    """A case Dewi (Fungsional Umum) archived as OT.04.00/1223/2026, meaning
    OT.04.00/123/2026: closed at once, its bundle sent."""
    case = await play_sop(world, with_returns=False, archive=False)
    s = Script(world, WAIT)
    await s.press("fu", "Arsipkan", case)
    await s.answer_prompt("fu", "OT.04.00/1223/2026", case)
    await until_case(world, case, lambda c: not c.is_open)
    await world.drained()
    return case


async def test_a_mistyped_archive_number_is_corrected_by_the_administrator_with_a_reason(
    world: World, tmp_path: Path
) -> None:
    """Dewi (Fungsional Umum) typed OT.04.00/1223/2026 for OT.04.00/123/2026, and the case
    closed at once. The administrator corrects it with a reason: the Dokumentasi and the
    archive bundle are issued again with the right number and sent to Dewi with a notice;
    the case's history, /status and the export's record keep both numbers, who corrected
    it, when and why. The wrong number is free again; the right one is the case's."""
    case = await archived_under_a_mistyped_number(world)
    s = Script(world, WAIT)
    fu, admin = world["fu"], world["admin"]
    assert [file_name(m) for m in documents(fu)][-1] == f"arsip-dokumentasi-B{case}.zip"

    async def admin_says(text: str) -> str:
        admin.mark_seen()
        await admin.send(text)
        return (await admin.wait_message(timeout=WAIT)).text

    # refused: without a reason, a case not archived, a number another case was filed under
    assert "Penggunaan" in await admin_says(f"/ubah_arsip {case} OT.04.00/123/2026")
    other = await play_sop(world, with_returns=False, year=2028, archive=False)
    said = await admin_says(f"/ubah_arsip {other} OT.04.00/9/2028 salah ketik")
    assert "hanya dapat diubah untuk berkas yang telah diarsipkan" in said
    await s.press("fu", "Arsipkan", other)
    await s.answer_prompt("fu", "OT.04.00/555/2028", other)
    await until_case(world, other, lambda c: not c.is_open)
    said = await admin_says(f"/ubah_arsip {case} ot.04.00/555/2028 salah ketik")
    assert "telah digunakan" in said and f"Berkas #{other}" in said
    # only an administrator corrects it (the other case's bundle has reached her first)
    await world.drained()
    fu.mark_seen()
    await fu.send(f"/ubah_arsip {case} OT.04.00/123/2026 salah ketik")
    assert "administrator" in (await fu.wait_message(timeout=WAIT)).text
    await world.drained()

    fu.mark_seen()
    said = await admin_says(f"/ubah_arsip {case} OT.04.00/123/2026 salah ketik: tertulis 1223")
    assert "OT.04.00/1223/2026" in said and "OT.04.00/123/2026" in said
    corrected = await case_of(world, case)
    assert corrected.status is CaseStatus.ARCHIVED
    assert corrected.archive_reference == "OT.04.00/123/2026"
    # Dewi is told, and receives the Dokumentasi and the bundle again, as a new version
    notice = await fu.wait_message(lambda m: "nomor arsipnya telah diubah" in m.text, timeout=WAIT)
    assert "OT.04.00/1223/2026" in notice.text and "salah ketik: tertulis 1223" in notice.text
    await world.drained()
    # as at the archiving: the bundle, the Dokumentasi in it
    new_docs = [n for n in map(file_name, documents(fu)) if "perbaikan" in n]
    assert new_docs == [f"arsip-dokumentasi-B{case}-perbaikan1.zip"]
    rows = await world.services.db.read(repo.files_of_case, case)
    redone = next(r for r in rows if r.name == f"dokumentasi-B{case}-perbaikan1.docx")
    text = docx_text(await world.services.files.read(redone.path))
    assert "OT.04.00/123/2026" in text and "mengubah nomor arsip" in text
    bundle = next(r for r in rows if r.name == f"arsip-dokumentasi-B{case}-perbaikan1.zip")
    with zipfile.ZipFile(io.BytesIO(await world.services.files.read(bundle.path))) as z:
        docs = [n for n in z.namelist() if n.endswith(".docx") and "dokumentasi" in n]
        assert len(docs) == 1, z.namelist()  # the corrected Dokumentasi, not the old one too
        assert "OT.04.00/123/2026" in docx_text(z.read(docs[0]))
    # nobody else is told the case closed again
    for key in ("kasubag", "kabag", "karo"):
        done = [m for m in world[key].bot_messages if "selesai dan diarsipkan" in m.text]
        assert len([m for m in done if f"Berkas #{case}" in m.text]) == 1, key

    # /status: the number now, and the correction in the history
    fu.mark_seen()
    await fu.send(f"/status {case}")
    await fu.wait_message(lambda m: f"#{case}" in m.text, timeout=WAIT)
    await world.drained()
    shown = " ".join(m.text for m in fu.bot_messages[-3:])
    assert "Nomor arsip: OT.04.00/123/2026" in shown
    assert "mengubah nomor arsip dari OT.04.00/1223/2026 menjadi OT.04.00/123/2026" in shown
    # the export's record keeps both numbers, who and why
    out = tmp_path / "export"
    assert await export_case(world.config, case, out) == 0
    record = json.loads((out / f"berkas-{case}" / "record.json").read_text(encoding="utf-8"))
    assert record["case"]["archive_reference"] == "OT.04.00/123/2026"
    [fix] = [e for e in record["events"] if e["type"] == "archive_corrected"]
    assert fix["data"] == {"reference": "OT.04.00/123/2026", "old": "OT.04.00/1223/2026"}
    assert fix["actor"] == ADMIN_ID and fix["reason"] == "salah ketik: tertulis 1223"
    # the wrong number is free, the right one is this case's
    db = world.services.db
    assert await db.read(repo.case_archived_as, "OT.04.00/1223/2026") is None
    assert await db.read(repo.case_archived_as, "ot.04.00/123/2026") == case


async def test_drafts_all_named_draft_docx_are_told_apart_in_the_archive_by_their_document(
    world: World,
) -> None:
    """Ayu sends the three drafts each as "draft.docx" and says which is which; Karo signs
    them and Dewi files the case. In the archive bundle each final document is named by the
    document it is (the same name three times would be "draft (2).docx", "draft (3).docx":
    which one is the RKAKL only its SHA-256 would tell); the bytes are each document's own."""
    s = Script(world, WAIT)
    case = await s.submit("Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA 2027")
    await s.to_the_drafts(case)
    tim = world["tim1"]
    for doc in ("Draf Program Kerja", "Draf RKAKL", "Draf Penetapan Kinerja"):
        tim.mark_seen()
        await tim.send_document(draft(f"isi {doc}"), file_name="draft.docx", caption=f"#{case}")
        asked = await tim.wait_message(lambda m: "Mohon pilih jenis" in m.text, timeout=WAIT)
        await tim.press(asked, doc, timeout=WAIT)
    await until_case(
        world, case, lambda c: len([a for a in c.files if a.name == "draft.docx"]) == 3
    )
    await s.press("tim1", "Serahkan draf", case)
    for who in ("kasubag", "kabag", "karo"):
        await s.approve(who, case)
    await s.press("kabag", "Teruskan", case)
    await s.press("kasubag", "Teruskan", case)
    await s.press("fu", "Arsipkan", case)
    await s.answer_prompt("fu", f"ARS/PK/2027/{case:03d}", case)
    await until_case(world, case, lambda c: not c.is_open)
    await world.drained()

    bundle = next(m for m in documents(world["fu"]) if file_name(m).endswith(".zip"))
    with zipfile.ZipFile(io.BytesIO(bundle.file_bytes())) as z:
        finals = {n: z.read(n) for n in z.namelist() if n.startswith("dokumen/draft")}
    assert sorted(finals) == [
        "dokumen/draft (Penetapan Kinerja).docx",
        "dokumen/draft (Program Kerja).docx",
        "dokumen/draft (RKAKL).docx",
    ]
    filed = await case_of(world, case)
    for name, doc in (("Program Kerja", "draf_program_kerja"), ("RKAKL", "draf_rkakl")):
        sent = filed.latest(doc)
        assert sent is not None and sent.name == "draft.docx"
        assert hashlib.sha256(finals[f"dokumen/draft ({name}).docx"]).hexdigest() == sent.sha256


async def test_a_dokumentasi_issued_again_months_later_names_the_officials_as_they_were(
    tmp_path: Path,
) -> None:
    """Dewi archives a case under a mistyped number. Half a year later Budi, who gave the
    case his paraf as Kabag, is promoted and corrects his data ("Dr.", Kepala Biro Umum).
    Months after that the administrator corrects the archive number: the Dokumentasi issued
    again is the one of the archiving with the number corrected, so it names Budi and his
    paraf as Kabag as they stood then, not with the position he holds today."""
    clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    async with World(tmp_path, clock=clock, reminders={"enabled": False}) as world:
        await world.everyone_starts()
        case = await archived_under_a_mistyped_number(world)
        clock.set(clock.now() + timedelta(days=200))
        budi = world["kabag"]
        budi.mark_seen()
        await budi.send("/saya")
        mine = await budi.wait_message(lambda m: "Data Bapak/Ibu" in m.text, timeout=WAIT)
        await budi.press(mine, t.BTN_FIX_PROFILE)
        await budi.wait_message(lambda m: "Perbaikan data" in m.text, timeout=WAIT)
        for answer in ("Dr. Budi Santoso, S.E., M.Si.", "197505102000031002", "Kepala Biro Umum"):
            budi.mark_seen()
            await budi.send(answer)
            done = await budi.wait_message(timeout=WAIT)
        assert "data Bapak/Ibu telah diperbarui" in done.text
        clock.set(clock.now() + timedelta(days=100))
        admin = world["admin"]
        admin.mark_seen()
        await admin.send(f"/ubah_arsip {case} OT.04.00/123/2026 salah ketik")
        await admin.wait_message(lambda m: "telah diubah" in m.text, timeout=WAIT)
        await world.drained()
        rows = await world.services.db.read(repo.files_of_case, case)
        first = next(r for r in rows if r.name == f"dokumentasi-B{case}.docx")
        redone = next(r for r in rows if r.name == f"dokumentasi-B{case}-perbaikan1.docx")
        before = docx_text(await world.services.files.read(first.path))
        after = docx_text(await world.services.files.read(redone.path))
    assert "OT.04.00/123/2026" in after
    assert "Kepala Bagian Manajemen Kinerja" in before
    assert "Kepala Bagian Manajemen Kinerja" in after
    assert "Kepala Biro Umum" not in after
    assert "Dr. Budi Santoso" not in after


async def test_a_case_archived_before_case_format_4_has_its_corrected_bundle_sent_to_dewi(
    world: World,
) -> None:
    """A case Dewi archived under a release before case format 4 keeps no record of who
    took each step (lifted as an empty ``took``). The administrator corrects its archive
    number and is told the new bundle went to its archivist: it does reach Dewi, whom the
    case's archived event names, with the notice."""
    case = await archived_under_a_mistyped_number(world)

    def as_lifted_from_an_older_format(tx: Tx) -> None:
        tx.run(
            "UPDATE cases SET state = json_set(state, '$.took', json('[]')) WHERE id = ?",
            (case,),
        )

    await world.services.db.write(as_lifted_from_an_older_format)
    assert (await case_of(world, case)).took == ()
    fu, admin = world["fu"], world["admin"]
    fu.mark_seen()
    admin.mark_seen()
    await admin.send(f"/ubah_arsip {case} OT.04.00/123/2026 salah ketik")
    said = await admin.wait_message(lambda m: "telah diubah" in m.text, timeout=WAIT)
    assert "dikirim kepada pengarsipnya" in said.text
    await fu.wait_message(lambda m: "nomor arsipnya telah diubah" in m.text, timeout=WAIT)
    await world.drained()
    assert [file_name(m) for m in documents(fu)][-1] == f"arsip-dokumentasi-B{case}-perbaikan1.zip"


async def test_the_administrator_cancels_a_case_and_the_participants_are_told(
    world: World,
) -> None:
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    await s.approve("kabag", case)
    karo_task = await world["karo"].wait_message(has_button("Setujui", case), timeout=WAIT)
    await world["admin"].send(f"/batalkan {case} Kegiatan ditunda oleh pimpinan")
    await world["admin"].wait_message(lambda m: "telah dibatalkan" in m.text, timeout=WAIT)
    assert (await case_of(world, case)).status is CaseStatus.CANCELLED
    # the participants and the current holder (Karo, who had not acted yet) are told
    for key in ("kasubag", "kabag", "karo"):
        told = await world[key].wait_message(lambda m: "Berkas dibatalkan" in m.text, timeout=WAIT)
        assert "Kegiatan ditunda oleh pimpinan" in told.text
        assert f"Berkas #{case}" in told.text
    await world.emu.wait_until(lambda: karo_task.buttons == [], timeout=WAIT)
    await world.drained()
    for key in ("tim1", "tim2", "fu"):
        assert not [m for m in world[key].bot_messages if "dibatalkan" in m.text], key
    # a non-administrator cannot cancel
    await world["kabag"].send(f"/batalkan {case} coba")
    refused = await world["kabag"].wait_message(lambda m: "administrator" in m.text, timeout=WAIT)
    assert refused.text.startswith("Mohon maaf")


async def kabags_list_of_two(world: World, s: Script) -> tuple[int, int, EmuMessage, int]:
    """Kasubag submits two proposals, then Kabag sends /tugas: the two cases, his list, and
    how many messages he had received before he asked."""
    first = await submit_proposal(world, s, "Usulan pertama")
    second = await submit_proposal(world, s, "Usulan kedua")
    kabag = world["kabag"]
    await world.drained()
    kabag.mark_seen()
    received = kabag.received_count()
    await kabag.send("/tugas")
    listing = await kabag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
    return first, second, listing, received


async def test_tugas_lists_the_pending_steps_with_buttons_that_work(world: World) -> None:
    s = Script(world, WAIT)
    first, second, listing, received = await kabags_list_of_two(world, s)
    kabag = world["kabag"]
    await kabag.send("/saya")  # answered after /tugas: nothing else came in between
    await kabag.wait_message(lambda m: "Peran" in m.text, timeout=WAIT)
    assert kabag.received_count() == received + 2
    assert "Tugas Bapak/Ibu: 2 tugas menunggu tindakan" in listing.text
    assert "Usulan pertama" in listing.text and "Usulan kedua" in listing.text
    assert listing.text.count("Langkah 2:") == 2
    labels = listing.button_texts
    assert [label.split()[0] for label in labels] == [f"#{first}", f"#{second}"]
    # a task button sends that task (a new message), whose buttons work
    answer = await kabag.press(listing, labels[1], timeout=WAIT)
    assert answer.text == t.ANS_TASK_OPENED
    opened = await kabag.wait_message(has_button("Setujui", second), timeout=WAIT)
    assert "Langkah 2 dari 12" in opened.text
    answer = await kabag.press(opened, t.BTN_APPROVE, timeout=WAIT)
    assert answer.text == t.ANS_DONE
    await until_case(world, second, lambda c: c.step == 3)
    assert (await case_of(world, first)).step == 2
    # Karo now has one task; Fungsional Umum none
    for key, expected in (("karo", "1 tugas menunggu"), ("fu", "Tidak ada tugas")):
        world[key].mark_seen()
        await world[key].send("/tugas")
        got = await world[key].wait_message(lambda m: "tugas" in m.text, timeout=WAIT)
        assert expected in got.text


async def test_a_task_decided_since_the_tugas_list_came_is_sudah_diproses_and_the_list_renewed(
    world: World,
) -> None:
    """Kabag's /tugas lists two proposals. He approves the second on its task message, then
    presses it on the list: he is told it has been handled, and the list now shows what is
    waiting (the first proposal), whose button still opens it."""
    s = Script(world, WAIT)
    first, second, listing, _ = await kabags_list_of_two(world, s)
    kabag = world["kabag"]
    label = next(b for b in listing.button_texts if b.startswith(f"#{second}"))
    await s.approve("kabag", second)
    await until_case(world, second, lambda c: c.step == 3)

    answer = await kabag.press(listing, label, timeout=WAIT)
    assert answer == CallbackAnswer(t.ANS_ALREADY_HANDLED, True)
    await world.emu.wait_until(lambda: "1 tugas menunggu" in listing.text, timeout=WAIT)
    assert [b.split()[0] for b in listing.button_texts] == [f"#{first}"]
    assert (await case_of(world, second)).step == 3
    answer = await kabag.press(listing, listing.button_texts[0], timeout=WAIT)
    assert answer.text == t.ANS_TASK_OPENED
    await kabag.wait_message(has_button("Setujui", first), timeout=WAIT)


# Telegram's one message a second per private chat, four here to keep the tests short
FOUR_A_SECOND = {
    "per_second": 30.0,
    "per_chat_per_second": 4.0,
    "per_chat_burst": 1.0,
    "max_backoff": 0.5,
}


async def notices_on_their_way(world: World, user: EmuUser, count: int = 12) -> None:
    """``count`` notices queued for the user's chat; returns when the first has arrived."""

    def queue(tx: Tx) -> None:
        now = world.services.clock.now()
        for n in range(count):
            text = f"Pemberitahuan nomor {n + 1}"
            repo.enqueue(tx, user.id, "notice", now, params={"t": "text", "text": text})

    await world.services.db.write(queue)
    world.services.outbox.wake()
    await user.wait_message(lambda m: m.text == "Pemberitahuan nomor 1", timeout=WAIT)


def notices(user: EmuUser) -> list[str]:
    return [m.text for m in user.bot_messages if m.text.startswith("Pemberitahuan")]


async def all_arrived_in_order(world: World, user: EmuUser, count: int = 12) -> None:
    await world.drained(within=WAIT)
    assert notices(user) == [f"Pemberitahuan nomor {n}" for n in range(1, count + 1)]


async def test_a_task_opened_from_tugas_comes_before_what_was_queued_for_the_chat(
    tmp_path: Path,
) -> None:
    """Telegram's one message a second per chat (here four, to keep the test short): twelve
    notices are on their way to Kabag when Kabag opens a task from /tugas. The task is the
    answer Kabag waits for: it comes at the chat's next free moment, and the notices after."""
    async with World(tmp_path, sender=FOUR_A_SECOND) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        await submit_proposal(world, s, "Usulan pertama")
        second = await submit_proposal(world, s, "Usulan kedua")
        kabag = world["kabag"]
        await world.drained()
        await kabag.send("/tugas")
        listing = await kabag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        label = next(b for b in listing.button_texts if b.startswith(f"#{second}"))

        await notices_on_their_way(world, kabag)
        kabag.mark_seen()  # the task sent at submission is not the one awaited
        await kabag.press(listing, label, timeout=WAIT)
        opened = await kabag.wait_message(has_button("Setujui", second), timeout=WAIT)
        await world.drained(within=WAIT)
        ids = [m.message_id for m in kabag.messages]
        notices = [(m.message_id, m.text) for m in kabag.messages if m.text.startswith("Pemb")]
        before = [text for mid, text in notices if mid < opened.message_id]
        after = [text for mid, text in notices if mid > opened.message_id]
        assert opened.message_id in ids
        assert len(before) <= 3, before  # the one on its way, and at most the next two
        assert before + after == [f"Pemberitahuan nomor {n}" for n in range(1, 13)]


async def test_a_task_opened_from_tugas_is_taken_by_the_command_that_writes_it(
    world: World,
) -> None:
    """Kabag opens a case's task from /tugas. The row is an answer, taken (leased) in the
    command's own transaction: a delivery round that looks at once, before the answer is
    under way, finds nothing of it. A round used to take it with the chat's queue and send
    it behind that queue (2–5 s in a working day)."""
    s = Script(world, WAIT)
    case_id = await submit_proposal(world, s)
    await world.drained()
    case = await case_of(world, case_id)
    assert case is not None
    kabag = world["kabag"]
    kabag.mark_seen()

    await world.services.cases.show_task(kabag.id, case_id, case.version)
    now = world.services.clock.now()  # a round, right after the command
    taken = await world.services.db.write(repo.take_due_outbox, now, 200, now + repo.OUTBOX_LEASE)
    assert [(i.chat_id, i.case_id) for i in taken] == []
    await kabag.wait_message(has_button("Setujui", case_id), timeout=WAIT)  # the answer


async def test_uploads_are_acknowledged_before_what_was_queued_for_the_chat(
    tmp_path: Path,
) -> None:
    """Twelve notices are on their way to Kasubag (four a second here) when Kasubag sends
    the Konsep and then the TOR. Each reaction that takes a file comes at once, and so does
    the task message's new checklist: the TOR's reaction used to wait behind the Konsep's
    checklist, which waited behind the notices (an answer never overtakes a row of its own
    case)."""
    async with World(tmp_path, sender=FOUR_A_SECOND) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan Program Kerja", 2027)
        kasubag = world["kasubag"]
        await world.drained()
        task = next(m for m in kasubag.bot_messages if f"Berkas #{case} telah dibuat" in m.text)

        await notices_on_their_way(world, kasubag)
        await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        assert len(notices(kasubag)) <= 3, notices(kasubag)  # s.upload waits for the reaction
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
        assert len(notices(kasubag)) <= 4, notices(kasubag)
        await world.emu.wait_until(lambda: task.text.count("✅") == 2, timeout=WAIT)
        assert len(notices(kasubag)) <= 5, notices(kasubag)  # the checklist did not wait
        await all_arrived_in_order(world, kasubag)


async def test_a_new_case_answers_before_what_was_queued_for_the_chat(tmp_path: Path) -> None:
    """Twelve notices are on their way to Kasubag (four a second here) when Kasubag opens a
    case with /baru: the question message becomes the case's task at once."""
    async with World(tmp_path, sender=FOUR_A_SECOND) as world:
        await world.everyone_starts()
        kasubag = world["kasubag"]

        await notices_on_their_way(world, kasubag)
        await Script(world, WAIT).new_case("Usulan Program Kerja", 2027)  # until it shows
        assert len(notices(kasubag)) <= 4, notices(kasubag)
        await all_arrived_in_order(world, kasubag)


async def test_tugas_pages_twenty_tasks_in_one_message(world: World) -> None:
    kasubag = world["kasubag"]
    seeded = [
        (await world.services.cases.start_case(kasubag.id, f"Usulan ke-{n}", 2027)).case.id
        for n in range(1, 21)
    ]
    await world.drained()
    kasubag.mark_seen()
    received, edits = kasubag.received_count(), kasubag.edits_seen()
    await kasubag.send("/tugas")
    listing = await kasubag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
    assert "Tugas Bapak/Ibu: 20 tugas menunggu tindakan (halaman 1 dari 3)" in listing.text

    def task_buttons(m: EmuMessage) -> list[str]:
        return [label for label in m.button_texts if label.startswith("#")]

    def nav(m: EmuMessage) -> list[str]:
        return [label for label in m.button_texts if not label.startswith("#")]

    listed = task_buttons(listing)
    assert len(listed) == 8 and nav(listing) == ["›", "»"]
    assert all(len(row) == 1 for row in listing.buttons[:8])
    for page in (2, 3):
        version = listing.record.version
        await kasubag.press(listing, "›", timeout=WAIT)
        await world.emu.wait_until(lambda: listing.record.version > version, timeout=WAIT)  # noqa: B023
        assert f"(halaman {page} dari 3)" in listing.text
        assert nav(listing) == (["«", "‹", "›", "»"] if page == 2 else ["«", "‹"])
        listed += task_buttons(listing)
    assert len(task_buttons(listing)) == 4
    numbers = [int(label.split()[0][1:]) for label in listed]
    assert sorted(numbers) == sorted(seeded) and len(set(numbers)) == 20
    # back to the first page with «
    await kasubag.press(listing, "«", timeout=WAIT)
    await world.emu.wait_until(lambda: "(halaman 1 dari 3)" in listing.text, timeout=WAIT)
    # paging edited the one message: nothing new arrived
    assert kasubag.received_count() == received + 1
    assert kasubag.edits_seen() >= edits + 3
    # a task button sends that task
    wanted = int(task_buttons(listing)[2].split()[0][1:])
    answer = await kasubag.press(listing, task_buttons(listing)[2], timeout=WAIT)
    assert answer.text == t.ANS_TASK_OPENED
    task = await kasubag.wait_message(
        lambda m: f"Berkas #{wanted} " in m.text and "Langkah 1 dari 12" in m.text, timeout=WAIT
    )
    assert "Kelengkapan" in task.text
    await world.drained()
    assert kasubag.received_count() == received + 2


async def test_status_shows_the_step_the_holder_the_time_against_the_norm_and_history(
    tmp_path: Path,
) -> None:
    monday = datetime(2026, 7, 6, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    clock = ManualClock(monday)
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await submit_proposal(world, s)
        await s.review_return("kabag", case, "Lengkapi jadwal pada TOR.")
        await s.upload("kasubag", case, "TOR.docx", draft("TOR", 2))
        await s.press("kasubag", "Ajukan", case)
        await until_case(world, case, lambda c: c.step == 2)
        clock.advance(days=1, hours=2)  # Tuesday 11.00: 10 working hours at step 2
        karo = world["karo"]
        await karo.send(f"/status {case}")
        status = await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
        text = status.text
        assert "Langkah 2 dari 12" in text
        assert f"Pelaksana: {NAMES['kabag']} (Kabag)" in text
        assert "Waktu berjalan: 1 hari kerja 2 jam dari norma 1 hari kerja" in text
        assert "melewati norma" in text
        history = text.split("Riwayat", 1)[1]
        for line in (
            "memulai berkas",
            # the Konsep and the TOR sent in one sitting: one line names both
            "(Kasubag) mengunggah 2 dokumen: Konsep Rencana Kerja.docx (versi 1), TOR.docx (versi 1)",
            "(Kasubag) mengunggah dokumen TOR.docx (versi 2)",
            "mengembalikan untuk diperbaiki — Lengkapi jadwal pada TOR.",
        ):
            assert line in history
        assert history.index("mengembalikan") < history.index("TOR.docx (versi 2)")
        assert history.count("mengunggah") == 2
        await karo.send("/status 999")
        await karo.wait_message(lambda m: "tidak ditemukan" in m.text, timeout=WAIT)
        await karo.send("/status")
        listing = await karo.wait_message(lambda m: "Berkas terbaru" in m.text, timeout=WAIT)
        assert f"#{case} · Usulan Program Kerja · TA 2027 · langkah 2 (Kabag)" in listing.text


async def test_status_of_a_case_returned_many_times_shows_its_latest_history(
    world: World,
) -> None:
    """Kabag has returned a proposal fifteen times, each with a long reason. /status cannot
    show all of its history in one message: it leaves out the oldest entries, says how many,
    and shows the latest return and the latest submission."""
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    cases, kabag, kasubag = world.services.cases, world["kabag"], world["kasubag"]
    for n in range(1, 16):
        version = (await case_of(world, case)).version
        reason = f"Perbaikan ke-{n}: " + "lengkapi jadwal, anggaran dan sasaran kinerja. " * 3
        await cases.execute(case, ReturnForCorrection(version, reason), kabag.id)
        await cases.execute(case, CompleteStep(version + 1), kasubag.id)
    await world.drained()
    karo = world["karo"]
    karo.mark_seen()
    await karo.send(f"/status {case}")
    status = await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
    history = status.text.split("Riwayat", 1)[1]
    assert "Perbaikan ke-15:" in history and "Perbaikan ke-1:" not in history
    assert re.search(r"… \d+ catatan terdahulu tidak ditampilkan\.", history)
    *_, last_return, last = history.rstrip().splitlines()
    assert "Perbaikan ke-15:" in last_return and "(Kasubag) mengajukan" in last
    assert "dipersingkat" not in status.text


async def test_bantuan_explains_the_service_and_the_commands_are_registered(
    world: World,
) -> None:
    tim = world["tim1"]
    commands = {c["command"]: c["description"] for c in world.emu.menu(tim.id, tim.id)}
    assert set(commands) == {
        "tugas",
        "baru",
        "status",
        "sop",
        "tarik",
        "saya",
        "tunda",
        "terlambat",
        "laporan",
        "batal",
        "bantuan",
    }
    assert all(commands.values())
    tim.mark_seen()
    await tim.send("/bantuan")
    help_text = (await tim.wait_message(timeout=WAIT)).text
    assert help_text.startswith("Petunjuk Penggunaan")
    for command in commands:
        assert f"/{command}" in help_text
    assert "Setujui" in help_text and "Kembalikan" in help_text
    # the administrators' commands are in the administrator's own menu, set at /start
    admin = world["admin"]
    await admin.send("/start")
    await admin.wait_message(timeout=WAIT)
    menu = [c["command"] for c in world.emu.menu(ADMIN_ID, ADMIN_ID)]
    assert menu[: len(commands)] == list(commands)
    assert {"undang", "peran", "cabut", "alihkan", "batalkan", "plh", "plt", "akhiri_plh"} <= set(
        menu
    )


async def test_kabag_reads_the_sop_with_every_step_its_norm_and_his_own_steps_marked(
    world: World,
) -> None:
    kabag = world["kabag"]
    kabag.mark_seen()
    await kabag.send("/sop")
    sop = (await kabag.wait_message(timeout=WAIT)).text
    assert sop.startswith("📘 SOP Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro")
    assert "Disahkan oleh: Kepala Biro Perencanaan" in sop
    assert "norma waktu seluruhnya 18 hari kerja" in sop
    steps = re.findall(r"^Langkah (\d+) · (.+?) \((.+?)\)( ◀)?$", sop, re.MULTILINE)
    assert [int(n) for n, *_ in steps] == list(range(1, 13))
    assert {int(n) for n, role, _, mine in steps if mine} == {2, 4, 8, 10}
    assert all(role == "Kabag" for _, role, _, mine in steps if mine)
    assert ("1", "Kasubag", "4 jam kerja", "") in steps
    assert "Output: Dokumentasi Program Kerja, RKAKL, dan Penetapan Kinerja Biro" in sop
    for section in ("Dasar Hukum", "Kualifikasi Pelaksana", "Keterkaitan", "Peringatan"):
        assert f"\n{section}\n" in sop
    assert "Teliti kesesuaian setelah menuangkan dalam lembar pemeriksaan berkas" in sop
    # the form's "-" for no revision is not shown as a date
    assert "revisi" not in sop


async def test_an_sop_code_the_unit_does_not_run_is_refused_naming_the_one_it_does(
    world: World,
) -> None:
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/sop <b>cuti</b>")
    refused = await kasubag.wait_message(timeout=WAIT)
    assert "SOP dengan kode <b>cuti</b> tidak ditemukan" in refused.text
    assert "/sop ppk-rkakl-pk" in refused.text


async def test_a_restart_during_the_return_reason_dialogue_loses_nothing(world: World) -> None:
    s = Script(world, WAIT)
    case = await submit_proposal(world, s)
    task = await s.press("kabag", "Kembalikan", case)
    # the question is asked on the task message itself
    await world.emu.wait_until(lambda: "silakan ketik" in task.text, timeout=WAIT)
    assert task.button_texts == [t.BTN_CANCEL]
    await world.stop_bot()
    await world.start_bot()
    reason = "Mohon TOR dilengkapi dengan rincian biaya (diketik setelah bot dimulai ulang)."
    await world["kabag"].send(reason)
    await until_case(world, case, lambda c: c.step == 1)
    returned = [e for e in await events_of(world, case) if e.type is EventType.RETURNED]
    assert [(e.step, e.to_step, e.reason) for e in returned] == [(2, 1, reason)]
    await world["kasubag"].wait_message(
        lambda m: reason in m.text and "Langkah 1 dari 12" in m.text, timeout=WAIT
    )
    await world.emu.wait_until(lambda: "↩️ Dikembalikan oleh" in task.text, timeout=WAIT)
    assert reason in task.text and task.buttons == []
    assert await world.services.db.read(repo.get_dialogue, 1002) is None


async def test_a_server_without_reactions_gets_the_upload_answered_in_words(
    world: World,
) -> None:
    """A Bot API server that does not know setMessageReaction answers 404 (PTB raises it
    as InvalidToken): the upload is answered with its one line, and nothing waits."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan unggahan", 2027)
    world.emu.faults.fail(5, status=404, method="setMessageReaction", description="Not Found")
    sent = await s.upload("kasubag", case, "TOR.docx", draft("TOR"), expect="dicatat sebagai TOR")
    assert sent.bot_reactions == []
    await world.drained()
    failed = "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL"
    assert await world.services.db.read(lambda tx: tx.value(failed)) == 0


async def kasubag_forms_the_team(world: World) -> tuple[Script, int, EmuMessage]:
    """A proposal approved by Kabag and Karo and forwarded: Kasubag's step 5 (the team), its
    number and her task message with the candidates."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan Program Kerja 2027")
    await s.approve("kabag", case)
    await s.approve("karo", case)
    await s.press("kabag", "Teruskan", case)
    return s, case, await s.seen("kasubag", has_button("Ayu", case))


async def test_a_bureau_of_120_drafters_gets_its_team_step_and_picks_page_by_page(
    tmp_path: Path,
) -> None:
    """With 120 holders of the team's role, one button each would pass Telegram's 100
    buttons and the Kasubag would never get step 5. The candidates come ten a page; the
    Kasubag picks Ayu on the first page and a drafter on the third, and the team is both."""
    officials = [p.entry() for p in OFFICIALS]
    drafters = [
        {"telegram_id": 3000 + i, "name": f"Staf Penyusun {i:03}", "roles": ["tim"]}
        for i in range(1, 119)
    ]
    async with World(tmp_path, people=[*officials, *drafters]) as world:
        await world.everyone_starts()
        s, case, task = await kasubag_forms_the_team(world)
        assert sum(label.startswith("⬜") for label in task.button_texts) == 10
        assert "1/12" in task.button_texts

        def showing(page: str) -> Callable[[], bool]:
            return lambda: page in task.button_texts

        await s.press("kasubag", "Ayu", case)
        for page in ("2/12", "3/12"):
            await s.press("kasubag", "›", case)
            await world.emu.wait_until(showing(page), timeout=WAIT)
        assert "☑️ Ayu" not in str(task.button_texts)  # Ayu is on the first page
        assert "Terpilih (1): Ayu Lestari" in task.text
        await s.press("kasubag", "Staf Penyusun 025", case)
        await world.emu.wait_until(lambda: "Terpilih (2)" in task.text, timeout=WAIT)
        await s.press("kasubag", "Tetapkan tim", case)

        await until_case(world, case, lambda c: c.step == 6)
        assert (await case_of(world, case)).team == (1004, 3025)


def turned(task: EmuMessage, page: str) -> bool:
    return page not in task.button_texts


def shows(task: EmuMessage, text: str) -> bool:
    return text in task.text


async def test_a_team_of_22_with_long_names_keeps_the_outcome_of_its_step(
    tmp_path: Path,
) -> None:
    """Kasubag names 22 drafters whose full names, with titles and degrees, take about 185
    characters each: listed whole, the team alone passes Telegram's 4096 characters. The
    record of step 5 names them as far as the message allows and counts the others, and
    keeps who forwarded the case and to whom; /status at step 6 names the team as its
    holders the same way (and those of them it could not reach), and still says since
    when the step waits."""
    officials = [p.entry() for p in OFFICIALS]
    long_tail = "Raden Mas Bambang Soerjono Adiwidjojo Kusumanegara Wicaksono " * 2
    names = [
        f"Staf {i:02} {long_tail}Prawiranegara Suryaningrat, S.E., M.Sc., M.P.A."
        for i in range(1, 23)
    ]
    assert all(170 < len(name) < 200 for name in names)
    drafters = [
        {"telegram_id": 3001 + i, "name": name, "roles": ["tim"]} for i, name in enumerate(names)
    ]
    async with World(tmp_path, people=[*officials, *drafters]) as world:
        await world.everyone_starts()
        s, case, task = await kasubag_forms_the_team(world)
        for picked in range(1, 23):
            while not any(b.startswith("⬜ Staf") for b in task.button_texts):
                page = next(b for b in task.button_texts if "/" in b)
                await s.press("kasubag", "›", case)
                await world.emu.wait_until(partial(turned, task, page), timeout=WAIT)
            label = next(b for b in task.button_texts if b.startswith("⬜ Staf"))
            await s.press("kasubag", label, case)
            await world.emu.wait_until(partial(shows, task, f"Terpilih ({picked})"), timeout=WAIT)
        assert len(task.text) <= t.MAX_MESSAGE and "dipersingkat" not in task.text
        assert re.search(r"Terpilih \(22\): Staf 01 .*\(Ketua\), .* dan \d+ lainnya", task.text)
        await s.press("kasubag", "Tetapkan tim", case)
        await until_case(world, case, lambda c: c.step == 6)
        await world.emu.wait_until(lambda: "Diteruskan oleh" in task.text, timeout=WAIT)
        record = task.text
        assert len(record) <= t.MAX_MESSAGE and "dipersingkat" not in record
        team = record.split("Susunan Tim Penyusunan:\n", 1)[1]
        assert team.startswith("1. Staf 01 Raden Mas")
        assert re.search(
            r"\n… dan \d+ anggota lainnya\n\n✔️ Diteruskan oleh Dra\. Siti Rahmawati, M\.M\. "
            r"\(Kasubag\) pada .*\.\nBerkas diteruskan kepada Tim Penyusunan\.$",
            team,
        ), team[-300:]

        kasubag = world["kasubag"]
        kasubag.mark_seen()
        await kasubag.send(f"/status {case}")
        status = await kasubag.wait_message(lambda m: "Riwayat" in m.text, timeout=WAIT)
        # the drafters never opened the bot: those it could not reach are named the same way
        assert re.search(
            r"Pelaksana: Staf 01 .*, Staf \d\d .* dan \d+ lainnya \(Tim Penyusunan\)\n"
            r"⚠️ Tugas belum dapat disampaikan kepada Staf 01 .* dan \d+ lainnya: Telegram "
            r"menolak .*\nSejak: ",
            status.text,
        ), status.text[:1500]


async def test_a_team_picked_for_one_case_then_another_leaves_no_false_ticks(
    world: World,
) -> None:
    """Kasubag has two cases at step 5. She ticks Ayu for the first, then Rudi for the
    second: a person has one selection at a time, so the first case's task message drops
    its tick (it showed Ayu ticked while the selection was gone), and the second keeps
    Rudi."""
    s = Script(world, WAIT)
    cases = []
    for title in ("Usulan pertama", "Usulan kedua"):
        case = await s.submit(title)
        await s.approve("kabag", case)
        await s.approve("karo", case)
        await s.press("kabag", "Teruskan", case)
        cases.append(case)
    first, second = cases
    first_task = await s.seen("kasubag", has_button("Ayu", first))
    second_task = await s.seen("kasubag", has_button("Rudi", second))
    await s.press("kasubag", "Ayu", first)
    await world.emu.wait_until(lambda: "☑️ Ayu" in str(first_task.button_texts), timeout=WAIT)
    await s.press("kasubag", "Rudi", second)
    await world.emu.wait_until(lambda: "☑️ Rudi" in str(second_task.button_texts), timeout=WAIT)
    await world.emu.wait_until(lambda: "☑️" not in str(first_task.button_texts), timeout=WAIT)
    assert "Tetapkan" not in str(first_task.button_texts)
    await s.press("kasubag", "Tetapkan tim", second)
    await until_case(world, second, lambda c: c.step == 6)
    assert (await case_of(world, second)).team == (1005,)  # Rudi
