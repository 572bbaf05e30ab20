"""Reads of the catalogue: who may see which product, and the buyers' search with facets."""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import jurisdiction_name
from accounts.models import Organization, User
from accounts.roles import staff_roles_of
from catalogue import search
from catalogue.models import OFFER_TERM_FIELDS, Category, DataProduct, Offer, ProductVersion

# Price bands in US dollars at the reference rates (upper bound exclusive).
PRICE_BANDS = [
    ("free", _("Free"), Decimal("0"), Decimal("0.01")),
    ("under-1k", _("Under US$1,000"), Decimal("0.01"), Decimal("1000")),
    ("1k-10k", _("US$1,000–10,000"), Decimal("1000"), Decimal("10000")),
    ("over-10k", _("Over US$10,000"), Decimal("10000"), None),
]
SORTS = {
    "relevance": _("Relevance"),
    "newest": _("Newest"),
    "price": _("Price: low to high"),
    "-price": _("Price: high to low"),
    "title": _("Title"),
}


def is_reviewer(user: User) -> bool:
    return bool(staff_roles_of(user)) or bool(getattr(user, "is_superuser", False))


def products_visible_to(user: User, organization: Organization | None) -> QuerySet[DataProduct]:
    """Listed products for everyone; the acting provider's own products; all for reviewers.

    Anything else does not exist for the caller (views turn it into a 404).
    """
    qs = DataProduct.objects.all()
    if user is not None and user.is_authenticated and is_reviewer(user):
        return qs
    visible = Q(status=DataProduct.Status.LISTED, listed_version__isnull=False)
    if organization is not None:
        visible |= Q(provider=organization)
    return qs.filter(visible)


def products_of_provider(organization: Organization) -> QuerySet[DataProduct]:
    return (
        DataProduct.objects.filter(provider=organization)
        .select_related("category", "listed_version")
        .annotate(
            version_count=Count("versions", distinct=True),
            active_offer_count=Count("offers", filter=Q(offers__is_active=True), distinct=True),
        )
        .order_by("-updated_at")
    )


def can_manage(user: User, organization: Organization | None, product: DataProduct) -> bool:
    return (
        organization is not None
        and product.provider_id == organization.pk
        and user.is_authenticated
        and organization.memberships.filter(user=user).exists()
    )


def offer_terms(offer: Offer) -> dict[str, Any]:
    """The contract terms of an offer exactly as a buyer is shown and accepts them."""
    terms: dict[str, Any] = {
        "offer": offer.name,
        "price": str(offer.price),
        "currency": offer.currency,
        "purposes": sorted(
            [p.code for p in offer.purposes.all()]
            + ([offer.other_purposes] if offer.other_purposes else [])
        ),
    }
    for name in OFFER_TERM_FIELDS:
        value = getattr(offer, name)
        # Decimals as text, as the price: the terms are JSON and are hashed.
        terms[name] = str(value) if isinstance(value, Decimal) else value
    terms["territories"] = sorted(offer.territories)
    return terms


def sample_preview(version: ProductVersion | None) -> dict | None:
    """The header and first rows of a version's sample, as stored at upload (formulas
    neutralised); the web process never reads the file back from its data region."""
    if version is None or not version.sample_preview:
        return None
    header, *rows = version.sample_preview
    return {"header": header, "rows": rows}


def version_visible(
    product: DataProduct, *, manager: bool, reviewer: bool
) -> ProductVersion | None:
    """The version a viewer sees on the product page: buyers the listed one only."""
    if manager or reviewer:
        return product.versions.order_by("-number").first()
    return product.listed_version


def version_history(product: DataProduct, *, manager: bool, reviewer: bool):
    qs = product.versions.order_by("-number")
    if not (manager or reviewer):
        qs = qs.filter(state=ProductVersion.State.APPROVED)
    return qs


