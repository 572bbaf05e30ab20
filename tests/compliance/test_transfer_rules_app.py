"""Transfer rule sets in the database: the seed, the engine round trip, versioning, the admin."""

import importlib
from datetime import date, timedelta

import pytest
from django import forms
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import COMPLIANCE_REVIEWER
from compliance.rules import engine, selectors, services
from compliance.rules.exceptions import InvalidFacts, RuleSetNotEditable
from compliance.rules.models import Decision, Mechanism, Obligation, Rule, RuleSet
from kernel.exceptions import InvalidInput
from kernel.ledger.models import AuditEvent
from tests.factories import OrganizationFactory, UserFactory, member_of, reviewer

pytestmark = pytest.mark.django_db

SEED_MIGRATION = importlib.import_module("compliance.rules.migrations.0002_seed_rule_sets")
SEED_RULE_SETS = SEED_MIGRATION.RULE_SETS  # the frozen data the migration publishes
MIGRATION_2026 = importlib.import_module("compliance.rules.migrations.0003_rule_sets_2026")
# A date before CN 2026.1 and MY 2026.1, after SG 2026.1: CN 2024.1, MY 2025.2, SG 2026.1 and
# VN 2026.1 are in force.
ON = date(2026, 6, 1)
# When each version of the two migrations starts and ends, written out (docs/domain.md).
EFFECTIVE = {
    ("CN", "2024.1"): (date(2024, 3, 22), date(2026, 12, 2)),
    ("CN", "2026.1"): (date(2026, 12, 2), None),
    ("MY", "2025.1"): (date(2025, 4, 1), date(2025, 6, 1)),
    ("MY", "2025.2"): (date(2025, 6, 1), date(2026, 12, 2)),
    ("MY", "2026.1"): (date(2026, 12, 2), None),
    ("SG", "2021.1"): (date(2021, 2, 1), date(2026, 3, 2)),
    ("SG", "2026.1"): (date(2026, 3, 2), None),
    ("VN", "2026.1"): (date(2026, 1, 1), None),
}


def published_rule_sets() -> list[dict]:
    """Every rule set the two migrations publish, with the dates they leave them at."""
    sets = SEED_MIGRATION.rule_sets() + MIGRATION_2026.rule_sets()
    for rs in sets:
        _start, end = EFFECTIVE[(rs["jurisdiction"], rs["version"])]
        rs["effective_to"] = end.isoformat() if end else None
    return sets


@pytest.fixture(autouse=True)
def seeded_rule_sets():
    """The data migrations' rule sets (a transactional test elsewhere may have flushed them)."""
    if not RuleSet.objects.exists():
        SEED_MIGRATION.seed(django_apps, None)
        MIGRATION_2026.seed(django_apps, None)


def rule_set(jurisdiction: str, version: str) -> RuleSet:
    return RuleSet.objects.get(jurisdiction=jurisdiction, version=version)


def compliance_staff():
    return reviewer(COMPLIANCE_REVIEWER)


def personal(origin: str, destination: str, **facts) -> dict:
    return {
        "origin": origin,
        "destination": destination,
        "data_categories": ["personal"],
        "subjects_ytd": 150_000,
        "sensitive_subjects_ytd": 0,
        "important_data": False,
        "exporter_ciio": False,
        "recipient_type": "company",
        **facts,
    }


# --- the seed and the round trip ----------------------------------------------------------


def test_data_migrations_published_exactly_their_rule_sets_in_force():
    stored = {(rs.jurisdiction, rs.version): rs for rs in RuleSet.objects.all()}
    assert set(stored) == set(EFFECTIVE)
    for seed in published_rule_sets():
        row = stored[(seed["jurisdiction"], seed["version"])]
        assert row.status == RuleSet.Status.IN_FORCE
        assert row.effective_from.isoformat() == seed["effective_from"]
        assert (row.effective_to.isoformat() if row.effective_to else None) == seed["effective_to"]
        assert row.sources == seed["sources"] and row.sources
        assert row.published_at is not None
        assert sorted(row.rules.values_list("code", flat=True)) == sorted(
            r["code"] for r in seed["rules"]
        )
    assert not Rule.objects.filter(source={}).exists()
    for rule in Rule.objects.all():
        assert rule.source["citation"] and rule.source["url"].startswith("https://")


