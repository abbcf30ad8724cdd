"""API authentication: personal bearer tokens for machine clients, the Django session for the browser."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.utils import check_csrf

from cus.accounts import services
from cus.accounts.otp import has_confirmed_device
from cus.audit.models import AuditAction
from cus.audit.services import record

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cus_…``: acts with exactly the rights of the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = services.token_lookup(token.strip())
        if api_token is None:
            record(action=AuditAction.DENIED, actor=None, purpose="api token", message="unknown token")
            raise AuthenticationError(message=_("The API token is not valid."))
        user = api_token.user
        if api_token.revoked_at is not None:
            record(action=AuditAction.DENIED, actor=user, instance=api_token, purpose="api token", message="revoked")
            raise AuthenticationError(message=_("The API token has been revoked."))
        if api_token.expires_at is not None and api_token.expires_at <= timezone.now():
            record(action=AuditAction.DENIED, actor=user, instance=api_token, purpose="api token", message="expired")
            raise AuthenticationError(message=_("The API token has expired."))
        if not user.is_active:
            record(
                action=AuditAction.DENIED, actor=user, instance=api_token, purpose="api token", message="inactive user"
            )
            raise AuthenticationError(message=_("The account this token belongs to is deactivated."))
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise HttpError(403, _("This token is read-only and cannot change data."))
        services.token_touch(api_token)
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return user


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser session, with CSRF on writes and the same two-factor rule as the pages."""

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key is None:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise HttpError(403, _("The CSRF token is missing or wrong. Send the X-CSRFToken header from the page."))
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        user: Any = request.user
        if not user.is_authenticated:
            raise AuthenticationError(message=_("Your session has expired. Sign in again."))
        if not user.is_verified() and (settings.CUS_REQUIRE_2FA or has_confirmed_device(user)):
            raise AuthenticationError(
                message=_("Two-factor verification is required. Enter your code on the sign-in page.")
            )
        return user
