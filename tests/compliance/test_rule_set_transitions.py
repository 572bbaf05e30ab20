"""Every move of the transfer rule set machine, made (or refused) by the rule services.

The expected outcomes are written out by hand from the life of a rule set (a draft is
published into force; a set in force is retired once its end date has come; only a draft is
edited), never read from the map under test. ``tools/transition_mutants.py`` checks that
these tests fail when the map changes.
"""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps

from compliance.rules import services
from compliance.rules.exceptions import RuleSetNotEditable
from compliance.rules.models import Rule, RuleSet
from kernel.exceptions import InvalidTransition
from tests.factories import ledger_mark, recorded_moves, set_fields

pytestmark = pytest.mark.django_db

SEED_MIGRATION = importlib.import_module("compliance.rules.migrations.0002_seed_rule_sets")
STATES = ["draft", "in_force", "retired"]


@pytest.fixture(autouse=True)
def seeded_rule_sets():
    """The data migration's rule sets (a transactional test elsewhere may have flushed them)."""
    if not RuleSet.objects.exists():
        SEED_MIGRATION.seed(django_apps, None)


def test_pins_rule_set_map():
    assert services.RULE_SET_TRANSITIONS == {
        "draft": {"in_force": "publish"},
        "in_force": {"retired": "retire"},
        "retired": {},
    }


def test_pins_rule_set_operations():
    assert {op: set(states) for op, states in services.RULE_SET_OPERATIONS.items()} == {
        "edit": {"draft"},
    }


def vietnam_next(status: str, **dates) -> RuleSet:
    """A copy of Vietnam 2026.1 (rules and all) as version 2099.1, put in ``status``."""
    subject = services.rule_set_new_version(
        rule_set=RuleSet.objects.get(jurisdiction="VN", version="2026.1"),
        actor=None,
        version="2099.1",
        effective_from=services.today(),
    )
    assert subject.rules.exists()
    return set_fields(subject, status=status, **dates)


def ended_today() -> dict:
    """Dates of a set whose end has come (only such a set may be retired)."""
    today = services.today()
    return {"effective_from": today - timedelta(days=2), "effective_to": today}


@pytest.mark.parametrize(
    ("start", "move", "allowed"),
    [
        ("draft", "publish", True),
        ("draft", "retire", False),
        ("in_force", "publish", False),
        ("in_force", "retire", True),
        ("retired", "publish", False),
        ("retired", "retire", False),
    ],
)
def test_every_status_move(start, move, allowed):
    # Dates under which the move would go through if the status allowed it: a set to
    # publish takes effect today, a set to retire ended today.
    subject = vietnam_next(start, **(ended_today() if move == "retire" else {}))
    mark = ledger_mark()
    if move == "publish":
        call = lambda: services.rule_set_publish(rule_set=subject, actor=None)  # noqa: E731
        after, action = "in_force", "compliance.ruleset.published"
    else:
        call = lambda: services.rule_set_retire(rule_set=subject, actor=None)  # noqa: E731
        after, action = "retired", "compliance.ruleset.retired"
    if allowed:
        call()
        subject.refresh_from_db()
        assert subject.status == after
        assert recorded_moves(subject, since=mark) == [(action, start, after)]
    else:
        with pytest.raises(InvalidTransition):
            call()
        subject.refresh_from_db()
        assert subject.status == start
        assert recorded_moves(subject, since=mark) == []


def test_the_published_event_records_the_status_it_moved_to():
    # Regression: publishing's own detail once carried the status from before the move,
    # and the event said the set was still a draft after it.
    subject = vietnam_next("draft")
    mark = ledger_mark()
    services.rule_set_publish(rule_set=subject, actor=None)
    assert recorded_moves(subject, since=mark) == [
        ("compliance.ruleset.published", "draft", "in_force")
    ]


@pytest.mark.parametrize("start", ["draft", "in_force"])
def test_the_daily_task_retires_only_sets_in_force_whose_end_has_come(start):
    subject = vietnam_next(start, **ended_today())
    mark = ledger_mark()
    services.rule_sets_retire_expired()
    subject.refresh_from_db()
    if start == "in_force":
        assert subject.status == "retired"
        assert recorded_moves(subject, since=mark) == [
            ("compliance.ruleset.retired", "in_force", "retired")
        ]
    else:
        assert subject.status == start
        assert recorded_moves(subject, since=mark) == []


def _update(rule_set: RuleSet):
    services.rule_set_update(rule_set=rule_set, actor=None, title="Vietnam (edited)")


def _create_rule(rule_set: RuleSet):
    services.rule_create(
        rule_set=rule_set,
        actor=None,
        code="vn.review.public_body",
        priority=99,
        title="Public bodies",
        when={"fact": "recipient_type", "op": "eq", "value": "public_body"},
        outcome={
            "decision": "manual_review",
            "mechanisms_any_of": [],
            "obligations": [],
            "terminal": False,
        },
        explanation="Public bodies go to a reviewer.",
        source={"citation": "Decree 356/2025", "url": "https://example.org/vn"},
    )


def _update_rule(rule_set: RuleSet):
    rule = rule_set.rules.order_by("priority", "code").first()
    services.rule_update(rule=rule, actor=None, title="Edited title")


def _delete_rule(rule_set: RuleSet):
    services.rule_delete(rule=rule_set.rules.order_by("priority", "code").first(), actor=None)


def _contents(rule_set: RuleSet):
    rule_set.refresh_from_db()
    return rule_set.title, sorted(
        Rule.objects.filter(rule_set=rule_set).values_list("code", "title")
    )


EDITS = {
    "rule_set_update": _update,
    "rule_create": _create_rule,
    "rule_update": _update_rule,
    "rule_delete": _delete_rule,
}


@pytest.mark.parametrize("service", EDITS)
@pytest.mark.parametrize("status", STATES)
def test_edit_operation(status, service):
    subject = vietnam_next(status)
    before = _contents(subject)
    if status == "draft":
        EDITS[service](subject)
        assert _contents(subject) != before
    else:
        with pytest.raises(RuleSetNotEditable):
            EDITS[service](subject)
        assert _contents(subject) == before
    assert subject.status == status
