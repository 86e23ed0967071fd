"""Mutu Baku "Waktu" into working minutes: '30 menit', '2 jam', '1 hari' (one day = 480).

Written as forms write it: the number spelled out too ('1 (satu) hari'), a day as
'1 x 24 jam' or '24 jam' (one working day: hours in whole days are days), two units ('1 jam 30 menit'), a half ('½ hari', '1/2 hari'),
a limit ('Max 1 hari', 'maksimal 2 jam', 'paling lambat 1 hari': the norm is that limit),
an estimate ('± 2 jam', 'sekitar 1 hari': that number, with a note asking to confirm it).
A cell with only a unit ('menit') or nothing gives no number: the step gets the project's
default for its kind (README, "Default time norms") and a guess the reviewer must confirm.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.sopimport import texts as t

WORKING_DAY_MINUTES = 480  # 08.00-16.00, as bot/worktime.py counts a working day

# The project's defaults by step kind, in working minutes (README: "Default time norms").
DEFAULT_MINUTES = {"action": 240, "review": 480, "team": 480, "upload": 4800, "archive": 240}

_UNITS = {
    "menit": 1, "mnt": 1,
    "jam": 60, "jm": 60,
    "hari": WORKING_DAY_MINUTES, "hr": WORKING_DAY_MINUTES, "hk": WORKING_DAY_MINUTES,
    "minggu": 5 * WORKING_DAY_MINUTES, "pekan": 5 * WORKING_DAY_MINUTES,
    "mgg": 5 * WORKING_DAY_MINUTES,
    "bulan": 20 * WORKING_DAY_MINUTES, "bln": 20 * WORKING_DAY_MINUTES,
}  # fmt: skip
# a whole or decimal number, a fraction, or both ("1 1/2")
_NUMBER = r"(?:\d+\s+)?\d+/\d+|\d+(?:[.,]\d+)?"
_AMOUNT = re.compile(
    rf"^(?P<low>{_NUMBER})(?:\s*(?:-|–|s\.?\s*d\.?|sampai(?:\s+dengan)?)\s*(?P<high>{_NUMBER}))?"
    r"\s*(?P<unit>[a-z]+)(?:\s+kerja)?\.?$"
)
_PART = re.compile(rf"(?P<amount>{_NUMBER})\s*(?P<unit>[a-z]+)(?:\s+kerja)?")
_PARTS = re.compile(rf"^(?:{_PART.pattern}\s*(?:,|dan)?\s*){{2,}}\.?$")
# "maks. 1 hari", "paling lambat 1 hari": the norm is that limit
_LIMIT = re.compile(
    r"^(?:max(?:imal|imum)?|maks(?:imal|imum)?|paling\s+(?:lambat|lama)|selambat-lambatnya|"
    r"selama-lamanya|dalam\s+waktu)\b\.?\s*:?\s*"
)
_SPELLED = re.compile(r"\s*\(\s*[a-z][a-z\s-]*\)")  # "1 (satu) hari": the number in words
_FRACTIONS = {"½": "1/2", "¼": "1/4", "¾": "3/4"}
_DAYS_OF_24_HOURS = re.compile(rf"(?P<days>{_NUMBER})\s*[x×]\s*24\s*jam")  # "1 x 24 jam"
_HOURS = re.compile(r"^(?P<hours>\d+)\s*jam\b(?!\s+kerja)")  # "24 jam", "48 jam": days
# "± 2 jam", "sekitar 1 hari", "kurang lebih 30 menit": the number, as a guess to confirm
_ABOUT = re.compile(r"^(?:±|\+/-|\+-|sekitar|kurang\s+lebih|kira-kira|kurleb|lebih\s+kurang)\s*")
_TIMES = re.compile(rf"(?P<count>\d+)\s*[x×]\s*(?P<each>{_NUMBER})\s*(?P<unit>[a-z]+)")


def _number(text: str) -> float | None:
    """``"2"``, ``"0,5"``, ``"1/2"``, ``"1 1/2"`` as a number; None for a fraction over 0."""
    whole, _, fraction = text.rpartition(" ") if "/" in text else ("", "", text)
    if "/" in fraction:
        top, bottom = (int(n) for n in fraction.split("/"))
        if bottom == 0:
            return None
        return (int(whole) if whole else 0) + top / bottom
    return float(fraction.replace(",", "."))


def _plain(text: str) -> str:
    """The cell in the words :data:`_AMOUNT` reads: the number once, days as days, no limit."""
    for mark, fraction in _FRACTIONS.items():
        text = re.sub(rf"(\d)\s*{mark}", rf"\1 {fraction}", text).replace(mark, fraction)
    text = _LIMIT.sub("", _SPELLED.sub("", text)).strip()
    text = _DAYS_OF_24_HOURS.sub(lambda m: f"{m.group('days')} hari", text)
    # a day written as its 24 hours is a working day, not 24 working hours (three days)
    whole = _HOURS.match(text)
    if whole and int(whole.group("hours")) % 24 == 0 and int(whole.group("hours")):
        text = f"{int(whole.group('hours')) // 24} hari{text[whole.end() :]}"

    def times(m: re.Match[str]) -> str:
        each = _number(m.group("each"))
        if each is None:
            return m.group(0)
        total = f"{int(m.group('count')) * each:.4f}".rstrip("0").rstrip(".")
        return f"{total} {m.group('unit')}"

    return _TIMES.sub(times, text)


@dataclass(frozen=True)
class StepTime:
    minutes: int | None  # None: the cell gives no number (use the default)
    note: str = ""  # why the reading is not plain, said in the draft


def parse_time(cell: str) -> StepTime:
    text = " ".join(cell.casefold().split())
    if not text:
        return StepTime(None, t.TIME_EMPTY)
    about = _ABOUT.match(text)
    if about:
        read = parse_time(text[about.end() :])
        if read.minutes is None:
            return StepTime(None, t.TIME_UNREADABLE.format(cell=cell.strip()))
        return StepTime(read.minutes, t.TIME_ESTIMATE.format(cell=cell.strip()))
    text = _plain(text)
    if not text:  # "Max" and nothing else
        return StepTime(None, t.TIME_UNREADABLE.format(cell=cell.strip()))
    if text.rstrip(".") in _UNITS or text in ("hari kerja",):
        return StepTime(None, t.TIME_UNIT_ONLY.format(cell=cell.strip()))
    if _PARTS.match(text):  # "1 jam 30 menit"
        parts = [(_number(m.group("amount")), m.group("unit")) for m in _PART.finditer(text)]
        if all(n is not None and unit in _UNITS for n, unit in parts):
            total = sum((n or 0) * _UNITS[unit] for n, unit in parts)
            if total > 0:
                return StepTime(max(1, math.ceil(total)))
        return StepTime(None, t.TIME_UNREADABLE.format(cell=cell.strip()))
    found = _AMOUNT.match(text)
    if found is None or found.group("unit") not in _UNITS:
        return StepTime(None, t.TIME_UNREADABLE.format(cell=cell.strip()))
    per_unit = _UNITS[found.group("unit")]
    low = _number(found.group("low"))
    high = found.group("high")
    amount = _number(high) if high else low
    if low is None or amount is None:
        return StepTime(None, t.TIME_UNREADABLE.format(cell=cell.strip()))
    minutes = max(1, math.ceil(amount * per_unit))
    if high:
        return StepTime(minutes, t.TIME_RANGE.format(cell=cell.strip()))
    if low == 0:
        return StepTime(None, t.TIME_ZERO.format(cell=cell.strip()))
    return StepTime(minutes)
