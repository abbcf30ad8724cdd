"""Tenant scoping: every list and detail goes through ``restrict(user, action)``.

A model opts in by defining ``tenant_q(municipality_ids) -> Q``. ``restrict`` turns the user's role grants for the
permission ``<app>.<action>_<model>`` into the set of municipalities they may act on, and filters by it. With no grant
the result is empty: deny by default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from collections.abc import Iterable


class ScopedQuerySet(models.QuerySet[Any]):
    def restrict(self, user: Any, action: str = "view") -> Self:
        from cus.accounts.permissions import municipality_ids_for

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        opts = self.model._meta
        ids = municipality_ids_for(user, f"{opts.app_label}.{action}_{opts.model_name}")
        if not ids:
            return self.none()
        return self.filter(self.model.tenant_q(ids))

    def in_municipalities(self, municipality_ids: Iterable[int]) -> Self:
        return self.filter(self.model.tenant_q(municipality_ids))
