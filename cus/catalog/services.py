"""Writes to the catalog. Each public function is one transaction that validates, saves, refreshes the search
document and writes the audit trail. Publishing is a separate step: a coordinator drafts, the services organiser
(or the director) publishes (catalog.publish_service)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.audit.services import record_create, record_delete, record_update, snapshot
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    Contact,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from cus.core.collation import Alphabetical
from cus.core.models import Municipality
from cus.core.validation import reject_unknown_fields

SERVICE_FIELDS = (
    "organization",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "phone",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "fee_kind",
    "fee_amount",
    "fee_unit",
    "fees_description",
    "application_process",
    "languages",
    "capacity",
    "accessibility",
    "wait_time",
)

# Allowed status changes (service workflow): (from, to) → the permission it needs.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ServiceStatus.DRAFT, ServiceStatus.PUBLISHED): "catalog.publish_service",
    (ServiceStatus.PUBLISHED, ServiceStatus.DRAFT): "catalog.publish_service",
    (ServiceStatus.PUBLISHED, ServiceStatus.ARCHIVED): "catalog.publish_service",
    (ServiceStatus.DRAFT, ServiceStatus.ARCHIVED): "catalog.change_service",
    (ServiceStatus.ARCHIVED, ServiceStatus.DRAFT): "catalog.change_service",
}


def refresh_search_document(service: Service) -> None:
    from cus.catalog.search import service_document

    document = service_document(service)
    if document != service.search_document:
        service.search_document = document
        Service.objects.filter(pk=service.pk).update(search_document=document)


def _check_terms(areas: Iterable[TaxonomyTerm], target_groups: Iterable[TaxonomyTerm]) -> None:
    errors = {}
    areas, target_groups = list(areas), list(target_groups)
    if not areas:
        errors["areas"] = _("Choose at least one of the 14 service areas (art. 2 ust. 1).")
    elif any(term.taxonomy_id != AREAS_TAXONOMY_ID for term in areas):
        errors["areas"] = _("Unknown service area.")
    if any(term.taxonomy_id != TARGET_GROUPS_TAXONOMY_ID for term in target_groups):
        errors["target_groups"] = _("Unknown target group.")
    if errors:
        raise ValidationError(errors)


def _check_tenant(
    municipality: Municipality,
    organization: Organization | None,
    served: list[Municipality],
    *,
    previous_organization_id: Any = None,
) -> None:
    errors = {}
    if organization is not None and organization.municipality_id != municipality.pk:
        errors["organization"] = _("The provider belongs to another municipality's catalog.")
    elif organization is not None and organization.archived_at and organization.pk != previous_organization_id:
        errors["organization"] = _("The provider is archived: choose another one, or restore it first.")
    if not served:
        errors["municipalities_served"] = _("Choose at least one municipality where the service is available.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_create(
    *,
    actor: Any,
    municipality: Municipality,
    areas: Iterable[TaxonomyTerm],
    target_groups: Iterable[TaxonomyTerm] = (),
    municipalities_served: Iterable[Municipality] | None = None,
    pk: Any = None,
    **fields: Any,
) -> Service:
    reject_unknown_fields(fields, SERVICE_FIELDS)
    areas, target_groups = list(areas), list(target_groups)
    served = list(municipalities_served) if municipalities_served is not None else [municipality]
    service = Service(municipality=municipality, status=ServiceStatus.DRAFT, **fields)
    if pk is not None:  # an imported row keeps its id (HSDS ids are stable across systems)
        service.pk = pk
    service.full_clean(exclude=["search_document"])
    _check_terms(areas, target_groups)
    _check_tenant(municipality, service.organization, served)
    service.save()
    service.areas.set(areas)
    service.target_groups.set(target_groups)
    service.municipalities_served.set(served)
    refresh_search_document(service)
    record_create(actor=actor, instance=service)
    return service


@transaction.atomic
def service_update(
    *,
    actor: Any,
    service: Service,
    areas: Iterable[TaxonomyTerm] | None = None,
    target_groups: Iterable[TaxonomyTerm] | None = None,
    municipalities_served: Iterable[Municipality] | None = None,
    **changes: Any,
) -> Service:
    reject_unknown_fields(changes, SERVICE_FIELDS)
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = snapshot(service)
    previous_organization_id = service.organization_id
    for name, value in changes.items():
        setattr(service, name, value)
    service.full_clean(exclude=["search_document"])
    new_areas = list(areas) if areas is not None else list(service.areas.all())
    new_groups = list(target_groups) if target_groups is not None else list(service.target_groups.all())
    served = (
        list(municipalities_served) if municipalities_served is not None else list(service.municipalities_served.all())
    )
    _check_terms(new_areas, new_groups)
    _check_tenant(service.municipality, service.organization, served, previous_organization_id=previous_organization_id)
    service.save()
    if areas is not None:
        service.areas.set(new_areas)
    if target_groups is not None:
        service.target_groups.set(new_groups)
    if municipalities_served is not None:
        service.municipalities_served.set(served)
    refresh_search_document(service)
    record_update(actor=actor, instance=service, before=before)
    return service


def allowed_transitions(user: Any, service: Service) -> list[str]:
    from cus.accounts.permissions import has_permission

    return [
        target
        for (source, target), permission in TRANSITIONS.items()
        if source == service.status and has_permission(user, permission, service.municipality_id)
    ]


@transaction.atomic
def service_set_status(*, actor: Any, service: Service, status: str) -> Service:
    """Publish, withdraw to draft or archive a service, as the workflow and the actor's roles allow."""
    from cus.accounts.permissions import has_permission

    service = Service.objects.select_for_update().get(pk=service.pk)
    permission = TRANSITIONS.get((service.status, status))
    if permission is None:
        raise ValidationError(
            {
                "status": _("A service cannot go from %(source)s to %(target)s.")
                % {"source": ServiceStatus(service.status).label, "target": _status_label(status)}
            }
        )
    if actor is not None and not has_permission(actor, permission, service.municipality_id):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only the services organiser or the director can publish services."))
    if status == ServiceStatus.PUBLISHED:
        _check_publishable(service)
    before = snapshot(service)
    service.status = status
    if status == ServiceStatus.PUBLISHED:
        service.published_at = timezone.now()
    service.save(update_fields=["status", "published_at", "updated_at"])
    record_update(actor=actor, instance=service, before=before, message=f"status: {status}")
    return service


