"""The services organiser's pages (art. 41, 46): the half-year summary of all plans (page and PDF), the coordinators'
meetings with the reminder when one is due, the director's approval authorisations; and the plan's documents as PDFs
(the plan for the person to sign, the closing description), each download written to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.accounts.permissions import has_permission, municipality_ids_for
from cus.audit.services import record_access
from cus.core.access import access_object
from cus.core.collation import Alphabetical
from cus.core.pdf import pdf_response
from cus.core.views import apply_form_errors
from cus.plans import documents, rules, services, summary
from cus.plans.models import ApprovalDelegation, CoordinatorMeeting, PlanStatus, ServicePlan
from cus.plans.organiser_forms import DelegationForm, MeetingForm, RevokeForm, SummaryForm

# The purpose written to the audit trail when a plan's document is downloaded.
DOCUMENT_PURPOSE = "document"
MEETING_SORTS = {"held": ("held_on", "pk"), "-held": ("-held_on", "pk")}
DELEGATION_SORTS: dict[str, tuple[Any, ...]] = {
    "delegate": (Alphabetical("delegate__full_name"), "-valid_from"),
    "-delegate": (Alphabetical("delegate__full_name").desc(), "-valid_from"),
    "from": ("valid_from", "pk"),
    "-from": ("-valid_from", "pk"),
}


def _sort_headers(sort: str, columns: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    headers = []
    for key, label in columns:
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "", key
        headers.append({"key": key, "label": label, "aria_sort": state, "next": next_sort})
    return headers


def _centre_municipality_ids(user: Any, permission: str) -> list[int]:
    """The municipalities of the user's own centre for which they hold ``permission``."""
    if not user.centre_id:
        return []
    centre_ids = set(user.centre.municipalities.values_list("pk", flat=True))
    return sorted(municipality_ids_for(user, permission) & centre_ids)


# --- the half-year summary (art. 46 ust. 1) -------------------------------------------------------------------------


def _summary_request(request: HttpRequest) -> tuple[SummaryForm, summary.HalfYearSummary | None]:
    user: Any = request.user
    ids = summary.summary_municipality_ids(user)
    data = request.GET.copy()
    data.setdefault("half", summary.half_key(rules.half_year(timezone.localdate())))
    form = SummaryForm(data, municipality_ids=ids)
    if not form.is_valid():
        return form, None
    municipality = form.cleaned_data.get("municipality")
    chosen = [municipality.pk] if municipality else ids
    return form, summary.half_year_summary(user, form.cleaned_data["half"], municipality_ids=chosen)


@permission_required("plans.summarise_serviceplan", raise_exception=True)
def summary_page(request: HttpRequest) -> HttpResponse:
    form, result = _summary_request(request)
    return render(
        request,
        "plans/organiser/summary.html",
        {
            "form": form,
            "summary": result,
            "reminder": summary.meeting_reminder(request.user),
            "query": request.GET.urlencode(),
        },
    )


@permission_required("plans.summarise_serviceplan", raise_exception=True)
def summary_pdf(request: HttpRequest) -> HttpResponse:
    _form, result = _summary_request(request)
    if result is None:
        raise Http404(_("Choose a half-year from the list."))
    user: Any = request.user
    content = documents.summary_pdf(result, centre=user.centre, prepared_by=user.full_name)
    return pdf_response(content, f"podsumowanie-ipus-{result.key}.pdf")


# --- coordinators' meetings (art. 46 ust. 2) -----------------------------------------------------------------------


@permission_required("plans.view_coordinatormeeting", raise_exception=True)
def meeting_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    sort = request.GET.get("sort", "-held")
    sort = sort if sort in MEETING_SORTS else "-held"
    meetings = (
        CoordinatorMeeting.objects.restrict(user, "view")
        .select_related("recorded_by", "municipality")
        .prefetch_related("participants")
        .order_by(*MEETING_SORTS[sort])
    )
    return render(
        request,
        "plans/organiser/meeting_list.html",
        {
            "meetings": meetings,
            "status": summary.meeting_status(user),
            "reminder": summary.meeting_reminder(user),
            "headers": _sort_headers(sort, (("held", _("Held on")),)),
            "can_add": has_permission(user, "plans.add_coordinatormeeting") and bool(user.centre_id),
        },
    )


@permission_required("plans.view_coordinatormeeting", raise_exception=True)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_object(request.user, CoordinatorMeeting, "view", pk=pk)
    participants = meeting.participants.order_by(Alphabetical("full_name"))
    return render(request, "plans/organiser/meeting_detail.html", {"meeting": meeting, "participants": participants})


