"""Template helpers of licensing: status badges, terms in words, the "try a query" panel."""

from django import template

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
    """The purposes' names, joined. A list page passes the names of all its rows' purposes
    (`catalogue.selectors.purpose_labels`, one query) so that no row queries on its own."""
    codes = list(codes or [])
    names = labels if labels is not None else purpose_labels([codes])
    return ", ".join(names.get(code, code) for code in codes)


@register.filter
def forum_label(code: str) -> str:
    return str(dict(Offer.DisputeForum.choices).get(code, code))


@register.filter
def end_of_term_label(code: str) -> str:
    return str(dict(Offer.EndOfTerm.choices).get(code, code))


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
    }