def _status_label(status: str) -> str:
    try:
        return str(ServiceStatus(status).label)
    except ValueError:
        return status


def _check_publishable(service: Service) -> None:
    errors = {}
    if not service.areas.exists():
        errors["areas"] = _("Choose at least one of the 14 service areas (art. 2 ust. 1).")
    if not service.application_process.strip():
        errors["application_process"] = _("Describe how to apply before publishing.")
    if not service.service_at_locations.exists():
        errors["service_at_locations"] = _("Add at least one location before publishing.")
    if service.organization.archived_at:
        errors["organization"] = _("The provider is archived: choose another one, or restore it first.")
    archived = [
        sal.location.name
        for sal in service.service_at_locations.select_related("location")
        if sal.location.archived_at is not None
    ]
    if archived:
        errors["service_at_locations"] = _("These locations are archived: %(names)s.") % {"names": ", ".join(archived)}
    if errors:
        raise ValidationError(errors)


ORGANIZATION_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "kind",
    "email",
    "website",
    "phone",
    "nip",
    "regon",
    "krs",
    "legal_status",
    "year_incorporated",
    "parent",
)


@transaction.atomic
def organization_create(*, actor: Any, municipality: Municipality, pk: Any = None, **fields: Any) -> Organization:
    reject_unknown_fields(fields, ORGANIZATION_FIELDS)
    organization = Organization(municipality=municipality, **fields)
    if pk is not None:
        organization.pk = pk
    organization.full_clean()
    organization.save()
    record_create(actor=actor, instance=organization)
    return organization


