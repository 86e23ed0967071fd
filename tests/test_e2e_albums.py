"""Albums: an official sends several files at once, and Telegram puts the caption (with the
case's number) under one of them only. Through the real bot and the Bot API emulator."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from host_clock import HostClock

from bot import texts as t
from bot.config import StorageConfig
from bot.core.model import Attachment
from bot.demo import Script, World, draft
from bot.services.albums import ALBUM_WAIT, MOST_RESUMES
from emulator import EmuMessage
from handlers.files import _refused_as_sent, replaced_text
from storage import repo
from storage.db import Tx

WAIT = 15.0

KONSEP = ("Konsep Rencana Kerja.docx", "TOR.docx")


async def docs_of(world: World, case_id: int) -> list[str]:
    case = await world.services.db.read(repo.load_case, case_id)
    assert case is not None
    return sorted(a.doc for a in case.files)


async def waiting(world: World) -> int:
    return int(
        await world.services.db.read(lambda tx: tx.value("SELECT COUNT(*) FROM album_files"))
    )


async def nothing_waits(world: World) -> None:
    """No file of an album is left waiting: each was recorded or its sender told (a file's
    row goes once she is told, a moment after the answer is in her chat)."""
    for _ in range(int(WAIT / 0.02)):
        if await waiting(world) == 0:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("album files are still waiting")


def quoted_answers(files: list[EmuMessage], user_messages: list[EmuMessage]) -> list[str]:
    """The bot's answers that quote one of ``files``, in the order of the files."""
    by_file = {m.reply_to.message_id: m.text for m in user_messages if m.reply_to is not None}
    return [by_file.get(f.message_id, "") for f in files]


async def until_recorded(world: World, case_id: int, count: int) -> None:
    for _ in range(int(WAIT / 0.02)):
        case = await world.services.db.read(repo.load_case, case_id)
        if case is not None and len(case.files) == count:
            await world.drained()
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"case {case_id} did not get {count} files")


async def two_new_cases(s: Script) -> tuple[int, int]:
    return await s.new_case("Usulan pertama", 2027), await s.new_case("Usulan kedua", 2027)


async def test_an_album_captioned_on_its_first_file_goes_whole_to_that_case(world: World) -> None:
    """Kasubag holds two new cases and sends the Konsep and the TOR together, captioned
    with the second case's number under the first file: both are the second case's."""
    s = Script(world, WAIT)
    first, second = await two_new_cases(s)
    kasubag = world["kasubag"]
    sent = await kasubag.send_album(
        [(name, draft(name)) for name in KONSEP], caption=f"#{second}", caption_on=0
    )
    await until_recorded(world, second, 2)
    assert await docs_of(world, second) == ["konsep_rencana_kerja", "tor"]
    # Telegram sets a reaction on any file of an album on its first one
    assert [m.bot_reactions for m in sent] == [["👌"], []]
    assert not any(quoted_answers(sent, kasubag.bot_messages))
    assert await docs_of(world, first) == []


async def test_an_album_captioned_on_its_last_file_takes_the_files_that_came_before(
    world: World,
) -> None:
    """The caption under the last file: the first file waits for it, then both go to the
    case it names, and nothing is left waiting."""
    s = Script(world, WAIT)
    first, second = await two_new_cases(s)
    kasubag = world["kasubag"]
    sent = await kasubag.send_album(
        [(name, draft(name)) for name in KONSEP], caption=f"Draf #{first}"
    )
    await until_recorded(world, first, 2)
    assert await docs_of(world, first) == ["konsep_rencana_kerja", "tor"]
    assert [m.bot_reactions for m in sent] == [["👌"], []]
    assert not any(quoted_answers(sent, kasubag.bot_messages))
    assert await docs_of(world, second) == []
    await nothing_waits(world)


async def test_an_album_without_a_number_is_asked_about_file_by_file(world: World) -> None:
    """No caption and two cases open: after a few seconds each file is answered, quoting
    it, with the question which case it is for; nothing is recorded."""
    s = Script(world, WAIT)
    first, second = await two_new_cases(s)
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    sent = await kasubag.send_album([(name, draft(name)) for name in KONSEP])
    await world.emu.wait_until(
        lambda: all(quoted_answers(sent, kasubag.bot_messages)), timeout=WAIT
    )
    for text in quoted_answers(sent, kasubag.bot_messages):
        assert "beberapa berkas" in text and f"#{first}" in text and f"#{second}" in text
    assert not any(m.bot_reactions for m in sent)
    assert await docs_of(world, first) == await docs_of(world, second) == []
    await nothing_waits(world)


