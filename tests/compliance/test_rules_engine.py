"""Tests for the pure-Python transfer rules engine and the seed rule sets.

The engine needs no Django. The rule sets it is tested against are the frozen data that the
rule-set migration ``0002_seed_rule_sets`` publishes (imported from the migration, not copied).
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
from datetime import date, datetime

import pytest

from compliance.rules.engine import (
    DECISIONS,
    MECHANISMS,
    OBLIGATIONS,
    FactsError,
    RuleDefinitionError,
    assess,
    combine_mechanisms,
    evaluate_condition,
    normalise_facts,
    rule_set_in_force,
    validate_rule_set,
)

SEED_MIGRATION = importlib.import_module("compliance.rules.migrations.0002_seed_rule_sets")
SEED_RULE_SETS = SEED_MIGRATION.RULE_SETS
seed_rule_sets = SEED_MIGRATION.rule_sets

ON = date(2026, 3, 1)  # every seed rule set is in force
SA = ["cn_security_assessment"]
SC_OR_CERT = ["cn_standard_contract", "cn_certification"]
PI_OBLIGATIONS = ["cn_separate_consent", "cn_pi_impact_assessment"]
MY_MECHANISMS = ["my_transfer_impact_assessment", "my_s129_exception"]
_ABSENT = object()  # leave the fact out of the input


def facts(origin: str = "CN", destination: str = "MY", **overrides):
    """A complete, consistent set of facts: a small non-sensitive personal-data export."""
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
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not _ABSENT}


def run(on: date = ON, **kwargs):
    return assess(facts(**kwargs), seed_rule_sets(), on=on)


def codes(result) -> list[str]:
    return [entry["code"] for entry in result.rules]


# --------------------------------------------------------------------------------------------
# China: volume thresholds (2024 Provisions Arts. 5(4), 7, 8)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subjects", "decision", "mechanisms", "code"),
    [
        (1, "allow", [], "cn.no_mechanism.below_threshold"),
        (99_999, "allow", [], "cn.no_mechanism.below_threshold"),
        (100_000, "allow_with_mechanism", SC_OR_CERT, "cn.standard_contract.volume_threshold"),
        (999_999, "allow_with_mechanism", SC_OR_CERT, "cn.standard_contract.volume_threshold"),
        (1_000_000, "allow_with_mechanism", SA, "cn.assessment.volume_threshold"),
        (5_000_000, "allow_with_mechanism", SA, "cn.assessment.volume_threshold"),
    ],
)
def test_cn_non_sensitive_thresholds(subjects, decision, mechanisms, code):
    result = run(subjects_ytd=subjects)
    assert result.decision == decision
    assert result.mechanisms_any_of == mechanisms
    assert code in codes(result)
    # Every non-exempt PI export carries the PIPL obligations, the <100k case included.
    assert result.obligations == PI_OBLIGATIONS
    assert "cn.obligations.personal_information_export" in codes(result)


@pytest.mark.parametrize(
    ("sensitive", "decision", "mechanisms", "code"),
    [
        (0, "allow", [], "cn.no_mechanism.below_threshold"),
        (1, "allow_with_mechanism", SC_OR_CERT, "cn.standard_contract.volume_threshold"),
        (9_999, "allow_with_mechanism", SC_OR_CERT, "cn.standard_contract.volume_threshold"),
        (10_000, "allow_with_mechanism", SA, "cn.assessment.volume_threshold"),
    ],
)
def test_cn_sensitive_thresholds(sensitive, decision, mechanisms, code):
    categories = ["personal", "sensitive_personal"] if sensitive else ["personal"]
    result = run(data_categories=categories, subjects_ytd=20_000, sensitive_subjects_ytd=sensitive)
    assert result.decision == decision
    assert result.mechanisms_any_of == mechanisms
    assert code in codes(result)
    assert result.obligations == PI_OBLIGATIONS


def test_cn_sensitive_count_is_exporter_wide_even_if_this_product_has_none():
    # The exporter sent sensitive PI earlier this year; this product is non-sensitive.
    result = run(subjects_ytd=20_000, sensitive_subjects_ytd=5)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SC_OR_CERT


def test_cn_security_assessment_supersedes_standard_contract():
    # 2M non-sensitive (Art. 7) and 5k sensitive (Art. 8) at once: the assessment wins.
    result = run(
        data_categories=["personal", "sensitive_personal"],
        subjects_ytd=2_000_000,
        sensitive_subjects_ytd=5_000,
    )
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA


def test_cn_below_threshold_explanation_states_the_stricter_pipl_reading():
    result = run(subjects_ytd=99_999)
    assert "stricter reading" in result.explanation
    assert "Art. 5(4)" in result.explanation


# --------------------------------------------------------------------------------------------
# China: important data, CIIO, exemptions
# --------------------------------------------------------------------------------------------


def test_cn_important_data_non_personal_needs_security_assessment():
    result = run(data_categories=["non_personal"], important_data=True, subjects_ytd=0)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA
    assert result.obligations == []
    assert "cn.assessment.important_data" in codes(result)


def test_cn_important_data_with_small_personal_export():
    result = run(important_data=True, subjects_ytd=10)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA
    assert result.obligations == PI_OBLIGATIONS


def test_cn_important_data_does_not_need_counts():
    result = run(important_data=True, subjects_ytd=_ABSENT, sensitive_subjects_ytd=_ABSENT)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA


@pytest.mark.parametrize(
    "exemption", ["contract_with_individual", "hr_management", "emergency", "free_trade_zone"]
)
def test_cn_exemption_does_not_apply_to_important_data(exemption):
    result = run(important_data=True, exemptions=[exemption])
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA
    assert result.obligations == PI_OBLIGATIONS


def test_cn_ciio_exporting_personal_information_needs_security_assessment():
    result = run(exporter_ciio=True, subjects_ytd=10)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA
    assert result.obligations == PI_OBLIGATIONS
    assert "cn.assessment.ciio_personal_information" in codes(result)


def test_cn_ciio_personal_export_does_not_need_counts():
    result = run(exporter_ciio=True, subjects_ytd=_ABSENT, sensitive_subjects_ytd=_ABSENT)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA


def test_cn_ciio_without_personal_or_important_data_is_exempt():
    result = run(exporter_ciio=True, data_categories=["non_personal"])
    assert result.decision == "allow"
    assert codes(result) == ["cn.exempt.no_personal_information_or_important_data"]


@pytest.mark.parametrize(
    ("exemption", "code"),
    [
        ("contract_with_individual", "cn.exempt.contract_with_individual"),
        ("hr_management", "cn.exempt.hr_management"),
        ("emergency", "cn.exempt.emergency"),
        ("free_trade_zone", "cn.exempt.free_trade_zone"),
    ],
)
def test_cn_each_exemption_allows_without_mechanism_or_obligation(exemption, code):
    # Even at volumes that would otherwise need the security assessment.
    result = run(
        exemptions=[exemption],
        data_categories=["personal", "sensitive_personal"],
        subjects_ytd=3_000_000,
        sensitive_subjects_ytd=50_000,
    )
    assert result.decision == "allow"
    assert result.mechanisms_any_of == []
    assert result.obligations == []
    assert codes(result) == [code]


def test_cn_exemption_also_applies_to_a_ciio():
    result = run(exporter_ciio=True, exemptions=["hr_management"])
    assert result.decision == "allow"
    assert codes(result) == ["cn.exempt.hr_management"]


def test_cn_no_personal_no_important_data_is_exempt():
    # subjects_ytd is the exporter's count across all exports: > 0 is not a contradiction.
    result = run(data_categories=["non_personal"], subjects_ytd=500_000)
    assert result.decision == "allow"
    assert result.obligations == []
    assert codes(result) == ["cn.exempt.no_personal_information_or_important_data"]


def test_cn_non_personal_does_not_need_counts():
    result = run(
        data_categories=["non_personal"], subjects_ytd=_ABSENT, sensitive_subjects_ytd=_ABSENT
    )
    assert result.decision == "allow"


def test_cn_mixed_product_is_assessed_as_personal():
    result = run(data_categories=["non_personal", "personal"], subjects_ytd=150_000)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SC_OR_CERT


def test_cn_to_hong_kong_is_cross_border():
    result = run(destination="HK", subjects_ytd=150_000)
    assert result.decision == "allow_with_mechanism"


# --------------------------------------------------------------------------------------------
# China: blocks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("recipient", ["judicial", "law_enforcement"])
def test_cn_blocks_foreign_judicial_and_law_enforcement(recipient):
    result = run(recipient_type=recipient, subjects_ytd=2_000_000)
    assert result.decision == "block"
    assert result.mechanisms_any_of == []
    assert result.obligations == []
    assert codes(result) == ["cn.block.foreign_judicial_or_law_enforcement"]
    assert "DSL Art. 36" in result.explanation


def test_cn_blocks_even_non_personal_data_to_judicial_body():
    result = run(recipient_type="judicial", data_categories=["non_personal"])
    assert result.decision == "block"


def test_cn_blocks_restricted_recipient():
    result = run(recipient_restricted=True)
    assert result.decision == "block"
    assert codes(result) == ["cn.block.restricted_recipient"]
    assert "PIPL Art. 42" in result.explanation


def test_cn_restricted_recipient_blocks_even_if_recipient_type_missing():
    result = run(recipient_restricted=True, recipient_type=_ABSENT)
    assert result.decision == "block"


def test_cn_public_body_recipient_is_not_blocked():
    result = run(recipient_type="public_body")
    assert result.decision == "allow"


# --------------------------------------------------------------------------------------------
# Malaysia
# --------------------------------------------------------------------------------------------


def test_my_non_personal_allowed():
    result = run(origin="MY", destination="CN", data_categories=["non_personal"])
    assert result.decision == "allow"
    assert codes(result) == ["my.allow.non_personal"]


def test_my_personal_needs_tia_or_s129_exception():
    result = run(origin="MY", destination="CN", subjects_ytd=500)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == MY_MECHANISMS
    assert result.obligations == []
    assert result.rules[0]["version"] == "2025.2"


@pytest.mark.parametrize(("subjects", "dpo"), [(20_000, False), (20_001, True)])
def test_my_dpo_boundary_on_subjects(subjects, dpo):
    result = run(origin="MY", destination="CN", subjects_ytd=subjects)
    assert result.decision == "allow_with_mechanism"
    assert ("my_dpo_required" in result.obligations) is dpo


@pytest.mark.parametrize(("sensitive", "dpo"), [(10_000, False), (10_001, True)])
def test_my_dpo_boundary_on_sensitive_subjects(sensitive, dpo):
    result = run(
        origin="MY",
        destination="SG",
        data_categories=["personal", "sensitive_personal"],
        subjects_ytd=15_000,
        sensitive_subjects_ytd=sensitive,
    )
    assert result.decision == "allow_with_mechanism"
    assert ("my_dpo_required" in result.obligations) is dpo


def test_my_dpo_duty_not_before_1_june_2025():
    before = run(origin="MY", destination="CN", subjects_ytd=50_000, on=date(2025, 5, 31))
    after = run(origin="MY", destination="CN", subjects_ytd=50_000, on=date(2025, 6, 1))
    assert before.rules[0]["version"] == "2025.1"
    assert before.obligations == []
    assert after.rules[0]["version"] == "2025.2"
    assert after.obligations == ["my_dpo_required"]


def test_my_before_amended_s129_in_force_goes_to_manual_review():
    result = run(origin="MY", destination="CN", on=date(2025, 3, 31))
    assert result.decision == "manual_review"
    assert codes(result) == ["engine.no_rule_set_in_force"]
    assert "2025-04-01" in result.explanation


def test_my_personal_without_subjects_count_needs_review():
    result = run(origin="MY", destination="CN", subjects_ytd=_ABSENT)
    assert result.decision == "manual_review"
    assert "subjects_ytd" in result.explanation


def test_my_judicial_recipient_is_manual_review_not_allow():
    result = run(origin="MY", destination="CN", recipient_type="judicial", subjects_ytd=5)
    assert result.decision == "manual_review"
    assert "unsettled" in result.explanation
    # The reviewer still sees what the transfer would need.
    assert result.mechanisms_any_of == MY_MECHANISMS


# --------------------------------------------------------------------------------------------
# Singapore
# --------------------------------------------------------------------------------------------


def test_sg_personal_needs_enforceable_obligations():
    result = run(origin="SG", destination="CN")
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == ["sg_enforceable_obligations"]
    assert result.obligations == []


def test_sg_personal_does_not_need_counts():
    result = run(
        origin="SG",
        destination="CN",
        subjects_ytd=_ABSENT,
        sensitive_subjects_ytd=_ABSENT,
        important_data=_ABSENT,
        exporter_ciio=_ABSENT,
    )
    assert result.decision == "allow_with_mechanism"


def test_sg_non_personal_allowed():
    result = run(origin="SG", destination="CN", data_categories=["non_personal"])
    assert result.decision == "allow"


@pytest.mark.parametrize("recipient", ["judicial", "law_enforcement"])
def test_sg_authority_recipient_is_manual_review(recipient):
    result = run(
        origin="SG", destination="MY", recipient_type=recipient, data_categories=["non_personal"]
    )
    assert result.decision == "manual_review"
    assert "unsettled" in result.explanation


def test_sg_restricted_recipient_is_manual_review():
    result = run(origin="SG", destination="MY", recipient_restricted=True)
    assert result.decision == "manual_review"


# --------------------------------------------------------------------------------------------
# Vietnam
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("categories", [["personal"], ["non_personal", "sensitive_personal"]])
def test_vn_personal_data_goes_to_manual_review(categories):
    sensitive = 10 if "sensitive_personal" in categories else 0
    result = run(
        origin="VN", destination="CN", data_categories=categories, sensitive_subjects_ytd=sensitive
    )
    assert result.decision == "manual_review"
    assert "vn.review.personal_data" in codes(result)


def test_vn_non_personal_allowed():
    result = run(origin="VN", destination="SG", data_categories=["non_personal"])
    assert result.decision == "allow"
    assert codes(result) == ["vn.allow.non_personal"]


def test_vn_important_data_goes_to_manual_review():
    result = run(
        origin="VN", destination="SG", data_categories=["non_personal"], important_data=True
    )
    assert result.decision == "manual_review"


def test_vn_rule_set_not_yet_in_force():
    result = run(origin="VN", destination="CN", on=date(2025, 12, 31))
    assert result.decision == "manual_review"
    assert codes(result) == ["engine.no_rule_set_in_force"]
    assert "VN" in result.explanation
    assert "2026-01-01" in result.explanation
    on_the_day = run(origin="VN", destination="CN", on=date(2026, 1, 1))
    assert codes(on_the_day)[-1] == "vn.review.personal_data"


# --------------------------------------------------------------------------------------------
# Domestic, unknown origin, dates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["CN", "MY"])
def test_domestic_transfer_is_allowed(country):
    result = run(origin=country, destination=country, subjects_ytd=5_000_000, important_data=True)
    assert result.decision == "allow"
    assert result.mechanisms_any_of == []
    assert codes(result) == ["engine.domestic_transfer"]
    assert result.rules[0]["rule_set"] == country
    assert "domestic" in result.explanation


def test_domestic_transfer_with_contradictory_facts_is_reviewed():
    result = run(origin="CN", destination="CN", data_categories=[])
    assert result.decision == "manual_review"
    assert "data_categories" in result.explanation


def test_unknown_origin_is_manual_review():
    result = run(origin="TH", destination="CN")
    assert result.decision == "manual_review"
    assert codes(result) == ["engine.no_rule_set_in_force"]
    assert "TH" in result.explanation


def test_no_rule_sets_at_all_is_manual_review():
    result = assess(facts(), [], on=ON)
    assert result.decision == "manual_review"


def test_expired_rule_set_is_not_used_and_effective_to_is_exclusive():
    expired = copy.deepcopy(SEED_RULE_SETS[0])
    expired["effective_to"] = "2025-01-01"
    assert rule_set_in_force(expired, date(2024, 12, 31))
    assert not rule_set_in_force(expired, date(2025, 1, 1))
    assert not rule_set_in_force(expired, date(2024, 3, 21))
    result = assess(facts(), [expired], on=date(2025, 1, 1))
    assert result.decision == "manual_review"
    assert "expired" in result.explanation
    assert assess(facts(), [expired], on=date(2024, 12, 31)).decision == "allow"


def test_on_defaults_to_today_and_accepts_datetime():
    assert assess(facts(origin="SG"), seed_rule_sets()).decision == "allow_with_mechanism"
    result = assess(facts(origin="VN"), seed_rule_sets(), on=datetime(2025, 12, 31, 23, 59))
    assert codes(result) == ["engine.no_rule_set_in_force"]


# --------------------------------------------------------------------------------------------
# Missing and contradictory facts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "overrides"),
    [
        ("subjects_ytd", {}),
        ("sensitive_subjects_ytd", {}),
        ("important_data", {}),
        ("exporter_ciio", {}),
        ("recipient_type", {}),
        ("data_categories", {}),
        ("important_data", {"data_categories": ["non_personal"]}),
    ],
)
def test_cn_missing_fact_is_manual_review_naming_it(missing, overrides):
    result = run(**{**overrides, missing: _ABSENT})
    assert result.decision == "manual_review"
    assert "engine.missing_fact" in codes(result)
    assert f"'{missing}' is missing" in result.explanation
    assert result.facts[missing] is None


def test_cn_missing_sensitive_count_irrelevant_once_security_assessment_is_certain():
    result = run(subjects_ytd=2_000_000, sensitive_subjects_ytd=_ABSENT)
    assert result.decision == "allow_with_mechanism"
    assert result.mechanisms_any_of == SA


def test_cn_missing_sensitive_count_matters_for_a_mid_volume_export():
    # 150k needs at least a standard contract; 10k+ sensitive would need the assessment.
    result = run(subjects_ytd=150_000, sensitive_subjects_ytd=_ABSENT)
    assert result.decision == "manual_review"
    assert "sensitive_subjects_ytd" in result.explanation


@pytest.mark.parametrize(
    ("overrides", "fact"),
    [
        (
            {"data_categories": ["personal", "sensitive_personal"], "sensitive_subjects_ytd": 0},
            "sensitive_subjects_ytd",
        ),
        (
            {"controller_subjects": 100, "controller_sensitive_subjects": 101},
            "controller_sensitive_subjects",
        ),
        ({"subjects_ytd": 0}, "subjects_ytd"),
        ({"data_categories": []}, "data_categories"),
    ],
)
def test_contradictory_facts_are_manual_review_naming_the_fact(overrides, fact):
    result = run(**overrides)
    assert result.decision == "manual_review"
    assert "engine.contradictory_facts" in codes(result)
    assert fact in result.explanation
    _, problems = normalise_facts(facts(**overrides))
    assert fact in [p["fact"] for p in problems]


def test_sensitive_declared_without_sensitive_count_is_manual_review():
    result = run(data_categories=["sensitive_personal"], sensitive_subjects_ytd=_ABSENT)
    assert result.decision == "manual_review"
    assert "sensitive_subjects_ytd" in result.explanation


def test_contradiction_does_not_hide_a_block():
    result = run(recipient_type="law_enforcement", data_categories=[])
    assert result.decision == "block"


def test_mixed_categories_and_exporter_wide_counts_are_not_contradictions():
    _, problems = normalise_facts(
        facts(data_categories=["non_personal", "personal"], subjects_ytd=10)
    )
    assert problems == []


def test_the_two_export_counts_are_independent():
    # Counted apart (2024 Provisions Arts. 7-8): more sensitive than non-sensitive individuals,
    # or a sensitive-only export with no non-sensitive ones, is not a contradiction.
    for overrides in (
        {
            "data_categories": ["personal", "sensitive_personal"],
            "subjects_ytd": 10,
            "sensitive_subjects_ytd": 50,
        },
        {"data_categories": ["sensitive_personal"], "subjects_ytd": 0, "sensitive_subjects_ytd": 5},
    ):
        _, problems = normalise_facts(facts(**overrides))
        assert problems == [], overrides
    _, problems = normalise_facts(
        facts(data_categories=["non_personal"], subjects_ytd=10, sensitive_subjects_ytd=3)
    )
    assert problems == []


# --------------------------------------------------------------------------------------------
# Facts: structural validation and normalisation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("data_categories", ["personel"]),
        ("data_categories", "personal"),
        ("data_categories", {"personal": True}),
        ("recipient_type", "court"),
        ("recipient_type", ["company"]),
        ("exemptions", ["vacation"]),
        ("origin", "CHN"),
        ("origin", "C1"),
        ("origin", 86),
        ("destination", ""),
        ("subjects_ytd", -1),
        ("sensitive_subjects_ytd", -5),
        ("subjects_ytd", "100"),
        ("subjects_ytd", 1.5),
        ("subjects_ytd", True),
        ("important_data", "yes"),
        ("exporter_ciio", 1),
        ("recipient_restricted", "false"),
    ],
)
def test_facts_error_names_the_field(field, value):
    with pytest.raises(FactsError) as excinfo:
        normalise_facts(facts(**{field: value}))
    assert excinfo.value.field == field
    assert field in str(excinfo.value)
    with pytest.raises(FactsError):
        assess(facts(**{field: value}), seed_rule_sets(), on=ON)


@pytest.mark.parametrize("field", ["origin", "destination"])
def test_origin_and_destination_are_required(field):
    with pytest.raises(FactsError) as excinfo:
        normalise_facts(facts(**{field: _ABSENT}))
    assert excinfo.value.field == field


def test_unknown_fact_is_rejected():
    with pytest.raises(FactsError) as excinfo:
        normalise_facts({**facts(), "subject_ytd": 5})
    assert excinfo.value.field == "subject_ytd"


def test_facts_must_be_a_mapping():
    with pytest.raises(FactsError):
        normalise_facts([("origin", "CN")])


def test_facts_error_collects_every_field():
    with pytest.raises(FactsError) as excinfo:
        normalise_facts(facts(origin="CHN", recipient_type="court"))
    assert set(excinfo.value.errors) == {"origin", "recipient_type"}


def test_normalise_facts_normalises_and_defaults():
    normalised, problems = normalise_facts(
        {
            "origin": " cn",
            "destination": "my",
            "data_categories": ("sensitive_personal", "personal", "personal"),
            "subjects_ytd": 10,
            "sensitive_subjects_ytd": 2,
        }
    )
    assert problems == []
    assert normalised == {
        "origin": "CN",
        "destination": "MY",
        "data_categories": ["personal", "sensitive_personal"],
        "subjects_ytd": 10,
        "sensitive_subjects_ytd": 2,
        "important_data": None,
        "exporter_ciio": None,
        "exporter_in_gba": False,
        "recipient_type": None,
        "recipient_restricted": False,
        "prc_authority_approval": False,
        "exemptions": [],
        "controller_subjects": None,
        "controller_sensitive_subjects": None,
        "systematic_monitoring": None,
    }


# --------------------------------------------------------------------------------------------
# Result shape
# --------------------------------------------------------------------------------------------


def test_to_dict_has_exactly_the_json_fields():
    result = run(subjects_ytd=150_000)
    data = result.to_dict()
    assert set(data) == {
        "decision",
        "mechanisms_any_of",
        "obligations",
        "rules",
        "explanation",
        "facts",
    }
    assert json.loads(json.dumps(data)) == data
    for entry in data["rules"]:
        assert set(entry) == {"code", "rule_set", "version", "source", "explanation"}
        assert entry["rule_set"] == "CN"
        assert entry["version"] == "2024.1"
        assert entry["source"]["url"].startswith("https://")
    data["facts"]["origin"] = "XX"  # a copy: the assessment is not changed
    assert result.facts["origin"] == "CN"


def test_every_outcome_uses_the_vocabulary():
    result = run(subjects_ytd=150_000)
    assert result.decision in DECISIONS
    assert set(result.mechanisms_any_of) <= set(MECHANISMS)
    assert set(result.obligations) <= set(OBLIGATIONS)


# --------------------------------------------------------------------------------------------
# Seed rule sets
# --------------------------------------------------------------------------------------------


def test_seed_rule_sets_are_valid_and_json_serialisable():
    sets = seed_rule_sets()
    assert {(rs["jurisdiction"], rs["version"]) for rs in sets} == {
        ("CN", "2024.1"),
        ("MY", "2025.1"),
        ("MY", "2025.2"),
        ("SG", "2021.1"),
        ("VN", "2026.1"),
    }
    for rule_set in sets:
        validate_rule_set(rule_set)
        assert json.loads(json.dumps(rule_set)) == rule_set


def test_every_seeded_rule_cites_a_source_with_https_url():
    for rule_set in seed_rule_sets():
        assert rule_set["sources"]
        for source in rule_set["sources"]:
            assert source["citation"].strip()
            assert source["url"].startswith("https://")
        for rule in rule_set["rules"]:
            assert rule["source"]["citation"].strip(), rule["code"]
            assert rule["source"]["url"].startswith("https://"), rule["code"]
            assert rule["explanation"].strip(), rule["code"]
            assert rule["code"].startswith(rule_set["jurisdiction"].lower() + "."), rule["code"]


def test_the_rule_set_migration_carries_its_data_and_imports_no_application_code():
    tree = ast.parse(inspect.getsource(SEED_MIGRATION))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"copy", "django"}


def test_seed_rule_sets_returns_independent_copies():
    first = seed_rule_sets()
    first[0]["rules"].clear()
    assert seed_rule_sets()[0]["rules"]


def test_seed_china_dates():
    cn = next(rs for rs in seed_rule_sets() if rs["jurisdiction"] == "CN")
    assert cn["effective_from"] == "2024-03-22"
    assert run(on=date(2024, 3, 21)).decision == "manual_review"
    assert run(on=date(2024, 3, 22)).decision == "allow"


# --------------------------------------------------------------------------------------------
# Rule-set validation
# --------------------------------------------------------------------------------------------


def _cn_with(mutate):
    rule_set = seed_rule_sets()[0]
    mutate(rule_set)
    return rule_set


def _rule(rule_set, code):
    return next(r for r in rule_set["rules"] if r["code"] == code)


def test_validate_rejects_unknown_op_naming_the_rule():
    def mutate(rs):
        _rule(rs, "cn.block.restricted_recipient")["when"] = {
            "fact": "recipient_restricted",
            "op": "is_truthy",
        }

    with pytest.raises(RuleDefinitionError) as excinfo:
        validate_rule_set(_cn_with(mutate))
    assert excinfo.value.rule_code == "cn.block.restricted_recipient"
    assert "cn.block.restricted_recipient" in str(excinfo.value)
    assert "is_truthy" in str(excinfo.value)


def test_validate_rejects_unknown_fact_naming_the_rule_and_path():
    def mutate(rs):
        _rule(rs, "cn.assessment.volume_threshold")["when"]["all"][3]["any"][0]["fact"] = (
            "subject_ytd"
        )

    with pytest.raises(RuleDefinitionError) as excinfo:
        validate_rule_set(_cn_with(mutate))
    assert excinfo.value.rule_code == "cn.assessment.volume_threshold"
    assert "subject_ytd" in str(excinfo.value)
    assert excinfo.value.path == "when.all[3].any[0]"


@pytest.mark.parametrize(
    "condition",
    [
        {"fact": "important_data", "op": "gte", "value": 1},  # op not for a bool
        {"fact": "subjects_ytd", "op": "gte", "value": "100000"},  # wrong value type
        {"fact": "subjects_ytd", "op": "between", "value": [10, 1]},  # low > high
        {"fact": "recipient_type", "op": "in", "value": ["court"]},  # not vocabulary
        {"fact": "exemptions", "op": "contains", "value": "vacation"},
        {"fact": "origin", "op": "eq", "value": "china"},
        {"fact": "exporter_ciio", "op": "is_true", "value": False},
        {"fact": "subjects_ytd", "op": "gte", "value": 1, "extra": 2},
        {"all": []},
        {"any": [{"always": True}], "all": [{"always": True}]},
        {"always": False},
        {"sometimes": True},
        ["not", "a", "condition"],
    ],
)
def test_validate_rejects_malformed_conditions(condition):
    def mutate(rs):
        rs["rules"][0]["when"] = condition

    with pytest.raises(RuleDefinitionError) as excinfo:
        validate_rule_set(_cn_with(mutate))
    assert excinfo.value.rule_code == "cn.block.foreign_judicial_or_law_enforcement"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda rs: rs["rules"][0]["outcome"].update(termnial=True),
        lambda rs: rs["rules"][0]["outcome"].update(decision="deny"),
        lambda rs: rs["rules"][0]["outcome"].update(mechanisms_any_of=["cn_certification"]),
        lambda rs: _rule(rs, "cn.assessment.important_data")["outcome"].update(
            mechanisms_any_of=["my_transfer_impact_assessment"]
        ),
        lambda rs: _rule(rs, "cn.assessment.important_data")["outcome"].update(
            mechanisms_any_of=[]
        ),
        lambda rs: rs["rules"][0]["outcome"].update(obligations=["my_dpo_required"]),
        lambda rs: rs["rules"][0]["outcome"].update(terminal="yes"),
        lambda rs: rs["rules"][0]["source"].update(url="http://www.cac.gov.cn/"),
        lambda rs: rs["rules"][0]["source"].update(citation=" "),
        lambda rs: rs["rules"][0].pop("source"),
        lambda rs: rs["rules"][0].update(priority="10"),
        lambda rs: rs["rules"][0].update(note="x"),
        lambda rs: rs["rules"][1].update(code=rs["rules"][0]["code"]),
    ],
)
def test_validate_rejects_malformed_rules(mutate):
    with pytest.raises(RuleDefinitionError) as excinfo:
        validate_rule_set(_cn_with(mutate))
    assert excinfo.value.rule_code is not None
    assert excinfo.value.rule_code in str(excinfo.value)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda rs: rs.update(jurisdiction="China"),
        lambda rs: rs.update(effective_from="22 March 2024"),
        lambda rs: rs.update(effective_to="2024-03-22"),
        lambda rs: rs.update(sources=[]),
        lambda rs: rs.update(rules=[]),
        lambda rs: rs.update(effective_too=None),
        lambda rs: rs.pop("version"),
    ],
)
def test_validate_rejects_malformed_rule_sets(mutate):
    with pytest.raises(RuleDefinitionError):
        validate_rule_set(_cn_with(mutate))


def test_validate_accepts_date_objects():
    validate_rule_set(_cn_with(lambda rs: rs.update(effective_from=date(2024, 3, 22))))


def test_assess_rejects_a_broken_rule_set_for_the_origin_only():
    broken = _cn_with(lambda rs: rs["rules"][0].update(when={"fact": "colour", "op": "eq"}))
    with pytest.raises(RuleDefinitionError):
        assess(facts(), [broken], on=ON)
    # A broken set for another jurisdiction does not disturb this assessment.
    assert assess(facts(origin="SG"), [broken, *seed_rule_sets()], on=ON).decision == (
        "allow_with_mechanism"
    )


# --------------------------------------------------------------------------------------------
# Engine mechanics: priority, terminal, combination, Kleene logic
# --------------------------------------------------------------------------------------------


def _custom(rules, jurisdiction="CN", version="test.1"):
    return {
        "jurisdiction": jurisdiction,
        "version": version,
        "effective_from": "2020-01-01",
        "effective_to": None,
        "title": "test",
        "sources": [{"citation": "test", "url": "https://example.org/"}],
        "rules": rules,
    }


def _custom_rule(
    code, priority, decision="allow", mechanisms=(), obligations=(), terminal=False, when=None
):
    return {
        "code": code,
        "priority": priority,
        "title": code,
        "when": when or {"always": True},
        "outcome": {
            "decision": decision,
            "mechanisms_any_of": list(mechanisms),
            "obligations": list(obligations),
            "terminal": terminal,
        },
        "explanation": f"explanation of {code}",
        "source": {"citation": "test", "url": "https://example.org/"},
    }


def test_rules_run_by_priority_and_terminal_stops_the_rule_set():
    rule_set = _custom(
        [
            _custom_rule("c.late", 30, "block"),
            _custom_rule("c.first", 10, obligations=["cn_separate_consent"]),
            _custom_rule("c.stop", 20, "allow_with_mechanism", SC_OR_CERT, terminal=True),
        ]
    )
    result = assess(facts(), [rule_set], on=ON)
    assert codes(result) == ["c.first", "c.stop"]
    assert result.decision == "allow_with_mechanism"
    assert result.obligations == ["cn_separate_consent"]


def test_severity_and_obligation_accumulation():
    rule_set = _custom(
        [
            _custom_rule("c.a", 1, obligations=["cn_separate_consent"]),
            _custom_rule(
                "c.b",
                2,
                "allow_with_mechanism",
                SA,
                obligations=["cn_pi_impact_assessment", "cn_separate_consent"],
            ),
            _custom_rule("c.c", 3, "manual_review"),
        ]
    )
    result = assess(facts(), [rule_set], on=ON)
    assert result.decision == "manual_review"
    assert result.obligations == ["cn_separate_consent", "cn_pi_impact_assessment"]
    assert result.mechanisms_any_of == SA


def test_several_rule_sets_in_force_for_the_origin_combine_strictest():
    extra = _custom([_custom_rule("c.review", 1, "manual_review")], version="extra")
    result = assess(facts(subjects_ytd=150_000), [*seed_rule_sets(), extra], on=ON)
    assert result.decision == "manual_review"
    assert "c.review" in codes(result)
    assert "cn.standard_contract.volume_threshold" in codes(result)


def test_no_rule_matching_is_manual_review_not_allow():
    never = {"fact": "subjects_ytd", "op": "lt", "value": 0}
    result = assess(facts(), [_custom([_custom_rule("c.never", 1, when=never)])], on=ON)
    assert result.decision == "manual_review"
    assert codes(result) == ["engine.no_rule_matched"]


def test_mechanism_conflict_is_manual_review():
    rule_set = _custom(
        [
            _custom_rule("c.sa", 1, "allow_with_mechanism", SA),
            _custom_rule("c.cert", 2, "allow_with_mechanism", ["cn_certification"]),
            _custom_rule("c.sc", 3, "allow_with_mechanism", ["cn_standard_contract"]),
        ]
    )
    # SA supersedes both, so there is no conflict.
    assert assess(facts(), [rule_set], on=ON).mechanisms_any_of == SA
    conflicting = _custom(rule_set["rules"][1:])
    result = assess(facts(), [conflicting], on=ON)
    assert result.decision == "manual_review"
    assert "engine.mechanism_conflict" in codes(result)


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        ([], []),
        ([SC_OR_CERT], SC_OR_CERT),
        ([SA, SC_OR_CERT], SA),
        ([SC_OR_CERT, SA], SA),
        ([SC_OR_CERT, ["cn_certification"]], ["cn_certification"]),
        (
            [["cn_security_assessment", "cn_standard_contract"], ["cn_standard_contract"]],
            ["cn_security_assessment", "cn_standard_contract"],
        ),
        ([MY_MECHANISMS, ["sg_enforceable_obligations"]], None),
    ],
)
def test_combine_mechanisms(requirements, expected):
    assert combine_mechanisms(requirements) == expected


def test_kleene_logic():
    known = {"subjects_ytd": 5, "important_data": None}
    yes = {"fact": "subjects_ytd", "op": "eq", "value": 5}
    no = {"fact": "subjects_ytd", "op": "eq", "value": 6}
    unknown = {"fact": "important_data", "op": "is_true"}
    assert evaluate_condition({"all": [yes, unknown]}, known) == (None, {"important_data"})
    assert evaluate_condition({"all": [no, unknown]}, known) == (False, frozenset())
    assert evaluate_condition({"any": [yes, unknown]}, known) == (True, frozenset())
    assert evaluate_condition({"any": [no, unknown]}, known) == (None, {"important_data"})
    assert evaluate_condition({"not": unknown}, known) == (None, {"important_data"})
    assert evaluate_condition({"not": no}, known) == (True, frozenset())
    assert evaluate_condition({"always": True}, known) == (True, frozenset())


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"fact": "data_categories", "op": "contains", "value": "personal"}, True),
        ({"fact": "data_categories", "op": "contains_any", "value": ["non_personal"]}, False),
        ({"fact": "data_categories", "op": "eq", "value": ["personal"]}, True),
        ({"fact": "data_categories", "op": "ne", "value": ["personal"]}, False),
        ({"fact": "exemptions", "op": "eq", "value": []}, True),
        ({"fact": "subjects_ytd", "op": "between", "value": [50_000, 50_000]}, True),
        ({"fact": "subjects_ytd", "op": "in", "value": [1, 50_000]}, True),
        ({"fact": "subjects_ytd", "op": "gt", "value": 50_000}, False),
        ({"fact": "subjects_ytd", "op": "lte", "value": 50_000}, True),
        ({"fact": "subjects_ytd", "op": "ne", "value": 50_000}, False),
        ({"fact": "destination", "op": "in", "value": ["MY", "SG"]}, True),
        ({"fact": "origin", "op": "ne", "value": "CN"}, False),
        ({"fact": "recipient_type", "op": "eq", "value": "company"}, True),
        ({"fact": "important_data", "op": "eq", "value": False}, True),
        ({"fact": "recipient_restricted", "op": "is_false"}, True),
    ],
)
def test_operators(condition, expected):
    normalised, _ = normalise_facts(facts())
    assert evaluate_condition(condition, normalised) == (expected, frozenset())
