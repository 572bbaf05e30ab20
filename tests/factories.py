"""factory_boy factories for every model the tests build."""

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Organization, User
from catalogue import services as catalogue_services
from catalogue.models import (
    Category,
    DataProduct,
    Offer,
    Purpose,
)

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Example Trading {n} Sdn. Bhd.")
    slug = factory.Sequence(lambda n: f"org-{n}")
    jurisdiction = "MY"
    registration_number = factory.Sequence(lambda n: f"2020{n:08d}")
    is_provider = True
    is_buyer = True
    verification_status = Organization.Verification.VERIFIED
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"org:{o.slug}"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ADMIN

    @factory.post_generation
    def _join_group(obj, create, extracted, **kwargs):
        if create:
            obj.user.groups.add(obj.organization.group)


def member_of(org: Organization, *, role: str = Membership.Role.ADMIN, **user_kwargs) -> User:
    return MembershipFactory(organization=org, role=role, user=UserFactory(**user_kwargs)).user


# --- catalogue ----------------------------------------------------------------------------

FOOTFALL_SCHEMA = {
    "fields": [
        {"name": "mall_id", "type": "string", "description": "Mall code", "identifier": True},
        {"name": "district", "type": "string", "description": "KL district"},
        {"name": "hour", "type": "integer", "description": "Hour of day (0-23)"},
        {"name": "visitors", "type": "integer", "description": "Visitors counted"},
        {"name": "dwell_minutes", "type": "number", "description": "Mean dwell time"},
    ]
}


# Exact aggregates, chosen knowingly for this non-personal test product (the disclosure
# rules of the exact engine are what most tests look at); FOOTFALL_PRIVATE is the same data
# answered with differential privacy.
FOOTFALL_EXACT = {"mode": "exact", "exact_acknowledged": True}
FOOTFALL_PRIVATE = {
    "mode": "dp",
    "unit": "",
    "bounds": {"hour": [0, 23], "visitors": [0, 1000], "dwell_minutes": [0, 120]},
    "public_keys": {"district": ["Bukit Bintang", "KLCC", "Mid Valley"]},
    "epsilon_cap": 50,
}


def footfall_csv(rows: int = 30) -> bytes:
    lines = ["mall_id,district,hour,visitors,dwell_minutes"]
    districts = ["Bukit Bintang", "KLCC", "Mid Valley"]
    for i in range(rows):
        lines.append(f"M{i % 3:02d},{districts[i % 3]},{i % 24},{100 + i * 7},{20 + i % 9}.5")
    return ("\n".join(lines) + "\n").encode()


