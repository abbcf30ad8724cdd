"""The public Open Referral HSDS 3.0 API at /api/hsds/: read only, no authentication, published services only.

A separate NinjaAPI from the staff API (its own OpenAPI at /api/hsds/openapi.json). Responses are built by
``cus.catalog.hsds`` and follow schema/openapi.json of HSDS 3.0 with these choices:

- Paging: ``page`` ≥ 1 (default 1), ``per_page`` 1..100 (default 25); out of range → 422 with
  ``loc: ["query", name]``. A page past the last one is an empty page (``empty: true``), not an error.
- Ids: an id in the path that is unknown or not a UUID → 404 (the spec types ids as strings, so a malformed one
  is simply an id that matches nothing); a malformed UUID in a query filter → 422 with the parameter in ``loc``.
- ``format=ndjson`` streams every result (no paging), one JSON object a line, ``application/x-ndjson``.
- What is public: services with status published; organizations that provide at least one published service;
  services at locations of published services. Taxonomies and terms are shared reference data: all are public.
- ``proximity`` (service_at_locations): either the spec's form, a distance in **meters** from the centroid of
  ``postcode`` (the mean position of the catalog's located places with that postal code), or a point
  ``lat,long`` or ``lat,long,radius_km`` (default radius 10 km). Results are sorted by distance.
  ``postcode`` alone keeps the places with that postal code.
- ``/service_at_locations/{id}`` answers with ``compiled/service_at_location.json`` (the spec's openapi.json
  points it at ``compiled/service.json``, an evident copy error: that schema requires a service's name).
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError as NinjaValidationError
from pydantic_core import to_json

from cus.catalog import hsds, public_cache
from cus.catalog.models import (
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from cus.catalog.search import load_in_order, page_keys, search_services
from cus.core.api_schemas import ErrorOut

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/profiles.html"
PER_PAGE_DEFAULT = 25
PER_PAGE_MAX = 100
DEFAULT_RADIUS_KM = 10.0
EARTH_RADIUS_KM = 6371.0088
NDJSON = "application/x-ndjson"
DETAIL_CACHE_SECONDS = 600

api = NinjaAPI(
    title="Otwarte CUS — Open Referral HSDS 3.0",
    version="3.0",
    description=(
        "Public, read-only catalog of published social services in the Open Referral Human Services Data "
        "Specification 3.0 format. No authentication. Lists are paged with `page` and `per_page` (1–100, default "
        "25) or streamed whole with `format=ndjson`. Every error has the shape "
        '`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`: 404 for an unknown or malformed id in the '
        "path, 422 for an invalid query parameter (its name is in `loc`)."
    ),
    urls_namespace="api-hsds",
    docs_decorator=csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}),  # type: ignore[dict-item]
)

LIST_ERRORS: dict[int, Any] = {422: ErrorOut}
DETAIL_ERRORS: dict[int, Any] = {404: ErrorOut}


class QueryError(Exception):
    def __init__(self, name: str, msg: str, kind: str = "value_error") -> None:
        super().__init__(msg)
        self.name, self.msg, self.kind = name, msg, kind


def _error(status: int, loc: list[Any], msg: str, kind: str) -> JsonResponse:
    return JsonResponse({"detail": [{"loc": loc, "msg": msg, "type": kind}]}, status=status)


@api.exception_handler(NinjaValidationError)
def on_invalid_query(request: HttpRequest, exc: NinjaValidationError) -> HttpResponseBase:
    detail = [
        {"loc": list(e.get("loc", [])), "msg": str(e.get("msg", "")), "type": str(e.get("type", "invalid"))}
        for e in exc.errors
    ]
    return JsonResponse({"detail": detail}, status=422)


@api.exception_handler(QueryError)
def on_query_error(request: HttpRequest, exc: QueryError) -> HttpResponseBase:
    return _error(422, ["query", exc.name], exc.msg, exc.kind)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponseBase:
    return _error(404, ["path", "id"], str(exc) or _("Not found."), "not_found")


# Documentation of the 200 responses: the HSDS schemas by their canonical URLs.


ERROR_422 = (
    'An invalid query parameter, named in `loc` (`["query", name]`): `page` below 1, `per_page` outside 1–100, '
    "a malformed UUID filter, `modified_after` not ISO 8601, a malformed `proximity`, an unknown `postcode` "
    "centroid, a `format` other than json/ndjson."
)
ERROR_404 = 'No public object has this id; an id that is not a UUID gets the same answer. `loc` is `["path", "id"]`.'


def _page_doc(item_schema: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            422: {"description": ERROR_422},
            200: {
                "description": description + " With format=ndjson: one item a line, without the page envelope.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": [
                                "total_items",
                                "total_pages",
                                "page_number",
                                "size",
                                "first_page",
                                "last_page",
                                "empty",
                                "contents",
                            ],
                            "properties": {
                                "total_items": {"type": "integer"},
                                "total_pages": {"type": "integer"},
                                "page_number": {"type": "integer"},
                                "size": {"type": "integer"},
                                "first_page": {"type": "boolean"},
                                "last_page": {"type": "boolean"},
                                "empty": {"type": "boolean"},
                                "contents": {"type": "array", "items": {"$ref": SCHEMA_BASE + item_schema}},
                            },
                        }
                    },
                    NDJSON: {"schema": {"$ref": SCHEMA_BASE + item_schema}},
                },
            },
        }
    }


def _detail_doc(schema: str, description: str, *, query: bool = False) -> dict[str, Any]:
    return {
        "responses": {
            404: {"description": ERROR_404},
            **({422: {"description": ERROR_422}} if query else {}),
            200: {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": SCHEMA_BASE + schema}}},
            },
        }
    }


# Query parsing


def _uuid(name: str, value: str | None) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise QueryError(name, _("Not a valid UUID."), "uuid_parsing") from None


def _path_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(_("Not found.")) from None


def _modified_after(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    try:
        if len(text) == 10:
            parsed = datetime.datetime.combine(datetime.date.fromisoformat(text), datetime.time())
        else:
            parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            "modified_after", _("Give a date or date and time in ISO 8601, e.g. 2026-01-31T12:00:00Z."), "datetime"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=hsds.WARSAW)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 is before the first representable instant
        raise QueryError("modified_after", _("The date is out of range."), "datetime") from None


def _format(value: str | None) -> str:
    value = (value or "json").lower()
    if value not in ("json", "ndjson"):
        raise QueryError("format", _("Use json or ndjson."), "enum")
    return value


def _text(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def _json(data: dict[str, Any]) -> HttpResponse:
    """A JSON response in UTF-8; pydantic-core's encoder (already a dependency, through django-ninja) is four times
    faster than ``json.dumps`` on these plain dicts of strings and numbers. No re-validation: the dicts are built
    by ``cus.catalog.hsds`` and their shape is checked against the HSDS schemas by the tests."""
    return HttpResponse(to_json(data), content_type="application/json")


def _json_line(data: dict[str, Any]) -> bytes:
    return to_json(data) + b"\n"


def _respond(
    request: HttpRequest,
    rows: Any,
    render: Callable[[Any], dict[str, Any]],
    *,
    page: int,
    per_page: int,
    fmt: str,
    load: QuerySet[Any] | None = None,
) -> HttpResponseBase:
    """A page of ``rows`` (a queryset or ``OrderedRows``), or all of them as NDJSON.

    With ``load`` (a queryset of the same model with what ``render`` reads), the page's keys and the total come from
    one query on ``rows`` and the page's rows are then read by key from ``load``: a full-text search matches and
    ranks once instead of twice, and its sort carries keys rather than whole rows. ``load`` filters by nothing but
    the keys (which only ``rows`` chose): another condition would let SQLite scan that condition's index instead
    of looking the keys up (the status index: 25 ms for a page of 25 published services)."""
    if fmt == "ndjson":

        def lines() -> Iterator[bytes]:
            for item in rows.iterator(chunk_size=PER_PAGE_MAX):
                yield _json_line(render(item))

        return StreamingHttpResponse(lines(), content_type=NDJSON)
    start = (page - 1) * per_page
    if load is not None:
        keys, counted = page_keys(rows, start, per_page)
        total = counted if counted is not None else (0 if start == 0 else rows.count())
        items = load_in_order(load, keys)
    else:
        total = rows.count()
        items = list(rows[start : start + per_page]) if total > start else []
    total_pages = math.ceil(total / per_page) if total else 0
    body = {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not items,
        "contents": [render(item) for item in items],
    }
    return _json(body)


class OrderedRows:
    """Rows of a queryset in a given order of primary keys (nearest first); a page loads only its own rows."""

    def __init__(self, queryset: QuerySet[Any], order: list[Any]) -> None:
        self.queryset, self.order = queryset, order

    def count(self) -> int:
        return len(self.order)

    def _load(self, keys: list[Any]) -> list[Any]:
        rows = {row.pk: row for row in self.queryset.filter(pk__in=keys)}
        return [rows[pk] for pk in keys if pk in rows]

    def __getitem__(self, index: slice) -> list[Any]:
        return self._load(self.order[index])

    def iterator(self, chunk_size: int) -> Iterator[Any]:
        for start in range(0, len(self.order), chunk_size):
            yield from self._load(self.order[start : start + chunk_size])


PAGE = Query(1, ge=1, le=10**9, description="Page number, from 1.")
PER_PAGE = Query(PER_PAGE_DEFAULT, ge=1, le=PER_PAGE_MAX, description="Results a page, 1–100.")
FORMAT = Query(None, description="json (default) or ndjson: every result, one JSON object a line, no paging.")
SEARCH = Query(None, description="Full-text search (Polish, accents optional).")
TERM = Query(None, description="Services with this taxonomy term (service area or target group).")
TAXONOMY = Query(None, description="Services with any term of this taxonomy.")
ORGANIZATION = Query(None, description="Services of this organization.")
MODIFIED_AFTER = Query(None, description="Results modified on or after this date-time (ISO 8601).")


def published_services() -> QuerySet[Service]:
    return Service.objects.published()


def _filter_services(
    queryset: QuerySet[Service],
    *,
    search: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    organization_id: str | None,
    modified_after: str | None,
) -> QuerySet[Service]:
    term = _uuid("taxonomy_term_id", taxonomy_term_id)
    taxonomy = _uuid("taxonomy_id", taxonomy_id)
    organization = _uuid("organization_id", organization_id)
    since = _modified_after(modified_after)
    if term is not None:
        queryset = queryset.filter(
            Q(pk__in=Service.areas.through.objects.filter(taxonomyterm_id=term).values("service_id"))
            | Q(pk__in=Service.target_groups.through.objects.filter(taxonomyterm_id=term).values("service_id"))
        )
    if taxonomy is not None:
        queryset = queryset.filter(
            Q(pk__in=Service.areas.through.objects.filter(taxonomyterm__taxonomy_id=taxonomy).values("service_id"))
            | Q(
                pk__in=Service.target_groups.through.objects.filter(taxonomyterm__taxonomy_id=taxonomy).values(
                    "service_id"
                )
            )
        )
    if organization is not None:
        queryset = queryset.filter(organization_id=organization)
    if since is not None:
        queryset = queryset.filter(updated_at__gte=since)
    query = _text(search)
    if query:
        return search_services(queryset, query)
    return queryset.order_by("name", "pk")


# Endpoints


@api.get(
    "/",
    summary="Information about this API and its relationship with HSDS",
    openapi_extra={
        "responses": {
            200: {
                "description": "HSDS version, profile and the URL of this OpenAPI document.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "version": {"type": "string"},
                                "profile": {"type": "string", "format": "uri"},
                                "openapi_url": {"type": "string", "format": "uri"},
                            },
                        }
                    }
                },
            }
        }
    },
)
def api_meta(request: HttpRequest) -> HttpResponseBase:
    return JsonResponse(
        {
            "version": hsds.HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": request.build_absolute_uri(reverse("api-hsds:openapi-json")),
        }
    )


@api.get(
    "/services",
    response=LIST_ERRORS,
    summary="Paged list of published services (one-to-one fields, or fully nested with full=true)",
    openapi_extra=_page_doc("compiled/service_list.json", "A page of services."),
)
def service_list(
    request: HttpRequest,
    *,
    search: str | None = SEARCH,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    format: str | None = FORMAT,
    taxonomy_term_id: str | None = TERM,
    taxonomy_id: str | None = TAXONOMY,
    organization_id: str | None = ORGANIZATION,
    modified_after: str | None = MODIFIED_AFTER,
    minimal: bool = Query(False, description="Only id and last_modified of each service."),
    full: bool = Query(False, description="Fully nested services."),
) -> HttpResponseBase:
    fmt = _format(format)
    queryset = _filter_services(
        published_services(),
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
    )
    render: Callable[[Service], dict[str, Any]]
    load: QuerySet[Service]
    if minimal:
        # The spec's minimal form is id and modified date; name and status stay so that items remain valid.
        queryset = queryset.only("id", "name", "status", "updated_at", "organization_id")
        load = Service.objects.only("id", "name", "status", "updated_at", "organization_id")

        def render(s: Service) -> dict[str, Any]:
            return {
                "id": str(s.pk),
                "name": s.name,
                "status": hsds.STATUS[s.status],  # type: ignore[index]
                "last_modified": hsds.service_list_item(s, with_organization=False)["last_modified"],
            }
    elif full:
        queryset = hsds.services_for_output(queryset, full=True)
        load = hsds.services_for_output(Service.objects.all(), full=True)
        render = hsds.service_full
    else:
        queryset = hsds.services_for_output(queryset, full=False)
        load = hsds.services_for_output(Service.objects.all(), full=False)
        render = hsds.service_list_item
    return _respond(request, queryset, render, page=page, per_page=per_page, fmt=fmt, load=load)


@api.get(
    "/services/{id}",
    response=DETAIL_ERRORS,
    summary="A fully nested published service",
    openapi_extra=_detail_doc("compiled/service.json", "The service with all its related data."),
)
def service_detail(request: HttpRequest, id: str) -> HttpResponseBase:
    """Built with twelve statements (the service and its nested rows, ``hsds.PUBLISHED_SERVICE``), and the encoded
    answer cached under the catalog's version (``public_cache``: bumped by every write to catalog data) and the
    service's own ``updated_at``. A cached answer costs one query, which also checks that the service is still
    published."""
    pk = _path_uuid(id)
    found = (
        published_services()
        .filter(pk=pk)
        .annotate(catalog_version=RawSQL(public_cache.VERSION_SQL, ()))  # noqa: S611 (a constant statement)
        .values_list("updated_at", "catalog_version")
        .first()
    )
    if found is None:
        raise Http404(_("No published service has this id."))
    updated_at, version = found
    key = f"hsds:service:{pk.hex}:{version}:{updated_at.timestamp() if updated_at else ''}"
    body = cache.get(key) if version is not None else None
    if body is None:
        service = hsds.PUBLISHED_SERVICE.get(pk)
        if service is None:  # unpublished between the two queries
            raise Http404(_("No published service has this id."))
        body = to_json(hsds.service_full(service))
        if version is not None:
            cache.set(key, body, DETAIL_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/json")


def public_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=published_services().values("organization_id"))


@api.get(
    "/organizations",
    response=LIST_ERRORS,
    summary="Paged list of organizations providing published services",
    openapi_extra=_page_doc("compiled/organization_list.json", "A page of organizations."),
)
def organization_list(
    request: HttpRequest,
    *,
    search: str | None = SEARCH,
    full_service: bool = Query(False, description="With full=true: services fully nested."),
    full: bool = Query(False, description="Fully nested organizations (with their published services)."),
    page: int = PAGE,
    per_page: int = PER_PAGE,
    format: str | None = FORMAT,
) -> HttpResponseBase:
    fmt = _format(format)
    queryset = public_organizations().order_by("name", "pk")
    query = _text(search)
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query)
            | Q(alternate_name__icontains=query)
            | Q(pk__in=search_services(published_services(), query).values("organization_id"))
        )
    if full:
        services = hsds.services_for_output(published_services().order_by("name", "pk"), full=full_service)
        queryset = hsds.organizations_for_output(queryset, full=True, services=services, public=True)

        def render(o: Organization) -> dict[str, Any]:
            return hsds.organization_full(o, full_service=full_service)

        return _respond(request, queryset, render, page=page, per_page=per_page, fmt=fmt)
    return _respond(request, queryset, hsds.organization_list_item, page=page, per_page=per_page, fmt=fmt)


@api.get(
    "/organizations/{id}",
    response={**DETAIL_ERRORS, **LIST_ERRORS},
    summary="A fully nested organization with its published services",
    openapi_extra=_detail_doc("compiled/organization.json", "The organization with its related data.", query=True),
)
def organization_detail(
    request: HttpRequest,
    id: str,
    full_service: bool = Query(False, description="Services fully nested instead of their one-to-one fields."),
) -> HttpResponseBase:
    pk = _path_uuid(id)
    services = hsds.services_for_output(published_services().order_by("name", "pk"), full=full_service)
    organization = hsds.organizations_for_output(
        public_organizations().filter(pk=pk), full=True, services=services, public=True
    ).first()
    if organization is None:
        raise Http404(_("No organization with published services has this id."))
    return _json(hsds.organization_full(organization, full_service=full_service))


# Services at locations


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _normal_postcode(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{digits[:2]}-{digits[2:]}" if len(digits) == 5 else value.strip()


def _proximity(value: str, postcode: str | None) -> tuple[float, float, float]:
    """(lat, long, radius in km) from ``proximity`` (and the centroid of ``postcode`` for the spec's form)."""
    parts = [p.strip() for p in value.split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise QueryError(
            "proximity", _("Give meters from the postcode, or lat,long or lat,long,radius_km."), "proximity"
        ) from None
    if any(math.isnan(n) or math.isinf(n) for n in numbers) or len(numbers) not in (1, 2, 3):
        raise QueryError("proximity", _("Give meters from the postcode, or lat,long or lat,long,radius_km."))
    if len(numbers) == 1:
        if numbers[0] <= 0:
            raise QueryError("proximity", _("The distance must be positive."))
        if not postcode:
            raise QueryError("proximity", _("A distance in meters needs a postcode to measure from."))
        points = list(
            Location.objects.filter(
                postal_code=_normal_postcode(postcode), latitude__isnull=False, longitude__isnull=False
            ).values_list("latitude", "longitude")
        )
        if not points:
            raise QueryError("postcode", _("No place in the catalog has this postcode and a known position."))
        lat = sum(float(str(p[0])) for p in points) / len(points)
        lon = sum(float(str(p[1])) for p in points) / len(points)
        return lat, lon, numbers[0] / 1000
    lat, lon = numbers[0], numbers[1]
    radius = numbers[2] if len(numbers) == 3 else DEFAULT_RADIUS_KM
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QueryError("proximity", _("Latitude must be within -90..90 and longitude within -180..180."))
    if not 0 < radius <= 1000:
        raise QueryError("proximity", _("The radius must be more than 0 and at most 1000 km."))
    return lat, lon, radius


def _near(queryset: QuerySet[ServiceAtLocation], lat: float, lon: float, radius_km: float) -> list[Any]:
    """A bounding box in SQL, then the exact great-circle distance in Python; nearest first."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    coslat = math.cos(math.radians(lat))
    dlon = 180.0 if coslat < 1e-6 else min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * coslat)))
    box = queryset.filter(
        location__latitude__gte=Decimal(str(round(lat - dlat, 6))),
        location__latitude__lte=Decimal(str(round(lat + dlat, 6))),
    )
    if dlon < 180:
        lo, hi = lon - dlon, lon + dlon
        if lo < -180 or hi > 180:  # the box crosses the antimeridian
            lo, hi = (lo + 360 if lo < -180 else lo), (hi - 360 if hi > 180 else hi)
            box = box.filter(
                Q(location__longitude__gte=Decimal(str(round(lo, 6))))
                | Q(location__longitude__lte=Decimal(str(round(hi, 6))))
            )
        else:
            box = box.filter(
                location__longitude__gte=Decimal(str(round(lo, 6))),
                location__longitude__lte=Decimal(str(round(hi, 6))),
            )
    candidates = box.filter(location__longitude__isnull=False).values_list(
        "pk", "location__latitude", "location__longitude"
    )
    distances = {
        pk: d
        for pk, la, lo_ in candidates
        if (d := _haversine_km(lat, lon, float(str(la)), float(str(lo_)))) <= radius_km + 1e-9
    }
    return sorted(distances, key=lambda pk: (distances[pk], str(pk)))


@api.get(
    "/service_at_locations",
    response=LIST_ERRORS,
    summary="Paged list of services at locations (of published services)",
    openapi_extra=_page_doc("compiled/service_at_location_list.json", "A page of services at locations."),
)
def service_at_location_list(
    request: HttpRequest,
    *,
    search: str | None = SEARCH,
    taxonomy_term_id: str | None = TERM,
    taxonomy_id: str | None = TAXONOMY,
    organization_id: str | None = ORGANIZATION,
    modified_after: str | None = MODIFIED_AFTER,
    full: bool = Query(False, description="Fully nested services at locations."),
    page: int = PAGE,
    per_page: int = PER_PAGE,
    format: str | None = FORMAT,
    postcode: str | None = Query(
        None,
        description="Places with this postal code (NN-NNN). With proximity in meters: the point to measure from "
        "is the centroid of the catalog's places with this postcode.",
    ),
    proximity: str | None = Query(
        None,
        description="Meters from the centroid of `postcode` (the spec's form), or a point `lat,long` or "
        "`lat,long,radius_km` (radius default 10 km). Results are sorted by distance.",
    ),
) -> HttpResponseBase:
    fmt = _format(format)
    services = _filter_services(
        published_services(),
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=None,
    )
    queryset: QuerySet[ServiceAtLocation] = ServiceAtLocation.objects.filter(service__in=services.values("pk"))
    since = _modified_after(modified_after)
    if since is not None:
        queryset = queryset.filter(Q(updated_at__gte=since) | Q(service__updated_at__gte=since))
    queryset = hsds.sal_for_output(queryset, full=full).order_by("service__name", "location__name", "pk")
    render = hsds.sal_full if full else hsds.sal_list_item
    postcode_text = _text(postcode)
    if proximity not in (None, ""):
        lat, lon, radius = _proximity(_text(proximity), postcode_text)
        ordered = _near(queryset, lat, lon, radius)
        return _respond(request, OrderedRows(queryset, ordered), render, page=page, per_page=per_page, fmt=fmt)
    if postcode_text:
        queryset = queryset.filter(location__postal_code=_normal_postcode(postcode_text))
    return _respond(request, queryset, render, page=page, per_page=per_page, fmt=fmt)


@api.get(
    "/service_at_locations/{id}",
    response=DETAIL_ERRORS,
    summary="A fully nested service at a location",
    openapi_extra=_detail_doc(
        "compiled/service_at_location.json", "The service at a location with its schedules, location and service."
    ),
)
def service_at_location_detail(request: HttpRequest, id: str) -> HttpResponseBase:
    pk = _path_uuid(id)
    sal = hsds.sal_for_output(
        ServiceAtLocation.objects.filter(pk=pk, service__in=published_services().values("pk")), full=True
    ).first()
    if sal is None:
        raise Http404(_("No service at a location of a published service has this id."))
    return _json(hsds.sal_full(sal))


# Taxonomies


@api.get(
    "/taxonomies",
    response=LIST_ERRORS,
    summary="Paged list of taxonomies",
    openapi_extra=_page_doc("taxonomy.json", "A page of taxonomies."),
)
def taxonomy_list(
    request: HttpRequest,
    *,
    search: str | None = SEARCH,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    format: str | None = FORMAT,
) -> HttpResponseBase:
    fmt = _format(format)
    queryset = Taxonomy.objects.order_by("name", "pk")
    query = _text(search)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return _respond(request, queryset, hsds.taxonomy_dict, page=page, per_page=per_page, fmt=fmt)


@api.get(
    "/taxonomies/{id}",
    response=DETAIL_ERRORS,
    summary="A taxonomy",
    openapi_extra=_detail_doc("taxonomy.json", "The taxonomy."),
)
def taxonomy_detail(request: HttpRequest, id: str) -> HttpResponseBase:
    taxonomy = Taxonomy.objects.filter(pk=_path_uuid(id)).first()
    if taxonomy is None:
        raise Http404(_("No taxonomy has this id."))
    return _json(hsds.taxonomy_dict(taxonomy))


@api.get(
    "/taxonomy_terms",
    response=LIST_ERRORS,
    summary="Paged list of taxonomy terms",
    openapi_extra=_page_doc("taxonomy_term.json", "A page of taxonomy terms."),
)
def taxonomy_term_list(
    request: HttpRequest,
    *,
    search: str | None = SEARCH,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    format: str | None = FORMAT,
    taxonomy_id: str | None = Query(None, description="Terms of this taxonomy."),
    top_only: bool = Query(False, description="Only top-level terms (terms without a parent)."),
    parent_id: str | None = Query(None, description="Terms whose parent has this id."),
) -> HttpResponseBase:
    fmt = _format(format)
    queryset = TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__name", "position", "name", "pk")
    taxonomy = _uuid("taxonomy_id", taxonomy_id)
    parent = _uuid("parent_id", parent_id)
    if taxonomy is not None:
        queryset = queryset.filter(taxonomy_id=taxonomy)
    if parent is not None:
        queryset = queryset.filter(parent_id=parent)
    if top_only:
        queryset = queryset.filter(parent__isnull=True)
    query = _text(search)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(name_en__icontains=query) | Q(code__iexact=query))
    return _respond(request, queryset, hsds.taxonomy_term_dict, page=page, per_page=per_page, fmt=fmt)


@api.get(
    "/taxonomy_terms/{id}",
    response=DETAIL_ERRORS,
    summary="A taxonomy term",
    openapi_extra=_detail_doc("taxonomy_term.json", "The taxonomy term."),
)
def taxonomy_term_detail(request: HttpRequest, id: str) -> HttpResponseBase:
    term = TaxonomyTerm.objects.select_related("taxonomy").filter(pk=_path_uuid(id)).first()
    if term is None:
        raise Http404(_("No taxonomy term has this id."))
    return _json(hsds.taxonomy_term_dict(term))
