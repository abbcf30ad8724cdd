"""The plan and its closing description as PDFs, read back as text: the parts the person signs, in Polish."""

from __future__ import annotations

import datetime
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cus.core.tests.pdf_utils import pdf_page_count, pdf_text
from cus.delivery import services as delivery_services
from cus.plans import documents, services
from cus.plans.models import ClosingReason, GoalStatus, PlanStatus
from cus.plans.tests.factories import make_plan, plan_world

pytestmark = pytest.mark.django_db


def _squash(text: str) -> str:
    return " ".join(text.split())


def _flow(content: bytes, tmp_path: Path) -> str:
    """The text in reading order (each table cell whole), squashed; ``pdf_text`` gives the page layout."""
    pdf_text(content, tmp_path)  # skips when poppler-utils is missing
    path = tmp_path / "flow.pdf"
    path.write_bytes(content)
    result = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)  # noqa: S603, S607
    return _squash(result.stdout)


def _keep(name: str, content: bytes) -> None:
    """``CUS_KEEP_PDF=/dir`` keeps the rendered PDFs for looking at them."""
    folder = os.environ.get("CUS_KEEP_PDF")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(content)


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


def _visits(world: dict[str, Any], plan: Any, days: int = 3) -> None:
    care = plan.items.get(service=world["care_service"])
    start = plan.starts_on
    visit_days = [
        start + datetime.timedelta(days=offset)
        for offset in range(0, 14)
        if (start + datetime.timedelta(days=offset)).isoweekday() in (1, 3, 5)
    ]
    for day in visit_days[:days]:
        delivery_services.record_visit(
            actor=world["provider_user"],
            item=care,
            date=day,
            start_time=datetime.time(9, 0),
            minutes=120,
            worker_name="Anna Opiekunka",
        )


def test_schedule_in_words() -> None:
    assert (
        documents.schedule_in_words("weekly", [5, 1, 3], datetime.time(9, 0), Decimal("2.00"))
        == "poniedziałek, środa, piątek od 9:00, 2 godz."
    )
    assert (
        documents.schedule_in_words("every_other_week", [2], datetime.time(12, 30), Decimal("1.50"))
        == "co drugi tydzień: wtorek od 12:30, 1,5 godz."
    )
    assert documents.schedule_in_words("monthly", [], None, Decimal("3")) == "raz w miesiącu, 3 godz."


def test_plan_pdf_for_the_person_to_sign(world: dict[str, Any], tmp_path: Path) -> None:
    plan = make_plan(world)

    content = documents.plan_pdf(plan)
    _keep("plan.pdf", content)
    assert content.startswith(b"%PDF")
    text = _flow(content, tmp_path)
    assert "Indywidualny plan usług społecznych" in text
    assert plan.centre.name in text
    assert f"Znak sprawy: {plan.reference}" in text
    assert "wersja planu: 1" in text
    assert world["person"].full_name in text
    assert "Koordynator IPUS Koordynatorka Pierwsza" in text
    assert f"od {documents.polish_date(plan.starts_on)} do {documents.polish_date(plan.ends_on)}" in text
    assert "Pomoc w zakupach i sprzątaniu." in text
    assert "Samodzielne wyjście na zakupy raz w tygodniu." in text
    assert "Liczba samodzielnych wyjść w tygodniu" in text
    assert "poniedziałek, środa, piątek od 9:00, 2 godz." in text
    assert "wtorek od 12:00, 1,5 godz." in text
    assert world["provider"].name in text
    assert "Fundacja Inny Realizator" in text
    fee = plan.items.get(service=world["care_service"]).fee_per_month
    assert documents.money(fee) in text
    assert "bez odpłatności" in text  # the assistance has no qualification fee
    assert "Oświadczam, że plan został opracowany w porozumieniu ze mną" in text
    assert "podpis koordynatora IPUS" in text
    assert "czytelny podpis osoby" in text
    assert (
        f"Porozumienie z osobą odnotowano dnia {documents.polish_date(plan.agreed_on)} (podpis osoby na planie)" in text
    )
    assert "Wersję 1 planu zatwierdzono dnia" in text
    assert f"Zatwierdzający: Dyrektor Testowa, Dyrektor {plan.centre.name}." in text
    assert "zapoznałam się z jego treścią" in text  # the person is a woman
    layout = pdf_text(content, tmp_path)
    assert "Strona 1 z 2" in layout and "Strona 2 z 2" in layout
    assert pdf_page_count(content, tmp_path) == 2


