from __future__ import annotations

import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.worktime import WorkCalendar, WorkSchedule

JKT = ZoneInfo("Asia/Jakarta")
EXTRA_DAY_OFF = date(2026, 12, 31)  # a Thursday off the package does not know of
MAKE_UP_SATURDAY = date(2026, 7, 11)
JOINT_LEAVE = ("public", "government")  # the days off of Indonesia's civil service

CAL = WorkCalendar(
    WorkSchedule(
        extra_days_off=frozenset({EXTRA_DAY_OFF}), extra_workdays=frozenset({MAKE_UP_SATURDAY})
    )
)
PLAIN = WorkCalendar(WorkSchedule())


def jkt(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=JKT)


# ----------------------------------------------------------------------------- schedule


def test_schedule_validation() -> None:
    with pytest.raises(ValueError):
        WorkSchedule(day_start=time(16), day_end=time(8))
    with pytest.raises(ValueError):
        WorkSchedule(day_start=time(8), day_end=time(8))
    with pytest.raises(ValueError):
        WorkSchedule(workdays=frozenset())
    with pytest.raises(ValueError):
        WorkSchedule(workdays=frozenset({7}))
    with pytest.raises(ValueError):
        WorkSchedule(
            extra_days_off=frozenset({EXTRA_DAY_OFF}), extra_workdays=frozenset({EXTRA_DAY_OFF})
        )
    with pytest.raises(ValueError):
        WorkCalendar(WorkSchedule(timezone="Asia/Nowhere"))
    with pytest.raises(ValueError):
        WorkCalendar(WorkSchedule(country_holidays="XX"))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 7, 10, 9)
    aware = jkt(2026, 7, 10, 9)
    with pytest.raises(ValueError):
        CAL.is_working_time(naive)
    with pytest.raises(ValueError):
        CAL.next_working_moment(naive)
    with pytest.raises(ValueError):
        CAL.working_minutes_between(naive, aware)
    with pytest.raises(ValueError):
        CAL.working_minutes_between(aware, naive)
    with pytest.raises(ValueError):
        CAL.add_working_minutes(naive, 5)
    with pytest.raises(ValueError):
        CAL.add_working_minutes(aware, -1)


# ----------------------------------------------------------------------------- days


def test_weekdays_and_weekend() -> None:
    assert CAL.is_working_day(date(2026, 7, 10))  # Friday
    assert not CAL.is_working_day(date(2026, 7, 12))  # Sunday
    assert not CAL.is_working_day(date(2026, 7, 18))  # Saturday


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),  # New Year (Thursday)
        date(2026, 8, 17),  # Independence Day (Monday)
        date(2026, 12, 25),  # Christmas (Friday)
        date(2026, 5, 1),  # Labour Day (Friday)
        date(2027, 1, 1),  # New Year (Friday)
    ],
)
def test_public_holidays_are_not_working_days(holiday: date) -> None:
    assert holiday.weekday() < 5
    assert not CAL.is_working_day(holiday)
    assert not CAL.is_working_time(datetime.combine(holiday, time(10), tzinfo=JKT))
    assert (
        CAL.working_minutes_between(
            datetime.combine(holiday, time(0), tzinfo=JKT),
            datetime.combine(holiday + timedelta(days=1), time(0), tzinfo=JKT),
        )
        == 0
    )


def test_country_holidays_can_be_disabled() -> None:
    cal = WorkCalendar(WorkSchedule(country_holidays=None))
    assert cal.is_working_day(date(2026, 8, 17))
    assert cal.is_working_day(date(2026, 1, 1))


def test_extra_day_off_and_make_up_saturday() -> None:
    assert PLAIN.is_working_day(EXTRA_DAY_OFF)
    assert not CAL.is_working_day(EXTRA_DAY_OFF)
    assert not CAL.is_working_time(datetime.combine(EXTRA_DAY_OFF, time(9), tzinfo=JKT))
    assert not PLAIN.is_working_day(MAKE_UP_SATURDAY)
    assert CAL.is_working_day(MAKE_UP_SATURDAY)
    assert CAL.is_working_time(datetime.combine(MAKE_UP_SATURDAY, time(9), tzinfo=JKT))


