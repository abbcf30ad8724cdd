"""Authentication backend that answers ``user.has_perm`` from the centre roles (templates use ``perms``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from cus.accounts.permissions import has_permission


class RolePermissionBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        if obj is None:
            return has_permission(user_obj, perm)
        model = type(obj)
        if not hasattr(model, "tenant_q"):
            return False
        action = perm.split(".", 1)[1].split("_", 1)[0]
        return model._default_manager.restrict(user_obj, action).filter(pk=obj.pk).exists()
