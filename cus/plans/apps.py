from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "cus.plans"
    label = "plans"
    verbose_name = _("Individual social-services plans")

    def ready(self) -> None:
        from cus.plans import alerts

        alerts.connect()
