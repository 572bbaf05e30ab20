"""A validated query, compiled to parameterised DuckDB SQL over one Parquet file (pure).

Two kinds of statement, both reading only the version's prepared Parquet file:

- ``exact``: the aggregates themselves, with the disclosure rules in SQL (a group of fewer
  than k rows is left out and counted; an aggregate over a column is computed only over at
  least k values; identifier columns never group or sum) — for non-personal products whose
  provider chose exact aggregates knowingly;
- ``bounded``: the per-group counts and clamped sums a differentially private release is
  computed from, after contribution bounding per privacy unit (at most ``max_rows`` rows of
  a unit in one group, at most ``max_groups`` groups per unit; the rows and groups kept are
  chosen by a hash of the unit's own values, so the choice does not depend on anyone else's
  data). Noise is added to that small result afterwards (``licensing.privacy``).

Identifiers are validated schema names, double-quoted; every value is a parameter (``?``);
the Parquet path is the exchange's own, single-quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from licensing.query import Query

TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


def qn(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal_path(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list


def _where(query: Query) -> tuple[str, list]:
    clauses: list[str] = []
    params: list = []
    for flt in query.filters:
        col = qn(flt.column)
        values = [v.isoformat() if isinstance(v, date) else v for v in flt.values]
        cast = "::DATE" if any(isinstance(v, date) for v in flt.values) else ""
        if flt.op == "eq":
            clauses.append(f"{col} = ?{cast}")
        elif flt.op == "in":
            clauses.append(f"{col} IN ({', '.join([f'?{cast}'] * len(values))})")
        else:
            clauses.append(f"{col} BETWEEN ?{cast} AND ?{cast}")
        params += values
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _order(query: Query, aliases: dict[str, str]) -> str:
    order: list[str] = []
    seen: set[str] = set()
    explicit = [(o.name, o.descending) for o in query.order_by]
    # Group keys last, as tie-breakers: the order is total, so results are repeatable.
    for name, descending in [*explicit, *((key, False) for key in query.group_by)]:
        if name in seen:
            continue
        seen.add(name)
        order.append(f"{aliases[name]} {'DESC' if descending else 'ASC'} NULLS LAST")
    return ", ".join(order)


def compile_exact(query: Query, parquet: str, k: int) -> tuple[Statement, Statement]:
    """The visible groups, and the counts over every group (for what is suppressed)."""
    source_where, where_params = _where(query)
    source = f"FROM read_parquet({literal_path(parquet)}){source_where}"
    select: list[str] = []
    select_params: list = []
    for i, key in enumerate(query.group_by):
        select.append(f"{qn(key)} AS g{i}")
    for j, agg in enumerate(query.aggregates):
        if agg.column is None:
            expr = "COUNT(*)"
        else:
            col = qn(agg.column)
            # Computed only over at least k values: one filled-in cell is not published.
            expr = f"CASE WHEN COUNT({col}) >= ? THEN {agg.fn.upper()}({col}) END"
            select_params.append(k)
        select.append(f"{expr} AS a{j}")
    if query.group_by:
        aliases = {key: f"g{i}" for i, key in enumerate(query.group_by)}
        aliases.update({agg.name: f"a{j}" for j, agg in enumerate(query.aggregates)})
        group = ", ".join(qn(key) for key in query.group_by)
        sql = (
            f"SELECT {', '.join(select)} {source} GROUP BY {group} "
            f"HAVING COUNT(*) >= ? ORDER BY {_order(query, aliases)} LIMIT ?"
        )
        params = [*select_params, *where_params, k, query.limit]
        group_sql = f" GROUP BY {group}"
    else:
        outer = ", ".join(f"a{j}" for j in range(len(query.aggregates)))
        sql = (
            f"SELECT {outer} FROM (SELECT {', '.join(select)}, COUNT(*) AS __n {source}) s "
            "WHERE __n >= ?"
        )
        params = [*select_params, *where_params, k]
        group_sql = ""
    stats = (
        "SELECT COALESCE(SUM(CASE WHEN n >= ? THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN n > 0 AND n < ? THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN n > 0 AND n < ? THEN n ELSE 0 END), 0), "
        f"COALESCE(SUM(n), 0) FROM (SELECT COUNT(*) AS n {source}{group_sql}) s"
    )
    return Statement(sql, params), Statement(stats, [k, k, k, *where_params])


@dataclass(frozen=True)
class Bounds:
    """Contribution bounds and clamps a provider declared for a privacy-protected product."""

    unit: str  # the privacy unit's column; "" means each row is its own unit
    max_rows: int  # rows of one unit kept in one group
    max_groups: int  # groups one unit may contribute to
    clamps: dict[str, tuple[float, float]]  # numeric column -> (lower, upper)


@dataclass(frozen=True)
class BoundedStatement:
    statement: Statement
    measured: list[str]  # the clamped columns, in the order of the s0, s1, ... outputs


def compile_bounded(query: Query, parquet: str, bounds: Bounds, salt: str) -> BoundedStatement:
    """Per-group ``n`` (rows kept) and clamped sums ``s0, s1, ...`` (for sum and avg), after
    bounding each unit's contribution; no suppression (the release is made private by noise
    instead, ``licensing.privacy``). Group keys come back as ``g0, g1, ...``."""
    source_where, where_params = _where(query)
    keys = [qn(key) for key in query.group_by]
    measured = sorted({a.column for a in query.aggregates if a.fn in ("sum", "avg")})
    clamped = [
        f"LEAST(GREATEST({qn(col)}::DOUBLE, ?), ?) AS c{i}" for i, col in enumerate(measured)
    ]
    clamp_params = [float(v) for col in measured for v in bounds.clamps[col]]
    sums = [f"SUM(c{i}) AS s{i}" for i in range(len(measured))]
    select = [*(f"{k} AS g{i}" for i, k in enumerate(keys)), "COUNT(*) AS n", *sums]
    group_sql = f" GROUP BY {', '.join(keys)}" if keys else ""
    source = f"read_parquet({literal_path(parquet)}){source_where}"
    if not bounds.unit:
        # Each row is its own unit: one row, in one group, already.
        inner = ", ".join([*keys, *clamped]) or "1 AS __one"
        sql = f"SELECT {', '.join(select)} FROM (SELECT {inner} FROM {source}) bounded{group_sql}"
        return BoundedStatement(Statement(sql, [*clamp_params, *where_params]), measured)
    unit = qn(bounds.unit)
    key_list = ", ".join(keys)
    partition = ", ".join([unit, *keys])
    group_of_unit = f"hash({key_list}, ?)" if keys else "?"
    sql = (
        f"WITH filtered AS (SELECT {', '.join([unit, *keys, *clamped])} FROM {source}), "
        # At most max_rows rows of a unit in one group, chosen by a hash of its own values.
        f"ranked AS (SELECT *, row_number() OVER (PARTITION BY {partition} "
        f"ORDER BY hash(filtered::VARCHAR, ?)) AS __rn FROM filtered), "
        "kept AS (SELECT * FROM ranked WHERE __rn <= ?), "
        # At most max_groups groups per unit, again by a hash of the unit's own groups.
        f"groups AS (SELECT {partition}, dense_rank() OVER (PARTITION BY {unit} "
        f"ORDER BY {group_of_unit}) AS __gr FROM (SELECT DISTINCT {partition} FROM kept) d), "
        f"bounded AS (SELECT kept.* FROM kept JOIN groups USING ({partition}) "
        "WHERE groups.__gr <= ?) "
        f"SELECT {', '.join(select)} FROM bounded{group_sql}"
    )
    params = [*clamp_params, *where_params, salt, bounds.max_rows, salt, bounds.max_groups]
    return BoundedStatement(Statement(sql, params), measured)
