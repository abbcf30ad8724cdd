from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cus.core"
    label = "core"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from cus.core import lookups

        lookups.register()
