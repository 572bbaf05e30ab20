"""Recording queued work with the state change, and publishing it after the commit."""

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone

from kernel.outbox.models import OutboxMessage

log = logging.getLogger("kernel.outbox")

# After a publish fails for want of a broker, new work waits for the sweeper for this long
# instead of making every request wait for the broker's connection timeout again.
BROKER_DOWN_KEY = "kernel.outbox.broker_down_until"
BROKER_DOWN_SECONDS = 15


def enqueue(
    task: str,
    *,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    queue: str = "",
    subject: models.Model | None = None,
) -> OutboxMessage:
    """Records one piece of queued work in the caller's transaction; it is published once
    that transaction commits (and by the sweeper if the broker is away)."""
    message = OutboxMessage.objects.create(
        task=task,
        args=list(args),
        kwargs=dict(kwargs or {}),
        queue=queue,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
    )
    message_id = message.pk
    transaction.on_commit(lambda: dispatch([message_id]))
    return message


def _broker_known_down() -> bool:
    until = cache.get(BROKER_DOWN_KEY)
    return bool(until and until > timezone.now())


def _backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, then every 30 s: work waits at most half a minute after the broker
    is back, plus one sweep interval."""
    return timedelta(seconds=min(30, 5 * 2 ** max(0, attempts - 1)))


def dispatch(message_ids: Iterable, *, force: bool = False) -> int:
    """Publishes the given messages that are still waiting; returns how many went out.

    Each message is claimed under a row lock (two sweepers never publish it twice at once)
    and published outside the database transaction; a failure puts it back with the error
    and a later attempt time. Without a broker (``make run``) the task runs here, at once.
    """
    if not force and _broker_known_down():
        return 0
    sent = 0
    for message_id in message_ids:
        message = _claim(message_id)
        if message is None:
            continue
        try:
            _publish(message)
        except Exception as exc:  # noqa: BLE001 - any failure to publish is retried later
            _release(message, exc)
            if not current_app.conf.task_always_eager:
                cache.set(
                    BROKER_DOWN_KEY,
                    timezone.now() + timedelta(seconds=BROKER_DOWN_SECONDS),
                    BROKER_DOWN_SECONDS,
                )
                log.warning("outbox: broker unavailable (%s); %s waits", exc, message)
                break
        else:
            sent += 1
    return sent


def _claim(message_id) -> OutboxMessage | None:
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True)
            .first()
        )
        if message is None:
            return None
        message.sent_at = timezone.now()
        message.publish_attempts += 1
        message.save(update_fields=["sent_at", "publish_attempts"])
    return message


def _release(message: OutboxMessage, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=None,
        last_error=error,
        available_at=timezone.now() + _backoff(message.publish_attempts),
    )


def _publish(message: OutboxMessage) -> None:
    app = current_app
    options: dict[str, Any] = {"task_id": str(message.pk)}
    if message.queue:
        options["queue"] = message.queue
    if app.conf.task_always_eager:
        # No broker (the zero-setup default): run it now, in this process, and record its
        # outcome as a worker's would be (a failure is logged, not raised into the request).
        if message.task not in app.tasks:
            app.loader.import_default_modules()
        result = app.tasks[message.task].apply(
            args=message.args, kwargs=message.kwargs, throw=False, **options
        )
        if result.failed():
            log.error("outbox: %s failed: %r", message, result.result)
            record_outcome(
                str(message.pk), error=f"{type(result.result).__name__}: {result.result}"
            )
        else:
            record_outcome(str(message.pk))
        return
    # No result is ever read back (the outcome comes through the task signals), so nothing
    # waits on the result store either; and no retry loop: the outbox retries. The time
    # limits are the worker's (docs/architecture.md, "Queued work"): Celery 5.7 would
    # otherwise stamp this process's limits on the message, overriding the worker's.
    app.send_task(
        message.task,
        args=message.args,
        kwargs=message.kwargs,
        retry=False,
        ignore_result=True,
        time_limit=None,
        soft_time_limit=None,
        **options,
    )


def sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Publishes every message whose next attempt is due (the beat task runs this)."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.undelivered()
        .filter(available_at__lte=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return dispatch(due, force=True) if due else 0


def retry(*, messages: Iterable[OutboxMessage]) -> int:
    """An operator sends failed or stuck work again (its task is idempotent)."""
    ids = [m.pk for m in messages]
    OutboxMessage.objects.filter(pk__in=ids).update(
        sent_at=None, failed_at=None, finished_at=None, available_at=timezone.now()
    )
    return dispatch(ids, force=True)


def record_outcome(task_id: str, *, error: str = "") -> None:
    """The worker's word on a task that came from the outbox (the task signals call it)."""
    now = timezone.now()
    if error:
        OutboxMessage.objects.filter(pk=task_id).update(failed_at=now, last_error=error[:2000])
    else:
        OutboxMessage.objects.filter(pk=task_id).update(finished_at=now, failed_at=None)


def note_delivery(task_id) -> int:
    """A worker starts the task ``task_id``: how many times it has been started (1 for a
    task that did not come from the outbox)."""
    try:
        task_id = uuid.UUID(str(task_id))
    except ValueError:
        return 1
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=task_id).update(
            deliveries=models.F("deliveries") + 1
        )
        if not updated:
            return 1
        return OutboxMessage.objects.values_list("deliveries", flat=True).get(pk=task_id)


def pending_for(obj: models.Model) -> bool:
    """Whether work about ``obj`` is still waiting for the broker."""
    return OutboxMessage.objects.for_subject(obj).undelivered().exists()
