"""Form rendering shared by every app: Bootstrap classes, labelled fields, errors beside fields and in a summary."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting

from cus.core.models import Centre


class CusFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


def style_widgets(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.CheckboxInput)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CentreForm(forms.ModelForm[Centre]):
    class Meta:
        model = Centre
        fields = [
            "name",
            "street_address",
            "postal_code",
            "city",
            "bip_url",
            "email",
            "phone",
            "appeal_body_name",
            "appeal_body_address",
        ]
        widgets = {"postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)
