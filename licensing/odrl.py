"""A granted licence's machine-readable usage policy, as a W3C ODRL 2.2 JSON-LD ``Agreement``.

Pure Python: no Django, no network. ``licence_policy(facts)`` builds the document from a
``LicenceFacts`` snapshot; ``policy_json(facts)`` serialises it. The document keeps the
standard ODRL context URL in ``@context``; ``ODRL_CONTEXT`` is a local copy of the subset of
that context the document uses, so a JSON-LD processor (pyld, rdflib) can work offline and
the API layer can serve it (``with_inline_context`` swaps it in for processors that cannot
be given a document loader).

Modelling (ODRL 2.2 Information Model, compact form):

* The policy is an ``Agreement`` whose ``uid`` is the licence URL. ``assigner`` (provider),
  ``assignee`` (buyer) and ``target`` (the product version) sit at policy level; by ODRL's
  compact-policy rule they apply to every rule.
* One permission, action ``use``. ``read`` (what a query is) is ``odrl:includedIn
  odrl:use``, so it is covered; a second ``read`` permission would duplicate the
  constraints and make the monthly quota ambiguous (two counters).
* Permission constraints (all must hold): ``purpose isAnyOf``, ``spatial isAnyOf``
  (EU Publications Office country IRIs), ``dateTime gteq start`` and, unless perpetual,
  ``dateTime lt end``; ``count lteq N`` with ``unit dx:perCalendarMonth`` when there is a
  quota. An exactly answered product adds ``dx:minimumGroupSize gteq k`` (results may only
  be used while every group in them has at least k members — the exchange's suppression
  threshold); a differentially private one instead states its privacy budget:
  ``dx:privacyLoss lteq ε`` with ``unit dx:perLicencePeriod`` (the ε the licence may spend
  from its start to its end or renewal), ``dx:privacyLossPerQuery lteq ε`` and
  ``dx:privacyDelta lteq δ`` per query, and the privacy unit whose contributions are
  bounded (``dx:privacyUnit``; "each row" when none is named).
* Duties on the permission: ``attribute`` (text in ``dct:description``, provider as
  ``attributedParty``); ``inform`` the provider within ``PT{N}H`` (``event gt
  dx:dataBreach`` + ``elapsedTime lteq``); the profile action ``dx:permitAudit`` (let the
  provider and the exchange audit and inspect the use, on the terms in ``dct:description``:
  ODRL has no audit action); at the end (``event gt dx:licenceEnd``, i.e. expiry,
  revocation or termination) ``delete``, or for "return" the profile action ``dx:return`` to
  the provider *and* ``delete`` of anything left over. A licence always ends (``dateTime lt
  end``): the end-of-term duties must trigger.
* Onward transfer: when the terms allow it, a second permission ``distribute`` (supply to
  third parties) constrained by ``dx:recipientJurisdiction isAnyOf`` the territories onward
  recipients may be in and by the licence period, with a duty per condition of the terms:
  ``dx:concludeWrittenAgreement`` (``written_agreement``), ``dx:bindToSameProtections``
  (``same_protections``) and ``inform`` the provider before each transfer (``event lt
  dx:onwardTransfer``; ``provider_notice``). Otherwise ``distribute`` is prohibited.
* Prohibitions: ``transfer`` (of ownership) always, ``distribute`` unless onward transfer
  is allowed, ``dx:reidentify`` (ODRL has no such action; it is a profile action) always.
* Contract terms with no ODRL counterpart are profile properties: ``dx:governingLaw``,
  ``dx:disputeForum``. ``dct:issued`` is the start of the licence (the facts carry no
  separate issue time, and the document must be deterministic). ``dct:hasFormat`` points at
  the URL this document is served from.

The ``dx:`` namespace and the ``profile`` IRI live under the licence's own host
(``<scheme>://<host>/ns/licence#`` and ``<scheme>://<host>/ns/licence``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

__all__ = [
    "COUNTRY_ALPHA3",
    "ODRL_CONTEXT",
    "ODRL_CONTEXT_URL",
    "LicenceFacts",
    "PrivacyTerms",
    "country_iri",
    "licence_policy",
    "policy_json",
    "with_inline_context",
]

ODRL_CONTEXT_URL = "http://www.w3.org/ns/odrl.jsonld"
ODRL_NS = "http://www.w3.org/ns/odrl/2/"
DCT_NS = "http://purl.org/dc/terms/"
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country/"

# The subset of the official ODRL 2.2 context (http://www.w3.org/ns/odrl.jsonld) this module
# uses, with the same term definitions. Served as a JSON-LD context document.
ODRL_CONTEXT: dict = {
    "@context": {
        "odrl": ODRL_NS,
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "dct": DCT_NS,
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "uid": "@id",
        "type": "@type",
        "Policy": "odrl:Policy",
        "Agreement": "odrl:Agreement",
        "Rule": "odrl:Rule",
        "Permission": "odrl:Permission",
        "Prohibition": "odrl:Prohibition",
        "Duty": "odrl:Duty",
        "Party": "odrl:Party",
        "Asset": "odrl:Asset",
        "Action": "odrl:Action",
        "Constraint": "odrl:Constraint",
        "profile": {"@type": "@id", "@id": "odrl:profile"},
        "target": {"@type": "@id", "@id": "odrl:target"},
        "assigner": {"@type": "@id", "@id": "odrl:assigner"},
        "assignee": {"@type": "@id", "@id": "odrl:assignee"},
        "attributedParty": {"@type": "@id", "@id": "odrl:attributedParty"},
        "informedParty": {"@type": "@id", "@id": "odrl:informedParty"},
        "permission": {"@type": "@id", "@id": "odrl:permission"},
        "prohibition": {"@type": "@id", "@id": "odrl:prohibition"},
        "duty": {"@type": "@id", "@id": "odrl:duty"},
        "action": {"@type": "@vocab", "@id": "odrl:action"},
        "constraint": {"@type": "@id", "@id": "odrl:constraint"},
        "leftOperand": {"@type": "@vocab", "@id": "odrl:leftOperand"},
        "operator": {"@type": "@vocab", "@id": "odrl:operator"},
        "rightOperand": "odrl:rightOperand",
        "unit": {"@type": "@id", "@id": "odrl:unit"},
        # actions
        "use": "odrl:use",
        "read": "odrl:read",
        "attribute": "odrl:attribute",
        "inform": "odrl:inform",
        "delete": "odrl:delete",
        "distribute": "odrl:distribute",
        "transfer": "odrl:transfer",
        # left operands
        "purpose": "odrl:purpose",
        "spatial": "odrl:spatial",
        "dateTime": "odrl:dateTime",
        "count": "odrl:count",
        "elapsedTime": "odrl:elapsedTime",
        "event": "odrl:event",
        "policyUsage": "odrl:policyUsage",
        # operators
        "eq": "odrl:eq",
        "gt": "odrl:gt",
        "gteq": "odrl:gteq",
        "lt": "odrl:lt",
        "lteq": "odrl:lteq",
        "neq": "odrl:neq",
        "isAnyOf": "odrl:isAnyOf",
        "isNoneOf": "odrl:isNoneOf",
    }
}

# ISO 3166-1 alpha-2 -> alpha-3 (the EU country authority table is keyed by alpha-3).
COUNTRY_ALPHA3: dict[str, str] = {
    "CN": "CHN",
    "MY": "MYS",
    "SG": "SGP",
    "ID": "IDN",
    "TH": "THA",
    "VN": "VNM",
    "PH": "PHL",
    "BN": "BRN",
    "KH": "KHM",
    "LA": "LAO",
    "MM": "MMR",
    "HK": "HKG",
    "MO": "MAC",
    "JP": "JPN",
    "KR": "KOR",
    "IN": "IND",
    "AU": "AUS",
    "AE": "ARE",
    "GB": "GBR",
    "DE": "DEU",
    "FR": "FRA",
    "NL": "NLD",
    "US": "USA",
}

END_OF_TERM_CHOICES = ("delete", "return")
# The exchange's ceiling (docs/domain.md, "Contract terms every offer carries").
MAX_BREACH_NOTICE_HOURS = 24
ONWARD_CONDITIONS = ("written_agreement", "same_protections", "provider_notice")


@dataclass(frozen=True)
class PrivacyTerms:
    """A differentially private product's budget as the licence grants it."""

    epsilon_budget: str  # decimal text: ε per licence period
    epsilon_per_query: str  # decimal text
    delta_per_query: float
    unit: str  # the privacy unit's column; "" = each row


