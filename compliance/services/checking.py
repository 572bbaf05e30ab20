"""A stage's automated checks: the context they read, one task per check, the results.

Starting a stage (or a rerun) queues one task per check through the outbox, with the state
change. Each task runs its check and records the result (a check that raises is a result
too: an error finding naming the check and the exception); the last result of the attempt
moves the stage to the reviewer. A unit of work is one check, so the time limits and the
broker's redelivery delay stay short (``docs/architecture.md``, "Queued work").

The tasks are declared here, beside the services they run and the function that queues
them (as pretix does), so the services that start stages import this module and nothing here
imports them back.
"""

import logging
import time
from datetime import timedelta

from celery import Task, current_app, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalogue.selectors import offer_terms
from compliance import selectors
from compliance.checks.context import (
    CheckContext,
    EvidenceFacts,
    FindingData,
    OfferFacts,
    TerritoryAssessment,
)
from compliance.checks.registry import CHECKS, REGIONAL_CHECKS
from compliance.models import CheckRun, Finding, StageReview
from compliance.rules.engine import assess
from compliance.rules.facts import transfer_facts
from compliance.rules.selectors import rule_sets_as_dicts
from compliance.rules.services import today, transfer_assess
from compliance.services.lifecycle import ST, STAGE
from kernel.exceptions import PermissionDenied
from kernel.ledger.services import audit_record
from kernel.outbox.services import enqueue, note_delivery
from kernel.regions import region_for, served_region
from kernel.transitions import transition

log = logging.getLogger(__name__)

RUN_CHECK_TASK = "compliance.run_check"
# Database blips are retried (with backoff, three times); anything else is a result.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_DELIVERIES = 3  # a task redelivered more often than this has killed its worker
MAX_REQUEUES = 2  # a stuck stage's missing checks are queued again this many times

# The version fields the checks read (files are handed over as openers).
CHECKED_VERSION_FIELDS = (
    "data_categories",
    "important_data",
    "data_subject_count",
    "anonymised",
    "min_group_size",
    "delivery_mode",
    "schema",
    "lawful_basis",
    "rights_confirmed",
    "consent_evidence",
    "exporter_ciio",
    "important_data_notification",
    "free_trade_zone",
    "privacy",
    "foreign_collected_reexport",
    "gba_city",
    "sample_rows",
    "dataset_rows",
)


def build_check_context(stage: StageReview) -> CheckContext:
    """Everything the stage's checks need, as plain data (files as openers)."""
    version = stage.case.version
    product = stage.case.product
    provider = product.provider
    subjects, sensitive = selectors.provider_subjects_ytd(
        provider=provider, origin=product.origin_jurisdiction, version=version
    )
    offers = list(product.offers.filter(is_active=True).prefetch_related("purposes"))
    territories = sorted({t for o in offers for t in o.territories})
    rule_sets = rule_sets_as_dicts(jurisdiction=product.origin_jurisdiction)
    assessments = []
    for territory in territories:
        facts = transfer_facts(
            version,
            destination=territory,
            subjects_ytd=subjects,
            sensitive_subjects_ytd=sensitive,
        )
        result = assess(facts, rule_sets, on=today()).to_dict()
        assessments.append(
            TerritoryAssessment(
                territory=territory,
                decision=result["decision"],
                mechanisms_any_of=result["mechanisms_any_of"],
                obligations=result["obligations"],
                explanation=result["explanation"],
                rules=[f"{r['code']} ({r['rule_set']} {r['version']})" for r in result["rules"]],
            )
        )
    return CheckContext(
        product_title=product.title,
        origin=product.origin_jurisdiction,
        provider_name=provider.legal_name,
        provider_has_dpo=bool(provider.dpo_name and provider.dpo_email),
        provider_processed_subjects=provider.processed_subjects,
        provider_processed_sensitive_subjects=provider.processed_sensitive_subjects,
        provider_systematic_monitoring=provider.systematic_monitoring,
        version={name: getattr(version, name) for name in CHECKED_VERSION_FIELDS},
        offers=[OfferFacts(name=o.name, terms=offer_terms(o)) for o in offers],
        evidence=[
            EvidenceFacts(
                kind=a.kind,
                title=a.title,
                reference=a.reference,
                issued_on=a.issued_on,
                expires_on=a.expires_on,
            )
            for a in version.attachments.all()
        ],
        assessments=assessments,
        subjects_ytd=subjects,
        sensitive_subjects_ytd=sensitive,
        today=timezone.localdate(),
        open_sample=(lambda: version.sample.open("rb")) if version.sample else None,
        open_dataset=(lambda: version.dataset.open("rb")) if version.dataset else None,
    )


