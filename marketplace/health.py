"""Liveness and readiness probes of the parts the portal depends on."""

from django.conf import settings
from django.db import connections


def database_problem(alias: str = "default") -> str | None:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named below
        return f"{type(exc).__name__}: {exc}".strip()[:300]
    return None


def broker_problem() -> str | None:
    """None when the broker answers, or when none is configured (tasks run in-process)."""
    if not settings.CELERY_BROKER_URL:
        return None
    from marketplace.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_BROKER_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}".strip()[:300]
    return None
