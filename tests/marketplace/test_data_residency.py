"""Residency an auditor can verify: `manage.py data_residency` and the product's admin page
say where each version's files are and which region answered its queries; `--move` brings
a file stored outside its region into it, on the record."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from kernel.ledger.models import AuditEvent
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    grant_licence,
    ledger_mark,
    licensed_query,
    listed_product,
    set_fields,
)

pytestmark = pytest.mark.django_db


def chinese_product():
    return listed_product(OrganizationFactory(jurisdiction="CN", legal_name="Shenzhen Sensors"))


def query(product):
    licence, user = grant_licence(product)
    licensed_query(licence, user, {"aggregates": [{"fn": "count"}]})


def residency_json(*slugs) -> dict:
    out = StringIO()
    call_command("data_residency", *slugs, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_command_names_each_files_region_and_the_region_that_answered():
    product = chinese_product()
    query(product)
    report = residency_json(product.slug)
    (only,) = report["products"]
    assert only["product"] == product.slug and only["origin"] == "CN"
    (version,) = only["versions"]
    assert version["expected_region"] == "cn"
    assert {f["file"]: f["region"] for f in version["files"]} == {
        "sample": "cn",
        "dataset": "cn",
        "parquet": "cn",
    }
    assert version["misplaced"] == []
    assert version["dataset_state"] == "ready"
    assert version["answered_in"] == ["cn"] and version["last_answered_in"] == "cn"
    assert version["queries"] == 1
    assert report["misplaced"] == 0
    for f in version["files"]:
        assert (Path(settings.DATA_REGIONS["cn"]["root"]) / f["name"].split("/", 1)[1]).is_file()


def test_the_text_report_reads_as_a_sentence_per_version():
    product = chinese_product()
    out = StringIO()
    call_command("data_residency", product.slug, stdout=out)
    text = out.getvalue()
    assert f"{product.slug} v1 (origin CN, region cn)" in text
    assert "sample in cn, dataset in cn, parquet in cn" in text
    assert "; no queries answered yet" in text
    assert "0 file(s) outside their region." in text


def test_an_unknown_product_is_an_error_not_an_empty_report():
    with pytest.raises(Exception, match="No product with the slug"):
        call_command("data_residency", "no-such-product", stdout=StringIO())


def test_a_file_stored_before_regions_existed_is_reported_and_moved_into_its_region(
    django_capture_on_commit_callbacks,
):
    product = chinese_product()
    version = product.listed_version
    # A sample stored the old way: in the default storage, outside every region root.
    legacy = Path(settings.MEDIA_ROOT) / "samples" / "2025" / "old-sample.csv"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"mall_id,district\nM1,KLCC\n")
    set_fields(version, sample="samples/2025/old-sample.csv")

    report = residency_json(product.slug)
    (row,) = report["products"][0]["versions"]
    assert [(f["file"], f["region"]) for f in row["misplaced"]] == [("sample", "")]
    assert report["misplaced"] == 1

    mark = ledger_mark()
    with django_capture_on_commit_callbacks(execute=True):
        moved = residency_json(product.slug, "--move")
    assert [(m["file"], m["from"]) for m in moved["moved"]] == [
        ("sample", "samples/2025/old-sample.csv")
    ]
    assert moved["misplaced"] == 0
    version.refresh_from_db()
    assert version.sample.name.startswith("cn/samples/")
    target = Path(settings.DATA_REGIONS["cn"]["root"]) / version.sample.name.split("/", 1)[1]
    assert target.read_bytes() == b"mall_id,district\nM1,KLCC\n"
    assert not legacy.exists()
    event = AuditEvent.objects.get(seq__gt=mark, action="catalogue.version.files_moved")
    assert event.before == {"sample": "samples/2025/old-sample.csv"}
    assert event.after == {"sample": version.sample.name, "region": "cn"}


def test_the_admin_page_shows_the_residency(client):
    product = chinese_product()
    query(product)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:catalogue_dataproduct_changelist"))
    assert listing.status_code == 200
    page = client.get(reverse("admin:catalogue_dataproduct_change", args=[product.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Answered in" in html
    assert product.listed_version.dataset_parquet.name in html
    assert "CN · 1 query" in " ".join(html.split())
    assert "Ready · 300 rows" in html
