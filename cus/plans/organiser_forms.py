"""Forms of the services organiser's pages: the half-year to summarise, a coordinators' meeting, an approval
authorisation and its revocation. The services check the rules again (art. 41, 46)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cus.accounts.models import User
from cus.accounts.roles import Role
from cus.core.collation import Alphabetical
from cus.core.forms import StyledForm
from cus.core.models import Municipality
from cus.plans import rules, summary

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MEETING_ROLES = (Role.IPUS_COORDINATOR, Role.SERVICES_ORGANISER, Role.DIRECTOR)


def half_choices(today: datetime.date | None = None, *, back: int = 8) -> list[tuple[str, str]]:
    """The current half-year and the ``back`` before it, newest first: ("2026-1", "1st half of 2026")."""
    period = rules.half_year(today or timezone.localdate())
    choices = []
    for _step in range(back + 1):
        label = (
            _("1st half of %(year)s (January–June)")
            if period.starts_on.month == 1
            else _("2nd half of %(year)s (July–December)")
        ) % {"year": period.starts_on.year}
        choices.append((summary.half_key(period), label))
        period = summary.previous_half(period)
    return choices


class SummaryForm(StyledForm):
    half = forms.ChoiceField(
        label=gettext_lazy("Half-year"),
        help_text=gettext_lazy("The summary covers every plan in force at any time in the half-year (art. 46)."),
    )
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=gettext_lazy("All municipalities of the centre"),
        help_text=gettext_lazy("A joint centre can summarise one member municipality."),
    )

    def __init__(self, *args: Any, municipality_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["half"]
        field.choices = half_choices()
        municipality: Any = self.fields["municipality"]
        municipality.queryset = Municipality.objects.filter(pk__in=municipality_ids).order_by(Alphabetical("name"))
        if len(municipality_ids) < 2:
            del self.fields["municipality"]

    def clean_half(self) -> rules.Period:
        period = summary.parse_half(self.cleaned_data["half"])
        if period is None:
            raise forms.ValidationError(_("Choose a half-year from the list."))
        return period


def centre_staff(centre_id: int, roles: tuple[str, ...]) -> Any:
    return (
        User.objects.filter(centre_id=centre_id, is_active=True, role_assignments__role__in=roles)
        .distinct()
        .order_by(Alphabetical("full_name"), "pk")
    )


class MunicipalityChoiceMixin:
    """A municipality field shown only when the user acts for several (a joint centre)."""

    fields: dict[str, Any]

    def _municipality_field(self, municipality_ids: list[int], help_text: str) -> None:
        field = self.fields["municipality"]
        field.queryset = Municipality.objects.filter(pk__in=municipality_ids).order_by(Alphabetical("name"))
        field.help_text = help_text
        if len(municipality_ids) == 1:
            field.initial = municipality_ids[0]
            field.widget = forms.HiddenInput()


class MeetingForm(MunicipalityChoiceMixin, StyledForm):
    held_on = forms.DateField(
        label=gettext_lazy("Held on"),
        widget=DATE_WIDGET,
        help_text=gettext_lazy("Record a meeting that has taken place; meetings are held at least every 3 months."),
    )
    participants = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Participants"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The IPUS coordinators, services organisers and the director who took part."),
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The matters discussed, e.g. plans nearing one year, delivery problems."),
    )
    minutes = forms.CharField(
        label=gettext_lazy("Minutes and conclusions"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("What was agreed and who does what by when."),
    )
    municipality = forms.ModelChoiceField(label=gettext_lazy("Municipality"), queryset=Municipality.objects.none())

    def __init__(self, *args: Any, centre_id: int, municipality_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        participants: Any = self.fields["participants"]
        participants.queryset = centre_staff(centre_id, MEETING_ROLES)
        participants.label_from_instance = lambda user: user.full_name
        self._municipality_field(
            municipality_ids, _("The municipality the meeting is recorded under (a joint centre keeps one register).")
        )
        self.fields["held_on"].initial = timezone.localdate()


class DelegationForm(MunicipalityChoiceMixin, StyledForm):
    delegate = forms.ModelChoiceField(
        label=gettext_lazy("Services organiser"),
        queryset=User.objects.none(),
        help_text=gettext_lazy("Only a services organiser of the centre can be authorised to approve plans (art. 41)."),
    )
    document_reference = forms.CharField(
        label=gettext_lazy("Authorisation number"),
        max_length=100,
        help_text=gettext_lazy("The number of the director's written authorisation, e.g. UP/3/2026."),
    )
    granted_on = forms.DateField(label=gettext_lazy("Granted on"), widget=DATE_WIDGET)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DATE_WIDGET)
    valid_to = forms.DateField(
        label=gettext_lazy("Valid to"),
        widget=DATE_WIDGET,
        required=False,
        help_text=gettext_lazy("Leave empty for an authorisation valid until revoked."),
    )
    municipality = forms.ModelChoiceField(label=gettext_lazy("Municipality"), queryset=Municipality.objects.none())

    def __init__(self, *args: Any, centre_id: int, municipality_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        delegate: Any = self.fields["delegate"]
        delegate.queryset = centre_staff(centre_id, (Role.SERVICES_ORGANISER,))
        delegate.label_from_instance = lambda user: user.full_name
        self._municipality_field(
            municipality_ids, _("The municipality whose plans the organiser may approve (one authorisation each).")
        )
        today = timezone.localdate()
        self.fields["granted_on"].initial = today
        self.fields["valid_from"].initial = today


class RevokeForm(StyledForm):
    revoked_on = forms.DateField(
        label=gettext_lazy("Revoked on"),
        widget=DATE_WIDGET,
        help_text=gettext_lazy("The last day the organiser may approve plans under this authorisation."),
    )
