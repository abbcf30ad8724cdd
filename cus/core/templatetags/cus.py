from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any) -> dict[str, Any]:
    """The list of every error at the top of the page, each linking to its field."""
    return {"forms_with_errors": [f for f in forms if f is not None and f.is_bound and f.errors]}
