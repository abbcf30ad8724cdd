"""Reads of plans: the restricted list with filters, the next deadline, delivery shares in one query, alerts with a
fixed number of queries, readable schedules and version comparisons."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cus.delivery import services as delivery_services
from cus.delivery.models import CorrectionRequest, DeliveryRecord
from cus.plans import queries, rules, services, versions
from cus.plans.models import PlanStatus, ServicePlan
from cus.plans.tests.factories import another_person, make_plan, plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


def _first_weekday(start: datetime.date, weekday: int) -> datetime.date:
    day = start
    while day.isoweekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def _visit(world: dict[str, Any], item: Any, day: datetime.date, minutes: int = 120, hour: int = 9) -> Any:
    return delivery_services.record_visit(
        actor=world["provider_user"],
        item=item,
        date=day,
        start_time=datetime.time(hour, 0),
        minutes=minutes,
        worker_name="Anna Opiekunka",
    )


# --- the list --------------------------------------------------------------------------------------------------------


def test_list_is_restricted_to_the_users_municipalities(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    other = plan_world()
    foreign = make_plan(other)
    assert list(queries.plans_for(world["coordinator"], status="")) == [plan]
    assert list(queries.plans_for(other["director"], status="")) == [foreign]
    assert not queries.plans_for(world["provider_user"], status="").exists()


def test_filters(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    approved = make_plan(world)
    late_draft = services.plan_create(
        actor=world["other_coordinator"],
        person=another_person(world),
        coordinator=world["other_coordinator"],
        applied_on=today - datetime.timedelta(days=31),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    user = world["director"]
    assert set(queries.plans_for(user, status="open")) == {approved, late_draft}
    assert list(queries.plans_for(user, status=PlanStatus.ACTIVE)) == [approved]
    assert list(queries.plans_for(user, coordinator=world["other_coordinator"])) == [late_draft]
    assert list(queries.plans_for(world["coordinator"], mine=True)) == [approved]
    assert list(queries.plans_for(user, overdue=True)) == [late_draft]
    services.cancel(actor=world["other_coordinator"], plan=late_draft, reason="Rezygnacja.")
    assert list(queries.plans_for(user, status="open")) == [approved]
    # A goal past its date makes an approved plan overdue.
    goal = approved.goals.get()
    goal.target_date = today - datetime.timedelta(days=1)
    goal.save()
    assert list(queries.plans_for(user, overdue=True)) == [approved]


def test_next_deadline_is_the_nearest_of_draw_up_items_goals_and_end(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)  # items end at +90 and +240 days from today, the goal at +140, the plan at +240
    row = queries.plans_for(world["coordinator"]).get(pk=plan.pk)
    deadline = queries.next_deadline(row, today)
    assert deadline is not None
    assert deadline.day == plan.starts_on + datetime.timedelta(days=150)  # the assistance item ends first
    assert not deadline.overdue
    draft = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=35),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    row = queries.plans_for(world["coordinator"]).get(pk=draft.pk)
    deadline = queries.next_deadline(row, today)
    assert deadline is not None
    assert deadline.day == today - datetime.timedelta(days=5)
    assert deadline.overdue
    ordered = queries.sort_plans(queries.plans_for(world["coordinator"]), "deadline", today)
    assert [p.pk for p in ordered] == [draft.pk, plan.pk]
    assert [p.pk for p in queries.sort_plans(queries.plans_for(world["coordinator"]), "-deadline", today)] == [
        plan.pk,
        draft.pk,
    ]
    # The database orders the same way (lists are paged in SQL), and computes the same deadline.
    closed = make_plan(world)
    ServicePlan.objects.filter(pk=closed.pk).update(status=PlanStatus.CLOSED)
    rows = queries.plans_for(world["coordinator"], status="")
    for sort in queries.PLAN_SORTS:
        for key in (sort, f"-{sort}"):
            in_python = [p.pk for p in queries.sort_plans(rows, key, today)]
            assert [p.pk for p in queries.order_plans(rows, key)] == in_python, key
    days = {p.pk: p.deadline_day for p in queries.order_plans(rows, "deadline")}
    assert days == {p.pk: (p.deadline.day if p.deadline else None) for p in queries.with_deadlines(rows, today)}
    assert days[draft.pk] == today - datetime.timedelta(days=5)
    assert days[closed.pk] is None


# --- delivery shares -------------------------------------------------------------------------------------------------


def test_delivery_share_per_item_in_one_query(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    care = plan.items.get(service=world["care_service"])
    monday = _first_weekday(care.starts_on, 1)
    _visit(world, care, monday, minutes=120)
    _visit(world, care, monday + datetime.timedelta(days=2), minutes=60)
    missed = _visit(world, care, monday + datetime.timedelta(days=4), minutes=120)
    DeliveryRecord.objects.filter(pk=missed.pk).update(status="missed", missed_reason="person_absent")
    items = list(plan.items.all())
    with CaptureQueriesContext(connection) as captured:
        shares = queries.item_shares(items, today)
    assert len(captured.captured_queries) == 1
    share = shares[care.pk]
    assert share.delivered == Decimal("3.00")  # the missed visit does not count
    so_far = rules.planned_hours(care.period, care.frequency, care.weekday_list, Decimal("2"), until=today)
    assert share.planned_so_far == so_far
    assert share.share_so_far == rules.delivery_share(Decimal("3"), so_far)
    assert share.share_total == rules.delivery_share(Decimal("3"), care.planned_hours)
    other = shares[plan.items.get(service=world["other_service"]).pk]
    assert other.delivered == Decimal("0.00") and other.share_so_far == Decimal("0.0")


def test_delivery_shares_of_many_plans_still_one_query(world: dict[str, Any]) -> None:
    plans = [make_plan(world) for _n in range(3)]
    items = [item for plan in plans for item in plan.items.all()]
    with CaptureQueriesContext(connection) as captured:
        queries.item_shares(items)
    assert len(captured.captured_queries) == 1
    assert queries.item_shares([]) == {}


# --- alerts ----------------------------------------------------------------------------------------------------------


def _kinds(alerts: list[queries.Alert]) -> set[str]:
    return {alert.kind for alert in alerts}


def test_alerts_of_a_plan_in_progress(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = make_plan(world)
    alerts = queries.alerts_for([plan], today)[plan.pk]
    # Nothing recorded for 60 days: missed visits on both items.
    missed = [a for a in alerts if a.kind == "missed_visits"]
    assert len(missed) == 2
    assert all(a.severity == queries.Severity.WARNING for a in missed)
    care = plan.items.get(service=world["care_service"])
    # Only the planned days of the last 4 weeks count (older gaps show in the delivery share).
    window = [
        day
        for day in rules.visit_dates(
            care.period, care.frequency, care.weekday_list, until=today - datetime.timedelta(days=3)
        )
        if day >= today - datetime.timedelta(days=rules.MISSED_VISITS_WINDOW_DAYS)
    ]
    assert window[0] > care.starts_on
    (care_alert,) = [a for a in missed if a.message.startswith(care.service.name)]
    assert care_alert.day == window[-1]
    assert f": {len(window)} " in care_alert.message
    for day in rules.visit_dates(care.period, care.frequency, care.weekday_list, until=today):
        _visit(world, care, day)
    alerts = queries.alerts_for([plan], today)[plan.pk]
    assert len([a for a in alerts if a.kind == "missed_visits"]) == 1
    # A goal past its date, an item ending soon, the plan ending soon.
    goal = plan.goals.get()
    goal.target_date = today - datetime.timedelta(days=3)
    goal.save()
    other = plan.items.get(service=world["other_service"])
    other.ends_on = today + datetime.timedelta(days=5)
    other.save()
    ServicePlan.objects.filter(pk=plan.pk).update(ends_on=today + datetime.timedelta(days=20))
    plan.refresh_from_db()
    alerts = queries.alerts_for([plan], today)[plan.pk]
    assert {"goal_overdue", "item_ending", "plan_ending"} <= _kinds(alerts)
    goal_alert = next(a for a in alerts if a.kind == "goal_overdue")
    assert goal_alert.day == goal.target_date
    assert "was due on" in goal_alert.message
    # Past its end and still open: overdue, first in the list.
    ServicePlan.objects.filter(pk=plan.pk).update(ends_on=today - datetime.timedelta(days=1))
    plan.refresh_from_db()
    alerts = queries.alerts_for([plan], today)[plan.pk]
    assert alerts[0].kind == "plan_ended" and alerts[0].overdue


def test_alerts_of_a_draft_and_a_plan_awaiting_approval(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    late = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=40),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    soon = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=25),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    submitted = make_plan(world, approved=False)
    services.submit(actor=world["coordinator"], plan=submitted)
    submitted.refresh_from_db()
    alerts = queries.alerts_for([late, soon, submitted], today)
    assert _kinds(alerts[late.pk]) == {"draw_up_overdue"}
    assert alerts[late.pk][0].day == late.draw_up_deadline
    assert alerts[late.pk][0].severity_label  # a text label, not a colour alone
    assert _kinds(alerts[soon.pk]) == {"draw_up_due"}
    assert _kinds(alerts[submitted.pk]) == {"awaiting_approval"}
    assert alerts[submitted.pk][0].day == today


def test_pending_late_corrections_alert_the_coordinator(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    care = plan.items.get(service=world["care_service"])
    record = _visit(world, care, _first_weekday(care.starts_on, 1))
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=30))
    record.refresh_from_db()
    delivery_services.request_correction(actor=world["provider_user"], record=record, reason="Pomyłka.", minutes=90)
    assert CorrectionRequest.objects.filter(status="pending").count() == 1
    alert = next(a for a in queries.alerts_for([plan])[plan.pk] if a.kind == "corrections")
    assert "1 late correction" in alert.message


def test_closed_plans_have_no_alerts(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    ServicePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.CLOSED)
    plan.refresh_from_db()
    assert queries.alerts_for([plan]) == {plan.pk: []}


def test_alert_queries_do_not_grow_with_plans(world: dict[str, Any]) -> None:
    plans = [make_plan(world)]
    submitted = make_plan(world, approved=False)
    services.submit(actor=world["coordinator"], plan=submitted)
    plans.append(ServicePlan.objects.get(pk=submitted.pk))
    with CaptureQueriesContext(connection) as few:
        queries.alerts_for(plans)
    plans += [make_plan(world) for _n in range(3)]
    with CaptureQueriesContext(connection) as many:
        queries.alerts_for(plans)
    assert len(many.captured_queries) == len(few.captured_queries) <= 5


def test_coordinator_home_shows_the_first_plans_and_the_most_urgent_alerts_with_totals(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "HOME_PLANS", 2)
    monkeypatch.setattr(queries, "HOME_ALERTS", 3)
    for _n in range(3):
        make_plan(world)
    home = queries.coordinator_home(world["coordinator"])
    assert home["my_plans_total"] == 3
    assert len(home["my_plans"]) == 2
    everything = sorted(
        (a for alerts in queries.alerts_for(home["my_plans"]).values() for a in alerts), key=lambda a: a.day
    )
    assert home["needs_me_total"] >= 6  # missed visits on two items of each plan
    assert len(home["needs_me"]) == 3
    deadlines = [plan.deadline.day for plan in home["my_plans"]]
    assert deadlines == sorted(deadlines)
    assert everything


def test_coordinator_home_and_plan_detail_query_counts(world: dict[str, Any]) -> None:
    make_plan(world)
    with CaptureQueriesContext(connection) as one:
        home = queries.coordinator_home(world["coordinator"])
    assert len(home["my_plans"]) == 1
    for _n in range(3):
        make_plan(world)
    with CaptureQueriesContext(connection) as four:
        home = queries.coordinator_home(world["coordinator"])
    assert len(home["my_plans"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
    plan = home["my_plans"][0]
    with CaptureQueriesContext(connection) as detail:
        queries.plan_detail(plan)
    count = len(detail.captured_queries)
    services.start_update(actor=world["coordinator"], plan=plan)
    services.goal_save(
        actor=world["coordinator"],
        plan=plan,
        description="Drugi cel",
        indicator="i",
        target="1",
        target_date=plan.ends_on,
    )
    with CaptureQueriesContext(connection) as more:
        queries.plan_detail(plan)
    assert len(more.captured_queries) <= count + 1  # an editable plan reads no more per row


def test_awaiting_approval_oldest_first(world: dict[str, Any]) -> None:
    first = make_plan(world, approved=False)
    second = make_plan(world, approved=False)
    services.submit(actor=world["coordinator"], plan=second)
    services.submit(actor=world["coordinator"], plan=first)
    assert [p.pk for p in queries.awaiting_approval(world["director"])] == [second.pk, first.pk]
    assert queries.awaiting_approval(world["provider_user"]) == []


# --- readable texts --------------------------------------------------------------------------------------------------


def test_schedule_text() -> None:
    assert (
        queries.schedule_text("weekly", [5, 1, 3], datetime.time(9, 0), Decimal("2.00"))
        == "Mon, Wed, Fri from 9:00, 2 h"
    )
    assert queries.schedule_text("every_other_week", [2], None, Decimal("1.5")) == "every other week: Tue, 1,5 h"
    assert queries.schedule_text("monthly", [], "08:30", "3") == "once a month from 8:30, 3 h"


def test_comparison_is_readable(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    old = versions.freeze(plan)
    services.start_update(actor=world["coordinator"], plan=plan)
    goal = plan.goals.get()
    services.goal_save(actor=world["coordinator"], plan=plan, goal=goal, target="3")
    services.need_save(actor=world["coordinator"], plan=plan, description="Rehabilitacja.")
    services.content_remove(actor=world["coordinator"], instance=plan.needs.order_by("pk")[0])
    plan.refresh_from_db()
    new = versions.freeze(plan)
    sections = {s["section"]: s for s in queries.comparison(old, new)}
    goal_rows = sections["goals"]["rows"]
    assert goal_rows[0].kind == "changed"
    assert goal_rows[0].field == "target value"
    assert (goal_rows[0].before, goal_rows[0].after) == ("1", "3")
    assert goal_rows[0].label.startswith("Samodzielne wyjście")
    kinds = {row.kind for row in sections["needs"]["rows"]}
    assert kinds == {"added", "removed"}
    assert queries.comparison(new, new) == []


def test_plans_sorted_by_person_in_polish_alphabetical_order_in_the_database_and_in_python(
    world: dict[str, Any],
) -> None:
    from cus.residents.models import Person

    today = timezone.localdate()
    surnames = ["Żak", "Zając", "Łukasiewicz", "Lis"]
    for surname in surnames:
        plan = services.plan_create(
            actor=world["coordinator"],
            person=another_person(world),
            coordinator=world["coordinator"],
            applied_on=today,
            starts_on=today,
            ends_on=today + datetime.timedelta(days=90),
        )
        Person.objects.filter(pk=plan.person_id).update(last_name=surname, first_name="Anna")
    rows = queries.plans_for(world["coordinator"], status="")
    expected = ["Lis", "Łukasiewicz", "Zając", "Żak"]
    assert [p.person.last_name for p in queries.order_plans(rows, "person")] == expected
    assert [p.person.last_name for p in queries.sort_plans(rows, "person", today)] == expected
    assert [p.person.last_name for p in queries.order_plans(rows, "-person")] == expected[::-1]
