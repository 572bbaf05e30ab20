"""Submitting, versioning and delisting products (the moves themselves: test_transitions)."""

import pytest

from catalogue import services
from catalogue.models import (
    DataProduct,
    ProductVersion,
)
from kernel.exceptions import InvalidTransition
from tests.factories import OrganizationFactory, draft_product, listed_product, member_of

pytestmark = pytest.mark.django_db


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
    services.version_review_close(version=new, outcome="approved", actor=None)
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
