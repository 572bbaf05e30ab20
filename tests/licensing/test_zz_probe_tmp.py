import pytest
from django.utils import timezone
from marketplace.licensing import services
from tests.factories import OrganizationFactory, listed_product, member_of
pytestmark = pytest.mark.django_db

def test_probe():
    org = OrganizationFactory(jurisdiction="MY"); owner = member_of(org)
    p = listed_product(org, owner, data_categories=["personal"], data_subject_count=5000)
    b = OrganizationFactory(jurisdiction="CN", is_provider=False); u = member_of(b)
    offer = p.offers.get()
    lr = services.licence_request_create(buyer=b, user=u, offer=offer, purpose="market-research", processing_jurisdiction="CN", intended_start=timezone.localdate(), accepted_terms_hash=services.terms_hash(services.offer_terms(offer)))
    print(lr.status, lr.assessment.decision, lr.assessment.mechanisms_any_of)
    assert 0
