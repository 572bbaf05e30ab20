"""The table engine the access engine replaced, kept for the benchmark only (not product code).

Until the access engine moved to DuckDB over Parquet in each data region, the portal loaded
every version's dataset into a table of its own database (``dx_ds_v<pk>``) and answered
queries with SQL there. ``bench/run.py`` measures it side by side with the DuckDB engine on
the same data, and checks that both give the same answers; nothing in the product imports it.
"""

# ruff: noqa
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import ProductVersion
from kernel.tabular.csvstream import CsvFormatError, iter_csv
from kernel.tabular.schema import SchemaError, parse_cell, validate_schema

__all__ = [
    "BATCH_ROWS",
    "REGISTRY_TABLE",
    "DatasetUnavailable",
    "dataset_table_name",
    "drop_dataset_table",
    "ensure_dataset_table",
    "table_column_types",
]

REGISTRY_TABLE = "dx_ds_registry"
BATCH_ROWS = 2000
INDEXED_TYPES = ("string", "date", "boolean")
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1

# Column types per schema type and database vendor (dates are ISO text on SQLite, which
# compares them correctly as strings).
_COLUMN_TYPES = {
    "postgresql": {
        "string": "TEXT",
        "integer": "BIGINT",
        "number": "DOUBLE PRECISION",
        "date": "DATE",
        "boolean": "BOOLEAN",
    },
    "sqlite": {
        "string": "TEXT",
        "integer": "BIGINT",
        "number": "REAL",
        "date": "TEXT",
        "boolean": "BOOLEAN",
    },
}


class DatasetUnavailable(Exception):
    """The version's dataset cannot be queried: no file, or a file that does not load.

    Not the buyer's fault (unlike a ``QueryError``): the API answers it 503 in the JSON error
    shape, with a retry hint. ``line`` is the CSV line at fault when there is one (1 = the
    header); the buyer is not told which (it is the provider's data).
    """

    code = "dataset_unavailable"

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(
            _("This product's data cannot be queried at the moment; the exchange has been told.")
        )
        self.detail = f"Line {line}: {message}" if line else message
        self.line = line

    def __str__(self) -> str:
        return self.detail


def dataset_table_name(version: ProductVersion) -> str:
    return f"dx_ds_v{int(version.pk)}"


def table_column_types() -> dict[str, str]:
    """The SQL column type of each schema type on the current database."""
    return _COLUMN_TYPES["postgresql" if connection.vendor == "postgresql" else "sqlite"]


def ensure_dataset_table(version: ProductVersion) -> str:
    """The name of the version's loaded table, loading the dataset first if needed.

    The usual case (already loaded, unchanged) costs two small catalogue queries and takes
    no lock. Raises ``DatasetUnavailable`` if there is no dataset or it does not load.
    """
    table = dataset_table_name(version)
    if _is_loaded(version, table):
        return table
    with transaction.atomic():
        locked = ProductVersion.objects.select_for_update().get(pk=version.pk)
        _create_registry_if_missing()
        if not _is_loaded(locked, table):
            _load(locked, table)
    return table


def drop_dataset_table(version: ProductVersion) -> None:
    """Removes the version's table and its registry row (a retired version, or tests)."""
    table = dataset_table_name(version)
    qn = connection.ops.quote_name
    with transaction.atomic():
        registry_exists, _ = _tables_exist(table)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {qn(table)}")
            if registry_exists:
                cursor.execute(
                    f"DELETE FROM {qn(REGISTRY_TABLE)} WHERE {qn('version_id')} = %s",  # noqa: S608 -- quoted constant identifiers only
                    [version.pk],
                )


# --- bookkeeping ------------------------------------------------------------------------


def _fingerprint(version: ProductVersion) -> str:
    """What the table is built from; a change (only possible on a draft) means reload."""
    source = {
        "dataset": version.dataset.name or "",
        "bytes": version.dataset_bytes,
        "rows": version.dataset_rows,
        "schema": version.schema or {},
    }
    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()


