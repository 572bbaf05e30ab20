"""Catalogue API routes (included under /api/v1/ in the `api` namespace).

Collections and items end in a slash; actions on an item (`/sample`, `/dataset`,
`/submit`, `/withdraw`, `/delist`, `/suspend`, `/reinstate`) do not.
"""

from django.urls import path

from marketplace.catalogue import api

product_list = api.ProductViewSet.as_view({"get": "list", "post": "create"})
product_detail = api.ProductViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
product_delist = api.ProductViewSet.as_view({"post": "delist"})
product_suspend = api.ProductViewSet.as_view({"post": "suspend"})
product_reinstate = api.ProductViewSet.as_view({"post": "reinstate"})
version_list = api.ProductVersionViewSet.as_view({"get": "list", "post": "create"})
version_detail = api.ProductVersionViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
version_sample = api.ProductVersionViewSet.as_view({"post": "sample"})
version_dataset = api.ProductVersionViewSet.as_view({"post": "dataset"})
version_submit = api.ProductVersionViewSet.as_view({"post": "submit"})
version_withdraw = api.ProductVersionViewSet.as_view({"post": "withdraw"})
offer_list = api.OfferViewSet.as_view({"get": "list", "post": "create"})
offer_detail = api.OfferViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

PRODUCT = "products/<slug:slug>/"
VERSION = PRODUCT + "versions/<int:number>/"

urlpatterns = [
    path("categories/", api.CategoryViewSet.as_view({"get": "list"}), name="category-list"),
    path("purposes/", api.PurposeViewSet.as_view({"get": "list"}), name="purpose-list"),
    path("products/", product_list, name="product-list"),
    path(PRODUCT, product_detail, name="product-detail"),
    path(PRODUCT + "delist", product_delist, name="product-delist"),
    path(PRODUCT + "suspend", product_suspend, name="product-suspend"),
    path(PRODUCT + "reinstate", product_reinstate, name="product-reinstate"),
    path(PRODUCT + "versions/", version_list, name="product-version-list"),
    path(VERSION, version_detail, name="product-version-detail"),
    path(VERSION + "sample", version_sample, name="product-version-sample"),
    path(VERSION + "dataset", version_dataset, name="product-version-dataset"),
    path(VERSION + "submit", version_submit, name="product-version-submit"),
    path(VERSION + "withdraw", version_withdraw, name="product-version-withdraw"),
    path(PRODUCT + "offers/", offer_list, name="product-offer-list"),
    path(PRODUCT + "offers/<int:pk>/", offer_detail, name="product-offer-detail"),
]
