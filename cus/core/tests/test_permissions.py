"""The permission matrix, generated from ``cus.accounts.roles.PERMISSIONS``: every staff page and every API operation
against every role, anonymous access, and objects of another centre.

Expectations are derived from the table, so the test stays true when the table grows; a new page or API operation
must be added to ``PAGES`` or ``OPERATIONS`` (the coverage tests below fail until it is).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cus.accounts import services as account_services
from cus.accounts.models import User
from cus.accounts.roles import Role, roles_with
from cus.accounts.tests.factories import PASSWORD, UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.audit.services import record
from cus.catalog.models import ServiceStatus
from cus.catalog.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from cus.core.models import Centre

ROLES = list(Role)


@dataclass(frozen=True)
class Endpoint:
    """One page or API operation. ``permission`` is checked first (403 without it; None: any signed-in user);
    ``reach`` is what fetching the object in the path needs (404 without it), ``denied`` names that object."""

    method: str
    path: str
    permission: str | None
    reach: str | None = None
    denied: str | None = None
    ok: int = 200
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def allows(self, role: Role) -> bool:
        needed = [perm for perm in (self.permission, self.reach) if perm is not None]
        return all(role in roles_with(perm) for perm in needed)

    def status_for(self, role: Role) -> int:
        if self.permission is not None and role not in roles_with(self.permission):
            return 403
        if self.reach is not None and role not in roles_with(self.reach):
            return 404
        return self.ok


PAGES = [
    Endpoint("GET", "/", None),
    Endpoint("GET", "/centre/", "core.view_centre"),
    Endpoint("GET", "/centre/{centre}/", "core.view_centre", "core.view_centre", "centre"),
    Endpoint("GET", "/centre/{centre}/edit/", "core.change_centre", "core.change_centre", "centre"),
    Endpoint("GET", "/accounts/staff/", "accounts.view_user"),
    Endpoint("GET", "/accounts/staff/new/", "accounts.add_user"),
    Endpoint("GET", "/accounts/staff/{staff}/", "accounts.view_user", "accounts.view_user", "staff"),
    Endpoint("GET", "/accounts/staff/{staff}/edit/", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint(
        "POST",
        "/accounts/staff/{staff}/active/",
        "accounts.change_user",
        "accounts.change_user",
        "staff",
        ok=302,
        body={"active": "1"},
    ),
    Endpoint(
        "POST", "/accounts/staff/{staff}/reset-2fa/", "accounts.change_user", "accounts.change_user", "staff", ok=302
    ),
    Endpoint(
        "GET",
        "/accounts/staff/{staff}/certificates/new/",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
    ),
    Endpoint(
        "POST",
        "/accounts/staff/{staff}/certificates/{certificate}/delete/",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
        ok=302,
    ),
    Endpoint("GET", "/audit/", "audit.view_auditentry"),
    Endpoint("GET", "/audit/export.csv", "audit.view_auditentry"),
    Endpoint("GET", "/audit/{entry}/", "audit.view_auditentry", "audit.view_auditentry", "entry"),
    Endpoint("GET", "/accounts/tokens/", None),
    Endpoint("POST", "/accounts/tokens/{token}/revoke/", None, None, "token", ok=302),
    # The service catalog (staff side).
    Endpoint("GET", "/catalog/", "catalog.view_service"),
    Endpoint("GET", "/catalog/services/export.csv", "catalog.view_service"),
    Endpoint("GET", "/catalog/services/export.xlsx", "catalog.view_service"),
    Endpoint("GET", "/catalog/services/new/", "catalog.add_service"),
    Endpoint("GET", "/catalog/services/{service}/", "catalog.view_service", "catalog.view_service", "service"),
    Endpoint("GET", "/catalog/services/{service}/edit/", "catalog.change_service", "catalog.change_service", "service"),
    Endpoint(
        "POST",
        "/catalog/services/{service}/status/",
        "catalog.change_service",
        "catalog.change_service",
        "service",
        ok=302,
        body={"status": "archived"},
    ),
    Endpoint(
        "GET",
        "/catalog/services/{service}/locations/new/",
        "catalog.add_serviceatlocation",
        "catalog.change_service",
        "service",
    ),
    Endpoint(
        "GET",
        "/catalog/services/{service}/locations/{sal}/hours/",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
    ),
    Endpoint(
        "POST",
        "/catalog/services/{service}/locations/{sal}/remove/",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
        ok=302,
    ),
    Endpoint("GET", "/catalog/providers/", "catalog.view_organization"),
    Endpoint("GET", "/catalog/providers/new/", "catalog.add_organization"),
    Endpoint(
        "GET",
        "/catalog/providers/{organization}/edit/",
        "catalog.change_organization",
        "catalog.change_organization",
        "organization",
    ),
    Endpoint("GET", "/catalog/locations/", "catalog.view_location"),
    Endpoint("GET", "/catalog/locations/new/", "catalog.add_location"),
    Endpoint(
        "GET", "/catalog/locations/{location}/edit/", "catalog.change_location", "catalog.change_location", "location"
    ),
    Endpoint("GET", "/catalog/import/", "catalog.import_service"),
    # Without a file uploaded in this session the preview sends the user to the upload form.
    Endpoint("GET", "/catalog/import/preview/", "catalog.import_service", ok=302),
    Endpoint("GET", "/catalog/import/template.csv", "catalog.import_service"),
]

# Views that are not staff pages of the matrix, with the reason.
PAGES_EXEMPT = {
    "accounts:login": "sign-in, open to everyone",
    "accounts:logout": "sign-out",
    "accounts:otp_verify": "two-factor step of the sign-in (test_authentication)",
    "accounts:otp_setup": "two-factor set-up of the sign-in",
    "accounts:password_change": "the user's own password, any signed-in user",
    "accounts:password_reset": "open to everyone",
    "accounts:password_reset_done": "open to everyone",
    "accounts:password_reset_confirm": "open to everyone with the e-mailed link",
    "set_language": "language switch",
    "healthz": "health check (test_health)",
    "readyz": "health check (test_health)",
}

OPERATIONS = [
    Endpoint("GET", "/api/v1/municipalities", "core.view_municipality"),
    Endpoint(
        "GET", "/api/v1/municipalities/{teryt}", "core.view_municipality", "core.view_municipality", "municipality"
    ),
    Endpoint("GET", "/api/v1/centres", "core.view_centre"),
    Endpoint("GET", "/api/v1/centres/{centre}", "core.view_centre", "core.view_centre", "centre"),
    Endpoint(
        "PATCH",
        "/api/v1/centres/{centre}",
        "core.change_centre",
        "core.change_centre",
        "centre",
        body={"phone": "+48 22 111 22 33"},
    ),
    Endpoint("GET", "/api/v1/me", None),
    Endpoint(
        "POST", "/api/v1/me/password", None, ok=204, body={"old_password": PASSWORD, "new_password": "Nowe-Hasło-2026!"}
    ),
    Endpoint("GET", "/api/v1/staff", "accounts.view_user"),
    Endpoint(
        "POST", "/api/v1/staff", "accounts.add_user", ok=201, body={"email": "nowy@cus.example", "full_name": "Nowy"}
    ),
    Endpoint("GET", "/api/v1/staff/{staff}", "accounts.view_user", "accounts.view_user", "staff"),
    Endpoint(
        "PATCH",
        "/api/v1/staff/{staff}",
        "accounts.change_user",
        "accounts.change_user",
        "staff",
        body={"job_title": "X"},
    ),
    Endpoint(
        "PUT",
        "/api/v1/staff/{staff}/roles",
        "accounts.change_user",
        "accounts.change_user",
        "staff",
        body={"roles": [{"role": "specialist", "municipalities": ["1499011"]}]},
    ),
    Endpoint("POST", "/api/v1/staff/{staff}/deactivate", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint("POST", "/api/v1/staff/{staff}/activate", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint("POST", "/api/v1/staff/{staff}/reset-2fa", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint(
        "POST",
        "/api/v1/staff/{staff}/certificates",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
        ok=201,
        body={"kind": "director", "completed_on": "2024-01-15", "number": "NEW/1"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/staff/{staff}/certificates/{certificate}",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
        ok=204,
    ),
    Endpoint("GET", "/api/v1/tokens", None),
    Endpoint("POST", "/api/v1/tokens", None, ok=201, body={"name": "nowy"}),
    Endpoint("POST", "/api/v1/tokens/{token}/revoke", None, None, "token"),
    Endpoint("GET", "/api/v1/audit", "audit.view_auditentry"),
    Endpoint("GET", "/api/v1/audit/{entry}", "audit.view_auditentry", "audit.view_auditentry", "entry"),
    # The service catalog (staff API); "{...}" in a body is replaced by the id of that object of the world.
    Endpoint("GET", "/api/v1/catalog/services", "catalog.view_service"),
    Endpoint(
        "POST",
        "/api/v1/catalog/services",
        "catalog.add_service",
        ok=201,
        body={"organization_id": "{organization}", "name": "Nowa usługa", "description": "Opis", "areas": ["04"]},
    ),
    Endpoint("GET", "/api/v1/catalog/services/{service}", "catalog.view_service", "catalog.view_service", "service"),
    Endpoint(
        "PATCH",
        "/api/v1/catalog/services/{service}",
        "catalog.change_service",
        "catalog.change_service",
        "service",
        body={"name": "Zmieniona nazwa"},
    ),
    Endpoint(
        "POST",
        "/api/v1/catalog/services/{service}/status",
        "catalog.change_service",
        "catalog.change_service",
        "service",
        body={"status": "archived"},
    ),
    Endpoint(
        "POST",
        "/api/v1/catalog/services/{service}/locations",
        "catalog.add_serviceatlocation",
        "catalog.change_service",
        "service",
        ok=201,
        body={"location_id": "{free_location}"},
    ),
    Endpoint(
        "PUT",
        "/api/v1/catalog/services/{service}/locations/{sal}/hours",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
        body={"schedules": [{"weekday": 1, "opens_at": "08:00", "closes_at": "16:00"}]},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/catalog/services/{service}/locations/{sal}",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
        ok=204,
    ),
    # A multipart upload; the matrix sends no file, so an allowed caller reaches the "file required" error.
    Endpoint("POST", "/api/v1/catalog/import", "catalog.import_service", ok=422),
    Endpoint("GET", "/api/v1/catalog/providers", "catalog.view_organization"),
    Endpoint(
        "POST",
        "/api/v1/catalog/providers",
        "catalog.add_organization",
        ok=201,
        body={"name": "Nowy realizator", "description": "Opis", "kind": "ngo"},
    ),
    Endpoint(
        "GET",
        "/api/v1/catalog/providers/{organization}",
        "catalog.view_organization",
        "catalog.view_organization",
        "organization",
    ),
    Endpoint(
        "PATCH",
        "/api/v1/catalog/providers/{organization}",
        "catalog.change_organization",
        "catalog.change_organization",
        "organization",
        body={"phone": "+48 22 123 45 67"},
    ),
    Endpoint("GET", "/api/v1/catalog/locations", "catalog.view_location"),
    Endpoint(
        "POST",
        "/api/v1/catalog/locations",
        "catalog.add_location",
        ok=201,
        body={"name": "Nowe miejsce", "address_1": "ul. Nowa 1", "postal_code": "00-001", "city": "Testowo"},
    ),
    Endpoint(
        "GET", "/api/v1/catalog/locations/{location}", "catalog.view_location", "catalog.view_location", "location"
    ),
    Endpoint(
        "PATCH",
        "/api/v1/catalog/locations/{location}",
        "catalog.change_location",
        "catalog.change_location",
        "location",
        body={"phone": "+48 22 123 45 67"},
    ),
]


@dataclass
class World:
    centre: Centre
    other_centre: Centre
    own: dict[str, Any]
    foreign: dict[str, Any]

    def path(self, endpoint: Endpoint, objects: dict[str, Any]) -> str:
        keys = {name: value.pk if hasattr(value, "pk") else value for name, value in objects.items()}
        keys["teryt"] = objects["municipality"].teryt
        return endpoint.path.format(**keys)

    def body(self, endpoint: Endpoint, objects: dict[str, Any]) -> dict[str, Any]:
        keys = {name: str(value.pk) if hasattr(value, "pk") else value for name, value in objects.items()}
        return {
            name: value.format(**keys) if isinstance(value, str) and value.startswith("{") else value
            for name, value in endpoint.body.items()
        }


def _objects(user: User, colleague: User, municipality: Any) -> dict[str, Any]:
    certificate = account_services.certificate_add(
        actor=None, user=colleague, kind="director", completed_on=datetime.date(2023, 6, 1), number="OLD/1"
    )
    token, _key = account_services.token_create(actor=user, user=user, name="revocable")
    entry = record(action=AuditAction.VIEW, actor=colleague, instance=colleague, purpose="matrix")
    organization = OrganizationFactory(municipality=municipality)
    location = LocationFactory(municipality=municipality, organization=organization)
    service = ServiceFactory(
        municipality=municipality, organization=organization, status=ServiceStatus.DRAFT, published_at=None
    )
    sal = ServiceAtLocationFactory(service=service, location=location)
    return {
        "organization": organization,
        "location": location,
        "free_location": LocationFactory(municipality=municipality, organization=organization),
        "service": service,
        "sal": sal,
        "centre": colleague.centre,
        "municipality": municipality,
        "staff": colleague,
        "certificate": certificate,
        "token": token,
        "entry": entry,
    }


@pytest.fixture
def world(centre: Centre, other_centre: Centre, municipality: Any) -> Any:
    def build(actor: User) -> World:
        colleague = UserFactory(centre=centre, roles=[Role.SOCIAL_WORKER], full_name="Kolega Testowy")
        stranger = UserFactory(centre=other_centre, roles=[Role.DIRECTOR], full_name="Obcy Pracownik")
        return World(
            centre=centre,
            other_centre=other_centre,
            own=_objects(actor, colleague, municipality),
            foreign=_objects(stranger, stranger, other_centre.municipalities.first()),
        )

    return build


def _call(client: Client, method: str, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if path.startswith("/api/"):
        if method == "GET":
            return client.get(path, headers=headers)
        return getattr(client, method.lower())(path, data=body, content_type="application/json", headers=headers)
    return getattr(client, method.lower())(path, body or None, headers=headers)


def _assert_denied_row(actor: User, obj: Any) -> None:
    row = AuditEntry.objects.filter(action=AuditAction.DENIED, actor=actor).latest("id")
    assert row.object_type == obj._meta.label_lower
    assert row.object_id == str(obj.pk)


# --- the matrix covers everything -------------------------------------------------------------------------------


def _named_views(resolver: Any = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "api-v1" or (pattern.app_name or "").startswith("api-v1"):
                continue
            if pattern.namespace == "api-hsds":  # public, read-only HSDS API: no permissions (test_hsds_api)
                continue
            if pattern.namespace == "portal":  # public catalog for residents, no sign-in (cus/portal/tests)
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


SAMPLE_UUIDS = dict.fromkeys(("service", "sal", "organization", "location"), "00000000-0000-0000-0000-000000000001")


def test_every_page_is_in_the_matrix_or_exempt_with_a_reason() -> None:
    from django.urls import resolve

    covered = {
        resolve(page.path.format(centre=1, staff=1, certificate=1, entry=1, token=1, **SAMPLE_UUIDS)).view_name
        for page in PAGES
    }
    assert not covered & set(PAGES_EXEMPT)
    missing = _named_views() - covered - set(PAGES_EXEMPT)
    assert not missing, f"Pages missing from the permission matrix: {sorted(missing)}"


def test_every_api_operation_is_in_the_matrix() -> None:
    import re

    from cus.api import api

    schema = api.get_openapi_schema()
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, methods in schema["paths"].items()
        for method in methods
    }
    listed = {(op.method, re.sub(r"\{[^}]+\}", "{}", op.path)) for op in OPERATIONS}
    assert listed == documented


def test_the_matrix_names_only_known_permissions() -> None:
    from cus.accounts.roles import PERMISSIONS

    for endpoint in PAGES + OPERATIONS:
        for perm in (endpoint.permission, endpoint.reach):
            assert perm is None or perm in PERMISSIONS, f"{endpoint.id}: {perm} is not in PERMISSIONS"


# --- UI pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_pages_send_anonymous_users_to_sign_in(client: Client, world: Any, administrator: User, page: Endpoint) -> None:
    setup = world(administrator)
    path = setup.path(page, setup.own)
    response = _call(client, page.method, path, setup.body(page, setup.own))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "expired=1" not in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_pages_by_role(client: Client, make_user: Any, world: Any, page: Endpoint, role: Role) -> None:
    user = make_user(role)
    setup = world(user)
    client.force_login(user)
    response = _call(client, page.method, setup.path(page, setup.own), setup.body(page, setup.own))
    expected = page.status_for(role)
    assert response.status_code == expected, f"{role} on {page.id}"
    if expected == 403:
        assert "error.html" in [t.name for t in response.templates]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "role"),
    [(page, role) for page in PAGES if page.denied for role in ROLES if page.allows(role)],
    ids=lambda v: v.id if isinstance(v, Endpoint) else str(v),
)
def test_pages_for_an_object_of_another_centre_are_404_and_audited(
    client: Client, make_user: Any, world: Any, page: Endpoint, role: Role
) -> None:
    user = make_user(role)
    setup = world(user)
    client.force_login(user)
    response = _call(client, page.method, setup.path(page, setup.foreign), setup.body(page, setup.foreign))
    assert response.status_code == 404
    _assert_denied_row(user, setup.foreign[page.denied])  # type: ignore[index]
    missing = setup.path(page, {**setup.foreign, page.denied: 987654321})  # type: ignore[dict-item]
    assert _call(client, page.method, missing, page.body).status_code == 404


# --- API operations ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.id)
def test_api_refuses_anonymous_callers(client: Client, world: Any, administrator: User, operation: Endpoint) -> None:
    setup = world(administrator)
    response = _call(client, operation.method, setup.path(operation, setup.own), setup.body(operation, setup.own))
    assert response.status_code == 401
    (error,) = response.json()["detail"]
    assert error["type"] == "not_authenticated"
    assert error["loc"] == []
    assert error["msg"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.id)
def test_api_by_role(
    *, client: Client, make_user: Any, world: Any, token_for: Any, operation: Endpoint, role: Role
) -> None:
    user = make_user(role)
    setup = world(user)
    body = setup.body(operation, setup.own)
    response = _call(client, operation.method, setup.path(operation, setup.own), body, token_for(user))
    expected = operation.status_for(role)
    assert response.status_code == expected, f"{role} on {operation.id}: {response.content[:300]!r}"
    if expected == 403:
        (error,) = response.json()["detail"]
        assert error["type"] == "permission_denied"
    elif expected == 404:
        assert response.json()["detail"][0]["type"] == "not_found"
    elif expected != 204:
        assert response.json() is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "role"),
    [(op, role) for op in OPERATIONS if op.denied for role in ROLES if op.allows(role)],
    ids=lambda v: v.id if isinstance(v, Endpoint) else str(v),
)
def test_api_objects_of_another_centre_are_404_like_missing_ones_and_audited(
    *, client: Client, make_user: Any, world: Any, token_for: Any, operation: Endpoint, role: Role
) -> None:
    user = make_user(role)
    setup = world(user)
    key = token_for(user)
    body = setup.body(operation, setup.foreign)
    response = _call(client, operation.method, setup.path(operation, setup.foreign), body, key)
    assert response.status_code == 404, response.content
    (error,) = response.json()["detail"]
    assert error["type"] == "not_found"
    _assert_denied_row(user, setup.foreign[operation.denied])  # type: ignore[index]

    denied_rows = AuditEntry.objects.filter(action=AuditAction.DENIED).count()
    missing_objects = {**setup.foreign, operation.denied: 987654321}  # type: ignore[dict-item]
    if operation.denied == "municipality":
        missing_objects["municipality"] = type("Missing", (), {"teryt": "1498992", "pk": 0})()
    missing = _call(client, operation.method, setup.path(operation, missing_objects), body, key)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["type"] == "not_found"
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).count() == denied_rows
