"""What residents see of a programme in force: no sign-in, and no personal data (only the programme's content)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cus.programme import queries


@login_not_required
@require_safe
def programme_page(request: HttpRequest, pk: Any) -> HttpResponse:
    programme = queries.public_programme(pk)
    general, per_service = queries.rules_by_scope(programme)
    name = programme.municipality.name
    return render(
        request,
        "programme/public_programme.html",
        {
            "programme": programme,
            "general_rules": [rule.plain_text(name) for rule in general],
            "service_rows": [
                {"item": ps, "rules": [rule.plain_text(name) for rule in per_service.get(ps.pk, [])]}
                for ps in programme.programme_services.all()
            ],
            "reliefs": list(programme.reliefs.all()),
            "budget": queries.budget_summary(programme),
        },
    )
