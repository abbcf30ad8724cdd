"""The OpenAPI schema layer: schemathesis fuzzes every operation in-process (WSGI) against the test database.

Checks: no server error, status codes and content types documented, bodies conforming to the schema. Half of the
generated ids in paths are aimed at objects that exist (the acting user's centre, another centre, their
certificates, tokens and audit entries), so success paths run the real rules on fuzzed input, not only the 404s.

Marked ``schema``. With ``CUS_REQUIRE_SCHEMATHESIS=1`` (``make test``) the layer fails, never skips, when it cannot
run. ``CUS_SCHEMATHESIS_EXAMPLES`` sets the examples per operation.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections

from cus.accounts import services as account_services
from cus.accounts.models import ApiToken, TrainingCertificate, User
from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditEntry
from cus.core.models import Centre, Municipality

REQUIRED = os.environ.get("CUS_REQUIRE_SCHEMATHESIS", "") == "1"

try:
    import schemathesis
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
except ImportError as exc:  # pragma: no cover - only without the dev dependencies
    if REQUIRED:
        raise RuntimeError(f"CUS_REQUIRE_SCHEMATHESIS=1 but schemathesis cannot be imported: {exc}") from exc
    pytest.skip(f"schemathesis is not installed: {exc}", allow_module_level=True)

pytestmark = [pytest.mark.schema]

SCHEMA_PATH = "/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("CUS_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _wsgi_app() -> Any:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


# The schema is loaded through the application itself, exactly as a client fetches it.
schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, _wsgi_app())


@pytest.fixture
def in_process_requests(db: Any) -> Any:
    """Keep the test transaction open across the WSGI requests.

    Django's WSGI handler closes "obsolete" connections when a request starts and finishes; inside the test
    transaction that would drop it. Django's test client disconnects the same handler; we do it for schemathesis.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


class Fuzzing:
    """The acting user (administrator and director of ``centre``) and the objects fuzzed ids are aimed at."""

    def __init__(self, centre: Centre, other_centre: Centre) -> None:
        self.user = UserFactory(centre=centre, roles=[Role.ADMINISTRATOR, Role.DIRECTOR], email="fuzz@cus.example")
        colleague = UserFactory(centre=centre, roles=[Role.SOCIAL_WORKER], email="fuzz-colleague@cus.example")
        stranger = UserFactory(centre=other_centre, roles=[Role.DIRECTOR], email="fuzz-stranger@cus.example")
        for person in (colleague, stranger):
            account_services.certificate_add(
                actor=None, user=person, kind="director", completed_on=datetime.date(2024, 1, 1), number="F/1"
            )
            account_services.token_create(actor=person, user=person, name="fuzz")
        self.key = ""
        self.token: ApiToken | None = None
        # Catalog objects of the acting user's centre and of the other one, for the uuid ids in paths and bodies.
        from cus.catalog.tests.factories import ScheduleFactory

        for municipality in (centre.municipalities.first(), other_centre.municipalities.first()):
            ScheduleFactory(
                service_at_location__service__municipality=municipality,
                service_at_location__service__application_process="Wniosek w CUS.",
            )

    def headers(self) -> dict[str, str]:
        """A usable bearer token of the acting user: the fuzzer may revoke it or deactivate nobody but others."""
        if self.token is None or not ApiToken.objects.get(pk=self.token.pk).is_usable:
            self.token, self.key = account_services.token_create(actor=self.user, user=self.user, name="fuzzer")
        return {"Authorization": f"Bearer {self.key}"}

    def pools(self) -> dict[str, list[int]]:
        return {
            "user_id": sorted(User.objects.values_list("pk", flat=True)),
            "centre_id": sorted(Centre.objects.values_list("pk", flat=True)),
            "certificate_id": sorted(TrainingCertificate.objects.values_list("pk", flat=True)),
            "token_id": sorted(ApiToken.objects.values_list("pk", flat=True)),
            "entry_id": sorted(AuditEntry.objects.values_list("pk", flat=True)[:50]),
        }

    @staticmethod
    def uuid_pools() -> dict[str, list[str]]:
        from cus.catalog.models import Location, Organization, Service, ServiceAtLocation

        def ids(model: Any) -> list[str]:
            return sorted(str(pk) for pk in model.objects.values_list("pk", flat=True)[:50])

        return {
            "service_id": ids(Service),
            "service_location_id": ids(ServiceAtLocation),
            "provider_id": ids(Organization),
            "organization_id": ids(Organization),
            "location_id": ids(Location),
        }

    def aim(self, case: Any) -> None:
        """Point every other non-negative integer id and TERYT code at an existing object, every other e-mail at a
        valid address."""
        pools = self.pools()
        codes = sorted(Municipality.objects.values_list("teryt", flat=True))
        for name, value in list(case.path_parameters.items()):
            pool = pools.get(name)
            if pool and isinstance(value, int) and not isinstance(value, bool) and value >= 0 and value % 2 == 0:
                case.path_parameters[name] = pool[(value // 2) % len(pool)]
            elif name == "teryt" and isinstance(value, str) and len(value) % 2 == 0:
                case.path_parameters[name] = codes[len(value) % len(codes)]
        uuid_pools = self.uuid_pools()
        for name, value in list(case.path_parameters.items()):
            pool = uuid_pools.get(name)
            if pool and isinstance(value, str) and len(value) % 2 == 0:
                case.path_parameters[name] = pool[len(value) % len(pool)]
        body = case.body if isinstance(case.body, dict) else {}
        for name in ("organization_id", "location_id"):
            pool = uuid_pools[name]
            if isinstance(body.get(name), str) and pool and len(body[name]) % 2 == 0:
                body[name] = pool[len(body[name]) % len(pool)]
        email = body.get("email")
        if isinstance(email, str) and len(email) % 2 == 0:
            body["email"] = f"fuzz-{len(email)}@cus.example"
        roles = body.get("roles")
        for item in roles if isinstance(roles, list) else []:
            listed = item.get("municipalities") if isinstance(item, dict) else None
            if isinstance(listed, list):
                item["municipalities"] = [
                    codes[len(code) % len(codes)] if isinstance(code, str) and len(code) % 2 == 0 else code
                    for code in listed
                ]


@pytest.fixture
def fuzzing(in_process_requests: Any, centre: Centre, other_centre: Centre) -> Fuzzing:
    return Fuzzing(centre, other_centre)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: Any, fuzzing: Fuzzing) -> None:
    fuzzing.aim(case)
    case.call_and_validate(headers=fuzzing.headers(), checks=CHECKS)


# --- the schema itself -------------------------------------------------------------------------------------------


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    from cus.api import api

    document = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_schemathesis_sees_every_operation() -> None:
    operations = _operations()
    assert len(operations) >= 20
    assert len(list(schema.get_all_operations())) == len(operations)


@pytest.mark.parametrize(("method", "path", "operation"), _operations(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_operation_documents_its_errors(method: str, path: str, operation: dict[str, Any]) -> None:
    documented = {str(status) for status in operation["responses"]}
    expected = {"401", "403", "422"}
    if re.search(r"\{[^}]+\}", path):
        expected.add("404")
    if "requestBody" in operation:
        expected.add("400")  # a body that is not JSON at all
    assert expected <= documented, f"{method} {path} documents {sorted(documented)}"
    for status in expected:
        content = operation["responses"][int(status)]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/ErrorOut"}
    assert operation.get("security"), f"{method} {path} is not protected"
