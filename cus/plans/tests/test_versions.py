"""Frozen plan content and the comparison of two versions (art. 41: every update is a new version)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from cus.plans import services, versions
from cus.plans.models import AgreementForm, PlanStatus
from cus.plans.tests.factories import make_plan, plan_world
from cus.plans.versions import Difference, compare


def content() -> dict[str, Any]:
    return {
        "period": {"starts_on": "2026-03-01", "ends_on": "2027-02-28"},
        "needs_summary": "Pomoc w domu.",
        "needs": [{"key": "need-1", "area": "pomoc społeczna", "description": "Zakupy"}],
        "goals": [
            {
                "key": "goal-1",
                "description": "Samodzielne zakupy",
                "indicator": "wyjścia w tygodniu",
                "baseline": "0",
                "target": "1",
                "target_date": "2026-09-30",
            }
        ],
        "items": [
            {"key": "item-a", "service": "Usługi opiekuńcze", "weekdays": [1, 3, 5], "planned_hours": "260.00"},
            {"key": "item-b", "service": "Asystent osobisty", "weekdays": [2], "planned_hours": "30.00"},
        ],
        "activities": [],
    }


def test_identical_versions_have_no_differences() -> None:
    assert compare(content(), content()) == []


def test_period_change() -> None:
    new = content()
    new["period"]["ends_on"] = "2026-12-31"
    assert compare(content(), new) == [Difference("period", "changed", "period", "ends_on", "2027-02-28", "2026-12-31")]


def test_needs_summary_change() -> None:
    new = content()
    new["needs_summary"] = "Pomoc w domu i dowóz."
    assert compare(content(), new) == [
        Difference("needs_summary", "changed", "needs_summary", "", "Pomoc w domu.", "Pomoc w domu i dowóz.")
    ]


def test_added_removed_and_changed_rows() -> None:
    old = content()
    new = copy.deepcopy(old)
    new["items"][0]["weekdays"] = [1, 3]
    new["items"][0]["planned_hours"] = "174.00"
    del new["items"][1]
    new["activities"].append({"key": "activity-7", "kind": "volunteer", "description": "Wolontariusz czyta gazety"})
    differences = compare(old, new)
    assert Difference("items", "changed", "item-a", "weekdays", [1, 3, 5], [1, 3]) in differences
    assert Difference("items", "changed", "item-a", "planned_hours", "260.00", "174.00") in differences
    assert Difference("items", "removed", "item-b", before=old["items"][1]) in differences
    assert Difference("activities", "added", "activity-7", after=new["activities"][0]) in differences
    assert len(differences) == 4


def test_rows_are_matched_by_key_not_by_position() -> None:
    old = content()
    new = copy.deepcopy(old)
    new["items"].reverse()
    assert compare(old, new) == []


def test_missing_sections_compare_as_empty() -> None:
    differences = compare({}, content())
    kinds = {(d.section, d.kind) for d in differences}
    assert ("needs", "added") in kinds and ("goals", "added") in kinds and ("items", "added") in kinds
    assert ("period", "changed") in kinds
    assert compare(content(), {"period": content()["period"], "needs_summary": "Pomoc w domu."}) == [
        Difference("needs", "removed", "need-1", before=content()["needs"][0]),
        Difference("goals", "removed", "goal-1", before=content()["goals"][0]),
        Difference("items", "removed", "item-a", before=content()["items"][0]),
        Difference("items", "removed", "item-b", before=content()["items"][1]),
    ]


@pytest.mark.django_db
def test_freeze_reads_the_whole_plan_as_json() -> None:
    world = plan_world()
    plan = make_plan(world, approved=False)
    frozen = versions.freeze(plan)
    json.dumps(frozen)  # plain JSON, stored in the version
    assert frozen["period"] == {"starts_on": plan.starts_on.isoformat(), "ends_on": plan.ends_on.isoformat()}
    assert frozen["needs_summary"] == plan.needs_summary
    assert [n["description"] for n in frozen["needs"]] == ["Pomoc w zakupach i sprzątaniu."]
    assert frozen["goals"][0]["indicator"] == "Liczba samodzielnych wyjść w tygodniu"
    by_service = {row["service"]: row for row in frozen["items"]}
    care, other = by_service[world["care_service"].name], by_service[world["other_service"].name]
    assert care["provider"] == world["provider"].name
    assert care["weekdays"] == [1, 3, 5]
    assert care["time_from"] == "09:00"
    assert care["hours_per_visit"] == "2.00"
    assert care["application"] == world["application"].reference
    assert care["fee_per_month"] == str(world["application"].fee_per_month)
    assert other["fee_per_month"] == "" and other["application"] == ""
    assert Decimal(care["planned_hours"]) == plan.items.get(service=world["care_service"]).planned_hours
    assert frozen["activities"] == []


@pytest.mark.django_db
def test_versions_of_an_update_compare_what_changed() -> None:
    world = plan_world()
    plan = make_plan(world)
    coordinator = world["coordinator"]
    first = plan.versions.get()
    services.start_update(actor=coordinator, plan=plan)
    care = plan.items.get(service=world["care_service"])
    other = plan.items.get(service=world["other_service"])
    services.item_save(actor=coordinator, plan=plan, item=care, weekdays=[1, 2, 3, 4, 5])
    other_key = f"item-{other.pk}"
    services.content_remove(actor=coordinator, instance=other)
    activity = services.activity_save(
        actor=coordinator, plan=plan, kind="neighbour", description="Sąsiadka robi zakupy w soboty.", who="p. Nowak"
    )
    services.record_agreement(
        actor=coordinator, plan=plan, agreed_on=timezone.localdate(), form=AgreementForm.SIGNATURE
    )
    second = services.submit(actor=coordinator, plan=plan, reason="Pogorszenie stanu zdrowia: opieka codziennie.")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UPDATE_SUBMITTED
    assert (first.number, second.number) == (1, 2)
    differences = compare(first.content, second.content)
    changed = {(d.section, d.kind, d.key, d.field) for d in differences}
    assert ("items", "changed", f"item-{care.pk}", "weekdays") in changed
    assert ("items", "changed", f"item-{care.pk}", "planned_hours") in changed
    assert ("items", "removed", other_key, "") in changed
    assert ("activities", "added", f"activity-{activity.pk}", "") in changed
    # The first version keeps its frozen content: the removed item still reads the same.
    first.refresh_from_db()
    assert any(row["service"] == world["other_service"].name for row in first.content["items"])
