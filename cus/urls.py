from django.urls import include, path

from cus.api import api
from cus.catalog.hsds_api import api as hsds_api
from cus.core import views as core_views

handler403 = "cus.core.views.permission_denied"
handler404 = "cus.core.views.page_not_found"
handler500 = "cus.core.views.server_error"

urlpatterns = [
    path("", include("cus.core.urls")),
    path("accounts/", include("cus.accounts.urls")),
    path("audit/", include("cus.audit.urls")),
    path("catalog/", include("cus.catalog.urls")),
    path("qualification/", include("cus.qualification.urls")),
    path("programme/", include("cus.programme.urls")),
    path("uslugi/programy/", include("cus.programme.public_urls")),
    path("uslugi/wnioski/", include("cus.qualification.public_urls")),
    path("uslugi/", include("cus.portal.urls")),
    path("residents/", include("cus.residents.urls")),
    path("delivery/", include("cus.delivery.urls")),
    path("plans/organiser/", include("cus.plans.organiser_urls")),
    path("plans/", include("cus.plans.urls")),
    path("api/v1/", api.urls),
    path("api/hsds/", hsds_api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
]
