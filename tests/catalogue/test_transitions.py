"""Every move of the product and version machines, made (or refused) by the real services.

The expected outcomes below are written out by hand from the lifecycle the exchange promises
(docs/architecture.md, "State machines"); none is read from the maps under test. Each test
puts a real row in a source state, calls the service a user's action goes through, and looks
at what a user would notice: the status in the database and the audit trail.
``tools/transition_mutants.py`` checks that these tests fail when the maps change.
"""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalogue import services
from catalogue.models import DataProduct, Offer, ProductVersion
from kernel.exceptions import InvalidTransition
from tests.factories import (
    OrganizationFactory,
    add_offer,
    csv_upload,
    draft_product,
    footfall_csv,
    ledger_mark,
    listed_product,
    member_of,
    purpose,
    recorded_moves,
    reviewer,
    set_fields,
)

pytestmark = pytest.mark.django_db

PRODUCT_STATES = [
    "draft",
    "submitted",
    "in_review",
    "changes_requested",
    "listed",
    "suspended",
    "delisted",
    "rejected",
]
VERSION_STATES = ["draft", "submitted", "approved", "changes_requested", "rejected", "withdrawn"]
# States in which a product has been listed, so it has a listed version.
WAS_LISTED = {"listed", "suspended", "delisted"}


# --- the literal maps ---------------------------------------------------------------------


def test_pins_product_map():
    assert services.PRODUCT_TRANSITIONS == {
        "draft": {"submitted": "submit"},
        "submitted": {"in_review": "open_review"},
        "in_review": {
            "changes_requested": "review",
            "listed": "review",
            "rejected": "review",
        },
        "changes_requested": {"submitted": "submit"},
        "listed": {"suspended": "suspend", "delisted": "delist"},
        "suspended": {"listed": "reinstate", "delisted": "delist"},
        "delisted": {},
        "rejected": {},
    }


def test_pins_product_operations():
    open_states = {
        "draft",
        "submitted",
        "in_review",
        "changes_requested",
        "listed",
        "suspended",
    }
    assert {op: set(states) for op, states in services.PRODUCT_OPERATIONS.items()} == {
        "edit": {"draft", "changes_requested"},
        "new_version": open_states,
        "offer": open_states,
        "submit_version": {"draft", "changes_requested", "listed", "suspended"},
        "list_version": {"in_review", "listed", "suspended"},
        "license": {"listed"},
        "serve": {"listed", "delisted"},
    }


def test_pins_version_map():
    assert services.VERSION_TRANSITIONS == {
        "draft": {"submitted": "submit", "withdrawn": "withdraw"},
        "submitted": {
            "approved": "review",
            "changes_requested": "review",
            "rejected": "review",
        },
        "approved": {},
        "changes_requested": {},
        "rejected": {},
        "withdrawn": {},
    }


def test_pins_version_operations():
    assert {op: set(states) for op, states in services.VERSION_OPERATIONS.items()} == {
        "edit": {"draft"},
        "list": {"approved"},
    }


# --- arranging products -------------------------------------------------------------------


def owner_of(product: DataProduct):
    return product.provider.memberships.first().user


def exchange_admin():
    return reviewer("exchange_admin")


def unlisted_product(status: str) -> DataProduct:
    """A product that has never been listed, in ``status``; its one version is a complete
    draft with an offer (ready to submit)."""
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner)
    return set_fields(product, status=status)


def once_listed_product(status: str) -> DataProduct:
    """A product listed on its approved version 1, then put in ``status``."""
    product = listed_product(OrganizationFactory(jurisdiction="MY"))
    assert product.status == "listed" and product.listed_version.state == "approved"
    return set_fields(product, status=status)


def product_in(status: str) -> DataProduct:
    return once_listed_product(status) if status in WAS_LISTED else unlisted_product(status)


