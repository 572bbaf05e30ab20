"""A check that raises (anything: TypeError, MemoryError, a KeyError of its own) is a finding
naming the check and the exception; the other checks still run; the stage reaches the
reviewer, who sees the failure in the queue and on the case page, the provider sees that a
check could not run (no traceback), and a rerun from the admin or the API works."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from compliance.checks import registry
from compliance.models import CheckRun, Finding, StageReview
from compliance.services import cases
from tests.conftest import bearer
from tests.factories import OrganizationFactory, add_offer, draft_product, member_of, reviewer

pytestmark = pytest.mark.django_db
BROKEN = "legal.declarations"


def submit_with_broken_check(monkeypatch, exc: BaseException, django_capture_on_commit_callbacks):
    def explode(ctx):
        raise exc

    monkeypatch.setitem(registry.CHECKS, BROKEN, explode)
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.review_submit(version=product.versions.get(), actor=owner)
    return case.stages.get(stage="legal"), owner


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (TypeError("unsupported operand type(s) for +: 'int' and 'str'"), "TypeError: unsupported"),
        (MemoryError(), "MemoryError"),
        (KeyError("consent_evidence"), "KeyError: 'consent_evidence'"),
    ],
)
def test_a_check_that_raises_is_a_finding_and_the_stage_reaches_the_reviewer(
    monkeypatch, django_capture_on_commit_callbacks, exc, shown
):
    legal, _owner = submit_with_broken_check(monkeypatch, exc, django_capture_on_commit_callbacks)
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision"
    run = CheckRun.objects.get(stage=legal, check_id=BROKEN)
    assert run.outcome == "error" and run.summary.startswith(shown)
    finding = Finding.objects.get(stage=legal, check_id=BROKEN)
    assert finding.severity == "blocking" and finding.code == "check.error"
    assert BROKEN in finding.message and shown in finding.message
    assert "Traceback" not in finding.message
    assert "Unknown check id" not in finding.message
    # The other checks of the stage ran.
    others = CheckRun.objects.filter(stage=legal).exclude(check_id=BROKEN)
    assert {r.check_id for r in others} == set(legal.checks) - {BROKEN}
    assert all(r.outcome != "error" for r in others)


def test_an_unknown_check_id_is_named_as_such(monkeypatch, django_capture_on_commit_callbacks):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner)
    from compliance.models import PipelineStage

    PipelineStage.objects.filter(pipeline__jurisdiction="", stage="legal").update(
        checks=["legal.declarations", "legal.no_such_check"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.review_submit(version=product.versions.get(), actor=owner)
    run = CheckRun.objects.get(stage__case=case, check_id="legal.no_such_check")
    assert run.outcome == "error" and "Unknown check id legal.no_such_check" in run.summary


def test_reviewers_and_providers_see_the_failure_and_a_rerun_clears_it(
    monkeypatch, client, django_capture_on_commit_callbacks
):
    legal, owner = submit_with_broken_check(
        monkeypatch, TypeError("boom"), django_capture_on_commit_callbacks
    )
    legal_reviewer = reviewer("legal_reviewer")

    # The queue flags it and filters on it.
    client.force_login(legal_reviewer)
    queue = client.get(reverse("admin:compliance_legalqueue_changelist")).content.decode()
    assert "1 could not run" in queue
    failed = client.get(reverse("admin:compliance_legalqueue_changelist") + "?checks=failed")
    assert "1 could not run" in failed.content.decode()
    # The case page shows the finding.
    page = client.get(reverse("admin:compliance_legalqueue_change", args=[legal.pk]))
    assert "could not run: TypeError: boom" in page.content.decode()

    # The provider's review status says a check could not run, without the exception.
    _t, raw = api_token_create(user=owner, organization=legal.case.product.provider, name="p")
    provider = bearer(APIClient(), raw)
    review = provider.get(f"/api/v1/products/{legal.case.product.slug}/review/").json()
    progress = next(s for s in review["stages"] if s["stage"] == "legal")["progress"]
    assert progress["checks_failed"] == [BROKEN] and progress["queued"] is False
    assert "TypeError" not in str(review)

    # The check is fixed; a reviewer reruns through the API and the failure is gone.
    monkeypatch.undo()
    api = APIClient()
    api.force_authenticate(legal_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/review/stages/{legal.pk}/rerun/")
    assert answer.status_code == 200, answer.json()
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision" and legal.check_attempts == 2
    assert CheckRun.objects.get(stage=legal, check_id=BROKEN).outcome != "error"
    assert not Finding.objects.filter(stage=legal, code="check.error").exists()


def test_the_admin_reruns_selected_stages(monkeypatch, client, django_capture_on_commit_callbacks):
    legal, _owner = submit_with_broken_check(
        monkeypatch, MemoryError(), django_capture_on_commit_callbacks
    )
    monkeypatch.undo()
    client.force_login(reviewer("legal_reviewer"))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:compliance_legalqueue_changelist"),
            {"action": "rerun", "_selected_action": [legal.pk]},
            follow=True,
        )
    assert "Queued the checks of 1 stage(s) again." in answer.content.decode()
    assert StageReview.objects.get(pk=legal.pk).check_attempts == 2
    assert not Finding.objects.filter(stage=legal, code="check.error").exists()


def test_a_transient_database_error_is_retried_not_recorded(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    calls = []

    def flaky(ctx):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return []

    monkeypatch.setitem(registry.CHECKS, BROKEN, flaky)
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.review_submit(version=product.versions.get(), actor=owner)
    legal = case.stages.get(stage="legal")
    assert len(calls) == 2  # the task retried once
    assert CheckRun.objects.get(stage=legal, check_id=BROKEN).outcome == "passed"
