"""Staff screens of the residents register: persons, households, income, certificates, consents and the notice.

Every page showing a person's data writes the read to the audit trail with the purpose the worker chose
(``?purpose=``; links carry it on) — art. 50 of the CUS act, GDPR art. 5 ust. 2.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cus.accounts.permissions import has_permission, municipality_ids_for
from cus.core.access import access_object
from cus.core.collation import Alphabetical
from cus.core.models import Municipality
from cus.core.views import apply_form_errors
from cus.residents import queries, services
from cus.residents.forms import (
    FROZEN_FEE_HINT,
    AcknowledgementForm,
    CertificateForm,
    ConsentGiveForm,
    HouseholdForm,
    IncomeCorrectionForm,
    IncomeForm,
    IncomeRemovalForm,
    MemberEndForm,
    MemberForm,
    NoticeForm,
    PersonFilterForm,
    PersonForm,
)
from cus.residents.models import (
    DEFAULT_ACCESS_PURPOSE,
    AccessPurpose,
    Consent,
    Household,
    HouseholdMember,
    IncomeDeclaration,
    InformationNotice,
    Person,
)

PAGE_SIZE = 25
INCOME_MONTHS = 3
# Lazy: translated when a page is rendered, in its language (not once, when the module is imported).
SORTABLE_COLUMNS = (
    ("name", gettext_lazy("Surname and first name")),
    ("birth_date", gettext_lazy("Date of birth")),
    ("created", gettext_lazy("Registered")),
)


def _purpose(request: HttpRequest) -> str:
    value = request.GET.get("purpose", "")
    return value if value in AccessPurpose.values else str(DEFAULT_ACCESS_PURPOSE)


def _sort_headers(sort: str) -> list[dict[str, Any]]:
    headers = []
    for key, label in SORTABLE_COLUMNS:
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "", key
        headers.append({"key": key, "label": label, "aria_sort": state, "next": next_sort})
    return headers


@permission_required("residents.view_person", raise_exception=True)
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None, initial={"purpose": DEFAULT_ACCESS_PURPOSE})
    filters: dict[str, Any] = {}
    if request.GET:
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        filters = {"q": data.get("q") or "", "pesel": data.get("pesel") or "", "birth_date": data.get("birth_date")}
    sort = request.GET.get("sort", "name")
    if sort.removeprefix("-") not in queries.PERSON_SORTS:
        sort = "name"
    persons = queries.persons_for(request.user, sort=sort, **filters)
    user: Any = request.user
    return render(
        request,
        "residents/person_list.html",
        {
            "form": form,
            "page": Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page")),
            "headers": _sort_headers(sort),
            "purpose": _purpose(request),
            "can_add": has_permission(user, "residents.add_person"),
        },
    )


def _duplicate_rows(candidates: list[Person]) -> list[dict[str, Any]]:
    return [{"person": p, "purpose": AccessPurpose.CORRECTION} for p in candidates]


def _existing_record(exc: ValidationError) -> Person | None:
    """The record a "PESEL already registered" error names, to link to it."""
    for error in getattr(exc, "error_dict", {}).get("pesel", []):
        if error.code == "pesel_taken" and error.params:
            return Person.objects.filter(pk=error.params["existing_id"]).first()
    return None


def _person_form_page(request: HttpRequest, person: Person | None) -> HttpResponse:
    user: Any = request.user
    permission = "residents.change_person" if person else "residents.add_person"
    allowed_ids = municipality_ids_for(user, permission)
    registers = Municipality.objects.filter(pk__in=allowed_ids)
    duplicates: list[Person] = []
    asked_to_confirm = request.POST.get("duplicates_shown") == "1"
    form = PersonForm(
        request.POST or None,
        instance=person,
        municipality_ids=allowed_ids,
        duplicates=asked_to_confirm,
    )
    existing = None
    register = None
    if person is None and registers.count() > 1:
        register = request.POST.get("register", "")
    if request.method == "POST" and form.is_valid():
        fields = form.person_fields()
        confirm = bool(form.cleaned_data.get("confirm_not_duplicate"))
        try:
            if person is None:
                municipality = registers.filter(pk=register).first() if register else registers.first()
                if municipality is None:
                    raise ValidationError(_("Choose the register of the municipality."))
                saved = services.person_create(
                    actor=user, municipality=municipality, confirm_not_duplicate=confirm, **fields
                )
                messages.success(request, _("The person was registered."))
            else:
                saved = services.person_update(actor=user, person=person, confirm_not_duplicate=confirm, **fields)
                messages.success(request, _("The changes were saved."))
        except services.LikelyDuplicateError as exc:
            duplicates = exc.candidates
            form = PersonForm(request.POST, instance=person, municipality_ids=allowed_ids, duplicates=True)
            form.is_valid()
            if asked_to_confirm:
                form.add_error(
                    "confirm_not_duplicate",
                    _("Confirm that this is a different person, or open the existing record instead."),
                )
        except ValidationError as exc:
            existing = _existing_record(exc)
            apply_form_errors(exc, form)
        else:
            return redirect(f"/residents/persons/{saved.pk}/?purpose={AccessPurpose.CORRECTION.value}")
    return render(
        request,
        "residents/person_form.html",
        {
            "form": form,
            "person": person,
            "duplicates": _duplicate_rows(duplicates),
            "existing": existing,
            "registers": registers if person is None and registers.count() > 1 else None,
            "register": register,
        },
    )


@permission_required("residents.add_person", raise_exception=True)
def person_create(request: HttpRequest) -> HttpResponse:
    return _person_form_page(request, None)


@permission_required("residents.change_person", raise_exception=True)
def person_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "change", pk=pk)
    return _person_form_page(request, person)


@permission_required("residents.view_person", raise_exception=True)
def person_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    person = access_object(user, Person, "view", pk=pk)
    purpose = services.person_record_access(actor=user, person=person, purpose=request.GET.get("purpose"))
    membership = queries.current_membership(person)
    household_rows = []
    incomes = []
    if membership is not None:
        household_rows = list(queries.household_members(membership.household).filter(valid_to__isnull=True))
        months = queries.previous_months(INCOME_MONTHS)
        by_month = queries.household_incomes((membership.household_id, month) for month in months)
        incomes = [by_month[(membership.household_id, month)] for month in months]
    can_audit = has_permission(user, "residents.audit_person", person.municipality_id)
    centre = services.centre_of(person)
    notice = services.notice_ensure_default(centre=centre)
    acknowledgements = list(person.acknowledgements.select_related("notice", "recorded_by"))
    return render(
        request,
        "residents/person_detail.html",
        {
            "person": person,
            "purpose": purpose,
            "purposes": AccessPurpose.choices,
            "membership": membership,
            "members": household_rows,
            "incomes": incomes,
            "certificates": list(person.certificates.all()),
            "consents": list(person.consents.select_related("recorded_by")),
            "acknowledgements": acknowledgements,
            "notice": notice,
            "notice_acknowledged": any(a.notice_id == notice.pk for a in acknowledgements),
            "can_change": has_permission(user, "residents.change_person", person.municipality_id),
            "can_export": has_permission(user, "residents.export_person", person.municipality_id),
            "access_log": list(queries.person_access_log(person)[:50]) if can_audit else None,
            "today": timezone.localdate(),
            **_cases_of(user, person),
        },
    )


def _cases_of(user: Any, person: Person) -> dict[str, Any]:
    """The person's applications and individual plans that this user may see (one line each, newest first)."""
    from cus.plans.models import ServicePlan
    from cus.qualification.applications import Application

    can_applications = has_permission(user, "qualification.view_application", person.municipality_id)
    can_plans = has_permission(user, "plans.view_serviceplan", person.municipality_id)
    applications = (
        list(
            Application.objects.restrict(user, "view")
            .filter(person=person)
            .select_related("programme_service__service")
            .only("pk", "reference", "filed_at", "state", "programme_service__service__name")
            .order_by("-filed_at")[:50]
        )
        if can_applications
        else None
    )
    plans = (
        list(
            ServicePlan.objects.restrict(user, "view")
            .filter(person=person)
            .select_related("coordinator")
            .only("pk", "reference", "status", "starts_on", "ends_on", "coordinator__full_name")
            .order_by("-starts_on")[:50]
        )
        if can_plans
        else None
    )
    return {"applications": applications, "plans": plans}


