"""Factories for the service catalog, shared by the catalog, portal and HSDS tests (keep additions backwards
compatible: other apps' tests build on these defaults)."""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import factory
from django.utils import timezone

from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    Contact,
    FeeKind,
    Location,
    Organization,
    ProviderKind,
    RequiredDocument,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.core.tests.factories import MunicipalityFactory


def ensure_reference_taxonomies() -> None:
    """Put back the reference taxonomies of migration 0002 (a transactional test, e.g. a browser test, flushes them)."""
    if not TaxonomyTerm.objects.filter(taxonomy_id=AREAS_TAXONOMY_ID).exists():
        from django.apps import apps

        importlib.import_module("cus.catalog.migrations.0002_reference_taxonomies").load(apps, None)


def area(code: str) -> TaxonomyTerm:
    """One of the 14 statutory areas seeded by migration, by its code "01".."14"."""
    ensure_reference_taxonomies()
    return TaxonomyTerm.objects.get(taxonomy_id=AREAS_TAXONOMY_ID, code=code)


def target_group(code: str) -> TaxonomyTerm:
    """A seeded target group by its code, e.g. "seniors"."""
    ensure_reference_taxonomies()
    return TaxonomyTerm.objects.get(taxonomy_id=TARGET_GROUPS_TAXONOMY_ID, code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Stowarzyszenie Pomocy Sąsiedzkiej nr {n}")
    description = "Organizacja pozarządowa działająca na rzecz mieszkańców."
    kind = ProviderKind.NGO
    email = factory.Sequence(lambda n: f"kontakt{n}@organizacja.example")
    phone = "+48 22 100 20 30"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    municipality = factory.SubFactory(MunicipalityFactory)
    organization = factory.SubFactory(OrganizationFactory, municipality=factory.SelfAttribute("..municipality"))
    name = factory.Sequence(lambda n: f"Punkt usług nr {n}")
    address_1 = factory.Sequence(lambda n: f"ul. Kwiatowa {n + 1}")
    postal_code = "00-950"
    city = "Testowo"
    wheelchair_accessible = False


class ServiceFactory(factory.django.DjangoModelFactory):
    """A published service in one area (default: "04" social assistance), served in its own municipality.

    ``areas=[...]``, ``target_groups=[...]`` and ``municipalities_served=[...]`` replace the defaults; the search
    document is refreshed at the end, as the service functions do.
    """

    class Meta:
        model = Service
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    organization = factory.SubFactory(OrganizationFactory, municipality=factory.SelfAttribute("..municipality"))
    name = factory.Sequence(lambda n: f"Usługa testowa {n}")
    description = "Opis usługi dla mieszkańców."
    status = ServiceStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    fee_kind = FeeKind.FREE
    languages = factory.LazyFunction(lambda: ["pl"])

    @factory.post_generation
    def areas(self, create: bool, extracted: list[TaxonomyTerm] | None, **kwargs: Any) -> None:
        if create:
            self.areas.set(extracted if extracted is not None else [area("04")])

    @factory.post_generation
    def target_groups(self, create: bool, extracted: list[TaxonomyTerm] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.target_groups.set(extracted)

    @factory.post_generation
    def municipalities_served(self, create: bool, extracted: list[Any] | None, **kwargs: Any) -> None:
        if create:
            self.municipalities_served.set(extracted if extracted is not None else [self.municipality])

    @factory.post_generation
    def search_document(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            from cus.catalog.services import refresh_search_document

            refresh_search_document(self)


class ServiceAtLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceAtLocation

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(
        LocationFactory,
        municipality=factory.SelfAttribute("..service.municipality"),
        organization=factory.SelfAttribute("..service.organization"),
    )


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    service_at_location = factory.SubFactory(ServiceAtLocationFactory)
    weekday = 1
    opens_at = datetime.time(8, 0)
    closes_at = datetime.time(16, 0)


class ScheduleExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleException

    service_at_location = factory.SubFactory(ServiceAtLocationFactory)
    date = datetime.date(2026, 12, 25)
    closed = True
    description = "Boże Narodzenie"


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    service = factory.SubFactory(ServiceFactory)
    document = "Dowód osobisty"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Osoba kontaktowa {n}")
    email = factory.Sequence(lambda n: f"osoba{n}@cus.example")


def matrix_objects(municipality: Any, organization: Any, location: Any, service: Any) -> dict[str, Any]:
    """Catalog objects the permission matrix needs beside the provider, place and service it builds: a provider
    nothing uses (deletable) and a contact person of each kind of owner."""
    return {
        "free_organization": OrganizationFactory(municipality=municipality),
        "service_contact": ContactFactory(service=service),
        "organization_contact": ContactFactory(service=None, organization=organization),
        "location_contact": ContactFactory(service=None, location=location),
    }
