"""Demo fee tables: a care-services table (PS art. 50 ust. 6) for each demo municipality, from fictional
resolutions of their councils. Idempotent: a municipality that already has a care-services table is left alone."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from cus.core.models import Municipality
from cus.qualification import services
from cus.qualification.models import FeeScope, FeeTable, FeeTableStatus, FeeUnitKind
from cus.qualification.reference import load_criteria

# Income per person as % of the criterion → fee as % of the hourly cost (living alone, in a family); the usual
# shape of such resolutions: free up to the criterion, then rising, full cost above 500 %.
CARE_BANDS: list[tuple[str, str | None, str, str]] = [
    ("0", "100", "0", "0"),
    ("100", "150", "5", "10"),
    ("150", "200", "10", "15"),
    ("200", "250", "15", "20"),
    ("250", "300", "20", "30"),
    ("300", "350", "30", "40"),
    ("350", "400", "40", "50"),
    ("400", "500", "60", "70"),
    ("500", None, "100", "100"),
]

RESOLUTIONS = {
    "1499011": ("XV/112/2024", datetime.date(2024, 11, 28)),
    "1499022": ("XIV/98/2024", datetime.date(2024, 12, 5)),
    "1499033": ("XVI/131/2024", datetime.date(2024, 12, 12)),
}


def care_bands() -> list[dict[str, Any]]:
    return [
        {
            "income_from": Decimal(start),
            "income_to": None if end is None else Decimal(end),
            "fee_single": Decimal(single),
            "fee_family": Decimal(family),
        }
        for start, end, single, family in CARE_BANDS
    ]


def build(municipalities: Iterable[Municipality]) -> int:
    """Create the missing tables; returns how many were created."""
    from cus.qualification.models import IncomeCriterion

    load_criteria(IncomeCriterion)
    created = 0
    for municipality in municipalities:
        if FeeTable.objects.filter(municipality=municipality, scope=FeeScope.CARE).exists():
            continue
        number, adopted = RESOLUTIONS.get(municipality.teryt, ("I/1/2024", datetime.date(2024, 12, 1)))
        services.fee_table_create(
            actor=None,
            municipality=municipality,
            bands=care_bands(),
            name=f"Odpłatność za usługi opiekuńcze – {municipality.name}",
            scope=FeeScope.CARE,
            resolution_number=number,
            resolution_date=adopted,
            unit=FeeUnitKind.HOUR,
            valid_from=datetime.date(2025, 1, 1),
            status=FeeTableStatus.IN_FORCE,
        )
        created += 1
    return created


def build_applications(municipalities: Iterable[Municipality]) -> int:
    """A few fictional paper applications in each municipality with a programme in force (see
    ``_applications_in``)."""
    return sum(_applications_in(municipality) for municipality in municipalities)


def _applications_in(municipality: Municipality) -> int:
    """One new application, one waiting for documents, one qualified (when the person's household income allows
    it). Idempotent: nothing is added when the municipality has any."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from cus.programme.models import ProgrammeService, ProgrammeStatus, Track
    from cus.qualification import application_services
    from cus.qualification.applications import Application
    from cus.residents.models import Person

    if Application.objects.filter(municipality=municipality).exists():
        return 0
    offer = (
        ProgrammeService.objects.filter(
            programme__municipality=municipality, programme__status=ProgrammeStatus.IN_FORCE, track=Track.PROGRAMME
        )
        .order_by("pk")
        .first()
    )
    if offer is None:
        return 0
    persons = list(
        Person.objects.filter(municipality=municipality, memberships__valid_to__isnull=True).order_by("pk")[:3]
    )
    created = 0
    for index, person in enumerate(persons):
        try:
            application, _code = application_services.file_application(
                actor=None,
                person=person,
                programme_service=offer,
                statements=[application_services.statement_text("Spełniam warunki programu.")],
            )
            created += 1
            if index == 1:
                application_services.request_documents(
                    actor=None,
                    application=application,
                    deadline=timezone.localdate() + datetime.timedelta(days=14),
                    documents="Zaświadczenie o dochodach za poprzedni miesiąc.",
                )
            elif index == 2:
                application = application_services.accept_as_complete(actor=None, application=application)
                application_services.qualify(actor=None, application=application, units_per_month=Decimal("8"))
        except ValidationError:
            continue  # the demo household lacks data for this step: the application stays where it is
    return created
