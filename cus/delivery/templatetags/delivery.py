"""Template filters of the delivery pages."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.dates import WEEKDAYS_ABBR

register = template.Library()


@register.filter
def weekday_names(days: Iterable[int]) -> str:
    """ISO weekdays (1 = Monday) as the installation language's abbreviations: "Mon, Wed, Fri"."""
    return ", ".join(str(WEEKDAYS_ABBR[day - 1]) for day in sorted(days) if 1 <= day <= 7)
