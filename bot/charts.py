"""Pictures of the figures of :mod:`bot.stats`: a case's timeline and the SOP report chart.

Two layers. :func:`timeline` and :func:`report_chart` are pure: they turn visits or report
figures into a :class:`Timeline` / :class:`ReportChart` of plain labels and numbers, in
Indonesian, dates as Indonesians write them. Then they are drawn into PNG bytes, blocking
(the bot draws in a thread of its own, one picture at a time):

- :func:`render_timeline` (``/status``, the frequent one) draws with Pillow alone
  (``ImageDraw`` shapes, DejaVu Sans through FreeType, the fonts matplotlib ships), at a
  few milliseconds a picture: glyphs are rasterised once and kept, the diagonal lines
  (hatch, return arrows) drawn 3× and reduced, the rest on whole pixels. :func:`prepare`
  loads its fonts at start-up.
- :func:`render_report` (``/laporan``, rare) draws with matplotlib (Agg, no screen),
  imported inside it, so the bot's start-up and memory do not pay for it until a report
  chart is drawn.

Both are written as a 64-colour palette PNG (:func:`_palette_png`).

The pictures are made for a phone: 1080 px wide, large type, one row per step visit, at
most :data:`MAX_ROWS` rows (the latest ones).
"""

from __future__ import annotations

import functools
import gc
import importlib.util
import io
import itertools
import math
import os
import textwrap
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from bot import texts as t
from bot.core.definition import SopDefinition
from bot.core.model import NamesAt
from bot.papers.dates import BULAN, HARI_KERJA, OfficeZone, angka, durasi
from bot.stats import CaseState, Exit, Report, Visit, role_label, short_reason
from bot.worktime import WorkCalendar

if TYPE_CHECKING:
    from PIL import Image, ImageDraw

__all__ = [
    "MAX_ROWS",
    "ReportChart",
    "ReportRow",
    "Timeline",
    "TimelineRow",
    "durasi",
    "render_report",
    "render_timeline",
    "report_chart",
    "timeline",
]

MAX_ROWS = 30
WIDTH_IN, DPI = 10.8, 100  # 1080 px
PNG_COLOURS = 64
DAY = HARI_KERJA  # working minutes of a "hari" (8 working hours), for the axis

# Okabe-Ito colours (distinguishable with colour-blindness), one per role in SOP order.
ROLE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#999999")
LATE = "#D55E00"
RETURN = "#C0392B"
NORM = "#D9D9D9"
WITHDRAWN_COLOUR = "#B0B0B0"  # a stay taken back by its sender: nobody's time, no norm
INK = "#222222"
GREY = "#666666"


# -- timeline --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    step: int
    label: str  # "Langkah 2 · Kabag · Budi Santoso"
    time_text: str  # "3 jam 20 menit / norma 1 hari"
    colour: str
    start: int  # working minutes since the case started
    minutes: int
    norm: int
    is_open: bool
    returned_to: int | None  # the step a return sent the case back to
    reason: str  # the return's reason, short
    withdrawn: bool = False  # taken back by its sender (/tarik): not measured against a norm


@dataclass(frozen=True)
class Timeline:
    heading: str  # "Berkas #7 · Linimasa"
    title: str  # the case's title
    note: str  # "Keadaan per 5 Desember 2026 pukul 10.30 WIB"
    rows: tuple[TimelineRow, ...]
    ticks: tuple[tuple[int, str], ...]  # (working minutes since start, "5 Des")
    legend: tuple[tuple[str, str], ...]  # (role name, colour)
    hidden: int = 0  # earlier visits left out (more than MAX_ROWS)
    status: str = ""  # the line under the rows: where the case is now, or how it ended


def role_colours(definition: SopDefinition) -> dict[str, str]:
    return {r.id: ROLE_COLOURS[i % len(ROLE_COLOURS)] for i, r in enumerate(definition.roles)}


