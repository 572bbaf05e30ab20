"""Data products in the admin: exchange staff look them up and suspend or reinstate them.

Products are created and changed by their providers through the catalogue services; the
admin shows them read-only and its actions call the same services as the API.
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from catalogue.models import DataProduct
from kernel.regions import UnknownRegion, region_for
from licensing import selectors, services
from marketplace.admin_suspension import SuspensionActions


@admin.register(DataProduct)
class DataProductAdmin(SuspensionActions, admin.ModelAdmin):
    list_display = [
        "title",
        "provider",
        "status",
        "origin_jurisdiction",
        "data_region",
        "listed_at",
    ]
    list_filter = ["status", "origin_jurisdiction", "category"]
    search_fields = ["title", "slug", "provider__legal_name"]
    list_select_related = ["provider"]
    exclude = ["search_vector"]
    readonly_fields = [
        *(f.name for f in DataProduct._meta.fields if f.name != "search_vector"),
        "data_residency",
    ]
    permission = "catalogue.suspend_product"
    row_argument = "product"
    # The licensing services suspend the product and tell its provider and licensees.
    suspend_service = staticmethod(services.licensed_product_suspend)
    reinstate_service = staticmethod(services.licensed_product_reinstate)
    suspend_label = _("Suspend the selected products")
    reinstate_label = _("Reinstate the selected products")
    suspended_message = _("%(n)s product(s) suspended.")
    reinstated_message = _("%(n)s product(s) reinstated.")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("data region"))
    def data_region(self, obj: DataProduct) -> str:
        try:
            return region_for(obj.origin_jurisdiction).code.upper()
        except UnknownRegion:
            return "—"

    @admin.display(description=_("data residency"))
    def data_residency(self, obj: DataProduct) -> str:
        """Where each version's files live and which regions answered its queries (the
        same report as `manage.py data_residency`)."""
        if obj.pk is None:
            return "—"
        return render_to_string(
            "admin/catalogue/dataproduct/residency.html", {"rows": selectors.residency(obj)}
        )
