"""Office working time: which moments count towards an SOP step's time norm.

Pure functional core: no clock reads ("now" is always a parameter), no I/O.

Model
-----
Each *working day* has one working window ``[day_start, day_end)`` in the schedule's local
time (no lunch break is modelled). Working time is the union of those windows; every
computation is done on absolute instants, so moments given in any time zone (or in UTC) are
handled, and results are returned in the schedule's zone.

A date is a working day when, in this order of precedence:

1. it is in ``extra_days_off`` (cuti bersama from config)  -> not a working day;
2. it is in ``extra_workdays`` (a make-up Saturday)        -> a working day, even on a holiday;
3. it is a public holiday of ``country_holidays``          -> not a working day;
4. otherwise its weekday decides (``workdays``, Monday = 0).

Speed
-----
For each calendar year the calendar lazily builds (once) a prefix sum of working time per day
of that year. The amount of working time before any instant within its year is then an O(1)
lookup, so ``working_minutes_between`` over a year (or ten) costs a handful of operations plus
one addition per year boundary crossed, and ``add_working_minutes`` is a bisection. Internally
all durations are integer microseconds, so sums are exact.

Time zones with daylight saving time work as long as a clock change does not fall inside the
working window (all Indonesian zones have a fixed offset, so this never matters here).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["WorkCalendar", "WorkSchedule"]

_ONE_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
# next_working_moment gives up after this many consecutive non-working days: only a schedule
# whose every workday is declared off for ten years gets there.
_MAX_IDLE_DAYS = 3660
_ORIGIN_YEAR = 2000  # working_clock counts from the start of this year


@dataclass(frozen=True)
class WorkSchedule:
    """Office hours. Indonesian civil-service hours are about 07.30-16.00; we default 08-16."""

    timezone: str = "Asia/Jakarta"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    day_start: time = time(8, 0)
    day_end: time = time(16, 0)
    extra_days_off: frozenset[date] = frozenset()  # cuti bersama from config
    extra_workdays: frozenset[date] = frozenset()  # rare make-up Saturdays
    # Public holidays via the `holidays` package (e.g. "ID"); None disables them.
    country_holidays: str | None = "ID"
    # and the country's joint leave days, where the package knows them (Indonesia's cuti
    # bersama, its "government" category: the civil service's days off)
    joint_leave: bool = True

    def __post_init__(self) -> None:
        if not self.workdays:
            # Without a regular workday, adding working time could search forever.
            raise ValueError("workdays must not be empty")
        if not self.workdays <= frozenset(range(7)):
            raise ValueError(f"workdays must be weekday numbers 0..6 (Monday=0): {self.workdays}")
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local times and must not carry a tzinfo")
        if not self.day_start < self.day_end:
            raise ValueError(
                f"day_start ({self.day_start}) must be before day_end ({self.day_end})"
            )
        both = self.extra_days_off & self.extra_workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates both in extra_days_off and extra_workdays: {listed}")


@dataclass(frozen=True)
class _Year:
    """Working time of one calendar year, in microseconds."""

    # prefix[i] = working time on the days of the year before day i (0-based); prefix[-1] is
    # the year's total. Length: days in the year + 1.
    prefix: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.prefix[-1]


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


class WorkCalendar:
    """Working-time arithmetic for one :class:`WorkSchedule`.

    Instances are immutable in behaviour (they only cache derived data), so one calendar can
    be shared freely.
    """

    def __init__(self, schedule: WorkSchedule) -> None:
        try:
            self._tz = ZoneInfo(schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {schedule.timezone!r}") from exc
        if schedule.country_holidays is not None:
            try:
                holidays.country_holidays(schedule.country_holidays)
            except NotImplementedError as exc:
                raise ValueError(
                    f"unknown country for holidays: {schedule.country_holidays!r}"
                ) from exc
        self.schedule = schedule
        self._holidays: dict[int, frozenset[date]] = {}
        self._years: dict[int, _Year] = {}
        self._before: dict[int, int] = {}
        self._days: dict[date, tuple[int, datetime | None, int]] = {}

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    # ------------------------------------------------------------------ days

    def holidays_in(self, year: int) -> frozenset[date]:
        """Public holidays of ``year``, with the joint leave days unless they are switched
        off (empty when country holidays are disabled)."""
        cached = self._holidays.get(year)
        if cached is None:
            code = self.schedule.country_holidays
            if code is None:
                cached = frozenset()
            else:
                categories = {"public"}
                if self.schedule.joint_leave:
                    known = holidays.country_holidays(code).supported_categories
                    categories |= {"government"} & set(known)
                found = holidays.country_holidays(code, years=year, categories=tuple(categories))
                cached = frozenset(found.keys())
            self._holidays[year] = cached
        return cached

    def joint_leave_unknown(self, year: int) -> bool:
        """Whether the country's joint leave days of ``year`` go uncounted: the installed
        ``holidays`` release lists them for the country but none for that year (it predates
        the decree), and ``extra_days_off`` names no day of that year either."""
        code = self.schedule.country_holidays
        if code is None or not self.schedule.joint_leave:
            return False
        if "government" not in holidays.country_holidays(code).supported_categories:
            return False
        if any(d.year == year for d in self.schedule.extra_days_off):
            return False
        return not holidays.country_holidays(code, years=year, categories=("government",))

    def is_working_day(self, d: date) -> bool:
        s = self.schedule
        if d in s.extra_days_off:
            return False
        if d in s.extra_workdays:
            return True
        if d in self.holidays_in(d.year):
            return False
        return d.weekday() in s.workdays

    def _window(self, d: date) -> tuple[datetime, datetime]:
        """The working window of day ``d`` as UTC instants (whether or not ``d`` is worked)."""
        start = datetime.combine(d, self.schedule.day_start, tzinfo=self._tz)
        end = datetime.combine(d, self.schedule.day_end, tzinfo=self._tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            prefix = [0]
            total = 0
            d = date(year, 1, 1)
            one_day = timedelta(days=1)
            while d.year == year:
                if self.is_working_day(d):
                    start, end = self._window(d)
                    total += max(0, (end - start) // _ONE_US)
                prefix.append(total)
                d += one_day
            cached = _Year(tuple(prefix))
            self._years[year] = cached
        return cached

    # --------------------------------------------------------------- moments

    def _day(self, d: date) -> tuple[int, datetime | None, int]:
        """(working us of the year before ``d``, its window's start or None when it is not
        worked, the window's length in us): cached, as every moment of a day needs them."""
        cached = self._days.get(d)
        if cached is None:
            before = self._year(d.year).prefix[d.timetuple().tm_yday - 1]
            if self.is_working_day(d):
                start, end = self._window(d)
                cached = (before, start, max(0, (end - start) // _ONE_US))
            else:
                cached = (before, None, 0)
            self._days[d] = cached
        return cached

    def _offset(self, moment: datetime) -> tuple[int, int]:
        """(year, working microseconds from the start of that local year up to ``moment``)."""
        d = moment.astimezone(self._tz).date()
        before, start, length = self._day(d)
        if start is None:
            return d.year, before
        within = (moment - start) // _ONE_US  # aware datetimes subtract as instants
        return d.year, before + min(max(within, 0), length)

    def _working_us_between(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        y0, off0 = self._offset(start)
        y1, off1 = self._offset(end)
        return sum(self._year(y).total for y in range(y0, y1)) + off1 - off0

    def working_clock(self, moment: datetime) -> timedelta:
        """Working time from the calendar's origin (1 January 2000, office time) to
        ``moment`` (negative before it): a clock that runs only in working time.

        ``working_clock(b) - working_clock(a) == working_time_between(a, b)`` for a <= b,
        at the cost of one moment instead of two: reports over many events read each
        event's clock once (:mod:`bot.stats`)."""
        _require_aware(moment, "moment")
        year, offset = self._offset(moment)
        return timedelta(microseconds=self._years_before(year) + offset)

    def _years_before(self, year: int) -> int:
        """Working microseconds of the years from the origin up to ``year`` (exclusive)."""
        cached = self._before.get(year)
        if cached is None:
            if year >= _ORIGIN_YEAR:
                cached = sum(self._year(y).total for y in range(_ORIGIN_YEAR, year))
            else:
                cached = -sum(self._year(y).total for y in range(year, _ORIGIN_YEAR))
            self._before[year] = cached
        return cached

    def is_working_time(self, moment: datetime) -> bool:
        """True when ``moment`` lies in a working window (start inclusive, end exclusive)."""
        _require_aware(moment, "moment")
        d = moment.astimezone(self._tz).date()
        if not self.is_working_day(d):
            return False
        start, end = self._window(d)
        return start <= moment.astimezone(UTC) < end

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the start of the next working window.

        The result is in the schedule's time zone.
        """
        _require_aware(moment, "moment")
        local = moment.astimezone(self._tz)
        d = local.date()
        for _ in range(_MAX_IDLE_DAYS):
            _, start, length = self._day(d)
            if start is not None:
                if moment < start:
                    return start.astimezone(self._tz)
                if (moment - start) // _ONE_US < length:
                    return local
            d += timedelta(days=1)
        raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {local.isoformat()}")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Exact working time in ``[start, end)``; zero if ``end <= start``.

        Exactly additive: for a <= b <= c, between(a, c) == between(a, b) + between(b, c).
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        return timedelta(microseconds=self._working_us_between(start, end))

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole working minutes elapsed from ``start`` to ``end`` (floor); 0 if ``end <= start``.

        Because of the floor, additivity holds exactly only when the moments are whole minutes
        apart in working time (e.g. all on whole minutes); use :meth:`working_time_between`
        for an exact, always-additive value.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        return self._working_us_between(start, end) // _MINUTE_US

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The earliest moment at which ``minutes`` working minutes have elapsed since ``start``.

        Being the *earliest* such moment, a result that uses up a day exactly is that day's
        ``day_end`` (e.g. Friday 15:00 + 60 -> Friday 16:00), which is not itself working time;
        apply :meth:`next_working_moment` to get a moment at which someone is at work.
        ``minutes == 0`` returns ``start`` (in the schedule's zone). Result in schedule's zone.
        """
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, got {minutes}")
        return self.add_working_time(start, timedelta(minutes=minutes))

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Like :meth:`add_working_minutes` with an exact amount of working time."""
        _require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        if not amount:
            return start.astimezone(self._tz)
        year, offset = self._offset(start)
        target = offset + amount // _ONE_US  # working us from the start of `year`; > 0
        info = self._year(year)
        while target > info.total:
            target -= info.total
            year += 1
            info = self._year(year)
        # The day whose working time reaches the target: prefix[i] < target <= prefix[i + 1].
        i = bisect_left(info.prefix, target) - 1
        day = date(year, 1, 1) + timedelta(days=i)
        window_start = self._day(day)[1]
        assert window_start is not None  # a day with working time is worked
        return (window_start + timedelta(microseconds=target - info.prefix[i])).astimezone(self._tz)
