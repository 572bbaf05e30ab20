"""Work done inside a product's data region, and how the portal asks for it.

The portal never opens a dataset. Two kinds of work run on the region's queue
(``data.<region>``), on workers started for that region (``DATA_REGION``) that can read its
storage:

- ``data.prepare_dataset``: an approved version's CSV becomes a typed Parquet file, once, with
  its row count and content hash recorded on the version and in the ledger;
- ``data.answer``: a compiled query runs in a sandboxed DuckDB over that Parquet file only;
  exact products get their aggregates with small-group suppression in SQL, privacy-protected
  products get the bounded counts and sums with OpenDP's noise added here, in the region.

Only that answer — aggregates — comes back. The web process sends the task and waits at most
``ACCESS_WAIT_SECONDS`` (then 504, nothing metered); without a broker (``make run``) the same
code runs in process. A worker refuses work for another region's data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from celery import Task, current_app, shared_task
from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.files import File
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from catalogue import services as catalogue
from catalogue.models import ProductVersion
from catalogue.privacy import parse_declaration
from catalogue.services import DATASET
from kernel.exceptions import DomainError, Unavailable
from kernel.regions import region_for, served_region
from kernel.storage import unique_name
from licensing.engine.duck import EngineError, EngineTimeout, prepare_parquet, run
from licensing.engine.sql import Bounds, compile_bounded, compile_exact
from licensing.privacy import Plan, release
from licensing.query import QueryError, parse_query

log = logging.getLogger(__name__)

PREPARE_TASK = "data.prepare_dataset"
ANSWER_TASK = "data.answer"
TRANSIENT = (OperationalError, InterfaceError)
DECIMAL_PLACES = 6


class DatasetNotReady(Unavailable):
    """The version's dataset is not (yet) prepared for queries."""

    code = "dataset_unavailable"
    retry_after = 30


class RegionUnavailable(Unavailable):
    """The data region's task queue does not answer (503)."""

    code = "region_unavailable"
    retry_after = 30


class RegionTimeout(DomainError):
    """The data region did not answer in time (504): nothing was metered."""

    status_code = 504
    code = "region_timeout"


class MisroutedWork(Exception):
    """A worker was handed another region's data; it refuses."""


def _region_code(version: ProductVersion) -> str:
    return region_for(version.product.origin_jurisdiction).code


def _refuse_other_regions(version: ProductVersion) -> str:
    """The region that does this work: the worker's own, which must be the data's."""
    wanted = _region_code(version)
    serving = served_region()
    if serving and serving != wanted:
        raise MisroutedWork(
            f"this worker serves the {serving} region; version {version.pk} is {wanted} data"
        )
    return serving or wanted


