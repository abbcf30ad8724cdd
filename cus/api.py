"""The staff JSON API at /api/v1/: one error shape, documented 401/403/404/422, routers per app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from cus.accounts.api import router as accounts_router
from cus.accounts.auth import BrowserSessionAuth, TokenAuth
from cus.audit.api import router as audit_router
from cus.catalog.api import router as catalog_router
from cus.core.api import router as core_router
from cus.delivery.api import router as delivery_router
from cus.plans.api import router as plans_router
from cus.programme.api import router as programme_router
from cus.qualification.api import router as qualification_router
from cus.residents.api import router as residents_router

api = NinjaAPI(
    title="Otwarte CUS API",
    version="1",
    description=(
        "Staff API of a Centrum Usług Społecznych. Authenticate with a personal token "
        "(`Authorization: Bearer cus_…`, created on the API tokens page) or the browser session. "
        'Every error has the shape `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.'
    ),
    auth=[TokenAuth(), BrowserSessionAuth()],
    urls_namespace="api-v1",
    # Swagger UI (served from the ninja wheel, no CDN) sets inline styles; only its page relaxes style-src.
    docs_decorator=csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}),  # type: ignore[dict-item]
)


def _error(request: HttpRequest, status: int, kind: str, msg: str, loc: list[Any] | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": [{"loc": loc or [], "msg": msg, "type": kind}]}, status=status)


# Every operation names its JSON body parameter ``payload``; ninja puts that name into ``loc``.
BODY_PARAM = "payload"


def _schema_loc(loc: list[Any]) -> list[Any]:
    """``["body", "payload", "email"]`` → ``["body", "email"]``: the same loc as a rule error on that field."""
    if len(loc) >= 2 and loc[0] == "body" and loc[1] == BODY_PARAM:
        return ["body", *loc[2:]]
    return loc


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail = [
        {
            "loc": _schema_loc(list(error.get("loc", []))),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "invalid")),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(DjangoValidationError)
def on_rule_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    detail = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                loc = ["body"] if field == "__all__" else ["body", field]
                detail.append({"loc": loc, "msg": " ".join(error.messages), "type": error.code or "invalid"})
    else:
        detail = [{"loc": ["body"], "msg": message, "type": "invalid"} for message in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else _("Authentication required: send a token or sign in.")
    return _error(request, 401, "not_authenticated", message)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    kinds = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found", 429: "throttled"}
    return _error(request, exc.status_code, kinds.get(exc.status_code, "error"), str(exc.message))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "permission_denied", str(exc) or _("Your roles do not allow this action."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or _("Not found."))


api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/catalog", catalog_router)
api.add_router("/delivery", delivery_router)
api.add_router("/plans", plans_router)
api.add_router("/programme", programme_router)
api.add_router("/qualification", qualification_router)
api.add_router("/residents", residents_router)
