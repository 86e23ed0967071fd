"""Drawing the timeline of a case: a real picture, and nothing left behind for the
process to carry (the bot draws in a long-running process with a 200 MB budget)."""

from __future__ import annotations

import gc
import io
import itertools
import re
import subprocess
import sys
import textwrap
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from bot import charts, stats
from bot.core.loader import load_definition
from bot.core.model import Event, EventType, NamesAt
from bot.papers.dates import OfficeZone
from bot.worktime import WorkCalendar, WorkSchedule

ROOT = Path(__file__).resolve().parents[1]
SOP = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkCalendar(WorkSchedule(country_holidays=None))
KASUBAG, KABAG = 1, 2
NAMES = {KASUBAG: "Dra. Siti Rahmawati, M.M.", KABAG: "Budi Santoso, S.E., M.Si."}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=WIB)


def returned_once() -> charts.Timeline:
    """Kasubag submits, Kabag returns it with a reason, Kasubag submits again."""
    events = [
        Event(EventType.STARTED, 7, KASUBAG, "kasubag", at(2, 9), 1),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(2, 11), 1, 2),
        Event(EventType.RETURNED, 7, KABAG, "kabag", at(3, 10), 2, 1, "TOR belum lengkap"),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(4, 9), 1, 2),
    ]
    return drawn(7, "Program Kerja TA 2027", events, at(4, 13))


def drawn(
    case_id: int, title: str, events: list[Event], now: datetime, **extra: Any
) -> charts.Timeline:
    """The timeline of these events, with the officials' names, as /status draws it."""
    return charts.timeline(
        case_id=case_id,
        title=title,
        visits=stats.visits(events, SOP, CALENDAR, now),
        definition=SOP,
        calendar=CALENDAR,
        zone=OfficeZone.named("Asia/Jakarta"),
        names=NamesAt(NAMES),
        now=now,
        **extra,
    )


def returned_often() -> charts.Timeline:
    """Kabag returns the proposal 17 times (35 visits: more than MAX_ROWS), with reasons
    in any script; the last submission has waited at Kabag past its norm."""
    moment = at(2, 9)
    events = [Event(EventType.STARTED, 8, KASUBAG, "kasubag", moment, 1)]
    for i in range(17):
        moment += timedelta(hours=3)
        events.append(Event(EventType.COMPLETED, 8, KASUBAG, "kasubag", moment, 1, 2))
        moment += timedelta(hours=5 + i % 4)
        reason = f"Lampiran {i + 1} belum ditandatangani 🖊️ — مرفق\nbaris kedua"
        events.append(Event(EventType.RETURNED, 8, KABAG, "kabag", moment, 2, 1, reason))
    moment += timedelta(hours=2)
    events.append(Event(EventType.COMPLETED, 8, KASUBAG, "kasubag", moment, 1, 2))
    title = (
        "Rencana Kerja 2027 ✅🚀 — 北京 · Ελληνικά · עברית\t(Ünïcödé, emoji 👨‍👩‍👧) "
        + "dan judul yang sangat panjang sekali " * 4
    )
    holders = ["Budi Santoso, S.E., M.Si.", "Plh. 👤 Rahmat Hidayat"]
    return drawn(8, title, events, moment + timedelta(days=3), current_holders=holders)


def near(image: Image.Image, colour: str, tolerance: int = 8) -> int:
    """How many pixels of ``image`` are of ``colour`` (give or take the palette's rounding)."""
    target = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return sum(
        count
        for count, rgb in image.convert("RGB").getcolors(maxcolors=256) or []
        if isinstance(rgb, tuple)
        and all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    )


