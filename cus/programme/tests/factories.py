"""Factories for programmes, shared by the programme tests and the permission matrix (keep defaults stable)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from cus.catalog.models import Service
from cus.core.tests.factories import MunicipalityFactory
from cus.programme import services
from cus.programme.models import (
    BudgetLine,
    DeliveryUnit,
    FundingSource,
    Programme,
    ProgrammeService,
    ProgrammeStatus,
)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Program usług społecznych nr {n}")
    goal = "Wsparcie seniorów w codziennym funkcjonowaniu."
    needs_description = "Diagnoza wskazuje rosnącą liczbę samotnych seniorów."
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2027, 12, 31)
    participants_profile = "Seniorzy powyżej 60. roku życia."
    expected_participants = 50
    organisation = "Etap I: nabór. Etap II: realizacja."
    monitoring = "Kwartalne sprawozdania."
    status = ProgrammeStatus.DRAFT


def programme_fields(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of programme_create for a complete draft."""
    fields: dict[str, Any] = {
        "name": "Program „Aktywny Senior”",
        "goal": "Wsparcie seniorów w codziennym funkcjonowaniu.",
        "needs_description": "Diagnoza wskazuje rosnącą liczbę samotnych seniorów.",
        "start_date": datetime.date(2026, 1, 1),
        "end_date": datetime.date(2027, 12, 31),
        "participants_profile": "Seniorzy powyżej 60. roku życia.",
        "expected_participants": 50,
        "organisation": "Etap I: nabór. Etap II: realizacja.",
        "monitoring": "Kwartalne sprawozdania.",
    }
    fields.update(overrides)
    return fields


def service_row(service: Service, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "service": service,
        "planned_participants": 20,
        "unit": DeliveryUnit.HOUR,
        "units_per_participant": Decimal("10"),
        "unit_cost": Decimal("45.00"),
        "fee_kind": "free",
        "fee_amount": None,
        "track": "programme",
        "statutory_basis": "",
        "capacity": 10,
    }
    row.update(overrides)
    return row


def make_programme(
    municipality: Any, service: Service | None = None, *, status: str = ProgrammeStatus.DRAFT, **fields: Any
) -> Programme:
    """A programme built directly (no audit rows), with one service and one budget line when a service is given,
    in the given status."""
    programme = ProgrammeFactory(municipality=municipality, **fields)
    if service is not None:
        ProgrammeService.objects.create(
            programme=programme,
            service=service,
            planned_participants=20,
            unit=DeliveryUnit.HOUR,
            units_per_participant=Decimal("10"),
            unit_cost=Decimal("45.00"),
        )
        BudgetLine.objects.create(programme=programme, year=2026, amount=Decimal("9000.00"), source=FundingSource.GMINA)
    if status != ProgrammeStatus.DRAFT:
        programme.resolution_number = "XII/85/2025"
        programme.resolution_date = datetime.date(2025, 11, 27)
        programme.publication_reference = "Dz. Urz. Woj. 2025 poz. 1234"
        programme.status = status
        if status in (ProgrammeStatus.IN_FORCE, ProgrammeStatus.CLOSED):
            programme.in_force_from = datetime.date(2026, 1, 1)
        if status == ProgrammeStatus.CLOSED:
            programme.closed_on = datetime.date(2026, 6, 30)
        programme.save()
    return programme


def create_programme(actor: Any, municipality: Any, service: Service, **overrides: Any) -> Programme:
    """A draft made through the service function (audited), with a service, a rule, a budget line, a measure."""
    return services.programme_create(
        actor=actor,
        municipality=municipality,
        services=[service_row(service)],
        rules=[{"service": None, "kind": "age", "min_age": 60}],
        budget=[{"year": 2026, "amount": Decimal("9000.00"), "source": "gmina"}],
        indicators=[{"name": "Liczba uczestników", "unit": "osoby", "baseline": None, "target": Decimal("20")}],
        **programme_fields(**overrides),
    )


def matrix_objects(municipality: Any) -> dict[str, Any]:
    """The programmes the permission matrix acts on: a draft (to adopt), an adopted one with a service and a budget
    (to bring into force), and one in force (to close)."""
    from cus.catalog.tests.factories import ServiceFactory

    service = ServiceFactory(municipality=municipality)
    return {
        "programme": make_programme(municipality, service),
        "adopted_programme": make_programme(municipality, service, status=ProgrammeStatus.ADOPTED),
        "in_force_programme": make_programme(municipality, service, status=ProgrammeStatus.IN_FORCE),
    }
