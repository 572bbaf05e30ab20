"""What a buyer is told when access stops, and how a licensee is shown to call the API.

Refusals name what happened, when, by whom and what to do, in HTML and in the API's
error shape; a caller who never held a licence still finds nothing (404). The "Access this
product" block shows the real endpoint and headers, and runs as shown.
"""

import shlex
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from licensing import services
from licensing.models import Licence
from tests.conftest import bearer
from tests.factories import (
    FOOTFALL_PRIVATE,
    OrganizationFactory,
    grant_licence,
    listed_product,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    org = OrganizationFactory(jurisdiction="MY", legal_name="KL Footfall Sdn. Bhd.")
    return org, member_of(org)


@pytest.fixture
def held(provider):
    product = listed_product(provider[0], provider[1])
    return grant_licence(product)


def _query(client, licence):
    return client.post(
        reverse("licensing:try_query", args=[licence.pk]),
        {"purpose": "market-research", "jurisdiction": "CN", "fn": "count"},
    )


def test_expired_licence_page_offers_renewal(client, held):
    licence, user = held
    # The term ended an hour ago and the beat task has not expired it yet.
    ended = timezone.now() - timedelta(hours=1)
    Licence.objects.filter(pk=licence.pk).update(
        starts_at=ended - timedelta(days=30), ends_at=ended
    )
    client.force_login(user)
    page = client.get(reverse("licensing:try_query", args=[licence.pk]))
    assert page.status_code == 403
    body = page.content.decode()
    assert "Your licence has expired" in body
    assert "at the end of its term" in body
    assert "Ask KL Footfall Sdn. Bhd. to renew the licence" in body
    assert "licence_expired" in body


def test_revoked_by_the_exchange_names_the_exchange_not_the_person(client, held):
    licence, user = held
    admin = reviewer("exchange_admin", email="admin@exchange.example")
    services.licence_revoke(licence=licence, actor=admin, reason="Sanctions listing")
    client.force_login(user)
    body = _query(client, licence).content.decode()
    assert "by the exchange: Sanctions listing." in body
    assert "admin@exchange.example" not in body


def test_api_suspension_says_when_by_whom_and_what_to_do(api_client, held):
    licence, user = held
    admin = reviewer("exchange_admin")
    services.licence_suspend(licence=licence, actor=admin, reason="Regulator's order")
    _t, raw = api_token_create(user=user, organization=licence.buyer, name="t")
    response = bearer(api_client, raw).post(
        f"/api/v1/products/{licence.product.slug}/query",
        {"aggregates": [{"fn": "count"}]},
        format="json",
        HTTP_X_PURPOSE="market-research",
        HTTP_X_PROCESSING_JURISDICTION="CN",
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "licence_suspended"
    assert error["by"] == "the exchange"
    assert error["reason"] == "Regulator's order"
    licence.refresh_from_db()
    assert error["at"] == licence.suspended_at.isoformat()
    assert "reinstates" in error["next_steps"]


def test_a_licence_revoked_while_the_panel_was_open_is_refused_not_404(client, held, provider):
    licence, user = held
    client.force_login(user)
    assert client.get(reverse("licensing:try_query", args=[licence.pk])).status_code == 200
    services.licence_revoke(licence=licence, actor=provider[1], reason="Unpaid invoice")
    answer = _query(client, licence)
    assert answer.status_code == 403
    assert "Your licence was revoked" in answer.content.decode()


def test_the_privacy_budget_spent_page(client, provider):
    product = listed_product(provider[0], provider[1], privacy=FOOTFALL_PRIVATE)
    licence, user = grant_licence(product)
    Licence.objects.filter(pk=licence.pk).update(
        privacy_epsilon_spent=licence.privacy_epsilon_budget
    )
    client.force_login(user)
    answer = client.post(
        reverse("licensing:try_query", args=[licence.pk]),
        {
            "purpose": "market-research",
            "jurisdiction": "CN",
            "fn": "count",
            "group_by": ["district"],
        },
    )
    assert answer.status_code == 429
    body = answer.content.decode()
    assert "The privacy budget is spent" in body and "privacy_budget_exhausted" in body
    assert "Queries already answered can be asked again at no cost" in body


# --- "Access this product" ---------------------------------------------------------------


def test_product_and_licence_pages_show_runnable_snippets(client, held):
    licence, user = held
    slug = licence.product.slug
    client.force_login(user)
    endpoint = f"http://testserver/api/v1/products/{slug}/query"
    for url in (
        reverse("catalogue:product", args=[slug]),
        reverse("licensing:licence_detail", args=[licence.pk]),
    ):
        page = client.get(url)
        body = page.content.decode()
        assert "Access this product" in body, url
        assert f"curl -X POST {endpoint}" in body
        assert "-H &#x27;X-Purpose: market-research&#x27;" in body
        assert "-H &#x27;X-Processing-Jurisdiction: CN&#x27;" in body
        assert "requests.post(" in body and f"&quot;{endpoint}&quot;" in body
        assert reverse("licensing:try_query", args=[licence.pk]) in body
    snippets = page.context["curl"], page.context["python"]
    assert '{"group_by": ["district"], "aggregates": [{"fn": "count"}]}' in snippets[0]
    assert 'json={"group_by": ["district"], "aggregates": [{"fn": "count"}]},' in snippets[1]


def test_the_curl_snippet_is_the_call_the_api_answers(api_client, held):
    licence, user = held
    client_page = APIClient()
    client_page.force_login(user)
    page = client_page.get(reverse("licensing:licence_detail", args=[licence.pk]))
    words = shlex.split(page.context["curl"].replace("\\\n", " "))
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    body = words[words.index("-d") + 1]
    path = words[3].removeprefix("http://testserver")
    _t, raw = api_token_create(user=user, organization=licence.buyer, name="t")
    response = bearer(api_client, raw).post(
        path,
        body,
        content_type=headers["Content-Type"],
        HTTP_X_PURPOSE=headers["X-Purpose"],
        HTTP_X_PROCESSING_JURISDICTION=headers["X-Processing-Jurisdiction"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["columns"] == ["district", "count"]


def test_no_snippets_without_a_live_licence(client, held, provider):
    licence, user = held
    outsider = member_of(OrganizationFactory(jurisdiction="SG", is_provider=False))
    client.force_login(outsider)
    page = client.get(reverse("catalogue:product", args=[licence.product.slug])).content.decode()
    assert "Access this product" not in page
    services.licence_revoke(licence=licence, actor=provider[1], reason="Breach.")
    client.force_login(user)
    for url in (
        reverse("catalogue:product", args=[licence.product.slug]),
        reverse("licensing:licence_detail", args=[licence.pk]),
    ):
        assert "Access this product" not in client.get(url).content.decode()
