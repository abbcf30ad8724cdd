"""The box of programmes in force on the portal's service page; two queries whatever the number of programmes."""

from __future__ import annotations

from typing import Any

from django import template

from cus.programme.queries import PortalProgramme, programmes_for_service

register = template.Library()


@register.simple_tag(name="programmes_for_service")
def programmes_for_service_tag(service: Any) -> list[PortalProgramme]:
    return programmes_for_service(service)
