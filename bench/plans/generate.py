"""Deterministic generator of a city's IPUS work for one year: plans, items and providers' delivery records.

Usage (the database comes from DATABASE_URL, like the application):
    python bench/plans/generate.py --plans 50000 --items 200000 --records 10000000

Same arguments → same rows (random.Random(seed)). 100 coordinators share the plans; 50 providers with 4 services
each deliver the items; every plan has a need, two goals, two monitoring notes and (once submitted) an approved
version. Plans started over the last year and last at most a year; 85 % are in progress, 10 % closed, 5 % drafts or
awaiting approval. Delivery records follow each item's weekly schedule up to today (about 3 % missed visits) and
are spread so that their number is ``--records``. Small tables go through the models' own field preparation; the
records are written straight to the table (``executemany`` on SQLite, ``COPY`` on PostgreSQL).
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

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, connections, router, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cus.accounts import services as account_services  # noqa: E402
from cus.accounts.models import ApiToken, RoleAssignment, User  # noqa: E402
from cus.accounts.roles import Role  # noqa: E402
from cus.catalog.models import (  # noqa: E402
    Location,
    Organization,
    ProviderKind,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)
from cus.core.models import Centre, CentreKind, Municipality  # noqa: E402
from cus.delivery.models import DeliveryRecord, ProviderStaff  # noqa: E402
from cus.plans import rules  # noqa: E402
from cus.plans.models import (  # noqa: E402
    REFERENCE_SYMBOL,
    AgreementForm,
    ClosingReason,
    Goal,
    GoalStatus,
    MonitoringNote,
    Need,
    PlanItem,
    PlanStatus,
    PlanVersion,
    ServicePlan,
    VersionStatus,
)
from cus.residents import pesel  # noqa: E402
from cus.residents.models import Person  # noqa: E402
from cus.residents.names import normalise  # noqa: E402

TERYT = "1499982"
PASSWORD = "Benchmark-hasło-2026"  # noqa: S105 - generated staff of a throwaway database
COORDINATORS = 100
PROVIDERS = 50
SERVICES_PER_PROVIDER = 4
BATCH = 5000
FIRST = ["Anna", "Jan", "Maria", "Piotr", "Katarzyna", "Tomasz", "Zofia", "Stanisław", "Helena", "Józef"]
LAST = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański"]
STREETS = ["Lipowa", "Kwiatowa", "Szkolna", "Ogrodowa", "Polna", "Leśna", "Słoneczna", "Krótka"]
SERVICE_NAMES = [
    "Usługi opiekuńcze w miejscu zamieszkania",
    "Asystent osobisty osoby z niepełnosprawnością",
    "Rehabilitacja ruchowa w domu",
    "Poradnictwo psychologiczne",
]
WORKERS = [f"{first} {last}" for first in FIRST for last in LAST]


def uid(rnd: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rnd.getrandbits(128), version=4)


def bulk(model: Any, rows: list[Any], size: int = BATCH) -> None:
    """Insert rows with one parametrised INSERT over many (values prepared by the model's own fields)."""
    if not rows:
        return
    db = connections[router.db_for_write(model)]
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and getattr(rows[0], pk.attname) is None)]
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, values as parameters
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    with db.cursor() as cursor:
        for start in range(0, len(rows), size):
            cursor.executemany(
                sql,
                [[f.get_db_prep_save(f.pre_save(o, True), db) for f in fields] for o in rows[start : start + size]],
            )


_HASH: list[str] = []


def staff(centre: Centre, municipality: Municipality, email: str, name: str, role: Role) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        if not _HASH:  # one slow password hash for all generated staff
            _HASH.append(make_password(PASSWORD))
        user = User(email=email, full_name=name, centre=centre, password=_HASH[0])
        user.save()
        assignment = RoleAssignment.objects.create(user=user, role=role)
        assignment.municipalities.set([municipality])
    return user


