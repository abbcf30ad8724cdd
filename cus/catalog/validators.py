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
