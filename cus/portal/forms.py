"""The search form of the public portal (GET, works without JavaScript)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.cache import cache
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cus.catalog import public_cache
from cus.catalog.models import TaxonomyTerm, Weekday
from cus.core.collation import Alphabetical, polish_sort_key
from cus.core.forms import style_widgets
from cus.core.models import Municipality
from cus.portal.queries import AREAS_ID, TARGET_GROUPS_ID, municipalities_with_services
from cus.portal.templatetags.portal import term_name


def municipality_choices() -> list[tuple[Any, str]]:
    """Municipalities with a published service (a national catalog has 2,500 of them) in Polish alphabetical order,
    after "all"."""
    named = sorted(municipalities_with_services().values_list("pk", "name"), key=lambda item: polish_sort_key(item[1]))
    return [("", gettext("All municipalities")), *named]


def _term_choices(taxonomy_id: Any, empty_label: str, *ordering: str) -> list[tuple[Any, str]]:
    terms = TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id).order_by(*ordering).only("pk", "name", "name_en")
    return [("", empty_label), *((term.pk, term_name(term)) for term in terms)]


def options_html(choices: Iterable[tuple[Any, Any]]) -> str:
    """The escaped ``<option>`` elements of these choices, none selected."""
    return "".join(
        f'<option value="{escape("" if value is None else value)}">{escape(label)}</option>' for value, label in choices
    )


_options_html = functools.lru_cache(maxsize=32)(options_html)  # fixed lists (weekdays): the same few every time

FILTER_OPTIONS_SECONDS = 3600


def filter_options() -> dict[str, str]:
    """The ``<option>`` elements of the area, target group and municipality filters in the active language.

    Built from three queries and 2,500 municipalities, they are cached as HTML under the catalog's version
    (``public_cache``: bumped in the same transaction as every write to catalog data and municipalities), so a
    request reads one number instead, and a published, renamed or archived service shows in the filters as soon
    as it commits."""
    version = public_cache.current()
    key = f"portal:filter-options:{get_language()}:{version}"
    options: dict[str, str] | None = cache.get(key) if version is not None else None
    if options is None:
        options = {
            "area": options_html(_term_choices(AREAS_ID, gettext("All areas"), "position")),
            "group": options_html(_term_choices(TARGET_GROUPS_ID, gettext("Everyone"), "position", "name")),
            "municipality": options_html(municipality_choices()),
        }
        if version is not None:
            cache.set(key, options, FILTER_OPTIONS_SECONDS)
    return options


class FastSelect(forms.Select):
    """A select rendered by joining strings. Django renders each option through a template (about 80 µs an
    option), which made the portal's search page take 200 ms with 2,500 municipalities; the escaped options are
    kept (``options_source``: a function giving them ready, or else built once per list of ``choices``) and only the
    chosen one is marked on each request."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = (), options_source: Any = None) -> None:
        super().__init__(attrs, choices)
        self.options_source = options_source  # gives the escaped options, read on each render instead of ``choices``

    def use_required_attribute(self, initial: Any) -> bool:
        return False if self.options_source is not None else super().use_required_attribute(initial)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = "" if value is None else str(value[0] if isinstance(value, (list, tuple)) and value else value)
        if self.options_source is not None:
            options = self.options_source()
        else:
            options = _options_html(tuple(("" if v is None else str(v), str(label)) for v, label in self.choices))
        plain = f'<option value="{escape(chosen)}">'
        options = options.replace(plain, f'<option value="{escape(chosen)}" selected>', 1)
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")  # noqa: S308 (escaped above)


class MunicipalityField(forms.TypedChoiceField):
    """The municipality filter. Its 2,500 choices are neither normalised by Django on every request (12 ms) nor
    rendered through templates (``FastSelect`` takes them from ``filter_options``); a submitted value is checked
    with one query."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=(), coerce=int, empty_value=None, widget=FastSelect, **kwargs)

    @property  # type: ignore[override]
    def choices(self) -> list[tuple[Any, str]]:
        return municipality_choices()

    @choices.setter
    def choices(self, value: Any) -> None:
        self._choices = ()  # always read when asked (see above)

    def valid_value(self, value: Any) -> bool:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            return False
        return municipalities_with_services().filter(pk=pk).exists()


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
        queryset=TaxonomyTerm.objects.filter(taxonomy_id=TARGET_GROUPS_ID).order_by("position", Alphabetical("name")),
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
        for name in ("area", "group", "municipality"):  # read once per form, only if rendered
            self.fields[name].widget.options_source = functools.partial(self._filter_options, name)
        style_widgets(self)

    @functools.cached_property
    def _options(self) -> dict[str, str]:
        return filter_options()

    def _filter_options(self, name: str) -> str:
        return self._options[name]

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
