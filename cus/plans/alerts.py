"""Stored alerts of open plans: what a coordinator's home reads.

``queries.alerts_for`` computes the alerts of any plans from their items, goals, versions, recent delivery records
and pending correction requests; for a coordinator with hundreds of open plans that is thousands of rows per page
view. Here the result is kept in ``PlanAlert`` rows, one set per plan, valid for the day in ``PlanAlertState`` (with
the plan's next deadline that day, by which the home orders "my plans"):

- a change to a plan or anything its alerts read deletes the plan's state (signals below, on every save and delete
  of those models), so the change shows at the next read;
- a reader recomputes the plans of its selection whose state is missing or from another day (``refresh``),
  so a stored alert is never older than the last change or than today;
- ``manage.py refresh_plan_alerts``, run nightly after midnight, recomputes every open plan for the new day, so the
  first page of the morning does not pay for it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save

from cus.plans import queries
from cus.plans.models import (
    OPEN_STATUSES,
    Goal,
    PlanAlert,
    PlanAlertState,
    PlanItem,
    PlanVersion,
    ServicePlan,
)

BATCH = 1000
# Alerts that only inform the coordinator (a version waits for someone else's approval): on the plan, not in
# "needs me today".
INFORMATION_KINDS = frozenset({"awaiting_approval"})


def _ids(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def refresh(plan_ids: Sequence[Any], today: datetime.date) -> int:
    """Recompute and store the alerts of these plans for ``today``; returns the number of alerts stored."""
    stored = 0
    for start in range(0, len(plan_ids), BATCH):
        batch = list(plan_ids[start : start + BATCH])
        with transaction.atomic():
            # Lock the plans: two readers refreshing the same plans write one set of rows, one after the other.
            list(ServicePlan.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk"))
            plans = list(queries.with_next_dates(ServicePlan.objects.filter(pk__in=batch), today).order_by("pk"))
            computed = queries.alerts_for(plans, today)
            PlanAlert.objects.filter(plan_id__in=batch).delete()
            rows = [
                PlanAlert(
                    plan_id=alert.plan.pk,
                    coordinator_id=alert.plan.coordinator_id,
                    kind=alert.kind,
                    day=alert.day,
                    severity=alert.severity,
                    rank=queries.SEVERITY_ORDER[alert.severity],
                    params=alert.params,
                    item_id=alert.item.pk if alert.item is not None else None,
                    goal_id=alert.goal.pk if alert.goal is not None else None,
                )
                for alerts in computed.values()
                for alert in alerts
            ]
            PlanAlert.objects.bulk_create(rows, batch_size=500)
            PlanAlertState.objects.filter(plan_id__in=batch).delete()
            states = []
            for plan in plans:
                deadline = queries.next_deadline(plan, today)
                own = computed.get(plan.pk, [])
                states.append(
                    PlanAlertState(
                        plan_id=plan.pk,
                        computed_on=today,
                        deadline=deadline.day if deadline else None,
                        alert_count=len(own),
                        action_count=sum(1 for alert in own if alert.kind not in INFORMATION_KINDS),
                    )
                )
            PlanAlertState.objects.bulk_create(states, batch_size=500)
            stored += len(rows)
    return stored


def stale(plans: QuerySet[ServicePlan], today: datetime.date) -> list[Any]:
    """Ids of those of ``plans`` whose stored alerts are missing or from another day."""
    return list(
        plans.filter(Q(alert_state__isnull=True) | ~Q(alert_state__computed_on=today))
        .order_by()
        .values_list("pk", flat=True)
    )


def refresh_open(today: datetime.date, *, everything: bool = False) -> tuple[int, int]:
    """The nightly run: every open plan not yet computed for ``today`` (all of them with ``everything``); closed
    plans lose their rows. Returns (plans recomputed, alerts stored)."""
    PlanAlert.objects.exclude(plan__status__in=list(OPEN_STATUSES)).delete()
    PlanAlertState.objects.exclude(plan__status__in=list(OPEN_STATUSES)).delete()
    open_plans = ServicePlan.objects.filter(status__in=list(OPEN_STATUSES))
    ids = list(open_plans.order_by("pk").values_list("pk", flat=True)) if everything else stale(open_plans, today)
    return len(ids), refresh(ids, today)


def action_alerts(user: Any, plan_ids: Sequence[Any], *, limit: int) -> list[Any]:
    """The most urgent stored alerts asking the user to act in ``plan_ids`` — the open plans they coordinate, read
    and refreshed by the caller —, as ``queries.Alert``. Read in the order of the (coordinator, rank, day) index,
    a few more than needed at a time; rows of a plan not in ``plan_ids`` (handed over or closed since it was
    computed: it keeps its rows until its next refresh) are skipped, so the result is exact."""
    wanted = set(plan_ids)
    if not wanted:
        return []
    ordered = (
        PlanAlert.objects.filter(coordinator=user)
        .exclude(kind__in=list(INFORMATION_KINDS))
        .select_related("plan__person", "item__service", "goal")
        # What the list shows (the plan's reference and person, the service, the goal): not the whole rows.
        .only(
            *("plan", "kind", "day", "severity", "params", "item", "goal", "plan__reference", "item__service__name"),
            *("plan__person__first_name", "plan__person__second_name", "plan__person__last_name", "goal__description"),
        )
        .order_by("rank", "day", "pk")
    )
    rows: list[PlanAlert] = []
    batch, offset = limit + 10, 0
    while len(rows) < limit:
        chunk = list(ordered[offset : offset + batch])
        rows += [row for row in chunk if row.plan_id in wanted]
        if len(chunk) < batch:
            break
        offset += batch
    return [
        queries.Alert(row.plan, row.kind, row.day, row.severity, row.params, item=row.item, goal=row.goal)
        for row in rows[:limit]
    ]


# --- invalidation ----------------------------------------------------------------------------------------------------


def invalidate(plan_ids: Iterable[Any]) -> None:
    """The stored alerts of these plans are out of date: the next reader recomputes them."""
    ids = _ids(plan_ids)
    if ids:
        PlanAlertState.objects.filter(plan_id__in=ids).delete()


def _plan_changed(sender: Any, instance: ServicePlan, **kwargs: Any) -> None:
    if kwargs.get("signal") is post_delete:
        return  # the state went with the plan
    invalidate([instance.pk])


def _child_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    invalidate([instance.plan_id])


def _record_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance._meta.get_field("item").is_cached(instance):  # loaded by the recording service: no lookup needed
        invalidate([instance.item.plan_id])
    else:
        plan = PlanItem.objects.filter(pk=instance.item_id).values("plan_id")
        PlanAlertState.objects.filter(plan_id__in=plan).delete()


def _correction_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from cus.delivery.models import DeliveryRecord

    plan = DeliveryRecord.objects.filter(pk=instance.record_id).values("item__plan_id")
    PlanAlertState.objects.filter(plan_id__in=plan).delete()


def connect() -> None:
    """Called from ``PlansConfig.ready``."""
    from cus.delivery.models import CorrectionRequest, DeliveryRecord

    for signal in (post_save, post_delete):
        signal.connect(_plan_changed, sender=ServicePlan, dispatch_uid=f"plan-alerts-plan-{signal is post_save}")
        for model in (PlanItem, Goal, PlanVersion):
            signal.connect(
                _child_changed, sender=model, dispatch_uid=f"plan-alerts-{model.__name__}-{signal is post_save}"
            )
        signal.connect(_record_changed, sender=DeliveryRecord, dispatch_uid=f"plan-alerts-record-{signal is post_save}")
        signal.connect(
            _correction_changed, sender=CorrectionRequest, dispatch_uid=f"plan-alerts-correction-{signal is post_save}"
        )