def product_with_version(status: str, version_state: str) -> tuple[DataProduct, ProductVersion]:
    """A product in ``status`` whose latest version is in ``version_state`` (a listed product
    keeps its approved version 1 listed; the latest is version 2)."""
    if status in WAS_LISTED:
        product = listed_product(OrganizationFactory(jurisdiction="MY"))
        version = services.version_create_next(product=product, actor=owner_of(product))
        set_fields(product, status=status)
    else:
        product = unlisted_product(status)
        version = product.versions.get()
    set_fields(version, state=version_state)
    return product, version


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


def state_of(version: ProductVersion) -> str:
    version.refresh_from_db()
    return version.state


# --- product moves ------------------------------------------------------------------------

# Submitting a draft version, by product status: the product moves to submitted (a first or
# repeated submission), stays where it is (a listed or suspended product keeps serving its
# approved version meanwhile), or the submission is refused.
SUBMIT_VERSION = {
    "draft": "moves",
    "changes_requested": "moves",
    "listed": "stays",
    "suspended": "stays",
    "submitted": "refused",
    "in_review": "refused",
    "delisted": "refused",
    "rejected": "refused",
}


@pytest.mark.parametrize(("source", "outcome"), SUBMIT_VERSION.items())
def test_version_submit_moves_the_product_to_submitted(source, outcome):
    product, version = product_with_version(source, "draft")
    mark = ledger_mark()
    if outcome == "refused":
        with pytest.raises(InvalidTransition):
            services.version_submit(version=version, actor=owner_of(product))
        assert state_of(version) == "draft"
        assert recorded_moves(version, since=mark, field="state") == []
    else:
        services.version_submit(version=version, actor=owner_of(product))
        assert state_of(version) == "submitted"
    if outcome == "moves":
        assert status_of(product) == "submitted"
        assert recorded_moves(product, since=mark) == [
            ("catalogue.product.submitted", source, "submitted")
        ]
    else:
        assert status_of(product) == source
        assert recorded_moves(product, since=mark) == []


@pytest.mark.parametrize("source", [s for s in PRODUCT_STATES if s != "in_review"])
def test_version_review_open_moves_only_a_submitted_product_into_review(source):
    product, version = product_with_version(source, "submitted")
    mark = ledger_mark()
    services.version_review_open(version=version, actor=None)
    if source == "submitted":
        assert status_of(product) == "in_review"
        assert recorded_moves(product, since=mark) == [
            ("catalogue.product.in_review", "submitted", "in_review")
        ]
    else:
        assert status_of(product) == source
        assert recorded_moves(product, since=mark) == []


@pytest.mark.parametrize(
    ("outcome", "source"),
    [
        (outcome, source)
        for outcome in ("changes_requested", "rejected")
        for source in PRODUCT_STATES
        if source != outcome
    ],
)
def test_review_close_sends_only_a_product_in_review_back_or_out(outcome, source):
    product, version = product_with_version(source, "submitted")
    mark = ledger_mark()
    services.version_review_close(version=version, outcome=outcome, actor=None)
    assert state_of(version) == outcome
    if source == "in_review":
        assert status_of(product) == outcome
        assert recorded_moves(product, since=mark) == [
            (f"catalogue.product.{outcome}", "in_review", outcome)
        ]
    else:
        assert status_of(product) == source
        assert recorded_moves(product, since=mark) == []


# Listing an approved version, by product status: a product in review becomes listed, a
# listed or suspended one changes the version it serves and keeps its status, the others
# refuse.
LIST_VERSION = {
    "in_review": "moves",
    "listed": "stays",
    "suspended": "stays",
    "draft": "refused",
    "submitted": "refused",
    "changes_requested": "refused",
    "delisted": "refused",
    "rejected": "refused",
}


@pytest.mark.parametrize(("source", "outcome"), LIST_VERSION.items())
def test_product_list_version_lists_a_product_in_review(source, outcome):
    product, version = product_with_version(source, "approved")
    listed_before = product.listed_version_id
    mark = ledger_mark()
    if outcome == "refused":
        with pytest.raises(InvalidTransition):
            services.product_list_version(version=version, actor=None)
        assert status_of(product) == source
        assert product.listed_version_id == listed_before
        assert recorded_moves(product, since=mark) == []
        return
    services.product_list_version(version=version, actor=None)
    product.refresh_from_db()
    assert product.listed_version_id == version.pk
    if outcome == "moves":
        assert product.status == "listed"
        assert recorded_moves(product, since=mark) == [
            ("catalogue.product.version_listed", "in_review", "listed")
        ]
    else:
        assert product.status == source
        assert recorded_moves(product, since=mark) == []


