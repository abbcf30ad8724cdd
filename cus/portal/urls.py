from django.urls import path

from cus.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("szukaj/", views.search, name="search"),
    path("<uuid:pk>/", views.service_detail, name="service_detail"),
    path("<uuid:pk>/druk/", views.service_print, name="service_print"),
]
