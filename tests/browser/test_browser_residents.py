"""The residents register in a real browser: a social worker registers a person, sees the duplicate warning when
entering the same name and birth date again, opens the existing record (audited with the purpose) and the
household page; axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page):
    """Let the page's own requests finish before posting (the live server shares one in-memory SQLite database)."""
    page.wait_for_load_state("networkidle")


def test_worker_registers_a_person_and_is_warned_of_a_duplicate(ui, make_user, municipality, centre):
    from cus.accounts.roles import Role
    from cus.audit.models import AuditAction, AuditEntry
    from cus.residents.models import Person
    from cus.residents.tests.factories import MemberFactory

    worker = make_user(Role.SOCIAL_WORKER, email="socjalny@cus.example", full_name="Filip Socjalny")
    neighbour = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    page = ui.page
    ui.sign_in(worker.email)
    page.locator("nav a[href='/residents/']").click()
    expect(page).to_have_url(ui.url("/residents/"))
    ui.check("residents list", shot="residents-list")

    page.locator("main a[href='/residents/persons/new/']").click()
    form = page.locator("main form.cus-form")
    form.locator("#id_pesel").fill("44051401358")
    form.locator("#id_first_name").fill("Jan")
    form.locator("#id_last_name").fill("Kowal")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_pesel_error")).to_be_visible()
    ui.check("person form with a PESEL error", shot="residents-person-form-errors")

    form.locator("#id_pesel").fill("44051401359")
    form.locator("#id_street").fill("ul. Lipowa")
    form.locator("#id_building").fill("7")
    form.locator("#id_postal_code").fill("05-999")
    form.locator("#id_town").fill("Przykładowo")
    settle(page)
    ui.submit("main form.cus-form")
    first = Person.objects.get(pesel="44051401359")
    expect(page).to_have_url(ui.url(f"/residents/persons/{first.pk}/?purpose=correction"))
    expect(page.locator("h1")).to_have_text("Jan Kowal")
    ui.check("person detail", shot="residents-person-detail")

    # The same name and birth date, written without the PESEL and with another letter case: a likely duplicate.
    page.goto("/residents/persons/new/")
    form = page.locator("main form.cus-form")
    form.locator("#id_first_name").fill("JAN")
    form.locator("#id_last_name").fill("Kowall")
    form.locator("#id_birth_date").fill("1944-05-14")
    form.locator("#id_sex").select_option("M")
    form.locator("#id_document_type").select_option("passport")
    form.locator("#id_document_number").fill("ZZ998877")
    form.locator("#id_document_country").fill("DE")
    settle(page)
    ui.submit("main form.cus-form")
    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning.locator(f"a[href='/residents/persons/{first.pk}/?purpose=correction']")).to_be_visible()
    expect(page.locator("#id_confirm_not_duplicate")).to_be_visible()
    assert Person.objects.count() == 2  # the neighbour and Jan: nothing saved yet
    ui.check("person form with the duplicate warning", shot="residents-duplicate-warning")

    # The worker opens the existing record instead, with a chosen purpose of access.
    page.goto(f"/residents/persons/{first.pk}/?purpose=application")
    expect(page.locator("#purpose")).to_have_value("application")
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, person_id=str(first.pk)).latest("id")
    assert entry.actor_id == worker.pk
    assert entry.purpose

    page.goto(f"/residents/households/{neighbour.household_id}/")
    expect(page.locator("h1")).to_contain_text(neighbour.person.full_name)
    ui.check("household", shot="residents-household")

    # Jan gets his own household and declares his pension for last month.
    page.goto(f"/residents/persons/{first.pk}/household/new/")
    ui.check("household set-up form")
    page.locator("#id_valid_from").fill("2025-01-01")
    settle(page)
    ui.submit("main form.cus-form")
    household = first.memberships.get().household
    expect(page).to_have_url(ui.url(f"/residents/households/{household.pk}/"))
    page.locator(f"main a[href='/residents/households/{household.pk}/incomes/new/']").click()
    form = page.locator("main form.cus-form")
    form.locator("#id_month").fill("2026-10")
    form.locator("#id_net_amount").fill("-10")
    form.locator("#id_source").select_option("pension")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#id_net_amount_error")).to_be_visible()
    ui.check("income form with errors", shot="residents-income-form-errors")
    form.locator("#id_net_amount").fill("2150.35")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page).to_have_url(ui.url(f"/residents/households/{household.pk}/"))
    expect(page.locator("main")).to_contain_text("2150,35")

    page.goto(f"/residents/persons/{first.pk}/notice/")
    ui.check("information notice form")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#notices")).to_contain_text("1")
