"""The DCAT-AP 3 export at /catalogue.jsonld, read back with rdflib as a harvester would.

rdflib's namespaces are used through their module (`ns.DCAT`): pytest's collection probes
module-level names, which rdflib's closed namespaces answer with warnings."""

import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from accounts.jurisdictions import JURISDICTION_CODES
from catalogue import services
from marketplace.catalogue import dcat
from tests.factories import (
    OrganizationFactory,
    add_offer,
    category,
    draft_product,
    listed_product,
    member_of,
)

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

DCAT_URL = "/catalogue.jsonld"
BASE = "http://testserver"
JSON_MEDIA_TYPE = URIRef("http://www.iana.org/assignments/media-types/application/json")


@pytest.fixture
def exchange():
    """Two listed products (one with a second, withdrawn offer), a draft and a delisted one."""
    bukit = OrganizationFactory(legal_name="Bukit Data Sdn. Bhd.", website="https://bukit.example")
    shenzhen = OrganizationFactory(legal_name="Shenzhen Trade Data Co., Ltd.", jurisdiction="CN")
    bukit_admin, shenzhen_admin = member_of(bukit), member_of(shenzhen)
    mall = listed_product(bukit, bukit_admin, tags=["foot traffic", "malls"])
    prices = listed_product(
        shenzhen,
        shenzhen_admin,
        title="Shenzhen electronics export price index",
        summary="Monthly export prices of Shenzhen electronics.",
        category=category("finance-trade"),
        origin_jurisdiction="CN",
        tags=["prices"],
        offer={"term_months": 24, "currency": "CNY", "price": "80000.00"},
    )
    add_offer(prices, shenzhen_admin, name="Research", price="5000.00")
    withdrawn = add_offer(prices, shenzhen_admin, name="Old terms", price="1.00")
    services.offer_update(offer=withdrawn, actor=shenzhen_admin, is_active=False)
    draft = draft_product(bukit, bukit_admin, title="Draft footfall")
    delisted = listed_product(bukit, bukit_admin, title="Retired footfall")
    services.product_delist(product=delisted, actor=bukit_admin, reason="Sensors removed.")
    return {
        "mall": mall,
        "prices": prices,
        "draft": draft,
        "delisted": delisted,
        "withdrawn": withdrawn,
    }


def fetch_graph(client, fmt: str | None = None) -> tuple[Graph, object]:
    params = {"format": fmt} if fmt else {}
    response = client.get(DCAT_URL, params)
    assert response.status_code == 200, response.content
    rdf_format = "turtle" if fmt == "ttl" else "json-ld"
    return Graph().parse(data=response.content.decode(), format=rdf_format), response


def datasets_by_identifier(graph: Graph) -> dict[str, URIRef]:
    return {
        str(graph.value(node, ns.DCTERMS.identifier)): node
        for node in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)
    }


def test_one_catalogue_with_exactly_the_listed_products(api_client, exchange):
    graph, response = fetch_graph(api_client)
    assert response["Content-Type"].startswith("application/ld+json")
    [catalog] = graph.subjects(ns.RDF.type, ns.DCAT.Catalog)
    assert str(graph.value(catalog, ns.DCTERMS.title)) == "Jambatan Data Exchange"
    assert graph.value(catalog, ns.DCTERMS.description)
    assert graph.value(catalog, ns.FOAF.homepage) == URIRef(f"{BASE}/")
    publisher = graph.value(catalog, ns.DCTERMS.publisher)
    assert (publisher, ns.RDF.type, ns.FOAF.Organization) in graph
    assert str(graph.value(publisher, ns.FOAF.name)) == "Jambatan Data Exchange"

    datasets = datasets_by_identifier(graph)
    assert sorted(datasets) == sorted([exchange["mall"].slug, exchange["prices"].slug])
    assert set(graph.objects(catalog, ns.DCAT.dataset)) == set(datasets.values())
    body = response.content.decode()
    for hidden in ("draft", "delisted"):
        assert exchange[hidden].slug not in body


