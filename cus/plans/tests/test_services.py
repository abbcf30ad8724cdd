"""The write services of IPUS plans: every rule of the act with its message, nothing saved on an error, and the
audit trail written on success (art. 38–46, 49)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.catalog.models import ServiceStatus
from cus.catalog.tests.factories import ServiceFactory
from cus.core.tests.factories import CentreFactory
from cus.delivery import services as delivery_services
from cus.plans import rules, services
from cus.plans.models import (
    AgreementForm,
    ApprovalDelegation,
    ClosingReason,
    CoordinatorMeeting,
    Goal,
    GoalProgress,
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
from cus.plans.tests.factories import applicant, make_plan, plan_world, qualified_application

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MODELS = (ServicePlan, Need, Goal, GoalProgress, PlanItem, SupportingActivity, PlanVersion, MonitoringNote)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


def counts() -> dict[str, int]:
    numbers = {model.__name__: model.objects.count() for model in MODELS}
    numbers["audit"] = AuditEntry.objects.exclude(action=AuditAction.DENIED).count()
    return numbers


@contextmanager
def refused(field: str | None, message: str) -> Iterator[None]:
    """The call is refused with ``message`` (on ``field``, or as a non-field error) and nothing is saved."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        yield
    error = caught.value
    if field is None:
        assert any(message in text for text in error.messages), error.messages
    else:
        assert field in error.message_dict, error.message_dict
        assert any(message in text for text in error.message_dict[field]), error.message_dict[field]
    assert counts() == before


def audited(instance: Any, action: str = AuditAction.UPDATE, message: str | None = None) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk), action=action
    )
    if message is not None:
        entries = entries.filter(message=message)
    return list(entries)


def new_plan(world: dict[str, Any], **changes: Any) -> ServicePlan:
    person, application = (changes["person"], None) if "person" in changes else applicant(world)
    fields: dict[str, Any] = {
        "actor": world["coordinator"],
        "person": person,
        "coordinator": world["coordinator"],
        "applications": [application],
        "applied_on": today() - 5 * DAY,
        "starts_on": today(),
        "ends_on": today() + 200 * DAY,
        "needs_summary": "Potrzebuje pomocy w domu.",
    }
    fields.update(changes)
    return services.plan_create(**fields)


def care_item(world: dict[str, Any], plan: ServicePlan, **changes: Any) -> PlanItem:
    fields: dict[str, Any] = {
        "service": world["care_service"],
        "location": world["care_place"],
        "application": plan.applications.first() or world["application"],
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "frequency": "weekly",
        "weekdays": [1, 3, 5],
        "time_from": datetime.time(9),
        "hours_per_visit": Decimal("2"),
    }
    fields.update(changes)
    return services.item_save(actor=world["coordinator"], plan=plan, **fields)


def ready_plan(world: dict[str, Any]) -> ServicePlan:
    """A draft with a goal, an item and the person's agreement: ready to submit."""
    plan = new_plan(world)
    services.goal_save(
        actor=world["coordinator"],
        plan=plan,
        description="Samodzielne zakupy",
        indicator="wyjścia w tygodniu",
        target="1",
        target_date=plan.starts_on + 90 * DAY,
    )
    care_item(world, plan)
    services.record_agreement(actor=world["coordinator"], plan=plan, agreed_on=today(), form=AgreementForm.SIGNATURE)
    return plan


def visit(world: dict[str, Any], item: PlanItem, day: datetime.date, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "date": day,
        "start_time": datetime.time(9),
        "minutes": 120,
        "worker_name": "Maria Opiekuńcza",
    }
    fields.update(changes)
    return delivery_services.record_visit(actor=world["provider_user"], item=item, **fields)


def test_make_plan_builds_an_approved_plan(world: dict[str, Any]) -> None:
    # The factory other apps' tests build on: an approved plan with two items of two providers.
    plan = make_plan(world)
    assert plan.status == PlanStatus.ACTIVE
    assert {item.provider for item in plan.items.all()} == {world["provider"], world["other_provider"]}
    assert plan.versions.get().status == VersionStatus.APPROVED
    assert make_plan(plan_world(), approved=False).status == PlanStatus.DRAFT


# --- opening a plan (art. 38, 40, 49) ------------------------------------------------------------------------------


def test_plan_create_numbers_links_and_audits(world: dict[str, Any]) -> None:
    plan = new_plan(world, needs_summary="")
    assert plan.status == PlanStatus.DRAFT
    assert plan.version == 1
    assert plan.reference == f"CUS.4012.{plan.number}.{plan.year}"
    assert list(plan.applications.all()) == [world["application"]]
    assert plan.municipality_id == world["municipality"].pk
    assert plan.centre == world["centre"]
    [entry] = audited(plan, AuditAction.CREATE)
    assert entry.actor == world["coordinator"]
    assert entry.person_id == str(world["person"].pk)
    second = new_plan(world)
    assert second.number == plan.number + 1


