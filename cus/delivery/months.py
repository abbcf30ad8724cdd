"""Minutes delivered per plan item and calendar month (``DeliveryMonth``), kept with the delivery records.

Every save or removal of a record counts its month again from the item's records (a sum over a range of the
covering index), and the month it was in before when a correction moved it: a correction that moves a visit to
another month, or marks it as not delivered, is reflected at once. ``rebuild`` counts every item again (after
records were written in bulk, as by a migration or the benchmark's generator).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save, pre_save

from cus.delivery.models import DeliveryMonth, DeliveryRecord, RecordStatus

REBUILD_BATCH = 5000


def _totals(records: Any) -> list[DeliveryMonth]:
    rows = (
        records.filter(status=RecordStatus.DELIVERED)
        .annotate(month=TruncMonth("date"))
        .values_list("item_id", "month")
        .annotate(total=Sum("minutes"))
        .values_list("item_id", "month", "total")
        .order_by()
    )
    return [DeliveryMonth(item_id=item_id, month=month, minutes=total or 0) for item_id, month, total in rows]


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


@transaction.atomic
def recount(item_id: Any, months: Iterable[datetime.date]) -> None:
    """Count the delivered minutes of an item in these months again from its records (a range of the covering
    index of records per month)."""
    from cus.plans.models import PlanItem

    wanted = sorted({month_of(month) for month in months})
    if not wanted:
        return
    # The item's row is locked first, so that two records of one item saved at once count its months one after the
    # other (the second sees the first's record and rows), never both from the same snapshot.
    list(PlanItem.objects.select_for_update().filter(pk=item_id).values_list("pk", flat=True))
    DeliveryMonth.objects.filter(item_id=item_id, month__in=wanted).delete()
    delivered = DeliveryRecord.objects.filter(item_id=item_id, status=RecordStatus.DELIVERED)
    rows = []
    for month in wanted:
        total = delivered.filter(date__range=(month, _month_end(month))).aggregate(total=Sum("minutes"))["total"]
        if total:
            rows.append(DeliveryMonth(item_id=item_id, month=month, minutes=total))
    DeliveryMonth.objects.bulk_create(rows)


def rebuild(*, batch: int = REBUILD_BATCH) -> int:
    """Count every item's months again (in batches of items); returns the number of month rows."""
    from cus.plans.models import PlanItem

    written = 0
    ids = list(PlanItem.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        DeliveryMonth.objects.all().delete()
        for start in range(0, len(ids), batch):
            rows = _totals(DeliveryRecord.objects.filter(item_id__in=ids[start : start + batch]))
            DeliveryMonth.objects.bulk_create(rows, batch_size=2000)
            written += len(rows)
    return written


def _remember_month(sender: Any, instance: DeliveryRecord, raw: bool = False, **kwargs: Any) -> None:
    """Before a record is changed: the month it was in (a correction may move it to another month)."""
    if raw or instance._state.adding:
        return
    instance._months_before = set(  # type: ignore[attr-defined]
        month_of(day) for day in DeliveryRecord.objects.filter(pk=instance.pk).values_list("date", flat=True)
    )


def _record_changed(sender: Any, instance: DeliveryRecord, **kwargs: Any) -> None:
    before: set[datetime.date] = getattr(instance, "_months_before", set())
    recount(instance.item_id, {month_of(instance.date), *before})
    instance._months_before = set()  # type: ignore[attr-defined]


def connect() -> None:
    """Called from ``DeliveryConfig.ready``."""
    pre_save.connect(_remember_month, sender=DeliveryRecord, dispatch_uid="delivery-months-before")
    for signal in (post_save, post_delete):
        signal.connect(_record_changed, sender=DeliveryRecord, dispatch_uid=f"delivery-months-{signal is post_save}")
