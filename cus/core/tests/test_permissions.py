"""The permission matrix, generated from ``cus.accounts.roles.PERMISSIONS``: every staff page and every API operation
against every role, anonymous access, and objects of another centre.

Expectations are derived from the table, so the test stays true when the table grows; a new page or API operation
must be added to ``PAGES`` or ``OPERATIONS`` (the coverage tests below fail until it is).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cus.accounts import services as account_services
from cus.accounts.models import User
from cus.accounts.roles import Role, roles_with
from cus.accounts.tests.factories import PASSWORD, UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.audit.services import record
from cus.catalog.models import ServiceStatus
from cus.catalog.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from cus.catalog.tests.factories import matrix_objects as catalog_matrix_objects
from cus.core.models import Centre
from cus.delivery.tests.factories import link_provider_actor
from cus.delivery.tests.factories import matrix_objects as delivery_matrix_objects
from cus.programme.tests.factories import matrix_objects as programme_matrix_objects
from cus.qualification.tests.factories import matrix_objects as qualification_matrix_objects
from cus.residents.tests.factories import matrix_objects as residents_matrix_objects

ROLES = list(Role)


@dataclass(frozen=True)
class Endpoint:
    """One page or API operation. ``permission`` is checked first (403 without it; None: any signed-in user);
    ``reach`` is what fetching the object in the path needs (404 without it), ``denied`` names that object."""

    method: str
    path: str
    permission: str | None
    reach: str | None = None
    denied: str | None = None
    ok: int = 200
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    def allows(self, role: Role) -> bool:
        needed = [perm for perm in (self.permission, self.reach) if perm is not None]
        return all(role in roles_with(perm) for perm in needed)

    def status_for(self, role: Role) -> int:
        if self.permission is not None and role not in roles_with(self.permission):
            return 403
        if self.reach is not None and role not in roles_with(self.reach):
            return 404
        return self.ok


DELIVERY_RECORD_BODY = {
    "date": "{record_date}",
    "start_time": "10:00",
    "minutes": "60",
    "worker_name": "Jan Nowak",
    "status": "delivered",
}

PAGES = [
    Endpoint("GET", "/", None),
    Endpoint("GET", "/centre/", "core.view_centre"),
    Endpoint("GET", "/centre/{centre}/", "core.view_centre", "core.view_centre", "centre"),
    Endpoint("GET", "/centre/{centre}/edit/", "core.change_centre", "core.change_centre", "centre"),
    Endpoint("GET", "/accounts/staff/", "accounts.view_user"),
    Endpoint("GET", "/accounts/staff/new/", "accounts.add_user"),
    Endpoint("GET", "/accounts/staff/{staff}/", "accounts.view_user", "accounts.view_user", "staff"),
    Endpoint("GET", "/accounts/staff/{staff}/edit/", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint(
        "POST",
        "/accounts/staff/{staff}/active/",
        "accounts.change_user",
        "accounts.change_user",
        "staff",
        ok=302,
        body={"active": "1"},
    ),
    Endpoint(
        "POST", "/accounts/staff/{staff}/reset-2fa/", "accounts.change_user", "accounts.change_user", "staff", ok=302
    ),
    Endpoint(
        "GET",
        "/accounts/staff/{staff}/certificates/new/",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
    ),
    Endpoint(
        "POST",
        "/accounts/staff/{staff}/certificates/{certificate}/delete/",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
        ok=302,
    ),
    Endpoint("GET", "/audit/", "audit.view_auditentry"),
    Endpoint("GET", "/audit/export.csv", "audit.view_auditentry"),
    Endpoint("GET", "/audit/{entry}/", "audit.view_auditentry", "audit.view_auditentry", "entry"),
    Endpoint("GET", "/accounts/tokens/", None),
    Endpoint("POST", "/accounts/tokens/{token}/revoke/", None, None, "token", ok=302),
    # The service catalog (staff side).
    Endpoint("GET", "/catalog/", "catalog.view_service"),
    Endpoint("GET", "/catalog/services/export.csv", "catalog.view_service"),
    Endpoint("GET", "/catalog/services/export.xlsx", "catalog.view_service"),
    Endpoint("GET", "/catalog/services/new/", "catalog.add_service"),
    Endpoint("GET", "/catalog/services/{service}/", "catalog.view_service", "catalog.view_service", "service"),
    Endpoint("GET", "/catalog/services/{service}/edit/", "catalog.change_service", "catalog.change_service", "service"),
    Endpoint(
        "POST",
        "/catalog/services/{service}/status/",
        "catalog.change_service",
        "catalog.change_service",
        "service",
        ok=302,
        body={"status": "archived"},
    ),
    Endpoint(
        "GET",
        "/catalog/services/{service}/locations/new/",
        "catalog.add_serviceatlocation",
        "catalog.change_service",
        "service",
    ),
    Endpoint(
        "GET",
        "/catalog/services/{service}/locations/{sal}/hours/",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
    ),
    Endpoint(
        "POST",
        "/catalog/services/{service}/locations/{sal}/remove/",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
        ok=302,
    ),
    Endpoint("GET", "/catalog/providers/", "catalog.view_organization"),
    Endpoint("GET", "/catalog/providers/new/", "catalog.add_organization"),
    Endpoint(
        "GET",
        "/catalog/providers/{organization}/edit/",
        "catalog.change_organization",
        "catalog.change_organization",
        "organization",
    ),
    Endpoint("GET", "/catalog/locations/", "catalog.view_location"),
    Endpoint("GET", "/catalog/locations/new/", "catalog.add_location"),
    Endpoint(
        "GET", "/catalog/locations/{location}/edit/", "catalog.change_location", "catalog.change_location", "location"
    ),
    Endpoint("GET", "/catalog/import/", "catalog.import_service"),
    # Without a file uploaded in this session the preview sends the user to the upload form.
    Endpoint("GET", "/catalog/import/preview/", "catalog.import_service", ok=302),
    Endpoint("GET", "/catalog/import/template.csv", "catalog.import_service"),
    Endpoint("GET", "/catalog/export/hsds.json", "catalog.view_service"),
    Endpoint("GET", "/catalog/export/hsds.zip", "catalog.view_service"),
    Endpoint(
        "GET",
        "/catalog/providers/{organization}/",
        "catalog.view_organization",
        "catalog.view_organization",
        "organization",
    ),
    Endpoint(
        "POST",
        "/catalog/providers/{organization}/archive/",
        "catalog.change_organization",
        "catalog.change_organization",
        "organization",
        ok=302,
        body={"archived": "0"},
    ),
    Endpoint(
        "POST",
        "/catalog/providers/{free_organization}/delete/",
        "catalog.delete_organization",
        "catalog.delete_organization",
        "free_organization",
        ok=302,
    ),
    Endpoint("GET", "/catalog/locations/{location}/", "catalog.view_location", "catalog.view_location", "location"),
    Endpoint(
        "POST",
        "/catalog/locations/{location}/archive/",
        "catalog.change_location",
        "catalog.change_location",
        "location",
        ok=302,
        body={"archived": "0"},
    ),
    Endpoint(
        "POST",
        "/catalog/locations/{free_location}/delete/",
        "catalog.delete_location",
        "catalog.delete_location",
        "free_location",
        ok=302,
    ),
    *[
        endpoint
        for segment, owner, model in (
            ("services", "service", "service"),
            ("providers", "organization", "organization"),
            ("locations", "location", "location"),
        )
        for endpoint in (
            Endpoint(
                "GET",
                f"/catalog/{segment}/{{{owner}}}/phones/",
                "catalog.change_contact",
                f"catalog.change_{model}",
                owner,
            ),
            Endpoint(
                "GET",
                f"/catalog/{segment}/{{{owner}}}/contacts/new/",
                "catalog.add_contact",
                f"catalog.change_{model}",
                owner,
            ),
            Endpoint(
                "GET",
                f"/catalog/{segment}/{{{owner}}}/contacts/{{{owner}_contact}}/edit/",
                "catalog.change_contact",
                f"catalog.change_{model}",
                owner,
            ),
            Endpoint(
                "POST",
                f"/catalog/{segment}/{{{owner}}}/contacts/{{{owner}_contact}}/delete/",
                "catalog.change_contact",
                f"catalog.change_{model}",
                owner,
                ok=302,
            ),
        )
    ],
    # Income criteria and fee tables (staff side).
    Endpoint("GET", "/qualification/fee-tables/", "qualification.view_feetable"),
    Endpoint("GET", "/qualification/fee-tables/new/", "qualification.add_feetable"),
    Endpoint(
        "GET",
        "/qualification/fee-tables/{fee_table}/",
        "qualification.view_feetable",
        "qualification.view_feetable",
        "fee_table",
    ),
    Endpoint(
        "GET",
        "/qualification/fee-tables/{fee_table}/edit/",
        "qualification.change_feetable",
        "qualification.change_feetable",
        "fee_table",
    ),
    Endpoint(
        "POST",
        "/qualification/fee-tables/{draft_fee_table}/delete/",
        "qualification.delete_feetable",
        "qualification.delete_feetable",
        "draft_fee_table",
        ok=302,
    ),
    Endpoint("GET", "/qualification/calculator/", "qualification.view_feetable"),
    Endpoint("GET", "/qualification/criteria/", "qualification.view_incomecriterion"),
    Endpoint("GET", "/qualification/criteria/new/", "qualification.add_incomecriterion"),
    # Applications (art. 35–44): the services and social-assistance teams; decisions by those who sign them.
    Endpoint("GET", "/qualification/applications/", "qualification.view_application"),
    Endpoint("GET", "/qualification/applications/new/", "qualification.add_application"),
    Endpoint(
        "GET",
        "/qualification/applications/{application}/",
        "qualification.view_application",
        "qualification.view_application",
        "application",
    ),
    Endpoint(
        "POST",
        "/qualification/applications/{application}/actions/note/",
        "qualification.change_application",
        "qualification.view_application",
        "application",
        ok=302,
        body={"note-note": "Telefon od córki."},
    ),
    Endpoint(
        "POST",
        "/qualification/applications/{application}/attachments/",
        "qualification.change_application",
        "qualification.change_application",
        "application",
        ok=400,  # no file sent: the form answers with its error
    ),
    Endpoint(
        "GET",
        "/qualification/applications/{application}/attachments/{attachment}/",
        "qualification.view_application",
        "qualification.view_application",
        "application",
    ),
    Endpoint(
        "GET",
        "/qualification/applications/{application}/letters/documents.pdf",
        "qualification.view_application",
        "qualification.view_application",
        "application",
    ),
    Endpoint(
        "GET",
        "/qualification/applications/{refused_application}/decisions/{decision}.pdf",
        "qualification.view_application",
        "qualification.view_application",
        "refused_application",
    ),
    # Recalculation of fees (PS art. 106 ust. 3b): those who decide on applications.
    Endpoint("GET", "/qualification/recalculations/", "qualification.view_recalculationrun"),
    Endpoint("POST", "/qualification/recalculations/start/", "qualification.recalculate_application", ok=302),
    *[
        Endpoint(
            "GET",
            f"/qualification/recalculations/{{recalculation_run}}/{suffix}",
            "qualification.view_recalculationrun",
            "qualification.view_recalculationrun",
            "recalculation_run",
        )
        for suffix in ("", "progress/", "report.csv")
    ],
    # Programmes of social services (staff side).
    Endpoint("GET", "/programme/", "programme.view_programme"),
    Endpoint("GET", "/programme/new/", "programme.add_programme"),
    Endpoint("GET", "/programme/rows/services/", "programme.add_programme"),
    Endpoint("GET", "/programme/{programme}/", "programme.view_programme", "programme.view_programme", "programme"),
    Endpoint(
        "GET", "/programme/{programme}/edit/", "programme.change_programme", "programme.change_programme", "programme"
    ),
    Endpoint(
        "GET",
        "/programme/{programme}/status/adopt/",
        "programme.adopt_programme",
        "programme.adopt_programme",
        "programme",
    ),
    # The residents register (personal data: never the administrator, community organiser or provider staff).
    Endpoint("GET", "/residents/", "residents.view_person"),
    Endpoint("GET", "/residents/persons/new/", "residents.add_person"),
    Endpoint("GET", "/residents/notice/", "residents.view_informationnotice"),
    Endpoint("GET", "/residents/persons/{person}/", "residents.view_person", "residents.view_person", "person"),
    Endpoint(
        "GET", "/residents/persons/{person}/edit/", "residents.change_person", "residents.change_person", "person"
    ),
    Endpoint(
        "GET", "/residents/persons/{person}/export.json", "residents.export_person", "residents.export_person", "person"
    ),
    Endpoint(
        "GET",
        "/residents/persons/{person}/certificates/new/",
        "residents.add_disabilitycertificate",
        "residents.change_person",
        "person",
    ),
    Endpoint(
        "GET", "/residents/persons/{person}/consents/new/", "residents.add_consent", "residents.change_person", "person"
    ),
    Endpoint(
        "POST",
        "/residents/persons/{person}/consents/{consent}/withdraw/",
        "residents.change_consent",
        "residents.change_person",
        "person",
        ok=302,
    ),
    Endpoint(
        "GET",
        "/residents/persons/{person}/notice/",
        "residents.add_noticeacknowledgement",
        "residents.change_person",
        "person",
    ),
    Endpoint(
        "GET",
        "/residents/persons/{person}/household/new/",
        "residents.add_household",
        "residents.change_person",
        "person",
    ),
    Endpoint(
        "GET", "/residents/households/{household}/", "residents.view_household", "residents.view_household", "household"
    ),
    Endpoint(
        "GET",
        "/residents/households/{household}/members/new/",
        "residents.add_householdmember",
        "residents.change_household",
        "household",
    ),
    Endpoint(
        "POST",
        "/residents/households/{household}/members/{member}/end/",
        "residents.change_householdmember",
        "residents.change_household",
        "household",
        ok=302,
        body={"valid_to": "2026-01-01"},
    ),
    Endpoint(
        "GET",
        "/residents/households/{household}/incomes/new/",
        "residents.add_incomedeclaration",
        "residents.change_household",
        "household",
    ),
    Endpoint(
        "GET",
        "/residents/households/{household}/incomes/{income}/correct/",
        "residents.change_incomedeclaration",
        "residents.change_household",
        "household",
    ),
    Endpoint(
        "POST",
        "/residents/households/{household}/incomes/{income}/correct/",
        "residents.change_incomedeclaration",
        "residents.change_household",
        "household",
        ok=302,
        body={"net_amount": "1600.00", "source": "pension", "document_note": "", "reason": "Korekta kwoty"},
    ),
    Endpoint(
        "GET",
        "/residents/households/{household}/incomes/{income}/remove/",
        "residents.delete_incomedeclaration",
        "residents.change_household",
        "household",
    ),
    Endpoint(
        "POST",
        "/residents/households/{household}/incomes/{income}/remove/",
        "residents.delete_incomedeclaration",
        "residents.change_household",
        "household",
        ok=302,
        body={"reason": "Wpisane omyłkowo"},
    ),
    # The services organiser's duties (art. 41, 46) and the plan's documents: ``_organiser_objects``.
    Endpoint("GET", "/plans/organiser/summary/", "plans.summarise_serviceplan"),
    Endpoint("GET", "/plans/organiser/summary.pdf", "plans.summarise_serviceplan"),
    Endpoint("GET", "/plans/organiser/meetings/", "plans.view_coordinatormeeting"),
    Endpoint("GET", "/plans/organiser/meetings/new/", "plans.add_coordinatormeeting"),
    Endpoint(
        "GET",
        "/plans/organiser/meetings/{org_meeting}/",
        "plans.view_coordinatormeeting",
        "plans.view_coordinatormeeting",
        "org_meeting",
    ),
    Endpoint("GET", "/plans/organiser/authorisations/", "plans.view_approvaldelegation"),
    Endpoint("GET", "/plans/organiser/authorisations/new/", "plans.add_approvaldelegation"),
    Endpoint(
        "GET",
        "/plans/organiser/authorisations/{org_delegation}/revoke/",
        "plans.change_approvaldelegation",
        "plans.change_approvaldelegation",
        "org_delegation",
    ),
    Endpoint(
        "POST",
        "/plans/organiser/authorisations/{org_delegation}/revoke/",
        "plans.change_approvaldelegation",
        "plans.change_approvaldelegation",
        "org_delegation",
        ok=302,
        body={"revoked_on": "2026-02-01"},
    ),
    Endpoint(
        "GET",
        "/plans/organiser/documents/{api_plan}/plan.pdf",
        "plans.view_serviceplan",
        "plans.view_serviceplan",
        "api_plan",
    ),
    Endpoint(
        "GET",
        "/plans/organiser/documents/{org_closed_plan}/closing.pdf",
        "plans.view_serviceplan",
        "plans.view_serviceplan",
        "org_closed_plan",
    ),
    # Delivery of plan items: provider staff (their organisation's items only), the services team, the administrator.
    Endpoint("GET", "/delivery/", "plans.deliver_planitem"),
    Endpoint(
        "GET", "/delivery/items/{delivery_item}/", "plans.deliver_planitem", "plans.deliver_planitem", "delivery_item"
    ),
    Endpoint("GET", "/delivery/records/", "plans.deliver_planitem"),
    Endpoint(
        "GET",
        "/delivery/records/{delivery_record}/",
        "delivery.view_deliveryrecord",
        "delivery.view_deliveryrecord",
        "delivery_record",
    ),
    Endpoint(
        "POST",
        "/delivery/records/{delivery_record}/correct/",
        "delivery.change_deliveryrecord",
        "delivery.change_deliveryrecord",
        "delivery_record",
        ok=302,
        body=DELIVERY_RECORD_BODY,
    ),
    Endpoint(
        "POST",
        "/delivery/records/{delivery_record}/request/",
        "delivery.add_correctionrequest",
        "delivery.add_correctionrequest",
        "delivery_record",
        ok=302,
        body={**DELIVERY_RECORD_BODY, "minutes": "45", "reason": "Wizyta trwała krócej."},
    ),
    Endpoint("GET", "/delivery/requests/", "plans.deliver_planitem"),
    Endpoint("GET", "/delivery/corrections/", "delivery.change_correctionrequest"),
    Endpoint(
        "GET",
        "/delivery/corrections/{correction}/",
        "delivery.change_correctionrequest",
        "delivery.change_correctionrequest",
        "correction",
    ),
    Endpoint("GET", "/delivery/staff/", "delivery.view_providerstaff"),
    Endpoint("GET", "/delivery/staff/new/", "delivery.add_providerstaff"),
    Endpoint(
        "POST",
        "/delivery/staff/{provider_link}/delete/",
        "delivery.delete_providerstaff",
        "delivery.delete_providerstaff",
        "provider_link",
        ok=302,
    ),
    # Staff pages of plans (IPUS): the services team writes, the director reads and approves; provider staff and
    # the rest of the centre reach nothing (art. 49). Objects: ``_plans_api_objects``.
    Endpoint("GET", "/plans/", "plans.view_serviceplan"),
    Endpoint("GET", "/plans/all/", "plans.view_serviceplan"),
    Endpoint("GET", "/plans/new/", "plans.add_serviceplan"),
    *[
        Endpoint("GET", f"/plans/{{api_plan}}/{suffix}", "plans.view_serviceplan", "plans.view_serviceplan", "api_plan")
        for suffix in ("", "versions/compare/")
    ],
    *[
        Endpoint(
            "GET", f"/plans/{{api_plan}}/{suffix}", "plans.change_serviceplan", "plans.change_serviceplan", "api_plan"
        )
        for suffix in ("edit/", "close/", "items/{api_item}/end/", "goals/{api_goal}/progress/")
    ],
    Endpoint(
        "POST",
        "/plans/{api_plan}/actions/note/",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_plan",
        ok=302,
        body={"note-kind": "phone", "note-noted_on": timezone.localdate().isoformat(), "note-text": "Telefon."},
    ),
    *[
        Endpoint(
            "GET", f"/plans/{{api_draft}}/{suffix}", "plans.change_serviceplan", "plans.change_serviceplan", "api_draft"
        )
        for suffix in ("needs/new/", "needs/{api_need}/edit/")
    ],
    Endpoint(
        "POST",
        "/plans/{api_draft}/needs/{api_need}/remove/",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_draft",
        ok=302,
    ),
]

# Views that are not staff pages of the matrix, with the reason.
PAGES_EXEMPT = {
    "accounts:login": "sign-in, open to everyone",
    "accounts:logout": "sign-out",
    "accounts:otp_verify": "two-factor step of the sign-in (test_authentication)",
    "accounts:otp_setup": "two-factor set-up of the sign-in",
    "accounts:password_change": "the user's own password, any signed-in user",
    "accounts:password_reset": "open to everyone",
    "accounts:password_reset_done": "open to everyone",
    "accounts:password_reset_confirm": "open to everyone with the e-mailed link",
    "set_language": "language switch",
    "healthz": "health check (test_health)",
    "readyz": "health check (test_health)",
    "programme_public:programme_page": "public page of a programme in force, no sign-in (cus/programme/tests)",
    "qualification_public:apply": "online application from the portal, no account (qualification/tests)",
    "qualification_public:applied": "confirmation of an online application, no account (qualification/tests)",
    "qualification_public:status": "status by tracking code and PESEL, rate limited (qualification/tests)",
}

# Dates of request bodies that must fall within the matrix plans (which run from 60 days ago for 300 days).
_MATRIX_TODAY = timezone.localdate().isoformat()
_MATRIX_IN_A_MONTH = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()

OPERATIONS = [
    Endpoint("GET", "/api/v1/municipalities", "core.view_municipality"),
    Endpoint(
        "GET", "/api/v1/municipalities/{teryt}", "core.view_municipality", "core.view_municipality", "municipality"
    ),
    Endpoint("GET", "/api/v1/centres", "core.view_centre"),
    Endpoint("GET", "/api/v1/centres/{centre}", "core.view_centre", "core.view_centre", "centre"),
    Endpoint(
        "PATCH",
        "/api/v1/centres/{centre}",
        "core.change_centre",
        "core.change_centre",
        "centre",
        body={"phone": "+48 22 111 22 33"},
    ),
    Endpoint("GET", "/api/v1/me", None),
    Endpoint(
        "POST", "/api/v1/me/password", None, ok=204, body={"old_password": PASSWORD, "new_password": "Nowe-Hasło-2026!"}
    ),
    Endpoint("GET", "/api/v1/staff", "accounts.view_user"),
    Endpoint(
        "POST", "/api/v1/staff", "accounts.add_user", ok=201, body={"email": "nowy@cus.example", "full_name": "Nowy"}
    ),
    Endpoint("GET", "/api/v1/staff/{staff}", "accounts.view_user", "accounts.view_user", "staff"),
    Endpoint(
        "PATCH",
        "/api/v1/staff/{staff}",
        "accounts.change_user",
        "accounts.change_user",
        "staff",
        body={"job_title": "X"},
    ),
    Endpoint(
        "PUT",
        "/api/v1/staff/{staff}/roles",
        "accounts.change_user",
        "accounts.change_user",
        "staff",
        body={"roles": [{"role": "specialist", "municipalities": ["1499011"]}]},
    ),
    Endpoint("POST", "/api/v1/staff/{staff}/deactivate", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint("POST", "/api/v1/staff/{staff}/activate", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint("POST", "/api/v1/staff/{staff}/reset-2fa", "accounts.change_user", "accounts.change_user", "staff"),
    Endpoint(
        "POST",
        "/api/v1/staff/{staff}/certificates",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
        ok=201,
        body={"kind": "director", "completed_on": "2024-01-15", "number": "NEW/1"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/staff/{staff}/certificates/{certificate}",
        "accounts.change_trainingcertificate",
        "accounts.change_user",
        "staff",
        ok=204,
    ),
    Endpoint("GET", "/api/v1/tokens", None),
    Endpoint("POST", "/api/v1/tokens", None, ok=201, body={"name": "nowy"}),
    Endpoint("POST", "/api/v1/tokens/{token}/revoke", None, None, "token"),
    Endpoint("GET", "/api/v1/audit", "audit.view_auditentry"),
    Endpoint("GET", "/api/v1/audit/{entry}", "audit.view_auditentry", "audit.view_auditentry", "entry"),
    # The service catalog (staff API); "{...}" in a body is replaced by the id of that object of the world.
    Endpoint("GET", "/api/v1/catalog/services", "catalog.view_service"),
    Endpoint(
        "POST",
        "/api/v1/catalog/services",
        "catalog.add_service",
        ok=201,
        body={"organization_id": "{organization}", "name": "Nowa usługa", "description": "Opis", "areas": ["04"]},
    ),
    Endpoint("GET", "/api/v1/catalog/services/{service}", "catalog.view_service", "catalog.view_service", "service"),
    Endpoint(
        "PATCH",
        "/api/v1/catalog/services/{service}",
        "catalog.change_service",
        "catalog.change_service",
        "service",
        body={"name": "Zmieniona nazwa"},
    ),
    Endpoint(
        "POST",
        "/api/v1/catalog/services/{service}/status",
        "catalog.change_service",
        "catalog.change_service",
        "service",
        body={"status": "archived"},
    ),
    Endpoint(
        "POST",
        "/api/v1/catalog/services/{service}/locations",
        "catalog.add_serviceatlocation",
        "catalog.change_service",
        "service",
        ok=201,
        body={"location_id": "{free_location}"},
    ),
    Endpoint(
        "PUT",
        "/api/v1/catalog/services/{service}/locations/{sal}/hours",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
        body={"schedules": [{"weekday": 1, "opens_at": "08:00", "closes_at": "16:00"}]},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/catalog/services/{service}/locations/{sal}",
        "catalog.change_serviceatlocation",
        "catalog.change_service",
        "service",
        ok=204,
    ),
    # A multipart upload; the matrix sends no file, so an allowed caller reaches the "file required" error.
    Endpoint("POST", "/api/v1/catalog/import", "catalog.import_service", ok=422),
    Endpoint("GET", "/api/v1/catalog/providers", "catalog.view_organization"),
    Endpoint(
        "POST",
        "/api/v1/catalog/providers",
        "catalog.add_organization",
        ok=201,
        body={"name": "Nowy realizator", "description": "Opis", "kind": "ngo"},
    ),
    Endpoint(
        "GET",
        "/api/v1/catalog/providers/{organization}",
        "catalog.view_organization",
        "catalog.view_organization",
        "organization",
    ),
    Endpoint(
        "PATCH",
        "/api/v1/catalog/providers/{organization}",
        "catalog.change_organization",
        "catalog.change_organization",
        "organization",
        body={"phone": "+48 22 123 45 67"},
    ),
    Endpoint("GET", "/api/v1/catalog/locations", "catalog.view_location"),
    Endpoint(
        "POST",
        "/api/v1/catalog/locations",
        "catalog.add_location",
        ok=201,
        body={"name": "Nowe miejsce", "address_1": "ul. Nowa 1", "postal_code": "00-001", "city": "Testowo"},
    ),
    Endpoint(
        "GET", "/api/v1/catalog/locations/{location}", "catalog.view_location", "catalog.view_location", "location"
    ),
    Endpoint(
        "PATCH",
        "/api/v1/catalog/locations/{location}",
        "catalog.change_location",
        "catalog.change_location",
        "location",
        body={"phone": "+48 22 123 45 67"},
    ),
    Endpoint(
        "GET",
        "/api/v1/catalog/locations/{location}/history",
        "catalog.view_location",
        "catalog.view_location",
        "location",
    ),
    Endpoint(
        "POST",
        "/api/v1/catalog/locations/{location}/archive",
        "catalog.change_location",
        "catalog.change_location",
        "location",
        body={"archived": False},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/catalog/locations/{free_location}",
        "catalog.delete_location",
        "catalog.delete_location",
        "free_location",
        ok=204,
    ),
    Endpoint(
        "GET",
        "/api/v1/catalog/providers/{organization}/history",
        "catalog.view_organization",
        "catalog.view_organization",
        "organization",
    ),
    Endpoint(
        "POST",
        "/api/v1/catalog/providers/{organization}/archive",
        "catalog.change_organization",
        "catalog.change_organization",
        "organization",
        body={"archived": False},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/catalog/providers/{free_organization}",
        "catalog.delete_organization",
        "catalog.delete_organization",
        "free_organization",
        ok=204,
    ),
    Endpoint(
        "GET", "/api/v1/catalog/services/{service}/history", "catalog.view_service", "catalog.view_service", "service"
    ),
    Endpoint("GET", "/api/v1/catalog/export/hsds", "catalog.view_service"),
    Endpoint("GET", "/api/v1/catalog/export/hsds.zip", "catalog.view_service"),
    *[
        endpoint
        for segment, owner, model in (
            ("services", "service", "service"),
            ("providers", "organization", "organization"),
            ("locations", "location", "location"),
        )
        for endpoint in (
            Endpoint(
                "GET",
                f"/api/v1/catalog/{segment}/{{{owner}}}/phones",
                f"catalog.view_{model}",
                f"catalog.view_{model}",
                owner,
            ),
            Endpoint(
                "PUT",
                f"/api/v1/catalog/{segment}/{{{owner}}}/phones",
                "catalog.change_contact",
                f"catalog.change_{model}",
                owner,
                body={"phones": [{"number": "+48 22 123 45 67", "description": "sekretariat"}]},
            ),
            Endpoint(
                "GET",
                f"/api/v1/catalog/{segment}/{{{owner}}}/contacts",
                f"catalog.view_{model}",
                f"catalog.view_{model}",
                owner,
            ),
            Endpoint(
                "POST",
                f"/api/v1/catalog/{segment}/{{{owner}}}/contacts",
                "catalog.add_contact",
                f"catalog.change_{model}",
                owner,
                ok=201,
                body={"name": "Nowa osoba", "phone": "601 234 567"},
            ),
            Endpoint(
                "PATCH",
                f"/api/v1/catalog/{segment}/{{{owner}}}/contacts/{{{owner}_contact}}",
                "catalog.change_contact",
                f"catalog.change_{model}",
                owner,
                body={"title": "koordynator"},
            ),
            Endpoint(
                "DELETE",
                f"/api/v1/catalog/{segment}/{{{owner}}}/contacts/{{{owner}_contact}}",
                "catalog.change_contact",
                f"catalog.change_{model}",
                owner,
                ok=204,
            ),
        )
    ],
    # Applications (staff API): the same permissions as the screens.
    Endpoint("GET", "/api/v1/qualification/applications", "qualification.view_application"),
    Endpoint(
        "POST",
        "/api/v1/qualification/applications",
        "qualification.add_application",
        ok=201,
        body={"programme_service_id": "{application_service}", "person_id": "{application_person}"},
    ),
    Endpoint(
        "GET",
        "/api/v1/qualification/applications/{application}",
        "qualification.view_application",
        "qualification.view_application",
        "application",
    ),
    Endpoint(
        "POST",
        "/api/v1/qualification/applications/{application}/actions/{action_note}",
        "qualification.change_application",
        "qualification.view_application",
        "application",
        body={"note": "Telefon od córki."},
    ),
    Endpoint(
        "POST",
        "/api/v1/qualification/applications/{application}/attachments",
        "qualification.change_application",
        "qualification.change_application",
        "application",
        ok=422,  # no file sent: the error names the field
    ),
    Endpoint(
        "GET",
        "/api/v1/qualification/applications/{application}/attachments/{attachment}",
        "qualification.view_application",
        "qualification.view_application",
        "application",
    ),
    Endpoint(
        "GET",
        "/api/v1/qualification/applications/{refused_application}/decisions/{decision}.pdf",
        "qualification.view_application",
        "qualification.view_application",
        "refused_application",
    ),
    Endpoint(
        "GET",
        "/api/v1/qualification/applications/{application}/letters/{letter_documents}.pdf",
        "qualification.view_application",
        "qualification.view_application",
        "application",
    ),
    # Recalculation of fees (staff API).
    Endpoint("POST", "/api/v1/qualification/recalculations", "qualification.recalculate_application", ok=202),
    *[
        Endpoint(
            "GET",
            f"/api/v1/qualification/recalculations/{{recalculation_run}}{suffix}",
            "qualification.view_recalculationrun",
            "qualification.view_recalculationrun",
            "recalculation_run",
        )
        for suffix in ("", "/changes")
    ],
    # Income criteria (national) and fee tables (staff API).
    Endpoint("GET", "/api/v1/qualification/criteria", "qualification.view_incomecriterion"),
    Endpoint(
        "POST",
        "/api/v1/qualification/criteria",
        "qualification.add_incomecriterion",
        ok=201,
        body={
            "single_person": "1150.00",
            "per_person_in_family": "940.00",
            "valid_from": "2028-01-01",
            "legal_basis": "Dz.U. 2027 poz. 1",
        },
    ),
    Endpoint(
        "GET",
        "/api/v1/qualification/criteria/{criterion}",
        "qualification.view_incomecriterion",
        "qualification.view_incomecriterion",
    ),
    Endpoint("GET", "/api/v1/qualification/fee-tables", "qualification.view_feetable"),
    Endpoint(
        "POST",
        "/api/v1/qualification/fee-tables",
        "qualification.add_feetable",
        ok=201,
        body={
            "name": "Nowa tabela",
            "resolution_number": "I/1/2026",
            "resolution_date": "2026-01-10",
            "unit": "hour",
            "valid_from": "2026-02-01",
            "bands": [
                {"income_from": "0", "income_to": "100", "fee_single": "0", "fee_family": "0"},
                {"income_from": "100", "income_to": None, "fee_single": "10", "fee_family": "20"},
            ],
        },
    ),
    Endpoint(
        "GET",
        "/api/v1/qualification/fee-tables/{fee_table}",
        "qualification.view_feetable",
        "qualification.view_feetable",
        "fee_table",
    ),
    Endpoint(
        "PATCH",
        "/api/v1/qualification/fee-tables/{fee_table}",
        "qualification.change_feetable",
        "qualification.change_feetable",
        "fee_table",
        body={"name": "Zmieniona nazwa"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/qualification/fee-tables/{draft_fee_table}",
        "qualification.delete_feetable",
        "qualification.delete_feetable",
        "draft_fee_table",
        ok=204,
    ),
    Endpoint(
        "POST",
        "/api/v1/qualification/fee-tables/{fee_table}/calculate",
        "qualification.view_feetable",
        "qualification.view_feetable",
        "fee_table",
        body={
            "date": "2025-06-01",
            "income_per_person": "1200.00",
            "single": True,
            "unit_cost": "35.50",
            "units_per_month": "40",
        },
    ),
    # Programmes of social services (staff API).
    Endpoint("GET", "/api/v1/programme", "programme.view_programme"),
    Endpoint(
        "POST",
        "/api/v1/programme",
        "programme.add_programme",
        ok=201,
        body={
            "name": "Nowy program",
            "goal": "Cel",
            "needs_description": "Potrzeby",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "participants_profile": "Seniorzy",
            "expected_participants": 10,
            "organisation": "Etapy",
            "monitoring": "Monitoring",
        },
    ),
    Endpoint(
        "GET", "/api/v1/programme/{programme}", "programme.view_programme", "programme.view_programme", "programme"
    ),
    Endpoint(
        "PATCH",
        "/api/v1/programme/{programme}",
        "programme.change_programme",
        "programme.change_programme",
        "programme",
        body={"name": "Zmieniona nazwa"},
    ),
    Endpoint(
        "POST",
        "/api/v1/programme/{programme}/adopt",
        "programme.adopt_programme",
        "programme.adopt_programme",
        "programme",
        body={"resolution_number": "I/1/2026", "resolution_date": "2026-01-10"},
    ),
    Endpoint(
        "POST",
        "/api/v1/programme/{adopted_programme}/bring-into-force",
        "programme.adopt_programme",
        "programme.adopt_programme",
        "adopted_programme",
        body={"in_force_from": "2026-02-01"},
    ),
    Endpoint(
        "POST",
        "/api/v1/programme/{in_force_programme}/close",
        "programme.adopt_programme",
        "programme.adopt_programme",
        "in_force_programme",
        body={"closed_on": "2026-03-31"},
    ),
    # The residents register (staff API).
    Endpoint("GET", "/api/v1/residents/persons", "residents.view_person"),
    Endpoint(
        "POST",
        "/api/v1/residents/persons",
        "residents.add_person",
        ok=201,
        body={"first_name": "Nowa", "last_name": "Osoba", "pesel": "90051786424"},
    ),
    Endpoint("GET", "/api/v1/residents/persons/{person}", "residents.view_person", "residents.view_person", "person"),
    Endpoint(
        "PATCH",
        "/api/v1/residents/persons/{person}",
        "residents.change_person",
        "residents.change_person",
        "person",
        body={"phone": "+48 600 100 200"},
    ),
    Endpoint(
        "GET",
        "/api/v1/residents/persons/{person}/export",
        "residents.export_person",
        "residents.export_person",
        "person",
    ),
    Endpoint(
        "GET",
        "/api/v1/residents/persons/{person}/access-log",
        "residents.audit_person",
        "residents.audit_person",
        "person",
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/persons/{person}/certificates",
        "residents.add_disabilitycertificate",
        "residents.change_person",
        "person",
        ok=201,
        body={
            "kind": "degree",
            "degree": "light",
            "number": "M/1/2025",
            "issuing_body": "PZON",
            "issued_on": "2025-01-10",
            "permanent": True,
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/persons/{person}/consents",
        "residents.add_consent",
        "residents.change_person",
        "person",
        ok=201,
        body={"purpose": "contact_sms", "form": "paper"},
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/persons/{person}/consents/{consent}/withdraw",
        "residents.change_consent",
        "residents.change_person",
        "person",
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/persons/{person}/notice-acknowledgements",
        "residents.add_noticeacknowledgement",
        "residents.change_person",
        "person",
        ok=201,
        body={"form": "paper"},
    ),
    Endpoint("GET", "/api/v1/residents/notice", "residents.view_informationnotice"),
    Endpoint(
        "POST",
        "/api/v1/residents/notice",
        "residents.add_informationnotice",
        ok=201,
        body={"title": "Klauzula informacyjna", "text": "Nowa treść klauzuli."},
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/households",
        "residents.add_household",
        ok=201,
        body={"applicant_id": "{other_person}"},
    ),
    Endpoint(
        "GET",
        "/api/v1/residents/households/{household}",
        "residents.view_household",
        "residents.view_household",
        "household",
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/households/{household}/members",
        "residents.add_householdmember",
        "residents.change_household",
        "household",
        ok=201,
        body={"person_id": "{other_person}", "relation": "spouse"},
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/households/{household}/members/{member}/end",
        "residents.change_householdmember",
        "residents.change_household",
        "household",
        body={"valid_to": "2026-01-01"},
    ),
    Endpoint(
        "GET",
        "/api/v1/residents/households/{household}/incomes",
        "residents.view_incomedeclaration",
        "residents.view_household",
        "household",
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/households/{household}/incomes",
        "residents.add_incomedeclaration",
        "residents.change_household",
        "household",
        ok=201,
        body={"member_id": "{member}", "month": "2026-09", "net_amount": "1000.00", "source": "employment"},
    ),
    Endpoint(
        "PATCH",
        "/api/v1/residents/households/{household}/incomes/{income}",
        "residents.change_incomedeclaration",
        "residents.change_household",
        "household",
        body={"net_amount": "1600.00", "reason": "Korekta kwoty"},
    ),
    Endpoint(
        "POST",
        "/api/v1/residents/households/{household}/incomes/{income}/removal",
        "residents.delete_incomedeclaration",
        "residents.change_household",
        "household",
        ok=204,
        body={"reason": "Wpisane omyłkowo"},
    ),
    Endpoint(
        "GET",
        "/api/v1/residents/households/{household}/income",
        "residents.view_incomedeclaration",
        "residents.view_household",
        "household",
    ),
    Endpoint("GET", "/api/v1/delivery/items", "plans.deliver_planitem"),
    Endpoint(
        "GET",
        "/api/v1/delivery/items/{delivery_item}",
        "plans.deliver_planitem",
        "plans.deliver_planitem",
        "delivery_item",
    ),
    Endpoint(
        "GET",
        "/api/v1/delivery/items/{delivery_item}/records",
        "plans.deliver_planitem",
        "plans.deliver_planitem",
        "delivery_item",
    ),
    Endpoint(
        "POST",
        "/api/v1/delivery/items/{delivery_item}/records",
        "delivery.add_deliveryrecord",
        "plans.deliver_planitem",
        "delivery_item",
        ok=201,
        body={"date": "{record_date}", "start_time": "14:00", "minutes": 60, "worker_name": "Jan Nowak"},
    ),
    Endpoint(
        "GET",
        "/api/v1/delivery/records/{delivery_record}",
        "delivery.view_deliveryrecord",
        "delivery.view_deliveryrecord",
        "delivery_record",
    ),
    Endpoint(
        "PATCH",
        "/api/v1/delivery/records/{delivery_record}",
        "delivery.change_deliveryrecord",
        "delivery.change_deliveryrecord",
        "delivery_record",
        body={"notes": "Poprawiono opis."},
    ),
    Endpoint(
        "POST",
        "/api/v1/delivery/records/{delivery_record}/correction-requests",
        "delivery.add_correctionrequest",
        "delivery.add_correctionrequest",
        "delivery_record",
        ok=201,
        body={"minutes": 100, "reason": "Wizyta trwała dłużej."},
    ),
    Endpoint("GET", "/api/v1/delivery/correction-requests", "delivery.view_correctionrequest"),
    Endpoint(
        "POST",
        "/api/v1/delivery/correction-requests/{correction}/decision",
        "delivery.change_correctionrequest",
        "delivery.change_correctionrequest",
        "correction",
        body={"accept": False, "note": "Zapis jest zgodny z kartą czasu pracy."},
    ),
    Endpoint("GET", "/api/v1/delivery/staff", "delivery.view_providerstaff"),
    Endpoint(
        "POST",
        "/api/v1/delivery/staff",
        "delivery.add_providerstaff",
        ok=201,
        body={"user_id": "{unlinked_provider_user}", "organization_id": "{organization}"},
    ),
    Endpoint(
        "DELETE",
        "/api/v1/delivery/staff/{provider_link}",
        "delivery.delete_providerstaff",
        "delivery.delete_providerstaff",
        "provider_link",
        ok=204,
    ),
    # Individual social-services plans (staff API): the services team writes, the director reads and approves;
    # provider staff reach nothing here (art. 49). Objects: ``_plans_api_objects``.
    Endpoint("GET", "/api/v1/plans", "plans.view_serviceplan"),
    Endpoint(
        "POST",
        "/api/v1/plans",
        "plans.add_serviceplan",
        ok=201,
        body={
            "person_id": "{api_person}",
            "applied_on": "2026-01-05",
            "starts_on": "2026-01-10",
            "ends_on": "2026-06-30",
        },
    ),
    Endpoint("GET", "/api/v1/plans/{api_plan}", "plans.view_serviceplan", "plans.view_serviceplan", "api_plan"),
    Endpoint(
        "PATCH",
        "/api/v1/plans/{api_draft}",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_draft",
        body={"needs_summary": "Zmienione potrzeby."},
    ),
    *[
        Endpoint(
            "POST",
            f"/api/v1/plans/{{api_draft}}/{kind}",
            f"plans.add_{model}",
            "plans.change_serviceplan",
            "api_draft",
            ok=201,
            body=body,
        )
        for kind, model, body in (
            ("needs", "need", {"description": "Pomoc w kąpieli."}),
            (
                "goals",
                "goal",
                {"description": "Spacer.", "indicator": "Spacery", "target": "2", "target_date": _MATRIX_TODAY},
            ),
            (
                "items",
                "planitem",
                {
                    "service_id": "{api_service}",
                    "location_id": "{api_place}",
                    "starts_on": _MATRIX_TODAY,
                    "ends_on": _MATRIX_IN_A_MONTH,
                    "weekdays": [2],
                    "hours_per_visit": "1.00",
                },
            ),
            ("activities", "supportingactivity", {"kind": "volunteer", "description": "Wolontariusz czyta gazety."}),
        )
    ],
    *[
        Endpoint(
            method,
            f"/api/v1/plans/{{api_draft}}/{kind}/{{{row}}}",
            f"plans.{action}_{model}",
            "plans.change_serviceplan",
            "api_draft",
            ok=204 if method == "DELETE" else 200,
            body=body if method == "PATCH" else {},
        )
        for kind, model, row, body in (
            ("needs", "need", "api_need", {"description": "Pomoc w ubieraniu."}),
            ("goals", "goal", "api_draft_goal", {"target": "3"}),
            ("items", "planitem", "api_draft_item", {"notes": "Klucz u sąsiadki."}),
            ("activities", "supportingactivity", "api_activity", {"who": "Pani Nowak"}),
        )
        for method, action in (("PATCH", "change"), ("DELETE", "delete"))
    ],
    Endpoint(
        "POST",
        "/api/v1/plans/{api_plan}/items/{api_item}/end",
        "plans.change_planitem",
        "plans.change_serviceplan",
        "api_plan",
        body={"ended_on": _MATRIX_TODAY, "end_reason": "Pobyt w szpitalu."},
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_draft}/agreement",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_draft",
        body={"agreed_on": _MATRIX_TODAY, "agreement_form": "signature"},
    ),
    Endpoint(
        "POST", "/api/v1/plans/{api_draft}/submit", "plans.change_serviceplan", "plans.change_serviceplan", "api_draft"
    ),
    # A services organiser of the matrix holds a written authorisation (art. 41); without one: test_api of plans.
    Endpoint(
        "POST",
        "/api/v1/plans/{api_submitted}/approve",
        "plans.approve_serviceplan",
        "plans.view_serviceplan",
        "api_submitted",
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_submitted}/return",
        "plans.approve_serviceplan",
        "plans.view_serviceplan",
        "api_submitted",
        body={"note": "Dopisz cel."},
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_plan}/start-update",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_plan",
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_draft}/cancel",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_draft",
        body={"reason": "Osoba zrezygnowała przed uzgodnieniem planu."},
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_plan}/close",
        "plans.change_serviceplan",
        "plans.change_serviceplan",
        "api_plan",
        body={
            "closed_on": _MATRIX_TODAY,
            "closing_reason": "goals_met",
            "closing_interview_on": _MATRIX_TODAY,
            "closing_interview_notes": "Osoba radzi sobie sama.",
            "course_description": "Usługi świadczono zgodnie z planem; cel osiągnięto, osoba robi zakupy sama.",
        },
    ),
    Endpoint(
        "GET", "/api/v1/plans/{api_plan}/notes", "plans.view_monitoringnote", "plans.view_serviceplan", "api_plan"
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_plan}/notes",
        "plans.add_monitoringnote",
        "plans.change_serviceplan",
        "api_plan",
        ok=201,
        body={"kind": "phone", "text": "Telefon: bez zmian."},
    ),
    Endpoint(
        "GET",
        "/api/v1/plans/{api_plan}/goals/{api_goal}/progress",
        "plans.view_goalprogress",
        "plans.view_serviceplan",
        "api_plan",
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/{api_plan}/goals/{api_goal}/progress",
        "plans.add_goalprogress",
        "plans.change_serviceplan",
        "api_plan",
        ok=201,
        body={"progress": 100},
    ),
    *[
        Endpoint(
            "GET", f"/api/v1/plans/{{api_plan}}/{tail}", "plans.view_planversion", "plans.view_serviceplan", "api_plan"
        )
        for tail in ("versions", "versions/compare", "versions/{version_one}")
    ],
    Endpoint("GET", "/api/v1/plans/authorisations", "plans.view_approvaldelegation"),
    Endpoint(
        "POST",
        "/api/v1/plans/authorisations",
        "plans.add_approvaldelegation",
        ok=201,
        body={
            "delegate_id": "{api_organiser}",
            "document_reference": "UP/9/2026",
            "granted_on": _MATRIX_TODAY,
            "valid_from": _MATRIX_TODAY,
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/plans/authorisations/{api_delegation}/revoke",
        "plans.change_approvaldelegation",
        "plans.change_approvaldelegation",
        "api_delegation",
    ),
    Endpoint("GET", "/api/v1/plans/meetings", "plans.view_coordinatormeeting"),
    # The participants are a list of ids the matrix cannot fill in: the answer names the missing field.
    Endpoint(
        "POST",
        "/api/v1/plans/meetings",
        "plans.add_coordinatormeeting",
        ok=422,
        body={"held_on": _MATRIX_TODAY, "agenda": "Przegląd planów.", "minutes": "Bez uwag."},
    ),
    Endpoint("GET", "/api/v1/plans/summary", "plans.summarise_serviceplan"),
]


class LazyObjects(Mapping[str, Any]):
    """The matrix objects of one centre, built group by group on first use: a page or an operation needs one or two
    groups, and building all of them for each of the thousands of cases made the matrix the slowest part of the
    suite. ``replace`` gives a view with one object swapped (e.g. for a missing id), sharing what was built."""

    def __init__(self, builders: list[Callable[[], dict[str, Any]]], overrides: dict[str, Any] | None = None) -> None:
        self._builders = builders
        self._built: dict[str, Any] = {}
        self._overrides = overrides or {}

    def __getitem__(self, key: str) -> Any:
        if key in self._overrides:
            return self._overrides[key]
        while key not in self._built and self._builders:
            self._built.update(self._builders.pop(0)())
        return self._built[key]

    def _everything(self) -> dict[str, Any]:
        while self._builders:
            self._built.update(self._builders.pop(0)())
        return {**self._built, **self._overrides}

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())

    def replace(self, key: str, value: Any) -> LazyObjects:
        view = LazyObjects(self._builders, {**self._overrides, key: value})
        view._built = self._built
        return view


class _Keys(Mapping[str, Any]):
    """Format keys of a path or body: an object's primary key (as text for bodies), built only when used."""

    def __init__(self, objects: Mapping[str, Any], *, text: bool) -> None:
        self.objects = objects
        self.text = text

    def __getitem__(self, key: str) -> Any:
        if key == "teryt":
            return self.objects["municipality"].teryt
        value = self.objects[key]
        if hasattr(value, "pk"):
            return str(value.pk) if self.text else value.pk
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.objects)

    def __len__(self) -> int:
        return len(self.objects)


