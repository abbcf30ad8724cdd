"""Demo programme of social services, built from a demo municipality's catalog services (idempotent)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from cus.catalog.models import Service
from cus.core.models import Municipality
from cus.programme import services
from cus.programme.models import (
    DataCategory,
    DeliveryUnit,
    FundingSource,
    Programme,
    ProgrammeFeeKind,
    ReliefKind,
    RuleKind,
    Track,
)

# Catalog service name (as in cus.catalog.demo) → its row in the programme; rules of that service.
SERVICE_ROWS: list[dict[str, Any]] = [
    {
        "name": "Usługi opiekuńcze w miejscu zamieszkania",
        "planned_participants": 40,
        "unit": DeliveryUnit.HOUR,
        "units_per_participant": Decimal("480"),
        "unit_cost": Decimal("42.50"),
        "fee_kind": ProgrammeFeeKind.INCOME,
        "track": Track.STATUTORY,
        "statutory_basis": "art. 50 ustawy z dnia 12 marca 2004 r. o pomocy społecznej",
        "capacity": 25,
        "rules": [
            {
                "kind": RuleKind.OTHER,
                "text": "Wymaga pomocy innych osób z powodu wieku, choroby lub niepełnosprawności, "
                "a rodzina nie może jej zapewnić.",
            }
        ],
    },
    {
        "name": "Klub Seniora „Pod Lipami”",
        "planned_participants": 60,
        "unit": DeliveryUnit.PARTICIPATION,
        "units_per_participant": Decimal("80"),
        "unit_cost": Decimal("18.00"),
        "fee_kind": ProgrammeFeeKind.FREE,
        "track": Track.PROGRAMME,
        "capacity": 30,
        "rules": [{"kind": RuleKind.AGE, "min_age": 60}],
    },
    {
        "name": "Poradnictwo psychologiczne dla rodzin",
        "planned_participants": 80,
        "unit": DeliveryUnit.VISIT,
        "units_per_participant": Decimal("6"),
        "unit_cost": Decimal("120.00"),
        "fee_kind": ProgrammeFeeKind.FREE,
        "track": Track.PROGRAMME,
        "rules": [{"kind": RuleKind.HOUSEHOLD, "household_type": "family"}],
    },
    {
        "name": "Rehabilitacja ruchowa w domu pacjenta",
        "planned_participants": 30,
        "unit": DeliveryUnit.VISIT,
        "units_per_participant": Decimal("10"),
        "unit_cost": Decimal("150.00"),
        "fee_kind": ProgrammeFeeKind.FIXED,
        "fee_amount": Decimal("60.00"),
        "track": Track.PROGRAMME,
        "capacity": 10,
        "rules": [{"kind": RuleKind.DISABILITY, "min_disability": "moderate"}],
    },
]


def build(municipality: Municipality) -> Programme | None:
    """Create the demo programme in force once; None when it exists or the catalog has none of the services."""
    if Programme.objects.filter(municipality=municipality).exists():
        return None
    catalog = {s.name: s for s in Service.objects.filter(municipality=municipality)}
    rows = [row for row in SERVICE_ROWS if row["name"] in catalog]
    if not rows:
        return None
    service_rows: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = [
        {"service": None, "kind": RuleKind.RESIDENCE},
        {"service": None, "kind": RuleKind.INCOME, "income_percent": Decimal("300")},
    ]
    for row in rows:
        service = catalog[row["name"]]
        fields = {k: v for k, v in row.items() if k not in {"name", "rules"}}
        service_rows.append({"service": service, **fields})
        rules += [{"service": service, **rule} for rule in row["rules"]]
    reliefs: list[dict[str, Any]] = []
    if "Rehabilitacja ruchowa w domu pacjenta" in catalog:
        reliefs.append(
            {
                "service": catalog["Rehabilitacja ruchowa w domu pacjenta"],
                "beneficiaries": "Osoby ze znacznym stopniem niepełnosprawności",
                "kind": ReliefKind.PERCENT,
                "value": Decimal("50"),
                "condition": "Orzeczenie o znacznym stopniu niepełnosprawności",
            }
        )
    reliefs.append(
        {
            "service": None,
            "beneficiaries": "Członkowie rodzin wielodzietnych (Karta Dużej Rodziny)",
            "kind": ReliefKind.PERCENT,
            "value": Decimal("30"),
            "condition": "Ważna Karta Dużej Rodziny",
        }
    )
    programme = services.programme_create(
        actor=None,
        municipality=municipality,
        name="Program usług społecznych „Aktywni i bezpieczni” na lata 2026–2027",
        goal="Wydłużenie samodzielnego życia seniorów i osób z niepełnosprawnościami w ich środowisku oraz "
        "wsparcie rodzin w trudnych sytuacjach.",
        needs_description="Diagnoza potrzeb i potencjału wspólnoty (2025) wskazuje rosnącą liczbę osób powyżej "
        "75. roku życia żyjących samotnie oraz brak wsparcia psychologicznego dla rodzin.",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2027, 12, 31),
        participants_profile="Mieszkańcy gminy: seniorzy, osoby z niepełnosprawnościami i ich rodziny, rodziny "
        "z dziećmi w kryzysie.",
        expected_participants=200,
        qualification_procedure="Wniosek składa się w CUS lub przez portal; kwalifikuje organizator usług "
        "społecznych w ciągu 14 dni. Usługi opiekuńcze przyznaje się w drodze decyzji po rodzinnym wywiadzie "
        "środowiskowym.",
        organisation="Etap I (I kwartał 2026): nabór i kwalifikowanie. Etap II (2026–2027): realizacja usług. "
        "Etap III (I kwartał 2028): ocena i informacja z realizacji programu.",
        monitoring="Kwartalne zestawienia liczby uczestników i godzin usług, ankieta satysfakcji raz w roku, "
        "ocena na podstawie mierników efektywności.",
        documentation="Oświadczenia wnioskodawcy pod rygorem odpowiedzialności karnej; kopia orzeczenia o "
        "niepełnosprawności; Karta Dużej Rodziny do wglądu.",
        fee_rules="Klub seniora i poradnictwo są bezpłatne. Odpłatność za usługi opiekuńcze zależy od dochodu "
        "zgodnie z uchwałą rady gminy wydaną na podstawie art. 50 ust. 6 ustawy o pomocy społecznej. "
        "Rehabilitacja: 60 zł za wizytę.",
        personal_data=[
            DataCategory.IDENTITY,
            DataCategory.CONTACT,
            DataCategory.RESIDENCE,
            DataCategory.HOUSEHOLD,
            DataCategory.INCOME,
            DataCategory.HEALTH,
            DataCategory.DISABILITY,
        ],
        data_safeguards="Dane o zdrowiu i niepełnosprawności przetwarzają wyłącznie upoważnieni pracownicy CUS; "
        "każdy odczyt jest rejestrowany; dokumenty papierowe przechowuje się w zamykanej szafie.",
        services=service_rows,
        rules=rules,
        reliefs=reliefs,
        budget=[
            {"year": 2026, "amount": Decimal("520000.00"), "source": FundingSource.GMINA, "note": ""},
            {"year": 2026, "amount": Decimal("150000.00"), "source": FundingSource.STATE, "note": "Dotacja celowa"},
            {"year": 2027, "amount": Decimal("540000.00"), "source": FundingSource.GMINA, "note": ""},
            {"year": 2027, "amount": Decimal("180000.00"), "source": FundingSource.EU, "note": "FERS"},
        ],
        indicators=[
            {
                "name": "Liczba osób objętych usługami",
                "unit": "osoby",
                "baseline": Decimal("120"),
                "target": Decimal("200"),
            },
            {
                "name": "Odsetek uczestników zadowolonych z usług",
                "unit": "%",
                "baseline": None,
                "target": Decimal("85"),
            },
            {
                "name": "Godziny usług opiekuńczych",
                "unit": "godziny",
                "baseline": Decimal("15000"),
                "target": Decimal("19200"),
            },
        ],
    )
    services.programme_adopt(
        actor=None,
        programme=programme,
        resolution_number="XV/120/2025",
        resolution_date=datetime.date(2025, 11, 27),
        publication_reference="Dz. Urz. Woj. 2025 poz. 12345",
        bip_url="https://bip.przyklad.example/uchwaly/xv-120-2025",
    )
    return services.programme_bring_into_force(actor=None, programme=programme, in_force_from=datetime.date(2026, 1, 1))
