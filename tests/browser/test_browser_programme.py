"""Programmes of social services in a real browser: the services organiser drafts a programme with a service, a
condition and a budget, records the council's adoption, brings it into force, and residents see it on the portal
service page and on the programme's public page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page: Any) -> None:
    """Let the page's own requests finish before posting (the live server shares one in-memory SQLite database)."""
    page.wait_for_load_state("networkidle")


def test_organiser_drafts_adopts_and_publishes_a_programme(ui: Any, make_user: Any, municipality: Any) -> None:
    from cus.accounts.roles import Role
    from cus.catalog.models import ServiceStatus
    from cus.catalog.tests.factories import ServiceAtLocationFactory, ServiceFactory, ensure_reference_taxonomies
    from cus.programme.models import Programme, ProgrammeStatus

    ensure_reference_taxonomies()
    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")
    service = ServiceFactory(
        municipality=municipality, name="Klub Seniora „Pod Lipami”", status=ServiceStatus.PUBLISHED
    )
    ServiceAtLocationFactory(service=service, location__municipality=municipality)
    page = ui.page
    ui.sign_in(organiser.email)
    page.locator("nav a[href='/programme/']").click()
    expect(page).to_have_url(ui.url("/programme/"))
    ui.check("programme list (empty)")

    page.locator("main a[href='/programme/new/']").click()
    form = page.locator("main form.cus-form")
    form.locator("#id_name").fill("Program „Aktywny Senior”")
    settle(page)
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("programme form with errors", shot="programme-form-errors")

    form.locator("#id_goal").fill("Aktywizacja seniorów i przeciwdziałanie samotności.")
    form.locator("#id_needs_description").fill("Diagnoza: 30% seniorów żyje samotnie.")
    form.locator("#id_start_date").fill("2026-01-01")
    form.locator("#id_end_date").fill("2027-12-31")
    form.locator("#id_participants_profile").fill("Mieszkańcy gminy w wieku 60+.")
    form.locator("#id_expected_participants").fill("60")
    form.locator("#id_organisation").fill("Etap I: nabór. Etap II: zajęcia.")
    form.locator("#id_monitoring").fill("Lista obecności, ankieta raz w roku.")
    form.locator("#id_services-0-service").select_option(str(service.pk))
    form.locator("#id_services-0-planned_participants").fill("60")
    form.locator("#id_services-0-unit").select_option("participation")
    form.locator("#id_services-0-units_per_participant").fill("80")
    form.locator("#id_services-0-unit_cost").fill("18.00")
    form.locator("#id_rules-0-kind").select_option("age")
    form.locator("#id_rules-0-min_age").fill("60")
    # A third condition row, added by htmx without leaving the page.
    form.locator("button[hx-get='/programme/rows/rules/']").click()
    form.locator("#id_rules-2-kind").select_option("residence")
    expect(form.locator("#id_rules-TOTAL_FORMS")).to_have_value("3")
    form.locator("#id_budget-0-year").fill("2026")
    form.locator("#id_budget-0-amount").fill("86400.00")
    form.locator("#id_budget-0-source").select_option("gmina")
    settle(page)
    ui.submit()
    programme = Programme.objects.get()
    expect(page).to_have_url(ui.url(f"/programme/{programme.pk}/"))
    expect(page.locator("main")).to_contain_text("86")
    assert programme.rules.count() == 2
    ui.check("programme detail (draft)", shot="programme-detail-draft", narrow_shot=True)

    page.locator(f"main a[href='/programme/{programme.pk}/status/adopt/']").click()
    page.locator("#id_resolution_number").fill("XII/85/2025")
    page.locator("#id_resolution_date").fill("2025-11-27")
    page.locator("#id_publication_reference").fill("Dz. Urz. Woj. Maz. 2025 poz. 1234")
    ui.check("programme adoption form")
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url(f"/programme/{programme.pk}/"))
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.ADOPTED

    page.locator(f"main a[href='/programme/{programme.pk}/status/bring_into_force/']").click()
    page.locator("#id_in_force_from").fill(datetime.date.today().isoformat())
    ui.check("programme entry into force form")
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url(f"/programme/{programme.pk}/"))
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.IN_FORCE
    expect(page.locator("main .alert-info")).to_be_visible()  # the deadline of the closing report (art. 6)
    ui.check("programme detail (in force)", shot="programme-detail-in-force", narrow_shot=True)

    page.goto(f"/uslugi/{service.pk}/")
    box = page.locator("section[aria-labelledby=programmes-heading]")
    expect(box).to_contain_text("Program „Aktywny Senior”")
    expect(box).to_contain_text("XII/85/2025")
    ui.check("portal service page with its programme", shot="programme-portal-service", narrow_shot=True)

    box.locator(f"a[href='/uslugi/programy/{programme.pk}/']").click()
    expect(page).to_have_url(ui.url(f"/uslugi/programy/{programme.pk}/"))
    expect(page.locator("main")).to_contain_text("Klub Seniora")
    ui.check("public programme page", shot="programme-public-page", narrow_shot=True)
