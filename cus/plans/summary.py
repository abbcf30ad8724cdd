"""The services organiser's half-year summary of all plans (art. 46 ust. 1) and the coordinators' meeting reminder
(art. 46 ust. 2).

Built from aggregate queries: plans are counted with GROUP BY, delivered hours come from one GROUP BY over the
items' monthly totals of delivered minutes (``DeliveryMonth``, kept with the delivery records), and only the planned
hours are computed in Python — from the item rows, with a closed-form count of the visits in the half-year (the same
figures as ``rules.planned_visits``, without walking the days), so the summary stays fast for tens of thousands of
plans and millions of records.

Which plans: those of the user's municipalities active at any time in the half-year — started on or before its last
day and not ended (or closed) before its first day. Plans cancelled before approval were never in force and are left
out. Statuses are as at the end of the half-year, from what is recorded now: a plan closed after the half-year counts
as in progress. Services, goals and hours count only plans that were approved (in progress or closed).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from cus.accounts.permissions import municipality_ids_for
from cus.core.collation import Alphabetical
from cus.core.models import Municipality
from cus.plans import rules
from cus.plans.models import (
    DELIVERING_STATUSES,
    ClosingReason,
    CoordinatorMeeting,
    Goal,
    GoalStatus,
    PlanItem,
    PlanStatus,
    ServicePlan,
)

ZERO = Decimal("0.00")
HOURS = Decimal("0.01")
# Plans whose approved content was (or is) delivered.
APPROVED_STATUSES = frozenset(DELIVERING_STATUSES | {PlanStatus.CLOSED})
# The statuses listed in the summary, in the order of the workflow.
STATUS_ORDER = (
    PlanStatus.DRAFT,
    PlanStatus.SUBMITTED,
    PlanStatus.ACTIVE,
    PlanStatus.UPDATING,
    PlanStatus.UPDATE_SUBMITTED,
    PlanStatus.CLOSED,
)
# How many days before the due date the coordinators' meeting reminder appears.
MEETING_REMINDER_DAYS = 14


def parse_half(value: str | None, *, today: datetime.date | None = None) -> rules.Period | None:
    """``2026-1`` → 1 Jan–30 Jun 2026, ``2026-2`` → 1 Jul–31 Dec 2026; None for anything else."""
    if not value:
        return None
    year_text, _sep, half_text = value.strip().partition("-")
    if not (year_text.isdigit() and len(year_text) == 4 and half_text in ("1", "2")):
        return None
    year = int(year_text)
    if not 2000 <= year <= 2100:
        return None
    return rules.half_year(datetime.date(year, 1 if half_text == "1" else 7, 1))


def half_key(period: rules.Period) -> str:
    return f"{period.starts_on.year}-{1 if period.starts_on.month <= 6 else 2}"


def previous_half(period: rules.Period) -> rules.Period:
    return rules.half_year(period.starts_on - datetime.timedelta(days=1))


def next_half(period: rules.Period) -> rules.Period:
    return rules.half_year(period.ends_on + datetime.timedelta(days=1))


# --- planned visits in a window, in closed form -----------------------------------------------------------------


def visits_until(
    starts_on: datetime.date, ends_on: datetime.date, frequency: str, weekdays: list[int], until: datetime.date
) -> int:
    """The number of planned visits of an item from its start up to ``until`` (inclusive): equal to
    ``rules.planned_visits(Period(starts_on, ends_on), frequency, weekdays, until=until)``, computed without
    iterating over the days."""
    last = min(ends_on, until)
    if last < starts_on:
        return 0
    if frequency == rules.Frequency.MONTHLY:
        months = (last.year - starts_on.year) * 12 + last.month - starts_on.month
        if rules.add_months(starts_on, months) > last:
            months -= 1
        return months + 1 if months >= 0 else 0
    step = 14 if frequency == rules.Frequency.EVERY_OTHER_WEEK else 7
    count = 0
    for weekday in set(weekdays):
        # The first such weekday on or after the start falls in the start's first week (week 0).
        first = starts_on + datetime.timedelta(days=(weekday - starts_on.isoweekday()) % 7)
        if first <= last:
            count += (last - first).days // step + 1
    return count


def visits_within(
    starts_on: datetime.date, ends_on: datetime.date, frequency: str, weekdays: list[int], period: rules.Period
) -> int:
    """Planned visits of an item falling inside ``period``."""
    before = visits_until(starts_on, ends_on, frequency, weekdays, period.starts_on - datetime.timedelta(days=1))
    return visits_until(starts_on, ends_on, frequency, weekdays, period.ends_on) - before


# --- the summary ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    key: str
    label: str
    count: int


@dataclass
class ServiceRow:
    """One catalog service delivered by one provider."""

    service_id: Any
    service: str
    provider: str
    items: int = 0
    planned_hours: Decimal = ZERO
    delivered_hours: Decimal = ZERO

    @property
    def share(self) -> Decimal | None:
        return rules.delivery_share(self.delivered_hours, self.planned_hours)


@dataclass
class GoalCounts:
    set: int = 0
    achieved: int = 0
    partly: int = 0
    not_achieved: int = 0
    open: int = 0


@dataclass
class Section:
    """The figures of one municipality, or of all the summary's municipalities together."""

    municipality: Municipality | None
    plans: int = 0
    by_status: list[Tally] = field(default_factory=list)
    new_plans: int = 0
    closed: int = 0
    closed_by_reason: list[Tally] = field(default_factory=list)
    drawn_up: int = 0
    drawn_up_late: int = 0
    overdue_not_drawn_up: int = 0
    services: list[ServiceRow] = field(default_factory=list)
    goals: GoalCounts = field(default_factory=GoalCounts)
    planned_hours: Decimal = ZERO
    delivered_hours: Decimal = ZERO

    @property
    def share(self) -> Decimal | None:
        return rules.delivery_share(self.delivered_hours, self.planned_hours)

    @property
    def name(self) -> str:
        return self.municipality.name if self.municipality else ""


