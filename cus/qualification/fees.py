"""Income-dependent fees for social services: a pure module (no Django import) that tests and hypothesis exercise
directly, and that the models, forms, API and the recalculation use.

A fee table (tabela odpłatności, e.g. a council resolution under PS art. 50 ust. 6) maps the income per person,
as a percentage of the income criterion (kryterium dochodowe, PS art. 8), to the fee as a percentage of the
service's unit cost, with one column for a person living alone (osoba samotnie gospodarująca) and one for a person
in a family (osoba w rodzinie).

Band ends
    Each band covers the half-open range **(from %, to %]**: an income of exactly 150 % of the criterion falls in
    the band "100–150 %", not in "150–200 %" — the way the resolutions word it ("powyżej 100 % do 150 %"). The first
    band starts at 0 **inclusive** ([0, to]); only the last band may be open-ended (to % = None, "powyżej 500 %"),
    and it must be, so that every income maps to a fee.

Band lookup is exact: ``income × 100 ≤ to % × criterion`` in ``Decimal``, so no rounding of the percentage can
move a person into another band. The percentage shown to people is rounded to 2 places, half up.

Rounding (money is PLN, ``Decimal``)
    fee per unit  = unit cost × fee % / 100, rounded to the grosz (0.01), ROUND_HALF_UP;
    fee per month = the *rounded* fee per unit × units per month, rounded to the grosz, ROUND_HALF_UP.
    So the monthly amount is always what the person would pay unit by unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

GROSZ = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# PS art. 106 ust. 3b: a change of income of at most 10 % of the criterion does not change the fee.
INCOME_CHANGE_THRESHOLD = Decimal("0.10")


def round_grosz(value: Decimal) -> Decimal:
    """To the grosz, half up (Polish public finance)."""
    return value.quantize(GROSZ, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeBand:
    """One row of a fee table: income in (income_from %, income_to %] of the criterion → fee % of the unit cost.

    ``income_to`` None means open-ended ("above income_from %"). The first band of a table starts at 0 inclusive.
    """

    income_from: Decimal
    income_to: Decimal | None
    fee_single: Decimal
    fee_family: Decimal

    def fee_percent(self, *, single: bool) -> Decimal:
        return self.fee_single if single else self.fee_family

    def label(self) -> str:
        """ "100–150 %", "0–100 %" or "> 500 %" (plain text, for people and the audit trail)."""
        if self.income_to is None:
            return f"> {_plain(self.income_from)} %"
        return f"{_plain(self.income_from)}–{_plain(self.income_to)} %"


def _plain(value: Decimal) -> str:
    """150.00 → "150", 150.50 → "150.5"."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class FeeTable:
    """The bands of one table, in income order."""

    bands: tuple[FeeBand, ...]

    def band_for(self, income: Decimal, criterion: Decimal) -> tuple[int, FeeBand]:
        """The band (and its index) the income per person falls in; the table must be valid."""
        if criterion <= ZERO:
            raise ValueError("The income criterion must be greater than zero.")
        scaled = max(income, ZERO) * HUNDRED
        for index, band in enumerate(self.bands):
            if band.income_to is None or scaled <= band.income_to * criterion:
                return index, band
        raise ValueError("The table has no band for this income (the last band must be open-ended).")


# The English wording of each problem; the Django side shows the translated message of the same code.
BAND_MESSAGES: dict[str, str] = {
    "empty": "A fee table needs at least one income band.",
    "first_not_zero": "The first band must start at 0.",
    "overlap": (
        "This band overlaps the previous one: it starts at %(start)s %% but the previous band ends at %(end)s %%."
    ),
    "gap": "Incomes between %(end)s %% and %(start)s %% are in no band: start this band where the previous one ends.",
    "decreasing": "The fee may not fall as income rises: it is lower than in the previous band.",
    "negative": "An income percentage cannot be negative.",
    "open_not_last": "Only the last band may be open-ended: give its upper limit.",
    "inverted": "The upper limit must be greater than the lower limit.",
    "last_closed": "Leave the upper limit of the last band empty, so that every income has a fee.",
    "fee_range": "A fee percentage must be between 0 and 100.",
}


@dataclass(frozen=True)
class BandError:
    """A problem with one row (``row`` is the 0-based index; ``field`` the band attribute, or None for the row)."""

    row: int
    field: str | None
    code: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        return BAND_MESSAGES[self.code] % dict(self.params)


