"""The portal's online applications, under the portal's address (/uslugi/wnioski/...)."""

from django.urls import path

from cus.qualification import public_views

app_name = "qualification_public"
urlpatterns = [
    path("nowy/<int:pk>/", public_views.apply, name="apply"),
    path("przyjety/", public_views.applied, name="applied"),
    path("status/", public_views.status, name="status"),
]
