"""The services organiser's pages at ``/plans/organiser/`` (namespace ``plans_organiser``) and the plan's documents."""

from django.urls import path

from cus.plans import organiser_views as views

app_name = "plans_organiser"

urlpatterns = [
    path("summary/", views.summary_page, name="summary"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("authorisations/", views.delegation_list, name="delegation_list"),
    path("authorisations/new/", views.delegation_create, name="delegation_create"),
    path("authorisations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("documents/<uuid:pk>/plan.pdf", views.plan_document, name="plan_pdf"),
    path("documents/<uuid:pk>/closing.pdf", views.closing_document, name="closing_pdf"),
]
