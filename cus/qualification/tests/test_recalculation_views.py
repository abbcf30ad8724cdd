"""Screens and API of the recalculation of fees: progress (polled while running), the report (sortable, CSV), the
buttons on the criteria and fee table pages, the API and its paging. Assertions use language-independent facts
(attributes, numbers, references, status codes)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cus.accounts.roles import Role
from cus.qualification import recalculation
from cus.qualification.models import RecalculationChange, RecalculationReason, RecalculationRun, RecalculationStatus
from cus.qualification.tests.factories import programme_service_for
from cus.qualification.tests.test_recalculation import declare, manual_run, qualified

pytestmark = pytest.mark.django_db
API = "/api/v1/qualification/recalculations"


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


def test_a_running_run_is_polled_every_two_seconds(worker: Any, municipality: Any, login: Any) -> None:
    (run,) = recalculation.start_recalculation(
        actor=worker, municipalities=[municipality], reason=RecalculationReason.MANUAL
    )
    RecalculationRun.objects.filter(pk=run.pk).update(status=RecalculationStatus.RUNNING, total=8, processed=2)
    client = login(worker)
    page = client.get(reverse("qualification:recalculation_detail", args=[run.pk])).content.decode()
    progress_url = reverse("qualification:recalculation_progress", args=[run.pk])
    assert f'hx-get="{progress_url}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert '<progress id="recalculation-bar-' in page and 'max="8" value="2"' in page
    assert "25 %" in page  # the progress is also given as text
    assert 'role="status"' in page
    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "every 2s" in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    assert "<html" not in fragment.content.decode()


def test_a_finished_run_shows_the_sortable_report_and_stops_polling(
    worker: Any, municipality: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    service = programme_service_for(municipality, capacity=None)
    cheap = qualified(worker, service, ["1000"])
    dear = qualified(worker, service, ["1000"])
    declare(cheap, "1200")
    declare(dear, "3000")
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    assert run.changed == 2
    client = login(worker)
    url = reverse("qualification:recalculation_detail", args=[run.pk])
    page = client.get(url).content.decode()
    assert "every 2s" not in page
    assert cheap.reference in page and dear.reference in page
    ascending = client.get(url, {"sort": "new_fee"}).content.decode()
    descending = client.get(url, {"sort": "-new_fee"}).content.decode()
    assert ascending.index(cheap.reference) < ascending.index(dear.reference)
    assert descending.index(dear.reference) < descending.index(cheap.reference)
    assert 'aria-sort="descending"' in descending
    fragment = client.get(reverse("qualification:recalculation_progress", args=[run.pk]), headers={"HX-Request": "1"})
    assert fragment["HX-Refresh"] == "true"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    declare(cheap, "5000")
    for _i in range(3):
        qualified(worker, service, ["2000"])
    bigger = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("qualification:recalculation_detail", args=[bigger.pk]))
    assert len(more) == len(few)  # no query per row


def test_the_report_is_exported_as_csv(
    worker: Any, municipality: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = qualified(worker, programme_service_for(municipality, capacity=None), ["1000"])
    declare(application, "1200")
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    change = RecalculationChange.objects.get(run=run)
    response = login(worker).get(reverse("qualification:recalculation_csv", args=[run.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][0] == application.reference
    assert rows[1][2:6] == [
        str(change.old_fee_per_unit),
        str(change.new_fee_per_unit),
        str(change.old_fee_per_month),
        str(change.new_fee_per_month),
    ]


def test_the_buttons_start_a_run_for_permitted_roles(
    worker: Any, municipality: Any, make_user: Any, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = qualified(worker, programme_service_for(municipality, capacity=None), ["1000"])
    start = reverse("qualification:recalculation_start")
    specialist = make_user(Role.SPECIALIST, email="specjalista@cus.example")
    client = login(specialist)
    assert start not in client.get(reverse("qualification:criterion_list")).content.decode()
    assert client.post(start).status_code == 403
    login(worker)
    assert start in client.get(reverse("qualification:criterion_list")).content.decode()
    table_page = client.get(reverse("qualification:feetable_detail", args=[application.fee_table_id])).content.decode()
    assert start in table_page
    assert f'name="municipality" value="{municipality.pk}"' in table_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"municipality": municipality.pk, "note": "Korekta dochodów"})
    run = RecalculationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("qualification:recalculation_detail", args=[run.pk])
    run.refresh_from_db()
    assert (run.reason, run.note, run.status, run.total) == ("manual", "Korekta dochodów", "done", 1)
    director = make_user(Role.DIRECTOR, email="dyr@cus.example")
    login(director)
    assert start in client.get(reverse("qualification:criterion_list")).content.decode()
    listing = client.get(reverse("qualification:recalculation_list")).content.decode()
    assert reverse("qualification:recalculation_detail", args=[run.pk]) in listing
    bad = client.post(start, {"municipality": "999999"})
    assert bad.status_code == 400
    assert RecalculationRun.objects.count() == 1


def test_the_api_starts_follows_and_reports(
    worker: Any, municipality: Any, token_for: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    key = token_for(worker)
    service = programme_service_for(municipality, capacity=None)
    applications = [qualified(worker, service, ["1000"]) for _i in range(3)]
    declare(applications[0], "1200")
    declare(applications[1], "1500")
    with django_capture_on_commit_callbacks(execute=True):
        response = api("post", API, key, json={"municipality": municipality.teryt, "note": "API"})
    assert response.status_code == 202, response.content
    (body,) = response.json()
    assert body["status"] == "queued"  # the answer is given before the task runs
    run_url = f"{API}/{body['id']}"
    detail = api("get", run_url, key).json()
    assert detail["status"] == "done"
    assert (detail["total"], detail["processed"], detail["changed"], detail["unchanged"]) == (3, 3, 2, 1)
    assert detail["percent"] == 100
    assert detail["started_by"] == worker.email
    # The report lists the two changed fees; the unchanged one is only counted.
    page = api("get", f"{run_url}/changes?limit=1&sort=-new_fee", key).json()
    assert page["count"] == 2
    assert len(page["items"]) == 1
    first = page["items"][0]
    assert first["reference"] in {applications[0].reference, applications[1].reference}
    assert first["outcome"] == "changed"
    assert Decimal(first["new_fee_per_unit"]) > Decimal(first["old_fee_per_unit"])
    only_changed = api("get", f"{run_url}/changes?outcome=changed&sort=-new_fee", key).json()
    assert only_changed["count"] == 2
    assert only_changed["items"][0]["reference"] == first["reference"]
    fees = [Decimal(item["new_fee_per_month"]) for item in only_changed["items"]]
    assert fees == sorted(fees, reverse=True)
    assert api("get", f"{run_url}/changes?outcome=unchanged", key).json()["count"] == 0
    wrong = api("post", API, key, json={"municipality": "0000000"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"][-1] == "municipality"
    assert api("get", f"{API}/999999", key).status_code == 404
