"""The search form of the public portal (GET, works without JavaScript)."""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=16)
def _options_html(choices: tuple[tuple[str, str], ...]) -> str:
    """The escaped ``<option>`` elements of these choices, none selected (the same few lists serve every request)."""
    return "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices)


class FastSelect(forms.Select):
    """A select rendered by joining strings. Django renders each option through a template (about 80 µs an
    option), which made the portal's search page take 200 ms with 2,500 municipalities; the escaped options of a
    list of choices are kept, and only the chosen one is marked on each request."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = (), source: Any = None) -> None:
        super().__init__(attrs, choices)
        self.source = source  # a function giving the choices, read on each render instead of ``choices``

    def use_required_attribute(self, initial: Any) -> bool:
        return False if self.source is not None else super().use_required_attribute(initial)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = "" if value is None else str(value[0] if isinstance(value, (list, tuple)) and value else value)
        given = self.source() if self.source is not None else self.choices
        choices = tuple(("" if v is None else str(v), str(label)) for v, label in given)
        options = _options_html(choices)
        if any(v == chosen for v, _label in choices):
            plain = f'<option value="{escape(chosen)}">'
            options = options.replace(plain, f'<option value="{escape(chosen)}" selected>', 1)
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")  # noqa: S308 (escaped above)


class MunicipalityField(forms.TypedChoiceField):
    """The municipality filter. Its 2,500 choices are neither normalised by Django on every request (12 ms) nor
    rendered through templates: ``FastSelect`` reads them from ``municipality_choices`` and a submitted value is
    checked by membership."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=(), coerce=int, empty_value=None, widget=FastSelect(source=municipality_choices), **kwargs
        )

    @property  # type: ignore[override]
    def choices(self) -> list[tuple[Any, str]]:
        return municipality_choices()

    @choices.setter
    def choices(self, value: Any) -> None:
        self._choices = ()  # always read from the cache (see above)

    def valid_value(self, value: Any) -> bool:
        return str(value) in {str(pk) for pk, _name in municipality_choices()}


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
        widget=FastSelect,
    )
    group = TermChoiceField(
        label=_("For whom"),
        queryset=TaxonomyTerm.objects.filter(taxonomy_id=TARGET_GROUPS_ID).order_by("position", "name"),
        required=False,
        empty_label=_("Everyone"),
        widget=FastSelect,
    )
    municipality = MunicipalityField(label=_("Municipality"), required=False)
    free = forms.BooleanField(label=_("Free of charge"), required=False)
    wheelchair = forms.BooleanField(label=_("Accessible for wheelchair users"), required=False)
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"),
        choices=[("", _("Any day")), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=FastSelect,
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
