"""Staff API of applications (/api/v1/qualification/applications/...): the same services, permissions and rules as
the screens. A transition the workflow does not allow now answers 422 at ``loc: ["body", "state"]`` with type
``transition``; a missing or wrong field of an action at ``loc: ["body", <field>]``."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations in the wrapper's module.

import datetime
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cus.accounts.permissions import has_permission
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
from cus.core.pdf import pdf_response
from cus.qualification import application_services as services
from cus.qualification import documents, queries
from cus.qualification.applications import (
    LIABILITY_CLAUSE,
    ApplicantRelation,
    Application,
    Attachment,
    Channel,
    Decision,
    State,
)
from cus.residents.models import Person

router = Router(tags=["applications"])
READ_PURPOSE = "Handling an application"


class Queue(StrEnum):
    NEW = "new"
    OVERDUE = "overdue"
    WAITING = "waiting"
    ASSESSMENT = "assessment"
    OPEN = "open"
    ALL = "all"


class Action(StrEnum):
    ACCEPT_AS_COMPLETE = "accept_as_complete"
    REQUEST_DOCUMENTS = "request_documents"
    START_ASSESSMENT = "start_assessment"
    RECORD_ASSESSMENT = "record_assessment"
    START_INTERVIEW = "start_interview"
    RECORD_INTERVIEW = "record_interview"
    QUALIFY = "qualify"
    PUT_ON_WAITING_LIST = "put_on_waiting_list"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    LEAVE_UNEXAMINED = "leave_unexamined"
    RESIGN = "resign"
    END = "end"
    NOTE = "note"


# The fields each action needs in its body.
REQUIRED = {
    Action.REQUEST_DOCUMENTS: ("deadline", "documents"),
    Action.RECORD_ASSESSMENT: ("held_on", "findings"),
    Action.RECORD_INTERVIEW: ("held_on", "findings"),
    Action.QUALIFY: ("units_per_month",),
    Action.REFUSE: ("facts",),
    Action.RESIGN: ("resigned_on",),
    Action.NOTE: ("note",),
}


# --- output --------------------------------------------------------------------------------------------------------


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str = Field(alias="actor_label")
    at: datetime.datetime
    note: str


class AttachmentOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime


class DecisionOut(Schema):
    id: uuid.UUID
    kind: str
    number: str
    issued_on: datetime.date
    authority: str
    parties: str
    legal_basis: str
    operative_part: str
    justification_facts: str
    justification_law: str
    appeal_instruction: str
    recipients: str
    signatory_name: str
    signatory_post: str


class ApplicationOut(Schema):
    id: uuid.UUID
    reference: str
    municipality: str = Field(description="TERYT code.")
    person_id: uuid.UUID
    person_name: str
    applicant_id: uuid.UUID | None
    applicant_relation: ApplicantRelation
    programme_service_id: int
    service_name: str
    programme_id: int
    track: str
    channel: Channel
    filed_at: datetime.datetime
    state: State
    documents_requested: str
    documents_deadline: datetime.date | None
    statements: list[str]
    assessment_on: datetime.date | None
    interview_on: datetime.date | None
    income_month: datetime.date | None
    income_per_person: Decimal | None
    household_members: int | None
    single_person: bool | None
    criterion_amount: Decimal | None
    fee_table_id: uuid.UUID | None
    fee_band: str
    income_percent: Decimal | None
    fee_percent: Decimal | None
    fee_per_unit: Decimal | None
    units_per_month: Decimal | None
    fee_per_month: Decimal | None
    fee_computed_at: datetime.datetime | None
    priority: int
    qualified_on: datetime.date | None
    resigned_on: datetime.date | None
    email: str
    allowed_actions: list[str] = Field(description="Actions the workflow allows now and your roles permit.")

    @staticmethod
    def resolve_municipality(obj: Application) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_person_name(obj: Application) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_service_name(obj: Application) -> str:
        return obj.programme_service.service.name

    @staticmethod
    def resolve_programme_id(obj: Application) -> int:
        return obj.programme_service.programme_id

    @staticmethod
    def resolve_allowed_actions(obj: Application, context: Any) -> list[str]:
        user = context["request"].user
        return [
            name
            for name in services.available_actions(obj)
            if has_permission(user, services.permission_for(obj, name), obj.municipality_id)
        ]


class ApplicationDetailOut(ApplicationOut):
    assessment_notes: str
    interview_notes: str
    eligibility: list[dict[str, Any]]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    decisions: list[DecisionOut]
    letters: list[str] = Field(description="Letters that can be fetched as PDF: qualification, documents, waiting.")

    @staticmethod
    def resolve_events(obj: Application) -> list[Any]:
        return list(obj.events.order_by("at", "pk"))

    @staticmethod
    def resolve_attachments(obj: Application) -> list[Any]:
        return list(obj.attachments.order_by("uploaded_at", "pk"))

    @staticmethod
    def resolve_decisions(obj: Application) -> list[Any]:
        return list(obj.decisions.order_by("issued_on", "pk"))

    @staticmethod
    def resolve_letters(obj: Application) -> list[str]:
        return documents.letters_available(obj)


# --- input ---------------------------------------------------------------------------------------------------------


class ApplicationFilters(InputSchema):
    queue: Queue = Queue.OPEN
    sort: str = Field("-filed", pattern=r"^-?(filed|reference|person|state|deadline)$")
    q: str = Field("", max_length=100, description="Reference or the beginning of a surname.")


class ApplicationIn(InputSchema):
    programme_service_id: int
    person_id: uuid.UUID
    applicant_id: uuid.UUID | None = None
    applicant_relation: ApplicantRelation = ApplicantRelation.SELF
    filed_at: datetime.datetime | None = Field(None, description="When the paper application was received.")
    statements: list[str] = Field(
        default_factory=list,
        max_length=30,
        description=f"Each as the applicant signed it; the clause „{LIABILITY_CLAUSE}” is added when missing.",
    )
    email: str = Field("", max_length=254)
    priority: int = Field(0, ge=0, le=100)


class ActionIn(InputSchema):
    note: str = Field("", max_length=5000)
    deadline: datetime.date | None = None
    documents: str = Field("", max_length=5000)
    held_on: datetime.date | None = None
    findings: str = Field("", max_length=10000)
    units_per_month: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=2)
    priority: int | None = Field(None, ge=0, le=100)
    facts: str = Field("", max_length=10000)
    law: str = Field("", max_length=10000)
    resigned_on: datetime.date | None = None


# --- helpers -------------------------------------------------------------------------------------------------------


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _full(pk: Any) -> Application:
    return Application.objects.select_related(
        "person", "municipality", "programme_service__service", "programme_service__programme", "centre"
    ).get(pk=pk)


def _application(request: HttpRequest, application_id: str, action: str = "view") -> Application:
    return _full(access_object(request.user, Application, action, pk=_uuid_or_404(application_id)).pk)


def _person(request: HttpRequest, pk: uuid.UUID | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.restrict(request.user, "view").filter(pk=pk).first()
    if person is None:
        raise ValidationError({field: _("Unknown person.")})
    return person


# --- operations ----------------------------------------------------------------------------------------------------


@router.get("", response={200: list[ApplicationOut], **AUTH_ERRORS}, summary="The worker's queue of applications")
@paginate(Pagination)
def application_list(request: HttpRequest, filters: Query[ApplicationFilters]) -> Any:
    require_permission(request, "qualification.view_application")
    return queries.applications_for(request.user, queue=filters.queue.value, sort=filters.sort, q=filters.q)


@router.post("", response={201: ApplicationDetailOut, **BODY_ERRORS}, summary="Record a paper application")
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    require_permission(request, "qualification.add_application")
    service = queries.programme_services_open_for(request.user).filter(pk=payload.programme_service_id).first()
    if service is None:
        raise ValidationError({"programme_service_id": _("Unknown service, or its programme is not in force.")})
    person = _person(request, payload.person_id, "person_id")
    assert person is not None
    statements = [
        s.strip() if s.strip().endswith(LIABILITY_CLAUSE) else services.statement_text(s)
        for s in payload.statements
        if s.strip()
    ]
    application, _code = services.file_application(
        actor=request.user,
        person=person,
        programme_service=service,
        applicant=_person(request, payload.applicant_id, "applicant_id"),
        applicant_relation=payload.applicant_relation.value,
        channel=Channel.PAPER,
        filed_at=payload.filed_at,
        statements=statements,
        email=payload.email,
        priority=payload.priority,
    )
    return Status(201, _full(application.pk))


@router.get(
    "/{application_id}", response={200: ApplicationDetailOut, **DETAIL_ERRORS}, summary="One application, in full"
)
def application_detail(request: HttpRequest, application_id: str) -> Any:
    require_permission(request, "qualification.view_application")
    application = _application(request, application_id)
    record_access(actor=request.user, instance=application, purpose=READ_PURPOSE)
    return application


@router.post(
    "/{application_id}/actions/{action}",
    response={200: ApplicationDetailOut, **BODY_DETAIL_ERRORS},
    summary="Take an action of the workflow (qualify, refuse, request documents, ...)",
)
def application_action(request: HttpRequest, application_id: str, action: Action, payload: ActionIn) -> Any:
    require_permission(request, "qualification.view_application")
    application = _application(request, application_id)
    if not has_permission(
        request.user, services.permission_for(application, action.value), application.municipality_id
    ):
        raise PermissionDenied(_("Your roles do not allow this action."))
    data = payload.model_dump()
    missing = {
        name: _("This field is required for this action.") for name in REQUIRED.get(action, ()) if not data.get(name)
    }
    if missing:
        raise ValidationError(missing)
    services.perform(actor=request.user, application=application, action=action.value, data=data)
    return _full(application.pk)


@router.post(
    "/{application_id}/attachments",
    response={201: AttachmentOut, **BODY_DETAIL_ERRORS},
    summary="Attach a document (PDF, JPEG or PNG; multipart field `file`)",
)
def attachment_create(
    request: HttpRequest,
    application_id: str,
    file: File[UploadedFile | None] = None,
    description: Form[str] = "",
) -> Any:
    require_permission(request, "qualification.change_application")
    application = _application(request, application_id, "change")
    if file is None:
        raise ValidationError({"file": _("Choose a file.")})
    limit = services.attachment_max_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            {"file": _("The file is too big: at most %(limit)s MB.") % {"limit": limit // (1024 * 1024)}}
        )
    attachment = services.attach(
        actor=request.user,
        application=application,
        name=file.name or "document",
        content=file.read(),
        description=description,
    )
    return Status(201, attachment)


@router.get(
    "/{application_id}/attachments/{attachment_id}",
    response={200: None, **DETAIL_ERRORS},
    summary="Download an attachment",
)
def attachment_download(request: HttpRequest, application_id: str, attachment_id: str) -> Any:
    require_permission(request, "qualification.view_application")
    application = _application(request, application_id)
    item = Attachment.objects.filter(application=application, pk=_uuid_or_404(attachment_id)).first()
    if item is None:
        raise Http404(_("Not found."))
    record_access(actor=request.user, instance=item, purpose=READ_PURPOSE)
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, as_attachment=True, filename=item.name
    )
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/{application_id}/decisions/{decision_id}.pdf",
    response={200: None, **DETAIL_ERRORS},
    summary="A decision as PDF (in Polish)",
)
def decision_pdf(request: HttpRequest, application_id: str, decision_id: str) -> HttpResponse:
    require_permission(request, "qualification.view_application")
    application = _application(request, application_id)
    item = Decision.objects.filter(application=application, pk=_uuid_or_404(decision_id)).first()
    if item is None:
        raise Http404(_("Not found."))
    item.application = application
    record_access(actor=request.user, instance=item, purpose=READ_PURPOSE)
    return pdf_response(documents.decision_pdf(item), f"decyzja-{item.number}.pdf")


@router.get(
    "/{application_id}/letters/{kind}.pdf",
    response={200: None, **DETAIL_ERRORS},
    summary="A letter as PDF (in Polish): qualification, documents or waiting",
)
def letter_pdf(request: HttpRequest, application_id: str, kind: str) -> HttpResponse:
    require_permission(request, "qualification.view_application")
    application = _application(request, application_id)
    if kind not in documents.letters_available(application):
        raise Http404(_("This letter does not exist for the application in its present state."))
    record_access(actor=request.user, instance=application, purpose=READ_PURPOSE)
    user: Any = request.user
    return pdf_response(
        documents.letter_pdf(application, kind, signatory=user.get_full_name() or user.email),
        f"{kind}-{application.reference}.pdf",
    )
