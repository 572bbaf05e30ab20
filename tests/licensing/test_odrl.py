"""A licence's usage policy as ODRL 2.2 JSON-LD: expands with pyld, parses with rdflib, offline."""

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pyld import jsonld
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from licensing.odrl import (
    ODRL_CONTEXT,
    ODRL_CONTEXT_URL,
    LicenceFacts,
    country_iri,
    licence_policy,
    policy_json,
    with_inline_context,
)

ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DX = Namespace("https://exchange.example/ns/licence#")
O = "http://www.w3.org/ns/odrl/2/"  # noqa: E741
LICENCE = "https://exchange.example/api/v1/licences/12"
PROVIDER = "https://exchange.example/api/v1/organisations/3"
BUYER = "urn:uuid:6f1c2b1e-8a9d-4c36-9f0e-2d6b8a1c0f11"
PRODUCT = "https://exchange.example/api/v1/products/7"

# rdflib's own JSON-LD parser still uses ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def make_facts(**overrides) -> LicenceFacts:
    facts = LicenceFacts(
        uid=LICENCE,
        policy_url=f"{LICENCE}/policy",
        assigner_name="Pelabuhan Analytics Sdn Bhd",
        assigner_uid=PROVIDER,
        assignee_name="深圳华航制造有限公司",
        assignee_uid=BUYER,
        target_uid=PRODUCT,
        target_title="Port Klang dwell-time statistics",
        target_version=3,
        purposes=["supply-chain-planning"],
        territories=["CN", "MY"],
        starts_at=datetime(2026, 2, 1, tzinfo=UTC),
        ends_at=datetime(2027, 2, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
        queries_per_month=10_000,
        onward_transfer_allowed=False,
        breach_notice_hours=24,
        governing_law="SG",
        dispute_forum="SIAC",
        end_of_term="delete",
        attribution="Source: Pelabuhan Analytics Sdn Bhd via Jambatan Data Exchange",
        min_group_size=10,
        audit_rights="The provider and the exchange may audit the use on 30 days' notice.",
    )
    return replace(facts, **overrides)


ONWARD = {
    "onward_transfer_allowed": True,
    "onward_transfer_territories": ("SG", "MY"),
    "onward_transfer_conditions": ("written_agreement", "same_protections", "provider_notice"),
}


def local_loader(url, options=None):
    if url != ODRL_CONTEXT_URL:
        raise jsonld.JsonLdError(f"no network: {url}", "jsonld.LoadDocumentError")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(ODRL_CONTEXT),
    }


def expand(doc):
    [node] = jsonld.expand(doc, {"documentLoader": local_loader})
    return node


def ids(values):
    return {v["@id"] for v in values}


def only(values):
    assert len(values) == 1, values
    return values[0]


def constraints_by_operand(rule):
    return {
        (only(c[O + "leftOperand"])["@id"], only(c[O + "operator"])["@id"]): c[O + "rightOperand"]
        for c in rule[O + "constraint"]
    }


def graph_of(doc) -> Graph:
    return Graph().parse(data=json.dumps(with_inline_context(doc)), format="json-ld")


def test_document_keeps_the_standard_context_and_is_deterministic():
    doc = licence_policy(make_facts())
    assert doc["@context"][0] == "http://www.w3.org/ns/odrl.jsonld"
    assert doc["@context"][1]["dx"] == "https://exchange.example/ns/licence#"
    assert doc["@type"] == "Agreement"
    assert doc["profile"] == "https://exchange.example/ns/licence"
    text = policy_json(make_facts())
    assert text == policy_json(make_facts())
    assert json.loads(text) == doc
    assert "深圳华航制造有限公司" in text  # ensure_ascii=False
    assert list(doc)[:3] == ["@context", "@type", "uid"]


