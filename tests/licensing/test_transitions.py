"""Every move of the licence request and licence machines, made (or refused) by the real
licensing services on real requests and licences.

The expected outcomes are written out by hand from how licensing works (request → transfer
assessment → evidence or a compliance reviewer → the provider's decision → a licence that
expires, is revoked, or is suspended and reinstated; docs/architecture.md, "State
machines"), never read from the maps under test. Each test puts a real row in a source
state, calls the service, and checks the status in the database and the moves in the audit
trail. ``tools/transition_mutants.py`` checks that these tests fail when the maps change.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance.rules import services as rules
from kernel.exceptions import Conflict, InvalidTransition
from licensing import services
from licensing.models import Licence, LicenceRequest, RequestEvidence
from tests.factories import (
    FOOTFALL_PRIVATE,
    OrganizationFactory,
    ledger_mark,
    listed_product,
    member_of,
    recorded_moves,
    reviewer,
    set_fields,
)

pytestmark = pytest.mark.django_db

REQUEST_STATES = [
    "requested",
    "assessing",
    "manual_review",
    "awaiting_evidence",
    "awaiting_provider",
    "approved",
    "declined",
    "withdrawn",
    "blocked",
]
LICENCE_STATES = ["active", "expired", "revoked", "suspended"]


# --- the literal maps ---------------------------------------------------------------------


def test_pins_request_map():
    assert services.REQUEST_TRANSITIONS == {
        "requested": {"assessing": "assess", "withdrawn": "withdraw"},
        "assessing": {
            "blocked": "assess",
            "manual_review": "assess",
            "awaiting_evidence": "assess",
            "awaiting_provider": "assess",
        },
        "manual_review": {
            "awaiting_evidence": "transfer_review",
            "awaiting_provider": "transfer_review",
            "blocked": "transfer_review",
            "withdrawn": "withdraw",
        },
        "awaiting_evidence": {
            "awaiting_provider": "evidence",
            "declined": "decide",
            "withdrawn": "withdraw",
        },
        "awaiting_provider": {
            "approved": "decide",
            "declined": "decide",
            "withdrawn": "withdraw",
        },
        "approved": {},
        "declined": {},
        "withdrawn": {},
        "blocked": {},
    }


def test_pins_request_operations():
    assert {op: set(states) for op, states in services.REQUEST_OPERATIONS.items()} == {
        "evidence": {"awaiting_evidence"},
    }


def test_pins_licence_map():
    assert services.LICENCE_TRANSITIONS == {
        "active": {"expired": "expire", "revoked": "revoke", "suspended": "suspend"},
        "suspended": {"active": "reinstate", "revoked": "revoke", "expired": "expire"},
        "expired": {},
        "revoked": {},
    }


def test_pins_licence_operations():
    assert {op: set(states) for op, states in services.LICENCE_OPERATIONS.items()} == {
        "renew": {"active", "expired"},
    }


# --- arranging requests -------------------------------------------------------------------


@pytest.fixture
def thai_block_rules():
    """A Thai rule set in force that blocks exporting important data (the seed rules block
    only recipients a licence request never names)."""
    source = {"citation": "Test regime, s. 1", "url": "https://example.org/th"}
    draft = rules.rule_set_create(
        actor=None,
        jurisdiction="TH",
        version="2099.1",
        title="Thailand (test): important data stays home",
        effective_from=rules.today(),
        sources=[source],
    )
    rules.rule_create(
        rule_set=draft,
        actor=None,
        code="th.block.important_data",
        priority=10,
        title="Important data",
        when={"fact": "important_data", "op": "is_true"},
        outcome={"decision": "block", "mechanisms_any_of": [], "obligations": [], "terminal": True},
        explanation="Important data may not leave Thailand.",
        source=source,
    )
    rules.rule_set_publish(rule_set=draft, actor=None)


# What the transfer rules answer for each kind of product (origin, product, destination), and
# where that sends a new request.
FLAVOURS = {
    "allowed": ("MY", {}, "CN", "awaiting_provider"),
    "needs_mechanism": (
        "CN",
        {
            "data_categories": ["personal"],
            "data_subject_count": 150_000,
            "consent_evidence": "Separate consent of every individual.",
            "privacy": FOOTFALL_PRIVATE,
        },
        "MY",
        "awaiting_evidence",
    ),
    "manual": (
        "VN",
        {
            "data_categories": ["personal"],
            "data_subject_count": 5000,
            "consent_evidence": "Consent forms.",
            "privacy": FOOTFALL_PRIVATE,
        },
        "SG",
        "manual_review",
    ),
    "blocked": ("TH", {"important_data": True}, "SG", "blocked"),
}


def new_request(flavour: str = "allowed") -> LicenceRequest:
    origin, version_fields, destination, _reached = FLAVOURS[flavour]
    product = listed_product(
        OrganizationFactory(jurisdiction=origin),
        offer={"territories": [destination]},
        **version_fields,
    )
    buyer = OrganizationFactory(jurisdiction=destination, is_provider=False)
    offer = product.offers.get()
    return services.licence_request_create(
        buyer=buyer,
        user=member_of(buyer),
        offer=offer,
        purpose="market-research",
        processing_jurisdiction=destination,
        intended_start=timezone.localdate(),
        accepted_terms_hash=services.terms_hash(services.offer_terms(offer)),
    )


def request_in(status: str, flavour: str = "allowed") -> LicenceRequest:
    request = new_request(flavour)
    assert request.status == FLAVOURS[flavour][3]
    return set_fields(request, status=status)


def buyer_user(request: LicenceRequest):
    return request.requested_by


def provider_user(obj):
    return obj.product.provider.memberships.first().user


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


# --- request: assess ----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_new_request_is_assessed_at_once(flavour, request):
    if flavour == "blocked":
        request.getfixturevalue("thai_block_rules")
    mark = ledger_mark()
    created = new_request(flavour)
    reached = FLAVOURS[flavour][3]
    assert status_of(created) == reached
    assert recorded_moves(created, since=mark) == [
        ("licensing.request.assessing", "requested", "assessing"),
        (f"licensing.request.{reached}", "assessing", reached),
    ]


@pytest.mark.parametrize("source", [s for s in REQUEST_STATES if s != "requested"])
def test_assessing_again_is_refused(source):
    # licence_request_create assesses the row it has just created; the private _assess it
    # uses is the only way to attempt "assess" moves from another state.
    req = request_in(source)
    mark = ledger_mark()
    with pytest.raises(InvalidTransition):
        services._assess(req, actor=buyer_user(req))
    assert status_of(req) == source
    assert recorded_moves(req, since=mark) == []


# --- request: withdraw --------------------------------------------------------------------

WITHDRAWABLE = {"requested", "manual_review", "awaiting_evidence", "awaiting_provider"}


@pytest.mark.parametrize("source", [s for s in REQUEST_STATES if s != "withdrawn"])
def test_the_buyer_withdraws_only_an_undecided_request(source):
    req = request_in(source)
    mark = ledger_mark()
    if source in WITHDRAWABLE:
        services.licence_request_withdraw(request=req, user=buyer_user(req))
        assert status_of(req) == "withdrawn"
        assert recorded_moves(req, since=mark) == [
            ("licensing.request.withdrawn", source, "withdrawn")
        ]
    else:
        with pytest.raises(InvalidTransition):
            services.licence_request_withdraw(request=req, user=buyer_user(req))
        assert status_of(req) == source
        assert recorded_moves(req, since=mark) == []


# --- request: transfer review -------------------------------------------------------------

# What a compliance reviewer's decision sends a request to: refusing blocks it; allowing a
# transfer that needs a mechanism asks for evidence; allowing one that needs none goes to
# the provider.
TRANSFER_REVIEW = {
    "blocked": ("allowed", False),
    "awaiting_evidence": ("needs_mechanism", True),
    "awaiting_provider": ("allowed", True),
}


@pytest.mark.parametrize(
    ("to", "source"), [(t, s) for t in TRANSFER_REVIEW for s in REQUEST_STATES if s != t]
)
def test_a_compliance_reviewer_settles_only_a_request_in_manual_review(to, source):
    flavour, allow = TRANSFER_REVIEW[to]
    req = request_in(source, flavour)
    staff = reviewer("compliance_reviewer")
    mark = ledger_mark()

    def review():
        services.licence_request_review(
            request=req, reviewer=staff, allow=allow, note="Checked against the regime."
        )

    if source == "manual_review":
        review()
        assert status_of(req) == to
        assert recorded_moves(req, since=mark) == [
            ("licensing.request.transfer_reviewed", "manual_review", to)
        ]
    else:
        with pytest.raises(InvalidTransition):
            review()
        assert status_of(req) == source
        assert recorded_moves(req, since=mark) == []


# --- request: evidence --------------------------------------------------------------------


def add_evidence(req: LicenceRequest, *, valid: bool) -> RequestEvidence:
    today = timezone.localdate()
    return services.licence_request_add_evidence(
        request=req,
        user=provider_user(req),
        mechanism="cn_standard_contract",
        title="Provincial CAC filing receipt",
        upload=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4"),
        reference="GD-SCC-2026-0042",
        issued_on=today - timedelta(days=30),
        expires_on=None if valid else today - timedelta(days=1),
    )


@pytest.mark.parametrize("source", [s for s in REQUEST_STATES if s != "awaiting_provider"])
def test_valid_evidence_sends_only_a_waiting_request_to_the_provider(source):
    req = request_in(source, "needs_mechanism")
    mark = ledger_mark()
    if source == "awaiting_evidence":
        assert add_evidence(req, valid=True).valid
        assert status_of(req) == "awaiting_provider"
        assert recorded_moves(req, since=mark) == [
            ("licensing.request.awaiting_provider", "awaiting_evidence", "awaiting_provider")
        ]
    else:
        with pytest.raises(InvalidTransition):
            add_evidence(req, valid=True)
        assert status_of(req) == source
        assert recorded_moves(req, since=mark) == []
        assert not RequestEvidence.objects.filter(request=req).exists()


@pytest.mark.parametrize("status", REQUEST_STATES)
def test_evidence_operation(status):
    # Expired evidence is kept but moves nothing: only the operation itself is tried here.
    req = request_in(status, "needs_mechanism")
    if status == "awaiting_evidence":
        assert not add_evidence(req, valid=False).valid
    else:
        with pytest.raises(InvalidTransition):
            add_evidence(req, valid=False)
    assert RequestEvidence.objects.filter(request=req).exists() == (status == "awaiting_evidence")
    assert status_of(req) == status


# --- request: the provider's decision -----------------------------------------------------


@pytest.mark.parametrize("source", [s for s in REQUEST_STATES if s != "approved"])
def test_the_provider_approves_only_a_request_waiting_for_it(source):
    req = request_in(source)
    mark = ledger_mark()
    if source == "awaiting_provider":
        services.licence_request_decide(request=req, user=provider_user(req), approve=True)
        assert status_of(req) == "approved"
        assert recorded_moves(req, since=mark) == [
            ("licensing.request.approved", "awaiting_provider", "approved")
        ]
        assert Licence.objects.get(request=req).status == "active"
    else:
        with pytest.raises(InvalidTransition):
            services.licence_request_decide(request=req, user=provider_user(req), approve=True)
        assert status_of(req) == source
        assert recorded_moves(req, since=mark) == []
        assert not Licence.objects.filter(request=req).exists()


DECLINABLE = {"awaiting_evidence", "awaiting_provider"}


@pytest.mark.parametrize("source", [s for s in REQUEST_STATES if s != "declined"])
def test_the_provider_declines_only_a_request_waiting_for_evidence_or_for_it(source):
    req = request_in(source)
    mark = ledger_mark()

    def decline():
        services.licence_request_decide(
            request=req, user=provider_user(req), approve=False, note="Not for this purpose."
        )

    if source in DECLINABLE:
        decline()
        assert status_of(req) == "declined"
        assert recorded_moves(req, since=mark) == [
            ("licensing.request.declined", source, "declined")
        ]
    else:
        with pytest.raises(InvalidTransition):
            decline()
        assert status_of(req) == source
        assert recorded_moves(req, since=mark) == []


# A request is open until it is decided: while it is, the buyer cannot ask for the same
# offer again.
UNDECIDED = {"requested", "assessing", "manual_review", "awaiting_evidence", "awaiting_provider"}


@pytest.mark.parametrize("status", REQUEST_STATES)
def test_only_an_undecided_request_stops_the_buyer_asking_again(status):
    first = request_in(status)

    def ask_again():
        return services.licence_request_create(
            buyer=first.buyer,
            user=buyer_user(first),
            offer=first.offer,
            purpose="market-research",
            processing_jurisdiction=first.processing_jurisdiction,
            intended_start=timezone.localdate(),
            accepted_terms_hash=services.terms_hash(services.offer_terms(first.offer)),
        )

    if status in UNDECIDED:
        with pytest.raises(Conflict):
            ask_again()
    else:
        assert ask_again().status == "awaiting_provider"
    count = LicenceRequest.objects.filter(buyer=first.buyer, offer=first.offer).count()
    assert count == (1 if status in UNDECIDED else 2)
    assert status_of(first) == status


# --- licences -----------------------------------------------------------------------------


def licence_in(status: str) -> Licence:
    req = new_request()
    services.licence_request_decide(request=req, user=provider_user(req), approve=True)
    licence = Licence.objects.get(request=req)
    assert licence.status == "active" and licence.ends_at is not None
    fields = {"status": status}
    if status == "suspended":
        fields.update(suspended_at=timezone.now(), suspension_reason="Regulator's order")
    if status in ("expired", "revoked"):
        fields.update(ended_at=timezone.now(), end_reason="arranged")
    return set_fields(licence, **fields)


def exchange_admin():
    return reviewer("exchange_admin")


@pytest.mark.parametrize("source", [s for s in LICENCE_STATES if s != "expired"])
def test_expiry_ends_only_an_active_or_suspended_licence(source):
    licence = licence_in(source)
    mark = ledger_mark()
    expired = services.licences_expire_due(now=licence.ends_at + timedelta(minutes=1))
    if source in ("active", "suspended"):
        assert expired == 1
        assert status_of(licence) == "expired"
        assert recorded_moves(licence, since=mark) == [
            ("licensing.licence.expired", source, "expired")
        ]
    else:
        assert expired == 0
        assert status_of(licence) == source
        assert recorded_moves(licence, since=mark) == []


@pytest.mark.parametrize("source", [s for s in LICENCE_STATES if s != "revoked"])
def test_revocation_ends_only_an_active_or_suspended_licence(source):
    licence = licence_in(source)
    mark = ledger_mark()

    def revoke():
        services.licence_revoke(licence=licence, actor=provider_user(licence), reason="Breach")

    if source in ("active", "suspended"):
        revoke()
        assert status_of(licence) == "revoked"
        assert recorded_moves(licence, since=mark) == [
            ("licensing.licence.revoked", source, "revoked")
        ]
    else:
        with pytest.raises(InvalidTransition):
            revoke()
        assert status_of(licence) == source
        assert recorded_moves(licence, since=mark) == []


@pytest.mark.parametrize("source", [s for s in LICENCE_STATES if s != "suspended"])
def test_suspension_pauses_only_an_active_licence(source):
    licence = licence_in(source)
    mark = ledger_mark()

    def suspend():
        services.licence_suspend(licence=licence, actor=exchange_admin(), reason="Breach report")

    if source == "active":
        suspend()
        assert status_of(licence) == "suspended"
        assert recorded_moves(licence, since=mark) == [
            ("licensing.licence.suspended", "active", "suspended")
        ]
    else:
        with pytest.raises(InvalidTransition):
            suspend()
        assert status_of(licence) == source
        assert recorded_moves(licence, since=mark) == []


@pytest.mark.parametrize("source", [s for s in LICENCE_STATES if s != "active"])
def test_reinstatement_resumes_only_a_suspended_licence(source):
    licence = licence_in(source)
    mark = ledger_mark()

    def reinstate():
        services.licence_reinstate(licence=licence, actor=exchange_admin(), reason="Resolved")

    if source == "suspended":
        reinstate()
        assert status_of(licence) == "active"
        assert recorded_moves(licence, since=mark) == [
            ("licensing.licence.reinstated", "suspended", "active")
        ]
    else:
        with pytest.raises(InvalidTransition):
            reinstate()
        assert status_of(licence) == source
        assert recorded_moves(licence, since=mark) == []


@pytest.mark.parametrize("status", LICENCE_STATES)
def test_renew_operation(status):
    licence = licence_in(status)
    if status in ("active", "expired"):
        renewed = services.licence_renew(licence=licence, user=provider_user(licence))
        assert renewed.renewed_from_id == licence.pk and renewed.status == "active"
    else:
        with pytest.raises(InvalidTransition):
            services.licence_renew(licence=licence, user=provider_user(licence))
    assert licence.renewals.exists() == (status in ("active", "expired"))
    assert status_of(licence) == status
