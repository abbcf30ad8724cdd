"""The decision and the letters as PDFs, read back as text: the parts KPA art. 107 § 1 requires, in Polish."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cus.accounts.roles import Role
from cus.core.tests.pdf_utils import pdf_text
from cus.qualification import application_services as services
from cus.qualification import documents
from cus.qualification.tests.factories import person_with_income, programme_service_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(make_user: Any) -> Any:
    return make_user(Role.DIRECTOR, email="dyrektor@cus.example", full_name="Joanna Nowak")


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_refusal_decision_has_every_part(director: Any, municipality: Any, tmp_path: Path) -> None:
    service = programme_service_for(municipality)
    person = person_with_income(municipality, incomes=["700"])
    application, _code = services.file_application(actor=director, person=person, programme_service=service)
    application = services.accept_as_complete(actor=director, application=application)
    decision = services.refuse(actor=director, application=application, facts="Wnioskodawczyni nie ukończyła 60 lat.")
    content = documents.decision_pdf(decision)
    (tmp_path / "decision.pdf").write_bytes(content)
    text = _squash(pdf_text(content, tmp_path))
    assert f"DECYZJA nr {application.reference}.O" in text
    assert "Dyrektor" in text and application.centre.name in text
    assert (
        f"organu wykonawczego Gminy {municipality.name.removeprefix('Gmina ')}" in text
    )  # acting under the authorisation of the mayor
    assert application.reference in text
    assert person.full_name in text
    assert "art. 42 ust. 3" in text and "Dz.U. 2026 poz. 165" in text and "art. 104" in text
    assert "orzeka" in text
    assert "odmawia się zakwalifikowania" in text
    assert "Uzasadnienie faktyczne" in text and "nie ukończyła 60 lat" in text
    assert "Uzasadnienie prawne" in text
    assert "Samorządowego Kolegium Odwoławczego" in text
    assert "14 dni od dnia jej doręczenia" in text
    assert "art. 127a" in text
    assert "Joanna Nowak" in text
    assert "Otrzymują" in text
    months = [
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
    ]
    today = timezone.localdate()
    assert f"{today.day} {months[today.month - 1]} {today.year}" in text


def test_statutory_refusal_names_the_social_assistance_act(director: Any, municipality: Any, tmp_path: Path) -> None:
    service = programme_service_for(
        municipality, track="statutory", statutory_basis="art. 50 ustawy o pomocy społecznej"
    )
    application, _code = services.file_application(
        actor=director, person=person_with_income(municipality, incomes=["700"]), programme_service=service
    )
    application = services.start_interview(actor=director, application=application)
    services.record_interview(actor=director, application=application, held_on=timezone.localdate(), findings="Wywiad.")
    decision = services.refuse(actor=director, application=application, facts="Rodzina zapewnia opiekę.")
    text = _squash(pdf_text(documents.decision_pdf(decision), tmp_path))
    assert "art. 106 ust. 1" in text and "Dz.U. 2026 poz. 639" in text
    assert "odmawia się przyznania" in text
    assert "rodzinny wywiad środowiskowy" in text


def test_letters_show_the_fee_the_deadline_and_the_position(director: Any, municipality: Any, tmp_path: Path) -> None:
    service = programme_service_for(municipality, capacity=1)
    first, _code = services.file_application(
        actor=director, person=person_with_income(municipality, incomes=["1500", "300"]), programme_service=service
    )
    first = services.accept_as_complete(actor=director, application=first)
    first = services.qualify(actor=director, application=first, units_per_month=Decimal("20"))
    text = _squash(pdf_text(documents.letter_pdf(first, "qualification"), tmp_path))
    assert "Informacja o zakwalifikowaniu" in text
    assert "900.00 zł" in text or "900,00 zł" in text
    assert str(first.fee_per_month) in text or str(first.fee_per_month).replace(".", ",") in text
    assert "nie wymaga wydania decyzji" in text

    second, _code = services.file_application(
        actor=director, person=person_with_income(municipality, incomes=["700"]), programme_service=service
    )
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    second = services.request_documents(
        actor=director, application=second, deadline=deadline, documents="Zaświadczenie o dochodach"
    )
    text = _squash(pdf_text(documents.letter_pdf(second, "documents"), tmp_path))
    assert "Zaświadczenie o dochodach" in text and "art. 64 § 2" in text
    assert str(deadline.year) in text and "bez rozpoznania" in text

    second = services.accept_as_complete(actor=director, application=second)
    second = services.qualify(actor=director, application=second, units_per_month=Decimal("20"))
    assert documents.letters_available(second) == ["documents", "waiting"]
    text = _squash(pdf_text(documents.letter_pdf(second, "waiting"), tmp_path))
    assert "listę oczekujących" in text and "Pozycja na liście: 1" in text
