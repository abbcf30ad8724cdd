"""Staff API of the residents register (/api/v1/residents/...): the same services, rules and audit as the screens."""

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

from cus.accounts.permissions import has_permission
from cus.core.access import access_object
from cus.core.api_schemas import (
    AUTH_ERRORS,
    BODY_DETAIL_ERRORS,
    BODY_ERRORS,
    DETAIL_ERRORS,
    ErrorItem,
    InputSchema,
    Pagination,
    require_permission,
)
from cus.core.models import Municipality
from cus.residents import queries, services
from cus.residents.models import (
    AccessPurpose,
    CertificateKind,
    Consent,
    ConsentForm,
    ConsentPurpose,
    DisabilityDegree,
    DocumentType,
    Household,
    HouseholdMember,
    IncomeDeclaration,
    IncomeSource,
    Person,
    Relation,
    Sex,
)

router = Router(tags=["residents"])


# --- output --------------------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: uuid.UUID
    municipality: str = Field(description="TERYT code of the municipality whose register holds the person.")
    pesel: str | None
    document_type: str
    document_number: str
    document_country: str
    first_name: str
    second_name: str
    last_name: str
    birth_date: datetime.date
    sex: Sex
    citizenship: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_municipality(obj: Person) -> str:
        return obj.municipality.teryt


class DisabilityCertificateOut(Schema):
    id: uuid.UUID
    kind: CertificateKind
    degree: str
    number: str
    issuing_body: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    permanent: bool
    status: str = Field(description="permanent, valid or expired (today).")


class ConsentOut(Schema):
    id: uuid.UUID
    purpose: ConsentPurpose
    form: ConsentForm
    given_at: datetime.datetime
    withdrawn_at: datetime.datetime | None
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Consent) -> str:
        return obj.recorded_by.get_full_name() if obj.recorded_by else ""


class AcknowledgementOut(Schema):
    id: uuid.UUID
    notice_version: int
    notice_title: str
    form: ConsentForm
    given_at: datetime.datetime

    @staticmethod
    def resolve_notice_version(obj: Any) -> int:
        return int(obj.notice.version)

    @staticmethod
    def resolve_notice_title(obj: Any) -> str:
        return str(obj.notice.title)


class PersonDetailOut(PersonOut):
    street: str
    building: str
    flat: str
    postal_code: str
    town: str
    residence_municipality: str | None = Field(description="TERYT code, when the person lives in one of them.")
    correspondence_address: str
    phone: str
    email: str
    notes: str
    household_id: uuid.UUID | None
    certificates: list[DisabilityCertificateOut]
    consents: list[ConsentOut]
    acknowledgements: list[AcknowledgementOut]
    created_at: datetime.datetime

    @staticmethod
    def resolve_residence_municipality(obj: Person) -> str | None:
        return obj.residence_municipality.teryt if obj.residence_municipality else None

    @staticmethod
    def resolve_household_id(obj: Person) -> uuid.UUID | None:
        membership = queries.current_membership(obj)
        return membership.household_id if membership else None

    @staticmethod
    def resolve_certificates(obj: Person) -> list[Any]:
        return list(obj.certificates.all())

    @staticmethod
    def resolve_consents(obj: Person) -> list[Any]:
        return list(obj.consents.select_related("recorded_by"))

    @staticmethod
    def resolve_acknowledgements(obj: Person) -> list[Any]:
        return list(obj.acknowledgements.select_related("notice"))


class MemberOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    name: str
    relation: Relation
    valid_from: datetime.date
    valid_to: datetime.date | None

    @staticmethod
    def resolve_name(obj: HouseholdMember) -> str:
        return obj.person.full_name


class IncomeOut(Schema):
    id: uuid.UUID
    member_id: uuid.UUID
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM.")
    net_amount: Decimal
    source: IncomeSource
    declared_on: datetime.date
    document_note: str
    corrected_at: datetime.datetime | None = Field(description="When the declaration was last corrected.")
    correction_reason: str = Field(description="Why it was last corrected; every correction is in the audit trail.")

    @staticmethod
    def resolve_month(obj: IncomeDeclaration) -> str:
        return obj.month.strftime("%Y-%m")


