from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reminder_policy import (
    HeldStep,
    ReminderSettings,
    as_of,
    clamp_snooze,
    decide_reminder,
    escalation_chain,
    first_due_at,
    holder_number,
    level_for_reminder,
    mark_sent,
    next_due_at,
)
from bot.worktime import WorkCalendar, WorkSchedule

JKT = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar(WorkSchedule())  # Mon-Fri 08:00-16:00 WIB, Indonesian public holidays
SETTINGS = ReminderSettings()  # repeat 240, escalate after 2, snooze max 2880


def jkt(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=JKT)


# Monday 13 July 2026 09:00 WIB, norm 4 working hours -> first reminder due 13:00.
ENTERED = jkt(2026, 7, 13, 9)
FRESH = HeldStep(
    step_entered_at=ENTERED,
    norm_minutes=240,
    reminders_sent=0,
    last_reminded_at=None,
    snoozed_until=None,
)


# ----------------------------------------------------------------------------- validation


def test_settings_validation() -> None:
    for bad in (
        {"repeat_every_minutes": 0},
        {"escalate_after": 0},
        {"max_snooze_minutes": 0},
    ):
        with pytest.raises(ValueError):
            ReminderSettings(**bad)


def test_held_step_validation() -> None:
    with pytest.raises(ValueError):
        replace(FRESH, norm_minutes=-1)
    with pytest.raises(ValueError):
        replace(FRESH, reminders_sent=-1)
    with pytest.raises(ValueError):
        replace(FRESH, step_entered_at=datetime(2026, 7, 13, 9))
    with pytest.raises(ValueError):
        replace(FRESH, snoozed_until=datetime(2026, 7, 13, 9))
    with pytest.raises(ValueError):
        decide_reminder(CAL, SETTINGS, FRESH, datetime(2026, 7, 13, 13))


# ----------------------------------------------------------------------------- due times


def test_first_due_at_is_entered_plus_norm_in_working_minutes() -> None:
    assert first_due_at(CAL, ENTERED, 240) == jkt(2026, 7, 13, 13)
    # Friday 15:00 + 120 working minutes -> Monday 09:00.
    assert first_due_at(CAL, jkt(2026, 7, 10, 15), 120) == jkt(2026, 7, 13, 9)
    # The deadline may be closing time; next_due_at moves it to the next working moment.
    held = replace(FRESH, step_entered_at=jkt(2026, 7, 10, 15), norm_minutes=60)
    assert first_due_at(CAL, held.step_entered_at, 60) == jkt(2026, 7, 10, 16)
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 13, 8)


def test_norm_elapsed_is_due() -> None:
    decision = decide_reminder(CAL, SETTINGS, FRESH, jkt(2026, 7, 13, 13))
    assert decision.due
    assert decision.level == 0
    # Next reminder 240 working minutes later: 13:00 -> 16:00 (180) + 60 -> Tue 09:00.
    assert decision.next_check_at == jkt(2026, 7, 14, 9)


def test_before_norm_is_not_due() -> None:
    decision = decide_reminder(CAL, SETTINGS, FRESH, jkt(2026, 7, 13, 12, 59))
    assert not decision.due
    assert decision.level == 0
    assert decision.next_check_at == jkt(2026, 7, 13, 13)


def test_repeat_interval_makes_it_due_again() -> None:
    sent = mark_sent(FRESH, jkt(2026, 7, 13, 13))
    assert sent.reminders_sent == 1
    assert sent.last_reminded_at == jkt(2026, 7, 13, 13)
    # Right after sending: not due again.
    after = decide_reminder(CAL, SETTINGS, sent, jkt(2026, 7, 13, 13))
    assert not after.due
    assert after.next_check_at == jkt(2026, 7, 14, 9)
    assert not decide_reminder(CAL, SETTINGS, sent, jkt(2026, 7, 14, 8, 59)).due
    again = decide_reminder(CAL, SETTINGS, sent, jkt(2026, 7, 14, 9))
    assert again.due
    assert again.level == 1  # reminder 2 with escalate_after=2


