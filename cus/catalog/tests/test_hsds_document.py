"""The fully nested HSDS service read through ``hsds.PUBLISHED_SERVICE`` (statements compiled once, run by key)
is the same document, built from the same rows in the same order, as through the ORM's prefetches."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from cus.catalog import hsds
from cus.catalog import services as catalog_services
from cus.catalog.models import Contact, Organization, Phone, Service, ServiceStatus
from cus.catalog.tests.factories import (
    ContactFactory,
    LocationFactory,
    RequiredDocumentFactory,
    ScheduleExceptionFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    area,
    target_group,
)
from cus.catalog.tests.hsds_fixtures import build_catalog, validate
from cus.core.prepared import PLACEHOLDER, PreparedGraph, PreparedQuery
from cus.core.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

STATEMENTS = 1 + len(hsds.SERVICE_RELATIONS)


def through_prefetches(service: Service) -> Service:
    return hsds.services_for_output(Service.objects.published().filter(pk=service.pk), full=True).get()


def prepared(service: Service) -> Service:
    with CaptureQueriesContext(connection) as ctx:
        loaded = hsds.PUBLISHED_SERVICE.get(service.pk)
    assert len(ctx.captured_queries) == STATEMENTS
    assert loaded is not None
    return loaded


def document(service: Service) -> dict[str, Any]:
    """The document, checking that building it reads nothing more from the database."""
    with CaptureQueriesContext(connection) as ctx:
        body = hsds.service_full(service)
    assert ctx.captured_queries == []
    return body


@pytest.fixture
def crowded(municipality: Any) -> Service:
    """A published service with ties in every order (same names, days, hours, numbers), a place shared with
    another service, and a place without schedules."""
    service = ServiceFactory(
        municipality=municipality,
        municipalities_served=[municipality, MunicipalityFactory(name="Zalesie"), MunicipalityFactory(name="Abramów")],
        areas=[area("04"), area("01"), area("06")],
        target_groups=[target_group("seniors"), target_group("disability")],
        languages=["pl", "uk", "en"],
        fee_amount=Decimal("12.50"),
    )
    shared = LocationFactory(
        municipality=municipality,
        organization=service.organization,
        name="Dom Dzienny",
        latitude=Decimal("52.123456"),
        longitude=Decimal("21.654321"),
        wheelchair_accessible=True,
    )
    other = ServiceFactory(municipality=municipality, organization=service.organization, status=ServiceStatus.DRAFT)
    ServiceAtLocationFactory(service=other, location=shared)
    for location in (shared, LocationFactory(municipality=municipality, name="Dom Dzienny")):
        sal = ServiceAtLocationFactory(service=service, location=location)
        for day in (24, 31):
            ScheduleFactory(service_at_location=sal, weekday=2, opens_at=datetime.time(9), closes_at=datetime.time(12))
            ScheduleExceptionFactory(service_at_location=sal, date=datetime.date(2026, 12, day))
            ContactFactory(service=None, location=location, name="Recepcja")
            Phone.objects.create(location=location, number="+48 22 100 00 00", type="voice")
    ServiceAtLocationFactory(service=service, location=LocationFactory(municipality=municipality, name="Filia"))
    for _ in range(3):
        RequiredDocumentFactory(service=service, document="Wniosek")
        ContactFactory(service=service, name="Koordynator")
        Phone.objects.create(service=service, number="+48 22 200 00 00", type="voice")
    return Service.objects.get(pk=service.pk)


def test_same_document_as_the_prefetches(municipality: Any, crowded: Service) -> None:
    catalog = build_catalog(municipality)
    bare = ServiceFactory(municipality=municipality, languages=[])  # no place, document, contact or phone
    for service in (catalog["care"], catalog["club_service"], crowded, bare):
        body = document(prepared(service))
        assert body == document(through_prefetches(service))
        validate(body, "compiled/service.json")
    crowded_body = document(prepared(crowded))
    assert len(crowded_body["service_at_locations"]) == 3
    assert len(crowded_body["contacts"]) == 3
    assert len(crowded_body["service_areas"]) == 3
    assert len(crowded_body["attributes"]) == 5
    assert [len(sal.get("schedules", [])) for sal in crowded_body["service_at_locations"]] == [4, 4, 0]


def test_rows_equal_what_the_orm_reads(municipality: Any, crowded: Service) -> None:
    """Values pass the backend's converters: dates, times, date-times, decimals, booleans and UUIDs."""
    loaded = prepared(crowded)
    assert model_to_dict(loaded) == model_to_dict(Service.objects.get(pk=crowded.pk))
    assert loaded.updated_at == Service.objects.get(pk=crowded.pk).updated_at
    assert loaded.organization == crowded.organization
    assert loaded.organization.name == crowded.organization.name
    assert not loaded._state.adding
    assert loaded._state.db == "default"
    for sal in loaded.service_at_locations.all():
        location = type(sal.location).objects.get(pk=sal.location_id)
        assert model_to_dict(sal.location) == model_to_dict(location)
        assert sal.location.municipality.teryt == location.municipality.teryt
        for schedule in sal.schedules.all():
            assert model_to_dict(schedule) == model_to_dict(type(schedule).objects.get(pk=schedule.pk))
        for exception in sal.schedule_exceptions.all():
            assert model_to_dict(exception) == model_to_dict(type(exception).objects.get(pk=exception.pk))
            assert exception.closed is True
    assert isinstance(loaded.fee_amount, Decimal)
    assert isinstance(loaded.pk, uuid.UUID)


