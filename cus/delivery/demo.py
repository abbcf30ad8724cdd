"""Demo delivery: the demo provider staff account works for the provider of the care service, and a history of
visits recorded for the demo plans (see ``cus.plans.demo``). Idempotent: an existing link is kept.

The visits are recorded through the services like real ones; afterwards their ``recorded_at`` is moved to the
evening of the visit, as if each had been entered on the day, so that the provider's correction window and the
lists look as they would after weeks of use (demo history only).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from cus.accounts.models import User
from cus.catalog.models import Service
from cus.core.models import Municipality
from cus.delivery import services
from cus.delivery.models import DeliveryRecord, ProviderStaff, RecordStatus

CARE_SERVICE = "Usługi opiekuńcze w miejscu zamieszkania"
PROVIDER_LOGIN = "realizator@"


def provider_user(municipality: Municipality) -> User | None:
    """The demo provider staff account of the centre serving ``municipality``."""
    return (
        User.objects.filter(email__startswith=PROVIDER_LOGIN, centre__municipalities=municipality)
        .order_by("pk")
        .first()
    )


def build(municipality: Municipality) -> int:
    """Link the demo provider staff account to the provider of the care service; returns 1 when linked now."""
    user = provider_user(municipality)
    care = Service.objects.filter(municipality=municipality, name=CARE_SERVICE).select_related("organization").first()
    if user is None or care is None or ProviderStaff.objects.filter(user=user).exists():
        return 0
    administrator = (
        User.objects.filter(email__startswith="administrator@", centre__municipalities=municipality)
        .order_by("pk")
        .first()
    )
    if administrator is not None:
        services.staff_link(actor=administrator, user=user, organization=care.organization)
    else:  # pragma: no cover - the demo command always creates the administrator
        ProviderStaff.objects.create(user=user, organization=care.organization)
    return 1


def record_history(
    *,
    actor: Any,
    item: Any,
    days: Iterable[datetime.date],
    worker_name: str,
    minutes: int | None = None,
    missed: Mapping[datetime.date, str] | None = None,
    skip: Iterable[datetime.date] = (),
    notes: dict[datetime.date, str] | None = None,
) -> list[DeliveryRecord]:
    """Record the visits of ``item`` on ``days`` (delivered, or missed with a reason), leaving ``skip`` days
    unrecorded (they show as missed visits to the coordinator)."""
    missed = missed or {}
    notes = notes or {}
    skipped = set(skip)
    minutes = minutes or int(item.hours_per_visit * 60)
    start = item.time_from or datetime.time(9, 0)
    records = []
    for day in days:
        if day in skipped:
            continue
        fields: dict[str, Any] = {
            "date": day,
            "start_time": start,
            "minutes": minutes,
            "worker_name": worker_name,
            "notes": notes.get(day, ""),
        }
        if day in missed:
            fields.update(status=RecordStatus.MISSED, missed_reason=missed[day])
        record = services.record_visit(actor=actor, item=item, **fields)
        evening = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 30)))
        DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=evening)
        record.recorded_at = evening
        records.append(record)
    return records