def test_levels_rise_with_reminders() -> None:
    held = FRESH
    now = jkt(2026, 7, 13, 13)
    levels = []
    for _ in range(7):
        decision = decide_reminder(CAL, SETTINGS, held, now)
        assert decision.due
        levels.append(decision.level)
        held = mark_sent(held, now)
        now = decision.next_check_at
    assert levels == [0, 1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(
    ("escalate_after", "expected"),
    [
        (1, [1, 2, 3, 4, 5, 6]),
        (2, [0, 1, 1, 2, 2, 3]),
        (3, [0, 0, 1, 1, 1, 2]),
    ],
)
def test_level_definition(escalate_after: int, expected: list[int]) -> None:
    s = ReminderSettings(escalate_after=escalate_after)
    assert [level_for_reminder(s, n) for n in range(1, 7)] == expected
    with pytest.raises(ValueError):
        level_for_reminder(s, 0)


# ----------------------------------------------------------------------------- off hours


def test_night_is_not_due_and_checks_at_opening() -> None:
    decision = decide_reminder(CAL, SETTINGS, FRESH, jkt(2026, 7, 13, 20))
    assert not decision.due
    assert decision.next_check_at == jkt(2026, 7, 14, 8)
    early = decide_reminder(CAL, SETTINGS, FRESH, jkt(2026, 7, 14, 5))
    assert not early.due
    assert early.next_check_at == jkt(2026, 7, 14, 8)
    assert decide_reminder(CAL, SETTINGS, FRESH, jkt(2026, 7, 14, 8)).due


def test_weekend_is_not_due() -> None:
    # Entered Friday 10 July 09:00, due Friday 13:00; on Saturday nothing is sent.
    held = replace(FRESH, step_entered_at=jkt(2026, 7, 10, 9))
    for now in (jkt(2026, 7, 11, 10), jkt(2026, 7, 12, 23, 59)):
        decision = decide_reminder(CAL, SETTINGS, held, now)
        assert not decision.due
        assert decision.next_check_at == jkt(2026, 7, 13, 8)


def test_public_holiday_is_not_due() -> None:
    # Entered Friday 14 Aug 09:00, due 13:00; Monday 17 Aug is Independence Day.
    held = replace(FRESH, step_entered_at=jkt(2026, 8, 14, 9))
    decision = decide_reminder(CAL, SETTINGS, held, jkt(2026, 8, 17, 10))
    assert not decision.due
    assert decision.next_check_at == jkt(2026, 8, 18, 8)
    assert decide_reminder(CAL, SETTINGS, held, jkt(2026, 8, 18, 8)).due


def test_due_time_after_hours_waits_for_next_working_start() -> None:
    # Norm runs out exactly at Friday closing time: not due Friday evening, due Monday 08:00.
    held = replace(FRESH, step_entered_at=jkt(2026, 7, 10, 15), norm_minutes=60)
    evening = decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 10, 16))
    assert not evening.due
    assert evening.next_check_at == jkt(2026, 7, 13, 8)


def test_now_in_another_time_zone() -> None:
    # 06:00 UTC = 13:00 WIB.
    decision = decide_reminder(CAL, SETTINGS, FRESH, datetime(2026, 7, 13, 6, 0, tzinfo=UTC))
    assert decision.due
    assert decision.next_check_at == jkt(2026, 7, 14, 9)


# ----------------------------------------------------------------------------- snooze


def test_snooze_is_honoured() -> None:
    held = replace(FRESH, snoozed_until=jkt(2026, 7, 14, 11))
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 14, 11)
    decision = decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 13, 14))
    assert not decision.due
    assert decision.next_check_at == jkt(2026, 7, 14, 11)
    assert not decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 14, 10, 59)).due
    assert decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 14, 11)).due


def test_snooze_ending_at_night_waits_for_morning() -> None:
    held = replace(FRESH, snoozed_until=jkt(2026, 7, 13, 20))
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 14, 8)


def test_expired_snooze_changes_nothing() -> None:
    held = replace(FRESH, snoozed_until=jkt(2026, 7, 13, 10))
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 13, 13)


def test_clamp_snooze() -> None:
    assert clamp_snooze(SETTINGS, 1) == 1
    assert clamp_snooze(SETTINGS, 60) == 60
    assert clamp_snooze(SETTINGS, 2880) == 2880
    assert clamp_snooze(SETTINGS, 10_000) == 2880
    for bad in (0, -5):
        with pytest.raises(ValueError):
            clamp_snooze(SETTINGS, bad)


# ----------------------------------------------------------------------------- outages


