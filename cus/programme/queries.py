"""Reading programmes for the staff screens, the staff API and the public portal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from cus.accounts.permissions import municipality_ids_for
from cus.core.collation import Alphabetical, sort_keys
from cus.core.models import Municipality
from cus.core.prepared import PreparedQuery
from cus.programme.models import (
    BudgetLine,
    EligibilityRule,
    FundingSource,
    Programme,
    ProgrammeService,
    ProgrammeStatus,
    Relief,
    money,
)

# Sort keys of the list (column headers and the API's ``sort``): key → ordering; "-key" reverses it.
PROGRAMME_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "status": ("status", "name", "pk"),
    "start": ("start_date", "name", "pk"),
    "end": ("end_date", "name", "pk"),
    "budget": ("budget_total", "name", "pk"),
}

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))


def programme_ordering(sort: str) -> list[Any]:
    key = sort.removeprefix("-")
    fields = PROGRAMME_SORTS.get(key, PROGRAMME_SORTS["start"])
    return sort_keys(Programme, fields, descending=sort.startswith("-") and key in PROGRAMME_SORTS)


def _budget_total() -> Subquery:
    totals = (
        BudgetLine.objects.filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(totals, output_field=DecimalField(max_digits=16, decimal_places=2))


def _service_count() -> Subquery:
    counts = (
        ProgrammeService.objects.filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counts)


def programmes_for(
    user: Any, *, action: str = "view", status: str = "", municipality: str = "", q: str = "", sort: str = "-start"
) -> QuerySet[Programme]:
    """The programmes the user may see, filtered by status and municipality (TERYT), with the budget total and the
    number of services computed in the same query (no per-row queries)."""
    programmes: QuerySet[Programme] = Programme.objects.restrict(user, action)
    if status in ProgrammeStatus.values:
        programmes = programmes.filter(status=status)
    municipality = (municipality or "").replace("\x00", "").strip()
    if municipality:
        programmes = programmes.filter(municipality__teryt=municipality)
    query = (q or "").replace("\x00", "").strip()
    if query:
        programmes = programmes.filter(Q(name__icontains=query) | Q(resolution_number__icontains=query))
    programmes = programmes.select_related("municipality").annotate(
        budget_total=Coalesce(_budget_total(), ZERO), service_count=Coalesce(_service_count(), 0)
    )
    return programmes.order_by(*programme_ordering(sort))


def municipalities_for(user: Any, permission: str) -> QuerySet[Municipality]:
    """The municipalities the user may act on with ``permission`` (within the user's centre)."""
    ids = municipality_ids_for(user, permission)
    municipalities = Municipality.objects.filter(pk__in=ids)
    centre = getattr(user, "centre", None)
    if centre is not None:
        municipalities = municipalities.filter(centres=centre)
    return municipalities.order_by(Alphabetical("name"))


def with_sections(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    """Everything the detail page and the API show, in a fixed number of queries."""
    return programmes.select_related("municipality").prefetch_related(
        Prefetch(
            "programme_services",
            queryset=ProgrammeService.objects.select_related("service", "service__organization").order_by("pk"),
        ),
        Prefetch(
            "rules",
            queryset=EligibilityRule.objects.select_related("programme_service__service").order_by("pk"),
        ),
        Prefetch("reliefs", queryset=Relief.objects.select_related("programme_service__service").order_by("pk")),
        Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("year", "source", "pk")),
        "indicators",
    )


@dataclass
class BudgetSummary:
    """The budget by year and source, with totals, set against the planned cost of the services."""

    years: list[int]
    sources: list[tuple[str, str]]
    cells: dict[tuple[int, str], Decimal]
    by_year: dict[int, Decimal]
    by_source: dict[str, Decimal]
    total: Decimal
    planned_cost: Decimal
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return money(self.total - self.planned_cost)

    @property
    def covers_planned_cost(self) -> bool:
        return self.total >= self.planned_cost


def budget_summary(programme: Programme) -> BudgetSummary:
    """Uses the prefetched sections of ``with_sections``."""
    lines = list(programme.budget_lines.all())
    cells: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        cells[(line.year, line.source)] += line.amount
        by_year[line.year] += line.amount
        by_source[line.source] += line.amount
    years = sorted(by_year)
    sources = [(value, str(label)) for value, label in FundingSource.choices if value in by_source]
    planned = sum((ps.planned_cost for ps in programme.programme_services.all()), Decimal("0"))
    summary = BudgetSummary(
        years=years,
        sources=sources,
        cells=dict(cells),
        by_year=dict(by_year),
        by_source=dict(by_source),
        total=money(sum(by_year.values(), Decimal("0"))),
        planned_cost=money(planned),
    )
    summary.rows = [
        {
            "year": year,
            "cells": [cells.get((year, source)) for source, _label in sources],
            "total": by_year[year],
        }
        for year in years
    ]
    return summary


def rules_by_scope(programme: Programme) -> tuple[list[EligibilityRule], dict[int, list[EligibilityRule]]]:
    """Rules of the whole programme, and rules of each programme service (by its id); uses prefetched rules."""
    general: list[EligibilityRule] = []
    per_service: dict[int, list[EligibilityRule]] = defaultdict(list)
    for rule in programme.rules.all():
        if rule.programme_service_id is None:
            general.append(rule)
        else:
            per_service[rule.programme_service_id].append(rule)
    return general, dict(per_service)


# --- the public portal -----------------------------------------------------------------------------------------


def public_programme(pk: Any) -> Programme:
    """A programme in force with its sections for its public page; others give the same 404 as unknown ids."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        key = None
    programme = None
    if key is not None:
        programme = with_sections(Programme.objects.in_force().filter(pk=key)).first()
    if programme is None:
        raise Http404(_("There is no programme in force at this address."))
    return programme


@dataclass
class PortalProgramme:
    """What the portal's service page shows of one programme in force offering the service."""

    programme: Programme
    programme_service: ProgrammeService
    rules: list[str]


# The offers of a service in programmes in force, by the service's key: read on every public page of a service
# (the programmes and the link to apply online), so compiled once per process.
_OFFERS_IN_FORCE = PreparedQuery(
    lambda key: (
        ProgrammeService.objects.filter(service_id=key, programme__status=ProgrammeStatus.IN_FORCE)
        .select_related("programme", "programme__municipality")
        .order_by(Alphabetical("programme__name"), "pk")
    )
)


def offers_in_force(service: Any) -> list[ProgrammeService]:
    """The service's offers in programmes in force, by programme name; read once for a service object (the
    portal's page asks twice: for the programmes and for the link to apply online)."""
    cached = service.__dict__.get("_offers_in_force")
    if cached is None:
        cached = service.__dict__["_offers_in_force"] = _OFFERS_IN_FORCE.fetch(service.pk)
    return list(cached)


def programmes_for_service(service: Any) -> list[PortalProgramme]:
    """Programmes in force that offer the service, with their conditions in plain words: two queries at most."""
    offers = offers_in_force(service)
    if not offers:
        return []
    rules = EligibilityRule.objects.filter(
        Q(programme_id__in=[o.programme_id for o in offers], programme_service__isnull=True)
        | Q(programme_service_id__in=[o.pk for o in offers])
    ).order_by("pk")
    general: dict[int, list[EligibilityRule]] = defaultdict(list)
    specific: dict[int, list[EligibilityRule]] = defaultdict(list)
    for rule in rules:
        if rule.programme_service_id is None:
            general[rule.programme_id].append(rule)
        else:
            specific[rule.programme_service_id].append(rule)
    return [
        PortalProgramme(
            programme=offer.programme,
            programme_service=offer,
            rules=[
                rule.plain_text(offer.programme.municipality.name)
                for rule in general[offer.programme_id] + specific[offer.pk]
            ],
        )
        for offer in offers
    ]
