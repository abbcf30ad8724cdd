"""TERYT municipality codes: the pure parser and the model validation built on it."""

from __future__ import annotations

import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from cus.core.models import Municipality, validate_teryt
from cus.core.teryt import GMINA_TYPES, VOIVODESHIPS, TerytError, parse_teryt

valid_codes = st.builds(
    lambda voivodeship, county, gmina, kind: f"{voivodeship}{county:02d}{gmina:02d}{kind}",
    st.sampled_from(sorted(VOIVODESHIPS)),
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=1, max_value=99),
    st.sampled_from(sorted(GMINA_TYPES)),
)


def expected_reason(code: str) -> str | None:
    """The rule, restated independently of the implementation: the first failing check names the reason."""
    if len(code) != 7 or not all(c in string.digits for c in code):
        return "format"
    if code[:2] not in VOIVODESHIPS:
        return "voivodeship"
    if code[2:4] == "00" or code[4:6] == "00":
        return "zero_part"
    if code[6] not in GMINA_TYPES:
        return "type"
    return None


@pytest.mark.parametrize(
    ("code", "parts"),
    [
        ("1465011", ("14", "65", "01", "1")),  # Warszawa
        ("0201011", ("02", "01", "01", "1")),  # Bolesławiec, urban gmina
        ("1206105", ("12", "06", "10", "5")),
        ("3262028", ("32", "62", "02", "8")),
    ],
)
def test_valid_codes_split_into_their_parts(code: str, parts: tuple[str, str, str, str]) -> None:
    assert parse_teryt(code) == parts


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "format"),
        ("146501", "format"),
        ("14650111", "format"),
        ("14 6501", "format"),
        ("14a5011", "format"),
        (" 1465011", "format"),
        ("1465011 ", "format"),
        ("1465011\n", "format"),  # ``$`` in a regular expression would let a trailing newline through
        ("١٤٦٥٠١١", "format"),  # Arabic-Indic digits are digits for ``\d`` but not a TERYT code
        ("0165011", "voivodeship"),
        ("3365011", "voivodeship"),
        ("9999999", "voivodeship"),
        ("1400011", "zero_part"),
        ("1465001", "zero_part"),
        ("1465016", "type"),
        ("1465017", "type"),
        ("1465010", "type"),
    ],
)
def test_invalid_codes_name_the_reason(code: str, reason: str) -> None:
    with pytest.raises(TerytError) as caught:
        parse_teryt(code)
    assert caught.value.code == reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("value", [None, 1465011])
def test_values_that_are_not_text_are_a_format_error(value: object) -> None:
    with pytest.raises(TerytError) as caught:
        parse_teryt(value)  # type: ignore[arg-type]
    assert caught.value.code == "format"


@given(valid_codes)
def test_every_well_formed_code_parses_and_round_trips(code: str) -> None:
    parts = parse_teryt(code)
    assert "".join(parts) == code
    assert parts[0] in VOIVODESHIPS
    assert parts[3] in GMINA_TYPES


@given(st.text(alphabet=string.digits, min_size=7, max_size=7))
def test_every_seven_digit_string_is_valid_or_names_the_first_broken_rule(code: str) -> None:
    reason = expected_reason(code)
    if reason is None:
        assert "".join(parse_teryt(code)) == code
    else:
        with pytest.raises(TerytError) as caught:
            parse_teryt(code)
        assert caught.value.code == reason


@given(st.text(max_size=10))
@example("1465011\n")
@example("1465011\x00")
def test_any_text_is_accepted_only_as_seven_ascii_digits(value: str) -> None:
    try:
        parts = parse_teryt(value)
    except TerytError as exc:
        assert exc.code == expected_reason(value)
    else:
        assert len(value) == 7
        assert value.isascii()
        assert value.isdigit()
        assert "".join(parts) == value


# --- The model: validator and full_clean ---------------------------------------------------------------------


@given(valid_codes)
def test_validator_accepts_valid_codes(code: str) -> None:
    validate_teryt(code)


@given(st.text(alphabet=string.digits, min_size=7, max_size=7).filter(lambda c: expected_reason(c) is not None))
def test_validator_error_code_names_the_reason(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_teryt(code)
    assert caught.value.code == f"teryt_{expected_reason(code)}"


@pytest.mark.django_db
def test_full_clean_accepts_a_matching_voivodeship() -> None:
    municipality = Municipality(teryt="1465011", name="Warszawa", voivodeship="14")
    municipality.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("teryt", "code"),
    [
        ("146501", "teryt_format"),
        ("14650x1", "teryt_format"),
        ("0165011", "teryt_voivodeship"),
        ("1400011", "teryt_zero_part"),
        ("1465016", "teryt_type"),
    ],
)
def test_full_clean_reports_the_teryt_error_on_the_field(teryt: str, code: str) -> None:
    municipality = Municipality(teryt=teryt, name="Gmina", voivodeship="14")
    with pytest.raises(ValidationError) as caught:
        municipality.full_clean()
    errors = caught.value.error_dict
    assert "teryt" in errors
    assert code in [error.code for error in errors["teryt"]]


@pytest.mark.django_db
def test_full_clean_refuses_a_voivodeship_that_does_not_match_the_code() -> None:
    municipality = Municipality(teryt="1465011", name="Warszawa", voivodeship="12")
    with pytest.raises(ValidationError) as caught:
        municipality.full_clean()
    assert set(caught.value.error_dict) == {"voivodeship"}


@pytest.mark.django_db
def test_full_clean_refuses_an_unknown_voivodeship_choice() -> None:
    municipality = Municipality(teryt="1465011", name="Warszawa", voivodeship="99")
    with pytest.raises(ValidationError) as caught:
        municipality.full_clean()
    assert "voivodeship" in caught.value.error_dict


@pytest.mark.django_db
def test_full_clean_refuses_a_duplicate_code(municipality: Municipality) -> None:
    duplicate = Municipality(teryt=municipality.teryt, name="Inna", voivodeship=municipality.teryt[:2])
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "teryt" in caught.value.error_dict


@given(valid_codes)
def test_clean_fields_and_clean_pass_for_any_valid_code(code: str) -> None:
    municipality = Municipality(teryt=code, name="Gmina", voivodeship=code[:2])
    municipality.clean_fields()
    municipality.clean()