def test_effective_dates_are_the_migrations():
    for (jurisdiction, version), (start, end) in EFFECTIVE.items():
        row = rule_set(jurisdiction, version)
        assert (row.effective_from, row.effective_to) == (start, end), row


def test_each_2026_version_is_based_on_the_one_it_replaces():
    assert rule_set("CN", "2026.1").based_on == rule_set("CN", "2024.1")
    assert rule_set("MY", "2026.1").based_on == rule_set("MY", "2025.2")
    assert rule_set("SG", "2026.1").based_on == rule_set("SG", "2021.1")


def test_the_2026_migration_reverses_cleanly():
    MIGRATION_2026.unseed(django_apps, None)
    assert not RuleSet.objects.filter(version="2026.1").exclude(jurisdiction="VN").exists()
    assert rule_set("CN", "2024.1").effective_to is None
    assert rule_set("MY", "2025.2").effective_to is None
    assert rule_set("SG", "2021.1").effective_to is None
    MIGRATION_2026.seed(django_apps, None)
    MIGRATION_2026.seed(django_apps, None)  # idempotent
    assert RuleSet.objects.filter(jurisdiction="CN").count() == 2
    assert rule_set("CN", "2024.1").effective_to == date(2026, 12, 2)


def test_rule_sets_as_dicts_round_trips_to_what_the_engine_accepts():
    from_db = services.rule_sets_as_dicts()
    for rule_set_dict in from_db:
        engine.validate_rule_set(rule_set_dict)
    key = lambda rs: (rs["jurisdiction"], rs["version"])  # noqa: E731
    assert sorted(from_db, key=key) == sorted(published_rule_sets(), key=key)


def test_rule_sets_as_dicts_filters_by_jurisdiction_and_date():
    assert [rs["version"] for rs in services.rule_sets_as_dicts(jurisdiction="my")] == [
        "2025.1",
        "2025.2",
        "2026.1",
    ]
    assert [rs["version"] for rs in services.rule_sets_as_dicts(jurisdiction="MY", on=ON)] == [
        "2025.2"
    ]
    # Retired but covering the date: still answers for it.
    old = rule_set("MY", "2025.1")
    old.status = RuleSet.Status.RETIRED
    old.save(update_fields=["status"])
    assert [
        rs["version"] for rs in services.rule_sets_as_dicts(jurisdiction="MY", on=date(2025, 5, 1))
    ] == ["2025.1"]
    assert services.rule_sets_as_dicts(jurisdiction="VN", on=date(2025, 12, 31)) == []


def test_drafts_never_reach_the_engine():
    services.rule_set_new_version(
        rule_set=rule_set("SG", "2021.1"),
        actor=None,
        version="2099.1",
        effective_from=date(2021, 3, 1),
    )
    versions = [rs["version"] for rs in services.rule_sets_as_dicts(jurisdiction="SG")]
    assert versions == ["2021.1", "2026.1"]


def test_labels_follow_the_engine_vocabulary():
    assert tuple(Decision.values) == engine.DECISIONS
    assert tuple(Mechanism.values) == engine.MECHANISMS
    assert tuple(Obligation.values) == engine.OBLIGATIONS


DOMAIN_CASES = [
    pytest.param(
        personal("CN", "MY"),
        "allow_with_mechanism",
        ["cn_standard_contract", "cn_certification"],
        ["cn_separate_consent", "cn_pi_impact_assessment"],
        ["CN:2024.1"],
        id="cn-150k-personal",
    ),
    pytest.param(
        personal("CN", "SG", data_categories=["non_personal"], important_data=True),
        "allow_with_mechanism",
        ["cn_security_assessment"],
        [],
        ["CN:2024.1"],
        id="cn-important-data",
    ),
    pytest.param(personal("CN", "CN"), "allow", [], [], [], id="cn-domestic"),
    pytest.param(personal("VN", "SG"), "manual_review", [], [], ["VN:2026.1"], id="vn-personal"),
    pytest.param(
        personal("MY", "CN"),
        "allow_with_mechanism",
        ["my_transfer_impact_assessment", "my_s129_exception"],
        ["my_dpo_required"],
        ["MY:2025.2"],
        id="my-personal",
    ),
    pytest.param(
        personal("SG", "CN"),
        "allow_with_mechanism",
        ["sg_enforceable_obligations", "sg_specified_certification"],
        [],
        ["SG:2026.1"],
        id="sg-personal",
    ),
    pytest.param(
        personal("CN", "MY", recipient_type="judicial"),
        "block",
        [],
        [],
        ["CN:2024.1"],
        id="cn-judicial",
    ),
]


