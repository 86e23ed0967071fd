"""The timeline of /status and /laporan through the real bot and the Bot API emulator.

Officials are emulator users talking to the real Application over HTTP on 127.0.0.1; the
pictures and the paper they receive are reopened (PNG with Pillow, .docx with python-docx).
The one seam used: the chart renderer Services hold (``World(charts=...)``), given a
renderer that fails, to see ``/status`` answer in text alone and say so in the log.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import docx
import pytest
from PIL import Image
from word_edits import office_copy

from bot import stats
from bot.clock import ManualClock
from bot.core.definition import SopDefinition
from bot.core.model import Case, Event
from bot.demo import RETURN_REASONS, Script, World, draft
from bot.services.reports import Charts, PeriodRequest
from emulator import EmuMessage
from storage import repo
from storage.db import Tx

TIMEOUT = 20.0


async def returned_once(world: World) -> int:
    """A case proposed, returned by Kabag with a reason, proposed again: at step 2."""
    s = Script(world, timeout=TIMEOUT)
    case = await s.new_case("Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja TA 2027", 2027)
    await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep Rencana Kerja"))
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    await s.press("kasubag", "Ajukan", case)
    await s.review_return("kabag", case, RETURN_REASONS[2])
    await world["kasubag"].wait_message(lambda m: RETURN_REASONS[2][:30] in m.text, timeout=TIMEOUT)
    await s.press("kasubag", "Ajukan", case)
    await s.seen(
        "kabag",
        lambda m: f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts),
    )
    return case


def picture(message: EmuMessage) -> Image.Image:
    image = Image.open(io.BytesIO(message.file_bytes()))
    image.load()
    return image


def assert_drawn(image: Image.Image, width: int = 1080) -> None:
    """A phone-width picture with something on it: not one colour, not nearly all white."""
    assert image.format == "PNG"
    assert image.width == width and image.height > 600
    rgb = image.convert("RGB")
    small = rgb.resize((rgb.width // 4, rgb.height // 4))
    colours = small.getcolors(maxcolors=small.width * small.height) or []
    inked = sum(count for count, rgb in colours if sum(cast("tuple[int, ...]", rgb)) < 600)
    assert len(colours) > 20
    assert inked / (small.width * small.height) > 0.02


def paper_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with World(tmp_path) as w:
        await w.everyone_starts()
        yield w


async def test_status_answers_in_text_at_once_then_sends_the_timeline(world: World) -> None:
    case = await returned_once(world)
    karo = world["karo"]
    karo.mark_seen()
    await karo.send(f"/status {case}")
    photo = await karo.wait_message(lambda m: m.photo is not None, timeout=TIMEOUT)
    text = await karo.wait_message(lambda m: "Riwayat" in m.text, timeout=TIMEOUT)
    assert text.message_id < photo.message_id
    assert f"Berkas #{case}" in (photo.caption or "")
    assert "Posisi sekarang: langkah 2 (Kabag)" in (photo.caption or "")
    assert_drawn(picture(photo))
    assert "mengembalikan untuk diperbaiki" in text.text


async def test_status_answered_while_the_bot_stops_still_sends_its_timeline(
    world: World,
) -> None:
    """Karo asks /status several times; the bot is stopped (a deploy, SIGTERM) while his
    requests are still queued. PTB answers them as it stops: each text comes with its
    timeline picture, none is cut off by the closing HTTP session (and after the restart
    nothing is owed, the updates counted as handled)."""
    s = Script(world, timeout=TIMEOUT)
    case = await s.new_case("Status saat layanan berhenti", 2027)
    await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
    karo = world["karo"]

    def texts() -> int:
        return sum("Riwayat" in m.text for m in karo.bot_messages)

    def photos() -> int:
        return sum(m.photo is not None for m in karo.bot_messages)

    answered_in_stop = 0
    for _ in range(3):
        texts_before, photos_before = texts(), photos()
        for _ in range(4):
            await karo.send(f"/status {case}")

        def replied(before: int = texts_before) -> bool:
            return texts() > before

        await world.emu.wait_until(replied, timeout=TIMEOUT)
        at_stop = texts()
        await world.stop_bot()
        answered_in_stop += texts() - at_stop
        await world.start_bot()
        await asyncio.sleep(1.0)  # what the restart might still send
        answered, drawn = texts() - texts_before, photos() - photos_before
        assert drawn == answered, f"{answered} /status answers, {drawn} timeline pictures"
    assert answered_in_stop > 0  # the stop did come while /status was queued


async def test_the_drawing_thread_is_ready_before_anyone_asks(world: World) -> None:
    """At start the drawing thread loads the timeline's fonts and draws a small picture: the
    first /status after a restart does not wait for them."""
    assert world.app is not None and world.app.services.reports.ready is not None
    png = await asyncio.wrap_future(world.app.services.reports.ready)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 100
    colours = image.convert("RGB").getcolors(maxcolors=4096) or []
    assert len(colours) > 8  # anti-aliased text, not a blank picture


async def test_laporan_sends_the_chart_and_the_paper(world: World) -> None:
    case = await returned_once(world)
    karo = world["karo"]
    karo.mark_seen()
    await karo.send("/laporan")
    chart = await karo.wait_message(lambda m: m.photo is not None, timeout=TIMEOUT)
    paper = await karo.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
    caption = chart.caption or ""
    year = world.services.clock.now().year
    assert f"Laporan Evaluasi Penerapan SOP — Tahun {year}" in caption
    assert "dikembalikan: 1" in caption
    assert "Pelaksanaan langkah: " in caption  # every visit, the returned ones too
    assert "↩️ Langkah yang dikembalikan:\n• Langkah 2 dikembalikan 1 kali" in caption
    assert_drawn(picture(chart))
    assert paper.document is not None
    assert paper.document["file_name"] == f"laporan-evaluasi-sop-ppk-rkakl-pk-Tahun-{year}.docx"
    data = paper.file_bytes()
    text = paper_text(data)
    assert "LAPORAN EVALUASI PENERAPAN SOP" in text
    assert f"Periode Tahun {year}" in text
    assert RETURN_REASONS[2][:40] in text
    assert "Dr. Ir. Hendra Wijaya, M.P.A." in text  # who asked for it signs it
    assert "{{" not in text and "{%" not in text
    document = docx.Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 1  # the chart
    assert f"#{case}" not in text  # within its norm: not among the overdue cases


async def test_laporan_with_an_office_report_template_that_does_not_fill(tmp_path: Path) -> None:
    """The office's laporan.docx names a placeholder the report does not have
    (``{{ periode }}``). Karo asks for /laporan: he still gets the chart with the summary,
    and a polite line that the paper could not be made and the administrators were told;
    the administrator is told the file and the placeholder, to mend it."""
    office = tmp_path / "kantor"
    template = office_copy(
        office, "laporan.docx", ("Periode {{ period_label }}", "Periode {{ periode }}")
    )
    world = World(tmp_path / "w")
    world.config_sections["papers"] = {"templates_dir": str(office)}
    async with world:
        await world.everyone_starts()
        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/laporan")
        chart = await karo.wait_message(lambda m: m.photo is not None, timeout=TIMEOUT)
        assert "Laporan Evaluasi Penerapan SOP" in (chart.caption or "")
        sorry = await karo.wait_message(lambda m: "belum dapat dibuat" in m.text, timeout=TIMEOUT)
        assert sorry.text == (
            "Mohon maaf, dokumen laporan (.docx) belum dapat dibuat karena templatnya perlu "
            "diperbaiki. Administrator telah diberi tahu; silakan meminta laporan ini kembali "
            "setelah templat diperbaiki."
        )
        alert = await world["admin"].wait_message(
            lambda m: "tidak dapat dibuat" in m.text, timeout=TIMEOUT
        )
        assert "Laporan Evaluasi Penerapan SOP" in alert.text
        assert "Dr. Ir. Hendra Wijaya, M.P.A." in alert.text  # who asked for it
        assert str(template) in alert.text and "periode" in alert.text
        assert "sopbot check" in alert.text
        # Karo asks again before the template is mended: he is told the same, the
        # administrator is not told a second time
        karo.mark_seen()
        await karo.send("/laporan")
        await karo.wait_message(lambda m: "belum dapat dibuat" in m.text, timeout=TIMEOUT)
        await world.drained()
        await asyncio.sleep(0.5)
        alerts = [m for m in world["admin"].bot_messages if "tidak dapat dibuat" in m.text]
        assert len(alerts) == 1
        assert not [m for m in karo.bot_messages if m.document is not None]
        assert not [m for m in world["admin"].bot_messages if "Gangguan pada bot" in m.text]


async def test_a_long_template_problem_is_shortened_in_its_alert_as_plain_text(
    tmp_path: Path,
) -> None:
    """The office keeps its templates deep in a share, in folders with long names: what is
    wrong with laporan.docx, path and all, is longer than the alert quotes. It is shortened
    with "…" inside its <code>, and no markup of the bot's own shows in it as text."""
    folder = " & ".join(["Templat Naskah Dinas Biro Perencanaan"] * 5)
    office = tmp_path.joinpath("kantor", folder, folder, folder)
    office_copy(office, "laporan.docx", ("Periode {{ period_label }}", "Periode {{ periode }}"))
    world = World(tmp_path / "w")
    world.config_sections["papers"] = {"templates_dir": str(office)}
    async with world:
        await world.everyone_starts()
        await world["karo"].send("/laporan")
        alert = await world["admin"].wait_message(
            lambda m: "tidak dapat dibuat" in m.text, timeout=TIMEOUT
        )
        problem = alert.text.split("dari templatnya:\n", 1)[1].split("\nRingkasan", 1)[0]
        assert problem.startswith(str(tmp_path)) and problem.endswith("…"), problem
        assert "dipersingkat" not in alert.text and "<i>" not in alert.text
        assert "sopbot check" in alert.text


