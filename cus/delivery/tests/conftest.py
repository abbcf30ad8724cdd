from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted on their English msgids, whatever the installation's language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_requests(client: Any) -> None:
    """Pages and API answers in English too (the installation's default language is Polish)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
