"""Canonical form and hashing of ledger events (pure: no Django models)."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "organization_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "prev_hash",
)


def json_safe(value: Any) -> Any:
    """What a JSON column gives back: decimals, dates and the like become strings."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def canonical_json(fields: Mapping[str, Any]) -> str:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def first_problem(
    events: Iterable[Mapping[str, Any]], *, head_seq: int | None = None
) -> ChainProblem | None:
    """Walks events in `seq` order and names the first one that breaks the chain."""
    expected_seq = 1
    prev = GENESIS_HASH
    for event in events:
        seq = event["seq"]
        if seq != expected_seq:
            return ChainProblem(expected_seq, f"event #{expected_seq} is missing or out of order")
        if event["prev_hash"] != prev:
            return ChainProblem(seq, "does not link to the event before it")
        if event_hash(event) != event["hash"]:
            return ChainProblem(seq, "content does not match its hash (edited)")
        prev = event["hash"]
        expected_seq += 1
    if head_seq is not None and head_seq != expected_seq - 1:
        return ChainProblem(
            expected_seq,
            f"the chain ends at #{expected_seq - 1} but its head says #{head_seq} "
            "(events deleted at the end)",
        )
    return None
