from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from cus.accounts.models import TrainingCertificate, TrainingKind, User
from cus.accounts.roles import Role
from cus.core.forms import StyledForm, style_widgets
from cus.core.models import Municipality


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "The e-mail address or password is wrong. After %(limit)s failed attempts the account is locked "
            "for 30 minutes."
        ),
        "inactive": _("This account is deactivated. Ask the centre's administrator."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login", params={"limit": settings.AXES_FAILURE_LIMIT}
        )


class OtpTokenForm(StyledForm):
    token = forms.CharField(
        label=_("Six-digit code from the authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
        error_messages={
            "min_length": _("The code has exactly 6 digits."),
            "max_length": _("The code has exactly 6 digits."),
        },
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code has digits only."), code="digits")
        return token


class StaffForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["full_name", "email", "job_title", "phone"]
        help_texts = {
            "email": _("Used to sign in; the invitation to set a password is sent here."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class RolesForm(StyledForm):
    """One checkbox list of municipalities per role; no municipality ticked means the role is not held."""

    def __init__(
        self,
        *args: Any,
        municipalities: list[Municipality],
        initial_roles: dict[str, set[int]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(m.pk, str(m)) for m in municipalities]
        for role in Role:
            self.fields[f"role_{role.value}"] = forms.TypedMultipleChoiceField(
                label=role.label,
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=sorted((initial_roles or {}).get(role.value, set())),
            )
        self.municipalities = {m.pk: m for m in municipalities}
        style_widgets(self)

    def roles(self) -> dict[str, list[Municipality]]:
        result = {}
        for role in Role:
            ids = self.cleaned_data.get(f"role_{role.value}") or []
            if ids:
                result[role.value] = [self.municipalities[i] for i in ids]
        return result


class CertificateForm(forms.ModelForm[TrainingCertificate]):
    class Meta:
        model = TrainingCertificate
        fields = ["kind", "completed_on", "number", "issuer"]
        widgets = {"completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    kind = forms.ChoiceField(label=_("training"), choices=TrainingKind.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class TokenForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("E.g. the system that will use the token."))
    read_only = forms.BooleanField(label=_("Read only"), required=False, help_text=_("The token cannot change data."))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token without an expiry date."),
    )
