"""Staff screens of programmes and what the public portal shows of programmes in force."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.catalog.models import ServiceStatus
from cus.catalog.tests.factories import ServiceFactory
from cus.core.tests.factories import MunicipalityFactory
from cus.programme.models import EligibilityRule, Programme, ProgrammeStatus
from cus.programme.tests.factories import make_programme

pytestmark = pytest.mark.django_db

SECTIONS = ("services", "rules", "reliefs", "budget", "indicators")


def _form_data(service: Any | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "municipality": str(service.municipality_id) if service is not None else "",
        "name": "Program „Bezpieczny Senior”",
        "goal": "Cel programu",
        "needs_description": "Potrzeby",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "participants_profile": "Seniorzy",
        "expected_participants": "30",
        "organisation": "Etapy",
        "monitoring": "Monitoring",
    }
    for name in SECTIONS:
        data.update({f"{name}-TOTAL_FORMS": "1", f"{name}-INITIAL_FORMS": "0", f"{name}-MAX_NUM_FORMS": "100"})
    if service is not None:
        data.update(
            {
                "services-0-service": str(service.pk),
                "services-0-planned_participants": "10",
                "services-0-unit": "visit",
                "services-0-units_per_participant": "4",
                "services-0-unit_cost": "50.00",
                "services-0-fee_kind": "free",
                "services-0-track": "programme",
                "rules-0-service": "",
                "rules-0-kind": "age",
                "rules-0-min_age": "65",
                "budget-0-year": "2026",
                "budget-0-amount": "2000.00",
                "budget-0-source": "gmina",
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER)


@pytest.fixture
def service(municipality: Any) -> Any:
    return ServiceFactory(municipality=municipality, name="Klub Seniora")


def test_list_query_count_does_not_grow_with_programmes(
    client: Client, organiser: Any, municipality: Any, service: Any, django_assert_max_num_queries: Any
) -> None:
    for index in range(3):
        make_programme(municipality, service, name=f"Program {index}")
    client.force_login(organiser)
    with django_assert_max_num_queries(20) as captured:
        client.get("/programme/")
    few = len(captured.captured_queries)  # counted at once: the next capture empties the query log
    for index in range(3, 15):
        make_programme(municipality, service, name=f"Program {index}")
    with django_assert_max_num_queries(few):
        response = client.get("/programme/?sort=budget")
    assert response.status_code == 200
    assert response.content.count(b'href="/programme/') >= 15


def test_list_filters_by_status_and_hides_other_municipalities(
    client: Client, organiser: Any, municipality: Any, service: Any
) -> None:
    make_programme(municipality, service, name="Szkic programu")
    make_programme(municipality, service, name="Program w mocy", status=ProgrammeStatus.IN_FORCE)
    make_programme(MunicipalityFactory(), None, name="Program obcej gminy")
    client.force_login(organiser)
    page = client.get("/programme/").content.decode()
    assert "Szkic programu" in page and "Program w mocy" in page
    assert "Program obcej gminy" not in page
    page = client.get("/programme/?status=in_force").content.decode()
    assert "Program w mocy" in page and "Szkic programu" not in page


def test_create_from_the_form_with_a_service_rule_and_budget(client: Client, organiser: Any, service: Any) -> None:
    client.force_login(organiser)
    assert client.get("/programme/new/").status_code == 200
    response = client.post("/programme/new/", _form_data(service))
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/programme/{programme.pk}/"
    assert programme.programme_services.get().service == service
    assert programme.rules.get().min_age == 65
    assert AuditEntry.objects.filter(object_type="programme.programme", action=AuditAction.CREATE).exists()


def test_form_errors_appear_and_nothing_is_saved(client: Client, organiser: Any, service: Any) -> None:
    client.force_login(organiser)
    response = client.post(
        "/programme/new/", _form_data(service, **{"end_date": "2025-01-01", "budget-0-year": "2030"})
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"]
    response = client.post("/programme/new/", _form_data(service, **{"budget-0-year": "2030"}))
    assert response.status_code == 200
    assert "2030" in " ".join(response.context["form"].non_field_errors())
    assert not Programme.objects.exists()


def test_detail_shows_every_section_with_costs_and_the_report_deadline(
    client: Client, organiser: Any, municipality: Any, service: Any
) -> None:
    programme = make_programme(municipality, service, status=ProgrammeStatus.IN_FORCE)
    EligibilityRule.objects.create(programme=programme, kind="income", income_percent=150)
    client.force_login(organiser)
    response = client.get(f"/programme/{programme.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.context["budget"].planned_cost == response.context["budget"].total
    assert "9,000.00" in page or "9000.00" in page or "9 000,00" in page
    assert "Income per person at most 150% of the social assistance income criterion." in page
    assert response.context["report_due"] == datetime.date(2028, 4, 30)
    assert "Close the programme" in page


def test_edit_prefills_the_sections_and_saves_changes(
    client: Client, organiser: Any, municipality: Any, service: Any
) -> None:
    client.force_login(organiser)
    client.post("/programme/new/", _form_data(service))
    programme = Programme.objects.get()
    response = client.get(f"/programme/{programme.pk}/edit/")
    services_formset = response.context["sections"][0]["formset"]
    assert services_formset.initial[0]["service"] == service
    data = _form_data(service, name="Nowa nazwa")
    data["services-0-planned_participants"] = "12"
    response = client.post(f"/programme/{programme.pk}/edit/", data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Nowa nazwa"
    assert programme.programme_services.get().planned_participants == 12


def test_transition_pages_adopt_and_refuse_what_is_missing(client: Client, organiser: Any, municipality: Any) -> None:
    programme = make_programme(municipality, None)
    client.force_login(organiser)
    response = client.post(f"/programme/{programme.pk}/status/adopt/", {"resolution_number": "", "resolution_date": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["resolution_number"]
    response = client.post(
        f"/programme/{programme.pk}/status/adopt/",
        {"resolution_number": "XII/85/2025", "resolution_date": "2025-11-27", "publication_reference": "Dz. Urz."},
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ADOPTED
    response = client.post(
        f"/programme/{programme.pk}/status/bring_into_force/", {"in_force_from": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get(f"/programme/{programme.pk}/status/unknown/").status_code == 404


def test_a_coordinator_sees_programmes_but_no_buttons_to_change_them(
    client: Client, make_user: Any, municipality: Any, service: Any
) -> None:
    programme = make_programme(municipality, service)
    client.force_login(make_user(Role.IPUS_COORDINATOR))
    response = client.get(f"/programme/{programme.pk}/")
    assert response.status_code == 200
    assert response.context["transitions"] == []
    assert not response.context["can_change"]
    assert client.get(f"/programme/{programme.pk}/edit/").status_code == 403


# --- the public portal ------------------------------------------------------------------------------------------


@pytest.fixture
def published(municipality: Any) -> Any:
    return ServiceFactory(municipality=municipality, status=ServiceStatus.PUBLISHED, name="Klub Seniora")


def test_the_portal_service_page_shows_programmes_in_force_only(
    client: Client, municipality: Any, published: Any
) -> None:
    in_force = make_programme(municipality, published, status=ProgrammeStatus.IN_FORCE, name="Program Aktywny Senior")
    EligibilityRule.objects.create(programme=in_force, kind="age", min_age=60)
    make_programme(municipality, published, status=ProgrammeStatus.ADOPTED, name="Program tylko uchwalony")
    page = client.get(f"/uslugi/{published.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Program Aktywny Senior" in page
    assert "XII/85/2025" in page
    assert "Aged 60 or over." in page
    assert "Program tylko uchwalony" not in page
    assert f'href="/uslugi/programy/{in_force.pk}/"' in page


def test_the_programme_box_costs_two_queries_whatever_the_number_of_programmes(
    client: Client, municipality: Any, published: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(f"/uslugi/{published.pk}/")
    bare = len(captured.captured_queries)
    for index in range(5):
        programme = make_programme(municipality, published, status=ProgrammeStatus.IN_FORCE, name=f"P{index}")
        EligibilityRule.objects.create(programme=programme, kind="residence")
    with django_assert_max_num_queries(bare + 1):
        response = client.get(f"/uslugi/{published.pk}/")
    assert response.content.decode().count("/uslugi/programy/") >= 5


def test_the_public_programme_page_shows_programmes_in_force_without_personal_data(
    client: Client, municipality: Any, published: Any, organiser: Any
) -> None:
    programme = make_programme(municipality, published, status=ProgrammeStatus.IN_FORCE, name="Program publiczny")
    response = client.get(f"/uslugi/programy/{programme.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Program publiczny · Otwarte CUS</title>" in page
    assert organiser.email not in page
    draft = make_programme(municipality, published)
    assert client.get(f"/uslugi/programy/{draft.pk}/").status_code == 404
    assert client.get("/uslugi/programy/999999/").status_code == 404


def test_a_new_row_comes_with_the_next_index_and_count(client: Client, organiser: Any, service: Any) -> None:
    client.force_login(organiser)
    response = client.get("/programme/rows/rules/", {"rules-TOTAL_FORMS": "2"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="rules-2-kind"' in html
    assert "__prefix__" not in html
    assert 'id="id_rules-TOTAL_FORMS" hx-swap-oob="true"' in html and 'value="3"' in html
    assert client.get("/programme/rows/rules/", {"rules-TOTAL_FORMS": "100"}).status_code == 204
    assert client.get("/programme/rows/unknown/").status_code == 404
