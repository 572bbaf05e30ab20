"""A whole worker dies mid-check (SIGKILL to its parent and its children, as the OOM killer or
a lost container would): under the settings a deployment gets by default, another worker runs
the check again within the README's promise (5 minutes), and the stage completes once.
Time limits are enforced by the prefork pool: a check over its soft limit is a "timed out"
finding, one over its hard limit is killed and recorded; a rerun works afterwards."""

import time
import uuid

import pytest

from catalogue import services as catalogue
from compliance.models import CheckRun, Finding, Pipeline, PipelineStage, StageReview
from compliance.services import cases, checking
from kernel.ledger.models import AuditEvent
from kernel.outbox.models import OutboxMessage
from tests.conftest import kill_group, start_worker, stop_worker, use_media, wait_for_worker
from tests.factories import (
    OrganizationFactory,
    add_offer,
    csv_upload,
    draft_product,
    member_of,
    reviewer,
)
from tests.reliability.conftest import (
    RABBITMQ_URL,
    pointed_at,
    rabbitmq_answers,
    real_services,
    record_timing,
    wait_until,
)

STUBBORN = "test.stubborn"  # registered in the worker by tests.reliability.stubborn_check
pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PROMISED_REDELIVERY = 5 * 60
SLOW_CHECK = "technical.files_match_schema"


