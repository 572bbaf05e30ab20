"""The beat task that publishes queued work the broker did not take at once."""

from celery import shared_task

from kernel.outbox import services


@shared_task(name="kernel.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Idempotent; beat runs it every ``OUTBOX_SWEEP_SECONDS``."""
    return services.sweep()
