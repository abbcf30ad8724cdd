from django.urls import path, re_path

from cus.catalog import views

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
OWNER = "(?P<owner_kind>services|providers|locations)"
PK = f"(?P<pk>{UUID})"

app_name = "catalog"
urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("services/export.<str:fmt>", views.service_export, name="service_export"),
    path("export/hsds.<str:fmt>", views.catalog_export_hsds, name="catalog_export_hsds"),
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
    path("providers/<uuid:pk>/", views.organization_detail, name="organization_detail"),
    path("providers/<uuid:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("providers/<uuid:pk>/archive/", views.organization_archive, name="organization_archive"),
    path("providers/<uuid:pk>/delete/", views.organization_delete, name="organization_delete"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<uuid:pk>/", views.location_detail, name="location_detail"),
    path("locations/<uuid:pk>/edit/", views.location_edit, name="location_edit"),
    path("locations/<uuid:pk>/archive/", views.location_archive, name="location_archive"),
    path("locations/<uuid:pk>/delete/", views.location_delete, name="location_delete"),
    re_path(rf"^{OWNER}/{PK}/phones/$", views.phones_edit, name="phones_edit"),
    re_path(rf"^{OWNER}/{PK}/contacts/new/$", views.contact_create, name="contact_create"),
    re_path(rf"^{OWNER}/{PK}/contacts/(?P<contact_pk>{UUID})/edit/$", views.contact_edit, name="contact_edit"),
    re_path(rf"^{OWNER}/{PK}/contacts/(?P<contact_pk>{UUID})/delete/$", views.contact_delete, name="contact_delete"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
]
