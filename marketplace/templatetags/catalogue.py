from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import floatformat
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

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
