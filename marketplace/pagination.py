"""Pages of lists whose total is already known (the HTML pages and the API alike)."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A Django paginator told the list's length instead of counting it again.

    The catalogue search computes its total in the same query as its facet counts; a
    second ``COUNT(*)`` over the same products would only repeat that work.
    """

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count
