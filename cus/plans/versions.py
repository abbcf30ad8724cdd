"""The content of a plan frozen into a version, and the comparison of two versions.

``freeze(plan)`` reads the plan's working rows into plain JSON (labels included, so an old version still reads the
same after a service is renamed); ``compare(old, new)`` is pure and lists what was added, removed or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def freeze(plan: Any) -> dict[str, Any]:
    """The plan's content as it stands (needs, goals, items, supporting activities, period)."""
    items = plan.items.select_related("service", "location", "provider", "application").order_by(
        "position", "starts_on", "pk"
    )
    return {
        "period": {"starts_on": _date(plan.starts_on), "ends_on": _date(plan.ends_on)},
        "needs_summary": plan.needs_summary,
        "needs": [
            {"key": f"need-{need.pk}", "area": str(need.area) if need.area_id else "", "description": need.description}
            for need in plan.needs.select_related("area")
        ],
        "goals": [
            {
                "key": f"goal-{goal.pk}",
                "description": goal.description,
                "indicator": goal.indicator,
                "baseline": goal.baseline,
                "target": goal.target,
                "target_date": _date(goal.target_date),
            }
            for goal in plan.goals.all()
        ],
        "items": [
            {
                "key": f"item-{item.pk}",
                "service": item.service.name,
                "provider": item.provider.name,
                "location": str(item.location) if item.location_id else "",
                "starts_on": _date(item.starts_on),
                "ends_on": _date(item.ended_on or item.ends_on),
                "frequency": item.frequency,
                "weekdays": item.weekday_list,
                "time_from": item.time_from.strftime("%H:%M") if item.time_from else "",
                "hours_per_visit": str(item.hours_per_visit),
                "planned_hours": str(item.planned_hours),
                "fee_per_month": str(item.fee_per_month) if item.fee_per_month is not None else "",
                "application": item.application.reference if item.application_id else "",
            }
            for item in items
        ],
        "activities": [
            {
                "key": f"activity-{activity.pk}",
                "kind": activity.kind,
                "description": activity.description,
                "who": activity.who,
                "starts_on": _date(activity.starts_on),
                "ends_on": _date(activity.ends_on),
            }
            for activity in plan.activities.all()
        ],
    }


@dataclass(frozen=True)
class Difference:
    section: str  # period, needs_summary, needs, goals, items, activities
    kind: str  # added, removed, changed
    key: str
    field: str = ""
    before: Any = None
    after: Any = None


SECTIONS = ("needs", "goals", "items", "activities")


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Difference]:
    """What changed from ``old`` to ``new``; rows are matched by their key."""
    differences: list[Difference] = []
    for field in ("starts_on", "ends_on"):
        before, after = old.get("period", {}).get(field), new.get("period", {}).get(field)
        if before != after:
            differences.append(Difference("period", "changed", "period", field, before, after))
    if old.get("needs_summary", "") != new.get("needs_summary", ""):
        differences.append(
            Difference(
                "needs_summary", "changed", "needs_summary", "", old.get("needs_summary"), new.get("needs_summary")
            )
        )
    for section in SECTIONS:
        old_rows = {row["key"]: row for row in old.get(section, [])}
        new_rows = {row["key"]: row for row in new.get(section, [])}
        for key, row in new_rows.items():
            if key not in old_rows:
                differences.append(Difference(section, "added", key, after=row))
                continue
            for field, value in row.items():
                if field != "key" and old_rows[key].get(field) != value:
                    differences.append(Difference(section, "changed", key, field, old_rows[key].get(field), value))
        for key, row in old_rows.items():
            if key not in new_rows:
                differences.append(Difference(section, "removed", key, before=row))
    return differences
