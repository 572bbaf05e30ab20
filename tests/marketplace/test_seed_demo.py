"""`manage.py seed_demo`: realistic, reviewed through the real workflow, idempotent, and made
from the data files in marketplace/demo/data/ (every one of them used)."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organization, User
from catalogue.models import DataProduct, Offer, ProductVersion, VersionAttachment
from compliance.models import ReviewCase, StageReview
from kernel.ledger.models import AuditEvent
from kernel.ledger.selectors import ledger_first_problem
from licensing.models import Licence, LicenceRequest, UsageRecord
from marketplace.demo.catalogue import product_specs
from marketplace.demo.files import DATA_DIR, TOML_FILES, dataset_path, read_toml, sample_path
from marketplace.demo.licensing import THEN
from marketplace.demo.reviews import review_outcomes

SPECS = product_specs()


def _csv(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


# --- the data files, without a database -----------------------------------------------------


def test_every_data_file_is_used_and_every_product_has_its_files():
    expected = {f"{name}.toml" for name in TOML_FILES}
    for spec in SPECS:
        expected |= {f"datasets/{spec['slug']}.csv", f"samples/{spec['slug']}.csv"}
    found = {str(path.relative_to(DATA_DIR)) for path in DATA_DIR.rglob("*") if path.is_file()}
    assert found == expected


def test_product_slugs_are_unique_and_their_csv_headers_are_the_schema():
    slugs = [spec["slug"] for spec in SPECS]
    assert len(slugs) == len(set(slugs)) == 21
    for spec in SPECS:
        names = [field["name"] for field in spec["schema"]]
        dataset, sample = _csv(dataset_path(spec["slug"])), _csv(sample_path(spec["slug"]))
        assert dataset[0] == names and sample[0] == names, spec["slug"]
        assert all(len(row) == len(names) for row in dataset + sample), spec["slug"]
        # The sample starts with the dataset's first rows (one adds rows with contact details).
        assert sample[1:26] == dataset[1:26], spec["slug"]


def test_the_data_files_refer_to_each_other_consistently():
    accounts = read_toml("accounts")
    orgs = {org["slug"] for org in accounts["organisations"]}
    staff = {person["email"] for person in accounts["staff"]}
    offers = {spec["slug"]: {offer["name"] for offer in spec["offers"]} for spec in SPECS}
    outcomes = review_outcomes()
    for spec in SPECS:
        assert spec["provider"] in orgs, spec["slug"]
        assert spec["review"] in outcomes, spec["slug"]
        assert spec["offers"], spec["slug"]
    reviews = read_toml("reviews")
    assert set(reviews["reviewers"].values()) <= staff
    assert {spec["review"] for spec in SPECS} == outcomes  # every outcome is shown
    scenario = read_toml("licensing")
    assert scenario["defaults"]["reviewer"] in staff
    for step in scenario["requests"]:
        assert step["buyer"] in orgs
        assert step["offer"] in offers[step["product"]], step
        assert step["then"] in THEN
    assert {step["then"] for step in scenario["requests"]} == set(THEN)


# --- seeding ---------------------------------------------------------------------------------


def test_refuses_to_seed_known_passwords_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())


def _counts():
    models = [
        Organization,
        User,
        Membership,
        DataProduct,
        ProductVersion,
        Offer,
        VersionAttachment,
        ReviewCase,
        StageReview,
        LicenceRequest,
        Licence,
        UsageRecord,
        AuditEvent,
    ]
    return {model.__name__: model.objects.count() for model in models}


def _assert_products_are_as_specified():
    stop_before = read_toml("reviews")["stop_before"]
    assert DataProduct.objects.count() == len(SPECS)
    for spec in SPECS:
        product = DataProduct.objects.get(slug=spec["slug"])
        assert product.provider.slug == spec["provider"]
        assert product.title == spec["title"]
        assert sorted(product.offers.values_list("name", flat=True)) == sorted(
            offer["name"] for offer in spec["offers"]
        )
        version = product.versions.get()
        assert version.schema == {"fields": spec["schema"]}
        version.dataset.open("rb")
        with version.dataset:
            assert version.dataset.read() == dataset_path(spec["slug"]).read_bytes()
        version.sample.open("rb")
        with version.sample:
            assert version.sample.read() == sample_path(spec["slug"]).read_bytes()
        assert version.attachments.count() == len(spec["evidence"])
        case = ReviewCase.objects.get(version=version)
        if spec["review"] == "listed":
            assert product.status == "listed" and case.status == "approved", spec["slug"]
        elif spec["review"] == "changes_requested":
            assert case.status == "changes_requested", spec["slug"]
        else:
            waiting = case.stages.get(status="awaiting_decision")
            assert waiting.stage == stop_before[spec["review"]], spec["slug"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_seed_demo_loads_everything_once(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "lin.wei@lumina-robotics.example" in text and settings.DEMO_PASSWORD in text
    assert Organization.objects.filter(verification_status="verified").count() == 5
    assert Organization.objects.filter(verification_status="pending").count() == 1
    assert User.objects.filter(is_staff=True).count() == 4
    listed = DataProduct.objects.filter(status="listed")
    assert listed.count() >= 12
    assert all(p.offers.filter(is_active=True).exists() for p in listed)
    assert all(p.listed_version.sample and p.listed_version.dataset for p in listed)
    _assert_products_are_as_specified()
    # Cases in every state the queues show.
    waiting = StageReview.objects.filter(status="awaiting_decision")
    assert {s.stage for s in waiting} == {"legal", "technical", "compliance"}
    assert waiting.filter(findings__severity="blocking").exists()
    overdue = [s for s in waiting if s.is_overdue]
    assert overdue
    assert ReviewCase.objects.filter(status="changes_requested").exists()
    # The licensing scenario: one request per entry, usage as specified.
    requests = read_toml("licensing")["requests"]
    assert LicenceRequest.objects.count() == len(requests)
    assert UsageRecord.objects.count() == sum(r.get("usage", {}).get("times", 0) for r in requests)
    assert set(Licence.objects.values_list("status", flat=True)) == {
        "active",
        "expired",
        "revoked",
    }
    assert LicenceRequest.objects.filter(status="manual_review").count() == 1
    assert LicenceRequest.objects.filter(status="blocked").count() == 1
    before = _counts()

    call_command("seed_demo", stdout=StringIO())
    assert _counts() == before
    assert ledger_first_problem() is None
