"""The cross-border transfer assessment engine.

Pure Python: no Django, no I/O. Rule sets are JSON-shaped data (see the data migration
``compliance/rules/migrations/0002_seed_rule_sets.py``)
so that they can be stored in the database and edited by compliance staff; the admin calls
:func:`validate_rule_set` before saving one and the services call :func:`assess`.

Vocabulary (binding, see docs/domain.md, "The assessment's vocabulary")
-----------------------------------------------------------------
Facts: ``origin``, ``destination`` (ISO 3166-1 alpha-2), ``data_categories`` (any of
``non_personal``, ``personal``, ``sensitive_personal``), ``subjects_ytd`` and
``sensitive_subjects_ytd`` (the exporter's individuals exported since 1 January, this
transfer included, counted apart as the 2024 Provisions Arts. 7-8 count them:
``subjects_ytd`` the individuals whose personal information *other than sensitive* is
exported, ``sensitive_subjects_ytd`` those whose sensitive personal information is; one
person whose ordinary and sensitive information both leave counts in both),
``important_data``, ``exporter_ciio``, ``exporter_in_gba`` (the exporter is registered in
one of the nine mainland cities of the Greater Bay Area), ``recipient_type`` (``company``,
``public_body``, ``judicial``, ``law_enforcement``), ``recipient_restricted`` (the
recipient is on a restricted list), ``prc_authority_approval`` (the competent PRC authority
approved providing the data to a foreign judicial or law-enforcement recipient),
``exemptions`` (any of :data:`EXEMPTIONS`), and the controller's whole processing, for
duties that depend on it rather than on one transfer: ``controller_subjects``,
``controller_sensitive_subjects`` (of those, with sensitive personal data, financial
information included) and ``systematic_monitoring`` (regular and systematic monitoring of
individuals at scale).

Rule set shape
--------------
::

    {"jurisdiction": "CN", "version": "2024.1", "effective_from": "2024-03-22",
     "effective_to": None, "title": "...", "sources": [{"citation": "...", "url": "https://..."}],
     "rules": [rule, ...]}

    rule = {"code": "cn.block.foreign_judicial_or_law_enforcement", "priority": 10,
            "title": "...", "when": condition,
            "outcome": {"decision": "block", "mechanisms_any_of": [], "obligations": [],
                        "terminal": True},
            "explanation": "...", "source": {"citation": "...", "url": "https://..."}}

    condition = {"all": [condition, ...]} | {"any": [condition, ...]} | {"not": condition}
              | {"always": True} | {"fact": name, "op": op, "value": ...}

Dates are ISO strings (``date`` objects are accepted too). A rule set is in force on ``on``
when ``effective_from <= on < effective_to`` (``effective_to`` ``None`` = open-ended).

Semantics
---------
* The ORIGIN's outbound regime decides: only rule sets whose ``jurisdiction`` equals
  ``origin`` and that are in force on the date are evaluated; if several are (say two laws
  kept as separate sets, or an old version whose ``effective_to`` was never closed) all of
  them are evaluated and combined, which can only make the answer stricter.
* ``origin == destination`` is a domestic transfer: ``allow`` via the pseudo-rule
  ``engine.domestic_transfer``; no rule set is consulted.
* No rule set in force for the origin: ``manual_review`` (``engine.no_rule_set_in_force``).
* Rules run in ascending ``priority`` (ties by ``code``). A fired rule with ``terminal`` stops
  the evaluation *of its own rule set*. A rule set in which no rule fired and nothing was
  undecidable gives ``manual_review`` (``engine.no_rule_matched``): never a silent allow.
* Conditions use three-valued (Kleene) logic: a fact that is absent (``None``) makes a
  comparison *unknown*; ``all`` is false if any part is false, ``any`` is true if any part is
  true, otherwise unknown propagates. A rule whose condition is unknown does not fire but
  yields ``manual_review`` through ``engine.missing_fact`` naming the fact and the rules that
  needed it. So a missing fact only matters where it could change the answer.
* Contradictory facts (see :func:`normalise_facts`) yield ``manual_review`` through
  ``engine.contradictory_facts`` naming the fact; the rules are still evaluated, so a block
  still shows as a block.
* Decisions combine by severity: ``block`` > ``manual_review`` > ``allow_with_mechanism`` >
  ``allow``.
* Mechanisms: each fired rule's ``mechanisms_any_of`` is one requirement, "any one of these".
  A mechanism *satisfies* a requirement if it is listed in it or supersedes one listed in it
  (:data:`MECHANISM_SUPERSEDES`: ``cn_security_assessment`` supersedes
  ``cn_standard_contract`` and ``cn_certification``). The answer's ``mechanisms_any_of`` is
  every mechanism named by a fired rule that on its own satisfies *every* fired requirement,
  in vocabulary order; so a security-assessment requirement absorbs a standard-contract /
  certification one ("the strictest wins"). If no single mechanism satisfies them all, the
  requirements conflict and the answer is ``manual_review`` (``engine.mechanism_conflict``).
* Obligations accumulate over fired rules, de-duplicated, in firing order.
* ``block`` clears ``mechanisms_any_of`` and ``obligations`` (nothing may be transferred).
  ``manual_review`` keeps them as the reviewer's indication of what the rules that could be
  evaluated require.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = [
    "DATA_CATEGORIES",
    "DECISIONS",
    "EXEMPTIONS",
    "FACT_NAMES",
    "FACT_TYPES",
    "MECHANISMS",
    "MECHANISM_SUPERSEDES",
    "OBLIGATIONS",
    "OPERATORS",
    "OPERATORS_BY_TYPE",
    "PERSONAL_CATEGORIES",
    "RECIPIENT_TYPES",
    "Assessment",
    "FactsError",
    "RuleDefinitionError",
    "assess",
    "combine_mechanisms",
    "evaluate_condition",
    "normalise_facts",
    "rule_set_in_force",
    "validate_condition",
    "validate_rule_set",
]

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

DATA_CATEGORIES: tuple[str, ...] = ("non_personal", "personal", "sensitive_personal")
PERSONAL_CATEGORIES: tuple[str, ...] = ("personal", "sensitive_personal")
RECIPIENT_TYPES: tuple[str, ...] = ("company", "public_body", "judicial", "law_enforcement")
#: Routes the exporter declares that lift a regime's mechanism. China (2024 Provisions):
#: Art. 4 ``foreign_collected_reexport``, Art. 5 ``contract_with_individual``,
#: ``hr_management``, ``emergency``, Art. 6 ``free_trade_zone``. Singapore (PDP Regulations
#: 2021 reg. 10(2)): ``data_in_transit``, ``publicly_available``. A regime ignores the others.
EXEMPTIONS: tuple[str, ...] = (
    "contract_with_individual",
    "hr_management",
    "emergency",
    "free_trade_zone",
    "foreign_collected_reexport",
    "data_in_transit",
    "publicly_available",
)
#: In ascending order of severity.
DECISIONS: tuple[str, ...] = ("allow", "allow_with_mechanism", "manual_review", "block")
MECHANISMS: tuple[str, ...] = (
    "cn_security_assessment",
    "cn_standard_contract",
    "cn_certification",
    "cn_gba_standard_contract",
    "my_transfer_impact_assessment",
    "my_s129_exception",
    "sg_enforceable_obligations",
    "sg_specified_certification",
)
OBLIGATIONS: tuple[str, ...] = (
    "cn_export_notice",
    "cn_separate_consent",
    "cn_pi_impact_assessment",
    "my_dpo_required",
)

#: A mechanism that, where required, makes the listed ones unnecessary (2024 Provisions
#: Arts. 7-8: an export that must pass the CAC security assessment is not additionally put
#: through the standard contract, certification or Greater Bay Area contract route).
MECHANISM_SUPERSEDES: dict[str, tuple[str, ...]] = {
    "cn_security_assessment": (
        "cn_standard_contract",
        "cn_certification",
        "cn_gba_standard_contract",
    ),
}

#: Fact name -> type. The order is the order of the normalised facts.
FACT_TYPES: dict[str, str] = {
    "origin": "country",
    "destination": "country",
    "data_categories": "set",
    "subjects_ytd": "count",
    "sensitive_subjects_ytd": "count",
    "important_data": "bool",
    "exporter_ciio": "bool",
    "exporter_in_gba": "bool",
    "recipient_type": "choice",
    "recipient_restricted": "bool",
    "prc_authority_approval": "bool",
    "exemptions": "set",
    "controller_subjects": "count",
    "controller_sensitive_subjects": "count",
    "systematic_monitoring": "bool",
}
FACT_NAMES: tuple[str, ...] = tuple(FACT_TYPES)
_FACT_VOCABULARY: dict[str, tuple[str, ...]] = {
    "data_categories": DATA_CATEGORIES,
    "recipient_type": RECIPIENT_TYPES,
    "exemptions": EXEMPTIONS,
}
#: Facts with a default when absent; every other fact is ``None`` (unknown) when absent.
#: They are claims or flags that are false unless someone makes them: ``exemptions`` (none
#: claimed), ``recipient_restricted`` (set when the recipient matches a restricted list),
#: ``prc_authority_approval`` (none shown), ``exporter_in_gba`` (not claimed).
_FACT_DEFAULTS: dict[str, Any] = {
    "exemptions": [],
    "recipient_restricted": False,
    "prc_authority_approval": False,
    "exporter_in_gba": False,
}
_REQUIRED_FACTS: frozenset[str] = frozenset({"origin", "destination"})

OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "count": ("eq", "ne", "gt", "gte", "lt", "lte", "between", "in"),
    "bool": ("is_true", "is_false", "eq", "ne"),
    "choice": ("eq", "ne", "in"),
    "country": ("eq", "ne", "in"),
    "set": ("contains", "contains_any", "eq", "ne"),
}
OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "in",
    "contains",
    "contains_any",
    "is_true",
    "is_false",
)

_ISO_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_SEVERITY = {decision: rank for rank, decision in enumerate(DECISIONS)}

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class FactsError(ValueError):
    """The facts are structurally invalid (not a question of law: a 400 for the API).

    ``errors`` maps each offending field to a message; ``field`` is the first of them.
    """

    def __init__(self, errors: Mapping[str, str]):
        if not errors:
            raise ValueError("FactsError needs at least one error")
        self.errors: dict[str, str] = dict(errors)
        self.field: str = next(iter(self.errors))
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


class RuleDefinitionError(ValueError):
    """A rule set is malformed. ``rule_code`` names the offending rule when there is one."""

    def __init__(
        self,
        message: str,
        *,
        rule_set: str | None = None,
        rule_code: str | None = None,
        path: str | None = None,
    ):
        self.message = message
        self.rule_set = rule_set
        self.rule_code = rule_code
        self.path = path
        where = []
        if rule_set:
            where.append(f"rule set {rule_set}")
        if rule_code:
            where.append(f"rule {rule_code}")
        if path:
            where.append(path)
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


# --------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _normalise_fact(name: str, value: Any) -> Any:
    """Return the normalised value, or raise ``ValueError`` with a message for the field."""
    kind = FACT_TYPES[name]
    if value is None:
        if name in _REQUIRED_FACTS:
            raise ValueError("is required")
        return copy.copy(_FACT_DEFAULTS.get(name))
    if kind == "country":
        if not isinstance(value, str) or not _ISO_ALPHA2.match(value.strip().upper()):
            raise ValueError("must be an ISO 3166-1 alpha-2 country code such as 'CN'")
        return value.strip().upper()
    if kind == "count":
        if not _is_int(value):
            raise ValueError("must be a whole number")
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    vocabulary = _FACT_VOCABULARY[name]
    if kind == "choice":
        if not isinstance(value, str) or value not in vocabulary:
            raise ValueError(f"must be one of: {', '.join(vocabulary)}")
        return value
    # kind == "set"
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValueError(f"must be a list of: {', '.join(vocabulary)}")
    items = list(value)
    unknown = [item for item in items if not isinstance(item, str) or item not in vocabulary]
    if unknown:
        raise ValueError(
            f"unknown value(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(vocabulary)}"
        )
    return [word for word in vocabulary if word in items]


def _contradictions(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    categories = facts["data_categories"]
    subjects = facts["subjects_ytd"]
    sensitive = facts["sensitive_subjects_ytd"]
    if categories == []:
        problems.append(
            {
                "fact": "data_categories",
                "message": "data_categories is empty: declare at least one of "
                + ", ".join(DATA_CATEGORIES),
            }
        )
    # The counts are kept apart (non-sensitive, sensitive), so each is checked against the
    # category it counts; a product with sensitive data only may leave subjects_ytd at 0.
    if categories and "personal" in categories and subjects == 0:
        problems.append(
            {
                "fact": "subjects_ytd",
                "message": "subjects_ytd is 0 although personal data is declared; the count "
                "includes this transfer, so it must be at least 1",
            }
        )
    if categories and "sensitive_personal" in categories and sensitive == 0:
        problems.append(
            {
                "fact": "sensitive_subjects_ytd",
                "message": "sensitive_subjects_ytd is 0 although sensitive_personal is declared; "
                "the count includes this transfer, so it must be at least 1",
            }
        )
    controller = facts["controller_subjects"]
    controller_sensitive = facts["controller_sensitive_subjects"]
    if (
        controller is not None
        and controller_sensitive is not None
        and controller_sensitive > controller
    ):
        problems.append(
            {
                "fact": "controller_sensitive_subjects",
                "message": f"controller_sensitive_subjects ({controller_sensitive}) exceeds "
                f"controller_subjects ({controller}); it counts some of those individuals",
            }
        )
    return problems


def normalise_facts(raw: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Validate and normalise raw facts.

    Returns ``(facts, problems)``. ``facts`` has every name in :data:`FACT_NAMES`, in that
    order; an absent fact is ``None`` (unknown) except ``exemptions`` (``[]``: none claimed),
    ``recipient_restricted``, ``prc_authority_approval`` and ``exporter_in_gba``
    (``False``). Country codes are upper-cased; set facts are de-duplicated into vocabulary
    order. ``problems`` lists contradictions as ``{"fact": name, "message": text}``: empty
    ``data_categories``; ``personal`` declared with ``subjects_ytd == 0``;
    ``sensitive_personal`` declared with ``sensitive_subjects_ytd == 0``;
    ``controller_sensitive_subjects > controller_subjects``. The two export counts are
    independent (a sensitive-only export has ``subjects_ytd`` 0), so neither bounds the other.
    Mixed
    products (``non_personal`` with ``personal``) are normal and not a contradiction, nor is
    a non-personal transfer by an exporter whose year-to-date counts are above zero (the
    counts are the exporter's, across all its exports).

    Raises :class:`FactsError` for structurally invalid input: not a mapping, unknown fact
    names, ``origin``/``destination`` missing or not two letters, wrong types, words outside
    the vocabulary, negative counts.
    """
    if not isinstance(raw, Mapping):
        raise FactsError({"facts": "must be an object mapping fact names to values"})
    errors: dict[str, str] = {}
    for key in raw:
        if key not in FACT_TYPES:
            errors[str(key)] = f"unknown fact; known facts are: {', '.join(FACT_NAMES)}"
    facts: dict[str, Any] = {}
    for name in FACT_NAMES:
        try:
            facts[name] = _normalise_fact(name, raw.get(name))
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise FactsError(errors)
    return facts, _contradictions(facts)


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------


