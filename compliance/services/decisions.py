"""What reviewers do with a stage: claim or assign it, decide it, comment on the case."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from compliance import selectors
from compliance.models import ReviewCase, ReviewComment, StageReview
from compliance.services.cases import close_case, start_next_stage
from compliance.services.checking import require_reviewer
from compliance.services.lifecycle import CS, DECISIONS, ST, STAGE
from compliance.services.notifications import notify_provider
from kernel.exceptions import Conflict, InvalidInput, PermissionDenied
from kernel.ledger.services import audit_record
from kernel.transitions import transition


def _already_decided(stage: StageReview) -> str:
    if not STAGE.is_final(stage.status):
        return _("Already decided by another reviewer.")
    return _("Already decided: %(who)s marked this stage %(what)s at %(when)s.") % {
        "who": stage.decided_by or _("the exchange"),
        "what": stage.get_status_display().lower(),
        "when": timezone.localtime(stage.decided_at).strftime("%Y-%m-%d %H:%M"),
    }


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
    require_reviewer(stage, actor)
    comment, override_note = comment.strip(), override_note.strip()
    if decision != ST.APPROVED and not comment:
        raise InvalidInput(_("Say what must change (the provider reads it)."), field="comment")
    with transaction.atomic():
        stage = StageReview.objects.select_related(
            "case__product__provider", "case__version", "decided_by"
        ).get(pk=stage.pk)
        # Refuse a stage that is not waiting (or already decided) before weighing findings;
        # the transition checks again under the row lock, so one decision wins.
        STAGE.check(stage.status, decision, "decide", when_final=_already_decided(stage))
        blocking = selectors.blocking_findings(stage).count()
        if decision == ST.APPROVED and blocking and not override_note:
            raise InvalidInput(
                _("%(n)s blocking finding(s): approving needs a written override.")
                % {"n": blocking},
                field="override_note",
            )
        overridden = bool(blocking) and decision == ST.APPROVED
        stage = transition(
            stage,
            machine=STAGE,
            to=decision,
            via="decide",
            actor=actor,
            organization=stage.case.product.provider,
            changes={
                "decided_by": actor,
                "decided_at": timezone.now(),
                "comment": comment,
                "override_note": override_note if decision == ST.APPROVED else "",
            },
            after={
                "comment": comment,
                **(
                    {"override_of_blocking": {"findings": blocking, "note": override_note}}
                    if overridden
                    else {}
                ),
            },
            when_final=_already_decided(stage),
        )
        case = (
            ReviewCase.objects.select_for_update(of=("self",))
            .select_related("product__provider", "version")
            .get(pk=stage.case_id)
        )
        if comment:
            ReviewComment.objects.create(case=case, stage=stage, author=actor, body=comment)
        _after_decision(case=case, stage=stage, decision=decision, comment=comment, actor=actor)
    return stage


def _after_decision(
    *, case: ReviewCase, stage: StageReview, decision: str, comment: str, actor: User
) -> None:
    title = case.product.title
    if decision == ST.APPROVED:
        notify_provider(
            product=case.product,
            subject=lambda: (
                _("%(stage)s review approved: “%(title)s”")
                % {"stage": stage.get_stage_display(), "title": title}
            ),
            body=comment,
        )
        start_next_stage(case=case, actor=actor)
    elif decision == ST.CHANGES_REQUESTED:
        close_case(case=case, to=CS.CHANGES_REQUESTED, actor=actor)
        notify_provider(
            product=case.product,
            subject=lambda: _("Changes requested for “%(title)s”") % {"title": title},
            body=lambda: (
                _(
                    "%(stage)s reviewer: %(comment)s\nStart a new version, make the "
                    "changes and submit it again."
                )
                % {"stage": stage.get_stage_display(), "comment": comment}
            ),
        )
    else:
        close_case(case=case, to=CS.REJECTED, actor=actor)
        notify_provider(
            product=case.product,
            subject=lambda: _("“%(title)s” was rejected") % {"title": title},
            body=lambda: (
                _("%(stage)s reviewer: %(comment)s")
                % {"stage": stage.get_stage_display(), "comment": comment}
            ),
        )


def stage_claim(*, stage: StageReview, user: User) -> StageReview:
    require_reviewer(stage, user)
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=stage.pk)
        )
        STAGE.require(stage, "claim", refusal=_("This stage is already decided."))
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
    require_reviewer(stage, assignee)
    with transaction.atomic():
        stage = (
            StageReview.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=stage.pk)
        )
        STAGE.require(stage, "claim", refusal=_("This stage is already decided."))
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
                subject=lambda: (
                    _("A reviewer commented on “%(title)s”") % {"title": case.product.title}
                ),
                body=body,
            )
    return comment
