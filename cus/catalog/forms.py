"""Forms of the staff catalog screens. They check input; the catalog's service functions apply the rules."""

from __future__ import annotations

from operator import attrgetter
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cus.catalog import queries
from cus.catalog.models import (
    Contact,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    ScheduleException,
    Service,
    ServiceStatus,
)
from cus.catalog.services import LOCATION_FIELDS, ORGANIZATION_FIELDS
from cus.catalog.validators import validate_phone
from cus.core.collation import Alphabetical
from cus.core.forms import StyledForm, style_widgets


class ServiceFilterForm(StyledForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *ServiceStatus.choices])
    area = forms.ChoiceField(label=_("Area"), required=False)
    organization = forms.ChoiceField(label=_("Provider"), required=False)
    municipality = forms.ChoiceField(label=_("Municipality served"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        cast("forms.ChoiceField", self.fields["area"]).choices = any_choice + [
            (t.code, f"{t.code} {t.display_name}") for t in queries.area_terms()
        ]
        cast("forms.ChoiceField", self.fields["organization"]).choices = any_choice + [
            (str(o.pk), o.name) for o in queries.organizations_for(user)
        ]
        cast("forms.ChoiceField", self.fields["municipality"]).choices = any_choice + [
            (m.teryt, m.name) for m in queries.municipalities_for(user, "catalog.view_service")
        ]

    def filters(self) -> dict[str, str]:
        # A stale value in one filter (e.g. a provider since removed) drops that filter, not all of them.
        self.is_valid()
        return {
            name: self.cleaned_data.get(name) or "" for name in ("q", "status", "area", "organization", "municipality")
        }


class MunicipalityChoiceMixin:
    """A "municipality" choice among those the user may add to, shown only when there is more than one."""

    def add_municipality_field(self, user: Any, permission: str) -> None:
        fields: Any = self.fields  # type: ignore[attr-defined]
        municipalities = queries.municipalities_for(user, permission)
        fields["municipality"] = forms.ModelChoiceField(
            label=_("Municipality (catalog)"), queryset=municipalities, empty_label=None
        )
        fields["municipality"].widget.attrs["class"] = "form-select"
        if municipalities.count() == 1:
            fields["municipality"].widget = forms.HiddenInput()
            fields["municipality"].initial = municipalities.first()


class PhoneMixin:
    """Checks the ``phone`` field as a Polish number (+48 and nine digits, spaces allowed)."""

    cleaned_data: dict[str, Any]

    def clean_phone(self) -> str:
        phone = " ".join((self.cleaned_data.get("phone") or "").split())
        validate_phone(phone)
        return phone


class ServiceForm(PhoneMixin, MunicipalityChoiceMixin, forms.ModelForm[Service]):
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=100,
        help_text=_("ISO 639-1 codes separated by commas, e.g. pl, uk, en."),
    )

    class Meta:
        model = Service
        fields = [
            "organization",
            "name",
            "alternate_name",
            "description",
            "areas",
            "target_groups",
            "municipalities_served",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "fee_kind",
            "fee_amount",
            "fee_unit",
            "fees_description",
            "application_process",
            "capacity",
            "wait_time",
            "accessibility",
            "url",
            "email",
            "phone",
        ]
        widgets = {
            "areas": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "municipalities_served": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "eligibility_description": forms.Textarea(attrs={"rows": 3}),
            "fees_description": forms.Textarea(attrs={"rows": 2}),
            "application_process": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creating = self.instance._state.adding
        self.fields["organization"].queryset = queries.organizations_for(  # type: ignore[attr-defined]
            user, action="view", active=True, keep=self.instance.organization_id
        )
        for name, terms in (("areas", queries.area_terms()), ("target_groups", queries.target_group_terms())):
            field = cast("forms.ModelMultipleChoiceField", self.fields[name])
            field.queryset = terms
            field.label_from_instance = attrgetter("display_name")  # type: ignore[method-assign,assignment]
        from cus.core.models import Municipality

        self.fields["municipalities_served"].queryset = Municipality.objects.order_by(Alphabetical("name"))  # type: ignore[attr-defined]
        if user.centre is not None:
            self.fields["municipalities_served"].queryset = user.centre.municipalities.order_by(Alphabetical("name"))  # type: ignore[attr-defined]
        if creating:
            self.add_municipality_field(user, "catalog.add_service")
        else:
            self.initial["languages"] = ", ".join(self.instance.languages or [])
        style_widgets(self)

    def clean_languages(self) -> list[str]:
        text = self.cleaned_data.get("languages") or ""
        return [code.strip().lower() for code in text.replace(";", ",").split(",") if code.strip()]

    def _post_clean(self) -> None:
        # The model checks the codes (Service.clean); its error lands beside this field.
        self.instance.languages = self.cleaned_data.get("languages", [])
        super()._post_clean()  # type: ignore[misc]

    def service_fields(self) -> dict[str, Any]:
        from cus.catalog.services import SERVICE_FIELDS

        data = {name: self.cleaned_data[name] for name in SERVICE_FIELDS if name in self.cleaned_data}
        data["languages"] = self.cleaned_data.get("languages", [])
        return data


class DocumentForm(forms.ModelForm[RequiredDocument]):
    class Meta:
        model = RequiredDocument
        fields = ["document", "uri"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


DocumentFormSet = forms.formset_factory(DocumentForm, extra=2, can_delete=True, max_num=50, validate_max=True)


class OrganizationForm(PhoneMixin, MunicipalityChoiceMixin, forms.ModelForm[Organization]):
    class Meta:
        model = Organization
        fields = [name for name in ORGANIZATION_FIELDS if name != "parent"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.add_municipality_field(user, "catalog.add_organization")
        style_widgets(self)


class LocationForm(PhoneMixin, MunicipalityChoiceMixin, forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = list(LOCATION_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "transportation": forms.Textarea(attrs={"rows": 2}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = queries.organizations_for(  # type: ignore[attr-defined]
            user, active=True, keep=self.instance.organization_id
        )
        if self.instance._state.adding:
            self.add_municipality_field(user, "catalog.add_location")
        style_widgets(self)


class ContactForm(PhoneMixin, forms.ModelForm[Contact]):
    """A contact person of a provider, a service or a location."""

    class Meta:
        model = Contact
        fields = ["name", "title", "department", "email", "phone"]
        help_texts = {
            "phone": _("Nine digits, optionally after +48, e.g. +48 22 123 45 67."),
            "email": _("Give a phone number, an e-mail address or both."),
        }
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and not self.has_error("phone"):
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        return data

    def contact_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PhoneForm(forms.ModelForm[Phone]):
    class Meta:
        model = Phone
        fields = ["number", "extension", "type", "description"]
        widgets = {"number": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}
        help_texts = {"number": _("Nine digits, optionally after +48, e.g. +48 22 123 45 67.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


PhoneFormSet = forms.formset_factory(PhoneForm, extra=2, can_delete=True, max_num=20, validate_max=True)
PHONE_FORM_FIELDS = ["number", "extension", "type", "description"]


class ServiceLocationForm(StyledForm):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none())
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, service: Service, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = queries.locations_for(user, active=True).filter(  # type: ignore[attr-defined]
            municipality_id=service.municipality_id
        )


class ScheduleForm(forms.ModelForm[Schedule]):
    class Meta:
        model = Schedule
        fields = ["weekday", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ExceptionForm(forms.ModelForm[ScheduleException]):
    class Meta:
        model = ScheduleException
        fields = ["date", "closed", "opens_at", "closes_at", "description"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


ScheduleFormSet = forms.formset_factory(ScheduleForm, extra=3, can_delete=True, max_num=50, validate_max=True)
ExceptionFormSet = forms.formset_factory(ExceptionForm, extra=1, can_delete=True, max_num=100, validate_max=True)


def formset_rows(formset: Any, fields: list[str]) -> list[dict[str, Any]]:
    """The filled, not deleted rows of a valid formset as dicts for the service functions."""
    return [
        {name: form.cleaned_data[name] for name in fields}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


SCHEDULE_FIELDS = ["weekday", "opens_at", "closes_at"]
EXCEPTION_FIELDS = ["date", "closed", "opens_at", "closes_at", "description"]


class ImportForm(MunicipalityChoiceMixin, StyledForm):
    file = forms.FileField(label=_("File (CSV or XLSX)"), help_text=_("At most 5 MB and 5,000 rows."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_municipality_field(user, "catalog.import_service")
        self.order_fields(["municipality", "file"])