def test_a_place_shared_by_two_services_shows_its_contacts_in_both(municipality: Any, crowded: Service) -> None:
    other = Service.objects.filter(service_at_locations__location__name="Dom Dzienny").exclude(pk=crowded.pk).get()
    Service.objects.filter(pk=other.pk).update(status=ServiceStatus.PUBLISHED)
    for service in (crowded, other):
        shared = next(
            sal["location"]
            for sal in document(prepared(service))["service_at_locations"]
            if sal["location"]["name"] == "Dom Dzienny" and sal["location"].get("latitude")
        )
        assert [c["name"] for c in shared["contacts"]] == ["Recepcja", "Recepcja"]
    assert document(prepared(other)) == document(through_prefetches(other))


def test_only_published_services(municipality: Any) -> None:
    catalog = build_catalog(municipality)
    assert hsds.PUBLISHED_SERVICE.get(catalog["draft"].pk) is None
    assert hsds.PUBLISHED_SERVICE.get(uuid.uuid4()) is None
    care = catalog["care"]
    catalog_services.service_set_status(actor=None, service=care, status=ServiceStatus.ARCHIVED)
    assert hsds.PUBLISHED_SERVICE.get(care.pk) is None


def test_a_change_shows_on_the_next_read(municipality: Any) -> None:
    care = build_catalog(municipality)["care"]
    Contact.objects.create(service=care, name="Anna Nowa")
    Contact.objects.filter(service=care, name="Maria Kowalska").delete()
    names = [c["name"] for c in document(prepared(care))["contacts"]]
    assert names == ["Anna Nowa"]


def test_the_endpoint_serves_the_prepared_document(client: Any, municipality: Any, crowded: Service) -> None:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/hsds/services/{crowded.pk}")
    assert response.status_code == 200
    assert response.json() == document(through_prefetches(crowded))
    assert len(ctx.captured_queries) == 1 + STATEMENTS  # the published check and version, then the document


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements are PostgreSQL's")
def test_postgresql_plans_the_statements_once_per_connection(municipality: Any, crowded: Service) -> None:
    def prepared_statements() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    expected = document(through_prefetches(crowded))
    assert document(prepared(crowded)) == expected
    ours = [sql for sql in prepared_statements() if "catalog_" in sql]
    assert len(ours) == STATEMENTS
    assert document(prepared(crowded)) == expected
    assert len([sql for sql in prepared_statements() if "catalog_" in sql]) == STATEMENTS  # reused, not added

    # Behind a pooler that loses them (CUS_DB_PREPARED_STATEMENTS=false: no prepare_threshold), nothing is prepared.
    raw = connection.connection
    threshold = raw.prepare_threshold
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    raw.prepare_threshold = None
    try:
        assert document(prepared(crowded)) == expected
        assert not [sql for sql in prepared_statements() if "catalog_" in sql]
    finally:
        raw.prepare_threshold = threshold


# The mechanism (cus.core.prepared) on its own.


def test_a_prepared_query_runs_for_any_key_with_related_objects_and_annotations(municipality: Any) -> None:
    first = ServiceFactory(municipality=municipality, name="Klub seniora")  # ASCII: SQLite's UPPER is ASCII only
    second = ServiceFactory(municipality=municipality)
    ServiceFactory(municipality=municipality, organization=first.organization, name="Aaa")
    query = PreparedQuery(
        lambda key: (
            Service.objects.filter(organization=key)
            .select_related("organization")
            .annotate(shout=Upper("name"))
            .order_by("name", "pk")
        )
    )
    rows = query.fetch(first.organization_id)
    assert [s.name for s in rows] == ["Aaa", "Klub seniora"]
    assert [s.shout for s in rows] == ["AAA", "KLUB SENIORA"]
    with CaptureQueriesContext(connection) as ctx:
        assert rows[0].organization.name == first.organization.name  # selected with the row
    assert ctx.captured_queries == []
    assert [s.pk for s in query.fetch(second.organization_id)] == [second.pk]
    assert query.fetch(uuid.uuid4()) == []
    assert str(PLACEHOLDER) not in query.sql() and PLACEHOLDER.hex not in query.sql()


@pytest.mark.parametrize(
    "build",
    [
        lambda key: Service.objects.all(),  # the key is not used
        lambda key: Service.objects.filter(pk=key).prefetch_related("areas"),
        lambda key: Service.objects.filter(pk=key).values("name"),
    ],
)
def test_what_cannot_be_prepared_is_refused(build: Any) -> None:
    with pytest.raises(ValueError):
        PreparedQuery(build).fetch(uuid.uuid4())


@pytest.mark.parametrize("path", ["organization", "service_at_locations__location", "areas__children"])
def test_a_graph_takes_only_what_prefetch_would_read(path: str) -> None:
    with pytest.raises(ValueError):
        PreparedGraph(Service.objects.all, [(path, Organization.objects.all())])
