"""What a provider declares about how a product's answers are protected (pure: no Django).

Every query product is answered either with differential privacy (``mode: dp``: always, for a
product with personal data) or, for a non-personal product whose provider chooses it
knowingly, with exact aggregates and small-group suppression (``mode: exact``). For ``dp`` the
provider declares the privacy unit (the column whose contributions are bounded — a person, a
device, a mall — or each row), how much one unit may contribute (rows per group, groups), the
clamp bounds of every numeric column that can be aggregated, the group-by columns whose
values are public (no budget is spent on those keys), and the product's total privacy budget
across all its licences. The technical review checks the declaration; ``licensing.privacy``
calibrates the noise from it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MODES = ("dp", "exact")
MAX_BOUND = 1e12
MAX_ROWS_PER_UNIT = 10_000
MAX_GROUPS_PER_UNIT = 10_000
MAX_PUBLIC_KEYS = 10_000
KEYABLE = ("string", "integer", "date", "boolean")


class DeclarationError(ValueError):
    """A privacy declaration the exchange cannot accept; ``errors`` maps each part to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Declaration:
    mode: str  # "dp" (always, for personal data) or "exact" (chosen knowingly)
    unit: str = ""  # the privacy unit's column; "" means each row
    max_rows: int = 1
    max_groups: int = 1
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    public_keys: dict[str, tuple] = field(default_factory=dict)
    epsilon_cap: Decimal = Decimal("0")

    @property
    def is_private(self) -> bool:
        return self.mode == "dp"

    def as_dict(self) -> dict[str, Any]:
        if self.mode == "exact":
            return {"mode": "exact", "exact_acknowledged": True}
        return {
            "mode": self.mode,
            "unit": self.unit,
            "max_rows": self.max_rows,
            "max_groups": self.max_groups,
            "bounds": {k: list(v) for k, v in self.bounds.items()},
            "public_keys": {k: list(v) for k, v in self.public_keys.items()},
            "epsilon_cap": str(self.epsilon_cap),
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and abs(value) <= MAX_BOUND else None


def _whole(value: Any, most: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= most else None


def parse_declaration(raw: Any, fields: list[dict], data_categories: list[str]) -> Declaration:
    """The provider's declaration, checked against the version's schema and categories.

    A product with personal or sensitive personal data is always differentially private;
    exact aggregates are only for a non-personal product whose provider explicitly accepts
    that licensed buyers can derive individual row values (``exact_acknowledged``).
    """
    if not isinstance(raw, dict):
        raise DeclarationError({"privacy": "must be an object"})
    errors: dict[str, str] = {}
    columns = {f["name"]: f for f in fields}
    mode = raw.get("mode", "dp")
    personal = bool({"personal", "sensitive_personal"} & set(data_categories or []))
    if mode not in MODES:
        errors["mode"] = "must be dp or exact"
    elif mode == "exact":
        if personal:
            errors["mode"] = "a product with personal data is always answered privately (dp)"
        elif raw.get("exact_acknowledged") is not True:
            errors["exact_acknowledged"] = (
                "exact aggregates let licensed buyers derive individual row values: "
                "set exact_acknowledged to true to choose them"
            )
        unknown = set(raw) - {"mode", "exact_acknowledged"}
        if unknown:
            errors["privacy"] = f"exact mode takes no {', '.join(sorted(unknown))}"
        if errors:
            raise DeclarationError(errors)
        return Declaration(mode="exact")
    allowed = {"mode", "unit", "max_rows", "max_groups", "bounds", "public_keys", "epsilon_cap"}
    unknown = set(raw) - allowed
    if unknown:
        errors["privacy"] = f"unknown keys {', '.join(sorted(unknown))}"
    unit = raw.get("unit", "")
    if unit and unit not in columns:
        errors["unit"] = f"“{unit}” is not a column of the schema"
    max_rows = _whole(raw.get("max_rows", 1), MAX_ROWS_PER_UNIT)
    if max_rows is None:
        errors["max_rows"] = f"a whole number from 1 to {MAX_ROWS_PER_UNIT}"
    max_groups = _whole(raw.get("max_groups", 1), MAX_GROUPS_PER_UNIT)
    if max_groups is None:
        errors["max_groups"] = f"a whole number from 1 to {MAX_GROUPS_PER_UNIT}"
    if not unit and (raw.get("max_rows", 1) != 1 or raw.get("max_groups", 1) != 1):
        errors["unit"] = "with each row as the unit, max_rows and max_groups are 1"
    bounds: dict[str, tuple[float, float]] = {}
    raw_bounds = raw.get("bounds") or {}
    if not isinstance(raw_bounds, dict):
        errors["bounds"] = "must map each numeric column to [lower, upper]"
        raw_bounds = {}
    for name, _spec in fields_by_type(fields, ("integer", "number")):
        pair = raw_bounds.get(name)
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or _number(pair[0]) is None
            or _number(pair[1]) is None
            or _number(pair[0]) >= _number(pair[1])
        ):
            errors[f"bounds.{name}"] = "declare [lower, upper] with lower < upper"
        else:
            bounds[name] = (_number(pair[0]), _number(pair[1]))
    for name in raw_bounds:
        if name not in bounds and f"bounds.{name}" not in errors:
            errors[f"bounds.{name}"] = "not a numeric column that can be aggregated"
    public: dict[str, tuple] = {}
    raw_public = raw.get("public_keys") or {}
    if not isinstance(raw_public, dict):
        errors["public_keys"] = "must map group-by columns to their lists of values"
        raw_public = {}
    for name, values in raw_public.items():
        spec = columns.get(name)
        if spec is None or spec.get("identifier") or spec["type"] not in KEYABLE:
            errors[f"public_keys.{name}"] = "not a column buyers can group by"
            continue
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_PUBLIC_KEYS:
            errors[f"public_keys.{name}"] = f"a list of 1 to {MAX_PUBLIC_KEYS} values"
            continue
        if len({json.dumps(v) for v in values}) != len(values):
            errors[f"public_keys.{name}"] = "the values must be different"
            continue
        public[name] = tuple(values)
    cap = raw.get("epsilon_cap")
    try:
        epsilon_cap = Decimal(str(cap))
        if not (Decimal("0") < epsilon_cap <= Decimal("1000")):
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["epsilon_cap"] = "the product's total privacy budget: a number above 0, at most 1000"
        epsilon_cap = Decimal("0")
    if errors:
        raise DeclarationError(errors)
    return Declaration(
        mode="dp",
        unit=unit,
        max_rows=max_rows,
        max_groups=max_groups,
        bounds=bounds,
        public_keys=public,
        epsilon_cap=epsilon_cap,
    )


def fields_by_type(fields: list[dict], types: tuple[str, ...]):
    for spec in fields:
        if spec["type"] in types and not spec.get("identifier"):
            yield spec["name"], spec
