"""Contract terms within the exchange's ceilings: the services refuse what the legal review
would, and the migration brought existing offers within them, telling each provider why."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalogue import services
from catalogue.selectors import offer_terms
from kernel.exceptions import InvalidInput
from tests.factories import OrganizationFactory, add_offer, draft_product, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    provider = OrganizationFactory()
    actor = member_of(provider)
    return draft_product(provider, actor), actor


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"breach_notice_hours": 25}, "breach_notice_hours"),
        ({"breach_notice_hours": 72}, "breach_notice_hours"),
        ({"term_months": None}, "term_months"),
        ({"term_months": 0}, "term_months"),
        ({"onward_transfer_allowed": True}, "onward_transfer_territories"),
        (
            {"onward_transfer_allowed": True, "onward_transfer_territories": ["ZZ"]},
            "onward_transfer_territories",
        ),
    ],
)
def test_an_offer_outside_the_ceilings_is_refused(product, terms, field):
    product, actor = product
    with pytest.raises(InvalidInput) as caught:
        add_offer(product, actor, **terms)
    assert caught.value.field == field
    assert not product.offers.exists()


def test_an_offer_without_a_permitted_purpose_is_refused(product):
    product, actor = product
    with pytest.raises(InvalidInput) as caught:
        services.offer_create(
            product=product, actor=actor, name="Bare", price="1", currency="USD",
            territories=["SG"],
        )  # fmt: skip
    assert caught.value.field == "purposes"


def test_the_defaults_are_within_the_ceilings(product):
    product, actor = product
    offer = services.offer_create(
        product=product,
        actor=actor,
        name="Defaults",
        price="1",
        currency="USD",
        territories=["SG"],
        other_purposes="benchmarking",
    )
    assert (offer.breach_notice_hours, offer.term_months) == (24, 12)


def test_onward_transfer_terms_are_accepted_and_hashed(product):
    product, actor = product
    offer = add_offer(
        product, actor, onward_transfer_allowed=True, onward_transfer_territories=["sg", "MY"]
    )
    terms = offer_terms(offer)
    assert terms["onward_transfer_territories"] == ["MY", "SG"]
    assert terms["onward_transfer_conditions"] == [
        "written_agreement",
        "same_protections",
        "provider_notice",
    ]
    # Turning onward transfer off takes the territories with it.
    services.offer_update(offer=offer, actor=actor, onward_transfer_allowed=False)
    offer.refresh_from_db()
    assert offer_terms(offer)["onward_transfer_territories"] == []
    assert offer_terms(offer)["onward_transfer_conditions"] == []


BEFORE = [
    ("catalogue", "0006_dataset_state_at"),
    ("accounts", "0002_recipients_and_restricted_parties"),
    ("compliance", "0005_technical_stage_checks_privacy"),
]
# The notifications the migration writes are read through today's model, which needs the
# notification migrations after BEFORE too.
AFTER = [
    ("catalogue", "0008_offer_terms_and_version_declarations"),
    ("compliance", "0006_notification_translations"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_existing_offers_within_the_ceilings_and_tells_providers(
    reference_data, request
):
    executor = MigrationExecutor(connection)

    def every_migration_again():
        # Leave the schema as every later test expects it, whatever happened here.
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    request.addfinalizer(every_migration_again)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Group = old.get_model("auth", "Group")
    Organization = old.get_model("accounts", "Organization")
    Category = old.get_model("catalogue", "Category")
    DataProduct = old.get_model("catalogue", "DataProduct")
    Offer = old.get_model("catalogue", "Offer")
    provider = Organization.objects.create(
        legal_name="Old Terms Sdn. Bhd.",
        slug="old-terms",
        jurisdiction="MY",
        registration_number="199901000001",
        is_provider=True,
        group=Group.objects.create(name="org:old-terms"),
    )
    product = DataProduct.objects.create(
        provider=provider,
        slug="old-footfall",
        title="Old footfall",
        summary="Counts.",
        category=Category.objects.first(),
        origin_jurisdiction="MY",
    )

    def offer(name, hours, months):
        return Offer.objects.create(
            product=product,
            name=name,
            price="1",
            currency="MYR",
            territories=["SG"],
            breach_notice_hours=hours,
            term_months=months,
        ).pk

    slow = offer("Slow notice", 72, 12)
    perpetual = offer("Perpetual", 24, None)
    both = offer("Both", 48, None)
    fine = offer("Fine", 12, 6)

    executor.loader.build_graph()
    executor.migrate(AFTER)

    from catalogue.models import Offer as CurrentOffer
    from compliance.models import Notification

    terms = {
        o.pk: (o.breach_notice_hours, o.term_months)
        for o in CurrentOffer.objects.filter(pk__in=[slow, perpetual, both, fine])
    }
    assert terms == {slow: (24, 12), perpetual: (24, 12), both: (24, 12), fine: (12, 6)}
    notes = {n.subject: n for n in Notification.objects.filter(organization_id=provider.pk)}
    assert set(notes) == {
        "Offer “Slow notice” changed to meet the exchange's contract terms",
        "Offer “Perpetual” changed to meet the exchange's contract terms",
        "Offer “Both” changed to meet the exchange's contract terms",
    }
    slow_note = notes["Offer “Slow notice” changed to meet the exchange's contract terms"].body
    assert "from 72 to 24 hours" in slow_note and "72-hour notice" in slow_note
    both_note = notes["Offer “Both” changed to meet the exchange's contract terms"].body
    assert "from 48 to 24 hours" in both_note and "becomes 12 months" in both_note
    assert all(n.product_id == product.pk for n in notes.values())
