"""The whole life of an individual social-services plan (IPUS) in a real browser, the way its users go through it:
the coordinator opens the plan from the person's qualified application and fills it in, the director approves it,
the provider's staff record visits, the coordinator updates the plan, the director approves the update, the
coordinator compares the versions and finally closes the plan and downloads the closing description.

Only the starting world is built with factories; every step is a page action, followed by an assertion on what the
user sees and on the database. axe-core and the 320 px reflow check run on every page visited. The browser asks for
English (the language cookie), so the texts asserted are the English msgids."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FORM = "main form.cus-form"


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def in_english(ui: Any) -> None:
    """The language cookie Django's ``set_language`` would set: every following page is in English."""
    from django.conf import settings

    ui.page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": ui.base}])


def sign_in_as(ui: Any, user: Any, landing: str, label: str) -> None:
    ui.sign_in(user.email)
    response = ui.page.goto(landing)
    assert response is not None and response.status == 200, f"{landing}: HTTP {response and response.status}"
    expect(ui.page.locator("html")).to_have_attribute("lang", "en")
    ui.check(label)


def plan_action(ui: Any, name: str, fields: dict[str, str] | None = None, radio: str | None = None) -> None:
    """Open an action's panel on the plan page, fill it in and send it (the page reloads on success)."""
    page = ui.page
    page.locator(f"#action-{name} summary").click()
    settle(page)
    panel = page.locator(f"#action-{name}")
    for selector, value in (fields or {}).items():
        panel.locator(selector).fill(value)
    if radio:
        panel.locator(radio).check()
    with page.expect_navigation():
        panel.locator(f"button[data-action='{name}']").click()


def add_content(ui: Any, plan: Any, kind: str, label: str, fill: Any) -> None:
    """Follow the plan page's "Add ..." link of a section, fill the form in and save; back on the plan page."""
    page = ui.page
    page.locator(f"main a[href='/plans/{plan.pk}/{kind}/new/']").click()
    expect(page).to_have_url(ui.url(f"/plans/{plan.pk}/{kind}/new/"))
    ui.check(label, shot=f"journey-{kind}-form")
    fill(page.locator(FORM))
    settle(page)
    ui.submit(FORM)
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/#h-{kind}$"))
    expect(page.locator("main")).to_contain_text("Saved.")


