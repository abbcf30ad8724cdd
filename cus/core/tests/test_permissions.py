"""The permission matrix, generated from ``cus.accounts.roles.PERMISSIONS``: every staff page and every API operation
against every role, anonymous access, and objects of another centre.

Expectations are derived from the table, so the test stays true when the table grows; a new page or API operation
must be added to ``PAGES`` or ``OPERATIONS`` (the coverage tests below fail until it is).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

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
        "GET",
        "/api/v1/residents/households/{household}/income",
        "residents.view_incomedeclaration",
        "residents.view_household",
        "household",
    ),
]


@dataclass
class World:
    centre: Centre
    other_centre: Centre
    own: dict[str, Any]
    foreign: dict[str, Any]

    def path(self, endpoint: Endpoint, objects: dict[str, Any]) -> str:
        keys = {name: value.pk if hasattr(value, "pk") else value for name, value in objects.items()}
        keys["teryt"] = objects["municipality"].teryt
        return endpoint.path.format(**keys)

    def body(self, endpoint: Endpoint, objects: dict[str, Any]) -> dict[str, Any]:
        keys = {name: str(value.pk) if hasattr(value, "pk") else value for name, value in objects.items()}
        return {
            name: value.format(**keys) if isinstance(value, str) and value.startswith("{") else value
            for name, value in endpoint.body.items()
        }


def _objects(user: User, colleague: User, municipality: Any) -> dict[str, Any]:
    certificate = account_services.certificate_add(
        actor=None, user=colleague, kind="director", completed_on=datetime.date(2023, 6, 1), number="OLD/1"
    )
    token, _key = account_services.token_create(actor=user, user=user, name="revocable")
    entry = record(action=AuditAction.VIEW, actor=colleague, instance=colleague, purpose="matrix")
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
        "centre": colleague.centre,
        "municipality": municipality,
        "staff": colleague,
        "certificate": certificate,
        "token": token,
        "entry": entry,
        **catalog_matrix_objects(municipality, organization, location, service),
        **residents_matrix_objects(municipality),
        **programme_matrix_objects(municipality),
        **qualification_matrix_objects(municipality),
    }


@pytest.fixture
def world(centre: Centre, other_centre: Centre, municipality: Any) -> Any:
    def build(actor: User) -> World:
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
        "fee_table",
        "draft_fee_table",
        "application",
        "attachment",
        "refused_application",
        "decision",
    ),
    "00000000-0000-0000-0000-000000000001",
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
    missing = setup.path(page, {**setup.foreign, page.denied: 987654321})  # type: ignore[dict-item]
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
    missing_objects = {**setup.foreign, operation.denied: 987654321}  # type: ignore[dict-item]
    if operation.denied == "municipality":
        missing_objects["municipality"] = type("Missing", (), {"teryt": "1498992", "pk": 0})()
    missing = _call(client, operation.method, setup.path(operation, missing_objects), body, key)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["type"] == "not_found"
    assert AuditEntry.objects.filter(action=AuditAction.DENIED).count() == denied_rows