def test_an_approved_review_lists_a_product_in_review():
    product, version = product_with_version("in_review", "submitted")
    mark = ledger_mark()
    services.version_review_close(version=version, outcome="approved", actor=None)
    product.refresh_from_db()
    assert product.status == "listed" and product.listed_version_id == version.pk
    assert recorded_moves(product, since=mark) == [
        ("catalogue.product.version_listed", "in_review", "listed")
    ]


@pytest.mark.parametrize("source", [s for s in PRODUCT_STATES if s != "listed"])
def test_product_reinstate_lists_only_a_suspended_product(source):
    product = once_listed_product(source)
    mark = ledger_mark()
    if source == "suspended":
        services.product_reinstate(product=product, actor=exchange_admin(), reason="Order lifted")
        assert status_of(product) == "listed"
        assert recorded_moves(product, since=mark) == [
            ("catalogue.product.reinstated", "suspended", "listed")
        ]
    else:
        with pytest.raises(InvalidTransition):
            services.product_reinstate(product=product, actor=exchange_admin(), reason="Why not")
        assert status_of(product) == source
        assert recorded_moves(product, since=mark) == []


@pytest.mark.parametrize("source", [s for s in PRODUCT_STATES if s != "suspended"])
def test_product_suspend_suspends_only_a_listed_product(source):
    product = product_in(source)
    mark = ledger_mark()
    if source == "listed":
        services.product_suspend(product=product, actor=exchange_admin(), reason="Court order")
        assert status_of(product) == "suspended"
        assert recorded_moves(product, since=mark) == [
            ("catalogue.product.suspended", "listed", "suspended")
        ]
    else:
        with pytest.raises(InvalidTransition):
            services.product_suspend(product=product, actor=exchange_admin(), reason="Order")
        assert status_of(product) == source
        assert recorded_moves(product, since=mark) == []


@pytest.mark.parametrize("source", [s for s in PRODUCT_STATES if s != "delisted"])
def test_product_delist_takes_off_only_a_listed_or_suspended_product(source):
    product = product_in(source)
    mark = ledger_mark()
    if source in ("listed", "suspended"):
        services.product_delist(product=product, actor=owner_of(product), reason="Source gone")
        assert status_of(product) == "delisted"
        assert recorded_moves(product, since=mark) == [
            ("catalogue.product.delisted", source, "delisted")
        ]
    else:
        with pytest.raises(InvalidTransition):
            services.product_delist(product=product, actor=owner_of(product), reason="Gone")
        assert status_of(product) == source
        assert recorded_moves(product, since=mark) == []


# --- product operations that keep the status ----------------------------------------------

EDITABLE = {"draft", "changes_requested"}
OPEN = {"draft", "submitted", "in_review", "changes_requested", "listed", "suspended"}


@pytest.mark.parametrize("status", PRODUCT_STATES)
def test_edit_operation_product_update(status):
    product = product_in(status)
    title = product.title
    if status in EDITABLE:
        services.product_update(product=product, actor=owner_of(product), title="Renamed")
        product.refresh_from_db()
        assert product.title == "Renamed"
    else:
        with pytest.raises(InvalidTransition):
            services.product_update(product=product, actor=owner_of(product), title="Renamed")
        product.refresh_from_db()
        assert product.title == title
    assert product.status == status


@pytest.mark.parametrize("status", PRODUCT_STATES)
def test_new_version_operation_version_create_next(status):
    product = once_listed_product(status)  # version 1 is approved: nothing is being prepared
    if status in OPEN:
        new = services.version_create_next(product=product, actor=owner_of(product))
        assert new.number == 2 and new.state == "draft"
    else:
        with pytest.raises(InvalidTransition):
            services.version_create_next(product=product, actor=owner_of(product))
    assert product.versions.count() == (2 if status in OPEN else 1)
    assert status_of(product) == status