@dataclass(frozen=True)
class LicenceFacts:
    uid: str  # absolute URL of the licence
    policy_url: str  # absolute URL of the policy document itself
    assigner_name: str  # provider organisation
    assigner_uid: str  # absolute URL or urn:...
    assignee_name: str  # buyer organisation
    assignee_uid: str
    target_uid: str  # the data product (absolute URL)
    target_title: str
    target_version: int
    purposes: list[str]  # purpose codes or free text
    territories: list[str]  # ISO 3166 alpha-2 where the buyer may process
    starts_at: datetime  # aware
    ends_at: datetime  # aware; every licence ends
    queries_per_month: int | None
    onward_transfer_allowed: bool
    breach_notice_hours: int
    governing_law: str
    dispute_forum: str
    end_of_term: str  # "delete" | "return"
    attribution: str
    min_group_size: int  # k
    audit_rights: str  # the audit and inspection terms, in words
    onward_transfer_territories: tuple[str, ...] = ()  # ISO alpha-2 of onward recipients
    onward_transfer_conditions: tuple[str, ...] = ()  # codes of ONWARD_CONDITIONS
    privacy: PrivacyTerms | None = None  # None: exact aggregates with k-suppression


def _decimal(name: str, value: str) -> dict:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0:
        raise ValueError(f"{name} must be a positive decimal: {value!r}")
    return {"@value": str(value), "@type": "xsd:decimal"}


