"""Lax input closed: unknown fields are a 400 naming them, pagination parameters are
validated, and a token bound to a jurisdiction cannot be moved by a header."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import bearer, token_for
from tests.factories import OrganizationFactory, draft_product, listed_product, member_of

pytestmark = pytest.mark.django_db

PRODUCT = {
    "title": "Port dwell times",
    "summary": "Dwell times at Port Klang.",
    "category": "mobility-logistics",
    "origin_jurisdiction": "MY",
}
UNKNOWN = "Unknown field: this operation does not accept it."


def _provider_client():
    org = OrganizationFactory(jurisdiction="MY")
    _user, raw = token_for(org)
    return org, bearer(APIClient(), raw)


def test_unknown_fields_on_product_post_are_refused_by_name():
    _org, client = _provider_client()
    response = client.post(
        "/api/v1/products/", {**PRODUCT, "price": 10, "featured": True}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"featured": [UNKNOWN], "price": [UNKNOWN]}
    assert error["message"] == f"featured: {UNKNOWN}"
    # Without them the same body is accepted.
    assert client.post("/api/v1/products/", PRODUCT, format="json").status_code == 201


def test_unknown_fields_are_refused_on_patch_nested_objects_and_other_apps():
    org, client = _provider_client()
    product = draft_product(org, member_of(org))
    patch = client.patch(
        f"/api/v1/products/{product.slug}/versions/1/",
        {"description": "New.", "statuss": "listed"},
        format="json",
    )
    assert patch.status_code == 400
    assert patch.json()["error"]["fields"] == {"statuss": [UNKNOWN]}
    # A nested object (a schema field) is strict too.
    nested = client.patch(
        f"/api/v1/products/{product.slug}/versions/1/",
        {"schema": {"fields": [{"name": "a", "type": "string", "colour": "red"}]}},
        format="json",
    )
    assert nested.status_code == 400, nested.json()
    assert "colour" in str(nested.json()["error"]["fields"])
    # Tokens (accounts) and transfer assessments (rules) refuse them as well.
    token = client.post("/api/v1/tokens/", {"name": "ci", "scope": "all"}, format="json")
    assert token.status_code == 400
    assert token.json()["error"]["fields"] == {"scope": [UNKNOWN]}
    assessment = client.post(
        "/api/v1/transfer-assessments/",
        {"origin": "MY", "destination": "CN", "override": True},
        format="json",
    )
    assert assessment.status_code == 400
    assert assessment.json()["error"]["fields"]["override"] == [UNKNOWN]


def test_a_read_only_field_sent_in_a_write_is_refused():
    org, client = _provider_client()
    product = draft_product(org, member_of(org))
    response = client.patch(
        f"/api/v1/products/{product.slug}/", {"slug": "taken-over"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"slug": [UNKNOWN]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page_size=5&page_size=10", "page_size: Give this parameter once."),
        ("page_size=null", "page_size: A whole number of at least 1 is required."),
        ("page_size=", "page_size: A whole number of at least 1 is required."),
        ("page_size=ten", "page_size: A whole number of at least 1 is required."),
        ("page_size=0", "page_size: A whole number of at least 1 is required."),
        ("page_size=-3", "page_size: A whole number of at least 1 is required."),
        ("page_size=101", "page_size: At most 100 is allowed."),
        ("page=1&page=2", "page: Give this parameter once."),
        ("page=first", "page: A whole number of at least 1 is required."),
    ],
)
def test_bad_pagination_parameters_are_a_400_naming_them(query, message):
    _org, client = _provider_client()
    for url in ("/api/v1/products/", "/api/v1/licences/", "/api/v1/tokens/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["error"]["message"] == message, url


def test_valid_pagination_still_pages():
    org, client = _provider_client()
    listed_product(org)
    listed_product(org)
    response = client.get("/api/v1/products/?page_size=1&page=2")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert client.get("/api/v1/products/?page_size=1&page=9").status_code == 404


QUERY = {"group_by": ["district"], "aggregates": [{"fn": "count"}]}


def test_a_token_bound_to_a_jurisdiction_refuses_another_in_the_header(licensed):
    client, product = licensed["client"], licensed["product"]
    url = f"/api/v1/products/{product.slug}/query"
    moved = client.post(
        url,
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
        HTTP_X_PROCESSING_JURISDICTION="SG",  # the licence covers SG; the token says CN
    )
    assert moved.status_code == 403
    error = moved.json()["error"]
    assert error["code"] == "jurisdiction_mismatch"
    assert "bound to processing in CN" in error["message"] and "SG" in error["message"]
    # The token's own jurisdiction, named or not, works.
    for headers in ({"HTTP_X_PROCESSING_JURISDICTION": "cn"}, {}):
        same = client.post(url, QUERY, format="json", HTTP_X_PURPOSE="market-research", **headers)
        assert same.status_code == 200, same.json()


def test_an_unbound_token_takes_the_header(licensed):
    buyer, product = licensed["buyer"], licensed["product"]
    _user, raw = token_for(buyer)  # no processing jurisdiction
    client = bearer(APIClient(), raw)
    response = client.post(
        f"/api/v1/products/{product.slug}/query",
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
        HTTP_X_PROCESSING_JURISDICTION="CN",
    )
    assert response.status_code == 200, response.json()
