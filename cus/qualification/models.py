"""Qualification for social services (art. 13 ust. 1 pkt 4): the income criterion and fee tables with their
validity periods. Applications will join them here (this module may then become a ``models/`` package)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cus.core.models import TenantModel
from cus.core.scoping import ScopedQuerySet
from cus.qualification import fees

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# Percentages of a fee table: 0.00–9999.99 % of the criterion, fees 0.00–100.00 % of the unit cost.


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def period(obj: Any) -> str:
    """ "from 01.01.2025" or "01.01.2022 – 31.12.2024" (``valid_from``/``valid_to`` of ``obj``) in the active
    language."""
    if obj.valid_to is None:
        return str(_("from %(start)s") % {"start": _date(obj.valid_from)})
    return f"{_date(obj.valid_from)} – {_date(obj.valid_to)}"


def periods_overlap(
    start: datetime.date, end: datetime.date | None, other_start: datetime.date, other_end: datetime.date | None
) -> bool:
    """Whether two closed date ranges overlap; an end of None is open-ended."""
    return (end is None or other_start <= end) and (other_end is None or start <= other_end)


def overlapping_q(start: datetime.date, end: datetime.date | None) -> Q:
    """Rows whose [valid_from, valid_to] overlaps [start, end]."""
    q = Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    if end is not None:
        q &= Q(valid_from__lte=end)
    return q


class NationalQuerySet(models.QuerySet[Any]):
    """Reference data set by national law, the same for every municipality: ``restrict`` only checks that one of
    the user's roles holds the permission (no municipality to filter by)."""

    def restrict(self, user: Any, action: str = "view") -> Self:
        from cus.accounts.permissions import has_permission

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        opts = self.model._meta
        if not has_permission(user, f"{opts.app_label}.{action}_{opts.model_name}"):
            return self.none()
        return self


