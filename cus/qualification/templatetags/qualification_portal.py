"""The portal's link to apply online for a service offered in a programme in force."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def online_offers(service: Any) -> list[Any]:
    """Services of programmes in force that offer ``service`` (one query)."""
    from cus.programme.models import ProgrammeService, ProgrammeStatus

    return list(
        ProgrammeService.objects.filter(service_id=service.pk, programme__status=ProgrammeStatus.IN_FORCE)
        .select_related("programme")
        .order_by("programme__name", "pk")
    )
