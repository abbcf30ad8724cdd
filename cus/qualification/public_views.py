"""The portal's online application (no account) and the status check by tracking code and PESEL.

The status page answers the same way whichever of the two is wrong and is rate limited per address, so that a
guessed code reveals nothing; it shows only the state and dates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cus.core import ratelimit
from cus.core.views import apply_form_errors
from cus.programme.models import EligibilityRule, ProgrammeService, ProgrammeStatus
from cus.qualification import application_services as services
from cus.qualification.applications import State
from cus.qualification.public_forms import OnlineApplicationForm, StatusForm

STATUS_ATTEMPTS = 10  # per address per window
APPLY_ATTEMPTS = 5
WINDOW_SECONDS = 15 * 60
SESSION_KEY = "qualification_online_code"
IDENTITY_FIELDS = ("pesel", "first_name", "last_name", "street", "building", "flat", "postal_code", "town", "phone")


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _limited(request: HttpRequest, bucket: str, limit: int) -> bool:
    """Count one attempt; True when the address has used up its attempts in the window.

    Counted in the database: a per-process cache would give every gunicorn worker its own allowance."""
    return ratelimit.hit(f"qualification:{bucket}", _client(request), limit=limit, window_seconds=WINDOW_SECONDS)


def _offer(pk: int) -> ProgrammeService:
    offer = (
        ProgrammeService.objects.filter(pk=pk, programme__status=ProgrammeStatus.IN_FORCE)
        .select_related("programme__municipality", "service")
        .first()
    )
    if offer is None:
        raise Http404(_("This service takes no online applications now."))
    return offer


def _conditions(offer: ProgrammeService) -> list[str]:
    from django.db.models import Q

    rules = EligibilityRule.objects.filter(programme=offer.programme).filter(
        Q(programme_service__isnull=True) | Q(programme_service=offer)
    )
    return [str(rule.plain_text(offer.programme.municipality.name)) for rule in rules.order_by("pk")]


@login_not_required
@never_cache
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer(pk)
    # Bound on every POST, even an empty one, so that a refusal can be added to it.
    posted = request.method == "POST"
    form = OnlineApplicationForm(
        request.POST if posted else None, request.FILES if posted else None, conditions=_conditions(offer)
    )
    status = 200
    if request.method == "POST":
        if _limited(request, "apply", APPLY_ATTEMPTS):
            form.add_error(None, _("Too many applications from your address. Try again in 15 minutes."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            identity = services.OnlineIdentity(
                **{
                    name: data.get(name, "")
                    for name in (
                        "pesel",
                        "first_name",
                        "last_name",
                        "street",
                        "building",
                        "flat",
                        "postal_code",
                        "town",
                        "phone",
                    )
                }
            )
            uploads = [
                services.Upload(name=upload.name, content=upload.read())
                for name in form.attachment_fields()
                if (upload := data.get(name)) is not None
            ]
            try:
                application, code = services.file_online(
                    programme_service=offer,
                    identity=identity,
                    email=data["email"],
                    statements=form.statements(),
                    uploads=uploads,
                    applicant_relation=data["applicant_relation"],
                    applicant_name=data.get("applicant_name", ""),
                )
            except ValidationError as exc:
                # An attachment problem names no field of this form: show it at the first attachment.
                field_map = {"file": "attachment_1", "person": "pesel"}
                apply_form_errors(exc, form, field_map=field_map)
            else:
                request.session[SESSION_KEY] = {"code": code, "reference": application.reference}
                return redirect("qualification_public:applied")
        else:
            status = 400
        if status == 200:
            status = 400
    return render(
        request,
        "qualification/public/apply.html",
        {"form": form, "offer": offer, "service": offer.service},
        status=status,
    )


@login_not_required
@never_cache
def applied(request: HttpRequest) -> HttpResponse:
    shown = request.session.pop(SESSION_KEY, None)
    if shown is None:
        return redirect("qualification_public:status")
    return render(request, "qualification/public/applied.html", shown)


@login_not_required
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST if request.method == "POST" else None)
    found: Any = None
    code = 200
    if request.method == "POST":
        if _limited(request, "status", STATUS_ATTEMPTS):
            form.add_error(None, _("Too many attempts from your address. Try again in 15 minutes."))
            code = 429
        elif form.is_valid():
            found = services.find_by_tracking(form.cleaned_data["code"], form.cleaned_data["pesel"])
            if found is None:
                # The same answer whichever of the two is wrong.
                form.add_error(None, _("No application matches this tracking code and PESEL."))
                code = 404
        else:
            code = 400
    context: dict[str, Any] = {"form": form}
    if found is not None:
        context["result"] = {
            "state": found.get_state_display(),
            "filed": found.filed_at,
            "changed": found.updated_at,
            "deadline": found.documents_deadline if found.state == State.INCOMPLETE else None,
        }
    return render(request, "qualification/public/status.html", context, status=code)
