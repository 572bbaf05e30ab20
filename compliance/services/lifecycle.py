"""The review workflow's state machines (``kernel.transitions``) and its working-day SLA."""

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from compliance.models import ReviewCase, StageReview
from kernel.transitions import StateMachine

ST = StageReview.Status
# Each move names the operation (service) that makes it.
STAGE_TRANSITIONS: dict[str, dict[str, str]] = {
    ST.PENDING: {ST.CHECKING: "start", ST.APPROVED: "carry_over"},
    ST.CHECKING: {ST.AWAITING_DECISION: "checks_done"},
    ST.AWAITING_DECISION: {
        ST.APPROVED: "decide",
        ST.CHANGES_REQUESTED: "decide",
        ST.REJECTED: "decide",
        ST.CHECKING: "rerun",
    },
    ST.APPROVED: {},
    ST.CHANGES_REQUESTED: {},
    ST.REJECTED: {},
}
STAGE_OPERATIONS: dict[str, set[str]] = {
    # The checks task works only on a stage that is waiting for its checks.
    "run_checks": {ST.CHECKING},
    # Reviewers claim or are assigned a stage until it is decided.
    "claim": {ST.PENDING, ST.CHECKING, ST.AWAITING_DECISION},
}
STAGE = StateMachine(
    model=StageReview,
    field="status",
    transitions=STAGE_TRANSITIONS,
    operations=STAGE_OPERATIONS,
    noun=gettext_lazy("stage"),
    action_prefix="review.stage",
)

CS = ReviewCase.Status
CASE_TRANSITIONS: dict[str, dict[str, str]] = {
    CS.OPEN: {CS.APPROVED: "close", CS.CHANGES_REQUESTED: "close", CS.REJECTED: "close"},
    CS.APPROVED: {},
    CS.CHANGES_REQUESTED: {},
    CS.REJECTED: {},
}
CASE = StateMachine(
    model=ReviewCase,
    field="status",
    transitions=CASE_TRANSITIONS,
    noun=gettext_lazy("review case"),
    action_prefix="review.case",
)

DECISIONS = (ST.APPROVED, ST.CHANGES_REQUESTED, ST.REJECTED)


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday to Friday; public holidays not known)."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
