"""Staff API of the service catalog (/api/v1/catalog/...): the same service functions and rules as the screens."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations (``Query[...]``) in the wrapper's module, where they are undefined.

import datetime
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import field_validator

from cus.catalog import hsds_io, hsds_tabular, queries, services, tabular
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    Contact,
    FeeKind,
    FeeUnit,
    Location,
    LocationType,
    Organization,
    PhoneType,
    ProviderKind,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.catalog.validators import validate_phone
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

router = Router(tags=["catalog"])


# --- output --------------------------------------------------------------------------------------------------------


# Local wall-clock times as "HH:MM" (JSON Schema's "time" format demands a UTC offset, which opening hours lack).
LOCAL_TIME = Field(pattern=r"^\d{2}:\d{2}$", description="Local time, HH:MM.")


def _hhmm(value: datetime.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


class ScheduleOut(Schema):
    weekday: int = Field(description="1 = Monday … 7 = Sunday.")
    opens_at: str = LOCAL_TIME
    closes_at: str = LOCAL_TIME
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    @staticmethod
    def resolve_opens_at(obj: Any) -> str | None:
        return _hhmm(obj.opens_at)

    @staticmethod
    def resolve_closes_at(obj: Any) -> str | None:
        return _hhmm(obj.closes_at)


class ExceptionOut(Schema):
    date: datetime.date
    closed: bool
    opens_at: str | None = Field(pattern=r"^\d{2}:\d{2}$", description="Local time, HH:MM.")
    closes_at: str | None = Field(pattern=r"^\d{2}:\d{2}$", description="Local time, HH:MM.")
    description: str

    @staticmethod
    def resolve_opens_at(obj: Any) -> str | None:
        return _hhmm(obj.opens_at)

    @staticmethod
    def resolve_closes_at(obj: Any) -> str | None:
        return _hhmm(obj.closes_at)


class ServiceLocationOut(Schema):
    id: uuid.UUID
    location_id: uuid.UUID
    location_name: str
    description: str
    schedules: list[ScheduleOut]
    exceptions: list[ExceptionOut]

    @staticmethod
    def resolve_location_name(obj: ServiceAtLocation) -> str:
        return obj.location.name

    @staticmethod
    def resolve_schedules(obj: ServiceAtLocation) -> list[Any]:
        return list(obj.schedules.all())

    @staticmethod
    def resolve_exceptions(obj: ServiceAtLocation) -> list[Any]:
        return list(obj.schedule_exceptions.all())


class DocumentOut(Schema):
    document: str
    uri: str


class ServiceOut(Schema):
    id: uuid.UUID
    municipality: str = Field(description="TERYT code of the municipality whose catalog holds the service.")
    organization_id: uuid.UUID
    name: str
    alternate_name: str
    description: str
    status: ServiceStatus
    areas: list[str] = Field(description="Codes of the service areas (01–14).")
    target_groups: list[str]
    municipalities_served: list[str] = Field(description="TERYT codes.")
    eligibility_description: str
    minimum_age: int | None
    maximum_age: int | None
    fee_kind: FeeKind
    fee_amount: Decimal | None
    fee_unit: str
    fees_description: str
    application_process: str
    languages: list[str]
    capacity: int | None
    accessibility: str
    wait_time: str
    url: str
    email: str
    phone: str
    published_at: datetime.datetime | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_municipality(obj: Service) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_areas(obj: Service) -> list[str]:
        return sorted(t.code for t in obj.areas.all())

    @staticmethod
    def resolve_target_groups(obj: Service) -> list[str]:
        return sorted(t.code for t in obj.target_groups.all())

    @staticmethod
    def resolve_municipalities_served(obj: Service) -> list[str]:
        return sorted(m.teryt for m in obj.municipalities_served.all())

    @staticmethod
    def resolve_languages(obj: Service) -> list[str]:
        return [str(code) for code in obj.languages or []]


class ServiceDetailOut(ServiceOut):
    locations: list[ServiceLocationOut]
    required_documents: list[DocumentOut]
    allowed_transitions: list[ServiceStatus] = Field(description="Statuses the caller may move the service to.")

    @staticmethod
    def resolve_locations(obj: Service) -> list[Any]:
        return list(queries.service_locations(obj))

    @staticmethod
    def resolve_required_documents(obj: Service) -> list[Any]:
        return list(obj.required_documents.all())

    @staticmethod
    def resolve_allowed_transitions(obj: Service, context: Any) -> list[str]:
        return services.allowed_transitions(context["request"].user, obj)


class OrganizationOut(Schema):
    id: uuid.UUID
    municipality: str
    name: str
    alternate_name: str
    description: str
    kind: ProviderKind
    email: str
    website: str
    phone: str
    nip: str
    regon: str
    krs: str
    legal_status: str
    year_incorporated: int | None
    archived_at: datetime.datetime | None = Field(
        description="When the provider was archived: offered for no new service, not shown to the public."
    )
    updated_at: datetime.datetime

    @staticmethod
    def resolve_municipality(obj: Organization) -> str:
        return obj.municipality.teryt


class LocationOut(Schema):
    id: uuid.UUID
    municipality: str
    organization_id: uuid.UUID | None
    location_type: LocationType
    name: str
    description: str
    address_1: str
    address_2: str
    postal_code: str
    city: str
    url: str
    latitude: Decimal | None
    longitude: Decimal | None
    transportation: str
    wheelchair_accessible: bool
    accessibility: str
    phone: str
    archived_at: datetime.datetime | None = Field(
        description="When the location was archived: offered for no new service, not shown to the public."
    )
    updated_at: datetime.datetime

    @staticmethod
    def resolve_municipality(obj: Location) -> str:
        return obj.municipality.teryt


class ContactOut(Schema):
    id: uuid.UUID
    name: str
    title: str = Field(description="Position (job title).")
    department: str
    email: str
    phone: str


class PhoneOut(Schema):
    id: uuid.UUID
    number: str
    extension: str
    type: PhoneType
    description: str


class HistoryChangeOut(Schema):
    field: str
    before: str
    after: str


class HistoryEntryOut(Schema):
    id: int
    timestamp: datetime.datetime
    action: str = Field(description="create, update or delete.")
    action_label: str
    user: str = Field(description="The user as recorded at the time.")
    object_type: str = Field(description="What changed: the row itself, a place of the service, a contact person.")
    object_id: str
    description: str = Field(description="What the entry is about, in words (e.g. status: Published).")
    changes: list[HistoryChangeOut]


class RowErrorOut(Schema):
    column: str
    msg: str


class ImportRowOut(Schema):
    row: int = Field(description="Row number in the file; the header is row 1.")
    valid: bool
    errors: list[RowErrorOut]


class ImportReportOut(Schema):
    dry_run: bool
    saved: bool = Field(
        description="Whether services were created (nothing is saved when a row has errors, unless only_valid is set)."
    )
    created: int
    total: int
    valid: int
    invalid: int
    rows: list[ImportRowOut]


# --- input ---------------------------------------------------------------------------------------------------------


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    try:
        validate_phone(value)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from exc
    return value


def _naive(value: datetime.time | None) -> datetime.time | None:
    if value is not None and value.tzinfo is not None:
        raise ValueError(_("Give a local time without a time zone, e.g. 08:00."))
    return value


class ScheduleIn(InputSchema):
    weekday: int = Field(ge=1, le=7, description="1 = Monday … 7 = Sunday.")
    opens_at: datetime.time
    closes_at: datetime.time
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    description: str = Field("", max_length=250)

    _naive_times = field_validator("opens_at", "closes_at")(_naive)


class ExceptionIn(InputSchema):
    date: datetime.date
    closed: bool = True
    opens_at: datetime.time | None = None
    closes_at: datetime.time | None = None
    description: str = Field("", max_length=250)

    _naive_times = field_validator("opens_at", "closes_at")(_naive)


class DocumentIn(InputSchema):
    document: str = Field(min_length=1, max_length=500)
    uri: str = Field("", max_length=200)


class _ServiceFields(InputSchema):
    organization_id: uuid.UUID | None = None
    name: str | None = Field(None, min_length=1, max_length=250)
    alternate_name: str | None = Field(None, max_length=250)
    description: str | None = Field(None, min_length=1)
    url: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    areas: list[str] | None = Field(None, description="Codes of the service areas (01–14).", max_length=14)
    target_groups: list[str] | None = Field(None, max_length=50)
    municipalities_served: list[str] | None = Field(None, description="TERYT codes.", max_length=100)
    eligibility_description: str | None = None
    minimum_age: int | None = Field(None, ge=0, le=130)
    maximum_age: int | None = Field(None, ge=0, le=130)
    fee_kind: FeeKind | None = None
    fee_amount: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    fee_unit: FeeUnit | None = None
    fees_description: str | None = None
    application_process: str | None = None
    languages: list[str] | None = Field(None, max_length=20)
    capacity: int | None = Field(None, ge=0, le=2_147_483_647)
    accessibility: str | None = None
    wait_time: str | None = Field(None, max_length=250)
    required_documents: list[DocumentIn] | None = Field(None, max_length=50)

    _phone = field_validator("phone")(_phone)


class ServiceCreate(_ServiceFields):
    municipality: str | None = Field(
        None, max_length=7, description="TERYT code of the catalog; may be left out when you keep only one."
    )
    organization_id: uuid.UUID
    name: str = Field(min_length=1, max_length=250)
    description: str = Field(min_length=1)
    areas: list[str] = Field(min_length=1, max_length=14, description="Codes of the service areas (01–14).")


class ServicePatch(_ServiceFields):
    pass


class StatusIn(InputSchema):
    status: ServiceStatus


class OrganizationPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=250)
    alternate_name: str | None = Field(None, max_length=250)
    description: str | None = Field(None, min_length=1)
    kind: ProviderKind | None = None
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)
    nip: str | None = Field(None, max_length=13)
    regon: str | None = Field(None, max_length=14)
    krs: str | None = Field(None, max_length=10)
    legal_status: str | None = Field(None, max_length=250)
    year_incorporated: int | None = Field(None, ge=1800, le=2100)

    _phone = field_validator("phone")(_phone)


class OrganizationCreate(OrganizationPatch):
    municipality: str | None = Field(None, max_length=7, description="TERYT code of the catalog.")
    name: str = Field(min_length=1, max_length=250)
    description: str = Field(min_length=1)
    kind: ProviderKind


class LocationPatch(InputSchema):
    organization_id: uuid.UUID | None = None
    location_type: LocationType | None = None
    name: str | None = Field(None, min_length=1, max_length=250)
    description: str | None = None
    address_1: str | None = Field(None, max_length=250)
    address_2: str | None = Field(None, max_length=250)
    postal_code: str | None = Field(None, max_length=6)
    city: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    transportation: str | None = None
    wheelchair_accessible: bool | None = None
    accessibility: str | None = None
    phone: str | None = Field(None, max_length=30)

    _phone = field_validator("phone")(_phone)


class LocationCreate(LocationPatch):
    municipality: str | None = Field(None, max_length=7, description="TERYT code of the catalog.")
    name: str = Field(min_length=1, max_length=250)


class ServiceLocationIn(InputSchema):
    location_id: uuid.UUID
    description: str = ""
    schedules: list[ScheduleIn] = Field([], max_length=50)
    exceptions: list[ExceptionIn] = Field([], max_length=100)


class HoursIn(InputSchema):
    schedules: list[ScheduleIn] = Field(max_length=50)
    exceptions: list[ExceptionIn] = Field([], max_length=100)


class ServiceSort(StrEnum):
    RELEVANCE = "relevance"
    NAME = "name"
    NAME_DESC = "-name"
    STATUS = "status"
    STATUS_DESC = "-status"
    UPDATED = "updated"
    UPDATED_DESC = "-updated"


class ServiceFilters(InputSchema):
    q: str = Field("", max_length=200, description="Free text, through the catalog's search engine.")
    status: ServiceStatus | None = None
    area: str = Field("", max_length=10, description="Code of a service area (01–14).")
    provider: uuid.UUID | None = None
    municipality: str = Field("", max_length=7, description="TERYT code of a municipality served.")
    sort: ServiceSort | None = Field(None, description="Default: relevance with q, name without.")


class ArchiveIn(InputSchema):
    archived: bool = Field(description="true archives, false restores from the archive.")


class ContactPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=250)
    title: str | None = Field(None, max_length=250, description="Position (job title).")
    department: str | None = Field(None, max_length=250)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30, description="Polish number: nine digits, optionally after +48.")

    _phone = field_validator("phone")(_phone)


class ContactIn(ContactPatch):
    name: str = Field(min_length=1, max_length=250)


class PhoneIn(InputSchema):
    number: str = Field(min_length=1, max_length=30, description="Polish number: nine digits, optionally after +48.")
    extension: str = Field("", max_length=6, pattern=r"^[0-9]*$")
    type: PhoneType = PhoneType.VOICE
    description: str = Field("", max_length=250)

    _phone = field_validator("number")(_phone)


class PhonesIn(InputSchema):
    phones: list[PhoneIn] = Field(max_length=20, description="The further numbers; replaces the list.")


class TextFilter(InputSchema):
    q: str = Field("", max_length=200)


# --- helpers -------------------------------------------------------------------------------------------------------


def _uuid_or_404(value: str) -> uuid.UUID:
    parsed = queries.parse_uuid(value)
    if parsed is None:
        raise Http404(_("Not found."))
    return parsed


def _service_queryset(request: HttpRequest, action: str = "view") -> Any:
    return (
        Service.objects.restrict(request.user, action)
        .select_related("municipality", "organization")
        .prefetch_related("areas", "target_groups", "municipalities_served")
    )


def _catalog_municipality(request: HttpRequest, permission: str, teryt: str | None) -> Municipality:
    allowed = list(queries.municipalities_for(request.user, permission))
    if teryt:
        for municipality in allowed:
            if municipality.teryt == teryt:
                return municipality
        raise ValidationError({"municipality": _("You cannot add to the catalog of this municipality.")})
    if len(allowed) == 1:
        return allowed[0]
    raise ValidationError({"municipality": _("Give the TERYT code of the municipality whose catalog this is.")})


def _terms(taxonomy_id: Any, codes: list[str], field: str) -> list[TaxonomyTerm]:
    found = {t.code: t for t in TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id, code__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise ValidationError({field: _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return [found[c] for c in dict.fromkeys(codes)]


def _municipalities(codes: list[str]) -> list[Municipality]:
    found = {m.teryt: m for m in Municipality.objects.filter(teryt__in=codes)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise ValidationError(
            {"municipalities_served": _("Unknown municipality (TERYT): %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return list(found.values())


def _organization(request: HttpRequest, organization_id: uuid.UUID | None, field: str = "organization_id") -> Any:
    if organization_id is None:
        return None
    organization = Organization.objects.restrict(request.user, "view").filter(pk=organization_id).first()
    if organization is None:
        raise ValidationError({field: _("Unknown provider.")})
    return organization


def _service_changes(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Payload fields → keyword arguments of service_create/service_update."""
    kwargs: dict[str, Any] = {}
    if "organization_id" in data:
        kwargs["organization"] = _organization(request, data.pop("organization_id"))
    if data.get("areas") is not None:
        kwargs["areas"] = _terms(AREAS_TAXONOMY_ID, data.pop("areas"), "areas")
    data.pop("areas", None)
    if data.get("target_groups") is not None:
        kwargs["target_groups"] = _terms(TARGET_GROUPS_TAXONOMY_ID, data.pop("target_groups"), "target_groups")
    data.pop("target_groups", None)
    if data.get("municipalities_served") is not None:
        kwargs["municipalities_served"] = _municipalities(data.pop("municipalities_served"))
    data.pop("municipalities_served", None)
    for name, value in data.items():
        if value is None and name not in ("minimum_age", "maximum_age", "fee_amount", "capacity"):
            continue
        kwargs[name] = value.value if hasattr(value, "value") else value
    return kwargs


