"""PESEL rules (DOMAIN.md "PESEL"): checksum, centuries by month offset, real dates, sex; property-tested."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cus.residents import pesel

dates = st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2299, 12, 31))
sexes = st.sampled_from(["F", "M"])
serials = st.integers(min_value=0, max_value=4999)


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("44051401359", datetime.date(1944, 5, 14), "M"),
        ("02270803624", datetime.date(2002, 7, 8), "F"),
        ("90051786424", datetime.date(1990, 5, 17), "F"),
    ],
)
def test_known_numbers(number: str, born: datetime.date, sex: str) -> None:
    parsed = pesel.parse(number)
    assert (parsed.birth_date, parsed.sex) == (born, sex)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4405140135", "length"),
        ("440514013591", "length"),
        ("4405140135a", "characters"),
        ("44051401358", "checksum"),
        ("44023001352", "date"),  # 30 February
        ("44135401359", "date"),  # month 13 + 0 offset is no month
    ],
)
def test_errors_have_distinct_codes(number: str, code: str) -> None:
    if code == "date":
        number = number[:10] + str(pesel.check_digit(number[:10]))
    with pytest.raises(pesel.PeselError) as error:
        pesel.parse(number)
    assert error.value.code == code


@pytest.mark.parametrize(("offset", "year"), [(80, 1899), (0, 1999), (20, 2099), (40, 2199), (60, 2299)])
def test_century_offsets(offset: int, year: int) -> None:
    first_ten = f"99{12 + offset:02d}31123{4}"
    parsed = pesel.parse(first_ten + str(pesel.check_digit(first_ten)))
    assert parsed.birth_date == datetime.date(year, 12, 31)


@given(dates, sexes, serials)
def test_generated_numbers_round_trip(born: datetime.date, sex: str, serial: int) -> None:
    number = pesel.generate(born, sex, serial)  # type: ignore[arg-type]
    parsed = pesel.parse(number)
    assert parsed.birth_date == born
    assert parsed.sex == sex


@given(dates, sexes, serials, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_breaks_the_checksum(
    born: datetime.date, sex: str, serial: int, position: int, delta: int
) -> None:
    number = pesel.generate(born, sex, serial)  # type: ignore[arg-type]
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(pesel.PeselError) as error:
        pesel.parse(changed)
    assert error.value.code in {"checksum", "date"}
    assert pesel.check_digit(changed[:10]) != int(changed[10])
