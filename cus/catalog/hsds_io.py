"""Export the catalog as an HSDS 3.0 JSON document, and import HSDS JSON feeds.

The export document (``export_catalog``)::

    {"hsds_version": "3.0", "generator": ..., "generated_at": ..., "municipality": {"teryt", "name"} | null,
     "taxonomies": [taxonomy, ...], "taxonomy_terms": [taxonomy_term, ...],
     "organizations": [organization, ...],   # each valid against compiled/organization.json (services by id)
     "services": [service, ...]}             # compiled/service_package.json: fully nested services

HSDS 3.0 defines packages as arrays of one kind of fully nested object; the document carries the service package
beside the organizations and the taxonomies, so that organizations without a published service and the terms
survive a round trip. Every status is exported (draft → "inactive", archived → "defunct").

The import (``import_hsds``) reads that document and also: a bare array or a page (``contents``) of services,
organizations, services at locations, locations, taxonomies or terms; one such object; the tabular form
(``{"services.csv": [...], ...}``); and the API's info object (nothing to import). Rules:

- Rows keep their HSDS ids: an id already in this municipality's catalog is updated, a new id is created, an id
  used by another municipality is an error. Writes go through ``cus.catalog.services`` (audited; ``actor=None``
  is the system); contacts and foreign taxonomies, which have no service function, are saved here.
- Terms of other taxonomies are kept as reference data under their own taxonomy, but only the statutory areas
  and the target groups can be linked to a service: other links are reported as warnings.
- A service without a statutory area (e.g. the US examples of the standard) is imported as a **draft** with the
  provisional area ``default_area`` (default "04", social assistance) and a warning: staff choose its areas before
  publishing. "active" services are published, "inactive" and "temporarily closed" stay drafts, "defunct" are
  archived.
- A cost in another currency than PLN is not converted: the service is marked as paid ("income"-dependent fee
  with the unit read from the text) and the amount is written into ``fees_description``, with a warning.
- An address that is not Polish (postal code not NN-NNN) is kept without its postal code as an address-only
  (postal) location, with a warning.
- Nothing is saved when any record has an error, unless ``only_valid=True`` (then the valid records are saved);
  ``dry_run=True`` checks everything and saves nothing.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cus.audit.services import record_create, record_update, snapshot
from cus.catalog import hsds
from cus.catalog import services as catalog_services
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    BYDAY,
    TARGET_GROUPS_TAXONOMY_ID,
    Contact,
    FeeKind,
    FeeUnit,
    Location,
    LocationType,
    Organization,
    Phone,
    PhoneType,
    ProviderKind,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from cus.core.models import Municipality

GENERATOR = "Otwarte CUS"
POSTAL_CODE = re.compile(r"^[0-9]{2}-[0-9]{3}$")
DAYS = {code: number for number, code in BYDAY.items()}
PROVIDER_KIND_LINK = "provider_kind"


# Export


def _in_catalog(queryset: Any, municipality: Municipality | None, municipalities: Iterable[Any] | None) -> Any:
    if municipality is not None:
        queryset = queryset.filter(municipality=municipality)
    if municipalities is not None:
        queryset = queryset.filter(municipality__in=list(municipalities))
    return queryset


def organization_export(organization: Organization) -> dict[str, Any]:
    data = hsds.organization_full(organization)
    data["attributes"] = [
        {
            "id": hsds.derived_id(organization.pk, PROVIDER_KIND_LINK),
            "link_id": str(organization.pk),
            "link_type": PROVIDER_KIND_LINK,
            "link_entity": "organization",
            "value": organization.kind,
        }
    ]
    return data


def export_catalog(
    municipality: Municipality | None = None, *, municipalities: Iterable[Any] | None = None
) -> dict[str, Any]:
    """The whole catalog of one municipality (or of ``municipalities``, or of all) as one HSDS document."""
    organizations = _in_catalog(Organization.objects.all(), municipality, municipalities)
    services: QuerySet[Service] = _in_catalog(Service.objects.all(), municipality, municipalities)
    providers = hsds.organizations_for_output(
        organizations.order_by("name", "pk"), full=True, services=services.order_by("name", "pk")
    )
    terms = TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__name", "position", "name", "pk")
    document = {
        "hsds_version": hsds.HSDS_VERSION,
        "generator": GENERATOR,
        "generated_at": timezone.now().isoformat(),
        "municipality": {"teryt": municipality.teryt, "name": municipality.name} if municipality else None,
        "taxonomies": [hsds.taxonomy_dict(t) for t in Taxonomy.objects.order_by("name", "pk")],
        "taxonomy_terms": [hsds.taxonomy_term_dict(t) for t in terms],
        "organizations": [organization_export(o) for o in providers],
        "services": [
            hsds.service_full(s) for s in hsds.services_for_output(services.order_by("name", "pk"), full=True)
        ],
    }
    return document


# Import


@dataclass
class ImportReport:
    dry_run: bool = False
    saved: bool = False
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, path: str, msg: str) -> None:
        self.errors.append({"path": path, "msg": msg})

    def warn(self, path: str, msg: str) -> None:
        self.warnings.append({"path": path, "msg": msg})

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "saved": self.saved,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "errors": self.errors,
            "warnings": self.warnings,
        }


class _Rollback(Exception):
    pass


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(ValidationError(e).messages)}" for name, e in exc.error_dict.items())
    return " ".join(exc.messages)


def _kind(obj: Any) -> str | None:  # noqa: PLR0911 - one answer per HSDS object kind
    if not isinstance(obj, dict):
        return None
    keys = set(obj)
    if "location_type" in keys:
        return "location"
    if isinstance(obj.get("service"), dict) or isinstance(obj.get("location"), dict) or "location_id" in keys:
        return "service_at_location"
    if "status" in keys:
        return "service"
    if keys & {"taxonomy_detail", "taxonomy_id", "parent_id", "code", "term_uri", "taxonomy"}:
        return "taxonomy_term"
    if keys & {
        "services",
        "organization_identifiers",
        "locations",
        "website",
        "tax_id",
        "tax_status",
        "legal_status",
        "year_incorporated",
        "funding",
        "programs",
        "email",
        "phones",
        "contacts",
    }:
        return "organization"
    if {"id", "name"} <= keys <= {"id", "name", "description", "uri", "version", "metadata"}:
        return "taxonomy"
    if {"id", "name", "description"} <= keys:
        return "organization"
    return None


def _depth(organization: Any, organizations: list[Any]) -> int:
    """How many parents an organization has within the feed (parents are imported before their units)."""
    parents = {
        str(o.get("id")): str(o.get("parent_organization_id") or "") for o in organizations if isinstance(o, dict)
    }
    depth, current, seen = 0, str(organization.get("id")) if isinstance(organization, dict) else "", set()
    while parents.get(current) and current not in seen:
        seen.add(current)
        current = parents[current]
        depth += 1
    return depth


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _str(value: Any, limit: int | None = None) -> str:
    if value is None:
        return ""
    text = str(value).replace("\x00", "").strip()
    return text[:limit] if limit else text


def _phone(value: Any) -> str:
    return _str(value).strip('"').strip()[:30]


def _main_phone_item(obj: dict[str, Any], owner_id: Any, *, own_export: bool = False) -> dict[str, Any] | None:
    """The owner's main number among its HSDS phones: the one with the id our export gives it, else the first."""
    phones = [p for p in obj.get("phones") or [] if isinstance(p, dict)]
    if not phones:
        return None
    if owner_id is not None:
        main_id = hsds.derived_id(owner_id, "phone")
        for phone in phones:
            if phone.get("id") == main_id:
                return phone
        if own_export:
            return None  # only further numbers: the owner had no main number
    return phones[0]


