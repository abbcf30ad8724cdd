"""Forms of the delivery pages: a visit (or a missed one), its correction or a late-correction request, the
coordinator's decision, and linking a provider user to a provider."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.forms import StyledForm
from cus.delivery.models import MissedReason, RecordStatus
from cus.delivery.services import RECORD_FIELDS


class VisitForm(StyledForm):
    """A visit as provider staff record it (the same fields the services check)."""

    date = forms.DateField(
        label=_("Date of the visit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Within the service's dates, not in the future."),
    )
    start_time = forms.TimeField(
        label=_("Start time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("For example 09:00."),
    )
    minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=5,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
        help_text=_("How long the visit lasted; for a missed visit, how long it was planned for."),
    )
    worker_name = forms.CharField(
        label=_("Delivered by"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("The worker who came (first name and surname)."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (RecordStatus.DELIVERED.value, RecordStatus.DELIVERED.label),
            (RecordStatus.MISSED.value, RecordStatus.MISSED.label),
        ],
        initial=RecordStatus.DELIVERED,
        widget=forms.RadioSelect,
    )
    missed_reason = forms.ChoiceField(
        label=_("Why the visit did not take place"),
        choices=[("", _("— only for a visit not delivered —")), *MissedReason.choices],
        required=False,
        help_text=_("Required when the visit was not delivered."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done; nothing about health beyond what the service needs."),
    )

    def __init__(self, *args: Any, allow_cancel: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allow_cancel:
            status = self.fields["status"]
            status.choices = [*status.choices, (RecordStatus.CANCELLED.value, RecordStatus.CANCELLED.label)]  # type: ignore[attr-defined]
            status.help_text = _("Choose “Entered in error” to take a record that should not exist out of the counts.")
        if not self.is_bound and "date" not in self.initial:
            self.initial["date"] = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == RecordStatus.MISSED and not data.get("missed_reason"):
            self.add_error("missed_reason", _("Say why the visit did not take place."))
        return data

    def values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in RECORD_FIELDS if name in self.cleaned_data}
        if data.get("status") != RecordStatus.MISSED:
            data["missed_reason"] = ""
        return data

    @staticmethod
    def initial_from(record: Any) -> dict[str, Any]:
        return {name: getattr(record, name) for name in RECORD_FIELDS}


class CorrectionRequestForm(VisitForm):
    """The corrected values of a record after the correction window, with the reason."""

    reason = forms.CharField(
        label=_("Why the record must be corrected"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordinator reads this before accepting or rejecting the correction."),
    )

    def changes(self, record: Any) -> dict[str, Any]:
        """Only the values that differ from the record."""
        return {name: value for name, value in self.values().items() if getattr(record, name) != value}


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: correct the record")), ("reject", _("Reject: the record stays as it is"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the provider"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject the correction."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the correction is rejected."))
        return data


class StaffLinkForm(StyledForm):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Provider user"),
        queryset=None,
        help_text=_("Users holding the provider staff role who are not linked to a provider yet."),
    )
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Provider"), queryset=None, help_text=_("The organisation whose services the user will record.")
    )

    def __init__(self, *args: Any, users: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: f"{u.full_name} ({u.email})"  # type: ignore[attr-defined]
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