@pytest.mark.parametrize(
    ("facts", "decision", "mechanisms", "obligations", "versions"), DOMAIN_CASES
)
def test_database_rules_answer_like_the_pure_engine(
    facts, decision, mechanisms, obligations, versions
):
    record = services.transfer_assess(facts=facts, on=ON)
    pure = engine.assess(facts, published_rule_sets(), on=ON).to_dict()
    assert record.decision == pure["decision"] == decision
    assert record.mechanisms_any_of == pure["mechanisms_any_of"] == mechanisms
    assert record.obligations == pure["obligations"] == obligations
    assert record.rules == pure["rules"]
    assert record.explanation == pure["explanation"]
    assert record.facts == pure["facts"]
    assert record.rule_set_versions == versions
    assert record.assessed_on == ON
    for fired in record.rules:
        assert {"code", "rule_set", "version", "source", "explanation"} <= set(fired)


def test_an_assessment_is_recorded_with_its_audit_event():
    org = OrganizationFactory()
    user = member_of(org)
    product_like = org  # any model instance can be the subject
    record = services.transfer_assess(
        facts=personal("CN", "MY"),
        actor=user,
        organization=org,
        context="review",
        subject=product_like,
    )
    assert record.requested_by == user and record.organization == org
    assert (record.subject_type, record.subject_id) == ("accounts.organization", str(org.pk))
    assert record.assessed_on == services.today()
    event = AuditEvent.objects.get(action="compliance.transfer.assessed", object_id=str(record.pk))
    assert event.actor == user and event.organization == org
    assert event.after["decision"] == "allow_with_mechanism"
    assert event.after["rule_set_versions"] == ["CN:2026.1"]
    assert list(selectors.assessments_of_subject(org)) == [record]


def test_bad_facts_raise_invalid_input_naming_every_field():
    with pytest.raises(InvalidFacts) as caught:
        services.transfer_assess(
            facts={"origin": "China", "destination": "MY", "subjects_ytd": -1, "colour": "red"}
        )
    assert isinstance(caught.value, InvalidInput)
    assert set(caught.value.errors) == {"origin", "subjects_ytd", "colour"}
    assert caught.value.field == "colour" or caught.value.field in caught.value.errors
    assert caught.value.status_code == 400


def test_unknown_context_is_refused():
    with pytest.raises(InvalidInput) as caught:
        services.transfer_assess(facts=personal("CN", "MY"), context="gossip")
    assert caught.value.field == "context"


# --- versioning ---------------------------------------------------------------------------


def test_an_in_force_rule_set_cannot_be_edited_in_place():
    cn = rule_set("CN", "2024.1")
    rule = cn.rules.get(code="cn.standard_contract.volume_threshold")
    with pytest.raises(RuleSetNotEditable):
        services.rule_update(rule=rule, actor=None, explanation="Changed in place.")
    with pytest.raises(RuleSetNotEditable):
        services.rule_delete(rule=rule, actor=None)
    with pytest.raises(RuleSetNotEditable):
        services.rule_create(rule_set=cn, actor=None, **_rule_fields("cn.extra"))
    with pytest.raises(RuleSetNotEditable):
        services.rule_set_update(rule_set=cn, actor=None, title="Changed")
    rule.refresh_from_db()
    assert "Changed" not in rule.explanation
    assert cn.rules.count() == len(SEED_RULE_SETS[0]["rules"])


def _rule_fields(code: str, **overrides) -> dict:
    fields = {
        "code": code,
        "priority": 99,
        "title": "A test rule",
        "when": {"fact": "recipient_type", "op": "eq", "value": "public_body"},
        "outcome": {
            "decision": "manual_review",
            "mechanisms_any_of": [],
            "obligations": [],
            "terminal": False,
        },
        "explanation": "Public bodies go to a reviewer.",
        "source": {"citation": "PIPL Art. 38", "url": "https://www.cac.gov.cn/"},
    }
    fields.update(overrides)
    return fields