def test_the_whole_plan_journey(ui):
    from django.utils import timezone

    from cus.delivery.models import DeliveryRecord, MissedReason, RecordStatus
    from cus.plans.models import (
        ClosingReason,
        GoalStatus,
        ItemStatus,
        PlanStatus,
        ServicePlan,
        VersionStatus,
    )
    from cus.plans.tests.factories import plan_world
    from cus.qualification.tests.factories import ensure_criteria

    ensure_criteria()
    world = plan_world()
    application, person = world["application"], world["person"]
    coordinator, director, provider_user = world["coordinator"], world["director"], world["provider_user"]
    today = timezone.localdate()
    applied_on = today - datetime.timedelta(days=20)
    starts_on = today - datetime.timedelta(days=14)
    ends_on = today + datetime.timedelta(days=180)
    page = ui.page
    page.set_default_timeout(90_000)  # the shared test machine can be slow to serve the first page
    in_english(ui)
    ui.visit("/accounts/login/", "sign-in page")

    # --- 1. The coordinator opens the plan from the qualified application and fills it in -----------------------
    sign_in_as(ui, coordinator, "/plans/", "coordinator home")
    ui.visit(f"/qualification/applications/{application.pk}/", "qualified application", shot="journey-application")
    page.get_by_role("link", name="Open an IPUS").click()
    expect(page).to_have_url(ui.url(f"/plans/new/?person={person.pk}"))
    expect(page.locator("h1")).to_have_text("Open an individual social-services plan")
    expect(page.locator(f"input[name=applications][value='{application.pk}']")).to_be_checked()
    ui.check("open a plan", shot="journey-open", narrow_shot=True)
    form = page.locator(FORM)
    form.locator("#id_applied_on").fill(applied_on.isoformat())
    form.locator("#id_starts_on").fill(starts_on.isoformat())
    form.locator("#id_ends_on").fill(ends_on.isoformat())
    form.locator("#id_needs_summary").fill("Needs help with shopping, cleaning and getting out of the house.")
    settle(page)
    ui.submit(FORM)
    plan = ServicePlan.objects.get(person=person)
    expect(page).to_have_url(ui.url(f"/plans/{plan.pk}/"))
    expect(page.locator("main")).to_contain_text(f"Plan {plan.reference} was opened.")
    expect(page.locator("#plan-status")).to_have_text("Draft")
    expect(page.locator("#plan-problems")).to_contain_text("Plan at least one service.")
    ui.check("new draft plan", shot="journey-draft")
    assert plan.status == PlanStatus.DRAFT
    assert (plan.coordinator, plan.applied_on, plan.starts_on, plan.ends_on) == (
        coordinator,
        applied_on,
        starts_on,
        ends_on,
    )
    assert list(plan.applications.all()) == [application]

    def need(form: Any) -> None:
        form.locator("#id_description").fill("Help with shopping and cleaning twice a week.")

    add_content(ui, plan, "needs", "add a need", need)
    ui.check("plan with a need")
    assert list(plan.needs.values_list("description", flat=True)) == ["Help with shopping and cleaning twice a week."]

    goal_date = today + datetime.timedelta(days=120)

    def goal_form(description: str, indicator: str, target: str) -> Any:
        def fill(form: Any) -> None:
            form.locator("#id_description").fill(description)
            form.locator("#id_indicator").fill(indicator)
            form.locator("#id_baseline").fill("0")
            form.locator("#id_target").fill(target)
            form.locator("#id_target_date").fill(goal_date.isoformat())

        return fill

    goal = goal_form("Goes shopping on her own once a week.", "Shopping trips made alone in a week", "1")
    add_content(ui, plan, "goals", "add a goal", goal)
    expect(page.locator("section[aria-labelledby=h-goals]")).to_contain_text("Shopping trips made alone in a week")
    ui.check("plan with a goal")
    first_goal = plan.goals.get()
    assert (first_goal.indicator, first_goal.target, first_goal.target_date) == (
        "Shopping trips made alone in a week",
        "1",
        goal_date,
    )

    def item(form: Any) -> None:
        form.locator("#id_service").select_option(str(world["care_service"].pk))
        form.locator("#id_location").select_option(str(world["care_place"].pk))
        form.locator("#id_application").select_option(str(application.pk))
        expect(form.locator("#id_starts_on")).to_have_value(starts_on.isoformat())
        expect(form.locator("#id_ends_on")).to_have_value(ends_on.isoformat())
        form.locator("#id_frequency").select_option("weekly")
        form.locator("input[name=weekdays][value='1']").check()
        form.locator("input[name=weekdays][value='3']").check()
        form.locator("#id_time_from").fill("09:00")
        form.locator("#id_hours_per_visit").fill("2")

    add_content(ui, plan, "items", "add a service", item)
    items_table = page.locator("#items-table")
    expect(items_table).to_contain_text(world["care_service"].name)
    expect(items_table).to_contain_text("9:00")
    ui.check("plan with a service", shot="journey-item")
    plan_item = plan.items.get()
    assert (plan_item.service, plan_item.location, plan_item.application) == (
        world["care_service"],
        world["care_place"],
        application,
    )
    assert (plan_item.frequency, sorted(plan_item.weekdays), plan_item.time_from, plan_item.hours_per_visit) == (
        "weekly",
        [1, 3],
        datetime.time(9, 0),
        2,
    )
    assert plan_item.provider == world["provider"]
    assert plan_item.status == ItemStatus.PLANNED

    def activity(form: Any) -> None:
        form.locator("#id_kind").select_option("neighbour")
        form.locator("#id_description").fill("The neighbour walks with her to the shop on Saturdays.")
        form.locator("#id_who").fill("Neighbour from flat 4")

    add_content(ui, plan, "activities", "add a supporting activity", activity)
    expect(page.locator("section[aria-labelledby=h-activities]")).to_contain_text("Neighbour from flat 4")
    ui.check("plan with a supporting activity")
    assert plan.activities.get().who == "Neighbour from flat 4"

    agreed_on = today - datetime.timedelta(days=15)
    plan_action(ui, "agreement", {"#id_agreement-agreed_on": agreed_on.isoformat()}, "input[value='signature']")
    expect(page.locator("#agreement")).to_contain_text(agreed_on.strftime("%d.%m.%Y"))
    expect(page.locator("#plan-problems")).to_have_count(0)
    ui.check("plan with the agreement")
    plan.refresh_from_db()
    assert (plan.agreed_on, plan.agreement_form) == (agreed_on, "signature")

    plan_action(ui, "submit")
    expect(page.locator("main")).to_contain_text("Done: Send for approval.")
    expect(page.locator("#plan-status")).to_have_text("Awaiting approval")
    ui.check("plan sent for approval", shot="journey-submitted")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert list(plan.versions.values_list("number", "status")) == [(1, VersionStatus.SUBMITTED)]
    ui.sign_out()

    # --- 2. The director approves it -----------------------------------------------------------------------------
    sign_in_as(ui, director, "/plans/", "director home with a plan awaiting approval")
    approvals = page.locator("section[aria-labelledby=h-approvals]")
    expect(approvals).to_contain_text(plan.reference)
    expect(approvals).to_contain_text(person.full_name)
    ui.screenshot("journey-director-home")
    ui.follow(approvals.get_by_role("link", name=plan.reference))
    expect(page).to_have_url(ui.url(f"/plans/{plan.pk}/"))
    ui.check("plan awaiting the director's approval")
    plan_action(ui, "approve", {"#id_approve-note": "Approved as proposed."})
    expect(page.locator("#plan-status")).to_have_text("Approved, in progress")
    expect(page.locator("#versions-table")).to_contain_text("Approved as proposed.")
    ui.check("approved plan", shot="journey-approved")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    version = plan.versions.get()
    assert (version.status, version.decided_by, version.decision_note) == (
        VersionStatus.APPROVED,
        director,
        "Approved as proposed.",
    )
    ui.sign_out()

    # --- 3. The provider's staff record two visits; one outside the service's dates is refused --------------------
    sign_in_as(ui, provider_user, "/delivery/", "provider's services")
    expect(page.locator("main")).to_contain_text(person.full_name)
    expect(page.locator("main")).to_contain_text(world["care_service"].name)
    page.locator(f"main a[href='/delivery/items/{plan_item.pk}/']").first.click()
    expect(page).to_have_url(ui.url(f"/delivery/items/{plan_item.pk}/"))
    expect(page.locator("main")).to_contain_text(plan.reference)
    ui.check("service to deliver", shot="journey-delivery-item")

    def record(date: datetime.date, minutes: str, status: str, reason: str = "") -> None:
        form = page.locator(FORM)
        form.locator("#id_date").fill(date.isoformat())
        form.locator("#id_start_time").fill("09:00")
        form.locator("#id_minutes").fill(minutes)
        form.locator("#id_worker_name").fill("Maria Opiekunka")
        radio = form.locator(f"input[name=status][value='{status}']")
        radio.check()
        expect(radio).to_be_checked()
        if reason:
            form.locator("#id_missed_reason").select_option(reason)
        settle(page)
        ui.submit(FORM)

    delivered_on = today - datetime.timedelta(days=7)
    record(delivered_on, "120", RecordStatus.DELIVERED)
    expect(page.locator("main")).to_contain_text(f"The visit of {delivered_on:%d.%m.%Y} has been recorded.")
    ui.check("service with a delivered visit")
    missed_on = today - datetime.timedelta(days=5)
    record(missed_on, "120", RecordStatus.MISSED, MissedReason.PERSON_HOSPITAL)
    expect(page.locator("main")).to_contain_text(f"The visit of {missed_on:%d.%m.%Y} has been recorded.")
    expect(page.locator("main table")).to_contain_text("The person was in hospital")
    ui.check("service with two visits", shot="journey-delivery-visits")
    visits = list(DeliveryRecord.objects.filter(item=plan_item).order_by("date"))
    assert [(v.date, v.minutes, v.status, v.missed_reason, v.recorded_by) for v in visits] == [
        (delivered_on, 120, RecordStatus.DELIVERED, "", provider_user),
        (missed_on, 120, RecordStatus.MISSED, MissedReason.PERSON_HOSPITAL, provider_user),
    ]

    before_start = starts_on - datetime.timedelta(days=3)
    record(before_start, "60", RecordStatus.DELIVERED)
    message = f"The visit must fall within the service's dates ({starts_on:%d.%m.%Y}–{ends_on:%d.%m.%Y})."
    expect(page.locator("#id_date_error")).to_contain_text(message)
    expect(page.locator("#error-summary")).to_contain_text(message)
    expect(page.locator(f"{FORM} #id_date")).to_have_value(before_start.isoformat())  # the input is kept
    ui.check("visit outside the service's dates", shot="journey-delivery-refused", narrow_shot=True)
    assert DeliveryRecord.objects.filter(item=plan_item).count() == 2
    assert not DeliveryRecord.objects.filter(date=before_start).exists()
    ui.sign_out()

    # --- 4. The coordinator sees the hours, prepares an update; the director approves it; the versions compared ---
    sign_in_as(ui, coordinator, f"/plans/{plan.pk}/", "plan in progress with delivered hours")
    row = page.locator(f"#items-table tr[data-item='{plan_item.pk}']")
    expect(row.locator("td").nth(5)).to_have_text("2.00")  # the missed visit counts no hours
    expect(page.locator("#items-table tfoot")).to_contain_text("2.00")
    ui.screenshot("journey-delivered-hours")

    plan_action(ui, "start_update")
    expect(page.locator("#plan-status")).to_have_text("Update in preparation")
    expect(page.locator("#plan-problems")).to_contain_text("Record the person's agreement to this update.")
    ui.check("update in preparation")
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.UPDATING, 2)

    second_goal = goal_form("Takes part in the senior club's meetings.", "Club meetings attended in a month", "2")
    add_content(ui, plan, "goals", "add a goal to the update", second_goal)
    ui.check("update with a new goal")
    assert plan.goals.count() == 2

    plan_action(ui, "agreement", {"#id_agreement-agreed_on": today.isoformat()}, "input[value='oral_recorded']")
    ui.check("update with the agreement")
    plan_action(ui, "submit", {"#id_submit-reason": "She asked to join the senior club."})
    expect(page.locator("#plan-status")).to_have_text("Update awaiting approval")
    ui.check("update sent for approval")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UPDATE_SUBMITTED
    assert plan.versions.get(number=2).reason == "She asked to join the senior club."
    ui.sign_out()

    sign_in_as(ui, director, "/plans/", "director home with the update")
    approvals = page.locator("section[aria-labelledby=h-approvals]")
    expect(approvals).to_contain_text(plan.reference)
    ui.follow(approvals.get_by_role("link", name=plan.reference))
    ui.check("update awaiting approval")
    plan_action(ui, "approve")
    expect(page.locator("#plan-status")).to_have_text("Approved, in progress")
    ui.check("approved update")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert list(plan.versions.order_by("number").values_list("number", "status")) == [
        (1, VersionStatus.APPROVED),
        (2, VersionStatus.APPROVED),
    ]
    ui.sign_out()

    sign_in_as(ui, coordinator, f"/plans/{plan.pk}/", "plan after the update")
    page.get_by_role("link", name="Compare versions").click()
    expect(page).to_have_url(ui.url(f"/plans/{plan.pk}/versions/compare/"))
    added = page.locator("main li[data-change='added']")
    expect(added.filter(has_text="Takes part in the senior club's meetings.")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Choose two versions of this plan.")
    ui.check("version comparison", shot="journey-compare", narrow_shot=True)
    page.get_by_role("link", name=plan.reference).click()
    expect(page).to_have_url(ui.url(f"/plans/{plan.pk}/"))
    ui.check("plan before closing")

    # --- 5. The coordinator closes the plan and downloads the closing description --------------------------------
    page.locator(f"main a[href='/plans/{plan.pk}/close/']").click()
    expect(page.locator("h1")).to_have_text("Close the plan")
    ui.check("closing form", shot="journey-close-form")
    form = page.locator(FORM)
    expect(form.locator("#id_closed_on")).to_have_value(today.isoformat())
    form.locator(f"input[name=closing_reason][value='{ClosingReason.OTHER}']").check()
    form.locator("#id_closing_reason_details").fill("She moves to her daughter's in another town.")
    form.locator("#id_closing_interview_on").fill(today.isoformat())
    form.locator("#id_closing_interview_notes").fill("She is satisfied with the care and goes shopping alone.")
    course = (
        "Care was delivered twice a week from the start of the plan. She now goes shopping on her own; "
        "she has not yet joined the senior club before moving away."
    )
    form.locator("#id_course_description").fill(course)
    second = plan.goals.get(indicator="Club meetings attended in a month")
    form.locator(f"select[name=goal_{first_goal.pk}]").select_option(GoalStatus.ACHIEVED)
    form.locator(f"select[name=goal_{second.pk}]").select_option(GoalStatus.NOT_ACHIEVED)
    settle(page)
    ui.submit(FORM)
    expect(page).to_have_url(ui.url(f"/plans/{plan.pk}/"))
    expect(page.locator("main")).to_contain_text(f"Plan {plan.reference} was closed.")
    expect(page.locator("#plan-status")).to_have_text("Closed")
    expect(page.locator("section[aria-labelledby=h-plan]")).to_contain_text(course)
    ui.check("closed plan", shot="journey-closed", narrow_shot=True)
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on, plan.closing_reason, plan.closing_interview_on) == (
        PlanStatus.CLOSED,
        today,
        ClosingReason.OTHER,
        today,
    )
    assert plan.course_description == course
    assert dict(plan.goals.values_list("pk", "status")) == {
        first_goal.pk: GoalStatus.ACHIEVED,
        second.pk: GoalStatus.NOT_ACHIEVED,
    }
    plan_item.refresh_from_db()
    assert plan_item.status != ItemStatus.PLANNED  # services still planned end on the closing date

    # A closed plan has no drafting warnings, and an achieved goal is shown as fully reached.
    expect(page.locator("#plan-warnings")).to_have_count(0)
    assert plan.goals.get(pk=first_goal.pk).progress == 100

    link = page.locator("#plan-documents").get_by_role("link", name="Description of the course and results (PDF)")
    pdf = page.request.get(ui.url(link.get_attribute("href") or ""))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
