"""PDF documents of a plan, in Polish whatever the interface language (they go into the person's file and are
signed): the plan itself for the person to sign (art. 38–39, 41) and the description of its course and results at
closing (art. 45). The wording is fixed Polish text, like the decisions of ``cus.qualification.decisions``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone, translation

from cus.core.pdf import render_pdf
from cus.plans import rules
from cus.plans.models import (
    ActivityKind,
    AgreementForm,
    ClosingReason,
    GoalStatus,
    PlanStatus,
    ServicePlan,
    VersionStatus,
)

WEEKDAYS = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")
MONTHS_GENITIVE = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
STATUS_TEXT: dict[str, str] = {
    PlanStatus.DRAFT: "projekt",
    PlanStatus.SUBMITTED: "przekazany do zatwierdzenia",
    PlanStatus.ACTIVE: "zatwierdzony, w realizacji",
    PlanStatus.UPDATING: "projekt aktualizacji",
    PlanStatus.UPDATE_SUBMITTED: "aktualizacja przekazana do zatwierdzenia",
    PlanStatus.CLOSED: "zakończony",
    PlanStatus.CANCELLED: "anulowany przed zatwierdzeniem",
}
AGREEMENT_TEXT: dict[str, str] = {
    AgreementForm.SIGNATURE: "podpis osoby na planie",
    AgreementForm.ELECTRONIC: "podpis elektroniczny lub profil zaufany",
    AgreementForm.ORAL_RECORDED: "ustnie, utrwalone w notatce",
    AgreementForm.REPRESENTATIVE: "podpis przedstawiciela ustawowego",
}
ACTIVITY_TEXT: dict[str, str] = {
    ActivityKind.VOLUNTEER: "Pomoc wolontariusza",
    ActivityKind.NEIGHBOUR: "Pomoc sąsiedzka",
    ActivityKind.SELF_HELP: "Grupa samopomocowa",
    ActivityKind.OTHER: "Inne działanie",
}
CLOSING_TEXT: dict[str, str] = {
    ClosingReason.PLANNED_END: "upływ okresu, na jaki plan został opracowany",
    ClosingReason.GOALS_MET: "osiągnięcie celów planu",
    ClosingReason.RESIGNATION: "rezygnacja osoby z realizacji planu",
    ClosingReason.OTHER: "inne przyczyny",
}
GOAL_TEXT: dict[str, str] = {
    GoalStatus.OPEN: "w realizacji",
    GoalStatus.ACHIEVED: "osiągnięty",
    GoalStatus.PARTLY: "osiągnięty częściowo",
    GoalStatus.NOT_ACHIEVED: "nieosiągnięty",
}


def polish_date(day: datetime.date | None) -> str:
    if day is None:
        return ""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} r."


def short_date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def polish_number(value: Decimal | int | None) -> str:
    """1.50 → "1,5", 2.00 → "2", with a decimal comma and no trailing zeros."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}".replace(",", " ").replace(".", ",") + " zł"


def schedule_in_words(frequency: str, weekdays: list[int], time_from: datetime.time | None, hours: Decimal) -> str:
    """ "poniedziałek, środa, piątek od 9:00, 2 godz." — with "co drugi tydzień:" or "raz w miesiącu" when so."""
    days = ", ".join(WEEKDAYS[day - 1] for day in sorted(set(weekdays)) if 1 <= day <= 7)
    if frequency == rules.Frequency.MONTHLY:
        when = "raz w miesiącu"
    elif frequency == rules.Frequency.EVERY_OTHER_WEEK:
        when = f"co drugi tydzień: {days}" if days else "co drugi tydzień"
    else:
        when = days
    if time_from is not None:
        when = f"{when} od {time_from.hour}:{time_from.minute:02d}"
    return f"{when}, {polish_number(hours)} godz."


