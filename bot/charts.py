"""Pictures of the figures of :mod:`bot.stats`: a case's timeline and the SOP report chart.

Two layers. :func:`timeline` and :func:`report_chart` are pure: they turn visits or report
figures into a :class:`Timeline` / :class:`ReportChart` of plain labels and numbers, in
Indonesian, dates as Indonesians write them. :func:`render_timeline` and
:func:`render_report` draw those with matplotlib (Agg, no screen) into PNG bytes; they are
blocking, and the bot runs them through ``asyncio.to_thread``. matplotlib is imported
inside them, so the bot's start-up and memory do not pay for it until a chart is drawn.

The pictures are made for a phone: 1080 px wide, large type, one row per step visit, at
most :data:`MAX_ROWS` rows (the latest ones).
"""

from __future__ import annotations

import gc
import io
import textwrap
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.definition import SopDefinition
from bot.papers.dates import BULAN, OfficeZone, angka
from bot.stats import CaseState, Exit, Report, Visit, role_label, short_reason
from bot.worktime import WorkCalendar

__all__ = [
    "MAX_ROWS",
    "ChartRenderer",
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
DAY = 480  # working minutes of a working day (08.00-16.00), for the axis

# Okabe-Ito colours (distinguishable with colour-blindness), one per role in SOP order.
ROLE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#999999")
LATE = "#D55E00"
RETURN = "#C0392B"
NORM = "#D9D9D9"
INK = "#222222"
GREY = "#666666"

ChartRenderer = Callable[[Any], bytes]
"""What Services hold to draw a chart: render_timeline / render_report (or a stand-in)."""


def durasi(minutes: float) -> str:
    """Working time, short: "2 hari 3 jam", "3 jam 20 mnt", "45 mnt" (1 hari = 480 mnt)."""
    m = max(0, round(minutes))
    days, rest = divmod(m, DAY)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} hari" + (f" {hours} jam" if hours else "")
    if hours:
        return f"{hours} jam" + (f" {mins} mnt" if mins else "")
    return f"{mins} mnt"


def tanggal_pendek(moment: datetime, zone: OfficeZone) -> str:
    """ "3 Des 2026"."""
    d = zone.day(moment)
    return f"{d.day} {BULAN[d.month - 1][:3]} {d.year}"


