"""Strict parsing of what officials type: case numbers, Telegram ids, durations, dates,
fiscal years and case titles; and a word that cancels a question rather than answering it.

Pure functions: no Telegram, no database. Each returns the parsed value, or None when the
text is not exactly what is asked for (the caller then explains and asks again); none of
them raises, whatever the text.

Digits. Phones offer full-width digits (``１２``) and some keyboards type Arabic-Indic
ones (``١٢``); copy-paste brings superscripts (``²``) and circled numbers (``①``). The rule
here: the text is NFKC-normalised and numbers must then be ASCII digits. Full-width digits
become ASCII (accepted); Arabic-Indic digits stay what they are (refused). Numeric
characters that are not decimal digits (superscripts, fractions, circled or Roman
numerals) are refused before normalisation, although NFKC would turn ``²`` into ``2``:
nobody means 2 when they type a superscript.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from bot.core.text import INVISIBLE_LETTERS, has_control_characters

__all__ = [
    "MAX_CASE_DIGITS",
    "MAX_DURATION_UNITS",
    "MAX_TELEGRAM_ID",
    "MAX_TITLE",
    "MAX_YEAR",
    "MIN_YEAR",
    "case_number",
    "duration_minutes",
    "fiscal_year",
    "has_control_characters",
    "indonesian_date",
    "is_cancel_word",
    "one_line_title",
    "only_a_number",
    "report_examples",
    "report_period",
    "telegram_id",
]

MAX_CASE_DIGITS = 9
MAX_TELEGRAM_ID = 2**52 - 1
"""User.id "has at most 52 significant bits": up to 4,503,599,627,370,495 (16 digits). It
fits the database's 64-bit integers and a button's callback data (an argument of up to 20
characters, :mod:`bot.callbacks`)."""
MAX_DURATION_UNITS = 9999
MIN_YEAR, MAX_YEAR = 2000, 2100  # fiscal years, and the years a typed date may name
MAX_TITLE = 200

# Longer texts are refused before any work is done on them (no typed value is this long).
_MAX_TYPED = 64

_CASE_NUMBER = re.compile(rf"#?([0-9]{{1,{MAX_CASE_DIGITS}}})")
_TELEGRAM_ID = re.compile(rf"[0-9]{{1,{len(str(MAX_TELEGRAM_ID))}}}")
_FISCAL_YEAR = re.compile(r"[0-9]{4}")

# Units as /tunda takes them: minutes, working hours, working days (one = 480 minutes).
_UNIT_MINUTES = {"m": 1, "menit": 1, "j": 60, "jam": 60, "h": 480, "hari": 480}
_DURATION = re.compile(r"([0-9]{1,4}) *(m|menit|j|jam|h|hari)?")

_NUMERIC_DATE = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_NAMED_DATE = re.compile(r"([0-9]{1,2}) +([a-z]+)\.?(?: +([0-9]{4}))?")

_MONTH_NAMES = (
    ("januari", "jan", "january"),
    ("februari", "feb", "pebruari", "peb", "february"),
    ("maret", "mar", "march"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "jun", "june"),
    ("juli", "jul", "july"),
    ("agustus", "agu", "agt", "ags", "august", "aug"),
    ("september", "sep", "sept"),
    ("oktober", "okt", "october", "oct"),
    ("november", "nov", "nopember", "nop"),
    ("desember", "des", "december", "dec"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}

_WHITESPACE_RUN = re.compile(r"\s+")


def _normalised(text: str, limit: int = _MAX_TYPED) -> str | None:
    """NFKC-normalised and trimmed; None if too long or holding a number sign that is not
    a decimal digit (``²``, ``½``, ``①``, ``Ⅻ``)."""
    if len(text) > limit:
        return None
    if any(ch.isnumeric() and not ch.isdecimal() for ch in text):
        return None
    return unicodedata.normalize("NFKC", text).strip()


def case_number(text: str) -> int | None:
    """A case ("Berkas") number: ``12`` or ``#12``, 1 to 999,999,999; spaces around are fine."""
    s = _normalised(text)
    match = _CASE_NUMBER.fullmatch(s) if s is not None else None
    if match is None:
        return None
    number = int(match[1])
    return number if number > 0 else None


