"""Household income of many (household, month) pairs at once equals the income pair by pair, whichever way the
declarations are looked up (by member ids for a few members, by households and month for many)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from cus.core.tests.factories import MunicipalityFactory
from cus.residents import queries
from cus.residents.models import Relation
from cus.residents.tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)


def _households(count: int) -> list[Any]:
    """Households of three members; the second member declared nothing for April in every third household, and in
    every fourth the third member joined only in April."""
    municipality = MunicipalityFactory()
    households = []
    for index in range(count):
        household = HouseholdFactory(municipality=municipality)
        for position in range(3):
            joined = APRIL if position == 2 and index % 4 == 0 else D(2025, 1, 1)
            member = MemberFactory(
                household=household,
                relation=Relation.APPLICANT if position == 0 else Relation.CHILD,
                valid_from=joined,
            )
            for month in (MARCH, APRIL):
                if month < joined or (position == 1 and month == APRIL and index % 3 == 0):
                    continue
                IncomeFactory(member=member, month=month, net_amount=Decimal(1000 + 37 * index + 11 * position))
        households.append(household)
    return households


@pytest.mark.parametrize("few", [0, 1000], ids=["by-households-and-month", "by-member-ids"])
def test_many_pairs_equal_one_by_one(few: int, monkeypatch: Any) -> None:
    monkeypatch.setattr(queries, "FEW_MEMBERS", few)
    households = _households(20)  # 60 members
    pairs = [(household.pk, month) for household in households for month in (MARCH, APRIL)]
    together = queries.household_incomes(pairs)
    assert set(together) == set(pairs)
    for household in households:
        for month in (MARCH, APRIL):
            assert together[(household.pk, month)] == queries.household_income(household, month)
    # The cases the households were built to show.
    first = together[(households[0].pk, APRIL)]
    assert first.members == 3
    assert len(first.missing) == 1
    assert together[(households[0].pk, MARCH)].members == 2
    assert together[(households[1].pk, APRIL)].missing == ()
