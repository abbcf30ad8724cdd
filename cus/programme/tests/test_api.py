"""The staff API of programmes: nested sections, the status changes, errors in the project's shape."""

from __future__ import annotations

from typing import Any

import pytest

from cus.accounts.roles import Role
from cus.catalog.tests.factories import ServiceFactory
from cus.core.tests.factories import MunicipalityFactory
from cus.programme.models import Programme, ProgrammeStatus
from cus.programme.tests.factories import make_programme

pytestmark = pytest.mark.django_db

BASE = "/api/v1/programme"


def _payload(service: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Program „Aktywny Senior”",
        "goal": "Cel",
        "needs_description": "Potrzeby z diagnozy",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "participants_profile": "Seniorzy",
        "expected_participants": 40,
        "organisation": "Etapy",
        "monitoring": "Kwartalnie",
        "personal_data": ["identity", "disability"],
        "data_safeguards": "Dostęp tylko dla upoważnionych.",
        "services": [
            {
                "service_id": str(service.pk),
                "planned_participants": 20,
                "unit": "hour",
                "units_per_participant": "12",
                "unit_cost": "42.50",
                "fee_kind": "fixed",
                "fee_amount": "10.00",
                "capacity": 8,
            }
        ],
        "rules": [
            {"kind": "age", "min_age": 60},
            {"service_id": str(service.pk), "kind": "disability", "min_disability": "moderate"},
        ],
        "reliefs": [{"service_id": None, "beneficiaries": "Karta Dużej Rodziny", "kind": "percent", "value": "50"}],
        "budget": [
            {"year": 2026, "amount": "6000.00", "source": "gmina"},
            {"year": 2027, "amount": "4200.00", "source": "eu"},
        ],
        "indicators": [{"name": "Uczestnicy", "unit": "osoby", "target": "20"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER)


@pytest.fixture
def service(municipality: Any) -> Any:
    return ServiceFactory(municipality=municipality)


def test_create_with_nested_sections_then_walk_the_workflow(
    api: Any, token_for: Any, organiser: Any, service: Any
) -> None:
    key = token_for(organiser)
    response = api("post", BASE, key, json=_payload(service))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["municipality"] == "1499011"
    assert body["services"][0]["planned_cost"] == "10200.00"  # 20 × 12 × 42.50
    assert body["planned_cost"] == "10200.00"
    assert body["budget_total"] == "10200.00"
    assert body["special_categories"] == ["disability"]
    assert [r["plain_text"] for r in body["rules"]] == [
        "Wiek co najmniej 60 lat.",
        "Posiada orzeczenie o niepełnosprawności: stopień umiarkowany lub wyższy.",
    ]
    assert body["allowed_transitions"] == ["adopt"]
    pk = body["id"]

    response = api(
        "post",
        f"{BASE}/{pk}/adopt",
        key,
        json={"resolution_number": "XII/85/2025", "resolution_date": "2025-11-27", "publication_reference": "Dz. Urz."},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "adopted"
    response = api("post", f"{BASE}/{pk}/bring-into-force", key, json={"in_force_from": "2026-01-01"})
    assert response.json()["status"] == "in_force"
    response = api("post", f"{BASE}/{pk}/close", key, json={"closed_on": "2026-06-30"})
    assert response.json()["status"] == "closed"
    assert response.json()["closing_report_due"] == "2026-10-30"


def test_list_filters_and_sorts(api: Any, token_for: Any, organiser: Any, municipality: Any, service: Any) -> None:
    make_programme(municipality, service, name="B")
    make_programme(municipality, service, name="A", status=ProgrammeStatus.IN_FORCE)
    make_programme(MunicipalityFactory(), None, name="Obcy")
    key = token_for(organiser)
    body = api("get", f"{BASE}?sort=name", key).json()
    assert [p["name"] for p in body["items"]] == ["A", "B"]
    assert body["items"][0]["budget_total"] == "9000.00"
    assert body["items"][0]["service_count"] == 1
    body = api("get", f"{BASE}?status=in_force", key).json()
    assert [p["name"] for p in body["items"]] == ["A"]


def test_errors_name_the_section_and_save_nothing(api: Any, token_for: Any, organiser: Any, service: Any) -> None:
    key = token_for(organiser)
    foreign = ServiceFactory(municipality=MunicipalityFactory())
    payload = _payload(service, end_date="2025-12-31")
    response = api("post", BASE, key, json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "end_date"]

    payload = _payload(service)
    payload["services"].append({**payload["services"][0], "service_id": str(foreign.pk)})
    response = api("post", BASE, key, json=payload)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "services"]
    assert error["msg"] == "Wiersz 2: nieznana usługa."

    payload = _payload(service, budget=[{"year": 2030, "amount": "10", "source": "gmina"}])
    response = api("post", BASE, key, json=payload)
    assert response.json()["detail"][0]["loc"] == ["body", "budget"]

    payload = _payload(service, personal_data=["health"], data_safeguards="")
    assert api("post", BASE, key, json=payload).json()["detail"][0]["loc"] == ["body", "data_safeguards"]

    response = api("post", BASE, key, json=_payload(service, rules=[{"kind": "income", "income_percent": "-5"}]))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "rules", 0]
    assert not Programme.objects.exists()


def test_transitions_check_the_content_and_the_status(
    api: Any, token_for: Any, organiser: Any, municipality: Any
) -> None:
    key = token_for(organiser)
    adopted = make_programme(municipality, None, status=ProgrammeStatus.ADOPTED)
    response = api("post", f"{BASE}/{adopted.pk}/bring-into-force", key, json={})
    assert response.status_code == 422
    assert {e["loc"][-1] for e in response.json()["detail"]} == {"services", "budget"}
    response = api(
        "post", f"{BASE}/{adopted.pk}/adopt", key, json={"resolution_number": "1", "resolution_date": "2025-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "status"]


def test_patch_replaces_a_section_and_keeps_the_others(api: Any, token_for: Any, organiser: Any, service: Any) -> None:
    key = token_for(organiser)
    pk = api("post", BASE, key, json=_payload(service)).json()["id"]
    response = api("patch", f"{BASE}/{pk}", key, json={"indicators": [], "name": "Nowa nazwa"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Nowa nazwa"
    assert body["indicators"] == []
    assert len(body["rules"]) == 2


def test_a_coordinator_reads_but_cannot_change(
    api: Any, token_for: Any, make_user: Any, municipality: Any, service: Any
) -> None:
    programme = make_programme(municipality, service)
    key = token_for(make_user(Role.IPUS_COORDINATOR))
    assert api("get", f"{BASE}/{programme.pk}", key).status_code == 200
    response = api("patch", f"{BASE}/{programme.pk}", key, json={"name": "X"})
    assert response.status_code == 403
    assert response.json()["detail"][0]["type"] == "permission_denied"
    assert api("get", f"{BASE}/not-a-number", key).status_code == 404


def test_list_and_detail_query_counts_do_not_grow_with_rows(
    *, api: Any, token_for: Any, organiser: Any, municipality: Any, service: Any, django_assert_max_num_queries: Any
) -> None:
    key = token_for(organiser)
    make_programme(municipality, service)
    pk = api("post", BASE, key, json=_payload(service)).json()["id"]
    # Counted at once: the next capture empties the connection's query log.
    with django_assert_max_num_queries(40) as captured:
        api("get", BASE, key)
    list_queries = len(captured.captured_queries)
    with django_assert_max_num_queries(40) as captured:
        api("get", f"{BASE}/{pk}", key)
    detail_queries = len(captured.captured_queries)
    for _index in range(10):
        make_programme(municipality, service)
    more = ServiceFactory(municipality=municipality)
    payload = _payload(service)
    payload["services"].append({**payload["services"][0], "service_id": str(more.pk), "fee_kind": "free"})
    payload["services"][1].pop("fee_amount")
    payload["rules"] += [{"service_id": str(more.pk), "kind": "age", "max_age": 18}, {"kind": "residence"}]
    response = api("patch", f"{BASE}/{pk}", key, json={k: payload[k] for k in ("services", "rules")})
    assert response.status_code == 200, response.content
    with django_assert_max_num_queries(list_queries):
        assert len(api("get", BASE, key).json()["items"]) == 12
    with django_assert_max_num_queries(detail_queries):
        assert len(api("get", f"{BASE}/{pk}", key).json()["rules"]) == 4
