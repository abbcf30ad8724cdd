"""Fictional residents for the demo: ~30 persons with valid PESELs in 12 households, with income and certificates.

Idempotent: a municipality that already has persons gets none added. Names and addresses are invented.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from cus.core.models import Centre, Municipality
from cus.residents import pesel, services
from cus.residents.models import Person, Relation

# (surname, [(first name, sex, birth date, relation, monthly net income, source)])
HOUSEHOLDS: list[tuple[str, list[tuple[str, str, datetime.date, str, str, str]]]] = [
    ("Kowalczyk", [("Halina", "F", datetime.date(1941, 3, 12), Relation.APPLICANT, "1890.40", "pension")]),
    (
        "Wójcik",
        [
            ("Marek", "M", datetime.date(1978, 6, 2), Relation.APPLICANT, "4200.00", "employment"),
            ("Agnieszka", "F", datetime.date(1981, 9, 15), Relation.SPOUSE, "2100.00", "employment"),
            ("Kacper", "M", datetime.date(2012, 1, 20), Relation.CHILD, "0.00", "other"),
            ("Lena", "F", datetime.date(2016, 11, 5), Relation.CHILD, "0.00", "other"),
        ],
    ),
    ("Zając", [("Stanisław", "M", datetime.date(1950, 8, 30), Relation.APPLICANT, "2350.75", "pension")]),
    (
        "Król",
        [
            ("Irena", "F", datetime.date(1948, 4, 18), Relation.APPLICANT, "1710.00", "pension"),
            ("Józef", "M", datetime.date(1946, 2, 7), Relation.SPOUSE, "1980.00", "pension"),
        ],
    ),
    (
        "Pawlak",
        [
            ("Monika", "F", datetime.date(1990, 12, 1), Relation.APPLICANT, "1300.00", "social_benefits"),
            ("Oliwia", "F", datetime.date(2018, 5, 22), Relation.CHILD, "500.00", "alimony"),
            ("Igor", "M", datetime.date(2020, 3, 11), Relation.CHILD, "500.00", "alimony"),
        ],
    ),
    (
        "Michalski",
        [
            ("Tadeusz", "M", datetime.date(1955, 10, 10), Relation.APPLICANT, "2600.00", "farm"),
            ("Krystyna", "F", datetime.date(1957, 7, 14), Relation.SPOUSE, "1200.00", "farm"),
            ("Paweł", "M", datetime.date(1985, 3, 3), Relation.CHILD, "3100.00", "business"),
        ],
    ),
    ("Dudek", [("Czesław", "M", datetime.date(1939, 12, 24), Relation.APPLICANT, "2980.10", "pension")]),
    (
        "Sikora",
        [
            ("Beata", "F", datetime.date(1975, 1, 30), Relation.APPLICANT, "2800.00", "employment"),
            ("Weronika", "F", datetime.date(2008, 8, 8), Relation.CHILD, "0.00", "other"),
            ("Genowefa", "F", datetime.date(1944, 6, 16), Relation.PARENT, "1650.00", "pension"),
        ],
    ),
    (
        "Baran",
        [
            ("Rafał", "M", datetime.date(1988, 4, 4), Relation.APPLICANT, "0.00", "other"),
            ("Natalia", "F", datetime.date(1992, 9, 9), Relation.PARTNER, "3500.00", "employment"),
            ("Antoni", "M", datetime.date(2021, 2, 14), Relation.CHILD, "0.00", "other"),
            ("Hanna", "F", datetime.date(2023, 6, 30), Relation.CHILD, "0.00", "other"),
        ],
    ),
    (
        "Szewczyk",
        [
            ("Wiesława", "F", datetime.date(1952, 11, 11), Relation.APPLICANT, "1500.00", "pension"),
            ("Dominik", "M", datetime.date(2005, 5, 5), Relation.GRANDCHILD, "800.00", "social_benefits"),
        ],
    ),
    (
        "Ostrowski",
        [
            ("Leszek", "M", datetime.date(1968, 7, 7), Relation.APPLICANT, "3900.00", "business"),
            ("Danuta", "F", datetime.date(1970, 3, 21), Relation.SPOUSE, "0.00", "other"),
            ("Kamil", "M", datetime.date(1999, 10, 2), Relation.CHILD, "2700.00", "employment"),
        ],
    ),
    (
        "Jasińska",
        [
            ("Renata", "F", datetime.date(1983, 5, 17), Relation.APPLICANT, "2200.00", "employment"),
            ("Marta", "F", datetime.date(1986, 1, 9), Relation.SIBLING, "1900.00", "employment"),
            ("Zuzanna", "F", datetime.date(2011, 4, 26), Relation.CHILD, "0.00", "other"),
        ],
    ),
]
STREETS = ["ul. Lipowa", "ul. Polna", "ul. Kościelna", "ul. Szkolna", "ul. Ogrodowa", "ul. Leśna"]


def build(municipalities: list[Municipality], *, today: datetime.date | None = None) -> int:
    """Create the demo residents spread over ``municipalities``; returns how many persons were created."""
    today = today or timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    months = [last_month, (last_month - datetime.timedelta(days=1)).replace(day=1)]
    if Person.objects.filter(municipality__in=municipalities).exists():
        return 0
    created = 0
    serial = 100
    for index, (surname, members) in enumerate(HOUSEHOLDS):
        municipality = municipalities[index % len(municipalities)]
        household = None
        for first, sex, born, relation, income, source in members:
            serial += 7
            last = surname if sex == "M" or not surname.endswith("ski") else f"{surname[:-1]}a"
            person = services.person_create(
                actor=None,
                municipality=municipality,
                confirm_not_duplicate=True,
                pesel=pesel.generate(born, sex, serial),  # type: ignore[arg-type]
                first_name=first,
                last_name=last,
                street=STREETS[index % len(STREETS)],
                building=str(3 + index * 2),
                postal_code="05-999",
                town=municipality.name.removeprefix("Gmina "),
                residence_municipality=municipality,
                phone=f"+48 600 {100 + index:03d} {200 + serial % 800:03d}" if relation == Relation.APPLICANT else "",
            )
            created += 1
            if household is None:
                household = services.household_create(
                    actor=None, applicant=person, valid_from=datetime.date(2024, 1, 1)
                )
                member = household.members.get()
            else:
                member = services.member_add(
                    actor=None,
                    household=household,
                    person=person,
                    relation=relation,
                    valid_from=datetime.date(2024, 1, 1),
                )
            for month in months:
                services.income_declare(
                    actor=None,
                    member=member,
                    month=month,
                    net_amount=Decimal(income),
                    source=source,
                    declared_on=today,
                    document_note="oświadczenie (demo)",
                )
            if index in (0, 3, 7) and relation == Relation.APPLICANT:
                services.certificate_add(
                    actor=None,
                    person=person,
                    kind="degree",
                    degree=["significant", "moderate", "light"][index % 3],
                    number=f"PZON/{index + 1:03d}/2024",
                    issuing_body="Powiatowy Zespół do Spraw Orzekania o Niepełnosprawności (przykład)",
                    issued_on=datetime.date(2024, 2, 1),
                    valid_until=None if index == 0 else datetime.date(2027, 2, 28),
                    permanent=index == 0,
                )
            if relation == Relation.CHILD and born.year >= 2012 and index == 1:
                services.certificate_add(
                    actor=None,
                    person=person,
                    kind="child",
                    number="PZON/D/17/2023",
                    issuing_body="Powiatowy Zespół do Spraw Orzekania o Niepełnosprawności (przykład)",
                    issued_on=datetime.date(2023, 9, 1),
                    valid_until=datetime.date(2026, 1, 31),
                    permanent=False,
                )
    for centre in Centre.objects.filter(municipalities__in=municipalities).distinct():
        services.notice_ensure_default(centre=centre)
    return created
