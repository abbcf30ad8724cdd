"""Staff API of individual social-services plans (/api/v1/plans/...): the same services, permissions and rules as
the screens (art. 38–47).

A rule broken by the input answers 422 at ``loc: ["body", <field>]`` with the field named as in the request body
(``coordinator_id``, ``service_id``, ...); an action the plan's status does not allow answers 422 at
``loc: ["body"]``; an approval by someone without the right (art. 41) answers 403 and is written to the audit trail.
Every read of a plan is written to the audit trail with its purpose (``?purpose=``, art. 50).
"""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations in the wrapper's module.

import datetime
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as QueryError
from ninja.pagination import paginate

from cus.accounts.models import User
from cus.accounts.permissions import has_permission, municipality_ids_for
from cus.audit.services import record_access
from cus.catalog.models import Location, Service, TaxonomyTerm
from cus.core.access import access_object
from cus.core.api_schemas import (
    AUTH_ERRORS,
    BODY_DETAIL_ERRORS,
    BODY_ERRORS,
    DETAIL_ERRORS,
    MAX_OFFSET,
    InputSchema,
    Pagination,
    require_permission,
)
from cus.core.collation import Alphabetical
from cus.core.models import Centre, Municipality
from cus.plans import rules, services, versions
from cus.plans.models import (
    DELIVERING_STATUSES,
    EDITABLE_STATUSES,
    ActivityKind,
    AgreementForm,
    ApprovalDelegation,
    ClosingReason,
    CoordinatorMeeting,
    Goal,
    GoalProgress,
    GoalStatus,
    ItemStatus,
    MonitoringNote,
    Need,
    NoteKind,
    PlanItem,
    PlanStatus,
    PlanVersion,
    ServicePlan,
    SupportingActivity,
    VersionStatus,
)
from cus.qualification.applications import Application
from cus.residents.models import AccessPurpose, Person

router = Router(tags=["plans"])

# An integer id in a request: within what the database can store, so a huge number is invalid input, not an error.
RowId = Annotated[int, Field(ge=1, le=MAX_OFFSET)]
# A date in a request: within a range the rules' date arithmetic (one year on, 30 days on) can always compute.
PlanDate = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2999, 12, 31))]

HOURS = Decimal("0.01")


# --- output --------------------------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: uuid.UUID
    reference: str
    municipality: str = Field(description="TERYT code.")
    person_id: uuid.UUID
    person_name: str
    coordinator_id: int
    coordinator_name: str
    status: PlanStatus
    version: int = Field(description="The number of the version being drafted, awaiting approval or approved.")
    applied_on: datetime.date
    draw_up_deadline: datetime.date = Field(description="30 days from the application (art. 40 ust. 1).")
    draw_up_overdue: bool
    drawn_up_on: datetime.date | None
    starts_on: datetime.date
    ends_on: datetime.date
    agreed_on: datetime.date | None
    closed_on: datetime.date | None

    @staticmethod
    def resolve_municipality(obj: ServicePlan) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_person_name(obj: ServicePlan) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_coordinator_name(obj: ServicePlan) -> str:
        return obj.coordinator.full_name

    @staticmethod
    def resolve_draw_up_overdue(obj: ServicePlan) -> bool:
        return obj.draw_up_overdue()


class PlanApplicationOut(Schema):
    id: uuid.UUID
    reference: str


class PlanNeedOut(Schema):
    id: int
    area_id: uuid.UUID | None
    area: str
    description: str
    position: int

    @staticmethod
    def resolve_area(obj: Need) -> str:
        return str(obj.area) if obj.area_id else ""


class PlanGoalOut(Schema):
    id: int
    description: str
    indicator: str
    baseline: str
    target: str
    target_date: datetime.date
    status: GoalStatus
    progress: int = Field(description="Percent, from the latest progress note.")
    overdue: bool = Field(description="Still open after its target date.")
    position: int

    @staticmethod
    def resolve_overdue(obj: Goal) -> bool:
        return obj.is_overdue()


class PlanItemOut(Schema):
    id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    provider_id: uuid.UUID
    provider_name: str
    location_id: uuid.UUID | None
    location_name: str
    application_id: uuid.UUID | None
    application_reference: str
    starts_on: datetime.date
    ends_on: datetime.date
    status: ItemStatus
    ended_on: datetime.date | None
    end_reason: str
    frequency: rules.Frequency
    weekdays: list[int] = Field(description="1 = Monday … 7 = Sunday.")
    time_from: datetime.time | None
    hours_per_visit: Decimal
    planned_hours: Decimal
    fee_per_month: Decimal | None = Field(description="PLN a month, from the qualification.")
    delivered_hours: Decimal = Field(description="Hours delivered, from the providers' delivery records.")
    delivery_share: Decimal | None = Field(description="Delivered hours as a percentage of planned hours.")
    planned_hours_so_far: Decimal = Field(description="Planned hours of the visits due up to today.")
    delivery_share_so_far: Decimal | None = Field(description="Delivered hours as a percentage of those due so far.")
    notes: str
    position: int


class PlanActivityOut(Schema):
    id: int
    kind: ActivityKind
    description: str
    who: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None


class PlanVersionOut(Schema):
    number: int
    status: VersionStatus
    reason: str
    submitted_at: datetime.datetime
    submitted_by: str
    decided_at: datetime.datetime | None
    decided_by: str = Field(description="Who approved or returned it, as signed (with the authorisation number).")
    authorisation: str = Field(description="The written authorisation it was approved under, if any.")
    decision_note: str

    @staticmethod
    def resolve_submitted_by(obj: PlanVersion) -> str:
        return obj.submitted_by.full_name if obj.submitted_by else ""

    @staticmethod
    def resolve_decided_by(obj: PlanVersion) -> str:
        return obj.decided_by_label

    @staticmethod
    def resolve_authorisation(obj: PlanVersion) -> str:
        return obj.delegation.document_reference if obj.delegation else ""


class PlanVersionDetailOut(PlanVersionOut):
    content: dict[str, Any] = Field(description="The plan's content as submitted: period, needs, goals, items, ...")


class PlanDifferenceOut(Schema):
    section: str = Field(description="period, needs_summary, needs, goals, items or activities.")
    kind: str = Field(description="added, removed or changed.")
    key: str
    field: str
    before: Any
    after: Any


class PlanProblemOut(Schema):
    field: str
    msg: str


