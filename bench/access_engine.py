"""The access engine side by side with the old table engine: `make bench-access`, or

    .venv/bin/python bench/access_engine.py [--rows 1000000,10000000] [--rounds N] [--quick]

One run, on a database of its own (``dx_bench_access``, dropped and created, then migrated
and seeded with the demo) and a temporary media root (the data regions under it):

1. identical results: every demo product's dataset and a generated dataset (the first size
   of ``--rows``), a set of representative queries each, answered by the old table engine
   (``bench/legacy_table_engine.py``, PostgreSQL) and by DuckDB over Parquet (exact,
   ``licensing.regional.region_answer`` with ``plan=None``); every field the buyer sees must
   agree (floats after rounding to 6 dp). A mismatch is reported with its query and the
   script exits 1;
2. query latency p50/p95 at each size, on a generated dataset shaped like the demo "KL mall
   foot traffic" (seeded, deterministic), four typical queries in interleaved rounds: the old
   engine on PostgreSQL, DuckDB exact, DuckDB + OpenDP (the plan computed per query, as the
   service does), and the ceiling (``json.dumps`` of an answer already computed);
3. conversion: ``dataset_prepare`` (CSV to Parquet) timed in a child process, with its peak
   RSS; the old loader's time at the first size; a larger size is loaded into the old
   engine's table layout with PostgreSQL COPY instead of its loader (said so in the output);
4. the DP overhead at the first size: private against exact, p50/p95 and the ratio.

Results: ``bench/results/access_engine.json`` and ``.md`` (``--quick``, a smoke run at 1M
rows with few rounds, writes them to the system temporary directory unless ``--out`` says
otherwise). The machine is shared: compare ratios, not absolute figures, across runs.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "dx_bench_access"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SEED = 20260501
EPSILON = Decimal("0.5")
DELTA = 1e-7
DECIMALS = 6
ENGINES = ("legacy", "exact", "private", "ceiling")
ENGINE_NAMES = {
    "legacy": "old table engine (PostgreSQL)",
    "exact": "DuckDB over Parquet, exact",
    "private": "DuckDB + OpenDP (ε 0.5)",
    "ceiling": "ceiling: json.dumps of a stored answer",
}
STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", flush=True)


# --- environment ---------------------------------------------------------------------------------


def configure_environment(workdir: Path) -> None:
    """Everything the settings read, set before ``django.setup()`` (inherited by the child
    process that prepares a dataset)."""
    media = workdir / "media"
    regions = {
        "cn": {"jurisdictions": ["CN"], "root": str(media / "regions" / "cn")},
        "my": {"jurisdictions": ["MY"], "root": str(media / "regions" / "my")},
        "sg": {"jurisdictions": ["SG", "*"], "root": str(media / "regions" / "sg")},
    }
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
            "MEDIA_ROOT": str(media),
            "DATA_REGIONS": json.dumps(regions),
            "DEBUG": "1",  # seed_demo refuses to run without it
            "SECRET_KEY": "bench-access-engine-not-a-secret",
            "CELERY_BROKER_URL": "",  # tasks run in process
            "DATASET_MAX_BYTES": str(16 * 1024**3),
            # The default (100 s) would stop a slow preparation; the time is reported and
            # compared with the default instead.
            "DATASET_PREPARE_SECONDS": "3600",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def django_setup() -> None:
    import django

    django.setup()


# --- figures -------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * p
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 0.5), 4),
        "p95_ms": round(percentile(ms, 0.95), 4),
        "min_ms": round(min(ms), 4),
        "max_ms": round(max(ms), 4),
        "samples": len(ms),
    }


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def mb(n_bytes: int) -> float:
    return round(n_bytes / 1024 / 1024, 1)


# --- the generated dataset -----------------------------------------------------------------------

# Shaped like the demo's "KL mall foot traffic": one row per mall, zone and hour counted.
FOOTFALL_FIELDS = [
    {"name": "mall_code", "type": "string", "description": "Mall code", "identifier": True},
    {"name": "district", "type": "string", "description": "District"},
    {"name": "zone", "type": "string", "description": "Zone type"},
    {"name": "weekday", "type": "string", "description": "Day of week"},
    {"name": "hour", "type": "integer", "description": "Hour of day (local time)"},
    {"name": "visitors", "type": "integer", "description": "Visitors entering the zone"},
    {"name": "dwell_minutes", "type": "number", "description": "Mean dwell time", "unit": "min"},
    {"name": "cleaning_events", "type": "integer", "description": "Cleaning calls logged"},
]
MALLS = [  # code, district, share of the rows
    ("PAV", "Bukit Bintang", 1.6),
    ("L10", "Bukit Bintang", 0.8),
    ("FAH", "Bukit Bintang", 0.7),
    ("STH", "Bukit Bintang", 0.6),
    ("SUR", "KLCC", 1.5),
    ("AVK", "KLCC", 0.6),
    ("MVM", "Mid Valley", 1.6),
    ("GDN", "Mid Valley", 0.9),
    ("SWY", "Petaling Jaya", 1.5),
    ("1UT", "Petaling Jaya", 1.5),
    ("PJS", "Petaling Jaya", 0.7),
    ("PAR", "Petaling Jaya", 0.8),
    ("IOI", "Putrajaya", 1.2),
    ("ALM", "Putrajaya", 0.9),
    ("BSC", "Bangsar", 0.6),
    ("BVS", "Bangsar", 0.5),
    ("MYT", "Cheras", 0.8),
    ("SVM", "Cheras", 0.7),
    ("KPG", "Kepong", 0.3),
]
DISTRICTS = sorted({d for _, d, _ in MALLS})
ZONES = {  # visitors per hour at peak, mean dwell minutes, cleaning calls per 1,000 visitors
    "atrium": (420, 14.0, 4.0),
    "car_park_lift": (260, 3.0, 2.0),
    "electronics": (180, 22.0, 3.0),
    "entrance": (520, 5.0, 5.0),
    "fashion": (300, 26.0, 3.0),
    "food_court": (480, 38.0, 12.0),
}
WEEKDAYS = {"Mon": 0.8, "Tue": 0.8, "Wed": 0.85, "Thu": 0.9, "Fri": 1.0, "Sat": 1.35, "Sun": 1.3}
OPEN_HOURS = {10: 0.5, 11: 0.7, 12: 1.1, 13: 1.2, 14: 0.9, 15: 0.8, 16: 0.85, 17: 1.0, 18: 1.15}
OPEN_HOURS |= {19: 1.2, 20: 1.0, 21: 0.6}
# Rows per 100,000 for the hours outside opening (cleaning shifts): rare, so that at 1M rows
# their finer groups fall under k and at 10M they do not.
NIGHT_ROWS = dict.fromkeys(range(7), 3) | {7: 80, 8: 350, 9: 350, 22: 350, 23: 350}
NIGHT_FACTOR = dict.fromkeys(range(7), 0.03) | {7: 0.08, 8: 0.15, 9: 0.15, 22: 0.15, 23: 0.1}


def footfall_csv(path: Path, rows: int, seed: int = SEED) -> None:
    """A deterministic CSV: ``rows`` rows from ``random.Random(seed)``. About 1% of the dwell
    times are blank (sensor drop-outs), and car-park lifts record none outside opening
    hours (their dwell cells are suppressed where the group is large enough to show)."""
    rng = random.Random(seed)
    rnd = rng.random
    combos: list[tuple] = []  # weighted by mall size: (prefix, visitors, car park, zone)
    for (code, district, share), (zone, (peak, dwell, clean)), (
        day,
        day_factor,
    ) in itertools.product(MALLS, ZONES.items(), WEEKDAYS.items()):
        prefix = f"{code},{district},{zone},{day},"
        scale = peak * day_factor * share**0.5
        combos += [(prefix, scale, zone == "car_park_lift", dwell, clean / 1000)] * round(
            share * 10
        )
    hours: list[int] = []
    for hour, count in NIGHT_ROWS.items():
        hours += [hour] * count
    per_open = (100_000 - len(hours)) // len(OPEN_HOURS)
    for hour in OPEN_HOURS:
        hours += [hour] * per_open
    hours += [13] * (100_000 - len(hours))
    factor = OPEN_HOURS | NIGHT_FACTOR
    n_combos, n_hours = len(combos), len(hours)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(f["name"] for f in FOOTFALL_FIELDS) + "\n")
        lines: list[str] = []
        for _ in range(rows):
            prefix, scale, car_park, dwell, clean = combos[int(rnd() * n_combos)]
            hour = hours[int(rnd() * n_hours)]
            visitors = int(scale * factor[hour] * (0.6 + 0.8 * rnd()))
            night = hour < 10 or hour > 21
            if (car_park and night) or rnd() < 0.01:
                dwell_cell = ""
            else:
                dwell_cell = f"{dwell * (0.5 + rnd()):.1f}"
            events = min(10, int(visitors * clean * 2 * rnd()))
            lines.append(f"{prefix}{hour},{visitors},{dwell_cell},{events}\n")
            if len(lines) >= 50_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))


def footfall_privacy() -> dict:
    return {
        "mode": "dp",
        "unit": "",
        "epsilon_cap": 1000,
        "bounds": {
            "hour": [0, 23],
            "visitors": [0, 2000],
            "dwell_minutes": [0, 120],
            "cleaning_events": [0, 10],
        },
        "public_keys": {
            "district": DISTRICTS,
            "zone": sorted(ZONES),
            "weekday": list(WEEKDAYS),
            "hour": list(range(24)),
            "cleaning_events": list(range(11)),
        },
    }


# The typical queries of the latency benchmark: what a buyer of foot traffic asks (counts,
# sums and averages, so that the same query is answered privately too).
LATENCY_QUERIES = {
    "by_district": {
        "group_by": ["district"],
        "aggregates": [
            {"fn": "count"},
            {"fn": "sum", "column": "visitors"},
            {"fn": "avg", "column": "dwell_minutes"},
        ],
    },
    "zone_hour_two_districts": {
        "group_by": ["zone", "hour"],
        "aggregates": [{"fn": "count"}, {"fn": "avg", "column": "visitors"}],
        "filters": [{"column": "district", "op": "in", "value": ["Bukit Bintang", "KLCC"]}],
    },
    "lunch_top3_weekdays": {
        "group_by": ["weekday"],
        "aggregates": [{"fn": "sum", "column": "visitors"}],
        "filters": [{"column": "hour", "op": "between", "value": [12, 14]}],
        "order_by": [{"column": "sum_visitors", "direction": "desc"}],
        "limit": 3,
    },
    "food_court_weekend_total": {
        "aggregates": [
            {"fn": "count"},
            {"fn": "avg", "column": "dwell_minutes"},
            {"fn": "sum", "column": "cleaning_events"},
        ],
        "filters": [
            {"column": "zone", "op": "eq", "value": "food_court"},
            {"column": "weekday", "op": "in", "value": ["Sat", "Sun"]},
        ],
    },
}

# Extra identity queries on the generated dataset, aimed at its rare rows.
FOOTFALL_IDENTITY_QUERIES = {
    "night_zone_hour_small_groups": {
        "group_by": ["zone", "hour"],
        "aggregates": [
            {"fn": "count"},
            {"fn": "sum", "column": "visitors"},
            {"fn": "avg", "column": "dwell_minutes"},
        ],
        "filters": [{"column": "hour", "op": "between", "value": [0, 6]}],
    },
    "car_park_dwell_null_cells": {
        "group_by": ["zone", "hour"],
        "aggregates": [
            {"fn": "count"},
            {"fn": "count", "column": "dwell_minutes"},
            {"fn": "avg", "column": "dwell_minutes"},
            {"fn": "max", "column": "dwell_minutes"},
        ],
        "filters": [{"column": "hour", "op": "in", "value": [7, 8, 9, 22, 23]}],
    },
    "kepong_at_night_whole_set": {
        "aggregates": [{"fn": "count"}, {"fn": "avg", "column": "visitors"}],
        "filters": [
            {"column": "district", "op": "eq", "value": "Kepong"},
            {"column": "hour", "op": "between", "value": [0, 6]},
        ],
    },
    "two_malls_by_zone": {
        "group_by": ["zone"],
        "aggregates": [
            {"fn": "count"},
            {"fn": "count", "column": "mall_code"},
            {"fn": "min", "column": "visitors"},
            {"fn": "max", "column": "visitors"},
        ],
        "filters": [{"column": "mall_code", "op": "in", "value": ["PAV", "SUR"]}],
    },
    "dwell_between_by_zone_weekday": {
        "group_by": ["zone", "weekday"],
        "aggregates": [{"fn": "avg", "column": "visitors"}, {"fn": "sum", "column": "visitors"}],
        "filters": [{"column": "dwell_minutes", "op": "between", "value": [10.5, 20.25]}],
        "order_by": [{"column": "avg_visitors", "direction": "desc"}],
    },
    "every_key_truncated": {
        "group_by": ["district", "zone", "weekday", "hour", "cleaning_events"],
        "aggregates": [{"fn": "count"}, {"fn": "avg", "column": "dwell_minutes"}],
        "limit": 10000,
    },
    **{f"latency_{name}": spec for name, spec in LATENCY_QUERIES.items()},
}


# --- products ------------------------------------------------------------------------------------


def bench_provider():
    """The demo provider of the foot-traffic data, and its first admin."""
    from accounts.models import Organization

    provider = Organization.objects.get(slug="bukit-bintang-malls")
    actor = provider.memberships.filter(role="admin").order_by("created_at").first().user
    return provider, actor


def create_footfall_version(csv_path: Path, rows: int, *, upload: bool):
    """A draft product of the demo provider holding the generated CSV, made with the
    catalogue services. With ``upload``, the file goes through ``version_upload_dataset``
    (which validates every cell in Python, as for any provider); without, the file is
    moved straight into the version's dataset field in its region (the same name and
    fields the upload stores), sparing a large run several minutes of validation."""
    from django.core.files.uploadedfile import UploadedFile

    from catalogue import services as catalogue
    from catalogue.models import Category, ProductVersion
    from kernel.storage import unique_name

    provider, actor = bench_provider()
    product = catalogue.product_create(
        provider=provider,
        actor=actor,
        title=f"KL mall foot traffic, generated ({rows:,} rows)",
        summary="Generated for the access engine benchmark.",
        category=Category.objects.get(slug="built-environment-robotics"),
        origin_jurisdiction=provider.jurisdiction,
        tags=["benchmark"],
    )
    version = product.versions.get()
    catalogue.version_update(
        version=version,
        actor=actor,
        description="Generated rows shaped like the demo's foot traffic.",
        data_categories=["non_personal"],
        min_group_size=10,
        delivery_mode="query_api",
        schema={"fields": FOOTFALL_FIELDS},
        lawful_basis="Generated data.",
        rights_confirmed=True,
        privacy=footfall_privacy(),
    )
    started = time.perf_counter()
    size = csv_path.stat().st_size
    if upload:
        with csv_path.open("rb") as handle:
            uploaded = UploadedFile(handle, name="dataset.csv", content_type="text/csv", size=size)
            catalogue.version_upload_dataset(version=version, actor=actor, upload=uploaded)
        csv_path.unlink()
    else:
        field = version.dataset.field
        name = field.generate_filename(
            version, unique_name(f"{product.slug}-v{version.number}-dataset.csv")
        )
        target = Path(field.storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(csv_path, target)
        ProductVersion.objects.filter(pk=version.pk).update(
            dataset=name, dataset_rows=rows, dataset_bytes=size
        )
    upload_seconds = time.perf_counter() - started
    version.refresh_from_db()
    assert version.dataset_rows == rows, (version.dataset_rows, rows)
    return version, upload_seconds


def queue_without_running(version) -> None:
    """The version's dataset queued for preparation (the service's own transition), without
    the in-process task run that follows the commit when there is no broker: the child
    process does the preparation, so that it can be timed and its memory measured."""
    from unittest import mock

    from catalogue import services as catalogue
    from kernel.outbox import services as outbox

    with mock.patch.object(outbox, "dispatch", lambda *args, **kwargs: 0):
        catalogue.version_dataset_queue(version=version, actor=None)


def prepare_in_child(version, workdir: Path) -> dict:
    """``dataset_prepare`` in a fresh Python process: time and peak RSS."""
    from django.db import connections

    queue_without_running(version)
    connections.close_all()
    command = [sys.executable, __file__, "--prepare-child", str(version.pk)]
    command += ["--workdir", str(workdir)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the preparation child failed:\n{done.stdout}\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["wall_seconds_with_startup"] = round(wall, 2)
    report["rusage_children_max_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    version.refresh_from_db()
    if report["result"] != "ready" or version.dataset_state != "ready":
        raise RuntimeError(f"preparation of version {version.pk}: {report}")
    return report


def prepare_child_main(version_id: int) -> None:
    """Runs in the child process: the preparation, and what it cost."""
    from licensing.regional import dataset_prepare

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = dataset_prepare(version_id=version_id)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "result": result,
                "seconds": round(seconds, 3),
                "peak_rss_mb": round(peak / 1024, 1),
                "rss_before_mb": round(baseline / 1024, 1),
            }
        )
    )


def legacy_copy_load(version, csv_path: Path) -> float:
    """The old engine's table for ``version`` (same name, column types and indexes, same
    registry row, so ``ensure_dataset_table`` takes it as loaded), filled with COPY instead
    of the loader's batched INSERTs. Valid for the generated file, whose cells COPY reads
    as the loader would (no padding, blank only for missing)."""
    from django.db import connection, transaction

    from bench import legacy_table_engine as legacy

    table = legacy.dataset_table_name(version)
    fields = version.schema_fields()
    types = legacy.table_column_types()
    qn = connection.ops.quote_name
    started = time.perf_counter()
    with transaction.atomic():
        legacy._create_registry_if_missing()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {qn(table)}")
            columns = ", ".join(f"{qn(f['name'])} {types[f['type']]}" for f in fields)
            cursor.execute(f"CREATE TABLE {qn(table)} ({columns})")
            names = ", ".join(qn(f["name"]) for f in fields)
            copy_sql = f"COPY {qn(table)} ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)"
            with cursor.cursor.copy(copy_sql) as copy, csv_path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            for position, spec in enumerate(fields):
                if spec["type"] in legacy.INDEXED_TYPES:
                    index = qn(f"{table}_c{position}")
                    cursor.execute(f"CREATE INDEX {index} ON {qn(table)} ({qn(spec['name'])})")
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
            (rows,) = cursor.fetchone()
            registry = qn(legacy.REGISTRY_TABLE)
            cursor.execute(f"DELETE FROM {registry} WHERE {qn('version_id')} = %s", [version.pk])
            cursor.execute(
                f"INSERT INTO {registry} ({qn('version_id')}, {qn('table_name')}, {qn('rows')}, "
                f"{qn('fingerprint')}, {qn('loaded_at')}) VALUES (%s, %s, %s, %s, now())",
                [version.pk, table, rows, legacy._fingerprint(version)],
            )
    assert rows == version.dataset_rows, (rows, version.dataset_rows)
    return time.perf_counter() - started


def vacuum_analyze(version) -> float:
    """What autovacuum does to a freshly loaded table soon after: statistics and the
    visibility map (the loader itself does neither)."""
    from django.db import connection

    from bench import legacy_table_engine as legacy

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"VACUUM ANALYZE {connection.ops.quote_name(legacy.dataset_table_name(version))}"
        )
    return time.perf_counter() - started


# --- identical results ---------------------------------------------------------------------------


def parquet_path(version) -> str:
    return version.dataset_parquet.storage.path(version.dataset_parquet.name)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def generic_queries(version) -> dict[str, dict]:
    """At least twelve representative queries for a dataset, from its schema and a profile
    of its values (read with DuckDB straight from the Parquet file: bench tooling, not the
    engine under test): group-by on one, two and three keys; count, sum, avg, min, max;
    eq, in and between filters; order and limit; k-suppressed groups and cells; nothing."""
    import duckdb

    k = max(2, int(version.min_group_size))
    fields = version.schema_fields()
    con = duckdb.connect()
    source = "read_parquet('" + parquet_path(version).replace("'", "''") + "')"

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def one(sql: str, params: list | None = None):
        return con.execute(sql, params or []).fetchone()

    def rows(sql: str, params: list | None = None):
        return con.execute(sql, params or []).fetchall()

    total = one(f"SELECT COUNT(*) FROM {source}")[0]
    keys: list[tuple[int, str]] = []
    measures: list[str] = []
    dates: list[str] = []
    identifiers: list[str] = []
    for f in fields:
        name, kind = f["name"], f["type"]
        if f.get("identifier"):
            identifiers.append(name)
            continue
        if kind in ("integer", "number"):
            measures.append(name)
        if kind == "date":
            dates.append(name)
        if kind in ("string", "boolean", "date", "integer"):
            distinct = one(f"SELECT COUNT(DISTINCT {q(name)}) FROM {source}")[0]
            if 2 <= distinct <= 60:
                keys.append((distinct, name))
    keys.sort()
    key_names = [name for _, name in keys][:4]
    key_set = set(key_names)
    # Measures that are not group keys first (an hour is a key; visitors a measure).
    measures.sort(key=lambda m: m in key_set)
    queries: dict[str, dict] = {"count_everything": {}}
    if not key_names:
        key_names = []

    def top(name: str) -> list:
        return [
            _plain(v)
            for (v, _n) in rows(
                f"SELECT {q(name)}, COUNT(*) AS n FROM {source} WHERE {q(name)} IS NOT NULL "
                f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT 3"
            )
        ]

    m1 = measures[0] if measures else None
    m2 = measures[1] if len(measures) > 1 else m1
    k1 = key_names[0] if key_names else None
    k2 = key_names[1] if len(key_names) > 1 else None
    k3 = key_names[2] if len(key_names) > 2 else None
    if m1:
        queries["all_aggregates_no_group"] = {
            "aggregates": [{"fn": fn, "column": m1} for fn in ("count", "sum", "avg", "min", "max")]
        }
    if k1 and m1:
        queries["one_key_every_aggregate"] = {
            "group_by": [k1],
            "aggregates": [{"fn": "count"}]
            + [{"fn": fn, "column": m1} for fn in ("sum", "avg", "min", "max")],
        }
    if k1 and k2:
        aggregates = [{"fn": "count"}]
        if m2:
            aggregates += [{"fn": "avg", "column": m2}, {"fn": "sum", "column": m2}]
        queries["two_keys"] = {"group_by": [k1, k2], "aggregates": aggregates}
    if k1 and k2:
        queries["eq_filter"] = {
            "group_by": [k2],
            "aggregates": [{"fn": "count"}] + ([{"fn": "max", "column": m1}] if m1 else []),
            "filters": [{"column": k1, "op": "eq", "value": top(k1)[0]}],
        }
        queries["in_filter"] = {
            "group_by": [k1],
            "aggregates": [{"fn": "count"}] + ([{"fn": "avg", "column": m1}] if m1 else []),
            "filters": [{"column": k2, "op": "in", "value": top(k2)[:2]}],
        }
    if m1:
        low, high = (
            _plain(v)
            for v in one(
                f"SELECT quantile_disc({q(m1)}, 0.25), quantile_disc({q(m1)}, 0.75) FROM {source}"
            )
        )
        queries["between_filter"] = {
            "group_by": [k1] if k1 else [],
            "aggregates": [{"fn": "count"}, {"fn": "sum", "column": m2}],
            "filters": [{"column": m1, "op": "between", "value": [low, high]}],
        }
        highest = _plain(one(f"SELECT max({q(m1)}) FROM {source}")[0])
        queries["nothing_matches"] = {
            "group_by": [k1] if k1 else [],
            "aggregates": [{"fn": "count"}, {"fn": "avg", "column": m1}],
            "filters": [{"column": m1, "op": "between", "value": [highest + 1, highest + 2]}],
        }
    if k1 and m1:
        queries["order_desc_limit"] = {
            "group_by": [k1, k2] if k2 else [k1],
            "aggregates": [{"fn": "sum", "column": m1}, {"fn": "count"}],
            "order_by": [{"column": f"sum_{m1}", "direction": "desc"}],
            "limit": 3,
        }
        queries["order_avg_asc_limit"] = {
            "group_by": [k2 or k1],
            "aggregates": [{"fn": "avg", "column": m1, "as": "mean_value"}],
            "order_by": [{"column": "mean_value", "direction": "asc"}],
            "limit": 2,
        }
    # Groups under k: the finest combination of keys that has both small and shown groups.
    combos = [c for n in (2, 3, 4) for c in itertools.combinations(key_names, n)]
    fine = None
    for combo in combos:
        group = ", ".join(q(c) for c in combo)
        small, shown = one(
            f"SELECT COUNT(*) FILTER (WHERE n < ?), COUNT(*) FILTER (WHERE n >= ?) "
            f"FROM (SELECT COUNT(*) AS n FROM {source} GROUP BY {group})",
            [k, k],
        )
        if small and shown:
            fine = list(combo)
            break
    if fine is None and key_names:
        fine = key_names[: min(3, len(key_names))]
    if fine:
        queries["fine_groups_k_suppressed"] = {
            "group_by": fine,
            "aggregates": [{"fn": "count"}] + ([{"fn": "avg", "column": m1}] if m1 else []),
        }
    if k1 and k2 and k3:
        queries["three_keys_min_max"] = {
            "group_by": [k1, k2, k3],
            "aggregates": [{"fn": "count"}]
            + ([{"fn": "min", "column": m1}, {"fn": "max", "column": m2}] if m1 else []),
        }
    # A whole filtered set under k (no group-by): the rarest value of a key, or of a pair.
    small_filter = None
    for key in key_names:
        found = rows(
            f"SELECT {q(key)}, COUNT(*) AS n FROM {source} WHERE {q(key)} IS NOT NULL "
            f"GROUP BY 1 HAVING COUNT(*) < ? ORDER BY n, 1 LIMIT 1",
            [k],
        )
        if found:
            small_filter = [{"column": key, "op": "eq", "value": _plain(found[0][0])}]
            break
    if small_filter is None and k1 and k2:
        found = rows(
            f"SELECT {q(k1)}, {q(k2)}, COUNT(*) AS n FROM {source} WHERE {q(k1)} IS NOT NULL "
            f"AND {q(k2)} IS NOT NULL GROUP BY 1, 2 HAVING COUNT(*) < ? ORDER BY n, 1, 2 LIMIT 1",
            [k],
        )
        if found:
            small_filter = [
                {"column": k1, "op": "eq", "value": _plain(found[0][0])},
                {"column": k2, "op": "eq", "value": _plain(found[0][1])},
            ]
    if small_filter:
        queries["small_whole_set_suppressed"] = {
            "aggregates": [{"fn": "count"}] + ([{"fn": "sum", "column": m1}] if m1 else []),
            "filters": small_filter,
        }
    # Cells over fewer than k values: a column with blanks, per group.
    for column in [f["name"] for f in fields if not f.get("identifier")]:
        if one(f"SELECT COUNT(*) - COUNT({q(column)}) FROM {source}")[0] and k1:
            queries[f"count_of_{column}_cells"] = {
                "group_by": fine or [k1],
                "aggregates": [{"fn": "count"}, {"fn": "count", "column": column}],
            }
            break
    if identifiers:
        ident = identifiers[0]
        queries["identifier_counted_and_filtered"] = {
            "group_by": [k1] if k1 else [],
            "aggregates": [{"fn": "count"}, {"fn": "count", "column": ident}],
            "filters": [{"column": ident, "op": "in", "value": top(ident)[:2]}],
        }
    if dates:
        day = dates[0]
        low, mid = (
            _plain(v)
            for v in one(f"SELECT min({q(day)}), quantile_disc({q(day)}, 0.5) FROM {source}")
        )
        queries["date_min_max_between"] = {
            "group_by": [k1] if k1 and k1 != day else [],
            "aggregates": [
                {"fn": "count"},
                {"fn": "min", "column": day},
                {"fn": "max", "column": day, "as": "last_day"},
            ],
            "filters": [{"column": day, "op": "between", "value": [low, mid]}],
        }
    if key_names:
        queries["every_key_limit_5"] = {
            "group_by": key_names,
            "aggregates": [{"fn": "count"}],
            "limit": 5,
        }
    if k1 and isinstance(top(k1)[0], str):
        queries["string_nothing_matches"] = {
            "group_by": [k2] if k2 else [],
            "aggregates": [{"fn": "count"}],
            "filters": [{"column": k1, "op": "eq", "value": "no such value (bench)"}],
        }
    con.close()
    assert total >= 0
    return queries


def _normal(value: Any) -> Any:
    """A cell as a buyer compares it: floats to 6 dp, types kept apart (1 is not 1.0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", round(value, DECIMALS) + 0.0)
    return (type(value).__name__, value)


COMPARED = (
    "columns",
    "groups_returned",
    "groups_suppressed",
    "rows_matched",
    "truncated",
    "cells_suppressed",
    "min_group_size",
)


# Both engines round floats to 6 dp. A sum in another order can land a tie (…x5 in the 7th
# decimal) on the other side: such cells differ by exactly one unit in the last decimal. They
# are counted as agreeing, and counted apart (``ties``) so that the report says how many.
ONE_UNIT = 10**-DECIMALS * 1.000001


def _tie(x: Any, y: Any) -> bool:
    return x[0] == y[0] == "float" and x[1] != y[1] and abs(x[1] - y[1]) <= ONE_UNIT


def compare_answers(old: dict, new: dict, ties: list | None = None) -> list[dict]:
    """The differences between two answers, field by field and cell by cell; cells that
    differ by one unit in the last decimal go to ``ties`` instead."""
    differences = []
    for name in COMPARED:
        if old.get(name) != new.get(name):
            differences.append({"field": name, "old": old.get(name), "duckdb": new.get(name)})
    old_rows = [[_normal(v) for v in row] for row in old.get("rows", [])]
    new_rows = [[_normal(v) for v in row] for row in new.get("rows", [])]
    if len(old_rows) != len(new_rows):
        differences.append(
            {
                "field": "rows",
                "detail": f"{len(old_rows)} rows (old) against {len(new_rows)} (DuckDB)",
                "old_only": [r for r in old.get("rows", []) if r not in new.get("rows", [])][:5],
                "duckdb_only": [r for r in new.get("rows", []) if r not in old.get("rows", [])][:5],
            }
        )
        return differences
    cells = []
    for i, (a, b) in enumerate(zip(old_rows, new_rows, strict=True)):
        for j, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y and _tie(x, y) and ties is not None:
                ties.append({"row": i, "old": old["rows"][i][j], "duckdb": new["rows"][i][j]})
            elif x != y:
                cells.append(
                    {
                        "row": i,
                        "column": old.get("columns", [])[j],
                        "old": old["rows"][i][j],
                        "duckdb": new["rows"][i][j],
                    }
                )
    if cells:
        floats = all(isinstance(c["old"], float) and isinstance(c["duckdb"], float) for c in cells)
        worst = (
            max(
                abs(c["old"] - c["duckdb"]) / max(1.0, abs(c["old"]), abs(c["duckdb"]))
                for c in cells
            )
            if floats
            else None
        )
        differences.append(
            {
                "field": "rows",
                "detail": f"{len(cells)} cell(s) differ",
                "cells": cells[:8],
                "only_floats": floats,
                "max_relative_difference": worst,
                "kind": (
                    "last-digit difference after rounding (floating-point summation order)"
                    if floats and worst is not None and worst < 1e-9
                    else "different values"
                ),
            }
        )
    return differences


def legacy_answer(version, spec: dict) -> dict:
    from bench import legacy_table_engine as legacy
    from catalogue.models import ProductVersion

    fresh = ProductVersion.objects.select_related("product").get(pk=version.pk)
    return legacy.run_query(fresh, spec).to_dict()


def duck_answer(version, spec: dict, plan: dict | None = None) -> dict:
    from licensing.query import parse_query
    from licensing.regional import region_answer

    normalised = parse_query(spec, version.schema or {}).as_dict()
    return region_answer(version_id=version.pk, query=normalised, plan=plan)


def coverage_of(answer: dict) -> set[str]:
    seen = set()
    if answer.get("groups_suppressed"):
        seen.add("groups suppressed")
    if answer.get("cells_suppressed"):
        seen.add("cells suppressed")
    if not answer.get("rows"):
        seen.add("no rows")
    if answer.get("truncated"):
        seen.add("truncated")
    if answer.get("rows_matched") is None:
        seen.add("rows_matched withheld")
    return seen


def compare_dataset(label: str, version, queries: dict[str, dict]) -> dict:
    outcome = {
        "dataset": label,
        "version_id": version.pk,
        "rows": version.dataset_rows,
        "k": max(2, int(version.min_group_size)),
        "queries": len(queries),
        "query_specs": queries,
        "mismatches": [],
        "coverage": {},
        "last_digit_ties": [],
    }
    for name, spec in queries.items():
        try:
            old = legacy_answer(version, spec)
        except Exception as exc:  # noqa: BLE001 - an engine that fails is a finding too
            old = {"error": f"{type(exc).__name__}: {exc}"}
        new = duck_answer(version, spec)
        if "error" in old or "error" in new:
            differences = [{"field": "error", "old": old.get("error"), "duckdb": new.get("error")}]
        else:
            differences = compare_answers(old, new, outcome["last_digit_ties"])
            for what in coverage_of(new):
                outcome["coverage"][what] = outcome["coverage"].get(what, 0) + 1
        if differences:
            outcome["mismatches"].append(
                {"query_name": name, "query": spec, "differences": differences}
            )
    return outcome


def demo_versions() -> list[tuple[str, Any, str]]:
    """Every demo product's current version with a dataset, prepared for queries: the listed
    ones by the demo's own review, the others (still in review) here, in process."""
    from catalogue import services as catalogue
    from catalogue.models import DataProduct
    from marketplace.demo.catalogue import product_specs

    demo_slugs = [spec["slug"] for spec in product_specs()]
    found = []
    for product in DataProduct.objects.filter(slug__in=demo_slugs).order_by("slug"):
        version = product.versions.order_by("-number").first()
        if version is None or not version.dataset:
            continue
        how = "prepared when listed by seed_demo"
        if version.dataset_state != "ready":
            catalogue.version_dataset_queue(version=version, actor=None)  # runs in process
            version.refresh_from_db()
            how = f"in review ({version.state}); prepared by the benchmark"
        if version.dataset_state != "ready":
            raise RuntimeError(f"{product.slug}: dataset {version.dataset_state}")
        found.append((product.slug, version, how))
    return found


# --- latency -------------------------------------------------------------------------------------


def round_plan(sizes: list[int], rounds: int) -> dict[int, set[int]]:
    """The rounds each size is timed in: every round at the first size, every other round
    (spread over the run) at larger sizes, whose old-engine queries take seconds."""
    planned = {sizes[0]: set(range(rounds))}
    for rows in sizes[1:]:
        wanted = max(3, rounds // 2)
        planned[rows] = {round(i * rounds / wanted) for i in range(wanted)}
    return planned


def measure_latency(
    targets: list[tuple[int, Any]], rounds: int, planned: dict[int, set[int]]
) -> tuple[dict, list[dict]]:
    """Interleaved rounds: each round runs every query at every size timed in that round on
    every engine, the engines' order rotating from query to query and round to round. One
    warm-up round first (untimed): it fills the caches and gives the stored answer the
    ceiling serialises."""
    from catalogue.privacy import parse_declaration
    from licensing.privacy import plan
    from licensing.query import parse_query

    samples: dict[int, dict[str, dict[str, list[float]]]] = {}
    plan_seconds: dict[int, dict[str, list[float]]] = {}
    answer_seconds: dict[int, dict[str, list[float]]] = {}  # the private answer without plan()
    stored: dict[tuple[int, str], dict] = {}
    checks: list[dict] = []
    for rows, _version in targets:
        samples[rows] = {q: {e: [] for e in ENGINES} for q in LATENCY_QUERIES}
        plan_seconds[rows] = {q: [] for q in LATENCY_QUERIES}
        answer_seconds[rows] = {q: [] for q in LATENCY_QUERIES}

    def private(version, spec: dict, rows: int, name: str) -> dict:
        started = time.perf_counter()
        declaration = parse_declaration(
            version.privacy, version.schema_fields(), version.data_categories
        )
        parsed = parse_query(spec, version.schema or {})
        the_plan = plan(parsed, declaration, epsilon=EPSILON, delta=DELTA).as_dict()
        planned = time.perf_counter()
        plan_seconds[rows][name].append(planned - started)
        answer = duck_answer(version, spec, plan=the_plan)
        answer_seconds[rows][name].append(time.perf_counter() - planned)
        assert "error" not in answer, answer
        return answer

    say("latency: warm-up round (untimed)")
    for rows, version in targets:
        for name, spec in LATENCY_QUERIES.items():
            old = legacy_answer(version, spec)
            new = duck_answer(version, spec)
            private(version, spec, rows, name)
            stored[(rows, name)] = new
            ties: list = []
            differences = compare_answers(old, new, ties)
            checks.append(
                {
                    "dataset": f"generated {rows:,} rows",
                    "query_name": name,
                    "query": spec,
                    "differences": differences,
                    "last_digit_ties": ties,
                }
            )
        plan_seconds[rows] = {q: [] for q in LATENCY_QUERIES}
        answer_seconds[rows] = {q: [] for q in LATENCY_QUERIES}

    runs = {
        "legacy": lambda version, spec, rows, name: legacy_answer(version, spec),
        "exact": lambda version, spec, rows, name: duck_answer(version, spec),
        "private": private,
        "ceiling": lambda version, spec, rows, name: json.dumps(stored[(rows, name)]),
    }
    taken = dict.fromkeys(planned, 0)
    for round_no in range(rounds):
        round_started = time.perf_counter()
        for rows, version in targets:
            if round_no not in planned[rows]:
                continue
            taken[rows] += 1
            for position, (name, spec) in enumerate(LATENCY_QUERIES.items()):
                # Each engine takes each place in the order, query by query, round by round.
                turn = (taken[rows] + position) % len(ENGINES)
                order = ENGINES[turn:] + ENGINES[:turn]
                for engine in order:
                    started = time.perf_counter()
                    runs[engine](version, spec, rows, name)
                    samples[rows][name][engine].append(time.perf_counter() - started)
        say(f"latency: round {round_no + 1}/{rounds} in {time.perf_counter() - round_started:.1f}s")

    results: dict = {}
    for rows, _version in targets:
        per_query = {}
        for name, spec in LATENCY_QUERIES.items():
            figures = {e: summary_ms(samples[rows][name][e]) for e in ENGINES}
            figures["plan"] = summary_ms(plan_seconds[rows][name])
            figures["private_answer_only"] = summary_ms(answer_seconds[rows][name])
            p50 = {e: figures[e]["p50_ms"] for e in ENGINES}
            p95 = {e: figures[e]["p95_ms"] for e in ENGINES}
            per_query[name] = {
                "query": spec,
                "groups_returned": stored[(rows, name)]["groups_returned"],
                **figures,
                "ratios_p50": {
                    "old_over_exact": ratio(p50["legacy"], p50["exact"]),
                    "private_over_exact": ratio(p50["private"], p50["exact"]),
                    "exact_over_ceiling": ratio(p50["exact"], p50["ceiling"]),
                    "private_over_ceiling": ratio(p50["private"], p50["ceiling"]),
                    "old_over_ceiling": ratio(p50["legacy"], p50["ceiling"]),
                },
                "ratios_p95": {
                    "old_over_exact": ratio(p95["legacy"], p95["exact"]),
                    "private_over_exact": ratio(p95["private"], p95["exact"]),
                    "exact_over_ceiling": ratio(p95["exact"], p95["ceiling"]),
                },
            }
        results[str(rows)] = per_query
    return results, checks


# --- machine facts -------------------------------------------------------------------------------


def machine_facts() -> dict:
    import importlib.metadata as metadata

    import duckdb
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (pg_version,) = cursor.fetchone()
        pg_settings = {}
        for name in (
            "shared_buffers",
            "work_mem",
            "max_parallel_workers_per_gather",
            "effective_cache_size",
            "jit",
        ):
            cursor.execute(f"SHOW {name}")
            pg_settings[name] = cursor.fetchone()[0]
    memory = None
    try:
        with open("/proc/meminfo") as handle:
            memory = round(int(handle.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "memory_gb": memory,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "opendp": metadata.version("opendp"),
        "django": metadata.version("django"),
        "psycopg": metadata.version("psycopg"),
        "postgresql": pg_version.split(" on ")[0],
        "postgresql_settings": pg_settings,
        "access_query_threads": settings.ACCESS_QUERY_THREADS,
        "access_query_memory_limit": settings.ACCESS_QUERY_MEMORY_LIMIT,
    }


# --- the report ----------------------------------------------------------------------------------


def _fmt_ms(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.1f}"
    if value >= 0.01:
        return f"{value:.3f}"
    return f"{value:.4f}"


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}×"
    return f"{value:.2f}×" if value < 10 else f"{value:.1f}×"


def markdown_report(report: dict) -> str:
    m = report["machine"]
    pg_settings = ", ".join(f"{k} {v}" for k, v in m["postgresql_settings"].items())
    lines = [
        "# Access engine benchmark: DuckDB over Parquet against the old table engine",
        "",
        f"`{report['command']}` — {report['mode']} run, {m['date']}, "
        f"{report['total_seconds'] / 60:.1f} min.",
        "",
        f"Machine: {m['cores']} cores (shared with other work; load average "
        f"{', '.join(map(str, m['load_average_at_start']))} at start, "
        f"{', '.join(map(str, report['load_average_at_end']))} at end), {m['memory_gb']} GB; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, OpenDP {m['opendp']}, "
        f"{m['postgresql']} ({pg_settings}); "
        f"DuckDB per query: {m['access_query_threads']} threads, "
        f"{m['access_query_memory_limit']}. Figures are per call, in process, no HTTP. "
        "On a shared machine compare the ratios rather than the absolute times.",
        "",
    ]
    ident = report["identity"]
    verdict = (
        "**identical**"
        if ident["identical"]
        else f"**{ident['mismatched_queries']} mismatch(es)** (listed below)"
    )
    lines += [
        "## 1. Identical results",
        "",
        f"{ident['queries_compared']} queries compared on {len(ident['datasets'])} datasets "
        f"(the old table engine on PostgreSQL against DuckDB exact, `plan=None`; columns, "
        f"rows with floats rounded to {DECIMALS} dp, groups_returned, groups_suppressed, "
        f"rows_matched, truncated, cells_suppressed, min_group_size): {verdict}. "
        f"Plus the {ident['latency_checks']} latency queries at every size: "
        f"{'identical' if not ident['latency_mismatches'] else 'see below'}.",
        "",
        f"Counted as agreeing: {ident['last_digit_ties']} float cell(s) that differ by one unit "
        f"in the {DECIMALS}th decimal — a tie in the next decimal rounded the other way because "
        "the two engines add the floats in a different order (largest relative difference "
        f"{ident['largest_tie_difference']:.1e}).",
        "",
        "Columns 5–9: how many of the queries had groups suppressed, cells suppressed, no "
        "rows, a truncated result, rows_matched withheld (what the comparison exercised). "
        "Demo datasets marked * were still in review and were prepared by the benchmark.",
        "",
        "| dataset | rows | k | queries | groups suppressed | cells suppressed | no rows "
        "| truncated | rows_matched withheld | mismatches |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d in ident["datasets"]:
        c = d["coverage"]
        lines.append(
            f"| {d['dataset']}{' *' if 'in review' in d.get('prepared', '') else ''} "
            f"| {d['rows']:,} | {d['k']} | {d['queries']} "
            f"| {c.get('groups suppressed', 0)} | {c.get('cells suppressed', 0)} "
            f"| {c.get('no rows', 0)} | {c.get('truncated', 0)} "
            f"| {c.get('rows_matched withheld', 0)} | {len(d['mismatches'])} |"
        )
    all_mismatches = [(d["dataset"], mm) for d in ident["datasets"] for mm in d["mismatches"]] + [
        (c["dataset"], c) for c in ident["latency_mismatches"]
    ]
    if all_mismatches:
        lines += ["", "### Mismatches", ""]
        for dataset, mm in all_mismatches:
            lines.append(f"- **{dataset}**, `{mm['query_name']}`: `{json.dumps(mm['query'])}`")
            for diff in mm["differences"]:
                lines.append(f"  - {json.dumps(diff, default=str)}")
    lines.append("")

    lines += ["## 2. Query latency", ""]
    lat = report["latency"]
    lines.append(
        f"{report['rounds']} interleaved rounds after one warm-up round ("
        + ", ".join(f"{int(r):,} rows in {n}" for r, n in report["rounds_per_size"].items())
        + "); milliseconds per "
        "call, p50 / p95. Old engine: `run_query` (two SQL statements on the loaded table); "
        "DuckDB exact: `region_answer(plan=None)`; DuckDB + DP: `plan()` (OpenDP calibration, "
        "as the service does per query) + `region_answer(plan=…)`; ceiling: `json.dumps` of "
        "the answer already computed."
    )
    if report["conversion"].get("legacy_copy"):
        sizes = ", ".join(f"{int(r):,}" for r in report["conversion"]["legacy_copy"])
        lines.append(
            f"At {sizes} rows the old engine's table was filled with PostgreSQL COPY (same "
            "table layout, indexes and registry row) instead of its slow loader."
        )
    lines.append(
        "Every old-engine table was `VACUUM ANALYZE`d after loading (what autovacuum does soon "
        "after a load; the loader itself does not)."
    )
    lines += [
        "",
        "| rows | query | old engine | DuckDB exact | DuckDB + DP | ceiling |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for rows, per_query in lat.items():
        for name, f in per_query.items():
            cells = [f"{_fmt_ms(f[e]['p50_ms'])} / {_fmt_ms(f[e]['p95_ms'])}" for e in ENGINES]
            lines.append(f"| {int(rows):,} | {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Ratios (p50):",
        "",
        "| rows | query | old ÷ DuckDB exact | DP ÷ exact | DuckDB exact ÷ ceiling "
        "| DuckDB + DP ÷ ceiling | old ÷ ceiling |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for rows, per_query in lat.items():
        for name, f in per_query.items():
            r = f["ratios_p50"]
            lines.append(
                f"| {int(rows):,} | {name} | {_fmt_ratio(r['old_over_exact'])} "
                f"| {_fmt_ratio(r['private_over_exact'])} | {_fmt_ratio(r['exact_over_ceiling'])} "
                f"| {_fmt_ratio(r['private_over_ceiling'])} | {_fmt_ratio(r['old_over_ceiling'])} |"
            )
    lines.append("")
    for rows, s in report["latency_summary"].items():
        lines.append(
            f"At {int(rows):,} rows, geometric mean over the queries (p50): old engine "
            f"{_fmt_ratio(s['old_over_exact'])} DuckDB exact; "
            f"DP {_fmt_ratio(s['private_over_exact'])} exact; "
            f"DuckDB exact {_fmt_ratio(s['exact_over_ceiling'])} the ceiling."
        )
    lines.append("")

    conv = report["conversion"]
    lines += [
        "## 3. Conversion",
        "",
        "`dataset_prepare` (CSV → typed Parquet, SHA-256, stored in the region), run in a "
        "child process; peak RSS is that process's (Python, Django and DuckDB), RSS before "
        "the preparation in brackets.",
        "",
        "| rows | CSV | Parquet | dataset_prepare | per million rows | peak RSS (before) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, p in conv["prepare"].items():
        lines.append(
            f"| {int(rows):,} | {p['csv_mb']} MB | {p['parquet_mb']} MB | {p['seconds']:.1f} s "
            f"| {p['seconds_per_million']:.1f} s | {p['peak_rss_mb']:.0f} MB "
            f"({p['rss_before_mb']:.0f} MB) |"
        )
    slow = [r for r, p in conv["prepare"].items() if p["seconds"] > conv["prepare_default_limit_s"]]
    if slow:
        lines.append(
            f"\nThe preparation at {', '.join(f'{int(r):,}' for r in slow)} rows took longer "
            f"than the default DATASET_PREPARE_SECONDS ({conv['prepare_default_limit_s']:.0f} s): "
            "it would have been stopped."
        )
    lines += [
        "",
        "| old engine | rows | time | per million rows |",
        "|---|---:|---:|---:|",
    ]
    for rows, p in conv["legacy_loader"].items():
        lines.append(
            f"| loader (`ensure_dataset_table`, batched INSERTs) | {int(rows):,} "
            f"| {p['seconds']:.1f} s | {p['seconds_per_million']:.1f} s |"
        )
    for rows, p in conv.get("legacy_copy", {}).items():
        lines.append(
            f"| PostgreSQL COPY + indexes (benchmark shortcut, not the loader) | {int(rows):,} "
            f"| {p['seconds']:.1f} s | {p['seconds_per_million']:.1f} s |"
        )
    for rows, p in conv["legacy_loader"].items():
        if str(rows) in conv["prepare"]:
            prep = conv["prepare"][str(rows)]["seconds"]
            lines.append(
                f"\nAt {int(rows):,} rows the old loader took "
                f"{_fmt_ratio(ratio(p['seconds'], prep))} the time of `dataset_prepare`."
            )
    lines.append(
        "\nFor reference, the upload through `version_upload_dataset` (every cell validated "
        "in Python, then stored): "
        + ", ".join(
            f"{int(r):,} rows {u['seconds']:.1f} s"
            for r, u in conv["upload"].items()
            if u["how"].startswith("version_upload_dataset")
        )
        + ". Larger generated files were moved into the version's dataset field instead "
        "(same file, validation skipped)."
    )
    lines.append("")

    dp_ = report["dp_overhead"]
    lines += [
        f"## 4. DP overhead at {int(dp_['rows']):,} rows",
        "",
        "Private = `plan()` (OpenDP calibration of the noise for the query, ε 0.5, δ 1e-7) + "
        "`region_answer(plan=…)` (bounded SQL in DuckDB, OpenDP noise); the last columns "
        "split it.",
        "",
        "| query | exact p50 / p95 | private p50 / p95 | private ÷ exact p50 / p95 "
        "| plan() p50 / p95 | private answer without plan() p50 / p95 | that ÷ exact p50 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in dp_["queries"].items():
        lines.append(
            f"| {name} | {_fmt_ms(f['exact_p50_ms'])} / {_fmt_ms(f['exact_p95_ms'])} "
            f"| {_fmt_ms(f['private_p50_ms'])} / {_fmt_ms(f['private_p95_ms'])} "
            f"| {_fmt_ratio(f['ratio_p50'])} / {_fmt_ratio(f['ratio_p95'])} "
            f"| {_fmt_ms(f['plan_p50_ms'])} / {_fmt_ms(f['plan_p95_ms'])} "
            f"| {_fmt_ms(f['answer_only_p50_ms'])} / {_fmt_ms(f['answer_only_p95_ms'])} "
            f"| {_fmt_ratio(f['answer_only_ratio_p50'])} |"
        )
    lines += [
        "",
        f"Geometric mean of the ratios: {_fmt_ratio(dp_['geomean_ratio_p50'])} at p50, "
        f"{_fmt_ratio(dp_['geomean_ratio_p95'])} at p95; without plan(), "
        f"{_fmt_ratio(dp_['geomean_answer_only_ratio_p50'])} at p50.",
        "",
        "## Phases",
        "",
        "| phase | seconds |",
        "|---|---:|",
    ]
    for phase, seconds in report["phases"].items():
        lines.append(f"| {phase} | {seconds:.1f} |")
    lines.append("")
    return "\n".join(lines)


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v]
    if not values:
        return None
    product = 1.0
    for v in values:
        product *= v
    return round(product ** (1 / len(values)), 2)


# --- the run -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", help="dataset sizes, comma-separated (default 1000000,10000000)")
    parser.add_argument(
        "--rounds",
        type=int,
        help="timed rounds at the first size (default 12, quick 5); larger sizes get half",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run at 1M rows")
    parser.add_argument("--out", help="directory for access_engine.json and .md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary media root")
    parser.add_argument("--prepare-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.prepare_child:
        configure_environment(Path(args.workdir))
        django_setup()
        prepare_child_main(args.prepare_child)
        return 0

    sizes = [
        int(r) for r in (args.rows or ("1000000" if args.quick else "1000000,10000000")).split(",")
    ]
    rounds = args.rounds or (5 if args.quick else 12)
    planned = round_plan(sizes, rounds)
    out_dir = (
        Path(args.out)
        if args.out
        else (Path(tempfile.gettempdir()) if args.quick else ROOT / "bench" / "results")
    )
    command = "bench/access_engine.py " + " ".join(sys.argv[1:])
    workdir = Path(tempfile.mkdtemp(prefix="dx-bench-access-"))
    phases: dict[str, float] = {}

    def phase(name: str, started: float) -> None:
        phases[name] = round(time.perf_counter() - started, 1)

    say(f"sizes {sizes}, {rounds} rounds, media root {workdir}, database {DB_NAME}")
    configure_environment(workdir)
    started = time.perf_counter()
    recreate_database()
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    phase("create and migrate the database", started)
    say("database migrated")
    machine = machine_facts()

    started = time.perf_counter()
    seed_out = io.StringIO()
    call_command("seed_demo", stdout=seed_out)
    phase("seed_demo", started)
    # seed_demo needs DEBUG; the measurements do not want every SQL statement logged.
    from django.conf import settings

    settings.DEBUG = False
    say("demo seeded: " + seed_out.getvalue().splitlines()[0])

    from bench import legacy_table_engine as legacy

    # The generated datasets: CSV, upload, preparation (child process), old engine's table.
    generated: dict[int, dict] = {}
    conversion: dict[str, Any] = {
        "prepare": {},
        "legacy_loader": {},
        "legacy_copy": {},
        "upload": {},
        "prepare_default_limit_s": 100.0,
    }
    versions: dict[int, Any] = {}
    identity_datasets = []
    latency_checks: list[dict] = []
    try:
        for index, rows in enumerate(sizes):
            started = time.perf_counter()
            csv_path = workdir / f"footfall-{rows}.csv"
            footfall_csv(csv_path, rows)
            csv_bytes = csv_path.stat().st_size
            phase(f"generate {rows:,} rows", started)
            say(
                f"generated {rows:,} rows ({mb(csv_bytes)} MB) "
                f"in {phases[f'generate {rows:,} rows']} s"
            )
            started = time.perf_counter()
            # The first size goes through the upload service; larger ones are moved in.
            through_service = index == 0
            version, upload_seconds = create_footfall_version(
                csv_path, rows, upload=through_service
            )
            phase(f"upload {rows:,} rows", started)
            conversion["upload"][str(rows)] = {
                "seconds": round(upload_seconds, 2),
                "how": "version_upload_dataset (validates every cell)"
                if through_service
                else "moved into the region storage (validation skipped)",
            }
            say(
                f"uploaded through the catalogue service in {upload_seconds:.1f} s"
                if through_service
                else "CSV moved into the version's dataset field (upload validation skipped)"
            )
            stored_csv = Path(version.dataset.storage.path(version.dataset.name))
            started = time.perf_counter()
            child = prepare_in_child(version, workdir)
            phase(f"dataset_prepare {rows:,} rows", started)
            version.refresh_from_db()
            parquet_bytes = Path(parquet_path(version)).stat().st_size
            conversion["prepare"][str(rows)] = {
                **child,
                "csv_mb": mb(csv_bytes),
                "parquet_mb": mb(parquet_bytes),
                "seconds_per_million": round(child["seconds"] / (rows / 1e6), 2),
            }
            say(
                f"dataset_prepare: {child['seconds']:.1f} s, peak RSS {child['peak_rss_mb']} MB "
                f"(before {child['rss_before_mb']} MB), Parquet {mb(parquet_bytes)} MB"
            )
            started = time.perf_counter()
            if index == 0:
                loaded = time.perf_counter()
                legacy.ensure_dataset_table(version)
                seconds = time.perf_counter() - loaded
                conversion["legacy_loader"][str(rows)] = {
                    "seconds": round(seconds, 2),
                    "seconds_per_million": round(seconds / (rows / 1e6), 2),
                }
                say(f"old engine's loader: {seconds:.1f} s for {rows:,} rows")
            else:
                seconds = legacy_copy_load(version, stored_csv)
                conversion["legacy_copy"][str(rows)] = {
                    "seconds": round(seconds, 2),
                    "seconds_per_million": round(seconds / (rows / 1e6), 2),
                }
                say(
                    f"old engine's table filled with PostgreSQL COPY (not its loader): "
                    f"{seconds:.1f} s for {rows:,} rows"
                )
            vacuum = vacuum_analyze(version)
            phase(f"old engine load {rows:,} rows", started)
            say(f"VACUUM ANALYZE of the old engine's table: {vacuum:.1f} s")
            versions[rows] = version
            generated[rows] = {"version_id": version.pk}

            if index == 0:
                started = time.perf_counter()
                say("identical results: demo datasets")
                for slug, demo_version, how in demo_versions():
                    queries = generic_queries(demo_version)
                    outcome = compare_dataset(slug, demo_version, queries)
                    outcome["prepared"] = how
                    identity_datasets.append(outcome)
                    state = (
                        "ok"
                        if not outcome["mismatches"]
                        else f"{len(outcome['mismatches'])} MISMATCH"
                    )
                    say(f"  {slug}: {outcome['queries']} queries, {state}")
                say(f"identical results: generated {rows:,} rows")
                queries = {**generic_queries(version), **FOOTFALL_IDENTITY_QUERIES}
                outcome = compare_dataset(
                    f"generated foot traffic ({rows:,} rows)", version, queries
                )
                outcome["prepared"] = "generated; prepared by the benchmark"
                identity_datasets.append(outcome)
                state = (
                    "ok" if not outcome["mismatches"] else f"{len(outcome['mismatches'])} MISMATCH"
                )
                say(f"  generated: {outcome['queries']} queries, {state}")
                phase("identical results", started)

        started = time.perf_counter()
        targets = [(rows, versions[rows]) for rows in sizes]
        latency, latency_checks = measure_latency(targets, rounds, planned)
        phase("latency rounds", started)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    summary = {}
    for rows, per_query in latency.items():
        summary[rows] = {
            key: geomean([f["ratios_p50"][key] for f in per_query.values()])
            for key in ("old_over_exact", "private_over_exact", "exact_over_ceiling")
        }
    first = str(sizes[0])
    dp_queries = {}
    for name, f in latency[first].items():
        dp_queries[name] = {
            "exact_p50_ms": f["exact"]["p50_ms"],
            "exact_p95_ms": f["exact"]["p95_ms"],
            "private_p50_ms": f["private"]["p50_ms"],
            "private_p95_ms": f["private"]["p95_ms"],
            "plan_p50_ms": f["plan"]["p50_ms"],
            "plan_p95_ms": f["plan"]["p95_ms"],
            "answer_only_p50_ms": f["private_answer_only"]["p50_ms"],
            "answer_only_p95_ms": f["private_answer_only"]["p95_ms"],
            "answer_only_ratio_p50": ratio(
                f["private_answer_only"]["p50_ms"], f["exact"]["p50_ms"]
            ),
            "ratio_p50": ratio(f["private"]["p50_ms"], f["exact"]["p50_ms"]),
            "ratio_p95": ratio(f["private"]["p95_ms"], f["exact"]["p95_ms"]),
        }
    latency_mismatches = [c for c in latency_checks if c["differences"]]
    all_ties = [t for d in identity_datasets for t in d["last_digit_ties"]] + [
        t for c in latency_checks for t in c["last_digit_ties"]
    ]
    mismatched = sum(len(d["mismatches"]) for d in identity_datasets)
    report = {
        "benchmark": "access_engine",
        "command": command.strip(),
        "mode": "quick" if args.quick else "full",
        "sizes": sizes,
        "rounds": rounds,
        "rounds_per_size": {str(rows): len(r) for rows, r in planned.items()},
        "seed": SEED,
        "machine": machine,
        "identity": {
            "queries_compared": sum(d["queries"] for d in identity_datasets),
            "mismatched_queries": mismatched,
            "identical": mismatched == 0,
            "latency_checks": len(latency_checks),
            "last_digit_ties": len(all_ties),
            "largest_tie_difference": max(
                (abs(t["old"] - t["duckdb"]) / max(1.0, abs(t["old"])) for t in all_ties),
                default=0.0,
            ),
            "tie_cells": all_ties[:20],
            "latency_mismatches": latency_mismatches,
            "datasets": identity_datasets,
        },
        "latency": latency,
        "latency_summary": summary,
        "conversion": conversion,
        "dp_overhead": {
            "rows": sizes[0],
            "epsilon": str(EPSILON),
            "delta": DELTA,
            "queries": dp_queries,
            "geomean_ratio_p50": geomean([q["ratio_p50"] for q in dp_queries.values()]),
            "geomean_ratio_p95": geomean([q["ratio_p95"] for q in dp_queries.values()]),
            "geomean_answer_only_ratio_p50": geomean(
                [q["answer_only_ratio_p50"] for q in dp_queries.values()]
            ),
        },
        "phases": phases,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "total_seconds": round(time.perf_counter() - STARTED, 1),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "access_engine.json"
    md_path = out_dir / "access_engine.md"
    json_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown_report(report), encoding="utf-8")
    say(f"wrote {json_path} and {md_path}")
    print(md_path.read_text(encoding="utf-8"))
    if mismatched or latency_mismatches:
        say(
            f"MISMATCH between the engines: {mismatched} identity queries, "
            f"{len(latency_mismatches)} latency queries (see the report)"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
