"""Delivery API for providers' own systems: only their own organisation's items, minimal payloads, 404 like a
missing item for anything else (audited), the same rules and the project's error shape."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cus.audit.models import AuditAction, AuditEntry
from cus.delivery import services
from cus.delivery.models import CorrectionStatus, DeliveryRecord
from cus.delivery.tests.factories import item_of, visit
from cus.plans.tests.factories import make_plan, plan_world

pytestmark = pytest.mark.django_db


def _yesterday() -> str:
    """Read per call, never at import, so a run passing midnight still sends yesterday's date."""
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


FORBIDDEN_KEYS = {"pesel", "income", "household", "goals", "needs", "needs_summary", "birth_date", "notes_of_plan"}


@pytest.fixture
def world(token_for: Any) -> dict[str, Any]:
    world = plan_world()
    world["plan"] = make_plan(world)
    world["item"] = item_of(world["plan"], world["provider"])
    world["other_item"] = item_of(world["plan"], world["other_provider"])
    world["key"] = token_for(world["provider_user"])
    return world


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_list_and_detail_carry_only_the_own_items_with_minimal_data(api: Any, world: dict[str, Any]) -> None:
    response = api("get", "/api/v1/delivery/items", world["key"])
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [str(world["item"].pk)]
    detail = api("get", f"/api/v1/delivery/items/{world['item'].pk}", world["key"]).json()
    assert detail["person"]["full_name"] == world["person"].full_name
    assert set(detail["person"]) == {"full_name", "street", "building", "flat", "postal_code", "city", "phone"}
    assert not _keys(detail) & FORBIDDEN_KEYS
    assert world["person"].pesel not in str(detail)
    assert "Samodzielne wyjście" not in str(detail)
    read = AuditEntry.objects.get(action=AuditAction.VIEW, object_id=str(world["item"].pk))
    assert read.actor == world["provider_user"] and read.purpose


def test_another_providers_item_is_404_like_a_missing_one_and_audited(api: Any, world: dict[str, Any]) -> None:
    key = world["key"]
    other = world["other_item"]
    for method, path, body in (
        ("get", f"/api/v1/delivery/items/{other.pk}", None),
        ("get", f"/api/v1/delivery/items/{other.pk}/records", None),
        (
            "post",
            f"/api/v1/delivery/items/{other.pk}/records",
            {"date": _yesterday(), "start_time": "09:00", "minutes": 60, "worker_name": "X"},
        ),
    ):
        response = api(method, path, key, json=body)
        assert response.status_code == 404, path
        assert response.json()["detail"][0]["type"] == "not_found"
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, object_id=str(other.pk)).count() == 3
    missing = api("get", "/api/v1/delivery/items/00000000-0000-0000-0000-000000000009", key)
    assert missing.status_code == 404
    assert (
        missing.json()["detail"][0]["msg"]
        == api("get", f"/api/v1/delivery/items/{other.pk}", key).json()["detail"][0]["msg"]
    )
    assert not DeliveryRecord.objects.exists()


def test_another_providers_records_are_unreachable(api: Any, world: dict[str, Any]) -> None:
    theirs = visit(world["other_provider_user"], world["other_item"])
    key = world["key"]
    assert api("get", f"/api/v1/delivery/records/{theirs.pk}", key).status_code == 404
    assert api("patch", f"/api/v1/delivery/records/{theirs.pk}", key, json={"minutes": 30}).status_code == 404
    response = api(
        "post", f"/api/v1/delivery/records/{theirs.pk}/correction-requests", key, json={"minutes": 30, "reason": "x"}
    )
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, object_id=str(theirs.pk)).count() == 3
    assert api("get", "/api/v1/delivery/correction-requests", key).json()["items"] == []


def test_create_filter_correct_and_request_through_the_api(api: Any, world: dict[str, Any]) -> None:
    key = world["key"]
    path = f"/api/v1/delivery/items/{world['item'].pk}/records"
    body = {"date": _yesterday(), "start_time": "09:00", "minutes": 60, "worker_name": "Maria Opiekunka"}
    created = api("post", path, key, json=body)
    assert created.status_code == 201, created.content
    record_id = created.json()["id"]
    overlap = api("post", path, key, json={**body, "start_time": "09:30"})
    assert overlap.status_code == 422
    assert overlap.json()["detail"][0]["loc"] == ["body", "start_time"]
    missed = api("post", path, key, json={**body, "start_time": "12:00", "status": "missed"})
    assert missed.json()["detail"][0]["loc"] == ["body", "missed_reason"]
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert api("post", path, key, json={**body, "date": future}).json()["detail"][0]["loc"] == ["body", "date"]

    listed = api("get", f"{path}?date_from={_yesterday()}&date_to={_yesterday()}", key).json()
    assert [r["id"] for r in listed["items"]] == [record_id]
    assert api("get", f"{path}?date_to=2000-01-01", key).json()["items"] == []

    patched = api("patch", f"/api/v1/delivery/records/{record_id}", key, json={"minutes": 75})
    assert patched.status_code == 200 and patched.json()["minutes"] == 75
    DeliveryRecord.objects.filter(pk=record_id).update(recorded_at=timezone.now() - datetime.timedelta(days=8))
    late = api("patch", f"/api/v1/delivery/records/{record_id}", key, json={"minutes": 80})
    assert late.status_code == 422
    requested = api(
        "post",
        f"/api/v1/delivery/records/{record_id}/correction-requests",
        key,
        json={"minutes": 80, "reason": "Dłużej."},
    )
    assert requested.status_code == 201
    assert requested.json()["status"] == CorrectionStatus.PENDING


def test_the_services_team_lists_and_decides_requests(api: Any, world: dict[str, Any], token_for: Any) -> None:
    record = visit(world["provider_user"], world["item"])
    request = services.request_correction(actor=world["provider_user"], record=record, reason="Błąd.", minutes=45)
    key = token_for(world["coordinator"])
    listed = api("get", "/api/v1/delivery/correction-requests?status=pending", key).json()["items"]
    assert [r["id"] for r in listed] == [request.pk]
    path = f"/api/v1/delivery/correction-requests/{request.pk}/decision"
    no_note = api("post", path, key, json={"accept": False})
    assert no_note.status_code == 422
    assert no_note.json()["detail"][0]["loc"] == ["body", "decision_note"]
    accepted = api("post", path, key, json={"accept": True})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    record.refresh_from_db()
    assert record.minutes == 45
    # Provider staff cannot decide.
    assert api("post", path, world["key"], json={"accept": True}).status_code == 403


def test_lists_keep_a_fixed_number_of_queries(api: Any, world: dict[str, Any]) -> None:
    key = world["key"]
    path = f"/api/v1/delivery/items/{world['item'].pk}/records"
    visit(world["provider_user"], world["item"])
    api("get", "/api/v1/delivery/items", key)
    with CaptureQueriesContext(connection) as first:
        api("get", path, key)
        api("get", "/api/v1/delivery/items", key)
    for days in range(2, 7):
        visit(world["provider_user"], world["item"], date=timezone.localdate() - datetime.timedelta(days=days))
    with CaptureQueriesContext(connection) as second:
        api("get", path, key)
        api("get", "/api/v1/delivery/items", key)
    assert len(second) == len(first)
    assert len(first) < 30