async def test_laporan_figures_are_those_of_the_event_logs(tmp_path: Path) -> None:
    """/laporan reads the moves as plain rows (storage.repo.report_moves), not as events:
    its figures must be the ones bot.stats gives for the logs as the rest of the bot reads
    them (repo.load_events). Two cases, hours apart, one returned, one still at step 1."""
    clock = ManualClock(datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Monday
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world, timeout=TIMEOUT)
        case = await s.new_case("Program Kerja TA 2027", 2027)
        await s.new_case("Program Kerja TA 2028", 2028)
        clock.advance(hours=2, minutes=17, seconds=5)
        await s.upload("kasubag", case, "Konsep Rencana Kerja.docx", draft("Konsep Rencana Kerja"))
        await s.upload("kasubag", case, "TOR.docx", draft("TOR"))
        await s.press("kasubag", "Ajukan", case)
        clock.advance(days=1, minutes=43)
        await s.review_return("kabag", case, RETURN_REASONS[2])
        clock.advance(hours=3, microseconds=250)
        await s.press("kasubag", "Ajukan", case)
        await s.seen(
            "kabag",
            lambda m: f"Berkas #{case}" in m.text and any("Setujui" in b for b in m.button_texts),
        )
        clock.advance(days=2)
        svc = world.services
        request = PeriodRequest(date(2026, 12, 1), date(2027, 1, 1), "Desember 2026")
        result = await svc.reports.report(world["karo"].id, request)

        def logs(tx: Tx) -> list[tuple[Case, list[Event]]]:
            found = []
            for (case_id,) in tx.all("SELECT id FROM cases ORDER BY id"):
                loaded = repo.load_case(tx, case_id)
                assert loaded is not None
                found.append((loaded, repo.load_events(tx, case_id)))
            return found

        histories = [
            stats.CaseHistory(c.id, c.title, svc.sops.of(c), events)
            for c, events in await svc.db.read(logs)
        ]
    expected = stats.report(
        histories, svc.sops.default, svc.calendar, svc.reports.period(request), clock.now()
    )
    assert result.figures == expected
    assert expected.cases == 2 and expected.returns == 1
    assert expected.visits == 3  # step 1, step 2 (returned), step 1 again
    assert expected.steps[0].median > 0


