"""One typed, indexed database table per product version's processed dataset.

The query engine never parses a CSV per request: the first query of a version loads its
dataset into ``dx_ds_v<pk>`` (typed columns from the schema, an index on every string, date
and boolean column) and records the load in ``dx_ds_registry``. Table, rows, indexes and
registry row are written in one transaction, so a load that fails half-way leaves nothing
behind, and a table without its registry row is never trusted.

The registry row carries a fingerprint of what the table was built from (dataset file name,
size, row count and schema). Approved versions never change, so for them the table is built
once; a draft version whose dataset or schema changed is reloaded on its next query.

Concurrent first loads of one version are serialised by locking the ``ProductVersion`` row;
the loser of the race finds the winner's registry row and returns without loading again.
Everything runs on SQLite and PostgreSQL; where their SQL differs, ``connection.vendor``
decides. No model and no migration: these tables are created on demand through
``django.db.connection`` and every identifier is quoted with ``connection.ops.quote_name``.
"""

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
from kernel.exceptions import Unavailable
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


class DatasetUnavailable(Unavailable):
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
