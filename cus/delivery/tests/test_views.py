"""Delivery pages: a provider sees only its own organisation's items with the minimum personal data; everything
else answers like a missing page and is audited; reads and writes are in the audit trail; lists keep a fixed number
of queries."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.delivery import services
from cus.delivery.models import CorrectionRequest, CorrectionStatus, DeliveryRecord, ProviderStaff
from cus.delivery.tests.factories import item_of, visit
from cus.plans import services as plan_services
from cus.plans.tests.factories import make_plan, plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    world = plan_world()
    person = world["person"]
    person.street, person.building, person.flat = "Lipowa", "12", "3"
    person.postal_code, person.town, person.phone = "00-950", "Testowo", "600100200"
    person.save()
    world["plan"] = make_plan(world)
    world["item"] = item_of(world["plan"], world["provider"])
    world["other_item"] = item_of(world["plan"], world["other_provider"])
    return world


def _signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are asserted on their English msgids
    return client


def _denied(user: Any, obj: Any) -> bool:
    return AuditEntry.objects.filter(action=AuditAction.DENIED, actor=user, object_id=str(obj.pk)).exists()


def test_home_lists_only_the_own_organisations_items(client: Client, world: dict[str, Any]) -> None:
    response = _signed_in(client, world["provider_user"]).get("/delivery/")
    assert response.status_code == 200
    body = response.content.decode()
    assert world["care_service"].name in body
    assert world["other_service"].name not in body
    assert f"/delivery/items/{world['item'].pk}/" in body
    assert str(world["other_item"].pk) not in body


def test_todays_and_this_weeks_visits_come_from_the_schedule(client: Client, world: dict[str, Any]) -> None:
    response = _signed_in(client, world["provider_user"]).get("/delivery/")
    today, later = response.context["today_visits"], response.context["week_visits"]
    today_date = timezone.localdate()
    assert all(v.day == today_date for v in today)
    assert all(v.day.isoweekday() in (1, 3, 5) for v in today + later)
    assert (today_date.isoweekday() in (1, 3, 5)) == bool(today)
    assert all(v.item.provider_id == world["provider"].pk for v in today + later)


def test_the_item_page_shows_the_minimum_data_and_audits_the_read(client: Client, world: dict[str, Any]) -> None:
    user = world["provider_user"]
    person = world["person"]
    plan_services.note_add(actor=world["coordinator"], plan=world["plan"], kind="note", text="Tajna notatka")
    response = _signed_in(client, user).get(f"/delivery/items/{world['item'].pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert person.full_name in body
    assert "600100200" in body
    assert "Lipowa 12/3, 00-950 Testowo" in body
    assert person.pesel not in body
    for secret in ("Samodzielne wyjście", "Pomoc w zakupach", "Potrzebuje pomocy", "1500", "Tajna notatka"):
        assert secret not in body, secret
    entry = AuditEntry.objects.get(action=AuditAction.VIEW, actor=user, object_id=str(world["item"].pk))
    assert entry.purpose
    assert entry.person_id == str(person.pk)


def _page_without(response: Any, item_id: str) -> str:
    body = response.content.decode().replace(item_id, "<id>")
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"', "", body)


def test_an_item_of_another_provider_is_404_like_a_missing_one_and_audited(
    client: Client, world: dict[str, Any]
) -> None:
    user = world["provider_user"]
    client = _signed_in(client, user)
    response = client.get(f"/delivery/items/{world['other_item'].pk}/")
    assert response.status_code == 404
    assert _denied(user, world["other_item"])
    missing_path = "/delivery/items/00000000-0000-0000-0000-000000000009/"
    missing = client.get(missing_path)
    assert missing.status_code == 404
    # The two answers are the same page; only the requested address (echoed in the
    # language switch), the form token and the script nonce may differ.
    assert _page_without(response, str(world["other_item"].pk)) == _page_without(missing, missing_path.split("/")[3])
    assert client.post(f"/delivery/items/{world['other_item'].pk}/", {"date": "2026-01-01"}).status_code == 404
    assert not DeliveryRecord.objects.exists()


def test_an_item_of_a_plan_not_approved_or_closed_is_404(client: Client, world: dict[str, Any]) -> None:
    from cus.plans.models import PlanStatus, ServicePlan

    ServicePlan.objects.filter(pk=world["plan"].pk).update(status=PlanStatus.CLOSED)
    user = world["provider_user"]
    response = _signed_in(client, user).get(f"/delivery/items/{world['item'].pk}/")
    assert response.status_code == 404
    assert _denied(user, world["item"])
    assert world["care_service"].name not in client.get("/delivery/").content.decode()


def test_records_of_another_provider_are_unreachable(client: Client, world: dict[str, Any]) -> None:
    theirs = visit(world["other_provider_user"], world["other_item"], worker_name="Jan Asystent")
    user = world["provider_user"]
    client = _signed_in(client, user)
    assert client.get(f"/delivery/records/{theirs.pk}/").status_code == 404
    assert _denied(user, theirs)
    assert "Jan Asystent" not in client.get("/delivery/records/").content.decode()
    response = client.post(f"/delivery/records/{theirs.pk}/correct/", {"minutes": "30"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.minutes == 120


def test_recording_a_visit_through_the_page(client: Client, world: dict[str, Any]) -> None:
    user = world["provider_user"]
    client = _signed_in(client, user)
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    data = {
        "date": day,
        "start_time": "09:00",
        "minutes": "90",
        "worker_name": "Maria Opiekunka",
        "status": "delivered",
    }
    response = client.post(f"/delivery/items/{world['item'].pk}/", data)
    assert response.status_code == 302
    record = DeliveryRecord.objects.get()
    assert (record.minutes, record.recorded_by) == (90, user)
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(record.pk)).exists()
    # The same worker at the same time again: the specific error beside the field, nothing saved.
    response = client.post(f"/delivery/items/{world['item'].pk}/", {**data, "start_time": "10:00"})
    assert response.status_code == 422
    assert "cannot overlap" in str(response.context["form"].errors["start_time"])
    # A missed visit needs a reason.
    response = client.post(f"/delivery/items/{world['item'].pk}/", {**data, "start_time": "13:00", "status": "missed"})
    assert response.status_code == 422
    assert "missed_reason" in response.context["form"].errors
    assert DeliveryRecord.objects.count() == 1


def test_own_record_is_corrected_in_the_window_then_only_requested(client: Client, world: dict[str, Any]) -> None:
    user = world["provider_user"]
    record = visit(user, world["item"])
    client = _signed_in(client, user)
    page = client.get(f"/delivery/records/{record.pk}/")
    assert page.context["can_correct"] and not page.context["can_request"]
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, actor=user, object_id=str(record.pk)).exists()
    data = {
        "date": record.date.isoformat(),
        "start_time": "09:00",
        "minutes": "60",
        "worker_name": record.worker_name,
        "status": "delivered",
    }
    assert client.post(f"/delivery/records/{record.pk}/correct/", data).status_code == 302
    record.refresh_from_db()
    assert record.minutes == 60

    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=8))
    page = client.get(f"/delivery/records/{record.pk}/")
    assert not page.context["can_correct"] and page.context["can_request"]
    response = client.post(f"/delivery/records/{record.pk}/correct/", {**data, "minutes": "45"})
    assert response.status_code == 422
    response = client.post(f"/delivery/records/{record.pk}/request/", {**data, "minutes": "45"})
    assert response.status_code == 422
    assert "reason" in response.context["request_form"].errors
    response = client.post(f"/delivery/records/{record.pk}/request/", {**data, "minutes": "45", "reason": "Krócej."})
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert request.changes == {"minutes": 45}
    page = client.get(f"/delivery/records/{record.pk}/")
    assert page.context["pending"] and not page.context["can_request"]
    assert str(request.get_status_display()) in client.get("/delivery/requests/").content.decode()


def test_the_coordinator_decides_a_request_and_corrects_a_record(client: Client, world: dict[str, Any]) -> None:
    record = visit(world["provider_user"], world["item"])
    request = services.request_correction(actor=world["provider_user"], record=record, reason="Błąd.", minutes=45)
    coordinator = world["coordinator"]
    client = _signed_in(client, coordinator)
    listing = client.get("/delivery/corrections/")
    assert f"/delivery/corrections/{request.pk}/" in listing.content.decode()
    response = client.post(f"/delivery/corrections/{request.pk}/", {"decision": "reject"})
    assert response.status_code == 422
    assert "note" in response.context["form"].errors
    assert client.post(f"/delivery/corrections/{request.pk}/", {"decision": "accept"}).status_code == 302
    request.refresh_from_db()
    record.refresh_from_db()
    assert request.status == CorrectionStatus.ACCEPTED
    assert record.minutes == 45
    # The coordinator's own correction from the record page.
    data = {
        "date": record.date.isoformat(),
        "start_time": "09:00",
        "minutes": "30",
        "worker_name": record.worker_name,
        "status": "delivered",
    }
    assert client.get(f"/delivery/records/{record.pk}/").context["can_correct"]
    assert client.post(f"/delivery/records/{record.pk}/correct/", data).status_code == 302
    record.refresh_from_db()
    assert (record.minutes, record.corrected_by) == (30, coordinator)


def test_a_provider_user_without_a_link_sees_only_a_message(client: Client, world: dict[str, Any]) -> None:
    lonely = UserFactory(centre=world["centre"], roles=[Role.PROVIDER_STAFF])
    record = visit(world["provider_user"], world["item"])
    client = _signed_in(client, lonely)
    response = client.get("/delivery/")
    assert response.status_code == 200
    assert "not linked to a provider" in response.content.decode()
    assert world["person"].last_name not in response.content.decode()
    assert "not linked to a provider" in client.get(f"/delivery/items/{world['item'].pk}/").content.decode()
    assert client.get(f"/delivery/records/{record.pk}/").status_code == 404


def test_the_administrator_links_and_unlinks(client: Client, world: dict[str, Any]) -> None:
    admin = UserFactory(centre=world["centre"], roles=[Role.ADMINISTRATOR])
    newcomer = UserFactory(centre=world["centre"], roles=[Role.PROVIDER_STAFF], full_name="Nowa Opiekunka")
    client = _signed_in(client, admin)
    listing = client.get("/delivery/staff/").content.decode()
    assert "Nowa Opiekunka" in listing and "Opiekunka Realizatora" in listing
    response = client.post("/delivery/staff/new/", {"user": newcomer.pk, "organization": world["provider"].pk})
    assert response.status_code == 302
    link = ProviderStaff.objects.get(user=newcomer)
    assert client.post(f"/delivery/staff/{link.pk}/delete/").status_code == 302
    assert not ProviderStaff.objects.filter(user=newcomer).exists()


def test_the_items_list_and_records_list_keep_a_fixed_number_of_queries(client: Client, world: dict[str, Any]) -> None:
    user = world["provider_user"]
    visit(user, world["item"])
    client = _signed_in(client, user)
    client.get("/delivery/")  # warm the session and the grants
    with CaptureQueriesContext(connection) as first:
        client.get("/delivery/")
        client.get("/delivery/records/")
    for days in range(2, 6):
        visit(user, world["item"], date=timezone.localdate() - datetime.timedelta(days=days))
    with CaptureQueriesContext(connection) as second:
        client.get("/delivery/")
        client.get("/delivery/records/")
    assert len(second) == len(first)
    assert len(first) < 40
