"""Recalculation of fees (przeliczenie odpłatności) after a new income criterion or a change of a fee table.

``start_recalculation`` records one run per municipality and enqueues the background task when the transaction
commits; the task recomputes the fee of every qualified application of the municipality, in batches, with the
criterion and the fee table in force today, applies a changed fee to the application (one audit entry per changed
application, with its fee fields before and after) and writes the report: the applications whose fee changed, was kept
under the 10 % rule or could not be computed (the others are counted on the run, not listed).

The household's income of the month the application was assessed on is read again (declarations may have been
corrected). On the statutory track a change of that income of at most 10 % of the criterion is disregarded (PS art.
106 ust. 3b): the fee is computed with the income as it was, so only the new criterion or table can move it; when
the fee with the new income would differ but the one with the old income does not, the fee is "kept".
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.audit.models import AuditEntry
from cus.audit.services import ENTRY_FIELDS, UpdateEntries, record_create, values_snapshot
from cus.core.lookups import array_parameter, array_type
from cus.core.models import Municipality
from cus.programme.models import ProgrammeFeeKind, ProgrammeService
from cus.qualification import fees, workflow
from cus.qualification.applications import Application, ApplicationEvent, State
from cus.qualification.models import FeeTable, IncomeCriterion, criterion_on
from cus.qualification.recalculation_models import (
    REPORTED_OUTCOMES,
    RecalculationChange,
    RecalculationOutcome,
    RecalculationReason,
    RecalculationRun,
    RecalculationStatus,
)
from cus.residents.models import Person

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
ZERO = Decimal("0.00")
# The application fields a recalculation may change (its frozen qualification result).
FEE_FIELDS = (
    "income_per_person",
    "household_members",
    "single_person",
    "criterion",
    "criterion_amount",
    "fee_table",
    "fee_band",
    "income_percent",
    "fee_percent",
    "fee_per_unit",
    "fee_per_month",
    "fee_computed_at",
    "updated_at",
)


# What the computation reads of an application, as plain values (no model instance is built for the rows of a
# batch; the applications whose fee changes are read again as models, with what their audit entry needs).
ROW_FIELDS = (
    "id",
    "person_id",
    "programme_service_id",
    "track",
    "filed_at",
    "units_per_month",
    "income_per_person",
    "single_person",
    "criterion_amount",
    "fee_band",
    "fee_per_unit",
    "fee_per_month",
)
# What a recalculation sets on an application whose fee changed (attribute names).
APPLIED_FIELDS = (
    "income_per_person",
    "household_members",
    "single_person",
    "criterion_id",
    "criterion_amount",
    "fee_table_id",
    "fee_band",
    "income_percent",
    "fee_percent",
    "fee_per_unit",
    "fee_per_month",
)
# What is read of an application whose fee changed, besides the fields a recalculation sets (the audit entry holds
# them before and after: nothing else of the application changes): what the entry's labels need, the reference and
# the person's name.
PERSON_LABEL_FIELDS = ("first_name", "second_name", "last_name", "birth_date")
# The columns of the history event of a changed fee.
EVENT_FIELDS = ("application", "action", "from_state", "to_state", "actor", "actor_label", "at", "note")
# The columns of a row of the report, in the order ``_change`` gives them.
CHANGE_FIELDS = (
    "run",
    "application",
    "outcome",
    "old_fee_per_unit",
    "old_fee_per_month",
    "old_income_per_person",
    "old_criterion",
    "old_band",
    "new_fee_per_unit",
    "new_fee_per_month",
    "new_income_per_person",
    "new_criterion",
    "new_band",
    "reason",
)


class _Row:
    """An application of a batch as the computation reads it: the ``ROW_FIELDS`` columns, its service of the
    programme and its municipality (shared by the run)."""

    __slots__ = (*ROW_FIELDS, "municipality_id", "programme_service")
    id: Any
    person_id: Any
    programme_service_id: Any
    track: str
    filed_at: Any
    units_per_month: Decimal | None
    income_per_person: Decimal | None
    single_person: bool | None
    criterion_amount: Decimal | None
    fee_band: str
    fee_per_unit: Decimal | None
    fee_per_month: Decimal | None
    municipality_id: int
    programme_service: ProgrammeService

    def __init__(self, values: Sequence[Any], municipality_id: int, service: ProgrammeService) -> None:
        for name, value in zip(ROW_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.municipality_id = municipality_id
        self.programme_service = service

    @property
    def pk(self) -> Any:
        return self.id


class _Outcome:
    """What the computation found for one application: the row of the report and, for a changed fee, the values to
    write to the application."""

    __slots__ = ("applied", "outcome", "row")

    def __init__(self, outcome: str, row: tuple[Any, ...], applied: dict[str, Any] | None = None) -> None:
        self.outcome = outcome
        self.row = row
        self.applied = applied


def qualified_in(municipality_id: int) -> Any:
    return Application.objects.filter(municipality_id=municipality_id, state=State.QUALIFIED)


@transaction.atomic
def start_recalculation(
    *, actor: Any, municipalities: Iterable[Municipality], reason: str, note: str = ""
) -> list[RecalculationRun]:
    """Queue a recalculation of every qualified application of each municipality; the work starts when the
    transaction commits. A municipality with a run still queued or running gets no second one (that run will use
    the criterion and tables in force when it reaches each batch)."""
    if reason not in RecalculationReason.values:
        raise ValidationError({"reason": _("Choose why the fees are recalculated.")})
    runs = []
    for municipality in municipalities:
        if RecalculationRun.objects.filter(municipality=municipality, status=RecalculationStatus.QUEUED).exists():
            continue
        run = RecalculationRun(
            municipality=municipality,
            reason=reason,
            note=note[:300],
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        run.full_clean()
        run.save()
        record_create(actor=actor, instance=run)
        transaction.on_commit(partial(_enqueue, run.pk))
        runs.append(run)
    return runs


def start_for_criterion(*, actor: Any, criterion: IncomeCriterion) -> list[RecalculationRun]:
    """After a new criterion: every municipality with qualified applications (the criterion is national)."""
    ids = Application.objects.filter(state=State.QUALIFIED).values("municipality_id").distinct()
    return start_recalculation(
        actor=actor,
        municipalities=Municipality.objects.filter(pk__in=ids).order_by("pk"),
        reason=RecalculationReason.CRITERION,
        note=str(criterion.legal_basis),
    )


def start_for_fee_table(*, actor: Any, table: FeeTable) -> list[RecalculationRun]:
    """After a table was brought into force or a table in force changed: its municipality, if anyone is qualified."""
    if not qualified_in(table.municipality_id).exists():
        return []
    return start_recalculation(
        actor=actor,
        municipalities=[table.municipality],
        reason=RecalculationReason.FEE_TABLE,
        note=f"{table.name} ({table.resolution_number})",
    )


def _enqueue(run_id: int) -> None:
    recalculate_fees.enqueue(run_id)


@task()
def recalculate_fees(run_id: int) -> None:
    run_recalculation(run_id)


# --- the work ----------------------------------------------------------------------------------------------------


class _Context:
    """What every application of a run shares: today, the criterion and the tables in force (looked up once)."""

    def __init__(self, run: RecalculationRun) -> None:
        self.run = run
        self.day = timezone.localdate()
        self.criterion = criterion_on(self.day)
        self._tables: dict[tuple[Any, str], tuple[FeeTable, fees.FeeTable] | None] = {}
        # The household facts of the batch being processed (application id → income, problems), loaded for the
        # whole batch in a few queries rather than per application.
        self.facts: dict[Any, tuple[Any, list[str]]] = {}
        self._services: dict[Any, ProgrammeService] = {}

    def rows(self, values: list[Sequence[Any]]) -> list[_Row]:
        """The batch's applications with their service of the programme (with the catalog service and the
        programme) from what the run has read already; services not seen yet are read in one query."""
        missing = {v[2] for v in values} - self._services.keys()
        if missing:
            self._services.update(ProgrammeService.objects.select_related("service", "programme").in_bulk(missing))
        municipality_id = self.run.municipality_id
        return [_Row(v, municipality_id, self._services[v[2]]) for v in values]

    def table(self, application: Any) -> tuple[FeeTable, fees.FeeTable] | None:
        from cus.qualification.application_services import fee_table_for

        key = (application.programme_service.service_id, application.track)
        if key not in self._tables:
            table = fee_table_for(application, self.day)
            self._tables[key] = None if table is None else (table, table.as_fee_table())
        return self._tables[key]


def run_recalculation(run_id: int) -> RecalculationRun | None:
    """Process a queued run; a run that is not queued (done, or taken by another worker) is left alone."""
    claimed = RecalculationRun.objects.filter(pk=run_id, status=RecalculationStatus.QUEUED).update(
        status=RecalculationStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = RecalculationRun.objects.select_related("municipality", "started_by").get(pk=run_id)
    try:
        ids = list(qualified_in(run.municipality_id).order_by("pk").values_list("pk", flat=True))
        run.total = len(ids)
        run.save(update_fields=["total"])
        context = _Context(run)
        for start in range(0, len(ids), BATCH_SIZE):
            _process_batch(context, ids[start : start + BATCH_SIZE])
        RecalculationRun.objects.filter(pk=run.pk).update(status=RecalculationStatus.DONE, finished_at=timezone.now())
    except Exception as exc:  # the run is reported as failed, with what happened; nothing half-applied stays
        logger.exception("Recalculation %s failed", run_id)
        RecalculationRun.objects.filter(pk=run.pk).update(
            status=RecalculationStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
    run.refresh_from_db()
    return run


@transaction.atomic
def _process_batch(context: _Context, ids: Sequence[Any]) -> None:
    from cus.qualification.application_services import household_facts_for

    # The batch's rows are locked and read as plain values; what the applications share is read once per run
    # (services, the municipality), what is their own once per batch (the household facts, the fee fields of the
    # changed ones for the audit trail): a few queries a batch, and no model instance per application.
    rows = context.rows(
        list(
            Application.objects.select_for_update(of=("self",))
            .filter(pk__in_array=ids, state=State.QUALIFIED)
            .order_by("pk")
            .values_list(*ROW_FIELDS)
        )
    )
    context.facts = household_facts_for([r for r in rows if r.programme_service.fee_kind == ProgrammeFeeKind.INCOME])
    report: list[Sequence[Any]] = []
    changed = []
    counts = {outcome: 0 for outcome in RecalculationOutcome.values}
    for row in rows:
        result = _recalculate(context, row)
        counts[result.outcome] += 1
        if result.outcome in REPORTED_OUTCOMES:
            report.append(result.row)
        if result.applied is not None:
            changed.append((row, result))
    _insert_rows(RecalculationChange, CHANGE_FIELDS, report)
    if changed:
        _apply(context, changed, timezone.now())
    RecalculationRun.objects.filter(pk=context.run.pk).update(
        # The ids that left the qualified state since the run started count as processed, too.
        processed=F("processed") + len(ids),
        changed=F("changed") + counts[RecalculationOutcome.CHANGED],
        kept=F("kept") + counts[RecalculationOutcome.KEPT],
        failed=F("failed") + counts[RecalculationOutcome.FAILED],
    )


def _apply(context: _Context, changed: list[tuple[_Row, _Outcome]], now: Any) -> None:
    """Write the changed fees to the applications, with one audit entry (the fee fields before and after, read
    again in one query as plain values) and one history event (``EVENT_FIELDS``) each."""
    fee_attributes = [f.attname for f in Application._meta.concrete_fields if f.name in FEE_FIELDS]
    read = ("pk", "reference", "person_id", *(f"person__{name}" for name in PERSON_LABEL_FIELDS), *fee_attributes)
    before_of = {
        values[0]: values
        for values in Application.objects.filter(pk__in_array=[row.pk for row, _r in changed])
        .order_by()
        .values_list(*read)
    }
    entries = UpdateEntries(actor=context.run.started_by, model=Application, person_model=Person, at=now)
    events: list[Sequence[Any]] = []
    actor_id = getattr(context.run.started_by, "pk", None)
    actor_label = _("system (recalculation of fees)")
    updates: list[list[Any]] = []
    labels = len(PERSON_LABEL_FIELDS)
    for row, result in changed:
        pk, reference, person_id, *values = before_of[row.pk]
        before = dict(zip(fee_attributes, values[labels:], strict=True))
        after = {**before, **(result.applied or {}), "fee_computed_at": now, "updated_at": now}
        message = _fee_message(result.row)
        entries.add(
            pk=pk,
            label=reference,  # what str() of an application gives once it has a reference
            before=values_snapshot(Application, before),
            after=values_snapshot(Application, after),
            message=message,
            person_pk=person_id,
            person_label=Person.label_of(*values[:labels]),
            municipality_id=context.run.municipality_id,  # the application's tenant (``audit_tenant``)
        )
        updates.append([*(after[name] for name in fee_attributes), pk])
        events.append((pk, "recalculate_fee", "", "", actor_id, actor_label, now, message))
    _update(Application, FEE_FIELDS, updates)
    _insert_rows(AuditEntry, ENTRY_FIELDS, entries.rows)
    _insert_rows(ApplicationEvent, EVENT_FIELDS, events)


# Values of each plain Python type, to ask a field what it makes of that type.
_SAMPLES: tuple[Any, ...] = (
    None,
    True,
    7,
    Decimal("1.50"),
    "x",
    "",
    datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC),
)


def _preparer(field: Any, connection: Any) -> Any:
    """A function preparing a value of ``field`` as ``get_db_prep_save`` does, without the field's work for the
    plain types it gives back unchanged on this database (asked once, with samples of each type: a string column
    keeps a string, but PostgreSQL's integer columns wrap an int in a typed object, a foreign key to a UUID parses a
    string, an IP address column turns an empty string into NULL...); a relation always prepares a string."""
    prepare = field.get_db_prep_save
    kept: set[type] = set()
    changed: set[type] = set()
    for sample in _SAMPLES:
        if field.is_relation and isinstance(sample, str):
            continue
        try:
            given = prepare(sample, connection)
        except (ValidationError, TypeError, ValueError):
            continue
        (kept if type(given) is type(sample) and given == sample else changed).add(type(sample))
    plain = kept - changed
    if not plain:
        return partial(prepare, connection=connection)

    def prepared(value: Any) -> Any:
        return value if type(value) in plain else prepare(value, connection)

    return prepared


# Rows per INSERT statement: one statement for many rows (a row per statement costs a round trip on PostgreSQL),
# within both databases' limits on parameters per statement.
INSERT_ROWS = 500
MAX_PARAMETERS = 30000


def _insert_rows(model: Any, names: Sequence[str], rows: list[Sequence[Any]]) -> None:
    """Insert many new rows given as values of the fields ``names`` (the primary key assigned by the database), each
    value prepared as the field would: a COPY on PostgreSQL, elsewhere a few hundred rows per parametrised INSERT."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    preparers = [_preparer(f, connection) for f in fields]
    if connection.vendor == "postgresql":
        # COPY: the rows stream to the server without a statement to parse (psycopg parses the placeholders of a
        # long statement in Python, which cost more than the insert itself).
        sql = "COPY {} ({}) FROM STDIN".format(quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields))
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([p(v) for p, v in zip(preparers, row, strict=True)])
        return
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - quoted names from the model, values as parameters
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    one = "({})".format(", ".join(["%s"] * len(fields)))
    size = max(1, min(INSERT_ROWS, MAX_PARAMETERS // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                head + ", ".join([one] * len(chunk)),
                [p(v) for row in chunk for p, v in zip(preparers, row, strict=True)],
            )


_UPDATE_FROM_ARRAYS = (
    "UPDATE {table} SET {sets} FROM unnest({arrays}) AS new_values({names}) WHERE {table}.{pk} = new_values.{pk}"
)


def _update(model: Any, names: Sequence[str], rows: list[list[Any]]) -> None:
    """``bulk_update`` of the fields ``names`` of many rows, each row given as those fields' values followed by its
    primary key, prepared by the fields as ``bulk_update`` would: on PostgreSQL one UPDATE joined to the new values
    sent as one array per column, elsewhere one parametrised UPDATE by primary key run for all rows
    (``executemany``). The ORM's ``bulk_update`` builds a CASE of every row for every field, which costs more than
    all the rest of a recalculation."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    columns = [*fields, pk]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    preparers = [_preparer(f, connection) for f in columns]
    prepared = [[p(value) for p, value in zip(preparers, row, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = _UPDATE_FROM_ARRAYS.format(
                table=table,
                sets=", ".join(f"{quote(f.column)} = new_values.{quote(f.column)}" for f in fields),
                arrays=", ".join(f"%s::{array_type(f, connection)}" for f in columns),
                names=", ".join(quote(f.column) for f in columns),
                pk=quote(pk.column),
            )
            cursor.execute(sql, [array_parameter(row[index] for row in prepared) for index in range(len(columns))])
            return
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - quoted names from the model, values as parameters
            table, ", ".join(f"{quote(f.column)} = %s" for f in fields), quote(pk.column)
        )
        cursor.executemany(sql, prepared)


def _fee_message(row: Sequence[Any]) -> str:
    values = dict(zip(CHANGE_FIELDS, row, strict=True))
    return (
        f"Fee recalculated: {values['old_fee_per_unit']} → {values['new_fee_per_unit']} PLN per unit, "
        f"{values['old_fee_per_month']} → {values['new_fee_per_month']} PLN a month."
    )


def _change(
    application: _Row,
    context: _Context,
    outcome: str,
    *,
    new_fee_per_unit: Decimal | None = None,
    new_fee_per_month: Decimal | None = None,
    new_income_per_person: Decimal | None = None,
    new_criterion: Decimal | None = None,
    new_band: str = "",
    reason: str = "",
) -> tuple[Any, ...]:
    """A row of the report (``CHANGE_FIELDS``); the "before" values come from the application as it still is."""
    return (
        context.run.pk,
        application.pk,
        outcome,
        application.fee_per_unit,
        application.fee_per_month,
        application.income_per_person,
        application.criterion_amount,
        application.fee_band,
        new_fee_per_unit,
        new_fee_per_month,
        new_income_per_person,
        new_criterion,
        new_band,
        reason,
    )


def _recalculate(context: _Context, application: _Row) -> _Outcome:
    try:
        return _compute(context, application)
    except (ValidationError, ValueError, ArithmeticError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        return _Outcome(
            RecalculationOutcome.FAILED,
            _change(application, context, RecalculationOutcome.FAILED, reason=" ".join(messages)),
        )
    except Exception:
        logger.exception("Recalculation of application %s failed", application.pk)
        return _Outcome(
            RecalculationOutcome.FAILED,
            _change(
                application, context, RecalculationOutcome.FAILED, reason=_("Unexpected error; see the server log.")
            ),
        )


def _compute(context: _Context, application: _Row) -> _Outcome:
    service = application.programme_service
    units = application.units_per_month
    if units is None or units <= 0:
        raise ValidationError(_("The application has no number of units a month."))
    if service.fee_kind in (ProgrammeFeeKind.FREE, ProgrammeFeeKind.FIXED):
        per_unit = (
            ZERO if service.fee_kind == ProgrammeFeeKind.FREE else fees.round_grosz(Decimal(service.fee_amount or 0))
        )
        return _settle(context, application, per_unit=per_unit, per_month=fees.round_grosz(per_unit * units))
    income, problems = context.facts[application.pk]
    if problems:
        raise ValidationError(problems)
    if context.criterion is None:
        raise ValidationError(_("No income criterion is in force today."))
    found = context.table(application)
    if found is None:
        raise ValidationError(_("No fee table is in force today for this service."))
    table, pure = found
    single = bool(income.single_person)
    amount = context.criterion.amount_for(single=single)
    new_income = income.per_person
    old_income = application.income_per_person

    def fee(income_per_person: Decimal) -> fees.FeeResult:
        return fees.compute_fee(
            income_per_person=income_per_person,
            criterion=amount,
            unit_cost=Decimal(service.unit_cost),
            units_per_month=units,
            single=single,
            table=pure,
        )

    result = fee(new_income)
    kept = False
    if (
        application.track == workflow.Track.STATUTORY
        and old_income is not None
        and application.single_person == single
        and new_income != old_income
        and not fees.income_change_changes_fee(old_income, new_income, amount)
    ):
        # PS art. 106 ust. 3b: a change of income of at most 10 % of the criterion is disregarded.
        with_old_income = fee(old_income)
        kept = with_old_income.fee_per_unit != result.fee_per_unit
        result = with_old_income
    band = result.band.label()
    return _settle(
        context,
        application,
        per_unit=result.fee_per_unit,
        per_month=result.fee_per_month,
        kept=kept,
        new_income=new_income,
        new_criterion=amount,
        new_band=band,
        apply={
            "income_per_person": result.income_per_person,
            "household_members": income.members,
            "single_person": single,
            "criterion_id": context.criterion.pk,
            "criterion_amount": amount,
            "fee_table_id": table.pk,
            "fee_band": band,
            "income_percent": result.income_percent,
            "fee_percent": result.fee_percent,
        },
    )


def _settle(
    context: _Context,
    application: _Row,
    *,
    per_unit: Decimal,
    per_month: Decimal,
    kept: bool = False,
    new_income: Decimal | None = None,
    new_criterion: Decimal | None = None,
    new_band: str = "",
    apply: dict[str, Any] | None = None,
) -> _Outcome:
    changed = per_unit != application.fee_per_unit or per_month != application.fee_per_month
    if changed:
        outcome = RecalculationOutcome.CHANGED
    elif kept:
        outcome = RecalculationOutcome.KEPT
    else:
        outcome = RecalculationOutcome.UNCHANGED
    row = _change(
        application,
        context,
        outcome,
        new_fee_per_unit=per_unit,
        new_fee_per_month=per_month,
        new_income_per_person=new_income,
        new_criterion=new_criterion,
        new_band=new_band,
    )
    if not changed:
        return _Outcome(outcome, row)
    # Only a changed fee is written back to the application (with what it was computed from).
    return _Outcome(outcome, row, {**(apply or {}), "fee_per_unit": per_unit, "fee_per_month": per_month})


# --- reads (screens and API) ---------------------------------------------------------------------------------------

CHANGE_SORTS: dict[str, tuple[str, ...]] = {
    "reference": ("application__year", "application__number"),
    "outcome": ("outcome", "pk"),
    "old_fee": ("old_fee_per_month", "pk"),
    "new_fee": ("new_fee_per_month", "pk"),
}


def runs_for(user: Any) -> Any:
    return RecalculationRun.objects.restrict(user, "view").select_related("municipality", "started_by")


def changes_for(run: RecalculationRun, *, sort: str = "", outcome: str = "") -> Any:
    changes = RecalculationChange.objects.filter(run=run).select_related("application")
    if outcome in RecalculationOutcome.values:
        changes = changes.filter(outcome=outcome)
    order: tuple[str, ...] = CHANGE_SORTS.get(sort.removeprefix("-"), ("pk",))
    if sort.startswith("-"):
        order = tuple(f"-{field}" for field in order)
    return changes.order_by(*order)


def recalculation_municipalities(user: Any) -> Any:
    """The municipalities of the user's centre where the user may start a recalculation."""
    from cus.qualification.queries import municipalities_for

    return municipalities_for(user, "qualification.recalculate_application")