def test_each_dataset_is_described_for_harvesting(api_client, exchange):
    graph, _response = fetch_graph(api_client)
    [catalog] = graph.subjects(ns.RDF.type, ns.DCAT.Catalog)
    scheme = graph.value(catalog, ns.DCAT.themeTaxonomy)
    assert (scheme, ns.RDF.type, ns.SKOS.ConceptScheme) in graph
    expected = {
        "mall": ("Bukit Data Sdn. Bhd.", "Retail & consumer", "MYS", 1),
        "prices": ("Shenzhen Trade Data Co., Ltd.", "Finance & trade", "CHN", 2),
    }
    datasets = datasets_by_identifier(graph)
    for key, (publisher_name, theme_label, alpha3, offers) in expected.items():
        product = exchange[key]
        dataset = datasets[product.slug]
        assert str(graph.value(dataset, ns.DCTERMS.title)) == product.title
        assert str(graph.value(dataset, ns.DCTERMS.description)) == product.summary
        assert {str(k) for k in graph.objects(dataset, ns.DCAT.keyword)} == set(product.tags)
        assert graph.value(dataset, ns.DCAT.landingPage) == URIRef(
            f"{BASE}/catalogue/p/{product.slug}/"
        )
        assert graph.value(dataset, ns.DCTERMS.issued).datatype == ns.XSD.dateTime
        assert graph.value(dataset, ns.DCTERMS.modified).datatype == ns.XSD.dateTime

        publisher = graph.value(dataset, ns.DCTERMS.publisher)
        assert (publisher, ns.RDF.type, ns.FOAF.Organization) in graph
        assert str(graph.value(publisher, ns.FOAF.name)) == publisher_name

        theme = graph.value(dataset, ns.DCAT.theme)
        assert (theme, ns.RDF.type, ns.SKOS.Concept) in graph
        assert str(graph.value(theme, ns.SKOS.prefLabel)) == theme_label
        assert graph.value(theme, ns.SKOS.inScheme) == scheme

        assert graph.value(dataset, ns.DCTERMS.spatial) == dcat.EU_COUNTRY[alpha3]

        [distribution] = graph.objects(dataset, ns.DCAT.distribution)
        assert (distribution, ns.RDF.type, ns.DCAT.Distribution) in graph
        assert str(graph.value(distribution, ns.DCTERMS.title)) == "Query API (aggregates)"
        api_url = URIRef(f"{BASE}/api/v1/products/{product.slug}/")
        assert graph.value(distribution, ns.DCAT.accessURL) == api_url
        assert graph.value(distribution, ns.DCAT.mediaType) == JSON_MEDIA_TYPE
        service = graph.value(distribution, ns.DCAT.accessService)
        assert (service, ns.RDF.type, ns.DCAT.DataService) in graph
        assert (service, ns.DCAT.servesDataset, dataset) in graph

        policies = list(graph.objects(dataset, ns.ODRL2.hasPolicy))
        assert len(policies) == offers  # active offers only
        for policy in policies:
            assert (policy, ns.RDF.type, ns.ODRL2.Offer) in graph
            permission = graph.value(policy, ns.ODRL2.permission)
            assert graph.value(permission, ns.ODRL2.action) == ns.ODRL2.use
            assert graph.value(permission, ns.ODRL2.target) == dataset
            assert graph.value(permission, ns.ODRL2.assigner) == publisher
            license_url = str(graph.value(policy, ns.DCTERMS.license))
            assert license_url.startswith(f"{api_url}offers/")
            assert api_client.get(license_url).status_code == 200


def test_offer_terms_become_odrl_constraints(api_client, exchange):
    graph, _response = fetch_graph(api_client)
    dataset = datasets_by_identifier(graph)[exchange["mall"].slug]
    [policy] = graph.objects(dataset, ns.ODRL2.hasPolicy)
    permission = graph.value(policy, ns.ODRL2.permission)
    constraints = {
        graph.value(c, ns.ODRL2.leftOperand): set(graph.objects(c, ns.ODRL2.rightOperand))
        for c in graph.objects(permission, ns.ODRL2.constraint)
    }
    assert constraints[ns.ODRL2.purpose] == {Literal("market-research")}
    assert constraints[ns.ODRL2.spatial] == {dcat.EU_COUNTRY[c] for c in ("CHN", "MYS", "SGP")}
    assert constraints[ns.ODRL2.elapsedTime] == {Literal("P12M", datatype=ns.XSD.duration)}
    duty = graph.value(permission, ns.ODRL2.duty)
    assert graph.value(duty, ns.ODRL2.action) == ns.ODRL2.compensate
    payment = graph.value(duty, ns.ODRL2.constraint)
    assert graph.value(payment, ns.ODRL2.leftOperand) == ns.ODRL2.payAmount
    assert graph.value(payment, ns.ODRL2.rightOperand).toPython() == 12000
    assert str(graph.value(payment, ns.ODRL2.unit)).endswith("/currency/MYR")


def test_json_ld_is_compact_with_the_dcat_ap_prefixes_and_cacheable(api_client, exchange):
    response = api_client.get(DCAT_URL)
    document = json.loads(response.content)
    assert set(document["@context"]) >= {"dcat", "dct", "foaf", "odrl", "skos", "vcard"}
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


def test_turtle_variant_parses_to_the_same_catalogue(api_client, exchange):
    turtle, response = fetch_graph(api_client, "ttl")
    assert response["Content-Type"].startswith("text/turtle")
    assert "max-age=300" in response["Cache-Control"]
    assert sorted(datasets_by_identifier(turtle)) == sorted(
        [exchange["mall"].slug, exchange["prices"].slug]
    )
    assert len(list(turtle.subjects(ns.RDF.type, ns.ODRL2.Offer))) == 3


def test_unknown_format_is_a_400_and_writes_are_refused(api_client):
    assert api_client.get(DCAT_URL, {"format": "rdfxml"}).status_code == 400
    assert api_client.post(DCAT_URL).status_code == 405


def test_never_points_at_the_processed_dataset(api_client, exchange):
    body = api_client.get(DCAT_URL).content.decode()
    body += api_client.get(DCAT_URL, {"format": "ttl"}).content.decode()
    for key in ("mall", "prices"):
        stored = exchange[key].listed_version.dataset.name
        assert stored and stored not in body
        assert stored.rsplit("/", 1)[-1] not in body
    assert "/media/" not in body


def test_query_count_does_not_grow_with_the_number_of_products(
    api_client, django_assert_max_num_queries
):
    provider = OrganizationFactory()
    actor = member_of(provider)
    listed_product(provider, actor, title="First")
    with django_assert_max_num_queries(4) as few:
        api_client.get(DCAT_URL)
    for i in range(6):
        product = listed_product(provider, actor, title=f"More {i}")
        add_offer(product, actor, name="Second")
    with django_assert_max_num_queries(4) as many:
        graph, _response = fetch_graph(api_client)
    assert len(datasets_by_identifier(graph)) == 7
    assert len(few.captured_queries) == len(many.captured_queries)


def test_every_jurisdiction_maps_to_an_eu_country_uri():
    assert set(dcat.COUNTRY_ALPHA3) == set(JURISDICTION_CODES)
    assert dcat.country_uri("my") == URIRef(
        "http://publications.europa.eu/resource/authority/country/MYS"
    )
    assert dcat.country_uri("XX") is None
