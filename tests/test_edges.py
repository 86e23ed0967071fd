"""Correct at the edges (issue 12): where real use meets the bot's edges.

Each test here failed on the bot before this work: local times in the office's zone, strict
numbers, files that are not what they claim, notes that reach the next holder, no leftover
buttons, a case that keeps the SOP it started with, and the rough edges named last round.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from e2e_helpers import case_of
from reliability_helpers import until

from bot import texts as t
from bot.clock import ManualClock
from bot.demo import ADMIN_ID, OFFICIALS, ROOT, Script, World, draft
from emulator import EmuMessage
from storage import repo

WAIT = 15.0
ID = {p.key: p.telegram_id for p in OFFICIALS}
UTC = ZoneInfo("UTC")


async def answer_to(world: World, who: str, text: str, expect: str = "") -> EmuMessage:
    """The bot's answer to what ``who`` sends now (with ``expect``: the answer holding it;
    /status sends its text, then the timeline picture, and tasks may arrive meanwhile)."""
    world[who].mark_seen()
    await world[who].send(text)
    return await world[who].wait_message(lambda m: expect in m.text, timeout=WAIT)


# -- 1. dates and times in the office's zone --------------------------------------------


@pytest.mark.parametrize(
    ("zone", "label", "local"),
    [
        ("Asia/Jakarta", "WIB", "01.30"),
        ("Asia/Makassar", "WITA", "02.30"),
        ("Asia/Jayapura", "WIT", "03.30"),
    ],
)
async def test_messages_give_the_date_and_time_of_the_office_zone(
    tmp_path: Path, zone: str, label: str, local: str
) -> None:
    """18.30 UTC on 4 December is already 5 December in every Indonesian zone."""
    clock = ManualClock(datetime(2026, 12, 4, 18, 30, tzinfo=UTC))
    async with World(tmp_path, clock=clock, time={"timezone": zone}) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan PK")
        await s.approve("kabag", case)
        decided = await s.seen(
            "kabag", lambda m: "Disetujui oleh" in m.text and f"Berkas #{case}" in m.text
        )
        assert f"5 Desember 2026 pukul {local} {label}" in decided.text
        assert "4 Desember" not in decided.text
        status = await answer_to(world, "karo", f"/status {case}", "Riwayat")
        assert f"5 Desember 2026 pukul {local} {label}" in status.text
        if label != "WIB":
            assert "WIB" not in status.text


async def test_on_new_years_night_the_example_year_is_the_offices_next_one(
    tmp_path: Path,
) -> None:
    """At 18.00 UTC on 31 December it is already 1 January 2027 in Jakarta: /baru offers
    2028 as its example of a fiscal year, not 2027."""
    clock = ManualClock(datetime(2026, 12, 31, 18, 0, tzinfo=UTC))
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        kasubag = world["kasubag"]
        await kasubag.send("/baru")
        asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
        await kasubag.send("Program Kerja Biro")
        await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
        assert "misalnya 2028" in asked.text
        # 2100 is four digits, but no bureau plans that far: asked again
        refused = await answer_to(world, "kasubag", "2100", "di luar rentang 2026–2032")
        assert "misalnya 2028" in refused.text
        await kasubag.send("2028")
        await world.emu.wait_until(lambda: "telah dibuat" in asked.text, timeout=WAIT)


async def test_a_year_typed_with_a_letter_is_answered_with_the_years_the_bot_takes(
    world: World,
) -> None:
    """Kasubag types "2O27" (a letter O) for the year of a new case. She is told which years
    the bot takes, the same range it holds her to when she then types 2100, not "between
    2000 and 2100", a range in which 2100 and 2050 are refused all the same."""
    kasubag = world["kasubag"]
    await kasubag.send("/baru")
    asked = await kasubag.wait_message(lambda m: "judul" in m.text, timeout=WAIT)
    await kasubag.send("Program Kerja Biro")
    await world.emu.wait_until(lambda: "tahun anggaran" in asked.text, timeout=WAIT)
    next_year = world.services.zone.local(world.services.clock.now()).year + 1
    first, last = next_year - 2, next_year + 4
    typo = await answer_to(world, "kasubag", "2O27", "Tahun Anggaran")
    assert f"antara {first} dan {last}" in typo.text
    assert "2000" not in typo.text and "2100" not in typo.text
    refused = await answer_to(world, "kasubag", "2100", "di luar rentang")
    assert f"{first}–{last}" in refused.text