def telegram_id(text: str) -> int | None:
    """A Telegram user id as an administrator types it: 1 to :data:`MAX_TELEGRAM_ID`."""
    s = _normalised(text)
    if s is None or _TELEGRAM_ID.fullmatch(s) is None:
        return None
    number = int(s)
    return number if 0 < number <= MAX_TELEGRAM_ID else None


def duration_minutes(text: str) -> int | None:
    """A duration in working minutes as /tunda takes it: ``30m``/``30 menit`` (minutes),
    ``2j``/``2 jam`` (working hours), ``1h``/``1 hari`` (working days of 480 minutes); a bare
    number is hours. At most 9999 units; zero is refused (None)."""
    s = _normalised(text)
    match = _DURATION.fullmatch(s.lower()) if s is not None else None
    if match is None:
        return None
    units = int(match[1])
    if not 0 < units <= MAX_DURATION_UNITS:
        return None
    return units * _UNIT_MINUTES[match[2] or "j"]


def _valid_date(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31-02, month 13, day 0
        return None


def indonesian_date(text: str, today: date) -> date | None:
    """A date as Indonesians write it: ``31-12-2026``, ``31/12/2026``, ``31.12.2026``,
    ``31 Desember 2026``, ``31 Des 2026``, ``31 desember`` or ISO ``2026-12-31``.

    Month names are Indonesian (also the older spellings Pebruari and Nopember, and the
    usual abbreviations, with or without a dot) or English. Without a year, the date is
    the next one to come: this year's, or next year's if this year's is already past
    relative to ``today`` (today itself counts as to come). The year must lie in
    2000..2100; impossible dates (``31-02-2026``) are refused.
    """
    s = _normalised(text)
    if s is None:
        return None
    s = s.lower()
    if match := _NUMERIC_DATE.fullmatch(s):
        return _valid_date(int(match[4]), int(match[3]), int(match[1]))
    if match := _ISO_DATE.fullmatch(s):
        return _valid_date(int(match[1]), int(match[2]), int(match[3]))
    match = _NAMED_DATE.fullmatch(s)
    month = _MONTHS.get(match[2]) if match else None
    if match is None or month is None:
        return None
    day = int(match[1])
    if match[3] is not None:
        return _valid_date(int(match[3]), month, day)
    this_year = _valid_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    return _valid_date(today.year + 1, month, day)


def fiscal_year(text: str) -> int | None:
    """A fiscal year (tahun anggaran): four digits, 2000 to 2100."""
    s = _normalised(text)
    if s is None or _FISCAL_YEAR.fullmatch(s) is None:
        return None
    year = int(s)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def one_line_title(text: str, limit: int = MAX_TITLE) -> str | None:
    """A case title: one line of at most ``limit`` characters, or None (the bot asks again).

    Decisions: the text is trimmed, and every run of spaces or tabs inside it becomes one
    space. A line break inside the title makes it invalid rather than being joined away:
    a second line is usually a second thought (a note, a signature) that does not belong
    in a title the official has not seen. Control characters and bidirectional overrides
    make it invalid too, and so does a title without a single letter or digit (only
    punctuation, emoji or invisible characters). The text is not otherwise normalised: the
    title stays as typed. ``limit`` counts characters (code points) after trimming and
    collapsing.
    """
    if limit < 1 or len(text) > 4 * limit + 1024:  # far too long, whatever the spaces
        return None
    title = text.strip()
    if not any(ch.isalnum() and ch not in INVISIBLE_LETTERS for ch in title):
        return None
    if has_control_characters(title):
        return None
    title = _WHITESPACE_RUN.sub(" ", title)
    return title if len(title) <= limit else None


def only_a_number(title: str) -> bool:
    """Whether a title (as :func:`one_line_title` gives it) holds no letter, only digits
    and the signs between them ("2027", "2027/2028", "#5"): a year or a number typed where
    the title is asked (after a refused title, the year the official expected to be asked
    next), no activity's name."""
    return not any(ch.isalpha() and ch not in INVISIBLE_LETTERS for ch in title)


MAX_REPORT_DAYS = 3660
_YEAR_ONLY = re.compile(r"[0-9]{4}")
_MONTH_NUMERIC = re.compile(r"([0-9]{1,2})[-/.]([0-9]{4})|([0-9]{4})[-/.]([0-9]{1,2})")
_MONTH_NAMED = re.compile(r"([a-z]+)\.?(?: +([0-9]{4}))?")
_LAST_DAYS = re.compile(r"([0-9]{1,4}) *(h|hari)")
_MONTH_LABELS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


CANCEL_WORDS = frozenset(
    {"batal", "batalkan", "cancel", "tidak jadi", "tdk jadi", "gak jadi", "nggak jadi", "ga jadi"}
)
"""What people type to call a question off, as the Batal button under it says."""


def is_cancel_word(text: str) -> bool:
    """Whether a typed answer only calls the question off ("Batal", "batal.", "✖️ Batal",
    "Tidak jadi"): no reason, title or note anyone means; the question ends as /batal
    ends it, rather than a proposal being returned with the reason "Batal"."""
    if len(text) > _MAX_TYPED:
        return False
    letters = "".join(ch if ch.isalpha() else " " for ch in unicodedata.normalize("NFKC", text))
    return " ".join(letters.casefold().split()) in CANCEL_WORDS


def report_period(text: str, today: date) -> tuple[date, date, str] | None:
    """The period of a report as /laporan takes it: ``(first day, day after the last,
    label)``. A year (``2026``: "Tahun 2026"); a month (``12-2026``, ``12/2026``,
    ``2026-12``, ``Desember 2026``, ``des 2026``, or ``desember``: the latest December that
    has begun, this year's or, before it begins, last year's); the last N days up to today
    (``30h``, ``30 hari``: "30 hari terakhir", 1 to 3660). Empty text is this year. None for
    anything else."""
    s = _normalised(text)
    if s is None:
        return None
    s = " ".join(s.lower().split())
    if not s:
        return _year(today.year)
    if _YEAR_ONLY.fullmatch(s):
        return _year(int(s))
    if match := _MONTH_NUMERIC.fullmatch(s):
        month, year = (match[1], match[2]) if match[1] else (match[4], match[3])
        return _month(int(year), int(month))
    if match := _LAST_DAYS.fullmatch(s):
        days = int(match[1])
        if not 0 < days <= MAX_REPORT_DAYS:
            return None
        return today - timedelta(days=days - 1), today + timedelta(days=1), f"{days} hari terakhir"
    if (match := _MONTH_NAMED.fullmatch(s)) and (month := _MONTHS.get(match[1])) is not None:
        if match[2]:
            return _month(int(match[2]), month)
        # "desember" typed on 5 January is the December just past, not the one to come
        return _month(today.year if month <= today.month else today.year - 1, month)
    return None


def report_examples(today: date) -> dict[str, object]:
    """The periods /laporan's usage and /bantuan name as examples, typed as they stand on
    ``today``: the latest month that has ended (``month``, ``month_name``) and its year
    (``year``), periods with work in them, never one still to come (refused) nor one of a
    year long past."""
    last = today.replace(day=1) - timedelta(days=1)
    return {"year": last.year, "month": last.month, "month_name": _MONTH_LABELS[last.month - 1]}


def _year(year: int) -> tuple[date, date, str] | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return date(year, 1, 1), date(year + 1, 1, 1), f"Tahun {year}"


def _month(year: int, month: int) -> tuple[date, date, str] | None:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        return None
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, 1), after, f"{_MONTH_LABELS[month - 1]} {year}"
