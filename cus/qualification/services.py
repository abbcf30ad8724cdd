"""Writes of the qualification app. Each public function is one transaction that validates, saves and writes the
audit trail; the screens and the API call the same functions."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cus.audit.models import AuditAction
from cus.audit.services import record, record_create, record_delete, record_update, snapshot
from cus.core.models import Municipality
from cus.core.validation import reject_unknown_fields
from cus.qualification import recalculation
from cus.qualification.models import (
    BandsInvalid,
    FeeBand,
    FeeTable,
    FeeTableStatus,
    IncomeCriterion,
    check_bands,
)

CRITERION_FIELDS = ("single_person", "per_person_in_family", "valid_from", "valid_to", "legal_basis")
FEE_TABLE_FIELDS = (
    "name",
    "scope",
    "service",
    "resolution_number",
    "resolution_date",
    "unit",
    "valid_from",
    "valid_to",
    "status",
)
BAND_FIELDS = ("income_from", "income_to", "fee_single", "fee_family")


@transaction.atomic
def criterion_create(*, actor: Any, **fields: Any) -> IncomeCriterion:
    """Record a new criterion from a regulation (PS art. 9). When it starts after the criterion in force, which is
    open-ended, that one ends the day before: new amounts "from 1 January" replace the old ones. Any other overlap
    is refused."""
    reject_unknown_fields(fields, CRITERION_FIELDS)
    criterion = IncomeCriterion(**fields)
    criterion.clean_fields()  # the overlap rule (clean) runs below, after the criterion in force is ended
    previous = (
        IncomeCriterion.objects.select_for_update()
        .filter(valid_to__isnull=True, valid_from__lt=criterion.valid_from)
        .first()
    )
    if previous is not None:
        before = snapshot(previous)
        previous.valid_to = criterion.valid_from - datetime.timedelta(days=1)
        previous.full_clean()
        previous.save(update_fields=["valid_to", "updated_at"])
        record_update(actor=actor, instance=previous, before=before, message="Ended by a newer criterion.")
    criterion.full_clean()
    criterion.save()
    record_create(actor=actor, instance=criterion)
    _recalculate_after(partial(recalculation.start_for_criterion, actor=actor, criterion=criterion))
    return criterion


def _recalculate_after(start: Callable[[], Any]) -> None:
    """Fees are recalculated once the change is committed (a rolled-back change starts nothing)."""
    transaction.on_commit(start)


def _bands(rows: Sequence[Mapping[str, Any]]) -> list[FeeBand]:
    bands = []
    for position, row in enumerate(rows):
        reject_unknown_fields(dict(row), BAND_FIELDS)
        bands.append(FeeBand(position=position, **row))
    return bands


def _save_bands(table: FeeTable, bands: list[FeeBand]) -> None:
    table.bands.all().delete()
    for band in bands:
        band.table = table
    FeeBand.objects.bulk_create(bands)


def _band_snapshot(table: FeeTable) -> list[dict[str, Any]]:
    return [
        {name: None if getattr(band, name) is None else str(getattr(band, name)) for name in BAND_FIELDS}
        for band in table.bands.order_by("position")
    ]


def _table_snapshot(table: FeeTable) -> dict[str, Any]:
    return {**snapshot(table), "bands": _band_snapshot(table)}


@transaction.atomic
def fee_table_create(
    *, actor: Any, municipality: Municipality, bands: Sequence[Mapping[str, Any]], **fields: Any
) -> FeeTable:
    """A fee table with its bands, a draft unless ``status`` says it is in force. Every problem of the table and of
    its rows is reported at once, and nothing is saved."""
    reject_unknown_fields(fields, FEE_TABLE_FIELDS)
    table = FeeTable(municipality=municipality, **fields)
    band_rows = _bands(bands)
    _validate(table, band_rows)
    table.save()
    _save_bands(table, band_rows)
    record(action=AuditAction.CREATE, actor=actor, instance=table, after=_table_snapshot(table))
    if table.status == FeeTableStatus.IN_FORCE:
        _recalculate_after(partial(recalculation.start_for_fee_table, actor=actor, table=table))
    return table


def _validate(table: FeeTable, bands: list[FeeBand]) -> None:
    """Field and period rules of the table, then its bands: both sets of problems at once."""
    errors: dict[str, Any] = {}
    try:
        table.full_clean(exclude=["municipality"])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        check_bands(table, bands)
    except BandsInvalid as exc:
        raise BandsInvalid(exc.rows, other=errors) from exc
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def fee_table_update(
    *, actor: Any, table: FeeTable, bands: Sequence[Mapping[str, Any]] | None = None, **changes: Any
) -> FeeTable:
    """Change a table and (when given) replace its bands; recorded with the bands before and after."""
    reject_unknown_fields(changes, FEE_TABLE_FIELDS)
    table = FeeTable.objects.select_for_update().get(pk=table.pk)
    before = _table_snapshot(table)
    for name, value in changes.items():
        setattr(table, name, value)
    band_rows = _bands(bands) if bands is not None else list(table.bands.order_by("position"))
    _validate(table, band_rows)
    table.save()
    if bands is not None:
        _save_bands(table, band_rows)
    after = _table_snapshot(table)
    if after != before:
        record(action=AuditAction.UPDATE, actor=actor, instance=table, before=before, after=after)
        if table.status == FeeTableStatus.IN_FORCE or before.get("status") == FeeTableStatus.IN_FORCE:
            _recalculate_after(partial(recalculation.start_for_fee_table, actor=actor, table=table))
    return table


@transaction.atomic
def fee_table_delete(*, actor: Any, table: FeeTable) -> None:
    """Only a draft may be deleted: a table that was in force is the record of a resolution, ended by its period."""
    table = FeeTable.objects.select_for_update().get(pk=table.pk)
    if table.status != FeeTableStatus.DRAFT:
        raise ValidationError(
            {"status": _("A table that is in force cannot be deleted; set the end of its validity instead.")},
            code="in_force",
        )
    record_delete(actor=actor, instance=table, before=_table_snapshot(table))
    table.delete()
