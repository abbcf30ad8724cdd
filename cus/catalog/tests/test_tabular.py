"""Import of services from CSV/XLSX with a preview, and export of the service list in the same layout."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from cus.accounts.roles import Role
from cus.catalog import tabular
from cus.catalog.models import Service, ServiceStatus
from cus.catalog.tests.factories import (
    OrganizationFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    area,
)

pytestmark = pytest.mark.django_db

HEADER = "name;description;provider;areas;target_groups;fee_kind;fee_amount;fee_unit;minimum_age;maximum_age;hours;" + (
    "location_name;location_address;location_postal_code;location_city"
)


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    return tmp_path / "catalog-imports"


@pytest.fixture
def organiser(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


@pytest.fixture
def provider(municipality: Any) -> Any:
    return OrganizationFactory(municipality=municipality, name="Fundacja Dobry Dzień", nip="5260250274")


def _csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


# Hours with a ";" are quoted, as a spreadsheet writes them.
GOOD = (
    'Klub seniora;Spotkania;5260250274;04; ;fixed;12,50;visit;60;;"pon-pt 8:00-16:00; sob 9:00-13:00";Klub;'
    "ul. Polna 1;00-950;Testowo"
)
GOOD_BY_NAME = "Asystent;Pomoc;Fundacja Dobry Dzień;Pomoc społeczna;;;;;;;;;;;"
BAD = "Zła;Opis;9999999999;77;;fixed;;;70;20;pon 16:00-8:00;Klub;ul. Polna 1;00950;Testowo"


def _upload(client: Client, municipality: Any, content: bytes, name: str = "uslugi.csv") -> Any:
    return client.post("/catalog/import/", {"municipality": municipality.pk, "file": SimpleUploadedFile(name, content)})


def test_parse_hours() -> None:
    rows = tabular.parse_hours("pon-pt 8:00-16:00; sob 9.00-13.00")
    assert [r["weekday"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert str(rows[-1]["opens_at"]) == "09:00:00"
    for wrong in ("codziennie", "pt-pon 8:00-9:00", "pon 25:00-26:00", "pon 9:00-8:00"):
        with pytest.raises(ValueError, match=r"."):
            tabular.parse_hours(wrong)


def test_preview_lists_every_error_and_saves_nothing_until_confirmed(
    client: Client, organiser: Any, provider: Any, municipality: Any, var_dir: Any
) -> None:
    client.force_login(organiser)
    assert client.get("/catalog/import/").status_code == 200
    response = _upload(client, municipality, _csv(GOOD, BAD, GOOD_BY_NAME))
    assert response.status_code == 302
    assert response["Location"] == "/catalog/import/preview/"
    preview = client.get("/catalog/import/preview/")
    report = preview.context["report"]
    assert [row.valid for row in report.rows] == [True, False, True]
    bad = report.rows[1]
    assert bad.number == 3
    assert {e.column for e in bad.errors} == {
        "provider",
        "areas",
        "fee_amount",
        "fee_unit",
        "maximum_age",
        "location_postal_code",
        "hours",
    }
    html = preview.content.decode()
    assert 'value="import_valid"' in html
    assert 'value="import"' not in html
    assert not Service.objects.exists()

    # "Import all" with an invalid row saves nothing.
    response = client.post("/catalog/import/preview/", {"action": "import"})
    assert response.status_code == 200
    assert not Service.objects.exists()

    # Only the valid rows, from the file kept in the session (no second upload).
    response = client.post("/catalog/import/preview/", {"action": "import_valid"})
    assert response.status_code == 302
    services = Service.objects.order_by("name")
    assert [s.name for s in services] == ["Asystent", "Klub seniora"]
    assert {s.status for s in services} == {ServiceStatus.DRAFT}
    klub = services.get(name="Klub seniora")
    assert str(klub.fee_amount) == "12.50"
    assert klub.service_at_locations.get().schedules.count() == 6
    assert [a.code for a in services.get(name="Asystent").areas.all()] == ["04"]
    # The kept file is gone with the import.
    assert client.get("/catalog/import/preview/").status_code == 302
    assert not list(var_dir.iterdir())


def test_all_valid_file_imports_all(client: Client, organiser: Any, provider: Any, municipality: Any) -> None:
    client.force_login(organiser)
    _upload(client, municipality, _csv(GOOD, GOOD_BY_NAME))
    response = client.post("/catalog/import/preview/", {"action": "import"})
    assert response.status_code == 302
    assert Service.objects.count() == 2


def test_xlsx_import_and_cancel(client: Client, organiser: Any, provider: Any, municipality: Any, var_dir: Any) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "description", "provider", "areas", "minimum_age"])
    sheet.append(["Asystent", "Pomoc", 5260250274, "04;13", 18])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(organiser)
    _upload(client, municipality, buffer.getvalue(), "uslugi.xlsx")
    report = client.get("/catalog/import/preview/").context["report"]
    assert [row.valid for row in report.rows] == [True]
    assert len(list(var_dir.iterdir())) == 1
    client.post("/catalog/import/preview/", {"action": "cancel"})
    assert not Service.objects.exists()
    assert not list(var_dir.iterdir())
    assert client.get("/catalog/import/preview/").status_code == 302


FILE_ERRORS = [
    ("uslugi.pdf", b"%PDF-1.4", "Upload a CSV (.csv) or Excel (.xlsx) file."),
    ("uslugi.xlsx", b"not a zip", "The file is not a valid Excel (.xlsx) workbook."),
    (
        "uslugi.csv",
        b"name;description\nA;B\n",
        "The file has no column: provider, areas. Use the template's first row.",
    ),
    ("uslugi.csv", b"", "The submitted file is empty."),  # Django's own check
    ("uslugi.csv", b"name;description;provider;areas\n", "The file has no data rows under the header."),
]


@pytest.mark.parametrize(("name", "content", "message"), FILE_ERRORS)
def test_file_level_errors_are_shown_beside_the_field(
    client: Client, organiser: Any, municipality: Any, *, name: str, content: bytes, message: str
) -> None:
    from django.conf import settings

    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/catalog/import/", {"municipality": municipality.pk, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert "catalog_import" not in client.session


def test_size_and_row_limits(monkeypatch: Any) -> None:
    with pytest.raises(tabular.ImportFileError):
        tabular.read_table("a.csv", b"x" * (tabular.MAX_BYTES + 1))
    monkeypatch.setattr(tabular, "MAX_ROWS", 2)
    with pytest.raises(tabular.ImportFileError):
        tabular.read_table("a.csv", b"name;description;provider;areas\n" + b"a;b;c;d\n" * 3)
    assert len(tabular.read_table("a.csv", b"name;description;provider;areas\n" + b"a;b;c;d\n" * 2)) == 2


def test_coordinator_may_not_import(client: Client, make_user: Any) -> None:
    client.force_login(make_user(Role.IPUS_COORDINATOR))
    assert client.get("/catalog/import/").status_code == 403


def test_template_downloads(client: Client, organiser: Any) -> None:
    client.force_login(organiser)
    response = client.get("/catalog/import/template.csv")
    text = response.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert tuple(header) == tabular.COLUMNS
    response = client.get("/catalog/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(tabular.COLUMNS)


def test_export_of_the_filtered_list_round_trips(
    client: Client, organiser: Any, provider: Any, municipality: Any
) -> None:
    service = ServiceFactory(
        municipality=municipality, organization=provider, name="Klub seniora", areas=[area("04"), area("09")]
    )
    ScheduleFactory(service_at_location=ServiceAtLocationFactory(service=service), weekday=2)
    ServiceFactory(municipality=municipality, organization=provider, name="=HYPERLINK()", status="draft")
    client.force_login(organiser)
    response = client.get("/catalog/services/export.csv?status=published")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == tabular.COLUMNS
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["name"] == "Klub seniora"
    assert record["provider"] == "5260250274"
    assert record["areas"] == "04; 09"
    assert record["hours"] == "wt 08:00-16:00"

    response = client.get("/catalog/services/export.xlsx?status=draft")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    assert values[1][0] == "'=HYPERLINK()"  # a formula would run in the spreadsheet

    # The exported file imports again (a round trip).
    response = client.get("/catalog/services/export.csv?status=published")
    rows = tabular.read_table("export.csv", response.content)
    report, _prepared = tabular.check_rows(rows, municipality)
    assert [r.errors for r in report.rows] == [[]]
