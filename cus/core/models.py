"""Tenancy and organisation: municipalities, centres and their teams (art. 8–34 of the CUS act)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cus.core.collation import Alphabetical
from cus.core.scoping import ScopedQuerySet
from cus.core.teryt import VOIVODESHIPS, TerytError, parse_teryt

if TYPE_CHECKING:
    from collections.abc import Iterable

postal_code_validator = RegexValidator(
    r"^\d{2}-\d{3}$", _("Enter a Polish postal code in the form 00-000."), code="postal_code"
)

# KPA art. 17 pkt 1: appeals against a gmina's decisions in individual matters go to a local government board of
# appeal (samorządowe kolegium odwoławcze); its proper name always starts with these words.
APPEAL_BODY_PREFIX = "Samorządowe Kolegium Odwoławcze"
POSTAL_CODE_IN_TEXT = re.compile(r"(?<!\d)\d{2}-\d{3}(?!\d)")


def validate_teryt(value: str) -> None:
    messages = {
        "format": _("A TERYT code has exactly 7 digits."),
        "voivodeship": _("The first two digits must be the code of one of the 16 voivodeships."),
        "zero_part": _("The county and gmina parts of a TERYT code cannot be 00."),
        "type": _("The last digit of a TERYT code must be a gmina type: 1, 2, 3, 4, 5, 8 or 9."),
    }
    try:
        parse_teryt(value)
    except TerytError as exc:
        raise ValidationError(messages[exc.code], code=f"teryt_{exc.code}") from exc


# Województwa keyed by their two-digit TERYT code; names are proper names, not translated.
VOIVODESHIP_CHOICES = sorted(VOIVODESHIPS.items())


class Municipality(models.Model):
    """A gmina, identified by its TERYT code; the tenant every domain row belongs to."""

    teryt = models.CharField(_("TERYT code"), max_length=7, unique=True, validators=[validate_teryt])
    name = models.CharField(_("name"), max_length=200)
    voivodeship = models.CharField(_("voivodeship"), max_length=2, choices=VOIVODESHIP_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = [Alphabetical("name")]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.name} ({self.teryt})"

    def clean(self) -> None:
        if self.teryt and self.voivodeship and self.teryt[:2] != self.voivodeship:
            raise ValidationError(
                {"voivodeship": _("The voivodeship must match the first two digits of the TERYT code.")}
            )

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(pk__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.pk


class CentreKind(models.TextChoices):
    """How the centre was created (art. 9–11)."""

    CONVERTED = "converted", _("Converted from the social assistance centre (OPS)")
    JOINT = "joint", _("Joint centre of several municipalities")
    SEPARATE = "separate", _("Separate unit of one municipality")


class Centre(models.Model):
    """A Centrum Usług Społecznych (CUS): a budget unit of one or more gminas."""

    name = models.CharField(_("name"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=CentreKind.choices)
    municipalities = models.ManyToManyField(
        Municipality, related_name="centres", verbose_name=_("member municipalities")
    )
    street_address = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=6, validators=[postal_code_validator])
    city = models.CharField(_("city"), max_length=100)
    bip_url = models.URLField(_("BIP address"), blank=True, help_text=_("The centre's Public Information Bulletin."))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    appeal_body_name = models.CharField(
        _("appeal body"),
        max_length=250,
        blank=True,
        help_text=_(
            "The local government board of appeal (SKO) that hears appeals against the centre's decisions, with its "
            "seat, e.g. Samorządowe Kolegium Odwoławcze w Warszawie. Decisions name it in the appeal instruction."
        ),
    )
    appeal_body_address = models.CharField(
        _("appeal body's address"),
        max_length=250,
        blank=True,
        help_text=_("Street, number, postal code and city, e.g. ul. Kredytowa 3, 00-062 Warszawa."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    audit_m2m: ClassVar[tuple[str, ...]] = ("municipalities",)

    class Meta:
        ordering = [Alphabetical("name")]
        verbose_name = _("centre")
        verbose_name_plural = _("centres")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        name, address = self.appeal_body_name.strip(), self.appeal_body_address.strip()
        self.appeal_body_name, self.appeal_body_address = name, address
        if name:
            # KPA art. 17 pkt 1: the appeal body of a gmina's decisions is a board of appeal (SKO), named with its seat.
            if not name.startswith(APPEAL_BODY_PREFIX) or len(name) <= len(APPEAL_BODY_PREFIX) + 2:
                errors["appeal_body_name"] = ValidationError(
                    _(
                        "Write the full name of the local government board of appeal with its seat, starting with "
                        "“Samorządowe Kolegium Odwoławcze”, e.g. Samorządowe Kolegium Odwoławcze w Warszawie "
                        "(KPA art. 17)."
                    ),
                    code="appeal_body_name",
                )
            if not address:
                errors["appeal_body_address"] = ValidationError(
                    _("Give the address of the appeal body too: decisions tell the party where it sits."),
                    # Not "required": a ModelForm would replace the message with the field's generic one.
                    code="appeal_body_address_missing",
                )
        elif address:
            errors["appeal_body_name"] = ValidationError(
                _("Give the name of the appeal body for this address."), code="appeal_body_name_missing"
            )
        if address and not POSTAL_CODE_IN_TEXT.search(address):
            errors["appeal_body_address"] = ValidationError(
                _(
                    "Give the full address with the postal code in the form 00-000, "
                    "e.g. ul. Kredytowa 3, 00-062 Warszawa."
                ),
                code="postal_code",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def has_appeal_body(self) -> bool:
        return bool(self.appeal_body_name and self.appeal_body_address)

    @property
    def has_assistance_team(self) -> bool:
        # art. 23 ust. 1 pkt 2: only a CUS converted from an OPS keeps the social-assistance team.
        return self.kind == CentreKind.CONVERTED

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        through = cls.municipalities.through.objects.filter(municipality_id__in=list(municipality_ids))
        return Q(pk__in=through.values("centre_id"))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.pk, None


class TeamKind(models.TextChoices):
    """The teams of art. 23 ust. 1."""

    SERVICES = "services", _("Team for organising social services")
    ASSISTANCE = "assistance", _("Team for social assistance tasks")


class Team(models.Model):
    """A team (zespół) of the centre's structure (art. 23)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="teams", verbose_name=_("centre"))
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    name = models.CharField(_("name"), max_length=200)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "kind"]
        constraints = [models.UniqueConstraint(fields=["centre", "kind"], name="core_team_one_per_kind")]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == TeamKind.ASSISTANCE and self.centre_id and not self.centre.has_assistance_team:
            raise ValidationError(
                {"kind": _("Only a centre converted from an OPS has a team for social assistance (art. 23).")}
            )

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(centre__in=Centre.objects.filter(Centre.tenant_q(municipality_ids)).values("pk"))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.centre_id, None


class TenantModel(models.Model):
    """Base of every domain row: it belongs to one municipality and is scoped by it in queries."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(municipality_id__in=list(municipality_ids))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return None, self.municipality.pk


class RateLimitCounter(models.Model):
    """Attempts of one client at one guarded public page within one time window (rate limit).

    Kept in the database, not in a process's memory, so that every server process counts together and a restart
    does not reset the count. The client is stored only as a keyed hash of its address."""

    key = models.CharField(_("key"), max_length=150, unique=True)
    window_start = models.DateTimeField(_("window start"))
    expires_at = models.DateTimeField(_("window end"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="core_ratelimit_expires_idx")]
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.attempts}"