def test_joint_leave_days_are_days_off_unless_switched_off() -> None:
    """Indonesia's cuti bersama (the `holidays` package's "government" category): Friday
    20 March 2026, Eid al-Fitr joint leave, is no working day for the civil service."""
    joint = date(2026, 3, 20)
    assert joint.weekday() == 4
    assert not PLAIN.is_working_day(joint)
    assert WorkCalendar(WorkSchedule(joint_leave=False)).is_working_day(joint)
    assert WorkCalendar(WorkSchedule(country_holidays="NL")).is_working_day(date(2026, 3, 20))


def test_extra_workday_overrides_a_public_holiday() -> None:
    cal = WorkCalendar(WorkSchedule(extra_workdays=frozenset({date(2026, 8, 17)})))
    assert cal.is_working_day(date(2026, 8, 17))


# ----------------------------------------------------------------------------- moments


def test_working_time_window_is_half_open() -> None:
    assert not CAL.is_working_time(jkt(2026, 7, 10, 7, 59, 59))
    assert CAL.is_working_time(jkt(2026, 7, 10, 8))
    assert CAL.is_working_time(jkt(2026, 7, 10, 15, 59, 59))
    assert not CAL.is_working_time(jkt(2026, 7, 10, 16))
    assert not CAL.is_working_time(jkt(2026, 7, 10, 23))


def test_is_working_time_converts_time_zones() -> None:
    # 02:00 UTC = 09:00 WIB (UTC+7); 01:00 UTC on Friday = 08:00 WIB.
    assert CAL.is_working_time(datetime(2026, 7, 10, 2, 0, tzinfo=UTC))
    assert not CAL.is_working_time(datetime(2026, 7, 10, 0, 59, tzinfo=UTC))
    # Thursday 20:00 UTC is Friday 03:00 WIB: night.
    assert not CAL.is_working_time(datetime(2026, 7, 9, 20, 0, tzinfo=UTC))


def test_next_working_moment() -> None:
    assert CAL.next_working_moment(jkt(2026, 7, 10, 9, 30)) == jkt(2026, 7, 10, 9, 30)
    assert CAL.next_working_moment(jkt(2026, 7, 10, 6)) == jkt(2026, 7, 10, 8)
    assert CAL.next_working_moment(jkt(2026, 7, 13, 16)) == jkt(2026, 7, 14, 8)
    # Friday evening before the make-up Saturday -> Saturday; a normal Friday -> Monday.
    assert CAL.next_working_moment(jkt(2026, 7, 10, 17)) == jkt(2026, 7, 11, 8)
    assert PLAIN.next_working_moment(jkt(2026, 7, 10, 17)) == jkt(2026, 7, 13, 8)
    # Friday 14 Aug evening -> Monday 17 Aug is Independence Day -> Tuesday.
    assert CAL.next_working_moment(jkt(2026, 8, 14, 16)) == jkt(2026, 8, 18, 8)
    # Wednesday 23 Dec evening -> 24 cuti bersama, 25 Christmas, weekend -> Monday 28.
    assert CAL.next_working_moment(jkt(2026, 12, 23, 16)) == jkt(2026, 12, 28, 8)
    # New Year's Eve evening -> 1 Jan 2027 holiday (Friday), weekend -> Monday 4 Jan.
    assert CAL.next_working_moment(jkt(2026, 12, 31, 18)) == jkt(2027, 1, 4, 8)


def test_next_working_moment_is_in_schedule_timezone() -> None:
    result = CAL.next_working_moment(datetime(2026, 7, 10, 2, 0, tzinfo=UTC))
    assert result == jkt(2026, 7, 10, 9)
    assert result.tzinfo == JKT
    assert result.utcoffset() == timedelta(hours=7)


