"""Operators see stuck work and retry it: queued work the broker never took, stages whose
checks were lost, failed tasks — in the admin, with actions that call the same services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.models import CheckRun, StageReview
from compliance.services import cases, checking
from kernel.outbox import services as outbox
from kernel.outbox.models import OutboxMessage
from tests.factories import OrganizationFactory, add_offer, draft_product, member_of, reviewer

pytestmark = pytest.mark.django_db


def submitted_without_running():
    """A submission whose queued checks never ran (a broker that lost them)."""
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner)
    cases.review_submit(version=product.versions.get(), actor=owner)  # on_commit never fires
    return StageReview.objects.get(case__product=product, stage="legal")


def test_undelivered_work_is_listed_and_an_operator_sends_it(
    client, django_capture_on_commit_callbacks
):
    legal = submitted_without_running()
    waiting = OutboxMessage.objects.for_subject(legal).undelivered()
    assert waiting.count() == len(legal.checks)
    client.force_login(reviewer("exchange_admin"))
    url = reverse("admin:outbox_outboxmessage_changelist")
    page = client.get(url + "?state=waiting").content.decode()
    assert "compliance.run_check" in page and f"compliance.stagereview #{legal.pk}" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            url,
            {"action": "retry", "_selected_action": [str(m.pk) for m in waiting]},
            follow=True,
        )
    assert f"{len(legal.checks)} of {len(legal.checks)} sent" in answer.content.decode()
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision"
    assert not OutboxMessage.objects.for_subject(legal).undelivered().exists()
    assert OutboxMessage.objects.for_subject(legal).filter(finished_at__isnull=False).count() == 3


def test_the_sweeper_publishes_work_that_is_due():
    legal = submitted_without_running()
    # The stage's three checks, and the e-mail telling the provider the version is in review.
    assert outbox.sweep() == len(legal.checks) + 1
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision"
    assert outbox.sweep() == 0  # nothing left


def test_stuck_stages_are_shown_requeued_and_finally_reported(client, settings):
    legal = submitted_without_running()
    # The broker took the work and lost it (a Redis that keeps nothing on disk restarted).
    OutboxMessage.objects.for_subject(legal).update(sent_at=timezone.now())
    later = timezone.now() + timedelta(seconds=settings.STAGE_CHECKS_STUCK_AFTER + 1)
    assert list(checking.stages_checking_too_long(now=later)) == [legal]

    client.force_login(reviewer("legal_reviewer"))
    url = reverse("admin:compliance_legalqueue_changelist")
    StageReview.objects.filter(pk=legal.pk).update(
        checks_queued_at=timezone.now() - timedelta(seconds=settings.STAGE_CHECKS_STUCK_AFTER + 1)
    )
    assert "KL mall foot traffic" in client.get(url + "?checks=stuck").content.decode()

    # The sweeper queues the missing checks again, twice at most ...
    assert checking.stages_requeue_stuck(now=later) == 1
    assert OutboxMessage.objects.for_subject(legal).undelivered().count() == len(legal.checks)
    for _ in range(2):
        OutboxMessage.objects.for_subject(legal).update(sent_at=timezone.now())
        StageReview.objects.filter(pk=legal.pk).update(checks_queued_at=timezone.now())
        later = timezone.now() + timedelta(seconds=settings.STAGE_CHECKS_STUCK_AFTER + 1)
        checking.stages_requeue_stuck(now=later)
    # ... and then records the checks as not run, so a reviewer sees the stage.
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision"
    runs = CheckRun.objects.filter(stage=legal)
    assert runs.count() == len(legal.checks)
    assert all(r.outcome == "error" and "no worker finished it" in r.summary for r in runs)


def test_published_work_carries_no_time_limits_of_the_web_process(settings):
    """The time limits are the worker's: a message must not carry the sending process's
    (Celery 5.7 stamps the registered task's limits on it unless told not to)."""
    from marketplace.celery import app
    from tests.conftest import use_broker

    legal = submitted_without_running()
    message = OutboxMessage.objects.for_subject(legal).first()
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    previous = {k: app.conf.get(k) for k in keys}
    use_broker(
        app,
        broker_url="memory://",
        result_backend=None,
        task_always_eager=False,
        task_default_queue="limits-test",
    )
    try:
        assert app.tasks["compliance.run_check"].time_limit is not None  # the sender's own
        outbox.dispatch([message.pk], force=True)
        with app.connection_for_read() as connection:
            queue = connection.SimpleQueue("limits-test")
            received = queue.get(timeout=5)
            headers = received.headers
            received.ack()
            queue.close()
    finally:
        use_broker(app, **previous)
    assert headers["task"] == "compliance.run_check"
    assert list(headers["timelimit"]) == [None, None]
