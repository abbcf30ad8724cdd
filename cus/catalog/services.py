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
    Location,
    Organization,
    RequiredDocument,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
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


def _check_tenant(municipality: Municipality, organization: Organization | None, served: list[Municipality]) -> None:
    errors = {}
    if organization is not None and organization.municipality_id != municipality.pk:
        errors["organization"] = _("The provider belongs to another municipality's catalog.")
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
    for name, value in changes.items():
        setattr(service, name, value)
    service.full_clean(exclude=["search_document"])
    new_areas = list(areas) if areas is not None else list(service.areas.all())
    new_groups = list(target_groups) if target_groups is not None else list(service.target_groups.all())
    served = (
        list(municipalities_served) if municipalities_served is not None else list(service.municipalities_served.all())
    )
    _check_terms(new_areas, new_groups)
    _check_tenant(service.municipality, service.organization, served)
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
    location.save()
    record_create(actor=actor, instance=location)
    return location


@transaction.atomic
def location_update(*, actor: Any, location: Location, **changes: Any) -> Location:
    reject_unknown_fields(changes, LOCATION_FIELDS)
    location = Location.objects.select_for_update().get(pk=location.pk)
    before = snapshot(location)
    for name, value in changes.items():
        setattr(location, name, value)
    location.full_clean()
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