@permission_required("plans.add_coordinatormeeting", raise_exception=True)
def meeting_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    ids = _centre_municipality_ids(user, "plans.add_coordinatormeeting")
    if not ids:
        raise PermissionDenied
    form = MeetingForm(request.POST or None, centre_id=user.centre_id, municipality_ids=ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_record(
                actor=user,
                centre=user.centre,
                municipality_id=data["municipality"].pk,
                held_on=data["held_on"],
                participants=list(data["participants"]),
                agenda=data["agenda"],
                minutes=data["minutes"],
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(
                request, _("The meeting of %(date)s was recorded.") % {"date": meeting.held_on.strftime("%d.%m.%Y")}
            )
            return redirect("plans_organiser:meeting_list")
    return render(
        request, "plans/organiser/meeting_form.html", {"form": form, "reminder": summary.meeting_reminder(user)}
    )


# --- approval authorisations (art. 41) ------------------------------------------------------------------------------


@permission_required("plans.view_approvaldelegation", raise_exception=True)
def delegation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    sort = request.GET.get("sort", "-from")
    sort = sort if sort in DELEGATION_SORTS else "-from"
    today = timezone.localdate()
    delegations = list(
        ApprovalDelegation.objects.restrict(user, "view")
        .select_related("delegate", "granted_by", "municipality")
        .order_by(*DELEGATION_SORTS[sort])
    )
    rows = []
    for delegation in delegations:
        if delegation.revoked_on and delegation.revoked_on < today:
            state, label = "revoked", _("Revoked on %(date)s") % {"date": delegation.revoked_on.strftime("%d.%m.%Y")}
        elif delegation.valid_to and delegation.valid_to < today:
            state, label = "expired", _("Expired on %(date)s") % {"date": delegation.valid_to.strftime("%d.%m.%Y")}
        elif delegation.valid_from > today:
            state, label = "future", _("Valid from %(date)s") % {"date": delegation.valid_from.strftime("%d.%m.%Y")}
        elif delegation.revoked_on:
            state, label = (
                "valid",
                _("Valid until %(date)s (revoked)") % {"date": delegation.revoked_on.strftime("%d.%m.%Y")},
            )
        else:
            state, label = "valid", _("Valid")
        can_revoke = (
            state in ("valid", "future")
            and not delegation.revoked_on
            and has_permission(user, "plans.change_approvaldelegation", delegation.municipality_id)
        )
        rows.append({"delegation": delegation, "state": state, "label": label, "can_revoke": can_revoke})
    return render(
        request,
        "plans/organiser/delegation_list.html",
        {
            "rows": rows,
            "headers": _sort_headers(sort, (("delegate", _("Services organiser")), ("from", _("Valid from")))),
            "can_grant": has_permission(user, "plans.add_approvaldelegation") and bool(user.centre_id),
            "show_municipality": len({delegation.municipality_id for delegation in delegations}) > 1,
        },
    )


@permission_required("plans.add_approvaldelegation", raise_exception=True)
def delegation_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    ids = _centre_municipality_ids(user, "plans.add_approvaldelegation")
    if not ids:
        raise PermissionDenied
    form = DelegationForm(request.POST or None, centre_id=user.centre_id, municipality_ids=ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delegation = services.delegation_grant(
                actor=user,
                municipality_id=data["municipality"].pk,
                delegate=data["delegate"],
                document_reference=data["document_reference"],
                granted_on=data["granted_on"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(
                request,
                _("%(name)s may approve plans under authorisation %(number)s.")
                % {"name": delegation.delegate.full_name, "number": delegation.document_reference},
            )
            return redirect("plans_organiser:delegation_list")
    return render(request, "plans/organiser/delegation_form.html", {"form": form})


@permission_required("plans.change_approvaldelegation", raise_exception=True)
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    delegation = access_object(user, ApprovalDelegation, "change", pk=pk)
    form = RevokeForm(request.POST or None, initial={"revoked_on": timezone.localdate()})
    if delegation.revoked_on:
        messages.info(request, _("This authorisation was already revoked."))
        return redirect("plans_organiser:delegation_list")
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_revoke(actor=user, delegation=delegation, revoked_on=form.cleaned_data["revoked_on"])
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(
                request,
                _("Authorisation %(number)s was revoked.") % {"number": delegation.document_reference},
            )
            return redirect("plans_organiser:delegation_list")
    return render(request, "plans/organiser/delegation_revoke.html", {"form": form, "delegation": delegation})


# --- the plan's documents ------------------------------------------------------------------------------------------


def _plan_for_document(request: HttpRequest, pk: Any) -> ServicePlan:
    plan = access_object(request.user, ServicePlan, "view", pk=pk)
    return plan


@permission_required("plans.view_serviceplan", raise_exception=True)
def plan_document(request: HttpRequest, pk: Any) -> HttpResponse:
    """The plan as a PDF for the person to sign (art. 38–39), with the approval note once approved."""
    plan = _plan_for_document(request, pk)
    content = documents.plan_pdf(plan)
    record_access(actor=request.user, instance=plan, purpose=DOCUMENT_PURPOSE)
    return pdf_response(content, documents.plan_filename(plan, "plan"))


@permission_required("plans.view_serviceplan", raise_exception=True)
def closing_document(request: HttpRequest, pk: Any) -> HttpResponse:
    """The description of the course and results of a closed plan (art. 45)."""
    plan = _plan_for_document(request, pk)
    if plan.status != PlanStatus.CLOSED:
        raise Http404(_("The closing description exists once the plan is closed."))
    content = documents.closing_pdf(plan)
    record_access(actor=request.user, instance=plan, purpose=DOCUMENT_PURPOSE)
    return pdf_response(content, documents.plan_filename(plan, "zakonczenie"))