def setup_city(rnd: random.Random) -> dict[str, Any]:
    municipality, _created = Municipality.objects.get_or_create(
        teryt=TERYT, defaults={"name": "Miasto Planowo", "voivodeship": TERYT[:2]}
    )
    centre, _created = Centre.objects.get_or_create(
        name="Centrum Usług Społecznych w Planowie",
        defaults={
            "kind": CentreKind.CONVERTED,
            "street_address": "ul. Ratuszowa 1",
            "postal_code": "00-998",
            "city": "Planowo",
            "email": "cus@plans.bench.example",
        },
    )
    centre.municipalities.add(municipality)
    director = staff(centre, municipality, "director@plans.bench.example", "Dyrektor Planowa", Role.DIRECTOR)
    organiser = staff(
        centre, municipality, "organiser@plans.bench.example", "Organizator Planowy", Role.SERVICES_ORGANISER
    )
    coordinators = [
        staff(centre, municipality, f"coordinator{i}@plans.bench.example", f"Koordynator {i}", Role.IPUS_COORDINATOR)
        for i in range(COORDINATORS)
    ]
    services: list[tuple[Service, Location]] = []
    providers: list[tuple[Organization, User]] = []
    for p in range(PROVIDERS):
        organization = Organization.objects.create(
            id=uid(rnd),
            municipality=municipality,
            name=f"Fundacja Opieki Planowo {p + 1}",
            description="Realizator usług w ramach IPUS.",
            kind=ProviderKind.NGO,
        )
        user = staff(centre, municipality, f"provider{p}@plans.bench.example", f"Realizator {p}", Role.PROVIDER_STAFF)
        ProviderStaff.objects.get_or_create(user=user, defaults={"organization": organization})
        providers.append((organization, user))
        for s, name in enumerate(SERVICE_NAMES[:SERVICES_PER_PROVIDER]):
            service = Service.objects.create(
                id=uid(rnd),
                municipality=municipality,
                organization=organization,
                name=f"{name} ({p + 1})",
                description=f"{name} dla mieszkańców.",
                status=ServiceStatus.PUBLISHED,
                published_at=timezone.now(),
            )
            location = Location.objects.create(
                id=uid(rnd),
                municipality=municipality,
                organization=organization,
                name=f"Punkt {p + 1}.{s + 1}",
                address_1=f"ul. {STREETS[s % len(STREETS)]} {p + 1}",
                postal_code="00-998",
                city="Planowo",
            )
            ServiceAtLocation.objects.create(service=service, location=location)
            services.append((service, location))
    # The provider the visit benchmark records for, with an API token (its key printed for run.py).
    first_provider_user = providers[0][1]
    ApiToken.objects.filter(user=first_provider_user).delete()
    _token, key = account_services.token_create(actor=None, user=first_provider_user, name="bench")
    return {
        "municipality": municipality,
        "centre": centre,
        "director": director,
        "organiser": organiser,
        "coordinators": coordinators,
        "services": services,
        "providers": providers,
        "token": key,
    }


