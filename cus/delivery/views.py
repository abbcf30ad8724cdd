"""Delivery pages (/delivery/): provider staff see the services assigned to their organisation with the minimum
personal data, record visits, correct their own records within the window and ask the coordinator for later
corrections; the services team decides those requests and corrects records; the administrator links provider
users to providers. Every read of a person's data is written to the audit trail with its purpose."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cus.accounts.permissions import has_permission, has_role
from cus.accounts.roles import Role
from cus.audit.services import record_access
from cus.core.access import access_object
from cus.core.views import apply_form_errors
from cus.delivery import queries, services
from cus.delivery.forms import CorrectionRequestForm, DecisionForm, StaffLinkForm, VisitForm
from cus.delivery.models import CorrectionStatus, DeliveryRecord, ProviderStaff, correction_window

PAGE_SIZE = 25
ITEM_PURPOSE = gettext_lazy("Delivering a service of an individual plan")
MONITOR_PURPOSE = gettext_lazy("Monitoring the delivery of an individual plan")
CORRECTION_PURPOSE = gettext_lazy("Deciding a correction of a delivery record")
ITEM_COLUMNS = (
    ("person", gettext_lazy("Person")),
    ("service", gettext_lazy("Service")),
    ("starts", gettext_lazy("Starts")),
    ("ends", gettext_lazy("Ends")),
)
RECORD_COLUMNS = (
    ("date", gettext_lazy("Date")),
    ("worker", gettext_lazy("Delivered by")),
    ("status", gettext_lazy("Status")),
)
CORRECTION_TABS = (
    (CorrectionStatus.PENDING.value, gettext_lazy("Awaiting decision")),
    (CorrectionStatus.ACCEPTED.value, gettext_lazy("Accepted")),
    (CorrectionStatus.REJECTED.value, gettext_lazy("Rejected")),
)


def _headers(columns: tuple[tuple[str, Any], ...], sort: str) -> list[dict[str, Any]]:
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


def provider_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of provider staff: the delivery permission, and a link to a provider (else a clear message only)."""

    @permission_required("plans.deliver_planitem", raise_exception=True)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if services.provider_of(request.user) is None:
            return render(request, "delivery/no_provider.html")
        return view(request, *args, **kwargs)

    return wrapped


def _unlinked_provider(user: Any) -> bool:
    return has_role(user, Role.PROVIDER_STAFF) and services.provider_of(user) is None


def _plan_url(plan_id: Any) -> str | None:
    """The plan's page in the plans UI (when that app provides one)."""
    for name in ("plans:plan_detail", "plans:detail"):
        try:
            return reverse(name, args=[plan_id])
        except NoReverseMatch:
            continue
    return None


# --- provider staff ------------------------------------------------------------------------------------------------


@provider_page
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    sort = request.GET.get("sort", "")
    sort = sort if sort.removeprefix("-") in queries.ITEM_SORTS else ""
    today_visits, week_visits = queries.planned_visits(user)
    page = Paginator(queries.assigned_items(user, sort=sort), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {"item": item, "ending_soon": queries.ending_soon(item, today), "ended": queries.has_ended(item, today)}
        for item in page
    ]
    return render(
        request,
        "delivery/home.html",
        {
            "page": page,
            "rows": rows,
            "headers": _headers(ITEM_COLUMNS, sort),
            "today_visits": today_visits,
            "week_visits": week_visits,
            "today": today,
            "pending_requests": queries.provider_requests(user).filter(status=CorrectionStatus.PENDING).count(),
        },
    )


@provider_page
def item_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    item = queries.assigned_item(user, pk)
    form = VisitForm()
    if request.method == "POST":
        if not has_permission(user, "delivery.add_deliveryrecord", item.plan.municipality_id):
            raise PermissionDenied(_("Your roles do not allow this action."))
        form = VisitForm(request.POST)
        if form.is_valid():
            try:
                record = services.record_visit(actor=user, item=item, **form.values())
            except ValidationError as exc:
                apply_form_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("The visit of %(date)s has been recorded.") % {"date": record.date.strftime("%d.%m.%Y")},
                )
                return redirect("delivery:item", pk=item.pk)
    record_access(actor=user, instance=item, purpose=ITEM_PURPOSE)
    records = Paginator(queries.records_of_item(item), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "delivery/item_detail.html",
        {
            "item": item,
            "person": item.plan.person,
            "form": form,
            "page": records,
            "ending_soon": queries.ending_soon(item),
            "ended": queries.has_ended(item),
            "can_record": has_permission(user, "delivery.add_deliveryrecord", item.plan.municipality_id),
        },
        status=422 if form.errors else 200,
    )


