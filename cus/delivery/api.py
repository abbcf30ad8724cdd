"""Delivery API (/api/v1/delivery/...) for providers' own systems and the services team: the same services,
permissions and rules as the pages. Provider staff reach only the items assigned to their organisation (an item of
another provider answers 404 exactly like a missing one, and the attempt is audited); the payloads carry only the
minimum personal data needed to deliver the service."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations in the wrapper's module.

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cus.accounts.permissions import has_permission, has_role
from cus.accounts.roles import Role
from cus.audit.services import record_access
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
from cus.delivery import queries, services
from cus.delivery.models import (
    CorrectionStatus,
    DeliveryRecord,
    MissedReason,
    ProviderStaff,
    RecordStatus,
    correction_window,
)
from cus.plans.models import PlanItem

router = Router(tags=["delivery"])
ITEM_PURPOSE = "Delivering a service of an individual plan"
MONITOR_PURPOSE = "Monitoring the delivery of an individual plan"


# --- output ---------------------------------------------------------------------------------------------------------


class DeliveryPersonOut(Schema):
    """Only what a provider needs to come: name, address, phone."""

    full_name: str
    street: str
    building: str
    flat: str
    postal_code: str
    city: str = Field(alias="town")
    phone: str


class PlaceOut(Schema):
    id: uuid.UUID
    name: str
    address: str = Field(alias="address_1")
    postal_code: str
    city: str


class ItemOut(Schema):
    id: uuid.UUID
    plan_reference: str
    service_id: uuid.UUID
    service_name: str
    place: PlaceOut | None = Field(None, description="Empty: at the person's home.")
    person: DeliveryPersonOut
    starts_on: datetime.date
    ends_on: datetime.date = Field(description="The last day (the early end when the item was ended early).")
    frequency: str
    weekdays: list[int] = Field(description="1 = Monday … 7 = Sunday.")
    time_from: datetime.time | None
    hours_per_visit: Decimal
    planned_hours: Decimal
    how_delivered: str = Field(alias="notes")

    @staticmethod
    def resolve_plan_reference(obj: PlanItem) -> str:
        return obj.plan.reference

    @staticmethod
    def resolve_service_name(obj: PlanItem) -> str:
        return obj.service.name

    @staticmethod
    def resolve_place(obj: PlanItem) -> Any:
        return obj.location

    @staticmethod
    def resolve_person(obj: PlanItem) -> Any:
        return obj.plan.person

    @staticmethod
    def resolve_ends_on(obj: PlanItem) -> datetime.date:
        return obj.ended_on or obj.ends_on

    @staticmethod
    def resolve_weekdays(obj: PlanItem) -> list[int]:
        return obj.weekday_list


class RecordOut(Schema):
    id: uuid.UUID
    item_id: uuid.UUID
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    minutes: int
    worker_name: str
    status: RecordStatus
    missed_reason: str
    notes: str
    recorded_by: str
    recorded_at: datetime.datetime
    corrected_at: datetime.datetime | None
    correctable_until: datetime.datetime = Field(description="Until then the author may correct it themselves.")

    @staticmethod
    def resolve_recorded_by(obj: DeliveryRecord) -> str:
        return obj.recorded_by.full_name or obj.recorded_by.email

    @staticmethod
    def resolve_correctable_until(obj: DeliveryRecord) -> datetime.datetime:
        return obj.recorded_at + correction_window()


class CorrectionOut(Schema):
    id: int
    record_id: uuid.UUID
    item_id: uuid.UUID
    service_name: str
    provider: str
    changes: dict[str, Any]
    reason: str
    requested_by: str
    requested_at: datetime.datetime
    status: CorrectionStatus
    decided_by: str | None
    decided_at: datetime.datetime | None
    decision_note: str

    @staticmethod
    def resolve_item_id(obj: Any) -> uuid.UUID:
        return obj.record.item_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service_name(obj: Any) -> str:
        return obj.record.item.service.name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return obj.record.item.provider.name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_requested_by(obj: Any) -> str:
        return obj.requested_by.full_name or obj.requested_by.email  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return obj.decided_by.full_name if obj.decided_by else None


class StaffLinkOut(Schema):
    id: int
    user_id: int
    user_name: str
    email: str
    organization_id: uuid.UUID
    organization_name: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_user_name(obj: ProviderStaff) -> str:
        return obj.user.full_name

    @staticmethod
    def resolve_email(obj: ProviderStaff) -> str:
        return obj.user.email

    @staticmethod
    def resolve_organization_name(obj: ProviderStaff) -> str:
        return obj.organization.name


# --- input ----------------------------------------------------------------------------------------------------------


class RecordIn(InputSchema):
    date: datetime.date
    start_time: datetime.time
    minutes: int = Field(ge=5, le=24 * 60)
    worker_name: str = Field(min_length=1, max_length=200)
    status: RecordStatus = RecordStatus.DELIVERED
    missed_reason: MissedReason | None = None
    notes: str = Field("", max_length=2000)


class RecordPatch(InputSchema):
    date: datetime.date | None = None
    start_time: datetime.time | None = None
    minutes: int | None = Field(None, ge=5, le=24 * 60)
    worker_name: str | None = Field(None, min_length=1, max_length=200)
    status: RecordStatus | None = None
    missed_reason: MissedReason | None = None
    notes: str | None = Field(None, max_length=2000)


class CorrectionIn(RecordPatch):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(InputSchema):
    accept: bool
    note: str = Field("", max_length=2000)


class RecordFilters(InputSchema):
    date_from: datetime.date | None = Field(None, description="From this day (inclusive).")
    date_to: datetime.date | None = Field(None, description="Until this day (inclusive).")


class CorrectionFilters(InputSchema):
    status: CorrectionStatus | None = Field(None, description="Only requests in this status.")


class StaffLinkIn(InputSchema):
    user_id: int
    organization_id: uuid.UUID


# --- helpers --------------------------------------------------------------------------------------------------------


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _provider_only(request: HttpRequest) -> None:
    require_permission(request, "plans.deliver_planitem")
    if services.provider_of(request.user) is None:
        raise PermissionDenied(_("Your account is not linked to a provider yet: ask the centre's administrator."))


def _item(request: HttpRequest, item_id: str) -> PlanItem:
    return queries.assigned_item(request.user, _uuid_or_404(item_id))


def _record(request: HttpRequest, record_id: str, action: str = "view") -> DeliveryRecord:
    if has_role(request.user, Role.PROVIDER_STAFF) and services.provider_of(request.user) is None:
        raise PermissionDenied(_("Your account is not linked to a provider yet: ask the centre's administrator."))
    record = queries.record_for(request.user, _uuid_or_404(record_id), action)
    return DeliveryRecord.objects.select_related("recorded_by").get(pk=record.pk)


def _changes(payload: RecordPatch) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"reason"})
    if "missed_reason" in data and data["missed_reason"] is None:
        data["missed_reason"] = ""
    for field in ("date", "start_time", "minutes", "worker_name", "status", "notes"):
        if field in data and data[field] is None:
            raise ValidationError({field: _("This field cannot be empty.")})
    return {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}


def _correction(pk: int) -> Any:
    from cus.delivery.models import CorrectionRequest

    return CorrectionRequest.objects.select_related(
        "record__item__service", "record__item__provider", "requested_by", "decided_by"
    ).get(pk=pk)


# --- provider staff -------------------------------------------------------------------------------------------------


@router.get(
    "/items",
    response={200: list[ItemOut], **AUTH_ERRORS},
    summary="Services assigned to my organisation (minimal personal data)",
)
@paginate(Pagination)
def item_list(request: HttpRequest) -> Any:
    _provider_only(request)
    return queries.assigned_items(request.user)


@router.get("/items/{item_id}", response={200: ItemOut, **DETAIL_ERRORS}, summary="One assigned service")
def item_detail(request: HttpRequest, item_id: str) -> Any:
    _provider_only(request)
    item = _item(request, item_id)
    record_access(actor=request.user, instance=item, purpose=ITEM_PURPOSE)
    return item


@router.get(
    "/items/{item_id}/records",
    response={200: list[RecordOut], **DETAIL_ERRORS},
    summary="Records of an assigned service, newest first",
)
@paginate(Pagination)
def record_list(request: HttpRequest, item_id: str, filters: Query[RecordFilters]) -> Any:
    _provider_only(request)
    item = _item(request, item_id)
    record_access(actor=request.user, instance=item, purpose=ITEM_PURPOSE)
    return queries.records_of_item(item, since=filters.date_from, until=filters.date_to)


@router.post(
    "/items/{item_id}/records",
    response={201: RecordOut, **BODY_DETAIL_ERRORS},
    summary="Record a visit (or a visit not delivered, with its reason)",
)
def record_create(request: HttpRequest, item_id: str, payload: RecordIn) -> Any:
    _provider_only(request)
    require_permission(request, "delivery.add_deliveryrecord")
    item = _item(request, item_id)
    data = payload.model_dump()
    data["missed_reason"] = data["missed_reason"].value if data["missed_reason"] else ""
    data["status"] = data["status"].value
    record = services.record_visit(actor=request.user, item=item, **data)
    return Status(201, DeliveryRecord.objects.select_related("recorded_by").get(pk=record.pk))


@router.get("/records/{record_id}", response={200: RecordOut, **DETAIL_ERRORS}, summary="One delivery record")
def record_detail(request: HttpRequest, record_id: str) -> Any:
    require_permission(request, "delivery.view_deliveryrecord")
    record = _record(request, record_id)
    purpose = ITEM_PURPOSE if services.provider_of(request.user) is not None else MONITOR_PURPOSE
    record_access(actor=request.user, instance=record, purpose=purpose)
    return record


@router.patch(
    "/records/{record_id}",
    response={200: RecordOut, **BODY_DETAIL_ERRORS},
    summary="Correct a record (provider staff: their own, within the correction window; the coordinator: any)",
)
def record_correct(request: HttpRequest, record_id: str, payload: RecordPatch) -> Any:
    require_permission(request, "delivery.change_deliveryrecord")
    record = _record(request, record_id, "change")
    changes = _changes(payload)
    if not changes:
        raise ValidationError({"__all__": _("Give at least one value to change.")})
    services.correct(actor=request.user, record=record, **changes)
    return DeliveryRecord.objects.select_related("recorded_by").get(pk=record.pk)


@router.post(
    "/records/{record_id}/correction-requests",
    response={201: CorrectionOut, **BODY_DETAIL_ERRORS},
    summary="Ask the coordinator to correct a record after the correction window",
)
def correction_create(request: HttpRequest, record_id: str, payload: CorrectionIn) -> Any:
    _provider_only(request)
    require_permission(request, "delivery.add_correctionrequest")
    record = _record(request, record_id)
    changes = _changes(payload)
    correction = services.request_correction(actor=request.user, record=record, reason=payload.reason, **changes)
    return Status(201, _correction(correction.pk))


# --- correction requests: the provider's own, the services team's to decide -----------------------------------------


@router.get(
    "/correction-requests",
    response={200: list[CorrectionOut], **AUTH_ERRORS},
    summary="Correction requests: of my organisation (provider staff) or to decide (services team)",
)
@paginate(Pagination)
def correction_list(request: HttpRequest, filters: Query[CorrectionFilters]) -> Any:
    require_permission(request, "delivery.view_correctionrequest")
    user: Any = request.user
    if has_role(user, Role.PROVIDER_STAFF):
        requests = queries.provider_requests(user)
        if filters.status:
            requests = requests.filter(status=filters.status.value)
        return requests.select_related("record__item__provider")
    if not has_permission(user, "delivery.change_correctionrequest"):
        from cus.delivery.models import CorrectionRequest

        return (
            CorrectionRequest.objects.restrict(user, "view")
            .filter(**({"status": filters.status.value} if filters.status else {}))
            .select_related("record__item__service", "record__item__provider", "requested_by", "decided_by")
        )
    return queries.team_requests(user, status=filters.status.value if filters.status else "")


@router.post(
    "/correction-requests/{correction_id}/decision",
    response={200: CorrectionOut, **BODY_DETAIL_ERRORS},
    summary="Accept (the record is corrected) or reject (with a note) a late correction",
)
def correction_decide(request: HttpRequest, correction_id: int, payload: DecisionIn) -> Any:
    from cus.delivery.models import CorrectionRequest

    require_permission(request, "delivery.change_correctionrequest")
    correction = access_object(request.user, CorrectionRequest, "change", pk=correction_id)
    services.decide_correction(actor=request.user, request=correction, accept=payload.accept, note=payload.note)
    return _correction(correction.pk)


# --- provider staff accounts (administrator) ------------------------------------------------------------------------


@router.get("/staff", response={200: list[StaffLinkOut], **AUTH_ERRORS}, summary="Provider users and their provider")
@paginate(Pagination)
def staff_list(request: HttpRequest) -> Any:
    require_permission(request, "delivery.view_providerstaff")
    return queries.staff_links(request.user)


@router.post("/staff", response={201: StaffLinkOut, **BODY_ERRORS}, summary="Link a provider user to a provider")
def staff_create(request: HttpRequest, payload: StaffLinkIn) -> Any:
    require_permission(request, "delivery.add_providerstaff")
    user = queries.unlinked_provider_users(request.user).filter(pk=payload.user_id).first()
    if user is None:
        raise ValidationError({"user_id": _("Unknown user, not a provider user, or already linked to a provider.")})
    organization = queries.providers_for_linking(request.user).filter(pk=payload.organization_id).first()
    if organization is None:
        raise ValidationError({"organization_id": _("Unknown provider.")})
    link = services.staff_link(actor=request.user, user=user, organization=organization)
    return Status(201, link)


@router.delete(
    "/staff/{link_id}", response={204: None, **DETAIL_ERRORS}, summary="Unlink a provider user from the provider"
)
def staff_delete(request: HttpRequest, link_id: int) -> Any:
    require_permission(request, "delivery.delete_providerstaff")
    link = access_object(request.user, ProviderStaff, "delete", pk=link_id)
    services.staff_unlink(actor=request.user, link=link)
    return Status(204, None)
