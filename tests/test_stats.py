"""The figures of bot.stats against hand-computed ones, for a seeded set of cases.

Office hours 08.00-16.00 WIB, Monday to Friday; Wednesday 4 November 2026 is a day off
(``extra_days_off``), so nothing counts on it; one case crosses Indonesia's Independence
Day (Monday 17 August 2026, a public holiday of the ``holidays`` package). Every figure
below was worked out by hand from the times written next to the events.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import stats
from bot.core.loader import load_definition
from bot.core.model import Event, EventType
from bot.parsing import report_period
from bot.worktime import WorkCalendar, WorkSchedule
from storage.codec import ts

ROOT = Path(__file__).resolve().parents[1]
SOP = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkCalendar(
    WorkSchedule(country_holidays=None, extra_days_off=frozenset({date(2026, 11, 4)}))
)
KASUBAG, KABAG, KARO, ADMIN = 1, 2, 3, 9
NOW = datetime(2026, 11, 13, 12, 0, tzinfo=WIB)  # Friday
NOVEMBER = stats.Period(
    datetime(2026, 11, 1, tzinfo=WIB), datetime(2026, 12, 1, tzinfo=WIB), "November 2026"
)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def started(case: int, when: datetime) -> Event:
    return Event(EventType.STARTED, case, KASUBAG, "kasubag", when, 1)


def move(
    case: int,
    kind: EventType,
    step: int,
    to: int | None,
    when: datetime,
    actor: int,
    reason: str = "",
    **data: str,
) -> Event:
    role = SOP.step(step).actor if actor != ADMIN else "admin"
    return Event(kind, case, actor, role, when, step, to, reason, "", dict(data))


C, A, R, X = EventType.COMPLETED, EventType.APPROVED, EventType.RETURNED, EventType.CANCELLED

# A: returned once at step 2; the step-2 approval by an acting Kabag (Plh); now at step 4.
CASE_A = [
    started(1, at(11, 2, 9)),
    move(1, C, 1, 2, at(11, 2, 11), KASUBAG),  # L1: 09-11 = 120
    move(1, R, 2, 1, at(11, 3, 10), KABAG, "TOR belum lengkap"),  # L2: 300 + 120 = 420
    move(1, C, 1, 2, at(11, 5, 9), KASUBAG),  # L1: 360 + (Wed off) 0 + 60 = 420 > 240
    move(1, A, 2, 3, at(11, 5, 15), KABAG, acting="plh"),  # L2: Thu 09-15 = 360
    move(1, A, 3, 4, at(11, 13, 9), KARO),  # L3: 60 + 480 + 4 x 480 + 60 = 2520 > 480
]  # open at L4 since Fri 13 Nov 09.00: 180 by noon, norm 240: on time
# B: returned twice, then cancelled by an administrator at step 1.
CASE_B = [
    started(2, at(11, 2, 8)),
    move(2, C, 1, 2, at(11, 2, 12), KASUBAG),  # L1: 240 (= norm: not over)
    move(2, R, 2, 1, at(11, 2, 15), KABAG, "TOR belum lengkap"),  # L2: 180
    move(2, C, 1, 2, at(11, 3, 9), KASUBAG),  # L1: 60 + 60 = 120
    move(2, R, 2, 1, at(11, 5, 8, 30), KABAG, "Anggaran  belum\ndirinci"),  # L2: 420 + 0 + 30
    move(2, X, 1, None, at(11, 5, 10), ADMIN, "Diganti berkas baru"),  # L1: 90, cancelled
]
# C: at Kabag's review (step 2) since 26 October: overdue now.
CASE_C = [
    started(3, at(10, 26, 9)),
    move(3, C, 1, 2, at(10, 26, 10), KASUBAG),  # L1: 60, ended in October
]
# D: cancelled in October: outside November altogether.
CASE_D = [
    started(4, at(10, 19, 9)),
    move(4, C, 1, 2, at(10, 19, 10), KASUBAG),
    move(4, X, 2, None, at(10, 20, 9), ADMIN, "Ganda"),
]


def case_e() -> list[Event]:
    """E: all twelve steps, an hour each, Monday 9 November 08.00 to Tuesday 12.00."""
    events = [started(5, at(11, 9, 8))]
    ends = [at(11, 9, h) for h in range(9, 17)] + [at(11, 10, h) for h in range(9, 13)]
    for step, end in zip(range(1, 13), ends, strict=True):
        kind = SOP.step(step)
        actor = {"kasubag": KASUBAG, "kabag": KABAG, "karo": KARO}.get(kind.actor, 7)
        if step == 12:
            events.append(move(5, EventType.ARCHIVED, 12, None, end, actor))
        else:
            events.append(move(5, A if kind.is_review else C, step, step + 1, end, actor))
    return events


HISTORIES = [
    stats.CaseHistory(1, "Berkas A", SOP, CASE_A),
    stats.CaseHistory(2, "Berkas B", SOP, CASE_B),
    stats.CaseHistory(3, "Berkas C", SOP, CASE_C),
    stats.CaseHistory(4, "Berkas D", SOP, CASE_D),
    stats.CaseHistory(5, "Berkas E", SOP, case_e()),
]


def test_visits_of_a_case_with_a_return_a_day_off_and_an_acting_official() -> None:
    visits = stats.visits(CASE_A, SOP, CALENDAR, NOW)
    assert [(v.step, v.minutes, v.exit) for v in visits] == [
        (1, 120, stats.Exit.COMPLETED),
        (2, 420, stats.Exit.RETURNED),
        (1, 420, stats.Exit.COMPLETED),
        (2, 360, stats.Exit.APPROVED),
        (3, 2520, stats.Exit.APPROVED),
        (4, 180, stats.Exit.OPEN),
    ]
    assert [v.over_norm for v in visits] == [False, False, True, False, True, False]
    returned, acting, current = visits[1], visits[3], visits[5]
    assert (returned.holder, returned.reason, returned.to_step) == (KABAG, "TOR belum lengkap", 1)
    assert acting.acting == "plh" and acting.holder == KABAG
    assert stats.role_label(acting, "Kabag") == "Plh. Kabag"
    assert current.is_open and current.left is None and current.holder is None
    assert current.entered == at(11, 13, 9) and current.norm == 240


def test_a_public_holiday_does_not_count() -> None:
    """Friday 14 August 15.00 to Tuesday 18 August 09.00 across Independence Day (Monday
    17 August): 60 + 0 (weekend) + 0 (holiday) + 60 working minutes."""
    calendar = WorkCalendar(WorkSchedule(country_holidays="ID"))
    events = [
        Event(EventType.STARTED, 9, KASUBAG, "kasubag", datetime(2026, 8, 14, 15, tzinfo=WIB), 1),
        move(9, C, 1, 2, datetime(2026, 8, 18, 9, tzinfo=WIB), KASUBAG),
    ]
    (visit, current) = stats.visits(events, SOP, calendar, datetime(2026, 8, 18, 10, tzinfo=WIB))
    assert visit.minutes == 120
    assert current.minutes == 60 and current.is_open


def test_withdrawn_and_cancelled_visits() -> None:
    events = [
        started(6, at(11, 2, 8)),
        move(6, C, 1, 2, at(11, 2, 9), KASUBAG),
        move(6, EventType.WITHDRAWN, 2, 1, at(11, 2, 9, 30), KASUBAG),
        move(6, X, 1, None, at(11, 2, 10), ADMIN, "Salah SOP"),
    ]
    visits = stats.visits(events, SOP, CALENDAR, NOW)
    assert [(v.step, v.minutes, v.exit, v.holder) for v in visits] == [
        (1, 60, stats.Exit.COMPLETED, KASUBAG),
        (2, 30, stats.Exit.WITHDRAWN, None),  # Kabag never acted: taken back
        (1, 30, stats.Exit.CANCELLED, ADMIN),
    ]
    assert visits[2].reason == "Salah SOP"


def test_median_and_nearest_rank_p90() -> None:
    assert stats.median([]) == 0.0 and stats.p90([]) == 0
    assert stats.median([60, 90, 120, 120, 240, 420]) == 120.0
    assert stats.median([60, 2520]) == 1290.0
    assert stats.p90([60, 90, 120, 120, 240, 420]) == 420  # rank ceil(5.4) = 6
    assert stats.p90(list(range(1, 11))) == 9  # rank ceil(9.0) = 9
    assert stats.p90(list(range(1, 21))) == 18


def test_the_november_report_of_the_seeded_cases() -> None:
    report = stats.report(HISTORIES, SOP, CALENDAR, NOVEMBER, NOW)
    by_step = {s.step: s for s in report.steps}
    one, two, three = by_step[1], by_step[2], by_step[3]
    # Step 1: A 120, 420; B 240, 120; E 60 (C's and D's ended in October). B's last 90
    # minutes at step 1 ended with its cancellation: no execution of the step.
    assert (one.visits, one.median, one.p90, one.norm) == (5, 120.0, 420, 240)
    assert (one.over_norm, one.returns, one.reasons) == (1, 0, ())
    assert (one.withdrawn, one.cancelled) == (0, 1)
    # Step 2: A 420 (returned), 360; B 180 (returned), 450 (returned); E 60.
    assert (two.visits, two.median, two.p90, two.over_norm) == (5, 360.0, 450, 0)
    assert two.returns == 3
    assert two.reasons == (("TOR belum lengkap", 2), ("Anggaran belum dirinci", 1))
    # Step 3: A 2520, E 60.
    assert (three.visits, three.median, three.p90, three.over_norm) == (2, 1290.0, 2520, 1)
    for step in range(4, 13):  # only E went there and left: an hour each
        s = by_step[step]
        assert (s.visits, s.median, s.p90, s.returns) == (1, 60.0, 60, 0), step
    assert report.visits == 5 + 5 + 2 + 9 and report.returns == 3
    assert (report.withdrawn, report.cancelled) == (0, 1)
    assert report.states == {
        stats.CaseState.ON_TIME: 1,  # A, 180 of 240 minutes at step 4
        stats.CaseState.LATE: 1,  # C
        stats.CaseState.ARCHIVED: 1,  # E
        stats.CaseState.CANCELLED: 1,  # B (D was cancelled in October)
    }
    assert report.cases == 4
    # C at step 2 since Mon 26 Oct 10.00: 360 + 4 x 480 + 2 x 480 + (Wed off) + 480 + 480
    # + 4 x 480 (9-12 Nov) + 240 (Fri 13 until noon) = 6360
    assert [(o.case_id, o.step, o.minutes, o.norm) for o in report.overdue] == [(3, 2, 6360, 480)]
    assert report.overdue[0].since == at(10, 26, 10)


def test_states_are_read_at_the_end_of_a_past_period() -> None:
    """October: D cancelled in it; C open at its end (at step 2 since 26 October 10.00:
    360 + 4 x 480 = 2280 > 480, late); the others had not started."""
    october = stats.Period(
        datetime(2026, 10, 1, tzinfo=WIB), datetime(2026, 11, 1, tzinfo=WIB), "Oktober 2026"
    )
    report = stats.report(HISTORIES, SOP, CALENDAR, october, NOW)
    assert report.states[stats.CaseState.CANCELLED] == 1
    assert report.states[stats.CaseState.LATE] == 1
    assert report.states[stats.CaseState.ON_TIME] == 0
    assert report.states[stats.CaseState.ARCHIVED] == 0
    by_step = {s.step: s for s in report.steps}
    assert (by_step[1].visits, by_step[1].median) == (2, 60.0)  # C and D: an hour each
    # D's 420 minutes at step 2 ended with its cancellation: no execution of the step
    assert (by_step[2].visits, by_step[2].median, by_step[2].cancelled) == (0, 0.0, 1)
    assert report.cases == 2
    assert [o.case_id for o in report.overdue] == [3]  # overdue is always about now


def log_rows(histories: list[stats.CaseHistory]) -> list[stats.LogRow]:
    """The moves as the database hands them to /laporan (storage.repo.report_moves): times
    as stored (UTC text), a reason only on a return. Other events are passed over."""
    return [
        (h.case_id, e.type.value, e.step, e.to_step, ts(e.at),
         e.reason if e.type is EventType.RETURNED else None)
        for h in histories
        for e in h.events
    ]  # fmt: skip


@pytest.mark.parametrize("month", [10, 11])
def test_the_report_from_database_rows_is_the_report_from_events(month: int) -> None:
    period = stats.Period(
        datetime(2026, month, 1, tzinfo=WIB), datetime(2026, month + 1, 1, tzinfo=WIB), "bulan"
    )
    other_sop = dataclasses.replace(SOP, header=dataclasses.replace(SOP.header, code="sop-lain"))
    stray = stats.CaseHistory(7, "Berkas SOP lain", other_sop, CASE_A)
    rows = log_rows([*HISTORIES, stray])
    rows.insert(3, (1, EventType.FILE_ATTACHED.value, 1, None, ts(at(11, 2, 10)), None))
    cases = {h.case_id: (h.title, h.definition) for h in [*HISTORIES, stray]}
    from_rows = stats.report_from_log(rows, cases, SOP, CALENDAR, period, NOW)
    assert from_rows == stats.report(HISTORIES, SOP, CALENDAR, period, NOW)
    assert from_rows.cases > 0 and from_rows.visits > 0
    # a case the read did not name is left out
    del cases[5]
    without_e = stats.report_from_log(rows, cases, SOP, CALENDAR, period, NOW)
    assert without_e == stats.report(HISTORIES[:4], SOP, CALENDAR, period, NOW)


CALENDARS = {
    "WIB 08-16, public holidays": WorkCalendar(WorkSchedule(country_holidays="ID")),
    "WIB 07.30-16.00": WorkCalendar(WorkSchedule(day_start=time(7, 30), day_end=time(16))),
    "IST (UTC+05.30)": WorkCalendar(WorkSchedule(timezone="Asia/Kolkata", country_holidays=None)),
    "Berlin (summer time)": WorkCalendar(
        WorkSchedule(timezone="Europe/Berlin", day_start=time(8, 15, 30), country_holidays=None)
    ),
}


@pytest.mark.parametrize("name", list(CALENDARS))
def test_the_working_clock_reads_the_calendar_exactly(name: str) -> None:
    """WorkingClock's per-hour shortcut against the calendar itself, moment by moment:
    random moments over two years (any second, any microsecond, in several zones), and
    the edges of working windows and of hours."""
    calendar = CALENDARS[name]
    clock = stats.WorkingClock(calendar)
    rng = random.Random(name)
    zones = [UTC, WIB, calendar.tz, timezone(timedelta(hours=5, minutes=45))]
    start = datetime(2025, 12, 20, tzinfo=UTC)
    moments = [
        (start + timedelta(seconds=rng.uniform(0, 2 * 366 * 86400))).astimezone(rng.choice(zones))
        for _ in range(4000)
    ]
    for day in range(40):
        d = date(2026, 3, 20) + timedelta(days=day)
        for edge in (calendar.schedule.day_start, calendar.schedule.day_end, time(0), time(23)):
            moment = datetime.combine(d, edge, tzinfo=calendar.tz)
            moments += [moment, moment - timedelta(microseconds=1), moment + timedelta(seconds=1)]
    one_us = timedelta(microseconds=1)
    for moment in moments:
        assert clock(moment) == calendar.working_clock(moment) // one_us, moment.isoformat()


def test_short_reasons_are_cut_at_a_word() -> None:
    assert stats.short_reason("  TOR   belum\nlengkap ") == "TOR belum lengkap"
    long = "Target indikator kinerja pada draf Penetapan Kinerja agar dikoreksi sesuai pagu."
    cut = stats.short_reason(long, 40)
    assert cut == "Target indikator kinerja pada draf…"
    assert len(cut) <= 40


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", (date(2026, 1, 1), date(2027, 1, 1), "Tahun 2026")),
        ("2025", (date(2025, 1, 1), date(2026, 1, 1), "Tahun 2025")),
        ("12-2026", (date(2026, 12, 1), date(2027, 1, 1), "Desember 2026")),
        ("2/2026", (date(2026, 2, 1), date(2026, 3, 1), "Februari 2026")),
        ("2026-03", (date(2026, 3, 1), date(2026, 4, 1), "Maret 2026")),
        ("Desember 2026", (date(2026, 12, 1), date(2027, 1, 1), "Desember 2026")),
        ("agt 2026", (date(2026, 8, 1), date(2026, 9, 1), "Agustus 2026")),
        ("nopember", (date(2026, 11, 1), date(2026, 12, 1), "November 2026")),
        ("30h", (date(2026, 11, 14), date(2026, 12, 14), "30 hari terakhir")),
        ("7 hari", (date(2026, 12, 7), date(2026, 12, 14), "7 hari terakhir")),
        ("１２-２０２６", (date(2026, 12, 1), date(2027, 1, 1), "Desember 2026")),
    ],
)
def test_report_periods(typed: str, expected: tuple[date, date, str]) -> None:
    assert report_period(typed, date(2026, 12, 13)) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("desember", (date(2026, 12, 1), date(2027, 1, 1), "Desember 2026")),
        ("nov", (date(2026, 11, 1), date(2026, 12, 1), "November 2026")),
        ("januari", (date(2027, 1, 1), date(2027, 2, 1), "Januari 2027")),
        ("Desember 2027", (date(2027, 12, 1), date(2028, 1, 1), "Desember 2027")),
    ],
)
def test_a_month_named_without_its_year_is_the_latest_that_has_begun(
    typed: str, expected: tuple[date, date, str]
) -> None:
    """Kabag types /laporan desember on 5 January 2027: he means the December just past
    (the month of this year has begun: January is this one; a year typed is kept)."""
    assert report_period(typed, date(2027, 1, 5)) == expected


@pytest.mark.parametrize(
    "typed", ["13-2026", "0h", "99999h", "1999", "bulan depan", "2026 2027", "², 2026", "x" * 80]
)
def test_report_periods_refused(typed: str) -> None:
    assert report_period(typed, date(2026, 12, 13)) is None


def test_a_stay_taken_back_is_no_execution_of_its_step() -> None:
    """Kasubag submits at 09.00, takes it back (/tarik) at 09.05, submits again at 10.00;
    Kabag approves at 15.00. Kabag executed step 2 once, in 300 minutes: the 5 minutes
    the case sat there before it was taken back are counted apart, not in the median."""
    events = [
        started(7, at(11, 2, 8)),
        move(7, C, 1, 2, at(11, 2, 9), KASUBAG),
        move(7, EventType.WITHDRAWN, 2, 1, at(11, 2, 9, 5), KASUBAG),
        move(7, C, 1, 2, at(11, 2, 10), KASUBAG),
        move(7, A, 2, 3, at(11, 2, 15), KABAG),
    ]
    visits = stats.visits(events, SOP, CALENDAR, NOW)
    assert [v.acted for v in visits] == [True, False, True, True, False]
    report = stats.report([stats.CaseHistory(7, "G", SOP, events)], SOP, CALENDAR, NOVEMBER, NOW)
    one, two = report.steps[0], report.steps[1]
    assert (two.visits, two.median, two.p90, two.withdrawn) == (1, 300.0, 300, 1)
    assert (one.visits, one.median) == (2, 57.5)  # 60 and 55: Kasubag acted both times
    assert (report.visits, report.withdrawn, report.cancelled) == (3, 1, 0)
