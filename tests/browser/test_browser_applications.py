"""Applications in a real browser: a services organiser enters paper applications, qualifies one with a fee
computed from the household's income, sends the next to the waiting list (one place only) and refuses a third
with a decision, whose PDF is linked from the application. axe-core runs on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page):
    """Let the page's own requests finish before posting (the live server shares one in-memory SQLite database)."""
    page.wait_for_load_state("networkidle")


def _enter(ui, service, person):
    page = ui.page
    page.goto("/qualification/applications/new/")
    form = page.locator("main form.cus-form")
    form.locator("#id_programme_service").select_option(str(service.pk))
    form.locator("#id_person_pesel").fill(person.pesel)
    form.locator("#id_statements").fill("Spełniam warunki programu.")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#application-state")).to_be_visible()


def _act(ui, action, **fields):
    page = ui.page
    card = page.locator(f"details:has(button[data-action='{action}'])")
    card.locator("summary").click()
    for name, value in fields.items():
        card.locator(f"#id_{action}-{name}").fill(value)
    settle(page)
    with page.expect_navigation():
        card.locator(f"button[data-action='{action}']").click()


def test_worker_qualifies_waits_and_refuses(ui, make_user, municipality):
    from cus.accounts.roles import Role
    from cus.qualification.applications import Application
    from cus.qualification.tests.factories import person_with_income, programme_service_for

    service = programme_service_for(municipality, capacity=1)
    first = person_with_income(municipality, incomes=["1500", "300"])
    second = person_with_income(municipality, incomes=["700"])
    third = person_with_income(municipality, incomes=["700"])
    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")
    page = ui.page
    ui.sign_in(organiser.email)
    page.locator("nav a[href='/qualification/applications/']").click()
    expect(page).to_have_url(ui.url("/qualification/applications/"))
    ui.check("application queue (empty)")

    ui.follow(page.locator("main a[href='/qualification/applications/new/']"))
    ui.check("paper application form", shot="applications-paper-form", narrow_shot=True)
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("paper application form with errors")

    _enter(ui, service, first)
    ui.check("application detail (submitted)", shot="applications-detail-submitted")
    _act(ui, "accept_as_complete")
    _act(ui, "qualify", units_per_month="20")
    application = Application.objects.get(person=first)
    assert application.state == "qualified"
    expect(page.locator("#fee-per-month")).to_contain_text(str(application.fee_per_month).replace(".", ","))
    ui.check("application detail (qualified with a fee)", shot="applications-detail-qualified", narrow_shot=True)

    _enter(ui, service, second)
    _act(ui, "accept_as_complete")
    _act(ui, "qualify", units_per_month="10")
    assert Application.objects.get(person=second).state == "waiting"
    ui.check("application detail (waiting list)", shot="applications-detail-waiting")
    page.goto("/qualification/applications/?queue=waiting")
    expect(page.locator("main table")).to_contain_text(Application.objects.get(person=second).reference)
    ui.check("waiting-list queue", shot="applications-queue-waiting", narrow_shot=True)

    _enter(ui, service, third)
    _act(ui, "accept_as_complete")
    _act(ui, "refuse", facts="Wnioskodawca nie spełnia warunku zamieszkania na terenie gminy.")
    refused = Application.objects.get(person=third)
    assert refused.state == "refused"
    decision = refused.decisions.get()
    link = page.locator(f"main a[href='/qualification/applications/{refused.pk}/decisions/{decision.pk}.pdf']")
    expect(link).to_be_visible()
    ui.check("application detail (refused, decision)", shot="applications-detail-refused")
    response = page.request.get(ui.url(f"/qualification/applications/{refused.pk}/decisions/{decision.pk}.pdf"))
    assert response.status == 200
    assert response.body().startswith(b"%PDF")


def test_resident_applies_online_and_checks_the_status(ui, municipality, centre):
    import datetime
    import re

    from django.core import mail

    from cus.catalog.models import ServiceStatus
    from cus.qualification.applications import Application
    from cus.qualification.tests.factories import programme_service_for
    from cus.residents.tests.factories import new_pesel

    offer = programme_service_for(municipality)
    offer.service.status = ServiceStatus.PUBLISHED
    offer.service.save()
    pesel = new_pesel(datetime.date(1950, 3, 4))
    page = ui.page
    page.goto(f"/uslugi/{offer.service.pk}/")
    page.locator(f"main a[href='/uslugi/wnioski/nowy/{offer.pk}/']").click()
    expect(page.locator("h1")).to_contain_text(offer.service.name)
    ui.check("online application form", shot="applications-online-form", narrow_shot=True)
    form = page.locator("main form.cus-form")
    form.locator("#id_pesel").fill(pesel)
    form.locator("#id_first_name").fill("Halina")
    form.locator("#id_last_name").fill("Wiśniewska")
    form.locator("#id_building").fill("3")
    form.locator("#id_postal_code").fill("05-999")
    form.locator("#id_town").fill("Przykładowo")
    form.locator("#id_email").fill("halina@example.com")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#error-summary")).to_be_visible()
    ui.check("online application form with errors")
    page.locator("#id_truth").check()
    page.locator("#id_notice").check()
    settle(page)
    ui.submit("main form.cus-form")
    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    ui.check("online application received", shot="applications-online-received")
    application = Application.objects.get()
    assert application.channel == "online"
    assert any(code in message.body for message in mail.outbox)

    page.locator("main a[href='/uslugi/wnioski/status/']").click()
    page.locator("#id_code").fill("AAAA-BBBB-CCCC")
    page.locator("#id_pesel").fill(pesel)
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#error-summary")).to_contain_text("PESEL")
    ui.check("status check (no match)")
    page.locator("#id_code").fill(code)
    page.locator("#id_pesel").fill(pesel)
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#status-result")).to_be_visible()
    ui.check("status check (found)", shot="applications-online-status")
