"""Provider and location pages, archive and delete, contact people and phones, change history in the API, and the
small wording rules (age limits, status labels)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cus.accounts.roles import Role
from cus.audit.models import AuditEntry
from cus.catalog import services
from cus.catalog.forms import ServiceForm
from cus.catalog.models import Contact, Location, Organization, ServiceStatus, age_text
from cus.catalog.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from cus.catalog.validators import validate_phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")


@pytest.fixture
def coordinator(make_user: Any) -> Any:
    return make_user(Role.IPUS_COORDINATOR, email="koordynator@cus.example", full_name="Karol Koordynator")


@pytest.fixture
def provider(municipality: Any) -> Any:
    return OrganizationFactory(municipality=municipality, name="Fundacja Dobry Dzień")


@pytest.fixture
def place(municipality: Any, provider: Any) -> Any:
    return LocationFactory(municipality=municipality, organization=provider, name="Świetlica Słoneczna")


def _published(municipality: Any, provider: Any, place: Any, name: str = "Klub seniora") -> Any:
    service = ServiceFactory(municipality=municipality, organization=provider, name=name)
    ServiceAtLocationFactory(service=service, location=place)
    return service


# --- detail pages --------------------------------------------------------------------------------------------------


def test_provider_page_shows_services_locations_contacts_and_history(
    client: Client, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    _published(municipality, provider, place)
    services.contact_create(actor=organiser, owner=provider, name="Anna Kowalska", phone="+48 601 234 567")
    services.organization_update(actor=organiser, organization=provider, phone="22 123 45 67")
    client.force_login(organiser)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/catalog/providers/{provider.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Klub seniora" in html
    assert "Świetlica Słoneczna" in html
    assert "Anna Kowalska" in html
    assert f"/catalog/providers/{provider.pk}/edit/" in html
    changes = [c for row in page.context["history"] for c in row["changes"]]
    assert any(c["after"] == "22 123 45 67" for c in changes)
    assert any("Anna Kowalska" in row["message"] for row in page.context["history"])
    # Referenced: no delete button, the references are named.
    assert page.context["can_delete"] is False
    assert "Klub seniora" in str(page.context["references"])
    assert len(queries) < 30


def test_location_page_lists_services_offered_there(
    client: Client, coordinator: Any, provider: Any, place: Any, municipality: Any
) -> None:
    _published(municipality, provider, place, name="Opieka wytchnieniowa")
    client.force_login(coordinator)
    page = client.get(f"/catalog/locations/{place.pk}/")
    assert page.status_code == 200
    assert "Opieka wytchnieniowa" in page.content.decode()
    assert page.context["can_delete"] is False  # referenced, and coordinators do not delete


def test_lists_link_to_the_detail_pages(client: Client, coordinator: Any, provider: Any, place: Any) -> None:
    client.force_login(coordinator)
    assert f"/catalog/providers/{provider.pk}/" in client.get("/catalog/providers/").content.decode()
    assert f"/catalog/locations/{place.pk}/" in client.get("/catalog/locations/").content.decode()


# --- delete and archive --------------------------------------------------------------------------------------------


def test_an_unused_provider_is_deleted_with_its_contacts_and_audited(
    client: Client, organiser: Any, municipality: Any
) -> None:
    unused = OrganizationFactory(municipality=municipality, name="Fundacja Jednorazowa")
    services.contact_create(actor=organiser, owner=unused, name="Jan Nowak", email="jan@example.org")
    client.force_login(organiser)
    response = client.post(f"/catalog/providers/{unused.pk}/delete/")
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=unused.pk).exists()
    assert not Contact.objects.filter(name="Jan Nowak").exists()
    entry = AuditEntry.objects.get(action="delete", object_type="catalog.organization", object_id=str(unused.pk))
    assert entry.before["name"] == "Fundacja Jednorazowa"
    assert entry.before["contacts"][0]["name"] == "Jan Nowak"


def test_a_referenced_provider_is_not_deleted_and_the_message_names_what_uses_it(
    client: Client, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    _published(municipality, provider, place)
    client.force_login(organiser)
    response = client.post(f"/catalog/providers/{provider.pk}/delete/", follow=True)
    assert Organization.objects.filter(pk=provider.pk).exists()
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Klub seniora" in text
    assert "Świetlica Słoneczna" in text
    assert not AuditEntry.objects.filter(action="delete", object_type="catalog.organization").exists()


def test_coordinator_may_not_delete(client: Client, coordinator: Any, municipality: Any) -> None:
    unused = OrganizationFactory(municipality=municipality)
    client.force_login(coordinator)
    assert client.post(f"/catalog/providers/{unused.pk}/delete/").status_code == 403
    assert Organization.objects.filter(pk=unused.pk).exists()


def test_archive_needs_no_published_service_and_hides_from_choices_and_public(
    *, client: Client, coordinator: Any, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    service = _published(municipality, provider, place)
    client.force_login(coordinator)
    response = client.post(f"/catalog/providers/{provider.pk}/archive/", {"archived": "1"}, follow=True)
    provider.refresh_from_db()
    assert provider.archived_at is None
    assert "Klub seniora" in " ".join(str(m) for m in response.context["messages"])

    services.service_set_status(actor=organiser, service=service, status=ServiceStatus.DRAFT)
    client.post(f"/catalog/providers/{provider.pk}/archive/", {"archived": "1"})
    provider.refresh_from_db()
    assert provider.archived_at is not None
    assert AuditEntry.objects.filter(object_id=str(provider.pk), message="archived").exists()

    # Not offered for a new service; the service that has it keeps it on edit.
    assert provider not in ServiceForm(user=coordinator).fields["organization"].queryset  # type: ignore[attr-defined]
    form = ServiceForm(user=coordinator, instance=service)
    assert provider in form.fields["organization"].queryset  # type: ignore[attr-defined]
    # Cannot be published again while its provider is archived; the public API does not show it.
    with pytest.raises(ValidationError) as refused:
        services.service_set_status(actor=organiser, service=service, status=ServiceStatus.PUBLISHED)
    assert "organization" in refused.value.message_dict
    ids = [o["id"] for o in client.get("/api/hsds/organizations").json()["contents"]]
    assert str(provider.pk) not in ids

    client.post(f"/catalog/providers/{provider.pk}/archive/", {"archived": "0"})
    provider.refresh_from_db()
    assert provider.archived_at is None


def test_an_archived_location_is_not_offered_for_services(
    coordinator: Any, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    services.location_set_archived(actor=coordinator, location=place, archived=True)
    draft = ServiceFactory(municipality=municipality, organization=provider, status=ServiceStatus.DRAFT)
    with pytest.raises(ValidationError) as refused:
        services.service_location_add(actor=coordinator, service=draft, location=place)
    assert "location" in refused.value.message_dict


def test_location_delete_and_archive_rules(
    client: Client, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    _published(municipality, provider, place)
    client.force_login(organiser)
    response = client.post(f"/catalog/locations/{place.pk}/delete/", follow=True)
    assert Location.objects.filter(pk=place.pk).exists()
    assert "Klub seniora" in " ".join(str(m) for m in response.context["messages"])
    response = client.post(f"/catalog/locations/{place.pk}/archive/", {"archived": "1"})
    place.refresh_from_db()
    assert place.archived_at is None  # a published service is offered there
    free = LocationFactory(municipality=municipality, organization=provider)
    assert client.post(f"/catalog/locations/{free.pk}/delete/").status_code == 302
    assert not Location.objects.filter(pk=free.pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_type="catalog.location", object_id=str(free.pk)).exists()


def test_api_delete_and_archive(
    *, api: Any, make_user: Any, token_for: Any, provider: Any, place: Any, municipality: Any
) -> None:
    key = token_for(make_user(Role.SERVICES_ORGANISER, email="o@cus.example"))
    _published(municipality, provider, place)
    response = api("delete", f"/api/v1/catalog/providers/{provider.pk}", key)
    assert response.status_code == 422
    assert "Klub seniora" in response.json()["detail"][0]["msg"]
    response = api("post", f"/api/v1/catalog/providers/{provider.pk}/archive", key, json={"archived": True})
    assert response.status_code == 422
    unused = OrganizationFactory(municipality=municipality)
    response = api("post", f"/api/v1/catalog/providers/{unused.pk}/archive", key, json={"archived": True})
    assert response.status_code == 200
    assert response.json()["archived_at"] is not None
    assert api("delete", f"/api/v1/catalog/providers/{unused.pk}", key).status_code == 204
    free = LocationFactory(municipality=municipality, organization=provider)
    assert api("delete", f"/api/v1/catalog/locations/{free.pk}", key).status_code == 204
    assert api("delete", f"/api/v1/catalog/locations/{place.pk}", key).status_code == 422


# --- contacts and phones -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["+48 22 123 45 67", "601234567", "+48601234567", "22-123-45-67", "0048 601 234 567"]
)
def test_polish_phone_numbers_are_accepted(number: str) -> None:
    validate_phone(number)


@pytest.mark.parametrize("number", ["12345", "+1 555 123 4567", "+48 22 123 45 678", "tel. 22 123", "601 234 56a"])
def test_other_phone_numbers_are_refused(number: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_phone(number)


def test_contact_pages_for_a_location(client: Client, coordinator: Any, place: Any) -> None:
    client.force_login(coordinator)
    url = f"/catalog/locations/{place.pk}/contacts/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Ewa Zielińska", "phone": "22 12", "email": "zla"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "email"}
    assert not Contact.objects.exists()
    response = client.post(url, {"name": "Ewa Zielińska", "title": "kierowniczka", "phone": "+48  601 234 567"})
    assert response.status_code == 302
    contact = Contact.objects.get(location=place)
    assert contact.phone == "+48 601 234 567"
    edit = f"/catalog/locations/{place.pk}/contacts/{contact.pk}/edit/"
    assert client.post(edit, {"name": "Ewa Zielińska", "email": "ewa@example.org"}).status_code == 302
    contact.refresh_from_db()
    assert contact.email == "ewa@example.org"
    assert contact.phone == ""
    page = client.get(f"/catalog/locations/{place.pk}/")
    assert "Ewa Zielińska" in page.content.decode()
    assert client.post(f"/catalog/locations/{place.pk}/contacts/{contact.pk}/delete/").status_code == 302
    assert not Contact.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="catalog.contact", message=f"location:{place.pk}").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["create", "delete", "update"]


def test_a_contact_needs_a_phone_or_an_email(coordinator: Any, provider: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.contact_create(actor=coordinator, owner=provider, name="Bez kontaktu")
    assert "phone" in error.value.message_dict


def test_contact_of_another_owner_is_404(client: Client, coordinator: Any, provider: Any, place: Any) -> None:
    contact = services.contact_create(actor=coordinator, owner=provider, name="Jan", phone="601 234 567")
    client.force_login(coordinator)
    assert client.get(f"/catalog/locations/{place.pk}/contacts/{contact.pk}/edit/").status_code == 404


def test_contacts_through_the_api(api: Any, make_user: Any, token_for: Any, provider: Any, municipality: Any) -> None:
    key = token_for(make_user(Role.IPUS_COORDINATOR, email="k@cus.example"))
    service = ServiceFactory(municipality=municipality, organization=provider)
    base = f"/api/v1/catalog/services/{service.pk}/contacts"
    response = api("post", base, key, json={"name": "Anna", "phone": "123"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "phone"
    response = api("post", base, key, json={"name": "Anna", "phone": "+48 601 234 567", "title": "koordynatorka"})
    assert response.status_code == 201, response.content
    contact_id = response.json()["id"]
    response = api("patch", f"{base}/{contact_id}", key, json={"email": "nie-email"})
    assert response.status_code == 422
    response = api("patch", f"{base}/{contact_id}", key, json={"email": "anna@example.org"})
    assert response.status_code == 200
    assert response.json()["email"] == "anna@example.org"
    assert [c["name"] for c in api("get", base, key).json()] == ["Anna"]
    assert api("delete", f"{base}/{contact_id}", key).status_code == 204
    assert api("get", base, key).json() == []
    # Provider phone in the API is checked the same way.
    response = api("patch", f"/api/v1/catalog/providers/{provider.pk}", key, json={"phone": "555-1234"})
    assert response.status_code == 422


def test_provider_form_checks_the_phone(client: Client, coordinator: Any, provider: Any) -> None:
    client.force_login(coordinator)
    response = client.post(
        f"/catalog/providers/{provider.pk}/edit/",
        {"name": provider.name, "description": provider.description, "kind": provider.kind, "phone": "12 34"},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors


# --- history in the API --------------------------------------------------------------------------------------------


def test_service_history_api_is_paginated_with_labels(
    *, api: Any, make_user: Any, token_for: Any, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    service = _published(municipality, provider, place)
    for number in range(3):
        services.service_update(actor=organiser, service=service, wait_time=f"{number + 1} tygodnie")
    services.service_set_status(actor=organiser, service=service, status=ServiceStatus.DRAFT)
    key = token_for(make_user(Role.SOCIAL_WORKER, email="pracownik@cus.example"))
    response = api("get", f"/api/v1/catalog/services/{service.pk}/history?limit=2", key)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4
    assert len(data["items"]) == 2
    latest = data["items"][0]
    assert latest["action"] == "update"
    with translation.override("pl"):
        labels = {"before": str(ServiceStatus.PUBLISHED.label), "after": str(ServiceStatus.DRAFT.label)}
    assert labels in [{"before": c["before"], "after": c["after"]} for c in latest["changes"]]
    assert labels["before"] != "published"
    assert latest["user"]
    response = api("get", f"/api/v1/catalog/services/{service.pk}/history?limit=2&offset=2", key)
    assert len(response.json()["items"]) == 2


def test_provider_and_location_history_api(
    *, api: Any, make_user: Any, token_for: Any, organiser: Any, provider: Any, place: Any
) -> None:
    services.organization_update(actor=organiser, organization=provider, website="https://dobrydzien.example/")
    services.contact_create(actor=organiser, owner=place, name="Ola", email="ola@example.org")
    key = token_for(make_user(Role.SOCIAL_WORKER, email="pracownik@cus.example"))
    items = api("get", f"/api/v1/catalog/providers/{provider.pk}/history", key).json()["items"]
    assert any(c["after"] == "https://dobrydzien.example/" for item in items for c in item["changes"])
    items = api("get", f"/api/v1/catalog/locations/{place.pk}/history", key).json()["items"]
    assert items[0]["object_type"] == "catalog.contact"


# --- wording -------------------------------------------------------------------------------------------------------


def test_age_texts_use_plural_forms() -> None:
    with translation.override("en"):
        assert age_text(None, None) == "no age limit"
        assert age_text(1, None) == "from 1 year"
        assert age_text(18, 25) == "18–25 years"
    with translation.override("pl"):
        # The Polish catalog (filled later) has three forms; the English source chooses by the number.
        assert age_text(2, None)


def test_service_page_says_no_age_limit_and_shows_status_labels(
    client: Client, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    service = _published(municipality, provider, place)
    services.service_set_status(actor=organiser, service=service, status=ServiceStatus.DRAFT)
    client.force_login(organiser)
    page = client.get(f"/catalog/services/{service.pk}/")
    html = page.content.decode()
    assert "— – —" not in html
    with translation.override("pl"):
        assert page.context["age_text"] == age_text(None, None)
        published = str(ServiceStatus.PUBLISHED.label)
    history = page.context["history"]
    assert any(c["before"] == published for row in history for c in row["changes"])
    assert not any(c["before"] == "published" for row in history for c in row["changes"])


# --- further phone numbers -----------------------------------------------------------------------------------------


def _phones_post(*rows: dict[str, str], initial: int = 0) -> dict[str, str]:
    data = {
        "phones-TOTAL_FORMS": str(len(rows)),
        "phones-INITIAL_FORMS": str(initial),
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name in ("number", "extension", "type", "description"):
            data[f"phones-{index}-{name}"] = row.get(name, "voice" if name == "type" else "")
    return data


def test_further_phones_page_validates_saves_and_records_history(
    client: Client, coordinator: Any, provider: Any
) -> None:
    client.force_login(coordinator)
    url = f"/catalog/providers/{provider.pk}/phones/"
    assert client.get(url).status_code == 200
    response = client.post(url, _phones_post({"number": "22 12"}, {"number": "601 234 567", "extension": "ab"}))
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert not provider.phones.exists()
    response = client.post(
        url,
        _phones_post(
            {"number": "+48 22 123 45 67", "extension": "12", "description": "sekretariat"},
            {"number": "601 234 567", "type": "cell"},
        ),
    )
    assert response.status_code == 302
    assert sorted(provider.phones.values_list("number", flat=True)) == ["+48 22 123 45 67", "601 234 567"]
    page = client.get(f"/catalog/providers/{provider.pk}/")
    assert "sekretariat" in page.content.decode()
    phone_rows = [c for row in page.context["history"] for c in row["changes"] if "601 234 567" in c["after"]]
    assert phone_rows
    response = client.post(url, _phones_post({"number": "601 234 567"}, {"number": "601-234-567"}))
    assert response.status_code == 200
    assert provider.phones.count() == 2


def test_further_phones_api_and_hsds_round_trip(
    api: Any, make_user: Any, token_for: Any, municipality: Any, place: Any
) -> None:
    from cus.catalog.hsds_io import export_catalog, import_hsds
    from cus.catalog.models import Phone
    from cus.catalog.tests.test_hsds_io import validate_document, wipe_catalog

    key = token_for(make_user(Role.IPUS_COORDINATOR, email="k@cus.example"))
    Location.objects.filter(pk=place.pk).update(phone="+48 22 100 20 30")
    place.refresh_from_db()
    base = f"/api/v1/catalog/locations/{place.pk}/phones"
    response = api("put", base, key, json={"phones": [{"number": "555 1234"}]})
    assert response.status_code == 422
    response = api(
        "put",
        base,
        key,
        json={"phones": [{"number": "+48 22 765 43 21", "type": "fax"}, {"number": "601 234 567", "extension": "5"}]},
    )
    assert response.status_code == 200, response.content
    assert {p["type"] for p in response.json()} == {"fax", "voice"}
    assert len(api("get", base, key).json()) == 2

    document = export_catalog(municipality)
    validate_document(document)
    (office,) = [
        loc for org in document["organizations"] for loc in org.get("locations", []) if loc["id"] == str(place.pk)
    ]
    numbers = [p["number"] for p in office["phones"]]
    assert numbers[0] == place.phone  # the main number first
    assert set(numbers[1:]) == {"+48 22 765 43 21", "601 234 567"}
    wipe_catalog()
    report = import_hsds(document, municipality)
    assert report.ok, report.errors
    location = Location.objects.get(pk=place.pk)
    assert location.phone == place.phone
    assert sorted(Phone.objects.filter(location=location).values_list("number", "extension")) == [
        ("+48 22 765 43 21", ""),
        ("601 234 567", "5"),
    ]


def test_only_further_phones_round_trip_without_a_main_number(municipality: Any, provider: Any) -> None:
    from cus.catalog.hsds_io import export_catalog, import_hsds
    from cus.catalog.tests.test_hsds_io import wipe_catalog

    Organization.objects.filter(pk=provider.pk).update(phone="")
    services.phones_set(actor=None, owner=provider, phones=[{"number": "601 234 567", "type": "cell"}])
    document = export_catalog(municipality)
    wipe_catalog()
    assert import_hsds(document, municipality).ok
    restored = Organization.objects.get(pk=provider.pk)
    assert restored.phone == ""
    assert list(restored.phones.values_list("number", "type")) == [("601 234 567", "cell")]


def test_detail_pages_and_history_api_queries_do_not_grow_with_rows(
    *, client: Client, api: Any, token_for: Any, organiser: Any, provider: Any, place: Any, municipality: Any
) -> None:
    def count(url: str, **extra: Any) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **extra).status_code == 200
        return len(queries)

    _published(municipality, provider, place, name="Usługa 0")
    services.contact_create(actor=organiser, owner=provider, name="Osoba 0", email="o0@example.org")
    client.force_login(organiser)
    key = token_for(organiser)
    headers = {"headers": {"Authorization": f"Bearer {key}"}}
    urls = [f"/catalog/providers/{provider.pk}/", f"/catalog/locations/{place.pk}/"]
    before = [count(url) for url in urls]
    count(f"/api/v1/catalog/providers/{provider.pk}/history", **headers)  # the token's first use is recorded once
    history_before = count(f"/api/v1/catalog/providers/{provider.pk}/history", **headers)
    for number in range(1, 6):
        _published(municipality, provider, place=LocationFactory(municipality=municipality, organization=provider))
        ServiceAtLocationFactory(
            service=ServiceFactory(municipality=municipality, organization=provider, name=f"Usługa {number}"),
            location=place,
        )
        services.contact_create(actor=organiser, owner=provider, name=f"Osoba {number}", email=f"o{number}@example.org")
        services.phones_set(actor=organiser, owner=place, phones=[{"number": f"60{number} 234 567"}])
    assert [count(url) for url in urls] == before
    assert count(f"/api/v1/catalog/providers/{provider.pk}/history", **headers) == history_before
