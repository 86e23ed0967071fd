"""Telegram's documented rules the bot meets as a user meets them: a file Telegram will not
hand over (20 MB on its servers; more from a self-hosted server in --local mode), document
names with HTML characters in an HTML message, buttons on a message too old to be shown
(InaccessibleMessage: a /tugas page, a review decision), and the reactions on an album of
uploads (they land on its first message).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from e2e_helpers import case_of
from reliability_helpers import until

from bot import texts as t
from bot.callbacks import Callback, Op
from bot.demo import ROOT, Script, World, draft
from bot.filestore import MARKER
from emulator import CallbackAnswer, EmuMessage
from emulator.html_entities import parse_html
from storage import repo

WAIT = 15.0


def as_read(text: str) -> str:
    """A message text as the official reads it (the bot sends HTML)."""
    return re.sub(r"<[^>]+>", "", text)


def stored_files(world: World) -> list[Path]:
    return [p for p in world.services.files.root.rglob("*") if p.is_file() and p.name != MARKER]


# -- 1. a file the Bot API server will not hand over -------------------------------------


async def test_a_file_telegram_refuses_to_hand_over_is_refused_as_too_big(tmp_path: Path) -> None:
    """Kasubag uploads a TOR that Telegram's getFile refuses ("file is too big"); he is told
    the file is over the size limit (not asked to send it again, which would not help), and
    nothing is recorded."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan dengan berkas besar", 2027)
        world.emu.faults.fail(
            1, status=400, method="getFile", description="Bad Request: file is too big"
        )
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"), expect="melebihi batas")
        told = world["kasubag"].bot_messages[-1]
        assert told.text == as_read(t.FILE_TOO_BIG.format(limit=20))
        assert "mengirim ulang" not in told.text
        await world.drained()
        assert await world.services.db.read(repo.files_of_case, case) == []
        assert stored_files(world) == []
        # any other refusal of the download still asks for the file again
        world.emu.faults.fail(1, status=400, method="getFile", description="Bad Request: wrong")
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"), expect="mengirim ulang")
        assert world["kasubag"].bot_messages[-1].text == as_read(t.FILE_DOWNLOAD_FAILED)


async def test_a_self_hosted_server_in_local_mode_takes_files_above_20_mb(
    tmp_path: Path,
) -> None:
    """The office runs its own Bot API server with --local on the bot's machine and allows
    30 MB. Kasubag uploads a 21 MB TOR: the server saves it on its disk, getFile gives its
    path there, and the bot reads it from the disk and records it. Without --local the same
    server refuses files above 20 MB, and he is told so."""
    async with World(tmp_path / "w", storage={"max_file_mb": 30}) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan dengan berkas besar", 2027)
        big = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
        await s.upload("kasubag", case, "TOR.pdf", big, expect="melebihi batas 20 MB")
        assert await world.services.db.read(repo.files_of_case, case) == []
        world.emu.local_mode_dir = served_from = tmp_path / "telegram-bot-api"
        read_on: list[str] = []  # the threads that read the server's copy
        read_bytes = Path.read_bytes

        def reading(path: Path) -> bytes:
            if served_from in path.parents:
                read_on.append(threading.current_thread().name)
            return read_bytes(path)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Path, "read_bytes", reading)
            await s.upload("kasubag", case, "TOR.pdf", big)  # until the bot's 👌 on it
        (recorded,) = await world.services.db.read(repo.files_of_case, case)
        assert recorded.size == len(big)
        served = list(served_from.rglob("*.pdf"))
        assert len(served) == 1 and served[0].stat().st_size == len(big)
        # read once, in a worker thread: a file of up to 2000 MB read on the event loop
        # holds up every other chat meanwhile
        assert len(read_on) == 1 and read_on[0] != threading.main_thread().name, read_on


