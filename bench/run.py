"""Benchmark harness (not part of `make test`): `make bench`, or `python bench/run.py <command>`.

scale: creates a PostgreSQL database (BENCH_DATABASE_URL, default dx_bench on 127.0.0.1),
migrates it, seeds an exchange's scale with COPY (`bench/seed.py`; `--scale 0.2` for a fifth),
serves it under gunicorn with the production settings and 2 workers and drives it with wrk in
interleaved rounds against a no-database ceiling view and /healthz (`bench/web.py`); writes
bench/results/latest.json and latest.md. `--before <commit>` measures that commit too, on the
same database, in the same session (its tree unpacked with `git archive`).

seed, prepare: the steps of `scale`, run in the tree being measured.

pii_scan: generates a CSV of --mb megabytes (default 200) with a realistic mix of cells —
numbers, dates, district names, and a sprinkling of valid phone numbers, e-mails and
checksum-valid IDs — then streams it through the technical check's PII scanner and reports
wall time, throughput, peak Python allocation (tracemalloc) and the process's peak RSS.
The target from the review-workflow issue: a 200 MB CSV scans in constant memory.
"""

import argparse
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compliance.checks.pii import scan_csv  # noqa: E402

DISTRICTS = ["Bukit Bintang", "KLCC", "Mid Valley", "Petaling Jaya", "Cheras", "Ampang"]


def _cn_id(rng: random.Random) -> str:
    birth = f"19{rng.randint(60, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"
    body = f"11010{rng.randint(1, 9)}{birth}{rng.randint(100, 999)}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def generate(path: Path, megabytes: int) -> int:
    rng = random.Random(42)  # noqa: S311 - reproducible benchmark data
    target = megabytes * 1024 * 1024
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("mall_code,district,date,visitors,dwell_minutes,note\n")
        written = 0
        while written < target:
            note = ""
            roll = rng.random()
            if roll < 0.001:
                note = f"call +60 12-{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            elif roll < 0.002:
                note = f"user{rng.randint(1, 99999)}@example.com"
            elif roll < 0.0025:
                note = _cn_id(rng)
            line = (
                f"M{rng.randint(0, 99):02d},{rng.choice(DISTRICTS)},2026-0{rng.randint(1, 9)}-1"
                f"{rng.randint(0, 9)},{rng.randint(0, 5000)},{rng.uniform(1, 90):.2f},{note}\n"
            )
            out.write(line)
            written += len(line)
            rows += 1
    return rows


def bench_pii(megabytes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        rows = generate(path, megabytes)
        size = path.stat().st_size
        tracemalloc.start()
        started = time.perf_counter()
        with path.open("rb") as handle:
            result = scan_csv(handle, max_findings=1000)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "benchmark": "pii_scan",
        "file_mb": round(size / 1024 / 1024, 1),
        "rows": rows,
        "rows_scanned": result.rows_scanned,
        "findings": result.total,
        "seconds": round(elapsed, 2),
        "mb_per_second": round(size / 1024 / 1024 / elapsed, 2),
        "peak_traced_mb": round(peak / 1024 / 1024, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dx_bench"


def pii_main(megabytes: int) -> None:
    report = bench_pii(megabytes)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"pii_scan-{megabytes}mb.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


def bench_env(database_url: str) -> dict:
    """The production settings (DEBUG off) on the bench database; rate limits off, since
    one client sends every request; tasks in-process (no broker is measured here)."""
    import os

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "RATELIMIT_ENABLE": "0",
        "CELERY_BROKER_URL": "",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "WARNING",
    }


def _create_database(database_url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed_main(scale: float) -> None:
    import django

    django.setup()
    from bench.seed import seed

    print(json.dumps(seed(scale)))


def prepare_main() -> None:
    from bench.web import prepare

    print(json.dumps(prepare()))


def _tree_of(commit: str, into: Path) -> Path:
    """The files of ``commit`` (read from the object store, no checkout), with this tree's
    bench/ so that the same harness measures it."""
    import shutil
    import subprocess

    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    shutil.rmtree(into / "bench", ignore_errors=True)
    shutil.copytree(ROOT / "bench", into / "bench", ignore=shutil.ignore_patterns("results"))
    return into


def scale_main(args) -> None:
    import subprocess

    env = bench_env(args.database_url)
    seeded = None
    if not args.reuse:
        _create_database(args.database_url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        done = subprocess.run(
            [sys.executable, "bench/run.py", "seed", "--scale", str(args.scale)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        seeded = json.loads(done.stdout.strip().splitlines()[-1])
        (RESULTS / "seed.json").write_text(json.dumps(seeded, indent=2))
    else:
        seeded = json.loads((RESULTS / "seed.json").read_text())
    from bench.web import measure

    report = {"seed": seeded, "rounds": args.rounds, "duration_s": args.duration, "runs": {}}
    trees = [("after", ROOT)]
    if args.before:
        trees.insert(0, ("before", _tree_of(args.before, Path(tempfile.mkdtemp()) / "before")))
        report["before_commit"] = args.before
    RESULTS.mkdir(exist_ok=True)
    report["runs"] = measure(trees, env, seeded, rounds=args.rounds, duration=args.duration)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    (RESULTS / "latest.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict) -> str:
    seed = report["seed"]
    lines = [
        "# Web bench (latest run)",
        "",
        f"Scale {seed['scale']}: {seed['products']:,} products, {seed['offers']:,} offers, "
        f"{seed['organisations']:,} organisations, {seed['licences']:,} licences "
        f"({seed['access_grants']:,} guardian rows), {seed['usage_records']:,} usage records; "
        f"seeded in {seed['seconds']} s. gunicorn, 2 workers, production settings; wrk, "
        f"4 connections, {report['rounds']} interleaved rounds of {report['duration_s']} s; "
        "median of the rounds.",
        "",
    ]
    for label, run in report["runs"].items():
        lines += [
            f"## {label}" + (f" ({report.get('before_commit')})" if label == "before" else ""),
            "",
            "| endpoint | rps | p50 ms | p95 ms | p99 ms | ratio to ceiling | queries | "
            "bytes | errors |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, r in run["endpoints"].items():
            lines.append(
                f"| {name} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                f"{r['ratio_to_ceiling']} | {r['queries']} | {r['bytes']} | {r['errors']} |"
            )
        rss = ", ".join(f"{v} MB" for v in run["peak_rss_mb_per_worker"].values())
        lines += ["", f"Peak RSS per worker: {rss}.", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    pii = commands.add_parser("pii_scan", help="the PII scanner over a generated CSV")
    pii.add_argument("--mb", type=int, default=200, help="size of the generated CSV")
    scale = commands.add_parser("scale", help="seed, serve under gunicorn, drive with wrk")
    scale.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 products")
    scale.add_argument("--database-url", default=DEFAULT_DB)
    scale.add_argument("--rounds", type=int, default=3)
    scale.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    scale.add_argument("--before", help="also measure this commit (e.g. main)")
    scale.add_argument("--reuse", action="store_true", help="keep the seeded database")
    seed = commands.add_parser("seed", help="seed the database of DATABASE_URL")
    seed.add_argument("--scale", type=float, default=1.0)
    commands.add_parser("prepare", help="sign-in, token and query counts (bench/web.py)")
    args = parser.parse_args()
    if args.command == "scale":
        scale_main(args)
    elif args.command == "seed":
        seed_main(args.scale)
    elif args.command == "prepare":
        prepare_main()
    else:
        pii_main(getattr(args, "mb", 200))


if __name__ == "__main__":
    main()
