"""The review workflow on real infrastructure: a Celery worker on Redis, PostgreSQL rows,
a worker killed mid-check, and two reviewers deciding at the same instant."""

import threading
import time

import pytest
from django.db import connection

from catalogue.models import DataProduct
from compliance.models import CheckRun, StageReview
from compliance.services import cases, decisions
from kernel.exceptions import Conflict
from kernel.ledger.models import AuditEvent
from tests.conftest import use_media
from tests.factories import (
    OrganizationFactory,
    add_offer,
    draft_product,
    member_of,
    reviewer,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def wait_until(predicate, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stage_status(stage_id):
    return StageReview.objects.filter(pk=stage_id).values_list("status", flat=True).get()


def test_the_whole_flow_through_a_real_worker(celery_worker_proc, settings):
    use_media(settings, celery_worker_proc["media_root"])
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner, territories=["MY", "SG", "CN"])
    case = cases.review_submit(version=product.versions.get(), actor=owner)
    people = {name: reviewer(f"{name}_reviewer") for name in ("legal", "technical", "compliance")}
    for stage in case.stages.order_by("position"):
        wait_until(
            lambda s=stage: stage_status(s.pk) == "awaiting_decision",
            what=f"{stage.stage} checks in the worker",
        )
        stage.refresh_from_db()
        assert stage.check_attempts == 1
        assert CheckRun.objects.filter(stage=stage).count() == len(stage.checks)
        decisions.stage_decide(stage=stage, actor=people[stage.stage], decision="approved")
    product.refresh_from_db()
    assert product.status == "listed" and product.listed_version_id == case.version_id
    # The worker's writes are on the same hash chain as ours.
    from kernel.ledger.selectors import ledger_first_problem

    assert ledger_first_problem() is None
    assert AuditEvent.objects.filter(action="review.stage.checked").count() == 3
    # Listing queued the dataset's preparation on the worker: let it finish before the
    # database is emptied under it (a worker still writing deadlocks the TRUNCATE).
    from catalogue.models import ProductVersion

    wait_until(
        lambda: (
            ProductVersion.objects.filter(pk=case.version_id)
            .values_list("dataset_state", flat=True)
            .get()
            in ("ready", "failed")
        ),
        what="the dataset's preparation in the worker",
    )


def test_two_reviewers_deciding_at_once_exactly_one_wins(celery_worker_proc, settings):
    use_media(settings, celery_worker_proc["media_root"])
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner, territories=["MY"])
    case = cases.review_submit(version=product.versions.get(), actor=owner)
    legal = case.stages.get(stage="legal")
    wait_until(lambda: stage_status(legal.pk) == "awaiting_decision", what="legal checks")
    first, second = reviewer("legal_reviewer"), reviewer("legal_reviewer")
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user, decision):
        try:
            barrier.wait(timeout=10)
            decisions.stage_decide(
                stage=StageReview.objects.get(pk=legal.pk),
                actor=user,
                decision=decision,
                comment="Decided in a race.",
            )
            outcomes[decision] = "won"
        except Conflict as exc:
            outcomes[decision] = exc.message
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, "approved")),
        threading.Thread(target=decide, args=(second, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values(), key=lambda v: v != "won")[0] == "won"
    assert list(outcomes.values()).count("won") == 1, outcomes
    loser = next(v for v in outcomes.values() if v != "won")
    assert "Already decided" in loser
    legal.refresh_from_db()
    winner = next(d for d, v in outcomes.items() if v == "won")
    assert legal.status == winner
    assert (
        AuditEvent.objects.filter(
            object_id=str(legal.pk), action__in=["review.stage.approved", "review.stage.rejected"]
        ).count()
        == 1
    )
    assert DataProduct.objects.get(pk=product.pk).status in ("in_review", "rejected")
