"""Bad input to the API and the forms: a specific answer in the one error shape, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from cus.accounts.models import ApiToken, RoleAssignment, TrainingCertificate, User
from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.core.models import Centre

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_key(make_user: Any, token_for: Any) -> str:
    return token_for(make_user(Role.ADMINISTRATOR, Role.DIRECTOR, email="root@cus.example"))


@pytest.fixture
def worker(make_user: Any) -> User:
    return make_user(Role.SOCIAL_WORKER, full_name="Ewa Kowalska", email="ewa@cus.example")


def _errors(response: Any, status: int = 422) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    for error in detail:
        assert set(error) == {"loc", "msg", "type"}
        assert error["msg"]
    return detail


def _locs(response: Any) -> list[list[Any]]:
    return [error["loc"] for error in _errors(response)]


def _snapshot() -> tuple[int, ...]:
    return (
        User.objects.count(),
        RoleAssignment.objects.count(),
        TrainingCertificate.objects.count(),
        ApiToken.objects.count(),
        Centre.objects.count(),
    )


# --- municipalities -----------------------------------------------------------------------------------------------


def test_an_unknown_municipality_is_404_without_an_audit_row(api: Any, admin_key: str) -> None:
    response = api("get", "/api/v1/municipalities/9999999", admin_key)
    (error,) = _errors(response, 404)
    assert error["type"] == "not_found"
    assert not AuditEntry.objects.filter(action=AuditAction.DENIED).exists()


@pytest.mark.parametrize("teryt", ["999", "abcdefg", "14990111"])
def test_a_malformed_teryt_in_the_path_is_422(api: Any, admin_key: str, teryt: str) -> None:
    response = api("get", f"/api/v1/municipalities/{teryt}", admin_key)
    assert _locs(response) == [["path", "teryt"]]


def test_a_known_municipality_is_returned(api: Any, admin_key: str, municipality: Any) -> None:
    response = api("get", f"/api/v1/municipalities/{municipality.teryt}", admin_key)
    assert response.status_code == 200
    assert response.json() == {
        "id": municipality.pk,
        "teryt": "1499011",
        "name": "Gmina Przykładowa",
        "voivodeship": "14",
    }


# --- roles ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        [{"role": "social_worker", "municipalities": ["1499099"]}],
        [{"role": "social_worker", "municipalities": ["1499011", "0000000"]}],
    ],
    ids=["unknown", "one-unknown"],
)
def test_put_roles_with_an_unknown_teryt_is_422_on_roles(
    api: Any, admin_key: str, worker: User, roles: list[dict[str, Any]]
) -> None:
    before = _snapshot()
    response = api("put", f"/api/v1/staff/{worker.pk}/roles", admin_key, json={"roles": roles})
    (error,) = _errors(response)
    assert error["loc"] == ["body", "roles"]
    assert _snapshot() == before
    assert set(worker.role_assignments.values_list("role", flat=True)) == {Role.SOCIAL_WORKER}


@pytest.mark.parametrize(
    ("roles", "loc"),
    [
        ([{"role": "wizard", "municipalities": ["1499011"]}], ["body", "roles", 0, "role"]),
        ([{"role": "specialist", "municipalities": []}], ["body", "roles", 0, "municipalities"]),
        ([{"role": "specialist"}], ["body", "roles", 0, "municipalities"]),
        ("specialist", ["body", "roles"]),
    ],
)
def test_put_roles_with_a_malformed_body_is_422_with_the_field(
    api: Any, admin_key: str, worker: User, roles: Any, loc: list[Any]
) -> None:
    response = api("put", f"/api/v1/staff/{worker.pk}/roles", admin_key, json={"roles": roles})
    assert loc in _locs(response)
    assert set(worker.role_assignments.values_list("role", flat=True)) == {Role.SOCIAL_WORKER}


@pytest.mark.parametrize(
    "roles",
    [
        [{"role": "specialist", "municipalities": ["1499011"]}, {"role": "specialist", "municipalities": ["1499011"]}],
        [
            {"role": "provider_staff", "municipalities": ["1499011"]},
            {"role": "director", "municipalities": ["1499011"]},
        ],
        [{"role": "director", "municipalities": ["1499022"]}],  # a gmina of another centre
    ],
    ids=["twice", "provider-and-centre-role", "not-served"],
)
def test_put_roles_breaking_a_rule_is_422_on_roles(
    api: Any, admin_key: str, worker: User, roles: list[dict[str, Any]], other_centre: Centre
) -> None:
    response = api("put", f"/api/v1/staff/{worker.pk}/roles", admin_key, json={"roles": roles})
    assert ["body", "roles"] in _locs(response)
    assert set(worker.role_assignments.values_list("role", flat=True)) == {Role.SOCIAL_WORKER}


def test_put_roles_replaces_the_roles(api: Any, admin_key: str, worker: User) -> None:
    response = api(
        "put",
        f"/api/v1/staff/{worker.pk}/roles",
        admin_key,
        json={"roles": [{"role": "specialist", "municipalities": ["1499011"]}]},
    )
    assert response.status_code == 200
    assert response.json()["roles"] == [{"role": "specialist", "municipalities": ["1499011"]}]


# --- staff -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "locs"),
    [
        ({}, [["body", "email"], ["body", "full_name"]]),
        ({"email": 5, "full_name": "X"}, [["body", "email"]]),
        ({"email": "a@cus.example", "full_name": ""}, [["body", "full_name"]]),
        ({"email": "a@cus.example", "full_name": "X" * 201}, [["body", "full_name"]]),
        ({"email": "a@cus.example", "full_name": "X", "roles": "director"}, [["body", "roles"]]),
        ({"email": "a@cus.example", "full_name": "X\x00Y"}, [["body", "full_name"]]),
        ({"email": "a@cus.example", "full_name": "X", "phone": "1" * 31}, [["body", "phone"]]),
        ({"email": "nie-adres", "full_name": "X"}, [["body", "email"]]),
        ({"email": "ROOT@cus.example", "full_name": "X"}, [["body", "email"]]),
        (
            {"email": "a@cus.example", "full_name": "X", "roles": [{"role": "x", "municipalities": ["1"]}]},
            [["body", "roles", 0, "role"]],
        ),
        (
            {
                "email": "a@cus.example",
                "full_name": "X",
                "roles": [{"role": "director", "municipalities": ["7777777"]}],
            },
            [["body", "roles"]],
        ),
    ],
    ids=[
        "missing",
        "email-type",
        "empty-name",
        "long-name",
        "roles-type",
        "nul",
        "long-phone",
        "email-format",
        "duplicate-email",
        "unknown-role",
        "unknown-teryt",
    ],
)
def test_post_staff_with_bad_input_is_422_and_creates_nothing(
    api: Any, admin_key: str, body: dict[str, Any], locs: list[list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = api("post", "/api/v1/staff", admin_key, json=body)
    assert _locs(response) == locs
    assert _snapshot() == before
    assert mail.outbox == []


def test_post_staff_creates_and_invites(api: Any, admin_key: str, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api(
            "post",
            "/api/v1/staff",
            admin_key,
            json={
                "email": "Nowa@CUS.example",
                "full_name": "Nowa Osoba",
                "roles": [{"role": "ipus_coordinator", "municipalities": ["1499011"]}],
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "nowa@cus.example"
    assert body["roles"] == [{"role": "ipus_coordinator", "municipalities": ["1499011"]}]
    assert body["certificates"] == []
    assert body["two_factor_enabled"] is False
    (invitation,) = mail.outbox
    assert invitation.to == ["nowa@cus.example"]


def test_every_row_of_one_request_carries_its_request_id(api: Any, admin_key: str) -> None:
    response = api(
        "post",
        "/api/v1/staff",
        admin_key,
        json={
            "email": "id@cus.example",
            "full_name": "Z Id",
            "roles": [{"role": "director", "municipalities": ["1499011"]}],
        },
        HTTP_X_REQUEST_ID="create-staff-42",
    )
    assert response.status_code == 201
    rows = AuditEntry.objects.filter(request_id="create-staff-42")
    assert {row.object_type for row in rows} == {"accounts.user", "accounts.roleassignment"}
    assert all(row.action == AuditAction.CREATE and row.actor_label.endswith("<root@cus.example>") for row in rows)
    assert all(row.person_id == str(response.json()["id"]) for row in rows)


def test_a_body_that_is_not_json_is_400(api: Any, admin_key: str, client: Any) -> None:
    response = client.post(
        "/api/v1/staff",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    (error,) = _errors(response, 400)
    assert error["type"] == "bad_request"
    assert not User.objects.filter(email__startswith="{").exists()


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"name": ""}, ["body", "name"], "string_too_short"),
        ({"postal_code": "1234567"}, ["body", "postal_code"], "string_too_long"),
        ({"postal_code": "12345"}, ["body", "postal_code"], "postal_code"),
        ({"bip_url": "bip"}, ["body", "bip_url"], "invalid"),
        ({"email": "bez-małpy"}, ["body", "email"], "invalid"),
        ({"city": 12}, ["body", "city"], "string_type"),
        ({"name": "A\x00"}, ["body", "name"], "value_error"),
    ],
)
def test_patch_centre_with_bad_input_is_422_and_changes_nothing(
    *, api: Any, admin_key: str, centre: Centre, body: dict[str, Any], loc: list[str], kind: str
) -> None:
    response = api("patch", f"/api/v1/centres/{centre.pk}", admin_key, json=body)
    (error,) = _errors(response)
    assert error["loc"] == loc
    assert error["type"] == kind
    stored = Centre.objects.get(pk=centre.pk)
    assert (stored.name, stored.postal_code, stored.city, stored.bip_url) == (
        "CUS w Przykładowie",
        "00-950",
        "Testowo",
        "",
    )
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_patch_centre_ignores_fields_it_does_not_know(api: Any, admin_key: str, centre: Centre) -> None:
    response = api("patch", f"/api/v1/centres/{centre.pk}", admin_key, json={"kind": "joint", "phone": "1"})
    assert response.status_code == 200
    assert response.json()["kind"] == "converted"
    assert response.json()["phone"] == "1"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"kind": "director", "completed_on": "yesterday", "number": "1"}, ["body", "completed_on"]),
        ({"kind": "wizardry", "completed_on": "2024-01-01", "number": "1"}, ["body", "kind"]),
        ({"kind": "director", "completed_on": "2024-01-01", "number": ""}, ["body", "number"]),
        ({"kind": "director", "completed_on": "2999-01-01", "number": "1"}, ["body", "completed_on"]),
    ],
)
def test_post_certificate_with_bad_input_is_422(
    api: Any, admin_key: str, worker: User, body: dict[str, Any], loc: list[str]
) -> None:
    response = api("post", f"/api/v1/staff/{worker.pk}/certificates", admin_key, json=body)
    assert _locs(response) == [loc]
    assert not TrainingCertificate.objects.exists()


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": ""}, ["body", "name"]),
        ({"name": "x", "expires_at": "soon"}, ["body", "expires_at"]),
        ({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, ["body", "expires_at"]),
        ({"name": "x", "read_only": "perhaps"}, ["body", "read_only"]),
    ],
)
def test_post_token_with_bad_input_is_422(api: Any, admin_key: str, body: dict[str, Any], loc: list[str]) -> None:
    response = api("post", "/api/v1/tokens", admin_key, json=body)
    assert _locs(response) == [loc]
    assert ApiToken.objects.count() == 1


def test_deactivating_oneself_is_422(api: Any, make_user: Any, token_for: Any) -> None:
    me = make_user(Role.ADMINISTRATOR)
    response = api("post", f"/api/v1/staff/{me.pk}/deactivate", token_for(me))
    assert _locs(response) == [["body", "is_active"]]
    assert User.objects.get(pk=me.pk).is_active


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("/api/v1/centres/abc", ["path", "centre_id"]),
        ("/api/v1/staff/1.5", ["path", "user_id"]),
        ("/api/v1/staff?role=wizard", ["query", "role"]),
        ("/api/v1/staff?limit=0", ["query", "limit"]),
        ("/api/v1/staff?limit=100000", ["query", "limit"]),
        ("/api/v1/staff?offset=-1", ["query", "offset"]),
        ("/api/v1/staff?offset=99999999999999999999999", ["query", "offset"]),
        ("/api/v1/staff?q=%00", ["query", "q"]),
        ("/api/v1/audit?person=a%00b", ["query", "person"]),
        ("/api/v1/audit?date_to=31.12.2025", ["query", "date_to"]),
    ],
)
def test_bad_path_and_query_values_are_422(api: Any, admin_key: str, path: str, loc: list[str]) -> None:
    assert loc in _locs(api("get", path, admin_key))


def test_the_staff_api_filters(api: Any, admin_key: str, worker: User, director: User) -> None:
    by_name = api("get", "/api/v1/staff?q=kowal", admin_key).json()
    assert [item["email"] for item in by_name["items"]] == ["ewa@cus.example"]
    by_role = api("get", "/api/v1/staff?role=director", admin_key).json()
    assert {item["email"] for item in by_role["items"]} == {"dyrektor@cus.example", "root@cus.example"}


# --- the same rules through the forms ----------------------------------------------------------------------------


def test_the_staff_form_reports_a_duplicate_email_beside_the_field(login: Any, administrator: User) -> None:
    before = _snapshot()
    response = login(administrator).post(
        "/accounts/staff/new/", {"full_name": "Kopia", "email": "ADMIN@cus.example", "job_title": "", "phone": ""}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert _snapshot() == before


def test_the_staff_form_creates_with_roles(login: Any, administrator: User, municipality: Any) -> None:
    response = login(administrator).post(
        "/accounts/staff/new/",
        {
            "full_name": "Nowy Pracownik",
            "email": "nowy@cus.example",
            "job_title": "",
            "phone": "",
            "role_specialist": [municipality.pk],
        },
    )
    user = User.objects.get(email="nowy@cus.example")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/staff/{user.pk}/"
    assert set(user.role_assignments.values_list("role", flat=True)) == {Role.SPECIALIST}


def test_the_staff_edit_form_saves_nothing_when_the_roles_are_refused(
    login: Any, administrator: User, worker: User, municipality: Any
) -> None:
    response = login(administrator).post(
        f"/accounts/staff/{worker.pk}/edit/",
        {
            "full_name": "Nowe Nazwisko",
            "email": "ewa@cus.example",
            "job_title": "",
            "phone": "",
            "role_provider_staff": [municipality.pk],
            "role_director": [municipality.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert User.objects.get(pk=worker.pk).full_name == "Ewa Kowalska"
    assert set(worker.role_assignments.values_list("role", flat=True)) == {Role.SOCIAL_WORKER}
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_the_centre_form_reports_a_bad_postal_code(login: Any, director: User, centre: Centre) -> None:
    response = login(director).post(
        f"/centre/{centre.pk}/edit/",
        {
            "name": "Nowa nazwa",
            "street_address": "ul. A 1",
            "postal_code": "00000",
            "city": "X",
            "bip_url": "",
            "email": "",
            "phone": "",
        },
    )
    assert response.status_code == 200
    assert "postal_code" in response.context["form"].errors
    assert Centre.objects.get(pk=centre.pk).name == "CUS w Przykładowie"


def test_the_staff_list_search_survives_a_nul_character(login: Any, director: User, worker: User) -> None:
    response = login(director).get("/accounts/staff/", {"q": "Kowal\x00ska"})
    assert response.status_code == 200
    assert [user.pk for user in response.context["staff"]] == [worker.pk]


def test_the_certificate_form_refuses_a_future_date(login: Any, administrator: User, worker: User) -> None:
    response = login(administrator).post(
        f"/accounts/staff/{worker.pk}/certificates/new/",
        {"kind": "director", "completed_on": "2999-01-01", "number": "1", "issuer": ""},
    )
    assert response.status_code == 200
    assert "completed_on" in response.context["form"].errors
    assert not TrainingCertificate.objects.exists()


def test_post_token_with_a_far_utc_offset_is_stored_in_utc(api: Any, admin_key: str) -> None:
    response = api("post", "/api/v1/tokens", admin_key, json={"name": "x", "expires_at": "4046-06-18T11:41:03+23:20"})
    assert response.status_code == 201
    token = ApiToken.objects.get(name="x")
    assert token.expires_at.isoformat() == "4046-06-17T12:21:03+00:00"
