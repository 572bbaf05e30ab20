"""The public catalogue as DCAT-AP 3 (an rdflib Graph), for data portals to harvest.

Pure apart from reading attributes of the product rows it is given: the caller selects the
listed products (with provider, category, listed version and active offers + purposes
loaded) and supplies every URL, so this module knows nothing about requests or routing.

What a dataset distributes is *access* through the exchange's API — a `dcat:Distribution`
per delivery mode whose access URL is the product's API resource — never the processed
dataset file. Each active offer is published as an ODRL offer (`odrl:hasPolicy`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ODRL2, RDF, SKOS, XSD

from catalogue.models import DataProduct, Offer, ProductVersion

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3 term, not in rdflib's closed namespace yet

EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_CURRENCY = Namespace("http://publications.europa.eu/resource/authority/currency/")
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")

JSONLD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "odrl": str(ODRL2),
    "skos": str(SKOS),
    "vcard": str(VCARD),
    "xsd": str(XSD),
}

# ISO 3166-1 alpha-2 (how the exchange stores jurisdictions) → alpha-3 (how the EU
# Publications Office's country authority names them). Covers accounts.jurisdictions.
COUNTRY_ALPHA3 = {
    "AE": "ARE",
    "AU": "AUS",
    "BN": "BRN",
    "CN": "CHN",
    "DE": "DEU",
    "FR": "FRA",
    "GB": "GBR",
    "HK": "HKG",
    "ID": "IDN",
    "IN": "IND",
    "JP": "JPN",
    "KH": "KHM",
    "KR": "KOR",
    "LA": "LAO",
    "MM": "MMR",
    "MO": "MAC",
    "MY": "MYS",
    "NL": "NLD",
    "PH": "PHL",
    "SG": "SGP",
    "TH": "THA",
    "US": "USA",
    "VN": "VNM",
}

FREQUENCY = {
    ProductVersion.UpdateFrequency.REAL_TIME: "UPDATE_CONT",
    ProductVersion.UpdateFrequency.DAILY: "DAILY",
    ProductVersion.UpdateFrequency.WEEKLY: "WEEKLY",
    ProductVersion.UpdateFrequency.MONTHLY: "MONTHLY",
    ProductVersion.UpdateFrequency.QUARTERLY: "QUARTERLY",
    ProductVersion.UpdateFrequency.ANNUALLY: "ANNUAL",
    ProductVersion.UpdateFrequency.ONE_OFF: "NEVER",
}


@dataclass(frozen=True)
class CatalogueLinks:
    """Absolute URLs the graph points at (the view builds them from the request)."""

    document: str  # this DCAT document; node IRIs are fragments of it
    homepage: str
    api_root: str
    api_description: str
    product_page: Callable[[DataProduct], str]
    product_api: Callable[[DataProduct], str]
    offer_api: Callable[[DataProduct, Offer], str]

    def node(self, fragment: str) -> URIRef:
        return URIRef(f"{self.document}#{fragment}")


def country_uri(code: str) -> URIRef | None:
    alpha3 = COUNTRY_ALPHA3.get((code or "").upper())
    return EU_COUNTRY[alpha3] if alpha3 else None


def _datetime(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def catalogue_graph(
    products: Iterable[DataProduct],
    *,
    links: CatalogueLinks,
    title: str,
    description: str,
    language: str = "en",
) -> Graph:
    """One `dcat:Catalog` holding a `dcat:Dataset` for each product given."""
    g = Graph()
    for prefix, uri in JSONLD_CONTEXT.items():
        g.bind(prefix, uri)

    catalog = links.node("catalogue")
    exchange = links.node("exchange")
    themes = links.node("themes")
    api = links.node("api")

    g.add((exchange, RDF.type, FOAF.Organization))
    g.add((exchange, FOAF.name, Literal(title)))
    g.add((exchange, FOAF.homepage, URIRef(links.homepage)))

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(title, lang=language)))
    g.add((catalog, DCTERMS.description, Literal(description, lang=language)))
    g.add((catalog, DCTERMS.publisher, exchange))
    g.add((catalog, FOAF.homepage, URIRef(links.homepage)))
    g.add((catalog, DCAT.themeTaxonomy, themes))
    g.add((catalog, DCAT.service, api))

    g.add((themes, RDF.type, SKOS.ConceptScheme))
    g.add((themes, SKOS.prefLabel, Literal(f"{title} categories", lang=language)))

    g.add((api, RDF.type, DCAT.DataService))
    g.add((api, DCTERMS.title, Literal(f"{title} API", lang=language)))
    g.add((api, DCAT.endpointURL, URIRef(links.api_root)))
    g.add((api, DCAT.endpointDescription, URIRef(links.api_description)))
    g.add((api, DCTERMS.publisher, exchange))

    latest: datetime | None = None
    for product in products:
        dataset = _add_dataset(g, product, links=links, themes=themes, api=api, lang=language)
        g.add((catalog, DCAT.dataset, dataset))
        g.add((api, DCAT.servesDataset, dataset))
        modified = _modified(product)
        if modified and (latest is None or modified > latest):
            latest = modified
    if latest is not None:
        g.add((catalog, DCTERMS.modified, _datetime(latest)))
    return g


def _modified(product: DataProduct) -> datetime | None:
    """When what buyers see last changed: the listed version's approval (or the listing)."""
    version = product.listed_version
    candidates = [d for d in (product.listed_at, version and version.decided_at) if d]
    return max(candidates) if candidates else None


