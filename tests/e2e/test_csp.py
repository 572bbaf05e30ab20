"""The Content-Security-Policy in a real browser: the main pages, the admin and Swagger UI
load and work with zero CSP violations (reported by the browser as events and as console
errors)."""

import pytest

from tests.factories import PASSWORD, OrganizationFactory, listed_product, member_of, reviewer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# Registered before any page script runs (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page) -> list[str]:
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    return console


def _visit(page, path: str, console: list[str]) -> None:
    response = page.goto(page.base + path)
    assert response.status == 200, (path, response.status)
    assert (
        "'unsafe-inline'"
        not in response.headers["content-security-policy"]
        .split("script-src", 1)[1]
        .split(";", 1)[0]
    )
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], (path, violations)
    assert console == [], (path, console)


def _log_in(page, email: str, path: str = "/accounts/login/") -> None:
    page.goto(page.base + path)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], form button[type=submit]")


def test_site_pages_run_without_csp_violations(page):
    provider = OrganizationFactory(jurisdiction="MY")
    owner = member_of(provider, email="owner@bukit-malls.example")
    product = listed_product(provider, owner, title="Kuala Lumpur mall footfall")
    console = _watch(page)

    _visit(page, "/", console)
    _visit(page, "/catalogue/", console)
    # The sort menu submits through the site's script, not an inline handler.
    with page.expect_navigation():
        page.select_option("#sort", index=1)
    assert "sort=" in page.url
    _visit(page, f"/catalogue/p/{product.slug}/", console)

    _log_in(page, owner.email)
    _visit(page, "/catalogue/dashboard/", console)
    _visit(page, f"/catalogue/dashboard/{product.slug}/", console)
    # The language menu works under the policy too.
    with page.expect_navigation():
        page.select_option("#lang-select", "ms")
    assert "Katalog" in page.locator("nav.mainnav").inner_text()
    assert page.evaluate("window.__cspViolations") == [] and console == []


def test_admin_and_swagger_ui_run_without_csp_violations(page):
    staff = reviewer("exchange_admin", email="ops@exchange.example")
    listed_product(title="Port Klang container dwell times")
    console = _watch(page)

    _log_in(page, staff.email, "/admin/login/?next=/admin/")
    _visit(page, "/admin/", console)
    _visit(page, "/admin/accounts/user/", console)
    _visit(page, f"/admin/accounts/user/{staff.pk}/change/", console)
    _visit(page, "/admin/catalogue/dataproduct/", console)

    _visit(page, "/api/docs/", console)
    # Swagger UI rendered the operations from the schema (its scripts ran).
    page.wait_for_selector(".opblock-tag", timeout=20000)
    assert page.locator(".opblock").count() > 20
    assert page.evaluate("window.__cspViolations") == [] and console == []
