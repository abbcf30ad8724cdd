"""Fee tables and the fee calculator in a real browser: a services organiser enters a care-services resolution,
sees the overlapping band flagged beside its row, fixes it, saves, and computes a fee with the calculator."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BANDS = [
    ("0", "100", "0", "0"),
    ("100", "150", "5", "10"),
    ("140", "200", "10", "15"),  # overlaps the previous band: fixed below
    ("200", "", "100", "100"),
]


def settle(page):
    """Let the page's own requests finish before posting (the live server shares one in-memory SQLite database)."""
    page.wait_for_load_state("networkidle")


def test_organiser_enters_a_fee_table_and_computes_a_fee(ui, make_user, municipality):
    from cus.accounts.roles import Role
    from cus.qualification.models import FeeTable
    from cus.qualification.tests.factories import ensure_criteria

    ensure_criteria()  # a transactional test starts without the criteria of the data migration
    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")
    page = ui.page
    ui.sign_in(organiser.email)
    page.locator("nav a[href='/qualification/fee-tables/']").click()
    expect(page).to_have_url(ui.url("/qualification/fee-tables/"))
    ui.check("fee table list (empty)")

    page.locator("main a[href='/qualification/fee-tables/new/']").click()
    form = page.locator("main form.cus-form")
    form.locator("#id_name").fill("Odpłatność za usługi opiekuńcze")
    form.locator("#id_resolution_number").fill("XV/112/2024")
    form.locator("#id_resolution_date").fill("2024-11-28")
    form.locator("#id_unit").select_option("hour")
    form.locator("#id_valid_from").fill("2025-01-01")
    form.locator("#id_status").select_option("in_force")
    for row, (start, end, single, family) in enumerate(BANDS):
        form.locator(f"#id_bands-{row}-income_from").fill(start)
        form.locator(f"#id_bands-{row}-income_to").fill(end)
        form.locator(f"#id_bands-{row}-fee_single").fill(single)
        form.locator(f"#id_bands-{row}-fee_family").fill(family)
    settle(page)
    ui.submit()

    error = page.locator("#id_bands-2-income_from_error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("150")
    expect(page.locator("#band-row-3")).to_have_class("table-danger")
    expect(page.locator("#error-summary")).to_be_visible()
    assert not FeeTable.objects.exists()
    ui.check("fee table form with an overlapping band", shot="fees-table-form-errors", narrow_shot=True)

    page.locator("#id_bands-2-income_from").fill("150")
    settle(page)
    ui.submit()
    table = FeeTable.objects.get()
    expect(page).to_have_url(ui.url(f"/qualification/fee-tables/{table.pk}/"))
    expect(page.locator("main table")).to_contain_text("150")
    ui.check("fee table detail", shot="fees-table-detail")

    page.locator(f"main a[href='/qualification/calculator/?table={table.pk}']").click()
    expect(page.locator("#id_table")).to_have_value(str(table.pk))
    page.locator("#id_date").fill("2025-06-01")
    page.locator("#id_income_per_person").fill("1200")
    page.locator("#id_household_0").check()
    page.locator("#id_unit_cost").fill("35.50")
    page.locator("#id_units_per_month").fill("40")
    settle(page)
    page.locator("main form.cus-form button[type=submit]").click()
    result = page.locator(".cus-fee-result")
    expect(result).to_contain_text("1,78")
    expect(result).to_contain_text("71,20")
    expect(result).to_contain_text("Dz.U. 2024 poz. 1044")
    ui.check("fee calculator with a result", shot="fees-calculator", narrow_shot=True)

    # A day before the table's validity: the error beside the date, through htmx too.
    page.locator("#id_date").fill("2024-06-01")
    settle(page)
    page.locator("main form.cus-form button[type=submit]").click()
    expect(page.locator("#id_date_error")).to_be_visible()
    ui.check("fee calculator with an error")

    page.locator("main a[href='/qualification/criteria/']").click()
    expect(page.locator("main table")).to_contain_text("Dz.U. 2021 poz. 1296")
    ui.check("income criteria", shot="fees-criteria")


def test_director_records_a_new_criterion(ui, make_user):
    from cus.accounts.roles import Role
    from cus.qualification.tests.factories import ensure_criteria

    ensure_criteria()
    director = make_user(Role.DIRECTOR, email="dyrektor@cus.example", full_name="Anna Dyrektorska")
    page = ui.page
    ui.sign_in(director.email)
    page.goto("/qualification/criteria/new/")
    page.locator("#id_single_person").fill("1150")
    page.locator("#id_per_person_in_family").fill("940")
    page.locator("#id_valid_from").fill("2024-06-01")
    page.locator("#id_legal_basis").fill("Dz.U. 2027 poz. 1")
    settle(page)
    ui.submit()
    expect(page.locator("#id_valid_from_error")).to_contain_text("Dz.U. 2021 poz. 1296")
    ui.check("criterion form with an overlap", shot="fees-criterion-form-errors")
    page.locator("#id_valid_from").fill("2028-01-01")
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url("/qualification/criteria/"))
    expect(page.locator("main table")).to_contain_text("Dz.U. 2027 poz. 1")