class HouseholdOut(Schema):
    id: uuid.UUID
    municipality: str
    notes: str
    members: list[MemberOut]

    @staticmethod
    def resolve_municipality(obj: Household) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_members(obj: Household) -> list[Any]:
        return list(queries.household_members(obj))


class HouseholdIncomeOut(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    members: int
    total: Decimal
    per_person: Decimal = Field(description="Total net income divided by the members, rounded to the grosz half up.")
    single_person: bool
    members_without_declaration: list[str]


class DuplicateOut(Schema):
    id: uuid.UUID
    name: str
    birth_date: datetime.date
    pesel: str = Field(description="Masked: the birth-date digits only.")
    url: str


class DuplicateErrorOut(Schema):
    detail: list[ErrorItem]
    duplicates: list[DuplicateOut]


class AccessLogOut(Schema):
    time: datetime.datetime
    action: str
    actor: str
    object: str
    purpose: str


class NoticeOut(Schema):
    id: uuid.UUID
    version: int
    title: str
    text: str
    published_at: datetime.datetime


# --- input ---------------------------------------------------------------------------------------------------------

NAME = Field(min_length=1, max_length=100)
COUNTRY = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 two-letter code.")


class _PersonFields(InputSchema):
    pesel: str | None = Field(None, max_length=11)
    document_type: DocumentType | None = None
    document_number: str | None = Field(None, max_length=40)
    document_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    first_name: str | None = Field(None, min_length=1, max_length=100)
    second_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=150)
    birth_date: datetime.date | None = Field(None, description="Derived from the PESEL; required without one.")
    sex: Sex | None = Field(None, description="Derived from the PESEL; required without one.")
    citizenship: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    street: str | None = Field(None, max_length=150)
    building: str | None = Field(None, max_length=20)
    flat: str | None = Field(None, max_length=20)
    postal_code: str | None = Field(None, max_length=6)
    town: str | None = Field(None, max_length=100)
    residence_municipality: str | None = Field(None, max_length=7, description="TERYT code.")
    correspondence_address: str | None = Field(None, max_length=500)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    notes: str | None = Field(None, max_length=5000)
    confirm_not_duplicate: bool = Field(
        False, description="Save although a likely duplicate was reported (the worker checked it is another person)."
    )


class PersonCreate(_PersonFields):
    municipality: str | None = Field(
        None, max_length=7, description="TERYT code of the register; may be left out when you keep only one."
    )
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=150)


class PersonPatch(_PersonFields):
    pass


class PersonSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    BIRTH_DATE = "birth_date"
    BIRTH_DATE_DESC = "-birth_date"
    CREATED = "created"
    CREATED_DESC = "-created"


class PersonFilters(InputSchema):
    q: str = Field("", max_length=200, description="Surname and/or first name prefix, or a full PESEL.")
    pesel: str = Field("", max_length=11, description="Exact PESEL.")
    birth_date: datetime.date | None = None
    sort: PersonSort = PersonSort.NAME


class PurposeQuery(InputSchema):
    purpose: AccessPurpose | None = Field(None, description="Why the record is read; stored in the audit trail.")


class DisabilityCertificateIn(InputSchema):
    kind: CertificateKind
    degree: DisabilityDegree | None = None
    number: str = Field(min_length=1, max_length=60)
    issuing_body: str = Field(min_length=1, max_length=200)
    issued_on: datetime.date
    valid_until: datetime.date | None = None
    permanent: bool = False


class ConsentIn(InputSchema):
    purpose: ConsentPurpose
    form: ConsentForm
    given_at: datetime.datetime | None = None


class AcknowledgementIn(InputSchema):
    form: ConsentForm
    given_at: datetime.datetime | None = None


class HouseholdIn(InputSchema):
    applicant_id: uuid.UUID
    valid_from: datetime.date | None = None
    notes: str = Field("", max_length=5000)


class MemberIn(InputSchema):
    person_id: uuid.UUID
    relation: Relation
    valid_from: datetime.date | None = None


class MemberEndIn(InputSchema):
    valid_to: datetime.date


NET_AMOUNT_DESCRIPTION = "Net income in PLN, 0 or more (a negative amount is refused with a message saying why)."


