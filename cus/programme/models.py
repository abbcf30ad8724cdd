"""Programmes of social services (program usług społecznych, art. 4–6 of the CUS act): what the council of a gmina
adopted by resolution — its services, qualification conditions, fees and reliefs, budget and efficiency measures."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cus.core.models import TenantModel
from cus.core.scoping import ScopedQuerySet
from cus.programme import eligibility

if TYPE_CHECKING:
    from collections.abc import Iterable

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """PLN to the grosz, rounded half up as Polish finance does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


# art. 6 ust. 3: the information on the programme's implementation is published within 4 months after it ends.
CLOSING_REPORT_MONTHS = 4
# Years a programme may run in (budget lines use the same range).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted by the council")
    IN_FORCE = "in_force", _("In force")
    CLOSED = "closed", _("Closed")


class DataCategory(models.TextChoices):
    """Personal data a programme may collect for qualifying (art. 5 ust. 3 pkt 9)."""

    IDENTITY = "identity", _("Name, PESEL or identity document, date of birth")
    CONTACT = "contact", _("Address and contact details")
    RESIDENCE = "residence", _("Place of residence")
    HOUSEHOLD = "household", _("Household members and their relation to the applicant")
    INCOME = "income", _("Income of the household")
    EMPLOYMENT = "employment", _("Employment and education")
    FAMILY_SITUATION = "family_situation", _("Family and living situation")
    HEALTH = "health", _("Health (GDPR art. 9)")
    DISABILITY = "disability", _("Disability certificate (GDPR art. 9)")
    CONVICTIONS = "convictions", _("Criminal convictions and offences (GDPR art. 10)")


# Special categories: art. 9 ust. 1 and art. 10 of the GDPR; processing them needs written safeguards (art. 50).
ARTICLE_9_CATEGORIES = frozenset({DataCategory.HEALTH, DataCategory.DISABILITY})
ARTICLE_10_CATEGORIES = frozenset({DataCategory.CONVICTIONS})
SPECIAL_CATEGORIES = ARTICLE_9_CATEGORIES | ARTICLE_10_CATEGORIES


class ProgrammeQuerySet(ScopedQuerySet):
    def in_force(self) -> ProgrammeQuerySet:
        return self.filter(status=ProgrammeStatus.IN_FORCE)


