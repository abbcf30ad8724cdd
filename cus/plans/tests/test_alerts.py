"""Stored alerts: the coordinator's home reads what ``alerts_for`` computes, kept up to date by every change to a
plan, its content, its delivery records and correction requests, and by the day; the nightly command."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cus.delivery import services as delivery_services
from cus.delivery.models import DeliveryRecord
from cus.plans import alerts, queries, rules, services
from cus.plans.models import GoalStatus, PlanAlert, PlanAlertState, PlanStatus, ServicePlan
from cus.plans.tests.factories import another_person, make_plan, plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


def _live(user: Any, today: datetime.date) -> list[tuple[Any, str, datetime.date, str]]:
    """What the home should show: every alert of the user's open plans computed now, most urgent first."""
    mine = list(queries.plans_for(user, status="open", mine=True, today=today))
    computed = [a for rows in queries.alerts_for(mine, today).values() for a in rows if a.kind != "awaiting_approval"]
    computed.sort(key=lambda a: (queries.SEVERITY_ORDER[a.severity], a.day))
    return sorted((a.plan.pk, a.kind, a.day, a.message) for a in computed)


def _home(user: Any, today: datetime.date) -> list[tuple[Any, str, datetime.date, str]]:
    home = queries.coordinator_home(user, today)
    assert home["needs_me_total"] == len(home["needs_me"])  # the tests stay under the page's limit
    return sorted((a.plan.pk, a.kind, a.day, a.message) for a in home["needs_me"])


def _visit(world: dict[str, Any], item: Any, day: datetime.date) -> DeliveryRecord:
    return delivery_services.record_visit(
        actor=world["provider_user"],
        item=item,
        date=day,
        start_time=datetime.time(9, 0),
        minutes=120,
        worker_name="Anna Opiekunka",
    )


def _missed(world: dict[str, Any], plan: ServicePlan, today: datetime.date) -> int:
    home = queries.coordinator_home(world["coordinator"], today)
    care = plan.items.get(service=world["care_service"])
    (alert,) = [a for a in home["needs_me"] if a.kind == "missed_visits" and a.item.pk == care.pk]
    return int(alert.params["count"])


def test_the_home_shows_what_alerts_for_computes(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    make_plan(world)
    make_plan(world)
    services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=40),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    expected = _live(world["coordinator"], today)
    assert {kind for _pk, kind, _day, _message in expected} == {"missed_visits", "draw_up_overdue"}
    assert _home(world["coordinator"], today) == expected
    home = queries.coordinator_home(world["coordinator"], today)
    live = queries.alerts_for(home["my_plans"], today)
    assert [plan.alert_count for plan in home["my_plans"]] == [len(live[plan.pk]) for plan in home["my_plans"]]
    # Stored: a second view computes nothing and writes nothing.
    assert PlanAlertState.objects.filter(computed_on=today).count() == 3
    with CaptureQueriesContext(connection) as captured:
        assert _home(world["coordinator"], today) == expected
    assert not [q for q in captured.captured_queries if q["sql"].split()[0] in {"INSERT", "DELETE", "UPDATE"}]