async def album_waiting_for_its_question(world: World) -> list[EmuMessage]:
    """Kasubag sends an album without a number while two cases are open: its files wait for
    the question which case they belong to."""
    await two_new_cases(Script(world, WAIT))
    sent = await world["kasubag"].send_album([(name, draft(name)) for name in KONSEP])
    for _ in range(int(WAIT / 0.01)):
        if await waiting(world) == 2:
            break
        await asyncio.sleep(0.01)
    return sent


async def test_an_album_is_asked_about_in_seconds_when_a_time_server_sets_the_host_clock_back(
    world: World, host_clock: HostClock
) -> None:
    """Kasubag sends an album without a number (two cases open), and while its files wait
    for their question a time server sets the host's clock back two hours: each file is
    still asked about once ALBUM_WAIT is over, not two hours later."""
    sent = await album_waiting_for_its_question(world)
    kasubag = world["kasubag"]
    host_clock.step(timedelta(hours=-2))
    await world.emu.wait_until(
        lambda: all(quoted_answers(sent, kasubag.bot_messages)),
        timeout=ALBUM_WAIT.total_seconds() + 5,
    )
    await nothing_waits(world)


async def test_an_album_is_asked_about_when_a_time_server_sets_the_host_clock_forward(
    world: World, host_clock: HostClock
) -> None:
    """While the album's files wait for their question a time server steps the host's slow
    clock forward ten minutes: the question comes at once (late by the wall clock), not
    never (APScheduler would drop a timer more than a second late)."""
    sent = await album_waiting_for_its_question(world)
    host_clock.step(timedelta(minutes=10))
    kasubag = world["kasubag"]
    await world.emu.wait_until(
        lambda: all(quoted_answers(sent, kasubag.bot_messages)),
        timeout=ALBUM_WAIT.total_seconds() + 5,
    )
    await nothing_waits(world)


async def test_an_album_is_asked_about_after_the_bot_was_held_up_past_its_wait(
    world: World,
) -> None:
    """The bot is held up (a long write, the collector) for longer than the album's wait
    and more: the question comes as soon as it is free again."""
    sent = await album_waiting_for_its_question(world)
    # the event loop held up on purpose: nothing else runs meanwhile
    time.sleep(ALBUM_WAIT.total_seconds() + 3)  # noqa: ASYNC251
    kasubag = world["kasubag"]
    await world.emu.wait_until(lambda: all(quoted_answers(sent, kasubag.bot_messages)), timeout=5)
    await nothing_waits(world)


async def test_an_album_naming_a_case_that_takes_nothing_from_her_is_refused_whole(
    world: World,
) -> None:
    """The caption names a case that is not waiting for Kasubag's documents: every file of
    the album is answered so, and none is recorded."""
    s = Script(world, WAIT)
    first, second = await two_new_cases(s)
    kasubag = world["kasubag"]
    sent = await kasubag.send_album([(name, draft(name)) for name in KONSEP], caption="#99")
    await world.emu.wait_until(
        lambda: all(quoted_answers(sent, kasubag.bot_messages)), timeout=WAIT
    )
    refusal = t.CASE_TAKES_NO_UPLOAD.split("{")[0]  # (plain text)
    assert all(a.startswith(refusal) for a in quoted_answers(sent, kasubag.bot_messages))
    assert await docs_of(world, first) == await docs_of(world, second) == []