def big_dataset(rows: int) -> bytes:
    lines = ["mall_id,district,hour,visitors,dwell_minutes"]
    lines += [
        f"M{i % 7},District {i % 13},{i % 24},{100 + i % 900},{i % 60}.5" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def slow_product(reference_data, settings):
    """A Thai product whose one-stage pipeline runs a check that reads a large dataset."""
    pipeline = Pipeline.objects.create(jurisdiction="TH", name="Thailand: technical only")
    PipelineStage.objects.create(
        pipeline=pipeline, stage="technical", position=1, checks=["technical.schema", SLOW_CHECK]
    )
    org = OrganizationFactory(jurisdiction="TH")
    owner = member_of(org)
    product = draft_product(org, owner)
    settings.DATASET_MAX_BYTES = 200 * 1024 * 1024
    catalogue.version_upload_dataset(
        version=product.versions.get(),
        actor=owner,
        upload=csv_upload(big_dataset(600_000), "big.csv"),
    )
    add_offer(product, owner, territories=["TH"])
    return product, owner


def stage_of(product) -> StageReview:
    return StageReview.objects.get(case__product=product)


def status(stage) -> str:
    return StageReview.objects.filter(pk=stage.pk).values_list("status", flat=True).get()


def slow_message(stage) -> OutboxMessage:
    return OutboxMessage.objects.for_subject(stage).get(kwargs__check_id=SLOW_CHECK)


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_a_whole_worker_killed_mid_check_is_replaced_under_default_settings(
    broker, own_redis, slow_product, settings, tmp_path
):
    if broker == "rabbitmq" and not rabbitmq_answers():
        from tests.conftest import _missing

        _missing("needs RabbitMQ on 127.0.0.1:5672")
    broker_url = RABBITMQ_URL if broker == "rabbitmq" else own_redis.url
    use_media(settings, tmp_path / "media")
    product, owner = slow_product
    from marketplace.celery import app

    queue = f"kill-{uuid.uuid4().hex[:8]}"
    media = settings.MEDIA_ROOT
    with pointed_at(app, broker_url, queue):
        victim = start_worker(queue, media_root=media, broker_url=broker_url, pool="prefork")
        successor = None
        try:
            wait_for_worker(victim, app)
            cases.review_submit(version=product.versions.get(), actor=owner)
            stage = stage_of(product)
            wait_until(
                lambda: slow_message(stage).deliveries >= 1,
                timeout=60,
                what="the worker to start the slow check",
            )
            time.sleep(0.5)
            assert not CheckRun.objects.filter(stage=stage, check_id=SLOW_CHECK).exists()
            kill_group(victim)  # parent and pool children, the task unacknowledged
            killed_at = time.monotonic()
            assert status(stage) == "checking"

            successor = start_worker(queue, media_root=media, broker_url=broker_url, pool="prefork")
            took = wait_until(
                lambda: status(stage) == "awaiting_decision",
                timeout=PROMISED_REDELIVERY + 60,
                what="the check to be run again by another worker",
            )
            took = time.monotonic() - killed_at
            assert took <= PROMISED_REDELIVERY
            runs = CheckRun.objects.filter(stage=stage)
            assert sorted(runs.values_list("check_id", flat=True)) == sorted(
                ["technical.schema", SLOW_CHECK]
            )
            assert runs.get(check_id=SLOW_CHECK).outcome != "error"
            assert slow_message(stage).deliveries == 2
            assert (
                AuditEvent.objects.filter(
                    action="review.stage.checked", object_id=str(stage.pk)
                ).count()
                == 1
            )
        finally:
            kill_group(victim)
            victim.log_file.close()
            if successor is not None:
                stop_worker(successor)
    record_timing(f"whole worker killed ({broker}, default settings)", took)


def test_a_check_over_its_soft_limit_says_it_timed_out_and_a_rerun_works(
    own_redis, slow_product, settings, tmp_path
):
    use_media(settings, tmp_path / "media")
    product, owner = slow_product
    media = settings.MEDIA_ROOT
    soft = {"CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "30"}
    with real_services(
        broker_url=own_redis.url, media_root=media, workdir=tmp_path, beat=False, worker_env=soft
    ):
        cases.review_submit(version=product.versions.get(), actor=owner)
        stage = stage_of(product)
        wait_until(lambda: status(stage) == "awaiting_decision", timeout=90, what="soft limit")
    run = CheckRun.objects.get(stage=stage, check_id=SLOW_CHECK)
    assert run.outcome == "error" and "timed out after 1 s" in run.summary
    finding = Finding.objects.get(stage=stage, check_id=SLOW_CHECK)
    assert finding.severity == "blocking" and finding.code == "check.error"
    assert "technical.files_match_schema" in finding.message
    assert CheckRun.objects.get(stage=stage, check_id="technical.schema").outcome != "error"

    # Under the default limits a reviewer's rerun completes.
    with real_services(broker_url=own_redis.url, media_root=media, workdir=tmp_path, beat=False):
        checking.stage_rerun_checks(stage=stage, actor=reviewer("technical_reviewer"))
        wait_until(lambda: status(stage) == "awaiting_decision", timeout=120, what="rerun")
    run = CheckRun.objects.get(stage=stage, check_id=SLOW_CHECK)
    assert run.attempt == 2 and run.outcome != "error"
    assert not Finding.objects.filter(stage=stage, code="check.error").exists()


def test_a_task_over_its_hard_limit_is_killed_and_recorded(
    own_redis, reference_data, settings, tmp_path
):
    use_media(settings, tmp_path / "media")
    pipeline = Pipeline.objects.create(jurisdiction="ID", name="Indonesia: a stubborn check")
    PipelineStage.objects.create(
        pipeline=pipeline, stage="technical", position=1, checks=["technical.schema", STUBBORN]
    )
    org = OrganizationFactory(jurisdiction="ID")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner, territories=["ID"])
    limits = {"CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "3"}
    with real_services(
        broker_url=own_redis.url,
        media_root=settings.MEDIA_ROOT,
        workdir=tmp_path,
        beat=False,
        worker_env=limits,
        include=("tests.reliability.stubborn_check",),
    ):
        started = time.monotonic()
        cases.review_submit(version=product.versions.get(), actor=owner)
        stage = stage_of(product)
        took = wait_until(
            lambda: status(stage) == "awaiting_decision", timeout=60, what="the hard limit"
        )
    assert took < 30, "the stubborn check was not stopped at its hard limit"
    run = CheckRun.objects.get(stage=stage, check_id=STUBBORN)
    assert run.outcome == "error"
    assert "stopped after 3 s (the hard time limit)" in run.summary
    message = OutboxMessage.objects.for_subject(stage).get(kwargs__check_id=STUBBORN)
    assert message.failed_at is not None and "TimeLimitExceeded" in message.last_error
    record_timing("hard time limit (3 s) enforced", time.monotonic() - started)
