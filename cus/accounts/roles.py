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

RESIDENT_EDITORS = frozenset(
    {Role.SERVICES_ORGANISER, Role.IPUS_COORDINATOR, Role.ASSISTANCE_ORGANISER, Role.SOCIAL_WORKER}
)
RESIDENT_READERS = RESIDENT_EDITORS | {Role.DIRECTOR, Role.SPECIALIST}
RESIDENT_MODELS = (
    "person",
    "household",
    "householdmember",
    "incomedeclaration",
    "disabilitycertificate",
    "consent",
    "noticeacknowledgement",
)

PLAN_AUTHORS = SERVICES_TEAM_ROLES
PLAN_TEAM = SERVICES_TEAM_ROLES | {Role.DIRECTOR}
PLAN_MODELS = (
    "serviceplan",
    "need",
    "goal",
    "goalprogress",
    "planitem",
    "supportingactivity",
    "planversion",
    "monitoringnote",
)

# Applications (art. 35–44) are handled by the services team and the social-assistance team (art. 23 ust. 1).
APPLICATION_HANDLERS = SERVICES_TEAM_ROLES | ASSISTANCE_TEAM_ROLES

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
    # Deleting a provider or a place nothing refers to any more (a referenced one is archived instead).
    "catalog.delete_organization": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "catalog.delete_location": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    # Programmes of social services (art. 4–6): every centre role reads them; the director and the services
    # organiser draft them and record the council's adoption, entry into force and closing.
    "programme.view_programme": CENTRE_ROLES,
    "programme.add_programme": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "programme.change_programme": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "programme.adopt_programme": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    # Income criterion and fee tables (PS art. 8, 50 ust. 6): every centre role reads them (to explain a fee);
    # the fee tables are kept by those who organise services and assistance; a new criterion comes with a
    # regulation and is recorded by the director or the organiser of social assistance.
    "qualification.view_incomecriterion": CENTRE_ROLES,
    "qualification.add_incomecriterion": frozenset({Role.DIRECTOR, Role.ASSISTANCE_ORGANISER}),
    "qualification.view_feetable": CENTRE_ROLES,
    **{
        f"qualification.{action}_feetable": frozenset(
            {Role.DIRECTOR, Role.SERVICES_ORGANISER, Role.ASSISTANCE_ORGANISER}
        )
        for action in ("add", "change", "delete")
    },
    # Applications and their qualification (art. 35–44; PS art. 106): the services team and the social-assistance
    # team handle them; the director reads them; decisions (refusals, statutory grants) are signed by the director,
    # the services organiser or the organiser of social assistance. Never provider staff or the administrator.
    "qualification.view_application": APPLICATION_HANDLERS | {Role.DIRECTOR},
    "qualification.add_application": APPLICATION_HANDLERS,
    "qualification.change_application": APPLICATION_HANDLERS,
    "qualification.decide_application": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER, Role.ASSISTANCE_ORGANISER}),
    # Recalculation of fees after a new criterion or fee table (PS art. 106 ust. 3b): started and read by those who
    # decide on applications.
    **{
        permission: frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER, Role.ASSISTANCE_ORGANISER})
        for permission in ("qualification.recalculate_application", "qualification.view_recalculationrun")
    },
    # Residents' personal data (art. 50): the centre's casework roles; never the administrator (a technical role),
    # the community organiser or provider staff.
    **{f"residents.view_{model}": RESIDENT_READERS for model in RESIDENT_MODELS},
    **{f"residents.{action}_{model}": RESIDENT_EDITORS for model in RESIDENT_MODELS for action in ("add", "change")},
    # Removing an income declaration entered in error (with the reason, kept in the audit trail).
    "residents.delete_incomedeclaration": RESIDENT_EDITORS,
    "residents.view_informationnotice": RESIDENT_READERS,
    "residents.add_informationnotice": frozenset({Role.DIRECTOR}),
    # GDPR art. 15/20 export of everything about a person, and who read or changed the record: the director.
    "residents.export_person": frozenset({Role.DIRECTOR}),
    "residents.audit_person": frozenset({Role.DIRECTOR}),
    # Individual social-services plans (art. 38–47): drawn up by IPUS coordinators and the services organiser, read
    # by the director too; approved by the director or a services organiser with a written authorisation (checked in
    # the service); never touched by provider staff (art. 49), who reach only the items assigned to their
    # organisation through ``plans.deliver_planitem``.
    **{f"plans.view_{model}": PLAN_TEAM for model in PLAN_MODELS},
    **{f"plans.{action}_{model}": PLAN_AUTHORS for model in PLAN_MODELS for action in ("add", "change", "delete")},
    "plans.approve_serviceplan": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "plans.summarise_serviceplan": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "plans.deliver_planitem": frozenset({Role.PROVIDER_STAFF}),
    "plans.view_approvaldelegation": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    "plans.add_approvaldelegation": frozenset({Role.DIRECTOR}),
    "plans.change_approvaldelegation": frozenset({Role.DIRECTOR}),
    "plans.view_coordinatormeeting": PLAN_TEAM,
    "plans.add_coordinatormeeting": frozenset({Role.DIRECTOR, Role.SERVICES_ORGANISER}),
    # Delivery records: provider staff record and (within the window) correct their own; the services team reads
    # them and decides late corrections.
    "delivery.view_deliveryrecord": PLAN_TEAM | {Role.PROVIDER_STAFF},
    "delivery.add_deliveryrecord": frozenset({Role.PROVIDER_STAFF}),
    "delivery.change_deliveryrecord": PLAN_AUTHORS | {Role.PROVIDER_STAFF},
    "delivery.view_correctionrequest": PLAN_TEAM | {Role.PROVIDER_STAFF},
    "delivery.add_correctionrequest": frozenset({Role.PROVIDER_STAFF}),
    "delivery.change_correctionrequest": PLAN_AUTHORS,
    # Which user works for which provider: kept by the administrator with the user accounts.
    "delivery.view_providerstaff": frozenset({Role.DIRECTOR, Role.ADMINISTRATOR, Role.SERVICES_ORGANISER}),
    "delivery.add_providerstaff": frozenset({Role.ADMINISTRATOR}),
    "delivery.delete_providerstaff": frozenset({Role.ADMINISTRATOR}),
}


def roles_with(permission: str) -> frozenset[Role]:
    return PERMISSIONS.get(permission, frozenset())
