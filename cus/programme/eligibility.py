"""Qualification conditions of a programme (art. 5 ust. 3 pkt 6 of the CUS act) checked against an applicant's facts.

Pure Python, no Django: the models turn their rows into ``Rule`` values, the qualification screens gather ``Facts``,
and ``evaluate`` says for each rule whether it is met, not met, to be checked by the worker, or cannot be decided
for missing data. Each outcome carries a stable reason key (e.g. ``"age.below_minimum"``) that the UI translates.

Boundaries are inclusive: a rule "age 60 to 75" admits a person on their 60th birthday and until the day before
their 76th; "income at most 150 % of the criterion" admits an income exactly equal to 1.5 × the criterion.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class RuleKind(StrEnum):
    AGE = "age"
    RESIDENCE = "residence"
    DISABILITY = "disability"
    INCOME = "income"
    HOUSEHOLD = "household"
    OTHER = "other"


class Result(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    CHECK = "check"  # a condition in words: the worker decides from the documents
    MISSING = "missing"  # the facts needed to decide are not known yet


class HouseholdType(StrEnum):
    SINGLE = "single"  # osoba samotnie gospodarująca
    FAMILY = "family"  # osoba w rodzinie
    ANY = "any"


class DisabilityDegree(StrEnum):
    """Degrees of a disability certificate, weakest first. ``NO_DEGREE``: a certificate of disability without a
    degree (issued to children under 16), which meets only a rule asking for any certificate."""

    NO_DEGREE = "no_degree"
    LIGHT = "light"  # lekki
    MODERATE = "moderate"  # umiarkowany
    SEVERE = "severe"  # znaczny


DEGREE_ORDER: dict[str, int] = {
    DisabilityDegree.NO_DEGREE: 0,
    DisabilityDegree.LIGHT: 1,
    DisabilityDegree.MODERATE: 2,
    DisabilityDegree.SEVERE: 3,
}
# The degree a rule asks for: "any" means any valid certificate, with or without a degree.
ANY_CERTIFICATE = "any"
MINIMUM_ORDER: dict[str, int] = {ANY_CERTIFICATE: 0, **{k: v for k, v in DEGREE_ORDER.items() if v > 0}}
# Facts value for a person known to hold no certificate (as opposed to None: not known).
NO_CERTIFICATE = "none"

# Worst first: the overall result of several rules is the worst of theirs.
_SEVERITY = {Result.NOT_MET: 3, Result.MISSING: 2, Result.CHECK: 1, Result.MET: 0}


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    min_age: int | None = None
    max_age: int | None = None
    municipality: str = ""  # TERYT code of the programme's municipality (residence rule)
    min_disability: str = ANY_CERTIFICATE
    income_percent: Decimal | None = None
    household_type: HouseholdType = HouseholdType.ANY
    text: str = ""


@dataclass(frozen=True)
class Facts:
    """What is known of the applicant; None means not known (yet)."""

    birth_date: datetime.date | None = None
    on_date: datetime.date | None = None  # the day the age is counted on (usually the day of the application)
    residence: str | None = None  # TERYT code of the municipality of residence
    disability: str | None = None  # a DisabilityDegree value, NO_CERTIFICATE, or None when not known
    income_per_person: Decimal | None = None
    criterion: Decimal | None = None  # the income criterion that applies to the household (single or family)
    household_type: HouseholdType | None = None


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    result: Result
    reason: str


def age_on(birth_date: datetime.date, on_date: datetime.date) -> int:
    """Completed years on ``on_date``; a person born on 29 February has their birthday on 1 March in other years."""
    years = on_date.year - birth_date.year
    if (on_date.month, on_date.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _age(rule: Rule, facts: Facts) -> Outcome:
    if facts.birth_date is None or facts.on_date is None:
        return Outcome(rule, Result.MISSING, "age.missing")
    age = age_on(facts.birth_date, facts.on_date)
    if rule.min_age is not None and age < rule.min_age:
        return Outcome(rule, Result.NOT_MET, "age.below_minimum")
    if rule.max_age is not None and age > rule.max_age:
        return Outcome(rule, Result.NOT_MET, "age.above_maximum")
    return Outcome(rule, Result.MET, "age.within_range")


def _residence(rule: Rule, facts: Facts) -> Outcome:
    if not facts.residence:
        return Outcome(rule, Result.MISSING, "residence.missing")
    if facts.residence == rule.municipality:
        return Outcome(rule, Result.MET, "residence.in_municipality")
    return Outcome(rule, Result.NOT_MET, "residence.elsewhere")


def _disability(rule: Rule, facts: Facts) -> Outcome:
    if facts.disability is None:
        return Outcome(rule, Result.MISSING, "disability.missing")
    if facts.disability == NO_CERTIFICATE:
        return Outcome(rule, Result.NOT_MET, "disability.no_certificate")
    held = DEGREE_ORDER.get(facts.disability)
    if held is None:
        return Outcome(rule, Result.MISSING, "disability.missing")
    if held < MINIMUM_ORDER.get(rule.min_disability, 0):
        return Outcome(rule, Result.NOT_MET, "disability.degree_too_low")
    return Outcome(rule, Result.MET, "disability.certificate_held")


def _income(rule: Rule, facts: Facts) -> Outcome:
    if facts.income_per_person is None or facts.criterion is None:
        return Outcome(rule, Result.MISSING, "income.missing")
    if rule.income_percent is None:
        return Outcome(rule, Result.CHECK, "income.no_limit_set")
    # income ≤ criterion × N / 100, compared without dividing so that the limit itself is exact.
    if facts.income_per_person * 100 <= facts.criterion * rule.income_percent:
        return Outcome(rule, Result.MET, "income.within_limit")
    return Outcome(rule, Result.NOT_MET, "income.above_limit")


def _household(rule: Rule, facts: Facts) -> Outcome:
    if rule.household_type == HouseholdType.ANY:
        return Outcome(rule, Result.MET, "household.any")
    if facts.household_type is None:
        return Outcome(rule, Result.MISSING, "household.missing")
    if facts.household_type == rule.household_type:
        return Outcome(rule, Result.MET, "household.matches")
    return Outcome(rule, Result.NOT_MET, "household.other_type")


def _other(rule: Rule, facts: Facts) -> Outcome:
    return Outcome(rule, Result.CHECK, "other.worker_checks")


_CHECKS = {
    RuleKind.AGE: _age,
    RuleKind.RESIDENCE: _residence,
    RuleKind.DISABILITY: _disability,
    RuleKind.INCOME: _income,
    RuleKind.HOUSEHOLD: _household,
    RuleKind.OTHER: _other,
}


def evaluate_rule(rule: Rule, facts: Facts) -> Outcome:
    return _CHECKS[rule.kind](rule, facts)


def evaluate(rules: Iterable[Rule], facts: Facts) -> list[Outcome]:
    return [evaluate_rule(rule, facts) for rule in rules]


def overall(outcomes: Sequence[Outcome]) -> Result:
    """Not met if any rule is not met; else missing data; else the worker checks; met only if all are met."""
    if not outcomes:
        return Result.MET
    return max((o.result for o in outcomes), key=lambda r: _SEVERITY[r])
