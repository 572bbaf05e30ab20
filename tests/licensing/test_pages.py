"""Licensing in the browser: requesting an offer, deciding, holding, revoking, querying."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from licensing import services
from licensing.models import Licence, LicenceRequest, UsageRecord
from tests.factories import OrganizationFactory, csv_upload, listed_product, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    org = OrganizationFactory(jurisdiction="MY", legal_name="KL Footfall Sdn. Bhd.")
    return org, member_of(org)


@pytest.fixture
def product(provider):
    org, owner = provider
    return listed_product(org, owner)


@pytest.fixture
def buyer():
    org = OrganizationFactory(jurisdiction="CN", is_provider=False, legal_name="Shenzhen Robotics")
    return org, member_of(org)


def _offer(product):
    return product.offers.get()


def _request_url(product):
    return reverse("licensing:request_new", args=[product.slug, _offer(product).pk])


def _form_data(client, product, **overrides):
    page = client.get(_request_url(product))
    assert page.status_code == 200
    terms_hash = page.context["form"].initial["accepted_terms_hash"]
    data = {
        "purpose": "market-research",
        "processing_jurisdiction": "CN",
        "intended_start": timezone.localdate().isoformat(),
        "accept_terms": "on",
        "message": "For our cleaning robots' route planning.",
        "accepted_terms_hash": terms_hash,
    }
    data.update(overrides)
    return data


def _send_request(client, product, follow=False, **overrides):
    return client.post(
        _request_url(product), _form_data(client, product, **overrides), follow=follow
    )


def _granted_licence(client, product, buyer, provider) -> Licence:
    client.force_login(buyer[1])
    _send_request(client, product)
    lr = LicenceRequest.objects.get(buyer=buyer[0])
    services.licence_request_decide(request=lr, user=provider[1], approve=True)
    return Licence.objects.get(request=lr)


def test_buyer_requests_an_offer_and_waits_for_the_provider(client, product, buyer):
    client.force_login(buyer[1])
    page = client.get(_request_url(product))
    assert "I accept these terms" in page.content.decode()
    response = _send_request(client, product)
    lr = LicenceRequest.objects.get(buyer=buyer[0])
    assert response.status_code == 302
    assert response["Location"] == reverse("licensing:request_detail", args=[lr.pk])
    assert lr.accepted_terms == services.offer_terms(_offer(product))
    assert lr.assessment.decision == "allow"
    assert lr.status == LicenceRequest.Status.AWAITING_PROVIDER
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert "the provider will now approve" in body
    assert 'data-decision="allow"' in body
    assert "Withdraw this request" in body


def test_automatic_offer_grants_a_licence_at_once(client, provider, buyer):
    product = listed_product(provider[0], provider[1], offer={"approval_mode": "automatic"})
    client.force_login(buyer[1])
    response = _send_request(client, product)
    lr = LicenceRequest.objects.get(buyer=buyer[0])
    assert lr.status == LicenceRequest.Status.APPROVED
    page = client.get(response["Location"])
    assert "Licence granted" in page.content.decode()
    assert Licence.objects.filter(request=lr, status="active").exists()


def test_duplicate_open_request_is_a_form_error(client, product, buyer):
    client.force_login(buyer[1])
    _send_request(client, product)
    response = _send_request(client, product)
    assert response.status_code == 200
    assert "already have an open request" in str(response.context["form"].errors)
    assert LicenceRequest.objects.filter(buyer=buyer[0]).count() == 1


@pytest.mark.parametrize(
    "override", [{"purpose": "credit-scoring"}, {"processing_jurisdiction": "US"}]
)
def test_purpose_or_territory_outside_the_offer_is_a_form_error(client, product, buyer, override):
    client.force_login(buyer[1])
    response = _send_request(client, product, **override)
    assert response.status_code == 200
    field = next(iter(override))
    assert response.context["form"].errors[field]
    assert not LicenceRequest.objects.exists()


def test_terms_changed_between_show_and_submit(client, product, buyer, provider):
    client.force_login(buyer[1])
    data = _form_data(client, product)
    offer = _offer(product)
    offer.breach_notice_hours = 12
    offer.save(update_fields=["breach_notice_hours"])
    response = client.post(_request_url(product), data)
    assert response.status_code == 200
    assert "terms changed" in str(response.context["form"].non_field_errors())
    assert not LicenceRequest.objects.exists()
    # The page now carries the current terms for a fresh acceptance.
    assert response.context["form"].data["accepted_terms_hash"] == services.terms_hash(
        services.offer_terms(offer)
    )


def test_unverified_buyer_sees_a_message_and_cannot_send(client, product):
    org = OrganizationFactory(
        jurisdiction="CN", is_provider=False, verification_status=Organization.Verification.PENDING
    )
    client.force_login(member_of(org))
    page = client.get(_request_url(product))
    assert page.status_code == 200
    body = page.content.decode()
    assert "must be verified" in body
    assert "Send the request" not in body
    response = client.post(_request_url(product), {"purpose": "market-research"}, follow=True)
    assert "must be verified" in response.content.decode()
    assert not LicenceRequest.objects.exists()


def test_inactive_offer_or_unknown_product_is_404(client, product, buyer, provider):
    client.force_login(buyer[1])
    offer = _offer(product)
    assert client.get(reverse("licensing:request_new", args=["nope", offer.pk])).status_code == 404
    offer.is_active = False
    offer.save(update_fields=["is_active"])
    assert client.get(_request_url(product)).status_code == 404


def test_provider_approves_and_buyer_sees_the_licence(client, product, buyer, provider):
    client.force_login(buyer[1])
    _send_request(client, product)
    lr = LicenceRequest.objects.get()
    client.force_login(provider[1])
    queue = client.get(reverse("licensing:provider_requests") + "?status=awaiting_provider")
    assert f"#{lr.pk}" in queue.content.decode()
    url = reverse("licensing:request_detail", args=[lr.pk])
    response = client.post(url, {"action": "approve", "note": ""})
    assert response.status_code == 302
    lr.refresh_from_db()
    assert lr.status == LicenceRequest.Status.APPROVED
    licence = Licence.objects.get(request=lr)

    client.force_login(buyer[1])
    page = client.get(reverse("licensing:my_licences")).content.decode()
    assert product.title in page
    assert re.search(r"0 /\s*1000", page)
    assert f"/api/v1/licences/{licence.pk}/policy.jsonld" in page
    detail = client.get(reverse("licensing:licence_detail", args=[licence.pk]))
    assert "grants Shenzhen Robotics the right to access" in detail.content.decode()
    printable = client.get(reverse("licensing:licence_detail", args=[licence.pk]) + "?print=1")
    text = printable.content.decode()
    assert "@media print" in text and 'class="topbar"' not in text


def test_provider_attaches_evidence_when_the_transfer_needs_a_mechanism(client, provider, buyer):
    # The provider has stated its whole processing (below Malaysia's DPO thresholds).
    Organization.objects.filter(pk=provider[0].pk).update(
        processed_subjects=5000, processed_sensitive_subjects=0, systematic_monitoring=False
    )
    provider[0].refresh_from_db()
    product = listed_product(
        provider[0],
        provider[1],
        data_categories=["personal"],
        data_subject_count=5000,
        consent_evidence="Opt-in consent collected at sign-up.",
    )
    client.force_login(buyer[1])
    response = _send_request(client, product, follow=True)
    assert "needs a legal mechanism" in response.content.decode()
    lr = LicenceRequest.objects.get()
    assert lr.status == LicenceRequest.Status.AWAITING_EVIDENCE
    url = reverse("licensing:request_detail", args=[lr.pk])
    assert "Attach evidence" not in client.get(url).content.decode()
    client.force_login(provider[1])
    assert "Attach evidence" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "action": "evidence",
            "mechanism": "my_transfer_impact_assessment",
            "title": "TIA for China",
            "upload": csv_upload(b"%PDF-1.4 fake", "tia.pdf"),
            "issued_on": (timezone.localdate() - timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    lr.refresh_from_db()
    assert lr.evidence.count() == 1
    assert lr.status == LicenceRequest.Status.AWAITING_PROVIDER
    assert "TIA for China" in client.get(url).content.decode()


def test_provider_declines_only_with_a_note(client, product, buyer, provider):
    client.force_login(buyer[1])
    _send_request(client, product)
    lr = LicenceRequest.objects.get()
    client.force_login(provider[1])
    url = reverse("licensing:request_detail", args=[lr.pk])
    response = client.post(url, {"action": "decline", "note": "  "})
    assert response.status_code == 200
    assert response.context["decision_form"].errors["note"]
    lr.refresh_from_db()
    assert lr.status == LicenceRequest.Status.AWAITING_PROVIDER
    client.post(url, {"action": "decline", "note": "We do not serve this sector."})
    lr.refresh_from_db()
    assert lr.status == LicenceRequest.Status.DECLINED
    client.force_login(buyer[1])
    assert "We do not serve this sector." in client.get(url).content.decode()


def test_buyer_withdraws(client, product, buyer):
    client.force_login(buyer[1])
    _send_request(client, product)
    lr = LicenceRequest.objects.get()
    url = reverse("licensing:request_detail", args=[lr.pk])
    response = client.post(url, {"action": "withdraw"}, follow=True)
    lr.refresh_from_db()
    assert lr.status == LicenceRequest.Status.WITHDRAWN
    assert "withdrawn" in response.content.decode()
    assert "Withdraw this request" not in response.content.decode()


def test_buyer_cannot_decide_its_own_request(client, product, buyer):
    client.force_login(buyer[1])
    _send_request(client, product)
    lr = LicenceRequest.objects.get()
    url = reverse("licensing:request_detail", args=[lr.pk])
    client.post(url, {"action": "approve"})
    lr.refresh_from_db()
    assert lr.status == LicenceRequest.Status.AWAITING_PROVIDER


def test_other_organisation_gets_404(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    client.force_login(member_of(OrganizationFactory(jurisdiction="SG")))
    assert (
        client.get(reverse("licensing:request_detail", args=[licence.request_id])).status_code
        == 404
    )
    assert client.get(reverse("licensing:licence_detail", args=[licence.pk])).status_code == 404
    assert (
        client.post(
            reverse("licensing:licence_revoke", args=[licence.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    licence.refresh_from_db()
    assert licence.status == "active"


def test_provider_revokes_with_a_reason(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    client.force_login(provider[1])
    url = reverse("licensing:licence_revoke", args=[licence.pk])
    client.post(url, {"reason": ""})
    licence.refresh_from_db()
    assert licence.status == "active"
    response = client.post(url, {"reason": "Breach of the onward-transfer clause."})
    assert response["Location"] == reverse("licensing:provider_licences")
    licence.refresh_from_db()
    assert licence.status == "revoked"
    client.force_login(buyer[1])
    page = client.get(reverse("licensing:my_licences")).content.decode()
    assert "revoke-notice" in page and "Breach of the onward-transfer clause." in page
    detail = client.get(reverse("licensing:licence_detail", args=[licence.pk])).content.decode()
    assert "was revoked on" in detail


def test_provider_renews_a_fixed_term_licence(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    client.force_login(provider[1])
    client.post(reverse("licensing:licence_renew", args=[licence.pk]))
    assert Licence.objects.filter(renewed_from=licence).exists()
    response = client.post(reverse("licensing:licence_renew", args=[licence.pk]), follow=True)
    assert "already been renewed" in response.content.decode()


def _query(client, licence, **overrides):
    data = {"purpose": "market-research", "jurisdiction": "CN", "fn": "count"}
    data.update(overrides)
    return client.post(reverse("licensing:try_query", args=[licence.pk]), data)


def test_try_a_query_panel_for_a_licensed_buyer(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    page = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert 'id="try-query"' in page
    response = _query(client, licence, group_by=["district"], fn="sum", column="visitors")
    assert response.status_code == 200
    result = response.context["result"]
    assert result["columns"] == ["district", "sum_visitors"]
    assert len(result["rows"]) == 3
    body = response.content.decode()
    assert "KLCC" in body
    assert "0 groups suppressed (fewer than 10 rows)" in body
    # Groups of fewer than k rows are left out and counted.
    response = _query(client, licence, group_by=["dwell_minutes", "hour"])
    suppressed = response.context["result"]["groups_suppressed"]
    assert suppressed > 0
    assert f"{suppressed} groups suppressed (fewer than 10 rows)" in response.content.decode()
    assert UsageRecord.objects.filter(licence=licence).count() == 2


def test_try_a_query_errors_are_form_errors(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    response = _query(client, licence, fn="sum")
    assert response.status_code == 200
    # In words on the field at fault, not the query document's path.
    assert response.context["form"].errors["column"] == ["Choose a column to compute the sum of."]
    assert "aggregates[0]" not in response.content.decode()
    response = _query(client, licence, filter_column="hour", filter_value="noon")
    assert response.context["form"].errors["filter_value"] == ["“noon” is not a whole number."]
    assert not UsageRecord.objects.exists()


def test_try_a_query_over_quota_shows_the_reset_time(client, provider, buyer):
    product = listed_product(provider[0], provider[1], offer={"queries_per_month": 1})
    licence = _granted_licence(client, product, buyer, provider)
    assert _query(client, licence).context["result"] is not None
    response = _query(client, licence)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Your monthly quota is used up" in body
    assert "allows 1 queries a month" in body and "it resets on" in body
    assert "quota_exceeded" in body
    assert "ask KL Footfall Sdn. Bhd. for an offer with a larger quota" in body
    assert reverse("licensing:try_query", args=[licence.pk]) in body


def test_unlicensed_user_gets_no_panel_and_404(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    client.logout()
    page = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert 'id="try-query"' not in page
    outsider = member_of(OrganizationFactory(jurisdiction="SG", is_provider=False))
    client.force_login(outsider)
    page = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert 'id="try-query"' not in page
    assert _query(client, licence).status_code == 404
    assert client.get(reverse("licensing:try_query", args=[licence.pk])).status_code == 404


def test_revoked_licence_stops_the_panel(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    services.licence_revoke(licence=licence, actor=provider[1], reason="Breach.")
    page = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert 'id="try-query"' not in page
    # "Run the query" after revocation: a refusal page saying what happened, when, by
    # whom, why, and what the buyer can do, not a bare 404.
    answer = _query(client, licence)
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "Your licence was revoked" in page
    assert "by KL Footfall Sdn. Bhd.: Breach." in page
    assert "licence_revoked" in page
    assert "Contact KL Footfall Sdn. Bhd. about the revocation" in page
    assert reverse("catalogue:provider", args=[provider[0].slug]) in page
    assert reverse("catalogue:product", args=[product.slug]) + "#offers" in page
    assert client.get(reverse("licensing:try_query", args=[licence.pk])).status_code == 403
    detail = client.get(reverse("licensing:licence_detail", args=[licence.pk])).content.decode()
    assert "This licence was revoked" in detail and "Breach." in detail


def test_usage_chart_appears_after_a_query(client, product, buyer, provider):
    licence = _granted_licence(client, product, buyer, provider)
    _query(client, licence, group_by=["district"])
    client.force_login(provider[1])
    page = client.get(reverse("licensing:provider_licences")).content.decode()
    assert "<svg" in page and "<rect" in page
    assert "Shenzhen Robotics" in page
    assert timezone.localtime().strftime("%Y-%m") in page


def test_usage_chart_escapes_labels(client, product, provider):
    evil = OrganizationFactory(
        jurisdiction="CN", is_provider=False, legal_name="<script>alert(1)</script> Ltd"
    )
    licence = _granted_licence(client, product, (evil, member_of(evil)), provider)
    _query(client, licence)
    client.force_login(provider[1])
    page = client.get(reverse("licensing:provider_licences")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in page


def test_provider_pages_are_404_for_non_providers(client, buyer):
    client.force_login(buyer[1])
    assert client.get(reverse("licensing:provider_requests")).status_code == 404
    assert client.get(reverse("licensing:provider_licences")).status_code == 404
    assert client.get(reverse("licensing:my_licences")).status_code == 200


def test_catalogue_offer_links_to_the_request_page(client, product, buyer):
    client.force_login(buyer[1])
    page = client.get(reverse("catalogue:product", args=[product.slug])).content.decode()
    assert _request_url(product) in page