async def test_a_file_waiting_for_its_album_is_asked_about_after_a_restart(world: World) -> None:
    """The bot stops while a file of an album waits for the file naming its case: the file
    is kept in the database, and the restarted bot asks about it."""
    s = Script(world, WAIT)
    await two_new_cases(s)
    kasubag = world["kasubag"]
    sent = await kasubag.send_album([(name, draft(name)) for name in KONSEP])
    for _ in range(300):  # the bot stops before it asks (3 s after the first file)
        if await waiting(world) == 2:
            break
        await asyncio.sleep(0.01)
    assert await waiting(world) == 2
    await world.stop_bot()
    assert not quoted_answers(sent, kasubag.bot_messages)[0]
    await world.start_bot()
    await world.emu.wait_until(
        lambda: all(quoted_answers(sent, kasubag.bot_messages)), timeout=WAIT
    )
    assert all("beberapa berkas" in a for a in quoted_answers(sent, kasubag.bot_messages))
    await nothing_waits(world)


async def test_a_file_the_bot_stopped_on_at_three_starts_is_not_tried_again_and_she_is_told(
    world: World,
) -> None:
    """Kasubag's album waits for its question. The bot took its files to ask about them and
    stopped before it was done, and so at three starts in a row (a file that stops the
    bot). At the fourth start they are not tried again: each file is answered, quoting it,
    that it was not recorded and to send it again; nothing is left waiting."""
    sent = await album_waiting_for_its_question(world)

    def taken_by_a_run_that_stopped(tx: Tx) -> None:
        tx.run("UPDATE album_files SET taken_by = 'stopped', resumed = ?", (MOST_RESUMES,))

    await world.services.db.write(taken_by_a_run_that_stopped)
    await world.stop_bot()
    await world.start_bot()
    kasubag = world["kasubag"]
    await world.emu.wait_until(
        lambda: all(quoted_answers(sent, kasubag.bot_messages)), timeout=WAIT
    )
    for name, text in zip(KONSEP, quoted_answers(sent, kasubag.bot_messages), strict=True):
        assert name in text
        assert "tidak dicatat" in text and "mengirim ulang" in text
    await nothing_waits(world)
    assert not any(m.bot_reactions for m in sent)


RAR = b"Rar!\x1a\x07\x01\x00" + b"\x00" * 200


async def test_an_album_whose_captioned_last_file_is_refused_still_names_the_case(
    world: World,
) -> None:
    """Kasubag sends the Konsep, the TOR and a .rar of material, captioned with the second
    case's number; Telegram puts the caption under the last file, the .rar. The .rar is
    refused for its type, and the Konsep and the TOR are the second case's all the same."""
    s = Script(world, WAIT)
    first, second = await two_new_cases(s)
    kasubag = world["kasubag"]
    files = [(name, draft(name)) for name in KONSEP] + [("Bahan lengkap.rar", RAR)]
    sent = await kasubag.send_album(files, caption=f"#{second}")
    await until_recorded(world, second, 2)
    assert await docs_of(world, second) == ["konsep_rencana_kerja", "tor"]
    answers = quoted_answers(sent, kasubag.bot_messages)
    assert answers[:2] == ["", ""]
    assert "rar" in answers[2] and "tidak dapat diterima" in answers[2]
    assert await docs_of(world, first) == []
    await nothing_waits(world)


async def test_an_album_whose_captioned_last_file_is_too_big_still_names_the_case(
    world: World,
) -> None:
    """The caption is under a scan above the 20 MB limit: the scan is refused for its size
    (before any download), and the TOR sent with it is the second case's."""
    s = Script(world, WAIT)
    first, second = await two_new_cases(s)
    kasubag = world["kasubag"]
    big = b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024)
    sent = await kasubag.send_album(
        [("TOR.docx", draft("TOR")), ("Scan Konsep.pdf", big)], caption=f"#{second}"
    )
    await until_recorded(world, second, 1)
    assert await docs_of(world, second) == ["tor"]
    await world.emu.wait_until(lambda: bool(quoted_answers(sent, kasubag.bot_messages)[1]))
    assert "20 MB" in quoted_answers(sent, kasubag.bot_messages)[1]
    assert await docs_of(world, first) == []


