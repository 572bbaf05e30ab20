"""Writing to the audit ledger. Every service in every app records through `audit_record`."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kernel.ledger.chain import GENESIS_HASH, event_hash, json_safe
from kernel.ledger.context import current_request_id
from kernel.ledger.models import AuditEvent, LedgerHead


def audit_record(
    *,
    action: str,
    actor=None,
    organization=None,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Appends one event in the caller's transaction.

    The ledger head row is locked first, so concurrent appends queue behind each other and
    each links to the one before it: the chain cannot fork.
    """
    with transaction.atomic():
        head = _locked_head()
        actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
        fields = {
            "seq": head.last_seq + 1,
            "created_at": timezone.now(),
            "actor_id": actor_obj.pk if actor_obj else None,
            "actor_label": actor_obj.get_username() if actor_obj else "system",
            "organization_id": organization.pk if organization is not None else None,
            "action": action,
            "object_type": obj._meta.label_lower if obj is not None else "",
            "object_id": str(obj.pk) if obj is not None else "",
            "object_repr": (object_repr if object_repr is not None else str(obj or ""))[:300],
            "before": json_safe(before),
            "after": json_safe(after),
            "request_id": current_request_id.get(),
            "prev_hash": head.last_hash,
        }
        hashed = dict(fields, created_at=fields["created_at"].isoformat())
        event = AuditEvent.objects.create(**fields, hash=event_hash(hashed))
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
        return event


def _locked_head() -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LedgerHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head
