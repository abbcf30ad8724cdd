from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted on their English msgids, whatever the installation's language."""
    with translation.override("en"):
        yield
