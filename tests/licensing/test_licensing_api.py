"""Request → assessment → approval → licence → permission → query → usage, through the API
with real tokens; the blocked and manual-review paths; quota; expiry; revocation; BOLA."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from guardian.shortcuts import get_perms
from pyld import jsonld

from accounts.services import api_token_create
from compliance.models import Pipeline  # noqa: F401 - reference data comes with migrations
from licensing import services
from licensing.models import Licence, LicenceRequest, UsageRecord
from licensing.odrl import ODRL_CONTEXT, ODRL_CONTEXT_URL
from licensing.tasks import expire_licences
from tests.conftest import bearer
from tests.factories import OrganizationFactory, listed_product, member_of, reviewer

pytestmark = pytest.mark.django_db
QUERY = {
    "group_by": ["district"],
    "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"}],
}


def token_for(org, **kwargs):
    user = member_of(org)
    _t, raw = api_token_create(user=user, organization=org, name="integration", **kwargs)
    return user, raw


@pytest.fixture
def market():
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    product = listed_product(provider, offer={"queries_per_month": 3})
    buyer = OrganizationFactory(jurisdiction="CN", is_provider=False, legal_name="Lumina Robotics")
    return provider, product, buyer


def request_licence(client, product, **overrides):
    offer = product.offers.get()
    terms = client.get(f"/api/v1/offers/{offer.pk}/terms/").json()
    body = {
        "offer": offer.pk,
        "purpose": "market-research",
        "processing_jurisdiction": "CN",
        "intended_start": timezone.localdate().isoformat(),
        "accepted_terms_hash": terms["terms_hash"],
        **overrides,
    }
    return client.post("/api/v1/licence-requests/", body, format="json")


def test_end_to_end_through_the_api(api_client, market):
    provider, product, buyer = market
    buyer_user, buyer_raw = token_for(buyer, processing_jurisdiction="CN")
    provider_user, provider_raw = token_for(provider)
    b = bearer(api_client, buyer_raw)

    created = request_licence(b, product)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "awaiting_provider"
    assert body["assessment"]["decision"] == "allow"  # MY non-personal → CN
    assert body["accepted_terms"]["territories"] == ["CN", "MY", "SG"]
    request_id = body["id"]

    # The buyer cannot decide its own request; the provider can.
    assert (
        b.post(
            f"/api/v1/licence-requests/{request_id}/decision/", {"approve": True}, format="json"
        ).status_code
        == 403
    )
    from rest_framework.test import APIClient

    p = bearer(APIClient(), provider_raw)
    decided = p.post(
        f"/api/v1/licence-requests/{request_id}/decision/", {"approve": True}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    licence = Licence.objects.get(request_id=request_id)
    assert licence.status == "active" and licence.purposes == ["market-research"]
    assert "use_product" in get_perms(buyer.group, product)

    # Access: purpose and jurisdiction declared; aggregates only; metered; audited.
    answer = b.post(
        f"/api/v1/products/{product.slug}/query",
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
    )
    assert answer.status_code == 200, answer.json()
    result = answer.json()
    assert result["columns"] == ["district", "count", "sum_visitors"]
    assert all(row[1] >= result["min_group_size"] for row in result["rows"])
    usage = UsageRecord.objects.get()
    assert usage.organization == buyer and usage.processing_jurisdiction == "CN"
    listed = b.get("/api/v1/licences/").json()["results"]
    assert listed[0]["quota_used"] == 1 and listed[0]["status"] == "active"
    assert b.get("/api/v1/usage/").json()["results"][0]["kind"] == "query"
    assert p.get("/api/v1/usage/").json()["results"][0]["organization"] == buyer.slug
    from kernel.ledger.models import AuditEvent

    assert AuditEvent.objects.filter(action="licensing.access.query").count() == 1


def test_access_needs_the_right_purpose_jurisdiction_and_quota(api_client, market):
    provider, product, buyer = market
    _u, raw = token_for(buyer)
    b = bearer(api_client, raw)
    request_id = request_licence(b, product).json()["id"]
    services.licence_request_decide(
        request=LicenceRequest.objects.get(pk=request_id),
        user=provider.memberships.first().user,
        approve=True,
    )
    url = f"/api/v1/products/{product.slug}/query"
    no_purpose = b.post(url, QUERY, format="json", HTTP_X_PROCESSING_JURISDICTION="CN")
    assert no_purpose.status_code == 403 and "X-Purpose" in no_purpose.json()["error"]["message"]
    wrong = b.post(
        url,
        QUERY,
        format="json",
        HTTP_X_PURPOSE="ai-model-training",
        HTTP_X_PROCESSING_JURISDICTION="CN",
    )
    assert wrong.status_code == 403
    elsewhere = b.post(
        url,
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
        HTTP_X_PROCESSING_JURISDICTION="SG",
    )
    assert elsewhere.status_code == 403 and "CN" in elsewhere.json()["error"]["message"]
    bad = b.post(
        url,
        {"group_by": ["mall_id"]},
        format="json",
        HTTP_X_PURPOSE="market-research",
        HTTP_X_PROCESSING_JURISDICTION="CN",
    )
    assert bad.status_code == 400 and "group_by[0]" in bad.json()["error"]["fields"]
    headers = {"HTTP_X_PURPOSE": "market-research", "HTTP_X_PROCESSING_JURISDICTION": "CN"}
    for _ in range(3):
        assert b.post(url, QUERY, format="json", **headers).status_code == 200
    over = b.post(url, QUERY, format="json", **headers)
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "quota_exceeded" and "resets_at" in over.json()["error"]
    assert int(over["Retry-After"]) > 0
    assert UsageRecord.objects.count() == 3


def test_k_suppression_and_identifier_refusal_through_the_api(api_client, market):
    provider, product, buyer = market
    _u, raw = token_for(buyer, processing_jurisdiction="CN")
    b = bearer(api_client, raw)
    request_id = request_licence(b, product).json()["id"]
    services.licence_request_decide(
        request=LicenceRequest.objects.get(pk=request_id),
        user=provider.memberships.first().user,
        approve=True,
    )
    k = product.listed_version.min_group_size
    url = f"/api/v1/products/{product.slug}/query"
    # visitors = 100 + 7·i: nine rows (i = 0..8), three per district, all below k=10.
    small = b.post(
        url,
        {
            "group_by": ["district"],
            "aggregates": [{"fn": "count"}],
            "filters": [{"column": "visitors", "op": "between", "value": [100, 160]}],
        },
        format="json",
        HTTP_X_PURPOSE="market-research",
    ).json()
    assert small["rows"] == [] and small["groups_suppressed"] == 3
    whole = b.post(
        url,
        {"group_by": ["district"], "aggregates": [{"fn": "count"}]},
        format="json",
        HTTP_X_PURPOSE="market-research",
    ).json()
    assert whole["groups_suppressed"] == 0 and all(row[1] >= k for row in whole["rows"])
    refused = b.post(
        url, {"group_by": ["mall_id"]}, format="json", HTTP_X_PURPOSE="market-research"
    )
    assert refused.status_code == 400
    assert "identifier" in refused.json()["error"]["message"]


def test_blocked_and_manual_review_paths(api_client):
    # Vietnamese personal data: the rules send it to a compliance reviewer.
    vn = OrganizationFactory(jurisdiction="VN")
    product = listed_product(
        vn,
        data_categories=["personal"],
        data_subject_count=5000,
        consent_evidence="Consent forms",
        offer={"territories": ["SG"]},
    )
    buyer = OrganizationFactory(jurisdiction="SG", is_provider=False)
    _u, raw = token_for(buyer)
    b = bearer(api_client, raw)
    body = request_licence(b, product, processing_jurisdiction="SG").json()
    assert body["status"] == "manual_review"
    assert body["assessment"]["decision"] == "manual_review"
    request = LicenceRequest.objects.get(pk=body["id"])
    with pytest.raises(Exception, match="compliance reviewers"):
        services.licence_request_review(
            request=request, reviewer=buyer.memberships.first().user, allow=True, note="mine"
        )
    services.licence_request_review(
        request=request,
        reviewer=reviewer("compliance_reviewer"),
        allow=False,
        note="Decree 356/2025: sale of personal data.",
    )
    request.refresh_from_db()
    assert request.status == "blocked" and not Licence.objects.exists()
    # The buyer sees the outcome of the compliance decision.
    assert b.get(f"/api/v1/licence-requests/{request.pk}/").json()["status"] == "blocked"


def test_china_personal_data_waits_for_mechanism_evidence(api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cn = OrganizationFactory(jurisdiction="CN")
    product = listed_product(
        cn,
        data_categories=["personal"],
        data_subject_count=150_000,
        consent_evidence="Separate consent",
        offer={"territories": ["MY"]},
    )
    buyer = OrganizationFactory(jurisdiction="MY", is_provider=False)
    _u, raw = token_for(buyer)
    body = request_licence(bearer(api_client, raw), product, processing_jurisdiction="MY").json()
    assert body["status"] == "awaiting_evidence"
    assert set(body["assessment"]["mechanisms_any_of"]) == {
        "cn_standard_contract",
        "cn_certification",
    }
    request = LicenceRequest.objects.get(pk=body["id"])
    owner = cn.memberships.first().user
    ev = services.licence_request_add_evidence(
        request=request,
        user=owner,
        mechanism="cn_standard_contract",
        title="Provincial CAC filing receipt",
        upload=SimpleUploadedFile("r.pdf", b"%PDF"),
        reference="GD-SCC-2026-0042",
        issued_on=timezone.localdate(),
    )
    assert ev.valid
    request.refresh_from_db()
    assert request.status == "awaiting_provider"
    licence = services.licence_request_decide(request=request, user=owner, approve=True).licence
    assert licence.evidence[0]["mechanism"] == "cn_standard_contract"


def test_judicial_recipient_is_blocked_by_the_rules():
    from compliance.rules.services import transfer_assess

    result = transfer_assess(
        facts={
            "origin": "CN",
            "destination": "SG",
            "data_categories": ["non_personal"],
            "recipient_type": "judicial",
        }
    )
    assert result.decision == "block"


def test_duplicate_open_requests_and_wrong_terms_are_refused(api_client, market):
    provider, product, buyer = market
    _u, raw = token_for(buyer)
    b = bearer(api_client, raw)
    assert request_licence(b, product).status_code == 201
    again = request_licence(b, product)
    assert (
        again.status_code == 409
        and "already have an open request" in again.json()["error"]["message"]
    )
    stale = request_licence(b, product, accepted_terms_hash="0" * 64)
    assert stale.status_code == 409
    other = OrganizationFactory(is_provider=False)
    _u2, raw2 = token_for(other)
    from rest_framework.test import APIClient

    wrong = request_licence(bearer(APIClient(), raw2), product, purpose="robot-navigation")
    assert wrong.status_code == 400 and "purpose" in wrong.json()["error"]["fields"]
    pending = OrganizationFactory(is_provider=False, verification_status="pending")
    _u3, raw3 = token_for(pending)
    refused = request_licence(bearer(APIClient(), raw3), product)
    assert refused.status_code == 403 and "verified" in refused.json()["error"]["message"]


def test_withdraw_before_a_decision(api_client, market):
    provider, product, buyer = market
    _u, raw = token_for(buyer)
    b = bearer(api_client, raw)
    request_id = request_licence(b, product).json()["id"]
    assert (
        b.post(f"/api/v1/licence-requests/{request_id}/withdraw/").json()["status"] == "withdrawn"
    )
    assert b.post(f"/api/v1/licence-requests/{request_id}/withdraw/").status_code == 409


def _licensed(market):
    provider, product, buyer = market
    user = member_of(buyer)
    request = services.licence_request_create(
        buyer=buyer,
        user=user,
        offer=product.offers.get(),
        purpose="market-research",
        processing_jurisdiction="CN",
        intended_start=timezone.localdate(),
        accepted_terms_hash=services.terms_hash(services.offer_terms(product.offers.get())),
    )
    services.licence_request_decide(
        request=request, user=provider.memberships.first().user, approve=True
    )
    return Licence.objects.get(request=request), user


def test_expiry_by_the_beat_task_removes_access(api_client, market):
    licence, user = _licensed(market)
    product, buyer = licence.product, licence.buyer
    with time_machine.travel(licence.ends_at + timedelta(minutes=1)):
        _t, raw = api_token_create(user=user, organization=buyer, name="t")
        assert expire_licences.delay().get() == 1
        assert expire_licences.delay().get() == 0  # idempotent
        licence.refresh_from_db()
        assert licence.status == "expired"
        assert "use_product" not in get_perms(buyer.group, product)
        response = bearer(api_client, raw).post(
            f"/api/v1/products/{product.slug}/query",
            QUERY,
            format="json",
            HTTP_X_PURPOSE="market-research",
            HTTP_X_PROCESSING_JURISDICTION="CN",
        )
        # The buyer held the licence: the refusal says it expired, when, and what to do.
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "licence_expired"
        assert error["licence"] == licence.pk
        assert error["at"] == licence.ends_at.isoformat()
        assert "expired on" in error["message"]
        assert "renew" in error["next_steps"]


def test_revocation_removes_access_at_once(api_client, market):
    licence, user = _licensed(market)
    provider = licence.product.provider
    _t, raw = api_token_create(user=user, organization=licence.buyer, name="t")
    url = f"/api/v1/products/{licence.product.slug}/query"
    headers = {"HTTP_X_PURPOSE": "market-research", "HTTP_X_PROCESSING_JURISDICTION": "CN"}
    assert bearer(api_client, raw).post(url, QUERY, format="json", **headers).status_code == 200
    from rest_framework.test import APIClient

    _pu, praw = token_for(provider)
    p = bearer(APIClient(), praw)
    assert (
        p.post(f"/api/v1/licences/{licence.pk}/revoke/", {"reason": ""}, format="json").status_code
        == 400
    )
    done = p.post(
        f"/api/v1/licences/{licence.pk}/revoke/", {"reason": "Breach of terms"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    refused = bearer(api_client, raw).post(url, QUERY, format="json", **headers)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "licence_revoked"
    assert error["reason"] == "Breach of terms"
    assert error["by"] == provider.legal_name
    assert error["provider"] == {"name": provider.legal_name, "slug": provider.slug}
    assert "was revoked on" in error["message"] and "Breach of terms" in error["message"]
    assert "request a new licence" in error["next_steps"]
    assert "use_product" not in get_perms(licence.buyer.group, licence.product)
    # Another buyer that never held a licence still finds no such endpoint.
    stranger = OrganizationFactory(jurisdiction="SG", is_provider=False)
    _su, sraw = token_for(stranger)
    never = bearer(APIClient(), sraw).post(url, QUERY, format="json", **headers)
    assert never.status_code == 404 and never.json()["error"]["code"] == "not_found"


def test_odrl_policy_is_valid_json_ld(api_client, market):
    licence, user = _licensed(market)
    _t, raw = api_token_create(user=user, organization=licence.buyer, name="t")
    response = bearer(api_client, raw).get(f"/api/v1/licences/{licence.pk}/policy.jsonld")
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    document = response.json()

    def loader(url, options=None):
        assert url == ODRL_CONTEXT_URL
        return {"contextUrl": None, "documentUrl": url, "document": ODRL_CONTEXT}

    expanded = jsonld.expand(document, {"documentLoader": loader})
    assert "http://www.w3.org/ns/odrl/2/Agreement" in expanded[0]["@type"]
    assert expanded[0]["http://www.w3.org/ns/odrl/2/permission"]
    assert expanded[0]["http://www.w3.org/ns/odrl/2/prohibition"]


ENDPOINTS = [
    ("get", "/api/v1/licence-requests/{request}/"),
    ("post", "/api/v1/licence-requests/{request}/withdraw/"),
    ("post", "/api/v1/licence-requests/{request}/decision/"),
    ("get", "/api/v1/licences/{licence}/"),
    ("get", "/api/v1/licences/{licence}/policy.jsonld"),
    ("post", "/api/v1/licences/{licence}/revoke/"),
    ("post", "/api/v1/licences/{licence}/renew/"),
    ("post", "/api/v1/products/{product}/query"),
    ("get", "/api/v1/products/{product}/report"),
    ("get", "/api/v1/products/{product}/extract"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_second_buyer_sees_nothing(api_client, market, method, path):
    licence, _user = _licensed(market)
    intruder = OrganizationFactory(jurisdiction="CN", is_provider=False)
    _u, raw = token_for(intruder, processing_jurisdiction="CN")
    url = path.format(request=licence.request_id, licence=licence.pk, product=licence.product.slug)
    response = getattr(bearer(api_client, raw), method)(
        url, {"approve": True, "reason": "x"}, format="json", HTTP_X_PURPOSE="market-research"
    )
    assert response.status_code in (403, 404), (url, response.status_code)
    assert response.status_code == 404 or "error" in response.json()
    assert bearer(api_client, raw).get("/api/v1/licences/").json()["results"] == []
    assert bearer(api_client, raw).get("/api/v1/licence-requests/").json()["results"] == []
    assert bearer(api_client, raw).get("/api/v1/usage/").json()["results"] == []
    licence.refresh_from_db()
    assert licence.status == "active"


def test_a_token_of_org_a_cannot_use_org_bs_licence(api_client, market):
    licence, user = _licensed(market)
    other = OrganizationFactory(jurisdiction="CN", is_provider=False)
    from accounts.models import Membership

    Membership.objects.create(user=user, organization=other, role="member")
    user.groups.add(other.group)
    _t, raw = api_token_create(user=user, organization=other, name="other-org")
    response = bearer(api_client, raw).post(
        f"/api/v1/products/{licence.product.slug}/query",
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
        HTTP_X_PROCESSING_JURISDICTION="CN",
    )
    assert response.status_code == 404