def _privacy_constraints(privacy: PrivacyTerms) -> list[dict]:
    delta = privacy.delta_per_query
    if isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta < 1:
        raise ValueError(f"delta_per_query must be in (0, 1): {delta!r}")
    return [
        _constraint(
            "dx:privacyLoss",
            "lteq",
            _decimal("epsilon_budget", privacy.epsilon_budget),
            unit={"@id": "dx:perLicencePeriod"},
        ),
        _constraint(
            "dx:privacyLossPerQuery",
            "lteq",
            _decimal("epsilon_per_query", privacy.epsilon_per_query),
        ),
        _constraint("dx:privacyDelta", "lteq", {"@value": repr(delta), "@type": "xsd:double"}),
        _constraint("dx:privacyUnit", "eq", privacy.unit or "each row"),
    ]


def country_iri(alpha2: str) -> str:
    """The EU Publications Office country IRI for an ISO alpha-2 code; ValueError if unknown."""
    code = alpha2.strip().upper() if isinstance(alpha2, str) else alpha2
    alpha3 = COUNTRY_ALPHA3.get(code)
    if alpha3 is None:
        raise ValueError(f"unknown territory code: {alpha2!r}")
    return COUNTRY_AUTHORITY + alpha3


def _base(uid: str) -> str:
    parts = urlsplit(uid)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"licence uid must be an absolute http(s) URL: {uid!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _require_iri(name: str, value: str) -> None:
    if not isinstance(value, str) or ":" not in value or any(c.isspace() for c in value):
        raise ValueError(f"{name} must be an absolute IRI: {value!r}")


def _require_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}: {value!r}")
    return value


def _xsd_datetime(name: str, value: datetime) -> dict:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime: {value!r}")
    iso = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {"@value": iso, "@type": "xsd:dateTime"}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _constraint(left: str, operator: str, right: object, **extra: object) -> dict:
    return {"leftOperand": left, "operator": operator, "rightOperand": right, **extra}


def _party(uid: str, name: str) -> dict:
    return {"@type": "Party", "uid": uid, "dct:title": name}


