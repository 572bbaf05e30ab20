"""The review workflow: submit → checks → legal → technical → compliance → listed."""

import pytest
from django.core import mail

from catalogue import services as catalogue
from catalogue.models import DataProduct
from compliance.models import CheckRun, Finding, Notification, StageReview
from compliance.services import cases, checking, decisions
from kernel.exceptions import Conflict, InvalidInput, PermissionDenied
from tests.factories import (
    OrganizationFactory,
    add_offer,
    csv_upload,
    draft_product,
    member_of,
    reviewer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewers():
    return {
        "legal": reviewer("legal_reviewer"),
        "technical": reviewer("technical_reviewer"),
        "compliance": reviewer("compliance_reviewer"),
    }


def submitted(org=None, **kwargs):
    org = org or OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner, **kwargs)
    add_offer(product, owner, territories=["MY", "SG"])
    case = cases.review_submit(version=product.versions.get(), actor=owner)
    return case, owner


def stage(case, name) -> StageReview:
    return case.stages.get(stage=name)


def test_submitting_opens_a_case_and_runs_the_first_stages_checks(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        case, owner = submitted()
    product = DataProduct.objects.get(pk=case.product_id)
    assert product.status == "in_review"
    assert case.version.state == "submitted"
    assert [s.stage for s in case.stages.order_by("position")] == [
        "legal",
        "technical",
        "compliance",
    ]
    legal = stage(case, "legal")
    assert legal.status == "awaiting_decision"  # checks ran eagerly on commit
    assert legal.due_at is not None and legal.check_attempts == 1
    assert set(CheckRun.objects.filter(stage=legal).values_list("check_id", flat=True)) == {
        "legal.declarations",
        "legal.contract_terms",
        "legal.mechanism_evidence",
    }
    assert stage(case, "technical").status == "pending"
    assert Notification.objects.filter(organization=product.provider).exists()


def test_the_whole_flow_lists_the_product(reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, owner = submitted()
    for name in ("legal", "technical", "compliance"):
        s = stage(case, name)
        assert s.status == "awaiting_decision", (name, s.status)
        assert not s.findings.filter(severity="blocking").exists(), list(
            s.findings.values_list("message", flat=True)
        )
        with django_capture_on_commit_callbacks(execute=True):
            decisions.stage_decide(stage=s, actor=reviewers[name], decision="approved")
    case.refresh_from_db()
    product = DataProduct.objects.get(pk=case.product_id)
    assert case.status == "approved"
    assert product.status == "listed" and product.listed_version_id == case.version_id
    assert product.listed_version.state == "approved"
    subjects = [m.subject for m in mail.outbox]
    assert any("is listed" in s for s in subjects)


def test_a_technical_reviewer_cannot_decide_a_legal_stage(
    reviewers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, owner = submitted()
    legal = stage(case, "legal")
    with pytest.raises(PermissionDenied):
        decisions.stage_decide(stage=legal, actor=reviewers["technical"], decision="approved")
    with pytest.raises(PermissionDenied):
        decisions.stage_decide(stage=legal, actor=owner, decision="approved")
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision"


def test_already_decided_is_a_clear_conflict(reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _owner = submitted()
    legal = stage(case, "legal")
    other = reviewer("legal_reviewer")
    decisions.stage_decide(stage=legal, actor=reviewers["legal"], decision="approved")
    with pytest.raises(Conflict, match="Already decided"):
        decisions.stage_decide(stage=legal, actor=other, decision="rejected", comment="no")


def test_comment_required_to_request_changes_or_reject(
    reviewers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, _owner = submitted()
    legal = stage(case, "legal")
    for decision in ("changes_requested", "rejected"):
        with pytest.raises(InvalidInput):
            decisions.stage_decide(
                stage=legal, actor=reviewers["legal"], decision=decision, comment=" "
            )
    with pytest.raises(InvalidInput):
        decisions.stage_decide(stage=legal, actor=reviewers["legal"], decision="maybe")


def _sample_with_pii():
    return (
        b"mall_id,district,hour,visitors,dwell_minutes\n"
        b"M1,ali@example.com,3,40,2.5\n" + b"M2,KL,4,41,2.5\n" * 5
    )


def test_personal_data_in_a_non_personal_product_blocks_until_overridden(
    reviewers, django_capture_on_commit_callbacks
):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    version = product.versions.get()
    catalogue.version_upload_sample(
        version=version, actor=owner, upload=csv_upload(_sample_with_pii())
    )
    add_offer(product, owner, territories=["MY"])
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.review_submit(version=version, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=stage(case, "legal"), actor=reviewers["legal"], decision="approved"
        )
    technical = stage(case, "technical")
    blocking = technical.findings.filter(severity="blocking")
    assert blocking.filter(code="pii.cell", evidence__kind="email", evidence__row=1).exists()
    cell = blocking.get(code="pii.cell")
    assert cell.evidence["masked"] == "a***@example.com" and "ali@" not in cell.message
    with pytest.raises(InvalidInput, match="override"):
        decisions.stage_decide(stage=technical, actor=reviewers["technical"], decision="approved")
    decisions.stage_decide(
        stage=technical,
        actor=reviewers["technical"],
        decision="approved",
        override_note="The e-mail is the mall's public contact address.",
    )
    technical.refresh_from_db()
    assert technical.status == "approved" and "public contact" in technical.override_note
    from kernel.ledger.models import AuditEvent

    event = AuditEvent.objects.filter(
        action="review.stage.approved", object_id=str(technical.pk)
    ).get()
    assert event.after["override_of_blocking"]["note"].startswith("The e-mail")


def test_changes_requested_then_resubmission_reruns_only_what_changed(
    reviewers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, owner = submitted()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=stage(case, "legal"), actor=reviewers["legal"], decision="approved"
        )
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=stage(case, "technical"),
            actor=reviewers["technical"],
            decision="changes_requested",
            comment="Raise k to 20.",
        )
    case.refresh_from_db()
    product = DataProduct.objects.get(pk=case.product_id)
    assert case.status == "changes_requested" and product.status == "changes_requested"
    assert case.version.state == "changes_requested"
    assert any("Raise k to 20" in n.body for n in Notification.objects.filter(product=product))

    new = catalogue.version_create_next(product=product, actor=owner)
    catalogue.version_update(version=new, actor=owner, min_group_size=20, change_note="k=20")
    with django_capture_on_commit_callbacks(execute=True):
        case2 = cases.review_submit(version=new, actor=owner)
    assert case2.previous_case == case
    legal2, technical2 = stage(case2, "legal"), stage(case2, "technical")
    assert legal2.status == "approved" and legal2.carried_over  # nothing legal changed
    assert technical2.status == "awaiting_decision"  # the stage that asked reruns
    assert stage(case2, "compliance").status == "pending"


def test_a_change_that_touches_another_stage_reruns_it(
    reviewers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, owner = submitted()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=stage(case, "legal"), actor=reviewers["legal"], decision="approved"
        )
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=stage(case, "technical"),
            actor=reviewers["technical"],
            decision="changes_requested",
            comment="Fix the lawful basis too.",
        )
    product = DataProduct.objects.get(pk=case.product_id)
    new = catalogue.version_create_next(product=product, actor=owner)
    catalogue.version_update(version=new, actor=owner, lawful_basis="Sensor counts we own.")
    with django_capture_on_commit_callbacks(execute=True):
        case2 = cases.review_submit(version=new, actor=owner)
    legal2 = stage(case2, "legal")
    assert not legal2.carried_over and legal2.status == "awaiting_decision"


def test_rejection_closes_the_case(reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _owner = submitted()
    decisions.stage_decide(
        stage=stage(case, "legal"),
        actor=reviewers["legal"],
        decision="rejected",
        comment="No rights to this data.",
    )
    case.refresh_from_db()
    assert case.status == "rejected"
    assert DataProduct.objects.get(pk=case.product_id).status == "rejected"
    assert stage(case, "technical").status == "pending"


def test_a_listed_product_stays_live_while_its_new_version_is_reviewed(
    reviewers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, owner = submitted()
    for name in ("legal", "technical", "compliance"):
        with django_capture_on_commit_callbacks(execute=True):
            decisions.stage_decide(
                stage=stage(case, name), actor=reviewers[name], decision="approved"
            )
    product = DataProduct.objects.get(pk=case.product_id)
    v1 = product.listed_version
    v2 = catalogue.version_create_next(product=product, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        case2 = cases.review_submit(version=v2, actor=owner)
    decisions.stage_decide(
        stage=stage(case2, "legal"),
        actor=reviewers["legal"],
        decision="rejected",
        comment="Not this one.",
    )
    product.refresh_from_db()
    assert product.status == "listed" and product.listed_version == v1


def test_rerunning_checks_replaces_findings_and_is_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _owner = submitted()
    legal = stage(case, "legal")
    first = set(Finding.objects.filter(stage=legal).values_list("code", flat=True))
    # A second delivery of the same task finds the stage already checked.
    assert checking.stage_run_checks(stage_id=legal.pk) == "skipped"
    admin = reviewer("legal_reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        checking.stage_rerun_checks(stage=legal, actor=admin)
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision" and legal.check_attempts == 2
    assert CheckRun.objects.filter(stage=legal).count() == 3
    assert set(Finding.objects.filter(stage=legal).values_list("code", flat=True)) == first


def test_claim_and_assign(reviewers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _owner = submitted()
    legal = stage(case, "legal")
    decisions.stage_claim(stage=legal, user=reviewers["legal"])
    with pytest.raises(Conflict, match="claimed"):
        decisions.stage_claim(stage=legal, user=reviewer("legal_reviewer"))
    with pytest.raises(PermissionDenied):
        decisions.stage_assign(stage=legal, assignee=reviewers["legal"], actor=reviewers["legal"])
    admin = reviewer("exchange_admin")
    with pytest.raises(PermissionDenied):  # a technical reviewer cannot take a legal stage
        decisions.stage_assign(stage=legal, assignee=reviewers["technical"], actor=admin)
    other = reviewer("legal_reviewer")
    decisions.stage_assign(stage=legal, assignee=other, actor=admin)
    legal.refresh_from_db()
    assert legal.assignee == other


def test_the_rules_engine_decides_the_compliance_stage(
    reviewers, django_capture_on_commit_callbacks
):
    """Malaysian personal data to Singapore needs a TIA or s.129 evidence (legal blocks)."""
    from compliance.rules.models import TransferAssessment

    # The provider has stated its whole processing (Malaysia's DPO duty is judged on it).
    org = OrganizationFactory(
        jurisdiction="MY",
        dpo_name="",
        dpo_email="",
        processed_subjects=60_000,
        processed_sensitive_subjects=0,
        systematic_monitoring=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        case, _owner = submitted(
            org,
            data_categories=["personal"],
            data_subject_count=50_000,
            consent_evidence="Signed consent forms.",
        )
    legal = stage(case, "legal")
    missing = legal.findings.get(code="evidence.missing")
    assert missing.severity == "blocking" and missing.evidence["territory"] == "SG"
    assert "my_transfer_impact_assessment" in missing.message
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=legal,
            actor=reviewers["legal"],
            decision="approved",
            override_note="TIA on file with the exchange, ref TIA-2026-07.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        decisions.stage_decide(
            stage=stage(case, "technical"), actor=reviewers["technical"], decision="approved"
        )
    compliance_stage = stage(case, "compliance")
    codes = set(compliance_stage.findings.values_list("code", flat=True))
    assert "transfer.mechanism" in codes and "transfer.allowed" in codes  # SG and MY (domestic)
    assert compliance_stage.findings.get(code="dpo.missing").severity == "blocking"
    recorded = TransferAssessment.objects.filter(subject_id=str(case.version_id), context="review")
    assert {a.facts["destination"]: a.decision for a in recorded} == {
        "MY": "allow",
        "SG": "allow_with_mechanism",
    }
