"""Deterministic generator of a national-scale catalog: N municipalities × M services, 2 locations per service.

Usage (the database comes from DATABASE_URL, like the application):
    python bench/catalog/generate.py --municipalities 2500 --services 20

Same arguments → same rows (random.Random(seed)); TERYT-like codes 7 digits with real voivodeship prefixes.
Rows are written with bulk_create in batches; search documents are computed with the application's own
``service_document`` so the search engine sees what it would see in production.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cus.settings")
os.environ.setdefault("CUS_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from cus.catalog import public_cache  # noqa: E402
from cus.catalog.models import (  # noqa: E402
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    FeeKind,
    FeeUnit,
    Location,
    Organization,
    ProviderKind,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.catalog.search import service_document  # noqa: E402
from cus.core.models import Municipality  # noqa: E402
from cus.core.teryt import VOIVODESHIPS  # noqa: E402

SERVICE_NAMES = [
    "Usługi opiekuńcze w miejscu zamieszkania",
    "Specjalistyczne usługi opiekuńcze dla osób z zaburzeniami psychicznymi",
    "Klub Seniora",
    "Dzienny Dom Pomocy",
    "Poradnictwo psychologiczne dla rodzin",
    "Asystent rodziny",
    "Mieszkanie treningowe",
    "Transport osób z niepełnosprawnościami",
    "Zajęcia sportowe dla dzieci i młodzieży",
    "Punkt nieodpłatnej pomocy prawnej",
    "Wolontariat sąsiedzki",
    "Rehabilitacja ruchowa w domu pacjenta",
    "Świetlica środowiskowa",
    "Warsztaty aktywizacji zawodowej",
    "Teleopieka dla seniorów",
    "Centrum Integracji Społecznej",
    "Kawiarenka obywatelska",
    "Profilaktyka zdrowotna dla seniorów",
    "Grupa wsparcia dla opiekunów osób zależnych",
    "Poradnictwo energetyczne i mieszkaniowe",
]
DESCRIPTIONS = [
    "Pomoc w codziennych czynnościach, opieka higieniczna i kontakt z otoczeniem.",
    "Spotkania, zajęcia ruchowe, warsztaty komputerowe i wycieczki.",
    "Konsultacje specjalistów dla rodziców, dzieci i młodzieży w trudnych sytuacjach życiowych.",
    "Wsparcie w powrocie na rynek pracy: doradztwo, szkolenia i staże.",
    "Bezpłatne porady i informacja o prawach i obowiązkach mieszkańców.",
]
PROVIDER_PREFIXES = ["Stowarzyszenie", "Fundacja", "Centrum Usług Społecznych", "Spółdzielnia Socjalna"]
CITIES = ["Przykładowo", "Nadrzecze", "Zielony Gaj", "Wzgórze", "Dąbrowa", "Lipowo", "Brzozowo", "Jeziorno"]
STREETS = ["ul. Słoneczna", "ul. Lipowa", "ul. Kościuszki", "ul. Polna", "ul. Szkolna", "ul. Ogrodowa"]


def teryt_codes(count: int) -> list[str]:
    codes = []
    voivodeships = sorted(VOIVODESHIPS)
    i = 0
    while len(codes) < count:
        v = voivodeships[i % len(voivodeships)]
        county = (i // len(voivodeships)) // 50 + 1
        gmina = (i // len(voivodeships)) % 50 + 1
        codes.append(f"{v}{county:02d}{gmina:02d}{(i % 3) + 1}")
        i += 1
    return codes


def generate(municipalities: int, services_per: int, seed: int = 2026) -> None:
    rnd = random.Random(seed)
    started = time.perf_counter()
    areas = list(TaxonomyTerm.objects.filter(taxonomy_id=AREAS_TAXONOMY_ID))
    groups = list(TaxonomyTerm.objects.filter(taxonomy_id=TARGET_GROUPS_TAXONOMY_ID))
    ns = uuid.UUID("00000000-0000-4000-8000-000000002026")
    for batch_start in range(0, municipalities, 100):
        codes = teryt_codes(municipalities)[batch_start : batch_start + 100]
        with transaction.atomic():
            munis = Municipality.objects.bulk_create(
                [Municipality(teryt=c, name=f"Gmina {c}", voivodeship=c[:2]) for c in codes],
                ignore_conflicts=True,
            )
            munis = list(Municipality.objects.filter(teryt__in=codes))
            orgs, locs, svcs, sals, scheds = [], [], [], [], []
            area_links, group_links, served_links = [], [], []
            for m in munis:
                m_orgs = [
                    Organization(
                        id=uuid.uuid5(ns, f"org-{m.teryt}-{k}"),
                        municipality=m,
                        name=f"{PROVIDER_PREFIXES[k]} {m.name}",
                        description="Realizator usług społecznych.",
                        kind=[ProviderKind.NGO, ProviderKind.NGO, ProviderKind.GMINA_UNIT, ProviderKind.PROCUREMENT][k],
                    )
                    for k in range(4)
                ]
                orgs += m_orgs
                for n in range(services_per):
                    sid = uuid.uuid5(ns, f"svc-{m.teryt}-{n}")
                    name = SERVICE_NAMES[(n + rnd.randrange(3)) % len(SERVICE_NAMES)]
                    fee = rnd.choice([FeeKind.FREE, FeeKind.FREE, FeeKind.FIXED, FeeKind.INCOME])
                    svcs.append(
                        Service(
                            id=sid,
                            municipality=m,
                            organization=m_orgs[n % 4],
                            name=name,
                            description=rnd.choice(DESCRIPTIONS),
                            status=ServiceStatus.PUBLISHED if n % 10 else ServiceStatus.DRAFT,
                            fee_kind=fee,
                            fee_amount=None if fee != FeeKind.FIXED else rnd.choice([20, 35, 60]),
                            fee_unit="" if fee == FeeKind.FREE else FeeUnit.HOUR,
                            application_process="Złóż wniosek w centrum usług społecznych.",
                            capacity=rnd.randrange(10, 80),
                            published_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                        )
                    )
                    area_links.append((sid, areas[n % len(areas)].pk))
                    group_links.append((sid, groups[n % len(groups)].pk))
                    served_links.append((sid, m.pk))
                    for k in range(2):
                        lid = uuid.uuid5(ns, f"loc-{m.teryt}-{n}-{k}")
                        locs.append(
                            Location(
                                id=lid,
                                municipality=m,
                                organization=m_orgs[n % 4],
                                name=f"Punkt {n}-{k}",
                                address_1=f"{rnd.choice(STREETS)} {rnd.randrange(1, 120)}",
                                postal_code=f"{rnd.randrange(0, 100):02d}-{rnd.randrange(0, 1000):03d}",
                                city=rnd.choice(CITIES),
                                wheelchair_accessible=rnd.random() < 0.6,
                                latitude=round(49 + rnd.random() * 5, 6),
                                longitude=round(14 + rnd.random() * 10, 6),
                            )
                        )
                        salid = uuid.uuid5(ns, f"sal-{m.teryt}-{n}-{k}")
                        sals.append(ServiceAtLocation(id=salid, service_id=sid, location_id=lid))
                        for day in range(1, 6):
                            scheds.append(
                                Schedule(
                                    id=uuid.uuid5(ns, f"sch-{m.teryt}-{n}-{k}-{day}"),
                                    service_at_location_id=salid,
                                    weekday=day,
                                    opens_at=datetime.time(8),
                                    closes_at=datetime.time(16),
                                )
                            )
            Organization.objects.bulk_create(orgs, ignore_conflicts=True, batch_size=2000)
            Location.objects.bulk_create(locs, ignore_conflicts=True, batch_size=2000)
            Service.objects.bulk_create(svcs, ignore_conflicts=True, batch_size=2000)
            ServiceAtLocation.objects.bulk_create(sals, ignore_conflicts=True, batch_size=2000)
            Schedule.objects.bulk_create(scheds, ignore_conflicts=True, batch_size=5000)
            Service.areas.through.objects.bulk_create(
                [Service.areas.through(service_id=s, taxonomyterm_id=t) for s, t in area_links], ignore_conflicts=True
            )
            Service.target_groups.through.objects.bulk_create(
                [Service.target_groups.through(service_id=s, taxonomyterm_id=t) for s, t in group_links],
                ignore_conflicts=True,
            )
            Service.municipalities_served.through.objects.bulk_create(
                [Service.municipalities_served.through(service_id=s, municipality_id=m) for s, m in served_links],
                ignore_conflicts=True,
            )
            batch = list(
                Service.objects.filter(pk__in=[s.pk for s in svcs])
                .select_related("organization")
                .prefetch_related("areas", "target_groups", "service_at_locations__location")
            )
            for service in batch:
                service.search_document = service_document(service)
            Service.objects.bulk_update(batch, ["search_document"], batch_size=2000)
        public_cache.bump()  # bulk writes send no signals: cached public answers must go stale by hand
        done = min(batch_start + 100, municipalities)
        print(f"  {done}/{municipalities} municipalities, {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"Generated: {Municipality.objects.count()} municipalities, {Service.objects.count()} services, "
        f"{Location.objects.count()} locations, {Schedule.objects.count()} schedules "
        f"in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipalities", type=int, default=2500)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    generate(args.municipalities, args.services, args.seed)
