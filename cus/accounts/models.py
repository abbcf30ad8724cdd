"""Staff accounts, their roles in a centre, statutory training and personal API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.accounts.roles import Role
from cus.core.collation import Alphabetical
from cus.core.models import Centre, Municipality
from cus.core.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from collections.abc import Iterable


class UserQuerySet(ScopedQuerySet):
    pass


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def restrict(self, user: Any, action: str = "view") -> UserQuerySet:
        return self.get_queryset().restrict(user, action)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("The e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: centre staff or external provider staff (pracownik). Login by e-mail."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    centre = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name=_("centre"),
        help_text=_("Empty only for operators of the whole installation."),
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("technical administration access"), default=False, help_text=_("May open the technical admin site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"password", "last_login"})

    class Meta:
        ordering = [Alphabetical("full_name"), "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_set(self) -> frozenset[str]:
        from cus.accounts.permissions import grants_for

        return frozenset(grant.role for grant in grants_for(self))

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(centre__in=Centre.objects.filter(Centre.tenant_q(municipality_ids)).values("pk"))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.centre_id, None

    def audit_person(self) -> User:
        return self


class RoleAssignment(models.Model):
    """A role a user holds in their centre, for some or all of the centre's municipalities."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    municipalities = models.ManyToManyField(Municipality, related_name="+", verbose_name=_("municipalities"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    audit_m2m: ClassVar[tuple[str, ...]] = ("municipalities",)

    class Meta:
        ordering = ["user", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="accounts_role_once_per_user")]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(user__in=User.objects.filter(User.tenant_q(municipality_ids)).values("pk"))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.user.centre_id, None

    def audit_person(self) -> User:
        return self.user


class TrainingKind(models.TextChoices):
    """The statutory training of CUS staff (art. 24–34; Dz.U. 2020 poz. 664)."""

    DIRECTOR = "director", _("Training for the director of a CUS")
    SERVICES_ORGANISER = "services_organiser", _("Training for the social services organiser")
    IPUS_COORDINATOR = "ipus_coordinator", _("Training for the IPUS coordinator")
    COMMUNITY_ORGANISER = "community_organiser", _("Training for the community organiser")


class TrainingCertificate(models.Model):
    """A certificate (zaświadczenie) of the completed statutory training of a staff member."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="training_certificates")
    kind = models.CharField(_("training"), max_length=30, choices=TrainingKind.choices)
    completed_on = models.DateField(_("completed on"))
    number = models.CharField(_("certificate number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "number"], name="accounts_certificate_unique"),
        ]
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.number}"

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        return Q(user__in=User.objects.filter(User.tenant_q(municipality_ids)).values("pk"))

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.user.centre_id, None

    def audit_person(self) -> User:
        return self.user


class ApiToken(models.Model):
    """A personal API token for machine clients; only a SHA-256 hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_exclude: ClassVar[frozenset[str]] = frozenset({"key_hash", "last_used_at"})

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def audit_tenant(self) -> tuple[int | None, int | None]:
        return self.user.centre_id, None
