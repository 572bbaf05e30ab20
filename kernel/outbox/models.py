"""Queued work, recorded with the state change that asks for it."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxQuerySet(models.QuerySet):
    def undelivered(self):
        """Not yet taken by the broker."""
        return self.filter(sent_at__isnull=True)

    def failed(self):
        return self.filter(failed_at__isnull=False, finished_at__isnull=True)

    def for_subject(self, obj: models.Model):
        return self.filter(subject_type=obj._meta.label_lower, subject_id=str(obj.pk))


class OutboxMessage(models.Model):
    """One piece of queued work: a Celery task by name with JSON arguments.

    ``id`` is also the Celery task id, so the worker's outcome comes back to this row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(_("task"), max_length=120)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=60, blank=True)
    # What the work is about (e.g. a review stage), for people reading the queue.
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now, db_index=True)
    available_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    publish_attempts = models.PositiveIntegerField(default=0)
    # How often a worker started it (a task redelivered again and again kills its worker).
    deliveries = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(_("taken by the broker"), null=True, blank=True)
    finished_at = models.DateTimeField(_("done"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued work")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=Q(sent_at__isnull=True),
                name="outbox_undelivered_idx",
            ),
            models.Index(fields=["subject_type", "subject_id"], name="outbox_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.args or ''}".strip()

    @property
    def state(self) -> str:
        """For people: waiting for the broker, sent, done, or failed."""
        if self.finished_at:
            return "done"
        if self.failed_at:
            return "failed"
        if self.sent_at:
            return "sent"
        return "waiting"
