"""What PostgreSQL's planner does with the catalogue search and the licence lists.

The planner picks between an index and a sequential scan from the table statistics, so a
plan is only evidence with enough rows for an index to pay, and with fresh statistics: the
tests write a few thousand rows in bulk and ANALYZE them. They never switch the sequential
scan off (`SET enable_seqscan = off` would make any index look chosen): what they assert is
what the planner picks on its own. The GIN index's pending list is merged first, as
autovacuum does: bulk-written rows sit there and the planner prices them as a full read.
Below a few hundred rows a sequential scan of a table that fits in a handful of pages is the
right plan, which is why tiny fixtures prove nothing here.

- 4,000 listed products; 20 of them say "Penang" (0.5 %): the search must find them through
  the GIN index on the stored search vector, in the facet query and in the page's query.
- About 8,000 licences held by 21 buyers; the buyer asked about holds 150 and provides
  nothing; a small provider has granted 150 on its 50 products: the lists of both must reach
  licences and products through their indexes, with no sequential scan of either.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_create
from tests.conftest import bearer
from tests.factories import (
    OrganizationFactory,
    copies_of_licence,
    copies_of_listed,
    grant_licence,
    listed_product,
    member_of,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PRODUCTS = 4000


def _title(i: int) -> str:
    if i % 200 == 0:
        return f"Penang mall foot traffic {i}"
    return f"Port dwell statistics, terminal {i}"


@pytest.fixture
def scale():
    big = OrganizationFactory(jurisdiction="MY", legal_name="Selat Shipping Analytics")
    product = listed_product(big, title="Port dwell statistics, terminal origin")
    products = [product, *copies_of_listed(product, PRODUCTS - 1, titles=_title)]
    small = OrganizationFactory(jurisdiction="SG", legal_name="Lion City Retail Signals")
    small_product = listed_product(small, title="Orchard Road retail footfall")
    small_products = [small_product, *copies_of_listed(small_product, 49)]

    licence, buyer_user = grant_licence(product)
    buyer = licence.buyer
    copies_of_licence(licence, products[1:150])
    for n in range(20):
        other = OrganizationFactory(jurisdiction="CN", is_provider=False)
        copies_of_licence(licence, products[n * 190 : n * 190 + 400], buyer=other)
    for _n in range(3):
        other = OrganizationFactory(jurisdiction="CN", is_provider=False)
        copies_of_licence(licence, small_products, buyer=other)
    with connection.cursor() as cursor:
        # Rows written in bulk wait in the GIN index's pending list, which the planner
        # prices as a scan of every pending entry; autovacuum merges it in production (and
        # rows listed one at a time barely fill it). Merge it as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('catalogue_product_search_gin'::regclass)")
        for table in (
            "catalogue_dataproduct",
            "catalogue_productversion",
            "catalogue_offer",
            "licensing_licence",
            "accounts_organization",
        ):
            cursor.execute(f"ANALYZE {table}")
    return {
        "buyer": buyer,
        "buyer_user": buyer_user,
        "small": small,
        "small_user": member_of(small),
    }


def _plans(captured, table: str, *, containing: str = "") -> list[str]:
    """The EXPLAIN of every captured SELECT that reads ``table`` (and has ``containing``)."""
    plans = []
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or table not in sql:
                continue
            if containing not in sql:
                continue
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_catalogue_search_uses_the_gin_index(api_client, scale):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/v1/products/", {"q": "Penang", "page_size": 20})
    assert response.status_code == 200
    assert response.json()["total"] == PRODUCTS // 200
    plans = _plans(captured.captured_queries, "catalogue_dataproduct", containing="@@")
    # The facet counts with the total, and the page (the offers' prefetch reads by id).
    assert len(plans) == 2, plans
    for plan in plans:
        assert "catalogue_product_search_gin" in plan, plan
        assert "Seq Scan on catalogue_dataproduct" not in plan, plan


@pytest.mark.parametrize("who", ["buyer", "small"])
def test_licence_list_reads_licences_and_products_by_index(api_client, scale, who):
    user = scale[f"{who}_user"]
    _token, raw = api_token_create(user=user, organization=scale[who], name="plans")
    bearer(api_client, raw)
    api_client.get("/api/v1/licences/")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/v1/licences/", {"page_size": 50})
    assert response.status_code == 200
    assert response.json()["count"] == 150
    plans = _plans(captured.captured_queries, "licensing_licence")
    assert plans, "no query read the licences"
    for plan in plans:
        assert "Seq Scan on licensing_licence" not in plan, plan
        assert "Seq Scan on catalogue_dataproduct" not in plan, plan
