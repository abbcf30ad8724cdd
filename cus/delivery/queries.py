"""What provider staff and the services team read of the delivery of plan items.

``assigned_items(user)`` is the ONLY way provider staff reach plan items: items of their own organisation, in a plan
being delivered, in the municipalities their role reaches. The rows carry only the minimum personal data a provider
needs to come and deliver (the person's name, address and phone), never PESEL, income, household, health, goals,
needs or the coordinator's notes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.accounts.permissions import municipality_ids_for
from cus.accounts.roles import Role
from cus.audit.services import record_denied
from cus.core.access import access_object
from cus.core.collation import Alphabetical, polish_sort_key, sort_keys
from cus.delivery.models import CorrectionRequest, CorrectionStatus, DeliveryRecord, ProviderStaff
from cus.delivery.services import provider_of
from cus.plans import rules
from cus.plans.models import DELIVERING_STATUSES, PlanItem

if TYPE_CHECKING:
    from cus.accounts.models import User

# The only fields of the person a provider ever loads.
PERSON_FIELDS = ("first_name", "second_name", "last_name", "street", "building", "flat", "postal_code", "town", "phone")
ITEM_FIELDS = (
    "id",
    "plan_id",
    "service_id",
    "location_id",
    "provider_id",
    "starts_on",
    "ends_on",
    "ended_on",
    "status",
    "frequency",
    "weekdays",
    "time_from",
    "hours_per_visit",
    "planned_hours",
    "notes",
    "position",
    "plan__id",
    "plan__status",
    "plan__reference",
    "plan__municipality_id",
    "plan__person__id",
    *(f"plan__person__{name}" for name in PERSON_FIELDS),
    "service__id",
    "service__name",
    "location__id",
    "location__name",
    "location__address_1",
    "location__postal_code",
    "location__city",
    "provider__id",
    "provider__name",
)
ITEM_SORTS = {
    "person": ("plan__person__last_name", "plan__person__first_name"),
    "service": ("service__name",),
    "starts": ("starts_on",),
    "ends": ("ends_on",),
}
RECORD_SORTS = {"date": ("date", "start_time"), "worker": ("worker_key", "date"), "status": ("status", "date")}
READ_ITEM_PURPOSE = "Delivering a service of an individual plan"
DENIED_MESSAGE = "plan item of another provider, of a plan not being delivered, or outside the user's municipalities"


def _minimal(queryset: QuerySet[PlanItem]) -> QuerySet[PlanItem]:
    return queryset.select_related("plan__person", "service", "location", "provider").only(*ITEM_FIELDS)


def assigned_items(user: Any, *, sort: str = "") -> QuerySet[PlanItem]:
    """Plan items the provider staff member's organisation delivers now (nothing for anyone else)."""
    provider_id = provider_of(user)
    if provider_id is None:
        return PlanItem.objects.none()
    items = PlanItem.objects.restrict(user, "deliver").filter(
        provider_id=provider_id, plan__status__in=DELIVERING_STATUSES
    )
    order = ITEM_SORTS.get(sort.removeprefix("-"))
    if order:
        items = items.order_by(*sort_keys(PlanItem, order, descending=sort.startswith("-")), "pk")
    else:
        items = items.order_by("ends_on", Alphabetical("plan__person__last_name"), "pk")
    return _minimal(items)


def assigned_item(user: Any, pk: Any) -> PlanItem:
    """One assigned item; an item of another provider (or of a plan not being delivered) answers exactly like a
    missing one, and the attempt is written to the audit trail."""
    item = assigned_items(user).filter(pk=pk).first()
    if item is not None:
        return item
    existing = PlanItem.objects.filter(pk=pk).select_related("plan").first()
    if existing is not None:
        record_denied(actor=user, what="plans.deliver_planitem", instance=existing, message=DENIED_MESSAGE)
    raise Http404(_("No service to deliver found with this identifier."))


def record_for(user: Any, pk: Any, action: str = "view") -> DeliveryRecord:
    """One record: provider staff reach records of their assigned items only; the services team through their
    municipalities. Forbidden answers like missing, and is audited."""
    if provider_of(user) is not None:
        record = (
            DeliveryRecord.objects.filter(pk=pk, item__in=assigned_items(user).values("pk"))
            .select_related("recorded_by", "corrected_by")
            .first()
        )
        if record is not None:
            return record
        existing = DeliveryRecord.objects.filter(pk=pk).first()
        if existing is not None:
            record_denied(
                actor=user, what=f"delivery.{action}_deliveryrecord", instance=existing, message=DENIED_MESSAGE
            )
        raise Http404(_("No delivery record found with this identifier."))
    record = access_object(user, DeliveryRecord, action, pk=pk)
    return DeliveryRecord.objects.select_related(
        "item__plan__person", "item__service", "item__provider", "recorded_by", "corrected_by"
    ).get(pk=record.pk)


def records_of_item(item: PlanItem, *, since: datetime.date | None = None, until: datetime.date | None = None) -> Any:
    records = DeliveryRecord.objects.filter(item_id=item.pk).select_related("recorded_by", "corrected_by")
    if since:
        records = records.filter(date__gte=since)
    if until:
        records = records.filter(date__lte=until)
    return records.order_by("-date", "-start_time", "pk")


