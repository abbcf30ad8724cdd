"""Screens of the recalculation of fees: the list of runs, starting a run, its progress (polled with htmx while it
runs) and its report of changes, sortable and exported as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cus.accounts.permissions import has_permission
from cus.core.access import access_object
from cus.core.forms import StyledForm
from cus.core.views import apply_form_errors
from cus.qualification import recalculation
from cus.qualification.models import RecalculationOutcome, RecalculationReason, RecalculationRun
from cus.qualification.recalculation_models import REPORTED_OUTCOMES

PAGE_SIZE = 50
CHANGE_COLUMNS = (
    ("reference", gettext_lazy("Application")),
    ("outcome", gettext_lazy("Outcome")),
    ("old_fee", gettext_lazy("Fee a month before (PLN)")),
    ("new_fee", gettext_lazy("Fee a month after (PLN)")),
)


class StartForm(StyledForm):
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Every municipality of the centre"),
        help_text=gettext_lazy("The fees of every qualified application of the municipality are recalculated."),
    )
    note = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Optional, e.g. a corrected declaration of income."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = recalculation.recalculation_municipalities(user)  # type: ignore[attr-defined]


def _sort_headers(sort: str) -> list[dict[str, Any]]:
    headers = []
    for key, label in CHANGE_COLUMNS:
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "", key
        headers.append({"key": key, "label": label, "aria_sort": state, "next": next_sort})
    return headers


@permission_required("qualification.view_recalculationrun", raise_exception=True)
def recalculation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    runs = recalculation.runs_for(user).order_by("-created_at", "-pk")
    can_start = has_permission(user, "qualification.recalculate_application")
    return render(
        request,
        "qualification/recalculation_list.html",
        {
            "page": Paginator(runs, 25).get_page(request.GET.get("page")),
            "form": StartForm(user=user) if can_start else None,
        },
    )


@require_POST
@permission_required("qualification.recalculate_application", raise_exception=True)
def recalculation_start(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = StartForm(request.POST, user=user)
    if form.is_valid():
        chosen = form.cleaned_data["municipality"]
        municipalities = [chosen] if chosen else list(recalculation.recalculation_municipalities(user))
        try:
            runs = recalculation.start_recalculation(
                actor=user,
                municipalities=municipalities,
                reason=RecalculationReason.MANUAL,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            if not runs:
                messages.info(request, _("A recalculation is already queued; it will use the rules in force."))
                return redirect("qualification:recalculation_list")
            messages.success(
                request,
                ngettext(
                    "The recalculation of fees was started.",
                    "%(count)d recalculations of fees were started.",
                    len(runs),
                )
                % {"count": len(runs)},
            )
            if len(runs) == 1:
                return redirect("qualification:recalculation_detail", pk=runs[0].pk)
            return redirect("qualification:recalculation_list")
    runs = recalculation.runs_for(user).order_by("-created_at", "-pk")
    return render(
        request,
        "qualification/recalculation_list.html",
        {"page": Paginator(runs, 25).get_page(1), "form": form},
        status=400,
    )


@permission_required("qualification.view_recalculationrun", raise_exception=True)
def recalculation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    run = access_object(user, RecalculationRun, "view", pk=pk)
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in recalculation.CHANGE_SORTS:
        sort = ""
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in RecalculationOutcome.values else ""
    changes = recalculation.changes_for(run, sort=sort, outcome=outcome)
    return render(
        request,
        "qualification/recalculation_detail.html",
        {
            "run": run,
            "page": Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page")),
            "headers": _sort_headers(sort),
            "outcome": outcome,
            "outcomes": [(value, RecalculationOutcome(value).label) for value in REPORTED_OUTCOMES],
        },
    )


@permission_required("qualification.view_recalculationrun", raise_exception=True)
def recalculation_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block alone, polled every 2 s while the run is queued or running."""
    run = access_object(request.user, RecalculationRun, "view", pk=pk)
    response = render(request, "qualification/_recalculation_progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the report appears once the run has finished
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@permission_required("qualification.view_recalculationrun", raise_exception=True)
def recalculation_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = access_object(request.user, RecalculationRun, "view", pk=pk)
    writer = csv.writer(_Echo(), delimiter=";")
    header = [
        _("Application"),
        _("Outcome"),
        _("Fee per unit before (PLN)"),
        _("Fee per unit after (PLN)"),
        _("Fee a month before (PLN)"),
        _("Fee a month after (PLN)"),
        _("Criterion before (PLN)"),
        _("Criterion now (PLN)"),
        _("Income band before"),
        _("Income band now"),
        _("Why it could not be computed"),
    ]

    def rows() -> Any:
        yield "\ufeff" + writer.writerow(header)
        for change in recalculation.changes_for(run, sort="reference").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    change.application.reference,
                    change.get_outcome_display(),
                    *(
                        "" if value is None else str(value)
                        for value in (
                            change.old_fee_per_unit,
                            change.new_fee_per_unit,
                            change.old_fee_per_month,
                            change.new_fee_per_month,
                            change.old_criterion,
                            change.new_criterion,
                        )
                    ),
                    change.old_band,
                    change.new_band,
                    change.reason,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recalculation-{run.pk}.csv"'
    return response