async def test_a_refused_type_is_answered_with_what_to_do(world: World) -> None:
    """Kasubag sends an .xlsm from SAKTI, a .rar of material and a file that lost its
    extension ("... at 10.12.33") and whose type Telegram does not tell either
    (application/octet-stream): each refusal lists the types accepted and says what to do,
    as every other refusal does; none calls "33" a type, and the last says to name the file
    with its type."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan lampiran", 2027)
    kasubag = world["kasubag"]
    files = [
        ("RKAKL dari SAKTI.xlsm", b"PK\x05\x06" + b"\x00" * 18),
        ("Bahan TA 2027.rar", RAR),
        ("WhatsApp Document 2026-12-04 at 10.12.33", b"%PDF-1.7\n%%EOF\n"),
    ]
    sent = [
        await kasubag.send_document(data, file_name=name, caption=f"#{case}")
        for name, data in files
    ]
    await world.emu.wait_until(lambda: all(quoted_answers(sent, kasubag.bot_messages)))
    shown = ["xlsm", "rar"]
    examples = ["(misalnya .xlsm sebagai .xlsx)", "(misalnya .rar sebagai .zip)"]
    *answers, unnamed = quoted_answers(sent, kasubag.bot_messages)
    for text, ext, example in zip(answers, shown, examples, strict=True):
        assert f"jenis file {ext} tidak dapat diterima" in text, text
        assert "xlsx" in text and "zip" in text  # the types accepted
        assert "Silakan menyimpan ulang dokumen sebagai salah satu jenis tersebut" in text
        assert example in text, text
    name = "WhatsApp Document 2026-12-04 at 10.12.33"
    assert unnamed == (
        f"Mohon maaf, jenis dokumen {name} tidak dapat dikenali karena namanya tidak "
        f"berakhiran jenis file.\nJenis yang diterima: {', '.join(StorageConfig().allowed_extensions)}."
        f"\nSilakan mengganti nama file tersebut sehingga berakhiran jenisnya, misalnya "
        f"{name}.pdf atau {name}.docx, lalu mengirimkannya kembali."
    )
    assert sent[2].document is not None
    assert sent[2].document["mime_type"] == "application/octet-stream"
    assert await docs_of(world, case) == []


async def test_a_file_with_no_name_and_no_type_is_refused_in_words_that_read_naturally(
    world: World,
) -> None:
    """Kasubag forwards the TOR from another app, and it reaches the bot with neither a name
    nor a type (both optional in the Bot API). She is told the file has no name and its type
    is unknown, the types accepted, and to send it again named with its type: not that
    "jenis dokumen dokumen" cannot be told because "its name" ends in no type."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dari aplikasi lain", 2027)
    kasubag = world["kasubag"]
    sent = await kasubag.send_document(b"%PDF-1.7\n%%EOF\n", caption=f"#{case}", unnamed=True)
    assert sent.document is not None
    assert "file_name" not in sent.document and "mime_type" not in sent.document
    await world.emu.wait_until(lambda: all(quoted_answers([sent], kasubag.bot_messages)))
    [refused] = quoted_answers([sent], kasubag.bot_messages)
    allowed = ", ".join(StorageConfig().allowed_extensions)
    assert refused == (
        "Mohon maaf, file yang Bapak/Ibu kirim tidak bernama dan jenisnya tidak dapat "
        f"dikenali.\nJenis yang diterima: {allowed}.\nSilakan mengirimkannya kembali sebagai "
        "file dengan nama berakhiran jenisnya, misalnya .pdf atau .docx."
    )
    assert await docs_of(world, case) == []


