"""The services organiser's pages (summary, meetings, authorisations) and the plan's documents: what each role may do,
what is saved and audited, and that another centre's records stay out of reach."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cus.audit.models import AuditAction, AuditEntry
from cus.core.tests.pdf_utils import pdf_page_count, pdf_text
from cus.plans import rules, services
from cus.plans.models import ApprovalDelegation, ClosingReason, CoordinatorMeeting, GoalStatus, ServicePlan
from cus.plans.tests.factories import make_plan, plan_world

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world() -> dict[str, Any]:
    return plan_world()


@pytest.fixture
def plan(world: dict[str, Any]) -> ServicePlan:
    return make_plan(world)


def _as(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


# --- the summary -------------------------------------------------------------------------------------------------


def test_summary_page_for_the_organiser(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    half = "2026-2" if timezone.localdate().month > 6 else "2026-1"
    response = _as(client, world["organiser"]).get(f"/plans/organiser/summary/?half={half}")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.total.plans == 1
    page = response.content.decode()
    assert "Plans by status at the end of the half-year" in page
    assert world["care_service"].name in page
    assert "By municipality of the joint centre" not in page  # one municipality
    assert f"/plans/organiser/summary.pdf?half={half}" in page


def test_summary_default_half_and_bad_input(client: Client, world: dict[str, Any]) -> None:
    client = _as(client, world["director"])
    response = client.get("/plans/organiser/summary/")
    assert response.status_code == 200
    assert response.context["summary"] is not None
    bad = client.get("/plans/organiser/summary/?half=2026-7")
    assert bad.status_code == 200
    assert bad.context["summary"] is None
    assert bad.context["form"].errors["half"]
    assert client.get("/plans/organiser/summary.pdf?half=nonsense").status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "provider_user"])
def test_summary_refused_to_others(client: Client, world: dict[str, Any], who: str) -> None:
    client = _as(client, world[who])
    assert client.get("/plans/organiser/summary/").status_code == 403
    assert client.get("/plans/organiser/summary.pdf").status_code == 403


def test_summary_pdf(client: Client, world: dict[str, Any], plan: ServicePlan, tmp_path: Path) -> None:
    half = "2026-2" if timezone.localdate().month > 6 else "2026-1"
    response = _as(client, world["organiser"]).get(f"/plans/organiser/summary.pdf?half={half}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"podsumowanie-ipus-{half}.pdf" in response["Content-Disposition"]
    content = response.getvalue()
    text = " ".join(pdf_text(content, tmp_path).split())
    roman = "II" if half.endswith("2") else "I"
    assert f"Zbiorcze podsumowanie indywidualnych planów usług społecznych za {roman} półrocze 2026 r." in text
    assert "Plany według statusu na koniec półrocza" in text
    assert "zatwierdzony, w realizacji 1" in text
    assert "Usługi i ich realizacja w półroczu" in text
    assert "Cele wyznaczone 1" in text
    assert "data i podpis organizatora usług społecznych" in text
    assert "Strona 1 z" in text
    assert pdf_page_count(content, tmp_path) >= 1


# --- coordinators' meetings ----------------------------------------------------------------------------------------


def test_meetings_page_reminds_when_none_was_held(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    response = _as(client, world["coordinator"]).get("/plans/organiser/meetings/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No coordinators' meeting has been recorded yet." in page
    assert "Coordinators meet at least every 3 months" in page
    assert "Record a meeting" not in page  # a coordinator reads the register, the organiser keeps it
    reminder = response.context["reminder"]
    assert reminder.last_held_on is None
    assert reminder.due_on == rules.add_months(plan.starts_on, 3)
    assert "Reminder:" in page


def test_organiser_records_a_meeting(client: Client, world: dict[str, Any], plan: ServicePlan) -> None:
    client = _as(client, world["organiser"])
    form = client.get("/plans/organiser/meetings/new/")
    assert form.status_code == 200
    offered = {user.pk for user in form.context["form"].fields["participants"].queryset}
    assert {world["coordinator"].pk, world["other_coordinator"].pk, world["organiser"].pk} <= offered
    assert world["provider_user"].pk not in offered
    day = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post(
        "/plans/organiser/meetings/new/",
        {
            "held_on": day.isoformat(),
            "participants": [world["coordinator"].pk, world["other_coordinator"].pk],
            "agenda": "Plany kończące się w grudniu.",
            "minutes": "Koordynatorzy umówią rozmowy podsumowujące.",
            "municipality": world["municipality"].pk,
        },
    )
    assert response.status_code == 302
    meeting = CoordinatorMeeting.objects.get()
    assert meeting.held_on == day
    assert meeting.recorded_by == world["organiser"]
    assert set(meeting.participants.all()) == {world["coordinator"], world["other_coordinator"]}
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="plans.coordinatormeeting", object_id=str(meeting.pk)
    ).exists()
    listing = client.get("/plans/organiser/meetings/")
    assert listing.context["reminder"] is None  # the next is due in 3 months
    assert "Plany kończące się w grudniu." in listing.content.decode()
    detail = client.get(f"/plans/organiser/meetings/{meeting.pk}/")
    assert "Koordynatorzy umówią rozmowy podsumowujące." in detail.content.decode()


def test_meeting_form_errors_save_nothing(client: Client, world: dict[str, Any]) -> None:
    client = _as(client, world["organiser"])
    outsider = plan_world()["coordinator"]
    response = client.post(
        "/plans/organiser/meetings/new/",
        {
            "held_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "participants": [outsider.pk],
            "agenda": "",
            "minutes": "Notatka.",
            "municipality": world["municipality"].pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "participants" in errors  # not a member of the centre: not offered
    assert "agenda" in errors
    assert not CoordinatorMeeting.objects.exists()
    future = client.post(
        "/plans/organiser/meetings/new/",
        {
            "held_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "participants": [world["coordinator"].pk],
            "agenda": "Plany.",
            "minutes": "Notatka.",
            "municipality": world["municipality"].pk,
        },
    )
    assert future.context["form"].errors["held_on"] == ["Record a meeting that has taken place."]
    assert not CoordinatorMeeting.objects.exists()


def test_coordinator_cannot_record_meetings_and_provider_sees_nothing(client: Client, world: dict[str, Any]) -> None:
    assert _as(client, world["coordinator"]).get("/plans/organiser/meetings/new/").status_code == 403
    client = _as(client, world["provider_user"])
    for path in ("/plans/organiser/meetings/", "/plans/organiser/authorisations/", "/plans/organiser/meetings/new/"):
        assert client.get(path).status_code == 403


def test_meeting_of_another_centre_is_404_and_audited(client: Client, world: dict[str, Any]) -> None:
    other = plan_world()
    meeting = services.meeting_record(
        actor=other["organiser"],
        centre=other["centre"],
        municipality_id=other["municipality"].pk,
        held_on=D(2026, 3, 2),
        participants=[other["coordinator"]],
        agenda="Obce.",
        minutes="Obce.",
    )
    response = _as(client, world["organiser"]).get(f"/plans/organiser/meetings/{meeting.pk}/")
    assert response.status_code == 404
    assert AuditEntry.objects.filter(
        action=AuditAction.DENIED, actor=world["organiser"], object_id=str(meeting.pk)
    ).exists()
    assert meeting not in _as(client, world["organiser"]).get("/plans/organiser/meetings/").context["meetings"]


def test_meeting_list_queries(client: Client, world: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    for day in range(1, 6):
        services.meeting_record(
            actor=world["organiser"],
            centre=world["centre"],
            municipality_id=world["municipality"].pk,
            held_on=D(2026, 3, day),
            participants=[world["coordinator"], world["other_coordinator"]],
            agenda="Plany.",
            minutes="Ustalenia.",
        )
    client = _as(client, world["organiser"])
    client.get("/plans/organiser/meetings/")  # warm the session
    with django_assert_max_num_queries(16):
        response = client.get("/plans/organiser/meetings/?sort=held")
    assert [m.held_on.day for m in response.context["meetings"]] == [1, 2, 3, 4, 5]


# --- approval authorisations -------------------------------------------------------------------------------------


def test_director_grants_and_revokes_an_authorisation(client: Client, world: dict[str, Any]) -> None:
    client = _as(client, world["director"])
    form = client.get("/plans/organiser/authorisations/new/")
    offered = set(form.context["form"].fields["delegate"].queryset)
    assert offered == {world["organiser"], world["plain_organiser"]}  # services organisers only
    response = client.post(
        "/plans/organiser/authorisations/new/",
        {
            "delegate": world["plain_organiser"].pk,
            "document_reference": "UP/7/2026",
            "granted_on": "2026-03-01",
            "valid_from": "2026-03-01",
            "valid_to": "",
            "municipality": world["municipality"].pk,
        },
    )
    assert response.status_code == 302
    delegation = ApprovalDelegation.objects.get(document_reference="UP/7/2026")
    assert delegation.delegate == world["plain_organiser"]
    assert delegation.granted_by == world["director"]
    listing = client.get("/plans/organiser/authorisations/").content.decode()
    assert "UP/7/2026" in listing
    assert "UP/1/2026" in listing
    revoke = client.post(f"/plans/organiser/authorisations/{delegation.pk}/revoke/", {"revoked_on": "2026-04-30"})
    assert revoke.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_on == D(2026, 4, 30)
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="plans.approvaldelegation", object_id=str(delegation.pk)
    ).exists()


def test_authorisation_errors(client: Client, world: dict[str, Any]) -> None:
    client = _as(client, world["director"])
    response = client.post(
        "/plans/organiser/authorisations/new/",
        {
            "delegate": world["coordinator"].pk,  # not an organiser: not offered
            "document_reference": "",
            "granted_on": "2026-03-01",
            "valid_from": "2026-03-10",
            "valid_to": "2026-03-01",
            "municipality": world["municipality"].pk,
        },
    )
    assert response.status_code == 200
    assert {"delegate", "document_reference"} <= set(response.context["form"].errors)
    before = ApprovalDelegation.objects.count()
    backwards = client.post(
        "/plans/organiser/authorisations/new/",
        {
            "delegate": world["plain_organiser"].pk,
            "document_reference": "UP/8/2026",
            "granted_on": "2026-03-01",
            "valid_from": "2026-03-10",
            "valid_to": "2026-03-01",
            "municipality": world["municipality"].pk,
        },
    )
    assert backwards.context["form"].errors["valid_to"] == ["The authorisation cannot end before it starts."]
    assert ApprovalDelegation.objects.count() == before
    delegation = ApprovalDelegation.objects.get(delegate=world["organiser"])
    early = client.post(f"/plans/organiser/authorisations/{delegation.pk}/revoke/", {"revoked_on": "2025-12-31"})
    assert early.context["form"].errors["revoked_on"]
    delegation.refresh_from_db()
    assert delegation.revoked_on is None


@pytest.mark.parametrize("who", ["coordinator", "organiser"])
def test_only_the_director_grants_authorisations(client: Client, world: dict[str, Any], who: str) -> None:
    client = _as(client, world[who])
    delegation = ApprovalDelegation.objects.get(delegate=world["organiser"])
    assert client.get("/plans/organiser/authorisations/new/").status_code == 403
    assert (
        client.post(
            f"/plans/organiser/authorisations/{delegation.pk}/revoke/", {"revoked_on": "2026-04-30"}
        ).status_code
        == 403
    )
    delegation.refresh_from_db()
    assert delegation.revoked_on is None
    if who == "organiser":
        page = client.get("/plans/organiser/authorisations/")
        assert page.status_code == 200
        assert "Grant an authorisation" not in page.content.decode()
    else:
        assert client.get("/plans/organiser/authorisations/").status_code == 403


def test_authorisation_of_another_centre_is_404(client: Client, world: dict[str, Any]) -> None:
    foreign = ApprovalDelegation.objects.get(delegate=plan_world()["organiser"])
    response = _as(client, world["director"]).get(f"/plans/organiser/authorisations/{foreign.pk}/revoke/")
    assert response.status_code == 404
    assert AuditEntry.objects.filter(
        action=AuditAction.DENIED, actor=world["director"], object_id=str(foreign.pk)
    ).exists()


# --- the plan's documents ------------------------------------------------------------------------------------------


def test_plan_pdf_download_is_audited(client: Client, world: dict[str, Any], plan: ServicePlan, tmp_path: Path) -> None:
    response = _as(client, world["coordinator"]).get(f"/plans/organiser/documents/{plan.pk}/plan.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "CUS-4012-1-" in response["Content-Disposition"]
    assert "Indywidualny plan usług społecznych" in pdf_text(response.getvalue(), tmp_path)
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).latest("id")
    assert entry.actor == world["coordinator"]
    assert entry.purpose == "document"
    assert entry.person_id == str(plan.person_id)


def test_closing_pdf_only_for_a_closed_plan(
    client: Client, world: dict[str, Any], plan: ServicePlan, tmp_path: Path
) -> None:
    client = _as(client, world["director"])
    assert client.get(f"/plans/organiser/documents/{plan.pk}/closing.pdf").status_code == 404
    today = timezone.localdate()
    services.close(
        actor=world["coordinator"],
        plan=plan,
        closed_on=today,
        reason=ClosingReason.OTHER,
        reason_details="Przeprowadzka do domu pomocy społecznej.",
        interview_on=today,
        interview_notes="Osoba dziękuje za pomoc.",
        course_description="Usługi realizowano zgodnie z harmonogramem, osoba przeprowadziła się do domu pomocy.",
        goal_outcomes={plan.goals.get().pk: GoalStatus.NOT_ACHIEVED},
    )
    response = client.get(f"/plans/organiser/documents/{plan.pk}/closing.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.getvalue(), tmp_path).split())
    assert "Przeprowadzka do domu pomocy społecznej." in text
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, object_id=str(plan.pk), purpose="document", actor=world["director"]
    ).exists()


def test_documents_refused_to_provider_and_other_centres(
    client: Client, world: dict[str, Any], plan: ServicePlan
) -> None:
    provider = _as(client, world["provider_user"])
    assert provider.get(f"/plans/organiser/documents/{plan.pk}/plan.pdf").status_code == 403
    stranger = plan_world()["coordinator"]
    response = _as(client, stranger).get(f"/plans/organiser/documents/{plan.pk}/plan.pdf")
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.DENIED, actor=stranger, object_id=str(plan.pk)).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW, actor=stranger, object_id=str(plan.pk)).exists()
