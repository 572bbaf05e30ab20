"""The three faces of one engine: the API, the `transfer_assess` command and the browser form."""

import importlib
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.services import api_token_create
from compliance.rules import engine
from compliance.rules.models import RuleSet, TransferAssessment
from marketplace.compliance.rules.forms import EXEMPTION_CHOICES, RECIPIENT_TYPE_CHOICES
from marketplace.compliance.rules.serializers import DATA_CATEGORY_CHOICES
from tests.conftest import bearer
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

SEED_MIGRATION = importlib.import_module("compliance.rules.migrations.0002_seed_rule_sets")
URL = "/api/v1/transfer-assessments/"
PAGE = "/compliance/transfer-check/"
ROOT = Path(__file__).resolve().parents[2]
CN_TO_MY = {
    "origin": "CN",
    "destination": "MY",
    "data_categories": ["personal"],
    "subjects_ytd": 150_000,
    "sensitive_subjects_ytd": 0,
    "important_data": False,
    "exporter_ciio": False,
    "recipient_type": "company",
    "exemptions": [],
}


@pytest.fixture(autouse=True)
def seeded_rule_sets():
    if not RuleSet.objects.exists():
        SEED_MIGRATION.seed(django_apps, None)


def token_client(user, organization) -> APIClient:
    _token, raw = api_token_create(user=user, organization=organization, name="tests")
    return bearer(APIClient(), raw)


def acting_for(organization) -> APIClient:
    return token_client(member_of(organization), organization)


def test_form_and_serializer_choices_are_the_engine_vocabulary():
    assert tuple(code for code, _label in DATA_CATEGORY_CHOICES) == engine.DATA_CATEGORIES
    assert tuple(code for code, _label in RECIPIENT_TYPE_CHOICES) == engine.RECIPIENT_TYPES
    assert tuple(code for code, _label in EXEMPTION_CHOICES) == engine.EXEMPTIONS


# --- API ----------------------------------------------------------------------------------


