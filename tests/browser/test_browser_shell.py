"""Every page of the shell: axe-core, reflow at 320 px, keyboard access and screenshots.

One signed-in browser page walks through all the pages of a test, so the suite signs in only a few times.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_pages_before_sign_in(ui, director):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    page = ui.page
    ui.visit("/accounts/login/", "login", shot="login", narrow_shot=True)
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    # No navigation and no user menu before signing in.
    expect(page.locator("nav.cus-nav")).to_have_count(0)
    expect(page.locator("header form[action='/accounts/logout/']")).to_have_count(0)

    page.locator("main a[href='/accounts/password/reset/']").click()
    expect(page).to_have_url(ui.url("/accounts/password/reset/"))
    ui.check("password reset")
    page.locator("main input[name=email]").fill("to-nie-adres")
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("password reset with errors")
    page.locator("main input[name=email]").fill(director.email)
    ui.submit()
    expect(page).to_have_url(ui.url("/accounts/password/reset/sent/"))
    ui.check("password reset done")

    uid = urlsafe_base64_encode(force_bytes(director.pk))
    token = default_token_generator.make_token(director)
    page.goto(f"/accounts/password/set/{uid}/{token}/")
    expect(page).to_have_url(re.compile(r"/accounts/password/set/[^/]+/set-password/$"))
    expect(page.locator("main input[name=new_password1]")).to_be_visible()
    ui.check("password reset confirm")
    ui.visit("/accounts/password/set/MQ/invalid-token/", "password reset confirm (invalid link)")

    ui.visit("/no-such-page/", "404 page (signed out)", status=404)


def test_every_page_signed_in(ui, administrator, director, centre):
    from cus.accounts.models import ApiToken, TrainingCertificate

    page = ui.page
    ui.sign_in(administrator.email)
    expect(page).to_have_url(ui.url("/"))
    ui.check("home", shot="home", narrow_shot=True)
    nav = page.locator("nav.cus-nav a")
    hrefs = nav.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [
        "/",
        "/centre/",
        "/accounts/staff/",
        "/catalog/",
        "/programme/",
        "/qualification/fee-tables/",
        "/delivery/staff/",
        "/audit/",
        "/accounts/tokens/",
    ]  # an administrator: no residents or applications (personal data)
    expect(page.locator("nav.cus-nav a[aria-current=page]")).to_have_attribute("href", "/")

    ui.visit("/centre/", "centre list", shot="centre-list")
    expect(page.locator("nav.cus-nav a[aria-current=page]")).to_have_attribute("href", "/centre/")
    ui.visit(f"/centre/{centre.pk}/", "centre detail")
    ui.visit(f"/centre/{centre.pk}/edit/", "centre edit")
    page.locator("main input[name=postal_code]").fill("00000")
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("main input[name=postal_code]")).to_have_attribute("aria-invalid", "true")
    ui.check("centre edit with errors")

    ui.visit("/accounts/staff/", "staff list", shot="staff-list", narrow_shot=True)
    ui.visit("/accounts/staff/new/", "staff create form", shot="staff-create")
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("staff create form with errors")
    ui.visit(f"/accounts/staff/{director.pk}/edit/", "staff edit form")

    ui.visit(f"/accounts/staff/{director.pk}/certificates/new/", "certificate form")
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("certificate form with errors")
    page.locator("main select[name=kind]").select_option("director")
    page.locator("main input[name=completed_on]").fill("2024-05-20")
    page.locator("main input[name=number]").fill("ROPS/123/2024")
    ui.submit()
    expect(page).to_have_url(ui.url(f"/accounts/staff/{director.pk}/"))
    assert TrainingCertificate.objects.filter(user=director, number="ROPS/123/2024").exists()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    ui.check("staff detail (with a certificate)", shot="staff-detail-certificate", narrow_shot=True)

    ui.visit("/accounts/tokens/", "API tokens")
    page.locator("main input[name=name]").fill("system kadrowy")
    ui.submit()
    expect(page.locator("#new-token")).to_be_visible()
    assert page.locator("#new-token").inner_text().strip().startswith("cus_")
    assert ApiToken.objects.filter(user=administrator, name="system kadrowy").count() == 1
    ui.check("API tokens (token just created)", shot="tokens-created", narrow_shot=True)

    ui.visit("/accounts/password/", "password change")
    page.locator("main input[name=old_password]").fill("wrong")
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("password change with errors")

    page.goto("/audit/")
    page.locator("#audit-results tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/audit/\d+/$"))
    ui.check("audit entry detail (administrator)")
    # An entry with a before/after table: the certificate recorded above.
    page.goto("/audit/?object=trainingcertificate&action=create")
    page.locator("#audit-results tbody tr a").first.click()
    expect(page.locator("main table")).to_be_visible()
    ui.check("audit entry detail with changes")

    ui.visit("/no-such-page/", "404 page", status=404, shot="error-404")
    response = page.goto(f"/accounts/staff/{director.pk + 1000}/")
    assert response is not None
    assert response.status == 404

    # The same shell in English.
    ui.switch_language("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    ui.check("404 page")
    ui.visit("/", "home", shot="home-en")
    ui.visit("/accounts/staff/new/", "staff create form")
    ui.submit()
    ui.check("staff create form with errors")
    ui.visit("/audit/?action=login", "audit search with results")
    ui.switch_language("pl")
    expect(page.locator("html")).to_have_attribute("lang", "pl")

    # Signing out lands on the sign-in page (LOGOUT_REDIRECT_URL).
    ui.sign_out()
    expect(page).to_have_url(ui.url("/accounts/login/"))
    expect(page.locator("header form[action='/accounts/logout/']")).to_have_count(0)
    ui.check("page after sign-out", shot="signed-out")
    # A deliberate sign-out is not reported as an expired session.
    page.goto("/centre/")
    expect(page).to_have_url(ui.url("/accounts/login/?next=%2Fcentre%2F"))
    expect(page.locator("main [role=status]")).to_have_count(0)


def _first_tab_reaches_main(page, path):
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip, f"first Tab on {path}").to_be_focused()
    expect(skip).to_have_attribute("href", "#main")
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0, f"{path}: the focused skip link must be on screen"

    page.keyboard.press("Enter")
    expect(page.locator("main#main"), f"Enter on the skip link of {path}").to_be_focused()
    # The next Tab stays in the main content instead of going back through the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)"), path


def test_skip_link_is_the_first_tab_stop(ui, administrator):
    _first_tab_reaches_main(ui.page, "/accounts/password/reset/")
    ui.sign_in(administrator.email)
    for path in ("/", "/centre/", "/accounts/staff/", "/audit/", "/accounts/tokens/"):
        _first_tab_reaches_main(ui.page, path)


def test_sign_in_with_the_keyboard_alone(ui, director):
    from cus.accounts.tests.factories import PASSWORD

    page = ui.page
    page.goto("/accounts/login/")
    email = page.locator("main input[name=username]")
    # The e-mail field has autofocus, so on this page the first Tab goes on to the password, not the skip link.
    expect(email).to_be_focused()
    page.keyboard.type(director.email)
    page.keyboard.press("Tab")
    expect(page.locator("main input[name=password]")).to_be_focused()
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(ui.url("/"))
