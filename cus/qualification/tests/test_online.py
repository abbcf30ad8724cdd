"""Online applications from the portal (no account) and the status check by tracking code and PESEL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from cus.qualification.applications import LIABILITY_CLAUSE, Application
from cus.qualification.tests.factories import programme_service_for
from cus.residents.models import Person
from cus.residents.tests.factories import PersonFactory, new_pesel

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(municipality: Any, centre: Any) -> Any:
    from cus.catalog.models import ServiceStatus

    offer = programme_service_for(municipality)
    offer.service.status = ServiceStatus.PUBLISHED
    offer.service.save()
    from cus.programme.models import EligibilityRule

    EligibilityRule.objects.create(programme=offer.programme, kind="age", min_age=60)
    return offer


def _data(pesel: str, **extra: Any) -> dict[str, Any]:
    return {
        "applicant_relation": "self",
        "pesel": pesel,
        "first_name": "Halina",
        "last_name": "Wiśniewska",
        "street": "ul. Polna",
        "building": "3",
        "postal_code": "05-999",
        "town": "Przykładowo",
        "email": "halina@example.com",
        "condition_0": "on",
        "truth": "on",
        "notice": "on",
        **extra,
    }


def test_portal_service_page_links_to_the_online_application(client: Any, offer: Any) -> None:
    page = client.get(f"/uslugi/{offer.service.pk}/")
    assert page.status_code == 200
    assert f"/uslugi/wnioski/nowy/{offer.pk}/" in page.content.decode()


def test_apply_online_and_check_the_status(client: Any, offer: Any, django_capture_on_commit_callbacks: Any) -> None:
    import datetime

    pesel = new_pesel(datetime.date(1950, 3, 4))
    form = client.get(f"/uslugi/wnioski/nowy/{offer.pk}/")
    assert form.status_code == 200
    assert LIABILITY_CLAUSE in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/uslugi/wnioski/nowy/{offer.pk}/",
            {**_data(pesel), "attachment_1": SimpleUploadedFile("skan.pdf", b"%PDF-1.4\n%x\n")},
        )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.channel == "online"
    assert application.person.pesel == pesel
    assert application.attachments.count() == 1
    assert all(s.endswith(LIABILITY_CLAUSE) for s in application.statements)
    assert len(application.statements) == 2
    (message,) = mail.outbox
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", message.body).group(0)  # type: ignore[union-attr]
    assert code not in application.tracking_code_hash
    confirmation = client.get(response["Location"]).content.decode()
    assert code in confirmation and application.reference in confirmation
    assert client.get(response["Location"]).status_code == 302  # shown once

    wrong_code = client.post("/uslugi/wnioski/status/", {"code": "AAAA-BBBB-CCCC", "pesel": pesel})
    wrong_pesel = client.post("/uslugi/wnioski/status/", {"code": code, "pesel": "44051401458"})
    assert wrong_code.status_code == wrong_pesel.status_code == 404
    assert "Nie znaleziono wniosku dla podanego kodu i numeru PESEL." in wrong_code.content.decode()
    assert "Nie znaleziono wniosku dla podanego kodu i numeru PESEL." in wrong_pesel.content.decode()
    found = client.post("/uslugi/wnioski/status/", {"code": code.lower(), "pesel": pesel})
    html = found.content.decode()
    assert found.status_code == 200
    assert 'id="status-result"' in html and "Złożony" in html
    assert "Wiśniewska" not in html and application.reference not in html  # only the state and dates


def test_a_wrong_attachment_saves_nothing(client: Any, offer: Any) -> None:
    import datetime

    pesel = new_pesel(datetime.date(1951, 5, 6))
    response = client.post(
        f"/uslugi/wnioski/nowy/{offer.pk}/",
        {**_data(pesel), "attachment_1": SimpleUploadedFile("wirus.pdf", b"MZ\x90\x00")},
    )
    assert response.status_code == 400
    assert "Przyjmowane są tylko pliki PDF, JPEG i PNG." in response.content.decode()
    assert not Application.objects.exists()
    assert not Person.objects.filter(pesel=pesel).exists()


def test_an_existing_person_is_not_changed_from_the_portal(client: Any, offer: Any, municipality: Any) -> None:
    person = PersonFactory(municipality=municipality, first_name="Zofia")
    response = client.post(f"/uslugi/wnioski/nowy/{offer.pk}/", _data(person.pesel))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Zofia"
    application = Application.objects.get()
    assert application.person == person
    assert application.events.filter(action="note", note__contains="Halina Wiśniewska").exists()


def test_status_checks_are_rate_limited(client: Any, offer: Any) -> None:
    guess = {"code": "AAAA-BBBB-CCCC", "pesel": "44051401458"}
    for _i in range(10):
        assert client.post("/uslugi/wnioski/status/", guess).status_code == 404
    blocked = client.post("/uslugi/wnioski/status/", guess)
    assert blocked.status_code == 429
    assert "Zbyt wiele prób" in blocked.content.decode()


def _file_online(client: Any, offer: Any, pesel: str, capture: Any) -> str:
    with capture(execute=True):
        response = client.post(f"/uslugi/wnioski/nowy/{offer.pk}/", _data(pesel))
    assert response.status_code == 302
    return re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]


def test_the_status_limit_is_shared_by_processes_and_reveals_nothing(
    client: Any, offer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    from cus.core.models import RateLimitCounter

    pesel = new_pesel(datetime.date(1950, 3, 4))
    code = _file_online(client, offer, pesel, django_capture_on_commit_callbacks)
    right = {"code": code, "pesel": pesel}
    guess = {"code": "AAAA-BBBB-CCCC", "pesel": pesel}
    for _i in range(10):
        assert client.post("/uslugi/wnioski/status/", guess).status_code == 404
    # Another gunicorn worker (or the same one after a restart) has an empty memory cache: the count is not there.
    cache.clear()
    refused_guess = client.post("/uslugi/wnioski/status/", guess)
    refused_right = client.post("/uslugi/wnioski/status/", right)
    assert refused_guess.status_code == refused_right.status_code == 429
    # The right code and PESEL get the very same refusal: nothing tells that they matched.
    assert 'id="status-result"' not in refused_right.content.decode()
    assert "Zbyt wiele prób" in refused_right.content.decode()
    strip = re.compile(r'(value|nonce)="[^"]*"')
    assert strip.sub("", refused_guess.content.decode()) == strip.sub("", refused_right.content.decode())
    (counter,) = RateLimitCounter.objects.filter(key__startswith="qualification:status:")
    assert counter.attempts == 12
    assert "127.0.0.1" not in counter.key  # the address is stored only as a keyed hash

    # Another address has its own allowance.
    other = client.post("/uslugi/wnioski/status/", right, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200 and 'id="status-result"' in other.content.decode()

    # When the window has ended, the address may try again; ended windows of others are purged.
    RateLimitCounter.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    again = client.post("/uslugi/wnioski/status/", right)
    assert again.status_code == 200 and 'id="status-result"' in again.content.decode()
    (counter,) = RateLimitCounter.objects.all()
    assert counter.attempts == 1


def test_online_applications_are_limited_per_address(client: Any, offer: Any) -> None:
    from cus.core.models import RateLimitCounter

    for _i in range(5):
        assert client.post(f"/uslugi/wnioski/nowy/{offer.pk}/", {}).status_code == 400
    blocked = client.post(f"/uslugi/wnioski/nowy/{offer.pk}/", {})
    assert blocked.status_code == 429
    assert RateLimitCounter.objects.get(key__startswith="qualification:apply:").attempts == 6
    assert not RateLimitCounter.objects.filter(key__startswith="qualification:status:").exists()


def test_missing_statement_is_refused(client: Any, offer: Any) -> None:
    import datetime

    data = _data(new_pesel(datetime.date(1952, 1, 1)))
    del data["condition_0"]
    response = client.post(f"/uslugi/wnioski/nowy/{offer.pk}/", data)
    assert response.status_code == 400
    assert 'id="id_condition_0_error"' in response.content.decode()
    assert not Application.objects.exists()


def test_a_programme_not_in_force_takes_no_applications(client: Any, offer: Any) -> None:
    offer.programme.status = "closed"
    offer.programme.save()
    assert client.get(f"/uslugi/wnioski/nowy/{offer.pk}/").status_code == 404
