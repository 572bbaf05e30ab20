"""Every move of the review stage and review case machines, made (or refused) by the real
review services on real cases.

The expected outcomes are written out by hand from the review workflow the exchange runs
(submit → legal → technical → compliance; docs/architecture.md, "State machines"), never
read from the maps under test. Each test opens a real case (``review_submit``), puts a stage
or the case in a source state, calls the service a reviewer's or the worker's action goes
through, and checks the status in the database and the moves in the audit trail.
``tools/transition_mutants.py`` checks that these tests fail when the maps change.
"""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from catalogue import services as catalogue
from catalogue.models import DataProduct
from compliance.models import CheckRun, ReviewCase, StageReview
from compliance.services import cases, checking, decisions, lifecycle
from kernel.exceptions import Conflict, InvalidTransition
from tests.factories import (
    OrganizationFactory,
    add_offer,
    draft_product,
    ledger_mark,
    member_of,
    recorded_moves,
    reviewer,
    set_fields,
)

pytestmark = pytest.mark.django_db

STAGE_STATES = [
    "pending",
    "checking",
    "awaiting_decision",
    "approved",
    "changes_requested",
    "rejected",
]
DECIDED = {"approved", "changes_requested", "rejected"}
CASE_STATES = ["open", "approved", "changes_requested", "rejected"]


# --- the literal maps ---------------------------------------------------------------------


def test_pins_stage_map():
    assert lifecycle.STAGE_TRANSITIONS == {
        "pending": {"checking": "start", "approved": "carry_over"},
        "checking": {"awaiting_decision": "checks_done"},
        "awaiting_decision": {
            "approved": "decide",
            "changes_requested": "decide",
            "rejected": "decide",
            "checking": "rerun",
        },
        "approved": {},
        "changes_requested": {},
        "rejected": {},
    }


def test_pins_stage_operations():
    assert {op: set(states) for op, states in lifecycle.STAGE_OPERATIONS.items()} == {
        "run_checks": {"checking"},
        "claim": {"pending", "checking", "awaiting_decision"},
    }


def test_pins_case_map():
    assert lifecycle.CASE_TRANSITIONS == {
        "open": {
            "approved": "close",
            "changes_requested": "close",
            "rejected": "close",
        },
        "approved": {},
        "changes_requested": {},
        "rejected": {},
    }
    assert dict(lifecycle.CASE.operations) == {}


# --- arranging cases ----------------------------------------------------------------------


def open_case() -> ReviewCase:
    """A submitted version's case: legal checking (its checks not run yet), technical and
    compliance pending; the version is submitted and the product in review."""
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner, territories=["MY", "SG"])
    case = cases.review_submit(version=product.versions.get(), actor=owner)
    assert case.stages.get(stage="legal").status == "checking"
    return case


def legal_stage_in(status: str) -> StageReview:
    stage = open_case().stages.get(stage="legal")
    decided = {"decided_at": timezone.now()} if status in DECIDED else {}
    return set_fields(stage, status=status, **decided)


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


@pytest.fixture
def legal_reviewer():
    return reviewer("legal_reviewer")


# --- stage: start -------------------------------------------------------------------------


def test_start_next_stage_starts_the_next_pending_stage():
    case = open_case()
    set_fields(case.stages.get(stage="legal"), status="approved", decided_at=timezone.now())
    technical = case.stages.get(stage="technical")
    mark = ledger_mark()
    started = cases.start_next_stage(case=case, actor=None)
    assert started.pk == technical.pk
    assert status_of(technical) == "checking" and technical.due_at is not None
    assert recorded_moves(technical, since=mark) == [
        ("review.stage.checking", "pending", "checking")
    ]


