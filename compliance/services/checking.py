"""A stage's automated checks: the context they read, the run, and the Celery task.

The task is declared here, beside the service it runs and the function that queues it
(as pretix does), so the services that start stages import this module and nothing here
imports them back.
"""

import logging
import time

from celery import shared_task
from django.db import OperationalError, transaction
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
from compliance.checks.registry import CHECKS
from compliance.models import CheckRun, Finding, StageReview
from compliance.rules.engine import assess
from compliance.rules.facts import transfer_facts
from compliance.rules.selectors import rule_sets_as_dicts
from compliance.rules.services import today, transfer_assess
from compliance.services.lifecycle import ST, STAGE
from kernel.exceptions import PermissionDenied
from kernel.transitions import transition

log = logging.getLogger(__name__)

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


def stage_run_checks(*, stage_id: int) -> str:
    """Runs a stage's automated checks; idempotent and safe to redeliver.

    The (slow) checks run outside any transaction; their results replace the stage's
    findings in one short transaction, and only if the stage is still waiting for exactly
    this attempt. A second delivery of the same task finds the stage decided and stops.
    """
    with transaction.atomic():
        stage = StageReview.objects.select_for_update().filter(pk=stage_id).first()
        if stage is None or not STAGE.permits(stage, "run_checks"):
            return "skipped"
        stage.check_attempts += 1
        stage.save(update_fields=["check_attempts"])
        attempt = stage.check_attempts
    stage = StageReview.objects.select_related(
        "case__version__product__provider", "case__product__provider"
    ).get(pk=stage_id)
    ctx = build_check_context(stage)
    results: list[tuple[str, list[FindingData], int, str]] = []
    for check_id in stage.checks:
        started = time.monotonic()
        error = ""
        try:
            findings = CHECKS[check_id](ctx)
        except KeyError:
            findings, error = [], _("Unknown check id %(id)s.") % {"id": check_id}
        except (OSError, ValueError) as exc:
            findings, error = [], f"{type(exc).__name__}: {exc}"[:280]
        results.append((check_id, findings, int((time.monotonic() - started) * 1000), error))
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("case__product__provider", "case__version")
            .get(pk=stage_id)
        )
        if not STAGE.permits(stage, "run_checks") or stage.check_attempts != attempt:
            return "superseded"
        stage.check_runs.all().delete()
        counts = {"info": 0, "warning": 0, "blocking": 0}
        for check_id, findings, duration, error in results:
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
                summary=error or (findings[0].message[:300] if findings else ""),
            )
            if error:
                findings = [
                    FindingData(
                        "blocking",
                        "check.error",
                        _("The check could not run: %(e)s") % {"e": error},
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
            for f in findings:
                counts[f.severity] += 1
        transition(
            stage,
            machine=STAGE,
            to=ST.AWAITING_DECISION,
            via="checks_done",
            organization=stage.case.product.provider,
            changes={"checks_finished_at": timezone.now()},
            after={"findings": counts, "attempt": attempt},
            action="review.stage.checked",
        )
        _record_assessments(stage, ctx)
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
        queue_stage_checks(stage)
    return stage


def queue_stage_checks(stage: StageReview) -> None:
    """The stage's checks run on a worker once the transaction that started them commits."""
    stage_id = stage.pk
    transaction.on_commit(lambda: run_stage_checks.delay(stage_id))


@shared_task(
    name="compliance.run_stage_checks",
    autoretry_for=(OperationalError,),  # a database blip; the service is idempotent
    retry_backoff=5,
    retry_kwargs={"max_retries": 3},
)
def run_stage_checks(stage_id: int) -> str:
    outcome = stage_run_checks(stage_id=stage_id)
    log.info("stage %s checks: %s", stage_id, outcome)
    return outcome