def queue_stage_checks(stage: StageReview, *, actor: User | None = None) -> StageReview:
    """Starts a new attempt of the stage's checks: one task per check, recorded in the
    outbox with the state change (a broker outage delays them, never loses them)."""
    stage.check_attempts += 1
    stage.checks_queued_at = timezone.now()
    stage.checks_requeued = 0
    stage.save(update_fields=["check_attempts", "checks_queued_at", "checks_requeued"])
    for check_id in stage.checks:
        _enqueue_check(stage, check_id)
    return stage


def _enqueue_check(stage: StageReview, check_id: str) -> None:
    """A check that reads the files goes to the product's data region (its queue)."""
    queue = ""
    if check_id in REGIONAL_CHECKS:
        queue = region_for(stage.case.product.origin_jurisdiction).queue
    enqueue(
        RUN_CHECK_TASK,
        kwargs={"stage_id": stage.pk, "check_id": check_id, "attempt": stage.check_attempts},
        queue=queue,
        subject=stage,
    )


def _describe(exc: BaseException) -> str:
    """A failure in words for reviewers and providers (the traceback stays in the log)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("timed out after %(n)s s") % {"n": current_app.conf.task_soft_time_limit}
    if isinstance(exc, TimeLimitExceeded):
        return _("stopped after %(n)s s (the hard time limit)") % {
            "n": current_app.conf.task_time_limit
        }
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:280] if text else type(exc).__name__


def _run_one(check_id: str, ctx: CheckContext) -> tuple[list[FindingData], str]:
    """One check's findings, or the reason it could not run. Transient database errors
    propagate (the task retries them); every other failure becomes the check's result."""
    check = CHECKS.get(check_id)
    if check is None:
        return [], _("Unknown check id %(id)s.") % {"id": check_id}
    try:
        return list(check(ctx)), ""
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - a check that fails is a finding, not a crash
        log.warning("check %s failed: %s", check_id, exc, exc_info=True)
        return [], _describe(exc)


def stage_run_check(*, stage_id: int, check_id: str, attempt: int) -> str:
    """Runs one check of one attempt and records its result; idempotent and safe to
    redeliver. The (slow) check runs outside any transaction; its result is written in a
    short one, only if the stage still waits for exactly this attempt. The last result of
    the attempt moves the stage on to the reviewer's decision."""
    stage = _stage_for_checks(stage_id)
    if stage is None or not _still_waiting(stage, attempt):
        return "skipped"
    if stage.check_runs.filter(check_id=check_id, attempt=attempt).exists():
        return "already done"
    ctx = build_check_context(stage)
    started = time.monotonic()
    findings, error = _run_one(check_id, ctx)
    duration = int((time.monotonic() - started) * 1000)
    return _record_result(
        stage_id, check_id, attempt, findings=findings, error=error, duration=duration, ctx=ctx
    )


def stage_check_failed(*, stage_id: int, check_id: str, attempt: int, error: str) -> str:
    """A check whose task gave up (retries used up, the hard time limit, a worker that died
    on it again and again) is recorded as a check that could not run, so the stage still
    reaches a reviewer, who sees why and can run the checks again."""
    return _record_result(stage_id, check_id, attempt, findings=[], error=error, duration=0)