def test_new_version_copies_the_rules_into_a_draft():
    staff = compliance_staff()
    cn = rule_set("CN", "2024.1")
    draft = services.rule_set_new_version(
        rule_set=cn, actor=staff, version="2026.3", effective_from=services.today()
    )
    assert draft.status == RuleSet.Status.DRAFT
    assert draft.based_on == cn and draft.created_by == staff
    assert draft.sources == cn.sources and draft.title == cn.title
    assert selectors.rule_set_as_dict(draft)["rules"] == selectors.rule_set_as_dict(cn)["rules"]
    assert AuditEvent.objects.filter(
        action="compliance.ruleset.version_created", object_id=str(draft.pk)
    ).exists()
    # The copy is independent of the original.
    services.rule_update(rule=draft.rules.get(code="cn.exempt.emergency"), actor=staff, priority=45)
    assert cn.rules.get(code="cn.exempt.emergency").priority == 43


def test_a_version_number_is_unique_per_jurisdiction():
    from kernel.exceptions import Conflict

    with pytest.raises(Conflict) as caught:
        services.rule_set_new_version(
            rule_set=rule_set("CN", "2024.1"),
            actor=None,
            version="2024.1",
            effective_from=services.today(),
        )
    assert caught.value.field == "version"


def test_editing_and_publishing_a_draft_switches_assessments_to_it():
    staff = compliance_staff()
    today = services.today()
    sg = rule_set("SG", "2026.1")
    before = services.transfer_assess(facts=personal("SG", "CN"))
    assert before.rule_set_versions == ["SG:2026.1"]

    draft = services.rule_set_new_version(
        rule_set=sg, actor=staff, version="2026.9", effective_from=today
    )
    services.rule_update(
        rule=draft.rules.get(code="sg.mechanism.comparable_protection"),
        actor=staff,
        explanation="Revised guidance: enforceable obligations or a certification.",
    )
    services.rule_set_publish(rule_set=draft, actor=staff)

    draft.refresh_from_db()
    sg.refresh_from_db()
    assert draft.status == RuleSet.Status.IN_FORCE
    assert draft.published_by == staff and draft.published_at is not None
    assert sg.effective_to == today
    assert sg.status == RuleSet.Status.RETIRED  # its end has come: today

    after = services.transfer_assess(facts=personal("SG", "CN"))
    assert after.rule_set_versions == ["SG:2026.9"]
    assert after.decision == "allow_with_mechanism"
    assert {r["version"] for r in after.rules} == {"2026.9"}
    assert "Revised guidance" in after.explanation
    # What-if on an earlier date still uses the version in force then.
    earlier = services.transfer_assess(facts=personal("SG", "CN"), on=today - timedelta(days=1))
    assert earlier.rule_set_versions == ["SG:2026.1"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "compliance.rule.updated",
        "compliance.ruleset.published",
        "compliance.ruleset.superseded",
        "compliance.ruleset.retired",
    } <= actions


def test_publishing_a_future_version_keeps_the_old_one_in_force_until_then():
    staff = compliance_staff()
    starts = services.today() + timedelta(days=30)
    sg = rule_set("SG", "2026.1")
    draft = services.rule_set_new_version(
        rule_set=sg, actor=staff, version="2027.1", effective_from=starts
    )
    services.rule_set_publish(rule_set=draft, actor=staff)
    sg.refresh_from_db()
    assert sg.effective_to == starts and sg.status == RuleSet.Status.IN_FORCE
    assert services.transfer_assess(facts=personal("SG", "CN")).rule_set_versions == ["SG:2026.1"]
    assert services.transfer_assess(facts=personal("SG", "CN"), on=starts).rule_set_versions == [
        "SG:2027.1"
    ]
    services.rule_sets_retire_expired()
    sg.refresh_from_db()
    assert sg.status == RuleSet.Status.IN_FORCE


def test_publishing_a_broken_draft_is_refused_naming_the_rule():
    staff = compliance_staff()
    draft = services.rule_set_new_version(
        rule_set=rule_set("CN", "2024.1"),
        actor=staff,
        version="2026.2",
        effective_from=services.today(),
    )
    # A row broken behind the services' back (they refuse such a condition, see below).
    Rule.objects.filter(rule_set=draft, code="cn.exempt.emergency").update(
        when={"fact": "weather", "op": "eq", "value": "storm"}
    )
    with pytest.raises(InvalidInput) as caught:
        services.rule_set_publish(rule_set=draft, actor=staff)
    assert "cn.exempt.emergency" in caught.value.message
    assert "weather" in caught.value.message
    draft.refresh_from_db()
    assert draft.status == RuleSet.Status.DRAFT
    assert rule_set("CN", "2026.1").effective_to is None


