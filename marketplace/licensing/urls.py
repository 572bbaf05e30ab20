from django.urls import path

from marketplace.licensing import views

app_name = "licensing"

urlpatterns = [
    path("", views.my_licences, name="my_licences"),
    path("request/<slug:slug>/<int:offer_id>/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("incoming/", views.provider_requests, name="provider_requests"),
    path("granted/", views.provider_licences, name="provider_licences"),
    path("<int:pk>/", views.licence_detail, name="licence_detail"),
    path("<int:pk>/revoke/", views.licence_revoke, name="licence_revoke"),
    path("<int:pk>/renew/", views.licence_renew, name="licence_renew"),
    path("<int:licence_id>/try/", views.try_query, name="try_query"),
]
