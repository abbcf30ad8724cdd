"""Template helpers of the public portal: names in the active language, fees, ages, opening hours."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from cus.catalog.models import FeeKind, PhoneType, Weekday
from cus.core.collation import polish_sort_key

register = template.Library()


@register.filter
def term_name(term: Any) -> str:
    """A taxonomy term in the active language (the Polish name when there is no English one)."""
    return str(term.display_name)


@register.filter
def by_name(items: Any) -> list[Any]:
    """Objects with a ``name`` in Polish alphabetical order (Ł after L, Ż after Z)."""
    return sorted(items, key=lambda item: polish_sort_key(item.name))


@register.filter
def language_name(code: str) -> str:
    """An ISO 639-1 code as the language's name in the active language ("uk" → "ukraiński")."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@register.simple_tag
def fee_text(service: Any) -> str:
    """Free / 25,00 PLN per hour / depending on income."""
    if service.fee_kind == FeeKind.FREE:
        return _("Free of charge")
    unit = service.get_fee_unit_display() if service.fee_unit else ""
    if service.fee_kind == FeeKind.FIXED and service.fee_amount is not None:
        amount = number_format(service.fee_amount, 2, use_l10n=True)
        return f"{amount} PLN {unit}".strip()
    if unit:
        return _("Depends on income (%(unit)s)") % {"unit": unit}
    return _("Depends on income")


@register.simple_tag
def age_text(service: Any) -> str:
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        return _("Aged %(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return _("Aged %(low)s or more") % {"low": low}
    if high is not None:
        return _("Aged up to %(high)s") % {"high": high}
    return ""


@register.simple_tag
def weekly_hours(service_at_location: Any) -> list[dict[str, Any]]:
    """Each weekday (Monday first) with the opening hours still valid (``current_schedules``, set by
    ``published_service``; else all the place's hours); an empty list of hours means closed."""
    schedules = getattr(service_at_location, "current_schedules", None)
    if schedules is None:
        schedules = service_at_location.schedules.all()
    by_day: dict[int, list[Any]] = {day: [] for day in Weekday.values}
    for schedule in schedules:
        by_day[schedule.weekday].append(schedule)
    return [{"label": Weekday(day).label, "hours": by_day[day]} for day in Weekday.values]


@register.filter
def wheelchair_accessible(service: Any) -> bool:
    """Some place of the service is accessible for wheelchair users (annotated ``wheelchair_place`` in the results
    list, else from its prefetched places)."""
    annotated = getattr(service, "wheelchair_place", None)
    if annotated is not None:
        return bool(annotated)
    return any(place.location.wheelchair_accessible for place in service.service_at_locations.all())


def _tel(number: str) -> SafeString:
    return format_html('<a href="tel:{}">{}</a>', number.replace(" ", ""), number)


@register.simple_tag
def phone_item(phone: Any) -> SafeString:
    """A further phone number as a list item: its kind, the number (a link to call, except a fax), the extension
    and the note (escaped by ``format_html``)."""
    number = phone.number if phone.type == PhoneType.FAX else _tel(phone.number)
    extension = format_html(" {} {}", _("ext."), phone.extension) if phone.extension else ""
    note = format_html(' (<span lang="pl">{}</span>)', phone.description) if phone.description else ""
    return format_html("<li><strong>{}:</strong> {}{}{}</li>", phone.get_type_display(), number, extension, note)


@register.simple_tag
def contact_item(contact: Any) -> SafeString:
    """A contact person as a list item: name, title, department, phone (a link to call), e-mail (a link). Notes,
    titles and departments are the centre's Polish words: marked so for screen readers on the English page."""
    parts = [(format_html('<span lang="pl">{}</span>', part),) for part in (contact.title, contact.department) if part]
    if contact.phone:
        parts.append((_tel(contact.phone),))
    if contact.email:
        parts.append((format_html('<a href="mailto:{0}" class="portal-url">{0}</a>', contact.email),))
    return format_html("<li>{}{}</li>", contact.name, format_html_join("", ", {}", parts))
