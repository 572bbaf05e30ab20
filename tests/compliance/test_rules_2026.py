"""The 2026 rule-set versions (CN 2026.1, MY 2026.1, SG 2026.1) against the pure engine, at
their boundaries and effective dates: the day before a version takes effect gives the old
answer.

The rule sets are the frozen data of the two rule-set migrations, with the dates the second
one leaves the replaced versions at (written out here, from docs/domain.md).
"""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from compliance.rules.engine import assess, combine_mechanisms, normalise_facts

SEED = importlib.import_module("compliance.rules.migrations.0002_seed_rule_sets")
NEW = importlib.import_module("compliance.rules.migrations.0003_rule_sets_2026")
CLOSED = {
    ("CN", "2024.1"): "2026-12-02",
    ("MY", "2025.2"): "2026-12-02",
    ("SG", "2021.1"): "2026-03-02",
}

CN_DAY = date(2026, 12, 2)  # CN 2026.1 and MY 2026.1 take effect
CN_EVE = date(2026, 12, 1)
SG_DAY = date(2026, 3, 2)  # SG 2026.1 takes effect (S 86/2026)
SG_EVE = date(2026, 3, 1)

SA = ["cn_security_assessment"]
SC_OR_CERT = ["cn_standard_contract", "cn_certification"]
SC_CERT_OR_GBA = ["cn_standard_contract", "cn_certification", "cn_gba_standard_contract"]
PIPL_DUTIES = ["cn_export_notice", "cn_separate_consent", "cn_pi_impact_assessment"]
OLD_PIPL_DUTIES = ["cn_separate_consent", "cn_pi_impact_assessment"]
MY_MECHANISMS = ["my_transfer_impact_assessment", "my_s129_exception"]
SG_NEW = ["sg_enforceable_obligations", "sg_specified_certification"]
_ABSENT = object()


def rule_sets() -> list[dict]:
    sets = SEED.rule_sets()
    for rs in sets:
        rs["effective_to"] = CLOSED.get((rs["jurisdiction"], rs["version"]), rs["effective_to"])
    return sets + NEW.rule_sets()


def facts(origin="CN", destination="MY", **overrides):
    base = {
        "origin": origin,
        "destination": destination,
        "data_categories": ["personal"],
        "subjects_ytd": 50_000,
        "sensitive_subjects_ytd": 0,
        "important_data": False,
        "exporter_ciio": False,
        "recipient_type": "company",
        "exemptions": [],
        "controller_subjects": 5_000,
        "controller_sensitive_subjects": 0,
        "systematic_monitoring": False,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not _ABSENT}


def run(on=CN_DAY, **kwargs):
    return assess(facts(**kwargs), rule_sets(), on=on)


def codes(result) -> list[str]:
    return [entry["code"] for entry in result.rules]


def versions(result) -> set[str]:
    return {f"{r['rule_set']}:{r['version']}" for r in result.rules if r["version"]}


# --- the dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "on", "version"),
    [
        ("CN", CN_EVE, "CN:2024.1"),
        ("CN", CN_DAY, "CN:2026.1"),
        ("MY", CN_EVE, "MY:2025.2"),
        ("MY", CN_DAY, "MY:2026.1"),
        ("SG", SG_EVE, "SG:2021.1"),
        ("SG", SG_DAY, "SG:2026.1"),
    ],
)
def test_each_version_answers_from_its_effective_date(origin, on, version):
    result = run(on=on, origin=origin, destination="CN" if origin != "CN" else "MY")
    assert versions(result) == {version}


# --- China: the PIPL duties on every export -------------------------------------------------


@pytest.mark.parametrize(
    "exemption",
    [
        "contract_with_individual",
        "hr_management",
        "emergency",
        "free_trade_zone",
        "foreign_collected_reexport",
    ],
)
def test_an_exempt_export_still_carries_the_pipl_duties(exemption):
    result = run(exemptions=[exemption])
    assert result.decision == "allow"
    assert result.mechanisms_any_of == []
    assert result.obligations == PIPL_DUTIES
    assert "cn.obligations.personal_information_export" in codes(result)
    assert f"cn.exempt.{exemption}" in codes(result)


