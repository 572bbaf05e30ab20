"""The restricted-party state machine: the literal map, and every move allowed or refused
through the real services."""

import pytest

from accounts import services
from accounts.models import RestrictedParty
from accounts.roles import COMPLIANCE_REVIEWER
from kernel.exceptions import InvalidTransition
from kernel.ledger.models import AuditEvent
from tests.factories import reviewer

pytestmark = pytest.mark.django_db

SERVICES = {
    "delist": services.restricted_party_delist,
    "relist": services.restricted_party_relist,
}
TARGET = {"delist": "delisted", "relist": "listed"}


def test_the_map_is_exactly_this():
    assert services.RESTRICTED_PARTY_TRANSITIONS == {
        "listed": {"delisted": "delist"},
        "delisted": {"listed": "relist"},
    }
    assert {"edit": {"listed"}} == services.RESTRICTED_PARTY_OPERATIONS


def _party_in(state: str) -> RestrictedParty:
    staff = reviewer(COMPLIANCE_REVIEWER)
    party = services.restricted_party_create(
        actor=staff, reason="New.", name="Northwind", source_citation="A list"
    )
    if state == "delisted":
        party = services.restricted_party_delist(party=party, actor=staff, reason="Removed.")
    return party


@pytest.mark.parametrize(
    ("state", "operation", "allowed"),
    [
        ("listed", "delist", True),
        ("listed", "relist", False),
        ("delisted", "relist", True),
        ("delisted", "delist", False),
    ],
)
def test_every_move_through_the_services(state, operation, allowed):
    party = _party_in(state)
    staff = reviewer(COMPLIANCE_REVIEWER)
    if allowed:
        moved = SERVICES[operation](party=party, actor=staff, reason="Because.")
        assert moved.status == TARGET[operation]
        assert AuditEvent.objects.filter(
            action=f"accounts.restricted_party.{TARGET[operation]}", object_id=str(party.pk)
        ).exists()
        assert moved.revisions.order_by("-revision").first().reason == "Because."
    else:
        with pytest.raises(InvalidTransition):
            SERVICES[operation](party=party, actor=staff, reason="Because.")
        party.refresh_from_db()
        assert party.status == state


@pytest.mark.parametrize(("state", "allowed"), [("listed", True), ("delisted", False)])
def test_edit_is_allowed_only_on_a_listed_entry(state, allowed):
    party = _party_in(state)
    staff = reviewer(COMPLIANCE_REVIEWER)
    if allowed:
        edited = services.restricted_party_update(
            party=party, actor=staff, reason="Fix.", name="Northwind Ltd."
        )
        assert edited.name == "Northwind Ltd."
    else:
        with pytest.raises(InvalidTransition):
            services.restricted_party_update(
                party=party, actor=staff, reason="Fix.", name="Northwind Ltd."
            )
