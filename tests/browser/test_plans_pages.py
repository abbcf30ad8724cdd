"""The staff pages of plans (IPUS) in a real browser: the coordinator's home with an overdue plan, opening a plan
from the person's application, the plan page with its actions, the closing form, the version comparison and the
director's approval. axe-core and the 320 px reflow check run on every page; screenshots are saved."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page):
    page.wait_for_load_state("networkidle")


def test_coordinator_and_director_pages(ui):
    from django.utils import timezone

    from cus.plans import services
    from cus.plans.tests.factories import another_person, make_plan, plan_world

    world = plan_world()
    plan = make_plan(world)
    today = timezone.localdate()
    late = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=40),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=200),
    )
    page = ui.page
    ui.sign_in(world["coordinator"].email)
    ui.visit("/plans/", "plans home", shot="plans-home", narrow_shot=True)
    expect(page.locator("#my-plans .cus-overdue").first).to_be_visible()

    ui.visit(f"/plans/new/?person={world['person'].pk}", "open a plan", shot="plans-open")
    ui.visit(f"/plans/{plan.pk}/", "plan page", shot="plans-detail", narrow_shot=True)
    expect(page.locator("#items-table")).to_contain_text("9:00")
    ui.visit(f"/plans/{late.pk}/", "draft plan page", shot="plans-draft")
    expect(page.locator("#plan-problems")).to_be_visible()
    ui.visit(f"/plans/{late.pk}/items/new/", "add a service", shot="plans-item-form")
    ui.visit(f"/plans/{plan.pk}/close/", "closing form", shot="plans-close")
    # A closing with nothing filled in: errors in the summary and beside the fields.
    settle(page)
    ui.submit("main form.cus-form")
    ui.check("closing form with errors", shot="plans-close-errors")
    ui.visit("/plans/all/?status=", "all plans", shot="plans-list", narrow_shot=True)

    services.start_update(actor=world["coordinator"], plan=plan)
    services.need_save(actor=world["coordinator"], plan=plan, description="Rehabilitacja ruchowa w domu.")
    services.record_agreement(actor=world["coordinator"], plan=plan, agreed_on=today, form="signature")
    services.submit(actor=world["coordinator"], plan=plan, reason="Nowa potrzeba po pobycie w szpitalu.")
    ui.sign_out()
    ui.sign_in(world["director"].email)
    ui.visit("/plans/", "approver home", shot="plans-home-director")
    ui.visit(f"/plans/{plan.pk}/versions/compare/?a=1&b=2", "compare versions", shot="plans-compare", narrow_shot=True)
    ui.visit(f"/plans/{plan.pk}/", "plan awaiting approval")
    page.locator("#action-approve summary").click()
    settle(page)
    with page.expect_navigation():
        page.locator("button[data-action='approve']").click()
    expect(page.locator("#plan-status")).to_have_class(re.compile("text-bg-success"))
    ui.check("approved plan", shot="plans-approved")