def timeline(
    *,
    case_id: int,
    title: str,
    visits: Sequence[Visit],
    definition: SopDefinition,
    calendar: WorkCalendar,
    zone: OfficeZone,
    names: NamesAt,
    now: datetime,
    current_holders: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> Timeline:
    """The timeline of one case: a row per visit, placed on the case's working time."""
    colours = role_colours(definition)

    def role_name(role: str) -> str:
        name = definition.role(role).name if definition.has_role(role) else role
        return _legible(name) or role or "-"

    rows = []
    start = 0
    for visit in visits:
        name = role_name(visit.role)
        if visit.is_open:
            who = ", ".join(filter(None, map(_legible, current_holders)))
        elif visit.holder is not None:  # named as they were when they took the case away
            who = _legible(names.at(visit.holder, visit.left or now) or "")
        else:
            who = ""
        label = " · ".join(
            part
            for part in (t.CHART_STEP.format(step=visit.step), role_label(visit, name), who)
            if part
        )
        norm = t.CHART_NORM.format(norm=durasi(visit.norm)) if visit.norm > 0 else t.CHART_NO_NORM
        withdrawn = visit.exit is Exit.WITHDRAWN
        if visit.is_open:
            time_text = t.CHART_WAITING.format(spent=durasi(visit.minutes), norm=norm)
        elif withdrawn:  # its holder never acted: no norm to be late against
            time_text = t.CHART_WITHDRAWN_AFTER.format(spent=durasi(visit.minutes))
        else:
            time_text = t.CHART_SPENT.format(spent=durasi(visit.minutes), norm=norm)
        returned = visit.exit is Exit.RETURNED
        rows.append(
            TimelineRow(
                step=visit.step,
                label=label,
                time_text=time_text,
                colour=WITHDRAWN_COLOUR if withdrawn else colours.get(visit.role, ROLE_COLOURS[-1]),
                start=start,
                minutes=visit.minutes,
                norm=visit.norm,
                is_open=visit.is_open,
                returned_to=visit.to_step if returned else None,
                reason=short_reason(_legible(visit.reason, "italic"), 70) if returned else "",
                withdrawn=withdrawn,
            )
        )
        start += visit.minutes
    hidden = max(0, len(rows) - max_rows)
    shown = rows[hidden:]
    first = visits[0].entered if visits else now
    end = max((r.start + max(r.minutes, r.norm) for r in shown), default=DAY)
    ticks = _ticks(first, end, calendar, zone)
    used = dict.fromkeys(v.role for v in visits)
    legend = tuple((role_name(r), colours.get(r, ROLE_COLOURS[-1])) for r in used if r)
    last = visits[-1] if visits else None
    if last is None:
        status = ""
    elif last.is_open:
        late = t.CHART_NOW_LATE if last.over_norm else ""
        status = t.CHART_NOW.format(
            step=last.step,
            role=role_name(last.role),
            spent=durasi(last.minutes),
            day=zone.tanggal(last.entered),
            time=zone.jam(last.entered),
            late=late,
        )
    elif last.exit is Exit.CANCELLED:
        status = t.CHART_CANCELLED_ON.format(day=zone.tanggal(last.left or now))
    elif last.exit is not Exit.ARCHIVED:  # the last step of an SOP that ends otherwise
        status = t.CHART_COMPLETED_ON.format(day=zone.tanggal(last.left or now))
    else:
        status = t.CHART_ARCHIVED_ON.format(day=zone.tanggal(last.left or now))
    return Timeline(
        heading=t.CHART_TIMELINE_HEADING.format(case=case_id),
        title=_legible(title) or (t.CHART_TITLE_ILLEGIBLE if title.strip() else ""),
        note=t.CHART_TIMELINE_NOTE.format(when=zone.tanggal_jam(now)),
        rows=tuple(shown),
        ticks=ticks,
        legend=legend,
        hidden=hidden,
        status=status,
    )


def _ticks(
    first: datetime, end: int, calendar: WorkCalendar, zone: OfficeZone
) -> tuple[tuple[int, str], ...]:
    """Up to seven ticks at whole working days since the start, labelled by their date: the
    month written out where it begins ("30", "7 Desember", "14"), so that the labels fit.
    An axis over more than one calendar year writes the year too, on the first tick and
    where it changes ("2 November 2026", "3 Februari 2027", "7 Mei"): the picture draws it
    on a line of its own under the day and month."""
    days = max(1, -(-end // DAY))
    every = max(1, -(-days // 6))
    dates = [
        (
            k * DAY,
            zone.day(calendar.next_working_moment(calendar.add_working_minutes(first, k * DAY))),
        )
        for k in range(0, days + 1, every)
    ]
    years = len({d.year for _, d in dates}) > 1
    ticks = []
    month = year = 0
    for x, d in dates:
        if years and d.year != year:
            label = f"{d.day} {BULAN[d.month - 1]} {d.year}"
        elif d.month != month:
            label = f"{d.day} {BULAN[d.month - 1]}"
        else:
            label = str(d.day)
        ticks.append((x, label))
        month, year = d.month, d.year
    return tuple(ticks)


def axis_labels(
    ticks: Sequence[tuple[int, str]],
    at: Callable[[float], float],
    width_of: Callable[[str], float],
    left: float,
    right: float,
    gap: float = 12.0,
) -> list[tuple[float, list[str]]]:
    """Where the timeline's date labels go: (centre in px, lines: the date, then its year
    when the label has one). A label at either edge is moved inwards to stay on the picture
    (``left``..``right``); a label that would then touch the one before it (the last
    tick's, pushed in from the right edge: "15 Oktober7 Desember") takes that one's place,
    so the axis ends on its latest date and no two dates run together. Its tick stays."""
    placed: list[tuple[float, float, list[str]]] = []  # (left edge, right edge, lines)
    for x, label in ticks:
        date, _, year = label.rpartition(" ")
        lines = [date, year] if date and len(year) == 4 and year.isdigit() else [label]
        half = max(map(width_of, lines)) / 2
        centre = min(max(at(x), left + half), right - half)
        while placed and placed[-1][1] + gap > centre - half:
            if len(placed) == 1 or x != ticks[-1][0]:
                break
            placed.pop()  # the last date goes in; the one it would run into gives way
        if placed and placed[-1][1] + gap > centre - half:
            continue  # no room beside the label before it: the tick stays unlabelled
        placed.append((centre - half, centre + half, lines))
    return [((a + b) / 2, lines) for a, b, lines in placed]


# -- report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    step: int
    label: str  # "Langkah 2 · Kabag"
    role: str  # "Kabag": the legend names the colour of each role
    colour: str
    visits: int
    median: float
    p90: int
    norm: int
    returns: int
    reason: str  # the most frequent return reason, short ("" when none)


@dataclass(frozen=True)
class ReportChart:
    heading: str  # "Evaluasi Penerapan SOP"
    subtitle: str  # the SOP's name
    period: str  # "Periode: Tahun 2026 (1 Januari – 31 Desember 2026)"
    rows: tuple[ReportRow, ...]
    states: tuple[tuple[str, int, str], ...]  # (label, count, colour)
    overdue: int


STATE_LABELS = {
    CaseState.ON_TIME: (t.CHART_STATE_LABELS["on_time"], "#009E73"),
    CaseState.LATE: (t.CHART_STATE_LABELS["late"], LATE),
    CaseState.ARCHIVED: (t.CHART_STATE_LABELS["archived"], "#0072B2"),
    CaseState.COMPLETED: (t.CHART_STATE_LABELS["completed"], "#0072B2"),
    CaseState.CANCELLED: (t.CHART_STATE_LABELS["cancelled"], "#999999"),
}


def report_chart(figures: Report, definition: SopDefinition, period_text: str) -> ReportChart:
    colours = role_colours(definition)

    def role_of(role: str) -> str:
        name = definition.role(role).name if definition.has_role(role) else role
        return _legible(name) or role

    rows = tuple(
        ReportRow(
            step=s.step,
            label=t.CHART_REPORT_STEP.format(step=s.step, role=role_of(s.role)),
            role=role_of(s.role),
            colour=colours.get(s.role, ROLE_COLOURS[-1]),
            visits=s.visits,
            median=s.median,
            p90=s.p90,
            norm=s.norm,
            returns=s.returns,
            reason=short_reason(_legible(s.reasons[0][0], "italic"), 60) if s.reasons else "",
        )
        for s in figures.steps
    )
    states = tuple(
        (label, figures.states.get(state, 0), colour)
        for state, (label, colour) in STATE_LABELS.items()
        if state in figures.states  # the ways the SOP's cases end (stats.Report.states)
    )
    return ReportChart(
        heading=t.CHART_REPORT_HEADING,
        subtitle=_legible(definition.header.name),
        period=_legible(period_text),
        rows=rows,
        states=states,
        overdue=len(figures.overdue),
    )


# -- drawing ---------------------------------------------------------------------------

_LOCK = threading.Lock()  # one picture at a time: the glyph caches, matplotlib (not thread-safe)


@contextmanager
def _drawing() -> Iterator[None]:
    """One chart at a time, its garbage collected as soon as it is drawn.

    A matplotlib picture (the report chart) leaves about 9,000 objects in reference cycles
    (figure, axes, artists, the renderer's buffers: some 11 MB). Collected the usual way,
    they reach the oldest generation before a full collection finds them, so a few pictures
    in a row grew the bot by 60 MB. With the automatic collector paused while the picture
    is drawn, they are all still young afterwards, and collecting the young generations
    frees them for about 3 ms (a full collection: about 60 ms). A timeline (Pillow) leaves
    next to nothing; the same discipline keeps it so."""
    with _LOCK:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()
            gc.collect(1)


def _palette_png(rgb: Image.Image) -> bytes:
    """The picture as a PNG of 64 colours at zlib's fastest level: a chart of a few flat
    colours and anti-aliased text looks the same, and the palette image is less than half
    the bytes of an RGB one, written in less time.

    The palette is chosen from every third pixel of every third row (the pixels as drawn,
    not blends of them): a chart's colours cover large areas, and choosing from a ninth of
    the picture halves the time of the quantization, for the same picture."""
    from PIL import Image

    width, height = rgb.size
    sample = rgb.resize((max(1, width // 3), max(1, height // 3)), Image.Resampling.NEAREST)
    palette = sample.quantize(
        colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    rgb.quantize(palette=palette, dither=Image.Dither.NONE).save(
        out, format="PNG", compress_level=1
    )
    return out.getvalue()


def prepare() -> bytes:
    """Load the timeline's fonts, rasterise their common glyphs and draw a small picture
    once (blocking: the drawing thread runs it at start-up), so that the first ``/status``
    after a start does not pay for it. matplotlib (the report chart only) is not loaded
    here: ``/laporan`` is rare. Returns the PNG."""
    with _drawing():
        for style, points in _TIMELINE_FACES:
            _face(style, points).width(_COMMON_CHARS)
            _charmap(style)
        _hatch()
        canvas = _Canvas(0.6, width=200)
        canvas.text(10, 26, "Lini waktu", _face("bold", 15), INK)
        canvas.text(10, 50, "per hari ini", _face("regular", 14), GREY)
        return _palette_png(canvas.image)


def render_timeline(data: Timeline) -> bytes:
    """The timeline as a PNG, 1080 px wide (blocking: run it in a worker thread)."""
    with _drawing():
        return _draw_timeline(data)


# -- the timeline, drawn with Pillow -----------------------------------------------------

WIDTH_PX = round(WIDTH_IN * DPI)
_FONT_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
}
# (style, size in points) of every text of a timeline: loaded and warmed by prepare()
_TIMELINE_FACES = (
    ("bold", 26),  # heading
    ("regular", 19),  # title
    ("regular", 17),  # row label
    ("regular", 16),  # dates and caption of the axis
    ("regular", 15),  # note, time of a row
    ("bold", 15),  # time of a late or open row, status
    ("regular", 14),  # hidden visits, legend
    ("italic", 14),  # reason of a return
)
_COMMON_CHARS = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;-–—()/#'\"·…%&+!?@"
)
_SUPERSAMPLE = 3  # the diagonal lines (hatch, return arrows): drawn 3× and reduced
_HATCH_STEP = 17  # px between the lines of "//": matplotlib's six an inch at 100 dpi
_HATCH_WIDTH = 1.6  # px, across the line (matplotlib's 1 pt, and its darker blending)
_GLYPHS_MAX = 4096  # per face; beyond it (odd text), the cache starts again
RGB: TypeAlias = tuple[int, int, int]
_Glyph: TypeAlias = "tuple[int, int, Image.Image] | None"  # (x, y) from pen, baseline; mask


def _font_file(style: str) -> str:
    """DejaVu Sans as matplotlib ships it, found without importing matplotlib; else the
    system's (Debian's fonts-dejavu-core)."""
    name = _FONT_FILES[style]
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "mpl-data", "fonts", "ttf", name)
        if os.path.exists(path):
            return path
    return os.path.join("/usr/share/fonts/truetype/dejavu", name)


class _Face:
    """DejaVu Sans in one style and size, each glyph rasterised once.

    Pillow's ``ImageDraw.text`` lays a string out and has FreeType load, hint and
    rasterise every glyph again on each call: some 6 µs a glyph, most of a timeline's
    time. Here each character's advance and mask are kept, and a line of text is its
    glyphs' masks pasted along their advances: the bitmaps ``ImageDraw.text`` draws, where
    it puts them (the pen at the font's advances, each glyph at a whole pixel), in a third
    of the time. No kerning, as matplotlib drew it: DejaVu's kerning is OpenType (GPOS)."""

    def __init__(self, style: str, points: float) -> None:
        from PIL import ImageFont

        self.style = style
        self.font = ImageFont.truetype(_font_file(style), points * DPI / 72)
        _, top, _, bottom = self.font.getbbox("lp", anchor="ls")
        self.top = top  # from the baseline up to the top of "l" (negative: up)
        self.middle = (top + bottom) / 2  # from the baseline to the middle of "lp"
        self.glyphs: dict[str, tuple[float, _Glyph]] = {}  # advance, glyph

    def glyph(self, char: str) -> tuple[float, _Glyph]:
        """The advance of ``char`` in pixels and its glyph (None: nothing to draw)."""
        return self.glyphs.get(char) or self._load(char)

    def width(self, text: str) -> float:
        """The advance of ``text`` in pixels."""
        glyphs = self.glyphs
        return sum((glyphs.get(c) or self._load(c))[0] for c in text)

    def draw(self, draw: ImageDraw.ImageDraw, x: float, baseline: int, text: str, ink: RGB) -> None:
        """``text`` on one line, its pen starting at ``x`` on ``baseline``."""
        glyphs = self.glyphs
        for char in text:
            advance, glyph = glyphs.get(char) or self._load(char)
            if glyph is not None:
                dx, dy, mask = glyph
                draw.bitmap((round(x) + dx, baseline + dy), mask, fill=ink)
            x += advance

    def _load(self, char: str) -> tuple[float, _Glyph]:
        from PIL import Image, ImageDraw

        if len(self.glyphs) >= _GLYPHS_MAX:
            self.glyphs.clear()
        shown = _shown(char)
        if not shown:  # a format character: a joiner, a direction mark, a variation selector
            entry: tuple[float, _Glyph] = (0.0, None)
            self.glyphs[char] = entry
            return entry
        try:
            advance = self.font.getlength(shown)
            box = self.font.getbbox(shown, anchor="ls")
        except (ValueError, UnicodeError, OSError):  # a lone surrogate, say
            shown = "\ufffd"
            advance = self.font.getlength(shown)
            box = self.font.getbbox(shown, anchor="ls")
        left, top, right, bottom = (int(v) for v in box)  # whole pixels
        glyph: _Glyph = None
        if shown != " " and right > left and bottom > top:
            mask = Image.new("L", (right - left + 2, bottom - top))
            ImageDraw.Draw(mask).text(
                (1 - left, -top), shown, fill=255, font=self.font, anchor="ls"
            )
            glyph = (left - 1, top, mask)
        entry = (advance, glyph)
        self.glyphs[char] = entry
        return entry


def _shown(char: str) -> str:
    """What a character draws as: a line break or other control character as a space
    (every text here is one line), a format character (a joiner, a direction mark, a soft
    hyphen) or a variation selector as nothing."""
    kind = unicodedata.category(char)
    if kind in ("Cc", "Zl", "Zp"):
        return " "
    if kind == "Cf" or "\ufe00" <= char <= "\ufe0f":
        return ""
    if kind == "Cs":  # half of a surrogate pair, alone
        return "\ufffd"
    return char


@functools.cache
def _charmap(style: str) -> frozenset[int]:
    """The characters DejaVu Sans in ``style`` draws, as its own character map (``cmap``
    table) says, read once: not a joiner or a variation selector, which draw nothing.
    fontTools reads it: matplotlib's own dependency, imported here without matplotlib."""
    from fontTools.ttLib import TTFont

    with TTFont(_font_file(style), lazy=True) as font:
        return frozenset(c for c in font.getBestCmap() if _shown(chr(c)))


def _legible(text: str, style: str = "regular") -> str:
    """``text`` without the characters DejaVu Sans in ``style`` has no glyph for (an
    emoji, a Chinese character: an empty box, drawn), the spaces around what was left out
    collapsed into one ("Program 🚀 2027" → "Program 2027"), and the ends stripped then;
    "" when nothing drawable is left. A joiner or a variation selector (of an emoji) is
    left out too; a control character stays (it is drawn as a space), a lone surrogate too
    (as "\ufffd")."""
    charmap = _charmap(style)

    if charmap.issuperset(map(ord, text)):
        return text

    def kept(char: str) -> bool:
        return ord(char) in charmap or unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")

    drawn, gap = "", False  # gap: characters were left out since the last kept
    for keep, run in itertools.groupby(text, kept):
        piece = "".join(run)
        if not keep:
            gap = True
        elif gap:  # the spaces either side of what was left out: one at most
            spaced = drawn != drawn.rstrip() or piece != piece.lstrip()
            drawn = drawn.rstrip() + (" " if spaced and drawn.strip() else "") + piece.lstrip()
            gap = False
        else:
            drawn += piece
    return drawn.strip()


@functools.cache
def _face(style: str, points: float) -> _Face:
    """The face of ``style`` ("regular", "bold", "italic") at ``points``, loaded once."""
    return _Face(style, points)


@functools.cache
def _rgb(colour: str) -> RGB:
    """ "#D55E00" → (213, 94, 0)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _fit(face: _Face, text: str, width: float) -> str:
    """``text``, cut with "…" where it would be wider than ``width`` pixels."""
    if face.width(text) <= width:
        return text
    room = width - face.width("…")
    used, end = 0.0, 0
    for end, char in enumerate(text):  # noqa: B007 - ``end`` is used after the loop
        used += face.glyph(char)[0]
        if used > room:
            break
    return text[:end].rstrip() + "…"


def _lines(text: str, chars: int, most: int) -> list[str]:
    """``text`` wrapped at ``chars`` characters, at most ``most`` lines ("…" when cut)."""
    lines = textwrap.wrap(text, chars)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1].rstrip(" ,.;:") + "…"
    return lines


class _Canvas:
    """A picture being drawn, in pixels from the top left: white, RGB."""

    def __init__(self, height_in: float, width: int = WIDTH_PX) -> None:
        from PIL import Image, ImageDraw

        # whole pixels as matplotlib counts them (8.53 in at 100 dpi: 852 px)
        self.image = Image.new("RGB", (width, int(height_in * DPI)), "white")
        self.draw = ImageDraw.Draw(self.image)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        face: _Face,
        colour: str,
        *,
        align: str = "left",
        valign: str = "baseline",
        width: float = 0,
    ) -> None:
        """One line of ``text`` at ``x`` (its left, centre or right: ``align``) and ``y``
        (its baseline, the middle of "lp" or the top of "l": ``valign`` "baseline",
        "center" or "top"), cut with "…" to ``width`` pixels when given."""
        text = _legible(unicodedata.normalize("NFC", text), face.style)
        if width:
            text = _fit(face, text, width)
        if align != "left":
            x -= face.width(text) / (2 if align == "center" else 1)
        if valign == "center":
            y -= face.middle
        elif valign == "top":
            y -= face.top
        face.draw(self.draw, x, round(y), text, _rgb(colour))

    def box(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        """A filled rectangle, its edges at the nearest pixel edges (at least a pixel)."""
        left, top = round(x0), round(y0)
        self.image.paste(
            _rgb(colour), (left, top, max(left + 1, round(x1)), max(top + 1, round(y1)))
        )

    def vline(self, x: float, y0: float, y1: float, width: float, colour: str) -> None:
        """A vertical line ``width`` px wide (in whole pixels, at least one) centred on x."""
        left = round(x - width / 2)
        self.box(left, y0, left + max(1, round(width)), y1, colour)

    def faded_hatched(self, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
        """A rectangle of ``colour`` at 60 % over what is drawn, hatched "//" (an open
        visit), the hatch continuous across neighbouring rectangles."""
        from PIL import Image

        left, top = round(x0), round(y0)
        box = (left, top, max(left + 1, round(x1)), max(top + 1, round(y1)))
        size = (box[2] - left, box[3] - top)
        under = self.image.crop(box)
        self.image.paste(Image.blend(under, Image.new("RGB", size, _rgb(colour)), 0.6), box)
        shift = (left + top) % _HATCH_STEP
        hatch = _hatch()
        if size[1] <= hatch.height:
            mask = hatch.crop((shift, 0, shift + size[0], size[1]))
            self.image.paste(_rgb(INK), box, mask)

    def return_arrow(self, x: float, y0: float, y1: float) -> None:
        """A curved arrow bulging left from (x, y0) down to (x, y1): matplotlib's
        ``FancyArrowPatch`` with ``arc3,rad=0.6`` and ``-|>``, 3 pt wide, drawn 3× and
        reduced (anti-aliased)."""
        from PIL import Image, ImageDraw

        pt = DPI / 72
        line_w, shrink = 3 * pt, 2 * pt
        # matplotlib's head, 0.4 by 2 × 0.2 of mutation_scale=24 pt, and its outline
        head_len, head_half = 0.4 * 24 * pt + line_w, 0.2 * 24 * pt + 0.6 * line_w
        cx, cy = x - 0.6 * (y1 - y0), (y0 + y1) / 2  # the control point of arc3
        steps = 32
        curve = []
        for i in range(steps + 1):
            t = i / steps
            a, b, c = (1 - t) * (1 - t), 2 * (1 - t) * t, t * t
            curve.append((a * x + b * cx + c * x, a * y0 + b * cy + c * y1))
        curve = _trimmed(curve, shrink, shrink)
        (tx, ty), (px, py) = curve[-1], curve[-2]
        length = math.hypot(tx - px, ty - py) or 1.0
        ux, uy = (tx - px) / length, (ty - py) / length  # the direction at the tip
        bx, by = tx - ux * head_len, ty - uy * head_len
        head = [(tx, ty), (bx - uy * head_half, by + ux * head_half),
                (bx + uy * head_half, by - ux * head_half)]  # fmt: skip
        line = _trimmed(curve, 0, head_len * 0.7)
        xs = [p[0] for p in curve + head]
        ys = [p[1] for p in curve + head]
        left, top = math.floor(min(xs) - line_w), math.floor(min(ys) - line_w)
        size = (math.ceil(max(xs) + line_w) - left, math.ceil(max(ys) + line_w) - top)
        s = _SUPERSAMPLE
        big = Image.new("L", (size[0] * s, size[1] * s))
        pen = ImageDraw.Draw(big)
        for shape in (_stroke(line, line_w), head):
            pen.polygon([((u - left) * s, (v - top) * s) for u, v in shape], fill=255)
        self.image.paste(_rgb(RETURN), (left, top), big.reduce(s))


def _stroke(points: list[tuple[float, float]], width: float) -> list[tuple[float, float]]:
    """The outline of a polyline drawn ``width`` px wide with butt ends: one polygon (a
    smooth curve sampled finely needs no joins; ``ImageDraw.line``'s round joins were a
    pie slice a vertex)."""
    sides: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
    last = len(points) - 1
    for i, (x, y) in enumerate(points):
        (ax, ay), (bx, by) = points[max(0, i - 1)], points[min(last, i + 1)]
        length = math.hypot(bx - ax, by - ay) or 1.0
        nx, ny = (ay - by) / length * width / 2, (bx - ax) / length * width / 2
        sides[0].append((x + nx, y + ny))
        sides[1].append((x - nx, y - ny))
    return sides[0] + sides[1][::-1]


def _trimmed(
    points: list[tuple[float, float]], start: float, end: float
) -> list[tuple[float, float]]:
    """A polyline with ``start`` and ``end`` pixels of its length cut off its ends."""

    def cut(points: list[tuple[float, float]], length: float) -> list[tuple[float, float]]:
        for i in range(1, len(points)):
            (ax, ay), (bx, by) = points[i - 1], points[i]
            step = math.hypot(bx - ax, by - ay)
            if step >= length:
                f = length / step if step else 0.0
                return [(ax + (bx - ax) * f, ay + (by - ay) * f), *points[i:]]
            length -= step
        return points[-2:]

    return cut(cut(points, start)[::-1], end)[::-1]


@functools.cache
def _hatch() -> Image.Image:
    """The mask of a strip of "//" hatch as wide as the page (and a step more), drawn 3×
    and reduced: a mask pixel's value depends on x + y only, so a crop starting
    ``(x + y) % _HATCH_STEP`` in hatches a rectangle at (x, y) as if the page were."""
    from PIL import Image, ImageDraw

    s, width, height = _SUPERSAMPLE, WIDTH_PX + _HATCH_STEP, 48
    big = Image.new("L", (width * s, height * s))
    pen = ImageDraw.Draw(big)
    for c in range(0, width + height + _HATCH_STEP, _HATCH_STEP):
        pen.line([(c * s, 0), ((c - height) * s, height * s)], fill=255,
                 width=round(_HATCH_WIDTH * s))  # fmt: skip
    return big.reduce(s)


def _draw_timeline(data: Timeline) -> bytes:
    """The timeline laid out as the matplotlib figure was (inches × DPI from the top): the
    heading, the rows on a working-time axis, the status and the legend."""
    row_h, reason_h = 0.82, 0.4  # inches
    heights = [row_h + (reason_h if r.returned_to is not None else 0) for r in data.rows]
    title_lines = _lines(data.title, 58, 2) or [""]
    head_h = 1.55 + 0.4 * len(title_lines) + (0.35 if data.hidden else 0)
    body_h = max(sum(heights), row_h)
    foot_h = 2.9
    page = _Canvas(head_h + body_h + foot_h)
    width = page.image.width
    margin = 0.03 * width
    text_w = width - 2 * margin
    page.text(margin, 0.6 * DPI, data.heading, _face("bold", 26), INK, width=text_w)
    top = 0.6
    for line in title_lines:
        top += 0.4
        page.text(margin, top * DPI, line, _face("regular", 19), INK, width=text_w)
    top += 0.42
    page.text(margin, top * DPI, data.note, _face("regular", 15), GREY, width=text_w)
    if data.hidden:
        top += 0.35
        page.text(margin, top * DPI, t.CHART_HIDDEN.format(count=data.hidden),
                  _face("regular", 14), GREY, width=text_w)  # fmt: skip

    # the rows: x in working minutes, from ``left`` to ``right`` px; y in px
    left, right = 0.075 * width, 0.97 * width
    body_top, body_bottom = head_h * DPI, (head_h + body_h) * DPI
    reach = max((r.start + max(r.minutes, r.norm, 1) for r in data.rows), default=DAY)
    xmax = max(reach, data.ticks[-1][0] if data.ticks else 0) * 1.02
    scale = (right - left) / xmax

    def at(minutes: float) -> float:
        return left + minutes * scale

    pt = DPI / 72  # px
    for x, _ in data.ticks:  # grid
        page.vline(at(x), body_top, body_bottom, pt, "#EEEEEE")
    y = body_top
    centres = []
    texts: list[Callable[[], None]] = []  # drawn over the shapes
    marks = []  # (x, y of the bar) where a norm ends
    min_w = 0.004 * (right - left)
    for row, h in zip(data.rows, heights, strict=True):
        text_y, bar_y = y + 0.26 * DPI, y + 0.58 * DPI
        centres.append(bar_y)
        normed = row.norm > 0 and not row.withdrawn
        late = normed and row.minutes > row.norm
        start = at(row.start)
        if normed:
            page.box(start, bar_y - 0.17 * DPI, at(row.start + row.norm), bar_y + 0.17 * DPI, NORM)
            marks.append((at(row.start + row.norm), bar_y))
        within = min(row.minutes, row.norm) if normed else row.minutes
        parts = [(start, start + max(within * scale, min_w), row.colour)]
        if late:
            parts.append((at(row.start + row.norm), at(row.start + row.minutes), LATE))
        for x0, x1, colour in parts:
            if row.is_open:
                page.faded_hatched(x0, bar_y - 0.12 * DPI, x1, bar_y + 0.12 * DPI, colour)
            else:
                page.box(x0, bar_y - 0.12 * DPI, x1, bar_y + 0.12 * DPI, colour)
        time_face = _face("bold" if late or row.is_open else "regular", 15)
        time_w = time_face.width(row.time_text)
        texts.append(
            functools.partial(page.text, right, text_y, row.time_text, time_face,
                              LATE if late else GREY, align="right", valign="center")
        )  # fmt: skip
        texts.append(
            functools.partial(page.text, left, text_y, _cut(row.label, 80), _face("regular", 17),
                              INK, valign="center", width=right - left - time_w - 0.25 * DPI)
        )  # fmt: skip
        if row.returned_to is not None:
            texts.append(
                functools.partial(page.text, left, y + (row_h + 0.08) * DPI,
                                  t.CHART_RETURNED_TO.format(step=row.returned_to)
                                  + (f": {_cut(row.reason, 70)}" if row.reason else ""),
                                  _face("italic", 14), RETURN, valign="center",
                                  width=right - left)
            )  # fmt: skip
        y += h * DPI
    arrow_x = left - 0.025 * (right - left)
    for i, row in enumerate(data.rows[:-1]):
        if row.returned_to is not None:
            page.return_arrow(arrow_x, centres[i], centres[i + 1])

    # the working-day axis
    tick = 3.5 * pt  # matplotlib's tick length and label pad: 3.5 pt
    page.box(left, body_bottom, right, body_bottom + 0.8 * pt, GREY)
    tick_face = _face("regular", 16)
    year_line = 0.0  # inches: the years under the dates, where the axis spans years
    for x, _ in data.ticks:
        page.vline(at(x), body_bottom, body_bottom + tick, 0.8 * pt, INK)
    placed = axis_labels(data.ticks, at, tick_face.width, margin, width - margin)
    for centre, lines in placed:
        for i, line in enumerate(lines):
            page.text(centre, body_bottom + 2 * tick + i * 0.27 * DPI, line, tick_face, INK,
                      align="center", valign="top")  # fmt: skip
        year_line = max(year_line, 0.27 * (len(lines) - 1))
    page.text((left + right) / 2, body_bottom + (0.38 + year_line) * DPI,
              t.CHART_DAYS_AXIS, _face("regular", 16), GREY,
              align="center", valign="top")  # fmt: skip
    for mark_x, mark_y in marks:
        page.vline(mark_x, mark_y - 0.22 * DPI, mark_y + 0.22 * DPI, 2 * pt, INK)
    for draw_text in texts:
        draw_text()

    top = head_h + body_h + 1.2
    for line in _lines(data.status, 66, 2):
        page.text(margin, top * DPI, line, _face("bold", 15), INK, width=text_w)
        top += 0.32
    entries: list[tuple[str, str, str]] = [("box", colour, name) for name, colour in data.legend]
    entries += [("box", NORM, "norma waktu"), ("box", LATE, "melewati norma"),
                ("line", RETURN, "dikembalikan")]  # fmt: skip
    if any(r.withdrawn for r in data.rows):
        entries.append(("box", WITHDRAWN_COLOUR, "ditarik kembali"))
    _legend(page, entries, columns=3, bottom=0.25)
    return _palette_png(page.image)


def _legend(
    page: _Canvas, entries: Sequence[tuple[str, str, str]], columns: int, bottom: float
) -> None:
    """A legend of (``"box"`` | ``"line"``, colour, name) entries in columns filled top to
    bottom, its last row ``bottom`` inches above the foot of the page."""
    width, height = page.image.size
    rows = -(-len(entries) // columns)
    column_w = 0.94 * width / columns
    handle_w, handle_h = 0.233 * DPI, 0.136 * DPI  # 1.2 em by 0.7 em
    face = _face("regular", 14)
    for i, (shape, colour, name) in enumerate(entries):
        column, row = divmod(i, rows)
        x = 0.03 * width + column * column_w
        y = height - (bottom + (rows - 1 - row) * 0.27) * DPI
        thick = 3 * DPI / 72 if shape == "line" else handle_h
        page.box(x, y - thick / 2, x + handle_w, y + thick / 2, colour)
        gap = 0.0145 * width
        page.text(x + handle_w + gap, y, _cut(name, 26), face, INK, valign="center",
                  width=column_w - handle_w - 2 * gap)  # fmt: skip


# -- the report chart, drawn with matplotlib ---------------------------------------


def _matplotlib() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 18,
            "axes.edgecolor": GREY,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "text.parse_math": False,  # a "$" in a title is a dollar sign, not TeX
            # FreeType's hinter costs a third of the drawing; at 1080 px the unhinted
            # glyphs read the same
            "text.hinting": "no_hinting",
        }
    )
    return matplotlib


def _png(fig: Any) -> bytes:
    """The matplotlib figure drawn once by Agg, as :func:`_palette_png` writes it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(DPI)
    fig.patch.set_facecolor("white")
    canvas: Any = FigureCanvasAgg(fig)  # matplotlib's own methods carry no type hints
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    return _palette_png(image.convert("RGB"))


class _Page:
    """A figure laid out in inches from the top, as a phone shows it: top to bottom."""

    def __init__(self, height: float) -> None:
        from matplotlib.figure import Figure

        self.height = height
        self.fig = Figure(figsize=(WIDTH_IN, height))

    def text(self, x: float, top: float, text: str, **style: Any) -> None:
        """Text whose baseline sits ``top`` inches below the top; x in figure fraction."""
        self.fig.text(x, 1 - top / self.height, text, **style)

    def axes(self, left: float, top: float, width: float, height: float) -> Any:
        """Axes ``height`` inches high starting ``top`` inches below the top."""
        bottom = self.height - top - height
        return self.fig.add_axes((left, bottom / self.height, width, height / self.height))


def render_report(data: ReportChart) -> bytes:
    """The report chart as a PNG, 1080 px wide (blocking: run it in a worker thread)."""
    with _drawing():
        return _draw_report(data)


def _step_label(label: str, left: float) -> str:
    """A step's label left of the report's bars, fitted to the room there (``left``: the
    axes' left edge, a fraction of the width): "Langkah 1 · Bendahara Pengeluaran" ran off
    the picture's left edge ("angkah 1 · ..."); a label too wide goes on two lines at its
    " · ", each line cut with "…" if still too wide."""
    face = _face("regular", 14)
    room = (left - 0.03) * WIDTH_IN * DPI - 12  # the margin, and the tick with its pad
    if face.width(label) <= room:
        return label
    head, dot, tail = label.partition(" · ")
    lines = [f"{head} ·", tail] if dot else [label]
    return "\n".join(_fitted(face, line, room) for line in lines)


# matplotlib's legend, in ems of its font: the colour box, the pad before its label, and the
# space between two columns
_LEGEND_HANDLE_EM, _LEGEND_PAD_EM, _LEGEND_GAP_EM = 2.0, 0.8, 2.0
_LEGEND_ROOM = (0.985 - 0.03) * WIDTH_IN * DPI  # from the left margin to the right edge


def _legend_labels(labels: list[str], points: float) -> list[str]:
    """The labels of the report's legend, each cut with "…" where even one column could not
    hold it beside its box."""
    em = points * DPI / 72
    room = _LEGEND_ROOM - (_LEGEND_HANDLE_EM + _LEGEND_PAD_EM) * em
    face = _face("regular", points)
    return [_fitted(face, label, room) for label in labels]


def _legend_columns(labels: list[str], points: float, most: int = 3) -> int:
    """As many legend columns (up to ``most``) as the labels leave room for: three columns
    beside the SPM-LS's "Pejabat Penandatangan Surat Perintah Membayar" ran the last one
    ("median melewati norma") off the picture's right edge. matplotlib splits the entries
    into ``ncol`` nearly equal columns, the first ones the longer (``numpy.array_split``),
    each as wide as its widest label."""
    em = points * DPI / 72
    face = _face("regular", points)
    entry = (_LEGEND_HANDLE_EM + _LEGEND_PAD_EM) * em
    for columns in range(min(most, len(labels)), 1, -1):
        size, extra = divmod(len(labels), columns)
        widths, start = [], 0
        for column in range(columns):
            end = start + size + (1 if column < extra else 0)
            widths.append(max(face.width(label) for label in labels[start:end]) + entry)
            start = end
        if sum(widths) + (columns - 1) * _LEGEND_GAP_EM * em <= _LEGEND_ROOM:
            return columns
    return 1


def _bare(ax: Any, *sides: str) -> None:
    for side in sides:
        ax.spines[side].set_visible(False)


def _draw_report(data: ReportChart) -> bytes:
    _matplotlib()
    from matplotlib.patches import Patch

    rows = data.rows
    returned = [r for r in rows if r.returns > 0]
    step_h, ret_row, state_row = 0.62, 0.95, 0.6
    head_h = 1.95
    roles = dict.fromkeys((r.role, r.colour) for r in rows if r.visits and r.norm > 0)
    legend_labels = _legend_labels([role for role, _ in roles] + [t.CHART_MEDIAN_LATE], 13)
    legend_columns = _legend_columns(legend_labels, 13)
    legend_rows = -(-len(legend_labels) // legend_columns)
    time_h = 0.75 + step_h * len(rows) + 1.45 + 0.32 * legend_rows
    ret_h = 0.75 + (ret_row * len(returned) + 0.2 if returned else 0.5) + 0.4
    state_h = 0.75 + state_row * len(data.states) + 0.9
    page = _Page(head_h + time_h + ret_h + state_h)
    page.text(0.03, 0.6, data.heading, fontsize=26, weight="bold", color=INK)
    page.text(0.03, 1.05, _cut(data.subtitle, 64), fontsize=17, color=INK)
    page.text(0.03, 1.48, data.period, fontsize=15, color=GREY)
    left, width = 0.32, 0.33  # room for "Langkah 12 · Fungsional Umum"
    values_x = left + width + 0.02

    # 1. working time per step against its norm (percent of the norm)
    top = head_h
    page.text(0.03, top + 0.3, t.CHART_TIME_HEADING, fontsize=19,
              weight="bold", color=INK)  # fmt: skip
    page.text(values_x, top + 0.62, t.CHART_TIME_FIGURES, fontsize=12,
              color=GREY)  # fmt: skip
    ax = page.axes(left, top + 0.75, width, step_h * len(rows))
    cap = 300.0
    # the figures right of the bars, on two lines where one would run off the picture (a
    # drafting step of days: "9 hari 5 jam 35 menit | 14 hari 1 jam 45 menit (2)")
    figures_x, figures_face = 1.04, _face("regular", 12)
    room = (0.985 - left - figures_x * width) * WIDTH_IN * DPI
    for i, r in enumerate(rows):
        if r.visits == 0 or r.norm <= 0:
            # over the norm line (zorder), on the axes' white: the line stops at the note
            # rather than striking it through
            ax.text(4, i, t.CHART_NO_DATA if r.visits == 0 else t.CHART_NO_NORM,
                    va="center", fontsize=13, color=GREY, zorder=3,
                    bbox={"facecolor": ax.get_facecolor(), "edgecolor": "none",
                          "pad": 2})  # fmt: skip
            continue
        med, high = 100 * r.median / r.norm, 100 * r.p90 / r.norm
        ax.barh(i, min(high, cap), height=0.6, color=r.colour, alpha=0.3, lw=0)
        ax.barh(i, min(med, cap), height=0.6, color=LATE if med > 100 else r.colour, lw=0)
        if high > cap:
            ax.text(cap, i, "»", va="center", ha="right", fontsize=18, color=INK)
        figures = f"{durasi(r.median)} | {durasi(r.p90)} ({r.visits})"
        if figures_face.width(figures) > room:
            figures = f"{durasi(r.median)} |\n{durasi(r.p90)} ({r.visits})"
        ax.text(figures_x, i, figures, va="center", fontsize=12, color=INK, linespacing=1.1,
                transform=ax.get_yaxis_transform(), clip_on=False)  # fmt: skip
    ax.axvline(100, color=INK, lw=2, zorder=2)
    ax.set_xlim(0, cap)
    ax.set_xticks([0, 100, 200, 300], ["0%", "100%", "200%", "300%"], fontsize=13)
    ax.set_yticks(range(len(rows)), [_step_label(r.label, left) for r in rows], fontsize=14)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    _bare(ax, "right", "top")
    ax.set_xlabel(t.CHART_TIME_AXIS, fontsize=13, color=GREY)
    # the legend names what the bars show: a colour per role, orange past the norm
    axis_bottom = top + 0.75 + step_h * len(rows)
    page.text(0.03, axis_bottom + 0.95,
              t.CHART_TIME_LEGEND,
              fontsize=13, color=GREY)  # fmt: skip
    colours = [colour for _, colour in roles] + [LATE]
    page.fig.legend(
        handles=[Patch(color=c, label=label) for c, label in zip(colours, legend_labels, strict=True)],
        loc="upper left", ncol=legend_columns, fontsize=13, frameon=False,
        bbox_to_anchor=(0.03, 1 - (axis_bottom + 1.05) / page.height),
    )  # fmt: skip

    # 2. returns per step, with the most frequent reason
    top += time_h
    page.text(0.03, top + 0.3, t.CHART_RETURNS_HEADING, fontsize=19, weight="bold",
              color=INK)  # fmt: skip
    if returned:
        ax = page.axes(left, top + 0.75, width, ret_row * len(returned))
        most = max(r.returns for r in returned)
        for i, r in enumerate(returned):
            ax.barh(i - 0.12, r.returns, height=0.4, color=RETURN, lw=0)
            ax.text(r.returns + most * 0.03, i - 0.12, t.CHART_RETURNS.format(count=r.returns), va="center",
                    fontsize=14)  # fmt: skip
            if r.reason:
                ax.text(0.01, i + 0.3, t.CHART_RETURNS_REASON.format(reason=_cut(r.reason, 62)), va="center",
                        fontsize=12, style="italic", color=GREY, clip_on=False,
                        transform=ax.get_yaxis_transform())  # fmt: skip
        ax.set_yticks([i - 0.12 for i in range(len(returned))], [_step_label(r.label, left) for r in returned],
                      fontsize=14)  # fmt: skip
        ax.set_ylim(len(returned) - 0.4, -0.5)
        ax.set_xlim(0, most * 1.35)
        ax.set_xticks([])
        _bare(ax, "right", "top", "bottom")
    else:
        page.text(0.05, top + 0.85, t.CHART_NO_RETURNS, fontsize=15,
                  color=GREY)  # fmt: skip

    # 3. cases by state
    top += ret_h
    page.text(0.03, top + 0.3, t.CHART_STATES_HEADING, fontsize=19, weight="bold", color=INK)
    ax = page.axes(left, top + 0.75, width, state_row * len(data.states))
    most = max((n for _, n, _ in data.states), default=0) or 1
    for i, (_label, count, colour) in enumerate(data.states):
        ax.barh(i, count, height=0.55, color=colour, lw=0)
        ax.text(count + most * 0.03, i, angka(count), va="center", fontsize=15)
    ax.set_yticks(range(len(data.states)), [s[0] for s in data.states], fontsize=14)
    ax.set_ylim(len(data.states) - 0.5, -0.5)
    ax.set_xlim(0, most * 1.3)
    ax.set_xticks([])
    _bare(ax, "right", "top", "bottom")
    page.text(0.03, top + state_h - 0.3,
              t.CHART_OVERDUE.format(count=angka(data.overdue)), fontsize=15,
              weight="bold", color=LATE if data.overdue else INK)  # fmt: skip
    return _png(page.fig)


def _fitted(face: _Face, text: str, room: float) -> str:
    """``text`` cut with "…" until it is at most ``room`` pixels wide in ``face``."""
    while face.width(text) > room and len(text) > 2:
        text = text[:-2].rstrip() + "…"
    return text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
