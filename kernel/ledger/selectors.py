"""Reading the audit ledger."""

from collections.abc import Iterator
from typing import Any

from kernel.ledger.chain import HASHED_FIELDS, ChainProblem, first_problem
from kernel.ledger.models import AuditEvent, LedgerHead


def _events_for_verification() -> Iterator[dict[str, Any]]:
    # Exactly the fields the chain hashes (one list, in chain.py), and the hash itself.
    rows = AuditEvent.objects.order_by("seq").values(*HASHED_FIELDS, "hash")
    for row in rows.iterator(chunk_size=2000):
        row["created_at"] = row["created_at"].isoformat()
        yield row


def ledger_first_problem() -> ChainProblem | None:
    """Walks the whole chain in constant memory; None when it is intact."""
    head = LedgerHead.objects.filter(pk=1).values_list("last_seq", flat=True).first()
    return first_problem(_events_for_verification(), head_seq=head)


def events_for_object(obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).select_related("actor")
    )
