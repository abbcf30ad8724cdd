"""Writes for municipalities and centres. Each function is one transaction that validates and audits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cus.audit.services import record_create, record_update, snapshot
from cus.core.models import Centre, CentreKind, Municipality, Team, TeamKind
from cus.core.validation import reject_unknown_fields


@transaction.atomic
def municipality_create(*, actor: Any, teryt: str, name: str, voivodeship: str | None = None) -> Municipality:
    municipality = Municipality(teryt=teryt, name=name, voivodeship=voivodeship or teryt[:2])
    municipality.full_clean()
    municipality.save()
    record_create(actor=actor, instance=municipality)
    return municipality


def _check_membership(kind: str, municipalities: list[Municipality]) -> None:
    # art. 9–11: a converted or separate CUS serves one gmina; a joint CUS is created by two or more.
    if not municipalities:
        raise ValidationError({"municipalities": _("Choose at least one municipality.")})
    if kind == CentreKind.JOINT and len(municipalities) < 2:
        raise ValidationError({"municipalities": _("A joint centre serves at least two municipalities.")})
    if kind in (CentreKind.CONVERTED, CentreKind.SEPARATE) and len(municipalities) != 1:
        raise ValidationError({"municipalities": _("This kind of centre serves exactly one municipality.")})


def _ensure_teams(centre: Centre) -> None:
    Team.objects.get_or_create(centre=centre, kind=TeamKind.SERVICES, defaults={"name": str(TeamKind.SERVICES.label)})
    if centre.has_assistance_team:
        Team.objects.get_or_create(
            centre=centre, kind=TeamKind.ASSISTANCE, defaults={"name": str(TeamKind.ASSISTANCE.label)}
        )


@transaction.atomic
def centre_create(*, actor: Any, municipalities: Iterable[Municipality], **fields: Any) -> Centre:
    members = list(municipalities)
    centre = Centre(**fields)
    centre.full_clean()
    _check_membership(centre.kind, members)
    centre.save()
    centre.municipalities.set(members)
    _ensure_teams(centre)
    record_create(actor=actor, instance=centre)
    return centre


CENTRE_EDITABLE = (
    "name",
    "street_address",
    "postal_code",
    "city",
    "bip_url",
    "email",
    "phone",
    "appeal_body_name",
    "appeal_body_address",
)


@transaction.atomic
def centre_update(*, actor: Any, centre: Centre, **changes: Any) -> Centre:
    reject_unknown_fields(changes, CENTRE_EDITABLE)
    centre = Centre.objects.select_for_update().get(pk=centre.pk)
    before = snapshot(centre)
    for name, value in changes.items():
        setattr(centre, name, value)
    centre.full_clean()
    centre.save(update_fields=[*changes, "updated_at"])
    record_update(actor=actor, instance=centre, before=before)
    return centre
