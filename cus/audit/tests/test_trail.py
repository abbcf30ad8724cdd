"""What the audit trail records about reads, and how the director and administrator search and export it."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cus.accounts.models import User
from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.audit.queries import audit_entries
from cus.core.models import Centre

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


@pytest.fixture
def colleague(make_user: Any) -> User:
    return make_user(Role.SOCIAL_WORKER, full_name="Ewa Kowalska", email="ewa@cus.example")


@pytest.fixture
def outsider_admin(other_centre: Centre) -> User:
    return UserFactory(
        centre=other_centre, roles=[Role.ADMINISTRATOR, Role.DIRECTOR], full_name="Obcy Admin", email="obcy@cus.example"
    )


@pytest.fixture
def trail(
    centre: Centre, other_centre: Centre, director: User, colleague: User, outsider_admin: User
) -> dict[str, Any]:
    """A small, fixed trail in both centres."""
    day = datetime.date(2025, 3, 10)
    common = {"centre_id": centre.pk}
    rows = {
        "view": AuditEntry.objects.create(
            timestamp=_at(day, 9),
            action=AuditAction.VIEW,
            actor=director,
            actor_label="Anna Dyrektorska <dyrektor@cus.example>",
            object_type="accounts.user",
            object_id=str(colleague.pk),
            object_repr="Ewa Kowalska",
            person_type="accounts.user",
            person_id=str(colleague.pk),
            person_label="Ewa Kowalska",
            purpose="Administration of staff accounts",
            **common,
        ),
        "update": AuditEntry.objects.create(
            timestamp=_at(day + datetime.timedelta(days=1), 10),
            action=AuditAction.UPDATE,
            actor_label="System",
            object_type="core.centre",
            object_id=str(centre.pk),
            object_repr="CUS w Przykładowie",
            before={"phone": ""},
            after={"phone": "1"},
            changed_fields=["phone"],
            **common,
        ),
        "late": AuditEntry.objects.create(
            timestamp=_at(day + datetime.timedelta(days=5), 23),
            action=AuditAction.LOGIN,
            actor=colleague,
            actor_label="Ewa Kowalska <ewa@cus.example>",
            object_type="accounts.user",
            object_id=str(colleague.pk),
            object_repr="Ewa Kowalska",
            **common,
        ),
        "foreign": AuditEntry.objects.create(
            timestamp=_at(day, 11),
            action=AuditAction.VIEW,
            actor=outsider_admin,
            actor_label="Obcy Admin <obcy@cus.example>",
            object_type="accounts.user",
            object_id="999",
            person_type="accounts.user",
            person_id="999",
            person_label="Ewa Obca",
            centre_id=other_centre.pk,
        ),
    }
    return {"day": day, **rows}


def _ids(entries: Any) -> set[int]:
    return {entry.pk for entry in entries}


def _trail_only(pks: Any, trail: dict[str, Any]) -> list[int]:
    """The entries of the fixed trail, in the order given (signing in and creating a token add rows of their own)."""
    known = {row.pk for row in trail.values() if isinstance(row, AuditEntry)}
    return [pk for pk in pks if pk in known]


# --- reading a staff record is audited -----------------------------------------------------------------------


def test_the_staff_page_writes_a_view_entry_with_a_purpose(login: Any, director: User, colleague: User) -> None:
    response = login(director).get(f"/accounts/staff/{colleague.pk}/", HTTP_X_REQUEST_ID="page-view-0001")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.actor == director
    assert entry.purpose
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(colleague.pk)
    assert entry.person_id == str(colleague.pk)
    assert entry.person_label == "Ewa Kowalska"
    assert entry.request_id == "page-view-0001"


def test_the_staff_api_writes_a_view_entry_with_a_purpose(
    api: Any, token_for: Any, director: User, colleague: User
) -> None:
    response = api("get", f"/api/v1/staff/{colleague.pk}", token_for(director))
    assert response.status_code == 200
    assert response.json()["email"] == "ewa@cus.example"
    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.actor == director
    assert entry.purpose
    assert entry.person_id == str(colleague.pk)
    assert len(entry.request_id) == 32


def test_the_staff_list_is_not_a_read_of_each_record(login: Any, director: User, colleague: User) -> None:
    assert login(director).get("/accounts/staff/").status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()


# --- searching ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"view", "update", "late"}),
        ({"person": "kowalska"}, {"view"}),
        ({"actor": "DYREKTOR"}, {"view"}),
        ({"actor": "ewa@cus"}, {"late"}),
        ({"obj": "core.centre"}, {"update"}),
        ({"obj": "Przykładowie"}, {"update"}),
        ({"action": AuditAction.LOGIN}, {"late"}),
        ({"action": AuditAction.DELETE}, set()),
        ({"date_from": datetime.date(2025, 3, 11)}, {"update", "late"}),
        ({"date_to": datetime.date(2025, 3, 10)}, {"view"}),
        ({"date_from": datetime.date(2025, 3, 15), "date_to": datetime.date(2025, 3, 15)}, {"late"}),
        ({"date_from": datetime.date(2025, 3, 16)}, set()),
        ({"person": "Ewa", "action": AuditAction.VIEW, "actor": "Anna"}, {"view"}),
    ],
)
def test_audit_entries_filters(
    director: User, trail: dict[str, Any], filters: dict[str, Any], expected: set[str]
) -> None:
    found = audit_entries(director, **filters)
    assert _ids(found) == {trail[name].pk for name in expected}


def test_audit_entries_by_person_id_and_typed_object(director: User, trail: dict[str, Any], colleague: User) -> None:
    assert _ids(audit_entries(director, person=str(colleague.pk))) == {trail["view"].pk}
    assert _ids(audit_entries(director, obj=f"accounts.user:{colleague.pk}")) == {trail["view"].pk, trail["late"].pk}
    assert _ids(audit_entries(director, obj="ACCOUNTS.USER : 999")) == set()


def test_audit_entries_are_newest_first(director: User, trail: dict[str, Any]) -> None:
    assert [entry.pk for entry in audit_entries(director)] == [trail["late"].pk, trail["update"].pk, trail["view"].pk]


def test_roles_without_the_audit_permission_see_nothing(make_user: Any, trail: dict[str, Any]) -> None:
    assert not audit_entries(make_user(Role.SERVICES_ORGANISER)).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"view", "update", "late"}),
        ("?person=Kowalska", {"view"}),
        ("?user=dyrektor", {"view"}),
        ("?object=core.centre", {"update"}),
        ("?action=login", {"late"}),
        ("?date_from=2025-03-11&date_to=2025-03-11", {"update"}),
        ("?limit=1", {"late"}),
        ("?limit=1&offset=2", {"view"}),
    ],
)
def test_the_audit_api_searches(
    *, api: Any, token_for: Any, director: User, trail: dict[str, Any], query: str, expected: set[str]
) -> None:
    key = token_for(director)
    # Only the fixed trail lies in 2025; the token just created is audited today.
    if "date_to" not in query:
        query += ("&" if "?" in query else "?") + "date_to=2025-12-31"
    response = api("get", f"/api/v1/audit{query}", key)
    assert response.status_code == 200
    body = response.json()
    assert {item["id"] for item in body["items"]} == {trail[name].pk for name in expected}
    if "limit" in query:
        assert body["count"] == 3


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("?action=erase", ["query", "action"]),
        ("?date_from=yesterday", ["query", "date_from"]),
        ("?limit=0", ["query", "limit"]),
    ],
)
def test_the_audit_api_rejects_bad_filters(
    api: Any, token_for: Any, director: User, query: str, loc: list[str]
) -> None:
    response = api("get", f"/api/v1/audit{query}", token_for(director))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_the_audit_api_shows_one_entry_with_its_change(
    api: Any, token_for: Any, director: User, trail: dict[str, Any]
) -> None:
    response = api("get", f"/api/v1/audit/{trail['update'].pk}", token_for(director))
    assert response.status_code == 200
    body = response.json()
    assert body["before"] == {"phone": ""}
    assert body["after"] == {"phone": "1"}
    assert body["changed_fields"] == ["phone"]
    assert body["action"] == "update"


# --- the audit screen and the CSV export -----------------------------------------------------------------------


def test_the_audit_screen_lists_entries_for_a_director(login: Any, director: User, trail: dict[str, Any]) -> None:
    response = login(director).get("/audit/")
    assert response.status_code == 200
    page = response.context["page"]
    listed = [entry.pk for entry in page.object_list]
    assert _trail_only(listed, trail) == [trail["late"].pk, trail["update"].pk, trail["view"].pk]
    assert trail["foreign"].pk not in listed
    assert "Obcy Admin" not in response.content.decode()


def test_the_audit_screen_filters_and_answers_htmx_with_the_results_only(
    login: Any, director: User, trail: dict[str, Any]
) -> None:
    client = login(director)
    response = client.get("/audit/", {"person": "Kowalska", "action": "view"})
    assert response.status_code == 200
    assert [entry.pk for entry in response.context["page"].object_list] == [trail["view"].pk]
    partial = client.get("/audit/", {"person": "Kowalska"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "audit/_results.html" in [template.name for template in partial.templates]
    assert "<html" not in partial.content.decode().lower()


def test_the_audit_screen_reports_a_reversed_date_range(login: Any, director: User, trail: dict[str, Any]) -> None:
    response = login(director).get("/audit/", {"date_from": "2025-03-12", "date_to": "2025-03-10"})
    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors
    assert response.context["page"] is None


def test_the_audit_detail_page_shows_the_change(login: Any, director: User, trail: dict[str, Any]) -> None:
    response = login(director).get(f"/audit/{trail['update'].pk}/")
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row["before"], row["after"], row["changed"]) == ("", "1", True)


def test_the_csv_export_has_the_entries_and_is_itself_audited(
    login: Any, director: User, trail: dict[str, Any]
) -> None:
    response = login(director).get("/audit/export.csv", {"action": "view"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "time", "action", "user"]
    export = AuditEntry.objects.get(action=AuditAction.VIEW, purpose="audit export (CSV)")
    by_id = {row[0]: row for row in rows[1:]}
    # The export lists the trail's view entry (and the row recording this very export), nothing else.
    assert set(by_id) == {str(trail["view"].pk), str(export.pk)}
    assert by_id[str(trail["view"].pk)][2] == "view"
    assert by_id[str(trail["view"].pk)][7] == "Ewa Kowalska"
    assert export.actor == director
    assert export.message == "action=view"
    assert export.centre_id == director.centre_id


@pytest.mark.parametrize("query", ["date_from=2025-03-12&date_to=2025-03-10", "date_from=jutro", "action=erase"])
def test_an_export_with_invalid_filters_exports_nothing(
    login: Any, director: User, trail: dict[str, Any], query: str
) -> None:
    response = login(director).get(f"/audit/export.csv?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"/audit/?{query}"
    assert not AuditEntry.objects.filter(purpose="audit export (CSV)").exists()


# --- another centre's administrator never sees this centre's entries ------------------------------------------


def test_another_centres_administrator_sees_only_their_own_entries(
    client: Client, outsider_admin: User, trail: dict[str, Any]
) -> None:
    assert _ids(audit_entries(outsider_admin)) == {trail["foreign"].pk}
    client.force_login(outsider_admin)
    mine = {trail["view"].pk, trail["update"].pk, trail["late"].pk}
    page = client.get("/audit/")
    assert page.status_code == 200
    listed = {entry.pk for entry in page.context["page"].object_list}
    assert trail["foreign"].pk in listed
    assert not listed & mine
    assert all(entry.centre_id == outsider_admin.centre_id for entry in page.context["page"].object_list)
    export = client.get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8").lstrip("\ufeff"))))
    exported = {int(row[0]) for row in rows[1:]}
    assert trail["foreign"].pk in exported
    assert not exported & mine
    assert client.get(f"/audit/{trail['view'].pk}/").status_code == 404
    api_ids = {item["id"] for item in client.get("/api/v1/audit?limit=200").json()["items"]}
    assert trail["foreign"].pk in api_ids
    assert not api_ids & mine


def test_another_centres_administrator_gets_404_for_an_entry_and_is_audited(
    api: Any, token_for: Any, outsider_admin: User, trail: dict[str, Any]
) -> None:
    response = api("get", f"/api/v1/audit/{trail['view'].pk}", token_for(outsider_admin))
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "not_found"
    denied = AuditEntry.objects.get(action=AuditAction.DENIED)
    assert denied.actor == outsider_admin
    assert denied.object_type == "audit.auditentry"
    assert denied.object_id == str(trail["view"].pk)


# --- sign-in events -------------------------------------------------------------------------------------------------


def test_sign_in_and_sign_out_are_recorded(client: Client, director: User) -> None:
    from cus.accounts.tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": director.email, "password": PASSWORD})
    assert response.status_code == 302
    login = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert login.actor == director
    assert login.ip_address == "127.0.0.1"
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert AuditEntry.objects.get(action=AuditAction.LOGOUT).actor == director
