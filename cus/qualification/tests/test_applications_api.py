"""The staff API of applications: the same services and rules as the screens, the project's error shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.accounts.roles import Role
from cus.audit.models import AuditEntry
from cus.qualification import application_services as services
from cus.qualification.applications import LIABILITY_CLAUSE, Application
from cus.qualification.tests.factories import person_with_income, programme_service_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/qualification/applications"


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


@pytest.fixture
def key(worker: Any, token_for: Any) -> str:
    return token_for(worker)


def test_file_act_and_read_through_the_api(api: Any, key: str, municipality: Any) -> None:
    service = programme_service_for(municipality)
    person = person_with_income(municipality, incomes=["1500", "300"])
    response = api(
        "post",
        BASE,
        key,
        json={"programme_service_id": service.pk, "person_id": str(person.pk), "statements": ["Mieszkam w gminie."]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("CUS.4011.")
    assert body["statements"] == [f"Mieszkam w gminie. {LIABILITY_CLAUSE}"]
    assert body["allowed_actions"] == ["accept_as_complete", "request_documents", "withdraw"]
    pk = body["id"]

    wrong = api("post", f"{BASE}/{pk}/actions/qualify", key, json={"units_per_month": "20"})
    assert wrong.status_code == 422
    (error,) = wrong.json()["detail"]
    assert error["loc"] == ["body", "state"] and error["type"] == "transition"

    missing = api("post", f"{BASE}/{pk}/actions/request_documents", key, json={})
    assert missing.status_code == 422
    assert {tuple(e["loc"]) for e in missing.json()["detail"]} == {("body", "deadline"), ("body", "documents")}

    assert api("post", f"{BASE}/{pk}/actions/accept_as_complete", key, json={}).status_code == 200
    done = api("post", f"{BASE}/{pk}/actions/qualify", key, json={"units_per_month": "20"})
    assert done.status_code == 200
    result = done.json()
    assert result["state"] == "qualified"
    assert Decimal(result["income_per_person"]) == Decimal("900.00")
    assert result["fee_band"] == "100–150 %"
    assert result["letters"] == ["qualification"]
    assert [e["action"] for e in result["events"]] == ["file", "accept_as_complete", "qualify"]

    detail = api("get", f"{BASE}/{pk}", key)
    assert detail.status_code == 200
    assert AuditEntry.objects.filter(action="view", object_id=pk, purpose="Handling an application").exists()
    letter = api("get", f"{BASE}/{pk}/letters/qualification.pdf", key)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")


def test_errors_have_the_project_shape(api: Any, key: str, make_user: Any, token_for: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application, _code = services.file_application(
        actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=service
    )
    unknown = api("post", BASE, key, json={"programme_service_id": 999999, "person_id": str(application.person_id)})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "programme_service_id"]
    assert api("get", f"{BASE}/not-a-uuid", key).status_code == 404
    bad_action = api("post", f"{BASE}/{application.pk}/actions/fly", key, json={})
    assert bad_action.status_code == 422
    coordinator_key = token_for(make_user(Role.IPUS_COORDINATOR, email="k@cus.example"))
    services.accept_as_complete(actor=None, application=application)
    refused = api("post", f"{BASE}/{application.pk}/actions/refuse", coordinator_key, json={"facts": "Nie."})
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["type"] == "permission_denied"
    community = token_for(make_user(Role.COMMUNITY_ORGANISER, email="c@cus.example"))
    assert api("get", BASE, community).status_code == 403
    assert api("get", BASE).status_code == 401


def test_attachment_upload_is_checked(client: Any, key: str, municipality: Any, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VAR_DIR = tmp_path
    service = programme_service_for(municipality)
    application, _code = services.file_application(
        actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=service
    )
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{BASE}/{application.pk}/attachments"
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"GIF89a....")}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "file"]
    good = client.post(
        url, {"file": SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0 jpeg"), "description": "Skan"}, headers=headers
    )
    assert good.status_code == 201, good.content
    assert good.json()["content_type"] == "image/jpeg"


def test_the_list_does_not_query_per_row(api: Any, key: str, municipality: Any) -> None:
    service = programme_service_for(municipality)
    for _i in range(2):
        services.file_application(
            actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=service
        )
    api("get", BASE, key)
    with CaptureQueriesContext(connection) as few:
        assert api("get", f"{BASE}?queue=all", key).json()["count"] == 2
    for _i in range(4):
        services.file_application(
            actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=service
        )
    with CaptureQueriesContext(connection) as many:
        assert api("get", f"{BASE}?queue=all", key).json()["count"] == 6
    assert len(many) == len(few)
    assert Application.objects.count() == 6


def test_no_decision_without_the_appeal_body_is_a_422(api: Any, key: str, municipality: Any) -> None:
    from cus.core.models import Centre

    service = programme_service_for(municipality)
    application, _code = services.file_application(
        actor=None, person=person_with_income(municipality, incomes=["700"]), programme_service=service
    )
    services.accept_as_complete(actor=None, application=application)
    Centre.objects.filter(pk=application.centre_id).update(appeal_body_name="", appeal_body_address="")
    refused = api("post", f"{BASE}/{application.pk}/actions/refuse", key, json={"facts": "Brak przesłanek."})
    assert refused.status_code == 422
    (error,) = refused.json()["detail"]
    assert error["loc"] == ["body", "appeal_body"] and error["type"] == "appeal_body_missing"
    application.refresh_from_db()
    assert application.state == "complete"
    assert not application.decisions.exists()
