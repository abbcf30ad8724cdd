"""Recalculation of fees: a new criterion moves programme-track fees, the 10 % rule keeps a statutory fee, free
services stay free, a failed computation is reported without stopping the run, counts and the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.audit.services import build_entry, snapshot
from cus.programme.models import ProgrammeFeeKind
from cus.qualification import application_services, recalculation, services
from cus.qualification.applications import Application, ApplicationEvent
from cus.qualification.models import (
    RecalculationChange,
    RecalculationOutcome,
    RecalculationReason,
    RecalculationRun,
    RecalculationStatus,
)
from cus.qualification.tests.factories import person_with_income, programme_service_for
from cus.residents.models import IncomeDeclaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example")


def qualified(worker: Any, service: Any, incomes: list[str], units: str = "20") -> Application:
    """A qualified application of a person whose household declared ``incomes`` for the month before filing."""
    person = person_with_income(service.programme.municipality, incomes=incomes)
    application, _code = application_services.file_application(actor=worker, person=person, programme_service=service)
    if application.track == "statutory":
        application = application_services.start_interview(actor=worker, application=application)
        application = application_services.record_interview(
            actor=worker, application=application, held_on=timezone.localdate(), findings="Wymaga pomocy."
        )
    else:
        application = application_services.accept_as_complete(actor=worker, application=application)
    return application_services.qualify(actor=worker, application=application, units_per_month=Decimal(units))


def statutory_service(municipality: Any, **changes: Any) -> Any:
    return programme_service_for(
        municipality, track="statutory", statutory_basis="art. 50 ustawy o pomocy społecznej", capacity=None, **changes
    )


def manual_run(worker: Any, municipality: Any, capture: Any) -> RecalculationRun:
    with capture(execute=True):
        (run,) = recalculation.start_recalculation(
            actor=worker, municipalities=[municipality], reason=RecalculationReason.MANUAL
        )
    run.refresh_from_db()
    return run


def declare(application: Application, amount: str) -> None:
    """Correct the declaration of the month the application was assessed on."""
    IncomeDeclaration.objects.filter(member__person=application.person).update(net_amount=Decimal(amount))


def test_a_new_criterion_moves_programme_fees(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Family of two, 900 PLN a person: 109.36 % of 823 PLN → band 100–150 %, a fee. With 1,000 PLN: 90 % → free.
    service = programme_service_for(municipality, capacity=None)
    application = qualified(worker, service, ["1500", "300"])
    assert application.fee_per_unit > 0
    old_unit, old_month = application.fee_per_unit, application.fee_per_month
    with django_capture_on_commit_callbacks(execute=True):
        criterion = services.criterion_create(
            actor=worker,
            single_person=Decimal("1200.00"),
            per_person_in_family=Decimal("1000.00"),
            valid_from=timezone.localdate(),
            legal_basis="Dz.U. 2026 poz. 1",
        )
    run = RecalculationRun.objects.get()
    assert run.reason == RecalculationReason.CRITERION
    assert run.status == RecalculationStatus.DONE
    assert (run.total, run.processed, run.changed, run.kept, run.failed) == (1, 1, 1, 0, 0)
    assert run.started_by == worker
    assert run.started_at is not None and run.finished_at is not None
    application.refresh_from_db()
    assert application.fee_per_unit == Decimal("0.00")
    assert application.fee_per_month == Decimal("0.00")
    assert application.criterion == criterion
    assert application.criterion_amount == Decimal("1000.00")
    assert application.income_percent == Decimal("90.00")
    assert application.fee_band == "0–100 %"
    change = RecalculationChange.objects.get(run=run)
    assert change.outcome == RecalculationOutcome.CHANGED
    assert (change.old_fee_per_unit, change.new_fee_per_unit) == (old_unit, Decimal("0.00"))
    assert (change.old_fee_per_month, change.new_fee_per_month) == (old_month, Decimal("0.00"))
    assert (change.old_criterion, change.new_criterion) == (Decimal("823.00"), Decimal("1000.00"))
    assert (change.old_band, change.new_band) == ("100–150 %", "0–100 %")
    # One audit entry for the changed application, with the fee before and after; a line in its history.
    entry = AuditEntry.objects.get(object_id=str(application.pk), message__startswith="Fee recalculated")
    assert entry.before["fee_per_unit"] == str(old_unit)
    assert entry.after["fee_per_unit"] == "0.00"
    # The entry holds the fee fields (all that a recalculation changes) as saved; the change is dated.
    fee_attributes = [f.attname for f in Application._meta.concrete_fields if f.name in recalculation.FEE_FIELDS]
    assert entry.after == {name: value for name, value in snapshot(application).items() if name in fee_attributes}
    assert set(entry.before) == set(entry.after) == set(fee_attributes)
    assert {"fee_per_unit", "fee_per_month", "criterion_id", "updated_at"} <= set(entry.changed_fields)
    assert application.updated_at == application.fee_computed_at
    assert application.updated_at >= run.started_at
    assert entry.person_id == str(application.person_id)
    assert entry.municipality_id == municipality.pk
    # Written as a plain row, the entry says all that record_update would say of this change.
    expected = build_entry(
        action=AuditAction.UPDATE,
        actor=run.started_by,
        instance=application,
        before=entry.before,
        after=entry.after,
        message=entry.message,
    )
    columns = [f.attname for f in AuditEntry._meta.concrete_fields if f.name not in {"id", "timestamp"}]
    assert {c: getattr(entry, c) for c in columns} == {c: getattr(expected, c) for c in columns}
    assert entry.timestamp == application.updated_at
    event = ApplicationEvent.objects.get(application=application, action="recalculate_fee")
    assert (event.actor, event.at, event.note) == (run.started_by, application.updated_at, entry.message)
    assert event.actor_label and (event.from_state, event.to_state) == ("", "")


def test_the_ten_percent_rule_keeps_a_statutory_fee(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # A person living alone with 1,000 PLN: 99.01 % of 1,010 PLN → free. Income corrected to 1,050 PLN (+50 PLN,
    # at most 10 % of the criterion = 101 PLN): above 100 %, but on the statutory track the fee stays (art. 106 ust.
    # 3b); on the programme track the same correction changes the fee.
    statutory = qualified(worker, statutory_service(municipality), ["1000"])
    programme = qualified(worker, programme_service_for(municipality, capacity=None), ["1000"])
    assert statutory.fee_per_unit == programme.fee_per_unit == Decimal("0.00")
    declare(statutory, "1050")
    declare(programme, "1050")
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    assert (run.total, run.changed, run.kept, run.failed) == (2, 1, 1, 0)
    kept = RecalculationChange.objects.get(application=statutory)
    assert kept.outcome == RecalculationOutcome.KEPT
    assert kept.new_fee_per_unit == kept.old_fee_per_unit == Decimal("0.00")
    assert (kept.old_income_per_person, kept.new_income_per_person) == (Decimal("1000.00"), Decimal("1050.00"))
    statutory.refresh_from_db()
    assert statutory.fee_per_unit == Decimal("0.00")
    assert statutory.income_per_person == Decimal("1000.00")
    assert not AuditEntry.objects.filter(object_id=str(statutory.pk), message__startswith="Fee recalculated").exists()
    moved = RecalculationChange.objects.get(application=programme)
    assert moved.outcome == RecalculationOutcome.CHANGED
    assert moved.new_fee_per_unit > 0
    programme.refresh_from_db()
    assert programme.fee_per_unit == moved.new_fee_per_unit
    assert programme.income_per_person == Decimal("1050.00")


def test_a_larger_change_of_income_changes_a_statutory_fee(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    statutory = qualified(worker, statutory_service(municipality), ["1000"])
    declare(statutory, "1200")  # +200 PLN > 101 PLN
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    assert (run.changed, run.kept) == (1, 0)
    statutory.refresh_from_db()
    assert statutory.fee_per_unit > 0


def test_free_services_stay_free(worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any) -> None:
    service = programme_service_for(municipality, capacity=None, fee_kind=ProgrammeFeeKind.FREE)
    application = qualified(worker, service, ["3000"])
    assert application.fee_per_unit == Decimal("0.00")
    declare(application, "9000")
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    # An unchanged fee is counted, not listed in the report.
    assert (run.processed, run.changed, run.unchanged) == (1, 0, 1)
    assert not RecalculationChange.objects.filter(run=run).exists()
    application.refresh_from_db()
    assert application.fee_per_month == Decimal("0.00")


def test_a_failed_computation_is_reported_and_the_run_goes_on(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    service = programme_service_for(municipality, capacity=None)
    broken = qualified(worker, service, ["1500", "300"])
    fine = qualified(worker, service, ["1500", "300"])
    IncomeDeclaration.objects.filter(member__person=broken.person).delete()
    declare(fine, "300")
    before = broken.fee_per_unit
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    assert run.status == RecalculationStatus.DONE
    assert (run.total, run.processed, run.changed, run.failed) == (2, 2, 1, 1)
    failed = RecalculationChange.objects.get(application=broken)
    assert failed.outcome == RecalculationOutcome.FAILED
    assert "No income is declared" in failed.reason
    assert failed.new_fee_per_unit is None
    broken.refresh_from_db()
    assert broken.fee_per_unit == before


def test_only_qualified_applications_of_the_municipality(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from cus.core.tests.factories import MunicipalityFactory

    other_municipality = MunicipalityFactory()
    service = programme_service_for(municipality, capacity=None)
    qualified(worker, service, ["900"])
    application_services.file_application(
        actor=worker, person=person_with_income(municipality, incomes=["900"]), programme_service=service
    )
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    assert run.total == 1
    assert not RecalculationRun.objects.filter(municipality=other_municipality).exists()


def test_a_fee_table_change_starts_a_run_and_a_draft_does_not(
    worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any
) -> None:
    service = programme_service_for(municipality, capacity=None)
    application = qualified(worker, service, ["1500", "300"])
    table = application.fee_table
    bands = [
        {"income_from": Decimal(0), "income_to": Decimal(100), "fee_single": Decimal(0), "fee_family": Decimal(0)},
        {"income_from": Decimal(100), "income_to": None, "fee_single": Decimal(50), "fee_family": Decimal(50)},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.fee_table_create(
            actor=worker,
            municipality=municipality,
            bands=bands,
            name="Projekt",
            resolution_number="I/2/2026",
            resolution_date=datetime.date(2026, 1, 10),
            unit="hour",
            valid_from=datetime.date(2030, 1, 1),
        )
    assert not RecalculationRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.fee_table_update(actor=worker, table=table, bands=bands)
    run = RecalculationRun.objects.get()
    assert run.reason == RecalculationReason.FEE_TABLE
    application.refresh_from_db()
    assert application.fee_per_unit == Decimal("22.50")  # 50 % of 45 PLN
    assert application.fee_per_month == Decimal("450.00")


def test_a_second_queued_run_is_not_added(worker: Any, municipality: Any) -> None:
    first = recalculation.start_recalculation(
        actor=worker, municipalities=[municipality], reason=RecalculationReason.MANUAL
    )
    second = recalculation.start_recalculation(
        actor=worker, municipalities=[municipality], reason=RecalculationReason.MANUAL
    )
    assert len(first) == 1 and second == []
    assert AuditEntry.objects.filter(object_id=str(first[0].pk), action="create").exists()


def test_a_run_is_processed_once(worker: Any, municipality: Any, django_capture_on_commit_callbacks: Any) -> None:
    run = manual_run(worker, municipality, django_capture_on_commit_callbacks)
    assert run.status == RecalculationStatus.DONE
    assert recalculation.run_recalculation(run.pk) is None


def test_batch_rows_are_prepared_as_the_fields_would_prepare_them() -> None:
    """The report rows and the applications' updates are written with values prepared as ``get_db_prep_save``
    would: plain values of plain columns as they are, anything else through the field."""
    import uuid

    from django.db import connection

    # Every column of the report is written.
    columns = {f.name for f in RecalculationChange._meta.concrete_fields if not f.primary_key}
    assert set(recalculation.CHANGE_FIELDS) == columns
    samples = [
        None,
        "",
        "zmieniona",
        7,
        True,
        Decimal("12.30"),
        Decimal("0.00"),
        uuid.uuid4(),
        datetime.datetime(2026, 3, 1, 10, 30, tzinfo=datetime.UTC),
        datetime.date(2026, 3, 1),
    ]
    written = [f for model in (AuditEntry, ApplicationEvent) for f in model._meta.concrete_fields if not f.primary_key]
    for model, names in (
        (RecalculationChange, recalculation.CHANGE_FIELDS),
        (Application, (*recalculation.FEE_FIELDS, "id")),
        (ApplicationEvent, recalculation.EVENT_FIELDS),
        *((f.model, (f.name,)) for f in written),
    ):
        for name in names:
            field = model._meta.get_field(name)
            prepare = recalculation._preparer(field, connection)
            for value in samples:
                if type(value) is datetime.date and isinstance(field, models.DateTimeField):
                    continue  # a day for a moment: Django warns and assumes midnight; never written
                try:
                    expected = field.get_db_prep_save(value, connection)
                except (ValidationError, TypeError, ValueError, AttributeError):
                    continue  # a value this field cannot hold is no sample for it
                # (PostgreSQL's JSON wrapper compares by identity: its value is compared.)
                assert getattr(prepare(value), "obj", prepare(value)) == getattr(expected, "obj", expected), (
                    model.__name__,
                    name,
                    value,
                )
                assert type(prepare(value)) is type(expected), (model.__name__, name, value)
