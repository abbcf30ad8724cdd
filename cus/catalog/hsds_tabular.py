"""The catalog as an HSDS 3.0 tabular data package: one CSV per HSDS table and a Frictionless ``datapackage.json``.

The tables and their columns are read from the vendored standard (``schema/compiled/tabular.json``), never listed by
hand: every table of the standard is in the package (an empty table has just its header), the columns are the
table's one-to-one fields in the standard's order, and the rows are the HSDS JSON export (``export_catalog``)
flattened, so the two exports always hold the same objects:

- a nested object becomes a row of its table (``phones`` → ``phones.csv``, ``location`` → ``locations.csv``...);
  an object reached twice (a location of a provider and of a service) is written once;
- a link to the parent is the foreign-key column the JSON already carries (``organization_id``, ``service_id``,
  ``location_id``, ``service_at_location_id``, ``contact_id``; ``link_id`` with ``link_type``/``link_entity`` for
  attributes);
- ``meta_table_descriptions.csv`` describes each table (language ``pl``, character set UTF-8).

``datapackage.json`` follows the Frictionless Data Package (``profile: tabular-data-package``): each resource has its
``path``, ``name``, ``schema.fields`` with types, ``primaryKey`` ``id`` and the ``foreignKeys`` between tables.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.utils import timezone

from cus.catalog import hsds, hsds_io
from cus.core.models import Municipality

STANDARD = Path(os.environ.get("CUS_HSDS_STANDARD", Path(__file__).resolve().parents[2] / "standards" / "hsds-3.0"))
PACKAGE_NAME = "otwarte-cus-hsds"

# Foreign-key columns → the table they point at ("" = the same table, Frictionless' self-reference).
FOREIGN_KEYS: dict[str, str] = {
    "organization_id": "organization",
    "service_id": "service",
    "location_id": "location",
    "service_at_location_id": "service_at_location",
    "contact_id": "contact",
    "phone_id": "phone",
    "program_id": "program",
    "taxonomy_id": "taxonomy",
    "taxonomy_term_id": "taxonomy_term",
    "parent_organization_id": "organization",
    "parent_id": "taxonomy_term",
}

# Nested keys of the HSDS JSON → the table of their objects. Keys not listed ("services" inside an organization,
# "organization" inside a service) are summaries of objects that appear in full elsewhere in the document.
NESTED: dict[str, str] = {
    "contacts": "contact",
    "phones": "phone",
    "locations": "location",
    "location": "location",
    "addresses": "address",
    "accessibility": "accessibility",
    "organization_identifiers": "organization_identifier",
    "attributes": "attribute",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "schedules": "schedule",
    "languages": "language",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "funding": "funding",
    "programs": "program",
    "metadata": "metadata",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}

# Frictionless field types for the standard's JSON types and formats.
STRING_FORMATS = {"uuid", "email", "uri"}


@functools.cache
def tables() -> list[dict[str, Any]]:
    """The standard's tables in their order: ``name``, ``path``, ``description``, ``fields`` (JSON Schema
    properties of the one-to-one fields) and ``required``."""
    with (STANDARD / "schema" / "compiled" / "tabular.json").open(encoding="utf-8") as handle:
        compiled = json.load(handle)
    result = []
    for item in (entry["items"] for entry in compiled["properties"].values()):
        fields = {name: spec for name, spec in item["properties"].items() if spec.get("type") != "array"}
        result.append(
            {
                "name": item["name"],
                "path": item["path"],
                "description": item.get("description", ""),
                "order": item.get("datapackage_metadata", {}).get("order", 0),
                "fields": fields,
                "required": [n for n in item.get("required", []) if n in fields],
            }
        )
    return sorted(result, key=lambda t: t["order"])


def table_columns(name: str) -> list[str]:
    return next(list(t["fields"]) for t in tables() if t["name"] == name)


def _field(name: str, spec: dict[str, Any], required: bool) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": spec.get("type", "string")}
    fmt = spec.get("format")
    if field["type"] == "string" and fmt == "date-time":
        field["type"] = "datetime"
    elif field["type"] == "string" and fmt in STRING_FORMATS:
        field["format"] = fmt
    if spec.get("title"):
        field["title"] = spec["title"]
    if spec.get("description"):
        field["description"] = spec["description"]
    constraints = {}
    if required:
        constraints["required"] = True
    if (spec.get("constraints") or {}).get("unique"):
        constraints["unique"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def descriptor() -> dict[str, Any]:
    """``datapackage.json``: the resources (one per table) with their schemas and keys."""
    names = {t["name"] for t in tables()}
    resources = []
    for table in tables():
        foreign_keys = []
        for column in table["fields"]:
            target = FOREIGN_KEYS.get(column)
            if target is None or target not in names or column == "id":
                continue
            foreign_keys.append(
                {
                    "fields": column,
                    "reference": {"resource": "" if target == table["name"] else target, "fields": "id"},
                }
            )
        schema: dict[str, Any] = {
            "fields": [_field(n, s, n in table["required"]) for n, s in table["fields"].items()],
            "primaryKey": "id",
        }
        if foreign_keys:
            schema["foreignKeys"] = foreign_keys
        resources.append(
            {
                "name": table["name"],
                "path": table["path"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": table["description"],
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Katalog usług społecznych (Open Referral HSDS 3.0)",
        "version": "3.0",
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": resources,
    }


class _Collector:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {t["name"]: {} for t in tables()}

    def add(self, table: str, obj: dict[str, Any], parent: tuple[str, str] | None = None) -> None:
        if table not in self.rows or not isinstance(obj, dict) or not obj.get("id"):
            return
        row = {key: value for key, value in obj.items() if not isinstance(value, (list, dict))}
        if parent is not None:
            parent_table, parent_id = parent
            column = f"{parent_table}_id"
            if FOREIGN_KEYS.get(column) == parent_table and not row.get(column):
                row[column] = parent_id
        existing = self.rows[table].get(str(obj["id"]))
        if existing is None:
            self.rows[table][str(obj["id"])] = row
        else:  # the same object met again: keep what either occurrence says
            for key, value in row.items():
                if existing.get(key) in (None, ""):
                    existing[key] = value
        for key, value in obj.items():
            child_table = NESTED.get(key)
            if child_table is None:
                continue
            children = value if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, dict):
                    self.add(child_table, child, (table, str(obj["id"])))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_tables(document: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The HSDS JSON export flattened: table name → rows (column → text), every row with every column."""
    collector = _Collector()
    for taxonomy in document.get("taxonomies", []):
        collector.add("taxonomy", taxonomy)
    for term in document.get("taxonomy_terms", []):
        collector.add("taxonomy_term", term)
    for organization in document.get("organizations", []):
        collector.add("organization", organization)
    for service in document.get("services", []):
        collector.add("service", service)
    for table in tables():
        if table["name"] == "meta_table_description":
            for other in tables():
                collector.add(
                    "meta_table_description",
                    {
                        "id": hsds.derived_id("00000000-0000-0000-0000-000000000000", f"table:{other['name']}"),
                        "name": other["name"],
                        "language": "pl",
                        "character_set": "UTF-8",
                    },
                )
    return {
        table["name"]: [
            {column: _cell(row.get(column)) for column in table["fields"]}
            for row in collector.rows[table["name"]].values()
        ]
        for table in tables()
    }


