"""Strict parsing of what officials type (bot/parsing.py): examples, and properties over
any text — no input makes a parser raise, and every value returned is within its bounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing import (
    MAX_TITLE,
    MAX_YEAR,
    MIN_YEAR,
    case_number,
    duration_minutes,
    fiscal_year,
    indonesian_date,
    is_cancel_word,
    one_line_title,
    only_a_number,
    telegram_id,
)

TODAY = date(2026, 7, 1)
FULL_WIDTH = str.maketrans("0123456789#", "０１２３４５６７８９＃")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# Characters that make parsers stumble: digits of other scripts, number signs that are not
# digits, separators, unit and month letters, odd spaces, controls and bidi overrides.
TRICKY = (
    "0123456789#-/.: \t\n\r"
    "٠١٢٣١٢۴０１２９²³½①Ⅻ三𝟏"
    "jJmMhHaeinrtuDsOkgbpv"
    "\u00a0\u2007\u3000\u200b\u202e\u2028\x00\x1f\x7f\ufeff\ud800"
)
tricky_text = st.text(alphabet=TRICKY, max_size=30)
any_text = st.one_of(st.text(), tricky_text, st.text(alphabet=TRICKY, min_size=60, max_size=300))
PROPERTY = settings(max_examples=400, deadline=None)


# -- case numbers and Telegram ids ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        ("  #12 \n", 12),
        ("007", 7),
        ("１２", 12),  # full-width: NFKC makes it ASCII
        ("＃１２", 12),
        ("999999999", 999_999_999),
        ("1000000000", None),  # ten digits
        ("0", None),
        ("#0", None),
        ("٢١", None),  # Arabic-Indic digits stay non-ASCII
        ("²", None),  # isdigit() is True, int() raises
        ("1²", None),  # NFKC would make it "12": refused all the same
        ("①", None),
        ("# 12", None),
        ("##12", None),
        ("12#", None),
        ("-12", None),
        ("+12", None),
        ("12.0", None),
        ("1 2", None),
        ("", None),
        ("#", None),
        ("dua belas", None),
    ],
)
def test_case_number(text: str, expected: int | None) -> None:
    assert case_number(text) == expected


@given(st.integers(1, 999_999_999), st.sampled_from(["", "#"]), st.sampled_from(["", " ", "\t"]))
def test_every_case_number_reads_back_plain_tagged_and_full_width(
    number: int, tag: str, pad: str
) -> None:
    text = f"{pad}{tag}{number}{pad}"
    assert case_number(text) == number
    assert case_number(text.translate(FULL_WIDTH)) == number
    assert case_number(text.translate(ARABIC_INDIC)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456789", 123_456_789),
        (" 5000000001 ", 5_000_000_001),
        ("999999999999999", 999_999_999_999_999),
        ("1000000000000000", 10**15),  # sixteen digits: User.id has up to 52 bits
        ("4503599627370495", 2**52 - 1),  # the largest
        ("4503599627370496", None),  # 2**52: beyond any user's id
        ("0004503599627370495", None),  # more than sixteen digits
        ("0", None),
        ("-100123", None),  # a group's id, not a person's
        ("#123", None),
        ("１２３", 123),
        ("١٢٣", None),
        ("12³", None),
        ("@budi", None),
        ("", None),
    ],
)
def test_telegram_id(text: str, expected: int | None) -> None:
    assert telegram_id(text) == expected


# -- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2j", 120),
        ("2 jam", 120),
        ("2 JAM", 120),
        ("30m", 30),
        ("30 menit", 30),
        ("1h", 480),
        ("1 hari", 480),
        ("3", 180),  # a bare number is hours
        ("  2j  ", 120),
        ("２ｊ", 120),
        ("9999m", 9999),
        ("10000m", None),
        ("0j", None),
        ("0", None),
        ("2x", None),
        ("j", None),
        ("2 j am", None),
        ("2jam30m", None),
        ("1.5j", None),
        ("-2j", None),
        ("٢j", None),
        ("²j", None),
        ("", None),
    ],
)
def test_duration_minutes(text: str, expected: int | None) -> None:
    assert duration_minutes(text) == expected


@given(
    st.integers(1, 9999),
    st.sampled_from([("m", 1), ("menit", 1), ("j", 60), ("jam", 60), ("h", 480), ("hari", 480)]),
    st.sampled_from(["", " "]),
)
def test_every_duration_reads_back(units: int, unit: tuple[str, int], gap: str) -> None:
    assert duration_minutes(f"{units}{gap}{unit[0]}") == units * unit[1]
    assert duration_minutes(f"{units}{gap}{unit[0].upper()}") == units * unit[1]


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31-12-2026", date(2026, 12, 31)),
        ("31/12/2026", date(2026, 12, 31)),
        ("31.12.2026", date(2026, 12, 31)),
        ("1-2-2027", date(2027, 2, 1)),
        ("01/02/2027", date(2027, 2, 1)),
        ("31 Desember 2026", date(2026, 12, 31)),
        ("31 Des 2026", date(2026, 12, 31)),
        ("31 des. 2026", date(2026, 12, 31)),
        ("17 AGUSTUS 2026", date(2026, 8, 17)),
        ("17 Agt 2026", date(2026, 8, 17)),
        ("17 Ags 2026", date(2026, 8, 17)),
        ("17 Agu 2026", date(2026, 8, 17)),
        ("10 Nopember 2026", date(2026, 11, 10)),
        ("2 Pebruari 2027", date(2027, 2, 2)),
        ("5 Mei 2027", date(2027, 5, 5)),
        ("5 May 2027", date(2027, 5, 5)),
        ("3 October 2026", date(2026, 10, 3)),
        ("3 Okt 2026", date(2026, 10, 3)),
        ("2026-12-31", date(2026, 12, 31)),
        ("  31 Desember 2026  ", date(2026, 12, 31)),
        ("31\u00a0Desember\u00a02026", date(2026, 12, 31)),  # no-break spaces
        ("３１-１２-２０２６", date(2026, 12, 31)),
        # without a year: the next one to come (TODAY is 1 July 2026)
        ("31 desember", date(2026, 12, 31)),
        ("1 Juli", date(2026, 7, 1)),  # today is not past
        ("30 Juni", date(2027, 6, 30)),  # yesterday: next year
        ("1 Januari", date(2027, 1, 1)),
        ("29 Februari", None),  # neither 2026 nor 2027 has one
        # refused
        ("31-02-2026", None),
        ("29-02-2027", None),
        ("0-1-2027", None),
        ("1-13-2027", None),
        ("31-12/2026", None),  # mixed separators
        ("31-12-26", None),  # two-digit year
        ("2026/12/31", None),
        ("2026-02-30", None),
        ("31 Dez 2026", None),
        ("Desember 31 2026", None),
        ("31 Desember 1999", None),
        ("1-1-2101", None),
        ("٣١-١٢-٢٠٢٦", None),
        ("31-12-2026 10:00", None),
        ("besok", None),
        ("", None),
    ],
)
def test_indonesian_date(text: str, expected: date | None) -> None:
    assert indonesian_date(text, TODAY) == expected


def test_a_date_without_a_year_at_the_end_of_the_range_is_refused() -> None:
    assert indonesian_date("1 Januari", date(2100, 12, 31)) is None
    assert indonesian_date("31 Desember", date(2100, 12, 31)) == date(2100, 12, 31)
    assert indonesian_date("29 Februari", date(2027, 12, 1)) == date(2028, 2, 29)
    assert indonesian_date("29 Februari", date(2028, 3, 1)) is None


MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
ABBREVIATIONS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


@given(st.dates(date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)))
def test_every_date_reads_back_in_every_written_form(day: date) -> None:
    d, m, y = day.day, day.month, day.year
    forms = [
        f"{d}-{m}-{y}",
        f"{d:02}/{m:02}/{y}",
        f"{d:02}.{m:02}.{y}",
        day.isoformat(),
        f"{d} {MONTHS_ID[m - 1]} {y}",
        f"{d} {MONTHS_ID[m - 1].lower()} {y}",
        f"{d} {ABBREVIATIONS[m - 1]} {y}",
        f"{d} {ABBREVIATIONS[m - 1]}. {y}",
        f"{d} {day.strftime('%B')} {y}",  # English (the C locale of the tests)
    ]
    for form in forms:
        assert indonesian_date(form, TODAY) == day, form


@given(st.dates(date(MIN_YEAR, 1, 1), date(MAX_YEAR - 1, 12, 31)), st.integers(0, 365))
def test_a_date_without_a_year_is_the_next_one_to_come(today: date, ahead: int) -> None:
    wanted = today + timedelta(days=ahead)
    if (wanted.month, wanted.day) == (2, 29):
        return  # the next 29 February may be years away: refused unless it is this or next year
    got = indonesian_date(f"{wanted.day} {MONTHS_ID[wanted.month - 1]}", today)
    assert got is not None and today <= got <= today + timedelta(days=366)
    assert (got.month, got.day) == (wanted.month, wanted.day)


# -- fiscal years ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027", 2027),
        (" 2000 ", 2000),
        ("2100", 2100),
        ("２０２７", 2027),
        ("1999", None),
        ("2101", None),
        ("027", None),
        ("02027", None),
        ("TA 2027", None),
        ("2027/2028", None),
        ("٢٠٢٧", None),
        ("202⁷", None),
        ("", None),
    ],
)
def test_fiscal_year(text: str, expected: int | None) -> None:
    assert fiscal_year(text) == expected


# -- titles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Penyusunan Program Kerja TA 2027", "Penyusunan Program Kerja TA 2027"),
        ("  Penyusunan   Program\tKerja  ", "Penyusunan Program Kerja"),
        ("Penyusunan\u00a0Program\u3000Kerja", "Penyusunan Program Kerja"),
        ("Judul\n", "Judul"),  # a line break at the end is trimmed, not refused
        ("RKAKL 2027 — revisi ke-2 (final) 📄", "RKAKL 2027 — revisi ke-2 (final) 📄"),
        ("Ｒｅｎｃａｎａ", "Ｒｅｎｃａｎａ"),  # kept as typed
        ("x" * MAX_TITLE, "x" * MAX_TITLE),
        ("x" * (MAX_TITLE + 1), None),
        ("Penyusunan\nProgram Kerja", None),
        ("Penyusunan\r\nProgram Kerja", None),
        ("Penyusunan\u2028Program Kerja", None),
        ("Judul\x00", None),
        ("Judul\ud800", None),  # a lone surrogate (broken input)
        ("Judul\x1b[31m", None),
        ("Judul \u202eatad", None),  # right-to-left override
        ("", None),
        ("   \t ", None),
        ("\u200b\u200b", None),  # invisible only
        ("\u3164\u3164\u3164", None),  # Hangul fillers: letters that show nothing
        ("...", None),
        ("📄", None),
    ],
)
def test_one_line_title(text: str, expected: str | None) -> None:
    assert one_line_title(text) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2027", True),
        ("２０２７", True),
        ("2027/2028", True),
        ("12.345", True),
        ("#5", True),
        ("Ⅻ", True),
        ("Program Kerja 2027", False),
        ("RKAKL 2027", False),
        ("Tahun 2027", False),
        ("TA-2027", False),
    ],
)
def test_a_title_of_only_a_number_or_a_year_is_told(title: str, expected: bool) -> None:
    """Kasubag types the year where the title is asked (a slip after a refused title):
    "2027" is no title of an activity."""
    assert one_line_title(title) == title
    assert only_a_number(title) is expected


def test_a_title_limit_counts_after_collapsing_spaces() -> None:
    assert one_line_title("a" + " " * 50 + "b", limit=3) == "a b"
    assert one_line_title("abcd", limit=3) is None
    assert one_line_title("abc", limit=0) is None


@given(st.text(max_size=40), st.sampled_from(["\n", "\r", "\u2028", "\x85"]), st.text(max_size=40))
def test_a_title_with_a_line_break_inside_is_refused(before: str, brk: str, after: str) -> None:
    text = f"x{before}{brk}{after}x"
    assert one_line_title(text) is None


# -- properties over any text ------------------------------------------------------------------

NUMBER_PARSERS: list[tuple[Callable[[str], int | None], int, int]] = [
    (case_number, 1, 999_999_999),
    (telegram_id, 1, 2**52 - 1),
    (duration_minutes, 1, 9999 * 480),
    (fiscal_year, MIN_YEAR, MAX_YEAR),
]


@PROPERTY
@given(any_text)
def test_no_text_makes_a_number_parser_raise_or_leave_its_bounds(text: str) -> None:
    for parse, low, high in NUMBER_PARSERS:
        value = parse(text)
        assert value is None or (type(value) is int and low <= value <= high), parse


@PROPERTY
@given(any_text, st.dates(date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)))
def test_no_text_makes_the_date_parser_raise_or_leave_its_bounds(text: str, today: date) -> None:
    value = indonesian_date(text, today)
    assert value is None or date(MIN_YEAR, 1, 1) <= value <= date(MAX_YEAR, 12, 31)


@PROPERTY
@given(st.one_of(any_text, st.text(min_size=150, max_size=400)), st.integers(1, 300))
def test_a_title_is_one_trimmed_line_within_the_limit(text: str, limit: int) -> None:
    title = one_line_title(text, limit)
    if title is None:
        return
    assert 1 <= len(title) <= limit
    assert title == title.strip() and len(title.splitlines()) == 1
    assert "  " not in title and "\t" not in title
    assert any(ch.isalnum() for ch in title)
    assert one_line_title(title, limit) == title  # a clean title stays as it is
    # nothing but whitespace was changed
    assert title.split() == text.split()


@pytest.mark.parametrize(
    ("typed", "cancels"),
    [
        ("Batal", True),
        ("batal.", True),
        ("✖️ Batal", True),
        ("BATAL!!", True),
        ("Tidak  jadi", True),
        ("cancel", True),
        ("Batal karena TOR belum ada", False),
        ("Pembatalan kegiatan", False),
        ("TOR batal direvisi", False),
        ("batal" * 20, False),
    ],
)
def test_a_word_that_only_calls_a_question_off_is_told_from_an_answer(
    typed: str, cancels: bool
) -> None:
    """A "Batal" typed instead of pressed calls the question off; a reason that merely holds
    the word is an answer."""
    assert is_cancel_word(typed) is cancels
