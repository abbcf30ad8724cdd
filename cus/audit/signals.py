"""Sign-in events into the audit trail. Only access events live here; domain writes go through services."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from cus.audit.models import AuditAction
from cus.audit.services import record


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(action=AuditAction.LOGIN, actor=user, instance=user, message="password accepted")


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action=AuditAction.LOGOUT, actor=user, instance=user)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The attempted e-mail is recorded, never the password (Django already masks it in ``credentials``).
    record(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        actor_label=str(credentials.get("username", ""))[:300],
        message="wrong e-mail or password",
    )


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    record(action=AuditAction.LOCKED_OUT, actor=None, actor_label=str(username or "")[:300], message=f"ip {ip_address}")