# --- services ------------------------------------------------------------------------------------------------------


@router.get("/services", response={200: list[ServiceOut], **AUTH_ERRORS}, summary="Services of the catalog")
@paginate(Pagination)
def service_list(request: HttpRequest, filters: Query[ServiceFilters]) -> Any:
    require_permission(request, "catalog.view_service")
    services_qs = queries.services_for(
        request.user,
        q=filters.q,
        status=filters.status.value if filters.status else "",
        area=filters.area,
        organization=filters.provider,
        municipality=filters.municipality,
        sort=filters.sort.value if filters.sort else ("relevance" if filters.q else "name"),
    )
    return services_qs.prefetch_related("target_groups", "municipalities_served")


@router.post("/services", response={201: ServiceDetailOut, **BODY_ERRORS}, summary="Draft a service")
def service_create(request: HttpRequest, payload: ServiceCreate) -> Any:
    require_permission(request, "catalog.add_service")
    data = payload.model_dump(exclude_unset=True)
    municipality = _catalog_municipality(request, "catalog.add_service", data.pop("municipality", None))
    documents = data.pop("required_documents", None)
    kwargs = _service_changes(request, data)
    with transaction.atomic():
        service = services.service_create(actor=request.user, municipality=municipality, **kwargs)
        if documents:
            services.required_documents_set(actor=request.user, service=service, documents=documents)
    return Status(201, _service_queryset(request).get(pk=service.pk))


