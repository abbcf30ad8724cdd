"""The residents API: duplicate handling (422 for a taken PESEL, 409 for a likely duplicate), audited reads with the
purpose, validation errors in the project's shape, and no N+1 on the list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.residents.models import AccessPurpose, Person
from cus.residents.tests.factories import MemberFactory, PersonFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/residents"


@pytest.fixture
def key(make_user: Any, token_for: Any) -> str:
    return token_for(make_user(Role.SOCIAL_WORKER, email="sw@cus.example"))


def test_create_then_same_pesel_is_422_naming_the_record(api: Any, key: str) -> None:
    body = {"first_name": "Jan", "last_name": "Kowal", "pesel": "44051401359"}
    created = api("post", f"{BASE}/persons", key, json=body)
    assert created.status_code == 201, created.content
    assert created.json()["birth_date"] == "1944-05-14"
    assert created.json()["sex"] == "M"
    again = api("post", f"{BASE}/persons", key, json={**body, "first_name": "Józef"})
    assert again.status_code == 422
    (error,) = again.json()["detail"]
    assert error["loc"] == ["body", "pesel"]
    assert error["type"] == "pesel_taken"
    assert created.json()["id"] in error["msg"]


def test_bad_pesel_and_negative_income_are_field_errors(api: Any, key: str, municipality: Any) -> None:
    response = api("post", f"{BASE}/persons", key, json={"first_name": "A", "last_name": "B", "pesel": "44051401358"})
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "loc": ["body", "pesel"],
        "msg": response.json()["detail"][0]["msg"],
        "type": "pesel_checksum",
    }
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    response = api(
        "post",
        f"{BASE}/households/{member.household_id}/incomes",
        key,
        json={"member_id": str(member.pk), "month": "2026-09", "net_amount": "-5", "source": "other"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "net_amount"]


def test_likely_duplicate_is_409_until_confirmed(api: Any, key: str, municipality: Any) -> None:
    existing = PersonFactory(municipality=municipality, first_name="Zofia", last_name="Wiśniewska")
    body = {
        "first_name": "Zofia",
        "last_name": "Wisniewska",
        "birth_date": existing.birth_date.isoformat(),
        "sex": "F",
        "document_type": "passport",
        "document_number": "AB123",
        "document_country": "UA",
    }
    response = api("post", f"{BASE}/persons", key, json=body)
    assert response.status_code == 409
    data = response.json()
    assert data["detail"][0]["type"] == "likely_duplicate"
    assert [d["id"] for d in data["duplicates"]] == [str(existing.pk)]
    assert data["duplicates"][0]["url"].endswith(f"/persons/{existing.pk}")
    assert Person.objects.count() == 1
    confirmed = api("post", f"{BASE}/persons", key, json={**body, "confirm_not_duplicate": True})
    assert confirmed.status_code == 201
    assert Person.objects.count() == 2


def test_detail_read_is_audited_with_the_purpose(api: Any, key: str, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality)
    response = api("get", f"{BASE}/persons/{person.pk}?purpose=data_subject_request", key)
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.VIEW, object_id=str(person.pk))
    assert entry.person_id == str(person.pk)
    with translation.override(settings.LANGUAGE_CODE):
        assert entry.purpose == str(AccessPurpose.DATA_SUBJECT_REQUEST.label)
    assert api("get", f"{BASE}/persons/{person.pk}?purpose=gossip", key).status_code == 422


def test_household_income_per_person(api: Any, key: str, municipality: Any) -> None:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    api(
        "post",
        f"{BASE}/households/{member.household_id}/incomes",
        key,
        json={"member_id": str(member.pk), "month": "2026-09", "net_amount": "1234.56", "source": "pension"},
    )
    response = api("get", f"{BASE}/households/{member.household_id}/income?month=2026-09", key)
    assert response.json() == {
        "month": "2026-09",
        "members": 1,
        "total": "1234.56",
        "per_person": "1234.56",
        "single_person": True,
        "members_without_declaration": [],
    }


def test_person_list_search_and_query_count(api: Any, key: str, municipality: Any) -> None:
    for index in range(30):
        PersonFactory(municipality=municipality, last_name=f"Nowak{index:02d}")
    target = PersonFactory(municipality=municipality, last_name="Zieliński", first_name="Adam")
    api("get", f"{BASE}/persons?limit=1", key)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        response = api("get", f"{BASE}/persons?limit=5", key)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as many:
        response = api("get", f"{BASE}/persons?limit=30", key)
    assert len(response.json()["items"]) == 30
    assert len(many) == len(few)
    found = api("get", f"{BASE}/persons?q=ziel", key).json()["items"]
    assert [p["id"] for p in found] == [str(target.pk)]
    assert api("get", f"{BASE}/persons?pesel={target.pesel}", key).json()["count"] == 1
    born = api("get", f"{BASE}/persons?birth_date={target.birth_date.isoformat()}", key).json()["items"]
    assert str(target.pk) in [p["id"] for p in born]


def test_export_is_for_the_director_and_contains_everything(
    api: Any, token_for: Any, director: Any, municipality: Any
) -> None:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    response = api("get", f"{BASE}/persons/{member.person_id}/export", token_for(director))
    assert response.status_code == 200
    data = response.json()
    assert data["person"]["id"] == str(member.person_id)
    assert len(data["households"]) == 1
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, person_id=str(member.person_id)).exists()


def test_administrator_sees_no_residents(api: Any, token_for: Any, administrator: Any, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality)
    key = token_for(administrator)
    assert api("get", f"{BASE}/persons", key).status_code == 403
    assert api("get", f"{BASE}/persons/{person.pk}", key).status_code == 403


def test_birth_date_conflicting_with_pesel_is_taken_from_pesel(api: Any, key: str) -> None:
    body = {"first_name": "Jan", "last_name": "Kowal", "pesel": "44051401359", "birth_date": "2000-01-01"}
    response = api("post", f"{BASE}/persons", key, json=body)
    assert response.json()["birth_date"] == datetime.date(1944, 5, 14).isoformat()
