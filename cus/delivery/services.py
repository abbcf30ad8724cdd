"""Recording the delivery of plan items: visits and hours (realizacja usług w ramach IPUS).

Provider staff record visits only for items of their own organisation in a plan being delivered; they correct
their own record within the correction window (``CUS_DELIVERY_CORRECTION_DAYS``, 7 days by default); after it a
correction is a request the plan's coordinator accepts or rejects. A worker cannot be at two visits at once: visits
of the same worker of the same provider on one day may not overlap. Every write is audited; an attempt on an item
of another provider is refused with the same answer as a missing item and recorded as denied.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.audit.services import record_create, record_delete, record_denied, record_update, snapshot
from cus.delivery.models import (
    CorrectionRequest,
    CorrectionStatus,
    DeliveryRecord,
    ProviderStaff,
    RecordStatus,
    worker_key,
)
from cus.plans import rules
from cus.plans.models import DELIVERING_STATUSES, PlanItem

RECORD_FIELDS = frozenset({"date", "start_time", "minutes", "worker_name", "status", "missed_reason", "notes"})


def provider_of(user: Any) -> Any:
    """The organisation a provider staff member works for (None for centre staff)."""
    cached = getattr(user, "_cus_provider_id", False)
    if cached is not False:
        return cached
    membership = ProviderStaff.objects.filter(user_id=user.pk).values_list("organization_id", flat=True).first()
    user._cus_provider_id = membership
    return membership


def check_item_access(user: Any, item: PlanItem) -> None:
    """Provider staff act only on items of their own organisation in a plan being delivered."""
    provider_id = provider_of(user)
    if provider_id is None:
        return
    if item.provider_id != provider_id or item.plan.status not in DELIVERING_STATUSES:
        record_denied(actor=user, what="delivery.add_deliveryrecord", instance=item, message="item of another provider")
        raise PermissionDenied(_("This service is not assigned to your organisation."))


def _overlaps(record: DeliveryRecord) -> DeliveryRecord | None:
    if record.status == RecordStatus.CANCELLED:
        return None
    end = rules.end_time(record.start_time, record.minutes)
    same_day = (
        DeliveryRecord.objects.filter(provider_id=record.provider_id, worker_key=record.worker_key, date=record.date)
        .exclude(status=RecordStatus.CANCELLED)
        .exclude(pk=record.pk)
        .select_related("item__service")
    )
    for other in same_day:
        if rules.times_overlap(record.start_time, end, other.start_time, other.end_time):
            return other
    return None


def _validate_and_save(record: DeliveryRecord) -> None:
    record.full_clean(exclude=["provider", "recorded_by"])
    other = _overlaps(record)
    if other is not None:
        raise ValidationError(
            {
                "start_time": _(
                    "%(worker)s already has a visit from %(start)s to %(end)s that day; visits of one worker "
                    "cannot overlap."
                )
                % {
                    "worker": record.worker_name,
                    "start": other.start_time.strftime("%H:%M"),
                    "end": other.end_time.strftime("%H:%M"),
                }
            }
        )
    record.save()


def _check_outside_transaction(actor: Any, item_pk: Any, record: DeliveryRecord | None = None) -> None:
    """The access checks run before the write's transaction too, so that a refused attempt stays in the audit
    trail (a denied entry written inside the transaction would be rolled back with it)."""
    if provider_of(actor) is None:
        return
    check_item_access(actor, PlanItem.objects.select_related("plan").get(pk=item_pk))
    if record is not None and record.recorded_by_id != actor.pk:
        record_denied(actor=actor, what="delivery.change_deliveryrecord", instance=record, message="not own record")
        raise PermissionDenied(_("You can correct only the records you entered."))


def record_visit(*, actor: Any, item: PlanItem, **fields: Any) -> DeliveryRecord:
    """Record a visit (or a missed visit) for a plan item."""
    _check_outside_transaction(actor, item.pk)
    return _record_visit(actor=actor, item=item, **fields)


@transaction.atomic
def _record_visit(*, actor: Any, item: PlanItem, **fields: Any) -> DeliveryRecord:
    item = PlanItem.objects.select_related("plan", "plan__person").get(pk=item.pk)
    check_item_access(actor, item)
    if item.plan.status not in DELIVERING_STATUSES:
        raise ValidationError(_("The plan is not being delivered: visits are recorded for an approved plan."))
    unknown = set(fields) - RECORD_FIELDS
    if unknown:
        raise ValidationError({field: _("This field cannot be set here.") for field in sorted(unknown)})
    record = DeliveryRecord(item=item, provider_id=item.provider_id, recorded_by=actor, **fields)
    record.worker_name = (record.worker_name or "").strip()
    record.worker_key = worker_key(record.worker_name)
    _validate_and_save(record)
    record_create(actor=actor, instance=record)
    return record


def _lock(record: DeliveryRecord) -> DeliveryRecord:
    return DeliveryRecord.objects.select_for_update(of=("self",)).select_related("item__plan__person").get(pk=record.pk)


def correct(*, actor: Any, record: DeliveryRecord, **changes: Any) -> DeliveryRecord:
    """Correct a record. Provider staff: only their own record, within the correction window. The plan's
    coordinator (or the services organiser) may correct any record of the plan at any time."""
    _check_outside_transaction(actor, record.item_id, record)
    return _correct(actor=actor, record=record, **changes)


@transaction.atomic
def _correct(*, actor: Any, record: DeliveryRecord, **changes: Any) -> DeliveryRecord:
    record = _lock(record)
    check_item_access(actor, record.item)
    if provider_of(actor) is not None:
        if record.recorded_by_id != actor.pk:
            record_denied(actor=actor, what="delivery.change_deliveryrecord", instance=record, message="not own record")
            raise PermissionDenied(_("You can correct only the records you entered."))
        if not record.correctable_by_provider():
            raise ValidationError(
                _("The time to correct this record yourself has passed: send a correction request to the coordinator.")
            )
    unknown = set(changes) - RECORD_FIELDS
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    before = snapshot(record)
    for field, value in changes.items():
        setattr(record, field, value.strip() if isinstance(value, str) else value)
    record.worker_key = worker_key(record.worker_name)
    record.corrected_at = timezone.now()
    record.corrected_by = actor
    _validate_and_save(record)
    record_update(actor=actor, instance=record, before=before, message="corrected")
    return record


def request_correction(*, actor: Any, record: DeliveryRecord, reason: str, **changes: Any) -> CorrectionRequest:
    """After the window, provider staff ask the coordinator to correct their organisation's record."""
    _check_outside_transaction(actor, record.item_id)
    return _request_correction(actor=actor, record=record, reason=reason, **changes)


