"""Staff administration through the UI by the centre's administrator."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_administrator_creates_and_edits_a_staff_member(ui, administrator, municipality):
    from cus.accounts.models import RoleAssignment, User
    from cus.accounts.roles import Role

    page = ui.page
    ui.sign_in(administrator.email)
    page.locator("nav a[href='/accounts/staff/']").click()
    expect(page).to_have_url(ui.url("/accounts/staff/"))
    page.locator("main a[href='/accounts/staff/new/']").click()
    expect(page).to_have_url(ui.url("/accounts/staff/new/"))

    form = page.locator("main form.cus-form")
    form.locator("#id_full_name").fill("Zofia Nowa")
    form.locator("#id_email").fill("Zofia.Nowa@cus.example")
    form.locator("#id_job_title").fill("pracownik socjalny")
    form.locator(f"input[name=role_{Role.SOCIAL_WORKER}][value='{municipality.pk}']").check()
    ui.submit()

    created = User.objects.get(email="zofia.nowa@cus.example")
    expect(page).to_have_url(ui.url(f"/accounts/staff/{created.pk}/"))
    expect(page.locator("main h1")).to_have_text("Zofia Nowa")
    expect(page.locator("main [role=status] .alert-success")).to_be_visible()
    expect(page.locator("main dl")).to_contain_text("zofia.nowa@cus.example")
    assignment = RoleAssignment.objects.get(user=created)
    assert assignment.role == Role.SOCIAL_WORKER
    assert list(assignment.municipalities.all()) == [municipality]
    ui.check("staff detail (just created)", shot="staff-detail", narrow_shot=True)

    page.locator(f"main a[href='/accounts/staff/{created.pk}/edit/']").click()
    expect(page).to_have_url(ui.url(f"/accounts/staff/{created.pk}/edit/"))
    email = page.locator("#id_email")
    expect(email).to_have_value("zofia.nowa@cus.example")
    expect(page.locator(f"input[name=role_{Role.SOCIAL_WORKER}][value='{municipality.pk}']")).to_be_checked()
    page.locator("#id_full_name").fill("Zofia Zmieniona")
    email.fill("to-nie-jest-adres")
    ui.submit()

    expect(page).to_have_url(ui.url(f"/accounts/staff/{created.pk}/edit/"))
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_email']")).to_have_count(1)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_be_visible()
    assert "id_email_error" in (email.get_attribute("aria-describedby") or "").split()
    # What was typed is kept so that it can be corrected.
    expect(email).to_have_value("to-nie-jest-adres")
    expect(page.locator("#id_full_name")).to_have_value("Zofia Zmieniona")
    ui.check("staff edit form with errors", shot="staff-edit-errors")

    # The summary's link takes the keyboard to the field.
    summary.locator("a[href='#id_email']").click()
    expect(email).to_be_focused()

    created.refresh_from_db()
    assert created.email == "zofia.nowa@cus.example"
    assert created.full_name == "Zofia Nowa"
    assert list(RoleAssignment.objects.filter(user=created).values_list("role", flat=True)) == [Role.SOCIAL_WORKER]