def _check_value(fact: str, op: str, value: Any, path: str) -> None:
    kind = FACT_TYPES[fact]

    def bad(expected: str) -> RuleDefinitionError:
        return RuleDefinitionError(
            f"op {op!r} on fact {fact!r} needs {expected}, got {value!r}", path=path
        )

    def scalar_ok(item: Any) -> bool:
        if kind == "count":
            return _is_int(item)
        if kind == "bool":
            return isinstance(item, bool)
        if kind == "country":
            return isinstance(item, str) and bool(_ISO_ALPHA2.match(item))
        return isinstance(item, str) and item in _FACT_VOCABULARY[fact]

    if kind == "count":
        expected_scalar = "a whole number"
    elif kind == "bool":
        expected_scalar = "true or false"
    elif kind == "country":
        expected_scalar = "an upper-case ISO alpha-2 code"
    else:
        expected_scalar = "one of " + ", ".join(_FACT_VOCABULARY[fact])

    if op in ("is_true", "is_false"):
        if value is not None:
            raise bad("no value")
        return
    if kind == "set":
        if op == "contains":
            if not scalar_ok(value):
                raise bad(expected_scalar)
            return
        if (
            not isinstance(value, list)
            or not all(scalar_ok(item) for item in value)
            or (op == "contains_any" and not value)
        ):
            raise bad(f"a list of {expected_scalar}")
        return
    if op == "in":
        if not isinstance(value, list) or not value or not all(scalar_ok(i) for i in value):
            raise bad(f"a non-empty list of {expected_scalar}")
        return
    if op == "between":
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(_is_int(i) for i in value)
            or value[0] > value[1]
        ):
            raise bad("[low, high] whole numbers with low <= high (both inclusive)")
        return
    if not scalar_ok(value):
        raise bad(expected_scalar)


