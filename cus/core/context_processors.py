from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cus.core.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_items": navigation_for(request, user) if user is not None else []}
