"""Writes to programmes of social services. Each public function is one transaction that validates, saves and writes
the audit trail. A programme is drafted by the centre, adopted by the gmina council (the resolution is recorded),
brought into force once published, and closed after it ends (art. 4–6 of the CUS act)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cus.audit.models import AuditAction
from cus.audit.services import record, snapshot
from cus.catalog.models import Service, ServiceStatus
from cus.core.models import Municipality
from cus.core.validation import reject_unknown_fields
from cus.programme.models import (
    BudgetLine,
    EligibilityRule,
    Indicator,
    Programme,
    ProgrammeService,
    ProgrammeStatus,
    Relief,
)

PROGRAMME_FIELDS = (
    "name",
    "goal",
    "needs_description",
    "start_date",
    "end_date",
    "participants_profile",
    "expected_participants",
    "qualification_procedure",
    "organisation",
    "monitoring",
    "documentation",
    "fee_rules",
    "personal_data",
    "data_safeguards",
    "resolution_number",
    "resolution_date",
    "publication_reference",
    "bip_url",
)
SERVICE_ROW_FIELDS = (
    "service",
    "planned_participants",
    "unit",
    "units_per_participant",
    "unit_cost",
    "fee_kind",
    "fee_amount",
    "track",
    "statutory_basis",
    "capacity",
)
RULE_ROW_FIELDS = (
    "service",
    "kind",
    "min_age",
    "max_age",
    "min_disability",
    "income_percent",
    "household_type",
    "text",
)
RELIEF_ROW_FIELDS = ("service", "beneficiaries", "kind", "value", "condition")
BUDGET_ROW_FIELDS = ("year", "amount", "source", "note")
INDICATOR_ROW_FIELDS = ("name", "unit", "baseline", "target")

# The sections of a programme given as lists of rows, in the order they are saved.
SECTIONS = ("services", "rules", "reliefs", "budget", "indicators")


# --- status workflow -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    label: Any


# The allowed status changes as data; every one needs programme.adopt_programme.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("adopt", ProgrammeStatus.DRAFT, ProgrammeStatus.ADOPTED, gettext_lazy("Record the adoption")),
        Transition(
            "bring_into_force", ProgrammeStatus.ADOPTED, ProgrammeStatus.IN_FORCE, gettext_lazy("Bring into force")
        ),
        Transition("close", ProgrammeStatus.IN_FORCE, ProgrammeStatus.CLOSED, gettext_lazy("Close the programme")),
    )
}
TRANSITION_PERMISSION = "programme.adopt_programme"


def allowed_transitions(user: Any, programme: Programme) -> list[Transition]:
    from cus.accounts.permissions import has_permission

    if not has_permission(user, TRANSITION_PERMISSION, programme.municipality_id):
        return []
    return [t for t in TRANSITIONS.values() if t.source == programme.status]


# --- snapshots for the audit trail ---------------------------------------------------------------------------------


def programme_snapshot(programme: Programme) -> dict[str, Any]:
    """The programme with every section, so that one audit entry shows what changed anywhere in it."""
    data = snapshot(programme)
    data["services"] = [snapshot(row) for row in programme.programme_services.order_by("pk")]
    data["rules"] = [snapshot(row) for row in programme.rules.order_by("pk")]
    data["reliefs"] = [snapshot(row) for row in programme.reliefs.order_by("pk")]
    data["budget"] = [snapshot(row) for row in programme.budget_lines.order_by("pk")]
    data["indicators"] = [snapshot(row) for row in programme.indicators.order_by("pk")]
    return data


# --- sections ------------------------------------------------------------------------------------------------------


def _row_error(errors: dict[str, list[str]], section: str, index: int, exc: ValidationError) -> None:
    for message in exc.messages:
        errors.setdefault(section, []).append(_("Row %(row)s: %(message)s") % {"row": index + 1, "message": message})


def _check_rows(rows: Iterable[Mapping[str, Any]], allowed: Iterable[str], section: str) -> list[dict[str, Any]]:
    checked = []
    allowed = tuple(allowed)
    for index, row in enumerate(rows):
        unknown = sorted(set(row) - set(allowed))
        if unknown:
            raise ValidationError(
                {
                    section: _("Row %(row)s: unknown field %(fields)s.")
                    % {"row": index + 1, "fields": ", ".join(unknown)}
                }
            )
        checked.append(dict(row))
    return checked


def _save_services(programme: Programme, rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    """Update the services in place (keyed by the catalog service), add new ones, remove those left out: a row
    keeps its id, which applications for the service refer to."""
    existing = {ps.service_id: ps for ps in programme.programme_services.all()}
    seen: set[Any] = set()
    for index, row in enumerate(rows):
        service = row.get("service")
        if not isinstance(service, Service):
            errors.setdefault("services", []).append(
                _("Row %(row)s: choose a service of the catalog.") % {"row": index + 1}
            )
            continue
        if service.municipality_id != programme.municipality_id:
            errors.setdefault("services", []).append(
                _("Row %(row)s: the service belongs to another municipality's catalog.") % {"row": index + 1}
            )
            continue
        if service.status == ServiceStatus.ARCHIVED:
            errors.setdefault("services", []).append(
                _("Row %(row)s: the service is archived in the catalog.") % {"row": index + 1}
            )
            continue
        if service.pk in seen:
            errors.setdefault("services", []).append(
                _("Row %(row)s: the service is already listed in the programme.") % {"row": index + 1}
            )
            continue
        seen.add(service.pk)
        item = existing.get(service.pk) or ProgrammeService(programme=programme, service=service)
        for name in SERVICE_ROW_FIELDS:
            if name != "service" and name in row:
                value = row[name]
                if name in ("statutory_basis",) and value is None:
                    value = ""
                setattr(item, name, value)
        try:
            item.full_clean(exclude=["programme", "service"])
        except ValidationError as exc:
            _row_error(errors, "services", index, exc)
            continue
        item.save()
    removed = [ps for service_id, ps in existing.items() if service_id not in seen]
    for ps in removed:
        try:
            ps.delete()
        except ProtectedError:
            errors.setdefault("services", []).append(
                _("%(service)s cannot be removed: applications for it exist.") % {"service": ps.service.name}
            )


def _programme_service_for(
    programme: Programme, row: dict[str, Any], section: str, index: int, errors: dict[str, list[str]]
) -> tuple[bool, ProgrammeService | None]:
    service = row.pop("service", None)
    if service is None:
        return True, None
    item = programme.programme_services.filter(service=service).first()
    if item is None:
        errors.setdefault(section, []).append(
            _("Row %(row)s: the service is not one of the programme's services.") % {"row": index + 1}
        )
        return False, None
    return True, item


def _save_rules(programme: Programme, rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    programme.rules.all().delete()
    for index, row in enumerate(rows):
        ok, item = _programme_service_for(programme, row, "rules", index, errors)
        if not ok:
            continue
        for name in ("min_disability", "household_type", "text"):
            if row.get(name) is None:
                row[name] = ""
        rule = EligibilityRule(programme=programme, programme_service=item, **row)
        try:
            rule.full_clean(exclude=["programme"])
        except ValidationError as exc:
            _row_error(errors, "rules", index, exc)
            continue
        rule.save()


def _save_reliefs(programme: Programme, rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    programme.reliefs.all().delete()
    for index, row in enumerate(rows):
        ok, item = _programme_service_for(programme, row, "reliefs", index, errors)
        if not ok:
            continue
        if row.get("condition") is None:
            row["condition"] = ""
        relief = Relief(programme=programme, programme_service=item, **row)
        try:
            relief.full_clean(exclude=["programme"])
        except ValidationError as exc:
            _row_error(errors, "reliefs", index, exc)
            continue
        relief.save()


def _save_budget(programme: Programme, rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    programme.budget_lines.all().delete()
    seen: set[tuple[Any, Any]] = set()
    for index, row in enumerate(rows):
        if row.get("note") is None:
            row["note"] = ""
        line = BudgetLine(programme=programme, **row)
        try:
            line.full_clean(exclude=["programme"], validate_unique=False)
        except ValidationError as exc:
            _row_error(errors, "budget", index, exc)
            continue
        if not programme.covers_year(line.year):
            # art. 5 ust. 3 pkt 12: the budget is of the programme, so of the years it runs.
            errors.setdefault("budget", []).append(
                _("Row %(row)s: the year %(year)s is outside the programme's period %(start)s–%(end)s.")
                % {
                    "row": index + 1,
                    "year": line.year,
                    "start": programme.start_date.year,
                    "end": programme.end_date.year,
                }
            )
            continue
        key = (line.year, line.source)
        if key in seen:
            errors.setdefault("budget", []).append(
                _("Row %(row)s: this year and source are already listed; add the amounts up in one row.")
                % {"row": index + 1}
            )
            continue
        seen.add(key)
        line.save()


def _save_indicators(programme: Programme, rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    programme.indicators.all().delete()
    for index, row in enumerate(rows):
        indicator = Indicator(programme=programme, **row)
        try:
            indicator.full_clean(exclude=["programme"])
        except ValidationError as exc:
            _row_error(errors, "indicators", index, exc)
            continue
        indicator.save()


_SECTION_FIELDS = {
    "services": SERVICE_ROW_FIELDS,
    "rules": RULE_ROW_FIELDS,
    "reliefs": RELIEF_ROW_FIELDS,
    "budget": BUDGET_ROW_FIELDS,
    "indicators": INDICATOR_ROW_FIELDS,
}
_SECTION_SAVERS = {
    "services": _save_services,
    "rules": _save_rules,
    "reliefs": _save_reliefs,
    "budget": _save_budget,
    "indicators": _save_indicators,
}


def _save_sections(programme: Programme, sections: Mapping[str, Iterable[Mapping[str, Any]] | None]) -> None:
    errors: dict[str, list[str]] = {}
    for name in SECTIONS:
        rows = sections.get(name)
        if rows is None:
            continue
        _SECTION_SAVERS[name](programme, _check_rows(rows, _SECTION_FIELDS[name], name), errors)
    if errors:
        raise ValidationError(errors)


def _check_in_force_content(programme: Programme) -> None:
    # A programme in force keeps what it needs to be carried out: a service and a budget (art. 5 ust. 3 pkt 5, 12).
    errors = {}
    if not programme.programme_services.exists():
        errors["services"] = _("A programme in force needs at least one service.")
    if not programme.budget_lines.exists():
        errors["budget"] = _("A programme in force needs at least one budget line.")
    if errors:
        raise ValidationError(errors)


def _check_budget_within_period(programme: Programme) -> None:
    outside = [line.year for line in programme.budget_lines.all() if not programme.covers_year(line.year)]
    if outside:
        raise ValidationError(
            {
                "start_date": _("Budget lines of %(years)s fall outside the new period; change them too.")
                % {"years": ", ".join(str(y) for y in sorted(set(outside)))}
            }
        )


# --- create and change ---------------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    actor: Any,
    municipality: Municipality,
    services: Iterable[Mapping[str, Any]] = (),
    rules: Iterable[Mapping[str, Any]] = (),
    reliefs: Iterable[Mapping[str, Any]] = (),
    budget: Iterable[Mapping[str, Any]] = (),
    indicators: Iterable[Mapping[str, Any]] = (),
    **fields: Any,
) -> Programme:
    """Draft a programme with its sections; nothing is saved when any part is invalid."""
    reject_unknown_fields(fields, PROGRAMME_FIELDS)
    programme = Programme(municipality=municipality, status=ProgrammeStatus.DRAFT, **fields)
    programme.full_clean()
    programme.save()
    _save_sections(
        programme,
        {"services": services, "rules": rules, "reliefs": reliefs, "budget": budget, "indicators": indicators},
    )
    record(action=AuditAction.CREATE, actor=actor, instance=programme, after=programme_snapshot(programme))
    return programme


@transaction.atomic
def programme_update(
    *,
    actor: Any,
    programme: Programme,
    services: Iterable[Mapping[str, Any]] | None = None,
    rules: Iterable[Mapping[str, Any]] | None = None,
    reliefs: Iterable[Mapping[str, Any]] | None = None,
    budget: Iterable[Mapping[str, Any]] | None = None,
    indicators: Iterable[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Programme:
    """Change the programme and replace the sections given (a section left out, None, stays as it is)."""
    reject_unknown_fields(changes, PROGRAMME_FIELDS)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status == ProgrammeStatus.CLOSED:
        raise ValidationError({"status": _("A closed programme cannot be changed.")})
    before = programme_snapshot(programme)
    for name, value in changes.items():
        setattr(programme, name, value)
    programme.full_clean()
    programme.save()
    sections = {"services": services, "rules": rules, "reliefs": reliefs, "budget": budget, "indicators": indicators}
    _save_sections(programme, sections)
    if budget is None and ("start_date" in changes or "end_date" in changes):
        _check_budget_within_period(programme)
    if programme.status == ProgrammeStatus.IN_FORCE:
        _check_in_force_content(programme)
    after = programme_snapshot(programme)
    if after != before:
        record(action=AuditAction.UPDATE, actor=actor, instance=programme, before=before, after=after)
    return programme


# --- status changes ------------------------------------------------------------------------------------------------


def _lock_for(actor: Any, programme: Programme, action: str) -> Programme:
    from cus.accounts.permissions import has_permission

    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    transition = TRANSITIONS[action]
    if actor is not None and not has_permission(actor, TRANSITION_PERMISSION, programme.municipality_id):
        raise PermissionDenied(_("Only the director or the services organiser can change a programme's status."))
    if programme.status != transition.source:
        raise ValidationError(
            {
                "status": _("A programme that is %(status)s cannot be moved this way.")
                % {"status": ProgrammeStatus(programme.status).label.lower()}
            }
        )
    return programme


def _record_status(actor: Any, programme: Programme, before: dict[str, Any]) -> None:
    record(
        action=AuditAction.UPDATE,
        actor=actor,
        instance=programme,
        before=before,
        after=snapshot(programme),
        message=f"status: {programme.status}",
    )


@transaction.atomic
def programme_adopt(
    *,
    actor: Any,
    programme: Programme,
    resolution_number: str,
    resolution_date: datetime.date | None,
    publication_reference: str = "",
    bip_url: str = "",
) -> Programme:
    """Record that the council adopted the programme (art. 4 ust. 1): the resolution's number and date."""
    programme = _lock_for(actor, programme, "adopt")
    before = snapshot(programme)
    errors: dict[str, Any] = {}
    if not (resolution_number or "").strip():
        errors["resolution_number"] = _("Give the number of the council's resolution.")
    if resolution_date is None:
        errors["resolution_date"] = _("Give the date of the council's resolution.")
    elif resolution_date > timezone.localdate():
        errors["resolution_date"] = _("The resolution date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    programme.resolution_number = resolution_number.strip()
    programme.resolution_date = resolution_date
    programme.publication_reference = (publication_reference or "").strip()
    programme.bip_url = bip_url or ""
    programme.status = ProgrammeStatus.ADOPTED
    programme.full_clean()
    programme.save()
    _record_status(actor, programme, before)
    return programme


@transaction.atomic
def programme_bring_into_force(
    *, actor: Any, programme: Programme, in_force_from: datetime.date | None = None
) -> Programme:
    """The adopted and published programme starts to apply: it needs a service and a budget to be carried out."""
    programme = _lock_for(actor, programme, "bring_into_force")
    before = snapshot(programme)
    day = in_force_from or timezone.localdate()
    errors: dict[str, Any] = {}
    if not programme.publication_reference.strip():
        # art. 4 ust. 2: the resolution is an act of local law, in force only once published.
        errors["publication_reference"] = _(
            "Give where the resolution was published; an act of local law applies only once published."
        )
    if programme.resolution_date and day < programme.resolution_date:
        errors["in_force_from"] = _("A programme cannot be in force before the council adopted it.")
    if day > programme.end_date:
        errors["in_force_from"] = _("The programme has already ended on %(date)s.") % {"date": programme.end_date}
    try:
        _check_in_force_content(programme)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    programme.status = ProgrammeStatus.IN_FORCE
    programme.in_force_from = day
    programme.save(update_fields=["status", "in_force_from", "updated_at"])
    _record_status(actor, programme, before)
    return programme


@transaction.atomic
def programme_close(*, actor: Any, programme: Programme, closed_on: datetime.date | None = None) -> Programme:
    """End the programme; the closing report (art. 6) is due within 4 months after its implementation ended."""
    programme = _lock_for(actor, programme, "close")
    before = snapshot(programme)
    day = closed_on or timezone.localdate()
    if programme.in_force_from and day < programme.in_force_from:
        raise ValidationError({"closed_on": _("A programme cannot close before it came into force.")})
    if day > timezone.localdate():
        raise ValidationError({"closed_on": _("The closing date cannot be in the future.")})
    programme.status = ProgrammeStatus.CLOSED
    programme.closed_on = day
    programme.save(update_fields=["status", "closed_on", "updated_at"])
    _record_status(actor, programme, before)
    return programme


def programme_transition(*, actor: Any, programme: Programme, action: str, data: Mapping[str, Any]) -> Programme:
    """Run the named status change with its data (the screens' and the API's single entry point)."""
    if action == "adopt":
        return programme_adopt(
            actor=actor,
            programme=programme,
            resolution_number=data.get("resolution_number") or "",
            resolution_date=data.get("resolution_date"),
            publication_reference=data.get("publication_reference") or "",
            bip_url=data.get("bip_url") or "",
        )
    if action == "bring_into_force":
        return programme_bring_into_force(actor=actor, programme=programme, in_force_from=data.get("in_force_from"))
    if action == "close":
        return programme_close(actor=actor, programme=programme, closed_on=data.get("closed_on"))
    raise ValidationError({"action": _("Unknown status change.")})