def test_the_timeline_names_a_holder_as_he_was_when_he_decided() -> None:
    """Budi returned the proposal on 3 November and corrected his name on the 4th: the
    timeline names him for that return by the name he had then."""
    events = [
        Event(EventType.STARTED, 7, KASUBAG, "kasubag", at(2, 9), 1),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(2, 11), 1, 2),
        Event(EventType.RETURNED, 7, KABAG, "kabag", at(3, 10), 2, 1, "TOR belum lengkap"),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(4, 9), 1, 2),
        Event(EventType.COMPLETED, 7, KABAG, "kabag", at(4, 13), 2, 3),
    ]
    names = NamesAt(
        NAMES | {KABAG: "Ir. Budi Santoso"}, {KABAG: [(at(4, 8), "Budi Santoso, S.E., M.Si.")]}
    )
    now = at(4, 14)
    data = charts.timeline(
        case_id=7,
        title="Program Kerja TA 2027",
        visits=stats.visits(events, SOP, CALENDAR, now),
        definition=SOP,
        calendar=CALENDAR,
        zone=OfficeZone.named("Asia/Jakarta"),
        names=names,
        now=now,
    )
    assert [r.label for r in data.rows][:4] == [
        "Langkah 1 · Kasubag · Dra. Siti Rahmawati, M.M.",
        "Langkah 2 · Kabag · Budi Santoso, S.E., M.Si.",
        "Langkah 1 · Kasubag · Dra. Siti Rahmawati, M.M.",
        "Langkah 2 · Kabag · Ir. Budi Santoso",
    ]


def test_the_timeline_writes_its_labels_out() -> None:
    """ "Langkah 1", "menit" and whole month names, as the chat writes them: no "L1",
    "mnt" or "Nov" for an official to decode."""
    data = returned_once()
    assert [r.label for r in data.rows] == [
        "Langkah 1 · Kasubag · Dra. Siti Rahmawati, M.M.",
        "Langkah 2 · Kabag · Budi Santoso, S.E., M.Si.",
        "Langkah 1 · Kasubag · Dra. Siti Rahmawati, M.M.",
        "Langkah 2 · Kabag",
    ]
    assert data.ticks[0][1] == "2 November"
    assert all(not label[-1].isalpha() for _, label in data.ticks[1:])  # the month once
    assert charts.durasi(125) == "2 jam 5 menit" and charts.durasi(45) == "45 menit"


def test_the_timeline_is_a_phone_wide_picture_with_ink_on_it() -> None:
    image = Image.open(io.BytesIO(charts.render_timeline(returned_once())))
    assert image.format == "PNG"
    assert image.width == 1080 and image.height > 600
    colours = image.convert("RGB").getcolors(maxcolors=64) or []
    assert len(colours) > 8  # roles, norms, the return arrow, text: not a blank page


def test_a_long_case_with_returns_odd_text_and_a_late_open_step_is_drawn() -> None:
    data = returned_often()
    assert data.hidden > 0 and len(data.rows) == charts.MAX_ROWS
    last = data.rows[-1]
    assert last.is_open and last.minutes > last.norm > 0  # waiting, late
    assert sum(r.returned_to is not None for r in data.rows) >= 10
    image = Image.open(io.BytesIO(charts.render_timeline(data)))
    assert image.format == "PNG" and image.mode == "P"  # a palette picture: small
    assert image.width == 1080
    assert image.height > charts.MAX_ROWS * 82  # a row per visit shown, 0.82 in each
    assert near(image, charts.LATE) > 500  # the late parts of the bars, the late times
    assert near(image, charts.NORM) > 5_000  # the norms under the bars
    assert near(image, charts.RETURN) > 2_000  # the arrows, the reasons
    for colour in charts.role_colours(SOP)["kasubag"], charts.role_colours(SOP)["kabag"]:
        assert near(image, colour) > 500


