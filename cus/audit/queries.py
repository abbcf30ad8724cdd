"""Searching the audit trail, shared by the audit screen and the API."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cus.audit.models import AuditEntry


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_entries(
    user: Any,
    *,
    person: str = "",
    actor: str = "",
    obj: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.restrict(user, "view")
    if person:
        entries = entries.filter(Q(person_label__icontains=person) | Q(person_id=person))
    if actor:
        entries = entries.filter(Q(actor_label__icontains=actor))
    if obj:
        obj_type, _sep, obj_id = obj.partition(":")
        if obj_id:
            entries = entries.filter(object_type=obj_type.strip().lower(), object_id=obj_id.strip())
        else:
            entries = entries.filter(Q(object_type__icontains=obj) | Q(object_id=obj) | Q(object_repr__icontains=obj))
    if action:
        entries = entries.filter(action=action)
    if date_from:
        entries = entries.filter(timestamp__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(timestamp__lt=_day_start(date_to + datetime.timedelta(days=1)))
    return entries.order_by("-timestamp", "-id")
