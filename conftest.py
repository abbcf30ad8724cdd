"""Fixtures shared by every app's tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cus.accounts import services as account_services
from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.core.models import CentreKind
from cus.core.tests.factories import CentreFactory, MunicipalityFactory


@pytest.fixture
def municipality() -> Any:
    return MunicipalityFactory(teryt="1499011", name="Gmina Przykładowa")


@pytest.fixture
def centre(municipality: Any) -> Any:
    return CentreFactory(name="CUS w Przykładowie", kind=CentreKind.CONVERTED, municipalities=[municipality])


@pytest.fixture
def other_centre() -> Any:
    """A joint CUS of two other gminas: nobody of ``centre`` may see into it."""
    return CentreFactory(
        name="Wspólne CUS",
        kind=CentreKind.JOINT,
        municipalities=[
            MunicipalityFactory(teryt="1499022", name="Gmina Nadrzecze"),
            MunicipalityFactory(teryt="1499033", name="Gmina Zielony Gaj"),
        ],
    )


@pytest.fixture
def make_user(centre: Any) -> Any:
    def make(*roles: str, **kwargs: Any) -> Any:
        kwargs.setdefault("centre", centre)
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def director(make_user: Any) -> Any:
    return make_user(Role.DIRECTOR, email="dyrektor@cus.example", full_name="Anna Dyrektorska")


@pytest.fixture
def administrator(make_user: Any) -> Any:
    return make_user(Role.ADMINISTRATOR, email="admin@cus.example", full_name="Irena Administracyjna")


@pytest.fixture
def login(client: Client) -> Any:
    def do(user: Any) -> Client:
        client.force_login(user)
        return client

    return do


@pytest.fixture
def token_for() -> Any:
    def make(user: Any, **kwargs: Any) -> str:
        _token, key = account_services.token_create(actor=user, user=user, name=kwargs.pop("name", "test"), **kwargs)
        return key

    return make


@pytest.fixture
def api(client: Client) -> Any:
    """Call the API with a bearer token: ``api("get", "/api/v1/me", key)``."""

    def call(method: str, path: str, key: str | None = None, json: Any = None, **extra: Any) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        kwargs: dict[str, Any] = {"headers": headers, **extra}
        if json is not None:
            kwargs["data"] = json
            kwargs["content_type"] = "application/json"
        return getattr(client, method)(path, **kwargs)

    return call


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Each test starts with an empty cache (the portal caches its filter choices for a minute)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Reference rows that migrations load (the 14 areas and target groups, the income criteria) are put back for
    every database test: a transactional test (the browser tests' live server) flushes the tables when it ends, and
    the tests after it would otherwise see an installation without them."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_db:
        return
    request.getfixturevalue("db")  # as transactional_db when the test asked for that (pytest-django)
    from django.apps import apps

    from cus.catalog.tests.factories import ensure_reference_taxonomies
    from cus.qualification.reference import load_criteria

    ensure_reference_taxonomies()
    load_criteria(apps.get_model("qualification", "IncomeCriterion"))
