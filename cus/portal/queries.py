"""Reads of the public portal: only published services, through the catalog's one search entry point."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.catalog import hsds
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    FeeKind,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
    name_in_language,
)
from cus.catalog.search import load_in_order, page_keys, search_services
from cus.core.collation import Alphabetical, polish_sort_key
from cus.core.models import Municipality

# The reference dicts are loosely typed; these ids are UUIDs.
AREAS_ID = cast("uuid.UUID", AREAS_TAXONOMY_ID)
TARGET_GROUPS_ID = cast("uuid.UUID", TARGET_GROUPS_TAXONOMY_ID)


def areas_with_counts() -> QuerySet[TaxonomyTerm]:
    """The 14 statutory areas in statutory order, each with the number of published services in it."""
    return (
        TaxonomyTerm.objects.filter(taxonomy_id=AREAS_ID)
        .annotate(service_count=Count("services_in_area", filter=Q(services_in_area__status=ServiceStatus.PUBLISHED)))
        .order_by("position", Alphabetical("name"))
    )


def municipalities_with_services() -> QuerySet[Municipality]:
    """Municipalities where at least one published service is available (the choices of the filter, which sorts them
    in Polish alphabetical order itself)."""
    # An IN over the link table (indexed on both sides), not a correlated EXISTS per municipality: SQLite's
    # planner turned the EXISTS into a scan per municipality (68 s on 2,500 gminas × 20 services).
    served = Service.municipalities_served.through.objects.filter(service__status=ServiceStatus.PUBLISHED)
    return Municipality.objects.filter(pk__in=served.values("municipality_id")).order_by()


def open_on(weekday: int, date: datetime.date | None = None) -> Q:
    """Services open on a weekday (1 = Monday) — or, given a date, open on that very date.

    Open means: some place of the service has weekly hours on that weekday valid on that date (today for a bare
    weekday) and is not closed that day by an exception; a day with special hours (an exception that is not
    "closed") counts as open too.
    """
    day = date or timezone.localdate()
    schedules = Schedule.objects.filter(service_at_location=OuterRef("pk"), weekday=weekday).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    places = ServiceAtLocation.objects.filter(service=OuterRef("pk"))
    if date is None:
        return Q(Exists(places.filter(Exists(schedules))))
    schedules = schedules.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=date))
    exceptions = ScheduleException.objects.filter(service_at_location=OuterRef("pk"), date=date)
    regular = places.filter(Exists(schedules)).exclude(Exists(exceptions.filter(closed=True)))
    special = places.filter(Exists(exceptions.filter(closed=False)))
    return Q(Exists(regular)) | Q(Exists(special))


def filter_services(
    services: QuerySet[Service],
    *,
    area: TaxonomyTerm | None = None,
    target_group: TaxonomyTerm | None = None,
    municipality: Municipality | None = None,
    free: bool = False,
    wheelchair: bool = False,
    weekday: int | None = None,
    date: datetime.date | None = None,
) -> QuerySet[Service]:
    """Apply the portal's filters; each is an EXISTS or a single-valued join, so no row is repeated."""
    if area is not None:
        services = services.filter(areas=area)
    if target_group is not None:
        services = services.filter(target_groups=target_group)
    if municipality is not None:
        services = services.filter(municipalities_served=municipality)
    if free:
        services = services.filter(fee_kind=FeeKind.FREE)
    if wheelchair:
        accessible = ServiceAtLocation.objects.filter(service=OuterRef("pk"), location__wheelchair_accessible=True)
        services = services.filter(Exists(accessible))
    if date is not None:
        services = services.filter(open_on(date.isoweekday(), date))
    elif weekday is not None:
        services = services.filter(open_on(weekday))
    return services


def portal_search(query: str = "", **filters: Any) -> QuerySet[Service]:
    """Published services matching the words and the filters, best match first (by name without words)."""
    services = search_services(filter_services(Service.objects.published(), **filters), query)
    if not services.query.order_by:  # no searchable word
        services = services.order_by(Alphabetical("name"), "pk")
    return services


RESULT_FIELDS = (
    "id",
    "name",
    "description",
    "fee_kind",
    "fee_unit",
    "fee_amount",
    "organization",
    "organization__name",
)