def stage_run_checks(*, stage_id: int) -> str:
    """Runs every check of the current attempt that has no result yet, here and now (what
    the workers do one check at a time); idempotent."""
    stage = _stage_for_checks(stage_id)
    if stage is None or not STAGE.permits(stage, "run_checks"):
        return "skipped"
    outcome = "skipped"
    for check_id in stage.checks:
        outcome = stage_run_check(
            stage_id=stage_id, check_id=check_id, attempt=stage.check_attempts
        )
    return "done" if outcome in ("done", "recorded") else outcome


def _stage_for_checks(stage_id: int) -> StageReview | None:
    return (
        StageReview.objects.select_related(
            "case__version__product__provider", "case__product__provider"
        )
        .filter(pk=stage_id)
        .first()
    )


def _still_waiting(stage: StageReview, attempt: int) -> bool:
    return STAGE.permits(stage, "run_checks") and stage.check_attempts == attempt


def _record_result(
    stage_id: int,
    check_id: str,
    attempt: int,
    *,
    findings: list[FindingData],
    error: str,
    duration: int,
    ctx: CheckContext | None = None,
) -> str:
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("case__product__provider", "case__version__product")
            .get(pk=stage_id)
        )
        if not _still_waiting(stage, attempt):
            return "superseded"
        if stage.check_runs.filter(check_id=check_id, attempt=attempt).exists():
            return "already done"
        stage.check_runs.filter(check_id=check_id).delete()
        outcome = (
            CheckRun.Outcome.ERROR
            if error
            else CheckRun.Outcome.FINDINGS
            if any(f.severity != "info" for f in findings)
            else CheckRun.Outcome.PASSED
        )
        run = CheckRun.objects.create(
            stage=stage,
            check_id=check_id,
            outcome=outcome,
            attempt=attempt,
            duration_ms=duration,
            region=served_region(),
            summary=error or (findings[0].message[:300] if findings else ""),
        )
        if error:
            findings = [
                FindingData(
                    "blocking",
                    "check.error",
                    _("The check %(check)s could not run: %(e)s") % {"check": check_id, "e": error},
                    {"check": check_id},
                )
            ]
        Finding.objects.bulk_create(
            Finding(
                check_run=run,
                stage=stage,
                check_id=check_id,
                severity=f.severity,
                code=f.code,
                message=f.message,
                evidence=f.evidence,
            )
            for f in findings
        )
        done = set(stage.check_runs.filter(attempt=attempt).values_list("check_id", flat=True))
        if not set(stage.checks) <= done:
            return "recorded"
        counts = {"info": 0, "warning": 0, "blocking": 0}
        for severity in stage.findings.values_list("severity", flat=True):
            counts[severity] += 1
        failed = sorted(
            stage.check_runs.filter(outcome=CheckRun.Outcome.ERROR).values_list(
                "check_id", flat=True
            )
        )
        transition(
            stage,
            machine=STAGE,
            to=ST.AWAITING_DECISION,
            via="checks_done",
            organization=stage.case.product.provider,
            changes={"checks_finished_at": timezone.now()},
            after={"findings": counts, "attempt": attempt, "checks_failed": failed},
            action="review.stage.checked",
        )
        _record_assessments(stage, ctx or build_check_context(stage))
    return "done"


def _record_assessments(stage: StageReview, ctx: CheckContext) -> None:
    """Keeps the assessments the checks relied on as records (compliance stage only)."""
    if "compliance.transfer_assessment" not in stage.checks:
        return
    version = stage.case.version
    for a in ctx.assessments:
        transfer_assess(
            facts=transfer_facts(
                version,
                destination=a.territory,
                subjects_ytd=ctx.subjects_ytd,
                sensitive_subjects_ytd=ctx.sensitive_subjects_ytd,
            ),
            organization=stage.case.product.provider,
            context="review",
            subject=version,
        )


def require_reviewer(stage: StageReview, user: User) -> None:
    if not (user.is_authenticated and user.is_staff and user.has_perm(stage.decision_permission)):
        raise PermissionDenied(
            _("Only a %(stage)s reviewer may act on this stage.")
            % {"stage": stage.get_stage_display().lower()}
        )


