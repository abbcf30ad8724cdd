"""Application screens: the queue (scoped, filtered, no query per row), paper entry, the detail with its access
record, actions with their errors beside the fields, attachments and PDFs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cus.accounts.roles import Role
from cus.audit.models import AuditEntry
from cus.qualification import application_services as services
from cus.qualification.applications import Application, State
from cus.qualification.tests.factories import person_with_income, programme_service_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


def _file(worker: Any, service: Any, person: Any) -> Application:
    return services.file_application(actor=worker, person=person, programme_service=service)[0]


def test_paper_entry_records_the_application(login: Any, worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    person = person_with_income(municipality, incomes=["700"])
    client = login(worker)
    page = client.get("/qualification/applications/new/")
    assert page.status_code == 200
    data = {
        "programme_service": service.pk,
        "person_pesel": "12345678901",
        "applicant_relation": "self",
        "filed_on": timezone.localdate().isoformat(),
        "statements": "Mieszkam w gminie.",
        "priority": "0",
    }
    response = client.post("/qualification/applications/new/", data)
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert not Application.objects.exists()

    data["person_pesel"] = person.pesel
    data["applicant_relation"] = "legal_representative"
    response = client.post("/qualification/applications/new/", data)
    assert response.status_code == 200
    assert "Podaj PESEL przedstawiciela lub opiekuna" in response.content.decode()

    data["applicant_relation"] = "self"
    response = client.post("/qualification/applications/new/", data)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{application.pk}/")
    assert application.statements == [
        "Mieszkam w gminie. Jestem świadomy odpowiedzialności karnej za złożenie fałszywego oświadczenia."
    ]
    assert application.channel == "paper"


def test_detail_records_the_read_and_shows_actions(login: Any, worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    client = login(worker)
    response = client.get(f"/qualification/applications/{application.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert application.reference in html
    assert 'data-action="accept_as_complete"' in html
    assert 'data-action="request_documents"' in html
    assert 'data-action="qualify"' not in html  # not from "submitted"
    assert 'data-action="refuse"' not in html
    access = AuditEntry.objects.filter(action="view", object_id=str(application.pk)).get()
    assert access.purpose == "Rozpatrywanie wniosku"  # stored in the installation's language
    assert access.person_id == str(application.person_id)


def test_actions_through_the_screen_qualify_with_a_fee(login: Any, worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application = _file(worker, service, person_with_income(municipality, incomes=["1500", "300"]))
    client = login(worker)
    base = f"/qualification/applications/{application.pk}/actions"
    assert client.post(f"{base}/accept_as_complete/", {}).status_code == 302
    response = client.post(f"{base}/qualify/", {"qualify-units_per_month": "0"})
    assert response.status_code == 400
    assert 'id="id_qualify-units_per_month_error"' in response.content.decode()
    assert client.post(f"{base}/qualify/", {"qualify-units_per_month": "20"}).status_code == 302
    application.refresh_from_db()
    assert application.state == State.QUALIFIED
    page = client.get(f"/qualification/applications/{application.pk}/").content.decode()
    shown = str(application.fee_per_month)
    assert f'id="fee-per-month">{shown} PLN' in page or f'id="fee-per-month">{shown.replace(".", ",")} PLN' in page
    letter = client.get(f"/qualification/applications/{application.pk}/letters/qualification.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert client.get(f"/qualification/applications/{application.pk}/letters/waiting.pdf").status_code == 404


def test_a_coordinator_cannot_refuse_but_the_organiser_can(
    login: Any, make_user: Any, worker: Any, municipality: Any
) -> None:
    service = programme_service_for(municipality)
    application = services.accept_as_complete(
        actor=worker, application=_file(worker, service, person_with_income(municipality, incomes=["700"]))
    )
    coordinator = make_user(Role.IPUS_COORDINATOR, email="koordynator@cus.example")
    url = f"/qualification/applications/{application.pk}/actions/refuse/"
    assert login(coordinator).post(url, {"refuse-facts": "Brak miejsc."}).status_code == 403
    client = login(worker)
    response = client.post(url, {"refuse-facts": "Osoba nie spełnia warunku wieku."})
    assert response.status_code == 302
    decision = application.decisions.get()
    pdf = client.get(f"/qualification/applications/{application.pk}/decisions/{decision.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_attachment_upload_checks_the_content(
    login: Any, worker: Any, municipality: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    service = programme_service_for(municipality)
    application = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    client = login(worker)
    url = f"/qualification/applications/{application.pk}/attachments/"
    fake = SimpleUploadedFile("skan.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(url, {"attach-file": fake})
    assert response.status_code == 400
    assert "Przyjmowane są tylko pliki PDF, JPEG i PNG." in response.content.decode()
    real = SimpleUploadedFile("skan.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    assert client.post(url, {"attach-file": real, "attach-description": "Zaświadczenie"}).status_code == 302
    attachment = application.attachments.get()
    download = client.get(f"/qualification/applications/{application.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")


def test_queue_filters_and_does_not_query_per_row(login: Any, worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    for _i in range(3):
        _file(worker, service, person_with_income(municipality, incomes=["700"]))
    late = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    services.request_documents(
        actor=worker, application=late, deadline=timezone.localdate() + datetime.timedelta(days=7), documents="PIT"
    )
    Application.objects.filter(pk=late.pk).update(documents_deadline=timezone.localdate() - datetime.timedelta(days=1))
    client = login(worker)
    client.get("/qualification/applications/")
    with CaptureQueriesContext(connection) as few:
        client.get("/qualification/applications/?queue=all")
    for _i in range(5):
        _file(worker, service, person_with_income(municipality, incomes=["700"]))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/qualification/applications/?queue=all&sort=person")
    assert response.status_code == 200
    assert len(many) == len(few)
    overdue = client.get("/qualification/applications/?queue=overdue").content.decode()
    assert late.reference in overdue
    assert overdue.count("/qualification/applications/") >= 1
    new = client.get("/qualification/applications/?queue=new").content.decode()
    assert late.reference not in new


def test_another_centre_sees_nothing(login: Any, worker: Any, municipality: Any, other_centre: Any) -> None:
    from cus.accounts.tests.factories import UserFactory

    service = programme_service_for(municipality)
    application = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    stranger = UserFactory(centre=other_centre, roles=[Role.SERVICES_ORGANISER])
    client = login(stranger)
    assert application.reference not in client.get("/qualification/applications/?queue=all").content.decode()
    assert client.get(f"/qualification/applications/{application.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="denied", object_id=str(application.pk)).exists()
    assert Decimal("0") == Decimal("0")


def test_the_screen_says_to_set_the_appeal_body_before_a_decision(login: Any, worker: Any, municipality: Any) -> None:
    from django.utils import translation
    from django.utils.html import escape
    from django.utils.translation import gettext

    from cus.core.models import Centre

    service = programme_service_for(municipality)
    application = services.accept_as_complete(
        actor=worker, application=_file(worker, service, person_with_income(municipality, incomes=["700"]))
    )
    Centre.objects.filter(pk=application.centre_id).update(appeal_body_name="", appeal_body_address="")
    client = login(worker)
    page = client.get(f"/qualification/applications/{application.pk}/").content.decode()
    with translation.override("pl"):
        warning = gettext(
            "The centre has no appeal body (board of appeal, SKO) set, so no decision can be issued yet: a refusal, "
            "or a grant on the statutory track. The director fills it in on the centre's page (Centre → Edit details)."
        )
        refusal = gettext(
            "The decision cannot be issued: the centre has no appeal body (board of appeal, SKO) set, and the "
            "decision must say where to appeal. Ask the director to fill in the appeal body and its address on the "
            "centre's page (Centre → Edit details), then try again."
        )
    assert warning in page  # {% translate %} does not escape
    url = f"/qualification/applications/{application.pk}/actions/refuse/"
    response = client.post(url, {"refuse-facts": "Osoba nie spełnia warunku wieku."})
    assert response.status_code == 400
    assert escape(refusal) in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.COMPLETE
    assert not application.decisions.exists()


def test_a_long_queue_counts_up_to_the_cap_and_says_more_than(
    login: Any, worker: Any, municipality: Any, monkeypatch: Any
) -> None:
    from cus.qualification import application_views

    monkeypatch.setattr(application_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(application_views, "QUEUE_COUNT_CAP", 4)
    service = programme_service_for(municipality)
    for _i in range(5):
        _file(worker, service, person_with_income(municipality, incomes=["700"]))
    client = login(worker)
    html = client.get("/qualification/applications/?queue=all").content.decode()
    assert "Strona 1 z ponad 2" in html
    assert 'id="pages-capped"' in html
    last = client.get("/qualification/applications/?queue=all&page=2").content.decode()
    assert "Następna" not in last.split('aria-label="Strony"')[1], "no page past the cap"
    monkeypatch.setattr(application_views, "QUEUE_COUNT_CAP", 5)
    exact = client.get("/qualification/applications/?queue=all").content.decode()
    assert "Strona 1 z 3" in exact and 'id="pages-capped"' not in exact