@pytest.mark.parametrize("status", PRODUCT_STATES)
def test_offer_operation_offer_create(status):
    product = product_in(status)
    owner = owner_of(product)

    def create():
        return services.offer_create(
            product=product,
            actor=owner,
            purposes=[purpose()],
            name="Premium",
            price="99.00",
            currency="USD",
            territories=["SG"],
        )

    if status in OPEN:
        create()
    else:
        with pytest.raises(InvalidTransition):
            create()
    assert product.offers.filter(name="Premium").exists() == (status in OPEN)
    assert status_of(product) == status


@pytest.mark.parametrize("status", PRODUCT_STATES)
def test_offer_operation_offer_update(status):
    product = product_in(status)
    offer = product.offers.get()
    if status in OPEN:
        services.offer_update(offer=offer, actor=owner_of(product), price="500.00")
    else:
        with pytest.raises(InvalidTransition):
            services.offer_update(offer=offer, actor=owner_of(product), price="500.00")
    offer.refresh_from_db()
    assert (offer.price == 500) == (status in OPEN)
    assert status_of(product) == status


def licensing_buyer():
    buyer = OrganizationFactory(jurisdiction="CN", is_provider=False)
    return buyer, member_of(buyer)


def request_licence(product: DataProduct, buyer, user):
    from licensing import services as licensing

    offer = Offer.objects.get(product=product)
    return licensing.licence_request_create(
        buyer=buyer,
        user=user,
        offer=offer,
        purpose="market-research",
        processing_jurisdiction="CN",
        intended_start=timezone.localdate(),
        accepted_terms_hash=licensing.terms_hash(licensing.offer_terms(offer)),
    )


@pytest.mark.parametrize("status", PRODUCT_STATES)
def test_license_operation_licence_request_create(status):
    from licensing.models import LicenceRequest

    product = once_listed_product(status)
    buyer, user = licensing_buyer()
    if status == "listed":
        request = request_licence(product, buyer, user)
        assert request.status == "awaiting_provider"
    else:
        with pytest.raises(InvalidTransition):
            request_licence(product, buyer, user)
    assert LicenceRequest.objects.filter(product=product).exists() == (status == "listed")


@pytest.mark.parametrize("status", PRODUCT_STATES)
def test_serve_operation_access_authorise(status):
    from licensing import services as licensing
    from licensing.exceptions import ProductSuspended

    product = once_listed_product("listed")
    buyer, user = licensing_buyer()
    request = request_licence(product, buyer, user)
    licensing.licence_request_decide(request=request, user=owner_of(product), approve=True)
    set_fields(product, status=status)

    def access():
        return licensing.access_authorise(
            user=user,
            organization=buyer,
            product=DataProduct.objects.get(pk=product.pk),
            kind="query",
            purpose="market-research",
            jurisdiction="CN",
        )

    if status in ("listed", "delisted"):
        assert access().request_id == request.pk
    else:
        with pytest.raises(ProductSuspended):
            access()


# --- version moves ------------------------------------------------------------------------


@pytest.mark.parametrize("source", [s for s in VERSION_STATES if s != "submitted"])
def test_version_submit_freezes_only_a_draft(source):
    product, version = product_with_version("draft", source)
    mark = ledger_mark()
    if source == "draft":
        services.version_submit(version=version, actor=owner_of(product))
        assert state_of(version) == "submitted"
        assert recorded_moves(version, since=mark, field="state") == [
            ("catalogue.version.submitted", "draft", "submitted")
        ]
    else:
        with pytest.raises(InvalidTransition):
            services.version_submit(version=version, actor=owner_of(product))
        assert state_of(version) == source
        assert recorded_moves(version, since=mark, field="state") == []
        assert status_of(product) == "draft"


