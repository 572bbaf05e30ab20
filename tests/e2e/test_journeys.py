"""The four journeys in a real browser, each saving screenshots as the suite's artefacts:
browse and filter; a provider lists a product through the three-stage review; the buyer
requests, is licensed, queries and is cut off after revocation."""

import re

import pytest

from catalogue.models import DataProduct
from compliance.models import StageReview
from licensing.models import Licence
from tests.e2e.conftest import log_in, shot
from tests.factories import (
    OrganizationFactory,
    category,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _titles(page) -> list[str]:
    return sorted(page.locator(".product-card h3").all_inner_texts())


def test_browse_and_filter_and_the_filtered_address_reopens_the_same_view(page, open_page):
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls Berhad")
    shipper = OrganizationFactory(jurisdiction="SG", legal_name="Merlion Insights Pte. Ltd.")
    listed_product(provider, title="KL mall foot traffic", category=category("retail-consumer"))
    listed_product(
        shipper, title="Singapore basket composition", category=category("retail-consumer")
    )
    listed_product(
        provider, title="Port Klang dwell times", category=category("mobility-logistics")
    )

    page.goto(page.base + "/catalogue/")
    assert len(_titles(page)) == 3
    with page.expect_navigation():
        page.click(".facet a:has-text('Retail & consumer')")
    assert _titles(page) == ["KL mall foot traffic", "Singapore basket composition"]
    with page.expect_navigation():
        page.click(".facet a:has-text('Malaysia')")
    assert _titles(page) == ["KL mall foot traffic"]
    assert "category=retail-consumer" in page.url and "origin=MY" in page.url
    shot(page, "journey1-filtered")

    again = open_page()
    again.goto(page.url)
    assert _titles(again) == ["KL mall foot traffic"]
    selected = again.locator(".facet a.selected").all_inner_texts()
    assert any("Retail & consumer" in s for s in selected)
    assert any("Malaysia" in s for s in selected)
    shot(again, "journey1-reopened")


LOYALTY_SAMPLE = (
    "mall,visit_week,visits,contact\n"
    + "".join(
        f"{mall},2026-W{week:02d},{visits},{contact}\n"
        for mall, week, visits, contact in [
            ("Pavilion", 40, 120, "siti.hajar@example.com"),
            ("Pavilion", 41, 130, ""),
            ("Suria", 40, 90, ""),
            ("Suria", 41, 95, ""),
            ("Mid Valley", 40, 150, ""),
            ("Mid Valley", 41, 160, ""),
        ]
    )
).encode()


def _claim_and_open(page, queue: str, title: str):
    page.goto(page.base + f"/admin/compliance/{queue}/")
    row = page.locator("#result_list tbody tr", has_text=title)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "claim")
    with page.expect_navigation():
        page.click("button[name=index]")
    with page.expect_navigation():
        page.locator("#result_list tbody tr", has_text=title).locator("a", has_text=title).click()


def _approve(page, override: str = "") -> None:
    if page.locator("#id_override_note").count():
        page.fill("#id_override_note", override)
    with page.expect_navigation():
        page.click("button[name=decision][value=approved]")


def test_a_provider_lists_a_product_through_the_three_stage_review(page, open_page):
    org = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls Berhad")
    owner = member_of(org, email="aisyah@bbmalls.example")
    log_in(page, owner)

    page.goto(page.base + "/catalogue/dashboard/new/")
    page.fill("#id_title", "KL mall loyalty visits")
    page.fill("#id_summary", "Weekly visits by loyalty members per mall.")
    page.select_option("#id_category", label="Retail & consumer")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("h1").inner_text().startswith("KL mall loyalty visits")

    # The wizard: the sample first, the schema suggested from it.
    with page.expect_navigation():
        page.click("text=Start from the sample CSV")
    page.set_input_files(
        "#wizard-file", {"name": "loyalty.csv", "mimeType": "text/csv", "buffer": LOYALTY_SAMPLE}
    )
    page.click("text=Read the file")
    page.wait_for_selector("#wizard[data-step=confirm]")
    assert page.locator("select[name=col-2-type]").input_value() == "integer"
    hints = page.locator(".pii-hint").all_inner_texts()
    assert any("s***@example.com" in h for h in hints)
    assert "siti.hajar@example.com" not in page.content()
    # The chosen file is kept for the confirmation: no second file dialog.
    assert page.locator(".wizard-kept").is_visible()
    page.fill("input[name=col-0-description]", "Mall name")
    shot(page, "journey2-wizard-confirm")
    with page.expect_navigation():
        page.click("text=Confirm the schema and upload the sample")
    assert "Schema saved and sample uploaded: 6 rows" in page.locator(".messages").inner_text()
    shot(page, "journey2-schema-from-sample")

    with page.expect_navigation():
        page.click("text=Edit version")
    page.fill("#id_description", "Weekly **loyalty visits** for three KL malls.")
    page.check("#id_data_categories_0")  # non-personal, although the sample says otherwise
    page.select_option("#id_delivery_mode", "insight_report")
    page.fill("#id_lawful_basis", "Visits counted by our own loyalty programme.")
    page.check("#id_rights_confirmed")
    with page.expect_navigation():
        page.click("text=Save version")

    with page.expect_navigation():
        page.click("text=Add an offer")
    page.fill("#id_name", "Standard")
    page.fill("#id_price", "1200")
    page.locator("#id_purposes label", has_text="Market research").click()
    page.locator("#id_territories label", has_text="Malaysia").click()
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator(".checklist").count() == 0, page.locator(".checklist").inner_text()
    with page.expect_navigation():
        page.click("text=Submit for review")
    assert "submitted for review" in page.locator(".messages").inner_text()
    shot(page, "journey2-submitted")
    product = DataProduct.objects.get(title="KL mall loyalty visits")

    legal = open_page()
    log_in(legal, reviewer("legal_reviewer", email="legal@exchange.example"))
    _claim_and_open(legal, "legalqueue", product.title)
    shot(legal, "journey2-legal-case")
    _approve(legal, override="Declarations checked by hand against the loyalty terms.")

    technical_reviewer = reviewer("technical_reviewer", email="technical@exchange.example")
    technical = open_page()
    log_in(technical, technical_reviewer)
    _claim_and_open(technical, "technicalqueue", product.title)
    findings = technical.locator(".case-box", has_text="Findings").inner_text()
    assert "s***@example.com" in findings  # masked, as the scanner stores it
    assert "siti.hajar@example.com" not in technical.content()
    shot(technical, "journey2-technical-masked-pii")
    reason = "The only address is the operator's own published contact; removed in v2."
    _approve(technical, override=reason)
    stage = StageReview.objects.get(case__product=product, stage="technical")
    assert stage.status == "approved" and stage.override_note == reason
    assert stage.assignee == technical_reviewer

    compliance = open_page()
    log_in(compliance, reviewer("compliance_reviewer", email="compliance@exchange.example"))
    _claim_and_open(compliance, "compliancequeue", product.title)
    _approve(compliance, override="Transfers within Malaysia only.")
    shot(compliance, "journey2-compliance-approved")

    page.goto(page.base + f"/catalogue/dashboard/{product.slug}/")
    assert "Listed" in page.locator("h1").inner_text()
    shot(page, "journey2-listed")
    page.goto(page.base + "/catalogue/?q=loyalty")
    assert "KL mall loyalty visits" in _titles(page)


