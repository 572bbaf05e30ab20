"""Reads of the transfer rules: rule sets in the engine's shape, and who sees which assessment."""

from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Organization, User
from compliance.rules.models import Rule, RuleSet, TransferAssessment

PUBLISHED = (RuleSet.Status.IN_FORCE, RuleSet.Status.RETIRED)


def rule_as_dict(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "priority": rule.priority,
        "title": rule.title,
        "when": rule.when,
        "outcome": rule.outcome,
        "explanation": rule.explanation,
        "source": rule.source,
    }


def rule_set_as_dict(rule_set: RuleSet, rules: list[Rule] | None = None) -> dict[str, Any]:
    """One rule set in the shape ``engine.assess`` and ``engine.validate_rule_set`` take."""
    if rules is None:
        rules = list(rule_set.rules.all())
    return {
        "jurisdiction": rule_set.jurisdiction,
        "version": rule_set.version,
        "effective_from": rule_set.effective_from.isoformat(),
        "effective_to": rule_set.effective_to.isoformat() if rule_set.effective_to else None,
        "title": rule_set.title,
        "sources": rule_set.sources,
        "rules": [rule_as_dict(rule) for rule in sorted(rules, key=lambda r: (r.priority, r.code))],
    }


def published_rule_sets(
    *, jurisdiction: str | None = None, on: date | None = None
) -> QuerySet[RuleSet]:
    """In-force and retired rule sets (never drafts), with their rules prefetched.

    With ``on``, only those in force on that date (``effective_from <= on < effective_to``):
    a retired set still answers for the dates it covered.
    """
    qs = RuleSet.objects.filter(status__in=PUBLISHED)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction.upper())
    if on is not None:
        qs = qs.filter(effective_from__lte=on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=on)
        )
    return qs.prefetch_related(
        Prefetch("rules", queryset=Rule.objects.order_by("priority", "code"))
    )


def rule_sets_as_dicts(
    *, jurisdiction: str | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    """Published rule sets from the database in the engine's dict shape.

    Without ``on`` every published set is returned and the engine picks the ones in force on
    its own date (which also lets it say when an upcoming set takes effect).
    """
    return [
        rule_set_as_dict(rule_set, list(rule_set.rules.all()))
        for rule_set in published_rule_sets(jurisdiction=jurisdiction, on=on).order_by(
            "jurisdiction", "effective_from", "version"
        )
    ]


def next_version(jurisdiction: str, on: date) -> str:
    """The next free version number of a jurisdiction in ``on``'s year: 2026.1, 2026.2, …"""
    prefix = f"{on.year}."
    taken = RuleSet.objects.filter(jurisdiction=jurisdiction, version__startswith=prefix)
    numbers = [
        int(rest)
        for rest in (v[len(prefix) :] for v in taken.values_list("version", flat=True))
        if rest.isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def rule_sets_for_admin() -> QuerySet[RuleSet]:
    return RuleSet.objects.annotate(rule_count=Count("rules")).select_related("published_by")


def transfer_assessments_visible_to(
    *, user: User, organization: Organization | None
) -> QuerySet[TransferAssessment]:
    """The pre-checks made for the organisation the caller acts for.

    A caller acting for no organisation sees only the pre-checks it made itself without one.
    Reviews and licence-request assessments belong to those workflows, not to this list.
    """
    if user is None or not user.is_authenticated:
        return TransferAssessment.objects.none()
    qs = TransferAssessment.objects.filter(context=TransferAssessment.Context.PRE_CHECK)
    if organization is None:
        return qs.filter(organization__isnull=True, requested_by=user)
    return qs.filter(organization=organization)


def assessments_of_subject(subject) -> QuerySet[TransferAssessment]:
    """Every assessment recorded for one object (e.g. a product version), newest first."""
    return TransferAssessment.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=str(subject.pk)
    )