# --- catalogue search ---------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class CatalogueQuery:
    q: str = ""
    category: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    delivery_mode: list[str] = field(default_factory=list)
    data_category: list[str] = field(default_factory=list)
    price_band: list[str] = field(default_factory=list)
    provider: list[str] = field(default_factory=list)
    sort: str = "relevance"

    FACETS = ("category", "origin", "delivery_mode", "data_category", "price_band", "provider")

    @classmethod
    def from_querydict(cls, data) -> "CatalogueQuery":
        def many(name):
            values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
            if isinstance(values, str):
                values = [values]
            out = []
            for v in values:
                out.extend(p.strip() for p in str(v).split(",") if p.strip())
            return out[:20]

        sort = str(data.get("sort") or "").strip()
        q = str(data.get("q") or "").strip()[:200]
        if sort not in SORTS:
            sort = "relevance" if q else "newest"
        return cls(
            q=q,
            category=many("category"),
            origin=[o.upper() for o in many("origin")],
            delivery_mode=many("delivery_mode"),
            data_category=many("data_category"),
            price_band=many("price_band"),
            provider=many("provider"),
            sort=sort,
        )


def _price_band_q(bands: list[str]) -> Q:
    q = Q()
    for key, _label, low, high in PRICE_BANDS:
        if key in bands:
            cond = Q(price_from_usd__gte=low)
            if high is not None:
                cond &= Q(price_from_usd__lt=high)
            q |= cond
    return q


def _facet_filters(query: CatalogueQuery) -> dict[str, Q]:
    filters: dict[str, Q] = {}
    if query.category:
        filters["category"] = Q(category__slug__in=query.category)
    if query.origin:
        filters["origin"] = Q(origin_jurisdiction__in=query.origin)
    if query.delivery_mode:
        filters["delivery_mode"] = Q(listed_version__delivery_mode__in=query.delivery_mode)
    if query.data_category:
        filters["data_category"] = Q(listed_version__sensitivity__in=query.data_category)
    if query.price_band:
        filters["price_band"] = _price_band_q(query.price_band)
    if query.provider:
        filters["provider"] = Q(provider__slug__in=query.provider)
    return filters


