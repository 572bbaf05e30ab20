"""The catalogue API through its real URLs, with real Bearer tokens (session for reviewers)."""

import os

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization
from accounts.services import api_token_create
from catalogue import services
from catalogue.models import DataProduct
from tests.conftest import bearer
from tests.factories import (
    FOOTFALL_SCHEMA,
    MembershipFactory,
    OrganizationFactory,
    add_offer,
    category,
    csv_upload,
    draft_product,
    footfall_csv,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
# The search (results, facets, total), the page count and the card data; independent of
# the page size. Measured at 14 on SQLite and PostgreSQL.
LIST_QUERY_BOUND = 14


def product_url(slug: str, rest: str = "") -> str:
    return f"{PRODUCTS}{slug}/{rest}"


def token_client(user, organization) -> APIClient:
    _token, raw = api_token_create(user=user, organization=organization, name="tests")
    return bearer(APIClient(), raw)


def acting_for(organization) -> APIClient:
    return token_client(member_of(organization), organization)


def list_version(product: DataProduct, actor) -> DataProduct:
    """Takes a prepared draft through submit → review → listed, as the review would."""
    add_offer(product, actor)
    version = product.versions.get(state="draft")
    services.version_submit(version=version, actor=actor)
    services.version_review_open(version=version, actor=None)
    services.version_review_close(version=version, outcome="approved", actor=None)
    product.refresh_from_db()
    return product


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


# --- search, facets, sorting, pagination --------------------------------------------------


@pytest.fixture
def catalogue():
    """Three listed products from two providers, and a draft that must never show."""
    bukit = OrganizationFactory(legal_name="Bukit Data Sdn. Bhd.", slug="bukit-data")
    merlion = OrganizationFactory(
        legal_name="Merlion Logistics Pte. Ltd.", slug="merlion", jurisdiction="SG"
    )
    bukit_admin, merlion_admin = member_of(bukit), member_of(merlion)
    mall = listed_product(
        bukit,
        bukit_admin,
        title="KL mall foot traffic by hour",
        tags=["foot traffic", "malls"],
    )  # 12,000 MYR → US$2,640
    port = listed_product(
        merlion,
        merlion_admin,
        title="Port Klang dwell times",
        summary="Vessel dwell time at Port Klang terminals.",
        category=category("mobility-logistics"),
        origin_jurisdiction="MY",
        tags=["ports", "shipping"],
        description="Median hours alongside, by terminal and vessel class.",
        delivery_mode="insight_report",
        offer={"price": "100.00", "currency": "USD"},
    )
    prices = listed_product(
        merlion,
        merlion_admin,
        title="Shenzhen electronics export price index",
        summary="Monthly export prices of Shenzhen electronics.",
        category=category("finance-trade"),
        origin_jurisdiction="CN",
        tags=["prices", "electronics"],
        description="Free-on-board prices for 40 product lines, monthly since 2019.",
        delivery_mode="aggregated_extract",
        offer={"price": "50000.00", "currency": "USD"},
    )
    draft = draft_product(bukit, bukit_admin, title="Unlisted foot traffic draft")
    return {"mall": mall, "port": port, "prices": prices, "draft": draft}


def test_anonymous_callers_search_the_listed_catalogue_only(api_client, catalogue):
    response = api_client.get(PRODUCTS)
    assert sorted(slugs(response)) == sorted(catalogue[k].slug for k in ("mall", "port", "prices"))
    body = response.json()
    assert body["count"] == body["total"] == 3
    card = next(r for r in body["results"] if r["slug"] == catalogue["mall"].slug)
    assert card["provider"] == {
        "slug": "bukit-data",
        "legal_name": "Bukit Data Sdn. Bhd.",
        "jurisdiction": "MY",
        "verified": True,
    }
    assert card["category"] == {"slug": "retail-consumer", "name": "Retail & consumer"}
    assert card["delivery_mode"] == "query_api"
    assert card["price_from_usd"] == "2640.00"
    assert card["active_offer_count"] == 1
    assert card["url"].endswith(product_url(catalogue["mall"].slug))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "foot traffic"}, ["mall"]),
        ({"q": "merlion"}, ["prices", "port"]),  # the provider's name
        ({"q": "electronics"}, ["prices"]),  # a tag / the summary
        ({"category": "retail-consumer,finance-trade"}, ["prices", "mall"]),
        ({"category": ["retail-consumer", "finance-trade"]}, ["prices", "mall"]),
        ({"origin": "cn"}, ["prices"]),
        ({"origin": "MY", "category": "mobility-logistics"}, ["port"]),
        ({"delivery_mode": "insight_report"}, ["port"]),
        ({"data_category": "non_personal"}, ["prices", "port", "mall"]),
        ({"price_band": "under-1k"}, ["port"]),
        ({"price_band": "1k-10k,over-10k"}, ["prices", "mall"]),
        ({"provider": "merlion"}, ["prices", "port"]),
        ({"provider": "nobody-by-this-name"}, []),
        ({"sort": "price"}, ["port", "mall", "prices"]),
        ({"sort": "-price"}, ["prices", "mall", "port"]),
        ({"sort": "title"}, ["mall", "port", "prices"]),
    ],
)
def test_search_filters_and_sorts(api_client, catalogue, params, expected):
    response = api_client.get(PRODUCTS, params)
    # Without `sort`, the newest listing comes first (the fixture lists mall, port, prices).
    assert slugs(response) == [catalogue[k].slug for k in expected]
    assert response.json()["total"] == len(expected)


