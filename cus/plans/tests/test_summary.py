"""The half-year summary of all plans (art. 46 ust. 1) with exact figures, and the coordinators' meeting reminder
(art. 46 ust. 2)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.core.tests.factories import MunicipalityFactory
from cus.delivery import services as delivery_services
from cus.plans import rules, services, summary
from cus.plans.models import ClosingReason, GoalStatus, ServicePlan
from cus.plans.tests.factories import make_plan, plan_world

D = datetime.date
H1_2026 = rules.Period(D(2026, 1, 1), D(2026, 6, 30))


# --- the closed-form visit count equals the rules' day-by-day count ---------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)),
    length=st.integers(min_value=0, max_value=400),
    frequency=st.sampled_from([f.value for f in rules.Frequency]),
    weekdays=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=7),
    window_start=st.integers(min_value=-60, max_value=400),
    window_length=st.integers(min_value=0, max_value=200),
)
def test_visits_within_matches_the_rules(  # noqa: PLR0917
    start: D, length: int, frequency: str, weekdays: list[int], window_start: int, window_length: int
) -> None:
    end = start + datetime.timedelta(days=length)
    window = rules.Period(
        start + datetime.timedelta(days=window_start),
        start + datetime.timedelta(days=window_start + window_length),
    )
    expected = sum(
        1 for day in rules.visit_dates(rules.Period(start, end), frequency, weekdays) if window.contains(day)
    )
    assert summary.visits_within(start, end, frequency, weekdays, window) == expected
    if frequency == rules.Frequency.WEEKLY:
        # The summary counts a weekly item's visits from its dates clipped to the period: the same number.
        first, last = max(start, window.starts_on), min(end, window.ends_on)
        clipped = summary.visits_within(first, last, frequency, weekdays, window) if first <= last else 0
        assert clipped == expected


def test_parse_half() -> None:
    assert summary.parse_half("2026-1") == H1_2026
    assert summary.parse_half("2025-2") == rules.Period(D(2025, 7, 1), D(2025, 12, 31))
    for bad in ("", "2026", "2026-3", "26-1", "abcd-1", "1999-1", None):
        assert summary.parse_half(bad) is None
    assert summary.half_key(H1_2026) == "2026-1"
    assert summary.previous_half(H1_2026) == rules.Period(D(2025, 7, 1), D(2025, 12, 31))
    assert summary.next_half(H1_2026) == rules.Period(D(2026, 7, 1), D(2026, 12, 31))


# --- the summary ---------------------------------------------------------------------------------------------------


def _visit(world: dict[str, Any], item: Any, day: D, minutes: int, *, status: str = "delivered", **extra: Any) -> None:
    delivery_services.record_visit(
        actor=world["provider_user"] if item.provider_id == world["provider"].pk else world["other_provider_user"],
        item=item,
        date=day,
        start_time=datetime.time(9, 0),
        minutes=minutes,
        worker_name="Anna Opiekunka",
        status=status,
        **extra,
    )


def _close(world: dict[str, Any], plan: ServicePlan, closed_on: D, outcome: str) -> None:
    goal = plan.goals.get()
    services.close(
        actor=world["coordinator"],
        plan=plan,
        closed_on=closed_on,
        reason=ClosingReason.RESIGNATION,
        reason_details="Osoba zrezygnowała.",
        interview_on=closed_on,
        interview_notes="Rozmowa podsumowująca odbyła się w domu osoby.",
        course_description="Usługi realizowano zgodnie z planem; osoba zrezygnowała z dalszej pomocy po wyjeździe.",
        goal_outcomes={goal.pk: outcome},
    )


def _history(plan: ServicePlan, **fields: Any) -> None:
    """Set what the records would show had the plan been handled in the past."""
    ServicePlan.objects.filter(pk=plan.pk).update(**fields)


@pytest.fixture
def scene(db: Any) -> dict[str, Any]:
    """A centre's plans around the first half of 2026:
    P1 in progress from 2 Mar (on time), P2 from 5 Jan closed on 15 May (drawn up late), P3 a draft from 1 Jun
    past its 30-day deadline, P4 from 15 Jun closed on 31 Jul (after the half-year), P5 cancelled."""
    world = plan_world()
    p1 = make_plan(world, starts_on=D(2026, 3, 2))
    _history(p1, drawn_up_on=D(2026, 3, 10))
    care1 = p1.items.get(service=world["care_service"])
    other1 = p1.items.get(service=world["other_service"])
    for day in (D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 6)):
        _visit(world, care1, day, 120)
    _visit(world, care1, D(2026, 3, 9), 120, status="missed", missed_reason="person_absent")
    _visit(world, care1, D(2026, 7, 1), 120)  # after the half-year
    _visit(world, other1, D(2026, 3, 3), 90)

    p2 = make_plan(world, starts_on=D(2026, 1, 5))
    _history(p2, drawn_up_on=D(2026, 2, 10))  # applied on 26 Dec 2025: the deadline was 25 Jan
    care2 = p2.items.get(service=world["care_service"])
    _visit(world, care2, D(2026, 1, 5), 120)
    _visit(world, care2, D(2026, 1, 7), 90)
    _close(world, p2, D(2026, 5, 15), GoalStatus.NOT_ACHIEVED)

    p3 = make_plan(world, approved=False, starts_on=D(2026, 6, 1))

    p4 = make_plan(world, starts_on=D(2026, 6, 15))
    _history(p4, drawn_up_on=D(2026, 6, 10))
    _close(world, p4, D(2026, 7, 31), GoalStatus.ACHIEVED)

    p5 = make_plan(world, approved=False, starts_on=D(2026, 2, 2))
    services.cancel(actor=world["coordinator"], plan=p5, reason="Osoba wycofała zgodę.")

    services.meeting_record(
        actor=world["organiser"],
        centre=world["centre"],
        municipality_id=world["municipality"].pk,
        held_on=D(2026, 4, 10),
        participants=[world["coordinator"], world["other_coordinator"], world["organiser"]],
        agenda="Plany zbliżające się do roku.",
        minutes="Ustalono terminy rozmów podsumowujących.",
    )
    services.meeting_record(
        actor=world["organiser"],
        centre=world["centre"],
        municipality_id=world["municipality"].pk,
        held_on=D(2025, 12, 1),
        participants=[world["coordinator"]],
        agenda="Poprzednie półrocze.",
        minutes="Bez uwag.",
    )
    return {"world": world, "plans": [p1, p2, p3, p4, p5]}


def _counts(tallies: list[summary.Tally]) -> dict[str, int]:
    return {tally.key: tally.count for tally in tallies}


def test_summary_exact_figures(scene: dict[str, Any]) -> None:
    world = scene["world"]
    result = summary.half_year_summary(world["organiser"], H1_2026)
    total = result.total
    assert not result.is_joint
    assert total.plans == 4  # P1–P4; the cancelled plan was never in force
    assert _counts(total.by_status) == {
        "draft": 1,
        "submitted": 0,
        "active": 2,  # P1, and P4 closed only after the half-year
        "updating": 0,
        "update_submitted": 0,
        "closed": 1,
    }
    assert total.new_plans == 4
    assert total.closed == 1
    assert _counts(total.closed_by_reason) == {"planned_end": 0, "goals_met": 0, "resignation": 1, "other": 0}
    assert total.drawn_up == 3
    assert total.drawn_up_late == 1
    assert total.overdue_not_drawn_up == 1

    other, care = total.services  # by service name
    assert (care.service, care.provider) == (world["care_service"].name, world["provider"].name)
    # Mon/Wed/Fri 2 h: P1 2 Mar–30 Jun 52 visits, P2 5 Jan–15 May 57, P4 15–30 Jun 7.
    assert care.items == 3
    assert care.planned_hours == Decimal("232.00")
    assert care.delivered_hours == Decimal("9.50")  # 3 × 2 h + 2 h + 1.5 h; the missed and the July visit left out
    assert care.share == Decimal("4.1")
    # Tuesdays 1.5 h: P1 18 visits, P2 19, P4 3.
    assert other.items == 3
    assert (other.service, other.provider) == ("Asystent osobisty", "Fundacja Inny Realizator")
    assert other.planned_hours == Decimal("60.00")
    assert other.delivered_hours == Decimal("1.50")
    assert other.share == Decimal("2.5")
    assert total.planned_hours == Decimal("292.00")
    assert total.delivered_hours == Decimal("11.00")
    assert total.share == Decimal("3.8")

    goals = total.goals
    assert (goals.set, goals.achieved, goals.partly, goals.not_achieved, goals.open) == (3, 1, 0, 1, 1)
    assert [meeting.held_on for meeting in result.meetings] == [D(2026, 4, 10)]


def test_planned_hours_agree_with_the_rules(scene: dict[str, Any]) -> None:
    world = scene["world"]
    p1 = scene["plans"][0]
    care = p1.items.get(service=world["care_service"])
    before = rules.planned_hours(
        care.period, care.frequency, care.weekday_list, care.hours_per_visit, until=D(2026, 3, 1)
    )
    until_end = rules.planned_hours(
        care.period, care.frequency, care.weekday_list, care.hours_per_visit, until=H1_2026.ends_on
    )
    assert until_end - before == Decimal("104")


def test_another_half_year(scene: dict[str, Any]) -> None:
    world = scene["world"]
    result = summary.half_year_summary(world["director"], rules.Period(D(2026, 7, 1), D(2026, 12, 31)))
    total = result.total
    # P1 in progress, P3 still a draft (its dates run into the second half), P4 closed on 31 Jul; P2 closed before.
    assert total.plans == 3
    counts = _counts(total.by_status)
    assert (counts["active"], counts["draft"], counts["closed"]) == (1, 1, 1)
    assert total.closed == 1
    assert total.delivered_hours == Decimal("2.00")  # the July visit
    assert total.new_plans == 0
    assert result.meetings == []


def test_empty_and_unauthorised(scene: dict[str, Any]) -> None:
    world = scene["world"]
    empty = summary.half_year_summary(world["organiser"], rules.Period(D(2024, 1, 1), D(2024, 6, 30)))
    assert empty.total.plans == 0
    assert empty.total.services == []
    assert empty.total.share is None
    # A coordinator cannot summarise: no municipality, nothing counted.
    nothing = summary.half_year_summary(world["coordinator"], H1_2026)
    assert nothing.total.plans == 0
    assert nothing.municipalities == []
    provider = summary.half_year_summary(world["provider_user"], H1_2026)
    assert provider.total.plans == 0


def test_joint_centre_per_municipality(scene: dict[str, Any]) -> None:
    world = scene["world"]
    second: Any = MunicipalityFactory(name="Gmina Druga")
    world["centre"].municipalities.add(second)
    other = plan_world(second)  # its plans belong to the joint centre (the first centre of the municipality)
    joint_plan = make_plan(other, starts_on=D(2026, 4, 6))
    _visit(other, joint_plan.items.get(service=other["care_service"]), D(2026, 4, 6), 60)
    director = UserFactory(centre=world["centre"], roles=[Role.DIRECTOR], full_name="Dyrektor Wspólnego Centrum")
    result = summary.half_year_summary(director, H1_2026)
    assert result.is_joint
    first, joint = sorted(result.municipalities, key=lambda s: s.municipality.pk if s.municipality else 0)
    assert first.plans == 4
    assert joint.name == "Gmina Druga"
    assert joint.plans == 1
    assert joint.new_plans == 1
    # Mon/Wed/Fri 2 h from 6 Apr: 37 visits; Tuesdays 1.5 h from 7 Apr: 13 visits.
    assert [row.planned_hours for row in joint.services] == [Decimal("19.50"), Decimal("74.00")]
    assert joint.goals.open == 1
    assert (first.delivered_hours, joint.delivered_hours) == (Decimal("11.00"), Decimal("1.00"))
    assert result.total.plans == 5
    assert result.total.planned_hours == Decimal("385.50")
    assert len(result.total.services) == 4  # the second municipality has services (and providers) of its own
    only_second = summary.half_year_summary(director, H1_2026, municipality_ids=[second.pk])
    assert only_second.total.plans == 1
    assert not only_second.is_joint
    # Only the second municipality's records count when the first is not summarised.
    assert only_second.total.delivered_hours == Decimal("1.00")
    only_first = summary.half_year_summary(director, H1_2026, municipality_ids=[world["municipality"].pk])
    assert only_first.total.delivered_hours == Decimal("11.00")


def test_summary_queries_do_not_grow_with_plans(scene: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    world = scene["world"]
    with django_assert_max_num_queries(13):
        summary.half_year_summary(world["organiser"], H1_2026)


# --- the coordinators' meeting reminder (art. 46 ust. 2) ----------------------------------------------------------


@pytest.mark.django_db
def test_meeting_reminder_when_never_held() -> None:
    world = plan_world()
    # No plan and no meeting yet: nothing to remind about.
    assert summary.meeting_reminder(world["coordinator"], today=D(2026, 11, 23)) is None
    make_plan(world, starts_on=D(2026, 3, 2))
    reminder = summary.meeting_reminder(world["coordinator"], today=D(2026, 11, 23))
    assert reminder is not None
    assert reminder.last_held_on is None
    assert reminder.due_on == D(2026, 6, 2)
    assert reminder.overdue
    assert summary.meeting_reminder(world["provider_user"]) is None


@pytest.mark.django_db
def test_meeting_reminder_after_the_last_meeting() -> None:
    world = plan_world()
    services.meeting_record(
        actor=world["organiser"],
        centre=world["centre"],
        municipality_id=world["municipality"].pk,
        held_on=D(2026, 8, 20),
        participants=[world["coordinator"]],
        agenda="Plany.",
        minutes="Ustalenia.",
    )
    organiser = world["organiser"]
    assert summary.meeting_reminder(organiser, today=D(2026, 10, 1)) is None  # due 20 Nov, more than 14 days away
    due_soon = summary.meeting_reminder(organiser, today=D(2026, 11, 10))
    assert due_soon is not None and not due_soon.overdue
    assert (due_soon.due_on, due_soon.days_left) == (D(2026, 11, 20), 10)
    overdue = summary.meeting_reminder(organiser, today=D(2026, 11, 23))
    assert overdue is not None and overdue.overdue
    assert overdue.days_overdue == 3
    assert overdue.last_held_on == D(2026, 8, 20)
