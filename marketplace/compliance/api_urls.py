from django.urls import path
from rest_framework.routers import SimpleRouter

from marketplace.compliance import api

router = SimpleRouter()
router.register("review/stages", api.StageViewSet, basename="review-stage")

urlpatterns = [
    path("products/<slug:slug>/review/", api.ProductReviewView.as_view(), name="product-review"),
    *router.urls,
]
