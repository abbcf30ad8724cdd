"""Sign-in required by default, idle session expiry made visible, and two-factor verification for staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse

# Paths that answer for themselves: the API (its own auth and JSON errors), health checks, static files and the
# public portal for residents (no sign-in, never asks a half-signed-in staff member for a 2FA code).
OPEN_PREFIXES = ("/api/", "/healthz", "/readyz", "/static/", "/i18n/", "/uslugi/")


def session_expired(request: HttpRequest) -> bool:
    """A session cookie was sent but no signed-in session stands behind it any more."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and not request.user.is_authenticated


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Deny by default: every page needs a signed-in user unless marked ``@login_not_required``."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request: HttpRequest, view_func: Callable[..., Any]) -> HttpResponseRedirect:
        query = {"next": request.get_full_path()}
        if session_expired(request):
            query["expired"] = "1"
        return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode(query)}")


TWO_FACTOR_OPEN = ("accounts:logout", "accounts:otp_verify", "accounts:otp_setup", "set_language")


class TwoFactorMiddleware:
    """A signed-in user with a confirmed device must enter a code; with ``CUS_REQUIRE_2FA`` one must set it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or request.path.startswith(OPEN_PREFIXES):
            return None
        if user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN:
            return None
        from cus.accounts.otp import has_confirmed_device

        next_query = urlencode({"next": request.get_full_path()})
        if has_confirmed_device(user):
            return HttpResponseRedirect(f"{reverse('accounts:otp_verify')}?{next_query}")
        if settings.CUS_REQUIRE_2FA:
            return HttpResponseRedirect(f"{reverse('accounts:otp_setup')}?{next_query}")
        return None
