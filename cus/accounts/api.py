"""API for the signed-in user, staff administration and personal tokens: the same services and rules as the UI."""

# No `from __future__ import annotations`: @paginate wraps the view, and django-ninja resolves string
# annotations (``Query[...]``) in the wrapper's module, where they are undefined.

import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cus.accounts import services
from cus.accounts.models import ApiToken, RoleAssignment, TrainingCertificate, TrainingKind, User
from cus.accounts.otp import has_confirmed_device
from cus.accounts.roles import Role
from cus.audit.services import record_access
from cus.core.access import access_object
from cus.core.api_schemas import (
    AUTH_ERRORS,
    BODY_DETAIL_ERRORS,
    BODY_ERRORS,
    DETAIL_ERRORS,
    InputSchema,
    Pagination,
    require_permission,
)
from cus.core.collation import Alphabetical
from cus.core.models import Municipality

router = Router(tags=["accounts"])


class RoleOut(Schema):
    role: Role
    municipalities: list[str] = Field(description="TERYT codes of the municipalities the role covers.")

    @staticmethod
    def resolve_municipalities(obj: RoleAssignment) -> list[str]:
        return sorted(m.teryt for m in obj.municipalities.all())


class CertificateOut(Schema):
    id: int
    kind: TrainingKind
    completed_on: datetime.date
    number: str
    issuer: str


class StaffOut(Schema):
    id: int
    email: str
    full_name: str
    job_title: str
    phone: str
    centre_id: int | None
    is_active: bool
    roles: list[RoleOut]

    @staticmethod
    def resolve_roles(obj: User) -> list[RoleAssignment]:
        return list(obj.role_assignments.all())


class StaffDetailOut(StaffOut):
    certificates: list[CertificateOut]
    two_factor_enabled: bool

    @staticmethod
    def resolve_certificates(obj: User) -> list[TrainingCertificate]:
        return list(obj.training_certificates.all())

    @staticmethod
    def resolve_two_factor_enabled(obj: User) -> bool:
        return has_confirmed_device(obj)


class MeOut(StaffOut):
    permissions: list[str]


class RoleIn(InputSchema):
    role: Role
    municipalities: list[str] = Field(min_length=1, description="TERYT codes; each must be served by the centre.")


class StaffCreate(InputSchema):
    email: str = Field(max_length=254)
    full_name: str = Field(min_length=1, max_length=200)
    job_title: str = Field("", max_length=200)
    phone: str = Field("", max_length=30)
    roles: list[RoleIn] = []


class StaffPatch(InputSchema):
    email: str | None = Field(None, max_length=254)
    full_name: str | None = Field(None, min_length=1, max_length=200)
    job_title: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)


class RolesPut(InputSchema):
    roles: list[RoleIn]


class CertificateIn(InputSchema):
    kind: TrainingKind
    completed_on: datetime.date
    number: str = Field(min_length=1, max_length=100)
    issuer: str = Field("", max_length=250)


class TokenIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    read_only: bool = False
    expires_at: datetime.datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    read_only: bool
    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreatedOut(TokenOut):
    key: str = Field(description="The secret. It is shown only in this response and cannot be read again.")


class StaffFilters(InputSchema):
    q: str = Field("", max_length=200, description="Part of the name or e-mail.")
    role: Role | None = None


def _staff_queryset(request: HttpRequest, action: str = "view") -> Any:
    return User.objects.restrict(request.user, action).prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.prefetch_related("municipalities"))
    )


def _resolve_roles(roles: list[RoleIn]) -> dict[str, list[Municipality]]:
    from django.core.exceptions import ValidationError

    codes = {code for item in roles for code in item.municipalities}
    found = {m.teryt: m for m in Municipality.objects.filter(teryt__in=codes)}
    unknown = sorted(codes - set(found))
    if unknown:
        raise ValidationError({"roles": _("Unknown municipality (TERYT): %(codes)s.") % {"codes": ", ".join(unknown)}})
    result: dict[str, list[Municipality]] = {}
    for item in roles:
        if item.role.value in result:
            raise ValidationError({"roles": _("The role %(role)s is listed twice.") % {"role": item.role.label}})
        result[item.role.value] = [found[c] for c in item.municipalities]
    return result


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="The signed-in user and their roles")
def me(request: HttpRequest) -> Any:
    from cus.accounts.permissions import has_permission
    from cus.accounts.roles import PERMISSIONS

    user: Any = request.user
    user.permissions = sorted(p for p in PERMISSIONS if has_permission(user, p))
    return user


@router.get("/staff", response={200: list[StaffOut], **AUTH_ERRORS}, summary="Staff of my centre")
@paginate(Pagination)
def staff_list(request: HttpRequest, filters: Query[StaffFilters]) -> Any:
    require_permission(request, "accounts.view_user")
    staff = _staff_queryset(request)
    if filters.q:
        staff = staff.filter(Q(full_name__icontains=filters.q) | Q(email__icontains=filters.q))
    if filters.role:
        staff = staff.filter(role_assignments__role=filters.role.value).distinct()
    return staff.order_by(Alphabetical("full_name"), "pk")


