"""Every move of organisation verification, made (or refused) by the staff's service.

The expected outcomes are written out by hand from how the exchange verifies organisations
(a pending organisation is verified or rejected; a rejected one that fixes its details is
looked at again; a verified one stays verified), never read from the map under test.
``tools/transition_mutants.py`` checks that these tests fail when the map changes.
"""

import pytest

from accounts import services
from accounts.models import Organization
from kernel.exceptions import InvalidTransition
from tests.factories import OrganizationFactory, ledger_mark, recorded_moves, reviewer

pytestmark = pytest.mark.django_db

STATES = ["pending", "verified", "rejected"]
ALLOWED = {("pending", "verified"), ("pending", "rejected"), ("rejected", "pending")}


def test_pins_organization_map():
    assert services.ORGANIZATION_TRANSITIONS == {
        "pending": {"verified": "verify", "rejected": "verify"},
        "rejected": {"pending": "verify"},
        "verified": {},
    }
    assert dict(services.ORGANIZATION.operations) == {}


@pytest.mark.parametrize(("source", "to"), [(s, t) for s in STATES for t in STATES if s != t])
def test_staff_set_the_verification_status(source, to):
    org = OrganizationFactory(verification_status=source)
    staff = reviewer("exchange_admin")
    mark = ledger_mark()

    def decide():
        services.organization_set_verification(
            organization=org, status=to, note="Registry extract checked.", decided_by=staff
        )

    if (source, to) in ALLOWED:
        decide()
        org = Organization.objects.get(pk=org.pk)
        assert org.verification_status == to
        assert org.verified_by == staff and org.verification_note == "Registry extract checked."
        assert recorded_moves(org, since=mark, field="verification_status") == [
            (f"accounts.organization.{to}", source, to)
        ]
    else:
        with pytest.raises(InvalidTransition):
            decide()
        org = Organization.objects.get(pk=org.pk)
        assert org.verification_status == source
        assert recorded_moves(org, since=mark, field="verification_status") == []
