"""Every list page, HTML and API, costs the same number of queries at 10 and at 100 rows per
page, within the issue's ceilings (catalogue ≤ 6, licences ≤ 8).

The rows are written in bulk (`copies_of_listed`, `copies_of_licence`): what is measured is
the reading, and a list that issued one query per row would differ by 90 between the two
page sizes.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import api_token_create
from licensing.models import LicenceRequest, UsageRecord
from marketplace.catalogue import views as catalogue_views
from marketplace.licensing import views as licensing_views
from tests.conftest import bearer
from tests.factories import (
    OrganizationFactory,
    _copy_fields,
    copies_of_licence,
    copies_of_listed,
    grant_licence,
    listed_product,
)

pytestmark = pytest.mark.django_db

CATALOGUE_CEILING = 6
LICENCES_CEILING = 8
ROWS = 110


@pytest.fixture
def market():
    """110 listed products of a Malaysian provider (Kuala Lumpur in every title), 110 of a
    Chinese one; a buyer holding a licence to each Malaysian product, another buyer with
    licences of its own it must not see."""
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    product = listed_product(provider, title="Kuala Lumpur mall foot traffic")
    products = [product, *copies_of_listed(product, ROWS - 1)]
    other_provider = OrganizationFactory(jurisdiction="CN", legal_name="Shenzhen Export Data")
    other = listed_product(other_provider, title="Shenzhen electronics export prices")
    copies_of_listed(other, ROWS - 1)
    licence, buyer_user = grant_licence(product)
    buyer = licence.buyer
    copies_of_licence(licence, products[1:])
    stranger_licence, _user = grant_licence(other)
    return {
        "provider": provider,
        "provider_user": provider.memberships.first().user,
        "products": products,
        "buyer": buyer,
        "buyer_user": buyer_user,
        "licence": licence,
        "stranger_licence": stranger_licence,
    }


def _counted(call):
    call()  # the first call of a token records its use (a write a later call skips)
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content[:500]
    return response, len(captured.captured_queries)


# --- the catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Kuala Lumpur", "category": "retail-consumer", "origin": "MY"},
        {"category": "retail-consumer", "origin": "MY"},
        {},
    ],
    ids=["search-and-two-facets", "two-facets", "everything"],
)
def test_catalogue_api_list_same_queries_at_10_and_100(api_client, market, params):
    small, n_small = _counted(
        lambda: api_client.get("/api/v1/products/", {**params, "page_size": 10})
    )
    large, n_large = _counted(
        lambda: api_client.get("/api/v1/products/", {**params, "page_size": 100})
    )
    expected_total = 220 if not params else 110
    assert small.json()["total"] == large.json()["total"] == expected_total
    assert small.json()["count"] == expected_total
    assert len(small.json()["results"]) == 10 and len(large.json()["results"]) == 100
    origins = {f.get("value"): f["count"] for f in small.json()["facets"]["origin"]}
    # The origin facet counts with the other filters (category) but not its own.
    assert origins.get("MY") == 110
    assert n_small == n_large <= CATALOGUE_CEILING


@pytest.mark.parametrize(
    "params", [{"q": "Bukit Bintang"}, {"origin": "MY"}], ids=["search", "facet"]
)
def test_catalogue_html_list_same_queries_at_10_and_100(client, market, monkeypatch, params):
    counts = []
    for size in (10, 100):
        monkeypatch.setattr(catalogue_views, "PAGE_SIZE", size)
        response, n = _counted(lambda: client.get("/catalogue/", params))
        html = response.content.decode()
        assert html.count('href="/catalogue/p/kuala-lumpur-mall-foot-traffic') == size
        assert "Shenzhen electronics" not in html
        assert f"Page 1 of {-(-110 // size)}" in html
        counts.append(n)
    assert counts[0] == counts[1] <= CATALOGUE_CEILING


# --- licences -----------------------------------------------------------------------------


def test_licences_api_same_queries_at_10_and_100(api_client, market):
    _token, raw = api_token_create(
        user=market["buyer_user"], organization=market["buyer"], name="lists"
    )
    bearer(api_client, raw)
    small, n_small = _counted(lambda: api_client.get("/api/v1/licences/", {"page_size": 10}))
    large, n_large = _counted(lambda: api_client.get("/api/v1/licences/", {"page_size": 100}))
    assert small.json()["count"] == 110
    ids = {row["id"] for row in large.json()["results"]}
    assert len(ids) == 100 and market["stranger_licence"].pk not in ids
    assert {row["buyer"] for row in large.json()["results"]} == {market["buyer"].slug}
    assert n_small == n_large <= LICENCES_CEILING


def test_provider_sees_the_licences_it_granted_through_the_api(api_client, market):
    """The provider side of the union: the same 110 licences, seen by their grantor."""
    _token, raw = api_token_create(
        user=market["provider_user"], organization=market["provider"], name="lists"
    )
    bearer(api_client, raw)
    body = api_client.get("/api/v1/licences/", {"page_size": 100}).json()
    assert body["count"] == 110
    assert market["stranger_licence"].pk not in {row["id"] for row in body["results"]}


def test_my_licences_page_same_queries_at_10_and_100(client, market, monkeypatch):
    client.force_login(market["buyer_user"])
    counts = []
    for size in (10, 100):
        monkeypatch.setattr(licensing_views, "LICENCES_PER_PAGE", size)
        response, n = _counted(lambda: client.get("/licences/"))
        html = response.content.decode()
        assert html.count('<tr id="licence-') == size
        # The purposes' names, not their codes, on every row.
        held = html.split("<h2>Requests</h2>")[0]
        assert held.count("<td>Market research</td>") == size
        assert f"Page 1 of {-(-110 // size)}" in html
        counts.append(n)
    assert counts[0] == counts[1] <= LICENCES_CEILING


def test_my_licences_second_page_shows_the_rest(client, market, monkeypatch):
    client.force_login(market["buyer_user"])
    monkeypatch.setattr(licensing_views, "LICENCES_PER_PAGE", 100)
    html = client.get("/licences/", {"page": 2}).content.decode()
    assert html.count('<tr id="licence-') == 10
    assert f'id="licence-{market["stranger_licence"].pk}"' not in html


def test_provider_licences_page_same_queries_at_10_and_100(client, market, monkeypatch):
    client.force_login(market["provider_user"])
    counts = []
    for size in (10, 100):
        monkeypatch.setattr(licensing_views, "LICENCES_PER_PAGE", size)
        response, n = _counted(lambda: client.get("/licences/granted/"))
        html = response.content.decode()
        assert html.count('<tr id="licence-') == size
        held = html.split("<h2>Requests</h2>")[0]
        assert held.count("<td>Market research</td>") == size
        counts.append(n)
    assert counts[0] == counts[1] <= LICENCES_CEILING


# --- requests and usage -------------------------------------------------------------------


def test_licence_requests_api_same_queries_at_10_and_100(api_client, market):
    first = LicenceRequest.objects.get(licence=market["licence"])
    LicenceRequest.objects.bulk_create(
        [LicenceRequest(**_copy_fields(first, product_id=p.pk)) for p in market["products"][1:]]
    )
    _token, raw = api_token_create(
        user=market["buyer_user"], organization=market["buyer"], name="lists"
    )
    bearer(api_client, raw)
    small, n_small = _counted(
        lambda: api_client.get("/api/v1/licence-requests/", {"page_size": 10})
    )
    large, n_large = _counted(
        lambda: api_client.get("/api/v1/licence-requests/", {"page_size": 100})
    )
    assert small.json()["count"] == 110 and len(large.json()["results"]) == 100
    assert n_small == n_large <= LICENCES_CEILING


def test_usage_api_same_queries_at_10_and_100(api_client, market):
    licence = market["licence"]
    UsageRecord.objects.bulk_create(
        [
            UsageRecord(
                product_id=licence.product_id,
                licence=licence,
                organization_id=licence.buyer_id,
                user=market["buyer_user"],
                kind="query",
                purpose="market-research",
                processing_jurisdiction="CN",
                occurred_at=timezone.now() - timezone.timedelta(minutes=i),
                region="my",
            )
            for i in range(ROWS)
        ]
    )
    _token, raw = api_token_create(
        user=market["provider_user"], organization=market["provider"], name="lists"
    )
    bearer(api_client, raw)
    small, n_small = _counted(lambda: api_client.get("/api/v1/usage/", {"page_size": 10}))
    large, n_large = _counted(lambda: api_client.get("/api/v1/usage/", {"page_size": 100}))
    assert small.json()["count"] == 110 and len(large.json()["results"]) == 100
    assert n_small == n_large <= LICENCES_CEILING
