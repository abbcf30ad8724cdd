"""Liveness and readiness endpoints for the load balancer and the orchestrator."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client


def test_healthz_answers_without_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database_and_migrations(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


@pytest.mark.django_db
def test_readyz_is_unavailable_while_migrations_are_pending(client: Client) -> None:
    pending = [(mock.sentinel.migration, False), (mock.sentinel.other, False)]
    with mock.patch("cus.core.views.MigrationExecutor.migration_plan", return_value=pending):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "2 pending"


@pytest.mark.django_db
def test_readyz_is_unavailable_without_a_database(client: Client) -> None:
    class BrokenCursor:
        def __enter__(self) -> Any:
            raise DatabaseError("connection refused")

        def __exit__(self, *args: Any) -> None:
            return None

    with mock.patch("cus.core.views.connection.cursor", return_value=BrokenCursor()):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "error: DatabaseError"}}


@pytest.mark.django_db
def test_health_endpoints_need_no_sign_in_and_carry_a_request_id(client: Client) -> None:
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["X-Request-ID"]
