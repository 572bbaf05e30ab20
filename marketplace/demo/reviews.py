"""Takes the new demo products through the review workflow, as ``data/reviews.toml`` says, to
the states the demo shows (each product's ``review`` in products.toml): most listed, others
waiting at each stage, one with a blocking finding, one overdue, one sent back for changes.

It works the same with tasks in-process and with a real broker and workers: each stage's
checks are run here before a reviewer decides it."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership, User
from compliance.models import StageReview
from compliance.services import cases, checking, decisions
from marketplace.demo.files import read_toml

LISTED = "listed"
CHANGES_REQUESTED = "changes_requested"
OVERDUE = "overdue_legal"


def review_outcomes(plan: dict | None = None) -> set[str]:
    """Every `review` value a product in products.toml may have."""
    plan = plan or read_toml("reviews")
    return {LISTED, CHANGES_REQUESTED, *plan["stop_before"]}


def seed_reviews(created) -> dict[str, int]:
    """`created`: (spec, product) pairs from the catalogue demo, still drafts."""
    plan = read_toml("reviews")
    outcomes = review_outcomes(plan)
    reviewers = {stage: User.objects.get(email=email) for stage, email in plan["reviewers"].items()}
    send_back = plan[CHANGES_REQUESTED]
    counts: dict[str, int] = {}
    for spec, product in created:
        review = spec["review"]
        if review not in outcomes:
            raise ValueError(f"{spec['slug']}: unknown review outcome {review!r}")
        owner = (
            Membership.objects.filter(organization=product.provider, role="admin")
            .order_by("created_at")
            .first()
            .user
        )
        case = cases.review_submit(version=product.versions.get(), actor=owner)
        stop = plan["stop_before"].get(review)
        for stage in case.stages.order_by("position"):
            # The demo does not wait for the workers: it runs the stage's checks here (a
            # no-op when they are done; a worker that gets them later finds them done).
            checking.stage_run_checks(stage_id=stage.pk)
            stage.refresh_from_db()
            if stage.stage == stop:
                break
            if review == CHANGES_REQUESTED and stage.stage == send_back["stage"]:
                decisions.stage_decide(
                    stage=stage,
                    actor=reviewers[stage.stage],
                    decision="changes_requested",
                    comment=send_back["comment"],
                )
                break
            blocking = stage.findings.filter(severity="blocking").count()
            decisions.stage_decide(
                stage=stage,
                actor=reviewers[stage.stage],
                decision="approved",
                override_note=plan["approve"]["override_note"] if blocking else "",
            )
        if review == OVERDUE:
            # The demo's clock: this case arrived some time ago and is past its SLA.
            arrived = timezone.now() - timedelta(days=plan[OVERDUE]["arrived_days_ago"])
            StageReview.objects.filter(case=case, stage=stop).update(
                due_at=timezone.now() - timedelta(days=plan[OVERDUE]["due_days_ago"]),
                started_at=arrived,
            )
            case.__class__.objects.filter(pk=case.pk).update(opened_at=arrived)
        counts[review] = counts.get(review, 0) + 1
    return counts
