"""The staff API of plans (/api/v1/plans/): the same services, rules and permissions as the screens."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cus.audit.models import AuditAction, AuditEntry
from cus.plans import services
from cus.plans.models import ApprovalDelegation, CoordinatorMeeting, GoalStatus, PlanStatus, ServicePlan
from cus.plans.tests.factories import applicant, make_plan, plan_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/plans"


def _today() -> datetime.date:
    """Read per call, never at import: a run that passes midnight must not send yesterday as today."""
    return timezone.localdate()


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


@pytest.fixture
def call(api: Any, token_for: Any) -> Any:
    """``call(user, "post", path, json)``: the API with the user's token."""
    keys: dict[int, str] = {}

    def run(user: Any, method: str, path: str, json: Any = None) -> Any:
        if user.pk not in keys:
            keys[user.pk] = token_for(user)
        return api(method, path, keys[user.pk], json=json)

    return run


def _draft(world: dict[str, Any], **changes: Any) -> ServicePlan:
    starts_on = _today() - datetime.timedelta(days=5)
    person, application = applicant(world)
    return services.plan_create(
        actor=world["coordinator"],
        person=person,
        coordinator=world["coordinator"],
        applications=[application],
        applied_on=starts_on - datetime.timedelta(days=3),
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=200),
        **changes,
    )


def _locs(response: Any) -> list[list[Any]]:
    return [error["loc"] for error in response.json()["detail"]]


def _item_body(world: dict[str, Any], plan: ServicePlan, **changes: Any) -> dict[str, Any]:
    return {
        "service_id": str(world["care_service"].pk),
        "location_id": str(world["care_place"].pk),
        "application_id": str(world["application"].pk),
        "starts_on": plan.starts_on.isoformat(),
        "ends_on": plan.ends_on.isoformat(),
        "frequency": "weekly",
        "weekdays": [1, 4],
        "time_from": "10:00",
        "hours_per_visit": "1.50",
        **changes,
    }


def _close_body(plan: ServicePlan, **changes: Any) -> dict[str, Any]:
    goal = plan.goals.get()
    return {
        "closed_on": _today().isoformat(),
        "closing_reason": "goals_met",
        "closing_interview_on": _today().isoformat(),
        "closing_interview_notes": "Pani jest zadowolona, chodzi sama do sklepu.",
        "course_description": "Usługi opiekuńcze świadczono trzy razy w tygodniu; cel osiągnięto w ciągu pół roku.",
        "goal_outcomes": [{"goal_id": goal.pk, "status": "achieved"}],
        **changes,
    }


# --- plans: list, create, detail, update ---------------------------------------------------------------------------


def test_list_filters_and_pages(world: dict[str, Any], call: Any) -> None:
    active = make_plan(world)
    draft = _draft(world, needs_summary="Potrzeby.")
    draft.coordinator = world["other_coordinator"]
    draft.save()
    everyone = call(world["organiser"], "get", BASE).json()
    assert everyone["count"] == 2
    row = next(r for r in everyone["items"] if r["id"] == str(active.pk))
    assert row["reference"] == active.reference
    assert row["person_name"] == world["person"].full_name
    assert row["coordinator_name"] == "Koordynatorka Pierwsza"
    assert row["status"] == "active"
    assert row["draw_up_deadline"] == (active.applied_on + datetime.timedelta(days=30)).isoformat()

    def ids(user: Any, query: str) -> set[str]:
        return {r["id"] for r in call(user, "get", f"{BASE}?{query}").json()["items"]}

    assert ids(world["organiser"], "status=draft") == {str(draft.pk)}
    assert ids(world["coordinator"], "mine=true") == {str(active.pk)}
    assert ids(world["organiser"], f"coordinator={world['other_coordinator'].pk}") == {str(draft.pk)}
    assert ids(world["organiser"], f"person={world['person'].pk}") == {str(active.pk)}
    assert ids(world["organiser"], f"person={draft.person_id}") == {str(draft.pk)}
    assert ids(world["organiser"], "person=00000000-0000-0000-0000-000000000001") == set()
    page = call(world["organiser"], "get", f"{BASE}?limit=1&offset=1").json()
    assert page["count"] == 2
    assert len(page["items"]) == 1
    assert call(world["organiser"], "get", f"{BASE}?status=nonsense").status_code == 422


