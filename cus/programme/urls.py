from django.urls import path

from cus.programme import views

app_name = "programme"
urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("new/", views.programme_create, name="programme_create"),
    path("rows/<slug:section>/", views.programme_row, name="programme_row"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("<int:pk>/status/<slug:action>/", views.programme_transition, name="programme_transition"),
]
