"""The review API: reviewers decide through the same services; providers follow along."""

import pytest

from accounts.services import api_token_create
from compliance.services import cases
from tests.conftest import bearer
from tests.factories import OrganizationFactory, add_offer, draft_product, member_of, reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(django_capture_on_commit_callbacks):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner, territories=["MY"])
    with django_capture_on_commit_callbacks(execute=True):
        return cases.review_submit(version=product.versions.get(), actor=owner)


def test_reviewer_lists_decides_and_sees_conflicts(
    api_client, case, django_capture_on_commit_callbacks
):
    legal_reviewer = reviewer("legal_reviewer")
    api_client.force_authenticate(legal_reviewer)
    listed = api_client.get("/api/v1/review/stages/").json()["results"]
    assert [(s["product"], s["stage"], s["status"]) for s in listed] == [
        (case.product.slug, "legal", "awaiting_decision")
    ]
    stage_id = listed[0]["id"]
    detail = api_client.get(f"/api/v1/review/stages/{stage_id}/").json()
    assert {f["check_id"] for f in detail["findings"]} >= {"legal.declarations"}
    bad = api_client.post(
        f"/api/v1/review/stages/{stage_id}/decision/", {"decision": "rejected"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["comment"]
    with django_capture_on_commit_callbacks(execute=True):
        ok = api_client.post(
            f"/api/v1/review/stages/{stage_id}/decision/", {"decision": "approved"}, format="json"
        )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    again = api_client.post(
        f"/api/v1/review/stages/{stage_id}/decision/", {"decision": "approved"}, format="json"
    )
    assert again.status_code == 409 and "Already decided" in again.json()["error"]["message"]


def test_other_reviewers_and_buyers_cannot_use_the_queue(api_client, case):
    stage_id = case.stages.get(stage="legal").pk
    api_client.force_authenticate(reviewer("technical_reviewer"))
    visible = api_client.get("/api/v1/review/stages/").json()["results"]
    assert {s["stage"] for s in visible} == {"technical"}
    assert (
        api_client.post(
            f"/api/v1/review/stages/{stage_id}/decision/", {"decision": "approved"}, format="json"
        ).status_code
        == 404
    )
    buyer_org = OrganizationFactory()
    buyer = member_of(buyer_org)
    _t, raw = api_token_create(user=buyer, organization=buyer_org, name="x")
    api_client.force_authenticate(None)
    client = bearer(api_client, raw)
    assert client.get("/api/v1/review/stages/").status_code == 403


def test_provider_follows_the_review_but_not_others(api_client, case):
    owner = case.product.provider.memberships.first().user
    _t, raw = api_token_create(user=owner, organization=case.product.provider, name="ci")
    body = bearer(api_client, raw).get(f"/api/v1/products/{case.product.slug}/review/").json()
    assert body["status"] == "open" and [s["stage"] for s in body["stages"]] == [
        "legal",
        "technical",
        "compliance",
    ]
    stranger_org = OrganizationFactory()
    stranger = member_of(stranger_org)
    _t, raw2 = api_token_create(user=stranger, organization=stranger_org, name="x")
    response = bearer(api_client, raw2).get(f"/api/v1/products/{case.product.slug}/review/")
    assert response.status_code == 404
