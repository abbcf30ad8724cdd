"""The HSDS API's own OpenAPI document, fuzzed in-process by schemathesis against a realistic catalog.

Checks: no server error, every status code and content type documented. (The 200 bodies are validated against the
HSDS schemas in test_hsds_api; here the response schemas are remote HSDS URLs that must not be fetched.)
Marked ``schema`` like the staff API's layer; with ``CUS_REQUIRE_SCHEMATHESIS=1`` it fails, never skips.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections

REQUIRED = os.environ.get("CUS_REQUIRE_SCHEMATHESIS", "") == "1"

try:
    import schemathesis
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance
except ImportError as exc:  # pragma: no cover - only without the dev dependencies
    if REQUIRED:
        raise RuntimeError(f"CUS_REQUIRE_SCHEMATHESIS=1 but schemathesis cannot be imported: {exc}") from exc
    pytest.skip(f"schemathesis is not installed: {exc}", allow_module_level=True)

pytestmark = [pytest.mark.schema]

MAX_EXAMPLES = int(os.environ.get("CUS_SCHEMATHESIS_EXAMPLES", "15"))


def _wsgi_app() -> Any:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


schema = schemathesis.openapi.from_wsgi("/api/hsds/openapi.json", _wsgi_app())


@pytest.fixture
def catalog_in_process(db: Any, municipality: Any) -> Any:
    """A published catalog, and the test transaction kept open across the WSGI requests."""
    from cus.catalog.tests.hsds_fixtures import build_catalog

    build_catalog(municipality)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_hsds_operation(case: Any, catalog_in_process: Any) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance, content_type_conformance])