def _add_dataset(
    g: Graph, product: DataProduct, *, links: CatalogueLinks, themes, api, lang: str
) -> URIRef:
    dataset = links.node(f"dataset-{product.slug}")
    version = product.listed_version
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.identifier, Literal(product.slug)))
    g.add((dataset, DCTERMS.title, Literal(product.title, lang=lang)))
    g.add((dataset, DCTERMS.description, Literal(product.summary, lang=lang)))
    g.add((dataset, DCAT.landingPage, URIRef(links.product_page(product))))
    for tag in product.tags or []:
        g.add((dataset, DCAT.keyword, Literal(tag, lang=lang)))
    if product.listed_at:
        g.add((dataset, DCTERMS.issued, _datetime(product.listed_at)))
    modified = _modified(product)
    if modified:
        g.add((dataset, DCTERMS.modified, _datetime(modified)))

    # Publisher (the provider) and a contact point for it.
    provider = product.provider
    publisher = links.node(f"publisher-{provider.slug}")
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(provider.legal_name)))
    if provider.website:
        g.add((publisher, FOAF.homepage, URIRef(provider.website)))
    g.add((dataset, DCTERMS.publisher, publisher))
    contact = BNode()
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(provider.legal_name)))
    if provider.website:
        g.add((contact, VCARD.hasURL, URIRef(provider.website)))
    g.add((dataset, DCAT.contactPoint, contact))

    # Theme: the exchange's category, as a concept of the catalogue's scheme.
    concept = links.node(f"theme-{product.category.slug}")
    g.add((concept, RDF.type, SKOS.Concept))
    g.add((concept, SKOS.prefLabel, Literal(product.category.name, lang=lang)))
    g.add((concept, SKOS.inScheme, themes))
    g.add((themes, SKOS.hasTopConcept, concept))
    g.add((dataset, DCAT.theme, concept))

    # Where the data comes from.
    country = country_uri(product.origin_jurisdiction)
    if country is not None:
        g.add((dataset, DCTERMS.spatial, country))
    else:
        place = BNode()
        g.add((place, RDF.type, DCTERMS.Location))
        g.add((place, SKOS.prefLabel, Literal(product.origin_jurisdiction)))
        g.add((dataset, DCTERMS.spatial, place))

    if version is not None:
        g.add((dataset, DCAT_VERSION, Literal(str(version.number))))
        frequency = FREQUENCY.get(version.update_frequency)
        if frequency:
            g.add((dataset, DCTERMS.accrualPeriodicity, EU_FREQUENCY[frequency]))
        _add_distribution(g, dataset, product, version, links=links, api=api, lang=lang)

    for offer in product.offers.all():
        if offer.is_active:
            _add_policy(g, dataset, product, publisher, offer, links=links, lang=lang)
    return dataset