def csv_upload(content: bytes, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def category(slug: str = "retail-consumer") -> Category:
    return Category.objects.get(slug=slug)


def purpose(code: str = "market-research") -> Purpose:
    return Purpose.objects.get(code=code)


def draft_product(
    provider: Organization,
    actor: User,
    *,
    dataset: bytes | None = None,
    sample: bytes | None = None,
    **kwargs,
) -> DataProduct:
    """A draft product whose first version is complete enough to submit (its dataset and
    sample the footfall CSV unless given)."""
    product = catalogue_services.product_create(
        provider=provider,
        actor=actor,
        title=kwargs.pop("title", "KL mall foot traffic by hour"),
        summary=kwargs.pop("summary", "Hourly visitor counts for Kuala Lumpur malls."),
        category=kwargs.pop("category", None) or category(),
        origin_jurisdiction=kwargs.pop("origin_jurisdiction", provider.jurisdiction),
        tags=kwargs.pop("tags", ["foot traffic", "malls"]),
    )
    version = product.versions.get()
    categories = kwargs.pop("data_categories", ["non_personal"])
    catalogue_services.version_update(
        version=version,
        actor=actor,
        description=kwargs.pop("description", "Hourly **foot traffic** for three KL malls."),
        data_categories=categories,
        schema=kwargs.pop("schema", FOOTFALL_SCHEMA),
        # Personal data is always answered privately; the exact engine otherwise.
        privacy=kwargs.pop(
            "privacy", FOOTFALL_EXACT if categories == ["non_personal"] else FOOTFALL_PRIVATE
        ),
        lawful_basis="Counts from the operator's own door sensors; no personal data.",
        rights_confirmed=True,
        delivery_mode=kwargs.pop("delivery_mode", "query_api"),
        **kwargs,
    )
    catalogue_services.version_upload_sample(
        version=version, actor=actor, upload=csv_upload(sample or footfall_csv(20), "sample.csv")
    )
    catalogue_services.version_upload_dataset(
        version=version,
        actor=actor,
        upload=csv_upload(dataset or footfall_csv(300), "dataset.csv"),
    )
    return product


def add_offer(product: DataProduct, actor: User, **kwargs) -> Offer:
    defaults = {
        "name": "Standard",
        "price": "12000.00",
        "currency": "MYR",
        "term_months": 12,
        "territories": ["CN", "MY", "SG"],
        "queries_per_month": 1000,
    }
    defaults.update(kwargs)
    return catalogue_services.offer_create(
        product=product, actor=actor, purposes=[purpose()], **defaults
    )


def listed_product(provider: Organization | None = None, actor: User | None = None, **kwargs):
    """A product taken through submit → review → listed by the services."""
    if provider is None:
        provider = OrganizationFactory(jurisdiction="MY")
    actor = actor or member_of(provider)
    offer_kwargs = kwargs.pop("offer", {})
    product = draft_product(provider, actor, **kwargs)
    add_offer(product, actor, **offer_kwargs)
    version = product.versions.get()
    catalogue_services.version_submit(version=version, actor=actor)
    catalogue_services.version_review_open(version=version, actor=None)
    catalogue_services.version_review_close(version=version, outcome="approved", actor=None)
    prepare_listed_dataset(version)
    product.refresh_from_db()
    return product


def prepare_listed_dataset(version) -> None:
    """What the data region's worker does once a version is listed (the outbox task does
    not run inside a test's transaction)."""
    from licensing.regional import dataset_prepare

    version.refresh_from_db()
    if version.dataset_state == "queued":
        assert dataset_prepare(version_id=version.pk) == "ready"


def reviewer(group: str = "legal_reviewer", **kwargs) -> User:
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


# --- arranging rows in a state, and reading the moves the ledger recorded -----------------


def set_fields(obj, **fields):
    """Puts a row straight into a state (arranging a test), and reloads it."""
    type(obj)._base_manager.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


def ledger_mark() -> int:
    """The ledger's last sequence number: what a test compares later events with."""
    from django.db.models import Max

    from kernel.ledger.models import AuditEvent

    return AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0


def recorded_moves(obj, *, since: int, field: str = "status") -> list[tuple]:
    """(action, before, after) of each ledger event about ``obj`` after ``since`` that
    records a change of ``field``: the status moves a reader of the audit trail sees."""
    from kernel.ledger.models import AuditEvent

    events = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), seq__gt=since
    ).order_by("seq")
    moves = []
    for event in events:
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        if before.get(field) != after.get(field):
            moves.append((event.action, before.get(field), after.get(field)))
    return moves


# --- licensing ------------------------------------------------------------------------------


def grant_licence(product: DataProduct, buyer: Organization | None = None, **request_kwargs):
    """A live licence of ``product`` for ``buyer`` (a new Chinese buyer unless given), granted
    through the request and decision services: ``(licence, buyer's user)``."""
    from django.utils import timezone

    from licensing import services as licensing_services
    from licensing.models import Licence

    buyer = buyer or OrganizationFactory(jurisdiction="CN", is_provider=False)
    user = buyer.memberships.first().user if buyer.memberships.exists() else member_of(buyer)
    offer = request_kwargs.pop("offer", None) or product.offers.order_by("pk").first()
    request = licensing_services.licence_request_create(
        buyer=buyer,
        user=user,
        offer=offer,
        purpose=request_kwargs.pop("purpose", "market-research"),
        processing_jurisdiction=request_kwargs.pop("processing_jurisdiction", "CN"),
        intended_start=timezone.localdate(),
        accepted_terms_hash=licensing_services.terms_hash(licensing_services.offer_terms(offer)),
        **request_kwargs,
    )
    if request.status != "approved":
        licensing_services.licence_request_decide(
            request=request, user=product.provider.memberships.first().user, approve=True
        )
    return Licence.objects.get(request=request), user


