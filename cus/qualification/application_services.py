"""Writes of applications (art. 35–44 of the CUS act; PS art. 106). Each public function is one transaction that
computes the facts of :mod:`cus.qualification.workflow` itself (never trusting the caller), checks the transition,
saves, writes the application's history and the audit trail. The screens and the API call the same functions.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.audit.services import record_create, record_update, snapshot
from cus.core.models import Centre
from cus.programme import eligibility
from cus.programme.models import BudgetLine, EligibilityRule, ProgrammeFeeKind, ProgrammeService, ProgrammeStatus
from cus.qualification import decisions, queries, workflow
from cus.qualification.applications import (
    LIABILITY_CLAUSE,
    REFERENCE_SYMBOL,
    ApplicantRelation,
    Application,
    ApplicationEvent,
    Attachment,
    Channel,
    Decision,
    DecisionKind,
    State,
    attachment_max_bytes,
)
from cus.qualification.models import FeeScope, FeeTable, FeeTableStatus
from cus.residents.models import Person

Need = workflow.Need


def _need_message(need: str) -> str:
    return {
        Need.DOCUMENTS_DEADLINE: _("Give a deadline for the documents that is after today."),
        Need.DEADLINE_PASSED: _("The deadline for the documents has not passed yet."),
        Need.FEE_COMPUTED: _("The fee could not be computed."),
        Need.PLACE_AVAILABLE: _("There is no free place: the capacity or the budget is used up."),
        Need.NO_PLACE: _("There are free places: qualify the application instead of putting it on the waiting list."),
        Need.DECISION: _("The decision is not drawn up."),
        Need.INTERVIEW_RECORD: _("Record the family community interview first (PS art. 106 ust. 4)."),
        Need.ASSESSMENT_RECORD: _("Record the needs assessment first (art. 37)."),
        Need.JUSTIFICATION: _("Give the justification."),
        Need.RESIGNATION_DATE: _("Give the date of the resignation."),
    }[Need(need)]


class TransitionRefused(ValidationError):
    """The workflow does not allow the action now; ``codes`` are the stable reason codes of ``workflow.check``."""

    def __init__(self, codes: list[str], state_label: str) -> None:
        self.codes = codes
        messages = []
        for code in codes:
            if code == "not_allowed":
                messages.append(
                    _("This action is not possible while the application is: %(state)s.") % {"state": state_label}
                )
            else:
                messages.append(_need_message(code.removeprefix("missing:")))
        super().__init__({"state": [ValidationError(message, code="transition") for message in messages]})


def _today() -> datetime.date:
    return timezone.localdate()


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("programme_service__programme").get(pk=application.pk)


def _check(application: Application, action: str, facts: set[workflow.Need]) -> workflow.Transition:
    reasons = workflow.check(application.workflow_track, application.workflow_state, action, facts)
    if reasons:
        raise TransitionRefused(reasons, str(application.get_state_display()))
    transition = workflow.find(application.workflow_track, application.workflow_state, action)
    assert transition is not None
    return transition


def _event(
    application: Application, *, action: str, actor: Any, source: str = "", target: str = "", note: str = ""
) -> ApplicationEvent:
    label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor.get_full_name() or actor.email
    elif actor is None:
        label = "system"
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_state=source,
        to_state=target,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label[:300],
        note=note,
    )


def _move(
    application: Application, transition: workflow.Transition, *, actor: Any, before: dict[str, Any], note: str = ""
) -> Application:
    source = application.state
    application.state = transition.target.value
    if transition.target in workflow.TERMINAL:
        application.closed_at = timezone.now()
    application.full_clean()
    application.save()
    _event(application, action=transition.action, actor=actor, source=source, target=application.state, note=note)
    record_update(
        actor=actor, instance=application, before=before, message=f"{transition.action}: {source} → {application.state}"
    )
    return application


# --- filing ------------------------------------------------------------------------------------------------------


def hash_tracking_code(code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{code.strip().upper()}".encode()).hexdigest()


def new_tracking_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _i in range(4)) for _j in range(3))


def centre_for(municipality_id: int) -> Centre:
    centre = Centre.objects.filter(municipalities=municipality_id).order_by("pk").first()
    if centre is None:
        raise ValidationError({"programme_service": _("No centre serves the municipality of this programme.")})
    return centre


def _next_number(centre: Centre, year: int) -> int:
    # Centre row lock serialises numbering on PostgreSQL; SQLite runs write transactions one at a time.
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    last = Application.objects.filter(centre=centre, year=year).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


@transaction.atomic
def file_application(
    *,
    actor: Any,
    person: Person,
    programme_service: ProgrammeService,
    applicant: Person | None = None,
    applicant_relation: str = ApplicantRelation.SELF,
    channel: str = Channel.PAPER,
    filed_at: datetime.datetime | None = None,
    statements: list[str] | None = None,
    email: str = "",
    priority: int = 0,
    note: str = "",
) -> tuple[Application, str]:
    """Record an application (art. 35): from paper by staff, or online. Returns the application and, for an
    online application, the tracking code (stored only as a hash; shown once)."""
    errors: dict[str, Any] = {}
    programme = programme_service.programme
    if programme.status != ProgrammeStatus.IN_FORCE:
        errors["programme_service"] = _("The programme of this service is not in force: no applications are taken.")
    if (
        person.municipality_id is not None
        and not Centre.objects.filter(municipalities=programme.municipality_id)
        .filter(municipalities=person.municipality_id)
        .exists()
    ):
        errors["person"] = _("The person's record belongs to another centre.")
    filed = filed_at or timezone.now()
    if filed > timezone.now() + datetime.timedelta(minutes=5):
        errors["filed_at"] = _("The filing date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    centre = centre_for(programme.municipality_id)
    year = timezone.localtime(filed).year
    number = _next_number(centre, year)
    code = new_tracking_code() if channel == Channel.ONLINE else ""
    application = Application(
        municipality_id=programme.municipality_id,
        centre=centre,
        year=year,
        number=number,
        reference=f"{REFERENCE_SYMBOL}.{number}.{year}",
        person=person,
        applicant=applicant,
        applicant_relation=applicant_relation,
        programme_service=programme_service,
        track=programme_service.track,
        channel=channel,
        filed_at=filed,
        statements=[s.strip() for s in statements or [] if s.strip()],
        email=email,
        priority=priority,
        tracking_code_hash=hash_tracking_code(code) if code else "",
    )
    application.full_clean()
    application.save()
    _event(application, action="file", actor=actor, target=application.state, note=note)
    record_create(actor=actor, instance=application)
    return application, code


def statement_text(condition: str) -> str:
    """A statement as shown to the applicant: the condition, then the clause of art. 36 ust. 2."""
    return f"{condition.strip()} {LIABILITY_CLAUSE}"


# --- completeness, assessment, interview ----------------------------------------------------------------------------


@transaction.atomic
def request_documents(*, actor: Any, application: Application, deadline: datetime.date, documents: str) -> Application:
    """Ask for missing documents with a deadline (KPA art. 64 § 2): at least 7 days is customary."""
    application = _lock(application)
    facts = {Need.DOCUMENTS_DEADLINE} if deadline and deadline > _today() else set()
    if not documents.strip():
        raise ValidationError({"documents": _("List the documents the applicant must supply.")})
    if not facts:
        raise ValidationError({"deadline": _("Give a deadline for the documents that is after today.")})
    transition = _check(application, "request_documents", facts)
    before = snapshot(application)
    application.documents_deadline = deadline
    application.documents_requested = documents.strip()
    return _move(application, transition, actor=actor, before=before, note=documents.strip())


@transaction.atomic
def accept_as_complete(*, actor: Any, application: Application, note: str = "") -> Application:
    application = _lock(application)
    transition = _check(application, "accept_as_complete", set())
    return _move(application, transition, actor=actor, before=snapshot(application), note=note)


@transaction.atomic
def start_assessment(*, actor: Any, application: Application, note: str = "") -> Application:
    """The optional needs assessment by an IPUS coordinator (art. 37)."""
    application = _lock(application)
    transition = _check(application, "start_assessment", set())
    return _move(application, transition, actor=actor, before=snapshot(application), note=note)


@transaction.atomic
def start_interview(*, actor: Any, application: Application, note: str = "") -> Application:
    """Statutory track: the family community interview (PS art. 106 ust. 4) begins."""
    application = _lock(application)
    transition = _check(application, "start_interview", set())
    return _move(application, transition, actor=actor, before=snapshot(application), note=note)


def _record_finding(
    application: Application,
    *,
    actor: Any,
    state: str,
    day_field: str,
    notes_field: str,
    held_on: datetime.date,
    findings: str,
    action: str,
) -> Application:
    if application.state != state:
        raise ValidationError(
            {
                "state": _("This can be recorded only while the application is: %(state)s.")
                % {"state": State(state).label}
            }
        )
    errors = {}
    if held_on is None or held_on > _today():
        errors["held_on"] = _("Give the day it was held; it cannot be in the future.")
    elif held_on < timezone.localtime(application.filed_at).date():
        errors["held_on"] = _("It cannot be held before the application was filed.")
    if not findings.strip():
        errors["findings"] = _("Write down the findings.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(application)
    setattr(application, day_field, held_on)
    setattr(application, notes_field, findings.strip())
    application.full_clean()
    application.save()
    _event(application, action=action, actor=actor, note=findings.strip())
    record_update(actor=actor, instance=application, before=before, message=action)
    return application


@transaction.atomic
def record_interview(*, actor: Any, application: Application, held_on: datetime.date, findings: str) -> Application:
    return _record_finding(
        _lock(application),
        actor=actor,
        state=State.INTERVIEW,
        day_field="interview_on",
        notes_field="interview_notes",
        held_on=held_on,
        findings=findings,
        action="record_interview",
    )


@transaction.atomic
def record_assessment(*, actor: Any, application: Application, held_on: datetime.date, findings: str) -> Application:
    return _record_finding(
        _lock(application),
        actor=actor,
        state=State.ASSESSMENT,
        day_field="assessment_on",
        notes_field="assessment_notes",
        held_on=held_on,
        findings=findings,
        action="record_assessment",
    )


# --- fee, eligibility, places -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeOutcome:
    income_month: datetime.date | None
    income_per_person: Decimal | None
    members: int | None
    single: bool | None
    criterion: Any
    criterion_amount: Decimal | None
    table: FeeTable | None
    band: str
    income_percent: Decimal | None
    fee_percent: Decimal | None
    fee_per_unit: Decimal
    units_per_month: Decimal
    fee_per_month: Decimal


def income_month_for(application: Any) -> datetime.date:
    """The month before the application was filed (PS art. 8 ust. 3: income of the month before)."""
    filed = timezone.localtime(application.filed_at).date().replace(day=1)
    return (filed - datetime.timedelta(days=1)).replace(day=1)


def household_facts(application: Application) -> tuple[Any, list[str]]:
    """The household income of the month before filing, or None with the reasons it cannot be known."""
    from cus.residents.queries import current_membership, household_income

    membership = current_membership(application.person)
    if membership is None:
        return _facts(None, None)
    return _facts(membership, household_income(membership.household, income_month_for(application)))


def household_facts_for(applications: Sequence[Any]) -> dict[Any, tuple[Any, list[str]]]:
    """``household_facts`` of many applications in one query (a second one names the members who declared nothing),
    whatever their number: application id → (income, problems), the same as one by one."""
    from cus.residents.queries import current_household_incomes

    found = current_household_incomes([(a.person_id, income_month_for(a)) for a in applications])
    return {
        application.pk: _facts(household_id, income)
        for application, (household_id, income) in zip(applications, found, strict=True)
    }


def _facts(membership: Any, income: Any) -> tuple[Any, list[str]]:
    """``membership``: the open membership, or only the id of its household; None when the person has none."""
    if membership is None:
        return None, [_("The person belongs to no household: record the household and its income first.")]
    if income.missing:
        return income, [
            _("No income is declared for %(month)s for: %(names)s.")
            % {"month": income.month.strftime("%m.%Y"), "names": ", ".join(income.missing)}
        ]
    return income, []


def fee_table_for(application: Application, day: datetime.date) -> FeeTable | None:
    """The table in force on ``day`` for the service: one adopted for this very service first; on the statutory
    track, else the municipality's care-services table."""
    service = application.programme_service
    tables = FeeTable.objects.filter(
        municipality_id=application.municipality_id, status=FeeTableStatus.IN_FORCE, valid_from__lte=day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    table = tables.filter(service_id=service.service_id).order_by("-valid_from").first()
    if table is None and application.track == workflow.Track.STATUTORY:
        table = tables.filter(scope=FeeScope.CARE, service__isnull=True).order_by("-valid_from").first()
    return table


def compute_fee(application: Application, *, units_per_month: Decimal, day: datetime.date | None = None) -> FeeOutcome:
    """The fee of the application from the household's real income; raises ValidationError naming what is missing."""
    day = day or _today()
    service = application.programme_service
    if units_per_month is None or units_per_month <= 0:
        raise ValidationError({"units_per_month": _("Give how many units a month the person will receive.")})
    income, problems = household_facts(application)
    criterion = queries.criterion_on(day)
    if service.fee_kind == ProgrammeFeeKind.FREE:
        zero = Decimal("0.00")
        return FeeOutcome(
            income.month if income else None,
            income.per_person if income and not problems else None,
            income.members if income else None,
            income.single_person if income else None,
            criterion,
            None,
            None,
            "",
            None,
            None,
            zero,
            units_per_month,
            zero,
        )
    if service.fee_kind == ProgrammeFeeKind.FIXED:
        amount = Decimal(service.fee_amount or 0)
        return FeeOutcome(
            income.month if income else None,
            income.per_person if income and not problems else None,
            income.members if income else None,
            income.single_person if income else None,
            criterion,
            None,
            None,
            "",
            None,
            None,
            amount,
            units_per_month,
            (amount * units_per_month).quantize(Decimal("0.01")),
        )
    if problems:
        raise ValidationError({"income": problems})
    table = fee_table_for(application, day)
    if table is None:
        raise ValidationError({"fee_table": _("No fee table is in force today for this service.")})
    calculation = queries.calculate_fee(
        table=table,
        day=day,
        income_per_person=income.per_person,
        single=income.single_person,
        unit_cost=Decimal(service.unit_cost),
        units_per_month=units_per_month,
    )
    result = calculation.result
    return FeeOutcome(
        income.month,
        income.per_person,
        income.members,
        income.single_person,
        calculation.criterion,
        result.criterion,
        table,
        result.band.label(),
        result.income_percent,
        result.fee_percent,
        result.fee_per_unit,
        result.units_per_month,
        result.fee_per_month,
    )


def eligibility_outcomes(application: Application, fee: FeeOutcome | None = None) -> list[dict[str, Any]]:
    """The programme's conditions (for the programme and for this service) checked by the pure evaluator."""
    service = application.programme_service
    programme = service.programme
    rules = (
        EligibilityRule.objects.filter(programme=programme)
        .filter(Q(programme_service__isnull=True) | Q(programme_service=service))
        .order_by("pk")
    )
    person = application.person
    on_date = timezone.localtime(application.filed_at).date()
    certificates = [c for c in person.certificates.all() if c.is_valid_on(on_date)]
    degree: str | None
    if certificates:
        degree = max(
            (c.degree or eligibility.DisabilityDegree.NO_DEGREE for c in certificates),
            key=lambda d: eligibility.DEGREE_ORDER.get(d, 0),
        )
    else:
        degree = eligibility.NO_CERTIFICATE
    single = fee.single if fee else None
    facts = eligibility.Facts(
        birth_date=person.birth_date,
        on_date=on_date,
        residence=person.residence_municipality.teryt if person.residence_municipality is not None else None,
        disability=degree,
        income_per_person=fee.income_per_person if fee else None,
        criterion=(fee.criterion.amount_for(single=single) if fee and fee.criterion and single is not None else None),
        household_type=None
        if single is None
        else (eligibility.HouseholdType.SINGLE if single else eligibility.HouseholdType.FAMILY),
    )
    teryt = programme.municipality.teryt
    rows = []
    for rule in rules:
        outcome = eligibility.evaluate_rule(rule.as_rule(teryt), facts)
        rows.append(
            {
                "rule": rule.pk,
                "text": str(rule.plain_text(programme.municipality.name)),
                "result": outcome.result.value,
                "reason": outcome.reason,
            }
        )
    return rows


def active_qualified(service: ProgrammeService) -> int:
    return Application.objects.filter(programme_service=service, state=State.QUALIFIED).count()


def budget_left(service: ProgrammeService, year: int) -> Decimal:
    """The programme's budget of ``year`` less the planned cost of everyone qualified in that year (art. 42 ust. 2)."""
    programme = service.programme
    budget = BudgetLine.objects.filter(programme=programme, year=year).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
    used = Application.objects.filter(
        programme_service__programme=programme,
        qualified_on__year=year,
        # A resignation frees the place and the rest of its planned cost; an ended service used its cost.
        state__in=[State.QUALIFIED, State.ENDED],
    ).aggregate(total=Sum(F("programme_service__units_per_participant") * F("programme_service__unit_cost")))[
        "total"
    ] or Decimal(0)
    return Decimal(budget) - Decimal(used)


def place_available(service: ProgrammeService, *, day: datetime.date | None = None) -> bool:
    """Whether one more person fits the service's capacity and the programme's budget of the year."""
    day = day or _today()
    if service.capacity is not None and active_qualified(service) >= service.capacity:
        return False
    return budget_left(service, day.year) >= service.units_per_participant * service.unit_cost


def _apply_fee(application: Application, fee: FeeOutcome) -> None:
    application.income_month = fee.income_month
    application.income_per_person = fee.income_per_person
    application.household_members = fee.members
    application.single_person = fee.single
    application.criterion = fee.criterion
    application.criterion_amount = fee.criterion_amount
    application.fee_table = fee.table
    application.fee_band = fee.band
    application.income_percent = fee.income_percent
    application.fee_percent = fee.fee_percent
    application.fee_per_unit = fee.fee_per_unit
    application.units_per_month = fee.units_per_month
    application.fee_per_month = fee.fee_per_month
    application.fee_computed_at = timezone.now()


def _qualify(
    application: Application, *, actor: Any, units_per_month: Decimal, note: str, signatory_post: str = ""
) -> Application:
    before = snapshot(application)
    fee = compute_fee(application, units_per_month=units_per_month)
    outcomes = eligibility_outcomes(application, fee)
    failed = [row["text"] for row in outcomes if row["result"] == eligibility.Result.NOT_MET]
    missing = [row["text"] for row in outcomes if row["result"] == eligibility.Result.MISSING]
    if failed:
        raise ValidationError(
            {
                "eligibility": [
                    _("A condition of the programme is not met: %(rule)s") % {"rule": text} for text in failed
                ]
            }
        )
    if missing:
        raise ValidationError(
            {
                "eligibility": [
                    _("Facts are missing to check the condition: %(rule)s") % {"rule": text} for text in missing
                ]
            }
        )
    _apply_fee(application, fee)
    application.eligibility = outcomes
    facts: set[workflow.Need] = {Need.FEE_COMPUTED}
    if application.assessment_on:
        facts.add(Need.ASSESSMENT_RECORD)
    if application.interview_on:
        facts.add(Need.INTERVIEW_RECORD)
    if application.track == workflow.Track.PROGRAMME:
        if place_available(application.programme_service):
            facts.add(Need.PLACE_AVAILABLE)
        elif application.state != State.WAITING:
            # art. 42 ust. 2: the budget or the places are used up: the waiting list instead.
            facts.add(Need.NO_PLACE)
            transition = _check(application, "put_on_waiting_list", facts)
            return _move(application, transition, actor=actor, before=before, note=note)
    # PS art. 106 ust. 1: the grant is a decision, drawn up below with the transition.
    elif application.interview_on:
        facts.add(Need.DECISION)
    transition = _check(application, "qualify", facts)
    application.qualified_on = _today()
    _move(application, transition, actor=actor, before=before, note=note)
    if application.track == workflow.Track.STATUTORY:
        _issue_decision(
            application, kind=DecisionKind.GRANT, actor=actor, facts="", law="", signatory_post=signatory_post
        )
    transaction.on_commit(partial(_notify, application.pk, "qualified"))
    return application


@transaction.atomic
def qualify(
    *, actor: Any, application: Application, units_per_month: Decimal, note: str = "", signatory_post: str = ""
) -> Application:
    """Qualify with the fee computed from the household's income of the month before filing, the criterion and the
    fee table in force today; the programme's conditions are checked. On the programme track, when the capacity or
    the budget is used up, the application goes to the waiting list instead (art. 42 ust. 2)."""
    return _qualify(
        _lock(application), actor=actor, units_per_month=units_per_month, note=note, signatory_post=signatory_post
    )


@transaction.atomic
def put_on_waiting_list(
    *, actor: Any, application: Application, priority: int | None = None, note: str = ""
) -> Application:
    application = _lock(application)
    facts: set[workflow.Need] = set()
    if not place_available(application.programme_service):
        facts.add(Need.NO_PLACE)
    if application.assessment_on:
        facts.add(Need.ASSESSMENT_RECORD)
    transition = _check(application, "put_on_waiting_list", facts)
    before = snapshot(application)
    if priority is not None:
        application.priority = priority
    return _move(application, transition, actor=actor, before=before, note=note)


def waiting_list(service: ProgrammeService) -> Any:
    """Who moves up first: the higher priority, then filing order (the programme may set a priority order)."""
    return Application.objects.filter(programme_service=service, state=State.WAITING).order_by(
        "-priority", "filed_at", "pk"
    )


# --- refusal and decisions ------------------------------------------------------------------------------------------


def _issue_decision(
    application: Application, *, kind: str, actor: Any, facts: str, law: str, signatory_post: str
) -> Decision:
    parts = decisions.draft(application, kind=kind, actor=actor, facts=facts, law=law, signatory_post=signatory_post)
    decision = Decision(application=application, kind=kind, issued_on=_today(), **parts)
    decision.full_clean()
    decision.save()
    record_create(actor=actor, instance=decision)
    _event(application, action=f"decision_{kind}", actor=actor, note=decision.number)
    return decision


@transaction.atomic
def refuse(*, actor: Any, application: Application, facts: str, law: str = "", signatory_post: str = "") -> Decision:
    """Refuse with an administrative decision (art. 42 ust. 3; statutory track: PS art. 106 ust. 1, after the
    interview). ``facts`` is the justification of facts, ``law`` of law (a standard text when empty)."""
    application = _lock(application)
    have: set[workflow.Need] = set()
    if facts.strip():
        have.add(Need.JUSTIFICATION)
    if application.interview_on:
        have.add(Need.INTERVIEW_RECORD)
    # The decision is drawn up in this same transaction, once the other needs hold.
    reasons = workflow.check(application.workflow_track, application.workflow_state, "refuse", have | {Need.DECISION})
    if reasons:
        if f"missing:{Need.JUSTIFICATION}" in reasons:
            raise ValidationError({"facts": _("Give the justification of facts: why the person is refused.")})
        raise TransitionRefused(reasons, str(application.get_state_display()))
    before = snapshot(application)
    decision = _issue_decision(
        application,
        kind=DecisionKind.REFUSAL,
        actor=actor,
        facts=facts.strip(),
        law=law.strip(),
        signatory_post=signatory_post,
    )
    transition = _check(application, "refuse", have | {Need.DECISION})
    _move(application, transition, actor=actor, before=before, note=facts.strip())
    transaction.on_commit(partial(_notify, application.pk, "refused"))
    return decision


# --- closing ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def withdraw(*, actor: Any, application: Application, note: str = "") -> Application:
    application = _lock(application)
    transition = _check(application, "withdraw", set())
    return _move(application, transition, actor=actor, before=snapshot(application), note=note)


@transaction.atomic
def leave_unexamined(*, actor: Any, application: Application, note: str = "") -> Application:
    """Only after the deadline for documents has passed (KPA art. 64 § 2)."""
    application = _lock(application)
    facts = set()
    if application.documents_deadline is not None and application.documents_deadline < _today():
        facts.add(Need.DEADLINE_PASSED)
    transition = _check(application, "leave_unexamined", facts)
    return _move(application, transition, actor=actor, before=snapshot(application), note=note)


@transaction.atomic
def end(*, actor: Any, application: Application, note: str = "") -> Application:
    """The service ended as planned; the place frees like after a resignation."""
    application = _lock(application)
    transition = _check(application, "end", set())
    _move(application, transition, actor=actor, before=snapshot(application), note=note)
    promote_next(service=application.programme_service, actor=actor)
    return application


@transaction.atomic
def resign(*, actor: Any, application: Application, resigned_on: datetime.date, note: str = "") -> Application:
    """The person resigns (told to the director; fees are due up to that day). The place frees: the first on the
    waiting list moves up and is told by e-mail."""
    application = _lock(application)
    facts = set()
    if resigned_on is not None:
        if resigned_on > _today() + datetime.timedelta(days=366):
            raise ValidationError({"resigned_on": _("The date of the resignation is too far ahead.")})
        if application.qualified_on and resigned_on < application.qualified_on:
            raise ValidationError({"resigned_on": _("The person cannot resign before being qualified.")})
        facts.add(Need.RESIGNATION_DATE)
    transition = _check(application, "resign", facts)
    before = snapshot(application)
    application.resigned_on = resigned_on
    _move(application, transition, actor=actor, before=before, note=note)
    promote_next(service=application.programme_service, actor=actor)
    return application


def promote_next(*, service: ProgrammeService, actor: Any) -> Application | None:
    """Move the first on the waiting list up when a place is free; one that cannot be qualified now (e.g. its income
    data changed) stays on the list with a note, and the next one is tried."""
    if service.track != workflow.Track.PROGRAMME:
        return None
    for candidate in waiting_list(service).select_for_update():
        if not place_available(service):
            return None
        try:
            with transaction.atomic():
                units = candidate.units_per_month or Decimal("1")
                _qualify(candidate, actor=actor, units_per_month=units, note=_("Moved up from the waiting list."))
        except ValidationError as exc:
            _event(candidate, action="move_up_failed", actor=actor, note="; ".join(exc.messages))
            continue
        transaction.on_commit(partial(_notify, candidate.pk, "moved_up"))
        return candidate
    return None


def _notify(application_id: Any, what: str) -> None:
    from cus.qualification.notifications import application_notice

    application_notice.enqueue(str(application_id), what)


# --- attachments ----------------------------------------------------------------------------------------------------

MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def sniff(content: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in MAGIC:
        if content.startswith(magic):
            return content_type, extension
    return None


@transaction.atomic
def attach(*, actor: Any, application: Application, name: str, content: bytes, description: str = "") -> Attachment:
    """A PDF, JPEG or PNG document, recognised by its content (not its name), at most the configured size."""
    limit = attachment_max_bytes()
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > limit:
        raise ValidationError(
            {"file": _("The file is too big: at most %(limit)s MB.") % {"limit": limit // (1024 * 1024)}},
            code="too_big",
        )
    kind = sniff(content)
    if kind is None:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG files are accepted.")}, code="file_type")
    if not application.is_open and application.state != State.QUALIFIED:
        raise ValidationError({"file": _("Documents cannot be added to a closed application.")})
    content_type, extension = kind
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in name)[:150] or "document"
    attachment = Attachment(
        application=application,
        name=safe,
        description=description.strip(),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(f"{attachment.id}{extension}", ContentFile(content), save=False)
    attachment.full_clean()
    attachment.save()
    record_create(actor=actor, instance=attachment)
    _event(application, action="attach", actor=actor, note=safe)
    return attachment


@transaction.atomic
def add_note(*, actor: Any, application: Application, note: str) -> ApplicationEvent:
    if not note.strip():
        raise ValidationError({"note": _("Write the note.")})
    return _event(application, action="note", actor=actor, note=note.strip())


# --- one entry point for the screens and the API -----------------------------------------------------------------

DECIDING_ACTIONS = frozenset({"refuse"})
EXTRA_ACTIONS = {State.ASSESSMENT: "record_assessment", State.INTERVIEW: "record_interview"}
ACTION_ORDER = (
    "accept_as_complete",
    "request_documents",
    "start_assessment",
    "record_assessment",
    "start_interview",
    "record_interview",
    "qualify",
    "put_on_waiting_list",
    "refuse",
    "resign",
    "end",
    "withdraw",
    "leave_unexamined",
)


def permission_for(application: Application, action: str) -> str:
    """Refusals and statutory grants are decisions: ``decide_application``; everything else ``change_application``."""
    if action in DECIDING_ACTIONS or (action == "qualify" and application.track == workflow.Track.STATUTORY):
        return "qualification.decide_application"
    return "qualification.change_application"


def available_actions(application: Application) -> list[str]:
    """The actions the workflow allows from the current state (plus recording an assessment or interview), in a
    stable order. Whether their needs hold is checked when they are taken."""
    names = {t.action for t in workflow.allowed(application.workflow_track, application.workflow_state)}
    extra = EXTRA_ACTIONS.get(State(application.state))
    if extra:
        names.add(extra)
    return [name for name in ACTION_ORDER if name in names]


def perform(*, actor: Any, application: Application, action: str, data: dict[str, Any]) -> Any:
    """Run ``action`` with the cleaned ``data`` of its form or API body."""
    note = data.get("note") or ""
    handlers: dict[str, Any] = {
        "request_documents": lambda: request_documents(
            actor=actor, application=application, deadline=data["deadline"], documents=data["documents"]
        ),
        "accept_as_complete": lambda: accept_as_complete(actor=actor, application=application, note=note),
        "start_assessment": lambda: start_assessment(actor=actor, application=application, note=note),
        "start_interview": lambda: start_interview(actor=actor, application=application, note=note),
        "record_assessment": lambda: record_assessment(
            actor=actor, application=application, held_on=data["held_on"], findings=data["findings"]
        ),
        "record_interview": lambda: record_interview(
            actor=actor, application=application, held_on=data["held_on"], findings=data["findings"]
        ),
        "qualify": lambda: qualify(
            actor=actor, application=application, units_per_month=data["units_per_month"], note=note
        ),
        "put_on_waiting_list": lambda: put_on_waiting_list(
            actor=actor, application=application, priority=data.get("priority"), note=note
        ),
        "refuse": lambda: refuse(actor=actor, application=application, facts=data["facts"], law=data.get("law") or ""),
        "withdraw": lambda: withdraw(actor=actor, application=application, note=note),
        "leave_unexamined": lambda: leave_unexamined(actor=actor, application=application, note=note),
        "end": lambda: end(actor=actor, application=application, note=note),
        "resign": lambda: resign(actor=actor, application=application, resigned_on=data["resigned_on"], note=note),
        "note": lambda: add_note(actor=actor, application=application, note=note),
    }
    handler = handlers.get(action)
    if handler is None:
        raise ValidationError({"action": _("Unknown action.")})
    return handler()


# --- online applications (portal, no account) ----------------------------------------------------------------------


@dataclass(frozen=True)
class OnlineIdentity:
    """Who the application is for, as typed on the portal."""

    pesel: str
    first_name: str
    last_name: str
    street: str
    building: str
    flat: str
    postal_code: str
    town: str
    phone: str


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _person_for_online(identity: OnlineIdentity, municipality: Any) -> tuple[Person, bool]:
    """The registered person with this PESEL in the centre, or a new record. An existing record is never changed
    from the portal (nothing typed there is trusted); the worker compares the data given with the record."""
    from cus.residents.services import centre_municipality_ids, person_create

    existing = Person.objects.filter(
        municipality_id__in=centre_municipality_ids(municipality.pk), pesel=identity.pesel
    ).first()
    if existing is not None:
        return existing, False
    person = person_create(
        actor=None,
        municipality=municipality,
        confirm_not_duplicate=True,  # the worker checks likely duplicates when examining the application
        pesel=identity.pesel,
        first_name=identity.first_name,
        last_name=identity.last_name,
        street=identity.street,
        building=identity.building,
        flat=identity.flat,
        postal_code=identity.postal_code,
        town=identity.town,
        phone=identity.phone,
        residence_municipality=municipality,
    )
    return person, True


@transaction.atomic
def file_online(
    *,
    programme_service: ProgrammeService,
    identity: OnlineIdentity,
    email: str,
    statements: list[str],
    uploads: list[Upload],
    applicant_relation: str = ApplicantRelation.SELF,
    applicant_name: str = "",
) -> tuple[Application, str]:
    """An application from the portal, without an account: all of it or nothing (an attachment of the wrong type
    leaves nothing saved). Returns the application and its tracking code, which is stored only as a hash and sent
    by e-mail after the commit."""
    person, created = _person_for_online(identity, programme_service.programme.municipality)
    application, code = file_application(
        actor=None,
        person=person,
        programme_service=programme_service,
        channel=Channel.ONLINE,
        statements=statements,
        email=email,
    )
    given = ", ".join(
        part
        for part in (
            f"{identity.first_name} {identity.last_name}",
            f"{identity.street} {identity.building}{'/' + identity.flat if identity.flat else ''}".strip(),
            f"{identity.postal_code} {identity.town}".strip(),
            identity.phone,
        )
        if part
    )
    lines = [_("Data given online: %(data)s.") % {"data": given}]
    if applicant_relation != ApplicantRelation.SELF:
        lines.append(
            _("Filed by %(name)s as: %(relation)s.")
            % {"name": applicant_name, "relation": ApplicantRelation(applicant_relation).label}
        )
    if created:
        lines.append(_("A new person record was created from the application: check it for duplicates."))
    _event(application, action="note", actor=None, note=" ".join(lines))
    for upload in uploads:
        attach(actor=None, application=application, name=upload.name, content=upload.content)
    transaction.on_commit(partial(_send_confirmation, application.pk, code))
    return application, code


def _send_confirmation(application_id: Any, code: str) -> None:
    from cus.qualification.notifications import online_confirmation

    online_confirmation.enqueue(str(application_id), code)


def find_by_tracking(code: str, pesel: str) -> Application | None:
    """The application with this tracking code filed for the person with this PESEL, or None (whichever is wrong)."""
    if not code.strip() or not pesel.strip():
        return None
    return (
        Application.objects.filter(tracking_code_hash=hash_tracking_code(code), person__pesel=pesel.strip())
        .select_related("programme_service__service")
        .first()
    )
