"""Staff screens of the service catalog: services, providers, locations, the publish workflow, import and export."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cus.accounts.permissions import has_permission
from cus.catalog import hsds_io, hsds_tabular, queries, services, tabular
from cus.catalog.forms import (
    EXCEPTION_FIELDS,
    PHONE_FORM_FIELDS,
    SCHEDULE_FIELDS,
    ContactForm,
    DocumentFormSet,
    ExceptionFormSet,
    ImportForm,
    LocationForm,
    OrganizationForm,
    PhoneFormSet,
    ScheduleFormSet,
    ServiceFilterForm,
    ServiceForm,
    ServiceLocationForm,
    formset_rows,
)
from cus.catalog.models import Contact, Location, Organization, Service, ServiceAtLocation, ServiceStatus
from cus.core.access import access_object
from cus.core.collation import Alphabetical
from cus.core.views import apply_form_errors

PAGE_SIZE = 25
IMPORT_SESSION_KEY = "catalog_import"
# Lazy: translated when a page is rendered, in its language (not once, when the module is imported).
SORTABLE_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("status", gettext_lazy("Status")),
    ("updated", gettext_lazy("Last change")),
)

# Button labels of the workflow: (from, to) → what the button says.
TRANSITION_LABELS: dict[str, Any] = {
    ServiceStatus.PUBLISHED: gettext_lazy("Publish"),
    ServiceStatus.ARCHIVED: gettext_lazy("Archive"),
    ServiceStatus.DRAFT: gettext_lazy("Back to draft"),
}


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _sort_headers(sort: str) -> list[dict[str, Any]]:
    """Column headers that sort: the next sort each link gives and the current ``aria-sort`` value."""
    headers = []
    for key, label in SORTABLE_COLUMNS:
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "", key
        headers.append({"key": key, "label": label, "aria_sort": state, "next": next_sort})
    return headers


# --- services ------------------------------------------------------------------------------------------------------


def _filtered_services(request: HttpRequest) -> tuple[ServiceFilterForm, Any, str]:
    form = ServiceFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if request.GET else {}
    # Free text without an explicit sort keeps the search engine's order (best match first).
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in queries.SERVICE_SORTS:
        sort = "relevance" if filters.get("q") else "name"
    return form, queries.services_for(request.user, sort=sort, **filters), sort


@permission_required("catalog.view_service", raise_exception=True)
def service_list(request: HttpRequest) -> HttpResponse:
    form, services_qs, sort = _filtered_services(request)
    user: Any = request.user
    return render(
        request,
        "catalog/service_list.html",
        {
            "form": form,
            "page": _page(request, services_qs),
            "headers": _sort_headers(sort),
            "can_add": has_permission(user, "catalog.add_service"),
            "can_import": has_permission(user, "catalog.import_service"),
        },
    )


@permission_required("catalog.view_service", raise_exception=True)
def service_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, services_qs, _sort = _filtered_services(request)
    rows = tabular.service_rows(services_qs)
    return _file_response(rows, fmt, "uslugi")


@permission_required("catalog.view_service", raise_exception=True)
def catalog_export_hsds(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole catalog of the user's municipalities (every status) as HSDS JSON or the tabular data package."""
    if fmt not in ("json", "zip"):
        raise Http404
    municipalities = queries.municipalities_for(request.user, "catalog.view_service")
    stamp = timezone.localdate().isoformat()
    if fmt == "zip":
        response = HttpResponse(
            hsds_tabular.export_datapackage(municipalities=municipalities), content_type="application/zip"
        )
    else:
        document = hsds_io.export_catalog(municipalities=municipalities)
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="katalog-hsds-{stamp}.{fmt}"'
    return response