def test_long_outage_sends_exactly_one_reminder() -> None:
    # Last reminder Monday 13 July 13:00; the bot was down for three weeks.
    held = mark_sent(FRESH, jkt(2026, 7, 13, 13))
    now = jkt(2026, 8, 3, 10)
    decision = decide_reminder(CAL, SETTINGS, held, now)
    assert decision.due
    assert decision.level == 1  # reminder 2, not "reminder 2 + all the missed ones"
    assert decision.next_check_at == jkt(2026, 8, 3, 14)
    held = mark_sent(held, now)
    # Checking again right away (or a minute later) finds nothing due.
    for later in (now, now + timedelta(minutes=1), jkt(2026, 8, 3, 13, 59)):
        assert not decide_reminder(CAL, SETTINGS, held, later).due


def test_never_reminded_after_long_outage_sends_first_reminder_once() -> None:
    now = jkt(2026, 9, 1, 9)
    decision = decide_reminder(CAL, SETTINGS, FRESH, now)
    assert decision.due and decision.level == 0
    assert not decide_reminder(CAL, SETTINGS, mark_sent(FRESH, now), now).due


def test_decision_depends_only_on_the_row_and_now() -> None:
    now = jkt(2026, 7, 14, 9)
    held = mark_sent(FRESH, jkt(2026, 7, 13, 13))
    assert decide_reminder(CAL, SETTINGS, held, now) == decide_reminder(CAL, SETTINGS, held, now)


# ----------------------------------------------------------------------------- escalation

SUPERIOR_OF: dict[str, str | None] = {
    "staf": "kasubbag",
    "kasubbag": "kabag",
    "kabag": "sekda",
    "sekda": None,
}


def test_escalation_chain() -> None:
    assert escalation_chain("staf", SUPERIOR_OF, 0) == ["staf"]
    assert escalation_chain("staf", SUPERIOR_OF, 1) == ["staf", "kasubbag"]
    assert escalation_chain("staf", SUPERIOR_OF, 2) == ["staf", "kasubbag", "kabag"]
    assert escalation_chain("staf", SUPERIOR_OF, 3) == ["staf", "kasubbag", "kabag", "sekda"]
    # Truncated at the top of the hierarchy.
    assert escalation_chain("staf", SUPERIOR_OF, 10) == ["staf", "kasubbag", "kabag", "sekda"]
    assert escalation_chain("kabag", SUPERIOR_OF, 5) == ["kabag", "sekda"]
    assert escalation_chain("sekda", SUPERIOR_OF, 2) == ["sekda"]
    assert escalation_chain("unknown", SUPERIOR_OF, 2) == ["unknown"]
    with pytest.raises(ValueError):
        escalation_chain("staf", SUPERIOR_OF, -1)


def test_escalation_chain_stops_on_a_cycle() -> None:
    cyclic: dict[str, str | None] = {"a": "b", "b": "a"}
    assert escalation_chain("a", cyclic, 5) == ["a", "b"]


# ----------------------------------------------------------------------------- properties

BASE = datetime(2026, 1, 1, tzinfo=JKT)
moments = st.builds(lambda k: BASE + timedelta(seconds=k), st.integers(0, 2 * 365 * 86400)).map(
    lambda m: m.astimezone(JKT)
)
rows = st.builds(
    lambda entered, norm, sent, gap, snooze: HeldStep(
        step_entered_at=entered,
        norm_minutes=norm,
        reminders_sent=sent,
        last_reminded_at=None if sent == 0 else entered + timedelta(minutes=gap),
        snoozed_until=None if snooze is None else entered + timedelta(minutes=snooze),
    ),
    moments,
    st.integers(0, 5000),
    st.integers(0, 8),
    st.integers(0, 20_000),
    st.none() | st.integers(0, 20_000),
)
policies = st.builds(
    ReminderSettings,
    repeat_every_minutes=st.integers(1, 2000),
    escalate_after=st.integers(1, 5),
)


@given(policies, rows, st.integers(0, 60 * 24 * 60))
def test_decision_invariants(policy: ReminderSettings, held: HeldStep, offset: int) -> None:
    now = held.step_entered_at + timedelta(minutes=offset)
    decision = decide_reminder(CAL, policy, held, now)
    due_at = next_due_at(CAL, policy, held)
    assert CAL.is_working_time(due_at)
    assert decision.due == (now >= due_at and CAL.is_working_time(now))
    # The next check is a working moment strictly in the future: no busy loop.
    assert decision.next_check_at > now
    assert CAL.is_working_time(decision.next_check_at)
    assert decision.level == (held.reminders_sent + 1) // policy.escalate_after
    if held.snoozed_until is not None:
        assert due_at >= held.snoozed_until
        if decision.due:
            assert now >= held.snoozed_until


