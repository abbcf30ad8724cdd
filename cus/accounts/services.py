"""Writes for staff accounts, roles, training certificates and API tokens.

Each public function is one transaction: it validates, saves, writes the audit row and schedules e-mails after
commit. Callers check the actor's right to reach the object (``restrict``); these functions check the rules.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cus.accounts import notifications
from cus.accounts.models import ApiToken, RoleAssignment, TrainingCertificate, User
from cus.accounts.permissions import forget_grants, municipality_ids_for
from cus.accounts.roles import ASSISTANCE_TEAM_ROLES, Role
from cus.audit.services import record_create, record_delete, record_update, snapshot
from cus.core.models import Centre, Municipality
from cus.core.validation import reject_unknown_fields

# Why a staff member's record is read on the staff pages and API (recorded with every read).
STAFF_RECORD_PURPOSE = gettext_lazy("Administration of staff accounts")
TOKEN_PREFIX = "cus_"  # noqa: S105 (a public prefix, not a secret)


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@transaction.atomic
def staff_create(
    *,
    actor: Any,
    email: str,
    full_name: str,
    centre: Centre,
    job_title: str = "",
    phone: str = "",
    roles: Mapping[str, Iterable[Municipality]] | None = None,
    password: str | None = None,
    send_invitation: bool = True,
) -> User:
    email = _normalise_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    user = User(email=email, full_name=full_name.strip(), centre=centre, job_title=job_title, phone=phone)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record_create(actor=actor, instance=user)
    if roles:
        staff_set_roles(actor=actor, user=user, roles=roles)
    if send_invitation and not password:
        transaction.on_commit(lambda: notifications.invitation_send(user_id=user.pk))
    return user


USER_EDITABLE = ("full_name", "job_title", "phone", "email")


@transaction.atomic
def staff_update(*, actor: Any, user: User, **changes: Any) -> User:
    reject_unknown_fields(changes, USER_EDITABLE)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user)
    if "email" in changes:
        changes["email"] = _normalise_email(changes["email"])
        if User.objects.filter(email__iexact=changes["email"]).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    record_update(actor=actor, instance=user, before=before)
    return user


@transaction.atomic
def staff_set_active(*, actor: Any, user: User, active: bool) -> User:
    if not active and actor is not None and user.pk == actor.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        # A deactivated user's tokens stop at once; the auth layer also refuses inactive users.
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            token_revoke(actor=actor, token=token)
    record_update(actor=actor, instance=user, before=before)
    return user


def _actor_scope(actor: Any) -> frozenset[int] | None:
    """The municipalities the actor may grant roles in; None for the system and superusers (no limit)."""
    if actor is None or getattr(actor, "is_superuser", False):
        return None
    return municipality_ids_for(actor, "accounts.change_user")


def _keep_outside_scope(actor: Any, wanted: dict[str, list[Municipality]], current: Mapping[str, Any]) -> None:
    """What the actor may not grant they may not take away: the part of a role held in municipalities outside the
    actor's scope stays as it is (the forms list only the actor's municipalities, so it is never sent)."""
    scope = _actor_scope(actor)
    if scope is None:
        return
    for role, assignment in current.items():
        listed = {m.pk for m in wanted.get(role, [])}
        hidden = [m for m in assignment.municipalities.all() if m.pk not in scope and m.pk not in listed]
        if hidden:
            wanted[role] = [*wanted.get(role, []), *hidden]


def _validate_roles(
    actor: Any, user: User, roles: Mapping[str, list[Municipality]], held: Mapping[str, set[int]] | None = None
) -> None:
    errors: dict[str, list[str]] = {}
    valid_roles = set(Role.values)
    centre = user.centre
    served = set(centre.municipalities.values_list("pk", flat=True)) if centre else set()
    actor_scope = _actor_scope(actor)
    held = held or {}
    for role, municipalities in roles.items():
        if role not in valid_roles:
            errors.setdefault("roles", []).append(_("Unknown role: %(role)s.") % {"role": role})
            continue
        if not municipalities:
            errors.setdefault("roles", []).append(
                _("Choose at least one municipality for the role %(role)s.") % {"role": Role(role).label}
            )
        for municipality in municipalities:
            if municipality.pk not in served:
                errors.setdefault("roles", []).append(
                    _("%(municipality)s is not served by the centre %(centre)s.")
                    % {"municipality": municipality, "centre": centre}
                )
            elif (
                actor_scope is not None
                and municipality.pk not in actor_scope
                and municipality.pk not in held.get(role, set())
            ):
                errors.setdefault("roles", []).append(
                    _("You cannot grant roles in %(municipality)s.") % {"municipality": municipality}
                )
        if role in ASSISTANCE_TEAM_ROLES and centre is not None and not centre.has_assistance_team:
            errors.setdefault("roles", []).append(
                _("The role %(role)s exists only in a centre converted from an OPS (art. 23).")
                % {"role": Role(role).label}
            )
    if Role.PROVIDER_STAFF in roles and len(roles) > 1:
        # art. 49: qualifying and IPUS work cannot be done by providers, so their staff hold no centre role.
        errors.setdefault("roles", []).append(_("Provider staff cannot hold any role of the centre's own staff."))
    if (
        actor is not None
        and user.pk == getattr(actor, "pk", None)
        and Role.ADMINISTRATOR not in roles
        and RoleAssignment.objects.filter(user=user, role=Role.ADMINISTRATOR).exists()
    ):
        errors.setdefault("roles", []).append(_("You cannot remove your own administrator role."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def staff_set_roles(*, actor: Any, user: User, roles: Mapping[str, Iterable[Municipality]]) -> list[RoleAssignment]:
    """Make the user's roles exactly ``roles`` (role → municipalities), auditing each change. What the user holds
    in municipalities outside the actor's scope is kept as it is."""
    wanted = {role: list(municipalities) for role, municipalities in roles.items()}
    User.objects.select_for_update().filter(pk=user.pk).get()
    current = {a.role: a for a in RoleAssignment.objects.filter(user=user).prefetch_related("municipalities")}
    _keep_outside_scope(actor, wanted, current)
    held = {role: {m.pk for m in assignment.municipalities.all()} for role, assignment in current.items()}
    _validate_roles(actor, user, wanted, held)
    for role, assignment in current.items():
        if role not in wanted:
            before = snapshot(assignment)
            record_delete(actor=actor, instance=assignment, before=before)
            assignment.delete()
    result = []
    for role, municipalities in wanted.items():
        existing = current.get(role)
        if existing is None:
            created = RoleAssignment.objects.create(user=user, role=role)
            created.municipalities.set(municipalities)
            record_create(actor=actor, instance=created)
            result.append(created)
        else:
            before = snapshot(existing)
            existing.municipalities.set(municipalities)
            if before != snapshot(existing):
                record_update(actor=actor, instance=existing, before=before)
            result.append(existing)
    forget_grants(user)
    return result


