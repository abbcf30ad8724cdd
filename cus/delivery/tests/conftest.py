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


@pytest.fixture
def world() -> dict[str, Any]:
    """A plan of a centre with two providers' items (``plan_world``): ``item`` of ``provider``, ``other_item`` of
    ``other_provider``."""
    from cus.delivery.tests.factories import item_of
    from cus.plans.tests.factories import make_plan, plan_world

    world = plan_world()
    world["plan"] = make_plan(world)
    world["item"] = item_of(world["plan"], world["provider"])
    world["other_item"] = item_of(world["plan"], world["other_provider"])
    return world