@contextmanager
def moved_meanwhile(stage: StageReview, status: str):
    """Another process moves ``stage`` to ``status`` (and commits) after a service read it and
    before the service's transaction locks its row: the lock re-reads the state for this.

    The write is made just before the service opens that transaction (its first savepoint),
    so that rolling the service's transaction back does not undo it."""
    table = StageReview._meta.db_table
    seen = []

    def wrapper(execute, sql, params, many, context):
        if not seen and sql.startswith("SAVEPOINT"):
            seen.append("moved")
            StageReview.objects.filter(pk=stage.pk).update(status=status)
        elif (
            seen == ["moved"]
            and sql.startswith(f'SELECT "{table}"."status"')
            and tuple(params or ()) == (stage.pk,)
        ):
            seen.append("locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


@pytest.mark.parametrize(
    "source", ["awaiting_decision", "approved", "changes_requested", "rejected"]
)
def test_start_next_stage_refuses_a_stage_that_moved_on_meanwhile(source):
    # start_next_stage only picks pending stages; a stage that leaves pending between that
    # read and the lock (another reviewer, a worker) must not be started.
    case = open_case()
    set_fields(case.stages.get(stage="legal"), status="approved", decided_at=timezone.now())
    technical = case.stages.get(stage="technical")
    mark = ledger_mark()
    with pytest.raises(InvalidTransition), moved_meanwhile(technical, source) as seen:
        cases.start_next_stage(case=case, actor=None)
    assert seen == ["moved", "locked"]  # moved after start_next_stage read it, then locked
    assert status_of(technical) == source
    assert recorded_moves(technical, since=mark) == []


# --- stage: carry over --------------------------------------------------------------------


def test_a_resubmission_carries_over_an_approved_stage_nothing_changed_for(legal_reviewer):
    case = open_case()
    owner = case.product.provider.memberships.first().user
    legal = set_fields(case.stages.get(stage="legal"), status="awaiting_decision")
    decisions.stage_decide(stage=legal, actor=legal_reviewer, decision="approved")
    technical = set_fields(case.stages.get(stage="technical"), status="awaiting_decision")
    decisions.stage_decide(
        stage=technical,
        actor=reviewer("technical_reviewer"),
        decision="changes_requested",
        comment="Raise k to 20.",
    )
    product = DataProduct.objects.get(pk=case.product_id)
    assert product.status == "changes_requested"
    new = catalogue.version_create_next(product=product, actor=owner)
    catalogue.version_update(version=new, actor=owner, min_group_size=20)
    mark = ledger_mark()
    case2 = cases.review_submit(version=new, actor=owner)
    legal2 = case2.stages.get(stage="legal")
    assert legal2.status == "approved" and legal2.carried_over
    assert recorded_moves(legal2, since=mark) == [
        ("review.stage.carried_over", "pending", "approved")
    ]


@pytest.mark.parametrize(
    "source", ["checking", "awaiting_decision", "changes_requested", "rejected"]
)
def test_carry_over_refuses_a_stage_that_is_not_pending(source):
    # review_submit carries over only into the stages it has just created (pending); the
    # private _carry_over it uses is the only way to attempt a carry-over from another state.
    stage = legal_stage_in(source)
    earlier = stage.case.stages.get(stage="compliance")
    mark = ledger_mark()
    with pytest.raises(InvalidTransition):
        cases._carry_over(stage, earlier, case=stage.case, number=1, actor=None)
    assert status_of(stage) == source and not stage.carried_over
    assert recorded_moves(stage, since=mark) == []


# --- stage: checks done -------------------------------------------------------------------


@pytest.mark.parametrize("source", [s for s in STAGE_STATES if s != "awaiting_decision"])
def test_run_checks_moves_only_a_checking_stage_to_awaiting_decision(source):
    stage = legal_stage_in(source)
    mark = ledger_mark()
    outcome = checking.stage_run_checks(stage_id=stage.pk)
    if source == "checking":
        assert outcome == "done"
        assert status_of(stage) == "awaiting_decision"
        assert recorded_moves(stage, since=mark) == [
            ("review.stage.checked", "checking", "awaiting_decision")
        ]
    else:
        assert outcome == "skipped"
        assert status_of(stage) == source
        assert recorded_moves(stage, since=mark) == []


# --- stage: decide ------------------------------------------------------------------------

# A reviewer's decision, by the stage's state: made, refused (not waiting for a decision),
# or a conflict (someone already decided it).
DECIDE = {
    "awaiting_decision": "decides",
    "pending": "refused",
    "checking": "refused",
    "approved": "conflict",
    "changes_requested": "conflict",
    "rejected": "conflict",
}


@pytest.mark.parametrize(
    ("decision", "source"),
    [(d, s) for d in ("approved", "changes_requested", "rejected") for s in DECIDE if s != d],
)
def test_stage_decide_decides_only_a_stage_awaiting_a_decision(decision, source, legal_reviewer):
    stage = legal_stage_in(source)
    case = stage.case
    mark = ledger_mark()

    def decide():
        comment = "" if decision == "approved" else "The lawful basis is not stated."
        decisions.stage_decide(
            stage=stage, actor=legal_reviewer, decision=decision, comment=comment
        )

    if DECIDE[source] == "decides":
        decide()
        assert status_of(stage) == decision
        assert recorded_moves(stage, since=mark) == [
            (f"review.stage.{decision}", "awaiting_decision", decision)
        ]
        if decision == "approved":
            assert status_of(case) == "open"
            assert status_of(case.stages.get(stage="technical")) == "checking"
        else:  # the case closes with the decision, and the product goes back or out
            assert status_of(case) == decision
            assert recorded_moves(case, since=mark) == [
                (f"review.case.{decision}", "open", decision)
            ]
            assert status_of(DataProduct.objects.get(pk=case.product_id)) == decision
        return
    with pytest.raises(Conflict if DECIDE[source] == "conflict" else InvalidTransition) as caught:
        decide()
    assert type(caught.value) is (Conflict if DECIDE[source] == "conflict" else InvalidTransition)
    if DECIDE[source] == "conflict":
        assert "Already decided:" in caught.value.message
    assert status_of(stage) == source
    assert recorded_moves(stage, since=mark) == []
    assert status_of(case) == "open"


# --- stage: rerun -------------------------------------------------------------------------


@pytest.mark.parametrize("source", [s for s in STAGE_STATES if s != "checking"])
def test_rerun_checks_sends_only_a_waiting_stage_back_to_checking(source, legal_reviewer):
    stage = legal_stage_in(source)
    mark = ledger_mark()
    if source == "awaiting_decision":
        checking.stage_rerun_checks(stage=stage, actor=legal_reviewer)
        assert status_of(stage) == "checking"
        assert recorded_moves(stage, since=mark) == [
            ("review.stage.rechecking", "awaiting_decision", "checking")
        ]
    else:
        with pytest.raises(InvalidTransition):
            checking.stage_rerun_checks(stage=stage, actor=legal_reviewer)
        assert status_of(stage) == source
        assert recorded_moves(stage, since=mark) == []


# --- stage operations that keep the state -------------------------------------------------


@pytest.mark.parametrize("status", STAGE_STATES)
def test_run_checks_operation_stage_run_checks(status):
    stage = legal_stage_in(status)
    attempt = stage.check_attempts  # queued when the stage started
    outcome = checking.stage_run_checks(stage_id=stage.pk)
    stage.refresh_from_db()
    if status == "checking":
        assert outcome == "done"
        assert CheckRun.objects.filter(stage=stage, attempt=attempt).count() == 3  # legal's
    else:
        assert outcome == "skipped"
        assert not CheckRun.objects.filter(stage=stage).exists()
        assert stage.status == status
    assert stage.check_attempts == attempt


@pytest.mark.parametrize("status", STAGE_STATES)
def test_run_checks_operation_stage_check_failed(status):
    # A check task that gave up is recorded as a check that could not run, only while the
    # stage still waits for its checks.
    stage = legal_stage_in(status)
    outcome = checking.stage_check_failed(
        stage_id=stage.pk,
        check_id="legal.declarations",
        attempt=stage.check_attempts,
        error="the worker died",
    )
    runs = CheckRun.objects.filter(stage=stage)
    if status == "checking":
        assert outcome == "recorded"  # one of the legal stage's three checks
        assert [(r.check_id, r.outcome) for r in runs] == [("legal.declarations", "error")]
    else:
        assert outcome == "superseded"
        assert not runs.exists()
    assert status_of(stage) == status


CLAIMABLE = {"pending", "checking", "awaiting_decision"}


@pytest.mark.parametrize("status", STAGE_STATES)
def test_claim_operation_stage_claim(status, legal_reviewer):
    stage = legal_stage_in(status)
    if status in CLAIMABLE:
        decisions.stage_claim(stage=stage, user=legal_reviewer)
    else:
        with pytest.raises(InvalidTransition):
            decisions.stage_claim(stage=stage, user=legal_reviewer)
    stage.refresh_from_db()
    assert stage.assignee == (legal_reviewer if status in CLAIMABLE else None)
    assert stage.status == status


@pytest.mark.parametrize("status", STAGE_STATES)
def test_claim_operation_stage_assign(status, legal_reviewer):
    stage = legal_stage_in(status)
    admin = reviewer("exchange_admin")
    if status in CLAIMABLE:
        decisions.stage_assign(stage=stage, assignee=legal_reviewer, actor=admin)
    else:
        with pytest.raises(InvalidTransition):
            decisions.stage_assign(stage=stage, assignee=legal_reviewer, actor=admin)
    stage.refresh_from_db()
    assert stage.assignee == (legal_reviewer if status in CLAIMABLE else None)
    assert stage.status == status


# --- case: close --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "source"),
    [(t, s) for t in ("approved", "changes_requested", "rejected") for s in CASE_STATES if s != t],
)
def test_close_case_closes_only_an_open_case(to, source):
    # The version stays submitted and the product in review whatever the case's state, so a
    # close that went through could run to its end.
    case = set_fields(open_case(), status=source)
    product = DataProduct.objects.get(pk=case.product_id)
    mark = ledger_mark()
    if source == "open":
        cases.close_case(case=case, to=to, actor=None)
        assert status_of(case) == to and case.closed_at is not None
        assert recorded_moves(case, since=mark) == [(f"review.case.{to}", "open", to)]
        assert case.version.state == to
        assert status_of(product) == ("listed" if to == "approved" else to)
    else:
        with pytest.raises(InvalidTransition):
            cases.close_case(case=case, to=to, actor=None)
        assert status_of(case) == source
        assert recorded_moves(case, since=mark) == []
        assert status_of(product) == "in_review"
