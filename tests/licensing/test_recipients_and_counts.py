"""Licence requests assess the buyer as it declared itself, screen it at every request and
renewal, and count each product's individuals once a year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Organization
from accounts.roles import COMPLIANCE_REVIEWER
from catalogue.selectors import offer_terms
from compliance import selectors as review_selectors
from compliance.rules.models import TransferAssessment
from kernel.exceptions import Conflict, InvalidInput
from kernel.ledger.models import AuditEvent
from licensing import services
from licensing.models import Licence, LicenceRequest
from tests.factories import OrganizationFactory, listed_product, member_of, reviewer

pytestmark = pytest.mark.django_db
R = LicenceRequest.Status
SOURCE = "Exchange sanctions list, entry 17 (UN Security Council consolidated list)"


def chinese_product(provider=None, subjects=50_000, categories=("personal",), **kwargs):
    provider = provider or OrganizationFactory(jurisdiction="CN", is_buyer=False)
    return listed_product(
        provider,
        member_of(provider),
        origin_jurisdiction=kwargs.pop("origin", "CN"),
        data_categories=list(categories),
        data_subject_count=subjects,
        consent_evidence="Separate consent collected at sign-up.",
        **kwargs,
    )


def buyer(**kwargs):
    return OrganizationFactory(jurisdiction="SG", is_provider=False, **kwargs)


def ask(org, product, *, destination="MY", **kwargs):
    offer = product.offers.get()
    return services.licence_request_create(
        buyer=org,
        user=member_of(org),
        offer=offer,
        purpose="market-research",
        processing_jurisdiction=destination,
        intended_start=timezone.localdate(),
        accepted_terms_hash=services.terms_hash(offer_terms(offer)),
        **kwargs,
    )


def grant(org, product, **kwargs) -> Licence:
    request = ask(org, product, **kwargs)
    services.licence_request_decide(
        request=request, user=product.provider.memberships.first().user, approve=True
    )
    return Licence.objects.get(request=request)


def restrict(name: str, **fields):
    return accounts_services.restricted_party_create(
        actor=reviewer(COMPLIANCE_REVIEWER),
        reason="Listed.",
        name=name,
        source_citation=SOURCE,
        source_url="https://exchange.example/lists/17",
        **fields,
    )


# --- the buyer as it declared itself --------------------------------------------------------


def test_a_company_buyer_is_assessed_as_a_company():
    request = ask(buyer(), chinese_product())
    assert request.assessment.facts["recipient_type"] == "company"
    assert request.status == R.AWAITING_PROVIDER
    assert request.assessment.obligations == [
        "cn_export_notice",
        "cn_separate_consent",
        "cn_pi_impact_assessment",
    ]


@pytest.mark.parametrize("kind", ["judicial", "law_enforcement"])
def test_a_foreign_authority_without_prc_approval_is_blocked(kind):
    request = ask(buyer(recipient_type=kind), chinese_product())
    assert request.status == R.BLOCKED
    assert request.assessment.facts["recipient_type"] == kind
    assert "cn.block.foreign_judicial_or_law_enforcement" in {
        r["code"] for r in request.assessment.rules
    }


def test_a_foreign_authority_with_prc_approval_goes_to_a_reviewer_with_it():
    request = ask(
        buyer(recipient_type="law_enforcement"),
        chinese_product(),
        authority_approval="MPS approval (2026) No. 118",
    )
    assert request.status == R.MANUAL_REVIEW
    assert request.authority_approval == "MPS approval (2026) No. 118"
    assert request.assessment.facts["prc_authority_approval"] is True


def test_a_company_cannot_claim_an_authority_approval():
    with pytest.raises(InvalidInput) as caught:
        ask(buyer(), chinese_product(), authority_approval="Approval 1")
    assert caught.value.field == "authority_approval"
    assert not LicenceRequest.objects.exists()


def test_the_api_takes_and_shows_the_approval(api_client):
    from tests.conftest import bearer, token_for

    org = buyer(recipient_type="judicial")
    _user, raw = token_for(org)
    client = bearer(api_client, raw)
    product = chinese_product()
    offer = product.offers.get()
    terms = client.get(f"/api/v1/offers/{offer.pk}/terms/").json()
    response = client.post(
        "/api/v1/licence-requests/",
        {
            "offer": offer.pk,
            "purpose": "market-research",
            "processing_jurisdiction": "MY",
            "intended_start": timezone.localdate().isoformat(),
            "accepted_terms_hash": terms["terms_hash"],
            "authority_approval": "SPC approval 2026-7",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "manual_review"
    assert body["authority_approval"] == "SPC approval 2026-7"


# --- screening ------------------------------------------------------------------------------


def test_a_listed_buyer_is_blocked_naming_the_entry_and_its_source():
    entry = restrict("Northwind Trading", aliases=["Northwind Trading Pte. Ltd."])
    org = buyer(legal_name="Northwind Trading Pte Ltd")
    request = ask(org, chinese_product())
    assert request.status == R.BLOCKED
    assert (
        SOURCE in request.decision_note
        and "https://exchange.example/lists/17" in request.decision_note
    )
    assert request.screening["entry"] == entry.pk and request.screening["revision"] == 1
    assert request.assessment.facts["recipient_restricted"] is True
    event = AuditEvent.objects.get(action="licensing.request.screened", object_id=str(request.pk))
    assert event.after["match"]["source"] == SOURCE


def test_a_listed_buyer_is_blocked_whatever_the_origins_rules_say():
    # Malaysia's rules send a restricted recipient to review; the exchange's list blocks.
    restrict("Northwind Trading")
    provider = OrganizationFactory(
        jurisdiction="MY",
        processed_subjects=5_000,
        processed_sensitive_subjects=0,
        systematic_monitoring=False,
    )
    product = chinese_product(provider, subjects=5_000, origin="MY")
    request = ask(buyer(legal_name="Northwind Trading"), product, destination="SG")
    assert request.assessment.decision == "manual_review"
    assert request.status == R.BLOCKED
    assert SOURCE in request.decision_note


def test_an_unlisted_buyer_is_screened_too():
    restrict("Northwind Trading")
    request = ask(buyer(legal_name="Southwind Trading"), chinese_product())
    assert request.status == R.AWAITING_PROVIDER
    assert request.screening == {}
    event = AuditEvent.objects.get(action="licensing.request.screened", object_id=str(request.pk))
    assert event.after["match"] is None


# --- counting -------------------------------------------------------------------------------


def test_the_same_products_individuals_are_counted_once_however_many_licences():
    provider = OrganizationFactory(jurisdiction="CN", is_buyer=False)
    product = chinese_product(provider, subjects=60_000)
    for _ in range(3):
        grant(buyer(), product)
    request = ask(buyer(), product)
    assert request.assessment.facts["subjects_ytd"] == 60_000
    assert request.assessment.decision == "allow"  # below 100,000: no mechanism


def test_different_products_add_up_and_cross_a_threshold():
    provider = OrganizationFactory(jurisdiction="CN", is_buyer=False)
    chinese_product(provider, subjects=60_000, title="Port volumes")
    second = chinese_product(provider, subjects=50_000, title="Warehouse visits")
    request = ask(buyer(), second)
    assert request.assessment.facts["subjects_ytd"] == 110_000
    assert request.assessment.mechanisms_any_of == ["cn_standard_contract", "cn_certification"]


def test_sensitive_individuals_are_counted_apart():
    provider = OrganizationFactory(jurisdiction="CN", is_buyer=False)
    chinese_product(provider, subjects=40_000, title="Shoppers")
    patients = chinese_product(
        provider, subjects=300, categories=["sensitive_personal"], title="Clinic visits"
    )
    request = ask(buyer(), patients)
    assert request.assessment.facts["subjects_ytd"] == 40_000
    assert request.assessment.facts["sensitive_subjects_ytd"] == 300
    assert request.assessment.mechanisms_any_of == ["cn_standard_contract", "cn_certification"]


def test_the_compliance_stage_and_the_request_count_alike():
    provider = OrganizationFactory(jurisdiction="CN", is_buyer=False)
    first = chinese_product(provider, subjects=30_000, title="First")
    grant(buyer(), first)
    second = chinese_product(provider, subjects=20_000, title="Second")
    stage_count = review_selectors.provider_subjects_ytd(
        provider=provider, origin="CN", version=second.listed_version
    )
    request = ask(buyer(), second)
    facts = request.assessment.facts
    assert stage_count == (facts["subjects_ytd"], facts["sensitive_subjects_ytd"]) == (50_000, 0)


def test_a_product_approved_last_year_counts_only_when_licensed_abroad_this_year():
    provider = OrganizationFactory(jurisdiction="CN", is_buyer=False)
    old = chinese_product(provider, subjects=70_000, title="Old")
    last_year = timezone.now() - timedelta(days=400)
    old.versions.update(decided_at=last_year)
    new = chinese_product(provider, subjects=10_000, title="New")

    def count():
        return review_selectors.provider_subjects_ytd(
            provider=provider, origin="CN", version=new.listed_version
        )[0]

    assert count() == 10_000
    grant(OrganizationFactory(jurisdiction="CN", is_provider=False), old, destination="CN")
    assert count() == 10_000  # processed in China: not an export
    grant(buyer(), old)
    assert count() == 80_000


# --- renewal --------------------------------------------------------------------------------


def test_renewal_assesses_the_transfer_again():
    product = chinese_product()
    licence = grant(buyer(), product)
    renewed = services.licence_renew(
        licence=licence, user=product.provider.memberships.first().user
    )
    assert renewed.assessment != licence.assessment
    assert renewed.assessment.context == TransferAssessment.Context.LICENCE_RENEWAL
    assert renewed.assessment.subject_id == str(licence.pk)


def test_renewal_is_refused_for_a_buyer_listed_since():
    product = chinese_product()
    org = buyer(legal_name="Northwind Trading")
    licence = grant(org, product)
    restrict("Northwind Trading")
    with pytest.raises(Conflict) as caught:
        services.licence_renew(licence=licence, user=product.provider.memberships.first().user)
    assert SOURCE in caught.value.message
    assert not Licence.objects.filter(renewed_from=licence).exists()
    # The assessment made for the renewal is kept.
    assert TransferAssessment.objects.filter(
        context="licence_renewal", subject_id=str(licence.pk), facts__recipient_restricted=True
    ).exists()


def test_renewal_is_refused_when_the_kind_of_buyer_now_blocks_it():
    product = chinese_product()
    org = buyer()
    licence = grant(org, product)
    Organization.objects.filter(pk=org.pk).update(recipient_type="law_enforcement")
    with pytest.raises(Conflict, match="no longer one the rules allow"):
        services.licence_renew(licence=licence, user=product.provider.memberships.first().user)


def test_renewal_is_refused_for_terms_above_the_breach_notice_ceiling():
    product = chinese_product()
    licence = grant(buyer(), product)
    Licence.objects.filter(pk=licence.pk).update(terms={**licence.terms, "breach_notice_hours": 48})
    licence.refresh_from_db()
    with pytest.raises(Conflict, match="48 hours' breach notice"):
        services.licence_renew(licence=licence, user=product.provider.memberships.first().user)


def test_renewal_needs_evidence_when_the_transfer_now_needs_a_mechanism():
    provider = OrganizationFactory(jurisdiction="CN", is_buyer=False)
    product = chinese_product(provider, subjects=60_000, title="First")
    licence = grant(buyer(), product)
    # Another product this year takes the provider over 100,000 individuals.
    chinese_product(provider, subjects=50_000, title="Second")
    with pytest.raises(Conflict, match="cn_standard_contract"):
        services.licence_renew(licence=licence, user=provider.memberships.first().user)