@dataclass
class HalfYearSummary:
    period: rules.Period
    total: Section
    municipalities: list[Section]
    meetings: list[CoordinatorMeeting]
    generated_at: datetime.datetime

    @property
    def is_joint(self) -> bool:
        return len(self.municipalities) > 1

    @property
    def key(self) -> str:
        return half_key(self.period)

    @property
    def half(self) -> int:
        return 1 if self.period.starts_on.month <= 6 else 2


def summary_municipality_ids(user: Any, municipality_ids: Any = None) -> list[int]:
    allowed = municipality_ids_for(user, "plans.summarise_serviceplan")
    if getattr(user, "is_superuser", False) and user.is_active:
        allowed = frozenset(Municipality.objects.values_list("pk", flat=True))
    if municipality_ids is not None:
        allowed = allowed & {int(pk) for pk in municipality_ids}
    return sorted(allowed)


def _plans_in(period: rules.Period, municipality_ids: list[int]) -> Any:
    """Plans of the municipalities in force at any time in the period (cancelled plans never were)."""
    return (
        ServicePlan.objects.in_municipalities(municipality_ids)
        .exclude(status=PlanStatus.CANCELLED)
        .filter(starts_on__lte=period.ends_on)
        .filter(
            Q(closed_on__isnull=True, ends_on__gte=period.starts_on)
            | Q(closed_on__isnull=False, closed_on__gte=period.starts_on)
        )
    )


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(HOURS)


def half_year_summary(user: Any, period: rules.Period, municipality_ids: Any = None) -> HalfYearSummary:
    """The summary of all plans of the user's municipalities (``plans.summarise_serviceplan``) for ``period``."""
    ids = summary_municipality_ids(user, municipality_ids)
    sections = {
        m.pk: Section(municipality=m) for m in Municipality.objects.filter(pk__in=ids).order_by(Alphabetical("name"))
    }
    plans = _plans_in(period, ids)
    _plan_figures(sections, plans, period, ids)
    # Services and goals count only the plans whose content was approved.
    approved = plans.filter(status__in=APPROVED_STATUSES).values("pk")
    _service_figures(sections, approved, period)
    _goal_figures(sections, approved)
    meetings = list(
        CoordinatorMeeting.objects.in_municipalities(ids)
        .filter(held_on__gte=period.starts_on, held_on__lte=period.ends_on)
        .select_related("recorded_by")
        .prefetch_related("participants")
        .order_by("held_on", "pk")
    )
    return HalfYearSummary(
        period=period,
        total=_total(list(sections.values())),
        municipalities=list(sections.values()),
        meetings=meetings,
        generated_at=timezone.localtime(),
    )


