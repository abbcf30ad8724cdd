"""Reads of plans for the staff pages: the restricted list with filters and sorting, one plan with everything on
it, the share of planned hours delivered per item and the alerts a coordinator acts on.

Every function loads a fixed number of queries whatever the number of plans or items (tests count them).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, DateField, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from cus.core.collation import polish_sort_key, sort_keys
from cus.plans import rules
from cus.plans.models import (
    DELIVERING_STATUSES,
    OPEN_STATUSES,
    Goal,
    GoalStatus,
    ItemStatus,
    PlanItem,
    PlanStatus,
    PlanVersion,
    ServicePlan,
    VersionStatus,
)

# --- the list ------------------------------------------------------------------------------------------------------

PLAN_SORTS = {
    "deadline": None,  # computed: the next deadline (see ``next_deadline``)
    "reference": ("year", "number"),
    "person": ("person__last_name", "person__first_name"),
    "coordinator": ("coordinator__full_name",),
    "status": ("status",),
    "ends": ("ends_on",),
}
AWAITING_APPROVAL = frozenset({PlanStatus.SUBMITTED, PlanStatus.UPDATE_SUBMITTED})
FAR_FUTURE = datetime.date.max


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def plans_for(
    user: Any,
    *,
    status: str = "",
    coordinator: Any = None,
    mine: bool = False,
    overdue: bool = False,
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet[ServicePlan]:
    """The plans the user may read, filtered. ``status`` is a status value, "open" or "" (all); ``overdue`` keeps
    plans with something past its date (drawing up, an open goal, the plan's end); ``q`` a reference or surname."""
    today = _today(today)
    plans = with_next_dates(ServicePlan.objects.restrict(user, "view").select_related("person", "coordinator"), today)
    if status == "open":
        plans = plans.filter(status__in=list(OPEN_STATUSES))
    elif status in PlanStatus.values:
        plans = plans.filter(status=status)
    if mine:
        plans = plans.filter(coordinator=user)
    elif coordinator is not None:
        plans = plans.filter(coordinator=coordinator)
    if q:
        plans = plans.filter(Q(reference__icontains=q) | Q(person__last_name__istartswith=q))
    if overdue:
        late_draw_up = Q(drawn_up_on__isnull=True, applied_on__lt=today - datetime.timedelta(days=rules.DRAW_UP_DAYS))
        late_goal = Q(
            status__in=list(DELIVERING_STATUSES),
            pk__in=Goal.objects.filter(status=GoalStatus.OPEN, target_date__lt=today).values("plan_id"),
        )
        late_end = Q(status__in=list(DELIVERING_STATUSES), ends_on__lt=today)
        plans = plans.filter((Q(status=PlanStatus.DRAFT) & late_draw_up) | late_goal | late_end)
    return plans


def with_next_dates(plans: QuerySet[ServicePlan], today: datetime.date) -> QuerySet[ServicePlan]:
    """The dates ``next_deadline`` needs besides the plan's own: the nearest end of a planned item and the nearest
    target date of an open goal."""
    return plans.annotate(
        next_item_end=Subquery(
            PlanItem.objects.filter(
                plan=OuterRef("pk"), status=ItemStatus.PLANNED, ends_on__gte=today, ended_on__isnull=True
            )
            .order_by("ends_on")
            .values("ends_on")[:1]
        ),
        next_goal_date=Subquery(
            Goal.objects.filter(plan=OuterRef("pk"), status=GoalStatus.OPEN)
            .order_by("target_date")
            .values("target_date")[:1]
        ),
    )


@dataclass(frozen=True)
class Deadline:
    day: datetime.date
    label: str | Promise
    overdue: bool


def next_deadline(plan: ServicePlan, today: datetime.date | None = None) -> Deadline | None:
    """The nearest of: the draw-up deadline (not yet drawn up), an item's end, an open goal's date, the plan's end.
    Needs ``plans_for``'s annotations; a closed or cancelled plan has none."""
    today = _today(today)
    if plan.status not in OPEN_STATUSES:
        return None
    candidates: list[tuple[datetime.date, str | Promise]] = []
    if plan.drawn_up_on is None:
        candidates.append((plan.draw_up_deadline, gettext_lazy("drawing up the plan")))
    item_end = getattr(plan, "next_item_end", None)
    if item_end and plan.status in DELIVERING_STATUSES:
        candidates.append((item_end, gettext_lazy("end of a service")))
    goal_date = getattr(plan, "next_goal_date", None)
    if goal_date:
        candidates.append((goal_date, gettext_lazy("goal's target date")))
    candidates.append((plan.ends_on, gettext_lazy("end of the plan")))
    day, label = min(candidates, key=lambda c: c[0])
    return Deadline(day, label, day < today)


class AddDays(Func):
    """A date plus a whole number of days, in SQL (``date(x, '+n days')`` on SQLite, ``x + n`` on PostgreSQL)."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + {self.days})", list(params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '+{self.days} days')", list(params)


def deadline_expression() -> Case:
    """``next_deadline``'s day in SQL, for ordering a whole list in the database (NULL for a closed plan); needs
    ``plans_for``'s annotations."""
    ends = F("ends_on")
    return Case(
        When(
            status__in=list(OPEN_STATUSES),
            then=Least(
                Case(When(drawn_up_on__isnull=True, then=AddDays(F("applied_on"), rules.DRAW_UP_DAYS)), default=ends),
                Case(
                    When(status__in=list(DELIVERING_STATUSES), next_item_end__isnull=False, then=F("next_item_end")),
                    default=ends,
                ),
                Coalesce(F("next_goal_date"), ends),
                ends,
            ),
        ),
        default=None,
        output_field=DateField(),
    )


def order_plans(plans: QuerySet[ServicePlan], sort: str) -> QuerySet[ServicePlan]:
    """``plans`` (from ``plans_for``) ordered in the database by a column of ``PLAN_SORTS`` ("-" for descending),
    the reference breaking ties, so that a list of any length is paged in SQL; ``with_deadlines`` then sets the
    next deadline of the rows shown."""
    key_name = sort.removeprefix("-")
    descending = sort.startswith("-")
    if key_name == "deadline" or key_name not in PLAN_SORTS:
        plans = plans.annotate(deadline_day=deadline_expression())
        day = F("deadline_day")
        first = day.desc(nulls_first=True) if descending else day.asc(nulls_last=True)
        keys: list[Any] = [first]
    else:
        keys = sort_keys(ServicePlan, PLAN_SORTS[key_name] or (), descending=descending)
    keys.append(F("reference").desc() if descending else F("reference").asc())
    return plans.order_by(*keys)


def with_deadlines(plans: Iterable[ServicePlan], today: datetime.date | None = None) -> list[ServicePlan]:
    today = _today(today)
    rows = list(plans)
    for plan in rows:
        plan.deadline = next_deadline(plan, today)  # type: ignore[attr-defined]
    return rows


def sort_plans(plans: Iterable[ServicePlan], sort: str, today: datetime.date | None = None) -> list[ServicePlan]:
    """Sorted by a column of ``PLAN_SORTS`` ("-" for descending). Each plan gets ``deadline`` set."""
    rows = with_deadlines(plans, today)
    key_name = sort.removeprefix("-")
    reverse = sort.startswith("-")
    if key_name == "deadline" or key_name not in PLAN_SORTS:
        rows.sort(key=lambda p: (p.deadline.day if p.deadline else FAR_FUTURE, p.reference), reverse=reverse)  # type: ignore[attr-defined]
    else:
        fields = PLAN_SORTS[key_name] or ()

        def key(plan: ServicePlan) -> tuple[Any, ...]:
            values: list[Any] = []
            for name in fields:
                value: Any = plan
                for part in name.split("__"):
                    value = getattr(value, part)
                values.append(polish_sort_key(value) if isinstance(value, str) else value)
            return (*values, plan.reference)

        rows.sort(key=key, reverse=reverse)
    return rows


# --- delivery shares -------------------------------------------------------------------------------------------------


@dataclass
class ItemShare:
    """Planned and delivered hours of an item: so far (planned up to today) and in the whole item."""

    planned_total: Decimal
    planned_so_far: Decimal
    delivered: Decimal
    share_so_far: Decimal | None
    share_total: Decimal | None


def delivered_minutes(items: Sequence[PlanItem]) -> dict[Any, int]:
    """Delivered minutes per item, in ONE aggregate query for any number of items."""
    from cus.delivery.models import DeliveryRecord, RecordStatus

    if not items:
        return {}
    rows = (
        DeliveryRecord.objects.filter(item__in=[item.pk for item in items], status=RecordStatus.DELIVERED)
        .values("item_id")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    return {row["item_id"]: row["minutes"] or 0 for row in rows}


def item_shares(items: Sequence[PlanItem], today: datetime.date | None = None) -> dict[Any, ItemShare]:
    """Delivered hours against planned hours per item (one query)."""
    today = _today(today)
    minutes = delivered_minutes(items)
    shares: dict[Any, ItemShare] = {}
    for item in items:
        hours = Decimal(item.hours_per_visit)
        so_far = rules.planned_hours(item.period, item.frequency, item.weekday_list, hours, until=today)
        total = Decimal(item.planned_hours)
        delivered = (Decimal(minutes.get(item.pk, 0)) / 60).quantize(Decimal("0.01"))
        shares[item.pk] = ItemShare(
            planned_total=total,
            planned_so_far=so_far,
            delivered=delivered,
            share_so_far=rules.delivery_share(delivered, so_far),
            share_total=rules.delivery_share(delivered, total),
        )
    return shares


# --- alerts ----------------------------------------------------------------------------------------------------------


class Severity:
    DANGER = "danger"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.DANGER: 0, Severity.WARNING: 1, Severity.INFO: 2}
SEVERITY_LABELS = {
    Severity.DANGER: pgettext_lazy("alert severity", "Overdue"),
    Severity.WARNING: pgettext_lazy("alert severity", "Needs attention"),
    Severity.INFO: pgettext_lazy("alert severity", "For information"),
}


@dataclass(frozen=True)
class Alert:
    """Something a coordinator acts on: its kind, the day it is about, how urgent it is, and what the message needs
    besides the day (``params``: JSON values, so that an alert can be stored in ``PlanAlert``), the item or goal it
    concerns. The message is written when shown, in the reader's language."""

    plan: ServicePlan = field(repr=False)
    kind: str
    day: datetime.date
    severity: str
    params: dict[str, Any] = field(default_factory=dict)
    item: PlanItem | None = field(default=None, repr=False)
    goal: Goal | None = field(default=None, repr=False)

    @property
    def severity_label(self) -> str | Promise:
        return SEVERITY_LABELS[self.severity]

    @property
    def overdue(self) -> bool:
        return self.severity == Severity.DANGER

    @property
    def message(self) -> str:
        return alert_message(self)


def _d(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def alert_message(alert: Alert) -> str:
    """The alert's text in the active language."""
    kind, params = alert.kind, alert.params
    values: dict[str, Any] = {"date": _d(alert.day)}
    if alert.item is not None:
        values["service"] = alert.item.service.name
    if kind == "plan_ended":
        text = _("The plan ended on %(date)s: hold the closing interview and close it (art. 45).")
    elif kind == "plan_ending" and params.get("limit"):
        text = _("The plan reaches its one-year limit on %(date)s: prepare the closing or a new plan.")
    elif kind == "plan_ending":
        text = _("The plan ends on %(date)s: prepare the closing interview or an update.")
    elif kind == "goal_overdue":
        text = _("The goal ‘%(goal)s’ was due on %(date)s: note its progress or outcome.")
        values["goal"] = str(alert.goal)[:60]
    elif kind == "item_ending":
        text = _("%(service)s ends on %(date)s.")
    elif kind == "missed_visits":
        text = ngettext(
            "%(service)s: %(count)d planned visit of the last 4 weeks has no record (the last on %(date)s).",
            "%(service)s: %(count)d planned visits of the last 4 weeks have no record (the last on %(date)s).",
            params["count"],
        )
        values["count"] = params["count"]
    elif kind == "draw_up_overdue":
        text = _("The plan was due within 30 days of the application, by %(date)s, and is not yet drawn up.")
    elif kind == "draw_up_due":
        text = _("Draw up the plan and send it for approval by %(date)s (30 days from the application).")
    elif kind == "awaiting_approval":
        text = _("Version %(version)s awaits approval since %(date)s.")
        values["version"] = params["version"]
    elif kind == "corrections":
        text = ngettext(
            "%(count)d late correction of a delivery record awaits your decision.",
            "%(count)d late corrections of delivery records await your decision.",
            params["count"],
        )
        values["count"] = params["count"]
    else:
        raise ValueError(f"unknown alert kind {kind!r}")
    return text % values


def _delivery_alerts(
    plan: ServicePlan,
    today: datetime.date,
    *,
    items: list[PlanItem],
    goals: list[Goal],
    recorded: dict[Any, set[datetime.date]],
) -> list[Alert]:
    """Alerts of a plan in progress: its end, goals past their date, items ending soon, visits without a record."""
    alerts: list[Alert] = []
    if plan.ends_on < today:
        alerts.append(Alert(plan, "plan_ended", plan.ends_on, Severity.DANGER))
    elif (plan.ends_on - today).days <= rules.ONE_YEAR_SOON_DAYS:
        limit = plan.ends_on >= rules.latest_end(plan.starts_on)
        alerts.append(Alert(plan, "plan_ending", plan.ends_on, Severity.WARNING, {"limit": limit}))
    for goal in goals:
        if goal.status == GoalStatus.OPEN and goal.target_date < today:
            alerts.append(Alert(plan, "goal_overdue", goal.target_date, Severity.WARNING, goal=goal))
    for item in items:
        if item.status != ItemStatus.PLANNED:
            continue
        if today <= item.ends_on <= today + datetime.timedelta(days=rules.ENDING_SOON_DAYS):
            alerts.append(Alert(plan, "item_ending", item.ends_on, Severity.INFO, item=item))
        missed = rules.missed_visit_days(
            item.period,
            item.frequency,
            item.weekday_list,
            recorded.get(item.pk, set()),
            today=today,
            since=missed_visits_since(today),
        )
        if missed:
            alerts.append(Alert(plan, "missed_visits", missed[-1], Severity.WARNING, {"count": len(missed)}, item=item))
    return alerts


def _plan_alerts(
    plan: ServicePlan,
    today: datetime.date,
    *,
    items: list[PlanItem],
    goals: list[Goal],
    recorded: dict[Any, set[datetime.date]],
    pending_version: PlanVersion | None,
    corrections: tuple[int, datetime.datetime] | None,
) -> list[Alert]:
    alerts: list[Alert] = []
    if plan.status in (PlanStatus.CLOSED, PlanStatus.CANCELLED):
        return alerts
    deadline = plan.draw_up_deadline
    if plan.drawn_up_on is None:
        if today > deadline:
            alerts.append(Alert(plan, "draw_up_overdue", deadline, Severity.DANGER))
        elif (deadline - today).days <= 7:
            alerts.append(Alert(plan, "draw_up_due", deadline, Severity.WARNING))
    if plan.status in AWAITING_APPROVAL:
        submitted = timezone.localtime(pending_version.submitted_at).date() if pending_version else today
        alerts.append(Alert(plan, "awaiting_approval", submitted, Severity.INFO, {"version": plan.version}))
    if corrections:
        count, oldest = corrections
        day = timezone.localtime(oldest).date()
        alerts.append(Alert(plan, "corrections", day, Severity.WARNING, {"count": count}))
    if plan.status in DELIVERING_STATUSES:
        alerts += _delivery_alerts(plan, today, items=items, goals=goals, recorded=recorded)
    return alerts


def missed_visits_since(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=rules.MISSED_VISITS_WINDOW_DAYS)


def alerts_for(plans: Sequence[ServicePlan], today: datetime.date | None = None) -> dict[Any, list[Alert]]:
    """The alerts of each plan, most urgent first, in five queries for any number of plans."""
    from cus.delivery.models import CorrectionRequest, CorrectionStatus, DeliveryRecord, RecordStatus

    today = _today(today)
    by_plan: dict[Any, list[Alert]] = {plan.pk: [] for plan in plans}
    live = [plan for plan in plans if plan.status not in (PlanStatus.CLOSED, PlanStatus.CANCELLED)]
    if not live:
        return by_plan
    ids = [plan.pk for plan in live]
    delivering = [plan.pk for plan in live if plan.status in DELIVERING_STATUSES]
    items: dict[Any, list[PlanItem]] = defaultdict(list)
    # Only what the alerts read: a coordinator's home asks this for hundreds of plans.
    for item in (
        PlanItem.objects.filter(plan_id__in=delivering)
        .select_related("service")
        .only("plan_id", "service__name", "status", "starts_on", "ends_on", "ended_on", "frequency", "weekdays")
    ):
        items[item.plan_id].append(item)
    goals: dict[Any, list[Goal]] = defaultdict(list)
    for goal in Goal.objects.filter(plan_id__in=delivering, status=GoalStatus.OPEN, target_date__lt=today):
        goals[goal.plan_id].append(goal)
    recorded: dict[Any, set[datetime.date]] = defaultdict(set)
    item_ids = [item.pk for rows in items.values() for item in rows if item.status == ItemStatus.PLANNED]
    if item_ids:
        for item_id, day in (
            DeliveryRecord.objects.filter(item_id__in=item_ids, date__gte=missed_visits_since(today))
            .exclude(status=RecordStatus.CANCELLED)
            .values_list("item_id", "date")
            .order_by()
        ):
            recorded[item_id].add(day)
    pending = {
        version.plan_id: version
        for version in PlanVersion.objects.filter(
            plan_id__in=[p.pk for p in live if p.status in AWAITING_APPROVAL], status=VersionStatus.SUBMITTED
        ).order_by("number")
    }
    # Pending correction requests are few (one per record at most, decided within days): read them all from the
    # pending ones rather than join the plans' records to find them.
    corrections: dict[Any, tuple[int, datetime.datetime]] = {}
    wanted = set(ids)
    for plan_id, requested_at in (
        CorrectionRequest.objects.filter(status=CorrectionStatus.PENDING)
        .values_list("record__item__plan_id", "requested_at")
        .order_by()
    ):
        if plan_id in wanted:
            count, oldest = corrections.get(plan_id, (0, requested_at))
            corrections[plan_id] = (count + 1, min(oldest, requested_at))
    for plan in live:
        alerts = _plan_alerts(
            plan,
            today,
            items=items.get(plan.pk, []),
            goals=goals.get(plan.pk, []),
            recorded=recorded,
            pending_version=pending.get(plan.pk),
            corrections=corrections.get(plan.pk),
        )
        alerts.sort(key=lambda a: (SEVERITY_ORDER[a.severity], a.day))
        by_plan[plan.pk] = alerts
    return by_plan


# --- the coordinator's home ------------------------------------------------------------------------------------------


HOME_PLANS = 25
HOME_ALERTS = 30


def coordinator_home(user: Any, today: datetime.date | None = None) -> dict[str, Any]:
    """My open plans with the next deadline first, and what needs me today (alerts of my plans): the first
    ``HOME_PLANS`` plans and the ``HOME_ALERTS`` most urgent alerts, with their totals (the rest is on the list of
    plans, filtered to mine). Read from the alerts, deadlines and counts stored for the day (``cus.plans.alerts``),
    those of plans changed since, or computed on another day, being recomputed first."""
    from cus.plans import alerts
    from cus.plans.models import PlanAlertState

    today = _today(today)
    mine = ServicePlan.objects.restrict(user, "view").filter(status__in=list(OPEN_STATUSES), coordinator=user)
    # One row per plan, through the coordinator's index: which plans need computing, their deadlines and counts.
    state = ("computed_on", "deadline", "alert_count", "action_count")
    rows = {
        pk: (reference, *values)
        for pk, reference, *values in mine.order_by().values_list(
            "pk", "reference", *(f"alert_state__{name}" for name in state)
        )
    }
    stale = [pk for pk, (_reference, computed_on, *_counts) in rows.items() if computed_on != today]
    if stale:
        alerts.refresh(stale, today)
        for pk, *values in PlanAlertState.objects.filter(plan_id__in=stale).values_list("plan_id", *state):
            rows[pk] = (rows[pk][0], *values)
    order = sorted(rows, key=lambda pk: (rows[pk][2] or FAR_FUTURE, rows[pk][0]))
    first = order[:HOME_PLANS]
    found = with_next_dates(ServicePlan.objects.filter(pk__in=first), today).select_related("person")
    by_pk = {plan.pk: plan for plan in found}
    my_plans = with_deadlines([by_pk[pk] for pk in first if pk in by_pk], today)
    for plan in my_plans:
        plan.alert_count = rows[plan.pk][3]  # type: ignore[attr-defined]
    return {
        "my_plans": my_plans,
        "my_plans_total": len(rows),
        "needs_me": alerts.action_alerts(user, list(rows), limit=HOME_ALERTS),
        "needs_me_total": sum(row[4] or 0 for row in rows.values()),
    }


def awaiting_approval(user: Any, today: datetime.date | None = None) -> list[ServicePlan]:
    """Plans of the user's municipalities waiting for approval, the oldest submission first."""
    plans = (
        ServicePlan.objects.restrict(user, "view")
        .filter(status__in=list(AWAITING_APPROVAL))
        .select_related("person", "coordinator")
        .annotate(
            submitted_at=Subquery(
                PlanVersion.objects.filter(plan=OuterRef("pk"), status=VersionStatus.SUBMITTED)
                .order_by("-number")
                .values("submitted_at")[:1]
            )
        )
        .order_by("submitted_at", "pk")
    )
    return list(plans)


# --- one plan --------------------------------------------------------------------------------------------------------


def plan_detail(plan: ServicePlan, today: datetime.date | None = None) -> dict[str, Any]:
    """Everything the plan page shows, in a fixed number of queries."""
    from cus.plans.models import GoalProgress

    today = _today(today)
    items = list(
        plan.items.select_related("service", "location", "provider", "application").order_by(
            "position", "starts_on", "pk"
        )
    )
    shares = item_shares(items, today)
    for item in items:
        item.share = shares[item.pk]  # type: ignore[attr-defined]
    goals = list(
        plan.goals.prefetch_related(
            Prefetch(
                "progress_notes", queryset=GoalProgress.objects.select_related("author").order_by("-noted_on", "-pk")
            )
        )
    )
    for goal in goals:
        goal.overdue = plan.status in DELIVERING_STATUSES and goal.is_overdue(today)  # type: ignore[attr-defined]
    versions = list(
        plan.versions.select_related("submitted_by", "decided_by", "delegation").order_by("-number", "-submitted_at")
    )
    return {
        "needs": list(plan.needs.select_related("area")),
        "goals": goals,
        "items": items,
        "activities": list(plan.activities.all()),
        "notes": list(plan.monitoring_notes.select_related("author")),
        "versions": versions,
        "applications": list(plan.applications.select_related("programme_service__service")),
        "alerts": alerts_for([plan], today)[plan.pk],
        "totals": {
            "planned": sum((s.planned_total for s in shares.values()), Decimal("0")),
            "planned_so_far": sum((s.planned_so_far for s in shares.values()), Decimal("0")),
            "delivered": sum((s.delivered for s in shares.values()), Decimal("0")),
        },
    }


# --- readable texts --------------------------------------------------------------------------------------------------

WEEKDAY_ABBR = {
    1: pgettext_lazy("weekday abbreviation", "Mon"),
    2: pgettext_lazy("weekday abbreviation", "Tue"),
    3: pgettext_lazy("weekday abbreviation", "Wed"),
    4: pgettext_lazy("weekday abbreviation", "Thu"),
    5: pgettext_lazy("weekday abbreviation", "Fri"),
    6: pgettext_lazy("weekday abbreviation", "Sat"),
    7: pgettext_lazy("weekday abbreviation", "Sun"),
}


def _hours(value: Decimal | str) -> str:
    number = Decimal(value).normalize()
    text = format(number, "f").replace(".", ",")
    return _("%(hours)s h") % {"hours": text}


def schedule_text(
    frequency: str, weekdays: Sequence[int], time_from: datetime.time | str | None, hours_per_visit: Decimal | str
) -> str:
    """The schedule as a sentence, e.g. "Mon, Wed, Fri from 9:00, 2 h" ("pon., śr., pt. od 9:00, 2 godz.")."""
    days = ", ".join(str(WEEKDAY_ABBR[int(day)]) for day in sorted(weekdays or []) if int(day) in WEEKDAY_ABBR)
    if isinstance(time_from, str):
        time_from = datetime.time.fromisoformat(time_from) if time_from else None
    at = _("from %(time)s") % {"time": f"{time_from.hour}:{time_from.minute:02d}"} if time_from else ""
    if frequency == rules.Frequency.MONTHLY:
        when = str(_("once a month"))
    elif frequency == rules.Frequency.EVERY_OTHER_WEEK:
        when = _("every other week: %(days)s") % {"days": days}
    else:
        when = days
    return ", ".join(part for part in (f"{when} {at}".strip(), _hours(hours_per_visit)) if part)


def item_schedule(item: PlanItem) -> str:
    return schedule_text(item.frequency, item.weekday_list, item.time_from, item.hours_per_visit)


SECTION_LABELS = {
    "period": gettext_lazy("Period"),
    "needs_summary": gettext_lazy("Needs (summary)"),
    "needs": gettext_lazy("Needs"),
    "goals": gettext_lazy("Goals"),
    "items": gettext_lazy("Planned services"),
    "activities": gettext_lazy("Supporting activities"),
}
FIELD_LABELS = {
    "starts_on": gettext_lazy("starts on"),
    "ends_on": gettext_lazy("ends on"),
    "area": gettext_lazy("service area"),
    "description": gettext_lazy("description"),
    "indicator": gettext_lazy("indicator"),
    "baseline": gettext_lazy("starting value"),
    "target": gettext_lazy("target value"),
    "target_date": gettext_lazy("target date"),
    "service": gettext_lazy("service"),
    "provider": gettext_lazy("provider"),
    "location": gettext_lazy("place"),
    "frequency": gettext_lazy("frequency"),
    "weekdays": gettext_lazy("days of the week"),
    "time_from": gettext_lazy("from"),
    "hours_per_visit": gettext_lazy("hours per visit"),
    "planned_hours": gettext_lazy("planned hours in total"),
    "fee_per_month": gettext_lazy("fee a month (PLN)"),
    "application": gettext_lazy("qualification"),
    "kind": gettext_lazy("kind"),
    "who": gettext_lazy("who helps"),
}
KIND_LABELS = {
    "added": gettext_lazy("Added"),
    "removed": gettext_lazy("Removed"),
    "changed": gettext_lazy("Changed"),
}


def _value_text(field: str, value: Any) -> str:
    from cus.plans.models import ActivityKind

    if value in (None, "", []):
        return "—"
    if field in ("starts_on", "ends_on", "target_date"):
        return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
    if field == "weekdays":
        return ", ".join(str(WEEKDAY_ABBR.get(int(day), day)) for day in value)
    if field == "frequency":
        return str(dict(PlanItem._meta.get_field("frequency").choices or []).get(value, value))
    if field == "kind":
        return str(dict(ActivityKind.choices).get(value, value))
    return str(value)


def _row_text(section: str, row: dict[str, Any]) -> str:
    """A frozen row in one line, for an added or removed row."""
    if section == "items":
        schedule = schedule_text(row["frequency"], row["weekdays"], row.get("time_from"), row["hours_per_visit"])
        period = f"{_value_text('starts_on', row['starts_on'])}–{_value_text('ends_on', row['ends_on'])}"
        return f"{row['service']} ({row['provider']}), {period}; {schedule}"
    if section == "goals":
        return _("%(goal)s — target %(target)s by %(date)s") % {
            "goal": row["description"],
            "target": row["target"],
            "date": _value_text("target_date", row["target_date"]),
        }
    if section == "activities":
        return f"{_value_text('kind', row['kind'])}: {row['description']}"
    return str(row.get("description", ""))


@dataclass(frozen=True)
class ComparisonRow:
    section: str
    kind: str
    label: str
    field: str
    before: str
    after: str

    @property
    def kind_label(self) -> str | Promise:
        return KIND_LABELS[self.kind]


def comparison(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """``versions.compare`` made readable, grouped by section: what was added, removed, changed (before → after)."""
    from cus.plans import versions

    labels: dict[str, str] = {}
    for content in (old, new):
        for section in versions.SECTIONS:
            for row in content.get(section, []):
                labels[row["key"]] = _row_text(section, row)
    groups: dict[str, list[ComparisonRow]] = defaultdict(list)
    for difference in versions.compare(old, new):
        section = difference.section
        if difference.kind == "added":
            groups[section].append(ComparisonRow(section, "added", "", "", "", _row_text(section, difference.after)))
        elif difference.kind == "removed":
            groups[section].append(ComparisonRow(section, "removed", "", "", _row_text(section, difference.before), ""))
        else:
            field_name = difference.field
            groups[section].append(
                ComparisonRow(
                    section,
                    "changed",
                    labels.get(difference.key, "") if section in versions.SECTIONS else "",
                    str(FIELD_LABELS.get(field_name, field_name)),
                    _value_text(field_name, difference.before),
                    _value_text(field_name, difference.after),
                )
            )
    return [
        {"section": key, "label": SECTION_LABELS[key], "rows": groups[key]}
        for key in ("period", "needs_summary", *versions.SECTIONS)
        if groups.get(key)
    ]