@transaction.atomic
def organization_update(*, actor: Any, organization: Organization, **changes: Any) -> Organization:
    reject_unknown_fields(changes, ORGANIZATION_FIELDS)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = snapshot(organization)
    for name, value in changes.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    record_update(actor=actor, instance=organization, before=before)
    for service in organization.services.all():
        refresh_search_document(service)
    return organization


LOCATION_FIELDS = (
    "organization",
    "location_type",
    "name",
    "description",
    "address_1",
    "address_2",
    "postal_code",
    "city",
    "url",
    "latitude",
    "longitude",
    "transportation",
    "wheelchair_accessible",
    "accessibility",
    "phone",
)


@transaction.atomic
def location_create(*, actor: Any, municipality: Municipality, pk: Any = None, **fields: Any) -> Location:
    reject_unknown_fields(fields, LOCATION_FIELDS)
    location = Location(municipality=municipality, **fields)
    if pk is not None:
        location.pk = pk
    location.full_clean()
    if location.organization is not None and location.organization.municipality_id != municipality.pk:
        raise ValidationError({"organization": _("The provider belongs to another municipality's catalog.")})
    if location.organization is not None and location.organization.archived_at:
        raise ValidationError({"organization": _("The provider is archived: choose another one, or restore it first.")})
    location.save()
    record_create(actor=actor, instance=location)
    return location


@transaction.atomic
def location_update(*, actor: Any, location: Location, **changes: Any) -> Location:
    reject_unknown_fields(changes, LOCATION_FIELDS)
    location = Location.objects.select_for_update().get(pk=location.pk)
    before = snapshot(location)
    previous_organization_id = location.organization_id
    for name, value in changes.items():
        setattr(location, name, value)
    location.full_clean()
    organization = location.organization
    if organization is not None and organization.municipality_id != location.municipality_id:
        raise ValidationError({"organization": _("The provider belongs to another municipality's catalog.")})
    if organization is not None and organization.archived_at and organization.pk != previous_organization_id:
        raise ValidationError({"organization": _("The provider is archived: choose another one, or restore it first.")})
    location.save()
    record_update(actor=actor, instance=location, before=before)
    for sal in location.service_at_locations.select_related("service"):
        refresh_search_document(sal.service)
    return location


@transaction.atomic
def service_location_add(
    *,
    actor: Any,
    service: Service,
    location: Location,
    description: str = "",
    schedules: Iterable[Mapping[str, Any]] = (),
    exceptions: Iterable[Mapping[str, Any]] = (),
    pk: Any = None,
) -> ServiceAtLocation:
    """Offer the service at a location with its weekly hours (weekday, opens_at, closes_at, ...) and exceptions."""
    if location.municipality_id != service.municipality_id:
        raise ValidationError({"location": _("The location belongs to another municipality's catalog.")})
    if Location.objects.filter(pk=location.pk, archived_at__isnull=False).exists():
        raise ValidationError({"location": _("The location is archived: restore it before offering services there.")})
    if ServiceAtLocation.objects.filter(service=service, location=location).exists():
        raise ValidationError({"location": _("The service is already offered at this location.")})
    sal = ServiceAtLocation(service=service, location=location, description=description)
    if pk is not None:
        sal.pk = pk
    sal.save(force_insert=True)
    _save_hours(sal, schedules, exceptions)
    record_create(actor=actor, instance=sal)
    refresh_search_document(service)
    return sal


@transaction.atomic
def service_location_set_hours(
    *,
    actor: Any,
    service_at_location: ServiceAtLocation,
    schedules: Iterable[Mapping[str, Any]],
    exceptions: Iterable[Mapping[str, Any]] = (),
) -> ServiceAtLocation:
    """Replace the weekly hours and exceptions of a service at a location."""
    sal = ServiceAtLocation.objects.select_for_update().get(pk=service_at_location.pk)
    before = {"schedules": [snapshot(s) for s in sal.schedules.all()]}
    before["exceptions"] = [snapshot(e) for e in sal.schedule_exceptions.all()]
    sal.schedules.all().delete()
    sal.schedule_exceptions.all().delete()
    _save_hours(sal, schedules, exceptions)
    after = {
        "schedules": [snapshot(s) for s in sal.schedules.all()],
        "exceptions": [snapshot(e) for e in sal.schedule_exceptions.all()],
    }
    from cus.audit.models import AuditAction
    from cus.audit.services import record

    record(action=AuditAction.UPDATE, actor=actor, instance=sal, before=before, after=after, message="hours")
    return sal


