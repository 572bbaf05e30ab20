from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace import views
from marketplace.catalogue.api import catalogue_dcat

api_v1 = [
    path("", include("marketplace.accounts.api_urls")),
    path("", include("marketplace.catalogue.api_urls")),
    path("", include("marketplace.compliance.rules.api_urls")),
    path("", include("marketplace.compliance.api_urls")),
    path("", include("marketplace.licensing.api_urls")),
]

admin.site.site_header = "Jambatan Data Exchange · reviewer desk"
admin.site.site_title = "Jambatan reviewer desk"
admin.site.index_title = "Queues, cases, organisations and the audit ledger"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("marketplace.accounts.urls")),
    path("catalogue/", include("marketplace.catalogue.urls")),
    path("catalogue.jsonld", catalogue_dcat, name="catalogue-dcat"),
    path("compliance/", include("marketplace.compliance.rules.urls")),
    path("licences/", include("marketplace.licensing.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
# Uploaded files (samples, datasets, evidence) are never served from a URL: pages and the
# access API read them through permission-checked views only.


def handler404(request, exception):
    """The API answers in its JSON error shape; pages get the site's 404 page."""
    from django.views.defaults import page_not_found

    from marketplace.api.errors import json_not_found

    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def handler500(request):
    from django.views.defaults import server_error

    from marketplace.api.errors import json_server_error

    if request.path.startswith("/api/"):
        return json_server_error(request)
    return server_error(request)