def test_the_day_before_an_exempt_export_carried_no_duties():
    result = run(on=CN_EVE, exemptions=["hr_management"])
    assert result.decision == "allow"
    assert result.obligations == []


@pytest.mark.parametrize("subjects", [1, 99_999])
def test_below_the_threshold_the_duties_include_the_notice(subjects):
    result = run(subjects_ytd=subjects)
    assert result.decision == "allow"
    assert result.obligations == PIPL_DUTIES
    assert "cn.no_mechanism.below_threshold" in codes(result)
    assert run(on=CN_EVE, subjects_ytd=subjects).obligations == OLD_PIPL_DUTIES


def test_non_personal_data_carries_no_pipl_duties():
    result = run(data_categories=["non_personal"], subjects_ytd=0)
    assert result.decision == "allow" and result.obligations == []


def test_the_pipl_duties_go_with_a_mechanism_too():
    result = run(subjects_ytd=150_000)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SC_OR_CERT
    assert result.obligations == PIPL_DUTIES


# --- China: Art. 4 --------------------------------------------------------------------------


def test_foreign_collected_reexport_needs_no_mechanism_from_the_day_it_is_a_rule():
    now = run(subjects_ytd=150_000, exemptions=["foreign_collected_reexport"])
    assert now.decision == "allow" and now.mechanisms_any_of == []
    assert "cn.exempt.foreign_collected_reexport" in codes(now)
    before = run(on=CN_EVE, subjects_ytd=150_000, exemptions=["foreign_collected_reexport"])
    assert before.decision == "allow_with_mechanism"
    assert before.mechanisms_any_of == SC_OR_CERT


def test_foreign_collected_reexport_does_not_cover_important_data():
    result = run(important_data=True, exemptions=["foreign_collected_reexport"])
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA


# --- China: the counts kept apart -----------------------------------------------------------


@pytest.mark.parametrize(
    ("subjects", "sensitive", "decision", "mechanisms"),
    [
        (99_999, 0, "allow", []),
        (100_000, 0, "allow_with_mechanism", SC_OR_CERT),
        (999_999, 0, "allow_with_mechanism", SC_OR_CERT),
        (1_000_000, 0, "allow_with_mechanism", SA),
        (10, 1, "allow_with_mechanism", SC_OR_CERT),
        (10, 9_999, "allow_with_mechanism", SC_OR_CERT),
        (10, 10_000, "allow_with_mechanism", SA),
    ],
)
def test_the_thresholds_read_each_count_on_its_own(subjects, sensitive, decision, mechanisms):
    categories = ["personal", "sensitive_personal"] if sensitive else ["personal"]
    result = run(
        data_categories=categories, subjects_ytd=subjects, sensitive_subjects_ytd=sensitive
    )
    assert result.decision == decision
    assert result.mechanisms_any_of == mechanisms
    assert "engine.contradictory_facts" not in codes(result)


def test_a_sensitive_only_export_is_assessed_on_the_sensitive_count():
    result = run(data_categories=["sensitive_personal"], subjects_ytd=0, sensitive_subjects_ytd=20)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SC_OR_CERT
    assert "engine.contradictory_facts" not in codes(result)


# --- China: the Greater Bay Area contract ---------------------------------------------------


@pytest.mark.parametrize("destination", ["HK", "MO"])
def test_a_gba_exporter_to_hong_kong_or_macao_may_use_the_gba_contract(destination):
    result = run(destination=destination, subjects_ytd=150_000, exporter_in_gba=True)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SC_CERT_OR_GBA
    assert "cn.gba_standard_contract.volume_threshold" in codes(result)
    assert result.obligations == PIPL_DUTIES


