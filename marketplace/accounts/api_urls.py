from django.urls import path
from rest_framework.routers import SimpleRouter

from marketplace.accounts import api

router = SimpleRouter()
router.register("tokens", api.ApiTokenViewSet, basename="token")

urlpatterns = [path("me/", api.MeView.as_view(), name="me"), *router.urls]
