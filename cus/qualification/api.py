"""Staff API of income criteria and fee tables (/api/v1/qualification/...): the same services and rules as the
screens. A rule broken by a band is reported at ``loc: ["body", "bands", <row>, <field>]`` (rows from 0)."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations (``Query[...]``) in the wrapper's module, where they are undefined.

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as SchemaError
from ninja.pagination import paginate

from cus.catalog.models import Service
from cus.core.access import access_object
from cus.core.api_schemas import (
    AUTH_ERRORS,
    BODY_DETAIL_ERRORS,
    BODY_ERRORS,
    DETAIL_ERRORS,
    InputSchema,
    Pagination,
    require_permission,
)
from cus.core.models import Municipality
from cus.qualification import queries, services
from cus.qualification.models import (
    BandsInvalid,
    FeeScope,
    FeeTable,
    FeeTableStatus,
    FeeUnitKind,
    IncomeCriterion,
)

router = Router(tags=["qualification"])


def _add_applications() -> None:
    from cus.qualification.applications_api import router as applications_router
    from cus.qualification.recalculation_api import router as recalculation_router

    router.add_router("/applications", applications_router)
    router.add_router("/recalculations", recalculation_router)


_add_applications()


# --- output --------------------------------------------------------------------------------------------------------


class CriterionOut(Schema):
    id: int
    single_person: Decimal = Field(description="PLN a month for a person living alone.")
    per_person_in_family: Decimal = Field(description="PLN a month per person in a family.")
    valid_from: datetime.date
    valid_to: datetime.date | None = Field(description="Inclusive; null while in force.")
    legal_basis: str


class BandOut(Schema):
    income_from: Decimal = Field(
        description="Band starts above this % of the criterion (the first band at 0, inclusive)."
    )
    income_to: Decimal | None = Field(description="Band ends at this % of the criterion, inclusive; null: no limit.")
    fee_single: Decimal = Field(description="Fee as % of the unit cost for a person living alone.")
    fee_family: Decimal = Field(description="Fee as % of the unit cost for a person in a family.")


class FeeTableOut(Schema):
    id: uuid.UUID
    municipality: str = Field(description="TERYT code.")
    name: str
    scope: FeeScope
    service_id: uuid.UUID | None
    resolution_number: str
    resolution_date: datetime.date
    unit: FeeUnitKind
    valid_from: datetime.date
    valid_to: datetime.date | None
    status: FeeTableStatus
    bands: list[BandOut]
    updated_at: datetime.datetime

    @staticmethod
    def resolve_municipality(obj: FeeTable) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_bands(obj: FeeTable) -> list[Any]:
        return sorted(obj.bands.all(), key=lambda band: band.position)


class FeeOut(Schema):
    table_id: uuid.UUID
    date: datetime.date
    criterion_id: int
    criterion: Decimal = Field(description="The criterion amount the income was compared with (PLN).")
    legal_basis: str
    single: bool
    income_per_person: Decimal
    income_percent: Decimal = Field(description="Income as % of the criterion, rounded to 0.01.")
    band_index: int = Field(description="Row of the table, from 0.")
    band: BandOut
    fee_percent: Decimal
    unit: FeeUnitKind
    unit_cost: Decimal
    fee_per_unit: Decimal = Field(description="Rounded to the grosz, half up.")
    units_per_month: Decimal
    fee_per_month: Decimal = Field(description="Rounded fee per unit × units, rounded to the grosz, half up.")


# --- input ---------------------------------------------------------------------------------------------------------


class CriterionIn(InputSchema):
    single_person: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    per_person_in_family: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    valid_from: datetime.date
    valid_to: datetime.date | None = None
    legal_basis: str = Field(min_length=1, max_length=200)


class BandIn(InputSchema):
    income_from: Decimal = Field(ge=0, max_digits=6, decimal_places=2)
    income_to: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=2)
    fee_single: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    fee_family: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)


class _FeeTableFields(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=250)
    scope: FeeScope | None = None
    service_id: uuid.UUID | None = None
    resolution_number: str | None = Field(None, min_length=1, max_length=100)
    resolution_date: datetime.date | None = None
    unit: FeeUnitKind | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    status: FeeTableStatus | None = None
    bands: list[BandIn] | None = Field(None, max_length=40, description="Replaces every band, in income order.")


class FeeTableCreate(_FeeTableFields):
    municipality: str | None = Field(
        None, max_length=7, description="TERYT code; may be left out when you act for one municipality only."
    )
    name: str = Field(min_length=1, max_length=250)
    scope: FeeScope = FeeScope.CARE
    resolution_number: str = Field(min_length=1, max_length=100)
    resolution_date: datetime.date
    unit: FeeUnitKind
    valid_from: datetime.date
    bands: list[BandIn] = Field(min_length=1, max_length=40, description="In income order.")


class FeeTablePatch(_FeeTableFields):
    pass


class CalculateIn(InputSchema):
    date: datetime.date = Field(description="The day the fee is for; selects the criterion.")
    income_per_person: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    single: bool = Field(description="True for a person living alone, false for a person in a family.")
    unit_cost: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    units_per_month: Decimal = Field(ge=0, max_digits=6, decimal_places=2)


class CriterionFilters(InputSchema):
    on: datetime.date | None = Field(None, description="Only the criterion in force on this day.")


class FeeTableFilters(InputSchema):
    status: FeeTableStatus | None = None
    scope: FeeScope | None = None


# --- helpers -------------------------------------------------------------------------------------------------------

# Model field → the name the API uses for it.
API_NAMES = {"service": "service_id"}


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _bands_error(exc: BandsInvalid) -> SchemaError:
    """Each band's problem at its own place in the body; other fields' problems beside them."""
    detail: list[dict[str, Any]] = []
    for field, errors in exc.error_dict.items():
        if field == "bands":
            continue
        for error in errors:
            where = ["body"] if field == "__all__" else ["body", API_NAMES.get(field, field)]
            detail.append({"loc": where, "msg": " ".join(error.messages), "type": error.code or "invalid"})
    for index, fields in sorted(exc.rows.items()):
        for field, messages in fields.items():
            loc: list[Any] = ["body", "bands", index] if field == "__all__" else ["body", "bands", index, field]
            detail.extend({"loc": loc, "msg": str(message), "type": "invalid_band"} for message in messages)
    return SchemaError(detail)


def _municipality(request: HttpRequest, teryt: str | None) -> Municipality:
    allowed = list(queries.municipalities_for(request.user, "qualification.add_feetable"))
    if teryt:
        for municipality in allowed:
            if municipality.teryt == teryt:
                return municipality
        raise ValidationError({"municipality": _("You cannot add fee tables for this municipality.")})
    if len(allowed) == 1:
        return allowed[0]
    raise ValidationError({"municipality": _("Give the TERYT code of the municipality the table is for.")})


def _service(request: HttpRequest, service_id: uuid.UUID | None) -> Any:
    if service_id is None:
        return None
    service = Service.objects.restrict(request.user, "view").filter(pk=service_id).first()
    if service is None:
        raise ValidationError({"service_id": _("Unknown service.")})
    return service


def _table_changes(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "service_id" in data:
        kwargs["service"] = _service(request, data.pop("service_id"))
    if data.get("bands") is not None:
        kwargs["bands"] = data.pop("bands")
    data.pop("bands", None)
    for name, value in data.items():
        if value is None and name != "valid_to":
            continue
        kwargs[name] = value.value if hasattr(value, "value") else value
    return kwargs


def _tables(request: HttpRequest) -> Any:
    return queries.with_bands(queries.fee_tables_for(request.user))


# --- criteria ------------------------------------------------------------------------------------------------------


@router.get("/criteria", response={200: list[CriterionOut], **AUTH_ERRORS}, summary="Income criteria, newest first")
@paginate(Pagination)
def criterion_list(request: HttpRequest, filters: Query[CriterionFilters]) -> Any:
    require_permission(request, "qualification.view_incomecriterion")
    criteria = queries.criteria_for(request.user)
    if filters.on is not None:
        found = queries.criterion_on(filters.on)
        criteria = criteria.filter(pk=found.pk) if found else criteria.none()
    return criteria


@router.post("/criteria", response={201: CriterionOut, **BODY_ERRORS}, summary="Record a new income criterion")
def criterion_create(request: HttpRequest, payload: CriterionIn) -> Any:
    require_permission(request, "qualification.add_incomecriterion")
    criterion = services.criterion_create(actor=request.user, **payload.model_dump())
    return Status(201, criterion)


@router.get("/criteria/{criterion_id}", response={200: CriterionOut, **DETAIL_ERRORS}, summary="One income criterion")
def criterion_detail(request: HttpRequest, criterion_id: int) -> Any:
    require_permission(request, "qualification.view_incomecriterion")
    return access_object(request.user, IncomeCriterion, "view", pk=criterion_id)


# --- fee tables ----------------------------------------------------------------------------------------------------


@router.get("/fee-tables", response={200: list[FeeTableOut], **AUTH_ERRORS}, summary="Fee tables")
@paginate(Pagination)
def feetable_list(request: HttpRequest, filters: Query[FeeTableFilters]) -> Any:
    require_permission(request, "qualification.view_feetable")
    return queries.with_bands(
        queries.fee_tables_for(
            request.user,
            status=filters.status.value if filters.status else "",
            scope=filters.scope.value if filters.scope else "",
        )
    )


@router.post("/fee-tables", response={201: FeeTableOut, **BODY_ERRORS}, summary="Add a fee table with its bands")
def feetable_create(request: HttpRequest, payload: FeeTableCreate) -> Any:
    require_permission(request, "qualification.add_feetable")
    data = payload.model_dump(exclude_unset=True)
    municipality = _municipality(request, data.pop("municipality", None))
    data.setdefault("scope", payload.scope)
    kwargs = _table_changes(request, data)
    try:
        table = services.fee_table_create(actor=request.user, municipality=municipality, **kwargs)
    except BandsInvalid as exc:
        raise _bands_error(exc) from exc
    return Status(201, _tables(request).get(pk=table.pk))


@router.get("/fee-tables/{table_id}", response={200: FeeTableOut, **DETAIL_ERRORS}, summary="One fee table")
def feetable_detail(request: HttpRequest, table_id: str) -> Any:
    require_permission(request, "qualification.view_feetable")
    table = access_object(request.user, FeeTable, "view", pk=_uuid_or_404(table_id))
    return _tables(request).get(pk=table.pk)


@router.patch(
    "/fee-tables/{table_id}",
    response={200: FeeTableOut, **BODY_DETAIL_ERRORS},
    summary="Change a fee table (bands, when given, replace all bands)",
)
def feetable_update(request: HttpRequest, table_id: str, payload: FeeTablePatch) -> Any:
    require_permission(request, "qualification.change_feetable")
    table = access_object(request.user, FeeTable, "change", pk=_uuid_or_404(table_id))
    kwargs = _table_changes(request, payload.model_dump(exclude_unset=True))
    try:
        services.fee_table_update(actor=request.user, table=table, **kwargs)
    except BandsInvalid as exc:
        raise _bands_error(exc) from exc
    return _tables(request).get(pk=table.pk)


@router.delete("/fee-tables/{table_id}", response={204: None, **DETAIL_ERRORS}, summary="Delete a draft fee table")
def feetable_delete(request: HttpRequest, table_id: str) -> Any:
    require_permission(request, "qualification.delete_feetable")
    table = access_object(request.user, FeeTable, "delete", pk=_uuid_or_404(table_id))
    services.fee_table_delete(actor=request.user, table=table)
    return Status(204, None)


@router.post(
    "/fee-tables/{table_id}/calculate",
    response={200: FeeOut, **BODY_DETAIL_ERRORS},
    summary="The fee for an income under this table on a day (nothing is saved)",
)
def feetable_calculate(request: HttpRequest, table_id: str, payload: CalculateIn) -> Any:
    require_permission(request, "qualification.view_feetable")
    table = access_object(request.user, FeeTable, "view", pk=_uuid_or_404(table_id))
    calculation = queries.calculate_fee(
        table=table,
        day=payload.date,
        income_per_person=payload.income_per_person,
        single=payload.single,
        unit_cost=payload.unit_cost,
        units_per_month=payload.units_per_month,
    )
    result = calculation.result
    return {
        "table_id": table.pk,
        "date": payload.date,
        "criterion_id": calculation.criterion.pk,
        "criterion": result.criterion,
        "legal_basis": calculation.criterion.legal_basis,
        "single": payload.single,
        "income_per_person": result.income_per_person,
        "income_percent": result.income_percent,
        "band_index": result.band_index,
        "band": result.band,
        "fee_percent": result.fee_percent,
        "unit": table.unit,
        "unit_cost": result.unit_cost,
        "fee_per_unit": result.fee_per_unit,
        "units_per_month": result.units_per_month,
        "fee_per_month": result.fee_per_month,
    }