class PlanDetailOut(PlanOut):
    needs_summary: str
    applications: list[PlanApplicationOut]
    agreement_form: str
    agreement_note: str
    closing_reason: str
    closing_reason_details: str
    closing_interview_on: datetime.date | None
    closing_interview_notes: str
    course_description: str
    latest_end: datetime.date = Field(description="The last day the plan may last (one year, art. 40 ust. 2).")
    needs: list[PlanNeedOut]
    goals: list[PlanGoalOut]
    items: list[PlanItemOut]
    activities: list[PlanActivityOut]
    versions: list[PlanVersionOut]
    warnings: list[str] = Field(description="Allowed, but shown to the coordinator and the approver.")
    submission_problems: list[PlanProblemOut] = Field(
        description="What must be in place before the plan (or its update) can be submitted; empty when not editable."
    )
    actions: list[str] = Field(description="Actions the plan's status allows now and your roles permit.")

    # ``_detail`` prefetches the rows and computes the rest onto the plan as ``api_*`` attributes.
    @staticmethod
    def resolve_applications(obj: ServicePlan) -> list[Any]:
        return list(obj.applications.all())

    @staticmethod
    def resolve_latest_end(obj: ServicePlan) -> datetime.date:
        return rules.latest_end(obj.starts_on)

    @staticmethod
    def resolve_needs(obj: ServicePlan) -> list[Any]:
        return list(obj.needs.all())

    @staticmethod
    def resolve_goals(obj: ServicePlan) -> list[Any]:
        return list(obj.goals.all())

    @staticmethod
    def resolve_items(obj: Any) -> list[dict[str, Any]]:
        return obj.api_items  # type: ignore[no-any-return]

    @staticmethod
    def resolve_activities(obj: ServicePlan) -> list[Any]:
        return list(obj.activities.all())

    @staticmethod
    def resolve_versions(obj: ServicePlan) -> list[Any]:
        return list(obj.versions.all())

    @staticmethod
    def resolve_warnings(obj: Any) -> list[str]:
        return obj.api_warnings  # type: ignore[no-any-return]

    @staticmethod
    def resolve_submission_problems(obj: Any) -> list[dict[str, str]]:
        return obj.api_problems  # type: ignore[no-any-return]

    @staticmethod
    def resolve_actions(obj: Any) -> list[str]:
        return obj.api_actions  # type: ignore[no-any-return]


class PlanNoteOut(Schema):
    id: int
    kind: NoteKind
    noted_on: datetime.date
    text: str
    author: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_author(obj: MonitoringNote) -> str:
        return obj.author.full_name if obj.author else ""


class PlanGoalProgressOut(Schema):
    id: int
    goal_id: int
    noted_on: datetime.date
    value: str
    progress: int
    note: str
    author: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_author(obj: GoalProgress) -> str:
        return obj.author.full_name if obj.author else ""


class PlanAuthorisationOut(Schema):
    id: int
    municipality: str = Field(description="TERYT code.")
    delegate_id: int
    delegate_name: str
    document_reference: str
    granted_on: datetime.date
    valid_from: datetime.date
    valid_to: datetime.date | None
    revoked_on: datetime.date | None
    granted_by: str
    valid_today: bool

    @staticmethod
    def resolve_municipality(obj: ApprovalDelegation) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_delegate_name(obj: ApprovalDelegation) -> str:
        return obj.delegate.full_name

    @staticmethod
    def resolve_granted_by(obj: ApprovalDelegation) -> str:
        return obj.granted_by.full_name

    @staticmethod
    def resolve_valid_today(obj: ApprovalDelegation) -> bool:
        return obj.is_valid_on(timezone.localdate())


class PlanParticipantOut(Schema):
    id: int
    full_name: str


class PlanMeetingOut(Schema):
    id: int
    municipality: str = Field(description="TERYT code.")
    held_on: datetime.date
    participants: list[PlanParticipantOut]
    agenda: str
    minutes: str
    recorded_by: str

    @staticmethod
    def resolve_municipality(obj: CoordinatorMeeting) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_participants(obj: CoordinatorMeeting) -> list[Any]:
        return list(obj.participants.all())

    @staticmethod
    def resolve_recorded_by(obj: CoordinatorMeeting) -> str:
        return obj.recorded_by.full_name if obj.recorded_by else ""


# --- input ---------------------------------------------------------------------------------------------------------


class PlanFilters(InputSchema):
    status: PlanStatus | None = None
    coordinator: RowId | None = Field(None, description="Plans of this coordinator (user id).")
    person: uuid.UUID | None = Field(None, description="Plans of this person.")
    mine: bool = Field(False, description="Only the plans I coordinate.")


class PlanPurposeQuery(InputSchema):
    purpose: AccessPurpose | None = Field(
        None, description="Why the plan is read; stored in the audit trail (default: the IPUS)."
    )


class PlanCreateIn(InputSchema):
    person_id: uuid.UUID
    coordinator_id: RowId | None = Field(None, description="Default: you.")
    application_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    applied_on: PlanDate | None = Field(
        None, description="When the application was filed; default: the earliest of the applications."
    )
    starts_on: PlanDate
    ends_on: PlanDate = Field(description="At most one year after the start (art. 40 ust. 2).")
    needs_summary: str = Field("", max_length=20000, description="Default: the needs assessments' findings.")


class PlanPatchIn(InputSchema):
    coordinator_id: RowId | None = None
    application_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    applied_on: PlanDate | None = None
    starts_on: PlanDate | None = None
    ends_on: PlanDate | None = None
    needs_summary: str | None = Field(None, max_length=20000)


class PlanNeedIn(InputSchema):
    description: str = Field(max_length=5000)
    area_id: uuid.UUID | None = Field(None, description="A term of the service-area taxonomy.")
    position: int = Field(0, ge=0, le=1000)


class PlanNeedPatchIn(InputSchema):
    description: str | None = Field(None, max_length=5000)
    area_id: uuid.UUID | None = None
    position: int | None = Field(None, ge=0, le=1000)


class PlanGoalIn(InputSchema):
    description: str = Field(max_length=5000)
    indicator: str = Field(max_length=300, description="How progress is measured.")
    baseline: str = Field("", max_length=100)
    target: str = Field(max_length=100)
    target_date: PlanDate = Field(description="Within the plan's dates.")
    position: int = Field(0, ge=0, le=1000)


class PlanGoalPatchIn(InputSchema):
    description: str | None = Field(None, max_length=5000)
    indicator: str | None = Field(None, max_length=300)
    baseline: str | None = Field(None, max_length=100)
    target: str | None = Field(None, max_length=100)
    target_date: PlanDate | None = None
    position: int | None = Field(None, ge=0, le=1000)