@transaction.atomic
def _request_correction(*, actor: Any, record: DeliveryRecord, reason: str, **changes: Any) -> CorrectionRequest:
    record = _lock(record)
    check_item_access(actor, record.item)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("Say why the record must be corrected.")
    unknown = set(changes) - RECORD_FIELDS
    if unknown:
        errors.update({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    if not changes:
        errors["changes"] = _("Give the corrected values.")
    if record.correction_requests.filter(status=CorrectionStatus.PENDING).exists():
        errors["__all__"] = _(
            "A correction of this record is already waiting for the coordinator's decision: wait for it or ask the "
            "coordinator to reject it first."
        )
    if errors:
        raise ValidationError(errors)
    # Check the requested values now, so the coordinator is not asked to accept an impossible record.
    trial = DeliveryRecord(**{f.attname: getattr(record, f.attname) for f in DeliveryRecord._meta.concrete_fields})
    for field, value in changes.items():
        setattr(trial, field, value.strip() if isinstance(value, str) else value)
    trial.full_clean(exclude=["provider", "recorded_by"], validate_unique=False)
    serialised = {
        field: value.isoformat() if isinstance(value, (datetime.date, datetime.time)) else value
        for field, value in changes.items()
    }
    request = CorrectionRequest.objects.create(
        record=record, changes=serialised, reason=reason.strip(), requested_by=actor
    )
    record_create(actor=actor, instance=request)
    return request


def _parse(field: str, value: Any) -> Any:
    if field == "date" and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if field == "start_time" and isinstance(value, str):
        return datetime.time.fromisoformat(value)
    return value


@transaction.atomic
def decide_correction(*, actor: Any, request: CorrectionRequest, accept: bool, note: str = "") -> CorrectionRequest:
    """The coordinator accepts (the record is corrected) or rejects (with a reason) a late correction."""
    request = (
        CorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("record__item__plan")
        .get(pk=request.pk)
    )
    if provider_of(actor) is not None:
        raise PermissionDenied(_("Late corrections are decided by the plan's coordinator."))
    if request.status != CorrectionStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if not accept and not note.strip():
        raise ValidationError({"decision_note": _("Say why the correction is rejected.")})
    before = snapshot(request)
    if accept:
        correct(actor=actor, record=request.record, **{k: _parse(k, v) for k, v in request.changes.items()})
    request.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save()
    record_update(actor=actor, instance=request, before=before, message="accepted" if accept else "rejected")
    return request


# --- which user works for which provider (kept by the administrator) ------------------------------------------------


@transaction.atomic
def staff_link(*, actor: Any, user: Any, organization: Any) -> ProviderStaff:
    """Link a user holding the provider-staff role to a provider of the actor's municipalities."""
    from cus.accounts.models import RoleAssignment
    from cus.accounts.permissions import municipality_ids_for
    from cus.accounts.roles import Role

    allowed = municipality_ids_for(actor, "delivery.add_providerstaff") if not actor.is_superuser else None
    errors: dict[str, str] = {}
    if allowed is not None and organization.municipality_id not in allowed:
        errors["organization"] = _("Choose a provider of your centre's municipalities.")
    if not RoleAssignment.objects.filter(user=user, role=Role.PROVIDER_STAFF).exists():
        errors["user"] = _("Only a user holding the provider staff role can be linked to a provider.")
    elif ProviderStaff.objects.filter(user=user).exists():
        errors["user"] = _("This user is already linked to a provider: unlink them first.")
    if errors:
        raise ValidationError(errors)
    link = ProviderStaff(user=user, organization=organization)
    link.full_clean()
    link.save()
    user._cus_provider_id = False
    record_create(actor=actor, instance=link)
    return link


@transaction.atomic
def staff_unlink(*, actor: Any, link: ProviderStaff) -> None:
    """Remove a user's link to a provider: they no longer see the provider's services (their records stay)."""
    link = ProviderStaff.objects.select_for_update(of=("self",)).select_related("organization", "user").get(pk=link.pk)
    before = snapshot(link)
    record_delete(actor=actor, instance=link, before=before)
    link.delete()
