from django.urls import path
from rest_framework.routers import SimpleRouter

from marketplace.licensing import api

router = SimpleRouter()
router.register("licence-requests", api.LicenceRequestViewSet, basename="licence-request")
router.register("licences", api.LicenceViewSet, basename="licence")
router.register("usage", api.UsageViewSet, basename="usage")

urlpatterns = [
    path("offers/<int:offer_id>/terms/", api.OfferTermsView.as_view(), name="offer-terms"),
    # The policy's own address carries its format and no trailing slash.
    path(
        "licences/<int:pk>/policy.jsonld",
        api.LicenceViewSet.as_view({"get": "policy_document"}),
        name="licence-policy",
    ),
    path("products/<slug:slug>/query", api.QueryView.as_view(), name="product-query"),
    path(
        "products/<slug:slug>/query/preview",
        api.QueryPreviewView.as_view(),
        name="product-query-preview",
    ),
    path("products/<slug:slug>/report", api.ReportView.as_view(), name="product-report"),
    path("products/<slug:slug>/extract", api.ExtractView.as_view(), name="product-extract"),
    *router.urls,
]