@permission_required("residents.export_person", raise_exception=True)
def person_export(request: HttpRequest, pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "export", pk=pk)
    services.person_record_access(actor=request.user, person=person, purpose=AccessPurpose.DATA_SUBJECT_REQUEST.value)
    body = json.dumps(queries.person_export(person), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="osoba-{person.pk}.json"'
    return response


def _simple_form(request: HttpRequest, form: Any, *, title: str, person: Person | None, back: str, **extra: Any) -> Any:
    return render(
        request,
        "residents/simple_form.html",
        {"form": form, "title": title, "person": person, "back": back, **extra},
    )


def _back_to(person: Person, anchor: str = "") -> str:
    return f"/residents/persons/{person.pk}/?purpose={AccessPurpose.CORRECTION.value}{anchor}"


@permission_required("residents.add_disabilitycertificate", raise_exception=True)
def certificate_add(request: HttpRequest, pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "change", pk=pk)
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The certificate was recorded."))
            return redirect(_back_to(person, "#certificates"))
    return _simple_form(request, form, title=_("Record a disability certificate"), person=person, back=_back_to(person))


@permission_required("residents.add_consent", raise_exception=True)
def consent_add(request: HttpRequest, pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "change", pk=pk)
    form = ConsentGiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_give(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect(_back_to(person, "#consents"))
    return _simple_form(request, form, title=_("Record a consent"), person=person, back=_back_to(person))


@require_POST
@permission_required("residents.change_consent", raise_exception=True)
def consent_withdraw(request: HttpRequest, pk: Any, consent_pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "change", pk=pk)
    consent = access_object(request.user, Consent, "change", pk=consent_pk, person=person)
    try:
        services.consent_withdraw(actor=request.user, consent=consent)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The withdrawal of the consent was recorded."))
    return redirect(_back_to(person, "#consents"))


@permission_required("residents.add_noticeacknowledgement", raise_exception=True)
def notice_acknowledge(request: HttpRequest, pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "change", pk=pk)
    notice = services.notice_ensure_default(centre=services.centre_of(person))
    form = AcknowledgementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.notice_acknowledge(actor=request.user, person=person, form=form.cleaned_data["form"])
        messages.success(request, _("Giving the information notice was recorded."))
        return redirect(_back_to(person, "#notices"))
    return _simple_form(
        request,
        form,
        title=_("Give the information notice"),
        person=person,
        back=_back_to(person),
        notice=notice,
        submit=_("The person received the notice"),
    )


# --- households -------------------------------------------------------------------------------------------------


@permission_required("residents.add_household", raise_exception=True)
def household_create(request: HttpRequest, pk: Any) -> HttpResponse:
    person = access_object(request.user, Person, "change", pk=pk)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.user, applicant=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form, field_map={"person": "valid_from"})
        else:
            messages.success(request, _("The household was set up."))
            return redirect("residents:household_detail", pk=household.pk)
    return _simple_form(
        request,
        form,
        title=_("Set up a household with this person as the applicant"),
        person=person,
        back=_back_to(person),
    )


@permission_required("residents.view_household", raise_exception=True)
def household_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    household = access_object(user, Household, "view", pk=pk)
    members = list(queries.household_members(household))
    for member in members:
        if member.valid_to is None:
            services.person_record_access(actor=user, person=member.person, purpose=request.GET.get("purpose"))
    months = queries.previous_months(INCOME_MONTHS + 3)
    incomes = list(
        IncomeDeclaration.objects.filter(member__household=household)
        .select_related("member__person")
        .order_by("-month", Alphabetical("member__person__last_name"), "source")[:200]
    )
    return render(
        request,
        "residents/household_detail.html",
        {
            "household": household,
            "members": members,
            "summaries": [queries.household_income(household, m) for m in months],
            "incomes": incomes,
            "can_change": has_permission(user, "residents.change_household", household.municipality_id),
            "can_correct_income": has_permission(user, "residents.change_incomedeclaration", household.municipality_id),
            "can_remove_income": has_permission(user, "residents.delete_incomedeclaration", household.municipality_id),
            "purpose": _purpose(request),
            "frozen_fee_hint": FROZEN_FEE_HINT,
        },
    )


def _find_person(user: Any, value: str) -> Person | None:
    value = value.strip()
    persons = Person.objects.restrict(user, "view")
    if value.isdigit() and len(value) == 11:
        return persons.filter(pesel=value).first()
    try:
        return persons.filter(pk=value).first()
    except (ValidationError, ValueError):
        return None


@permission_required("residents.add_householdmember", raise_exception=True)
def member_add(request: HttpRequest, pk: Any) -> HttpResponse:
    household = access_object(request.user, Household, "change", pk=pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = _find_person(request.user, form.cleaned_data["person"])
        if person is None:
            form.add_error("person", _("No registered person has this PESEL or record number. Register them first."))
        else:
            try:
                services.member_add(
                    actor=request.user,
                    household=household,
                    person=person,
                    relation=form.cleaned_data["relation"],
                    valid_from=form.cleaned_data["valid_from"],
                )
            except ValidationError as exc:
                apply_form_errors(exc, form)
            else:
                messages.success(request, _("The member was added."))
                return redirect("residents:household_detail", pk=household.pk)
    return _simple_form(
        request, form, title=_("Add a household member"), person=None, back=f"/residents/households/{household.pk}/"
    )


@require_POST
@permission_required("residents.change_householdmember", raise_exception=True)
def member_end(request: HttpRequest, pk: Any, member_pk: Any) -> HttpResponse:
    household = access_object(request.user, Household, "change", pk=pk)
    member = access_object(request.user, HouseholdMember, "change", pk=member_pk, household=household)
    form = MemberEndForm(request.POST)
    if form.is_valid():
        try:
            services.member_end(actor=request.user, member=member, valid_to=form.cleaned_data["valid_to"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The membership was ended."))
    else:
        messages.error(request, _("Give a valid end date."))
    return redirect("residents:household_detail", pk=household.pk)


@permission_required("residents.add_incomedeclaration", raise_exception=True)
def income_add(request: HttpRequest, pk: Any) -> HttpResponse:
    household = access_object(request.user, Household, "change", pk=pk)
    form = IncomeForm(request.POST or None, members=queries.household_members(household))
    if request.method == "POST" and form.is_valid():
        try:
            services.income_declare(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The income was recorded."))
            return redirect("residents:household_detail", pk=household.pk)
    return _simple_form(
        request, form, title=_("Declare income"), person=None, back=f"/residents/households/{household.pk}/"
    )


def _household_income(request: HttpRequest, pk: Any, income_pk: Any, action: str) -> IncomeDeclaration:
    household = access_object(request.user, Household, "change", pk=pk)
    income = access_object(request.user, IncomeDeclaration, action, pk=income_pk, member__household=household)
    return IncomeDeclaration.objects.select_related("member__person", "member__household").get(pk=income.pk)


def _income_page_extra(income: IncomeDeclaration) -> dict[str, Any]:
    used = services.applications_using_income(income)
    return {
        "intro": _("%(person)s, %(month)s, %(source)s: %(amount)s PLN declared on %(declared)s.")
        % {
            "person": income.member.person.full_name,
            "month": income.month.strftime("%Y-%m"),
            "source": income.get_source_display(),
            "amount": number_format(income.net_amount, 2),
            "declared": income.declared_on.isoformat(),
        },
        "hint": FROZEN_FEE_HINT,
        "used_by": [application.reference for application in used],
    }


@permission_required("residents.change_incomedeclaration", raise_exception=True)
def income_correct(request: HttpRequest, pk: Any, income_pk: Any) -> HttpResponse:
    income = _household_income(request, pk, income_pk, "change")
    household_id = income.member.household_id
    form = IncomeCorrectionForm(request.POST or None, instance=IncomeDeclaration.objects.get(pk=income.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "reason"}
        try:
            services.income_correct(actor=request.user, income=income, reason=form.cleaned_data["reason"], **changes)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The income declaration was corrected."))
            return redirect("residents:household_detail", pk=household_id)
    return _simple_form(
        request,
        form,
        title=_("Correct an income declaration"),
        person=None,
        back=f"/residents/households/{household_id}/",
        submit=_("Save the correction"),
        **_income_page_extra(income),
    )


@permission_required("residents.delete_incomedeclaration", raise_exception=True)
def income_remove(request: HttpRequest, pk: Any, income_pk: Any) -> HttpResponse:
    income = _household_income(request, pk, income_pk, "delete")
    household_id = income.member.household_id
    form = IncomeRemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.income_remove(actor=request.user, income=income, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The income declaration was removed."))
            return redirect("residents:household_detail", pk=household_id)
    return _simple_form(
        request,
        form,
        title=_("Remove an income declaration entered in error"),
        person=None,
        back=f"/residents/households/{household_id}/",
        submit=_("Remove the declaration"),
        danger=True,
        **_income_page_extra(income),
    )


@permission_required("residents.view_informationnotice", raise_exception=True)
def notice(request: HttpRequest) -> HttpResponse:
    """The centre's information notice in force; the director publishes a new version."""
    user: Any = request.user
    if user.centre is None:
        raise PermissionDenied
    current = services.notice_ensure_default(centre=user.centre)
    can_publish = has_permission(user, "residents.add_informationnotice")
    form = None
    if can_publish:
        form = NoticeForm(request.POST or None, initial={"title": current.title, "text": current.text})
        if request.method == "POST" and form.is_valid():
            services.notice_publish(actor=user, centre=user.centre, **form.cleaned_data)
            messages.success(request, _("The new version of the notice is in force."))
            return redirect("residents:notice")
    elif request.method == "POST":
        raise PermissionDenied
    versions = InformationNotice.objects.filter(centre=user.centre).order_by("-version")
    return render(request, "residents/notice.html", {"notice": current, "form": form, "versions": versions})
