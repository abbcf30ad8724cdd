"""API for searching the audit trail (read only: there is no way to change it)."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations (``Query[...]``) in the wrapper's module, where they are undefined.

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from cus.audit.models import AuditAction, AuditEntry
from cus.audit.queries import audit_entries
from cus.core.access import access_object
from cus.core.api_schemas import AUTH_ERRORS, DETAIL_ERRORS, InputSchema, Pagination, require_permission

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    timestamp: datetime.datetime
    action: str
    actor_id: int | None
    actor_label: str
    request_id: str
    ip_address: str | None
    object_type: str
    object_id: str
    object_repr: str
    person_type: str
    person_id: str
    person_label: str
    centre_id: int | None
    municipality_id: int | None
    purpose: str
    message: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed_fields: list[str]


class AuditFilters(InputSchema):
    person: str = ""
    user: str = ""
    object: str = ""
    action: AuditAction | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@router.get("", response={200: list[AuditEntryOut], **AUTH_ERRORS}, summary="Search the audit trail")
@paginate(Pagination)
def audit_search(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    require_permission(request, "audit.view_auditentry")
    return audit_entries(
        request.user,
        person=filters.person,
        actor=filters.user,
        obj=filters.object,
        action=filters.action.value if filters.action else "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )


@router.get("/{entry_id}", response={200: AuditEntryOut, **DETAIL_ERRORS}, summary="One audit entry")
def audit_detail(request: HttpRequest, entry_id: int) -> AuditEntry:
    require_permission(request, "audit.view_auditentry")
    return access_object(request.user, AuditEntry, "view", pk=entry_id)