def person_lines(person: Any) -> list[str]:
    lines = [person.full_name]
    if person.correspondence_address:
        lines.extend(line for line in person.correspondence_address.splitlines() if line.strip())
        return lines
    street = " ".join(p for p in (person.street, person.building) if p)
    if person.flat:
        street = f"{street}/{person.flat}"
    if street:
        lines.append(street)
    if person.postal_code or person.town:
        lines.append(f"{person.postal_code} {person.town}".strip())
    return lines


def approved_version(plan: ServicePlan) -> Any:
    """The plan's latest approved version, with who approved it and under which authorisation."""
    return (
        plan.versions.filter(status=VersionStatus.APPROVED)
        .select_related("decided_by", "delegation")
        .order_by("-number")
        .first()
    )


def _items(plan: ServicePlan) -> list[dict[str, Any]]:
    from cus.delivery.models import DeliveryRecord, RecordStatus

    items = list(plan.items.select_related("service", "provider", "location").order_by("position", "starts_on", "pk"))
    minutes = {
        row["item_id"]: row["total"]
        for row in DeliveryRecord.objects.filter(item__plan=plan, status=RecordStatus.DELIVERED)
        .values("item_id")
        .annotate(total=Sum("minutes"))
    }
    rows = []
    for item in items:
        delivered = (Decimal(minutes.get(item.pk) or 0) / 60).quantize(Decimal("0.01"))
        share = rules.delivery_share(delivered, item.planned_hours)
        rows.append(
            {
                "item": item,
                "service": item.service.name,
                "provider": item.provider.name,
                "place": str(item.location) if item.location_id else "w miejscu zamieszkania osoby",
                "schedule": schedule_in_words(item.frequency, item.weekday_list, item.time_from, item.hours_per_visit),
                "starts_on": short_date(item.starts_on),
                "ends_on": short_date(item.ended_on or item.ends_on),
                "ended_early": bool(item.ended_on and item.ended_on < item.ends_on),
                "fee": money(item.fee_per_month) if item.fee_per_month is not None else "bez odpłatności",
                "planned_hours": polish_number(item.planned_hours),
                "delivered_hours": polish_number(delivered),
                "share": f"{polish_number(share)} %" if share is not None else "—",
                "notes": item.notes,
            }
        )
    return rows


def _base(plan: ServicePlan, title: str, short_title: str) -> dict[str, Any]:
    plan = ServicePlan.objects.select_related("centre", "person", "coordinator").get(pk=plan.pk)
    version = approved_version(plan)
    return {
        "plan": plan,
        "centre": plan.centre,
        "issued_on": timezone.localdate(),
        "reference": plan.reference,
        "title": title,
        "author": plan.centre.name,
        "subject": f"{title} — {plan.reference}",
        "footer_left": f"{plan.reference} — {short_title}, wersja {plan.version}",
        "person_lines": person_lines(plan.person),
        "person": plan.person,
        # Polish verbs agree with the person's sex.
        "read_phrase": "zapoznałam" if plan.person.sex == "F" else "zapoznałem",
        "coordinator": plan.coordinator.full_name,
        "period": f"od {polish_date(plan.starts_on)} do {polish_date(plan.ends_on)}",
        "status_text": STATUS_TEXT.get(plan.status, plan.status),
        "needs": list(plan.needs.select_related("area")),
        "goals": [
            {
                "goal": goal,
                "target_date": short_date(goal.target_date),
                "status": GOAL_TEXT.get(goal.status, goal.status),
            }
            for goal in plan.goals.all()
        ],
        "items": _items(plan),
        "activities": [
            {
                "activity": activity,
                "kind": ACTIVITY_TEXT.get(activity.kind, activity.kind),
                "when": " – ".join(short_date(d) for d in (activity.starts_on, activity.ends_on) if d),
            }
            for activity in plan.activities.all()
        ],
        "version": version,
        "approved_on": polish_date(timezone.localtime(version.decided_at).date())
        if version and version.decided_at
        else "",
        "agreed_on": polish_date(plan.agreed_on),
        "agreement_form": AGREEMENT_TEXT.get(plan.agreement_form, ""),
        "draw_up_deadline": polish_date(plan.draw_up_deadline),
        "applied_on": polish_date(plan.applied_on),
    }


