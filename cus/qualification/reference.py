"""Income criteria set by national law (PS art. 8 ust. 1, verified every three years under art. 9), preloaded by
migration 0002. A new regulation is added on the criteria screen or through the API, not here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

CRITERIA: list[dict[str, Any]] = [
    {
        # Rozporządzenie Rady Ministrów z 14 lipca 2021 r. (Dz.U. 2021 poz. 1296).
        "single_person": Decimal("776.00"),
        "per_person_in_family": Decimal("600.00"),
        "valid_from": datetime.date(2022, 1, 1),
        "valid_to": datetime.date(2024, 12, 31),
        "legal_basis": "Dz.U. 2021 poz. 1296",
    },
    {
        # Rozporządzenie Rady Ministrów z 10 lipca 2024 r. (Dz.U. 2024 poz. 1044); next verification 2027.
        "single_person": Decimal("1010.00"),
        "per_person_in_family": Decimal("823.00"),
        "valid_from": datetime.date(2025, 1, 1),
        "valid_to": None,
        "legal_basis": "Dz.U. 2024 poz. 1044",
    },
]


def load_criteria(model: Any) -> None:
    """Create the criteria that are missing (by start date); never changes an existing row."""
    for spec in CRITERIA:
        if not model.objects.filter(valid_from=spec["valid_from"]).exists():
            model.objects.create(**spec)
