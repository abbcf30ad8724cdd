"""Forms of the plan pages. They check the input's form; the rules of the act are in ``cus.plans.services``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cus.accounts.models import User
from cus.accounts.roles import Role
from cus.catalog.models import Location, Service, TaxonomyTerm
from cus.core.collation import Alphabetical
from cus.core.forms import StyledForm
from cus.plans import rules
from cus.plans.models import (
    ActivityKind,
    AgreementForm,
    ClosingReason,
    GoalStatus,
    NoteKind,
    PlanStatus,
    ServicePlan,
)
from cus.plans.services import LINKABLE_STATES

WEEKDAYS = (
    (1, pgettext_lazy("weekday", "Monday")),
    (2, pgettext_lazy("weekday", "Tuesday")),
    (3, pgettext_lazy("weekday", "Wednesday")),
    (4, pgettext_lazy("weekday", "Thursday")),
    (5, pgettext_lazy("weekday", "Friday")),
    (6, pgettext_lazy("weekday", "Saturday")),
    (7, pgettext_lazy("weekday", "Sunday")),
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=_date_input(), help_text=help_text)


def _text(
    label: Any, *, required: bool = True, rows: int = 3, help_text: Any = "", max_length: int | None = None
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class CoordinatorChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


def coordinators(municipality_id: int) -> Any:
    """Active staff who may coordinate a plan in the municipality (IPUS coordinators, services organisers)."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=[Role.IPUS_COORDINATOR, Role.SERVICES_ORGANISER],
            role_assignments__municipalities=municipality_id,
        )
        .distinct()
        .order_by(Alphabetical("full_name"), "pk")
    )


def _coordinator_field(municipality_id: int) -> CoordinatorChoiceField:
    return CoordinatorChoiceField(
        label=_("IPUS coordinator"),
        queryset=coordinators(municipality_id),
        help_text=_("An IPUS coordinator or services organiser of the centre; never a provider (art. 49)."),
    )


