"""Role grants of a user and the municipalities each permission reaches.

``grants_for(user)`` loads the user's role assignments once per request (cached on the user object);
``municipality_ids_for(user, perm)`` is what ``ScopedQuerySet.restrict`` filters by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cus.accounts.roles import Role, roles_with


@dataclass(frozen=True)
class Grant:
    role: str
    centre_id: int | None
    municipality_ids: frozenset[int]


def grants_for(user: Any) -> tuple[Grant, ...]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_cus_grants", None)
    if cached is not None:
        return cached
    from cus.accounts.models import RoleAssignment

    grants = tuple(
        Grant(
            role=assignment.role,
            centre_id=user.centre_id,
            municipality_ids=frozenset(m.pk for m in assignment.municipalities.all()),
        )
        for assignment in RoleAssignment.objects.filter(user=user).prefetch_related("municipalities")
    )
    user._cus_grants = grants
    return grants


def forget_grants(user: Any) -> None:
    if hasattr(user, "_cus_grants"):
        del user._cus_grants


def municipality_ids_for(user: Any, permission: str) -> frozenset[int]:
    allowed = roles_with(permission)
    ids: set[int] = set()
    for grant in grants_for(user):
        if grant.role in allowed:
            ids |= grant.municipality_ids
    return frozenset(ids)


def has_role(user: Any, *roles: Role) -> bool:
    return any(grant.role in roles for grant in grants_for(user))


def has_permission(user: Any, permission: str, municipality_id: int | None = None) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    ids = municipality_ids_for(user, permission)
    return bool(ids) if municipality_id is None else municipality_id in ids
