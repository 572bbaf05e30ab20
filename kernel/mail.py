"""E-mail goes out through the outbox, after the transaction that decided it, never silently.

A mail server that refuses or is down must not undo the decision the mail reports (the
notification in the dashboard stays), and it must not vanish either: sending is a task,
retried with backoff a few times, and a failure that remains is logged and shown with the
queued work in the admin, where an operator can send it again.
"""

import logging
import smtplib
from collections.abc import Iterable

from celery import shared_task
from django.core.mail import send_mail

from kernel.outbox.services import enqueue

log = logging.getLogger("kernel.mail")


def send_mail_on_commit(*, subject: str, body: str, recipients: Iterable[str]) -> None:
    """Queues one message to ``recipients``; it is sent once the transaction commits."""
    recipients = [r for r in recipients if r]
    if recipients:
        enqueue("kernel.send_mail", kwargs={"subject": subject, "body": body, "to": recipients})


@shared_task(
    name="kernel.send_mail",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def send_mail_task(*, subject: str, body: str, to: list[str]) -> int:
    try:
        return send_mail(subject, body, None, to, fail_silently=False)
    except Exception:
        log.exception("mail not sent: subject=%r recipients=%s", subject, to)
        raise