class PlanOpenForm(StyledForm):
    """Open a plan for a person from their needs assessment or qualified applications."""

    applications: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Applications the plan answers"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Qualified applications, or applications in the needs assessment. Fees of planned services come "
            "from the qualified ones."
        ),
    )
    applied_on = _date(
        _("Application filed on"),
        required=False,
        help_text=_(
            "The 30-day deadline for drawing up the plan runs from this day. Left empty: the earliest of the "
            "chosen applications."
        ),
    )
    starts_on = _date(_("Plan starts on"))
    ends_on = _date(_("Plan ends on"))
    needs_summary = _text(
        _("Needs (summary of the assessment)"),
        required=False,
        rows=5,
        help_text=_("Filled in from the needs assessment of the applications; correct or complete it."),
    )

    def __init__(self, *args: Any, person: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from cus.qualification.applications import Application

        self.person = person
        self.fields = {"coordinator": _coordinator_field(person.municipality_id), **self.fields}
        self.order_fields(["coordinator", "applications", "applied_on", "starts_on", "ends_on", "needs_summary"])
        self.fields["applications"].queryset = (  # type: ignore[attr-defined]
            Application.objects.restrict(user, "view")
            .filter(person=person, state__in=list(LINKABLE_STATES))
            .select_related("programme_service__service")
            .order_by("filed_at")
        )
        self.fields["applications"].label_from_instance = lambda a: (  # type: ignore[attr-defined]
            f"{a.reference} — {a.programme_service.service.name} ({a.get_state_display()}, "
            f"{timezone.localtime(a.filed_at):%d.%m.%Y})"
        )
        starts = self._start()
        self.fields["ends_on"].help_text = _(
            "At most one year (art. 40 ust. 2): for a plan starting on %(start)s, the latest end is %(end)s."
        ) % {"start": starts.strftime("%d.%m.%Y"), "end": rules.latest_end(starts).strftime("%d.%m.%Y")}
        self.fields["ends_on"].widget.attrs["max"] = rules.latest_end(starts).isoformat()
        from cus.core.forms import style_widgets

        style_widgets(self)

    def _start(self) -> datetime.date:
        raw = self.data.get(self.add_prefix("starts_on")) if self.is_bound else self.initial.get("starts_on")
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            return timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("applications") and not data.get("applied_on") and "applied_on" not in self.errors:
            self.add_error("applied_on", _("Give the date the application was filed, or choose an application."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "person": self.person,
            "coordinator": data["coordinator"],
            "applications": list(data["applications"] or []),
            "applied_on": data.get("applied_on"),
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "needs_summary": data.get("needs_summary", ""),
        }


class PlanEditForm(StyledForm):
    """The plan's period, needs summary and coordinator."""

    applied_on = _date(_("Application filed on"), help_text=_("The 30-day deadline runs from this day."))
    starts_on = _date(_("Plan starts on"))
    ends_on = _date(_("Plan ends on"))
    needs_summary = _text(_("Needs (summary of the assessment)"), required=False, rows=5)

    def __init__(self, *args: Any, plan: ServicePlan, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "coordinator": plan.coordinator_id,
                "applied_on": plan.applied_on,
                "starts_on": plan.starts_on,
                "ends_on": plan.ends_on,
                "needs_summary": plan.needs_summary,
            },
        )
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields = {"coordinator": _coordinator_field(plan.municipality_id), **self.fields}
        self.fields["ends_on"].help_text = _(
            "At most one year (art. 40 ust. 2): for a plan starting on %(start)s, the latest end is %(end)s."
        ) % {"start": plan.starts_on.strftime("%d.%m.%Y"), "end": rules.latest_end(plan.starts_on).strftime("%d.%m.%Y")}
        if not plan.is_editable:
            # Only the coordinator changes outside a draft or an update in preparation.
            for name in ("applied_on", "starts_on", "ends_on", "needs_summary"):
                del self.fields[name]
        from cus.core.forms import style_widgets

        style_widgets(self)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {
            name: data[name]
            for name in ("coordinator", "applied_on", "starts_on", "ends_on", "needs_summary")
            if name in self.fields
        }
        if changes.get("coordinator") is not None and changes["coordinator"].pk == self.plan.coordinator_id:
            del changes["coordinator"]
        return changes


class NeedForm(StyledForm):
    area = forms.ModelChoiceField(
        label=_("Service area"),
        queryset=TaxonomyTerm.objects.none(),
        required=False,
        help_text=_("Optional: the area of the catalog the need belongs to."),
    )
    description = _text(_("Need"), help_text=_("What the person needs help with, as the assessment found."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = cast("forms.ModelChoiceField", self.fields["area"])
        area.queryset = TaxonomyTerm.objects.order_by(Alphabetical("name"))
        area.label_from_instance = attrgetter("display_name")  # type: ignore[method-assign,assignment]


class GoalForm(StyledForm):
    description = _text(_("Goal"), help_text=_("What the person wants to achieve."))
    indicator = forms.CharField(
        label=_("Indicator"),
        max_length=300,
        help_text=_("How progress is measured, e.g. ‘walks to the shop unaided’."),
    )
    baseline = forms.CharField(label=_("Starting value"), max_length=100, required=False)
    target = forms.CharField(label=_("Target value"), max_length=100)
    target_date = _date(_("Target date"), help_text=_("Within the plan's dates."))


class ItemForm(StyledForm):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        help_text=_("A published service of the catalog; its provider delivers it."),
    )
    location = forms.ModelChoiceField(
        label=_("Place"),
        queryset=Location.objects.none(),
        required=False,
        help_text=_("One of the service's places; leave empty for a service at the person's home."),
    )
    application: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Qualification"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("The person's qualified application for this service: the fee a month comes from it."),
    )
    starts_on = _date(_("Starts on"))
    ends_on = _date(_("Ends on"))
    frequency = forms.ChoiceField(
        label=_("Frequency"),
        choices=[
            (rules.Frequency.WEEKLY.value, _("Every week")),
            (rules.Frequency.EVERY_OTHER_WEEK.value, _("Every other week")),
            (rules.Frequency.MONTHLY.value, _("Once a month")),
        ],
        initial=rules.Frequency.WEEKLY.value,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For a weekly or every-other-week service. A monthly service comes on the start's day of the month."
        ),
    )
    time_from = forms.TimeField(
        label=_("From (hour)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Optional: the usual start of a visit."),
    )
    hours_per_visit = forms.DecimalField(
        label=_("Hours per visit"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
        help_text=_("From 0.25 to 24, e.g. 1.5 for an hour and a half."),
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    notes = _text(_("How the service is delivered"), required=False)

    def __init__(self, *args: Any, plan: ServicePlan, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from cus.qualification.applications import Application

        self.fields["service"].queryset = (  # type: ignore[attr-defined]
            Service.objects.filter(status="published", municipality_id=plan.municipality_id)
            .select_related("organization")
            .order_by(Alphabetical("name"), "pk")
        )
        self.fields["service"].label_from_instance = lambda s: f"{s.name} — {s.organization.name}"  # type: ignore[attr-defined]
        self.fields["location"].queryset = (  # type: ignore[attr-defined]
            Location.objects.filter(municipality_id=plan.municipality_id).order_by(Alphabetical("name"), "pk")
        )
        self.fields["application"].queryset = (  # type: ignore[attr-defined]
            Application.objects.restrict(user, "view")
            .filter(person_id=plan.person_id, state="qualified")
            .select_related("programme_service__service")
            .order_by("filed_at")
        )
        self.fields["application"].label_from_instance = lambda a: (  # type: ignore[attr-defined]
            f"{a.reference} — {a.programme_service.service.name} ({a.fee_per_month} PLN)"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("frequency") != rules.Frequency.MONTHLY.value
            and not data.get("weekdays")
            and "weekdays" not in self.errors
        ):
            self.add_error("weekdays", _("Choose at least one day of the week."))
        return data


class ActivityForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    description = _text(_("What and how"))
    who = forms.CharField(label=_("Who helps"), max_length=200, required=False, help_text=_("A name or a group."))
    starts_on = _date(_("Starts on"), required=False, help_text=_("Optional; within the plan's dates."))
    ends_on = _date(_("Ends on"), required=False, help_text=_("Optional; within the plan's dates."))


class AgreementRecordForm(StyledForm):
    agreed_on = _date(_("Agreed on"), help_text=_("Not before the application and not in the future."))
    form = forms.ChoiceField(label=_("Form of agreement"), choices=AgreementForm.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SubmitForm(StyledForm):
    reason = _text(
        _("Reason for the update"),
        required=False,
        help_text=_("Required for an update: changed needs, a new programme, …"),
    )


class DecisionNoteForm(StyledForm):
    note = _text(_("Note"), required=False, help_text=_("Optional for an approval."))


class ReturnForm(StyledForm):
    note = _text(_("What must change"), help_text=_("The coordinator sees this note."))


class CancelForm(StyledForm):
    reason = _text(_("Why the plan is cancelled"), help_text=_("E.g. the person withdrew before agreeing."))


class StartUpdateForm(StyledForm):
    pass


class NoteForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices, initial=NoteKind.NOTE)
    noted_on = _date(_("Date"), help_text=_("Today or earlier."))
    text = _text(_("What was found or agreed"), rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"noted_on": timezone.localdate(), "kind": NoteKind.NOTE})
        super().__init__(*args, **kwargs)


class ItemEndForm(StyledForm):
    ended_on = _date(_("Ends on"), help_text=_("Within the service's dates, not before its last recorded visit."))
    end_reason = forms.CharField(
        label=_("Reason for ending"), max_length=300, help_text=_("E.g. the person went into hospital.")
    )


class GoalProgressForm(StyledForm):
    noted_on = _date(_("Date"), help_text=_("Today or earlier."))
    progress = forms.IntegerField(
        label=_("Progress (percent)"),
        min_value=0,
        max_value=100,
        help_text=_("From 0 to 100; at 100 the goal is marked achieved."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    value = forms.CharField(label=_("Value reached"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Unchanged (or achieved at 100%)")), *GoalStatus.choices],
        required=False,
    )
    note = _text(_("Note"), required=False)

    def __init__(self, *args: Any, goal: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"noted_on": timezone.localdate(), "progress": goal.progress})
        super().__init__(*args, **kwargs)


class CloseForm(StyledForm):
    """Closing the plan (art. 45): reason, closing interview, the description of the course and results, and the
    outcome of every goal."""

    closed_on = _date(_("Closed on"), help_text=_("Today or earlier, not before the plan started."))
    closing_reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=ClosingReason.choices, widget=forms.RadioSelect
    )
    closing_reason_details = _text(
        _("Grounds in detail"), required=False, help_text=_("Required on the person's resignation or other grounds.")
    )
    closing_interview_on = _date(_("Closing interview held on"))
    closing_interview_notes = _text(_("What the closing interview found"), rows=4)
    course_description = _text(
        _("Description of the course and results (art. 45)"),
        rows=8,
        help_text=_(
            "How the plan went and what it achieved; at least a few sentences. It goes into the closing document."
        ),
    )

    OUTCOMES = [(value, label) for value, label in GoalStatus.choices if value != GoalStatus.OPEN]

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"closed_on": timezone.localdate(), "closing_interview_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            name = f"goal_{goal.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Outcome: %(goal)s") % {"goal": str(goal)[:80]},
                choices=[("", _("Choose…")), *self.OUTCOMES],
                initial="" if goal.status == GoalStatus.OPEN else goal.status,
                required=False,
                help_text=_("Indicator: %(indicator)s; target %(target)s by %(date)s.")
                % {"indicator": goal.indicator, "target": goal.target, "date": goal.target_date.strftime("%d.%m.%Y")},
            )
        from cus.core.forms import style_widgets

        style_widgets(self)

    def goal_fields(self) -> list[Any]:
        return [self[f"goal_{goal.pk}"] for goal in self.goals]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "closed_on": data["closed_on"],
            "reason": data["closing_reason"],
            "reason_details": data.get("closing_reason_details", ""),
            "interview_on": data["closing_interview_on"],
            "interview_notes": data["closing_interview_notes"],
            "course_description": data["course_description"],
            "goal_outcomes": {goal.pk: data[f"goal_{goal.pk}"] for goal in self.goals if data.get(f"goal_{goal.pk}")},
        }


class PlanFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Reference or surname"), required=False, max_length=100, help_text=_("E.g. CUS.4012.3.2026 or Kowal.")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open (not closed or cancelled)")), ("", _("All")), *PlanStatus.choices],
    )
    coordinator = CoordinatorChoiceField(label=_("Coordinator"), queryset=User.objects.none(), required=False)
    mine = forms.BooleanField(label=_("Only plans I coordinate"), required=False)
    overdue = forms.BooleanField(label=_("Only plans with something overdue"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from cus.accounts.permissions import municipality_ids_for

        ids = municipality_ids_for(user, "plans.view_serviceplan")
        coordinator_ids = ServicePlan.objects.filter(municipality_id__in=ids).values("coordinator_id")
        self.fields["coordinator"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            Q(pk__in=coordinator_ids)
        ).order_by(Alphabetical("full_name"), "pk")
