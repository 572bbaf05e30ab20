"""`seed_demo` on a real broker and prefork worker (as the README's deployment section runs
it): it does not approve stages whose checks are still running, it completes, and the demo
ends in the same states as with tasks in-process."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalogue.models import DataProduct
from compliance.models import CheckRun, ReviewCase, StageReview
from kernel.ledger.selectors import ledger_first_problem
from tests.conftest import use_media
from tests.reliability.conftest import real_services, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_seed_demo_works_with_a_real_broker_and_worker(
    own_redis, reference_data, settings, tmp_path
):
    settings.DEBUG = True
    use_media(settings, tmp_path / "media")
    with real_services(
        broker_url=own_redis.url, media_root=settings.MEDIA_ROOT, workdir=tmp_path, beat=False
    ):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        assert "Demo data is loaded." in out.getvalue()
        # The worker gets the same checks later and finds them done: nothing is left running.
        wait_until(
            lambda: not StageReview.objects.filter(status="checking").exists(),
            timeout=120,
            what="every queued check to be done",
        )
    assert DataProduct.objects.filter(status="listed").count() >= 12
    waiting = StageReview.objects.filter(status="awaiting_decision")
    assert {s.stage for s in waiting} == {"legal", "technical", "compliance"}
    assert ReviewCase.objects.filter(status="changes_requested").exists()
    # Every started stage has exactly one result per check of its attempt.
    for stage in StageReview.objects.exclude(status="pending").exclude(carried_over=True):
        runs = CheckRun.objects.filter(stage=stage, attempt=stage.check_attempts)
        assert sorted(runs.values_list("check_id", flat=True)) == sorted(stage.checks)
    assert ledger_first_problem() is None