async def test_laporan_is_for_the_heads_only(world: World) -> None:
    kasubag = world["kasubag"]
    kasubag.mark_seen()
    await kasubag.send("/laporan")
    refused = await kasubag.wait_message(timeout=TIMEOUT)
    assert "hanya dapat diminta oleh Karo, Kabag, dan administrator" in refused.text
    kabag = world["kabag"]
    kabag.mark_seen()
    await kabag.send("/laporan bulan depan")
    usage = await kabag.wait_message(timeout=TIMEOUT)
    assert "Penggunaan: /laporan [periode]" in usage.text
    await kabag.send("/laporan 12-2026")
    paper = await kabag.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
    assert paper.document is not None
    assert paper.document["file_name"] == "laporan-evaluasi-sop-ppk-rkakl-pk-Desember-2026.docx"


async def test_laporan_desember_typed_in_january_reports_the_december_just_past(
    tmp_path: Path,
) -> None:
    """Kabag asks for December's report on 5 January 2027 without typing the year: he gets
    December 2026; the December still to come, typed with its year, is still refused."""
    clock = ManualClock(datetime(2027, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    async with World(tmp_path, clock=clock, reminders={"enabled": False}) as world:
        await world.everyone_starts()
        kabag = world["kabag"]
        kabag.mark_seen()
        await kabag.send("/laporan desember")
        paper = await kabag.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
        assert paper.document is not None
        assert paper.document["file_name"] == "laporan-evaluasi-sop-ppk-rkakl-pk-Desember-2026.docx"
        assert "belum dimulai" not in " ".join(m.text for m in kabag.bot_messages)
        kabag.mark_seen()
        await kabag.send("/laporan desember 2027")
        refused = await kabag.wait_message(timeout=TIMEOUT)
        assert refused.text.startswith("Mohon maaf, periode Desember 2027 belum dimulai.")


def failing_timeline(_data: object) -> bytes:
    raise RuntimeError("no fonts on this machine")


def failing_prepare() -> bytes:
    raise RuntimeError("no fonts on this machine")


async def test_status_answers_in_text_when_the_picture_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.reports")
    caplog.set_level(logging.WARNING, logger="bot.services.reports")
    charts = Charts(timeline=failing_timeline, prepare=failing_prepare)
    async with World(tmp_path, charts=charts) as world:
        await world.everyone_starts()
        case = await returned_once(world)
        karo = world["karo"]
        karo.mark_seen()
        await karo.send(f"/status {case}")
        text = await karo.wait_message(timeout=TIMEOUT)
        assert "Riwayat" in text.text
        assert text.photo is None
        assert not [m for m in karo.bot_messages if m.photo is not None]
    assert any(
        "the pictures cannot be drawn" in r.getMessage() and "no fonts" in r.getMessage()
        for r in caplog.records
        if r.name == "bot.services.reports"
    )
    logged = [r for r in caplog.records if r.name == "handlers.reports"]
    assert any(
        f"timeline of case {case} could not be drawn" in r.getMessage()
        and r.levelno == logging.WARNING
        for r in logged
    )


async def test_laporan_writes_the_minutes_over_a_day_and_leaves_a_taken_back_stay_out(
    tmp_path: Path,
) -> None:
    """Kasubag submits on Monday 09.00 and takes it back (/tarik) two working days later:
    that stay at step 2 is nobody's execution (Kabag never acted). She submits again; Kabag
    approves after 8 hours 20 minutes of working time: 500 minutes against a norm of 480
    ("1 hari"). The report counts one execution of step 2, writes "1 hari 20 menit" (not
    the "1 hari" of the norm) and marks it "Median melewati norma"; the states table
    gives percentages alone; the note counts the stay taken back. The case then waits at
    Karo's own step past its norm: Karo's /terlambat lists it, as the report does."""
    clock = ManualClock(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Monday
    async with World(tmp_path, clock=clock) as world:
        await world.everyone_starts()
        s = Script(world, timeout=TIMEOUT)
        case = await s.submit("Program Kerja TA 2027")
        await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and "Setujui" in str(m.buttons))
        clock.set(datetime(2026, 11, 4, 9, 5, tzinfo=ZoneInfo("Asia/Jakarta")))
        world["kasubag"].mark_seen()
        await world["kasubag"].send(f"/tarik {case}")
        await s.seen("kasubag", lambda m: "Ajukan" in str(m.buttons))
        clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
        await s.press("kasubag", "Ajukan", case)
        await s.seen("kabag", lambda m: f"Berkas #{case}" in m.text and "Setujui" in str(m.buttons))
        clock.set(datetime(2026, 11, 5, 10, 20, tzinfo=ZoneInfo("Asia/Jakarta")))
        await s.approve("kabag", case)
        await s.seen("karo", lambda m: f"Berkas #{case}" in m.text and "Setujui" in str(m.buttons))
        clock.set(datetime(2026, 11, 13, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
        svc = world.services
        request = PeriodRequest(date(2026, 11, 1), date(2026, 12, 1), "November 2026")
        result = await svc.reports.report(world["karo"].id, request)
        assert result.figures is not None
        two = result.figures.steps[1]
        assert (two.visits, two.median, two.over_norm, two.withdrawn) == (1, 500.0, 1, 1)
        assert "Pelaksanaan langkah: 3 · dikembalikan: 0 · tidak dihitung: 1 ditarik kembali" in (
            result.summary
        )
        assert "langkah 2 (median 1 hari 20 menit; norma 1 hari)" in result.summary
        document = docx.Document(io.BytesIO(result.paper))
        steps = next(t for t in document.tables if t.rows[0].cells[-1].text == "Keterangan")
        row = [c.text for c in steps.rows[2].cells]
        assert row[0] == "2" and row[2:] == [
            "1", "1 hari 20 menit", "1 hari 20 menit", "1 hari", "1 (100%)", "0",
            "Median melewati norma",
        ]  # fmt: skip
        states = next(t for t in document.tables if t.rows[0].cells[-1].text == "Persentase")
        assert [c.text for c in states.rows[1].cells][2:] == ["0", "0%"]
        assert [c.text for c in states.rows[2].cells][2:] == ["1", "100%"]
        text = paper_text(result.paper)
        assert "1 hari = 8 jam kerja" in text and "pukul 08.00–16.00" in text
        assert "(dalam periode ini: 1 ditarik kembali)" in text
        assert [o.case_id for o in result.figures.overdue] == [case]
        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/terlambat")
        listing = (await karo.wait_message(timeout=TIMEOUT)).text
        assert listing.startswith("Langkah yang melewati norma waktu: 1 langkah\n"), listing
        assert "langkah peran Bapak/Ibu dan bawahannya" in listing
        assert f"#{case} · langkah 3 (Karo) · " in listing


async def test_laporan_whose_summary_is_longer_than_a_caption_is_read_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bureau where every step ran over its norm and several were returned: the summary
    is longer than the 1,024 characters Telegram allows a photo's caption. Karo gets the
    chart with its heading, and the summary whole as a message (the returned steps at its
    end included), instead of a caption cut off after the slow steps."""
    reports = world.services.reports
    summary = reports.summary
    reason = "Mohon dilengkapi lampiran anggaran dan disesuaikan dengan pagu indikatif"

    def slow(
        definition: SopDefinition, figures: stats.Report, request: PeriodRequest, today: date
    ) -> str:
        steps = tuple(
            stats.StepFigures(
                n, "langkah", "kabag", 240, 5, 2000.0, 3000, 5, 3 if n in (2, 3, 7) else 0,
                ((reason, 2),) if n in (2, 3, 7) else (),
            )
            for n in range(1, 13)
        )  # fmt: skip
        return str(summary(definition, replace(figures, steps=steps), request, today))

    monkeypatch.setattr(reports, "summary", slow)
    karo = world["karo"]
    karo.mark_seen()
    await karo.send("/laporan")
    chart = await karo.wait_message(lambda m: m.photo is not None, timeout=TIMEOUT)
    told = await karo.wait_message(lambda m: "Laporan Evaluasi" in m.text, timeout=TIMEOUT)
    await karo.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
    caption = chart.caption or ""
    assert "Laporan Evaluasi Penerapan SOP" in caption and "dipersingkat" not in caption
    assert "dipersingkat" not in told.text
    assert "langkah 12 (median" in told.text
    assert told.text.rstrip().endswith(
        f"• Langkah 7 dikembalikan 3 kali; alasan terbanyak: {reason}"
    )


async def test_laporan_of_a_year_not_yet_over_names_the_day_it_reaches(tmp_path: Path) -> None:
    """Karo asks for the year's report on Monday 7 December 2026, for the bureau's
    year-end evaluation. Its figures run to that moment, not to 31 December: the paper he
    files ("Periode") and the summary say "s.d. 7 Desember 2026", so that no one reading
    the archived paper takes the last three weeks of the year for counted. November's
    report, a period that has ended, still names its whole span."""
    clock = ManualClock(datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Monday
    async with World(tmp_path, clock=clock, reminders={"enabled": False}) as world:
        await world.everyone_starts()
        s = Script(world, timeout=TIMEOUT)
        await s.submit("Program Kerja TA 2027")
        karo = world["karo"]
        karo.mark_seen()
        await karo.send("/laporan 2026")
        chart = await karo.wait_message(lambda m: m.photo is not None, timeout=TIMEOUT)
        paper = await karo.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
        caption = chart.caption or ""
        assert caption.startswith(
            "Laporan Evaluasi Penerapan SOP — Tahun 2026 (s.d. 7 Desember 2026)\n"
        ), caption
        text = paper_text(paper.file_bytes())
        assert "1 Januari 2026 s.d. 7 Desember 2026" in text
        assert "31 Desember 2026" not in text
        karo.mark_seen()
        await karo.send("/laporan 11-2026")
        chart = await karo.wait_message(lambda m: m.photo is not None, timeout=TIMEOUT)
        paper = await karo.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
        assert (chart.caption or "").startswith(
            "Laporan Evaluasi Penerapan SOP — November 2026\n"
        ), chart.caption
        assert "1 November 2026 s.d. 30 November 2026" in paper_text(paper.file_bytes())


async def test_the_report_examples_name_periods_of_the_year_the_bot_runs_in(
    tmp_path: Path,
) -> None:
    """Two years on, in March 2028, Kabag mistypes a period: the usage shows periods he can
    type as they stand and get a report of this year's work (the year, and February, the
    month just ended), not 2026's; /bantuan's example is this year too. He types one of
    them and gets its paper."""
    clock = ManualClock(datetime(2028, 3, 6, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Monday
    async with World(tmp_path, clock=clock, reminders={"enabled": False}) as world:
        await world.everyone_starts()
        kabag = world["kabag"]
        kabag.mark_seen()
        await kabag.send("/laporan bulan depan")
        usage = (await kabag.wait_message(timeout=TIMEOUT)).text
        assert usage.startswith("Penggunaan: /laporan [periode]"), usage
        assert "/laporan 2028, /laporan 2-2028, /laporan Februari 2028" in usage, usage
        assert "2026" not in usage
        kabag.mark_seen()
        await kabag.send("/bantuan")
        helped = (await kabag.wait_message(lambda m: "/laporan" in m.text, timeout=TIMEOUT)).text
        assert "misalnya /laporan 2028" in helped and "2026" not in helped, helped
        kabag.mark_seen()
        await kabag.send("/laporan Februari 2028")
        paper = await kabag.wait_message(lambda m: m.document is not None, timeout=TIMEOUT)
        assert paper.document is not None
        assert paper.document["file_name"] == "laporan-evaluasi-sop-ppk-rkakl-pk-Februari-2028.docx"
