"""Every allowed and every forbidden move of the product and version lifecycles."""

import pytest

from catalogue import services
from catalogue.models import (
    PRODUCT_STATUSES,
    VERSION_STATES,
    DataProduct,
    ProductVersion,
)
from catalogue.services import TRANSITIONS, VERSION_TRANSITIONS
from kernel.exceptions import InvalidTransition
from kernel.ledger.models import AuditEvent
from tests.factories import OrganizationFactory, draft_product, listed_product, member_of

pytestmark = pytest.mark.django_db

ALL_PRODUCT_MOVES = [(a, b) for a in PRODUCT_STATUSES for b in PRODUCT_STATUSES if a != b]
ALL_VERSION_MOVES = [(a, b) for a in VERSION_STATES for b in VERSION_STATES if a != b]


def test_the_status_lists_match_the_choices():
    assert set(PRODUCT_STATUSES) == set(DataProduct.Status.values) == set(TRANSITIONS)
    assert set(VERSION_STATES) == set(ProductVersion.State.values) == set(VERSION_TRANSITIONS)


def test_the_transition_map_is_the_domain_lifecycle():
    S = DataProduct.Status
    assert {
        S.DRAFT: {S.SUBMITTED},
        S.SUBMITTED: {S.IN_REVIEW},
        S.IN_REVIEW: {S.CHANGES_REQUESTED, S.LISTED, S.REJECTED},
        S.CHANGES_REQUESTED: {S.SUBMITTED},
        S.LISTED: {S.SUSPENDED, S.DELISTED},
        S.SUSPENDED: {S.LISTED, S.DELISTED},
        S.DELISTED: set(),
        S.REJECTED: set(),
    } == TRANSITIONS


@pytest.mark.parametrize(("before", "after"), ALL_PRODUCT_MOVES)
def test_every_product_move(before, after):
    org = OrganizationFactory()
    actor = member_of(org)
    product = draft_product(org, actor)
    version = product.versions.get()
    if before == "listed" or after == "listed" or before == "suspended":
        # A listed product needs an approved version (a database constraint).
        version.state = "approved"
        version.save(update_fields=["state"])
        DataProduct.objects.filter(pk=product.pk).update(listed_version=version)
    DataProduct.objects.filter(pk=product.pk).update(status=before)
    product.refresh_from_db()
    events_before = AuditEvent.objects.count()
    if after in TRANSITIONS[before]:
        services.product_set_status(product=product, to=after, actor=actor)
        product.refresh_from_db()
        assert product.status == after
        event = AuditEvent.objects.order_by("-seq").first()
        assert event.action == f"catalogue.product.{after}"
        assert event.before == {"status": before}
    else:
        with pytest.raises(InvalidTransition):
            services.product_set_status(product=product, to=after, actor=actor)
        product.refresh_from_db()
        assert product.status == before
        assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(("before", "after"), ALL_VERSION_MOVES)
def test_every_version_move(before, after):
    org = OrganizationFactory()
    actor = member_of(org)
    version = draft_product(org, actor).versions.get()
    ProductVersion.objects.filter(pk=version.pk).update(state=before)
    version.refresh_from_db()
    if after in VERSION_TRANSITIONS[before]:
        services.version_decide(version=version, to=after, actor=actor)
        version.refresh_from_db()
        assert version.state == after
    else:
        with pytest.raises(InvalidTransition):
            services.version_decide(version=version, to=after, actor=actor)
        version.refresh_from_db()
        assert version.state == before


def test_submit_freezes_the_version_and_moves_a_first_product_to_submitted():
    org = OrganizationFactory()
    actor = member_of(org)
    product = draft_product(org, actor)
    from tests.factories import add_offer

    add_offer(product, actor)
    version = services.version_submit(version=product.versions.get(), actor=actor)
    product.refresh_from_db()
    assert version.state == "submitted" and product.status == "submitted"
    with pytest.raises(InvalidTransition):
        services.version_update(version=version, actor=actor, description="sneaky edit")


def test_submit_refuses_an_incomplete_version_and_says_why():
    from kernel.exceptions import InvalidInput

    org = OrganizationFactory()
    actor = member_of(org)
    product = services.product_create(
        provider=org,
        actor=actor,
        title="Empty",
        summary="s",
        category=draft_product.__globals__["category"](),
        origin_jurisdiction="MY",
    )
    with pytest.raises(InvalidInput) as exc:
        services.version_submit(version=product.versions.get(), actor=actor)
    for words in ("description", "schema", "sample", "offer"):
        assert words in exc.value.message
    product.refresh_from_db()
    assert product.status == "draft"


def test_a_new_version_of_a_listed_product_keeps_the_listed_one_live():
    product = listed_product()
    actor = product.provider.memberships.first().user
    live = product.listed_version
    new = services.version_create_next(product=product, actor=actor)
    assert new.number == 2 and new.state == "draft"
    assert new.schema == live.schema and new.sample.name == live.sample.name
    services.version_update(version=new, actor=actor, description="Now with weekends.")
    services.version_submit(version=new, actor=actor)
    product.refresh_from_db()
    assert product.status == "listed" and product.listed_version == live
    # Only one version may be open at a time.
    from kernel.exceptions import Conflict

    with pytest.raises(Conflict):
        services.version_create_next(product=product, actor=actor)
    services.version_decide(version=new, to="approved", actor=None)
    services.product_list_version(version=new, actor=None)
    product.refresh_from_db()
    assert product.listed_version == new and product.status == "listed"


def test_delist_needs_a_reason_and_is_final():
    from kernel.exceptions import InvalidInput

    product = listed_product()
    actor = product.provider.memberships.first().user
    with pytest.raises(InvalidInput):
        services.product_delist(product=product, actor=actor, reason="  ")
    services.product_delist(product=product, actor=actor, reason="Data source retired")
    product.refresh_from_db()
    assert product.status == "delisted"
    with pytest.raises(InvalidTransition):
        services.version_create_next(product=product, actor=actor)


def test_only_verified_provider_members_write():
    from kernel.exceptions import PermissionDenied

    pending = OrganizationFactory(verification_status="pending")
    with pytest.raises(PermissionDenied, match="verified"):
        draft_product(pending, member_of(pending))
    buyer_only = OrganizationFactory(is_provider=False)
    with pytest.raises(PermissionDenied, match="provider"):
        draft_product(buyer_only, member_of(buyer_only))
    product = listed_product()
    outsider = member_of(OrganizationFactory())
    with pytest.raises(PermissionDenied):
        services.product_delist(product=product, actor=outsider, reason="mine now")


def test_database_refuses_broken_invariants():
    from django.db import IntegrityError, transaction

    product = listed_product()
    offer = product.offers.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(offer).objects.filter(pk=offer.pk).update(price=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(offer).objects.filter(pk=offer.pk).update(breach_notice_hours=96)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVersion.objects.filter(pk=product.listed_version_id).update(min_group_size=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVersion.objects.create(product=product, number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataProduct.objects.filter(pk=product.pk).update(listed_version=None)
