"""The top layer: the Django project (settings, URLs, Celery) and every face of the apps
below it — HTML pages, the REST API, the admin, template tags, management commands and the
demo loaders, in one sub-package per app (docs/architecture.md)."""

from marketplace.celery import app as celery_app

__all__ = ["celery_app"]