def test_friday_afternoon_plus_two_hours_is_monday_nine() -> None:
    assert PLAIN.add_working_minutes(jkt(2026, 7, 10, 15), 120) == jkt(2026, 7, 13, 9)
    assert PLAIN.working_minutes_between(jkt(2026, 7, 10, 15), jkt(2026, 7, 13, 9)) == 120
    # With the make-up Saturday the two hours end on Saturday.
    assert CAL.add_working_minutes(jkt(2026, 7, 10, 15), 120) == jkt(2026, 7, 11, 9)


def test_holiday_monday_is_skipped() -> None:
    # Friday 14 Aug 15:00 + 2h: Monday 17 Aug is Independence Day -> Tuesday 09:00.
    assert CAL.add_working_minutes(jkt(2026, 8, 14, 15), 120) == jkt(2026, 8, 18, 9)


def test_add_working_minutes_edges() -> None:
    # Using up a day exactly ends at closing time (earliest moment), not next morning.
    assert CAL.add_working_minutes(jkt(2026, 7, 10, 15), 60) == jkt(2026, 7, 10, 16)
    assert CAL.add_working_minutes(jkt(2026, 7, 10, 15), 61) == jkt(2026, 7, 11, 8, 1)
    # Zero minutes: the start itself, even outside working time.
    assert CAL.add_working_minutes(jkt(2026, 7, 12, 3), 0) == jkt(2026, 7, 12, 3)
    # From the night: counting starts when the office opens.
    assert CAL.add_working_minutes(jkt(2026, 7, 13, 3), 1) == jkt(2026, 7, 13, 8, 1)
    # Seconds are kept.
    assert CAL.add_working_minutes(jkt(2026, 7, 13, 9, 0, 30), 30) == jkt(2026, 7, 13, 9, 30, 30)
    # Across New Year: 31 Dec 2026 (Thursday) 15:00 + 120 -> 1 Jan holiday, weekend -> Mon 4 Jan.
    assert PLAIN.add_working_minutes(jkt(2026, 12, 31, 15), 120) == jkt(2027, 1, 4, 9)


