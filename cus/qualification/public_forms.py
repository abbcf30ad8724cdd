"""Forms of the portal's online application and status check (no account)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cus.core.forms import StyledForm
from cus.core.models import postal_code_validator
from cus.qualification.applications import LIABILITY_CLAUSE, ApplicantRelation, attachment_max_bytes
from cus.residents.models import validate_pesel

ATTACHMENTS = 3


def _pesel() -> forms.CharField:
    return forms.CharField(
        label=_("PESEL"),
        min_length=11,
        max_length=11,
        validators=[validate_pesel],
        help_text=_("11 digits: the PESEL of the person the application is for."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class OnlineApplicationForm(StyledForm):
    applicant_relation = forms.ChoiceField(
        label=_("Who is filing"),
        choices=ApplicantRelation.choices,
        initial=ApplicantRelation.SELF,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(
        label=_("Your name and surname"),
        required=False,
        max_length=200,
        help_text=_("Only when you file for someone else as their legal representative or de facto carer."),
    )
    pesel = _pesel()
    first_name = forms.CharField(
        label=_("First name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Surname"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    street = forms.CharField(label=_("Street"), max_length=150, required=False)
    building = forms.CharField(label=_("Building number"), max_length=20)
    flat = forms.CharField(label=_("Flat number"), max_length=20, required=False)
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=6,
        validators=[postal_code_validator],
        help_text=_("E.g. 00-950."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    town = forms.CharField(label=_("Town"), max_length=100)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The confirmation with your tracking code is sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    truth = forms.BooleanField(label=_("The data given in this application are true."))
    notice = forms.BooleanField(
        label=_("I have read the information on how the centre processes personal data for this application.")
    )

    def __init__(self, *args: Any, conditions: list[str], **kwargs: Any) -> None:
        self.conditions = conditions
        super().__init__(*args, **kwargs)
        for index, text in enumerate(conditions):
            self.fields[f"condition_{index}"] = forms.BooleanField(
                label=_("I meet the condition: %(condition)s") % {"condition": text},
                help_text=LIABILITY_CLAUSE,
            )
        limit = attachment_max_bytes() // (1024 * 1024)
        for index in range(1, ATTACHMENTS + 1):
            self.fields[f"attachment_{index}"] = forms.FileField(
                label=_("Document %(number)s") % {"number": index},
                required=False,
                help_text=_("PDF, JPEG or PNG, at most %(mb)s MB.") % {"mb": limit},
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
            )
        self.fields["truth"].help_text = LIABILITY_CLAUSE
        from cus.core.forms import style_widgets

        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        relation = data.get("applicant_relation")
        if relation and relation != ApplicantRelation.SELF and not (data.get("applicant_name") or "").strip():
            self.add_error("applicant_name", _("Give your name and surname."))
        limit = attachment_max_bytes()
        for index in range(1, ATTACHMENTS + 1):
            upload = data.get(f"attachment_{index}")
            if upload is not None and upload.size > limit:
                self.add_error(
                    f"attachment_{index}",
                    _("The file is too big: at most %(limit)s MB.") % {"limit": limit // (1024 * 1024)},
                )
        return data

    def statements(self) -> list[str]:
        """Each statement as shown, with the clause of art. 36 ust. 2."""
        shown = [str(self.fields[f"condition_{i}"].label) for i in range(len(self.conditions))]
        shown.append(str(self.fields["truth"].label))
        return [f"{text} {LIABILITY_CLAUSE}" for text in shown]

    def attachment_fields(self) -> list[str]:
        return [f"attachment_{index}" for index in range(1, ATTACHMENTS + 1)]


class StatusForm(StyledForm):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        help_text=_("From the e-mail confirming the application, e.g. ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    pesel = forms.CharField(
        label=_("PESEL"),
        max_length=11,
        help_text=_("Of the person the application is for."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