@settings(max_examples=60)
@given(
    policies,
    moments,
    st.integers(0, 3000),
    st.lists(st.integers(1, 20_000), min_size=1, max_size=40),
)
def test_simulated_checks_never_burst(
    policy: ReminderSettings, entered: datetime, norm: int, gaps: list[int]
) -> None:
    """Checks at arbitrary times (dense, sparse, after outages): reminders stay spaced."""
    held = HeldStep(entered, norm, 0, None, None)
    now = entered
    sent: list[datetime] = []
    for gap in gaps:
        now += timedelta(minutes=gap)
        decision = decide_reminder(CAL, policy, held, now)
        if decision.due:
            assert decision.level == (len(sent) + 1) // policy.escalate_after
            held = mark_sent(held, now)
            sent.append(now)
            # Sending persisted: the same check repeated is not due again.
            assert not decide_reminder(CAL, policy, held, now).due
    if sent:
        assert CAL.working_minutes_between(entered, sent[0]) >= norm
    for a, b in pairwise(sent):
        assert CAL.working_minutes_between(a, b) >= policy.repeat_every_minutes
        assert CAL.is_working_time(b)


@settings(max_examples=40)
@given(policies, moments, st.integers(0, 3000))
def test_checking_at_next_check_at_sends_on_schedule(
    policy: ReminderSettings, entered: datetime, norm: int
) -> None:
    """A scheduler that sleeps until next_check_at sends each reminder exactly when due."""
    held = HeldStep(entered, norm, 0, None, None)
    now = entered
    for _ in range(6):
        decision = decide_reminder(CAL, policy, held, now)
        if not decision.due:
            now = decision.next_check_at
            decision = decide_reminder(CAL, policy, held, now)
        assert decision.due
        assert now == next_due_at(CAL, policy, held)
        held = mark_sent(held, now)
        now = decision.next_check_at


def test_a_row_stamped_while_the_clock_ran_ahead_is_taken_as_of_now() -> None:
    """A reminder sent (and a snooze asked for) while the host's clock ran two weeks ahead:
    once it is set back, the reminder counts as sent now and the snooze ends at most the
    longest snooze from now; a row of the real time is kept as it is."""
    now = jkt(2026, 7, 13, 10)
    ahead = now + timedelta(days=14)
    held = HeldStep(jkt(2026, 7, 13, 9), 240, 1, ahead, ahead + timedelta(days=1))
    kept = as_of(CAL, SETTINGS, held, now)
    assert kept.last_reminded_at == now and kept.step_entered_at == held.step_entered_at
    assert kept.snoozed_until == CAL.add_working_minutes(now, SETTINGS.max_snooze_minutes)
    assert next_due_at(CAL, SETTINGS, kept) == kept.snoozed_until  # six working days on
    real = HeldStep(jkt(2026, 7, 13, 9), 240, 1, jkt(2026, 7, 13, 9, 30), None)
    assert as_of(CAL, SETTINGS, real, now) is real


def test_a_reminder_sent_while_the_clock_ran_ahead_brings_the_escalation_no_nearer() -> None:
    """Kabag's review (norm one working day) entered Monday 09.00: due Tuesday 09.00. The
    host's clock ran two weeks ahead for a moment and reminder 1 went then; it is set back to
    Monday 10.05. Reminder 2 (with it the escalation to Karo) comes as it would have without
    the clock ahead: Tuesday 13.00, the norm and one repeat interval used up, not at 14.05 on
    Monday, 240 working minutes after the set-back, while the step is within its norm."""
    entered, now = jkt(2026, 7, 13, 9), jkt(2026, 7, 13, 10, 5)
    ahead = HeldStep(entered, 480, 1, now + timedelta(days=14), None)
    held = as_of(CAL, SETTINGS, ahead, now)
    assert held.reminders_sent == 1  # Kabag had it
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 14, 13)
    assert not decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 13, 14, 10)).due
    assert not decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 14, 9)).due
    decision = decide_reminder(CAL, SETTINGS, held, jkt(2026, 7, 14, 13))
    assert decision.due and decision.level == 1


