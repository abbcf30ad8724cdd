"""The staff side of the service catalog in a real browser: draft a service, give it a place and hours, publish
it, and import a file with errors through the preview."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page):
    """Let the page's own requests finish before posting: the live server's threads share one in-memory SQLite
    database, where two writing requests at once fail with "database table is locked"."""
    page.wait_for_load_state("networkidle")


def test_organiser_drafts_publishes_and_imports(ui, make_user, municipality, tmp_path):
    from cus.accounts.roles import Role
    from cus.catalog.models import Service, ServiceStatus
    from cus.catalog.tests.factories import LocationFactory, OrganizationFactory, area

    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")
    provider = OrganizationFactory(municipality=municipality, name="Fundacja Dobry Dzień", nip="5260250274")
    LocationFactory(municipality=municipality, organization=provider, name="Dom Dziennego Pobytu")
    # Read before the browser starts: the live server shares the in-memory SQLite database with this thread.
    social_assistance = area("04").pk
    page = ui.page
    ui.sign_in(organiser.email)
    page.locator("nav a[href='/catalog/']").click()
    expect(page).to_have_url(ui.url("/catalog/"))
    ui.check("catalog service list (empty)")

    page.locator("main a[href='/catalog/services/new/']").click()
    form = page.locator("main form.cus-form")
    form.locator("#id_name").fill("Klub seniora")
    settle(page)
    ui.submit()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#id_description_error")).to_be_visible()
    ui.check("service form with errors", shot="catalog-service-form-errors")

    form.locator("#id_organization").select_option(str(provider.pk))
    form.locator("#id_description").fill("Spotkania i zajęcia dla seniorów.")
    form.locator(f"input[name=areas][value='{social_assistance}']").check()
    form.locator(f"input[name=municipalities_served][value='{municipality.pk}']").check()
    form.locator("#id_application_process").fill("Zgłoszenie telefoniczne.")
    form.locator("#id_documents-0-document").fill("Dowód osobisty")
    settle(page)
    ui.submit()
    service = Service.objects.get(name="Klub seniora")
    expect(page).to_have_url(ui.url(f"/catalog/services/{service.pk}/"))

    page.locator(f"main a[href='/catalog/services/{service.pk}/locations/new/']").click()
    page.locator("#id_location").select_option(label=page.locator("#id_location option").nth(1).inner_text())
    page.locator("#id_hours-0-weekday").select_option("1")
    page.locator("#id_hours-0-opens_at").fill("08:00")
    page.locator("#id_hours-0-closes_at").fill("16:00")
    ui.check("service location form")
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url(f"/catalog/services/{service.pk}/"))

    settle(page)
    with page.expect_navigation():
        page.locator("main form:has(input[value=published]) button").click()
    service.refresh_from_db()
    assert service.status == ServiceStatus.PUBLISHED
    expect(page.locator("main")).to_contain_text("08:00")
    ui.check("service detail (published, with history)", shot="catalog-service-detail", narrow_shot=True)

    upload = tmp_path / "uslugi.csv"
    upload.write_text(
        "name;description;provider;areas\n"
        "Asystent rodziny;Wsparcie rodzin;5260250274;02\n"
        "Zła usługa;Opis;0000000000;77\n",
        encoding="utf-8",
    )
    page.goto("/catalog/import/")
    page.locator("#id_file").set_input_files(str(upload))
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url("/catalog/import/preview/"))
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("provider")
    expect(errors).to_contain_text("areas")
    ui.check("import preview with errors", shot="catalog-import-preview", narrow_shot=True)
    settle(page)
    with page.expect_navigation():
        page.locator("main button[value=import_valid]").click()
    expect(page).to_have_url(ui.url("/catalog/"))
    assert Service.objects.filter(name="Asystent rodziny", status=ServiceStatus.DRAFT).exists()
    assert not Service.objects.filter(name="Zła usługa").exists()
    ui.check("catalog service list", shot="catalog-service-list")


def test_provider_page_contacts_and_archive(ui, make_user, municipality):
    from cus.accounts.roles import Role
    from cus.catalog.models import Contact, Organization
    from cus.catalog.tests.factories import (
        LocationFactory,
        OrganizationFactory,
        ServiceAtLocationFactory,
        ServiceFactory,
    )

    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")
    provider = OrganizationFactory(municipality=municipality, name="Fundacja Dobry Dzień", nip="5260250274")
    place = LocationFactory(municipality=municipality, organization=provider, name="Dom Dziennego Pobytu")
    service = ServiceFactory(municipality=municipality, organization=provider, name="Klub seniora")
    ServiceAtLocationFactory(service=service, location=place)
    unused = OrganizationFactory(municipality=municipality, name="Stowarzyszenie Nieaktywne")
    page = ui.page
    ui.sign_in(organiser.email)

    page.goto("/catalog/providers/")
    page.locator(f"main a[href='/catalog/providers/{provider.pk}/']").click()
    expect(page.locator("h1")).to_have_text("Fundacja Dobry Dzień")
    expect(page.locator("main")).to_contain_text("Klub seniora")
    expect(page.locator("main")).to_contain_text("Dom Dziennego Pobytu")
    ui.check("provider detail (referenced)", shot="catalog-provider-detail", narrow_shot=True)

    page.locator(f"main a[href='/catalog/providers/{provider.pk}/contacts/new/']").click()
    page.locator("#id_name").fill("Anna Kowalska")
    page.locator("#id_phone").fill("22 12")
    settle(page)
    ui.submit()
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("contact form with errors", shot="catalog-contact-form-errors")
    page.locator("#id_phone").fill("+48 601 234 567")
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url(f"/catalog/providers/{provider.pk}/"))
    expect(page.locator("main")).to_contain_text("Anna Kowalska")
    assert Contact.objects.filter(organization=provider, phone="+48 601 234 567").exists()

    page.locator(f"main a[href='/catalog/providers/{provider.pk}/phones/']").click()
    page.locator("#id_phones-0-number").fill("+48 22 765 43 21")
    page.locator("#id_phones-0-description").fill("sekretariat")
    ui.check("further phone numbers form", shot="catalog-phones-form")
    settle(page)
    ui.submit()
    expect(page).to_have_url(ui.url(f"/catalog/providers/{provider.pk}/"))
    expect(page.locator("main")).to_contain_text("sekretariat")

    page.goto(f"/catalog/locations/{place.pk}/")
    expect(page.locator("main")).to_contain_text("Klub seniora")
    ui.check("location detail", shot="catalog-location-detail")

    page.goto(f"/catalog/providers/{unused.pk}/")
    settle(page)
    with page.expect_navigation():
        page.locator("main button:has-text('Archiw'), main button:has-text('Archive')").first.click()
    unused.refresh_from_db()
    assert unused.archived_at is not None
    ui.check("provider detail (archived)")
    settle(page)
    with page.expect_navigation():
        page.locator("main form[action$='/delete/'] button").click()
    expect(page).to_have_url(ui.url("/catalog/providers/"))
    assert not Organization.objects.filter(pk=unused.pk).exists()
