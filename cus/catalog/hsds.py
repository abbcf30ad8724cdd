"""Open Referral HSDS 3.0 objects built from the catalog's rows (the public API and the JSON export share them).

Rules of the mapping:
- Rows of our own tables keep their own UUIDs. Objects that are fields of a row in our model
  (languages, phones, addresses, accessibility, cost options, service areas, identifiers, attributes) get a
  UUID5 of the owner's id and a stable key, so the same data always has the same id.
- Empty optional fields are left out, never sent as ``null`` or ``""`` (HSDS types are plain strings/numbers).
- Times are local (Europe/Warsaw): ``opens_at`` is ``HH:MM`` and ``timezone`` is the UTC offset in hours (the
  schema's type is a number) of Warsaw on the schedule's start date, or today when it has none.
"""

from __future__ import annotations

import datetime
import functools
import uuid
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cus.catalog.models import (
    BYDAY,
    Contact,
    FeeKind,
    Location,
    LocationType,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from cus.core.models import Municipality
from cus.core.prepared import PreparedGraph
from cus.core.teryt import VOIVODESHIPS

HSDS_VERSION = "3.0"
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
CURRENCY = "PLN"

STATUS = {
    ServiceStatus.PUBLISHED: "active",
    ServiceStatus.DRAFT: "inactive",
    ServiceStatus.ARCHIVED: "defunct",
}

# Cost options: the option text tells the fee kind, amount_description the unit (read back by the import).
FEE_OPTION = {
    FeeKind.FREE: "Bezpłatnie",
    FeeKind.FIXED: "Opłata stała",
    FeeKind.INCOME: "Odpłatność zależna od dochodu",
}
FEE_UNIT_TEXT = {
    "hour": "za godzinę",
    "visit": "za wizytę",
    "day": "za dzień",
    "month": "za miesiąc",
    "once": "jednorazowo",
}

# Attribute link types: what the taxonomy term says about the service.
LINK_AREA = "service_category"
LINK_TARGET_GROUP = "audience"

WHEELCHAIR_DETAILS = "wheelchair_accessible"
WHEELCHAIR_TEXT = "Miejsce dostępne dla osób poruszających się na wózkach."
EXCEPTION_CLOSED = "closed"
EXCEPTION_HOURS = "other_hours"

LANGUAGE_NAMES = {
    "pl": "polski",
    "en": "angielski",
    "uk": "ukraiński",
    "ru": "rosyjski",
    "be": "białoruski",
    "de": "niemiecki",
    "fr": "francuski",
    "es": "hiszpański",
    "it": "włoski",
    "cs": "czeski",
    "sk": "słowacki",
    "lt": "litewski",
    "ka": "gruziński",
    "vi": "wietnamski",
    "ar": "arabski",
    "ur": "urdu",
}


def derived_id(owner_id: Any, key: str) -> str:
    """A stable id for an HSDS object that is a field of one of our rows."""
    return str(uuid.uuid5(uuid.UUID(str(owner_id)), key))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _utc_offset(day: datetime.date | None) -> float | int:
    return _utc_offset_on(day or timezone.localdate())


@functools.lru_cache(maxsize=4096)
def _utc_offset_on(day: datetime.date) -> float | int:
    moment = datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=WARSAW)
    offset = moment.utcoffset() or datetime.timedelta()
    hours = offset.total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


