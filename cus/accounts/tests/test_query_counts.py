"""Lists cost a constant number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.accounts import services
from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.core.models import Centre

pytestmark = pytest.mark.django_db

ROLES = [Role.SOCIAL_WORKER, Role.SPECIALIST, Role.IPUS_COORDINATOR]


def _add_staff(centre: Centre, count: int) -> None:
    for index in range(count):
        user = UserFactory(centre=centre, roles=ROLES[: 1 + index % len(ROLES)])
        services.certificate_add(
            actor=None, user=user, kind="director", completed_on=datetime.date(2024, 1, 1), number=str(index)
        )


def _count(call: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("path", "expected_rows"),
    [("/api/v1/staff?limit=100", "items"), ("/api/v1/centres", None), ("/api/v1/audit?limit=100", "items")],
)
def test_api_lists_use_a_constant_number_of_queries(
    *, api: Any, make_user: Any, token_for: Any, centre: Centre, path: str, expected_rows: str | None
) -> None:
    key = token_for(make_user(Role.ADMINISTRATOR, Role.DIRECTOR))
    _add_staff(centre, 2)
    api("get", "/api/v1/me", key)  # the first use of a token records it (at most once a minute)
    few = _count(lambda: api("get", path, key))
    _add_staff(centre, 18)
    response = api("get", path, key)
    if expected_rows == "items" and path.startswith("/api/v1/staff"):
        assert len(response.json()[expected_rows]) == 21
    many = _count(lambda: api("get", path, key))
    assert many == few, f"{path}: {few} queries for a few rows, {many} for many"


def test_the_staff_list_api_stays_small(api: Any, make_user: Any, token_for: Any, centre: Centre) -> None:
    key = token_for(make_user(Role.ADMINISTRATOR))
    _add_staff(centre, 20)
    api("get", "/api/v1/me", key)
    # auth (token, touch) + grants + count + users + role assignments + their municipalities, with some slack
    assert _count(lambda: api("get", "/api/v1/staff?limit=100", key)) <= 10


@pytest.mark.parametrize("path", ["/accounts/staff/", "/centre/", "/audit/"])
def test_pages_use_a_constant_number_of_queries(login: Any, administrator: Any, centre: Centre, path: str) -> None:
    client = login(administrator)
    _add_staff(centre, 2)
    few = _count(lambda: client.get(path))
    _add_staff(centre, 18)
    page = client.get(path)
    if path == "/accounts/staff/":
        assert len(page.context["staff"]) == 21
    many = _count(lambda: client.get(path))
    assert many == few, f"{path}: {few} queries for a few rows, {many} for many"


def test_the_staff_page_stays_small(
    login: Any, administrator: Any, centre: Centre, django_assert_max_num_queries: Any
) -> None:
    client = login(administrator)
    _add_staff(centre, 20)
    with django_assert_max_num_queries(15):
        assert client.get("/accounts/staff/").status_code == 200
