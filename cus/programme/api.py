"""Staff API of programmes of social services (/api/v1/programme/...): the same service functions, checks and
permissions as the screens."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations (``Query[...]``) in the wrapper's module, where they are undefined.

import datetime
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
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
from cus.programme import queries, services
from cus.programme.models import (
    DataCategory,
    DeliveryUnit,
    FundingSource,
    HouseholdType,
    MinimumDisability,
    Programme,
    ProgrammeFeeKind,
    ProgrammeStatus,
    ReliefKind,
    RuleKind,
    Track,
    money,
)

router = Router(tags=["programme"])


# --- output --------------------------------------------------------------------------------------------------------


class ProgrammeServiceOut(Schema):
    id: int
    service_id: uuid.UUID
    service_name: str
    planned_participants: int
    unit: DeliveryUnit
    units_per_participant: Decimal
    unit_cost: Decimal
    planned_cost: Decimal = Field(description="Planned participants × units per participant × unit cost, PLN.")
    fee_kind: ProgrammeFeeKind
    fee_amount: Decimal | None
    track: Track
    statutory_basis: str
    capacity: int | None

    @staticmethod
    def resolve_service_name(obj: Any) -> str:
        return obj.service.name


class RuleOut(Schema):
    id: int
    service_id: uuid.UUID | None = Field(description="Empty: a condition of the whole programme.")
    kind: RuleKind
    min_age: int | None
    max_age: int | None
    min_disability: str
    income_percent: Decimal | None
    household_type: str
    text: str
    plain_text: str = Field(description="The condition in plain words.")

    @staticmethod
    def resolve_service_id(obj: Any) -> uuid.UUID | None:
        return obj.programme_service.service_id if obj.programme_service_id else None

    @staticmethod
    def resolve_plain_text(obj: Any) -> str:
        return obj.plain_text(obj.programme.municipality.name)


class ReliefOut(Schema):
    id: int
    service_id: uuid.UUID | None
    beneficiaries: str
    kind: ReliefKind
    value: Decimal
    condition: str

    @staticmethod
    def resolve_service_id(obj: Any) -> uuid.UUID | None:
        return obj.programme_service.service_id if obj.programme_service_id else None


class BudgetLineOut(Schema):
    year: int
    amount: Decimal
    source: FundingSource
    note: str


class IndicatorOut(Schema):
    name: str
    unit: str
    baseline: Decimal | None
    target: Decimal


class ProgrammeSummaryOut(Schema):
    id: int
    municipality: str = Field(description="TERYT code of the municipality whose council adopted the programme.")
    name: str
    status: ProgrammeStatus
    start_date: datetime.date
    end_date: datetime.date
    resolution_number: str
    resolution_date: datetime.date | None
    budget_total: Decimal
    service_count: int

    @staticmethod
    def resolve_municipality(obj: Programme) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_budget_total(obj: Any) -> Decimal:
        return money(obj.budget_total)


class ProgrammeOut(Schema):
    id: int
    municipality: str = Field(description="TERYT code of the municipality whose council adopted the programme.")
    name: str
    goal: str
    needs_description: str
    start_date: datetime.date
    end_date: datetime.date
    participants_profile: str
    expected_participants: int
    qualification_procedure: str
    organisation: str
    monitoring: str
    documentation: str
    fee_rules: str
    personal_data: list[DataCategory]
    special_categories: list[DataCategory] = Field(description="Categories of GDPR art. 9 and 10 among them.")
    data_safeguards: str
    status: ProgrammeStatus
    resolution_number: str
    resolution_date: datetime.date | None
    publication_reference: str
    bip_url: str
    in_force_from: datetime.date | None
    closed_on: datetime.date | None
    closing_report_due: datetime.date = Field(description="art. 6: 4 months after the programme ends.")
    budget_total: Decimal
    planned_cost: Decimal
    services: list[ProgrammeServiceOut]
    rules: list[RuleOut]
    reliefs: list[ReliefOut]
    budget: list[BudgetLineOut]
    indicators: list[IndicatorOut]
    allowed_transitions: list[str] = Field(description="Status changes the caller may make now.")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_municipality(obj: Programme) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_special_categories(obj: Programme) -> list[str]:
        return obj.special_categories

    @staticmethod
    def resolve_budget_total(obj: Programme) -> Decimal:
        return queries.budget_summary(obj).total

    @staticmethod
    def resolve_planned_cost(obj: Programme) -> Decimal:
        return queries.budget_summary(obj).planned_cost

    @staticmethod
    def resolve_services(obj: Programme) -> list[Any]:
        return list(obj.programme_services.all())

    @staticmethod
    def resolve_rules(obj: Programme) -> list[Any]:
        return list(obj.rules.all())

    @staticmethod
    def resolve_reliefs(obj: Programme) -> list[Any]:
        return list(obj.reliefs.all())

    @staticmethod
    def resolve_budget(obj: Programme) -> list[Any]:
        return list(obj.budget_lines.all())

    @staticmethod
    def resolve_indicators(obj: Programme) -> list[Any]:
        return list(obj.indicators.all())

    @staticmethod
    def resolve_allowed_transitions(obj: Programme, context: Any) -> list[str]:
        return [t.action for t in services.allowed_transitions(context["request"].user, obj)]


# --- input ---------------------------------------------------------------------------------------------------------


class ServiceRowIn(InputSchema):
    service_id: uuid.UUID = Field(description="A catalog service of the programme's municipality.")
    planned_participants: int = Field(ge=1, le=10_000_000)
    unit: DeliveryUnit
    units_per_participant: Decimal = Field(Decimal("1"), gt=0, max_digits=9, decimal_places=2)
    unit_cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    fee_kind: ProgrammeFeeKind = ProgrammeFeeKind.FREE
    fee_amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    track: Track = Track.PROGRAMME
    statutory_basis: str = Field("", max_length=250)
    capacity: int | None = Field(None, ge=0, le=10_000_000)


class RuleRowIn(InputSchema):
    service_id: uuid.UUID | None = Field(None, description="Empty: a condition of the whole programme.")
    kind: RuleKind
    min_age: int | None = Field(None, ge=0, le=130)
    max_age: int | None = Field(None, ge=0, le=130)
    min_disability: MinimumDisability | None = None
    income_percent: Decimal | None = Field(None, gt=0, le=9999, max_digits=6, decimal_places=2)
    household_type: HouseholdType | None = None
    text: str = ""


class ReliefRowIn(InputSchema):
    service_id: uuid.UUID | None = Field(None, description="Empty: every paid service of the programme.")
    beneficiaries: str = Field(min_length=1, max_length=250)
    kind: ReliefKind
    value: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    condition: str = ""


class BudgetRowIn(InputSchema):
    year: int = Field(ge=2000, le=2100)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    source: FundingSource
    note: str = Field("", max_length=250)


class IndicatorRowIn(InputSchema):
    name: str = Field(min_length=1, max_length=250)
    unit: str = Field(min_length=1, max_length=50)
    baseline: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    target: Decimal = Field(max_digits=14, decimal_places=2)


class _ProgrammeFields(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=250)
    goal: str | None = Field(None, min_length=1)
    needs_description: str | None = Field(None, min_length=1)
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    participants_profile: str | None = Field(None, min_length=1)
    expected_participants: int | None = Field(None, ge=0, le=10_000_000)
    qualification_procedure: str | None = None
    organisation: str | None = Field(None, min_length=1)
    monitoring: str | None = Field(None, min_length=1)
    documentation: str | None = None
    fee_rules: str | None = None
    personal_data: list[DataCategory] | None = Field(None, max_length=20)
    data_safeguards: str | None = None
    resolution_number: str | None = Field(None, max_length=100)
    resolution_date: datetime.date | None = None
    publication_reference: str | None = Field(None, max_length=250)
    bip_url: str | None = Field(None, max_length=200)
    services: list[ServiceRowIn] | None = Field(None, max_length=100)
    rules: list[RuleRowIn] | None = Field(None, max_length=100)
    reliefs: list[ReliefRowIn] | None = Field(None, max_length=100)
    budget: list[BudgetRowIn] | None = Field(None, max_length=100)
    indicators: list[IndicatorRowIn] | None = Field(None, max_length=100)


class ProgrammeCreate(_ProgrammeFields):
    municipality: str | None = Field(
        None, max_length=7, description="TERYT code; may be left out when you draft for only one municipality."
    )
    name: str = Field(min_length=1, max_length=250)
    goal: str = Field(min_length=1)
    needs_description: str = Field(min_length=1)
    start_date: datetime.date
    end_date: datetime.date
    participants_profile: str = Field(min_length=1)
    expected_participants: int = Field(ge=0, le=10_000_000)
    organisation: str = Field(min_length=1)
    monitoring: str = Field(min_length=1)


class ProgrammePatch(_ProgrammeFields):
    pass


class AdoptIn(InputSchema):
    resolution_number: str = Field(min_length=1, max_length=100)
    resolution_date: datetime.date
    publication_reference: str = Field("", max_length=250)
    bip_url: str = Field("", max_length=200)


class InForceIn(InputSchema):
    in_force_from: datetime.date | None = Field(None, description="Default: today.")


class CloseIn(InputSchema):
    closed_on: datetime.date | None = Field(None, description="Default: today.")


class ProgrammeSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    STATUS = "status"
    STATUS_DESC = "-status"
    START = "start"
    START_DESC = "-start"
    END = "end"
    END_DESC = "-end"
    BUDGET = "budget"
    BUDGET_DESC = "-budget"


class ProgrammeFilters(InputSchema):
    q: str = Field("", max_length=200, description="Part of the name or of the resolution number.")
    status: ProgrammeStatus | None = None
    municipality: str = Field("", max_length=7, description="TERYT code.")
    sort: ProgrammeSort = ProgrammeSort.START_DESC


# --- helpers -------------------------------------------------------------------------------------------------------


def _programme_id(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(_("Not found.")) from None


def _detail(pk: int) -> Programme:
    return queries.with_sections(Programme.objects.filter(pk=pk)).get()


def _municipality(request: HttpRequest, teryt: str | None) -> Municipality:
    allowed = list(queries.municipalities_for(request.user, "programme.add_programme"))
    if teryt:
        for municipality in allowed:
            if municipality.teryt == teryt:
                return municipality
        raise ValidationError({"municipality": _("You cannot draft programmes for this municipality.")})
    if len(allowed) == 1:
        return allowed[0]
    raise ValidationError({"municipality": _("Give the TERYT code of the municipality whose council adopts it.")})


def _services_by_id(request: HttpRequest, data: dict[str, Any]) -> dict[uuid.UUID, Service]:
    ids = {
        row["service_id"]
        for section in ("services", "rules", "reliefs")
        for row in data.get(section) or []
        if row.get("service_id")
    }
    if not ids:
        return {}
    return {s.pk: s for s in Service.objects.restrict(request.user, "view").filter(pk__in=ids)}


def _section_kwargs(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Payload sections → rows for the service functions; service ids become catalog services."""
    found = _services_by_id(request, data)
    errors: dict[str, list[str]] = {}
    kwargs: dict[str, Any] = {}
    for section in services.SECTIONS:
        rows = data.pop(section, None)
        if rows is None:
            continue
        converted = []
        for index, given in enumerate(rows):
            row = {k: (v.value if hasattr(v, "value") else v) for k, v in given.items()}
            if "service_id" in row:
                service_id = row.pop("service_id")
                if service_id is not None and service_id not in found:
                    errors.setdefault(section, []).append(_("Row %(row)s: unknown service.") % {"row": index + 1})
                    continue
                row["service"] = found.get(service_id) if service_id is not None else None
            converted.append(row)
        kwargs[section] = converted
    if errors:
        raise ValidationError(errors)
    return kwargs


