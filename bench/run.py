"""Benchmark harness (not part of `make test`): `make bench` or `python bench/run.py`.

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200, help="size of the generated CSV")
    args = parser.parse_args()
    report = bench_pii(args.mb)
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"pii_scan-{args.mb}mb.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