def test_rule_edits_are_validated_by_the_engine():
    draft = services.rule_set_new_version(
        rule_set=rule_set("MY", "2025.2"),
        actor=None,
        version="2026.2",
        effective_from=services.today(),
    )
    rule = draft.rules.get(code="my.allow.non_personal")
    with pytest.raises(InvalidInput) as caught:
        services.rule_update(rule=rule, actor=None, when={"fact": "weather", "op": "eq"})
    assert caught.value.field == "when"
    assert "my.allow.non_personal" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        services.rule_create(
            rule_set=draft,
            actor=None,
            **_rule_fields(
                "my.extra",
                outcome={
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["cn_standard_contract"],
                    "obligations": [],
                    "terminal": False,
                },
            ),
        )
    assert caught.value.field == "outcome"
    assert "jurisdiction" in caught.value.message  # a CN mechanism in a Malaysian rule
    created = services.rule_create(rule_set=draft, actor=None, **_rule_fields("my.extra"))
    assert created.rule_set == draft
    services.rule_delete(rule=created, actor=None)
    assert not draft.rules.filter(code="my.extra").exists()


def test_publishing_in_the_past_or_before_the_current_version_is_refused():
    from kernel.exceptions import Conflict

    past = services.rule_set_new_version(
        rule_set=rule_set("SG", "2021.1"),
        actor=None,
        version="2026.3",
        effective_from=services.today() - timedelta(days=1),
    )
    with pytest.raises(InvalidInput) as caught:
        services.rule_set_publish(rule_set=past, actor=None)
    assert caught.value.field == "effective_from"

    later = services.rule_set_new_version(
        rule_set=rule_set("SG", "2021.1"),
        actor=None,
        version="2030.1",
        effective_from=services.today() + timedelta(days=10),
    )
    services.rule_set_publish(rule_set=later, actor=None)
    services.rule_set_update(rule_set=past, actor=None, effective_from=services.today())
    with pytest.raises(Conflict):
        services.rule_set_publish(rule_set=past, actor=None)


def test_an_open_ended_set_cannot_be_retired_by_hand():
    with pytest.raises(InvalidInput):
        services.rule_set_retire(rule_set=rule_set("CN", "2026.1"), actor=None)


def test_expired_sets_are_retired_once():
    # MY 2025.1 ended on 1 June 2025, SG 2021.1 on 2 March 2026, CN 2024.1 and MY 2025.2 on
    # 2 December 2026 (the suite runs on or after that day).
    assert services.rule_sets_retire_expired() == 4
    for key in (("MY", "2025.1"), ("SG", "2021.1"), ("CN", "2024.1"), ("MY", "2025.2")):
        assert rule_set(*key).status == RuleSet.Status.RETIRED
    assert services.rule_sets_retire_expired() == 0


def test_next_version_counts_within_the_year():
    assert selectors.next_version("CN", date(2024, 5, 1)) == "2024.2"
    assert selectors.next_version("CN", date(2027, 5, 1)) == "2027.1"


# --- the admin ----------------------------------------------------------------------------


def change_url(obj) -> str:
    return reverse("admin:transfer_rules_ruleset_change", args=[obj.pk])


CHANGELIST = "/admin/transfer_rules/ruleset/"


def _field_value(bound):
    value = bound.value()
    field = bound.field
    if isinstance(field, forms.JSONField) and not isinstance(value, str):
        return field.prepare_value(value)
    return value


def form_post_data(response) -> dict:
    """What a browser would post back for the rendered change form, unchanged."""
    data = {}
    forms_on_page = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        forms_on_page.extend(formset.forms)
    for form in forms_on_page:
        for name in form.fields:
            bound = form[name]
            value = _field_value(bound)
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value
    return data


def test_compliance_staff_see_an_in_force_set_read_only_and_cannot_post(client):
    client.force_login(compliance_staff())
    cn = rule_set("CN", "2024.1")
    page = client.get(change_url(cn))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="_save"' not in content
    assert "cn.standard_contract.volume_threshold" in content
    response = client.post(change_url(cn), {"title": "Edited in place", "notes": "x"})
    assert response.status_code == 403
    cn.refresh_from_db()
    assert cn.title != "Edited in place"