def test_list_query_count_does_not_grow_with_plans(world: dict[str, Any], call: Any) -> None:
    make_plan(world)
    call(world["director"], "get", BASE)  # warm the token and caches
    with CaptureQueriesContext(connection) as one:
        assert call(world["director"], "get", BASE).json()["count"] == 1
    for _ in range(3):
        _draft(world, needs_summary="Potrzeby.")
    with CaptureQueriesContext(connection) as four:
        assert call(world["director"], "get", BASE).json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_another_centres_plans_are_not_listed_and_404_with_a_denied_entry(world: dict[str, Any], call: Any) -> None:
    foreign_world = plan_world()
    foreign = make_plan(foreign_world)
    make_plan(world)
    listed = call(world["director"], "get", BASE).json()
    assert str(foreign.pk) not in {row["id"] for row in listed["items"]}
    response = call(world["director"], "get", f"{BASE}/{foreign.pk}")
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "not_found"
    denied = AuditEntry.objects.get(action=AuditAction.DENIED, actor=world["director"])
    assert denied.object_id == str(foreign.pk)
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(foreign.pk)).exists()
    goal = foreign.goals.get()
    assert call(world["coordinator"], "post", f"{BASE}/{foreign.pk}/notes", {"text": "x"}).status_code == 404
    assert call(world["coordinator"], "get", f"{BASE}/{foreign.pk}/goals/{goal.pk}/progress").status_code == 404
    assert call(world["director"], "get", f"{BASE}/not-a-uuid").status_code == 404


def test_create_a_plan(world: dict[str, Any], call: Any) -> None:
    starts_on = _today()  # the application was filed today
    body = {
        "person_id": str(world["person"].pk),
        "application_ids": [str(world["application"].pk)],
        "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + datetime.timedelta(days=180)).isoformat(),
    }
    response = call(world["coordinator"], "post", BASE, body)
    assert response.status_code == 201, response.content
    data = response.json()
    plan = ServicePlan.objects.get(pk=data["id"])
    assert data["status"] == "draft"
    assert data["reference"].startswith("CUS.4012.")
    assert data["coordinator_id"] == world["coordinator"].pk  # default: the one who opens it
    assert [a["id"] for a in data["applications"]] == [str(world["application"].pk)]
    assert data["applied_on"] == timezone.localtime(world["application"].filed_at).date().isoformat()
    assert {p["field"] for p in data["submission_problems"]} >= {"items", "goals", "agreed_on"}
    assert "submit" in data["actions"]
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(plan.pk)).exists()


def test_create_refuses_a_plan_longer_than_a_year_and_saves_nothing(world: dict[str, Any], call: Any) -> None:
    starts_on = _today()
    body = {
        "person_id": str(world["person"].pk),
        "application_ids": [str(world["application"].pk)],
        "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + datetime.timedelta(days=366)).isoformat(),
    }
    response = call(world["coordinator"], "post", BASE, body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "ends_on"]
    assert "at most one year" in error["msg"]
    assert not ServicePlan.objects.exists()


def test_create_errors_name_the_request_fields(world: dict[str, Any], call: Any) -> None:
    starts_on = _today() - datetime.timedelta(days=3)
    body = {
        "person_id": str(world["person"].pk),
        "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + datetime.timedelta(days=100)).isoformat(),
        "applied_on": starts_on.isoformat(),
    }
    # art. 49: a provider's worker (or anyone not an IPUS coordinator of the centre) cannot coordinate a plan.
    not_coordinator = call(world["coordinator"], "post", BASE, {**body, "coordinator_id": world["director"].pk})
    assert _locs(not_coordinator) == [["body", "coordinator_id"]]
    provider = call(world["coordinator"], "post", BASE, {**body, "coordinator_id": world["provider_user"].pk})
    assert _locs(provider) == [["body", "coordinator_id"]]
    unknown = call(world["coordinator"], "post", BASE, {**body, "person_id": "00000000-0000-0000-0000-000000000001"})
    assert _locs(unknown) == [["body", "person_id"]]
    no_date = {key: value for key, value in body.items() if key != "applied_on"}
    assert _locs(call(world["coordinator"], "post", BASE, no_date)) == [["body", "applied_on"]]
    missing = call(world["coordinator"], "post", BASE, {"person_id": str(world["person"].pk)})
    assert {tuple(loc) for loc in _locs(missing)} == {("body", "starts_on"), ("body", "ends_on")}
    assert not ServicePlan.objects.exists()


