from django.urls import path

from cus.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.home, name="home"),
    path("items/<uuid:pk>/", views.item_detail, name="item"),
    path("records/", views.record_list, name="record_list"),
    path("records/<uuid:pk>/", views.record_detail, name="record"),
    path("records/<uuid:pk>/correct/", views.record_correct, name="record_correct"),
    path("records/<uuid:pk>/request/", views.record_request, name="record_request"),
    path("requests/", views.request_list, name="request_list"),
    path("corrections/", views.correction_list, name="correction_list"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/delete/", views.staff_delete, name="staff_delete"),
]