def _tables_exist(table: str) -> tuple[bool, bool]:
    """(registry exists, data table exists), in one catalogue query that cannot fail.

    A plain SELECT on a missing table would abort the whole transaction on PostgreSQL.
    There, pg_class is read with an ordinary query rather than ``to_regclass``: name lookups
    go through the backend's catalogue cache, which keeps "no such table" until the session
    next takes a relation lock, so a caller that waited on the version's row lock would not
    see the table its predecessor had just committed (and would load it again).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                "AND c.relname IN (%s, %s)",
                [REGISTRY_TABLE, table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (%s, %s)",
                [REGISTRY_TABLE, table],
            )
        names = {row[0] for row in cursor.fetchall()}
    return REGISTRY_TABLE in names, table in names


def _is_loaded(version: ProductVersion, table: str) -> bool:
    registry_exists, table_exists = _tables_exist(table)
    if not (registry_exists and table_exists):
        return False
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('fingerprint')} FROM {qn(REGISTRY_TABLE)} "  # noqa: S608 -- quoted constant identifiers only
            f"WHERE {qn('version_id')} = %s AND {qn('table_name')} = %s",
            [version.pk, table],
        )
        row = cursor.fetchone()
    return row is not None and row[0] == _fingerprint(version)


def _create_registry_if_missing() -> None:
    registry_exists, _ = _tables_exist(REGISTRY_TABLE)
    if registry_exists:
        return
    qn = connection.ops.quote_name
    stamp = "TIMESTAMP WITH TIME ZONE" if connection.vendor == "postgresql" else "TEXT"
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {qn(REGISTRY_TABLE)} ("
        f"{qn('version_id')} BIGINT PRIMARY KEY, "
        f"{qn('table_name')} VARCHAR(63) NOT NULL, "
        f"{qn('rows')} BIGINT NOT NULL, "
        f"{qn('fingerprint')} VARCHAR(64) NOT NULL, "
        f"{qn('loaded_at')} {stamp} NOT NULL)"
    )
    try:
        # A savepoint: on PostgreSQL two first loads (of different versions) racing to
        # create the registry end with a unique violation for the one that commits second.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ddl)
    except DatabaseError:
        if not _tables_exist(REGISTRY_TABLE)[0]:
            raise


# --- loading ----------------------------------------------------------------------------


def _load(version: ProductVersion, table: str) -> None:
    """Builds the table from the CSV, streaming it; runs inside the caller's transaction."""
    if not version.dataset:
        raise DatasetUnavailable("This version has no processed dataset.")
    try:
        schema = validate_schema(version.schema or {})
    except SchemaError as exc:
        raise DatasetUnavailable(
            "The version's schema is invalid: " + "; ".join(exc.errors)
        ) from exc
    fields = schema["fields"]
    qn = connection.ops.quote_name
    types = table_column_types()
    columns = ", ".join(f"{qn(f['name'])} {types[f['type']]}" for f in fields)
    insert = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(f['name']) for f in fields)}) "  # noqa: S608 -- identifiers from the validated schema, quoted; values are parameters
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(table)}")
        cursor.execute(f"CREATE TABLE {qn(table)} ({columns})")
        rows = 0
        try:
            stream = version.dataset.open("rb")
        except OSError as exc:
            raise DatasetUnavailable(f"the dataset file cannot be read ({exc})") from None
        with stream:
            for batch in _batches(_typed_rows(stream, fields), BATCH_ROWS):
                cursor.executemany(insert, batch)
                rows += len(batch)
        for position, spec in enumerate(fields):
            if spec["type"] in INDEXED_TYPES:
                cursor.execute(
                    f"CREATE INDEX {qn(f'{table}_c{position}')} ON {qn(table)} ({qn(spec['name'])})"
                )
        cursor.execute(
            f"DELETE FROM {qn(REGISTRY_TABLE)} WHERE {qn('version_id')} = %s",  # noqa: S608 -- quoted constant identifiers only
            [version.pk],
        )
        cursor.execute(
            f"INSERT INTO {qn(REGISTRY_TABLE)} ({qn('version_id')}, {qn('table_name')}, "  # noqa: S608 -- quoted constant identifiers only
            f"{qn('rows')}, {qn('fingerprint')}, {qn('loaded_at')}) VALUES (%s, %s, %s, %s, %s)",
            [
                version.pk,
                table,
                rows,
                _fingerprint(version),
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )


def _typed_rows(stream: Any, fields: list[dict]) -> Iterator[tuple]:
    """The CSV's records as tuples of database parameters, one record at a time."""
    names = [f["name"] for f in fields]
    types = [f["type"] for f in fields]
    try:
        header, records = iter_csv(stream)
        if [h.strip() for h in header] != names:
            raise DatasetUnavailable("the header does not match the schema", line=1)
        for record in records:
            try:
                yield tuple(
                    _db_value(ftype, parse_cell(ftype, cell))
                    for ftype, cell in zip(types, record, strict=True)
                )
            except ValueError as exc:
                raise DatasetUnavailable(str(exc), line=records.line) from None
    except CsvFormatError as exc:
        raise DatasetUnavailable(exc.message, line=exc.line) from None


def _db_value(ftype: str, value: Any) -> Any:
    if value is None:
        return None
    if ftype == "number":
        number = float(value)
        if not math.isfinite(number):  # e.g. 1e400: finite as a Decimal, not as a double
            raise ValueError(f"{value} is outside the range of a floating-point number")
        return number
    if ftype == "integer" and not BIGINT_MIN <= value <= BIGINT_MAX:
        raise ValueError(f"{value} is outside the 64-bit integer range")
    if ftype == "date":
        return connection.ops.adapt_datefield_value(value)
    return value


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


from licensing.query import Aggregate, Query, QueryResult, parse_query  # noqa: E402
from kernel.tabular.schema import parse_cell  # noqa: E402
import math  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402
from dataclasses import dataclass  # noqa: E402

DECIMAL_PLACES = 6

# --- compilation and execution ------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: list
    stats_sql: str
    stats_params: list


def _compile(query: Query, table: str, k: int, types: dict[str, str]) -> _Compiled:
    """Two statements: the visible groups, and the counts over every group.

    Output columns get fixed internal aliases (g0.., a0..): user-chosen names never reach
    the SQL, and PostgreSQL's 63-character identifier limit cannot make two collide.
    """
    qn = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"

    select: list[str] = []
    select_params: list = []
    for i, key in enumerate(query.group_by):
        select.append(f"{qn(key)} AS {qn(f'g{i}')}")
    for j, agg in enumerate(query.aggregates):
        if agg.column is None:
            expr = "COUNT(*)"
        else:
            col = qn(agg.column)
            # Computed only over at least k values: one filled-in cell is not published.
            expr = f"CASE WHEN COUNT({col}) >= %s THEN {agg.fn.upper()}({col}) END"
            select_params.append(k)
        select.append(f"{expr} AS {qn(f'a{j}')}")

    where: list[str] = []
    where_params: list = []
    for flt in query.filters:
        col = qn(flt.column)
        params = [_db_param(types[flt.column], v) for v in flt.values]
        if flt.op == "eq":
            where.append(f"{col} = %s")
        elif flt.op == "in":
            where.append(f"{col} IN ({', '.join(['%s'] * len(params))})")
        else:
            where.append(f"{col} BETWEEN %s AND %s")
        where_params += params
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    source = f"FROM {qn(table)}{where_sql}"
    group_sql = (
        f" GROUP BY {', '.join(qn(key) for key in query.group_by)}" if query.group_by else ""
    )

    if query.group_by:
        aliases = {key: qn(f"g{i}") for i, key in enumerate(query.group_by)}
        aliases.update({agg.name: qn(f"a{j}") for j, agg in enumerate(query.aggregates)})
        order: list[str] = []
        ordered = set()
        explicit = [(o.name, o.descending) for o in query.order_by]
        # Group keys last, as tie-breakers: the order is total, so results are repeatable.
        implicit = [(key, False) for key in query.group_by]
        for name, descending in [*explicit, *implicit]:
            if name in ordered:
                continue
            ordered.add(name)
            if name in query.group_by and types[name] == "string" and postgres:
                # Byte order, as on SQLite, rather than the database's locale collation.
                expr = f'{qn(name)} COLLATE "C"'
            else:
                expr = aliases[name]
            order.append(f"{expr} {'DESC' if descending else 'ASC'} NULLS LAST")
        sql = (
            f"SELECT {', '.join(select)} {source}{group_sql} "
            f"HAVING COUNT(*) >= %s ORDER BY {', '.join(order)} LIMIT %s"
        )
        params = [*select_params, *where_params, k, query.limit]
    else:
        # The whole filtered set is one group. (HAVING without GROUP BY needs SQLite 3.39.)
        outer = ", ".join(qn(f"a{j}") for j in range(len(query.aggregates)))
        sql = (
            f"SELECT {outer} FROM (SELECT {', '.join(select)}, COUNT(*) AS {qn('__n')} "  # noqa: S608 -- validated, quoted schema identifiers and fixed aliases only; values are parameters
            f"{source}) {qn('s')} WHERE {qn('__n')} >= %s"
        )
        params = [*select_params, *where_params, k]

    n = qn("n")
    stats_sql = (
        f"SELECT COALESCE(SUM(CASE WHEN {n} >= %s THEN 1 ELSE 0 END), 0), "  # noqa: S608 -- validated, quoted schema identifiers and fixed aliases only; values are parameters
        f"COALESCE(SUM(CASE WHEN {n} > 0 AND {n} < %s THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN {n} > 0 AND {n} < %s THEN {n} ELSE 0 END), 0), "
        f"COALESCE(SUM({n}), 0) "
        f"FROM (SELECT COUNT(*) AS {n} {source}{group_sql}) {qn('s')}"
    )
    return _Compiled(sql, params, stats_sql, [k, k, k, *where_params])


def _db_param(ftype: str, value: Any) -> Any:
    if ftype == "date":
        return connection.ops.adapt_datefield_value(value)
    return value


def run_query(version: ProductVersion, spec: Any) -> QueryResult:
    """Answers a query document (or a parsed ``Query``) over the version's dataset.

    Raises ``QueryError`` for an invalid query (before touching the dataset) and
    ``DatasetUnavailable`` when the version has no loadable dataset.
    """
    query = spec if isinstance(spec, Query) else parse_query(spec, version.schema or {})
    k = max(2, int(version.min_group_size))
    types = {f["name"]: f["type"] for f in version.schema_fields()}
    table = ensure_dataset_table(version)
    compiled = _compile(query, table, k, types)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        raw_rows = cursor.fetchall()
        cursor.execute(compiled.stats_sql, compiled.stats_params)
        visible, suppressed, suppressed_rows, matched = (int(v) for v in cursor.fetchone())

    kinds = [types[key] for key in query.group_by] + [
        _output_kind(a, types) for a in query.aggregates
    ]
    rows = [
        [_json_value(kind, value) for kind, value in zip(kinds, row, strict=True)]
        for row in raw_rows
    ]
    first_aggregate = len(query.group_by)
    cells_suppressed = sum(
        1
        for row in rows
        for agg, value in zip(query.aggregates, row[first_aggregate:], strict=True)
        if agg.column is not None and value is None
    )
    # The buyer can subtract the visible groups' counts from rows_matched: give it only when
    # neither it nor that difference is a small figure.
    discloses = matched >= k and (suppressed_rows == 0 or suppressed_rows >= k)
    return QueryResult(
        columns=query.columns,
        rows=rows,
        groups_returned=len(rows),
        groups_suppressed=suppressed,
        min_group_size=k,
        rows_matched=matched if discloses else None,
        truncated=visible > len(rows),
        cells_suppressed=cells_suppressed,
        query=query.as_dict(),
    )


def _output_kind(agg: Aggregate, types: dict[str, str]) -> str:
    if agg.fn == "count":
        return "integer"
    if agg.fn == "avg":
        return "number"
    return types[agg.column]  # sum keeps integer/number; min/max keep integer/number/date


def _json_value(kind: str, value: Any) -> Any:
    """A database value as JSON: whole numbers as int, others rounded, dates ISO."""
    if value is None:
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        number = round(float(value), DECIMAL_PLACES)
        return number + 0.0  # no "-0.0"
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "boolean":
        return bool(value)
    if isinstance(value, Decimal):
        return str(value)
    return value
