"""Staff screens of the income criterion, the fee tables and the fee calculator."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cus.accounts.permissions import has_permission
from cus.core.access import access_object
from cus.core.views import apply_form_errors
from cus.qualification import queries, services
from cus.qualification.forms import (
    CalculatorForm,
    FeeBandFormSet,
    FeeTableForm,
    IncomeCriterionForm,
    NewFeeBandFormSet,
    apply_band_errors,
    band_initial,
    band_rows,
)
from cus.qualification.models import BandsInvalid, FeeScope, FeeTable, FeeTableStatus

PAGE_SIZE = 25
SORTABLE_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("scope", gettext_lazy("For")),
    ("valid_from", gettext_lazy("Valid")),
    ("status", gettext_lazy("Status")),
)


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


# --- income criteria ---------------------------------------------------------------------------------------------


@permission_required("qualification.view_incomecriterion", raise_exception=True)
def criterion_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "qualification/criterion_list.html",
        {
            "criteria": queries.criteria_for(user),
            "can_add": has_permission(user, "qualification.add_incomecriterion"),
            "can_recalculate": has_permission(user, "qualification.recalculate_application"),
        },
    )


@permission_required("qualification.add_incomecriterion", raise_exception=True)
def criterion_create(request: HttpRequest) -> HttpResponse:
    form = IncomeCriterionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The income criterion was recorded."))
            return redirect("qualification:criterion_list")
    return render(request, "qualification/criterion_form.html", {"form": form})


# --- fee tables --------------------------------------------------------------------------------------------------


@permission_required("qualification.view_feetable", raise_exception=True)
def feetable_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in queries.FEE_TABLE_SORTS:
        sort = "-valid_from"
    status = request.GET.get("status", "")
    status = status if status in FeeTableStatus.values else ""
    scope = request.GET.get("scope", "")
    scope = scope if scope in FeeScope.values else ""
    tables = queries.fee_tables_for(user, sort=sort, status=status, scope=scope)
    return render(
        request,
        "qualification/feetable_list.html",
        {
            "page": Paginator(tables, PAGE_SIZE).get_page(request.GET.get("page")),
            "headers": _sort_headers(sort),
            "status": status,
            "scope": scope,
            "statuses": FeeTableStatus.choices,
            "scopes": FeeScope.choices,
            "can_add": has_permission(user, "qualification.add_feetable"),
        },
    )


@permission_required("qualification.view_feetable", raise_exception=True)
def feetable_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    table = access_object(user, FeeTable, "view", pk=pk)
    return render(
        request,
        "qualification/feetable_detail.html",
        {
            "table": table,
            "bands": list(table.bands.order_by("position")),
            "period": queries.period(table),
            "can_change": has_permission(user, "qualification.change_feetable", table.municipality_id),
            "can_recalculate": table.status == FeeTableStatus.IN_FORCE
            and has_permission(user, "qualification.recalculate_application", table.municipality_id),
            "can_delete": table.status == FeeTableStatus.DRAFT
            and has_permission(user, "qualification.delete_feetable", table.municipality_id),
        },
    )


def _table_form_page(request: HttpRequest, form: FeeTableForm, bands: Any, table: FeeTable | None) -> HttpResponse:
    band_forms_with_errors = [f for f in bands.forms if f.errors]
    return render(
        request,
        "qualification/feetable_form.html",
        {"form": form, "bands": bands, "table": table, "band_forms_with_errors": band_forms_with_errors},
    )


def _save_table(request: HttpRequest, form: FeeTableForm, bands: Any, table: FeeTable | None) -> FeeTable | None:
    """Validate the form and the rows, call the service; on a rule error put each message beside its field or row."""
    if not (form.is_valid() and bands.is_valid()):
        return None
    rows, row_forms = band_rows(bands)
    try:
        if table is None:
            fields = form.table_fields()
            return services.fee_table_create(
                actor=request.user, municipality=form.cleaned_data["municipality"], bands=rows, **fields
            )
        return services.fee_table_update(actor=request.user, table=table, bands=rows, **form.table_fields())
    except BandsInvalid as exc:
        apply_band_errors(exc, bands, row_forms)
        table_errors = {name: errors for name, errors in exc.error_dict.items() if name != "bands"}
        if table_errors:
            apply_form_errors(ValidationError(table_errors), form)
    except ValidationError as exc:
        apply_form_errors(exc, form)
    return None


@permission_required("qualification.add_feetable", raise_exception=True)
def feetable_create(request: HttpRequest) -> HttpResponse:
    form = FeeTableForm(request.POST or None, user=request.user)
    bands = NewFeeBandFormSet(request.POST or None, prefix="bands")
    if request.method == "POST":
        table = _save_table(request, form, bands, None)
        if table is not None:
            messages.success(request, _("The fee table was saved."))
            return redirect("qualification:feetable_detail", pk=table.pk)
    return _table_form_page(request, form, bands, None)


@permission_required("qualification.change_feetable", raise_exception=True)
def feetable_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    table = access_object(request.user, FeeTable, "change", pk=pk)
    form = FeeTableForm(request.POST or None, instance=FeeTable.objects.get(pk=table.pk), user=request.user)
    bands = FeeBandFormSet(request.POST or None, prefix="bands", initial=band_initial(table))
    if request.method == "POST":
        saved = _save_table(request, form, bands, table)
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("qualification:feetable_detail", pk=saved.pk)
    return _table_form_page(request, form, bands, table)


@require_POST
@permission_required("qualification.delete_feetable", raise_exception=True)
def feetable_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    table = access_object(request.user, FeeTable, "delete", pk=pk)
    try:
        services.fee_table_delete(actor=request.user, table=table)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("qualification:feetable_detail", pk=table.pk)
    messages.success(request, _("The draft fee table was deleted."))
    return redirect("qualification:feetable_list")


# --- calculator --------------------------------------------------------------------------------------------------


@permission_required("qualification.view_feetable", raise_exception=True)
def calculator(request: HttpRequest) -> HttpResponse:
    """The fee for an income, under a table on a day. A POST (incomes stay out of addresses and server logs);
    htmx gets only the result."""
    user: Any = request.user
    initial = {}
    if "table" in request.GET:
        initial["table"] = request.GET["table"]
    form = CalculatorForm(request.POST or None, user=user, initial=initial)
    calculation = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calculation = queries.calculate_fee(
                table=data["table"],
                day=data["date"],
                income_per_person=data["income_per_person"],
                single=data["household"] == "single",
                unit_cost=data["unit_cost"],
                units_per_month=data["units_per_month"],
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
    context = {"form": form, "calculation": calculation}
    if getattr(request, "htmx", False):
        return render(request, "qualification/calculator.html#result", context)
    return render(request, "qualification/calculator.html", context)