def test_expanded_document_is_an_odrl_agreement():
    node = expand(licence_policy(make_facts()))

    assert node["@id"] == LICENCE
    assert node["@type"] == [O + "Agreement"]
    assert ids(node[O + "profile"]) == {"https://exchange.example/ns/licence"}
    assigner = only(node[O + "assigner"])
    assert assigner["@id"] == PROVIDER
    assert assigner["@type"] == [O + "Party"]
    assert only(node[O + "assignee"])["@id"] == BUYER
    target = only(node[O + "target"])
    assert target["@id"] == PRODUCT
    assert target["@type"] == [O + "Asset"]
    assert only(target["http://purl.org/dc/terms/hasVersion"])["@value"] == 3
    assert only(node[str(DX.governingLaw)])["@value"] == "SG"
    assert only(node[str(DX.disputeForum)])["@value"] == "SIAC"
    assert only(node["http://purl.org/dc/terms/issued"]) == {
        "@value": "2026-02-01T00:00:00Z",
        "@type": str(XSD.dateTime),
    }

    permission = only(node[O + "permission"])
    assert ids(permission[O + "action"]) == {O + "use"}
    by_operand = constraints_by_operand(permission)
    assert set(by_operand) == {
        (O + "purpose", O + "isAnyOf"),
        (O + "spatial", O + "isAnyOf"),
        (O + "dateTime", O + "gteq"),
        (O + "dateTime", O + "lt"),
        (O + "count", O + "lteq"),
        (str(DX.minimumGroupSize), O + "gteq"),
    }
    assert {v["@value"] for v in by_operand[O + "purpose", O + "isAnyOf"]} == {
        "supply-chain-planning"
    }
    assert ids(by_operand[O + "spatial", O + "isAnyOf"]) == {
        "http://publications.europa.eu/resource/authority/country/CHN",
        "http://publications.europa.eu/resource/authority/country/MYS",
    }
    assert by_operand[O + "dateTime", O + "lt"] == [
        {"@value": "2027-02-01T00:00:00Z", "@type": str(XSD.dateTime)}
    ]
    assert by_operand[O + "count", O + "lteq"] == [{"@value": 10_000}]
    assert by_operand[str(DX.minimumGroupSize), O + "gteq"] == [{"@value": 10}]

    duties = {only(d[O + "action"])["@id"]: d for d in permission[O + "duty"]}
    assert set(duties) == {O + "attribute", O + "inform", str(DX.permitAudit), O + "delete"}
    audit = duties[str(DX.permitAudit)]
    assert only(audit["http://purl.org/dc/terms/description"])["@value"] == (
        "The provider and the exchange may audit the use on 30 days' notice."
    )
    assert ids(audit[O + "informedParty"]) == {PROVIDER}
    assert only(duties[O + "attribute"]["http://purl.org/dc/terms/description"])["@value"] == (
        "Source: Pelabuhan Analytics Sdn Bhd via Jambatan Data Exchange"
    )
    inform = constraints_by_operand(duties[O + "inform"])
    assert inform[O + "elapsedTime", O + "lteq"] == [
        {"@value": "PT24H", "@type": str(XSD.duration)}
    ]
    assert ids(inform[O + "event", O + "gt"]) == {str(DX.dataBreach)}
    assert ids(duties[O + "inform"][O + "informedParty"]) == {PROVIDER}
    delete = constraints_by_operand(duties[O + "delete"])
    assert ids(delete[O + "event", O + "gt"]) == {str(DX.licenceEnd)}

    prohibited = {only(p[O + "action"])["@id"] for p in node[O + "prohibition"]}
    assert prohibited == {O + "distribute", O + "transfer", str(DX.reidentify)}


def test_rdflib_graph_has_the_agreement_triples():
    g = graph_of(licence_policy(make_facts()))
    licence = URIRef(LICENCE)

    assert (licence, RDF.type, ODRL.Agreement) in g
    assert (licence, ODRL.assigner, URIRef(PROVIDER)) in g
    assert (licence, ODRL.assignee, URIRef(BUYER)) in g
    assert (licence, ODRL.target, URIRef(PRODUCT)) in g
    assert (URIRef(PRODUCT), RDF.type, ODRL.Asset) in g
    assert (URIRef(PROVIDER), DCTERMS.title, Literal("Pelabuhan Analytics Sdn Bhd")) in g
    assert (licence, DCTERMS.hasFormat, URIRef(f"{LICENCE}/policy")) in g
    assert (licence, ODRL.profile, URIRef("https://exchange.example/ns/licence")) in g

    [permission] = g.objects(licence, ODRL.permission)
    assert (permission, ODRL.action, ODRL.use) in g
    assert len(list(g.objects(permission, ODRL.constraint))) == 6
    assert len(list(g.objects(permission, ODRL.duty))) == 4
    assert len(list(g.objects(licence, ODRL.prohibition))) == 3
    # every constraint in the graph: 6 on the permission, 2 on inform, 1 on delete
    assert len(set(g.subjects(ODRL.leftOperand, None))) == 9

    start = Literal("2026-02-01T00:00:00Z", datatype=XSD.dateTime)
    assert any(
        (c, ODRL.operator, ODRL.gteq) in g and (c, ODRL.rightOperand, start) in g
        for c in g.subjects(ODRL.leftOperand, ODRL.dateTime)
    )
    [quota] = g.subjects(ODRL.leftOperand, ODRL["count"])
    assert (quota, ODRL.unit, DX.perCalendarMonth) in g
    assert (quota, ODRL.rightOperand, Literal(10_000)) in g
    [spatial] = g.subjects(ODRL.leftOperand, ODRL.spatial)
    assert set(g.objects(spatial, ODRL.rightOperand)) == {
        URIRef("http://publications.europa.eu/resource/authority/country/CHN"),
        URIRef("http://publications.europa.eu/resource/authority/country/MYS"),
    }
    prohibited = {g.value(p, ODRL.action) for p in g.objects(licence, ODRL.prohibition)}
    assert prohibited == {ODRL.distribute, ODRL.transfer, DX.reidentify}


