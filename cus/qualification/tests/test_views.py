"""Staff screens: the fee-table form puts each band's error beside its row, the calculator answers htmx with the
result, the lists do not query per row."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.accounts.roles import Role
from cus.qualification.demo import care_bands
from cus.qualification.models import FeeTable, FeeTableStatus
from cus.qualification.tests.factories import FeeTableFactory

pytestmark = pytest.mark.django_db


def _post_data(bands: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    data = {
        "name": "Usługi opiekuńcze",
        "scope": "care",
        "resolution_number": "XV/112/2024",
        "resolution_date": "2024-11-28",
        "unit": "hour",
        "valid_from": "2025-01-01",
        "status": "in_force",
        "bands-TOTAL_FORMS": str(len(bands) + 1),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, band in enumerate(bands):
        for name, value in band.items():
            data[f"bands-{index}-{name}"] = "" if value is None else str(value)
    return data


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


def test_an_overlapping_band_is_shown_beside_its_row(login: Any, organiser: Any, municipality: Any) -> None:
    client = login(organiser)
    bands = care_bands()
    bands[3]["income_from"] = "190"
    response = client.post("/qualification/fee-tables/new/", _post_data(bands, municipality=municipality.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_bands-3-income_from_error"' in html
    assert 'id="band-row-4" class="table-danger"' in html
    assert 'id="error-summary"' in html
    assert not FeeTable.objects.exists()

    response = client.post("/qualification/fee-tables/new/", _post_data(care_bands(), municipality=municipality.pk))
    table = FeeTable.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/qualification/fee-tables/{table.pk}/"
    assert table.bands.count() == 9
    assert table.municipality == municipality


def test_edit_keeps_rows_and_reports_table_errors(login: Any, organiser: Any, municipality: Any) -> None:
    table = FeeTableFactory(municipality=municipality)
    client = login(organiser)
    page = client.get(f"/qualification/fee-tables/{table.pk}/edit/").content.decode()
    assert 'name="bands-8-fee_single" value="100.00"' in page
    bands = care_bands()
    data = _post_data(bands, valid_to="2024-01-01", name="Zmieniona")
    data["bands-INITIAL_FORMS"] = str(len(bands))
    response = client.post(f"/qualification/fee-tables/{table.pk}/edit/", data)
    assert response.status_code == 200
    assert 'id="id_valid_to_error"' in response.content.decode()
    table.refresh_from_db()
    assert table.name != "Zmieniona"


def test_a_table_without_bands_is_refused(login: Any, organiser: Any, municipality: Any) -> None:
    response = login(organiser).post("/qualification/fee-tables/new/", _post_data([], municipality=municipality.pk))
    assert response.status_code == 200
    assert "co najmniej jeden przedział dochodu" in response.content.decode()


def test_calculator_full_page_and_htmx(login: Any, organiser: Any, municipality: Any) -> None:
    table = FeeTableFactory(municipality=municipality)
    client = login(organiser)
    assert client.get(f"/qualification/calculator/?table={table.pk}").status_code == 200
    data = {
        "table": str(table.pk),
        "date": "2025-05-01",
        "income_per_person": "1200",
        "household": "single",
        "unit_cost": "35.50",
        "units_per_month": "40",
    }
    response = client.post("/qualification/calculator/", data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "71,20" in html or "71.20" in html
    assert "Dz.U. 2024 poz. 1044" in html
    response = client.post("/qualification/calculator/", {**data, "date": "2024-05-01"}, headers={"HX-Request": "true"})
    assert 'id="id_date_error"' in response.content.decode()


def test_calculator_offers_only_tables_of_the_users_municipalities(
    login: Any, organiser: Any, municipality: Any, other_centre: Any
) -> None:
    foreign = FeeTableFactory(municipality=other_centre.municipalities.first())
    data = {
        "table": str(foreign.pk),
        "date": "2025-05-01",
        "income_per_person": "1200",
        "household": "single",
        "unit_cost": "35.50",
        "units_per_month": "40",
    }
    response = login(organiser).post("/qualification/calculator/", data)
    assert 'id="id_table_error"' in response.content.decode()


def test_lists_do_not_query_per_row(login: Any, organiser: Any, municipality: Any) -> None:
    client = login(organiser)
    FeeTableFactory(municipality=municipality)
    client.get("/qualification/fee-tables/")
    with CaptureQueriesContext(connection) as few:
        client.get("/qualification/fee-tables/")
    for n in range(5):
        FeeTableFactory(municipality=municipality, status=FeeTableStatus.DRAFT, name=f"T{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/qualification/fee-tables/?sort=name")
    assert response.content.decode().count("/qualification/fee-tables/") >= 6
    assert len(many) == len(few)
    assert client.get("/qualification/criteria/").status_code == 200


def test_a_director_records_a_criterion_on_the_screen(login: Any, director: Any) -> None:
    client = login(director)
    data = {
        "single_person": "1150.00",
        "per_person_in_family": "940.00",
        "valid_from": "2024-06-01",
        "legal_basis": "Dz.U. 2027 poz. 1",
    }
    response = client.post("/qualification/criteria/new/", data)
    assert response.status_code == 200
    assert "Dz.U. 2021 poz. 1296" in response.content.decode()
    response = client.post("/qualification/criteria/new/", {**data, "valid_from": "2028-01-01"})
    assert response.status_code == 302
