"""pytest plugin: runs the session with one mutant of a transition map applied.

Loaded by ``tools/transition_mutants.py`` as ``-p tools.transition_mutant_plugin``. The
mutant comes as JSON in ``TRANSITION_MUTANT``::

    {"module": "catalogue.services", "map": "PRODUCT_TRANSITIONS", "kind": "add",
     "from": "listed", "to": "in_review", "op": "open_review"}

``kind`` is ``remove`` / ``add`` / ``relabel`` (an edge of a transitions map) or
``remove_state`` / ``add_state`` (a state of one operation of an operations map). The map
dict is changed in place when the session starts: the module's ``StateMachine`` holds a
reference to the same dict, so every service sees the mutant. Tests whose ids name the
mutated states or operation run first, so that a killed mutant fails early under ``-x``.
"""

import importlib
import json
import os
import re

import pytest

ENV = "TRANSITION_MUTANT"


def _mutant() -> dict | None:
    raw = os.environ.get(ENV)
    return json.loads(raw) if raw else None


def apply(mutant: dict) -> None:
    from kernel.transitions import StateMachine

    module = importlib.import_module(mutant["module"])
    target = getattr(module, mutant["map"])
    holders = [
        value
        for value in vars(module).values()
        if isinstance(value, StateMachine)
        and (value.transitions is target or value.operations is target)
    ]
    if not holders:
        raise pytest.UsageError(f"no StateMachine in {mutant['module']} uses {mutant['map']}")
    kind = mutant["kind"]
    if kind == "remove":
        del target[mutant["from"]][mutant["to"]]
    elif kind in ("add", "relabel"):
        target[mutant["from"]][mutant["to"]] = mutant["op"]
    elif kind == "remove_state":
        target[mutant["op"]] = set(target[mutant["op"]]) - {mutant["state"]}
    elif kind == "add_state":
        target[mutant["op"]] = set(target[mutant["op"]]) | {mutant["state"]}
    else:
        raise pytest.UsageError(f"unknown mutant kind {kind!r}")


def pytest_sessionstart(session):
    mutant = _mutant()
    if mutant is not None:
        apply(mutant)


def pytest_report_header(config):
    mutant = _mutant()
    return f"transition mutant: {mutant}" if mutant else None


def pytest_collection_modifyitems(config, items):
    mutant = _mutant()
    if mutant is None:
        return
    words = {mutant.get(k) for k in ("from", "to", "op", "state")} - {None}

    def relevance(item) -> int:
        name, _, params = item.name.partition("[")
        return -(len(words & set(re.split(r"[\[\]-]+", params))) + sum(w in name for w in words))

    items.sort(key=relevance)  # stable: same-relevance tests keep their order