@provider_page
def record_list(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "")
    sort = sort if sort.removeprefix("-") in queries.RECORD_SORTS else ""
    records = queries.records_of_provider(request.user, sort=sort)
    return render(
        request,
        "delivery/record_list.html",
        {
            "page": Paginator(records, PAGE_SIZE).get_page(request.GET.get("page")),
            "headers": _headers(RECORD_COLUMNS, sort or "-date"),
        },
    )


@provider_page
def request_list(request: HttpRequest) -> HttpResponse:
    requests = queries.provider_requests(request.user)
    return render(
        request,
        "delivery/request_list.html",
        {"page": Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))},
    )


# --- one record: provider staff and the services team ---------------------------------------------------------------


def _record_context(request: HttpRequest, record: DeliveryRecord, **forms: Any) -> dict[str, Any]:
    user: Any = request.user
    is_provider = services.provider_of(user) is not None
    own = record.recorded_by_id == user.pk
    can_correct = has_permission(user, "delivery.change_deliveryrecord") and (
        not is_provider or (own and record.correctable_by_provider())
    )
    can_request = is_provider and not can_correct and has_permission(user, "delivery.add_correctionrequest")
    requests = list(record.correction_requests.select_related("requested_by", "decided_by"))
    pending = any(request.status == CorrectionStatus.PENDING for request in requests)
    can_request = can_request and not pending
    initial = VisitForm.initial_from(record)
    context: dict[str, Any] = {
        "record": record,
        "item": record.item,
        "is_provider": is_provider,
        "own": own,
        "can_correct": can_correct,
        "can_request": can_request,
        "window_ends": record.recorded_at + correction_window() if is_provider else None,
        "requests": requests,
        "pending": pending,
        "plan_url": None if is_provider else _plan_url(record.item.plan_id),
    }
    if can_correct:
        context["correct_form"] = forms.get("correct_form") or VisitForm(initial=initial, allow_cancel=True)
    if can_request:
        context["request_form"] = forms.get("request_form") or CorrectionRequestForm(initial=initial, allow_cancel=True)
    return context


def _record(request: HttpRequest, pk: Any, action: str = "view") -> DeliveryRecord:
    if _unlinked_provider(request.user):
        raise Http404(_("No delivery record found with this identifier."))
    record = queries.record_for(request.user, pk, action)
    if services.provider_of(request.user) is not None:
        record.item = queries.assigned_item(request.user, record.item_id)
    return record


def _record_response(request: HttpRequest, record: DeliveryRecord, status: int = 200, **forms: Any) -> HttpResponse:
    purpose = ITEM_PURPOSE if services.provider_of(request.user) is not None else MONITOR_PURPOSE
    record_access(actor=request.user, instance=record, purpose=purpose)
    return render(request, "delivery/record_detail.html", _record_context(request, record, **forms), status=status)


@permission_required("delivery.view_deliveryrecord", raise_exception=True)
def record_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return _record_response(request, _record(request, pk))


@require_POST
@permission_required("delivery.change_deliveryrecord", raise_exception=True)
def record_correct(request: HttpRequest, pk: Any) -> HttpResponse:
    record = _record(request, pk, "change")
    form = VisitForm(request.POST, allow_cancel=True)
    if form.is_valid():
        try:
            services.correct(actor=request.user, record=record, **form.values())
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("delivery:record", pk=record.pk)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The record has been corrected."))
            return redirect("delivery:record", pk=record.pk)
    return _record_response(request, record, 422, correct_form=form)


@require_POST
@permission_required("delivery.add_correctionrequest", raise_exception=True)
def record_request(request: HttpRequest, pk: Any) -> HttpResponse:
    record = _record(request, pk)
    form = CorrectionRequestForm(request.POST, allow_cancel=True)
    if form.is_valid():
        changes = form.changes(record)
        if not changes:
            form.add_error(None, _("Change at least one value of the record."))
        else:
            try:
                services.request_correction(
                    actor=request.user, record=record, reason=form.cleaned_data["reason"], **changes
                )
            except ValidationError as exc:
                apply_form_errors(exc, form)
            else:
                messages.success(request, _("The correction request has been sent to the coordinator."))
                return redirect("delivery:record", pk=record.pk)
    return _record_response(request, record, 422, request_form=form)


