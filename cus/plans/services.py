"""Writes of individual social-services plans (IPUS, art. 38–47): one transaction per action, each audited.

The rules of the act are checked here, each with its own message:
- only the centre's own staff draw up, approve and close plans, never a provider (art. 49) — the permission table
  gives no plan permission to provider staff, and the coordinator must hold a services-team role;
- drawn up within 30 days of the application (art. 40 ust. 1; a late plan is still made, flagged);
- at most one year long (art. 40 ust. 2); a span of services under 3 months is a warning (art. 38);
- made in agreement with the person, recorded with date and form (art. 38 ust. 1);
- approved by the director or a services organiser with a written authorisation (art. 41); every update is a new
  version approved again;
- closed with the closing interview and the written description of the course and results (art. 45).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.accounts.permissions import grants_for
from cus.accounts.roles import Role
from cus.audit.services import record_create, record_delete, record_denied, record_update, snapshot
from cus.core.models import Centre
from cus.plans import rules, versions
from cus.plans.models import (
    DELIVERING_STATUSES,
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    REFERENCE_SYMBOL,
    ApprovalDelegation,
    ClosingReason,
    CoordinatorMeeting,
    Goal,
    GoalProgress,
    GoalStatus,
    ItemStatus,
    MonitoringNote,
    Need,
    PlanItem,
    PlanStatus,
    PlanVersion,
    ServicePlan,
    SupportingActivity,
    VersionStatus,
)

# Applications a plan may answer: qualified, or in (or after) the needs assessment (art. 37).
LINKABLE_STATES = frozenset({"qualified", "assessment", "complete", "waiting"})
COORDINATOR_ROLES = frozenset({Role.IPUS_COORDINATOR, Role.SERVICES_ORGANISER})


def _today() -> datetime.date:
    return timezone.localdate()


def _lock(plan: ServicePlan) -> ServicePlan:
    return ServicePlan.objects.select_for_update(of=("self",)).select_related("person").get(pk=plan.pk)


def holds_role_in(user: Any, roles: frozenset[Role], municipality_id: int) -> bool:
    return any(grant.role in roles and municipality_id in grant.municipality_ids for grant in grants_for(user))


def _check_coordinator(coordinator: Any, municipality_id: int) -> None:
    # art. 49: plans are prepared by the centre's IPUS coordinators (or the services organiser), never by a provider.
    if (
        coordinator is None
        or not coordinator.is_active
        or not holds_role_in(coordinator, COORDINATOR_ROLES, municipality_id)
    ):
        raise ValidationError(
            {"coordinator": _("The plan's coordinator must be an IPUS coordinator of the centre in this municipality.")}
        )


def _require_editable(plan: ServicePlan) -> None:
    if plan.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("The plan is %(status)s: its content can be changed only in a draft or an update in preparation.")
            % {"status": plan.get_status_display().lower()}
        )


def _centre_for(municipality_id: int) -> Centre:
    centre = Centre.objects.filter(municipalities=municipality_id).order_by("pk").first()
    if centre is None:
        raise ValidationError({"person": _("No centre serves the municipality of this person.")})
    return centre


def _next_number(centre: Centre, year: int) -> int:
    # The centre row lock serialises numbering on PostgreSQL; SQLite runs write transactions one at a time.
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    last = ServicePlan.objects.filter(centre=centre, year=year).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def _check_applications(person: Any, applications: list[Any]) -> None:
    for application in applications:
        if application.person_id != person.pk:
            raise ValidationError(
                {"applications": _("Application %(reference)s is of another person.") % {"reference": application}}
            )
        if application.state not in LINKABLE_STATES:
            raise ValidationError(
                {
                    "applications": _(
                        "Application %(reference)s is %(state)s: a plan answers qualified applications or a needs "
                        "assessment."
                    )
                    % {"reference": application, "state": application.get_state_display().lower()}
                }
            )


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    person: Any,
    coordinator: Any,
    starts_on: datetime.date,
    ends_on: datetime.date,
    applications: list[Any] | tuple[Any, ...] = (),
    applied_on: datetime.date | None = None,
    needs_summary: str = "",
) -> ServicePlan:
    """Open a plan for a person from a needs assessment or qualified applications (art. 38)."""
    applications = list(applications)
    _check_applications(person, applications)
    if applied_on is None:
        if not applications:
            raise ValidationError(
                {"applied_on": _("Give the date the application was filed: the 30-day deadline runs from it.")}
            )
        applied_on = min(timezone.localtime(a.filed_at).date() for a in applications)
    if applied_on > _today():
        raise ValidationError({"applied_on": _("The application date cannot be in the future.")})
    municipality_id = person.municipality_id
    _check_coordinator(coordinator, municipality_id)
    # Art. 37: the person has one individual plan that coordinates all their services; a change is an update.
    # The person's row is locked so that two coordinators cannot open two plans at the same moment.
    type(person)._base_manager.select_for_update().filter(pk=person.pk).values_list("pk", flat=True).first()
    existing = ServicePlan.objects.filter(person=person, status__in=OPEN_STATUSES).only("reference", "status").first()
    if existing is not None:
        raise ValidationError(
            _(
                "%(name)s already has an open plan %(reference)s (%(status)s): update that plan instead of opening "
                "another one."
            )
            % {
                "name": person.full_name,
                "reference": existing.reference,
                "status": existing.get_status_display().lower(),
            }
        )
    if not needs_summary.strip():
        needs_summary = "\n\n".join(a.assessment_notes.strip() for a in applications if a.assessment_notes.strip())
    centre = _centre_for(municipality_id)
    year = _today().year
    number = _next_number(centre, year)
    plan = ServicePlan(
        municipality_id=municipality_id,
        centre=centre,
        year=year,
        number=number,
        reference=f"{REFERENCE_SYMBOL}.{number}.{year}",
        person=person,
        coordinator=coordinator,
        applied_on=applied_on,
        starts_on=starts_on,
        ends_on=ends_on,
        needs_summary=needs_summary.strip(),
    )
    plan.full_clean()
    plan.save()
    if applications:
        plan.applications.set(applications)
    record_create(actor=actor, instance=plan)
    return plan


PLAN_FIELDS = frozenset({"starts_on", "ends_on", "needs_summary", "coordinator", "applied_on"})


@transaction.atomic
def plan_update(*, actor: Any, plan: ServicePlan, applications: list[Any] | None = None, **changes: Any) -> ServicePlan:
    """Change the plan's period, needs, coordinator or applications (period and content only while editable)."""
    plan = _lock(plan)
    unknown = set(changes) - PLAN_FIELDS
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    content_change = set(changes) - {"coordinator"} or applications is not None
    if content_change:
        _require_editable(plan)
    elif not plan.is_open:
        raise ValidationError(_("A closed plan cannot be changed."))
    before = snapshot(plan)
    if "coordinator" in changes:
        _check_coordinator(changes["coordinator"], plan.municipality_id)
    if changes.get("applied_on") and changes["applied_on"] > _today():
        raise ValidationError({"applied_on": _("The application date cannot be in the future.")})
    for field, value in changes.items():
        setattr(plan, field, value.strip() if isinstance(value, str) else value)
    plan.full_clean()
    _check_items_inside(plan)
    plan.save()
    if applications is not None:
        _check_applications(plan.person, applications)
        plan.applications.set(applications)
    record_update(actor=actor, instance=plan, before=before)
    return plan


