"""Data stays in its region: two region workers (CN and MY) with storage roots and queues of
their own, a general worker and this process (the web) that can read neither root — real
Celery on Redis, real PostgreSQL rows.

What is checked is what a provider or an auditor would check: where the files are, which
worker ran each check and query, that the MY worker was never handed CN work, and that the
web still answers without opening a data file.
"""

import hashlib
import json
import time
import uuid
from pathlib import Path

import pytest

from catalogue.models import ProductVersion
from compliance.models import CheckRun, StageReview
from compliance.services import cases, decisions
from licensing.models import UsageRecord
from marketplace.celery import app
from tests.conftest import (
    bearer,
    redis_broker,
    start_worker,
    stop_worker,
    token_for,
    wait_for_worker,
)
from tests.factories import (
    FOOTFALL_PRIVATE,
    OrganizationFactory,
    add_offer,
    draft_product,
    footfall_csv,
    grant_licence,
    member_of,
    reviewer,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

REGIONAL = {"technical.files_match_schema", "technical.pii_scan", "technical.k_threshold"}
QUERY = {
    "group_by": ["district"],
    "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"}],
}


def wait_until(predicate, timeout=120, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def regions_at(base: Path, tag: str) -> dict:
    return {
        code: {
            "jurisdictions": jurisdictions,
            "root": str(base / code),
            "queue": f"data.{code}.{tag}",
        }
        for code, jurisdictions in (("cn", ["CN"]), ("my", ["MY"]), ("sg", ["SG", "*"]))
    }


@pytest.fixture
def regions(tmp_path, settings):
    """CN and MY region workers, each reading only its own root and queue; a general worker
    and this process configured with roots that do not exist (they hold no data)."""
    tag = uuid.uuid4().hex[:8]
    real = regions_at(tmp_path / "regions", tag)
    blind = regions_at(tmp_path / "nowhere", tag)
    general = f"general-{tag}"
    settings.DATA_REGIONS = real  # for the uploads, written at upload into the region
    settings.ACCESS_WAIT_SECONDS = 30
    workers = {}
    with redis_broker(app, general):
        try:
            for code in ("cn", "my"):
                workers[code] = start_worker(
                    f"region-{code}-{tag}",
                    media_root=tmp_path / f"media-{code}",
                    queues=[real[code]["queue"]],
                    extra_env={"DATA_REGION": code, "DATA_REGIONS": json.dumps(real)},
                )
            workers["general"] = start_worker(
                general,
                media_root=tmp_path / "media-general",
                queues=[general],
                extra_env={"DATA_REGIONS": json.dumps(blind)},
            )
            for proc in workers.values():
                wait_for_worker(proc, app)
            yield {
                "real": real,
                "blind": blind,
                "base": tmp_path / "regions",
                "workers": workers,
                "settings": settings,
            }
        finally:
            for proc in workers.values():
                stop_worker(proc)


def worker_name(proc) -> str:
    return str(proc.args[-1]).replace("%h", "")


def tasks_run_by(proc) -> dict[str, int]:
    replies = app.control.inspect(timeout=2.0).stats() or {}
    for name, stats in replies.items():
        if name.startswith(worker_name(proc)):
            return dict(stats.get("total") or {})
    raise AssertionError(f"{worker_name(proc)} did not answer")


def listed_through_the_workers(org, owner, rows: int = 600) -> ProductVersion:
    """Submitted, checked by the workers, approved by the three reviewers, prepared."""
    product = draft_product(
        org,
        owner,
        privacy=FOOTFALL_PRIVATE,
        dataset=footfall_csv(rows),
        sample=footfall_csv(rows // 30),
    )
    add_offer(product, owner, territories=["CN", "MY", "SG"])
    case = cases.review_submit(version=product.versions.get(), actor=owner)
    people = {s: reviewer(f"{s}_reviewer") for s in ("legal", "technical", "compliance")}
    for stage in case.stages.order_by("position"):
        wait_until(
            lambda s=stage: StageReview.objects.get(pk=s.pk).status == "awaiting_decision",
            what=f"the {stage.stage} checks",
        )
        stage.refresh_from_db()
        decisions.stage_decide(
            stage=stage,
            actor=people[stage.stage],
            decision="approved",
            comment="Reviewed on the region test.",
        )
    version = ProductVersion.objects.get(pk=case.version_id)
    wait_until(
        lambda: ProductVersion.objects.get(pk=version.pk).dataset_state in ("ready", "failed"),
        what="the dataset's preparation in its region",
    )
    version.refresh_from_db()
    assert version.dataset_state == "ready", version.dataset_error
    return version


def files_under(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by path."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_each_region_keeps_checks_and_answers_its_own_data(regions, api_client):
    cn_org = OrganizationFactory(jurisdiction="CN", legal_name="Shenzhen Footfall Co")
    my_org = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    cn = listed_through_the_workers(cn_org, member_of(cn_org))
    my = listed_through_the_workers(my_org, member_of(my_org), rows=630)
    base = regions["base"]

    # Files: each version's sample, dataset and Parquet file are in its origin's root only.
    for version, home in ((cn, "cn"), (my, "my")):
        for field in (version.sample, version.dataset, version.dataset_parquet):
            assert field.name.startswith(f"{home}/"), field.name
            assert (base / field.name).is_file()
    cn_hashes = set(files_under(base / "cn").values())
    elsewhere = set(files_under(base / "my").values()) | set(files_under(base / "sg").values())
    cn_files = {
        hashlib.sha256((base / f.name).read_bytes()).hexdigest()
        for f in (cn.sample, cn.dataset, cn.dataset_parquet)
    }
    assert cn_files <= cn_hashes
    assert not cn_files & elsewhere
    assert not files_under(Path(regions["blind"]["cn"]["root"]).parent)

    # Checks: those that read files ran in the data's region; the others on the general
    # worker, which holds no data.
    for version, home in ((cn, "cn"), (my, "my")):
        runs = CheckRun.objects.filter(stage__case__version=version)
        regional = {r.check_id: r.region for r in runs if r.check_id in REGIONAL}
        assert regional == dict.fromkeys(REGIONAL, home)
        assert {r.region for r in runs if r.check_id not in REGIONAL} == {""}

    # The web process now cannot read either root, and still answers.
    regions["settings"].DATA_REGIONS = regions["blind"]
    answers = {}
    for version, home in ((cn, "cn"), (my, "my")):
        licence, _user = grant_licence(version.product)
        _u, raw = token_for(licence.buyer, processing_jurisdiction="CN")
        response = bearer(api_client, raw).post(
            f"/api/v1/products/{version.product.slug}/query",
            QUERY,
            format="json",
            HTTP_X_PURPOSE="market-research",
        )
        assert response.status_code == 200, response.json()
        answers[home] = response.json()
        assert answers[home]["region"] == home
        record = UsageRecord.objects.get(licence=licence)
        assert record.region == home
        assert record.epsilon > 0

    # Each region worker ran exactly its own region's work: three checks, one preparation
    # and one query; the MY worker never received anything of the CN product.
    for home in ("cn", "my"):
        done = tasks_run_by(regions["workers"][home])
        assert done.get("data.prepare_dataset") == 1
        assert done.get("data.answer") == 1
        assert done.get("compliance.run_check") == 3
    general = tasks_run_by(regions["workers"]["general"])
    assert "data.answer" not in general and "data.prepare_dataset" not in general


def test_a_region_that_does_not_answer_gives_a_json_504_and_meters_nothing(regions, api_client):
    org = OrganizationFactory(jurisdiction="CN")
    version = listed_through_the_workers(org, member_of(org))
    licence, _user = grant_licence(version.product)
    _u, raw = token_for(licence.buyer, processing_jurisdiction="CN")
    client = bearer(api_client, raw)
    regions["settings"].DATA_REGIONS = regions["blind"]
    stop_worker(regions["workers"]["cn"])
    regions["settings"].ACCESS_WAIT_SECONDS = 3
    started = time.monotonic()
    response = client.post(
        f"/api/v1/products/{version.product.slug}/query",
        QUERY,
        format="json",
        HTTP_X_PURPOSE="market-research",
    )
    waited = time.monotonic() - started
    assert response.status_code == 504
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "region_timeout"
    # Within the timeout (and the request's own overhead), not the broker's defaults.
    assert waited < 3 + 10
    licence.refresh_from_db()
    version.refresh_from_db()
    assert licence.privacy_epsilon_spent == 0 and version.privacy_epsilon_spent == 0
    assert not UsageRecord.objects.filter(licence=licence).exists()