def test_without_a_quota_there_is_no_count_constraint_but_always_an_end():
    doc = licence_policy(make_facts(queries_per_month=None))
    permission = expand(doc)[O + "permission"][0]
    operands = set(constraints_by_operand(permission))
    assert (O + "dateTime", O + "gteq") in operands
    assert (O + "dateTime", O + "lt") in operands
    assert (O + "count", O + "lteq") not in operands


def test_a_licence_without_an_end_is_refused():
    # Deletion or return at the end of the term must trigger: no perpetual licence.
    with pytest.raises(ValueError, match="needs an end"):
        licence_policy(make_facts(ends_at=None))


def test_onward_transfer_is_a_permission_to_named_territories_with_its_conditions():
    node = expand(licence_policy(make_facts(**ONWARD)))
    prohibited = [only(p[O + "action"])["@id"] for p in node[O + "prohibition"]]
    # Ownership never passes; re-identification is never allowed; distribution is permitted.
    assert prohibited == [O + "transfer", str(DX.reidentify)]
    use, distribute = node[O + "permission"]
    assert ids(use[O + "action"]) == {O + "use"}
    assert ids(distribute[O + "action"]) == {O + "distribute"}
    constraints = constraints_by_operand(distribute)
    assert ids(constraints[str(DX.recipientJurisdiction), O + "isAnyOf"]) == {
        "http://publications.europa.eu/resource/authority/country/SGP",
        "http://publications.europa.eu/resource/authority/country/MYS",
    }
    assert (O + "dateTime", O + "lt") in constraints
    duties = {only(d[O + "action"])["@id"]: d for d in distribute[O + "duty"]}
    assert set(duties) == {
        str(DX.concludeWrittenAgreement),
        str(DX.bindToSameProtections),
        O + "inform",
    }
    notice = constraints_by_operand(duties[O + "inform"])
    assert ids(notice[O + "event", O + "lt"]) == {str(DX.onwardTransfer)}
    assert ids(duties[O + "inform"][O + "informedParty"]) == {PROVIDER}


def test_without_onward_transfer_distribution_and_transfer_are_prohibited():
    node = expand(licence_policy(make_facts()))
    assert len(node[O + "permission"]) == 1
    prohibited = {only(p[O + "action"])["@id"] for p in node[O + "prohibition"]}
    assert prohibited == {O + "distribute", O + "transfer", str(DX.reidentify)}


def test_return_at_end_of_term_returns_then_deletes():
    node = expand(licence_policy(make_facts(end_of_term="return")))
    duties = {only(d[O + "action"])["@id"]: d for d in node[O + "permission"][0][O + "duty"]}
    assert set(duties) == {
        O + "attribute",
        O + "inform",
        str(DX.permitAudit),
        str(DX["return"]),
        O + "delete",
    }
    assert ids(duties[str(DX["return"])][str(DX.recipient)]) == {PROVIDER}


def test_unknown_territory_is_rejected():
    with pytest.raises(ValueError, match="unknown territory code: 'ZZ'"):
        licence_policy(make_facts(territories=["MY", "ZZ"]))
    assert country_iri("sg").endswith("/SGP")


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": datetime(2026, 2, 1)},  # naive
        {"ends_at": datetime(2026, 1, 1, tzinfo=UTC)},  # before start
        {"end_of_term": "archive"},
        {"breach_notice_hours": 25},  # above the exchange's 24-hour ceiling
        {"audit_rights": " "},
        {"onward_transfer_allowed": True},  # without territories or conditions
        {**ONWARD, "onward_transfer_conditions": ("written_agreement",)},
        {**ONWARD, "onward_transfer_territories": ("ZZ",)},
        {"min_group_size": 0},
        {"purposes": []},
        {"territories": []},
        {"uid": "licences/12"},
    ],
)
def test_invalid_facts_are_rejected(overrides):
    with pytest.raises(ValueError):
        licence_policy(make_facts(**overrides))