@dataclass
class World:
    centre: Centre
    other_centre: Centre
    own: LazyObjects
    foreign: LazyObjects

    def path(self, endpoint: Endpoint, objects: Mapping[str, Any]) -> str:
        return endpoint.path.format_map(_Keys(objects, text=False))

    def body(self, endpoint: Endpoint, objects: Mapping[str, Any]) -> dict[str, Any]:
        keys = _Keys(objects, text=True)
        return {
            name: value.format_map(keys) if isinstance(value, str) and value.startswith("{") else value
            for name, value in endpoint.body.items()
        }


def _catalog_objects(municipality: Any) -> dict[str, Any]:
    organization = OrganizationFactory(municipality=municipality)
    location = LocationFactory(municipality=municipality, organization=organization)
    service = ServiceFactory(
        municipality=municipality, organization=organization, status=ServiceStatus.DRAFT, published_at=None
    )
    sal = ServiceAtLocationFactory(service=service, location=location)
    return {
        "organization": organization,
        "location": location,
        "free_location": LocationFactory(municipality=municipality, organization=organization),
        "service": service,
        "sal": sal,
        **catalog_matrix_objects(municipality, organization, location, service),
    }


def _account_objects(user: User, colleague: User) -> dict[str, Any]:
    certificate = account_services.certificate_add(
        actor=None, user=colleague, kind="director", completed_on=datetime.date(2023, 6, 1), number="OLD/1"
    )
    token, _key = account_services.token_create(actor=user, user=user, name="revocable")
    entry = record(action=AuditAction.VIEW, actor=colleague, instance=colleague, purpose="matrix")
    return {"certificate": certificate, "token": token, "entry": entry}


