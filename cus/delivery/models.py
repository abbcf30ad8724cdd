"""Delivery of plan items by providers (realizacja usług): who works for which provider, and the records of visits
and hours they deliver (art. 39, 44). Provider staff see only the items of their own organisation (art. 49: they
never prepare or approve plans)."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.scoping import ScopedQuerySet
from cus.plans import rules

if TYPE_CHECKING:
    from collections.abc import Iterable

# How long provider staff may correct their own record themselves; later corrections go to the coordinator.
DEFAULT_CORRECTION_DAYS = 7


def correction_window() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "CUS_DELIVERY_CORRECTION_DAYS", DEFAULT_CORRECTION_DAYS))


def worker_key(name: str) -> str:
    """The worker's name compared for overlapping visits: case and spacing ignored."""
    return " ".join(name.casefold().split())


class ProviderStaff(models.Model):
    """A user who works for a provider (pracownik realizatora) and records its deliveries."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_staff", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        "catalog.Organization", on_delete=models.PROTECT, related_name="staff", verbose_name=_("provider")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider staff member")
        verbose_name_plural = _("provider staff")

    def __str__(self) -> str:
        return f"{self.user} ({self.organization})"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(organization__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.organization.municipality_id


class RecordStatus(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    MISSED = "missed", _("Not delivered")
    CANCELLED = "cancelled", _("Entered in error")


class MissedReason(models.TextChoices):
    PERSON_ABSENT = "person_absent", _("The person was not at home or cancelled")
    PERSON_HOSPITAL = "person_hospital", _("The person was in hospital")
    PROVIDER = "provider", _("The provider could not come")
    OTHER = "other", _("Other reason")


class DeliveryRecord(models.Model):
    """One visit or block of hours delivered (or missed) for a plan item."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        "plans.PlanItem", on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("plan item")
    )
    # Copied from the item so provider lists and overlap checks need no join.
    provider = models.ForeignKey(
        "catalog.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider"), editable=False
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    worker_name = models.CharField(_("delivered by"), max_length=200, help_text=_("The worker who came."))
    worker_key = models.CharField(max_length=200, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.DELIVERED)
    missed_reason = models.CharField(_("why not delivered"), max_length=20, choices=MissedReason.choices, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("What was done; nothing about health beyond the need.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    corrected_at = models.DateTimeField(_("last corrected at"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrected by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "pk"]
        indexes = [
            # Covering the sums of delivered minutes per item in a period (shares, the half-year summary): read from
            # the index alone, without visiting the rows.
            models.Index(fields=["item", "date", "status", "minutes"], name="delivery_item_date_cover_idx"),
            models.Index(fields=["provider", "worker_key", "date"], name="delivery_worker_day_idx"),
            models.Index(fields=["provider", "date"], name="delivery_provider_date_idx"),
        ]
        verbose_name = _("delivery record")
        verbose_name_plural = _("delivery records")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.start_time:%H:%M} ({self.minutes} min)"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(item__plan__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.item.plan.municipality_id

    def audit_person(self) -> Any:
        return self.item.plan.person

    @property
    def end_time(self) -> datetime.time:
        return rules.end_time(self.start_time, self.minutes)

    @property
    def hours(self) -> Any:
        from decimal import Decimal

        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))

    def correctable_by_provider(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) <= self.recorded_at + correction_window()

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self.worker_key = worker_key(self.worker_name)
        if self.item_id:
            item = self.item
            if self.date and not item.period.contains(self.date):
                errors["date"] = _("The visit must fall within the service's dates (%(start)s–%(end)s).") % {
                    "start": item.starts_on.strftime("%d.%m.%Y"),
                    "end": (item.ended_on or item.ends_on).strftime("%d.%m.%Y"),
                }
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("A visit cannot be recorded in advance.")
        if self.start_time and self.minutes:
            try:
                rules.end_time(self.start_time, self.minutes)
            except ValueError:
                errors["minutes"] = _("A visit must end the same day; record the hours after midnight separately.")
        if self.status == RecordStatus.MISSED and not self.missed_reason:
            errors["missed_reason"] = _("Say why the visit did not take place.")
        if self.status != RecordStatus.MISSED:
            self.missed_reason = ""
        if errors:
            raise ValidationError(errors)


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the coordinator")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class DeliveryMonth(models.Model):
    """The minutes delivered for a plan item in a calendar month, kept with the records: every save or removal of a
    record counts its item's months again (``months.recount``). Reports over many items (the half-year summary of
    art. 46) read one row per item and month here instead of every record."""

    item = models.ForeignKey("plans.PlanItem", on_delete=models.CASCADE, related_name="+", verbose_name=_("plan item"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    minutes = models.PositiveIntegerField(_("minutes delivered"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["item", "month"]
        constraints = [models.UniqueConstraint(fields=["item", "month"], name="delivery_month_unique")]
        indexes = [
            # The sums of a period per item from the index alone.
            models.Index(fields=["item", "month", "minutes"], name="delivery_month_cover_idx"),
        ]
        verbose_name = _("minutes delivered in a month")
        verbose_name_plural = _("minutes delivered by month")

    def __str__(self) -> str:
        return f"{self.month:%m.%Y}: {self.minutes} min"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(item__plan__municipality_id__in=list(municipality_ids))


class CorrectionRequest(models.Model):
    """A provider's correction of a record after its own correction window: the coordinator accepts or rejects it."""

    record = models.ForeignKey(
        DeliveryRecord, on_delete=models.CASCADE, related_name="correction_requests", verbose_name=_("record")
    )
    changes = models.JSONField(_("requested values"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("coordinator's note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status="pending"),
                name="delivery_one_pending_correction",
                violation_error_message=_("A correction of this record is already waiting for a decision."),
            )
        ]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")

    def __str__(self) -> str:
        return f"{self.record} ({self.get_status_display()})"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(record__item__plan__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.record.item.plan.municipality_id

    def audit_person(self) -> Any:
        return self.record.item.plan.person
