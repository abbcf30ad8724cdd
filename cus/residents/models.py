"""Residents (art. 13 ust. 1 pkt 4): persons, households, income, disability certificates, consents and the
GDPR information notice. Every row belongs to a municipality of the centre (tenant) and names the person it is about
in the audit trail (``audit_person``)."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.collation import Alphabetical
from cus.core.models import Centre, Municipality, TenantModel, postal_code_validator
from cus.core.scoping import ScopedQuerySet
from cus.residents import pesel as pesel_rules
from cus.residents.names import normalise

if TYPE_CHECKING:
    from collections.abc import Iterable

PESEL_MESSAGES = {
    "length": _("A PESEL has exactly 11 digits."),
    "characters": _("A PESEL contains digits only."),
    "checksum": _("The check digit of this PESEL does not match: check the number for a typo."),
    "date": _("This PESEL does not code a real birth date."),
}


def validate_pesel(value: str) -> None:
    try:
        pesel_rules.parse(value)
    except pesel_rules.PeselError as exc:
        raise ValidationError(PESEL_MESSAGES[exc.code], code=f"pesel_{exc.code}") from exc


country_code_validator = RegexValidator(
    r"^[A-Z]{2}$", _("Enter a two-letter country code (ISO 3166), e.g. PL, UA, DE."), code="country_code"
)


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class DocumentType(models.TextChoices):
    """A foreign identity document, for a person without a PESEL."""

    PASSPORT = "passport", _("Passport")
    RESIDENCE_CARD = "residence_card", _("Residence card")
    OTHER = "other", _("Other identity document")


class Person(TenantModel):
    """A resident the centre serves (osoba): identified by PESEL or, without one, by a foreign identity document."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pesel = models.CharField(
        _("PESEL"), max_length=11, null=True, blank=True, validators=[validate_pesel], help_text=_("11 digits.")
    )
    document_type = models.CharField(
        _("identity document type"), max_length=20, choices=DocumentType.choices, blank=True
    )
    document_number = models.CharField(_("identity document number"), max_length=40, blank=True)
    document_country = models.CharField(
        _("issuing country"),
        max_length=2,
        blank=True,
        validators=[country_code_validator],
        help_text=_("Two-letter country code, e.g. UA."),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    second_name = models.CharField(_("second name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    citizenship = models.CharField(
        _("citizenship"),
        max_length=2,
        default="PL",
        validators=[country_code_validator],
        help_text=_("Two-letter country code, e.g. PL."),
    )
    street = models.CharField(_("street"), max_length=150, blank=True)
    building = models.CharField(_("building number"), max_length=20, blank=True)
    flat = models.CharField(_("flat number"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True, validators=[postal_code_validator])
    town = models.CharField(_("town"), max_length=100, blank=True)
    residence_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality of residence"),
        help_text=_("Leave empty when the person lives outside the municipalities of the centre."),
    )
    correspondence_address = models.TextField(
        _("correspondence address"), blank=True, help_text=_("Only when letters go to another address.")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Search keys: the names in lower case without diacritics (names.normalise), kept by save(), so that "łuk",
    # "Luk" and "ŁUK" all find "Łukasik" with an index on both databases.
    last_name_key = models.CharField(max_length=150, editable=False, default="")
    first_name_key = models.CharField(max_length=100, editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    audit_exclude = ("last_name_key", "first_name_key")

    class Meta:
        ordering = [Alphabetical("last_name"), Alphabetical("first_name"), "birth_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "pesel"], condition=Q(pesel__isnull=False), name="residents_person_pesel_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "document_type", "document_number", "document_country"],
                condition=Q(pesel__isnull=True),
                name="residents_person_document_unique",
            ),
            models.CheckConstraint(
                condition=Q(pesel__isnull=False) | ~Q(document_number=""), name="residents_person_identified"
            ),
        ]
        indexes = [
            # Duplicate detection compares only persons born the same day, and the list filtered by birth date
            # comes sorted by name from the same index; the name index serves the default sort and prefix search.
            models.Index(
                fields=["municipality", "birth_date", "last_name", "first_name", "id"],
                name="residents_person_birth_idx",
            ),
            models.Index(
                fields=["municipality", "last_name_key", "first_name_key", "id"], name="residents_person_key_idx"
            ),
            models.Index(
                fields=["municipality", "last_name", "first_name", "birth_date", "id"], name="residents_person_name_idx"
            ),
            models.Index(fields=["municipality", "created_at", "id"], name="residents_person_created_idx"),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.label_of(self.first_name, self.second_name, self.last_name, self.birth_date)

    @staticmethod
    def label_of(first_name: str, second_name: str, last_name: str, birth_date: datetime.date | None) -> str:
        """How a person is shown in lists and in the audit trail: the names, and the birth date when known."""
        full_name = " ".join(part for part in (first_name, second_name, last_name) if part)
        return f"{full_name} ({birth_date:%Y-%m-%d})" if birth_date else full_name

    @property
    def full_name(self) -> str:
        return self.label_of(self.first_name, self.second_name, self.last_name, None)

    @property
    def masked_pesel(self) -> str:
        return f"{self.pesel[:6]}*****" if self.pesel else ""

    @property
    def address(self) -> str:
        street = " ".join(p for p in (self.street, self.building) if p)
        if self.flat:
            street = f"{street}/{self.flat}"
        return ", ".join(p for p in (street, f"{self.postal_code} {self.town}".strip()) if p)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.last_name_key = normalise(self.last_name)
        self.first_name_key = normalise(self.first_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"last_name", "first_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "last_name_key", "first_name_key"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.pesel == "":
            self.pesel = None
        if self.pesel:
            try:
                parsed = pesel_rules.parse(self.pesel)
            except pesel_rules.PeselError:
                parsed = None  # the field validator reports it
            if parsed is not None:
                # The birth date and sex follow from the PESEL (DOMAIN.md "PESEL").
                self.birth_date = parsed.birth_date
                self.sex = parsed.sex
        else:
            if not self.document_number:
                errors["document_number"] = _("Give the PESEL or, for a person without one, an identity document.")
            if not self.document_type:
                errors["document_type"] = _("Choose the type of the identity document.")
            if not self.document_country:
                errors["document_country"] = _("Give the country that issued the document.")
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = _("The date of birth cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    def audit_person(self) -> Person:
        return self


class Relation(models.TextChoices):
    """Relation of a household member to the applicant."""

    APPLICANT = "applicant", _("Applicant")
    SPOUSE = "spouse", _("Spouse")
    PARTNER = "partner", _("Partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other")


class Household(TenantModel):
    """A household (gospodarstwo domowe): persons living and keeping house together; their income counts together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        applicant = self.applicant
        if applicant is None:
            return str(_("Household"))
        return str(_("Household of %(name)s") % {"name": applicant.full_name})

    @property
    def applicant(self) -> Person | None:
        for member in self.members.all():
            if member.relation == Relation.APPLICANT and member.valid_to is None:
                return member.person
        return None

    def audit_person(self) -> Person | None:
        return self.applicant


class HouseholdMemberQuerySet(ScopedQuerySet):
    def active_on(self, day: datetime.date) -> HouseholdMemberQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class HouseholdMember(models.Model):
    """A person's membership of a household, with the relation to the applicant and the period."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person"))
    relation = models.CharField(_("relation to the applicant"), max_length=20, choices=Relation.choices)
    valid_from = models.DateField(_("member from"), default=timezone.localdate)
    valid_to = models.DateField(_("member until"), null=True, blank=True)

    objects = HouseholdMemberQuerySet.as_manager()

    class Meta:
        ordering = ["valid_from", "id"]
        constraints = [
            # A person belongs to one household at a time: one open membership.
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="residents_member_one_open_household"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(valid_to__isnull=True, relation="applicant"),
                name="residents_member_one_applicant",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="residents_member_dates_ordered",
            ),
        ]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")

    def __str__(self) -> str:
        return f"{self.person.full_name} ({self.get_relation_display()})"

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of membership cannot be before its start.")})

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(household__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.household.municipality_id

    def audit_person(self) -> Person:
        return self.person


class IncomeSource(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    PENSION = "pension", _("Pension or disability pension")
    SOCIAL_BENEFITS = "social_benefits", _("Social benefits")
    BUSINESS = "business", _("Business activity")
    FARM = "farm", _("Farm")
    ALIMONY = "alimony", _("Alimony")
    OTHER = "other", _("Other")


class IncomeDeclaration(models.Model):
    """Net income of one household member in one month, by source (dochód, PS art. 8 ust. 3)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(
        HouseholdMember, on_delete=models.CASCADE, related_name="incomes", verbose_name=_("household member")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month the income was received in."))
    net_amount = models.DecimalField(
        _("net amount (PLN)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    source = models.CharField(_("source"), max_length=20, choices=IncomeSource.choices)
    declared_on = models.DateField(_("declared on"), default=timezone.localdate)
    document_note = models.CharField(
        _("supporting document"), max_length=250, blank=True, help_text=_("E.g. an employer's certificate.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The last correction; every correction, with the figures before and after, is in the audit trail.
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True, editable=False)
    correction_reason = models.CharField(_("reason for the correction"), max_length=500, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "member", "source"]
        constraints = [
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="residents_income_not_negative"),
            models.UniqueConstraint(fields=["member", "month", "source"], name="residents_income_one_per_source"),
        ]
        indexes = [models.Index(fields=["month"], name="residents_income_month_idx")]
        verbose_name = _("income declaration")
        verbose_name_plural = _("income declarations")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_source_display()}: {self.net_amount} PLN"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            self.month = self.month.replace(day=1)

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(member__household__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.member.household.municipality_id

    def audit_person(self) -> Person:
        return self.member.person


class CertificateKind(models.TextChoices):
    DEGREE = "degree", _("Degree of disability (disability act)")
    CHILD = "child", _("Disability certificate of a child under 16")
    ZUS = "zus", _("ZUS certificate of inability to work")


class DisabilityDegree(models.TextChoices):
    SIGNIFICANT = "significant", _("Significant")
    MODERATE = "moderate", _("Moderate")
    LIGHT = "light", _("Light")


class DisabilityCertificate(models.Model):
    """A disability certificate (orzeczenie o niepełnosprawności / o stopniu niepełnosprawności); GDPR art. 9 data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    degree = models.CharField(
        _("degree"),
        max_length=20,
        choices=DisabilityDegree.choices,
        blank=True,
        help_text=_("Only for a certificate of the degree of disability."),
    )
    number = models.CharField(_("certificate number"), max_length=60)
    issuing_body = models.CharField(
        _("issued by"), max_length=200, help_text=_("E.g. the county disability assessment board, ZUS.")
    )
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    permanent = models.BooleanField(_("permanent"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                name="residents_certificate_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(permanent=True, valid_until__isnull=True) | Q(permanent=False, valid_until__isnull=False),
                name="residents_certificate_permanent_or_dated",
            ),
        ]
        verbose_name = _("disability certificate")
        verbose_name_plural = _("disability certificates")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == CertificateKind.DEGREE and not self.degree:
            errors["degree"] = _("Choose the degree of disability.")
        if self.kind != CertificateKind.DEGREE and self.degree:
            errors["degree"] = _("A degree is given only on a certificate of the degree of disability.")
        if self.permanent and self.valid_until:
            errors["valid_until"] = _("A permanent certificate has no end date.")
        if not self.permanent and not self.valid_until:
            errors["valid_until"] = _("Give the end of validity or mark the certificate as permanent.")
        if self.valid_until and self.issued_on and self.valid_until < self.issued_on:
            errors["valid_until"] = _("The end of validity cannot be before the date of issue.")
        if self.issued_on and self.issued_on > timezone.localdate():
            errors["issued_on"] = _("The date of issue cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.permanent or (self.valid_until is not None and self.issued_on <= day <= self.valid_until)

    @property
    def status(self) -> str:
        if self.permanent:
            return "permanent"
        return "valid" if self.is_valid_on(timezone.localdate()) else "expired"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(person__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.person.municipality_id

    def audit_person(self) -> Person:
        return self.person


class InformationNotice(models.Model):
    """The information clause of GDPR art. 13 (klauzula informacyjna), versioned per centre."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", verbose_name=_("centre"))
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("in force from"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "-version"]
        constraints = [models.UniqueConstraint(fields=["centre", "version"], name="residents_notice_version_unique")]
        verbose_name = _("information notice")
        verbose_name_plural = _("information notices")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(centre__in=Centre.objects.filter(Centre.tenant_q(municipality_ids)).values("pk"))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.centre_id, None


class ConsentForm(models.TextChoices):
    PAPER = "paper", _("On paper")
    ONLINE = "online", _("Online")
    ORAL = "oral", _("Orally (noted by the worker)")


class NoticeAcknowledgement(models.Model):
    """A record that the person was given the information notice (GDPR art. 13), in which version and how."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name=_("person")
    )
    notice = models.ForeignKey(
        InformationNotice, on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("notice")
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    form = models.CharField(_("form"), max_length=10, choices=ConsentForm.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("notice acknowledgement")
        verbose_name_plural = _("notice acknowledgements")

    def __str__(self) -> str:
        return f"{self.notice} — {timezone.localtime(self.given_at):%Y-%m-%d}"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(person__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.person.municipality_id

    def audit_person(self) -> Person:
        return self.person


class ConsentPurpose(models.TextChoices):
    CONTACT_EMAIL = "contact_email", _("Contact by e-mail")
    CONTACT_SMS = "contact_sms", _("Contact by text message (SMS)")
    CONTACT_PHONE = "contact_phone", _("Contact by phone")
    PHOTOS = "photos", _("Publishing photos from events")


class Consent(models.Model):
    """A consent the person gave for a purpose beyond the statutory tasks (zgoda, GDPR art. 6 ust. 1 lit. a)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    form = models.CharField(_("form"), max_length=10, choices=ConsentForm.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="residents_consent_one_active",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="residents_consent_withdrawn_after_given",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return str(self.get_purpose_display())

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(person__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.person.municipality_id

    def audit_person(self) -> Person:
        return self.person


class AccessPurpose(models.TextChoices):
    """Why a worker opens a person's record; stored with every read in the audit trail (art. 50, GDPR art. 5(2))."""

    SERVICES = "services", _("Organising social services")
    APPLICATION = "application", _("Handling an application")
    IPUS = "ipus", _("Individual social services plan (IPUS)")
    SOCIAL_WORK = "social_work", _("Social work")
    CORRECTION = "correction", _("Correcting the data")
    DATA_SUBJECT_REQUEST = "data_subject_request", _("Request of the data subject (GDPR)")


DEFAULT_ACCESS_PURPOSE = AccessPurpose.SERVICES
