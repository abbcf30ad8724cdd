"""The search form of the public portal (GET, works without JavaScript)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.cache import cache
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cus.catalog.models import TaxonomyTerm, Weekday
from cus.core.forms import style_widgets
from cus.core.models import Municipality
from cus.portal.queries import AREAS_ID, TARGET_GROUPS_ID, municipalities_with_services
from cus.portal.templatetags.portal import term_name


def municipality_choices() -> list[tuple[Any, str]]:
    """Municipalities with a published service, cached for a minute: a national catalog has 2,500 of them."""
    cached: list[tuple[Any, str]] = cache.get_or_set(  # type: ignore[assignment]
        "portal:municipality-choices",
        lambda: [(m.pk, m.name) for m in municipalities_with_services().only("pk", "name")],
        timeout=60,
    )
    return [("", gettext("All municipalities")), *cached]


class FastSelect(forms.Select):
    """A select rendered by joining strings. Django renders each option through a template (about 80 µs an
    option), which made the portal's search page take 200 ms with 2,500 municipalities."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = "" if value is None else str(value[0] if isinstance(value, (list, tuple)) and value else value)
        parts = [f"<select{flatatt(final_attrs)}>"]
        for option_value, label in self.choices:
            option = "" if option_value is None else str(option_value)
            selected = " selected" if option == chosen else ""
            parts.append(f'<option value="{escape(option)}"{selected}>{escape(label)}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped above)


class TermChoiceField(forms.ModelChoiceField):
    """A taxonomy term shown in the active language."""

    def label_from_instance(self, obj: Any) -> str:
        return term_name(obj)


class PortalSearchForm(forms.Form):
    q = forms.CharField(label=_("What are you looking for?"), max_length=200, required=False)
    area = TermChoiceField(
        label=_("Area"),
        queryset=TaxonomyTerm.objects.filter(taxonomy_id=AREAS_ID).order_by("position"),
        required=False,
        empty_label=_("All areas"),
    )
    group = TermChoiceField(
        label=_("For whom"),
        queryset=TaxonomyTerm.objects.filter(taxonomy_id=TARGET_GROUPS_ID).order_by("position", "name"),
        required=False,
        empty_label=_("Everyone"),
    )
    municipality = forms.TypedChoiceField(
        label=_("Municipality"),
        choices=municipality_choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=FastSelect,
    )
    free = forms.BooleanField(label=_("Free of charge"), required=False)
    wheelchair = forms.BooleanField(label=_("Accessible for wheelchair users"), required=False)
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"),
        choices=[("", _("Any day")), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A date takes precedence over the day of the week; holidays are taken into account."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        style_widgets(self)

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid field is left out, and its error shown beside it)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "area": data.get("area"),
            "target_group": data.get("group"),
            "municipality": (
                Municipality.objects.filter(pk=data["municipality"]).first() if data.get("municipality") else None
            ),
            "free": bool(data.get("free")),
            "wheelchair": bool(data.get("wheelchair")),
            "weekday": data.get("weekday"),
            "date": data.get("date"),
        }

    def query(self) -> str:
        return str(getattr(self, "cleaned_data", {}).get("q") or "")
