"""The HSDS tabular data package: a ZIP with datapackage.json and one CSV per table, the same objects as the JSON
export, every key resolving."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cus.accounts.roles import Role
from cus.catalog import hsds_tabular
from cus.catalog.hsds_io import export_catalog, import_hsds
from cus.catalog.models import Organization
from cus.catalog.tests.hsds_fixtures import STANDARD, build_catalog
from cus.catalog.tests.test_hsds_io import wipe_catalog

pytestmark = pytest.mark.django_db


def open_package(content: bytes) -> tuple[dict[str, Any], dict[str, tuple[list[str], list[dict[str, str]]]]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    package = json.loads(archive.read("datapackage.json").decode("utf-8"))
    tables = {}
    for name in archive.namelist():
        if name.endswith(".csv"):
            reader = csv.DictReader(io.StringIO(archive.read(name).decode("utf-8")))
            rows = list(reader)
            tables[name] = (list(reader.fieldnames or []), rows)
    return package, tables


def unique_ids(document: Any, key: str) -> set[str]:
    """Ids of every object under ``key`` anywhere in the document."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                items = value if isinstance(value, list) else [value]
                if name == key:
                    found.update(str(i["id"]) for i in items if isinstance(i, dict) and "id" in i)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


@pytest.fixture
def catalog(municipality: Any) -> dict[str, Any]:
    return build_catalog(municipality)