def _plans_api_objects(municipality: Any, actor: Any) -> dict[str, Any]:
    """Plans for the staff API: an approved plan in progress (its goal achieved, so it can be closed), a draft ready
    for submission with one row of each kind of content, and a plan awaiting approval. A services-organiser ``actor``
    gets the director's written authorisation to approve (art. 41)."""
    from cus.accounts.permissions import grants_for
    from cus.plans import services as plan_services
    from cus.plans.models import ApprovalDelegation
    from cus.plans.tests.factories import another_person, make_plan, plan_world

    world = plan_world(municipality)
    active = make_plan(world)
    goal = active.goals.get()
    plan_services.goal_progress(actor=world["coordinator"], goal=goal, progress=100)
    draft = make_plan(world, approved=False)
    activity = plan_services.activity_save(
        actor=world["coordinator"], plan=draft, kind="volunteer", description="Wolontariusz czyta gazety."
    )
    submitted = make_plan(world, approved=False)
    plan_services.submit(actor=world["coordinator"], plan=submitted)
    if actor is not None and Role.SERVICES_ORGANISER in {grant.role for grant in grants_for(actor)}:
        plan_services.delegation_grant(
            actor=world["director"],
            municipality_id=municipality.pk,
            delegate=actor,
            document_reference="UP/MATRIX",
            granted_on=datetime.date(2026, 1, 2),
            valid_from=datetime.date(2026, 1, 2),
        )
    return {
        # A resident without an open plan (a person has one at a time): the matrix opens a new plan for them.
        "api_person": another_person(world),
        "api_plan": active,
        "api_goal": goal,
        "api_item": active.items.get(service=world["other_service"]),
        "api_draft": draft,
        "api_need": draft.needs.get(),
        "api_draft_goal": draft.goals.get(),
        "api_draft_item": draft.items.get(service=world["other_service"]),
        "api_activity": activity,
        "api_submitted": submitted,
        "api_service": world["other_service"],
        "api_place": world["other_place"],
        "api_organiser": world["plain_organiser"],
        "api_delegation": ApprovalDelegation.objects.get(delegate=world["organiser"]),
        "version_one": 1,
    }


