import pytest

from cus.plans.models import PlanStatus
from cus.plans.tests.factories import make_plan, plan_world

pytestmark = pytest.mark.django_db


def test_make_plan_approved() -> None:
    world = plan_world()
    plan = make_plan(world)
    assert plan.status == PlanStatus.ACTIVE
    assert plan.items.count() == 2
    assert plan.versions.get().status == "approved"
