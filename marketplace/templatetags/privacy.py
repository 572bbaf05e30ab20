"""Template helpers of the access engine's protection: how a product's answers are
protected, noisy cells with their intervals, the budget gauge, and the provider's view of
the privacy spent per licensee."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from licensing import selectors
from marketplace.catalogue.serializers import protection_of

register = template.Library()


@register.simple_tag
def protection(version):
    """``{% protection version as p %}``: the protection statement buyers are shown."""
    return protection_of(version) if version is not None else None


@register.simple_tag
def privacy_spent_per_licensee(product):
    """``{% privacy_spent_per_licensee product as rows %}`` — only on pages whose view has
    already established that the reader is the product's provider."""
    return selectors.privacy_by_licensee(product)


@register.filter
def with_intervals(result) -> list[list[tuple]]:
    """The rows of an answer as (value, 95% half-width or None) pairs."""
    intervals = result.get("intervals_95") or []
    rows = []
    for i, row in enumerate(result.get("rows") or []):
        spread = intervals[i] if i < len(intervals) else []
        rows.append([(cell, spread[j] if j < len(spread) else None) for j, cell in enumerate(row)])
    return rows


@register.filter
def plus_minus(half_width) -> str:
    """± with a precision a reader can take in: 12.45 → "±12", 0.0421 → "±0.042"."""
    if half_width is None:
        return ""
    value = float(half_width)
    digits = 0 if value >= 10 else (1 if value >= 1 else 3)
    return "±" + number_format(round(value, digits), digits, use_l10n=True)


@register.filter
def percent_left(state) -> int:
    """How much of a budget is left, in whole percent (for the gauge)."""
    try:
        budget = float(
            state["epsilon_budget"] if "epsilon_budget" in state else state["epsilon_cap"]
        )
        remaining = float(state["epsilon_remaining"])
    except (KeyError, TypeError, ValueError):
        return 0
    return int(max(0.0, min(100.0, remaining * 100 / budget))) if budget else 0


@register.filter
def epsilon(value) -> str:
    """An ε as people read it: 20, 0.5 (never 20.000 or 0.500)."""
    if value in (None, ""):
        return ""
    return selectors.epsilon_text(Decimal(str(value)))
