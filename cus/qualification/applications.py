"""Applications (wnioski) for services of a programme and their qualification (art. 35–44 of the CUS act; PS
art. 106 for the statutory track): the application, its history, attachments and administrative decisions.

Imported at the end of ``cus.qualification.models`` so that the models belong to the ``qualification`` app.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.models import TenantModel
from cus.core.scoping import ScopedQuerySet
from cus.qualification import workflow

if TYPE_CHECKING:
    from collections.abc import Iterable

# art. 36 ust. 2 of the CUS act: every statement carries this clause, word for word.
LIABILITY_CLAUSE = "Jestem świadomy odpowiedzialności karnej za złożenie fałszywego oświadczenia."
# Jednolity rzeczowy wykaz akt: 4011 — applications for social services.
REFERENCE_SYMBOL = "CUS.4011"


class State(models.TextChoices):
    SUBMITTED = workflow.State.SUBMITTED.value, _("Submitted")
    INCOMPLETE = workflow.State.INCOMPLETE.value, _("Incomplete: documents requested")
    COMPLETE = workflow.State.COMPLETE.value, _("Complete")
    ASSESSMENT = workflow.State.ASSESSMENT.value, _("Needs assessment")
    INTERVIEW = workflow.State.INTERVIEW.value, _("Family community interview")
    WAITING = workflow.State.WAITING.value, _("On the waiting list")
    QUALIFIED = workflow.State.QUALIFIED.value, _("Qualified")
    REFUSED = workflow.State.REFUSED.value, _("Refused")
    NOT_EXAMINED = workflow.State.NOT_EXAMINED.value, _("Left unexamined")
    WITHDRAWN = workflow.State.WITHDRAWN.value, _("Withdrawn")
    RESIGNED = workflow.State.RESIGNED.value, _("Resigned")
    ENDED = workflow.State.ENDED.value, _("Ended")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("On paper")


class ApplicantRelation(models.TextChoices):
    """Who files the application (art. 35): the person, their legal representative or their de facto carer."""

    SELF = "self", _("The person concerned")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    DE_FACTO_CARER = "de_facto_carer", _("De facto carer")


class PrivateStorage(FileSystemStorage):
    """Attachments live under the private ``var/`` directory (read at each use, so tests may move it) and have no
    public URL: they are only ever sent by a view that checks the user's permission."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        root = settings.VAR_DIR
        if getattr(settings, "TESTING", False) and root == settings.BASE_DIR / "var":
            # The test suite never writes into the installation's var/ directory.
            import tempfile

            root = Path(tempfile.gettempdir()) / "cus-test-var"
        return str(Path(root) / "private" / "applications")

    @property  # type: ignore[override]
    def location(self) -> str:
        import os

        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Attachments have no public URL.")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