def _plan_figures(sections: dict[int, Section], plans: Any, period: rules.Period, ids: list[int]) -> None:
    """Counts by status at the end of the period, new, closed (by reason), drawn up (late): GROUP BY queries."""
    status_labels = dict(PlanStatus.choices)
    reason_labels = dict(ClosingReason.choices)
    # A plan closed after the period was still in progress at its end.
    status_at_end = Case(
        When(status=PlanStatus.CLOSED, closed_on__gt=period.ends_on, then=Value(PlanStatus.ACTIVE.value)),
        default=F("status"),
        output_field=CharField(),
    )
    status_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in plans.annotate(at_end=status_at_end).values("municipality_id", "at_end").annotate(n=Count("pk")):
        status_counts[row["municipality_id"]][row["at_end"]] = row["n"]
    figures = plans.values("municipality_id").annotate(
        new=Count("pk", filter=Q(starts_on__gte=period.starts_on)),
        closed=Count("pk", filter=Q(status=PlanStatus.CLOSED, closed_on__lte=period.ends_on)),
        drawn_up=Count("pk", filter=Q(drawn_up_on__gte=period.starts_on, drawn_up_on__lte=period.ends_on)),
    )
    for row in figures:
        section = sections[row["municipality_id"]]
        section.new_plans, section.closed, section.drawn_up = row["new"], row["closed"], row["drawn_up"]
    closed_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        plans.filter(status=PlanStatus.CLOSED, closed_on__lte=period.ends_on)
        .values("municipality_id", "closing_reason")
        .annotate(n=Count("pk"))
    ):
        closed_counts[row["municipality_id"]][row["closing_reason"]] = row["n"]
    # art. 40 ust. 1: drawn up within 30 days of the application. Two dates per plan drawn up in the period (or not
    # drawn up at all): comparing them here keeps the query free of database-specific date arithmetic.
    late_until = min(period.ends_on, timezone.localdate())
    for municipality_id, applied_on, drawn_up_on in (
        ServicePlan.objects.in_municipalities(ids)
        .filter(Q(drawn_up_on__range=(period.starts_on, period.ends_on)) | Q(drawn_up_on__isnull=True))
        .exclude(status=PlanStatus.CANCELLED)
        .filter(applied_on__lte=period.ends_on)
        .values_list("municipality_id", "applied_on", "drawn_up_on")
    ):
        deadline = rules.draw_up_deadline(applied_on)
        if drawn_up_on is not None and drawn_up_on > deadline:
            sections[municipality_id].drawn_up_late += 1
        elif drawn_up_on is None and deadline < late_until:
            sections[municipality_id].overdue_not_drawn_up += 1
    for pk, section in sections.items():
        counts = status_counts.get(pk, {})
        section.plans = sum(counts.values())
        section.by_status = [Tally(s.value, str(status_labels[s]), counts.get(s.value, 0)) for s in STATUS_ORDER]
        reasons = closed_counts.get(pk, {})
        section.closed_by_reason = [
            Tally(r.value, str(reason_labels[r]), reasons.get(r.value, 0)) for r in ClosingReason
        ]