@pytest.mark.parametrize(
    "overrides",
    [
        {"destination": "SG", "exporter_in_gba": True},  # not Hong Kong or Macao
        {"destination": "HK", "exporter_in_gba": False},  # not registered in the GBA
        {"destination": "HK"},  # not claimed: defaults to false
    ],
)
def test_the_gba_contract_needs_both_ends_in_the_bay_area(overrides):
    result = run(subjects_ytd=150_000, **overrides)
    assert result.mechanisms_any_of == SC_OR_CERT


@pytest.mark.parametrize(
    "overrides",
    [
        {"subjects_ytd": 1_000_000},
        {"exporter_ciio": True},
        {"important_data": True},
    ],
)
def test_the_gba_contract_never_replaces_a_security_assessment(overrides):
    result = run(destination="HK", exporter_in_gba=True, **{"subjects_ytd": 150_000, **overrides})
    assert result.mechanisms_any_of == SA


def test_before_cn_2026_1_there_was_no_gba_contract():
    result = run(on=CN_EVE, destination="HK", subjects_ytd=150_000, exporter_in_gba=True)
    assert result.mechanisms_any_of == SC_OR_CERT


def test_a_security_assessment_satisfies_a_gba_contract_requirement():
    assert combine_mechanisms([SA, ["cn_gba_standard_contract"]]) == SA


# --- China: foreign authorities -------------------------------------------------------------


@pytest.mark.parametrize("recipient", ["judicial", "law_enforcement"])
def test_a_foreign_authority_without_prc_approval_is_blocked(recipient):
    result = run(recipient_type=recipient)
    assert result.decision == "block"
    assert codes(result) == ["cn.block.foreign_judicial_or_law_enforcement"]


@pytest.mark.parametrize("recipient", ["judicial", "law_enforcement"])
def test_a_foreign_authority_with_prc_approval_goes_to_a_reviewer(recipient):
    result = run(recipient_type=recipient, prc_authority_approval=True, subjects_ytd=150_000)
    assert result.decision == "manual_review"
    assert codes(result)[0] == "cn.review.foreign_authority_with_prc_approval"
    # The reviewer still sees what the transfer needs.
    assert result.mechanisms_any_of == SC_OR_CERT
    assert result.obligations == PIPL_DUTIES


def test_the_day_before_a_prc_approval_did_not_matter():
    result = run(on=CN_EVE, recipient_type="judicial", prc_authority_approval=True)
    assert result.decision == "block"


def test_an_approved_authority_on_a_restricted_list_is_blocked():
    result = run(recipient_type="judicial", prc_authority_approval=True, recipient_restricted=True)
    assert result.decision == "block"
    assert "cn.block.restricted_recipient" in codes(result)


def test_an_approval_means_nothing_for_a_company():
    result = run(prc_authority_approval=True)
    assert result.decision == "allow"
    assert "cn.review.foreign_authority_with_prc_approval" not in codes(result)


# --- Malaysia: the DPO duty on the controller's processing ----------------------------------


def my(**overrides):
    return run(origin="MY", destination="CN", **overrides)


@pytest.mark.parametrize(
    ("overrides", "dpo"),
    [
        ({"controller_subjects": 20_000}, False),
        ({"controller_subjects": 20_001}, True),
        ({"controller_subjects": 30_000, "controller_sensitive_subjects": 10_000}, True),
        ({"controller_subjects": 15_000, "controller_sensitive_subjects": 10_000}, False),
        ({"controller_subjects": 15_000, "controller_sensitive_subjects": 10_001}, True),
        ({"systematic_monitoring": True}, True),
    ],
)
def test_the_dpo_duty_follows_the_controllers_processing(overrides, dpo):
    result = my(**overrides)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == MY_MECHANISMS
    assert ("my_dpo_required" in result.obligations) is dpo


def test_the_export_count_no_longer_decides_the_dpo_duty():
    # 30,000 individuals exported, but the controller's figures are small: no DPO duty now;
    # the day before, MY 2025.2 read the export count and required one.
    assert "my_dpo_required" not in my(subjects_ytd=30_000).obligations
    assert "my_dpo_required" in my(on=CN_EVE, subjects_ytd=30_000).obligations


