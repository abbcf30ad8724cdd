"""Reading the catalog for the staff screens, the staff API and the export: filters, sorting, change history."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from cus.accounts.permissions import municipality_ids_for
from cus.audit.models import AuditEntry
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.catalog.search import search_services
from cus.core.models import Municipality

# Sort keys of the service list (column headers and the API's ``sort``): key → ordering; "-key" reverses it.
SERVICE_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "status": ("status", "name", "pk"),
    "updated": ("updated_at", "pk"),
}


def _clean_text(value: str | None) -> str:
    # A NUL character cannot reach the database (PostgreSQL refuses it); it never matches anything anyway.
    return (value or "").replace("\x00", "").strip()


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def service_ordering(sort: str) -> tuple[str, ...]:
    key = sort.removeprefix("-")
    fields = SERVICE_SORTS.get(key, SERVICE_SORTS["name"])
    if sort.startswith("-") and key in SERVICE_SORTS:
        return tuple(f if f.startswith("-") else f"-{f}" for f in fields)
    return fields


def services_for(
    user: Any,
    *,
    action: str = "view",
    q: str = "",
    status: str = "",
    area: str = "",
    organization: Any = None,
    municipality: str = "",
    sort: str = "name",
) -> QuerySet[Service]:
    """The services the user may see, filtered: ``area`` is a term code ("04"), ``municipality`` a TERYT code
    (the municipality served), ``organization`` a provider id; free text goes through the search engine."""
    services: QuerySet[Service] = Service.objects.restrict(user, action)
    if status in ServiceStatus.values:
        services = services.filter(status=status)
    area = _clean_text(area)
    if area:
        # Subqueries, not joins: no duplicate rows, so no DISTINCT to get in the way of the search engine's ranking.
        in_area = Service.areas.through.objects.filter(
            taxonomyterm__taxonomy_id=str(AREAS_TAXONOMY_ID), taxonomyterm__code=area
        )
        services = services.filter(pk__in=in_area.values("service_id"))
    if organization:
        organization_id = parse_uuid(organization)
        services = services.filter(organization_id=organization_id) if organization_id else services.none()
    municipality = _clean_text(municipality)
    if municipality:
        served = Service.municipalities_served.through.objects.filter(municipality__teryt=municipality)
        services = services.filter(pk__in=served.values("service_id"))
    query = _clean_text(q)
    services = services.select_related("organization", "municipality").prefetch_related("areas")
    if query:
        services = search_services(services, query)
        # The engine ranks; the user's explicit sort (when given) wins.
        if sort and sort != "relevance":
            services = services.order_by(*service_ordering(sort))
        return services
    return services.order_by(*service_ordering(sort))


def area_terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy_id=str(AREAS_TAXONOMY_ID)).order_by("position", "code")


def target_group_terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy_id=str(TARGET_GROUPS_TAXONOMY_ID)).order_by("position", "code")


def municipalities_for(user: Any, permission: str) -> QuerySet[Municipality]:
    """The municipalities whose catalog the user may act on with ``permission`` (within the user's centre)."""
    ids = municipality_ids_for(user, permission)
    municipalities = Municipality.objects.filter(pk__in=ids)
    centre = getattr(user, "centre", None)
    if centre is not None:
        municipalities = municipalities.filter(centres=centre)
    return municipalities.order_by("name")


def organizations_for(user: Any, *, action: str = "view", q: str = "") -> QuerySet[Organization]:
    organizations = Organization.objects.restrict(user, action).select_related("municipality")
    query = _clean_text(q)
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query) | Q(alternate_name__icontains=query) | Q(nip=query) | Q(regon=query)
        )
    return organizations.order_by("name", "pk")


def locations_for(user: Any, *, action: str = "view", q: str = "") -> QuerySet[Location]:
    locations = Location.objects.restrict(user, action).select_related("municipality", "organization")
    query = _clean_text(q)
    if query:
        locations = locations.filter(
            Q(name__icontains=query) | Q(address_1__icontains=query) | Q(city__icontains=query)
        )
    return locations.order_by("name", "pk")


def service_locations(service: Service) -> QuerySet[ServiceAtLocation]:
    return (
        ServiceAtLocation.objects.filter(service=service)
        .select_related("location")
        .prefetch_related("schedules", "schedule_exceptions")
        .order_by("location__name", "pk")
    )


def service_history(service: Service) -> QuerySet[AuditEntry]:
    """The audit entries of the service and of its rows at locations (hours are recorded on those rows)."""
    child_ids = [str(pk) for pk in ServiceAtLocation.objects.filter(service=service).values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(object_type="catalog.service", object_id=str(service.pk))
        | Q(object_type="catalog.serviceatlocation", object_id__in=child_ids)
        | Q(
            object_type="catalog.serviceatlocation",
            object_repr__startswith=f"{service.name} — ",
            municipality_id=service.municipality_id,
        )
    )
    return entries.exclude(action="view").order_by("-timestamp", "-id")
