"""Drawing the timeline of a case: a real picture, and nothing left behind for the
process to carry (the bot draws in a long-running process with a 200 MB budget)."""

from __future__ import annotations

import gc
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from bot import charts, stats
from bot.core.loader import load_definition
from bot.core.model import Event, EventType
from bot.papers.dates import OfficeZone
from bot.worktime import WorkCalendar, WorkSchedule

ROOT = Path(__file__).resolve().parents[1]
SOP = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkCalendar(WorkSchedule(country_holidays=None))
KASUBAG, KABAG = 1, 2


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
    now = at(4, 13)
    return charts.timeline(
        case_id=7,
        title="Program Kerja TA 2027",
        visits=stats.visits(events, SOP, CALENDAR, now),
        definition=SOP,
        calendar=CALENDAR,
        zone=OfficeZone.named("Asia/Jakarta"),
        names={KASUBAG: "Dra. Siti Rahmawati, M.M.", KABAG: "Budi Santoso, S.E., M.Si."},
        now=now,
    )


def test_the_timeline_is_a_phone_wide_picture_with_ink_on_it() -> None:
    image = Image.open(io.BytesIO(charts.render_timeline(returned_once())))
    assert image.format == "PNG"
    assert image.width == 1080 and image.height > 600
    colours = image.convert("RGB").getcolors(maxcolors=64) or []
    assert len(colours) > 8  # roles, norms, the return arrow, text: not a blank page


def test_drawing_leaves_no_garbage_for_the_full_collector() -> None:
    data = returned_once()
    charts.render_timeline(data)  # matplotlib imported, its caches filled
    gc.collect()
    for _ in range(3):
        charts.render_timeline(data)
    # Without the collection that follows each picture, each left some 9,000 objects in
    # reference cycles (about 11 MB) for the next full collection.
    assert gc.collect() < 500
    assert gc.isenabled()
