"""E-mails to staff, sent by the background worker (Django tasks) after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _


@task()
def send_invitation(user_id: int) -> None:
    from cus.accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        body = render_to_string(
            "accounts/email/invitation.txt", {"user": user, "url": settings.CUS_BASE_URL.rstrip("/") + path}
        )
        send_mail(_("Your account in Otwarte CUS"), body, None, [user.email])


@task()
def send_token_created(token_id: int) -> None:
    from cus.accounts.models import ApiToken

    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("accounts/email/token_created.txt", {"token": token, "user": token.user})
        send_mail(_("A new API token was created for your account"), body, None, [token.user.email])


def invitation_send(*, user_id: int) -> None:
    send_invitation.enqueue(user_id)


def token_created_send(*, token_id: int) -> None:
    send_token_created.enqueue(token_id)