def _text_search(qs: QuerySet[DataProduct], text: str) -> QuerySet[DataProduct]:
    """Products matching the buyer's words (``catalogue.search``: web-search syntax, Chinese
    segmented, synonyms across English, Malay and Chinese), with a ``rank`` for relevance.
    PostgreSQL: the stored search vector, ranked by field weight. SQLite: each term must
    start a word of the title, summary, tags, provider or description (a substring, for
    Chinese); a title hit ranks first."""
    if not text:
        return qs
    parsed = search.parse(text)
    if parsed.empty:  # nothing but punctuation: nothing matches
        from django.db.models import FloatField, Value

        return qs.none().annotate(rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        sq = SearchQuery(search.tsquery(parsed), search_type="raw", config="simple")
        # Words in scripts without spaces (Chinese) are matched as substrings too.
        cjk = bool(search.CJK.search(text))
        match = Q(search_vector=sq) | (Q(title__icontains=text) if cjk else Q())
        return qs.filter(match).annotate(rank=SearchRank(F("search_vector"), sq))
    from django.db.models import Case, IntegerField, Value, When

    return qs.filter(_sqlite_match(parsed)).annotate(
        rank=Case(
            When(_sqlite_match(parsed, fields=("title",)), then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )


SEARCHED_FIELDS = (
    "title",
    "summary",
    "tags",
    "provider__legal_name",
    "listed_version__description",
)


def _sqlite_match(parsed: "search.Parsed", fields=SEARCHED_FIELDS) -> Q:
    """The parsed query as LIKE/REGEXP lookups (SQLite has no stored vector)."""

    def alternative(words: tuple[str, ...]) -> Q:
        if search.CJK.search("".join(words)):
            # Chinese words: a substring of the field (the field is not segmented here).
            return _any_field(fields, "icontains", "".join(words))
        pattern = r"\b" + r"\W+".join(re.escape(w) for w in words)
        return _any_field(fields, "iregex", pattern)

    matched = Q(pk__in=[])
    for clause in parsed.clauses:
        both = Q()
        for term in clause:
            any_of = Q(pk__in=[])
            for words in term.alternatives:
                any_of |= alternative(words)
            both &= ~any_of if term.negated else any_of
        matched |= both
    return matched


def _any_field(fields, lookup: str, value: str) -> Q:
    q = Q(pk__in=[])
    for name in fields:
        q |= Q(**{f"{name}__{lookup}": value})
    return q


@dataclass
class CatalogueResult:
    products: QuerySet[DataProduct]
    facets: dict[str, list[FacetValue]]
    total: int


def catalogue_search(query: CatalogueQuery) -> CatalogueResult:
    """Listed products matching the query, with disjunctive facet counts.

    Each facet counts what its values would give with every *other* facet applied, so a
    buyer sees how many products picking another value would show.
    """
    base = _text_search(DataProduct.objects.listed(), query.q)
    filters = _facet_filters(query)

    def without(name: str) -> QuerySet[DataProduct]:
        qs = base
        for other, cond in filters.items():
            if other != name:
                qs = qs.filter(cond)
        return qs

    facets = {
        "category": _facet_counts(
            without("category"),
            "category__slug",
            query.category,
            labels={c.slug: c.label for c in Category.objects.all()},
        ),
        "origin": _facet_counts(
            without("origin"), "origin_jurisdiction", query.origin, label_fn=jurisdiction_name
        ),
        "delivery_mode": _facet_counts(
            without("delivery_mode"),
            "listed_version__delivery_mode",
            query.delivery_mode,
            labels=dict(ProductVersion.DeliveryMode.choices),
        ),
        "data_category": _facet_counts(
            without("data_category"),
            "listed_version__sensitivity",
            query.data_category,
            labels=dict(ProductVersion.DataCategory.choices),
        ),
        "price_band": _price_band_counts(without("price_band"), query.price_band),
        "provider": _provider_counts(without("provider"), query.provider),
    }
    results = base
    for cond in filters.values():
        results = results.filter(cond)
    results = _sorted(results, query)
    return CatalogueResult(products=results, facets=facets, total=results.count())


def _facet_counts(qs, path, selected, *, labels=None, label_fn=None) -> list[FacetValue]:
    rows = qs.order_by().values(path).annotate(n=Count("pk", distinct=True)).order_by("-n", path)
    out = []
    for row in rows:
        value = row[path]
        if value is None:
            continue
        label = label_fn(value) if label_fn else str((labels or {}).get(value, value))
        out.append(FacetValue(value, label, row["n"], value in selected))
    return out


def _price_band_counts(qs, selected) -> list[FacetValue]:
    out = []
    for key, label, low, high in PRICE_BANDS:
        cond = Q(price_from_usd__gte=low)
        if high is not None:
            cond &= Q(price_from_usd__lt=high)
        out.append(FacetValue(key, str(label), qs.filter(cond).count(), key in selected))
    return out


def _provider_counts(qs, selected) -> list[FacetValue]:
    rows = (
        qs.order_by()
        .values("provider__slug", "provider__legal_name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "provider__legal_name")
    )
    return [
        FacetValue(
            r["provider__slug"], r["provider__legal_name"], r["n"], r["provider__slug"] in selected
        )
        for r in rows
    ]


def _sorted(qs: QuerySet[DataProduct], query: CatalogueQuery) -> QuerySet[DataProduct]:
    if query.sort == "relevance" and query.q:
        return qs.order_by("-rank", "-listed_at", "pk")
    if query.sort == "price":
        return qs.order_by(F("price_from_usd").asc(nulls_last=True), "-listed_at", "pk")
    if query.sort == "-price":
        return qs.order_by(F("price_from_usd").desc(nulls_last=True), "-listed_at", "pk")
    if query.sort == "title":
        return qs.order_by("title", "pk")
    return qs.order_by("-listed_at", "pk")