def test_the_buyer_is_licensed_queries_and_is_cut_off_after_revocation(page, open_page):
    provider_org = OrganizationFactory(jurisdiction="MY", legal_name="KL Footfall Sdn. Bhd.")
    provider = member_of(provider_org, email="aisyah@bbmalls.example")
    product = listed_product(provider_org, provider, title="KL mall foot traffic by hour")
    buyer_org = OrganizationFactory(
        jurisdiction="CN", is_provider=False, legal_name="Shenzhen Lumina Robotics Co., Ltd."
    )
    buyer = member_of(buyer_org, email="lin.wei@lumina-robotics.example")

    log_in(page, buyer)
    page.goto(page.base + f"/catalogue/p/{product.slug}/")
    with page.expect_navigation():
        page.locator("a:has-text('Request a licence')").first.click()
    page.select_option("#id_purpose", label="Market research")
    page.select_option("#id_processing_jurisdiction", "CN")
    page.fill("#id_message", "For our cleaning robots' route planning.")
    page.check("#id_accept_terms")
    shot(page, "journey3-request-form")
    with page.expect_navigation():
        page.click("button:has-text('Send the request')")
    # Assessed at once: the transfer from Malaysia to China needs no mechanism here.
    assert page.locator("[data-decision]").first.get_attribute("data-decision") == "allow"
    shot(page, "journey3-request-assessed")

    seller = open_page()
    log_in(seller, provider)
    seller.goto(seller.base + "/licences/incoming/?status=open")
    with seller.expect_navigation():
        seller.locator("tr", has_text="Shenzhen Lumina Robotics").locator("a").first.click()
    with seller.expect_navigation():
        seller.click("text=Approve and grant the licence")
    licence = Licence.objects.get(buyer=buyer_org)
    assert licence.status == "active"

    page.goto(page.base + f"/licences/{licence.pk}/")
    shot(page, "journey3-licence")
    page.goto(page.base + f"/catalogue/p/{product.slug}/")
    page.select_option("#try-query #id_purpose", label="Market research")
    page.select_option("#try-query #id_jurisdiction", "CN")
    page.select_option("#try-query #id_group_by", "district")
    with page.expect_navigation():
        page.click("text=Run the query")
    result = page.locator("table").last.inner_text()
    assert "KLCC" in result
    shot(page, "journey3-query-answer")

    seller.goto(seller.base + "/licences/granted/")
    row = seller.locator(f"#licence-{licence.pk}")
    row.locator("summary").click()
    row.locator("textarea").fill("Breach of the onward-transfer clause.")
    with seller.expect_navigation():
        row.locator("button:has-text('Revoke')").click()
    licence.refresh_from_db()
    assert licence.status == "revoked"

    # The buyer's next "Run the query", from the page still open.
    with page.expect_navigation():
        page.click("text=Run the query")
    text = page.locator("main").inner_text()
    assert not re.fullmatch(r"\s*Not found\.?\s*", text)
    assert page.locator("h1").inner_text().strip() not in ("Not found", "Not Found")
    assert "Breach of the onward-transfer clause." in text
    assert "revoked" in text.lower()
    shot(page, "journey3-after-revocation")
