"""Running SQL in DuckDB inside a data region: sandboxed, with memory, thread and time limits.

Each statement gets a fresh in-memory DuckDB that may read only the directories it is given
(``allowed_directories``; every other file access and all network access are disabled, and
the configuration is locked), so a compiled query can touch nothing but the version's own
file. A statement that runs past its time limit is interrupted.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import duckdb

from licensing.engine.sql import Statement


class EngineTimeout(Exception):
    """The statement ran past its time limit and was interrupted."""


class EngineError(Exception):
    """DuckDB refused or failed the statement (a damaged file, a resource limit)."""


def _connect(*, readable: Sequence[str], memory_limit: str, threads: int):
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit='{memory_limit}'")
    con.execute(f"SET threads={int(threads)}")
    con.execute("SET preserve_insertion_order=true")
    dirs = ", ".join("'" + d.replace("'", "''") + "'" for d in readable)
    con.execute(f"SET allowed_directories=[{dirs}]")
    con.execute("SET enable_external_access=false")
    con.execute("SET lock_configuration=true")
    return con


def run(
    statements: Sequence[Statement],
    *,
    readable: Sequence[str],
    memory_limit: str,
    threads: int,
    timeout: float,
) -> list[list[tuple]]:
    """Each statement's rows, run one after the other on one sandboxed connection."""
    con = _connect(readable=readable, memory_limit=memory_limit, threads=threads)
    interrupted = threading.Event()

    def interrupt() -> None:
        interrupted.set()
        con.interrupt()

    timer = threading.Timer(timeout, interrupt)
    timer.daemon = True
    timer.start()
    try:
        return [con.execute(s.sql, s.params).fetchall() for s in statements]
    except duckdb.InterruptException as exc:
        raise EngineTimeout(f"stopped after {timeout:g} s") from exc
    except duckdb.Error as exc:
        if interrupted.is_set():
            raise EngineTimeout(f"stopped after {timeout:g} s") from exc
        raise EngineError(str(exc).splitlines()[0][:300]) from exc
    finally:
        timer.cancel()
        con.close()


def prepare_parquet(
    *,
    csv_path: str,
    parquet_path: str,
    fields: Sequence[dict],
    readable: Sequence[str],
    memory_limit: str,
    threads: int,
    timeout: float,
) -> int:
    """Converts a validated CSV into a Parquet file typed from the schema; returns its rows.

    Every cell is read as text and cast the way the exchange's own validator reads it
    (``kernel.tabular.schema.parse_cell``): blank means missing, whole numbers, decimals,
    ISO dates, and the same true/false words.
    """
    from kernel.tabular.schema import FALSE_WORDS, TRUE_WORDS

    def cast(field: dict) -> str:
        col = '"' + field["name"].replace('"', '""') + '"'
        blank = f"trim({col}) = '' OR {col} IS NULL"
        kind = field["type"]
        if kind == "string":
            value = col
        elif kind == "integer":
            value = f"CAST(trim({col}) AS BIGINT)"
        elif kind == "number":
            value = f"CAST(trim({col}) AS DOUBLE)"
        elif kind == "date":
            value = f"CAST(trim({col}) AS DATE)"
        else:
            true = ", ".join(f"'{w}'" for w in sorted(TRUE_WORDS))
            false = ", ".join(f"'{w}'" for w in sorted(FALSE_WORDS))
            value = (
                f"CASE WHEN lower(trim({col})) IN ({true}) THEN true "
                f"WHEN lower(trim({col})) IN ({false}) THEN false END"
            )
        return f"CASE WHEN {blank} THEN NULL ELSE {value} END AS {col}"

    columns = (
        "{" + ", ".join("'" + f["name"].replace("'", "''") + "': 'VARCHAR'" for f in fields) + "}"
    )
    source = "'" + csv_path.replace("'", "''") + "'"
    target = "'" + parquet_path.replace("'", "''") + "'"
    select = ", ".join(cast(f) for f in fields)
    con = _connect(readable=readable, memory_limit=memory_limit, threads=threads)
    timer = threading.Timer(timeout, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        con.execute(
            f"COPY (SELECT {select} FROM read_csv({source}, header=true, delim=',', "
            f"quote='\"', escape='\"', columns={columns}, auto_detect=false, "
            "strict_mode=true, null_padding=false, encoding='utf-8')) "
            f"TO {target} (FORMAT parquet, COMPRESSION zstd)"
        )
        return con.execute(f"SELECT COUNT(*) FROM read_parquet({target})").fetchone()[0]
    except duckdb.InterruptException as exc:
        raise EngineTimeout(f"stopped after {timeout:g} s") from exc
    except duckdb.Error as exc:
        raise EngineError(str(exc).splitlines()[0][:300]) from exc
    finally:
        timer.cancel()
        con.close()
