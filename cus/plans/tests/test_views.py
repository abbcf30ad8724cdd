"""The staff pages of plans: the coordinator's home, the list, opening a plan, the plan page with every action,
version comparison; errors shown beside fields with nothing saved; permissions and the access audit."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.delivery import services as delivery_services
from cus.plans import services
from cus.plans.models import (
    Goal,
    GoalStatus,
    ItemStatus,
    MonitoringNote,
    Need,
    PlanItem,
    PlanStatus,
    PlanVersion,
    ServicePlan,
    SupportingActivity,
    VersionStatus,
)
from cus.plans.tests.factories import another_person, make_plan, plan_world
from cus.residents.models import AccessPurpose

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


@pytest.fixture
def plan(world: dict[str, Any]) -> ServicePlan:
    return make_plan(world)


@pytest.fixture
def draft(world: dict[str, Any]) -> ServicePlan:
    return make_plan(world, approved=False)


def login(client: Client, user: Any) -> Client:
    """Sign in, with English pages (messages are asserted on their English msgids)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def installation_label(purpose: AccessPurpose) -> str:
    """The audit trail stores the purpose in the installation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(purpose.label)


def text(response: Any) -> str:
    return response.content.decode()


# --- the coordinator's home and the list ---------------------------------------------------------------------------


def test_home_lists_my_plans_with_the_next_deadline_and_what_needs_me(
    client: Client, world: dict[str, Any], plan: ServicePlan
) -> None:
    login(client, world["coordinator"])
    response = client.get("/plans/")
    assert response.status_code == 200
    page = text(response)
    assert plan.reference in page
    assert "Needs me today" in page
    # The plan started 60 days ago with visits planned and none recorded: missed visits are flagged.
    assert 'data-alert="missed_visits"' in page
    mine = response.context["my_plans"]
    assert [p.pk for p in mine] == [plan.pk]
    assert mine[0].deadline is not None


def test_home_links_to_all_my_plans_when_it_shows_only_the_first(
    client: Client, world: dict[str, Any], plan: ServicePlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cus.plans import queries

    second = make_plan(world)
    monkeypatch.setattr(queries, "HOME_PLANS", 1)
    monkeypatch.setattr(queries, "HOME_ALERTS", 1)
    login(client, world["coordinator"])
    response = client.get("/plans/")
    assert len(response.context["my_plans"]) == 1
    page = text(response)
    assert "The first 1 of your 2 open plans are shown" in page
    assert "The 1 most urgent of " in page
    link = re.search(r'id="my-plans-more"><a href="([^"]+)"', response.content.decode()).group(1)
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200
    assert {p.pk for p in listed.context["page"].object_list} == {plan.pk, second.pk}


def test_home_puts_the_overdue_plan_first_with_a_text_badge(client: Client, world: dict[str, Any]) -> None:
    today = timezone.localdate()
    late = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=40),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=200),
    )
    on_time = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today - datetime.timedelta(days=1),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=200),
    )
    login(client, world["coordinator"])
    response = client.get("/plans/")
    mine = response.context["my_plans"]
    assert [p.pk for p in mine] == [late.pk, on_time.pk]
    assert mine[0].deadline.overdue and not mine[1].deadline.overdue
    page = text(response)
    assert 'class="table-danger"' in page
    assert "Overdue" in page  # the colour comes with text
    assert 'data-alert="draw_up_overdue"' in page


def test_home_shows_plans_awaiting_approval_only_to_who_may_approve(
    client: Client, world: dict[str, Any], draft: ServicePlan
) -> None:
    services.submit(actor=world["coordinator"], plan=draft)
    for user, shown in (
        (world["director"], True),
        (world["organiser"], True),
        (world["plain_organiser"], False),
        (world["coordinator"], False),
    ):
        client.force_login(user)
        response = client.get("/plans/")
        assert [p.pk for p in response.context["approvals"]] == ([draft.pk] if shown else []), user


def test_list_filters_and_sorts(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    today = timezone.localdate()
    other = services.plan_create(
        actor=world["other_coordinator"],
        person=another_person(world),
        coordinator=world["other_coordinator"],
        applied_on=today - datetime.timedelta(days=5),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=100),
    )
    login(client, world["director"])
    response = client.get("/plans/all/")
    assert {p.pk for p in response.context["page"]} == {plan.pk, other.pk}
    response = client.get("/plans/all/", {"status": "draft"})
    assert [p.pk for p in response.context["page"]] == [other.pk]
    response = client.get("/plans/all/", {"coordinator": world["coordinator"].pk, "status": ""})
    assert [p.pk for p in response.context["page"]] == [plan.pk]
    response = client.get("/plans/all/", {"sort": "-reference", "status": ""})
    assert [p.pk for p in response.context["page"]] == [other.pk, plan.pk]
    response = client.get("/plans/all/", {"q": world["person"].last_name[:4], "status": ""})
    assert len(response.context["page"]) == 2
    client.force_login(world["other_coordinator"])
    response = client.get("/plans/all/", {"mine": "on", "status": ""})
    assert [p.pk for p in response.context["page"]] == [other.pk]


# --- opening a plan --------------------------------------------------------------------------------------------------


def test_open_page_prefills_from_the_applications(client: Client, world: dict[str, Any]) -> None:
    login(client, world["coordinator"])
    application = world["application"]
    response = client.get("/plans/new/", {"person": world["person"].pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["coordinator"] == world["coordinator"].pk
    assert form.initial["applications"] == [application.pk]
    assert form.initial["applied_on"] == timezone.localtime(application.filed_at).date()
    assert "the latest end is" in form.fields["ends_on"].help_text
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, actor=world["coordinator"], object_id=str(world["person"].pk)
    ).exists()


def test_open_a_plan(client: Client, world: dict[str, Any]) -> None:
    login(client, world["coordinator"])
    today = timezone.localdate()
    response = client.post(
        f"/plans/new/?person={world['person'].pk}",
        {
            "coordinator": world["other_coordinator"].pk,
            "applications": [world["application"].pk],
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=180)).isoformat(),
            "needs_summary": "Pomoc w domu.",
        },
    )
    plan = ServicePlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.pk}/"
    assert plan.coordinator == world["other_coordinator"]
    assert list(plan.applications.all()) == [world["application"]]
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(plan.pk)).exists()


def test_open_a_plan_longer_than_a_year_shows_the_error_and_saves_nothing(
    client: Client, world: dict[str, Any]
) -> None:
    login(client, world["coordinator"])
    today = timezone.localdate()
    response = client.post(
        f"/plans/new/?person={world['person'].pk}",
        {
            "coordinator": world["coordinator"].pk,
            "applications": [world["application"].pk],
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=400)).isoformat(),
            "needs_summary": "Pomoc w domu.",
        },
    )
    assert response.status_code == 400
    assert "A plan lasts at most one year" in str(response.context["form"].errors["ends_on"])
    assert "Pomoc w domu." in text(response)  # nothing typed is lost
    assert not ServicePlan.objects.exists()


def test_open_a_plan_without_an_application_needs_its_date(client: Client, world: dict[str, Any]) -> None:
    login(client, world["coordinator"])
    today = timezone.localdate()
    response = client.post(
        f"/plans/new/?person={world['person'].pk}",
        {"coordinator": world["coordinator"].pk, "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert "applied_on" in response.context["form"].errors
    assert not ServicePlan.objects.exists()


def test_open_page_without_a_person_explains_where_to_start(client: Client, world: dict[str, Any]) -> None:
    login(client, world["coordinator"])
    response = client.get("/plans/new/")
    assert response.status_code == 200
    assert "Open an IPUS" in text(response)


def test_a_second_open_plan_is_refused_and_the_application_links_to_the_open_one(
    client: Client, world: dict[str, Any]
) -> None:
    plan = make_plan(world)
    login(client, world["coordinator"])
    page = text(client.get(f"/qualification/applications/{world['application'].pk}/"))
    assert f"The person's IPUS {plan.reference} (approved, in progress)" in page
    assert "Open an IPUS" not in page
    today = timezone.localdate()
    response = client.post(
        f"/plans/new/?person={world['person'].pk}",
        {
            "coordinator": world["coordinator"].pk,
            "applied_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=100)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert f"already has an open plan {plan.reference}" in text(response)
    assert ServicePlan.objects.filter(person=world["person"]).count() == 1


def test_the_person_page_lists_applications_and_plans(client: Client, world: dict[str, Any]) -> None:
    plan = make_plan(world)
    login(client, world["coordinator"])
    page = text(client.get(f"/residents/persons/{world['person'].pk}/?purpose=ipus"))
    assert "Applications and individual plans" in page
    assert world["application"].reference in page
    assert plan.reference in page
    assert "Koordynatorka Pierwsza" in page


# --- the plan page ---------------------------------------------------------------------------------------------------


def test_plan_page_shows_the_plan_and_audits_the_read_with_its_purpose(
    client: Client, world: dict[str, Any], plan: ServicePlan
) -> None:
    login(client, world["director"])
    response = client.get(f"/plans/{plan.pk}/?purpose=social_work")
    assert response.status_code == 200
    page = text(response)
    assert plan.reference in page
    assert "Mon, Wed, Fri from 9:00, 2 h" in page
    assert "Tue from 12:00, 1,5 h" in page
    assert world["person"].full_name in page
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).latest("id")
    assert entry.actor == world["director"]
    assert entry.purpose == installation_label(AccessPurpose.SOCIAL_WORK)
    assert entry.person_id == str(world["person"].pk)
    # The director reads, approves, but does not edit content.
    assert "Add a need" not in page


def test_plan_page_defaults_to_the_ipus_purpose(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    login(client, world["coordinator"])
    client.get(f"/plans/{plan.pk}/")
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).latest("id")
    assert entry.purpose == installation_label(AccessPurpose.IPUS)


def test_plan_page_shows_delivered_hours_and_share(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    care = plan.items.get(service=world["care_service"])
    day = care.starts_on
    while day.isoweekday() != 1:
        day += datetime.timedelta(days=1)
    delivery_services.record_visit(
        actor=world["provider_user"],
        item=care,
        date=day,
        start_time=datetime.time(9, 0),
        minutes=90,
        worker_name="Anna Opiekunka",
    )
    login(client, world["coordinator"])
    response = client.get(f"/plans/{plan.pk}/")
    item = next(i for i in response.context["items"] if i.pk == care.pk)
    assert item.share.delivered == Decimal("1.50")
    assert item.share.planned_total == care.planned_hours
    assert item.share.share_total == (Decimal("1.5") * 100 / care.planned_hours).quantize(Decimal("0.1"))
    assert f"{item.share.share_so_far}%" in text(response)


def test_draft_page_lists_what_is_missing_before_submission(client: Client, world: dict[str, Any]) -> None:
    today = timezone.localdate()
    plan = services.plan_create(
        actor=world["coordinator"],
        person=another_person(world),
        coordinator=world["coordinator"],
        applied_on=today,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=100),
    )
    login(client, world["coordinator"])
    response = client.get(f"/plans/{plan.pk}/")
    assert set(response.context["problem_keys"]) == {"items", "goals", "needs", "agreed_on"}
    assert "Plan at least one service." in text(response)


# --- workflow actions ------------------------------------------------------------------------------------------------


def test_agreement_in_the_future_is_refused_beside_the_field(
    client: Client, world: dict[str, Any], draft: ServicePlan
) -> None:
    login(client, world["coordinator"])
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        f"/plans/{draft.pk}/actions/agreement/",
        {"agreement-agreed_on": future.isoformat(), "agreement-form": "signature"},
    )
    assert response.status_code == 400
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "agreement")
    assert "The agreement cannot be dated in the future." in form.errors["agreed_on"]
    assert response.context["open_action"] == "agreement"
    draft.refresh_from_db()
    assert draft.agreed_on != future


def test_submit_approve_update_and_return(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["coordinator"])
    response = client.post(f"/plans/{draft.pk}/actions/submit/", {"submit-reason": ""})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlanStatus.SUBMITTED

    client.force_login(world["organiser"])
    page = text(client.get(f"/plans/{draft.pk}/"))
    assert 'data-action="approve"' in page
    response = client.post(f"/plans/{draft.pk}/actions/approve/", {"approve-note": "Zgoda."})
    assert response.status_code == 302
    version = PlanVersion.objects.get(plan=draft, number=1)
    assert version.status == VersionStatus.APPROVED
    assert version.delegation is not None
    page = text(client.get(f"/plans/{draft.pk}/"))
    assert "UP/1/2026" in page  # who approved under which authorisation

    client.force_login(world["coordinator"])
    assert client.post(f"/plans/{draft.pk}/actions/start_update/", {}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlanStatus.UPDATING and draft.version == 2
    # An update needs its reason.
    response = client.post(f"/plans/{draft.pk}/actions/submit/", {"submit-reason": ""})
    assert response.status_code == 400
    assert "reason" in next(a["form"] for a in response.context["actions"] if a["name"] == "submit").errors
    services.record_agreement(actor=world["coordinator"], plan=draft, agreed_on=timezone.localdate(), form="signature")
    response = client.post(f"/plans/{draft.pk}/actions/submit/", {"submit-reason": "Nowy program."})
    assert response.status_code == 302

    client.force_login(world["director"])
    response = client.post(f"/plans/{draft.pk}/actions/return/", {"return-note": ""})
    assert response.status_code == 400
    response = client.post(f"/plans/{draft.pk}/actions/return/", {"return-note": "Popraw cel."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlanStatus.UPDATING


def test_approval_without_the_right_is_refused_and_audited(
    client: Client, world: dict[str, Any], draft: ServicePlan
) -> None:
    services.submit(actor=world["coordinator"], plan=draft)
    login(client, world["plain_organiser"])
    page = text(client.get(f"/plans/{draft.pk}/"))
    assert 'data-action="approve"' not in page
    response = client.post(f"/plans/{draft.pk}/actions/approve/", {"approve-note": ""})
    assert response.status_code == 400
    assert "written authorisation" in text(response)
    draft.refresh_from_db()
    assert draft.status == PlanStatus.SUBMITTED
    assert AuditEntry.objects.filter(
        action=AuditAction.DENIED, actor=world["plain_organiser"], object_id=str(draft.pk)
    ).exists()


def test_coordinator_cannot_approve(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    services.submit(actor=world["coordinator"], plan=draft)
    login(client, world["coordinator"])
    assert client.post(f"/plans/{draft.pk}/actions/approve/", {}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == PlanStatus.SUBMITTED


def test_cancel_and_note(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["coordinator"])
    response = client.post(
        f"/plans/{draft.pk}/actions/note/",
        {"note-kind": "phone", "note-noted_on": timezone.localdate().isoformat(), "note-text": "Rozmowa z córką."},
    )
    assert response.status_code == 302
    assert MonitoringNote.objects.get(plan=draft).text == "Rozmowa z córką."
    response = client.post(f"/plans/{draft.pk}/actions/cancel/", {"cancel-reason": ""})
    assert response.status_code == 400
    response = client.post(f"/plans/{draft.pk}/actions/cancel/", {"cancel-reason": "Osoba zrezygnowała."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PlanStatus.CANCELLED


def test_unknown_action_is_404_and_get_goes_back(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["coordinator"])
    assert client.post(f"/plans/{draft.pk}/actions/explode/", {}).status_code == 404
    assert client.get(f"/plans/{draft.pk}/actions/submit/").status_code == 302


# --- content rows ----------------------------------------------------------------------------------------------------


def test_add_change_and_remove_a_need(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["coordinator"])
    assert client.get(f"/plans/{draft.pk}/needs/new/").status_code == 200
    response = client.post(f"/plans/{draft.pk}/needs/new/", {"description": "Transport do lekarza."})
    assert response.status_code == 302
    need = Need.objects.get(plan=draft, description="Transport do lekarza.")
    response = client.get(f"/plans/{draft.pk}/needs/{need.pk}/edit/")
    assert response.context["form"].initial["description"] == "Transport do lekarza."
    client.post(f"/plans/{draft.pk}/needs/{need.pk}/edit/", {"description": "Transport."})
    need.refresh_from_db()
    assert need.description == "Transport."
    assert client.post(f"/plans/{draft.pk}/needs/{need.pk}/remove/").status_code == 302
    assert not Need.objects.filter(pk=need.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(need.pk)).exists()


def test_goal_outside_the_plan_is_refused(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["coordinator"])
    response = client.post(
        f"/plans/{draft.pk}/goals/new/",
        {
            "description": "Cel",
            "indicator": "Wskaźnik",
            "target": "1",
            "target_date": (draft.ends_on + datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The target date must fall within the plan's dates." in response.context["form"].errors["target_date"]
    assert Goal.objects.filter(plan=draft).count() == 1


def test_add_a_service_and_refuse_one_outside_the_plan(
    client: Client, world: dict[str, Any], draft: ServicePlan
) -> None:
    login(client, world["coordinator"])
    data = {
        "service": world["other_service"].pk,
        "location": world["other_place"].pk,
        "starts_on": draft.starts_on.isoformat(),
        "ends_on": (draft.ends_on + datetime.timedelta(days=1)).isoformat(),
        "frequency": "weekly",
        "weekdays": ["4"],
        "time_from": "10:00",
        "hours_per_visit": "1",
    }
    response = client.post(f"/plans/{draft.pk}/items/new/", data)
    assert response.status_code == 400
    assert "The service cannot end after the plan" in str(response.context["form"].errors["ends_on"])
    assert draft.items.count() == 2
    data["ends_on"] = draft.ends_on.isoformat()
    response = client.post(f"/plans/{draft.pk}/items/new/", data)
    assert response.status_code == 302
    item = draft.items.get(weekdays=[4])
    assert item.provider == world["other_provider"]
    # Weekdays are required for a weekly service.
    response = client.post(f"/plans/{draft.pk}/items/{item.pk}/edit/", {**data, "weekdays": []})
    assert response.status_code == 400
    assert "weekdays" in response.context["form"].errors


def test_add_a_supporting_activity(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["coordinator"])
    response = client.post(
        f"/plans/{draft.pk}/activities/new/",
        {"kind": "neighbour", "description": "Sąsiadka robi zakupy w soboty.", "who": "Pani Nowak"},
    )
    assert response.status_code == 302
    assert SupportingActivity.objects.get(plan=draft).who == "Pani Nowak"


def test_content_of_an_approved_plan_cannot_be_changed(
    client: Client, world: dict[str, Any], plan: ServicePlan
) -> None:
    login(client, world["coordinator"])
    need = plan.needs.get()
    response = client.post(f"/plans/{plan.pk}/needs/{need.pk}/edit/", {"description": "Inaczej"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.description != "Inaczej"
    client.post(f"/plans/{plan.pk}/needs/{need.pk}/remove/")
    assert Need.objects.filter(pk=need.pk).exists()
    assert client.get(f"/plans/{plan.pk}/nonsense/new/").status_code == 404


def test_end_an_item_early(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    item = plan.items.get(service=world["other_service"])
    login(client, world["coordinator"])
    assert client.get(f"/plans/{plan.pk}/items/{item.pk}/end/").status_code == 200
    response = client.post(
        f"/plans/{plan.pk}/items/{item.pk}/end/",
        {"ended_on": (item.ends_on + datetime.timedelta(days=1)).isoformat(), "end_reason": "Szpital"},
    )
    assert response.status_code == 400
    assert "ended_on" in response.context["form"].errors
    today = timezone.localdate()
    response = client.post(
        f"/plans/{plan.pk}/items/{item.pk}/end/", {"ended_on": today.isoformat(), "end_reason": "Szpital"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.ENDED and item.ended_on == today


def test_note_goal_progress(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    goal = plan.goals.get()
    login(client, world["coordinator"])
    response = client.post(
        f"/plans/{plan.pk}/goals/{goal.pk}/progress/",
        {"noted_on": timezone.localdate().isoformat(), "progress": "140"},
    )
    assert response.status_code == 400
    response = client.post(
        f"/plans/{plan.pk}/goals/{goal.pk}/progress/",
        {"noted_on": timezone.localdate().isoformat(), "progress": "40", "value": "1", "note": "Postęp."},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.progress == 40
    page = text(client.get(f"/plans/{plan.pk}/"))
    assert 'aria-valuenow="40"' in page and "40%" in page


def test_close_the_plan(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    goal = plan.goals.get()
    login(client, world["coordinator"])
    response = client.get(f"/plans/{plan.pk}/close/")
    assert f"goal_{goal.pk}" in response.context["form"].fields
    today = timezone.localdate()
    data = {
        "closed_on": today.isoformat(),
        "closing_reason": "resignation",
        "closing_reason_details": "",
        "closing_interview_on": today.isoformat(),
        "closing_interview_notes": "Rozmowa końcowa.",
        "course_description": "Krótko.",
    }
    response = client.post(f"/plans/{plan.pk}/close/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"closing_reason_details", "course_description", f"goal_{goal.pk}"} <= set(errors)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    data.update(
        {
            "closing_reason_details": "Osoba przeprowadziła się do córki.",
            "course_description": "Usługi opiekuńcze realizowano zgodnie z planem; osoba odzyskała część "
            "samodzielności i sama robi zakupy.",
            f"goal_{goal.pk}": GoalStatus.PARTLY,
        }
    )
    response = client.post(f"/plans/{plan.pk}/close/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PARTLY
    assert all(i.status == ItemStatus.ENDED or i.ends_on <= today for i in PlanItem.objects.filter(plan=plan))


def test_edit_the_plan_data(client: Client, world: dict[str, Any], draft: ServicePlan, plan: ServicePlan) -> None:
    login(client, world["coordinator"])
    response = client.post(
        f"/plans/{draft.pk}/edit/",
        {
            "coordinator": world["coordinator"].pk,
            "applied_on": draft.applied_on.isoformat(),
            "starts_on": draft.starts_on.isoformat(),
            "ends_on": (draft.starts_on + datetime.timedelta(days=500)).isoformat(),
            "needs_summary": "Nowe potrzeby",
        },
    )
    assert response.status_code == 400
    assert "ends_on" in response.context["form"].errors
    # An approved plan: only the coordinator changes.
    response = client.get(f"/plans/{plan.pk}/edit/")
    assert set(response.context["form"].fields) == {"coordinator"}
    response = client.post(f"/plans/{plan.pk}/edit/", {"coordinator": world["other_coordinator"].pk})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.coordinator == world["other_coordinator"]


# --- versions --------------------------------------------------------------------------------------------------------


def test_compare_versions(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    coordinator = world["coordinator"]
    services.start_update(actor=coordinator, plan=plan)
    goal = plan.goals.get()
    services.goal_save(actor=coordinator, plan=plan, goal=goal, target="3")
    services.need_save(actor=coordinator, plan=plan, description="Nowa potrzeba: rehabilitacja.")
    services.record_agreement(actor=coordinator, plan=plan, agreed_on=timezone.localdate(), form="signature")
    services.submit(actor=coordinator, plan=plan, reason="Zmiana potrzeb.")
    login(client, world["director"])
    response = client.get(f"/plans/{plan.pk}/versions/compare/", {"a": 1, "b": 2})
    assert response.status_code == 200
    page = text(response)
    assert "Nowa potrzeba: rehabilitacja." in page
    assert 'data-change="added"' in page
    assert "target value" in page and "→" in page
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).exists()
    assert client.get(f"/plans/{plan.pk}/versions/compare/", {"a": 1, "b": 9}).status_code == 400


# --- permissions -----------------------------------------------------------------------------------------------------


def _pages(plan: ServicePlan) -> list[tuple[str, str]]:
    item = plan.items.first()
    goal = plan.goals.first()
    need = plan.needs.first()
    assert item and goal and need
    return [
        ("get", "/plans/"),
        ("get", "/plans/all/"),
        ("get", f"/plans/new/?person={plan.person_id}"),
        ("get", f"/plans/{plan.pk}/"),
        ("get", f"/plans/{plan.pk}/edit/"),
        ("get", f"/plans/{plan.pk}/close/"),
        ("post", f"/plans/{plan.pk}/actions/note/"),
        ("post", f"/plans/{plan.pk}/actions/approve/"),
        ("get", f"/plans/{plan.pk}/versions/compare/"),
        ("get", f"/plans/{plan.pk}/items/{item.pk}/end/"),
        ("get", f"/plans/{plan.pk}/goals/{goal.pk}/progress/"),
        ("get", f"/plans/{plan.pk}/needs/new/"),
        ("get", f"/plans/{plan.pk}/needs/{need.pk}/edit/"),
        ("post", f"/plans/{plan.pk}/needs/{need.pk}/remove/"),
    ]


def test_provider_staff_reach_no_plan_page(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    login(client, world["provider_user"])
    for method, path in _pages(plan):
        response = getattr(client, method)(path)
        assert response.status_code in (403, 404), path
    assert not AuditEntry.objects.filter(
        action=AuditAction.VIEW, actor=world["provider_user"], object_id=str(plan.pk)
    ).exists()


def test_coordinator_of_another_centre_gets_404_and_the_attempt_is_audited(
    client: Client, world: dict[str, Any], plan: ServicePlan
) -> None:
    stranger_world = plan_world()
    stranger = stranger_world["coordinator"]
    login(client, stranger)
    for method, path in _pages(plan):
        if path in ("/plans/", "/plans/all/") or path.endswith("/approve/"):
            continue  # lists are filtered; a coordinator has no approval permission at all (403)
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, actor=stranger, object_id=str(plan.pk)).exists()
    response = client.get("/plans/all/", {"status": ""})
    assert plan.pk not in {p.pk for p in response.context["page"]}


def test_director_reads_but_cannot_edit(client: Client, world: dict[str, Any], draft: ServicePlan) -> None:
    login(client, world["director"])
    assert client.get(f"/plans/{draft.pk}/").status_code == 200
    assert client.get(f"/plans/{draft.pk}/needs/new/").status_code == 403
    assert client.post(f"/plans/{draft.pk}/actions/note/", {}).status_code == 403
    assert client.get(f"/plans/new/?person={draft.person_id}").status_code == 403


def test_social_worker_has_no_plans(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    worker = UserFactory(centre=world["centre"], roles=[Role.SOCIAL_WORKER])
    login(client, worker)
    assert client.get("/plans/").status_code == 403
    assert client.get(f"/plans/{plan.pk}/").status_code == 403


# --- query counts ----------------------------------------------------------------------------------------------------


def _more_plans(world: dict[str, Any], count: int) -> None:
    for _n in range(count):
        make_plan(world)


def _count(client: Client, path: str, django_assert_max_num_queries: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("path", ["/plans/", "/plans/all/?status="])
def test_home_and_list_queries_do_not_grow_with_plans(
    client: Client, world: dict[str, Any], plan: ServicePlan, path: str, django_assert_max_num_queries: Any
) -> None:
    login(client, world["coordinator"])
    client.get(path)
    one = _count(client, path, django_assert_max_num_queries)
    # The home's first view after a change recomputes the changed plans' alerts: in a number of queries that does
    # not grow with them either.
    _more_plans(world, 1)
    after_one_change = _count(client, path, django_assert_max_num_queries)
    _more_plans(world, 3)
    after_three_changes = _count(client, path, django_assert_max_num_queries)
    many = _count(client, path, django_assert_max_num_queries)
    assert many == one
    assert after_three_changes == after_one_change


def test_plan_page_queries_do_not_grow_with_items(
    client: Client, world: dict[str, Any], draft: ServicePlan, django_assert_max_num_queries: Any
) -> None:
    login(client, world["coordinator"])
    path = f"/plans/{draft.pk}/"
    client.get(path)
    one = _count(client, path, django_assert_max_num_queries)
    for weekday in (4, 5, 6):
        services.item_save(
            actor=world["coordinator"],
            plan=draft,
            service=world["other_service"],
            location=world["other_place"],
            starts_on=draft.starts_on,
            ends_on=draft.ends_on,
            frequency="weekly",
            weekdays=[weekday],
            hours_per_visit=Decimal("1"),
        )
        services.goal_save(
            actor=world["coordinator"],
            plan=draft,
            description=f"Cel {weekday}",
            indicator="i",
            target="1",
            target_date=draft.ends_on,
        )
    many = _count(client, path, django_assert_max_num_queries)
    assert many == one
