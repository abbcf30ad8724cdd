from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cus.core"
    label = "core"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.core import checks
        from django.db.backends.signals import connection_created

        from cus.core import collation, lookups

        lookups.register()
        connection_created.connect(collation.register, dispatch_uid="cus.core.collation")
        checks.register(collation.check_collation, checks.Tags.database)