def _csv(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def export_datapackage(
    municipality: Municipality | None = None, *, municipalities: Iterable[Any] | None = None
) -> bytes:
    """A ZIP file: ``datapackage.json`` and one UTF-8 CSV per HSDS table (the catalog of ``municipality``, of
    ``municipalities`` or of all)."""
    document = hsds_io.export_catalog(municipality, municipalities=municipalities)
    data = export_tables(document)
    package = descriptor()
    if municipality is not None:
        package["description"] = f"Gmina {municipality.name} (TERYT {municipality.teryt})"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2) + "\n")
        for table in tables():
            archive.writestr(table["path"], _csv(list(table["fields"]), data[table["name"]]))
    return buffer.getvalue()


def read_datapackage(content: bytes) -> dict[str, Any]:
    """A data package ZIP as the tabular form the HSDS import reads (``{"services.csv": [rows...], ...}``)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        package = json.loads(archive.read("datapackage.json").decode("utf-8"))
        result: dict[str, Any] = {}
        if package.get("name") == PACKAGE_NAME:
            result["generator"] = hsds_io.GENERATOR
        for resource in package.get("resources", []):
            path = str(resource.get("path", ""))
            if not path.endswith(".csv") or path not in archive.namelist():
                continue
            types = {f.get("name"): f.get("type") for f in (resource.get("schema") or {}).get("fields", [])}
            text = archive.read(path).decode("utf-8-sig")
            result[path] = [
                {key: _typed(value, types.get(key)) for key, value in row.items() if key and value not in (None, "")}
                for row in csv.DictReader(io.StringIO(text))
            ]
    return result


def _typed(value: str, kind: str | None) -> Any:
    """A CSV cell as the JSON value the HSDS import expects (numbers as numbers; a bad number stays text, for the
    import to report)."""
    if kind not in ("number", "integer"):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value else number