def test_a_second_open_plan_of_the_same_person_is_refused(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused(None, f"already has an open plan {plan.reference} (draft): update that plan instead"):
        new_plan(world, person=world["person"], applications=[world["application"]])
    services.cancel(actor=world["coordinator"], plan=plan, reason="Osoba zrezygnowała przed zatwierdzeniem.")
    again = new_plan(world, person=world["person"], applications=[world["application"]])
    assert again.person == world["person"]
    # The database keeps the rule even for writes that bypass the service.
    duplicate = ServicePlan.objects.get(pk=again.pk)
    duplicate.id, duplicate.number, duplicate.reference = uuid.uuid4(), again.number + 100, "CUS.4012.X.2026"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(force_insert=True)


def test_applied_on_comes_from_the_earliest_application(world: dict[str, Any]) -> None:
    plan = new_plan(world, applied_on=None)
    assert plan.applied_on == timezone.localtime(world["application"].filed_at).date()


def test_applied_on_is_required_without_applications(world: dict[str, Any]) -> None:
    with refused("applied_on", "Give the date the application was filed"):
        new_plan(world, applications=[], applied_on=None)


def test_applied_on_cannot_be_in_the_future(world: dict[str, Any]) -> None:
    with refused("applied_on", "The application date cannot be in the future."):
        new_plan(world, applied_on=today() + DAY, starts_on=today() + DAY)


def test_a_plan_longer_than_a_year_is_refused(world: dict[str, Any]) -> None:
    start = today()
    latest = rules.latest_end(start)
    with refused("ends_on", f"A plan lasts at most one year (art. 40 ust. 2): it may end on {latest:%d.%m.%Y}"):
        new_plan(world, starts_on=start, ends_on=latest + DAY)
    assert new_plan(world, starts_on=start, ends_on=latest).ends_on == latest


def test_a_plan_ending_before_it_starts_is_refused(world: dict[str, Any]) -> None:
    with refused("ends_on", "The plan cannot end before it starts."):
        new_plan(world, starts_on=today(), ends_on=today() - DAY)


def test_a_plan_cannot_start_before_the_application(world: dict[str, Any]) -> None:
    with refused("starts_on", "The plan cannot start before the application was filed."):
        new_plan(world, applied_on=today() - 5 * DAY, starts_on=today() - 6 * DAY)


@pytest.mark.parametrize("role", [Role.PROVIDER_STAFF, Role.COMMUNITY_ORGANISER, Role.SOCIAL_WORKER, Role.DIRECTOR])
def test_only_services_team_coordinates_a_plan(world: dict[str, Any], role: Role) -> None:
    # art. 49: the plan is prepared by the centre's coordinators, never by a provider.
    outsider = UserFactory(centre=world["centre"], roles=[role])
    with refused("coordinator", "The plan's coordinator must be an IPUS coordinator of the centre"):
        new_plan(world, coordinator=outsider)


def test_provider_staff_member_cannot_coordinate(world: dict[str, Any]) -> None:
    with refused("coordinator", "The plan's coordinator must be an IPUS coordinator"):
        new_plan(world, coordinator=world["provider_user"])


def test_a_coordinator_of_another_municipality_or_inactive_is_refused(world: dict[str, Any]) -> None:
    stranger = UserFactory(centre=CentreFactory(), roles=[Role.IPUS_COORDINATOR])  # another centre's coordinator
    with refused("coordinator", "must be an IPUS coordinator of the centre in this municipality"):
        new_plan(world, coordinator=stranger)
    inactive = UserFactory(centre=world["centre"], roles=[Role.IPUS_COORDINATOR], is_active=False)
    with refused("coordinator", "must be an IPUS coordinator"):
        new_plan(world, coordinator=inactive)


def test_the_services_organiser_may_coordinate(world: dict[str, Any]) -> None:
    assert new_plan(world, coordinator=world["plain_organiser"]).coordinator == world["plain_organiser"]


def test_an_application_of_another_person_is_refused(world: dict[str, Any]) -> None:
    others = qualified_application(world["municipality"])
    with refused("applications", f"Application {others} is of another person."):
        new_plan(world, applications=[world["application"], others])


def test_an_application_in_a_wrong_state_is_refused(world: dict[str, Any]) -> None:
    from cus.qualification import application_services

    filed, _code = application_services.file_application(
        actor=None, person=world["person"], programme_service=world["application"].programme_service
    )
    with refused("applications", f"Application {filed} is submitted: a plan answers qualified applications"):
        new_plan(world, applications=[filed])


def test_needs_summary_is_taken_from_the_assessment(world: dict[str, Any]) -> None:
    application = world["application"]
    application.assessment_notes = "Mieszka sama na III piętrze bez windy."
    application.save(update_fields=["assessment_notes"])
    plan = new_plan(world, needs_summary="  ")
    assert plan.needs_summary == "Mieszka sama na III piętrze bez windy."


# --- warnings: the 30-day deadline, the 3-month span ---------------------------------------------------------------


def test_overdue_draw_up_is_flagged_not_refused(world: dict[str, Any]) -> None:
    plan = new_plan(world, applied_on=today() - 31 * DAY, starts_on=today())
    deadline = plan.applied_on + 30 * DAY
    assert plan.draw_up_deadline == deadline
    assert plan.draw_up_overdue()
    assert f"The plan was due within 30 days of the application, by {deadline:%d.%m.%Y}" in " ".join(
        services.warnings(plan)
    )
    on_time = new_plan(world, applied_on=today() - 30 * DAY, starts_on=today())
    assert not on_time.draw_up_overdue()
    assert services.warnings(on_time) == []


def test_draw_up_date_is_kept_from_the_first_submission(world: dict[str, Any]) -> None:
    plan = ready_plan(world)
    services.submit(actor=world["coordinator"], plan=plan)
    plan.refresh_from_db()
    assert plan.drawn_up_on == today()
    assert not plan.draw_up_overdue(today() + 100 * DAY)  # submitted in time stays in time


def test_services_spanning_less_than_three_months_warn(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    care_item(world, plan, ends_on=rules.add_months(plan.starts_on, 3) - 2 * DAY)
    assert any("span less than 3 months" in text for text in services.warnings(plan))
    item = plan.items.get()
    services.item_save(
        actor=world["coordinator"], plan=plan, item=item, ends_on=rules.add_months(plan.starts_on, 3) - DAY
    )
    assert services.warnings(plan) == []


# --- content -------------------------------------------------------------------------------------------------------


def test_item_computes_provider_fee_and_planned_hours(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    item = care_item(world, plan, weekdays=[5, 1, 3, 3])
    assert item.weekdays == [1, 3, 5]
    assert item.provider == world["provider"]
    assert item.fee_per_month == world["application"].fee_per_month
    assert item.planned_hours == Decimal("2") * rules.planned_visits(plan.period, "weekly", [1, 3, 5])
    [entry] = audited(item, AuditAction.CREATE)
    assert entry.person_id == str(world["person"].pk)
    changed = services.item_save(actor=world["coordinator"], plan=plan, item=item, hours_per_visit=Decimal("1.5"))
    assert changed.planned_hours == Decimal("1.5") * rules.planned_visits(plan.period, "weekly", [1, 3, 5])
    assert audited(item, AuditAction.UPDATE)[0].changed_fields == ["hours_per_visit", "planned_hours"]


def test_item_without_qualification_has_no_fee(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    item = services.item_save(
        actor=world["coordinator"],
        plan=plan,
        service=world["other_service"],
        location=world["other_place"],
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        frequency="monthly",
        weekdays=[],
        hours_per_visit=Decimal("1"),
    )
    assert item.fee_per_month is None
    assert item.provider == world["other_provider"]
    assert item.planned_hours == rules.planned_visits(plan.period, "monthly", [])


def test_item_outside_the_plan_dates_is_refused(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("starts_on", f"The service cannot start before the plan ({plan.starts_on:%d.%m.%Y})."):
        care_item(world, plan, starts_on=plan.starts_on - DAY)
    with refused("ends_on", f"The service cannot end after the plan ({plan.ends_on:%d.%m.%Y})."):
        care_item(world, plan, ends_on=plan.ends_on + DAY)
    with refused("ends_on", "The service cannot end before it starts."):
        care_item(world, plan, starts_on=plan.starts_on + 5 * DAY, ends_on=plan.starts_on + 4 * DAY)


def test_item_at_a_place_where_the_service_is_not_delivered_is_refused(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("location", "The service is not delivered at this place"):
        care_item(world, plan, location=world["other_place"])


def test_item_at_home_needs_no_place(world: dict[str, Any]) -> None:
    assert care_item(world, new_plan(world), location=None).location is None


def test_an_unpublished_service_cannot_be_planned(world: dict[str, Any]) -> None:
    draft = ServiceFactory(municipality=world["municipality"], status=ServiceStatus.DRAFT)
    plan = new_plan(world)
    with refused("service", "Only a published service of the catalog can be planned."):
        care_item(world, plan, service=draft, location=None, application=None)


def test_item_weekdays_are_checked(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("weekdays", "Choose at least one day of the week."):
        care_item(world, plan, weekdays=[])
    with refused("weekdays", "Days of the week are numbers from 1 (Monday) to 7 (Sunday)."):
        care_item(world, plan, weekdays=[8])
    with refused("weekdays", "Days of the week are numbers from 1 (Monday) to 7 (Sunday)."):
        care_item(world, plan, weekdays=["Mon"])


def test_item_qualification_must_fit(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("application", "The application is for another service."):
        care_item(world, plan, service=world["other_service"], location=world["other_place"])
    others = qualified_application(world["municipality"])
    with refused("application", "The qualification must be of the same person as the plan."):
        care_item(world, plan, application=others, service=others.programme_service.service, location=None)


def test_unknown_fields_are_refused(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("provider", "This field cannot be set here."):
        care_item(world, plan, provider=world["other_provider"])
    with refused("status", "This field cannot be changed here."):
        services.plan_update(actor=world["coordinator"], plan=plan, status=PlanStatus.ACTIVE)


def test_goal_target_date_inside_the_plan(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("target_date", "The target date must fall within the plan's dates."):
        services.goal_save(
            actor=world["coordinator"],
            plan=plan,
            description="Cel",
            indicator="miara",
            target="1",
            target_date=plan.ends_on + DAY,
        )


def test_activity_dates_inside_the_plan(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("ends_on", "The date must fall within the plan's dates."):
        services.activity_save(
            actor=world["coordinator"], plan=plan, kind="volunteer", description="Spacer", ends_on=plan.ends_on + DAY
        )
    activity = services.activity_save(
        actor=world["coordinator"], plan=plan, kind="self_help", description="Grupa wsparcia dla opiekunów"
    )
    assert audited(activity, AuditAction.CREATE)


def test_plan_update_keeps_items_inside(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    care_item(world, plan)
    with refused("ends_on", "These services would fall outside the plan's dates"):
        services.plan_update(actor=world["coordinator"], plan=plan, ends_on=plan.ends_on - DAY)
    services.goal_save(
        actor=world["coordinator"],
        plan=plan,
        description="Samodzielne zakupy",
        indicator="wyjścia w tygodniu",
        target="1",
        target_date=plan.starts_on + 150 * DAY,
    )
    services.item_save(actor=world["coordinator"], plan=plan, item=plan.items.get(), ends_on=plan.starts_on + 100 * DAY)
    with refused("ends_on", "The target dates of these goals would fall outside the plan's dates: Samodzielne zakupy."):
        services.plan_update(actor=world["coordinator"], plan=plan, ends_on=plan.starts_on + 120 * DAY)
    updated = services.plan_update(actor=world["coordinator"], plan=plan, needs_summary="Nowe potrzeby")
    assert updated.needs_summary == "Nowe potrzeby"
    assert "needs_summary" in audited(plan)[0].changed_fields


def test_plan_update_checks_the_application_date_and_applications(world: dict[str, Any]) -> None:
    plan = new_plan(world, starts_on=today() + 10 * DAY, ends_on=today() + 200 * DAY)
    with refused("applied_on", "The application date cannot be in the future."):
        services.plan_update(actor=world["coordinator"], plan=plan, applied_on=today() + DAY)
    others = qualified_application(world["municipality"])
    with refused("applications", f"Application {others} is of another person."):
        services.plan_update(actor=world["coordinator"], plan=plan, applications=[others], needs_summary="Zmiana")
    plan.refresh_from_db()
    assert plan.needs_summary == "Potrzebuje pomocy w domu."
    assert list(plan.applications.all()) == [world["application"]]


def test_content_is_not_editable_while_the_plan_is_active(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    message = "its content can be changed only in a draft or an update in preparation"
    with refused(None, message):
        services.need_save(actor=world["coordinator"], plan=plan, description="Nowa potrzeba")
    with refused(None, message):
        care_item(world, plan)
    with refused(None, message):
        services.content_remove(actor=world["coordinator"], instance=plan.goals.get())
    with refused(None, message):
        services.plan_update(actor=world["coordinator"], plan=plan, ends_on=plan.ends_on - DAY)
    with refused(None, message):
        services.record_agreement(actor=world["coordinator"], plan=plan, agreed_on=today(), form="signature")
    # The coordinator may be handed over at any time while the plan is open.
    services.plan_update(actor=world["coordinator"], plan=plan, coordinator=world["other_coordinator"])
    plan.refresh_from_db()
    assert plan.coordinator == world["other_coordinator"]


def test_rows_of_another_plan_cannot_be_changed_through_this_one(world: dict[str, Any]) -> None:
    # An approved plan's rows stay frozen even when passed with another (editable) plan.
    approved = make_plan(world)
    draft = new_plan(world)
    message = "belongs to another plan"
    with refused(None, message):
        services.need_save(actor=world["coordinator"], plan=draft, need=approved.needs.get(), description="Zmiana")
    with refused(None, message):
        services.goal_save(actor=world["coordinator"], plan=draft, goal=approved.goals.get(), target="5")
    care = approved.items.get(service=world["care_service"])
    with refused(None, message):
        services.item_save(actor=world["coordinator"], plan=draft, item=care, hours_per_visit=Decimal("8"))
    activity = SupportingActivity.objects.create(plan=approved, kind="volunteer", description="Spacery")
    with refused(None, message):
        services.activity_save(actor=world["coordinator"], plan=draft, activity=activity, description="Zmiana")
    care.refresh_from_db()
    assert (care.plan_id, care.hours_per_visit) == (approved.pk, Decimal("2"))


def test_content_remove_deletes_and_audits(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    need = services.need_save(actor=world["coordinator"], plan=plan, description="Pomoc w sprzątaniu")
    pk = need.pk
    services.content_remove(actor=world["coordinator"], instance=need)
    assert not Need.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(object_type="plans.need", object_id=str(pk), action=AuditAction.DELETE).exists()


def test_an_item_with_visits_cannot_be_removed_only_ended(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    item = plan.items.get(service=world["care_service"])
    day = max(plan.starts_on, today() - 3 * DAY)
    visit(world, item, day)
    services.start_update(actor=world["coordinator"], plan=plan)
    with refused(None, "Visits were recorded for this service: end it on a date instead of removing it."):
        services.content_remove(actor=world["coordinator"], instance=item)
    with refused("service", "Visits were recorded for this item: end it and add a new one."):
        services.item_save(
            actor=world["coordinator"],
            plan=plan,
            item=item,
            service=world["other_service"],
            location=world["other_place"],
            application=None,
        )
    with refused("ends_on", f"Visits were recorded up to {day:%d.%m.%Y}: the dates must include them."):
        services.item_save(actor=world["coordinator"], plan=plan, item=item, ends_on=day - DAY)


def test_a_goal_with_progress_stays(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    goal = plan.goals.get()
    services.goal_progress(actor=world["coordinator"], goal=goal, progress=30)
    services.start_update(actor=world["coordinator"], plan=plan)
    with refused(None, "Progress was noted on this goal"):
        services.content_remove(actor=world["coordinator"], instance=goal)


# --- ending an item early ------------------------------------------------------------------------------------------


def test_item_end_recomputes_hours_and_audits(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    item = plan.items.get(service=world["care_service"])
    ended = services.item_end(actor=world["coordinator"], item=item, ended_on=today(), reason="Pobyt w szpitalu")
    assert ended.status == ItemStatus.ENDED
    assert ended.ended_on == today()
    assert ended.planned_hours == Decimal("2") * rules.planned_visits(
        rules.Period(item.starts_on, today()), "weekly", [1, 3, 5]
    )
    assert audited(item, message="item ended")


def test_item_end_rules(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    item = plan.items.get(service=world["care_service"])
    with refused("end_reason", "Say why the service ends early."):
        services.item_end(actor=world["coordinator"], item=item, ended_on=today(), reason=" ")
    with refused("ended_on", "The end date must fall within the service's dates"):
        services.item_end(actor=world["coordinator"], item=item, ended_on=item.ends_on + DAY, reason="Koniec")
    later = today() - DAY
    visit(world, item, later)
    with refused("ended_on", f"Visits were recorded up to {later:%d.%m.%Y}: the service cannot end before that."):
        services.item_end(actor=world["coordinator"], item=item, ended_on=later - DAY, reason="Szpital")
    services.item_end(actor=world["coordinator"], item=item, ended_on=later, reason="Szpital")


# --- agreement, submission ------------------------------------------------------------------------------------------


def test_agreement_rules(world: dict[str, Any]) -> None:
    plan = new_plan(world)
    with refused("agreed_on", "The agreement cannot be dated in the future."):
        services.record_agreement(actor=world["coordinator"], plan=plan, agreed_on=today() + DAY, form="signature")
    with refused("agreed_on", "The agreement cannot be earlier than the application."):
        services.record_agreement(
            actor=world["coordinator"], plan=plan, agreed_on=plan.applied_on - DAY, form="signature"
        )
    with refused("agreement_form", ""):
        services.record_agreement(actor=world["coordinator"], plan=plan, agreed_on=today(), form="telepathy")
    services.record_agreement(
        actor=world["coordinator"], plan=plan, agreed_on=today(), form=AgreementForm.ORAL_RECORDED, note=" notatka "
    )
    plan.refresh_from_db()
    assert (plan.agreed_on, plan.agreement_form, plan.agreement_note) == (today(), "oral_recorded", "notatka")
    assert audited(plan, message="agreement recorded")


def test_submission_problems_list_what_is_missing(world: dict[str, Any]) -> None:
    plan = new_plan(world, needs_summary="", applications=[])
    problems = services.submission_problems(plan)
    assert problems == {
        "items": "Plan at least one service.",
        "goals": "Set at least one goal with its indicator.",
        "needs": "Describe the person's needs.",
        "agreed_on": "Record the person's agreement to the plan (art. 38 ust. 1).",
    }
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.submit(actor=world["coordinator"], plan=plan)
    assert set(caught.value.message_dict) == set(problems)
    assert counts() == before
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.drawn_up_on is None


def test_a_need_row_is_enough_without_a_summary(world: dict[str, Any]) -> None:
    plan = new_plan(world, needs_summary="", applications=[])
    services.need_save(actor=world["coordinator"], plan=plan, description="Zakupy")
    assert "needs" not in services.submission_problems(plan)


def test_submit_freezes_the_content(world: dict[str, Any]) -> None:
    plan = ready_plan(world)
    version = services.submit(actor=world["coordinator"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert (version.number, version.status, version.submitted_by) == (1, VersionStatus.SUBMITTED, world["coordinator"])
    assert len(version.content["items"]) == 1 and len(version.content["goals"]) == 1
    assert audited(version, AuditAction.CREATE)
    assert audited(plan, message="submitted for approval")
    with refused(None, "its content can be changed only in a draft"):
        services.submit(actor=world["coordinator"], plan=plan)


# --- approval (art. 41) --------------------------------------------------------------------------------------------


def submitted(world: dict[str, Any], **changes: Any) -> ServicePlan:
    plan = ready_plan(world)
    if changes:
        services.plan_update(actor=world["coordinator"], plan=plan, **changes)
    services.submit(actor=world["coordinator"], plan=plan)
    plan.refresh_from_db()
    return plan


def test_the_director_approves(world: dict[str, Any]) -> None:
    plan = submitted(world)
    version = services.approve(actor=world["director"], plan=plan, note=" W porządku. ")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert version.status == VersionStatus.APPROVED
    assert version.decided_by == world["director"]
    assert version.decided_by_label == "Dyrektor Testowa"
    assert version.delegation is None
    assert version.decision_note == "W porządku."
    assert audited(version, message="approved") and audited(plan, message="approved")


def test_an_authorised_organiser_approves_under_the_delegation(world: dict[str, Any]) -> None:
    plan = submitted(world)
    version = services.approve(actor=world["organiser"], plan=plan)
    delegation = ApprovalDelegation.objects.get(delegate=world["organiser"])
    assert version.delegation == delegation
    assert version.decided_by_label == "Organizator Upoważniony (UP/1/2026)"
    assert services.approval_right(world["organiser"], plan, today()) == (True, delegation)
    assert services.approval_right(world["director"], plan, today()) == (True, None)


def assert_approval_denied(world: dict[str, Any], actor: Any, plan: ServicePlan, message: str) -> None:
    denied_before = AuditEntry.objects.filter(action=AuditAction.DENIED).count()
    with refused(None, message):
        services.approve(actor=actor, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.versions.get().status == VersionStatus.SUBMITTED
    denied = AuditEntry.objects.filter(action=AuditAction.DENIED, object_id=str(plan.pk))
    assert denied.count() == denied_before + 1
    entry = denied.first()
    assert entry is not None
    assert (entry.actor, entry.purpose) == (actor, "plans.approve_serviceplan")
    assert entry.person_id == str(world["person"].pk)


NO_RIGHT = "Only the director, or a services organiser with the director's written authorisation, approves plans"


def test_an_organiser_without_authorisation_is_refused_and_audited(world: dict[str, Any]) -> None:
    plan = submitted(world)
    assert services.approval_right(world["plain_organiser"], plan, today()) == (False, None)
    assert_approval_denied(world, world["plain_organiser"], plan, NO_RIGHT)


def test_an_expired_authorisation_is_refused(world: dict[str, Any]) -> None:
    services.delegation_grant(
        actor=world["director"],
        municipality_id=world["municipality"].pk,
        delegate=world["plain_organiser"],
        document_reference="UP/2/2026",
        granted_on=datetime.date(2026, 1, 2),
        valid_from=datetime.date(2026, 1, 2),
        valid_to=today() - DAY,
    )
    plan = submitted(world)
    assert_approval_denied(world, world["plain_organiser"], plan, NO_RIGHT)


def test_a_revoked_authorisation_is_refused(world: dict[str, Any]) -> None:
    delegation = ApprovalDelegation.objects.get(delegate=world["organiser"])
    services.delegation_revoke(actor=world["director"], delegation=delegation, revoked_on=today() - DAY)
    plan = submitted(world)
    assert_approval_denied(world, world["organiser"], plan, NO_RIGHT)


def test_an_authorisation_not_yet_valid_is_refused(world: dict[str, Any]) -> None:
    services.delegation_grant(
        actor=world["director"],
        municipality_id=world["municipality"].pk,
        delegate=world["plain_organiser"],
        document_reference="UP/3/2026",
        granted_on=today(),
        valid_from=today() + DAY,
    )
    plan = submitted(world)
    assert_approval_denied(world, world["plain_organiser"], plan, NO_RIGHT)


def test_a_coordinator_cannot_approve(world: dict[str, Any]) -> None:
    plan = submitted(world)
    assert_approval_denied(world, world["coordinator"], plan, NO_RIGHT)
    with refused(None, NO_RIGHT):
        services.return_for_changes(actor=world["coordinator"], plan=plan, note="Popraw")


def test_the_organiser_coordinating_the_plan_cannot_approve_it_under_delegation(world: dict[str, Any]) -> None:
    plan = submitted(world, coordinator=world["organiser"])
    with refused(None, "You coordinate this plan: another authorised person must approve it."):
        services.approve(actor=world["organiser"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    services.approve(actor=world["director"], plan=plan)


def test_only_a_submitted_plan_is_approved(world: dict[str, Any]) -> None:
    plan = ready_plan(world)
    with refused(None, "The plan is not awaiting approval."):
        services.approve(actor=world["director"], plan=plan)


def test_return_for_changes_makes_a_new_draft_version(world: dict[str, Any]) -> None:
    plan = submitted(world)
    with refused("note", "Say what must change."):
        services.return_for_changes(actor=world["director"], plan=plan, note=" ")
    version = services.return_for_changes(actor=world["director"], plan=plan, note="Dodaj cel dotyczący zdrowia.")
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.DRAFT, 2)
    assert (version.status, version.decision_note) == (VersionStatus.RETURNED, "Dodaj cel dotyczący zdrowia.")
    assert audited(plan, message="returned for changes")
    second = services.submit(actor=world["coordinator"], plan=plan)
    assert second.number == 2
    services.approve(actor=world["director"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert list(plan.versions.values_list("number", "status")) == [
        (1, VersionStatus.RETURNED),
        (2, VersionStatus.APPROVED),
    ]


def test_an_update_is_a_new_version_approved_again(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    coordinator = world["coordinator"]
    draft = ready_plan(world)
    with refused(None, "Only an approved plan in progress can be updated."):
        services.start_update(actor=coordinator, plan=draft)
    services.start_update(actor=coordinator, plan=plan)
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.UPDATING, 2)
    assert audited(plan, message="update started")
    services.need_save(actor=coordinator, plan=plan, description="Rehabilitacja po złamaniu")
    # The update needs its reason and a fresh agreement of the person.
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.submit(actor=coordinator, plan=plan)
    assert caught.value.message_dict == {
        "agreed_on": ["Record the person's agreement to this update."],
        "reason": ["Say why the plan is updated (changed needs, a new programme, …)."],
    }
    assert counts() == before
    services.record_agreement(actor=coordinator, plan=plan, agreed_on=today(), form=AgreementForm.SIGNATURE)
    version = services.submit(actor=coordinator, plan=plan, reason="Nowa potrzeba po złamaniu ręki.")
    plan.refresh_from_db()
    assert (plan.status, version.number, version.reason) == (
        PlanStatus.UPDATE_SUBMITTED,
        2,
        "Nowa potrzeba po złamaniu ręki.",
    )
    # Returned update goes back to "updating", not to a draft.
    services.return_for_changes(actor=world["director"], plan=plan, note="Brakuje terminu rehabilitacji.")
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.UPDATING, 3)
    services.submit(actor=coordinator, plan=plan, reason="Nowa potrzeba po złamaniu ręki.")
    services.approve(actor=world["organiser"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert list(plan.versions.values_list("number", "status")) == [
        (1, VersionStatus.APPROVED),
        (2, VersionStatus.RETURNED),
        (3, VersionStatus.APPROVED),
    ]


def test_delivery_goes_on_during_an_update(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    services.start_update(actor=world["coordinator"], plan=plan)
    item = plan.items.get(service=world["care_service"])
    assert visit(world, item, today() - DAY).item == item


# --- cancel --------------------------------------------------------------------------------------------------------


def test_cancel_a_plan_not_yet_approved(world: dict[str, Any]) -> None:
    plan = submitted(world)
    with refused("reason", "Say why the plan is cancelled."):
        services.cancel(actor=world["coordinator"], plan=plan, reason="")
    services.cancel(actor=world["coordinator"], plan=plan, reason="Osoba wycofała zgodę.")
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on, plan.closing_reason_details) == (
        PlanStatus.CANCELLED,
        today(),
        "Osoba wycofała zgodę.",
    )
    assert plan.versions.get().status == VersionStatus.RETURNED
    assert audited(plan, message="cancelled")
    with refused(None, "The plan was cancelled."):
        services.note_add(actor=world["coordinator"], plan=plan, kind="note", text="x")


def test_an_approved_plan_is_closed_not_cancelled(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    with refused(None, "Only a plan not yet approved can be cancelled; an approved plan is closed."):
        services.cancel(actor=world["coordinator"], plan=plan, reason="Rezygnacja")


# --- monitoring ----------------------------------------------------------------------------------------------------


def test_monitoring_note(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    with refused("noted_on", "A note cannot be dated in the future."):
        services.note_add(actor=world["coordinator"], plan=plan, kind="phone", text="Telefon", noted_on=today() + DAY)
    with refused("text", ""):
        services.note_add(actor=world["coordinator"], plan=plan, kind="phone", text="  ")
    note = services.note_add(actor=world["coordinator"], plan=plan, kind="home_visit", text=" Wizyta w domu. ")
    assert (note.text, note.noted_on, note.author) == ("Wizyta w domu.", today(), world["coordinator"])
    assert audited(note, AuditAction.CREATE)[0].person_id == str(world["person"].pk)


def test_goal_progress(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    goal = plan.goals.get()
    entry = services.goal_progress(actor=world["coordinator"], goal=goal, progress=40, value="1", note=" Pierwsze ")
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (40, GoalStatus.OPEN)
    assert (entry.note, entry.author) == ("Pierwsze", world["coordinator"])
    assert audited(entry, AuditAction.CREATE) and audited(goal)
    services.goal_progress(actor=world["coordinator"], goal=goal, progress=100)
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (100, GoalStatus.ACHIEVED)
    services.goal_progress(actor=world["coordinator"], goal=goal, progress=60, status=GoalStatus.PARTLY)
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (60, GoalStatus.PARTLY)
    with refused("noted_on", "Progress cannot be dated in the future."):
        services.goal_progress(actor=world["coordinator"], goal=goal, progress=70, noted_on=today() + DAY)
    with refused("progress", ""):
        services.goal_progress(actor=world["coordinator"], goal=goal, progress=101)
    with refused("status", "Choose a status from the list."):
        services.goal_progress(actor=world["coordinator"], goal=goal, progress=70, status="brilliant")
    goal.refresh_from_db()
    assert (goal.progress, goal.status) == (60, GoalStatus.PARTLY)


def test_goal_progress_only_on_a_plan_in_progress(world: dict[str, Any]) -> None:
    plan = ready_plan(world)
    with refused(None, "Progress is noted on a plan in progress."):
        services.goal_progress(actor=world["coordinator"], goal=plan.goals.get(), progress=10)


# --- closing (art. 45) ---------------------------------------------------------------------------------------------

COURSE = (
    "Usługi opiekuńcze realizowano trzy razy w tygodniu zgodnie z planem. Pani odzyskała sprawność po "
    "złamaniu i robi zakupy sama."
)


def close(world: dict[str, Any], plan: ServicePlan, **changes: Any) -> ServicePlan:
    fields: dict[str, Any] = {
        "actor": world["coordinator"],
        "plan": plan,
        "closed_on": today(),
        "reason": ClosingReason.RESIGNATION,
        "reason_details": "Rezygnacja złożona pisemnie.",
        "interview_on": today(),
        "interview_notes": "Osoba zadowolona, chce radzić sobie sama.",
        "course_description": COURSE,
        "goal_outcomes": {goal.pk: GoalStatus.PARTLY for goal in plan.goals.all()},
    }
    fields.update(changes)
    return services.close(**fields)


def test_close_ends_items_records_outcomes_and_audits(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    goal = plan.goals.get()
    closed = close(world, plan, goal_outcomes={goal.pk: GoalStatus.NOT_ACHIEVED})
    assert closed.status == PlanStatus.CLOSED
    assert (closed.closed_on, closed.closing_reason, closed.course_description) == (
        today(),
        ClosingReason.RESIGNATION,
        COURSE,
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.NOT_ACHIEVED
    for item in plan.items.all():
        assert item.ended_on == max(today(), item.starts_on) or item.ends_on <= today()
        if item.ends_on > today():
            assert item.status == ItemStatus.ENDED
            assert item.end_reason == "The plan was closed."
            assert audited(item, message="ended with the plan")
    assert audited(plan, message="closed")
    assert audited(goal, message="outcome at closing")
    with refused(None, "Only an approved plan in progress can be closed"):
        close(world, plan)


def test_close_needs_the_interview_and_the_description(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    with refused("closing_interview_on", "Record the date of the closing interview (art. 45)."):
        close(world, plan, interview_on=None)
    with refused("closing_interview_notes", "Record what the closing interview found."):
        close(world, plan, interview_notes=" ")
    with refused("course_description", "Write the description of the course and results of the plan (art. 45)"):
        close(world, plan, course_description="Zakończono.")
    with refused("closing_interview_on", "The closing interview falls between the plan's start and today."):
        close(world, plan, interview_on=today() + DAY)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_close_reason_rules(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    with refused("closing_reason", f"The planned end is {plan.ends_on:%d.%m.%Y}: choose another reason"):
        close(world, plan, reason=ClosingReason.PLANNED_END)
    with refused("closing_reason", "Choose the reason for closing."):
        close(world, plan, reason="boredom")
    with refused("closing_reason_details", "Describe the grounds for closing."):
        close(world, plan, reason=ClosingReason.OTHER, reason_details="")
    with refused("closed_on", "A plan is closed on a past or today's date."):
        close(world, plan, closed_on=today() + DAY)
    with refused("closed_on", "The plan cannot close before it started."):
        close(world, plan, closed_on=plan.starts_on - DAY)


def test_goals_met_needs_every_goal_achieved(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    goal = plan.goals.get()
    with refused("closing_reason", "Not every goal is achieved: choose another reason."):
        close(world, plan, reason=ClosingReason.GOALS_MET, goal_outcomes={goal.pk: GoalStatus.PARTLY})
    closed = close(world, plan, reason=ClosingReason.GOALS_MET, goal_outcomes={goal.pk: GoalStatus.ACHIEVED})
    assert closed.closing_reason == ClosingReason.GOALS_MET


def test_every_goal_needs_its_outcome(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    goal = plan.goals.get()
    with refused(f"goal_{goal.pk}", "Record the outcome of the goal"):
        close(world, plan, goal_outcomes={})
    with refused(f"goal_{goal.pk}", "Record the outcome of the goal"):
        close(world, plan, goal_outcomes={goal.pk: GoalStatus.OPEN})


def test_a_plan_cannot_close_before_its_last_recorded_visit(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    care = plan.items.get(service=world["care_service"])
    last = today() - 2 * DAY
    visit(world, care, last)
    with refused("closed_on", f"Visits were recorded up to {last:%d.%m.%Y}: the plan cannot close before that."):
        close(world, plan, closed_on=last - DAY, interview_on=last - DAY)
    closed = close(world, plan, closed_on=last, interview_on=last)
    assert closed.closed_on == last


def test_an_item_ended_after_the_closing_date_ends_with_the_plan(world: dict[str, Any]) -> None:
    plan = make_plan(world)
    care = plan.items.get(service=world["care_service"])
    services.item_end(actor=world["coordinator"], item=care, ended_on=today() + 20 * DAY, reason="Wyjazd do córki")
    close(world, plan)
    care.refresh_from_db()
    assert care.ended_on == today()
    assert care.planned_hours == care.compute_planned_hours()


def test_close_on_the_planned_end(world: dict[str, Any]) -> None:
    plan = make_plan(world, starts_on=today() - 300 * DAY)
    assert plan.ends_on == today()
    closed = close(world, plan, reason=ClosingReason.PLANNED_END, reason_details="")
    assert closed.status == PlanStatus.CLOSED
    with pytest.raises(ValidationError):
        services.plan_update(actor=world["coordinator"], plan=plan, coordinator=world["other_coordinator"])


# --- the director's authorisation, coordinators' meetings ----------------------------------------------------------


def test_delegation_grant_only_by_the_director_to_an_organiser(world: dict[str, Any]) -> None:
    fields = {
        "municipality_id": world["municipality"].pk,
        "document_reference": " UP/9/2026 ",
        "granted_on": today(),
        "valid_from": today(),
    }
    with refused(None, "Only the director authorises others to approve plans."):
        services.delegation_grant(actor=world["organiser"], delegate=world["plain_organiser"], **fields)
    with refused("delegate", "Only a services organiser of the centre can be authorised."):
        services.delegation_grant(actor=world["director"], delegate=world["coordinator"], **fields)
    with refused("valid_to", "The authorisation cannot end before it starts."):
        services.delegation_grant(
            actor=world["director"], delegate=world["plain_organiser"], valid_to=today() - DAY, **fields
        )
    with refused("valid_from", "An authorisation cannot take effect before the day it was granted in writing."):
        services.delegation_grant(
            actor=world["director"], delegate=world["plain_organiser"], **{**fields, "valid_from": today() - DAY}
        )
    delegation = services.delegation_grant(actor=world["director"], delegate=world["plain_organiser"], **fields)
    assert (delegation.document_reference, delegation.granted_by) == ("UP/9/2026", world["director"])
    assert audited(delegation, AuditAction.CREATE)
    with refused(None, "Only the director revokes an authorisation."):
        services.delegation_revoke(actor=world["organiser"], delegation=delegation, revoked_on=today())
    with refused("revoked_on", "The revocation cannot precede the start of the authorisation."):
        services.delegation_revoke(actor=world["director"], delegation=delegation, revoked_on=today() - DAY)
    services.delegation_revoke(actor=world["director"], delegation=delegation, revoked_on=today())
    assert audited(delegation, message="revoked")
    assert not delegation.is_valid_on(today() + DAY)
    assert delegation.is_valid_on(today())


def test_meeting_record_rules(world: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "actor": world["organiser"],
        "centre": world["centre"],
        "municipality_id": world["municipality"].pk,
        "held_on": today() - DAY,
        "participants": [world["coordinator"], world["other_coordinator"]],
        "agenda": "Przegląd planów",
        "minutes": "Omówiono plany kończące się w najbliższym miesiącu.",
    }
    meetings = CoordinatorMeeting.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(**{**fields, "held_on": today() + DAY, "participants": []})
    assert caught.value.message_dict == {
        "held_on": ["Record a meeting that has taken place."],
        "participants": ["Choose who took part."],
    }
    stranger = UserFactory(roles=[Role.IPUS_COORDINATOR])
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(**{**fields, "participants": [world["coordinator"], stranger]})
    assert caught.value.message_dict == {"participants": ["Participants are staff of the centre."]}
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(**{**fields, "agenda": " "})
    assert "agenda" in caught.value.message_dict
    assert CoordinatorMeeting.objects.count() == meetings
    meeting = services.meeting_record(**fields)
    assert set(meeting.participants.all()) == {world["coordinator"], world["other_coordinator"]}
    assert meeting.recorded_by == world["organiser"]
    assert audited(meeting, AuditAction.CREATE)
    assert rules.next_meeting_due(meeting.held_on, first_plan_on=None) == rules.add_months(today() - DAY, 3)
