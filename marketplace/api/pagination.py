from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


def _one_positive_integer(request, name: str, *, maximum: int | None = None) -> int | None:
    """The query parameter ``name`` as an integer ≥ 1 (≤ ``maximum``), None when absent; a
    repeated, empty, null or non-integer value is a 400 naming the parameter."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: [_("Give this parameter once.")]})
    raw = values[0].strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: [_("A whole number of at least 1 is required.")]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise ValidationError({name: [_("At most %(maximum)d is allowed.") % {"maximum": maximum}]})
    return value


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number pagination whose parameters are validated: `page_size` between 1 and 100,
    `page` a whole number from 1, each given at most once (a 400 naming it otherwise; a page
    past the last is a 404)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        _one_positive_integer(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        size = _one_positive_integer(
            request, self.page_size_query_param, maximum=self.max_page_size
        )
        return size if size is not None else self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
