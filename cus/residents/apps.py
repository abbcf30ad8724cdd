from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "cus.residents"
    verbose_name = _("Residents")
    default_auto_field = "django.db.models.BigAutoField"
