"""Deterministic generator of one city for the residents / applications / fee recalculation benchmark (issue 4).

Usage (the database comes from DATABASE_URL, like the application; run ``migrate`` first):
    python bench/qualification/generate.py --persons 200000 --households 90000 --applications 100000

Same arguments and the same month → same rows (``random.Random(seed)``, ids from ``uuid5``). One municipality with
its centre; persons with valid PESELs (unique per birth date and sex), households with members, one income
declaration per member for each of the four months before the current one (the months applications filed in the
last three months are assessed on, and the months the person page shows); a programme in force with five services
(statutory track: care services on the municipality's care table and specialised care on its own table;
programme track: an income-dependent service with its own table, a fixed fee and a free one); the tables in
force; applications in realistic states, the qualified ones with the fee computed by the application's own pure
``fees.compute_fee`` from the declared income, the criterion in force and the table, as qualifying would freeze
it. About 3 % of the qualified statutory applications keep an income that differs slightly from the declarations
(as if a declaration was corrected after qualifying), so a recalculation meets the 10 % rule (PS art. 106 ust. 3b).

Services are bypassed for speed (``bulk_create`` in large batches, no audit rows): the rows are what the services
would have written. Users for the benchmark: ``worker@bench.example`` (services organiser) and
``director@bench.example`` (director), both in the generated centre.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cus.settings")

import django  # noqa: E402

django.setup()

from django.db import connections, router, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cus.accounts.models import RoleAssignment, User  # noqa: E402
from cus.accounts.roles import Role  # noqa: E402
from cus.catalog.models import Organization, ProviderKind, Service, ServiceStatus  # noqa: E402
from cus.core.models import Centre, CentreKind, Municipality  # noqa: E402
from cus.programme.models import (  # noqa: E402
    BudgetLine,
    DeliveryUnit,
    FundingSource,
    Programme,
    ProgrammeFeeKind,
    ProgrammeService,
    ProgrammeStatus,
    Track,
)
from cus.qualification import fees  # noqa: E402
from cus.qualification.applications import (  # noqa: E402
    LIABILITY_CLAUSE,
    REFERENCE_SYMBOL,
    Application,
    ApplicationEvent,
    Channel,
    State,
)
from cus.qualification.demo import CARE_BANDS  # noqa: E402
from cus.qualification.models import (  # noqa: E402
    FeeBand,
    FeeScope,
    FeeTable,
    FeeTableStatus,
    FeeUnitKind,
    IncomeCriterion,
    criterion_on,
)
from cus.qualification.reference import load_criteria  # noqa: E402
from cus.residents import pesel  # noqa: E402
from cus.residents.models import (  # noqa: E402
    Household,
    HouseholdMember,
    IncomeDeclaration,
    Person,
    Relation,
)
from cus.residents.names import normalise  # noqa: E402
from cus.residents.services import notice_ensure_default  # noqa: E402

NS = uuid.UUID("00000000-0000-4000-8000-00000000b004")
TERYT = "1499992"  # county 99 of the Masovian voivodeship does not exist: clearly fictional, valid in form
WORKER_EMAIL = "worker@bench.example"
DIRECTOR_EMAIL = "director@bench.example"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway benchmark database
BATCH = 5000

FEMALE = [
    "Anna",
    "Maria",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Barbara",
    "Ewa",
    "Krystyna",
    "Elżbieta",
    "Zofia",
    "Jadwiga",
    "Halina",
    "Irena",
    "Joanna",
    "Monika",
    "Natalia",
    "Zuzanna",
    "Lena",
    "Julia",
    "Hanna",
]
MALE = [
    "Jan",
    "Andrzej",
    "Piotr",
    "Krzysztof",
    "Stanisław",
    "Tomasz",
    "Paweł",
    "Józef",
    "Marcin",
    "Marek",
    "Michał",
    "Grzegorz",
    "Jerzy",
    "Tadeusz",
    "Adam",
    "Łukasz",
    "Zbigniew",
    "Ryszard",
    "Antoni",
    "Jakub",
]
SURNAMES = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Nowakowski",
    "Pawłowski",
    "Michalski",
    "Nowicki",
    "Adamczyk",
    "Dudek",
    "Zając",
    "Wieczorek",
    "Jabłoński",
    "Król",
    "Majewski",
    "Olszewski",
    "Jaworski",
    "Wróbel",
    "Malinowski",
    "Pawlak",
    "Witkowski",
    "Walczak",
    "Stępień",
    "Górski",
    "Rutkowski",
    "Michalak",
    "Sikora",
    "Ostrowski",
    "Baran",
    "Duda",
    "Szewczyk",
    "Tomaszewski",
    "Pietrzak",
    "Marciniak",
    "Wróblewski",
    "Zalewski",
]
STREETS = ["Słoneczna", "Lipowa", "Kościuszki", "Polna", "Szkolna", "Ogrodowa", "Leśna", "Długa", "Krótka", "Łąkowa"]

# (key, name, track, fee kind, unit cost, fixed fee, own table bands or None, units a month, share of applications)
OFFER: list[tuple[str, str, str, str, str, str | None, list[tuple[str, str | None, str, str]] | None, str, int]] = [
    (
        "care",
        "Usługi opiekuńcze w miejscu zamieszkania",
        Track.STATUTORY,
        ProgrammeFeeKind.INCOME,
        "42.00",
        None,
        None,
        "40",
        40,
    ),
    (
        "special",
        "Specjalistyczne usługi opiekuńcze",
        Track.STATUTORY,
        ProgrammeFeeKind.INCOME,
        "58.00",
        None,
        [("0", "100", "0", "0"), ("100", "200", "10", "20"), ("200", "300", "30", "40"), ("300", None, "100", "100")],
        "24",
        15,
    ),
    (
        "assistant",
        "Asystent osobisty osoby starszej",
        Track.PROGRAMME,
        ProgrammeFeeKind.INCOME,
        "45.00",
        None,
        [("0", "150", "0", "0"), ("150", "250", "10", "15"), ("250", "400", "25", "35"), ("400", None, "60", "70")],
        "20",
        25,
    ),
    ("club", "Klub Seniora", Track.PROGRAMME, ProgrammeFeeKind.FIXED, "30.00", "5.00", None, "8", 12),
    (
        "advice",
        "Poradnictwo psychologiczne dla rodzin",
        Track.PROGRAMME,
        ProgrammeFeeKind.FREE,
        "120.00",
        None,
        None,
        "2",
        8,
    ),
]
# State of an application → share (per mille); the rest of the life cycle is written to the row as services would.
STATES: list[tuple[str, int]] = [
    (State.QUALIFIED, 700),
    (State.SUBMITTED, 60),
    (State.INCOMPLETE, 40),
    (State.COMPLETE, 20),
    (State.ASSESSMENT, 20),
    (State.INTERVIEW, 10),
    (State.WAITING, 40),
    (State.REFUSED, 40),
    (State.WITHDRAWN, 20),
    (State.NOT_EXAMINED, 10),
    (State.RESIGNED, 10),
    (State.ENDED, 10),
]
TERMINAL = {State.REFUSED, State.WITHDRAWN, State.NOT_EXAMINED, State.RESIGNED, State.ENDED}


def uid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NS, "-".join(str(p) for p in parts))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def income_months(today: datetime.date) -> list[datetime.date]:
    """The four months before the current one, oldest first."""
    months = [previous_month(month_start(today))]
    for _i in range(3):
        months.insert(0, previous_month(months[0]))
    return months


def bulk(model: Any, rows: list[Any], size: int = BATCH) -> None:
    """Insert new rows as ``bulk_create`` would (values prepared by each field's ``pre_save`` and
    ``get_db_prep_save``), with one parametrised INSERT run over all rows (``executemany``): several times faster
    than the ORM's per-value SQL compilation, which dominates at a million rows. An automatic primary key is left to
    the database."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and getattr(rows[0], pk.attname) is None)]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - quoted names from the model, values as parameters
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                    for obj in rows[start : start + size]
                ],
            )