async def test_a_pdf_whose_name_says_no_type_is_taken_by_the_type_telegram_gives(
    world: World,
) -> None:
    """WhatsApp Desktop saves a PDF as "WhatsApp Document 2026-12-04 at 10.12.33", without
    ".pdf", and a forward may bring a file with no name at all; Telegram still says each is
    application/pdf. Kasubag sends the TOR so and the Konsep so: both are taken as PDFs,
    kept and passed on to Kabag named with ".pdf". A file that says it is a PDF and is not
    one is refused by its content, as a misnamed one is."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dari WhatsApp", 2027)
    kasubag = world["kasubag"]
    whatsapp = "WhatsApp Document 2026-12-04 at 10.12.33"
    tor = await kasubag.send_document(
        b"%PDF-1.7\n% TOR\n%%EOF\n",
        file_name=whatsapp,
        mime_type="application/pdf",
        caption=f"#{case} TOR",
    )
    konsep = await kasubag.send_document(
        b"%PDF-1.7\n% Konsep\n%%EOF\n",
        mime_type="application/pdf",
        caption=f"#{case} Konsep Rencana Kerja",
        unnamed=True,
    )
    assert konsep.document is not None and "file_name" not in konsep.document
    await world.emu.wait_until(lambda: bool(tor.bot_reactions and konsep.bot_reactions))
    assert await docs_of(world, case) == ["konsep_rencana_kerja", "tor"]
    stored = await world.services.db.read(repo.files_of_case, case)
    assert sorted(f.name for f in stored) == [f"{whatsapp}.pdf", "dokumen.pdf"]
    assert all(f.path.endswith(".pdf") and f.mime == "application/pdf" for f in stored)

    fake = await kasubag.send_document(
        b"bukan PDF", file_name="Lampiran", mime_type="application/pdf", caption=f"#{case}"
    )
    await world.emu.wait_until(lambda: bool(quoted_answers([fake], kasubag.bot_messages)[0]))
    [refused] = quoted_answers([fake], kasubag.bot_messages)
    assert "isi dokumen Lampiran.pdf tidak sesuai dengan format .pdf" in refused, refused
    assert len(await world.services.db.read(repo.files_of_case, case)) == 2

    await s.press("kasubag", "Ajukan", case)
    kabag = world["kabag"]
    await world.emu.wait_until(
        lambda: sum(bool(m.document) for m in kabag.bot_messages) == 2, timeout=WAIT
    )
    received = sorted(str(m.document["file_name"]) for m in kabag.bot_messages if m.document)
    assert received == [f"{whatsapp}.pdf", "dokumen.pdf"]


@pytest.mark.parametrize(
    ("allowed", "example"),
    [(("pdf", "docx", "xlsx"), " (misalnya .xlsm sebagai .xlsx)"), (("pdf", "docx"), "")],
)
def test_the_advice_to_save_again_names_only_a_type_the_office_accepts(
    allowed: tuple[str, ...], example: str
) -> None:
    """An office that takes only PDF and Word is not told to save an .xlsm as .xlsx."""
    storage = replace(StorageConfig(), allowed_extensions=allowed)
    sent = repo.SentFile(1001, 10, None, 1001, None, "f", "u", "RKAKL.xlsm", 2048, "", "")
    refusal = _refused_as_sent(storage, sent)
    assert refusal is not None
    assert f"tersebut{example} lalu mengirimkannya kembali" in refusal


def jpeg(page: int) -> bytes:
    """A phone's photo of a page, as far as the bot looks at it (the JPEG signature)."""
    return b"\xff\xd8\xff\xe0" + f"halaman {page}".encode() + b"\xff\xd9"


def replaced_notes(user_messages: list[EmuMessage]) -> list[EmuMessage]:
    return [m for m in user_messages if "hanya menyimpan satu dokumen" in m.text]


