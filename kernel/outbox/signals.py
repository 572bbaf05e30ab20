"""Each task's outcome is written back to its outbox row (task id = message id)."""

import uuid

from celery import signals


def _outbox_id(task_id) -> str | None:
    try:
        return str(uuid.UUID(str(task_id)))
    except (TypeError, ValueError):
        return None


@signals.task_success.connect
def _succeeded(sender=None, result=None, **kwargs):
    request = getattr(sender, "request", None)
    message_id = _outbox_id(getattr(request, "id", None))
    if message_id:
        from kernel.outbox.services import record_outcome

        record_outcome(message_id)


@signals.task_failure.connect
def _failed(sender=None, task_id=None, exception=None, **kwargs):
    message_id = _outbox_id(task_id)
    if message_id:
        from kernel.outbox.services import record_outcome

        record_outcome(message_id, error=f"{type(exception).__name__}: {exception}")
