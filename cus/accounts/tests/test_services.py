"""Staff accounts, roles, certificates and tokens: the rules of each write, its transaction and its audit rows."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cus.accounts import services
from cus.accounts.models import ApiToken, RoleAssignment, TrainingCertificate, TrainingKind, User
from cus.accounts.roles import ASSISTANCE_TEAM_ROLES, Role
from cus.accounts.tests.factories import PASSWORD, UserFactory
from cus.audit.models import AuditAction, AuditEntry
from cus.core.models import Centre, Municipality
from cus.core.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def _entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def _roles(user: User) -> dict[str, set[str]]:
    return {
        assignment.role: {m.teryt for m in assignment.municipalities.all()}
        for assignment in RoleAssignment.objects.filter(user=user)
    }


# --- staff_create ----------------------------------------------------------------------------------------------


def test_staff_create_saves_normalised_audits_and_invites_after_commit(
    administrator: User, centre: Centre, municipality: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = services.staff_create(
            actor=administrator,
            email="  Nowa.Osoba@CUS.example ",
            full_name="  Nowa Osoba ",
            centre=centre,
            roles={Role.SOCIAL_WORKER: [municipality]},
        )
        assert mail.outbox == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()

    user.refresh_from_db()
    assert user.email == "nowa.osoba@cus.example"
    assert user.full_name == "Nowa Osoba"
    assert not user.has_usable_password()
    assert _roles(user) == {Role.SOCIAL_WORKER: {municipality.teryt}}

    (created,) = _entries(action=AuditAction.CREATE, object_type="accounts.user")
    assert created.actor == administrator
    assert created.actor_label == "Irena Administracyjna <admin@cus.example>"
    assert created.object_id == str(user.pk)
    assert created.person_type == "accounts.user"
    assert created.person_id == str(user.pk)
    assert created.centre_id == centre.pk
    assert created.after is not None
    assert "password" not in created.after
    assert created.after["email"] == "nowa.osoba@cus.example"
    (role_row,) = _entries(action=AuditAction.CREATE, object_type="accounts.roleassignment")
    assert role_row.person_id == str(user.pk)
    assert role_row.after is not None
    assert role_row.after["municipalities"] == [municipality.pk]

    (invitation,) = mail.outbox
    assert invitation.to == ["nowa.osoba@cus.example"]
    assert "/accounts/password/set/" in invitation.body


def test_staff_create_with_a_password_sends_no_invitation(
    administrator: User, centre: Centre, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = services.staff_create(
            actor=administrator, email="haslo@cus.example", full_name="Z Hasłem", centre=centre, password=PASSWORD
        )
    assert user.check_password(PASSWORD)
    assert mail.outbox == []


def test_staff_create_refuses_a_duplicate_email_in_any_case(
    administrator: User, centre: Centre, django_capture_on_commit_callbacks: Any
) -> None:
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        services.staff_create(actor=administrator, email="ADMIN@cus.example", full_name="Kopia", centre=centre)
    assert set(caught.value.error_dict) == {"email"}
    assert User.objects.count() == users_before
    assert not _entries(object_type="accounts.user")
    assert mail.outbox == []


def test_staff_create_refuses_an_invalid_email(administrator: User, centre: Centre) -> None:
    with pytest.raises(ValidationError) as caught:
        services.staff_create(actor=administrator, email="nie-adres", full_name="Ktoś", centre=centre)
    assert "email" in caught.value.error_dict
    assert not User.objects.filter(full_name="Ktoś").exists()


def test_staff_create_with_invalid_roles_leaves_nothing_behind(
    administrator: User, centre: Centre, other_centre: Centre, django_capture_on_commit_callbacks: Any
) -> None:
    foreign = other_centre.municipalities.first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError) as caught:
        services.staff_create(
            actor=administrator,
            email="zle.role@cus.example",
            full_name="Złe Role",
            centre=centre,
            roles={Role.DIRECTOR: [foreign]},
        )
    assert "roles" in caught.value.error_dict
    assert not User.objects.filter(email="zle.role@cus.example").exists()
    assert not RoleAssignment.objects.filter(user__email="zle.role@cus.example").exists()
    assert not AuditEntry.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


# --- staff_update ------------------------------------------------------------------------------------------------


def test_staff_update_audits_the_change(administrator: User, make_user: Any) -> None:
    worker = make_user(Role.SOCIAL_WORKER, job_title="Pracownik socjalny")
    services.staff_update(actor=administrator, user=worker, job_title="Starszy pracownik socjalny")
    (entry,) = _entries(action=AuditAction.UPDATE, object_type="accounts.user")
    assert entry.changed_fields == ["job_title"]
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["job_title"] == "Pracownik socjalny"
    assert entry.after["job_title"] == "Starszy pracownik socjalny"
    assert entry.person_id == str(worker.pk)


def test_staff_update_refuses_another_users_email(administrator: User, make_user: Any) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    with pytest.raises(ValidationError) as caught:
        services.staff_update(actor=administrator, user=worker, email="Admin@CUS.example")
    assert set(caught.value.error_dict) == {"email"}
    assert User.objects.get(pk=worker.pk).email == worker.email


def test_staff_update_refuses_fields_that_are_not_editable(administrator: User, make_user: Any) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    with pytest.raises(ValidationError) as caught:
        services.staff_update(actor=administrator, user=worker, is_superuser=True)
    assert set(caught.value.error_dict) == {"is_superuser"}
    assert not User.objects.get(pk=worker.pk).is_superuser


# --- staff_set_roles ---------------------------------------------------------------------------------------------


def _roles_error(**kwargs: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        services.staff_set_roles(**kwargs)
    assert set(caught.value.error_dict) == {"roles"}
    return caught.value.message_dict["roles"]


def test_set_roles_refuses_an_unknown_role(administrator: User, make_user: Any, municipality: Municipality) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    messages = _roles_error(actor=administrator, user=worker, roles={"chief_wizard": [municipality]})
    assert any("chief_wizard" in message for message in messages)
    assert _roles(worker) == {Role.SOCIAL_WORKER: {municipality.teryt}}


def test_set_roles_refuses_a_role_without_municipalities(administrator: User, make_user: Any) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    _roles_error(actor=administrator, user=worker, roles={Role.SPECIALIST: []})
    assert set(_roles(worker)) == {Role.SOCIAL_WORKER}


def test_set_roles_refuses_a_municipality_the_centre_does_not_serve(
    administrator: User, make_user: Any, other_centre: Centre
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    _roles_error(actor=administrator, user=worker, roles={Role.SPECIALIST: list(other_centre.municipalities.all())})
    assert set(_roles(worker)) == {Role.SOCIAL_WORKER}


@pytest.mark.parametrize("role", sorted(ASSISTANCE_TEAM_ROLES))
def test_set_roles_refuses_assistance_roles_in_a_joint_centre(other_centre: Centre, role: str) -> None:
    admin = UserFactory(centre=other_centre, roles=[Role.ADMINISTRATOR])
    worker = UserFactory(centre=other_centre)
    _roles_error(actor=admin, user=worker, roles={role: list(other_centre.municipalities.all())})
    assert _roles(worker) == {}


@pytest.mark.parametrize("role", sorted(ASSISTANCE_TEAM_ROLES))
def test_set_roles_allows_assistance_roles_in_a_converted_centre(
    administrator: User, make_user: Any, municipality: Municipality, role: str
) -> None:
    worker = make_user()
    services.staff_set_roles(actor=administrator, user=worker, roles={role: [municipality]})
    assert _roles(worker) == {role: {municipality.teryt}}


def test_provider_staff_cannot_hold_another_role(
    administrator: User, make_user: Any, municipality: Municipality
) -> None:
    worker = make_user()
    _roles_error(
        actor=administrator,
        user=worker,
        roles={Role.PROVIDER_STAFF: [municipality], Role.SERVICES_ORGANISER: [municipality]},
    )
    assert _roles(worker) == {}
    services.staff_set_roles(actor=administrator, user=worker, roles={Role.PROVIDER_STAFF: [municipality]})
    assert set(_roles(worker)) == {Role.PROVIDER_STAFF}


def test_an_administrator_cannot_remove_their_own_administrator_role(
    administrator: User, municipality: Municipality
) -> None:
    _roles_error(actor=administrator, user=administrator, roles={Role.DIRECTOR: [municipality]})
    assert set(_roles(administrator)) == {Role.ADMINISTRATOR}
    # Adding a role beside it is fine.
    services.staff_set_roles(
        actor=administrator,
        user=administrator,
        roles={Role.ADMINISTRATOR: [municipality], Role.DIRECTOR: [municipality]},
    )
    assert set(_roles(administrator)) == {Role.ADMINISTRATOR, Role.DIRECTOR}


def test_an_actor_cannot_grant_outside_their_own_municipalities(other_centre: Centre) -> None:
    first, second = other_centre.municipalities.order_by("teryt")
    admin = UserFactory(centre=other_centre)
    services.staff_set_roles(actor=None, user=admin, roles={Role.ADMINISTRATOR: [first]})
    worker = UserFactory(centre=other_centre)
    messages = _roles_error(actor=admin, user=worker, roles={Role.DIRECTOR: [first, second]})
    assert len(messages) == 1
    assert _roles(worker) == {}
    services.staff_set_roles(actor=admin, user=worker, roles={Role.DIRECTOR: [first]})
    assert _roles(worker) == {Role.DIRECTOR: {first.teryt}}


def test_roles_outside_the_actors_municipalities_are_kept_as_they_are(other_centre: Centre) -> None:
    first, second = other_centre.municipalities.order_by("teryt")
    admin = UserFactory(centre=other_centre)
    services.staff_set_roles(actor=None, user=admin, roles={Role.ADMINISTRATOR: [first]})
    worker = UserFactory(centre=other_centre)
    services.staff_set_roles(actor=None, user=worker, roles={Role.DIRECTOR: [second], Role.IPUS_COORDINATOR: [first]})

    # The admin of ``first`` sends what they see (nothing of ``second``): the role held in ``second`` stays.
    services.staff_set_roles(actor=admin, user=worker, roles={})
    assert _roles(worker) == {Role.DIRECTOR: {second.teryt}}
    assert not _entries(action=AuditAction.DELETE, object_type="accounts.roleassignment", before__role="director")

    # Adding their own municipality to that role keeps the hidden part too; re-sending it is not a new grant.
    services.staff_set_roles(actor=admin, user=worker, roles={Role.DIRECTOR: [first]})
    assert _roles(worker) == {Role.DIRECTOR: {first.teryt, second.teryt}}
    services.staff_set_roles(actor=admin, user=worker, roles={Role.DIRECTOR: [first, second]})
    assert _roles(worker) == {Role.DIRECTOR: {first.teryt, second.teryt}}

    # The kept part still obeys the rules: provider staff hold no other role.
    _roles_error(actor=admin, user=worker, roles={Role.PROVIDER_STAFF: [first]})
    assert _roles(worker) == {Role.DIRECTOR: {first.teryt, second.teryt}}


def test_the_staff_edit_page_keeps_roles_outside_the_actors_municipalities(other_centre: Centre, client: Any) -> None:
    first, second = other_centre.municipalities.order_by("teryt")
    admin = UserFactory(centre=other_centre)
    services.staff_set_roles(actor=None, user=admin, roles={Role.ADMINISTRATOR: [first]})
    worker = UserFactory(centre=other_centre, full_name="Jan Kowalski", email="jan@cus.example")
    services.staff_set_roles(actor=None, user=worker, roles={Role.DIRECTOR: [second]})
    client.force_login(admin)
    response = client.post(
        f"/accounts/staff/{worker.pk}/edit/",
        {
            "full_name": "Jan Kowalski",
            "email": "jan@cus.example",
            "job_title": "",
            "phone": "",
            "role_ipus_coordinator": [first.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/accounts/staff/{worker.pk}/", response["Location"]
    assert _roles(worker) == {Role.DIRECTOR: {second.teryt}, Role.IPUS_COORDINATOR: {first.teryt}}


def test_set_roles_audits_create_update_and_delete(administrator: User, other_centre: Centre) -> None:
    first, second = other_centre.municipalities.order_by("teryt")
    admin = UserFactory(centre=other_centre, roles=[Role.ADMINISTRATOR])
    worker = UserFactory(centre=other_centre)
    services.staff_set_roles(actor=admin, user=worker, roles={Role.DIRECTOR: [first], Role.IPUS_COORDINATOR: [first]})
    assert len(_entries(action=AuditAction.CREATE, object_type="accounts.roleassignment")) == 2

    services.staff_set_roles(actor=admin, user=worker, roles={Role.DIRECTOR: [first, second]})
    (updated,) = _entries(action=AuditAction.UPDATE, object_type="accounts.roleassignment")
    assert updated.before is not None
    assert updated.after is not None
    assert updated.before["municipalities"] == [first.pk]
    assert updated.after["municipalities"] == sorted([first.pk, second.pk])
    assert updated.changed_fields == ["municipalities"]
    (deleted,) = _entries(action=AuditAction.DELETE, object_type="accounts.roleassignment")
    assert deleted.before is not None
    assert deleted.before["role"] == Role.IPUS_COORDINATOR
    assert deleted.after is None
    for entry in (updated, deleted):
        assert entry.actor == admin
        assert entry.person_type == "accounts.user"
        assert entry.person_id == str(worker.pk)
        assert entry.centre_id == other_centre.pk
    assert _roles(worker) == {Role.DIRECTOR: {first.teryt, second.teryt}}

    count = AuditEntry.objects.count()
    services.staff_set_roles(actor=admin, user=worker, roles={Role.DIRECTOR: [second, first]})
    assert AuditEntry.objects.count() == count  # nothing changed, nothing written


def test_set_roles_takes_effect_for_the_permission_checks(administrator: User, make_user: Any) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    assert not worker.has_perm("accounts.view_user")
    services.staff_set_roles(
        actor=administrator, user=worker, roles={Role.DIRECTOR: list(worker.centre.municipalities.all())}
    )
    assert worker.has_perm("accounts.view_user")


# --- staff_set_active --------------------------------------------------------------------------------------------


def test_an_actor_cannot_deactivate_themselves(administrator: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.staff_set_active(actor=administrator, user=administrator, active=False)
    assert set(caught.value.error_dict) == {"is_active"}
    assert User.objects.get(pk=administrator.pk).is_active
    assert not _entries(action=AuditAction.UPDATE)


def test_deactivation_revokes_every_token_and_audits(administrator: User, make_user: Any) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    first, _key = services.token_create(actor=worker, user=worker, name="pierwszy")
    second, _key = services.token_create(actor=worker, user=worker, name="drugi")
    old, _key = services.token_create(actor=worker, user=worker, name="stary")
    services.token_revoke(actor=worker, token=old)
    revoked_at = ApiToken.objects.get(pk=old.pk).revoked_at

    services.staff_set_active(actor=administrator, user=worker, active=False)

    worker.refresh_from_db()
    assert not worker.is_active
    assert not ApiToken.objects.filter(user=worker, revoked_at__isnull=True).exists()
    assert ApiToken.objects.get(pk=old.pk).revoked_at == revoked_at
    token_rows = _entries(action=AuditAction.UPDATE, object_type="accounts.apitoken", actor=administrator)
    assert {row.object_id for row in token_rows} == {str(first.pk), str(second.pk)}
    assert all(row.changed_fields == ["revoked_at"] and row.message == "revoked" for row in token_rows)
    (user_row,) = _entries(action=AuditAction.UPDATE, object_type="accounts.user")
    assert user_row.changed_fields == ["is_active"]
    assert user_row.before is not None
    assert user_row.after is not None
    assert user_row.before["is_active"] is True
    assert user_row.after["is_active"] is False

    services.staff_set_active(actor=administrator, user=worker, active=True)
    assert User.objects.get(pk=worker.pk).is_active
    # Reactivation does not bring the tokens back.
    assert not ApiToken.objects.filter(user=worker, revoked_at__isnull=True).exists()


# --- certificates -------------------------------------------------------------------------------------------------


def test_certificate_add_refuses_a_future_date(administrator: User, director: User) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.certificate_add(
            actor=administrator, user=director, kind=TrainingKind.DIRECTOR, completed_on=tomorrow, number="1/2026"
        )
    assert set(caught.value.error_dict) == {"completed_on"}
    assert not TrainingCertificate.objects.exists()
    assert not AuditEntry.objects.exists()


def test_certificate_add_saves_and_audits_with_the_person(administrator: User, director: User) -> None:
    certificate = services.certificate_add(
        actor=administrator,
        user=director,
        kind=TrainingKind.DIRECTOR,
        completed_on=timezone.localdate(),
        number=" 12/2024 ",
        issuer="Wojewoda",
    )
    assert certificate.number == "12/2024"
    (entry,) = _entries(action=AuditAction.CREATE, object_type="accounts.trainingcertificate")
    assert entry.person_type == "accounts.user"
    assert entry.person_id == str(director.pk)
    assert entry.actor == administrator
    assert entry.centre_id == director.centre_id


def test_certificate_add_refuses_the_same_certificate_twice(administrator: User, director: User) -> None:
    kwargs = {"kind": TrainingKind.DIRECTOR, "completed_on": datetime.date(2024, 5, 1), "number": "7"}
    services.certificate_add(actor=administrator, user=director, **kwargs)
    with pytest.raises(ValidationError):
        services.certificate_add(actor=administrator, user=director, **kwargs)
    assert TrainingCertificate.objects.count() == 1


def test_certificate_add_refuses_an_unknown_kind(administrator: User, director: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.certificate_add(
            actor=administrator, user=director, kind="wizardry", completed_on=datetime.date(2024, 5, 1), number="7"
        )
    assert "kind" in caught.value.error_dict


def test_certificate_delete_audits_the_removed_values(administrator: User, director: User) -> None:
    certificate = services.certificate_add(
        actor=administrator,
        user=director,
        kind=TrainingKind.DIRECTOR,
        completed_on=datetime.date(2024, 5, 1),
        number="9",
    )
    services.certificate_delete(actor=administrator, certificate=certificate)
    assert not TrainingCertificate.objects.exists()
    (entry,) = _entries(action=AuditAction.DELETE, object_type="accounts.trainingcertificate")
    assert entry.before is not None
    assert entry.before["number"] == "9"
    assert entry.person_id == str(director.pk)


# --- tokens -------------------------------------------------------------------------------------------------------


def test_token_create_stores_only_a_hash_and_returns_the_key_once(
    director: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token, key = services.token_create(actor=director, user=director, name="  System kadrowy ")
    assert token.name == "System kadrowy"
    assert key.startswith(f"cus_{token.prefix}_")
    assert len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    values = [str(getattr(stored, field.attname)) for field in ApiToken._meta.concrete_fields]
    assert not any(key in value for value in values)
    assert not hasattr(stored, "key")

    (entry,) = _entries(action=AuditAction.CREATE, object_type="accounts.apitoken")
    assert entry.after is not None
    assert "key_hash" not in entry.after
    assert key not in str(entry.after)
    assert entry.centre_id == director.centre_id

    assert services.token_lookup(key) == token
    assert services.token_lookup(key + "x") is None
    assert services.token_lookup("not-a-cus-key") is None

    (notice,) = mail.outbox
    assert notice.to == [director.email]
    assert key not in notice.body
    assert token.prefix in notice.body


def test_two_tokens_never_share_a_key(director: User) -> None:
    _first, one = services.token_create(actor=director, user=director, name="a")
    _second, two = services.token_create(actor=director, user=director, name="b")
    assert one != two


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x", "expires_at": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)}, "expires_at"),
    ],
)
def test_token_create_refuses_bad_input(director: User, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.token_create(actor=director, user=director, **kwargs)
    assert set(caught.value.error_dict) == {field}
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.exists()


def test_token_revoke_is_audited_once(director: User) -> None:
    token, key = services.token_create(actor=director, user=director, name="a")
    services.token_revoke(actor=director, token=token)
    services.token_revoke(actor=director, token=token)
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.revoked_at is not None
    assert not stored.is_usable
    (entry,) = _entries(action=AuditAction.UPDATE, object_type="accounts.apitoken")
    assert entry.changed_fields == ["revoked_at"]
    assert entry.message == "revoked"
    assert services.token_lookup(key) == token  # still found, so the auth layer can say "revoked"


def test_token_expiry_makes_it_unusable(director: User) -> None:
    token, _key = services.token_create(
        actor=director, user=director, name="a", expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert token.is_usable
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert not ApiToken.objects.get(pk=token.pk).is_usable


# --- two-factor reset and password -------------------------------------------------------------------------------


def test_reset_2fa_removes_devices_and_audits(administrator: User, director: User) -> None:
    TOTPDevice.objects.create(user=director, name="phone", confirmed=True)
    assert services.staff_reset_2fa(actor=administrator, user=director) == 1
    assert not TOTPDevice.objects.filter(user=director).exists()
    (entry,) = _entries(action=AuditAction.UPDATE, object_type="accounts.user")
    assert entry.person_id == str(director.pk)
    assert "1" in entry.message


def test_password_change_checks_the_old_password_and_the_validators(director: User) -> None:
    with pytest.raises(ValidationError) as wrong:
        services.password_change(actor=director, user=director, old_password="nope", new_password="x" * 20)
    assert set(wrong.value.error_dict) == {"old_password"}
    with pytest.raises(ValidationError) as weak:
        services.password_change(actor=director, user=director, old_password=PASSWORD, new_password="12345")
    assert set(weak.value.error_dict) == {"new_password"}
    assert User.objects.get(pk=director.pk).check_password(PASSWORD)
    assert not AuditEntry.objects.exists()

    services.password_change(actor=director, user=director, old_password=PASSWORD, new_password="Zupełnie-Nowe-Hasło-9")
    assert User.objects.get(pk=director.pk).check_password("Zupełnie-Nowe-Hasło-9")
    (entry,) = _entries(action=AuditAction.UPDATE, object_type="accounts.user")
    assert entry.after is not None
    assert "password" not in entry.after


def test_municipality_factory_codes_are_valid() -> None:
    # The factories feed every test; their codes must pass the same validation as real data.
    for _ in range(3):
        MunicipalityFactory().full_clean()