def test_facets_count_each_value_with_the_other_filters_applied(api_client, catalogue):
    body = api_client.get(PRODUCTS, {"category": "retail-consumer"}).json()
    assert [r["slug"] for r in body["results"]] == [catalogue["mall"].slug]
    categories = {f["value"]: f for f in body["facets"]["category"]}
    # Picking another category would add these: counted without the category filter.
    assert categories["retail-consumer"] == {
        "value": "retail-consumer",
        "label": "Retail & consumer",
        "count": 1,
        "selected": True,
    }
    assert categories["mobility-logistics"]["count"] == 1
    assert categories["mobility-logistics"]["selected"] is False
    # Other facets count within the chosen category only.
    assert {f["value"]: f["count"] for f in body["facets"]["origin"]} == {"MY": 1}
    assert {f["value"]: f["count"] for f in body["facets"]["price_band"]} == {
        "free": 0,
        "under-1k": 0,
        "1k-10k": 1,
        "over-10k": 0,
    }
    assert set(body["facets"]) == {
        "category",
        "origin",
        "delivery_mode",
        "data_category",
        "price_band",
        "provider",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"price_band": "under-1k,priceless"}, "price_band"),
        ({"origin": "XX"}, "origin"),
        ({"delivery_mode": "email"}, "delivery_mode"),
    ],
)
def test_unknown_parameter_values_are_a_400_naming_the_parameter(api_client, params, field):
    response = api_client.get(PRODUCTS, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["message"].startswith(f"{field}:")


def test_pages_carry_count_total_and_links(api_client, catalogue):
    first = api_client.get(PRODUCTS, {"page_size": 2, "sort": "title"}).json()
    assert first["count"] == first["total"] == 3
    assert [r["slug"] for r in first["results"]] == [
        catalogue["mall"].slug,
        catalogue["port"].slug,
    ]
    assert first["previous"] is None and "page=2" in first["next"]
    second = api_client.get(first["next"]).json()
    assert [r["slug"] for r in second["results"]] == [catalogue["prices"].slug]
    assert second["next"] is None
    assert api_client.get(PRODUCTS, {"page": 9}).status_code == 404


def test_list_query_count_does_not_grow_with_the_page_size(
    api_client, django_assert_max_num_queries
):
    provider = OrganizationFactory()
    actor = member_of(provider)
    for i in range(32):
        listed_product(provider, actor, title=f"Mall foot traffic {i:02d}", tags=[f"t{i}"])
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as small:
        response = api_client.get(PRODUCTS, {"page_size": 5})
    assert len(response.json()["results"]) == 5
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as large:
        response = api_client.get(PRODUCTS, {"page_size": 50, "q": "mall"})
    assert len(response.json()["results"]) == 32
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.postgres
def test_postgres_full_text_search_ranks_and_understands_web_search_syntax(api_client):
    provider = OrganizationFactory(legal_name="Selat Analytics Sdn. Bhd.")
    actor = member_of(provider)
    titled = listed_product(
        provider,
        actor,
        title="Port dwell statistics",
        # Not the factory's summary about malls: "mall" now finds "malls" (prefixes).
        summary="Median berth hours by terminal.",
        tags=["shipping"],
        description="Median hours alongside, by terminal.",
    )
    described = listed_product(
        provider,
        actor,
        title="Malaysian shipping routes",
        summary="Routes between Malaysian ports and Chinese ports.",
        tags=["routes"],
        description="Covers every port call on the Straits of Malacca.",
    )
    penang = listed_product(
        provider,
        actor,
        title="Penang mall foot traffic",
        tags=["malls"],
        description="Hourly visitors at Gurney Plaza.",
    )
    kl = listed_product(
        provider,
        actor,
        title="KL mall foot traffic",
        tags=["malls"],
        description="Hourly visitors at Suria KLCC.",
    )
    chinese = listed_product(
        provider,
        actor,
        title="深圳电子出口价格指数",
        summary="Index.",
        tags=["electronics"],
        description="Monthly, since 2019.",
    )

    # Relevance: a title hit (weight A) outranks a description hit (weight D).
    assert slugs(api_client.get(PRODUCTS, {"q": "port"})) == [titled.slug, described.slug]
    # Web-search syntax: exclusion and quoted phrases.
    assert slugs(api_client.get(PRODUCTS, {"q": "mall -penang"})) == [kl.slug]
    assert set(slugs(api_client.get(PRODUCTS, {"q": '"foot traffic"'}))) == {
        penang.slug,
        kl.slug,
    }
    assert slugs(api_client.get(PRODUCTS, {"q": "port or penang", "sort": "title"})) == [
        described.slug,
        penang.slug,
        titled.slug,
    ]
    # Chinese has no spaces between words: substrings of the title match.
    assert slugs(api_client.get(PRODUCTS, {"q": "电子出口"})) == [chinese.slug]


# --- visibility -----------------------------------------------------------------------------

STATES = ["draft", "submitted", "listed", "delisted"]
ROLES = ["anonymous", "buyer", "other_provider", "owner", "reviewer"]


def product_in_state(state: str, provider, actor) -> DataProduct:
    if state == "listed":
        return listed_product(provider, actor)
    if state == "delisted":
        product = listed_product(provider, actor)
        return services.product_delist(product=product, actor=actor, reason="Source retired.")
    product = draft_product(provider, actor)
    if state == "submitted":
        add_offer(product, actor)
        services.version_submit(version=product.versions.get(), actor=actor)
    return product


def client_for(role: str, owner: Organization) -> APIClient:
    if role == "anonymous":
        return APIClient()
    if role == "buyer":
        return acting_for(OrganizationFactory(is_provider=False, jurisdiction="CN"))
    if role == "other_provider":
        return acting_for(OrganizationFactory())
    if role == "owner":
        return acting_for(owner)
    client = APIClient()
    client.force_login(reviewer())  # exchange staff use the browser session
    return client


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_product_in_each_state(role, state):
    owner = OrganizationFactory()
    product = product_in_state(state, owner, member_of(owner))
    product.refresh_from_db()
    assert product.status == state
    client = client_for(role, owner)
    sees = state == "listed" or role in ("owner", "reviewer")
    manages_or_reviews = role in ("owner", "reviewer")

    detail = client.get(product_url(product.slug))
    assert detail.status_code == (200 if sees else 404)
    if not sees:
        assert detail.json()["error"]["code"] == "not_found"
    else:
        body = detail.json()
        assert body["status"] == state
        assert (body["latest_version"] is not None) is manages_or_reviews

    versions = client.get(product_url(product.slug, "versions/"))
    assert versions.status_code == (200 if manages_or_reviews else 404)
    version = client.get(product_url(product.slug, "versions/1/"))
    assert version.status_code == (200 if manages_or_reviews else 404)
    offers = client.get(product_url(product.slug, "offers/"))
    assert offers.status_code == (200 if sees else 404)

    # The catalogue lists listed products only, whoever asks.
    assert (product.slug in slugs(client.get(PRODUCTS))) is (state == "listed")


# --- the provider's flow ------------------------------------------------------------------

BAD_ENCODING = (
    b"mall_id,district,hour,visitors,dwell_minutes\nM01,KLCC,1,10,2.5\nM02,K\xffL,2,3,4\n"
)
WRONG_COLUMNS = b"mall,visitors\nM01,10\n"


def test_provider_lists_a_product_through_the_api(settings):
    provider = OrganizationFactory(legal_name="Bukit Data Sdn. Bhd.")
    client = acting_for(provider)

    created = client.post(
        PRODUCTS,
        {
            "title": "KL mall foot traffic",
            "summary": "Hourly visitor counts for three Kuala Lumpur malls.",
            "category": "retail-consumer",
            "origin_jurisdiction": "MY",
            "tags": ["Foot Traffic", "malls"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    product = created.json()
    slug = product["slug"]
    assert product["status"] == "draft" and product["tags"] == ["foot traffic", "malls"]
    assert product["listed_version"] is None
    assert product["latest_version"]["number"] == 1
    assert "Write a description." in product["latest_version"]["readiness_problems"]

    renamed = client.patch(product_url(slug), {"title": "KL mall footfall"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["title"] == "KL mall footfall"

    version_url = product_url(slug, "versions/1/")
    patched = client.patch(
        version_url,
        {
            "description": "Hourly **footfall** for three KL malls.",
            "data_categories": ["non_personal"],
            "schema": FOOTFALL_SCHEMA,
            "privacy": {"mode": "exact", "exact_acknowledged": True},
            "lawful_basis": "Counts from the operator's own door sensors.",
            "rights_confirmed": True,
            "min_group_size": 20,
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["min_group_size"] == 20
    assert "<strong>footfall</strong>" in patched.json()["description_html"]

    def upload(kind: str, content: bytes, name: str = "upload.csv"):
        return client.post(
            product_url(slug, f"versions/1/{kind}"),
            {"file": csv_upload(content, name)},
            format="multipart",
        )

    bad = upload("sample", BAD_ENCODING)
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("Line 3:")
    assert list(bad.json()["error"]["fields"]) == ["sample"]

    wrong = upload("dataset", WRONG_COLUMNS)
    assert wrong.status_code == 400
    assert "Line 1" in wrong.json()["error"]["message"]
    assert "header does not match" in wrong.json()["error"]["message"]

    settings.SAMPLE_MAX_BYTES = 100
    too_large = upload("sample", footfall_csv(20))
    assert too_large.status_code == 400
    assert "the limit is 100 bytes" in too_large.json()["error"]["message"]
    settings.SAMPLE_MAX_BYTES = 1024 * 1024

    not_csv = upload("sample", footfall_csv(5), name="sample.xlsx")
    assert not_csv.status_code == 400

    sample = upload("sample", footfall_csv(20), "sample.csv")
    assert sample.status_code == 200 and sample.json()["sample_rows"] == 20
    assert len(sample.json()["sample_preview"]["rows"]) == 10
    dataset = upload("dataset", footfall_csv(300), "dataset.csv")
    assert dataset.status_code == 200
    assert dataset.json()["dataset_uploaded"] is True
    assert dataset.json()["dataset_rows"] == 300

    not_ready = client.post(product_url(slug, "versions/1/submit"))
    assert not_ready.status_code == 400
    assert not_ready.json()["error"]["fields"]["readiness_problems"] == [
        "Define at least one active offer."
    ]

    offer = {
        "name": "Standard",
        "price": "12000.00",
        "currency": "MYR",
        "term_months": 12,
        "purposes": ["market-research", "robot-navigation"],
        "territories": ["CN", "MY"],
        "queries_per_month": 1000,
        "dispute_forum": "SIAC",
    }
    unknown_purpose = client.post(
        product_url(slug, "offers/"), {**offer, "purposes": ["world-domination"]}, format="json"
    )
    assert unknown_purpose.status_code == 400
    assert list(unknown_purpose.json()["error"]["fields"]) == ["purposes"]
    unknown_territory = client.post(
        product_url(slug, "offers/"), {**offer, "territories": ["XX"]}, format="json"
    )
    assert unknown_territory.status_code == 400
    assert list(unknown_territory.json()["error"]["fields"]) == ["territories"]

    made = client.post(product_url(slug, "offers/"), offer, format="json")
    assert made.status_code == 201, made.content
    assert [p["code"] for p in made.json()["purposes"]] == ["market-research", "robot-navigation"]
    assert made.json()["perpetual"] is False
    offer_url = product_url(slug, f"offers/{made.json()['id']}/")
    changed = client.patch(offer_url, {"breach_notice_hours": 24}, format="json")
    assert changed.status_code == 200 and changed.json()["breach_notice_hours"] == 24
    too_slow = client.patch(offer_url, {"breach_notice_hours": 96}, format="json")
    assert too_slow.status_code == 400

    submitted = client.post(product_url(slug, "versions/1/submit"))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    # Submitting opens the review case: legal → technical → compliance.
    assert client.get(product_url(slug)).json()["status"] == "in_review"
    from compliance.models import ReviewCase

    case = ReviewCase.objects.get(product__slug=slug)
    assert [s.stage for s in case.stages.order_by("position")] == [
        "legal",
        "technical",
        "compliance",
    ]

    # A submitted version is frozen; a second one waits until this one is decided.
    frozen = client.patch(version_url, {"description": "Changed."}, format="json")
    assert frozen.status_code == 409
    assert frozen.json()["error"]["code"] == "invalid_transition"
    assert client.post(product_url(slug, "versions/")).status_code == 409


def test_a_listed_product_takes_a_new_version_while_buyers_keep_the_listed_one(api_client):
    provider = OrganizationFactory()
    product = listed_product(provider, member_of(provider))
    owner = acting_for(provider)

    started = owner.post(product_url(product.slug, "versions/"))
    assert started.status_code == 201
    assert started.json()["number"] == 2 and started.json()["state"] == "draft"
    owner.patch(
        product_url(product.slug, "versions/2/"), {"description": "Version two."}, format="json"
    )

    public = api_client.get(product_url(product.slug)).json()
    assert public["listed_version"]["number"] == 1
    assert "Version two" not in str(public)
    assert public["latest_version"] is None
    assert [v["number"] for v in public["version_history"]] == [1]

    mine = owner.get(product_url(product.slug)).json()
    assert mine["listed_version"]["number"] == 1
    assert mine["latest_version"]["number"] == 2
    assert [v["number"] for v in mine["version_history"]] == [2, 1]

    delisted = owner.post(product_url(product.slug, "delist"), {"reason": "Sensor retired."})
    assert delisted.status_code == 200 and delisted.json()["status"] == "delisted"
    assert api_client.get(product_url(product.slug)).status_code == 404


def test_buyers_and_reviewers_cannot_write_to_a_product_they_can_see():
    provider = OrganizationFactory()
    product = listed_product(provider, member_of(provider))
    offer_id = product.offers.get().pk
    buyer = acting_for(OrganizationFactory(is_provider=False))
    staff = APIClient()
    staff.force_login(reviewer("compliance_reviewer"))

    for client in (buyer, staff):
        attempts = [
            client.patch(product_url(product.slug), {"title": "Mine now"}, format="json"),
            client.post(product_url(product.slug, "delist"), {"reason": "x"}, format="json"),
            client.post(product_url(product.slug, "versions/")),
            client.patch(
                product_url(product.slug, "versions/1/"), {"description": "x"}, format="json"
            ),
            client.post(
                product_url(product.slug, "versions/1/sample"),
                {"file": csv_upload(footfall_csv(5))},
                format="multipart",
            ),
            client.post(product_url(product.slug, "versions/1/submit")),
            client.post(product_url(product.slug, "offers/"), {"name": "x"}, format="json"),
            client.patch(
                product_url(product.slug, f"offers/{offer_id}/"), {"price": "1"}, format="json"
            ),
        ]
        for response in attempts:
            assert response.status_code == 403, response.content
            assert response.json()["error"]["code"] == "permission_denied"
    product.refresh_from_db()
    assert product.title != "Mine now" and product.status == "listed"


def test_writes_on_a_product_the_caller_cannot_see_are_404_and_anonymous_writes_401(api_client):
    provider = OrganizationFactory()
    draft = draft_product(provider, member_of(provider))
    rival = acting_for(OrganizationFactory())
    assert rival.patch(product_url(draft.slug), {"title": "x"}, format="json").status_code == 404
    assert rival.post(product_url(draft.slug, "versions/1/submit")).status_code == 404
    assert rival.post(product_url(draft.slug, "offers/"), {}, format="json").status_code == 404
    assert api_client.post(PRODUCTS, {"title": "x"}, format="json").status_code == 401
    assert api_client.patch(product_url(draft.slug), {}, format="json").status_code == 401


def test_a_member_acting_for_another_organisation_cannot_write_to_the_providers_product():
    provider = OrganizationFactory()
    person = member_of(provider)
    product = listed_product(provider, person)
    buyer_org = OrganizationFactory(is_provider=False)
    MembershipFactory(user=person, organization=buyer_org)
    as_buyer = token_client(person, buyer_org)
    response = as_buyer.patch(product_url(product.slug, "versions/1/"), {"description": "x"})
    assert response.status_code == 403
    # Acting for the provider, the same person manages it.
    as_provider = token_client(person, provider)
    assert as_provider.get(product_url(product.slug, "versions/1/")).status_code == 200


def test_unverified_or_buyer_only_organisations_cannot_create_products():
    payload = {
        "title": "Port dwell times",
        "summary": "Dwell times.",
        "category": "mobility-logistics",
        "origin_jurisdiction": "MY",
    }
    pending = acting_for(OrganizationFactory(verification_status="pending"))
    response = pending.post(PRODUCTS, payload, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "must be verified" in response.json()["error"]["message"]

    buyer = acting_for(OrganizationFactory(is_provider=False))
    response = buyer.post(PRODUCTS, payload, format="json")
    assert response.status_code == 403
    assert "provider organisations" in response.json()["error"]["message"]
    assert not DataProduct.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"origin_jurisdiction": "XX"}, "origin_jurisdiction"),
        ({"tags": [f"t{i}" for i in range(16)]}, "tags"),
    ],
)
def test_product_input_errors_name_the_field(payload, field):
    client = acting_for(OrganizationFactory())
    base = {
        "title": "T",
        "summary": "S",
        "category": "retail-consumer",
        "origin_jurisdiction": "MY",
    }
    response = client.post(PRODUCTS, {**base, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# --- what buyers are shown ------------------------------------------------------------------


def test_the_product_page_shows_the_listed_version_offers_and_history(api_client):
    provider = OrganizationFactory(legal_name="Bukit Data Sdn. Bhd.")
    actor = member_of(provider)
    product = listed_product(provider, actor, offer={"term_months": 24})
    add_offer(product, actor, name="Withdrawn", is_active=False)
    body = api_client.get(product_url(product.slug)).json()

    assert body["provider"]["legal_name"] == "Bukit Data Sdn. Bhd."
    assert body["origin_jurisdiction"] == "MY"
    listed = body["listed_version"]
    assert listed["number"] == 1
    assert listed["delivery_mode"] == "query_api"
    assert listed["data_categories"] == ["non_personal"]
    assert listed["min_group_size"] == 10
    assert [f["name"] for f in listed["schema_fields"]] == [
        "mall_id",
        "district",
        "hour",
        "visitors",
        "dwell_minutes",
    ]
    assert listed["sample_preview"]["header"][0] == "mall_id"
    assert len(listed["sample_preview"]["rows"]) == 10
    assert "<strong>foot traffic</strong>" in listed["description_html"]
    assert "description" not in listed  # buyers get the rendered text only

    [offer] = body["offers"]  # the inactive one is not offered
    assert offer["name"] == "Standard"
    assert offer["perpetual"] is False and offer["term_months"] == 24
    assert offer["purposes"] == [{"code": "market-research", "name": "Market research"}]
    assert offer["territories"] == ["CN", "MY", "SG"]
    for term in (
        "price",
        "currency",
        "queries_per_month",
        "governing_law",
        "dispute_forum",
        "breach_notice_hours",
        "onward_transfer_allowed",
        "end_of_term",
        "approval_mode",
    ):
        assert term in offer
    assert [v["number"] for v in body["version_history"]] == [1]
    assert body["version_history"][0]["decided_at"]
    assert body["latest_version"] is None
    assert len(api_client.get(product_url(product.slug, "offers/")).json()) == 1


def test_formula_cells_in_the_sample_are_shown_neutralised(api_client):
    provider = OrganizationFactory()
    actor = member_of(provider)
    product = draft_product(provider, actor)
    evil = "=cmd|' /C calc'!A0"
    content = (
        "mall_id,district,hour,visitors,dwell_minutes\n"
        f"M01,{evil},1,10,2.5\n"
        "@SUM(A1),KLCC,2,11,3.5\n"
    ).encode()
    services.version_upload_sample(
        version=product.versions.get(), actor=actor, upload=csv_upload(content, "sample.csv")
    )
    list_version(product, actor)

    rows = api_client.get(product_url(product.slug)).json()["listed_version"]["sample_preview"][
        "rows"
    ]
    assert rows[0][1] == "'" + evil
    assert rows[1][0] == "'@SUM(A1)"
    assert rows[1][1] == "KLCC"


def test_script_in_a_description_never_reaches_description_html(api_client):
    provider = OrganizationFactory()
    actor = member_of(provider)
    product = draft_product(
        provider,
        actor,
        description='<script>alert(1)</script>\n\nSafe **text** <img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3))",
    )
    list_version(product, actor)
    for client in (api_client, acting_for(provider)):
        body = client.get(product_url(product.slug)).json()
        htmls = [body["listed_version"]["description_html"]]
        if body["latest_version"]:
            htmls.append(body["latest_version"]["description_html"])
        for html in htmls:
            assert "<strong>text</strong>" in html
            assert "<script" not in html and "onerror" not in html
            assert "javascript:" not in html


def test_the_processed_dataset_is_never_in_any_api_response(api_client):
    provider = OrganizationFactory()
    actor = member_of(provider)
    product = listed_product(provider, actor)
    services.version_create_next(product=product, actor=actor)
    stored = product.listed_version.dataset.name
    assert stored and os.path.basename(stored)
    owner = acting_for(provider)
    staff = APIClient()
    staff.force_login(reviewer())

    responses = [
        api_client.get(PRODUCTS),
        api_client.get(product_url(product.slug)),
        api_client.get("/catalogue.jsonld"),
        api_client.get("/catalogue.jsonld", {"format": "ttl"}),
    ]
    for client in (owner, staff):
        responses += [
            client.get(product_url(product.slug)),
            client.get(product_url(product.slug, "versions/")),
            client.get(product_url(product.slug, "versions/1/")),
            client.get(product_url(product.slug, "versions/2/")),
        ]
    responses.append(
        owner.post(
            product_url(product.slug, "versions/2/dataset"),
            {"file": csv_upload(footfall_csv(50), "dataset.csv")},
            format="multipart",
        )
    )
    newer = product.versions.get(number=2)
    newer.refresh_from_db()
    for response in responses:
        assert response.status_code == 200, response.content
        text = response.content.decode()
        for name in (stored, newer.dataset.name):
            assert name not in text
            assert os.path.basename(name) not in text
        assert "/media/" not in text


def test_reference_lists_are_public(api_client):
    categories = api_client.get("/api/v1/categories/").json()
    assert categories[0] == {
        "slug": "mobility-logistics",
        "name": "Mobility & logistics",
        "description": "Shipping routes, port dwell times, fleets",
    }
    purposes = api_client.get("/api/v1/purposes/").json()
    assert any(p["code"] == "ai-model-training" for p in purposes)
