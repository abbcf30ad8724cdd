"""The demo plans and delivery records: built by the demo command in every stage of the work, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cus.core.models import Municipality
from cus.delivery.models import CorrectionStatus, DeliveryRecord, ProviderStaff, RecordStatus
from cus.plans import rules, services
from cus.plans.models import ApprovalDelegation, CoordinatorMeeting, PlanStatus, ServicePlan

pytestmark = pytest.mark.django_db


def test_the_demo_builds_plans_in_every_stage_once() -> None:
    call_command("demo", stdout=io.StringIO())
    municipality = Municipality.objects.get(teryt="1499011")
    plans = {plan.person.first_name: plan for plan in ServicePlan.objects.select_related("person")}
    assert {name: plan.status for name, plan in plans.items()} == {
        "Halina": PlanStatus.ACTIVE,
        "Irena": PlanStatus.UPDATING,
        "Józef": PlanStatus.SUBMITTED,
        "Wiesława": PlanStatus.DRAFT,
        "Czesław": PlanStatus.DRAFT,
        "Dominik": PlanStatus.CLOSED,
    }
    assert all(plan.municipality_id == municipality.pk for plan in plans.values())
    today = timezone.localdate()
    # The drafts: one without the person's agreement, one past the 30-day deadline.
    assert "agreed_on" in services.submission_problems(plans["Wiesława"])
    assert not plans["Wiesława"].draw_up_overdue(today)
    assert plans["Czesław"].draw_up_overdue(today)
    # Approved plans were drawn up in time; one approval under the organiser's authorisation.
    assert not plans["Halina"].draw_up_overdue(today)
    delegation = ApprovalDelegation.objects.get()
    assert plans["Irena"].versions.get(number=1).delegation == delegation
    # The provider's staff account records the care visits: one not delivered, one missing, one late correction.
    link = ProviderStaff.objects.select_related("user").get()
    assert link.user.email.startswith("realizator@")
    care = plans["Halina"].items.get(provider=link.organization)
    records = list(care.deliveries.all())
    assert {record.recorded_by for record in records} == {link.user}
    assert sum(record.status == RecordStatus.MISSED for record in records) == 1
    assert (
        len(
            rules.missed_visit_days(
                care.period, care.frequency, care.weekday_list, [r.date for r in records], today=today
            )
        )
        == 1
    )
    assert DeliveryRecord.objects.filter(correction_requests__status=CorrectionStatus.PENDING).count() == 1
    assert plans["Dominik"].course_description and plans["Dominik"].closing_interview_on
    assert plans["Halina"].goals.filter(progress__gt=0).count() == 2
    assert plans["Halina"].monitoring_notes.exists()
    # The coordinators' meeting was four months ago: the next one is overdue.
    meeting = CoordinatorMeeting.objects.get()
    assert rules.next_meeting_due(meeting.held_on, first_plan_on=None) < today

    counts = (ServicePlan.objects.count(), DeliveryRecord.objects.count(), ProviderStaff.objects.count())
    call_command("demo", stdout=io.StringIO())
    assert (ServicePlan.objects.count(), DeliveryRecord.objects.count(), ProviderStaff.objects.count()) == counts
    assert CoordinatorMeeting.objects.count() == 1 and ApprovalDelegation.objects.count() == 1
