from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "cus.catalog"
    label = "catalog"
    verbose_name = _("Service catalog")

    def ready(self) -> None:
        from cus.catalog import public_cache

        public_cache.connect()  # cached public answers go stale the moment catalog data changes
