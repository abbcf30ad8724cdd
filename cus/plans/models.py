"""Individual social-services plans (indywidualny plan usług społecznych, IPUS; art. 38–47).

A ``ServicePlan`` belongs to one person and one coordinator. Its working content — needs, goals, planned items,
supporting activities — lives in rows the coordinator edits while the plan (or an update of it) is a draft; each
submission freezes that content into a ``PlanVersion`` which the director, or a services organiser with a written
delegation (``ApprovalDelegation``), approves (art. 41). Approved versions are kept and can be compared.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.models import TenantModel
from cus.core.scoping import ScopedQuerySet
from cus.plans import rules

if TYPE_CHECKING:
    from collections.abc import Iterable

# Jednolity rzeczowy wykaz akt: 4012 — individual social-services plans.
REFERENCE_SYMBOL = "CUS.4012"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    ACTIVE = "active", _("Approved, in progress")
    UPDATING = "updating", _("Update in preparation")
    UPDATE_SUBMITTED = "update_submitted", _("Update awaiting approval")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled before approval")


EDITABLE_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.UPDATING})
# Statuses in which the approved content is being delivered.
DELIVERING_STATUSES = frozenset({PlanStatus.ACTIVE, PlanStatus.UPDATING, PlanStatus.UPDATE_SUBMITTED})
OPEN_STATUSES = frozenset(set(PlanStatus) - {PlanStatus.CLOSED, PlanStatus.CANCELLED})


class AgreementForm(models.TextChoices):
    """How the person agreed to the plan (art. 38 ust. 1: the plan is made in agreement with them)."""

    SIGNATURE = "signature", _("Signed the plan")
    ELECTRONIC = "electronic", _("Electronic signature or trusted profile")
    ORAL_RECORDED = "oral_recorded", _("Orally, recorded in a note")
    REPRESENTATIVE = "representative", _("Signed by the legal representative")


class ClosingReason(models.TextChoices):
    PLANNED_END = "planned_end", _("The planned end date")
    GOALS_MET = "goals_met", _("Goals met")
    RESIGNATION = "resignation", _("The person resigned")
    OTHER = "other", _("Other grounds")


class ServicePlan(TenantModel):
    """An individual social-services plan (IPUS) of one person (art. 38–45)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey(
        "core.Centre", on_delete=models.PROTECT, related_name="+", verbose_name=_("centre"), editable=False
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    number = models.PositiveIntegerField(_("number in the year"), editable=False)
    reference = models.CharField(_("case reference"), max_length=40, editable=False)
    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, related_name="service_plans", verbose_name=_("person")
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordinated_plans",
        verbose_name=_("IPUS coordinator"),
    )
    applications = models.ManyToManyField(
        "qualification.Application",
        related_name="service_plans",
        blank=True,
        verbose_name=_("applications"),
        help_text=_("The person's applications the plan answers (with their needs assessment and fees)."),
    )
    applied_on = models.DateField(
        _("application filed on"), help_text=_("The 30-day deadline for drawing up the plan runs from this day.")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("At most one year after the start (art. 40)."))
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    needs_summary = models.TextField(
        _("needs (summary of the assessment)"), blank=True, help_text=_("What the needs assessment found.")
    )
    drawn_up_on = models.DateField(_("drawn up on"), null=True, blank=True, editable=False)
    agreed_on = models.DateField(_("agreed with the person on"), null=True, blank=True)
    agreement_form = models.CharField(_("form of agreement"), max_length=20, choices=AgreementForm.choices, blank=True)
    agreement_note = models.CharField(_("note on the agreement"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_reason = models.CharField(_("closing reason"), max_length=20, choices=ClosingReason.choices, blank=True)
    closing_reason_details = models.TextField(_("closing reason in detail"), blank=True)
    closing_interview_on = models.DateField(_("closing interview held on"), null=True, blank=True)
    closing_interview_notes = models.TextField(_("closing interview findings"), blank=True)
    course_description = models.TextField(
        _("description of the course and results"),
        blank=True,
        help_text=_("The written description of how the plan went and what it achieved (art. 45)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "year", "number"], name="plans_plan_number"),
            models.UniqueConstraint(fields=["centre", "reference"], name="plans_plan_reference"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="plans_plan_dates"),
            # Art. 37: one plan coordinates all of a person's services; a change is an update of that plan.
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status__in=["closed", "cancelled"]),
                name="plans_plan_one_open_per_person",
                violation_error_message=_("This person already has an open plan: update it instead."),
            ),
        ]
        indexes = [
            models.Index(fields=["coordinator", "status", "ends_on"], name="plans_plan_coordinator_idx"),
            models.Index(fields=["municipality", "status"], name="plans_plan_status_idx"),
        ]
        verbose_name = _("individual social-services plan")
        verbose_name_plural = _("individual social-services plans")

    def __str__(self) -> str:
        return self.reference or str(_("New plan"))

    @property
    def period(self) -> rules.Period:
        return rules.Period(self.starts_on, self.ends_on)

    @property
    def draw_up_deadline(self) -> datetime.date:
        return rules.draw_up_deadline(self.applied_on)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def draw_up_overdue(self, today: datetime.date | None = None) -> bool:
        """Not yet submitted for the first time after the 30-day deadline (or submitted late)."""
        today = today or timezone.localdate()
        if self.drawn_up_on:
            return self.drawn_up_on > self.draw_up_deadline
        return today > self.draw_up_deadline

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_on and self.ends_on:
            for problem in rules.plan_period_problems(self.period):
                if problem is rules.Problem.END_BEFORE_START:
                    errors["ends_on"] = _("The plan cannot end before it starts.")
                elif problem is rules.Problem.LONGER_THAN_YEAR:
                    errors["ends_on"] = _(
                        "A plan lasts at most one year (art. 40 ust. 2): it may end on %(date)s at the latest."
                    ) % {"date": rules.latest_end(self.starts_on).strftime("%d.%m.%Y")}
        if self.applied_on and self.starts_on and self.starts_on < self.applied_on:
            errors["starts_on"] = _("The plan cannot start before the application was filed.")
        if errors:
            raise ValidationError(errors)

    def audit_person(self) -> Any:
        return self.person


class PlanChild(models.Model):
    """A row of a plan's content, scoped by the plan's municipality and naming its person in the audit trail."""

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(plan__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.plan.municipality_id  # type: ignore[attr-defined]

    def audit_person(self) -> Any:
        return self.plan.person  # type: ignore[attr-defined]


class Need(PlanChild):
    """A need of the person the plan answers (from the needs assessment, art. 37)."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="needs", verbose_name=_("plan"))
    area = models.ForeignKey(
        "catalog.TaxonomyTerm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service area"),
    )
    description = models.TextField(_("need"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.description[:80]


class GoalStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY = "partly", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")


class Goal(PlanChild):
    """A goal with a measurable indicator and a target date."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan"))
    description = models.TextField(_("goal"))
    indicator = models.CharField(
        _("indicator"), max_length=300, help_text=_("How progress is measured, e.g. ‘walks to the shop unaided’.")
    )
    baseline = models.CharField(_("starting value"), max_length=100, blank=True)
    target = models.CharField(_("target value"), max_length=100)
    target_date = models.DateField(_("target date"))
    status = models.CharField(_("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0, validators=[MaxValueValidator(100)])
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="plans_goal_progress_range")]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status == GoalStatus.OPEN and self.target_date < (today or timezone.localdate())


