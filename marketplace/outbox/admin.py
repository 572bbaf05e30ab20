"""Queued work in the admin: what waits for the broker, what failed, and a retry."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kernel.outbox import services
from kernel.outbox.models import OutboxMessage


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting for the broker")),
            ("failed", _("Failed")),
            ("sent", _("Sent, not finished")),
            ("done", _("Done")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "waiting":
            return queryset.undelivered()
        if value == "failed":
            return queryset.failed()
        if value == "sent":
            return queryset.filter(
                sent_at__isnull=False, finished_at__isnull=True, failed_at__isnull=True
            )
        if value == "done":
            return queryset.filter(finished_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by services; operators retry from here."""

    list_display = [
        "created_at",
        "task",
        "subject",
        "state",
        "publish_attempts",
        "deliveries",
        "available_at",
        "short_error",
    ]
    list_filter = [StateFilter, "task"]
    search_fields = ["task", "subject_id", "last_error"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("outbox.change_outboxmessage")

    @admin.display(description=_("about"))
    def subject(self, obj):
        return f"{obj.subject_type} #{obj.subject_id}" if obj.subject_type else "—"

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.action(description=_("Send the selected work again"), permissions=["retry"])
    def retry(self, request, queryset):
        sent = services.retry(messages=list(queryset))
        self.message_user(
            request,
            _("%(n)d of %(m)d sent to the task queue; the rest wait for the broker.")
            % {"n": sent, "m": queryset.count()},
            messages.SUCCESS if sent else messages.WARNING,
        )