def _organiser_objects(colleague: User, municipality: Any) -> dict[str, Any]:
    """The services organiser's records: a coordinators' meeting and a written approval authorisation."""
    from cus.plans.models import ApprovalDelegation, CoordinatorMeeting

    meeting = CoordinatorMeeting.objects.create(
        municipality=municipality,
        centre=colleague.centre,
        held_on=datetime.date(2026, 3, 2),
        agenda="Plany zbliżające się do roku.",
        minutes="Ustalenia.",
    )
    meeting.participants.set([colleague])
    organiser = UserFactory(centre=colleague.centre, roles=[Role.SERVICES_ORGANISER], full_name="Organizator Macierzy")
    delegation = ApprovalDelegation.objects.create(
        municipality=municipality,
        delegate=organiser,
        document_reference="UP/MACIERZ",
        granted_on=datetime.date(2026, 1, 2),
        valid_from=datetime.date(2026, 1, 2),
        granted_by=colleague,
    )
    return {"org_meeting": meeting, "org_delegation": delegation}


def _closed_plan_objects(municipality: Any) -> dict[str, Any]:
    """A closed plan, for its closing description (art. 45)."""
    from django.utils import timezone

    from cus.plans import services as plan_services
    from cus.plans.tests.factories import make_plan, plan_world

    world = plan_world(municipality)
    plan = make_plan(world)
    today = timezone.localdate()
    plan_services.close(
        actor=world["coordinator"],
        plan=plan,
        closed_on=today,
        reason="resignation",
        reason_details="Osoba zrezygnowała.",
        interview_on=today,
        interview_notes="Rozmowa w domu osoby.",
        course_description="Usługi realizowano zgodnie z planem, osoba zrezygnowała po przeprowadzce do córki.",
        goal_outcomes={plan.goals.get().pk: "partly"},
    )
    return {"org_closed_plan": plan}


