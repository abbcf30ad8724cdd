"""Reading the catalog for the staff screens, the staff API and the export: filters, sorting, change history."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cus.accounts.permissions import municipality_ids_for
from cus.audit.models import AuditEntry
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    Contact,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
    Weekday,
)
from cus.catalog.search import search_services
from cus.core.collation import Alphabetical, sort_keys
from cus.core.models import Municipality

# Sort keys of the service list (column headers and the API's ``sort``): key → ordering; "-key" reverses it.
SERVICE_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "status": ("status", "name", "pk"),
    "updated": ("updated_at", "pk"),
}


def _clean_text(value: str | None) -> str:
    # A NUL character cannot reach the database (PostgreSQL refuses it); it never matches anything anyway.
    return (value or "").replace("\x00", "").strip()


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def service_ordering(sort: str) -> list[Any]:
    key = sort.removeprefix("-")
    fields = SERVICE_SORTS.get(key, SERVICE_SORTS["name"])
    return sort_keys(Service, fields, descending=sort.startswith("-") and key in SERVICE_SORTS)


def services_for(
    user: Any,
    *,
    action: str = "view",
    q: str = "",
    status: str = "",
    area: str = "",
    organization: Any = None,
    municipality: str = "",
    sort: str = "name",
) -> QuerySet[Service]:
    """The services the user may see, filtered: ``area`` is a term code ("04"), ``municipality`` a TERYT code
    (the municipality served), ``organization`` a provider id; free text goes through the search engine."""
    services: QuerySet[Service] = Service.objects.restrict(user, action)
    if status in ServiceStatus.values:
        services = services.filter(status=status)
    area = _clean_text(area)
    if area:
        # Subqueries, not joins: no duplicate rows, so no DISTINCT to get in the way of the search engine's ranking.
        in_area = Service.areas.through.objects.filter(
            taxonomyterm__taxonomy_id=str(AREAS_TAXONOMY_ID), taxonomyterm__code=area
        )
        services = services.filter(pk__in=in_area.values("service_id"))
    if organization:
        organization_id = parse_uuid(organization)
        services = services.filter(organization_id=organization_id) if organization_id else services.none()
    municipality = _clean_text(municipality)
    if municipality:
        served = Service.municipalities_served.through.objects.filter(municipality__teryt=municipality)
        services = services.filter(pk__in=served.values("service_id"))
    query = _clean_text(q)
    services = services.select_related("organization", "municipality").prefetch_related("areas")
    if query:
        services = search_services(services, query)
        # The engine ranks; the user's explicit sort (when given) wins.
        if sort and sort != "relevance":
            services = services.order_by(*service_ordering(sort))
        return services
    return services.order_by(*service_ordering(sort))


def area_terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy_id=str(AREAS_TAXONOMY_ID)).order_by("position", "code")


def target_group_terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy_id=str(TARGET_GROUPS_TAXONOMY_ID)).order_by("position", "code")


def municipalities_for(user: Any, permission: str) -> QuerySet[Municipality]:
    """The municipalities whose catalog the user may act on with ``permission`` (within the user's centre)."""
    ids = municipality_ids_for(user, permission)
    municipalities = Municipality.objects.filter(pk__in=ids)
    centre = getattr(user, "centre", None)
    if centre is not None:
        municipalities = municipalities.filter(centres=centre)
    return municipalities.order_by(Alphabetical("name"))


def organizations_for(
    user: Any, *, action: str = "view", q: str = "", active: bool = False, keep: Any = None
) -> QuerySet[Organization]:
    """Providers the user may see; ``active`` leaves out archived ones (new choices) except ``keep`` (the current
    choice of an edited row)."""
    organizations = Organization.objects.restrict(user, action).select_related("municipality")
    if active:
        organizations = organizations.filter(Q(archived_at__isnull=True) | Q(pk=keep))
    query = _clean_text(q)
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query) | Q(alternate_name__icontains=query) | Q(nip=query) | Q(regon=query)
        )
    return organizations.order_by(Alphabetical("name"), "pk")


def locations_for(user: Any, *, action: str = "view", q: str = "", active: bool = False) -> QuerySet[Location]:
    locations = Location.objects.restrict(user, action).select_related("municipality", "organization")
    if active:
        locations = locations.filter(archived_at__isnull=True)
    query = _clean_text(q)
    if query:
        locations = locations.filter(
            Q(name__icontains=query) | Q(address_1__icontains=query) | Q(city__icontains=query)
        )
    return locations.order_by(Alphabetical("name"), "pk")


def service_locations(service: Service) -> QuerySet[ServiceAtLocation]:
    return (
        ServiceAtLocation.objects.filter(service=service)
        .select_related("location")
        .prefetch_related("schedules", "schedule_exceptions")
        .order_by(Alphabetical("location__name"), "pk")
    )


def service_history(service: Service) -> QuerySet[AuditEntry]:
    """The audit entries of the service and of its rows at locations (hours are recorded on those rows)."""
    child_ids = [str(pk) for pk in ServiceAtLocation.objects.filter(service=service).values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(object_type="catalog.service", object_id=str(service.pk))
        | Q(object_type="catalog.serviceatlocation", object_id__in=child_ids)
        | Q(
            object_type="catalog.serviceatlocation",
            object_repr__startswith=f"{service.name} — ",
            municipality_id=service.municipality_id,
        )
        | Q(object_type="catalog.contact", message=f"service:{service.pk}")
    )
    return entries.exclude(action="view").order_by("-timestamp", "-id")