class PlanItemIn(InputSchema):
    service_id: uuid.UUID = Field(description="A published service of the catalog; its provider delivers it.")
    location_id: uuid.UUID | None = Field(None, description="One of the service's places; empty: at home.")
    application_id: uuid.UUID | None = Field(None, description="The qualified application the fee comes from.")
    starts_on: PlanDate
    ends_on: PlanDate = Field(description="Within the plan's dates.")
    frequency: rules.Frequency = rules.Frequency.WEEKLY
    weekdays: list[int] = Field(default_factory=list, max_length=7, description="1 = Monday … 7 = Sunday.")
    time_from: datetime.time | None = None
    hours_per_visit: Decimal = Field(ge=Decimal("0.25"), le=Decimal("24"), max_digits=5, decimal_places=2)
    notes: str = Field("", max_length=5000)
    position: int = Field(0, ge=0, le=1000)


class PlanItemPatchIn(InputSchema):
    service_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    application_id: uuid.UUID | None = None
    starts_on: PlanDate | None = None
    ends_on: PlanDate | None = None
    frequency: rules.Frequency | None = None
    weekdays: list[int] | None = Field(None, max_length=7)
    time_from: datetime.time | None = None
    hours_per_visit: Decimal | None = Field(None, ge=Decimal("0.25"), le=Decimal("24"), max_digits=5, decimal_places=2)
    notes: str | None = Field(None, max_length=5000)
    position: int | None = Field(None, ge=0, le=1000)


class PlanItemEndIn(InputSchema):
    ended_on: PlanDate
    end_reason: str = Field("", max_length=300)


class PlanActivityIn(InputSchema):
    kind: ActivityKind
    description: str = Field(max_length=5000)
    who: str = Field("", max_length=200)
    starts_on: PlanDate | None = None
    ends_on: PlanDate | None = None


class PlanActivityPatchIn(InputSchema):
    kind: ActivityKind | None = None
    description: str | None = Field(None, max_length=5000)
    who: str | None = Field(None, max_length=200)
    starts_on: PlanDate | None = None
    ends_on: PlanDate | None = None


class PlanAgreementIn(InputSchema):
    agreed_on: PlanDate
    agreement_form: AgreementForm
    agreement_note: str = Field("", max_length=500)


class PlanSubmitIn(InputSchema):
    reason: str = Field("", max_length=5000, description="Required for an update: why the plan is updated.")


class PlanDecisionIn(InputSchema):
    note: str = Field("", max_length=5000, description="Required when returning for changes: what must change.")


class PlanCancelIn(InputSchema):
    reason: str = Field("", max_length=5000)


class PlanGoalOutcomeIn(InputSchema):
    goal_id: RowId
    status: GoalStatus


class PlanCloseIn(InputSchema):
    closed_on: PlanDate | None = Field(None, description="Default: today.")
    closing_reason: ClosingReason | None = None
    closing_reason_details: str = Field("", max_length=10000)
    closing_interview_on: PlanDate | None = Field(None, description="Required (art. 45).")
    closing_interview_notes: str = Field("", max_length=20000)
    course_description: str = Field(
        "", max_length=50000, description="The written description of the course and results (art. 45)."
    )
    goal_outcomes: list[PlanGoalOutcomeIn] = Field(
        default_factory=list, max_length=200, description="The outcome of every goal still open."
    )


class PlanNoteIn(InputSchema):
    kind: NoteKind = NoteKind.NOTE
    noted_on: PlanDate | None = Field(None, description="Default: today.")
    text: str = Field(max_length=20000)


class PlanGoalProgressIn(InputSchema):
    progress: int = Field(ge=0, le=100, description="Percent.")
    value: str = Field("", max_length=100)
    note: str = Field("", max_length=5000)
    status: GoalStatus | None = Field(None, description="Default: achieved at 100 %, otherwise unchanged.")
    noted_on: PlanDate | None = Field(None, description="Default: today.")


class PlanCompareQuery(PlanPurposeQuery):
    old: int | None = Field(None, ge=1, le=1000, description="The earlier version; default: the one before `new`.")
    new: int | None = Field(None, ge=1, le=1000, description="The later version; default: the latest.")


class PlanAuthorisationIn(InputSchema):
    municipality: str | None = Field(
        None, pattern=r"^\d{7}$", description="TERYT code; needed only when you direct more than one municipality."
    )
    delegate_id: RowId = Field(description="A services organiser of the centre.")
    document_reference: str = Field(max_length=100)
    granted_on: PlanDate
    valid_from: PlanDate
    valid_to: PlanDate | None = None


class PlanRevokeIn(InputSchema):
    revoked_on: PlanDate | None = Field(None, description="Default: today.")


class PlanMeetingIn(InputSchema):
    municipality: str | None = Field(
        None, pattern=r"^\d{7}$", description="TERYT code; needed only when you serve more than one municipality."
    )
    held_on: PlanDate
    participant_ids: list[RowId] = Field(default_factory=list, max_length=200)
    agenda: str = Field(max_length=20000)
    minutes: str = Field(max_length=50000)


# --- helpers -------------------------------------------------------------------------------------------------------


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _int_or_404(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise Http404(_("Not found."))
    return int(value)


GOAL_KEY = re.compile(r"^goal_\d+$")


@contextmanager
def _body_fields(**renamed: str) -> Iterator[None]:
    """Report a rule the services enforce at the request's own field name (``coordinator`` → ``coordinator_id``)."""
    try:
        yield
    except services.ApprovalRefused as exc:
        raise PermissionDenied(" ".join(exc.messages)) from None
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        errors: dict[str, list[Any]] = {}
        for field, messages in exc.error_dict.items():
            name = "goal_outcomes" if GOAL_KEY.match(field) else renamed.get(field, field)
            errors.setdefault(name, []).extend(messages)
        raise ValidationError(errors) from None


def _plans() -> Any:
    return ServicePlan.objects.select_related("person", "coordinator", "municipality")


def _plan(request: HttpRequest, plan_id: str, action: str = "view") -> ServicePlan:
    plan = access_object(request.user, ServicePlan, action, pk=_uuid_or_404(plan_id))
    return _plans().get(pk=plan.pk)


def _row(queryset: Any, pk: Any) -> Any:
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(_("Not found."))
    return row


def _user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("Unknown user.")})
    return user


def _applications(request: HttpRequest, ids: list[uuid.UUID]) -> list[Application]:
    found = list(Application.objects.restrict(request.user, "view").filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"application_ids": _("Unknown application.")})
    return found


