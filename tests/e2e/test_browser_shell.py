"""A newcomer in a real browser: sign up, see the limits, switch language, browse, log in."""

import pytest

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, OrganizationFactory, listed_product, member_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_sign_up_and_the_translated_shell(page):
    page.goto(page.base + "/")
    assert page.locator("nav.mainnav").is_visible()
    page.click("text=Sign up")
    page.fill("#id_full_name", "Wong Mei Ling")
    page.fill("#id_email", "meiling@penang-analytics.example")
    page.fill("#id_password", "a-quite-long-passphrase-88")
    page.fill("#id_legal_name", "Penang Analytics Sdn. Bhd.")
    page.select_option("#id_jurisdiction", "MY")
    page.fill("#id_registration_number", "202401055555")
    page.select_option("#id_role", "both")
    page.check("#id_accept_terms")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/organisations/**")
    assert "awaiting verification" in page.locator(".banner").inner_text()
    assert page.locator("h1").inner_text().startswith("Penang Analytics Sdn. Bhd.")
    shot(page, "signed-up-pending")

    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    nav = page.locator("nav.mainnav").inner_text()
    assert "目录" in nav and "我的机构" in nav
    shot(page, "shell-zh-hans")
    with page.expect_navigation():
        page.select_option("#lang-select", "ms")
    assert "Katalog" in page.locator("nav.mainnav").inner_text()
    with page.expect_navigation():
        page.select_option("#lang-select", "en")

    with page.expect_navigation():
        page.click("text=Log out")
    assert page.locator("text=Log in").first.is_visible()


def test_buyer_logs_in_and_browses_a_listed_product(page):
    product = listed_product(title="Port Klang container dwell times")
    buyer_org = OrganizationFactory(jurisdiction="CN", is_provider=False)
    buyer = member_of(buyer_org, email="buyer@lumina.example")

    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", buyer.email)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(page.base + "/")
    page.click("nav.mainnav >> text=Catalogue")
    page.fill("#q", "port klang")
    with page.expect_navigation():
        page.press("#q", "Enter")
    page.click(f"text={product.title}")
    page.wait_for_url(f"**/catalogue/p/{product.slug}/")
    assert page.locator("h1").inner_text().startswith(product.title)
    assert page.locator(".offer").count() == 1
    assert page.locator("table.sample tbody tr").count() == 10
    shot(page, "product-page")
