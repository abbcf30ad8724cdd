"""The pure fee function and the band rules (no database): hypothesis properties and a real-looking resolution."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cus.qualification.fees import (
    FeeBand,
    FeeTable,
    compute_fee,
    income_change_changes_fee,
    round_grosz,
    validate_bands,
)

D = Decimal


def band(start: str, end: str | None, single: str, family: str) -> FeeBand:
    return FeeBand(D(start), None if end is None else D(end), D(single), D(family))


# A care-services resolution of the usual shape (PS art. 50 ust. 6): free up to the criterion, full cost above 500 %.
RESOLUTION = FeeTable(
    (
        band("0", "100", "0", "0"),
        band("100", "150", "5", "10"),
        band("150", "200", "10", "15"),
        band("200", "250", "15", "20"),
        band("250", "300", "20", "30"),
        band("300", "350", "30", "40"),
        band("350", "400", "40", "50"),
        band("400", "500", "60", "70"),
        band("500", None, "100", "100"),
    )
)


def fee(income: str, *, single: bool = True, criterion: str = "1010", cost: str = "35.50", units: str = "40") -> Any:
    return compute_fee(
        income_per_person=D(income),
        criterion=D(criterion),
        unit_cost=D(cost),
        units_per_month=D(units),
        single=single,
        table=RESOLUTION,
    )


class TestExamples:
    def test_the_resolution_is_valid(self) -> None:
        assert validate_bands(RESOLUTION.bands) == []

    def test_free_up_to_and_at_the_criterion(self) -> None:
        assert fee("0").fee_per_month == D("0.00")
        assert fee("1010.00").fee_per_unit == D("0.00")
        assert fee("1010.00").band_index == 0

    def test_a_band_includes_its_upper_limit_and_not_its_lower(self) -> None:
        # 150 % of 1,010 PLN is 1,515 PLN: still in "100–150 %"; a grosz more is in "150–200 %".
        assert fee("1515.00").band_index == 1
        assert fee("1515.01").band_index == 2
        assert fee("1010.01").band_index == 1

    def test_single_and_family_columns(self) -> None:
        # 1,200 PLN is 118.81 % of the single criterion: 5 % of 35.50 = 1.775 → 1.78 per hour.
        single = fee("1200", single=True)
        assert single.income_percent == D("118.81")
        assert single.fee_percent == D("5")
        assert single.fee_per_unit == D("1.78")
        assert single.fee_per_month == D("71.20")  # 40 × 1.78, not 40 × 1.775 = 71.00
        # In a family the per-person criterion is 823 PLN: 1,200 PLN is 145.81 % → 10 %.
        family = fee("1200", single=False, criterion="823")
        assert family.income_percent == D("145.81")
        assert family.fee_per_unit == D("3.55")
        assert family.fee_per_month == D("142.00")

    def test_above_500_percent_pays_the_full_cost(self) -> None:
        result = fee("6000")
        assert result.band.income_to is None
        assert result.fee_per_unit == D("35.50")
        assert result.fee_per_month == D("1420.00")

    def test_half_up_rounding_to_the_grosz(self) -> None:
        assert round_grosz(D("1.005")) == D("1.01")
        assert round_grosz(D("1.0049")) == D("1.00")
        # 15 % of 30.10 = 4.515 → 4.52 per hour; 10.5 hours → 47.46
        result = fee("2300", cost="30.10", units="10.5")
        assert result.fee_per_unit == D("4.52")
        assert result.fee_per_month == D("47.46")

    def test_negative_income_counts_as_zero(self) -> None:
        assert fee("-50").fee_per_unit == D("0.00")

    def test_bad_arguments(self) -> None:
        with pytest.raises(ValueError, match="criterion"):
            fee("100", criterion="0")
        with pytest.raises(ValueError, match="unit cost"):
            fee("100", cost="-1")

    def test_band_labels(self) -> None:
        assert RESOLUTION.bands[1].label() == "100–150 %"
        assert RESOLUTION.bands[-1].label() == "> 500 %"


class TestValidationExamples:
    def codes(self, *bands: FeeBand) -> list[tuple[int, str | None, str]]:
        return [(e.row, e.field, e.code) for e in validate_bands(bands)]

    def test_empty(self) -> None:
        assert self.codes() == [(0, None, "empty")]

    def test_overlap_and_gap_name_the_row(self) -> None:
        assert self.codes(band("0", "100", "0", "0"), band("90", "200", "5", "5"), band("200", None, "9", "9")) == [
            (1, "income_from", "overlap")
        ]
        errors = validate_bands([band("0", "100", "0", "0"), band("120", None, "5", "5")])
        assert [(e.row, e.code) for e in errors] == [(1, "gap")]
        assert "100 %" in errors[0].message and "120 %" in errors[0].message

    def test_first_must_start_at_zero_and_last_must_be_open(self) -> None:
        assert self.codes(band("10", "100", "0", "0"), band("100", "200", "5", "5")) == [
            (0, "income_from", "first_not_zero"),
            (1, "income_to", "last_closed"),
        ]

    def test_only_the_last_may_be_open(self) -> None:
        assert (0, "income_to", "open_not_last") in self.codes(band("0", None, "0", "0"), band("100", None, "5", "5"))

    def test_inverted_and_fee_range_and_decreasing(self) -> None:
        codes = self.codes(band("0", "100", "0", "0"), band("100", "90", "101", "5"), band("90", None, "50", "1"))
        assert (1, "income_to", "inverted") in codes
        assert (1, "fee_single", "fee_range") in codes
        assert (2, "fee_single", "decreasing") in codes
        assert (2, "fee_family", "decreasing") in codes


def test_income_change_rule_of_art_106_ust_3b() -> None:
    criterion = D("1010")
    assert not income_change_changes_fee(D("1500"), D("1601"), criterion)  # +101 = exactly 10 %
    assert income_change_changes_fee(D("1500"), D("1601.01"), criterion)
    assert not income_change_changes_fee(D("1500"), D("1399"), criterion)
    assert income_change_changes_fee(D("1500"), D("1398.99"), criterion)


# --- properties ----------------------------------------------------------------------------------------------------

percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
cost = st.decimals(min_value=0, max_value=1_000, places=2, allow_nan=False, allow_infinity=False)
units = st.decimals(min_value=0, max_value=744, places=2, allow_nan=False, allow_infinity=False)
criterion = st.decimals(min_value=1, max_value=5_000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def valid_tables(draw: Any, free_first: bool = False) -> FeeTable:
    """Contiguous bands from 0, the last open, fees non-decreasing in each column."""
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=99_999), min_size=0, max_size=8)))
    if free_first:
        cuts = sorted({10_000, *cuts})  # a band ending exactly at 100.00 %
    edges = [D(0), *(D(c) / 100 for c in cuts), None]
    singles = sorted(draw(st.lists(percent, min_size=len(edges) - 1, max_size=len(edges) - 1)))
    families = sorted(draw(st.lists(percent, min_size=len(edges) - 1, max_size=len(edges) - 1)))
    if free_first:  # "free up to 100 %": every band ending at or under 100 % charges nothing
        for i in range(len(edges) - 1):
            end = edges[i + 1]
            if end is not None and end <= 100:
                singles[i] = families[i] = D(0)
    bands = tuple(
        FeeBand(edges[i], edges[i + 1], singles[i], families[i])  # type: ignore[arg-type]
        for i in range(len(edges) - 1)
    )
    return FeeTable(bands)


@settings(deadline=None)  # the machine is shared: time is not what these properties are about
@given(valid_tables())
def test_generated_tables_are_valid(table: FeeTable) -> None:
    assert validate_bands(table.bands) == []


@settings(deadline=None)  # the machine is shared: time is not what these properties are about
@given(valid_tables(), money, money, criterion, cost, units, st.booleans())
def test_the_fee_never_falls_as_income_rises(  # noqa: PLR0917
    table: FeeTable, first: Decimal, second: Decimal, crit: Decimal, unit_cost: Decimal, n: Decimal, single: bool
) -> None:
    low, high = sorted((first, second))
    args = {"criterion": crit, "unit_cost": unit_cost, "units_per_month": n, "single": single, "table": table}
    assert (
        compute_fee(income_per_person=low, **args).fee_per_unit
        <= compute_fee(income_per_person=high, **args).fee_per_unit
    )
    assert (
        compute_fee(income_per_person=low, **args).fee_per_month
        <= compute_fee(income_per_person=high, **args).fee_per_month
    )


@settings(deadline=None)  # the machine is shared: time is not what these properties are about
@given(valid_tables(free_first=True), criterion, cost, units, st.booleans(), st.data())
def test_free_at_or_under_the_criterion_when_the_table_says_so(  # noqa: PLR0917
    table: FeeTable, crit: Decimal, unit_cost: Decimal, n: Decimal, single: bool, data: Any
) -> None:
    income = data.draw(st.decimals(min_value=0, max_value=crit, places=2, allow_nan=False, allow_infinity=False))
    result = compute_fee(
        income_per_person=income, criterion=crit, unit_cost=unit_cost, units_per_month=n, single=single, table=table
    )
    assert result.fee_per_unit == 0
    assert result.fee_per_month == 0


@settings(deadline=None)  # the machine is shared: time is not what these properties are about
@given(valid_tables(), money, criterion, cost, units, st.booleans())
def test_never_above_the_unit_cost_and_month_is_units_times_unit_fee(  # noqa: PLR0917
    table: FeeTable, income: Decimal, crit: Decimal, unit_cost: Decimal, n: Decimal, single: bool
) -> None:
    result = compute_fee(
        income_per_person=income, criterion=crit, unit_cost=unit_cost, units_per_month=n, single=single, table=table
    )
    assert D(0) <= result.fee_per_unit <= unit_cost
    assert abs(result.fee_per_month - result.fee_per_unit * n) <= D("0.005")
    assert result.fee_per_month <= round_grosz(unit_cost * n) + D("0.005") * n
    # The band found really contains the income: (from, to] in exact arithmetic.
    scaled = income * 100
    assert result.band_index == 0 or scaled > result.band.income_from * crit
    assert result.band.income_to is None or scaled <= result.band.income_to * crit


@settings(deadline=None)  # the machine is shared: time is not what these properties are about
@given(valid_tables(), st.data())
def test_validation_rejects_every_overlap_or_gap(table: FeeTable, data: Any) -> None:
    assume(len(table.bands) >= 2)
    index = data.draw(st.integers(min_value=1, max_value=len(table.bands) - 1))
    target = table.bands[index]
    previous_end = table.bands[index - 1].income_to
    assert previous_end is not None
    shift = data.draw(st.decimals(min_value=D("0.01"), max_value=50, places=2, allow_nan=False, allow_infinity=False))
    overlap = data.draw(st.booleans())
    start = previous_end - shift if overlap else previous_end + shift
    assume(start >= 0 and (target.income_to is None or start < target.income_to))
    broken = list(table.bands)
    broken[index] = FeeBand(start, target.income_to, target.fee_single, target.fee_family)
    codes = {(e.row, e.code) for e in validate_bands(broken)}
    expected = "overlap" if overlap else "gap"
    assert (index, expected) in codes


@settings(deadline=None)  # the machine is shared: time is not what these properties are about
@given(valid_tables(), st.data())
def test_validation_rejects_a_closed_last_band_and_an_open_middle_one(table: FeeTable, data: Any) -> None:
    last = table.bands[-1]
    closed = [*table.bands[:-1], FeeBand(last.income_from, last.income_from + 1, last.fee_single, last.fee_family)]
    assert any(e.code == "last_closed" for e in validate_bands(closed))
    assume(len(table.bands) >= 2)
    index = data.draw(st.integers(min_value=0, max_value=len(table.bands) - 2))
    middle = table.bands[index]
    opened = list(table.bands)
    opened[index] = FeeBand(middle.income_from, None, middle.fee_single, middle.fee_family)
    assert (index, "open_not_last") in {(e.row, e.code) for e in validate_bands(opened)}
