"""Playwright driving Debian's Chromium against a live test server."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Screenshots are the browser suite's artefacts: artifacts/e2e/ (ignored by git), or where
# E2E_ARTIFACTS points (CI may keep that folder after the run).
SCREENSHOTS = Path(
    os.environ.get("E2E_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDE = {"width": 1440, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("Debian's chromium is missing (make test installs it as root)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API refuses to run inside a running asyncio loop; Django's async
    # safety check must also allow the ORM in this thread while the browser waits.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def new_page(browser, live_server, viewport=None):
    """A page in a context of its own (its own cookies: one person per context)."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    return page


@pytest.fixture
def page(browser, live_server):
    page = new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def open_page(browser, live_server):
    """Opens more pages (another person, another width); all are closed at the end."""
    opened = []

    def _open(viewport=None):
        page = new_page(browser, live_server, viewport)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.context.close()


def log_in(page, user, password=None) -> None:
    from tests.factories import PASSWORD

    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", password or PASSWORD)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: none)."""
    return page.evaluate("Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
