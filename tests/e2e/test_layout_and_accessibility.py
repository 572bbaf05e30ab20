"""Every main page at phone and desktop widths without horizontal overflow, the top bar in
one row on a laptop, axe-core with no serious or critical violation, and the language
switch on a product page."""

import pytest

from compliance.services import cases
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    WIDE,
    horizontal_overflow,
    log_in,
    serious_violations,
    shot,
)
from tests.factories import (
    OrganizationFactory,
    add_offer,
    draft_product,
    grant_licence,
    licensed_query,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def exchange(django_capture_on_commit_callbacks):
    """A listed product with a long title and a wide sample, its provider with a long name,
    a buyer holding a licence that has answered a query, and a case in the legal queue."""
    provider_org = OrganizationFactory(
        jurisdiction="MY", legal_name="Bukit Bintang Malls Berhad (Kuala Lumpur Retail Division)"
    )
    provider = member_of(provider_org, email="aisyah@bbmalls.example")
    product = listed_product(
        provider_org,
        provider,
        title="Kuala Lumpur mall foot traffic by zone and hour, with dwell times",
    )
    buyer_org = OrganizationFactory(
        jurisdiction="CN", is_provider=False, legal_name="Shenzhen Lumina Robotics Co., Ltd."
    )
    buyer = member_of(buyer_org, email="lin.wei@lumina-robotics.example")
    licence, _ = grant_licence(product, buyer_org)
    licensed_query(licence, buyer, {"group_by": ["district"], "aggregates": [{"fn": "count"}]})
    pending = draft_product(provider_org, provider, title="Klang Valley EV charging sessions")
    add_offer(pending, provider, territories=["MY"])
    with django_capture_on_commit_callbacks(execute=True):
        cases.review_submit(version=pending.versions.get(), actor=provider)
    return {
        "product": product,
        "provider": provider,
        "buyer": buyer,
        "licence": licence,
        "reviewer": reviewer("legal_reviewer", email="legal@exchange.example"),
    }


def _pages(exchange) -> list[tuple[str, str, object]]:
    product, licence = exchange["product"], exchange["licence"]
    return [
        ("catalogue", "/catalogue/", None),
        ("product", f"/catalogue/p/{product.slug}/", exchange["buyer"]),
        ("dashboard", "/catalogue/dashboard/", exchange["provider"]),
        ("manage", f"/catalogue/dashboard/{product.slug}/", exchange["provider"]),
        ("usage", "/licences/granted/", exchange["provider"]),
        ("licence", f"/licences/{licence.pk}/", exchange["buyer"]),
        ("query-panel", f"/licences/{licence.pk}/try/", exchange["buyer"]),
        ("admin-queue", "/admin/compliance/legalqueue/", exchange["reviewer"]),
    ]


def _visit_all(open_page, exchange, viewport, check):
    pages = {}
    for name, path, user in _pages(exchange):
        if user not in pages:
            pages[user] = open_page(viewport)
            if user:
                log_in(pages[user], user)
        page = pages[user]
        page.goto(page.base + path)
        assert page.locator("h1").count(), f"{name}: no heading"
        check(name, page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP, WIDE], ids=["390", "1280", "1440"])
def test_no_page_is_wider_than_the_window(open_page, exchange, viewport):
    wider = {}

    def check(name, page):
        overflow = horizontal_overflow(page)
        if overflow:
            wider[name] = overflow
        shot(page, f"width-{viewport['width']}-{name}")

    _visit_all(open_page, exchange, viewport, check)
    assert wider == {}, f"pages wider than {viewport['width']} px (by px): {wider}"


def test_the_sample_table_scrolls_sideways_inside_the_page_on_a_phone(open_page, exchange):
    page = open_page(PHONE)
    page.goto(page.base + f"/catalogue/p/{exchange['product'].slug}/")
    region = page.locator("table.sample").locator("xpath=..")
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label")
    # Its content is wider than its box, and the box scrolls, not the page.
    sizes = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1]
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # The browser may scroll smoothly: wait (bounded) for the box to have moved.
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    assert region.evaluate("el => el.scrollLeft") > 0
    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize("viewport", [DESKTOP, WIDE], ids=["1280", "1440"])
