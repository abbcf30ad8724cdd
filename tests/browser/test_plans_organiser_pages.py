"""The services organiser's pages in a real browser: the half-year summary (and its PDF link), the coordinators'
meetings with the reminder and the record form, the director's approval authorisations. axe-core and 320 px reflow
on every page."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_organiser_duties(ui):
    from django.utils import timezone

    from cus.plans.models import ApprovalDelegation, CoordinatorMeeting
    from cus.plans.tests.factories import make_plan, plan_world
    from cus.qualification.tests.factories import ensure_criteria

    ensure_criteria()
    world = plan_world()
    make_plan(world)
    page = ui.page
    page.set_default_timeout(90_000)  # the shared test machine can be slow to serve the first page

    ui.sign_in(world["director"].email)
    page.goto("/plans/organiser/summary/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text(world["care_service"].name)
    expect(page.locator("main a[href^='/plans/organiser/summary.pdf']")).to_be_visible()
    ui.check("organiser summary", shot="plans-organiser-summary", narrow_shot=True)

    page.goto("/plans/organiser/meetings/")
    expect(page.locator("main .alert")).to_be_visible()  # no meeting recorded yet: the reminder
    ui.check("coordinators meetings", shot="plans-organiser-meetings")

    page.goto("/plans/organiser/meetings/new/")
    form = page.locator("main form.cus-form")
    form.locator("#id_held_on").fill((timezone.localdate() - datetime.timedelta(days=2)).isoformat())
    form.locator("#id_agenda").fill("Plany zbliżające się do roku.")
    ui.submit("main form.cus-form")  # no participants, no minutes: errors beside the fields
    expect(page.locator(".alert-danger, [role=alert]").first).to_be_visible()
    ui.check("meeting form with errors", shot="plans-organiser-meeting-form")
    form = page.locator("main form.cus-form")
    form.locator(f"input[name=participants][value='{world['coordinator'].pk}']").check()
    form.locator("#id_minutes").fill("Koordynatorzy umówią rozmowy podsumowujące.")
    ui.submit("main form.cus-form")
    expect(page).to_have_url(ui.url("/plans/organiser/meetings/"))
    assert CoordinatorMeeting.objects.count() == 1
    expect(page.locator("main")).to_contain_text("Plany zbliżające się do roku.")

    page.goto("/plans/organiser/authorisations/")
    expect(page.locator("main")).to_contain_text("UP/1/2026")
    ui.check("approval authorisations", shot="plans-organiser-authorisations", narrow_shot=True)
    page.goto("/plans/organiser/authorisations/new/")
    form = page.locator("main form.cus-form")
    form.locator("#id_delegate").select_option(str(world["plain_organiser"].pk))
    form.locator("#id_document_reference").fill("UP/9/2026")
    ui.check("authorisation form", shot="plans-organiser-authorisation-form")
    ui.submit("main form.cus-form")
    expect(page).to_have_url(ui.url("/plans/organiser/authorisations/"))
    assert ApprovalDelegation.objects.filter(document_reference="UP/9/2026").exists()
