"""Writing the audit trail. Service functions of every app call these inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
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


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's field values as JSON, without secrets; many-to-many fields listed in ``audit_m2m``. With
    ``fields`` (attribute names), only those: the part of a row that a change can touch (work on batches reads only
    that part)."""
    excluded = ALWAYS_EXCLUDED | set(getattr(instance, "audit_exclude", ()))
    data: dict[str, Any] = {}
    if fields is not None:
        wanted = set(fields)
        for field in instance._meta.concrete_fields:
            if field.attname in wanted and field.name not in excluded:
                data[field.attname] = _json_value(getattr(instance, field.attname))
        return data
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    if instance.pk is not None:
        for name in getattr(instance, "audit_m2m", ()):
            data[name] = [_json_value(pk) for pk in sorted(getattr(instance, name).values_list("pk", flat=True))]
    return data


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


def update_entry(
    *,
    actor: Any,
    instance: models.Model,
    before: dict[str, Any],
    message: str = "",
    changed: Iterable[str] | None = None,
) -> AuditEntry:
    """The entry ``record_update`` writes, not yet saved: for work on batches that insert many at once. With
    ``changed`` (attribute names), only those fields can differ from ``before``: the snapshot after is ``before``
    with their new values, without reading every field again."""
    if changed is None:
        after = snapshot(instance)
    else:
        after = {**before, **{name: _json_value(getattr(instance, name)) for name in changed if name in before}}
    return build_entry(
        action=AuditAction.UPDATE,
        actor=actor,
        instance=instance,
        before=before,
        after=after,
        message=message,
    )


def record_delete(*, actor: Any, instance: models.Model, before: dict[str, Any], message: str = "") -> AuditEntry:
    return record(action=AuditAction.DELETE, actor=actor, instance=instance, before=before, message=message)


def record_access(*, actor: Any, instance: models.Model, purpose: str | Promise) -> AuditEntry:
    """A read of a person's record, with why it was read (RODO accountability, art. 50 of the CUS act)."""
    return record(action=AuditAction.VIEW, actor=actor, instance=instance, purpose=purpose)


def record_denied(*, actor: Any, what: str, message: str = "", instance: models.Model | None = None) -> AuditEntry:
    return record(action=AuditAction.DENIED, actor=actor, instance=instance, purpose=what, message=message)
