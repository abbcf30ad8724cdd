"""The audit trail is append-only: in the model, the queryset and the database itself (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from cus.accounts.models import User
from cus.accounts.roles import Role
from cus.audit.models import AppendOnlyError, AuditAction, AuditEntry
from cus.audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(director: User) -> AuditEntry:
    return record(action=AuditAction.VIEW, actor=director, instance=director, purpose="test", message="original")


def test_saving_an_existing_entry_is_refused(entry: AuditEntry) -> None:
    entry.message = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).message == "original"


def test_deleting_an_entry_is_refused(entry: AuditEntry) -> None:
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(message="changed"),
        lambda qs: qs.delete(),
        lambda qs: qs.all().update(actor=None),
        lambda qs: qs.filter(action="view").delete(),
    ],
    ids=["update", "delete", "update-all", "delete-filtered"],
)
def test_queryset_bulk_writes_are_refused(entry: AuditEntry, operation: Any) -> None:
    with pytest.raises(AppendOnlyError):
        operation(AuditEntry.objects.filter(pk=entry.pk))
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.message == "original"
    assert stored.actor_id == entry.actor_id


def test_bulk_create_still_inserts(director: User) -> None:
    AuditEntry.objects.bulk_create([AuditEntry(action=AuditAction.LOGIN, actor_label="x") for _ in range(2)])
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_label="x").count() == 2


def _raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("UPDATE audit_auditentry SET message = %s WHERE id = %s", ["changed"]),
        ("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["create"]),
        ("UPDATE audit_auditentry SET actor_label = %s, actor_id = NULL WHERE id = %s", ["someone else"]),
        ("UPDATE audit_auditentry SET timestamp = timestamp WHERE id = %s", []),
    ],
    ids=["message", "action", "label-and-actor", "same-value"],
)
def test_the_database_refuses_a_raw_update(entry: AuditEntry, sql: str, params: list[Any]) -> None:
    with pytest.raises(DatabaseError) as caught:
        _raw(sql, [*params, entry.pk])
    assert "append-only" in str(caught.value)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.message == "original"
    assert stored.action == AuditAction.VIEW
    assert stored.actor_id == entry.actor_id


def test_the_database_refuses_pointing_an_entry_at_another_user(entry: AuditEntry, make_user: Any) -> None:
    other = make_user(Role.SOCIAL_WORKER)
    with pytest.raises(DatabaseError):
        _raw("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", [other.pk, entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_id == entry.actor_id


def test_the_database_refuses_a_raw_delete_on_postgresql(entry: AuditEntry) -> None:
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError) as caught:
            _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
        assert "append-only" in str(caught.value)
        assert AuditEntry.objects.filter(pk=entry.pk).exists()
    else:
        # SQLite has no TRUNCATE and test isolation deletes rows, so only the UPDATE triggers exist there
        # (documented in migration 0002); the model and queryset refuse deletes on every database.
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditentry'")
            triggers = {row[0] for row in cursor.fetchall()}
        assert triggers == {"audit_entry_no_update", "audit_entry_actor_only_cleared"}


def test_deleting_a_user_keeps_their_entries_with_the_recorded_label(make_user: Any, director: User) -> None:
    leaver = make_user(Role.SOCIAL_WORKER, full_name="Jan Odchodzący", email="jan@cus.example")
    own = record(action=AuditAction.LOGIN, actor=leaver, instance=leaver)
    about = record(action=AuditAction.VIEW, actor=director, instance=leaver, purpose="test")
    leaver_pk = leaver.pk

    leaver.delete()

    assert not User.objects.filter(pk=leaver_pk).exists()
    kept = AuditEntry.objects.get(pk=own.pk)
    assert kept.actor_id is None
    assert kept.actor_label == "Jan Odchodzący <jan@cus.example>"
    assert kept.object_id == str(leaver_pk)
    assert kept.action == AuditAction.LOGIN
    about_kept = AuditEntry.objects.get(pk=about.pk)
    assert about_kept.actor_id == director.pk
    assert about_kept.person_id == str(leaver_pk)
    assert about_kept.person_label == "Jan Odchodzący"
