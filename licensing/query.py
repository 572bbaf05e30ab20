"""The query engine: a licensed buyer's aggregate query over a product version's dataset.

Buyers never see rows. A query document names group keys, aggregates, filters, an order and
a limit; ``parse_query`` validates it strictly against the version's schema and
``run_query`` answers it with aggregates only, leaving out every group of fewer than the
version's ``min_group_size`` (k) rows. The licence check and the metering are the caller's
job; this module does not care about the version's state.

Query document (JSON)::

    {"group_by": ["district", "hour"],
     "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"},
                    {"fn": "avg", "column": "dwell_minutes", "as": "mean_dwell"}],
     "filters": [{"column": "district", "op": "in", "value": ["KLCC", "Mid Valley"]},
                 {"column": "hour", "op": "between", "value": [10, 14]}],
     "order_by": [{"column": "sum_visitors", "direction": "desc"}],
     "limit": 500}

Disclosure rules, enforced inside the database so no small figure ever reaches Python:

- a group (or, without ``group_by``, the whole filtered set) of fewer than k rows is left
  out and counted in ``groups_suppressed``;
- identifier columns (schema ``identifier: true``) are never group keys and are never
  summed, averaged, or given as a min/max (that would print an identifier); they may be
  counted and filtered with ``eq``/``in``, since the output stays aggregated;
- an aggregate over a column is computed only when at least k rows of the group have a
  value there; otherwise the cell is null (counted in ``cells_suppressed``), so a group of
  k rows with one filled-in value does not publish that value;
- ``rows_matched`` is given only when the buyer could not derive a small figure from it:
  it must be at least k, and the rows of the suppressed groups (the difference between it
  and the visible groups' counts) must be none or at least k.

SQL is composed only from schema column names (validated, quoted with
``connection.ops.quote_name``) and fixed internal aliases; every value is a parameter.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from kernel.tabular.schema import parse_cell

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Aggregate",
    "Filter",
    "Ordering",
    "Query",
    "QueryError",
    "QueryResult",
    "parse_query",
]

TOP_LEVEL_KEYS = ("group_by", "aggregates", "filters", "order_by", "limit")
AGGREGATE_FUNCTIONS = ("count", "sum", "avg", "min", "max")
# Which column types each function accepts (count accepts every type).
AGGREGATE_TYPES = {
    "sum": ("integer", "number"),
    "avg": ("integer", "number"),
    "min": ("integer", "number", "date"),
    "max": ("integer", "number", "date"),
}
FILTER_OPS = ("eq", "in", "between")
BETWEEN_TYPES = ("integer", "number", "date")
MAX_GROUP_KEYS = 5
MAX_AGGREGATES = 20
MAX_FILTERS = 20
MAX_IN_VALUES = 100
MAX_STRING_VALUE = 1000
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
OUTPUT_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
DECIMAL_PLACES = 6
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class QueryError(ValueError):
    """The query document is invalid; ``path`` names the offending part (``filters[2].value``).

    The API answers it with HTTP 400 and ``as_dict()``.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path

    def as_dict(self) -> dict[str, str]:
        return {"message": self.message, "path": self.path}


@dataclass(frozen=True)
class Aggregate:
    fn: str
    column: str | None
    name: str  # the output column name


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    values: tuple  # typed: one value for eq, 1-100 for in, (low, high) for between


@dataclass(frozen=True)
class Ordering:
    name: str  # a group key or an aggregate's output name
    descending: bool = False


@dataclass(frozen=True)
class Query:
    group_by: tuple[str, ...]
    aggregates: tuple[Aggregate, ...]
    filters: tuple[Filter, ...] = ()
    order_by: tuple[Ordering, ...] = ()
    limit: int = DEFAULT_LIMIT

    @property
    def columns(self) -> list[str]:
        return [*self.group_by, *(a.name for a in self.aggregates)]

    def as_dict(self) -> dict[str, Any]:
        """The normalised query document (JSON-serialisable), e.g. for a usage record."""
        aggregates = []
        for agg in self.aggregates:
            item: dict[str, Any] = {"fn": agg.fn}
            if agg.column is not None:
                item["column"] = agg.column
            item["as"] = agg.name
            aggregates.append(item)
        filters = []
        for flt in self.filters:
            values = [v.isoformat() if isinstance(v, date) else v for v in flt.values]
            filters.append(
                {
                    "column": flt.column,
                    "op": flt.op,
                    "value": values[0] if flt.op == "eq" else values,
                }
            )
        return {
            "group_by": list(self.group_by),
            "aggregates": aggregates,
            "filters": filters,
            "order_by": [
                {"column": o.name, "direction": "desc" if o.descending else "asc"}
                for o in self.order_by
            ],
            "limit": self.limit,
        }


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    groups_returned: int
    groups_suppressed: int
    min_group_size: int
    rows_matched: int | None  # None when it would let a small figure be derived
    truncated: bool  # more groups qualified than the limit let through
    cells_suppressed: int = 0  # aggregate cells nulled: fewer than k values in the group
    query: dict[str, Any] = field(default_factory=dict)  # the normalised query answered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- validation -------------------------------------------------------------------------


