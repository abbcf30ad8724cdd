from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cus.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from cus.audit import signals  # noqa: F401
