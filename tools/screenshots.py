"""Regenerates docs/screenshots/: the main pages at phone and desktop width, in three languages.

    python tools/screenshots.py                 # a fresh demo database and server of its own
    python tools/screenshots.py --base-url URL  # an already running, seeded development server

By default it migrates a throw-away SQLite database, loads the demo data (``seed_demo``),
serves it on a free local port, logs in as the demo users and saves one PNG per page, width
and language (``<page>-<lang>-<width>.png``). It also prints the pages whose content is wider
than the window (horizontal overflow), which is a layout bug at any width.

Debian's Chromium drives it (``/usr/bin/chromium``), as in the browser tests.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# seed_demo's password (settings.DEMO_PASSWORD; seed_demo runs only with DEBUG on).
PASSWORD = os.environ.get("DEMO_PASSWORD", "exchange-demo-2026")  # noqa: S105
LANGUAGES = ("en", "zh-hans", "ms")
WIDTHS = {"phone": (390, 844), "desktop": (1440, 900)}

BUYER = "lin.wei@lumina-robotics.example"
PROVIDER = "aisyah@bbmalls.example"
REVIEWER = "legal@exchange.example"

# What the script asks the demo database for, printed as JSON by `manage.py shell`.
IDS_SCRIPT = """
import json
from accounts.models import User
from catalogue import services
from catalogue.models import Category, DataProduct
from compliance.models import StageReview
from licensing.models import Licence
active = Licence.objects.filter(status="active", buyer__memberships__user__email="%(buyer)s")
stage = StageReview.objects.filter(stage="legal", status="awaiting_decision").first()
owner = User.objects.get(email="%(provider)s")
org = owner.memberships.first().organization
draft = DataProduct.objects.filter(provider=org, title="KL mall loyalty visits").first()
if draft is None:
    draft = services.product_create(
        provider=org, actor=owner, title="KL mall loyalty visits",
        summary="Weekly visits by loyalty members per mall.",
        category=Category.objects.get(slug="retail-consumer"), origin_jurisdiction="MY", tags=[])
print(json.dumps({
    "draft": draft.slug,
    "licence": active.order_by("pk").values_list("pk", flat=True).first(),
    "stage": stage.pk if stage else None,
}))
"""


# The sample the wizard reads in the screenshots (one e-mail address: a personal-data hint).
SAMPLE = (
    b"mall,visit_week,visits,contact\n"
    b"Pavilion,2026-W40,120,siti.hajar@example.com\nPavilion,2026-W41,130,\n"
    b"Suria,2026-W40,90,\nSuria,2026-W41,95,\nMid Valley,2026-W40,150,\n"
)


def pages(ids: dict) -> list[tuple[str, str | None, str]]:
    """(name, who is logged in, path) of each page shown in the README."""
    listed = "kl-mall-foot-traffic"
    found = [
        ("catalogue", None, "/catalogue/?origin=MY"),
        ("product", BUYER, f"/catalogue/p/{listed}/"),
        ("dashboard", PROVIDER, "/catalogue/dashboard/"),
        ("manage", PROVIDER, f"/catalogue/dashboard/{listed}/"),
        ("usage", PROVIDER, "/licences/granted/"),
    ]
    found.append(("wizard", PROVIDER, f"/catalogue/dashboard/{ids['draft']}/v/1/wizard/"))
    found.append(("wizard-confirm", PROVIDER, f"/catalogue/dashboard/{ids['draft']}/v/1/wizard/"))
    if ids.get("licence"):
        found.append(("licence", BUYER, f"/licences/{ids['licence']}/"))
        found.append(("query-panel", BUYER, f"/licences/{ids['licence']}/try/"))
    found.append(("admin-queue", REVIEWER, "/admin/compliance/legalqueue/"))
    if ids.get("stage"):
        found.append(("admin-stage", REVIEWER, f"/admin/compliance/legalqueue/{ids['stage']}/"))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a local URL)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def demo_ids(env: dict) -> dict:
    out = manage(env, "shell", "-c", IDS_SCRIPT % {"buyer": BUYER, "provider": PROVIDER})
    return json.loads(out.strip().splitlines()[-1])


def log_in(context, base: str, email: str) -> None:
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    page.close()


def shoot(base: str, out: Path, ids: dict, languages, widths, only=None) -> list[str]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    overflowing = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for lang in languages:
            for width_name in widths:
                width, height = WIDTHS[width_name]
                contexts = {}
                for name, user, path in pages(ids):
                    if only and name not in only:
                        continue
                    if user not in contexts:
                        context = browser.new_context(
                            viewport={"width": width, "height": height}, locale="en-GB"
                        )
                        context.add_cookies(
                            [{"name": "django_language", "value": lang, "url": base}]
                        )
                        if user:
                            log_in(context, base, user)
                        contexts[user] = context
                    page = contexts[user].new_page()
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    if name == "wizard-confirm":
                        page.set_input_files(
                            "#wizard-file",
                            {"name": "loyalty.csv", "mimeType": "text/csv", "buffer": SAMPLE},
                        )
                        page.click("#wizard button[type=submit]")
                        page.wait_for_selector("#wizard[data-step=confirm]")
                    scroll = page.evaluate(
                        "[document.scrollingElement.scrollWidth, window.innerWidth]"
                    )
                    if scroll[0] > scroll[1]:
                        overflowing.append(f"{name} {lang} {width}: {scroll[0]} > {scroll[1]}")
                    page.screenshot(
                        path=str(out / f"{name}-{lang}-{width_name}.png"), full_page=True
                    )
                    page.close()
                for context in contexts.values():
                    context.close()
        browser.close()
    return overflowing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="an already running, seeded development server")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--widths", default=",".join(WIDTHS))
    parser.add_argument("--pages", help="only these pages (comma-separated names)")
    args = parser.parse_args()
    languages = args.languages.split(",")
    widths = args.widths.split(",")
    env = {**os.environ, "DEBUG": "1", "CELERY_BROKER_URL": ""}
    server = None
    with tempfile.TemporaryDirectory(prefix="dx-screenshots-") as tmp:
        if args.base_url:
            base = args.base_url.rstrip("/")
        else:
            env.update(
                DATABASE_URL=f"sqlite:///{tmp}/demo.sqlite3",
                MEDIA_ROOT=f"{tmp}/media",
                DATA_REGIONS="",
            )
            env.pop("DATA_REGIONS")
            print("Loading the demo data into a throw-away database …", flush=True)
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            wait_for(base + "/healthz")
            ids = demo_ids(env)
            only = set(args.pages.split(",")) if args.pages else None
            overflowing = shoot(base, Path(args.out), ids, languages, widths, only)
        finally:
            if server:
                server.terminate()
                server.wait(timeout=20)
    print(f"Saved the screenshots in {args.out}")
    if overflowing:
        print("Wider than the window:\n  " + "\n  ".join(overflowing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