def stage_rerun_checks(*, stage: StageReview, actor: User) -> StageReview:
    """Runs a waiting stage's checks again (e.g. after the rule sets changed)."""
    require_reviewer(stage, actor)
    with transaction.atomic():
        stage = StageReview.objects.select_related("case__product__provider").get(pk=stage.pk)
        stage = transition(
            stage,
            machine=STAGE,
            to=ST.CHECKING,
            via="rerun",
            actor=actor,
            organization=stage.case.product.provider,
            action="review.stage.rechecking",
        )
        queue_stage_checks(stage, actor=actor)
    return stage


def stages_checking_too_long(*, now=None):
    """Stages whose current attempt has not finished long after its checks were queued:
    work lost with a broker that kept nothing, or a worker that never came back."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.STAGE_CHECKS_STUCK_AFTER)
    return StageReview.objects.filter(
        status=ST.CHECKING, checks_queued_at__lt=now - limit
    ).select_related("case__product__provider")


def stages_requeue_stuck(*, now=None) -> int:
    """Queues again the checks of stuck stages that have no result yet (the tasks are
    idempotent); after ``MAX_REQUEUES`` tries the missing checks are recorded as checks that
    could not run, so a reviewer sees the stage and can run them again."""
    requeued = 0
    given_up: list[tuple[int, str, int]] = []
    for stuck in stages_checking_too_long(now=now):
        with transaction.atomic():
            stage = StageReview.objects.select_for_update(of=("self",)).get(pk=stuck.pk)
            if not STAGE.permits(stage, "run_checks"):
                continue
            attempt = stage.check_attempts
            done = set(stage.check_runs.filter(attempt=attempt).values_list("check_id", flat=True))
            missing = [c for c in stage.checks if c not in done]
            if stage.checks_requeued >= MAX_REQUEUES:
                given_up += [(stage.pk, check_id, attempt) for check_id in missing]
                continue
            stage.checks_requeued += 1
            stage.checks_queued_at = timezone.now()
            stage.save(update_fields=["checks_requeued", "checks_queued_at"])
            for check_id in missing:
                _enqueue_check(stage, check_id)
            audit_record(
                action="review.stage.checks_requeued",
                obj=stage,
                after={"checks": missing, "attempt": attempt, "time": stage.checks_requeued},
            )
            requeued += 1
    for stage_id, check_id, attempt in given_up:
        stage_check_failed(
            stage_id=stage_id,
            check_id=check_id,
            attempt=attempt,
            error=_("no worker finished it after %(n)s tries") % {"n": MAX_REQUEUES + 1},
        )
    return requeued


class StageCheckTask(Task):
    """A check whose task gives up for good is recorded as a check that could not run."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        try:
            stage_check_failed(error=_describe(exc), **kwargs)
        except Exception:  # noqa: BLE001 - the failure is logged by Celery either way
            log.exception("could not record the failure of %s %s", self.name, kwargs)


@shared_task(
    bind=True,
    base=StageCheckTask,
    name=RUN_CHECK_TASK,
    autoretry_for=TRANSIENT_ERRORS,  # a database blip; the service is idempotent
    retry_backoff=5,
    retry_kwargs={"max_retries": 3},
)
def run_check(self, *, stage_id: int, check_id: str, attempt: int) -> str:
    if note_delivery(self.request.id) > MAX_DELIVERIES:
        # Redelivered again and again (its worker keeps dying on it): stop and say so.
        return stage_check_failed(
            stage_id=stage_id,
            check_id=check_id,
            attempt=attempt,
            error=_("the worker stopped while running it %(n)s times") % {"n": MAX_DELIVERIES},
        )
    outcome = stage_run_check(stage_id=stage_id, check_id=check_id, attempt=attempt)
    log.info("stage %s check %s attempt %s: %s", stage_id, check_id, attempt, outcome)
    return outcome


@shared_task(name="compliance.requeue_stuck_checks", ignore_result=True)
def requeue_stuck_checks() -> int:
    """Beat runs it every few minutes; idempotent."""
    return stages_requeue_stuck()
