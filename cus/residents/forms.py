"""Forms of the residents screens. They check input; the service functions apply the rules."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cus.core.forms import StyledForm, style_widgets
from cus.core.models import Municipality
from cus.residents.models import (
    AccessPurpose,
    ConsentForm,
    ConsentPurpose,
    DisabilityCertificate,
    HouseholdMember,
    IncomeDeclaration,
    Person,
    Relation,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("Beginning of the surname and/or first name."),
    )
    pesel = forms.RegexField(
        label=_("PESEL"), required=False, regex=r"^\d{11}$", error_messages={"invalid": _("Give all 11 digits.")}
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    purpose = forms.ChoiceField(
        label=_("Purpose of access"),
        required=False,
        choices=AccessPurpose.choices,
        help_text=_("Recorded when you open a record."),
    )


class PersonForm(forms.ModelForm[Person]):
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked the records listed above: this is a different person"), required=False
    )

    class Meta:
        model = Person
        fields = [
            "pesel",
            "document_type",
            "document_number",
            "document_country",
            "first_name",
            "second_name",
            "last_name",
            "birth_date",
            "sex",
            "citizenship",
            "street",
            "building",
            "flat",
            "postal_code",
            "town",
            "residence_municipality",
            "correspondence_address",
            "phone",
            "email",
            "notes",
        ]
        widgets = {
            "pesel": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "birth_date": DATE,
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "correspondence_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "pesel": _("11 digits. The date of birth and sex are taken from it."),
            "document_number": _("Only for a person without a PESEL."),
            "birth_date": _("Filled in from the PESEL; enter it only for a person without one."),
            "sex": _("Filled in from the PESEL; choose it only for a person without one."),
        }

    def __init__(self, *args: Any, municipality_ids: Any = (), duplicates: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("birth_date", "sex", "document_type", "document_number", "document_country"):
            self.fields[name].required = False
        residence = cast("forms.ModelChoiceField[Municipality]", self.fields["residence_municipality"])
        residence.queryset = Municipality.objects.filter(pk__in=list(municipality_ids))
        if not duplicates:
            del self.fields["confirm_not_duplicate"]
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("pesel"):
            data["pesel"] = None
            if not data.get("birth_date") and "birth_date" not in self.errors:
                self.add_error("birth_date", _("Enter the date of birth of a person without a PESEL."))
            if not data.get("sex") and "sex" not in self.errors:
                self.add_error("sex", _("Choose the sex of a person without a PESEL."))
        return data

    def _post_clean(self) -> None:
        # The service validates the whole record (with the PESEL-derived fields); skip the model's own pass here.
        pass

    def person_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields or ()}


class CertificateForm(forms.ModelForm[DisabilityCertificate]):
    class Meta:
        model = DisabilityCertificate
        fields = ["kind", "degree", "number", "issuing_body", "issued_on", "valid_until", "permanent"]
        widgets = {"issued_on": DATE, "valid_until": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def _post_clean(self) -> None:
        pass


class ConsentGiveForm(StyledForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    form = forms.ChoiceField(label=_("Form"), choices=ConsentForm.choices, help_text=_("How the consent was given."))


class AcknowledgementForm(StyledForm):
    form = forms.ChoiceField(
        label=_("Form"), choices=ConsentForm.choices, help_text=_("How the person received the notice.")
    )


class HouseholdForm(StyledForm):
    valid_from = forms.DateField(
        label=_("Living together since"), widget=DATE, initial=datetime.date.today, help_text=_("Usually today.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MemberForm(StyledForm):
    person = forms.CharField(
        label=_("Person"),
        max_length=40,
        help_text=_("The PESEL of a registered person, or the record number shown on the person's page."),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the applicant"), choices=[c for c in Relation.choices if c[0] != Relation.APPLICANT]
    )
    valid_from = forms.DateField(label=_("Member from"), widget=DATE, initial=datetime.date.today)


class MemberEndForm(StyledForm):
    valid_to = forms.DateField(label=_("Member until"), widget=DATE, initial=datetime.date.today)


NEGATIVE_INCOME = _(
    "The net income cannot be negative. Enter 0 if the person had no income from this source: a loss does not lower "
    "the household's income."
)
REASON_REQUIRED = _("Give the reason: it is kept with the change in the audit trail.")
FROZEN_FEE_HINT = _(
    "Applications already qualified keep the income and the fee frozen when they were qualified: this change does "
    "not alter them (their fee changes only by a recalculation or a new decision). The change, with the figures "
    "before and after, and the applications whose fee used this month are kept in the audit trail."
)


def _net_amount_field() -> forms.DecimalField:
    # No min_value: a negative amount gets the specific message of clean_net_amount, not the generic one.
    return forms.DecimalField(
        label=_("Net amount (PLN)"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        help_text=_("Income after tax and social insurance contributions, in złoty and grosze, e.g. 1250.00."),
    )


class _NetAmountMixin:
    cleaned_data: dict[str, Any]

    def clean_net_amount(self) -> Any:
        amount = self.cleaned_data["net_amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(NEGATIVE_INCOME, code="negative_income")
        return amount


class IncomeForm(_NetAmountMixin, forms.ModelForm[IncomeDeclaration]):
    net_amount = _net_amount_field()
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("The month the income was received in, e.g. 2026-10."),
    )

    class Meta:
        model = IncomeDeclaration
        fields = ["member", "month", "net_amount", "source", "declared_on", "document_note"]
        widgets = {"declared_on": DATE}

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = cast("forms.ModelChoiceField[HouseholdMember]", self.fields["member"])
        member.queryset = members
        member.label = _("Household member")
        member.empty_label = None
        style_widgets(self)

    def _post_clean(self) -> None:
        pass


class IncomeCorrectionForm(_NetAmountMixin, forms.ModelForm[IncomeDeclaration]):
    """Correct a declaration: the amount, the source or the supporting document, with the reason."""

    net_amount = _net_amount_field()
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED},
        help_text=_("E.g. the employer's certificate shows a different amount. Kept in the audit trail."),
    )

    class Meta:
        model = IncomeDeclaration
        fields = ["net_amount", "source", "document_note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def _post_clean(self) -> None:
        pass  # the service validates the model and applies the rules


class IncomeRemovalForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the removal"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED},
        help_text=_(
            "Why the declaration was entered in error, e.g. entered for the wrong person. Kept in the audit trail."
        ),
    )


class NoticeForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("The full information clause (GDPR art. 13). It replaces the current version for new records."),
    )
