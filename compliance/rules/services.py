"""Writes of the transfer rules: assessments, and the life of rule sets and their rules.

Every write runs in one transaction with its audit event. A rule set moves
``draft → in_force → retired`` (``TRANSITIONS``); only a draft and its rules can be edited,
so an in-force set is never changed in place: ``rule_set_new_version`` copies it into a new
draft, which ``rule_set_publish`` validates with the engine and puts in force, closing the
version it replaces.
"""

import copy
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization, User
from compliance.rules import engine, selectors
from compliance.rules.exceptions import InvalidFacts, RuleSetNotEditable
from compliance.rules.models import Rule, RuleSet, TransferAssessment
from kernel.exceptions import Conflict, InvalidInput
from kernel.ledger.services import audit_record
from kernel.transitions import StateMachine, transition

S = RuleSet.Status
# Each move names the operation (service) that makes it; see kernel.transitions.
RULE_SET_TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {S.IN_FORCE: "publish"},
    S.IN_FORCE: {S.RETIRED: "retire"},
    S.RETIRED: {},
}
RULE_SET_OPERATIONS: dict[str, set[str]] = {
    # Only a draft and its rules are edited: a set in force is replaced by a new version.
    "edit": {S.DRAFT},
}
RULE_SET = StateMachine(
    model=RuleSet,
    field="status",
    transitions=RULE_SET_TRANSITIONS,
    operations=RULE_SET_OPERATIONS,
    noun=gettext_lazy("rule set"),
    action_prefix="compliance.ruleset",
)
RULE_SET_FIELDS = ("version", "title", "effective_from", "effective_to", "sources", "notes")
RULE_FIELDS = ("code", "priority", "title", "when", "outcome", "explanation", "source")
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")
_JURISDICTION = re.compile(r"^[A-Z]{2}$")


def today() -> date:
    """The exchange's calendar date (settings.TIME_ZONE), which rules are taken at."""
    return timezone.localdate()


