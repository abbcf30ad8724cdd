"""Applications: the workflow rules enforced by the services, the fee from real household incomes, the waiting list
and moving up, decisions, attachments and the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cus.accounts.roles import Role
from cus.audit.models import AuditEntry
from cus.qualification import application_services as services
from cus.qualification.applications import LIABILITY_CLAUSE, Application, ApplicationEvent, Decision, State
from cus.qualification.tests.factories import person_with_income, programme_service_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


def _file(worker: Any, service: Any, person: Any, **kwargs: Any) -> Application:
    application, _code = services.file_application(
        actor=worker,
        person=person,
        programme_service=service,
        statements=[services.statement_text("Spełniam warunki programu.")],
        email="wnioskodawca@example.com",
        **kwargs,
    )
    return application


def _complete(worker: Any, application: Application) -> Application:
    return services.accept_as_complete(actor=worker, application=application)


def test_filing_numbers_per_centre_and_year_and_keeps_the_statement(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    first = _file(worker, service, person_with_income(municipality, incomes=["900"]))
    second = _file(worker, service, person_with_income(municipality, incomes=["900"]))
    year = timezone.localdate().year
    assert first.reference == f"CUS.4011.1.{year}"
    assert second.reference == f"CUS.4011.2.{year}"
    assert first.statements[0].endswith(LIABILITY_CLAUSE)
    assert first.track == "programme"
    assert AuditEntry.objects.filter(object_id=str(first.pk), action="create").exists()
    assert ApplicationEvent.objects.filter(application=first, action="file", to_state="submitted").exists()


def test_a_statement_without_the_clause_is_refused(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    with pytest.raises(ValidationError) as exc:
        services.file_application(
            actor=worker,
            person=person_with_income(municipality, incomes=["900"]),
            programme_service=service,
            statements=["Spełniam warunki."],
        )
    assert "statements" in exc.value.message_dict
    assert not Application.objects.exists()


def test_the_fee_comes_from_the_household_income_of_the_month_before(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Family of two: (1500 + 300) / 2 = 900 PLN a person; criterion 823 → 109.36 % → band 100–150 %: 10 % (demo).
    service = programme_service_for(municipality)
    application = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["1500", "300"])))
    with django_capture_on_commit_callbacks(execute=True):
        application = services.qualify(actor=worker, application=application, units_per_month=Decimal("20"))
    assert application.state == State.QUALIFIED
    assert application.income_per_person == Decimal("900.00")
    assert application.single_person is False
    assert application.criterion_amount == Decimal("823.00")
    assert application.income_percent == Decimal("109.36")
    assert application.fee_band == "100–150 %"
    expected_unit = (Decimal("45.00") * application.fee_percent / 100).quantize(Decimal("0.01"))
    assert application.fee_per_unit == expected_unit
    assert application.fee_per_month == expected_unit * 20
    assert application.fee_table is not None
    assert application.qualified_on == timezone.localdate()
    assert [m.to for m in mail.outbox] == [["wnioskodawca@example.com"]]
    assert application.reference in mail.outbox[0].subject
    assert "900" not in mail.outbox[0].body  # no income data by e-mail


def test_missing_income_is_named_and_nothing_changes(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    person = person_with_income(municipality, incomes=["1000"], month=datetime.date(2020, 1, 1))
    application = _complete(worker, _file(worker, service, person))
    with pytest.raises(ValidationError) as exc:
        services.qualify(actor=worker, application=application, units_per_month=Decimal("20"))
    assert "No income is declared" in exc.value.message_dict["income"][0]
    application.refresh_from_db()
    assert application.state == State.COMPLETE
    assert application.fee_per_unit is None


def test_capacity_used_up_sends_to_the_waiting_list_and_resignation_moves_the_first_up(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    service = programme_service_for(municipality, capacity=1)
    first = services.qualify(
        actor=worker,
        application=_complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"]))),
        units_per_month=Decimal("10"),
    )
    later = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"])))
    earlier = _complete(
        worker,
        _file(
            worker,
            service,
            person_with_income(municipality, incomes=["700"]),
            filed_at=timezone.now() - datetime.timedelta(hours=1),
        ),
    )
    later = services.qualify(actor=worker, application=later, units_per_month=Decimal("10"))
    earlier = services.qualify(actor=worker, application=earlier, units_per_month=Decimal("10"))
    assert later.state == State.WAITING and earlier.state == State.WAITING
    assert first.state == State.QUALIFIED
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.resign(actor=worker, application=first, resigned_on=timezone.localdate())
    first.refresh_from_db()
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert first.state == State.RESIGNED
    assert earlier.state == State.QUALIFIED  # filed first, moves up first
    assert later.state == State.WAITING
    assert len(mail.outbox) == 2  # "qualified" and "moved up" to the one who moved up, nothing to the others
    assert all(earlier.reference in m.subject for m in mail.outbox)
    assert ApplicationEvent.objects.filter(application=earlier, action="qualify", from_state="waiting").exists()


def test_priority_moves_up_before_filing_order(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality, capacity=1)
    first = services.qualify(
        actor=worker,
        application=_complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"]))),
        units_per_month=Decimal("10"),
    )
    early = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"])))
    urgent = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"]), priority=5))
    services.qualify(actor=worker, application=early, units_per_month=Decimal("10"))
    services.qualify(actor=worker, application=urgent, units_per_month=Decimal("10"))
    services.resign(actor=worker, application=first, resigned_on=timezone.localdate())
    urgent.refresh_from_db()
    early.refresh_from_db()
    assert urgent.state == State.QUALIFIED
    assert early.state == State.WAITING


def test_budget_used_up_sends_to_the_waiting_list(worker: Any, municipality: Any) -> None:
    # 9,000 PLN budget for 2026, 450 PLN per participant: the unit cost of 4,500 leaves room for two.
    service = programme_service_for(municipality, unit_cost=Decimal("450.00"))
    if timezone.localdate().year != 2026:
        pytest.skip("The demo budget line is for 2026.")
    states = []
    for _i in range(3):
        application = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"])))
        states.append(services.qualify(actor=worker, application=application, units_per_month=Decimal("1")).state)
    assert states == [State.QUALIFIED, State.QUALIFIED, State.WAITING]


def test_refusal_draws_up_the_decision(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"])))
    with pytest.raises(ValidationError) as exc:
        services.refuse(actor=worker, application=application, facts="  ")
    assert "facts" in exc.value.message_dict
    assert not Decision.objects.exists()

    decision = services.refuse(actor=worker, application=application, facts="Osoba nie spełnia warunku wieku.")
    application.refresh_from_db()
    assert application.state == State.REFUSED
    assert decision.kind == "refusal"
    assert "art. 42 ust. 3" in decision.legal_basis
    assert "art. 104" in decision.legal_basis
    assert decision.operative_part.startswith("odmawia się zakwalifikowania")
    centre = application.centre
    # KPA art. 107 § 1 pkt 7, art. 129 § 1: which board of appeal, where, and through whom.
    assert (
        "odwołanie do Samorządowego Kolegium Odwoławczego w Testowie, ul. Odwoławcza 2, 00-951 Testowo, "
        f"za pośrednictwem Dyrektora {centre.name}" in decision.appeal_instruction
    )
    assert "14 dni" in decision.appeal_instruction
    assert "127a" in decision.appeal_instruction
    assert AuditEntry.objects.filter(object_id=str(decision.pk), action="create").exists()


def _clear_appeal_body(centre: Any) -> None:
    type(centre).objects.filter(pk=centre.pk).update(appeal_body_name="", appeal_body_address="")


def test_no_decision_without_the_appeal_body(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application = _complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"])))
    _clear_appeal_body(application.centre)
    application = type(application).objects.get(pk=application.pk)
    with pytest.raises(ValidationError) as exc:
        services.refuse(actor=worker, application=application, facts="Osoba nie spełnia warunku wieku.")
    assert exc.value.error_dict["appeal_body"][0].code == "appeal_body_missing"
    application.refresh_from_db()
    assert application.state == State.COMPLETE
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.filter(object_type="qualification.decision").exists()


def test_statutory_grant_is_not_issued_without_the_appeal_body(worker: Any, municipality: Any) -> None:
    service = programme_service_for(
        municipality, track="statutory", statutory_basis="art. 50 ustawy o pomocy społecznej"
    )
    application = services.start_interview(
        actor=worker, application=_file(worker, service, person_with_income(municipality, incomes=["700"]))
    )
    services.record_interview(
        actor=worker, application=application, held_on=timezone.localdate(), findings="Osoba samotna, wymaga pomocy."
    )
    _clear_appeal_body(application.centre)
    application = type(application).objects.get(pk=application.pk)
    state = application.state
    with pytest.raises(ValidationError) as exc:
        services.qualify(actor=worker, application=application, units_per_month=Decimal("20"))
    assert "appeal_body" in exc.value.message_dict
    application.refresh_from_db()
    # The whole qualification is undone: no state change, no frozen fee, no decision.
    assert application.state == state
    assert application.fee_computed_at is None
    assert not Decision.objects.exists()


def test_statutory_track_needs_the_interview(worker: Any, municipality: Any) -> None:
    service = programme_service_for(
        municipality, track="statutory", statutory_basis="art. 50 ustawy o pomocy społecznej"
    )
    application = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    with pytest.raises(ValidationError):
        services.accept_as_complete(actor=worker, application=application)  # not on this track
    application = services.start_interview(actor=worker, application=application)
    with pytest.raises(services.TransitionRefused) as exc:
        services.refuse(actor=worker, application=application, facts="Brak przesłanek.")
    assert exc.value.codes == ["missing:interview_record"]
    with pytest.raises(services.TransitionRefused):
        services.qualify(actor=worker, application=application, units_per_month=Decimal("20"))
    services.record_interview(
        actor=worker, application=application, held_on=timezone.localdate(), findings="Osoba samotna, wymaga pomocy."
    )
    application = services.qualify(actor=worker, application=application, units_per_month=Decimal("20"))
    assert application.state == State.QUALIFIED
    grant = application.decisions.get()
    assert grant.kind == "grant"
    assert "art. 106 ust. 1" in grant.legal_basis
    assert grant.operative_part.startswith("przyznaje się")


def test_deadline_rules(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.request_documents(actor=worker, application=application, deadline=today, documents="Zaświadczenie")
    assert "deadline" in exc.value.message_dict
    application = services.request_documents(
        actor=worker, application=application, deadline=today + datetime.timedelta(days=7), documents="Zaświadczenie"
    )
    assert application.state == State.INCOMPLETE
    with pytest.raises(services.TransitionRefused) as refused:
        services.leave_unexamined(actor=worker, application=application)
    assert refused.value.codes == ["missing:deadline_passed"]
    Application.objects.filter(pk=application.pk).update(documents_deadline=today - datetime.timedelta(days=1))
    application = services.leave_unexamined(actor=worker, application=application)
    assert application.state == State.NOT_EXAMINED
    assert application.closed_at is not None


def test_withdraw_and_no_way_back(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality)
    application = services.withdraw(
        actor=worker, application=_file(worker, service, person_with_income(municipality, incomes=["700"]))
    )
    assert application.state == State.WITHDRAWN
    with pytest.raises(services.TransitionRefused) as exc:
        services.accept_as_complete(actor=worker, application=application)
    assert exc.value.codes == ["not_allowed"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_attachments_are_checked_by_content_and_size(
    worker: Any, municipality: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    settings.CUS_ATTACHMENT_MAX_BYTES = 1024
    service = programme_service_for(municipality)
    application = _file(worker, service, person_with_income(municipality, incomes=["700"]))
    with pytest.raises(ValidationError) as exc:
        services.attach(actor=worker, application=application, name="skan.pdf", content=b"MZ\x90\x00 not a pdf")
    assert exc.value.message_dict["file"] == ["Only PDF, JPEG and PNG files are accepted."]
    with pytest.raises(ValidationError) as exc:
        services.attach(actor=worker, application=application, name="big.pdf", content=b"%PDF-" + b"0" * 2000)
    assert "too big" in exc.value.message_dict["file"][0]
    attachment = services.attach(actor=worker, application=application, name="skan.pdf", content=PNG)
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")
    assert (tmp_path / "private" / "applications").exists()
    assert application.attachments.count() == 1


def test_the_end_of_the_service_frees_the_place(worker: Any, municipality: Any) -> None:
    service = programme_service_for(municipality, capacity=1)
    first = services.qualify(
        actor=worker,
        application=_complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"]))),
        units_per_month=Decimal("10"),
    )
    waiting = services.qualify(
        actor=worker,
        application=_complete(worker, _file(worker, service, person_with_income(municipality, incomes=["700"]))),
        units_per_month=Decimal("10"),
    )
    assert waiting.state == State.WAITING
    assert services.available_actions(first) == ["resign", "end"]
    services.end(actor=worker, application=first)
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.state == State.ENDED
    assert waiting.state == State.QUALIFIED
