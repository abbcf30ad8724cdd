"""Staff screens of programmes of social services: the list, one programme with all its sections, drafting and
changing it with its services, conditions, reliefs, budget and measures, and the status changes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from cus.accounts.permissions import has_permission
from cus.core.access import access_object
from cus.core.views import apply_form_errors
from cus.programme import queries, services
from cus.programme.forms import (
    SECTION_FORMSETS,
    TRANSITION_FORMS,
    ProgrammeFilterForm,
    ProgrammeForm,
    section_formsets,
    section_initial,
    section_rows,
)
from cus.programme.models import Programme, ProgrammeStatus

PAGE_SIZE = 25
SORTABLE_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("status", gettext_lazy("Status")),
    ("start", gettext_lazy("Start")),
    ("end", gettext_lazy("End")),
    ("budget", gettext_lazy("Budget (PLN)")),
)
SECTION_CAPTIONS = {
    "services": gettext_lazy("Services of the programme"),
    "rules": gettext_lazy("Qualification conditions"),
    "reliefs": gettext_lazy("Fee reliefs"),
    "budget": gettext_lazy("Budget by year and source"),
    "indicators": gettext_lazy("Measures of efficiency"),
}


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


@permission_required("programme.view_programme", raise_exception=True)
def programme_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ProgrammeFilterForm(request.GET or None, user=user)
    filters = form.filters() if request.GET else {}
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in queries.PROGRAMME_SORTS:
        sort = "-start"
    programmes = queries.programmes_for(user, sort=sort, **filters)
    page = Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programme/programme_list.html",
        {
            "form": form,
            "page": page,
            "headers": _sort_headers(sort),
            "can_add": has_permission(user, "programme.add_programme"),
        },
    )


def _detail_context(user: Any, programme: Programme) -> dict[str, Any]:
    general, per_service = queries.rules_by_scope(programme)
    municipality_name = programme.municipality.name
    service_rows = [
        {
            "item": ps,
            "rules": [rule.plain_text(municipality_name) for rule in per_service.get(ps.pk, [])],
        }
        for ps in programme.programme_services.all()
    ]
    today = timezone.localdate()
    report_due = programme.closing_report_due
    return {
        "programme": programme,
        "service_rows": service_rows,
        "general_rules": [rule.plain_text(municipality_name) for rule in general],
        "reliefs": list(programme.reliefs.all()),
        "indicators": list(programme.indicators.all()),
        "budget": queries.budget_summary(programme),
        "transitions": services.allowed_transitions(user, programme),
        "can_change": programme.status != ProgrammeStatus.CLOSED
        and has_permission(user, "programme.change_programme", programme.municipality_id),
        "report_due": report_due,
        "report_overdue": report_due < today and programme.status in (ProgrammeStatus.IN_FORCE, ProgrammeStatus.CLOSED),
        "show_report_due": programme.status in (ProgrammeStatus.IN_FORCE, ProgrammeStatus.CLOSED),
    }


@permission_required("programme.view_programme", raise_exception=True)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    access_object(user, Programme, "view", pk=pk)
    programme = queries.with_sections(Programme.objects.filter(pk=pk)).get()
    return render(request, "programme/programme_detail.html", _detail_context(user, programme))


def _form_page(request: HttpRequest, form: Any, formsets: dict[str, Any], programme: Programme | None) -> HttpResponse:
    sections = [
        {"name": name, "formset": formsets[name], "caption": SECTION_CAPTIONS[name], "errors": errors}
        for name, errors in _section_errors(form, formsets).items()
    ]
    return render(
        request, "programme/programme_form.html", {"form": form, "sections": sections, "programme": programme}
    )


def _section_errors(form: Any, formsets: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {name: [] for name in formsets}
    for name, messages_ in getattr(form, "_section_errors", {}).items():
        errors.setdefault(name, []).extend(messages_)
    return errors


def _apply_errors(exc: ValidationError, form: Any) -> None:
    """A service error on a section goes above that section's table; any other beside its field or at the top."""
    if hasattr(exc, "error_dict"):
        section_errors: dict[str, list[str]] = {}
        rest: dict[str, Any] = {}
        for field, errors in exc.error_dict.items():
            if field in services.SECTIONS:
                section_errors[field] = [m for e in errors for m in e.messages]
            else:
                rest[field] = errors
        form._section_errors = section_errors
        for name, messages_ in section_errors.items():
            for message in messages_:
                form.add_error(None, f"{SECTION_CAPTIONS[name]}: {message}")
        if rest:
            apply_form_errors(ValidationError(rest), form)
    else:
        apply_form_errors(exc, form)


