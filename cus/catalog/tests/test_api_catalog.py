"""The catalog's staff API: the same rules as the screens (drafting, the publish workflow, hours, providers, import)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.accounts.roles import Role
from cus.catalog.models import Service, ServiceAtLocation, ServiceStatus
from cus.catalog.tests.factories import LocationFactory, OrganizationFactory, ServiceFactory, area

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_key(make_user: Any, token_for: Any) -> str:
    return token_for(make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example"))


@pytest.fixture
def coordinator_key(make_user: Any, token_for: Any) -> str:
    return token_for(make_user(Role.IPUS_COORDINATOR, email="koordynator@cus.example"))


@pytest.fixture
def provider(municipality: Any) -> Any:
    return OrganizationFactory(municipality=municipality, name="Fundacja Dobry Dzień", nip="5260250274")


def _create(api: Any, key: str, provider: Any, **extra: Any) -> Any:
    body = {
        "organization_id": str(provider.pk),
        "name": "Klub seniora",
        "description": "Spotkania dla seniorów.",
        "areas": ["04", "09"],
        "required_documents": [{"document": "Dowód osobisty"}],
        **extra,
    }
    return api("post", "/api/v1/catalog/services", key, json=body)


def test_coordinator_drafts_but_cannot_publish_organiser_publishes(
    api: Any, coordinator_key: str, organiser_key: str, provider: Any, municipality: Any
) -> None:
    response = _create(api, coordinator_key, provider)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft"
    assert data["areas"] == ["04", "09"]
    assert data["municipalities_served"] == [municipality.teryt]
    assert data["required_documents"] == [{"document": "Dowód osobisty", "uri": ""}]
    assert data["allowed_transitions"] == ["archived"]
    service_id = data["id"]

    # Publishing without a location or an application process: 422 naming the fields.
    response = api("post", f"/api/v1/catalog/services/{service_id}/status", organiser_key, json={"status": "published"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert {("body", "application_process"), ("body", "service_at_locations")} <= locs

    location = LocationFactory(municipality=municipality, organization=provider)
    response = api(
        "post",
        f"/api/v1/catalog/services/{service_id}/locations",
        coordinator_key,
        json={
            "location_id": str(location.pk),
            "schedules": [{"weekday": d, "opens_at": "08:00", "closes_at": "16:00"} for d in range(1, 6)],
            "exceptions": [{"date": "2026-12-24", "description": "Wigilia"}],
        },
    )
    assert response.status_code == 201, response.content
    assert [s["opens_at"] for s in response.json()["schedules"]] == ["08:00"] * 5
    patch = api(
        "patch", f"/api/v1/catalog/services/{service_id}", coordinator_key, json={"application_process": "Wniosek."}
    )
    assert patch.status_code == 200

    # The coordinator may not publish: 403, the status stays.
    response = api(
        "post", f"/api/v1/catalog/services/{service_id}/status", coordinator_key, json={"status": "published"}
    )
    assert response.status_code == 403
    assert response.json()["detail"][0]["type"] == "permission_denied"
    assert Service.objects.get(pk=service_id).status == ServiceStatus.DRAFT

    response = api("post", f"/api/v1/catalog/services/{service_id}/status", organiser_key, json={"status": "published"})
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert response.json()["published_at"]
    response = api("post", f"/api/v1/catalog/services/{service_id}/status", organiser_key, json={"status": "archived"})
    assert response.json()["status"] == "archived"


def test_create_refuses_unknown_codes_and_foreign_provider(
    api: Any, coordinator_key: str, provider: Any, other_centre: Any
) -> None:
    response = _create(api, coordinator_key, provider, areas=["99"])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "areas"]
    foreign = OrganizationFactory(municipality=other_centre.municipalities.first())
    response = _create(api, coordinator_key, foreign)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "organization_id"]
    response = _create(api, coordinator_key, provider, fee_kind="fixed")
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("body", "fee_amount"), ("body", "fee_unit")}
    assert not Service.objects.exists()


def test_hours_replace_and_remove(api: Any, coordinator_key: str, provider: Any, municipality: Any) -> None:
    service = ServiceFactory(municipality=municipality, organization=provider)
    location = LocationFactory(municipality=municipality, organization=provider)
    created = api(
        "post",
        f"/api/v1/catalog/services/{service.pk}/locations",
        coordinator_key,
        json={"location_id": str(location.pk)},
    ).json()
    url = f"/api/v1/catalog/services/{service.pk}/locations/{created['id']}"
    bad = api(
        "put",
        f"{url}/hours",
        coordinator_key,
        json={"schedules": [{"weekday": 1, "opens_at": "16:00", "closes_at": "08:00"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "schedules"]
    good = api(
        "put",
        f"{url}/hours",
        coordinator_key,
        json={"schedules": [{"weekday": 6, "opens_at": "09:00", "closes_at": "13:00"}]},
    )
    assert good.status_code == 200
    assert good.json()["schedules"][0]["weekday"] == 6
    assert api("delete", url, coordinator_key).status_code == 204
    assert not ServiceAtLocation.objects.filter(service=service).exists()
    assert api("delete", url, coordinator_key).status_code == 404


def test_list_filters_and_query_count(api: Any, organiser_key: str, provider: Any, municipality: Any) -> None:
    ServiceFactory(municipality=municipality, organization=provider, name="Asystent rodziny", areas=[area("02")])
    ServiceFactory(municipality=municipality, organization=provider, name="Pomoc sąsiedzka", status="draft")
    response = api("get", "/api/v1/catalog/services?status=draft", organiser_key)
    assert [s["name"] for s in response.json()["items"]] == ["Pomoc sąsiedzka"]
    response = api("get", "/api/v1/catalog/services?area=02", organiser_key)
    assert [s["name"] for s in response.json()["items"]] == ["Asystent rodziny"]
    response = api("get", "/api/v1/catalog/services?sort=-name", organiser_key)
    assert [s["name"] for s in response.json()["items"]] == ["Pomoc sąsiedzka", "Asystent rodziny"]
    # Free text with the other filters and a sort, through the search engine.
    query = f"q=asystent&area=02&municipality={municipality.teryt}&status=published&provider={provider.pk}"
    response = api("get", f"/api/v1/catalog/services?{query}&sort=-updated", organiser_key)
    assert [s["name"] for s in response.json()["items"]] == ["Asystent rodziny"]
    response = api("get", f"/api/v1/catalog/services?{query.replace('02', '04')}", organiser_key)
    assert response.json()["count"] == 0
    with CaptureQueriesContext(connection) as few:
        api("get", "/api/v1/catalog/services", organiser_key)
    for _ in range(8):
        ServiceFactory(municipality=municipality, organization=OrganizationFactory(municipality=municipality))
    with CaptureQueriesContext(connection) as many:
        response = api("get", "/api/v1/catalog/services", organiser_key)
    assert response.json()["count"] == 10
    assert len(many) == len(few)


def test_providers_and_locations(api: Any, coordinator_key: str, municipality: Any) -> None:
    response = api(
        "post",
        "/api/v1/catalog/providers",
        coordinator_key,
        json={"name": "Fundacja", "description": "Opis", "kind": "ngo", "nip": "1234567890", "krs": "12"},
    )
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("body", "nip"), ("body", "krs")}
    response = api(
        "post",
        "/api/v1/catalog/providers",
        coordinator_key,
        json={"name": "Fundacja", "description": "Opis", "kind": "ngo", "nip": "526-025-02-74"},
    )
    assert response.status_code == 201
    provider = response.json()
    assert provider["nip"] == "5260250274"
    assert provider["municipality"] == municipality.teryt
    response = api("patch", f"/api/v1/catalog/providers/{provider['id']}", coordinator_key, json={"phone": "123"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "phone"]
    response = api(
        "patch", f"/api/v1/catalog/providers/{provider['id']}", coordinator_key, json={"phone": "+48 22 123 45 67"}
    )
    assert response.json()["phone"] == "+48 22 123 45 67"
    assert api("get", "/api/v1/catalog/providers?q=Fundacja", coordinator_key).json()["count"] == 1

    response = api("post", "/api/v1/catalog/locations", coordinator_key, json={"name": "Punkt"})
    assert response.status_code == 422
    response = api(
        "post",
        "/api/v1/catalog/locations",
        coordinator_key,
        json={"name": "Punkt", "address_1": "ul. Polna 1", "postal_code": "00-950", "city": "Testowo"},
    )
    assert response.status_code == 201
    location_id = response.json()["id"]
    assert api("get", f"/api/v1/catalog/locations/{location_id}", coordinator_key).json()["city"] == "Testowo"
    assert api("get", "/api/v1/catalog/locations/not-a-uuid", coordinator_key).status_code == 404


def test_import_dry_run_then_save(api: Any, organiser_key: str, coordinator_key: str, provider: Any) -> None:
    content = (
        "name;description;provider;areas;hours;location_name;location_address;location_postal_code;location_city\n"
        "Klub seniora;Spotkania;5260250274;04;pon-pt 8:00-16:00;Klub;ul. Polna 1;00-950;Testowo\n"
        "Zła usługa;Opis;0000000000;77;;;;;\n"
    ).encode()

    def upload(key: str, **form: Any) -> Any:
        return api(
            "post",
            "/api/v1/catalog/import",
            key,
            data={"file": SimpleUploadedFile("uslugi.csv", content, "text/csv"), **form},
        )

    assert upload(coordinator_key).status_code == 403
    report = upload(organiser_key).json()
    assert report["dry_run"] is True
    assert (report["total"], report["valid"], report["invalid"], report["created"]) == (2, 1, 1, 0)
    assert {e["column"] for e in report["rows"][1]["errors"]} == {"provider", "areas"}
    assert report["rows"][1]["row"] == 3
    assert not Service.objects.exists()

    report = upload(organiser_key, dry_run="false").json()
    assert report["created"] == 0
    assert not Service.objects.exists()

    report = upload(organiser_key, dry_run="false", only_valid="true").json()
    assert report["created"] == 1
    service = Service.objects.get()
    assert service.status == ServiceStatus.DRAFT
    assert service.service_at_locations.get().schedules.count() == 5

    response = api(
        "post",
        "/api/v1/catalog/import",
        organiser_key,
        data={"file": SimpleUploadedFile("uslugi.pdf", b"%PDF", "application/pdf")},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
