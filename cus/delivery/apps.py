from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "cus.delivery"
    label = "delivery"
    verbose_name = _("Delivery of services")

    def ready(self) -> None:
        from cus.delivery import months

        months.connect()