def _field_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    kwargs = {}
    optional_null = {"resolution_date"}
    for name, value in data.items():
        if value is None and name not in optional_null:
            continue
        kwargs[name] = [v.value if hasattr(v, "value") else v for v in value] if name == "personal_data" else value
    return kwargs


# --- operations ----------------------------------------------------------------------------------------------------


@router.get("", response={200: list[ProgrammeSummaryOut], **AUTH_ERRORS}, summary="Programmes of social services")
@paginate(Pagination)
def programme_list(request: HttpRequest, filters: Query[ProgrammeFilters]) -> Any:
    require_permission(request, "programme.view_programme")
    return queries.programmes_for(
        request.user,
        q=filters.q,
        status=filters.status.value if filters.status else "",
        municipality=filters.municipality,
        sort=filters.sort.value,
    )


@router.post("", response={201: ProgrammeOut, **BODY_ERRORS}, summary="Draft a programme with its sections")
def programme_create(request: HttpRequest, payload: ProgrammeCreate) -> Any:
    require_permission(request, "programme.add_programme")
    data = payload.model_dump(exclude_unset=True)
    municipality = _municipality(request, data.pop("municipality", None))
    sections = _section_kwargs(request, data)
    programme = services.programme_create(
        actor=request.user, municipality=municipality, **_field_kwargs(data), **sections
    )
    return Status(201, _detail(programme.pk))


