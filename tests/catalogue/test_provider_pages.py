"""Provider profile pages, provider names as links, and "Free" for a zero price."""

import pytest
from django.urls import reverse

from tests.factories import OrganizationFactory, listed_product, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    org = OrganizationFactory(
        jurisdiction="MY",
        legal_name="KL Footfall Sdn. Bhd.",
        slug="kl-footfall",
        registration_number="202001012345",
        website="https://klfootfall.example",
    )
    return org, member_of(org)


def test_provider_page_says_who_they_are_and_lists_their_products(client, provider):
    product = listed_product(*provider, title="KL mall foot traffic by hour")
    draft = listed_product(*provider, title="Penang port dwell times")
    draft.status = "suspended"
    draft.save(update_fields=["status"])
    page = client.get("/catalogue/providers/kl-footfall/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<h1>KL Footfall Sdn. Bhd.</h1>" in body
    assert "Data provider registered in Malaysia" in body
    assert "202001012345" in body
    assert "Verified by the exchange" in body
    assert "https://klfootfall.example" in body
    assert "1 listed product" in body
    assert reverse("catalogue:product", args=[product.slug]) in body
    assert "Penang port dwell times" not in body


def test_provider_names_link_to_the_provider_page(client, provider):
    product = listed_product(*provider)
    link = 'href="/catalogue/providers/kl-footfall/"'
    assert link in client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert link in client.get(reverse("catalogue:list")).content.decode()


def test_unknown_or_buyer_only_organisation_has_no_provider_page(client):
    OrganizationFactory(slug="just-a-buyer", is_provider=False)
    assert client.get("/catalogue/providers/just-a-buyer/").status_code == 404
    assert client.get("/catalogue/providers/nobody/").status_code == 404


def test_a_free_offer_reads_free_not_zero(client, provider):
    product = listed_product(*provider, offer={"price": "0", "currency": "USD"})
    for url in (reverse("catalogue:product", args=[product.slug]), reverse("catalogue:list")):
        body = client.get(url).content.decode()
        assert "Free" in body, url
        assert "USD 0" not in body, url


def test_a_priced_offer_groups_thousands(client, provider):
    product = listed_product(*provider, offer={"price": "12000.00", "currency": "MYR"})
    body = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert "MYR 12,000.00" in body
