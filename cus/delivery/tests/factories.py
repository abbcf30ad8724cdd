"""Objects of delivery for tests and the permission matrix (cus/core/tests/test_permissions.py)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from cus.accounts.roles import Role
from cus.delivery import services
from cus.delivery.models import ProviderStaff


def item_of(plan: Any, provider: Any) -> Any:
    """The plan's item delivered by ``provider`` (make_plan: the first provider's care Mon/Wed/Fri 9:00, the other
    provider's assistance on Tuesdays 12:00)."""
    return plan.items.select_related("plan").get(provider=provider)


def visit(user: Any, item: Any, **fields: Any) -> Any:
    values = {
        "date": timezone.localdate() - datetime.timedelta(days=1),
        "start_time": datetime.time(9, 0),
        "minutes": 120,
        "worker_name": "Maria Opiekunka",
    }
    values.update(fields)
    return services.record_visit(actor=user, item=item, **values)


def matrix_objects(municipality: Any, actor: Any) -> dict[str, Any]:
    """An approved plan (built directly, cheaply: the matrix builds it for every test) with an item of a provider,
    a record of it, a pending correction request of another record, and the provider user's link. A provider-staff
    ``actor`` is linked to that provider and is the record's author."""
    from decimal import Decimal

    from cus.accounts.permissions import grants_for
    from cus.accounts.tests.factories import UserFactory
    from cus.catalog.tests.factories import OrganizationFactory, ServiceFactory
    from cus.core.models import Centre
    from cus.plans.models import PlanItem, PlanStatus, ServicePlan
    from cus.residents.tests.factories import PersonFactory

    today = timezone.localdate()
    centre = Centre.objects.filter(municipalities=municipality).order_by("pk").first()
    existing = ProviderStaff.objects.filter(user=actor).select_related("organization").first() if actor else None
    provider = existing.organization if existing else OrganizationFactory(municipality=municipality)
    service = ServiceFactory(municipality=municipality, organization=provider, name="Usługi opiekuńcze")
    number = next(_PLAN_NUMBERS)
    plan = ServicePlan.objects.create(
        centre=centre,
        municipality=municipality,
        year=today.year,
        number=number,
        reference=f"CUS.4012.{number}.{today.year}",
        person=PersonFactory(municipality=municipality),
        coordinator=UserFactory(centre=centre, roles=[Role.IPUS_COORDINATOR]),
        applied_on=today - datetime.timedelta(days=40),
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=200),
        status=PlanStatus.ACTIVE,
    )
    item = PlanItem.objects.create(
        plan=plan,
        service=service,
        provider=provider,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        weekdays=[1, 3, 5],
        time_from=datetime.time(9, 0),
        hours_per_visit=Decimal("2"),
        planned_hours=Decimal("180"),
    )
    provider_user = UserFactory(centre=centre, roles=[Role.PROVIDER_STAFF], full_name="Opiekunka Macierzowa")
    ProviderStaff.objects.create(user=provider_user, organization=provider)
    author = provider_user
    if actor is not None and Role.PROVIDER_STAFF in {g.role for g in grants_for(actor)}:
        link_provider_actor(actor, municipality, organization=provider)
        author = actor
    record = visit(author, item)
    # The pending request concerns another visit, so the matrix can still ask to correct ``record`` (one pending
    # request per record).
    earlier = visit(provider_user, item, date=today - datetime.timedelta(days=3))
    correction = services.request_correction(
        actor=provider_user, record=earlier, reason="Pomyłka w czasie trwania.", minutes=90
    )
    return {
        "delivery_item": item,
        "delivery_record": record,
        "record_date": (today - datetime.timedelta(days=2)).isoformat(),
        "correction": correction,
        "provider_link": ProviderStaff.objects.get(user=provider_user),
        "unlinked_provider_user": UserFactory(centre=centre, roles=[Role.PROVIDER_STAFF]),
    }


_PLAN_NUMBERS = itertools.count(90001)


def link_provider_actor(actor: Any, municipality: Any, organization: Any = None) -> None:
    """Link a provider-staff user to a provider of the municipality (the permission matrix does it for every
    provider-staff caller, even when no object of the delivery is built)."""
    from cus.accounts.permissions import grants_for
    from cus.catalog.tests.factories import OrganizationFactory

    if actor is None or Role.PROVIDER_STAFF not in {g.role for g in grants_for(actor)}:
        return
    if not ProviderStaff.objects.filter(user=actor).exists():
        organization = organization or OrganizationFactory(municipality=municipality, name="Spółdzielnia Opiekuńcza")
        ProviderStaff.objects.create(user=actor, organization=organization)
    actor._cus_provider_id = False