@router.get("/services/{service_id}", response={200: ServiceDetailOut, **DETAIL_ERRORS}, summary="One service")
def service_detail(request: HttpRequest, service_id: str) -> Any:
    require_permission(request, "catalog.view_service")
    return access_object(request.user, Service, "view", pk=_uuid_or_404(service_id))


@router.patch(
    "/services/{service_id}", response={200: ServiceDetailOut, **BODY_DETAIL_ERRORS}, summary="Change a service"
)
def service_update(request: HttpRequest, service_id: str, payload: ServicePatch) -> Any:
    require_permission(request, "catalog.change_service")
    service = access_object(request.user, Service, "change", pk=_uuid_or_404(service_id))
    data = payload.model_dump(exclude_unset=True)
    documents = data.pop("required_documents", None)
    if "organization_id" in data and data["organization_id"] is None:
        raise ValidationError({"organization_id": _("A service must have a provider.")})
    kwargs = _service_changes(request, data)
    with transaction.atomic():
        services.service_update(actor=request.user, service=service, **kwargs)
        if documents is not None:
            services.required_documents_set(actor=request.user, service=service, documents=documents)
    return _service_queryset(request).get(pk=service.pk)


@router.post(
    "/services/{service_id}/status",
    response={200: ServiceDetailOut, **BODY_DETAIL_ERRORS},
    summary="Publish, withdraw to draft or archive a service",
)
def service_status(request: HttpRequest, service_id: str, payload: StatusIn) -> Any:
    require_permission(request, "catalog.change_service")
    service = access_object(request.user, Service, "change", pk=_uuid_or_404(service_id))
    services.service_set_status(actor=request.user, service=service, status=payload.status.value)
    return _service_queryset(request).get(pk=service.pk)


