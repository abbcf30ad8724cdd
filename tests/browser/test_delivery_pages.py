"""Delivery pages in a real browser: a provider's staff member sees the services of their organisation, records a
visit (a missed one without a reason is refused beside the field), opens the record and asks for a late correction;
the coordinator decides it; the administrator links provider users. axe-core and 320 px reflow on every page."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page):
    page.wait_for_load_state("networkidle")


def test_provider_records_a_visit_and_the_coordinator_decides_a_correction(ui):
    from django.utils import timezone

    from cus.accounts.roles import Role
    from cus.accounts.tests.factories import UserFactory
    from cus.delivery.models import CorrectionRequest, DeliveryRecord
    from cus.delivery.tests.factories import item_of
    from cus.plans.tests.factories import make_plan, plan_world
    from cus.qualification.tests.factories import ensure_criteria

    ensure_criteria()
    world = plan_world()
    person = world["person"]
    person.street, person.building, person.flat = "Lipowa", "12", "3"
    person.postal_code, person.town, person.phone = "00-950", "Testowo", "600100200"
    person.save()
    plan = make_plan(world)
    item = item_of(plan, world["provider"])
    provider = world["provider_user"]
    page = ui.page
    page.set_default_timeout(90_000)  # the shared test machine can be slow to serve the first page

    ui.sign_in(provider.email)
    page.goto("/delivery/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text(person.full_name)
    expect(page.locator("main")).not_to_contain_text(world["other_service"].name)
    ui.check("delivery home", shot="delivery-home", narrow_shot=True)

    page.locator(f"main a[href='/delivery/items/{item.pk}/']").first.click()
    expect(page).to_have_url(ui.url(f"/delivery/items/{item.pk}/"))
    ui.check("delivery item", shot="delivery-item")
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    form = page.locator("main form.cus-form")
    form.locator("#id_date").fill(yesterday)
    form.locator("#id_start_time").fill("09:00")
    form.locator("#id_minutes").fill("120")
    form.locator("#id_worker_name").fill("Maria Opiekunka")
    form.locator("#id_status_1").check()
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#id_missed_reason_error")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_visible()
    assert not DeliveryRecord.objects.exists()
    ui.check("delivery item with errors", shot="delivery-item-errors", narrow_shot=True)

    form.locator("#id_status_0").check()
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("main")).to_contain_text("Maria Opiekunka")
    record = DeliveryRecord.objects.get()

    # Past the window: only a correction request.
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=9))
    page.goto(f"/delivery/records/{record.pk}/")
    form = page.locator("main form.cus-form")
    form.locator("#id_minutes").fill("90")
    form.locator("#id_reason").fill("Wizyta skończyła się wcześniej.")
    settle(page)
    ui.submit("main form.cus-form")
    assert CorrectionRequest.objects.count() == 1
    ui.check("delivery record with a request", shot="delivery-record")
    page.goto("/delivery/records/")
    ui.check("delivery records", shot="delivery-records")
    page.goto("/delivery/requests/")
    ui.check("delivery requests", shot="delivery-requests")
    ui.sign_out()

    ui.sign_in(world["coordinator"].email)
    page.goto("/delivery/corrections/")
    ui.check("correction requests", shot="delivery-corrections", narrow_shot=True)
    ui.follow(page.locator("main table a").first)
    ui.check("correction request", shot="delivery-correction")
    page.locator("#id_decision_0").check()
    settle(page)
    ui.submit("main form.cus-form")
    record.refresh_from_db()
    assert record.minutes == 90
    ui.sign_out()

    admin = UserFactory(centre=world["centre"], roles=[Role.ADMINISTRATOR], email="admin-d@cus.example")
    # A long address without spaces must wrap, not widen the page at 320 px.
    UserFactory(
        centre=world["centre"],
        roles=[Role.PROVIDER_STAFF],
        full_name="Nowa Opiekunka",
        email="nowa.opiekunka.z.realizatora12345@cus.example",
    )
    ui.sign_in(admin.email)
    page.goto("/delivery/staff/")
    ui.check("provider staff", shot="delivery-staff", narrow_shot=True)
    page.goto("/delivery/staff/new/")
    ui.check("provider staff link form", shot="delivery-staff-form")