def test_api_assesses_with_a_token_and_answers_in_the_vocabulary():
    org = OrganizationFactory(jurisdiction="CN")
    client = acting_for(org)
    response = client.post(URL, CN_TO_MY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {
        "id",
        "decision",
        "mechanisms_any_of",
        "obligations",
        "rules",
        "explanation",
        "facts",
        "rule_set_versions",
        "assessed_on",
    }
    assert body["decision"] == "allow_with_mechanism"
    assert body["mechanisms_any_of"] == ["cn_standard_contract", "cn_certification"]
    assert body["obligations"] == [
        "cn_export_notice",
        "cn_separate_consent",
        "cn_pi_impact_assessment",
    ]
    assert body["rule_set_versions"] == ["CN:2026.1"]
    fired = {rule["code"]: rule for rule in body["rules"]}
    contract = fired["cn.standard_contract.volume_threshold"]
    assert contract["rule_set"] == "CN" and contract["version"] == "2026.1"
    assert contract["source"]["url"].startswith("https://")
    assert body["facts"]["recipient_restricted"] is False
    record = TransferAssessment.objects.get(pk=body["id"])
    assert record.organization == org and record.context == "pre_check"


def test_api_works_with_a_session_too():
    user = member_of(OrganizationFactory())
    client = APIClient()
    client.force_login(user)
    response = client.post(URL, {**CN_TO_MY, "destination": "CN"}, format="json")
    assert response.status_code == 201
    assert response.json()["decision"] == "allow"
    assert response.json()["rule_set_versions"] == []


def test_api_takes_form_encoded_facts_from_the_browsable_api():
    client = APIClient()
    client.force_login(member_of(OrganizationFactory()))
    response = client.post(
        URL,
        {
            "csrfmiddlewaretoken": "ignored",
            "origin": "SG",
            "destination": "CN",
            "data_categories": ["personal"],
            "recipient_type": "company",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mechanisms_any_of"] == [
        "sg_enforceable_obligations",
        "sg_specified_certification",
    ]


def test_api_refuses_anonymous_callers():
    client = APIClient()
    assert client.post(URL, CN_TO_MY, format="json").status_code == 401
    assert client.get(URL).status_code == 401
    assert not TransferAssessment.objects.exists()


def test_api_names_every_bad_fact():
    client = acting_for(OrganizationFactory())
    response = client.post(
        URL,
        {
            **CN_TO_MY,
            "origin": "CHN",
            "data_categories": ["personal", "biometric"],
            "subjects_ytd": -5,
            "colour": "blue",
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"origin", "data_categories", "subjects_ytd", "colour"}
    assert "biometric" in error["fields"]["data_categories"][0]
    assert not TransferAssessment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"origin": "1A"}, "origin"),
        ({"destination": None}, "destination"),
        ({"recipient_type": "embassy"}, "recipient_type"),
        ({"exemptions": ["friendship"]}, "exemptions"),
        ({"sensitive_subjects_ytd": "many"}, "sensitive_subjects_ytd"),
        ({"on": "next tuesday"}, "on"),
    ],
)
def test_api_refuses_one_bad_fact(change, field):
    client = acting_for(OrganizationFactory())
    response = client.post(URL, {**CN_TO_MY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_api_missing_facts_are_unknown_not_false():
    client = acting_for(OrganizationFactory())
    response = client.post(
        URL, {"origin": "cn", "destination": "sg", "data_categories": ["personal"]}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "manual_review"
    assert body["facts"]["origin"] == "CN" and body["facts"]["important_data"] is None
    assert "engine.missing_fact" in {rule["code"] for rule in body["rules"]}


def test_api_what_if_date():
    client = acting_for(OrganizationFactory())
    facts = {**CN_TO_MY, "origin": "VN"}
    before_law = client.post(URL, {**facts, "on": "2025-12-31"}, format="json").json()
    assert before_law["decision"] == "manual_review"
    assert before_law["assessed_on"] == "2025-12-31"
    assert before_law["rule_set_versions"] == []
    assert before_law["rules"][0]["code"] == "engine.no_rule_set_in_force"
    assert "2026-01-01" in before_law["explanation"]  # the engine names the upcoming set
    under_law = client.post(URL, {**facts, "on": "2026-02-01"}, format="json").json()
    assert under_law["rule_set_versions"] == ["VN:2026.1"]


def test_an_organisation_sees_only_its_own_pre_checks():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    client_a, client_b = acting_for(org_a), acting_for(org_b)
    mine = client_a.post(URL, CN_TO_MY, format="json").json()["id"]
    theirs = client_b.post(URL, {**CN_TO_MY, "origin": "SG"}, format="json").json()["id"]

    listed = client_a.get(URL)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [mine]
    assert client_a.get(f"{URL}{mine}/").status_code == 200
    assert client_a.get(f"{URL}{theirs}/").status_code == 404
    assert client_b.get(f"{URL}{mine}/").status_code == 404
    assert [row["id"] for row in client_b.get(URL).json()["results"]] == [theirs]


def test_a_colleague_sees_the_organisations_pre_checks_but_not_review_records():
    from compliance.rules import services

    org = OrganizationFactory()
    first = acting_for(org).post(URL, CN_TO_MY, format="json").json()["id"]
    services.transfer_assess(facts=CN_TO_MY, organization=org, context="review")
    colleague = acting_for(org)
    assert [row["id"] for row in colleague.get(URL).json()["results"]] == [first]


def test_a_user_without_organisation_sees_only_their_own_checks():
    loner, other = UserFactory(), UserFactory()
    client = APIClient()
    client.force_login(loner)
    made = client.post(URL, CN_TO_MY, format="json").json()["id"]
    assert [row["id"] for row in client.get(URL).json()["results"]] == [made]
    client.force_login(other)
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{made}/").status_code == 404


# --- the command line ---------------------------------------------------------------------


def run_assess(document: str, *args: str) -> str:
    out = io.StringIO()
    call_command("transfer_assess", *args, stdin=io.StringIO(document), stdout=out)
    return out.getvalue()


def test_command_prints_the_json_answer_and_records_it():
    printed = json.loads(run_assess(json.dumps(CN_TO_MY), "--json"))
    assert printed["decision"] == "allow_with_mechanism"
    assert printed["mechanisms_any_of"] == ["cn_standard_contract", "cn_certification"]
    assert printed["obligations"] == [
        "cn_export_notice",
        "cn_separate_consent",
        "cn_pi_impact_assessment",
    ]
    assert "cn.standard_contract.volume_threshold" in {rule["code"] for rule in printed["rules"]}
    assert printed["explanation"].startswith("Decision: allow_with_mechanism")
    record = TransferAssessment.objects.get(pk=printed["id"])
    assert record.context == "pre_check"
    assert record.requested_by is None and record.organization is None


def test_command_reads_a_patched_sys_stdin(monkeypatch):
    facts = {**CN_TO_MY, "recipient_type": "law_enforcement"}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(facts)))
    out = io.StringIO()
    call_command("transfer_assess", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["decision"] == "block"
    assert printed["mechanisms_any_of"] == [] and printed["obligations"] == []


def test_command_human_summary_and_what_if_date():
    facts = {**CN_TO_MY, "origin": "MY", "destination": "CN"}
    text = run_assess(json.dumps(facts), "--on", "2025-05-01")
    assert "Decision:    allow_with_mechanism" in text
    assert "my_transfer_impact_assessment | my_s129_exception" in text
    assert "MY:2025.1" in text  # before the DPO duty: no my_dpo_required
    assert "my_dpo_required" not in text.split("Rules fired:")[0]


@pytest.mark.parametrize(
    ("document", "args", "needle"),
    [
        ("{not json", ("--json",), "not valid JSON"),
        ("", ("--json",), "no input"),
        ('["CN", "MY"]', ("--json",), "facts"),
        ('{"origin": "CN", "destination": "MY", "subjects_ytd": -1}', (), "subjects_ytd"),
        (json.dumps(CN_TO_MY), ("--on", "yesterday"), "--on"),
    ],
)
def test_command_bad_input_exits_with_code_2(document, args, needle):
    with pytest.raises(CommandError) as caught:
        run_assess(document, *args)
    assert caught.value.returncode == 2
    assert needle in str(caught.value)
    assert not TransferAssessment.objects.exists()


def test_command_exit_code_and_stderr_from_a_real_process():
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "x")}
    result = subprocess.run(
        [sys.executable, "manage.py", "transfer_assess", "--json"],
        input="{oops",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr
    assert result.stdout == ""


# --- the browser form ---------------------------------------------------------------------


def form_data(**changes) -> dict:
    data = {
        "origin": "CN",
        "destination": "MY",
        "data_categories": ["personal"],
        "subjects_ytd": "150000",
        "sensitive_subjects_ytd": "0",
        "important_data": "false",
        "exporter_ciio": "false",
        "recipient_type": "company",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.post(PAGE, form_data()).status_code == 302
    assert not TransferAssessment.objects.exists()


def test_signed_in_user_sees_the_form(client):
    client.force_login(member_of(OrganizationFactory()))
    response = client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert "csrfmiddlewaretoken" in content
    for name in (
        "origin",
        "destination",
        "data_categories",
        "subjects_ytd",
        "sensitive_subjects_ytd",
        "important_data",
        "exporter_ciio",
        "recipient_type",
        "exemptions",
        "recipient_restricted",
        "prc_authority_approval",
        "exporter_in_gba",
        "controller_subjects",
        "controller_sensitive_subjects",
        "systematic_monitoring",
    ):
        assert f'name="{name}"' in content


def test_form_post_renders_the_decision_mechanisms_and_sources(client):
    org = OrganizationFactory()
    user = member_of(org)
    client.force_login(user)
    response = client.post(PAGE, form_data())
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="badge badge-warn" data-decision="allow_with_mechanism"' in content
    assert "cn_standard_contract" in content and "cn_certification" in content
    assert "cn_separate_consent" in content and "cn_pi_impact_assessment" in content
    assert "cn_export_notice" in content
    assert "cn.standard_contract.volume_threshold" in content
    assert "CN 2026.1" in content
    assert 'href="https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm"' in content
    assert 'rel="noopener noreferrer"' in content
    record = TransferAssessment.objects.get()
    assert record.requested_by == user and record.organization == org


def test_form_shows_a_block_in_red(client):
    client.force_login(member_of(OrganizationFactory()))
    content = client.post(PAGE, form_data(recipient_type="judicial")).content.decode()
    assert 'class="badge badge-err" data-decision="block"' in content


def test_form_unknown_answers_lead_to_manual_review(client):
    client.force_login(member_of(OrganizationFactory()))
    content = client.post(
        PAGE, form_data(important_data="unknown", subjects_ytd="", recipient_type="")
    ).content.decode()
    assert 'data-decision="manual_review"' in content
    assert "engine.missing_fact" in content


def test_form_errors_are_shown_and_nothing_is_recorded(client):
    client.force_login(member_of(OrganizationFactory()))
    response = client.post(
        PAGE,
        form_data(origin="XX", subjects_ytd="-3", data_categories=None, on="31/31/2026"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"origin", "subjects_ytd", "data_categories", "on"} <= set(form.errors)
    assert "errorlist" in response.content.decode()
    assert not TransferAssessment.objects.exists()


def test_form_rule_text_is_escaped(client):
    from compliance.rules import services

    draft = services.rule_set_new_version(
        rule_set=RuleSet.objects.get(jurisdiction="SG", version="2026.1"),
        actor=None,
        version="2026.2",
        effective_from=services.today(),
    )
    services.rule_update(
        rule=draft.rules.get(code="sg.mechanism.comparable_protection"),
        actor=None,
        explanation='<script>alert("x")</script> Comparable protection.',
    )
    services.rule_set_publish(rule_set=draft, actor=None)
    client.force_login(member_of(OrganizationFactory()))
    content = client.post(PAGE, form_data(origin="SG", destination="CN")).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content


def test_form_what_if_date(client):
    client.force_login(member_of(OrganizationFactory()))
    response = client.post(PAGE, form_data(origin="MY", destination="CN", on="2025-05-01"))
    assert response.status_code == 200
    record = TransferAssessment.objects.get()
    assert record.assessed_on == date(2025, 5, 1)
    assert record.rule_set_versions == ["MY:2025.1"]
