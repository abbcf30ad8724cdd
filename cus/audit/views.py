"""The audit screen for the director and the administrator: search, one entry's details, CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cus.audit.forms import AuditSearchForm
from cus.audit.models import AuditAction, AuditEntry
from cus.audit.queries import audit_entries
from cus.audit.services import record
from cus.core.access import access_object

PAGE_SIZE = 50


def _filters(form: AuditSearchForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "person": data.get("person") or "",
        "actor": data.get("user") or "",
        "obj": data.get("object") or "",
        "action": data.get("action") or "",
        "date_from": data.get("date_from"),
        "date_to": data.get("date_to"),
    }


@permission_required("audit.view_auditentry", raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    entries = audit_entries(request.user, **_filters(form)) if form.is_valid() else None
    if not request.GET:
        entries = audit_entries(request.user)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")) if entries is not None else None
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/_results.html" if request.htmx else "audit/search.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@permission_required("audit.view_auditentry", raise_exception=True)
def export_csv(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # Never export more than was asked for: show the search screen with the errors instead.
        return redirect(f"{reverse('audit:search')}?{request.GET.urlencode()}")
    filters = _filters(form) if form.is_bound else {}
    entries = audit_entries(request.user, **filters)[:50_000]
    record(action=AuditAction.VIEW, actor=request.user, purpose="audit export (CSV)", message=request.GET.urlencode())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read Polish characters right
    writer = csv.writer(response)
    writer.writerow(
        [
            "id",
            "time",
            "action",
            "user",
            "object_type",
            "object_id",
            "object",
            "person",
            "purpose",
            "request_id",
            "ip",
            "changed_fields",
        ]
    )
    for e in entries.iterator():
        writer.writerow(
            [
                e.pk,
                timezone.localtime(e.timestamp).isoformat(),
                e.action,
                e.actor_label,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.person_label,
                e.purpose,
                e.request_id,
                e.ip_address or "",
                " ".join(e.changed_fields),
            ]
        )
    return response


def _field_labels(object_type: str) -> dict[str, str]:
    """Field names of the audited model in the user's language (the snapshot stores attribute names)."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    labels: dict[str, str] = {}
    for field in model._meta.get_fields():
        verbose = getattr(field, "verbose_name", None)
        if verbose:
            labels[field.name] = str(verbose)
            labels[getattr(field, "attname", field.name)] = str(verbose)
    return labels


@permission_required("audit.view_auditentry", raise_exception=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access_object(request.user, AuditEntry, "view", pk=pk)
    keys = sorted(set(entry.before or {}) | set(entry.after or {}))
    labels = _field_labels(entry.object_type)
    rows = [
        {
            "field": labels.get(key, key),
            "before": (entry.before or {}).get(key),
            "after": (entry.after or {}).get(key),
            "changed": key in entry.changed_fields,
        }
        for key in keys
    ]
    return render(request, "audit/detail.html", {"entry": entry, "rows": rows})
