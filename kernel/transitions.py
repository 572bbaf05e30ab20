"""The one way a status moves, for every state machine of the exchange.

Each lifecycle (product, version, review case, stage, licence request, licence, organisation
verification, rule set) is a :class:`StateMachine`: its status field, ONE module-level map of
the moves it allows, and the operations that need a particular state without moving it. A
move in the map names the service operation that makes it, so a service can make only its
own moves: ``product_reinstate`` may take a suspended product back to listed, but it cannot
list a product that is in review, although the review's outcome can::

    PRODUCT_TRANSITIONS = {
        "in_review": {"listed": "review", ...},
        "suspended": {"listed": "reinstate", ...},
        ...
    }

:func:`transition` is the only code that writes a status: it locks the row, checks the move
against the map, saves with ``update_fields`` and writes the audit-ledger event, all in one
transaction. :meth:`StateMachine.require` checks an operation that keeps the state (editing
a draft, renewing a licence) against the same machine. Nothing else compares statuses to
decide what may happen (``docs/architecture.md``, "State machines").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from kernel.exceptions import Conflict, InvalidTransition
from kernel.ledger.services import audit_record

M = TypeVar("M", bound=models.Model)

Transitions = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class StateMachine:
    """A model's status field and what may happen to it.

    ``transitions`` maps each state to the states it may move to, each with the name of the
    operation that makes the move. ``operations`` maps an operation that keeps the state to
    the states it is allowed in. ``action_prefix`` names the ledger events
    (``<prefix>.<to>``) unless a move names its own.
    """

    model: type[models.Model]
    field: str
    transitions: Transitions
    noun: str
    action_prefix: str
    operations: Mapping[str, Collection[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        states = set(self.states)
        for before, moves in self.transitions.items():
            unknown = ({before} | set(moves)) - states
            if unknown:
                raise ValueError(f"{self.noun}: unknown state(s) {sorted(unknown)} in the map")
        for operation, allowed in self.operations.items():
            if set(allowed) - states:
                raise ValueError(f"{self.noun}: operation {operation} names an unknown state")

    @property
    def states(self) -> list[str]:
        return [value for value, _label in self.model._meta.get_field(self.field).choices]

    def label(self, state: str) -> str:
        return str(dict(self.model._meta.get_field(self.field).choices).get(state, state))

    def allows(self, before: str, to: str, via: str) -> bool:
        """Whether operation ``via`` may move a row from ``before`` to ``to``."""
        return self.transitions.get(before, {}).get(to) == via

    def moves(self, before: str, via: str | None = None) -> set[str]:
        """The states ``before`` may move to (by ``via`` only, when given)."""
        return {
            to for to, op in self.transitions.get(before, {}).items() if via is None or op == via
        }

    def moves_into(self, to: str, *, via: str) -> set[str]:
        """The states operation ``via`` may move to ``to`` from (for finding due rows)."""
        return {before for before, moves in self.transitions.items() if moves.get(to) == via}

    def is_final(self, state: str) -> bool:
        return not self.transitions.get(state)

    def permits(self, obj_or_state: models.Model | str, operation: str) -> bool:
        """Whether ``operation`` (one that keeps the state) is allowed in this state."""
        state = obj_or_state if isinstance(obj_or_state, str) else getattr(obj_or_state, self.field)
        if operation not in self.operations:
            raise KeyError(f"{self.noun}: no operation {operation!r}")
        return state in self.operations[operation]

    def require(self, obj: models.Model, operation: str, *, refusal: str | None = None) -> None:
        """Raises InvalidTransition unless ``operation`` is allowed in ``obj``'s state."""
        if not self.permits(obj, operation):
            state = getattr(obj, self.field)
            raise InvalidTransition(
                refusal
                or _("This %(noun)s is %(state)s: that cannot be done now.")
                % {"noun": self.noun, "state": self.label(state).lower()}
            )

    def check(self, before: str, to: str, via: str, *, when_final: str | None = None) -> None:
        """Raises unless the map allows operation ``via`` to move ``before`` to ``to``.

        A row already in a final state answers ``when_final`` (a Conflict: someone else
        finished it first) when given.
        """
        if self.allows(before, to, via):
            return
        if when_final and self.is_final(before):
            raise Conflict(when_final)
        raise InvalidTransition(
            _("A %(noun)s cannot go from “%(before)s” to “%(after)s”.")
            % {"noun": self.noun, "before": self.label(before), "after": self.label(to)}
        )


def _has_auto_now(model: type[models.Model], name: str) -> bool:
    try:
        return bool(getattr(model._meta.get_field(name), "auto_now", False))
    except Exception:  # noqa: BLE001 - no such field
        return False


def transition(
    obj: M,
    *,
    machine: StateMachine,
    to: str,
    via: str,
    actor=None,
    organization=None,
    changes: Mapping[str, Any] | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    action: str | None = None,
    when_final: str | None = None,
) -> M:
    """Moves ``obj`` to ``to`` by operation ``via``: the one place a status is written.

    In one transaction: lock the row and read its current state (a stale ``obj`` is brought
    up to date), check the move against the machine's map, set the state and ``changes`` on
    ``obj``, save them with ``update_fields`` and record the ledger event
    (``before``/``after`` add detail to the state change it always records). Returns ``obj``.
    """
    model = type(obj)
    name = machine.field
    with transaction.atomic():
        current = (
            model._base_manager.select_for_update()
            .filter(pk=obj.pk)
            .values_list(name, flat=True)
            .get()
        )
        setattr(obj, name, current)
        machine.check(current, to, via, when_final=when_final)
        changes = dict(changes or {})
        setattr(obj, name, to)
        for key, value in changes.items():
            setattr(obj, key, value)
        update_fields = [name, *changes]
        if _has_auto_now(model, "updated_at"):
            update_fields.append("updated_at")
        obj.save(update_fields=update_fields)
        audit_record(
            action=action or f"{machine.action_prefix}.{to}",
            actor=actor,
            organization=organization,
            obj=obj,
            before={**(before or {}), name: current},
            after={**(after or {}), name: to},
        )
    return obj