def _check_items_inside(plan: ServicePlan) -> None:
    outside = [
        item
        for item in plan.items.select_related("service")
        if item.starts_on < plan.starts_on or item.ends_on > plan.ends_on
    ]
    if outside:
        raise ValidationError(
            {
                "ends_on": _("These services would fall outside the plan's dates: %(items)s. Change them first.")
                % {"items": ", ".join(str(item.service) for item in outside)}
            }
        )
    goals = [goal for goal in plan.goals.all() if not plan.starts_on <= goal.target_date <= plan.ends_on]
    if goals:
        raise ValidationError(
            {
                "ends_on": _("The target dates of these goals would fall outside the plan's dates: %(goals)s.")
                % {"goals": "; ".join(str(goal)[:60] for goal in goals)}
            }
        )


# --- content: needs, goals, items, supporting activities -----------------------------------------------------------


def _save_child(actor: Any, instance: Any, *, before: dict[str, Any] | None) -> Any:
    instance.full_clean()
    instance.save()
    if before is None:
        record_create(actor=actor, instance=instance)
    else:
        record_update(actor=actor, instance=instance, before=before)
    return instance


NEED_FIELDS = frozenset({"area", "description", "position"})
GOAL_FIELDS = frozenset({"description", "indicator", "baseline", "target", "target_date", "position"})
ITEM_FIELDS = frozenset(
    {
        "service",
        "location",
        "application",
        "starts_on",
        "ends_on",
        "frequency",
        "weekdays",
        "time_from",
        "hours_per_visit",
        "notes",
        "position",
    }
)
ACTIVITY_FIELDS = frozenset({"kind", "description", "who", "starts_on", "ends_on"})