def _service_figures(sections: dict[int, Section], approved: Any, period: rules.Period) -> None:
    """Per catalog service and provider: items overlapping the period, their planned hours in it (from the item rows,
    in closed form) and the hours delivered in it (one GROUP BY item over the items' monthly totals of delivered
    minutes, ``DeliveryMonth``; the items then tell each one's row)."""
    from cus.catalog.models import Organization, Service
    from cus.delivery.models import DeliveryMonth

    rows: dict[tuple[int, str, str], ServiceRow] = {}
    # The ids of the (hundreds of thousands of) items, services and providers are read as text: they are only keys
    # here, and text skips building a UUID object per value. Dates and hours are read as text too, and the names of
    # the few services and providers apart, so each item row is a handful of short strings.
    items = (
        PlanItem.objects.filter(plan__in=approved)
        .filter(starts_on__lte=period.ends_on)
        .filter(Q(ended_on__isnull=True, ends_on__gte=period.starts_on) | Q(ended_on__gte=period.starts_on))
        .annotate(
            item_key=Cast("pk", CharField()),
            service_key=Cast("service_id", CharField()),
            provider_key=Cast("provider_id", CharField()),
            weekdays_text=Cast("weekdays", CharField()),
            starts_text=Cast("starts_on", CharField()),
            ends_text=Cast("ends_on", CharField()),
            ended_text=Cast("ended_on", CharField()),
            hours_text=Cast("hours_per_visit", CharField()),
        )
        .values_list(
            "item_key",
            "plan__municipality_id",
            "service_key",
            "provider_key",
            "starts_text",
            "ends_text",
            "ended_text",
            "frequency",
            "weekdays_text",
            "hours_text",
        )
    )
    # Items share a few schedules (start, end, frequency, weekdays): the visits of each are counted once. A weekly
    # item's visits in the period depend only on its dates clipped to the period, so most weekly items share one.
    # Hours per visit have two decimal places: they are summed as whole hundredths of an hour, exactly.
    period_start, period_end = period.starts_on.isoformat(), period.ends_on.isoformat()
    visits_of: dict[tuple[str, str, str, str | None], int] = {}
    weekday_lists: dict[str | None, list[int]] = {}
    hundredths_of: dict[str, int] = {}
    key_of: dict[str, tuple[int, str, str]] = {}
    counts: dict[tuple[int, str, str], int] = defaultdict(int)
    planned: dict[tuple[int, str, str], int] = defaultdict(int)
    for pk, mid, service_id, provider_id, starts, ends, ended, frequency, days, per in items:
        key = (mid, service_id, provider_id)
        key_of[pk] = key
        counts[key] += 1
        start, end = starts[:10], (ended or ends)[:10]
        if frequency == rules.Frequency.WEEKLY:
            start, end = max(start, period_start), min(end, period_end)
        schedule = (start, end, frequency, days)
        visits = visits_of.get(schedule)
        if visits is None:
            weekdays = weekday_lists.get(days)
            if weekdays is None:
                weekdays = weekday_lists[days] = [int(d) for d in json.loads(days or "[]") or []]
            first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
            visits = visits_of[schedule] = visits_within(first, last, frequency, weekdays, period)
        hundredths = hundredths_of.get(per)
        if hundredths is None:
            hundredths = hundredths_of[per] = int(Decimal(per) * 100)
        planned[key] += hundredths * visits
    for key, count in counts.items():
        rows[key] = ServiceRow(
            uuid.UUID(key[1]), "", "", items=count, planned_hours=(Decimal(planned[key]) / 100).quantize(HOURS)
        )
    service_names = dict(
        Service.objects.filter(pk__in={uuid.UUID(k[1]) for k in rows})
        .annotate(key=Cast("pk", CharField()))
        .values_list("key", "name")
    )
    provider_names = dict(
        Organization.objects.filter(pk__in={uuid.UUID(k[2]) for k in rows})
        .annotate(key=Cast("pk", CharField()))
        .values_list("key", "name")
    )
    for (_mid, service_id, provider_id), row in rows.items():
        row.service, row.provider = service_names.get(service_id, ""), provider_names.get(provider_id, "")
    # The delivered minutes of the half-year (whole months) from the items' monthly totals, which are kept with the
    # records: about one row per item and month instead of every record.
    months = DeliveryMonth.objects.filter(month__gte=period.starts_on, month__lte=period.ends_on)
    if Municipality.objects.exclude(pk__in=list(sections)).exists():
        # Other municipalities' items are left to the database; with all of them, the items read above already tell
        # which totals count (those of approved plans' items).
        months = months.filter(item_id__in=PlanItem.objects.filter(plan__in=approved).values("pk"))
    delivered = (
        months.values_list("item_id")
        .annotate(minutes=Sum("minutes"), item_key=Cast("item_id", CharField()))
        .values_list("item_key", "minutes")
        .order_by()
    )
    minutes_of: dict[tuple[int, str, str], int] = defaultdict(int)
    for item_id, minutes in delivered:
        # A record falls within its item's dates, so an approved plan's item with records in the period overlaps the
        # period and has a row; other items' minutes are not counted.
        item_row = key_of.get(item_id)
        if item_row is not None:
            minutes_of[item_row] += minutes or 0
    for key, minutes in minutes_of.items():
        rows[key].delivered_hours = _hours(minutes)
    for (mid, _service, _provider), row in sorted(rows.items(), key=lambda kv: (kv[1].service, kv[1].provider)):
        section = sections[mid]
        section.services.append(row)
        section.planned_hours += row.planned_hours
        section.delivered_hours += row.delivered_hours


GOAL_ATTRIBUTES: dict[str, str] = {
    GoalStatus.ACHIEVED: "achieved",
    GoalStatus.PARTLY: "partly",
    GoalStatus.NOT_ACHIEVED: "not_achieved",
}


