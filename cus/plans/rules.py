"""The rules of the act for individual social-services plans (IPUS, art. 38–47), as pure functions.

No Django import: dates in, facts out. The services and the pages turn the reason keys into messages.

- art. 40 ust. 1: the plan is drawn up within 30 days of the application;
- art. 40 ust. 2: for the time needed, at most 1 year;
- art. 38: a plan is made when services need coordinating for at least 3 months (shorter: a warning);
- art. 46: the services organiser summarises all plans at least every 6 months and holds coordinators' meetings
  at least every 3 months.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

DRAW_UP_DAYS = 30
MINIMUM_COORDINATION_MONTHS = 3
MAXIMUM_PLAN_YEARS = 1
MEETING_INTERVAL_MONTHS = 3
SUMMARY_INTERVAL_MONTHS = 6
# How close to the end of an item or of the one-year limit a coordinator is alerted.
ENDING_SOON_DAYS = 14
ONE_YEAR_SOON_DAYS = 30
# Missed visits are alerts about the recent past: planned days of the last 4 weeks without a record. Older gaps are
# in each item's delivery share on the plan page.
MISSED_VISITS_WINDOW_DAYS = 28


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def draw_up_deadline(applied_on: datetime.date) -> datetime.date:
    """art. 40 ust. 1: the last day to draw up the plan."""
    return applied_on + datetime.timedelta(days=DRAW_UP_DAYS)


def latest_end(starts_on: datetime.date) -> datetime.date:
    """art. 40 ust. 2: the last day a plan starting on ``starts_on`` may last (one year, the day before)."""
    return add_months(starts_on, 12 * MAXIMUM_PLAN_YEARS) - datetime.timedelta(days=1)


class Problem(StrEnum):
    END_BEFORE_START = "end_before_start"
    LONGER_THAN_YEAR = "longer_than_year"
    SHORTER_THAN_THREE_MONTHS = "shorter_than_three_months"  # a warning, not an error
    ITEM_BEFORE_PLAN = "item_before_plan"
    ITEM_AFTER_PLAN = "item_after_plan"
    DRAWN_UP_LATE = "drawn_up_late"  # a warning: the plan is still made, the delay is shown


@dataclass(frozen=True)
class Period:
    starts_on: datetime.date
    ends_on: datetime.date

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def contains(self, day: datetime.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def covers(self, other: Period) -> bool:
        return self.starts_on <= other.starts_on and other.ends_on <= self.ends_on


def plan_period_problems(period: Period) -> list[Problem]:
    """Errors of a plan's own dates (art. 40 ust. 2)."""
    if period.ends_on < period.starts_on:
        return [Problem.END_BEFORE_START]
    if period.ends_on > latest_end(period.starts_on):
        return [Problem.LONGER_THAN_YEAR]
    return []


def item_period_problems(plan: Period, item: Period) -> list[Problem]:
    """Errors of an item's dates: inside the plan, end not before start."""
    problems: list[Problem] = []
    if item.ends_on < item.starts_on:
        problems.append(Problem.END_BEFORE_START)
    if item.starts_on < plan.starts_on:
        problems.append(Problem.ITEM_BEFORE_PLAN)
    if item.ends_on > plan.ends_on:
        problems.append(Problem.ITEM_AFTER_PLAN)
    return problems


def coordination_span(items: Iterable[Period]) -> Period | None:
    """From the first start to the last end of the planned services."""
    periods = list(items)
    if not periods:
        return None
    return Period(min(p.starts_on for p in periods), max(p.ends_on for p in periods))


def coordination_warnings(items: Iterable[Period]) -> list[Problem]:
    """art. 38: a plan coordinates services for at least 3 months; a shorter span is allowed but flagged."""
    span = coordination_span(items)
    if span is None:
        return []
    if span.ends_on < add_months(span.starts_on, MINIMUM_COORDINATION_MONTHS) - datetime.timedelta(days=1):
        return [Problem.SHORTER_THAN_THREE_MONTHS]
    return []