@dataclass(frozen=True)
class FeeResult:
    """The fee of one person for one service."""

    income_per_person: Decimal
    criterion: Decimal
    income_percent: Decimal  # of the criterion, rounded to 0.01 for display
    band_index: int
    band: FeeBand
    fee_percent: Decimal
    unit_cost: Decimal
    fee_per_unit: Decimal
    units_per_month: Decimal
    fee_per_month: Decimal


def validate_bands(bands: Sequence[FeeBand]) -> list[BandError]:
    """Every problem of a table's rows, in row order; an empty list means the table is valid.

    Rules: at least one band; the first starts at 0; each band starts where the previous ended (no gap, no
    overlap); a band ends above where it starts; only the last is open-ended and the last must be (every income
    maps to a fee); fee % within 0–100; fee % never falls as income rises, in each column.
    """
    errors: list[BandError] = []
    if not bands:
        return [BandError(0, None, "empty")]
    last = len(bands) - 1
    for index, band in enumerate(bands):
        errors.extend(_band_own_errors(index, band, last))
        if index == 0:
            if band.income_from != ZERO:
                errors.append(BandError(index, "income_from", "first_not_zero"))
            continue
        previous = bands[index - 1]
        if previous.income_to is not None:
            if band.income_from < previous.income_to:
                errors.append(BandError(index, "income_from", "overlap", _ends(band, previous)))
            elif band.income_from > previous.income_to:
                errors.append(BandError(index, "income_from", "gap", _ends(band, previous)))
        for column in ("fee_single", "fee_family"):
            if getattr(band, column) < getattr(previous, column):
                errors.append(BandError(index, column, "decreasing"))
    return errors


def _ends(band: FeeBand, previous: FeeBand) -> tuple[tuple[str, str], ...]:
    return (("start", _plain(band.income_from)), ("end", _plain(previous.income_to or ZERO)))


def _band_own_errors(index: int, band: FeeBand, last: int) -> list[BandError]:
    errors = []
    if band.income_from < ZERO:
        errors.append(BandError(index, "income_from", "negative"))
    if band.income_to is None:
        if index != last:
            errors.append(BandError(index, "income_to", "open_not_last"))
    elif band.income_to <= band.income_from:
        errors.append(BandError(index, "income_to", "inverted"))
    elif index == last:
        errors.append(BandError(index, "income_to", "last_closed"))
    for column in ("fee_single", "fee_family"):
        value = getattr(band, column)
        if value < ZERO or value > HUNDRED:
            errors.append(BandError(index, column, "fee_range"))
    return errors


def compute_fee(
    *,
    income_per_person: Decimal,
    criterion: Decimal,
    unit_cost: Decimal,
    units_per_month: Decimal,
    single: bool,
    table: FeeTable,
) -> FeeResult:
    """The fee for a person with this income per person (PLN a month) under ``table``.

    ``criterion`` is the criterion that applies to the person (for a single person the single-person amount,
    otherwise the per-person amount in a family); a negative income counts as 0 (a loss is not negative income
    for fees). ``table`` must be valid (``validate_bands`` empty).
    """
    if unit_cost < ZERO:
        raise ValueError("The unit cost cannot be negative.")
    if units_per_month < ZERO:
        raise ValueError("The number of units cannot be negative.")
    index, band = table.band_for(income_per_person, criterion)
    percent = band.fee_percent(single=single)
    fee_per_unit = round_grosz(unit_cost * percent / HUNDRED)
    income = max(income_per_person, ZERO)
    return FeeResult(
        income_per_person=income_per_person,
        criterion=criterion,
        income_percent=(income * HUNDRED / criterion).quantize(GROSZ, rounding=ROUND_HALF_UP),
        band_index=index,
        band=band,
        fee_percent=percent,
        unit_cost=unit_cost,
        fee_per_unit=fee_per_unit,
        units_per_month=units_per_month,
        fee_per_month=round_grosz(fee_per_unit * units_per_month),
    )


def income_change_changes_fee(old_income: Decimal, new_income: Decimal, criterion: Decimal) -> bool:
    """Whether a change of income per person changes a statutory-track fee (PS art. 106 ust. 3b).

    A change of at most 10 % of the criterion (either way) leaves the fee as it was; only a larger change leads to
    a new fee. The programme track has no such rule.
    """
    return abs(new_income - old_income) > criterion * INCOME_CHANGE_THRESHOLD
