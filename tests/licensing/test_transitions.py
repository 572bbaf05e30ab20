"""Every allowed and every forbidden move of licence requests and licences."""

import pytest

from kernel.exceptions import InvalidTransition
from licensing.models import Licence, LicenceRequest
from licensing.services import LICENCE_TRANSITIONS, REQUEST_TRANSITIONS, _move

REQUEST_STATES = list(LicenceRequest.Status.values)
LICENCE_STATES = list(Licence.Status.values)


class Row:
    def __init__(self, status):
        self.status = status


def test_the_maps_cover_every_state():
    assert set(REQUEST_TRANSITIONS) == set(REQUEST_STATES)
    assert set(LICENCE_TRANSITIONS) == set(LICENCE_STATES)
    # Final states stay final.
    for final in ("approved", "declined", "withdrawn", "blocked"):
        assert REQUEST_TRANSITIONS[final] == set()
    assert LICENCE_TRANSITIONS["revoked"] == set() and LICENCE_TRANSITIONS["expired"] == set()


@pytest.mark.parametrize(
    ("before", "after"), [(a, b) for a in REQUEST_STATES for b in REQUEST_STATES if a != b]
)
def test_every_request_move(before, after):
    row = Row(before)
    if after in REQUEST_TRANSITIONS[before]:
        assert _move(REQUEST_TRANSITIONS, row, after, "request") == before
        assert row.status == after
    else:
        with pytest.raises(InvalidTransition):
            _move(REQUEST_TRANSITIONS, row, after, "request")
        assert row.status == before


@pytest.mark.parametrize(
    ("before", "after"), [(a, b) for a in LICENCE_STATES for b in LICENCE_STATES if a != b]
)
def test_every_licence_move(before, after):
    row = Row(before)
    if after in LICENCE_TRANSITIONS[before]:
        _move(LICENCE_TRANSITIONS, row, after, "licence")
        assert row.status == after
    else:
        with pytest.raises(InvalidTransition):
            _move(LICENCE_TRANSITIONS, row, after, "licence")
        assert row.status == before


@pytest.mark.django_db
def test_a_decided_request_cannot_be_withdrawn_or_decided_again():
    from django.utils import timezone

    from kernel.exceptions import Conflict
    from licensing import services
    from tests.factories import OrganizationFactory, listed_product, member_of

    product = listed_product()
    buyer = OrganizationFactory(is_provider=False, jurisdiction="CN")
    user = member_of(buyer)
    offer = product.offers.get()
    request = services.licence_request_create(
        buyer=buyer,
        user=user,
        offer=offer,
        purpose="market-research",
        processing_jurisdiction="CN",
        intended_start=timezone.localdate(),
        accepted_terms_hash=services.terms_hash(services.offer_terms(offer)),
    )
    provider_user = product.provider.memberships.first().user
    services.licence_request_decide(request=request, user=provider_user, approve=True)
    with pytest.raises(InvalidTransition):
        services.licence_request_withdraw(request=request, user=user)
    with pytest.raises(Conflict):
        services.licence_request_decide(
            request=request, user=provider_user, approve=False, note="changed my mind"
        )
    licence = request.licence
    services.licence_revoke(licence=licence, actor=provider_user, reason="breach")
    with pytest.raises(InvalidTransition):
        services.licence_revoke(licence=licence, actor=provider_user, reason="again")