def rule_sets_as_dicts(
    *, jurisdiction: str | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    """Published (in-force and retired) rule sets in the engine's shape; see the selector."""
    return selectors.rule_sets_as_dicts(jurisdiction=jurisdiction, on=on)


# --- assessments --------------------------------------------------------------------------


def _as_date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(_("Must be a date (YYYY-MM-DD)."), field=field)


def transfer_assess(
    *,
    facts: Mapping[str, Any],
    on: date | None = None,
    actor: User | None = None,
    organization: Organization | None = None,
    context: str = TransferAssessment.Context.PRE_CHECK,
    subject: Model | None = None,
) -> TransferAssessment:
    """Assess one transfer with the published rule sets of its origin and record the answer.

    ``on`` is the date the rules are taken at (default: today), for what-if checks.
    Raises :class:`InvalidFacts` (HTTP 400, every bad field in ``errors``) for facts the
    engine cannot read.
    """
    if context not in TransferAssessment.Context.values:
        raise InvalidInput(_("Unknown assessment context."), field="context")
    on = today() if on is None else _as_date(on, "on")
    try:
        normalised, _problems = engine.normalise_facts(facts)
    except engine.FactsError as exc:
        raise InvalidFacts(exc.errors) from None
    origin, destination = normalised["origin"], normalised["destination"]
    rule_sets = selectors.rule_sets_as_dicts(jurisdiction=origin)
    # Every published set of the origin goes in: the engine picks those in force on ``on``
    # and can then name an upcoming one when none is in force yet.
    answer = engine.assess(normalised, rule_sets, on=on)
    versions = (
        []
        if origin == destination
        else [
            f"{rs['jurisdiction']}:{rs['version']}"
            for rs in rule_sets
            if engine.rule_set_in_force(rs, on)
        ]
    )
    with transaction.atomic():
        record = TransferAssessment.objects.create(
            facts=answer.facts,
            origin=origin,
            destination=destination,
            decision=answer.decision,
            mechanisms_any_of=answer.mechanisms_any_of,
            obligations=answer.obligations,
            rules=answer.rules,
            explanation=answer.explanation,
            rule_set_versions=versions,
            assessed_on=on,
            requested_by=actor if actor is not None and actor.is_authenticated else None,
            organization=organization,
            context=context,
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
        )
        audit_record(
            action="compliance.transfer.assessed",
            actor=record.requested_by,
            organization=organization,
            obj=record,
            after={
                "origin": origin,
                "destination": destination,
                "decision": record.decision,
                "mechanisms_any_of": record.mechanisms_any_of,
                "obligations": record.obligations,
                "rule_set_versions": versions,
                "assessed_on": on,
                "context": context,
                "subject": f"{record.subject_type}:{record.subject_id}" if subject else "",
            },
        )
    return record


# --- rule sets ----------------------------------------------------------------------------


def _locked_rule_set(rule_set: RuleSet) -> RuleSet:
    return RuleSet.objects.select_for_update().get(pk=rule_set.pk)


def _require_draft(rule_set: RuleSet) -> None:
    if not RULE_SET.permits(rule_set, "edit"):
        raise RuleSetNotEditable(rule_set)


def _rule_set_state(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "jurisdiction": rule_set.jurisdiction,
        "version": rule_set.version,
        "status": rule_set.status,
        "title": rule_set.title,
        "effective_from": rule_set.effective_from,
        "effective_to": rule_set.effective_to,
        "sources": rule_set.sources,
        "notes": rule_set.notes,
    }


def _clean_version(version: Any) -> str:
    version = str(version or "").strip()
    if not VERSION_PATTERN.match(version):
        raise InvalidInput(
            _("A version is 1-20 letters, digits, dots, dashes or underscores, e.g. 2026.1."),
            field="version",
        )
    return version


def _clean_jurisdiction(code: Any) -> str:
    code = str(code or "").strip().upper()
    if not _JURISDICTION.match(code):
        raise InvalidInput(
            _("An ISO 3166-1 alpha-2 code such as CN is required."), field="jurisdiction"
        )
    return code


def _clean_text(value: Any, field: str, *, max_length: int | None = None) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(_("This field is required."), field=field)
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return text


def _clean_sources(sources: Any) -> list[dict[str, Any]]:
    """A list of {citation, url} objects; the engine checks them fully on publishing."""
    if sources is None:
        return []
    if not isinstance(sources, list) or not all(
        isinstance(s, Mapping) and set(s) == {"citation", "url"} for s in sources
    ):
        raise InvalidInput(
            _('Sources must be a list of {"citation": "…", "url": "https://…"} objects.'),
            field="sources",
        )
    return [dict(source) for source in sources]


def _check_dates(effective_from: date, effective_to: date | None) -> None:
    if effective_to is not None and effective_to <= effective_from:
        raise InvalidInput(
            _("“Effective to” must be after “effective from”."), field="effective_to"
        )


def _version_taken(jurisdiction: str, version: str, exclude_pk: int | None = None) -> bool:
    qs = RuleSet.objects.filter(jurisdiction=jurisdiction, version=version)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _version_conflict(jurisdiction: str, version: str) -> Conflict:
    return Conflict(
        _("%(jurisdiction)s already has a rule set version %(version)s.")
        % {"jurisdiction": jurisdiction, "version": version},
        field="version",
    )


def rule_set_create(
    *,
    actor: User | None,
    jurisdiction: str,
    version: str,
    title: str,
    effective_from: date,
    effective_to: date | None = None,
    sources: list[dict[str, Any]] | None = None,
    notes: str = "",
) -> RuleSet:
    """A new, empty draft rule set (for a jurisdiction without one, say)."""
    jurisdiction = _clean_jurisdiction(jurisdiction)
    version = _clean_version(version)
    title = _clean_text(title, "title", max_length=300)
    effective_from = _as_date(effective_from, "effective_from")
    if effective_to is not None:
        effective_to = _as_date(effective_to, "effective_to")
    _check_dates(effective_from, effective_to)
    sources = _clean_sources(sources)
    with transaction.atomic():
        if _version_taken(jurisdiction, version):
            raise _version_conflict(jurisdiction, version)
        rule_set = RuleSet.objects.create(
            jurisdiction=jurisdiction,
            version=version,
            title=title,
            effective_from=effective_from,
            effective_to=effective_to,
            sources=sources,
            notes=notes or "",
            status=S.DRAFT,
            created_by=actor,
        )
        audit_record(
            action="compliance.ruleset.created",
            actor=actor,
            obj=rule_set,
            after=_rule_set_state(rule_set),
        )
    return rule_set


def rule_set_update(*, rule_set: RuleSet, actor: User | None, **fields: Any) -> RuleSet:
    """Change a draft's header (version, title, dates, sources, notes)."""
    unknown = set(fields) - set(RULE_SET_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Unknown rule set field(s): %(f)s") % {"f": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    with transaction.atomic():
        rule_set = _locked_rule_set(rule_set)
        _require_draft(rule_set)
        before = _rule_set_state(rule_set)
        cleaned: dict[str, Any] = {}
        if "version" in fields:
            cleaned["version"] = _clean_version(fields["version"])
            if _version_taken(rule_set.jurisdiction, cleaned["version"], rule_set.pk):
                raise _version_conflict(rule_set.jurisdiction, cleaned["version"])
        if "title" in fields:
            cleaned["title"] = _clean_text(fields["title"], "title", max_length=300)
        if "effective_from" in fields:
            cleaned["effective_from"] = _as_date(fields["effective_from"], "effective_from")
        if "effective_to" in fields:
            value = fields["effective_to"]
            cleaned["effective_to"] = None if value is None else _as_date(value, "effective_to")
        if "sources" in fields:
            cleaned["sources"] = _clean_sources(fields["sources"])
        if "notes" in fields:
            cleaned["notes"] = str(fields["notes"] or "")
        _check_dates(
            cleaned.get("effective_from", rule_set.effective_from),
            cleaned.get("effective_to", rule_set.effective_to),
        )
        for name, value in cleaned.items():
            setattr(rule_set, name, value)
        if cleaned:
            rule_set.save(update_fields=list(cleaned))
            audit_record(
                action="compliance.ruleset.updated",
                actor=actor,
                obj=rule_set,
                before=before,
                after=_rule_set_state(rule_set),
            )
    return rule_set


def rule_set_new_version(
    *, rule_set: RuleSet, actor: User | None, version: str, effective_from: date
) -> RuleSet:
    """Copy a rule set and all its rules into a new draft (the way to change one in force)."""
    version = _clean_version(version)
    effective_from = _as_date(effective_from, "effective_from")
    with transaction.atomic():
        source = RuleSet.objects.get(pk=rule_set.pk)
        if _version_taken(source.jurisdiction, version):
            raise _version_conflict(source.jurisdiction, version)
        draft = RuleSet.objects.create(
            jurisdiction=source.jurisdiction,
            version=version,
            title=source.title,
            effective_from=effective_from,
            effective_to=None,
            sources=copy.deepcopy(source.sources),
            notes=source.notes,
            status=S.DRAFT,
            based_on=source,
            created_by=actor,
        )
        Rule.objects.bulk_create(
            Rule(
                rule_set=draft,
                code=rule.code,
                priority=rule.priority,
                title=rule.title,
                when=copy.deepcopy(rule.when),
                outcome=copy.deepcopy(rule.outcome),
                explanation=rule.explanation,
                source=copy.deepcopy(rule.source),
            )
            for rule in source.rules.order_by("priority", "code")
        )
        audit_record(
            action="compliance.ruleset.version_created",
            actor=actor,
            obj=draft,
            before={"based_on": str(source), "based_on_id": source.pk},
            after={**_rule_set_state(draft), "rules": draft.rules.count()},
        )
    return draft


def _definition_problem(exc: engine.RuleDefinitionError, *, with_rule_set: bool) -> str:
    where = []
    if with_rule_set and exc.rule_set:
        where.append(_("rule set %(rs)s") % {"rs": exc.rule_set})
    if exc.rule_code:
        where.append(_("rule %(code)s") % {"code": exc.rule_code})
    if exc.path:
        where.append(exc.path)
    return f"{', '.join(where)}: {exc.message}" if where else exc.message


def _retire(rule_set: RuleSet, *, actor: User | None) -> None:
    transition(
        rule_set,
        machine=RULE_SET,
        to=S.RETIRED,
        via="retire",
        actor=actor,
        after={"effective_to": rule_set.effective_to},
    )


def rule_set_publish(*, rule_set: RuleSet, actor: User | None) -> RuleSet:
    """Put a draft in force after the engine has validated it.

    The open-ended in-force set of the same jurisdiction that it replaces gets
    ``effective_to`` = the draft's ``effective_from`` and is retired once that date has come.
    A draft may not take effect in the past: answers already given stay reproducible.
    """
    with transaction.atomic():
        rule_set = _locked_rule_set(rule_set)
        RULE_SET.check(rule_set.status, S.IN_FORCE, "publish")
        rules = list(rule_set.rules.all())
        try:
            engine.validate_rule_set(selectors.rule_set_as_dict(rule_set, rules))
        except engine.RuleDefinitionError as exc:
            raise InvalidInput(
                _("%(rs)s cannot be published: %(problem)s")
                % {"rs": rule_set, "problem": _definition_problem(exc, with_rule_set=False)},
                field="rules" if exc.rule_code else None,
            ) from None
        now = today()
        if rule_set.effective_from < now:
            raise InvalidInput(
                _(
                    "%(rs)s takes effect on %(date)s, in the past; a published rule set may not "
                    "change answers already given. Set “effective from” to today or later."
                )
                % {"rs": rule_set, "date": rule_set.effective_from.isoformat()},
                field="effective_from",
            )
        replaced = list(
            RuleSet.objects.select_for_update()
            .filter(
                jurisdiction=rule_set.jurisdiction, status=S.IN_FORCE, effective_to__isnull=True
            )
            .exclude(pk=rule_set.pk)
            .order_by("effective_from")
        )
        for previous in replaced:
            if previous.effective_from >= rule_set.effective_from:
                raise Conflict(
                    _(
                        "%(previous)s is in force from %(date)s, not before this draft; give the "
                        "draft a later “effective from”."
                    )
                    % {"previous": previous, "date": previous.effective_from.isoformat()},
                    field="effective_from",
                )
        for previous in replaced:
            previous.effective_to = rule_set.effective_from
            previous.save(update_fields=["effective_to"])
            audit_record(
                action="compliance.ruleset.superseded",
                actor=actor,
                obj=previous,
                before={"effective_to": None},
                after={"effective_to": previous.effective_to, "superseded_by": str(rule_set)},
            )
            if previous.effective_to <= now:
                _retire(previous, actor=actor)
        rule_set = transition(
            rule_set,
            machine=RULE_SET,
            to=S.IN_FORCE,
            via="publish",
            actor=actor,
            changes={"published_at": timezone.now(), "published_by": actor},
            after={
                **_rule_set_state(rule_set),
                "rules": len(rules),
                "replaces": [str(previous) for previous in replaced],
            },
            action="compliance.ruleset.published",
        )
    return rule_set


def rule_set_retire(*, rule_set: RuleSet, actor: User | None) -> RuleSet:
    """Mark an in-force set retired once its ``effective_to`` has come.

    The dates decide which set answers for a day, so a set that is still open-ended or whose
    end lies ahead cannot be retired: publish the version that replaces it instead.
    """
    with transaction.atomic():
        rule_set = _locked_rule_set(rule_set)
        RULE_SET.check(rule_set.status, S.RETIRED, "retire")
        if rule_set.effective_to is None or rule_set.effective_to > today():
            raise InvalidInput(
                _(
                    "%(rs)s is in force until a later version replaces it; publish that "
                    "version instead of retiring this one."
                )
                % {"rs": rule_set},
                field="effective_to",
            )
        _retire(rule_set, actor=actor)
    return rule_set


def rule_sets_retire_expired(*, actor: User | None = None) -> int:
    """Retire every in-force set whose ``effective_to`` has come; returns how many.

    Idempotent; meant for a daily task. Assessments do not depend on it (the dates decide
    which set is in force); it keeps the status honest for people reading the admin.
    """
    expired = RuleSet.objects.filter(status=S.IN_FORCE, effective_to__lte=today())
    count = 0
    for rule_set in expired:
        with transaction.atomic():
            locked = _locked_rule_set(rule_set)
            if RULE_SET.allows(locked.status, S.RETIRED, "retire"):
                _retire(locked, actor=actor)
                count += 1
    return count


# --- rules of a draft ---------------------------------------------------------------------

_PROBE_SOURCE = {"citation": "rule validation probe", "url": "https://example.org/"}


def _field_of(exc: engine.RuleDefinitionError) -> str | None:
    if exc.path and exc.path.startswith("when"):
        return "when"
    for field in ("outcome", "source", "priority", "title", "explanation", "code"):
        if exc.message.startswith(field):
            return field
    return None


def rule_validate(*, rule_set: RuleSet, rule: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidInput` (naming the rule code and the field) unless the engine
    accepts ``rule`` as a rule of ``rule_set``'s jurisdiction.

    The rule is checked on its own, inside a probe rule set whose header is valid, so that an
    unfinished draft header does not hide or cause rule errors.
    """
    probe = {
        "jurisdiction": rule_set.jurisdiction,
        "version": rule_set.version or "draft",
        "effective_from": "2000-01-01",
        "effective_to": None,
        "title": "probe",
        "sources": [_PROBE_SOURCE],
        "rules": [{name: rule.get(name) for name in RULE_FIELDS}],
    }
    try:
        engine.validate_rule_set(probe)
    except engine.RuleDefinitionError as exc:
        raise InvalidInput(
            _definition_problem(exc, with_rule_set=False), field=_field_of(exc)
        ) from None


def _rule_state(rule: Rule) -> dict[str, Any]:
    return {"rule_set": str(rule.rule_set), **selectors.rule_as_dict(rule)}


def _code_conflict(code: str) -> Conflict:
    return Conflict(_("This rule set already has a rule %(code)s.") % {"code": code}, field="code")


def rule_create(
    *,
    rule_set: RuleSet,
    actor: User | None,
    code: str,
    priority: int,
    title: str,
    when: Mapping[str, Any],
    outcome: Mapping[str, Any],
    explanation: str,
    source: Mapping[str, Any],
) -> Rule:
    """Add a rule to a draft rule set."""
    values = {
        "code": str(code or "").strip(),
        "priority": priority,
        "title": title,
        "when": copy.deepcopy(when),
        "outcome": copy.deepcopy(outcome),
        "explanation": explanation,
        "source": copy.deepcopy(source),
    }
    with transaction.atomic():
        rule_set = _locked_rule_set(rule_set)
        _require_draft(rule_set)
        rule_validate(rule_set=rule_set, rule=values)
        if rule_set.rules.filter(code=values["code"]).exists():
            raise _code_conflict(values["code"])
        rule = Rule.objects.create(rule_set=rule_set, **values)
        audit_record(
            action="compliance.rule.created", actor=actor, obj=rule, after=_rule_state(rule)
        )
    return rule


def rule_update(*, rule: Rule, actor: User | None, **fields: Any) -> Rule:
    """Change a rule of a draft rule set; the whole rule is validated again."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Unknown rule field(s): %(f)s") % {"f": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    with transaction.atomic():
        rule_set = _locked_rule_set(rule.rule_set)
        _require_draft(rule_set)
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        before = _rule_state(rule)
        values = {**selectors.rule_as_dict(rule), **copy.deepcopy(fields)}
        values["code"] = str(values["code"] or "").strip()
        rule_validate(rule_set=rule_set, rule=values)
        if values["code"] != rule.code and rule_set.rules.filter(code=values["code"]).exists():
            raise _code_conflict(values["code"])
        changed = [name for name in RULE_FIELDS if getattr(rule, name) != values[name]]
        for name in changed:
            setattr(rule, name, values[name])
        if changed:
            try:
                with transaction.atomic():
                    rule.save(update_fields=changed)
            except IntegrityError:
                raise _code_conflict(values["code"]) from None
            audit_record(
                action="compliance.rule.updated",
                actor=actor,
                obj=rule,
                before=before,
                after=_rule_state(rule),
            )
    return rule


def rule_delete(*, rule: Rule, actor: User | None) -> None:
    """Remove a rule from a draft rule set."""
    with transaction.atomic():
        rule_set = _locked_rule_set(rule.rule_set)
        _require_draft(rule_set)
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        audit_record(
            action="compliance.rule.deleted", actor=actor, obj=rule, before=_rule_state(rule)
        )
        rule.delete()
