"""Sending e-mail after the transaction that decided it has committed, never silently.

A mail server that refuses or is down must not undo the decision the mail reports (the
notification in the dashboard stays), and it must not vanish either: every failure is
logged with the recipients and the subject, so an operator can see and resend it.
"""

import logging
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction

log = logging.getLogger("kernel.mail")


def send_mail_on_commit(*, subject: str, body: str, recipients: Iterable[str]) -> None:
    """Sends one message to ``recipients`` once the current transaction commits."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, body, None, recipients, fail_silently=False)
        except Exception:
            log.exception("mail not sent: subject=%r recipients=%s", subject, recipients)

    transaction.on_commit(send)
