"""Reads of the catalogue: who may see which product, and the buyers' search with facets."""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from accounts.jurisdictions import jurisdiction_name
from accounts.models import Organization, User
from accounts.roles import staff_roles_of
from catalogue import search
from catalogue.models import (
    OFFER_TERM_FIELDS,
    Category,
    DataProduct,
    Offer,
    ProductVersion,
    Purpose,
    translated_field,
)

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


def purpose_labels(code_lists) -> dict[str, str]:
    """The names of every purpose code in ``code_lists`` (an iterable of code lists, such as
    the ``purposes`` of a page of licences), in one query, in the reader's language."""
    codes = {code for codes in code_lists for code in (codes or [])}
    if not codes:
        return {}
    return {p.code: p.label for p in Purpose.objects.filter(code__in=codes)}


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


def _text_match(qs: QuerySet[DataProduct], text: str) -> QuerySet[DataProduct]:
    """Narrows to the products matching the buyer's words, without ranking them
    (``catalogue.search``: web-search syntax, Chinese segmented, synonyms across English,
    Malay and Chinese).

    PostgreSQL: the stored, GIN-indexed search vector. SQLite: each term must start a word of
    the title, summary, tags, provider or description (a substring, for Chinese)."""
    if not text:
        return qs
    parsed = search.parse(text)
    if parsed.empty:  # nothing but punctuation: nothing matches (a condition that compiles,
        # unlike .none(), for the one-pass facet query)
        return qs.filter(pk__isnull=True)
    if connection.vendor == "postgresql":
        # Words in scripts without spaces (Chinese) are matched as substrings too.
        cjk = bool(search.CJK.search(text))
        return qs.filter(
            Q(search_vector=_search_query(parsed)) | (Q(title__icontains=text) if cjk else Q())
        )
    return qs.filter(_sqlite_match(parsed))


def _search_query(parsed: "search.Parsed"):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(search.tsquery(parsed), search_type="raw", config="simple")


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


