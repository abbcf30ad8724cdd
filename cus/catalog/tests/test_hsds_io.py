"""HSDS export and import: schema-valid export, round trip, the standard's examples, transactions, audit."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cus.accounts.roles import Role
from cus.audit.models import AuditEntry
from cus.catalog.hsds_io import export_catalog, import_hsds
from cus.catalog.models import (
    Contact,
    FeeKind,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.catalog.tests.hsds_fixtures import STANDARD, build_catalog, example, validate

pytestmark = pytest.mark.django_db

VOLATILE = {"generated_at", "last_modified"}
EXAMPLES = sorted(path.name for path in (STANDARD / "examples").glob("*.json"))


def strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: strip(value) for key, value in data.items() if key not in VOLATILE}
    if isinstance(data, list):
        return [strip(item) for item in data]
    return data


def validate_document(document: dict[str, Any]) -> None:
    validate(document["services"], "compiled/service_package.json")
    for service in document["services"]:
        validate(service, "compiled/service.json")
    for organization in document["organizations"]:
        validate(organization, "compiled/organization.json")
    for taxonomy in document["taxonomies"]:
        validate(taxonomy, "taxonomy.json")
    for term in document["taxonomy_terms"]:
        validate(term, "taxonomy_term.json")


def wipe_catalog() -> None:
    Contact.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organization.objects.all().delete()


def test_export_is_valid_hsds(municipality: Any) -> None:
    build_catalog(municipality)
    document = export_catalog(municipality)
    validate_document(document)
    assert document["hsds_version"] == "3.0"
    assert document["municipality"] == {"teryt": "1499011", "name": "Gmina Przykładowa"}
    assert [s["status"] for s in document["services"]] == ["active", "inactive", "active"]
    ngo = next(o for o in document["organizations"] if o["name"].startswith("Stowarzyszenie"))
    assert ngo["attributes"][0]["value"] == "ngo"
    unit, centre = document["organizations"][:2]  # by name: the unit comes before its parent
    assert unit["parent_organization_id"] == centre["id"]
    assert {s["name"] for s in ngo["services"]} == {"Klub seniora", "Usługi opiekuńcze w miejscu zamieszkania"}
    assert len(document["taxonomy_terms"]) == TaxonomyTerm.objects.count()
    everything = export_catalog()
    validate_document(everything)
    assert everything["municipality"] is None
    assert strip(everything["services"]) == strip(document["services"])


def test_round_trip_into_an_empty_catalog(municipality: Any) -> None:
    build_catalog(municipality)
    before = export_catalog(municipality)
    counts = {model: model.objects.count() for model in (Service, Organization, Location, ServiceAtLocation, Contact)}
    wipe_catalog()
    report = import_hsds(json.loads(json.dumps(before)), municipality, None)
    assert report.ok, report.errors
    assert report.saved
    assert report.warnings == []
    assert report.created == {
        "organization": 3,
        "location": 4,
        "service": 3,
        "service_at_location": 4,
        "contact": 3,
    }
    assert {model: model.objects.count() for model in counts} == counts
    after = export_catalog(municipality)
    validate_document(after)
    assert strip(after) == strip(before)
    care = Service.objects.get(name="Usługi opiekuńcze w miejscu zamieszkania")
    assert care.status == ServiceStatus.PUBLISHED
    assert care.fee_kind == FeeKind.INCOME
    assert care.search_document  # refreshed by the service functions


def test_reimport_updates_in_place(municipality: Any) -> None:
    build_catalog(municipality)
    document = export_catalog(municipality)
    document["services"][0]["name"] = "Klub seniora „Pod Lipami”"
    report = import_hsds(document, municipality, None)
    assert report.ok, report.errors
    assert report.created == {}
    assert report.updated["service"] == 3
    assert Service.objects.filter(name="Klub seniora „Pod Lipami”").count() == 1
    assert strip(export_catalog(municipality))["services"][1:] == strip(document)["services"][1:]


def test_import_is_audited_as_the_system(municipality: Any) -> None:
    build_catalog(municipality)
    document = export_catalog(municipality)
    wipe_catalog()
    AuditEntry.objects.all().delete() if False else None  # the trail is append-only: count new rows instead
    start = AuditEntry.objects.count()
    assert import_hsds(document, municipality, None).ok
    entries = AuditEntry.objects.order_by("pk")[start:]
    assert {e.object_type for e in entries} >= {"catalog.service", "catalog.organization", "catalog.location"}
    assert {e.actor_label for e in entries} == {"system"}


def test_import_needs_the_import_permission(municipality: Any, make_user: Any) -> None:
    coordinator = make_user(Role.IPUS_COORDINATOR, email="koordynator@cus.example")
    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_hsds(example("service_full.json"), municipality, coordinator)
    report = import_hsds(example("service_full.json"), municipality, organiser)
    assert report.ok, report.errors
    assert AuditEntry.objects.filter(object_type="catalog.service", actor=organiser).exists()


def test_the_standard_examples_are_there() -> None:
    # An empty parameter list would make pytest skip the example imports silently.
    assert len(EXAMPLES) >= 10, f"HSDS examples missing in {STANDARD / 'examples'}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_standard_examples_import_cleanly(municipality: Any, name: str) -> None:
    data = example(name)
    report = import_hsds(data, municipality, None)
    assert report.ok, report.errors
    assert report.saved
    if name != "base.json":
        assert sum(report.created.values()) > 0
    again = import_hsds(example(name), municipality, None)  # a second run updates, never duplicates
    assert again.ok, again.errors
    assert not {k: v for k, v in again.created.items() if k != "contact"}


def test_us_service_becomes_a_draft_with_warnings(municipality: Any) -> None:
    report = import_hsds(example("service_full.json"), municipality, None)
    assert report.ok
    service = Service.objects.get(pk="ac148810-d857-441c-9679-408f346de14b")
    assert service.status == ServiceStatus.DRAFT
    assert [a.code for a in service.areas.all()] == ["04"]
    assert service.fee_kind == FeeKind.INCOME and service.fee_amount is None
    assert "35 GBP" in service.fees_description
    paths = {w["path"] for w in report.warnings}
    assert "$" in paths  # no statutory area
    assert "$.cost_options" in paths
    assert any(p.startswith("$.attributes[0]") for p in paths)
    location = Location.objects.get(pk="3a19ff88-4620-4d17-9830-ac1d859eb5d5")
    assert location.postal_code == "" and "ABC 1234" in location.address_2
    # The foreign term is kept as reference data under its own taxonomy.
    assert TaxonomyTerm.objects.filter(pk="3f7b145d-84af-42d7-8fae-eaca714b02b2").exists()
    sal = service.service_at_locations.get()
    assert sorted(s.weekday for s in sal.schedules.all()) == [4, 5]


def test_tabular_example(municipality: Any) -> None:
    report = import_hsds(example("tabular.json"), municipality, None)
    assert report.ok, report.errors
    assert report.created["service"] == 1 and report.created["organization"] == 1


def test_errors_roll_back_everything_unless_only_valid(municipality: Any) -> None:
    build_catalog(municipality)
    document = export_catalog(municipality)
    wipe_catalog()
    document["services"][2]["organization_id"] = "00000000-0000-0000-0000-000000000001"
    del document["services"][2]["organization"]
    document["services"][1]["id"] = "not-a-uuid"
    report = import_hsds(document, municipality, None)
    assert not report.saved
    assert [e["path"] for e in report.errors] == ["$.services[1]", "$.services[2]"]
    assert Service.objects.count() == 0 and Organization.objects.count() == 0
    dry = import_hsds(
        export_catalog(municipality) | {"services": document["services"][:1]}, municipality, None, dry_run=True
    )
    assert dry.ok and not dry.saved and dry.created["service"] == 1
    assert Service.objects.count() == 0
    partial = import_hsds(document, municipality, None, only_valid=True)
    assert partial.saved
    assert list(Service.objects.values_list("name", flat=True)) == ["Klub seniora"]


def test_id_of_another_municipality_is_an_error(municipality: Any, other_centre: Any) -> None:
    build_catalog(municipality)
    document = export_catalog(municipality)
    other = other_centre.municipalities.first()
    report = import_hsds(document, other, None)
    assert not report.saved
    assert all("another municipality" in e["msg"] for e in report.errors)


def test_garbage_is_reported_not_raised(municipality: Any) -> None:
    report = import_hsds([1, "x", {"foo": "bar"}, {"id": "x", "name": "A", "status": "active"}], municipality, None)
    assert [e["path"] for e in report.errors] == ["$[0]", "$[1]", "$[2]", "$[3]"]
    assert not report.saved


def test_commands(municipality: Any, tmp_path: Path) -> None:
    build_catalog(municipality)
    target = tmp_path / "katalog.json"
    call_command("hsds_export", "--municipality", "1499011", "--output", str(target), stderr=StringIO())
    document = json.loads(target.read_text(encoding="utf-8"))
    validate_document(document)
    wipe_catalog()
    out = StringIO()
    call_command("hsds_import", str(target), "--municipality", "1499011", "--dry-run", stdout=out)
    assert json.loads(out.getvalue())["created"]["service"] == 3
    assert Service.objects.count() == 0
    out = StringIO()
    call_command("hsds_import", str(target), "--municipality", "1499011", stdout=out)
    assert json.loads(out.getvalue())["saved"] is True
    assert Service.objects.count() == 3
    bad = tmp_path / "zly.json"
    bad.write_text(json.dumps([{"id": "x", "name": "A", "status": "active"}]), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("hsds_import", str(bad), "--municipality", "1499011", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("hsds_export", "--municipality", "9999999")


def test_report_validated_count(capsys: Any) -> None:
    # Runs last in this module: HSDS objects validated so far in the session (visible with -s).
    from cus.catalog.tests.hsds_fixtures import Counter

    with capsys.disabled():
        print(f"\nHSDS (after export/import tests): {Counter.validated} objects schema-validated in the session")
    assert Counter.validated > 0
