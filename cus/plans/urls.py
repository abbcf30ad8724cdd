from django.urls import path

from cus.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.home, name="home"),
    path("all/", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<uuid:pk>/", views.plan_detail, name="plan_detail"),
    path("<uuid:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<uuid:pk>/close/", views.plan_close, name="plan_close"),
    path("<uuid:pk>/actions/<slug:action>/", views.plan_action, name="plan_action"),
    path("<uuid:pk>/versions/compare/", views.version_compare, name="version_compare"),
    path("<uuid:pk>/items/<uuid:item>/end/", views.item_end, name="item_end"),
    path("<uuid:pk>/goals/<int:goal>/progress/", views.goal_progress, name="goal_progress"),
    path("<uuid:pk>/<slug:kind>/new/", views.content_form, name="content_add"),
    path("<uuid:pk>/<slug:kind>/<str:row>/edit/", views.content_form, name="content_edit"),
    path("<uuid:pk>/<slug:kind>/<str:row>/remove/", views.content_remove, name="content_remove"),
]