def _objects(user: User, colleague: User, municipality: Any) -> LazyObjects:
    """One centre's objects for the matrix. Each app adds a builder (a group of objects built together when one of
    them is first used); cheap, widely used groups first."""
    return LazyObjects(
        [
            lambda: {"centre": colleague.centre, "municipality": municipality, "staff": colleague},
            lambda: _account_objects(user, colleague),
            lambda: _organiser_objects(colleague, municipality),
            lambda: _catalog_objects(municipality),
            lambda: residents_matrix_objects(municipality),
            lambda: programme_matrix_objects(municipality),
            lambda: qualification_matrix_objects(municipality),
            lambda: delivery_matrix_objects(municipality, user),
            lambda: _plans_api_objects(municipality, user),
            lambda: _closed_plan_objects(municipality),
        ]
    )


@pytest.fixture
def world(centre: Centre, other_centre: Centre, municipality: Any) -> Any:
    def build(actor: User) -> World:
        link_provider_actor(actor, municipality)  # provider staff work for a provider of the centre
        colleague = UserFactory(centre=centre, roles=[Role.SOCIAL_WORKER], full_name="Kolega Testowy")
        stranger = UserFactory(centre=other_centre, roles=[Role.DIRECTOR], full_name="Obcy Pracownik")
        return World(
            centre=centre,
            other_centre=other_centre,
            own=_objects(actor, colleague, municipality),
            foreign=_objects(stranger, stranger, other_centre.municipalities.first()),
        )

    return build