class IncomeIn(InputSchema):
    member_id: uuid.UUID
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM.")
    net_amount: Decimal = Field(max_digits=10, decimal_places=2, description=NET_AMOUNT_DESCRIPTION)
    source: IncomeSource
    declared_on: datetime.date | None = None
    document_note: str = Field("", max_length=250)


class IncomeCorrectionIn(InputSchema):
    reason: str = Field(min_length=1, max_length=500, description="Why the declaration is corrected (audited).")
    net_amount: Decimal | None = Field(None, max_digits=10, decimal_places=2, description=NET_AMOUNT_DESCRIPTION)
    source: IncomeSource | None = None
    document_note: str | None = Field(None, max_length=250)


class IncomeRemovalIn(InputSchema):
    reason: str = Field(min_length=1, max_length=500, description="Why the declaration was entered in error (audited).")


class MonthQuery(InputSchema):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default: last month.")


# --- helpers -------------------------------------------------------------------------------------------------------


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _person(request: HttpRequest, person_id: str, action: str = "view") -> Person:
    return access_object(request.user, Person, action, pk=_uuid_or_404(person_id))


def _register_municipality(request: HttpRequest, teryt: str | None) -> Municipality:
    from cus.accounts.permissions import municipality_ids_for

    allowed = list(Municipality.objects.filter(pk__in=municipality_ids_for(request.user, "residents.add_person")))
    if teryt:
        for municipality in allowed:
            if municipality.teryt == teryt:
                return municipality
        raise ValidationError({"municipality": _("You cannot add persons to the register of this municipality.")})
    if len(allowed) == 1:
        return allowed[0]
    raise ValidationError({"municipality": _("Give the TERYT code of the municipality whose register this is.")})