def plan_pdf(plan: ServicePlan) -> bytes:
    """The plan as the person signs it: letterhead, the person, the coordinator, the period, needs, goals, the
    services with their schedule and fee, supporting activities, the statement of agreement and signature lines; the
    approval note once the version is approved."""
    context = _base(plan, "Indywidualny plan usług społecznych", "indywidualny plan usług społecznych")
    current = context["version"]
    context["approval_current"] = bool(current and current.number == context["plan"].version)
    with translation.override("pl"):
        return render_pdf("plans/pdf/plan.html", context)


def closing_pdf(plan: ServicePlan) -> bytes:
    """The description of the course and results of a closed plan (art. 45)."""
    context = _base(
        plan,
        "Opis przebiegu i rezultatów realizacji indywidualnego planu usług społecznych",
        "opis przebiegu i rezultatów planu",
    )
    plan = context["plan"]
    context.update(
        {
            "closed_on": polish_date(plan.closed_on),
            "closing_reason": CLOSING_TEXT.get(plan.closing_reason, ""),
            "interview_on": polish_date(plan.closing_interview_on),
            "planned_total": polish_number(sum((row["item"].planned_hours for row in context["items"]), Decimal(0))),
        }
    )
    with translation.override("pl"):
        return render_pdf("plans/pdf/closing.html", context)


def plan_filename(plan: ServicePlan, kind: str) -> str:
    return f"{plan.reference.replace('.', '-')}-{kind}-v{plan.version}.pdf"


# --- the half-year summary (art. 46 ust. 1) -------------------------------------------------------------------------


def _share(value: Decimal | None) -> str:
    return f"{polish_number(value)} %" if value is not None else "—"


def _summary_section(section: Any) -> dict[str, Any]:
    """A section of the summary with Polish labels and numbers written the Polish way."""
    return {
        "name": section.name,
        "plans": section.plans,
        "by_status": [{"label": STATUS_TEXT.get(row.key, row.key), "count": row.count} for row in section.by_status],
        "new_plans": section.new_plans,
        "drawn_up": section.drawn_up,
        "drawn_up_late": section.drawn_up_late,
        "overdue_not_drawn_up": section.overdue_not_drawn_up,
        "closed": section.closed,
        "closed_by_reason": [
            {"label": CLOSING_TEXT.get(row.key, row.key), "count": row.count} for row in section.closed_by_reason
        ],
        "services": [
            {
                "service": row.service,
                "provider": row.provider,
                "items": row.items,
                "planned_hours": polish_number(row.planned_hours),
                "delivered_hours": polish_number(row.delivered_hours),
                "share": _share(row.share),
            }
            for row in section.services
        ],
        "planned_hours": polish_number(section.planned_hours),
        "delivered_hours": polish_number(section.delivered_hours),
        "share": _share(section.share),
        "goals": section.goals,
    }


def summary_pdf(result: Any, *, centre: Any, prepared_by: str) -> bytes:
    """The half-year summary of all plans as a PDF, in Polish (art. 46 ust. 1)."""
    half = "I" if result.half == 1 else "II"
    year = result.period.starts_on.year
    title = f"Zbiorcze podsumowanie indywidualnych planów usług społecznych za {half} półrocze {year} r."
    context = {
        "summary": result,
        "total": _summary_section(result.total),
        "sections": [_summary_section(section) for section in result.municipalities] if result.is_joint else [],
        "centre": centre,
        "title": title,
        "author": centre.name if centre else "",
        "subject": title,
        "footer_left": f"Podsumowanie IPUS — {half} półrocze {year} r.",
        "period_text": f"od {polish_date(result.period.starts_on)} do {polish_date(result.period.ends_on)}",
        "issued_on": timezone.localdate(),
        "prepared_by": prepared_by,
    }
    with translation.override("pl"):
        return render_pdf("plans/pdf/summary.html", context)
