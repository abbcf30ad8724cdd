"""Forms of the criteria and fee-table screens. They check input; the service functions apply the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.catalog.models import Service
from cus.core.collation import Alphabetical
from cus.core.forms import StyledForm, style_widgets
from cus.qualification import queries
from cus.qualification.models import BandsInvalid, FeeTable, IncomeCriterion
from cus.qualification.services import BAND_FIELDS, CRITERION_FIELDS

DATE_WIDGET = {"type": "date"}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")


class IncomeCriterionForm(forms.ModelForm[IncomeCriterion]):
    class Meta:
        model = IncomeCriterion
        fields = list(CRITERION_FIELDS)
        widgets = {"valid_from": _date_input(), "valid_to": _date_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("single_person", "per_person_in_family"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"
        style_widgets(self)

    def _post_clean(self) -> None:
        # The overlap rule runs in criterion_create, which may first end the criterion in force.
        pass


class FeeTableForm(forms.ModelForm[FeeTable]):
    class Meta:
        model = FeeTable
        fields = [
            "name",
            "scope",
            "service",
            "resolution_number",
            "resolution_date",
            "unit",
            "valid_from",
            "valid_to",
            "status",
        ]
        widgets = {
            "resolution_date": _date_input(),
            "valid_from": _date_input(),
            "valid_to": _date_input(),
        }
        help_texts = {
            "status": _("Only one table may be in force for the same services and municipality at a time."),
            "unit": _("What the unit cost is given for: an hour of care, a visit, a month or a participation."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipalities = queries.municipalities_for(user, "qualification.add_feetable")
        services = (
            Service.objects.restrict(user, "view")
            .filter(municipality__in=municipalities)
            .order_by(Alphabetical("name"))
        )
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        if self.instance._state.adding:
            field = forms.ModelChoiceField(label=_("Municipality"), queryset=municipalities, empty_label=None)
            self.fields = {"municipality": field, **self.fields}  # type: ignore[assignment]
            if municipalities.count() == 1:
                field.widget = forms.HiddenInput()
                field.initial = municipalities.first()
        style_widgets(self)

    def _post_clean(self) -> None:
        # Model rules (periods, the one-table-in-force rule) run in the service, together with the bands.
        pass

    def table_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.cleaned_data}


class FeeBandForm(StyledForm):
    income_from = forms.DecimalField(
        label=_("Income above (percentage of the criterion)"), min_value=0, max_digits=6, decimal_places=2
    )
    income_to = forms.DecimalField(
        label=_("Income up to (percentage of the criterion)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("Inclusive; empty in the last band."),
    )
    fee_single = forms.DecimalField(
        label=_("Fee, person living alone (percentage of the unit cost)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    fee_family = forms.DecimalField(
        label=_("Fee, person in a family (percentage of the unit cost)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["inputmode"] = "decimal"


class BaseFeeBandFormSet(forms.BaseFormSet[FeeBandForm]):
    def add_fields(self, form: FeeBandForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


FeeBandFormSet = forms.formset_factory(
    FeeBandForm, formset=BaseFeeBandFormSet, extra=2, can_delete=True, max_num=40, validate_max=True
)
# A new table starts with room for the usual resolution (6–10 bands); more rows come after saving.
NewFeeBandFormSet = forms.formset_factory(
    FeeBandForm, formset=BaseFeeBandFormSet, extra=10, can_delete=True, max_num=40, validate_max=True
)


def band_rows(formset: Any) -> tuple[list[dict[str, Any]], list[forms.Form]]:
    """The filled, not deleted rows of a valid formset as dicts for the service, with the form of each row."""
    rows, row_forms = [], []
    for form in formset.forms:
        if form.cleaned_data and not form.cleaned_data.get("DELETE"):
            rows.append({name: form.cleaned_data[name] for name in BAND_FIELDS})
            row_forms.append(form)
    return rows, row_forms


def apply_band_errors(exc: BandsInvalid, formset: Any, row_forms: list[forms.Form]) -> None:
    """Each row's problems beside the row they belong to."""
    for index, fields in exc.rows.items():
        if index >= len(row_forms):
            continue
        form = row_forms[index]
        for name, messages in fields.items():
            form.add_error(name if name in form.fields else None, messages)


def band_initial(table: FeeTable) -> list[dict[str, Any]]:
    return [{name: getattr(band, name) for name in BAND_FIELDS} for band in table.bands.order_by("position")]


class CalculatorForm(StyledForm):
    table = forms.ModelChoiceField(
        label=_("Fee table"), queryset=FeeTable.objects.none(), empty_label=_("Choose a table")
    )
    date = forms.DateField(
        label=_("Date"), widget=_date_input(), help_text=_("The day the fee is for: it selects the criterion.")
    )
    income_per_person = forms.DecimalField(
        label=_("Income per person (PLN a month)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Net income of the household divided by the number of its members (PS art. 8 ust. 3)."),
    )
    household = forms.ChoiceField(
        label=_("The person"),
        choices=[("single", _("lives alone")), ("family", _("lives in a family"))],
        widget=forms.RadioSelect,
        initial="single",
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost (PLN)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("The cost of one unit of the service set by the municipality, e.g. of one hour of care."),
    )
    units_per_month = forms.DecimalField(
        label=_("Units a month"), min_value=0, max_digits=6, decimal_places=2, initial=Decimal(0)
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["table"].queryset = queries.fee_tables_for(user, sort="name")  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()
        for name in ("income_per_person", "unit_cost", "units_per_month"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"