def validate_condition(condition: Any, path: str = "when") -> None:
    """Raise :class:`RuleDefinitionError` (with ``path``) if ``condition`` is malformed."""
    if not isinstance(condition, Mapping):
        raise RuleDefinitionError("a condition must be an object", path=path)
    keys = set(condition)
    if "fact" in keys:
        extra = keys - {"fact", "op", "value"}
        if extra:
            raise RuleDefinitionError(f"unexpected key(s) {sorted(extra)}", path=path)
        fact = condition["fact"]
        op = condition.get("op")
        if fact not in FACT_TYPES:
            raise RuleDefinitionError(
                f"unknown fact {fact!r}; known facts: {', '.join(FACT_NAMES)}", path=path
            )
        if op not in OPERATORS:
            raise RuleDefinitionError(
                f"unknown op {op!r}; known ops: {', '.join(OPERATORS)}", path=path
            )
        allowed = OPERATORS_BY_TYPE[FACT_TYPES[fact]]
        if op not in allowed:
            raise RuleDefinitionError(
                f"op {op!r} does not apply to fact {fact!r}; use one of: {', '.join(allowed)}",
                path=path,
            )
        _check_value(fact, op, condition.get("value"), path)
        return
    if len(keys) != 1:
        raise RuleDefinitionError(
            "a condition needs exactly one of 'all', 'any', 'not', 'always' or a 'fact' test",
            path=path,
        )
    (key,) = keys
    value = condition[key]
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise RuleDefinitionError(f"'{key}' needs a non-empty list", path=path)
        for index, part in enumerate(value):
            validate_condition(part, f"{path}.{key}[{index}]")
    elif key == "not":
        validate_condition(value, f"{path}.not")
    elif key == "always":
        if value is not True:
            raise RuleDefinitionError("'always' must be true", path=path)
    else:
        raise RuleDefinitionError(f"unknown condition key {key!r}", path=path)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False
    if isinstance(actual, list):  # set facts
        if op == "contains":
            return expected in actual
        if op == "contains_any":
            return any(item in actual for item in expected)
        if op == "eq":
            return set(actual) == set(expected)
        return set(actual) != set(expected)  # ne
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "gt":
        return actual > expected
    if op == "gte":
        return actual >= expected
    if op == "lt":
        return actual < expected
    if op == "lte":
        return actual <= expected
    if op == "between":
        return expected[0] <= actual <= expected[1]
    raise RuleDefinitionError(f"unknown op {op!r}")  # unreachable for validated rules