async def test_a_file_from_telegrams_servers_is_downloaded_without_a_look_at_the_disk(
    tmp_path: Path,
) -> None:
    """Telegram's own servers answer getFile with a relative path: the file is downloaded
    (PTB's own look at the disk finds nothing there) without a worker thread looking first;
    only a --local server's absolute path is looked for, and read, in one."""
    import handlers.files

    async with World(tmp_path / "w") as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan biasa", 2027)
        looked: list[str] = []
        is_local = handlers.files._is_local_file

        def looking(path: str) -> bool:
            looked.append(path)
            return is_local(path)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(handlers.files, "_is_local_file", looking)
            await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
            assert looked == []
            world.emu.local_mode_dir = tmp_path / "telegram-bot-api"
            await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep"))
        assert len(looked) == 1 and Path(looked[0]).is_absolute()
        assert len(await world.services.db.read(repo.files_of_case, case)) == 2


# -- 2. document names with HTML characters -------------------------------------------------

NOTA = "Nota Dinas <Kabag> & Lampiran"


def sop_with_a_nota(tmp_path: Path) -> Path:
    """The SOP with one more upload, Kabag's "Nota Dinas <Kabag> & Lampiran", needed to
    pass step 4 on (an imported SOP may name its documents so)."""
    text = (ROOT / "sops" / "penyusunan-program-kerja.toml").read_text(encoding="utf-8")
    text = text.replace(
        "[documents.rencana_kerja]",
        f'[documents.nota]\nname = "{NOTA}"\nsource = "upload"\n\n[documents.rencana_kerja]',
    )
    step4 = 'inputs = ["disposisi"]\noutputs = ["disposisi", "sk"]'
    assert text.count(step4) == 1
    text = text.replace(
        step4, 'inputs = ["disposisi", "nota"]\nuploads = ["nota"]\noutputs = ["disposisi", "sk"]'
    )
    sop = tmp_path / "sop-nota.toml"
    sop.write_text(text, encoding="utf-8")
    return sop


async def test_a_missing_document_named_with_html_characters_is_named_in_both_refusals(
    tmp_path: Path,
) -> None:
    """Kabag holds step 4 without the Nota Dinas <Kabag> & Lampiran it needs, so his task
    shows no Teruskan button; an old or forged one is pressed anyway. Pressing Teruskan he is
    told (an alert, plain text) which document is missing; pressing Teruskan dengan catatan
    and typing the note, he is told so in a message (HTML), the name shown as written."""
    async with World(tmp_path / "w", sops=[str(sop_with_a_nota(tmp_path))]) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case_id = await s.submit("Usulan PK")
        await s.approve("kabag", case_id)
        await s.approve("karo", case_id)
        task = await s.seen(
            "kabag", lambda m: f"Berkas #{case_id}" in m.text and "Langkah 4 dari 12" in m.text
        )
        assert f"⬜ {NOTA}" in task.text and not task.button_texts
        case = await case_of(world, case_id)
        refused = f"Dokumen belum lengkap. Yang masih diperlukan: {NOTA}."
        forward = Callback(Op.FORWARD, case.id, case.step, case.version)
        alert = await world["kabag"].press_data(task, forward.encode(), timeout=WAIT)
        assert alert.show_alert and alert.text == refused
        with_note = Callback(Op.FORWARD, case.id, case.step, case.version, "n")
        await world["kabag"].press_data(task, with_note.encode(), timeout=WAIT)
        world["kabag"].mark_seen()
        await s.answer_prompt("kabag", "Mohon segera ditindaklanjuti.")
        told = await world["kabag"].wait_message(lambda m: "Dokumen" in m.text, timeout=WAIT)
        assert told.text == refused
        assert (await case_of(world, case_id)).step == 4


# -- 3. a /tugas list too old for Telegram to show it to the bot --------------------------


