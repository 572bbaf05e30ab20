"""The legal and compliance checks on plain data: contract terms the CAC template accepts,
evidence validity (security assessment extensions, certificates), Malaysia's DPO duty."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.checks import legal, transfer
from compliance.checks.context import (
    CheckContext,
    EvidenceFacts,
    OfferFacts,
    TerritoryAssessment,
)

TODAY = date(2026, 12, 2)
GOOD_TERMS = {
    "offer": "Standard",
    "purposes": ["market-research"],
    "territories": ["MY", "SG"],
    "term_months": 12,
    "governing_law": "SG",
    "dispute_forum": "SIAC",
    "audit_rights": "Audit on 30 days' notice.",
    "breach_notice_hours": 24,
    "onward_transfer_allowed": False,
    "onward_transfer_territories": [],
    "onward_transfer_conditions": [],
    "standard_contract_prevails": False,
    "end_of_term": "delete",
}


def offer(**terms) -> OfferFacts:
    return OfferFacts(name=terms.pop("name", "Standard"), terms={**GOOD_TERMS, **terms})


def needs_contract(territory="MY", mechanisms=("cn_standard_contract", "cn_certification")):
    return TerritoryAssessment(
        territory=territory,
        decision="allow_with_mechanism",
        mechanisms_any_of=list(mechanisms),
        obligations=[],
        explanation="Art. 8.",
    )


def ctx(**kwargs) -> CheckContext:
    defaults = {
        "product_title": "Shenzhen port volumes",
        "origin": "CN",
        "provider_name": "Shenzhen Data Co.",
        "provider_has_dpo": False,
        "version": {"data_categories": ["personal"], "data_subject_count": 150_000},
        "offers": [offer()],
        "today": TODAY,
    }
    defaults.update(kwargs)
    return CheckContext(**defaults)


def by_code(findings) -> dict:
    return {f.code: f for f in findings}


# --- contract terms -------------------------------------------------------------------------


def test_complete_terms_pass():
    assert [f.code for f in legal.contract_terms(ctx())] == ["terms.ok"]


@pytest.mark.parametrize(
    ("terms", "words"),
    [
        ({"purposes": []}, "no permitted purpose"),
        ({"term_months": None}, "no end to the licence"),
        ({"breach_notice_hours": 25}, "breach notice must be 1–24 hours"),
        ({"breach_notice_hours": 48}, "breach notice must be 1–24 hours"),
        ({"onward_transfer_allowed": True}, "without naming where recipients may be"),
        ({"audit_rights": " "}, "no audit and inspection rights"),
        ({"end_of_term": "keep"}, "no deletion or return"),
    ],
)
def test_legal_review_refuses_incomplete_terms(terms, words):
    findings = by_code(legal.contract_terms(ctx(offers=[offer(**terms)])))
    assert findings["terms.incomplete"].severity == "blocking"
    assert words in findings["terms.incomplete"].message


def test_a_24_hour_breach_notice_and_named_onward_territories_pass():
    terms = {"breach_notice_hours": 24, "onward_transfer_allowed": True}
    terms["onward_transfer_territories"] = ["SG"]
    assert [f.code for f in legal.contract_terms(ctx(offers=[offer(**terms)]))] == ["terms.ok"]


def test_a_standard_contract_transfer_under_foreign_law_is_blocked():
    findings = by_code(legal.contract_terms(ctx(assessments=[needs_contract("MY")])))
    conflict = findings["terms.scc_conflict"]
    assert conflict.severity == "blocking"
    assert "SG law" in conflict.message and "MY" in conflict.message
    assert conflict.evidence["territories"] == ["MY"]


@pytest.mark.parametrize("terms", [{"governing_law": "CN"}, {"standard_contract_prevails": True}])
def test_prc_law_or_a_prevailing_separate_contract_is_accepted(terms):
    findings = legal.contract_terms(ctx(offers=[offer(**terms)], assessments=[needs_contract()]))
    assert [f.code for f in findings] == ["terms.ok"]


def test_a_transfer_resting_on_certification_does_not_need_prc_law():
    certificate = EvidenceFacts(
        kind="cn_certification",
        title="PI certificate",
        issued_on=date(2026, 1, 10),
        expires_on=date(2028, 1, 9),
    )
    findings = legal.contract_terms(ctx(assessments=[needs_contract()], evidence=[certificate]))
    assert [f.code for f in findings] == ["terms.ok"]


def test_an_expired_certificate_leaves_the_transfer_on_the_standard_contract():
    certificate = EvidenceFacts(
        kind="cn_certification",
        title="PI certificate",
        issued_on=date(2022, 1, 10),
        expires_on=date(2025, 1, 9),
    )
    findings = by_code(
        legal.contract_terms(ctx(assessments=[needs_contract()], evidence=[certificate]))
    )
    assert findings["terms.scc_conflict"].severity == "blocking"


def test_a_territory_the_offer_does_not_cover_does_not_bind_it():
    findings = legal.contract_terms(ctx(assessments=[needs_contract("HK")]))
    assert [f.code for f in findings] == ["terms.ok"]


# --- evidence validity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "issued", "expires", "valid"),
    [
        # A security assessment: three years from issue without an expiry date.
        ("cn_security_assessment", date(2023, 12, 2), None, True),
        ("cn_security_assessment", date(2023, 12, 1), None, False),
        # Extended once by three years (Art. 9): valid until its later expiry date.
        ("cn_security_assessment", date(2022, 6, 1), date(2028, 5, 31), True),
        ("cn_security_assessment", date(2022, 6, 1), date(2028, 6, 1), True),
        # Beyond three years plus one extension: not a real approval.
        ("cn_security_assessment", date(2022, 6, 1), date(2028, 6, 2), False),
        ("cn_security_assessment", date(2022, 6, 1), date(2026, 12, 1), False),  # expired
        # A certificate (Certification Measures): three years, with or without an expiry.
        ("cn_certification", date(2023, 12, 2), None, True),
        ("cn_certification", date(2023, 12, 1), None, False),
        ("cn_certification", date(2025, 1, 1), date(2028, 1, 1), True),
        ("cn_certification", date(2025, 1, 1), date(2028, 1, 2), False),
        ("cn_certification", None, date(2027, 1, 1), False),
        # Malaysia's transfer impact assessment: three years from issue.
        ("my_transfer_impact_assessment", date(2023, 12, 2), None, True),
        ("my_transfer_impact_assessment", date(2023, 12, 1), date(2027, 1, 1), False),
        # A standard-contract filing has no validity of its own.
        ("cn_standard_contract", date(2019, 1, 1), None, True),
        ("cn_standard_contract", date(2026, 12, 3), None, False),  # issued in the future
    ],
)
def test_evidence_validity(kind, issued, expires, valid):
    problem = legal.evidence_valid(kind, issued, expires, TODAY)
    assert (problem is None) is valid, problem


def test_an_old_but_extended_approval_is_not_called_older_than_three_years():
    problem = legal.evidence_valid(
        "cn_security_assessment", date(2021, 12, 2), date(2027, 12, 1), TODAY
    )
    assert problem is None


def test_the_checks_ceiling_is_the_catalogues():
    from catalogue.models import MAX_BREACH_NOTICE_HOURS

    assert legal.MAX_BREACH_NOTICE_HOURS == MAX_BREACH_NOTICE_HOURS == 24


# --- Malaysia's DPO duty --------------------------------------------------------------------


def my(**kwargs):
    version = {"data_categories": ["personal"], "data_subject_count": kwargs.pop("count", 500)}
    if kwargs.pop("sensitive", False):
        version["data_categories"] = ["personal", "sensitive_personal"]
    return ctx(origin="MY", version=version, **kwargs)


ANSWERED = {
    "provider_processed_subjects": 5_000,
    "provider_processed_sensitive_subjects": 0,
    "provider_systematic_monitoring": False,
}


@pytest.mark.parametrize(
    ("figures", "code"),
    [
        (ANSWERED, "dpo.below_threshold"),
        ({**ANSWERED, "provider_processed_subjects": 20_001}, "dpo.missing"),
        ({**ANSWERED, "provider_processed_subjects": 20_000}, "dpo.below_threshold"),
        (
            {
                **ANSWERED,
                "provider_processed_subjects": 12_000,
                "provider_processed_sensitive_subjects": 10_001,
            },
            "dpo.missing",
        ),
        ({**ANSWERED, "provider_systematic_monitoring": True}, "dpo.missing"),
        ({**ANSWERED, "provider_systematic_monitoring": None}, "dpo.facts_missing"),
        ({}, "dpo.facts_missing"),
    ],
)
def test_the_dpo_duty_is_judged_on_the_providers_processing(figures, code):
    [finding] = transfer.dpo_present(my(**figures))
    assert finding.code == code
    assert finding.severity == ("info" if code == "dpo.below_threshold" else "blocking")


def test_financial_information_counts_with_sensitive_data():
    [finding] = transfer.dpo_present(
        my(
            **{
                **ANSWERED,
                "provider_processed_subjects": 15_000,
                "provider_processed_sensitive_subjects": 12_000,
            }
        )
    )
    assert finding.code == "dpo.missing"
    assert "financial information" in finding.message


def test_the_product_is_a_floor_for_the_providers_figures():
    # The provider says 5,000, but this product alone has 25,000 data subjects.
    [finding] = transfer.dpo_present(my(count=25_000, **ANSWERED))
    assert finding.code == "dpo.missing"
    assert "25,000" in finding.message


def test_a_known_trigger_decides_even_with_unanswered_figures():
    [finding] = transfer.dpo_present(my(count=25_000))
    assert finding.code == "dpo.missing"


def test_with_a_dpo_on_record_the_duty_is_met():
    [finding] = transfer.dpo_present(
        my(provider_has_dpo=True, **{**ANSWERED, "provider_systematic_monitoring": True})
    )
    assert finding.code == "dpo.ok"


def test_the_dpo_check_is_for_malaysian_personal_data_only():
    assert transfer.dpo_present(ctx())[0].code == "dpo.not_applicable"
    non_personal = ctx(
        origin="MY", version={"data_categories": ["non_personal"], "data_subject_count": 0}
    )
    assert transfer.dpo_present(non_personal)[0].code == "dpo.not_applicable"


def test_the_export_volume_message_keeps_the_counts_apart():
    [finding] = transfer.export_volume(ctx(subjects_ytd=120_000, sensitive_subjects_ytd=30))
    assert "120,000 individuals (other than sensitive)" in finding.message
    assert "of 30 individuals" in finding.message
