"""Minutes delivered per plan item and calendar month (``DeliveryMonth``), kept with the delivery records.

Every save or removal of a record counts its item's months again from the records (one GROUP BY over the item's
records, from the covering index, then the item's month rows replaced): a correction that moves a visit to another
month, or marks it as not delivered, is reflected at once. ``rebuild`` counts every item again (after records were
written in bulk, as by a migration or the benchmark's generator).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_delete, post_save

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


@transaction.atomic
def recount(item_ids: Iterable[Any]) -> None:
    """Count the delivered minutes of these items by month again from their records."""
    from cus.plans.models import PlanItem

    ids = sorted(set(item_ids))
    if not ids:
        return
    # The items' rows are locked first, so that two records of one item saved at once count its months one after
    # the other (the second sees the first's records and rows), never both from the same snapshot.
    list(PlanItem.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    DeliveryMonth.objects.filter(item_id__in=ids).delete()
    DeliveryMonth.objects.bulk_create(_totals(DeliveryRecord.objects.filter(item_id__in=ids)))


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


def _record_changed(sender: Any, instance: DeliveryRecord, **kwargs: Any) -> None:
    recount([instance.item_id])


def connect() -> None:
    """Called from ``DeliveryConfig.ready``."""
    for signal in (post_save, post_delete):
        signal.connect(_record_changed, sender=DeliveryRecord, dispatch_uid=f"delivery-months-{signal is post_save}")
