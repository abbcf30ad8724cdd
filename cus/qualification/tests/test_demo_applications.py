from __future__ import annotations

from typing import Any

import pytest

from cus.qualification.applications import Application
from cus.qualification.demo import build_applications

pytestmark = pytest.mark.django_db


def test_demo_applications_are_created_once(centre: Any, municipality: Any) -> None:
    from cus.catalog.demo import build as build_catalog
    from cus.programme.demo import build as build_programme
    from cus.qualification.demo import build as build_fee_tables
    from cus.residents.demo import build as build_residents

    build_catalog(municipality)
    build_residents([municipality])
    build_programme(municipality)
    build_fee_tables([municipality])
    created = build_applications([municipality])
    assert created == Application.objects.count() > 0
    assert Application.objects.filter(state="incomplete").exists()
    assert build_applications([municipality]) == 0
