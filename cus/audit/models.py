"""The append-only audit trail (rejestr czynności przetwarzania): changes, reads of personal data, sign-ins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cus.core.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from collections.abc import Iterable


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed personal data")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Account locked after failed sign-ins")
    LOGOUT = "logout", _("Signed out")
    OTP_FAILED = "otp_failed", _("Wrong two-factor code")
    DENIED = "denied", _("Access denied")


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries are append-only.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """One audit row. It never cascades with the user or the object it names; the database refuses updates."""

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_label = models.CharField(_("user (as recorded)"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    person_type = models.CharField(_("person type"), max_length=100, blank=True)
    person_id = models.CharField(_("person id"), max_length=64, blank=True)
    person_label = models.CharField(_("person"), max_length=300, blank=True)
    # Plain ids, not foreign keys: the row must outlive the centre and municipality rows it names.
    centre_id = models.BigIntegerField(_("centre"), null=True, blank=True, db_index=True)
    municipality_id = models.BigIntegerField(_("municipality"), null=True, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    message = models.TextField(_("details"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["person_type", "person_id"], name="audit_person_idx"),
            models.Index(fields=["actor", "timestamp"], name="audit_actor_time_idx"),
        ]
        default_permissions = ("view",)
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries are append-only.")

    @classmethod
    def tenant_q(cls, municipality_ids: Iterable[int]) -> Q:
        from cus.core.models import Centre

        ids = list(municipality_ids)
        centre_ids = Centre.objects.filter(Centre.tenant_q(ids)).values("pk")
        return Q(municipality_id__in=ids) | Q(municipality_id__isnull=True, centre_id__in=centre_ids)