@router.post(
    "/services/{service_id}/locations",
    response={201: ServiceLocationOut, **BODY_DETAIL_ERRORS},
    summary="Offer the service at a location, with its hours",
)
def service_location_add(request: HttpRequest, service_id: str, payload: ServiceLocationIn) -> Any:
    require_permission(request, "catalog.add_serviceatlocation")
    service = access_object(request.user, Service, "change", pk=_uuid_or_404(service_id))
    location = Location.objects.restrict(request.user, "view").filter(pk=payload.location_id).first()
    if location is None:
        raise ValidationError({"location_id": _("Unknown location.")})
    sal = services.service_location_add(
        actor=request.user,
        service=service,
        location=location,
        description=payload.description,
        schedules=[s.model_dump() for s in payload.schedules],
        exceptions=[e.model_dump() for e in payload.exceptions],
    )
    return Status(201, queries.service_locations(service).get(pk=sal.pk))


@router.put(
    "/services/{service_id}/locations/{service_location_id}/hours",
    response={200: ServiceLocationOut, **BODY_DETAIL_ERRORS},
    summary="Replace the hours of the service at a location",
)
def service_location_hours(request: HttpRequest, service_id: str, service_location_id: str, payload: HoursIn) -> Any:
    require_permission(request, "catalog.change_serviceatlocation")
    service = access_object(request.user, Service, "change", pk=_uuid_or_404(service_id))
    sal = access_object(
        request.user, ServiceAtLocation, "change", pk=_uuid_or_404(service_location_id), service=service
    )
    services.service_location_set_hours(
        actor=request.user,
        service_at_location=sal,
        schedules=[s.model_dump() for s in payload.schedules],
        exceptions=[e.model_dump() for e in payload.exceptions],
    )
    return queries.service_locations(service).get(pk=sal.pk)


