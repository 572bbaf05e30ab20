"""Celery (beat) tasks of the catalogue: they take ids or nothing and call one service."""

from celery import shared_task

from catalogue import services


@shared_task(name="catalogue.requeue_stuck_datasets", ignore_result=True)
def requeue_stuck_datasets() -> int:
    """Run by beat every minute: preparations whose task was lost are queued again."""
    return services.versions_requeue_stuck_datasets()
