from django.urls import path

from cus.residents import views

app_name = "residents"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<uuid:pk>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:pk>/export.json", views.person_export, name="person_export"),
    path("persons/<uuid:pk>/certificates/new/", views.certificate_add, name="certificate_add"),
    path("persons/<uuid:pk>/consents/new/", views.consent_add, name="consent_add"),
    path("persons/<uuid:pk>/consents/<uuid:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("persons/<uuid:pk>/notice/", views.notice_acknowledge, name="notice_acknowledge"),
    path("persons/<uuid:pk>/household/new/", views.household_create, name="household_create"),
    path("notice/", views.notice, name="notice"),
    path("households/<uuid:pk>/", views.household_detail, name="household_detail"),
    path("households/<uuid:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<uuid:pk>/members/<uuid:member_pk>/end/", views.member_end, name="member_end"),
    path("households/<uuid:pk>/incomes/new/", views.income_add, name="income_add"),
    path("households/<uuid:pk>/incomes/<uuid:income_pk>/correct/", views.income_correct, name="income_correct"),
    path("households/<uuid:pk>/incomes/<uuid:income_pk>/remove/", views.income_remove, name="income_remove"),
]
