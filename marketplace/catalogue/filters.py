"""The catalogue search's query parameters for the API, validated by django-filter.

The FilterSet only declares and validates the parameters (so they appear in the OpenAPI
schema and a bad value is a 400 naming the parameter); the search itself is
`selectors.catalogue_search`, the same one the HTML catalogue runs.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from accounts.jurisdictions import JURISDICTION_CHOICES
from catalogue.models import DataProduct, ProductVersion
from catalogue.selectors import (
    PRICE_BANDS,
    SORTS,
    CatalogueQuery,
    CatalogueResult,
    catalogue_search,
)

MULTI_HELP = "Repeat the parameter or separate values with commas; values are OR-ed."


def _open_values_schema(description: str) -> dict:
    # Slugs that come and go have no enum; the description says where to find them.
    return {"type": "string", "description": f"{description} {MULTI_HELP}"}


class CommaSeparatedMultipleField(forms.MultipleChoiceField):
    """Accepts `?x=a&x=b` and `?x=a,b` alike.

    With `open_values` any value passes (slugs of categories and providers come and go;
    an unknown one simply matches nothing, as on the HTML catalogue).
    """

    def __init__(self, *args, open_values: bool = False, upper: bool = False, **kwargs):
        self.open_values = open_values
        self.upper = upper
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        values = []
        for item in super().to_python(value):
            for part in item.split(","):
                part = part.strip()
                if part:
                    values.append(part.upper() if self.upper else part)
        return values

    def valid_value(self, value):
        return self.open_values or super().valid_value(value)


class CommaSeparatedMultipleFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaSeparatedMultipleField


def _multi(label, *, choices=(), **field_kwargs):
    return CommaSeparatedMultipleFilter(
        label=label, choices=choices, help_text=MULTI_HELP, **field_kwargs
    )


class CatalogueFilterSet(django_filters.FilterSet):
    """Validates the catalogue's parameters and hands them to `catalogue_search`.

    After `.qs`, `search_result` holds the search's facets and total for the response.
    """

    q = django_filters.CharFilter(
        label=_("Search words"),
        max_length=200,
        help_text=_(
            "Words to find in titles, summaries, tags, providers and descriptions. On "
            'PostgreSQL web-search syntax works: "exact phrase", -excluded, or.'
        ),
    )
    category = extend_schema_field(_open_values_schema("Category slug (see /api/v1/categories/)."))(
        _multi(_("Category slug"), open_values=True)
    )
    origin = _multi(
        _("Origin jurisdiction (ISO 3166 alpha-2)"), choices=JURISDICTION_CHOICES, upper=True
    )
    delivery_mode = _multi(_("Delivery mode"), choices=ProductVersion.DeliveryMode.choices)
    data_category = _multi(
        _("Most sensitive data category"), choices=ProductVersion.DataCategory.choices
    )
    price_band = _multi(
        _("Price band (lowest offer, in US dollars at reference rates)"),
        choices=[(key, label) for key, label, _low, _high in PRICE_BANDS],
    )
    provider = extend_schema_field(
        _open_values_schema("Provider organisation slug (as in `provider.slug`).")
    )(_multi(_("Provider organisation slug"), open_values=True))
    sort = django_filters.ChoiceFilter(
        label=_("Sort order"),
        choices=list(SORTS.items()),
        help_text=_("Default: relevance when searching with q, otherwise newest."),
    )

    class Meta:
        model = DataProduct
        fields: list[str] = []

    search_result: CatalogueResult | None = None

    def catalogue_query(self) -> CatalogueQuery:
        data = {name: value for name, value in self.form.cleaned_data.items() if value}
        return CatalogueQuery.from_querydict(data)

    def filter_queryset(self, queryset):
        # The search owns what is listed and how it is filtered and sorted; the queryset
        # the view hands in is not narrowed further, only given the card's related rows.
        self.search_result = catalogue_search(self.catalogue_query())
        return self.search_result.products.with_card_data()
