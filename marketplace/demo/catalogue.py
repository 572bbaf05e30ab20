"""Demo data products for `manage.py seed_demo`, from ``data/products.toml`` and each
product's ``data/datasets/<slug>.csv`` and ``data/samples/<slug>.csv``.

Every product is created through the catalogue services (and then reviewed through the
review workflow by `marketplace.demo.reviews`), so the audit ledger records the demo like any
other activity. Idempotent: existing slugs are left alone.
"""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import Organization
from catalogue import services
from catalogue.models import Category, DataProduct, Purpose
from marketplace.demo.files import dataset_path, read_toml, sample_path

SCHEMA_FIELD_KEYS = ("name", "type", "description", "identifier", "unit")


def _schema_field(field: dict[str, Any]) -> dict[str, Any]:
    unknown = set(field) - set(SCHEMA_FIELD_KEYS)
    if unknown:
        raise ValueError(f"Unknown schema field keys {sorted(unknown)} in {field}")
    return {
        "name": field["name"],
        "type": field["type"],
        "description": field["description"],
        "identifier": field.get("identifier", False),
        "unit": field.get("unit", ""),
    }


def product_specs() -> list[dict[str, Any]]:
    """The products of products.toml, in order, with the defaults filled in."""
    data = read_toml("products")
    specs = []
    for product in data["products"]:
        spec = {**data["product_defaults"], **product}
        spec["schema"] = [_schema_field(field) for field in product["schema"]]
        # Every offer has a term (a licence always ends); the model's default applies.
        spec["offers"] = [
            {**data["offer_defaults"], **offer} for offer in product.get("offers", [])
        ]
        spec["evidence"] = product.get("evidence", [])
        specs.append(spec)
    return specs


def seed_products() -> list[tuple[dict[str, Any], DataProduct]]:
    """Creates the demo products that do not exist yet, each with a complete draft version,
    its files, evidence and offers; the review workflow takes them further."""
    created = []
    for spec in product_specs():
        if DataProduct.objects.filter(slug=spec["slug"]).exists():
            continue
        with transaction.atomic():
            created.append((spec, _seed_one(spec)))
    return created


def _upload(name: str, path) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, path.read_bytes())


def _purposes(codes: list[str]) -> list[Purpose]:
    purposes = list(Purpose.objects.filter(code__in=codes))
    missing = set(codes) - {p.code for p in purposes}
    if missing:
        raise ValueError(f"Unknown purpose codes: {sorted(missing)}")
    return purposes


def _seed_one(spec: dict[str, Any]) -> DataProduct:
    provider = Organization.objects.get(slug=spec["provider"])
    actor = provider.memberships.filter(role="admin").order_by("created_at").first().user
    product = services.product_create(
        provider=provider,
        actor=actor,
        title=spec["title"],
        summary=spec["summary"],
        category=Category.objects.get(slug=spec["category"]),
        origin_jurisdiction=spec["origin"] or provider.jurisdiction,
        tags=spec["tags"],
        slug=spec["slug"],
    )
    version = product.versions.get()
    services.version_update(
        version=version,
        actor=actor,
        description=spec["description"],
        data_categories=spec["data_categories"],
        data_subject_count=spec["data_subject_count"],
        anonymised=spec["anonymised"],
        min_group_size=spec["min_group_size"],
        update_frequency=spec["update_frequency"],
        delivery_mode=spec["delivery_mode"],
        schema={"fields": spec["schema"]},
        lawful_basis=spec["lawful_basis"],
        rights_confirmed=True,
        consent_evidence=spec["consent_evidence"],
        important_data=spec["important_data"],
        privacy=spec["privacy"],
        change_note="First release.",
    )
    services.version_upload_sample(
        version=version, actor=actor, upload=_upload("sample.csv", sample_path(spec["slug"]))
    )
    services.version_upload_dataset(
        version=version, actor=actor, upload=_upload("dataset.csv", dataset_path(spec["slug"]))
    )
    for evidence in spec["evidence"]:
        evidence = dict(evidence)
        body = evidence.pop("body").encode()
        services.version_add_attachment(
            version=version,
            actor=actor,
            upload=SimpleUploadedFile("evidence.txt", body),
            **evidence,
        )
    for offer in spec["offers"]:
        offer = dict(offer)
        purposes = _purposes(offer.pop("purposes"))
        services.offer_create(product=product, actor=actor, purposes=purposes, **offer)
    return product