@router.post("/staff", response={201: StaffDetailOut, **BODY_ERRORS}, summary="Create a staff account")
def staff_create(request: HttpRequest, payload: StaffCreate) -> Any:
    require_permission(request, "accounts.add_user")
    actor: Any = request.user
    if actor.centre is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"centre": _("Your account has no centre to add staff to.")})
    user = services.staff_create(
        actor=actor,
        email=payload.email,
        full_name=payload.full_name,
        job_title=payload.job_title,
        phone=payload.phone,
        centre=actor.centre,
        roles=_resolve_roles(payload.roles),
    )
    return Status(201, _staff_queryset(request).get(pk=user.pk))


@router.get("/staff/{user_id}", response={200: StaffDetailOut, **DETAIL_ERRORS}, summary="One staff member")
def staff_detail(request: HttpRequest, user_id: int) -> Any:
    require_permission(request, "accounts.view_user")
    user = access_object(request.user, User, "view", pk=user_id)
    record_access(actor=request.user, instance=user, purpose=services.STAFF_RECORD_PURPOSE)
    return user


@router.patch("/staff/{user_id}", response={200: StaffDetailOut, **BODY_DETAIL_ERRORS}, summary="Change a staff member")
def staff_update(request: HttpRequest, user_id: int, payload: StaffPatch) -> Any:
    require_permission(request, "accounts.change_user")
    user = access_object(request.user, User, "change", pk=user_id)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return services.staff_update(actor=request.user, user=user, **changes)


@router.put(
    "/staff/{user_id}/roles", response={200: StaffDetailOut, **BODY_DETAIL_ERRORS}, summary="Set a staff member's roles"
)
def staff_roles(request: HttpRequest, user_id: int, payload: RolesPut) -> Any:
    require_permission(request, "accounts.change_user")
    user = access_object(request.user, User, "change", pk=user_id)
    services.staff_set_roles(actor=request.user, user=user, roles=_resolve_roles(payload.roles))
    return _staff_queryset(request, "change").get(pk=user.pk)


@router.post(
    "/staff/{user_id}/deactivate", response={200: StaffDetailOut, **DETAIL_ERRORS}, summary="Deactivate an account"
)
def staff_deactivate(request: HttpRequest, user_id: int) -> Any:
    require_permission(request, "accounts.change_user")
    user = access_object(request.user, User, "change", pk=user_id)
    return services.staff_set_active(actor=request.user, user=user, active=False)


@router.post(
    "/staff/{user_id}/activate", response={200: StaffDetailOut, **DETAIL_ERRORS}, summary="Activate an account"
)
def staff_activate(request: HttpRequest, user_id: int) -> Any:
    require_permission(request, "accounts.change_user")
    user = access_object(request.user, User, "change", pk=user_id)
    return services.staff_set_active(actor=request.user, user=user, active=True)


@router.post("/staff/{user_id}/reset-2fa", response={200: StaffDetailOut, **DETAIL_ERRORS}, summary="Reset two-factor")
def staff_reset_2fa(request: HttpRequest, user_id: int) -> Any:
    require_permission(request, "accounts.change_user")
    user = access_object(request.user, User, "change", pk=user_id)
    services.staff_reset_2fa(actor=request.user, user=user)
    return user


@router.post(
    "/staff/{user_id}/certificates",
    response={201: CertificateOut, **BODY_DETAIL_ERRORS},
    summary="Record a statutory training certificate",
)
def certificate_add(request: HttpRequest, user_id: int, payload: CertificateIn) -> Any:
    require_permission(request, "accounts.change_trainingcertificate")
    user = access_object(request.user, User, "change", pk=user_id)
    return Status(
        201,
        services.certificate_add(
            actor=request.user,
            user=user,
            kind=payload.kind.value,
            completed_on=payload.completed_on,
            number=payload.number,
            issuer=payload.issuer,
        ),
    )


@router.delete(
    "/staff/{user_id}/certificates/{certificate_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Remove a training certificate",
)
def certificate_delete(request: HttpRequest, user_id: int, certificate_id: int) -> Any:
    require_permission(request, "accounts.change_trainingcertificate")
    user = access_object(request.user, User, "change", pk=user_id)
    certificate = access_object(request.user, TrainingCertificate, "change", pk=certificate_id, user=user)
    services.certificate_delete(actor=request.user, certificate=certificate)
    return Status(204, None)


@router.get("/tokens", response={200: list[TokenOut], **AUTH_ERRORS}, summary="My API tokens")
def token_list(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=request.user)  # type: ignore[misc]


@router.post("/tokens", response={201: TokenCreatedOut, **BODY_ERRORS}, summary="Create an API token")
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    token, key = services.token_create(
        actor=request.user,
        user=request.user,  # type: ignore[arg-type]
        name=payload.name,
        read_only=payload.read_only,
        expires_at=payload.expires_at,
    )
    token.key = key  # type: ignore[attr-defined]
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **DETAIL_ERRORS}, summary="Revoke one of my tokens")
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    token = services.token_of_user(request.user, token_id)
    return services.token_revoke(actor=request.user, token=token)


class PasswordChangeIn(InputSchema):
    old_password: str = Field(min_length=1, max_length=500)
    new_password: str = Field(min_length=1, max_length=500)


@router.post("/me/password", response={204: None, **BODY_ERRORS}, summary="Change my password")
def password_change(request: HttpRequest, payload: PasswordChangeIn) -> Any:
    from django.contrib.auth import update_session_auth_hash

    user: Any = request.user
    services.password_change(
        actor=user, user=user, old_password=payload.old_password, new_password=payload.new_password
    )
    if getattr(request, "session", None) is not None and not hasattr(request, "api_token"):
        update_session_auth_hash(request, user)
    return Status(204, None)