def _hhmm(value: datetime.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


# Prefetching: every list builds its page with a fixed number of queries, whatever its size. Each related
# queryset ends its order with the primary key, so the lists and the single service (``PUBLISHED_SERVICE``) put rows
# with equal names, days or hours in the same order on any database.


def _in_model_order(model: type[Any]) -> QuerySet[Any]:
    """The model's default order, ties broken by the primary key."""
    return model._default_manager.order_by(*model._meta.ordering, "pk")


TERMS = _in_model_order(TaxonomyTerm).select_related("taxonomy")
PHONE_ORDER = _in_model_order(Phone)
CONTACT_ORDER = _in_model_order(Contact)
SCHEDULE_ORDER = _in_model_order(Schedule)
EXCEPTION_ORDER = _in_model_order(ScheduleException)
PHONES = Prefetch("phones", queryset=PHONE_ORDER)

# What ``service_full`` reads below a service, as (prefetch path, rows in order): the service's own relations
# (also read by ``sal_full`` through its service), then its places with their schedules, contacts and phones.
SERVICE_OWN_RELATIONS: list[tuple[str, QuerySet[Any]]] = [
    ("areas", TERMS),
    ("target_groups", TERMS),
    ("municipalities_served", _in_model_order(Municipality)),
    ("required_documents", _in_model_order(RequiredDocument)),
    ("contacts", CONTACT_ORDER),
    ("phones", PHONE_ORDER),
]
SERVICE_RELATIONS: list[tuple[str, QuerySet[Any]]] = [
    *SERVICE_OWN_RELATIONS,
    (
        "service_at_locations",
        ServiceAtLocation.objects.select_related("location", "location__municipality").order_by("location__name", "pk"),
    ),
    ("service_at_locations__schedules", SCHEDULE_ORDER),
    ("service_at_locations__schedule_exceptions", EXCEPTION_ORDER),
    ("service_at_locations__location__contacts", CONTACT_ORDER),
    ("service_at_locations__location__phones", PHONE_ORDER),
]


def service_prefetches(full: bool) -> list[Any]:
    return [Prefetch(path, queryset=queryset) for path, queryset in SERVICE_RELATIONS] if full else []


def services_for_output(queryset: QuerySet[Service], *, full: bool) -> QuerySet[Service]:
    return queryset.select_related("organization", "municipality").prefetch_related(*service_prefetches(full))


# One published service with everything ``service_full`` reads — the same rows as ``services_for_output(full=True)``
# — in twelve statements compiled once per process (compiling them took longer than running them). Read by the
# HSDS document and by the portal's service page.
PUBLISHED_SERVICE = PreparedGraph(
    lambda: services_for_output(Service.objects.published(), full=False), SERVICE_RELATIONS
)


def sal_for_output(queryset: QuerySet[ServiceAtLocation], *, full: bool) -> QuerySet[ServiceAtLocation]:
    queryset = queryset.select_related(
        "location", "location__municipality", "service", "service__organization", "service__municipality"
    )
    if not full:
        return queryset
    return queryset.prefetch_related(
        Prefetch("schedules", queryset=SCHEDULE_ORDER),
        Prefetch("schedule_exceptions", queryset=EXCEPTION_ORDER),
        *(Prefetch(f"service__{path}", queryset=rows) for path, rows in SERVICE_OWN_RELATIONS),
        Prefetch("location__contacts", queryset=CONTACT_ORDER),
        Prefetch("location__phones", queryset=PHONE_ORDER),
    )


def organizations_for_output(
    queryset: QuerySet[Organization],
    *,
    full: bool,
    services: QuerySet[Service] | None = None,
    public: bool = False,
) -> QuerySet[Organization]:
    """Organizations with what ``organization_full`` reads; ``public`` keeps only the places where a published
    service is offered (a place prepared for a draft is not shown yet)."""
    queryset = queryset.select_related("municipality")
    if not full:
        return queryset
    locations = Location.objects.select_related("municipality").order_by("name", "pk")
    if public:
        locations = locations.filter(
            pk__in=ServiceAtLocation.objects.filter(service__status=ServiceStatus.PUBLISHED).values("location_id")
        )
    prefetches: list[Any] = [
        Prefetch("contacts", queryset=CONTACT_ORDER),
        PHONES,
        Prefetch("locations", queryset=locations),
        Prefetch("locations__contacts", queryset=CONTACT_ORDER),
        Prefetch("locations__phones", queryset=PHONE_ORDER),
    ]
    if services is not None:
        prefetches.append(Prefetch("services", queryset=services, to_attr="hsds_services"))
    return queryset.prefetch_related(*prefetches)


# Reference data


def taxonomy_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    return _clean(
        {
            "id": str(taxonomy.pk),
            "name": taxonomy.name,
            "description": taxonomy.description,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        }
    )


def taxonomy_term_dict(term: TaxonomyTerm) -> dict[str, Any]:
    return _clean(
        {
            "id": str(term.pk),
            "code": term.code,
            "name": term.name,
            "description": term.description or term.name,
            "parent_id": str(term.parent_id) if term.parent_id else None,
            "taxonomy": term.taxonomy.name,
            "taxonomy_detail": taxonomy_dict(term.taxonomy),
            "language": "pl",
            "taxonomy_id": str(term.taxonomy_id),
            "term_uri": term.term_uri,
        }
    )


def attribute_dict(owner_id: Any, term: TaxonomyTerm, link_type: str, link_entity: str = "service") -> dict[str, Any]:
    return {
        "id": derived_id(owner_id, f"attribute:{term.pk}"),
        "link_id": str(owner_id),
        "taxonomy_term_id": str(term.pk),
        "link_type": link_type,
        "link_entity": link_entity,
        "taxonomy_term": taxonomy_term_dict(term),
    }


# Small parts


def phone_dict(number: str, owner_field: str, owner_id: Any, key: str = "phone") -> dict[str, Any]:
    return {"id": derived_id(owner_id, key), owner_field: str(owner_id), "number": number, "type": "voice"}


def extra_phone_dict(phone: Phone, owner_field: str, owner_id: Any) -> dict[str, Any]:
    """A further number of a service, provider or place (a ``Phone`` row)."""
    data: dict[str, Any] = {"id": str(phone.pk), owner_field: str(owner_id), "number": phone.number, "type": phone.type}
    if phone.extension:
        data["extension"] = int(phone.extension)
    if phone.description:
        data["description"] = phone.description
    return data


def phones_of(owner: Any, owner_field: str) -> list[dict[str, Any]]:
    """HSDS ``phones`` of an owner: its main number first, then the further ones (prefetched)."""
    main = [phone_dict(owner.phone, owner_field, owner.pk)] if owner.phone else []
    return main + [extra_phone_dict(phone, owner_field, owner.pk) for phone in owner.phones.all()]


def language_dict(code: str, owner_field: str, owner_id: Any) -> dict[str, Any]:
    return {
        "id": derived_id(owner_id, f"language:{code}"),
        owner_field: str(owner_id),
        "name": LANGUAGE_NAMES.get(code, code),
        "code": code,
    }


def contact_dict(contact: Any) -> dict[str, Any]:
    return _clean(
        {
            "id": str(contact.pk),
            "organization_id": str(contact.organization_id) if contact.organization_id else None,
            "service_id": str(contact.service_id) if contact.service_id else None,
            "location_id": str(contact.location_id) if contact.location_id else None,
            "name": contact.name,
            "title": contact.title,
            "department": contact.department,
            "email": contact.email,
            "phones": [phone_dict(contact.phone, "contact_id", contact.pk)] if contact.phone else [],
        }
    )


def address_dict(location: Location) -> dict[str, Any] | None:
    if not (location.address_1 and location.city and location.postal_code):
        return None
    address_type = "postal" if location.location_type == LocationType.POSTAL else "physical"
    return {
        "id": derived_id(location.pk, f"address:{address_type}"),
        "location_id": str(location.pk),
        "address_1": location.address_1,
        **({"address_2": location.address_2} if location.address_2 else {}),
        "city": location.city,
        "state_province": VOIVODESHIPS.get(location.municipality.teryt[:2], ""),
        "postal_code": location.postal_code,
        "country": "PL",
        "address_type": address_type,
    }


def accessibility_list(location: Location) -> list[dict[str, Any]]:
    items = []
    if location.accessibility:
        items.append(
            {
                "id": derived_id(location.pk, "accessibility"),
                "location_id": str(location.pk),
                "description": location.accessibility,
            }
        )
    if location.wheelchair_accessible:
        items.append(
            {
                "id": derived_id(location.pk, "accessibility:wheelchair"),
                "location_id": str(location.pk),
                "description": WHEELCHAIR_TEXT,
                "details": WHEELCHAIR_DETAILS,
            }
        )
    return items


def location_dict(location: Location, *, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(location.pk),
        "location_type": location.location_type,
        "url": location.url,
        "organization_id": str(location.organization_id) if location.organization_id else None,
        "name": location.name,
        "description": location.description,
        "transportation": location.transportation,
        "latitude": _number(location.latitude),
        "longitude": _number(location.longitude),
    }
    if full:
        address = address_dict(location)
        data["addresses"] = [address] if address else []
        data["accessibility"] = accessibility_list(location)
        data["phones"] = phones_of(location, "location_id")
        data["contacts"] = [contact_dict(c) for c in location.contacts.all()]
    return _clean(data)


def schedule_dict(schedule: Schedule, sal: ServiceAtLocation) -> dict[str, Any]:
    return _clean(
        {
            "id": str(schedule.pk),
            "service_at_location_id": str(sal.pk),
            "valid_from": schedule.valid_from.isoformat() if schedule.valid_from else None,
            "valid_to": schedule.valid_to.isoformat() if schedule.valid_to else None,
            "timezone": _utc_offset(schedule.valid_from),
            "wkst": "MO",
            "freq": "WEEKLY",
            "interval": 1,
            "byday": BYDAY[schedule.weekday],
            "description": schedule.description,
            "opens_at": _hhmm(schedule.opens_at),
            "closes_at": _hhmm(schedule.closes_at),
        }
    )


def exception_dict(exception: ScheduleException, sal: ServiceAtLocation) -> dict[str, Any]:
    """A day off or a day with other hours: a one-off event (dtstart = the day, count 1)."""
    return _clean(
        {
            "id": str(exception.pk),
            "service_at_location_id": str(sal.pk),
            "dtstart": exception.date.isoformat(),
            "until": exception.date.isoformat(),
            "count": 1,
            "timezone": _utc_offset(exception.date),
            "freq": "WEEKLY",
            "byday": BYDAY[exception.date.isoweekday()],
            "description": exception.description,
            "opens_at": None if exception.closed else _hhmm(exception.opens_at),
            "closes_at": None if exception.closed else _hhmm(exception.closes_at),
            "notes": EXCEPTION_CLOSED if exception.closed else EXCEPTION_HOURS,
        }
    )


def sal_schedules(sal: ServiceAtLocation) -> list[dict[str, Any]]:
    return [schedule_dict(s, sal) for s in sal.schedules.all()] + [
        exception_dict(e, sal) for e in sal.schedule_exceptions.all()
    ]


def cost_options(service: Service) -> list[dict[str, Any]]:
    return [
        _clean(
            {
                "id": derived_id(service.pk, "cost_option"),
                "service_id": str(service.pk),
                "option": FEE_OPTION[FeeKind(service.fee_kind)],
                "currency": CURRENCY,
                "amount": _number(service.fee_amount) if service.fee_kind != FeeKind.FREE else 0,
                "amount_description": FEE_UNIT_TEXT.get(service.fee_unit, ""),
            }
        )
    ]


def service_areas(service: Service) -> list[dict[str, Any]]:
    return [
        {
            "id": derived_id(service.pk, f"service_area:{municipality.teryt}"),
            "service_id": str(service.pk),
            "name": municipality.name,
            "description": f"Gmina {municipality.name}, województwo {VOIVODESHIPS.get(municipality.teryt[:2], '')}",
            "extent": municipality.teryt,
            "extent_type": "TERYT",
        }
        for municipality in sorted(service.municipalities_served.all(), key=lambda m: m.teryt)
    ]


def organization_identifiers(organization: Organization) -> list[dict[str, Any]]:
    return [
        {
            "id": derived_id(organization.pk, f"identifier:{scheme}"),
            "organization_id": str(organization.pk),
            "identifier_scheme": scheme,
            "identifier_type": kind,
            "identifier": value,
        }
        for scheme, kind, value in (
            ("PL-NIP", "NIP", organization.nip),
            ("PL-REGON", "REGON", organization.regon),
            ("PL-KRS", "KRS", organization.krs),
        )
        if value
    ]


# Organizations


def organization_list_item(organization: Organization) -> dict[str, Any]:
    return _clean(
        {
            "id": str(organization.pk),
            "name": organization.name,
            "alternate_name": organization.alternate_name,
            "description": organization.description,
            "email": organization.email,
            "website": organization.website,
            "tax_id": organization.nip,
            "year_incorporated": organization.year_incorporated,
            "legal_status": organization.legal_status,
            "parent_organization_id": str(organization.parent_id) if organization.parent_id else None,
        }
    )


def organization_full(organization: Organization, *, full_service: bool = False) -> dict[str, Any]:
    """A fully nested organization; ``services`` are the published ones (``hsds_services``, prefetched)."""
    data = organization_list_item(organization)
    data["contacts"] = [contact_dict(c) for c in organization.contacts.all()]
    data["phones"] = phones_of(organization, "organization_id")
    data["locations"] = [location_dict(location) for location in organization.locations.all()]
    data["organization_identifiers"] = organization_identifiers(organization)
    services: Iterable[Service] = getattr(organization, "hsds_services", [])
    if full_service:
        data["services"] = [service_full(s, with_organization=False) for s in services]
    else:
        data["services"] = [service_list_item(s, with_organization=False) for s in services]
    return _clean(data)


# Services


def service_list_item(service: Service, *, with_organization: bool = True) -> dict[str, Any]:
    """The one-to-one fields of a service (the list form)."""
    data: dict[str, Any] = {
        "id": str(service.pk),
        "organization_id": str(service.organization_id),
        "name": service.name,
        "alternate_name": service.alternate_name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": STATUS[ServiceStatus(service.status)],
        "application_process": service.application_process,
        "fees_description": service.fees_description,
        "wait_time": service.wait_time,
        "eligibility_description": service.eligibility_description,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "last_modified": service.updated_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
    }
    if with_organization:
        data["organization"] = organization_list_item(service.organization)
    return _clean(data)


def sal_core(sal: ServiceAtLocation) -> dict[str, Any]:
    return _clean(
        {
            "id": str(sal.pk),
            "service_id": str(sal.service_id),
            "location_id": str(sal.location_id),
            "description": sal.description,
        }
    )


def sal_nested(sal: ServiceAtLocation) -> dict[str, Any]:
    """A service_at_location inside its service: schedules and the full location, no service."""
    data = sal_core(sal)
    data["schedules"] = sal_schedules(sal)
    data["location"] = location_dict(sal.location)
    return _clean(data)


def service_full(service: Service, *, with_organization: bool = True) -> dict[str, Any]:
    data = service_list_item(service, with_organization=False)
    data["phones"] = phones_of(service, "service_id")
    data["service_areas"] = service_areas(service)
    data["service_at_locations"] = [sal_nested(sal) for sal in service.service_at_locations.all()]
    data["languages"] = [language_dict(code, "service_id", service.pk) for code in service.languages or []]
    if with_organization:
        data["organization"] = organization_list_item(service.organization)
    data["cost_options"] = cost_options(service)
    data["required_documents"] = [
        _clean({"id": str(d.pk), "service_id": str(service.pk), "document": d.document, "uri": d.uri})
        for d in service.required_documents.all()
    ]
    data["contacts"] = [contact_dict(c) for c in service.contacts.all()]
    data["attributes"] = [attribute_dict(service.pk, t, LINK_AREA) for t in service.areas.all()] + [
        attribute_dict(service.pk, t, LINK_TARGET_GROUP) for t in service.target_groups.all()
    ]
    return _clean(data)


# Services at locations


def sal_list_item(sal: ServiceAtLocation) -> dict[str, Any]:
    data = sal_core(sal)
    data["location"] = location_dict(sal.location, full=False)
    data["service"] = service_list_item(sal.service, with_organization=False)
    return _clean(data)


def sal_full(sal: ServiceAtLocation) -> dict[str, Any]:
    data = sal_core(sal)
    data["schedules"] = sal_schedules(sal)
    data["location"] = location_dict(sal.location)
    service = sal.service
    nested = service_list_item(service)
    nested["attributes"] = [attribute_dict(service.pk, t, LINK_AREA) for t in service.areas.all()] + [
        attribute_dict(service.pk, t, LINK_TARGET_GROUP) for t in service.target_groups.all()
    ]
    nested["languages"] = [language_dict(code, "service_id", service.pk) for code in service.languages or []]
    nested["cost_options"] = cost_options(service)
    nested["service_areas"] = service_areas(service)
    nested["required_documents"] = [
        _clean({"id": str(d.pk), "service_id": str(service.pk), "document": d.document, "uri": d.uri})
        for d in service.required_documents.all()
    ]
    nested["contacts"] = [contact_dict(c) for c in service.contacts.all()]
    nested["phones"] = phones_of(service, "service_id")
    data["service"] = _clean(nested)
    return _clean(data)
