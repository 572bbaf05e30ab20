"""Template helpers of licensing: status badges, terms in words, the "try a query" panel."""

import json
import shlex

from django import template
from django.urls import reverse

from accounts.selectors import active_organization
from catalogue.models import Offer
from catalogue.selectors import purpose_labels
from licensing.models import Licence
from marketplace.licensing.forms import TryQueryForm

register = template.Library()

REQUEST_BADGES = {
    "approved": "badge-ok",
    "declined": "badge-err",
    "blocked": "badge-err",
    "withdrawn": "",
    "awaiting_provider": "badge-info",
}
LICENCE_BADGES = {
    "active": "badge-ok",
    "expired": "",
    "revoked": "badge-err",
    "suspended": "badge-warn",
}


@register.filter
def request_badge(status: str) -> str:
    return REQUEST_BADGES.get(status, "badge-warn")


@register.filter
def licence_badge(status: str) -> str:
    return LICENCE_BADGES.get(status, "")


@register.filter
def purpose_names(codes, labels=None) -> str:
    """Purpose codes (one, or a list) as their names in the reader's language. A list page
    passes the names of all its rows' purposes (`catalogue.selectors.purpose_labels`, one
    query) so that no row queries on its own."""
    codes = [codes] if isinstance(codes, str) else list(codes or [])
    names = labels if labels is not None else purpose_labels([codes])
    return ", ".join(names.get(code, code) for code in codes)


@register.filter
def iso_date(value):
    """A date stored as ISO text in a licence's JSON (evidence), as a date to format."""
    from datetime import date

    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return value


@register.filter
def mechanism_label(code: str) -> str:
    """A transfer mechanism's name (``cn_standard_contract`` → its label)."""
    from compliance.rules.models import Mechanism

    return str(dict(Mechanism.choices).get(code, code))


@register.filter
def forum_label(code: str) -> str:
    return str(dict(Offer.DisputeForum.choices).get(code, code))


@register.filter
def end_of_term_label(code: str) -> str:
    return str(dict(Offer.EndOfTerm.choices).get(code, code))


ENDPOINTS = {
    "query_api": ("POST", "api:product-query"),
    "insight_report": ("GET", "api:product-report"),
    "aggregated_extract": ("GET", "api:product-extract"),
}


def example_query(version) -> dict:
    """A first query that runs on this version: rows counted per its first groupable column."""
    fields = version.schema_fields()
    dims = [
        f["name"]
        for f in fields
        if f.get("type") in ("string", "date", "boolean") and not f.get("identifier")
    ]
    query: dict = {"aggregates": [{"fn": "count"}]}
    if dims:
        query = {"group_by": dims[:1], **query}
    return query


def access_snippets_for(request, licence) -> dict:
    """The copyable curl and Python calls of a licence: the real endpoint of the product's
    delivery mode, the licence's first purpose and territory as the declared headers."""
    method, name = ENDPOINTS.get(licence.version.delivery_mode, ENDPOINTS["query_api"])
    url = request.build_absolute_uri(reverse(name, args=[licence.product.slug]))
    purpose = (licence.purposes or [""])[0]
    jurisdiction = (licence.territories or [""])[0]
    body = example_query(licence.version) if method == "POST" else None
    curl = [f"curl -X {method} {shlex.quote(url)}"]
    curl.append('  -H "Authorization: Bearer $JAMBATAN_TOKEN"')
    curl.append(f"  -H {shlex.quote('X-Purpose: ' + purpose)}")
    curl.append(f"  -H {shlex.quote('X-Processing-Jurisdiction: ' + jurisdiction)}")
    if body is not None:
        curl.append('  -H "Content-Type: application/json"')
        curl.append(f"  -d {shlex.quote(json.dumps(body))}")
    python = [
        "import os",
        "",
        "import requests",
        "",
        f"response = requests.{method.lower()}(",
        f"    {json.dumps(url)},",
        "    headers={",
        '        "Authorization": "Bearer " + os.environ["JAMBATAN_TOKEN"],',
        f'        "X-Purpose": {json.dumps(purpose)},',
        f'        "X-Processing-Jurisdiction": {json.dumps(jurisdiction)},',
        "    },",
    ]
    if body is not None:
        python.append(f"    json={json.dumps(body)},")
    python += ["    timeout=60,", ")", "response.raise_for_status()"]
    # The extract is CSV; the query and the report answer JSON.
    python.append(
        "print(response.text)" if name == "api:product-extract" else "print(response.json())"
    )
    return {
        "licence": licence,
        "method": method,
        "endpoint": url,
        "purpose": purpose,
        "jurisdiction": jurisdiction,
        "curl": " \\\n".join(curl),
        "python": "\n".join(python),
        "panel": licence.version.delivery_mode == "query_api",
    }


@register.inclusion_tag("licensing/_access_snippets.html", takes_context=True)
def access_snippets(context, licence):
    """The "Access this product" block (product page of a licensee, licence page)."""
    request = context.get("request")
    if request is None or licence is None:
        return {"show": False}
    return {"show": True, **access_snippets_for(request, licence)}


@register.inclusion_tag("licensing/_panel.html", takes_context=True)
def licence_panel(context, product):
    """A small query form for a buyer whose acting organisation holds a live licence."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"show": False}
    org = active_organization(request)
    if org is None or product.provider_id == org.pk:
        return {"show": False}
    licence = (
        Licence.objects.live()
        .filter(buyer=org, product=product)
        .select_related("version")
        .order_by("-starts_at")
        .first()
    )
    if licence is None:
        return {"show": False, "hint": org.is_buyer, "product": product}
    queryable = licence.version.delivery_mode == "query_api"
    return {
        "show": True,
        "licence": licence,
        "product": product,
        "queryable": queryable,
        "form": TryQueryForm(licence=licence) if queryable else None,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
