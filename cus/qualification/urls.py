from django.urls import path

from cus.qualification import application_views, recalculation_views, views

app_name = "qualification"
urlpatterns = [
    path("fee-tables/", views.feetable_list, name="feetable_list"),
    path("fee-tables/new/", views.feetable_create, name="feetable_create"),
    path("fee-tables/<uuid:pk>/", views.feetable_detail, name="feetable_detail"),
    path("fee-tables/<uuid:pk>/edit/", views.feetable_edit, name="feetable_edit"),
    path("fee-tables/<uuid:pk>/delete/", views.feetable_delete, name="feetable_delete"),
    path("calculator/", views.calculator, name="calculator"),
    path("criteria/", views.criterion_list, name="criterion_list"),
    path("criteria/new/", views.criterion_create, name="criterion_create"),
    path("recalculations/", recalculation_views.recalculation_list, name="recalculation_list"),
    path("recalculations/start/", recalculation_views.recalculation_start, name="recalculation_start"),
    path("recalculations/<int:pk>/", recalculation_views.recalculation_detail, name="recalculation_detail"),
    path(
        "recalculations/<int:pk>/progress/",
        recalculation_views.recalculation_progress,
        name="recalculation_progress",
    ),
    path("recalculations/<int:pk>/report.csv", recalculation_views.recalculation_csv, name="recalculation_csv"),
    path("applications/", application_views.application_list, name="application_list"),
    path("applications/new/", application_views.application_create, name="application_create"),
    path("applications/<uuid:pk>/", application_views.application_detail, name="application_detail"),
    path(
        "applications/<uuid:pk>/actions/<slug:action>/",
        application_views.application_action,
        name="application_action",
    ),
    path("applications/<uuid:pk>/attachments/", application_views.attachment_add, name="attachment_add"),
    path(
        "applications/<uuid:pk>/attachments/<uuid:attachment>/",
        application_views.attachment_download,
        name="attachment_download",
    ),
    path(
        "applications/<uuid:pk>/decisions/<uuid:decision>.pdf",
        application_views.decision_pdf,
        name="decision_pdf",
    ),
    path("applications/<uuid:pk>/letters/<slug:kind>.pdf", application_views.letter_pdf, name="letter_pdf"),
]
