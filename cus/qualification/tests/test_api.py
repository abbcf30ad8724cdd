"""The staff API of criteria and fee tables: the same rules as the screens, per-row band errors, the calculation."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.qualification.models import FeeTable, IncomeCriterion
from cus.qualification.tests.factories import FeeTableFactory

pytestmark = pytest.mark.django_db

BANDS = [
    {"income_from": "0", "income_to": "100", "fee_single": "0", "fee_family": "0"},
    {"income_from": "100", "income_to": "150", "fee_single": "5", "fee_family": "10"},
    {"income_from": "150", "income_to": "200", "fee_single": "10", "fee_family": "15"},
    {"income_from": "200", "income_to": None, "fee_single": "100", "fee_family": "100"},
]


@pytest.fixture
def organiser_key(make_user: Any, token_for: Any) -> str:
    return token_for(make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example"))


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Usługi opiekuńcze 2025",
        "resolution_number": "XV/112/2024",
        "resolution_date": "2024-11-28",
        "unit": "hour",
        "valid_from": "2025-01-01",
        "status": "in_force",
        "bands": BANDS,
        **extra,
    }


def test_create_read_and_calculate(api: Any, organiser_key: str, municipality: Any) -> None:
    response = api("post", "/api/v1/qualification/fee-tables", organiser_key, json=_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["municipality"] == municipality.teryt
    assert data["scope"] == "care"
    assert [b["income_to"] for b in data["bands"]] == ["100.00", "150.00", "200.00", None]

    table_id = data["id"]
    calc = {
        "date": "2025-03-01",
        "income_per_person": "1200",
        "single": True,
        "unit_cost": "35.50",
        "units_per_month": 40,
    }
    response = api("post", f"/api/v1/qualification/fee-tables/{table_id}/calculate", organiser_key, json=calc)
    assert response.status_code == 200, response.content
    fee = response.json()
    assert fee["criterion"] == "1010.00"
    assert fee["legal_basis"] == "Dz.U. 2024 poz. 1044"
    assert fee["band_index"] == 1
    assert Decimal(fee["fee_per_unit"]) == Decimal("1.78")
    assert Decimal(fee["fee_per_month"]) == Decimal("71.20")
    assert Decimal(fee["income_percent"]) == Decimal("118.81")

    # A day before the table's validity: an error on the date, not a fee from the wrong table.
    calc.update(date="2024-06-01", single=False, income_per_person="1200")
    response = api("post", f"/api/v1/qualification/fee-tables/{table_id}/calculate", organiser_key, json=calc)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "date"]  # the table is valid only from 2025


def test_overlapping_and_missing_bands_are_422_per_row(api: Any, organiser_key: str) -> None:
    bands = [dict(b) for b in BANDS]
    bands[1]["income_from"] = "90"
    bands[3]["income_from"] = "210"
    bands[2]["fee_family"] = "5"
    response = api("post", "/api/v1/qualification/fee-tables", organiser_key, json=_body(bands=bands))
    assert response.status_code == 422
    locs = {tuple(e["loc"]): e for e in response.json()["detail"]}
    assert set(locs) == {
        ("body", "bands", 1, "income_from"),
        ("body", "bands", 2, "fee_family"),
        ("body", "bands", 3, "income_from"),
    }
    assert "nakłada się na poprzedni" in locs[("body", "bands", 1, "income_from")]["msg"]
    assert "200" in locs[("body", "bands", 3, "income_from")]["msg"]
    assert not FeeTable.objects.exists()


def test_schema_errors_of_bands_use_the_same_loc(api: Any, organiser_key: str) -> None:
    bands = [dict(b) for b in BANDS]
    bands[2]["fee_single"] = "150"
    response = api("post", "/api/v1/qualification/fee-tables", organiser_key, json=_body(bands=bands))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "bands", 2, "fee_single"]


def test_overlap_with_a_table_in_force_names_the_period(api: Any, organiser_key: str, municipality: Any) -> None:
    FeeTableFactory(municipality=municipality, name="Uchwała 2025")
    response = api("post", "/api/v1/qualification/fee-tables", organiser_key, json=_body(valid_from="2026-01-01"))
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "valid_from"]
    assert "Uchwała 2025" in error["msg"]


def test_patch_replaces_bands_and_delete_only_drafts(api: Any, organiser_key: str, municipality: Any) -> None:
    table = FeeTableFactory(municipality=municipality)
    path = f"/api/v1/qualification/fee-tables/{table.pk}"
    response = api("patch", path, organiser_key, json={"bands": BANDS, "valid_to": "2025-12-31"})
    assert response.status_code == 200, response.content
    assert len(response.json()["bands"]) == 4
    assert response.json()["valid_to"] == "2025-12-31"
    assert api("delete", path, organiser_key).status_code == 422
    assert api("patch", path, organiser_key, json={"status": "draft"}).status_code == 200
    assert api("delete", path, organiser_key).status_code == 204
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(table.pk)).exists()


def test_a_foreign_table_is_404(api: Any, organiser_key: str, other_centre: Any) -> None:
    foreign = FeeTableFactory(municipality=other_centre.municipalities.first())
    response = api("get", f"/api/v1/qualification/fee-tables/{foreign.pk}", organiser_key)
    assert response.status_code == 404
    assert api("get", "/api/v1/qualification/fee-tables/not-a-uuid", organiser_key).status_code == 404


def test_criteria_list_filter_and_create(api: Any, make_user: Any, token_for: Any) -> None:
    key = token_for(make_user(Role.ASSISTANCE_ORGANISER, email="pomoc@cus.example"))
    response = api("get", "/api/v1/qualification/criteria", key)
    assert [c["single_person"] for c in response.json()["items"]] == ["1010.00", "776.00"]
    response = api("get", "/api/v1/qualification/criteria?on=2023-05-05", key)
    assert [c["legal_basis"] for c in response.json()["items"]] == ["Dz.U. 2021 poz. 1296"]
    assert api("get", "/api/v1/qualification/criteria?on=2020-01-01", key).json()["items"] == []
    body = {
        "single_person": "1150.00",
        "per_person_in_family": "940.00",
        "valid_from": "2028-01-01",
        "legal_basis": "Dz.U. 2027 poz. 1",
    }
    response = api("post", "/api/v1/qualification/criteria", key, json=body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert api("get", f"/api/v1/qualification/criteria/{created['id']}", key).json()["valid_to"] is None
    assert IncomeCriterion.objects.get(valid_from=datetime.date(2025, 1, 1)).valid_to == datetime.date(2027, 12, 31)
    response = api("post", "/api/v1/qualification/criteria", key, json={**body, "valid_from": "2027-06-01"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "valid_from"]
    response = api("post", "/api/v1/qualification/criteria", key, json={**body, "single_person": "-1"})
    assert response.json()["detail"][0]["loc"] == ["body", "single_person"]


def test_the_list_does_not_query_per_table(api: Any, organiser_key: str, municipality: Any) -> None:
    FeeTableFactory(municipality=municipality)
    api("get", "/api/v1/qualification/fee-tables", organiser_key)
    with CaptureQueriesContext(connection) as few:
        api("get", "/api/v1/qualification/fee-tables", organiser_key)
    for n in range(5):
        FeeTableFactory(municipality=municipality, status="draft", name=f"T{n}")
    with CaptureQueriesContext(connection) as many:
        response = api("get", "/api/v1/qualification/fee-tables", organiser_key)
    assert response.json()["count"] == 6
    assert len(many) == len(few)
