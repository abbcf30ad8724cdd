"""Tenant scoping: ``restrict`` denies by default, ``access_object`` hides and audits what is out of reach, and
every model of the project says how it is scoped."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from cus.accounts.models import User
from cus.accounts.roles import Role
from cus.accounts.tests.factories import UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.core.access import access_object
from cus.core.models import Centre, Municipality, Team

# Models scoped some other way than ``tenant_q``; each needs a reason.
NOT_TENANT_SCOPED = {
    "accounts.apitoken": "scoped by its owner: every query filters user=request.user (token_of_user)",
    "core.ratelimitcounter": "technical counter of attempts at public pages, keyed by a hash of the client address; "
    "holds no municipality's data and is never listed to staff",
    "catalog.taxonomy": "reference data shared by every municipality (the 14 statutory areas, target groups)",
    "catalog.taxonomyterm": "reference data shared by every municipality (terms of the shared taxonomies)",
    "qualification.incomecriterion": "national reference data set by regulation (PS art. 8–9); restrict() checks "
    "the permission only",
}


def test_every_project_model_is_tenant_scoped_or_whitelisted_with_a_reason() -> None:
    unscoped = []
    for model in apps.get_models():
        if not model.__module__.startswith("cus.") or model._meta.abstract or model._meta.proxy:
            continue
        label = model._meta.label_lower
        if hasattr(model, "tenant_q"):
            assert label not in NOT_TENANT_SCOPED, f"{label} has tenant_q; drop it from the whitelist"
            assert hasattr(model._default_manager, "restrict"), f"{label} defines tenant_q but cannot restrict()"
        elif not NOT_TENANT_SCOPED.get(label):
            unscoped.append(label)
    assert not unscoped, f"Models without tenant_q and without a whitelisted reason: {unscoped}"


def test_the_whitelist_names_existing_models() -> None:
    labels = {model._meta.label_lower for model in apps.get_models()}
    assert set(NOT_TENANT_SCOPED) <= labels


@pytest.mark.django_db
class TestRestrict:
    def test_anonymous_sees_nothing(self, centre: Centre) -> None:
        assert not Centre.objects.restrict(AnonymousUser()).exists()
        assert not Centre.objects.restrict(None).exists()

    def test_a_user_without_roles_sees_nothing(self, make_user: Any, centre: Centre) -> None:
        assert not Centre.objects.restrict(make_user()).exists()

    def test_an_inactive_user_sees_nothing(self, make_user: Any, centre: Centre) -> None:
        user = make_user(Role.DIRECTOR, is_active=False)
        assert not Centre.objects.restrict(user).exists()
        assert not User.objects.restrict(user).exists()

    def test_a_director_sees_only_their_centre(self, director: Any, centre: Centre, other_centre: Centre) -> None:
        assert list(Centre.objects.restrict(director)) == [centre]
        assert set(Municipality.objects.restrict(director)) == set(centre.municipalities.all())
        assert set(Team.objects.restrict(director)) == set(centre.teams.all())

    def test_the_action_selects_the_permission(self, make_user: Any, centre: Centre) -> None:
        worker = make_user(Role.SOCIAL_WORKER)
        assert list(Centre.objects.restrict(worker, "view")) == [centre]
        assert not Centre.objects.restrict(worker, "change").exists()
        assert not User.objects.restrict(worker, "view").exists()

    def test_a_role_reaches_only_its_municipalities(self, make_user: Any, other_centre: Centre) -> None:
        first, _second = other_centre.municipalities.order_by("teryt")
        director = UserFactory(centre=other_centre)
        assignment = director.role_assignments.create(role=Role.DIRECTOR)
        assignment.municipalities.set([first])
        assert set(Municipality.objects.restrict(director)) == {first}

    def test_a_superuser_sees_everything(self, centre: Centre, other_centre: Centre) -> None:
        root = UserFactory(centre=None, is_superuser=True)
        assert set(Centre.objects.restrict(root)) == {centre, other_centre}


@pytest.mark.django_db
class TestAccessObject:
    def test_returns_an_object_in_reach(self, director: Any, centre: Centre) -> None:
        assert access_object(director, Centre, "view", pk=centre.pk) == centre

    def test_out_of_reach_is_404_and_audited(self, director: Any, other_centre: Centre) -> None:
        with pytest.raises(Http404):
            access_object(director, Centre, "view", pk=other_centre.pk)
        entry = AuditEntry.objects.get(action=AuditAction.DENIED)
        assert entry.actor == director
        assert entry.object_type == "core.centre"
        assert entry.object_id == str(other_centre.pk)
        assert entry.purpose == "core.centre.view"
        # The row belongs to the centre whose object it names: that centre's auditors see the attempt.
        assert entry.centre_id == other_centre.pk

    def test_missing_is_the_same_404_without_an_audit_row(self, director: Any) -> None:
        with pytest.raises(Http404) as missing:
            access_object(director, Centre, "view", pk=987654)
        assert not AuditEntry.objects.filter(action=AuditAction.DENIED).exists()
        assert "987654" not in str(missing.value)

    def test_a_wrong_action_is_denied_even_in_the_own_centre(self, make_user: Any, centre: Centre) -> None:
        worker = make_user(Role.SOCIAL_WORKER)
        with pytest.raises(Http404):
            access_object(worker, Centre, "change", pk=centre.pk)
        assert AuditEntry.objects.get(action=AuditAction.DENIED).purpose == "core.centre.change"

    def test_a_malformed_lookup_is_404(self, director: Any) -> None:
        with pytest.raises(Http404):
            access_object(director, Centre, "view", pk="not-a-number")


@pytest.mark.django_db
def test_has_perm_with_an_object_follows_the_scope(director: Any, centre: Centre, other_centre: Centre) -> None:
    assert director.has_perm("core.change_centre", centre)
    assert not director.has_perm("core.change_centre", other_centre)
    assert director.has_perm("core.view_centre")
    assert not director.has_perm("accounts.add_user")