async def test_a_page_button_on_a_two_day_old_task_list_sends_the_page_anew(
    tmp_path: Path,
) -> None:
    """Kasubag has nine tasks; his /tugas list shows the first eight. Two days later he
    presses › on it: Telegram sends the press with an InaccessibleMessage. He is told the
    list is too old and gets page 2 as a new message (not "tombol ini tidak dikenali"); a
    task button of the old list still sends its task."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        kasubag = world["kasubag"]
        for n in range(1, 10):
            await world.services.cases.start_case(kasubag.id, f"Usulan ke-{n}", 2027)
        await world.drained()
        kasubag.mark_seen()
        await kasubag.send("/tugas")
        listing = await kasubag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert "(halaman 1 dari 2)" in listing.text
        world.emu.advance_clock(49 * 3600)
        old = listing.text
        answer = await kasubag.press(listing, "›", timeout=WAIT)
        assert answer == CallbackAnswer(t.ANS_LIST_OLD, False)
        page = await kasubag.wait_message(lambda m: "Tugas Bapak/Ibu" in m.text, timeout=WAIT)
        assert "9 tugas menunggu tindakan (halaman 2 dari 2)" in page.text
        assert page.record.message_id != listing.record.message_id and listing.text == old
        assert [b for b in page.button_texts if not b.startswith("#")] == ["«", "‹"]
        first = listing.button_texts[0]
        opened = await kasubag.press(listing, first, timeout=WAIT)
        assert opened.text == t.ANS_TASK_OPENED
        number = first.split()[0]
        await kasubag.wait_message(
            lambda m: f"Berkas {number} " in m.text and "Langkah 1 dari 12" in m.text,
            timeout=WAIT,
        )


# -- 4. an album of uploads ---------------------------------------------------------------


async def test_an_album_of_uploads_is_acknowledged_on_its_first_file_and_every_file_counts(
    tmp_path: Path,
) -> None:
    """Kasubag picks the Konsep Rencana Kerja, the TOR and a supporting PDF and sends them
    as one album. Telegram sets a reaction on an album item on the album's first message, so
    the bot's 👌 for each file shows once, on the first file; every file is recorded, and
    his task's checklist shows each of them, with the Ajukan button."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan PK", 2027)
        kasubag = world["kasubag"]
        album = await kasubag.send_album(
            [
                ("Konsep Rencana Kerja.docx", draft("Konsep")),
                ("TOR.docx", draft("TOR")),
                ("Konsep Rencana Kerja lampiran.docx", draft("Konsep", 2)),
            ],
            caption=f"#{case}",
        )

        async def all_recorded() -> bool:
            files = await world.services.db.read(repo.files_of_case, case)
            return len(files) == 3

        await until(all_recorded)
        await world.drained()
        assert [m.bot_reactions for m in album] == [["👌"], [], []]
        current = await case_of(world, case)
        assert sorted((a.doc, a.version) for a in current.files) == [
            ("konsep_rencana_kerja", 1),
            ("konsep_rencana_kerja", 2),
            ("tor", 1),
        ]
        task = await s.seen(
            "kasubag", lambda m: f"Berkas #{case}" in m.text and t.BTN_SUBMIT in m.button_texts
        )
        assert "✅ Konsep Rencana Kerja: Konsep Rencana Kerja lampiran.docx (versi 2)" in task.text
        assert "✅ TOR (Kerangka Acuan Kerja): TOR.docx (versi 1)" in task.text
        assert not [m for m in kasubag.bot_messages if "Mohon maaf" in m.text]