def test_drawing_a_timeline_needs_no_matplotlib() -> None:
    """The bot's start-up (prepare) and /status do not load matplotlib (some 40 MB): only a
    report chart does."""
    script = textwrap.dedent(
        """
        import io, sys
        from PIL import Image
        from bot import charts

        assert charts.prepare()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        row = charts.TimelineRow(1, "L1 · Kasubag", "2 jam / norma 4 jam", "#0072B2",
                                 0, 120, 240, True, None, "")
        data = charts.Timeline("Berkas #1", "Judul", "Keadaan", (row,), ((0, "2 Nov"),),
                               (("Kasubag", "#0072B2"),))
        assert Image.open(io.BytesIO(charts.render_timeline(data))).width == 1080
        assert "matplotlib" not in sys.modules, "matplotlib was imported"
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_drawing_leaves_no_garbage_for_the_full_collector() -> None:
    data = returned_often()
    charts.render_timeline(data)  # fonts loaded, their glyphs rasterised and kept
    gc.collect()
    for _ in range(3):
        charts.render_timeline(data)
    # A matplotlib timeline left some 9,000 objects in reference cycles (about 11 MB) for
    # the next full collection unless the young generations were collected after it.
    assert gc.collect() < 500
    assert gc.isenabled()


def test_drawing_again_keeps_nothing_more() -> None:
    """Once a timeline's glyphs are kept, drawing it again keeps no more memory."""
    data = returned_often()
    charts.render_timeline(data)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(3):
            charts.render_timeline(data)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 64_000


def test_durations_keep_their_minutes_past_a_day_as_the_chat_writes_them() -> None:
    """One writer for every duration: a day or more keeps its hours and minutes, so a
    value over its norm never reads as the norm ("1 hari 20 menit" against "1 hari"), and
    the picture says what /status's text says, without the chat's "kerja"."""
    from bot import texts

    assert charts.durasi(500) == "1 hari 20 menit" and charts.durasi(480) == "1 hari"
    assert charts.durasi(539) == "1 hari 59 menit" and charts.durasi(1019) == "2 hari 59 menit"
    assert charts.durasi(1045) == "2 hari 1 jam 25 menit" and charts.durasi(0) == "0 menit"
    assert charts.durasi(152.5) == "2 jam 33 menit"  # a median: a half minute rounded up
    for minutes in (45, 240, 500, 510, 1045, 4800):
        assert texts.minutes_text(minutes).replace(" kerja", "") == charts.durasi(minutes)
    assert texts.minutes_text(500) == "1 hari kerja 20 menit"


def test_a_stay_taken_back_is_drawn_apart_not_late_against_its_holder() -> None:
    """Kasubag submits and takes the proposal back two working days later (/tarik): the
    stay at Kabag's step reads "ditarik kembali", grey, with no norm to be late against
    (Kabag never acted); Kabag's own stay of 500 minutes after the second submission is
    late, and reads "1 hari 20 menit / norma 1 hari"."""
    events = [
        Event(EventType.STARTED, 8, KASUBAG, "kasubag", at(2, 9), 1),
        Event(EventType.COMPLETED, 8, KASUBAG, "kasubag", at(2, 10), 1, 2),
        Event(EventType.WITHDRAWN, 8, KASUBAG, "kasubag", at(4, 10), 2, 1),
        Event(EventType.COMPLETED, 8, KASUBAG, "kasubag", at(4, 11), 1, 2),
        Event(EventType.APPROVED, 8, KABAG, "kabag", datetime(2026, 11, 5, 11, 20, tzinfo=WIB),
              2, 3),
    ]  # fmt: skip
    data = drawn(8, "Program Kerja TA 2027", events, at(5, 13))
    taken_back, approved = data.rows[1], data.rows[3]
    assert taken_back.withdrawn and taken_back.minutes == 960 > taken_back.norm
    assert taken_back.label == "Langkah 2 · Kabag"
    assert taken_back.time_text == "ditarik kembali setelah 2 hari"
    assert taken_back.colour == charts.WITHDRAWN_COLOUR
    assert approved.time_text == "1 hari 20 menit / norma 1 hari" and not approved.withdrawn
    image = Image.open(io.BytesIO(charts.render_timeline(data))).convert("RGB")
    top = image.crop((0, 0, image.width, image.height * 2 // 5))  # rows 1-2: no late colour
    assert near(top, charts.LATE) == 0
    assert near(top, charts.WITHDRAWN_COLOUR) > 500


def test_the_report_keeps_the_figures_of_a_drafting_step_of_days_inside_the_picture() -> None:
    """The team's drafting step (norm 10 working days) took a median of 9 days 5 hours 35
    minutes: its figures right of the bar go on two lines rather than off the picture's
    right edge ("... | 14 hari 1 jam 45 me")."""
    day = 480
    drafting = charts.ReportRow(6, "Langkah 6 · Tim Penyusunan", "Tim Penyusunan", "#CC79A7",
                                2, 9 * day + 5 * 60 + 35, 14 * day + 60 + 45, 10 * day, 0, "")  # fmt: skip
    rows = (
        *(
            charts.ReportRow(
                i, f"Langkah {i} · Kasubag", "Kasubag", "#009E73", 1, 200, 220, 240, 0, ""
            )
            for i in range(1, 6)
        ),
        drafting,
    )
    chart = charts.ReportChart("Evaluasi Penerapan SOP", "Penyusunan Program Kerja",
                               "Periode: Tahun 2026", rows, (("Selesai", 1, "#0072B2"),), 0)  # fmt: skip
    image = Image.open(io.BytesIO(charts.render_report(chart))).convert("L")
    right_edge = image.crop((image.width - 12, 0, image.width, image.height))
    ink = right_edge.point(lambda grey: 255 if grey < 200 else 0)
    assert ink.getbbox() is None, "ink at the right edge: text cut off"


def test_characters_the_font_lacks_are_left_out_not_drawn_as_empty_boxes(
    monkeypatch: Any,
) -> None:
    """Emoji in a case's title, an official's name and a return reason: DejaVu Sans has no
    glyph for them (an empty box each, drawn). They are left out, the spaces they leave
    collapsed, and a title of emoji alone reads as a title that cannot be shown."""
    names = {KASUBAG: "Siti 🌸 Rahmawati", KABAG: "Budi Santoso"}
    monkeypatch.setitem(NAMES, KASUBAG, names[KASUBAG])
    events = [
        Event(EventType.STARTED, 7, KASUBAG, "kasubag", at(2, 9), 1),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(2, 11), 1, 2),
        Event(EventType.RETURNED, 7, KABAG, "kabag", at(3, 10), 2, 1, "TOR 🚀 belum ✅ lengkap"),
    ]
    data = drawn(7, "Program 🚀 Kerja ✅👨‍👩‍👧 2027 北京", events, at(3, 13),
                 current_holders=["🚀", "Siti 🌸"])  # fmt: skip
    assert data.title == "Program Kerja 2027"
    assert data.rows[0].label == "Langkah 1 · Kasubag · Siti Rahmawati"
    assert data.rows[1].reason == "TOR belum lengkap"
    assert data.rows[2].label == "Langkah 1 · Kasubag · Siti"  # "🚀" names nobody: left out
    assert drawn(7, "🚀✅", events, at(3, 13)).title == "(judul tidak dapat ditampilkan)"

    texts: list[tuple[str, str]] = []
    draw = charts._Face.draw

    def recorded(face: Any, pen: Any, x: float, baseline: int, text: str, ink: Any) -> None:
        texts.append((face.style, text))
        draw(face, pen, x, baseline, text, ink)

    monkeypatch.setattr(charts._Face, "draw", recorded)
    raw = charts.Timeline("Berkas #7 🚀", "🚀 Judul ✅ 2027", "Keadaan", data.rows, data.ticks,
                          (("Kasubag 👤", "#0072B2"),))  # fmt: skip
    charts.render_timeline(raw)  # what the drawing is given is cleaned too
    assert ("bold", "Berkas #7") in texts and ("regular", "Judul 2027") in texts
    assert ("regular", "Kasubag") in texts
    for style, text in texts:
        charmap = charts._charmap(style)
        assert all(ord(c) in charmap for c in text), (style, text)


def test_the_report_chart_draws_no_empty_boxes_for_emoji() -> None:
    """A return reason with emoji: matplotlib draws the report without warning of a glyph
    missing from DejaVu Sans (an empty box in the picture)."""
    import warnings

    events = [
        Event(EventType.STARTED, 7, KASUBAG, "kasubag", at(2, 9), 1),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(2, 11), 1, 2),
        Event(EventType.RETURNED, 7, KABAG, "kabag", at(3, 10), 2, 1, "TOR 🚀 belum ✅ lengkap"),
        Event(EventType.COMPLETED, 7, KASUBAG, "kasubag", at(4, 9), 1, 2),
    ]
    november = stats.Period(at(1, 0), datetime(2026, 12, 1, tzinfo=WIB), "November 2026")
    figures = stats.report([stats.CaseHistory(7, "Judul 🚀", SOP, events)], SOP, CALENDAR,
                           november, at(5, 9))  # fmt: skip
    chart = charts.report_chart(figures, SOP, "Periode: November 2026 🗓️")
    assert chart.period == "Periode: November 2026"
    assert [r.reason for r in chart.rows if r.reason] == ["TOR belum lengkap"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.render_report(chart)
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_an_axis_over_more_than_one_year_writes_the_years() -> None:
    """A proposal waiting at Kabag for 560 days: the dates of its axis say which year they
    are in, on the first tick and where the year changes; an axis within one year writes
    none (returned_once: "2 November", "3", ...)."""
    events = [
        Event(EventType.STARTED, 10, KASUBAG, "kasubag", at(2, 9), 1),
        Event(EventType.COMPLETED, 10, KASUBAG, "kasubag", at(2, 10), 1, 2),
    ]
    data = drawn(10, "Tunggu lama", events, at(2, 9) + timedelta(days=560))
    assert [label for _, label in data.ticks] == [
        "2 November 2026", "3 Februari 2027", "7 Mei", "10 Agustus", "11 November",
        "14 Februari 2028",
    ]  # fmt: skip
    assert all(len(label.split()) < 3 for _, label in returned_once().ticks)
    image = Image.open(io.BytesIO(charts.render_timeline(data))).convert("L")
    assert image.width == 1080


def test_the_norm_line_does_not_strike_through_a_note_of_no_data() -> None:
    """Steps without data ("belum ada data") or without a norm ("tanpa norma"): their
    notes reach past 100 %, and the thick norm line stops at each note instead of running
    through its letters: down the line's column, the dark line is broken at each note."""
    # three steps without data, one without a norm
    rows = tuple(
        charts.ReportRow(i, f"Langkah {i}", "Kasubag", "#009E73", visits, 0, 0, norm, 0, "")
        for i, visits, norm in ((1, 0, 240), (2, 0, 240), (3, 0, 240), (4, 1, 0))
    )
    chart = charts.ReportChart("Evaluasi Penerapan SOP", "Penyusunan Program Kerja",
                               "Periode: Tahun 2026", rows, (("Selesai", 1, "#0072B2"),), 0)  # fmt: skip
    image = Image.open(io.BytesIO(charts.render_report(chart))).convert("L")
    dark = image.point(lambda grey: 1 if grey < 80 else 0)  # the line (INK), not the GREY
    half = image.height // 2  # the chart of the steps
    axes = range(int(0.33 * image.width), int(0.65 * image.width))
    pixels = dark.load()
    assert pixels is not None
    line_x = max(axes, key=lambda x: sum(pixels[x, y] == 1 for y in range(half)))
    down = "".join(str(pixels[line_x, y]) for y in range(half))
    line = re.search(r"1{15}.*1{15}", down)  # from the line's top to its foot
    assert line is not None
    # where a note's background stops the line: some 22 px; its letters' strokes, crossing
    # a line drawn through them, leave gaps of 4 px
    stops = [gap for gap in line.group().split("1") if len(gap) >= 15]
    assert len(stops) == len(rows), "the norm line runs through the notes"


def test_the_dates_under_a_year_long_timeline_do_not_run_together() -> None:
    """A case opened on 5 January that waits at Kabag on 4 December: seven dates, each a
    month written out, the last pushed in from the picture's right edge. It ran into the
    one before it ("12 Oktober7 Desember", 21 px over it); now that one gives way and the axis ends on
    the latest date, every label clear of its neighbours and on the picture."""
    start = datetime(2026, 1, 5, 9, tzinfo=WIB)
    events = [
        Event(EventType.STARTED, 1, KASUBAG, "kasubag", start, 1),
        Event(EventType.COMPLETED, 1, KASUBAG, "kasubag", start + timedelta(hours=1), 1, 2),
    ]
    data = drawn(1, "Menunggu setahun", events, datetime(2026, 12, 4, 10, tzinfo=WIB))
    labels = [label for _, label in data.ticks]
    assert len(labels) == 7 and all(len(label.split()) == 2 for label in labels), labels
    face = charts._face("regular", 16)
    width = charts.WIDTH_PX
    left, right = 0.075 * width, 0.97 * width  # the timeline's body, as it draws it
    reach = max(r.start + max(r.minutes, r.norm, 1) for r in data.rows)
    scale = (right - left) / (max(reach, data.ticks[-1][0]) * 1.02)
    placed = charts.axis_labels(
        data.ticks, lambda m: left + m * scale, face.width, 0.03 * width, 0.97 * width
    )
    edges = [(c - face.width(lines[0]) / 2, c + face.width(lines[0]) / 2) for c, lines in placed]
    assert all(a[1] + 12 <= b[0] for a, b in itertools.pairwise(edges)), placed
    assert edges[0][0] >= 0.03 * width and edges[-1][1] <= 0.97 * width
    assert placed[0][1] == [labels[0]] and placed[-1][1] == [labels[-1]]
    image = Image.open(io.BytesIO(charts.render_timeline(data))).convert("L")
    assert image.width == 1080


def test_the_report_keeps_a_long_role_name_of_a_step_inside_the_picture() -> None:
    """The SPM-LS's steps are the Bendahara Pengeluaran's: "Langkah 1 · Bendahara
    Pengeluaran" ran off the picture's left edge ("angkah 1 · ..."), in the bars and in the
    returns. Now such a label goes on two lines, and nothing is cut at the left edge."""
    rows = tuple(
        charts.ReportRow(
            i,
            f"Langkah {i} · {role}",
            role,
            colour,
            5,
            200,
            400,
            240,
            returns,
            "Lampiran belum lengkap" if returns else "",
        )
        for i, role, colour, returns in (
            (1, "Bendahara Pengeluaran", "#CC79A7", 0),
            (2, "Verifikator Keuangan", "#009E73", 3),
            (3, "Pejabat Penandatangan Surat Perintah Membayar", "#0072B2", 2),
        )
    )
    chart = charts.ReportChart("Evaluasi Penerapan SOP", "SPM-LS", "Periode: Tahun 2026",
                               rows, (("Selesai", 1, "#0072B2"),), 0)  # fmt: skip
    image = Image.open(io.BytesIO(charts.render_report(chart))).convert("L")
    left_edge = image.crop((0, 0, 12, image.height))
    ink = left_edge.point(lambda grey: 255 if grey < 200 else 0)
    assert ink.getbbox() is None, "ink at the left edge: a label cut off"


def test_the_reports_legend_beside_a_long_role_name_stays_inside_the_picture() -> None:
    """The legend under the SPM-LS's bars names its roles in three columns: beside
    "Pejabat Penandatangan Surat Perintah Membayar" the third column ("median melewati
    norma") ran off the picture's right edge. Now it takes the columns there is room for;
    a role name too long for even one is cut with "…"."""
    for signer in (
        "Pejabat Penandatangan Surat Perintah Membayar",
        "Pejabat Penandatangan Surat Perintah Membayar " * 4,
    ):
        rows = tuple(
            charts.ReportRow(i, f"Langkah {i}", role, colour, 5, 200, 400, 240, 0, "")
            for i, role, colour in (
                (1, "Bendahara Pengeluaran", "#CC79A7"),
                (2, "Verifikator Keuangan", "#009E73"),
                (3, signer.strip(), "#0072B2"),
            )
        )
        chart = charts.ReportChart("Evaluasi Penerapan SOP", "SPM-LS", "Periode: Tahun 2026",
                                   rows, (("Selesai", 1, "#0072B2"),), 0)  # fmt: skip
        image = Image.open(io.BytesIO(charts.render_report(chart))).convert("L")
        right_edge = image.crop((image.width - 10, 0, image.width, image.height))
        ink = right_edge.point(lambda grey: 255 if grey < 200 else 0)
        assert ink.getbbox() is None, "ink at the right edge: the legend runs off the picture"