def test_working_minutes_between_basics() -> None:
    assert CAL.working_minutes_between(jkt(2026, 7, 13, 8), jkt(2026, 7, 13, 16)) == 480
    assert CAL.working_minutes_between(jkt(2026, 7, 13, 0), jkt(2026, 7, 14, 0)) == 480
    assert CAL.working_minutes_between(jkt(2026, 7, 13, 16), jkt(2026, 7, 14, 8)) == 0  # night
    assert CAL.working_minutes_between(jkt(2026, 7, 14), jkt(2026, 7, 13)) == 0  # reversed
    # A week of PLAIN: 5 x 480.
    assert PLAIN.working_minutes_between(jkt(2026, 7, 13), jkt(2026, 7, 20)) == 2400
    # Floor: 59 s is 0 minutes, 119 s is 1.
    assert CAL.working_minutes_between(jkt(2026, 7, 13, 9), jkt(2026, 7, 13, 9, 0, 59)) == 0
    assert CAL.working_minutes_between(jkt(2026, 7, 13, 9), jkt(2026, 7, 13, 9, 1, 59)) == 1
    # Different time zones: 09:00 WIB == 02:00 UTC; until 10:00 WIB is one hour.
    start = datetime(2026, 7, 13, 2, 0, tzinfo=UTC)
    assert CAL.working_minutes_between(start, jkt(2026, 7, 13, 10)) == 60
    tokyo = datetime(2026, 7, 13, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 10:00 WIB
    assert CAL.working_minutes_between(jkt(2026, 7, 13, 9), tokyo) == 60


def _count_working_days(cal_holidays: set[date], start: date, end: date) -> int:
    n = 0
    d = start
    while d < end:
        if d.weekday() < 5 and d not in cal_holidays:
            n += 1
        d += timedelta(days=1)
    return n


def test_whole_year_2026() -> None:
    ids = set(holidays.country_holidays("ID", years=2026, categories=JOINT_LEAVE).keys())
    days = _count_working_days(ids, date(2026, 1, 1), date(2027, 1, 1))
    assert PLAIN.working_minutes_between(jkt(2026, 1, 1), jkt(2027, 1, 1)) == days * 480
    assert CAL.working_minutes_between(jkt(2026, 1, 1), jkt(2027, 1, 1)) == days * 480  # -1 +1


def test_long_spans_are_fast() -> None:
    cal = WorkCalendar(WorkSchedule())
    start, end = jkt(2024, 3, 5, 10, 17), jkt(2034, 11, 2, 13, 45)
    cal.working_minutes_between(start, end)  # builds the per-year caches once
    t0 = time_module.perf_counter()
    for _ in range(2000):
        minutes = cal.working_minutes_between(start, end)
        cal.add_working_minutes(start, minutes)
    elapsed = time_module.perf_counter() - t0
    assert elapsed < 2.0, elapsed  # ~10 ms expected; a minute-by-minute loop would take hours


# ----------------------------------------------------------------------------- properties

BASE = datetime(2025, 12, 1, tzinfo=UTC)
SPAN_SECONDS = 3 * 366 * 86400  # moments in Dec 2025 .. late 2028 (holidays included)
ZONES = [JKT, UTC, ZoneInfo("Asia/Makassar"), ZoneInfo("Europe/Amsterdam")]

minute_moments = st.builds(
    lambda k, z: (BASE + timedelta(minutes=k)).astimezone(z),
    st.integers(0, SPAN_SECONDS // 60),
    st.sampled_from(ZONES),
)
any_moments = st.builds(
    lambda k, z: (BASE + timedelta(microseconds=k)).astimezone(z),
    st.integers(0, SPAN_SECONDS * 1_000_000),
    st.sampled_from(ZONES),
)
# Minutes biased towards interesting amounts: within a day, a few days, up to a year.
amounts = st.one_of(st.integers(0, 600), st.integers(0, 5000), st.integers(0, 130_000))


@given(any_moments, amounts)
def test_add_then_between_roundtrip(start: datetime, minutes: int) -> None:
    result = CAL.add_working_minutes(start, minutes)
    assert result >= start
    assert result.tzinfo == JKT
    assert CAL.working_minutes_between(start, result) == minutes
    assert CAL.working_time_between(start, result) == timedelta(minutes=minutes)
    if minutes > 0:
        # Earliest: one microsecond earlier not all of it has elapsed.
        earlier = result - timedelta(microseconds=1)
        assert CAL.working_time_between(start, earlier) < timedelta(minutes=minutes)


@given(minute_moments, minute_moments, minute_moments)
def test_minutes_between_is_additive_on_whole_minutes(
    a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted([a, b, c])
    assert CAL.working_minutes_between(a, c) == (
        CAL.working_minutes_between(a, b) + CAL.working_minutes_between(b, c)
    )


@given(any_moments, any_moments, any_moments)
def test_exact_time_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted([a, b, c])
    assert CAL.working_time_between(a, c) == (
        CAL.working_time_between(a, b) + CAL.working_time_between(b, c)
    )
    assert CAL.working_minutes_between(a, c) >= (
        CAL.working_minutes_between(a, b) + CAL.working_minutes_between(b, c)
    )
    assert CAL.working_minutes_between(c, a) == 0 or a == c


@given(any_moments)
def test_next_working_moment_is_working_time_and_not_earlier(moment: datetime) -> None:
    result = CAL.next_working_moment(moment)
    assert result >= moment
    assert CAL.is_working_time(result)
    assert result.tzinfo == JKT
    # Nothing in between was working time.
    assert CAL.working_time_between(moment, result) == timedelta(0)
    if result != moment:
        assert result.astimezone(JKT).time() == time(8)


def _oracle_minutes(start: datetime, end: datetime) -> int:
    """Independent day-by-day reference for CAL (holidays read directly from the package)."""
    if end <= start:
        return 0
    total = timedelta(0)
    d = start.astimezone(JKT).date()
    last = end.astimezone(JKT).date()
    while d <= last:
        ids = holidays.country_holidays("ID", years=d.year, categories=JOINT_LEAVE)
        off = d == EXTRA_DAY_OFF or d in ids or d.weekday() >= 5
        if d == MAKE_UP_SATURDAY:
            off = False
        if not off:
            lo = max(start, datetime.combine(d, time(8), tzinfo=JKT))
            hi = min(end, datetime.combine(d, time(16), tzinfo=JKT))
            if hi > lo:
                total += hi - lo
        d += timedelta(days=1)
    return total // timedelta(minutes=1)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(any_moments, st.integers(0, 400 * 86400 * 1_000_000))
def test_between_matches_day_by_day_oracle(start: datetime, span_us: int) -> None:
    end = start + timedelta(microseconds=span_us)
    assert CAL.working_minutes_between(start, end) == _oracle_minutes(start, end)


@settings(max_examples=40)
@given(minute_moments, st.integers(0, 4 * 24 * 60))
def test_between_matches_minute_by_minute_count(start: datetime, span: int) -> None:
    end = start + timedelta(minutes=span)
    brute = sum(CAL.is_working_time(start + timedelta(minutes=i)) for i in range(span))
    assert CAL.working_minutes_between(start, end) == brute


FORBIDDEN_DAYS = [
    date(2026, 8, 17),
    date(2026, 12, 25),
    date(2027, 1, 1),
    EXTRA_DAY_OFF,
    date(2026, 7, 12),  # Sunday
    date(2026, 7, 18),  # Saturday
]


@given(st.sampled_from(FORBIDDEN_DAYS), st.integers(0, 86399))
def test_nothing_counts_on_days_off(day: date, second: int) -> None:
    moment = datetime.combine(day, time(0), tzinfo=JKT) + timedelta(seconds=second)
    assert not CAL.is_working_time(moment)
    day_start = datetime.combine(day, time(0), tzinfo=JKT)
    assert CAL.working_time_between(day_start, day_start + timedelta(days=1)) == timedelta(0)


@given(any_moments)
def test_nothing_counts_at_night(moment: datetime) -> None:
    local = moment.astimezone(JKT)
    if local.time() < time(8) or local.time() >= time(16):
        assert not CAL.is_working_time(moment)
    night_start = datetime.combine(local.date(), time(16), tzinfo=JKT)
    night_end = datetime.combine(local.date() + timedelta(days=1), time(8), tzinfo=JKT)
    assert CAL.working_time_between(night_start, night_end) == timedelta(0)


AMSTERDAM = WorkCalendar(
    WorkSchedule(timezone="Europe/Amsterdam", country_holidays=None, day_start=time(9))
)


@given(any_moments, amounts)
def test_properties_hold_in_a_zone_with_daylight_saving(start: datetime, minutes: int) -> None:
    result = AMSTERDAM.add_working_minutes(start, minutes)
    assert AMSTERDAM.working_minutes_between(start, result) == minutes
    nxt = AMSTERDAM.next_working_moment(start)
    assert nxt >= start and AMSTERDAM.is_working_time(nxt)
    if nxt != start:
        assert nxt.time() == time(9)


def test_joint_leave_is_unknown_where_the_package_keeps_it_and_the_office_listed_none() -> None:
    """2100: the package lists no cuti bersama of Indonesia (its decree is decades away)."""
    assert PLAIN.joint_leave_unknown(2100)
    listed = WorkCalendar(WorkSchedule(extra_days_off=frozenset({date(2100, 12, 24)})))
    assert not listed.joint_leave_unknown(2100)  # the office wrote its own
    assert not WorkCalendar(WorkSchedule(joint_leave=False)).joint_leave_unknown(2100)
    assert not WorkCalendar(WorkSchedule(country_holidays=None)).joint_leave_unknown(2100)
    # a country the package keeps no joint leave days for has none to miss
    assert not WorkCalendar(WorkSchedule(country_holidays="MY")).joint_leave_unknown(2100)