def _ranked(qs: QuerySet[DataProduct], text: str) -> QuerySet[DataProduct]:
    """The relevance of each matching product: computed by the page's query only, over the
    products that matched (never by the facet counts)."""
    parsed = search.parse(text)
    if parsed.empty:
        return qs.annotate(rank=Value(0, output_field=IntegerField()))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchRank

        return qs.annotate(rank=SearchRank(F("search_vector"), _search_query(parsed)))
    return qs.annotate(
        rank=Case(
            When(_sqlite_match(parsed, fields=("title",)), then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )


def _translated_column(model, field: str) -> str | None:
    """``name_zh_hans`` / ``name_ms`` for readers of those languages, when the model has it."""
    column = translated_field(field)
    return column if column in {f.name for f in model._meta.get_fields()} else None


@dataclass
class CatalogueResult:
    products: QuerySet[DataProduct]
    facets: dict[str, list[FacetValue]]
    total: int


def catalogue_search(query: CatalogueQuery) -> CatalogueResult:
    """Listed products matching the query, with disjunctive facet counts and the total.

    Each facet counts what its values would give with every *other* facet applied, so a
    buyer sees how many products picking another value would show. Every count and the
    total come from one query over the matching products (`_facets_and_total`); the
    products themselves are a queryset the caller pages (and only that page is ranked).
    """
    base = _text_match(DataProduct.objects.listed(), query.q)
    filters = _facet_filters(query)
    facets, total = _facets_and_total(base, filters, query)
    results = base
    for cond in filters.values():
        results = results.filter(cond)
    if query.q and query.sort == "relevance":
        results = _ranked(results, query.q)
    return CatalogueResult(products=_sorted(results, query), facets=facets, total=total)


# The facet each key of the one-pass query groups by: (its column in the matching rows,
# how its value is read there).
_FACET_KEYS = {
    "category": "category_id",
    "origin": "origin_jurisdiction",
    "delivery_mode": "listed_version__delivery_mode",
    "data_category": "listed_version__sensitivity",
    "price_band": None,  # a CASE over price_from_usd, see _price_band_case
    "provider": "provider_id",
}


def _price_band_case() -> Case:
    whens = []
    for key, _label, low, high in PRICE_BANDS:
        cond = Q(price_from_usd__gte=low)
        if high is not None:
            cond &= Q(price_from_usd__lt=high)
        whens.append(When(cond, then=Value(key)))
    return Case(*whens, default=Value(None), output_field=CharField())


def _facets_and_total(
    base: QuerySet[DataProduct], filters: dict[str, Q], query: CatalogueQuery
) -> tuple[dict[str, list[FacetValue]], int]:
    """All facet counts and the total in ONE query that reads the matching products once.

    The matching products (search words applied, facet filters not) become a common table
    with each product's facet keys and, per active filter, whether the product passes it.
    Each facet then groups that table by its key, counting the rows that pass every *other*
    filter; the total counts the rows that pass them all. PostgreSQL materialises a common
    table referenced more than once, so the products are scanned and joined a single time;
    category and provider labels are joined to the grouped rows, not to every product.
    """
    keys = {f"k_{name}": F(path) for name, path in _FACET_KEYS.items() if path}
    keys["k_price_band"] = _price_band_case()
    flags = {
        f"f_{name}": ExpressionWrapper(cond, output_field=BooleanField())
        for name, cond in filters.items()
    }
    rows = base.order_by().values(**keys, **flags)
    # The database the router reads products from (a replica, for the catalogue's pages).
    db = connections[rows.db]
    inner_sql, params = rows.query.get_compiler(connection=db).as_sql()
    qn = db.ops.quote_name

    def passing(except_name: str | None) -> str:
        conds = [f"c.{qn('f_' + n)}" for n in filters if n != except_name]
        return " AND ".join(conds) if conds else "1 = 1"

    # The SQL below is assembled from quoted table and column names of this module's models
    # and fixed keywords only; every value the caller gave is a parameter of `inner_sql`.
    def grouped(name: str) -> str:
        key = qn(f"k_{name}")
        counted_rows = f"SUM(CASE WHEN {passing(name)} THEN 1 ELSE 0 END)"
        return f"SELECT c.{key} AS k, {counted_rows} AS n FROM c GROUP BY c.{key}"  # noqa: S608

    def labelled(facet: str, model, label: str) -> str:
        table, t_slug, t_label, t_pk = (qn(x) for x in (model._meta.db_table, "slug", label, "id"))
        shown = f"t.{t_label}"
        translated = _translated_column(model, label)
        if translated:  # the reader's language where the row has it, English otherwise
            shown = f"COALESCE(NULLIF(t.{qn(translated)}, ''), t.{t_label})"
        grouped_rows = grouped(facet)
        return f"SELECT '{facet}', t.{t_slug}, {shown}, g.n FROM ({grouped_rows}) g JOIN {table} t ON t.{t_pk} = g.k"  # noqa: E501, S608

    def plain(facet: str) -> str:
        return f"SELECT '{facet}', CAST(g.k AS TEXT), NULL, g.n FROM ({grouped(facet)}) g"  # noqa: S608

    every_filter = f"SUM(CASE WHEN {passing(None)} THEN 1 ELSE 0 END)"
    branches = [
        labelled("category", Category, "name"),
        labelled("provider", Organization, "legal_name"),
        *(plain(facet) for facet in ("origin", "delivery_mode", "data_category", "price_band")),
        f"SELECT 'total', NULL, NULL, {every_filter} FROM c",  # noqa: S608
    ]
    sql = f"WITH c AS ({inner_sql}) " + " UNION ALL ".join(branches)
    counted: dict[str, list[tuple[str, str | None, int]]] = {name: [] for name in _FACET_KEYS}
    total = 0
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        for facet, value, label, n in cursor.fetchall():
            n = int(n or 0)
            if facet == "total":
                total = n
            elif value is not None and n > 0:
                counted[facet].append((value, label, n))
    return _facet_values(counted, query), total


def _facet_values(counted, query: CatalogueQuery) -> dict[str, list[FacetValue]]:
    """The facets as the pages show them: most products first, then by value (providers by
    name); every price band, in band order, even when it counts nothing."""
    labels = {
        "origin": jurisdiction_name,
        "delivery_mode": lambda v: str(dict(ProductVersion.DeliveryMode.choices).get(v, v)),
        "data_category": lambda v: str(dict(ProductVersion.DataCategory.choices).get(v, v)),
    }
    facets: dict[str, list[FacetValue]] = {}
    for name in ("category", "origin", "delivery_mode", "data_category", "provider"):
        selected = getattr(query, name)
        rows = sorted(counted[name], key=lambda r: (-r[2], r[1] if name == "provider" else r[0]))
        facets[name] = [
            FacetValue(
                value, label if label is not None else labels[name](value), n, value in selected
            )
            for value, label, n in rows
        ]
    bands = {value: n for value, _label, n in counted["price_band"]}
    facets["price_band"] = [
        FacetValue(key, str(label), bands.get(key, 0), key in query.price_band)
        for key, label, _low, _high in PRICE_BANDS
    ]
    return {name: facets[name] for name in CatalogueQuery.FACETS}


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
