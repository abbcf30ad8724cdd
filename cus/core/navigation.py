"""The main navigation, filtered by what the signed-in user's roles allow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cus.accounts.permissions import has_permission


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str | None


NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Home"), "core:home", None),
    NavItem(_("Centre"), "core:centre_list", "core.view_centre"),
    NavItem(_("Staff"), "accounts:staff_list", "accounts.view_user"),
    NavItem(_("Service catalog"), "catalog:service_list", "catalog.view_service"),
    NavItem(_("Residents"), "residents:person_list", "residents.view_person"),
    NavItem(_("Programmes"), "programme:programme_list", "programme.view_programme"),
    NavItem(_("Applications"), "qualification:application_list", "qualification.view_application"),
    NavItem(_("Fees"), "qualification:feetable_list", "qualification.view_feetable"),
    NavItem(_("Plans (IPUS)"), "plans:home", "plans.view_serviceplan"),
    NavItem(_("Plans summary"), "plans_organiser:summary", "plans.summarise_serviceplan"),
    NavItem(_("Coordinators' meetings"), "plans_organiser:meeting_list", "plans.view_coordinatormeeting"),
    NavItem(_("My services to deliver"), "delivery:home", "plans.deliver_planitem"),
    NavItem(_("Correction requests"), "delivery:correction_list", "delivery.change_correctionrequest"),
    NavItem(_("Provider staff"), "delivery:staff_list", "delivery.view_providerstaff"),
    NavItem(_("Audit log"), "audit:search", "audit.view_auditentry"),
    NavItem(_("API tokens"), "accounts:token_list", None),
)


def navigation_for(request: HttpRequest, user: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for item in NAVIGATION:
        if item.permission and not has_permission(user, item.permission):
            continue
        url = reverse(item.url_name)
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "current": current})
    return items
