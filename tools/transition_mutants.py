"""Mutation pass over the nine transition maps and their operations maps.

For each map it makes every small wrong version of it (a mutant) and runs the map's
behaviour tests against it, with the tests that only pin the literal maps deselected
(``-k "not pins_"``). A mutant is killed when the run fails. The mutants of a transitions
map (``{from: {to: operation}}``):

- ``-`` each allowed edge removed;
- ``+`` each missing edge ``from → to`` added, labelled with each operation that already
  leads into ``to`` in that map;
- ``~`` each edge relabelled with each other operation of that map;

and of an operations map (``{operation: {states}}``) each state removed from or added to each
operation. Each mutant runs in its own ``pytest`` process on SQLite, with the mutant applied
in-process by ``tools/transition_mutant_plugin.py``. The table is printed and written to
``bench/results/mutants.md``.

    .venv/bin/python tools/transition_mutants.py            # everything (make mutants)
    .venv/bin/python tools/transition_mutants.py --only product --jobs 1
    .venv/bin/python tools/transition_mutants.py --list     # the mutants, without running
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "mutants.md"
TEST_ENV = {
    "SECRET_KEY": "t",
    "DEBUG": "0",
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "CELERY_BROKER_URL": "",
    "RATELIMIT_ENABLE": "1",
    "DJANGO_SETTINGS_MODULE": "marketplace.settings",
}
PYTEST = ["-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
PLUGIN = ["-p", "tools.transition_mutant_plugin", "-k", "not pins_"]
TIMEOUT = 900
# With --postgres each pytest slot keeps its own test database between runs (--reuse-db), so a
# mutant costs its tests, not the migrations.
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SLOTS: queue.Queue[int] = queue.Queue()
POSTGRES = {"on": False}

CATALOGUE = ["tests/catalogue/test_transitions.py"]
REVIEW = ["tests/compliance/test_review_transitions.py"]
LICENSING = ["tests/licensing/test_transitions.py"]
ACCOUNTS = ["tests/accounts/test_verification_transitions.py"]
RULE_SETS = ["tests/compliance/test_rule_set_transitions.py"]
DATASETS = ["tests/catalogue/test_dataset_preparation.py"]


@dataclass(frozen=True)
class Map:
    label: str
    module: str
    name: str
    kind: str  # "transitions" or "operations"
    tests: list[str]


MAPS = [
    Map("product", "catalogue.services", "PRODUCT_TRANSITIONS", "transitions", CATALOGUE),
    Map("product operations", "catalogue.services", "PRODUCT_OPERATIONS", "operations", CATALOGUE),
    Map("version", "catalogue.services", "VERSION_TRANSITIONS", "transitions", CATALOGUE),
    Map("version operations", "catalogue.services", "VERSION_OPERATIONS", "operations", CATALOGUE),
    Map("stage", "compliance.services.lifecycle", "STAGE_TRANSITIONS", "transitions", REVIEW),
    Map(
        "stage operations",
        "compliance.services.lifecycle",
        "STAGE_OPERATIONS",
        "operations",
        REVIEW,
    ),
    Map("case", "compliance.services.lifecycle", "CASE_TRANSITIONS", "transitions", REVIEW),
    Map("licence request", "licensing.services", "REQUEST_TRANSITIONS", "transitions", LICENSING),
    Map(
        "licence request operations",
        "licensing.services",
        "REQUEST_OPERATIONS",
        "operations",
        LICENSING,
    ),
    Map("licence", "licensing.services", "LICENCE_TRANSITIONS", "transitions", LICENSING),
    Map("licence operations", "licensing.services", "LICENCE_OPERATIONS", "operations", LICENSING),
    Map(
        "organisation verification",
        "accounts.services",
        "ORGANIZATION_TRANSITIONS",
        "transitions",
        ACCOUNTS,
    ),
    Map("rule set", "compliance.rules.services", "RULE_SET_TRANSITIONS", "transitions", RULE_SETS),
    Map(
        "rule set operations",
        "compliance.rules.services",
        "RULE_SET_OPERATIONS",
        "operations",
        RULE_SETS,
    ),
    Map("dataset", "catalogue.services", "DATASET_TRANSITIONS", "transitions", DATASETS),
    Map("dataset operations", "catalogue.services", "DATASET_OPERATIONS", "operations", DATASETS),
]

# Mutants no test can kill, because no code path can ever attempt the mutated move: each with
# the reason. A survivor that is not listed here is reported as unexplained.
_SUBMIT_GUARD = (
    "version_submit (and review_submit through it) refuses the product operation "
    "submit_version in {state} on the locked row before it could attempt the move; no other "
    "code makes 'submit' moves"
)
_LIST_GUARD = (
    "product_list_version (and version_review_close(approved) through it) refuses the "
    "product operation list_version in {state} on the locked row before it could attempt the "
    "move; no other code makes 'review' moves into listed"
)
_ASSESS_ONLY_FROM_ASSESSING = (
    "_assess (licence_request_create's only mover) attempts 'assess' into {to} only right "
    "after its own move to assessing, in the same transaction on the locked row (a new row "
    "no one else can see), so the row is always in assessing then; from {state} it stops at "
    "the refused move to assessing"
)
_EVIDENCE_GUARD = (
    "licence_request_add_evidence refuses the request operation evidence in {state} (only "
    "awaiting_evidence) on the locked row before it could attempt the move; no other code "
    "makes 'evidence' moves"
)
_CHECKS_GUARD = (
    "the check services (stage_run_checks, stage_run_check, stage_check_failed) record a "
    "result and attempt 'checks_done' only while the operation run_checks (checking only) "
    "is permitted, checked on the locked row in the transaction that moves it; pending is "
    "not a final state, so no decision path notices the extra edge either"
)


def _equivalents() -> dict[str, str]:
    reasons = {}
    for state in ("in_review", "delisted", "rejected"):
        reasons[f"PRODUCT_TRANSITIONS +{state}→submitted(submit)"] = _SUBMIT_GUARD.format(
            state=state
        )
    for state in ("draft", "submitted", "changes_requested", "delisted", "rejected"):
        reasons[f"PRODUCT_TRANSITIONS +{state}→listed(review)"] = _LIST_GUARD.format(state=state)
    request_states = [
        "requested",
        "assessing",
        "manual_review",
        "awaiting_evidence",
        "awaiting_provider",
        "approved",
        "declined",
        "withdrawn",
        "blocked",
    ]
    for to in ("blocked", "manual_review", "awaiting_evidence", "awaiting_provider"):
        for state in request_states:
            if state not in ("assessing", to):
                reasons[f"REQUEST_TRANSITIONS +{state}→{to}(assess)"] = (
                    _ASSESS_ONLY_FROM_ASSESSING.format(to=to, state=state)
                )
    for state in ("requested", "approved", "declined", "withdrawn", "blocked"):
        reasons[f"REQUEST_TRANSITIONS +{state}→awaiting_provider(evidence)"] = (
            _EVIDENCE_GUARD.format(state=state)
        )
    reasons["STAGE_TRANSITIONS +pending→awaiting_decision(checks_done)"] = _CHECKS_GUARD
    return reasons


EQUIVALENT = _equivalents()


@dataclass
class Mutant:
    map: Map
    kind: str
    source: str = ""
    to: str = ""
    op: str = ""
    state: str = ""
    was: str = ""
    outcome: str = ""  # killed / survived / error
    detail: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        name = self.map.name
        if self.kind == "remove":
            return f"{name} -{self.source}→{self.to}({self.op})"
        if self.kind == "add":
            return f"{name} +{self.source}→{self.to}({self.op})"
        if self.kind == "relabel":
            return f"{name} ~{self.source}→{self.to}({self.was}→{self.op})"
        sign = "-" if self.kind == "remove_state" else "+"
        return f"{name}[{self.op}] {sign}{self.state}"

    def payload(self) -> str:
        data = {"module": self.map.module, "map": self.map.name, "kind": self.kind}
        if self.kind in ("remove", "add", "relabel"):
            data.update({"from": self.source, "to": self.to, "op": self.op})
        else:
            data.update({"op": self.op, "state": self.state})
        return json.dumps(data)


def _setup_django() -> None:
    for key, value in TEST_ENV.items():
        os.environ.setdefault(key, value)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _states_of(spec: Map) -> list[str]:
    import importlib

    from kernel.transitions import StateMachine

    module = importlib.import_module(spec.module)
    target = getattr(module, spec.name)
    for value in vars(module).values():
        if isinstance(value, StateMachine) and (
            value.transitions is target or value.operations is target
        ):
            return [str(s) for s in value.states]
    raise SystemExit(f"no StateMachine in {spec.module} holds {spec.name}")


def mutants_of(spec: Map) -> list[Mutant]:
    import importlib

    target = getattr(importlib.import_module(spec.module), spec.name)
    states = _states_of(spec)
    out: list[Mutant] = []
    if spec.kind == "operations":
        for op, allowed in target.items():
            allowed = {str(s) for s in allowed}
            for state in states:
                kind = "remove_state" if state in allowed else "add_state"
                out.append(Mutant(spec, kind, op=str(op), state=state))
        return out
    edges = [(str(f), str(t), str(op)) for f, moves in target.items() for t, op in moves.items()]
    operations = sorted({op for _f, _t, op in edges})
    for source, to, op in edges:
        out.append(Mutant(spec, "remove", source, to, op))
    for to in states:
        into = sorted({op for _f, t, op in edges if t == to})
        for source in states:
            if source == to or to in {str(t) for t in target.get(source, {})}:
                continue
            for op in into:
                out.append(Mutant(spec, "add", source, to, op))
    for source, to, op in edges:
        for other in operations:
            if other != op:
                out.append(Mutant(spec, "relabel", source, to, other, was=op))
    return out


def _env(mutant: Mutant | None, slot: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REQUIRE_SERVICES")}
    env.update(TEST_ENV)
    if slot is not None:
        env["DATABASE_URL"] = f"{PG_SERVER}/dx_mutants_{slot}"
    env.pop("TRANSITION_MUTANT", None)
    if mutant is not None:
        env["TRANSITION_MUTANT"] = mutant.payload()
    return env


def _first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return re.sub(r"^(FAILED|ERROR) tests/[^:]+::", "", line)[:160]
    return ""


def run(
    tests: list[str], mutant: Mutant | None, slot: int | None = None, create: bool = False
) -> tuple[int, str, float]:
    started = time.monotonic()
    database = [] if slot is None else ["--reuse-db", *(["--create-db"] if create else [])]
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, our own arguments
            [sys.executable, *PYTEST, *database, *PLUGIN, *tests],
            cwd=ROOT,
            env=_env(mutant, slot),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {TIMEOUT} s", time.monotonic() - started
    output = done.stdout + done.stderr
    return done.returncode, output, time.monotonic() - started


def run_mutant(mutant: Mutant) -> Mutant:
    slot = SLOTS.get() if POSTGRES["on"] else None
    try:
        code, output, seconds = run(mutant.map.tests, mutant, slot)
    finally:
        if slot is not None:
            SLOTS.put(slot)
    mutant.seconds = seconds
    if code == 1:
        mutant.outcome, mutant.detail = "killed", _first_failure(output)
    elif code == 0:
        mutant.outcome = "survived"
    else:
        mutant.outcome = "error"
        mutant.detail = f"pytest exit code {code}: " + " ".join(output.strip().splitlines()[-3:])
    return mutant


def report(mutants: list[Mutant], elapsed: float) -> str:
    lines = [
        "# Transition map mutants",
        "",
        "`tools/transition_mutants.py`: each mutant of a map run against that map's behaviour "
        'tests (`pytest -x -k "not pins_"`, SQLite); killed = the run failed. The mutant is '
        "applied to the map dict in place when the session starts, so a value a module "
        "derives from a map at import time (`licensing.services.OPEN_REQUEST_STATES`) keeps "
        "the unmutated answer: the counts are a lower bound.",
        "",
        "| map | tests | mutants | killed | survived: equivalent | survived: unexplained "
        "| errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    by_map: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_map.setdefault(mutant.map.label, []).append(mutant)
    totals = [0, 0, 0, 0, 0]
    for spec in MAPS:
        group = by_map.get(spec.label)
        if not group:
            continue
        counts = [
            len(group),
            sum(m.outcome == "killed" for m in group),
            sum(m.outcome == "survived" and m.id in EQUIVALENT for m in group),
            sum(m.outcome == "survived" and m.id not in EQUIVALENT for m in group),
            sum(m.outcome == "error" for m in group),
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        tests = ", ".join(Path(t).name for t in spec.tests)
        cells = " | ".join(map(str, counts))
        lines.append(f"| {spec.label} (`{spec.name}`) | {tests} | {cells} |")
    lines.append("| **all** | | " + " | ".join(f"**{n}**" for n in totals) + " |")
    survivors = [m for m in mutants if m.outcome != "killed"]
    lines += ["", f"{len(mutants)} mutants in {elapsed / 60:.1f} min.", ""]
    if survivors:
        lines += ["## Survivors and errors", ""]
        for spec in MAPS:
            group = [m for m in survivors if m.map.label == spec.label]
            if not group:
                continue
            lines += [f"### {spec.label}", ""]
            for m in group:
                if m.outcome == "error":
                    lines.append(f"- `{m.id}` — **error**: {m.detail}")
                elif m.id in EQUIVALENT:
                    lines.append(f"- `{m.id}` — equivalent: {EQUIVALENT[m.id]}")
                else:
                    lines.append(f"- `{m.id}` — **not explained**")
            lines.append("")
    unused = sorted(set(EQUIVALENT) - {m.id for m in survivors} & {m.id for m in mutants})
    if unused:
        lines += ["## Listed as equivalent but killed (remove from the list)", ""]
        lines += [f"- `{mid}`" for mid in unused] + [""]
    lines += ["## Killed by", "", "<details><summary>every killed mutant</summary>", ""]
    for m in mutants:
        if m.outcome == "killed":
            lines.append(f"- `{m.id}`: {m.detail}")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the maps whose label contains this text")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at once")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="run on the local PostgreSQL, one reused test database per job (faster)",
    )
    args = parser.parse_args()
    POSTGRES["on"] = args.postgres
    _setup_django()
    specs = [s for s in MAPS if not args.only or args.only in s.label]
    mutants = [m for spec in specs for m in mutants_of(spec)]
    if args.list:
        for m in mutants:
            print(m.id)
        print(f"{len(mutants)} mutants")
        return 0
    started = time.monotonic()
    jobs = max(1, args.jobs)
    suites = sorted({tuple(s.tests) for s in specs})
    # The unmutated tests first (with --postgres once per slot: that creates its database).
    for slot in range(jobs) if args.postgres else [None]:
        for index, tests in enumerate(suites):
            code, output, seconds = run(list(tests), None, slot, create=index == 0)
            if code != 0:
                print(output[-3000:])
                print(f"The unmutated tests fail ({' '.join(tests)}): fix them first.")
                return 2
            print(f"baseline {' '.join(tests)}: passed in {seconds:.0f} s", flush=True)
        if slot is not None:
            SLOTS.put(slot)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, mutant in enumerate(pool.map(run_mutant, mutants), start=1):
            mark = {"killed": "killed  ", "survived": "SURVIVED", "error": "ERROR   "}
            print(
                f"[{n}/{len(mutants)}] {mark[mutant.outcome]} {mutant.id} "
                f"({mutant.seconds:.0f} s) {mutant.detail}",
                flush=True,
            )
    text = report(mutants, time.monotonic() - started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print()
    print(text.split("## Killed by")[0].rstrip())
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
    unexplained = [
        m
        for m in mutants
        if m.outcome == "error" or (m.outcome == "survived" and m.id not in EQUIVALENT)
    ]
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
