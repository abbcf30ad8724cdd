"""Forms of the programme screens. They check input field by field; the service functions apply the rules that span
rows and sections (the catalog's municipality, budget years within the period, the status workflow)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cus.catalog.models import Service, ServiceStatus
from cus.core.collation import Alphabetical
from cus.core.forms import StyledForm, style_widgets
from cus.programme import queries
from cus.programme.models import (
    BudgetLine,
    DataCategory,
    EligibilityRule,
    Indicator,
    Programme,
    ProgrammeService,
    ProgrammeStatus,
    Relief,
)
from cus.programme.services import (
    BUDGET_ROW_FIELDS,
    INDICATOR_ROW_FIELDS,
    PROGRAMME_FIELDS,
    RELIEF_ROW_FIELDS,
    RULE_ROW_FIELDS,
    SERVICE_ROW_FIELDS,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgrammeFilterForm(StyledForm):
    q = forms.CharField(label=_("Name or resolution"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *ProgrammeStatus.choices])
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ChoiceField", self.fields["municipality"]).choices = [("", _("Any"))] + [
            (m.teryt, m.name) for m in queries.municipalities_for(user, "programme.view_programme")
        ]

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "status", "municipality")}


# The content of art. 5 ust. 3 in the act's order, then the resolution.
FORM_ORDER = [
    "municipality",
    "name",
    "goal",
    "start_date",
    "end_date",
    "needs_description",
    "participants_profile",
    "expected_participants",
    "qualification_procedure",
    "fee_rules",
    "documentation",
    "personal_data",
    "data_safeguards",
    "organisation",
    "monitoring",
    "resolution_number",
    "resolution_date",
    "publication_reference",
    "bip_url",
]


class ProgrammeForm(forms.ModelForm[Programme]):
    personal_data = forms.MultipleChoiceField(
        label=_("Personal data collected for qualifying"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only what qualifying needs (art. 5 ust. 3 pkt 9). Health, disability and conviction data are special "
            "categories (GDPR art. 9 and 10): describe the safeguards below."
        ),
    )

    class Meta:
        model = Programme
        fields = [name for name in PROGRAMME_FIELDS if name != "personal_data"]
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 3}),
            "needs_description": forms.Textarea(attrs={"rows": 4}),
            "participants_profile": forms.Textarea(attrs={"rows": 3}),
            "qualification_procedure": forms.Textarea(attrs={"rows": 3}),
            "organisation": forms.Textarea(attrs={"rows": 3}),
            "monitoring": forms.Textarea(attrs={"rows": 3}),
            "documentation": forms.Textarea(attrs={"rows": 2}),
            "fee_rules": forms.Textarea(attrs={"rows": 3}),
            "data_safeguards": forms.Textarea(attrs={"rows": 2}),
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "resolution_date": DATE_WIDGET,
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start_date", "end_date", "resolution_date"):
            self.fields[name].widget = _date_widget()
        if self.instance._state.adding:
            municipalities = queries.municipalities_for(user, "programme.add_programme")
            field = forms.ModelChoiceField(
                label=_("Municipality whose council adopts the programme"),
                queryset=municipalities,
                empty_label=None,
            )
            self.fields["municipality"] = field
            if municipalities.count() == 1:
                field.widget = forms.HiddenInput()
                field.initial = municipalities.first()
        else:
            self.initial["personal_data"] = list(self.instance.personal_data or [])
        self.order_fields(FORM_ORDER)
        style_widgets(self)

    def _post_clean(self) -> None:
        # The model checks the categories and the safeguards; its errors land beside these fields.
        self.instance.personal_data = self.cleaned_data.get("personal_data", [])
        super()._post_clean()  # type: ignore[misc]

    def programme_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PROGRAMME_FIELDS if name in self.cleaned_data}


def _service_choices(user: Any) -> Any:
    return (
        Service.objects.restrict(user, "view")
        .exclude(status=ServiceStatus.ARCHIVED)
        .select_related("municipality")
        .order_by(Alphabetical("name"), "pk")
    )


class _ServiceLabelChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.municipality.name})"


class ProgrammeServiceForm(forms.ModelForm[ProgrammeService]):
    service = _ServiceLabelChoice(label=_("Service"), queryset=Service.objects.none())

    class Meta:
        model = ProgrammeService
        fields = [name for name in SERVICE_ROW_FIELDS if name != "service"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField", self.fields["service"]).queryset = _service_choices(user)  # type: ignore[type-arg]
        self.order_fields(["service"])
        style_widgets(self)


class _ScopedRowForm:
    """A row that applies to the whole programme or to one of its services."""

    def add_service_field(self, user: Any) -> None:
        fields: Any = self.fields  # type: ignore[attr-defined]
        fields["service"] = _ServiceLabelChoice(
            label=_("Service"),
            queryset=_service_choices(user),
            required=False,
            empty_label=str(_("The whole programme")),
        )
        self.order_fields(["service"])  # type: ignore[attr-defined]


class EligibilityRuleForm(_ScopedRowForm, forms.ModelForm[EligibilityRule]):
    class Meta:
        model = EligibilityRule
        fields = [name for name in RULE_ROW_FIELDS if name != "service"]
        widgets = {"text": forms.TextInput()}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_service_field(user)
        style_widgets(self)


class ReliefForm(_ScopedRowForm, forms.ModelForm[Relief]):
    class Meta:
        model = Relief
        fields = [name for name in RELIEF_ROW_FIELDS if name != "service"]
        widgets = {"condition": forms.TextInput()}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_service_field(user)
        style_widgets(self)


class BudgetLineForm(forms.ModelForm[BudgetLine]):
    class Meta:
        model = BudgetLine
        fields = list(BUDGET_ROW_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class IndicatorForm(forms.ModelForm[Indicator]):
    class Meta:
        model = Indicator
        fields = list(INDICATOR_ROW_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


def _formset(form: Any, extra: int) -> Any:
    return forms.formset_factory(form, extra=extra, can_delete=True, max_num=100, validate_max=True)


ServiceFormSet = _formset(ProgrammeServiceForm, 2)
RuleFormSet = _formset(EligibilityRuleForm, 2)
ReliefFormSet = _formset(ReliefForm, 1)
BudgetFormSet = _formset(BudgetLineForm, 2)
IndicatorFormSet = _formset(IndicatorForm, 1)

# Section name → (formset class, prefix, row fields, whether the rows need the user for their choices).
SECTION_FORMSETS: dict[str, tuple[Any, tuple[str, ...], bool]] = {
    "services": (ServiceFormSet, SERVICE_ROW_FIELDS, True),
    "rules": (RuleFormSet, RULE_ROW_FIELDS, True),
    "reliefs": (ReliefFormSet, RELIEF_ROW_FIELDS, True),
    "budget": (BudgetFormSet, BUDGET_ROW_FIELDS, False),
    "indicators": (IndicatorFormSet, INDICATOR_ROW_FIELDS, False),
}


def section_formsets(data: Any, user: Any, initial: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    initial = initial or {}
    formsets = {}
    for name, (formset_class, _fields, needs_user) in SECTION_FORMSETS.items():
        kwargs: dict[str, Any] = {"prefix": name, "initial": initial.get(name) or None}
        if needs_user:
            kwargs["form_kwargs"] = {"user": user}
        formsets[name] = formset_class(data, **kwargs)
    return formsets


def formset_rows(formset: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The filled, not deleted rows of a valid formset as dicts for the service functions."""
    return [
        {name: form.cleaned_data.get(name) for name in fields}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def section_rows(formsets: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {name: formset_rows(formsets[name], SECTION_FORMSETS[name][1]) for name in SECTION_FORMSETS}


def section_initial(programme: Programme) -> dict[str, list[dict[str, Any]]]:
    """The saved sections as initial data of the formsets (uses the prefetched rows of ``with_sections``)."""

    def scoped(row: Any) -> Any:
        return row.programme_service.service if row.programme_service_id else None

    return {
        "services": [
            {**{n: getattr(ps, n) for n in SERVICE_ROW_FIELDS if n != "service"}, "service": ps.service}
            for ps in programme.programme_services.all()
        ],
        "rules": [
            {**{n: getattr(r, n) for n in RULE_ROW_FIELDS if n != "service"}, "service": scoped(r)}
            for r in programme.rules.all()
        ],
        "reliefs": [
            {**{n: getattr(r, n) for n in RELIEF_ROW_FIELDS if n != "service"}, "service": scoped(r)}
            for r in programme.reliefs.all()
        ],
        "budget": [{n: getattr(b, n) for n in BUDGET_ROW_FIELDS} for b in programme.budget_lines.all()],
        "indicators": [{n: getattr(i, n) for n in INDICATOR_ROW_FIELDS} for i in programme.indicators.all()],
    }


class AdoptForm(StyledForm):
    resolution_number = forms.CharField(label=_("Resolution number"), max_length=100, help_text=_("E.g. XII/85/2025."))
    resolution_date = forms.DateField(label=_("Resolution date"), widget=_date_widget())
    publication_reference = forms.CharField(
        label=_("Publication in the official journal"),
        max_length=250,
        required=False,
        help_text=_("E.g. Dz. Urz. Woj. Maz. 2025 poz. 1234; needed before the programme comes into force."),
    )
    bip_url = forms.URLField(label=_("BIP address of the resolution"), required=False, max_length=200)


class InForceForm(StyledForm):
    in_force_from = forms.DateField(
        label=_("In force from"), widget=_date_widget(), help_text=_("Usually 14 days after publication.")
    )


class CloseForm(StyledForm):
    closed_on = forms.DateField(label=_("Closed on"), widget=_date_widget())


TRANSITION_FORMS: dict[str, type[StyledForm]] = {
    "adopt": AdoptForm,
    "bring_into_force": InForceForm,
    "close": CloseForm,
}