def evaluate_condition(
    condition: Mapping[str, Any], facts: Mapping[str, Any]
) -> tuple[bool | None, frozenset[str]]:
    """Evaluate a validated condition against normalised facts with Kleene logic.

    Returns ``(True | False | None, missing)``; ``None`` means unknown, and ``missing`` then
    names the absent facts that made it so (empty otherwise).
    """
    if "fact" in condition:
        name = condition["fact"]
        actual = facts.get(name)
        if actual is None:
            return None, frozenset({name})
        return _compare(condition["op"], actual, condition.get("value")), frozenset()
    if "always" in condition:
        return True, frozenset()
    if "not" in condition:
        value, missing = evaluate_condition(condition["not"], facts)
        return (None, missing) if value is None else (not value, frozenset())
    is_all = "all" in condition
    parts = condition["all"] if is_all else condition["any"]
    unknown: set[str] = set()
    saw_unknown = False
    for part in parts:
        value, missing = evaluate_condition(part, facts)
        if value is None:
            saw_unknown = True
            unknown |= missing
        elif value is not is_all:  # False inside all / True inside any decides
            return value, frozenset()
    if saw_unknown:
        return None, frozenset(unknown)
    return is_all, frozenset()


# --------------------------------------------------------------------------------------------
# Rule sets
# --------------------------------------------------------------------------------------------