async def test_a_refused_file_of_an_album_is_answered_by_quoting_that_file(
    tmp_path: Path,
) -> None:
    """Kasubag sends the TOR and, by mistake, a program as one album. The refusal quotes the
    program's message, so he sees which file it is about; the TOR is taken with its 👌 (on
    the album's first message, where Telegram shows an album's reactions)."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan PK", 2027)
        kasubag = world["kasubag"]
        tor, program = await kasubag.send_album(
            [("TOR.docx", draft("TOR")), ("pasang.exe", b"MZ\x90\x00" * 64)],
            caption=f"#{case}",
        )
        refusal = await kasubag.wait_message(
            lambda m: "tidak dapat diterima" in m.text, timeout=WAIT
        )
        assert refusal.reply_to is not None
        assert refusal.reply_to.message_id == program.message_id
        await world.drained()
        assert tor.bot_reactions == ["👌"]
        files = await world.services.db.read(repo.files_of_case, case)
        assert [f.name for f in files] == ["TOR.docx"]


# -- 3b. a review decision on a task message too old to be shown ---------------------------


async def press_on_two_day_old_review(
    world: World, s: Script, title: str, button: str
) -> tuple[int, EmuMessage]:
    """Kasubag submits a proposal; two days later Kabag presses ``button`` on his review
    task (only what comes after the press counts as new in his chat)."""
    case_id = await s.submit(title)
    task = await s.seen(
        "kabag", lambda m: f"Berkas #{case_id}" in m.text and "Setujui" in " ".join(m.button_texts)
    )
    world.emu.advance_clock(49 * 3600)
    world["kabag"].mark_seen()
    await world["kabag"].press(task, button, timeout=WAIT)
    return case_id, task


async def test_kabag_approves_on_a_two_day_old_task_and_the_case_goes_on(tmp_path: Path) -> None:
    """Kabag presses Setujui on his review task two days after it came: Telegram sends the
    press with an InaccessibleMessage (no text, no buttons). The approval counts; as the bot
    cannot show it on that message, Kabag sees it in a new one (with the button to take it
    back); Karo gets the task, and the old message no longer offers the decision."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case_id, task = await press_on_two_day_old_review(
            world, s, "Usulan yang lama menunggu", t.BTN_APPROVE
        )
        kabag = world["kabag"]
        shown = await kabag.wait_message(lambda m: "Disetujui oleh" in m.text, timeout=WAIT)
        assert "Berkas diteruskan kepada Karo" in shown.text
        assert shown.button_texts == [t.BTN_WITHDRAW]
        await s.seen(
            "karo", lambda m: f"Berkas #{case_id}" in m.text and "Langkah 3 dari 12" in m.text
        )
        await world.drained()
        case = await case_of(world, case_id)
        assert case.step == 3
        assert t.BTN_APPROVE not in task.button_texts, task.button_texts


async def test_a_second_copy_of_kabags_task_is_approved_and_the_first_loses_its_buttons_on_a_press(
    tmp_path: Path,
) -> None:
    """Telegram took the call that sends Kabag his review task, but its answer was lost on
    the way back: the bot sent the task again and never learnt the first copy's id. Kabag
    approves on the second copy. Two days later he presses Setujui on the first: he is told
    the step has been handled, the case stays where it is, and that copy loses its buttons
    (the press comes with an InaccessibleMessage: the bot removes them by chat and id)."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        kabag = world["kabag"]
        world.emu.faults.drop(1, method="sendMessage", execute=True, chat_id=kabag.id)
        case_id = await s.submit("Usulan yang tiba dua kali")

        def tasks() -> list[EmuMessage]:
            return [
                m
                for m in kabag.bot_messages
                if f"Berkas #{case_id}" in m.text and t.BTN_APPROVE in m.button_texts
            ]

        await world.emu.wait_until(lambda: len(tasks()) == 2, timeout=WAIT)
        first, second = tasks()
        await kabag.press(second, t.BTN_APPROVE, timeout=WAIT)
        await s.seen("karo", lambda m: f"Berkas #{case_id}" in m.text and bool(m.button_texts))
        await world.drained()
        assert t.BTN_APPROVE in first.button_texts  # a copy the bot does not know of
        version = (await case_of(world, case_id)).version

        world.emu.advance_clock(49 * 3600)
        answer = await kabag.press(first, t.BTN_APPROVE, timeout=WAIT)
        assert answer == CallbackAnswer(t.ANS_ALREADY_HANDLED, True)
        await world.emu.wait_until(lambda: not first.button_texts, timeout=WAIT)
        case = await case_of(world, case_id)
        assert (case.step, case.version) == (3, version)


async def test_kabag_returns_on_a_two_day_old_task_and_is_asked_the_reason_anew(
    tmp_path: Path,
) -> None:
    """Kabag presses Kembalikan on a two-day-old review task. The bot cannot show the
    question on that message (it does not see it), so it asks for the reason in a new
    message with a Batal button; Kabag types it, and Kasubag receives the case back with
    the reason."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case_id, task = await press_on_two_day_old_review(
            world, s, "Usulan yang dikembalikan", t.BTN_RETURN
        )
        kabag = world["kabag"]
        asked = await kabag.wait_message(lambda m: "silakan ketik" in m.text, timeout=WAIT)
        assert asked.record.message_id != task.record.message_id
        assert asked.button_texts == [t.BTN_CANCEL]
        reason = "TOR belum mencantumkan jadwal pelaksanaan."
        await kabag.send(reason)
        await s.seen("kasubag", lambda m: f"Berkas #{case_id}" in m.text and reason in m.text)
        case = await case_of(world, case_id)
        assert case.step == 1