class GoalProgress(models.Model):
    """A progress note on a goal (monitoring, art. 44)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress_notes", verbose_name=_("goal"))
    noted_on = models.DateField(_("noted on"), default=timezone.localdate)
    value = models.CharField(_("value reached"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), validators=[MaxValueValidator(100)])
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["goal", "-noted_on", "-pk"]
        verbose_name = _("goal progress note")
        verbose_name_plural = _("goal progress notes")

    def __str__(self) -> str:
        return f"{self.noted_on:%d.%m.%Y}: {self.progress}%"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(goal__plan__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.goal.plan.municipality_id

    def audit_person(self) -> Any:
        return self.goal.plan.person


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ENDED = "ended", _("Ended early")


class PlanItem(PlanChild):
    """A service of the plan: a catalog service at a place, by a provider, on a schedule, with the fee from the
    qualification (art. 39)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("service")
    )
    location = models.ForeignKey(
        "catalog.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("place"),
        help_text=_("Leave empty for a service at the person's home."),
    )
    provider = models.ForeignKey(
        "catalog.Organization",
        on_delete=models.PROTECT,
        related_name="plan_items",
        verbose_name=_("provider"),
        editable=False,
    )
    application = models.ForeignKey(
        "qualification.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("qualification"),
        help_text=_("The qualified application the fee comes from."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    frequency = models.CharField(
        _("frequency"),
        max_length=20,
        choices=[
            (rules.Frequency.WEEKLY.value, _("Every week")),
            (rules.Frequency.EVERY_OTHER_WEEK.value, _("Every other week")),
            (rules.Frequency.MONTHLY.value, _("Once a month")),
        ],
        default=rules.Frequency.WEEKLY.value,
    )
    weekdays = models.JSONField(
        _("days of the week"), default=list, blank=True, help_text=_("1 = Monday … 7 = Sunday.")
    )
    time_from = models.TimeField(_("from"), null=True, blank=True)
    hours_per_visit = models.DecimalField(
        _("hours per visit"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    planned_hours = models.DecimalField(_("planned hours in total"), max_digits=8, decimal_places=2, editable=False)
    fee_per_month = models.DecimalField(
        _("fee a month (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    notes = models.TextField(_("how the service is delivered"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "position", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="plans_item_dates"),
        ]
        indexes = [models.Index(fields=["provider", "ends_on"], name="plans_item_provider_idx")]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")

    def __str__(self) -> str:
        return f"{self.service} ({self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y})"

    @property
    def period(self) -> rules.Period:
        return rules.Period(self.starts_on, self.ended_on or self.ends_on)

    @property
    def weekday_list(self) -> list[int]:
        return [int(day) for day in self.weekdays or []]

    def compute_planned_hours(self) -> Decimal:
        return rules.planned_hours(self.period, self.frequency, self.weekday_list, Decimal(self.hours_per_visit))

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        weekdays = self.weekdays or []
        if not isinstance(weekdays, list) or any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
            errors["weekdays"] = _("Days of the week are numbers from 1 (Monday) to 7 (Sunday).")
        elif self.frequency != rules.Frequency.MONTHLY and not weekdays:
            errors["weekdays"] = _("Choose at least one day of the week.")
        if self.starts_on and self.ends_on and self.plan_id:
            for problem in rules.item_period_problems(self.plan.period, rules.Period(self.starts_on, self.ends_on)):
                if problem is rules.Problem.END_BEFORE_START:
                    errors["ends_on"] = _("The service cannot end before it starts.")
                elif problem is rules.Problem.ITEM_BEFORE_PLAN:
                    errors["starts_on"] = _("The service cannot start before the plan (%(date)s).") % {
                        "date": self.plan.starts_on.strftime("%d.%m.%Y")
                    }
                elif problem is rules.Problem.ITEM_AFTER_PLAN:
                    errors["ends_on"] = _("The service cannot end after the plan (%(date)s).") % {
                        "date": self.plan.ends_on.strftime("%d.%m.%Y")
                    }
        application = self.application if self.application_id else None
        if application is not None and self.plan_id and application.person_id != self.plan.person_id:
            errors["application"] = _("The qualification must be of the same person as the plan.")
        if errors:
            raise ValidationError(errors)


class ActivityKind(models.TextChoices):
    """Supporting activities (działania wspierające, art. 2 ust. 3, art. 39 ust. 2)."""

    VOLUNTEER = "volunteer", _("Volunteer help")
    NEIGHBOUR = "neighbour", _("Neighbour help")
    SELF_HELP = "self_help", _("Self-help group")
    OTHER = "other", _("Other activity")


class SupportingActivity(PlanChild):
    """A supporting activity in the plan: volunteer or neighbour help, a self-help group."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="activities", verbose_name=_("plan"))
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    description = models.TextField(_("what and how"))
    who = models.CharField(_("who helps"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "starts_on", "pk"]
        verbose_name = _("supporting activity")
        verbose_name_plural = _("supporting activities")

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The activity cannot end before it starts.")})


class VersionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class PlanVersion(PlanChild):
    """The plan's content frozen when submitted for approval (art. 41): the first version and every update."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="versions", verbose_name=_("plan"))
    number = models.PositiveSmallIntegerField(_("version"))
    reason = models.TextField(
        _("reason for the update"), blank=True, help_text=_("For example changed needs or a new programme.")
    )
    content = models.JSONField(_("content"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=VersionStatus.choices)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("submitted by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or returned by"),
    )
    decided_by_label = models.CharField(_("approved by (as signed)"), max_length=300, blank=True)
    delegation = models.ForeignKey(
        "plans.ApprovalDelegation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approvals",
        verbose_name=_("under delegation"),
    )
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["plan", "number", "submitted_at"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class ApprovalDelegation(TenantModel):
    """The director's written authorisation for a services organiser to approve plans (art. 41)."""

    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="plan_delegations",
        verbose_name=_("services organiser"),
    )
    document_reference = models.CharField(_("authorisation number"), max_length=100)
    granted_on = models.DateField(_("granted on"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Leave empty until revoked."))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "pk"]
        verbose_name = _("plan approval authorisation")
        verbose_name_plural = _("plan approval authorisations")

    def __str__(self) -> str:
        return f"{self.document_reference} ({self.delegate})"

    def is_valid_on(self, day: datetime.date) -> bool:
        end = min(d for d in (self.valid_to, self.revoked_on) if d) if (self.valid_to or self.revoked_on) else None
        return self.valid_from <= day and (end is None or day <= end)

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The authorisation cannot end before it starts.")})
        if self.valid_from and self.granted_on and self.valid_from < self.granted_on:
            raise ValidationError(
                {"valid_from": _("An authorisation cannot take effect before the day it was granted in writing.")}
            )


class NoteKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    MEETING = "meeting", _("Meeting at the centre")
    PROVIDER = "provider", _("Contact with a provider")
    NOTE = "note", _("Note")


class MonitoringNote(PlanChild):
    """A monitoring note or contact (art. 44: the coordinator monitors the plan continuously)."""

    plan = models.ForeignKey(
        ServicePlan, on_delete=models.CASCADE, related_name="monitoring_notes", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoteKind.choices, default=NoteKind.NOTE)
    noted_on = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("what was found or agreed"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-noted_on", "-pk"]
        verbose_name = _("monitoring note")
        verbose_name_plural = _("monitoring notes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.noted_on:%d.%m.%Y}"


class CoordinatorMeeting(TenantModel):
    """A meeting of the IPUS coordinators held by the services organiser (art. 46 ust. 2: at least every 3 months)."""

    centre = models.ForeignKey("core.Centre", on_delete=models.PROTECT, related_name="+", verbose_name=_("centre"))
    held_on = models.DateField(_("held on"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="coordinator_meetings", verbose_name=_("participants")
    )
    agenda = models.TextField(_("agenda"))
    minutes = models.TextField(_("minutes and conclusions"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_m2m = ("participants",)

    class Meta:
        ordering = ["-held_on", "pk"]
        verbose_name = _("coordinators' meeting")
        verbose_name_plural = _("coordinators' meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%d.%m.%Y}"


class PlanAlert(PlanChild):
    """A stored alert of an open plan, so that a coordinator's home reads the most urgent ones as rows.

    Derived data: ``cus.plans.alerts`` rewrites a plan's rows from ``queries.alerts_for`` whenever the plan has no
    fresh ``PlanAlertState`` — a change to the plan, its items, goals, versions, delivery records or correction
    requests deletes the state, and the day's first reader (or the nightly ``refresh_plan_alerts``) recomputes it.
    The message is written when shown; only its parameters are stored.
    """

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="+")
    # The plan's coordinator when computed (a new coordinator is a change of the plan): the home reads its 30 most
    # urgent alerts straight from the index.
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    day = models.DateField()
    severity = models.CharField(max_length=10)
    rank = models.PositiveSmallIntegerField()  # 0 = most urgent (``queries.SEVERITY_ORDER``), for ordering in SQL
    params = models.JSONField(default=dict, blank=True)
    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["coordinator", "rank", "day", "id"], name="plans_alert_urgency_idx")]
        verbose_name = _("plan alert")
        verbose_name_plural = _("plan alerts")

    def __str__(self) -> str:
        return f"{self.kind} {self.day:%d.%m.%Y}"


class PlanAlertState(PlanChild):
    """The day a plan's stored alerts were computed for, the plan's next deadline on that day
    (``queries.next_deadline``) and how many alerts it has; no row means they must be computed again."""

    plan = models.OneToOneField(ServicePlan, on_delete=models.CASCADE, primary_key=True, related_name="alert_state")
    computed_on = models.DateField()
    deadline = models.DateField(null=True, blank=True)
    alert_count = models.PositiveIntegerField(default=0)
    # Alerts that ask the coordinator to act: all but a version awaiting someone else's approval.
    action_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("state of a plan's alerts")
        verbose_name_plural = _("states of plans' alerts")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.computed_on:%d.%m.%Y}"
