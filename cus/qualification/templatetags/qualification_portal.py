"""The portal's link to apply online for a service offered in a programme in force."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def online_offers(service: Any) -> list[Any]:
    """Services of programmes in force that offer ``service`` (shared with the programmes shown above it)."""
    from cus.programme.queries import offers_in_force

    return offers_in_force(service)
