"""Factories of the qualification app (keep additions backwards compatible: other apps' tests build on them)."""

from __future__ import annotations

import datetime
from typing import Any

import factory

from cus.core.tests.factories import MunicipalityFactory
from cus.qualification.demo import care_bands
from cus.qualification.models import FeeBand, FeeScope, FeeTable, FeeTableStatus, FeeUnitKind, IncomeCriterion
from cus.qualification.reference import load_criteria


def ensure_criteria() -> None:
    """Put back the criteria of migration 0002 (a transactional test, e.g. a browser test, flushes them)."""
    load_criteria(IncomeCriterion)


class FeeTableFactory(factory.django.DjangoModelFactory):
    """A care-services table in force from 2025 with the bands of the demo resolution (free up to 100 %)."""

    class Meta:
        model = FeeTable
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Odpłatność za usługi opiekuńcze {n}")
    scope = FeeScope.CARE
    resolution_number = factory.Sequence(lambda n: f"XV/{100 + n}/2024")
    resolution_date = datetime.date(2024, 11, 28)
    unit = FeeUnitKind.HOUR
    valid_from = datetime.date(2025, 1, 1)
    valid_to = None
    status = FeeTableStatus.IN_FORCE

    @factory.post_generation
    def bands(self, create: bool, extracted: list[dict[str, Any]] | None, **kwargs: Any) -> None:
        if not create:
            return
        rows = care_bands() if extracted is None else extracted
        FeeBand.objects.bulk_create(
            FeeBand(table=self, position=position, **row)  # type: ignore[misc]
            for position, row in enumerate(rows)
        )


def matrix_objects(municipality: Any) -> dict[str, Any]:
    """Objects of one centre for the permission matrix (cus/core/tests/test_permissions.py): a table in force and
    a draft (which may be deleted), and the criterion in force (national, the same for every centre)."""
    ensure_criteria()
    return {
        "fee_table": FeeTableFactory(municipality=municipality),
        "draft_fee_table": FeeTableFactory(municipality=municipality, status=FeeTableStatus.DRAFT),
        "criterion": IncomeCriterion.objects.get(valid_from=datetime.date(2025, 1, 1)),
        **application_matrix_objects(municipality),
        "recalculation_run": recalculation_run_for(municipality),
    }


def recalculation_run_for(municipality: Any) -> Any:
    """A queued recalculation of the municipality's fees (the task runs only when a transaction commits)."""
    from cus.qualification.recalculation import start_recalculation

    (run,) = start_recalculation(actor=None, municipalities=[municipality], reason="manual")
    return run


def application_matrix_objects(municipality: Any) -> dict[str, Any]:
    """An incomplete application (documents requested: its letter exists) with an attachment, and a refused one
    with its decision."""
    from django.utils import timezone

    from cus.qualification import application_services as services

    programme_service = programme_service_for(municipality)
    application, _code = services.file_application(
        actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=programme_service
    )
    application = services.request_documents(
        actor=None,
        application=application,
        deadline=timezone.localdate() + datetime.timedelta(days=14),
        documents="Zaświadczenie o dochodach",
    )
    attachment = services.attach(actor=None, application=application, name="skan.pdf", content=b"%PDF-1.4\n%matrix\n")
    refused, _code = services.file_application(
        actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=programme_service
    )
    refused = services.accept_as_complete(actor=None, application=refused)
    decision = services.refuse(actor=None, application=refused, facts="Brak wolnych miejsc.")
    return {
        "application": application,
        "attachment": attachment,
        "refused_application": refused,
        "decision": decision,
        "application_service": programme_service,
        "application_person": person_with_income(municipality, incomes=["800"]),
        # Path parts of the API matrix (an action and a letter kind are path parameters there).
        "action_note": "note",
        "letter_documents": "documents",
    }


# --- applications ------------------------------------------------------------------------------------------------


def programme_service_for(municipality: Any, **changes: Any) -> Any:
    """A service of a programme in force (catalog service, 10 h × 45 PLN a participant, budget 9,000 PLN in 2026)
    with an income-dependent fee and its own fee table (the demo care bands); ``changes`` set its fields."""
    from cus.catalog.tests.factories import ServiceFactory
    from cus.programme.models import ProgrammeFeeKind, ProgrammeStatus
    from cus.programme.tests.factories import make_programme

    ensure_criteria()
    service = ServiceFactory(municipality=municipality)
    programme = make_programme(municipality, service, status=ProgrammeStatus.IN_FORCE)
    programme_service = programme.programme_services.get()
    programme_service.fee_kind = ProgrammeFeeKind.INCOME
    for name, value in changes.items():
        setattr(programme_service, name, value)
    programme_service.save()
    FeeTableFactory(municipality=municipality, scope=FeeScope.PROGRAMME_SERVICE, service=service)
    return programme_service


def person_with_income(municipality: Any, *, incomes: list[str], month: datetime.date | None = None) -> Any:
    """A person heading a household whose members (one per income) declared these net incomes for ``month``
    (default: the month before this one, the month an application filed now is assessed on)."""
    from decimal import Decimal

    from django.utils import timezone

    from cus.residents.models import Relation
    from cus.residents.tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

    if month is None:
        month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    household = HouseholdFactory(municipality=municipality)
    head = None
    for index, amount in enumerate(incomes):
        member = MemberFactory(household=household, relation=Relation.APPLICANT if index == 0 else Relation.SPOUSE)
        IncomeFactory(member=member, month=month, net_amount=Decimal(amount))
        head = head or member.person
    return head
