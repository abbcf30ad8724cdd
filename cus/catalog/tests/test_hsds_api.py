"""The public HSDS 3.0 API: every response of every endpoint validated against the HSDS schemas."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from cus.catalog import services as catalog_services
from cus.catalog.hsds import derived_id
from cus.catalog.models import AREAS_TAXONOMY_ID, ServiceStatus
from cus.catalog.tests.factories import ServiceAtLocationFactory, ServiceFactory, area, target_group
from cus.catalog.tests.hsds_fixtures import NGO_NIP, STANDARD, Counter, build_catalog, validate

pytestmark = pytest.mark.django_db

PAGE_FIELDS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}
LIST_SCHEMAS = {
    "/services": "compiled/service_list.json",
    "/organizations": "compiled/organization_list.json",
    "/service_at_locations": "compiled/service_at_location_list.json",
    "/taxonomies": "taxonomy.json",
    "/taxonomy_terms": "taxonomy_term.json",
}
FULL_SCHEMAS = {
    "/services": "compiled/service.json",
    "/organizations": "compiled/organization.json",
    "/service_at_locations": "compiled/service_at_location.json",
}
DETAIL_SCHEMAS = {
    "/services": "compiled/service.json",
    "/organizations": "compiled/organization.json",
    "/service_at_locations": "compiled/service_at_location.json",
    "/taxonomies": "taxonomy.json",
    "/taxonomy_terms": "taxonomy_term.json",
}


@pytest.fixture
def catalog(municipality: Any) -> dict[str, Any]:
    return build_catalog(municipality)


def get_page(client: Client, path: str, params: dict[str, Any] | None = None, schema: str | None = None) -> Any:
    params = dict(params or {})
    response = client.get("/api/hsds" + path, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert body["size"] == len(body["contents"])
    assert body["empty"] is (body["size"] == 0)
    assert body["first_page"] is (body["page_number"] == 1)
    item_schema = schema or (FULL_SCHEMAS[path] if params.get("full") == "true" else LIST_SCHEMAS[path])
    for item in body["contents"]:
        validate(item, item_schema)
    Counter.responses += 1
    return body


def get_ndjson(client: Client, path: str, params: dict[str, Any] | None = None) -> list[Any]:
    params = {**(params or {}), "format": "ndjson"}
    response = client.get("/api/hsds" + path, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in text.splitlines() if line]
    schema = FULL_SCHEMAS[path] if params.get("full") == "true" else LIST_SCHEMAS[path]
    for item in lines:
        validate(item, schema)
    Counter.responses += 1
    return lines


def get_detail(client: Client, path: str, pk: Any, params: dict[str, Any] | None = None) -> Any:
    response = client.get(f"/api/hsds{path}/{pk}", params or {})
    assert response.status_code == 200, response.content
    body = response.json()
    validate(body, DETAIL_SCHEMAS[path])
    Counter.responses += 1
    return body


def assert_error(response: Any, status: int, loc: list[str], kind: str | None = None) -> None:
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert [d["loc"] for d in detail] == [loc], detail
    assert all(d["msg"] for d in detail)
    if kind:
        assert detail[0]["type"] == kind
    Counter.responses += 1


def test_api_info_points_to_its_openapi(client: Client) -> None:
    body = client.get("/api/hsds/").json()
    spec = json.loads((STANDARD / "schema" / "openapi.json").read_text(encoding="utf-8"))
    info_schema = spec["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = list(
        Draft202012Validator(info_schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(body)
    )
    assert not errors
    assert body["version"] == "3.0"
    assert body["openapi_url"] == "http://testserver/api/hsds/openapi.json"
    assert body["profile"].startswith("https://")
    openapi = client.get("/api/hsds/openapi.json").json()
    assert set(openapi["paths"]) >= {
        "/api/hsds/services",
        "/api/hsds/services/{id}",
        "/api/hsds/organizations",
        "/api/hsds/organizations/{id}",
        "/api/hsds/service_at_locations",
        "/api/hsds/service_at_locations/{id}",
        "/api/hsds/taxonomies",
        "/api/hsds/taxonomies/{id}",
        "/api/hsds/taxonomy_terms",
        "/api/hsds/taxonomy_terms/{id}",
    }
    services = openapi["paths"]["/api/hsds/services"]["get"]
    assert set(services["responses"]) == {"200", "422"}
    assert "application/x-ndjson" in services["responses"]["200"]["content"]
    assert set(openapi["paths"]["/api/hsds/services/{id}"]["get"]["responses"]) == {"200", "404"}
    assert {p["name"] for p in services["parameters"]} >= {
        "search",
        "page",
        "per_page",
        "format",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "minimal",
        "full",
    }


def test_every_endpoint_validates(client: Client, catalog: dict[str, Any]) -> None:
    """Crawl the whole API: every list (plain, full, ndjson) and the detail of every item it lists."""
    ids: dict[str, set[str]] = {}
    for path in LIST_SCHEMAS:
        variants: list[dict[str, Any]] = [{}, {"per_page": 1}, {"page": 2, "per_page": 1}, {"page": 99}]
        if path in FULL_SCHEMAS:
            variants.append({"full": "true"})
        if path == "/organizations":
            variants.append({"full": "true", "full_service": "true"})
        for params in variants:
            body = get_page(client, path, params)
            ids.setdefault(path, set()).update(item["id"] for item in body["contents"])
        for params in ({}, {"full": "true"} if path in FULL_SCHEMAS else {}):
            lines = get_ndjson(client, path, params)
            assert {line["id"] for line in lines} == ids[path]
    for path, found in ids.items():
        assert found, path
        for pk in found:
            get_detail(client, path, pk)
    get_detail(client, "/organizations", catalog["ngo"].pk, {"full_service": "true"})
    assert Counter.validated > 0


def test_only_published_services_are_public(client: Client, catalog: dict[str, Any]) -> None:
    body = get_page(client, "/services")
    assert [s["name"] for s in body["contents"]] == ["Klub seniora", "Usługi opiekuńcze w miejscu zamieszkania"]
    assert all(s["status"] == "active" for s in body["contents"])
    assert client.get(f"/api/hsds/services/{catalog['draft'].pk}").status_code == 404
    organizations = get_page(client, "/organizations")["contents"]
    assert [o["id"] for o in organizations] == [str(catalog["ngo"].pk)]  # the CUS has only a draft
    assert client.get(f"/api/hsds/organizations/{catalog['cus'].pk}").status_code == 404
    sals = get_page(client, "/service_at_locations")["contents"]
    assert {s["service_id"] for s in sals} == {str(catalog["care"].pk), str(catalog["club_service"].pk)}
    draft_sal = catalog["draft"].service_at_locations.get()
    assert client.get(f"/api/hsds/service_at_locations/{draft_sal.pk}").status_code == 404
    catalog_services.service_set_status(actor=None, service=catalog["club_service"], status=ServiceStatus.ARCHIVED)
    assert get_page(client, "/services")["total_items"] == 1


def test_service_mapping(client: Client, catalog: dict[str, Any]) -> None:
    care = catalog["care"]
    body = get_detail(client, "/services", care.pk)
    assert body["name"] == "Usługi opiekuńcze w miejscu zamieszkania"
    assert body["status"] == "active"
    assert body["organization"]["name"] == "Stowarzyszenie „Pomocna Dłoń” w Przykładowie"
    assert body["cost_options"] == [
        {
            "id": derived_id(care.pk, "cost_option"),
            "service_id": str(care.pk),
            "option": "Odpłatność zależna od dochodu",
            "currency": "PLN",
            "amount_description": "za godzinę",
        }
    ]
    assert body["fees_description"].startswith("Odpłatność według uchwały")
    assert [(lang["code"], lang["name"]) for lang in body["languages"]] == [("pl", "polski"), ("uk", "ukraiński")]
    assert body["languages"][0]["id"] == str(uuid.uuid5(care.pk, "language:pl"))
    terms = {(a["link_type"], a["taxonomy_term"]["code"]) for a in body["attributes"]}
    assert terms == {
        ("service_category", "04"),
        ("service_category", "06"),
        ("audience", "seniors"),
        ("audience", "disability"),
    }
    social = next(a for a in body["attributes"] if a["taxonomy_term"]["code"] == "04")
    assert social["taxonomy_term_id"] == str(area("04").pk)
    assert social["taxonomy_term"]["taxonomy_detail"]["id"] == str(AREAS_TAXONOMY_ID)
    assert body["service_areas"] == [
        {
            "id": derived_id(care.pk, "service_area:1499011"),
            "service_id": str(care.pk),
            "name": "Gmina Przykładowa",
            "description": "Gmina Gmina Przykładowa, województwo mazowieckie",
            "extent": "1499011",
            "extent_type": "TERYT",
        }
    ]
    assert [d["document"] for d in body["required_documents"]] == [
        "Oświadczenie o dochodach",
        "Zaświadczenie lekarskie o stanie zdrowia",
    ]
    assert body["contacts"][0]["phones"][0]["number"] == "+48 600 100 200"
    office = next(s for s in body["service_at_locations"] if s["location"]["name"] == "Biuro stowarzyszenia")
    weekly = [s for s in office["schedules"] if "count" not in s]
    assert [s["byday"] for s in weekly] == ["MO", "TU", "WE", "TH", "FR"]
    assert {(s["freq"], s["opens_at"], s["closes_at"]) for s in weekly} == {("WEEKLY", "08:00", "16:00")}
    assert {s["timezone"] for s in weekly} <= {1, 2}
    exceptions = [s for s in office["schedules"] if s.get("count") == 1]
    assert [(e["dtstart"], e["notes"], e.get("opens_at")) for e in exceptions] == [
        ("2026-12-24", "closed", None),
        ("2026-12-31", "other_hours", "08:00"),
    ]
    assert exceptions[0]["timezone"] == 1  # Warsaw in winter
    address = office["location"]["addresses"][0]
    assert address == {
        "id": derived_id(catalog["office"].pk, "address:physical"),
        "location_id": str(catalog["office"].pk),
        "address_1": "ul. Lipowa 5",
        "city": "Przykładowo",
        "state_province": "mazowieckie",
        "postal_code": "05-999",
        "country": "PL",
        "address_type": "physical",
    }
    assert {a.get("details") for a in office["location"]["accessibility"]} == {None, "wheelchair_accessible"}
    assert office["location"]["latitude"] == 52.1


def test_club_fee_and_seasonal_hours(client: Client, catalog: dict[str, Any]) -> None:
    body = get_detail(client, "/services", catalog["club_service"].pk)
    assert body["cost_options"][0]["amount"] == 20
    assert body["cost_options"][0]["option"] == "Opłata stała"
    (schedule,) = body["service_at_locations"][0]["schedules"]
    assert schedule["valid_from"] == "2026-01-01"
    assert schedule["opens_at"] == "10:00"
    assert schedule["closes_at"] == "14:30"


def test_organization_identifiers(client: Client, catalog: dict[str, Any]) -> None:
    body = get_detail(client, "/organizations", catalog["ngo"].pk)
    assert {(i["identifier_scheme"], i["identifier"]) for i in body["organization_identifiers"]} == {
        ("PL-NIP", NGO_NIP),
        ("PL-REGON", catalog["ngo"].regon),
        ("PL-KRS", "0000123456"),
    }
    assert body["tax_id"] == NGO_NIP
    assert {s["name"] for s in body["services"]} == {"Klub seniora", "Usługi opiekuńcze w miejscu zamieszkania"}
    assert {loc["name"] for loc in body["locations"]} == {"Biuro stowarzyszenia", "Klub Seniora „Pod Lipami”"}
    # A place of the provider where only a draft service is offered is not public yet.
    new_place = catalog_services.location_create(
        actor=None,
        municipality=catalog["ngo"].municipality,
        organization=catalog["ngo"],
        name="Nowa świetlica",
        address_1="ul. Szkolna 3",
        postal_code="05-999",
        city="Przykładowo",
    )
    catalog_services.service_location_add(actor=None, service=catalog["draft"], location=new_place)
    body = get_detail(client, "/organizations", catalog["ngo"].pk)
    assert "Nowa świetlica" not in {loc["name"] for loc in body["locations"]}


def test_service_filters(client: Client, catalog: dict[str, Any], municipality: Any) -> None:
    care, club = str(catalog["care"].pk), str(catalog["club_service"].pk)

    def names(params: dict[str, Any]) -> set[str]:
        return {s["id"] for s in get_page(client, "/services", params)["contents"]}

    assert names({"taxonomy_term_id": str(area("06").pk)}) == {care}
    assert names({"taxonomy_term_id": str(target_group("seniors").pk)}) == {care, club}
    assert names({"taxonomy_term_id": str(area("13").pk)}) == set()
    assert names({"taxonomy_id": str(AREAS_TAXONOMY_ID)}) == {care, club}
    assert names({"organization_id": str(catalog["ngo"].pk)}) == {care, club}
    assert names({"organization_id": str(catalog["cus"].pk)}) == set()
    assert names({"search": "opiekuńcze"}) == {care}
    assert names({"search": "opiekuncze", "organization_id": str(catalog["ngo"].pk)}) == {care}
    organizations = get_page(client, "/organizations", {"search": "opiekuńcze"})["contents"]
    assert [o["id"] for o in organizations] == [str(catalog["ngo"].pk)]  # through its service
    assert get_page(client, "/organizations", {"search": "Pomocna"})["total_items"] == 1
    assert get_page(client, "/organizations", {"search": "nieistniejące"})["total_items"] == 0
    sals = get_page(client, "/service_at_locations", {"search": "klub"})["contents"]
    assert {s["service_id"] for s in sals} == {club}
    assert names({"modified_after": "2000-01-01"}) == {care, club}
    assert names({"modified_after": "2999-01-01T00:00:00Z"}) == set()
    minimal = get_page(client, "/services", {"minimal": "true"})["contents"]
    assert all(set(item) == {"id", "name", "status", "last_modified"} for item in minimal)
    lines = get_ndjson(client, "/services", {"taxonomy_term_id": str(area("06").pk)})
    assert [line["id"] for line in lines] == [care]
    sal_ids = {
        s["service_id"]
        for s in get_page(client, "/service_at_locations", {"taxonomy_term_id": str(area("11").pk)})["contents"]
    }
    assert sal_ids == {club}


def test_taxonomy_term_filters(client: Client, catalog: dict[str, Any]) -> None:
    body = get_page(client, "/taxonomy_terms", {"taxonomy_id": str(AREAS_TAXONOMY_ID), "per_page": 100})
    assert body["total_items"] == 14
    assert [t["code"] for t in body["contents"]][:3] == ["01", "02", "03"]
    assert get_page(client, "/taxonomy_terms", {"top_only": "true"})["total_items"] >= 14
    assert get_page(client, "/taxonomy_terms", {"parent_id": str(area("04").pk)})["total_items"] == 0
    assert get_page(client, "/taxonomy_terms", {"search": "pomoc społeczna"})["contents"][0]["code"] == "04"
    assert get_page(client, "/taxonomies", {"search": "obszary"})["total_items"] == 1


def test_proximity_and_postcode(client: Client, catalog: dict[str, Any]) -> None:
    def places(params: dict[str, Any]) -> list[str]:
        return [s["location"]["name"] for s in get_page(client, "/service_at_locations", params)["contents"]]

    assert places({"postcode": "05-999"}) == ["Klub Seniora „Pod Lipami”", "Biuro stowarzyszenia"]
    assert places({"postcode": "05999"}) == places({"postcode": "05-999"})
    # 52.1,21.0 is the office; the club is about 2.6 km away, Zalesie about 78 km.
    assert places({"proximity": "52.1,21.0,1"}) == ["Biuro stowarzyszenia"]
    assert places({"proximity": "52.1,21.0"}) == ["Biuro stowarzyszenia", "Klub Seniora „Pod Lipami”"]
    assert places({"proximity": "52.1,21.0,100"}) == [
        "Biuro stowarzyszenia",
        "Klub Seniora „Pod Lipami”",
        "Punkt konsultacyjny w Zalesiu",
    ]
    assert places({"proximity": "52.1,21.0,100", "per_page": 1, "page": 3}) == ["Punkt konsultacyjny w Zalesiu"]
    # The spec's form: meters from the centroid of the postcode (52.11, 21.01: both places within 2 km).
    assert set(places({"postcode": "05-999", "proximity": "2000"})) == {
        "Biuro stowarzyszenia",
        "Klub Seniora „Pod Lipami”",
    }
    assert len(places({"postcode": "05-999", "proximity": "500"})) == 0
    lines = get_ndjson(client, "/service_at_locations", {"proximity": "52.1,21.0,100"})
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/services", {"per_page": 0}, ["query", "per_page"]),
        ("/services", {"per_page": 101}, ["query", "per_page"]),
        ("/services", {"per_page": "many"}, ["query", "per_page"]),
        ("/services", {"page": 0}, ["query", "page"]),
        ("/organizations", {"per_page": 500}, ["query", "per_page"]),
        ("/taxonomies", {"per_page": -1}, ["query", "per_page"]),
        ("/services", {"modified_after": "yesterday"}, ["query", "modified_after"]),
        ("/services", {"taxonomy_term_id": "x"}, ["query", "taxonomy_term_id"]),
        ("/services", {"organization_id": "123"}, ["query", "organization_id"]),
        ("/services", {"format": "xml"}, ["query", "format"]),
        ("/taxonomy_terms", {"parent_id": "zz"}, ["query", "parent_id"]),
        ("/service_at_locations", {"proximity": "north"}, ["query", "proximity"]),
        ("/service_at_locations", {"proximity": "95,21,5"}, ["query", "proximity"]),
        ("/service_at_locations", {"proximity": "52,21,0"}, ["query", "proximity"]),
        ("/service_at_locations", {"proximity": "1000"}, ["query", "proximity"]),
        ("/service_at_locations", {"proximity": "1000", "postcode": "99-999"}, ["query", "postcode"]),
        ("/service_at_locations", {"modified_after": "2026-13-01"}, ["query", "modified_after"]),
        ("/services", {"modified_after": "0001-01-01T00:00:00+14:00"}, ["query", "modified_after"]),
    ],
)
def test_invalid_query_is_422(client: Client, path: str, params: dict[str, Any], loc: list[str]) -> None:
    assert_error(client.get("/api/hsds" + path, params), 422, loc)


@pytest.mark.parametrize(
    "path", ["/services", "/organizations", "/service_at_locations", "/taxonomies", "/taxonomy_terms"]
)
@pytest.mark.parametrize("pk", [str(uuid.UUID(int=7)), "not-a-uuid"])
def test_unknown_id_is_404(client: Client, path: str, pk: str) -> None:
    assert_error(client.get(f"/api/hsds{path}/{pk}"), 404, ["path", "id"], "not_found")


def test_no_sign_in_and_read_only(client: Client, catalog: dict[str, Any]) -> None:
    assert client.get("/api/hsds/services").status_code == 200
    assert client.post("/api/hsds/services", {}).status_code == 405


def test_places_show_their_contact_people_and_every_phone_number(client: Client, catalog: dict[str, Any]) -> None:
    care = get_detail(client, "/services", catalog["care"].pk)
    assert [p["number"] for p in care["phones"]] == ["+48 22 111 22 55", "+48 22 111 22 77"]
    assert {"number": "+48 22 111 22 77", "type": "fax", "description": "Faks działu usług"}.items() <= next(
        p for p in care["phones"] if p["number"] == "+48 22 111 22 77"
    ).items()
    office = next(
        sal["location"] for sal in care["service_at_locations"] if sal["location_id"] == str(catalog["office"].pk)
    )
    (contact,) = office["contacts"]
    assert contact["name"] == "Ewa Zielińska"
    assert contact["department"] == "recepcja"
    assert contact["location_id"] == str(catalog["office"].pk)
    assert {"number": "+48 22 111 22 88", "extension": 12}.items() <= office["phones"][-1].items()
    ngo = get_detail(client, "/organizations", catalog["ngo"].pk)
    assert "+48 600 300 400" in [p["number"] for p in ngo["phones"]]


@pytest.mark.parametrize("path", ["/services", "/service_at_locations", "/organizations"])
def test_query_count_does_not_depend_on_page_size(
    client: Client, municipality: Any, django_assert_max_num_queries: Any, path: str
) -> None:
    from cus.catalog.tests.factories import ContactFactory, RequiredDocumentFactory, ScheduleFactory

    for n in range(60):
        organization = None if n % 3 else ServiceFactory(municipality=municipality).organization
        service = ServiceFactory(
            municipality=municipality,
            **({"organization": organization} if organization else {}),
            target_groups=[target_group("seniors")],
            languages=["pl", "en"],
        )
        sal = ServiceAtLocationFactory(service=service)
        ScheduleFactory(service_at_location=sal)
        RequiredDocumentFactory(service=service)
        ContactFactory(service=service)

    def count(per_page: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            body = get_page(client, path, {"per_page": per_page, "full": "true"})
        assert body["size"] == min(per_page, body["total_items"])
        return len(queries)

    small = count(2)
    with django_assert_max_num_queries(small):
        get_page(client, path, {"per_page": 50, "full": "true"})
    assert count(50) == small
    with django_assert_max_num_queries(small):
        get_page(client, path, {"per_page": 50})


def test_report_validated_count(capsys: Any) -> None:
    # Runs last in this module: the number of HSDS objects and pages validated so far (visible with -s).
    with capsys.disabled():
        print(f"\nHSDS API: {Counter.responses} responses checked, {Counter.validated} objects schema-validated")
    assert Counter.responses > 0