def test_admin_edits_a_draft_and_its_rules_through_the_services(client):
    staff = compliance_staff()
    client.force_login(staff)
    draft = services.rule_set_new_version(
        rule_set=rule_set("SG", "2021.1"),
        actor=staff,
        version="2026.5",
        effective_from=services.today(),
    )
    page = client.get(change_url(draft))
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    data = form_post_data(page)
    data["title"] = "Singapore: transfer limitation (revised)"
    explanation_key = next(
        key
        for key, value in data.items()
        if key.endswith("-code") and value == "sg.allow.non_personal"
    ).replace("-code", "-explanation")
    data[explanation_key] = "No personal data: s.26 does not apply."
    response = client.post(change_url(draft), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.title == "Singapore: transfer limitation (revised)"
    assert (
        draft.rules.get(code="sg.allow.non_personal").explanation
        == "No personal data: s.26 does not apply."
    )
    actions = list(
        AuditEvent.objects.filter(actor=staff).values_list("action", flat=True).order_by("seq")
    )
    assert "compliance.ruleset.updated" in actions and "compliance.rule.updated" in actions


def test_admin_shows_a_bad_rule_condition_as_a_form_error(client):
    staff = compliance_staff()
    client.force_login(staff)
    draft = services.rule_set_new_version(
        rule_set=rule_set("SG", "2021.1"),
        actor=staff,
        version="2026.6",
        effective_from=services.today(),
    )
    data = form_post_data(client.get(change_url(draft)))
    when_key = next(
        key.replace("-code", "-when")
        for key, value in data.items()
        if key.endswith("-code") and value == "sg.mechanism.comparable_protection"
    )
    data[when_key] = '{"fact": "weather", "op": "eq", "value": "sunny"}'
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "sg.mechanism.comparable_protection" in content and "weather" in content
    assert draft.rules.get(code="sg.mechanism.comparable_protection").when == {
        "fact": "data_categories",
        "op": "contains_any",
        "value": ["personal", "sensitive_personal"],
    }


def test_admin_new_draft_version_action_asks_then_creates(client):
    staff = compliance_staff()
    client.force_login(staff)
    cn = rule_set("CN", "2024.1")
    ask = client.post(CHANGELIST, {"action": "new_draft_version", "_selected_action": [cn.pk]})
    assert ask.status_code == 200
    initial = ask.context["form"].initial
    year = initial["effective_from"].year
    # China has 2024.1 and 2026.1: the next free number of the year.
    assert initial["version"] == (f"{year}.2" if year == 2026 else f"{year}.1")
    done = client.post(
        CHANGELIST,
        {
            "action": "new_draft_version",
            "_selected_action": [cn.pk],
            "apply": "1",
            "version": "2026.4",
            "effective_from": services.today().isoformat(),
        },
    )
    draft = RuleSet.objects.get(jurisdiction="CN", version="2026.4")
    assert done.status_code == 302 and done["Location"] == change_url(draft)
    assert draft.status == RuleSet.Status.DRAFT and draft.rules.count() == cn.rules.count()
    again = client.post(
        CHANGELIST,
        {
            "action": "new_draft_version",
            "_selected_action": [cn.pk],
            "apply": "1",
            "version": "2026.4",
            "effective_from": services.today().isoformat(),
        },
    )
    assert again.status_code == 200
    assert "already has a rule set version 2026.4" in again.content.decode()


def test_admin_publish_action_reports_errors_as_messages(client):
    staff = compliance_staff()
    client.force_login(staff)
    draft = services.rule_set_new_version(
        rule_set=rule_set("SG", "2026.1"),
        actor=staff,
        version="2026.7",
        effective_from=services.today(),
    )
    Rule.objects.filter(rule_set=draft, code="sg.deemed.data_in_transit").update(
        when={"fact": "colour", "op": "eq", "value": "red"}
    )
    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any("sg.deemed.data_in_transit" in text for text in texts)
    draft.refresh_from_db()
    assert draft.status == RuleSet.Status.DRAFT

    Rule.objects.filter(rule_set=draft, code="sg.deemed.data_in_transit").update(
        when=rule_set("SG", "2026.1").rules.get(code="sg.deemed.data_in_transit").when
    )
    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert any("1 rule set published" in str(m) for m in response.context["messages"])
    draft.refresh_from_db()
    assert draft.status == RuleSet.Status.IN_FORCE


def test_only_publishers_see_the_publish_action(client):
    client.force_login(compliance_staff())
    assert 'value="publish"' in client.get(CHANGELIST).content.decode()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="transfer_rules", codename="view_ruleset")
    )
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert 'value="publish"' not in page.content.decode()
    assert 'value="new_draft_version"' not in page.content.decode()


