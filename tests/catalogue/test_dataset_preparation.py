"""A listed version's dataset is prepared once, in its region, as typed Parquet; every move of
the dataset machine, made (or refused) by the real services and the region's task.

Expected values are written here by hand: the footfall CSV's column types and row count, the
moves a provider sees on the dashboard (absent → queued → preparing → ready, or failed and
queued again).
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from django.conf import settings
from django.utils import timezone

from catalogue import services
from catalogue.models import ProductVersion
from kernel.exceptions import InvalidTransition
from kernel.ledger.models import AuditEvent
from kernel.outbox.models import OutboxMessage
from licensing.regional import DatasetNotReady, dataset_prepare
from tests.factories import (
    OrganizationFactory,
    add_offer,
    draft_product,
    grant_licence,
    ledger_mark,
    licensed_query,
    listed_product,
    member_of,
    recorded_moves,
    set_fields,
)

pytestmark = pytest.mark.django_db

ROWS = 300  # listed_product's dataset: footfall_csv(300)


def approved_but_not_prepared():
    """A version just approved: its preparation is queued (the outbox task has not run)."""
    provider = OrganizationFactory(jurisdiction="MY")
    actor = member_of(provider)
    product = draft_product(provider, actor)
    add_offer(product, actor)
    version = product.versions.get()
    services.version_submit(version=version, actor=actor)
    services.version_review_open(version=version, actor=None)
    services.version_review_close(version=version, outcome="approved", actor=None)
    version.refresh_from_db()
    return version


def region_root(code: str) -> Path:
    return Path(settings.DATA_REGIONS[code]["root"])


def test_approval_queues_one_preparation_on_the_regions_queue():
    version = approved_but_not_prepared()
    assert version.dataset_state == "queued"
    messages = OutboxMessage.objects.filter(task="data.prepare_dataset")
    assert [(m.queue, m.kwargs) for m in messages] == [
        (settings.DATA_REGIONS["my"]["queue"], {"version_id": version.pk})
    ]


def test_the_dataset_becomes_typed_parquet_in_its_region_with_rows_and_hash_recorded():
    version = approved_but_not_prepared()
    mark = ledger_mark()
    assert dataset_prepare(version_id=version.pk) == "ready"
    version.refresh_from_db()
    assert version.dataset_state == "ready"
    assert version.dataset_parquet.name.startswith("my/parquet/")
    path = region_root("my") / version.dataset_parquet.name.split("/", 1)[1]
    assert path.is_file()
    assert version.dataset_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert version.dataset_rows == ROWS
    assert version.dataset_prepared_at is not None
    # Typed from the schema (mall_id string, district string, hour and visitors integers,
    # dwell_minutes a number), every row kept.
    with duckdb.connect() as db:
        table = db.read_parquet(str(path))
        described = list(zip(table.columns, map(str, table.dtypes), strict=True))
        count = table.aggregate("count(*)").fetchall()[0][0]
    assert [(c[0], c[1]) for c in described] == [
        ("mall_id", "VARCHAR"),
        ("district", "VARCHAR"),
        ("hour", "BIGINT"),
        ("visitors", "BIGINT"),
        ("dwell_minutes", "DOUBLE"),
    ]
    assert count == ROWS
    # The ledger names the rows, the hash and the region.
    ready = AuditEvent.objects.get(seq__gt=mark, action="catalogue.dataset.ready")
    assert ready.after["rows"] == ROWS
    assert ready.after["sha256"] == version.dataset_sha256
    assert ready.after["region"] == "my"
    assert recorded_moves(version, since=mark, field="dataset_state") == [
        ("catalogue.dataset.preparing", "queued", "preparing"),
        ("catalogue.dataset.ready", "preparing", "ready"),
    ]
    # Nothing of it outside the MY root.
    assert not any(p.is_file() for p in region_root("cn").rglob("*"))
    assert not any(p.is_file() for p in region_root("sg").rglob("*"))


def test_a_second_delivery_of_a_finished_preparation_changes_nothing():
    version = approved_but_not_prepared()
    assert dataset_prepare(version_id=version.pk) == "ready"
    version.refresh_from_db()
    before = (version.dataset_parquet.name, version.dataset_sha256, version.dataset_prepared_at)
    mark = ledger_mark()
    assert dataset_prepare(version_id=version.pk) == "skipped"
    version.refresh_from_db()
    assert (
        version.dataset_parquet.name,
        version.dataset_sha256,
        version.dataset_prepared_at,
    ) == before
    assert not AuditEvent.objects.filter(seq__gt=mark).exists()
    assert len(list(region_root("my").glob("parquet/**/*.parquet"))) == 1


def test_an_interrupted_preparation_starts_again_and_finishes():
    version = approved_but_not_prepared()
    set_fields(version, dataset_state="preparing")  # the worker died mid-way
    assert dataset_prepare(version_id=version.pk) == "ready"
    version.refresh_from_db()
    assert version.dataset_state == "ready" and version.dataset_rows == ROWS


def test_a_failed_preparation_is_recorded_queries_say_so_and_it_can_be_queued_again():
    version = approved_but_not_prepared()
    stored = region_root("my") / version.dataset.name.split("/", 1)[1]
    content = stored.read_bytes()
    stored.unlink()  # the region's storage lost the file
    mark = ledger_mark()
    assert dataset_prepare(version_id=version.pk) == "failed"
    version.refresh_from_db()
    assert version.dataset_state == "failed"
    assert version.dataset_error
    failed = AuditEvent.objects.get(seq__gt=mark, action="catalogue.dataset.failed")
    assert failed.after["error"] == version.dataset_error
    # A buyer's query is refused with a retryable 503, not a 500.
    licence, user = grant_licence(version.product)
    with pytest.raises(DatasetNotReady):
        licensed_query(licence, user, {"aggregates": [{"fn": "count"}]})
    # The operator restores the file and queues it again.
    stored.write_bytes(content)
    services.version_dataset_queue(version=version, actor=None)
    assert dataset_prepare(version_id=version.pk) == "ready"


def test_preparations_stuck_longer_than_any_worker_takes_are_queued_again():
    version = approved_but_not_prepared()
    fresh = approved_but_not_prepared()
    long_ago = timezone.now() - timedelta(seconds=settings.STAGE_CHECKS_STUCK_AFTER + 60)
    set_fields(version, dataset_state="preparing", dataset_state_at=long_ago)
    before = OutboxMessage.objects.filter(task="data.prepare_dataset").count()
    assert services.versions_requeue_stuck_datasets() == 1
    sent = OutboxMessage.objects.filter(task="data.prepare_dataset").order_by("created_at")
    assert sent.count() == before + 1
    assert sent.last().kwargs == {"version_id": version.pk}
    # Asked again at once, nothing more: the requeue reset its clock.
    assert services.versions_requeue_stuck_datasets() == 0
    assert dataset_prepare(version_id=version.pk) == "ready"
    fresh.refresh_from_db()
    assert fresh.dataset_state == "queued"


# --- the dataset machine, pinned and driven --------------------------------------------


def test_pins_the_dataset_map():
    assert services.DATASET_TRANSITIONS == {
        "absent": {"queued": "queue"},
        "queued": {"preparing": "start", "failed": "fail"},
        "preparing": {"ready": "finish", "failed": "fail"},
        "ready": {"queued": "queue"},
        "failed": {"queued": "queue"},
    }
    assert {k: set(v) for k, v in services.DATASET_OPERATIONS.items()} == {"query": {"ready"}}


STATES = ["absent", "queued", "preparing", "ready", "failed"]
# (service, the state it moves to, the states it may start from) — from the lifecycle a
# provider sees, written out by hand.
MOVES = {
    "queue": ("queued", {"absent", "ready", "failed"}),
    "start": ("preparing", {"queued"}),
    "finish": ("ready", {"preparing"}),
    "fail": ("failed", {"queued", "preparing"}),
}


def call(move: str, version: ProductVersion):
    if move == "queue":
        return services.version_dataset_queue(version=version, actor=None)
    if move == "start":
        return services.version_dataset_start(version=version)
    if move == "finish":
        return services.version_dataset_ready(
            version=version, parquet_name="", rows=ROWS, sha256="0" * 64, region="my"
        )
    return services.version_dataset_failed(version=version, error="the test says so")


@pytest.mark.parametrize("start", STATES)
@pytest.mark.parametrize("move", list(MOVES))
def test_every_dataset_move_from_every_state(start, move):
    version = listed_product().listed_version
    set_fields(version, dataset_state=start)
    target, allowed_from = MOVES[move]
    mark = ledger_mark()
    if start in allowed_from:
        call(move, version)
        version.refresh_from_db()
        assert version.dataset_state == target
        assert recorded_moves(version, since=mark, field="dataset_state") == [
            (f"catalogue.dataset.{target}", start, target)
        ]
    else:
        with pytest.raises(InvalidTransition):
            call(move, version)
        version.refresh_from_db()
        assert version.dataset_state == start
        assert recorded_moves(version, since=mark, field="dataset_state") == []


@pytest.mark.parametrize("state", STATES)
def test_only_a_prepared_dataset_is_queried(state):
    version = listed_product().listed_version
    set_fields(version, dataset_state=state)
    licence, user = grant_licence(version.product)
    count = {"aggregates": [{"fn": "count"}]}
    if state == "ready":
        assert licensed_query(licence, user, count)["rows"] == [[ROWS]]
    else:
        with pytest.raises(DatasetNotReady):
            licensed_query(licence, user, count)
