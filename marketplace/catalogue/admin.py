"""Data products in the admin: exchange staff look them up and suspend or reinstate them.

Products are created and changed by their providers through the catalogue services; the
admin shows them read-only and its actions call the same services as the API.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue.models import DataProduct
from licensing import services
from marketplace.admin_suspension import SuspensionActions


@admin.register(DataProduct)
class DataProductAdmin(SuspensionActions, admin.ModelAdmin):
    list_display = ["title", "provider", "status", "origin_jurisdiction", "listed_at"]
    list_filter = ["status", "origin_jurisdiction", "category"]
    search_fields = ["title", "slug", "provider__legal_name"]
    list_select_related = ["provider"]
    exclude = ["search_vector"]
    readonly_fields = [f.name for f in DataProduct._meta.fields if f.name != "search_vector"]
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