def test_detail_has_content_fees_hours_and_is_audited_with_its_purpose(world: dict[str, Any], call: Any) -> None:
    from cus.delivery.models import DeliveryRecord, RecordStatus

    plan = make_plan(world)
    care = plan.items.get(service=world["care_service"])
    for day, minutes, status in ((1, 120, RecordStatus.DELIVERED), (3, 60, RecordStatus.DELIVERED), (5, 90, "missed")):
        DeliveryRecord.objects.create(
            item=care,
            provider=care.provider,
            date=plan.starts_on + datetime.timedelta(days=day),
            start_time=datetime.time(9, 0),
            minutes=minutes,
            worker_name="Opiekunka",
            worker_key="opiekunka",
            status=status,
            missed_reason="person_absent" if status == "missed" else "",
            recorded_by=world["provider_user"],
        )
    response = call(world["coordinator"], "get", f"{BASE}/{plan.pk}?purpose=ipus")
    assert response.status_code == 200
    data = response.json()
    assert [need["description"] for need in data["needs"]] == ["Pomoc w zakupach i sprzątaniu."]
    assert data["goals"][0]["indicator"] == "Liczba samodzielnych wyjść w tygodniu"
    item = next(row for row in data["items"] if row["id"] == str(care.pk))
    assert Decimal(item["fee_per_month"]) == world["application"].fee_per_month
    assert Decimal(item["planned_hours"]) == care.planned_hours
    assert Decimal(item["delivered_hours"]) == Decimal("3.00")  # 2 h + 1 h; the missed visit does not count
    assert Decimal(item["delivery_share"]) == (Decimal("300") / care.planned_hours).quantize(Decimal("0.1"))
    assert Decimal(item["planned_hours_so_far"]) < Decimal(item["planned_hours"])  # 60 of 300 days have passed
    assert Decimal(item["delivery_share_so_far"]) > Decimal(item["delivery_share"])
    other = next(row for row in data["items"] if row["id"] != str(care.pk))
    assert Decimal(other["delivered_hours"]) == 0
    assert other["provider_name"] == "Fundacja Inny Realizator"
    assert [v["number"] for v in data["versions"]] == [1]
    assert data["versions"][0]["status"] == "approved"
    assert data["versions"][0]["decided_by"] == "Dyrektor Testowa"
    assert data["submission_problems"] == []
    assert set(data["actions"]) >= {"start_update", "close", "note"}
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).get()
    assert entry.actor == world["coordinator"]
    assert entry.person_id == str(world["person"].pk)
    assert "IPUS" in entry.purpose

    call(world["director"], "get", f"{BASE}/{plan.pk}?purpose=correction")
    latest = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).latest("id")
    assert latest.actor == world["director"]
    assert latest.purpose != entry.purpose
    assert call(world["director"], "get", f"{BASE}/{plan.pk}?purpose=gossip").status_code == 422


def test_detail_query_count_does_not_grow_with_content(world: dict[str, Any], call: Any) -> None:
    plan = _draft(world, needs_summary="Potrzeby.")
    path = f"{BASE}/{plan.pk}"
    call(world["coordinator"], "get", path)
    with CaptureQueriesContext(connection) as empty:
        call(world["coordinator"], "get", path)
    for number in range(3):
        services.need_save(actor=world["coordinator"], plan=plan, description=f"Potrzeba {number}")
        services.item_save(
            actor=world["coordinator"],
            plan=plan,
            service=world["other_service"],
            location=world["other_place"],
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            weekdays=[number + 1],
            hours_per_visit=Decimal("1"),
        )
    with CaptureQueriesContext(connection) as full:
        data = call(world["coordinator"], "get", path).json()
    assert len(data["items"]) == 3
    assert len(full.captured_queries) == len(empty.captured_queries)


def test_update_period_needs_and_coordinator(world: dict[str, Any], call: Any) -> None:
    plan = _draft(world, needs_summary="Potrzeby.")
    new_end = plan.starts_on + datetime.timedelta(days=250)
    response = call(
        world["coordinator"],
        "patch",
        f"{BASE}/{plan.pk}",
        {"ends_on": new_end.isoformat(), "needs_summary": "Nowe potrzeby.", "application_ids": []},
    )
    assert response.status_code == 200, response.content
    assert response.json()["ends_on"] == new_end.isoformat()
    assert response.json()["applications"] == []
    plan.refresh_from_db()
    assert plan.needs_summary == "Nowe potrzeby."
    too_long = call(
        world["coordinator"],
        "patch",
        f"{BASE}/{plan.pk}",
        {"ends_on": (plan.starts_on + datetime.timedelta(days=400)).isoformat()},
    )
    assert _locs(too_long) == [["body", "ends_on"]]
    plan.refresh_from_db()
    assert plan.ends_on == new_end  # nothing saved

    active = make_plan(world)
    locked = call(world["coordinator"], "patch", f"{BASE}/{active.pk}", {"needs_summary": "Zmiana."})
    assert locked.status_code == 422
    assert "can be changed only in a draft" in locked.json()["detail"][0]["msg"]
    handover = call(
        world["coordinator"], "patch", f"{BASE}/{active.pk}", {"coordinator_id": world["other_coordinator"].pk}
    )
    assert handover.status_code == 200
    assert handover.json()["coordinator_name"] == "Koordynator Drugi"
    wrong = call(world["coordinator"], "patch", f"{BASE}/{active.pk}", {"coordinator_id": world["provider_user"].pk})
    assert _locs(wrong) == [["body", "coordinator_id"]]


# --- content --------------------------------------------------------------------------------------------------------


