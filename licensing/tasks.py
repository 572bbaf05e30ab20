"""Celery (beat) tasks of licensing: they take ids or nothing and call one service."""

from celery import shared_task

from licensing import services


@shared_task(name="licensing.expire_licences")
def expire_licences() -> int:
    """Run by beat every few minutes; idempotent (each licence expires once)."""
    return services.licences_expire_due()


@shared_task(name="licensing.release_stale_privacy_reservations")
def release_stale_privacy_reservations() -> int:
    """Run by beat: refunds the privacy cost of queries whose web process died mid-way."""
    return services.privacy_reservations_release_stale()
