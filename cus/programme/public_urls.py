"""The public page of a programme in force, under the portal's address (/uslugi/programy/<id>/)."""

from django.urls import path

from cus.programme import public_views

app_name = "programme_public"
urlpatterns = [
    path("<int:pk>/", public_views.programme_page, name="programme_page"),
]
