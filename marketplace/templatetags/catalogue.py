from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import floatformat
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.jurisdictions import jurisdiction_name
from kernel.tabular.schema import neutralise_formula
from marketplace.catalogue.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 just above


@register.filter
def safe_cell(value: str) -> str:
    """A CSV cell as shown: formulas neutralised (the template still escapes it)."""
    return neutralise_formula(str(value))


@register.filter
def country(code: str) -> str:
    return jurisdiction_name(code)


@register.simple_tag(takes_context=True)
def query_toggle(context, name: str, value: str) -> str:
    """The current query string with one facet value switched on or off (page reset)."""
    params = context["request"].GET.copy()
    values = params.getlist(name)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    params.setlist(name, values)
    params.pop("page", None)
    return "?" + urlencode(params, doseq=True)


@register.simple_tag(takes_context=True)
def query_set(context, name: str, value) -> str:
    params = context["request"].GET.copy()
    params[name] = value
    if name != "page":
        params.pop("page", None)
    return "?" + urlencode(params, doseq=True)


@register.filter
def getitem(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def getattr_list(obj, name: str) -> list:
    return list(getattr(obj, name, []) or [])


@register.filter
def data_category_label(code: str) -> str:
    from catalogue.models import ProductVersion

    return str(dict(ProductVersion.DataCategory.choices).get(code, code))


@register.simple_tag
def price(amount, currency: str, decimals: int = 2) -> str:
    """An offer's price as a buyer reads it: "Free" for nothing, else the currency and the
    amount in the reader's number format (grouped thousands)."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{currency} {amount}"
    if value == 0:
        return _("Free")
    return f"{currency} {floatformat(value, f'{decimals}g')}"


# What a provider reads in a product's history instead of the ledger's action names.
EVENT_LABELS = {
    "catalogue.product.created": gettext_lazy("Product created"),
    "catalogue.product.updated": gettext_lazy("Product details changed"),
    "catalogue.product.submitted": gettext_lazy("Product submitted for review"),
    "catalogue.product.in_review": gettext_lazy("Review started"),
    "catalogue.product.changes_requested": gettext_lazy("Reviewers asked for changes"),
    "catalogue.product.listed": gettext_lazy("Product listed"),
    "catalogue.product.rejected": gettext_lazy("Product rejected"),
    "catalogue.product.suspended": gettext_lazy("Product suspended by the exchange"),
    "catalogue.product.reinstated": gettext_lazy("Product reinstated"),
    "catalogue.product.delisted": gettext_lazy("Product delisted"),
    "catalogue.product.version_listed": gettext_lazy("New version listed"),
    "catalogue.version.created": gettext_lazy("Version created"),
    "catalogue.version.updated": gettext_lazy("Version edited"),
    "catalogue.version.submitted": gettext_lazy("Version submitted for review"),
    "catalogue.version.approved": gettext_lazy("Version approved"),
    "catalogue.version.changes_requested": gettext_lazy("Changes requested on the version"),
    "catalogue.version.rejected": gettext_lazy("Version rejected"),
    "catalogue.version.withdrawn": gettext_lazy("Version withdrawn"),
    "catalogue.version.evidence_added": gettext_lazy("Evidence attached"),
    "catalogue.version.files_moved": gettext_lazy("Files moved to the data region"),
    "catalogue.version.sample_uploaded": gettext_lazy("Sample uploaded"),
    "catalogue.version.dataset_uploaded": gettext_lazy("Dataset uploaded"),
    "catalogue.dataset.queued": gettext_lazy("Dataset queued for preparation"),
    "catalogue.dataset.preparing": gettext_lazy("Dataset being prepared"),
    "catalogue.dataset.ready": gettext_lazy("Dataset ready for queries"),
    "catalogue.dataset.failed": gettext_lazy("Dataset preparation failed"),
    "catalogue.dataset.requeued": gettext_lazy("Dataset queued again"),
    "catalogue.offer.created": gettext_lazy("Offer created"),
    "catalogue.offer.updated": gettext_lazy("Offer changed"),
}


@register.filter
def event_label(action: str) -> str:
    """A ledger action in words (``catalogue.version.submitted`` → "Version submitted for
    review"); an action without a label reads as its last word, spaced."""
    label = EVENT_LABELS.get(action)
    if label is not None:
        return str(label)
    return action.rsplit(".", 1)[-1].replace("_", " ").capitalize()