def test_a_norm_lengthened_after_the_first_reminder_holds_the_next_one_to_the_new_norm() -> None:
    """Reminded once at Monday 13.00 under a norm of 4 working hours; the administrator
    lengthens it to 2 working days (``sop_time_overrides``). The step is within its norm
    again: reminder 2 comes the new norm and one repeat interval after it was entered
    (Wednesday 13.00), not 240 working minutes after reminder 1 (Tuesday 09.00)."""
    reminded = mark_sent(FRESH, jkt(2026, 7, 13, 13))
    assert next_due_at(CAL, SETTINGS, reminded) == jkt(2026, 7, 14, 9)
    lengthened = replace(reminded, norm_minutes=960)
    assert first_due_at(CAL, ENTERED, 960) == jkt(2026, 7, 15, 9)
    assert next_due_at(CAL, SETTINGS, lengthened) == jkt(2026, 7, 15, 13)


@given(policies, rows, st.integers(0, 60 * 24 * 60))
def test_no_reminder_comes_before_the_norm_and_its_repeats_are_used_up(
    policy: ReminderSettings, held: HeldStep, offset: int
) -> None:
    """However the row was stamped (a clock ahead, a norm changed since), reminder n + 1 is
    not due before the norm and n repeat intervals are used up."""
    now = held.step_entered_at + timedelta(minutes=offset)
    if decide_reminder(CAL, policy, held, now).due:
        worked = CAL.working_minutes_between(held.step_entered_at, now)
        repeats = held.reminders_sent if held.last_reminded_at is not None else 0
        assert worked >= held.norm_minutes + repeats * policy.repeat_every_minutes


# ----------------------------------------------------------------------------- hand-overs


def test_a_plh_who_receives_a_late_step_starts_at_ke_1_an_interval_after_he_received_it() -> None:
    """Kasubag's step 1 (norm 4 working hours, Monday 09.00) had reminders 1 to 3 (Monday
    13.00, Tuesday 09.00 and 13.00). At 14.00 a Plh Kasubag receives it. His first reminder
    is his ke-1 at Wednesday 10.00, 240 working minutes after 14.00, not the step's ke-4 at
    Wednesday 09.00; and it goes out at the step's level: reminder 4 of the step, level 2
    (Kabag and Karo), as it would have without the hand-over."""
    held = FRESH
    for at in (jkt(2026, 7, 13, 13), jkt(2026, 7, 14, 9), jkt(2026, 7, 14, 13)):
        held = mark_sent(held, at)
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 15, 9)
    handed = replace(held, handed_over_at=jkt(2026, 7, 14, 14), reminders_before_hand_over=3)
    assert next_due_at(CAL, SETTINGS, handed) == jkt(2026, 7, 15, 10)
    assert not decide_reminder(CAL, SETTINGS, handed, jkt(2026, 7, 15, 9)).due
    decision = decide_reminder(CAL, SETTINGS, handed, jkt(2026, 7, 15, 10))
    assert decision.due and decision.level == 2
    assert holder_number(handed) == 1
    # his ke-2 comes at his rhythm, 240 working minutes after his ke-1: Wednesday 14.00
    after = mark_sent(handed, jkt(2026, 7, 15, 10))
    assert holder_number(after) == 2
    assert next_due_at(CAL, SETTINGS, after) == jkt(2026, 7, 15, 14)
    assert decide_reminder(CAL, SETTINGS, after, jkt(2026, 7, 15, 14)).level == 2


def test_a_team_member_who_stays_counts_on_when_a_colleagues_place_passes_on() -> None:
    """A team's step had reminders 1 to 3 when one member's place passed to a newcomer:
    the step's next reminder is the newcomer's ke-1, and ke-4 for the member who has held
    the step since it was entered (received after none of its reminders)."""
    held = FRESH
    for at in (jkt(2026, 7, 13, 13), jkt(2026, 7, 14, 9), jkt(2026, 7, 14, 13)):
        held = mark_sent(held, at)
    handed = replace(held, handed_over_at=jkt(2026, 7, 14, 14), reminders_before_hand_over=3)
    assert (holder_number(handed, 3), holder_number(handed, 0)) == (1, 4)
    after = mark_sent(handed, jkt(2026, 7, 15, 10))
    assert (holder_number(after, 3), holder_number(after, 0)) == (2, 5)


