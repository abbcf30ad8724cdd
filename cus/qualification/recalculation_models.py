"""Recalculation of fees (przeliczenie odpłatności) after a change of the income criterion or of a fee table: one
run per municipality and its report of changes. Imported at the end of ``cus.qualification.models``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.models import TenantModel
from cus.core.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from collections.abc import Iterable


class RecalculationReason(models.TextChoices):
    CRITERION = "criterion", _("New income criterion")
    FEE_TABLE = "fee_table", _("Fee table brought into force or changed")
    MANUAL = "manual", _("Started by a worker")


class RecalculationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RecalculationOutcome(models.TextChoices):
    CHANGED = "changed", _("Fee changed")
    UNCHANGED = "unchanged", _("Fee unchanged")
    # PS art. 106 ust. 3b: a change of income of at most 10 % of the criterion does not change the fee.
    KEPT = "kept", _("Fee kept: income changed by at most 10 percent of the criterion")
    FAILED = "failed", _("Could not compute")


# The outcomes a run lists in its report; the applications whose fee stays as it was are only counted (the report
# of a criterion change would otherwise repeat every qualified application of the municipality). Rows "unchanged"
# may still be found in the reports of runs made before.
REPORTED_OUTCOMES = (RecalculationOutcome.CHANGED, RecalculationOutcome.KEPT, RecalculationOutcome.FAILED)


class RecalculationRun(TenantModel):
    """One recalculation of the fees of every qualified application of a municipality (przeliczenie odpłatności)."""

    reason = models.CharField(_("reason"), max_length=20, choices=RecalculationReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RecalculationStatus.choices, default=RecalculationStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("applications to recalculate"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    changed = models.PositiveIntegerField(_("fees changed"), default=0)
    kept = models.PositiveIntegerField(_("fees kept under the 10 percent rule"), default=0)
    failed = models.PositiveIntegerField(_("could not compute"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "created_at"], name="qualification_recalc_idx")]
        verbose_name = _("recalculation of fees")
        verbose_name_plural = _("recalculations of fees")

    def __str__(self) -> str:
        return str(
            _("Recalculation of %(date)s") % {"date": timezone.localtime(self.created_at).strftime("%d.%m.%Y %H:%M")}
        )

    @property
    def is_active(self) -> bool:
        return self.status in {RecalculationStatus.QUEUED, RecalculationStatus.RUNNING}

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == RecalculationStatus.DONE else 0
        return min(100, self.processed * 100 // self.total)

    @property
    def unchanged(self) -> int:
        return max(0, self.processed - self.changed - self.kept - self.failed)


class RecalculationChange(models.Model):
    """One application in the report of a recalculation (a changed or kept fee, or one that could not be computed):
    the fee before and after, and the outcome."""

    run = models.ForeignKey(
        RecalculationRun, on_delete=models.CASCADE, related_name="changes", verbose_name=_("recalculation")
    )
    application = models.ForeignKey(
        "qualification.Application", on_delete=models.CASCADE, related_name="+", verbose_name=_("application")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=RecalculationOutcome.choices)
    old_fee_per_unit = models.DecimalField(
        _("fee per unit before (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    new_fee_per_unit = models.DecimalField(
        _("fee per unit after (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    old_fee_per_month = models.DecimalField(
        _("fee a month before (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    new_fee_per_month = models.DecimalField(
        _("fee a month after (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    old_income_per_person = models.DecimalField(
        _("income per person before (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    new_income_per_person = models.DecimalField(
        _("income per person now (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    old_criterion = models.DecimalField(
        _("criterion before (PLN)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    new_criterion = models.DecimalField(_("criterion now (PLN)"), max_digits=8, decimal_places=2, null=True, blank=True)
    old_band = models.CharField(_("income band before"), max_length=40, blank=True)
    new_band = models.CharField(_("income band now"), max_length=40, blank=True)
    reason = models.TextField(_("why it could not be computed"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "outcome"], name="qualification_recalc_ch_idx")]
        verbose_name = _("recalculated fee")
        verbose_name_plural = _("recalculated fees")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(run__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.run.municipality_id

    def audit_person(self) -> Any:
        return self.application.person