async def test_kasubag_picks_the_team_on_a_two_day_old_task_and_sees_his_selection(
    tmp_path: Path,
) -> None:
    """Kasubag's team task came two days ago. He presses Ayu on it; Telegram shows the bot
    only the message's chat and id (InaccessibleMessage), but a bot may edit its own
    messages at any age: the same task now shows Ayu ticked and the button to form the
    team, and he forms it there."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case_id = await s.submit("Usulan tim")
        await s.approve("kabag", case_id)
        await s.approve("karo", case_id)
        await s.press("kabag", t.BTN_FORWARD, case_id)
        task = await s.seen(
            "kasubag",
            lambda m: f"Berkas #{case_id}" in m.text and "Langkah 5 dari 12" in m.text,
        )
        ayu = next(b for b in task.button_texts if "Ayu" in b)
        assert ayu.startswith("⬜") and t.BTN_TEAM_DONE not in task.button_texts
        world.emu.advance_clock(49 * 3600)
        kasubag = world["kasubag"]
        await kasubag.press(task, ayu, timeout=WAIT)
        await world.emu.wait_until(lambda: t.BTN_TEAM_DONE in task.button_texts, timeout=WAIT)
        assert not next(b for b in task.button_texts if "Ayu" in b).startswith("⬜")
        await kasubag.press(task, t.BTN_TEAM_DONE, timeout=WAIT)
        await s.seen(
            "tim1", lambda m: f"Berkas #{case_id}" in m.text and "Langkah 6 dari 12" in m.text
        )
        case = await case_of(world, case_id)
        assert case.step == 6


# -- 6. a reply longer than one message ----------------------------------------------------


def test_a_text_longer_than_a_message_goes_in_parts_of_valid_html_with_nothing_left_out() -> None:
    """A listing of 400 names, one long line of them, then a quotation over several lines:
    every part is within Telegram's 4,096 characters and is HTML Telegram accepts by itself
    (a tag open at a cut is closed and opened again); read in order, nothing is missing."""
    names = ", ".join(f"Pegawai &amp; Nomor {i} (<code>{i}</code>)" for i in range(400))
    quoted = "\n".join(f"baris {i}" for i in range(300))
    text = f"<b>Daftar</b>\n• <b>Tim</b>: {names}\n<blockquote>{quoted}</blockquote>\nSelesai."
    parts = t.split_message(text)
    assert len(parts) > 3
    read = []
    for part in parts:
        assert len(part) <= t.MAX_MESSAGE
        plain, _ = parse_html(part)  # raises on an unclosed tag or a cut entity
        read.append(plain)
    whole = " ".join(read)
    assert all(f"Pegawai & Nomor {i} ({i})," in whole for i in range(399))  # cut at commas
    assert all(f"Pegawai & Nomor {i} ({i})" in whole for i in range(400))
    assert all(f"baris {i}" in whole for i in range(300))
    assert read[0].startswith("Daftar") and read[-1].endswith("Selesai.")
    assert t.split_message("Singkat.") == ["Singkat."]


# -- 7. a button's answer: at most 200 characters ---------------------------------------


def _answer_texts() -> list[tuple[str, str]]:
    """Every fixed text a button press may be answered with (answerCallbackQuery): the
    ANS_* toasts, the refusals a press may meet, and the gate's answers."""
    texts = [(name, getattr(t, name)) for name in dir(t) if name.startswith("ANS_")]
    texts += [(f"refusal {code}", t.refusal(code)) for code in t.REFUSALS]
    texts += [(name, getattr(t, name)) for name in ("PRIVATE_ONLY", "ERROR_GENERIC")]
    # the gate's refusals name the person's Telegram ID: the longest Telegram gives (52 bits)
    texts += [
        (f"no_access held={held}", t.no_access(2**52 - 1, held=held, html=False))
        for held in (False, True)
    ]
    return texts


