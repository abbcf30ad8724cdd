"""Validators of Polish register numbers for providers (NIP, REGON, KRS), built on django-localflavor."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from localflavor.pl.forms import PLNIPField, PLREGONField

_KRS = re.compile(r"^[0-9]{10}$")


def validate_nip(value: str) -> None:
    # localflavor's field checks the format (with or without dashes) and the checksum.
    PLNIPField().clean(value)


def validate_regon(value: str) -> None:
    PLREGONField().clean(value)


def validate_krs(value: str) -> None:
    # The National Court Register number has 10 digits and no check digit.
    if not _KRS.fullmatch(value or ""):
        raise ValidationError(_("A KRS number has exactly 10 digits."), code="krs")


# A Polish phone number: nine digits (landline with its area code, or mobile), optionally after +48 or 0048,
# written with spaces or hyphens between groups, e.g. "+48 22 123 45 67", "601 234 567", "22-123-45-67".
_PHONE = re.compile(r"^(?:(?:\+|00)48[ -]?)?(?:\d[ -]?){8}\d$")


def validate_phone(value: str) -> None:
    if value and not _PHONE.fullmatch(value.strip()):
        raise ValidationError(
            _("Enter a Polish phone number: nine digits, optionally after +48, e.g. +48 22 123 45 67."),
            code="phone",
        )


def normalize_phone(value: str) -> str:
    """``+48 221234567`` → ``+48 22 123 45 67`` style is not forced; only the outer spaces go."""
    return " ".join((value or "").split())