def test_needs_goals_and_activities_create_update_delete(world: dict[str, Any], call: Any) -> None:
    plan = _draft(world)
    path = f"{BASE}/{plan.pk}"
    need = call(world["coordinator"], "post", f"{path}/needs", {"description": "Pomoc w higienie."})
    assert need.status_code == 201
    need_id = need.json()["id"]
    changed = call(world["coordinator"], "patch", f"{path}/needs/{need_id}", {"description": "Pomoc w kąpieli."})
    assert changed.json()["description"] == "Pomoc w kąpieli."
    assert _locs(call(world["coordinator"], "patch", f"{path}/needs/{need_id}", {"description": ""})) == [
        ["body", "description"]
    ]
    goal_body = {
        "description": "Samodzielne zakupy.",
        "indicator": "Wyjścia w tygodniu",
        "target": "2",
        "target_date": (plan.starts_on + datetime.timedelta(days=90)).isoformat(),
    }
    goal = call(world["coordinator"], "post", f"{path}/goals", goal_body)
    assert goal.status_code == 201
    assert goal.json()["status"] == "open"
    late = call(
        world["coordinator"],
        "post",
        f"{path}/goals",
        {**goal_body, "target_date": (plan.ends_on + datetime.timedelta(days=1)).isoformat()},
    )
    assert _locs(late) == [["body", "target_date"]]
    goal_id = goal.json()["id"]
    assert call(world["coordinator"], "patch", f"{path}/goals/{goal_id}", {"target": "3"}).json()["target"] == "3"
    activity = call(
        world["coordinator"],
        "post",
        f"{path}/activities",
        {"kind": "neighbour", "description": "Sąsiadka robi zakupy w soboty.", "who": "Pani Nowak"},
    )
    assert activity.status_code == 201
    activity_id = activity.json()["id"]
    assert (
        call(world["coordinator"], "patch", f"{path}/activities/{activity_id}", {"who": "Pan Nowak"}).json()["who"]
        == "Pan Nowak"
    )
    bad_kind = call(world["coordinator"], "post", f"{path}/activities", {"kind": "magic", "description": "x"})
    assert _locs(bad_kind) == [["body", "kind"]]

    for kind, row_id in (("needs", need_id), ("goals", goal_id), ("activities", activity_id)):
        assert call(world["coordinator"], "delete", f"{path}/{kind}/{row_id}").status_code == 204
        assert call(world["coordinator"], "delete", f"{path}/{kind}/{row_id}").status_code == 404
    assert not plan.needs.exists() and not plan.goals.exists() and not plan.activities.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="plans.need").count() == 1
    # The director reads plans but does not write them.
    assert call(world["director"], "post", f"{path}/needs", {"description": "x"}).status_code == 403


def test_items_with_fee_and_dates_inside_the_plan(world: dict[str, Any], call: Any) -> None:
    plan = _draft(world)
    path = f"{BASE}/{plan.pk}/items"
    response = call(world["coordinator"], "post", path, _item_body(world, plan))
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["provider_id"] == str(world["provider"].pk)
    assert Decimal(item["fee_per_month"]) == world["application"].fee_per_month
    assert Decimal(item["planned_hours"]) > 0
    assert item["delivered_hours"] == "0.00"

    outside = call(
        world["coordinator"],
        "post",
        path,
        _item_body(world, plan, ends_on=(plan.ends_on + datetime.timedelta(days=1)).isoformat()),
    )
    assert outside.status_code == 422
    (error,) = outside.json()["detail"]
    assert error["loc"] == ["body", "ends_on"]
    assert "cannot end after the plan" in error["msg"]
    wrong_place = call(
        world["coordinator"], "post", path, _item_body(world, plan, location_id=str(world["other_place"].pk))
    )
    assert _locs(wrong_place) == [["body", "location_id"]]
    wrong_fee = call(
        world["coordinator"],
        "post",
        path,
        _item_body(world, plan, service_id=str(world["other_service"].pk), location_id=str(world["other_place"].pk)),
    )
    assert _locs(wrong_fee) == [["body", "application_id"]]
    bad_days = call(world["coordinator"], "post", path, _item_body(world, plan, weekdays=[0, 9]))
    assert _locs(bad_days) == [["body", "weekdays"]]
    assert plan.items.count() == 1

    changed = call(world["coordinator"], "patch", f"{path}/{item['id']}", {"weekdays": [1, 3, 5]})
    assert changed.status_code == 200
    assert Decimal(changed.json()["planned_hours"]) > Decimal(item["planned_hours"])
    assert call(world["coordinator"], "patch", f"{path}/00000000-0000-0000-0000-000000000001", {}).status_code == 404
    assert call(world["coordinator"], "delete", f"{path}/{item['id']}").status_code == 204
    assert not plan.items.exists()