def attachment_max_bytes() -> int:
    return int(getattr(settings, "CUS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


class Application(TenantModel):
    """An application for a service of a programme (wniosek o usługę społeczną, art. 35)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey(
        "core.Centre", on_delete=models.PROTECT, related_name="+", verbose_name=_("centre"), editable=False
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    number = models.PositiveIntegerField(_("number in the year"), editable=False)
    reference = models.CharField(_("case reference"), max_length=40, editable=False)
    person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("person concerned"),
        db_index=False,  # qualification_app_person_idx starts with it
    )
    applicant = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_filed",
        verbose_name=_("applicant"),
        help_text=_("Only when someone else files for the person."),
    )
    applicant_relation = models.CharField(
        _("who files"), max_length=30, choices=ApplicantRelation.choices, default=ApplicantRelation.SELF
    )
    programme_service = models.ForeignKey(
        "programme.ProgrammeService",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("service of the programme"),
    )
    track = models.CharField(_("track"), max_length=10, choices=[(t.value, t.value) for t in workflow.Track])
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PAPER)
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    documents_requested = models.TextField(_("documents requested"), blank=True)
    documents_deadline = models.DateField(_("deadline for documents"), null=True, blank=True)
    statements = models.JSONField(
        _("statements"), default=list, blank=True, help_text=_("Each statement as shown to the applicant.")
    )
    # The needs assessment (art. 37) and the family community interview (PS art. 106 ust. 4).
    assessment_on = models.DateField(_("assessment held on"), null=True, blank=True)
    assessment_notes = models.TextField(_("assessment findings"), blank=True)
    interview_on = models.DateField(_("interview held on"), null=True, blank=True)
    interview_notes = models.TextField(_("interview findings"), blank=True)
    # The qualification result, frozen when computed.
    income_month = models.DateField(_("income of the month"), null=True, blank=True)
    income_per_person = models.DecimalField(
        _("income per person (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    household_members = models.PositiveSmallIntegerField(_("members of the household"), null=True, blank=True)
    single_person = models.BooleanField(_("person living alone"), null=True, blank=True)
    criterion = models.ForeignKey(
        "qualification.IncomeCriterion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("income criterion"),
    )
    criterion_amount = models.DecimalField(
        _("criterion applied (PLN)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    fee_table = models.ForeignKey(
        "qualification.FeeTable",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("fee table"),
    )
    fee_band = models.CharField(_("income band"), max_length=40, blank=True)
    income_percent = models.DecimalField(
        _("income as a percentage of the criterion"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    fee_percent = models.DecimalField(
        _("fee as a percentage of the unit cost"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    fee_per_unit = models.DecimalField(_("fee per unit (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True)
    units_per_month = models.DecimalField(_("units a month"), max_digits=8, decimal_places=2, null=True, blank=True)
    fee_per_month = models.DecimalField(_("fee a month (PLN)"), max_digits=10, decimal_places=2, null=True, blank=True)
    fee_computed_at = models.DateTimeField(_("fee computed at"), null=True, blank=True)
    eligibility = models.JSONField(_("qualification conditions checked"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("waiting-list priority"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Higher moves up first, when the programme sets a priority order; otherwise filing order."),
    )
    qualified_on = models.DateField(_("qualified on"), null=True, blank=True)
    resigned_on = models.DateField(_("resigned on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    tracking_code_hash = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = frozenset({"tracking_code_hash"})

    class Meta:
        ordering = ["-filed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "year", "number"], name="qualification_application_number"),
            models.UniqueConstraint(fields=["centre", "reference"], name="qualification_application_reference"),
            models.CheckConstraint(
                condition=Q(fee_per_unit__isnull=True) | Q(fee_per_unit__gte=0), name="qualification_fee_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "state", "filed_at"], name="qualification_app_queue_idx"),
            # The worker's queue of several states, newest first (the default sort), one page at a time.
            models.Index(fields=["municipality", "filed_at", "id"], name="qualification_app_filed_idx"),
            models.Index(fields=["programme_service", "state"], name="qualification_app_service_idx"),
            # A person's applications, newest first (the person page, the applicant's history): without it SQLite
            # walks the municipality's applications by date to avoid a sort.
            models.Index(fields=["person", "filed_at"], name="qualification_app_person_idx"),
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return self.reference or str(_("New application"))

    @property
    def workflow_track(self) -> workflow.Track:
        return workflow.Track(self.track)

    @property
    def workflow_state(self) -> workflow.State:
        return workflow.State(self.state)

    @property
    def is_open(self) -> bool:
        return self.workflow_state in workflow.OPEN

    @property
    def filer(self) -> Any:
        """The person who filed: the applicant when someone else filed, otherwise the person concerned."""
        return self.applicant if self.applicant_id else self.person

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.applicant_relation == ApplicantRelation.SELF and self.applicant_id:
            if self.applicant_id != self.person_id:
                errors["applicant_relation"] = _(
                    "Say whether the applicant is the legal representative or the de facto carer."
                )
            else:
                self.applicant = None
        if self.applicant_relation != ApplicantRelation.SELF:
            if not self.applicant_id:
                errors["applicant"] = _("Choose the legal representative or the de facto carer who files.")
            elif self.applicant_id == self.person_id:
                errors["applicant"] = _("The applicant must be someone other than the person concerned.")
        for index, statement in enumerate(self.statements or []):
            # art. 36 ust. 2: a statement without the clause is not a statement under the act.
            if not isinstance(statement, str) or not statement.rstrip().endswith(LIABILITY_CLAUSE):
                errors.setdefault("statements", []).append(
                    _("Statement %(number)s must end with the clause on criminal liability.") % {"number": index + 1}
                )
        if errors:
            raise ValidationError(errors)

    def audit_person(self) -> Any:
        return self.person


class ApplicationChild(models.Model):
    """A row that belongs to an application and is scoped by its municipality."""

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(application__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.application.municipality_id  # type: ignore[attr-defined]

    def audit_person(self) -> Any:
        return self.application.person  # type: ignore[attr-defined]


class ApplicationEvent(ApplicationChild):
    """One step of an application's history: a transition or a note (the applicant's full history)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("application")
    )
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["application", "at"], name="qualification_event_idx")]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.action} ({self.from_state} → {self.to_state})"


class Attachment(ApplicationChild):
    """A document attached to an application (art. 36 ust. 3): PDF, JPEG or PNG, kept privately."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("application")
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="%Y/%m/", max_length=250)
    name = models.CharField(_("file name"), max_length=200)
    description = models.CharField(_("what the document is"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"), validators=[MinValueValidator(1)])
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class DecisionKind(models.TextChoices):
    REFUSAL = "refusal", _("Refusal")
    GRANT = "grant", _("Grant")


class Decision(ApplicationChild):
    """An administrative decision (decyzja administracyjna, KPA art. 107): the refusal on the programme track (art.
    42), the grant or refusal on the statutory track (PS art. 106). Its text is frozen when it is issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DecisionKind.choices)
    number = models.CharField(_("decision number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    authority = models.TextField(_("authority"))
    parties = models.TextField(_("parties"))
    legal_basis = models.TextField(_("legal basis"))
    operative_part = models.TextField(_("operative part"))
    justification_facts = models.TextField(_("justification of facts"))
    justification_law = models.TextField(_("justification of law"))
    appeal_instruction = models.TextField(_("appeal instruction"))
    recipients = models.TextField(_("recipients"))
    signatory_name = models.CharField(_("signed by"), max_length=200)
    signatory_post = models.CharField(_("post of the signatory"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="qualification_decision_once"),
        ]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.number