def test_a_task_handed_over_within_its_norm_is_first_reminded_when_the_norm_runs_out() -> None:
    """Kabag's review (norm 2 working days) entered Monday 09.00 passes to a Plh Kabag at
    10.00: the task he receives says by when (Wednesday 09.00), and that is his first
    reminder, not 240 working minutes after he received it. Handed over at 15.00 on
    Tuesday instead, two working hours before the norm runs out, he gets his 240 minutes:
    Wednesday 11.00."""
    entered = jkt(2026, 7, 13, 9)
    early = HeldStep(entered, 960, 0, None, None, handed_over_at=jkt(2026, 7, 13, 10))
    assert next_due_at(CAL, SETTINGS, early) == jkt(2026, 7, 15, 9)
    late = replace(early, handed_over_at=jkt(2026, 7, 14, 15))
    assert next_due_at(CAL, SETTINGS, late) == jkt(2026, 7, 15, 11)
    assert holder_number(late) == 1


def test_a_hand_over_stamped_while_the_clock_ran_ahead_counts_from_now() -> None:
    """A Plh's period began while the host's clock ran two weeks ahead; set back to
    Monday 10.00, his first reminder comes 240 working minutes from now, not two weeks on
    (nor at Tuesday 09.00, an interval after the step's own next reminder at 13.00: the
    furthest a hand-over puts it off)."""
    now = jkt(2026, 7, 13, 10)
    ahead = HeldStep(jkt(2026, 7, 6, 9), 240, 2, jkt(2026, 7, 13, 9), None)
    ahead = replace(ahead, handed_over_at=now + timedelta(days=14), reminders_before_hand_over=2)
    held = as_of(CAL, SETTINGS, ahead, now)
    assert held.handed_over_at == now
    assert next_due_at(CAL, SETTINGS, held) == jkt(2026, 7, 13, 14)


def test_a_task_passed_on_more_often_than_the_interval_is_still_reminded() -> None:
    """Kasubag's step 1 (norm 4 working hours, Monday 09.00) had Pengingat ke-1 at 13.00; its
    next is due Tuesday 09.00. From Tuesday 08.30 the task changes hands every three working
    hours (a Plh period begins, it ends and the task is Kasubag's again, another begins, ...).
    Each hand-over gives whoever receives it up to one interval, but never puts the step's
    next reminder more than one interval after the one it would have had without it
    (Tuesday 13.00): an overdue step is reminded at least every two intervals, each time as
    its holder's own ke-1, however often it changes hands. Without the bound it was never
    reminded again: each hand-over put the reminder 240 working minutes after itself, and
    the next one came 180 minutes later."""
    held = mark_sent(FRESH, jkt(2026, 7, 13, 13))
    hand_overs = [CAL.add_working_minutes(jkt(2026, 7, 14, 8, 30), 180 * k) for k in range(12)]
    reminded: list[tuple[datetime, int]] = []
    now = jkt(2026, 7, 14, 8)
    while now <= jkt(2026, 7, 17, 16):
        if now in hand_overs:
            held = replace(held, handed_over_at=now, reminders_before_hand_over=held.reminders_sent)
        if decide_reminder(CAL, SETTINGS, held, now).due:
            reminded.append((now, holder_number(held)))
            held = mark_sent(held, now)
        now += timedelta(minutes=30)
    assert reminded == [
        (jkt(2026, 7, 14, 13), 1),
        (jkt(2026, 7, 15, 13), 1),
        (jkt(2026, 7, 16, 13), 1),
        (jkt(2026, 7, 17, 13), 1),
    ]


@given(policies, rows, st.integers(0, 30_000))
def test_a_hand_over_puts_the_next_reminder_off_by_one_interval_at_most(
    policy: ReminderSettings, held: HeldStep, offset: int
) -> None:
    """Whenever the task is handed over (and however often before: only the last one is
    kept), the step's next reminder is not earlier than it would have been without the
    hand-over, nor more than one repeat interval later."""
    handed = replace(
        held,
        handed_over_at=held.step_entered_at + timedelta(minutes=offset),
        reminders_before_hand_over=held.reminders_sent,
    )
    without = next_due_at(CAL, policy, held)
    bound = CAL.next_working_moment(CAL.add_working_minutes(without, policy.repeat_every_minutes))
    assert without <= next_due_at(CAL, policy, handed) <= bound


def test_a_hand_over_count_beyond_the_steps_reminders_is_refused() -> None:
    with pytest.raises(ValueError):
        replace(FRESH, reminders_before_hand_over=1)
    with pytest.raises(ValueError):
        replace(FRESH, handed_over_at=datetime(2026, 7, 13, 10))