def _main_phone(obj: dict[str, Any], owner_id: Any, *, own_export: bool = False) -> str:
    main = _main_phone_item(obj, owner_id, own_export=own_export)
    return _phone(main.get("number")) if main else ""


def _time(value: Any) -> datetime.time | None:
    text = _str(value)
    match = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        return None
    try:
        return datetime.time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(_str(value)[:10])
    except ValueError:
        return None


class Importer:
    def __init__(
        self, *, municipality: Municipality, actor: Any, report: ImportReport, default_area: str = "04"
    ) -> None:
        self.municipality = municipality
        self.actor = actor
        self.report = report
        self.default_area = default_area
        self.done: set[tuple[str, uuid.UUID]] = set()
        # In a whole document the services come fully nested in "services"; an organization's own list of
        # services only names them.
        self.in_document = False
        # Our own export names each owner's main phone by a derived id; in another system's feed it is the first.
        self.own_export = False

    # Entry

    def run(self, data: Any, path: str = "$") -> None:
        if isinstance(data, dict) and any(str(k).endswith(".csv") for k in data):
            data = tabular_to_document(data)
        if isinstance(data, dict) and ("services" in data or "organizations" in data) and "id" not in data:
            self.in_document = True
            self.own_export = data.get("generator") == GENERATOR
            for key in ("taxonomies", "taxonomy_terms", "organizations", "services"):
                items = list(enumerate(data.get(key) or []))
                if key == "organizations":
                    items.sort(key=lambda pair: _depth(pair[1], data.get(key) or []))
                for index, item in items:
                    self.one(item, f"{path}.{key}[{index}]")
            return
        if isinstance(data, dict) and "contents" in data and "id" not in data:
            self.run(data["contents"], f"{path}.contents")
            return
        if isinstance(data, dict) and "openapi_url" in data and "id" not in data:
            self.report.warn(path, "API information: there is nothing to import.")
            return
        if isinstance(data, list):
            for index, item in enumerate(data):
                self.one(item, f"{path}[{index}]")
            return
        self.one(data, path)

    def one(self, obj: Any, path: str) -> None:
        kind = _kind(obj)
        if kind is None:
            self.report.error(path, "Not an HSDS object this import understands.")
            return
        handler = getattr(self, f"import_{kind}")
        try:
            with transaction.atomic():
                handler(obj, path)
        except ValidationError as exc:
            self.report.error(path, _messages(exc))
        except PermissionDenied as exc:
            self.report.error(path, str(exc))
        except DatabaseError as exc:  # e.g. an id reused by two rows of the feed
            self.report.error(path, f"The database refused the record: {exc}")

    def _new(self, kind: str, pk: uuid.UUID | None, path: str) -> bool:
        """Whether this record was already handled in this import (a row nested in several places)."""
        if pk is None:
            return True
        if (kind, pk) in self.done:
            return False
        self.done.add((kind, pk))
        return True

    def _id(self, obj: dict[str, Any], path: str) -> uuid.UUID:
        pk = _uuid(obj.get("id"))
        if pk is None:
            raise ValidationError({"id": "A UUID is required."})
        return pk

    def _own(self, model: Any, pk: uuid.UUID, tenant: Any) -> Any:
        row = model.objects.filter(pk=pk).first()
        if row is not None and tenant(row) != self.municipality.pk:
            raise ValidationError({"id": "This id belongs to another municipality's catalog."})
        return row

    # Taxonomies

    def import_taxonomy(self, obj: dict[str, Any], path: str) -> Taxonomy:
        pk = self._id(obj, path)
        existing = Taxonomy.objects.filter(pk=pk).first()
        if existing is not None:
            return existing  # reference data is never overwritten by a feed
        taxonomy = Taxonomy(
            pk=pk,
            name=_str(obj.get("name"), 250) or str(pk),
            description=_str(obj.get("description")) or _str(obj.get("name")),
            uri=_str(obj.get("uri"), 200),
            version=_str(obj.get("version"), 50),
        )
        taxonomy.full_clean()
        taxonomy.save()
        self.report.created["taxonomy"] += 1
        return taxonomy

    def import_taxonomy_term(self, obj: dict[str, Any], path: str) -> TaxonomyTerm:
        pk = self._id(obj, path)
        existing = TaxonomyTerm.objects.select_related("taxonomy").filter(pk=pk).first()
        if existing is not None:
            return existing
        detail = obj.get("taxonomy_detail") if isinstance(obj.get("taxonomy_detail"), dict) else None
        taxonomy_id = _uuid(obj.get("taxonomy_id")) or (_uuid(detail.get("id")) if detail else None)
        if detail is not None:
            taxonomy = self.import_taxonomy(detail, f"{path}.taxonomy_detail")
        elif taxonomy_id is not None and Taxonomy.objects.filter(pk=taxonomy_id).exists():
            taxonomy = Taxonomy.objects.get(pk=taxonomy_id)
        else:
            name = _str(obj.get("taxonomy"), 250) or "Imported taxonomy"
            taxonomy_id = taxonomy_id or uuid.uuid5(uuid.NAMESPACE_URL, f"hsds-taxonomy:{name}")
            taxonomy = self.import_taxonomy(
                {"id": str(taxonomy_id), "name": name, "description": name}, f"{path}.taxonomy"
            )
        code = _str(obj.get("code"), 50) or str(pk)[:50]
        if TaxonomyTerm.objects.filter(taxonomy=taxonomy, code=code).exists():
            code = str(pk)[:50]
        parent_id = _uuid(obj.get("parent_id"))
        if parent_id is not None and not TaxonomyTerm.objects.filter(pk=parent_id).exists():
            self.report.warn(f"{path}.parent_id", "The parent term is not in the catalog: the term is kept without it.")
            parent_id = None
        term = TaxonomyTerm(
            pk=pk,
            taxonomy=taxonomy,
            code=code,
            name=_str(obj.get("name"), 250) or code,
            description=_str(obj.get("description")) or _str(obj.get("name")),
            parent_id=parent_id,
            term_uri=_str(obj.get("term_uri"), 200),
        )
        term.full_clean()
        term.save()
        self.report.created["taxonomy_term"] += 1
        return term

    def _term(self, attribute: dict[str, Any], path: str) -> TaxonomyTerm | None:
        nested = attribute.get("taxonomy_term")
        pk = _uuid(attribute.get("taxonomy_term_id")) or (_uuid(nested.get("id")) if isinstance(nested, dict) else None)
        if pk is None:
            return None
        term = TaxonomyTerm.objects.select_related("taxonomy").filter(pk=pk).first()
        if term is None and isinstance(nested, dict):
            term = self.import_taxonomy_term(nested, f"{path}.taxonomy_term")
        if term is None:
            self.report.warn(path, "Unknown taxonomy term: the attribute is left out.")
        return term

    # Organizations

    def import_organization(self, obj: dict[str, Any], path: str) -> Organization:
        pk = self._id(obj, path)
        existing = self._own(Organization, pk, lambda o: o.municipality_id)
        if not self._new("organization", pk, path):
            return existing
        fields: dict[str, Any] = {
            "name": _str(obj.get("name"), 250),
            "alternate_name": _str(obj.get("alternate_name"), 250),
            "description": _str(obj.get("description")) or _str(obj.get("name")),
            "email": _str(obj.get("email"), 254),
            "website": _str(obj.get("website"), 200),
            "legal_status": _str(obj.get("legal_status"), 250),
            "year_incorporated": obj.get("year_incorporated")
            if isinstance(obj.get("year_incorporated"), int)
            else None,
            "phone": _main_phone(obj, pk, own_export=self.own_export),
            "nip": "",
            "regon": "",
            "krs": "",
        }
        schemes = {"PL-NIP": "nip", "PL-REGON": "regon", "PL-KRS": "krs"}
        for index, identifier in enumerate(obj.get("organization_identifiers") or []):
            name = schemes.get(_str(identifier.get("identifier_scheme")).upper())
            if name:
                fields[name] = _str(identifier.get("identifier")).replace("-", "").replace(" ", "")
            else:
                self.report.warn(
                    f"{path}.organization_identifiers[{index}]",
                    "Only PL-NIP, PL-REGON and PL-KRS identifiers are kept.",
                )
        kind = next(
            (
                _str(a.get("value"))
                for a in obj.get("attributes") or []
                if isinstance(a, dict) and a.get("link_type") == PROVIDER_KIND_LINK
            ),
            "",
        )
        if kind not in ProviderKind.values:
            kind = ProviderKind.NGO
            self.report.warn(path, "The kind of provider (art. 7) is not given: recorded as an NGO, check it.")
        fields["kind"] = kind
        parent = _uuid(obj.get("parent_organization_id"))
        fields["parent"] = (
            Organization.objects.filter(pk=parent, municipality=self.municipality).first() if parent else None
        )
        if parent and fields["parent"] is None:
            self.report.warn(f"{path}.parent_organization_id", "The parent organization is not in the catalog.")
        if existing is None:
            organization = catalog_services.organization_create(
                actor=self.actor, municipality=self.municipality, pk=pk, **fields
            )
            self.report.created["organization"] += 1
        else:
            organization = catalog_services.organization_update(actor=self.actor, organization=existing, **fields)
            self.report.updated["organization"] += 1
        self._contacts(obj.get("contacts") or [], f"{path}.contacts", organization=organization)
        self._further_phones(obj, path, organization)
        for index, location in enumerate(obj.get("locations") or []):
            self.import_location(location, f"{path}.locations[{index}]", organization=organization)
        for index, service in enumerate([] if self.in_document else obj.get("services") or []):
            if isinstance(service, dict) and "name" in service:
                self.import_service(service, f"{path}.services[{index}]", organization=organization)
        return organization

    def _further_phones(self, obj: dict[str, Any], path: str, owner: Any) -> None:
        """The phones after the main one become further numbers; a number that is not Polish is left out."""
        if "phones" not in obj:
            return
        main = _main_phone_item(obj, owner.pk, own_export=self.own_export)
        rows = []
        for index, item in enumerate(obj.get("phones") or []):
            if item is main or not isinstance(item, dict) or not _phone(item.get("number")):
                continue
            extension = item.get("extension")
            row: dict[str, Any] = {
                "number": _phone(item.get("number")),
                "extension": str(int(extension)) if isinstance(extension, (int, float)) else _str(extension, 6),
                "type": _str(item.get("type")) if _str(item.get("type")) in PhoneType.values else PhoneType.VOICE,
                "description": _str(item.get("description"), 250),
            }
            try:
                Phone(**row, **{owner._meta.model_name: owner}).full_clean()
                row["id"] = _uuid(item.get("id"))
            except ValidationError as exc:
                self.report.warn(f"{path}.phones[{index}]", f"Left out: {_messages(exc)}")
                continue
            rows.append(row)
        try:
            catalog_services.phones_set(actor=self.actor, owner=owner, phones=rows)
        except ValidationError as exc:
            self.report.warn(f"{path}.phones", f"Left out: {_messages(exc)}")

    def _contacts(self, items: list[Any], path: str, **owner: Any) -> None:
        for index, item in enumerate(items):
            pk = _uuid(item.get("id")) if isinstance(item, dict) else None
            if pk is None or not _str(item.get("name")):
                self.report.warn(f"{path}[{index}]", "A contact without id or name is left out.")
                continue
            phones = item.get("phones") or []
            values = {
                "name": _str(item.get("name"), 250),
                "title": _str(item.get("title"), 250),
                "department": _str(item.get("department"), 250),
                "email": _str(item.get("email"), 254),
                "phone": _phone(phones[0].get("number")) if phones and isinstance(phones[0], dict) else "",
            }
            contact = Contact.objects.filter(pk=pk).first()
            if contact is not None:
                owner_row = contact.owner
                if owner_row is None or owner_row.municipality_id != self.municipality.pk:
                    raise ValidationError({"contacts": "A contact id belongs to another municipality's catalog."})
                before = snapshot(contact)
                for name, value in values.items():
                    setattr(contact, name, value)
                contact.full_clean()
                contact.save()
                record_update(actor=self.actor, instance=contact, before=before)
                self.report.updated["contact"] += 1
                continue
            contact = Contact(pk=pk, **values, **owner)
            contact.full_clean()
            contact.save()
            record_create(actor=self.actor, instance=contact)
            self.report.created["contact"] += 1

    # Locations

    def import_location(
        self, obj: dict[str, Any], path: str, organization: Organization | None = None
    ) -> Location | None:
        pk = self._id(obj, path)
        existing = self._own(Location, pk, lambda o: o.municipality_id)
        if not self._new("location", pk, path):
            return existing
        location_type = obj.get("location_type") if obj.get("location_type") in LocationType.values else "physical"
        addresses = [a for a in obj.get("addresses") or [] if isinstance(a, dict)]
        address = next(
            (a for a in addresses if a.get("address_type") == location_type), addresses[0] if addresses else {}
        )
        postal_code = _str(address.get("postal_code"))
        address_2 = _str(address.get("address_2"), 250)
        if postal_code and not POSTAL_CODE.match(postal_code):
            self.report.warn(
                f"{path}.addresses",
                f"Not a Polish address (postal code {postal_code!r}): kept without the postal code as an "
                "address-only location.",
            )
            address_2 = ", ".join(p for p in (address_2, postal_code, _str(address.get("country"))) if p)[:250]
            postal_code = ""
            if location_type == LocationType.PHYSICAL:
                location_type = LocationType.POSTAL
        if location_type == LocationType.PHYSICAL and not (
            _str(address.get("address_1")) and _str(address.get("city"))
        ):
            self.report.warn(f"{path}.addresses", "A physical place without a full address: kept as address-only.")
            location_type = LocationType.POSTAL
        accessibility = [a for a in obj.get("accessibility") or [] if isinstance(a, dict)]
        owner_id = _uuid(obj.get("organization_id"))
        if organization is None and owner_id is not None:
            organization = Organization.objects.filter(pk=owner_id, municipality=self.municipality).first()
            if organization is None:
                self.report.warn(f"{path}.organization_id", "The organization is not in the catalog: left out.")
        latitude, longitude = self._coordinate(obj.get("latitude")), self._coordinate(obj.get("longitude"))
        if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
            if obj.get("latitude") is not None or obj.get("longitude") is not None:
                self.report.warn(path, "The position is incomplete or out of range: left out.")
            latitude = longitude = None
        fields: dict[str, Any] = {
            "organization": organization,
            "location_type": location_type,
            "name": _str(obj.get("name"), 250) or _str(address.get("address_1"), 250) or str(pk),
            "description": _str(obj.get("description")),
            "address_1": _str(address.get("address_1"), 250),
            "address_2": address_2,
            "postal_code": postal_code,
            "city": _str(address.get("city"), 100),
            "url": _str(obj.get("url"), 200),
            "latitude": latitude,
            "longitude": longitude,
            "transportation": _str(obj.get("transportation")),
            "wheelchair_accessible": any(a.get("details") == hsds.WHEELCHAIR_DETAILS for a in accessibility),
            "accessibility": "\n".join(
                _str(a.get("description")) + (f" ({_str(a.get('details'))})" if a.get("details") else "")
                for a in accessibility
                if a.get("details") != hsds.WHEELCHAIR_DETAILS and _str(a.get("description"))
            ),
            "phone": _main_phone(obj, pk, own_export=self.own_export),
        }
        if existing is None:
            location = catalog_services.location_create(
                actor=self.actor, municipality=self.municipality, pk=pk, **fields
            )
            self.report.created["location"] += 1
        else:
            location = catalog_services.location_update(actor=self.actor, location=existing, **fields)
            self.report.updated["location"] += 1
        self._contacts(obj.get("contacts") or [], f"{path}.contacts", location=location)
        self._further_phones(obj, path, location)
        return location

    @staticmethod
    def _coordinate(value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value)).quantize(Decimal("0.000001"))
        except InvalidOperation:
            return None

    # Services at locations

    def import_service_at_location(self, obj: dict[str, Any], path: str) -> None:
        service_obj = obj.get("service")
        service = None
        if isinstance(service_obj, dict):
            service = self.import_service(service_obj, f"{path}.service")
        else:
            service_id = _uuid(obj.get("service_id"))
            service = (
                Service.objects.filter(pk=service_id, municipality=self.municipality).first() if service_id else None
            )
        if service is None:
            raise ValidationError({"service_id": "The service is not in the catalog."})
        self._service_location(service, obj, path)

    def _schedule_rows(self, items: list[Any], path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        weekly: list[dict[str, Any]] = []
        exceptions: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            if not isinstance(item, dict):
                continue
            pk = _uuid(item.get("id"))
            opens, closes = _time(item.get("opens_at")), _time(item.get("closes_at"))
            start = _date(item.get("dtstart"))
            if item.get("count") == 1 and start is not None:
                closed = item.get("notes") == hsds.EXCEPTION_CLOSED or opens is None or closes is None
                exceptions.append(
                    {
                        **({"id": pk} if pk else {}),
                        "date": start,
                        "closed": closed,
                        "opens_at": None if closed else opens,
                        "closes_at": None if closed else closes,
                        "description": _str(item.get("description"), 250),
                    }
                )
                continue
            if item.get("freq") not in (None, "WEEKLY") or opens is None or closes is None:
                self.report.warn(where, "Only weekly hours with opening and closing times are kept.")
                continue
            days = [d.strip().upper() for d in _str(item.get("byday")).split(",") if d.strip()]
            if not days or any(d not in DAYS for d in days):
                self.report.warn(where, "Days of the week (byday) are missing or not simple weekly days: left out.")
                continue
            for number, day in enumerate(days):
                row_id = pk if number == 0 else (uuid.uuid5(pk, f"byday:{day}") if pk else None)
                weekly.append(
                    {
                        **({"id": row_id} if row_id else {}),
                        "weekday": DAYS[day],
                        "opens_at": opens,
                        "closes_at": closes,
                        "valid_from": _date(item.get("valid_from")),
                        "valid_to": _date(item.get("valid_to")),
                        "description": _str(item.get("description"), 250),
                    }
                )
        return weekly, exceptions

    def _service_location(self, service: Service, obj: dict[str, Any], path: str) -> ServiceAtLocation:
        pk = self._id(obj, path)
        location_obj = obj.get("location")
        location = None
        if isinstance(location_obj, dict):
            location = self.import_location(location_obj, f"{path}.location")
        if location is None:
            location_id = _uuid(obj.get("location_id"))
            location = (
                Location.objects.filter(pk=location_id, municipality=self.municipality).first() if location_id else None
            )
        if location is None:
            raise ValidationError({"location": "The location is not in the catalog."})
        weekly, exceptions = self._schedule_rows(obj.get("schedules") or [], f"{path}.schedules")
        existing = ServiceAtLocation.objects.filter(pk=pk).first()
        if existing is not None and existing.service_id != service.pk:
            raise ValidationError({"id": "This service_at_location id belongs to another service."})
        if existing is None:
            sal = catalog_services.service_location_add(
                actor=self.actor,
                service=service,
                location=location,
                description=_str(obj.get("description")),
                schedules=weekly,
                exceptions=exceptions,
                pk=pk,
            )
            self.report.created["service_at_location"] += 1
            return sal
        sal = catalog_services.service_location_set_hours(
            actor=self.actor, service_at_location=existing, schedules=weekly, exceptions=exceptions
        )
        self.report.updated["service_at_location"] += 1
        return sal

    # Services

    def _fees(self, obj: dict[str, Any], path: str) -> dict[str, Any]:
        options = [c for c in obj.get("cost_options") or [] if isinstance(c, dict)]
        description = _str(obj.get("fees_description")) or _str(obj.get("fees"))
        if not options:
            return {"fee_kind": FeeKind.FREE, "fee_amount": None, "fee_unit": "", "fees_description": description}
        option = options[0]
        if len(options) > 1:
            self.report.warn(f"{path}.cost_options", "Only the first cost option is kept; the others go to the text.")
        units = {text: unit for unit, text in hsds.FEE_UNIT_TEXT.items()}
        unit_text = _str(option.get("amount_description"))
        unit = units.get(unit_text) or self._guess_unit(unit_text)
        kinds = {text: kind for kind, text in hsds.FEE_OPTION.items()}
        kind = kinds.get(_str(option.get("option")))
        amount = option.get("amount")
        currency = _str(option.get("currency")).upper() or hsds.CURRENCY
        texts = [
            " ".join(
                p
                for p in (
                    _str(c.get("option")),
                    _str(c.get("amount")),
                    _str(c.get("currency")).upper(),
                    _str(c.get("amount_description")),
                )
                if p
            )
            for c in (options if kind is None else options[1:])
        ]
        if texts:
            description = "\n".join(p for p in (description, *texts) if p)
        try:
            value = Decimal(str(amount)) if isinstance(amount, (int, float)) and amount >= 0 else None
        except InvalidOperation:
            value = None
        if kind is None:
            if currency != hsds.CURRENCY:
                self.report.warn(f"{path}.cost_options", f"The amount in {currency} is not converted: kept as text.")
                kind, value = (FeeKind.INCOME if value else FeeKind.FREE), None
            else:
                kind = FeeKind.FIXED if value else FeeKind.FREE
        if kind == FeeKind.FREE:
            return {"fee_kind": kind, "fee_amount": None, "fee_unit": "", "fees_description": description}
        return {
            "fee_kind": kind,
            "fee_amount": value if kind == FeeKind.FIXED or value else None,
            "fee_unit": unit or FeeUnit.VISIT,
            "fees_description": description,
        }

    @staticmethod
    def _guess_unit(text: str) -> str:
        text = text.lower()
        for words, unit in (
            (("hour", "godz"), FeeUnit.HOUR),
            (("day", "dzie", "dob"), FeeUnit.DAY),
            (("month", "miesi"), FeeUnit.MONTH),
            (("visit", "session", "wizyt", "spotkan"), FeeUnit.VISIT),
            (("once", "jednoraz"), FeeUnit.ONCE),
        ):
            if any(w in text for w in words):
                return unit
        return ""

    def _terms(self, obj: dict[str, Any], path: str) -> tuple[list[TaxonomyTerm], list[TaxonomyTerm]]:
        areas, groups = [], []
        for index, attribute in enumerate(obj.get("attributes") or []):
            where = f"{path}.attributes[{index}]"
            term = self._term(attribute, where) if isinstance(attribute, dict) else None
            if term is None:
                continue
            if term.taxonomy_id == AREAS_TAXONOMY_ID:
                areas.append(term)
            elif term.taxonomy_id == TARGET_GROUPS_TAXONOMY_ID:
                groups.append(term)
            else:
                self.report.warn(
                    where,
                    f"The term {term.name!r} ({term.taxonomy.name}) is kept as reference data but not linked: the "
                    "catalog links services to the statutory areas and target groups only.",
                )
        return areas, groups

    def _served(self, obj: dict[str, Any], path: str) -> list[Municipality]:
        served = []
        for index, area in enumerate(obj.get("service_areas") or []):
            if isinstance(area, dict) and _str(area.get("extent_type")).upper() == "TERYT":
                municipality = Municipality.objects.filter(teryt=_str(area.get("extent"))).first()
                if municipality is not None:
                    served.append(municipality)
                    continue
            self.report.warn(f"{path}.service_areas[{index}]", "Only gminas given by TERYT code are kept.")
        return served

    def _languages(self, obj: dict[str, Any], path: str) -> list[str]:
        languages = []
        for index, language in enumerate(obj.get("languages") or []):
            code = _str(language.get("code")).lower() if isinstance(language, dict) else ""
            if len(code) == 2 and code.isalpha():
                languages.append(code)
            else:
                self.report.warn(f"{path}.languages[{index}]", "Use two-letter ISO 639-1 codes: left out.")
        return languages

    def import_service(
        self, obj: dict[str, Any], path: str, organization: Organization | None = None
    ) -> Service | None:
        pk = self._id(obj, path)
        existing = self._own(Service, pk, lambda o: o.municipality_id)
        if not self._new("service", pk, path):
            return existing
        if organization is None and isinstance(obj.get("organization"), dict):
            organization = self.import_organization(obj["organization"], f"{path}.organization")
        if organization is None:
            organization_id = _uuid(obj.get("organization_id"))
            organization = (
                Organization.objects.filter(pk=organization_id, municipality=self.municipality).first()
                if organization_id
                else None
            )
        if organization is None:
            raise ValidationError({"organization": "The service's organization is not in the feed or the catalog."})
        areas, groups = self._terms(obj, path)
        status = {"active": ServiceStatus.PUBLISHED, "defunct": ServiceStatus.ARCHIVED}.get(
            _str(obj.get("status")), ServiceStatus.DRAFT
        )
        if not areas:
            areas = list(TaxonomyTerm.objects.filter(taxonomy_id=str(AREAS_TAXONOMY_ID), code=self.default_area))
            status = ServiceStatus.DRAFT
            self.report.warn(
                path,
                f"No statutory service area (art. 2 ust. 1): imported as a draft with the provisional area "
                f"{self.default_area}; choose its areas before publishing.",
            )
        served = self._served(obj, path)
        languages = self._languages(obj, path)

        def number(value: Any) -> int | None:
            return int(value) if isinstance(value, (int, float)) and 0 <= value <= 130 else None

        fields: dict[str, Any] = {
            "organization": organization,
            "name": _str(obj.get("name"), 250),
            "alternate_name": _str(obj.get("alternate_name"), 250),
            "description": _str(obj.get("description")) or _str(obj.get("name")),
            "url": _str(obj.get("url"), 200),
            "email": _str(obj.get("email"), 254),
            "phone": _main_phone(obj, pk, own_export=self.own_export),
            "eligibility_description": _str(obj.get("eligibility_description")),
            "minimum_age": number(obj.get("minimum_age")),
            "maximum_age": number(obj.get("maximum_age")),
            "application_process": _str(obj.get("application_process")),
            "languages": list(dict.fromkeys(languages)),
            "wait_time": _str(obj.get("wait_time"), 250),
            **self._fees(obj, path),
        }
        if obj.get("schedules"):
            self.report.warn(f"{path}.schedules", "Hours are kept per place (service_at_locations) only.")
        if existing is None:
            service = catalog_services.service_create(
                actor=self.actor,
                municipality=self.municipality,
                areas=areas,
                target_groups=groups,
                municipalities_served=served or None,
                pk=pk,
                **fields,
            )
            self.report.created["service"] += 1
        else:
            service = catalog_services.service_update(
                actor=self.actor,
                service=existing,
                areas=areas,
                target_groups=groups,
                municipalities_served=served or [self.municipality],
                **fields,
            )
            self.report.updated["service"] += 1
        self._service_children(service, obj, path, existing=existing is not None)
        self._set_status(service, status, path)
        return service

    def _service_children(self, service: Service, obj: dict[str, Any], path: str, *, existing: bool) -> None:
        """Required documents, contacts and places of a service (a re-import replaces them)."""
        documents: list[dict[str, Any]] = [
            {
                "document": _str(d.get("document"), 500),
                "uri": _str(d.get("uri"), 200),
                **({"id": _uuid(d.get("id"))} if _uuid(d.get("id")) else {}),
            }
            for d in obj.get("required_documents") or []
            if isinstance(d, dict) and _str(d.get("document"))
        ]
        if documents or existing:
            catalog_services.required_documents_set(actor=self.actor, service=service, documents=documents)
        self._contacts(obj.get("contacts") or [], f"{path}.contacts", service=service)
        self._further_phones(obj, path, service)
        kept = set()
        for index, sal in enumerate(obj.get("service_at_locations") or []):
            if isinstance(sal, dict):
                kept.add(self._service_location(service, sal, f"{path}.service_at_locations[{index}]").pk)
        if existing and "service_at_locations" in obj:
            for sal in service.service_at_locations.exclude(pk__in=kept):
                catalog_services.service_location_remove(actor=self.actor, service_at_location=sal)

    def _set_status(self, service: Service, status: str, path: str) -> None:
        service.refresh_from_db()
        steps = {
            (ServiceStatus.DRAFT, ServiceStatus.PUBLISHED): [ServiceStatus.PUBLISHED],
            (ServiceStatus.DRAFT, ServiceStatus.ARCHIVED): [ServiceStatus.ARCHIVED],
            (ServiceStatus.PUBLISHED, ServiceStatus.DRAFT): [ServiceStatus.DRAFT],
            (ServiceStatus.PUBLISHED, ServiceStatus.ARCHIVED): [ServiceStatus.ARCHIVED],
            (ServiceStatus.ARCHIVED, ServiceStatus.DRAFT): [ServiceStatus.DRAFT],
            (ServiceStatus.ARCHIVED, ServiceStatus.PUBLISHED): [ServiceStatus.DRAFT, ServiceStatus.PUBLISHED],
        }.get((ServiceStatus(service.status), ServiceStatus(status)), [])
        for step in steps:
            try:
                with transaction.atomic():
                    catalog_services.service_set_status(actor=self.actor, service=service, status=step)
            except ValidationError as exc:
                self.report.warn(path, f"Not published, kept as a draft: {_messages(exc)}")
                return
            service.refresh_from_db()


def tabular_to_document(tables: dict[str, Any]) -> dict[str, Any]:
    """The tabular form (one array per table, linked by ids) as nested objects."""

    def rows(name: str) -> list[dict[str, Any]]:
        return [r for r in tables.get(name) or [] if isinstance(r, dict)]

    def by(name: str, key: str, value: Any) -> list[dict[str, Any]]:
        return [r for r in rows(name) if value is not None and r.get(key) == value]

    def location(loc: dict[str, Any]) -> dict[str, Any]:
        return {
            **loc,
            "addresses": by("addresses.csv", "location_id", loc.get("id")),
            "accessibility": by("accessibility.csv", "location_id", loc.get("id")),
            "phones": [p for p in by("phones.csv", "location_id", loc.get("id")) if not p.get("service_id")],
        }

    locations = {r.get("id"): location(r) for r in rows("locations.csv")}
    terms = {r.get("id"): r for r in rows("taxonomy_terms.csv")}
    services = []
    for service in rows("services.csv"):
        sid = service.get("id")
        sals = []
        for sal in by("service_at_location.csv", "service_id", sid):
            sals.append(
                {
                    **sal,
                    "location": locations.get(sal.get("location_id")),
                    "schedules": by("schedules.csv", "service_at_location_id", sal.get("id")),
                }
            )
        attributes = [
            {**a, **({"taxonomy_term": terms[a["taxonomy_term_id"]]} if a.get("taxonomy_term_id") in terms else {})}
            for a in by("attributes.csv", "link_id", sid)
        ]
        services.append(
            {
                **service,
                "service_at_locations": [s for s in sals if s["location"] is not None],
                "phones": by("phones.csv", "service_id", sid),
                "languages": by("languages.csv", "service_id", sid),
                "cost_options": by("cost_options.csv", "service_id", sid),
                "required_documents": by("required_documents.csv", "service_id", sid),
                "service_areas": by("service_areas.csv", "service_id", sid),
                "contacts": by("contacts.csv", "service_id", sid),
                "attributes": attributes,
            }
        )
    organizations = [
        {
            **org,
            "organization_identifiers": by("organization_identifiers.csv", "organization_id", org.get("id")),
            "phones": [p for p in by("phones.csv", "organization_id", org.get("id")) if not p.get("service_id")],
        }
        for org in rows("organizations.csv")
    ]
    return {
        **({"generator": tables["generator"]} if isinstance(tables.get("generator"), str) else {}),
        "taxonomies": rows("taxonomies.csv"),
        "taxonomy_terms": [],
        "organizations": organizations,
        "services": services,
    }


def import_hsds(
    data: Any,
    municipality: Municipality,
    actor: Any = None,
    *,
    dry_run: bool = False,
    only_valid: bool = False,
    default_area: str = "04",
) -> ImportReport:
    """Import an HSDS feed into ``municipality``'s catalog; see the module's docstring for the rules."""
    if actor is not None:
        from cus.accounts.permissions import has_permission

        if not has_permission(actor, "catalog.import_service", municipality.pk):
            raise PermissionDenied("Your roles do not allow importing services.")
    report = ImportReport(dry_run=dry_run)
    importer = Importer(municipality=municipality, actor=actor, report=report, default_area=default_area)
    try:
        with transaction.atomic():
            importer.run(data)
            if dry_run or (report.errors and not only_valid):
                raise _Rollback
    except _Rollback:
        report.saved = False
    else:
        report.saved = True
    return report
