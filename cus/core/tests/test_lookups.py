"""``__in_array`` selects the same rows as ``__in`` (on PostgreSQL it sends one array parameter), for plain fields,
primary keys and foreign keys, with repeated values, None among them, and an empty list."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cus.core.lookups import array_parameter
from cus.core.models import Municipality
from cus.core.tests.factories import MunicipalityFactory
from cus.residents.models import HouseholdMember
from cus.residents.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _same(queryset: Any, **lookup: Any) -> list[Any]:
    ((name, values),) = lookup.items()
    expected = sorted(queryset.filter(**{f"{name}__in": values}).values_list("pk", flat=True))
    got = sorted(queryset.filter(**{f"{name}__in_array": values}).values_list("pk", flat=True))
    assert got == expected
    return got


def test_in_array_selects_what_in_selects() -> None:
    members = [MemberFactory() for _i in range(4)]
    municipalities = [MunicipalityFactory() for _i in range(3)]
    wanted = [members[0].pk, members[2].pk, members[2].pk, None]
    assert _same(HouseholdMember.objects.all(), pk=wanted) == sorted([members[0].pk, members[2].pk])
    persons = [members[1].person_id, members[3].person_id]
    assert _same(HouseholdMember.objects.all(), person_id=persons) == sorted([members[1].pk, members[3].pk])
    assert _same(HouseholdMember.objects.all(), person=persons) == sorted([members[1].pk, members[3].pk])
    codes = [municipalities[0].teryt, municipalities[1].teryt, "0000000"]
    assert len(_same(Municipality.objects.all(), teryt=codes)) == 2
    assert _same(HouseholdMember.objects.all(), pk=[]) == []
    assert _same(HouseholdMember.objects.all(), pk=[None]) == []


def test_the_values_are_one_parameter() -> None:
    members = [MemberFactory() for _i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        list(HouseholdMember.objects.filter(pk__in_array=[m.pk for m in members]))
    (sql,) = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
        assert " IN (" not in sql
    elif connection.vendor == "sqlite":
        assert "IN (SELECT value FROM json_each(" in sql


def test_array_parameter_is_the_arrays_text_for_keys_numbers_and_dates() -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert array_parameter([1, None, 3]) == "{1,NULL,3}"
    assert array_parameter([key]) == "{12345678-1234-5678-1234-567812345678}"
    assert array_parameter([datetime.date(2026, 3, 1), Decimal("12.50")]) == "{2026-03-01,12.50}"
    # Text, booleans and moments need psycopg's quoting: the list is passed as it is.
    assert array_parameter(["a b", "c"]) == ["a b", "c"]
    assert array_parameter([True]) == [True]
    moment = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    assert array_parameter([moment]) == [moment]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="arrays are PostgreSQL's")
def test_array_text_reads_back_as_the_values() -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::uuid[], %s::numeric(10, 2)[], %s::date[]",
            [
                array_parameter([key, None]),
                array_parameter([Decimal("1.50")]),
                array_parameter([datetime.date(2026, 3, 1)]),
            ],
        )
        assert cursor.fetchone() == ([key, None], [Decimal("1.50")], [datetime.date(2026, 3, 1)])