@router.get("/{programme_id}", response={200: ProgrammeOut, **DETAIL_ERRORS}, summary="One programme")
def programme_detail(request: HttpRequest, programme_id: str) -> Any:
    require_permission(request, "programme.view_programme")
    programme = access_object(request.user, Programme, "view", pk=_programme_id(programme_id))
    return _detail(programme.pk)


@router.patch(
    "/{programme_id}",
    response={200: ProgrammeOut, **BODY_DETAIL_ERRORS},
    summary="Change a programme; a section given replaces the saved one",
)
def programme_update(request: HttpRequest, programme_id: str, payload: ProgrammePatch) -> Any:
    require_permission(request, "programme.change_programme")
    programme = access_object(request.user, Programme, "change", pk=_programme_id(programme_id))
    data = payload.model_dump(exclude_unset=True)
    sections = _section_kwargs(request, data)
    services.programme_update(actor=request.user, programme=programme, **_field_kwargs(data), **sections)
    return _detail(programme.pk)


def _transition(request: HttpRequest, programme_id: str, action: str, data: dict[str, Any]) -> Programme:
    require_permission(request, services.TRANSITION_PERMISSION)
    programme = access_object(request.user, Programme, "adopt", pk=_programme_id(programme_id))
    services.programme_transition(actor=request.user, programme=programme, action=action, data=data)
    return _detail(programme.pk)


@router.post(
    "/{programme_id}/adopt",
    response={200: ProgrammeOut, **BODY_DETAIL_ERRORS},
    summary="Record the council's adoption (draft → adopted)",
)
def programme_adopt(request: HttpRequest, programme_id: str, payload: AdoptIn) -> Any:
    return _transition(request, programme_id, "adopt", payload.model_dump())


@router.post(
    "/{programme_id}/bring-into-force",
    response={200: ProgrammeOut, **BODY_DETAIL_ERRORS},
    summary="Bring an adopted programme into force",
)
def programme_bring_into_force(request: HttpRequest, programme_id: str, payload: InForceIn) -> Any:
    return _transition(request, programme_id, "bring_into_force", payload.model_dump())


@router.post(
    "/{programme_id}/close",
    response={200: ProgrammeOut, **BODY_DETAIL_ERRORS},
    summary="Close a programme in force",
)
def programme_close(request: HttpRequest, programme_id: str, payload: CloseIn) -> Any:
    return _transition(request, programme_id, "close", payload.model_dump())
