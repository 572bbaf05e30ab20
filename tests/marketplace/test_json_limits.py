"""Every JSON body is bounded: a body nested deeper than API_JSON_MAX_DEPTH or larger than
API_JSON_MAX_BYTES is a 400 in the error shape, on every family of JSON endpoints (before,
5,000 nested arrays were an HTTP 500 from Python's recursion limit)."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from compliance.models import StageReview
from compliance.services import cases
from marketplace.api.parsers import json_depth
from tests.conftest import bearer
from tests.factories import (
    OrganizationFactory,
    add_offer,
    draft_product,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def _provider():
    org = OrganizationFactory(jurisdiction="MY")
    user = member_of(org)
    _t, raw = api_token_create(user=user, organization=org, name="tests")
    return org, user, bearer(APIClient(), raw)


def _endpoints():
    """(family, method, url, client) for one endpoint of each family that takes JSON."""
    org, user, provider = _provider()
    product = draft_product(org, user)
    listed = listed_product(org, user)
    in_review = draft_product(org, user)
    add_offer(in_review, user, territories=["MY"])
    case = cases.review_submit(version=in_review.versions.get(), actor=user)
    stage_pk = StageReview.objects.filter(case=case).order_by("pk").first().pk
    staff = APIClient()
    staff.force_authenticate(reviewer("legal_reviewer"))
    buyer_org = OrganizationFactory(jurisdiction="CN", is_provider=False)
    _t, raw = api_token_create(user=member_of(buyer_org), organization=buyer_org, name="b")
    buyer = bearer(APIClient(), raw)
    return [
        ("accounts: tokens", "post", "/api/v1/tokens/", provider),
        ("catalogue: products", "post", "/api/v1/products/", provider),
        ("catalogue: versions", "patch", f"/api/v1/products/{product.slug}/versions/1/", provider),
        ("catalogue: offers", "post", f"/api/v1/products/{product.slug}/offers/", provider),
        ("rules: transfer assessments", "post", "/api/v1/transfer-assessments/", buyer),
        (
            "compliance: review decisions",
            "post",
            f"/api/v1/review/stages/{stage_pk}/decision/",
            staff,
        ),
        ("licensing: licence requests", "post", "/api/v1/licence-requests/", buyer),
        ("access: queries", "post", f"/api/v1/products/{listed.slug}/query", provider),
    ]


def _send(client, method, url, body: str):
    return getattr(client, method)(url, data=body, content_type="application/json")


def test_deeply_nested_json_is_a_400_on_every_family():
    for family, method, url, client in _endpoints():
        response = _send(client, method, url, DEEP)
        assert response.status_code == 400, (family, response.status_code, response.content)
        error = response.json()["error"]
        assert error["code"] == "json_too_deep", family
        assert error["message"] == "The JSON body is nested deeper than 32 levels.", family


def test_oversize_json_is_a_400_on_every_family(settings):
    settings.API_JSON_MAX_BYTES = 2000
    big = json.dumps({"title": "x" * 3000})
    for family, method, url, client in _endpoints():
        response = _send(client, method, url, big)
        assert response.status_code == 400, (family, response.status_code, response.content)
        error = response.json()["error"]
        assert error["code"] == "json_too_large", family
        assert error["message"] == "The JSON body is larger than 2000 bytes.", family


def test_depth_at_the_limit_is_parsed_and_one_more_is_refused():
    _org, _user, provider = _provider()
    at_limit = "[" * 32 + "]" * 32
    # Parsed: the serializer answers about the content, not the parser about the shape.
    response = _send(provider, "post", "/api/v1/tokens/", at_limit)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    response = _send(provider, "post", "/api/v1/tokens/", "[" + at_limit + "]")
    assert response.json()["error"]["code"] == "json_too_deep"


def test_malformed_json_is_a_400_naming_the_problem():
    _org, _user, provider = _provider()
    response = _send(provider, "post", "/api/v1/tokens/", '{"name": ')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert response.json()["error"]["message"].startswith("JSON parse error")
    response = _send(provider, "post", "/api/v1/tokens/", '{"name": NaN}')
    assert response.status_code == 400


def test_brackets_inside_strings_do_not_count_as_depth():
    assert json_depth(b'{"a": "[[[[[[[[[[{{{{{{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert json_depth(b'"just a string"') == 0
    assert json_depth(b"[[], [[]], {}]") == 3
