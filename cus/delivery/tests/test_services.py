"""The rules of recording delivery: dates, overlaps, missed visits, the provider's correction window and late
corrections decided by the coordinator; every write audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.delivery import services
from cus.delivery.models import CorrectionRequest, CorrectionStatus, DeliveryRecord, ProviderStaff, RecordStatus
from cus.delivery.tests.factories import item_of, visit
from cus.plans import services as plan_services
from cus.plans.tests.factories import make_plan, plan_world, provider_user

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.timedelta(days=1)


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_a_visit_is_recorded_with_the_provider_and_audited(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    record = visit(user, world["item"], worker_name="  Maria   Opiekunka ")
    assert record.provider_id == world["provider"].pk
    assert record.worker_name == "Maria   Opiekunka"
    assert record.worker_key == "maria opiekunka"
    assert record.recorded_by == user
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(record.pk))
    assert entry.actor == user
    assert entry.person_id == str(world["person"].pk)


def test_a_visit_outside_the_item_dates_is_refused_and_nothing_is_saved(world: dict[str, Any]) -> None:
    item = world["item"]
    with pytest.raises(ValidationError) as exc:
        visit(world["provider_user"], item, date=item.starts_on - YESTERDAY)
    assert "must fall within the service's dates" in _errors(exc)["date"][0]
    assert not DeliveryRecord.objects.exists()


def test_a_visit_in_the_future_is_refused(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        visit(world["provider_user"], world["item"], date=timezone.localdate() + YESTERDAY)
    assert _errors(exc)["date"] == ["A visit cannot be recorded in advance."]


def test_a_visit_past_midnight_is_refused(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        visit(world["provider_user"], world["item"], start_time=datetime.time(23, 0), minutes=120)
    assert "must end the same day" in _errors(exc)["minutes"][0]


def test_overlapping_visits_of_one_worker_are_refused(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    visit(user, world["item"], start_time=datetime.time(9, 0), minutes=120)
    with pytest.raises(ValidationError) as exc:
        visit(user, world["item"], start_time=datetime.time(10, 0), minutes=60, worker_name="maria  OPIEKUNKA")
    assert "already has a visit from 09:00 to 11:00" in _errors(exc)["start_time"][0]
    assert DeliveryRecord.objects.count() == 1


def test_overlap_is_checked_across_two_items_of_the_same_provider(world: dict[str, Any]) -> None:
    """The same worker cannot be with two people at once, whichever plan the second item belongs to."""
    from cus.plans.tests.factories import qualified_application

    application = qualified_application(world["municipality"])
    # A second plan of another person with an item of the same provider.
    other_plan = plan_services.plan_create(
        actor=world["coordinator"],
        person=application.person,
        coordinator=world["coordinator"],
        applications=[],
        applied_on=world["plan"].applied_on,
        starts_on=world["plan"].starts_on,
        ends_on=world["plan"].ends_on,
        needs_summary="Pomoc w domu.",
    )
    plan_services.goal_save(
        actor=world["coordinator"],
        plan=other_plan,
        description="Samodzielność.",
        indicator="Liczba wyjść",
        baseline="0",
        target="1",
        target_date=other_plan.ends_on,
    )
    plan_services.item_save(
        actor=world["coordinator"],
        plan=other_plan,
        service=world["care_service"],
        location=world["care_place"],
        starts_on=other_plan.starts_on,
        ends_on=other_plan.ends_on,
        frequency="weekly",
        weekdays=[2, 4],
        time_from=datetime.time(10, 0),
        hours_per_visit=Decimal("2"),
    )
    plan_services.record_agreement(
        actor=world["coordinator"], plan=other_plan, agreed_on=other_plan.starts_on, form="signature"
    )
    plan_services.submit(actor=world["coordinator"], plan=other_plan)
    plan_services.approve(actor=world["director"], plan=other_plan)
    second_item = item_of(other_plan, world["provider"])

    user = world["provider_user"]
    visit(user, world["item"], start_time=datetime.time(9, 0), minutes=120)
    with pytest.raises(ValidationError) as exc:
        visit(user, second_item, start_time=datetime.time(10, 30), minutes=60)
    assert "visits of one worker cannot overlap" in _errors(exc)["start_time"][0]
    # Touching visits (one ends when the next starts) do not overlap.
    touching = visit(user, second_item, start_time=datetime.time(11, 0), minutes=60)
    assert touching.pk


def test_touching_visits_and_another_worker_do_not_overlap(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    visit(user, world["item"], start_time=datetime.time(9, 0), minutes=60)
    visit(user, world["item"], start_time=datetime.time(10, 0), minutes=60)
    visit(user, world["item"], start_time=datetime.time(9, 30), minutes=60, worker_name="Jan Drugi")
    assert DeliveryRecord.objects.count() == 3


def test_a_cancelled_record_does_not_block_the_time(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    record = visit(user, world["item"])
    services.correct(actor=user, record=record, status=RecordStatus.CANCELLED)
    assert visit(user, world["item"]).pk


def test_a_missed_visit_needs_a_reason(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    with pytest.raises(ValidationError) as exc:
        visit(user, world["item"], status=RecordStatus.MISSED)
    assert _errors(exc)["missed_reason"] == ["Say why the visit did not take place."]
    record = visit(user, world["item"], status=RecordStatus.MISSED, missed_reason="person_hospital")
    assert record.missed_reason == "person_hospital"


def test_a_provider_cannot_record_for_an_item_of_another_provider(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    with pytest.raises(PermissionDenied):
        visit(user, world["other_item"])
    assert not DeliveryRecord.objects.exists()
    denied = AuditEntry.objects.get(action=AuditAction.DENIED, actor=user)
    assert denied.object_id == str(world["other_item"].pk)


def test_no_visit_for_a_plan_not_being_delivered() -> None:
    world = plan_world()
    plan = make_plan(world, approved=False)
    with pytest.raises(PermissionDenied):
        visit(world["provider_user"], item_of(plan, world["provider"]))


def test_unknown_fields_are_refused(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        visit(world["provider_user"], world["item"], provider_id=world["other_provider"].pk)
    assert "provider_id" in _errors(exc)


def test_the_author_corrects_their_record_within_the_window_audited(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    record = visit(user, world["item"])
    services.correct(actor=user, record=record, minutes=90, notes="Zakupy i sprzątanie.")
    record.refresh_from_db()
    assert (record.minutes, record.corrected_by) == (90, user)
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(record.pk))
    assert {"minutes", "notes"} <= set(entry.changed_fields)
    assert (entry.before["minutes"], entry.after["minutes"]) == (120, 90)


def test_after_the_window_the_author_must_ask_the_coordinator(world: dict[str, Any]) -> None:
    user = world["provider_user"]
    record = visit(user, world["item"])
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=8))
    with pytest.raises(ValidationError) as exc:
        services.correct(actor=user, record=record, minutes=90)
    assert "send a correction request" in exc.value.messages[0]
    record.refresh_from_db()
    assert record.minutes == 120


@override_settings(CUS_DELIVERY_CORRECTION_DAYS=0)
def test_the_window_is_a_setting(world: dict[str, Any]) -> None:
    record = visit(world["provider_user"], world["item"])
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.correct(actor=world["provider_user"], record=record, minutes=90)


def test_someone_elses_record_cannot_be_corrected_by_a_colleague(world: dict[str, Any]) -> None:
    record = visit(world["provider_user"], world["item"])
    colleague = provider_user(world["provider"], world["centre"], full_name="Koleżanka Realizatora")
    with pytest.raises(PermissionDenied):
        services.correct(actor=colleague, record=record, minutes=60)
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, actor=colleague, object_id=str(record.pk)).exists()
    record.refresh_from_db()
    assert record.minutes == 120


def test_another_provider_cannot_correct_or_request(world: dict[str, Any]) -> None:
    record = visit(world["provider_user"], world["item"])
    stranger = world["other_provider_user"]
    with pytest.raises(PermissionDenied):
        services.correct(actor=stranger, record=record, minutes=60)
    with pytest.raises(PermissionDenied):
        services.request_correction(actor=stranger, record=record, reason="x", minutes=60)
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, actor=stranger).count() == 2


def test_the_coordinator_corrects_any_record_at_any_time(world: dict[str, Any]) -> None:
    record = visit(world["provider_user"], world["item"])
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=30))
    services.correct(actor=world["coordinator"], record=record, minutes=60)
    record.refresh_from_db()
    assert (record.minutes, record.corrected_by) == (60, world["coordinator"])


def _late_request(world: dict[str, Any], **changes: Any) -> Any:
    record = visit(world["provider_user"], world["item"])
    DeliveryRecord.objects.filter(pk=record.pk).update(recorded_at=timezone.now() - datetime.timedelta(days=10))
    return services.request_correction(
        actor=world["provider_user"], record=record, reason="Pomyłka w godzinie.", **changes
    )


def test_a_late_correction_accepted_is_applied(world: dict[str, Any]) -> None:
    request = _late_request(world, start_time=datetime.time(8, 0), minutes=90)
    assert request.changes == {"start_time": "08:00:00", "minutes": 90}
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(request.pk)).exists()
    services.decide_correction(actor=world["coordinator"], request=request, accept=True)
    request.refresh_from_db()
    record = request.record
    record.refresh_from_db()
    assert request.status == CorrectionStatus.ACCEPTED
    assert (record.start_time, record.minutes, record.corrected_by) == (datetime.time(8, 0), 90, world["coordinator"])
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(request.pk), message="accepted").exists()


def test_a_late_correction_rejected_needs_a_note_and_is_not_applied(world: dict[str, Any]) -> None:
    request = _late_request(world, minutes=30)
    with pytest.raises(ValidationError) as exc:
        services.decide_correction(actor=world["coordinator"], request=request, accept=False)
    assert "decision_note" in _errors(exc)
    services.decide_correction(actor=world["coordinator"], request=request, accept=False, note="Niezgodne z kartą.")
    request.refresh_from_db()
    request.record.refresh_from_db()
    assert request.status == CorrectionStatus.REJECTED
    assert request.record.minutes == 120
    with pytest.raises(ValidationError):
        services.decide_correction(actor=world["coordinator"], request=request, accept=True)


def test_an_impossible_correction_is_refused_at_the_request(world: dict[str, Any]) -> None:
    record = visit(world["provider_user"], world["item"])
    with pytest.raises(ValidationError) as exc:
        services.request_correction(
            actor=world["provider_user"], record=record, reason="x", date=timezone.localdate() + YESTERDAY
        )
    assert "date" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.request_correction(actor=world["provider_user"], record=record, reason=" ")
    assert {"reason", "changes"} <= set(_errors(exc))


def test_a_second_pending_correction_of_a_record_is_refused(world: dict[str, Any]) -> None:
    request = _late_request(world, minutes=30)
    pending = CorrectionRequest.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.request_correction(
            actor=world["provider_user"], record=request.record, reason="Jeszcze raz.", minutes=45
        )
    assert "already waiting for the coordinator's decision" in " ".join(_errors(exc)["__all__"])
    assert CorrectionRequest.objects.count() == pending
    services.decide_correction(actor=world["coordinator"], request=request, accept=False, note="Niezgodne z kartą.")
    again = services.request_correction(
        actor=world["provider_user"], record=request.record, reason="Poprawiona karta.", minutes=45
    )
    assert again.status == CorrectionStatus.PENDING


def test_a_provider_cannot_decide_a_correction(world: dict[str, Any]) -> None:
    request = _late_request(world, minutes=30)
    with pytest.raises(PermissionDenied):
        services.decide_correction(actor=world["provider_user"], request=request, accept=True)


# --- links of provider users ------------------------------------------------------------------------------------


def test_the_administrator_links_and_unlinks_a_provider_user_audited(world: dict[str, Any]) -> None:
    admin = UserFactory(centre=world["centre"], roles=[Role.ADMINISTRATOR])
    user = UserFactory(centre=world["centre"], roles=[Role.PROVIDER_STAFF])
    link = services.staff_link(actor=admin, user=user, organization=world["other_provider"])
    assert services.provider_of(user) == world["other_provider"].pk
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(link.pk), actor=admin).exists()
    with pytest.raises(ValidationError) as exc:
        services.staff_link(actor=admin, user=user, organization=world["provider"])
    assert "already linked" in _errors(exc)["user"][0]
    services.staff_unlink(actor=admin, link=link)
    assert not ProviderStaff.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(link.pk), actor=admin).exists()


def test_only_provider_staff_of_the_centre_can_be_linked(world: dict[str, Any]) -> None:
    admin = UserFactory(centre=world["centre"], roles=[Role.ADMINISTRATOR])
    with pytest.raises(ValidationError) as exc:
        services.staff_link(actor=admin, user=world["coordinator"], organization=world["provider"])
    assert "provider staff role" in _errors(exc)["user"][0]
    from cus.catalog.tests.factories import OrganizationFactory

    elsewhere = OrganizationFactory()
    user = UserFactory(centre=world["centre"], roles=[Role.PROVIDER_STAFF])
    with pytest.raises(ValidationError) as exc:
        services.staff_link(actor=admin, user=user, organization=elsewhere)
    assert "organization" in _errors(exc)
