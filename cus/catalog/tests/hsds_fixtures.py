"""A realistic Polish catalog built through the service functions, and the HSDS 3.0 schema validator (tests only).

The HSDS standard files (unchanged, CC BY-SA 4.0) live in ``standards/hsds-3.0`` in the repository
(``CUS_HSDS_STANDARD`` may point elsewhere). They are required: the tests fail, never skip, without them.
"""

from __future__ import annotations

import datetime
import json
import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cus.catalog import services as catalog_services
from cus.catalog.models import FeeKind, FeeUnit, ProviderKind, Service, ServiceStatus
from cus.catalog.tests.factories import area, target_group
from cus.core.models import Municipality

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
REPO = Path(__file__).resolve().parents[3]
STANDARD = Path(os.environ.get("CUS_HSDS_STANDARD", REPO / "standards" / "hsds-3.0"))


def checksum_nip(first9: str) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11
    assert check != 10, "pick other digits: this prefix has no valid NIP"
    return first9 + str(check)


def checksum_regon9(first8: str) -> str:
    weights = (8, 9, 2, 3, 4, 5, 6, 7)
    return first8 + str(sum(int(d) * w for d, w in zip(first8, weights, strict=True)) % 11 % 10)


NGO_NIP = checksum_nip("525123456")
NGO_REGON = checksum_regon9("14123456")


