"""Writes of the review workflow: opening cases, running checks, stage decisions, comments."""

import logging
import time
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from catalogue import services as catalogue
from catalogue.models import DataProduct, ProductVersion
from compliance import selectors
from compliance.checks.context import (
    CheckContext,
    EvidenceFacts,
    FindingData,
    OfferFacts,
    TerritoryAssessment,
)
from compliance.checks.registry import CHECKS, STAGE_FIELDS
from compliance.models import (
    CheckRun,
    Finding,
    Notification,
    ReviewCase,
    ReviewComment,
    StageReview,
)
from kernel.exceptions import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from kernel.ledger.services import audit_record

log = logging.getLogger(__name__)

ST = StageReview.Status
STAGE_TRANSITIONS: dict[str, set[str]] = {
    ST.PENDING: {ST.CHECKING},
    ST.CHECKING: {ST.AWAITING_DECISION},
    ST.AWAITING_DECISION: {ST.APPROVED, ST.CHANGES_REQUESTED, ST.REJECTED, ST.CHECKING},
    ST.APPROVED: set(),
    ST.CHANGES_REQUESTED: set(),
    ST.REJECTED: set(),
}
CS = ReviewCase.Status
CASE_TRANSITIONS: dict[str, set[str]] = {
    CS.OPEN: {CS.APPROVED, CS.CHANGES_REQUESTED, CS.REJECTED},
    CS.APPROVED: set(),
    CS.CHANGES_REQUESTED: set(),
    CS.REJECTED: set(),
}
DECISIONS = (ST.APPROVED, ST.CHANGES_REQUESTED, ST.REJECTED)


def _check_move(table: dict[str, set[str]], before: str, after: str, what: str) -> None:
    if after not in table.get(before, set()):
        raise InvalidTransition(
            _("A %(what)s cannot go from “%(before)s” to “%(after)s”.")
            % {"what": what, "before": before, "after": after}
        )


def add_working_days(start: datetime, days: int) -> datetime:
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


# --- notifications ------------------------------------------------------------------------


def notify_provider(*, product: DataProduct, subject: str, body: str = "") -> Notification:
    """A notification in the provider's dashboard and an e-mail to its administrators."""
    link = reverse("catalogue:manage", args=[product.slug])
    note = Notification.objects.create(
        organization=product.provider, product=product, subject=subject, body=body, link=link
    )
    recipients = list(
        Membership.objects.filter(
            organization=product.provider, role=Membership.Role.ADMIN
        ).values_list("user__email", flat=True)
    )
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject, f"{body}\n\n{link}".strip(), None, recipients, fail_silently=True
            )
        )
    return note