def test_end_an_item_early(world: dict[str, Any], call: Any) -> None:
    plan = make_plan(world)
    item = plan.items.get(service=world["other_service"])
    path = f"{BASE}/{plan.pk}/items/{item.pk}/end"
    no_reason = call(world["coordinator"], "post", path, {"ended_on": _today().isoformat()})
    assert _locs(no_reason) == [["body", "end_reason"]]
    response = call(world["coordinator"], "post", path, {"ended_on": _today().isoformat(), "end_reason": "Szpital."})
    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    assert response.json()["ended_on"] == _today().isoformat()
    # Content of an approved plan changes only in an update.
    locked = call(world["coordinator"], "post", f"{BASE}/{plan.pk}/needs", {"description": "Nowa potrzeba."})
    assert locked.status_code == 422


# --- workflow -------------------------------------------------------------------------------------------------------


def _ready_draft(world: dict[str, Any]) -> ServicePlan:
    plan = make_plan(world, approved=False)
    assert plan.status == PlanStatus.DRAFT
    return plan


def test_submit_needs_content_and_agreement(world: dict[str, Any], call: Any) -> None:
    plan = _draft(world)
    empty = call(world["coordinator"], "post", f"{BASE}/{plan.pk}/submit", {})
    assert empty.status_code == 422
    assert {tuple(loc) for loc in _locs(empty)} >= {("body", "items"), ("body", "goals"), ("body", "agreed_on")}
    future = call(
        world["coordinator"],
        "post",
        f"{BASE}/{plan.pk}/agreement",
        {"agreed_on": (_today() + datetime.timedelta(days=1)).isoformat(), "agreement_form": "signature"},
    )
    assert _locs(future) == [["body", "agreed_on"]]
    agreed = call(
        world["coordinator"],
        "post",
        f"{BASE}/{plan.pk}/agreement",
        {"agreed_on": _today().isoformat(), "agreement_form": "oral_recorded", "agreement_note": "Notatka nr 5."},
    )
    assert agreed.status_code == 200
    assert agreed.json()["agreement_form"] == "oral_recorded"

    ready = _ready_draft(world)
    submitted = call(world["coordinator"], "post", f"{BASE}/{ready.pk}/submit", {})
    assert submitted.status_code == 200
    assert submitted.json()["number"] == 1
    assert submitted.json()["status"] == "submitted"
    assert {row["service"] for row in submitted.json()["content"]["items"]} == {
        world["care_service"].name,
        "Asystent osobisty",
    }
    ready.refresh_from_db()
    assert ready.status == PlanStatus.SUBMITTED


