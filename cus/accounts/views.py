"""Sign-in, two-factor, password, staff administration and API token pages."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from cus.accounts import services
from cus.accounts.forms import CertificateForm, EmailAuthenticationForm, OtpTokenForm, RolesForm, StaffForm, TokenForm
from cus.accounts.models import ApiToken, RoleAssignment, TrainingCertificate, User
from cus.accounts.otp import has_confirmed_device, pending_device, qr_svg_data_uri, secret_base32
from cus.accounts.permissions import municipality_ids_for
from cus.accounts.roles import TRAINING_REQUIRED, Role
from cus.audit.models import AuditAction
from cus.audit.services import record, record_access
from cus.core.access import access_object
from cus.core.collation import Alphabetical
from cus.core.models import Municipality
from cus.core.views import apply_form_errors


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.GET.get("expired") == "1"
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        # Encoded: the target may carry a query string of its own.
        next_query = urlencode({"next": self.get_success_url()})
        if has_confirmed_device(user):
            return redirect(f"{reverse('accounts:otp_verify')}?{next_query}")
        if settings.CUS_REQUIRE_2FA:
            return redirect(f"{reverse('accounts:otp_setup')}?{next_query}")
        return response


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"


def otp_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.is_verified():
        return redirect(_safe_next(request, reverse("core:home")))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            record(action=AuditAction.LOGIN, actor=user, instance=user, message="two-factor verified")
            return redirect(_safe_next(request, reverse("core:home")))
        record(action=AuditAction.OTP_FAILED, actor=user, instance=user)
        form.add_error("token", _("The code is wrong or has expired. Enter the current code from the app."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")})


def otp_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if has_confirmed_device(user):
        messages.info(request, _("Two-factor authentication is already set up for your account."))
        return redirect("core:home")
    device = pending_device(user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(action=AuditAction.UPDATE, actor=user, instance=user, message="two-factor authentication set up")
            messages.success(
                request, _("Two-factor authentication is on. You will be asked for a code at each sign-in.")
            )
            return redirect(_safe_next(request, reverse("core:home")))
        form.add_error("token", _("The code does not match. Check the time on your phone and enter the current code."))
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": qr_svg_data_uri(device),
            "secret": secret_base32(device),
            "required": settings.CUS_REQUIRE_2FA,
            "next": _safe_next(request, ""),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def get_form(self, form_class: Any = None) -> Any:
        from cus.core.forms import style_widgets

        form = super().get_form(form_class)
        style_widgets(form)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user: Any = self.request.user
        record(action=AuditAction.UPDATE, actor=user, instance=user, message="password changed")
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form(self, form_class: Any = None) -> Any:
        from cus.core.forms import style_widgets

        form = super().get_form(form_class)
        style_widgets(form)
        return form


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def get_form(self, form_class: Any = None) -> Any:
        from cus.core.forms import style_widgets

        form = super().get_form(form_class)
        style_widgets(form)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record(action=AuditAction.UPDATE, actor=form.user, instance=form.user, message="password set from e-mail link")
        messages.success(self.request, _("Your password is set. You can sign in now."))
        return response


# --- Staff administration -------------------------------------------------------------------------------------


def _staff_queryset(user: Any, action: str = "view") -> Any:
    return (
        User.objects.restrict(user, action)
        .select_related("centre")
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.prefetch_related("municipalities"))
        )
    )


@permission_required("accounts.view_user", raise_exception=True)
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = _staff_queryset(request.user)
    # A NUL character cannot reach the database (PostgreSQL refuses it); it never matches a name anyway.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    if query:
        from django.db.models import Q

        staff = staff.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    role = request.GET.get("role", "")
    if role in Role.values:
        staff = staff.filter(role_assignments__role=role).distinct()
    return render(
        request, "accounts/staff_list.html", {"staff": staff, "q": query, "role": role, "roles": Role.choices}
    )


@permission_required("accounts.view_user", raise_exception=True)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_user = access_object(request.user, User, "view", pk=pk)
    record_access(actor=request.user, instance=staff_user, purpose=services.STAFF_RECORD_PURPOSE)
    assignments = staff_user.role_assignments.prefetch_related("municipalities")
    certificates = staff_user.training_certificates.all()
    held = {a.role for a in assignments}
    trained = {c.kind for c in certificates}
    missing_training = sorted(Role(r).label for r in held & TRAINING_REQUIRED if r not in trained)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "staff_user": staff_user,
            "assignments": assignments,
            "certificates": certificates,
            "missing_training": missing_training,
            "has_2fa": has_confirmed_device(staff_user),
            "can_change": request.user.has_perm("accounts.change_user", staff_user),
        },
    )


def _actor_municipalities(user: Any) -> list[Municipality]:
    ids = municipality_ids_for(user, "accounts.change_user")
    centre = user.centre
    qs = Municipality.objects.filter(pk__in=ids)
    if centre is not None:
        qs = qs.filter(centres=centre)
    return list(qs.order_by(Alphabetical("name")))


@permission_required("accounts.add_user", raise_exception=True)
def staff_create(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    municipalities = _actor_municipalities(actor)
    form = StaffForm(request.POST or None)
    roles_form = RolesForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid() and roles_form.is_valid():
        try:
            user = services.staff_create(
                actor=actor,
                centre=actor.centre,
                roles=roles_form.roles(),
                **{k: form.cleaned_data[k] for k in ("email", "full_name", "job_title", "phone")},
            )
        except ValidationError as exc:
            apply_form_errors(exc, form, roles_form)
        else:
            messages.success(
                request, _("The account was created and an invitation was sent to %(email)s.") % {"email": user.email}
            )
            return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "roles_form": roles_form, "creating": True})


@permission_required("accounts.change_user", raise_exception=True)
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    staff_user = access_object(actor, User, "change", pk=pk)
    municipalities = _actor_municipalities(actor)
    current = {a.role: {m.pk for m in a.municipalities.all()} for a in staff_user.role_assignments.all()}
    form = StaffForm(request.POST or None, instance=User.objects.get(pk=staff_user.pk))
    roles_form = RolesForm(request.POST or None, municipalities=municipalities, initial_roles=current)
    if request.method == "POST" and form.is_valid() and roles_form.is_valid():
        try:
            # One transaction: a refused role change must not leave the details change saved.
            with transaction.atomic():
                services.staff_update(
                    actor=actor,
                    user=staff_user,
                    **{k: form.cleaned_data[k] for k in ("email", "full_name", "job_title", "phone")},
                )
                services.staff_set_roles(actor=actor, user=staff_user, roles=roles_form.roles())
        except ValidationError as exc:
            apply_form_errors(exc, form, roles_form)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("accounts:staff_detail", pk=staff_user.pk)
    return render(
        request, "accounts/staff_form.html", {"form": form, "roles_form": roles_form, "staff_user": staff_user}
    )


@require_POST
@permission_required("accounts.change_user", raise_exception=True)
def staff_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    staff_user = access_object(request.user, User, "change", pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=request.user, user=staff_user, active=active)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The account was activated.") if active else _("The account was deactivated."))
    return redirect("accounts:staff_detail", pk=pk)


@require_POST
@permission_required("accounts.change_user", raise_exception=True)
def staff_reset_2fa(request: HttpRequest, pk: int) -> HttpResponse:
    staff_user = access_object(request.user, User, "change", pk=pk)
    services.staff_reset_2fa(actor=request.user, user=staff_user)
    messages.success(request, _("Two-factor authentication was reset; the user will set it up at the next sign-in."))
    return redirect("accounts:staff_detail", pk=pk)


@permission_required("accounts.change_trainingcertificate", raise_exception=True)
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    staff_user = access_object(request.user, User, "change", pk=pk)
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_add(actor=request.user, user=staff_user, **form.cleaned_data)
        except ValidationError as exc:
            apply_form_errors(exc, form)
        else:
            messages.success(request, _("The training certificate was recorded."))
            return redirect("accounts:staff_detail", pk=pk)
    return render(request, "accounts/certificate_form.html", {"form": form, "staff_user": staff_user})


@require_POST
@permission_required("accounts.change_trainingcertificate", raise_exception=True)
def certificate_delete(request: HttpRequest, pk: int, certificate_pk: int) -> HttpResponse:
    staff_user = access_object(request.user, User, "change", pk=pk)
    certificate = access_object(request.user, TrainingCertificate, "change", pk=certificate_pk, user=staff_user)
    services.certificate_delete(actor=request.user, certificate=certificate)
    messages.success(request, _("The training certificate was removed."))
    return redirect("accounts:staff_detail", pk=pk)


# --- Personal API tokens ---------------------------------------------------------------------------------------


def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data.get("expires_on")
        expires_at = (
            timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time(23, 59, 59)))
            if expires_on
            else None
        )
        try:
            _token, new_key = services.token_create(
                actor=request.user,
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"],
                expires_at=expires_at,
            )
        except ValidationError as exc:
            apply_form_errors(exc, form, field_map={"expires_at": "expires_on"})
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)  # type: ignore[misc]
    return render(request, "accounts/token_list.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = services.token_of_user(request.user, pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return HttpResponseRedirect(reverse("accounts:token_list"))
