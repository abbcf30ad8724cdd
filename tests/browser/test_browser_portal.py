"""The public service catalog as a resident uses it: no sign-in, Polish first, axe and 320 px on every page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog(transactional_db):
    """A few published services (and a draft); the reference areas are put back after earlier tests flushed them."""
    from cus.catalog.models import FeeKind, FeeUnit, Phone, ServiceStatus
    from cus.catalog.tests.factories import (
        ContactFactory,
        LocationFactory,
        OrganizationFactory,
        RequiredDocumentFactory,
        ScheduleExceptionFactory,
        ScheduleFactory,
        ServiceAtLocationFactory,
        ServiceFactory,
        area,
        ensure_reference_taxonomies,
        target_group,
    )
    from cus.core.tests.factories import MunicipalityFactory

    ensure_reference_taxonomies()
    gmina = MunicipalityFactory(name="Gmina Przykładowa")
    provider = OrganizationFactory(municipality=gmina, name="Centrum Usług Społecznych w Przykładowie")
    ramp = LocationFactory(
        municipality=gmina,
        organization=provider,
        name="Siedziba centrum",
        address_1="ul. Główna 1",
        postal_code="00-950",
        city="Przykładowo",
        wheelchair_accessible=True,
        accessibility="Podjazd, winda, pętla indukcyjna w punkcie obsługi.",
    )
    stairs = LocationFactory(municipality=gmina, organization=provider, name="Filia na piętrze")
    care = ServiceFactory(
        municipality=gmina,
        organization=provider,
        name="Usługi opiekuńcze w domu",
        description="Pomoc w codziennych czynnościach, zakupach i kontaktach z lekarzem dla osób samotnych.",
        areas=[area("04")],
        target_groups=[target_group("seniors"), target_group("disability")],
        eligibility_description="Osoby, które z powodu wieku lub choroby wymagają pomocy innych osób.",
        minimum_age=18,
        application_process="Złóż wniosek w siedzibie centrum lub przez ePUAP. Pracownik socjalny umówi wizytę.",
        phone="+48 22 123 45 67",
        email="opieka@cus.example",
        url="https://cus.example/uslugi/opieka-w-domu/z-bardzo-dlugim-adresem-strony",
        languages=["pl", "uk", "en"],
    )
    RequiredDocumentFactory(service=care, document="Zaświadczenie lekarskie o stanie zdrowia")
    place = ServiceAtLocationFactory(service=care, location=ramp)
    for weekday in range(1, 6):
        ScheduleFactory(service_at_location=place, weekday=weekday)
    ScheduleExceptionFactory(service_at_location=place, date=datetime.date(2099, 12, 24), description="Wigilia")
    Phone.objects.create(service=care, number="+48 22 123 45 00", type="fax", description="sekretariat")
    Phone.objects.create(location=ramp, number="+48 22 123 45 11", extension="21", type="voice")
    ContactFactory(service=None, location=ramp, name="Ewa Zielińska", department="recepcja", phone="+48 600 100 200")
    paid = ServiceFactory(
        municipality=gmina,
        organization=provider,
        name="Specjalistyczne usługi opiekuńcze",
        areas=[area("04"), area("06")],
        fee_kind=FeeKind.FIXED,
        fee_amount=Decimal("32.00"),
        fee_unit=FeeUnit.HOUR,
    )
    ServiceAtLocationFactory(service=paid, location=ramp)
    upstairs = ServiceFactory(municipality=gmina, organization=provider, name="Usługi opiekuńcze dla dzieci")
    ServiceAtLocationFactory(service=upstairs, location=stairs)
    ServiceFactory(municipality=gmina, organization=provider, name="Klub seniora", areas=[area("09")])
    ServiceFactory(
        municipality=gmina, organization=provider, name="Usługi opiekuńcze – projekt", status=ServiceStatus.DRAFT
    )
    return {"care": care}


def test_resident_finds_a_service_and_prints_it(ui, catalog):
    page = ui.page
    ui.visit("/uslugi/", "portal home", shot="portal-home", narrow_shot=True)
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    # (UI strings are checked in English below; Polish ones come from the catalog the lead compiles.)
    expect(page.locator("h1")).to_be_visible()
    areas = page.locator("main .portal-areas a")
    expect(areas).to_have_count(14)
    expect(areas.first).to_contain_text("Polityka prorodzinna")
    social = page.locator("main .portal-areas a", has_text="Pomoc społeczna")
    expect(social).to_contain_text("3")
    expect(page.locator("nav.cus-nav")).to_have_count(0)

    # An area: the search page, filtered by it.
    social.click()
    expect(page).to_have_url(re.compile(r"/uslugi/szukaj/\?area="))
    expect(page.locator("#id_area")).not_to_have_value("")
    results = page.locator("#results ol > li")
    expect(results).to_have_count(3)
    ui.check("portal search by area", shot="portal-area", narrow_shot=True)

    # A word: htmx replaces the results and pushes the URL.
    page.locator("#id_q").fill("opiekuńcze")
    page.locator("main form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"q=opieku"))
    expect(results).to_have_count(3)
    expect(page.locator("#results-status")).to_contain_text("3")

    # Free of charge and wheelchair access: one service left.
    page.locator("#id_free").check()
    page.locator("#id_wheelchair").check()
    page.locator("main form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"free=on.*wheelchair=on"))
    expect(results).to_have_count(1)
    expect(page.locator("#results-status")).to_contain_text("1")
    expect(page.locator("#results-status")).to_have_attribute("role", "status")
    ui.check("portal search filtered", shot="portal-search", narrow_shot=True)

    # The pushed URL gives the same page when reloaded (no JavaScript needed to get there).
    page.reload()
    expect(results).to_have_count(1)
    expect(page.locator("#id_free")).to_be_checked()

    # The service page.
    page.locator("#results a", has_text="Usługi opiekuńcze w domu").click()
    expect(page).to_have_url(ui.url(f"/uslugi/{catalog['care'].pk}/"))
    expect(page.locator("h1")).to_have_text("Usługi opiekuńcze w domu")
    main = page.locator("main")
    for text in ("ul. Główna 1", "Zaświadczenie lekarskie", "Wigilia", "ukraiński", "08:00–16:00"):
        expect(main).to_contain_text(re.compile(re.escape(text), re.I))
    expect(main).to_contain_text(re.compile("poniedziałek", re.I))
    ui.check("portal service", shot="portal-service", narrow_shot=True)

    # The print version: no navigation, a print button.
    page.locator("main a[href$='/druk/']").click()
    expect(page).to_have_url(ui.url(f"/uslugi/{catalog['care'].pk}/druk/"))
    expect(page.locator("header")).to_have_count(0)
    expect(page.locator("footer")).to_have_count(0)
    expect(page.locator("[data-portal-print]")).to_be_visible()
    ui.check("portal print", shot="portal-print", narrow_shot=True)
    page.emulate_media(media="print")
    expect(page.locator("[data-portal-print]")).to_be_hidden()
    ui.screenshot("portal-print-media")
    page.emulate_media(media="screen")

    # English through the language switch of the header.
    page.go_back()
    ui.switch_language("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(main).to_contain_text("Social assistance")
    expect(main).to_contain_text("Monday")
    expect(main).to_contain_text("Free of charge")
    expect(page.locator("h1")).to_have_text("Usługi opiekuńcze w domu")
    ui.check("portal service", shot="portal-service-en")


def test_search_works_without_javascript(browser, live_server, catalog):
    context = browser.new_context(java_script_enabled=False, locale="pl-PL", base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/uslugi/")
        page.locator("#home-q").fill("opiekuńcze")
        with page.expect_navigation():
            page.locator("main form[role=search] button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/uslugi/szukaj/\?q=opieku"))
        expect(page.locator("#results ol > li")).to_have_count(3)
        page.locator("#id_wheelchair").check()
        with page.expect_navigation():
            page.locator("main form[role=search] button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"wheelchair=on"))
        expect(page.locator("#results ol > li")).to_have_count(2)
    finally:
        context.close()
