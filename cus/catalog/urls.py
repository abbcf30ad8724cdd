from django.urls import path

from cus.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("services/export.<str:fmt>", views.service_export, name="service_export"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<uuid:pk>/", views.service_detail, name="service_detail"),
    path("services/<uuid:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/<uuid:pk>/status/", views.service_status, name="service_status"),
    path("services/<uuid:pk>/locations/new/", views.service_location_add, name="service_location_add"),
    path(
        "services/<uuid:pk>/locations/<uuid:sal_pk>/hours/", views.service_location_hours, name="service_location_hours"
    ),
    path(
        "services/<uuid:pk>/locations/<uuid:sal_pk>/remove/",
        views.service_location_remove,
        name="service_location_remove",
    ),
    path("providers/", views.organization_list, name="organization_list"),
    path("providers/new/", views.organization_create, name="organization_create"),
    path("providers/<uuid:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<uuid:pk>/edit/", views.location_edit, name="location_edit"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
]
