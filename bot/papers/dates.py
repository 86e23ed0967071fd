"""Indonesian dates, times and numbers as written on official papers.

``tanggal(date(2026, 11, 28))`` -> "28 November 2026";
``hari_tanggal(...)`` -> "Sabtu, 28 November 2026"; ``jam(datetime(..., 14, 5))`` -> "14.05 WIB"
(Indonesian writes time with a dot). Aware datetimes are converted to WIB (UTC+7, no daylight
saving, so a fixed offset is exact); naive ones are taken as WIB already.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

__all__ = [
    "BULAN",
    "HARI",
    "WIB",
    "angka",
    "hari_tanggal",
    "jam",
    "tanggal",
    "tanggal_jam",
    "to_wib",
]

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


def to_wib(dt: datetime) -> datetime:
    """An aware datetime in WIB; a naive one is returned as it is (taken as WIB)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt
    return dt.astimezone(WIB)


def _day(d: date) -> date:
    return to_wib(d).date() if isinstance(d, datetime) else d


def tanggal(d: date) -> str:
    """ "28 November 2026" (no leading zero on the day)."""
    d = _day(d)
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def hari_tanggal(d: date) -> str:
    """ "Sabtu, 28 November 2026"."""
    d = _day(d)
    return f"{HARI[d.weekday()]}, {tanggal(d)}"


def jam(dt: datetime) -> str:
    """ "14.05 WIB"."""
    t = to_wib(dt)
    return f"{t.hour:02d}.{t.minute:02d} WIB"


def tanggal_jam(dt: datetime) -> str:
    """ "28 November 2026 pukul 14.05 WIB"."""
    return f"{tanggal(dt)} pukul {jam(dt)}"


def angka(n: int) -> str:
    """Thousands grouped with dots: 4800 -> "4.800", -1250 -> "-1.250"."""
    return f"{n:,}".replace(",", ".")
