from django.urls import path

from cus.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("centre/", views.centre_list, name="centre_list"),
    path("centre/<int:pk>/", views.centre_detail, name="centre_detail"),
    path("centre/<int:pk>/edit/", views.centre_edit, name="centre_edit"),
]
