"""Answers that cannot be differenced: differential privacy with OpenDP (pure: no Django).

A privacy-protected product answers every query with calibrated noise, so that no answer —
and no combination of answers — reveals whether one privacy unit's data is in the dataset.
What the provider declares (``Declaration``, reviewed in the technical stage) bounds what
one unit can change: at most ``max_rows`` of its rows in one group, at most ``max_groups``
groups, every summed value clamped to its declared bounds. The query engine computes the
bounded, exact per-group counts and clamped sums inside the data region (SQL); this module
turns that small result into a release:

- ``plan`` calibrates the noise for a query's privacy cost ε (and δ where group keys are
  not public): one equal share of ε for the counts and one for each summed column (basic
  composition), each share turned into a Laplace scale by OpenDP's own accounting
  (``binary_search_param`` over the measurement's privacy map);
- ``release`` adds OpenDP's noise: discrete Laplace on counts, Laplace on sums; group keys
  come from the declared public key sets (no budget spent on them), or, for keys that are
  not public, only through OpenDP's Laplace threshold (partition selection, which costs δ).
  Averages are computed afterwards from the noisy sums and counts (post-processing).

Every released cell carries its 95% interval half-width, from OpenDP's accuracy functions.
No noise is hand-written here: sampling and accounting are OpenDP's.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import opendp.prelude as dp

from catalogue.privacy import Declaration
from licensing.query import Query, QueryError

dp.enable_features("contrib")

ALPHA = 0.05  # intervals are 95%
MAX_PUBLIC_GROUPS = 10_000  # the product of the public key sets a query may release

# --- planning: the noise for a cost -----------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How a query is released privately, and what it costs."""

    epsilon: Decimal  # the cost charged (the measurements' own privacy maps, composed)
    delta: float  # > 0 only when group keys are selected by threshold
    count_scale: float
    sum_scales: dict[str, float]
    threshold: int | None  # partition selection, when some group key has no public set
    count_interval: float  # 95% half-width of a released count
    sum_intervals: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "epsilon": str(self.epsilon),
            "delta": self.delta,
            "count_scale": self.count_scale,
            "sum_scales": dict(self.sum_scales),
            "threshold": self.threshold,
            "count_interval": self.count_interval,
            "sum_intervals": dict(self.sum_intervals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            epsilon=Decimal(data["epsilon"]),
            delta=float(data["delta"]),
            count_scale=float(data["count_scale"]),
            sum_scales={k: float(v) for k, v in data["sum_scales"].items()},
            threshold=data["threshold"],
            count_interval=float(data["count_interval"]),
            sum_intervals={k: float(v) for k, v in data["sum_intervals"].items()},
        )


def _count_domain():
    return dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")


def _sum_domain():
    return dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)


def _counts_mechanism(scale: float):
    domain, metric = _count_domain()
    return dp.m.make_laplace(domain, metric, scale=scale)


def _sums_mechanism(scale: float):
    domain, metric = _sum_domain()
    return dp.m.make_laplace(domain, metric, scale=scale)


def _threshold_mechanism(scale: float, threshold: int):
    domain = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T="i64"))
    metric = dp.l01inf_distance(dp.absolute_distance(T="i64"))
    return dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)


def check_private_query(query: Query) -> None:
    """Counts, sums and averages are released privately; min and max are not (a single
    value decides them), nor counts of one column's filled-in values."""
    for i, agg in enumerate(query.aggregates):
        if agg.fn in ("min", "max"):
            raise QueryError(
                f"{agg.fn} is not released for privacy-protected products (one value decides "
                "it); ask for count, sum or avg",
                path=f"aggregates[{i}].fn",
            )
        if agg.fn == "count" and agg.column is not None:
            raise QueryError(
                'privacy-protected products count rows: use {"fn": "count"} without a column',
                path=f"aggregates[{i}].column",
            )