def test_every_fixed_answer_to_a_button_fits_telegrams_200_characters() -> None:
    """answerCallbackQuery shows at most 200 characters: a refusal an official meets on a
    button (four eyes: Budi presses Kembalikan on his own proposal) is read whole, not
    cut inside a word ("memutus dua tingkat pe")."""
    too_long = {name: len(text) for name, text in _answer_texts() if len(text) > 200}
    assert too_long == {}


async def test_a_longer_answer_to_a_button_ends_after_a_whole_word() -> None:
    """A refusal built with long names (documents an office named at length) is longer
    than a button's answer may be: it ends after a whole word, with "…", within 200."""
    from types import SimpleNamespace
    from typing import Any

    from handlers.common import answer

    shown: list[Any] = []

    async def answer_query(text: str | None, show_alert: bool = False) -> None:
        shown.append((text, show_alert))

    update: Any = SimpleNamespace(callback_query=SimpleNamespace(answer=answer_query))
    names = ", ".join(["Surat Keterangan Sehat Jasmani dan Rohani dari Dokter Pemerintah"] * 4)
    await answer(update, t.refusal("missing_inputs", missing=names), alert=True)
    ((text, alert),) = shown
    assert alert and len(text) <= 200 and text.endswith("…")
    assert text[:-1].rstrip(",").split()[-1] in names.split()  # a whole word before "…"


# -- 8. Telegram fails the answer to an upload ------------------------------------------


async def test_the_question_which_case_a_file_is_for_comes_after_telegram_failed_it_once(
    tmp_path: Path,
) -> None:
    """Kasubag has two new proposals waiting for their documents and sends a TOR without a
    case number. Telegram answers the bot's question ("which case?") with a 502 once: the
    file is not recorded, and the question still reaches him (it is retried), instead of
    the file going unanswered for ever."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        first = await s.new_case("Usulan pertama", 2027)
        second = await s.new_case("Usulan kedua", 2027)
        await world.drained()
        kasubag = world["kasubag"]
        kasubag.mark_seen()
        world.emu.faults.fail(1, status=502, method="sendMessage")
        sent = await kasubag.send_document(draft("TOR"), file_name="TOR.docx")
        asked = await kasubag.wait_message(
            lambda m: "beberapa berkas yang menunggu unggahan" in m.text, timeout=WAIT
        )
        assert f"#{first}" in asked.text and f"#{second}" in asked.text
        reply_to = asked.reply_to
        assert reply_to is not None and reply_to.message_id == sent.message_id  # quoting it
        await world.drained()
        once = [m.message_id for m in kasubag.bot_messages if "beberapa berkas" in m.text]
        assert once == [asked.message_id]
        assert await world.services.db.read(repo.files_of_case, first) == []
        assert await world.services.db.read(repo.files_of_case, second) == []


async def test_a_file_telegram_fails_to_hand_over_once_is_fetched_again_and_recorded(
    tmp_path: Path,
) -> None:
    """Kasubag uploads the TOR; Telegram answers the bot's getFile with a 502 once (a
    passing fault of its servers). The bot asks again and records the TOR: Kasubag sees
    his 👌, not a request to send the file again."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world, WAIT)
        case = await s.new_case("Usulan saat Telegram terganggu", 2027)
        world["kasubag"].mark_seen()
        world.emu.faults.fail(1, status=502, method="getFile")
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"))  # until the bot's 👌
        (recorded,) = await world.services.db.read(repo.files_of_case, case)
        assert recorded.name == "TOR.docx"
        await world.drained()
        assert not [m for m in world["kasubag"].bot_messages if "mengirim ulang" in m.text]