def organization_services(organization: Organization) -> QuerySet[Service]:
    return organization.services.order_by(Alphabetical("name"), "pk")


def location_services(location: Location) -> QuerySet[ServiceAtLocation]:
    return (
        ServiceAtLocation.objects.filter(location=location)
        .select_related("service", "service__organization")
        .prefetch_related("schedules")
        .order_by(Alphabetical("service__name"), "pk")
    )


def phones_of(owner: Service | Organization | Location) -> QuerySet[Phone]:
    return Phone.objects.filter(**{str(owner._meta.model_name): owner}).order_by("type", "number", "pk")


def contacts_of(owner: Service | Organization | Location) -> QuerySet[Contact]:
    field = str(owner._meta.model_name)  # service, organization or location: the contact's foreign keys
    return Contact.objects.filter(**{field: owner}).order_by(Alphabetical("name"), "pk")


def object_history(obj: Organization | Location) -> QuerySet[AuditEntry]:
    """The audit entries of a provider or a location and of its contact people (named in the entry's message)."""
    key = f"{obj._meta.model_name}:{obj.pk}"
    entries = AuditEntry.objects.filter(
        Q(object_type=obj._meta.label_lower, object_id=str(obj.pk)) | Q(object_type="catalog.contact", message=key)
    )
    return entries.exclude(action="view").order_by("-timestamp", "-id")


def history_for(obj: Service | Organization | Location) -> QuerySet[AuditEntry]:
    if isinstance(obj, Service):
        return service_history(obj)
    return object_history(obj)


# --- change history in words (the pages and the API) --------------------------------------------------------------


def history_row(entry: Any, model: Any = Service) -> dict[str, Any]:
    """An audit entry in words: who, when, what, and each changed field as before → after (choices as labels)."""
    before, after = entry.before or {}, entry.after or {}
    if entry.object_type == "catalog.contact":
        model = Contact
    if entry.message == "hours":
        changes = [{"field": _("opening hours"), "before": _hours_text(before), "after": _hours_text(after)}]
    elif entry.message == "phones":
        changes = [{"field": _("further phone numbers"), "before": _phones_text(before), "after": _phones_text(after)}]
    elif entry.message == "documents":
        changes = [
            {"field": _("required documents"), "before": _documents_text(before), "after": _documents_text(after)}
        ]
    else:
        model_fields: dict[str, Any] = {f.attname: f for f in model._meta.concrete_fields}
        model_fields.update({f.name: f for f in model._meta.many_to_many})
        names = entry.changed_fields or []
        if not names and entry.action in ("create", "delete"):
            names = [n for n in (after or before) if n not in ("id", "contacts")]
        changes = []
        for name in names:
            if name in HISTORY_SKIPPED:
                continue
            field = model_fields.get(name)
            label = str(field.verbose_name) if field is not None else name.replace("_", " ")
            changes.append(
                {
                    "field": label,
                    "before": _short(_choice_label(field, before.get(name))),
                    "after": _short(_choice_label(field, after.get(name))),
                }
            )
    return {"entry": entry, "changes": changes, "message": _history_message(entry)}


def _choice_label(field: Any, value: Any) -> Any:
    """A stored choice ("published") as its label ("Published"); other values unchanged."""
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    if isinstance(value, (str, int)) and value in choices:
        return str(choices[value])
    return value


HISTORY_MESSAGES = {
    "archived": gettext_lazy("archived"),
    "restored": gettext_lazy("restored from the archive"),
}


def _history_message(entry: Any) -> str:
    message = entry.message or ""
    if entry.object_type == "catalog.contact":
        return _("contact person: %(name)s") % {"name": entry.object_repr}
    if entry.object_type == "catalog.serviceatlocation":
        return entry.object_repr
    if message in ("hours", "documents", "phones"):
        return ""
    if message.startswith("status: "):
        return _("status: %(status)s") % {"status": _choice_label(Service._meta.get_field("status"), message[8:])}
    return str(HISTORY_MESSAGES.get(message, message))


def _hours_text(data: dict[str, Any]) -> str:
    days = dict(Weekday.choices)
    parts = [
        f"{days.get(row.get('weekday'), '?')} {str(row.get('opens_at', ''))[:5]}–{str(row.get('closes_at', ''))[:5]}"
        for row in data.get("schedules", [])
    ]
    exception = _("exception")
    parts += [f"{row.get('date')} ({row.get('description') or exception})" for row in data.get("exceptions", [])]
    return _short(parts)


def _phones_text(data: dict[str, Any]) -> str:
    return _short(
        [
            " ".join(filter(None, [row.get("number", ""), row.get("extension", ""), row.get("description", "")]))
            for row in data.get("phones", [])
        ]
    )


def _documents_text(data: dict[str, Any]) -> str:
    return _short([row.get("document", "") for row in data.get("required_documents", [])])


# Bookkeeping columns that change with every save: not worth a line in the history.
HISTORY_SKIPPED = frozenset({"updated_at", "created_at", "search_document", "id"})
ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")


def _short(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, str) and (match := ISO_DATETIME.match(value)):
        return f"{match[1]} {match[2]} UTC"
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= 120 else f"{text[:117]}…"
