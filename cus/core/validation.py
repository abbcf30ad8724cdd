"""Validation helpers shared by the service functions of every app."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def reject_unknown_fields(given: Iterable[str], allowed: Iterable[str]) -> None:
    """A service function changes only the fields it lists; any other name is an error on that field."""
    unknown = set(given) - set(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