@contextmanager
def _local_file(field_file):
    """A local path for a stored file: its own on a filesystem storage, else a temporary
    copy made through the storage API (an S3-compatible bucket, for instance)."""
    try:
        yield field_file.storage.path(field_file.name)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=Path(field_file.name).suffix) as copy:
        with field_file.open("rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                copy.write(chunk)
        copy.flush()
        yield copy.name


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- preparing a dataset ------------------------------------------------------------------


def dataset_prepare(*, version_id: int) -> str:
    """Converts the version's CSV into Parquet in its region; idempotent."""
    version = ProductVersion.objects.select_related("product__provider").get(pk=version_id)
    region = _refuse_other_regions(version)
    if version.dataset_state == "preparing":
        # A preparation is never run twice at once (the queue's visibility timeout is longer
        # than the hard time limit): this one was interrupted, by a worker's death or a
        # stuck-work requeue. It starts again from the stored CSV.
        log.info("restarting the interrupted preparation of version %s", version_id)
    elif DATASET.allows(version.dataset_state, "preparing", "start"):
        version = catalogue.version_dataset_start(version=version)
    else:
        return "skipped"
    try:
        with _local_file(version.dataset) as csv_path, tempfile.TemporaryDirectory() as work:
            target = os.path.join(work, "dataset.parquet")
            rows = prepare_parquet(
                csv_path=csv_path,
                parquet_path=target,
                fields=version.schema_fields(),
                readable=[str(Path(csv_path).parent) + os.sep, work + os.sep],
                memory_limit=settings.ACCESS_QUERY_MEMORY_LIMIT,
                threads=settings.ACCESS_QUERY_THREADS,
                timeout=settings.DATASET_PREPARE_SECONDS,
            )
            sha256 = _sha256(target)
            field = version.dataset_parquet.field
            name = field.generate_filename(
                version, unique_name(f"{version.product.slug}-v{version.number}.parquet")
            )
            with open(target, "rb") as handle:
                stored = field.storage.save(name, File(handle))
    except (EngineError, EngineTimeout, OSError) as exc:
        catalogue.version_dataset_failed(version=version, error=str(exc))
        log.warning("dataset of version %s not prepared: %s", version_id, exc)
        return "failed"
    if rows != version.dataset_rows:
        field.storage.delete(stored)
        error = f"the dataset has {rows} rows, its upload {version.dataset_rows}"
        catalogue.version_dataset_failed(version=version, error=error)
        return "failed"
    catalogue.version_dataset_ready(
        version=version, parquet_name=stored, rows=rows, sha256=sha256, region=region
    )
    return "ready"


class PrepareTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        version = ProductVersion.objects.filter(pk=kwargs.get("version_id")).first()
        if version is not None and DATASET.allows(version.dataset_state, "failed", "fail"):
            catalogue.version_dataset_failed(version=version, error=f"{type(exc).__name__}")


@shared_task(
    name=PREPARE_TASK,
    base=PrepareTask,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_kwargs={"max_retries": 3},
)
def prepare_dataset(*, version_id: int) -> str:
    return dataset_prepare(version_id=version_id)


# --- answering a query --------------------------------------------------------------------


def _json_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return round(float(value), DECIMAL_PLACES) + 0.0  # no "-0.0"
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "boolean":
        return bool(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _output_kind(fn: str, column: str | None, types: dict[str, str]) -> str:
    if fn == "count":
        return "integer"
    if fn == "avg":
        return "number"
    return types[column]


def _exact(version: ProductVersion, query, parquet: str, readable: list[str]) -> dict:
    k = max(2, int(version.min_group_size))
    types = {f["name"]: f["type"] for f in version.schema_fields()}
    rows_sql, stats_sql = compile_exact(query, parquet, k)
    raw_rows, stats = run(
        [rows_sql, stats_sql],
        readable=readable,
        memory_limit=settings.ACCESS_QUERY_MEMORY_LIMIT,
        threads=settings.ACCESS_QUERY_THREADS,
        timeout=settings.ACCESS_QUERY_SECONDS,
    )
    visible, suppressed, suppressed_rows, matched = (int(v) for v in stats[0])
    kinds = [types[key] for key in query.group_by] + [
        _output_kind(a.fn, a.column, types) for a in query.aggregates
    ]
    rows = [[_json_value(kind, v) for kind, v in zip(kinds, row, strict=True)] for row in raw_rows]
    first = len(query.group_by)
    cells_suppressed = sum(
        1
        for row in rows
        for agg, value in zip(query.aggregates, row[first:], strict=True)
        if agg.column is not None and value is None
    )
    # The buyer can subtract the visible groups' counts from rows_matched: give it only when
    # neither it nor that difference is a small figure.
    discloses = matched >= k and (suppressed_rows == 0 or suppressed_rows >= k)
    return {
        "columns": query.columns,
        "rows": rows,
        "groups_returned": len(rows),
        "groups_suppressed": suppressed,
        "min_group_size": k,
        "rows_matched": matched if discloses else None,
        "truncated": visible > len(rows),
        "cells_suppressed": cells_suppressed,
        "private": False,
    }


def _private(version: ProductVersion, query, parquet: str, readable: list[str], plan) -> dict:
    declaration = parse_declaration(
        version.privacy, version.schema_fields(), version.data_categories
    )
    bounds = Bounds(
        unit=declaration.unit,
        max_rows=declaration.max_rows,
        max_groups=declaration.max_groups,
        clamps=declaration.bounds,
    )
    bounded = compile_bounded(query, parquet, bounds, salt=version.dataset_sha256)
    (rows,) = run(
        [bounded.statement],
        readable=readable,
        memory_limit=settings.ACCESS_QUERY_MEMORY_LIMIT,
        threads=settings.ACCESS_QUERY_THREADS,
        timeout=settings.ACCESS_QUERY_SECONDS,
    )
    answer = release(plan, declaration, query, rows, bounded.measured)
    return {
        **answer,
        "groups_suppressed": 0,
        "min_group_size": None,
        "rows_matched": None,
        "cells_suppressed": 0,
        "private": True,
    }


def region_answer(*, version_id: int, query: dict, plan: dict | None = None) -> dict[str, Any]:
    """Runs one query over the version's Parquet file in this region; returns the answer
    (aggregates only), or ``{"error": {...}}`` for a refusal the caller turns into 4xx/5xx."""
    version = ProductVersion.objects.select_related("product").get(pk=version_id)
    region = _refuse_other_regions(version)
    if not DATASET.permits(version, "query"):
        return {"error": {"code": "dataset_unavailable", "message": "not prepared"}}
    try:
        parsed = parse_query(query, version.schema or {})
    except QueryError as exc:
        return {"error": {"code": "invalid", "message": exc.message, "path": exc.path}}
    try:
        with _local_file(version.dataset_parquet) as parquet:
            readable = [str(Path(parquet).parent) + os.sep]
            if plan is None:
                answer = _exact(version, parsed, parquet, readable)
            else:
                answer = _private(version, parsed, parquet, readable, Plan.from_dict(plan))
    except EngineTimeout as exc:
        return {"error": {"code": "query_timeout", "message": str(exc)}}
    except QueryError as exc:
        return {"error": {"code": "invalid", "message": exc.message, "path": exc.path}}
    except (EngineError, OSError) as exc:
        log.warning("query on version %s failed in %s: %s", version_id, region, exc)
        return {"error": {"code": "dataset_unavailable", "message": str(exc)}}
    return {**answer, "query": parsed.as_dict(), "region": region}


@shared_task(name=ANSWER_TASK, autoretry_for=TRANSIENT, retry_kwargs={"max_retries": 2})
def answer(*, version_id: int, query: dict, plan: dict | None = None) -> dict:
    return region_answer(version_id=version_id, query=query, plan=plan)


def answer_in_region(*, version: ProductVersion, query: dict, plan: dict | None) -> dict:
    """The region's answer; raises a domain error (503, 504, 400) when there is none."""
    kwargs = {"version_id": version.pk, "query": query, "plan": plan}
    app = current_app
    if app.conf.task_always_eager:
        result = region_answer(**kwargs)
    else:
        queue = region_for(version.product.origin_jurisdiction).queue
        try:
            pending = app.send_task(
                ANSWER_TASK,
                kwargs=kwargs,
                queue=queue,
                retry=False,
                expires=settings.ACCESS_WAIT_SECONDS,
            )
        except Exception as exc:  # noqa: BLE001 - any failure to reach the broker
            raise RegionUnavailable(
                _("The data region's task queue is not answering; try again shortly.")
            ) from exc
        try:
            result = pending.get(timeout=settings.ACCESS_WAIT_SECONDS, propagate=True)
        except CeleryTimeout:
            pending.revoke()
            raise RegionTimeout(
                _(
                    "The data region did not answer within %(n)s s; nothing was metered. "
                    "Try again shortly."
                )
                % {"n": int(settings.ACCESS_WAIT_SECONDS)}
            ) from None
        except Exception as exc:  # noqa: BLE001 - the region's task failed, or its backend
            log.warning("the %s region failed to answer for version %s: %r", queue, version.pk, exc)
            raise RegionUnavailable(
                _("The data region could not answer this query; nothing was metered.")
            ) from exc
    error = result.get("error")
    if error:
        if error["code"] == "invalid":
            raise QueryError(error["message"], path=error.get("path", ""))
        if error["code"] == "query_timeout":
            raise RegionTimeout(
                _("The query ran past its time limit; nothing was metered. Narrow it down.")
            )
        raise DatasetNotReady(
            _("This product's data cannot be queried at the moment; the exchange has been told.")
        )
    return result
