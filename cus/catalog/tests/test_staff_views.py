"""The staff catalog screens: lists with filters and sorting, the service form, locations with hours, the publish
workflow by role, providers, and the change history."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cus.accounts.roles import Role
from cus.audit.models import AuditEntry
from cus.catalog.models import Service, ServiceAtLocation, ServiceStatus
from cus.catalog.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    area,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")


@pytest.fixture
def coordinator(make_user: Any) -> Any:
    return make_user(Role.IPUS_COORDINATOR, email="koordynator@cus.example", full_name="Karol Koordynator")


@pytest.fixture
def provider(municipality: Any) -> Any:
    return OrganizationFactory(municipality=municipality, name="Fundacja Dobry Dzień", nip="5260250274")


def _draft(municipality: Any, provider: Any, **kwargs: Any) -> Service:
    kwargs.setdefault("status", ServiceStatus.DRAFT)
    kwargs.setdefault("published_at", None)
    return ServiceFactory(municipality=municipality, organization=provider, **kwargs)


def _service_post(provider: Any, municipality: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "municipality": municipality.pk,
        "organization": provider.pk,
        "name": "Klub seniora",
        "description": "Spotkania i zajęcia dla seniorów.",
        "areas": [area("04").pk, area("09").pk],
        "municipalities_served": [municipality.pk],
        "fee_kind": "fixed",
        "fee_amount": "10.00",
        "fee_unit": "visit",
        "languages": "pl, uk",
        "application_process": "Zgłoszenie telefoniczne.",
        "documents-TOTAL_FORMS": "2",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        "documents-0-document": "Dowód osobisty",
        "documents-0-uri": "",
        "documents-1-document": "",
        "documents-1-uri": "",
    }
    data.update(overrides)
    return data


def test_coordinator_drafts_a_service_with_documents(
    client: Client, coordinator: Any, provider: Any, municipality: Any
) -> None:
    client.force_login(coordinator)
    assert client.get("/catalog/services/new/").status_code == 200
    response = client.post("/catalog/services/new/", _service_post(provider, municipality))
    service = Service.objects.get(name="Klub seniora")
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/services/{service.pk}/"
    assert service.status == ServiceStatus.DRAFT
    assert sorted(service.areas.values_list("code", flat=True)) == ["04", "09"]
    assert service.languages == ["pl", "uk"]
    assert list(service.required_documents.values_list("document", flat=True)) == ["Dowód osobisty"]
    assert AuditEntry.objects.filter(object_type="catalog.service", object_id=str(service.pk)).exists()


def test_service_form_errors_beside_fields_and_in_the_summary_nothing_saved(
    client: Client, coordinator: Any, provider: Any, municipality: Any
) -> None:
    client.force_login(coordinator)
    data = _service_post(provider, municipality, areas=[], fee_amount="", languages="polski")
    response = client.post("/catalog/services/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "areas" in form.errors
    assert "fee_amount" in form.errors
    assert "languages" in form.errors
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "invalid-feedback" in html
    assert not Service.objects.filter(name="Klub seniora").exists()


def test_a_failing_document_row_leaves_no_service_behind(
    client: Client, coordinator: Any, provider: Any, municipality: Any
) -> None:
    client.force_login(coordinator)
    data = _service_post(provider, municipality, **{"documents-0-uri": "not a url"})
    response = client.post("/catalog/services/new/", data)
    assert response.status_code == 200
    assert not Service.objects.filter(name="Klub seniora").exists()


def test_coordinator_cannot_publish_organiser_publishes(
    client: Client, coordinator: Any, organiser: Any, provider: Any, municipality: Any
) -> None:
    service = _draft(municipality, provider, application_process="Wniosek w CUS.")
    ServiceAtLocationFactory(service=service)
    client.force_login(coordinator)
    page = client.get(f"/catalog/services/{service.pk}/")
    assert [t["status"] for t in page.context["transitions"]] == [ServiceStatus.ARCHIVED]
    assert b'value="published"' not in page.content
    response = client.post(f"/catalog/services/{service.pk}/status/", {"status": "published"})
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.status == ServiceStatus.DRAFT

    client.force_login(organiser)
    page = client.get(f"/catalog/services/{service.pk}/")
    assert b'value="published"' in page.content
    response = client.post(f"/catalog/services/{service.pk}/status/", {"status": "published"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == ServiceStatus.PUBLISHED
    assert service.published_at is not None


def test_publishing_without_location_or_application_process_shows_why(
    client: Client, organiser: Any, provider: Any, municipality: Any
) -> None:
    from django.conf import settings

    service = _draft(municipality, provider)
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(f"/catalog/services/{service.pk}/status/", {"status": "published"}, follow=True)
    text = response.content.decode()
    assert "Add at least one location before publishing." in text
    assert "Describe how to apply before publishing." in text
    service.refresh_from_db()
    assert service.status == ServiceStatus.DRAFT


@pytest.mark.parametrize(
    "case",
    [
        ("en", ["Name", "Last change", "Publish"], ["Ostatnia zmiana", "Opublikuj"]),
        ("pl", ["Nazwa", "Ostatnia zmiana", "Opublikuj"], ["Last change"]),
    ],
)
def test_sort_headers_and_workflow_buttons_in_the_pages_language(
    client: Client,
    organiser: Any,
    provider: Any,
    municipality: Any,
    case: tuple[str, list[str], list[str]],
) -> None:
    from django.conf import settings

    language, shown, not_shown = case
    service = _draft(municipality, provider)
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/catalog/").content.decode() + client.get(f"/catalog/services/{service.pk}/").content.decode()
    for label in shown:
        assert label in html, label
    for label in not_shown:
        assert label not in html, label


def test_areas_named_in_the_pages_language(client: Client, organiser: Any, provider: Any, municipality: Any) -> None:
    from django.conf import settings

    service = _draft(municipality, provider)
    service.areas.set([area("04")])
    client.force_login(organiser)
    pages = ("/catalog/", f"/catalog/services/{service.pk}/", f"/catalog/services/{service.pk}/edit/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for path in pages:
        html = client.get(path).content.decode()
        assert "Social assistance" in html, path
        assert "Pomoc społeczna" not in html, path
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    for path in pages:
        assert "Pomoc społeczna" in client.get(path).content.decode(), path


def test_add_location_with_weekly_hours_and_holiday(
    client: Client, coordinator: Any, provider: Any, municipality: Any
) -> None:
    service = _draft(municipality, provider)
    location = LocationFactory(municipality=municipality, organization=provider, name="Dom Dziennego Pobytu")
    client.force_login(coordinator)
    assert client.get(f"/catalog/services/{service.pk}/locations/new/").status_code == 200
    data = {
        "location": location.pk,
        "description": "",
        "hours-TOTAL_FORMS": "3",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "1",
        "hours-0-opens_at": "08:00",
        "hours-0-closes_at": "16:00",
        "hours-1-weekday": "2",
        "hours-1-opens_at": "08:00",
        "hours-1-closes_at": "16:00",
        "hours-2-weekday": "",
        "hours-2-opens_at": "",
        "hours-2-closes_at": "",
        "exceptions-TOTAL_FORMS": "1",
        "exceptions-INITIAL_FORMS": "0",
        "exceptions-0-date": "2026-12-24",
        "exceptions-0-closed": "on",
        "exceptions-0-description": "Wigilia",
    }
    response = client.post(f"/catalog/services/{service.pk}/locations/new/", data)
    assert response.status_code == 302
    sal = ServiceAtLocation.objects.get(service=service)
    assert [s.weekday for s in sal.schedules.all()] == [1, 2]
    assert sal.schedule_exceptions.get().description == "Wigilia"

    # Hours: the closing time before the opening time is refused beside the field; nothing changes.
    edit = {
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "3",
        "hours-0-opens_at": "16:00",
        "hours-0-closes_at": "08:00",
        "exceptions-TOTAL_FORMS": "0",
        "exceptions-INITIAL_FORMS": "0",
    }
    response = client.post(f"/catalog/services/{service.pk}/locations/{sal.pk}/hours/", edit)
    assert response.status_code == 200
    assert response.context["hours"].forms[0].errors
    assert sal.schedules.count() == 2

    edit["hours-0-opens_at"], edit["hours-0-closes_at"] = "09:00", "13:00"
    response = client.post(f"/catalog/services/{service.pk}/locations/{sal.pk}/hours/", edit)
    assert response.status_code == 302
    assert [(s.weekday, f"{s.opens_at:%H:%M}") for s in sal.schedules.all()] == [(3, "09:00")]
    assert not sal.schedule_exceptions.exists()

    page = client.get(f"/catalog/services/{service.pk}/")
    history = page.context["history"]
    assert any(row["entry"].object_type == "catalog.serviceatlocation" for row in history)
    hours_change = next(c for row in history for c in row["changes"] if "09:00–13:00" in c["after"])
    assert hours_change["before"].count("08:00–16:00") == 2
    assert "Wigilia" in hours_change["before"]

    response = client.post(f"/catalog/services/{service.pk}/locations/{sal.pk}/remove/")
    assert response.status_code == 302
    assert not ServiceAtLocation.objects.filter(pk=sal.pk).exists()
    page = client.get(f"/catalog/services/{service.pk}/")
    assert any(row["entry"].action == "delete" for row in page.context["history"])


def test_history_shows_changed_fields_readably(
    client: Client, coordinator: Any, provider: Any, municipality: Any
) -> None:
    client.force_login(coordinator)
    client.post("/catalog/services/new/", _service_post(provider, municipality))
    service = Service.objects.get(name="Klub seniora")
    data = _service_post(provider, municipality, name="Klub seniora „Złota jesień”")
    data["documents-TOTAL_FORMS"] = "1"
    response = client.post(f"/catalog/services/{service.pk}/edit/", data)
    assert response.status_code == 302
    page = client.get(f"/catalog/services/{service.pk}/")
    changes = [c for row in page.context["history"] for c in row["changes"]]
    assert {"before": "Klub seniora", "after": "Klub seniora „Złota jesień”"} in [
        {"before": c["before"], "after": c["after"]} for c in changes
    ]
    assert "Klub seniora → Klub seniora „Złota jesień”" in page.content.decode()


def test_list_filters_search_and_sorting(client: Client, organiser: Any, provider: Any, municipality: Any) -> None:
    other_provider = OrganizationFactory(municipality=municipality, name="Caritas")
    ServiceFactory(municipality=municipality, organization=provider, name="Asystent rodziny", areas=[area("02")])
    ServiceFactory(
        municipality=municipality, organization=other_provider, name="Pomoc sąsiedzka", status=ServiceStatus.DRAFT
    )
    ServiceFactory(municipality=municipality, organization=provider, name="Opieka wytchnieniowa")
    client.force_login(organiser)

    def names(query: str) -> list[str]:
        response = client.get(f"/catalog/{query}")
        assert response.status_code == 200
        return [s.name for s in response.context["page"]]

    assert names("") == ["Asystent rodziny", "Opieka wytchnieniowa", "Pomoc sąsiedzka"]
    assert names("?sort=-name") == ["Pomoc sąsiedzka", "Opieka wytchnieniowa", "Asystent rodziny"]
    assert names("?status=draft") == ["Pomoc sąsiedzka"]
    assert names("?area=02") == ["Asystent rodziny"]
    assert names(f"?organization={other_provider.pk}") == ["Pomoc sąsiedzka"]
    assert names(f"?municipality={municipality.teryt}") == [
        "Asystent rodziny",
        "Opieka wytchnieniowa",
        "Pomoc sąsiedzka",
    ]
    assert names("?q=wytchnieniowa") == ["Opieka wytchnieniowa"]
    response = client.get("/catalog/?sort=-name")
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert "?sort=name" in html


def test_list_sorted_by_name_in_polish_alphabetical_order(
    client: Client, organiser: Any, provider: Any, municipality: Any
) -> None:
    for name in ("Żłobek", "Zajęcia klubowe", "Świetlica", "Szkolenia", "Łaźnia", "Lekcje", "asystent osobisty"):
        ServiceFactory(municipality=municipality, organization=provider, name=name)
    client.force_login(organiser)
    expected = ["asystent osobisty", "Lekcje", "Łaźnia", "Szkolenia", "Świetlica", "Zajęcia klubowe", "Żłobek"]
    assert [s.name for s in client.get("/catalog/").context["page"]] == expected
    assert [s.name for s in client.get("/catalog/?sort=-name").context["page"]] == expected[::-1]


def test_list_shows_only_the_users_municipalities(
    client: Client, organiser: Any, provider: Any, municipality: Any, other_centre: Any
) -> None:
    ServiceFactory(municipality=municipality, organization=provider, name="Nasza usługa")
    ServiceFactory(municipality=other_centre.municipalities.first(), name="Cudza usługa")
    client.force_login(organiser)
    response = client.get("/catalog/")
    assert [s.name for s in response.context["page"]] == ["Nasza usługa"]


def test_list_query_count_does_not_grow_with_services(
    client: Client, organiser: Any, provider: Any, municipality: Any
) -> None:
    client.force_login(organiser)
    ServiceFactory(municipality=municipality, organization=provider)
    client.get("/catalog/")
    with CaptureQueriesContext(connection) as few:
        client.get("/catalog/")
    for _ in range(10):
        ServiceFactory(municipality=municipality, organization=OrganizationFactory(municipality=municipality))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/catalog/")
    assert len(response.context["page"]) == 11
    assert len(many) == len(few)


def test_provider_form_shows_nip_regon_krs_errors_per_field(
    client: Client, coordinator: Any, municipality: Any
) -> None:
    client.force_login(coordinator)
    data = {
        "municipality": municipality.pk,
        "name": "Fundacja",
        "description": "Opis",
        "kind": "ngo",
        "nip": "1234567890",
        "regon": "123",
        "krs": "abc",
    }
    response = client.post("/catalog/providers/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"nip", "regon", "krs"} <= set(errors)
    data.update(nip="526-025-02-74", regon="", krs="")
    response = client.post("/catalog/providers/new/", data)
    assert response.status_code == 302
    from cus.catalog.models import Organization

    organization = Organization.objects.get(name="Fundacja")
    assert organization.nip == "5260250274"
    response = client.post(f"/catalog/providers/{organization.pk}/edit/", {**data, "name": "Fundacja Nowa"})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Fundacja Nowa"


def test_location_form_requires_address_for_a_physical_place(
    client: Client, coordinator: Any, municipality: Any
) -> None:
    client.force_login(coordinator)
    data = {"municipality": municipality.pk, "name": "Punkt", "location_type": "physical", "postal_code": "00950"}
    response = client.post("/catalog/locations/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"address_1", "postal_code", "city"} <= set(errors)
    data.update(address_1="ul. Polna 3", postal_code="00-950", city="Testowo")
    response = client.post("/catalog/locations/new/", data)
    assert response.status_code == 302
    assert client.get("/catalog/locations/").context["page"][0].name == "Punkt"


def test_navigation_has_the_catalog_for_centre_staff(client: Client, make_user: Any) -> None:
    client.force_login(make_user(Role.SOCIAL_WORKER))
    assert "/catalog/" in [item["url"] for item in client.get("/").context["nav_items"]]
    client.force_login(make_user(Role.PROVIDER_STAFF, email="realizator@cus.example"))
    assert "/catalog/" not in [item["url"] for item in client.get("/").context["nav_items"]]


def test_free_text_keeps_the_search_order_unless_a_column_is_sorted(
    client: Client, organiser: Any, provider: Any, municipality: Any
) -> None:
    ServiceFactory(municipality=municipality, organization=provider, name="Asystent rodziny")
    ServiceFactory(
        municipality=municipality, organization=provider, name="Zajęcia", description="Asystent prowadzi zajęcia."
    )
    client.force_login(organiser)
    response = client.get("/catalog/?q=asystent")
    names = [s.name for s in response.context["page"]]
    assert sorted(names) == ["Asystent rodziny", "Zajęcia"]
    assert 'aria-sort="ascending"' not in response.content.decode()
    response = client.get("/catalog/?q=asystent&sort=-name")
    assert [s.name for s in response.context["page"]] == ["Zajęcia", "Asystent rodziny"]
    # A stale provider id drops only that filter.
    response = client.get("/catalog/?q=asystent&organization=not-an-id&status=published")
    assert len(response.context["page"]) == 2