def licence_policy(facts: LicenceFacts) -> dict:
    """The licence's ODRL 2.2 ``Agreement`` as a JSON-LD document (JSON-serialisable dict)."""
    base = _base(facts.uid)
    profile = f"{base}/ns/licence"
    dx = f"{profile}#"
    for name in ("policy_url", "assigner_uid", "assignee_uid", "target_uid"):
        _require_iri(name, getattr(facts, name))

    purposes = _unique([p.strip() for p in facts.purposes if p and p.strip()])
    if not purposes:
        raise ValueError("a licence needs at least one permitted purpose")
    territories = _unique([country_iri(t) for t in facts.territories])
    if not territories:
        raise ValueError("a licence needs at least one permitted territory")
    version = _require_int("target_version", facts.target_version, 1)
    k = _require_int("min_group_size", facts.min_group_size, 1)
    hours = _require_int("breach_notice_hours", facts.breach_notice_hours, 1)
    if hours > MAX_BREACH_NOTICE_HOURS:
        raise ValueError(f"breach_notice_hours must be <= {MAX_BREACH_NOTICE_HOURS}: {hours}")
    if facts.end_of_term not in END_OF_TERM_CHOICES:
        raise ValueError(f"end_of_term must be one of {END_OF_TERM_CHOICES}: {facts.end_of_term!r}")

    audit = (facts.audit_rights or "").strip()
    if not audit:
        raise ValueError("a licence needs audit and inspection rights")
    onward_territories = _unique([country_iri(t) for t in facts.onward_transfer_territories])
    unknown_conditions = set(facts.onward_transfer_conditions) - set(ONWARD_CONDITIONS)
    if unknown_conditions:
        raise ValueError(f"unknown onward-transfer conditions: {sorted(unknown_conditions)}")
    if facts.onward_transfer_allowed and (
        not onward_territories or set(facts.onward_transfer_conditions) != set(ONWARD_CONDITIONS)
    ):
        raise ValueError(
            "onward transfer needs the recipients' territories and every condition of "
            f"{ONWARD_CONDITIONS}"
        )

    starts = _xsd_datetime("starts_at", facts.starts_at)
    if facts.ends_at is None:
        raise ValueError("a licence needs an end (deletion or return must trigger)")
    ends = _xsd_datetime("ends_at", facts.ends_at)
    if facts.ends_at <= facts.starts_at:
        raise ValueError("ends_at must be after starts_at")
    period = [_constraint("dateTime", "gteq", starts), _constraint("dateTime", "lt", ends)]
    constraints: list[dict] = [
        _constraint("purpose", "isAnyOf", purposes),
        _constraint("spatial", "isAnyOf", [{"@id": iri} for iri in territories]),
        *period,
    ]
    if facts.queries_per_month is not None:
        quota = _require_int("queries_per_month", facts.queries_per_month, 0)
        # ODRL's `count` counts executions of the rule's action but has no reset period.
        # `unit` names the measure of the right operand; the profile unit dx:perCalendarMonth
        # says the count is taken per calendar month (UTC) and restarts on the 1st.
        constraints.append(_constraint("count", "lteq", quota, unit={"@id": "dx:perCalendarMonth"}))
    if facts.privacy is None:
        # Results may only be used while every group in them has at least k members (the
        # exchange suppresses smaller groups); dx:minimumGroupSize is a profile left operand.
        constraints.append(_constraint("dx:minimumGroupSize", "gteq", k))
    else:
        # Differential privacy: the budget is the limit, not a group size (docs/domain.md,
        # "Answers that cannot be differenced").
        constraints += _privacy_constraints(facts.privacy)

    provider = _party(facts.assigner_uid, facts.assigner_name)
    end_event = _constraint("event", "gt", {"@id": "dx:licenceEnd"})
    duties: list[dict] = [
        {
            "action": "attribute",
            "attributedParty": provider,
            "dct:description": facts.attribution,
        },
        {
            "action": "inform",
            "informedParty": provider,
            "dct:description": f"Notify the provider of any data breach within {hours} hours.",
            "constraint": [
                _constraint("event", "gt", {"@id": "dx:dataBreach"}),
                _constraint(
                    "elapsedTime", "lteq", {"@value": f"PT{hours}H", "@type": "xsd:duration"}
                ),
            ],
        },
        {
            # ODRL 2.2 has no audit action: dx:permitAudit is a profile action (let the
            # provider and the exchange audit and inspect the use, on these terms).
            "action": {"@id": "dx:permitAudit"},
            "informedParty": provider,
            "dct:description": audit,
        },
    ]
    if facts.end_of_term == "return":
        # ODRL 2.2 has no "return" action: dx:return is a profile action (hand back every
        # copy and extract to the provider); residual copies must then be deleted.
        duties.append(
            {
                "action": {"@id": "dx:return"},
                "dx:recipient": {"@id": facts.assigner_uid},
                "constraint": [end_event],
            }
        )
    duties.append({"action": "delete", "constraint": [end_event]})

    permissions: list[dict] = [{"action": "use", "constraint": constraints, "duty": duties}]
    # A licence never passes ownership; supplying results to third parties is allowed only
    # as the terms say (where, and on which conditions).
    prohibitions: list[dict] = [{"action": "transfer"}]
    if facts.onward_transfer_allowed:
        onward_duties = {
            "written_agreement": {
                "action": {"@id": "dx:concludeWrittenAgreement"},
                "dct:description": "A written agreement with each onward recipient first.",
            },
            "same_protections": {
                "action": {"@id": "dx:bindToSameProtections"},
                "dct:description": "Bind each onward recipient to the protections of this "
                "licence, no lower.",
            },
            "provider_notice": {
                "action": "inform",
                "informedParty": provider,
                "dct:description": "Tell the provider before each onward transfer.",
                "constraint": [_constraint("event", "lt", {"@id": "dx:onwardTransfer"})],
            },
        }
        permissions.append(
            {
                "action": "distribute",
                "constraint": [
                    _constraint(
                        "dx:recipientJurisdiction",
                        "isAnyOf",
                        [{"@id": iri} for iri in onward_territories],
                    ),
                    *period,
                ],
                "duty": [onward_duties[c] for c in ONWARD_CONDITIONS],
            }
        )
    else:
        prohibitions.append({"action": "distribute"})
    # Always: no attempt to re-identify individuals (ODRL has no such action; profile action).
    prohibitions.append({"action": {"@id": "dx:reidentify"}})

    return {
        "@context": [ODRL_CONTEXT_URL, {"dct": DCT_NS, "dx": dx}],
        "@type": "Agreement",
        "uid": facts.uid,
        "profile": profile,
        "dct:title": (
            f"Licence: {facts.target_title} (version {version}), "
            f"{facts.assigner_name} to {facts.assignee_name}"
        ),
        "dct:issued": starts,
        "dct:hasFormat": {"@id": facts.policy_url},
        "assigner": provider,
        "assignee": _party(facts.assignee_uid, facts.assignee_name),
        "target": {
            "@type": "Asset",
            "uid": facts.target_uid,
            "dct:title": facts.target_title,
            "dct:hasVersion": version,
        },
        "permission": permissions,
        "prohibition": prohibitions,
        "dx:governingLaw": facts.governing_law,
        "dx:disputeForum": facts.dispute_forum,
    }


def policy_json(facts: LicenceFacts) -> str:
    return json.dumps(licence_policy(facts), indent=2, ensure_ascii=False)


def with_inline_context(document: dict) -> dict:
    """A copy of ``document`` with the ODRL context URL replaced by ``ODRL_CONTEXT`` inline,
    for JSON-LD processors that cannot be given a document loader (e.g. rdflib offline)."""
    context = document["@context"]
    contexts = context if isinstance(context, list) else [context]
    inlined = [ODRL_CONTEXT["@context"] if c == ODRL_CONTEXT_URL else c for c in contexts]
    return {**document, "@context": inlined}