class Frequency(StrEnum):
    WEEKLY = "weekly"  # on the chosen weekdays every week
    EVERY_OTHER_WEEK = "every_other_week"  # on the chosen weekdays every second week, from the start
    MONTHLY = "monthly"  # once a month, on the start's day of the month (clamped)


def visit_dates(
    period: Period,
    frequency: Frequency | str,
    weekdays: Sequence[int],
    *,
    until: datetime.date | None = None,
    since: datetime.date | None = None,
) -> Iterator[datetime.date]:
    """The planned visit days of an item (weekdays 1 = Monday … 7 = Sunday), up to ``until`` and from ``since`` if
    given (the weeks still counted from the item's start)."""
    frequency = Frequency(frequency)
    last = min(period.ends_on, until) if until else period.ends_on
    if frequency is Frequency.MONTHLY:
        months = 0
        while (day := add_months(period.starts_on, months)) <= last:
            if since is None or day >= since:
                yield day
            months += 1
        return
    chosen = set(weekdays)
    if not chosen:
        return
    day = max(period.starts_on, since) if since else period.starts_on
    one_day = datetime.timedelta(days=1)
    while day <= last:
        week = (day - period.starts_on).days // 7
        if day.isoweekday() in chosen and (frequency is Frequency.WEEKLY or week % 2 == 0):
            yield day
        day += one_day


def planned_visits(
    period: Period, frequency: Frequency | str, weekdays: Sequence[int], *, until: datetime.date | None = None
) -> int:
    return sum(1 for _ in visit_dates(period, frequency, weekdays, until=until))


def planned_hours(
    period: Period,
    frequency: Frequency | str,
    weekdays: Sequence[int],
    hours_per_visit: Decimal,
    *,
    until: datetime.date | None = None,
) -> Decimal:
    return hours_per_visit * planned_visits(period, frequency, weekdays, until=until)


def delivery_share(delivered_hours: Decimal, planned: Decimal) -> Decimal | None:
    """Delivered hours as a percentage of planned hours, one decimal place, half up; None when nothing is due."""
    if planned <= 0:
        return None
    return (delivered_hours * 100 / planned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def missed_visit_days(
    period: Period,
    frequency: Frequency | str,
    weekdays: Sequence[int],
    recorded_days: Iterable[datetime.date],
    *,
    today: datetime.date,
    grace_days: int = 2,
    since: datetime.date | None = None,
) -> list[datetime.date]:
    """Planned days without any record, older than ``grace_days`` (providers record with a short delay); only from
    ``since`` on, when given."""
    recorded = set(recorded_days)
    until = today - datetime.timedelta(days=grace_days + 1)
    if until < period.starts_on:
        return []
    return [day for day in visit_dates(period, frequency, weekdays, until=until, since=since) if day not in recorded]


def times_overlap(
    first_start: datetime.time, first_end: datetime.time, second_start: datetime.time, second_end: datetime.time
) -> bool:
    """Two visits of one worker on one day overlap when each starts before the other ends (touching is fine)."""
    return first_start < second_end and second_start < first_end


def end_time(start: datetime.time, minutes: int) -> datetime.time:
    """The end of a visit on the same day; a visit may not run past midnight (the caller checks)."""
    moment = datetime.datetime.combine(datetime.date(2000, 1, 1), start) + datetime.timedelta(minutes=minutes)
    if moment.date() != datetime.date(2000, 1, 1):
        raise ValueError("past midnight")
    return moment.time()


def next_meeting_due(
    last_meeting: datetime.date | None, *, first_plan_on: datetime.date | None
) -> datetime.date | None:
    """art. 46 ust. 2: coordinators meet at least every 3 months (counted from the last meeting, or from the first
    plan when there was none yet)."""
    start = last_meeting or first_plan_on
    if start is None:
        return None
    return add_months(start, MEETING_INTERVAL_MONTHS)


def half_year(day: datetime.date) -> Period:
    """The calendar half-year containing ``day`` (1 Jan–30 Jun or 1 Jul–31 Dec)."""
    if day.month <= 6:
        return Period(datetime.date(day.year, 1, 1), datetime.date(day.year, 6, 30))
    return Period(datetime.date(day.year, 7, 1), datetime.date(day.year, 12, 31))