def _save_hours(
    sal: ServiceAtLocation, schedules: Iterable[Mapping[str, Any]], exceptions: Iterable[Mapping[str, Any]]
) -> None:
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(schedules):
        schedule = Schedule(service_at_location=sal, **row)
        try:
            schedule.full_clean()
        except ValidationError as exc:
            for message in exc.messages:
                errors.setdefault("schedules", []).append(
                    _("Row %(row)s: %(message)s") % {"row": index + 1, "message": message}
                )
            continue
        schedule.save()
    for index, row in enumerate(exceptions):
        exception = ScheduleException(service_at_location=sal, **row)
        try:
            exception.full_clean()
        except ValidationError as exc:
            for message in exc.messages:
                errors.setdefault("exceptions", []).append(
                    _("Row %(row)s: %(message)s") % {"row": index + 1, "message": message}
                )
            continue
        exception.save()
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_location_remove(*, actor: Any, service_at_location: ServiceAtLocation) -> None:
    service = service_at_location.service
    record_delete(actor=actor, instance=service_at_location, before=snapshot(service_at_location))
    service_at_location.delete()
    refresh_search_document(service)


@transaction.atomic
def required_documents_set(*, actor: Any, service: Service, documents: Iterable[Mapping[str, str]]) -> None:
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = {"required_documents": [snapshot(d) for d in service.required_documents.all()]}
    service.required_documents.all().delete()
    for row in documents:
        document = RequiredDocument(service=service, **row)
        document.full_clean()
        document.save()
    after = {"required_documents": [snapshot(d) for d in service.required_documents.all()]}
    from cus.audit.models import AuditAction
    from cus.audit.services import record

    record(action=AuditAction.UPDATE, actor=actor, instance=service, before=before, after=after, message="documents")


# --- archive and delete providers and locations ----------------------------------------------------------------------

REFERENCE_LIMIT = 10


def _names(items: Iterable[Any]) -> str:
    names = [str(item) for item in items]
    if len(names) > REFERENCE_LIMIT:
        more = len(names) - REFERENCE_LIMIT
        return ", ".join(names[:REFERENCE_LIMIT]) + " " + _("and %(count)s more") % {"count": more}
    return ", ".join(names)


def organization_references(organization: Organization) -> list[tuple[str, str]]:
    """What still points at the provider: (what, the names), empty when it can be deleted."""
    found = []
    services = list(organization.services.order_by(Alphabetical("name")).values_list("name", flat=True))
    if services:
        found.append((_("services"), _names(services)))
    locations = list(organization.locations.order_by(Alphabetical("name")).values_list("name", flat=True))
    if locations:
        found.append((_("locations"), _names(locations)))
    units = list(organization.units.order_by(Alphabetical("name")).values_list("name", flat=True))
    if units:
        found.append((_("units of this provider"), _names(units)))
    return found


def location_references(location: Location) -> list[tuple[str, str]]:
    services = list(
        location.service_at_locations.select_related("service")
        .order_by(Alphabetical("service__name"))
        .values_list("service__name", flat=True)
    )
    return [(_("services offered here"), _names(services))] if services else []


def _listed(references: list[tuple[str, str]]) -> str:
    return "; ".join(f"{what}: {names}" for what, names in references)


def _published_using(queryset: Any) -> list[str]:
    return list(
        queryset.filter(status=ServiceStatus.PUBLISHED).order_by(Alphabetical("name")).values_list("name", flat=True)
    )