def test_the_tables_come_from_the_vendored_standard() -> None:
    compiled = json.loads((STANDARD / "schema" / "compiled" / "tabular.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in hsds_tabular.tables()] == list(compiled["properties"])
    phone = json.loads((STANDARD / "schema" / "phone.json").read_text(encoding="utf-8"))
    one_to_one = [n for n, spec in phone["properties"].items() if spec.get("type") != "array"]
    assert hsds_tabular.table_columns("phone") == one_to_one


def test_the_package_opens_and_lists_every_csv_with_its_fields(catalog: Any, municipality: Any) -> None:
    package, tables = open_package(hsds_tabular.export_datapackage(municipality))
    assert package["profile"] == "tabular-data-package"
    paths = {r["path"] for r in package["resources"]}
    assert paths == set(tables)
    assert {"organizations.csv", "services.csv", "locations.csv", "service_at_location.csv", "phones.csv"} <= paths
    for resource in package["resources"]:
        header, _rows = tables[resource["path"]]
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["path"]
        assert resource["schema"]["primaryKey"] == "id"
        assert all(f["type"] in {"string", "number", "datetime"} for f in resource["schema"]["fields"])
        assert resource["encoding"] == "utf-8"
    service = next(r for r in package["resources"] if r["name"] == "service")
    assert {"fields": "organization_id", "reference": {"resource": "organization", "fields": "id"}} in service[
        "schema"
    ]["foreignKeys"]


def test_every_foreign_key_and_attribute_link_resolves(catalog: Any, municipality: Any) -> None:
    package, tables = open_package(hsds_tabular.export_datapackage(municipality))
    by_name = {r["name"]: r for r in package["resources"]}
    ids = {name: {row["id"] for row in tables[r["path"]][1]} for name, r in by_name.items()}
    checked = 0
    for name, resource in by_name.items():
        for key in resource["schema"].get("foreignKeys", []):
            target = key["reference"]["resource"] or name
            for row in tables[resource["path"]][1]:
                value = row[key["fields"]]
                if value:
                    assert value in ids[target], f"{resource['path']}.{key['fields']} = {value} not in {target}"
                    checked += 1
    assert checked > 20
    for row in tables["attributes.csv"][1]:
        assert row["link_id"] in ids[row["link_entity"]], row
    # Every service, place and hour is tied to its owner.
    assert all(row["organization_id"] for row in tables["services.csv"][1])
    assert all(row["service_at_location_id"] for row in tables["schedules.csv"][1])


def test_the_counts_equal_the_json_export(catalog: Any, municipality: Any) -> None:
    document = export_catalog(municipality)
    _package, tables = open_package(hsds_tabular.export_datapackage(municipality))

    def count(path: str) -> int:
        return len(tables[path][1])

    assert count("organizations.csv") == len(document["organizations"]) == 3
    assert count("services.csv") == len(document["services"]) == 3
    assert count("taxonomies.csv") == len(document["taxonomies"])
    assert count("taxonomy_terms.csv") == len(document["taxonomy_terms"])
    for path, key in (
        ("locations.csv", "locations"),
        ("service_at_location.csv", "service_at_locations"),
        ("schedules.csv", "schedules"),
        ("contacts.csv", "contacts"),
        ("phones.csv", "phones"),
        ("addresses.csv", "addresses"),
        ("attributes.csv", "attributes"),
        ("required_documents.csv", "required_documents"),
        ("service_areas.csv", "service_areas"),
        ("languages.csv", "languages"),
        ("cost_options.csv", "cost_options"),
        ("organization_identifiers.csv", "organization_identifiers"),
    ):
        expected = unique_ids(document, key) | (unique_ids(document, "location") if key == "locations" else set())
        assert count(path) == len(expected), path
    assert count("programs.csv") == 0
    assert count("meta_table_descriptions.csv") == len(hsds_tabular.tables())


def test_polish_diacritics_round_trip_through_the_package(catalog: Any, municipality: Any) -> None:
    content = hsds_tabular.export_datapackage(municipality)
    _package, tables = open_package(content)
    names = {row["name"] for row in tables["organizations.csv"][1]}
    assert "Stowarzyszenie „Pomocna Dłoń” w Przykładowie" in names
    wipe_catalog()
    report = import_hsds(hsds_tabular.read_datapackage(content), municipality)
    assert report.ok, report.errors
    assert Organization.objects.filter(name="Stowarzyszenie „Pomocna Dłoń” w Przykładowie").exists()


def test_the_command_writes_the_zip(catalog: Any, municipality: Any, tmp_path: Path) -> None:
    target = tmp_path / "catalog.zip"
    call_command("hsds_export", "--format", "datapackage", "--output", str(target))
    package, tables = open_package(target.read_bytes())
    assert len(tables["services.csv"][1]) == 3
    assert package["name"] == hsds_tabular.PACKAGE_NAME


def test_staff_download_and_api(client: Any, make_user: Any, catalog: Any, municipality: Any) -> None:
    user = make_user(Role.SERVICES_ORGANISER)
    client.force_login(user)
    response = client.get("/catalog/export/hsds.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    _package, tables = open_package(response.content)
    assert len(tables["services.csv"][1]) == 3
    response = client.get("/catalog/export/hsds.json")
    assert response.status_code == 200
    assert len(json.loads(response.content)["services"]) == 3
    response = client.get("/api/v1/catalog/export/hsds.zip")
    assert response.status_code == 200
    _package, tables = open_package(response.content)
    assert len(tables["organizations.csv"][1]) == 3
    response = client.get("/api/v1/catalog/export/hsds")
    assert response.status_code == 200
    assert len(response.json()["organizations"]) == 3


def test_contacts_of_a_place_travel_in_both_exports_and_come_back(catalog: Any, municipality: Any) -> None:
    from cus.catalog import services
    from cus.catalog.models import Contact, Location
    from cus.catalog.tests.test_hsds_io import validate_document

    place = Location.objects.get(name="Biuro stowarzyszenia")
    services.contact_create(
        actor=None, owner=place, name="Zofia Żółkiewska", department="Sekretariat", phone="+48 22 111 22 44"
    )
    document = export_catalog(municipality)
    validate_document(document)
    locations = [loc for org in document["organizations"] for loc in org.get("locations", [])]
    (office,) = [loc for loc in locations if loc["id"] == str(place.pk)]
    assert [c["name"] for c in office["contacts"]] == ["Ewa Zielińska", "Zofia Żółkiewska"]
    content = hsds_tabular.export_datapackage(municipality)
    _package, tables = open_package(content)
    (row,) = [r for r in tables["contacts.csv"][1] if r["name"] == "Zofia Żółkiewska"]
    assert row["location_id"] == str(place.pk)
    assert row["department"] == "Sekretariat"
    wipe_catalog()
    report = import_hsds(document, municipality)
    assert report.ok, report.errors
    contact = Contact.objects.get(name="Zofia Żółkiewska")
    assert contact.location_id == place.pk
    assert contact.phone == "+48 22 111 22 44"
    assert contact.department == "Sekretariat"


def test_the_import_command_reads_the_zip(catalog: Any, municipality: Any, tmp_path: Path) -> None:
    from django.core.management import CommandError

    target = tmp_path / "catalog.zip"
    target.write_bytes(hsds_tabular.export_datapackage(municipality))
    wipe_catalog()
    call_command("hsds_import", str(target), "--municipality", municipality.teryt, stdout=io.StringIO())
    assert Organization.objects.filter(name="Stowarzyszenie „Pomocna Dłoń” w Przykładowie").exists()
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("hsds_import", str(broken), "--municipality", municipality.teryt, stdout=io.StringIO())
