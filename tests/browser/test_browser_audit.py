"""The audit screen: search by user and dates, an entry's details, and who may not see it."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_director_searches_the_audit_log(ui, director, administrator):
    from django.utils import timezone

    from cus.audit.models import AuditAction, AuditEntry

    page = ui.page
    # Two sign-ins of the director and one of the administrator, all through the form.
    ui.sign_in(administrator.email)
    ui.sign_out()
    ui.sign_in(director.email)
    ui.sign_out()
    ui.sign_in(director.email)
    expect(page).to_have_url(ui.url("/"))

    page.locator("nav a[href='/audit/']").click()
    expect(page).to_have_url(ui.url("/audit/"))
    ui.check("audit search (all entries)")

    # A two-day range, so that a run across midnight still finds the sign-ins.
    today = timezone.localdate()
    form = page.locator("main form[role=search]")
    form.locator("input[name=user]").fill("dyrektor@cus.example")
    form.locator("input[name=date_from]").fill((today - datetime.timedelta(days=1)).isoformat())
    form.locator("input[name=date_to]").fill(today.isoformat())
    form.locator("select[name=action]").select_option(AuditAction.LOGIN.value)
    form.locator("button[type=submit]").click()
    # htmx swaps the results in and pushes the search into the address bar.
    expect(page).to_have_url(re.compile(r"/audit/\?.*user=dyrektor%40cus\.example"))

    logins = AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=director).order_by("-timestamp", "-id")
    expected = [f"/audit/{pk}/" for pk in logins.values_list("pk", flat=True)]
    assert len(expected) == 2
    rows = page.locator("#audit-results tbody tr")
    expect(rows).to_have_count(2)
    assert rows.locator("td:first-child a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == expected
    expect(page.locator("#audit-results [role=status]")).to_contain_text("2")

    # The pushed URL gives the same results on a full page load (the search works without JavaScript too).
    page.reload()
    expect(page.locator("#audit-results tbody tr")).to_have_count(2)
    expect(page.locator("main input[name=user]")).to_have_value("dyrektor@cus.example")
    ui.check("audit search with results", shot="audit-search", narrow_shot=True)

    # Without the action filter the director's sign-outs appear too; the administrator's entries never.
    page.goto(f"/audit/?user=Dyrektorska&date_from={today - datetime.timedelta(days=1)}&date_to={today}")
    labels = page.locator("#audit-results tbody td:nth-child(3)").all_inner_texts()
    assert len(labels) == AuditEntry.objects.filter(actor=director).count()
    assert all("dyrektor@cus.example" in label for label in labels)

    page.locator(f"#audit-results a[href='{expected[0]}']").click()
    expect(page).to_have_url(ui.url(expected[0]))
    expect(page.locator("main h1")).to_contain_text(f"#{logins[0].pk}")
    expect(page.locator("main dl")).to_contain_text("dyrektor@cus.example")
    ui.check("audit entry detail", shot="audit-detail")

    # A date range ending before it starts is an error beside the field, not an empty result.
    page.goto(f"/audit/?date_from={today}&date_to=2000-01-01")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("main input[name=date_to]")).to_have_attribute("aria-invalid", "true")
    ui.check("audit search with errors")


def test_audit_log_is_closed_without_the_right(ui, make_user):
    from cus.accounts.roles import Role

    page = ui.page
    coordinator = make_user(Role.IPUS_COORDINATOR, email="koordynator@cus.example")
    ui.sign_in(coordinator.email)
    expect(page).to_have_url(ui.url("/"))
    expect(page.locator("nav.cus-nav")).to_be_visible()
    expect(page.locator("nav a[href='/audit/']")).to_have_count(0)
    expect(page.locator("a[href='/audit/']")).to_have_count(0)

    ui.visit("/audit/", "403 page", status=403, shot="error-403")
    expect(page.locator("main h1")).to_contain_text("403")
    response = page.goto("/accounts/staff/")
    assert response is not None
    assert response.status == 403
