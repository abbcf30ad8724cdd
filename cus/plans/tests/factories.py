"""Factories of plans and delivery (keep additions backwards compatible: other apps' tests build on them).

``plan_world()`` builds one centre with its staff (director, services organiser with and without an approval
authorisation, two coordinators), two providers with a staff member each, a person qualified for a care service,
and returns them in a dict; ``make_plan(world, approved=True)`` adds a plan through the service functions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.catalog.tests.factories import OrganizationFactory, ServiceAtLocationFactory, ServiceFactory
from cus.core.tests.factories import CentreFactory, MunicipalityFactory
from cus.delivery.models import ProviderStaff
from cus.plans import services
from cus.plans.models import AgreementForm, ServicePlan


def qualified_application(municipality: Any, person: Any | None = None, **service_changes: Any) -> Any:
    """A care service of a programme in force and a person qualified for it (10 h a month, fee computed)."""
    from cus.qualification import application_services
    from cus.qualification.tests.factories import person_with_income, programme_service_for

    programme_service = programme_service_for(municipality, **service_changes)
    person = person or person_with_income(municipality, incomes=["1500"])
    application, _code = application_services.file_application(
        actor=None, person=person, programme_service=programme_service
    )
    application = application_services.accept_as_complete(actor=None, application=application)
    return application_services.qualify(actor=None, application=application, units_per_month=Decimal("10"))


def another_person(world: dict[str, Any]) -> Any:
    """A new resident of the world's municipality (a person has one open plan at a time)."""
    from cus.qualification.tests.factories import person_with_income

    return person_with_income(world["municipality"], incomes=["1500"])


def applicant(world: dict[str, Any]) -> tuple[Any, Any]:
    """The world's person and qualified application while they have no open plan; otherwise a new person qualified
    for the same programme service (so that plans can still use the world's care service and its fee)."""
    from cus.plans.models import OPEN_STATUSES
    from cus.qualification import application_services

    if not ServicePlan.objects.filter(person=world["person"], status__in=OPEN_STATUSES).exists():
        return world["person"], world["application"]
    person = another_person(world)
    application, _code = application_services.file_application(
        actor=None, person=person, programme_service=world["application"].programme_service
    )
    application = application_services.accept_as_complete(actor=None, application=application)
    application = application_services.qualify(actor=None, application=application, units_per_month=Decimal("10"))
    return person, application


def provider_user(organization: Any, centre: Any, **fields: Any) -> Any:
    user = UserFactory(centre=centre, roles=[Role.PROVIDER_STAFF], **fields)
    ProviderStaff.objects.create(user=user, organization=organization)
    return user


def plan_world(municipality: Any | None = None) -> dict[str, Any]:
    municipality = municipality or MunicipalityFactory()
    centre = CentreFactory(municipalities=[municipality])
    director = UserFactory(centre=centre, roles=[Role.DIRECTOR], full_name="Dyrektor Testowa")
    organiser = UserFactory(centre=centre, roles=[Role.SERVICES_ORGANISER], full_name="Organizator Upoważniony")
    plain_organiser = UserFactory(
        centre=centre, roles=[Role.SERVICES_ORGANISER], full_name="Organizator Bez Upoważnienia"
    )
    coordinator = UserFactory(centre=centre, roles=[Role.IPUS_COORDINATOR], full_name="Koordynatorka Pierwsza")
    other_coordinator = UserFactory(centre=centre, roles=[Role.IPUS_COORDINATOR], full_name="Koordynator Drugi")
    services.delegation_grant(
        actor=director,
        municipality_id=municipality.pk,
        delegate=organiser,
        document_reference="UP/1/2026",
        granted_on=datetime.date(2026, 1, 2),
        valid_from=datetime.date(2026, 1, 2),
    )
    application = qualified_application(municipality)
    care_service = application.programme_service.service
    care_place = ServiceAtLocationFactory(service=care_service).location
    other_provider = OrganizationFactory(municipality=municipality, name="Fundacja Inny Realizator")
    other_service = ServiceFactory(municipality=municipality, organization=other_provider, name="Asystent osobisty")
    other_place = ServiceAtLocationFactory(service=other_service).location
    return {
        "municipality": municipality,
        "centre": centre,
        "director": director,
        "organiser": organiser,
        "plain_organiser": plain_organiser,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "application": application,
        "person": application.person,
        "care_service": care_service,
        "care_place": care_place,
        "provider": care_service.organization,
        "provider_user": provider_user(care_service.organization, centre, full_name="Opiekunka Realizatora"),
        "other_service": other_service,
        "other_place": other_place,
        "other_provider": other_provider,
        "other_provider_user": provider_user(other_provider, centre, full_name="Asystent Innego Realizatora"),
    }


def make_plan(world: dict[str, Any], *, approved: bool = True, starts_on: datetime.date | None = None) -> ServicePlan:
    """A plan of the world's person (of a new qualified person once the world's has an open plan): two items (care
    by the first provider 3×/week, assistance by the other weekly), one goal, one need; agreed, and (by default)
    approved by the director."""
    today = timezone.localdate()
    starts_on = starts_on or today - datetime.timedelta(days=60)
    coordinator = world["coordinator"]
    person, application = applicant(world)
    plan = services.plan_create(
        actor=coordinator,
        person=person,
        coordinator=coordinator,
        applications=[application],
        applied_on=starts_on - datetime.timedelta(days=10),
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=300),
        needs_summary="Potrzebuje pomocy w codziennych czynnościach i wyjścia z domu.",
    )
    services.need_save(actor=coordinator, plan=plan, description="Pomoc w zakupach i sprzątaniu.")
    services.goal_save(
        actor=coordinator,
        plan=plan,
        description="Samodzielne wyjście na zakupy raz w tygodniu.",
        indicator="Liczba samodzielnych wyjść w tygodniu",
        baseline="0",
        target="1",
        target_date=starts_on + datetime.timedelta(days=200),
    )
    services.item_save(
        actor=coordinator,
        plan=plan,
        service=world["care_service"],
        location=world["care_place"],
        application=application,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=300),
        frequency="weekly",
        weekdays=[1, 3, 5],
        time_from=datetime.time(9, 0),
        hours_per_visit=Decimal("2"),
    )
    services.item_save(
        actor=coordinator,
        plan=plan,
        service=world["other_service"],
        location=world["other_place"],
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=150),
        frequency="weekly",
        weekdays=[2],
        time_from=datetime.time(12, 0),
        hours_per_visit=Decimal("1.5"),
    )
    services.record_agreement(
        actor=coordinator, plan=plan, agreed_on=starts_on - datetime.timedelta(days=2), form=AgreementForm.SIGNATURE
    )
    if approved:
        services.submit(actor=coordinator, plan=plan)
        services.approve(actor=world["director"], plan=plan)
    plan.refresh_from_db()
    return plan