# -- 2. numbers parsed strictly ---------------------------------------------------------


async def test_unicode_digits_get_the_usage_text_never_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        caplog.set_level(logging.ERROR)
        for who, text in (
            ("kasubag", "/status ²"),
            ("kasubag", "/tunda ² 2j"),
            ("kasubag", "/tunda 1 ²j"),
            ("kasubag", "/tarik ²"),
            ("admin", "/cabut ² tim"),
            ("admin", "/batalkan ² alasan"),
            ("admin", "/alihkan karo ² 1009"),
            ("admin", "/alihkan karo 1003 ١٢"),
        ):
            answer = await answer_to(world, who, text)
            assert "Penggunaan" in answer.text, (text, answer.text)
            assert "gangguan" not in answer.text
        unknown = await answer_to(world, "kasubag", "/tunda 999999 2j")
        assert "Berkas #999999 tidak ditemukan" in unknown.text
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not any("Gangguan" in m.text for m in world["admin"].bot_messages)


async def test_a_command_the_bot_does_not_know_is_answered_as_politely_as_any_refusal(
    tmp_path: Path,
) -> None:
    """Kasubag mistypes a command (/tugaz): she is told, with an apology as every other
    refusal, what to type instead."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        answer = await answer_to(world, "kasubag", "/tugaz")
        assert answer.text == (
            "Mohon maaf, perintah tersebut tidak dikenal. Ketik /bantuan untuk daftar perintah."
        )


async def test_a_command_addressed_to_another_bot_in_the_private_chat_says_so(
    tmp_path: Path,
) -> None:
    """Kasubag copies /tugas@otherbot from a guide written for another bot (Telegram lets
    anyone type a bot's name after a command; it is meant for groups) into her chat with
    this bot: she is told the command is addressed to @otherbot, not to this bot, and to
    type /tugas here, not that the command is unknown. Another bot's command this bot has
    none of points to /bantuan; /tugas with this bot's own name, in any case, is run."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        assert world.app is not None
        bot = world.app.bot.username
        answer = await answer_to(world, "kasubag", "/tugas@otherbot")
        hint = t.COMMAND_OF_OURS.format(command="tugas")
        assert answer.text == re.sub(
            "<[^>]+>",
            "",
            t.COMMAND_FOR_ANOTHER_BOT.format(
                typed="/tugas@otherbot", other="otherbot", bot=bot, hint=hint
            ),
        )
        answer = await answer_to(world, "kasubag", "/poll@AnotherBot Rapat hari Senin?")
        assert answer.text == re.sub(
            "<[^>]+>",
            "",
            t.COMMAND_FOR_ANOTHER_BOT.format(
                typed="/poll@AnotherBot", other="AnotherBot", bot=bot, hint=t.COMMAND_NOT_OURS
            ),
        )
        answer = await answer_to(world, "kasubag", f"/saya@{bot.upper()}")
        assert "Data Bapak/Ibu" in answer.text


# -- 3. files that are not what they claim ----------------------------------------------


async def test_an_empty_file_and_a_text_file_named_docx_are_refused_politely(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.new_case("Usulan PK", 2027)
        await s.upload("kasubag", case, "TOR nol.docx", b"", expect="kosong")
        await s.upload(
            "kasubag", case, "TOR.docx", b"ini bukan dokumen Word", expect="tidak sesuai"
        )
        files = await world.services.db.read(repo.files_of_case, case)
        assert files == [], "a refused file was recorded"
        current = await case_of(world, case)
        assert current.files == ()


# -- 4. notes reach the next holder ------------------------------------------------------


async def test_a_note_given_when_forwarding_reaches_the_next_holder_and_the_history(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan PK")
        await s.approve("kabag", case)
        await s.approve("karo", case)
        note = "Mohon tim dibentuk paling lambat hari Jumat."
        await s.press("kabag", "dengan catatan", case)  # step 4: forward with a note
        await s.answer_prompt("kabag", note)
        task = await s.seen(
            "kasubag", lambda m: f"Berkas #{case}" in m.text and "Langkah 5 dari 12" in m.text
        )
        assert note in task.text and "Catatan dari" in task.text
        status = await answer_to(world, "karo", f"/status {case}", "Riwayat")
        assert note in status.text


# -- 5. no leftover buttons --------------------------------------------------------------


async def _which_document(world: World, s: Script, case: int) -> EmuMessage:
    await world["kasubag"].send_document(draft("x"), file_name="lampiran.docx", caption=f"#{case}")
    return await world["kasubag"].wait_message(
        lambda m: "Mohon pilih jenis dokumen ini" in m.text, timeout=WAIT
    )


async def test_the_which_document_buttons_go_when_the_dialogue_ends_however_it_ends(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.new_case("Usulan PK", 2027)
        question = await _which_document(world, s, case)
        assert question.button_texts
        await answer_to(world, "kasubag", "/batal")
        await world.emu.wait_until(lambda: not question.button_texts, timeout=WAIT)
        question = await _which_document(world, s, case)
        await world["admin"].send(f"/batalkan {case} salah input")
        await world["admin"].wait_message(lambda m: "dibatalkan" in m.text, timeout=WAIT)
        await world.emu.wait_until(lambda: not question.button_texts, timeout=WAIT)
        await world.drained()
        assert await world.services.db.read(repo.get_dialogue, ID["kasubag"]) is None


async def test_each_which_document_question_attaches_its_own_file(tmp_path: Path) -> None:
    """Kasubag sends a.docx, then b.docx, neither named for a document: two questions. She
    answers the older one first: a.docx is the TOR (it used to record b.docx, the file of
    the newer question). That question loses its buttons; the other still asks, and
    answering it makes b.docx the Konsep."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        kasubag = world["kasubag"]
        case = await s.new_case("Usulan PK", 2027)

        def question_about(name: str) -> Callable[[EmuMessage], bool]:
            return lambda m: "Mohon pilih jenis dokumen ini" in m.text and name in m.text

        questions = []
        for name in ("a.docx", "b.docx"):
            await kasubag.send_document(draft(name), file_name=name, caption=f"#{case}")
            questions.append(await kasubag.wait_message(question_about(name), timeout=WAIT))
        first, second = questions
        await kasubag.press(first, "TOR (Kerangka Acuan Kerja)", timeout=WAIT)
        await world.emu.wait_until(lambda: not first.button_texts, timeout=WAIT)
        assert second.button_texts
        await kasubag.press(second, "Konsep Rencana Kerja", timeout=WAIT)
        await world.emu.wait_until(lambda: not second.button_texts, timeout=WAIT)
        await world.drained()
        files = (await case_of(world, case)).latest_files()
        assert sorted((a.doc, a.name) for a in files) == [
            ("konsep_rencana_kerja", "b.docx"),
            ("tor", "a.docx"),
        ]
        assert await world.services.db.read(repo.get_dialogue, ID["kasubag"]) is None


# -- 7. a case keeps the SOP it started with ----------------------------------------------


async def test_a_case_keeps_the_sop_revision_it_started_with(tmp_path: Path) -> None:
    sop = tmp_path / "sop.toml"
    shutil.copyfile(ROOT / "sops" / "penyusunan-program-kerja.toml", sop)
    world = World(tmp_path / "w", sops=[str(sop)])
    async with world:
        await world.everyone_starts()
        s = Script(world)
        old_case = await s.submit("Berkas lama")
        old = await case_of(world, old_case)
        await world.stop_bot()
        text = sop.read_text(encoding="utf-8")
        sop.write_text(
            text.replace(
                'title = "Pemeriksaan usulan oleh Kabag MK"', 'title = "Telaah usulan oleh Kabag"'
            ),
            encoding="utf-8",
        )
        world.config = world.reload_config()
        await world.start_bot()
        new_case = await s.submit("Berkas baru")
        new = await case_of(world, new_case)
        assert old.revision and new.revision and old.revision != new.revision
        task_old = await s.seen(
            "kabag", lambda m: f"Berkas #{old_case}" in m.text and "Langkah 2" in m.text
        )
        task_new = await s.seen(
            "kabag", lambda m: f"Berkas #{new_case}" in m.text and "Langkah 2" in m.text
        )
        assert "Pemeriksaan usulan oleh Kabag MK" in task_old.text
        assert "Telaah usulan oleh Kabag" in task_new.text
        await s.approve("kabag", old_case)  # the old case runs on with its own revision
        assert (await case_of(world, old_case)).step == 3


# -- 8. rough edges ----------------------------------------------------------------------


async def test_cancelling_a_case_tells_the_holder_who_has_not_acted_yet(tmp_path: Path) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.submit("Usulan PK")  # Kabag holds step 2 and has not acted
        await world["admin"].send(f"/batalkan {case} usulan ditarik pimpinan")
        told = await world["kabag"].wait_message(
            lambda m: f"Berkas #{case}" in m.text and "dibatalkan" in m.text, timeout=WAIT
        )
        assert "usulan ditarik pimpinan" in told.text
        await world.emu.wait_until(
            lambda: (
                not any(
                    m.button_texts
                    for m in world["kabag"].bot_messages
                    if f"Berkas #{case}" in m.text
                )
            ),
            timeout=WAIT,
        )


async def test_an_upload_acknowledgement_survives_a_stop_between_commit_and_reply(
    tmp_path: Path,
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        s = Script(world)
        case = await s.new_case("Usulan PK", 2027)
        await world.services.outbox.stop()  # nothing leaves after the commit
        sent = await world["kasubag"].send_document(
            draft("TOR"), file_name="TOR.docx", caption=f"#{case}"
        )

        async def recorded() -> bool:
            current = await case_of(world, case)
            return current is not None and bool(current.files)

        await until(recorded)
        assert not sent.bot_reactions
        await world.stop_bot()
        await world.start_bot()
        await world.emu.wait_until(lambda: bool(sent.bot_reactions), timeout=WAIT)
        assert sent.bot_reactions == ["👌"]


async def test_a_handled_429_is_logged_as_a_warning_not_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with World(tmp_path) as world:
        await world.everyone_starts()
        caplog.set_level(logging.INFO)
        world.emu.faults.fail(1, status=429, method="sendMessage", retry_after=1)
        answer = await answer_to(world, "kasubag", "/saya")
        assert "Data Bapak/Ibu" in answer.text
        # the limiter's own lines ("429 from Telegram ..."), not a time stamp that holds 429
        flood = [r for r in caplog.records if "429 from Telegram" in r.getMessage()]
        assert flood and all(r.levelno == logging.WARNING for r in flood)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_admin_alerts_stay_out_of_it(tmp_path: Path) -> None:
    """The administrator is alerted only on real faults: none of the above raised one."""
    async with World(tmp_path) as world:
        await world.everyone_starts()
        await answer_to(world, "kasubag", "/status ²")
        await world.drained()
        assert not [m for m in world["admin"].bot_messages if "Gangguan" in m.text]
        assert ADMIN_ID in {u.id for u in world.users.values()}
