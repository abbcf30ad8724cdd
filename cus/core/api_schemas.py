"""Schemas shared by every API router: the error shape and the documented error responses."""

from __future__ import annotations

from ninja import Schema


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    detail: list[ErrorItem]


# Responses every authenticated operation can give; add 404 for detail routes and 422 for input.
AUTH_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
DETAIL_ERRORS: dict[int, type[Schema]] = {**AUTH_ERRORS, 404: ErrorOut}


def require_permission(request: object, permission: str) -> None:
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from cus.accounts.permissions import has_permission

    if not has_permission(request.user, permission):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Your roles do not allow this action."))