def test_approval_by_the_director_and_by_an_authorised_organiser(world: dict[str, Any], call: Any) -> None:
    plan = _ready_draft(world)
    services.submit(actor=world["coordinator"], plan=plan)
    response = call(world["organiser"], "post", f"{BASE}/{plan.pk}/approve", {"note": "Bez uwag."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["authorisation"] == "UP/1/2026"
    assert response.json()["decided_by"] == "Organizator Upoważniony (UP/1/2026)"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    again = call(world["director"], "post", f"{BASE}/{plan.pk}/approve", {})
    assert again.status_code == 422
    assert "not awaiting approval" in again.json()["detail"][0]["msg"]


def test_approval_without_an_authorisation_is_403_and_audited(world: dict[str, Any], call: Any) -> None:
    plan = _ready_draft(world)
    services.submit(actor=world["coordinator"], plan=plan)
    response = call(world["plain_organiser"], "post", f"{BASE}/{plan.pk}/approve", {})
    assert response.status_code == 403
    (error,) = response.json()["detail"]
    assert error["type"] == "permission_denied"
    assert "written authorisation" in error["msg"]
    denied = AuditEntry.objects.get(action=AuditAction.DENIED, actor=world["plain_organiser"])
    assert denied.object_id == str(plan.pk)
    assert denied.purpose == "plans.approve_serviceplan"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    returned = call(world["plain_organiser"], "post", f"{BASE}/{plan.pk}/return", {"note": "Popraw."})
    assert returned.status_code == 403
    # A coordinator has no approval permission at all.
    by_coordinator = call(world["coordinator"], "post", f"{BASE}/{plan.pk}/approve", {})
    assert by_coordinator.status_code == 403
    assert by_coordinator.json()["detail"][0]["type"] == "permission_denied"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert not plan.versions.filter(status="approved").exists()


def test_an_expired_or_revoked_authorisation_no_longer_approves(world: dict[str, Any], call: Any) -> None:
    plan = _ready_draft(world)
    services.submit(actor=world["coordinator"], plan=plan)
    delegation = ApprovalDelegation.objects.get(delegate=world["organiser"])
    revoked = call(
        world["director"], "post", f"{BASE}/authorisations/{delegation.pk}/revoke", {"revoked_on": "2026-02-01"}
    )
    assert revoked.status_code == 200
    assert revoked.json()["valid_today"] is False
    assert call(world["organiser"], "post", f"{BASE}/{plan.pk}/approve", {}).status_code == 403


def test_return_for_changes_needs_a_note(world: dict[str, Any], call: Any) -> None:
    plan = _ready_draft(world)
    services.submit(actor=world["coordinator"], plan=plan)
    no_note = call(world["director"], "post", f"{BASE}/{plan.pk}/return", {})
    assert _locs(no_note) == [["body", "note"]]
    response = call(world["director"], "post", f"{BASE}/{plan.pk}/return", {"note": "Dopisz cel."})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert plan.version == 2


def test_update_makes_version_2_needing_approval_and_compare_lists_the_changes(
    world: dict[str, Any], call: Any
) -> None:
    plan = make_plan(world)
    path = f"{BASE}/{plan.pk}"
    started = call(world["coordinator"], "post", f"{path}/start-update")
    assert started.status_code == 200
    assert started.json()["status"] == "updating"
    assert started.json()["version"] == 2
    assert call(world["coordinator"], "post", f"{path}/start-update").status_code == 422
    call(world["coordinator"], "post", f"{path}/needs", {"description": "Nowa potrzeba: rehabilitacja."})
    goal = plan.goals.get()
    call(world["coordinator"], "patch", f"{path}/goals/{goal.pk}", {"target": "2"})
    call(
        world["coordinator"],
        "post",
        f"{path}/agreement",
        {"agreed_on": _today().isoformat(), "agreement_form": "signature"},
    )
    no_reason = call(world["coordinator"], "post", f"{path}/submit", {})
    assert _locs(no_reason) == [["body", "reason"]]
    submitted = call(world["coordinator"], "post", f"{path}/submit", {"reason": "Zmiana potrzeb po hospitalizacji."})
    assert submitted.status_code == 200
    assert submitted.json()["number"] == 2
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UPDATE_SUBMITTED
    # The approved version still governs delivery; the update waits for approval.
    listed = call(world["director"], "get", f"{path}/versions").json()
    assert [(v["number"], v["status"]) for v in listed] == [(1, "approved"), (2, "submitted")]
    assert call(world["director"], "post", f"{path}/approve", {}).status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE

    version = call(world["coordinator"], "get", f"{path}/versions/2")
    assert version.status_code == 200
    assert version.json()["reason"] == "Zmiana potrzeb po hospitalizacji."
    assert len(version.json()["content"]["needs"]) == 2
    assert call(world["coordinator"], "get", f"{path}/versions/7").status_code == 404
    differences = call(world["coordinator"], "get", f"{path}/versions/compare?old=1&new=2").json()
    kinds = {(d["section"], d["kind"], d["field"]) for d in differences}
    assert ("needs", "added", "") in kinds
    assert ("goals", "changed", "target") in kinds
    changed = next(d for d in differences if d["section"] == "goals")
    assert (changed["before"], changed["after"]) == ("1", "2")
    missing = call(world["coordinator"], "get", f"{path}/versions/compare?old=1&new=9")
    assert missing.status_code == 404
    # Each read of the frozen content (two versions, two comparisons) is written to the audit trail.
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).count() == 4
    default = call(world["coordinator"], "get", f"{path}/versions/compare").json()
    assert default == differences  # by default: the latest version against the one before


def test_cancel_a_draft_but_not_an_approved_plan(world: dict[str, Any], call: Any) -> None:
    draft = _draft(world)
    assert _locs(call(world["coordinator"], "post", f"{BASE}/{draft.pk}/cancel", {})) == [["body", "reason"]]
    response = call(world["coordinator"], "post", f"{BASE}/{draft.pk}/cancel", {"reason": "Osoba zrezygnowała."})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    active = make_plan(world)
    refused = call(world["coordinator"], "post", f"{BASE}/{active.pk}/cancel", {"reason": "x"})
    assert refused.status_code == 422


def test_close_requires_the_interview_and_the_description(world: dict[str, Any], call: Any) -> None:
    plan = make_plan(world)
    path = f"{BASE}/{plan.pk}/close"
    empty = call(world["coordinator"], "post", path, {})
    assert empty.status_code == 422
    locs = {tuple(loc) for loc in _locs(empty)}
    assert {
        ("body", "closing_reason"),
        ("body", "closing_interview_on"),
        ("body", "closing_interview_notes"),
        ("body", "course_description"),
        ("body", "goal_outcomes"),
    } <= locs
    short = call(world["coordinator"], "post", path, _close_body(plan, course_description="Dobrze."))
    assert _locs(short) == [["body", "course_description"]]
    no_interview = call(world["coordinator"], "post", path, _close_body(plan, closing_interview_on=None))
    assert _locs(no_interview) == [["body", "closing_interview_on"]]
    not_met = call(
        world["coordinator"],
        "post",
        path,
        _close_body(plan, goal_outcomes=[{"goal_id": plan.goals.get().pk, "status": "partly"}]),
    )
    assert _locs(not_met) == [["body", "closing_reason"]]
    unknown_goal = call(
        world["coordinator"], "post", path, _close_body(plan, goal_outcomes=[{"goal_id": 987654, "status": "achieved"}])
    )
    assert _locs(unknown_goal) == [["body", "goal_outcomes"]]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE

    closed = call(world["coordinator"], "post", path, _close_body(plan))
    assert closed.status_code == 200, closed.content
    data = closed.json()
    assert data["status"] == "closed"
    assert data["closing_reason"] == "goals_met"
    assert data["goals"][0]["status"] == "achieved"
    assert all(item["status"] == "ended" or item["ends_on"] <= _today().isoformat() for item in data["items"])
    assert call(world["coordinator"], "post", path, _close_body(plan)).status_code == 422


# --- monitoring -----------------------------------------------------------------------------------------------------


def test_monitoring_notes(world: dict[str, Any], call: Any) -> None:
    plan = make_plan(world)
    path = f"{BASE}/{plan.pk}/notes"
    created = call(world["coordinator"], "post", path, {"kind": "home_visit", "text": "Wizyta: wszystko w porządku."})
    assert created.status_code == 201
    assert created.json()["author"] == "Koordynatorka Pierwsza"
    future = call(
        world["coordinator"],
        "post",
        path,
        {"text": "x", "noted_on": (_today() + datetime.timedelta(days=2)).isoformat()},
    )
    assert _locs(future) == [["body", "noted_on"]]
    assert _locs(call(world["coordinator"], "post", path, {"text": ""})) == [["body", "text"]]
    listed = call(world["director"], "get", path).json()
    assert listed["count"] == 1
    assert listed["items"][0]["kind"] == "home_visit"
    assert call(world["director"], "post", path, {"text": "x"}).status_code == 403
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk), actor=world["director"]).exists()


