"""Household income of many (household, month) pairs at once equals the income pair by pair, whichever way the
declarations are looked up (by member ids for a few members, by households and month for many); so does the income
of many persons' current households in one query."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from cus.core.tests.factories import MunicipalityFactory
from cus.residents import queries
from cus.residents.models import HouseholdMember, Relation
from cus.residents.tests.factories import HouseholdFactory, IncomeFactory, MemberFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)
# Amounts with grosze (summed in floating point by SQLite: the totals must still be exact).
CENTS = [Decimal("0.10"), Decimal("0.20"), Decimal("0.05"), Decimal("0.99")]


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
                IncomeFactory(
                    member=member, month=month, net_amount=Decimal(1000 + 37 * index + 11 * position) + CENTS[index % 4]
                )
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


def test_current_household_incomes_equal_one_by_one() -> None:
    households = _households(12)
    members = [m for household in households for m in household.members.select_related("person")]
    alone = PersonFactory()  # in no household
    # A person who moved: the closed membership is not the current household.
    moved = members[4].person
    members[4].valid_to = D(2026, 3, 31)
    members[4].save()
    new_home = HouseholdFactory(municipality=households[0].municipality)
    MemberFactory(household=new_home, person=moved, valid_from=D(2026, 4, 1))
    IncomeFactory(member=new_home.members.get(), month=APRIL, net_amount=Decimal("1234.56"))
    wanted = [(m.person_id, month) for m in members for month in (MARCH, D(2026, 4, 17))]
    wanted += [(alone.pk, MARCH), (moved.pk, MARCH), (moved.pk, APRIL)]
    found = queries.current_household_incomes(wanted)
    assert len(found) == len(wanted)
    for (person_id, month), (household_id, income) in zip(wanted, found, strict=True):
        membership = HouseholdMember.objects.filter(person_id=person_id, valid_to__isnull=True).first()
        if membership is None:
            assert (household_id, income) == (None, None)
            continue
        assert household_id == membership.household_id
        assert income == queries.household_income(membership.household, month)
    assert found[-1][1].total == Decimal("1234.56")
    assert found[-3] == (None, None)
    assert any(income and income.missing for _h, income in found)  # read again with the names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
@pytest.mark.django_db(transaction=True)
def test_planner_cost_is_set_for_the_household_statement_only() -> None:
    """The household statement asks PostgreSQL to prefer index probes (``random_page_cost``) for itself only:
    in a transaction and outside one, the session's value is the same afterwards, and an error rolls it back."""

    def cost() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            return str(cursor.fetchone()[0])

    member = _households(1)[0].members.first()
    before = cost()
    assert queries.current_household_incomes([(member.person_id, MARCH)])[0][1] is not None
    assert cost() == before
    with transaction.atomic():
        queries.current_household_incomes([(member.person_id, MARCH)])
        assert cost() == before
        with pytest.raises(DatabaseError), transaction.atomic():
            queries._probing_indexes(connection, "SELECT 1 / 0", [])
        assert cost() == before
    assert cost() == before
