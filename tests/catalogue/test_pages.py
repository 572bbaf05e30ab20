"""The catalogue in the browser: visibility, search and facets, uploads, escaping."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue import services
from catalogue.models import DataProduct
from tests.factories import (
    OrganizationFactory,
    add_offer,
    category,
    csv_upload,
    draft_product,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db


def _product_in(status: str):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    if status == "draft":
        product = draft_product(org, owner, title="Secret draft product")
    elif status == "submitted":
        product = draft_product(org, owner, title="Secret submitted product")
        add_offer(product, owner)
        services.version_submit(version=product.versions.get(), actor=owner)
    else:
        product = listed_product(org, owner, title=f"Product {status}")
        if status == "delisted":
            services.product_delist(product=product, actor=owner, reason="retired")
    product.refresh_from_db()
    return product, owner


VIEWERS = ["anonymous", "buyer", "other_provider", "owner", "reviewer"]
EXPECTED = {
    # status: viewers who get 200 (everyone else gets 404)
    "draft": {"owner", "reviewer"},
    "submitted": {"owner", "reviewer"},
    "listed": set(VIEWERS),
    "delisted": {"owner", "reviewer"},
}


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility_matrix_in_html(client, status, viewer):
    product, owner = _product_in(status)
    if viewer == "buyer":
        client.force_login(member_of(OrganizationFactory(is_provider=False)))
    elif viewer == "other_provider":
        client.force_login(member_of(OrganizationFactory()))
    elif viewer == "owner":
        client.force_login(owner)
    elif viewer == "reviewer":
        client.force_login(reviewer("technical_reviewer"))
    response = client.get(reverse("catalogue:product", args=[product.slug]))
    expected = 200 if viewer in EXPECTED[status] else 404
    assert response.status_code == expected
    listing = client.get(reverse("catalogue:list")).content.decode()
    assert (product.title in listing) == (status == "listed")
    # The management page is the owner's alone.
    manage = client.get(reverse("catalogue:manage", args=[product.slug]))
    assert manage.status_code == (
        200 if viewer == "owner" else 404 if viewer != "anonymous" else 302
    )


def _catalogue():
    my = OrganizationFactory(jurisdiction="MY", legal_name="Selat Melaka Logistics")
    cn = OrganizationFactory(jurisdiction="CN", legal_name="Huadian Electronics")
    listed_product(
        my,
        title="Port Klang container dwell times",
        tags=["ports"],
        category=category("mobility-logistics"),
        offer={"price": "900", "currency": "USD"},
    )
    listed_product(
        my,
        title="Malaysia shipping routes",
        category=category("mobility-logistics"),
        delivery_mode="aggregated_extract",
        offer={"price": "50000", "currency": "CNY"},
    )
    listed_product(
        cn,
        title="Shenzhen electronics export prices",
        category=category("finance-trade"),
        description="Export **price index** for HS 8517 smartphones",
        offer={"price": "0", "currency": "USD"},
    )
    draft_product(cn, cn.memberships.first().user, title="Unlisted port study")


def _titles(response):
    return [p.title for p in response.context["page"].object_list]


def test_search_filters_facets_and_sorting(client):
    _catalogue()
    url = reverse("catalogue:list")
    assert sorted(_titles(client.get(url))) == [
        "Malaysia shipping routes",
        "Port Klang container dwell times",
        "Shenzhen electronics export prices",
    ]
    assert _titles(client.get(url, {"q": "port"})) == ["Port Klang container dwell times"]
    assert _titles(client.get(url, {"q": "smartphones"})) == ["Shenzhen electronics export prices"]
    assert _titles(client.get(url, {"q": "no-such-thing"})) == []

    response = client.get(url, {"origin": "MY"})
    assert sorted(_titles(response)) == [
        "Malaysia shipping routes",
        "Port Klang container dwell times",
    ]
    facets = response.context["facets"]
    # Disjunctive: the origin facet still counts China while Malaysia is selected.
    assert {(f.value, f.count, f.selected) for f in facets["origin"]} == {
        ("MY", 2, True),
        ("CN", 1, False),
    }
    assert {(f.value, f.count) for f in facets["category"]} == {("mobility-logistics", 2)}
    assert {(f.value, f.count) for f in facets["delivery_mode"]} == {
        ("query_api", 1),
        ("aggregated_extract", 1),
    }

    bands = {f.value: f.count for f in client.get(url).context["facets"]["price_band"]}
    assert bands == {"free": 1, "under-1k": 1, "1k-10k": 1, "over-10k": 0}
    assert _titles(client.get(url, {"price_band": "free"})) == [
        "Shenzhen electronics export prices"
    ]
    assert _titles(client.get(url, {"sort": "price"})) == [
        "Shenzhen electronics export prices",
        "Port Klang container dwell times",
        "Malaysia shipping routes",
    ]
    assert _titles(client.get(url, {"sort": "-price"}))[0] == "Malaysia shipping routes"
    # Shareable: the state is in the query string, and facet links keep it.
    page = client.get(url, {"origin": "MY", "q": "port"}).content.decode()
    assert "origin=MY" in page and "q=port" in page


@pytest.mark.postgres
def test_full_text_search_on_postgres_uses_the_stored_vector(client):
    _catalogue()
    product = DataProduct.objects.get(title="Port Klang container dwell times")
    assert product.search_vector is not None
    url = reverse("catalogue:list")
    # websearch syntax over the "simple" configuration: OR, exclusion and phrases.
    assert sorted(_titles(client.get(url, {"q": "container OR smartphones"}))) == [
        "Port Klang container dwell times",
        "Shenzhen electronics export prices",
    ]
    assert _titles(client.get(url, {"q": "-container port"})) == []
    assert _titles(client.get(url, {"q": '"export prices"'})) == [
        "Shenzhen electronics export prices"
    ]
    assert _titles(client.get(url, {"q": "ports"})) == ["Port Klang container dwell times"]


def test_pagination_keeps_the_query(client):
    org = OrganizationFactory()
    actor = member_of(org)
    for i in range(14):
        listed_product(org, actor, title=f"Index {i:02d}")
    url = reverse("catalogue:list")
    first = client.get(url, {"q": "index"})
    assert len(first.context["page"].object_list) == 12
    assert "page=2" in first.content.decode() and "q=index" in first.content.decode()
    second = client.get(url, {"q": "index", "page": 2})
    assert len(second.context["page"].object_list) == 2
    assert client.get(url, {"page": "999"}).status_code == 200


def test_list_query_count_does_not_grow_with_products(client, django_assert_max_num_queries):
    org = OrganizationFactory()
    actor = member_of(org)
    for i in range(3):
        listed_product(org, actor, title=f"Few {i}")
    with django_assert_max_num_queries(16):
        client.get(reverse("catalogue:list"))
    for i in range(9):
        listed_product(org, actor, title=f"More {i}")
    with django_assert_max_num_queries(16):
        client.get(reverse("catalogue:list"))


# --- uploads through the dashboard --------------------------------------------------------


def _upload(client, product, kind, content, name="data.csv"):
    return client.post(
        reverse("catalogue:version_upload", args=[product.slug, 1, kind]),
        {"file": csv_upload(content, name)},
        follow=True,
    )


def test_bad_uploads_get_clear_errors_and_change_nothing(client, settings):
    org = OrganizationFactory()
    owner = member_of(org)
    product = draft_product(org, owner)
    version = product.versions.get()
    before = (version.sample.name, version.sample_rows)
    client.force_login(owner)

    text = _upload(
        client,
        product,
        "sample",
        b"mall_id,district,hour,visitors,dwell_minutes\nM1,KL,1,2,3.0\nM2,\xff\xfeKL,1,2,3.0\n",
    ).content.decode()
    assert "Line 3" in text and "Upload refused" in text

    text = _upload(client, product, "sample", b"mall,district\nM1,KL\n").content.decode()
    assert "Line 1" in text and "header does not match" in text

    text = _upload(
        client,
        product,
        "sample",
        b"mall_id,district,hour,visitors,dwell_minutes\nM1,KL,noon,2,3.0\n",
    ).content.decode()
    assert "Line 2" in text and "hour" in text and "whole number" in text

    settings.SAMPLE_MAX_BYTES = 100
    text = _upload(client, product, "sample", b"x" * 500).content.decode()
    assert "the limit is 100" in text

    text = _upload(client, product, "sample", b"a,b\n1,2\n", name="data.xlsx").content.decode()
    assert "Upload a .csv file" in text

    version.refresh_from_db()
    assert (version.sample.name, version.sample_rows) == before


def test_good_upload_replaces_the_sample(client):
    org = OrganizationFactory()
    owner = member_of(org)
    product = draft_product(org, owner)
    client.force_login(owner)
    content = b"mall_id,district,hour,visitors,dwell_minutes\n" + b"M1,KL,3,40,2.5\n" * 7
    text = _upload(client, product, "sample", content).content.decode()
    assert "Sample uploaded: 7 rows" in text
    assert product.versions.get().sample_rows == 7


def test_formula_cells_are_neutralised_and_descriptions_escaped(client):
    org = OrganizationFactory()
    owner = member_of(org)
    product = draft_product(
        org,
        owner,
        description='Hello <script>alert("x")</script> <img src=x onerror=alert(1)> '
        "[click](javascript:alert(1)) **bold**",
    )
    evil = (
        b"mall_id,district,hour,visitors,dwell_minutes\n\"=cmd|' /C calc'!A0\",@SUM(1),3,40,2.5\n"
    )
    services.version_upload_sample(
        version=product.versions.get(), actor=owner, upload=csv_upload(evil)
    )
    client.force_login(owner)
    page = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert "<script>alert" not in page and "onerror" not in page
    assert "javascript:" not in page
    assert "<strong>bold</strong>" in page
    assert "<td>&#x27;=cmd|&#x27; /C calc&#x27;!A0</td>" in page
    assert "<td>&#x27;@SUM(1)</td>" in page


def test_provider_creates_a_product_and_defines_an_offer_in_the_browser(client):
    org = OrganizationFactory()
    owner = member_of(org)
    client.force_login(owner)
    response = client.post(
        reverse("catalogue:product_new"),
        {
            "title": "Johor data centre load",
            "summary": "Hourly grid load.",
            "category": category("energy-environment").pk,
            "origin_jurisdiction": "MY",
            "tags": "energy, data centres",
        },
    )
    product = DataProduct.objects.get(title="Johor data centre load")
    assert response.url == reverse("catalogue:manage", args=[product.slug])
    assert product.tags == ["energy", "data centres"] and product.status == "draft"
    response = client.post(
        reverse("catalogue:offer_new", args=[product.slug]),
        {
            "name": "Standard",
            "price": "100.50",
            "currency": "SGD",
            "term_months": 12,
            "purposes": [],
            "territories": ["SG", "CN"],
            "governing_law": "SG",
            "dispute_forum": "SIAC",
            "audit_rights": "On notice.",
            "breach_notice_hours": 96,
            "end_of_term": "delete",
            "approval_mode": "manual",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # breach notice above 72 h refused
    assert "72" in response.content.decode()
    response = client.post(
        reverse("catalogue:offer_new", args=[product.slug]),
        {
            "name": "Standard",
            "price": "100.50",
            "currency": "SGD",
            "term_months": 12,
            "other_purposes": "Grid planning",
            "territories": ["SG", "CN"],
            "governing_law": "SG",
            "dispute_forum": "SIAC",
            "audit_rights": "On notice.",
            "breach_notice_hours": 24,
            "end_of_term": "delete",
            "approval_mode": "manual",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    offer = product.offers.get()
    assert offer.territories == ["CN", "SG"] and offer.breach_notice_hours == 24
    product.refresh_from_db()
    assert product.price_from_usd == Decimal("75.38")  # 100.50 SGD at the reference rate


def test_unverified_provider_is_told_it_cannot_list(client):
    org = OrganizationFactory(verification_status="pending")
    client.force_login(member_of(org))
    page = client.get(reverse("catalogue:dashboard")).content.decode()
    assert "must be verified" in page
    response = client.post(
        reverse("catalogue:product_new"),
        {
            "title": "X",
            "summary": "Y",
            "category": category().pk,
            "origin_jurisdiction": "MY",
        },
    )
    assert "must be verified" in response.content.decode()
    assert not DataProduct.objects.exists()