@pytest.mark.parametrize("source", [s for s in VERSION_STATES if s != "withdrawn"])
def test_version_withdraw_abandons_only_a_draft(source):
    product, version = product_with_version("draft", source)
    mark = ledger_mark()
    if source == "draft":
        services.version_withdraw(version=version, actor=owner_of(product))
        assert state_of(version) == "withdrawn"
        assert recorded_moves(version, since=mark, field="state") == [
            ("catalogue.version.withdrawn", "draft", "withdrawn")
        ]
    else:
        with pytest.raises(InvalidTransition):
            services.version_withdraw(version=version, actor=owner_of(product))
        assert state_of(version) == source
        assert recorded_moves(version, since=mark, field="state") == []


@pytest.mark.parametrize(
    ("outcome", "source"),
    [
        (outcome, source)
        for outcome in ("approved", "changes_requested", "rejected")
        for source in VERSION_STATES
        if source != outcome
    ],
)
def test_version_review_close_decides_only_a_submitted_version(outcome, source):
    # The product is in review, so every outcome could run to its end (an approval lists).
    product, version = product_with_version("in_review", source)
    mark = ledger_mark()
    if source == "submitted":
        services.version_review_close(version=version, outcome=outcome, actor=None)
        assert state_of(version) == outcome
        assert version.decided_at is not None
        assert recorded_moves(version, since=mark, field="state") == [
            (f"catalogue.version.{outcome}", "submitted", outcome)
        ]
        expected_product = "listed" if outcome == "approved" else outcome
        assert status_of(product) == expected_product
    else:
        with pytest.raises(InvalidTransition):
            services.version_review_close(version=version, outcome=outcome, actor=None)
        assert state_of(version) == source
        assert recorded_moves(version, since=mark, field="state") == []
        assert status_of(product) == "in_review"


# --- version operations that keep the state -----------------------------------------------


def _update(version, owner):
    services.version_update(version=version, actor=owner, description="Edited description.")


def _upload_sample(version, owner):
    services.version_upload_sample(
        version=version, actor=owner, upload=csv_upload(footfall_csv(12), "sample.csv")
    )


def _upload_dataset(version, owner):
    services.version_upload_dataset(
        version=version, actor=owner, upload=csv_upload(footfall_csv(40), "dataset.csv")
    )


def _add_attachment(version, owner):
    services.version_add_attachment(
        version=version,
        actor=owner,
        kind="other",
        title="Sensor calibration certificate",
        upload=SimpleUploadedFile("cert.pdf", b"%PDF-1.4"),
        issued_on=date.today() - timedelta(days=1),
    )


def _edit_effect(version: ProductVersion):
    version.refresh_from_db()
    return (
        version.description,
        version.sample.name,
        version.sample_rows,
        version.dataset.name,
        version.dataset_rows,
        version.attachments.count(),
    )


EDITS = {
    "version_update": _update,
    "version_upload_sample": _upload_sample,
    "version_upload_dataset": _upload_dataset,
    "version_add_attachment": _add_attachment,
}


@pytest.mark.parametrize("service", EDITS)
@pytest.mark.parametrize("state", VERSION_STATES)
def test_edit_operation_of_a_version(state, service):
    product, version = product_with_version("draft", state)
    before = _edit_effect(version)
    if state == "draft":
        EDITS[service](version, owner_of(product))
        assert _edit_effect(version) != before
    else:
        with pytest.raises(InvalidTransition):
            EDITS[service](version, owner_of(product))
        assert _edit_effect(version) == before
    assert state_of(version) == state


@pytest.mark.parametrize("state", VERSION_STATES)
def test_list_operation_of_a_version(state):
    product, version = product_with_version("listed", state)
    first = product.listed_version_id
    if state == "approved":
        services.product_list_version(version=version, actor=None)
        product.refresh_from_db()
        assert product.listed_version_id == version.pk
    else:
        with pytest.raises(InvalidTransition):
            services.product_list_version(version=version, actor=None)
        product.refresh_from_db()
        assert product.listed_version_id == first
    assert product.status == "listed"
    assert state_of(version) == state