@permission_required("programme.add_programme", raise_exception=True)
def programme_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    data = request.POST if request.method == "POST" else None
    form = ProgrammeForm(data, user=user)
    formsets = section_formsets(data, user)
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in formsets.values()):
        try:
            programme = services.programme_create(
                actor=user,
                municipality=form.cleaned_data["municipality"],
                **form.programme_fields(),
                **section_rows(formsets),
            )
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The programme was saved as a draft."))
            return redirect("programme:programme_detail", pk=programme.pk)
    return _form_page(request, form, formsets, None)


@permission_required("programme.change_programme", raise_exception=True)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    access_object(user, Programme, "change", pk=pk)
    programme = queries.with_sections(Programme.objects.filter(pk=pk)).get()
    if programme.status == ProgrammeStatus.CLOSED:
        messages.error(request, _("A closed programme cannot be changed."))
        return redirect("programme:programme_detail", pk=programme.pk)
    data = request.POST if request.method == "POST" else None
    form = ProgrammeForm(data, instance=Programme.objects.get(pk=programme.pk), user=user)
    formsets = section_formsets(data, user, initial=section_initial(programme))
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in formsets.values()):
        try:
            services.programme_update(
                actor=user, programme=programme, **form.programme_fields(), **section_rows(formsets)
            )
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("programme:programme_detail", pk=programme.pk)
    return _form_page(request, form, formsets, programme)


@permission_required("programme.adopt_programme", raise_exception=True)
def programme_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A status change with what it needs: the resolution for the adoption, the dates for the others."""
    user: Any = request.user
    if action not in services.TRANSITIONS:
        raise Http404
    programme = access_object(user, Programme, "adopt", pk=pk)
    transition = services.TRANSITIONS[action]
    form_class = TRANSITION_FORMS[action]
    initial: dict[str, Any] = {}
    if action == "adopt":
        initial = {
            "resolution_number": programme.resolution_number,
            "resolution_date": programme.resolution_date,
            "publication_reference": programme.publication_reference,
            "bip_url": programme.bip_url,
        }
    elif action == "bring_into_force":
        initial = {"in_force_from": timezone.localdate()}
    else:
        initial = {"closed_on": min(timezone.localdate(), programme.end_date)}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_transition(
                actor=user, programme=programme, action=action, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(
                request, _("The programme is now: %(status)s.") % {"status": programme.get_status_display()}
            )
            return redirect("programme:programme_detail", pk=programme.pk)
    wrong_status = programme.status != transition.source
    return render(
        request,
        "programme/programme_transition.html",
        {
            "programme": programme,
            "form": form,
            "transition": transition,
            "wrong_status": wrong_status,
            "report_due": programme.closing_report_due,
        },
    )


# The formsets' own limit (max_num with validate_max).
MAX_ROWS = 100


@require_safe
@permission_required("programme.add_programme", raise_exception=True)
def programme_row(request: HttpRequest, section: str) -> HttpResponse:
    """One more empty row of a section of the programme form (htmx), with the formset's new row count."""
    user: Any = request.user
    if section not in SECTION_FORMSETS:
        raise Http404
    if not has_permission(user, "programme.change_programme"):
        raise PermissionDenied
    try:
        index = int(request.GET.get(f"{section}-TOTAL_FORMS", ""))
    except ValueError:
        index = 0
    if not 0 <= index < MAX_ROWS:
        return HttpResponse(status=204)
    formset_class, _fields, needs_user = SECTION_FORMSETS[section]
    formset = formset_class(prefix=section, form_kwargs={"user": user} if needs_user else {})
    row = render_to_string(
        "programme/_formset_row.html", {"form": formset.empty_form, "row_number": index + 1}, request=request
    ).replace("__prefix__", str(index))
    counter = format_html(
        '<input type="hidden" name="{0}-TOTAL_FORMS" value="{1}" id="id_{0}-TOTAL_FORMS" hx-swap-oob="true">',
        section,
        index + 1,
    )
    return HttpResponse(row + counter)
