"""Indonesian dates, times and numbers as written on official papers, in the office's zone.

A calendar date is written without a zone: ``tanggal(date(2026, 11, 28))`` -> "28 November
2026", ``hari_tanggal(...)`` -> "Sabtu, 28 November 2026". A moment (a datetime) has a date
and a time only in a time zone, so it is written through the office's :class:`OfficeZone`
(``time.timezone`` of the config): ``zone.jam(moment)`` -> "14.05 WITA" (Indonesian writes
time with a dot), ``zone.tanggal(moment)`` -> the date of that moment in the office.

An event at 18.30 UTC on 4 December 2026 is 01.30 WIB on 5 December: every paper of an
office in Jakarta says "5 Desember 2026". A date is therefore never taken from a datetime
with ``.date()`` (that is the date in the datetime's own zone, UTC for stored events) but
with ``zone.day(moment)``; :func:`tanggal` refuses a datetime for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "BULAN",
    "DEFAULT_ZONE",
    "HARI",
    "HARI_KERJA",
    "WIB",
    "OfficeZone",
    "angka",
    "durasi",
    "hari_tanggal",
    "persen",
    "tanggal",
]

# A fixed UTC+7 tzinfo named WIB, for writing a moment in Western Indonesian Time (samples,
# tests). Papers take their zone from the config through OfficeZone.
WIB = timezone(timedelta(hours=7), "WIB")

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
# Monday first, as date.weekday() counts.
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

# Indonesia's three zones by their IANA names (Ujung_Pandang is the old name of Makassar).
INDONESIAN_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


@dataclass(frozen=True)
class OfficeZone:
    """The office's time zone (an IANA name) and the label written after a time."""

    name: str
    tz: tzinfo = field(compare=False, repr=False)

    @classmethod
    def named(cls, name: str) -> OfficeZone:
        """The zone of an IANA name ("Asia/Makassar"); ZoneInfoNotFoundError if unknown."""
        return cls(name, ZoneInfo(name))

    def local(self, moment: datetime) -> datetime:
        """The moment on the office's clock. A naive datetime is taken as office time."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def day(self, moment: datetime) -> date:
        """The office's calendar date of a moment (not the date in the moment's own zone)."""
        return self.local(moment).date()

    def label(self, moment: datetime) -> str:
        """ "WIB", "WITA", "WIT" in Indonesia; elsewhere the offset then: "UTC+09:30"."""
        known = INDONESIAN_LABELS.get(self.name)
        if known is not None:
            return known
        offset = self.local(moment).utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, rest = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours:02d}:{rest:02d}"

    def jam(self, moment: datetime) -> str:
        """ "14.05 WIB"."""
        t = self.local(moment)
        return f"{t.hour:02d}.{t.minute:02d} {self.label(moment)}"

    def tanggal(self, moment: datetime) -> str:
        """ "5 Desember 2026": the office's date of the moment."""
        return tanggal(self.day(moment))

    def hari_tanggal(self, moment: datetime) -> str:
        """ "Sabtu, 5 Desember 2026"."""
        return hari_tanggal(self.day(moment))

    def tanggal_jam(self, moment: datetime) -> str:
        """ "5 Desember 2026 pukul 01.30 WIB"."""
        return f"{self.tanggal(moment)} pukul {self.jam(moment)}"


DEFAULT_ZONE = OfficeZone.named("Asia/Jakarta")


def _calendar_date(d: date) -> date:
    if isinstance(d, datetime):
        raise TypeError(
            "a datetime has a date only in a time zone: use OfficeZone.tanggal(moment) "
            "or OfficeZone.day(moment)"
        )
    return d


def tanggal(d: date) -> str:
    """ "28 November 2026" (no leading zero on the day), of a calendar date."""
    d = _calendar_date(d)
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def hari_tanggal(d: date) -> str:
    """ "Sabtu, 28 November 2026", of a calendar date."""
    d = _calendar_date(d)
    return f"{HARI[d.weekday()]}, {tanggal(d)}"


def angka(n: int) -> str:
    """Thousands grouped with dots: 4800 -> "4.800", -1250 -> "-1.250"."""
    return f"{n:,}".replace(",", ".")


def persen(part: int, whole: int) -> str:
    """A share in whole percent, a half rounded up as readers (and spreadsheets) round it:
    1 of 8 -> "13%" (not the "12%" of Python's round-half-to-even)."""
    return f"{(200 * part + whole) // (2 * whole)}%"


HARI_KERJA = 480
"""Working minutes of one "hari" in every text, paper and picture: 8 working hours. It is
the unit the SOP's Mutu Baku norms are written in ("1 hari" is imported as 480 minutes,
``/tunda 1h`` snoozes 480), whatever the office hours of ``time.day_start``-``day_end``:
working time itself is counted on those hours (bot/worktime.py), minute by minute."""


def durasi(minutes: float, *, kerja: bool = False) -> str:
    """Working time in words, to the minute: "1 hari 20 menit", "2 hari 3 jam 5 menit",
    "4 jam", "45 menit" (a "hari" is :data:`HARI_KERJA` minutes); with ``kerja`` as the
    chat says it: "1 hari kerja 20 menit", "4 jam kerja", "3 jam 20 menit kerja". A
    fraction of a minute (a median of an even count) is rounded, a half up. The one
    writer of durations: the chat (``texts.minutes_text``), the pictures and the papers."""
    m = max(0, int(minutes + 0.5))
    days, rest = divmod(m, HARI_KERJA)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{angka(days)} hari kerja" if kerja else f"{angka(days)} hari")
    if hours:
        parts.append(f"{hours} jam")
    if mins or not parts:
        parts.append(f"{mins} menit")
    if kerja and not days:  # "4 jam kerja", as "1 hari kerja": the office's hours
        parts[-1] += " kerja"
    return " ".join(parts)
