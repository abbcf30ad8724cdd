"""``__in_array`` selects the same rows as ``__in`` (on PostgreSQL it sends one array parameter), for plain fields,
primary keys and foreign keys, with repeated values, None among them, and an empty list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