# -- timeline --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    step: int
    label: str  # "L2 · Kabag · Budi Santoso"
    time_text: str  # "3 jam 20 mnt / norma 1 hari"
    colour: str
    start: int  # working minutes since the case started
    minutes: int
    norm: int
    is_open: bool
    returned_to: int | None  # the step a return sent the case back to
    reason: str  # the return's reason, short


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
    names: Mapping[int, str],
    now: datetime,
    current_holders: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> Timeline:
    """The timeline of one case: a row per visit, placed on the case's working time."""
    colours = role_colours(definition)

    def role_name(role: str) -> str:
        return definition.role(role).name if definition.has_role(role) else role or "-"

    rows = []
    start = 0
    for visit in visits:
        name = role_name(visit.role)
        if visit.is_open:
            who = ", ".join(current_holders)
        else:
            who = names.get(visit.holder, "") if visit.holder is not None else ""
        label = " · ".join(
            part for part in (f"L{visit.step}", role_label(visit, name), who) if part
        )
        norm = f"norma {durasi(visit.norm)}" if visit.norm > 0 else "tanpa norma"
        if visit.is_open:
            time_text = f"menunggu {durasi(visit.minutes)} / {norm}"
        else:
            time_text = f"{durasi(visit.minutes)} / {norm}"
        returned = visit.exit is Exit.RETURNED
        rows.append(
            TimelineRow(
                step=visit.step,
                label=label,
                time_text=time_text,
                colour=colours.get(visit.role, ROLE_COLOURS[-1]),
                start=start,
                minutes=visit.minutes,
                norm=visit.norm,
                is_open=visit.is_open,
                returned_to=visit.to_step if returned else None,
                reason=short_reason(visit.reason, 70) if returned else "",
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
        late = " — melewati norma" if last.over_norm else ""
        status = (
            f"Posisi sekarang: langkah {last.step} ({role_name(last.role)}), menunggu "
            f"{durasi(last.minutes)} waktu kerja sejak {tanggal_pendek(last.entered, zone)} "
            f"pukul {zone.jam(last.entered)}{late}"
        )
    elif last.exit is Exit.CANCELLED:
        status = f"Dibatalkan pada {tanggal_pendek(last.left or now, zone)}"
    else:
        status = f"Selesai dan diarsipkan pada {tanggal_pendek(last.left or now, zone)}"
    return Timeline(
        heading=f"Berkas #{case_id} · Linimasa Langkah",
        title=title,
        note=f"Keadaan per {zone.tanggal_jam(now)} · dalam waktu kerja, di luar hari libur",
        rows=tuple(shown),
        ticks=ticks,
        legend=legend,
        hidden=hidden,
        status=status,
    )


def _ticks(
    first: datetime, end: int, calendar: WorkCalendar, zone: OfficeZone
) -> tuple[tuple[int, str], ...]:
    """Up to seven ticks at whole working days since the start, labelled by their date."""
    days = max(1, -(-end // DAY))
    every = max(1, -(-days // 6))
    ticks = []
    for k in range(0, days + 1, every):
        moment = calendar.next_working_moment(calendar.add_working_minutes(first, k * DAY))
        d = zone.day(moment)
        ticks.append((k * DAY, f"{d.day} {BULAN[d.month - 1][:3]}"))
    return tuple(ticks)


# -- report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    step: int
    label: str  # "L2 Kabag"
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
    CaseState.ON_TIME: ("Berjalan, sesuai norma", "#009E73"),
    CaseState.LATE: ("Berjalan, melewati norma", LATE),
    CaseState.ARCHIVED: ("Selesai (diarsipkan)", "#0072B2"),
    CaseState.CANCELLED: ("Dibatalkan", "#999999"),
}


def report_chart(figures: Report, definition: SopDefinition, period_text: str) -> ReportChart:
    colours = role_colours(definition)
    rows = tuple(
        ReportRow(
            step=s.step,
            label=f"L{s.step} {definition.role(s.role).name if definition.has_role(s.role) else s.role}",
            colour=colours.get(s.role, ROLE_COLOURS[-1]),
            visits=s.visits,
            median=s.median,
            p90=s.p90,
            norm=s.norm,
            returns=s.returns,
            reason=short_reason(s.reasons[0][0], 60) if s.reasons else "",
        )
        for s in figures.steps
    )
    states = tuple(
        (label, figures.states.get(state, 0), colour)
        for state, (label, colour) in STATE_LABELS.items()
    )
    return ReportChart(
        heading="Evaluasi Penerapan SOP",
        subtitle=definition.header.name,
        period=period_text,
        rows=rows,
        states=states,
        overdue=len(figures.overdue),
    )


# -- drawing ---------------------------------------------------------------------------

_LOCK = threading.Lock()  # matplotlib is not thread-safe; charts are drawn one at a time


@contextmanager
def _drawing() -> Iterator[None]:
    """One chart at a time, its garbage collected as soon as it is drawn.

    A picture leaves about 9,000 objects in reference cycles (figure, axes, artists,
    the renderer's buffers: some 11 MB). Collected the usual way, they reach the oldest
    generation before a full collection finds them, so a few pictures in a row grew the
    bot by 60 MB. With the automatic collector paused while the picture is drawn, they
    are all still young afterwards, and collecting the young generations frees them for
    about 3 ms (a full collection: about 60 ms)."""
    with _LOCK:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()
            gc.collect(1)


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
    """The figure drawn once by Agg and written as a PNG of 64 colours at zlib's fastest
    level: a chart of a few flat colours and anti-aliased text looks the same, and the
    palette image is less than half the bytes of an RGB one, written in less time.

    The palette is chosen from every third pixel of every third row (the pixels as drawn,
    not blends of them): a chart's colours cover large areas, and choosing from a ninth of
    the picture halves the time of the quantization, for the same picture."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(DPI)
    fig.patch.set_facecolor("white")
    canvas: Any = FigureCanvasAgg(fig)  # matplotlib's own methods carry no type hints
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    rgb = image.convert("RGB")
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
    """Import matplotlib and draw a small picture once (blocking: the drawing thread runs it
    at start-up). The first picture of a process cost about 300 ms of CPU more than the next
    ones (the import, the fonts, Agg, PNG): paid here, the first ``/status`` after a start
    does not wait for it. Returns the PNG."""
    with _drawing():
        _matplotlib()
        from matplotlib.figure import Figure

        page = Figure(figsize=(2.0, 0.6))
        page.text(0.05, 0.6, "Lini waktu", fontsize=18, weight="bold", color=INK)
        page.text(0.05, 0.2, "per hari ini", fontsize=15, color=GREY)
        return _png(page)


def render_timeline(data: Timeline) -> bytes:
    """The timeline as a PNG, 1080 px wide (blocking: run it in a worker thread)."""
    with _drawing():
        return _draw_timeline(data)


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

    def legend(self, entries: Sequence[tuple[str, str, str]], columns: int, bottom: float) -> None:
        """A legend of (``"box"`` | ``"line"``, colour, name) entries in columns filled top
        to bottom, its last row ``bottom`` inches above the foot of the page. Plain patches
        and text: matplotlib's Legend lays its boxes out again on every draw, a seventh of
        a timeline's time."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Rectangle

        rows = -(-len(entries) // columns)
        column_w = 0.94 / columns
        handle_w, handle_h = 0.233 / WIDTH_IN, 0.136 / self.height  # 1.2 em by 0.7 em
        for i, (shape, colour, name) in enumerate(entries):
            column, row = divmod(i, rows)
            x = 0.03 + column * column_w
            y = (bottom + (rows - 1 - row) * 0.27) / self.height
            handle: Any
            if shape == "line":
                handle = Line2D([x, x + handle_w], [y, y], color=colour, lw=3)
            else:
                handle = Rectangle((x, y - handle_h / 2), handle_w, handle_h, color=colour, lw=0)
            handle.set_transform(self.fig.transFigure)
            self.fig.add_artist(handle)
            self.fig.text(x + handle_w + 0.0145, y, _cut(name, 26), fontsize=14, va="center",
                          color=INK)  # fmt: skip


def _time_axis(ax: Any, ticks: Sequence[tuple[int, str]], bottom: float) -> None:
    """The working-day axis under the rows of ``ax`` (x in minutes, y in inches down to
    ``bottom``), drawn as plain artists: grid lines, the base line, ticks and their dates.
    matplotlib's Axis objects (ticks laid out on every draw) were a sixth of a timeline's
    time for four to seven dates."""
    from matplotlib.lines import Line2D

    ax.set_axis_off()
    across = ax.get_yaxis_transform()  # x in axes fraction, y in data (inches)
    xs = [x for x, _ in ticks]
    tick = 3.5 / 72  # matplotlib's tick length and label pad: 3.5 pt
    ax.vlines(xs, 0, bottom, color="#EEEEEE", lw=1, zorder=0.5)
    ax.add_artist(Line2D([0, 1], [bottom, bottom], transform=across, color=GREY, lw=0.8,
                         clip_on=False))  # fmt: skip
    ax.vlines(xs, bottom, bottom + tick, color=INK, lw=0.8, clip_on=False)
    for x, label in ticks:
        ax.text(x, bottom + 2 * tick, label, fontsize=16, ha="center", va="top", color=INK)
    ax.text(0.5, bottom + 0.38, "Hari kerja sejak berkas diajukan (tanggal)", fontsize=16,
            ha="center", va="top", color=GREY, transform=across)  # fmt: skip


def _draw_timeline(data: Timeline) -> bytes:
    _matplotlib()
    from matplotlib.patches import FancyArrowPatch, Rectangle

    row_h, reason_h = 0.82, 0.4  # inches
    heights = [row_h + (reason_h if r.returned_to is not None else 0) for r in data.rows]
    title_lines = textwrap.wrap(data.title, 58)[:2] or [""]
    head_h = 1.55 + 0.4 * len(title_lines) + (0.35 if data.hidden else 0)
    body_h = max(sum(heights), row_h)
    foot_h = 2.9
    page = _Page(head_h + body_h + foot_h)
    page.text(0.03, 0.6, data.heading, fontsize=26, weight="bold", color=INK)
    top = 0.6
    for line in title_lines:
        top += 0.4
        page.text(0.03, top, line, fontsize=19, color=INK)
    top += 0.42
    page.text(0.03, top, data.note, fontsize=15, color=GREY)
    if data.hidden:
        top += 0.35
        page.text(0.03, top, f"({data.hidden} kunjungan langkah sebelumnya tidak ditampilkan)",
                  fontsize=14, color=GREY)  # fmt: skip

    left, right = 0.075, 0.97
    ax = page.axes(left, head_h, right - left, body_h)
    reach = max((r.start + max(r.minutes, r.norm, 1) for r in data.rows), default=DAY)
    xmax = max(reach, data.ticks[-1][0] if data.ticks else 0) * 1.02
    ax.set_xlim(0, xmax)
    ax.set_ylim(body_h, 0)  # inches from the top: rows go down
    _time_axis(ax, data.ticks, body_h)
    across = ax.get_yaxis_transform()  # x in axes fraction, y in data (inches)

    y = 0.0
    centres = []
    min_w = xmax * 0.004
    bars: list[Any] = []  # in drawing order
    norm_marks: list[tuple[float, float]] = []  # (x, y of the bar) where a norm ends
    for row, h in zip(data.rows, heights, strict=True):
        text_y, bar_y = y + 0.26, y + 0.58
        centres.append(bar_y)
        late = row.norm > 0 and row.minutes > row.norm
        ax.text(0, text_y, _cut(row.label, 46), fontsize=17, va="center", ha="left",
                color=INK, transform=across)  # fmt: skip
        ax.text(1, text_y, row.time_text, fontsize=15, va="center", ha="right",
                color=LATE if late else GREY, transform=across,
                weight="bold" if late or row.is_open else "normal")  # fmt: skip
        if row.norm > 0:
            bars.append(Rectangle((row.start, bar_y - 0.17), row.norm, 0.34, color=NORM, lw=0))
            norm_marks.append((row.start + row.norm, bar_y))
        within = min(row.minutes, row.norm) if row.norm > 0 else row.minutes
        fade = 0.6 if row.is_open else 1.0
        bars.append(
            Rectangle((row.start, bar_y - 0.12), max(within, min_w), 0.24, facecolor=row.colour,
                      lw=0, hatch="//" if row.is_open else None, alpha=fade)
        )  # fmt: skip
        if late:
            bars.append(
                Rectangle((row.start + row.norm, bar_y - 0.12), row.minutes - row.norm, 0.24,
                          facecolor=LATE, lw=0, alpha=fade, hatch="//" if row.is_open else None)
            )  # fmt: skip
        if row.returned_to is not None:
            ax.text(0, y + row_h + 0.08, f"dikembalikan ke L{row.returned_to}: {_cut(row.reason, 64)}",
                    fontsize=14, style="italic", color=RETURN, va="center", ha="left",
                    transform=across)  # fmt: skip
        y += h
    # the limits are set above: add_artist skips add_patch's data-limit update, a fifth of
    # the drawing's time for a long case
    for bar in bars:
        ax.add_artist(bar)
    if norm_marks:
        xs, ys = zip(*norm_marks, strict=True)
        ax.vlines(xs, [y - 0.22 for y in ys], [y + 0.22 for y in ys], color=INK, lw=2)
    for i, row in enumerate(data.rows[:-1]):
        if row.returned_to is None:
            continue
        arrow = FancyArrowPatch(
            (-0.025, centres[i]), (-0.025, centres[i + 1]), transform=across,
            connectionstyle="arc3,rad=0.6", arrowstyle="-|>", mutation_scale=24,
            color=RETURN, lw=3, clip_on=False,
        )  # fmt: skip
        ax.add_patch(arrow)

    top = head_h + body_h + 1.2
    for line in textwrap.wrap(data.status, 66)[:2]:
        page.text(0.03, top, line, fontsize=15, color=INK, weight="bold")
        top += 0.32
    entries: list[tuple[str, str, str]] = [("box", colour, name) for name, colour in data.legend]
    entries += [("box", NORM, "norma waktu"), ("box", LATE, "melewati norma"),
                ("line", RETURN, "dikembalikan")]  # fmt: skip
    page.legend(entries, columns=3, bottom=0.25)
    return _png(page.fig)


def render_report(data: ReportChart) -> bytes:
    """The report chart as a PNG, 1080 px wide (blocking: run it in a worker thread)."""
    with _drawing():
        return _draw_report(data)


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
    time_h = 0.75 + step_h * len(rows) + 1.35
    ret_h = 0.75 + (ret_row * len(returned) + 0.2 if returned else 0.5) + 0.4
    state_h = 0.75 + state_row * len(data.states) + 0.9
    page = _Page(head_h + time_h + ret_h + state_h)
    page.text(0.03, 0.6, data.heading, fontsize=26, weight="bold", color=INK)
    page.text(0.03, 1.05, _cut(data.subtitle, 64), fontsize=17, color=INK)
    page.text(0.03, 1.48, data.period, fontsize=15, color=GREY)
    left, width = 0.27, 0.38
    values_x = left + width + 0.02

    # 1. working time per step against its norm (percent of the norm)
    top = head_h
    page.text(0.03, top + 0.3, "Waktu kerja per langkah terhadap norma", fontsize=19,
              weight="bold", color=INK)  # fmt: skip
    page.text(values_x, top + 0.62, "median | p90 (n)", fontsize=12, color=GREY)
    ax = page.axes(left, top + 0.75, width, step_h * len(rows))
    cap = 300.0
    for i, r in enumerate(rows):
        if r.visits == 0 or r.norm <= 0:
            ax.text(4, i, "belum ada data" if r.visits == 0 else "tanpa norma",
                    va="center", fontsize=13, color=GREY)  # fmt: skip
            continue
        med, high = 100 * r.median / r.norm, 100 * r.p90 / r.norm
        ax.barh(i, min(high, cap), height=0.6, color=r.colour, alpha=0.3, lw=0)
        ax.barh(i, min(med, cap), height=0.6, color=LATE if med > 100 else r.colour, lw=0)
        if high > cap:
            ax.text(cap, i, "»", va="center", ha="right", fontsize=18, color=INK)
        ax.text(1.04, i, f"{durasi(r.median)} | {durasi(r.p90)} ({r.visits})", va="center",
                fontsize=12, color=INK, transform=ax.get_yaxis_transform(), clip_on=False)  # fmt: skip
    ax.axvline(100, color=INK, lw=2)
    ax.set_xlim(0, cap)
    ax.set_xticks([0, 100, 200, 300], ["0%", "100%", "200%", "300%"], fontsize=13)
    ax.set_yticks(range(len(rows)), [r.label for r in rows], fontsize=14)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    _bare(ax, "right", "top")
    ax.set_xlabel("persen dari norma waktu (garis hitam = norma)", fontsize=13, color=GREY)
    page.fig.legend(
        handles=[
            Patch(color=GREY, label="median"),
            Patch(color=GREY, alpha=0.3, label="persentil ke-90"),
            Patch(color=LATE, label="median melewati norma"),
        ],
        loc="upper left", ncol=3, fontsize=13, frameon=False,
        bbox_to_anchor=(0.03, 1 - (top + time_h - 0.45) / page.height),
    )  # fmt: skip

    # 2. returns per step, with the most frequent reason
    top += time_h
    page.text(0.03, top + 0.3, "Pengembalian untuk perbaikan", fontsize=19, weight="bold",
              color=INK)  # fmt: skip
    if returned:
        ax = page.axes(left, top + 0.75, width, ret_row * len(returned))
        most = max(r.returns for r in returned)
        for i, r in enumerate(returned):
            ax.barh(i - 0.12, r.returns, height=0.4, color=RETURN, lw=0)
            ax.text(r.returns + most * 0.03, i - 0.12, f"{r.returns} kali", va="center",
                    fontsize=14)  # fmt: skip
            if r.reason:
                ax.text(0.01, i + 0.3, f"terbanyak: {_cut(r.reason, 62)}", va="center",
                        fontsize=12, style="italic", color=GREY, clip_on=False,
                        transform=ax.get_yaxis_transform())  # fmt: skip
        ax.set_yticks([i - 0.12 for i in range(len(returned))], [r.label for r in returned],
                      fontsize=14)  # fmt: skip
        ax.set_ylim(len(returned) - 0.4, -0.5)
        ax.set_xlim(0, most * 1.35)
        ax.set_xticks([])
        _bare(ax, "right", "top", "bottom")
    else:
        page.text(0.05, top + 0.85, "Tidak ada pengembalian dalam periode ini.", fontsize=15,
                  color=GREY)  # fmt: skip

    # 3. cases by state
    top += ret_h
    page.text(0.03, top + 0.3, "Keadaan berkas", fontsize=19, weight="bold", color=INK)
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
              f"Melewati norma saat ini: {angka(data.overdue)} berkas", fontsize=15,
              weight="bold", color=LATE if data.overdue else INK)  # fmt: skip
    return _png(page.fig)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
