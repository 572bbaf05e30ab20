from django.contrib import admin

from kernel.ledger.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only and written only by services."""

    list_display = ["seq", "created_at", "action", "actor_label", "organization", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "actor_label", "object_repr", "object_id", "request_id"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