def for_results_list(services: QuerySet[Service]) -> QuerySet[Service]:
    """What the results list shows of each service (and only that: fewer columns to convert, no places loaded
    just to tell whether one is accessible). Its areas and municipalities come from ``add_result_facts``."""
    accessible = ServiceAtLocation.objects.filter(service=OuterRef("pk"), location__wheelchair_accessible=True)
    return services.select_related("organization").only(*RESULT_FIELDS).annotate(wheelchair_place=Exists(accessible))


def add_result_facts(services: list[Service]) -> list[Service]:
    """Give each service of a results page the names of its areas (in the active language, in statutory order)
    and of the municipalities it serves (in Polish alphabetical order), as ``area_names`` and ``municipality_names``.

    Both link tables are read in one query of plain rows: a prefetch per relation took two queries and built a
    model instance per row (6 ms of a 30 ms page on PostgreSQL, 3 ms on SQLite)."""
    keys = [service.pk for service in services]
    number, text = IntegerField(), CharField()
    areas = Service.areas.through.objects.filter(service_id__in=keys).values_list(
        "service_id", Value(0, number), "taxonomyterm__position", "taxonomyterm__name", "taxonomyterm__name_en"
    )
    municipalities = Service.municipalities_served.through.objects.filter(service_id__in=keys).values_list(
        "service_id", Value(1, number), Value(0, number), "municipality__name", Value("", text)
    )
    facts: dict[Any, tuple[list[tuple[int, str]], list[str]]] = {key: ([], []) for key in keys}
    for service_id, kind, position, label, label_en in areas.union(municipalities, all=True) if keys else ():
        area_names, municipality_names = facts[service_id]
        if kind == 0:
            area_names.append((position, name_in_language(label, label_en)))
        else:
            municipality_names.append(label)
    for service in services:
        area_names, municipality_names = facts[service.pk]
        service.area_names = [name for _position, name in sorted(area_names)]  # type: ignore[attr-defined]
        service.municipality_names = sorted(municipality_names, key=polish_sort_key)  # type: ignore[attr-defined]
    return services


def results_page(services: QuerySet[Service], number: Any, per_page: int) -> Page:
    """A page of ``services`` like ``Paginator.get_page`` (not a number → the first page, out of range → the
    last), with the keys of the page and the number of all results taken in one query (``page_keys``): the search
    matches and ranks once, not once for the count and again for the page. Only the page's rows are then read,
    by key, with what the list shows."""
    paginator = Paginator(services, per_page)
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    keys, total = page_keys(services, (number - 1) * per_page, per_page) if number >= 1 else ([], None)
    if total is None:  # nothing found, or a page out of range: count, then the last page
        total = 0 if number == 1 else services.count()
        paginator.count = total  # type: ignore[misc]  # a cached_property, set to what we counted
        if not 1 <= number <= paginator.num_pages:
            number = paginator.num_pages
            keys = page_keys(services, (number - 1) * per_page, per_page)[0] if total else []
    paginator.count = total  # type: ignore[misc]
    # Only keys chosen by the search are read (a status condition here would make SQLite scan its index).
    shown = add_result_facts(load_in_order(for_results_list(Service.objects.all()), keys))
    return Page(shown, number, paginator)


def published_service(pk: Any) -> Service:
    """One published service with everything its public page shows; unknown and unpublished give the same 404.

    Read with the HSDS document's statements (``hsds.PUBLISHED_SERVICE``); each place keeps the opening hours
    still valid today (``current_schedules``) and the changes to come (``coming_exceptions``)."""
    service = hsds.PUBLISHED_SERVICE.get(pk)
    if service is None:
        raise Http404(_("There is no published service at this address."))
    today = timezone.localdate()
    for place in service.service_at_locations.all():
        schedules = [s for s in place.schedules.all() if s.valid_to is None or s.valid_to >= today]
        place.current_schedules = schedules  # type: ignore[attr-defined]
        place.coming_exceptions = [e for e in place.schedule_exceptions.all() if e.date >= today]  # type: ignore[attr-defined]
    return service
