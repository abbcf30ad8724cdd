"""The pure rules of IPUS plans (art. 38–46): properties with hypothesis, and the statutory examples."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cus.plans import rules
from cus.plans.rules import Frequency, Period, Problem

days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31))
weekday_sets = st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=7, unique=True)
periods = st.builds(
    lambda start, length: Period(start, start + datetime.timedelta(days=length)),
    days,
    st.integers(min_value=0, max_value=400),
)
D = datetime.date


# --- add_months ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 5, 31), 1, D(2026, 6, 30)),
        (D(2026, 11, 15), 2, D(2027, 1, 15)),
        (D(2026, 1, 15), -1, D(2025, 12, 15)),
        (D(2026, 8, 31), 0, D(2026, 8, 31)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
    ],
)
def test_add_months_examples(day: datetime.date, months: int, expected: datetime.date) -> None:
    assert rules.add_months(day, months) == expected


@given(days, st.integers(min_value=-60, max_value=60))
def test_add_months_lands_in_the_right_month_clamped(day: datetime.date, months: int) -> None:
    result = rules.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + datetime.timedelta(days=1)).day == 1)


@given(days, st.integers(min_value=-60, max_value=60))
def test_add_months_is_inverse_when_the_day_exists_in_both_months(day: datetime.date, months: int) -> None:
    there = rules.add_months(day, months)
    back = rules.add_months(there, -months)
    if day.day <= 28:
        assert back == day
    else:
        # Clamping loses the day at most: never later than the start, in the same month.
        assert back <= day
        assert (back.year, back.month) == (day.year, day.month)


@given(days, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_add_months_is_monotonic(day: datetime.date, first: int, second: int) -> None:
    low, high = sorted((first, second))
    assert rules.add_months(day, low) <= rules.add_months(day, high)


# --- the 30-day deadline, the one-year limit (art. 40) -------------------------------------------------------------


def test_draw_up_deadline_is_thirty_days_after_the_application() -> None:
    assert rules.draw_up_deadline(D(2026, 3, 2)) == D(2026, 4, 1)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 3, 1), D(2027, 2, 28)),
        (D(2026, 1, 1), D(2026, 12, 31)),
        (D(2028, 2, 29), D(2029, 2, 27)),
        (D(2027, 3, 1), D(2028, 2, 29)),
    ],
)
def test_latest_end_is_the_day_before_one_year_later(start: datetime.date, end: datetime.date) -> None:
    assert rules.latest_end(start) == end


@given(days)
def test_a_plan_of_exactly_one_year_is_allowed_one_day_more_is_not(start: datetime.date) -> None:
    last = rules.latest_end(start)
    assert rules.plan_period_problems(Period(start, last)) == []
    assert rules.plan_period_problems(Period(start, last + datetime.timedelta(days=1))) == [Problem.LONGER_THAN_YEAR]
    # One year is 365 or 366 days, never more.
    assert Period(start, last).days in (365, 366)


def test_plan_period_problems() -> None:
    assert rules.plan_period_problems(Period(D(2026, 5, 1), D(2026, 5, 1))) == []
    assert rules.plan_period_problems(Period(D(2026, 5, 2), D(2026, 5, 1))) == [Problem.END_BEFORE_START]
    assert rules.plan_period_problems(Period(D(2026, 5, 1), D(2027, 5, 1))) == [Problem.LONGER_THAN_YEAR]


@given(periods)
def test_plan_period_problems_agree_with_latest_end(period: Period) -> None:
    problems = rules.plan_period_problems(period)
    assert (Problem.LONGER_THAN_YEAR in problems) == (period.ends_on > rules.latest_end(period.starts_on))


# --- items inside the plan -----------------------------------------------------------------------------------------


def test_item_period_problems_examples() -> None:
    plan = Period(D(2026, 3, 1), D(2026, 12, 31))
    assert rules.item_period_problems(plan, plan) == []
    assert rules.item_period_problems(plan, Period(D(2026, 2, 28), D(2026, 6, 1))) == [Problem.ITEM_BEFORE_PLAN]
    assert rules.item_period_problems(plan, Period(D(2026, 6, 1), D(2027, 1, 1))) == [Problem.ITEM_AFTER_PLAN]
    assert rules.item_period_problems(plan, Period(D(2026, 2, 1), D(2027, 1, 1))) == [
        Problem.ITEM_BEFORE_PLAN,
        Problem.ITEM_AFTER_PLAN,
    ]
    assert rules.item_period_problems(plan, Period(D(2026, 6, 2), D(2026, 6, 1))) == [Problem.END_BEFORE_START]


@given(periods, periods)
def test_an_item_has_no_problem_exactly_when_the_plan_covers_it(plan: Period, item: Period) -> None:
    assert (rules.item_period_problems(plan, item) == []) == plan.covers(item)


# --- coordination of at least 3 months (art. 38) -------------------------------------------------------------------


def test_exactly_three_months_is_fine_one_day_less_warns() -> None:
    start = D(2026, 3, 1)
    assert rules.coordination_warnings([Period(start, D(2026, 5, 31))]) == []
    assert rules.coordination_warnings([Period(start, D(2026, 5, 30))]) == [Problem.SHORTER_THAN_THREE_MONTHS]


def test_coordination_span_runs_from_the_first_start_to_the_last_end() -> None:
    items = [Period(D(2026, 3, 1), D(2026, 3, 31)), Period(D(2026, 5, 1), D(2026, 6, 15))]
    assert rules.coordination_span(items) == Period(D(2026, 3, 1), D(2026, 6, 15))
    assert rules.coordination_warnings(items) == []
    assert rules.coordination_span([]) is None
    assert rules.coordination_warnings([]) == []


@given(days)
def test_three_month_boundary_holds_for_every_start(start: datetime.date) -> None:
    boundary = rules.add_months(start, 3) - datetime.timedelta(days=1)
    assert rules.coordination_warnings([Period(start, boundary)]) == []
    assert rules.coordination_warnings([Period(start, boundary - datetime.timedelta(days=1))]) == [
        Problem.SHORTER_THAN_THREE_MONTHS
    ]


# --- visit dates and planned hours ---------------------------------------------------------------------------------


def test_weekly_visits_on_the_chosen_weekdays() -> None:
    # 2 Mar 2026 is a Monday.
    period = Period(D(2026, 3, 2), D(2026, 3, 15))
    assert list(rules.visit_dates(period, Frequency.WEEKLY, [1, 3, 5])) == [
        D(2026, 3, 2),
        D(2026, 3, 4),
        D(2026, 3, 6),
        D(2026, 3, 9),
        D(2026, 3, 11),
        D(2026, 3, 13),
    ]


def test_every_other_week_counts_weeks_from_the_start() -> None:
    # Starting on a Wednesday: weeks are Wed–Tue blocks from the start.
    period = Period(D(2026, 3, 4), D(2026, 4, 7))
    assert list(rules.visit_dates(period, "every_other_week", [3])) == [D(2026, 3, 4), D(2026, 3, 18), D(2026, 4, 1)]


def test_monthly_on_the_start_day_clamped() -> None:
    period = Period(D(2026, 1, 31), D(2026, 5, 30))
    assert list(rules.visit_dates(period, Frequency.MONTHLY, [])) == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
    ]


def test_no_weekday_means_no_weekly_visit() -> None:
    assert list(rules.visit_dates(Period(D(2026, 3, 2), D(2026, 3, 31)), Frequency.WEEKLY, [])) == []


def test_until_cuts_the_schedule() -> None:
    period = Period(D(2026, 3, 2), D(2026, 12, 31))
    assert list(rules.visit_dates(period, Frequency.WEEKLY, [1], until=D(2026, 3, 16))) == [
        D(2026, 3, 2),
        D(2026, 3, 9),
        D(2026, 3, 16),
    ]
    # ``until`` after the end does not extend the period.
    assert rules.planned_visits(Period(D(2026, 3, 2), D(2026, 3, 8)), "weekly", [1], until=D(2027, 1, 1)) == 1


@given(periods, weekday_sets, st.sampled_from(list(Frequency)))
def test_visits_fall_inside_the_period_on_chosen_days_ascending(
    period: Period, weekdays: list[int], frequency: Frequency
) -> None:
    dates = list(rules.visit_dates(period, frequency, weekdays))
    assert dates == sorted(set(dates))
    assert all(period.contains(day) for day in dates)
    if frequency is not Frequency.MONTHLY:
        assert all(day.isoweekday() in weekdays for day in dates)
    else:
        assert dates[0] == period.starts_on


@given(periods, weekday_sets)
def test_weekly_visits_count_every_chosen_weekday(period: Period, weekdays: list[int]) -> None:
    dates = list(rules.visit_dates(period, Frequency.WEEKLY, weekdays))
    every_day = [period.starts_on + datetime.timedelta(days=n) for n in range(period.days)]
    assert dates == [day for day in every_day if day.isoweekday() in weekdays]


@given(periods, weekday_sets)
def test_every_other_week_is_about_half_of_weekly(period: Period, weekdays: list[int]) -> None:
    weekly = rules.planned_visits(period, Frequency.WEEKLY, weekdays)
    fortnightly = list(rules.visit_dates(period, Frequency.EVERY_OTHER_WEEK, weekdays))
    assert set(fortnightly) <= set(rules.visit_dates(period, Frequency.WEEKLY, weekdays))
    assert all(((day - period.starts_on).days // 7) % 2 == 0 for day in fortnightly)
    assert weekly // 2 <= len(fortnightly) <= weekly // 2 + len(weekdays)


@given(periods, weekday_sets, days)
def test_until_is_a_prefix(period: Period, weekdays: list[int], until: datetime.date) -> None:
    full = list(rules.visit_dates(period, Frequency.WEEKLY, weekdays))
    assert list(rules.visit_dates(period, Frequency.WEEKLY, weekdays, until=until)) == [d for d in full if d <= until]


@given(periods, weekday_sets, st.sampled_from(list(Frequency)), st.decimals("0.25", "24", places=2))
def test_planned_hours_are_visits_times_hours(
    period: Period, weekdays: list[int], frequency: Frequency, hours: Decimal
) -> None:
    visits = rules.planned_visits(period, frequency, weekdays)
    assert rules.planned_hours(period, frequency, weekdays, hours) == hours * visits


def test_planned_hours_example() -> None:
    # March 2026: 13 Mondays, Wednesdays and Fridays, 2 hours each.
    period = Period(D(2026, 3, 1), D(2026, 3, 31))
    assert rules.planned_hours(period, Frequency.WEEKLY, [1, 3, 5], Decimal("2")) == Decimal("26")


# --- delivery share ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered", "planned", "share"),
    [
        ("0", "10", "0.0"),
        ("10", "10", "100.0"),
        ("1", "3", "33.3"),
        ("2", "3", "66.7"),
        ("1", "8", "12.5"),  # exactly half up
        ("1", "16", "6.3"),  # 6.25 → 6.3 (half up, not banker's)
        ("12", "10", "120.0"),
    ],
)
def test_delivery_share_rounding(delivered: str, planned: str, share: str) -> None:
    assert rules.delivery_share(Decimal(delivered), Decimal(planned)) == Decimal(share)


def test_delivery_share_without_planned_hours_is_none() -> None:
    assert rules.delivery_share(Decimal("3"), Decimal("0")) is None


@given(st.decimals("0", "1000", places=2), st.decimals("0.25", "1000", places=2))
def test_delivery_share_has_one_decimal_and_is_close(delivered: Decimal, planned: Decimal) -> None:
    share = rules.delivery_share(delivered, planned)
    assert share is not None
    assert share.as_tuple().exponent == -1
    assert abs(share - delivered * 100 / planned) <= Decimal("0.05")


# --- missed visits -------------------------------------------------------------------------------------------------


def test_missed_visits_after_the_grace_days() -> None:
    period = Period(D(2026, 3, 2), D(2026, 6, 30))  # Mondays
    recorded = [D(2026, 3, 2)]
    # Today Thursday 12 Mar: 9 Mar is 3 days old, past 2 grace days.
    assert rules.missed_visit_days(period, "weekly", [1], recorded, today=D(2026, 3, 12)) == [D(2026, 3, 9)]
    # Today Wednesday 11 Mar: 9 Mar is within the grace days.
    assert rules.missed_visit_days(period, "weekly", [1], recorded, today=D(2026, 3, 11)) == []
    assert rules.missed_visit_days(period, "weekly", [1], recorded, today=D(2026, 3, 11), grace_days=0) == [
        D(2026, 3, 9)
    ]


def test_missed_visits_only_from_the_window_start() -> None:
    period = Period(D(2026, 3, 2), D(2026, 6, 30))  # Mondays, nothing recorded
    today = D(2026, 4, 16)
    assert rules.missed_visit_days(period, "weekly", [1], [], today=today)[0] == D(2026, 3, 2)
    assert rules.missed_visit_days(period, "weekly", [1], [], today=today, since=D(2026, 3, 30)) == [
        D(2026, 3, 30),
        D(2026, 4, 6),
        D(2026, 4, 13),
    ]


@given(periods, weekday_sets, days, st.sampled_from(list(Frequency)))
def test_visit_dates_since_a_day_are_the_later_ones_of_all(
    period: Period, weekdays: list[int], since: datetime.date, frequency: Frequency
) -> None:
    everything = list(rules.visit_dates(period, frequency, weekdays))
    assert list(rules.visit_dates(period, frequency, weekdays, since=since)) == [d for d in everything if d >= since]


def test_no_missed_visits_before_the_start() -> None:
    period = Period(D(2026, 3, 2), D(2026, 6, 30))
    assert rules.missed_visit_days(period, "weekly", [1, 2, 3], [], today=D(2026, 3, 3)) == []


@given(periods, weekday_sets, days, st.integers(min_value=0, max_value=10))
def test_missed_visits_are_unrecorded_planned_days_older_than_grace(
    period: Period, weekdays: list[int], today: datetime.date, grace: int
) -> None:
    planned = list(rules.visit_dates(period, Frequency.WEEKLY, weekdays))
    recorded = planned[::2]
    missed = rules.missed_visit_days(period, Frequency.WEEKLY, weekdays, recorded, today=today, grace_days=grace)
    assert set(missed).isdisjoint(recorded)
    assert set(missed) <= set(planned)
    assert all(day < today - datetime.timedelta(days=grace) for day in missed)
    assert set(missed) == {d for d in planned[1::2] if d <= today - datetime.timedelta(days=grace + 1)}


# --- times of visits -----------------------------------------------------------------------------------------------


def T(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


def test_times_overlap_examples() -> None:
    assert rules.times_overlap(T(9), T(11), T(10), T(12))
    assert rules.times_overlap(T(9), T(12), T(10), T(11))  # inside
    assert not rules.times_overlap(T(9), T(10), T(10), T(11))  # touching is not overlapping
    assert not rules.times_overlap(T(10), T(11), T(9), T(10))
    assert not rules.times_overlap(T(8), T(9), T(13), T(14))


times = st.times(min_value=T(0), max_value=T(22)).map(lambda t: t.replace(second=0, microsecond=0))


@given(times, st.integers(min_value=1, max_value=60), times, st.integers(min_value=1, max_value=60))
def test_times_overlap_is_symmetric_and_matches_intervals(
    first: datetime.time, first_minutes: int, second: datetime.time, second_minutes: int
) -> None:
    first_end = rules.end_time(first, first_minutes)
    second_end = rules.end_time(second, second_minutes)
    overlap = rules.times_overlap(first, first_end, second, second_end)
    assert overlap == rules.times_overlap(second, second_end, first, first_end)

    def minutes(t: datetime.time) -> int:
        return t.hour * 60 + t.minute

    shared = min(minutes(first_end), minutes(second_end)) - max(minutes(first), minutes(second))
    assert overlap == (shared > 0)


def test_end_time() -> None:
    assert rules.end_time(T(9, 30), 90) == T(11)
    assert rules.end_time(T(22), 119) == T(23, 59)
    # A visit ends the same day: ending at midnight or later is recorded as two visits.
    for start, minutes in ((T(22), 120), (T(23), 61), (T(0), 24 * 60)):
        with pytest.raises(ValueError, match="past midnight"):
            rules.end_time(start, minutes)


# --- the organiser's duties (art. 46) ------------------------------------------------------------------------------


def test_next_meeting_due() -> None:
    assert rules.next_meeting_due(D(2026, 1, 15), first_plan_on=D(2025, 1, 1)) == D(2026, 4, 15)
    assert rules.next_meeting_due(D(2025, 11, 30), first_plan_on=None) == D(2026, 2, 28)
    assert rules.next_meeting_due(None, first_plan_on=D(2026, 2, 1)) == D(2026, 5, 1)
    assert rules.next_meeting_due(None, first_plan_on=None) is None


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (D(2026, 1, 1), Period(D(2026, 1, 1), D(2026, 6, 30))),
        (D(2026, 6, 30), Period(D(2026, 1, 1), D(2026, 6, 30))),
        (D(2026, 7, 1), Period(D(2026, 7, 1), D(2026, 12, 31))),
        (D(2026, 12, 31), Period(D(2026, 7, 1), D(2026, 12, 31))),
    ],
)
def test_half_year(day: datetime.date, period: Period) -> None:
    assert rules.half_year(day) == period


@given(days)
def test_half_year_contains_the_day_and_is_half_a_year(day: datetime.date) -> None:
    period = rules.half_year(day)
    assert period.contains(day)
    assert 181 <= period.days <= 184
    assert rules.add_months(period.starts_on, 6) - datetime.timedelta(days=1) == period.ends_on


def test_period_helpers() -> None:
    period = Period(D(2026, 3, 1), D(2026, 3, 31))
    assert period.days == 31
    assert period.contains(D(2026, 3, 1)) and period.contains(D(2026, 3, 31))
    assert not period.contains(D(2026, 4, 1))
    assert period.covers(Period(D(2026, 3, 5), D(2026, 3, 6)))
    assert not period.covers(Period(D(2026, 2, 28), D(2026, 3, 6)))
