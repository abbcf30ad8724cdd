"""Rules of programmes kept by the models and the service functions: content, sections, the status workflow, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.catalog.models import ServiceStatus
from cus.catalog.tests.factories import ServiceFactory
from cus.core.tests.factories import MunicipalityFactory
from cus.programme import services
from cus.programme.models import (
    EligibilityRule,
    Programme,
    ProgrammeStatus,
    add_months,
)
from cus.programme.tests.factories import (
    ProgrammeFactory,
    create_programme,
    make_programme,
    programme_fields,
    service_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(municipality: Any) -> Any:
    return ServiceFactory(municipality=municipality)


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert add_months(datetime.date(2027, 12, 31), 4) == datetime.date(2028, 4, 30)
    assert add_months(datetime.date(2027, 10, 31), 4) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 6, 15), 4) == datetime.date(2026, 10, 15)


def test_closing_report_is_due_4_months_after_the_end_or_an_earlier_closing(municipality: Any) -> None:
    programme = ProgrammeFactory.build(municipality=municipality, end_date=datetime.date(2027, 12, 31))
    assert programme.closing_report_due == datetime.date(2028, 4, 30)
    programme.closed_on = datetime.date(2026, 9, 30)
    assert programme.closing_report_due == datetime.date(2027, 1, 30)


def test_create_saves_every_section_and_one_audit_entry(organiser: Any, municipality: Any, service: Any) -> None:
    programme = create_programme(organiser, municipality, service)
    assert programme.status == ProgrammeStatus.DRAFT
    (ps,) = programme.programme_services.all()
    assert ps.planned_cost == Decimal("9000.00")  # 20 participants × 10 hours × 45.00 zł
    assert programme.rules.get().min_age == 60
    assert programme.budget_lines.get().amount == Decimal("9000.00")
    entry = AuditEntry.objects.get(object_type="programme.programme", object_id=str(programme.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.municipality_id == municipality.pk
    assert entry.after["services"][0]["service_id"] == str(service.pk)


def test_end_must_be_after_start(organiser: Any, municipality: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser,
            municipality=municipality,
            **programme_fields(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 1)),
        )
    assert "end_date" in exc.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeFactory(start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 1))


def test_special_categories_of_data_need_safeguards(organiser: Any, municipality: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser, municipality=municipality, **programme_fields(personal_data=["identity", "health"])
        )
    assert "data_safeguards" in exc.value.error_dict
    programme = services.programme_create(
        actor=organiser,
        municipality=municipality,
        **programme_fields(personal_data=["identity", "convictions"], data_safeguards="Tylko upoważnieni."),
    )
    assert programme.special_categories == ["convictions"]
    with pytest.raises(ValidationError):
        services.programme_update(actor=organiser, programme=programme, personal_data=["unknown"])


def test_a_bad_row_saves_nothing(organiser: Any, municipality: Any, service: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser,
            municipality=municipality,
            services=[service_row(service, fee_kind="fixed", fee_amount=None)],
            **programme_fields(),
        )
    assert "Row 1" in exc.value.error_dict["services"][0].message
    assert not Programme.objects.exists()
    assert not AuditEntry.objects.filter(object_type="programme.programme").exists()


def test_services_come_from_the_same_municipalitys_catalog(organiser: Any, municipality: Any) -> None:
    foreign = ServiceFactory(municipality=MunicipalityFactory())
    archived = ServiceFactory(municipality=municipality, status=ServiceStatus.ARCHIVED)
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser,
            municipality=municipality,
            services=[service_row(foreign), service_row(archived)],
            **programme_fields(),
        )
    messages = [e.message for e in exc.value.error_dict["services"]]
    assert any("another municipality" in m for m in messages)
    assert any("archived" in m for m in messages)


def test_the_statutory_track_names_its_act_and_a_fixed_fee_its_amount(
    organiser: Any, municipality: Any, service: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser,
            municipality=municipality,
            services=[service_row(service, track="statutory")],
            **programme_fields(),
        )
    assert "act that governs" in exc.value.error_dict["services"][0].message
    programme = services.programme_create(
        actor=organiser,
        municipality=municipality,
        services=[service_row(service, track="statutory", statutory_basis="art. 50 PS", fee_kind="income")],
        **programme_fields(),
    )
    assert programme.programme_services.get().track == "statutory"


def test_budget_years_lie_within_the_period_once_per_source(organiser: Any, municipality: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser,
            municipality=municipality,
            budget=[
                {"year": 2025, "amount": Decimal("100"), "source": "gmina"},
                {"year": 2026, "amount": Decimal("100"), "source": "eu"},
                {"year": 2026, "amount": Decimal("50"), "source": "eu"},
            ],
            **programme_fields(),
        )
    messages = [e.message for e in exc.value.error_dict["budget"]]
    assert "Row 1" in messages[0] and "2025" in messages[0]
    assert "Row 3" in messages[1]


def test_rules_are_structured_by_kind(organiser: Any, municipality: Any, service: Any) -> None:
    bad = [
        {"service": None, "kind": "age"},
        {"service": None, "kind": "age", "min_age": 70, "max_age": 60},
        {"service": None, "kind": "income"},
        {"service": None, "kind": "disability"},
        {"service": None, "kind": "household", "household_type": "any"},
        {"service": None, "kind": "other", "text": "  "},
        {"service": ServiceFactory(municipality=municipality), "kind": "residence"},
    ]
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser, municipality=municipality, services=[service_row(service)], rules=bad, **programme_fields()
        )
    assert len(exc.value.error_dict["rules"]) == len(bad)
    programme = services.programme_create(
        actor=organiser,
        municipality=municipality,
        services=[service_row(service)],
        rules=[
            # Fields of another kind are dropped: they could not change what the rule means.
            {"service": service, "kind": "income", "income_percent": Decimal("150"), "min_age": 5},
            {"service": None, "kind": "residence"},
        ],
        **programme_fields(),
    )
    income = programme.rules.get(kind="income")
    assert income.min_age is None
    assert income.programme_service.service == service
    assert income.plain_text() == "Income per person at most 150% of the social assistance income criterion."
    assert programme.rules.get(kind="residence").plain_text("Gmina X") == "Lives in Gmina X."


def test_update_keeps_the_service_rows_ids_and_audits_the_change(
    organiser: Any, municipality: Any, service: Any
) -> None:
    programme = create_programme(organiser, municipality, service)
    row_id = programme.programme_services.get().pk
    second = ServiceFactory(municipality=municipality)
    services.programme_update(
        actor=organiser,
        programme=programme,
        name="Nowa nazwa",
        services=[service_row(service, planned_participants=30), service_row(second)],
    )
    assert programme.programme_services.get(service=service).pk == row_id
    assert programme.programme_services.get(service=service).planned_participants == 30
    assert programme.rules.count() == 1  # a section left out stays as it was
    entry = AuditEntry.objects.filter(object_id=str(programme.pk), action=AuditAction.UPDATE).get()
    assert {"name", "services"} <= set(entry.changed_fields)


def test_a_closed_programme_cannot_change(organiser: Any, municipality: Any, service: Any) -> None:
    programme = make_programme(municipality, service, status=ProgrammeStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.programme_update(actor=organiser, programme=programme, name="X")


def test_a_programme_in_force_keeps_a_service_and_a_budget(organiser: Any, municipality: Any, service: Any) -> None:
    programme = make_programme(municipality, service, status=ProgrammeStatus.IN_FORCE)
    with pytest.raises(ValidationError) as exc:
        services.programme_update(actor=organiser, programme=programme, services=[], budget=[])
    assert {"services", "budget"} <= set(exc.value.error_dict)
    assert programme.programme_services.exists()


def test_the_workflow_walks_every_edge(organiser: Any, municipality: Any, service: Any) -> None:
    programme = create_programme(organiser, municipality, service)
    assert [t.action for t in services.allowed_transitions(organiser, programme)] == ["adopt"]
    with pytest.raises(ValidationError) as exc:
        services.programme_adopt(actor=organiser, programme=programme, resolution_number=" ", resolution_date=None)
    assert {"resolution_number", "resolution_date"} <= set(exc.value.error_dict)
    with pytest.raises(ValidationError):
        services.programme_bring_into_force(actor=organiser, programme=programme)
    programme = services.programme_adopt(
        actor=organiser,
        programme=programme,
        resolution_number="XII/85/2025",
        resolution_date=datetime.date(2025, 11, 27),
    )
    assert programme.status == ProgrammeStatus.ADOPTED
    with pytest.raises(ValidationError) as exc:
        services.programme_bring_into_force(actor=organiser, programme=programme)
    assert "publication_reference" in exc.value.error_dict
    services.programme_update(actor=organiser, programme=programme, publication_reference="Dz. Urz. 2025 poz. 1")
    programme = services.programme_bring_into_force(
        actor=organiser, programme=programme, in_force_from=datetime.date(2026, 1, 1)
    )
    assert programme.status == ProgrammeStatus.IN_FORCE
    with pytest.raises(ValidationError):
        services.programme_close(actor=organiser, programme=programme, closed_on=datetime.date(2025, 12, 31))
    programme = services.programme_close(actor=organiser, programme=programme, closed_on=datetime.date(2026, 6, 30))
    assert programme.status == ProgrammeStatus.CLOSED
    assert programme.closing_report_due == datetime.date(2026, 10, 30)
    assert services.allowed_transitions(organiser, programme) == []
    statuses = list(
        AuditEntry.objects.filter(object_id=str(programme.pk), message__startswith="status")
        .order_by("id")
        .values_list("message", flat=True)
    )
    assert statuses == ["status: adopted", "status: in_force", "status: closed"]


def test_bringing_into_force_needs_a_service_and_a_budget(organiser: Any, municipality: Any) -> None:
    programme = make_programme(municipality, None, status=ProgrammeStatus.ADOPTED)
    with pytest.raises(ValidationError) as exc:
        services.programme_bring_into_force(actor=organiser, programme=programme)
    assert {"services", "budget"} <= set(exc.value.error_dict)


def test_only_the_director_and_the_services_organiser_change_the_status(
    make_user: Any, municipality: Any, service: Any
) -> None:
    programme = make_programme(municipality, service)
    coordinator = make_user(Role.IPUS_COORDINATOR)
    assert services.allowed_transitions(coordinator, programme) == []
    with pytest.raises(PermissionDenied):
        services.programme_adopt(
            actor=coordinator, programme=programme, resolution_number="1", resolution_date=datetime.date(2025, 1, 1)
        )


def test_removing_a_service_removes_its_own_conditions_only(organiser: Any, municipality: Any, service: Any) -> None:
    second = ServiceFactory(municipality=municipality)
    programme = services.programme_create(
        actor=organiser,
        municipality=municipality,
        services=[service_row(service), service_row(second)],
        rules=[{"service": second, "kind": "age", "min_age": 18}, {"service": None, "kind": "residence"}],
        **programme_fields(),
    )
    services.programme_update(actor=organiser, programme=programme, services=[service_row(service)])
    assert list(programme.programme_services.values_list("service_id", flat=True)) == [service.pk]
    assert list(EligibilityRule.objects.filter(programme=programme).values_list("kind", flat=True)) == ["residence"]


def test_the_period_lies_within_sensible_years(organiser: Any, municipality: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=organiser, municipality=municipality, **programme_fields(end_date=datetime.date(9999, 12, 31))
        )
    assert "end_date" in exc.value.error_dict