def licensed_query(licence, user, query, *, kind: str = "query", jurisdiction: str = "CN"):
    """One metered access under ``licence`` through the access service: its answer."""
    from licensing import services as licensing_services

    return licensing_services.access_query(
        licence=licence,
        user=user,
        token=None,
        kind=kind,
        purpose=licence.purposes[0],
        jurisdiction=jurisdiction,
        query=query,
    )[0]


# --- many rows at once (query counts, query plans) ---------------------------------------


def _copy_fields(obj, **changes) -> dict:
    fields = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname != "search_vector"
    }
    fields.update(changes)
    return fields


def copies_of_listed(product: DataProduct, count: int, *, titles=None) -> list[DataProduct]:
    """``count`` more listed products like ``product`` (its listed version and active offers
    copied), written in a few bulk inserts: rows to measure lists with, not a service path.

    ``titles`` (a function of the copy's number) names them; PostgreSQL's search vector is
    filled the way `product_refresh_search_vector` fills it."""
    from django.db import connection

    from catalogue.models import ProductVersion

    version = product.listed_version
    offers = list(product.offers.filter(is_active=True).prefetch_related("purposes"))
    title_of = titles or (lambda i: f"{product.title} {i}")
    copies = DataProduct.objects.bulk_create(
        [
            DataProduct(
                **_copy_fields(
                    product,
                    slug=f"{product.slug}-{i}",
                    title=title_of(i),
                    status=DataProduct.Status.DRAFT,
                    listed_version_id=None,
                )
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    versions = ProductVersion.objects.bulk_create(
        [ProductVersion(**_copy_fields(version, product_id=p.pk)) for p in copies],
        batch_size=1000,
    )
    for p, v in zip(copies, versions, strict=True):
        p.listed_version_id, p.status = v.pk, DataProduct.Status.LISTED
    DataProduct.objects.bulk_update(copies, ["listed_version", "status"], batch_size=1000)
    new_offers = Offer.objects.bulk_create(
        [Offer(**_copy_fields(o, product_id=p.pk)) for p in copies for o in offers],
        batch_size=1000,
    )
    purposes = {o.pk: list(o.purposes.all()) for o in offers}
    through = Offer.purposes.through
    through.objects.bulk_create(
        [
            through(offer_id=new.pk, purpose_id=purpose.pk)
            for new, old in zip(new_offers, [o for _p in copies for o in offers], strict=True)
            for purpose in purposes[old.pk]
        ],
        batch_size=1000,
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector
        from django.db.models import Value
        from django.db.models.functions import Coalesce

        DataProduct.objects.filter(pk__in=[p.pk for p in copies]).update(
            search_vector=SearchVector(Coalesce("title", Value("")), weight="A", config="simple")
            + SearchVector(Coalesce("summary", Value("")), weight="B", config="simple")
            + SearchVector(Value(product.provider.legal_name), weight="C", config="simple")
        )
    return copies


def copies_of_licence(licence, products, *, buyer=None) -> list:
    """A licence like ``licence`` for each of ``products`` (their listed version and first
    active offer), held by ``buyer`` (the licence's buyer unless given), in bulk inserts."""
    from licensing.models import Licence

    offers = {o.product_id: o for o in Offer.objects.filter(product__in=products, is_active=True)}
    return Licence.objects.bulk_create(
        [
            Licence(
                **_copy_fields(
                    licence,
                    request_id=None,
                    buyer_id=(buyer or licence.buyer).pk,
                    product_id=p.pk,
                    version_id=p.listed_version_id,
                    offer_id=offers[p.pk].pk,
                )
            )
            for p in products
        ],
        batch_size=1000,
    )