def notification_mark_read(*, notification: Notification, user: User) -> None:
    if not Membership.objects.filter(user=user, organization=notification.organization).exists():
        raise PermissionDenied(_("This notification is not yours."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- opening a case -----------------------------------------------------------------------


def changed_fields(old: ProductVersion, new: ProductVersion) -> set[str]:
    """The reviewable fields that differ between two versions (files by stored name)."""
    fields = set().union(*STAGE_FIELDS.values()) - {"evidence", "offers", "sample", "dataset"}
    changed = {f for f in fields if getattr(old, f) != getattr(new, f)}
    if old.sample.name != new.sample.name:
        changed.add("sample")
    if old.dataset.name != new.dataset.name:
        changed.add("dataset")
    if _evidence_key(old) != _evidence_key(new):
        changed.add("evidence")
    # Offers belong to the product: compare them with their state when the old case closed.
    if any(
        o.updated_at > (old.decided_at or old.submitted_at or old.created_at)
        for o in new.product.offers.all()
    ):
        changed.add("offers")
    return changed


def _evidence_key(version: ProductVersion) -> list[tuple]:
    return sorted(
        (a.kind, a.reference, a.issued_on, a.expires_on, a.file.name)
        for a in version.attachments.all()
    )


def review_submit(*, version: ProductVersion, actor: User) -> ReviewCase:
    """The provider submits a version: it freezes, a case opens, the first stage starts.

    After a request for changes only the stages that asked for them (and those after them)
    run again, unless the new version changed fields another stage looks at.
    """
    with transaction.atomic():
        version = catalogue.version_submit(version=version, actor=actor)
        product = DataProduct.objects.select_for_update().get(pk=version.product_id)
        if product.status == DataProduct.Status.SUBMITTED:
            product = catalogue.product_set_status(
                product=product, to=DataProduct.Status.IN_REVIEW, actor=actor
            )
        previous = selectors.latest_case(product)
        carry_from = previous if previous and previous.status == CS.CHANGES_REQUESTED else None
        pipeline = selectors.pipeline_for(product.origin_jurisdiction)
        if pipeline is None:
            raise InvalidTransition(_("No review pipeline is configured."))
        case = ReviewCase.objects.create(
            version=version, product=product, pipeline=pipeline, previous_case=carry_from
        )
        changed = changed_fields(carry_from.version, version) if carry_from else set()
        previous_stages = {s.stage: s for s in carry_from.stages.all()} if carry_from else {}
        now = timezone.now()
        for spec in pipeline.stages.order_by("position"):
            stage = StageReview(
                case=case,
                stage=spec.stage,
                position=spec.position,
                checks=list(spec.checks),
                sla_days=spec.sla_days,
            )
            before = previous_stages.get(spec.stage)
            if (
                before is not None
                and before.status == ST.APPROVED
                and not (STAGE_FIELDS.get(spec.stage, set()) & changed)
            ):
                stage.status = ST.APPROVED
                stage.carried_over = True
                stage.decided_by = before.decided_by
                stage.decided_at = now
                stage.comment = _("Approved for version %(n)s; nothing it reviews has changed.") % {
                    "n": carry_from.version.number
                }
            stage.save()
        audit_record(
            action="review.case.opened",
            actor=actor,
            organization=product.provider,
            obj=case,
            after={
                "version": version.number,
                "pipeline": pipeline.name,
                "carried_over": [s.stage for s in case.stages.filter(carried_over=True)],
                "changed_fields": sorted(changed),
            },
        )
        notify_provider(
            product=product,
            subject=_("“%(title)s” v%(n)s is in review")
            % {"title": product.title, "n": version.number},
            body=_("Legal, technical and compliance reviewers will look at it in turn."),
        )
        _start_next_stage(case=case, actor=actor)
    return case


def _start_next_stage(*, case: ReviewCase, actor: User | None) -> StageReview | None:
    stage = case.stages.select_for_update().filter(status=ST.PENDING).order_by("position").first()
    if stage is None:
        if not case.stages.exclude(status=ST.APPROVED).exists():
            _close_case(case=case, to=CS.APPROVED, actor=actor)
        return None
    _check_move(STAGE_TRANSITIONS, stage.status, ST.CHECKING, "stage")
    now = timezone.now()
    stage.status = ST.CHECKING
    stage.started_at = now
    stage.due_at = add_working_days(now, stage.sla_days)
    stage.save(update_fields=["status", "started_at", "due_at"])
    audit_record(
        action="review.stage.checking",
        actor=actor,
        organization=case.product.provider,
        obj=stage,
        before={"status": ST.PENDING},
        after={"status": ST.CHECKING, "due_at": stage.due_at.isoformat()},
    )
    _enqueue_checks(stage.pk)
    return stage


def _enqueue_checks(stage_id: int) -> None:
    from compliance.tasks import run_stage_checks

    transaction.on_commit(lambda: run_stage_checks.delay(stage_id))


# --- automated checks ---------------------------------------------------------------------


def build_check_context(stage: StageReview) -> CheckContext:
    """Everything the stage's checks need, as plain data (files as openers)."""
    from compliance.rules.engine import assess
    from compliance.rules.selectors import rule_sets_as_dicts
    from compliance.rules.services import today

    version = stage.case.version
    product = stage.case.product
    provider = product.provider
    subjects, sensitive = selectors.provider_subjects_ytd(
        provider=provider, origin=product.origin_jurisdiction, version=version
    )
    offers = list(product.offers.filter(is_active=True))
    territories = sorted({t for o in offers for t in o.territories})
    rule_sets = rule_sets_as_dicts(jurisdiction=product.origin_jurisdiction)
    assessments = []
    for territory in territories:
        result = assess(
            transfer_facts(version, territory, subjects, sensitive), rule_sets, on=today()
        ).to_dict()
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
        version={
            name: getattr(version, name)
            for name in (
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
        },
        offers=[
            OfferFacts(
                name=o.name,
                territories=list(o.territories),
                governing_law=o.governing_law,
                dispute_forum=o.dispute_forum,
                audit_rights=o.audit_rights,
                breach_notice_hours=o.breach_notice_hours,
                end_of_term=o.end_of_term,
                onward_transfer_allowed=o.onward_transfer_allowed,
            )
            for o in offers
        ],
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


def transfer_facts(version: ProductVersion, territory: str, subjects: int, sensitive: int) -> dict:
    """The rules engine's input facts for exporting this version to `territory`."""
    exemptions = ["free_trade_zone"] if version.free_trade_zone.strip() else []
    return {
        "origin": version.product.origin_jurisdiction,
        "destination": territory,
        "data_categories": list(version.data_categories or ["non_personal"]),
        "subjects_ytd": subjects,
        "sensitive_subjects_ytd": sensitive,
        "important_data": version.important_data,
        "exporter_ciio": version.exporter_ciio,
        "recipient_type": "company",
        "exemptions": exemptions,
    }


def stage_run_checks(*, stage_id: int) -> str:
    """Runs a stage's automated checks; idempotent and safe to redeliver.

    The (slow) checks run outside any transaction; their results replace the stage's
    findings in one short transaction, and only if the stage is still waiting for exactly
    this attempt. A second delivery of the same task finds the stage decided and stops.
    """
    with transaction.atomic():
        stage = StageReview.objects.select_for_update().filter(pk=stage_id).first()
        if stage is None or stage.status != ST.CHECKING:
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
            .select_related("case__product")
            .get(pk=stage_id)
        )
        if stage.status != ST.CHECKING or stage.check_attempts != attempt:
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
        stage.status = ST.AWAITING_DECISION
        stage.checks_finished_at = timezone.now()
        stage.save(update_fields=["status", "checks_finished_at"])
        _record_assessments(stage, ctx)
        audit_record(
            action="review.stage.checked",
            actor=None,
            organization=stage.case.product.provider,
            obj=stage,
            before={"status": ST.CHECKING},
            after={"status": ST.AWAITING_DECISION, "findings": counts, "attempt": attempt},
        )
    return "done"


def _record_assessments(stage: StageReview, ctx: CheckContext) -> None:
    """Keeps the assessments the checks relied on as records (compliance stage only)."""
    if "compliance.transfer_assessment" not in stage.checks:
        return
    from compliance.rules.services import transfer_assess

    version = stage.case.version
    for a in ctx.assessments:
        transfer_assess(
            facts=transfer_facts(
                version, a.territory, ctx.subjects_ytd, ctx.sensitive_subjects_ytd
            ),
            organization=stage.case.product.provider,
            context="review",
            subject=version,
        )


# --- decisions ----------------------------------------------------------------------------


def _require_reviewer(stage: StageReview, user: User) -> None:
    if not (user.is_authenticated and user.is_staff and user.has_perm(stage.decision_permission)):
        raise PermissionDenied(
            _("Only a %(stage)s reviewer may act on this stage.")
            % {"stage": stage.get_stage_display().lower()}
        )


def stage_decide(
    *,
    stage: StageReview,
    actor: User,
    decision: str,
    comment: str = "",
    override_note: str = "",
) -> StageReview:
    """A reviewer approves, requests changes or rejects; exactly one decision wins."""
    if decision not in DECISIONS:
        raise InvalidInput(_("Decide approved, changes_requested or rejected."), field="decision")
    _require_reviewer(stage, actor)
    comment, override_note = comment.strip(), override_note.strip()
    if decision != ST.APPROVED and not comment:
        raise InvalidInput(_("Say what must change (the provider reads it)."), field="comment")
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("case__product__provider", "case__version", "decided_by")
            .get(pk=stage.pk)
        )
        if stage.status in DECISIONS:
            raise Conflict(
                _("Already decided: %(who)s marked this stage %(what)s at %(when)s.")
                % {
                    "who": stage.decided_by or _("the exchange"),
                    "what": stage.get_status_display().lower(),
                    "when": timezone.localtime(stage.decided_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        _check_move(STAGE_TRANSITIONS, stage.status, decision, "stage")
        blocking = selectors.blocking_findings(stage).count()
        if decision == ST.APPROVED and blocking and not override_note:
            raise InvalidInput(
                _("%(n)s blocking finding(s): approving needs a written override.")
                % {"n": blocking},
                field="override_note",
            )
        now = timezone.now()
        # Compare-and-set: on any database only one writer moves the stage out of waiting.
        won = StageReview.objects.filter(pk=stage.pk, status=ST.AWAITING_DECISION).update(
            status=decision,
            decided_by=actor,
            decided_at=now,
            comment=comment,
            override_note=override_note if decision == ST.APPROVED else "",
        )
        if not won:
            raise Conflict(_("Already decided by another reviewer."))
        stage.refresh_from_db()
        case = (
            ReviewCase.objects.select_for_update(of=("self",))
            .select_related("product", "version")
            .get(pk=stage.case_id)
        )
        audit_record(
            action=f"review.stage.{decision}",
            actor=actor,
            organization=case.product.provider,
            obj=stage,
            before={"status": ST.AWAITING_DECISION},
            after={
                "status": decision,
                "comment": comment,
                **(
                    {"override_of_blocking": {"findings": blocking, "note": override_note}}
                    if blocking and decision == ST.APPROVED
                    else {}
                ),
            },
        )
        if comment:
            ReviewComment.objects.create(case=case, stage=stage, author=actor, body=comment)
        title = case.product.title
        if decision == ST.APPROVED:
            notify_provider(
                product=case.product,
                subject=_("%(stage)s review approved: “%(title)s”")
                % {"stage": stage.get_stage_display(), "title": title},
                body=comment,
            )
            _start_next_stage(case=case, actor=actor)
        elif decision == ST.CHANGES_REQUESTED:
            _close_case(case=case, to=CS.CHANGES_REQUESTED, actor=actor)
            notify_provider(
                product=case.product,
                subject=_("Changes requested for “%(title)s”") % {"title": title},
                body=_(
                    "%(stage)s reviewer: %(comment)s\nStart a new version, make the "
                    "changes and submit it again."
                )
                % {"stage": stage.get_stage_display(), "comment": comment},
            )
        else:
            _close_case(case=case, to=CS.REJECTED, actor=actor)
            notify_provider(
                product=case.product,
                subject=_("“%(title)s” was rejected") % {"title": title},
                body=_("%(stage)s reviewer: %(comment)s")
                % {"stage": stage.get_stage_display(), "comment": comment},
            )
    return stage


def _close_case(*, case: ReviewCase, to: str, actor: User | None) -> None:
    _check_move(CASE_TRANSITIONS, case.status, to, "review case")
    before = case.status
    case.status = to
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at"])
    audit_record(
        action=f"review.case.{to}",
        actor=actor,
        organization=case.product.provider,
        obj=case,
        before={"status": before},
        after={"status": to},
    )
    version = case.version
    product = DataProduct.objects.get(pk=case.product_id)
    if to == CS.APPROVED:
        catalogue.version_decide(version=version, to=ProductVersion.State.APPROVED, actor=actor)
        catalogue.product_list_version(version=version, actor=actor)
        notify_provider(
            product=product,
            subject=_("“%(title)s” v%(n)s is listed")
            % {"title": product.title, "n": version.number},
            body=_("All review stages approved it; buyers now see this version."),
        )
    elif to == CS.CHANGES_REQUESTED:
        catalogue.version_decide(
            version=version, to=ProductVersion.State.CHANGES_REQUESTED, actor=actor
        )
        if product.status == DataProduct.Status.IN_REVIEW:
            catalogue.product_set_status(
                product=product, to=DataProduct.Status.CHANGES_REQUESTED, actor=actor
            )
    else:
        catalogue.version_decide(version=version, to=ProductVersion.State.REJECTED, actor=actor)
        if product.status == DataProduct.Status.IN_REVIEW:
            catalogue.product_set_status(
                product=product, to=DataProduct.Status.REJECTED, actor=actor
            )


def stage_rerun_checks(*, stage: StageReview, actor: User) -> StageReview:
    """Runs a waiting stage's checks again (e.g. after the rule sets changed)."""
    _require_reviewer(stage, actor)
    with transaction.atomic():
        stage = StageReview.objects.select_for_update().get(pk=stage.pk)
        _check_move(STAGE_TRANSITIONS, stage.status, ST.CHECKING, "stage")
        stage.status = ST.CHECKING
        stage.save(update_fields=["status"])
        audit_record(
            action="review.stage.rechecking",
            actor=actor,
            obj=stage,
            before={"status": ST.AWAITING_DECISION},
            after={"status": ST.CHECKING},
        )
        _enqueue_checks(stage.pk)
    return stage


def stage_claim(*, stage: StageReview, user: User) -> StageReview:
    _require_reviewer(stage, user)
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=stage.pk)
        )
        if stage.status in DECISIONS:
            raise Conflict(_("This stage is already decided."))
        if stage.assignee_id and stage.assignee_id != user.pk:
            raise Conflict(_("%(who)s has already claimed this stage.") % {"who": stage.assignee})
        stage.assignee = user
        stage.save(update_fields=["assignee"])
        audit_record(
            action="review.stage.claimed", actor=user, obj=stage, after={"assignee": user.email}
        )
    return stage


def stage_assign(*, stage: StageReview, assignee: User, actor: User) -> StageReview:
    if not actor.has_perm("compliance.assign_review"):
        raise PermissionDenied(_("Only an exchange administrator may assign reviews."))
    _require_reviewer(stage, assignee)
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=stage.pk)
        )
        if stage.status in DECISIONS:
            raise Conflict(_("This stage is already decided."))
        before = stage.assignee.email if stage.assignee else None
        stage.assignee = assignee
        stage.save(update_fields=["assignee"])
        audit_record(
            action="review.stage.assigned",
            actor=actor,
            obj=stage,
            before={"assignee": before},
            after={"assignee": assignee.email},
        )
    return stage


def review_comment_add(
    *,
    case: ReviewCase,
    author: User,
    body: str,
    stage: StageReview | None = None,
    visible_to_provider: bool = True,
) -> ReviewComment:
    body = body.strip()
    if not body:
        raise InvalidInput(_("Write a comment."), field="body")
    is_reviewer = author.is_staff and bool(selectors.stages_user_may_decide(author))
    is_provider = Membership.objects.filter(
        user=author, organization=case.product.provider_id
    ).exists()
    if not (is_reviewer or is_provider):
        raise PermissionDenied(_("Only reviewers and the provider may comment on a review."))
    with transaction.atomic():
        comment = ReviewComment.objects.create(
            case=case,
            stage=stage,
            author=author,
            body=body,
            visible_to_provider=visible_to_provider or is_provider,
        )
        audit_record(
            action="review.comment.added",
            actor=author,
            organization=case.product.provider,
            obj=case,
            after={"visible_to_provider": comment.visible_to_provider},
        )
        if is_reviewer and comment.visible_to_provider:
            notify_provider(
                product=case.product,
                subject=_("A reviewer commented on “%(title)s”") % {"title": case.product.title},
                body=body,
            )
    return comment
