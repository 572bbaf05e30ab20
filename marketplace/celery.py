"""The Celery application.

Without `CELERY_BROKER_URL` tasks run eagerly in-process (the zero-setup default); with
`redis://...` the same code runs on a real worker (`celery -A marketplace worker`) and beat
(`celery -A marketplace beat`). Work is queued through
the outbox (`kernel.outbox`) in the transaction that decides it, and published after commit.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _configure(sender: Celery, **_kwargs) -> None:
    from django.conf import settings

    sender.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # A task is acknowledged only once it has finished, and a worker that dies mid-task
        # hands it back to the queue: our tasks are idempotent, so redelivery is safe.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.CELERY_TASK_TIME_LIMIT,
        task_soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
        broker_transport_options={
            "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
            # Redis: a broker that does not answer fails fast (the outbox keeps the work).
            "socket_connect_timeout": settings.CELERY_BROKER_TIMEOUT,
            "socket_timeout": max(5.0, settings.CELERY_BROKER_TIMEOUT),
        },
        result_backend_transport_options={"visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT},
        redis_socket_connect_timeout=settings.CELERY_BROKER_TIMEOUT,
        redis_socket_timeout=max(5.0, settings.CELERY_BROKER_TIMEOUT),
        # AMQP (RabbitMQ): the same fast failure when publishing.
        broker_connection_timeout=settings.CELERY_BROKER_TIMEOUT,
        task_publish_retry=False,
        broker_connection_retry_on_startup=True,
        result_expires=24 * 3600,
        worker_hijack_root_logger=False,
        timezone=settings.TIME_ZONE,
        enable_utc=True,
    )
    if not settings.CELERY_BROKER_URL:
        # Eager mode: tasks run in-process and nothing is sent; say so instead of letting
        # kombu fall back to an AMQP server on localhost.
        sender.conf.broker_url = "memory://localhost/"


app.on_configure.connect(_configure)
app.autodiscover_tasks()


@app.task(name="marketplace.ping")
def ping(payload: str) -> dict:
    """Round-trip probe used by the readiness tests and operators: echoes its input."""
    return {"pong": payload, "worker_pid": os.getpid()}