def household_sizes(rnd: random.Random, households: int, persons: int) -> list[int]:
    """Sizes 1–6 in a realistic mix, adjusted so that they add up to ``persons``."""
    sizes = rnd.choices([1, 2, 3, 4, 5, 6], weights=[34, 30, 16, 12, 5, 3], k=households)
    diff = persons - sum(sizes)
    index = 0
    while diff:
        i = index % households
        if diff > 0 and sizes[i] < 8:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
        index += 7919  # a prime stride spreads the adjustment over the city
    return sizes


def setup_city(today: datetime.date) -> dict[str, Any]:
    load_criteria(IncomeCriterion)
    municipality, _created = Municipality.objects.get_or_create(
        teryt=TERYT, defaults={"name": "Miasto Benchmarkowo", "voivodeship": TERYT[:2]}
    )
    centre, _created = Centre.objects.get_or_create(
        name="Centrum Usług Społecznych w Benchmarkowie",
        defaults={
            "kind": CentreKind.CONVERTED,
            "street_address": "ul. Ratuszowa 1",
            "postal_code": "00-999",
            "city": "Benchmarkowo",
            "email": "cus@bench.example",
        },
    )
    centre.municipalities.add(municipality)
    users = {}
    for email, name, role in (
        (WORKER_EMAIL, "Pracownik Benchmarkowy", Role.SERVICES_ORGANISER),
        (DIRECTOR_EMAIL, "Dyrektor Benchmarkowy", Role.DIRECTOR),
    ):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=name, centre=centre)
            user.set_password(PASSWORD)
            user.save()
            assignment = RoleAssignment.objects.create(user=user, role=role)
            assignment.municipalities.set([municipality])
        users[role] = user
    notice_ensure_default(centre=centre)  # the notice the person page shows (a service: one audited row)
    organization = Organization.objects.create(
        id=uid("org"),
        municipality=municipality,
        name="Centrum Usług Społecznych w Benchmarkowie",
        description="Realizator usług społecznych.",
        kind=ProviderKind.GMINA_UNIT,
    )
    programme = Programme.objects.create(
        municipality=municipality,
        name="Program usług społecznych Miasta Benchmarkowo",
        goal="Wsparcie mieszkańców w codziennym funkcjonowaniu.",
        needs_description="Diagnoza potrzeb wskazuje rosnącą liczbę osób starszych i samotnych.",
        start_date=datetime.date(today.year - 1, 1, 1),
        end_date=datetime.date(today.year + 2, 12, 31),
        participants_profile="Mieszkańcy miasta.",
        expected_participants=100000,
        organisation="Nabór ciągły; realizacja przez CUS.",
        monitoring="Kwartalne sprawozdania.",
        status=ProgrammeStatus.IN_FORCE,
        resolution_number="L/500/2025",
        resolution_date=datetime.date(today.year - 1, 11, 27),
        publication_reference="Dz. Urz. Woj. Maz. 2025 poz. 9999",
        in_force_from=datetime.date(today.year - 1, 1, 1),
    )
    BudgetLine.objects.create(
        programme=programme, year=today.year, amount=Decimal("90000000.00"), source=FundingSource.GMINA
    )
    care_table = _table(
        municipality,
        key="care",
        name="Odpłatność za usługi opiekuńcze",
        scope=FeeScope.CARE,
        service=None,
        bands=CARE_BANDS,
    )
    offers = {}
    for key, name, track, fee_kind, unit_cost, fixed, bands, units, share in OFFER:
        service = Service.objects.create(
            id=uid("svc", key),
            municipality=municipality,
            organization=organization,
            name=name,
            description=f"{name} dla mieszkańców miasta.",
            status=ServiceStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        programme_service = ProgrammeService.objects.create(
            programme=programme,
            service=service,
            planned_participants=50000,
            unit=DeliveryUnit.HOUR,
            units_per_participant=Decimal("480"),
            unit_cost=Decimal(unit_cost),
            fee_kind=fee_kind,
            fee_amount=None if fixed is None else Decimal(fixed),
            track=track,
            statutory_basis="art. 50 ustawy o pomocy społecznej" if track == Track.STATUTORY else "",
            capacity=None,
        )
        table = care_table if key == "care" else None
        if bands is not None:
            table = _table(
                municipality,
                key=key,
                name=f"Odpłatność: {name}",
                scope=FeeScope.PROGRAMME_SERVICE,
                service=service,
                bands=bands,
            )
        pure = None if table is None else table.as_fee_table()
        offers[key] = {"ps": programme_service, "table": table, "pure": pure, "units": Decimal(units), "share": share}
    return {"municipality": municipality, "centre": centre, "users": users, "offers": offers}


def _table(
    municipality: Municipality,
    *,
    key: str,
    name: str,
    scope: str,
    service: Service | None,
    bands: list[tuple[str, str | None, str, str]],
) -> FeeTable:
    table = FeeTable.objects.create(
        id=uid("table", key),
        municipality=municipality,
        name=name,
        scope=scope,
        service=service,
        resolution_number=f"XL/{400 + len(key)}/2024",
        resolution_date=datetime.date(2024, 11, 28),
        unit=FeeUnitKind.HOUR,
        valid_from=datetime.date(2025, 1, 1),
        status=FeeTableStatus.IN_FORCE,
    )
    FeeBand.objects.bulk_create(
        FeeBand(
            table=table,
            position=position,
            income_from=Decimal(start),
            income_to=None if end is None else Decimal(end),
            fee_single=Decimal(single),
            fee_family=Decimal(family),
        )
        for position, (start, end, single, family) in enumerate(bands)
    )
    return table


def generate(persons: int, households: int, applications: int, seed: int = 2026) -> None:
    rnd = random.Random(seed)
    started = time.perf_counter()
    today = timezone.localdate()
    months = income_months(today)
    with transaction.atomic():
        city = setup_city(today)
    municipality, centre = city["municipality"], city["centre"]
    worker = city["users"][Role.SERVICES_ORGANISER]
    print(f"  city, programme and fee tables: {time.perf_counter() - started:.1f} s", flush=True)

    # --- persons, households, members, income ---------------------------------------------------------------------
    sizes = household_sizes(rnd, households, persons)
    serials: dict[tuple[datetime.date, str], int] = {}
    heads: list[tuple[uuid.UUID, uuid.UUID]] = []  # (household id, head person id)
    others: list[tuple[uuid.UUID, uuid.UUID]] = []
    # income per member per month, to compute the frozen fees of qualified applications below
    member_income: dict[uuid.UUID, list[Decimal]] = {}
    household_members: dict[uuid.UUID, list[uuid.UUID]] = {}
    person_rows: list[Person] = []
    household_rows: list[Household] = []
    member_rows: list[HouseholdMember] = []
    income_rows: list[IncomeDeclaration] = []
    number = 0
    for h, size in enumerate(sizes):
        household_id = uid("hh", h)
        household_rows.append(Household(id=household_id, municipality=municipality))
        surname = rnd.choice(SURNAMES)
        street, building = rnd.choice(STREETS), str(rnd.randrange(1, 200))
        flat = str(rnd.randrange(1, 60)) if rnd.random() < 0.7 else ""
        senior_household = size <= 2 and rnd.random() < 0.55
        members: list[uuid.UUID] = []
        age_head = 0
        for m in range(size):
            if m == 0:
                age = rnd.randrange(62, 95) if senior_household else rnd.randrange(22, 80)
                relation = Relation.APPLICANT
            elif m == 1 and size >= 2 and rnd.random() < 0.8:
                age = max(18, min(99, age_head + rnd.randrange(-6, 7)))
                relation = Relation.SPOUSE
            elif senior_household:
                age = rnd.randrange(18, 60)
                relation = Relation.CHILD
            else:
                age = rnd.randrange(0, 25) if rnd.random() < 0.85 else rnd.randrange(60, 95)
                relation = Relation.CHILD if age < 25 else Relation.PARENT
            if m == 0:
                age_head = age
            sex = rnd.choice("FM")
            birth = today - datetime.timedelta(days=age * 365 + rnd.randrange(0, 365))
            serial = serials.get((birth, sex), 0)
            serials[(birth, sex)] = serial + 1
            first = rnd.choice(FEMALE if sex == "F" else MALE)
            last = surname if sex == "M" or not surname.endswith("ski") else surname[:-1] + "a"
            last = last[:-3] + "cka" if sex == "F" and surname.endswith("cki") else last
            person_id = uid("p", number)
            number += 1
            person_rows.append(
                Person(
                    id=person_id,
                    municipality=municipality,
                    pesel=pesel.generate(birth, sex, serial),  # type: ignore[arg-type]
                    first_name=first,
                    last_name=last,
                    birth_date=birth,
                    sex=sex,
                    street=f"ul. {street}",
                    building=building,
                    flat=flat,
                    postal_code=f"00-{rnd.randrange(900, 1000):03d}",
                    town="Benchmarkowo",
                    residence_municipality=municipality,
                    last_name_key=normalise(last),
                    first_name_key=normalise(first),
                )
            )
            member_id = uid("m", person_id)
            member_rows.append(
                HouseholdMember(
                    id=member_id,
                    household_id=household_id,
                    person_id=person_id,
                    relation=relation,
                    valid_from=today - datetime.timedelta(days=rnd.randrange(400, 4000)),
                )
            )
            members.append(member_id)
            (heads if m == 0 else others).append((household_id, person_id))
            # income: pension for seniors, employment or benefits for adults, nothing for children
            if age >= 65:
                base, source = Decimal(rnd.randrange(1200, 4200)), "pension"
            elif age >= 18:
                roll = rnd.random()
                if roll < 0.6:
                    base, source = Decimal(rnd.randrange(3000, 9000)), "employment"
                elif roll < 0.8:
                    base, source = Decimal(rnd.randrange(600, 1800)), "social_benefits"
                else:
                    base, source = Decimal(0), "other"
            else:
                base, source = Decimal(0), "other"
            amounts = []
            for k, month in enumerate(months):
                wobble = Decimal(rnd.randrange(-150, 151)) if base and source == "employment" else Decimal(0)
                amount = max(Decimal(0), base + wobble).quantize(Decimal("0.01"))
                amounts.append(amount)
                income_rows.append(
                    IncomeDeclaration(
                        id=uid("i", member_id, k),
                        member_id=member_id,
                        month=month,
                        net_amount=amount,
                        source=source,
                        declared_on=month + datetime.timedelta(days=40),
                    )
                )
            member_income[member_id] = amounts
        household_members[household_id] = members
        if len(person_rows) >= BATCH:
            _flush(person_rows, household_rows, member_rows, income_rows)
        if (h + 1) % 20000 == 0:
            print(f"  {h + 1}/{households} households, {time.perf_counter() - started:.0f} s", flush=True)
    _flush(person_rows, household_rows, member_rows, income_rows)
    print(f"  residents: {number} persons, {time.perf_counter() - started:.0f} s", flush=True)

    # --- applications ---------------------------------------------------------------------------------------------
    criterion = criterion_on(today)
    assert criterion is not None, "no income criterion in force: migrate first"
    keys = [key for key, *_rest in OFFER]
    weights = [row[-1] for row in OFFER]
    state_values = [s for s, _w in STATES]
    state_weights = [w for _s, w in STATES]
    window_start = timezone.make_aware(datetime.datetime.combine(months[1], datetime.time(8)))
    window = (timezone.now() - window_start).total_seconds()
    filed_times = sorted(window_start + datetime.timedelta(seconds=rnd.random() * window) for _i in range(applications))
    household_of = {p: h for h, p in heads + others}
    rows: list[Application] = []
    events: list[ApplicationEvent] = []
    numbers: dict[int, int] = {}
    taken: set[tuple[uuid.UUID, str]] = set()
    statement = f"Oświadczam, że dane we wniosku są zgodne z prawdą. {LIABILITY_CLAUSE}"
    for a in range(applications):
        if a < len(heads) * 0.9:
            person_id = heads[a][1]
        else:
            person_id = rnd.choice(others)[1] if others and rnd.random() < 0.6 else rnd.choice(heads)[1]
        key = rnd.choices(keys, weights=weights)[0]
        while (person_id, key) in taken:
            key = rnd.choice(keys)
            if rnd.random() < 0.3:
                person_id = rnd.choice(heads)[1]
        taken.add((person_id, key))
        offer = city["offers"][key]
        programme_service = offer["ps"]
        filed = filed_times[a]
        local = timezone.localtime(filed)
        year = local.year
        numbers[year] = numbers.get(year, 0) + 1
        state = rnd.choices(state_values, weights=state_weights)[0]
        app_id = uid("app", a)
        row = Application(
            id=app_id,
            municipality=municipality,
            centre=centre,
            year=year,
            number=numbers[year],
            reference=f"{REFERENCE_SYMBOL}.{numbers[year]}.{year}",
            person_id=person_id,
            programme_service=programme_service,
            track=programme_service.track,
            channel=Channel.ONLINE if rnd.random() < 0.3 else Channel.PAPER,
            filed_at=filed,
            state=state,
            statements=[statement],
            priority=rnd.randrange(0, 4) if state == State.WAITING else 0,
        )
        income_month = previous_month(month_start(local.date()))
        if state == State.INCOMPLETE:
            row.documents_requested = "Zaświadczenie o dochodach za miesiąc poprzedzający złożenie wniosku."
            row.documents_deadline = local.date() + datetime.timedelta(days=14)
        if state in (State.INTERVIEW, State.QUALIFIED) and programme_service.track == Track.STATUTORY:
            row.interview_on = local.date() + datetime.timedelta(days=5)
            row.interview_notes = "Wywiad środowiskowy przeprowadzony w miejscu zamieszkania."
        if state in (State.QUALIFIED, State.WAITING, State.RESIGNED, State.ENDED):
            _freeze_fee(
                rnd,
                row,
                offer=offer,
                criterion=criterion,
                members=household_members[household_of[person_id]],
                member_income=member_income,
                month_index=months.index(income_month),
                income_month=income_month,
            )
        if state in (State.QUALIFIED, State.RESIGNED, State.ENDED):
            row.qualified_on = min(today, local.date() + datetime.timedelta(days=rnd.randrange(5, 30)))
        if state == State.RESIGNED:
            row.resigned_on = today
        if state in TERMINAL:
            row.closed_at = min(timezone.now(), filed + datetime.timedelta(days=rnd.randrange(10, 40)))
        rows.append(row)
        events.append(
            ApplicationEvent(
                application_id=app_id,
                action="file",
                to_state=State.SUBMITTED,
                actor=worker,
                actor_label=worker.full_name,
                at=filed,
            )
        )
        if state != State.SUBMITTED:
            events.append(
                ApplicationEvent(
                    application_id=app_id,
                    action=_action(state),
                    from_state=State.SUBMITTED,
                    to_state=state,
                    actor=worker,
                    actor_label=worker.full_name,
                    at=filed + datetime.timedelta(days=3),
                )
            )
        if len(rows) >= BATCH:
            with transaction.atomic():
                bulk(Application, rows)
                bulk(ApplicationEvent, events)
            rows, events = [], []
    with transaction.atomic():
        bulk(Application, rows)
        bulk(ApplicationEvent, events)
    print(
        f"Generated: {Person.objects.count()} persons, {Household.objects.count()} households, "
        f"{IncomeDeclaration.objects.count()} income declarations, {Application.objects.count()} applications "
        f"({Application.objects.filter(state=State.QUALIFIED).count()} qualified) "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _action(state: str) -> str:
    return {
        State.INCOMPLETE: "request_documents",
        State.COMPLETE: "accept_as_complete",
        State.ASSESSMENT: "start_assessment",
        State.INTERVIEW: "start_interview",
        State.WAITING: "put_on_waiting_list",
        State.QUALIFIED: "qualify",
        State.REFUSED: "refuse",
        State.WITHDRAWN: "withdraw",
        State.NOT_EXAMINED: "leave_unexamined",
        State.RESIGNED: "resign",
        State.ENDED: "end",
    }[state]


def _freeze_fee(
    rnd: random.Random,
    row: Application,
    *,
    offer: dict[str, Any],
    criterion: IncomeCriterion,
    members: list[uuid.UUID],
    member_income: dict[uuid.UUID, list[Decimal]],
    month_index: int,
    income_month: datetime.date,
) -> None:
    """The qualification result as ``application_services.qualify`` freezes it (same rounding, same pure fee)."""
    programme_service = offer["ps"]
    units = offer["units"]
    total = sum((member_income[m][month_index] for m in members), Decimal(0))
    count = len(members)
    per_person = (total / count).quantize(fees.GROSZ, rounding="ROUND_HALF_UP")
    single = count == 1
    row.units_per_month = units
    row.income_month = income_month
    row.household_members = count
    row.single_person = single
    row.criterion = criterion
    row.fee_computed_at = row.filed_at + datetime.timedelta(days=4)
    if programme_service.fee_kind != ProgrammeFeeKind.INCOME:
        per_unit = (
            Decimal("0.00") if programme_service.fee_kind == ProgrammeFeeKind.FREE else programme_service.fee_amount
        )
        row.income_per_person = per_person
        row.fee_per_unit = per_unit
        row.fee_per_month = (per_unit * units).quantize(Decimal("0.01"))
        return
    if programme_service.track == Track.STATUTORY and rnd.random() < 0.03:
        # a declaration corrected after qualifying: the frozen income differs by a few per cent of the criterion
        per_person = max(Decimal(0), per_person + Decimal(rnd.randrange(-60, 61)))
    amount = criterion.amount_for(single=single)
    result = fees.compute_fee(
        income_per_person=per_person,
        criterion=amount,
        unit_cost=Decimal(programme_service.unit_cost),
        units_per_month=units,
        single=single,
        table=offer["pure"],
    )
    row.income_per_person = per_person
    row.criterion_amount = amount
    row.fee_table = offer["table"]
    row.fee_band = result.band.label()
    row.income_percent = result.income_percent
    row.fee_percent = result.fee_percent
    row.fee_per_unit = result.fee_per_unit
    row.fee_per_month = result.fee_per_month


def _flush(persons: list[Person], households: list[Household], members: list[Any], incomes: list[Any]) -> None:
    with transaction.atomic():
        bulk(Person, persons)
        bulk(Household, households)
        bulk(HouseholdMember, members)
        bulk(IncomeDeclaration, incomes, 10000)
    persons.clear()
    households.clear()
    members.clear()
    incomes.clear()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--households", type=int, default=90_000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if Municipality.objects.filter(teryt=TERYT).exists():
        sys.exit("The benchmark city already exists in this database: use a fresh database.")
    generate(args.persons, args.households, args.applications, args.seed)