def _content_values(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn the ``*_id`` fields of a content row's body into the objects the services take."""
    values: dict[str, Any] = {}
    lookups: dict[str, Any] = {
        "area_id": ("area", TaxonomyTerm.objects.all),
        "service_id": ("service", lambda: Service.objects.restrict(request.user, "view")),
        "location_id": ("location", lambda: Location.objects.restrict(request.user, "view")),
        "application_id": ("application", lambda: Application.objects.restrict(request.user, "view")),
    }
    for name, value in data.items():
        if name not in lookups:
            values[name] = value
            continue
        field, queryset = lookups[name]
        if value is None:
            values[field] = None
            continue
        found = queryset().filter(pk=value).first()
        if found is None:
            raise ValidationError({name: _("Unknown value: choose one from the list.")})
        values[field] = found
    return values


CONTENT_FIELDS = {
    "area": "area_id",
    "service": "service_id",
    "location": "location_id",
    "application": "application_id",
}


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(HOURS, rounding=ROUND_HALF_UP)


def _item_rows(plan: ServicePlan, items: list[PlanItem]) -> list[dict[str, Any]]:
    from cus.delivery.models import DeliveryRecord, RecordStatus

    # One aggregate for the whole plan: minutes delivered per item.
    delivered = {
        row["item"]: row["minutes"]
        for row in DeliveryRecord.objects.filter(item__plan=plan, status=RecordStatus.DELIVERED)
        .order_by()
        .values("item")
        .annotate(minutes=Sum("minutes"))
    }
    today = timezone.localdate()
    rows = []
    for item in items:
        hours = _hours(delivered.get(item.pk))
        so_far = rules.planned_hours(
            item.period, item.frequency, item.weekday_list, Decimal(item.hours_per_visit), until=today
        )
        rows.append(
            {
                "id": item.pk,
                "service_id": item.service_id,
                "service_name": item.service.name,
                "provider_id": item.provider_id,
                "provider_name": item.provider.name,
                "location_id": item.location_id,
                "location_name": str(item.location) if item.location_id else "",
                "application_id": item.application_id,
                "application_reference": item.application.reference if item.application else "",
                "starts_on": item.starts_on,
                "ends_on": item.ends_on,
                "status": item.status,
                "ended_on": item.ended_on,
                "end_reason": item.end_reason,
                "frequency": item.frequency,
                "weekdays": item.weekday_list,
                "time_from": item.time_from,
                "hours_per_visit": item.hours_per_visit,
                "planned_hours": item.planned_hours,
                "fee_per_month": item.fee_per_month,
                "delivered_hours": hours,
                "delivery_share": rules.delivery_share(hours, Decimal(item.planned_hours)),
                "planned_hours_so_far": so_far,
                "delivery_share_so_far": rules.delivery_share(hours, so_far),
                "notes": item.notes,
                "position": item.position,
            }
        )
    return rows


def _actions(user: Any, plan: ServicePlan) -> list[str]:
    def may(permission: str) -> bool:
        return has_permission(user, permission, plan.municipality_id)

    actions = []
    if plan.status in EDITABLE_STATUSES and may("plans.change_serviceplan"):
        actions += ["update", "agreement", "submit"]
    if plan.status in (PlanStatus.DRAFT, PlanStatus.SUBMITTED) and may("plans.change_serviceplan"):
        actions.append("cancel")
    awaiting = plan.status in (PlanStatus.SUBMITTED, PlanStatus.UPDATE_SUBMITTED)
    if awaiting and may("plans.approve_serviceplan") and services.approval_right(user, plan, timezone.localdate())[0]:
        actions += ["approve", "return"]
    if plan.status == PlanStatus.ACTIVE and may("plans.change_serviceplan"):
        actions.append("start_update")
    if plan.status in DELIVERING_STATUSES and may("plans.change_serviceplan"):
        actions.append("close")
    if plan.status != PlanStatus.CANCELLED and may("plans.add_monitoringnote"):
        actions.append("note")
    return actions


def _detail(request: HttpRequest, plan_pk: Any) -> ServicePlan:
    plan: Any = (
        _plans()
        .prefetch_related(
            Prefetch("applications", queryset=Application.objects.order_by("filed_at", "pk")),
            Prefetch("needs", queryset=Need.objects.select_related("area")),
            "goals",
            Prefetch(
                "items",
                queryset=PlanItem.objects.select_related("service", "provider", "location", "application"),
            ),
            "activities",
            Prefetch("versions", queryset=PlanVersion.objects.select_related("submitted_by", "delegation")),
        )
        .get(pk=plan_pk)
    )
    problems = services.submission_problems(plan) if plan.is_editable else {}
    plan.api_items = _item_rows(plan, list(plan.items.all()))
    plan.api_warnings = [str(message) for message in services.warnings(plan)]
    plan.api_problems = [{"field": field, "msg": str(msg)} for field, msg in problems.items()]
    plan.api_actions = _actions(request.user, plan)
    return plan  # type: ignore[no-any-return]


def _read(request: HttpRequest, plan: ServicePlan, purpose: AccessPurpose | None) -> None:
    """Write the read of the plan (a person's data) with its purpose; unless said otherwise, the plan itself."""
    record_access(actor=request.user, instance=plan, purpose=(purpose or AccessPurpose.IPUS).label)


def _municipality(request: HttpRequest, teryt: str | None, permission: str) -> Municipality:
    allowed = list(Municipality.objects.filter(pk__in=municipality_ids_for(request.user, permission)).order_by("pk"))
    if teryt:
        for municipality in allowed:
            if municipality.teryt == teryt:
                return municipality
        raise ValidationError({"municipality": _("Your roles do not cover this municipality.")})
    if len(allowed) == 1:
        return allowed[0]
    raise ValidationError({"municipality": _("Give the TERYT code of the municipality.")})


# --- the organiser's records: approval authorisations and coordinators' meetings (art. 41, 46) ----------------------
# (declared before /{plan_id} so that their paths are not taken for a plan's identifier)


@router.get(
    "/authorisations",
    response={200: list[PlanAuthorisationOut], **AUTH_ERRORS},
    summary="The director's written authorisations to approve plans (art. 41)",
)
@paginate(Pagination)
def authorisation_list(request: HttpRequest) -> Any:
    require_permission(request, "plans.view_approvaldelegation")
    return (
        ApprovalDelegation.objects.restrict(request.user, "view")
        .select_related("municipality", "delegate", "granted_by")
        .order_by("-valid_from", "pk")
    )


@router.post(
    "/authorisations",
    response={201: PlanAuthorisationOut, **BODY_ERRORS},
    summary="Authorise a services organiser to approve plans (the director)",
)
def authorisation_grant(request: HttpRequest, payload: PlanAuthorisationIn) -> Any:
    require_permission(request, "plans.add_approvaldelegation")
    municipality = _municipality(request, payload.municipality, "plans.add_approvaldelegation")
    with _body_fields(delegate="delegate_id"):
        delegation = services.delegation_grant(
            actor=request.user,
            municipality_id=municipality.pk,
            delegate=_user(payload.delegate_id, "delegate_id"),
            document_reference=payload.document_reference,
            granted_on=payload.granted_on,
            valid_from=payload.valid_from,
            valid_to=payload.valid_to,
        )
    return Status(201, delegation)


@router.post(
    "/authorisations/{authorisation_id}/revoke",
    response={200: PlanAuthorisationOut, **BODY_DETAIL_ERRORS},
    summary="Revoke an authorisation (the director)",
)
def authorisation_revoke(request: HttpRequest, authorisation_id: str, payload: PlanRevokeIn) -> Any:
    require_permission(request, "plans.change_approvaldelegation")
    delegation = access_object(request.user, ApprovalDelegation, "change", pk=_int_or_404(authorisation_id))
    if delegation.revoked_on is not None:
        raise ValidationError({"revoked_on": _("The authorisation was already revoked.")})
    services.delegation_revoke(
        actor=request.user, delegation=delegation, revoked_on=payload.revoked_on or timezone.localdate()
    )
    return ApprovalDelegation.objects.select_related("municipality", "delegate", "granted_by").get(pk=delegation.pk)


@router.get(
    "/meetings",
    response={200: list[PlanMeetingOut], **AUTH_ERRORS},
    summary="Coordinators' meetings (art. 46 ust. 2: at least every 3 months)",
)
@paginate(Pagination)
def meeting_list(request: HttpRequest) -> Any:
    require_permission(request, "plans.view_coordinatormeeting")
    return (
        CoordinatorMeeting.objects.restrict(request.user, "view")
        .select_related("municipality", "recorded_by")
        .prefetch_related(Prefetch("participants", queryset=User.objects.order_by(Alphabetical("full_name"), "pk")))
        .order_by("-held_on", "pk")
    )


@router.post(
    "/meetings",
    response={201: PlanMeetingOut, **BODY_ERRORS},
    summary="Record the minutes of a coordinators' meeting",
)
def meeting_create(request: HttpRequest, payload: PlanMeetingIn) -> Any:
    require_permission(request, "plans.add_coordinatormeeting")
    municipality = _municipality(request, payload.municipality, "plans.add_coordinatormeeting")
    centre = Centre.objects.filter(municipalities=municipality).order_by("pk").first()
    if centre is None:
        raise ValidationError({"municipality": _("No centre serves this municipality.")})
    participants = list(User.objects.filter(pk__in=payload.participant_ids, is_active=True))
    if len(participants) != len(set(payload.participant_ids)):
        raise ValidationError({"participant_ids": _("Unknown user.")})
    with _body_fields(participants="participant_ids"):
        meeting = services.meeting_record(
            actor=request.user,
            centre=centre,
            municipality_id=municipality.pk,
            held_on=payload.held_on,
            participants=participants,
            agenda=payload.agenda,
            minutes=payload.minutes,
        )
    return Status(201, meeting)


# --- the half-year summary of all plans (art. 46 ust. 1) -----------------------------------------------------------


class PlanSummaryTallyOut(Schema):
    key: str
    label: str
    count: int


class PlanSummaryServiceOut(Schema):
    service_id: uuid.UUID
    service: str
    provider: str
    items: int
    planned_hours: Decimal
    delivered_hours: Decimal
    share: Decimal | None = Field(description="Delivered hours as a percentage of planned hours.")


class PlanSummaryGoalsOut(Schema):
    set: int = Field(description="Goals of the plans in the half-year.")
    achieved: int
    partly: int
    not_achieved: int
    open: int


class PlanSummarySectionOut(Schema):
    municipality: str = Field(description="TERYT code; empty for the total of all municipalities.")
    name: str
    plans: int
    by_status: list[PlanSummaryTallyOut]
    new_plans: int
    closed: int
    closed_by_reason: list[PlanSummaryTallyOut]
    drawn_up: int
    drawn_up_late: int = Field(description="Drawn up after the 30 days (art. 40 ust. 1).")
    overdue_not_drawn_up: int
    services: list[PlanSummaryServiceOut]
    goals: PlanSummaryGoalsOut
    planned_hours: Decimal
    delivered_hours: Decimal
    share: Decimal | None

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.teryt if obj.municipality else ""


class PlanSummaryMeetingOut(Schema):
    id: int
    held_on: datetime.date
    agenda: str


class PlanSummaryOut(Schema):
    half: str = Field(description="The half-year, e.g. 2026-1 (January–June) or 2026-2 (July–December).")
    starts_on: datetime.date
    ends_on: datetime.date
    joint: bool = Field(description="More than one municipality (a joint CUS): a section for each.")
    total: PlanSummarySectionOut
    municipalities: list[PlanSummarySectionOut]
    meetings: list[PlanSummaryMeetingOut] = Field(description="Coordinators' meetings held in the half-year.")
    generated_at: datetime.datetime

    @staticmethod
    def resolve_half(obj: Any) -> str:
        return obj.key  # type: ignore[no-any-return]

    @staticmethod
    def resolve_starts_on(obj: Any) -> datetime.date:
        return obj.period.starts_on  # type: ignore[no-any-return]

    @staticmethod
    def resolve_ends_on(obj: Any) -> datetime.date:
        return obj.period.ends_on  # type: ignore[no-any-return]

    @staticmethod
    def resolve_joint(obj: Any) -> bool:
        return obj.is_joint  # type: ignore[no-any-return]


class PlanSummaryQuery(InputSchema):
    half: str | None = Field(
        None, pattern=r"^20\d\d-[12]$", description="The half-year, e.g. 2026-1; default: the current one."
    )
    municipality: str | None = Field(None, pattern=r"^\d{7}$", description="Only this municipality (TERYT code).")


@router.get(
    "/summary",
    response={200: PlanSummaryOut, **AUTH_ERRORS},
    summary="The summary of all plans for a half-year: statuses, services, goals, delivery shares (art. 46 ust. 1)",
)
def plan_summary(request: HttpRequest, query: Query[PlanSummaryQuery]) -> Any:
    from cus.plans import summary  # the organiser's pages compute the same summary

    require_permission(request, "plans.summarise_serviceplan")
    period = summary.parse_half(query.half) if query.half else rules.half_year(timezone.localdate())
    if period is None:
        raise ValidationError({"half": _("Give the half-year as YYYY-1 or YYYY-2.")})
    municipality_ids = None
    if query.municipality:
        municipality_ids = list(Municipality.objects.filter(teryt=query.municipality).values_list("pk", flat=True))
        if not summary.summary_municipality_ids(request.user, municipality_ids):
            message = _("Your roles do not cover this municipality.")
            raise QueryError([{"loc": ["query", "municipality"], "msg": message, "type": "value_error"}])
    return summary.half_year_summary(request.user, period, municipality_ids)


# --- plans ---------------------------------------------------------------------------------------------------------


@router.get("", response={200: list[PlanOut], **AUTH_ERRORS}, summary="Plans, the nearest end first")
@paginate(Pagination)
def plan_list(request: HttpRequest, filters: Query[PlanFilters]) -> Any:
    require_permission(request, "plans.view_serviceplan")
    plans = ServicePlan.objects.restrict(request.user, "view").select_related("person", "coordinator", "municipality")
    if filters.status:
        plans = plans.filter(status=filters.status.value)
    if filters.coordinator is not None:
        plans = plans.filter(coordinator_id=filters.coordinator)
    if filters.person is not None:
        plans = plans.filter(person_id=filters.person)
    if filters.mine:
        plans = plans.filter(coordinator_id=request.user.pk)
    return plans.order_by("ends_on", "reference", "pk")


@router.post("", response={201: PlanDetailOut, **BODY_ERRORS}, summary="Open a plan for a person (art. 38)")
def plan_create(request: HttpRequest, payload: PlanCreateIn) -> Any:
    require_permission(request, "plans.add_serviceplan")
    person = Person.objects.restrict(request.user, "view").filter(pk=payload.person_id).first()
    if person is None or not has_permission(request.user, "plans.add_serviceplan", person.municipality_id):
        raise ValidationError({"person_id": _("Unknown person.")})
    coordinator = _user(payload.coordinator_id, "coordinator_id") or request.user
    applications = _applications(request, payload.application_ids)
    with _body_fields(coordinator="coordinator_id", applications="application_ids", person="person_id"):
        plan = services.plan_create(
            actor=request.user,
            person=person,
            coordinator=coordinator,
            applications=applications,
            applied_on=payload.applied_on,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            needs_summary=payload.needs_summary,
        )
    return Status(201, _detail(request, plan.pk))


@router.get(
    "/{plan_id}",
    response={200: PlanDetailOut, **DETAIL_ERRORS},
    summary="One plan in full (the read is written to the audit trail with its purpose)",
)
def plan_detail(request: HttpRequest, plan_id: str, query: Query[PlanPurposeQuery]) -> Any:
    require_permission(request, "plans.view_serviceplan")
    plan = _plan(request, plan_id)
    _read(request, plan, query.purpose)
    return _detail(request, plan.pk)


@router.patch(
    "/{plan_id}",
    response={200: PlanDetailOut, **BODY_DETAIL_ERRORS},
    summary="Change the period, needs, coordinator or applications",
)
def plan_update(request: HttpRequest, plan_id: str, payload: PlanPatchIn) -> Any:
    require_permission(request, "plans.change_serviceplan")
    plan = _plan(request, plan_id, "change")
    data = payload.model_dump(exclude_unset=True)
    applications = None
    if "application_ids" in data:
        applications = _applications(request, data.pop("application_ids") or [])
    if "coordinator_id" in data:
        coordinator = _user(data.pop("coordinator_id"), "coordinator_id")
        if coordinator is None:
            raise ValidationError({"coordinator_id": _("A plan always has a coordinator.")})
        data["coordinator"] = coordinator
    for name in ("starts_on", "ends_on", "applied_on", "needs_summary"):
        if name in data and data[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    with _body_fields(coordinator="coordinator_id", applications="application_ids"):
        services.plan_update(actor=request.user, plan=plan, applications=applications, **data)
    return _detail(request, plan.pk)


# --- content: needs, goals, items, supporting activities -----------------------------------------------------------


def _content_save(
    request: HttpRequest, plan: ServicePlan, saver: Any, row_arg: str, row: Any, *, data: dict[str, Any]
) -> Any:
    values = _content_values(request, data)
    kwargs = {row_arg: row} if row is not None else {}
    with _body_fields(**CONTENT_FIELDS):
        return saver(actor=request.user, plan=plan, **kwargs, **values)


def _content_row(request: HttpRequest, plan_id: str, model: type, row_id: str) -> tuple[ServicePlan, Any]:
    plan = _plan(request, plan_id, "change")
    pk = _uuid_or_404(row_id) if model is PlanItem else _int_or_404(row_id)
    row = _row(model.objects.filter(plan=plan), pk)  # type: ignore[attr-defined]
    return plan, row


@router.post("/{plan_id}/needs", response={201: PlanNeedOut, **BODY_DETAIL_ERRORS}, summary="Add a need")
def need_create(request: HttpRequest, plan_id: str, payload: PlanNeedIn) -> Any:
    require_permission(request, "plans.add_need")
    need = _content_save(
        request, _plan(request, plan_id, "change"), services.need_save, "need", None, data=payload.model_dump()
    )
    return Status(201, need)


@router.patch("/{plan_id}/needs/{need_id}", response={200: PlanNeedOut, **BODY_DETAIL_ERRORS}, summary="Change a need")
def need_update(request: HttpRequest, plan_id: str, need_id: str, payload: PlanNeedPatchIn) -> Any:
    require_permission(request, "plans.change_need")
    plan, need = _content_row(request, plan_id, Need, need_id)
    return _content_save(request, plan, services.need_save, "need", need, data=payload.model_dump(exclude_unset=True))


@router.delete("/{plan_id}/needs/{need_id}", response={204: None, **DETAIL_ERRORS}, summary="Remove a need")
def need_delete(request: HttpRequest, plan_id: str, need_id: str) -> Any:
    require_permission(request, "plans.delete_need")
    _plan_row, need = _content_row(request, plan_id, Need, need_id)
    services.content_remove(actor=request.user, instance=need)
    return Status(204, None)


@router.post("/{plan_id}/goals", response={201: PlanGoalOut, **BODY_DETAIL_ERRORS}, summary="Add a goal")
def goal_create(request: HttpRequest, plan_id: str, payload: PlanGoalIn) -> Any:
    require_permission(request, "plans.add_goal")
    goal = _content_save(
        request, _plan(request, plan_id, "change"), services.goal_save, "goal", None, data=payload.model_dump()
    )
    return Status(201, goal)


@router.patch("/{plan_id}/goals/{goal_id}", response={200: PlanGoalOut, **BODY_DETAIL_ERRORS}, summary="Change a goal")
def goal_update(request: HttpRequest, plan_id: str, goal_id: str, payload: PlanGoalPatchIn) -> Any:
    require_permission(request, "plans.change_goal")
    plan, goal = _content_row(request, plan_id, Goal, goal_id)
    return _content_save(request, plan, services.goal_save, "goal", goal, data=payload.model_dump(exclude_unset=True))


@router.delete(
    "/{plan_id}/goals/{goal_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Remove a goal (one with progress notes stays)",
)
def goal_delete(request: HttpRequest, plan_id: str, goal_id: str) -> Any:
    require_permission(request, "plans.delete_goal")
    _plan_row, goal = _content_row(request, plan_id, Goal, goal_id)
    services.content_remove(actor=request.user, instance=goal)
    return Status(204, None)


@router.post(
    "/{plan_id}/items",
    response={201: PlanItemOut, **BODY_DETAIL_ERRORS},
    summary="Plan a service: a catalog service at a place, on a schedule, with the fee from the qualification",
)
def item_create(request: HttpRequest, plan_id: str, payload: PlanItemIn) -> Any:
    require_permission(request, "plans.add_planitem")
    item = _content_save(
        request, _plan(request, plan_id, "change"), services.item_save, "item", None, data=payload.model_dump()
    )
    return Status(201, _item_out(item))


@router.patch(
    "/{plan_id}/items/{item_id}", response={200: PlanItemOut, **BODY_DETAIL_ERRORS}, summary="Change a planned service"
)
def item_update(request: HttpRequest, plan_id: str, item_id: str, payload: PlanItemPatchIn) -> Any:
    require_permission(request, "plans.change_planitem")
    plan, item = _content_row(request, plan_id, PlanItem, item_id)
    saved = _content_save(request, plan, services.item_save, "item", item, data=payload.model_dump(exclude_unset=True))
    return _item_out(saved)


@router.delete(
    "/{plan_id}/items/{item_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Remove a planned service (one with recorded visits is ended instead)",
)
def item_delete(request: HttpRequest, plan_id: str, item_id: str) -> Any:
    require_permission(request, "plans.delete_planitem")
    _plan_row, item = _content_row(request, plan_id, PlanItem, item_id)
    services.content_remove(actor=request.user, instance=item)
    return Status(204, None)


@router.post(
    "/{plan_id}/items/{item_id}/end",
    response={200: PlanItemOut, **BODY_DETAIL_ERRORS},
    summary="End a planned service early (e.g. the person went into hospital)",
)
def item_end(request: HttpRequest, plan_id: str, item_id: str, payload: PlanItemEndIn) -> Any:
    require_permission(request, "plans.change_planitem")
    _plan_row, item = _content_row(request, plan_id, PlanItem, item_id)
    saved = services.item_end(actor=request.user, item=item, ended_on=payload.ended_on, reason=payload.end_reason)
    return _item_out(saved)


def _item_out(item: PlanItem) -> dict[str, Any]:
    fresh = PlanItem.objects.select_related("plan", "service", "provider", "location", "application").get(pk=item.pk)
    return _item_rows(fresh.plan, [fresh])[0]


@router.post(
    "/{plan_id}/activities",
    response={201: PlanActivityOut, **BODY_DETAIL_ERRORS},
    summary="Add a supporting activity (volunteer or neighbour help, a self-help group)",
)
def activity_create(request: HttpRequest, plan_id: str, payload: PlanActivityIn) -> Any:
    require_permission(request, "plans.add_supportingactivity")
    activity = _content_save(
        request, _plan(request, plan_id, "change"), services.activity_save, "activity", None, data=payload.model_dump()
    )
    return Status(201, activity)


@router.patch(
    "/{plan_id}/activities/{activity_id}",
    response={200: PlanActivityOut, **BODY_DETAIL_ERRORS},
    summary="Change a supporting activity",
)
def activity_update(request: HttpRequest, plan_id: str, activity_id: str, payload: PlanActivityPatchIn) -> Any:
    require_permission(request, "plans.change_supportingactivity")
    plan, activity = _content_row(request, plan_id, SupportingActivity, activity_id)
    data = payload.model_dump(exclude_unset=True)
    return _content_save(request, plan, services.activity_save, "activity", activity, data=data)


@router.delete(
    "/{plan_id}/activities/{activity_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Remove a supporting activity",
)
def activity_delete(request: HttpRequest, plan_id: str, activity_id: str) -> Any:
    require_permission(request, "plans.delete_supportingactivity")
    _plan_row, activity = _content_row(request, plan_id, SupportingActivity, activity_id)
    services.content_remove(actor=request.user, instance=activity)
    return Status(204, None)


# --- agreement, submission, approval, updates, closing -------------------------------------------------------------


@router.post(
    "/{plan_id}/agreement",
    response={200: PlanDetailOut, **BODY_DETAIL_ERRORS},
    summary="Record the person's agreement to the plan (art. 38 ust. 1)",
)
def plan_agreement(request: HttpRequest, plan_id: str, payload: PlanAgreementIn) -> Any:
    require_permission(request, "plans.change_serviceplan")
    plan = _plan(request, plan_id, "change")
    services.record_agreement(
        actor=request.user,
        plan=plan,
        agreed_on=payload.agreed_on,
        form=payload.agreement_form.value,
        note=payload.agreement_note,
    )
    return _detail(request, plan.pk)


@router.post(
    "/{plan_id}/submit",
    response={200: PlanVersionDetailOut, **BODY_DETAIL_ERRORS},
    summary="Freeze the content as a version and send it for approval (art. 41)",
)
def plan_submit(request: HttpRequest, plan_id: str, payload: PlanSubmitIn) -> Any:
    require_permission(request, "plans.change_serviceplan")
    plan = _plan(request, plan_id, "change")
    version = services.submit(actor=request.user, plan=plan, reason=payload.reason)
    return PlanVersion.objects.select_related("submitted_by", "delegation").get(pk=version.pk)


@router.post(
    "/{plan_id}/approve",
    response={200: PlanVersionDetailOut, **BODY_DETAIL_ERRORS},
    summary="Approve the version awaiting approval (the director, or a services organiser with an authorisation)",
)
def plan_approve(request: HttpRequest, plan_id: str, payload: PlanDecisionIn) -> Any:
    require_permission(request, "plans.approve_serviceplan")
    plan = _plan(request, plan_id)
    with _body_fields():
        version = services.approve(actor=request.user, plan=plan, note=payload.note)
    return PlanVersion.objects.select_related("submitted_by", "delegation").get(pk=version.pk)


@router.post(
    "/{plan_id}/return",
    response={200: PlanVersionDetailOut, **BODY_DETAIL_ERRORS},
    summary="Return the version awaiting approval for changes (with a note of what must change)",
)
def plan_return(request: HttpRequest, plan_id: str, payload: PlanDecisionIn) -> Any:
    require_permission(request, "plans.approve_serviceplan")
    plan = _plan(request, plan_id)
    with _body_fields():
        version = services.return_for_changes(actor=request.user, plan=plan, note=payload.note)
    return PlanVersion.objects.select_related("submitted_by", "delegation").get(pk=version.pk)


@router.post(
    "/{plan_id}/start-update",
    response={200: PlanDetailOut, **DETAIL_ERRORS},
    summary="Begin an update of an approved plan: a new version that needs approval again",
)
def plan_start_update(request: HttpRequest, plan_id: str) -> Any:
    require_permission(request, "plans.change_serviceplan")
    plan = _plan(request, plan_id, "change")
    services.start_update(actor=request.user, plan=plan)
    return _detail(request, plan.pk)


@router.post(
    "/{plan_id}/cancel",
    response={200: PlanDetailOut, **BODY_DETAIL_ERRORS},
    summary="Cancel a plan never approved (an approved plan is closed)",
)
def plan_cancel(request: HttpRequest, plan_id: str, payload: PlanCancelIn) -> Any:
    require_permission(request, "plans.change_serviceplan")
    plan = _plan(request, plan_id, "change")
    services.cancel(actor=request.user, plan=plan, reason=payload.reason)
    return _detail(request, plan.pk)


@router.post(
    "/{plan_id}/close",
    response={200: PlanDetailOut, **BODY_DETAIL_ERRORS},
    summary="Close the plan after the closing interview, with the description of its course and results (art. 45)",
)
def plan_close(request: HttpRequest, plan_id: str, payload: PlanCloseIn) -> Any:
    require_permission(request, "plans.change_serviceplan")
    plan = _plan(request, plan_id, "change")
    goal_ids = set(plan.goals.values_list("pk", flat=True))
    unknown = [outcome.goal_id for outcome in payload.goal_outcomes if outcome.goal_id not in goal_ids]
    if unknown:
        raise ValidationError({"goal_outcomes": _("Unknown goal: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}})
    with _body_fields():
        services.close(
            actor=request.user,
            plan=plan,
            closed_on=payload.closed_on or timezone.localdate(),
            reason=payload.closing_reason.value if payload.closing_reason else "",
            reason_details=payload.closing_reason_details,
            interview_on=payload.closing_interview_on,
            interview_notes=payload.closing_interview_notes,
            course_description=payload.course_description,
            goal_outcomes={outcome.goal_id: outcome.status.value for outcome in payload.goal_outcomes},
        )
    return _detail(request, plan.pk)


# --- monitoring ----------------------------------------------------------------------------------------------------


@router.get(
    "/{plan_id}/notes", response={200: list[PlanNoteOut], **DETAIL_ERRORS}, summary="Monitoring notes and contacts"
)
@paginate(Pagination)
def note_list(request: HttpRequest, plan_id: str, query: Query[PlanPurposeQuery]) -> Any:
    require_permission(request, "plans.view_monitoringnote")
    plan = _plan(request, plan_id)
    _read(request, plan, query.purpose)
    return MonitoringNote.objects.filter(plan=plan).select_related("author").order_by("-noted_on", "-pk")


@router.post(
    "/{plan_id}/notes",
    response={201: PlanNoteOut, **BODY_DETAIL_ERRORS},
    summary="Add a monitoring note or contact (art. 44)",
)
def note_create(request: HttpRequest, plan_id: str, payload: PlanNoteIn) -> Any:
    require_permission(request, "plans.add_monitoringnote")
    plan = _plan(request, plan_id, "change")
    note = services.note_add(
        actor=request.user, plan=plan, kind=payload.kind.value, text=payload.text, noted_on=payload.noted_on
    )
    return Status(201, note)


@router.get(
    "/{plan_id}/goals/{goal_id}/progress",
    response={200: list[PlanGoalProgressOut], **DETAIL_ERRORS},
    summary="Progress noted on a goal, the latest first",
)
@paginate(Pagination)
def goal_progress_list(request: HttpRequest, plan_id: str, goal_id: str, query: Query[PlanPurposeQuery]) -> Any:
    require_permission(request, "plans.view_goalprogress")
    plan = _plan(request, plan_id)
    _read(request, plan, query.purpose)
    goal = _row(Goal.objects.filter(plan=plan), _int_or_404(goal_id))
    return GoalProgress.objects.filter(goal=goal).select_related("author").order_by("-noted_on", "-pk")


@router.post(
    "/{plan_id}/goals/{goal_id}/progress",
    response={201: PlanGoalProgressOut, **BODY_DETAIL_ERRORS},
    summary="Note progress on a goal (its progress and status follow the latest note)",
)
def goal_progress_create(request: HttpRequest, plan_id: str, goal_id: str, payload: PlanGoalProgressIn) -> Any:
    require_permission(request, "plans.add_goalprogress")
    plan = _plan(request, plan_id, "change")
    goal = _row(Goal.objects.filter(plan=plan), _int_or_404(goal_id))
    entry = services.goal_progress(
        actor=request.user,
        goal=goal,
        progress=payload.progress,
        value=payload.value,
        note=payload.note,
        status=payload.status.value if payload.status else None,
        noted_on=payload.noted_on,
    )
    return Status(201, entry)


# --- versions ------------------------------------------------------------------------------------------------------


def _versions(request: HttpRequest, plan_id: str, purpose: AccessPurpose | None = None, *, read: bool = True) -> Any:
    plan = _plan(request, plan_id)
    if read:
        _read(request, plan, purpose)
    return PlanVersion.objects.filter(plan=plan).select_related("submitted_by", "delegation")


@router.get(
    "/{plan_id}/versions",
    response={200: list[PlanVersionOut], **DETAIL_ERRORS},
    summary="The plan's versions: the first and every update",
)
def version_list(request: HttpRequest, plan_id: str) -> Any:
    require_permission(request, "plans.view_planversion")
    return list(_versions(request, plan_id, read=False).order_by("number", "submitted_at"))


@router.get(
    "/{plan_id}/versions/compare",
    response={200: list[PlanDifferenceOut], **DETAIL_ERRORS},
    summary="What changed between two versions",
)
def version_compare(request: HttpRequest, plan_id: str, query: Query[PlanCompareQuery]) -> Any:
    require_permission(request, "plans.view_planversion")
    found = {version.number: version for version in _versions(request, plan_id, query.purpose).order_by("submitted_at")}
    new_number = query.new or max(found, default=0)
    old_number = query.old or max([number for number in found if number < new_number], default=new_number)
    missing = [number for number in (old_number, new_number) if number not in found]
    if missing:
        raise Http404(_("The plan has no version %(number)s.") % {"number": missing[0]})
    return [
        difference.__dict__ for difference in versions.compare(found[old_number].content, found[new_number].content)
    ]


@router.get(
    "/{plan_id}/versions/{number}",
    response={200: PlanVersionDetailOut, **DETAIL_ERRORS},
    summary="One version's frozen content",
)
def version_detail(request: HttpRequest, plan_id: str, number: str, query: Query[PlanPurposeQuery]) -> Any:
    require_permission(request, "plans.view_planversion")
    found = (
        _versions(request, plan_id, query.purpose).filter(number=_int_or_404(number)).order_by("-submitted_at").first()
    )
    if found is None:
        raise Http404(_("Not found."))
    return found