def public_groups(query: Query, declaration: Declaration) -> bool:
    return all(key in declaration.public_keys for key in query.group_by)


def plan(query: Query, declaration: Declaration, *, epsilon: Decimal, delta: float) -> Plan:
    """The noise that spends at most ``epsilon`` (and ``delta``) on this query."""
    check_private_query(query)
    measured = sorted({a.column for a in query.aggregates if a.fn in ("sum", "avg")})
    shares = 1 + len(measured)
    share = float(epsilon) / shares
    rows, groups = declaration.max_rows, declaration.max_groups
    count_sensitivity = rows * groups
    count_scale = dp.binary_search_param(_counts_mechanism, d_in=count_sensitivity, d_out=share)
    spent = _counts_mechanism(count_scale).map(count_sensitivity)
    threshold = None
    spent_delta = 0.0
    if query.group_by and not public_groups(query, declaration):
        d_in = (groups, count_sensitivity, rows)
        threshold = dp.binary_search(
            lambda t: _threshold_mechanism(count_scale, t).map(d_in)[1] <= delta,
            bounds=(rows, 10**12),
            T="i64",
        )
        spent, spent_delta = _threshold_mechanism(count_scale, threshold).map(d_in)
    sum_scales: dict[str, float] = {}
    sum_intervals: dict[str, float] = {}
    for col in measured:
        low, high = declaration.bounds[col]
        sensitivity = float(count_sensitivity) * max(abs(low), abs(high))
        scale = dp.binary_search_param(_sums_mechanism, d_in=sensitivity, d_out=share)
        spent += _sums_mechanism(scale).map(sensitivity)
        sum_scales[col] = scale
        sum_intervals[col] = dp.laplacian_scale_to_accuracy(scale, ALPHA)
    # OpenDP's own maps say what the calibrated noise spends; the licence is charged the
    # requested cost (never less than what was spent).
    if Decimal(str(spent)) > epsilon * Decimal("1.000001"):
        raise ValueError(f"calibration spent ε={spent}, above the requested {epsilon}")
    return Plan(
        epsilon=epsilon,
        delta=spent_delta,
        count_scale=count_scale,
        sum_scales=sum_scales,
        threshold=threshold,
        count_interval=dp.discrete_laplacian_scale_to_accuracy(count_scale, ALPHA),
        sum_intervals=sum_intervals,
    )


# --- releasing ----------------------------------------------------------------------------


def _key_text(values: tuple) -> str:
    return json.dumps([v.isoformat() if isinstance(v, date) else v for v in values])


