"""CappedPaginator: counts at most ``cap`` rows, with one more read to tell that there are more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.core.models import Municipality
from cus.core.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipalities() -> None:
    Municipality.objects.bulk_create(
        Municipality(teryt=f"1499{number:03d}", name=f"Gmina {number}", voivodeship="14") for number in range(12)
    )


def test_below_the_cap_it_is_an_ordinary_paginator(municipalities: None) -> None:
    rows = Municipality.objects.filter(teryt__startswith="1499").order_by("teryt")
    paginator = CappedPaginator(rows, 5, cap=20)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (12, 3, False)
    assert [m.name for m in paginator.get_page(3)] == ["Gmina 10", "Gmina 11"]


def test_above_the_cap_pages_stop_at_the_cap(municipalities: None) -> None:
    rows = Municipality.objects.filter(teryt__startswith="1499").order_by("teryt")
    paginator = CappedPaginator(rows, 5, cap=10)
    with CaptureQueriesContext(connection) as counted:
        assert (paginator.count, paginator.num_pages, paginator.capped) == (10, 2, True)
    (query,) = counted.captured_queries
    assert "LIMIT 11" in query["sql"], "the count reads no further than one row past the cap"
    last = paginator.get_page(99)
    assert (last.number, last.has_next()) == (2, False)
    assert [m.name for m in last] == [f"Gmina {n}" for n in range(5, 10)]


def test_exactly_the_cap_is_not_capped(municipalities: None) -> None:
    rows = Municipality.objects.filter(teryt__startswith="1499")
    assert CappedPaginator(rows, 5, cap=12).capped is False
    assert CappedPaginator(list(rows), 5, cap=11).capped is True
