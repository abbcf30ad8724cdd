"""Demo catalog of the fictional municipalities: providers, places and services a resident would recognise."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from cus.catalog import services
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    FeeKind,
    FeeUnit,
    LocationType,
    Organization,
    ProviderKind,
    Service,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.core.models import Municipality

WEEKDAYS_8_16 = [{"weekday": d, "opens_at": datetime.time(8), "closes_at": datetime.time(16)} for d in range(1, 6)]

PROVIDERS: list[dict[str, Any]] = [
    {
        "key": "cus",
        "name": "Centrum Usług Społecznych w Przykładowie",
        "kind": ProviderKind.GMINA_UNIT,
        "description": "Gminna jednostka organizacyjna realizująca usługi społeczne i zadania pomocy społecznej.",
        "phone": "+48 22 100 20 30",
        "email": "sekretariat@cus.przykladowa.example",
    },
    {
        "key": "ngo",
        "name": "Stowarzyszenie Razem dla Seniorów",
        "kind": ProviderKind.NGO,
        "description": "Organizacja pożytku publicznego prowadząca klub seniora i wolontariat sąsiedzki.",
        "nip": "5260250995",
        "krs": "0000123456",
        "phone": "+48 22 111 22 33",
    },
    {
        "key": "health",
        "name": "Przychodnia Zdrowia Rodzinnego „Zdrowie”",
        "kind": ProviderKind.HEALTH,
        "description": "Podmiot leczniczy: poradnia rodzinna, profilaktyka i rehabilitacja.",
        "phone": "+48 22 333 44 55",
    },
]

LOCATIONS: list[dict[str, Any]] = [
    {
        "key": "cus",
        "provider": "cus",
        "name": "Siedziba CUS",
        "address_1": "ul. Słoneczna 12",
        "postal_code": "05-999",
        "city": "Przykładowo",
        "wheelchair_accessible": True,
        "accessibility": "Wejście bez progów, winda, toaleta dla osób z niepełnosprawnościami, pętla indukcyjna.",
        "latitude": Decimal("52.100000"),
        "longitude": Decimal("21.100000"),
    },
    {
        "key": "club",
        "provider": "ngo",
        "name": "Klub Seniora „Pod Lipami”",
        "address_1": "ul. Lipowa 5",
        "postal_code": "05-999",
        "city": "Przykładowo",
        "wheelchair_accessible": False,
        "accessibility": "Dwa schody przy wejściu; pomoc wolontariusza na prośbę.",
        "latitude": Decimal("52.104000"),
        "longitude": Decimal("21.094000"),
    },
    {
        "key": "clinic",
        "provider": "health",
        "name": "Przychodnia „Zdrowie”",
        "address_1": "ul. Zdrowa 1",
        "postal_code": "05-998",
        "city": "Przykładowo",
        "wheelchair_accessible": True,
        "accessibility": "Parter, podjazd dla wózków.",
    },
]

SERVICES: list[dict[str, Any]] = [
    {
        "name": "Usługi opiekuńcze w miejscu zamieszkania",
        "provider": "cus",
        "location": "cus",
        "areas": ["04", "06"],
        "groups": ["seniors", "disability"],
        "description": "Pomoc w codziennych czynnościach, opieka higieniczna i kontakt z otoczeniem dla osób, "
        "które z powodu wieku, choroby lub niepełnosprawności wymagają pomocy innych osób.",
        "eligibility_description": "Osoby samotne lub w rodzinie, która nie może zapewnić opieki.",
        "fee_kind": FeeKind.INCOME,
        "fee_unit": FeeUnit.HOUR,
        "fees_description": "Odpłatność zależy od dochodu na osobę w stosunku do kryterium dochodowego; "
        "bezpłatnie do 100% kryterium.",
        "application_process": "Złóż wniosek w CUS lub przez portal. Pracownik socjalny przeprowadzi rodzinny "
        "wywiad środowiskowy, a decyzję wyda dyrektor.",
        "documents": ["Wniosek o przyznanie usług opiekuńczych", "Zaświadczenie lekarskie o stanie zdrowia"],
        "capacity": 40,
    },
    {
        "name": "Klub Seniora „Pod Lipami”",
        "provider": "ngo",
        "location": "club",
        "areas": ["09", "11"],
        "groups": ["seniors"],
        "description": "Spotkania, zajęcia ruchowe, warsztaty komputerowe i wycieczki dla seniorów.",
        "minimum_age": 60,
        "fee_kind": FeeKind.FREE,
        "application_process": "Wystarczy przyjść w godzinach otwarcia; przy pierwszej wizycie wypełnia się "
        "krótką deklarację uczestnictwa.",
        "capacity": 30,
    },
    {
        "name": "Poradnictwo psychologiczne dla rodzin",
        "provider": "cus",
        "location": "cus",
        "areas": ["02"],
        "groups": ["families", "children", "youth"],
        "description": "Konsultacje psychologa dla rodziców, dzieci i młodzieży w trudnych sytuacjach życiowych.",
        "fee_kind": FeeKind.FREE,
        "application_process": "Umów się telefonicznie lub osobiście w sekretariacie CUS.",
    },
    {
        "name": "Rehabilitacja ruchowa w domu pacjenta",
        "provider": "health",
        "location": "clinic",
        "areas": ["05", "06"],
        "groups": ["disability", "seniors"],
        "description": "Zabiegi fizjoterapeuty w domu osoby, która nie może dojechać do przychodni.",
        "fee_kind": FeeKind.FIXED,
        "fee_amount": Decimal("60.00"),
        "fee_unit": FeeUnit.VISIT,
        "application_process": "Potrzebne skierowanie lekarza; zgłoszenie w rejestracji przychodni.",
        "documents": ["Skierowanie od lekarza"],
    },
]


def build(municipality: Municipality) -> int:
    """Create the demo catalog once; returns the number of services created."""
    if Organization.objects.filter(municipality=municipality).exists():
        return 0
    terms: dict[tuple[object, str], TaxonomyTerm] = {
        (t.taxonomy_id, t.code): t
        for t in TaxonomyTerm.objects.filter(taxonomy_id__in=[AREAS_TAXONOMY_ID, TARGET_GROUPS_TAXONOMY_ID])
    }
    providers = {}
    for spec in PROVIDERS:
        fields = {k: v for k, v in spec.items() if k != "key"}
        providers[spec["key"]] = services.organization_create(actor=None, municipality=municipality, **fields)
    # Contact people and further numbers of the centre (fictional people, numbers of the demo exchange).
    services.contact_create(
        actor=None,
        owner=providers["cus"],
        name="Anna Nowicka",
        title="organizatorka usług społecznych",
        department="Dział usług społecznych",
        phone="+48 22 100 20 31",
        email="uslugi@cus.przykladowa.example",
    )
    services.phones_set(
        actor=None,
        owner=providers["cus"],
        phones=[
            {"number": "+48 22 100 20 39", "type": "fax", "description": "sekretariat"},
            {"number": "+48 601 100 200", "type": "text", "description": "SMS dla osób głuchych"},
        ],
    )
    locations = {}
    for spec in LOCATIONS:
        fields = {k: v for k, v in spec.items() if k not in {"key", "provider"}}
        locations[spec["key"]] = services.location_create(
            actor=None,
            municipality=municipality,
            organization=providers[spec["provider"]],
            location_type=LocationType.PHYSICAL,
            **fields,
        )
    for spec in SERVICES:
        fields = {k: v for k, v in spec.items() if k not in {"provider", "location", "areas", "groups", "documents"}}
        service = services.service_create(
            actor=None,
            municipality=municipality,
            organization=providers[spec["provider"]],
            areas=[terms[(AREAS_TAXONOMY_ID, code)] for code in spec["areas"]],
            target_groups=[terms[(TARGET_GROUPS_TAXONOMY_ID, code)] for code in spec.get("groups", [])],
            **fields,
        )
        services.service_location_add(
            actor=None,
            service=service,
            location=locations[spec["location"]],
            schedules=WEEKDAYS_8_16,
            exceptions=[
                {"date": datetime.date(2026, 12, 24), "closed": True, "description": "Wigilia"},
                {"date": datetime.date(2026, 12, 25), "closed": True, "description": "Boże Narodzenie"},
            ],
        )
        if spec.get("documents"):
            services.required_documents_set(
                actor=None, service=service, documents=[{"document": d} for d in spec["documents"]]
            )
        services.service_set_status(actor=None, service=service, status=ServiceStatus.PUBLISHED)
    return Service.objects.filter(municipality=municipality).count()