def test_plan_pdf_approved_under_authorisation_names_its_number(world: dict[str, Any], tmp_path: Path) -> None:
    plan = make_plan(world, approved=False)
    services.submit(actor=world["coordinator"], plan=plan)
    services.approve(actor=world["organiser"], plan=plan)
    text = _flow(documents.plan_pdf(plan), tmp_path)
    assert (
        "Zatwierdzający: Organizator Upoważniony, organizator usług społecznych działający na podstawie upoważnienia"
        in text
    )
    assert "nr UP/1/2026" in text


def test_draft_plan_pdf_awaits_approval(world: dict[str, Any], tmp_path: Path) -> None:
    plan = make_plan(world, approved=False)
    text = _flow(documents.plan_pdf(plan), tmp_path)
    assert "stan: projekt" in text
    assert "Wersja 1 planu nie została jeszcze zatwierdzona." in text
    assert "podpis i pieczątka Dyrektora" in text


def test_update_in_preparation_shows_the_new_version_and_the_last_approved(
    world: dict[str, Any], tmp_path: Path
) -> None:
    plan = make_plan(world)
    services.start_update(actor=world["coordinator"], plan=plan)
    plan.refresh_from_db()
    text = _flow(documents.plan_pdf(plan), tmp_path)
    assert "wersja planu: 2" in text
    assert "stan: projekt aktualizacji" in text
    assert "Wersja 2 planu nie została jeszcze zatwierdzona. Ostatnio zatwierdzono wersję 1" in text


def _close(world: dict[str, Any], plan: Any) -> Any:
    today = timezone.localdate()
    goal = plan.goals.get()
    return services.close(
        actor=world["coordinator"],
        plan=plan,
        closed_on=today,
        reason=ClosingReason.RESIGNATION,
        reason_details="Osoba zamieszkała u córki w innej gminie.",
        interview_on=today,
        interview_notes="Osoba jest zadowolona z pomocy opiekunki, nie potrzebuje dalszych usług.",
        course_description=(
            "Usługi opiekuńcze realizowano zgodnie z harmonogramem. Osoba odzyskała część samodzielności "
            "i wychodzi na zakupy z pomocą córki."
        ),
        goal_outcomes={goal.pk: GoalStatus.PARTLY},
    )


def test_closing_description_pdf(world: dict[str, Any], tmp_path: Path) -> None:
    plan = make_plan(world)
    _visits(world, plan, days=3)
    plan = _close(world, plan)
    assert plan.status == PlanStatus.CLOSED
    content = documents.closing_pdf(plan)
    _keep("closing.pdf", content)
    text = _flow(content, tmp_path)
    assert "Opis przebiegu i rezultatów realizacji indywidualnego planu usług społecznych" in text
    assert f"Znak sprawy: {plan.reference}" in text
    assert world["person"].full_name in text
    assert f"Data zakończenia {documents.polish_date(plan.closed_on)}" in text
    assert "rezygnacja osoby z realizacji planu Osoba zamieszkała u córki w innej gminie." in text
    assert f"przeprowadzona dnia {documents.polish_date(plan.closing_interview_on)}" in text
    assert "Osoba jest zadowolona z pomocy opiekunki" in text
    assert "Usługi opiekuńcze realizowano zgodnie z harmonogramem." in text
    assert "osiągnięty częściowo" in text
    care = plan.items.get(service=world["care_service"])
    # 3 visits of 2 hours delivered of the hours planned until the closing day.
    share = documents.rules.delivery_share(Decimal("6"), care.planned_hours)
    assert f"{documents.polish_number(care.planned_hours)} 6 {documents.polish_number(share)} %" in text
    assert "data i podpis koordynatora IPUS" in text
    assert pdf_page_count(content, tmp_path) in (1, 2)
