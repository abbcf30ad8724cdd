"""Factories of the residents register: persons with valid PESELs, households, income, certificates, consents."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import factory

from cus.core.tests.factories import MunicipalityFactory
from cus.residents import pesel
from cus.residents.models import (
    CertificateKind,
    Consent,
    ConsentForm,
    ConsentPurpose,
    DisabilityCertificate,
    Household,
    HouseholdMember,
    IncomeDeclaration,
    IncomeSource,
    Person,
    Relation,
)

_serials = itertools.count(1)


def new_pesel(birth_date: datetime.date, sex: str = "F") -> str:
    return pesel.generate(birth_date, sex, next(_serials) % 5000)  # type: ignore[arg-type]


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    municipality = factory.SubFactory(MunicipalityFactory)
    first_name = factory.Iterator(["Anna", "Jan", "Maria", "Piotr", "Katarzyna", "Tomasz"])
    last_name = factory.Sequence(lambda n: f"Testowa{'abcdefghij'[n % 10]}{'klmnoprstu'[(n // 10) % 10]}")
    birth_date = factory.Sequence(lambda n: datetime.date(1940, 1, 1) + datetime.timedelta(days=(97 * n) % 25000))
    sex = "F"
    pesel = factory.LazyAttribute(lambda o: new_pesel(o.birth_date, o.sex))
    citizenship = "PL"
    street = "ul. Lipowa"
    building = "5"
    postal_code = "05-999"
    town = "Przykładowo"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    municipality = factory.SubFactory(MunicipalityFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory, municipality=factory.SelfAttribute("..household.municipality"))
    relation = Relation.APPLICANT
    valid_from = datetime.date(2020, 1, 1)


class IncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeDeclaration

    member = factory.SubFactory(MemberFactory)
    month = datetime.date(2026, 9, 1)
    net_amount = Decimal("1500.00")
    source = IncomeSource.EMPLOYMENT


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisabilityCertificate

    person = factory.SubFactory(PersonFactory)
    kind = CertificateKind.DEGREE
    degree = "moderate"
    number = factory.Sequence(lambda n: f"PZON/{n}/2024")
    issuing_body = "Powiatowy Zespół do Spraw Orzekania o Niepełnosprawności"
    issued_on = datetime.date(2024, 3, 1)
    valid_until = datetime.date(2030, 3, 31)
    permanent = False


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentPurpose.CONTACT_EMAIL
    form = ConsentForm.PAPER


def matrix_objects(municipality: Any) -> dict[str, Any]:
    """Objects of one centre for the permission matrix (cus/core/tests/test_permissions.py)."""
    person = PersonFactory(municipality=municipality, first_name="Macierz", last_name="Uprawnień")
    household = HouseholdFactory(municipality=municipality)
    member = MemberFactory(household=household, person=person)
    return {
        "person": person,
        "household": household,
        "member": member,
        "other_person": PersonFactory(municipality=municipality, first_name="Druga", last_name="Osoba"),
        "consent": ConsentFactory(person=person),
        # Not the month and source the matrix declares through the API (2026-09, employment).
        "income": IncomeFactory(member=member, month=datetime.date(2026, 8, 1), source=IncomeSource.PENSION),
    }
