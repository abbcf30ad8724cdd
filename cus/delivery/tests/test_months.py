"""The minutes delivered per item and month (``DeliveryMonth``) follow every write of the records: a new visit, a
correction that moves it to another month or marks it as not delivered; a rebuild from the records gives the same."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cus.delivery import months, services
from cus.delivery.models import DeliveryMonth, RecordStatus
from cus.delivery.tests.factories import visit

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _totals(item: Any) -> dict[datetime.date, int]:
    return dict(DeliveryMonth.objects.filter(item=item).values_list("month", "minutes"))


def test_monthly_totals_follow_the_records(world: dict[str, Any]) -> None:
    user, item = world["provider_user"], world["item"]
    today = timezone.localdate()
    early, late = today - 50 * DAY, today - 5 * DAY  # 45 days apart: always in different months
    early_month, late_month = early.replace(day=1), late.replace(day=1)
    first = visit(user, item, date=early, minutes=120)
    visit(user, item, date=early, start_time=datetime.time(13, 0), minutes=60)
    visit(
        user,
        item,
        date=late,
        status=RecordStatus.MISSED,
        missed_reason="person_absent",
        worker_name="Anna Opiekunka",
    )
    visit(user, item, date=late, start_time=datetime.time(11, 0), minutes=90)
    assert _totals(item) == {early_month: 180, late_month: 90}  # the missed visit does not count

    # Moved to another month: both months are counted again.
    services.correct(actor=user, record=first, date=late, start_time=datetime.time(15, 0))
    assert _totals(item) == {early_month: 60, late_month: 210}
    # Entered in error: no longer delivered.
    first.refresh_from_db()
    services.correct(actor=user, record=first, status=RecordStatus.CANCELLED)
    assert _totals(item) == {early_month: 60, late_month: 90}

    kept = sorted(DeliveryMonth.objects.values_list("item_id", "month", "minutes"))
    assert months.rebuild() == len(kept)
    assert sorted(DeliveryMonth.objects.values_list("item_id", "month", "minutes")) == kept
