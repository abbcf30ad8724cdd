"""Reads of the qualification app shared by the screens and the API, and the fee calculation for one person."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from cus.core.collation import Alphabetical, sort_keys
from cus.core.models import Municipality
from cus.qualification import fees
from cus.qualification.models import FeeBand, FeeTable, IncomeCriterion, criterion_on, period

__all__ = ["criterion_on", "period"]

FEE_TABLE_SORTS = {
    "name": "name",
    "scope": "scope",
    "valid_from": "valid_from",
    "status": "status",
    "municipality": "municipality__name",
}


def criteria_for(user: Any) -> QuerySet[IncomeCriterion]:
    return IncomeCriterion.objects.restrict(user, "view").order_by("-valid_from")


def fee_tables_for(user: Any, *, sort: str = "-valid_from", status: str = "", scope: str = "") -> QuerySet[FeeTable]:
    tables = FeeTable.objects.restrict(user, "view").select_related("municipality", "service")
    if status:
        tables = tables.filter(status=status)
    if scope:
        tables = tables.filter(scope=scope)
    key = sort.removeprefix("-")
    field = FEE_TABLE_SORTS.get(key, "valid_from")
    return tables.order_by(*sort_keys(FeeTable, [field], descending=sort.startswith("-")), Alphabetical("name"), "pk")


def with_bands(tables: QuerySet[FeeTable]) -> QuerySet[FeeTable]:
    return tables.prefetch_related(Prefetch("bands", queryset=FeeBand.objects.order_by("position")))


def municipalities_for(user: Any, permission: str) -> QuerySet[Municipality]:
    """The municipalities of the user's centre in which one of their roles holds ``permission``."""
    from cus.accounts.permissions import municipality_ids_for

    municipalities = Municipality.objects.filter(pk__in=municipality_ids_for(user, permission))
    centre = getattr(user, "centre", None)
    if centre is not None:
        municipalities = municipalities.filter(centres=centre)
    return municipalities.order_by(Alphabetical("name"))


@dataclass(frozen=True)
class Calculation:
    """A fee with what it was computed from: the table, the criterion in force on the day, the pure result."""

    table: FeeTable
    day: datetime.date
    criterion: IncomeCriterion
    single: bool
    result: fees.FeeResult


def calculate_fee(
    *,
    table: FeeTable,
    day: datetime.date,
    income_per_person: Decimal,
    single: bool,
    unit_cost: Decimal,
    units_per_month: Decimal,
) -> Calculation:
    """The fee under ``table`` on ``day``: the table must be valid that day and a criterion recorded for it.
    Errors name the input field (``day`` → "date")."""
    errors: dict[str, str] = {}
    if income_per_person < 0:
        errors["income_per_person"] = _("Income cannot be negative.")
    if unit_cost < 0:
        errors["unit_cost"] = _("The unit cost cannot be negative.")
    if units_per_month < 0:
        errors["units_per_month"] = _("The number of units cannot be negative.")
    if not table.is_valid_on(day):
        errors["date"] = _("The table is not valid on this day (valid %(period)s).") % {"period": period(table)}
    criterion = criterion_on(day)
    if criterion is None and "date" not in errors:
        errors["date"] = _("No income criterion is recorded for this day.")
    if errors:
        raise ValidationError(errors)
    assert criterion is not None
    amount = criterion.amount_for(single=single)
    result = fees.compute_fee(
        income_per_person=income_per_person,
        criterion=amount,
        unit_cost=unit_cost,
        units_per_month=units_per_month,
        single=single,
        table=table.as_fee_table(),
    )
    return Calculation(table=table, day=day, criterion=criterion, single=single, result=result)


# --- applications --------------------------------------------------------------------------------------------------

APPLICATION_SORTS = {
    "filed": ("filed_at", "pk"),
    "reference": ("year", "number"),
    "person": ("person__last_name", "person__first_name", "pk"),
    "state": ("state", "filed_at", "pk"),
    "deadline": ("documents_deadline", "filed_at", "pk"),
}
QUEUES = ("new", "overdue", "waiting", "assessment", "open", "all")


def applications_for(
    user: Any, *, queue: str = "open", sort: str = "-filed", q: str = "", service: str = "", action: str = "view"
) -> QuerySet[Any]:
    """The worker's queue: ``new`` (submitted), ``overdue`` (incomplete past the deadline), ``waiting`` (waiting list,
    in the order they move up), ``assessment`` (needs assessment or interview due), ``open`` or ``all``."""
    from django.db.models import Q
    from django.utils import timezone

    from cus.qualification.applications import Application, State
    from cus.qualification.workflow import OPEN

    # The related rows of the page are read after it (prefetch, five small queries for 25 rows) rather than joined:
    # without joins the databases walk the index (municipality, filed_at, id) backwards and stop at the page,
    # where with them SQLite joins and sorts every open application of the municipality (0.2 s at 10,000).
    applications = Application.objects.restrict(user, action).prefetch_related(
        "person", "programme_service__service", "programme_service__programme", "municipality"
    )
    if queue == "new":
        applications = applications.filter(state=State.SUBMITTED)
    elif queue == "overdue":
        applications = applications.filter(state=State.INCOMPLETE, documents_deadline__lt=timezone.localdate())
    elif queue == "waiting":
        applications = applications.filter(state=State.WAITING)
    elif queue == "assessment":
        applications = applications.filter(state__in=[State.ASSESSMENT, State.INTERVIEW])
    elif queue == "open":
        applications = applications.filter(state__in=[state.value for state in OPEN])
    words = q.split()[:3]
    for word in words:
        applications = applications.filter(
            Q(reference__icontains=word)
            | Q(person__last_name__istartswith=word)
            | Q(person__first_name__istartswith=word)
        )
    if service:
        applications = (
            applications.filter(programme_service_id=int(service)) if service.isdigit() else applications.none()
        )
    if queue == "waiting" and not sort:
        return applications.order_by("programme_service", "-priority", "filed_at", "pk")
    key = sort.removeprefix("-")
    order = APPLICATION_SORTS.get(key, APPLICATION_SORTS["filed"])
    return applications.order_by(*sort_keys(Application, order, descending=sort.startswith("-")))


def application_detail(application: Any) -> dict[str, Any]:
    """What the detail screen and the API show besides the row: history, attachments, decisions, the programme's
    conditions checked now (or as recorded at qualifying)."""
    return {
        "events": list(application.events.select_related("actor").order_by("at", "pk")),
        "attachments": list(application.attachments.order_by("uploaded_at", "pk")),
        "decisions": list(application.decisions.order_by("issued_on", "pk")),
    }


def programme_services_open_for(user: Any) -> QuerySet[Any]:
    """Services of programmes in force in the municipalities where the user may add applications."""
    from cus.accounts.permissions import municipality_ids_for
    from cus.programme.models import ProgrammeService, ProgrammeStatus

    ids = municipality_ids_for(user, "qualification.add_application")
    return (
        ProgrammeService.objects.filter(programme__status=ProgrammeStatus.IN_FORCE, programme__municipality_id__in=ids)
        .select_related("service", "programme")
        .order_by(Alphabetical("programme__name"), Alphabetical("service__name"), "pk")
    )