def _call(client: Client, method: str, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if path.startswith("/api/"):
        if method == "GET":
            return client.get(path, headers=headers)
        return getattr(client, method.lower())(path, data=body, content_type="application/json", headers=headers)
    return getattr(client, method.lower())(path, body or None, headers=headers)


def _assert_denied_row(actor: User, obj: Any) -> None:
    row = AuditEntry.objects.filter(action=AuditAction.DENIED, actor=actor).latest("id")
    assert row.object_type == obj._meta.label_lower
    assert row.object_id == str(obj.pk)


# --- the matrix covers everything -------------------------------------------------------------------------------


def _named_views(resolver: Any = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "api-v1" or (pattern.app_name or "").startswith("api-v1"):
                continue
            if pattern.namespace == "api-hsds":  # public, read-only HSDS API: no permissions (test_hsds_api)
                continue
            if pattern.namespace == "portal":  # public catalog for residents, no sign-in (cus/portal/tests)
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


SAMPLE_UUIDS = dict.fromkeys(
    (
        "service",
        "sal",
        "organization",
        "location",
        "free_organization",
        "free_location",
        "service_contact",
        "organization_contact",
        "location_contact",
        "person",
        "household",
        "member",
        "consent",
        "income",
        "fee_table",
        "draft_fee_table",
        "application",
        "attachment",
        "refused_application",
        "decision",
        "delivery_item",
        "delivery_record",
    ),
    "00000000-0000-0000-0000-000000000001",
)
SAMPLE_UUIDS.update(correction=1, provider_link=1)  # type: ignore[arg-type]
SAMPLE_UUIDS.update(org_meeting=1, org_delegation=1, org_closed_plan=SAMPLE_UUIDS["person"])  # type: ignore[arg-type]
SAMPLE_UUIDS.update(  # type: ignore[arg-type]
    api_plan=SAMPLE_UUIDS["person"],
    api_draft=SAMPLE_UUIDS["person"],
    api_item=SAMPLE_UUIDS["person"],
    api_goal=1,
    api_need=1,
)


def test_every_page_is_in_the_matrix_or_exempt_with_a_reason() -> None:
    from django.urls import resolve

    covered = {
        resolve(
            page.path.format(
                centre=1, staff=1, certificate=1, entry=1, token=1, programme=1, recalculation_run=1, **SAMPLE_UUIDS
            )
        ).view_name
        for page in PAGES
    }
    assert not covered & set(PAGES_EXEMPT)
    missing = _named_views() - covered - set(PAGES_EXEMPT)
    assert not missing, f"Pages missing from the permission matrix: {sorted(missing)}"


def test_every_api_operation_is_in_the_matrix() -> None:
    import re

    from cus.api import api

    schema = api.get_openapi_schema()
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, methods in schema["paths"].items()
        for method in methods
    }
    listed = {(op.method, re.sub(r"\{[^}]+\}", "{}", op.path)) for op in OPERATIONS}
    assert listed == documented


def test_the_matrix_names_only_known_permissions() -> None:
    from cus.accounts.roles import PERMISSIONS

    for endpoint in PAGES + OPERATIONS:
        for perm in (endpoint.permission, endpoint.reach):
            assert perm is None or perm in PERMISSIONS, f"{endpoint.id}: {perm} is not in PERMISSIONS"


# --- UI pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_pages_send_anonymous_users_to_sign_in(client: Client, world: Any, administrator: User, page: Endpoint) -> None:
    setup = world(administrator)
    path = setup.path(page, setup.own)
    response = _call(client, page.method, path, setup.body(page, setup.own))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "expired=1" not in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_pages_by_role(client: Client, make_user: Any, world: Any, page: Endpoint, role: Role) -> None:
    user = make_user(role)
    setup = world(user)
    client.force_login(user)
    response = _call(client, page.method, setup.path(page, setup.own), setup.body(page, setup.own))
    expected = page.status_for(role)
    assert response.status_code == expected, f"{role} on {page.id}"
    if expected == 403:
        assert "error.html" in [t.name for t in response.templates]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "role"),
    [(page, role) for page in PAGES if page.denied for role in ROLES if page.allows(role)],
    ids=lambda v: v.id if isinstance(v, Endpoint) else str(v),
)
def test_pages_for_an_object_of_another_centre_are_404_and_audited(
    client: Client, make_user: Any, world: Any, page: Endpoint, role: Role
) -> None:
    user = make_user(role)
    setup = world(user)
    client.force_login(user)
    response = _call(client, page.method, setup.path(page, setup.foreign), setup.body(page, setup.foreign))
    assert response.status_code == 404
    _assert_denied_row(user, setup.foreign[page.denied])  # type: ignore[index]
    missing = setup.path(page, setup.foreign.replace(page.denied, 987654321))  # type: ignore[arg-type]
    assert _call(client, page.method, missing, page.body).status_code == 404


