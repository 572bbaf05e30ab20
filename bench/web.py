"""The web bench: the portal under gunicorn (production settings, 2 workers) driven by wrk in
interleaved rounds, each endpoint against the ceiling (a no-database view with a body of the
same size) and /healthz measured in the same session.

`prepare` runs inside the tree being measured (this one, or an older commit unpacked by
`bench/run.py scale --before`): it signs the bench buyer in, makes an API token, picks the
products, and counts the queries of one request to each endpoint.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PORT = 8712


def endpoints(handles: dict) -> list[dict]:
    slug = handles["slug"]
    auth_cookie = {"Cookie": f"sessionid={handles['session']}"}
    bearer = {"Authorization": f"Bearer {handles['token']}"}
    return [
        {"name": "healthz", "path": "/healthz"},
        {
            "name": "api_list_search_2_facets",
            "path": "/api/v1/products/?q=Kuala%20Lumpur&category="
            + handles["category"]
            + "&origin=MY&page_size=50",
        },
        {
            "name": "api_list_2_facets",
            "path": f"/api/v1/products/?category={handles['category']}&origin=MY&page_size=50",
        },
        {"name": "html_catalogue_search", "path": "/catalogue/?q=Penang"},
        {"name": "html_product", "path": f"/catalogue/p/{slug}/"},
        {"name": "api_product", "path": f"/api/v1/products/{slug}/"},
        {"name": "html_licences", "path": "/licences/", "headers": auth_cookie},
        {"name": "api_licences", "path": "/api/v1/licences/", "headers": bearer},
    ]


def prepare() -> dict:
    """Inside the measured tree, with its Django settings: sign-in, token, query counts."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Organization, User
    from accounts.services import api_token_create
    from catalogue.models import Category, DataProduct

    handles = json.loads(os.environ["BENCH_HANDLES"])
    user = User.objects.get(pk=handles["bench_buyer_user"])
    org = Organization.objects.get(pk=handles["bench_buyer"])
    client = Client()
    client.force_login(user)
    name = f"bench {time.time():.0f}"  # a new token each run (names are unique per user)
    _token, raw = api_token_create(user=user, organization=org, name=name)
    product = DataProduct.objects.listed().filter(origin_jurisdiction="MY").order_by("pk").first()
    category = Category.objects.filter(products__origin_jurisdiction="MY").first()
    out = {
        **handles,
        "session": client.cookies["sessionid"].value,
        "token": raw,
        "slug": product.slug,
        "category": category.slug,
        "queries": {},
        "status": {},
    }
    for endpoint in endpoints(out):
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in endpoint.get("headers", {}).items()
            if k != "Cookie"
        }
        use = client if "Cookie" in endpoint.get("headers", {}) else Client()
        use.get(endpoint["path"], **headers)  # a token's first use is a write; not counted
        with CaptureQueriesContext(connection) as captured:
            response = use.get(endpoint["path"], **headers)
        out["queries"][endpoint["name"]] = len(captured.captured_queries)
        out["status"][endpoint["name"]] = response.status_code
    return out


def _wrk(url: str, headers: dict, duration: int, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s"]
    command += ["-s", str(HERE / "wrk_report.lua")]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("JSON "))
    return json.loads(line[5:])


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _get(url: str, headers: dict | None = None, timeout: float = 120) -> bytes:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _drain(base: str) -> None:
    """Waits until both workers are idle: wrk stops the clock with requests still in flight,
    and a slow endpoint's leftovers must not be charged to the next run."""
    from concurrent.futures import ThreadPoolExecutor

    def timed(_n):
        started = time.perf_counter()
        _get(base + "/healthz")
        return time.perf_counter() - started

    deadline = time.monotonic() + 180
    with ThreadPoolExecutor(2) as pool:
        while time.monotonic() < deadline:
            if max(pool.map(timed, range(2))) < 0.25:
                return
            time.sleep(0.2)


def _serve(tree: Path, env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "marketplace.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(tree),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=tree,
        env=env,
    )
    for _ in range(200):
        try:
            _get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def measure(trees: list, env: dict, handles: dict, *, rounds: int, duration: int) -> dict:
    """Serves every tree at once (one gunicorn each, 2 workers) and runs the rounds
    interleaved: each endpoint on each tree in turn, then the next endpoint, so that the
    machine's noise falls on all of them alike. Only the server being driven works."""
    sides = []
    try:
        for number, (label, tree) in enumerate(trees):
            tree_env = {**env, "BENCH_HANDLES": json.dumps(handles), "PYTHONPATH": str(tree)}
            prepared = subprocess.run(
                [sys.executable, str(tree / "bench" / "run.py"), "prepare"],
                cwd=tree,
                env=tree_env,
                capture_output=True,
                text=True,
            )
            if prepared.returncode != 0:
                raise RuntimeError(prepared.stderr[-3000:])
            side_handles = json.loads(prepared.stdout.strip().splitlines()[-1])
            port = PORT + number
            side = {
                "label": label,
                "handles": side_handles,
                "base": f"http://127.0.0.1:{port}",
                "server": _serve(tree, tree_env, port),
            }
            targets = endpoints(side_handles)
            side["sizes"] = {
                t["name"]: len(_get(side["base"] + t["path"], t.get("headers"))) for t in targets
            }
            ceiling_bytes = side["sizes"]["api_list_search_2_facets"]
            side["targets"] = [
                {"name": "ceiling", "path": f"/bench/ceiling?bytes={ceiling_bytes}"},
                *targets,
            ]
            side["sizes"]["ceiling"] = ceiling_bytes
            side["runs"] = {t["name"]: [] for t in side["targets"]}
            sides.append(side)
        for number in range(rounds):
            for index in range(len(sides[0]["targets"])):
                for side in sides:
                    t = side["targets"][index]
                    _drain(side["base"])
                    result = _wrk(side["base"] + t["path"], t.get("headers", {}), duration, 4)
                    side["runs"][t["name"]].append(result)
                    sys.stderr.write(
                        f"round {number + 1}/{rounds} {side['label']:<7}{t['name']:<26} "
                        f"{result['rps']:>8.1f} rps p50 {result['p50'] / 1000:>8.1f} ms\n"
                    )
        for side in sides:
            side["rss"] = {str(pid): _peak_rss_mb(pid) for pid in _workers(side["server"].pid)}
    finally:
        for side in sides:
            side["server"].send_signal(signal.SIGTERM)
        for side in sides:
            side["server"].wait(timeout=180)
    return {side["label"]: _summary(side) for side in sides}


def _summary(side: dict) -> dict:
    runs, handles = side["runs"], side["handles"]
    ceiling_rps = statistics.median(r["rps"] for r in runs["ceiling"])
    table = {}
    for name, results in runs.items():
        rps = statistics.median(r["rps"] for r in results)
        table[name] = {
            "rps": round(rps, 1),
            "p50_ms": round(statistics.median(r["p50"] for r in results) / 1000, 1),
            "p95_ms": round(statistics.median(r["p95"] for r in results) / 1000, 1),
            "p99_ms": round(statistics.median(r["p99"] for r in results) / 1000, 1),
            "ratio_to_ceiling": round(rps / ceiling_rps, 4) if ceiling_rps else None,
            "errors": sum(r["errors"] for r in results),
            "bytes": side["sizes"][name],
            "queries": handles["queries"].get(name, 0),
            "status": handles["status"].get(name, 200),
        }
    return {"endpoints": table, "peak_rss_mb_per_worker": side["rss"]}
