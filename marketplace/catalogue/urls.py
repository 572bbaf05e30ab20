from django.urls import path

from marketplace.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue_list, name="list"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("providers/<slug:slug>/", views.provider_detail, name="provider"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/new/", views.product_new, name="product_new"),
    path("dashboard/notifications/read/", views.notifications_read, name="notifications_read"),
    path("dashboard/<slug:slug>/", views.product_manage, name="manage"),
    path("dashboard/<slug:slug>/edit/", views.product_edit, name="product_edit"),
    path("dashboard/<slug:slug>/new-version/", views.version_new, name="version_new"),
    path("dashboard/<slug:slug>/delist/", views.product_delist, name="delist"),
    path("dashboard/<slug:slug>/offers/new/", views.offer_form, name="offer_new"),
    path("dashboard/<slug:slug>/offers/<int:offer_id>/", views.offer_form, name="offer_edit"),
    path("dashboard/<slug:slug>/v/<int:number>/edit/", views.version_edit, name="version_edit"),
    path(
        "dashboard/<slug:slug>/v/<int:number>/upload/<str:kind>/",
        views.version_upload,
        name="version_upload",
    ),
    path("dashboard/<slug:slug>/v/<int:number>/wizard/", views.version_wizard, name="wizard"),
    path("dashboard/<slug:slug>/v/<int:number>/evidence/", views.evidence_add, name="evidence_add"),
    path(
        "dashboard/<slug:slug>/v/<int:number>/submit/", views.version_submit, name="version_submit"
    ),
]
