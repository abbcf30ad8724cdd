"""Forms of the application screens. They check the input's form; the rules are in ``application_services``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.forms import StyledForm
from cus.qualification import queries
from cus.qualification.applications import LIABILITY_CLAUSE, ApplicantRelation, attachment_max_bytes
from cus.residents.models import Person, validate_pesel


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _pesel_field(label: Any, *, required: bool, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=11,
        min_length=11,
        validators=[validate_pesel],
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PaperApplicationForm(StyledForm):
    """An application received on paper, entered by a worker."""

    programme_service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Service of the programme"),
        queryset=None,  # type: ignore[arg-type]
        help_text=_("Only services of programmes in force take applications."),
    )
    person_pesel = _pesel_field(
        _("PESEL of the person concerned"),
        required=True,
        help_text=_("The person must be in the register of residents; add them there first."),
    )
    applicant_relation = forms.ChoiceField(
        label=_("Who files"),
        choices=ApplicantRelation.choices,
        initial=ApplicantRelation.SELF,
        widget=forms.RadioSelect,
    )
    applicant_pesel = _pesel_field(
        _("PESEL of the applicant"),
        required=False,
        help_text=_("Only when a legal representative or a de facto carer files for the person."),
    )
    filed_on = forms.DateField(
        label=_("Date of filing"),
        widget=_date_input(),
        help_text=_("The date stamped on the paper application."),
    )
    statements = forms.CharField(
        label=_("Statements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One statement per line, as the applicant signed it; each is recorded with the clause: „%(clause)s”"
        )
        % {"clause": LIABILITY_CLAUSE},
    )
    email = forms.EmailField(
        label=_("Contact e-mail"), required=False, help_text=_("Notices about the application go here.")
    )
    priority = forms.IntegerField(
        label=_("Waiting-list priority"),
        required=False,
        initial=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0 unless the programme gives this person priority; higher moves up first."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        field: Any = self.fields["programme_service"]
        field.queryset = queries.programme_services_open_for(user)
        field.label_from_instance = lambda ps: f"{ps.service.name} — {ps.programme.name}"
        if not self.is_bound:
            self.fields["filed_on"].initial = timezone.localdate()

    def _person(self, pesel: str, field: str) -> Person | None:
        person = Person.objects.restrict(self.user, "view").filter(pesel=pesel).first()
        if person is None:
            self.add_error(field, _("No person with this PESEL is in the register of residents you may read."))
        return person

    def clean_filed_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["filed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The filing date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person_pesel"):
            data["person"] = self._person(data["person_pesel"], "person_pesel")
        relation = data.get("applicant_relation")
        if relation and relation != ApplicantRelation.SELF:
            if not data.get("applicant_pesel"):
                if "applicant_pesel" not in self.errors:
                    self.add_error("applicant_pesel", _("Give the PESEL of the representative or carer who files."))
            else:
                data["applicant"] = self._person(data["applicant_pesel"], "applicant_pesel")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        filed_on: datetime.date = data["filed_on"]
        now = timezone.localtime()
        filed_at = (
            now
            if filed_on == now.date()
            else timezone.make_aware(datetime.datetime.combine(filed_on, datetime.time(12)))
        )
        return {
            "person": data["person"],
            "programme_service": data["programme_service"],
            "applicant": data.get("applicant"),
            "applicant_relation": data["applicant_relation"],
            "filed_at": filed_at,
            "statements": [
                f"{line.strip()} {LIABILITY_CLAUSE}" if not line.strip().endswith(LIABILITY_CLAUSE) else line.strip()
                for line in data.get("statements", "").splitlines()
                if line.strip()
            ],
            "email": data.get("email", ""),
            "priority": data.get("priority") or 0,
        }


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Optional.")
    )


class RequestDocumentsForm(StyledForm):
    documents = forms.CharField(
        label=_("Documents requested"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The documents the programme lists that the applicant has not supplied (art. 36 ust. 3)."),
    )
    deadline = forms.DateField(
        label=_("Deadline"), widget=_date_input(), help_text=_("At least 7 days from delivery (KPA art. 64 § 2).")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=14)


class FindingForm(StyledForm):
    held_on = forms.DateField(label=_("Held on"), widget=_date_input())
    findings = forms.CharField(
        label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("What was found and agreed.")
    )


class QualifyForm(StyledForm):
    units_per_month = forms.DecimalField(
        label=_("Units a month"),
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        help_text=_("How many units (e.g. hours) of the service a month; the monthly fee is computed from it."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WaitingForm(StyledForm):
    priority = forms.IntegerField(
        label=_("Waiting-list priority"),
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to keep the current priority."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(StyledForm):
    facts = forms.CharField(
        label=_("Justification of facts"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In Polish, as it will appear in the decision: which facts were found and on what evidence."),
    )
    law = forms.CharField(
        label=_("Justification of law"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty for the standard text citing the provisions applied."),
    )


class ResignForm(StyledForm):
    resigned_on = forms.DateField(
        label=_("Resigned on"), widget=_date_input(), help_text=_("Fees are due up to this day.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("What the document is"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG or PNG, at most %(mb)s MB.") % {
            "mb": attachment_max_bytes() // (1024 * 1024)
        }
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


# The form each action needs (None: none beyond the button).
ACTION_FORMS: dict[str, type[StyledForm]] = {
    "request_documents": RequestDocumentsForm,
    "accept_as_complete": NoteForm,
    "start_assessment": NoteForm,
    "start_interview": NoteForm,
    "record_assessment": FindingForm,
    "record_interview": FindingForm,
    "qualify": QualifyForm,
    "put_on_waiting_list": WaitingForm,
    "refuse": RefuseForm,
    "withdraw": NoteForm,
    "leave_unexamined": NoteForm,
    "resign": ResignForm,
    "end": NoteForm,
    "note": NoteForm,
}
