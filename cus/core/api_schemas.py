"""Schemas shared by every API router: the error shape and the documented error responses."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import field_validator

# The largest OFFSET both databases accept (a signed 64-bit integer).
MAX_OFFSET = 2**63 - 1


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple, set)):
        return any(_contains_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    return False


class InputSchema(Schema):
    """Base of every request schema (body and query): text with a NUL character is invalid input, not a
    database error (PostgreSQL cannot store it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        from django.core.validators import ProhibitNullCharactersValidator

        if _contains_nul(value):
            # Django's own (translated) message, the same the forms give for this input.
            raise ValueError(str(ProhibitNullCharactersValidator.message))
        return value


class Pagination(LimitOffsetPagination):
    """``limit``/``offset`` paging whose offset stays within what the database can take."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    detail: list[ErrorItem]


# Responses every authenticated operation can give; add 404 for detail routes and 422 for input.
AUTH_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
DETAIL_ERRORS: dict[int, type[Schema]] = {**AUTH_ERRORS, 404: ErrorOut}
# Operations that read a JSON body also answer 400 when the body cannot be parsed as JSON at all.
BODY_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, **AUTH_ERRORS}
BODY_DETAIL_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, **DETAIL_ERRORS}


def require_permission(request: object, permission: str) -> None:
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from cus.accounts.permissions import has_permission

    if not has_permission(request.user, permission):  # type: ignore[attr-defined]
        raise PermissionDenied(_("Your roles do not allow this action."))