@transaction.atomic
def certificate_add(
    *, actor: Any, user: User, kind: str, completed_on: date, number: str, issuer: str = ""
) -> TrainingCertificate:
    certificate = TrainingCertificate(
        user=user, kind=kind, completed_on=completed_on, number=number.strip(), issuer=issuer
    )
    certificate.full_clean()
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The training cannot be completed in the future.")})
    certificate.save()
    record_create(actor=actor, instance=certificate)
    return certificate


@transaction.atomic
def certificate_delete(*, actor: Any, certificate: TrainingCertificate) -> None:
    record_delete(actor=actor, instance=certificate, before=snapshot(certificate))
    certificate.delete()


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, actor: Any, user: User, name: str, read_only: bool = False, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the system that will use it.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry date must be in the future.")})
    if expires_at is not None and timezone.is_aware(expires_at):
        # In UTC: PostgreSQL refuses an offset beyond ±15:59, which ISO 8601 input may carry (+23:20).
        expires_at = expires_at.astimezone(UTC)
    prefix = secrets.token_hex(4)
    key = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user, name=name, prefix=prefix, key_hash=_hash_key(key), read_only=read_only, expires_at=expires_at
    )
    token.full_clean()
    token.save()
    record_create(actor=actor, instance=token)
    transaction.on_commit(lambda: notifications.token_created_send(token_id=token.pk))
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_update(actor=actor, instance=token, before=before, message="revoked")
    return token


def token_lookup(key: str) -> ApiToken | None:
    """The token for a presented secret, or None. Constant work per lookup: one indexed query on the hash."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key)).first()


def token_of_user(user: Any, token_id: int) -> ApiToken:
    """One of the user's own tokens. Another user's token answers like a missing one (404) and the attempt is
    written to the audit trail, as ``access_object`` does for every other object."""
    from django.http import Http404

    from cus.audit.services import record_denied

    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        other = ApiToken.objects.filter(pk=token_id).first()
        if other is not None:
            record_denied(
                actor=user,
                what="accounts.change_apitoken",
                instance=other,
                message="The token belongs to another user.",
            )
        raise Http404(_("No API token found with this identifier."))
    return token


def token_touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


@transaction.atomic
def staff_reset_2fa(*, actor: Any, user: User) -> int:
    """Remove the user's TOTP devices (lost phone); they set up a new one at the next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    count, _details = TOTPDevice.objects.filter(user=user).delete()
    before = snapshot(user)
    record_update(actor=actor, instance=user, before=before, message=f"two-factor devices removed: {count}")
    return count


@transaction.atomic
def password_change(*, actor: Any, user: User, old_password: str, new_password: str) -> User:
    """The user changes their own password: the old one must match and the new one pass the validators."""
    from django.contrib.auth.password_validation import validate_password

    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record_update(actor=actor, instance=user, before=snapshot(user), message="password changed")
    return user