def test_goal_progress(world: dict[str, Any], call: Any) -> None:
    plan = make_plan(world)
    goal = plan.goals.get()
    path = f"{BASE}/{plan.pk}/goals/{goal.pk}/progress"
    assert _locs(call(world["coordinator"], "post", path, {"progress": 120})) == [["body", "progress"]]
    half = call(world["coordinator"], "post", path, {"progress": 50, "value": "1", "note": "Pierwsze wyjście."})
    assert half.status_code == 201
    done = call(world["coordinator"], "post", path, {"progress": 100})
    assert done.status_code == 201
    goal.refresh_from_db()
    assert goal.progress == 100
    assert goal.status == GoalStatus.ACHIEVED
    listed = call(world["director"], "get", path).json()
    assert [row["progress"] for row in listed["items"]] == [100, 50]
    draft = _ready_draft(plan_world())
    draft_goal = draft.goals.get()
    # Progress is noted on a plan in progress only (and on its own goals only).
    assert call(world["coordinator"], "get", f"{BASE}/{plan.pk}/goals/{draft_goal.pk}/progress").status_code == 404


# --- approval authorisations and coordinators' meetings ------------------------------------------------------------


def test_authorisations_are_granted_and_revoked_by_the_director(world: dict[str, Any], call: Any) -> None:
    listed = call(world["organiser"], "get", f"{BASE}/authorisations").json()
    assert [row["document_reference"] for row in listed["items"]] == ["UP/1/2026"]
    assert listed["items"][0]["valid_today"] is True
    body = {
        "delegate_id": world["plain_organiser"].pk,
        "document_reference": "UP/2/2026",
        "granted_on": _today().isoformat(),
        "valid_from": _today().isoformat(),
    }
    assert call(world["organiser"], "post", f"{BASE}/authorisations", body).status_code == 403
    to_coordinator = call(
        world["director"], "post", f"{BASE}/authorisations", {**body, "delegate_id": world["coordinator"].pk}
    )
    assert _locs(to_coordinator) == [["body", "delegate_id"]]
    backwards = call(
        world["director"],
        "post",
        f"{BASE}/authorisations",
        {**body, "valid_to": (_today() - datetime.timedelta(days=1)).isoformat()},
    )
    assert _locs(backwards) == [["body", "valid_to"]]
    granted = call(world["director"], "post", f"{BASE}/authorisations", body)
    assert granted.status_code == 201, granted.content
    assert granted.json()["delegate_name"] == "Organizator Bez Upoważnienia"
    assert granted.json()["granted_by"] == "Dyrektor Testowa"
    pk = granted.json()["id"]
    assert call(world["organiser"], "post", f"{BASE}/authorisations/{pk}/revoke", {}).status_code == 403
    revoked = call(world["director"], "post", f"{BASE}/authorisations/{pk}/revoke", {})
    assert revoked.json()["revoked_on"] == _today().isoformat()
    assert _locs(call(world["director"], "post", f"{BASE}/authorisations/{pk}/revoke", {})) == [["body", "revoked_on"]]
    assert call(world["coordinator"], "get", f"{BASE}/authorisations").status_code == 403
    foreign = ApprovalDelegation.objects.exclude(municipality=world["municipality"])
    assert not foreign.exists()
    other = plan_world()
    other_delegation = ApprovalDelegation.objects.get(municipality=other["municipality"])
    assert call(world["director"], "post", f"{BASE}/authorisations/{other_delegation.pk}/revoke", {}).status_code == 404