_RULE_SET_KEYS = {
    "jurisdiction",
    "version",
    "effective_from",
    "effective_to",
    "title",
    "sources",
    "rules",
}
_RULE_KEYS = {"code", "priority", "title", "when", "outcome", "explanation", "source"}
_RULE_REQUIRED = _RULE_KEYS
_OUTCOME_KEYS = {"decision", "mechanisms_any_of", "obligations", "terminal"}


def _as_date(value: Any, what: str, **where: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleDefinitionError(f"{what} must be an ISO date (YYYY-MM-DD), got {value!r}", **where)


def _check_text(value: Any, what: str, **where: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise RuleDefinitionError(f"{what} must be a non-empty string", **where)


def _check_source(source: Any, what: str, **where: Any) -> None:
    if not isinstance(source, Mapping) or set(source) != {"citation", "url"}:
        raise RuleDefinitionError(f"{what} must be an object with 'citation' and 'url'", **where)
    _check_text(source["citation"], f"{what}.citation", **where)
    url = source["url"]
    if not isinstance(url, str) or not re.match(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$", url):
        raise RuleDefinitionError(f"{what}.url must be an https:// URL, got {url!r}", **where)


def _check_vocabulary_words(
    words: Any, vocabulary: tuple[str, ...], prefix: str, what: str, **where: Any
) -> None:
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise RuleDefinitionError(f"{what} must be a list of strings", **where)
    for word in words:
        if word not in vocabulary:
            raise RuleDefinitionError(
                f"{what}: unknown {word!r}; allowed: {', '.join(vocabulary)}", **where
            )
        if not word.startswith(prefix):
            raise RuleDefinitionError(
                f"{what}: {word!r} does not belong to this jurisdiction's regime", **where
            )
    if len(set(words)) != len(words):
        raise RuleDefinitionError(f"{what} lists a value twice", **where)


def _validate_rule(rule: Any, index: int, label: str, prefix: str) -> None:
    if not isinstance(rule, Mapping):
        raise RuleDefinitionError(f"rules[{index}] must be an object", rule_set=label)
    code = rule.get("code")
    if not isinstance(code, str) or not code.strip():
        raise RuleDefinitionError(f"rules[{index}] needs a non-empty 'code'", rule_set=label)
    where = {"rule_set": label, "rule_code": code}
    missing = _RULE_REQUIRED - set(rule)
    if missing:
        raise RuleDefinitionError(f"missing key(s) {sorted(missing)}", **where)
    extra = set(rule) - _RULE_KEYS
    if extra:
        raise RuleDefinitionError(f"unexpected key(s) {sorted(extra)}", **where)
    if not _is_int(rule["priority"]):
        raise RuleDefinitionError("priority must be a whole number", **where)
    _check_text(rule["title"], "title", **where)
    _check_text(rule["explanation"], "explanation", **where)
    _check_source(rule["source"], "source", **where)
    try:
        validate_condition(rule["when"])
    except RuleDefinitionError as exc:
        raise RuleDefinitionError(exc.message, path=exc.path, **where) from None
    outcome = rule["outcome"]
    if not isinstance(outcome, Mapping):
        raise RuleDefinitionError("outcome must be an object", **where)
    extra = set(outcome) - _OUTCOME_KEYS
    if extra:
        raise RuleDefinitionError(f"outcome has unexpected key(s) {sorted(extra)}", **where)
    decision = outcome.get("decision")
    if decision not in DECISIONS:
        raise RuleDefinitionError(
            f"outcome.decision must be one of {', '.join(DECISIONS)}, got {decision!r}", **where
        )
    mechanisms = outcome.get("mechanisms_any_of", [])
    obligations = outcome.get("obligations", [])
    _check_vocabulary_words(mechanisms, MECHANISMS, prefix, "outcome.mechanisms_any_of", **where)
    _check_vocabulary_words(obligations, OBLIGATIONS, prefix, "outcome.obligations", **where)
    if (decision == "allow_with_mechanism") != bool(mechanisms):
        raise RuleDefinitionError(
            "outcome.mechanisms_any_of must be non-empty exactly when the decision is "
            "allow_with_mechanism",
            **where,
        )
    if not isinstance(outcome.get("terminal", False), bool):
        raise RuleDefinitionError("outcome.terminal must be true or false", **where)


def validate_rule_set(rule_set: Any) -> None:
    """Raise :class:`RuleDefinitionError` unless ``rule_set`` is a well-formed rule set.

    Checks the shape (no unknown keys anywhere, so a typo such as ``termnial`` cannot slip
    through), dates (``effective_to`` after ``effective_from``), sources (citation text and an
    https URL, on the set and on every rule), unique rule codes, conditions (known facts, ops
    applicable to the fact's type, values of the right type and vocabulary) and outcomes
    (known decision, mechanisms and obligations of the rule set's own jurisdiction, mechanisms
    present exactly for ``allow_with_mechanism``). Errors name the rule code.
    """
    if not isinstance(rule_set, Mapping):
        raise RuleDefinitionError("a rule set must be an object")
    jurisdiction = rule_set.get("jurisdiction")
    if not isinstance(jurisdiction, str) or not _ISO_ALPHA2.match(jurisdiction):
        raise RuleDefinitionError(
            f"jurisdiction must be an upper-case ISO alpha-2 code, got {jurisdiction!r}"
        )
    label = f"{jurisdiction} {rule_set.get('version')!s}"
    missing = _RULE_SET_KEYS - set(rule_set)
    if missing:
        raise RuleDefinitionError(f"missing key(s) {sorted(missing)}", rule_set=label)
    extra = set(rule_set) - _RULE_SET_KEYS
    if extra:
        raise RuleDefinitionError(f"unexpected key(s) {sorted(extra)}", rule_set=label)
    _check_text(rule_set["version"], "version", rule_set=label)
    _check_text(rule_set["title"], "title", rule_set=label)
    start = _as_date(rule_set["effective_from"], "effective_from", rule_set=label)
    if rule_set["effective_to"] is not None:
        end = _as_date(rule_set["effective_to"], "effective_to", rule_set=label)
        if end <= start:
            raise RuleDefinitionError("effective_to must be after effective_from", rule_set=label)
    sources = rule_set["sources"]
    if not isinstance(sources, list) or not sources:
        raise RuleDefinitionError("sources must be a non-empty list", rule_set=label)
    for index, source in enumerate(sources):
        _check_source(source, f"sources[{index}]", rule_set=label)
    rules = rule_set["rules"]
    if not isinstance(rules, list) or not rules:
        raise RuleDefinitionError("rules must be a non-empty list", rule_set=label)
    seen: set[str] = set()
    prefix = jurisdiction.lower() + "_"
    for index, rule in enumerate(rules):
        _validate_rule(rule, index, label, prefix)
        if rule["code"] in seen:
            raise RuleDefinitionError("duplicate rule code", rule_set=label, rule_code=rule["code"])
        seen.add(rule["code"])


def rule_set_in_force(rule_set: Mapping[str, Any], on: date) -> bool:
    """``effective_from <= on < effective_to`` (``effective_to`` ``None`` = open-ended)."""
    start = _as_date(rule_set["effective_from"], "effective_from")
    end = rule_set.get("effective_to")
    return start <= on and (end is None or on < _as_date(end, "effective_to"))


# --------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """The engine's answer. ``to_dict()`` is the JSON stored and returned by the API."""

    decision: str
    mechanisms_any_of: list[str]
    obligations: list[str]
    rules: list[dict[str, Any]]
    explanation: str
    facts: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "mechanisms_any_of": list(self.mechanisms_any_of),
            "obligations": list(self.obligations),
            "rules": copy.deepcopy(self.rules),
            "explanation": self.explanation,
            "facts": copy.deepcopy(self.facts),
        }


def _satisfies(mechanism: str, requirement: Sequence[str]) -> bool:
    return mechanism in requirement or any(
        weaker in requirement for weaker in MECHANISM_SUPERSEDES.get(mechanism, ())
    )


def combine_mechanisms(requirements: Iterable[Sequence[str]]) -> list[str] | None:
    """Combine "any one of" requirements into one.

    Returns every mechanism named in some requirement that on its own satisfies all of them
    (listed in each, or superseding one listed in each), in vocabulary order; ``[]`` when
    there are no requirements; ``None`` when no single mechanism satisfies them all.
    """
    requirements = [list(r) for r in requirements if r]
    if not requirements:
        return []
    named = {m for requirement in requirements for m in requirement}
    combined = [
        m
        for m in MECHANISMS
        if m in named and all(_satisfies(m, requirement) for requirement in requirements)
    ]
    return combined or None


_ENGINE_SOURCE_REVIEW = {
    "citation": "Exchange transfer-assessment policy: where a point cannot be decided "
    "automatically the outcome is manual review, never a silent allow",
    "url": None,
}
_ENGINE_SOURCE_DOMESTIC = {
    "citation": "Exchange transfer-assessment policy: a transfer inside one jurisdiction is not "
    "a cross-border transfer; the origin's outbound regime does not apply",
    "url": None,
}


class _Collector:
    def __init__(self) -> None:
        self.decisions: list[str] = []
        self.requirements: list[list[str]] = []
        self.obligations: list[str] = []
        self.fired: list[dict[str, Any]] = []

    def fire(self, rule: Mapping[str, Any], rule_set: Mapping[str, Any]) -> None:
        outcome = rule["outcome"]
        self.decisions.append(outcome["decision"])
        if outcome.get("mechanisms_any_of"):
            self.requirements.append(list(outcome["mechanisms_any_of"]))
        for obligation in outcome.get("obligations", []):
            if obligation not in self.obligations:
                self.obligations.append(obligation)
        self.fired.append(
            {
                "code": rule["code"],
                "rule_set": rule_set["jurisdiction"],
                "version": rule_set["version"],
                "source": dict(rule["source"]),
                "explanation": rule["explanation"],
            }
        )

    def pseudo(
        self,
        code: str,
        decision: str,
        explanation: str,
        *,
        jurisdiction: str,
        version: str | None = None,
        source: Mapping[str, Any] = _ENGINE_SOURCE_REVIEW,
    ) -> None:
        self.decisions.append(decision)
        self.fired.append(
            {
                "code": code,
                "rule_set": jurisdiction,
                "version": version,
                "source": dict(source),
                "explanation": explanation,
            }
        )

    def result(self, facts: dict[str, Any], jurisdiction: str) -> Assessment:
        if not self.decisions:  # defensive: every path records something
            self.pseudo(
                "engine.no_rule_matched",
                "manual_review",
                "No rule reached a decision.",
                jurisdiction=jurisdiction,
            )
        decision = max(self.decisions, key=_SEVERITY.__getitem__)
        mechanisms = combine_mechanisms(self.requirements)
        if mechanisms is None:
            listed = "; ".join(" or ".join(r) for r in self.requirements)
            self.pseudo(
                "engine.mechanism_conflict",
                "manual_review",
                f"The fired rules require mechanisms that no single mechanism satisfies "
                f"({listed}); a reviewer must decide which evidence is needed.",
                jurisdiction=jurisdiction,
            )
            decision = max(decision, "manual_review", key=_SEVERITY.__getitem__)
            mechanisms = [m for m in MECHANISMS if any(m in r for r in self.requirements)]
        obligations = list(self.obligations)
        if decision == "block":
            mechanisms, obligations = [], []
        return Assessment(
            decision=decision,
            mechanisms_any_of=mechanisms,
            obligations=obligations,
            rules=self.fired,
            explanation=_explain(decision, mechanisms, obligations, self.fired),
            facts=facts,
        )


def _explain(
    decision: str, mechanisms: list[str], obligations: list[str], fired: list[dict[str, Any]]
) -> str:
    if decision == "allow":
        head = "Decision: allow - no transfer mechanism is required."
    elif decision == "allow_with_mechanism":
        head = (
            "Decision: allow_with_mechanism - evidence of one of "
            f"{', '.join(mechanisms)} must be on file before access is granted."
        )
    elif decision == "manual_review":
        head = "Decision: manual_review - a compliance reviewer must decide before any access."
        if mechanisms:
            head += f" Indicated mechanisms (any one of): {', '.join(mechanisms)}."
    else:
        head = "Decision: block - the transfer must not take place."
    parts = [head]
    if obligations:
        parts.append(f"Obligations: {', '.join(obligations)}.")
    parts.extend(f"[{entry['code']}] {entry['explanation']}" for entry in fired)
    return " ".join(parts)


def _evaluate_rule_set(
    rule_set: Mapping[str, Any], facts: Mapping[str, Any], collector: _Collector
) -> None:
    jurisdiction, version = rule_set["jurisdiction"], rule_set["version"]
    needed_by: dict[str, list[str]] = {}
    fired_any = False
    for rule in sorted(rule_set["rules"], key=lambda r: (r["priority"], r["code"])):
        value, missing = evaluate_condition(rule["when"], facts)
        if value is None:
            for name in missing:
                needed_by.setdefault(name, []).append(rule["code"])
            continue
        if not value:
            continue
        collector.fire(rule, rule_set)
        fired_any = True
        if rule["outcome"].get("terminal", False):
            break
    for name in FACT_NAMES:
        if name in needed_by:
            collector.pseudo(
                "engine.missing_fact",
                "manual_review",
                f"The fact '{name}' is missing, and rule(s) {', '.join(needed_by[name])} of "
                f"{jurisdiction} {version} need it to decide; supply '{name}' or review "
                f"manually.",
                jurisdiction=jurisdiction,
                version=version,
            )
    if not fired_any and not needed_by:
        collector.pseudo(
            "engine.no_rule_matched",
            "manual_review",
            f"No rule of {jurisdiction} {version} applies to these facts; the rule set does "
            f"not decide this transfer.",
            jurisdiction=jurisdiction,
            version=version,
        )


def assess(
    facts: Mapping[str, Any],
    rule_sets: Sequence[Mapping[str, Any]],
    *,
    on: date | None = None,
) -> Assessment:
    """Assess one transfer. See the module docstring for the semantics.

    ``facts`` are raw facts (normalised here; :class:`FactsError` if structurally invalid).
    ``rule_sets`` may hold any jurisdictions and versions; the origin's sets in force ``on``
    (default: today) are validated (:class:`RuleDefinitionError` if broken) and evaluated.
    """
    normalised, problems = normalise_facts(facts)
    if on is None:
        on = date.today()
    elif isinstance(on, datetime):
        on = on.date()
    origin, destination = normalised["origin"], normalised["destination"]
    collector = _Collector()
    for problem in problems:
        collector.pseudo(
            "engine.contradictory_facts",
            "manual_review",
            f"Contradictory facts: {problem['message']}.",
            jurisdiction=origin,
        )
    if origin == destination:
        collector.pseudo(
            "engine.domestic_transfer",
            "allow",
            f"Origin and destination are both {origin}: a domestic transfer, not a cross-border "
            f"one, so no outbound transfer rule applies.",
            jurisdiction=origin,
            source=_ENGINE_SOURCE_DOMESTIC,
        )
        return collector.result(normalised, origin)

    candidates = []
    for rule_set in rule_sets:
        if not isinstance(rule_set, Mapping):
            raise RuleDefinitionError("a rule set must be an object")
        if rule_set.get("jurisdiction") == origin:
            validate_rule_set(rule_set)
            candidates.append(rule_set)
    in_force = [rs for rs in candidates if rule_set_in_force(rs, on)]
    if not in_force:
        detail = ""
        upcoming = sorted(
            (_as_date(rs["effective_from"], "effective_from"), rs["version"])
            for rs in candidates
            if _as_date(rs["effective_from"], "effective_from") > on
        )
        if upcoming:
            starts, version = upcoming[0]
            detail = f" (rule set {origin} {version} takes effect on {starts.isoformat()})"
        elif candidates:
            detail = " (every known rule set for it has expired)"
        collector.pseudo(
            "engine.no_rule_set_in_force",
            "manual_review",
            f"No transfer rule set for origin {origin} is in force on {on.isoformat()}{detail}; "
            f"the exchange cannot assess {origin}'s outbound regime automatically.",
            jurisdiction=origin,
        )
        return collector.result(normalised, origin)
    in_force.sort(key=lambda rs: (_as_date(rs["effective_from"], "effective_from"), rs["version"]))
    for rule_set in in_force:
        _evaluate_rule_set(rule_set, normalised, collector)
    return collector.result(normalised, origin)