@pytest.mark.parametrize(
    "missing", ["controller_subjects", "controller_sensitive_subjects", "systematic_monitoring"]
)
def test_an_unanswered_controller_figure_sends_it_to_review(missing):
    result = my(**{missing: _ABSENT})
    assert result.decision == "manual_review"
    assert "engine.missing_fact" in codes(result)
    assert missing in result.explanation


def test_one_known_trigger_is_enough_whatever_else_is_unknown():
    result = my(controller_subjects=50_000, controller_sensitive_subjects=_ABSENT)
    assert result.decision == "allow_with_mechanism"
    assert "my_dpo_required" in result.obligations


# --- Malaysia and Singapore: foreign authorities, law or policy -----------------------------


@pytest.mark.parametrize(("origin", "prefix"), [("MY", "my"), ("SG", "sg")])
def test_personal_data_to_a_foreign_authority_is_reviewed_under_the_pdpa(origin, prefix):
    result = run(origin=origin, destination="CN", recipient_type="judicial")
    assert result.decision == "manual_review"
    [entry] = [r for r in result.rules if r["code"].startswith(f"{prefix}.review.")]
    assert entry["code"] == f"{prefix}.review.foreign_authority_personal_data"
    assert entry["explanation"].startswith("Law:")


@pytest.mark.parametrize(("origin", "prefix"), [("MY", "my"), ("SG", "sg")])
def test_other_data_to_a_foreign_authority_is_reviewed_as_exchange_policy(origin, prefix):
    result = run(
        origin=origin,
        destination="CN",
        data_categories=["non_personal"],
        subjects_ytd=0,
        recipient_type="law_enforcement",
    )
    assert result.decision == "manual_review"
    entry = next(
        r for r in result.rules if r["code"] == f"{prefix}.policy.foreign_authority_other_data"
    )
    assert entry["explanation"].startswith("Exchange policy, not the PDPA")
    assert "Exchange policy" in entry["source"]["citation"]
    assert f"{prefix}.review.foreign_authority_personal_data" not in codes(result)


def test_other_data_to_a_company_is_allowed():
    result = run(origin="SG", destination="CN", data_categories=["non_personal"], subjects_ytd=0)
    assert result.decision == "allow"


# --- Singapore: certifications and reg. 10(2) -----------------------------------------------


def sg(on=SG_DAY, **overrides):
    return run(on=on, origin="SG", destination="CN", **overrides)


def test_a_specified_certification_is_a_mechanism_from_2_march_2026():
    result = sg()
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SG_NEW
    assert "Global CBPR" in result.explanation and "2 March 2026" in result.explanation


def test_the_day_before_only_enforceable_obligations_were_named():
    result = sg(on=SG_EVE)
    assert result.mechanisms_any_of == ["sg_enforceable_obligations"]
    assert versions(result) == {"SG:2021.1"}


@pytest.mark.parametrize("route", ["data_in_transit", "publicly_available"])
def test_reg_10_2_routes_need_no_mechanism(route):
    result = sg(exemptions=[route])
    assert result.decision == "allow"
    assert f"sg.deemed.{route}" in codes(result)
    before = sg(on=SG_EVE, exemptions=[route])
    assert before.decision == "allow_with_mechanism"


def test_a_chinese_exemption_means_nothing_in_singapore():
    assert sg(exemptions=["hr_management"]).mechanisms_any_of == SG_NEW


def test_a_singapore_route_means_nothing_in_china():
    result = run(subjects_ytd=150_000, exemptions=["data_in_transit"])
    assert result.mechanisms_any_of == SC_OR_CERT


# --- the vocabulary -------------------------------------------------------------------------


def test_the_new_facts_default_to_false_or_unknown():
    normalised, problems = normalise_facts({"origin": "CN", "destination": "HK"})
    assert normalised["exporter_in_gba"] is False
    assert normalised["prc_authority_approval"] is False
    assert normalised["controller_subjects"] is None
    assert normalised["systematic_monitoring"] is None
    assert problems == []
