"""Rules of the residents register: identification, duplicates, households, income per person, certificates,
consents, the information notice and the access audit with its purpose."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.residents import names, queries, services
from cus.residents.models import AccessPurpose, Person, Relation
from cus.residents.tests.factories import MemberFactory, PersonFactory, new_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SOCIAL_WORKER, email="socjalny@cus.example", full_name="Filip Socjalny")


def _create(worker: Any, municipality: Any, **fields: Any) -> Person:
    fields.setdefault("first_name", "Zofia")
    fields.setdefault("last_name", "Wiśniewska")
    return services.person_create(actor=worker, municipality=municipality, **fields)


def test_birth_date_and_sex_come_from_the_pesel(worker: Any, municipality: Any) -> None:
    person = _create(worker, municipality, pesel="02270803624", birth_date=datetime.date(1999, 1, 1), sex="M")
    assert (person.birth_date, person.sex) == (datetime.date(2002, 7, 8), "F")
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(person.pk))
    assert entry.person_id == str(person.pk)
    assert entry.person_type == "residents.person"


@pytest.mark.parametrize(("value", "code"), [("0227080362", "pesel_length"), ("02270803625", "pesel_checksum")])
def test_invalid_pesel_is_refused_with_its_reason(worker: Any, municipality: Any, value: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        _create(worker, municipality, pesel=value)
    assert error.value.error_dict["pesel"][0].code == code
    assert not Person.objects.exists()


def test_without_pesel_a_document_birth_date_and_sex_are_required(worker: Any, municipality: Any) -> None:
    with pytest.raises(ValidationError) as error:
        _create(worker, municipality, pesel=None)
    assert {"document_number", "document_type", "document_country", "birth_date", "sex"} <= set(error.value.error_dict)
    person = _create(
        worker,
        municipality,
        pesel=None,
        document_type="passport",
        document_number="FX123456",
        document_country="UA",
        birth_date=datetime.date(1985, 3, 2),
        sex="F",
        citizenship="UA",
    )
    assert person.pesel is None


def test_the_same_pesel_twice_is_refused_naming_the_record(worker: Any, municipality: Any) -> None:
    first = _create(worker, municipality, pesel="02270803624")
    with pytest.raises(ValidationError) as error:
        _create(worker, municipality, pesel="02270803624", first_name="Inna", last_name="Osoba")
    (message,) = error.value.error_dict["pesel"]
    assert message.code == "pesel_taken"
    assert str(first.pk) in message.message
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "last"),
    [("Zofia", "Wiśniewska"), ("ZOFIA", "wisniewska"), ("Zofia", "Wiśniewsla"), ("Zosia", "Wiśniewska")],
)
def test_likely_duplicate_needs_confirmation(worker: Any, municipality: Any, first: str, last: str) -> None:
    born = datetime.date(1960, 4, 4)
    existing = _create(worker, municipality, pesel=new_pesel(born))
    with pytest.raises(services.LikelyDuplicateError) as error:
        _create(
            worker,
            municipality,
            pesel=None,
            first_name=first,
            last_name=last,
            birth_date=born,
            sex="F",
            document_type="passport",
            document_number="P1",
            document_country="DE",
        )
    assert error.value.candidates == [existing]
    person = _create(
        worker,
        municipality,
        pesel=None,
        first_name=first,
        last_name=last,
        birth_date=born,
        sex="F",
        document_type="passport",
        document_number="P1",
        document_country="DE",
        confirm_not_duplicate=True,
    )
    assert person.pk != existing.pk


def test_different_names_or_dates_are_not_duplicates(worker: Any, municipality: Any) -> None:
    born = datetime.date(1960, 4, 4)
    _create(worker, municipality, pesel=new_pesel(born))
    _create(worker, municipality, pesel=new_pesel(born), first_name="Zofia", last_name="Nowak")
    _create(worker, municipality, pesel=new_pesel(born + datetime.timedelta(days=1)))


def test_name_comparison() -> None:
    assert names.normalise("Łukasz Żółć") == "lukaszzolc"
    assert names.likely_same("Anna", "Kowalska", "anna", "KOWALSKA")
    assert names.likely_same("Anna", "Kowalska", "Ana", "Kowalska")
    assert names.likely_same("Anna", "Kowalska", "Kowalska", "Anna")
    assert not names.likely_same("Anna", "Kowalska", "Anna", "Nowak")
    assert not names.likely_same("Anna", "Kowalska", "Ala", "Kowalska")


def test_household_income_per_person_and_single_person(worker: Any, municipality: Any) -> None:
    applicant = _create(worker, municipality, pesel="44051401359", first_name="Jan", last_name="Kowal")
    household = services.household_create(actor=worker, applicant=applicant, valid_from=datetime.date(2026, 1, 1))
    month = datetime.date(2026, 9, 1)
    (member,) = household.members.all()
    services.income_declare(actor=worker, member=member, month=month, net_amount=Decimal("1000.00"), source="pension")
    income = queries.household_income(household, month)
    assert (income.members, income.per_person, income.single_person) == (1, Decimal("1000.00"), True)
    spouse = _create(worker, municipality, pesel="02270803624", first_name="Ewa", last_name="Kowal")
    second = services.member_add(
        actor=worker, household=household, person=spouse, relation=Relation.SPOUSE, valid_from=datetime.date(2026, 2, 1)
    )
    services.income_declare(actor=worker, member=second, month=month, net_amount=Decimal("1000.01"), source="alimony")
    income = queries.household_income(household, month)
    assert (income.members, income.total, income.per_person, income.single_person) == (
        2,
        Decimal("2000.01"),
        Decimal("1000.01"),
        False,
    )


def test_a_person_is_in_one_household_at_a_time(worker: Any, municipality: Any) -> None:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    other = services.household_create(actor=worker, applicant=_create(worker, municipality, pesel="44051401359"))
    with pytest.raises(ValidationError) as error:
        services.member_add(actor=worker, household=other, person=member.person, relation=Relation.CHILD)
    assert error.value.error_dict["person"][0].code == "other_household"


def test_negative_income_is_refused(worker: Any, municipality: Any) -> None:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    with pytest.raises(ValidationError) as error:
        services.income_declare(
            actor=worker, member=member, month=datetime.date(2026, 9, 1), net_amount=Decimal("-1"), source="other"
        )
    assert "net_amount" in error.value.error_dict


def test_certificate_dates_cannot_be_inverted(worker: Any, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality)
    with pytest.raises(ValidationError) as error:
        services.certificate_add(
            actor=worker,
            person=person,
            kind="degree",
            degree="light",
            number="1",
            issuing_body="PZON",
            issued_on=datetime.date(2025, 5, 1),
            valid_until=datetime.date(2025, 4, 1),
            permanent=False,
        )
    assert "valid_until" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.certificate_add(
            actor=worker,
            person=person,
            kind="degree",
            degree="",
            number="1",
            issuing_body="PZON",
            issued_on=datetime.date(2025, 5, 1),
            valid_until=None,
            permanent=True,
        )
    assert "degree" in error.value.error_dict


def test_consent_given_and_withdrawn_is_audited(worker: Any, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality)
    consent = services.consent_give(actor=worker, person=person, purpose="contact_email", form="paper")
    with pytest.raises(ValidationError):
        services.consent_give(actor=worker, person=person, purpose="contact_email", form="online")
    services.consent_withdraw(actor=worker, consent=consent)
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(consent.pk)).get()
    assert entry.person_id == str(person.pk)
    assert "withdrawn_at" in entry.changed_fields


def test_default_notice_is_seeded_and_acknowledged(worker: Any, municipality: Any, centre: Any) -> None:
    person = PersonFactory(municipality=municipality)
    acknowledgement = services.notice_acknowledge(actor=worker, person=person, form="paper")
    assert acknowledgement.notice.version == 1
    assert centre.name in acknowledgement.notice.text
    newer = services.notice_publish(actor=worker, centre=centre, title="Klauzula", text="Nowa treść")
    assert newer.version == 2


def test_record_access_stores_the_purpose_and_person(worker: Any, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality)
    services.person_record_access(actor=worker, person=person, purpose="ipus")
    services.person_record_access(actor=worker, person=person, purpose="nonsense")
    first, second = AuditEntry.objects.filter(action=AuditAction.VIEW).order_by("id")
    with translation.override(settings.LANGUAGE_CODE):
        assert first.purpose == str(AccessPurpose.IPUS.label)
        assert second.purpose == str(AccessPurpose.SERVICES.label)
    assert first.person_id == second.person_id == str(person.pk)
