"""The cached public HSDS service: served from the cache while nothing changes, never stale after any write."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cus.catalog import public_cache
from cus.catalog import services as catalog_services
from cus.catalog.models import Contact, Service, ServiceStatus
from cus.catalog.tests.factories import area
from cus.catalog.tests.hsds_fixtures import build_catalog, validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(municipality: Any) -> Service:
    return build_catalog(municipality)["care"]


def detail(client: Client, service: Service) -> dict[str, Any]:
    response = client.get(f"/api/hsds/services/{service.pk}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    validate(body, "compiled/service.json")
    return body


def queries(client: Client, service: Service) -> int:
    with CaptureQueriesContext(connection) as ctx:
        detail(client, service)
    return len(ctx.captured_queries)


def test_second_read_is_one_query_and_identical(client: Client, care: Service) -> None:
    first = client.get(f"/api/hsds/services/{care.pk}").content
    assert queries(client, care) == 1  # the published check and the catalog version, in one statement
    assert client.get(f"/api/hsds/services/{care.pk}").content == first


def test_every_kind_of_write_shows_at_once(client: Client, care: Service, municipality: Any) -> None:
    detail(client, care)
    version = public_cache.current()

    # A write to a related row that leaves the service's own row untouched.
    catalog_services.organization_update(actor=None, organization=care.organization, name="Nowa nazwa stowarzyszenia")
    assert detail(client, care)["organization"]["name"] == "Nowa nazwa stowarzyszenia"
    assert public_cache.current() > version  # type: ignore[operator]

    place = care.service_at_locations.order_by("location__name").first()
    assert place is not None
    catalog_services.service_location_set_hours(
        actor=None,
        service_at_location=place,
        schedules=[{"weekday": 6, "opens_at": datetime.time(9, 0), "closes_at": datetime.time(13, 0)}],
    )
    schedules = next(s for s in detail(client, care)["service_at_locations"] if s["id"] == str(place.pk))["schedules"]
    assert [(s["byday"], s["opens_at"]) for s in schedules if "dtstart" not in s] == [("SA", "09:00")]

    assert detail(client, care)["contacts"]
    Contact.objects.filter(service=care).delete()  # a queryset delete still sends post_delete per row
    assert "contacts" not in detail(client, care)  # empty lists are left out

    care.areas.add(area("07"))  # many-to-many
    assert any(a["taxonomy_term"]["code"] == "07" for a in detail(client, care)["attributes"])

    municipality.name = "Przykładowo Nowe"  # the served area's name comes from the municipality
    municipality.save()
    assert "Przykładowo Nowe" in {a["name"] for a in detail(client, care)["service_areas"]}


def test_archive_and_publish_again(client: Client, care: Service) -> None:
    detail(client, care)
    catalog_services.service_set_status(actor=None, service=care, status=ServiceStatus.ARCHIVED)
    assert client.get(f"/api/hsds/services/{care.pk}").status_code == 404
    care.refresh_from_db()
    catalog_services.service_set_status(actor=None, service=care, status=ServiceStatus.DRAFT)
    care.refresh_from_db()
    catalog_services.service_set_status(actor=None, service=care, status=ServiceStatus.PUBLISHED)
    assert detail(client, care)["status"] == "active"


def test_a_rolled_back_write_changes_nothing(client: Client, care: Service) -> None:
    before = client.get(f"/api/hsds/services/{care.pk}").content
    version = public_cache.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_services.organization_update(actor=None, organization=care.organization, name="Wycofana zmiana")
        raise RuntimeError
    assert public_cache.current() == version
    assert client.get(f"/api/hsds/services/{care.pk}").content == before


def test_writes_without_signals_call_bump(client: Client, care: Service) -> None:
    """``QuerySet.update()`` sends no signal: such a writer bumps the version itself (see public_cache)."""
    detail(client, care)
    Service.objects.filter(pk=care.pk).update(wait_time="Do 3 dni")
    public_cache.bump()
    assert detail(client, care)["wait_time"] == "Do 3 dni"


def test_without_the_counter_row_nothing_is_cached(client: Client, care: Service) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {public_cache.TABLE}")  # noqa: S608
    assert public_cache.current() is None
    detail(client, care)
    assert queries(client, care) > 1
    Contact.objects.filter(service=care).delete()
    assert "contacts" not in detail(client, care)  # empty lists are left out
