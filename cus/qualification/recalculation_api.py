"""Staff API of the recalculation of fees (/api/v1/qualification/recalculations): start runs, follow a run, read
its report of changes. The same services and permissions as the screens."""

# No `from __future__ import annotations`: @paginate wraps the view (see cus/qualification/api.py).

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cus.core.access import access_object
from cus.core.api_schemas import BODY_ERRORS, DETAIL_ERRORS, InputSchema, Pagination, require_permission
from cus.qualification import recalculation
from cus.qualification.models import (
    RecalculationOutcome,
    RecalculationReason,
    RecalculationRun,
    RecalculationStatus,
)

router = Router(tags=["qualification"])


class RunOut(Schema):
    id: int
    municipality: str = Field(description="TERYT code.")
    reason: RecalculationReason
    note: str
    status: RecalculationStatus
    total: int = Field(description="Qualified applications in the run.")
    processed: int
    changed: int
    unchanged: int
    kept: int = Field(description="Fees kept under PS art. 106 ust. 3b (statutory track).")
    failed: int = Field(description="Applications whose fee could not be computed (see the changes).")
    percent: int
    error: str
    started_by: str | None = Field(description="E-mail of the worker; null when the system started it.")
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_municipality(obj: RecalculationRun) -> str:
        return obj.municipality.teryt

    @staticmethod
    def resolve_started_by(obj: RecalculationRun) -> str | None:
        return obj.started_by.email if obj.started_by else None


class ChangeOut(Schema):
    application_id: uuid.UUID
    reference: str
    outcome: RecalculationOutcome
    old_fee_per_unit: Decimal | None
    new_fee_per_unit: Decimal | None
    old_fee_per_month: Decimal | None
    new_fee_per_month: Decimal | None
    old_criterion: Decimal | None
    new_criterion: Decimal | None
    old_band: str
    new_band: str
    reason: str = Field(description="Why the fee could not be computed (outcome `failed`).")

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return obj.application.reference


class StartIn(InputSchema):
    municipality: str | None = Field(
        None, min_length=6, max_length=7, description="TERYT code; omitted: every municipality of the centre."
    )
    note: str = Field("", max_length=300)


class ChangeFilters(InputSchema):
    outcome: RecalculationOutcome | None = None
    sort: str = Field("", description="reference, outcome, old_fee or new_fee; prefix '-' for descending.")


def _runs(request: HttpRequest) -> Any:
    return recalculation.runs_for(request.user)


@router.post(
    "",
    response={202: list[RunOut], **BODY_ERRORS},
    summary="Recalculate the fees of every qualified application",
    description="Queues one run per municipality; a municipality with a run already queued gets no second one.",
)
def recalculation_start(request: HttpRequest, payload: StartIn) -> Any:
    require_permission(request, "qualification.recalculate_application")
    allowed = list(recalculation.recalculation_municipalities(request.user))
    if payload.municipality:
        chosen = [m for m in allowed if m.teryt == payload.municipality]
        if not chosen:
            raise ValidationError({"municipality": _("You cannot recalculate fees in this municipality.")})
        allowed = chosen
    runs = recalculation.start_recalculation(
        actor=request.user, municipalities=allowed, reason=RecalculationReason.MANUAL, note=payload.note
    )
    return Status(202, list(_runs(request).filter(pk__in=[run.pk for run in runs]).order_by("pk")))


@router.get("/{run_id}", response={200: RunOut, **DETAIL_ERRORS}, summary="One recalculation with its progress")
def recalculation_detail(request: HttpRequest, run_id: int) -> Any:
    require_permission(request, "qualification.view_recalculationrun")
    access_object(request.user, RecalculationRun, "view", pk=run_id)
    return _runs(request).get(pk=run_id)


@router.get(
    "/{run_id}/changes",
    response={200: list[ChangeOut], **DETAIL_ERRORS},
    summary="The report of a recalculation: each application with its fee before and after",
    description="Lists the applications whose fee changed, was kept under PS art. 106 ust. 3b or could not be "
    "computed; those whose fee stayed the same are counted in the run's `unchanged`.",
)
@paginate(Pagination)
def recalculation_changes(request: HttpRequest, run_id: int, filters: Query[ChangeFilters]) -> Any:
    require_permission(request, "qualification.view_recalculationrun")
    run = access_object(request.user, RecalculationRun, "view", pk=run_id)
    outcome = filters.outcome.value if filters.outcome else ""
    return recalculation.changes_for(run, sort=filters.sort, outcome=outcome)