def weekdays_for(rnd: random.Random, weeks_elapsed: int, per_item: int) -> list[int]:
    """Enough weekly visit days for ``per_item`` visits in the weeks the item has run (at most 5 days)."""
    needed = max(1, min(5, -(-per_item // max(weeks_elapsed, 1))))
    return sorted(rnd.sample([1, 2, 3, 4, 5], needed))


def generate(plans: int, items: int, records: int, seed: int = 2026) -> None:
    rnd = random.Random(seed)
    started = time.perf_counter()
    today = timezone.localdate()
    with transaction.atomic():
        city = setup_city(rnd)
    municipality, centre = city["municipality"], city["centre"]
    items_per_plan = max(1, items // plans)
    delivering_share = 0.95  # active and closed plans have records
    per_item = max(1, round(records / (plans * items_per_plan * delivering_share)))
    persons: list[Person] = []
    plan_rows: list[ServicePlan] = []
    needs: list[Need] = []
    goals: list[Goal] = []
    notes: list[MonitoringNote] = []
    versions: list[PlanVersion] = []
    item_rows: list[PlanItem] = []
    schedule: list[tuple[PlanItem, list[datetime.date]]] = []
    now = timezone.now()
    taken: set[str] = set()
    for n in range(plans):
        while True:
            birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 30000))
            sex = rnd.choice("FM")
            number = pesel.generate(birth, sex, rnd.randrange(1000))  # type: ignore[arg-type]
            if number not in taken:
                taken.add(number)
                break
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        person = Person(
            id=uid(rnd),
            municipality=municipality,
            pesel=number,
            first_name=first,
            last_name=last,
            birth_date=birth,
            sex=sex,
            street=f"ul. {rnd.choice(STREETS)}",
            building=str(rnd.randrange(1, 120)),
            postal_code="00-998",
            town="Planowo",
            residence_municipality=municipality,
            last_name_key=normalise(last),
            first_name_key=normalise(first),
        )
        persons.append(person)
        roll = rnd.random()
        starts_on = today - datetime.timedelta(days=rnd.randrange(120, 365))
        ends_on = rules.latest_end(starts_on) - datetime.timedelta(days=rnd.randrange(0, 30))
        status = PlanStatus.ACTIVE
        closed_on = None
        if roll < 0.03:
            status, starts_on = PlanStatus.DRAFT, today + datetime.timedelta(days=rnd.randrange(1, 20))
            ends_on = starts_on + datetime.timedelta(days=300)
        elif roll < 0.05:
            status, starts_on = PlanStatus.SUBMITTED, today + datetime.timedelta(days=rnd.randrange(1, 20))
            ends_on = starts_on + datetime.timedelta(days=300)
        elif roll < 0.15:
            status, closed_on = PlanStatus.CLOSED, today - datetime.timedelta(days=rnd.randrange(1, 60))
            ends_on = min(ends_on, closed_on)
        coordinator = city["coordinators"][n % COORDINATORS]
        applied_on = min(starts_on, today) - datetime.timedelta(days=rnd.randrange(5, 40))
        plan = ServicePlan(
            id=uid(rnd),
            municipality=municipality,
            centre=centre,
            year=applied_on.year,
            number=n + 1,
            reference=f"{REFERENCE_SYMBOL}.{n + 1}.{applied_on.year}",
            person=person,
            coordinator=coordinator,
            applied_on=applied_on,
            starts_on=starts_on,
            ends_on=ends_on,
            status=status,
            version=1,
            needs_summary="Potrzebuje pomocy w codziennych czynnościach, zakupach i kontaktach z lekarzem.",
            drawn_up_on=None if status == PlanStatus.DRAFT else applied_on + datetime.timedelta(days=20),
            agreed_on=None if status == PlanStatus.DRAFT else applied_on + datetime.timedelta(days=18),
            agreement_form="" if status == PlanStatus.DRAFT else AgreementForm.SIGNATURE,
            closed_on=closed_on,
            closing_reason=ClosingReason.GOALS_MET if closed_on else "",
            closing_interview_on=closed_on,
            closing_interview_notes="Rozmowa końcowa: cele osiągnięte." if closed_on else "",
            course_description=("Plan zrealizowano zgodnie z harmonogramem; osoba odzyskała samodzielność. " * 2)
            if closed_on
            else "",
        )
        plan_rows.append(plan)
        needs.append(Need(plan=plan, description="Pomoc w zakupach i sprzątaniu."))
        for g in range(2):
            goals.append(
                Goal(
                    plan=plan,
                    description=f"Cel {g + 1}: samodzielne wyjście z domu.",
                    indicator="Liczba samodzielnych wyjść w tygodniu",
                    baseline="0",
                    target="2",
                    target_date=min(ends_on, starts_on + datetime.timedelta(days=150 + 60 * g)),
                    status=GoalStatus.ACHIEVED if closed_on else GoalStatus.OPEN,
                    progress=100 if closed_on else rnd.randrange(0, 90),
                    position=g,
                )
            )
        for k in range(2):
            notes.append(
                MonitoringNote(
                    plan=plan,
                    kind="phone",
                    noted_on=min(today, starts_on + datetime.timedelta(days=30 * (k + 1))),
                    text="Kontakt telefoniczny: usługi realizowane zgodnie z planem.",
                    author=coordinator,
                )
            )
        if status != PlanStatus.DRAFT:
            versions.append(
                PlanVersion(
                    plan=plan,
                    number=1,
                    content={"period": {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}},
                    status=VersionStatus.SUBMITTED if status == PlanStatus.SUBMITTED else VersionStatus.APPROVED,
                    submitted_at=now,
                    submitted_by=coordinator,
                    decided_at=None if status == PlanStatus.SUBMITTED else now,
                    decided_by=None if status == PlanStatus.SUBMITTED else city["director"],
                    decided_by_label="" if status == PlanStatus.SUBMITTED else "Dyrektor Planowa",
                )
            )
        delivered_until = min(today - datetime.timedelta(days=1), closed_on or ends_on)
        weeks_elapsed = max(1, (delivered_until - starts_on).days // 7)
        for i in range(items_per_plan):
            service, location = city["services"][rnd.randrange(len(city["services"]))]
            weekdays = weekdays_for(rnd, weeks_elapsed, per_item)
            item = PlanItem(
                id=uid(rnd),
                plan=plan,
                service=service,
                location=location,
                provider_id=service.organization_id,
                starts_on=starts_on,
                ends_on=ends_on,
                frequency="weekly",
                weekdays=weekdays,
                time_from=datetime.time(8 + 2 * (i % 5), 0),
                hours_per_visit=Decimal("1.5"),
                planned_hours=Decimal("0"),
                position=i,
            )
            item.planned_hours = item.compute_planned_hours()
            item_rows.append(item)
            if status in (PlanStatus.ACTIVE, PlanStatus.CLOSED):
                days = list(rules.visit_dates(item.period, "weekly", weekdays, until=delivered_until))
                schedule.append((item, days[-per_item:]))
    print(f"  rows built in {time.perf_counter() - started:.0f} s", flush=True)
    with transaction.atomic():
        bulk(Person, persons)
        bulk(ServicePlan, plan_rows)
        bulk(Need, needs)
        bulk(Goal, goals)
        bulk(MonitoringNote, notes)
        bulk(PlanVersion, versions)
        bulk(PlanItem, item_rows)
    print(f"  plans written at {time.perf_counter() - started:.0f} s", flush=True)
    written = write_records(rnd, schedule, city)
    # The records went in by plain INSERTs, past the signal that keeps the monthly totals: count them once.
    from cus.delivery import months

    totals = months.rebuild()
    print(f"  {totals:,} monthly totals at {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"generated {plans:,} plans, {len(item_rows):,} items, {written:,} delivery records "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    print(f"PROVIDER_TOKEN={city['token']}")


def write_records(rnd: random.Random, schedule: list[tuple[PlanItem, list[datetime.date]]], city: dict) -> int:
    """Delivery records straight into the table: executemany (SQLite) or COPY (PostgreSQL), in chunks."""
    table = DeliveryRecord._meta.db_table
    fields = [f for f in DeliveryRecord._meta.concrete_fields]
    columns = [f.column for f in fields]
    recorder = {organization.pk: user.pk for organization, user in city["providers"]}
    postgres = connection.vendor == "postgresql"
    recorded_at = timezone.now().astimezone(datetime.UTC)
    stamp = recorded_at.isoformat() if postgres else recorded_at.replace(tzinfo=None).isoformat(sep=" ")

    def rows() -> Any:
        for item, days in schedule:
            provider = item.provider_id
            user_id = recorder[provider]
            start = item.time_from.strftime("%H:%M:%S")
            provider_text = str(provider) if postgres else provider.hex
            item_text = str(item.pk) if postgres else item.pk.hex
            for day in days:
                worker = WORKERS[rnd.randrange(len(WORKERS))]
                missed = rnd.random() < 0.03
                record_id = uid(rnd)
                values = {
                    "id": str(record_id) if postgres else record_id.hex,
                    "item_id": item_text,
                    "provider_id": provider_text,
                    "date": day.isoformat(),
                    "start_time": start,
                    "minutes": 90,
                    "worker_name": worker,
                    "worker_key": worker.casefold(),
                    "status": "missed" if missed else "delivered",
                    "missed_reason": "person_absent" if missed else "",
                    "notes": "",
                    "recorded_by_id": user_id,
                    "recorded_at": stamp,
                    "corrected_at": None,
                    "corrected_by_id": None,
                }
                yield [values[f.attname] for f in fields]

    written = 0
    if postgres:
        with transaction.atomic(), connection.cursor() as cursor:
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows():
                    copy.write_row(row)
                    written += 1
        return written
    # SQLite: one transaction per million rows (one transaction for all grew the WAL to gigabytes) and a page cache
    # large enough to keep the indexes' pages while rows with random keys go in.
    sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608 - names from the model
        table, ", ".join(f'"{c}"' for c in columns), ", ".join(["?"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -4000000")
    stream = rows()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            taken = 0
            for _part in range(20):
                chunk = [row for _n, row in zip(range(50000), stream, strict=False)]
                if not chunk:
                    break
                raw.executemany(sql, chunk)
                taken += len(chunk)
        written += taken
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"  {written:,} records", flush=True)
        if taken < 1_000_000:
            break
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50000)
    parser.add_argument("--items", type=int, default=200000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    generate(args.plans, args.items, args.records, args.seed)


if __name__ == "__main__":
    main()
