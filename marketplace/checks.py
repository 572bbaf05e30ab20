"""System checks of the deployment's settings that the code relies on (`manage.py check`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def task_time_limits_fit_the_broker(app_configs=None, **kwargs):
    """A unit of work must end (soft, then hard limit) before a Redis broker hands it to
    another worker (the visibility timeout); otherwise a slow task runs twice, or a task
    that ignores its soft limit is never stopped (the pool starts the hard timer only after
    the soft one)."""
    soft = settings.CELERY_TASK_SOFT_TIME_LIMIT
    hard = settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_VISIBILITY_TIMEOUT
    problems = []
    if not 0 < soft < hard:
        problems.append(
            checks.Error(
                f"CELERY_TASK_SOFT_TIME_LIMIT ({soft} s) must be positive and below "
                f"CELERY_TASK_TIME_LIMIT ({hard} s).",
                id="marketplace.E001",
            )
        )
    broker = settings.CELERY_BROKER_URL or ""
    if broker.startswith(("redis://", "rediss://")) and not hard < visibility:
        problems.append(
            checks.Error(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) must exceed CELERY_TASK_TIME_LIMIT "
                f"({hard} s) with a Redis broker, or running tasks are handed out twice.",
                id="marketplace.E002",
            )
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_public(app_configs=None, **kwargs):
    """Links in e-mails and the IRIs of every stored ODRL policy use SITE_URL."""
    url = settings.SITE_URL
    if not url.startswith("https://") or "127.0.0.1" in url or "localhost" in url:
        return [
            checks.Warning(
                f"SITE_URL is {url!r}: set it to the portal's public https:// address "
                "(e-mail links and the ODRL policies granted from now on use it).",
                id="marketplace.W001",
            )
        ]
    return []