@transaction.atomic
def organization_delete(*, actor: Any, organization: Organization) -> None:
    """Delete a provider nothing refers to (its contact people go with it); otherwise explain what refers to it."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    references = organization_references(organization)
    if references:
        raise ValidationError(
            _(
                "The provider cannot be deleted while it is used by — %(references)s. Archive it instead, or first "
                "move or delete what uses it."
            )
            % {"references": _listed(references)},
            code="referenced",
        )
    before = snapshot(organization)
    before["contacts"] = [snapshot(c) for c in organization.contacts.all()]
    before["phones"] = [_phone_text(p) for p in organization.phones.all()]
    record_delete(actor=actor, instance=organization, before=before)
    organization.delete()


@transaction.atomic
def location_delete(*, actor: Any, location: Location) -> None:
    location = Location.objects.select_for_update().get(pk=location.pk)
    references = location_references(location)
    if references:
        raise ValidationError(
            _(
                "The location cannot be deleted while it is used by — %(references)s. Archive it instead, or first "
                "remove it from those services."
            )
            % {"references": _listed(references)},
            code="referenced",
        )
    before = snapshot(location)
    before["contacts"] = [snapshot(c) for c in location.contacts.all()]
    before["phones"] = [_phone_text(p) for p in location.phones.all()]
    record_delete(actor=actor, instance=location, before=before)
    location.delete()


@transaction.atomic
def organization_set_archived(*, actor: Any, organization: Organization, archived: bool) -> Organization:
    """Archive a provider (offered for no new service, hidden from the public) or restore it. A provider with a
    published service cannot be archived: residents would see a service without its provider."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if archived == (organization.archived_at is not None):
        return organization
    if archived:
        published = _published_using(organization.services.all())
        if published:
            raise ValidationError(
                _("Withdraw or archive its published services first: %(names)s.") % {"names": _names(published)},
                code="published",
            )
    before = snapshot(organization)
    organization.archived_at = timezone.now() if archived else None
    organization.save(update_fields=["archived_at", "updated_at"])
    record_update(actor=actor, instance=organization, before=before, message="archived" if archived else "restored")
    return organization


@transaction.atomic
def location_set_archived(*, actor: Any, location: Location, archived: bool) -> Location:
    location = Location.objects.select_for_update().get(pk=location.pk)
    if archived == (location.archived_at is not None):
        return location
    if archived:
        published = _published_using(Service.objects.filter(service_at_locations__location=location))
        if published:
            raise ValidationError(
                _("Withdraw the published services offered here first, or remove the location from them: %(names)s.")
                % {"names": _names(published)},
                code="published",
            )
    before = snapshot(location)
    location.archived_at = timezone.now() if archived else None
    location.save(update_fields=["archived_at", "updated_at"])
    record_update(actor=actor, instance=location, before=before, message="archived" if archived else "restored")
    return location


# --- contact people ------------------------------------------------------------------------------------------------

CONTACT_FIELDS = ("name", "title", "department", "email", "phone")


def contact_owner_key(owner: Service | Organization | Location) -> str:
    """How a contact's audit entries name its owner (the owner's history finds them by it, even once deleted)."""
    return f"{owner._meta.model_name}:{owner.pk}"


def _owner_field(owner: Any) -> str:
    if isinstance(owner, Service):
        return "service"
    if isinstance(owner, Organization):
        return "organization"
    if isinstance(owner, Location):
        return "location"
    raise TypeError(f"A contact cannot belong to {owner!r}.")