def _file_response(rows: list[list[str]], fmt: str, name: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(tabular.export_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            tabular.export_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@permission_required("catalog.view_service", raise_exception=True)
def service_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    service = access_object(user, Service, "view", pk=pk)
    transitions = services.allowed_transitions(user, service)
    history = queries.service_history(service).select_related("actor")[:200]
    return render(
        request,
        "catalog/service_detail.html",
        {
            "service": service,
            "areas": service.areas.all(),
            "target_groups": service.target_groups.all(),
            "served": service.municipalities_served.all(),
            "documents": service.required_documents.all(),
            "locations": queries.service_locations(service),
            "transitions": [{"status": t, "label": TRANSITION_LABELS.get(t, t)} for t in transitions],
            "can_change": has_permission(user, "catalog.change_service", service.municipality_id),
            "history": [queries.history_row(entry) for entry in history],
            "age_text": service.age_text,
            "contacts": queries.contacts_of(service),
            "contact_owner": "services",
            "phones": queries.phones_of(service),
        },
    )


def _service_form_context(form: Any, documents: Any, service: Service | None) -> dict[str, Any]:
    return {"form": form, "documents": documents, "service": service}


@permission_required("catalog.add_service", raise_exception=True)
def service_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ServiceForm(request.POST or None, user=user)
    documents = DocumentFormSet(request.POST or None, prefix="documents")
    if request.method == "POST" and form.is_valid() and documents.is_valid():
        try:
            with transaction.atomic():
                service = services.service_create(
                    actor=user,
                    municipality=form.cleaned_data["municipality"],
                    areas=form.cleaned_data["areas"],
                    target_groups=form.cleaned_data["target_groups"],
                    municipalities_served=form.cleaned_data["municipalities_served"],
                    **form.service_fields(),
                )
                services.required_documents_set(
                    actor=user, service=service, documents=formset_rows(documents, ["document", "uri"])
                )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The service was saved as a draft."))
            return redirect("catalog:service_detail", pk=service.pk)
    return render(request, "catalog/service_form.html", _service_form_context(form, documents, None))


@permission_required("catalog.change_service", raise_exception=True)
def service_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    service = access_object(user, Service, "change", pk=pk)
    form = ServiceForm(request.POST or None, instance=Service.objects.get(pk=service.pk), user=user)
    initial = [{"document": d.document, "uri": d.uri} for d in service.required_documents.all()]
    documents = DocumentFormSet(request.POST or None, prefix="documents", initial=initial)
    if request.method == "POST" and form.is_valid() and documents.is_valid():
        try:
            with transaction.atomic():
                services.service_update(
                    actor=user,
                    service=service,
                    areas=form.cleaned_data["areas"],
                    target_groups=form.cleaned_data["target_groups"],
                    municipalities_served=form.cleaned_data["municipalities_served"],
                    **form.service_fields(),
                )
                rows = formset_rows(documents, ["document", "uri"])
                if rows != initial:
                    services.required_documents_set(actor=user, service=service, documents=rows)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("catalog:service_detail", pk=service.pk)
    return render(request, "catalog/service_form.html", _service_form_context(form, documents, service))


@require_POST
@permission_required("catalog.change_service", raise_exception=True)
def service_status(request: HttpRequest, pk: Any) -> HttpResponse:
    service = access_object(request.user, Service, "change", pk=pk)
    status = request.POST.get("status", "")
    try:
        # PermissionDenied (a coordinator publishing) becomes the 403 page.
        services.service_set_status(actor=request.user, service=service, status=status)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The service is now: %(status)s.") % {"status": ServiceStatus(status).label},
        )
    return redirect("catalog:service_detail", pk=service.pk)


@permission_required("catalog.add_serviceatlocation", raise_exception=True)
def service_location_add(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    service = access_object(user, Service, "change", pk=pk)
    form = ServiceLocationForm(request.POST or None, service=service, user=user)
    hours = ScheduleFormSet(request.POST or None, prefix="hours")
    exceptions = ExceptionFormSet(request.POST or None, prefix="exceptions")
    if request.method == "POST" and form.is_valid() and hours.is_valid() and exceptions.is_valid():
        try:
            services.service_location_add(
                actor=user,
                service=service,
                location=form.cleaned_data["location"],
                description=form.cleaned_data["description"],
                schedules=formset_rows(hours, SCHEDULE_FIELDS),
                exceptions=formset_rows(exceptions, EXCEPTION_FIELDS),
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The location was added to the service."))
            return redirect("catalog:service_detail", pk=service.pk)
    return render(
        request,
        "catalog/service_location_form.html",
        {"form": form, "hours": hours, "exceptions": exceptions, "service": service, "adding": True},
    )


@permission_required("catalog.change_serviceatlocation", raise_exception=True)
def service_location_hours(request: HttpRequest, pk: Any, sal_pk: Any) -> HttpResponse:
    user: Any = request.user
    service = access_object(user, Service, "change", pk=pk)
    sal = access_object(user, ServiceAtLocation, "change", pk=sal_pk, service=service)
    hours_initial = [{n: getattr(s, n) for n in SCHEDULE_FIELDS} for s in sal.schedules.all()]
    exceptions_initial = [{n: getattr(e, n) for n in EXCEPTION_FIELDS} for e in sal.schedule_exceptions.all()]
    hours = ScheduleFormSet(request.POST or None, prefix="hours", initial=hours_initial)
    exceptions = ExceptionFormSet(request.POST or None, prefix="exceptions", initial=exceptions_initial)
    errors: list[str] = []
    if request.method == "POST" and hours.is_valid() and exceptions.is_valid():
        try:
            services.service_location_set_hours(
                actor=user,
                service_at_location=sal,
                schedules=formset_rows(hours, SCHEDULE_FIELDS),
                exceptions=formset_rows(exceptions, EXCEPTION_FIELDS),
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The opening hours were saved."))
            return redirect("catalog:service_detail", pk=service.pk)
    return render(
        request,
        "catalog/service_location_form.html",
        {"hours": hours, "exceptions": exceptions, "service": service, "sal": sal, "errors": errors},
    )


@require_POST
@permission_required("catalog.change_serviceatlocation", raise_exception=True)
def service_location_remove(request: HttpRequest, pk: Any, sal_pk: Any) -> HttpResponse:
    user: Any = request.user
    service = access_object(user, Service, "change", pk=pk)
    sal = access_object(user, ServiceAtLocation, "change", pk=sal_pk, service=service)
    services.service_location_remove(actor=user, service_at_location=sal)
    messages.success(request, _("The location was removed from the service."))
    return redirect("catalog:service_detail", pk=service.pk)


# --- providers and locations ---------------------------------------------------------------------------------------


@permission_required("catalog.view_organization", raise_exception=True)
def organization_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    user: Any = request.user
    return render(
        request,
        "catalog/organization_list.html",
        {
            "page": _page(request, queries.organizations_for(user, q=query)),
            "q": query.replace("\x00", ""),
            "can_add": has_permission(user, "catalog.add_organization"),
            "can_change": has_permission(user, "catalog.change_organization"),
        },
    )


def _organization_fields(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@permission_required("catalog.add_organization", raise_exception=True)
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(
                actor=request.user, municipality=form.cleaned_data["municipality"], **_organization_fields(form)
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The provider was saved."))
            return redirect("catalog:organization_detail", pk=organization.pk)
    return render(request, "catalog/organization_form.html", {"form": form})


@permission_required("catalog.change_organization", raise_exception=True)
def organization_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    organization = access_object(request.user, Organization, "change", pk=pk)
    form = OrganizationForm(
        request.POST or None, instance=Organization.objects.get(pk=organization.pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(actor=request.user, organization=organization, **_organization_fields(form))
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("catalog:organization_detail", pk=organization.pk)
    return render(request, "catalog/organization_form.html", {"form": form, "organization": organization})


@permission_required("catalog.view_location", raise_exception=True)
def location_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    user: Any = request.user
    return render(
        request,
        "catalog/location_list.html",
        {
            "page": _page(request, queries.locations_for(user, q=query)),
            "q": query.replace("\x00", ""),
            "can_add": has_permission(user, "catalog.add_location"),
            "can_change": has_permission(user, "catalog.change_location"),
        },
    )


@permission_required("catalog.add_location", raise_exception=True)
def location_create(request: HttpRequest) -> HttpResponse:
    form = LocationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.location_create(
                actor=request.user,
                municipality=form.cleaned_data["municipality"],
                **{name: form.cleaned_data[name] for name in services.LOCATION_FIELDS},
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The location was saved."))
            return redirect("catalog:location_detail", pk=location.pk)
    return render(request, "catalog/location_form.html", {"form": form})


@permission_required("catalog.change_location", raise_exception=True)
def location_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    location = access_object(request.user, Location, "change", pk=pk)
    form = LocationForm(request.POST or None, instance=Location.objects.get(pk=location.pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.location_update(
                actor=request.user,
                location=location,
                **{name: form.cleaned_data[name] for name in services.LOCATION_FIELDS},
            )
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("catalog:location_detail", pk=location.pk)
    return render(request, "catalog/location_form.html", {"form": form, "location": location})


@permission_required("catalog.view_organization", raise_exception=True)
def organization_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    organization = access_object(user, Organization, "view", pk=pk)
    references = services.organization_references(organization)
    history = queries.object_history(organization).select_related("actor")[:200]
    return render(
        request,
        "catalog/organization_detail.html",
        {
            "organization": organization,
            "services": queries.organization_services(organization),
            "locations": organization.locations.order_by(Alphabetical("name"), "pk"),
            "units": organization.units.order_by(Alphabetical("name"), "pk"),
            "contacts": queries.contacts_of(organization),
            "contact_owner": "providers",
            "phones": queries.phones_of(organization),
            "references": references,
            "history": [queries.history_row(entry, Organization) for entry in history],
            "can_change": has_permission(user, "catalog.change_organization", organization.municipality_id),
            "can_delete": not references
            and has_permission(user, "catalog.delete_organization", organization.municipality_id),
            "can_change_contacts": has_permission(user, "catalog.change_contact", organization.municipality_id),
        },
    )


@permission_required("catalog.view_location", raise_exception=True)
def location_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    user: Any = request.user
    location = access_object(user, Location, "view", pk=pk)
    references = services.location_references(location)
    history = queries.object_history(location).select_related("actor")[:200]
    return render(
        request,
        "catalog/location_detail.html",
        {
            "location": location,
            "offered": queries.location_services(location),
            "contacts": queries.contacts_of(location),
            "contact_owner": "locations",
            "phones": queries.phones_of(location),
            "references": references,
            "history": [queries.history_row(entry, Location) for entry in history],
            "can_change": has_permission(user, "catalog.change_location", location.municipality_id),
            "can_delete": not references and has_permission(user, "catalog.delete_location", location.municipality_id),
            "can_change_contacts": has_permission(user, "catalog.change_contact", location.municipality_id),
        },
    )


def _archive(request: HttpRequest, obj: Any, function: Any, target: str, kind: str) -> HttpResponse:
    archived = request.POST.get("archived", "1") == "1"
    try:
        function(actor=request.user, archived=archived, **{kind: obj})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Archived.") if archived else _("Restored from the archive."))
    return redirect(target, pk=obj.pk)


@require_POST
@permission_required("catalog.change_organization", raise_exception=True)
def organization_archive(request: HttpRequest, pk: Any) -> HttpResponse:
    organization = access_object(request.user, Organization, "change", pk=pk)
    return _archive(
        request, organization, services.organization_set_archived, "catalog:organization_detail", "organization"
    )


@require_POST
@permission_required("catalog.change_location", raise_exception=True)
def location_archive(request: HttpRequest, pk: Any) -> HttpResponse:
    location = access_object(request.user, Location, "change", pk=pk)
    return _archive(request, location, services.location_set_archived, "catalog:location_detail", "location")


@require_POST
@permission_required("catalog.delete_organization", raise_exception=True)
def organization_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    organization = access_object(request.user, Organization, "delete", pk=pk)
    try:
        services.organization_delete(actor=request.user, organization=organization)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("catalog:organization_detail", pk=organization.pk)
    messages.success(request, _("The provider %(name)s was deleted.") % {"name": organization.name})
    return redirect("catalog:organization_list")


@require_POST
@permission_required("catalog.delete_location", raise_exception=True)
def location_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    location = access_object(request.user, Location, "delete", pk=pk)
    try:
        services.location_delete(actor=request.user, location=location)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("catalog:location_detail", pk=location.pk)
    messages.success(request, _("The location %(name)s was deleted.") % {"name": location.name})
    return redirect("catalog:location_list")


# --- contact people ------------------------------------------------------------------------------------------------

# URL segment → the owner's model and the page to go back to.
CONTACT_OWNERS: dict[str, tuple[Any, str]] = {
    "services": (Service, "catalog:service_detail"),
    "providers": (Organization, "catalog:organization_detail"),
    "locations": (Location, "catalog:location_detail"),
}


def _contact_owner(request: HttpRequest, owner_kind: str, pk: Any) -> tuple[Any, str]:
    model, detail = CONTACT_OWNERS[owner_kind]
    # Changing the contacts of a row is changing the row: the owner's change permission reaches it.
    return access_object(request.user, model, "change", pk=pk), detail


@permission_required("catalog.add_contact", raise_exception=True)
def contact_create(request: HttpRequest, owner_kind: str, pk: Any) -> HttpResponse:
    owner, detail = _contact_owner(request, owner_kind, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(actor=request.user, owner=owner, **form.contact_fields())
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The contact person was added."))
            return redirect(detail, pk=owner.pk)
    return render(request, "catalog/contact_form.html", {"form": form, "owner": owner, "back": detail, "contact": None})


@permission_required("catalog.change_contact", raise_exception=True)
def contact_edit(request: HttpRequest, owner_kind: str, pk: Any, contact_pk: Any) -> HttpResponse:
    owner, detail = _contact_owner(request, owner_kind, pk)
    contact = access_object(request.user, Contact, "change", pk=contact_pk, **{owner._meta.model_name: owner})
    form = ContactForm(request.POST or None, instance=Contact.objects.get(pk=contact.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=request.user, contact=contact, **form.contact_fields())
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(detail, pk=owner.pk)
    return render(
        request, "catalog/contact_form.html", {"form": form, "owner": owner, "back": detail, "contact": contact}
    )


@require_POST
@permission_required("catalog.change_contact", raise_exception=True)
def contact_delete(request: HttpRequest, owner_kind: str, pk: Any, contact_pk: Any) -> HttpResponse:
    owner, detail = _contact_owner(request, owner_kind, pk)
    contact = access_object(request.user, Contact, "change", pk=contact_pk, **{owner._meta.model_name: owner})
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("The contact person %(name)s was removed.") % {"name": contact.name})
    return redirect(detail, pk=owner.pk)


@permission_required("catalog.change_contact", raise_exception=True)
def phones_edit(request: HttpRequest, owner_kind: str, pk: Any) -> HttpResponse:
    """The further phone numbers of a provider, a service or a location, edited as one list."""
    owner, detail = _contact_owner(request, owner_kind, pk)
    initial = [{name: getattr(p, name) for name in PHONE_FORM_FIELDS} for p in queries.phones_of(owner)]
    formset = PhoneFormSet(request.POST or None, prefix="phones", initial=initial)
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.phones_set(actor=request.user, owner=owner, phones=formset_rows(formset, PHONE_FORM_FIELDS))
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The phone numbers were saved."))
            return redirect(detail, pk=owner.pk)
    return render(
        request,
        "catalog/phones_form.html",
        {"formset": formset, "owner": owner, "back": detail, "errors": errors},
    )


# --- import --------------------------------------------------------------------------------------------------------


@permission_required("catalog.import_service", raise_exception=True)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > tabular.MAX_BYTES:
                raise tabular.ImportFileError(
                    _("The file is too large: at most %(mb)s MB.") % {"mb": tabular.MAX_BYTES // (1024 * 1024)}
                )
            rows = tabular.read_table(upload.name, upload.read())
        except tabular.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            # The parsed rows are kept (under var/, keyed from the session) until the user confirms: no second
            # upload. A newer upload replaces an older one.
            previous = request.session.get(IMPORT_SESSION_KEY) or {}
            tabular.pending_drop(previous.get("key", ""))
            request.session[IMPORT_SESSION_KEY] = {
                "key": tabular.pending_save(rows),
                "municipality": form.cleaned_data["municipality"].pk,
                "filename": upload.name,
            }
            return redirect("catalog:import_preview")
    return render(request, "catalog/import_upload.html", {"form": form, "columns": tabular.COLUMNS})


@permission_required("catalog.import_service", raise_exception=True)
def import_preview(request: HttpRequest) -> HttpResponse:
    pending: dict[str, Any] = request.session.get(IMPORT_SESSION_KEY) or {}
    user: Any = request.user
    municipality = None
    if pending:
        municipality = (
            queries.municipalities_for(user, "catalog.import_service").filter(pk=pending["municipality"]).first()
        )
    rows = tabular.pending_load(pending.get("key", "")) if pending else None
    if rows is None or municipality is None:
        messages.info(request, _("Upload a file to import first."))
        return redirect("catalog:import_upload")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "cancel":
            _forget_import(request)
            messages.info(request, _("The import was cancelled; nothing was saved."))
            return redirect("catalog:service_list")
        only_valid = action == "import_valid"
        report = tabular.import_services(
            actor=user, municipality=municipality, rows=rows, dry_run=False, only_valid=only_valid
        )
        if report.created or not report.invalid_rows:
            _forget_import(request)
            skipped = len(report.invalid_rows) if only_valid else 0
            text = ngettext(
                "%(count)s service was imported as a draft.",
                "%(count)s services were imported as drafts.",
                report.created,
            ) % {"count": report.created}
            if skipped:
                text += " " + ngettext(
                    "%(skipped)s row with errors was skipped.", "%(skipped)s rows with errors were skipped.", skipped
                ) % {"skipped": skipped}
            messages.success(request, text)
            return redirect("catalog:service_list")
        messages.error(request, _("Nothing was saved: correct the rows with errors, or import only the valid rows."))
    else:
        report = tabular.import_services(actor=user, municipality=municipality, rows=rows, dry_run=True)
    return render(
        request,
        "catalog/import_preview.html",
        {"report": report, "filename": pending["filename"], "municipality": municipality, "columns": tabular.COLUMNS},
    )


def _forget_import(request: HttpRequest) -> None:
    pending = request.session.pop(IMPORT_SESSION_KEY, None) or {}
    tabular.pending_drop(pending.get("key", ""))


@permission_required("catalog.import_service", raise_exception=True)
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return _file_response(tabular.template_rows(), fmt, "szablon-uslug")