class IncomeCriterion(models.Model):
    """The income criterion (kryterium dochodowe, PS art. 8 ust. 1), set by the Council of Ministers' regulation
    and verified every three years (art. 9)."""

    single_person = models.DecimalField(
        _("amount for a person living alone"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("PLN a month (osoba samotnie gospodarująca)."),
    )
    per_person_in_family = models.DecimalField(
        _("amount per person in a family"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("PLN a month per person (osoba w rodzinie)."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Leave empty while in force."))
    legal_basis = models.CharField(
        _("legal basis"), max_length=200, help_text=_("The regulation, e.g. Dz.U. 2024 poz. 1044.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NationalQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["valid_from"], name="qualification_criterion_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="qualification_criterion_period",
            ),
        ]
        verbose_name = _("income criterion")
        verbose_name_plural = _("income criteria")

    def __str__(self) -> str:
        return _("%(single)s / %(family)s PLN from %(start)s") % {
            "single": formats.number_format(self.single_person, 2),
            "family": formats.number_format(self.per_person_in_family, 2),
            "start": _date(self.valid_from),
        }

    def amount_for(self, *, single: bool) -> Decimal:
        """The criterion a person's income per person is compared with (PS art. 8 ust. 1 pkt 1–2)."""
        return self.single_person if single else self.per_person_in_family

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, None  # national: no centre or municipality

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of the period cannot be before its start.")})
        if self.valid_from:
            clash = (
                IncomeCriterion.objects.filter(overlapping_q(self.valid_from, self.valid_to))
                .exclude(pk=self.pk)
                .order_by("valid_from")
                .first()
            )
            if clash is not None:
                raise ValidationError(
                    {
                        "valid_from": _(
                            "The period overlaps the criterion valid %(period)s (%(basis)s); criteria may not overlap."
                        )
                        % {"period": period(clash), "basis": clash.legal_basis}
                    },
                    code="overlap",
                )


def criterion_on(day: datetime.date) -> IncomeCriterion | None:
    """The criterion in force on ``day``, or None when none was recorded for it."""
    return (
        IncomeCriterion.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .first()
    )


class FeeScope(models.TextChoices):
    """What a fee table is for. Together with the municipality (and, for a programme service, the service) this is
    the key under which only one table may be in force at a time."""

    CARE = "care", _("Care services (PS art. 50)")
    SPECIALISED_CARE = "specialised_care", _("Specialised care services (PS art. 50)")
    MENTAL_DISORDER_CARE = "mental_disorder_care", _("Specialised care services for people with mental disorders")
    SUPPORT_CENTRE = "support_centre", _("Support centre (PS art. 51)")
    PROGRAMME_SERVICE = "programme_service", _("Service of the programme of social services")


class FeeUnitKind(models.TextChoices):
    HOUR = "hour", _("hour")
    VISIT = "visit", _("visit")
    MONTH = "month", _("month")
    PARTICIPATION = "participation", _("participation")


class FeeTableStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")


class FeeTable(TenantModel):
    """A fee table (tabela odpłatności) adopted by the municipal council's resolution (PS art. 50 ust. 6, art. 17
    ust. 1 of the CUS act): income per person as % of the criterion → fee as % of the unit cost."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=250)
    scope = models.CharField(_("what the table is for"), max_length=30, choices=FeeScope.choices, default=FeeScope.CARE)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_tables",
        verbose_name=_("service of the catalog"),
        help_text=_("Required for a service of the programme; optional otherwise."),
    )
    resolution_number = models.CharField(
        _("resolution number"), max_length=100, help_text=_("E.g. XII/123/2024 of the municipal council.")
    )
    resolution_date = models.DateField(_("resolution date"))
    unit = models.CharField(_("unit of the service"), max_length=20, choices=FeeUnitKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Leave empty while in force."))
    status = models.CharField(_("status"), max_length=20, choices=FeeTableStatus.choices, default=FeeTableStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "scope", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="qualification_feetable_period",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "scope", "valid_from"], name="qualification_feetable_idx")]
        verbose_name = _("fee table")
        verbose_name_plural = _("fee tables")

    def __str__(self) -> str:
        return f"{self.name} ({self.resolution_number})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end of the period cannot be before its start.")
        if self.scope == FeeScope.PROGRAMME_SERVICE and self.service_id is None:
            errors["service"] = _("Choose the service of the programme this table is for.")
        if self.service_id is not None and self.municipality_id is not None:
            from cus.catalog.models import Service

            if not Service.objects.filter(pk=self.service_id, municipality_id=self.municipality_id).exists():
                errors["service"] = _("The service belongs to another municipality's catalog.")
        if errors:
            raise ValidationError(errors)
        clash = self.clashing_table()
        if clash is not None:
            raise ValidationError(
                {
                    "valid_from": _(
                        "The table %(name)s (resolution %(resolution)s) is in force for the same services, valid "
                        "%(period)s; two tables may not be in force at the same time. End its validity or keep this "
                        "table as a draft."
                    )
                    % {"name": clash.name, "resolution": clash.resolution_number, "period": period(clash)}
                },
                code="overlap",
            )

    def clashing_table(self) -> FeeTable | None:
        """Another table in force for the same scope key (municipality, scope, service) in an overlapping period."""
        if self.status != FeeTableStatus.IN_FORCE or not self.valid_from or self.municipality_id is None:
            return None
        return (
            FeeTable.objects.filter(
                municipality_id=self.municipality_id,
                scope=self.scope,
                service=self.service_id,
                status=FeeTableStatus.IN_FORCE,
            )
            .filter(overlapping_q(self.valid_from, self.valid_to))
            .exclude(pk=self.pk)
            .order_by("valid_from")
            .first()
        )

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_fee_table(self, bands: Iterable[FeeBand] | None = None) -> fees.FeeTable:
        """The pure table the fee function works on (uses prefetched bands when there are any)."""
        rows = list(bands) if bands is not None else list(self.bands.all())
        return fees.FeeTable(tuple(band.as_pure() for band in sorted(rows, key=lambda b: b.position)))


class FeeBand(models.Model):
    """A row of a fee table (przedział dochodu): income in (from %, to %] of the criterion → fee % of the unit
    cost for a person living alone and for a person in a family; the first row starts at 0 % inclusive."""

    table = models.ForeignKey(FeeTable, on_delete=models.CASCADE, related_name="bands", verbose_name=_("fee table"))
    position = models.PositiveSmallIntegerField(_("position"))
    income_from = models.DecimalField(
        _("income above (percentage of the criterion)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    income_to = models.DecimalField(
        _("income up to (percentage of the criterion)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Inclusive; leave empty in the last band (no upper limit)."),
    )
    fee_single = models.DecimalField(
        _("fee for a person living alone (percentage of the unit cost)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    fee_family = models.DecimalField(
        _("fee for a person in a family (percentage of the unit cost)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="qualification_band_position_unique"),
            models.CheckConstraint(
                condition=Q(fee_single__gte=0, fee_single__lte=100, fee_family__gte=0, fee_family__lte=100),
                name="qualification_band_fee_percent",
            ),
        ]
        verbose_name = _("income band")
        verbose_name_plural = _("income bands")

    def __str__(self) -> str:
        return self.as_pure().label()

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(table__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.table.municipality_id

    def as_pure(self) -> fees.FeeBand:
        return fees.FeeBand(
            income_from=Decimal(self.income_from),
            income_to=None if self.income_to is None else Decimal(self.income_to),
            fee_single=Decimal(self.fee_single),
            fee_family=Decimal(self.fee_family),
        )


# The translated wording of each problem the pure ``fees.validate_bands`` reports (same codes).
BAND_MESSAGES: dict[str, Any] = {
    "empty": _("A fee table needs at least one income band."),
    "first_not_zero": _("The first band must start at 0."),
    "overlap": _(
        "This band overlaps the previous one: it starts at %(start)s %% but the previous band ends at %(end)s %%."
    ),
    "gap": _(
        "Incomes between %(end)s %% and %(start)s %% are in no band: start this band where the previous one ends."
    ),
    "decreasing": _("The fee may not fall as income rises: it is lower than in the previous band."),
    "negative": _("An income percentage cannot be negative."),
    "open_not_last": _("Only the last band may be open-ended: give its upper limit."),
    "inverted": _("The upper limit must be greater than the lower limit."),
    "last_closed": _("Leave the upper limit of the last band empty, so that every income has a fee."),
    "fee_range": _("A fee percentage must be between 0 and 100."),
}


def band_message(error: fees.BandError) -> str:
    template = BAND_MESSAGES[error.code]
    return str(template % dict(error.params)) if error.params else str(template)


class BandsInvalid(ValidationError):
    """The rows of a fee table break its rules. ``rows`` maps a 0-based row index to {field or "__all__": [messages]}
    so that the screen shows each message beside its row and the API answers ``loc: ["body", "bands", i, field]``."""

    def __init__(self, rows: dict[int, dict[str, list[str]]], other: dict[str, Any] | None = None) -> None:
        self.rows = rows
        messages = [
            _("Income band %(row)s: %(message)s") % {"row": index + 1, "message": message}
            for index, fields_ in sorted(rows.items())
            for items in fields_.values()
            for message in items
        ]
        super().__init__({**(other or {}), "bands": messages})


def check_bands(table: FeeTable, bands: Sequence[FeeBand]) -> None:
    """Field checks of every row, then the table's rules from the pure ``validate_bands``; raises ``BandsInvalid``
    with every problem at once (nothing is saved)."""
    if not bands:
        raise ValidationError({"bands": BAND_MESSAGES["empty"]}, code="empty")
    rows: dict[int, dict[str, list[str]]] = {}
    for index, band in enumerate(bands):
        try:
            band.full_clean(exclude=["table", "position"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                rows.setdefault(index, {}).setdefault(name, []).extend(messages)
    if not rows:
        for error in fees.validate_bands([band.as_pure() for band in bands]):
            field = error.field or "__all__"
            rows.setdefault(error.row, {}).setdefault(field, []).append(band_message(error))
    if rows:
        raise BandsInvalid(rows)


# Applications and their qualification (art. 35–44) live in their own module of the same app.
from cus.qualification.applications import (  # noqa: E402
    LIABILITY_CLAUSE,
    ApplicantRelation,
    Application,
    ApplicationEvent,
    Attachment,
    Channel,
    Decision,
    DecisionKind,
    State,
)
from cus.qualification.recalculation_models import (  # noqa: E402
    RecalculationChange,
    RecalculationOutcome,
    RecalculationReason,
    RecalculationRun,
    RecalculationStatus,
)

__all__ = [
    "LIABILITY_CLAUSE",
    "ApplicantRelation",
    "Application",
    "ApplicationEvent",
    "Attachment",
    "BandsInvalid",
    "Channel",
    "Decision",
    "DecisionKind",
    "FeeBand",
    "FeeScope",
    "FeeTable",
    "FeeTableStatus",
    "FeeUnitKind",
    "IncomeCriterion",
    "RecalculationChange",
    "RecalculationOutcome",
    "RecalculationReason",
    "RecalculationRun",
    "RecalculationStatus",
    "State",
    "check_bands",
    "criterion_on",
    "period",
]