def _goal_figures(sections: dict[int, Section], approved: Any) -> None:
    """Goals of the approved plans by their outcome as recorded now."""
    for row in Goal.objects.filter(plan__in=approved).values("plan__municipality_id", "status").annotate(n=Count("pk")):
        goals = sections[row["plan__municipality_id"]].goals
        goals.set += row["n"]
        attribute = GOAL_ATTRIBUTES.get(row["status"], "open")
        setattr(goals, attribute, getattr(goals, attribute) + row["n"])


def _total(sections: list[Section]) -> Section:
    total = Section(municipality=None)
    if not sections:
        total.by_status = [Tally(s.value, str(s.label), 0) for s in STATUS_ORDER]
        total.closed_by_reason = [Tally(r.value, str(r.label), 0) for r in ClosingReason]
        return total
    total.by_status = [Tally(c.key, c.label, 0) for c in sections[0].by_status]
    total.closed_by_reason = [Tally(c.key, c.label, 0) for c in sections[0].closed_by_reason]
    services: dict[tuple[str, str, Any], ServiceRow] = {}
    for section in sections:
        total.plans += section.plans
        total.new_plans += section.new_plans
        total.closed += section.closed
        total.drawn_up += section.drawn_up
        total.drawn_up_late += section.drawn_up_late
        total.overdue_not_drawn_up += section.overdue_not_drawn_up
        total.planned_hours += section.planned_hours
        total.delivered_hours += section.delivered_hours
        for mine, theirs in zip(total.by_status, section.by_status, strict=True):
            mine.count += theirs.count
        for mine, theirs in zip(total.closed_by_reason, section.closed_by_reason, strict=True):
            mine.count += theirs.count
        for name in ("set", "achieved", "partly", "not_achieved", "open"):
            setattr(total.goals, name, getattr(total.goals, name) + getattr(section.goals, name))
        for row in section.services:
            key = (row.service, row.provider, row.service_id)
            merged = services.setdefault(key, ServiceRow(row.service_id, row.service, row.provider))
            merged.items += row.items
            merged.planned_hours += row.planned_hours
            merged.delivered_hours += row.delivered_hours
    total.services = [services[key] for key in sorted(services, key=lambda k: (k[0], k[1]))]
    return total


# --- coordinators' meetings (art. 46 ust. 2) ------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingReminder:
    """When the next coordinators' meeting is due; ``overdue`` once the 3 months have passed."""

    last_held_on: datetime.date | None
    due_on: datetime.date | None
    today: datetime.date

    @property
    def overdue(self) -> bool:
        return self.due_on is None or self.due_on < self.today

    @property
    def days_left(self) -> int | None:
        return (self.due_on - self.today).days if self.due_on else None

    @property
    def days_overdue(self) -> int:
        return (self.today - self.due_on).days if self.due_on and self.due_on < self.today else 0


def meeting_status(user: Any, *, today: datetime.date | None = None) -> MeetingReminder | None:
    """The state of the coordinators' meetings of the user's centre, or None for a user who cannot see them."""
    today = today or timezone.localdate()
    if not getattr(user, "centre_id", None):
        return None
    meetings = CoordinatorMeeting.objects.restrict(user, "view").filter(centre_id=user.centre_id)
    if not municipality_ids_for(user, "plans.view_coordinatormeeting") and not getattr(user, "is_superuser", False):
        return None
    last = meetings.order_by("-held_on").values_list("held_on", flat=True).first()
    first_plan_on = None
    if last is None:
        first_plan_on = (
            ServicePlan.objects.restrict(user, "view")
            .filter(centre_id=user.centre_id)
            .exclude(status=PlanStatus.CANCELLED)
            .order_by("starts_on")
            .values_list("starts_on", flat=True)
            .first()
        )
    return MeetingReminder(
        last_held_on=last, due_on=rules.next_meeting_due(last, first_plan_on=first_plan_on), today=today
    )


def meeting_reminder(user: Any, *, today: datetime.date | None = None) -> MeetingReminder | None:
    """A reminder to show when a coordinators' meeting is due (art. 46 ust. 2: at least every 3 months): never
    held yet, overdue, or due within ``MEETING_REMINDER_DAYS``. None when nothing is due or the user cannot see the
    meetings."""
    status = meeting_status(user, today=today)
    if status is None:
        return None
    if status.last_held_on is None and status.due_on is None:
        # No meeting and no plan yet: nothing to coordinate.
        return None
    if status.last_held_on is None:
        return status
    assert status.due_on is not None
    if (status.due_on - status.today).days <= MEETING_REMINDER_DAYS:
        return status
    return None
