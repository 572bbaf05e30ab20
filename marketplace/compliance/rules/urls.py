"""HTML pages of the transfer rules (included under /compliance/)."""

from django.urls import path

from marketplace.compliance.rules import views

app_name = "compliance"

urlpatterns = [
    path("transfer-check/", views.transfer_check, name="transfer_check"),
]
