"""E-mail notices to applicants, sent by the background worker (Django tasks) after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


@task()
def application_notice(application_id: str, what: str) -> None:
    """Tell the applicant what happened to the application (qualified, refused, moved up from the waiting list).
    The e-mail names only the case reference and the service: no income, fee or health data leaves by e-mail."""
    from cus.qualification.applications import Application

    application = (
        Application.objects.select_related("centre", "programme_service__service").filter(pk=application_id).first()
    )
    if application is None or not application.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            "qualified": _("Your application %(reference)s: qualified"),
            "refused": _("Your application %(reference)s: a decision was issued"),
            "moved_up": _("Your application %(reference)s: a place is free for you"),
        }
        body = render_to_string(
            "qualification/email/application_notice.txt", {"application": application, "what": what}
        )
        send_mail(subjects[what] % {"reference": application.reference}, body, None, [application.email])


@task()
def online_confirmation(application_id: str, code: str) -> None:
    """The confirmation of an online application with its tracking code (the only place the code is kept readable:
    the database keeps its hash)."""
    from cus.qualification.applications import Application

    application = (
        Application.objects.select_related("centre", "programme_service__service").filter(pk=application_id).first()
    )
    if application is None or not application.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "qualification/email/online_confirmation.txt",
            {
                "application": application,
                "code": code,
                "status_url": settings.CUS_BASE_URL.rstrip("/") + "/uslugi/wnioski/status/",
            },
        )
        send_mail(
            _("Your application %(reference)s was received") % {"reference": application.reference},
            body,
            None,
            [application.email],
        )