@cache
def registry() -> Registry:
    """Every schema file under its canonical URL, so that references resolve without the network."""
    assert STANDARD.is_dir(), f"HSDS 3.0 standard files not found in {STANDARD}"
    resources = []
    for folder, prefix in (
        (STANDARD / "schema", SCHEMA_BASE),
        (STANDARD / "schema" / "compiled", SCHEMA_BASE + "compiled/"),
    ):
        for path in sorted(folder.glob("*.json")):
            contents = json.loads(path.read_text(encoding="utf-8"))
            resources.append((prefix + path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(schema: str) -> Draft202012Validator:
    """A validator for ``schema`` (e.g. "compiled/service.json"), checking formats too."""
    return Draft202012Validator(
        {"$ref": SCHEMA_BASE + schema},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


class Counter:
    validated = 0  # HSDS objects validated against a schema
    responses = 0  # HTTP responses of the HSDS API whose bodies were checked


def validate(instance: Any, schema: str) -> None:
    errors = sorted(validator(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    Counter.validated += 1


def example(name: str) -> Any:
    return json.loads((STANDARD / "examples" / name).read_text(encoding="utf-8"))


def build_catalog(municipality: Municipality, *, actor: Any = None) -> dict[str, Any]:
    """Two providers, four places and three services (two published) of Gmina Przykładowa."""
    ngo = catalog_services.organization_create(
        actor=actor,
        municipality=municipality,
        name="Stowarzyszenie „Pomocna Dłoń” w Przykładowie",
        alternate_name="Pomocna Dłoń",
        description="Organizacja pożytku publicznego prowadząca usługi opiekuńcze i klub seniora.",
        kind=ProviderKind.NGO,
        email="biuro@pomocnadlon.example",
        website="https://pomocnadlon.example/",
        phone="+48 22 111 22 33",
        nip=NGO_NIP,
        regon=NGO_REGON,
        krs="0000123456",
        legal_status="stowarzyszenie",
        year_incorporated=2004,
    )
    cus = catalog_services.organization_create(
        actor=actor,
        municipality=municipality,
        name="Centrum Usług Społecznych w Przykładowie",
        description="Gminna jednostka organizacyjna realizująca usługi społeczne.",
        kind=ProviderKind.GMINA_UNIT,
        phone="+48 22 999 00 00",
    )
    # A unit of the centre whose name sorts before it: the import must still create the parent first.
    catalog_services.organization_create(
        actor=actor,
        municipality=municipality,
        name="Centrum Aktywności Lokalnej",
        description="Dział centrum usług społecznych prowadzący klub i kawiarenkę obywatelską.",
        kind=ProviderKind.GMINA_UNIT,
        parent=cus,
    )
    office = catalog_services.location_create(
        actor=actor,
        municipality=municipality,
        organization=ngo,
        name="Biuro stowarzyszenia",
        address_1="ul. Lipowa 5",
        postal_code="05-999",
        city="Przykładowo",
        latitude=Decimal("52.100000"),
        longitude=Decimal("21.000000"),
        wheelchair_accessible=True,
        accessibility="Podjazd dla wózków, pętla indukcyjna w sali obsługi.",
        phone="+48 22 111 22 44",
        transportation="Autobus linii 2, przystanek Lipowa.",
    )
    club = catalog_services.location_create(
        actor=actor,
        municipality=municipality,
        organization=ngo,
        name="Klub Seniora „Pod Lipami”",
        address_1="ul. Parkowa 12",
        address_2="lokal 3",
        postal_code="05-999",
        city="Przykładowo",
        latitude=Decimal("52.120000"),
        longitude=Decimal("21.020000"),
    )
    far = catalog_services.location_create(
        actor=actor,
        municipality=municipality,
        organization=cus,
        name="Punkt konsultacyjny w Zalesiu",
        address_1="Zalesie 1",
        postal_code="05-998",
        city="Zalesie",
        latitude=Decimal("52.600000"),
        longitude=Decimal("21.900000"),
    )
    online = catalog_services.location_create(
        actor=actor,
        municipality=municipality,
        organization=cus,
        name="Poradnictwo online",
        location_type="virtual",
        url="https://cus.przykladowo.example/porady",
    )
    care = catalog_services.service_create(
        actor=actor,
        municipality=municipality,
        organization=ngo,
        areas=[area("04"), area("06")],
        target_groups=[target_group("seniors"), target_group("disability")],
        name="Usługi opiekuńcze w miejscu zamieszkania",
        alternate_name="Opieka domowa",
        description="Pomoc w codziennych czynnościach, opieka higieniczna i zalecona przez lekarza pielęgnacja.",
        url="https://pomocnadlon.example/opieka",
        email="opieka@pomocnadlon.example",
        phone="+48 22 111 22 55",
        eligibility_description="Osoby, które z powodu wieku lub choroby wymagają pomocy innych osób.",
        minimum_age=18,
        fee_kind=FeeKind.INCOME,
        fee_unit=FeeUnit.HOUR,
        fees_description="Odpłatność według uchwały rady gminy, zależna od dochodu.",
        application_process="Wniosek w CUS; pracownik socjalny przeprowadza wywiad środowiskowy.",
        languages=["pl", "uk"],
        wait_time="do 14 dni",
    )
    catalog_services.service_location_add(
        actor=actor,
        service=care,
        location=office,
        description="Przyjmowanie wniosków i koordynacja opiekunek.",
        schedules=[
            {"weekday": day, "opens_at": datetime.time(8), "closes_at": datetime.time(16)} for day in range(1, 6)
        ],
        exceptions=[
            {"date": datetime.date(2026, 12, 24), "closed": True, "description": "Wigilia"},
            {
                "date": datetime.date(2026, 12, 31),
                "closed": False,
                "opens_at": datetime.time(8),
                "closes_at": datetime.time(12),
                "description": "Sylwester — krócej",
            },
        ],
    )
    catalog_services.service_location_add(actor=actor, service=care, location=far)
    catalog_services.required_documents_set(
        actor=actor,
        service=care,
        documents=[
            {"document": "Zaświadczenie lekarskie o stanie zdrowia"},
            {"document": "Oświadczenie o dochodach", "uri": "https://cus.przykladowo.example/wzory/dochody.pdf"},
        ],
    )
    club_service = catalog_services.service_create(
        actor=actor,
        municipality=municipality,
        organization=ngo,
        areas=[area("11")],
        target_groups=[target_group("seniors")],
        name="Klub seniora",
        description="Zajęcia ruchowe, warsztaty i spotkania dla seniorów.",
        fee_kind=FeeKind.FIXED,
        fee_amount=Decimal("20.00"),
        fee_unit=FeeUnit.MONTH,
        application_process="Wystarczy przyjść w godzinach otwarcia.",
        languages=["pl"],
    )
    catalog_services.service_location_add(
        actor=actor,
        service=club_service,
        location=club,
        schedules=[
            {
                "weekday": 3,
                "opens_at": datetime.time(10),
                "closes_at": datetime.time(14, 30),
                "valid_from": datetime.date(2026, 1, 1),
                "valid_to": datetime.date(2026, 12, 31),
                "description": "Zajęcia ruchowe",
            }
        ],
    )
    advice = catalog_services.service_create(
        actor=actor,
        municipality=municipality,
        organization=cus,
        areas=[area("02")],
        name="Poradnictwo rodzinne online",
        description="Konsultacje psychologa dla rodzin.",
        application_process="Zapisy telefoniczne.",
    )
    catalog_services.service_location_add(actor=actor, service=advice, location=online)
    for service in (care, club_service):
        catalog_services.service_set_status(actor=actor, service=service, status=ServiceStatus.PUBLISHED)
    from cus.catalog.models import Contact, Phone

    Contact.objects.create(service=care, name="Maria Kowalska", title="koordynatorka usług", phone="+48 600 100 200")
    Contact.objects.create(organization=ngo, name="Jan Nowak", title="prezes", email="prezes@pomocnadlon.example")
    # A place's contact person and further numbers of a service, a provider and a place (HSDS contact / phone).
    Contact.objects.create(location=office, name="Ewa Zielińska", department="recepcja", phone="+48 22 111 22 66")
    Phone.objects.create(service=care, number="+48 22 111 22 77", type="fax", description="Faks działu usług")
    Phone.objects.create(organization=ngo, number="+48 600 300 400", type="text")
    Phone.objects.create(location=office, number="+48 22 111 22 88", extension="12", type="voice")
    return {
        "ngo": ngo,
        "cus": cus,
        "office": office,
        "club": club,
        "far": far,
        "online": online,
        "care": Service.objects.get(pk=care.pk),
        "club_service": Service.objects.get(pk=club_service.pk),
        "draft": advice,
    }