def _own_row(plan: ServicePlan, instance: Any) -> dict[str, Any] | None:
    """The snapshot of an existing row of ``plan`` (None for a new one); a row of another plan is refused."""
    if instance is None:
        return None
    if instance.plan_id != plan.pk:
        raise ValidationError(_("This row belongs to another plan."))
    return snapshot(instance)


def _apply(instance: Any, fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({field: _("This field cannot be set here.") for field in sorted(unknown)})
    for field, value in fields.items():
        setattr(instance, field, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def need_save(*, actor: Any, plan: ServicePlan, need: Need | None = None, **fields: Any) -> Need:
    plan = _lock(plan)
    _require_editable(plan)
    before = _own_row(plan, need)
    need = need or Need(plan=plan)
    _apply(need, fields, NEED_FIELDS)
    return _save_child(actor, need, before=before)


@transaction.atomic
def goal_save(*, actor: Any, plan: ServicePlan, goal: Goal | None = None, **fields: Any) -> Goal:
    plan = _lock(plan)
    _require_editable(plan)
    before = _own_row(plan, goal)
    goal = goal or Goal(plan=plan)
    _apply(goal, fields, GOAL_FIELDS)
    if goal.target_date and not plan.starts_on <= goal.target_date <= plan.ends_on:
        raise ValidationError({"target_date": _("The target date must fall within the plan's dates.")})
    return _save_child(actor, goal, before=before)


def _item_facts(item: PlanItem) -> None:
    """Provider from the service; fee from the qualification; planned hours from the schedule."""
    if item.service_id:
        item.provider_id = item.service.organization_id
        if item.location_id and not item.service.service_at_locations.filter(location_id=item.location_id).exists():
            raise ValidationError(
                {"location": _("The service is not delivered at this place; choose one of its places.")}
            )
    application = item.application if item.application_id else None
    if application is not None:
        if application.state != "qualified":
            raise ValidationError(
                {
                    "application": _("Only a qualified application carries a fee; this one is %(state)s.")
                    % {"state": application.get_state_display().lower()}
                }
            )
        if application.programme_service.service_id != item.service_id:
            raise ValidationError({"application": _("The application is for another service.")})
        item.fee_per_month = application.fee_per_month
    else:
        item.fee_per_month = None
    if item.hours_per_visit is not None and item.starts_on and item.ends_on:
        item.planned_hours = item.compute_planned_hours()


@transaction.atomic
def item_save(*, actor: Any, plan: ServicePlan, item: PlanItem | None = None, **fields: Any) -> PlanItem:
    """Add or change a planned service (art. 39): a catalog service at one of its places, by its provider, on a
    schedule inside the plan's dates, with the fee from the person's qualification."""
    plan = _lock(plan)
    _require_editable(plan)
    before = _own_row(plan, item)
    item = item or PlanItem(plan=plan, planned_hours=Decimal("0"))
    item.plan = plan
    _apply(item, fields, ITEM_FIELDS)
    if item.weekdays:
        try:
            item.weekdays = sorted({int(day) for day in item.weekdays})
        except (TypeError, ValueError):
            raise ValidationError(
                {"weekdays": _("Days of the week are numbers from 1 (Monday) to 7 (Sunday).")}
            ) from None
    if item.service_id and item.service.status != "published":
        raise ValidationError({"service": _("Only a published service of the catalog can be planned.")})
    item.full_clean(exclude=["provider", "planned_hours"])
    _item_facts(item)
    if before is not None and item.deliveries.exists():
        delivered_until = item.deliveries.aggregate(last=Max("date"))["last"]
        if str(before["service_id"]) != str(item.service_id):
            raise ValidationError({"service": _("Visits were recorded for this item: end it and add a new one.")})
        if delivered_until and (item.ends_on < delivered_until or item.starts_on > delivered_until):
            raise ValidationError(
                {
                    "ends_on": _("Visits were recorded up to %(date)s: the dates must include them.")
                    % {"date": delivered_until.strftime("%d.%m.%Y")}
                }
            )
    item.save()
    if before is None:
        record_create(actor=actor, instance=item)
    else:
        record_update(actor=actor, instance=item, before=before)
    return item


@transaction.atomic
def activity_save(
    *, actor: Any, plan: ServicePlan, activity: SupportingActivity | None = None, **fields: Any
) -> SupportingActivity:
    plan = _lock(plan)
    _require_editable(plan)
    before = _own_row(plan, activity)
    activity = activity or SupportingActivity(plan=plan)
    _apply(activity, fields, ACTIVITY_FIELDS)
    for field in ("starts_on", "ends_on"):
        day = getattr(activity, field)
        if day and not plan.starts_on <= day <= plan.ends_on:
            raise ValidationError({field: _("The date must fall within the plan's dates.")})
    return _save_child(actor, activity, before=before)


@transaction.atomic
def content_remove(*, actor: Any, instance: Need | Goal | PlanItem | SupportingActivity) -> None:
    """Remove a need, goal, item or activity from a plan being drafted or updated. An item with recorded visits
    is ended instead; a goal with progress notes stays (its status is set at closing)."""
    plan = _lock(instance.plan)
    _require_editable(plan)
    if isinstance(instance, PlanItem) and instance.deliveries.exists():
        raise ValidationError(_("Visits were recorded for this service: end it on a date instead of removing it."))
    if isinstance(instance, Goal) and instance.progress_notes.exists():
        raise ValidationError(_("Progress was noted on this goal: it stays in the plan; record its outcome instead."))
    before = snapshot(instance)
    record_delete(actor=actor, instance=instance, before=before)
    instance.delete()


@transaction.atomic
def item_end(*, actor: Any, item: PlanItem, ended_on: datetime.date, reason: str) -> PlanItem:
    """End a service early while the plan runs (e.g. the person went into hospital); noted in the plan's history."""
    plan = _lock(item.plan)
    if plan.status not in DELIVERING_STATUSES | EDITABLE_STATUSES:
        raise ValidationError(_("Only a service of an open plan can be ended."))
    item = PlanItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["end_reason"] = _("Say why the service ends early.")
    if not item.starts_on <= ended_on <= item.ends_on:
        errors["ended_on"] = _("The end date must fall within the service's dates (%(start)s–%(end)s).") % {
            "start": item.starts_on.strftime("%d.%m.%Y"),
            "end": item.ends_on.strftime("%d.%m.%Y"),
        }
    last = item.deliveries.exclude(status="cancelled").aggregate(last=Max("date"))["last"]
    if last and ended_on < last:
        errors["ended_on"] = _("Visits were recorded up to %(date)s: the service cannot end before that.") % {
            "date": last.strftime("%d.%m.%Y")
        }
    if errors:
        raise ValidationError(errors)
    before = snapshot(item)
    item.status = ItemStatus.ENDED
    item.ended_on = ended_on
    item.end_reason = reason.strip()
    item.planned_hours = item.compute_planned_hours()
    item.save()
    record_update(actor=actor, instance=item, before=before, message="item ended")
    return item


# --- agreement, submission, approval, updates ----------------------------------------------------------------------


@transaction.atomic
def record_agreement(
    *, actor: Any, plan: ServicePlan, agreed_on: datetime.date, form: str, note: str = ""
) -> ServicePlan:
    """The person's agreement to the plan (art. 38 ust. 1), with its date and form."""
    plan = _lock(plan)
    _require_editable(plan)
    errors: dict[str, str] = {}
    if agreed_on > _today():
        errors["agreed_on"] = _("The agreement cannot be dated in the future.")
    if agreed_on < plan.applied_on:
        errors["agreed_on"] = _("The agreement cannot be earlier than the application.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(plan)
    plan.agreed_on = agreed_on
    plan.agreement_form = form
    plan.agreement_note = note.strip()
    plan.full_clean()
    plan.save()
    record_update(actor=actor, instance=plan, before=before, message="agreement recorded")
    return plan


def submission_problems(plan: ServicePlan) -> dict[str, str]:
    """What must be in place before the plan (or its update) goes for approval."""
    problems: dict[str, str] = {}
    if not plan.items.exists():
        problems["items"] = _("Plan at least one service.")
    if not plan.goals.exists():
        problems["goals"] = _("Set at least one goal with its indicator.")
    if not plan.needs_summary.strip() and not plan.needs.exists():
        problems["needs"] = _("Describe the person's needs.")
    update_started = (
        plan.versions.filter(status=VersionStatus.APPROVED).aggregate(last=Max("decided_at"))["last"]
        if plan.status == PlanStatus.UPDATING
        else None
    )
    if not plan.agreed_on or not plan.agreement_form:
        problems["agreed_on"] = _("Record the person's agreement to the plan (art. 38 ust. 1).")
    elif update_started and plan.agreed_on < timezone.localtime(update_started).date():
        problems["agreed_on"] = _("Record the person's agreement to this update.")
    return problems


def warnings(plan: ServicePlan, today: datetime.date | None = None) -> list[str]:
    """Allowed, but shown to the coordinator and the approver (of an open plan: a closed one ended its services on
    the closing date, which says nothing about how the plan was drawn up)."""
    messages: list[str] = []
    if not plan.is_open:
        return messages
    periods = [item.period for item in plan.items.all()]
    if rules.Problem.SHORTER_THAN_THREE_MONTHS in rules.coordination_warnings(periods):
        messages.append(
            _(
                "The planned services span less than 3 months: an IPUS is meant for services coordinated for at "
                "least 3 months (art. 38)."
            )
        )
    if plan.draw_up_overdue(today):
        messages.append(
            _("The plan was due within 30 days of the application, by %(date)s (art. 40 ust. 1).")
            % {"date": plan.draw_up_deadline.strftime("%d.%m.%Y")}
        )
    return messages


@transaction.atomic
def submit(*, actor: Any, plan: ServicePlan, reason: str = "") -> PlanVersion:
    """Freeze the content as a version and send it for approval (art. 41)."""
    plan = _lock(plan)
    _require_editable(plan)
    problems = submission_problems(plan)
    if plan.status == PlanStatus.UPDATING and not reason.strip():
        problems["reason"] = _("Say why the plan is updated (changed needs, a new programme, …).")
    if problems:
        raise ValidationError(problems)
    before = snapshot(plan)
    version = PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        reason=reason.strip(),
        content=versions.freeze(plan),
        status=VersionStatus.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=actor,
    )
    if plan.drawn_up_on is None:
        plan.drawn_up_on = _today()
    plan.status = PlanStatus.SUBMITTED if plan.status == PlanStatus.DRAFT else PlanStatus.UPDATE_SUBMITTED
    plan.save()
    record_create(actor=actor, instance=version)
    record_update(actor=actor, instance=plan, before=before, message="submitted for approval")
    return version


def approval_delegation(user: Any, municipality_id: int, day: datetime.date) -> ApprovalDelegation | None:
    for delegation in ApprovalDelegation.objects.filter(
        delegate=user, municipality_id=municipality_id, valid_from__lte=day
    ).order_by("-valid_from"):
        if delegation.is_valid_on(day):
            return delegation
    return None


def approval_right(user: Any, plan: ServicePlan, day: datetime.date) -> tuple[bool, ApprovalDelegation | None]:
    """art. 41: the director approves; a services organiser only under a valid written authorisation."""
    if holds_role_in(user, frozenset({Role.DIRECTOR}), plan.municipality_id):
        return True, None
    if holds_role_in(user, frozenset({Role.SERVICES_ORGANISER}), plan.municipality_id):
        delegation = approval_delegation(user, plan.municipality_id, day)
        return delegation is not None, delegation
    return False, None


class ApprovalRefused(ValidationError):
    pass


def _pending_version(plan: ServicePlan) -> PlanVersion:
    version = plan.versions.filter(status=VersionStatus.SUBMITTED).order_by("-number").first()
    if plan.status not in (PlanStatus.SUBMITTED, PlanStatus.UPDATE_SUBMITTED) or version is None:
        raise ValidationError(_("The plan is not awaiting approval."))
    return version


def _check_approver(actor: Any, plan: ServicePlan) -> ApprovalDelegation | None:
    allowed, delegation = approval_right(actor, plan, _today())
    if not allowed:
        record_denied(actor=actor, what="plans.approve_serviceplan", instance=plan, message="no right to approve")
        raise ApprovalRefused(
            _(
                "Only the director, or a services organiser with the director's written authorisation, approves "
                "plans (art. 41)."
            )
        )
    if actor.pk == plan.coordinator_id and delegation is not None:
        # Four eyes: the organiser who coordinates the plan does not approve it under a delegation.
        raise ApprovalRefused(_("You coordinate this plan: another authorised person must approve it."))
    return delegation


def _refuse_without_right(actor: Any, plan: ServicePlan) -> None:
    # Checked before the transaction opens: the denied attempt must stay in the audit trail after the rollback.
    if not approval_right(actor, plan, _today())[0]:
        _check_approver(actor, plan)


def approve(*, actor: Any, plan: ServicePlan, note: str = "") -> PlanVersion:
    """Approve the version awaiting approval (art. 41); an attempt without the right is refused and audited."""
    _refuse_without_right(actor, plan)
    return _approve(actor=actor, plan=plan, note=note)


@transaction.atomic
def _approve(*, actor: Any, plan: ServicePlan, note: str = "") -> PlanVersion:
    plan = _lock(plan)
    version = _pending_version(plan)
    delegation = _check_approver(actor, plan)
    before = snapshot(plan)
    version_before = snapshot(version)
    version.status = VersionStatus.APPROVED
    version.decided_at = timezone.now()
    version.decided_by = actor
    version.decided_by_label = actor.full_name + (f" ({delegation.document_reference})" if delegation else "")
    version.delegation = delegation
    version.decision_note = note.strip()
    version.save()
    plan.status = PlanStatus.ACTIVE
    plan.save()
    record_update(actor=actor, instance=version, before=version_before, message="approved")
    record_update(actor=actor, instance=plan, before=before, message="approved")
    return version


def return_for_changes(*, actor: Any, plan: ServicePlan, note: str) -> PlanVersion:
    """Return the version awaiting approval for changes; an attempt without the right is refused and audited."""
    _refuse_without_right(actor, plan)
    return _return_for_changes(actor=actor, plan=plan, note=note)


@transaction.atomic
def _return_for_changes(*, actor: Any, plan: ServicePlan, note: str) -> PlanVersion:
    plan = _lock(plan)
    version = _pending_version(plan)
    _check_approver(actor, plan)
    if not note.strip():
        raise ValidationError({"note": _("Say what must change.")})
    before = snapshot(plan)
    version_before = snapshot(version)
    version.status = VersionStatus.RETURNED
    version.decided_at = timezone.now()
    version.decided_by = actor
    version.decided_by_label = actor.full_name
    version.decision_note = note.strip()
    version.save()
    plan.status = PlanStatus.DRAFT if plan.status == PlanStatus.SUBMITTED else PlanStatus.UPDATING
    plan.version += 1
    plan.save()
    record_update(actor=actor, instance=version, before=version_before, message="returned")
    record_update(actor=actor, instance=plan, before=before, message="returned for changes")
    return version


@transaction.atomic
def start_update(*, actor: Any, plan: ServicePlan) -> ServicePlan:
    """Begin an update of an approved plan (art. 41: changed needs, a new programme). Delivery goes on under the
    approved version until the update is approved."""
    plan = _lock(plan)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError(_("Only an approved plan in progress can be updated."))
    before = snapshot(plan)
    plan.status = PlanStatus.UPDATING
    plan.version += 1
    plan.save()
    record_update(actor=actor, instance=plan, before=before, message="update started")
    return plan


@transaction.atomic
def cancel(*, actor: Any, plan: ServicePlan, reason: str) -> ServicePlan:
    """Drop a plan that was never approved (e.g. the person withdrew before agreeing)."""
    plan = _lock(plan)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.SUBMITTED):
        raise ValidationError(_("Only a plan not yet approved can be cancelled; an approved plan is closed."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the plan is cancelled.")})
    before = snapshot(plan)
    plan.status = PlanStatus.CANCELLED
    plan.closing_reason_details = reason.strip()
    plan.closed_on = _today()
    plan.save()
    plan.versions.filter(status=VersionStatus.SUBMITTED).update(status=VersionStatus.RETURNED)
    record_update(actor=actor, instance=plan, before=before, message="cancelled")
    return plan


# --- monitoring ----------------------------------------------------------------------------------------------------


@transaction.atomic
def note_add(
    *, actor: Any, plan: ServicePlan, kind: str, text: str, noted_on: datetime.date | None = None
) -> MonitoringNote:
    plan = _lock(plan)
    if plan.status in (PlanStatus.CANCELLED,):
        raise ValidationError(_("The plan was cancelled."))
    note = MonitoringNote(plan=plan, kind=kind, text=text.strip(), noted_on=noted_on or _today(), author=actor)
    if note.noted_on > _today():
        raise ValidationError({"noted_on": _("A note cannot be dated in the future.")})
    note.full_clean()
    note.save()
    record_create(actor=actor, instance=note)
    return note


@transaction.atomic
def goal_progress(
    *,
    actor: Any,
    goal: Goal,
    progress: int,
    value: str = "",
    note: str = "",
    status: str | None = None,
    noted_on: datetime.date | None = None,
) -> GoalProgress:
    """Note progress on a goal; its current progress and status follow the latest note."""
    plan = _lock(goal.plan)
    if plan.status not in DELIVERING_STATUSES:
        raise ValidationError(_("Progress is noted on a plan in progress."))
    goal = Goal.objects.select_for_update(of=("self",)).get(pk=goal.pk)
    entry = GoalProgress(
        goal=goal,
        progress=progress,
        value=value.strip(),
        note=note.strip(),
        noted_on=noted_on or _today(),
        author=actor,
    )
    if entry.noted_on > _today():
        raise ValidationError({"noted_on": _("Progress cannot be dated in the future.")})
    entry.full_clean()
    entry.save()
    before = snapshot(goal)
    goal.progress = progress
    if status:
        if status not in GoalStatus.values:
            raise ValidationError({"status": _("Choose a status from the list.")})
        goal.status = status
    elif progress == 100:
        goal.status = GoalStatus.ACHIEVED
    goal.full_clean()
    goal.save()
    record_create(actor=actor, instance=entry)
    record_update(actor=actor, instance=goal, before=before)
    return entry


# --- closing (art. 45) ---------------------------------------------------------------------------------------------


def _closing_date_problem(plan: ServicePlan, closed_on: datetime.date) -> str | None:
    """Closed on a past or today's date, not before the start nor before the last recorded visit."""
    from cus.delivery.models import DeliveryRecord, RecordStatus

    if closed_on > _today():
        return _("A plan is closed on a past or today's date.")
    if closed_on < plan.starts_on:
        return _("The plan cannot close before it started.")
    last_visit = (
        DeliveryRecord.objects.filter(item__plan=plan)
        .exclude(status=RecordStatus.CANCELLED)
        .aggregate(last=Max("date"))["last"]
    )
    if last_visit and closed_on < last_visit:
        return _("Visits were recorded up to %(date)s: the plan cannot close before that.") % {
            "date": last_visit.strftime("%d.%m.%Y")
        }
    return None


def _closing_problems(
    plan: ServicePlan,
    *,
    closed_on: datetime.date,
    reason: str,
    reason_details: str,
    interview_on: datetime.date | None,
    interview_notes: str,
    course_description: str,
    goals: list[Goal],
    outcomes: dict[int, str],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if reason not in ClosingReason.values:
        errors["closing_reason"] = _("Choose the reason for closing.")
    if date_problem := _closing_date_problem(plan, closed_on):
        errors["closed_on"] = date_problem
    if reason == ClosingReason.PLANNED_END and closed_on < plan.ends_on:
        errors["closing_reason"] = _("The planned end is %(date)s: choose another reason to close earlier.") % {
            "date": plan.ends_on.strftime("%d.%m.%Y")
        }
    if reason in (ClosingReason.OTHER, ClosingReason.RESIGNATION) and not reason_details.strip():
        errors["closing_reason_details"] = _("Describe the grounds for closing.")
    if interview_on is None:
        errors["closing_interview_on"] = _("Record the date of the closing interview (art. 45).")
    elif interview_on > _today() or interview_on < plan.starts_on:
        errors["closing_interview_on"] = _("The closing interview falls between the plan's start and today.")
    if not interview_notes.strip():
        errors["closing_interview_notes"] = _("Record what the closing interview found.")
    if len(course_description.strip()) < 50:
        errors["course_description"] = _(
            "Write the description of the course and results of the plan (art. 45), at least a few sentences."
        )
    for goal in goals:
        outcome = outcomes.get(goal.pk, goal.status)
        if outcome not in GoalStatus.values or outcome == GoalStatus.OPEN:
            errors[f"goal_{goal.pk}"] = _("Record the outcome of the goal ‘%(goal)s’.") % {"goal": str(goal)[:60]}
    if reason == ClosingReason.GOALS_MET and any(
        outcomes.get(goal.pk, goal.status) != GoalStatus.ACHIEVED for goal in goals
    ):
        errors["closing_reason"] = _("Not every goal is achieved: choose another reason.")
    return errors


@transaction.atomic
def close(
    *,
    actor: Any,
    plan: ServicePlan,
    closed_on: datetime.date,
    reason: str,
    interview_on: datetime.date | None,
    interview_notes: str,
    course_description: str,
    reason_details: str = "",
    goal_outcomes: dict[int, str] | None = None,
) -> ServicePlan:
    """Close the plan: on the planned date, on goals met, on the person's resignation or on other grounds, after the
    closing interview and with the written description of the course and results (art. 45)."""
    plan = _lock(plan)
    if plan.status not in DELIVERING_STATUSES:
        raise ValidationError(_("Only an approved plan in progress can be closed; a draft is cancelled instead."))
    outcomes = goal_outcomes or {}
    goals = list(plan.goals.all())
    errors = _closing_problems(
        plan,
        closed_on=closed_on,
        reason=reason,
        reason_details=reason_details,
        interview_on=interview_on,
        interview_notes=interview_notes,
        course_description=course_description,
        goals=goals,
        outcomes=outcomes,
    )
    if errors:
        raise ValidationError(errors)
    for goal in goals:
        if outcomes.get(goal.pk, goal.status) != goal.status:
            goal_before = snapshot(goal)
            goal.status = outcomes[goal.pk]
            fields = ["status"]
            if goal.status == GoalStatus.ACHIEVED and goal.progress != 100:
                goal.progress = 100  # an achieved goal is not shown at the progress last noted
                fields.append("progress")
            goal.save(update_fields=fields)
            record_update(actor=actor, instance=goal, before=goal_before, message="outcome at closing")
    for item in plan.items.filter(Q(ended_on__isnull=True, ends_on__gt=closed_on) | Q(ended_on__gt=closed_on)):
        item_before = snapshot(item)
        item.ended_on = max(closed_on, item.starts_on)
        item.status = ItemStatus.ENDED
        item.end_reason = _("The plan was closed.")
        item.planned_hours = item.compute_planned_hours()
        item.save()
        record_update(actor=actor, instance=item, before=item_before, message="ended with the plan")
    before = snapshot(plan)
    plan.status = PlanStatus.CLOSED
    plan.closed_on = closed_on
    plan.closing_reason = reason
    plan.closing_reason_details = reason_details.strip()
    plan.closing_interview_on = interview_on
    plan.closing_interview_notes = interview_notes.strip()
    plan.course_description = course_description.strip()
    plan.save()
    record_update(actor=actor, instance=plan, before=before, message="closed")
    return plan


# --- the services organiser's duties (art. 41, 46) -----------------------------------------------------------------


@transaction.atomic
def delegation_grant(
    *,
    actor: Any,
    municipality_id: int,
    delegate: Any,
    document_reference: str,
    granted_on: datetime.date,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
) -> ApprovalDelegation:
    """The director authorises a services organiser in writing to approve plans (art. 41)."""
    if not holds_role_in(actor, frozenset({Role.DIRECTOR}), municipality_id):
        raise ValidationError(_("Only the director authorises others to approve plans."))
    if not holds_role_in(delegate, frozenset({Role.SERVICES_ORGANISER}), municipality_id):
        raise ValidationError({"delegate": _("Only a services organiser of the centre can be authorised.")})
    delegation = ApprovalDelegation(
        municipality_id=municipality_id,
        delegate=delegate,
        document_reference=document_reference.strip(),
        granted_on=granted_on,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=actor,
    )
    delegation.full_clean()
    delegation.save()
    record_create(actor=actor, instance=delegation)
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: Any, delegation: ApprovalDelegation, revoked_on: datetime.date) -> ApprovalDelegation:
    if not holds_role_in(actor, frozenset({Role.DIRECTOR}), delegation.municipality_id):
        raise ValidationError(_("Only the director revokes an authorisation."))
    if revoked_on < delegation.valid_from:
        raise ValidationError({"revoked_on": _("The revocation cannot precede the start of the authorisation.")})
    before = snapshot(delegation)
    delegation.revoked_on = revoked_on
    delegation.save()
    record_update(actor=actor, instance=delegation, before=before, message="revoked")
    return delegation


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    centre: Centre,
    municipality_id: int,
    held_on: datetime.date,
    participants: list[Any],
    agenda: str,
    minutes: str,
) -> CoordinatorMeeting:
    """Minutes of a coordinators' meeting (art. 46 ust. 2: at least every 3 months)."""
    errors: dict[str, str] = {}
    if held_on > _today():
        errors["held_on"] = _("Record a meeting that has taken place.")
    if not participants:
        errors["participants"] = _("Choose who took part.")
    elif any(p.centre_id != centre.pk for p in participants):
        errors["participants"] = _("Participants are staff of the centre.")
    if errors:
        raise ValidationError(errors)
    meeting = CoordinatorMeeting(
        municipality_id=municipality_id,
        centre=centre,
        held_on=held_on,
        agenda=agenda.strip(),
        minutes=minutes.strip(),
        recorded_by=actor,
    )
    meeting.full_clean()
    meeting.save()
    meeting.participants.set(participants)
    record_create(actor=actor, instance=meeting)
    return meeting
