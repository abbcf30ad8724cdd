"""Signing in and out, lockout, expired sessions, two-factor, CSRF and API tokens: each failure has its own clear
answer, changes nothing and is audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cus.accounts import services
from cus.accounts.models import ApiToken, User
from cus.accounts.roles import Role
from cus.accounts.tests.factories import PASSWORD
from cus.audit.models import AuditAction, AuditEntry
from cus.core.models import Centre

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _error(response: Any) -> dict[str, Any]:
    (error,) = response.json()["detail"]
    return error


def _no_credentials_message(client: Client) -> str:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    return _error(response)["msg"]


# --- password sign-in ---------------------------------------------------------------------------------------------


def test_a_good_password_signs_in(client: Client, director: User) -> None:
    response = _login(client, director.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in(client)


@pytest.mark.parametrize("email", ["dyrektor@cus.example", "nikt@cus.example"], ids=["wrong-password", "unknown-email"])
def test_a_wrong_password_is_a_form_error_and_audited(client: Client, director: User, email: str) -> None:
    response = _login(client, email, "Złe-hasło-123")
    assert response.status_code == 200
    form = response.context["form"]
    assert [error.code for error in form.non_field_errors().as_data()] == ["invalid_login"]
    assert str(settings.AXES_FAILURE_LIMIT) in form.non_field_errors()[0]
    assert not _signed_in(client)
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.actor_label == email
    assert "Złe-hasło-123" not in str(list(AuditEntry.objects.values()))
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()


def test_a_deactivated_account_cannot_sign_in(client: Client, make_user: Any) -> None:
    user = make_user(Role.SOCIAL_WORKER, is_active=False)
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not _signed_in(client)


def test_lockout_after_the_failure_limit(client: Client, director: User, administrator: User) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, director.email, "wrong").status_code == 200
    locked = _login(client, director.email, "wrong")
    assert locked.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == limit
    lockout = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT).first()
    assert lockout is not None
    assert lockout.actor_label == director.email

    # Even the right password is refused now, and nothing signs in.
    again = _login(client, director.email, PASSWORD)
    assert again.status_code == 429
    assert not _signed_in(client)
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()

    # The lock is for this account from this address: a colleague still signs in.
    assert _login(Client(), administrator.email, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client: Client, director: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, director.email, "wrong")
    assert _login(client, director.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, director.email, "wrong").status_code == 200
    assert _login(client, director.email, PASSWORD).status_code == 302


# --- expired sessions ----------------------------------------------------------------------------------------------


def _expire(client: Client, user: User) -> None:
    client.force_login(user)
    Session.objects.all().delete()


def test_an_expired_session_sends_pages_to_sign_in_with_a_notice(client: Client, director: User) -> None:
    _expire(client, director)
    response = client.get("/centre/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcentre%2F&expired=1"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["session_expired"] is True


def test_a_forged_session_cookie_is_treated_as_expired(client: Client) -> None:
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    response = client.get("/accounts/staff/")
    assert response.status_code == 302
    assert "expired=1" in response["Location"]


def test_no_session_cookie_is_not_called_expired(client: Client) -> None:
    response = client.get("/centre/")
    assert response.status_code == 302
    assert "expired" not in response["Location"]


def test_an_expired_session_on_the_api_is_401_with_its_own_message(client: Client, director: User) -> None:
    _expire(client, director)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    error = _error(response)
    assert error["type"] == "not_authenticated"
    assert error["msg"] != _no_credentials_message(client)
    assert client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json").status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_a_live_session_works_on_the_api(client: Client, director: User) -> None:
    client.force_login(director)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == director.email
    assert "audit.view_auditentry" in body["permissions"]
    assert "accounts.add_user" not in body["permissions"]


# --- two-factor ----------------------------------------------------------------------------------------------------


@pytest.fixture
def device(director: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=director, name="telefon", confirmed=True)


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():0{device.digits}d}"


@pytest.mark.parametrize("path", ["/", "/centre/", "/accounts/staff/", "/audit/", "/accounts/tokens/"])
def test_pages_need_the_second_factor_when_a_device_is_set_up(
    client: Client, director: User, device: TOTPDevice, path: str
) -> None:
    client.force_login(director)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/?next=")


def test_the_api_session_needs_the_second_factor(client: Client, director: User, device: TOTPDevice) -> None:
    client.force_login(director)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    error = _error(response)
    assert error["type"] == "not_authenticated"
    assert error["msg"] != _no_credentials_message(client)
    expired = Client()
    expired.cookies[settings.SESSION_COOKIE_NAME] = "y" * 32
    assert error["msg"] != _error(expired.get("/api/v1/me"))["msg"]


def test_password_sign_in_with_a_device_goes_to_the_second_factor(
    client: Client, director: User, device: TOTPDevice
) -> None:
    response = _login(client, director.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")
    assert client.get("/").status_code == 302


def test_the_target_page_survives_the_second_factor_step(client: Client, director: User, device: TOTPDevice) -> None:
    target = "/audit/?person=x&action=view"
    response = client.post(
        f"{LOGIN}?next=%2Faudit%2F%3Fperson%3Dx%26action%3Dview",
        {"username": director.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).context["next"] == target
    verified = client.post(response["Location"], {"token": _code(device)})
    assert verified["Location"] == target


def test_a_wrong_code_is_refused_and_audited_and_a_right_one_verifies(
    client: Client, director: User, device: TOTPDevice
) -> None:
    client.force_login(director)
    wrong = client.post("/accounts/2fa/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "token" in wrong.context["form"].errors
    assert AuditEntry.objects.filter(action=AuditAction.OTP_FAILED, actor=director).exists()
    assert client.get("/").status_code == 302

    letters = client.post("/accounts/2fa/", {"token": "12ab56"})
    assert "token" in letters.context["form"].errors

    # django-otp throttles after a failure: even the right code is refused at once...
    throttled = client.post("/accounts/2fa/", {"token": _code(device)})
    assert throttled.status_code == 200
    assert "token" in throttled.context["form"].errors
    # ...and accepted once the delay has passed.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    right = client.post("/accounts/2fa/?next=/audit/", {"token": _code(device)})
    assert right.status_code == 302
    assert right["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_the_second_factor_page_refuses_an_outside_next_url(client: Client, director: User, device: TOTPDevice) -> None:
    client.force_login(director)
    response = client.post("/accounts/2fa/?next=https://evil.example/", {"token": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- CSRF ----------------------------------------------------------------------------------------------------------


def test_a_ui_post_without_the_csrf_token_is_refused_and_audited(director: User, centre: Centre) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    response = client.post(
        f"/centre/{centre.pk}/edit/",
        {
            "name": "Przejęte",
            "street_address": "x",
            "postal_code": "00-000",
            "city": "x",
            "bip_url": "",
            "email": "",
            "phone": "",
        },
    )
    assert response.status_code == 403
    assert "error.html" in [t.name for t in response.templates]
    assert Centre.objects.get(pk=centre.pk).name == "CUS w Przykładowie"
    denied = AuditEntry.objects.get(action=AuditAction.DENIED)
    assert denied.actor == director
    assert denied.purpose == "csrf"
    assert denied.message


def test_an_api_post_with_the_session_and_no_csrf_token_is_refused(director: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    response = client.post("/api/v1/tokens", {"name": "przez sesję"}, content_type="application/json")
    assert response.status_code == 403
    error = _error(response)
    assert error["type"] == "permission_denied"
    assert error["loc"] == []
    assert error["msg"]
    assert not ApiToken.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, purpose="csrf", actor=director).exists()


def test_an_api_post_with_the_session_and_the_csrf_token_works(director: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    client.get("/accounts/tokens/")
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/api/v1/tokens", {"name": "przez sesję"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201
    assert response.json()["key"].startswith("cus_")


def test_a_bearer_token_needs_no_csrf_token(director: User, token_for: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/tokens",
        {"name": "maszyna"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(director)}"},
    )
    assert response.status_code == 201


# --- API tokens ----------------------------------------------------------------------------------------------------


def _token_error(api: Any, key: str) -> dict[str, Any]:
    response = api("get", "/api/v1/me", key)
    assert response.status_code == 401
    error = _error(response)
    assert error["type"] == "not_authenticated"
    assert error["loc"] == []
    return error


def test_each_unusable_token_gets_its_own_401_and_is_audited(
    api: Any, client: Client, director: User, administrator: User, make_user: Any
) -> None:
    _revoked, revoked_key = services.token_create(actor=director, user=director, name="odwołany")
    services.token_revoke(actor=director, token=_revoked)
    expired, expired_key = services.token_create(
        actor=director, user=director, name="wygasły", expires_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    leaver = make_user(Role.SOCIAL_WORKER)
    inactive_token, inactive_key = services.token_create(actor=leaver, user=leaver, name="nieaktywny")
    User.objects.filter(pk=leaver.pk).update(is_active=False)

    messages = {
        "revoked": _token_error(api, revoked_key)["msg"],
        "expired": _token_error(api, expired_key)["msg"],
        "inactive user": _token_error(api, inactive_key)["msg"],
        "unknown token": _token_error(api, "cus_00000000_" + "x" * 43)["msg"],
    }
    assert _token_error(api, "not-even-a-cus-key")["msg"] == messages["unknown token"]
    assert len(set(messages.values())) == 4
    assert _no_credentials_message(client) not in messages.values()

    denied = {row.message: row for row in AuditEntry.objects.filter(action=AuditAction.DENIED, purpose="api token")}
    assert set(denied) == set(messages)
    assert denied["revoked"].actor == director
    assert denied["revoked"].object_type == "accounts.apitoken"
    assert denied["expired"].object_id == str(expired.pk)
    assert denied["inactive user"].actor == leaver
    assert denied["inactive user"].object_id == str(inactive_token.pk)
    assert denied["unknown token"].actor is None
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, message="unknown token").count() == 2


def test_deactivating_a_user_stops_their_token_at_once(
    api: Any, administrator: User, make_user: Any, token_for: Any
) -> None:
    worker = make_user(Role.DIRECTOR)
    key = token_for(worker)
    assert api("get", "/api/v1/me", key).status_code == 200
    services.staff_set_active(actor=administrator, user=worker, active=False)
    assert api("get", "/api/v1/me", key).status_code == 401
    services.staff_set_active(actor=administrator, user=worker, active=True)
    assert api("get", "/api/v1/me", key).status_code == 401  # revoked for good


def test_a_read_only_token_reads_but_cannot_write(api: Any, director: User, centre: Centre, token_for: Any) -> None:
    key = token_for(director, read_only=True)
    assert api("get", f"/api/v1/centres/{centre.pk}", key).status_code == 200
    for method, path, body in [
        ("patch", f"/api/v1/centres/{centre.pk}", {"name": "Zmiana"}),
        ("post", "/api/v1/tokens", {"name": "drugi"}),
    ]:
        response = api(method, path, key, json=body)
        assert response.status_code == 403
        error = _error(response)
        assert error["type"] == "permission_denied"
        assert error["msg"]
    assert Centre.objects.get(pk=centre.pk).name == "CUS w Przykładowie"
    assert ApiToken.objects.filter(user=director).count() == 1


def test_a_used_token_records_when(api: Any, director: User, token_for: Any) -> None:
    key = token_for(director)
    assert ApiToken.objects.get(user=director).last_used_at is None
    assert api("get", "/api/v1/me", key).status_code == 200
    assert ApiToken.objects.get(user=director).last_used_at is not None


def test_the_token_is_shown_once_and_never_listed(api: Any, director: User, token_for: Any) -> None:
    key = token_for(director)
    created = api("post", "/api/v1/tokens", key, json={"name": "raz", "read_only": True})
    assert created.status_code == 201
    new_key = created.json()["key"]
    assert new_key.startswith("cus_")
    listed = api("get", "/api/v1/tokens", key)
    assert listed.status_code == 200
    assert {item["name"] for item in listed.json()} == {"test", "raz"}
    assert new_key not in listed.content.decode()
    assert all("key" not in item for item in listed.json())


def test_revoking_another_users_token_is_404_and_audited(
    api: Any, director: User, administrator: User, token_for: Any
) -> None:
    theirs, _key = services.token_create(actor=administrator, user=administrator, name="cudzy")
    response = api("post", f"/api/v1/tokens/{theirs.pk}/revoke", token_for(director))
    assert response.status_code == 404
    assert _error(response)["type"] == "not_found"
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    denied = AuditEntry.objects.get(action=AuditAction.DENIED)
    assert denied.actor == director
    assert denied.object_type == "accounts.apitoken"
    assert denied.object_id == str(theirs.pk)


def test_the_token_page_creates_shows_once_and_revokes(login: Any, director: User) -> None:
    client = login(director)
    created = client.post("/accounts/tokens/", {"name": "Z przeglądarki", "expires_on": ""})
    assert created.status_code == 200
    key = created.context["new_key"]
    assert key.startswith("cus_")
    token = ApiToken.objects.get(user=director)
    again = client.get("/accounts/tokens/")
    assert again.context["new_key"] is None
    assert key not in again.content.decode()
    revoked = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_the_token_page_refuses_a_past_expiry_date(login: Any, director: User) -> None:
    response = login(director).post(
        "/accounts/tokens/",
        {"name": "Stary", "expires_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors
    assert response.context["new_key"] is None
    assert not ApiToken.objects.exists()