class Programme(TenantModel):
    """A programme of social services (program usług społecznych) adopted by resolution of the gmina council."""

    name = models.CharField(_("name"), max_length=250)
    goal = models.TextField(_("goal"))
    needs_description = models.TextField(
        _("needs justifying the programme"), help_text=_("Usually taken from the centre's needs diagnosis (art. 5).")
    )
    start_date = models.DateField(_("start of the programme"))
    end_date = models.DateField(_("end of the programme"))
    participants_profile = models.TextField(_("who the programme is for"))
    expected_participants = models.PositiveIntegerField(
        _("expected number of participants"), validators=[MaxValueValidator(10_000_000)]
    )
    qualification_procedure = models.TextField(
        _("how persons are qualified"),
        blank=True,
        help_text=_("The procedure of qualifying; the structured conditions are set as rules below."),
    )
    organisation = models.TextField(_("organisation and stages"))
    monitoring = models.TextField(_("monitoring and evaluation method"))
    documentation = models.TextField(
        _("how conditions and reliefs are documented"),
        blank=True,
        help_text=_("Statements and documents the applicant gives (art. 36)."),
    )
    fee_rules = models.TextField(_("fee rules"), blank=True)
    personal_data = models.JSONField(
        _("personal data collected"),
        default=list,
        blank=True,
        help_text=_("The categories of personal data needed for qualifying (art. 5 ust. 3 pkt 9)."),
    )
    data_safeguards = models.TextField(
        _("safeguards for special categories of data"),
        blank=True,
        help_text=_("Required when the programme collects health, disability or conviction data."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    resolution_number = models.CharField(
        _("resolution number"), max_length=100, blank=True, help_text=_("E.g. XII/85/2025.")
    )
    resolution_date = models.DateField(_("resolution date"), null=True, blank=True)
    publication_reference = models.CharField(
        _("publication in the official journal"),
        max_length=250,
        blank=True,
        help_text=_("E.g. Dz. Urz. Woj. Maz. 2025 poz. 1234."),
    )
    bip_url = models.URLField(_("BIP address of the resolution"), blank=True)
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-start_date", "name"]
        indexes = [models.Index(fields=["status", "municipality"], name="programme_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="programme_period_order"),
        ]
        verbose_name = _("programme of social services")
        verbose_name_plural = _("programmes of social services")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for name in ("start_date", "end_date"):
            day = getattr(self, name)
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                errors[name] = _("Give a date between %(first)s and %(last)s.") % {
                    "first": FIRST_YEAR,
                    "last": LAST_YEAR,
                }
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            # art. 5 ust. 3 pkt 2: the programme names its period of implementation.
            errors["end_date"] = _("The end of the programme must be after its start.")
        categories = list(self.personal_data or [])
        unknown = [c for c in categories if c not in DataCategory.values]
        if unknown:
            errors["personal_data"] = _("Unknown category of personal data: %(codes)s.") % {
                "codes": ", ".join(map(str, unknown))
            }
        elif len(set(categories)) != len(categories):
            errors["personal_data"] = _("Each category of personal data can be listed once.")
        if set(categories) & SPECIAL_CATEGORIES and not self.data_safeguards.strip():
            # GDPR art. 9 and 10, art. 50 of the CUS act: special categories need safeguards.
            errors["data_safeguards"] = _(
                "Describe the safeguards: the programme collects health, disability or conviction data."
            )
        if self.resolution_date and self.end_date and self.resolution_date > self.end_date:
            errors["resolution_date"] = _("The resolution cannot be dated after the end of the programme.")
        if errors:
            raise ValidationError(errors)

    @property
    def special_categories(self) -> list[str]:
        return [c for c in self.personal_data or [] if c in SPECIAL_CATEGORIES]

    def personal_data_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "code": code,
                "label": DataCategory(code).label,
                "article_9": code in ARTICLE_9_CATEGORIES,
                "article_10": code in ARTICLE_10_CATEGORIES,
            }
            for code in self.personal_data or []
            if code in DataCategory.values
        ]

    @property
    def implementation_end(self) -> datetime.date:
        """The day the programme ended: its planned end, or the day it was closed if that came first."""
        if self.closed_on and self.closed_on < self.end_date:
            return self.closed_on
        return self.end_date

    @property
    def closing_report_due(self) -> datetime.date:
        # art. 6 ust. 3: 4 months after the end of implementation.
        return add_months(self.implementation_end, CLOSING_REPORT_MONTHS)

    def covers_year(self, year: int) -> bool:
        return self.start_date.year <= year <= self.end_date.year


class ProgrammeChild(models.Model):
    """A row that belongs to a programme and is scoped by the programme's municipality."""

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(programme__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.programme.municipality_id  # type: ignore[attr-defined]


class DeliveryUnit(models.TextChoices):
    HOUR = "hour", _("hour")
    VISIT = "visit", _("visit")
    MONTH = "month", _("month")
    PARTICIPATION = "participation", _("participation")


class ProgrammeFeeKind(models.TextChoices):
    FREE = "free", _("Free of charge")
    FIXED = "fixed", _("Fixed amount")
    INCOME = "income", _("Depends on income")


class Track(models.TextChoices):
    # art. 42 vs art. 19: programme services need no decision; services under other acts keep their procedure.
    PROGRAMME = "programme", _("Programme track (no administrative decision)")
    STATUTORY = "statutory", _("Statutory track under another act")


class ProgrammeService(ProgrammeChild):
    """A catalog service offered in the programme (art. 5 ust. 3 pkt 5), with its plan and fee."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="programme_services", verbose_name=_("programme")
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="programme_services", verbose_name=_("service")
    )
    planned_participants = models.PositiveIntegerField(
        _("planned participants"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    unit = models.CharField(_("unit of delivery"), max_length=15, choices=DeliveryUnit.choices)
    units_per_participant = models.DecimalField(
        _("units per participant"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Planned units for one participant over the whole programme (e.g. 240 hours)."),
    )
    unit_cost = models.DecimalField(
        _("unit cost (PLN)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    fee_kind = models.CharField(
        _("fee"), max_length=10, choices=ProgrammeFeeKind.choices, default=ProgrammeFeeKind.FREE
    )
    fee_amount = models.DecimalField(
        _("fixed fee (PLN)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    track = models.CharField(_("track"), max_length=10, choices=Track.choices, default=Track.PROGRAMME)
    statutory_basis = models.CharField(
        _("legal basis of the statutory track"),
        max_length=250,
        blank=True,
        help_text=_("E.g. art. 50 of the social assistance act."),
    )
    capacity = models.PositiveIntegerField(
        _("places at once"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )

    class Meta:
        ordering = ["programme", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "service"], name="programme_service_once"),
            models.CheckConstraint(
                condition=~Q(fee_kind="fixed") | Q(fee_amount__isnull=False), name="programme_service_fixed_amount"
            ),
        ]
        verbose_name = _("service of a programme")
        verbose_name_plural = _("services of a programme")

    def __str__(self) -> str:
        return f"{self.programme} — {self.service}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.fee_kind == ProgrammeFeeKind.FIXED and self.fee_amount is None:
            errors["fee_amount"] = _("Give the amount of the fixed fee.")
        if self.fee_kind != ProgrammeFeeKind.FIXED and self.fee_amount is not None:
            errors["fee_amount"] = _("Only a fixed fee has an amount; leave it empty.")
        if self.track == Track.STATUTORY and not self.statutory_basis.strip():
            errors["statutory_basis"] = _("Name the act that governs this service (art. 5 ust. 4, art. 19).")
        if self.track == Track.PROGRAMME and self.statutory_basis.strip():
            errors["statutory_basis"] = _("Only a service on the statutory track has another legal basis.")
        if errors:
            raise ValidationError(errors)

    @property
    def planned_cost(self) -> Decimal:
        return money(self.planned_participants * self.units_per_participant * self.unit_cost)


class ReliefKind(models.TextChoices):
    PERCENT = "percent", _("Percentage of the fee")
    AMOUNT = "amount", _("Amount (PLN)")


class Relief(ProgrammeChild):
    """A relief in the fee (ulga, art. 5 ust. 3 pkt 7): who gets it and how large."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="reliefs")
    programme_service = models.ForeignKey(
        ProgrammeService,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reliefs",
        verbose_name=_("service"),
        help_text=_("Empty: every paid service of the programme."),
    )
    beneficiaries = models.CharField(_("who gets the relief"), max_length=250)
    kind = models.CharField(_("kind of relief"), max_length=10, choices=ReliefKind.choices)
    value = models.DecimalField(
        _("size of the relief"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    condition = models.TextField(_("condition"), blank=True)

    class Meta:
        ordering = ["programme", "pk"]
        verbose_name = _("fee relief")
        verbose_name_plural = _("fee reliefs")

    def __str__(self) -> str:
        return self.beneficiaries

    def clean(self) -> None:
        if self.kind == ReliefKind.PERCENT and self.value is not None and self.value > 100:
            raise ValidationError({"value": _("A relief cannot be larger than 100% of the fee.")})

    def size_text(self) -> str:
        if self.kind == ReliefKind.PERCENT:
            return f"{self.value.normalize():f}%"
        return f"{self.value} zł"


class FundingSource(models.TextChoices):
    GMINA = "gmina", _("Municipal budget")
    STATE = "state", _("State budget")
    EU = "eu", _("EU funds")
    OTHER = "other", _("Other")


class BudgetLine(ProgrammeChild):
    """A part of the programme's budget (art. 5 ust. 3 pkt 12): a year, an amount and where it comes from."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    amount = models.DecimalField(
        _("amount (PLN)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    source = models.CharField(_("funding source"), max_length=10, choices=FundingSource.choices)
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        ordering = ["programme", "year", "source", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "source"], name="programme_budget_year_source")
        ]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()}: {self.amount}"


class Indicator(ProgrammeChild):
    """A measure of efficiency (miernik efektywności, art. 5 ust. 3 pkt 11) with its baseline and target."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("measure"), max_length=250)
    unit = models.CharField(_("unit"), max_length=50, help_text=_("E.g. persons, %, hours."))
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["programme", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    AGE = eligibility.RuleKind.AGE.value, _("Age")
    RESIDENCE = eligibility.RuleKind.RESIDENCE.value, _("Residence in the municipality")
    DISABILITY = eligibility.RuleKind.DISABILITY.value, _("Disability certificate")
    INCOME = eligibility.RuleKind.INCOME.value, _("Income per person")
    HOUSEHOLD = eligibility.RuleKind.HOUSEHOLD.value, _("Household type")
    OTHER = eligibility.RuleKind.OTHER.value, _("Other condition checked by the worker")


class MinimumDisability(models.TextChoices):
    ANY = eligibility.ANY_CERTIFICATE, _("any certificate")
    LIGHT = eligibility.DisabilityDegree.LIGHT.value, _("light degree or higher")
    MODERATE = eligibility.DisabilityDegree.MODERATE.value, _("moderate degree or higher")
    SEVERE = eligibility.DisabilityDegree.SEVERE.value, _("severe degree")


class HouseholdType(models.TextChoices):
    ANY = eligibility.HouseholdType.ANY.value, _("any household")
    SINGLE = eligibility.HouseholdType.SINGLE.value, _("person living alone")
    FAMILY = eligibility.HouseholdType.FAMILY.value, _("person in a family")


class EligibilityRule(ProgrammeChild):
    """A condition of qualifying (warunek kwalifikowania, art. 5 ust. 3 pkt 6) of the whole programme or one service."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules")
    programme_service = models.ForeignKey(
        ProgrammeService,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("service"),
        help_text=_("Empty: the condition applies to every service of the programme."),
    )
    kind = models.CharField(_("condition"), max_length=10, choices=RuleKind.choices)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    min_disability = models.CharField(
        _("minimum degree of disability"), max_length=10, choices=MinimumDisability.choices, blank=True
    )
    income_percent = models.DecimalField(
        _("income at most (percentage of the criterion)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("9999"))],
    )
    household_type = models.CharField(_("household type"), max_length=10, choices=HouseholdType.choices, blank=True)
    text = models.TextField(_("condition in words"), blank=True)

    class Meta:
        ordering = ["programme", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=models.F("max_age")),
                name="programme_rule_age_range",
            ),
        ]
        verbose_name = _("qualification condition")
        verbose_name_plural = _("qualification conditions")

    def __str__(self) -> str:
        return str(self.plain_text())

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == RuleKind.AGE:
            if self.min_age is None and self.max_age is None:
                errors["min_age"] = _("Give a minimum age, a maximum age or both.")
            elif self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
                errors["max_age"] = _("The maximum age cannot be lower than the minimum age.")
        if self.kind == RuleKind.DISABILITY and not self.min_disability:
            errors["min_disability"] = _("Choose the minimum degree of disability.")
        if self.kind == RuleKind.INCOME and self.income_percent is None:
            errors["income_percent"] = _("Give the income limit as a percentage of the income criterion.")
        if self.kind == RuleKind.HOUSEHOLD and self.household_type in ("", HouseholdType.ANY):
            errors["household_type"] = _("Choose a person living alone or a person in a family.")
        if self.kind == RuleKind.OTHER and not self.text.strip():
            errors["text"] = _("Describe the condition the worker checks.")
        if errors:
            raise ValidationError(errors)
        self._clear_unused()

    def _clear_unused(self) -> None:
        """Only the fields of the rule's kind are kept, so a stale value never changes what the rule means."""
        kind = self.kind
        if kind != RuleKind.AGE:
            self.min_age = self.max_age = None
        if kind != RuleKind.DISABILITY:
            self.min_disability = ""
        if kind != RuleKind.INCOME:
            self.income_percent = None
        if kind != RuleKind.HOUSEHOLD:
            self.household_type = ""
        if kind != RuleKind.OTHER:
            self.text = ""

    def as_rule(self, municipality_teryt: str = "") -> eligibility.Rule:
        return eligibility.Rule(
            kind=eligibility.RuleKind(self.kind),
            min_age=self.min_age,
            max_age=self.max_age,
            municipality=municipality_teryt,
            min_disability=self.min_disability or eligibility.ANY_CERTIFICATE,
            income_percent=self.income_percent,
            household_type=eligibility.HouseholdType(self.household_type or eligibility.HouseholdType.ANY),
            text=self.text,
        )

    def plain_text(self, municipality_name: str = "") -> str:
        """The condition in plain words for staff and residents."""
        from django.utils.translation import gettext

        kind = self.kind
        if kind == RuleKind.AGE:
            if self.min_age is not None and self.max_age is not None:
                text = gettext("Aged %(min)s to %(max)s.") % {"min": self.min_age, "max": self.max_age}
            elif self.min_age is not None:
                text = gettext("Aged %(min)s or over.") % {"min": self.min_age}
            else:
                text = gettext("Aged %(max)s or under.") % {"max": self.max_age}
        elif kind == RuleKind.RESIDENCE:
            text = (
                gettext("Lives in %(municipality)s.") % {"municipality": municipality_name}
                if municipality_name
                else gettext("Lives in the municipality.")
            )
        elif kind == RuleKind.DISABILITY:
            text = (
                gettext("Has a disability certificate.")
                if self.min_disability in ("", MinimumDisability.ANY)
                else gettext("Has a disability certificate: %(degree)s.")
                % {"degree": MinimumDisability(self.min_disability).label}
            )
        elif kind == RuleKind.INCOME:
            percent = f"{(self.income_percent or Decimal(0)).normalize():f}"
            text = gettext("Income per person at most %(percent)s%% of the social assistance income criterion.") % {
                "percent": percent
            }
        elif kind == RuleKind.HOUSEHOLD:
            text = (
                gettext("Lives alone (single-person household).")
                if self.household_type == HouseholdType.SINGLE
                else gettext("Lives in a family (household of two or more).")
            )
        else:
            text = self.text
        return text