def parse_query(spec: Any, schema: dict) -> Query:
    """Validates a query document against a version's schema; raises ``QueryError``."""
    if not isinstance(spec, dict):
        raise QueryError("The query must be a JSON object.")
    for key in spec:
        if key not in TOP_LEVEL_KEYS:
            raise QueryError(
                f"unknown key {_show(key)}; allowed: {', '.join(TOP_LEVEL_KEYS)}",
                path=str(key)[:60],
            )
    fields = (schema or {}).get("fields") if isinstance(schema, dict) else None
    columns = {f["name"]: f for f in fields or [] if isinstance(f, dict) and "name" in f}

    group_by = _parse_group_by(spec.get("group_by"), columns)
    aggregates = _parse_aggregates(spec.get("aggregates"), columns, group_by)
    filters = _parse_filters(spec.get("filters"), columns)
    outputs = [*group_by, *(a.name for a in aggregates)]
    order_by = _parse_order_by(spec.get("order_by"), outputs)
    limit = _parse_limit(spec.get("limit"))
    return Query(
        group_by=group_by,
        aggregates=aggregates,
        filters=filters,
        order_by=order_by,
        limit=limit,
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _list(value: Any, path: str, *, most: int, what: str) -> list:
    if not isinstance(value, list):
        raise QueryError(f"must be a list of {what}", path=path)
    if len(value) > most:
        raise QueryError(f"at most {most} {what}", path=path)
    return value


def _object(value: Any, path: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise QueryError(f"must be an object with keys {', '.join(allowed)}", path=path)
    for key in value:
        if key not in allowed:
            raise QueryError(f"unknown key {_show(key)}; allowed: {', '.join(allowed)}", path=path)
    return value


def _column(value: Any, path: str, columns: dict[str, dict]) -> dict:
    if not isinstance(value, str):
        raise QueryError("must be a column name", path=path)
    if value not in columns:
        raise QueryError(f"unknown column {_show(value)}", path=path)
    return columns[value]


def _parse_group_by(value: Any, columns: dict[str, dict]) -> tuple[str, ...]:
    if value is None:
        return ()
    keys: list[str] = []
    for i, item in enumerate(_list(value, "group_by", most=MAX_GROUP_KEYS, what="column names")):
        path = f"group_by[{i}]"
        spec = _column(item, path, columns)
        if spec.get("identifier"):
            raise QueryError(
                f"“{item}” is an identifier column and cannot be a group key: groups "
                "would describe single entities",
                path=path,
            )
        if item in keys:
            raise QueryError(f"“{item}” is already a group key", path=path)
        keys.append(item)
    return tuple(keys)


def _parse_aggregates(
    value: Any, columns: dict[str, dict], group_by: tuple[str, ...]
) -> tuple[Aggregate, ...]:
    if value is None:
        value = [{"fn": "count"}]
    items = _list(value, "aggregates", most=MAX_AGGREGATES, what="aggregates")
    if not items:
        raise QueryError("ask for at least one aggregate", path="aggregates")
    names = set(group_by)
    aggregates = []
    for i, item in enumerate(items):
        path = f"aggregates[{i}]"
        item = _object(item, path, ("fn", "column", "as"))
        fn = item.get("fn")
        if fn not in AGGREGATE_FUNCTIONS:
            raise QueryError(
                f"fn must be one of {', '.join(AGGREGATE_FUNCTIONS)}", path=f"{path}.fn"
            )
        column = item.get("column")
        if column is None:
            if fn != "count":
                raise QueryError(f"{fn} needs a column", path=f"{path}.column")
        else:
            spec = _column(column, f"{path}.column", columns)
            if fn != "count":
                if spec.get("identifier"):
                    raise QueryError(
                        f"“{column}” is an identifier column: it can be counted, not {fn}",
                        path=f"{path}.column",
                    )
                if spec["type"] not in AGGREGATE_TYPES[fn]:
                    raise QueryError(
                        f"{fn} needs a column of type {' or '.join(AGGREGATE_TYPES[fn])}; "
                        f"“{column}” is {spec['type']}",
                        path=f"{path}.column",
                    )
        if "as" in item:
            name = item["as"]
            if not isinstance(name, str) or not OUTPUT_NAME_RE.match(name):
                raise QueryError(
                    "must start with a letter and use only a-z, 0-9 and _ (at most 41 characters)",
                    path=f"{path}.as",
                )
        else:
            name = fn if column is None else f"{fn}_{column}"
        if name in names:
            raise QueryError(
                f"the output name “{name}” is already used; name this aggregate with “as”",
                path=f"{path}.as" if "as" in item else path,
            )
        names.add(name)
        aggregates.append(Aggregate(fn=fn, column=column, name=name))
    return tuple(aggregates)


def _parse_filters(value: Any, columns: dict[str, dict]) -> tuple[Filter, ...]:
    if value is None:
        return ()
    filters = []
    for i, item in enumerate(_list(value, "filters", most=MAX_FILTERS, what="filters")):
        path = f"filters[{i}]"
        item = _object(item, path, ("column", "op", "value"))
        column = item.get("column")
        spec = _column(column, f"{path}.column", columns)
        ftype = spec["type"]
        op = item.get("op")
        if op not in FILTER_OPS:
            raise QueryError(f"op must be one of {', '.join(FILTER_OPS)}", path=f"{path}.op")
        if spec.get("identifier") and op != "eq" and op != "in":
            raise QueryError(
                f"“{column}” is an identifier column: filter it with eq or in only",
                path=f"{path}.op",
            )
        if op == "between" and ftype not in BETWEEN_TYPES:
            raise QueryError(
                f"between needs a column of type {', '.join(BETWEEN_TYPES)}; “{column}” is {ftype}",
                path=f"{path}.op",
            )
        if "value" not in item:
            raise QueryError("a value is required", path=f"{path}.value")
        filters.append(
            Filter(column=column, op=op, values=_filter_values(op, ftype, item["value"], path))
        )
    return tuple(filters)


def _filter_values(op: str, ftype: str, raw: Any, path: str) -> tuple:
    path = f"{path}.value"
    if op == "eq":
        return (_typed_value(ftype, raw, path),)
    if op == "in":
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_IN_VALUES:
            raise QueryError(f"in needs a list of 1 to {MAX_IN_VALUES} values", path=path)
        values = []
        for j, item in enumerate(raw):
            value = _typed_value(ftype, item, path, position=j)
            if value not in values:
                values.append(value)
        return tuple(values)
    if not isinstance(raw, list) or len(raw) != 2:
        raise QueryError("between needs a list of exactly two values [low, high]", path=path)
    low = _typed_value(ftype, raw[0], path, position=0)
    high = _typed_value(ftype, raw[1], path, position=1)
    if low > high:
        raise QueryError("between needs low ≤ high", path=path)
    return (low, high)


def _typed_value(ftype: str, raw: Any, path: str, position: int | None = None) -> Any:
    try:
        return _parse_value(ftype, raw)
    except ValueError as exc:
        where = "" if position is None else f"item {position}: "
        raise QueryError(f"{where}{exc}", path=path) from None


def _parse_value(ftype: str, raw: Any) -> Any:
    """A JSON value as the column's type, on the same terms as ``parse_cell``."""
    if raw is None:
        raise ValueError("null is not a value to filter on")
    if isinstance(raw, list | dict):
        raise ValueError("must be a single value, not a list or an object")
    if isinstance(raw, bool):
        if ftype != "boolean":
            raise ValueError(f"true/false is not a {ftype} value")
        return raw
    if isinstance(raw, str):
        if len(raw) > MAX_STRING_VALUE:
            raise ValueError(f"at most {MAX_STRING_VALUE} characters")
        value = parse_cell(ftype, raw)  # raises ValueError with the reason
        if value is None:
            raise ValueError("an empty value matches nothing")
    elif isinstance(raw, int | float) and ftype in ("integer", "number"):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueError("must be a finite number")
        if ftype == "integer" and not isinstance(raw, int):
            raise ValueError(f"{_show(raw)} is not a whole number")
        value = raw
    else:
        raise ValueError(f"{_show(raw)} is not a {ftype} value")
    if ftype == "integer" and not BIGINT_MIN <= value <= BIGINT_MAX:
        raise ValueError("outside the 64-bit integer range")
    if ftype == "number":
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("outside the range of a floating-point number")
    return value


def _parse_order_by(value: Any, outputs: list[str]) -> tuple[Ordering, ...]:
    if value is None:
        return ()
    orderings: list[Ordering] = []
    items = _list(value, "order_by", most=len(outputs), what="orderings")
    for i, item in enumerate(items):
        path = f"order_by[{i}]"
        item = _object(item, path, ("column", "direction"))
        name = item.get("column")
        if not isinstance(name, str) or name not in outputs:
            raise QueryError(
                "order by a group key or an aggregate's output name: " + ", ".join(outputs),
                path=f"{path}.column",
            )
        if any(o.name == name for o in orderings):
            raise QueryError(f"“{name}” is already ordered on", path=f"{path}.column")
        direction = item.get("direction", "asc")
        if direction not in ("asc", "desc"):
            raise QueryError("direction must be asc or desc", path=f"{path}.direction")
        orderings.append(Ordering(name=name, descending=direction == "desc"))
    return tuple(orderings)


def _parse_limit(value: Any) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise QueryError(f"must be a whole number from 1 to {MAX_LIMIT:,}", path="limit")
    return value
