"""What buyers and providers see of differential privacy: the preview that spends nothing,
the noisy cells with their intervals and the budget gauge in the "try a query" panel, how
answers are protected on the product page and in the offer, and the provider's view of the
budget spent per licensee.

Expected figures are worked out here: a count changes by at most 1 when one row changes;
with ε 0.5 split evenly between the count and one sum, the count's Laplace scale is
1 / 0.25 = 4 (a count alone: 1 / 0.5 = 2), and a Laplace(b) variable lies within ±b·ln 20
≈ 3·b of its centre 95% of the time (≈ ±12 for b = 4, ±6 for b = 2; the discrete Laplace
OpenDP uses for counts is a little wider).
"""

import math
from decimal import Decimal

import pytest
from django.urls import reverse

from licensing.models import UsageRecord
from tests.conftest import bearer
from tests.factories import grant_licence, licensed_query
from tests.licensing.test_licensing_api import token_for
from tests.licensing.test_privacy import PURPOSE, hours, mall_traffic

pytestmark = pytest.mark.django_db

BY_ZONE = {
    "group_by": ["zone"],
    "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"}],
}


def _api(api_client, licence):
    _user, raw = token_for(licence.buyer, processing_jurisdiction="CN")
    return bearer(api_client, raw)


def test_the_preview_prices_a_query_and_spends_nothing(api_client):
    product = mall_traffic()
    licence, _user = grant_licence(product, purpose=PURPOSE)
    client = _api(api_client, licence)
    response = client.post(
        f"/api/v1/products/{product.slug}/query/preview",
        BY_ZONE,
        format="json",
        HTTP_X_PURPOSE=PURPOSE,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["private"] is True and body["cached"] is False
    assert body["cost"]["epsilon"] == "0.5"
    count_error = body["expected_error_95"]["count"]
    assert 4 * math.log(20) <= count_error <= 4 * math.log(20) * 1.1
    # The sum of visitors (each row clamped to [0, 1000]) has scale 1000 / 0.25 = 4000.
    sum_error = body["expected_error_95"]["sum_visitors"]
    assert 4000 * math.log(20) * 0.99 <= sum_error <= 4000 * math.log(20) * 1.01
    assert body["budget"]["licence"]["epsilon_remaining"] == "20"
    assert body["budget"]["licence"]["queries_left"] == 40
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == Decimal("0")
    assert not UsageRecord.objects.filter(licence=licence).exists()


def test_a_query_answered_before_previews_at_no_cost(api_client):
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    licensed_query(licence, user, hours(0, 23))
    response = _api(api_client, licence).post(
        f"/api/v1/products/{product.slug}/query/preview",
        hours(0, 23),
        format="json",
        HTTP_X_PURPOSE=PURPOSE,
    )
    assert response.status_code == 200
    assert response.json()["cached"] is True
    assert response.json()["cost"]["epsilon"] == "0"
    assert response.json()["budget"]["licence"]["epsilon_remaining"] == "19.5"


def test_the_preview_refuses_what_a_query_would_refuse(api_client):
    product = mall_traffic()
    licence, _user = grant_licence(product, purpose=PURPOSE)
    client = _api(api_client, licence)
    url = f"/api/v1/products/{product.slug}/query/preview"
    bad = client.post(
        url,
        {"aggregates": [{"fn": "max", "column": "visitors"}]},
        format="json",
        HTTP_X_PURPOSE=PURPOSE,
    )
    assert bad.status_code == 400
    assert "aggregates[0].fn" in bad.json()["error"]["fields"]
    # Someone without a licence learns nothing about the product's budget.
    stranger = grant_licence(mall_traffic(), purpose=PURPOSE)[0]
    response = _api(api_client, stranger).post(url, BY_ZONE, format="json", HTTP_X_PURPOSE=PURPOSE)
    assert response.status_code in (403, 404)
    assert "budget" not in response.json()


def test_the_panel_shows_intervals_the_cost_and_what_is_left(client):
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    client.force_login(user)
    url = reverse("licensing:try_query", args=[licence.pk])
    before = client.get(url).content.decode()
    assert "This licence: ε 20 of 20 left" in before
    assert "40 new queries left at ε 0.5 each." in before

    data = {"purpose": PURPOSE, "jurisdiction": "CN", "group_by": ["zone"], "fn": "count"}
    page = client.post(url, data).content.decode()
    assert "This answer cost ε 0.5." in page
    # A count alone gets all of ε 0.5: scale 1 / 0.5 = 2, so about ±2·ln 20 ≈ ±6.
    assert any(f"±6.{d}" in page for d in range(2, 7)), page
    assert "This licence: ε 19.5 of 20 left" in page
    assert "39 new queries left at ε 0.5 each." in page

    again = client.post(url, data).content.decode()
    assert "Asked before: the same answer again, at no cost." in again
    assert "This licence: ε 19.5 of 20 left" in again


def test_the_panel_shows_the_cost_first_without_spending(client):
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    client.force_login(user)
    data = {
        "purpose": PURPOSE,
        "jurisdiction": "CN",
        "group_by": ["zone"],
        "fn": "count",
        "preview": "1",
    }
    page = client.post(reverse("licensing:try_query", args=[licence.pk]), data)
    body = page.content.decode()
    assert "Before you run it" in body
    assert "ε 0.5" in body
    assert any(f"counts ±6.{d}" in body for d in range(2, 7)), body
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == Decimal("0")
    assert not UsageRecord.objects.filter(licence=licence).exists()


def test_the_product_page_says_how_answers_are_protected(client):
    private = mall_traffic()
    page = client.get(reverse("catalogue:product", args=[private.slug])).content.decode()
    assert "Differential privacy" in page
    assert "each cell carries noise and its 95% interval" in page
    assert "A privacy budget of ε 20 per licence period, ε 0.5 per new query" in page

    exact = mall_traffic(privacy={"mode": "exact", "exact_acknowledged": True})
    page = client.get(reverse("catalogue:product", args=[exact.slug])).content.decode()
    assert "Exact aggregates: licensed buyers can derive individual row values." in page
    assert "A privacy budget of" not in page


def test_the_provider_sees_the_budget_spent_per_licensee(client):
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    licensed_query(licence, user, hours(0, 23))
    licensed_query(licence, user, hours(0, 23))  # asked again: from the kept answer
    licensed_query(licence, user, hours(11, 23))
    client.force_login(product.provider.memberships.first().user)
    page = client.get(reverse("catalogue:manage", args=[product.slug])).content.decode()
    assert "Privacy budget by licensee" in page
    assert licence.buyer.legal_name in page
    assert "ε 1 / 20" in page and "ε 19" in page
    # The buyer does not get the provider's page.
    client.force_login(user)
    assert client.get(reverse("catalogue:manage", args=[product.slug])).status_code == 404