async def test_pages_of_one_document_sent_together_are_named_once_as_replaced(
    world: World,
) -> None:
    """Kasubag photographs the three signed pages of the TOR and sends them as files in
    one album. The TOR keeps one file: the last page becomes its newest version, and she
    is told once, quoting the last file, that it replaced the other two and that the pages
    go as one file (a PDF of all pages)."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan TOR bertanda tangan", 2027)
    kasubag = world["kasubag"]
    pages = [(f"TOR hal {i}.jpg", jpeg(i)) for i in (1, 2, 3)]
    sent = await kasubag.send_album(pages, caption=f"#{case}")
    await until_recorded(world, case, 3)
    await world.emu.wait_until(lambda: bool(replaced_notes(kasubag.bot_messages)), timeout=WAIT)
    await asyncio.sleep(ALBUM_WAIT.total_seconds() + 0.5)  # no second note comes
    [note] = replaced_notes(kasubag.bot_messages)
    assert note.reply_to is not None and note.reply_to.message_id == sent[2].message_id
    assert f"Berkas #{case}: TOR (Kerangka Acuan Kerja) hanya menyimpan satu dokumen" in note.text
    assert "TOR hal 3.jpg, kini tercatat sebagai versi terbarunya (versi 3)" in note.text
    assert "menggantikan dokumen yang dikirim sebelumnya: TOR hal 1.jpg, TOR hal 2.jpg" in note.text
    assert "satu PDF berisi seluruh halaman" in note.text
    recorded = await world.services.db.read(repo.load_case, case)
    assert recorded is not None
    latest = recorded.latest("tor")
    assert latest is not None and latest.name == "TOR hal 3.jpg"


def test_the_note_on_many_long_files_replaced_names_what_fits_and_keeps_what_to_do() -> None:
    """Two albums of scanned pages, each file named at length with "&" in it (escaped, five
    characters each): the note names as many as fit a message, counts the rest, and still
    ends saying to send them as one file; every name comes out literally."""

    def page(n: int) -> Attachment:
        name = f"<b>Lampiran & Tabel RKAKL {n} {'&' * 180}.pdf"
        return Attachment("tor", n, n, "0" * 64, name, 1001)

    pages = [page(n) for n in range(1, 21)]
    text = replaced_text(7, "TOR (Kerangka Acuan Kerja)", pages[-1], pages[:-1])
    assert len(text) <= t.MAX_MESSAGE
    assert text.endswith("satu .zip berisi seluruh bahan."), text[-200:]
    assert "&lt;b&gt;Lampiran &amp; Tabel RKAKL 1 &amp;" in text and "<b><b>" not in text
    shown = text.count("&lt;b&gt;Lampiran")
    assert 1 < shown < 20
    assert f", dan {20 - shown} lainnya" in text


async def test_materials_sent_one_by_one_within_a_minute_are_named_once_as_replaced(
    world: World,
) -> None:
    """Not an album: Kasubag sends the Konsep and then, one by one, two more files the bot
    takes for the Konsep too. She is told once that the last replaced the others."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan bahan", 2027)
    kasubag = world["kasubag"]
    names = ["Konsep Rencana Kerja.docx", "Konsep Rencana Kerja lampiran.docx"]
    names.append("Konsep Rencana Kerja data dukung.docx")
    for name in names:
        await s.upload("kasubag", case, name, draft(name))
    await world.emu.wait_until(lambda: bool(replaced_notes(kasubag.bot_messages)), timeout=WAIT)
    await asyncio.sleep(ALBUM_WAIT.total_seconds() + 0.5)
    [note] = replaced_notes(kasubag.bot_messages)
    assert f"{names[2]}, kini tercatat sebagai versi terbarunya (versi 3)" in note.text
    assert f"{names[0]}, {names[1]}" in note.text
    assert "satu .zip berisi seluruh bahan" in note.text


async def test_a_file_sent_again_under_the_same_name_within_a_minute_is_no_lot_of_pages(
    world: World,
) -> None:
    """Kasubag sends the TOR, notices a typo, and sends the corrected TOR.docx half a minute
    later. It is the TOR's second version, as the task's checklist says: she is not told that
    "TOR.docx replaced TOR.docx", nor to send pages as one PDF, which she never split."""
    s = Script(world, WAIT)
    case = await s.new_case("Usulan dengan TOR yang diperbaiki", 2027)
    kasubag = world["kasubag"]
    await s.upload("kasubag", case, "TOR.docx", draft("TOR dengan salah ketik"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR yang sudah diperbaiki"))
    await world.emu.wait_until(
        lambda: any("TOR.docx (versi 2)" in m.text for m in kasubag.bot_messages), timeout=WAIT
    )
    await asyncio.sleep(ALBUM_WAIT.total_seconds() + 0.5)
    await world.drained()
    assert not replaced_notes(kasubag.bot_messages)


async def test_a_correction_after_a_return_is_not_named_as_replacing_in_a_lot(
    world: World,
) -> None:
    """Kabag returns the proposal; Kasubag sends the corrected TOR at once. It is the TOR's
    second version, as any correction: no note about files sent together."""
    s = Script(world, WAIT)
    case = await s.submit("Usulan yang dikembalikan")
    await s.review_return("kabag", case, "TOR belum memuat jadwal kegiatan.")
    kasubag = world["kasubag"]
    await s.upload("kasubag", case, "TOR.docx", draft("TOR dengan jadwal"))
    await asyncio.sleep(ALBUM_WAIT.total_seconds() + 0.5)
    await world.drained()
    assert not replaced_notes(kasubag.bot_messages)
