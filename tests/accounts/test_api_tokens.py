import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Membership
from accounts.services import api_token_create, api_token_revoke
from tests.conftest import bearer
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def test_token_created_in_the_browser_is_shown_once_and_only_its_hash_is_stored(client):
    org = OrganizationFactory()
    user = member_of(org)
    client.force_login(user)
    response = client.post(
        reverse("accounts:api_tokens"),
        {"name": "ERP integration", "expires_in_days": 30, "processing_jurisdiction": "CN"},
    )
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("dx_") and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.organization == org and token.processing_jurisdiction == "CN"
    # Listed again later without the secret.
    page = client.get(reverse("accounts:api_tokens")).content.decode()
    assert "ERP integration" in page and raw not in page


def test_bearer_token_authenticates_the_api(api_client):
    org = OrganizationFactory(legal_name="Merlion Insights Pte. Ltd.")
    user = member_of(org)
    _token, raw = api_token_create(user=user, organization=org, name="ci")
    response = bearer(api_client, raw).get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["active_organization"]["slug"] == org.slug


@pytest.mark.parametrize("header", ["Bearer dx_nope_nope", "Bearer", "Bearer a b"])
def test_bad_tokens_get_401_in_the_error_shape(api_client, header):
    response = api_client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"code", "message"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_rejected(api_client):
    org = OrganizationFactory()
    user = member_of(org)
    token, raw = api_token_create(user=user, organization=org, name="ci")
    api_token_revoke(token=token, revoked_by=user)
    response = bearer(api_client, raw).get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_expired_token_is_rejected(api_client):
    org = OrganizationFactory()
    user = member_of(org)
    _token, raw = api_token_create(
        user=user, organization=org, name="short", expires_at=timezone.now() + timedelta(days=1)
    )
    assert bearer(api_client, raw).get(ME).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = bearer(api_client, raw).get(ME)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_token_of_org_a_acts_for_org_a_only(api_client):
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    user = member_of(org_a)
    Membership.objects.create(user=user, organization=org_b, role="admin")
    _token, raw_a = api_token_create(user=user, organization=org_a, name="a")
    client = bearer(api_client, raw_a)
    assert client.get(ME).json()["active_organization"]["slug"] == org_a.slug
    # Tokens listed through A's token are A's tokens only.
    api_token_create(user=user, organization=org_b, name="b")
    names = [t["name"] for t in client.get("/api/v1/tokens/").json()["results"]]
    assert names == ["a"]
    # A token created through A's token is bound to A as well.
    created = client.post("/api/v1/tokens/", {"name": "a2"}, format="json").json()
    assert created["organization"] == org_a.slug


def test_token_stops_working_when_its_owner_leaves_the_organisation(api_client):
    org = OrganizationFactory()
    member_of(org)  # another admin stays
    user = member_of(org, role="member")
    token, raw = api_token_create(user=user, organization=org, name="ci")
    # Even if the token row were somehow left live, membership is re-checked on every call.
    Membership.objects.filter(user=user, organization=org).delete()
    response = bearer(api_client, raw).get(ME)
    assert response.status_code == 401


def test_cannot_create_a_token_for_an_organisation_one_does_not_belong_to():
    from kernel.exceptions import PermissionDenied

    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    user = member_of(org_a)
    with pytest.raises(PermissionDenied):
        api_token_create(user=user, organization=org_b, name="x")


def test_api_create_list_and_revoke(api_client):
    org = OrganizationFactory()
    user = member_of(org)
    api_client.force_authenticate(user)
    response = api_client.post(
        "/api/v1/tokens/",
        {"name": "warehouse", "processing_jurisdiction": "sg"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["token"].startswith("dx_") and body["processing_jurisdiction"] == "SG"
    listed = api_client.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["warehouse"] and "token" not in listed[0]
    response = api_client.post(f"/api/v1/tokens/{body['id']}/revoke/")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    again = api_client.post(f"/api/v1/tokens/{body['id']}/revoke/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_api_token_validation_errors_are_400(api_client):
    org = OrganizationFactory()
    api_client.force_authenticate(member_of(org))
    response = api_client.post(
        "/api/v1/tokens/", {"name": "x", "processing_jurisdiction": "ZZ"}, format="json"
    )
    assert response.status_code == 400
    assert "processing_jurisdiction" in response.json()["error"]["fields"]
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = api_client.post("/api/v1/tokens/", {"name": "y", "expires_at": past}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "expires_at": ["The expiry must be in the future."]
    }


def test_another_users_token_cannot_be_revoked(api_client):
    org = OrganizationFactory()
    owner, other = member_of(org), member_of(org)
    token, _raw = api_token_create(user=owner, organization=org, name="mine")
    api_client.force_authenticate(other)
    assert api_client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
