"""Staff screens: the list (search, sort, no N+1), the duplicate warning before saving, audited detail pages with
the purpose, and the access-log panel for the director only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.residents.models import Person
from cus.residents.tests.factories import MemberFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SOCIAL_WORKER, email="sw@cus.example", full_name="Filip Socjalny")


def test_list_query_count_does_not_grow(client: Any, worker: Any, municipality: Any) -> None:
    client.force_login(worker)
    PersonFactory(municipality=municipality)
    with CaptureQueriesContext(connection) as one:
        client.get("/residents/")
    for _i in range(20):
        PersonFactory(municipality=municipality)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/residents/?sort=-birth_date")
    assert response.status_code == 200
    assert len(many) == len(one)


def test_duplicate_warning_then_confirmation(client: Any, worker: Any, municipality: Any) -> None:
    existing = PersonFactory(municipality=municipality, first_name="Zofia", last_name="Wiśniewska")
    client.force_login(worker)
    form = {
        "first_name": "Zofia",
        "last_name": "Wisniewska",
        "birth_date": existing.birth_date.isoformat(),
        "sex": "F",
        "document_type": "passport",
        "document_number": "AB1",
        "document_country": "UA",
        "citizenship": "UA",
    }
    response = client.post("/residents/persons/new/", form)
    assert response.status_code == 200
    assert f"/residents/persons/{existing.pk}/" in response.content.decode()
    assert Person.objects.count() == 1
    # Saving again without ticking the confirmation keeps the warning.
    response = client.post("/residents/persons/new/", {**form, "duplicates_shown": "1"})
    assert Person.objects.count() == 1
    assert "confirm_not_duplicate" in response.context["form"].errors
    response = client.post("/residents/persons/new/", {**form, "duplicates_shown": "1", "confirm_not_duplicate": "on"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_taken_pesel_links_to_the_existing_record(client: Any, worker: Any, municipality: Any) -> None:
    existing = PersonFactory(municipality=municipality)
    client.force_login(worker)
    response = client.post(
        "/residents/persons/new/",
        {"first_name": "Inny", "last_name": "Ktoś", "pesel": existing.pesel, "citizenship": "PL"},
    )
    assert response.status_code == 200
    assert response.context["existing"] == existing
    assert "pesel" in response.context["form"].errors


def test_detail_writes_access_with_purpose_and_panel_only_for_director(
    client: Any, worker: Any, director: Any, municipality: Any
) -> None:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    client.force_login(worker)
    response = client.get(f"/residents/persons/{member.person_id}/?purpose=social_work")
    assert response.status_code == 200
    assert response.context["access_log"] is None
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert entry.person_id == str(member.person_id)
    assert entry.purpose  # the label of "social work" in the installation's language
    client.force_login(director)
    response = client.get(f"/residents/persons/{member.person_id}/")
    log = response.context["access_log"]
    assert any(e.actor_label.startswith("Filip Socjalny") for e in log)


def test_household_page_and_income_form(client: Any, worker: Any, municipality: Any) -> None:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    client.force_login(worker)
    assert client.get(f"/residents/households/{member.household_id}/").status_code == 200
    response = client.post(
        f"/residents/households/{member.household_id}/incomes/new/",
        {
            "member": str(member.pk),
            "month": "2026-08",
            "net_amount": "900.50",
            "source": "pension",
            "declared_on": "2026-09-02",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert member.incomes.get().net_amount == pytest.approx(900.5)


def test_record_pages_post_through_the_services(client: Any, worker: Any, municipality: Any, centre: Any) -> None:
    person = PersonFactory(municipality=municipality)
    other = PersonFactory(municipality=municipality)
    client.force_login(worker)
    base = f"/residents/persons/{person.pk}"
    response = client.post(
        f"{base}/certificates/new/",
        {
            "kind": "degree",
            "degree": "",
            "number": "X/1",
            "issuing_body": "PZON",
            "issued_on": "2025-01-01",
            "permanent": "on",
        },
    )
    assert response.status_code == 200
    assert "degree" in response.context["form"].errors
    response = client.post(
        f"{base}/certificates/new/",
        {
            "kind": "degree",
            "degree": "light",
            "number": "X/1",
            "issuing_body": "PZON",
            "issued_on": "2025-01-01",
            "permanent": "on",
        },
    )
    assert response.status_code == 302
    assert person.certificates.get().status == "permanent"

    assert client.post(f"{base}/consents/new/", {"purpose": "contact_sms", "form": "oral"}).status_code == 302
    consent = person.consents.get()
    assert client.post(f"{base}/consents/{consent.pk}/withdraw/").status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None

    assert client.get(f"{base}/notice/").status_code == 200
    assert client.post(f"{base}/notice/", {"form": "paper"}).status_code == 302
    assert person.acknowledgements.get().notice.version == 1

    response = client.post(f"{base}/household/new/", {"valid_from": "2026-01-01", "notes": ""})
    assert response.status_code == 302
    household = person.memberships.get().household
    response = client.post(
        f"/residents/households/{household.pk}/members/new/",
        {"person": other.pesel, "relation": "spouse", "valid_from": "2026-02-01"},
    )
    assert response.status_code == 302
    member = other.memberships.get()
    response = client.post(f"/residents/households/{household.pk}/members/{member.pk}/end/", {"valid_to": "2026-01-15"})
    member.refresh_from_db()
    assert member.valid_to is None  # before the start: refused, nothing changed
    client.post(f"/residents/households/{household.pk}/members/{member.pk}/end/", {"valid_to": "2026-03-31"})
    member.refresh_from_db()
    assert str(member.valid_to) == "2026-03-31"
    actions = AuditEntry.objects.filter(person_id=str(other.pk)).values_list("action", flat=True)
    assert {"create", "update"} <= set(actions)


def test_export_json_for_director(client: Any, director: Any, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality)
    client.force_login(director)
    response = client.get(f"/residents/persons/{person.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert str(person.pk) in response.content.decode()


def test_director_publishes_a_new_notice_version(client: Any, director: Any, worker: Any, centre: Any) -> None:
    from cus.residents.models import InformationNotice

    client.force_login(worker)
    page = client.get("/residents/notice/")
    assert page.status_code == 200
    assert page.context["form"] is None
    assert client.post("/residents/notice/", {"title": "X", "text": "Y"}).status_code == 403
    client.force_login(director)
    assert client.post("/residents/notice/", {"title": "Klauzula", "text": ""}).status_code == 200
    assert client.post("/residents/notice/", {"title": "Klauzula", "text": "Nowa treść"}).status_code == 302
    assert list(InformationNotice.objects.filter(centre=centre).values_list("version", flat=True)) == [2, 1]


def test_list_in_polish_alphabetical_order(client: Any, worker: Any, municipality: Any) -> None:
    # Binary order would put Łukasiewicz, Śliwa and Żak after Zając, and the lower-case "de" after every capital.
    surnames = ["Żak", "Zając", "Śliwa", "Sikora", "Łukasiewicz", "Lis", "de Vries", "Ćwik", "Cichy"]
    for surname in surnames:
        PersonFactory(municipality=municipality, last_name=surname)
    client.force_login(worker)

    def listed(query: str) -> list[str]:
        response = client.get(f"/residents/{query}")
        assert response.status_code == 200
        return [person.last_name for person in response.context["page"]]

    expected = ["Cichy", "Ćwik", "de Vries", "Lis", "Łukasiewicz", "Sikora", "Śliwa", "Zając", "Żak"]
    assert listed("") == expected
    assert listed("?sort=-name") == expected[::-1]


@pytest.mark.parametrize(
    "case",
    [
        ("en", ["Surname and first name", "Date of birth", "Registered"], ["Data urodzenia"]),
        ("pl", ["Nazwisko i imię", "Data urodzenia", "Zarejestrowano"], ["Date of birth"]),
    ],
)
def test_sort_headers_in_the_pages_language(
    client: Any, worker: Any, municipality: Any, case: tuple[str, list[str], list[str]]
) -> None:
    from django.conf import settings

    language, shown, not_shown = case
    PersonFactory(municipality=municipality)
    client.force_login(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/residents/").content.decode()
    for label in shown:
        assert f">{label}" in html, label
    for label in not_shown:
        assert label not in html, label