@router.delete(
    "/services/{service_id}/locations/{service_location_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Stop offering the service at a location",
)
def service_location_remove(request: HttpRequest, service_id: str, service_location_id: str) -> Any:
    require_permission(request, "catalog.change_serviceatlocation")
    service = access_object(request.user, Service, "change", pk=_uuid_or_404(service_id))
    sal = access_object(
        request.user, ServiceAtLocation, "change", pk=_uuid_or_404(service_location_id), service=service
    )
    services.service_location_remove(actor=request.user, service_at_location=sal)
    return Status(204, None)


@router.post(
    "/import",
    response={200: ImportReportOut, **BODY_ERRORS},
    summary="Import services from a CSV or XLSX file (dry run by default)",
)
def service_import(
    request: HttpRequest,
    # Optional in the signature so that a caller without the permission gets 403, not a schema error.
    file: File[UploadedFile | None] = None,
    dry_run: Form[bool] = True,
    only_valid: Form[bool] = False,
    municipality: Form[str] = "",
) -> Any:
    require_permission(request, "catalog.import_service")
    if file is None:
        raise ValidationError({"file": _("Upload a CSV (.csv) or Excel (.xlsx) file.")})
    catalog = _catalog_municipality(request, "catalog.import_service", municipality.replace("\x00", "") or None)
    try:
        if (file.size or 0) > tabular.MAX_BYTES:
            raise tabular.ImportFileError(
                _("The file is too large: at most %(mb)s MB.") % {"mb": tabular.MAX_BYTES // (1024 * 1024)}
            )
        rows = tabular.read_table(file.name or "", file.read())
    except tabular.ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    report = tabular.import_services(
        actor=request.user, municipality=catalog, rows=rows, dry_run=dry_run, only_valid=only_valid
    )
    return {
        "dry_run": dry_run,
        "saved": report.created > 0,
        "created": report.created,
        "total": len(report.rows),
        "valid": len(report.valid_rows),
        "invalid": len(report.invalid_rows),
        "rows": [
            {"row": r.number, "valid": r.valid, "errors": [{"column": e.column, "msg": e.message} for e in r.errors]}
            for r in report.rows
        ],
    }


# --- HSDS export ---------------------------------------------------------------------------------------------------


@router.get(
    "/export/hsds",
    response={200: dict[str, Any], **AUTH_ERRORS},
    summary="The whole catalog (every status) as an HSDS 3.0 JSON document",
)
def export_hsds_json(request: HttpRequest) -> Any:
    require_permission(request, "catalog.view_service")
    return hsds_io.export_catalog(municipalities=queries.municipalities_for(request.user, "catalog.view_service"))


@router.get(
    "/export/hsds.zip",
    response={200: None, **AUTH_ERRORS},
    summary="The whole catalog as an HSDS 3.0 tabular data package (ZIP: datapackage.json and CSV files)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "A ZIP file",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_hsds_datapackage(request: HttpRequest) -> Any:
    require_permission(request, "catalog.view_service")
    content = hsds_tabular.export_datapackage(
        municipalities=queries.municipalities_for(request.user, "catalog.view_service")
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="katalog-hsds-{timezone.localdate().isoformat()}.zip"'
    return response


# --- providers -----------------------------------------------------------------------------------------------------


def _organization_changes(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: (value.value if hasattr(value, "value") else value)
        for name, value in data.items()
        if name != "municipality"
    }


@router.get("/providers", response={200: list[OrganizationOut], **AUTH_ERRORS}, summary="Providers")
@paginate(Pagination)
def organization_list(request: HttpRequest, filters: Query[TextFilter]) -> Any:
    require_permission(request, "catalog.view_organization")
    return queries.organizations_for(request.user, q=filters.q)


@router.post("/providers", response={201: OrganizationOut, **BODY_ERRORS}, summary="Add a provider")
def organization_create(request: HttpRequest, payload: OrganizationCreate) -> Any:
    require_permission(request, "catalog.add_organization")
    data = payload.model_dump(exclude_unset=True, exclude_none=True)
    municipality = _catalog_municipality(request, "catalog.add_organization", data.get("municipality"))
    organization = services.organization_create(
        actor=request.user, municipality=municipality, **_organization_changes(request, data)
    )
    return Status(201, organization)


@router.get("/providers/{provider_id}", response={200: OrganizationOut, **DETAIL_ERRORS}, summary="One provider")
def organization_detail(request: HttpRequest, provider_id: str) -> Any:
    require_permission(request, "catalog.view_organization")
    return access_object(request.user, Organization, "view", pk=_uuid_or_404(provider_id))


@router.patch(
    "/providers/{provider_id}", response={200: OrganizationOut, **BODY_DETAIL_ERRORS}, summary="Change a provider"
)
def organization_update(request: HttpRequest, provider_id: str, payload: OrganizationPatch) -> Any:
    require_permission(request, "catalog.change_organization")
    organization = access_object(request.user, Organization, "change", pk=_uuid_or_404(provider_id))
    data = payload.model_dump(exclude_unset=True, exclude_none=True)
    return services.organization_update(
        actor=request.user, organization=organization, **_organization_changes(request, data)
    )


# --- locations -----------------------------------------------------------------------------------------------------


def _location_changes(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "organization_id" in data:
        kwargs["organization"] = _organization(request, data.pop("organization_id"))
    for name, value in data.items():
        if name == "municipality" or (value is None and name not in ("latitude", "longitude")):
            continue
        kwargs[name] = value.value if hasattr(value, "value") else value
    return kwargs


@router.get("/locations", response={200: list[LocationOut], **AUTH_ERRORS}, summary="Locations")
@paginate(Pagination)
def location_list(request: HttpRequest, filters: Query[TextFilter]) -> Any:
    require_permission(request, "catalog.view_location")
    return queries.locations_for(request.user, q=filters.q)


@router.post("/locations", response={201: LocationOut, **BODY_ERRORS}, summary="Add a location")
def location_create(request: HttpRequest, payload: LocationCreate) -> Any:
    require_permission(request, "catalog.add_location")
    data = payload.model_dump(exclude_unset=True)
    municipality = _catalog_municipality(request, "catalog.add_location", data.get("municipality"))
    location = services.location_create(
        actor=request.user, municipality=municipality, **_location_changes(request, data)
    )
    return Status(201, location)


@router.get("/locations/{location_id}", response={200: LocationOut, **DETAIL_ERRORS}, summary="One location")
def location_detail(request: HttpRequest, location_id: str) -> Any:
    require_permission(request, "catalog.view_location")
    return access_object(request.user, Location, "view", pk=_uuid_or_404(location_id))


@router.patch(
    "/locations/{location_id}", response={200: LocationOut, **BODY_DETAIL_ERRORS}, summary="Change a location"
)
def location_update(request: HttpRequest, location_id: str, payload: LocationPatch) -> Any:
    require_permission(request, "catalog.change_location")
    location = access_object(request.user, Location, "change", pk=_uuid_or_404(location_id))
    data = payload.model_dump(exclude_unset=True)
    return services.location_update(actor=request.user, location=location, **_location_changes(request, data))


@router.get(
    "/locations/{location_id}/history",
    response={200: list[HistoryEntryOut], **DETAIL_ERRORS},
    summary="Change history of a location",
)
@paginate(Pagination)
def location_history(request: HttpRequest, location_id: str) -> Any:
    require_permission(request, "catalog.view_location")
    location = access_object(request.user, Location, "view", pk=_uuid_or_404(location_id))
    return _history(queries.object_history(location), Location)


@router.post(
    "/locations/{location_id}/archive",
    response={200: LocationOut, **BODY_DETAIL_ERRORS},
    summary="Archive a location (or restore it)",
)
def location_archive(request: HttpRequest, location_id: str, payload: ArchiveIn) -> Any:
    require_permission(request, "catalog.change_location")
    location = access_object(request.user, Location, "change", pk=_uuid_or_404(location_id))
    services.location_set_archived(actor=request.user, location=location, archived=payload.archived)
    return Location.objects.select_related("municipality").get(pk=location.pk)


@router.delete(
    "/locations/{location_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Delete a location no service uses (422 lists what still uses it)",
)
def location_delete(request: HttpRequest, location_id: str) -> Any:
    require_permission(request, "catalog.delete_location")
    location = access_object(request.user, Location, "delete", pk=_uuid_or_404(location_id))
    services.location_delete(actor=request.user, location=location)
    return Status(204, None)


# --- providers: history, archive, delete ---------------------------------------------------------------------------


@router.get(
    "/providers/{provider_id}/history",
    response={200: list[HistoryEntryOut], **DETAIL_ERRORS},
    summary="Change history of a provider",
)
@paginate(Pagination)
def organization_history(request: HttpRequest, provider_id: str) -> Any:
    require_permission(request, "catalog.view_organization")
    organization = access_object(request.user, Organization, "view", pk=_uuid_or_404(provider_id))
    return _history(queries.object_history(organization), Organization)


@router.post(
    "/providers/{provider_id}/archive",
    response={200: OrganizationOut, **BODY_DETAIL_ERRORS},
    summary="Archive a provider (or restore it)",
)
def organization_archive(request: HttpRequest, provider_id: str, payload: ArchiveIn) -> Any:
    require_permission(request, "catalog.change_organization")
    organization = access_object(request.user, Organization, "change", pk=_uuid_or_404(provider_id))
    services.organization_set_archived(actor=request.user, organization=organization, archived=payload.archived)
    return Organization.objects.select_related("municipality").get(pk=organization.pk)


@router.delete(
    "/providers/{provider_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Delete a provider nothing uses (422 lists what still uses it)",
)
def organization_delete(request: HttpRequest, provider_id: str) -> Any:
    require_permission(request, "catalog.delete_organization")
    organization = access_object(request.user, Organization, "delete", pk=_uuid_or_404(provider_id))
    services.organization_delete(actor=request.user, organization=organization)
    return Status(204, None)


# --- service history -----------------------------------------------------------------------------------------------


@router.get(
    "/services/{service_id}/history",
    response={200: list[HistoryEntryOut], **DETAIL_ERRORS},
    summary="Change history of a service (its places, hours, documents and contact people included)",
)
@paginate(Pagination)
def service_history(request: HttpRequest, service_id: str) -> Any:
    require_permission(request, "catalog.view_service")
    service = access_object(request.user, Service, "view", pk=_uuid_or_404(service_id))
    return _history(queries.service_history(service), Service)


class _HistoryRows:
    """A lazily sliced audit queryset whose items are history rows in words (``@paginate`` slices it)."""

    def __init__(self, entries: Any, model: Any) -> None:
        self.entries = entries.select_related("actor")
        self.model = model

    def count(self) -> int:
        return int(self.entries.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        entries = self.entries[index]
        if isinstance(index, slice):
            return [self._row(e) for e in entries]
        return self._row(entries)

    def _row(self, entry: Any) -> dict[str, Any]:
        row = queries.history_row(entry, self.model)
        return {
            "id": entry.pk,
            "timestamp": entry.timestamp,
            "action": entry.action,
            "action_label": str(entry.get_action_display()),
            "user": entry.actor_label,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "description": str(row["message"]),
            "changes": [{k: str(v) for k, v in c.items()} for c in row["changes"]],
        }


def _history(entries: Any, model: Any) -> Any:
    return _HistoryRows(entries, model)


# --- contact people ------------------------------------------------------------------------------------------------

CONTACT_OWNER_MODELS: dict[str, tuple[Any, str]] = {
    "services": (Service, "service_id"),
    "providers": (Organization, "provider_id"),
    "locations": (Location, "location_id"),
}


def _contact_routes(segment: str, model: Any, label: str) -> None:
    field = model._meta.model_name

    def owner_of(request: HttpRequest, owner_id: str, action: str = "change") -> Any:
        return access_object(request.user, model, action, pk=_uuid_or_404(owner_id))

    def contact_of(request: HttpRequest, owner: Any, contact_id: str) -> Contact:
        return access_object(request.user, Contact, "change", pk=_uuid_or_404(contact_id), **{field: owner})

    @router.get(
        f"/{segment}/{{owner_id}}/phones",
        response={200: list[PhoneOut], **DETAIL_ERRORS},
        summary=f"Further phone numbers of a {label}",
        operation_id=f"catalog_{field}_phone_list",
    )
    def phone_list(request: HttpRequest, owner_id: str) -> Any:
        require_permission(request, f"catalog.view_{field}")
        return list(queries.phones_of(owner_of(request, owner_id, "view")))

    @router.put(
        f"/{segment}/{{owner_id}}/phones",
        response={200: list[PhoneOut], **BODY_DETAIL_ERRORS},
        summary=f"Replace the further phone numbers of a {label}",
        operation_id=f"catalog_{field}_phone_set",
    )
    def phone_set(request: HttpRequest, owner_id: str, payload: PhonesIn) -> Any:
        require_permission(request, "catalog.change_contact")
        owner = owner_of(request, owner_id)
        services.phones_set(
            actor=request.user,
            owner=owner,
            phones=[{**p.model_dump(), "type": p.type.value} for p in payload.phones],
        )
        return list(queries.phones_of(owner))

    @router.get(
        f"/{segment}/{{owner_id}}/contacts",
        response={200: list[ContactOut], **DETAIL_ERRORS},
        summary=f"Contact people of a {label}",
        operation_id=f"catalog_{field}_contact_list",
    )
    def contact_list(request: HttpRequest, owner_id: str) -> Any:
        require_permission(request, f"catalog.view_{field}")
        return list(queries.contacts_of(owner_of(request, owner_id, "view")))

    @router.post(
        f"/{segment}/{{owner_id}}/contacts",
        response={201: ContactOut, **BODY_DETAIL_ERRORS},
        summary=f"Add a contact person to a {label}",
        operation_id=f"catalog_{field}_contact_create",
    )
    def contact_create(request: HttpRequest, owner_id: str, payload: ContactIn) -> Any:
        require_permission(request, "catalog.add_contact")
        owner = owner_of(request, owner_id)
        data = payload.model_dump(exclude_none=True)
        return Status(201, services.contact_create(actor=request.user, owner=owner, **data))

    @router.patch(
        f"/{segment}/{{owner_id}}/contacts/{{contact_id}}",
        response={200: ContactOut, **BODY_DETAIL_ERRORS},
        summary=f"Change a contact person of a {label}",
        operation_id=f"catalog_{field}_contact_update",
    )
    def contact_update(request: HttpRequest, owner_id: str, contact_id: str, payload: ContactPatch) -> Any:
        require_permission(request, "catalog.change_contact")
        contact = contact_of(request, owner_of(request, owner_id), contact_id)
        data = payload.model_dump(exclude_unset=True, exclude_none=True)
        return services.contact_update(actor=request.user, contact=contact, **data)

    @router.delete(
        f"/{segment}/{{owner_id}}/contacts/{{contact_id}}",
        response={204: None, **DETAIL_ERRORS},
        summary=f"Remove a contact person of a {label}",
        operation_id=f"catalog_{field}_contact_delete",
    )
    def contact_delete(request: HttpRequest, owner_id: str, contact_id: str) -> Any:
        require_permission(request, "catalog.change_contact")
        contact = contact_of(request, owner_of(request, owner_id), contact_id)
        services.contact_delete(actor=request.user, contact=contact)
        return Status(204, None)


_contact_routes("services", Service, "service")
_contact_routes("providers", Organization, "provider")
_contact_routes("locations", Location, "location")
