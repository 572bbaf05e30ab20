"""Suspending and reinstating licences and products, through the API and the admin: who may,
what the buyer is told, what is recorded and notified, and that expiry still runs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from guardian.shortcuts import get_perms
from rest_framework.test import APIClient

from compliance.models import Notification
from kernel.ledger.models import AuditEvent
from licensing import services
from tests.conftest import bearer, token_for
from tests.factories import reviewer

pytestmark = pytest.mark.django_db
QUERY = {"group_by": ["district"], "aggregates": [{"fn": "count"}]}


def staff_client(group: str) -> tuple[APIClient, object]:
    user = reviewer(group)
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def query(client, product):
    return client.post(
        f"/api/v1/products/{product.slug}/query",
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
    )


@pytest.mark.parametrize("group", ["compliance_reviewer", "exchange_admin"])
def test_staff_suspend_a_licence_and_the_buyer_is_told_why(licensed, group):
    staff, user = staff_client(group)
    licence, product, buyer = licensed["licence"], licensed["product"], licensed["buyer"]
    assert query(licensed["client"], product).status_code == 200

    answer = staff.post(
        f"/api/v1/licences/{licence.pk}/suspend/",
        {"reason": "Regulator's order 2026/14"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "suspended"
    assert answer.json()["suspension_reason"] == "Regulator's order 2026/14"

    refused = query(licensed["client"], product)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "licence_suspended"
    assert "Regulator's order 2026/14" in error["message"]
    assert "use_product" not in get_perms(buyer.group, product)

    event = AuditEvent.objects.filter(action="licensing.licence.suspended").get()
    assert event.actor == user
    assert event.before["status"] == "active" and event.after["status"] == "suspended"
    # Both parties hear of it.
    subjects = set(
        Notification.objects.filter(organization__in=[buyer, licensed["provider"]]).values_list(
            "organization__legal_name", "subject"
        )
    )
    expected = f"Licence #{licence.pk} for “{product.title}” is suspended"
    assert ("Lumina Robotics", expected) in subjects
    assert ("Bukit Bintang Malls", expected) in subjects


def test_reinstating_resumes_access(licensed):
    staff, _user = staff_client("exchange_admin")
    licence, product = licensed["licence"], licensed["product"]
    services.licence_suspend(licence=licence, actor=_user, reason="Breach report")
    answer = staff.post(
        f"/api/v1/licences/{licence.pk}/reinstate/", {"reason": "Report unfounded"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "active"
    assert answer.json()["suspension_reason"] == ""
    assert "use_product" in get_perms(licensed["buyer"].group, product)
    assert query(licensed["client"], product).status_code == 200
    event = AuditEvent.objects.filter(action="licensing.licence.reinstated").get()
    assert event.before == {"status": "suspended", "reason": "Breach report"}
    assert event.after == {"status": "active", "reason": "Report unfounded"}


def test_a_reason_is_required_and_only_staff_may_suspend(licensed):
    licence = licensed["licence"]
    staff, _user = staff_client("compliance_reviewer")
    blank = staff.post(f"/api/v1/licences/{licence.pk}/suspend/", {"reason": "  "}, format="json")
    assert blank.status_code == 400
    # The provider may revoke its licences but not suspend them; a legal reviewer neither.
    provider_user, raw = token_for(licensed["provider"])
    provider = bearer(APIClient(), raw)
    refused = provider.post(
        f"/api/v1/licences/{licence.pk}/suspend/", {"reason": "x"}, format="json"
    )
    assert refused.status_code == 403
    legal, _ = staff_client("legal_reviewer")
    assert (
        legal.post(
            f"/api/v1/licences/{licence.pk}/suspend/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    licence.refresh_from_db()
    assert licence.status == "active"


def test_expiry_covers_suspended_licences(licensed):
    licence = licensed["licence"]
    _staff, user = staff_client("exchange_admin")
    services.licence_suspend(licence=licence, actor=user, reason="Investigation")
    licence.refresh_from_db()
    assert licence.ends_at is not None
    assert services.licences_expire_due(now=licence.ends_at + timedelta(seconds=1)) == 1
    licence.refresh_from_db()
    assert licence.status == "expired" and licence.end_reason == "term ended"
    # An expired licence cannot be reinstated.
    with pytest.raises(Exception) as raised:
        services.licence_reinstate(licence=licence, actor=user, reason="too late")
    assert "cannot go from" in str(raised.value)


def test_an_exchange_admin_suspends_a_product(licensed):
    staff, admin = staff_client("exchange_admin")
    product, provider, buyer = licensed["product"], licensed["provider"], licensed["buyer"]
    answer = staff.post(
        f"/api/v1/products/{product.slug}/suspend", {"reason": "Court order"}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "suspended"

    # Hidden from the catalogue for everyone but its provider and the exchange.
    anonymous = APIClient()
    slugs = [p["slug"] for p in anonymous.get("/api/v1/products/").json()["results"]]
    assert product.slug not in slugs
    assert anonymous.get(f"/api/v1/products/{product.slug}/").status_code == 404
    # Access under the live licence is paused, with the reason.
    refused = query(licensed["client"], product)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "product_suspended"
    assert "Court order" in refused.json()["error"]["message"]
    # The provider and the licensee are told.
    subject = f"“{product.title}” is suspended by the exchange"
    assert Notification.objects.filter(organization=provider, subject=subject).exists()
    assert Notification.objects.filter(organization=buyer, subject=subject).exists()

    back = staff.post(
        f"/api/v1/products/{product.slug}/reinstate", {"reason": "Order lifted"}, format="json"
    )
    assert back.status_code == 200 and back.json()["status"] == "listed"
    assert query(licensed["client"], product).status_code == 200
    actions = list(
        AuditEvent.objects.filter(object_type="catalogue.dataproduct", object_id=str(product.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["catalogue.product.suspended", "catalogue.product.reinstated"]


def test_reviewers_and_providers_cannot_suspend_a_product(licensed):
    product = licensed["product"]
    compliance, _ = staff_client("compliance_reviewer")
    answer = compliance.post(
        f"/api/v1/products/{product.slug}/suspend", {"reason": "x"}, format="json"
    )
    assert answer.status_code == 403
    _user, raw = token_for(licensed["provider"])
    provider = bearer(APIClient(), raw)
    answer = provider.post(
        f"/api/v1/products/{product.slug}/suspend", {"reason": "x"}, format="json"
    )
    assert answer.status_code == 403
    product.refresh_from_db()
    assert product.status == "listed"


def test_admin_actions_suspend_with_a_reason(client, licensed):
    admin = reviewer("exchange_admin")
    client.force_login(admin)
    licence = licensed["licence"]
    url = reverse("admin:licensing_licence_changelist")
    page = client.get(url).content.decode()
    assert "Suspend the selected licences" in page
    client.post(
        url,
        {"action": "suspend", "_selected_action": [licence.pk], "reason": ""},
        follow=True,
    )
    licence.refresh_from_db()
    assert licence.status == "active"  # no reason, no suspension
    answer = client.post(
        url,
        {"action": "suspend", "_selected_action": [licence.pk], "reason": "Breach report 7"},
        follow=True,
    )
    assert "1 licence(s) suspended." in answer.content.decode()
    licence.refresh_from_db()
    assert licence.status == "suspended" and licence.suspension_reason == "Breach report 7"

    product = licensed["product"]
    url = reverse("admin:catalogue_dataproduct_changelist")
    answer = client.post(
        url,
        {"action": "suspend", "_selected_action": [product.pk], "reason": "Court order"},
        follow=True,
    )
    assert "1 product(s) suspended." in answer.content.decode()
    product.refresh_from_db()
    assert product.status == "suspended"


def test_the_legal_reviewer_has_no_suspend_action(client, licensed):
    client.force_login(reviewer("legal_reviewer"))
    page = client.get(reverse("admin:catalogue_dataproduct_changelist")).content.decode()
    assert "Suspend the selected products" not in page


def test_a_suspended_licence_page_says_so(client, licensed):
    licence = licensed["licence"]
    _staff, admin = staff_client("exchange_admin")
    services.licence_suspend(licence=licence, actor=admin, reason="Regulator's order")
    client.force_login(licensed["buyer"].memberships.first().user)
    panel = client.get(reverse("licensing:try_query", args=[licence.pk]))
    assert panel.status_code == 403
    page = panel.content.decode()
    assert "Your licence is suspended" in page and "Regulator&#x27;s order" in page
    assert "by the exchange" in page and "licence_suspended" in page
    assert "it resumes if the exchange reinstates the licence" in page
    detail = client.get(reverse("licensing:licence_detail", args=[licence.pk])).content.decode()
    assert "suspended by the exchange" in detail and "Regulator&#x27;s order" in detail
