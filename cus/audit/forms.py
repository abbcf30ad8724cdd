from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cus.audit.models import AuditAction
from cus.core.forms import StyledForm


class AuditSearchForm(StyledForm):
    person = forms.CharField(label=_("Person"), required=False, help_text=_("Name or identifier of the person."))
    user = forms.CharField(label=_("User"), required=False, help_text=_("Name or e-mail of who acted."))
    object = forms.CharField(label=_("Object"), required=False, help_text=_("Object type, id or name."))
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action: Any = self.fields["action"]
        action.choices = [("", _("Any")), *AuditAction.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data
