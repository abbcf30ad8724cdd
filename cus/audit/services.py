"""Writing the audit trail. Service functions of every app call these inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from cus.audit import context
from cus.audit.models import AuditAction, AuditEntry

# Never copied into a snapshot, whatever the model says.
ALWAYS_EXCLUDED = frozenset({"password", "key_hash", "key", "secret"})


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's field values as JSON, without secrets; many-to-many fields listed in ``audit_m2m``."""
    excluded = ALWAYS_EXCLUDED | set(getattr(instance, "audit_exclude", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    if instance.pk is not None:
        for name in getattr(instance, "audit_m2m", ()):
            data[name] = [_json_value(pk) for pk in sorted(getattr(instance, name).values_list("pk", flat=True))]
    return data


def values_snapshot(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """``snapshot`` of a part of a row given as attribute values (work on batches reads rows as plain values)."""
    excluded = ALWAYS_EXCLUDED | set(getattr(model, "audit_exclude", ()))
    return {
        field.attname: _json_value(values[field.attname])
        for field in model._meta.concrete_fields
        if field.attname in values and field.name not in excluded
    }


def _in_installation_language(text: Any) -> str:
    """Purposes are stored in the installation's language, whatever language the user's screen is in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _label(instance: Any) -> str:
    return str(instance)[:300]


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    if not getattr(actor, "is_authenticated", False):
        return "anonymous"
    return f"{actor.get_full_name()} <{actor.email}>"[:300]


def record(
    *,
    action: str,
    actor: Any,
    instance: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    purpose: str | Promise = "",
    message: str = "",
    actor_label: str = "",
    centre_id: int | None = None,
    municipality_id: int | None = None,
) -> AuditEntry:
    """Write one audit entry (see ``build_entry``)."""
    entry = build_entry(
        action=action,
        actor=actor,
        instance=instance,
        before=before,
        after=after,
        purpose=purpose,
        message=message,
        actor_label=actor_label,
        centre_id=centre_id,
        municipality_id=municipality_id,
    )
    entry.save(force_insert=True)
    return entry


def build_entry(
    *,
    action: str,
    actor: Any,
    instance: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    purpose: str | Promise = "",
    message: str = "",
    actor_label: str = "",
    centre_id: int | None = None,
    municipality_id: int | None = None,
) -> AuditEntry:
    """The audit entry of an action, not yet saved (``record`` saves it; batches insert many at once)."""
    ctx = context.current()
    entry = AuditEntry(
        action=action,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=actor_label or _actor_label(actor),
        request_id=ctx.request_id,
        ip_address=ctx.ip_address,
        purpose=_in_installation_language(purpose)[:300],
        message=str(message),
        before=before,
        after=after,
    )
    if before is not None and after is not None:
        entry.changed_fields = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if instance is not None:
        entry.object_type = instance._meta.label_lower
        entry.object_id = str(instance.pk) if instance.pk is not None else ""
        entry.object_repr = _label(instance)
        tenant = getattr(instance, "audit_tenant", None)
        if tenant is not None:
            centre_id, municipality_id = tenant()
        person_of = getattr(instance, "audit_person", None)
        person = person_of() if person_of is not None else None
        if person is not None:
            entry.person_type = person._meta.label_lower
            entry.person_id = str(person.pk)
            entry.person_label = _label(person)
    if centre_id is None and municipality_id is None and actor is not None:
        centre_id = getattr(actor, "centre_id", None)
    entry.centre_id = centre_id
    entry.municipality_id = municipality_id
    return entry


def record_create(*, actor: Any, instance: models.Model, message: str = "") -> AuditEntry:
    return record(action=AuditAction.CREATE, actor=actor, instance=instance, after=snapshot(instance), message=message)


def record_update(*, actor: Any, instance: models.Model, before: dict[str, Any], message: str = "") -> AuditEntry:
    return record(
        action=AuditAction.UPDATE,
        actor=actor,
        instance=instance,
        before=before,
        after=snapshot(instance),
        message=message,
    )


# The columns of an audit entry given as a plain row (``UpdateEntries``), in this order.
ENTRY_FIELDS = (
    "timestamp",
    "action",
    "actor",
    "actor_label",
    "request_id",
    "ip_address",
    "object_type",
    "object_id",
    "object_repr",
    "person_type",
    "person_id",
    "person_label",
    "centre_id",
    "municipality_id",
    "purpose",
    "message",
    "before",
    "after",
    "changed_fields",
)


class UpdateEntries:
    """The audit entries of updates of many rows of one model, as rows of ``ENTRY_FIELDS`` for one bulk insert:
    what ``record_update`` writes for each row (the same columns, as ``build_entry`` fills them), from values read
    without a model instance per row — for work on batches, such as the recalculation of fees. The entries share
    their moment ``at``."""

    def __init__(
        self,
        *,
        actor: Any,
        model: type[models.Model],
        at: datetime.datetime,
        person_model: type[models.Model] | None = None,
    ) -> None:
        ctx = context.current()
        actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
        common = (at, AuditAction.UPDATE, actor_id, _actor_label(actor), ctx.request_id, ctx.ip_address)
        self._head = (*common, model._meta.label_lower)
        self._person_type = person_model._meta.label_lower if person_model is not None else ""
        self._actor_centre_id = getattr(actor, "centre_id", None) if actor is not None else None
        self.rows: list[Sequence[Any]] = []

    def add(
        self,
        *,
        pk: Any,
        label: str,
        before: dict[str, Any],
        after: dict[str, Any],
        message: str = "",
        person_pk: Any = None,
        person_label: str = "",
        centre_id: int | None = None,
        municipality_id: int | None = None,
    ) -> None:
        """One entry: the row ``pk`` (shown as ``label``), its values before and after (``values_snapshot``), the
        person it concerns and its tenant (what the model's ``audit_person`` and ``audit_tenant`` give)."""
        if centre_id is None and municipality_id is None:
            centre_id = self._actor_centre_id
        person = ("", "", "") if person_pk is None else (self._person_type, str(person_pk), person_label[:300])
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        subject = (str(pk), label[:300], *person, centre_id, municipality_id)
        self.rows.append((*self._head, *subject, "", str(message), before, after, changed))


def record_delete(*, actor: Any, instance: models.Model, before: dict[str, Any], message: str = "") -> AuditEntry:
    return record(action=AuditAction.DELETE, actor=actor, instance=instance, before=before, message=message)


def record_access(*, actor: Any, instance: models.Model, purpose: str | Promise) -> AuditEntry:
    """A read of a person's record, with why it was read (RODO accountability, art. 50 of the CUS act)."""
    return record(action=AuditAction.VIEW, actor=actor, instance=instance, purpose=purpose)


def record_denied(*, actor: Any, what: str, message: str = "", instance: models.Model | None = None) -> AuditEntry:
    return record(action=AuditAction.DENIED, actor=actor, instance=instance, purpose=what, message=message)
