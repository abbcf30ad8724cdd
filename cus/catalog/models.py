"""The catalog of social services (art. 13 ust. 1 pkt 9), modelled on Open Referral HSDS 3.0 so that the HSDS
API is a view of these tables, not a translation layer."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cus.catalog.reference import AREAS_TAXONOMY, TARGET_GROUPS_TAXONOMY
from cus.catalog.validators import validate_krs, validate_nip, validate_phone, validate_regon
from cus.core.collation import Alphabetical
from cus.core.models import Municipality, TenantModel, postal_code_validator
from cus.core.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from collections.abc import Iterable

# Stable identifiers of the reference taxonomies, the same in every installation (HSDS ids are UUIDs).
AREAS_TAXONOMY_ID = AREAS_TAXONOMY["id"]
TARGET_GROUPS_TAXONOMY_ID = TARGET_GROUPS_TAXONOMY["id"]


class Taxonomy(models.Model):
    """A taxonomy (klasyfikacja): the 14 statutory service areas, or target groups."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=250)
    description = models.TextField(_("description"))
    uri = models.URLField(_("URI"), blank=True)
    version = models.CharField(_("version"), max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name


def name_in_language(name: str, name_en: str) -> str:
    """A name kept in Polish and English, in the active language (Polish when there is no English one)."""
    if (get_language() or "").startswith("en") and name_en:
        return str(name_en)
    return str(name)


class TaxonomyTerm(models.Model):
    """A term of a taxonomy, e.g. the area "pomoc społeczna" (art. 2 ust. 1 pkt 4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=250)
    name_en = models.CharField(_("name in English"), max_length=250, blank=True)
    description = models.TextField(_("description"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    position = models.PositiveSmallIntegerField(pgettext_lazy("order in a list", "position"), default=0)
    term_uri = models.URLField(_("term URI"), blank=True)

    class Meta:
        ordering = ["taxonomy", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["taxonomy", "code"], name="catalog_term_code_unique")]
        verbose_name = _("taxonomy term")
        verbose_name_plural = _("taxonomy terms")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (the Polish one when there is no English name)."""
        return name_in_language(self.name, self.name_en)


class ProviderKind(models.TextChoices):
    """Who may provide social services (art. 7 of the CUS act)."""

    GMINA_OFFICE = "gmina_office", _("Municipal office")
    GMINA_UNIT = "gmina_unit", _("Municipal organisational unit (incl. the CUS)")
    NGO = "ngo", _("Non-governmental organisation or public-benefit body")
    PROCUREMENT = "procurement", _("Entity chosen under public procurement law")
    HEALTH = "health", _("Health-care provider")


class Organization(TenantModel):
    """A provider (realizator usług społecznych) as recorded by the centre of its municipality."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=250)
    alternate_name = models.CharField(_("short name"), max_length=250, blank=True)
    description = models.TextField(_("description"))
    kind = models.CharField(_("kind of provider"), max_length=20, choices=ProviderKind.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    nip = models.CharField(_("NIP"), max_length=13, blank=True, validators=[validate_nip])
    regon = models.CharField(_("REGON"), max_length=14, blank=True, validators=[validate_regon])
    krs = models.CharField(_("KRS"), max_length=10, blank=True, validators=[validate_krs])
    legal_status = models.CharField(_("legal status"), max_length=250, blank=True)
    year_incorporated = models.PositiveSmallIntegerField(
        _("year founded"), null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="units")
    # An archived provider stays in the records (its services and history) but is offered for no new service
    # and is never shown to the public (it may have no published service).
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Alphabetical("name")]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.nip:
            self.nip = self.nip.replace("-", "").replace(" ", "")


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("Physical place")
    VIRTUAL = "virtual", _("Online")
    POSTAL = "postal", _("Postal address only")


class Location(TenantModel):
    """A place where services are delivered (miejsce realizacji usługi)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="locations"
    )
    location_type = models.CharField(
        _("type"), max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(_("name"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    address_1 = models.CharField(_("street and number"), max_length=250, blank=True)
    address_2 = models.CharField(_("address, second line"), max_length=250, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True, validators=[postal_code_validator])
    city = models.CharField(_("city"), max_length=100, blank=True)
    url = models.URLField(_("address online"), blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    transportation = models.TextField(_("how to get there"), blank=True)
    wheelchair_accessible = models.BooleanField(_("accessible for wheelchair users"), default=False)
    accessibility = models.TextField(_("accessibility for people with disabilities"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Archived: kept for the services that used it, offered for no new service, never shown to the public.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Alphabetical("name")]
        indexes = [models.Index(fields=["postal_code"], name="catalog_location_postcode_idx")]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return f"{self.name}, {self.address_1}, {self.city}".strip(", ")

    def clean(self) -> None:
        errors = {}
        if self.location_type == LocationType.PHYSICAL:
            for name in ("address_1", "postal_code", "city"):
                if not getattr(self, name):
                    errors[name] = _("A physical place needs a street address, postal code and city.")
        if self.location_type == LocationType.VIRTUAL and not self.url:
            errors["url"] = _("An online location needs its web address.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if errors:
            raise ValidationError(errors)


class ServiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class FeeKind(models.TextChoices):
    FREE = "free", _("Free of charge")
    FIXED = "fixed", _("Fixed fee")
    INCOME = "income", _("Fee depending on income")


class FeeUnit(models.TextChoices):
    HOUR = "hour", _("per hour")
    VISIT = "visit", _("per visit")
    DAY = "day", _("per day")
    MONTH = "month", _("per month")
    ONCE = "once", _("one-off")


class ServiceQuerySet(ScopedQuerySet):
    def published(self) -> ServiceQuerySet:
        return self.filter(status=ServiceStatus.PUBLISHED)


class Service(TenantModel):
    """A social service (usługa społeczna, art. 2): a non-material activity delivered directly to residents."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services", verbose_name=_("provider")
    )
    name = models.CharField(_("name"), max_length=250)
    alternate_name = models.CharField(_("other name"), max_length=250, blank=True)
    description = models.TextField(_("description"))
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.DRAFT)
    areas = models.ManyToManyField(
        TaxonomyTerm, related_name="services_in_area", verbose_name=_("service areas (art. 2)")
    )
    target_groups = models.ManyToManyField(
        TaxonomyTerm, related_name="services_for_group", blank=True, verbose_name=_("target groups")
    )
    eligibility_description = models.TextField(_("who can use it"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    fee_kind = models.CharField(_("fee"), max_length=10, choices=FeeKind.choices, default=FeeKind.FREE)
    fee_amount = models.DecimalField(
        _("fee amount (PLN)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    fee_unit = models.CharField(_("fee unit"), max_length=10, choices=FeeUnit.choices, blank=True)
    fees_description = models.TextField(_("fees explained"), blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True, help_text=_("ISO 639-1 codes, e.g. pl, uk."))
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    accessibility = models.TextField(_("accessibility for people with disabilities"), blank=True)
    wait_time = models.CharField(_("waiting time"), max_length=250, blank=True)
    municipalities_served = models.ManyToManyField(
        Municipality, related_name="services_served", verbose_name=_("municipalities served")
    )
    # Normalised words (lemmas without diacritics) kept by the service functions for the search engine.
    search_document = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ServiceQuerySet.as_manager()  # type: ignore[misc]

    audit_m2m: ClassVar[tuple[str, ...]] = ("areas", "target_groups", "municipalities_served")
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"search_document"})

    class Meta:
        ordering = [Alphabetical("name")]
        indexes = [models.Index(fields=["status", "municipality"], name="catalog_service_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="catalog_service_age_range",
            ),
        ]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            errors["maximum_age"] = _("The maximum age cannot be lower than the minimum age.")
        if self.fee_kind == FeeKind.FIXED and self.fee_amount is None:
            errors["fee_amount"] = _("Give the amount of a fixed fee.")
        if self.fee_kind in (FeeKind.FIXED, FeeKind.INCOME) and not self.fee_unit:
            errors["fee_unit"] = _("Say what the fee is charged for (per hour, per visit, ...).")
        if self.fee_kind == FeeKind.FREE and self.fee_amount:
            errors["fee_amount"] = _("A free service has no fee amount.")
        bad = [
            code for code in self.languages or [] if not (isinstance(code, str) and len(code) == 2 and code.isalpha())
        ]
        if bad:
            errors["languages"] = _("Use two-letter ISO 639-1 language codes, e.g. pl, en, uk.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_free(self) -> bool:
        return self.fee_kind == FeeKind.FREE

    @property
    def age_text(self) -> str:
        """The age limits in words, with the plural form of the language ("1 rok", "2 lata", "5 lat")."""
        return age_text(self.minimum_age, self.maximum_age)


def age_text(minimum: int | None, maximum: int | None) -> str:
    if minimum is None and maximum is None:
        return str(_("no age limit"))
    if maximum is None:
        return ngettext("from %(age)s year", "from %(age)s years", minimum or 0) % {"age": minimum}
    if minimum is None or minimum == 0:
        return ngettext("up to %(age)s year", "up to %(age)s years", maximum) % {"age": maximum}
    return ngettext("%(minimum)s–%(maximum)s year", "%(minimum)s–%(maximum)s years", maximum) % {
        "minimum": minimum,
        "maximum": maximum,
    }


class ServiceAtLocation(models.Model):
    """A service delivered at a location, with its own schedule (HSDS service_at_location)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_at_locations")
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="catalog_service_location_unique")]
        verbose_name = _("service at a location")
        verbose_name_plural = _("services at locations")

    def __str__(self) -> str:
        return f"{self.service} — {self.location}"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(service__municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.service.municipality.pk


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


# RFC 5545 day codes used by HSDS schedules (byday).
BYDAY = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


class Schedule(models.Model):
    """Weekly opening hours of a service at a location (harmonogram)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service_at_location = models.ForeignKey(ServiceAtLocation, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(_("day of the week"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    description = models.CharField(_("note"), max_length=250, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="catalog_schedule_hours"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="catalog_schedule_validity",
            ),
        ]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        errors = {}
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            errors["closes_at"] = _("The closing time must be after the opening time.")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            errors["valid_to"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(service_at_location__service__municipality_id__in=list(municipality_ids))


class ScheduleException(models.Model):
    """A day when the usual hours do not apply, e.g. a public holiday (dzień wolny)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service_at_location = models.ForeignKey(
        ServiceAtLocation, on_delete=models.CASCADE, related_name="schedule_exceptions"
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    description = models.CharField(_("reason"), max_length=250, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["service_at_location", "date"], name="catalog_exception_one_per_day")
        ]
        verbose_name = _("exception to opening hours")
        verbose_name_plural = _("exceptions to opening hours")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.description}"

    def clean(self) -> None:
        if not self.closed:
            if self.opens_at is None or self.closes_at is None:
                raise ValidationError({"opens_at": _("Give the hours of that day, or mark it closed.")})
            if self.opens_at >= self.closes_at:
                raise ValidationError({"closes_at": _("The closing time must be after the opening time.")})

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(service_at_location__service__municipality_id__in=list(municipality_ids))


class RequiredDocument(models.Model):
    """A document the applicant must bring or attach (wymagany dokument)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="required_documents")
    document = models.CharField(_("document"), max_length=500)
    uri = models.URLField(_("form or template to download"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["document"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self) -> str:
        return self.document

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(service__municipality_id__in=list(municipality_ids))


class Contact(models.Model):
    """A named contact person (osoba do kontaktu) for a service, a provider or a location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts")
    name = models.CharField(_("name"), max_length=250)
    title = models.CharField(pgettext_lazy("job title", "position"), max_length=250, blank=True)
    department = models.CharField(_("department"), max_length=250, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(organization__isnull=False) | Q(location__isnull=False),
                name="catalog_contact_has_owner",
            )
        ]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self) -> Service | Organization | Location | None:
        return self.service or self.organization or self.location

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        ids = list(municipality_ids)
        return (
            Q(service__municipality_id__in=ids)
            | Q(organization__municipality_id__in=ids)
            | Q(location__municipality_id__in=ids)
        )

    def audit_tenant(self) -> tuple[int | None, int | None]:
        owner = self.owner
        return None, owner.municipality_id if owner is not None else None


class PhoneType(models.TextChoices):
    """Kinds of phone service (RFC 6350 types, as HSDS phone.type)."""

    VOICE = "voice", _("Phone")
    CELL = "cell", _("Mobile phone")
    FAX = "fax", _("Fax")
    TEXT = "text", _("Text messages (SMS)")
    TEXTPHONE = "textphone", _("Textphone for deaf people")
    VIDEO = "video", _("Video call")


class Phone(models.Model):
    """A further phone number (numer telefonu) of a provider, a service or a location, beside its main ``phone``:
    e.g. the secretariat, a mobile for emergencies or a fax (HSDS phone)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="phones")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True, related_name="phones")
    number = models.CharField(_("number"), max_length=30, validators=[validate_phone])
    extension = models.CharField(
        _("extension"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{1,6}$", _("An extension has up to six digits."))],
    )
    type = models.CharField(_("kind"), max_length=10, choices=PhoneType.choices, default=PhoneType.VOICE)
    description = models.CharField(
        _("note"), max_length=250, blank=True, help_text=_("E.g. secretariat, on weekdays 8:00–15:00.")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["type", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(organization__isnull=False) | Q(location__isnull=False),
                name="catalog_phone_has_owner",
            )
        ]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        text = self.number + (f" wew. {self.extension}" if self.extension else "")
        return f"{text} ({self.description})" if self.description else text

    @property
    def owner(self) -> Service | Organization | Location | None:
        return self.service or self.organization or self.location

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        ids = list(municipality_ids)
        return (
            Q(service__municipality_id__in=ids)
            | Q(organization__municipality_id__in=ids)
            | Q(location__municipality_id__in=ids)
        )

    def audit_tenant(self) -> tuple[int | None, int | None]:
        owner = self.owner
        return None, owner.municipality_id if owner is not None else None