def test_the_logged_in_top_bar_is_one_row_on_a_laptop(open_page, exchange, viewport):
    page = open_page(viewport)
    log_in(page, exchange["provider"])
    page.goto(page.base + "/catalogue/dashboard/")
    rows = page.evaluate(
        """() => {
          const items = [...document.querySelectorAll(
            '.topbar .brand, .mainnav a, .navtools select, .navtools .org-chip, .navtools button')];
          return items.filter(el => el.offsetParent !== null)
                      .map(el => Math.round(el.getBoundingClientRect().top / 20));
        }"""
    )
    assert len(rows) >= 8
    bar = page.locator(".topbar").bounding_box()
    assert bar["height"] < 70, f"the top bar is {bar['height']} px high"
    # No link overlaps the controls beside it.
    nav_right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.mainnav a')]"
        ".map(a => a.getBoundingClientRect().right))"
    )
    tools_left = page.locator(".navtools").bounding_box()["x"]
    assert nav_right <= tools_left


def test_axe_finds_no_serious_or_critical_violation(open_page, exchange):
    found = {}

    def check(name, page):
        problems = serious_violations(page)
        if problems:
            found[name] = problems

    _visit_all(open_page, exchange, DESKTOP, check)
    # The reviewer's case page, where findings are read and decisions written.
    page = open_page(DESKTOP)
    log_in(page, exchange["reviewer"])
    page.goto(page.base + "/admin/compliance/legalqueue/")
    with page.expect_navigation():
        page.locator("#result_list tbody tr a", has_text="Klang Valley").first.click()
    problems = serious_violations(page)
    if problems:
        found["admin-case"] = problems
    assert found == {}, found


def test_axe_on_the_phone_layout_of_the_product_and_case_pages(open_page, exchange):
    page = open_page(PHONE)
    log_in(page, exchange["buyer"])
    page.goto(page.base + f"/catalogue/p/{exchange['product'].slug}/")
    assert serious_violations(page) == []
    desk = open_page(PHONE)
    log_in(desk, exchange["reviewer"])
    desk.goto(desk.base + "/admin/compliance/legalqueue/")
    with desk.expect_navigation():
        desk.locator("#result_list tbody tr a", has_text="Klang Valley").first.click()
    assert horizontal_overflow(desk) == 0
    assert serious_violations(desk) == []
    shot(desk, "phone-admin-case")


def test_the_wizard_on_a_phone(open_page, exchange):
    from catalogue import services
    from tests.factories import category

    provider = exchange["provider"]
    draft = services.product_create(
        provider=provider.memberships.get().organization,
        actor=provider,
        title="KL mall loyalty visits",
        summary="Weekly visits by loyalty members.",
        category=category(),
        origin_jurisdiction="MY",
        tags=[],
    )
    page = open_page(PHONE)
    log_in(page, provider)
    page.goto(page.base + f"/catalogue/dashboard/{draft.slug}/v/1/wizard/")
    assert horizontal_overflow(page) == 0
    assert serious_violations(page) == []
    sample = b"mall,visits,contact\nPavilion,120,+60 12-345 6789\nSuria,90,\nMid Valley,150,\n"
    page.set_input_files(
        "#wizard-file", {"name": "loyalty.csv", "mimeType": "text/csv", "buffer": sample}
    )
    page.click("#wizard button[type=submit]")
    page.wait_for_selector("#wizard[data-step=confirm]")
    assert "+60 *******89" in page.locator(".pii-hint").inner_text()
    assert horizontal_overflow(page) == 0
    assert serious_violations(page) == []
    shot(page, "phone-wizard-confirm")


def test_the_language_switch_translates_the_product_page_and_keeps_it(open_page, exchange):
    page = open_page(DESKTOP)
    log_in(page, exchange["buyer"])
    page.goto(page.base + f"/catalogue/p/{exchange['product'].slug}/")
    path = page.url
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.url == path
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "目录" in page.locator("nav.mainnav").inner_text()
    assert "样本预览" in page.locator("main").inner_text() or "样本" in page.inner_text("main")
    shot(page, "language-zh-hans-product")
    with page.expect_navigation():
        page.select_option("#lang-select", "ms")
    assert page.locator("html").get_attribute("lang") == "ms"
    assert "Katalog" in page.locator("nav.mainnav").inner_text()
    shot(page, "language-ms-product")
    page.goto(page.base + "/catalogue/")
    assert "Katalog" in page.locator("nav.mainnav").inner_text()  # the choice is kept