# --- the services team: late corrections ------------------------------------------------------------------------------


@permission_required("delivery.change_correctionrequest", raise_exception=True)
def correction_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CorrectionStatus.PENDING)
    status = status if status in CorrectionStatus.values else CorrectionStatus.PENDING
    requests = queries.team_requests(request.user, status=status)
    return render(
        request,
        "delivery/correction_list.html",
        {
            "page": Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "tabs": CORRECTION_TABS,
        },
    )


@permission_required("delivery.change_correctionrequest", raise_exception=True)
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    correction = queries.correction_for(user, pk)
    form = DecisionForm()
    if request.method == "POST" and correction.status == CorrectionStatus.PENDING:
        form = DecisionForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                services.decide_correction(
                    actor=user, request=correction, accept=accept, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                apply_form_errors(exc, form, field_map={"decision_note": "note"})
            else:
                messages.success(
                    request,
                    _("The correction has been accepted and the record corrected.")
                    if accept
                    else _("The correction has been rejected."),
                )
                return redirect("delivery:correction_list")
    record = correction.record
    record_access(actor=user, instance=correction, purpose=CORRECTION_PURPOSE)
    labels = {
        "date": _("Date of the visit"),
        "start_time": _("Start time"),
        "minutes": _("Duration (minutes)"),
        "worker_name": _("Delivered by"),
        "status": _("Status"),
        "missed_reason": _("Why the visit did not take place"),
        "notes": _("Notes"),
    }
    changes = [
        {
            "label": labels.get(field, field),
            "before": _display(record, field, getattr(record, field)),
            "after": _display(record, field, services._parse(field, value)),
        }
        for field, value in correction.changes.items()
    ]
    return render(
        request,
        "delivery/correction_detail.html",
        {
            "correction": correction,
            "record": record,
            "changes": changes,
            "form": form,
            "plan_url": _plan_url(record.item.plan_id),
        },
        status=422 if form.errors else 200,
    )


def _display(record: DeliveryRecord, field: str, value: Any) -> str:
    from cus.delivery.models import MissedReason, RecordStatus

    if value in (None, ""):
        return "—"
    if field == "date":
        return value.strftime("%d.%m.%Y")
    if field == "start_time":
        return value.strftime("%H:%M")
    if field == "status":
        return str(RecordStatus(value).label)
    if field == "missed_reason":
        return str(MissedReason(value).label)
    return str(value)


# --- provider staff accounts (administrator) ----------------------------------------------------------------------


@permission_required("delivery.view_providerstaff", raise_exception=True)
def staff_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "delivery/staff_list.html",
        {
            "page": Paginator(queries.staff_links(user), PAGE_SIZE).get_page(request.GET.get("page")),
            "unlinked": list(queries.unlinked_provider_users(user)),
            "can_add": has_permission(user, "delivery.add_providerstaff"),
            "can_delete": has_permission(user, "delivery.delete_providerstaff"),
        },
    )


@permission_required("delivery.add_providerstaff", raise_exception=True)
def staff_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    options = {"users": queries.unlinked_provider_users(user), "organizations": queries.providers_for_linking(user)}
    form = StaffLinkForm(request.POST or None, **options)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.staff_link(
                actor=user, user=form.cleaned_data["user"], organization=form.cleaned_data["organization"]
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(
                request,
                _("%(user)s now records the services of %(provider)s.")
                % {"user": link.user.full_name, "provider": link.organization.name},
            )
            return redirect("delivery:staff_list")
    elif request.method == "GET" and request.GET.get("user"):
        form.initial["user"] = request.GET["user"]
    return render(request, "delivery/staff_form.html", {"form": form}, status=422 if form.errors else 200)


@require_POST
@permission_required("delivery.delete_providerstaff", raise_exception=True)
def staff_delete(request: HttpRequest, pk: int) -> HttpResponse:
    link = access_object(request.user, ProviderStaff, "delete", pk=pk)
    services.staff_unlink(actor=request.user, link=link)
    messages.success(request, _("The user is no longer linked to the provider."))
    return redirect("delivery:staff_list")
