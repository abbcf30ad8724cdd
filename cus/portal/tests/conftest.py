from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def reference_taxonomies(db: None) -> None:
    """The home page lists the 14 areas even when an earlier transactional test flushed the seeded rows."""
    from cus.catalog.tests.factories import ensure_reference_taxonomies

    ensure_reference_taxonomies()
