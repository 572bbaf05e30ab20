"""A submitted version opens a review case; its stages start one after another; the case
closes approved (the version is listed), with changes requested, or rejected."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalogue import services as catalogue
from catalogue.models import DataProduct, ProductVersion
from compliance import selectors
from compliance.checks.registry import STAGE_FIELDS
from compliance.models import ReviewCase, StageReview
from compliance.services.checking import queue_stage_checks
from compliance.services.lifecycle import CASE, CS, ST, STAGE, add_working_days
from compliance.services.notifications import notify_provider
from kernel.exceptions import InvalidTransition
from kernel.ledger.services import audit_record
from kernel.transitions import transition


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
        product = catalogue.version_review_open(version=version, actor=actor)
        carry_from = selectors.case_to_carry_over_from(product)
        pipeline = selectors.pipeline_for(product.origin_jurisdiction)
        if pipeline is None:
            raise InvalidTransition(_("No review pipeline is configured."))
        case = ReviewCase.objects.create(
            version=version, product=product, pipeline=pipeline, previous_case=carry_from
        )
        changed = changed_fields(carry_from.version, version) if carry_from else set()
        approved_before = selectors.approved_stages(carry_from) if carry_from else {}
        for spec in pipeline.stages.order_by("position"):
            stage = StageReview.objects.create(
                case=case,
                stage=spec.stage,
                position=spec.position,
                checks=list(spec.checks),
                sla_days=spec.sla_days,
            )
            earlier = approved_before.get(spec.stage)
            if earlier is not None and not (STAGE_FIELDS.get(spec.stage, set()) & changed):
                _carry_over(
                    stage, earlier, case=case, number=carry_from.version.number, actor=actor
                )
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
            subject=lambda: (
                _("“%(title)s” v%(n)s is in review") % {"title": product.title, "n": version.number}
            ),
            body=lambda: _("Legal, technical and compliance reviewers will look at it in turn."),
        )
        start_next_stage(case=case, actor=actor)
    return case


def _carry_over(
    stage: StageReview, earlier: StageReview, *, case: ReviewCase, number: int, actor
) -> None:
    """A stage the previous case approved, and that nothing it reviews has changed for, is
    approved again without a second review (the map allows it only from pending)."""
    transition(
        stage,
        machine=STAGE,
        to=ST.APPROVED,
        via="carry_over",
        actor=actor,
        organization=case.product.provider,
        changes={
            "carried_over": True,
            "decided_by": earlier.decided_by,
            "decided_at": timezone.now(),
            "comment": _("Approved for version %(n)s; nothing it reviews has changed.")
            % {"n": number},
        },
        after={"carried_over_from": earlier.pk},
        action="review.stage.carried_over",
    )


def start_next_stage(*, case: ReviewCase, actor: User | None) -> StageReview | None:
    """Starts the next pending stage (its checks are queued on commit), or closes the case
    approved when every stage is approved."""
    stage = case.stages.filter(status=ST.PENDING).order_by("position").first()
    if stage is None:
        if not case.stages.exclude(status=ST.APPROVED).exists():
            close_case(case=case, to=CS.APPROVED, actor=actor)
        return None
    now = timezone.now()
    due = add_working_days(now, stage.sla_days)
    stage = transition(
        stage,
        machine=STAGE,
        to=ST.CHECKING,
        via="start",
        actor=actor,
        organization=case.product.provider,
        changes={"started_at": now, "due_at": due},
        after={"due_at": due.isoformat()},
    )
    queue_stage_checks(stage)
    return stage


def close_case(*, case: ReviewCase, to: str, actor: User | None) -> None:
    """The case's outcome, carried to the version and the product, and told the provider."""
    case = transition(
        case,
        machine=CASE,
        to=to,
        via="close",
        actor=actor,
        organization=case.product.provider,
        changes={"closed_at": timezone.now()},
    )
    version = case.version
    catalogue.version_review_close(version=version, outcome=to, actor=actor)
    if to == CS.APPROVED:
        product = DataProduct.objects.get(pk=case.product_id)
        notify_provider(
            product=product,
            subject=lambda: (
                _("“%(title)s” v%(n)s is listed") % {"title": product.title, "n": version.number}
            ),
            body=lambda: _("All review stages approved it; buyers now see this version."),
        )
