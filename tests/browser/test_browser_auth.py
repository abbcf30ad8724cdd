"""Sign-in, session expiry, language switch and two-factor authentication in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_wrong_password_then_sign_in(ui, director):
    from cus.audit.models import AuditAction, AuditEntry

    page = ui.page
    ui.sign_in(director.email, "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("#error-summary")).to_be_visible()
    # The e-mail is kept and the form is ready for another try.
    expect(page.locator("main input[name=username]")).to_have_value(director.email)
    expect(page.locator("main input[name=password]")).to_have_value("")
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert list(failed.values_list("actor_label", flat=True)) == [director.email]
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()
    ui.check("login with errors")

    ui.sign_in(director.email)
    expect(page).to_have_url(ui.url("/"))
    expect(page.locator("header form[action='/accounts/logout/']")).to_be_visible()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=director).count() == 1


def test_expired_session_is_explained(ui, director):
    from django.contrib.sessions.models import Session

    page = ui.page
    ui.sign_in(director.email)
    expect(page).to_have_url(ui.url("/"))
    Session.objects.all().delete()

    page.goto("/centre/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?.*expired=1"))
    assert "next=%2Fcentre%2F" in page.url
    expect(page.locator("main [role=status]")).to_be_visible()
    ui.check("login after the session expired")


def test_language_switch_on_login_page(ui):
    page = ui.page
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")

    ui.switch_language("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(ui.url("/accounts/login/"))
    expect(page.locator("#language-select")).to_have_value("en")
    ui.check("login")

    ui.switch_language("pl")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("#language-select")).to_have_value("pl")


def test_two_factor_set_up_and_verify(ui, settings, director, otp):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # The live server runs in this process, so the settings fixture reaches its requests too.
    settings.CUS_REQUIRE_2FA = True
    page = ui.page

    ui.sign_in(director.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/\?next=(/|%2F)$"))
    qr = page.locator("main img.cus-qr")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    secret = page.locator("code#otp-secret").inner_text()
    device = TOTPDevice.objects.get(user=director, confirmed=False)
    ui.check("2FA set-up", shot="otp-setup", narrow_shot=True)

    token = page.locator("main input[name=token]")
    token.fill(otp.wrong_code(device))
    ui.submit()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_token_error")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("2FA set-up with errors")

    otp.wait_until_allowed(device)
    token.fill(otp.code_from_secret(secret))
    ui.submit()
    expect(page).to_have_url(ui.url("/"))
    device.refresh_from_db()
    assert device.confirmed

    ui.sign_out()
    ui.sign_in(director.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=(/|%2F)$"))
    ui.check("2FA verify")
    # Until the code is entered every page sends the user back to the verification.
    page.goto("/centre/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=%2Fcentre%2F$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next=%2F$"))

    # The set-up code's step cannot be used again: take the next step while it is still the current one.
    device.refresh_from_db()
    page.locator("main input[name=token]").fill(otp.code_for(device, after=device.last_t))
    ui.submit()
    expect(page).to_have_url(ui.url("/"))
    page.goto("/centre/")
    expect(page).to_have_url(ui.url("/centre/"))
