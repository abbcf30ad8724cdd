"""The staff home, the centre pages, health checks and error pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cus.accounts.permissions import grants_for
from cus.accounts.roles import TRAINING_REQUIRED, Role
from cus.core import services
from cus.core.access import access_object
from cus.core.forms import CentreForm
from cus.core.models import Centre


def apply_form_errors(exc: ValidationError, *forms: BaseForm, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError beside the right field, or at the top of the first form."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        forms[0].add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = field_map.get(field, field)
        target = next((f for f in forms if name in f.fields), None)
        if target is None:
            forms[0].add_error(None, errors)
        else:
            target.add_error(name, errors)


def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    grants = grants_for(user)
    roles = sorted({Role(g.role).label for g in grants})
    needs_training = bool({g.role for g in grants} & TRAINING_REQUIRED) and not user.training_certificates.exists()
    return render(request, "core/home.html", {"roles": roles, "needs_training": needs_training})


@permission_required("core.view_centre", raise_exception=True)
def centre_list(request: HttpRequest) -> HttpResponse:
    centres = Centre.objects.restrict(request.user, "view").prefetch_related("municipalities", "teams")
    return render(request, "core/centre_list.html", {"centres": centres})


@permission_required("core.view_centre", raise_exception=True)
def centre_detail(request: HttpRequest, pk: int) -> HttpResponse:
    centre = access_object(request.user, Centre, "view", pk=pk)
    return render(
        request,
        "core/centre_detail.html",
        {
            "centre": centre,
            "municipalities": centre.municipalities.all(),
            "teams": centre.teams.all(),
            "can_change": request.user.has_perm("core.change_centre", centre),
        },
    )


@permission_required("core.change_centre", raise_exception=True)
def centre_edit(request: HttpRequest, pk: int) -> HttpResponse:
    centre = access_object(request.user, Centre, "change", pk=pk)
    form = CentreForm(request.POST or None, instance=Centre.objects.get(pk=centre.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.centre_update(
                actor=request.user, centre=centre, **{name: form.cleaned_data[name] for name in form.changed_data}
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("core:centre_detail", pk=centre.pk)
    return render(request, "core/centre_form.html", {"form": form, "centre": centre})


# --- Health -----------------------------------------------------------------------------------------------------


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
    ready = not pending
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


# --- Errors -----------------------------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _error(request: HttpRequest, status: int, kind: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": [{"loc": [], "msg": message, "type": kind}]}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    from cus.audit.models import AuditAction
    from cus.audit.services import record

    record(action=AuditAction.DENIED, actor=request.user, purpose="csrf", message=reason)
    return _error(
        request,
        403,
        "csrf_failed",
        _("The form's security token is missing or out of date. Go back, reload the page and send it again."),
    )


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", _("There is no such page, or you have no access to it."))


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("Your roles do not allow this action."))


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "server_error", _("Something went wrong on our side. Nothing was saved; try again."))
