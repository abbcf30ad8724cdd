from __future__ import annotations

from typing import Any

import pytest

from cus.residents import demo, pesel
from cus.residents.models import Household, IncomeDeclaration, Person

pytestmark = pytest.mark.django_db


def test_demo_residents_are_valid_and_idempotent(centre: Any, other_centre: Any, municipality: Any) -> None:
    municipalities = [municipality, *other_centre.municipalities.all()]
    created = demo.build(municipalities)
    assert created == Person.objects.count() >= 30
    assert Household.objects.count() == 12
    assert all(pesel.is_valid(p.pesel) for p in Person.objects.all())
    assert IncomeDeclaration.objects.exists()
    assert demo.build(municipalities) == 0