# --- API operations ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.id)
def test_api_refuses_anonymous_callers(client: Client, world: Any, administrator: User, operation: Endpoint) -> None:
    setup = world(administrator)
    response = _call(client, operation.method, setup.path(operation, setup.own), setup.body(operation, setup.own))
    assert response.status_code == 401
    (error,) = response.json()["detail"]
    assert error["type"] == "not_authenticated"
    assert error["loc"] == []
    assert error["msg"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.id)
def test_api_by_role(
    *, client: Client, make_user: Any, world: Any, token_for: Any, operation: Endpoint, role: Role
) -> None:
    user = make_user(role)
    setup = world(user)
    body = setup.body(operation, setup.own)
    response = _call(client, operation.method, setup.path(operation, setup.own), body, token_for(user))
    expected = operation.status_for(role)
    assert response.status_code == expected, f"{role} on {operation.id}: {response.content[:300]!r}"
    if expected == 403:
        (error,) = response.json()["detail"]
        assert error["type"] == "permission_denied"
    elif expected == 404:
        assert response.json()["detail"][0]["type"] == "not_found"
    elif response["Content-Type"] == "application/zip":  # a file download (the HSDS data package)
        assert response.content.startswith(b"PK")
    elif response["Content-Type"] == "application/pdf":  # a decision, a letter or an attached document
        assert response.getvalue().startswith(b"%PDF")
    elif expected != 204:
        assert response.json() is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "role"),
    [(op, role) for op in OPERATIONS if op.denied for role in ROLES if op.allows(role)],
    ids=lambda v: v.id if isinstance(v, Endpoint) else str(v),
)
def test_api_objects_of_another_centre_are_404_like_missing_ones_and_audited(
    *, client: Client, make_user: Any, world: Any, token_for: Any, operation: Endpoint, role: Role
) -> None:
    user = make_user(role)
    setup = world(user)
    key = token_for(user)
    body = setup.body(operation, setup.foreign)
    response = _call(client, operation.method, setup.path(operation, setup.foreign), body, key)
    assert response.status_code == 404, response.content
    (error,) = response.json()["detail"]
    assert error["type"] == "not_found"
    _assert_denied_row(user, setup.foreign[operation.denied])  # type: ignore[index]

    denied_rows = AuditEntry.objects.filter(action=AuditAction.DENIED).count()
    missing_objects = setup.foreign.replace(operation.denied, 987654321)  # type: ignore[arg-type]
    if operation.denied == "municipality":
        missing_objects = missing_objects.replace("municipality", type("Missing", (), {"teryt": "1498992", "pk": 0})())
    missing = _call(client, operation.method, setup.path(operation, missing_objects), body, key)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["type"] == "not_found"
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).count() == denied_rows
