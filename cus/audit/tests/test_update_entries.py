"""Audit entries of batch updates written as plain rows say what ``record_update`` would say of each change."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cus.accounts.models import User
from cus.accounts.roles import Role
from cus.audit import context
from cus.audit.models import AuditAction, AuditEntry
from cus.audit.services import ENTRY_FIELDS, UpdateEntries, build_entry, snapshot, values_snapshot

pytestmark = pytest.mark.django_db

COLUMNS = [f.attname for f in AuditEntry._meta.concrete_fields if f.name not in {"id", "timestamp"}]


def _columns(entry: AuditEntry) -> dict[str, Any]:
    return {column: getattr(entry, column) for column in COLUMNS}


def _written(rows: list[Any]) -> list[AuditEntry]:
    names = [AuditEntry._meta.get_field(name).attname for name in ENTRY_FIELDS]
    return [AuditEntry(**dict(zip(names, row, strict=True))) for row in rows]


def test_rows_equal_the_entries_record_update_builds(make_user: Any) -> None:
    administrator = make_user(Role.ADMINISTRATOR, full_name="Adam Admin", email="admin@cus.example")
    worker = make_user(Role.SOCIAL_WORKER, full_name="Ewa Kowalska", email="ewa@cus.example")
    # A user has no tenant (the entry is the actor's centre's) and is the person the entry concerns.
    before = values_snapshot(User, {"job_title": "", "password": "secret hash", "last_login": None})
    assert before == {"job_title": ""}  # secrets and the model's own exclusions are left out, as in snapshot()
    after = {**before, "job_title": "Starszy pracownik socjalny"}
    now = timezone.now()
    token = context.bind(context.RequestContext(request_id="req-1", ip_address="10.0.0.7"))
    try:
        entries = UpdateEntries(actor=administrator, model=User, person_model=User, at=now)
        entries.add(
            pk=worker.pk,
            label=str(worker),
            before=before,
            after=after,
            message="Zmiana stanowiska",
            person_pk=worker.pk,
            person_label=str(worker),
        )
        expected = build_entry(
            action=AuditAction.UPDATE,
            actor=administrator,
            instance=worker,
            before=before,
            after=after,
            message="Zmiana stanowiska",
        )
    finally:
        context.reset(token)
    (written,) = _written(entries.rows)
    assert _columns(written) == _columns(expected)
    assert (written.timestamp, written.changed_fields, written.centre_id) == (now, ["job_title"], worker.centre_id)
    assert (written.request_id, written.ip_address) == ("req-1", "10.0.0.7")
    assert set(values_snapshot(User, {f.attname: getattr(worker, f.attname) for f in User._meta.concrete_fields})) == (
        set(snapshot(worker))
    )


def test_a_row_without_an_actor_is_the_system_s() -> None:
    entries = UpdateEntries(actor=None, model=AuditEntry, person_model=User, at=timezone.now())
    entries.add(pk=1, label="x" * 400, before={"a": 1}, after={"a": 2}, person_pk=7, person_label="P")
    (written,) = _written(entries.rows)
    assert (written.actor_id, written.actor_label, written.centre_id) == (None, "system", None)
    assert len(written.object_repr) == 300
    assert (written.person_type, written.person_id, written.person_label) == ("accounts.user", "7", "P")