def _json_key(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _passes_filters(query: Query, key: dict[str, Any]) -> bool:
    """Whether a public key combination can match the query's filters (data-independent)."""
    for flt in query.filters:
        if flt.column not in key:
            continue
        value = key[flt.column]
        wanted = [_json_key(v) for v in flt.values]
        if flt.op in ("eq", "in") and value not in wanted:
            return False
        if flt.op == "between" and not (wanted[0] <= value <= wanted[1]):
            return False
    return True


def release(
    plan_: Plan,
    declaration: Declaration,
    query: Query,
    bounded: list[tuple],
    measured: list[str],
) -> dict[str, Any]:
    """The private answer from the bounded rows ``(g0.., n, s0..)`` of the query engine."""
    width = len(query.group_by)
    exact: dict[str, tuple[tuple, int, list[float]]] = {}
    for row in bounded:
        keys = tuple(_json_key(v) for v in row[:width])
        exact[_key_text(keys)] = (keys, int(row[width]), [float(s or 0) for s in row[width + 1 :]])
    if width and plan_.threshold is None:
        columns = [list(declaration.public_keys[k]) for k in query.group_by]
        combos = 1
        for values in columns:
            combos *= len(values)
        if combos > MAX_PUBLIC_GROUPS:
            raise QueryError(
                f"these group keys have {combos:,} declared combinations; group by fewer "
                f"columns (at most {MAX_PUBLIC_GROUPS:,} groups)",
                path="group_by",
            )
        keys = [
            combo
            for combo in itertools.product(*columns)
            if _passes_filters(query, dict(zip(query.group_by, combo, strict=True)))
        ]
        chosen = [_key_text(k) for k in keys]
        key_of = dict(zip(chosen, keys, strict=True))
        counts = _counts_mechanism(plan_.count_scale)(
            [exact.get(k, ((), 0, []))[1] for k in chosen]
        )
        noisy_counts = dict(zip(chosen, counts, strict=True))
    elif width:
        selected = _threshold_mechanism(plan_.count_scale, plan_.threshold)(
            {k: v[1] for k, v in exact.items()}
        )
        chosen = sorted(selected)
        key_of = {k: exact[k][0] for k in chosen}
        noisy_counts = dict(selected)
    else:
        chosen = [_key_text(())]
        key_of = {chosen[0]: ()}
        total = exact.get(chosen[0], ((), 0, []))[1]
        noisy_counts = {chosen[0]: _counts_mechanism(plan_.count_scale)([total])[0]}
    noisy_sums: dict[str, dict[str, float]] = {}
    for i, col in enumerate(measured):
        values = [exact[k][2][i] if k in exact else 0.0 for k in chosen]
        noisy = _sums_mechanism(plan_.sum_scales[col])(values) if values else []
        noisy_sums[col] = dict(zip(chosen, noisy, strict=True))
    rows: list[list[Any]] = []
    intervals: list[list[float | None]] = []
    for key in chosen:
        count = max(0, int(noisy_counts[key]))
        row: list[Any] = list(key_of[key])
        spread: list[float | None] = [None] * width
        for agg in query.aggregates:
            if agg.fn == "count":
                row.append(count)
                spread.append(round(plan_.count_interval, 6))
            elif agg.fn == "sum":
                value = noisy_sums[agg.column][key]
                low, _high = declaration.bounds[agg.column]
                row.append(round(max(value, 0.0) if low >= 0 else value, 6))
                spread.append(round(plan_.sum_intervals[agg.column], 6))
            else:  # avg, from the noisy sum and count (post-processing)
                value = noisy_sums[agg.column][key] / max(count, 1)
                low, high = declaration.bounds[agg.column]
                row.append(round(min(max(value, low), high), 6))
                spread.append(
                    round(
                        (plan_.sum_intervals[agg.column] + abs(value) * plan_.count_interval)
                        / max(count, 1),
                        6,
                    )
                )
        rows.append(row)
        intervals.append(spread)
    order = _release_order(query, rows)
    rows = [rows[i] for i in order][: query.limit]
    intervals = [intervals[i] for i in order][: query.limit]
    return {
        "columns": query.columns,
        "rows": rows,
        "intervals_95": intervals,
        "groups_returned": len(rows),
        "truncated": len(order) > query.limit,
        "noise": {
            "mechanism": "laplace",
            "count_scale": plan_.count_scale,
            "sum_scales": plan_.sum_scales,
            "partition_threshold": plan_.threshold,
        },
    }


def _release_order(query: Query, rows: list[list[Any]]) -> list[int]:
    names = query.columns

    def sort_key(index: int):
        row = rows[index]
        parts = []
        explicit = [(o.name, o.descending) for o in query.order_by]
        for name, descending in [*explicit, *((k, False) for k in query.group_by)]:
            value = row[names.index(name)]
            parts.append(_Orderable(value, descending))
        return parts

    return sorted(range(len(rows)), key=sort_key)


class _Orderable:
    __slots__ = ("descending", "value")

    def __init__(self, value: Any, descending: bool):
        self.value = value
        self.descending = descending

    def __lt__(self, other: _Orderable) -> bool:
        a, b = self.value, other.value
        if a is None or b is None:
            return b is None and a is not None  # nulls last
        return a > b if self.descending else a < b

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Orderable) and self.value == other.value
