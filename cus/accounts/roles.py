"""Staff roles of a centre and what each may do (art. 23–34; DOMAIN.md "Organisation").

Permissions are data: a permission name ``<app>.<action>_<model>`` maps to the roles that hold it. A role is always
held in a centre for a set of its municipalities, so every grant is limited to those municipalities.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTOR = "director", _("Director")
    SERVICES_ORGANISER = "services_organiser", _("Social services organiser")
    IPUS_COORDINATOR = "ipus_coordinator", _("IPUS coordinator")
    COMMUNITY_ORGANISER = "community_organiser", _("Community organiser")
    ASSISTANCE_ORGANISER = "assistance_organiser", _("Organiser of social assistance")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    SPECIALIST = "specialist", _("Specialist")
    PROVIDER_STAFF = "provider_staff", _("Provider staff")
    ADMINISTRATOR = "administrator", _("Administrator")


# art. 24–34 and Dz.U. 2020 poz. 664: these posts require the completed statutory training.
TRAINING_REQUIRED = frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER, Role.IPUS_COORDINATOR, Role.COMMUNITY_ORGANISER})
# art. 23 ust. 1 pkt 2: the social-assistance team exists only in a CUS converted from an OPS.
ASSISTANCE_TEAM_ROLES = frozenset({Role.ASSISTANCE_ORGANISER, Role.SOCIAL_WORKER, Role.SPECIALIST})
SERVICES_TEAM_ROLES = frozenset({Role.SERVICES_ORGANISER, Role.IPUS_COORDINATOR})
# Everyone employed by the centre, as opposed to external provider staff (art. 49).
CENTRE_ROLES = frozenset(set(Role) - {Role.PROVIDER_STAFF})
ALL_ROLES = frozenset(Role)
CATALOG_EDITORS = frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER, Role.IPUS_COORDINATOR})
CATALOG_MODELS = (
    "organization",
    "location",
    "service",
    "serviceatlocation",
    "schedule",
    "scheduleexception",
    "requireddocument",
    "contact",
)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "core.view_municipality": ALL_ROLES,
    "core.view_centre": ALL_ROLES,
    "core.change_centre": frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
    "core.view_team": CENTRE_ROLES,
    "accounts.view_user": frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
    "accounts.add_user": frozenset({Role.ADMINISTRATOR}),
    "accounts.change_user": frozenset({Role.ADMINISTRATOR}),
    "accounts.view_trainingcertificate": frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
    "accounts.change_trainingcertificate": frozenset({Role.ADMINISTRATOR}),
    "audit.view_auditentry": frozenset({Role.DIRECTOR, Role.ADMINISTRATOR}),
    # The catalog (art. 13 ust. 1 pkt 9): all centre staff read it; the services team keeps it; the services
    # organiser or the director publishes what a coordinator drafted.
    **{f"catalog.view_{model}": CENTRE_ROLES for model in CATALOG_MODELS},
    **{f"catalog.{action}_{model}": CATALOG_EDITORS for model in CATALOG_MODELS for action in ("add", "change")},
    "catalog.publish_service": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "catalog.import_service": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
}


def roles_with(permission: str) -> frozenset[Role]:
    return PERMISSIONS.get(permission, frozenset())
