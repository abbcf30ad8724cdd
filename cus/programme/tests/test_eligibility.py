"""The pure evaluation of qualification conditions: each kind of rule, missing data, and the boundaries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cus.programme.eligibility import (
    NO_CERTIFICATE,
    Facts,
    HouseholdType,
    Result,
    Rule,
    RuleKind,
    age_on,
    evaluate,
    evaluate_rule,
    overall,
)

ON = datetime.date(2026, 3, 15)


def test_age_on_counts_completed_years() -> None:
    assert age_on(datetime.date(1960, 3, 15), ON) == 66
    assert age_on(datetime.date(1960, 3, 16), ON) == 65
    # Born on 29 February: a year older on 1 March in a common year.
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2026, 2, 28)) == 17
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2026, 3, 1)) == 18


def test_age_rule() -> None:
    rule = Rule(RuleKind.AGE, min_age=60, max_age=75)
    assert evaluate_rule(rule, Facts(birth_date=datetime.date(1966, 3, 15), on_date=ON)).result == Result.MET
    below = evaluate_rule(rule, Facts(birth_date=datetime.date(1966, 3, 16), on_date=ON))
    assert (below.result, below.reason) == (Result.NOT_MET, "age.below_minimum")
    above = evaluate_rule(rule, Facts(birth_date=datetime.date(1950, 3, 15), on_date=ON))
    assert (above.result, above.reason) == (Result.NOT_MET, "age.above_maximum")
    missing = evaluate_rule(rule, Facts(on_date=ON))
    assert (missing.result, missing.reason) == (Result.MISSING, "age.missing")


def test_residence_rule() -> None:
    rule = Rule(RuleKind.RESIDENCE, municipality="1499011")
    assert evaluate_rule(rule, Facts(residence="1499011")).result == Result.MET
    assert evaluate_rule(rule, Facts(residence="1499022")).reason == "residence.elsewhere"
    assert evaluate_rule(rule, Facts()).result == Result.MISSING


def test_disability_rule_orders_the_degrees() -> None:
    moderate = Rule(RuleKind.DISABILITY, min_disability="moderate")
    assert evaluate_rule(moderate, Facts(disability="severe")).result == Result.MET
    assert evaluate_rule(moderate, Facts(disability="moderate")).result == Result.MET
    assert evaluate_rule(moderate, Facts(disability="light")).reason == "disability.degree_too_low"
    assert evaluate_rule(moderate, Facts(disability="no_degree")).result == Result.NOT_MET
    assert evaluate_rule(moderate, Facts(disability=NO_CERTIFICATE)).reason == "disability.no_certificate"
    assert evaluate_rule(moderate, Facts()).result == Result.MISSING
    any_certificate = Rule(RuleKind.DISABILITY, min_disability="any")
    # A child's certificate without a degree meets "any certificate".
    assert evaluate_rule(any_certificate, Facts(disability="no_degree")).result == Result.MET


def test_income_rule_is_inclusive_at_the_limit() -> None:
    rule = Rule(RuleKind.INCOME, income_percent=Decimal("150"))
    criterion = Decimal("1010.00")
    assert evaluate_rule(rule, Facts(income_per_person=Decimal("1515.00"), criterion=criterion)).result == Result.MET
    over = evaluate_rule(rule, Facts(income_per_person=Decimal("1515.01"), criterion=criterion))
    assert (over.result, over.reason) == (Result.NOT_MET, "income.above_limit")
    assert evaluate_rule(rule, Facts(income_per_person=Decimal("100"))).reason == "income.missing"


def test_household_and_other_rules() -> None:
    single = Rule(RuleKind.HOUSEHOLD, household_type=HouseholdType.SINGLE)
    assert evaluate_rule(single, Facts(household_type=HouseholdType.SINGLE)).result == Result.MET
    assert evaluate_rule(single, Facts(household_type=HouseholdType.FAMILY)).reason == "household.other_type"
    assert evaluate_rule(single, Facts()).result == Result.MISSING
    assert evaluate_rule(Rule(RuleKind.HOUSEHOLD), Facts()).result == Result.MET
    other = evaluate_rule(Rule(RuleKind.OTHER, text="Needs help"), Facts())
    assert (other.result, other.reason) == (Result.CHECK, "other.worker_checks")


def test_overall_takes_the_worst_result() -> None:
    rules = [
        Rule(RuleKind.RESIDENCE, municipality="1499011"),
        Rule(RuleKind.OTHER, text="x"),
        Rule(RuleKind.AGE, min_age=60),
    ]
    facts = Facts(residence="1499011", birth_date=datetime.date(1950, 1, 1), on_date=ON)
    assert overall(evaluate(rules, facts)) == Result.CHECK
    assert overall(evaluate(rules, Facts(residence="1499011"))) == Result.MISSING
    assert overall(evaluate(rules, Facts(residence="1499022"))) == Result.NOT_MET
    assert overall(evaluate(rules[:1], Facts(residence="1499011"))) == Result.MET
    assert overall([]) == Result.MET


@given(
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31)),
    minimum=st.integers(min_value=0, max_value=100),
    span=st.integers(min_value=0, max_value=30),
)
def test_age_bounds_are_inclusive(birth: datetime.date, minimum: int, span: int) -> None:
    """On the day a person turns the minimum age they qualify; on the day before they do not; at the maximum age
    (any day before the next birthday) they still qualify."""
    rule = Rule(RuleKind.AGE, min_age=minimum, max_age=minimum + span)
    try:
        birthday = birth.replace(year=birth.year + minimum)
    except ValueError:  # 29 February → the birthday is on 1 March in a common year
        birthday = datetime.date(birth.year + minimum, 3, 1)
    assert evaluate_rule(rule, Facts(birth_date=birth, on_date=birthday)).result == Result.MET
    day_before = birthday - datetime.timedelta(days=1)
    if day_before >= birth:
        assert evaluate_rule(rule, Facts(birth_date=birth, on_date=day_before)).result == Result.NOT_MET
    last_day = birth.replace(year=birth.year + minimum + span + 1, month=1, day=1) - datetime.timedelta(days=1)
    expected = Result.MET if age_on(birth, last_day) <= minimum + span else Result.NOT_MET
    assert evaluate_rule(rule, Facts(birth_date=birth, on_date=last_day)).result == expected


@given(
    criterion=st.decimals(min_value=Decimal("1"), max_value=Decimal("5000"), places=2),
    percent=st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2),
)
def test_income_exactly_at_the_limit_is_met_and_a_grosz_more_is_not(criterion: Decimal, percent: Decimal) -> None:
    rule = Rule(RuleKind.INCOME, income_percent=percent)
    limit = criterion * percent / 100
    assert evaluate_rule(rule, Facts(income_per_person=limit, criterion=criterion)).result == Result.MET
    above = limit + Decimal("0.01")
    assert evaluate_rule(rule, Facts(income_per_person=above, criterion=criterion)).result == Result.NOT_MET