def test_coordinators_meetings(world: dict[str, Any], call: Any) -> None:
    body = {
        "held_on": _today().isoformat(),
        "participant_ids": [world["coordinator"].pk, world["other_coordinator"].pk],
        "agenda": "Przegląd planów.",
        "minutes": "Omówiono plany kończące się w grudniu.",
    }
    response = call(world["organiser"], "post", f"{BASE}/meetings", body)
    assert response.status_code == 201, response.content
    assert {p["full_name"] for p in response.json()["participants"]} == {"Koordynatorka Pierwsza", "Koordynator Drugi"}
    meeting = CoordinatorMeeting.objects.get()
    assert meeting.recorded_by == world["organiser"]
    future = call(world["organiser"], "post", f"{BASE}/meetings", {**body, "held_on": "2099-01-01"})
    assert _locs(future) == [["body", "held_on"]]
    outsider = plan_world()["coordinator"]
    strangers = call(world["organiser"], "post", f"{BASE}/meetings", {**body, "participant_ids": [outsider.pk]})
    assert _locs(strangers) == [["body", "participant_ids"]]
    assert _locs(call(world["organiser"], "post", f"{BASE}/meetings", {**body, "participant_ids": [987654]})) == [
        ["body", "participant_ids"]
    ]
    assert call(world["coordinator"], "post", f"{BASE}/meetings", body).status_code == 403
    listed = call(world["coordinator"], "get", f"{BASE}/meetings").json()
    assert listed["count"] == 1
    assert listed["items"][0]["minutes"] == "Omówiono plany kończące się w grudniu."


# --- provider staff: no plan permission at all (art. 49) ------------------------------------------------------------


def test_provider_staff_reach_no_plan_operation(world: dict[str, Any], call: Any) -> None:
    plan = make_plan(world)
    worker = world["provider_user"]
    goal = plan.goals.get()
    item = plan.items.get(service=world["other_service"])
    attempts = [
        ("get", BASE, None),
        ("post", BASE, {"person_id": str(world["person"].pk), "starts_on": "2026-01-01", "ends_on": "2026-06-01"}),
        ("get", f"{BASE}/{plan.pk}", None),
        ("patch", f"{BASE}/{plan.pk}", {"needs_summary": "x"}),
        ("post", f"{BASE}/{plan.pk}/needs", {"description": "x"}),
        ("post", f"{BASE}/{plan.pk}/items/{item.pk}/end", {"ended_on": _today().isoformat(), "end_reason": "x"}),
        ("post", f"{BASE}/{plan.pk}/approve", {}),
        ("post", f"{BASE}/{plan.pk}/close", {}),
        ("get", f"{BASE}/{plan.pk}/notes", None),
        ("get", f"{BASE}/{plan.pk}/goals/{goal.pk}/progress", None),
        ("get", f"{BASE}/{plan.pk}/versions", None),
        ("get", f"{BASE}/{plan.pk}/versions/1", None),
        ("get", f"{BASE}/authorisations", None),
        ("get", f"{BASE}/meetings", None),
    ]
    for method, path, body in attempts:
        response = call(worker, method, path, body)
        assert response.status_code in {403, 404}, (method, path, response.status_code)
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW, actor=worker).exists()


# --- the half-year summary (art. 46 ust. 1) -------------------------------------------------------------------------


def test_half_year_summary(world: dict[str, Any], call: Any) -> None:
    make_plan(world)
    half = f"{_today().year}-{1 if _today().month <= 6 else 2}"
    response = call(world["organiser"], "get", f"{BASE}/summary?half={half}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["half"] == half
    assert data["total"]["plans"] == 1
    assert {row["key"]: row["count"] for row in data["total"]["by_status"]}["active"] == 1
    assert data["total"]["goals"]["set"] == 1
    assert {row["service"] for row in data["total"]["services"]} == {world["care_service"].name, "Asystent osobisty"}
    assert data["municipalities"][0]["municipality"] == world["municipality"].teryt
    assert call(world["director"], "get", f"{BASE}/summary").json()["half"] == half  # the current half by default
    assert call(world["organiser"], "get", f"{BASE}/summary?half={_today().year - 1}-2").json()["total"]["plans"] == 0
    assert _locs(call(world["organiser"], "get", f"{BASE}/summary?half=2026-3")) == [["query", "half"]]
    other = plan_world()["municipality"]
    assert _locs(call(world["organiser"], "get", f"{BASE}/summary?municipality={other.teryt}")) == [
        ["query", "municipality"]
    ]
    assert call(world["coordinator"], "get", f"{BASE}/summary").status_code == 403