def test_rule_set_changelist_does_not_grow_queries_with_rows(client):
    client.force_login(compliance_staff())
    client.get(CHANGELIST)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    for n in range(5):
        services.rule_set_new_version(
            rule_set=rule_set("SG", "2021.1"),
            actor=None,
            version=f"2031.{n + 1}",
            effective_from=date(2031, 1, n + 1),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(CHANGELIST).status_code == 200
    assert len(many) == len(few)


def test_transfer_assessment_admin_is_read_only_with_filters(client):
    staff = compliance_staff()
    client.force_login(staff)
    record = services.transfer_assess(facts=personal("CN", "MY"), actor=staff)
    listing = client.get("/admin/transfer_rules/transferassessment/?decision=allow_with_mechanism")
    assert listing.status_code == 200
    assert "allow_with_mechanism" in listing.content.decode()
    detail = client.get(reverse("admin:transfer_rules_transferassessment_change", args=[record.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert (
        client.post(
            reverse("admin:transfer_rules_transferassessment_change", args=[record.pk]), {}
        ).status_code
        == 403
    )
    search = client.get("/admin/transfer_rules/transferassessment/?q=standard+contract")
    assert search.status_code == 200 and len(search.context["cl"].result_list) == 1


def test_admin_adds_a_draft_rule_set_with_a_rule(client):
    staff = compliance_staff()
    client.force_login(staff)
    add_url = reverse("admin:transfer_rules_ruleset_add")
    assert client.get(add_url).status_code == 200
    rule = _rule_fields("th.review.public_body")
    data = {
        "jurisdiction": "th",
        "version": "2026.1",
        "title": "Thailand: PDPA s.28",
        "effective_from": "2027-01-01",
        "sources": '[{"citation": "Personal Data Protection Act B.E. 2562, s.28", '
        '"url": "https://www.pdpc.or.th/"}]',
        "notes": "",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-code": rule["code"],
        "rules-0-priority": str(rule["priority"]),
        "rules-0-title": rule["title"],
        "rules-0-when": '{"fact": "recipient_type", "op": "eq", "value": "public_body"}',
        "rules-0-outcome": '{"decision": "manual_review", "mechanisms_any_of": [], '
        '"obligations": [], "terminal": false}',
        "rules-0-explanation": rule["explanation"],
        "rules-0-source": '{"citation": "PDPA s.28", "url": "https://www.pdpc.or.th/"}',
    }
    response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = RuleSet.objects.get(jurisdiction="TH", version="2026.1")
    assert created.status == RuleSet.Status.DRAFT and created.created_by == staff
    assert list(created.rules.values_list("code", flat=True)) == ["th.review.public_body"]
    assert AuditEvent.objects.filter(
        action="compliance.ruleset.created", object_id=str(created.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="compliance.rule.created").exists()


def test_a_domain_error_while_saving_in_the_admin_is_a_message_not_a_500(client, monkeypatch):
    from kernel.exceptions import Conflict

    staff = compliance_staff()
    client.force_login(staff)
    draft = services.rule_set_new_version(
        rule_set=rule_set("SG", "2021.1"),
        actor=staff,
        version="2026.8",
        effective_from=services.today(),
    )
    data = form_post_data(client.get(change_url(draft)))
    data["title"] = "A new title"
    code_key = next(
        k for k, v in data.items() if k.endswith("-code") and v == "sg.allow.non_personal"
    )
    data[code_key.replace("-code", "-explanation")] = "Edited explanation."

    def refuse(**kwargs):
        raise Conflict("Someone published this draft a moment ago.")

    monkeypatch.setattr(services, "rule_update", refuse)
    response = client.post(change_url(draft), data, follow=True)
    assert response.status_code == 200
    assert any("moment ago" in str(m) for m in response.context["messages"])
    draft.refresh_from_db()
    assert draft.title != "A new title"  # the whole save was rolled back
