"""Takes the demo products through the review workflow, to the states the demo shows:
most listed, others waiting at each stage, one with a blocking finding, one overdue, one
sent back for changes."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership, User
from compliance.models import StageReview
from compliance.services import cases, decisions

REVIEWERS = {
    "legal": "legal@exchange.example",
    "technical": "technical@exchange.example",
    "compliance": "compliance@exchange.example",
}
STOP_BEFORE = {
    "awaiting_legal": "legal",
    "overdue_legal": "legal",
    "awaiting_technical": "technical",
    "awaiting_compliance": "compliance",
}


def seed_reviews(created) -> dict[str, int]:
    """`created`: (spec, product) pairs from the catalogue demo, still drafts."""
    reviewers = {stage: User.objects.get(email=email) for stage, email in REVIEWERS.items()}
    counts: dict[str, int] = {}
    for spec, product in created:
        owner = (
            Membership.objects.filter(organization=product.provider, role="admin")
            .order_by("created_at")
            .first()
            .user
        )
        case = cases.review_submit(version=product.versions.get(), actor=owner)
        stop = STOP_BEFORE.get(spec.review)
        for stage in case.stages.order_by("position"):
            stage.refresh_from_db()
            if stage.stage == stop:
                break
            if spec.review == "changes_requested" and stage.stage == "technical":
                decisions.stage_decide(
                    stage=stage,
                    actor=reviewers["technical"],
                    decision="changes_requested",
                    comment="The sample has 25 rows; the exchange asks for at least 50 so buyers "
                    "can judge the data. Please upload a larger sample.",
                )
                break
            blocking = stage.findings.filter(severity="blocking").count()
            decisions.stage_decide(
                stage=stage,
                actor=reviewers[stage.stage],
                decision="approved",
                override_note="Demo data: accepted by the reviewer." if blocking else "",
            )
        if spec.review == "overdue_legal":
            # The demo's clock: this case arrived two weeks ago and is past its SLA.
            StageReview.objects.filter(case=case, stage="legal").update(
                due_at=timezone.now() - timedelta(days=4),
                started_at=timezone.now() - timedelta(days=14),
            )
            case.__class__.objects.filter(pk=case.pk).update(
                opened_at=timezone.now() - timedelta(days=14)
            )
        counts[spec.review] = counts.get(spec.review, 0) + 1
    return counts