def _clean_contact(contact: Contact) -> None:
    from cus.catalog.validators import validate_phone

    contact.phone = " ".join((contact.phone or "").split())
    errors: dict[str, Any] = {}
    try:
        contact.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_phone(contact.phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    if not (contact.phone or contact.email):
        errors.setdefault("phone", []).append(_("Give a phone number or an e-mail address."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_create(*, actor: Any, owner: Service | Organization | Location, **fields: Any) -> Contact:
    reject_unknown_fields(fields, CONTACT_FIELDS)
    contact = Contact(**{_owner_field(owner): owner}, **fields)
    _clean_contact(contact)
    contact.save()
    record_create(actor=actor, instance=contact, message=contact_owner_key(owner))
    return contact


@transaction.atomic
def contact_update(*, actor: Any, contact: Contact, **changes: Any) -> Contact:
    reject_unknown_fields(changes, CONTACT_FIELDS)
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("service", "organization", "location")
        .get(pk=contact.pk)
    )
    before = snapshot(contact)
    for name, value in changes.items():
        setattr(contact, name, value)
    _clean_contact(contact)
    contact.save()
    owner = contact.owner
    assert owner is not None
    record_update(actor=actor, instance=contact, before=before, message=contact_owner_key(owner))
    return contact


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    owner = contact.owner
    assert owner is not None
    record_delete(actor=actor, instance=contact, before=snapshot(contact), message=contact_owner_key(owner))
    contact.delete()


# --- further phone numbers -------------------------------------------------------------------------------------------

PHONE_FIELDS = ("number", "extension", "type", "description")


def _phone_text(phone: Phone) -> dict[str, Any]:
    return {name: getattr(phone, name) for name in PHONE_FIELDS}


def _reuse_phone_ids(
    built: list[Phone], numbers: list[tuple[str, str]], existing: list[Phone], wanted_ids: list[Any]
) -> None:
    """A number given again keeps its row (and its id in the HSDS output); the others are deleted. A new number may
    bring its own id (an HSDS import keeps the ids of the feed) unless the id is taken."""
    kept = {(p.number.replace(" ", "").replace("-", ""), p.extension): p.pk for p in existing}
    for phone, key in zip(built, numbers, strict=True):
        if key in kept:
            phone.pk = kept.pop(key)
            phone._state.adding = False
    Phone.objects.filter(pk__in=list(kept.values())).delete()
    asked = [i for i in wanted_ids if i]
    free = set(asked) - set(Phone.objects.filter(pk__in=asked).values_list("pk", flat=True))
    for phone, wanted in zip(built, wanted_ids, strict=True):
        if phone._state.adding and wanted in free:
            phone.pk = wanted


@transaction.atomic
def phones_set(
    *, actor: Any, owner: Service | Organization | Location, phones: Iterable[Mapping[str, Any]]
) -> list[Phone]:
    """Replace the further phone numbers of a provider, a service or a location (rows: number, extension, type,
    description). Every row is checked; a bad row saves nothing and is named in the error."""
    field = _owner_field(owner)
    rows = list(phones)
    errors: list[str] = []
    built = []
    wanted_ids = []
    for index, row in enumerate(rows):
        row = dict(row)  # noqa: PLW2901 - the id is taken out, the rest are the fields
        wanted_ids.append(row.pop("id", None))
        unknown = set(row) - set(PHONE_FIELDS)
        if unknown:
            raise ValueError(f"Unknown phone fields: {sorted(unknown)}")
        phone = Phone(**{field: owner}, **row)
        phone.number = " ".join((phone.number or "").split())
        try:
            phone.full_clean(exclude=[field])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                label = getattr(Phone._meta.get_field(name), "verbose_name", name) if name != "__all__" else ""
                for message in messages:
                    errors.append(
                        _("Row %(row)s: %(field)s: %(message)s")
                        % {"row": index + 1, "field": label, "message": message}
                    )
        built.append(phone)
    numbers = [(p.number.replace(" ", "").replace("-", ""), p.extension) for p in built]
    if len(set(numbers)) != len(numbers):
        errors.append(_("The same number is given twice."))
    if errors:
        raise ValidationError({"phones": errors})
    existing = list(Phone.objects.filter(**{field: owner}))
    before = {"phones": [_phone_text(p) for p in existing]}
    _reuse_phone_ids(built, numbers, existing, wanted_ids)
    for phone in built:
        phone.save()
    after = {"phones": [_phone_text(p) for p in built]}
    if before != after:
        from cus.audit.models import AuditAction
        from cus.audit.services import record

        record(action=AuditAction.UPDATE, actor=actor, instance=owner, before=before, after=after, message="phones")
    return built
