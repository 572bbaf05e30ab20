"""The Django project package and the trading core (catalogue and licensing apps)."""

from marketplace.celery import app as celery_app

__all__ = ["celery_app"]