def test_a_recorded_visit_shows_at_the_next_view(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    before = _missed(world, plan, today)
    care = plan.items.get(service=world["care_service"])
    since = queries.missed_visits_since(today)
    day = next(d for d in rules.visit_dates(care.period, care.frequency, care.weekday_list, until=today) if d >= since)
    record = _visit(world, care, day)
    assert not PlanAlertState.objects.filter(plan=plan).exists()
    assert _missed(world, plan, today) == before - 1
    # Cancelling it brings the missed visit back.
    DeliveryRecord.objects.get(pk=record.pk).delete()
    assert _missed(world, plan, today) == before
    assert _home(world["coordinator"], today) == _live(world["coordinator"], today)


def test_goal_item_and_plan_changes_show_at_the_next_view(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    coordinator = world["coordinator"]
    _home(coordinator, today)
    # A goal past its date: an alert; achieved: none.
    goal = plan.goals.get()
    goal.target_date = today - datetime.timedelta(days=2)
    goal.save()
    kinds = {a.kind for a in queries.coordinator_home(coordinator, today)["needs_me"]}
    assert "goal_overdue" in kinds
    services.goal_progress(actor=coordinator, goal=goal, progress=100, status=GoalStatus.ACHIEVED)
    assert "goal_overdue" not in {a.kind for a in queries.coordinator_home(coordinator, today)["needs_me"]}
    # An item ending within days: an alert with the service's current name.
    other = plan.items.get(service=world["other_service"])
    other.ends_on = today + datetime.timedelta(days=3)
    other.save()
    ending = [a for a in queries.coordinator_home(coordinator, today)["needs_me"] if a.kind == "item_ending"]
    assert [a.item.pk for a in ending] == [other.pk]
    world["other_service"].name = "Asystencja osobista"
    world["other_service"].save()
    (ending,) = [a for a in queries.coordinator_home(coordinator, today)["needs_me"] if a.kind == "item_ending"]
    assert ending.message.startswith("Asystencja osobista ends on")
    assert _home(coordinator, today) == _live(coordinator, today)
    # Closed: no alerts left, and the nightly run removes its rows.
    plan.refresh_from_db()
    plan.status = PlanStatus.CLOSED
    plan.save()
    assert queries.coordinator_home(coordinator, today)["needs_me"] == []
    assert PlanAlert.objects.filter(plan=plan).exists()
    call_command("refresh_plan_alerts", stdout=StringIO())
    assert not PlanAlert.objects.filter(plan=plan).exists()


def test_late_correction_request_shows_at_the_next_view(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    _home(world["coordinator"], today)
    care = plan.items.get(service=world["care_service"])
    record = _visit(world, care, care.starts_on + datetime.timedelta(days=(5 - care.starts_on.isoweekday()) % 7))
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=30))
    record.refresh_from_db()
    _home(world["coordinator"], today)
    delivery_services.request_correction(actor=world["provider_user"], record=record, reason="Pomyłka.", minutes=90)
    (alert,) = [a for a in queries.coordinator_home(world["coordinator"], today)["needs_me"] if a.kind == "corrections"]
    assert "1 late correction" in alert.message


def test_a_new_day_recomputes_the_days_alerts(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    _home(world["coordinator"], today)
    # 230 days later the plan is nearer its end and its missed visits are those of another window.
    later = today + datetime.timedelta(days=230)
    assert _home(world["coordinator"], later) == _live(world["coordinator"], later)
    assert PlanAlertState.objects.get(plan=plan).computed_on == later
    assert "plan_ending" in {a.kind for a in queries.coordinator_home(world["coordinator"], later)["needs_me"]}


def test_nightly_command_recomputes_open_plans_once(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    first, second = make_plan(world), make_plan(world)
    out = StringIO()
    call_command("refresh_plan_alerts", stdout=out)
    assert out.getvalue().startswith(f"2 plans recomputed for {today.isoformat()}")
    assert set(PlanAlertState.objects.values_list("plan_id", flat=True)) == {first.pk, second.pk}
    stored = PlanAlert.objects.count()
    assert stored == sum(len(a) for a in queries.alerts_for([first, second], today).values())
    out = StringIO()
    call_command("refresh_plan_alerts", stdout=out)
    assert out.getvalue().startswith("0 plans recomputed")
    out = StringIO()
    call_command("refresh_plan_alerts", "--all", "--date", "2027-01-04", stdout=out)
    assert out.getvalue().startswith("2 plans recomputed for 2027-01-04")
    # Nothing computed for a day is ever shown on another: the home recomputes today's.
    assert _home(world["coordinator"], today) == _live(world["coordinator"], today)


def test_refresh_is_idempotent_and_stores_one_set_per_plan(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    alerts.refresh([plan.pk], today)
    count = PlanAlert.objects.filter(plan=plan).count()
    assert count > 0
    alerts.refresh([plan.pk], today)
    assert PlanAlert.objects.filter(plan=plan).count() == count
    assert PlanAlertState.objects.filter(plan=plan).count() == 1


def test_a_plan_handed_over_moves_to_the_new_coordinators_home(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    old, new = world["coordinator"], world["other_coordinator"]
    assert {a.plan.pk for a in queries.coordinator_home(old, today)["needs_me"]} == {plan.pk}
    plan.refresh_from_db()
    plan.coordinator = new
    plan.save()
    home = queries.coordinator_home(old, today)
    assert (home["needs_me"], home["needs_me_total"], home["my_plans"]) == ([], 0, [])
    home = queries.coordinator_home(new, today)
    assert {a.plan.pk for a in home["needs_me"]} == {plan.pk}
    assert [p.pk for p in home["my_plans"]] == [plan.pk]


def test_my_plans_follow_the_lists_deadline_order(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    for _n in range(3):
        make_plan(world)
    services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=40),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    first = ServicePlan.objects.order_by("created_at").first()
    assert first is not None
    goal = first.goals.get()
    goal.target_date = today + datetime.timedelta(days=1)
    goal.save()
    home = queries.coordinator_home(world["coordinator"], today)
    listed = queries.order_plans(
        queries.plans_for(world["coordinator"], status="open", mine=True, today=today), "deadline"
    )
    assert [p.pk for p in home["my_plans"]] == [p.pk for p in listed]
    assert [p.deadline for p in home["my_plans"]] == [p.deadline for p in queries.with_deadlines(listed, today)]
    assert {s.deadline for s in PlanAlertState.objects.all()} == {p.deadline.day for p in home["my_plans"]}


def test_action_alerts_skip_rows_of_plans_not_asked_for_in_every_batch(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plans = [make_plan(world) for _n in range(6)]
    alerts.refresh([plan.pk for plan in plans], today)
    everything = list(
        PlanAlert.objects.filter(coordinator=world["coordinator"])
        .exclude(kind__in=list(alerts.INFORMATION_KINDS))
        .order_by("rank", "day", "pk")
    )
    assert len(everything) > 11  # more than one batch of limit + 10
    last = everything[-1].plan_id
    expected = [row.pk for row in everything if row.plan_id == last][:1]
    found = alerts.action_alerts(world["coordinator"], [last], limit=1)
    assert [(a.plan.pk, a.kind, a.day) for a in found] == [
        (row.plan_id, row.kind, row.day) for row in PlanAlert.objects.filter(pk__in=expected)
    ]
    assert alerts.action_alerts(world["coordinator"], [], limit=5) == []