def records_of_provider(user: Any, *, sort: str = "", since: datetime.date | None = None) -> Any:
    """Every record of the user's organisation (of items assigned now), newest first."""
    records = DeliveryRecord.objects.filter(item__in=assigned_items(user).values("pk")).select_related(
        "item__service", "item__plan__person", "recorded_by"
    )
    records = records.only(
        "id",
        "date",
        "start_time",
        "minutes",
        "worker_name",
        "status",
        "missed_reason",
        "recorded_at",
        "recorded_by_id",
        "item_id",
        "item__id",
        "item__service__id",
        "item__service__name",
        "item__plan__id",
        "item__plan__person__id",
        "item__plan__person__first_name",
        "item__plan__person__second_name",
        "item__plan__person__last_name",
        "recorded_by__id",
        "recorded_by__full_name",
        "recorded_by__email",
    )
    if since:
        records = records.filter(date__gte=since)
    key = sort.removeprefix("-")
    if key in RECORD_SORTS:
        descending = sort.startswith("-")
    else:
        key, descending = "date", True
    return records.order_by(*(f"-{f}" if descending else f for f in RECORD_SORTS[key]), "pk")


def provider_requests(user: Any) -> Any:
    """Correction requests of the user's organisation."""
    provider_id = provider_of(user)
    if provider_id is None:
        return CorrectionRequest.objects.none()
    return (
        CorrectionRequest.objects.restrict(user, "view")
        .filter(record__provider_id=provider_id, record__item__in=assigned_items(user).values("pk"))
        .select_related("record__item__service", "requested_by", "decided_by")
        .order_by("-requested_at", "pk")
    )


def team_requests(user: Any, *, status: str = CorrectionStatus.PENDING) -> Any:
    """Correction requests of plans in the user's municipalities (services team), pending first by default."""
    requests = CorrectionRequest.objects.restrict(user, "change").select_related(
        "record__item__plan__person", "record__item__service", "record__item__provider", "requested_by", "decided_by"
    )
    if status in CorrectionStatus.values:
        requests = requests.filter(status=status)
    return requests.order_by("requested_at", "pk") if status == CorrectionStatus.PENDING else requests


def correction_for(user: Any, pk: Any) -> CorrectionRequest:
    request = access_object(user, CorrectionRequest, "change", pk=pk)
    return CorrectionRequest.objects.select_related(
        "record__item__plan__person", "record__item__service", "record__item__provider", "requested_by", "decided_by"
    ).get(pk=request.pk)


# --- planned visits ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    day: datetime.date
    item: PlanItem
    recorded: bool

    @property
    def time_from(self) -> datetime.time | None:
        return self.item.time_from


def week_of(day: datetime.date) -> rules.Period:
    monday = day - datetime.timedelta(days=day.isoweekday() - 1)
    return rules.Period(monday, monday + datetime.timedelta(days=6))


def planned_visits(user: Any, *, today: datetime.date | None = None) -> tuple[list[Visit], list[Visit]]:
    """Today's and the rest of this week's planned visits of the user's organisation (from each item's schedule),
    each marked when a record for that day exists."""
    today = today or timezone.localdate()
    week = week_of(today)
    items = list(
        assigned_items(user)
        .filter(starts_on__lte=week.ends_on)
        .filter(Q(ended_on__isnull=True, ends_on__gte=week.starts_on) | Q(ended_on__gte=week.starts_on))
    )
    recorded = set(
        DeliveryRecord.objects.filter(
            item_id__in=[item.pk for item in items], date__range=(week.starts_on, week.ends_on)
        ).values_list("item_id", "date")
    )
    visits: list[Visit] = []
    for item in items:
        for day in rules.visit_dates(item.period, item.frequency, item.weekday_list, until=week.ends_on):
            if day >= week.starts_on:
                visits.append(Visit(day, item, (item.pk, day) in recorded))
    visits.sort(
        key=lambda v: (v.day, v.item.time_from or datetime.time(0), polish_sort_key(v.item.plan.person.last_name))
    )
    return [v for v in visits if v.day == today], [v for v in visits if v.day > today]


def ending_soon(item: PlanItem, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    end = item.ended_on or item.ends_on
    return today <= end <= today + datetime.timedelta(days=rules.ENDING_SOON_DAYS)


def has_ended(item: PlanItem, today: datetime.date | None = None) -> bool:
    return (item.ended_on or item.ends_on) < (today or timezone.localdate())


# --- provider staff (administrator) ----------------------------------------------------------------------------------


def staff_links(user: Any) -> Any:
    return (
        ProviderStaff.objects.restrict(user, "view")
        .select_related("user", "organization")
        .order_by(Alphabetical("organization__name"), Alphabetical("user__full_name"), "pk")
    )


def unlinked_provider_users(user: Any) -> QuerySet[User]:
    """Users holding the provider-staff role in the actor's municipalities who are not linked to a provider yet."""
    from cus.accounts.models import User

    ids = municipality_ids_for(user, "delivery.view_providerstaff")
    return (
        User.objects.filter(
            role_assignments__role=Role.PROVIDER_STAFF,
            role_assignments__municipalities__in=ids,
            provider_staff__isnull=True,
        )
        .distinct()
        .order_by(Alphabetical("full_name"), "email")
    )


def providers_for_linking(user: Any) -> Any:
    from cus.catalog.models import Organization

    ids = municipality_ids_for(user, "delivery.add_providerstaff")
    return Organization.objects.filter(municipality_id__in=ids, archived_at__isnull=True).order_by(Alphabetical("name"))