def _person_changes(data: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, raw in data.items():
        value: Any = raw
        if name == "residence_municipality":
            value = None
            if raw:
                value = Municipality.objects.filter(teryt=raw).first()
                if value is None:
                    raise ValidationError({name: _("Unknown municipality (TERYT): %(codes)s.") % {"codes": raw}})
        elif raw is None and name != "pesel":
            value = ""
        changes[name] = value.value if isinstance(value, StrEnum) else value
    return changes


def _duplicates_response(exc: services.LikelyDuplicateError) -> Any:
    from django.urls import reverse

    message = _(
        "A person with the same or a very similar name and the same date of birth is already registered. "
        "Check the records listed; if this is a different person, send the request again with "
        "confirm_not_duplicate set to true."
    )
    return Status(
        409,
        {
            "detail": [{"loc": ["body"], "msg": message, "type": "likely_duplicate"}],
            "duplicates": [
                {
                    "id": p.pk,
                    "name": p.full_name,
                    "birth_date": p.birth_date,
                    "pesel": p.masked_pesel,
                    "url": reverse("api-v1:residents_person_detail", kwargs={"person_id": p.pk}),
                }
                for p in exc.candidates
            ],
        },
    )


def _person_detail(person_pk: Any) -> Person:
    return Person.objects.select_related("municipality", "residence_municipality").get(pk=person_pk)


def _month(value: str) -> datetime.date:
    year, month = value.split("-")
    return datetime.date(int(year), int(month), 1)


# --- persons ----------------------------------------------------------------------------------------------------


@router.get("/persons", response={200: list[PersonOut], **AUTH_ERRORS}, summary="Search the register of persons")
@paginate(Pagination)
def person_list(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    require_permission(request, "residents.view_person")
    return queries.persons_for(
        request.user, q=filters.q, pesel=filters.pesel, birth_date=filters.birth_date, sort=filters.sort.value
    )


@router.post(
    "/persons",
    response={201: PersonDetailOut, 409: DuplicateErrorOut, **BODY_ERRORS},
    summary="Register a person (409 for a likely duplicate until confirmed)",
)
def person_create(request: HttpRequest, payload: PersonCreate) -> Any:
    require_permission(request, "residents.add_person")
    data = payload.model_dump(exclude_unset=True)
    municipality = _register_municipality(request, data.pop("municipality", None))
    confirm = data.pop("confirm_not_duplicate", False)
    try:
        person = services.person_create(
            actor=request.user, municipality=municipality, confirm_not_duplicate=confirm, **_person_changes(data)
        )
    except services.LikelyDuplicateError as exc:
        return _duplicates_response(exc)
    return Status(201, _person_detail(person.pk))


@router.get(
    "/persons/{person_id}",
    response={200: PersonDetailOut, **DETAIL_ERRORS},
    summary="One person's record (the read is written to the audit trail with its purpose)",
    url_name="residents_person_detail",
)
def person_detail(request: HttpRequest, person_id: str, query: Query[PurposeQuery]) -> Any:
    require_permission(request, "residents.view_person")
    person = _person(request, person_id)
    services.person_record_access(
        actor=request.user, person=person, purpose=query.purpose.value if query.purpose else None
    )
    return _person_detail(person.pk)


@router.patch(
    "/persons/{person_id}",
    response={200: PersonDetailOut, 409: DuplicateErrorOut, **BODY_DETAIL_ERRORS},
    summary="Change a person's data",
)
def person_update(request: HttpRequest, person_id: str, payload: PersonPatch) -> Any:
    require_permission(request, "residents.change_person")
    person = _person(request, person_id, "change")
    data = payload.model_dump(exclude_unset=True)
    confirm = data.pop("confirm_not_duplicate", False)
    for required in ("first_name", "last_name"):
        if required in data and data[required] is None:
            raise ValidationError({required: _("This field cannot be empty.")})
    try:
        services.person_update(
            actor=request.user, person=person, confirm_not_duplicate=confirm, **_person_changes(data)
        )
    except services.LikelyDuplicateError as exc:
        return _duplicates_response(exc)
    return _person_detail(person.pk)


@router.get(
    "/persons/{person_id}/export",
    response={200: dict[str, Any], **DETAIL_ERRORS},
    summary="Everything about a person (GDPR art. 15 and 20), for the director",
)
def person_export(request: HttpRequest, person_id: str) -> Any:
    require_permission(request, "residents.export_person")
    person = _person(request, person_id, "export")
    services.person_record_access(
        actor=request.user, person=person, purpose=services.AccessPurpose.DATA_SUBJECT_REQUEST
    )
    return queries.person_export(person)


@router.get(
    "/persons/{person_id}/access-log",
    response={200: list[AccessLogOut], **DETAIL_ERRORS},
    summary="Who read or changed the person's record",
)
@paginate(Pagination)
def person_access_log(request: HttpRequest, person_id: str) -> Any:
    require_permission(request, "residents.audit_person")
    person = _person(request, person_id, "audit")
    return [
        {
            "time": e.timestamp,
            "action": e.action,
            "actor": e.actor_label,
            "object": e.object_repr,
            "purpose": e.purpose,
        }
        for e in queries.person_access_log(person)[:1000]
    ]


@router.post(
    "/persons/{person_id}/certificates",
    response={201: DisabilityCertificateOut, **BODY_DETAIL_ERRORS},
    summary="Record a disability certificate",
)
def certificate_add(request: HttpRequest, person_id: str, payload: DisabilityCertificateIn) -> Any:
    require_permission(request, "residents.add_disabilitycertificate")
    person = _person(request, person_id, "change")
    data = payload.model_dump()
    data["kind"] = payload.kind.value
    data["degree"] = payload.degree.value if payload.degree else ""
    return Status(201, services.certificate_add(actor=request.user, person=person, **data))


@router.post(
    "/persons/{person_id}/consents", response={201: ConsentOut, **BODY_DETAIL_ERRORS}, summary="Record a consent"
)
def consent_give(request: HttpRequest, person_id: str, payload: ConsentIn) -> Any:
    require_permission(request, "residents.add_consent")
    person = _person(request, person_id, "change")
    consent = services.consent_give(
        actor=request.user,
        person=person,
        purpose=payload.purpose.value,
        form=payload.form.value,
        given_at=payload.given_at,
    )
    return Status(201, consent)


@router.post(
    "/persons/{person_id}/consents/{consent_id}/withdraw",
    response={200: ConsentOut, **DETAIL_ERRORS},
    summary="Record the withdrawal of a consent",
)
def consent_withdraw(request: HttpRequest, person_id: str, consent_id: str) -> Any:
    require_permission(request, "residents.change_consent")
    person = _person(request, person_id, "change")
    consent = access_object(request.user, Consent, "change", pk=_uuid_or_404(consent_id), person=person)
    return services.consent_withdraw(actor=request.user, consent=consent)


@router.post(
    "/persons/{person_id}/notice-acknowledgements",
    response={201: AcknowledgementOut, **BODY_DETAIL_ERRORS},
    summary="Record that the person received the information notice in force",
)
def notice_acknowledge(request: HttpRequest, person_id: str, payload: AcknowledgementIn) -> Any:
    require_permission(request, "residents.add_noticeacknowledgement")
    person = _person(request, person_id, "change")
    acknowledgement = services.notice_acknowledge(
        actor=request.user, person=person, form=payload.form.value, given_at=payload.given_at
    )
    return Status(201, acknowledgement)


@router.get(
    "/notice", response={200: NoticeOut, **AUTH_ERRORS}, summary="The information notice (GDPR art. 13) in force"
)
def notice_current(request: HttpRequest) -> Any:
    require_permission(request, "residents.view_informationnotice")
    user: Any = request.user
    if user.centre is None:
        raise ValidationError(_("Your account belongs to no centre."))
    return services.notice_ensure_default(centre=user.centre)


class NoticeIn(InputSchema):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20000)


@router.post(
    "/notice",
    response={201: NoticeOut, **BODY_ERRORS},
    summary="Publish a new version of the information notice (the director)",
)
def notice_publish(request: HttpRequest, payload: NoticeIn) -> Any:
    require_permission(request, "residents.add_informationnotice")
    user: Any = request.user
    if user.centre is None:
        raise ValidationError(_("Your account belongs to no centre."))
    return Status(201, services.notice_publish(actor=user, centre=user.centre, title=payload.title, text=payload.text))


# --- households -------------------------------------------------------------------------------------------------


def _household(request: HttpRequest, household_id: str, action: str = "view") -> Household:
    return access_object(request.user, Household, action, pk=_uuid_or_404(household_id))


def _household_out(household: Household) -> Household:
    return Household.objects.select_related("municipality").get(pk=household.pk)


def _member_person(request: HttpRequest, person_id: uuid.UUID, field: str) -> Person:
    person = Person.objects.restrict(request.user, "view").filter(pk=person_id).first()
    if person is None:
        raise ValidationError({field: _("Unknown person.")})
    return person


@router.post("/households", response={201: HouseholdOut, **BODY_ERRORS}, summary="Set up a household")
def household_create(request: HttpRequest, payload: HouseholdIn) -> Any:
    require_permission(request, "residents.add_household")
    applicant = _member_person(request, payload.applicant_id, "applicant_id")
    if not has_permission(request.user, "residents.add_household", applicant.municipality_id):
        raise ValidationError({"applicant_id": _("Unknown person.")})
    household = services.household_create(
        actor=request.user, applicant=applicant, valid_from=payload.valid_from, notes=payload.notes
    )
    return Status(201, _household_out(household))


@router.get(
    "/households/{household_id}",
    response={200: HouseholdOut, **DETAIL_ERRORS},
    summary="A household with its members (the read is audited)",
)
def household_detail(request: HttpRequest, household_id: str, query: Query[PurposeQuery]) -> Any:
    require_permission(request, "residents.view_household")
    household = _household(request, household_id)
    for member in queries.household_members(household):
        services.person_record_access(
            actor=request.user, person=member.person, purpose=query.purpose.value if query.purpose else None
        )
    return _household_out(household)


@router.post(
    "/households/{household_id}/members",
    response={201: MemberOut, **BODY_DETAIL_ERRORS},
    summary="Add a member to a household",
)
def member_add(request: HttpRequest, household_id: str, payload: MemberIn) -> Any:
    require_permission(request, "residents.add_householdmember")
    household = _household(request, household_id, "change")
    person = _member_person(request, payload.person_id, "person_id")
    member = services.member_add(
        actor=request.user,
        household=household,
        person=person,
        relation=payload.relation.value,
        valid_from=payload.valid_from,
    )
    return Status(201, member)


@router.post(
    "/households/{household_id}/members/{member_id}/end",
    response={200: MemberOut, **BODY_DETAIL_ERRORS},
    summary="End a membership (the person left the household)",
)
def member_end(request: HttpRequest, household_id: str, member_id: str, payload: MemberEndIn) -> Any:
    require_permission(request, "residents.change_householdmember")
    household = _household(request, household_id, "change")
    member = access_object(request.user, HouseholdMember, "change", pk=_uuid_or_404(member_id), household=household)
    return services.member_end(actor=request.user, member=member, valid_to=payload.valid_to)


@router.get(
    "/households/{household_id}/incomes",
    response={200: list[IncomeOut], **DETAIL_ERRORS},
    summary="Income declarations of the household's members",
)
def income_list(request: HttpRequest, household_id: str) -> Any:
    require_permission(request, "residents.view_incomedeclaration")
    household = _household(request, household_id)
    return list(IncomeDeclaration.objects.filter(member__household=household).order_by("-month", "member_id"))


@router.post(
    "/households/{household_id}/incomes",
    response={201: IncomeOut, **BODY_DETAIL_ERRORS},
    summary="Declare a member's net income for a month",
)
def income_declare(request: HttpRequest, household_id: str, payload: IncomeIn) -> Any:
    require_permission(request, "residents.add_incomedeclaration")
    household = _household(request, household_id, "change")
    member = household.members.filter(pk=payload.member_id).select_related("person").first()
    if member is None:
        raise ValidationError({"member_id": _("The person is not a member of this household.")})
    income = services.income_declare(
        actor=request.user,
        member=member,
        month=_month(payload.month),
        net_amount=payload.net_amount,
        source=payload.source.value,
        declared_on=payload.declared_on,
        document_note=payload.document_note,
    )
    return Status(201, income)


def _household_income(request: HttpRequest, household_id: str, income_id: str, action: str) -> IncomeDeclaration:
    household = _household(request, household_id, "change")
    return access_object(
        request.user, IncomeDeclaration, action, pk=_uuid_or_404(income_id), member__household=household
    )


@router.patch(
    "/households/{household_id}/incomes/{income_id}",
    response={200: IncomeOut, **BODY_DETAIL_ERRORS},
    summary="Correct an income declaration (amount, source, supporting document) with the reason",
    description="Applications already qualified keep the income and the fee frozen at qualification.",
)
def income_correct(request: HttpRequest, household_id: str, income_id: str, payload: IncomeCorrectionIn) -> Any:
    require_permission(request, "residents.change_incomedeclaration")
    income = _household_income(request, household_id, income_id, "change")
    changes = payload.model_dump(exclude_unset=True, exclude_none=True, exclude={"reason"})
    if "source" in changes:
        changes["source"] = IncomeSource(changes["source"]).value
    return services.income_correct(actor=request.user, income=income, reason=payload.reason, **changes)


@router.post(
    "/households/{household_id}/incomes/{income_id}/removal",
    response={204: None, **BODY_DETAIL_ERRORS},
    summary="Remove an income declaration entered in error, with the reason",
    description="The audit trail keeps what the declaration said; qualified applications keep their frozen fee.",
)
def income_remove(request: HttpRequest, household_id: str, income_id: str, payload: IncomeRemovalIn) -> Any:
    require_permission(request, "residents.delete_incomedeclaration")
    income = _household_income(request, household_id, income_id, "delete")
    services.income_remove(actor=request.user, income=income, reason=payload.reason)
    return Status(204, None)


@router.get(
    "/households/{household_id}/income",
    response={200: HouseholdIncomeOut, **DETAIL_ERRORS},
    summary="The household's income per person in a month",
)
def household_income(request: HttpRequest, household_id: str, query: Query[MonthQuery]) -> Any:
    require_permission(request, "residents.view_incomedeclaration")
    household = _household(request, household_id)
    month = _month(query.month) if query.month else queries.previous_months(1)[0]
    income = queries.household_income(household, month)
    return {
        "month": income.month.strftime("%Y-%m"),
        "members": income.members,
        "total": income.total,
        "per_person": income.per_person,
        "single_person": income.single_person,
        "members_without_declaration": list(income.missing),
    }