def _add_distribution(g, dataset, product, version, *, links, api, lang) -> None:
    """Access through the exchange's API, one per delivery mode (never the dataset file)."""
    mode = ProductVersion.DeliveryMode(version.delivery_mode)
    distribution = links.node(f"distribution-{product.slug}-{mode.value}")
    access_url = URIRef(links.product_api(product))
    g.add((distribution, RDF.type, DCAT.Distribution))
    g.add((distribution, DCTERMS.title, Literal(str(mode.label), lang=lang)))
    g.add(
        (
            distribution,
            DCTERMS.description,
            Literal(
                "Licensed access through the exchange; the product's API resource lists "
                "its offers and terms.",
                lang=lang,
            ),
        )
    )
    g.add((distribution, DCAT.accessURL, access_url))
    g.add((distribution, DCAT.accessService, api))
    g.add((distribution, DCTERMS.format, EU_FILE_TYPE.JSON))
    g.add((distribution, DCAT.mediaType, IANA_MEDIA_TYPE["application/json"]))
    g.add((dataset, DCAT.distribution, distribution))


def _add_policy(g, dataset, product, publisher, offer: Offer, *, links, lang) -> None:
    """An active offer as an ODRL offer: use of the dataset, for the permitted purposes and
    territories, for the term, against payment of the price."""
    policy = links.node(f"offer-{offer.pk}")
    g.add((policy, RDF.type, ODRL2.Offer))
    g.add((policy, ODRL2.uid, policy))
    g.add((policy, DCTERMS.title, Literal(offer.name, lang=lang)))
    g.add((policy, DCTERMS.license, URIRef(links.offer_api(product, offer))))
    g.add((dataset, ODRL2.hasPolicy, policy))

    permission = BNode()
    g.add((policy, ODRL2.permission, permission))
    g.add((permission, ODRL2.action, ODRL2.use))
    g.add((permission, ODRL2.target, dataset))
    g.add((permission, ODRL2.assigner, publisher))

    purposes = [p.code for p in offer.purposes.all()]
    if purposes:
        _constraint(g, permission, ODRL2.purpose, ODRL2.isAnyOf, [Literal(p) for p in purposes])
    territories = [country_uri(t) or Literal(t) for t in offer.territories or []]
    if territories:
        _constraint(g, permission, ODRL2.spatial, ODRL2.isAnyOf, territories)
    if offer.term_months:
        _constraint(
            g,
            permission,
            ODRL2.elapsedTime,
            ODRL2.lteq,
            [Literal(f"P{offer.term_months}M", datatype=XSD.duration)],
        )

    duty = BNode()
    g.add((permission, ODRL2.duty, duty))
    g.add((duty, ODRL2.action, ODRL2.compensate))
    payment = _constraint(
        g, duty, ODRL2.payAmount, ODRL2.eq, [Literal(offer.price, datatype=XSD.decimal)]
    )
    g.add((payment, ODRL2.unit, EU_CURRENCY[offer.currency]))


def _constraint(g, rule, left, operator, right: list) -> BNode:
    constraint = BNode()
    g.add((rule, ODRL2.constraint, constraint))
    g.add((constraint, ODRL2.leftOperand, left))
    g.add((constraint, ODRL2.operator, operator))
    for value in right:
        g.add((constraint, ODRL2.rightOperand, value))
    return constraint


def serialize(graph: Graph, fmt: str) -> str:
    if fmt == "turtle":
        return graph.serialize(format="turtle")
    return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, indent=2)
