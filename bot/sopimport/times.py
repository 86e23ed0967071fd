"""Mutu Baku "Waktu" into working minutes: '30 menit', '2 jam', '1 hari' (one day = 480).

A cell with only a unit ('menit') or nothing gives no number: the step gets the project's
default for its kind (README, "Default time norms") and a guess the reviewer must confirm.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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
_NUMBER = r"\d+(?:[.,]\d+)?"
_AMOUNT = re.compile(
    rf"^(?P<low>{_NUMBER})(?:\s*(?:-|–|s\.?\s*d\.?|sampai(?:\s+dengan)?)\s*(?P<high>{_NUMBER}))?"
    r"\s*(?P<unit>[a-z]+)(?:\s+kerja)?\.?$"
)


@dataclass(frozen=True)
class StepTime:
    minutes: int | None  # None: the cell gives no number (use the default)
    note: str = ""  # why the reading is not plain, said in the draft


def parse_time(cell: str) -> StepTime:
    text = " ".join(cell.casefold().split())
    if not text:
        return StepTime(None, "kolom Waktu kosong")
    if text.rstrip(".") in _UNITS or text in ("hari kerja",):
        return StepTime(None, f"kolom Waktu hanya memuat satuan ('{cell.strip()}') tanpa angka")
    found = _AMOUNT.match(text)
    if found is None or found.group("unit") not in _UNITS:
        return StepTime(None, f"kolom Waktu tidak terbaca ('{cell.strip()}')")
    per_unit = _UNITS[found.group("unit")]
    low = float(found.group("low").replace(",", "."))
    high = found.group("high")
    amount = float(high.replace(",", ".")) if high else low
    minutes = max(1, math.ceil(amount * per_unit))
    if high:
        return StepTime(minutes, f"rentang '{cell.strip()}': diambil batas atasnya")
    if low == 0:
        return StepTime(None, f"kolom Waktu bernilai nol ('{cell.strip()}')")
    return StepTime(minutes)
